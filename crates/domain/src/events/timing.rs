//! When an event takes place: start and end in an IANA zone (or all day), its recurrence, and
//! the single occurrences that were moved, renamed or cancelled (RECURRENCE-ID overrides).

use std::str::FromStr as _;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone as _, Utc};
use chrono_tz::Tz;
use thiserror::Error;

use crate::recurrence::{
    DateOrTime, EventStart, ExpandError, FIRST_YEAR, LAST_YEAR, MAX_INSTANCES_PER_REQUEST, Occurrence, Recurrence,
    Rule, RuleError, StartError,
};

/// Why a timing was rejected.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TimingError {
    /// The start or the length is invalid.
    #[error(transparent)]
    Start(#[from] StartError),
    /// The rule is invalid.
    #[error(transparent)]
    Rule(#[from] RuleError),
}

/// A validated timing: the first occurrence, the rule, EXDATEs and RDATEs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Timing {
    all_day: bool,
    end: NaiveDateTime,
    recurrence: Recurrence,
}

/// A changed or cancelled single occurrence of a recurring event (RECURRENCE-ID).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OccurrenceOverride {
    /// The local start of the occurrence as the rule generates it (midnight for all-day).
    pub recurrence_id: NaiveDateTime,
    /// Whether this occurrence is cancelled.
    pub cancelled: bool,
    /// A new local start (moved occurrence).
    pub start: Option<NaiveDateTime>,
    /// A new local end (with `start`).
    pub end: Option<NaiveDateTime>,
    /// A different title for this occurrence.
    pub title: Option<String>,
}

/// One occurrence of an event as the calendar shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventOccurrence {
    /// When it takes place.
    pub occurrence: Occurrence,
    /// The local start the rule generated (the RECURRENCE-ID), for linking to an override.
    pub recurrence_id: NaiveDateTime,
    /// Whether this occurrence is cancelled.
    pub cancelled: bool,
    /// A title for this occurrence only.
    pub title: Option<String>,
}

impl EventOccurrence {
    /// The instant the occurrence starts (local midnight in `zone` for all-day ones).
    pub fn starts_at(&self, zone: Tz) -> DateTime<Utc> {
        match self.occurrence {
            Occurrence::Timed { start, .. } => start.to_utc(),
            Occurrence::AllDay { start, .. } => local_to_utc(zone, start.and_time(NaiveTime::MIN)),
        }
    }
}

impl Timing {
    /// Builds a timing. `start` and `end` are local wall times in `zone`; for an all-day event
    /// they are midnights and `end` is exclusive (the day after the last day). Without `end` a
    /// timed event is a point in time and an all-day event lasts one day.
    pub fn new(
        zone: Tz,
        all_day: bool,
        start: NaiveDateTime,
        end: Option<NaiveDateTime>,
        rule: Option<Rule>,
        exdates: Vec<DateOrTime>,
        rdates: Vec<DateOrTime>,
    ) -> Result<Self, TimingError> {
        let (first, end) = if all_day {
            let end = end.unwrap_or_else(|| start + chrono::Duration::days(1));
            let days = (end.date() - start.date()).num_days();
            if days < 1 {
                return Err(if end < start {
                    StartError::EndBeforeStart { start: start.date().to_string(), end: end.date().to_string() }
                } else {
                    StartError::NoDays
                }
                .into());
            }
            let days = u32::try_from(days).map_err(|_| StartError::TooLong)?;
            (EventStart::all_day(zone, start.date(), days)?, end)
        } else {
            let end = end.unwrap_or(start);
            (EventStart::timed_until(zone, start, end)?, end)
        };
        Ok(Self { all_day, end, recurrence: Recurrence { start: first, rule, exdates, rdates } })
    }

