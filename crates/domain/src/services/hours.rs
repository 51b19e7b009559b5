//! Structured opening hours of an office: regular weekly hours, dated exceptions (closed or
//! different hours) and the public holidays of Thuringia, combined into "what are the hours on
//! this day" and "is it open now, and if not, when does it open".
//!
//! # The text format
//!
//! Weekly hours are written one entry a line; blank lines and lines starting with `#` are
//! ignored:
//!
//! ```text
//! Mo 08:00-12:00
//! Di 08:00-12:00, 13:00-18:00
//! Mi geschlossen
//! Do-Fr 08:00-12:00
//! ```
//!
//! A line is `DAYS TIMES`:
//!
//! - `DAYS` is a day, a range `DAY-DAY` (Monday towards Sunday; `Fr-Mo` is an error) or a list of
//!   both separated by commas (`Mo-Mi,Fr`). Spaces around `,` and `-` are allowed (`Mo, Mi`), as is
//!   a colon after the days (`Mo-Fr: 8-12`). A day is German (`Mo Di Mi Do Fr Sa So`, `Montag`, …,
//!   `Sonnabend`) or English (`Mo Tu We Th Fr Sa Su`, `Mon`, …, `Monday`, …), in any case and
//!   with an optional full stop (`Mo.`); the two languages share only names that mean the same
//!   day, so no name is ambiguous.
//! - `TIMES` is `geschlossen` (or `closed`), or intervals `HH:MM-HH:MM` separated by commas. An
//!   en or em dash works like `-`, the hour may have one digit and the minutes may be left out
//!   (`8-12`), and an interval may end in `Uhr` (`8-12 Uhr`).
//!
//! Several lines for one day add up; overlapping intervals are an error, touching ones
//! (`08:00-12:00` and `12:00-14:00`) are joined. A day given both as closed and with hours is an
//! error. Days not named are closed.
//!
//! An interval ends on the day it begins, by `24:00` at the latest. [`NaiveTime`] cannot hold
//! 24:00, so it is stored as [`END_OF_DAY`], the last instant of the day, and written as `24:00`.
//!
//! An exception is one line, `DATE[..DATE] TIMES [NOTE]`:
//!
//! ```text
//! 2026-12-24 geschlossen Heiligabend
//! 2026-12-28..2026-12-30 09:00-12:00 Zwischen den Jahren
//! 2026-12-23 09:00-12:00, 13:00-15:00 verkürzt
//! ```

use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Datelike, Days, NaiveDate, NaiveDateTime, NaiveTime, Weekday};
use chrono_tz::Tz;
use thiserror::Error;

use super::holidays::{self, Holiday};

/// How many days after the given one [`OpeningHours::status_at`] looks for the next opening.
pub const LOOKAHEAD_DAYS: u64 = 60;

/// A closing time of `24:00`: the last representable instant of the day, so that every time of
/// the day lies before it.
pub const END_OF_DAY: NaiveTime = NaiveTime::from_hms_nano_opt(23, 59, 59, 999_999_999).expect("a valid time");

/// The words that mark a day as closed.
const CLOSED_WORDS: [&str; 2] = ["geschlossen", "closed"];

/// What separates the two ends of a range: the hyphen and the dashes word processors put in.
const DASHES: [char; 3] = ['-', '–', '—'];

/// Monday first, as German calendars and `chrono`'s `num_days_from_monday` have it.
const WEEK: [Weekday; 7] =
    [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri, Weekday::Sat, Weekday::Sun];

/// Writes a time as `HH:MM`, [`END_OF_DAY`] as `24:00`.
pub fn hhmm(time: &NaiveTime) -> String {
    if *time == END_OF_DAY { "24:00".to_owned() } else { time.format("%H:%M").to_string() }
}

/// The German two-letter name the canonical text uses.
fn abbr(day: &Weekday) -> &'static str {
    ["Mo", "Di", "Mi", "Do", "Fr", "Sa", "So"][day.num_days_from_monday() as usize]
}

/// One opening interval within a day: open from `open` (inclusive) to `close` (exclusive).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Interval {
    /// Opening time.
    pub open: NaiveTime,
    /// Closing time, after `open` on the same day; [`END_OF_DAY`] stands for 24:00.
    pub close: NaiveTime,
}

impl Interval {
    /// An interval, if `close` is after `open` and `open` is not [`END_OF_DAY`].
    pub fn new(open: NaiveTime, close: NaiveTime) -> Option<Self> {
        (open < close && open != END_OF_DAY).then_some(Self { open, close })
    }

    /// Whether the office is open at this time of day.
    pub fn contains(&self, time: NaiveTime) -> bool {
        self.open <= time && time < self.close
    }

    fn overlaps(&self, other: &Self) -> bool {
        self.open < other.close && other.open < self.close
    }

    /// The smallest interval covering both (the suggestion when two overlap).
    fn hull(&self, other: &Self) -> Self {
        Self { open: self.open.min(other.open), close: self.close.max(other.close) }
    }
}

impl fmt::Display for Interval {
    /// `08:00-12:00`, the format the parsers read.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", hhmm(&self.open), hhmm(&self.close))
    }
}

