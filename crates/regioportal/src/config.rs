//! Configuration from flags and environment, validated into typed values. Every problem is
//! reported as one sentence that says what is wrong and how to fix it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use regioportal_domain::HostMap;
use regioportal_storage::DatabaseUrl;
use regioportal_web::BaseUrl;

/// A configuration problem, shown as one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ConfigError {}

/// Where the database is: `DATABASE_URL`, else an SQLite file in the data folder.
pub fn database_url(given: Option<&str>, data_dir: &Path) -> Result<DatabaseUrl, ConfigError> {
    match given.map(str::trim).filter(|s| !s.is_empty()) {
        Some(url) => DatabaseUrl::parse(url).map_err(|e| ConfigError(e.to_string())),
        None => Ok(DatabaseUrl::Sqlite { path: data_dir.join("regioportal.db") }),
    }
}

/// Checks that the data folder exists (creating it) and is writable.
pub fn data_dir(dir: &str) -> Result<PathBuf, ConfigError> {
    let path = PathBuf::from(dir);
    let fail = |e: std::io::Error| {
        ConfigError(format!(
            "REGIOPORTAL_DATA_DIR {dir:?} is not a writable folder ({e}); create it with write permission or choose another with --data-dir"
        ))
    };
    std::fs::create_dir_all(&path).map_err(fail)?;
    let probe = path.join(format!(".write-test-{}", std::process::id()));
    std::fs::write(&probe, b"ok").map_err(fail)?;
    let _ = std::fs::remove_file(&probe);
    Ok(path)
}

/// Parses `REGIOPORTAL_LISTEN`.
pub fn listen(addr: &str) -> Result<SocketAddr, ConfigError> {
    addr.trim().parse().map_err(|_| {
        ConfigError(format!(
            "REGIOPORTAL_LISTEN {addr:?} is not an address: write IP:PORT, e.g. 127.0.0.1:8080 or [::]:8080"
        ))
    })
}

/// Parses `REGIOPORTAL_BASE_URL`, defaulting to the listen address.
pub fn base_url(given: Option<&str>, listen: SocketAddr) -> Result<BaseUrl, ConfigError> {
    match given.map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => BaseUrl::parse(s).map_err(ConfigError),
        None => {
            // An unspecified address is not something a browser can open: link to localhost.
            let host = if listen.ip().is_unspecified() { "127.0.0.1".to_owned() } else { listen.ip().to_string() };
            let host = if host.contains(':') { format!("[{host}]") } else { host };
            BaseUrl::parse(&format!("http://{host}:{}", listen.port())).map_err(ConfigError)
        }
    }
}

/// Parses `REGIOPORTAL_HOSTS`.
pub fn hosts(given: Option<&str>) -> Result<HostMap, ConfigError> {
    HostMap::parse(given.unwrap_or_default()).map_err(|e| ConfigError(format!("REGIOPORTAL_HOSTS: {e}")))
}

/// Parses a comma-separated list of IP addresses.
pub fn ip_list(name: &str, value: Option<&str>) -> Result<Vec<std::net::IpAddr>, ConfigError> {
    value
        .unwrap_or_default()
        .split([',', ' '])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| {
            s.parse().map_err(|_| {
                ConfigError(format!("{name}: {s:?} is not an IP address; list addresses like 127.0.0.1,::1"))
            })
        })
        .collect()
}

/// Parses a duration in whole seconds.
pub fn seconds(name: &str, value: &str) -> Result<Duration, ConfigError> {
    match value.trim().parse::<u64>() {
        Ok(s) if (1..=3600).contains(&s) => Ok(Duration::from_secs(s)),
        _ => Err(ConfigError(format!("{name} {value:?} is not a number of seconds between 1 and 3600"))),
    }
}

/// Parses the page cache's time: whole seconds from 0 (off) to 60.
pub fn page_cache(name: &str, value: &str) -> Result<Duration, ConfigError> {
    match value.trim().parse::<u64>() {
        Ok(s) if s <= 60 => Ok(Duration::from_secs(s)),
        _ => Err(ConfigError(format!(
            "{name} {value:?} is not a number of seconds between 0 (no page cache) and 60; the default is 1"
        ))),
    }
}

/// Parses the session cache's time: whole seconds from 0 (off) up to
/// [`regioportal_web::staff::session_cache::MAX_TTL`], since it bounds how long a session ended
/// on another node still works here.
pub fn session_cache(name: &str, value: &str) -> Result<Duration, ConfigError> {
    let max = regioportal_web::staff::session_cache::MAX_TTL.as_secs();
    match value.trim().parse::<u64>() {
        Ok(s) if s <= max => Ok(Duration::from_secs(s)),
        _ => Err(ConfigError(format!(
            "{name} {value:?} is not a number of seconds between 0 (no session cache) and {max}; the default is 1"
        ))),
    }
}

/// Parses a size like `1MiB`, `512KiB` or a number of bytes.
pub fn size(name: &str, value: &str) -> Result<usize, ConfigError> {
    let v = value.trim();
    let (num, mult) = if let Some(n) = v.strip_suffix("MiB") {
        (n, 1024 * 1024)
    } else if let Some(n) = v.strip_suffix("KiB") {
        (n, 1024)
    } else {
        (v, 1)
    };
    match num.trim().parse::<usize>() {
        Ok(n) if n > 0 && n.saturating_mul(mult) <= 1024 * 1024 * 1024 => Ok(n * mult),
        _ => Err(ConfigError(format!(
            "{name} {value:?} is not a size: write bytes or e.g. 512KiB, 2MiB (at most 1024MiB)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_and_errors() {
        let url = database_url(None, Path::new("data")).unwrap();
        assert_eq!(url, DatabaseUrl::Sqlite { path: "data/regioportal.db".into() });
        assert!(listen("localhost").unwrap_err().0.contains("REGIOPORTAL_LISTEN"));
        let l = listen("0.0.0.0:8080").unwrap();
        assert_eq!(base_url(None, l).unwrap().as_str(), "http://127.0.0.1:8080");
        assert!(base_url(Some("ftp://x"), l).is_err());
        assert!(base_url(Some("https://x.example/path"), l).is_err());
        assert!(base_url(Some("https://x.example:99999"), l).is_err());
        assert!(base_url(Some("https://regioportal.example/"), l).unwrap().is_https());
        assert_eq!(size("S", "2MiB").unwrap(), 2 * 1024 * 1024);
        assert!(size("S", "lots").is_err());
        assert!(seconds("T", "0").is_err());
        assert_eq!(page_cache("C", "0").unwrap(), Duration::ZERO);
        assert_eq!(page_cache("C", " 5 ").unwrap(), Duration::from_secs(5));
        for bad in ["61", "-1", "1.5", "ja"] {
            assert!(page_cache("C", bad).unwrap_err().0.starts_with(&format!("C {bad:?} is not")), "{bad}");
        }
        assert!(hosts(Some("jena")).unwrap_err().0.starts_with("REGIOPORTAL_HOSTS"));
        assert_eq!(ip_list("P", Some("127.0.0.1, ::1")).unwrap().len(), 2);
        assert!(ip_list("P", Some("localhost")).unwrap_err().0.contains("not an IP address"));
        assert!(ip_list("P", None).unwrap().is_empty());
    }
}
