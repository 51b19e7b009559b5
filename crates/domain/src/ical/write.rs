//! Rendering a VCALENDAR.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use chrono::{DateTime, Datelike as _, Duration, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::timezone::{Observance, format_offset, observances};
use super::{IcalEnd, IcalTime, VEvent};
use crate::recurrence::{FIRST_YEAR, LAST_YEAR};

/// Years a VTIMEZONE covers after the earliest start when [`CalendarMeta::timezone_years`] is
/// not set: enough for the yearly pattern to show, and clients extend an open-ended RRULE.
const DEFAULT_TIMEZONE_SPAN: i32 = 10;

/// The calendar as a whole: what goes into the VCALENDAR besides its events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CalendarMeta {
    /// PRODID: who made the file, e.g. `-//Regioportal//Veranstaltungen//DE`.
    pub prodid: String,
    /// The calendar's name (X-WR-CALNAME), shown by clients that subscribe.
    pub name: Option<String>,
    /// The calendar's description (X-WR-CALDESC).
    pub description: Option<String>,
    /// How often subscribers should fetch again (REFRESH-INTERVAL, RFC 7986, and the older
    /// X-PUBLISHED-TTL).
    pub refresh_interval: Option<Duration>,
    /// The years (inclusive) the VTIMEZONEs cover; by default from the year before the
    /// earliest value in the zone to ten years after it (at least to the latest value).
    pub timezone_years: Option<(i32, i32)>,
    /// DTSTAMP of events that have neither `dtstamp` nor `last_modified` (RFC 5545 requires
    /// one): typically when the file is generated.
    pub dtstamp: DateTime<Utc>,
}

/// Renders a VCALENDAR with `events`, as RFC 5545 text with CRLF line ends.
///
/// Each zone used by a zoned value (DTSTART, DTEND, EXDATE, RDATE, RECURRENCE-ID) gets one
/// VTIMEZONE before the events. Text is escaped and lines are folded at 75 octets, never inside
/// a character. Control characters (other than line breaks in text, written as `\n`) are left
/// out, and so is an organizer without an e-mail address and a GEO outside the earth's ranges.
pub fn write_calendar(cal: &CalendarMeta, events: &[VEvent]) -> String {
    let mut w = Lines::default();
    w.line("BEGIN", "VCALENDAR");
    w.line("VERSION", "2.0");
    w.line("PRODID", &text(&cal.prodid));
    w.line("CALSCALE", "GREGORIAN");
    w.line("METHOD", "PUBLISH");
    if let Some(name) = &cal.name {
        w.line("X-WR-CALNAME", &text(name));
    }
    if let Some(description) = &cal.description {
        w.line("X-WR-CALDESC", &text(description));
    }
    if let Some(every) = cal.refresh_interval {
        w.line("REFRESH-INTERVAL;VALUE=DURATION", &duration(every, true));
        w.line("X-PUBLISHED-TTL", &duration(every, true));
    }
    for (zone, (first, last)) in zones_used(events) {
        let (from, to) = match cal.timezone_years {
            Some((a, b)) => (a.min(b), a.max(b)),
            None => (first - 1, last.max(first + DEFAULT_TIMEZONE_SPAN)),
        };
        // The bound keeps the day-by-day scan short whatever the caller passes.
        let (from, to) = (from.clamp(FIRST_YEAR - 1, LAST_YEAR + 1), to.clamp(FIRST_YEAR - 1, LAST_YEAR + 1));
        write_timezone(&mut w, zone, &observances(zone, from, to));
    }
    for event in events {
        write_event(&mut w, cal, event);
    }
    w.line("END", "VCALENDAR");
    w.out
}

/// The zones of all zoned values, in order of their names, with the first and last year each is used in.
fn zones_used(events: &[VEvent]) -> Vec<(Tz, (i32, i32))> {
    let mut zones: BTreeMap<&'static str, (Tz, (i32, i32))> = BTreeMap::new();
    for e in events {
        let end = match &e.end {
            Some(IcalEnd::At(t)) => Some(t),
            _ => None,
        };
        let values = std::iter::once(&e.start).chain(end).chain(&e.exdates).chain(&e.rdates).chain(&e.recurrence_id);
        for v in values {
            if let IcalTime::Zoned { local, zone } = v {
                let year = local.year().clamp(FIRST_YEAR, LAST_YEAR);
                let entry = zones.entry(zone.name()).or_insert((*zone, (year, year)));
                entry.1 = (entry.1.0.min(year), entry.1.1.max(year));
            }
        }
    }
    zones.into_values().collect()
}

fn write_timezone(w: &mut Lines, zone: Tz, observances: &[Observance]) {
    w.line("BEGIN", "VTIMEZONE");
    w.line("TZID", zone.name());
    w.line("X-LIC-LOCATION", zone.name());
    for o in observances {
        let kind = if o.daylight { "DAYLIGHT" } else { "STANDARD" };
        w.line("BEGIN", kind);
        w.line("DTSTART", &floating(o.start));
        w.line("TZOFFSETFROM", &format_offset(o.offset_from));
        w.line("TZOFFSETTO", &format_offset(o.offset_to));
        w.line("TZNAME", &text(&o.name));
        if let Some(rule) = &o.rrule {
            w.line("RRULE", rule);
        }
        for r in &o.rdates {
            w.line("RDATE", &floating(*r));
        }
        w.line("END", kind);
    }
    w.line("END", "VTIMEZONE");
}

