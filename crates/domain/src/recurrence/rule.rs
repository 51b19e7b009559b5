//! Parsing recurrence rules (RFC 5545, 3.3.10) into a validated [`Rule`].

use std::fmt;

use chrono::{DateTime, NaiveDate, NaiveDateTime, NaiveTime, TimeZone as _, Utc, Weekday};
use thiserror::Error;

/// Why a recurrence rule was rejected; the message names the part and says what is allowed.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RuleError {
    /// The rule has no FREQ part.
    #[error(
        "the recurrence rule has no FREQ: start it with FREQ=DAILY, WEEKLY, MONTHLY or YEARLY, e.g. \"FREQ=WEEKLY;BYDAY=MO\""
    )]
    MissingFrequency,
    /// A frequency finer than daily.
    #[error(
        "FREQ={0} is not supported: the calendar repeats events daily to yearly; use FREQ=DAILY, WEEKLY, MONTHLY or \
         YEARLY (and several start times a day with BYHOUR/BYMINUTE)"
    )]
    UnsupportedFrequency(String),
    /// A part that is not `NAME=VALUE`.
    #[error("{0:?} is not a rule part: write NAME=VALUE parts separated by semicolons, e.g. \"FREQ=WEEKLY;BYDAY=MO\"")]
    Malformed(String),
    /// A part the calendar does not know (X- parts are ignored, not rejected).
    #[error(
        "{0} is not a recurrence rule part the calendar supports: use FREQ, INTERVAL, COUNT, UNTIL, BYDAY, \
         BYMONTHDAY, BYMONTH, BYYEARDAY, BYWEEKNO, BYSETPOS, BYHOUR, BYMINUTE, BYSECOND or WKST"
    )]
    UnknownPart(String),
    /// A part given twice.
    #[error("{0} is given twice: give each rule part once (a list goes in one part, e.g. BYDAY=MO,WE)")]
    Duplicate(String),
    /// A value that is not valid for its part.
    #[error("{part}={value:?} is invalid: {expected}")]
    InvalidValue {
        /// The rule part.
        part: &'static str,
        /// The value given.
        value: String,
        /// What the part accepts.
        expected: &'static str,
    },
    /// COUNT and UNTIL together.
    #[error("COUNT and UNTIL exclude each other (RFC 5545): keep only one of them")]
    CountAndUntil,
    /// A part RFC 5545 forbids with this frequency.
    #[error("{part} cannot be used with FREQ={freq} (RFC 5545): remove it or change the frequency")]
    NotWithFrequency {
        /// The rule part.
        part: &'static str,
        /// The frequency.
        freq: Frequency,
    },
    /// A numbered weekday (`1MO`, `-1FR`) where only plain weekdays are meaningful.
    #[error(
        "BYDAY={0}: a numbered weekday such as 1MO or -1FR needs FREQ=MONTHLY, or FREQ=YEARLY without BYWEEKNO \
         (RFC 5545); write the weekday without a number"
    )]
    OrdinalNotAllowed(String),
}

/// How often a rule repeats. Finer frequencies (hourly and below) are not calendar events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Frequency {
    /// FREQ=DAILY.
    Daily,
    /// FREQ=WEEKLY.
    Weekly,
    /// FREQ=MONTHLY.
    Monthly,
    /// FREQ=YEARLY.
    Yearly,
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Daily => "DAILY",
            Self::Weekly => "WEEKLY",
            Self::Monthly => "MONTHLY",
            Self::Yearly => "YEARLY",
        })
    }
}

/// The inclusive end of a rule (UNTIL), in one of the three forms RFC 5545 allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Until {
    /// A UTC instant (`20251224T230000Z`): compared with each instance's instant.
    Utc(DateTime<Utc>),
    /// A floating local time (`20251224T230000`): compared with each instance's wall time in
    /// the event's zone.
    Floating(NaiveDateTime),
    /// A date (`20251224`): every instance on or before that local date.
    Date(NaiveDate),
}

