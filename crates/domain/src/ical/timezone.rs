//! Time zones in iCalendar files: VTIMEZONE observances computed from chrono-tz (for the
//! writer), and TZIDs mapped back to IANA zones (for the reader).

use std::collections::HashMap;
use std::str::FromStr as _;

use chrono::{DateTime, Datelike as _, NaiveDate, NaiveDateTime, NaiveTime, Offset as _, TimeZone as _, Weekday};
use chrono_tz::{OffsetComponents as _, OffsetName as _, Tz, TzOffset};

/// One STANDARD or DAYLIGHT sub-component of a VTIMEZONE.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Observance {
    /// DAYLIGHT rather than STANDARD.
    pub daylight: bool,
    /// DTSTART: the first onset, as wall time before it (in `offset_from`).
    pub start: NaiveDateTime,
    /// TZOFFSETFROM in seconds east of UTC.
    pub offset_from: i32,
    /// TZOFFSETTO in seconds east of UTC.
    pub offset_to: i32,
    /// TZNAME.
    pub name: String,
    /// RRULE value for a yearly pattern.
    pub rrule: Option<String>,
    /// RDATEs: further onsets, as wall times before each.
    pub rdates: Vec<NaiveDateTime>,
}

/// What a zone shows at an instant: its offset, whether it is daylight-saving time, its name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct State {
    offset: i32,
    /// The daylight-saving part of the offset in seconds (negative for Europe/Dublin's winter).
    dst: i32,
    name: String,
}

impl State {
    fn of(offset: &TzOffset) -> Self {
        let total = offset.fix().local_minus_utc();
        let name = match offset.abbreviation() {
            Some(name) => name.to_owned(),
            // tzdata writes numeric abbreviations ("+04", "+0530") for zones without a name.
            None => numeric_name(total),
        };
        let dst = i32::try_from(offset.dst_offset().num_seconds()).unwrap_or(0);
        Self { offset: total, dst, name }
    }
}

/// A change of offset (or name) at instant `at` (seconds since the epoch).
#[derive(Debug, Clone)]
struct Transition {
    at: i64,
    from: State,
    to: State,
}

impl Transition {
    /// Whether the change is to summer time, a DAYLIGHT observance. tzdata gives Europe/Dublin a
    /// negative DST in winter (summer is its legal standard time); clients expect DAYLIGHT for
    /// the summer offset, so the change out of a negative DST counts as DAYLIGHT too, as in
    /// tzdata's "rearguard" form.
    fn daylight(&self) -> bool {
        self.to.dst > 0 || (self.from.dst < 0 && self.to.dst == 0)
    }

    /// The wall time just before the change, as VTIMEZONE's DTSTART and RDATE give it.
    fn local(&self) -> Option<NaiveDateTime> {
        Some(DateTime::from_timestamp(self.at + i64::from(self.from.offset), 0)?.naive_utc())
    }
}

/// `+0100`, `-0500`, `+0530`, `+004528` (seconds only when there are any).
pub(super) fn format_offset(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    if s == 0 { format!("{sign}{h:02}{m:02}") } else { format!("{sign}{h:02}{m:02}{s:02}") }
}

/// A numeric zone name as tzdata writes it: `+04`, `-03`, `+0530`.
pub(super) fn numeric_name(seconds: i32) -> String {
    let sign = if seconds < 0 { '-' } else { '+' };
    let abs = seconds.unsigned_abs();
    let (h, m, s) = (abs / 3600, abs / 60 % 60, abs % 60);
    match (m, s) {
        (0, 0) => format!("{sign}{h:02}"),
        (m, 0) => format!("{sign}{h:02}{m:02}"),
        (m, s) => format!("{sign}{h:02}{m:02}{s:02}"),
    }
}

fn offset_at(zone: Tz, secs: i64) -> Option<TzOffset> {
    Some(zone.offset_from_utc_datetime(&DateTime::from_timestamp(secs, 0)?.naive_utc()))
}

fn year_start(year: i32) -> Option<i64> {
    Some(NaiveDate::from_ymd_opt(year, 1, 1)?.and_time(NaiveTime::MIN).and_utc().timestamp())
}

