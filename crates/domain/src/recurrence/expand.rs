//! The expansion of a [`Rule`] into local wall times (RFC 5545, 3.3.10), period by period.
//!
//! Each period (a day, week, month or year, every INTERVAL of them) is expanded as a whole:
//! its days are filtered by the BYxxx parts, multiplied by the times of day, BYSETPOS picks from
//! that sorted set, and only then are instances before DTSTART dropped and COUNT/UNTIL applied.
//! This is the reading of libical and python-dateutil; expanding the whole first period is what
//! makes BYSETPOS count from the start of DTSTART's week or month, not from DTSTART.
//!
//! The expansion works on naive wall times only; which zone they are in is the caller's
//! business, so nothing here depends on the process's `TZ`.

use std::ops::ControlFlow;

use chrono::{Datelike, Days, Months, NaiveDate, NaiveDateTime, NaiveTime, Weekday};

use super::rule::{Frequency, Rule, times_of_day};

/// The bounds of one expansion, in local wall time.
pub(crate) struct Bounds<'a> {
    /// Instances before this local time certainly end before the window: they are counted (for
    /// COUNT) but not visited, and whole periods before it are skipped when there is no COUNT.
    pub lower: NaiveDateTime,
    /// Instances at or after this local time certainly start after the window: expansion stops.
    pub upper: NaiveDateTime,
    /// A local time after which every instance is past UNTIL (a cheap, conservative bound).
    pub until_max: Option<NaiveDateTime>,
    /// The exact UNTIL test for one instance.
    pub until_ok: &'a dyn Fn(NaiveDateTime) -> bool,
}

/// A rule with what it leaves open filled in from DTSTART, ready to expand.
struct Plan {
    freq: Frequency,
    interval: i64,
    wkst: Weekday,
    months: [bool; 13],
    any_month: bool,
    weeknos: Vec<i8>,
    yeardays: Vec<i16>,
    monthdays: Vec<i8>,
    plain_days: [bool; 7],
    nth_days: Vec<(i8, Weekday)>,
    any_day: bool,
    setpos: Vec<i16>,
    times: Vec<NaiveTime>,
    count: Option<u64>,
    start: NaiveDateTime,
    /// The year INTERVAL counts from: DTSTART's calendar year, or with BYWEEKNO possibly its
    /// week-numbering year (see `Plan::new`).
    base_year: i32,
}

/// One period: its first day, its number of days, and for week-numbering years the first day
/// of week 1 and the number of weeks.
struct Period {
    first: NaiveDate,
    len: u32,
    weeks: Option<(NaiveDate, i64)>,
}

/// Expands `rule` from the local start `start`, calling `visit` with every instance between the
/// bounds, in ascending local order, until `visit` breaks or the rule or the bounds end.
pub(crate) fn expand(
    rule: &Rule,
    start: NaiveDateTime,
    all_day: bool,
    bounds: &Bounds<'_>,
    visit: &mut dyn FnMut(NaiveDateTime) -> ControlFlow<()>,
) {
    let plan = Plan::new(rule, start, all_day);
    let _ = plan.run(bounds, visit);
}

