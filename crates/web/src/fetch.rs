//! Fetching organisers' iCalendar feeds over HTTP(S): bounded in time and size, only to public
//! addresses (a staff member must not be able to make the server read internal services), and
//! with messages that say what went wrong.

use std::net::IpAddr;
use std::time::Duration;

use regioportal_storage::MAX_IMPORT_BYTES;

/// How long one fetch may take.
pub const TIMEOUT: Duration = Duration::from_secs(30);

/// Checks a feed URL as staff enter it: http or https, a host, no credentials.
pub fn check_url(url: &str) -> Result<reqwest::Url, String> {
    let u = reqwest::Url::parse(url.trim()).map_err(|e| {
        format!("{url:?} is not a web address ({e}): give the feed's full address, e.g. https://example.org/events.ics")
    })?;
    if !matches!(u.scheme(), "http" | "https") {
        return Err(format!(
            "{url:?} is not an http or https address: feeds are fetched over the web (webcal:// works as https://)"
        ));
    }
    if u.host_str().is_none_or(str::is_empty) {
        return Err(format!("{url:?} has no host"));
    }
    if !u.username().is_empty() || u.password().is_some() {
        return Err("the address contains a user name or password: feeds must be public".into());
    }
    Ok(u)
}

fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (64..128).contains(&v4.octets()[1]))
        }
        IpAddr::V6(v6) => {
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80)
                && v6.to_ipv4_mapped().is_none_or(|v4| is_public(IpAddr::V4(v4)))
        }
    }
}

/// Fetches a feed's text. With `allow_private` false, hosts that resolve to a loopback,
/// private or link-local address are refused (and redirects are not followed, so they cannot
/// lead there either).
pub async fn fetch_ics(url: &str, allow_private: bool) -> Result<String, String> {
    let url = url.trim();
    let url = match url.strip_prefix("webcal://") {
        Some(rest) => format!("https://{rest}"),
        None => url.to_owned(),
    };
    let u = check_url(&url)?;
    let host = u.host_str().unwrap_or_default().trim_start_matches('[').trim_end_matches(']').to_owned();
    let port = u.port_or_known_default().unwrap_or(443);
    if !allow_private {
        let addrs: Vec<IpAddr> = tokio::net::lookup_host((host.as_str(), port))
            .await
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .map(|a| a.ip())
            .collect();
        if addrs.is_empty() || addrs.iter().any(|a| !is_public(*a)) {
            return Err(format!("{host} is not a public address: feeds are fetched from the internet only"));
        }
    }
    let client = reqwest::Client::builder()
        .timeout(TIMEOUT)
        .redirect(if allow_private { reqwest::redirect::Policy::limited(5) } else { reqwest::redirect::Policy::none() })
        .user_agent(concat!("Regioportal/", env!("CARGO_PKG_VERSION"), " (feed import)"))
        .build()
        .map_err(|e| e.to_string())?;
    let mut res = client.get(u).send().await.map_err(|e| format!("cannot fetch {url}: {e}"))?;
    if !res.status().is_success() {
        return Err(format!("{url} answered HTTP {}: check the address with the organiser", res.status().as_u16()));
    }
    let mut body = Vec::new();
    while let Some(chunk) = res.chunk().await.map_err(|e| format!("reading {url} failed: {e}"))? {
        body.extend_from_slice(&chunk);
        if body.len() > MAX_IMPORT_BYTES {
            return Err(format!("{url} is larger than {} MiB", MAX_IMPORT_BYTES / 1024 / 1024));
        }
    }
    String::from_utf8(body).map_err(|_| format!("{url} is not UTF-8 text: iCalendar feeds are UTF-8 (RFC 5545)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_checked() {
        assert!(check_url("https://example.org/x.ics").is_ok());
        assert!(check_url("ftp://example.org/x.ics").unwrap_err().contains("http"));
        assert!(check_url("https://user:pw@example.org/").unwrap_err().contains("password"));
        assert!(check_url("nonsense").is_err());
        assert!(!is_public("127.0.0.1".parse().unwrap()));
        assert!(!is_public("10.1.2.3".parse().unwrap()));
        assert!(!is_public("::1".parse().unwrap()));
        assert!(!is_public("::ffff:192.168.1.1".parse().unwrap()));
        assert!(is_public("91.198.174.192".parse().unwrap()));
    }
}
