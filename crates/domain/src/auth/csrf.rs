//! Cross-site request forgery checks on the request's origin headers.
//!
//! Browsers say where a request comes from: `Sec-Fetch-Site` (all current browsers) and
//! `Origin` (on every cross-origin and every `POST` request). A state-changing request another
//! site made the browser send is refused by these headers alone; the per-form token
//! ([`tokens_match`]) is the second line, for old browsers that send neither.

use thiserror::Error;

use super::constant_time_eq;

/// A state-changing request that another site made the browser send.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CsrfError {
    /// `Sec-Fetch-Site` says the request came from elsewhere.
    #[error(
        "the request was sent from another site (Sec-Fetch-Site: {0}) and was refused: open the form on this site and send it again"
    )]
    CrossSite(String),
    /// `Origin` names another origin.
    #[error(
        "the request was sent from {0:?}, not from this site, and was refused: open the form on this site and send it again"
    )]
    ForeignOrigin(String),
}

/// Whether a request with `method` and these header values may change state, for a site served
/// at `base_origin` (`https://portal.example.org`).
///
/// `GET`, `HEAD` and `OPTIONS` always pass: they must not change state. Other methods pass if
/// `Sec-Fetch-Site` is `same-origin` (or `none`, a navigation the user started by typing or a
/// bookmark); without that header, if `Origin` equals `base_origin`; without either header,
/// they pass too, because old clients send neither, and the form token still has to match.
/// Methods are compared exactly (HTTP methods are case-sensitive), so `get` is checked.
pub fn same_origin_request(
    method: &str,
    origin: Option<&str>,
    sec_fetch_site: Option<&str>,
    base_origin: &str,
) -> Result<(), CsrfError> {
    if matches!(method, "GET" | "HEAD" | "OPTIONS") {
        return Ok(());
    }
    if let Some(site) = sec_fetch_site {
        let site = site.trim();
        return if site.eq_ignore_ascii_case("same-origin") || site.eq_ignore_ascii_case("none") {
            Ok(())
        } else {
            Err(CsrfError::CrossSite(site.to_owned()))
        };
    }
    if let Some(origin) = origin {
        // An origin that cannot be read (including the literal `null` of sandboxed frames) is
        // treated as foreign.
        let same = normalise_origin(origin).is_some_and(|o| Some(o) == normalise_origin(base_origin));
        return if same { Ok(()) } else { Err(CsrfError::ForeignOrigin(origin.to_owned())) };
    }
    Ok(())
}

/// An origin in the form to compare: `scheme://host[:port]`, scheme and host lowercase, without
/// a trailing slash and without the scheme's default port (`https://x:443` is `https://x`).
/// `None` if it is not of that form (no scheme, empty host, a path).
pub fn normalise_origin(origin: &str) -> Option<String> {
    let origin = origin.trim();
    let origin = origin.strip_suffix('/').unwrap_or(origin);
    let (scheme, authority) = origin.split_once("://")?;
    let scheme = scheme.to_ascii_lowercase();
    let authority = authority.to_ascii_lowercase();
    let valid_scheme = scheme.starts_with(|c: char| c.is_ascii_alphabetic())
        && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.'));
    if !valid_scheme || authority.is_empty() || authority.contains(['/', '?', '#', '@']) {
        return None;
    }
    let default_port = match scheme.as_str() {
        "https" => Some(":443"),
        "http" => Some(":80"),
        _ => None,
    };
    let authority = default_port.and_then(|port| authority.strip_suffix(port)).unwrap_or(&authority);
    if authority.is_empty() {
        return None;
    }
    Some(format!("{scheme}://{authority}"))
}

/// Whether two CSRF tokens (the one in the form, the one in the session) are the same,
/// compared in constant time. An empty token never matches, so a missing form field cannot
/// match a missing session value.
pub fn tokens_match(a: &str, b: &str) -> bool {
    !a.is_empty() && constant_time_eq(a.as_bytes(), b.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASE: &str = "https://portal.example.org";

    #[test]
    fn safe_methods_always_pass() {
        for method in ["GET", "HEAD", "OPTIONS"] {
            assert_eq!(same_origin_request(method, Some("https://evil.example"), Some("cross-site"), BASE), Ok(()));
        }
    }

    #[test]
    fn sec_fetch_site_decides_when_present() {
        for method in ["POST", "PUT", "PATCH", "DELETE", "get", "TRACE"] {
            assert_eq!(same_origin_request(method, None, Some("same-origin"), BASE), Ok(()), "{method}");
            assert_eq!(same_origin_request(method, None, Some("none"), BASE), Ok(()), "{method}");
            for site in ["cross-site", "same-site", ""] {
                assert_eq!(
                    same_origin_request(method, None, Some(site), BASE),
                    Err(CsrfError::CrossSite(site.to_owned())),
                    "{method} {site}"
                );
            }
        }
        // The header wins over a matching Origin: a sibling subdomain is not this site.
        assert!(same_origin_request("POST", Some(BASE), Some("same-site"), BASE).is_err());
        assert_eq!(same_origin_request("POST", Some("https://evil.example"), Some("same-origin"), BASE), Ok(()));
    }

    #[test]
    fn origin_decides_without_sec_fetch_site() {
        for ok in [BASE, "https://portal.example.org/", "HTTPS://Portal.Example.ORG", "https://portal.example.org:443"]
        {
            assert_eq!(same_origin_request("POST", Some(ok), None, BASE), Ok(()), "{ok}");
        }
        for bad in [
            "https://evil.example",
            "http://portal.example.org",
            "https://portal.example.org:8443",
            "https://portal.example.org.evil.example",
            "https://jena.portal.example.org",
            "null",
            "",
        ] {
            assert_eq!(
                same_origin_request("POST", Some(bad), None, BASE),
                Err(CsrfError::ForeignOrigin(bad.to_owned())),
                "{bad}"
            );
        }
        assert_eq!(same_origin_request("POST", Some("http://localhost:8080"), None, "http://LOCALHOST:8080/"), Ok(()));
    }

    #[test]
    fn neither_header_passes() {
        assert_eq!(same_origin_request("POST", None, None, BASE), Ok(()));
    }

    #[test]
    fn origins_normalise() {
        assert_eq!(normalise_origin("HTTPS://Portal.Example.org:443/").as_deref(), Some("https://portal.example.org"));
        assert_eq!(normalise_origin("http://x.de:80").as_deref(), Some("http://x.de"));
        assert_eq!(normalise_origin("http://x.de:443").as_deref(), Some("http://x.de:443"));
        assert_eq!(normalise_origin("http://[::1]:8080").as_deref(), Some("http://[::1]:8080"));
        for bad in [
            "null",
            "portal.example.org",
            "https://",
            "https://x.de/path",
            "https://a@x.de",
            "1x://x.de",
            "https://:443",
        ] {
            assert_eq!(normalise_origin(bad), None, "{bad}");
        }
    }

    #[test]
    fn form_tokens() {
        assert!(tokens_match("abc123", "abc123"));
        assert!(!tokens_match("abc123", "abc124"));
        assert!(!tokens_match("abc123", "abc12"));
        assert!(!tokens_match("", ""));
        assert!(!tokens_match("abc", ""));
    }

    #[test]
    fn messages_say_what_to_do() {
        let msg = CsrfError::ForeignOrigin("https://evil.example".into()).to_string();
        assert!(msg.contains("evil.example") && msg.contains("send it again"), "{msg}");
    }
}