impl Plan {
    fn new(rule: &Rule, start: NaiveDateTime, all_day: bool) -> Self {
        let date = start.date();
        let mut bymonth: Vec<u8> = rule.bymonth.clone();
        let mut bymonthday: Vec<i8> = rule.bymonthday.clone();
        let mut byday: Vec<(Option<i8>, Weekday)> = rule.byday.iter().map(|d| (d.nth, d.weekday)).collect();
        // What the rule does not say comes from DTSTART (RFC 5545, 3.3.10: "FREQ=YEARLY;BYMONTH=1
        // doesn't specify a specific day within the month … this would be the same as DTSTART").
        let no_day_parts = rule.byweekno.is_empty()
            && rule.byyearday.is_empty()
            && rule.bymonthday.is_empty()
            && rule.byday.is_empty();
        // Narrow conversions below cannot fail: months are 1–12, days 1–31.
        let month = u8::try_from(date.month()).unwrap_or(1);
        let day = i8::try_from(date.day()).unwrap_or(1);
        match rule.freq {
            Frequency::Yearly if no_day_parts => {
                if bymonth.is_empty() {
                    bymonth.push(month);
                }
                bymonthday.push(day);
            }
            Frequency::Monthly if no_day_parts => bymonthday.push(day),
            Frequency::Weekly if no_day_parts => byday.push((None, date.weekday())),
            _ => {}
        }
        if rule.freq == Frequency::Yearly {
            // A week number alone names seven days; libical (and the RFC's "derived from DTSTART")
            // take DTSTART's weekday, where a plain iterator would return the whole week.
            if !rule.byweekno.is_empty() && byday.is_empty() && bymonthday.is_empty() && rule.byyearday.is_empty() {
                byday.push((None, date.weekday()));
            }
            // A day of the month alone names a day in twelve months: the month is DTSTART's.
            if !bymonthday.is_empty() && bymonth.is_empty() && rule.byweekno.is_empty() && rule.byyearday.is_empty() {
                bymonth.push(month);
            }
        }
        let mut months = [false; 13];
        for &m in &bymonth {
            if let Some(slot) = months.get_mut(usize::from(m)) {
                *slot = true;
            }
        }
        let mut plain_days = [false; 7];
        let mut nth_days = Vec::new();
        for &(nth, wd) in &byday {
            match nth {
                // Numbered weekdays are only meaningful per month or year (the parser rejects
                // them elsewhere).
                Some(n) if matches!(rule.freq, Frequency::Monthly | Frequency::Yearly) => nth_days.push((n, wd)),
                _ => plain_days[wd.num_days_from_monday() as usize] = true,
            }
        }
        // An all-day start has no time of day, so BYHOUR/BYMINUTE/BYSECOND do not apply.
        let times = if all_day { vec![NaiveTime::MIN] } else { times_of_day(rule, start.time()) };
        let mut plan = Self {
            freq: rule.freq,
            interval: i64::from(rule.interval.max(1)),
            wkst: rule.wkst,
            any_month: bymonth.is_empty(),
            months,
            weeknos: rule.byweekno.clone(),
            yeardays: rule.byyearday.clone(),
            monthdays: bymonthday,
            any_day: byday.is_empty(),
            plain_days,
            nth_days,
            setpos: rule.bysetpos.clone(),
            times,
            count: rule.count.map(u64::from),
            start,
            base_year: date.year(),
        };
        // With BYWEEKNO, INTERVAL counts week-numbering years from the one DTSTART lies in when
        // DTSTART is itself an instance (2010-01-02 is in week 53 of 2009, so INTERVAL=6 next
        // means 2015), and from DTSTART's calendar year when it is not (libical's reading,
        // libical issues 1223 and 1230; its test table has cases for both).
        if !plan.weeknos.is_empty()
            && let Some(week_year) = plan.week_year(date)
            && let (Some(week1), Some(next)) =
                (week1_start(week_year, plan.wkst), week_year.checked_add(1).and_then(|y| week1_start(y, plan.wkst)))
            && plan.matches(date, Some((week1, (next - week1).num_days() / 7)))
            && plan.times.binary_search(&start.time()).is_ok()
        {
            plan.base_year = week_year;
        }
        plan
    }

    fn run(&self, b: &Bounds<'_>, visit: &mut dyn FnMut(NaiveDateTime) -> ControlFlow<()>) -> ControlFlow<()> {
        let mut last_date = b.upper.date();
        if let Some(u) = b.until_max {
            last_date = last_date.min(u.date());
        }
        if self.start.date() > last_date || self.times.is_empty() {
            return ControlFlow::Break(());
        }
        let mut emitted: u64 = 0;
        let mut days: Vec<NaiveDate> = Vec::with_capacity(371);
        let mut k = if self.count.is_none() { self.first_useful_period(b.lower.date()) } else { 0 };
        loop {
            let Some(period) = self.period(k) else { return ControlFlow::Break(()) };
            if period.first > last_date {
                return ControlFlow::Break(());
            }
            k += 1;
            days.clear();
            // The whole period, even past the window: BYSETPOS counts from its end too.
            let mut d = period.first;
            for _ in 0..period.len {
                if self.matches(d, period.weeks) {
                    days.push(d);
                }
                match d.succ_opt() {
                    Some(next) => d = next,
                    None => break,
                }
            }
            if days.is_empty() {
                continue;
            }
            if self.setpos.is_empty() {
                for &day in &days {
                    self.emit_day(day, b, &mut emitted, visit)?;
                }
            } else {
                let n = days.len() * self.times.len();
                let mut picks: Vec<usize> = self
                    .setpos
                    .iter()
                    .filter_map(|&p| {
                        let magnitude = usize::from(p.unsigned_abs());
                        if p > 0 { (magnitude <= n).then(|| magnitude - 1) } else { n.checked_sub(magnitude) }
                    })
                    .collect();
                picks.sort_unstable();
                picks.dedup();
                for i in picks {
                    let (Some(day), Some(time)) =
                        (days.get(i / self.times.len()), self.times.get(i % self.times.len()))
                    else {
                        continue;
                    };
                    self.take(day.and_time(*time), b, &mut emitted, visit)?;
                }
            }
        }
    }

