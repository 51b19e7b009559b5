//! The portal's languages: German first, English second.

use std::fmt;

/// A language the portal is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum Locale {
    /// German, the default and the legally binding language.
    #[default]
    De,
    /// English.
    En,
}

impl Locale {
    /// All locales, default first.
    pub const ALL: [Locale; 2] = [Locale::De, Locale::En];

    /// The BCP 47 tag (`de`, `en`), as used in `lang` attributes and `?lang=`.
    pub fn tag(self) -> &'static str {
        match self {
            Self::De => "de",
            Self::En => "en",
        }
    }

    /// The language's name in itself (for the language switch).
    pub fn endonym(self) -> &'static str {
        match self {
            Self::De => "Deutsch",
            Self::En => "English",
        }
    }

    /// Parses a tag; region subtags are ignored (`de-AT` is German).
    pub fn from_tag(tag: &str) -> Option<Self> {
        let primary = tag.split(['-', '_']).next()?.trim().to_ascii_lowercase();
        match primary.as_str() {
            "de" => Some(Self::De),
            "en" => Some(Self::En),
            _ => None,
        }
    }

    /// The best locale for an `Accept-Language` header value, honouring q-values.
    pub fn negotiate(accept_language: &str) -> Option<Self> {
        let mut best: Option<(f32, Self)> = None;
        for part in accept_language.split(',') {
            let mut bits = part.split(';');
            let Some(tag) = bits.next() else { continue };
            let q = bits
                .find_map(|p| p.trim().strip_prefix("q=").and_then(|v| v.parse::<f32>().ok()))
                .unwrap_or(1.0);
            if let Some(locale) = Self::from_tag(tag) {
                if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
                    best = Some((q, locale));
                }
            }
        }
        best.map(|(_, l)| l)
    }
}

impl fmt::Display for Locale {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.tag())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tags() {
        assert_eq!(Locale::from_tag("de-AT"), Some(Locale::De));
        assert_eq!(Locale::from_tag("EN"), Some(Locale::En));
        assert_eq!(Locale::from_tag("fr"), None);
    }

    #[test]
    fn negotiation_honours_quality() {
        assert_eq!(Locale::negotiate("en-GB,en;q=0.9,de;q=0.8"), Some(Locale::En));
        assert_eq!(Locale::negotiate("fr;q=1, de;q=0.5, en;q=0.4"), Some(Locale::De));
        assert_eq!(Locale::negotiate("fr, it"), None);
        assert_eq!(Locale::negotiate("en;q=0, de;q=0.1"), Some(Locale::De));
        assert_eq!(Locale::negotiate(""), None);
    }
}