/// What is wrong with a line of opening hours; the message says how to write it instead.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum HoursProblem {
    /// A time that is not `HH:MM` between 00:00 and 24:00.
    #[error("{0} is not a time of day (write HH:MM between 00:00 and 24:00)")]
    BadTime(String),
    /// An interval beginning at 24:00.
    #[error("an interval cannot begin at 24:00 (write 00:00 for the start of a day)")]
    OpensAtEndOfDay,
    /// Something where an interval was expected.
    #[error("{0:?} is not an interval (write HH:MM-HH:MM, e.g. 08:00-12:00)")]
    BadInterval(String),
    /// An interval that does not end after it begins.
    #[error(
        "{}-{} does not end after it begins (write the opening time first, e.g. 08:00-12:00; an interval ends by 24:00)",
        hhmm(.open), hhmm(.close)
    )]
    BackwardsInterval {
        /// The time written first.
        open: NaiveTime,
        /// The time written second.
        close: NaiveTime,
    },
    /// An unknown day name.
    #[error(
        "{0:?} is not a day of the week (write Mo, Di, Mi, Do, Fr, Sa or So, a range such as Mo-Fr or a list such as Mo,Mi)"
    )]
    BadDay(String),
    /// A range of days running backwards.
    #[error(
        "{}-{} runs backwards (write ranges from Monday towards Sunday, e.g. Mo-Fr, and list days across the weekend, e.g. Sa,So,Mo)",
        abbr(.from), abbr(.to)
    )]
    BackwardsDays {
        /// The day written first.
        from: Weekday,
        /// The day written second.
        to: Weekday,
    },
    /// A line that begins with the hours.
    #[error("the days are missing (write them first, e.g. Mo-Fr 08:00-12:00)")]
    MissingDays,
    /// A line without hours.
    #[error("the hours are missing (write intervals such as 08:00-12:00, 13:00-18:00 or the word geschlossen)")]
    MissingHours,
    /// Text after the hours of a weekly line.
    #[error(
        "{0:?} is not part of the hours (write intervals separated by commas, e.g. 08:00-12:00, 13:00-18:00, or geschlossen alone)"
    )]
    Trailing(String),
    /// Two intervals of one day overlap.
    #[error(
        "{interval} overlaps {other}{} (write each opening time once, e.g. {})",
        earlier_text(.earlier), hull_text(.interval, .other)
    )]
    Overlap {
        /// The interval written later.
        interval: Interval,
        /// The interval it overlaps.
        other: Interval,
        /// Where `other` was written, if on an earlier line, and the day they share.
        earlier: Option<(usize, Weekday)>,
    },
    /// A day given both as closed and with hours.
    #[error("{} is both closed and open, here and in line {other_line} (keep one of the two)", abbr(.day))]
    ClosedConflict {
        /// The day.
        day: Weekday,
        /// The other line naming it.
        other_line: usize,
    },
    /// A date that is not `YYYY-MM-DD`.
    #[error("{0:?} is not a date (write YYYY-MM-DD, e.g. 2026-12-24, or a range such as 2026-12-28..2026-12-30)")]
    BadDate(String),
    /// A range of dates ending before it begins.
    #[error("{from}..{to} ends before it begins (write the earlier date first, e.g. 2026-12-28..2026-12-30)")]
    BackwardsDates {
        /// The date written first.
        from: NaiveDate,
        /// The date written second.
        to: NaiveDate,
    },
}

fn hull_text(interval: &Interval, other: &Interval) -> String {
    interval.hull(other).to_string()
}

fn earlier_text(earlier: &Option<(usize, Weekday)>) -> String {
    earlier.map(|(line, day)| format!(" of line {line} on {}", abbr(&day))).unwrap_or_default()
}

impl HoursProblem {
    /// A stable code for the kind of problem, to translate the message by.
    pub fn code(&self) -> &'static str {
        match self {
            Self::BadTime(_) | Self::OpensAtEndOfDay => "hours-bad-time",
            Self::BadInterval(_) => "hours-bad-interval",
            Self::BackwardsInterval { .. } | Self::BackwardsDays { .. } | Self::BackwardsDates { .. } => {
                "hours-bad-range"
            }
            Self::BadDay(_) | Self::MissingDays => "hours-bad-day",
            Self::MissingHours => "hours-missing-hours",
            Self::Trailing(_) => "hours-trailing-text",
            Self::Overlap { .. } => "hours-overlap",
            Self::ClosedConflict { .. } => "hours-closed-conflict",
            Self::BadDate(_) => "hours-bad-date",
        }
    }
}

/// A line of opening hours that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("line {line} {text:?}: {problem}")]
pub struct HoursError {
    /// The line number, from 1 (always 1 for [`HoursException::parse`]).
    pub line: usize,
    /// The line, trimmed.
    pub text: String,
    /// What is wrong with it.
    pub problem: HoursProblem,
}

impl HoursError {
    /// A stable code for the kind of problem (`hours-bad-time`, `hours-overlap`, …).
    pub fn code(&self) -> &'static str {
        self.problem.code()
    }
}

/// Regular weekly hours: sorted, non-overlapping intervals for each day, Monday first. The
/// default is closed all week.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct WeeklyHours {
    days: [Vec<Interval>; 7],
}

impl WeeklyHours {
    /// Reads the text format described in the [module documentation](self).
    pub fn parse(text: &str) -> Result<Self, HoursError> {
        // Each interval remembers its line, for the overlap message.
        let mut days: [Vec<(Interval, usize)>; 7] = Default::default();
        let mut closed_in: [Option<usize>; 7] = [None; 7];
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let number = index + 1;
            let fail = |problem| HoursError { line: number, text: line.to_owned(), problem };
            let (days_text, times_text) = split_days(line);
            let named = parse_days(days_text).map_err(fail)?;
            if times_text.is_empty() {
                return Err(fail(HoursProblem::MissingHours));
            }
            let (times, rest) = read_times(times_text).map_err(fail)?;
            if !rest.trim().is_empty() {
                return Err(fail(HoursProblem::Trailing(rest.trim().to_owned())));
            }
            for day in named {
                let i = day.num_days_from_monday() as usize;
                match &times {
                    Times::Closed => {
                        if let Some((_, other_line)) = days[i].first() {
                            return Err(fail(HoursProblem::ClosedConflict { day, other_line: *other_line }));
                        }
                        closed_in[i] = Some(number);
                    }
                    Times::Open(intervals) => {
                        if let Some(other_line) = closed_in[i] {
                            return Err(fail(HoursProblem::ClosedConflict { day, other_line }));
                        }
                        for interval in intervals {
                            if let Some((other, other_line)) = days[i].iter().find(|(o, _)| o.overlaps(interval)) {
                                let earlier = Some((*other_line, day));
                                return Err(fail(HoursProblem::Overlap {
                                    interval: *interval,
                                    other: *other,
                                    earlier,
                                }));
                            }
                        }
                        days[i].extend(intervals.iter().map(|iv| (*iv, number)));
                    }
                }
            }
        }
        Ok(Self { days: days.map(|day| normalise(day.into_iter().map(|(iv, _)| iv).collect())) })
    }

    /// The canonical text: one line per run of consecutive days with the same hours
    /// (`Mo-Fr 08:00-12:00`), closed days left out; a week without any hours is
    /// `Mo-So geschlossen`. [`WeeklyHours::parse`] reads it back to the same value.
    pub fn to_text(&self) -> String {
        let mut lines = Vec::new();
        let mut start = 0;
        while start < 7 {
            let mut end = start;
            while end + 1 < 7 && self.days[end + 1] == self.days[start] {
                end += 1;
            }
            if !self.days[start].is_empty() {
                let days = if start == end {
                    abbr(&WEEK[start]).to_owned()
                } else {
                    format!("{}-{}", abbr(&WEEK[start]), abbr(&WEEK[end]))
                };
                lines.push(format!("{days} {}", intervals_text(&self.days[start])));
            }
            start = end + 1;
        }
        if lines.is_empty() { "Mo-So geschlossen".to_owned() } else { lines.join("\n") }
    }

    /// The intervals of a weekday, sorted; empty when closed.
    pub fn day(&self, day: Weekday) -> &[Interval] {
        &self.days[day.num_days_from_monday() as usize]
    }

    /// Whether no day has any hours.
    pub fn is_always_closed(&self) -> bool {
        self.days.iter().all(Vec::is_empty)
    }
}