/// The zone's changes from `from_year` to `to_year` (inclusive, UTC years).
///
/// chrono-tz has no transition API, so the offset is sampled a day apart and each change found
/// by bisection to the second. That assumes at most one change a day, which holds for every
/// zone in the years calendars use.
fn transitions(zone: Tz, from_year: i32, to_year: i32) -> Vec<Transition> {
    const DAY: i64 = 86_400;
    let mut out = Vec::new();
    let (Some(start), Some(end)) = (year_start(from_year), year_start(to_year.saturating_add(1))) else {
        return out;
    };
    let Some(mut prev) = offset_at(zone, start) else { return out };
    let mut t = start;
    while t < end {
        let next = (t + DAY).min(end);
        let Some(cur) = offset_at(zone, next) else { break };
        if cur != prev {
            // Invariant: the offset at `lo` is `prev`, the one at `hi` is not.
            let (mut lo, mut hi) = (t, next);
            while hi - lo > 1 {
                let mid = lo + (hi - lo) / 2;
                match offset_at(zone, mid) {
                    Some(o) if o == prev => lo = mid,
                    _ => hi = mid,
                }
            }
            let to = offset_at(zone, hi).unwrap_or(cur);
            out.push(Transition { at: hi, from: State::of(&prev), to: State::of(&to) });
            // Should the day hold a second change, the next step picks it up from here.
            prev = to;
            if to != cur {
                t = hi;
                continue;
            }
        }
        prev = cur;
        t = next;
    }
    out
}

/// Which yearly rule a group of transitions shares.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct YearlyKey {
    from: i32,
    to: State,
    month: u32,
    weekday: Weekday,
    time: NaiveTime,
}

/// A run of transitions in consecutive years on the same weekday of the same month.
struct Run {
    members: Vec<usize>,
    last_year: i32,
    /// The week number in the month every member shares, if any (1 = first).
    nth: Option<u32>,
    /// Whether every member falls in the last week of its month.
    all_last: bool,
}

fn week_of_month(date: NaiveDate) -> (u32, bool) {
    let nth = (date.day() - 1) / 7 + 1;
    let last = date.checked_add_days(chrono::Days::new(7)).is_none_or(|d| d.month() != date.month());
    (nth, last)
}

