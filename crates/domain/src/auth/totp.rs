//! Time-based one-time passwords (TOTP, RFC 6238) as authenticator apps compute them: HMAC-SHA1
//! with RFC 4226 dynamic truncation, a 30-second step and 6 digits.
//!
//! SHA-1 is what every authenticator app supports; its collision weakness does not affect HMAC.
//! The caller stores the secret (20 random bytes, [`SECRET_LEN`]) and the last step a code was
//! accepted for, and passes in the current time.

use hmac::{Hmac, KeyInit, Mac};
use sha1::Sha1;

use super::{base32, constant_time_eq};

/// Seconds per time step (the RFC 6238 default, which authenticator apps assume).
pub const STEP_SECONDS: u64 = 30;

/// Digits of a code (what [`verify`] expects and [`provisioning_uri`] announces).
pub const DIGITS: u32 = 6;

/// Steps of clock skew accepted either side of the current one: a phone a little off, or a
/// code typed just as it changed, still works, while a code stays valid for at most 90 s.
pub const SKEW_STEPS: u64 = 1;

/// Recommended length of a secret in bytes (160 bits, RFC 4226 section 4).
pub const SECRET_LEN: usize = 20;

/// The time step `unix_seconds` falls into (the counter TOTP feeds into HOTP).
pub fn step(unix_seconds: u64) -> u64 {
    unix_seconds / STEP_SECONDS
}

/// The RFC 4226 HOTP code for `counter`, zero-padded to `digits` (clamped to 6–10: RFC 4226
/// requires at least 6, and the 31-bit truncated value has at most 10 digits).
pub fn hotp(secret: &[u8], counter: u64, digits: u32) -> String {
    let digits = digits.clamp(6, 10);
    let mut mac = <Hmac<Sha1> as KeyInit>::new_from_slice(secret).expect("HMAC accepts keys of any length");
    mac.update(&counter.to_be_bytes());
    let hash = mac.finalize().into_bytes();
    // Dynamic truncation: the low nibble of the last byte picks 4 bytes; the top bit is dropped
    // so the value is the same whether read as signed or unsigned.
    let offset = usize::from(hash[hash.len() - 1] & 0x0f);
    let value = u32::from_be_bytes([hash[offset] & 0x7f, hash[offset + 1], hash[offset + 2], hash[offset + 3]]);
    let code = u64::from(value) % 10u64.pow(digits);
    format!("{code:0width$}", width = digits as usize)
}

/// The TOTP code at `unix_seconds`, zero-padded to `digits` (see [`hotp`]).
pub fn code(secret: &[u8], unix_seconds: u64, digits: u32) -> String {
    hotp(secret, step(unix_seconds), digits)
}

/// Checks a 6-digit `code` typed at `unix_seconds`. Spaces are ignored (`123 456`, as apps
/// show it). Accepts the current step and [`SKEW_STEPS`] either side, but never a step at or
/// before `last_used_step`: a code that has been used once, or an older one, is refused, so an
/// observed code cannot be replayed.
///
/// Returns the step the code matched; store it as the new `last_used_step`.
pub fn verify(secret: &[u8], code: &str, unix_seconds: u64, last_used_step: Option<u64>) -> Option<u64> {
    let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    if typed.len() != DIGITS as usize || !typed.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let now = step(unix_seconds);
    let candidates = [now.checked_sub(SKEW_STEPS), Some(now), now.checked_add(SKEW_STEPS)];
    let mut matched = None;
    // Every candidate is compared (no early return), so the time taken does not tell an attacker
    // which step, if any, a guess hit.
    for step in candidates.into_iter().flatten() {
        if last_used_step.is_some_and(|last| step <= last) {
            continue;
        }
        if constant_time_eq(hotp(secret, step, DIGITS).as_bytes(), typed.as_bytes()) && matched.is_none() {
            matched = Some(step);
        }
    }
    matched
}

/// The `otpauth://` URI an authenticator app reads from a QR code, labelled `issuer:account`.
pub fn provisioning_uri(secret: &[u8], account: &str, issuer: &str) -> String {
    let issuer = percent_encode(issuer);
    format!(
        "otpauth://totp/{issuer}:{account}?secret={secret}&issuer={issuer}&algorithm=SHA1&digits={DIGITS}&period={STEP_SECONDS}",
        account = percent_encode(account),
        secret = base32::encode(secret),
    )
}