    /// The zone.
    pub fn zone(&self) -> Tz {
        self.recurrence.start.zone()
    }
    /// Whether the event lasts whole days.
    pub fn all_day(&self) -> bool {
        self.all_day
    }
    /// The local start of the first occurrence.
    pub fn start(&self) -> NaiveDateTime {
        self.recurrence.start.local()
    }
    /// The local end of the first occurrence (exclusive day for all-day events).
    pub fn end(&self) -> NaiveDateTime {
        self.end
    }
    /// The rule.
    pub fn rule(&self) -> Option<&Rule> {
        self.recurrence.rule.as_ref()
    }
    /// The EXDATEs.
    pub fn exdates(&self) -> &[DateOrTime] {
        &self.recurrence.exdates
    }
    /// The RDATEs.
    pub fn rdates(&self) -> &[DateOrTime] {
        &self.recurrence.rdates
    }
    /// The same timing with other EXDATEs (sorted, without duplicates).
    pub fn with_exdates(mut self, mut exdates: Vec<DateOrTime>) -> Self {
        exdates.sort();
        exdates.dedup();
        self.recurrence.exdates = exdates;
        self
    }
    /// The recurrence, for the engine.
    pub fn recurrence(&self) -> &Recurrence {
        &self.recurrence
    }
    /// Whether the event repeats (by a rule or added dates).
    pub fn repeats(&self) -> bool {
        self.recurrence.rule.is_some() || !self.recurrence.rdates.is_empty()
    }

    /// The instant the first occurrence starts.
    pub fn first_start(&self) -> DateTime<Utc> {
        local_to_utc(self.zone(), self.start())
    }

    /// The span of instants any occurrence can touch, for a quick database pre-filter: from the
    /// earliest start to the latest end, `None` as the end when the rule never ends. Overrides
    /// that move an occurrence widen it.
    pub fn span(&self, overrides: &[OccurrenceOverride]) -> (DateTime<Utc>, Option<DateTime<Utc>>) {
        let zone = self.zone();
        let length = self.recurrence.start.length();
        let mut first = self.first_start();
        let mut last = Some(local_to_utc(zone, self.end));
        for r in &self.recurrence.rdates {
            let at = match *r {
                DateOrTime::Date(d) => local_to_utc(zone, d.and_time(self.start().time())),
                DateOrTime::Instant(t) => t,
            };
            first = first.min(at);
            last = last.map(|l| l.max(at + length + chrono::Duration::days(1)));
        }
        if let Some(rule) = &self.recurrence.rule {
            last = match (rule.until, rule.count) {
                (Some(u), _) => {
                    let until = match u {
                        crate::recurrence::Until::Utc(t) => t,
                        crate::recurrence::Until::Floating(t) => local_to_utc(zone, t),
                        crate::recurrence::Until::Date(d) => local_to_utc(zone, d.and_time(NaiveTime::MIN)),
                    };
                    // A day of slack covers a date UNTIL (the whole day) and zone offsets.
                    last.map(|l| l.max(until + length + chrono::Duration::days(1)))
                }
                (None, Some(count)) => self.last_counted_end(count).and_then(|e| last.map(|l| l.max(e))),
                (None, None) => None,
            };
        }
        for o in overrides {
            if let Some(s) = o.start {
                first = first.min(local_to_utc(zone, s));
                let e = o.end.unwrap_or(s).max(s);
                last = last.map(|l| l.max(local_to_utc(zone, e) + chrono::Duration::days(1)));
            }
        }
        (first, last)
    }

    /// The end of the last instance of a COUNT rule, or `None` (treated as unbounded) when it
    /// reaches past the supported years or holds more instances than the engine lists at once.
    fn last_counted_end(&self, count: u32) -> Option<DateTime<Utc>> {
        let from = Utc.with_ymd_and_hms(FIRST_YEAR, 1, 1, 0, 0, 0).single()?;
        let to = Utc.with_ymd_and_hms(LAST_YEAR + 1, 1, 1, 0, 0, 0).single()?;
        let limit = usize::try_from(count).ok()?.saturating_add(self.recurrence.rdates.len() + 1);
        if limit > 10 * MAX_INSTANCES_PER_REQUEST {
            return None;
        }
        let all = self.recurrence.occurrences(from, to, limit).ok()?;
        all.last().map(|o| match *o {
            Occurrence::Timed { end, .. } => end.to_utc() + chrono::Duration::days(1),
            Occurrence::AllDay { end, .. } => local_to_utc(self.zone(), end.and_time(NaiveTime::MIN)),
        })
    }

