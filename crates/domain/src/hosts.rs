//! Optional host names per municipality (`jena.example.org` serves `/jena`).

use std::collections::BTreeMap;

use thiserror::Error;

use crate::Slug;

/// A malformed host map.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HostMapError {
    /// An entry without `=`.
    #[error("{0:?} is not a host mapping: write SLUG=HOST, e.g. \"jena=jena.example.org\"")]
    Entry(String),
    /// A bad slug.
    #[error("in host mapping {0:?}: {1}")]
    Slug(String, crate::municipality::IdError),
    /// A bad host name.
    #[error("{0:?} is not a host name: use letters, digits, dots and hyphens, without scheme or port")]
    Host(String),
    /// The same host twice.
    #[error("host {0:?} is mapped twice; each host can serve one municipality")]
    Duplicate(String),
}

/// Host name → municipality slug, from configuration (`REGIOPORTAL_HOSTS`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct HostMap {
    by_host: BTreeMap<String, Slug>,
}

impl HostMap {
    /// Parses `jena=jena.example.org,gera=gera.example.org` (commas or white space between entries).
    pub fn parse(s: &str) -> Result<Self, HostMapError> {
        let mut by_host = BTreeMap::new();
        for entry in s.split([',', ' ', '\n']).map(str::trim).filter(|e| !e.is_empty()) {
            let (slug, host) = entry.split_once('=').ok_or_else(|| HostMapError::Entry(entry.to_owned()))?;
            let slug = Slug::parse(slug.trim()).map_err(|e| HostMapError::Slug(entry.to_owned(), e))?;
            let host = host.trim().to_ascii_lowercase();
            let valid = !host.is_empty()
                && host.len() <= 253
                && host.split('.').all(|l| {
                    !l.is_empty()
                        && !l.starts_with('-')
                        && !l.ends_with('-')
                        && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                });
            if !valid {
                return Err(HostMapError::Host(host));
            }
            if by_host.insert(host.clone(), slug).is_some() {
                return Err(HostMapError::Duplicate(host));
            }
        }
        Ok(Self { by_host })
    }

    /// The municipality a `Host` header value (maybe with a port) is mapped to.
    pub fn slug_for_host(&self, host_header: &str) -> Option<&Slug> {
        let host = host_header
            .rsplit_once(':')
            .map_or(host_header, |(h, port)| if port.bytes().all(|b| b.is_ascii_digit()) { h } else { host_header });
        self.by_host.get(&host.to_ascii_lowercase())
    }

    /// The host a municipality is served on, if any.
    pub fn host_for(&self, slug: &Slug) -> Option<&str> {
        self.by_host.iter().find(|(_, s)| *s == slug).map(|(h, _)| h.as_str())
    }

    /// Whether no host is mapped.
    pub fn is_empty(&self) -> bool {
        self.by_host.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_looks_up() {
        let m = HostMap::parse("jena=Jena.Example.org, gera=gera.example.org").unwrap();
        assert_eq!(m.slug_for_host("jena.example.org:8080").unwrap().as_str(), "jena");
        assert_eq!(m.slug_for_host("GERA.example.org").unwrap().as_str(), "gera");
        assert!(m.slug_for_host("example.org").is_none());
        assert_eq!(m.host_for(&Slug::parse("gera").unwrap()), Some("gera.example.org"));
        assert!(HostMap::parse("").unwrap().is_empty());
    }

    #[test]
    fn rejects_bad_entries() {
        assert!(matches!(HostMap::parse("jena"), Err(HostMapError::Entry(_))));
        assert!(matches!(HostMap::parse("Jena=x.org"), Err(HostMapError::Slug(..))));
        assert!(matches!(HostMap::parse("jena=http://x.org"), Err(HostMapError::Host(_))));
        assert!(matches!(HostMap::parse("jena=x.org,gera=x.org"), Err(HostMapError::Duplicate(_))));
    }
}
