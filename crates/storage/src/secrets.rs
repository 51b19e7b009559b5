//! Secrets: random tokens, one-way hashes of tokens, and argon2id password hashes.

use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::{Algorithm, Argon2, Params, Version};
use sha2::{Digest, Sha256};

use crate::StorageError;

/// Random bytes from the operating system.
pub fn random_bytes<const N: usize>() -> [u8; N] {
    let mut buf = [0u8; N];
    // The OS generator failing is not recoverable: nothing secure can be issued without it.
    getrandom::fill(&mut buf).expect("the operating system's random number generator is available");
    buf
}

/// A random token for URLs and cookies: 32 bytes, lowercase hex.
pub fn random_token() -> String {
    hex(&random_bytes::<32>())
}

fn hex(bytes: &[u8]) -> String {
    // One allocation: the token hash is taken on every staff request and API call, and a
    // `format!` per byte was a few per cent of a staff page (bench/routes, `staff`).
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// SHA-256 of a high-entropy token, hex. Tokens are stored only like this: a leaked table holds
/// nothing that can be presented. (Passwords, being low-entropy, use argon2id instead.)
pub fn token_hash(token: &str) -> String {
    hex(&Sha256::digest(token.as_bytes()))
}

/// argon2id with the OWASP cheat-sheet parameters (19 MiB memory, 2 iterations, 1 lane).
fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("valid argon2 parameters");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

/// Hashes a password into a PHC string.
pub fn hash_password(password: &str) -> Result<String, StorageError> {
    let salt = random_bytes::<16>();
    argon2()
        .hash_password_with_salt(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| StorageError::Db(sea_orm::DbErr::Custom(format!("password hashing failed: {e}"))))
}

/// Checks a password against a stored PHC string.
pub fn verify_password(hash: &str, password: &str) -> bool {
    argon2().verify_password(password.as_bytes(), hash).is_ok()
}

/// Spends the time of one verification without a stored hash, so that an unknown e-mail
/// address takes as long to reject as a wrong password.
pub fn burn_verification(password: &str) {
    static DUMMY: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let hash = DUMMY.get_or_init(|| hash_password("dummy password for timing").unwrap_or_default());
    let _ = verify_password(hash, password);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_round_trip_and_use_argon2id() {
        let h = hash_password("correct horse battery staple").unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(verify_password(&h, "correct horse battery staple"));
        assert!(!verify_password(&h, "Correct horse battery staple"));
        assert!(!verify_password("not a hash", "x"));
        assert_ne!(h, hash_password("correct horse battery staple").unwrap(), "salted");
    }

    #[test]
    fn tokens_are_random_and_hashed() {
        let (a, b) = (random_token(), random_token());
        assert_eq!(a.len(), 64);
        assert_ne!(a, b);
        assert_eq!(token_hash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    }
}