    /// The occurrences overlapping `[from, to)` with the overrides applied: a cancelled one is
    /// kept and marked, a moved one appears at its new time (if that overlaps the window).
    pub fn occurrences(
        &self,
        overrides: &[OccurrenceOverride],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        limit: usize,
    ) -> Result<Vec<EventOccurrence>, ExpandError> {
        let zone = self.zone();
        let base = self.recurrence.occurrences(from, to, limit)?;
        let mut out = Vec::with_capacity(base.len());
        for occ in base {
            let id = local_start(&occ);
            match overrides.iter().find(|o| o.recurrence_id == id) {
                Some(o) if o.start.is_some() => {}
                Some(o) => out.push(EventOccurrence {
                    occurrence: occ,
                    recurrence_id: id,
                    cancelled: o.cancelled,
                    title: o.title.clone(),
                }),
                None => out.push(EventOccurrence { occurrence: occ, recurrence_id: id, cancelled: false, title: None }),
            }
        }
        for o in overrides {
            let Some(occ) = self.moved(o) else { continue };
            let (begins, ends) = instants(&occ, zone);
            if begins < to && (ends > from || begins >= from) {
                out.push(EventOccurrence {
                    occurrence: occ,
                    recurrence_id: o.recurrence_id,
                    cancelled: o.cancelled,
                    title: o.title.clone(),
                });
            }
        }
        if out.len() > limit {
            return Err(ExpandError::TooMany { limit });
        }
        out.sort_by_key(|o| o.starts_at(zone));
        Ok(out)
    }

    /// Where an override moves its occurrence to; `None` when it does not move it.
    pub fn moved(&self, o: &OccurrenceOverride) -> Option<Occurrence> {
        let start = o.start?;
        let end = o.end.unwrap_or(start).max(start);
        if self.all_day {
            Some(Occurrence::AllDay {
                start: start.date(),
                end: end.date().max(start.date().succ_opt().unwrap_or(start.date())),
            })
        } else {
            let zone = self.zone();
            Some(Occurrence::Timed { start: local_zoned(zone, start)?, end: local_zoned(zone, end)? })
        }
    }

    /// Whether `local` is the start of an occurrence the rule (or DTSTART/RDATE) generates.
    pub fn has_instance_at(&self, local: NaiveDateTime) -> bool {
        let zone = self.zone();
        let at = local_to_utc(zone, local);
        let (from, to) = (at - chrono::Duration::days(1), at + chrono::Duration::days(1));
        self.recurrence
            .occurrences(from, to, MAX_INSTANCES_PER_REQUEST)
            .is_ok_and(|all| all.iter().any(|o| local_start(o) == local))
    }
}

pub(super) fn local_start(o: &Occurrence) -> NaiveDateTime {
    match o {
        Occurrence::Timed { start, .. } => start.naive_local(),
        Occurrence::AllDay { start, .. } => start.and_time(NaiveTime::MIN),
    }
}

pub(super) fn instants(o: &Occurrence, zone: Tz) -> (DateTime<Utc>, DateTime<Utc>) {
    match *o {
        Occurrence::Timed { start, end } => (start.to_utc(), end.to_utc()),
        Occurrence::AllDay { start, end } => {
            (local_to_utc(zone, start.and_time(NaiveTime::MIN)), local_to_utc(zone, end.and_time(NaiveTime::MIN)))
        }
    }
}

fn local_zoned(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Tz>> {
    use chrono::LocalResult;
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t),
        LocalResult::Ambiguous(a, b) => Some(a.min(b)),
        // A gap: the clock skips it, so read it with the offset before the gap (RFC 5545).
        LocalResult::None => zone.from_local_datetime(&(local + chrono::Duration::hours(1))).earliest(),
    }
}

