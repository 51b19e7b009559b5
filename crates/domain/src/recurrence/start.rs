//! When an event starts and how long each occurrence lasts.

use chrono::{DateTime, Duration, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;
use thiserror::Error;

use super::{FIRST_YEAR, LAST_YEAR};

/// The longest occurrence the calendar accepts (366 days): longer "events" are almost always a
/// typo in the end date, and the bound keeps window arithmetic far from chrono's limits.
pub const MAX_EVENT_DAYS: i64 = 366;

/// Why an event's start or length was rejected; the message says how to fix it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum StartError {
    /// The local time falls in a daylight-saving gap (e.g. 02:30 on the last Sunday of March in
    /// Europe/Berlin), so no clock in that zone ever shows it.
    #[error(
        "{local} does not exist in {zone}: the clocks skip it when daylight saving time begins; choose a time \
         outside the gap, e.g. one hour later"
    )]
    Nonexistent {
        /// The local wall time given.
        local: NaiveDateTime,
        /// The zone it was given in.
        zone: Tz,
    },
    /// The start lies outside the years the calendar supports.
    #[error("{0} is outside the supported range: events must start between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31")]
    OutOfRange(NaiveDate),
    /// The end lies before the start.
    #[error("the end ({end}) lies before the start ({start}): give an end at or after the start")]
    EndBeforeStart {
        /// The start as given.
        start: String,
        /// The end as given.
        end: String,
    },
    /// A negative length.
    #[error("an occurrence cannot last {0}: give a length of zero or more (or an end after the start)")]
    NegativeLength(Duration),
    /// An all-day event of zero days.
    #[error("an all-day event lasts at least one day: give one day or more (an end date after the start date)")]
    NoDays,
    /// The occurrence would last longer than [`MAX_EVENT_DAYS`].
    #[error("an occurrence may last at most {MAX_EVENT_DAYS} days: shorten it, or use a recurrence rule instead")]
    TooLong,
}

/// The first occurrence of an event: a local wall time in an IANA zone plus a length, or a run
/// of whole days.
///
/// Recurrence rules are expanded in the wall time of the zone (RFC 5545), so a weekly 10:00
/// event stays at 10:00 across daylight-saving changes and its UTC offset changes instead.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventStart {
    kind: Kind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Kind {
    Timed { zone: Tz, local: NaiveDateTime, duration: Duration },
    AllDay { zone: Tz, date: NaiveDate, days: u32 },
}

impl EventStart {
    /// A timed start at the local wall time `local` in `zone`, each occurrence lasting
    /// `duration` (zero for a point in time).
    ///
    /// A local time that does not exist in the zone (spring-forward gap) is rejected. A local
    /// time that exists twice (the autumn overlap, e.g. 02:30 on the last Sunday of October in
    /// Europe/Berlin) means the earlier instant, i.e. the one still in summer time.
    pub fn timed(zone: Tz, local: NaiveDateTime, duration: Duration) -> Result<Self, StartError> {
        check_year(local.date())?;
        if local_instant(zone, local).is_none() {
            return Err(StartError::Nonexistent { local, zone });
        }
        if duration < Duration::zero() {
            return Err(StartError::NegativeLength(duration));
        }
        if duration > Duration::days(MAX_EVENT_DAYS) {
            return Err(StartError::TooLong);
        }
        Ok(Self { kind: Kind::Timed { zone, local, duration } })
    }

    /// A timed start from `local_start` to `local_end`, both wall times in `zone`; the length is
    /// the exact time between the two instants (so a night across the autumn change is one hour
    /// longer), as RFC 5545 derives the length of every instance from DTSTART and DTEND.
    pub fn timed_until(zone: Tz, local_start: NaiveDateTime, local_end: NaiveDateTime) -> Result<Self, StartError> {
        check_year(local_start.date())?;
        let start = local_instant(zone, local_start).ok_or(StartError::Nonexistent { local: local_start, zone })?;
        let end = local_instant(zone, local_end).ok_or(StartError::Nonexistent { local: local_end, zone })?;
        if end < start {
            return Err(StartError::EndBeforeStart { start: local_start.to_string(), end: local_end.to_string() });
        }
        Self::timed(zone, local_start, end - start)
    }

