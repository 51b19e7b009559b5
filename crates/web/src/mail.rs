//! Outgoing mail. Without an SMTP server configured (the default), every message is written as
//! an `.eml` file into `<data dir>/outbox/`, where a new user finds it and any mail program can
//! open it. With `REGIOPORTAL_SMTP_URL=smtp://host:port` messages go to that relay; if the relay
//! fails, the message is written to the outbox instead and the failure is logged, so no message
//! is lost.

use std::path::{Path, PathBuf};
use std::time::Duration;

use chrono::Utc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// Where mail goes.
#[derive(Debug, Clone)]
pub struct MailConfig {
    /// The SMTP relay, if any.
    pub smtp: Option<SmtpRelay>,
    /// The sender, e.g. `Regioportal <noreply@regioportal.example>`.
    pub from: String,
    /// The data folder whose `outbox/` receives messages without a relay (or when it fails).
    pub data_dir: PathBuf,
}

/// An SMTP relay without TLS (a local mail server that forwards the mail).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmtpRelay {
    /// Host name or address.
    pub host: String,
    /// Port (default 25).
    pub port: u16,
}

impl SmtpRelay {
    /// Parses `smtp://host[:port]`.
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        if url.starts_with("smtps://") || url.starts_with("submission") {
            return Err(format!(
                "REGIOPORTAL_SMTP_URL {url:?}: TLS is not supported yet; point it at a local relay that forwards the mail, e.g. smtp://127.0.0.1:25"
            ));
        }
        let rest = url.strip_prefix("smtp://").ok_or_else(|| {
            format!("REGIOPORTAL_SMTP_URL {url:?} must look like smtp://HOST:PORT, e.g. smtp://127.0.0.1:25")
        })?;
        let rest = rest.trim_end_matches('/');
        if rest.contains('@') {
            return Err(format!(
                "REGIOPORTAL_SMTP_URL {url:?}: credentials would travel unencrypted; use a local relay without login"
            ));
        }
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) => {
                (h, p.parse::<u16>().map_err(|_| format!("REGIOPORTAL_SMTP_URL {url:?}: {p:?} is not a port"))?)
            }
            None => (rest, 25),
        };
        if host.is_empty() || host.contains('/') {
            return Err(format!("REGIOPORTAL_SMTP_URL {url:?} names no host; write smtp://HOST:PORT"));
        }
        Ok(Self { host: host.to_owned(), port })
    }
}

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

/// Sends a message: to the relay if one is configured, else (or if the relay fails) into the
/// outbox folder.
pub async fn send(config: &MailConfig, mail: &Mail) -> std::io::Result<()> {
    if let Some(relay) = &config.smtp {
        match tokio::time::timeout(Duration::from_secs(20), smtp_send(relay, mail, &config.from)).await {
            Ok(Ok(())) => return Ok(()),
            Ok(Err(e)) => {
                tracing::error!(error = %e, relay = %relay.host, "SMTP delivery failed; the message is kept in the outbox")
            }
            Err(_) => {
                tracing::error!(relay = %relay.host, "SMTP delivery timed out; the message is kept in the outbox")
            }
        }
    }
    let dir = config.data_dir.clone();
    let (mail, from) = (mail.clone(), config.from.clone());
    tokio::task::spawn_blocking(move || write_outbox(&dir, &mail, &from))
        .await
        .map_err(std::io::Error::other)?
        .map(|_| ())
}

/// The address inside `Name <addr>`.
fn address(s: &str) -> &str {
    s.rsplit_once('<').map_or(s, |(_, a)| a.trim_end_matches('>')).trim()
}

async fn expect(reader: &mut BufReader<tokio::net::tcp::OwnedReadHalf>, code: &str) -> std::io::Result<()> {
    // Multi-line replies: "250-…" lines continue, "250 …" ends.
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).await? == 0 {
            return Err(std::io::Error::other("the SMTP server closed the connection"));
        }
        if !line.starts_with(code) {
            return Err(std::io::Error::other(format!(
                "the SMTP server answered {:?}, expected {code}",
                line.trim_end()
            )));
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(());
        }
    }
}

/// RFC 5321 without extensions: EHLO, MAIL, RCPT, DATA (dot-stuffed), QUIT.
async fn smtp_send(relay: &SmtpRelay, mail: &Mail, from: &str) -> std::io::Result<()> {
    let stream = TcpStream::connect((relay.host.as_str(), relay.port)).await?;
    let (read, mut write) = stream.into_split();
    let mut reader = BufReader::new(read);
    expect(&mut reader, "220").await?;
    write.write_all(b"EHLO regioportal\r\n").await?;
    expect(&mut reader, "250").await?;
    write.write_all(format!("MAIL FROM:<{}>\r\n", address(from)).as_bytes()).await?;
    expect(&mut reader, "250").await?;
    write.write_all(format!("RCPT TO:<{}>\r\n", address(&mail.to)).as_bytes()).await?;
    expect(&mut reader, "25").await?;
    write.write_all(b"DATA\r\n").await?;
    expect(&mut reader, "354").await?;
    let mut data = String::new();
    for line in to_eml(mail, from).split("\r\n") {
        if line.starts_with('.') {
            data.push('.');
        }
        data.push_str(line);
        data.push_str("\r\n");
    }
    data.push_str(".\r\n");
    write.write_all(data.as_bytes()).await?;
    expect(&mut reader, "250").await?;
    write.write_all(b"QUIT\r\n").await?;
    let _ = expect(&mut reader, "221").await;
    Ok(())
}

/// Writes the message into the outbox folder; returns the file's path.
pub fn write_outbox(data_dir: &Path, mail: &Mail, from: &str) -> std::io::Result<std::path::PathBuf> {
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
    fn relay_urls() {
        assert_eq!(
            SmtpRelay::parse("smtp://127.0.0.1:2525").unwrap(),
            SmtpRelay { host: "127.0.0.1".into(), port: 2525 }
        );
        assert_eq!(SmtpRelay::parse("smtp://mail.example").unwrap().port, 25);
        for bad in ["smtps://x", "http://x", "smtp://u:p@x", "smtp://", "smtp://x:99999"] {
            assert!(SmtpRelay::parse(bad).unwrap_err().starts_with("REGIOPORTAL_SMTP_URL"), "{bad}");
        }
    }

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
        let path = write_outbox(&dir, &mail, "Regioportal <noreply@regioportal.example>").unwrap();
        let text = std::fs::read_to_string(&path).unwrap();
        assert!(text.contains("To: a@b.de\r\n"));
        assert!(text.contains("Subject: =?UTF-8?B?"));
        let _ = std::fs::remove_dir_all(dir);
    }
}
