//! Base32 (RFC 4648, standard alphabet `A–Z2–7`, no padding), as authenticator apps expect TOTP
//! secrets and as API tokens and recovery codes are written. Unlike hex it survives being read
//! aloud or typed from paper: no `0`/`O` or `1`/`l` confusion, and case does not matter.

use thiserror::Error;

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/// Text that is not Base32.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Base32Error {
    /// A character outside `A–Z`, `2–7` (and the ignored spaces and `=`).
    #[error("{0:?} is not a Base32 character: use only the letters A–Z and the digits 2–7")]
    Character(char),
    /// A length no byte string encodes to (1, 3 or 6 characters past a multiple of 8).
    #[error("the Base32 text has {0} characters, which no data encodes to: a character is missing or extra")]
    Length(usize),
}

/// Encodes bytes as upper-case Base32 without `=` padding.
pub fn encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(5) * 8);
    let mut buffer: u16 = 0;
    let mut bits = 0u32;
    for &b in bytes {
        buffer = (buffer << 8) | u16::from(b);
        bits += 8;
        while bits >= 5 {
            bits -= 5;
            out.push(char::from(ALPHABET[usize::from((buffer >> bits) & 0x1f)]));
        }
        // Keep only the bits not yet written, so the buffer never overflows.
        buffer &= (1 << bits) - 1;
    }
    if bits > 0 {
        out.push(char::from(ALPHABET[usize::from((buffer << (5 - bits)) & 0x1f)]));
    }
    out
}

/// Decodes Base32, case-insensitively, ignoring white space and `=` padding (people copy
/// secrets in groups, with or without the padding other tools add).
pub fn decode(text: &str) -> Result<Vec<u8>, Base32Error> {
    let mut out = Vec::with_capacity(text.len() * 5 / 8);
    let mut buffer: u16 = 0;
    let mut bits = 0u32;
    let mut count = 0usize;
    for c in text.chars().filter(|c| !c.is_whitespace() && *c != '=') {
        let value = match c.to_ascii_uppercase() {
            u @ 'A'..='Z' => u as u8 - b'A',
            d @ '2'..='7' => d as u8 - b'2' + 26,
            _ => return Err(Base32Error::Character(c)),
        };
        count += 1;
        buffer = (buffer << 5) | u16::from(value);
        bits += 5;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    // Full groups of 8 characters hold 5 bytes; a partial group of 1, 3 or 6 characters would
    // leave 5 or more unused bits, which an encoder never produces.
    if matches!(count % 8, 1 | 3 | 6) {
        return Err(Base32Error::Length(count));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // RFC 4648 section 10, without the padding.
    const VECTORS: [(&str, &str); 7] = [
        ("", ""),
        ("f", "MY"),
        ("fo", "MZXQ"),
        ("foo", "MZXW6"),
        ("foob", "MZXW6YQ"),
        ("fooba", "MZXW6YTB"),
        ("foobar", "MZXW6YTBOI"),
    ];

    #[test]
    fn rfc_4648_vectors() {
        for (plain, encoded) in VECTORS {
            assert_eq!(encode(plain.as_bytes()), encoded, "{plain}");
            assert_eq!(decode(encoded).unwrap(), plain.as_bytes(), "{encoded}");
        }
    }

    #[test]
    fn decoding_is_lenient_about_case_spaces_and_padding() {
        assert_eq!(decode("mzxw6ytboi").unwrap(), b"foobar");
        assert_eq!(decode("MZXW 6YTB OI").unwrap(), b"foobar");
        assert_eq!(decode("MZXW6YTBOI======").unwrap(), b"foobar");
        assert_eq!(decode("MY======").unwrap(), b"f");
    }

    #[test]
    fn decoding_rejects_bad_text() {
        assert_eq!(decode("MZXW0"), Err(Base32Error::Character('0')));
        assert_eq!(decode("MZ1W"), Err(Base32Error::Character('1')));
        assert_eq!(decode("MZ-W"), Err(Base32Error::Character('-')));
        assert_eq!(decode("MZXWÄ"), Err(Base32Error::Character('Ä')));
        assert_eq!(decode("M"), Err(Base32Error::Length(1)));
        assert_eq!(decode("MZX"), Err(Base32Error::Length(3)));
        assert_eq!(decode("MZXW6Y"), Err(Base32Error::Length(6)));
        assert!(decode("1").unwrap_err().to_string().contains("A–Z"));
    }

    #[test]
    fn round_trips() {
        let bytes: Vec<u8> = (0..=255).collect();
        for len in 0..=bytes.len() {
            let data = &bytes[..len];
            assert_eq!(decode(&encode(data)).unwrap(), data, "length {len}");
            assert_eq!(decode(&encode(data).to_lowercase()).unwrap(), data, "length {len}");
        }
        let reversed: Vec<u8> = (0..=255).rev().collect();
        assert_eq!(decode(&encode(&reversed)).unwrap(), reversed);
    }
}
