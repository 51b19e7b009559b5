//! Reading the VEVENTs of an iCalendar file, tolerantly.

use std::collections::HashMap;
use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use chrono_tz::Tz;

use super::timezone::ZoneResolver;
use super::{IcalEnd, IcalStatus, IcalTime, Organizer, VEvent};
use crate::recurrence::{Rule, StartError};

/// What [`read_calendar`] found: the usable events, and a problem for everything it could not
/// use.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReadOutcome {
    /// The events, in file order; overrides (with `recurrence_id`) are separate events with the
    /// same UID as their master.
    pub events: Vec<VEvent>,
    /// One entry per event left out (and for a file that is not a calendar at all, or one that
    /// is cut off).
    pub problems: Vec<Problem>,
    /// The calendar's name (X-WR-CALNAME, or RFC 7986 NAME).
    pub calendar_name: Option<String>,
    /// The calendar's zone (X-WR-TIMEZONE, as Google writes it), if it names a known zone.
    /// When set, it replaces the caller's default zone for floating and all-day values while
    /// checking the events, and callers should use it for them too.
    pub calendar_zone: Option<Tz>,
}

/// Something in the file that could not be used, with the reason and how to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// The 1-based line where the VEVENT (or the bad line) starts.
    pub line: usize,
    /// The event's UID, if it has one.
    pub uid: Option<String>,
    /// The event's title, if it has one.
    pub summary: Option<String>,
    /// What is wrong and how to fix it.
    pub reason: String,
}

/// `line 12 ("Konzert", UID abc): DTSTART is missing: …`
impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}", self.line)?;
        match (&self.summary, &self.uid) {
            (Some(s), Some(u)) => write!(f, " ({s:?}, UID {u})")?,
            (Some(s), None) => write!(f, " ({s:?})")?,
            (None, Some(u)) => write!(f, " (UID {u})")?,
            (None, None) => {}
        }
        write!(f, ": {}", self.reason)
    }
}