/// The instant a local wall time means in `zone` (earlier of two in the autumn overlap, shifted
/// forward in a gap), saturating at chrono's range.
pub fn local_to_utc(zone: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    local_zoned(zone, local).map_or_else(|| Utc.from_utc_datetime(&local), |t| t.to_utc())
}

/// Parses a start or end as people and API clients write it: `2026-12-05` (a date), a local
/// time `2026-12-05T19:00` (also with seconds or a space instead of `T`), or an RFC 3339
/// instant with offset (`2026-12-05T19:00:00+01:00`, converted to the wall time in `zone`).
///
/// All-day values must be dates; timed values must have a time. The error says which form is
/// expected.
pub fn parse_local(s: &str, zone: Tz, all_day: bool) -> Result<NaiveDateTime, String> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return if all_day {
            Ok(d.and_time(NaiveTime::MIN))
        } else {
            Err(format!(
                "{s:?} is a date without a time: give a time as well, e.g. {s}T19:00, or mark the event as all-day"
            ))
        };
    }
    let local = parse_timing_value(s, zone).ok_or_else(|| {
        format!(
            "{s:?} is not a date or time: write a date as 2026-12-05 or a time as 2026-12-05T19:00 (local time) or \
             2026-12-05T19:00:00+01:00"
        )
    })?;
    if all_day {
        return Err(format!("{s:?} has a time, but the event is all-day: give a date only, e.g. {}", local.date()));
    }
    Ok(local)
}

/// Parses a local or RFC 3339 date-time (not a date) into the wall time in `zone`.
pub fn parse_timing_value(s: &str, zone: Tz) -> Option<NaiveDateTime> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&zone).naive_local());
    }
    let s2 = s.replacen(' ', "T", 1);
    ["%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M", "%Y%m%dT%H%M%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&s2, f).ok())
}

/// Parses EXDATE/RDATE values: dates (`2026-12-24`, `20261224`), local times in `zone`
/// (`2026-12-24T19:00`), or instants (`2026-12-24T18:00:00Z`, with an offset, `20261224T180000Z`).
pub fn parse_date_or_time_list<S: AsRef<str>>(values: &[S], zone: Tz) -> Result<Vec<DateOrTime>, String> {
    let mut out = Vec::new();
    for v in
        values.iter().flat_map(|v| v.as_ref().split(',').map(str::trim).filter(|s| !s.is_empty()).collect::<Vec<_>>())
    {
        let parsed = NaiveDate::parse_from_str(v, "%Y-%m-%d")
            .or_else(|_| NaiveDate::parse_from_str(v, "%Y%m%d"))
            .map(DateOrTime::Date)
            .ok()
            .or_else(|| {
                NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%SZ")
                    .ok()
                    .map(|t| DateOrTime::Instant(Utc.from_utc_datetime(&t)))
            })
            .or_else(|| parse_timing_value(v, zone).map(|l| DateOrTime::Instant(local_to_utc(zone, l))));
        match parsed {
            Some(d) => out.push(d),
            None => {
                return Err(format!(
                    "{v:?} is not a date or time: write 2026-12-24 for a whole day or 2026-12-24T19:00 for one \
                     occurrence"
                ));
            }
        }
    }
    out.sort();
    out.dedup();
    Ok(out)
}

/// The storage and API form of an EXDATE/RDATE value: `2026-12-24` or `2026-12-24T18:00:00Z`.
pub fn format_date_or_time(d: &DateOrTime) -> String {
    match d {
        DateOrTime::Date(d) => d.format("%Y-%m-%d").to_string(),
        DateOrTime::Instant(t) => t.format("%Y-%m-%dT%H:%M:%SZ").to_string(),
    }
}

/// Parses an IANA zone name, with a message that says what is expected.
pub(crate) fn parse_zone(s: &str) -> Result<Tz, String> {
    Tz::from_str(s.trim())
        .map_err(|_| format!("{s:?} is not a time zone: give an IANA time zone name such as Europe/Berlin"))
}