    /// Emits one day's instances (without BYSETPOS), skipping those before the window in bulk.
    fn emit_day(
        &self,
        day: NaiveDate,
        b: &Bounds<'_>,
        emitted: &mut u64,
        visit: &mut dyn FnMut(NaiveDateTime) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        let start_date = self.start.date();
        if day < start_date {
            return ControlFlow::Continue(());
        }
        let times = if day == start_date {
            let from = self.times.partition_point(|t| *t < self.start.time());
            self.times.get(from..).unwrap_or_default()
        } else {
            &self.times[..]
        };
        let lower_date = b.lower.date();
        let skip = if day < lower_date {
            times.len()
        } else if day == lower_date {
            times.partition_point(|t| day.and_time(*t) < b.lower)
        } else {
            0
        };
        if let Some(count) = self.count {
            // COUNT rules have no UNTIL (the parser refuses both), so skipped instances only count.
            *emitted += skip as u64;
            if *emitted >= count && skip > 0 {
                return ControlFlow::Break(());
            }
        }
        for t in times.get(skip..).unwrap_or_default() {
            self.take(day.and_time(*t), b, emitted, visit)?;
        }
        ControlFlow::Continue(())
    }

    /// Applies DTSTART, UNTIL, COUNT and the bounds to one candidate in ascending order.
    fn take(
        &self,
        local: NaiveDateTime,
        b: &Bounds<'_>,
        emitted: &mut u64,
        visit: &mut dyn FnMut(NaiveDateTime) -> ControlFlow<()>,
    ) -> ControlFlow<()> {
        if local < self.start {
            return ControlFlow::Continue(());
        }
        if b.until_max.is_some_and(|u| local > u) || !(b.until_ok)(local) {
            return ControlFlow::Break(());
        }
        if let Some(count) = self.count {
            *emitted += 1;
            if *emitted > count {
                return ControlFlow::Break(());
            }
        }
        if local < b.lower {
            return ControlFlow::Continue(());
        }
        if local >= b.upper {
            return ControlFlow::Break(());
        }
        visit(local)
    }

    fn matches(&self, d: NaiveDate, weeks: Option<(NaiveDate, i64)>) -> bool {
        if !self.any_month && !self.months.get(d.month() as usize).copied().unwrap_or(false) {
            return false;
        }
        if !self.weeknos.is_empty() {
            let Some((week1, nweeks)) = weeks else { return false };
            let week = (d - week1).num_days().div_euclid(7) + 1;
            let from_end = week - nweeks - 1;
            if !self.weeknos.iter().any(|&w| i64::from(w) == week || i64::from(w) == from_end) {
                return false;
            }
        }
        if !self.yeardays.is_empty() {
            let ord = i64::from(d.ordinal());
            let from_end = ord - i64::from(days_in_year(d.year())) - 1;
            if !self.yeardays.iter().any(|&y| i64::from(y) == ord || i64::from(y) == from_end) {
                return false;
            }
        }
        if !self.monthdays.is_empty() {
            let md = i64::from(d.day());
            let from_end = md - i64::from(days_in_month(d.year(), d.month())) - 1;
            if !self.monthdays.iter().any(|&m| i64::from(m) == md || i64::from(m) == from_end) {
                return false;
            }
        }
        if !self.any_day {
            let wd = d.weekday();
            let plain = self.plain_days[wd.num_days_from_monday() as usize];
            if !plain && !self.nth_days.iter().any(|&(n, w)| w == wd && self.is_nth(d, n)) {
                return false;
            }
        }
        true
    }

    /// Whether `d` is the `n`th of its weekday in its month (MONTHLY, or YEARLY with BYMONTH)
    /// or in its year (YEARLY otherwise).
    fn is_nth(&self, d: NaiveDate, n: i8) -> bool {
        let (index, len) = if self.freq == Frequency::Monthly || !self.any_month {
            (d.day0(), days_in_month(d.year(), d.month()))
        } else {
            (d.ordinal0(), days_in_year(d.year()))
        };
        if n > 0 {
            i64::from(index / 7 + 1) == i64::from(n)
        } else {
            i64::from((len - 1 - index) / 7 + 1) == -i64::from(n)
        }
    }

