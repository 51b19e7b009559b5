//! iCalendar (RFC 5545) files of events: a writer for feeds and a tolerant reader for imports.
//!
//! - [`write_calendar`] renders a `VCALENDAR` with one `VTIMEZONE` per zone the events use
//!   (computed from chrono-tz, with yearly RRULEs where the zone follows a stable pattern) and
//!   one `VEVENT` per [`VEvent`]: CRLF line ends, lines folded at 75 octets, text escaped.
//! - [`read_calendar`] reads what calendar programs export (Google, Outlook, Thunderbird, …):
//!   every event that cannot be used becomes a [`Problem`] with a reason that says how to fix
//!   it, and never stops the rest of the file. Unknown properties and components are ignored.
//!
//! Only `VEVENT`s are carried; alarms, to-dos, attendees and the like are left out. Recurrence
//! rules are the domain's own [`Rule`], so what is read can be expanded with
//! [`crate::recurrence::Recurrence`] (see [`VEvent::recurrence`]).
//!
//! Simplifications, documented where they matter: a DURATION is an exact length (`P1D` is 24
//! hours, not "the same time next day"); `RDATE;VALUE=PERIOD` keeps only each period's start;
//! `RECURRENCE-ID;RANGE=THISANDFUTURE` is read as an override of the one instance.

mod read;
mod timezone;
mod write;

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Offset as _, TimeZone as _, Utc};
use chrono_tz::Tz;

use crate::recurrence::{DateOrTime, EventStart, Recurrence, Rule, StartError};

pub use read::{Problem, ReadOutcome, read_calendar};
pub use write::{CalendarMeta, write_calendar};

/// A date-time value as iCalendar carries it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IcalTime {
    /// A date without a time (`VALUE=DATE:20261205`), as all-day events have.
    Date(NaiveDate),
    /// A wall time in a named zone (`TZID=Europe/Berlin:20261205T190000`).
    Zoned {
        /// The local wall time.
        local: NaiveDateTime,
        /// The zone it is read in.
        zone: Tz,
    },
    /// A UTC instant (`20261205T180000Z`).
    Utc(DateTime<Utc>),
    /// A wall time without a zone (`20261205T190000`): "whatever the clock says where you are".
    Floating(NaiveDateTime),
}

impl IcalTime {
    /// The value as the recurrence engine takes it: a date stays a date; a zoned value becomes
    /// its instant (a wall time in a daylight-saving gap is read with the offset before the gap,
    /// as RFC 5545 says; of two candidates in the autumn overlap the earlier); a floating value
    /// is read in `default_zone`. `None` only at the edges of chrono's range.
    pub fn to_date_or_time(&self, default_zone: Tz) -> Option<DateOrTime> {
        match *self {
            Self::Date(d) => Some(DateOrTime::Date(d)),
            _ => self.instant(default_zone).map(DateOrTime::Instant),
        }
    }

    /// The instant this value means; a date means its midnight, a date or floating value is
    /// read in `default_zone`. `None` only at the edges of chrono's range.
    pub fn instant(&self, default_zone: Tz) -> Option<DateTime<Utc>> {
        match *self {
            Self::Date(d) => resolve_local(default_zone, d.and_time(NaiveTime::MIN)),
            Self::Zoned { local, zone } => resolve_local(zone, local),
            Self::Utc(t) => Some(t),
            Self::Floating(local) => resolve_local(default_zone, local),
        }
    }

    /// Whether this is a date without a time.
    pub fn is_date(&self) -> bool {
        matches!(self, Self::Date(_))
    }

    /// The local date (for a UTC value: its UTC date).
    pub fn date(&self) -> NaiveDate {
        match *self {
            Self::Date(d) => d,
            Self::Zoned { local, .. } | Self::Floating(local) => local.date(),
            Self::Utc(t) => t.date_naive(),
        }
    }
}