impl fmt::Display for Until {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Utc(t) => write!(f, "{}", t.format("%Y%m%dT%H%M%SZ")),
            Self::Floating(t) => write!(f, "{}", t.format("%Y%m%dT%H%M%S")),
            Self::Date(d) => write!(f, "{}", d.format("%Y%m%d")),
        }
    }
}

/// A weekday in BYDAY, optionally numbered within the month or year (`1MO`, `-1FR`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ByDay {
    /// The position within the month or year (1 = first, -1 = last), if numbered.
    pub nth: Option<i8>,
    /// The weekday.
    pub weekday: Weekday,
}

/// A parsed, validated recurrence rule (the value of an RRULE property).
///
/// Only FREQ=DAILY to YEARLY are accepted. BYHOUR, BYMINUTE and BYSECOND are accepted too (a
/// daily rule with two start times is a calendar case), and ignored for all-day events as RFC
/// 5545 requires. X- parts are ignored.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Rule {
    pub(crate) freq: Frequency,
    pub(crate) interval: u32,
    pub(crate) count: Option<u32>,
    pub(crate) until: Option<Until>,
    pub(crate) byday: Vec<ByDay>,
    pub(crate) bymonthday: Vec<i8>,
    pub(crate) bymonth: Vec<u8>,
    pub(crate) byyearday: Vec<i16>,
    pub(crate) byweekno: Vec<i8>,
    pub(crate) bysetpos: Vec<i16>,
    pub(crate) byhour: Vec<u8>,
    pub(crate) byminute: Vec<u8>,
    pub(crate) bysecond: Vec<u8>,
    pub(crate) wkst: Weekday,
}