fn write_event(w: &mut Lines, cal: &CalendarMeta, e: &VEvent) {
    w.line("BEGIN", "VEVENT");
    w.line("UID", &text(&e.uid));
    let stamp = e.dtstamp.or(e.last_modified).unwrap_or(cal.dtstamp);
    w.line("DTSTAMP", &utc(stamp));
    w.time("DTSTART", &e.start);
    match &e.end {
        Some(IcalEnd::At(t)) => w.time("DTEND", t),
        Some(IcalEnd::Duration(d)) => w.line("DURATION", &duration(*d, e.start.is_date())),
        None => {}
    }
    if let Some(rule) = &e.rrule {
        w.line("RRULE", &rule.to_string());
    }
    for t in &e.rdates {
        w.time("RDATE", t);
    }
    for t in &e.exdates {
        w.time("EXDATE", t);
    }
    if let Some(t) = &e.recurrence_id {
        w.time("RECURRENCE-ID", t);
    }
    w.line("SUMMARY", &text(&e.summary));
    if let Some(d) = &e.description {
        w.line("DESCRIPTION", &text(d));
    }
    if let Some(l) = &e.location {
        w.line("LOCATION", &text(l));
    }
    if let Some((lat, lon)) = e.geo
        && (-90.0..=90.0).contains(&lat)
        && (-180.0..=180.0).contains(&lon)
    {
        w.line("GEO", &format!("{lat};{lon}"));
    }
    let categories: Vec<String> = e.categories.iter().filter(|c| !c.is_empty()).map(|c| text(c)).collect();
    if !categories.is_empty() {
        w.line("CATEGORIES", &categories.join(","));
    }
    if let Some(u) = &e.url {
        w.line("URL", &strip_controls(u));
    }
    if let Some(o) = &e.organizer
        && let Some(email) = &o.email
    {
        let name = match &o.name {
            Some(n) => format!("ORGANIZER;CN=\"{}\"", param(n)),
            None => "ORGANIZER".to_owned(),
        };
        w.line(&name, &format!("mailto:{}", strip_controls(email)));
    }
    if let Some(s) = e.status {
        w.line("STATUS", s.as_str());
    }
    if e.sequence != 0 {
        w.line("SEQUENCE", &e.sequence.to_string());
    }
    if let Some(t) = e.last_modified {
        w.line("LAST-MODIFIED", &utc(t));
    }
    w.line("END", "VEVENT");
}

/// Content lines, folded as they are added.
#[derive(Default)]
struct Lines {
    out: String,
}

impl Lines {
    /// Adds `NAME[;PARAMS]:VALUE`, folded so that no physical line exceeds 75 octets.
    fn line(&mut self, name: &str, value: &str) {
        const MAX: usize = 75;
        let mut used = 0;
        for c in name.chars().chain(std::iter::once(':')).chain(value.chars()) {
            let len = c.len_utf8();
            if used + len > MAX {
                // The continuation's leading space counts towards its 75 octets.
                self.out.push_str("\r\n ");
                used = 1;
            }
            self.out.push(c);
            used += len;
        }
        self.out.push_str("\r\n");
    }

    /// A date-time property with its VALUE or TZID parameter.
    fn time(&mut self, name: &str, t: &IcalTime) {
        match t {
            IcalTime::Date(d) => self.line(&format!("{name};VALUE=DATE"), &d.format("%Y%m%d").to_string()),
            IcalTime::Zoned { local, zone } => self.line(&format!("{name};TZID={}", zone.name()), &floating(*local)),
            IcalTime::Utc(u) => self.line(name, &utc(*u)),
            IcalTime::Floating(local) => self.line(name, &floating(*local)),
        }
    }
}

fn floating(t: NaiveDateTime) -> String {
    t.format("%Y%m%dT%H%M%S").to_string()
}

fn utc(t: DateTime<Utc>) -> String {
    t.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A DURATION value. Whole weeks are `P2W`; whole days are `P1D` only where days are nominal
/// anyway (all-day events, refresh intervals): for timed events RFC 5545 reads `P1D` as "same
/// time next day", which differs from 24 hours across a daylight-saving change, so those are
/// written in hours.
pub(super) fn duration(d: Duration, days_allowed: bool) -> String {
    let mut out = String::new();
    if d < Duration::zero() {
        out.push('-');
    }
    let secs = d.num_seconds().unsigned_abs();
    out.push('P');
    if secs == 0 {
        out.push_str("T0S");
        return out;
    }
    if days_allowed && secs.is_multiple_of(7 * 86_400) {
        let _ = write!(out, "{}W", secs / (7 * 86_400));
        return out;
    }
    let (days, rest) = if days_allowed { (secs / 86_400, secs % 86_400) } else { (0, secs) };
    if days > 0 {
        let _ = write!(out, "{days}D");
    }
    if rest > 0 {
        let (h, m, s) = (rest / 3600, rest / 60 % 60, rest % 60);
        out.push('T');
        if h > 0 {
            let _ = write!(out, "{h}H");
        }
        // RFC 5545's grammar has no hours-then-seconds form, so a zero minute is written then.
        if m > 0 || (h > 0 && s > 0) {
            let _ = write!(out, "{m}M");
        }
        if s > 0 {
            let _ = write!(out, "{s}S");
        }
    }
    out
}

/// A TEXT value: backslash, semicolon and comma escaped, line breaks as `\n`, other control
/// characters left out (RFC 5545 does not allow them).
fn text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {
                if chars.peek() != Some(&'\n') {
                    out.push_str("\\n");
                }
            }
            '\t' => out.push('\t'),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// A quoted parameter value's content: double quotes and control characters cannot be in one.
fn param(s: &str) -> String {
    s.chars().filter(|c| *c != '"' && !c.is_control()).collect()
}

/// A URI value: no escaping, but no control characters (a line break would end the line).
fn strip_controls(s: &str) -> String {
    s.chars().filter(|c| !c.is_control()).collect()
}