/// For messages: `2026-12-05`, `2026-12-05 19:00:00 (Europe/Berlin)`, `2026-12-05 18:00:00 UTC`.
impl fmt::Display for IcalTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Date(d) => write!(f, "{d}"),
            Self::Zoned { local, zone } => write!(f, "{local} ({zone})"),
            Self::Utc(t) => write!(f, "{} UTC", t.naive_utc()),
            Self::Floating(local) => write!(f, "{local}"),
        }
    }
}

/// How an event's end is given: DTEND or DURATION (RFC 5545 allows one of them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IcalEnd {
    /// DTEND: the (exclusive) end.
    At(IcalTime),
    /// DURATION: the exact length.
    Duration(Duration),
}

/// An event's STATUS.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum IcalStatus {
    /// STATUS:TENTATIVE.
    Tentative,
    /// STATUS:CONFIRMED.
    Confirmed,
    /// STATUS:CANCELLED.
    Cancelled,
}

impl IcalStatus {
    /// The property value.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Tentative => "TENTATIVE",
            Self::Confirmed => "CONFIRMED",
            Self::Cancelled => "CANCELLED",
        }
    }
}

/// An event's ORGANIZER: a display name (the CN parameter) and an e-mail address (`mailto:`).
///
/// iCalendar needs an address: an organizer without an e-mail address is not written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Organizer {
    /// The display name (CN).
    pub name: Option<String>,
    /// The e-mail address, without `mailto:`.
    pub email: Option<String>,
}

/// One VEVENT (a master event, or an override when `recurrence_id` is set).
#[derive(Debug, Clone, PartialEq)]
pub struct VEvent {
    /// The identifier that stays the same across exports (UID), needed to deduplicate imports.
    pub uid: String,
    /// The title (SUMMARY).
    pub summary: String,
    /// The description (DESCRIPTION), may hold line breaks.
    pub description: Option<String>,
    /// The start (DTSTART).
    pub start: IcalTime,
    /// The end (DTEND or DURATION); without it a timed event is a point in time and an all-day
    /// event lasts one day.
    pub end: Option<IcalEnd>,
    /// The recurrence rule (RRULE).
    pub rrule: Option<Rule>,
    /// Removed occurrences (EXDATE).
    pub exdates: Vec<IcalTime>,
    /// Added occurrences (RDATE).
    pub rdates: Vec<IcalTime>,
    /// The occurrence of the master event with the same UID that this event replaces
    /// (RECURRENCE-ID).
    pub recurrence_id: Option<IcalTime>,
    /// The status (STATUS).
    pub status: Option<IcalStatus>,
    /// The place (LOCATION), as text.
    pub location: Option<String>,
    /// The place as latitude and longitude in degrees (GEO).
    pub geo: Option<(f64, f64)>,
    /// Categories (CATEGORIES).
    pub categories: Vec<String>,
    /// A web page about the event (URL).
    pub url: Option<String>,
    /// Who organises it (ORGANIZER).
    pub organizer: Option<Organizer>,
    /// The revision (SEQUENCE), 0 for the first.
    pub sequence: u32,
    /// When the event was last changed (LAST-MODIFIED).
    pub last_modified: Option<DateTime<Utc>>,
    /// When this copy was made (DTSTAMP); see [`CalendarMeta::dtstamp`] for the writer's default.
    pub dtstamp: Option<DateTime<Utc>>,
    /// CLASS:PRIVATE or CLASS:CONFIDENTIAL: not for a public calendar (RFC 5545 3.8.1.3; an
    /// unknown class counts as private, as the RFC asks).
    pub private: bool,
}

impl VEvent {
    /// A single event with only the required parts; the rest empty.
    pub fn new(uid: impl Into<String>, summary: impl Into<String>, start: IcalTime) -> Self {
        Self {
            uid: uid.into(),
            summary: summary.into(),
            description: None,
            start,
            end: None,
            rrule: None,
            exdates: Vec::new(),
            rdates: Vec::new(),
            recurrence_id: None,
            status: None,
            location: None,
            geo: None,
            categories: Vec::new(),
            url: None,
            organizer: None,
            sequence: 0,
            last_modified: None,
            dtstamp: None,
            private: false,
        }
    }

