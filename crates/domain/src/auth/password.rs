//! Staff passwords: the rules a new password must meet before it is hashed.
//!
//! The rules follow NIST SP 800-63B: a minimum length and a check against passwords attackers
//! try first, but no composition rules ("one digit, one symbol"), which only make people write
//! passwords down. Hashing happens outside the domain crate.

use std::fmt;

use thiserror::Error;

/// The fewest characters a password may have.
pub const MIN_PASSWORD_CHARS: usize = 12;

/// The most characters a password may have: generous for passphrases, and it bounds the work
/// an attacker can make the password hash do.
pub const MAX_PASSWORD_CHARS: usize = 128;

/// Passwords attackers try first, lowercase. Only ones of at least [`MIN_PASSWORD_CHARS`]
/// characters are listed; shorter ones fail the length rule anyway.
const COMMON_PASSWORDS: &[&str] = &[
    "000000000000",
    "111111111111",
    "112233445566",
    "121212121212",
    "123123123123",
    "123412341234",
    "123456123456",
    "123456789012",
    "1234567890123",
    "12345678901234",
    "123456789123",
    "1234567891011",
    "123456abcdef",
    "123456qwertz",
    "123456qwerty",
    "1234qwerasdf",
    "1q2w3e4r5t6y",
    "1q2w3e4r5t6z",
    "1qaz2wsx3edc",
    "987654321098",
    "098765432109",
    "aaaaaaaaaaaa",
    "abc123456789",
    "abcd12345678",
    "abcdefgh1234",
    "abcdefghijkl",
    "adminadmin12",
    "admin1234567",
    "admin123456789",
    "administrator",
    "administrator1",
    "altenburg123",
    "asdfghjkl123",
    "asdfasdfasdf",
    "baseball1234",
    "batman123456",
    "bayernmuenchen",
    "borussia1909",
    "buergermeister",
    "bundesliga12",
    "changeme1234",
    "computer1234",
    "deutschland1",
    "deutschland12",
    "deutschland123",
    "dragon123456",
    "fcbayern1900",
    "football1234",
    "fruehling123",
    "fussball1234",
    "geheim123456",
    "geheimgeheim",
    "gemeinde1234",
    "gera12345678",
    "hallo1234567",
    "hallo123456!",
    "hallohallo12",
    "hallowelt123",
    "helloworld12",
    "helloworld123",
    "herbst123456",
    "ichliebedich",
    "ichliebedich1",
    "iloveyou1234",
    "internet1234",
    "jena12345678",
    "letmein12345",
    "lovelovelove",
    "master123456",
    "monkey123456",
    "passwort1234",
    "passwort12345",
    "passwort123!",
    "passwort2024",
    "passwort2025",
    "passwort2026",
    "passwortpasswort",
    "password1234",
    "password12345",
    "password123!",
    "password2024",
    "password2025",
    "password2026",
    "passwordpassword",
    "pokemon12345",
    "princess1234",
    "q1w2e3r4t5z6",
    "qazwsxedcrfv",
    "qwerasdfyxcv",
    "qwertyuiop12",
    "qwertyuiop123",
    "qwerty123456",
    "qwertz123456",
    "qwertzuiop12",
    "qwertzuiop123",
    "rathaus12345",
    "rootroot1234",
    "schatzi12345",
    "secret123456",
    "sommer123456",
    "sonnenschein",
    "sonnenschein1",
    "starwars1234",
    "stadtverwaltung",
    "summer123456",
    "sunshine1234",
    "superman1234",
    "test12345678",
    "testtest1234",
    "thueringen12",
    "verwaltung12",
    "verwaltung123",
    "welcome12345",
    "welcome123456",
    "willkommen12",
    "willkommen123",
    "willkommen1!",
    "winter123456",
    "yxcvbnm12345",
    "zaq12wsxcde3",
    "zxcvbnm12345",
];

/// Why a password was refused; the variants carry what a translated message needs.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum PasswordError {
    /// Fewer than `min` characters.
    #[error("the password is too short: use at least {min} characters, e.g. a few words in a row")]
    TooShort {
        /// The minimum length in characters.
        min: usize,
    },
    /// More than `max` characters.
    #[error("the password is too long: use at most {max} characters")]
    TooLong {
        /// The maximum length in characters.
        max: usize,
    },
    /// On the list of passwords attackers try first.
    #[error("this password is one of the most common ones and would be guessed quickly: choose another")]
    Common,
    /// The same as the account's e-mail address or its part before `@`.
    #[error("the password must not be your e-mail address or its name part: choose another")]
    SameAsEmail,
    /// Empty or only white space.
    #[error("the password is empty: enter a password of at least {min} characters", min = MIN_PASSWORD_CHARS)]
    Blank,
}

