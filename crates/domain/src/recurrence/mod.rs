//! Recurring events: RFC 5545 recurrence rules (RRULE, EXDATE, RDATE) expanded into the
//! occurrences that overlap a window of time.
//!
//! - [`EventStart`] is the first occurrence: a wall time in an IANA zone plus a length, or a
//!   run of all-day dates. Rules are expanded in the zone's wall time, so a weekly 10:00 event
//!   stays at 10:00 across daylight-saving changes.
//! - [`Rule`] is a validated RRULE (`Rule::parse("FREQ=WEEKLY;BYDAY=MO,WE")`), daily to yearly.
//! - [`Recurrence::occurrences`] lists the occurrences overlapping `[from, to)`, bounded by a
//!   limit ([`MAX_INSTANCES_PER_REQUEST`] for requests) and by the years 1900–2100.
//!
//! The expansion is our own (module `expand`), not the `rrule` crate's: it follows libical
//! where the crate departs from RFC 5545 (BYWEEKNO, BYMONTHDAY in yearly rules, BYSETPOS in the
//! first week, date-only starts), accepts UNTIL as a date or floating time with a zoned start,
//! never reads the process's time zone, and can start near the window instead of at DTSTART.
//!
//! **Cost.** A rule without COUNT starts one period before the window (found in O(1) by
//! advancing DTSTART by whole intervals), so a 30-day window in 2090 of a daily series from 2000
//! costs a few microseconds, not 90 years. A rule with COUNT must count its instances from
//! DTSTART, but instances before the window are counted a day at a time, not built: one cheap
//! step per day between DTSTART and the window, about 1 ms (release build) for a daily rule
//! from 1900 queried in 2090. A window's own work is bounded by its limit. Callers that serve
//! many windows of one series still do well to cache, but nothing here re-expands 90 years.

mod expand;
mod rule;
mod start;

use std::ops::ControlFlow;

use chrono::{DateTime, Days, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use thiserror::Error;

pub use rule::{ByDay, Frequency, Rule, RuleError, Until};
pub use start::{EventStart, MAX_EVENT_DAYS, StartError};

use expand::Bounds;
use start::resolve_instance;

/// The most occurrences one request may make the server expand (5000): a month view of a busy
/// region needs a few hundred, a year of a daily event 366. A window that holds more is refused
/// with [`ExpandError::TooMany`] (a 4xx for the client), never silently cut short.
pub const MAX_INSTANCES_PER_REQUEST: usize = 5000;

/// The first year occurrences can be listed for.
pub const FIRST_YEAR: i32 = 1900;
/// The last year occurrences can be listed for.
pub const LAST_YEAR: i32 = 2100;

/// Why a window could not be expanded; the message says what to change.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ExpandError {
    /// The window holds more occurrences than the limit.
    #[error("the window holds more than {limit} occurrences: ask for a shorter window")]
    TooMany {
        /// The limit that was exceeded.
        limit: usize,
    },
    /// The window reaches outside the supported years.
    #[error(
        "the window {from} – {to} reaches outside the supported range: occurrences can be listed from \
         {FIRST_YEAR}-01-01 to {LAST_YEAR}-12-31 (UTC)"
    )]
    OutOfRange {
        /// The window's start.
        from: DateTime<Utc>,
        /// The window's end.
        to: DateTime<Utc>,
    },
    /// The window's end is not after its start.
    #[error("the window is empty: its end ({to}) must lie after its start ({from})")]
    EmptyWindow {
        /// The window's start.
        from: DateTime<Utc>,
        /// The window's end.
        to: DateTime<Utc>,
    },
}

/// A date or an instant, as EXDATE and RDATE carry them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DateOrTime {
    /// A local date (`VALUE=DATE`). As an EXDATE of a timed event it removes every occurrence
    /// on that local date; as an RDATE of a timed event it adds one at the start's time of day.
    Date(NaiveDate),
    /// An instant (a value with TZID or in UTC, converted by the caller). As an EXDATE or RDATE
    /// of an all-day event it means its local date in the event's zone.
    Instant(DateTime<Utc>),
}

/// One occurrence of an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Occurrence {
    /// A timed occurrence, in the event's zone (so its offset shows summer or winter time).
    Timed {
        /// When it starts.
        start: DateTime<Tz>,
        /// When it ends (equal to the start for a point in time).
        end: DateTime<Tz>,
    },
    /// An all-day occurrence.
    AllDay {
        /// The first day.
        start: NaiveDate,
        /// The day after the last day (exclusive, like DTEND;VALUE=DATE).
        end: NaiveDate,
    },
}

impl Occurrence {
    /// Whether this is an all-day occurrence.
    pub fn is_all_day(&self) -> bool {
        matches!(self, Self::AllDay { .. })
    }
}

/// An event's recurrence: its first occurrence, an optional rule, and the dates removed from
/// (EXDATE) and added to (RDATE) the set.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recurrence {
    /// The first occurrence (DTSTART and its length).
    pub start: EventStart,
    /// The rule (RRULE), if the event repeats by one.
    pub rule: Option<Rule>,
    /// Removed occurrences (EXDATE).
    pub exdates: Vec<DateOrTime>,
    /// Added occurrences (RDATE).
    pub rdates: Vec<DateOrTime>,
}