    /// The event's recurrence for the domain's engine.
    ///
    /// A DATE start is an all-day event in `default_zone` (its days from DTEND or DURATION, one
    /// without either); a zoned start keeps its zone, a UTC start is expanded in UTC and a
    /// floating one in `default_zone`. The length is the exact time from DTSTART to DTEND.
    /// Floating EXDATEs and RDATEs are read in the event's zone. Fails as
    /// [`EventStart`] does (a start in a daylight-saving gap, outside 1900–2100, too long, an
    /// end before the start).
    pub fn recurrence(&self, default_zone: Tz) -> Result<Recurrence, StartError> {
        let start = self.event_start(default_zone)?;
        let zone = start.zone();
        let convert = |values: &[IcalTime]| values.iter().filter_map(|v| v.to_date_or_time(zone)).collect();
        Ok(Recurrence {
            rule: self.rrule.clone(),
            exdates: convert(&self.exdates),
            rdates: convert(&self.rdates),
            start,
        })
    }

    fn event_start(&self, default_zone: Tz) -> Result<EventStart, StartError> {
        let end_before = || StartError::EndBeforeStart {
            start: self.start.to_string(),
            end: match self.end {
                Some(IcalEnd::At(t)) => t.to_string(),
                Some(IcalEnd::Duration(d)) => d.to_string(),
                None => String::new(),
            },
        };
        if let IcalTime::Date(date) = self.start {
            let days = match self.end {
                None => 1,
                Some(IcalEnd::At(end)) => {
                    let days = (end.date() - date).num_days();
                    if days < 0 {
                        return Err(end_before());
                    }
                    // DTEND = DTSTART (seen in the wild) and a timed end on the same day both
                    // mean the one day.
                    days.max(1)
                }
                Some(IcalEnd::Duration(d)) => {
                    if d < Duration::zero() {
                        return Err(StartError::NegativeLength(d));
                    }
                    let secs = d.num_seconds();
                    (secs / 86_400 + i64::from(secs % 86_400 != 0)).max(1)
                }
            };
            return EventStart::all_day(default_zone, date, u32::try_from(days).unwrap_or(u32::MAX));
        }
        let (zone, local) = match self.start {
            IcalTime::Zoned { local, zone } => (zone, local),
            IcalTime::Utc(t) => (Tz::UTC, t.naive_utc()),
            IcalTime::Floating(local) => (default_zone, local),
            IcalTime::Date(_) => return Err(StartError::NoDays),
        };
        let length = match self.end {
            None => Duration::zero(),
            Some(IcalEnd::Duration(d)) => d,
            Some(IcalEnd::At(end)) => {
                let begins = resolve_local(zone, local);
                let ends = match end {
                    // A date end of a timed event is the midnight starting that day, in the
                    // event's own zone.
                    IcalTime::Date(d) => resolve_local(zone, d.and_time(NaiveTime::MIN)),
                    other => other.instant(zone),
                };
                match (begins, ends) {
                    (Some(b), Some(e)) if e < b => return Err(end_before()),
                    (Some(b), Some(e)) => e - b,
                    // The start is checked (and named) by `EventStart::timed` below.
                    _ => Duration::zero(),
                }
            }
        };
        EventStart::timed(zone, local, length)
    }
}

/// The instant of a wall time: the earlier of two in an overlap; in a gap, read with the offset
/// before the gap (RFC 5545, 3.3.5), so 02:30 on the spring-forward day is 03:30 summer time.
pub(crate) fn resolve_local(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Utc>> {
    use chrono::LocalResult;
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t.to_utc()),
        LocalResult::Ambiguous(a, b) => Some(a.min(b).to_utc()),
        LocalResult::None => {
            // No zone changes its offset twice within a day, so a day earlier is before the gap.
            let probe = local.checked_sub_signed(Duration::days(1))?;
            let before = zone.offset_from_utc_datetime(&probe).fix();
            let utc = local.checked_sub_signed(Duration::seconds(i64::from(before.local_minus_utc())))?;
            Some(Utc.from_utc_datetime(&utc))
        }
    }
}

#[cfg(test)]
mod tests;
