//! Outgoing mail. Without an SMTP server configured (the default), every message is written as
//! an `.eml` file into `<data dir>/outbox/`, where a new user finds it and any mail program can
//! open it.

use std::path::Path;

use chrono::Utc;

/// A plain-text message.
#[derive(Debug, Clone)]
pub struct Mail {
    /// Recipient address.
    pub to: String,
    /// Subject line (UTF-8).
    pub subject: String,
    /// Body text.
    pub body: String,
}

/// RFC 2047 encoded-word for a non-ASCII header value.
fn encode_header(value: &str) -> String {
    if value.is_ascii() {
        return value.to_owned();
    }
    format!("=?UTF-8?B?{}?=", base64(value.as_bytes()))
}

/// Standard base64 with padding (RFC 4648 §4).
pub(crate) fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [chunk[0], *chunk.get(1).unwrap_or(&0), *chunk.get(2).unwrap_or(&0)];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// The message in RFC 5322 form.
pub fn to_eml(mail: &Mail, from: &str) -> String {
    let body = base64(mail.body.as_bytes());
    let wrapped: Vec<&str> = body.as_bytes().chunks(76).map(|c| std::str::from_utf8(c).unwrap_or_default()).collect();
    format!(
        "From: {from}\r\nTo: {to}\r\nSubject: {subject}\r\nDate: {date}\r\nMessage-ID: <{id}@regioportal>\r\nMIME-Version: 1.0\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{body}\r\n",
        to = mail.to,
        subject = encode_header(&mail.subject),
        date = Utc::now().to_rfc2822(),
        id = uuid::Uuid::new_v4(),
        body = wrapped.join("\r\n"),
    )
}

/// Writes the message into the outbox folder; returns the file's path.
pub fn send(data_dir: &Path, mail: &Mail, from: &str) -> std::io::Result<std::path::PathBuf> {
    let dir = data_dir.join("outbox");
    std::fs::create_dir_all(&dir)?;
    let name = format!("{}-{}.eml", Utc::now().format("%Y%m%dT%H%M%S"), uuid::Uuid::new_v4().simple());
    let path = dir.join(name);
    // Write then rename, so a reader never sees half a message.
    let tmp = path.with_extension("tmp");
    std::fs::write(&tmp, to_eml(mail, from))?;
    std::fs::rename(&tmp, &path)?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_vectors() {
        for (i, o) in [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foobar", "Zm9vYmFy")] {
            assert_eq!(base64(i.as_bytes()), o);
        }
    }

    #[test]
    fn writes_an_eml_file() {
        let dir = std::env::temp_dir().join(format!("rp-mail-{}", uuid::Uuid::new_v4()));
        let mail = Mail { to: "a@b.de".into(), subject: "Passwort zurücksetzen".into(), body: "Hallo Ä".into() };
        let path = send(&dir, &mail, "Regioportal <noreply@regioportal.example>").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("To: a@b.de\r\n"));
        assert!(text.contains("Subject: =?UTF-8?B?"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