/// A password that meets the rules. It never prints itself: `Debug` shows `Password(***)` and
/// there is no `Display`, so it cannot end up in a log by accident.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Checks a new password for the account with `email` (if known). The password is kept
    /// exactly as typed; white space is not trimmed, as it may be part of a passphrase.
    pub fn parse(s: &str, email: Option<&str>) -> Result<Self, PasswordError> {
        if s.trim().is_empty() {
            return Err(PasswordError::Blank);
        }
        // Characters, not bytes: "Grüße" is five characters to the person typing it.
        let chars = s.chars().count();
        if chars < MIN_PASSWORD_CHARS {
            return Err(PasswordError::TooShort { min: MIN_PASSWORD_CHARS });
        }
        if chars > MAX_PASSWORD_CHARS {
            return Err(PasswordError::TooLong { max: MAX_PASSWORD_CHARS });
        }
        let lower = s.trim().to_lowercase();
        if let Some(email) = email.map(|e| e.trim().to_lowercase()).filter(|e| !e.is_empty()) {
            let local = email.rsplit_once('@').map_or(email.as_str(), |(local, _)| local);
            if lower == email || (!local.is_empty() && lower == local) {
                return Err(PasswordError::SameAsEmail);
            }
        }
        if COMMON_PASSWORDS.contains(&lower.as_str()) {
            return Err(PasswordError::Common);
        }
        Ok(Self(s.to_owned()))
    }

    /// The password itself, to hash it. Never log or display it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(***)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn good_passwords_pass_unchanged() {
        for ok in ["korrekt pferd batterie", "Saaletal-2024!", "  spaces kept  ", "Grüße aus Gera"] {
            assert_eq!(Password::parse(ok, None).unwrap().expose(), ok);
        }
    }

    #[test]
    fn length_counts_characters() {
        assert_eq!(Password::parse("elf zeichen", None), Err(PasswordError::TooShort { min: 12 }));
        // 12 characters but 16 bytes.
        assert!(Password::parse("ääääzwölfzei", None).is_ok());
        assert_eq!(Password::parse("äääääääääää", None), Err(PasswordError::TooShort { min: 12 }));
        assert!(Password::parse(&"x".repeat(128), None).is_ok());
        assert_eq!(Password::parse(&"x".repeat(129), None), Err(PasswordError::TooLong { max: 128 }));
    }

    #[test]
    fn blank_passwords() {
        for blank in ["", " ", "             ", "\t\n              "] {
            assert_eq!(Password::parse(blank, None), Err(PasswordError::Blank), "{blank:?}");
        }
    }

    #[test]
    fn not_the_email() {
        let email = Some("Anna.Schmidt-Weber@jena.de");
        assert_eq!(Password::parse("anna.schmidt-weber@jena.de", email), Err(PasswordError::SameAsEmail));
        assert_eq!(Password::parse("ANNA.SCHMIDT-WEBER", email), Err(PasswordError::SameAsEmail));
        assert!(Password::parse("anna.schmidt-weber!", email).is_ok());
        assert!(Password::parse("anna.schmidt-weber", None).is_ok());
        assert!(Password::parse("anna.schmidt-weber", Some("")).is_ok());
    }

    #[test]
    fn not_common() {
        for common in ["passwort1234", "123456789012", "QwertzUiop12", "password1234", "Hallo1234567"] {
            assert_eq!(Password::parse(common, None), Err(PasswordError::Common), "{common}");
        }
    }

    #[test]
    fn the_common_list_is_well_formed() {
        assert!(COMMON_PASSWORDS.len() >= 100);
        for (i, p) in COMMON_PASSWORDS.iter().enumerate() {
            assert!(p.chars().count() >= MIN_PASSWORD_CHARS, "{p} is too short to matter");
            assert_eq!(*p, p.to_lowercase(), "{p} must be lowercase");
            assert!(!COMMON_PASSWORDS[..i].contains(p), "{p} is listed twice");
        }
    }

    #[test]
    fn never_printed() {
        let p = Password::parse("korrekt pferd batterie", None).unwrap();
        assert_eq!(format!("{p:?}"), "Password(***)");
        assert_eq!(format!("{:?}", Some(p)), "Some(Password(***))");
    }

    #[test]
    fn messages_say_what_to_do() {
        assert!(PasswordError::TooShort { min: 12 }.to_string().contains("at least 12"));
        assert!(PasswordError::TooLong { max: 128 }.to_string().contains("at most 128"));
        assert!(PasswordError::Common.to_string().contains("choose another"));
    }
}