impl FromStr for WeeklyHours {
    type Err = HoursError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl fmt::Display for WeeklyHours {
    /// The canonical text of [`WeeklyHours::to_text`].
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

/// What an exception does to its days.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ExceptionKind {
    /// Closed all day.
    Closed,
    /// Open at these hours instead of the regular ones (sorted, non-overlapping).
    Hours(Vec<Interval>),
}

/// Different hours on a date or a range of dates (Heiligabend, "zwischen den Jahren", a works
/// outing), with a note for the public.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoursException {
    /// The first day.
    pub from: NaiveDate,
    /// The last day, inclusive; equal to `from` for a single day.
    pub to: NaiveDate,
    /// Closed, or which hours instead.
    pub kind: ExceptionKind,
    /// Why, for the public ("Heiligabend"); may be empty.
    pub note: String,
}

impl HoursException {
    /// Reads one exception, `DATE[..DATE] TIMES [NOTE]` (see the [module documentation](self));
    /// errors report line 1.
    pub fn parse(line: &str) -> Result<Self, HoursError> {
        let text = line.trim();
        Self::parse_trimmed(text).map_err(|problem| HoursError { line: 1, text: text.to_owned(), problem })
    }

    /// Reads one exception a line; blank lines and lines starting with `#` are ignored.
    pub fn parse_list(text: &str) -> Result<Vec<Self>, HoursError> {
        let mut list = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let line = raw.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let exception = Self::parse_trimmed(line).map_err(|problem| HoursError {
                line: index + 1,
                text: line.to_owned(),
                problem,
            })?;
            list.push(exception);
        }
        Ok(list)
    }

    fn parse_trimmed(text: &str) -> Result<Self, HoursProblem> {
        let (dates, rest) = text.split_once(char::is_whitespace).unwrap_or((text, ""));
        let (from, to) = match dates.split_once("..") {
            Some((from, to)) => (parse_date(from)?, parse_date(to)?),
            None => {
                let day = parse_date(dates)?;
                (day, day)
            }
        };
        if to < from {
            return Err(HoursProblem::BackwardsDates { from, to });
        }
        let (times, note) = read_times(rest)?;
        let kind = match times {
            Times::Closed => ExceptionKind::Closed,
            Times::Open(intervals) => ExceptionKind::Hours(normalise(intervals)),
        };
        Ok(Self { from, to, kind, note: note.trim().to_owned() })
    }

    /// The line [`HoursException::parse`] reads back to the same value — unless the note begins
    /// with a comma or the word "Uhr", which the parser would take for part of the hours.
    pub fn to_text(&self) -> String {
        let mut text = if self.from == self.to { self.from.to_string() } else { format!("{}..{}", self.from, self.to) };
        text.push(' ');
        match &self.kind {
            ExceptionKind::Closed => text.push_str(CLOSED_WORDS[0]),
            ExceptionKind::Hours(intervals) => text.push_str(&intervals_text(intervals)),
        }
        if !self.note.is_empty() {
            text.push(' ');
            text.push_str(&self.note);
        }
        text
    }

    /// Whether the exception applies on a day.
    pub fn covers(&self, date: NaiveDate) -> bool {
        self.from <= date && date <= self.to
    }

    /// How many days it covers (at least 1).
    fn len_days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }
}

/// The hours of one day and why they are what they are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DayHours {
    /// When the office is open, sorted; empty when closed.
    pub intervals: Vec<Interval>,
    /// Where the hours come from.
    pub reason: DayReason,
}

impl DayHours {
    /// Whether the office is closed all day.
    pub fn is_closed(&self) -> bool {
        self.intervals.is_empty()
    }
}

/// Where the hours of a day come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DayReason {
    /// The regular weekly hours.
    Regular,
    /// A public holiday: closed, or the regular hours for an office open on holidays.
    Holiday(Holiday),
    /// An exception, with its note.
    Exception(String),
}

/// Whether an office is open at a moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenStatus {
    /// Open now.
    Open {
        /// When the current interval ends (local time; [`END_OF_DAY`] for 24:00).
        until: NaiveTime,
    },
    /// Closed now.
    Closed {
        /// The next opening (local time) within [`LOOKAHEAD_DAYS`], if any.
        opens: Option<NaiveDateTime>,
    },
}

/// Everything that decides when an office is open.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OpeningHours {
    /// The regular hours.
    pub weekly: WeeklyHours,
    /// Dated exceptions; where several cover a day the shortest wins, then the first listed.
    pub exceptions: Vec<HoursException>,
    /// Whether the office keeps its regular hours on public holidays (most are closed).
    pub open_on_holidays: bool,
}

impl OpeningHours {
    /// The hours on a day: an exception wins over a holiday, a holiday over the weekly hours.
    pub fn on(&self, date: NaiveDate) -> DayHours {
        // The shortest exception is the most specific: a closed Heiligabend inside a week of
        // shorter hours.
        if let Some(exception) = self.exceptions.iter().filter(|e| e.covers(date)).min_by_key(|e| e.len_days()) {
            let intervals = match &exception.kind {
                ExceptionKind::Closed => Vec::new(),
                ExceptionKind::Hours(intervals) => intervals.clone(),
            };
            return DayHours { intervals, reason: DayReason::Exception(exception.note.clone()) };
        }
        let regular = || self.weekly.day(date.weekday()).to_vec();
        match holidays::holiday_on(date) {
            Some(holiday) => DayHours {
                intervals: if self.open_on_holidays { regular() } else { Vec::new() },
                reason: DayReason::Holiday(holiday),
            },
            None => DayHours { intervals: regular(), reason: DayReason::Regular },
        }
    }