    /// The period with index `k` (0 = the one holding DTSTART), or `None` past chrono's range.
    fn period(&self, k: i64) -> Option<Period> {
        let step = k.checked_mul(self.interval)?;
        let date = self.start.date();
        match self.freq {
            Frequency::Daily => {
                let first = date.checked_add_days(Days::new(u64::try_from(step).ok()?))?;
                Some(Period { first, len: 1, weeks: None })
            }
            Frequency::Weekly => {
                let first =
                    self.week_start(date)?.checked_add_days(Days::new(u64::try_from(step).ok()?.checked_mul(7)?))?;
                Some(Period { first, len: 7, weeks: None })
            }
            Frequency::Monthly => {
                let first = date.with_day(1)?.checked_add_months(Months::new(u32::try_from(step).ok()?))?;
                Some(Period { first, len: days_in_month(first.year(), first.month()), weeks: None })
            }
            Frequency::Yearly if self.weeknos.is_empty() => {
                let year = i32::try_from(i64::from(date.year()).checked_add(step)?).ok()?;
                let first = NaiveDate::from_ymd_opt(year, 1, 1)?;
                Some(Period { first, len: days_in_year(year), weeks: None })
            }
            Frequency::Yearly => {
                // With BYWEEKNO the period is the week-numbering year (weeks starting on WKST,
                // week 1 holding at least four days of January), and INTERVAL counts those years:
                // DTSTART on 2027-01-03 lies in week 53 of 2026, so INTERVAL=6 next means 2032.
                let year = i32::try_from(i64::from(self.base_year).checked_add(step)?).ok()?;
                let first = week1_start(year, self.wkst)?;
                let next = week1_start(year.checked_add(1)?, self.wkst)?;
                let len = (next - first).num_days();
                Some(Period { first, len: u32::try_from(len).ok()?, weeks: Some((first, len / 7)) })
            }
        }
    }

    /// The index of a period a little before the one holding `lower` (never negative), so an
    /// endless series from 2000 queried for 2090 starts there instead of at DTSTART.
    fn first_useful_period(&self, lower: NaiveDate) -> i64 {
        let date = self.start.date();
        let units = match self.freq {
            Frequency::Daily => (lower - date).num_days(),
            Frequency::Weekly => self.week_start(date).map_or(0, |w| (lower - w).num_days().div_euclid(7)),
            Frequency::Monthly => {
                (i64::from(lower.year()) * 12 + i64::from(lower.month()))
                    - (i64::from(date.year()) * 12 + i64::from(date.month()))
            }
            Frequency::Yearly => i64::from(lower.year()) - i64::from(date.year()),
        };
        // One period of slack covers week-numbering years, which start up to three days off
        // the calendar year.
        (units.div_euclid(self.interval) - 1).max(0)
    }

    fn week_start(&self, d: NaiveDate) -> Option<NaiveDate> {
        let back = (7 + d.weekday().num_days_from_monday() - self.wkst.num_days_from_monday()) % 7;
        d.checked_sub_days(Days::new(u64::from(back)))
    }

    fn week_year(&self, d: NaiveDate) -> Option<i32> {
        let y = d.year();
        if d >= week1_start(y.checked_add(1)?, self.wkst)? {
            Some(y + 1)
        } else if d < week1_start(y, self.wkst)? {
            Some(y - 1)
        } else {
            Some(y)
        }
    }
}

/// The first day of week 1 of `year`: the week (starting on `wkst`) that holds at least four
/// days of the year (RFC 5545, BYWEEKNO; ISO 8601 when `wkst` is Monday).
fn week1_start(year: i32, wkst: Weekday) -> Option<NaiveDate> {
    let jan1 = NaiveDate::from_ymd_opt(year, 1, 1)?;
    let offset = (7 + jan1.weekday().num_days_from_monday() - wkst.num_days_from_monday()) % 7;
    let week_start = jan1.checked_sub_days(Days::new(u64::from(offset)))?;
    if offset >= 4 { week_start.checked_add_days(Days::new(7)) } else { Some(week_start) }
}

fn days_in_year(year: i32) -> u32 {
    if NaiveDate::from_ymd_opt(year, 2, 29).is_some() { 366 } else { 365 }
}

fn days_in_month(year: i32, month: u32) -> u32 {
    (28..=31).rev().find(|&d| NaiveDate::from_ymd_opt(year, month, d).is_some()).unwrap_or(28)
}