/// The STANDARD and DAYLIGHT observances that reproduce the zone's offsets from `from_year`
/// to `to_year`: each stable yearly pattern (n-th or last weekday of a month at a fixed wall
/// time, two years or more) as one observance with a yearly RRULE (without UNTIL when it still
/// holds in `to_year`, so clients extend it), the remaining changes as explicit onsets (DTSTART
/// plus RDATEs). A zone without changes gets one STANDARD observance.
pub(super) fn observances(zone: Tz, from_year: i32, to_year: i32) -> Vec<Observance> {
    let changes = transitions(zone, from_year, to_year);
    if changes.is_empty() {
        let Some(start) = NaiveDate::from_ymd_opt(from_year, 1, 1).map(|d| d.and_time(NaiveTime::MIN)) else {
            return Vec::new();
        };
        let Some(state) = year_start(from_year).and_then(|t| offset_at(zone, t)).map(|o| State::of(&o)) else {
            return Vec::new();
        };
        return vec![Observance {
            daylight: false,
            start,
            offset_from: state.offset,
            offset_to: state.offset,
            name: state.name,
            rrule: None,
            rdates: Vec::new(),
        }];
    }
    let locals: Vec<Option<NaiveDateTime>> = changes.iter().map(Transition::local).collect();

    // Group by yearly key, then split each group into runs of consecutive years.
    let mut groups: HashMap<YearlyKey, Vec<usize>> = HashMap::new();
    let mut order: Vec<YearlyKey> = Vec::new();
    for (i, (tr, local)) in changes.iter().zip(&locals).enumerate() {
        let Some(local) = local else { continue };
        let key = YearlyKey {
            from: tr.from.offset,
            to: tr.to.clone(),
            month: local.month(),
            weekday: local.weekday(),
            time: local.time(),
        };
        let entry = groups.entry(key.clone()).or_default();
        if entry.is_empty() {
            order.push(key);
        }
        entry.push(i);
    }
    let mut out: Vec<(i64, Observance)> = Vec::new();
    let mut explicit: Vec<usize> = Vec::new();
    for key in &order {
        let Some(members) = groups.get(key) else { continue };
        let mut runs: Vec<Run> = Vec::new();
        for &i in members {
            let Some(local) = locals[i] else { continue };
            let (nth, last) = week_of_month(local.date());
            let year = local.year();
            if let Some(run) = runs.last_mut()
                && year == run.last_year + 1
                && (run.nth == Some(nth) || (run.all_last && last))
            {
                if run.nth != Some(nth) {
                    run.nth = None;
                }
                run.all_last &= last;
                run.last_year = year;
                run.members.push(i);
                continue;
            }
            runs.push(Run { members: vec![i], last_year: year, nth: Some(nth), all_last: last });
        }
        for run in runs {
            let (Some(&first), Some(&last)) = (run.members.first(), run.members.last()) else { continue };
            let Some(start) = locals[first] else { continue };
            if run.members.len() < 2 {
                explicit.push(first);
                continue;
            }
            let day = weekday_code(key.weekday);
            // "Last" is preferred when both fit: it is what the laws say for late-month changes.
            let byday = if run.all_last { format!("-1{day}") } else { format!("{}{day}", run.nth.unwrap_or(1)) };
            let mut rrule = format!("FREQ=YEARLY;BYMONTH={};BYDAY={byday}", key.month);
            // UNTIL is a UTC instant (RFC 5545); a day after the last onset, because some
            // clients (dateutil, older Outlook) compare it with the wall time instead, and a
            // day's margin is right either way: the next instance would be a year later.
            if run.last_year < to_year
                && let Some(until) = DateTime::from_timestamp(changes[last].at + 86_400, 0)
            {
                rrule.push_str(&format!(";UNTIL={}", until.format("%Y%m%dT%H%M%SZ")));
            }
            let tr = &changes[first];
            out.push((
                tr.at,
                Observance {
                    daylight: tr.daylight(),
                    start,
                    offset_from: tr.from.offset,
                    offset_to: tr.to.offset,
                    name: tr.to.name.clone(),
                    rrule: Some(rrule),
                    rdates: Vec::new(),
                },
            ));
        }
    }

    // The irregular changes: one observance per (from, to), its first onset as DTSTART and the
    // others as RDATEs.
    explicit.sort_unstable();
    let mut by_kind: Vec<((i32, State), usize)> = Vec::new();
    for i in explicit {
        let tr = &changes[i];
        let Some(local) = locals[i] else { continue };
        let kind = (tr.from.offset, tr.to.clone());
        if let Some((_, at)) = by_kind.iter().find(|(k, _)| *k == kind) {
            out[*at].1.rdates.push(local);
            continue;
        }
        by_kind.push((kind, out.len()));
        out.push((
            tr.at,
            Observance {
                daylight: tr.daylight(),
                start: local,
                offset_from: tr.from.offset,
                offset_to: tr.to.offset,
                name: tr.to.name.clone(),
                rrule: None,
                rdates: Vec::new(),
            },
        ));
    }
    out.sort_by_key(|(at, _)| *at);
    out.into_iter().map(|(_, o)| o).collect()
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

/// Windows zone names (Outlook, Exchange) to IANA zones, after CLDR's windowsZones (territory
/// 001): the ones common in German and European calendars.
const WINDOWS_ZONES: &[(&str, &str)] = &[
    ("W. Europe Standard Time", "Europe/Berlin"),
    ("Central Europe Standard Time", "Europe/Budapest"),
    ("Central European Standard Time", "Europe/Warsaw"),
    ("Romance Standard Time", "Europe/Paris"),
    ("GMT Standard Time", "Europe/London"),
    ("Greenwich Standard Time", "Atlantic/Reykjavik"),
    ("E. Europe Standard Time", "Europe/Chisinau"),
    ("FLE Standard Time", "Europe/Kiev"),
    ("GTB Standard Time", "Europe/Bucharest"),
    ("Russian Standard Time", "Europe/Moscow"),
    ("Turkey Standard Time", "Europe/Istanbul"),
    ("Eastern Standard Time", "America/New_York"),
    ("Central Standard Time", "America/Chicago"),
    ("Mountain Standard Time", "America/Denver"),
    ("Pacific Standard Time", "America/Los_Angeles"),
    ("Tokyo Standard Time", "Asia/Tokyo"),
    ("China Standard Time", "Asia/Shanghai"),
    ("India Standard Time", "Asia/Calcutta"),
    ("AUS Eastern Standard Time", "Australia/Sydney"),
    ("UTC", "UTC"),
    ("Coordinated Universal Time", "UTC"),
];

/// Maps TZIDs to IANA zones, with what the file's own VTIMEZONEs say (TZID → X-LIC-LOCATION),
/// caching each answer so a file with many values stays linear.
pub(super) struct ZoneResolver<'a> {
    defined: &'a HashMap<String, Option<String>>,
    cache: HashMap<String, Option<Tz>>,
    /// Lower-case IANA names, and lower-case city names (`new york`), built on first need.
    folded: Option<(HashMap<String, Tz>, HashMap<String, Tz>)>,
}