/// Reads the VEVENTs of an iCalendar file.
///
/// Tolerant: CRLF or LF line ends, folded lines (space or tab), names in any letter case,
/// quoted parameter values with colons and semicolons, RFC 6868 `^` escapes; unknown
/// properties and components (VALARM, VTODO, X-…) are ignored; a TZID may be an IANA name, a
/// VTIMEZONE of the file with an X-LIC-LOCATION, a prefixed IANA name
/// (`/mozilla.org/…/Europe/Berlin`) or a Windows name (`W. Europe Standard Time`). Floating and
/// all-day values are checked in `default_zone` (or the file's X-WR-TIMEZONE).
///
/// Each event that cannot be used (no UID, no DTSTART, a bad date, an unknown zone, a bad
/// RRULE, an end before its start, DTEND and DURATION together, anything
/// [`VEvent::recurrence`] rejects) becomes a [`Problem`], and the rest of the file is still
/// read. The work is linear in the input's size.
///
/// `RDATE;VALUE=PERIOD` keeps each period's start; optional values that cannot be read (GEO,
/// SEQUENCE, DTSTAMP, LAST-MODIFIED, an unknown STATUS) are left out rather than costing the
/// event.
pub fn read_calendar(input: &str, default_zone: Tz) -> ReadOutcome {
    let mut outcome = ReadOutcome::default();
    let lines = unfold(input);
    let first = lines.iter().find(|l| !l.text.trim().is_empty());
    let starts_right = first
        .and_then(|l| parse_content(&l.text, l.line))
        .is_some_and(|p| p.name == "BEGIN" && p.value.trim().eq_ignore_ascii_case("VCALENDAR"));
    if !starts_right {
        outcome.problems.push(not_a_calendar(first));
        return outcome;
    }

    let mut stack: Vec<(String, usize)> = Vec::new();
    let mut raw_events: Vec<RawEvent> = Vec::new();
    let mut current: Option<RawEvent> = None;
    let mut timezone: Option<(Option<String>, Option<String>)> = None;
    let mut defined: HashMap<String, Option<String>> = HashMap::new();
    let mut calendar_zone_name: Option<String> = None;
    for l in &lines {
        // Lines that are not content lines (stray text, a broken fold) carry nothing we could use.
        let Some(prop) = parse_content(&l.text, l.line) else { continue };
        match prop.name.as_str() {
            "BEGIN" => {
                let component = prop.value.trim().to_ascii_uppercase();
                match component.as_str() {
                    "VCALENDAR" => {
                        if let Some(ev) = current.take() {
                            let at = format!("before the BEGIN:VCALENDAR on line {}", l.line);
                            outcome.problems.push(ev.unterminated(&at));
                        }
                        // A second calendar in the file (concatenated exports) is read as well.
                        stack.clear();
                        timezone = None;
                        stack.push((component, l.line));
                    }
                    "VEVENT" if !stack.is_empty() => {
                        if let Some(ev) = current.take() {
                            let at = format!("before the next BEGIN:VEVENT on line {}", l.line);
                            outcome.problems.push(ev.unterminated(&at));
                        }
                        stack.truncate(1);
                        timezone = None;
                        stack.push((component, l.line));
                        current = Some(RawEvent { line: l.line, props: Vec::new() });
                    }
                    "VTIMEZONE" if stack.len() == 1 => {
                        stack.push((component, l.line));
                        timezone = Some((None, None));
                    }
                    _ if !stack.is_empty() => stack.push((component, l.line)),
                    _ => {}
                }
            }
            "END" => {
                let component = prop.value.trim().to_ascii_uppercase();
                // A stray END is ignored; one that closes an outer component also closes the
                // unclosed ones inside it (a missing END:VALARM loses nothing).
                let Some(pos) = stack.iter().rposition(|(name, _)| *name == component) else { continue };
                if stack[pos..].iter().any(|(name, _)| name == "VEVENT")
                    && let Some(ev) = current.take()
                {
                    if component == "VEVENT" {
                        raw_events.push(ev);
                    } else {
                        let at = format!("before the END:{component} on line {}", l.line);
                        outcome.problems.push(ev.unterminated(&at));
                    }
                }
                if stack[pos..].iter().any(|(name, _)| name == "VTIMEZONE")
                    && let Some((Some(id), location)) = timezone.take()
                {
                    defined.entry(id).or_insert(location);
                }
                stack.truncate(pos);
            }
            _ => match stack.last().map(|(name, _)| name.as_str()) {
                Some("VEVENT") => {
                    if let Some(ev) = current.as_mut() {
                        ev.props.push(prop);
                    }
                }
                Some("VTIMEZONE") => {
                    if let Some((id, location)) = timezone.as_mut() {
                        match prop.name.as_str() {
                            "TZID" => *id = Some(prop.value.trim().to_owned()),
                            "X-LIC-LOCATION" => *location = Some(prop.value.trim().to_owned()),
                            _ => {}
                        }
                    }
                }
                Some("VCALENDAR") if stack.len() == 1 => match prop.name.as_str() {
                    "X-WR-CALNAME" | "NAME" if outcome.calendar_name.is_none() => {
                        outcome.calendar_name = non_empty(unescape(&prop.value));
                    }
                    "X-WR-TIMEZONE" => calendar_zone_name = Some(prop.value.trim().to_owned()),
                    _ => {}
                },
                _ => {}
            },
        }
    }
    if let Some(ev) = current.take() {
        outcome.problems.push(ev.unterminated_at_end());
    } else if let Some((_, line)) = stack.first() {
        outcome.problems.push(Problem {
            line: *line,
            uid: None,
            summary: None,
            reason: "the calendar is not closed: the file ends before END:VCALENDAR, so it may be cut off; the \
                     events before the end were read, download the file again to get all of them"
                .to_owned(),
        });
    }

    let mut zones = ZoneResolver::new(&defined);
    outcome.calendar_zone = calendar_zone_name.and_then(|name| zones.resolve(&name));
    let zone = outcome.calendar_zone.unwrap_or(default_zone);
    for raw in raw_events {
        match raw.convert(&mut zones, zone) {
            Ok(event) => outcome.events.push(event),
            Err(problem) => outcome.problems.push(problem),
        }
    }
    outcome.problems.sort_by_key(|p| p.line);
    outcome
}

fn not_a_calendar(first: Option<&Logical>) -> Problem {
    const START: &str = "this is not an iCalendar file: it does not start with BEGIN:VCALENDAR";
    let reason = match first {
        None => format!("{START} (the file is empty)"),
        Some(l) if l.text.trim_start().starts_with('<') => format!(
            "{START} (it looks like a web page or XML: check that the address points to the .ics file itself, \
             e.g. the calendar's \"iCal\" or \"ICS\" export link)"
        ),
        Some(l) => format!("{START} (line {} reads \"{}\")", l.line, shorten(l.text.trim())),
    };
    Problem { line: first.map_or(1, |l| l.line), uid: None, summary: None, reason }
}

