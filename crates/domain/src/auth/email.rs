//! Staff e-mail addresses, which are also the sign-in names.

use std::fmt;

use serde::Serialize;
use thiserror::Error;

/// The longest address accepted (RFC 5321's limit on a forward path, in practice).
pub const MAX_EMAIL_CHARS: usize = 254;

/// Why an e-mail address was rejected; the message says what a valid one looks like.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EmailError {
    /// Nothing entered.
    #[error("the e-mail address is empty: enter one like name@jena.de")]
    Empty,
    /// Longer than [`MAX_EMAIL_CHARS`].
    #[error("the e-mail address is longer than {max} characters: use a shorter one")]
    TooLong {
        /// The maximum length in characters.
        max: usize,
    },
    /// White space inside the address.
    #[error("{0:?} is not an e-mail address: remove the spaces inside it")]
    WhiteSpace(String),
    /// No `@`, or more than one.
    #[error("{0:?} is not an e-mail address: it needs exactly one @, like name@jena.de")]
    At(String),
    /// Nothing before the `@`.
    #[error("{0:?} is not an e-mail address: add the name before the @, like name@jena.de")]
    LocalPart(String),
    /// A domain without a dot, or with an empty part (`jena..de`, `.de`).
    #[error("{0:?} is not an e-mail address: the part after @ must be a domain like jena.de")]
    Domain(String),
}

/// An e-mail address, trimmed and lowercased, so that one person has one spelling (sign-in and
/// the "already registered" check compare exactly).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Email(String);

impl Email {
    /// Validates an address. This checks the shape only; whether it receives mail is shown by
    /// the invitation link sent to it.
    pub fn parse(s: &str) -> Result<Self, EmailError> {
        let s = s.trim().to_lowercase();
        if s.is_empty() {
            return Err(EmailError::Empty);
        }
        if s.chars().count() > MAX_EMAIL_CHARS {
            return Err(EmailError::TooLong { max: MAX_EMAIL_CHARS });
        }
        if s.chars().any(char::is_whitespace) {
            return Err(EmailError::WhiteSpace(s));
        }
        let Some((local, domain)) = s.split_once('@').filter(|(_, domain)| !domain.contains('@')) else {
            return Err(EmailError::At(s));
        };
        if local.is_empty() {
            return Err(EmailError::LocalPart(s));
        }
        if !domain.contains('.') || domain.split('.').any(str::is_empty) {
            return Err(EmailError::Domain(s));
        }
        Ok(Self(s))
    }

    /// The address as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalises() {
        assert_eq!(Email::parse("  Anna.Schmidt@Jena.DE \n").unwrap().as_str(), "anna.schmidt@jena.de");
        assert_eq!(Email::parse("a+b@stadt.gera.de").unwrap().to_string(), "a+b@stadt.gera.de");
        assert_eq!(Email::parse("jörg@müller.de").unwrap().as_str(), "jörg@müller.de");
    }

    #[test]
    fn rejects() {
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
        assert!(matches!(Email::parse("anna schmidt@jena.de"), Err(EmailError::WhiteSpace(_))));
        assert!(matches!(Email::parse("anna\t@jena.de"), Err(EmailError::WhiteSpace(_))));
        assert!(matches!(Email::parse("jena.de"), Err(EmailError::At(_))));
        assert!(matches!(Email::parse("a@b@jena.de"), Err(EmailError::At(_))));
        assert!(matches!(Email::parse("@jena.de"), Err(EmailError::LocalPart(_))));
        for bad in ["anna@", "anna@jena", "anna@.de", "anna@jena.", "anna@jena..de", "anna@."] {
            assert!(matches!(Email::parse(bad), Err(EmailError::Domain(_))), "{bad}");
        }
    }

    #[test]
    fn length_limit() {
        let domain = "@jena.de";
        let ok = format!("{}{domain}", "a".repeat(MAX_EMAIL_CHARS - domain.len()));
        assert!(Email::parse(&ok).is_ok());
        let long = format!("a{ok}");
        assert_eq!(Email::parse(&long), Err(EmailError::TooLong { max: 254 }));
    }

    #[test]
    fn messages_show_an_example() {
        let msg = Email::parse("anna").unwrap_err().to_string();
        assert!(msg.contains("\"anna\"") && msg.contains("name@jena.de"), "{msg}");
    }
}