impl Recurrence {
    /// A single, non-repeating event.
    pub fn single(start: EventStart) -> Self {
        Self { start, rule: None, exdates: Vec::new(), rdates: Vec::new() }
    }

    /// The occurrences that overlap `[from, to)`, sorted by start, without duplicates.
    ///
    /// An occurrence overlaps if it starts before `to` and ends after `from`; one of zero
    /// length overlaps if `from <= start < to`. The set is DTSTART (always the first occurrence,
    /// RFC 5545, even when it does not match the rule), the rule's instances, and the RDATEs,
    /// minus the EXDATEs. COUNT counts the rule's own instances, as libical does.
    ///
    /// Fails with [`ExpandError::TooMany`] when more than `limit` occurrences overlap, and with
    /// [`ExpandError::OutOfRange`] for a window outside 1900-01-01..2101-01-01 (UTC).
    pub fn occurrences(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Occurrence>, ExpandError> {
        check_window(from, to)?;
        let excluded = Exclusions::new(&self.exdates, self.start.zone());
        let mut out = Vec::new();
        if let Some(rule) = &self.rule {
            rule_occurrences(rule, &self.start, from, to, limit, &excluded, &mut out)?;
        }
        let first = std::iter::once(self.start.local());
        let added = self.rdates.iter().filter_map(|r| self.rdate_local(*r));
        for local in first.chain(added) {
            if let Some(occ) = occurrence(&self.start, local, from, to)
                && !excluded.removes(&occ)
            {
                out.push(occ);
            }
        }
        sort_dedup(&mut out, self.start.zone());
        if out.len() > limit {
            return Err(ExpandError::TooMany { limit });
        }
        Ok(out)
    }

    /// Whether one of the EXDATEs removes `occ` (by the rules [`Recurrence::occurrences`]
    /// applies), for editors who list the removed dates beside the others.
    pub fn excludes(&self, occ: &Occurrence) -> bool {
        Exclusions::new(&self.exdates, self.start.zone()).removes(occ)
    }

    /// The local wall time an RDATE adds.
    fn rdate_local(&self, rdate: DateOrTime) -> Option<NaiveDateTime> {
        use chrono::Datelike as _;
        let zone = self.start.zone();
        // Far outside the supported years an RDATE can never be in a window; leaving it out
        // keeps chrono away from the edges of its range.
        let year = match rdate {
            DateOrTime::Date(d) => d.year(),
            DateOrTime::Instant(t) => t.year(),
        };
        if !(FIRST_YEAR - 1..=LAST_YEAR + 1).contains(&year) {
            return None;
        }
        match rdate {
            DateOrTime::Date(d) => Some(d.and_time(self.start.local().time())),
            DateOrTime::Instant(t) if self.start.is_all_day() => {
                Some(t.with_timezone(&zone).date_naive().and_time(NaiveTime::MIN))
            }
            DateOrTime::Instant(t) => Some(t.with_timezone(&zone).naive_local()),
        }
    }
}

impl Rule {
    /// The instances this rule alone generates from `start` that overlap `[from, to)`, sorted:
    /// without adding DTSTART when it does not match the rule (as libical lists them), and
    /// without EXDATE or RDATE. Events use [`Recurrence::occurrences`]; this is its core.
    pub fn occurrences(
        &self,
        start: &EventStart,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<Occurrence>, ExpandError> {
        check_window(from, to)?;
        let mut out = Vec::new();
        rule_occurrences(self, start, from, to, limit, &Exclusions::default(), &mut out)?;
        sort_dedup(&mut out, start.zone());
        if out.len() > limit {
            return Err(ExpandError::TooMany { limit });
        }
        Ok(out)
    }
}

fn check_window(from: DateTime<Utc>, to: DateTime<Utc>) -> Result<(), ExpandError> {
    let first = NaiveDate::from_ymd_opt(FIRST_YEAR, 1, 1).map(|d| Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)));
    let end = NaiveDate::from_ymd_opt(LAST_YEAR + 1, 1, 1).map(|d| Utc.from_utc_datetime(&d.and_time(NaiveTime::MIN)));
    let (Some(first), Some(end)) = (first, end) else { return Err(ExpandError::OutOfRange { from, to }) };
    if from < first || to > end {
        return Err(ExpandError::OutOfRange { from, to });
    }
    if to <= from {
        return Err(ExpandError::EmptyWindow { from, to });
    }
    Ok(())
}

