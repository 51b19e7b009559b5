//! The legal pages every public body must publish.

/// A legal page of the region or of a municipality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LegalPageKind {
    /// Impressum (legal notice, § 5 DDG).
    Impressum,
    /// Datenschutzerklärung (privacy notice, Art. 13 GDPR).
    Datenschutz,
    /// Erklärung zur Barrierefreiheit (accessibility statement, BITV 2.0 § 7).
    Barrierefreiheit,
}

impl LegalPageKind {
    /// All kinds, in footer order.
    pub const ALL: [LegalPageKind; 3] = [Self::Impressum, Self::Datenschutz, Self::Barrierefreiheit];

    /// The German path segment and stored code (`impressum`, `datenschutz`, `barrierefreiheit`).
    pub fn slug(self) -> &'static str {
        match self {
            Self::Impressum => "impressum",
            Self::Datenschutz => "datenschutz",
            Self::Barrierefreiheit => "barrierefreiheit",
        }
    }

    /// Parses the path segment.
    pub fn from_slug(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.slug() == s)
    }

    /// The key of the localised title (see `locales/`).
    pub fn title_key(self) -> &'static str {
        match self {
            Self::Impressum => "legal-impressum",
            Self::Datenschutz => "legal-datenschutz",
            Self::Barrierefreiheit => "legal-barrierefreiheit",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip() {
        for k in LegalPageKind::ALL {
            assert_eq!(LegalPageKind::from_slug(k.slug()), Some(k));
        }
        assert_eq!(LegalPageKind::from_slug("agb"), None);
    }
}