    /// An all-day event from `date` for `days` whole days (at least one).
    ///
    /// `zone` only says which instants the days cover when a window of instants is queried
    /// (the region's zone, e.g. Europe/Berlin): the dates themselves are floating, as in RFC
    /// 5545, and are expanded without any zone.
    pub fn all_day(zone: Tz, date: NaiveDate, days: u32) -> Result<Self, StartError> {
        check_year(date)?;
        if days == 0 {
            return Err(StartError::NoDays);
        }
        if i64::from(days) > MAX_EVENT_DAYS {
            return Err(StartError::TooLong);
        }
        Ok(Self { kind: Kind::AllDay { zone, date, days } })
    }

    /// The zone the start is expressed in (for all-day events: the zone used for windows).
    pub fn zone(&self) -> Tz {
        match self.kind {
            Kind::Timed { zone, .. } | Kind::AllDay { zone, .. } => zone,
        }
    }

    /// Whether this is an all-day event.
    pub fn is_all_day(&self) -> bool {
        matches!(self.kind, Kind::AllDay { .. })
    }

    /// The local wall time of the first occurrence (midnight for an all-day event).
    pub fn local(&self) -> NaiveDateTime {
        match self.kind {
            Kind::Timed { local, .. } => local,
            Kind::AllDay { date, .. } => date.and_time(NaiveTime::MIN),
        }
    }

    /// The length of one occurrence: exact for timed events; whole days for all-day events.
    pub fn length(&self) -> Duration {
        match self.kind {
            Kind::Timed { duration, .. } => duration,
            Kind::AllDay { days, .. } => Duration::days(i64::from(days)),
        }
    }

    /// The number of days of an all-day event (`None` for a timed event).
    pub fn days(&self) -> Option<u32> {
        match self.kind {
            Kind::Timed { .. } => None,
            Kind::AllDay { days, .. } => Some(days),
        }
    }
}

fn check_year(date: NaiveDate) -> Result<(), StartError> {
    use chrono::Datelike;
    if (FIRST_YEAR..=LAST_YEAR).contains(&date.year()) { Ok(()) } else { Err(StartError::OutOfRange(date)) }
}

/// The instant a local wall time means in `zone`, or `None` when the zone skips it; of two
/// candidates (autumn overlap) the earlier.
pub(crate) fn local_instant(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Tz>> {
    match zone.from_local_datetime(&local) {
        LocalResult::Single(t) => Some(t),
        LocalResult::Ambiguous(a, b) => Some(if a <= b { a } else { b }),
        LocalResult::None => None,
    }
}

/// The instant a computed recurrence instance means: like [`local_instant`], but a local time
/// in a gap is read with the UTC offset in force before the gap, as RFC 5545 (3.3.5) requires,
/// so 02:30 on the spring-forward day in Europe/Berlin becomes 03:30+02:00. `None` only at the
/// edges of chrono's range.
pub(crate) fn resolve_instance(zone: Tz, local: NaiveDateTime) -> Option<DateTime<Tz>> {
    if let Some(t) = local_instant(zone, local) {
        return Some(t);
    }
    // A day before lies before the transition in every real zone (gaps are at most a few
    // hours, offsets at most 14 hours), and no zone changes its offset twice within a day.
    let probe = local.checked_sub_signed(Duration::days(1))?;
    let before = zone.offset_from_utc_datetime(&probe).fix();
    let utc = local.checked_sub_signed(Duration::seconds(i64::from(before.local_minus_utc())))?;
    Some(Utc.from_utc_datetime(&utc).with_timezone(&zone))
}