    /// Whether the office is open at a moment, and until when or from when, in the zone of `at`.
    ///
    /// The hours are wall-clock times, so this compares the local time of `at` with them. On the
    /// night clocks change the local time jumps or repeats between 02:00 and 03:00, when no
    /// office is open; that is why nothing here needs to know about the transition.
    pub fn status_at(&self, at: DateTime<Tz>) -> OpenStatus {
        let local = at.naive_local();
        let (date, time) = (local.date(), local.time());
        let today = self.on(date);
        if let Some(current) = today.intervals.iter().find(|iv| iv.contains(time)) {
            return OpenStatus::Open { until: current.close };
        }
        if let Some(later) = today.intervals.iter().find(|iv| iv.open > time) {
            return OpenStatus::Closed { opens: Some(date.and_time(later.open)) };
        }
        let opens = (1..=LOOKAHEAD_DAYS)
            .map_while(|n| date.checked_add_days(Days::new(n)))
            .find_map(|day| self.on(day).intervals.first().map(|iv| day.and_time(iv.open)));
        OpenStatus::Closed { opens }
    }

    /// Seven days from `date` on, for display.
    pub fn week_from(&self, date: NaiveDate) -> Vec<(NaiveDate, DayHours)> {
        (0..7).map_while(|n| date.checked_add_days(Days::new(n))).map(|day| (day, self.on(day))).collect()
    }
}

/// Parsed `TIMES`.
enum Times {
    Closed,
    /// In the order written.
    Open(Vec<Interval>),
}

/// Splits a weekly line where the hours begin: at the first digit (day names have none) or at
/// the closed word.
fn split_days(line: &str) -> (&str, &str) {
    let at = line
        .char_indices()
        .find(|&(i, c)| c.is_ascii_digit() || (starts_word(line, i) && closed_word(&line[i..]).is_some()))
        .map_or(line.len(), |(i, _)| i);
    let days = line[..at].trim_end();
    (days.strip_suffix(':').unwrap_or(days).trim_end(), &line[at..])
}

fn starts_word(line: &str, i: usize) -> bool {
    line[..i].chars().next_back().is_none_or(|c| c.is_whitespace() || c == ',' || c == ':')
}

/// If `s` begins with a closed word (as a whole word), the text after it.
fn closed_word(s: &str) -> Option<&str> {
    CLOSED_WORDS.iter().find_map(|word| {
        let head = s.get(..word.len())?;
        let rest = &s[word.len()..];
        (head.eq_ignore_ascii_case(word) && !rest.starts_with(char::is_alphanumeric)).then_some(rest)
    })
}

/// `DAY`, `DAY-DAY` or a comma list of both; the days in week order, each once.
fn parse_days(text: &str) -> Result<Vec<Weekday>, HoursProblem> {
    if text.is_empty() {
        return Err(HoursProblem::MissingDays);
    }
    let mut named = [false; 7];
    for item in text.split(',') {
        let item = item.trim();
        if item.is_empty() {
            return Err(HoursProblem::BadDay(text.to_owned()));
        }
        let (from, to) = match item.split_once(DASHES) {
            Some((from, to)) => (day_name(from.trim())?, day_name(to.trim())?),
            None => {
                let day = day_name(item)?;
                (day, day)
            }
        };
        let (first, last) = (from.num_days_from_monday() as usize, to.num_days_from_monday() as usize);
        if last < first {
            return Err(HoursProblem::BackwardsDays { from, to });
        }
        named[first..=last].fill(true);
    }
    Ok(WEEK.into_iter().filter(|d| named[d.num_days_from_monday() as usize]).collect())
}

fn day_name(name: &str) -> Result<Weekday, HoursProblem> {
    let key = name.strip_suffix('.').unwrap_or(name).to_lowercase();
    let day = match key.as_str() {
        "mo" | "mon" | "montag" | "monday" => Weekday::Mon,
        "di" | "dienstag" | "tu" | "tue" | "tues" | "tuesday" => Weekday::Tue,
        "mi" | "mittwoch" | "we" | "wed" | "wednesday" => Weekday::Wed,
        "do" | "donnerstag" | "th" | "thu" | "thur" | "thurs" | "thursday" => Weekday::Thu,
        "fr" | "freitag" | "fri" | "friday" => Weekday::Fri,
        "sa" | "samstag" | "sonnabend" | "sat" | "saturday" => Weekday::Sat,
        "so" | "sonntag" | "su" | "sun" | "sunday" => Weekday::Sun,
        _ => return Err(HoursProblem::BadDay(name.to_owned())),
    };
    Ok(day)
}

/// Reads `geschlossen` or comma-separated intervals from the start of `s`; returns them and the
/// text after them.
fn read_times(s: &str) -> Result<(Times, &str), HoursProblem> {
    let s = s.trim_start();
    if let Some(rest) = closed_word(s) {
        return Ok((Times::Closed, rest));
    }
    if !s.starts_with(|c: char| c.is_ascii_digit()) {
        return Err(HoursProblem::MissingHours);
    }
    let mut intervals: Vec<Interval> = Vec::new();
    let mut rest = s;
    loop {
        let (interval, after) = read_interval(rest)?;
        if let Some(other) = intervals.iter().find(|o| o.overlaps(&interval)) {
            return Err(HoursProblem::Overlap { interval, other: *other, earlier: None });
        }
        intervals.push(interval);
        match after.trim_start().strip_prefix(',') {
            Some(next) => rest = next.trim_start(),
            None => return Ok((Times::Open(intervals), after)),
        }
    }
}