impl Rule {
    /// Parses an RRULE value such as `FREQ=WEEKLY;BYDAY=MO,WE` (an `RRULE:` prefix is allowed).
    pub fn parse(text: &str) -> Result<Self, RuleError> {
        let text = text.trim();
        let text = match text.get(..6) {
            Some(p) if p.eq_ignore_ascii_case("RRULE:") => &text[6..],
            _ => text,
        };
        let mut seen: Vec<String> = Vec::new();
        let mut freq = None;
        let mut rule = Self {
            freq: Frequency::Daily,
            interval: 1,
            count: None,
            until: None,
            byday: Vec::new(),
            bymonthday: Vec::new(),
            bymonth: Vec::new(),
            byyearday: Vec::new(),
            byweekno: Vec::new(),
            bysetpos: Vec::new(),
            byhour: Vec::new(),
            byminute: Vec::new(),
            bysecond: Vec::new(),
            wkst: Weekday::Mon,
        };
        // A trailing semicolon is common in the wild (Google Calendar), so empty parts are skipped.
        for part in text.split(';').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').ok_or_else(|| RuleError::Malformed(part.to_owned()))?;
            let name = name.trim().to_ascii_uppercase();
            let value = value.trim();
            if name.starts_with("X-") {
                continue;
            }
            if seen.contains(&name) {
                return Err(RuleError::Duplicate(name));
            }
            seen.push(name.clone());
            match name.as_str() {
                "FREQ" => freq = Some(parse_freq(value)?),
                "INTERVAL" => {
                    rule.interval = parse_int(value, "INTERVAL", 1, i64::from(u32::MAX), "a whole number from 1")?;
                }
                "COUNT" => {
                    rule.count = Some(parse_int(value, "COUNT", 1, i64::from(u32::MAX), "a whole number from 1")?)
                }
                "UNTIL" => rule.until = Some(parse_until(value)?),
                "BYDAY" => rule.byday = parse_list(value, "BYDAY", parse_byday)?,
                "BYMONTHDAY" => {
                    rule.bymonthday = parse_list(value, "BYMONTHDAY", |v| {
                        parse_signed(v, 31).ok_or("day numbers from 1 to 31 or -31 to -1, comma-separated")
                    })?;
                }
                "BYMONTH" => {
                    rule.bymonth = parse_list(value, "BYMONTH", |v| {
                        parse_int(v, "BYMONTH", 1, 12, "").map_err(|_| "month numbers from 1 to 12, comma-separated")
                    })?;
                }
                "BYYEARDAY" => {
                    rule.byyearday = parse_list(value, "BYYEARDAY", |v| {
                        parse_signed(v, 366).ok_or("day numbers from 1 to 366 or -366 to -1, comma-separated")
                    })?;
                }
                "BYWEEKNO" => {
                    rule.byweekno = parse_list(value, "BYWEEKNO", |v| {
                        parse_signed(v, 53).ok_or("week numbers from 1 to 53 or -53 to -1, comma-separated")
                    })?;
                }
                "BYSETPOS" => {
                    rule.bysetpos = parse_list(value, "BYSETPOS", |v| {
                        parse_signed(v, 366).ok_or("positions from 1 to 366 or -366 to -1, comma-separated")
                    })?;
                }
                "BYHOUR" => rule.byhour = parse_time_list(value, "BYHOUR", 23, "hours from 0 to 23, comma-separated")?,
                "BYMINUTE" => {
                    rule.byminute = parse_time_list(value, "BYMINUTE", 59, "minutes from 0 to 59, comma-separated")?;
                }
                "BYSECOND" => {
                    rule.bysecond = parse_time_list(value, "BYSECOND", 60, "seconds from 0 to 60, comma-separated")?;
                }
                "WKST" => {
                    rule.wkst = parse_weekday(value).ok_or_else(|| RuleError::InvalidValue {
                        part: "WKST",
                        value: value.to_owned(),
                        expected: "one weekday: MO, TU, WE, TH, FR, SA or SU",
                    })?;
                }
                _ => return Err(RuleError::UnknownPart(name)),
            }
        }
        rule.freq = freq.ok_or(RuleError::MissingFrequency)?;
        rule.check()?;
        Ok(rule)
    }

    /// The restrictions of RFC 5545 that depend on several parts at once.
    fn check(&self) -> Result<(), RuleError> {
        let freq = self.freq;
        if self.count.is_some() && self.until.is_some() {
            return Err(RuleError::CountAndUntil);
        }
        if !self.byweekno.is_empty() && freq != Frequency::Yearly {
            return Err(RuleError::NotWithFrequency { part: "BYWEEKNO", freq });
        }
        if !self.byyearday.is_empty() && freq != Frequency::Yearly {
            return Err(RuleError::NotWithFrequency { part: "BYYEARDAY", freq });
        }
        if !self.bymonthday.is_empty() && freq == Frequency::Weekly {
            return Err(RuleError::NotWithFrequency { part: "BYMONTHDAY", freq });
        }
        let numbered_ok = freq == Frequency::Monthly || (freq == Frequency::Yearly && self.byweekno.is_empty());
        if let Some(d) = self.byday.iter().find(|d| d.nth.is_some())
            && !numbered_ok
        {
            return Err(RuleError::OrdinalNotAllowed(format_byday(d)));
        }
        Ok(())
    }

    /// How often the rule repeats.
    pub fn frequency(&self) -> Frequency {
        self.freq
    }

    /// Every how many periods it repeats (INTERVAL, 1 by default).
    pub fn interval(&self) -> u32 {
        self.interval
    }

    /// The number of instances (COUNT), if bounded that way.
    pub fn count(&self) -> Option<u32> {
        self.count
    }

    /// The inclusive end (UNTIL), if bounded that way.
    pub fn until(&self) -> Option<Until> {
        self.until
    }

    /// Whether the rule ends (by COUNT or UNTIL); an endless rule is fine, since every query is
    /// bounded by a window and a limit.
    pub fn is_bounded(&self) -> bool {
        self.count.is_some() || self.until.is_some()
    }
}

