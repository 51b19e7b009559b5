//! The text forms of API tokens and recovery codes. The random bytes come from the caller; the
//! caller stores only a hash of the token or code.

use super::base32;

/// What every API token starts with, so secret scanners and people recognise a leaked one.
pub const TOKEN_PREFIX: &str = "rp_";

/// Characters of the Base32 part of a token (32 bytes = 256 bits, 5 bits per character).
const TOKEN_BODY_CHARS: usize = 52;

/// Characters of a token shown in lists (`rp_` and 8 more): enough to tell tokens apart, far too
/// few to use one.
pub const TOKEN_PREFIX_CHARS: usize = 11;

/// An API token: `rp_` followed by the 32 random bytes in lowercase Base32 (55 characters).
pub fn format_token(random: &[u8; 32]) -> String {
    format!("{TOKEN_PREFIX}{}", base32::encode(random).to_ascii_lowercase())
}

/// The start of a token (its first [`TOKEN_PREFIX_CHARS`] characters, or all of a shorter
/// string), to store beside the hash and show in lists.
pub fn token_prefix(token: &str) -> &str {
    token.char_indices().nth(TOKEN_PREFIX_CHARS).map_or(token, |(end, _)| &token[..end])
}

/// Whether `s` has the shape of a token from [`format_token`]. A cheap check before any database
/// look-up, so garbage in an `Authorization` header costs nothing.
pub fn looks_like_token(s: &str) -> bool {
    s.strip_prefix(TOKEN_PREFIX).is_some_and(|body| {
        body.len() == TOKEN_BODY_CHARS && body.bytes().all(|b| b.is_ascii_lowercase() || (b'2'..=b'7').contains(&b))
    })
}

/// A recovery code: the 10 random bytes as 16 lowercase Base32 characters in groups of four,
/// `xxxx-xxxx-xxxx-xxxx`, to be written on paper and typed back.
pub fn format_recovery_code(random: &[u8; 10]) -> String {
    let chars = base32::encode(random).to_ascii_lowercase();
    let groups: Vec<&str> = (0..chars.len()).step_by(4).map(|i| &chars[i..i + 4]).collect();
    groups.join("-")
}

/// A recovery code as typed, brought to the form to compare (and hash): lowercase, without
/// spaces and hyphens, so `ABCD EFGH-ijkl mnop` matches `abcd-efgh-ijkl-mnop`.
pub fn normalise_recovery_code(input: &str) -> String {
    input.chars().filter(|c| !c.is_whitespace() && *c != '-').flat_map(char::to_lowercase).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens() {
        let token = format_token(&[0; 32]);
        assert_eq!(token, format!("rp_{}", "a".repeat(52)));
        let token = format_token(&[0xff; 32]);
        assert_eq!(token.len(), 55);
        assert!(token.starts_with("rp_777777"));
        assert!(looks_like_token(&token));
        let token = format_token(&std::array::from_fn(|i| i as u8 * 7));
        assert!(looks_like_token(&token));
        assert_eq!(base32::decode(&token[3..]).unwrap(), (0..32).map(|i| i * 7).collect::<Vec<u8>>());
    }

    #[test]
    fn token_shapes() {
        let good = format_token(&[42; 32]);
        assert!(looks_like_token(&good));
        assert!(!looks_like_token(&good.to_uppercase()));
        assert!(!looks_like_token(&good[..54]));
        assert!(!looks_like_token(&format!("{good}a")));
        assert!(!looks_like_token(&good.replacen("rp_", "xx_", 1)));
        assert!(!looks_like_token(&good.replace('a', "1")));
        assert!(!looks_like_token(""));
        assert!(!looks_like_token("rp_"));
        assert!(!looks_like_token(&format!("rp_{}", "ä".repeat(26))));
    }

    #[test]
    fn prefixes() {
        let token = format_token(&[0xff; 32]);
        assert_eq!(token_prefix(&token), "rp_77777777");
        assert_eq!(token_prefix("rp_abc"), "rp_abc");
        assert_eq!(token_prefix(""), "");
        assert_eq!(token_prefix(&"ä".repeat(14)), "ä".repeat(11), "counts characters, never splits one");
    }

    #[test]
    fn recovery_codes() {
        let code = format_recovery_code(b"foobarbaz!");
        assert_eq!(code.len(), 19);
        assert_eq!(code, "mzxw-6ytb-ojrg-c6rb");
        assert_eq!(format_recovery_code(&[0; 10]), "aaaa-aaaa-aaaa-aaaa");
        assert_eq!(normalise_recovery_code(&code), "mzxw6ytbojrgc6rb");
        assert_eq!(normalise_recovery_code(" MZXW 6YTB-ojrg\tC6RB\n"), "mzxw6ytbojrgc6rb");
        assert_eq!(base32::decode(&normalise_recovery_code(&code)).unwrap(), b"foobarbaz!");
    }
}