/// Reads `H[H][:MM]-H[H][:MM][ Uhr]` from the start of `s`.
fn read_interval(s: &str) -> Result<(Interval, &str), HoursProblem> {
    let item = || HoursProblem::BadInterval(s.split(',').next().unwrap_or(s).trim().to_owned());
    let (open, after) = time_token(s);
    let after = after.trim_start().strip_prefix(DASHES).ok_or_else(item)?;
    let (close, after) = time_token(after.trim_start());
    if open.is_empty() || close.is_empty() {
        return Err(item());
    }
    let (open, close) = (parse_time(open)?, parse_time(close)?);
    let after = strip_uhr(after);
    if !(after.is_empty() || after.starts_with(|c: char| c.is_whitespace() || c == ',')) {
        return Err(item());
    }
    if open == END_OF_DAY {
        return Err(HoursProblem::OpensAtEndOfDay);
    }
    let interval = Interval::new(open, close).ok_or(HoursProblem::BackwardsInterval { open, close })?;
    Ok((interval, after))
}

/// The leading run of characters a time may be made of (and `.`, so `8.30` is reported as one
/// bad time).
fn time_token(s: &str) -> (&str, &str) {
    let end = s.find(|c: char| !(c.is_ascii_digit() || c == ':' || c == '.')).unwrap_or(s.len());
    s.split_at(end)
}

fn strip_uhr(s: &str) -> &str {
    let trimmed = s.trim_start();
    match trimmed.get(..3) {
        Some(word) if word.eq_ignore_ascii_case("uhr") && !trimmed[3..].starts_with(char::is_alphanumeric) => {
            &trimmed[3..]
        }
        _ => s,
    }
}

/// `H`, `HH`, `H:MM` or `HH:MM` from 00:00 to 24:00.
fn parse_time(token: &str) -> Result<NaiveTime, HoursProblem> {
    let bad = || HoursProblem::BadTime(token.to_owned());
    let digits =
        |s: &str, len: std::ops::RangeInclusive<usize>| len.contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    let (hour, minute) = token.split_once(':').unwrap_or((token, "00"));
    if !digits(hour, 1..=2) || !digits(minute, 2..=2) {
        return Err(bad());
    }
    let (hour, minute): (u32, u32) = (hour.parse().map_err(|_| bad())?, minute.parse().map_err(|_| bad())?);
    if (hour, minute) == (24, 0) {
        return Ok(END_OF_DAY);
    }
    NaiveTime::from_hms_opt(hour, minute, 0).ok_or_else(bad)
}

/// `YYYY-MM-DD`, strictly: four, two and two digits.
fn parse_date(s: &str) -> Result<NaiveDate, HoursProblem> {
    let bad = || HoursProblem::BadDate(s.to_owned());
    let shape = s.len() == 10
        && s.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() });
    if !shape {
        return Err(bad());
    }
    let number = |range: std::ops::Range<usize>| s[range].parse::<u32>().map_err(|_| bad());
    let year = i32::try_from(number(0..4)?).map_err(|_| bad())?;
    NaiveDate::from_ymd_opt(year, number(5..7)?, number(8..10)?).ok_or_else(bad)
}

/// Sorts non-overlapping intervals and joins those that touch.
fn normalise(mut intervals: Vec<Interval>) -> Vec<Interval> {
    intervals.sort();
    let mut joined: Vec<Interval> = Vec::with_capacity(intervals.len());
    for interval in intervals {
        match joined.last_mut() {
            Some(last) if last.close == interval.open => last.close = interval.close,
            _ => joined.push(interval),
        }
    }
    joined
}

