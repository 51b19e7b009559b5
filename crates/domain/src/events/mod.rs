//! The events calendar (Veranstaltungskalender): categories, statuses, venues, organisers, an
//! event's timing (start, end, recurrence, changed or cancelled single occurrences) and the
//! validation of an event as an editor, an API client or an organiser submits it.
//!
//! Everything here is pure: storage keeps the validated [`EventDraft`], the web layer turns
//! [`DraftProblem`]s into field errors.

mod category;
mod dates;
mod draft;
pub mod ical;
pub mod image;
mod timing;
mod window;

pub use category::Category;
pub use dates::{DateChange, DateDecision, DateInput, DateState, EditorDate};
pub use draft::{
    DraftInput, DraftProblem, EventDraft, LinkInput, MAX_CATEGORIES, MAX_DESCRIPTION, MAX_LINKS, MAX_TITLE, Organizer,
    OverrideInput, Venue,
};
pub use timing::{
    EventOccurrence, OccurrenceOverride, Timing, TimingError, format_date_or_time, local_to_utc,
    parse_date_or_time_list, parse_local, parse_timing_value,
};
pub use window::{Candidate, Cursor, MAX_PAGE, Page, page};

use std::fmt;

/// Where an event stands in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EventStatus {
    /// Being written; only staff see it.
    Draft,
    /// Submitted, waiting for a moderator of the municipality where it takes place.
    Pending,
    /// Public.
    Published,
    /// Public, marked as cancelled (kept so people who saved it learn of the cancellation).
    Cancelled,
    /// Refused by a moderator, with a reason the organiser receives; not public.
    Rejected,
}

impl EventStatus {
    /// Every status, in the order staff screens list them.
    pub const ALL: [Self; 5] = [Self::Draft, Self::Pending, Self::Published, Self::Cancelled, Self::Rejected];

    /// The stable code stored and used in the API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Draft => "draft",
            Self::Pending => "pending",
            Self::Published => "published",
            Self::Cancelled => "cancelled",
            Self::Rejected => "rejected",
        }
    }

    /// Parses a status code.
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|st| st.as_str() == s)
    }

    /// Whether the public calendar shows events of this status.
    pub fn is_public(self) -> bool {
        matches!(self, Self::Published | Self::Cancelled)
    }
}

impl fmt::Display for EventStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How accessible a venue is; each flag is a promise the organiser makes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Accessibility {
    /// Step-free access (stufenloser Zugang).
    pub step_free: bool,
    /// An accessible toilet.
    pub accessible_toilet: bool,
    /// An induction loop for hearing aids.
    pub induction_loop: bool,
    /// Further notes (e.g. "ramp at the side entrance").
    pub note: Option<String>,
}

impl Accessibility {
    /// Whether the venue counts as accessible for the "accessible venue" filter: step-free.
    pub fn is_accessible(&self) -> bool {
        self.step_free
    }
}

#[cfg(test)]
mod tests;