/// The canonical RRULE value (parts in a fixed order, X- parts dropped), for iCalendar export.
impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "FREQ={}", self.freq)?;
        if self.interval != 1 {
            write!(f, ";INTERVAL={}", self.interval)?;
        }
        if let Some(c) = self.count {
            write!(f, ";COUNT={c}")?;
        }
        if let Some(u) = self.until {
            write!(f, ";UNTIL={u}")?;
        }
        fn list<T: fmt::Display>(f: &mut fmt::Formatter<'_>, name: &str, values: &[T]) -> fmt::Result {
            if values.is_empty() {
                return Ok(());
            }
            write!(f, ";{name}=")?;
            for (i, v) in values.iter().enumerate() {
                if i > 0 {
                    f.write_str(",")?;
                }
                write!(f, "{v}")?;
            }
            Ok(())
        }
        let days: Vec<String> = self.byday.iter().map(format_byday).collect();
        list(f, "BYMONTH", &self.bymonth)?;
        list(f, "BYWEEKNO", &self.byweekno)?;
        list(f, "BYYEARDAY", &self.byyearday)?;
        list(f, "BYMONTHDAY", &self.bymonthday)?;
        list(f, "BYDAY", &days)?;
        list(f, "BYHOUR", &self.byhour)?;
        list(f, "BYMINUTE", &self.byminute)?;
        list(f, "BYSECOND", &self.bysecond)?;
        list(f, "BYSETPOS", &self.bysetpos)?;
        if self.wkst != Weekday::Mon {
            write!(f, ";WKST={}", weekday_code(self.wkst))?;
        }
        Ok(())
    }
}

fn parse_freq(value: &str) -> Result<Frequency, RuleError> {
    match value.to_ascii_uppercase().as_str() {
        "DAILY" => Ok(Frequency::Daily),
        "WEEKLY" => Ok(Frequency::Weekly),
        "MONTHLY" => Ok(Frequency::Monthly),
        "YEARLY" => Ok(Frequency::Yearly),
        "HOURLY" | "MINUTELY" | "SECONDLY" => Err(RuleError::UnsupportedFrequency(value.to_ascii_uppercase())),
        _ => Err(RuleError::InvalidValue {
            part: "FREQ",
            value: value.to_owned(),
            expected: "one of DAILY, WEEKLY, MONTHLY or YEARLY",
        }),
    }
}

fn parse_int<T: TryFrom<i64>>(
    value: &str,
    part: &'static str,
    min: i64,
    max: i64,
    expected: &'static str,
) -> Result<T, RuleError> {
    let bad = || RuleError::InvalidValue { part, value: value.to_owned(), expected };
    // `i64::from_str` accepts a leading `+`, which RFC 5545 does not allow for these parts.
    if !value.bytes().all(|b| b.is_ascii_digit()) || value.is_empty() || value.len() > 12 {
        return Err(bad());
    }
    let n: i64 = value.parse().map_err(|_| bad())?;
    if !(min..=max).contains(&n) {
        return Err(bad());
    }
    T::try_from(n).map_err(|_| bad())
}

/// A nonzero number with an optional sign whose magnitude is at most `max`.
fn parse_signed<T: TryFrom<i64>>(value: &str, max: i64) -> Option<T> {
    let digits = value.strip_prefix(['+', '-']).unwrap_or(value);
    if digits.is_empty() || digits.len() > 4 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let magnitude: i64 = digits.parse().ok()?;
    if magnitude == 0 || magnitude > max {
        return None;
    }
    T::try_from(if value.starts_with('-') { -magnitude } else { magnitude }).ok()
}

fn parse_list<T: PartialEq>(
    value: &str,
    part: &'static str,
    item: impl Fn(&str) -> Result<T, &'static str>,
) -> Result<Vec<T>, RuleError> {
    let mut out = Vec::new();
    for v in value.split(',').map(str::trim) {
        let parsed = item(v).map_err(|expected| RuleError::InvalidValue { part, value: value.to_owned(), expected })?;
        // Repeated values (BYDAY=TH,TH, seen in the wild) would otherwise count twice in BYSETPOS.
        if !out.contains(&parsed) {
            out.push(parsed);
        }
    }
    Ok(out)
}

