//! Staff accounts and their access rules: roles per municipality, the permission checks built on
//! them, and the pure building blocks of signing in (passwords, TOTP, API tokens, recovery codes,
//! login back-off, CSRF origin checks).
//!
//! Like the rest of the domain crate this module does no I/O: it never reads the clock or draws
//! random numbers. Callers pass in the time (`unix_seconds`) and the random bytes, which keeps
//! every rule here deterministic and testable.

pub mod access;
pub mod base32;
pub mod csrf;
pub mod email;
pub mod password;
pub mod role;
pub mod throttle;
pub mod token;
pub mod totp;

pub use access::{Permissions, Reach};
pub use base32::Base32Error;
pub use csrf::{CsrfError, same_origin_request, tokens_match};
pub use email::{Email, EmailError};
pub use password::{Password, PasswordError};
pub use role::{Grant, GrantError, Role, RoleError};
pub use throttle::backoff_after;
pub use token::{format_recovery_code, format_token, looks_like_token, normalise_recovery_code, token_prefix};

/// Compares two byte strings in time that depends only on their lengths, not on where they
/// differ, so an attacker timing responses cannot guess a secret byte by byte. The lengths
/// themselves are not secret (codes and tokens have fixed, public formats).
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    // `black_box` keeps the optimiser from turning the fold back into an early-exit comparison.
    std::hint::black_box(diff) == 0
}

#[cfg(test)]
mod tests {
    use super::constant_time_eq;

    #[test]
    fn constant_time_comparison() {
        assert!(constant_time_eq(b"", b""));
        assert!(constant_time_eq(b"123456", b"123456"));
        assert!(!constant_time_eq(b"123456", b"123457"));
        assert!(!constant_time_eq(b"023456", b"123456"));
        assert!(!constant_time_eq(b"12345", b"123456"));
    }
}
