//! Municipalities (tenants) and their official identifiers.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why an identifier was rejected; the message says what a valid value looks like.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    /// A slug that is not lowercase ASCII letters, digits and single hyphens.
    #[error(
        "{0:?} is not a valid slug: use 2–63 lowercase letters a–z, digits and single hyphens, e.g. \"altenburger-land\""
    )]
    Slug(String),
    /// A municipality key (AGS) that is not 8 digits.
    #[error("{0:?} is not an official municipality key (AGS): it must have exactly 8 digits, e.g. \"16053000\"")]
    Ags(String),
    /// A regional key (ARS) that is not 12 digits.
    #[error("{0:?} is not an official regional key (ARS): it must have exactly 12 digits, e.g. \"160530000000\"")]
    Ars(String),
    /// A German postcode that is not 5 digits.
    #[error("{0:?} is not a German postcode: it must have exactly 5 digits, e.g. \"07743\"")]
    Postcode(String),
    /// An unknown municipality kind.
    #[error("{0:?} is not a municipality kind: use \"city\", \"county\" or \"town\"")]
    Kind(String),
}

/// The URL name of a municipality (`jena`, `altenburger-land`): lowercase ASCII letters, digits
/// and single inner hyphens, 2–63 characters, so it is safe in paths and host names.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Slug(String);

/// Path segments that a municipality slug may not take because the portal uses them itself.
pub const RESERVED_SLUGS: &[&str] = &[
    "api",
    "static",
    "healthz",
    "readyz",
    "metrics",
    "openapi.json",
    "sitemap.xml",
    "robots.txt",
    "favicon.ico",
    "verwaltung",
    "impressum",
    "datenschutz",
    "barrierefreiheit",
    "veranstaltungen",
    "buergerservice",
    "suche",
    "konto",
];

impl Slug {
    /// Validates a slug.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let ok_len = (2..=63).contains(&s.len());
        let ok_chars = s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        let ok_hyphens = !s.starts_with('-') && !s.ends_with('-') && !s.contains("--");
        if ok_len && ok_chars && ok_hyphens { Ok(Self(s.to_owned())) } else { Err(IdError::Slug(s.to_owned())) }
    }

    /// A slug made from a name: German umlauts and ß transliterated, everything else that is
    /// not a letter or digit a hyphen, at most 63 characters. None when too little is left
    /// (the caller then asks for a slug).
    pub fn from_name(name: &str) -> Option<Self> {
        let mut out = String::new();
        for c in name.trim().to_lowercase().chars() {
            match c {
                'ä' => out.push_str("ae"),
                'ö' => out.push_str("oe"),
                'ü' => out.push_str("ue"),
                'ß' => out.push_str("ss"),
                'a'..='z' | '0'..='9' => out.push(c),
                _ if !out.ends_with('-') && !out.is_empty() => out.push('-'),
                _ => {}
            }
        }
        let mut cut: String = out.chars().take(63).collect();
        while cut.ends_with('-') {
            cut.pop();
        }
        Self::parse(&cut).ok()
    }

    /// Whether the portal itself uses this path segment.
    pub fn is_reserved(&self) -> bool {
        RESERVED_SLUGS.contains(&self.0.as_str())
    }

    /// The slug as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

/// Amtlicher Gemeindeschlüssel: 8 digits (Land 2, Regierungsbezirk 1, Kreis 2, Gemeinde 3).
/// A county uses its 5-digit key padded with `000`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Ags(String);

impl Ags {
    /// Validates an AGS.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if digits(s, 8) { Ok(Self(s.to_owned())) } else { Err(IdError::Ags(s.to_owned())) }
    }
    /// The key as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// The 5-digit key of the county (Kreis) this key lies in.
    pub fn county_part(&self) -> &str {
        &self.0[..5]
    }
}

/// Amtlicher Regionalschlüssel: 12 digits (Land 2, RB 1, Kreis 2, Gemeindeverband 4, Gemeinde 3).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Ars(String);