fn intervals_text(intervals: &[Interval]) -> String {
    intervals.iter().map(Interval::to_string).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use chrono_tz::Europe::Berlin;

    use super::*;

    const SAMPLE: &str = "Mo 08:00-12:00\nDi 08:00-12:00, 13:00-18:00\nMi geschlossen\nDo-Fr 08:00-12:00\n";

    /// Mo–Fr 08:00–12:00, Di and Do also 13:00–18:00.
    const OFFICE: &str = "Mo-Fr 08:00-12:00\nDi, Do 13:00-18:00";

    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    fn iv(open: (u32, u32), close: (u32, u32)) -> Interval {
        Interval::new(t(open.0, open.1), t(close.0, close.1)).unwrap()
    }

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    fn berlin(y: i32, m: u32, day: u32, h: u32, min: u32) -> DateTime<Tz> {
        Berlin.with_ymd_and_hms(y, m, day, h, min, 0).unwrap()
    }

    fn at(date: NaiveDate, h: u32, m: u32) -> Option<NaiveDateTime> {
        Some(date.and_time(t(h, m)))
    }

    fn office() -> OpeningHours {
        OpeningHours { weekly: WeeklyHours::parse(OFFICE).unwrap(), ..OpeningHours::default() }
    }

    fn error(text: &str) -> String {
        WeeklyHours::parse(text).unwrap_err().to_string()
    }

    #[test]
    fn parses_the_sample() {
        let week = WeeklyHours::parse(SAMPLE).unwrap();
        assert_eq!(week.day(Weekday::Mon), [iv((8, 0), (12, 0))]);
        assert_eq!(week.day(Weekday::Tue), [iv((8, 0), (12, 0)), iv((13, 0), (18, 0))]);
        assert!(week.day(Weekday::Wed).is_empty());
        assert_eq!(week.day(Weekday::Thu), [iv((8, 0), (12, 0))]);
        assert_eq!(week.day(Weekday::Fri), [iv((8, 0), (12, 0))]);
        assert!(week.day(Weekday::Sat).is_empty());
        assert!(week.day(Weekday::Sun).is_empty());
        assert!(!week.is_always_closed());
    }

    #[test]
    fn canonical_text_round_trips() {
        let week = WeeklyHours::parse(SAMPLE).unwrap();
        let text = week.to_text();
        assert_eq!(text, "Mo 08:00-12:00\nDi 08:00-12:00, 13:00-18:00\nDo-Fr 08:00-12:00");
        assert_eq!(WeeklyHours::parse(&text).unwrap(), week);

        let office = WeeklyHours::parse(OFFICE).unwrap();
        assert_eq!(
            office.to_text(),
            "Mo 08:00-12:00\nDi 08:00-12:00, 13:00-18:00\nMi 08:00-12:00\nDo 08:00-12:00, 13:00-18:00\nFr 08:00-12:00"
        );
        assert_eq!(office.to_string().parse::<WeeklyHours>().unwrap(), office);

        let all_week = WeeklyHours::parse("Mo-So 00:00-24:00").unwrap();
        assert_eq!(all_week.to_text(), "Mo-So 00:00-24:00");
        assert_eq!(WeeklyHours::parse(&all_week.to_text()).unwrap(), all_week);
    }

    #[test]
    fn an_empty_week_is_closed_and_round_trips() {
        let week = WeeklyHours::parse("# nothing yet\n\n").unwrap();
        assert_eq!(week, WeeklyHours::default());
        assert!(week.is_always_closed());
        assert_eq!(week.to_text(), "Mo-So geschlossen");
        assert_eq!(WeeklyHours::parse(&week.to_text()).unwrap(), week);
    }

    #[test]
    fn lenient_spellings() {
        let expected = WeeklyHours::parse("Mo-Fr 08:00-12:00\nMo,Mi 13:30-16:00").unwrap();
        for text in [
            "mo–fr 8-12\nMO, MI 13:30 – 16:00",
            "Mon-Fri 8:00-12:00 Uhr\nMonday,Wednesday 13:30-16:00 Uhr",
            "Mo.-Fr.: 08:00-12:00\nMontag, Mittwoch: 13:30-16:00",
            "Mo-Di 08:00-10:00\nMi-Fr 08:00-12:00\nMo-Di 10:00-12:00\nMo,Mi 13:30-14:00, 14:00-16:00",
            "Mo,Tu,We,Th,Fr 08:00-12:00\nMo 13:30-16:00\nWe 13:30-16:00",
        ] {
            assert_eq!(WeeklyHours::parse(text).unwrap(), expected, "{text}");
        }
        let weekend = WeeklyHours::parse("Sa,So,Mo 10-14\nSonnabend 14-15\nSu 15-16").unwrap();
        assert_eq!(weekend.day(Weekday::Sat), [iv((10, 0), (15, 0))]);
        assert_eq!(weekend.day(Weekday::Sun), [iv((10, 0), (14, 0)), iv((15, 0), (16, 0))]);
        assert_eq!(weekend.day(Weekday::Mon), [iv((10, 0), (14, 0))]);
        assert_eq!(WeeklyHours::parse("Fr closed\nSa CLOSED\nDo Geschlossen").unwrap(), WeeklyHours::default());
    }

    #[test]
    fn error_messages_say_where_and_how() {
        assert_eq!(
            error("Mo 08:00-12:00\nDi 08:00-25:00"),
            r#"line 2 "Di 08:00-25:00": 25:00 is not a time of day (write HH:MM between 00:00 and 24:00)"#
        );
        assert_eq!(
            error("Mo 08:00-12:00\n\nMo 11:00-14:00"),
            r#"line 3 "Mo 11:00-14:00": 11:00-14:00 overlaps 08:00-12:00 of line 1 on Mo (write each opening time once, e.g. 08:00-14:00)"#
        );
        assert_eq!(
            error("Mo 08:00-12:00, 09:00-10:00"),
            r#"line 1 "Mo 08:00-12:00, 09:00-10:00": 09:00-10:00 overlaps 08:00-12:00 (write each opening time once, e.g. 08:00-12:00)"#
        );
        assert_eq!(
            error("Mx 08:00-12:00"),
            r#"line 1 "Mx 08:00-12:00": "Mx" is not a day of the week (write Mo, Di, Mi, Do, Fr, Sa or So, a range such as Mo-Fr or a list such as Mo,Mi)"#
        );
        assert_eq!(
            error("Mo 12:00-08:00"),
            r#"line 1 "Mo 12:00-08:00": 12:00-08:00 does not end after it begins (write the opening time first, e.g. 08:00-12:00; an interval ends by 24:00)"#
        );
        assert_eq!(
            error("Mi geschlossen\nMo-Fr 8-12"),
            r#"line 2 "Mo-Fr 8-12": Mi is both closed and open, here and in line 1 (keep one of the two)"#
        );
        assert_eq!(
            error("Fr-Mo 8-12"),
            r#"line 1 "Fr-Mo 8-12": Fr-Mo runs backwards (write ranges from Monday towards Sunday, e.g. Mo-Fr, and list days across the weekend, e.g. Sa,So,Mo)"#
        );
    }

    #[test]
    fn error_codes() {
        let code = |text: &str| WeeklyHours::parse(text).unwrap_err().code();
        assert_eq!(code("Di 08:00-25:00"), "hours-bad-time");
        assert_eq!(code("Di 8.30-12"), "hours-bad-time");
        assert_eq!(code("Di 8:5-12"), "hours-bad-time");
        assert_eq!(code("Di 24:00-24:00"), "hours-bad-time");
        assert_eq!(code("Di 8 bis 12"), "hours-bad-interval");
        assert_eq!(code("Di 8-12-14"), "hours-bad-interval");
        assert_eq!(code("Di 8-12, Mittag"), "hours-bad-interval");
        assert_eq!(code("Di 12-12"), "hours-bad-range");
        assert_eq!(code("So-Mo 8-12"), "hours-bad-range");
        assert_eq!(code("Dienstags 8-12"), "hours-bad-day");
        assert_eq!(code("Mo,,Di 8-12"), "hours-bad-day");
        assert_eq!(code("08:00-12:00"), "hours-bad-day");
        assert_eq!(code("Mo"), "hours-missing-hours");
        assert_eq!(code("Mo geschlossen, 8-12"), "hours-trailing-text");
        assert_eq!(code("Mo 8-12 # Kommentar"), "hours-trailing-text");
        assert_eq!(code("Mo 8-12\nMo-Fr 11-13"), "hours-overlap");
        assert_eq!(code("Mo 8-12\nMo closed"), "hours-closed-conflict");
        assert_eq!(HoursException::parse("2026-02-30 geschlossen").unwrap_err().code(), "hours-bad-date");
    }

    #[test]
    fn midnight_and_24_00() {
        let week = WeeklyHours::parse("Sa 20:00-24:00\nSo 0-2").unwrap();
        assert_eq!(week.day(Weekday::Sat), [Interval { open: t(20, 0), close: END_OF_DAY }]);
        assert_eq!(week.day(Weekday::Sun), [iv((0, 0), (2, 0))]);
        assert!(week.day(Weekday::Sat)[0].contains(NaiveTime::from_hms_opt(23, 59, 59).unwrap()));
        assert_eq!(week.to_text(), "Sa 20:00-24:00\nSo 00:00-02:00");
        assert_eq!(Interval::new(END_OF_DAY, END_OF_DAY), None);
        assert_eq!(hhmm(&END_OF_DAY), "24:00");
    }

    #[test]
    fn exceptions_parse_and_round_trip() {
        let cases = [
            (
                "2026-12-24 geschlossen Heiligabend",
                d(2026, 12, 24),
                d(2026, 12, 24),
                ExceptionKind::Closed,
                "Heiligabend",
            ),
            (
                "2026-12-28..2026-12-30 09:00-12:00 Zwischen den Jahren",
                d(2026, 12, 28),
                d(2026, 12, 30),
                ExceptionKind::Hours(vec![iv((9, 0), (12, 0))]),
                "Zwischen den Jahren",
            ),
            (
                "2026-12-23 09:00-12:00, 13:00-15:00 verkürzt",
                d(2026, 12, 23),
                d(2026, 12, 23),
                ExceptionKind::Hours(vec![iv((9, 0), (12, 0)), iv((13, 0), (15, 0))]),
                "verkürzt",
            ),
            (
                "2026-06-05 09:00-11:00",
                d(2026, 6, 5),
                d(2026, 6, 5),
                ExceptionKind::Hours(vec![iv((9, 0), (11, 0))]),
                "",
            ),
            ("2026-07-01..2026-07-03 closed", d(2026, 7, 1), d(2026, 7, 3), ExceptionKind::Closed, ""),
        ];
        for (text, from, to, kind, note) in cases {
            let exception = HoursException::parse(text).unwrap();
            assert_eq!(exception, HoursException { from, to, kind, note: note.to_owned() }, "{text}");
            let written = exception.to_text();
            assert_eq!(HoursException::parse(&written).unwrap(), exception, "{written}");
        }
        assert_eq!(
            HoursException::parse("2026-07-01..2026-07-03 closed").unwrap().to_text(),
            "2026-07-01..2026-07-03 geschlossen"
        );
        // Spelled loosely, written canonically.
        let loose = HoursException::parse("  2026-12-23 9 – 12 Uhr , 13-15 Uhr verkürzt, wegen Feier ").unwrap();
        assert_eq!(loose.to_text(), "2026-12-23 09:00-12:00, 13:00-15:00 verkürzt, wegen Feier");
        // A note may begin with a digit once the hours are over.
        assert_eq!(HoursException::parse("2026-12-23 9-12 2 Mitarbeiter krank").unwrap().note, "2 Mitarbeiter krank");
    }

    #[test]
    fn exception_errors() {
        let message = |text: &str| HoursException::parse(text).unwrap_err().to_string();
        assert_eq!(
            message("24.12.2026 geschlossen"),
            r#"line 1 "24.12.2026 geschlossen": "24.12.2026" is not a date (write YYYY-MM-DD, e.g. 2026-12-24, or a range such as 2026-12-28..2026-12-30)"#
        );
        assert_eq!(
            message("2026-12-30..2026-12-28 geschlossen"),
            r#"line 1 "2026-12-30..2026-12-28 geschlossen": 2026-12-30..2026-12-28 ends before it begins (write the earlier date first, e.g. 2026-12-28..2026-12-30)"#
        );
        assert_eq!(
            message("2026-12-24 Heiligabend"),
            r#"line 1 "2026-12-24 Heiligabend": the hours are missing (write intervals such as 08:00-12:00, 13:00-18:00 or the word geschlossen)"#
        );
        let code = |text: &str| HoursException::parse(text).unwrap_err().code();
        assert_eq!(code("2026-12-24"), "hours-missing-hours");
        assert_eq!(code("2026-13-01 geschlossen"), "hours-bad-date");
        assert_eq!(code("2026-12-28..geschlossen"), "hours-bad-date");
        assert_eq!(code("2026-12-23 09:00-12:00, 11:00-15:00"), "hours-overlap");
        assert_eq!(code("2026-12-23 09:00-12:00, verkürzt"), "hours-bad-interval");

        let list = "# Weihnachten\n2026-12-24 geschlossen\n\n2026-12-31 9-25";
        let err = HoursException::parse_list(list).unwrap_err();
        assert_eq!((err.line, err.code()), (4, "hours-bad-time"));
        assert_eq!(HoursException::parse_list("2026-12-24 geschlossen\n2026-12-31 9-12").unwrap().len(), 2);
    }

    #[test]
    fn a_day_takes_exception_then_holiday_then_weekly_hours() {
        let mut hours = office();
        // Tuesday 10 March 2026: regular.
        assert_eq!(
            hours.on(d(2026, 3, 10)),
            DayHours { intervals: vec![iv((8, 0), (12, 0)), iv((13, 0), (18, 0))], reason: DayReason::Regular }
        );
        // Karfreitag: closed for the holiday.
        let good_friday = hours.on(d(2026, 4, 3));
        assert!(good_friday.is_closed());
        assert!(matches!(good_friday.reason, DayReason::Holiday(h) if h.name_de == "Karfreitag"));
        // An office open on holidays keeps its hours but says why the day is special.
        hours.open_on_holidays = true;
        let good_friday = hours.on(d(2026, 4, 3));
        assert_eq!(good_friday.intervals, [iv((8, 0), (12, 0))]);
        assert!(matches!(good_friday.reason, DayReason::Holiday(_)));
        hours.open_on_holidays = false;
        // An exception beats the holiday.
        hours.exceptions.push(HoursException::parse("2026-04-03 10:00-12:00 Notdienst").unwrap());
        assert_eq!(
            hours.on(d(2026, 4, 3)),
            DayHours { intervals: vec![iv((10, 0), (12, 0))], reason: DayReason::Exception("Notdienst".into()) }
        );
        // And the weekly hours.
        hours.exceptions.push(HoursException::parse("2026-03-10 geschlossen Betriebsausflug").unwrap());
        assert_eq!(
            hours.on(d(2026, 3, 10)),
            DayHours { intervals: vec![], reason: DayReason::Exception("Betriebsausflug".into()) }
        );
    }

    #[test]
    fn the_shortest_exception_wins() {
        let mut hours = office();
        hours.exceptions = HoursException::parse_list(
            "2026-12-21..2026-12-31 09:00-11:00 Winterzeit\n2026-12-24 geschlossen Heiligabend\n2026-12-22 10-11 a\n2026-12-22 9-10 b",
        )
        .unwrap();
        assert_eq!(hours.on(d(2026, 12, 24)).reason, DayReason::Exception("Heiligabend".into()));
        assert_eq!(hours.on(d(2026, 12, 23)).reason, DayReason::Exception("Winterzeit".into()));
        // Same length: the first listed.
        assert_eq!(hours.on(d(2026, 12, 22)).reason, DayReason::Exception("a".into()));
    }

    #[test]
    fn open_on_a_weekday_morning() {
        // Tuesday 10 March 2026.
        assert_eq!(office().status_at(berlin(2026, 3, 10, 9, 30)), OpenStatus::Open { until: t(12, 0) });
        assert_eq!(office().status_at(berlin(2026, 3, 10, 8, 0)), OpenStatus::Open { until: t(12, 0) });
        assert_eq!(office().status_at(berlin(2026, 3, 10, 17, 59)), OpenStatus::Open { until: t(18, 0) });
    }

    #[test]
    fn closed_at_lunch_opens_at_13_00() {
        let hours = office();
        assert_eq!(
            hours.status_at(berlin(2026, 3, 10, 12, 0)),
            OpenStatus::Closed { opens: at(d(2026, 3, 10), 13, 0) }
        );
        assert_eq!(
            hours.status_at(berlin(2026, 3, 10, 12, 30)),
            OpenStatus::Closed { opens: at(d(2026, 3, 10), 13, 0) }
        );
        // Before opening, the same day.
        assert_eq!(hours.status_at(berlin(2026, 3, 10, 6, 0)), OpenStatus::Closed { opens: at(d(2026, 3, 10), 8, 0) });
        // Wednesday afternoon: tomorrow morning.
        assert_eq!(hours.status_at(berlin(2026, 3, 11, 14, 0)), OpenStatus::Closed { opens: at(d(2026, 3, 12), 8, 0) });
    }

    #[test]
    fn friday_evening_opens_monday() {
        assert_eq!(
            office().status_at(berlin(2026, 3, 13, 19, 0)),
            OpenStatus::Closed { opens: at(d(2026, 3, 16), 8, 0) }
        );
    }

    #[test]
    fn karfreitag_opens_the_tuesday_after_ostermontag() {
        // Karfreitag 3 April, Ostermontag 6 April 2026.
        assert_eq!(
            office().status_at(berlin(2026, 4, 3, 10, 0)),
            OpenStatus::Closed { opens: at(d(2026, 4, 7), 8, 0) }
        );
    }

    #[test]
    fn heiligabend_exception() {
        let mut hours = office();
        hours.exceptions = HoursException::parse_list(
            "2026-12-24 geschlossen Heiligabend\n2026-12-28..2026-12-30 09:00-12:00 Zwischen den Jahren",
        )
        .unwrap();
        // Thursday 24 December; 25 and 26 are holidays, 27 a Sunday.
        assert_eq!(
            hours.status_at(berlin(2026, 12, 24, 10, 0)),
            OpenStatus::Closed { opens: at(d(2026, 12, 28), 9, 0) }
        );
        assert_eq!(
            hours.status_at(berlin(2026, 12, 29, 13, 0)),
            OpenStatus::Closed { opens: at(d(2026, 12, 30), 9, 0) }
        );
        // Thursday 31 December: regular hours again.
        assert_eq!(
            hours.status_at(berlin(2026, 12, 31, 12, 30)),
            OpenStatus::Closed { opens: at(d(2026, 12, 31), 13, 0) }
        );
    }

    #[test]
    fn an_office_without_hours_never_opens() {
        assert_eq!(OpeningHours::default().status_at(berlin(2026, 3, 10, 9, 0)), OpenStatus::Closed { opens: None });
    }

    #[test]
    fn the_look_ahead_is_60_days() {
        let hours = OpeningHours {
            exceptions: vec![HoursException::parse("2026-03-11 10-12 Sprechtag").unwrap()],
            ..OpeningHours::default()
        };
        let start = d(2026, 1, 10); // 60 days before 11 March
        let now = Berlin.from_local_datetime(&start.and_time(t(9, 0))).unwrap();
        assert_eq!(hours.status_at(now), OpenStatus::Closed { opens: at(d(2026, 3, 11), 10, 0) });
        let too_early = Berlin.from_local_datetime(&d(2026, 1, 9).and_time(t(9, 0))).unwrap();
        assert_eq!(hours.status_at(too_early), OpenStatus::Closed { opens: None });
    }

    #[test]
    fn status_uses_the_local_time_of_the_zone() {
        // 07:30 UTC is 08:30 in Berlin in winter (09:30 in summer): open; 06:30 UTC is 07:30: not yet.
        let utc_morning = chrono::Utc.with_ymd_and_hms(2026, 3, 10, 7, 30, 0).unwrap().with_timezone(&Berlin);
        assert_eq!(office().status_at(utc_morning), OpenStatus::Open { until: t(12, 0) });
        let utc_before = chrono::Utc.with_ymd_and_hms(2026, 3, 10, 6, 30, 0).unwrap().with_timezone(&Berlin);
        assert_eq!(office().status_at(utc_before), OpenStatus::Closed { opens: at(d(2026, 3, 10), 8, 0) });
        // The spring-forward Sunday: nothing to trip over.
        assert_eq!(
            office().status_at(berlin(2026, 3, 29, 3, 30)),
            OpenStatus::Closed { opens: at(d(2026, 3, 30), 8, 0) }
        );
    }

    #[test]
    fn a_week_for_display() {
        let week = office().week_from(d(2026, 4, 1));
        assert_eq!(week.len(), 7);
        assert_eq!(week[0].0, d(2026, 4, 1));
        assert_eq!(week[6].0, d(2026, 4, 7));
        let reasons: Vec<_> = week
            .iter()
            .map(|(_, day)| match &day.reason {
                DayReason::Regular => format!("{}", day.intervals.len()),
                DayReason::Holiday(h) => h.name_de.to_owned(),
                DayReason::Exception(note) => note.clone(),
            })
            .collect();
        assert_eq!(reasons, ["1", "2", "Karfreitag", "0", "0", "Ostermontag", "2"]);
    }
}
