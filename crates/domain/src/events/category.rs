//! The region's shared list of event categories.

use crate::Locale;

/// An event category from the shared regional list. Every municipality uses the same list, so
/// "Konzert" means the same in Jena and in Altenburg and a regional filter works.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Category {
    /// Konzert.
    Concert,
    /// Theater.
    Theatre,
    /// Ausstellung.
    Exhibition,
    /// Sport.
    Sport,
    /// Kinder & Familie.
    Family,
    /// Markt.
    Market,
    /// Führung.
    Tour,
    /// Vortrag.
    Talk,
    /// Lesung.
    Reading,
    /// Film.
    Film,
    /// Kurs & Workshop.
    Course,
    /// Fest.
    Festival,
    /// Ratssitzung (council meeting).
    CouncilMeeting,
    /// Sonstiges.
    Other,
}

impl Category {
    /// Every category, in the order forms and filters list them.
    pub const ALL: [Self; 14] = [
        Self::Concert,
        Self::Theatre,
        Self::Exhibition,
        Self::Sport,
        Self::Family,
        Self::Market,
        Self::Tour,
        Self::Talk,
        Self::Reading,
        Self::Film,
        Self::Course,
        Self::Festival,
        Self::CouncilMeeting,
        Self::Other,
    ];

    /// The stable code used in URLs, the API and storage (German, as the URLs are).
    pub fn slug(self) -> &'static str {
        match self {
            Self::Concert => "konzert",
            Self::Theatre => "theater",
            Self::Exhibition => "ausstellung",
            Self::Sport => "sport",
            Self::Family => "kinder-familie",
            Self::Market => "markt",
            Self::Tour => "fuehrung",
            Self::Talk => "vortrag",
            Self::Reading => "lesung",
            Self::Film => "film",
            Self::Course => "kurs",
            Self::Festival => "fest",
            Self::CouncilMeeting => "ratssitzung",
            Self::Other => "sonstiges",
        }
    }

    /// Parses a code; also accepts the German and English names (as iCalendar CATEGORIES from
    /// other calendars carry them), case-insensitively.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        Self::ALL.into_iter().find(|c| {
            c.slug().eq_ignore_ascii_case(s)
                || c.name(Locale::De).eq_ignore_ascii_case(s)
                || c.name(Locale::En).eq_ignore_ascii_case(s)
                || c.name(Locale::De).to_lowercase() == s.to_lowercase()
        })
    }

    /// The name shown to people.
    pub fn name(self, locale: Locale) -> &'static str {
        match (self, locale) {
            (Self::Concert, Locale::De) => "Konzert",
            (Self::Concert, Locale::En) => "Concert",
            (Self::Theatre, Locale::De) => "Theater",
            (Self::Theatre, Locale::En) => "Theatre",
            (Self::Exhibition, Locale::De) => "Ausstellung",
            (Self::Exhibition, Locale::En) => "Exhibition",
            (Self::Sport, _) => "Sport",
            (Self::Family, Locale::De) => "Kinder & Familie",
            (Self::Family, Locale::En) => "Children & family",
            (Self::Market, Locale::De) => "Markt",
            (Self::Market, Locale::En) => "Market",
            (Self::Tour, Locale::De) => "Führung",
            (Self::Tour, Locale::En) => "Guided tour",
            (Self::Talk, Locale::De) => "Vortrag",
            (Self::Talk, Locale::En) => "Talk",
            (Self::Reading, Locale::De) => "Lesung",
            (Self::Reading, Locale::En) => "Reading",
            (Self::Film, _) => "Film",
            (Self::Course, Locale::De) => "Kurs & Workshop",
            (Self::Course, Locale::En) => "Course & workshop",
            (Self::Festival, Locale::De) => "Fest",
            (Self::Festival, Locale::En) => "Festival",
            (Self::CouncilMeeting, Locale::De) => "Ratssitzung",
            (Self::CouncilMeeting, Locale::En) => "Council meeting",
            (Self::Other, Locale::De) => "Sonstiges",
            (Self::Other, Locale::En) => "Other",
        }
    }

    /// A comma-separated list of codes (storage form), unknown codes skipped.
    pub fn parse_list(s: &str) -> Vec<Self> {
        s.split(',').filter_map(Self::parse).collect()
    }
}