impl Ars {
    /// Validates an ARS.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        if digits(s, 12) { Ok(Self(s.to_owned())) } else { Err(IdError::Ars(s.to_owned())) }
    }
    /// The key as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// Whether this ARS denotes the same municipality as `ags` (the AGS is the ARS without the
    /// 4-digit Gemeindeverband part).
    pub fn matches(&self, ags: &Ags) -> bool {
        self.0[..5] == ags.0[..5] && self.0[9..] == ags.0[5..]
    }
}

/// A German postcode (Postleitzahl), 5 digits.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Postcode(String);

impl Postcode {
    /// Validates a postcode; surrounding white space is ignored.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        if digits(s, 5) { Ok(Self(s.to_owned())) } else { Err(IdError::Postcode(s.to_owned())) }
    }
    /// The postcode as a string.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The three kinds of municipality of the German local government model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MunicipalityKind {
    /// Kreisfreie Stadt: does both town and county tasks (Jena, Gera).
    City,
    /// Landkreis: county tasks for its member towns (Altenburger Land).
    County,
    /// Kreisangehörige Gemeinde: member of a county (Altenburg, Schmölln).
    Town,
}

impl MunicipalityKind {
    /// The stable code name stored in the database and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::City => "city",
            Self::County => "county",
            Self::Town => "town",
        }
    }

    /// Parses the code name.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        match s {
            "city" => Ok(Self::City),
            "county" => Ok(Self::County),
            "town" => Ok(Self::Town),
            other => Err(IdError::Kind(other.to_owned())),
        }
    }

    /// Whether a municipality of this kind must have a parent county.
    pub fn needs_parent(self) -> bool {
        self == Self::Town
    }

    /// The key of the localised name of this kind (see `locales/`).
    pub fn label_key(self) -> &'static str {
        match self {
            Self::City => "kind-city",
            Self::County => "kind-county",
            Self::Town => "kind-town",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_from_names() {
        let s = |n: &str| Slug::from_name(n).map(|s| s.as_str().to_owned());
        assert_eq!(s("Bürgerbüro Gößnitz").as_deref(), Some("buergerbuero-goessnitz"));
        assert_eq!(s("  Kfz-Zulassung (Landratsamt)  ").as_deref(), Some("kfz-zulassung-landratsamt"));
        assert_eq!(s("!!"), None);
        assert_eq!(s(&"a".repeat(100)).map(|s| s.len()), Some(63));
    }

    #[test]
    fn slugs() {
        for ok in ["jena", "altenburger-land", "a1", "goessnitz"] {
            assert!(Slug::parse(ok).is_ok(), "{ok}");
        }
        for bad in ["", "j", "Jena", "-jena", "jena-", "alt--land", "gößnitz", "a b", "a/b"] {
            assert!(Slug::parse(bad).is_err(), "{bad}");
        }
        assert!(Slug::parse("api").unwrap().is_reserved());
        assert!(!Slug::parse("jena").unwrap().is_reserved());
    }

    #[test]
    fn official_keys() {
        let ags = Ags::parse("16077001").unwrap();
        assert_eq!(ags.county_part(), "16077");
        assert!(Ars::parse("160770001001").unwrap().matches(&ags));
        assert!(!Ars::parse("160530000000").unwrap().matches(&ags));
        assert!(Ags::parse("1607700").is_err());
        assert!(Ags::parse("1607700a").is_err());
        assert!(Ars::parse("16077000100").is_err());
        let msg = Ags::parse("123").unwrap_err().to_string();
        assert!(msg.contains("8 digits"), "{msg}");
    }

    #[test]
    fn postcodes() {
        assert_eq!(Postcode::parse(" 04600 ").unwrap().as_str(), "04600");
        assert!(Postcode::parse("4600").is_err());
        assert!(Postcode::parse("046000").is_err());
    }

    #[test]
    fn kinds() {
        for k in [MunicipalityKind::City, MunicipalityKind::County, MunicipalityKind::Town] {
            assert_eq!(MunicipalityKind::parse(k.as_str()).unwrap(), k);
        }
        assert!(MunicipalityKind::parse("village").is_err());
        assert!(MunicipalityKind::Town.needs_parent());
        assert!(!MunicipalityKind::City.needs_parent());
    }
}