/// A line after unfolding, with the number of its first physical line.
pub(super) struct Logical {
    pub(super) text: String,
    pub(super) line: usize,
}

/// Splits at LF (dropping a CR before it) and joins continuation lines, which start with a
/// space or a tab (RFC 5545, 3.1).
pub(super) fn unfold(input: &str) -> Vec<Logical> {
    let input = input.strip_prefix('\u{feff}').unwrap_or(input);
    let mut out: Vec<Logical> = Vec::new();
    for (i, raw) in input.split('\n').enumerate() {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        if let Some(rest) = raw.strip_prefix([' ', '\t'])
            && let Some(last) = out.last_mut()
        {
            last.text.push_str(rest);
            continue;
        }
        out.push(Logical { text: raw.to_owned(), line: i + 1 });
    }
    out
}

/// One content line: `NAME;PARAM=value,"quoted";…:VALUE`, the names in upper case.
#[derive(Debug, Clone)]
pub(super) struct Prop {
    pub(super) name: String,
    pub(super) params: Vec<(String, Vec<String>)>,
    pub(super) value: String,
    pub(super) line: usize,
}

impl Prop {
    /// The first value of a parameter.
    pub(super) fn param(&self, name: &str) -> Option<&str> {
        self.params.iter().find(|(n, _)| n == name).and_then(|(_, v)| v.first()).map(String::as_str)
    }
}

fn is_name_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-'
}

/// Parses a content line; `None` if it is not one. Delimiters are ASCII, so byte offsets are
/// character boundaries.
pub(super) fn parse_content(text: &str, line: usize) -> Option<Prop> {
    let bytes = text.as_bytes();
    let mut i = bytes.iter().position(|&b| !is_name_byte(b))?;
    if i == 0 {
        return None;
    }
    let name = text[..i].to_ascii_uppercase();
    let mut params = Vec::new();
    while bytes.get(i) == Some(&b';') {
        let start = i + 1;
        let eq = start + bytes[start..].iter().position(|&b| !is_name_byte(b))?;
        if eq == start || bytes.get(eq) != Some(&b'=') {
            return None;
        }
        let pname = text[start..eq].to_ascii_uppercase();
        i = eq + 1;
        let mut values = Vec::new();
        loop {
            if bytes.get(i) == Some(&b'"') {
                let close = i + 1 + bytes[i + 1..].iter().position(|&b| b == b'"')?;
                values.push(caret_decode(&text[i + 1..close]));
                i = close + 1;
            } else {
                let end = i + bytes[i..].iter().position(|&b| matches!(b, b',' | b';' | b':'))?;
                values.push(caret_decode(&text[i..end]));
                i = end;
            }
            if bytes.get(i) == Some(&b',') {
                i += 1;
            } else {
                break;
            }
        }
        params.push((pname, values));
    }
    if bytes.get(i) != Some(&b':') {
        return None;
    }
    Some(Prop { name, params, value: text[i + 1..].to_owned(), line })
}

/// RFC 6868: `^n` is a line break, `^'` a double quote, `^^` a caret, in parameter values.
fn caret_decode(s: &str) -> String {
    if !s.contains('^') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, chars.peek()) {
            ('^', Some('n')) => out.push('\n'),
            ('^', Some('\'')) => out.push('"'),
            ('^', Some('^')) => out.push('^'),
            _ => {
                out.push(c);
                continue;
            }
        }
        chars.next();
    }
    out
}

/// A TEXT value unescaped: `\n` (or `\N`) is a line break, `\\`, `\;`, `\,` the character. An
/// unknown escape keeps its character (Outlook writes `\:`).
fn unescape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut chars = s.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n' | 'N') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    out
}