/// Percent-encodes everything but the RFC 3986 unreserved characters (`A–Z a–z 0–9 - . _ ~`),
/// byte by byte of the UTF-8. That is stricter than a URI needs, but always safe in a path and
/// in a query value, so `:`, `@`, `&` and spaces in names cannot break the URI apart.
fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const RFC_SECRET: &[u8] = b"12345678901234567890";

    #[test]
    fn rfc_4226_hotp_values() {
        let expected =
            ["755224", "287082", "359152", "969429", "338314", "254676", "287922", "162583", "399871", "520489"];
        for (counter, want) in expected.iter().enumerate() {
            assert_eq!(hotp(RFC_SECRET, counter as u64, 6), *want, "counter {counter}");
        }
    }

    #[test]
    fn rfc_6238_sha1_vectors() {
        for (time, want) in [
            (59, "94287082"),
            (1_111_111_109, "07081804"),
            (1_111_111_111, "14050471"),
            (1_234_567_890, "89005924"),
            (2_000_000_000, "69279037"),
            (20_000_000_000, "65353130"),
        ] {
            assert_eq!(code(RFC_SECRET, time, 8), want, "time {time}");
        }
    }

    #[test]
    fn codes_are_zero_padded_and_digits_clamped() {
        // 1111111109 gives 07081804 with 8 digits, so 081804 with 6.
        assert_eq!(code(RFC_SECRET, 1_111_111_109, 6), "081804");
        assert_eq!(code(RFC_SECRET, 59, 4).len(), 6);
        assert_eq!(code(RFC_SECRET, 59, 99).len(), 10);
    }

    #[test]
    fn accepts_the_current_step_and_one_either_side() {
        let t = 1_234_567_890;
        let now = step(t);
        assert_eq!(verify(RFC_SECRET, &code(RFC_SECRET, t, 6), t, None), Some(now));
        assert_eq!(verify(RFC_SECRET, &code(RFC_SECRET, t - 30, 6), t, None), Some(now - 1));
        assert_eq!(verify(RFC_SECRET, &code(RFC_SECRET, t + 30, 6), t, None), Some(now + 1));
        assert_eq!(verify(RFC_SECRET, &code(RFC_SECRET, t - 60, 6), t, None), None);
        assert_eq!(verify(RFC_SECRET, &code(RFC_SECRET, t + 60, 6), t, None), None);
        assert_eq!(verify(b"another secret", &code(RFC_SECRET, t, 6), t, None), None);
    }

    #[test]
    fn refuses_replays() {
        let t = 1_234_567_890;
        let c = code(RFC_SECRET, t, 6);
        let used = verify(RFC_SECRET, &c, t, None).unwrap();
        assert_eq!(verify(RFC_SECRET, &c, t, Some(used)), None, "same code again");
        assert_eq!(verify(RFC_SECRET, &c, t + 20, Some(used)), None, "same code a little later");
        // An older code is refused too once a newer one was used.
        assert_eq!(verify(RFC_SECRET, &code(RFC_SECRET, t - 30, 6), t, Some(used)), None);
        // The next step's code still works.
        assert_eq!(verify(RFC_SECRET, &code(RFC_SECRET, t + 30, 6), t + 30, Some(used)), Some(used + 1));
    }

    #[test]
    fn input_forms() {
        let t = 1_111_111_109;
        assert_eq!(verify(RFC_SECRET, "081 804", t, None), Some(step(t)));
        assert_eq!(verify(RFC_SECRET, " 081804\n", t, None), Some(step(t)));
        for bad in ["", "81804", "0818044", "08180a", "081-804", "07081804", "０８１８０４"] {
            assert_eq!(verify(RFC_SECRET, bad, t, None), None, "{bad}");
        }
    }

    #[test]
    fn edges_of_time_do_not_panic() {
        assert_eq!(verify(RFC_SECRET, &code(RFC_SECRET, 0, 6), 0, None), Some(0));
        assert!(verify(RFC_SECRET, "000000", u64::MAX, Some(u64::MAX)).is_none());
        let _ = code(RFC_SECRET, u64::MAX, 6);
    }

    #[test]
    fn provisioning_uri_format() {
        let uri = provisioning_uri(b"foobar", "anna.schmidt@jena.de", "Regioportal Thüringen");
        assert_eq!(
            uri,
            "otpauth://totp/Regioportal%20Th%C3%BCringen:anna.schmidt%40jena.de?secret=MZXW6YTBOI\
             &issuer=Regioportal%20Th%C3%BCringen&algorithm=SHA1&digits=6&period=30"
        );
        assert_eq!(percent_encode("a-b.c_d~e&f=g:h/i?"), "a-b.c_d~e%26f%3Dg%3Ah%2Fi%3F");
    }
}