fn parse_time_list(value: &str, part: &'static str, max: i64, expected: &'static str) -> Result<Vec<u8>, RuleError> {
    parse_list(value, part, |v| parse_int(v, part, 0, max, expected).map_err(|_| expected))
}

fn parse_byday(value: &str) -> Result<ByDay, &'static str> {
    const EXPECTED: &str = "weekdays MO, TU, WE, TH, FR, SA, SU, optionally numbered like 1MO or -1FR (1 to 53)";
    if value.len() < 2 || !value.is_char_boundary(value.len() - 2) {
        return Err(EXPECTED);
    }
    let (num, day) = value.split_at(value.len() - 2);
    let weekday = parse_weekday(day).ok_or(EXPECTED)?;
    let nth = if num.is_empty() { None } else { Some(parse_signed::<i8>(num, 53).ok_or(EXPECTED)?) };
    Ok(ByDay { nth, weekday })
}

fn parse_weekday(value: &str) -> Option<Weekday> {
    Some(match value.to_ascii_uppercase().as_str() {
        "MO" => Weekday::Mon,
        "TU" => Weekday::Tue,
        "WE" => Weekday::Wed,
        "TH" => Weekday::Thu,
        "FR" => Weekday::Fri,
        "SA" => Weekday::Sat,
        "SU" => Weekday::Sun,
        _ => return None,
    })
}

fn weekday_code(d: Weekday) -> &'static str {
    match d {
        Weekday::Mon => "MO",
        Weekday::Tue => "TU",
        Weekday::Wed => "WE",
        Weekday::Thu => "TH",
        Weekday::Fri => "FR",
        Weekday::Sat => "SA",
        Weekday::Sun => "SU",
    }
}

fn format_byday(d: &ByDay) -> String {
    match d.nth {
        Some(n) => format!("{n}{}", weekday_code(d.weekday)),
        None => weekday_code(d.weekday).to_owned(),
    }
}

fn parse_until(value: &str) -> Result<Until, RuleError> {
    let bad = || RuleError::InvalidValue {
        part: "UNTIL",
        value: value.to_owned(),
        expected: "a date (20251224), a local time (20251224T180000) or a UTC time (20251224T170000Z)",
    };
    if let Some(utc) = value.strip_suffix(['Z', 'z']) {
        let t = NaiveDateTime::parse_from_str(utc, "%Y%m%dT%H%M%S").map_err(|_| bad())?;
        return Ok(Until::Utc(Utc.from_utc_datetime(&t)));
    }
    if value.len() == 8 {
        return NaiveDate::parse_from_str(value, "%Y%m%d").map(Until::Date).map_err(|_| bad());
    }
    NaiveDateTime::parse_from_str(value, "%Y%m%dT%H%M%S").map(Until::Floating).map_err(|_| bad())
}

/// The local times of day a rule produces on each of its days, sorted: the product of BYHOUR,
/// BYMINUTE and BYSECOND, each defaulting to the start's own value.
pub(crate) fn times_of_day(rule: &Rule, start: NaiveTime) -> Vec<NaiveTime> {
    use chrono::Timelike;
    let or_start = |v: &[u8], s: u32| if v.is_empty() { vec![s] } else { v.iter().map(|&x| u32::from(x)).collect() };
    let hours = or_start(&rule.byhour, start.hour());
    let minutes = or_start(&rule.byminute, start.minute());
    let seconds = or_start(&rule.bysecond, start.second());
    let mut out = Vec::with_capacity(hours.len() * minutes.len() * seconds.len());
    for &h in &hours {
        for &m in &minutes {
            // Second 60 (a leap second) never occurs in the civil time chrono-tz computes.
            out.extend(seconds.iter().filter_map(|&s| NaiveTime::from_hms_opt(h, m, s)));
        }
    }
    out.sort_unstable();
    out.dedup();
    out
}