impl<'a> ZoneResolver<'a> {
    /// A resolver for a file whose VTIMEZONEs map TZIDs to `X-LIC-LOCATION`s as in `defined`.
    pub(super) fn new(defined: &'a HashMap<String, Option<String>>) -> Self {
        Self { defined, cache: HashMap::new(), folded: None }
    }

    /// The IANA zone a TZID means: an IANA name; a VTIMEZONE of the file whose X-LIC-LOCATION
    /// is one; an IANA name behind a prefix (`/mozilla.org/20050126_1/Europe/Berlin`); a
    /// Windows name (`W. Europe Standard Time`); a Windows display name (`(UTC+01:00)
    /// Amsterdam, Berlin, …`); any of these in other letter case.
    pub(super) fn resolve(&mut self, tzid: &str) -> Option<Tz> {
        if let Some(hit) = self.cache.get(tzid) {
            return *hit;
        }
        let found = self.lookup(tzid);
        self.cache.insert(tzid.to_owned(), found);
        found
    }

    fn lookup(&mut self, tzid: &str) -> Option<Tz> {
        let name = tzid.trim();
        if let Ok(tz) = Tz::from_str(name) {
            return Some(tz);
        }
        if let Some(Some(location)) = self.defined.get(name)
            && let Some(tz) = self.by_name(location.trim())
        {
            return Some(tz);
        }
        self.by_name(name)
    }

    fn by_name(&mut self, name: &str) -> Option<Tz> {
        if let Ok(tz) = Tz::from_str(name) {
            return Some(tz);
        }
        if let Some((_, iana)) = WINDOWS_ZONES.iter().find(|(w, _)| w.eq_ignore_ascii_case(name)) {
            return Tz::from_str(iana).ok();
        }
        let (folded, cities) = self.folded.get_or_insert_with(|| {
            let mut folded = HashMap::new();
            let mut cities = HashMap::new();
            for tz in chrono_tz::TZ_VARIANTS {
                let name = tz.name();
                folded.insert(name.to_lowercase(), tz);
                if let Some((_, city)) = name.rsplit_once('/') {
                    cities.entry(city.replace('_', " ").to_lowercase()).or_insert(tz);
                }
            }
            (folded, cities)
        });
        let lower = name.to_lowercase();
        if let Some(tz) = folded.get(&lower) {
            return Some(*tz);
        }
        // Prefixed names: try every tail after a slash, longest first (America/Argentina/…).
        for (i, _) in lower.match_indices('/') {
            if let Some(tz) = folded.get(&lower[i + 1..]) {
                return Some(*tz);
            }
        }
        // Windows display names: "(UTC+01:00) Amsterdam, Berlin, Bern, Rome, Stockholm, Vienna".
        if (lower.starts_with("(utc") || lower.starts_with("(gmt"))
            && let Some((_, places)) = lower.split_once(')')
        {
            if places.trim() == "coordinated universal time" {
                return Some(Tz::UTC);
            }
            return places.split(',').find_map(|p| cities.get(p.trim()).copied());
        }
        None
    }
}