/// Splits a TEXT list at the commas that are not escaped.
fn split_unescaped(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut escaped = false;
    for (i, c) in s.char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' => escaped = true,
            ',' => {
                out.push(&s[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    out.push(&s[start..]);
    out
}

fn non_empty(s: String) -> Option<String> {
    if s.trim().is_empty() { None } else { Some(s) }
}

/// A value quoted in a message, cut to a readable length.
fn shorten(s: &str) -> String {
    const MAX: usize = 60;
    match s.char_indices().nth(MAX) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s.to_owned(),
    }
}

/// The lines of one VEVENT, without its sub-components.
struct RawEvent {
    line: usize,
    props: Vec<Prop>,
}

impl RawEvent {
    fn first_text(&self, name: &str) -> Option<String> {
        self.props.iter().find(|p| p.name == name).and_then(|p| non_empty(unescape(&p.value)))
    }

    fn problem(&self, reason: String) -> Problem {
        Problem {
            line: self.line,
            uid: self.first_text("UID").map(|u| u.trim().to_owned()),
            summary: self.first_text("SUMMARY"),
            reason,
        }
    }

    fn unterminated(&self, at: &str) -> Problem {
        self.problem(format!(
            "the VEVENT starting on line {} has no END:VEVENT {at}: add END:VEVENT after its last line",
            self.line
        ))
    }

    fn unterminated_at_end(&self) -> Problem {
        self.problem(format!(
            "the VEVENT starting on line {} is not closed: the file ends before its END:VEVENT, so it may be cut \
             off; download it again, or add END:VEVENT and END:VCALENDAR",
            self.line
        ))
    }

    fn convert(&self, zones: &mut ZoneResolver<'_>, zone: Tz) -> Result<VEvent, Problem> {
        self.event(zones, zone).map_err(|reason| self.problem(reason))
    }

    fn event(&self, zones: &mut ZoneResolver<'_>, default_zone: Tz) -> Result<VEvent, String> {
        let mut start = None;
        let mut end_at: Option<(IcalTime, &Prop)> = None;
        let mut duration = None;
        let mut event = VEvent::new(String::new(), String::new(), IcalTime::Date(NaiveDate::MIN));
        let mut summary = None;
        for p in &self.props {
            match p.name.as_str() {
                "UID" if event.uid.is_empty() => event.uid = unescape(&p.value).trim().to_owned(),
                "SUMMARY" if summary.is_none() => summary = Some(unescape(&p.value)),
                "DESCRIPTION" if event.description.is_none() => event.description = non_empty(unescape(&p.value)),
                "LOCATION" if event.location.is_none() => event.location = non_empty(unescape(&p.value)),
                "DTSTART" if start.is_none() => start = Some(time(p, p.value.trim(), zones)?),
                "DTEND" if end_at.is_none() => end_at = Some((time(p, p.value.trim(), zones)?, p)),
                "DURATION" if duration.is_none() => duration = Some(parse_duration(p)?),
                "RRULE" => {
                    if event.rrule.is_some() {
                        return Err(format!(
                            "the event has a second RRULE (line {}): the calendar supports one rule per event; \
                             split it into two events or list the extra dates as RDATE",
                            p.line
                        ));
                    }
                    let rule =
                        Rule::parse(&p.value).map_err(|e| format!("the RRULE on line {} is invalid: {e}", p.line))?;
                    event.rrule = Some(rule);
                }
                "EXRULE" => {
                    return Err(format!(
                        "EXRULE (line {}) is not supported (RFC 5545 deprecates it): list the removed dates as \
                         EXDATE instead",
                        p.line
                    ));
                }
                "EXDATE" => event.exdates.extend(times(p, zones)?),
                "RDATE" => event.rdates.extend(times(p, zones)?),
                "RECURRENCE-ID" if event.recurrence_id.is_none() => {
                    event.recurrence_id = Some(time(p, p.value.trim(), zones)?);
                }
                "STATUS" => {
                    event.status = match p.value.trim().to_ascii_uppercase().as_str() {
                        "TENTATIVE" => Some(IcalStatus::Tentative),
                        "CONFIRMED" => Some(IcalStatus::Confirmed),
                        "CANCELLED" => Some(IcalStatus::Cancelled),
                        _ => None,
                    };
                }
                "CLASS" => event.private = !p.value.trim().eq_ignore_ascii_case("PUBLIC"),
                "GEO" => event.geo = parse_geo(&p.value),
                "CATEGORIES" => event.categories.extend(
                    split_unescaped(&p.value).into_iter().filter_map(|c| non_empty(unescape(c).trim().to_owned())),
                ),
                "URL" if event.url.is_none() => event.url = non_empty(p.value.trim().to_owned()),
                "ORGANIZER" if event.organizer.is_none() => event.organizer = organizer(p),
                "SEQUENCE" => event.sequence = p.value.trim().parse().unwrap_or(0),
                "LAST-MODIFIED" => event.last_modified = stamp(p, zones, default_zone),
                "DTSTAMP" => event.dtstamp = stamp(p, zones, default_zone),
                _ => {}
            }
        }
        if event.uid.is_empty() {
            return Err("UID is missing: every event needs a unique identifier (UID), so that it is recognised \
                        when the calendar is imported again; add a UID line, e.g. UID:event-42@example.org"
                .to_owned());
        }
        let Some(start) = start else {
            return Err("DTSTART is missing: every event needs a start (DTSTART), e.g. \
                        DTSTART;TZID=Europe/Berlin:20261205T190000"
                .to_owned());
        };
        event.start = start;
        event.summary = summary.unwrap_or_default();
        event.end = match (end_at, duration) {
            (Some((_, p)), Some(_)) => {
                return Err(format!(
                    "DTEND (line {}) and DURATION are both given: an event has one or the other (RFC 5545); \
                     remove one of them",
                    p.line
                ));
            }
            (Some((t, _)), None) => Some(IcalEnd::At(t)),
            (None, Some(d)) => Some(IcalEnd::Duration(d)),
            (None, None) => None,
        };
        // The domain's own checks, so that every event returned can be stored and expanded.
        match event.recurrence(default_zone) {
            Ok(_) => Ok(event),
            Err(StartError::EndBeforeStart { .. }) => {
                let end = match event.end {
                    Some(IcalEnd::At(t)) => t.to_string(),
                    _ => String::new(),
                };
                Err(format!("DTEND ({end}) lies before DTSTART ({}): give an end at or after the start", event.start))
            }
            Err(e @ (StartError::Nonexistent { .. } | StartError::OutOfRange(_))) => Err(format!("DTSTART: {e}")),
            Err(e) => Err(e.to_string()),
        }
    }
}

/// A DATE or DATE-TIME value of `prop` (one of its values, `value`), with its TZID.
fn time(prop: &Prop, value: &str, zones: &mut ZoneResolver<'_>) -> Result<IcalTime, String> {
    let bad = || {
        format!(
            "{} \"{}\" (line {}) is not a valid date or date-time: write YYYYMMDD for a date or \
             YYYYMMDDTHHMMSS for a time (ending in Z for UTC), e.g. 20261205T190000",
            prop.name,
            shorten(value),
            prop.line
        )
    };
    if let Some(utc) = value.strip_suffix(['Z', 'z']) {
        // A TZID on a UTC value is wrong (RFC 5545) but harmless: the Z wins.
        return parse_date_time(utc).map(|t| IcalTime::Utc(t.and_utc())).ok_or_else(bad);
    }
    if value.len() == 8 {
        return parse_date(value).map(IcalTime::Date).ok_or_else(bad);
    }
    let local = parse_date_time(value).ok_or_else(bad)?;
    match prop.param("TZID") {
        None => Ok(IcalTime::Floating(local)),
        Some(tzid) => match zones.resolve(tzid) {
            Some(zone) => Ok(IcalTime::Zoned { local, zone }),
            None => Err(format!(
                "the time zone \"{}\" of {} (line {}) is unknown: use an IANA zone name such as Europe/Berlin, \
                 or define the zone in a VTIMEZONE with X-LIC-LOCATION",
                shorten(tzid),
                prop.name,
                prop.line
            )),
        },
    }
}

/// The comma-separated values of EXDATE or RDATE; of a PERIOD (`start/end`, `start/duration`)
/// the start.
fn times(prop: &Prop, zones: &mut ZoneResolver<'_>) -> Result<Vec<IcalTime>, String> {
    prop.value
        .split(',')
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(|v| time(prop, v.split_once('/').map_or(v, |(start, _)| start), zones))
        .collect()
}

/// DTSTAMP or LAST-MODIFIED as an instant; `None` when it cannot be read (they are optional
/// for our purposes, so they never cost the event).
fn stamp(prop: &Prop, zones: &mut ZoneResolver<'_>, zone: Tz) -> Option<DateTime<Utc>> {
    match time(prop, prop.value.trim(), zones).ok()? {
        IcalTime::Date(_) => None,
        t => t.instant(zone),
    }
}

fn digits(s: &str) -> Option<u32> {
    if s.bytes().all(|b| b.is_ascii_digit()) { s.parse().ok() } else { None }
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    if s.len() != 8 || !s.is_char_boundary(4) || !s.is_char_boundary(6) {
        return None;
    }
    let year = i32::try_from(digits(&s[..4])?).ok()?;
    NaiveDate::from_ymd_opt(year, digits(&s[4..6])?, digits(&s[6..])?)
}

/// `YYYYMMDDTHHMMSS`, and `YYYYMMDDTHHMM` as some programs write it.
fn parse_date_time(s: &str) -> Option<NaiveDateTime> {
    let (date, time) = s.split_once(['T', 't'])?;
    let date = parse_date(date)?;
    if !matches!(time.len(), 4 | 6) || !time.is_ascii() {
        return None;
    }
    let (h, m) = (digits(&time[..2])?, digits(&time[2..4])?);
    // A leap second (60) is read as 59: no civil clock chrono-tz models shows it.
    let s = if time.len() == 6 { digits(&time[4..])?.min(59) } else { 0 };
    Some(date.and_time(NaiveTime::from_hms_opt(h, m, s)?))
}

/// A DURATION (`P1D`, `PT1H30M`, `P2W`, `P1DT12H`). Negative ones are refused: an event's
/// length cannot be negative.
pub(super) fn parse_duration(prop: &Prop) -> Result<Duration, String> {
    let value = prop.value.trim();
    let bad = || {
        format!(
            "DURATION \"{}\" (line {}) is not a valid duration: write e.g. PT1H30M (1½ hours), P1D (a day) or \
             P2W (two weeks)",
            shorten(value),
            prop.line
        )
    };
    let upper = value.to_ascii_uppercase();
    let (negative, rest) = match upper.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, upper.strip_prefix('+').unwrap_or(&upper)),
    };
    let rest = rest.strip_prefix('P').ok_or_else(bad)?;
    let mut seconds: i64 = 0;
    let mut in_time = false;
    let mut number = String::new();
    let mut parts = 0;
    let mut time_parts = 0;
    for c in rest.chars() {
        match c {
            '0'..='9' if number.len() < 9 => number.push(c),
            'T' if !in_time && number.is_empty() => in_time = true,
            'W' | 'D' | 'H' | 'M' | 'S' if !number.is_empty() => {
                let unit: i64 = match (c, in_time) {
                    ('W', false) => 7 * 86_400,
                    ('D', false) => 86_400,
                    ('H', true) => 3600,
                    ('M', true) => 60,
                    ('S', true) => 1,
                    _ => return Err(bad()),
                };
                let n: i64 = number.parse().map_err(|_| bad())?;
                seconds = n.checked_mul(unit).and_then(|v| seconds.checked_add(v)).ok_or_else(bad)?;
                number.clear();
                parts += 1;
                time_parts += usize::from(in_time);
            }
            _ => return Err(bad()),
        }
    }
    if parts == 0 || !number.is_empty() || (in_time && time_parts == 0) {
        return Err(bad());
    }
    if negative && seconds > 0 {
        return Err(format!(
            "DURATION \"{}\" (line {}) is negative: an event cannot end before it starts; give a positive \
             duration such as PT1H",
            shorten(value),
            prop.line
        ));
    }
    Duration::try_seconds(seconds).ok_or_else(bad)
}

/// `GEO:lat;lon`, in range; a comma instead of the semicolon is accepted.
fn parse_geo(value: &str) -> Option<(f64, f64)> {
    let (lat, lon) = value.split_once(';').or_else(|| value.split_once(','))?;
    let (lat, lon): (f64, f64) = (lat.trim().parse().ok()?, lon.trim().parse().ok()?);
    ((-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon)).then_some((lat, lon))
}

fn organizer(prop: &Prop) -> Option<Organizer> {
    let name = prop.param("CN").and_then(|n| non_empty(n.trim().to_owned()));
    let value = prop.value.trim();
    let email = match value.get(..7) {
        Some(scheme) if scheme.eq_ignore_ascii_case("mailto:") => non_empty(value[7..].trim().to_owned()),
        // A bare address (no scheme) is wrong but unambiguous.
        _ if value.contains('@') && !value.contains(':') => Some(value.to_owned()),
        _ => None,
    };
    (name.is_some() || email.is_some()).then_some(Organizer { name, email })
}