/// Expands the rule's instances overlapping the window into `out`, leaving out excluded ones,
/// and stops with [`ExpandError::TooMany`] as soon as more than `limit` are found.
fn rule_occurrences(
    rule: &Rule,
    start: &EventStart,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    limit: usize,
    excluded: &Exclusions,
    out: &mut Vec<Occurrence>,
) -> Result<(), ExpandError> {
    let zone = start.zone();
    // Local wall time is within a day of UTC in every zone, so these bounds are safe: an
    // instance whose wall time is earlier than `lower` ends before `from`, one at or after
    // `upper` starts after `to`.
    let lower = from
        .naive_utc()
        .checked_sub_signed(start.length())
        .and_then(|t| t.checked_sub_signed(Duration::days(1)))
        .unwrap_or(NaiveDateTime::MIN);
    let upper = to.naive_utc().checked_add_signed(Duration::days(1)).unwrap_or(NaiveDateTime::MAX);
    let until = rule.until;
    let until_max = until.map(|u| match u {
        Until::Utc(t) => t.naive_utc().checked_add_signed(Duration::days(1)).unwrap_or(NaiveDateTime::MAX),
        Until::Floating(t) => t,
        Until::Date(d) => d
            .succ_opt()
            .and_then(|n| n.and_time(NaiveTime::MIN).checked_sub_signed(Duration::nanoseconds(1)))
            .unwrap_or(NaiveDateTime::MAX),
    });
    let until_ok = |local: NaiveDateTime| match until {
        // UNTIL in UTC is compared with the instance's instant (inclusive, RFC 5545).
        Some(Until::Utc(u)) => resolve_instance(zone, local).is_some_and(|t| t <= u),
        // A floating or date UNTIL is the event's own wall time, so it is compared as such.
        Some(Until::Floating(u)) => local <= u,
        Some(Until::Date(d)) => local.date() <= d,
        None => true,
    };
    let bounds = Bounds { lower, upper, until_max, until_ok: &until_ok };
    let mut too_many = false;
    expand::expand(rule, start.local(), start.is_all_day(), &bounds, &mut |local| {
        if let Some(occ) = occurrence(start, local, from, to)
            && !excluded.removes(&occ)
        {
            out.push(occ);
            if out.len() > limit {
                too_many = true;
                return ControlFlow::Break(());
            }
        }
        ControlFlow::Continue(())
    });
    if too_many { Err(ExpandError::TooMany { limit }) } else { Ok(()) }
}

/// The occurrence starting at local wall time `local`, if it overlaps `[from, to)`.
fn occurrence(start: &EventStart, local: NaiveDateTime, from: DateTime<Utc>, to: DateTime<Utc>) -> Option<Occurrence> {
    let zone = start.zone();
    let (occ, begins, ends) = match start.days() {
        None => {
            let begins = resolve_instance(zone, local)?;
            let ends = begins.checked_add_signed(start.length())?;
            (Occurrence::Timed { start: begins, end: ends }, begins.with_timezone(&Utc), ends.with_timezone(&Utc))
        }
        Some(days) => {
            let first = local.date();
            let end = first.checked_add_days(Days::new(u64::from(days)))?;
            let begins = resolve_instance(zone, first.and_time(NaiveTime::MIN))?;
            let ends = resolve_instance(zone, end.and_time(NaiveTime::MIN))?;
            (Occurrence::AllDay { start: first, end }, begins.with_timezone(&Utc), ends.with_timezone(&Utc))
        }
    };
    let overlaps = begins < to && (ends > from || begins >= from);
    overlaps.then_some(occ)
}

/// Sorts by start and drops repeated starts: a gap can map two wall times to one instant, and
/// an RDATE may repeat a rule instance (RFC 5545 counts it once).
fn sort_dedup(out: &mut Vec<Occurrence>, zone: Tz) {
    let key = |o: &Occurrence| match o {
        Occurrence::Timed { start, .. } => start.with_timezone(&Utc),
        Occurrence::AllDay { start, .. } => {
            resolve_instance(zone, start.and_time(NaiveTime::MIN)).map_or(DateTime::<Utc>::MIN_UTC, |t| t.to_utc())
        }
    };
    out.sort_by_key(key);
    out.dedup_by(|a, b| key(a) == key(b));
}

/// The EXDATEs, sorted for binary search.
#[derive(Default)]
struct Exclusions {
    dates: Vec<NaiveDate>,
    instants: Vec<DateTime<Utc>>,
    /// The local dates of `instants` in the event's zone, for all-day events.
    instant_dates: Vec<NaiveDate>,
}

impl Exclusions {
    fn new(exdates: &[DateOrTime], zone: Tz) -> Self {
        let mut out = Self::default();
        for e in exdates {
            match *e {
                DateOrTime::Date(d) => out.dates.push(d),
                DateOrTime::Instant(t) => {
                    out.instants.push(t);
                    out.instant_dates.push(t.with_timezone(&zone).date_naive());
                }
            }
        }
        out.dates.sort_unstable();
        out.instants.sort_unstable();
        out.instant_dates.sort_unstable();
        out
    }

    /// Whether an EXDATE removes `occ`: by instant for timed occurrences, by date for all-day
    /// ones, and a date EXDATE removes every timed occurrence on that local date.
    fn removes(&self, occ: &Occurrence) -> bool {
        match occ {
            Occurrence::Timed { start, .. } => {
                self.instants.binary_search(&start.with_timezone(&Utc)).is_ok()
                    || self.dates.binary_search(&start.date_naive()).is_ok()
            }
            Occurrence::AllDay { start, .. } => {
                self.dates.binary_search(start).is_ok() || self.instant_dates.binary_search(start).is_ok()
            }
        }
    }
}

#[cfg(test)]
mod tests;
