use std::str::FromStr as _;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, Offset as _, TimeZone as _, Utc};
use chrono_tz::America::New_York;
use chrono_tz::Europe::Berlin;
use chrono_tz::{OffsetName as _, Tz};

use super::read::{parse_content, parse_duration, unfold};
use super::timezone::numeric_name;
use super::write::duration;
use super::*;
use crate::recurrence::{DateOrTime, Occurrence, Rule};

fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("a local time")
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
}

fn utc(s: &str) -> DateTime<Utc> {
    Utc.from_utc_datetime(&local(s))
}

fn berlin(s: &str) -> IcalTime {
    IcalTime::Zoned { local: local(s), zone: Berlin }
}

fn meta() -> CalendarMeta {
    CalendarMeta {
        prodid: "-//Regioportal//Veranstaltungen//DE".to_owned(),
        name: Some("Veranstaltungen in Jena".to_owned()),
        description: Some("Alles, was in Jena los ist; täglich aktualisiert".to_owned()),
        refresh_interval: Some(Duration::hours(12)),
        timezone_years: None,
        dtstamp: utc("2026-11-01 12:00"),
    }
}

/// Wraps VEVENT lines (LF line ends) in a minimal calendar.
fn calendar(body: &str) -> String {
    format!("BEGIN:VCALENDAR\nVERSION:2.0\nPRODID:-//Test//Test//EN\n{body}END:VCALENDAR\n")
}

fn read(input: &str) -> ReadOutcome {
    read_calendar(input, Berlin)
}

fn rich_sample() -> Vec<VEvent> {
    let stamp = Some(utc("2026-11-01 09:30"));

    let mut market = VEvent::new("markt-2026@jena.example", "Weihnachtsmarkt", IcalTime::Date(date("2026-11-25")));
    market.end = Some(IcalEnd::At(IcalTime::Date(date("2026-12-24"))));
    market.description = Some(
        "Glühwein, Stollen; Kunsthandwerk aus Thüringen.\nÖffnungszeiten: täglich 10–21 Uhr.\n\n\
         Eintritt frei \\ ohne Anmeldung – für Groß und Klein, bei jedem Wetter. ✨🎄 Grüße aus Jena!"
            .repeat(3),
    );
    market.categories = vec!["Markt".to_owned(), "Advent, Weihnachten; Familie".to_owned()];
    market.status = Some(IcalStatus::Confirmed);
    market.location = Some("Marktplatz, 07743 Jena".to_owned());
    market.geo = Some((50.9271, 11.5892));
    market.url = Some("https://www.jena.example/markt?tag=1&x=a,b;c".to_owned());
    market.organizer = Some(Organizer {
        name: Some("Stadt Jena; Kulturamt: Märkte".to_owned()),
        email: Some("maerkte@jena.example".to_owned()),
    });
    market.sequence = 3;
    market.last_modified = Some(utc("2026-10-30 08:00"));
    market.dtstamp = stamp;

    let mut choir = VEvent::new("chor@jena.example", "Chorprobe", berlin("2026-01-07 19:00"));
    choir.end = Some(IcalEnd::At(berlin("2026-01-07 21:00")));
    choir.rrule = Some(Rule::parse("FREQ=WEEKLY;BYDAY=WE;UNTIL=20261231T225959Z").unwrap());
    choir.exdates = vec![berlin("2026-04-01 19:00"), berlin("2026-12-23 19:00")];
    choir.rdates = vec![berlin("2026-04-02 19:00"), IcalTime::Date(date("2026-05-01"))];
    choir.location = Some("Volkshaus, Carl-Zeiß-Platz 15; Saal 2".to_owned());
    choir.categories = vec!["Musik".to_owned()];
    choir.dtstamp = stamp;

    let mut moved = VEvent::new("chor@jena.example", "Chorprobe (verlegt)", berlin("2026-02-04 20:00"));
    moved.end = Some(IcalEnd::Duration(Duration::minutes(150)));
    moved.recurrence_id = Some(berlin("2026-02-04 19:00"));
    moved.sequence = 1;
    moved.dtstamp = stamp;

    let mut call =
        VEvent::new("call@jena.example", "Videokonferenz \\ Partnerstadt", IcalTime::Utc(utc("2026-03-10 15:00")));
    call.end = Some(IcalEnd::At(IcalTime::Utc(utc("2026-03-10 16:30"))));
    call.status = Some(IcalStatus::Tentative);
    call.organizer = Some(Organizer { name: None, email: Some("partner@jena.example".to_owned()) });
    call.dtstamp = stamp;

    let mut run = VEvent::new("lauf@jena.example", "Stadtlauf", IcalTime::Floating(local("2026-06-14 09:00")));
    run.end = Some(IcalEnd::Duration(Duration::days(1)));
    run.rdates = vec![IcalTime::Floating(local("2026-06-21 09:00"))];
    run.exdates = vec![IcalTime::Utc(utc("2026-06-14 07:00"))];
    run.dtstamp = stamp;

    let ny = |s: &str| IcalTime::Zoned { local: local(s), zone: New_York };
    let mut visit = VEvent::new("ny@jena.example", "Partnerschaftstreffen New York", ny("2026-09-15 18:00"));
    visit.end = Some(IcalEnd::At(ny("2026-09-15 20:00")));
    visit.rrule = Some(Rule::parse("FREQ=YEARLY;COUNT=3").unwrap());
    visit.status = Some(IcalStatus::Cancelled);
    visit.last_modified = Some(utc("2026-08-01 10:00"));
    visit.dtstamp = stamp;

    vec![market, choir, moved, call, run, visit]
}

#[test]
fn a_rich_calendar_survives_a_round_trip() {
    let events = rich_sample();
    let text = write_calendar(&meta(), &events);
    let back = read(&text);
    assert_eq!(back.problems, vec![], "{text}");
    assert_eq!(back.events, events);
    assert_eq!(back.calendar_name.as_deref(), Some("Veranstaltungen in Jena"));
}

#[test]
fn written_lines_end_in_crlf_and_are_folded_at_75_octets_between_characters() {
    let text = write_calendar(&meta(), &rich_sample());
    assert!(text.ends_with("END:VCALENDAR\r\n"));
    assert!(!text.replace("\r\n", "").contains(['\r', '\n']), "no bare line breaks");
    let lines: Vec<&str> = text.split_terminator("\r\n").collect();
    // Splitting a String yields &str, so a fold inside a character could not even get here; the
    // octet bound is the point.
    for line in &lines {
        assert!(line.len() <= 75, "{} octets: {line:?}", line.len());
    }
    assert!(lines.iter().filter(|l| l.starts_with(' ')).count() > 5, "long values are folded");
    assert!(
        lines.iter().any(|l| l.len() < 75 && l.len() > 71 && !l.is_ascii()),
        "a line ends early rather than split a multi-byte character"
    );
}

#[test]
fn the_writer_escapes_text_and_quotes_parameters() {
    let mut e = VEvent::new("a,b;c@x", "Sommerfest; Musik, Tanz\\Spiel\nab 18 Uhr", berlin("2026-07-04 18:00"));
    e.organizer = Some(Organizer {
        name: Some("Verein \"Alte Mühle\": Vorstand".to_owned()),
        email: Some("vorstand@x".to_owned()),
    });
    e.categories = vec!["Fest, draußen".to_owned(), String::new(), "Musik".to_owned()];
    e.geo = Some((f64::NAN, 1.0));
    let text = write_calendar(&meta(), &[e]);
    assert!(text.contains("\r\nSUMMARY:Sommerfest\\; Musik\\, Tanz\\\\Spiel\\nab 18 Uhr\r\n"), "{text}");
    assert!(text.contains("\r\nUID:a\\,b\\;c@x\r\n"), "{text}");
    assert!(text.contains("\r\nORGANIZER;CN=\"Verein Alte Mühle: Vorstand\":mailto:vorstand@x\r\n"), "{text}");
    assert!(text.contains("\r\nCATEGORIES:Fest\\, draußen,Musik\r\n"), "{text}");
    assert!(!text.contains("GEO"), "a GEO that is not a place is left out");
    assert!(text.contains("\r\nDTSTAMP:20261101T120000Z\r\n"), "the calendar's DTSTAMP is the default");
}

#[test]
fn the_header_has_the_required_and_the_feed_properties() {
    let text = write_calendar(&meta(), &[]);
    let lines: Vec<&str> = text.split_terminator("\r\n").collect();
    assert_eq!(
        lines,
        [
            "BEGIN:VCALENDAR",
            "VERSION:2.0",
            "PRODID:-//Regioportal//Veranstaltungen//DE",
            "CALSCALE:GREGORIAN",
            "METHOD:PUBLISH",
            "X-WR-CALNAME:Veranstaltungen in Jena",
            "X-WR-CALDESC:Alles\\, was in Jena los ist\\; täglich aktualisiert",
            "REFRESH-INTERVAL;VALUE=DURATION:PT12H",
            "X-PUBLISHED-TTL:PT12H",
            "END:VCALENDAR",
        ]
    );
}

#[test]
fn date_times_are_written_per_kind() {
    let mut e = VEvent::new("u", "s", IcalTime::Date(date("2026-12-05")));
    e.exdates = vec![
        berlin("2026-12-05 19:00"),
        IcalTime::Utc(utc("2026-12-05 18:00")),
        IcalTime::Floating(local("2026-12-05 19:00")),
    ];
    e.recurrence_id = Some(IcalTime::Date(date("2026-12-06")));
    e.end = Some(IcalEnd::Duration(Duration::days(2)));
    e.last_modified = Some(utc("2026-01-02 03:04"));
    let text = write_calendar(&meta(), &[e]);
    for line in [
        "DTSTART;VALUE=DATE:20261205",
        "DURATION:P2D",
        "EXDATE;TZID=Europe/Berlin:20261205T190000",
        "EXDATE:20261205T180000Z",
        "EXDATE:20261205T190000",
        "RECURRENCE-ID;VALUE=DATE:20261206",
        "DTSTAMP:20260102T030400Z",
    ] {
        assert!(text.contains(&format!("\r\n{line}\r\n")), "{line} in {text}");
    }
}

#[test]
fn durations_are_written_in_rfc_5545_form() {
    let cases = [
        (Duration::zero(), false, "PT0S"),
        (Duration::minutes(90), false, "PT1H30M"),
        (Duration::seconds(3601), false, "PT1H0M1S"),
        (Duration::seconds(45), false, "PT45S"),
        (Duration::days(1), false, "PT24H"),
        (Duration::days(1), true, "P1D"),
        (Duration::hours(36), true, "P1DT12H"),
        (Duration::weeks(2), true, "P2W"),
    ];
    for (d, days, text) in cases {
        assert_eq!(duration(d, days), text);
        let prop = parse_content(&format!("DURATION:{text}"), 1).unwrap();
        assert_eq!(parse_duration(&prop), Ok(d), "{text} reads back");
    }
    for bad in ["", "P", "PT", "1H", "PT1D", "P1H", "PTH", "P1.5D", "P1DT", "PT1H2"] {
        let prop = parse_content(&format!("DURATION:{bad}"), 1).unwrap();
        assert!(parse_duration(&prop).unwrap_err().contains("is not a valid duration"), "{bad}");
    }
}

// --- VTIMEZONE -----------------------------------------------------------------------------

fn event_in(zone: Tz, s: &str) -> VEvent {
    VEvent::new(format!("{zone}@x"), "Termin", IcalTime::Zoned { local: local(s), zone })
}

/// The VTIMEZONE block for `tzid` in a written calendar.
fn vtimezone<'a>(text: &'a str, tzid: &str) -> &'a str {
    let start = text.find(&format!("BEGIN:VTIMEZONE\r\nTZID:{tzid}\r\n")).expect("a VTIMEZONE");
    let len = text[start..].find("END:VTIMEZONE\r\n").expect("its end") + "END:VTIMEZONE\r\n".len();
    &text[start..start + len]
}

#[test]
fn berlin_gets_one_daylight_and_one_standard_observance_with_yearly_rules() {
    let mut e = event_in(Berlin, "2026-12-05 19:00");
    e.exdates = vec![berlin("2026-12-12 19:00")];
    let text = write_calendar(&meta(), &[e.clone(), e]);
    assert_eq!(text.matches("BEGIN:VTIMEZONE").count(), 1, "one VTIMEZONE per zone");
    assert!(text.find("END:VTIMEZONE").unwrap() < text.find("BEGIN:VEVENT").unwrap(), "zones come first");
    let tz = vtimezone(&text, "Europe/Berlin");
    let expected = "BEGIN:VTIMEZONE\r\nTZID:Europe/Berlin\r\nX-LIC-LOCATION:Europe/Berlin\r\n\
                    BEGIN:DAYLIGHT\r\nDTSTART:20250330T020000\r\nTZOFFSETFROM:+0100\r\nTZOFFSETTO:+0200\r\n\
                    TZNAME:CEST\r\nRRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU\r\nEND:DAYLIGHT\r\n\
                    BEGIN:STANDARD\r\nDTSTART:20251026T030000\r\nTZOFFSETFROM:+0200\r\nTZOFFSETTO:+0100\r\n\
                    TZNAME:CET\r\nRRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU\r\nEND:STANDARD\r\n\
                    END:VTIMEZONE\r\n";
    assert_eq!(tz, expected);
}

#[test]
fn other_zones_get_their_own_patterns() {
    let sydney = Tz::Australia__Sydney;
    let tokyo = Tz::Asia__Tokyo;
    let events = [
        event_in(New_York, "2026-05-01 10:00"),
        event_in(sydney, "2026-05-01 10:00"),
        event_in(tokyo, "2026-05-01 10:00"),
    ];
    let text = write_calendar(&meta(), &events);
    let ny = vtimezone(&text, "America/New_York");
    assert!(ny.contains("RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=2SU\r\n") && ny.contains("TZNAME:EDT"), "{ny}");
    assert!(ny.contains("RRULE:FREQ=YEARLY;BYMONTH=11;BYDAY=1SU\r\n") && ny.contains("TZOFFSETTO:-0500"), "{ny}");
    // Southern hemisphere: summer time starts in October and ends in April.
    let syd = vtimezone(&text, "Australia/Sydney");
    let daylight = &syd[syd.find("BEGIN:DAYLIGHT").unwrap()..syd.find("END:DAYLIGHT").unwrap()];
    assert!(daylight.contains("BYMONTH=10;BYDAY=1SU") && daylight.contains("TZOFFSETTO:+1100"), "{syd}");
    let standard = &syd[syd.find("BEGIN:STANDARD").unwrap()..syd.find("END:STANDARD").unwrap()];
    assert!(standard.contains("BYMONTH=4;BYDAY=1SU") && standard.contains("TZNAME:AEST"), "{syd}");
    let jp = vtimezone(&text, "Asia/Tokyo");
    assert_eq!(
        jp,
        "BEGIN:VTIMEZONE\r\nTZID:Asia/Tokyo\r\nX-LIC-LOCATION:Asia/Tokyo\r\nBEGIN:STANDARD\r\n\
         DTSTART:20250101T000000\r\nTZOFFSETFROM:+0900\r\nTZOFFSETTO:+0900\r\nTZNAME:JST\r\nEND:STANDARD\r\n\
         END:VTIMEZONE\r\n"
    );
    assert!(!text.contains("Europe/Berlin"), "only the zones used get a VTIMEZONE");
}

#[test]
fn summer_time_is_daylight_even_where_tzdata_calls_winter_the_exception() {
    // tzdata gives Europe/Dublin a negative DST in winter; clients expect summer as DAYLIGHT.
    let text = write_calendar(&meta(), &[event_in(Tz::Europe__Dublin, "2026-05-01 10:00")]);
    let dublin = vtimezone(&text, "Europe/Dublin");
    let daylight = &dublin[dublin.find("BEGIN:DAYLIGHT").unwrap()..dublin.find("END:DAYLIGHT").unwrap()];
    assert!(daylight.contains("TZOFFSETTO:+0100") && daylight.contains("TZNAME:IST"), "{dublin}");
}

#[test]
fn a_rule_change_inside_the_range_ends_the_old_rule_with_until() {
    let cal = CalendarMeta { timezone_years: Some((2000, 2030)), ..meta() };
    let text = write_calendar(&cal, &[event_in(New_York, "2026-05-01 10:00")]);
    let ny = vtimezone(&text, "America/New_York");
    // Until 2006: first Sunday of April to last Sunday of October; since 2007 the Energy Policy Act.
    // UNTIL lies a day after the last onset, safe for clients that read it as wall time.
    assert!(ny.contains("RRULE:FREQ=YEARLY;BYMONTH=4;BYDAY=1SU;UNTIL=20060403T070000Z\r\n"), "{ny}");
    assert!(ny.contains("RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU;UNTIL=20061030T060000Z\r\n"), "{ny}");
    assert!(ny.contains("DTSTART:20070311T020000\r\n"), "{ny}");
}

/// One onset of a VTIMEZONE: from `at` (seconds since the epoch) the zone shows `offset`.
struct Onset {
    at: i64,
    from: i32,
    offset: i32,
    name: String,
}

fn parse_offset(s: &str) -> i32 {
    let sign = if s.starts_with('-') { -1 } else { 1 };
    let n = |r: std::ops::Range<usize>| s.get(r).map_or(0, |v| v.parse::<i32>().unwrap());
    sign * (n(1..3) * 3600 + n(3..5) * 60 + n(5..7))
}

/// One STANDARD or DAYLIGHT observance as written.
#[derive(Default)]
struct Written {
    locals: Vec<NaiveDateTime>,
    rrule: Option<String>,
    from: i32,
    to: i32,
    name: String,
}

/// Evaluates a written VTIMEZONE independently of the writer: its observances' DTSTART, RDATEs
/// and RRULE (expanded by the recurrence engine) as a sorted list of onsets.
fn onsets(text: &str, tzid: &str) -> Vec<Onset> {
    let block = vtimezone(text, tzid);
    let mut out = Vec::new();
    let mut current: Option<Written> = None;
    for l in unfold(block) {
        let Some(p) = parse_content(&l.text, l.line) else { continue };
        let floating = |v: &str| NaiveDateTime::parse_from_str(v, "%Y%m%dT%H%M%S").unwrap();
        match (p.name.as_str(), current.as_mut()) {
            ("BEGIN", _) if p.value == "STANDARD" || p.value == "DAYLIGHT" => current = Some(Written::default()),
            ("DTSTART" | "RDATE", Some(c)) => c.locals.push(floating(&p.value)),
            ("RRULE", Some(c)) => c.rrule = Some(p.value.clone()),
            ("TZOFFSETFROM", Some(c)) => c.from = parse_offset(&p.value),
            ("TZOFFSETTO", Some(c)) => c.to = parse_offset(&p.value),
            ("TZNAME", Some(c)) => c.name = p.value.clone(),
            ("END", Some(_)) => {
                let Written { mut locals, rrule, from, to, name } = current.take().unwrap();
                let mut until = None;
                if let Some(rrule) = rrule {
                    // UNTIL is a UTC instant, but the engine would compare it with the wall
                    // time here (the start is "in UTC" to keep wall times as they are).
                    let parts: Vec<&str> = rrule
                        .split(';')
                        .filter(|part| match part.strip_prefix("UNTIL=") {
                            Some(u) => {
                                until = Some(NaiveDateTime::parse_from_str(u, "%Y%m%dT%H%M%SZ").unwrap().and_utc());
                                false
                            }
                            None => true,
                        })
                        .collect();
                    let rule = Rule::parse(&parts.join(";")).unwrap();
                    let start = crate::recurrence::EventStart::timed(Tz::UTC, locals[0], Duration::zero()).unwrap();
                    let instances = rule.occurrences(&start, utc("1990-01-01 00:00"), utc("2050-01-01 00:00"), 10_000);
                    for o in instances.unwrap() {
                        if let Occurrence::Timed { start, .. } = o {
                            locals.push(start.naive_local());
                        }
                    }
                }
                for l in locals {
                    let at = (l - Duration::seconds(i64::from(from))).and_utc();
                    if until.is_none_or(|u| at <= u) {
                        out.push(Onset { at: at.timestamp(), from, offset: to, name: name.clone() });
                    }
                }
            }
            _ => {}
        }
    }
    out.sort_by_key(|o| o.at);
    out.dedup_by_key(|o| o.at);
    out
}

#[test]
fn written_vtimezones_give_chrono_tz_offsets_and_names_from_2000_to_2040() {
    let zones = [
        "Europe/Berlin",
        "America/New_York",
        "Australia/Sydney",
        "Asia/Tokyo",
        "UTC",
        "Europe/London",
        "Europe/Dublin",
        "Europe/Moscow",
        "America/Sao_Paulo",
        "America/Santiago",
        "Asia/Tehran",
        "Africa/Cairo",
        "Africa/Casablanca",
        "Australia/Lord_Howe",
        "Pacific/Apia",
        "Asia/Kolkata",
    ];
    let cal = CalendarMeta { timezone_years: Some((1999, 2041)), ..meta() };
    for name in zones {
        let zone = Tz::from_str(name).unwrap();
        let text = write_calendar(&cal, &[event_in(zone, "2026-05-01 10:00")]);
        for line in text.split_terminator("\r\n") {
            assert!(line.len() <= 75, "{line}");
        }
        let onsets = onsets(&text, name);
        assert!(!onsets.is_empty(), "{name}");
        let expected = |t: i64| {
            let o = zone.offset_from_utc_datetime(&DateTime::from_timestamp(t, 0).unwrap().naive_utc());
            let offset = o.fix().local_minus_utc();
            (offset, o.abbreviation().map_or_else(|| numeric_name(offset), str::to_owned))
        };
        let check = |t: i64| {
            let i = onsets.partition_point(|o| o.at <= t);
            let (offset, name_at) = match i {
                0 => (onsets[0].from, None),
                i => (onsets[i - 1].offset, Some(onsets[i - 1].name.as_str())),
            };
            let (want, want_name) = expected(t);
            let when = DateTime::from_timestamp(t, 0).unwrap();
            assert_eq!(offset, want, "{name} at {when}");
            if let Some(n) = name_at {
                assert_eq!(n, want_name, "{name} at {when}");
            }
        };
        let (from, to) = (utc("2000-01-01 00:00").timestamp(), utc("2041-01-01 00:00").timestamp());
        for t in (from..to).step_by(3 * 3600 + 17) {
            check(t);
        }
        for o in onsets.iter().filter(|o| (from..to).contains(&o.at)) {
            check(o.at - 1);
            check(o.at);
        }
    }
}

#[test]
fn the_default_range_follows_the_events_and_is_bounded() {
    let events = [event_in(Berlin, "2031-05-01 10:00"), event_in(Berlin, "2060-01-01 10:00")];
    let text = write_calendar(&meta(), &events);
    assert!(text.contains("DTSTART:20300331T020000"), "from the year before the first event: {text}");
    // A zoned value far outside the supported years does not make the scan unbounded.
    let text = write_calendar(&meta(), &[event_in(Berlin, "0001-01-01 10:00")]);
    assert!(text.contains("BEGIN:VTIMEZONE"));
    let cal = CalendarMeta { timezone_years: Some((i32::MAX, i32::MIN)), ..meta() };
    assert!(write_calendar(&cal, &[event_in(Berlin, "2026-01-01 10:00")]).contains("BEGIN:DAYLIGHT"));
}

// --- Reader --------------------------------------------------------------------------------

const GOOGLE: &str = "BEGIN:VCALENDAR
PRODID:-//Google Inc//Google Calendar 70.9054//EN
VERSION:2.0
CALSCALE:GREGORIAN
METHOD:PUBLISH
X-WR-CALNAME:Kultur in Jena
X-WR-TIMEZONE:Europe/Berlin
X-WR-CALDESC:Konzerte\\, Lesungen und Märkte
BEGIN:VTIMEZONE
TZID:Europe/Berlin
X-LIC-LOCATION:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
DTSTART;TZID=Europe/Berlin:20261205T190000
DTEND;TZID=Europe/Berlin:20261205T213000
RRULE:FREQ=WEEKLY;WKST=MO;COUNT=4;BYDAY=SA
EXDATE;TZID=Europe/Berlin:20261212T190000
DTSTAMP:20261101T120000Z
UID:4h3k2j1l0mnb@google.com
CREATED:20261001T080000Z
DESCRIPTION:Mit dem Kammerchor der Stadt\\, Eintritt frei.\\nEinlass ab 18:30
  Uhr. Weitere Informationen unter https://www.jena.example/advent
LAST-MODIFIED:20261002T090000Z
LOCATION:Stadtkirche St. Michael\\, Kirchplatz 1\\, 07743 Jena\\, Deutschland
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Adventskonzert
TRANSP:OPAQUE
BEGIN:VALARM
ACTION:DISPLAY
DESCRIPTION:This is an event reminder
TRIGGER:-P0DT0H30M0S
END:VALARM
END:VEVENT
BEGIN:VEVENT
DTSTART;VALUE=DATE:20261125
DTEND;VALUE=DATE:20261224
DTSTAMP:20261101T120000Z
UID:7a6s5d4f3g2h@google.com
CREATED:20261001T080000Z
DESCRIPTION:
LAST-MODIFIED:20261001T080000Z
LOCATION:
SEQUENCE:0
STATUS:CONFIRMED
SUMMARY:Weihnachtsmarkt
TRANSP:TRANSPARENT
END:VEVENT
BEGIN:VEVENT
DTSTART;TZID=Europe/Berlin:20261219T200000
DTEND;TZID=Europe/Berlin:20261219T223000
DTSTAMP:20261101T120000Z
UID:4h3k2j1l0mnb@google.com
RECURRENCE-ID;TZID=Europe/Berlin:20261219T190000
CREATED:20261001T080000Z
LAST-MODIFIED:20261015T080000Z
SEQUENCE:1
STATUS:CONFIRMED
SUMMARY:Adventskonzert (eine Stunde später)
TRANSP:OPAQUE
END:VEVENT
END:VCALENDAR
";

#[test]
fn a_google_calendar_export_is_read() {
    let out = read(GOOGLE);
    assert_eq!(out.problems, vec![]);
    assert_eq!(out.calendar_name.as_deref(), Some("Kultur in Jena"));
    assert_eq!(out.calendar_zone, Some(Berlin));
    let [concert, market, moved] = out.events.as_slice() else { panic!("three events: {:?}", out.events) };
    assert_eq!(concert.uid, "4h3k2j1l0mnb@google.com");
    assert_eq!(concert.summary, "Adventskonzert");
    assert_eq!(concert.start, berlin("2026-12-05 19:00"));
    assert_eq!(concert.end, Some(IcalEnd::At(berlin("2026-12-05 21:30"))));
    assert_eq!(concert.rrule, Some(Rule::parse("FREQ=WEEKLY;COUNT=4;BYDAY=SA").unwrap()));
    assert_eq!(concert.exdates, vec![berlin("2026-12-12 19:00")]);
    assert_eq!(
        concert.description.as_deref(),
        Some(
            "Mit dem Kammerchor der Stadt, Eintritt frei.\nEinlass ab 18:30 Uhr. Weitere Informationen unter https://www.jena.example/advent"
        )
    );
    assert_eq!(concert.location.as_deref(), Some("Stadtkirche St. Michael, Kirchplatz 1, 07743 Jena, Deutschland"));
    assert_eq!(concert.status, Some(IcalStatus::Confirmed));
    assert_eq!(concert.last_modified, Some(utc("2026-10-02 09:00")));
    assert_eq!(concert.dtstamp, Some(utc("2026-11-01 12:00")));
    // Three Saturdays remain of four; the moved one is an override with the same UID.
    let r = concert.recurrence(Berlin).unwrap();
    let occ = r.occurrences(utc("2026-12-01 00:00"), utc("2027-01-01 00:00"), 100).unwrap();
    assert_eq!(occ.len(), 3);

    assert_eq!(market.start, IcalTime::Date(date("2026-11-25")));
    assert_eq!(market.end, Some(IcalEnd::At(IcalTime::Date(date("2026-12-24")))));
    assert_eq!((market.description.as_ref(), market.location.as_ref()), (None, None), "empty is none");
    assert_eq!(market.recurrence(Berlin).unwrap().start.days(), Some(29));

    assert_eq!(moved.uid, concert.uid);
    assert_eq!(moved.recurrence_id, Some(berlin("2026-12-19 19:00")));
    assert_eq!(moved.sequence, 1);
}

const OUTLOOK: &str = "BEGIN:VCALENDAR\r
PRODID:-//Microsoft Corporation//Outlook 16.0 MIMEDIR//EN\r
VERSION:2.0\r
METHOD:PUBLISH\r
X-MS-OLK-FORCEINSPECTOROPEN:TRUE\r
BEGIN:VTIMEZONE\r
TZID:W. Europe Standard Time\r
BEGIN:STANDARD\r
DTSTART:16011028T030000\r
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=10\r
TZOFFSETFROM:+0200\r
TZOFFSETTO:+0100\r
END:STANDARD\r
BEGIN:DAYLIGHT\r
DTSTART:16010325T020000\r
RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3\r
TZOFFSETFROM:+0100\r
TZOFFSETTO:+0200\r
END:DAYLIGHT\r
END:VTIMEZONE\r
BEGIN:VEVENT\r
CLASS:PUBLIC\r
CREATED:20260110T101500Z\r
DESCRIPTION:Sitzung des Stadtrats\\; öffentlicher Teil.\\n\\nDie Tagesordnung s\r
 teht im Amtsblatt.\\n\r
DTEND;TZID=\"W. Europe Standard Time\":20260212T200000\r
DTSTAMP:20260110T101500Z\r
DTSTART;TZID=\"W. Europe Standard Time\":20260212T170000\r
LAST-MODIFIED:20260110T101500Z\r
LOCATION:Rathaus\\, Großer Saal\r
ORGANIZER;CN=\"Stadtverwaltung Jena: Büro des Rates; Sitzungsdienst\":mailto:ra\r
 t@jena.example\r
PRIORITY:5\r
SEQUENCE:0\r
SUMMARY;LANGUAGE=de-de:Stadtratssitzung\r
TRANSP:OPAQUE\r
UID:040000008200E00074C5B7101A82E00800000000D0C5F7E1A0A1D801000000000000000\r
 010000000B2F1E5C1E0A6A94A9C7E2C0F0C0A0A0A\r
X-MICROSOFT-CDO-BUSYSTATUS:BUSY\r
X-MICROSOFT-CDO-IMPORTANCE:1\r
X-MICROSOFT-DISALLOW-COUNTER:FALSE\r
X-MS-OLK-AUTOFILLLOCATION:FALSE\r
X-MS-OLK-CONFTYPE:0\r
BEGIN:VALARM\r
TRIGGER:-PT15M\r
ACTION:DISPLAY\r
DESCRIPTION:Reminder\r
END:VALARM\r
END:VEVENT\r
BEGIN:VEVENT\r
CATEGORIES:Bürgerservice\r
CLASS:PUBLIC\r
DTEND;TZID=\"W. Europe Standard Time\":20260108T180000\r
DTSTART;TZID=\"W. Europe Standard Time\":20260108T160000\r
EXDATE;TZID=\"W. Europe Standard Time\":20260312T160000,20260409T160000\r
RRULE:FREQ=MONTHLY;BYDAY=2TH\r
SUMMARY;LANGUAGE=de-de:Bürgersprechstunde\r
UID:040000008200E00074C5B7101A82E00800000000F1D2A3B4C5D6E701000000000000000\r
 01000000099\r
END:VEVENT\r
END:VCALENDAR\r
";

#[test]
fn an_outlook_export_is_read() {
    let out = read(OUTLOOK);
    assert_eq!(out.problems, vec![]);
    let [council, office] = out.events.as_slice() else { panic!("two events: {:?}", out.events) };
    assert_eq!(council.summary, "Stadtratssitzung");
    assert_eq!(council.start, berlin("2026-02-12 17:00"));
    assert_eq!(council.end, Some(IcalEnd::At(berlin("2026-02-12 20:00"))));
    assert_eq!(
        council.description.as_deref(),
        Some("Sitzung des Stadtrats; öffentlicher Teil.\n\nDie Tagesordnung steht im Amtsblatt.\n")
    );
    assert_eq!(
        council.organizer,
        Some(Organizer {
            name: Some("Stadtverwaltung Jena: Büro des Rates; Sitzungsdienst".to_owned()),
            email: Some("rat@jena.example".to_owned()),
        })
    );
    assert!(council.uid.ends_with("0A0A0A") && council.uid.len() == 112, "{}", council.uid);
    assert_eq!(office.categories, ["Bürgerservice"]);
    assert_eq!(office.exdates, vec![berlin("2026-03-12 16:00"), berlin("2026-04-09 16:00")]);
    assert_eq!(office.rrule.as_ref().map(ToString::to_string).as_deref(), Some("FREQ=MONTHLY;BYDAY=2TH"));
}

fn event_lines(lines: &str) -> String {
    calendar(&format!("BEGIN:VEVENT\n{lines}END:VEVENT\n"))
}

/// Reads one broken event between two good ones and returns the problem's reason.
fn reason_for(lines: &str) -> String {
    let good = |n: u32| format!("BEGIN:VEVENT\nUID:good-{n}\nDTSTART:20260101T100000Z\nSUMMARY:Gut {n}\nEND:VEVENT\n");
    let input = calendar(&format!("{}BEGIN:VEVENT\n{lines}END:VEVENT\n{}", good(1), good(3)));
    let out = read(&input);
    let uids: Vec<&str> = out.events.iter().map(|e| e.uid.as_str()).collect();
    assert_eq!(uids, ["good-1", "good-3"], "the good events around it are read: {:?}", out.problems);
    let [problem] = out.problems.as_slice() else { panic!("one problem: {:?}", out.problems) };
    assert_eq!(problem.line, 9, "the line of the broken event's BEGIN");
    problem.reason.clone()
}

#[test]
fn each_broken_event_becomes_a_problem_with_a_clear_reason() {
    let cases = [
        ("UID:a\nSUMMARY:x\n", "DTSTART is missing: every event needs a start (DTSTART)"),
        ("DTSTART:20260101T100000Z\nSUMMARY:x\n", "UID is missing: every event needs a unique identifier (UID)"),
        ("UID:a\nDTSTART:2026-12-05\n", "DTSTART \"2026-12-05\" (line 11) is not a valid date or date-time"),
        ("UID:a\nDTSTART:20261332T100000\n", "is not a valid date or date-time: write YYYYMMDD"),
        ("UID:a\nDTSTART;TZID=Mars/Olympus_Mons:20261205T100000\n", "the time zone \"Mars/Olympus_Mons\" of DTSTART"),
        ("UID:a\nDTSTART;TZID=Europe/Berlin:20261205T100000\nEXDATE;TZID=Nowhere:20261206T100000\n", "\"Nowhere\""),
        (
            "UID:a\nDTSTART:20261205T100000Z\nRRULE:FREQ=HOURLY\n",
            "the RRULE on line 12 is invalid: FREQ=HOURLY is not supported",
        ),
        ("UID:a\nDTSTART:20261205T100000Z\nRRULE:FREQ=DAILY;COUNT=2;UNTIL=20270101\n", "COUNT and UNTIL exclude"),
        (
            "UID:a\nDTSTART;TZID=Europe/Berlin:20261205T190000\nDTEND;TZID=Europe/Berlin:20261205T180000\n",
            "DTEND (2026-12-05 18:00:00 (Europe/Berlin)) lies before DTSTART (2026-12-05 19:00:00 (Europe/Berlin))",
        ),
        ("UID:a\nDTSTART;VALUE=DATE:20261205\nDTEND;VALUE=DATE:20261204\n", "lies before DTSTART"),
        (
            "UID:a\nDTSTART:20261205T100000Z\nDTEND:20261205T110000Z\nDURATION:PT1H\n",
            "DTEND (line 12) and DURATION are both given",
        ),
        ("UID:a\nDTSTART:20261205T100000Z\nDURATION:-PT1H\n", "DURATION \"-PT1H\" (line 12) is negative"),
        ("UID:a\nDTSTART:20261205T100000Z\nDURATION:1 hour\n", "is not a valid duration: write e.g. PT1H30M"),
        ("UID:a\nDTSTART:18001205T100000Z\n", "DTSTART: 1800-12-05 is outside the supported range"),
        ("UID:a\nDTSTART;TZID=Europe/Berlin:20260329T023000\n", "DTSTART: 2026-03-29 02:30:00 does not exist"),
        ("UID:a\nDTSTART:20261205T100000Z\nDURATION:P400D\n", "an occurrence may last at most 366 days"),
        ("UID:a\nDTSTART:20261205T100000Z\nRRULE:FREQ=DAILY\nRRULE:FREQ=WEEKLY\n", "a second RRULE (line 13)"),
        ("UID:a\nDTSTART:20261205T100000Z\nEXRULE:FREQ=DAILY\n", "EXRULE (line 12) is not supported"),
    ];
    for (lines, expected) in cases {
        let reason = reason_for(lines);
        assert!(reason.contains(expected), "{lines:?}: {reason}");
    }
}

#[test]
fn a_problem_names_the_event() {
    let out = read(&event_lines("UID:konzert-1\nSUMMARY:Konzert\\, draußen\nDTSTART:kaputt\n"));
    let p = &out.problems[0];
    assert_eq!((p.uid.as_deref(), p.summary.as_deref()), (Some("konzert-1"), Some("Konzert, draußen")));
    assert!(p.to_string().starts_with("line 4 (\"Konzert, draußen\", UID konzert-1): DTSTART \"kaputt\""), "{p}");
}

#[test]
fn input_that_is_not_a_calendar_is_one_problem() {
    let html = "\n<!DOCTYPE html>\n<html><head><title>Kalender</title></head></html>\n";
    for (input, hint) in [
        ("", "the file is empty"),
        ("  \r\n\r\n", "the file is empty"),
        (html, "web page"),
        ("BEGIN:VEVENT\nUID:x\nEND:VEVENT\n", "line 1 reads \"BEGIN:VEVENT\""),
        ("{\"events\": []}", "line 1 reads"),
    ] {
        let out = read(input);
        assert!(out.events.is_empty());
        let [p] = out.problems.as_slice() else { panic!("one problem for {input:?}") };
        assert!(
            p.reason.starts_with("this is not an iCalendar file: it does not start with BEGIN:VCALENDAR"),
            "{}",
            p.reason
        );
        assert!(p.reason.contains(hint), "{}", p.reason);
    }
    assert_eq!(read(html).problems[0].line, 2);
}

#[test]
fn unterminated_and_nested_components_are_reported_not_fatal() {
    let good = "BEGIN:VEVENT\nUID:ok\nDTSTART:20260101T100000Z\nEND:VEVENT\n";
    // Cut off in the middle of an event.
    let out = read(&format!("BEGIN:VCALENDAR\n{good}BEGIN:VEVENT\nUID:cut\nDTSTART:2026"));
    assert_eq!(out.events.len(), 1);
    assert_eq!(out.problems.len(), 1);
    assert!(out.problems[0].reason.contains("the file ends before its END:VEVENT"), "{:?}", out.problems);
    assert_eq!((out.problems[0].line, out.problems[0].uid.as_deref()), (6, Some("cut")));

    // An event without END before the next event: the next one is still read.
    let out = read(&calendar(&format!("BEGIN:VEVENT\nUID:open\nDTSTART:20260101T100000Z\n{good}")));
    assert_eq!(out.events.iter().map(|e| e.uid.as_str()).collect::<Vec<_>>(), ["ok"]);
    assert!(out.problems[0].reason.contains("has no END:VEVENT before the next BEGIN:VEVENT on line 7"));

    // An event left open when the calendar ends.
    let out = read(&calendar("BEGIN:VEVENT\nUID:open\nDTSTART:20260101T100000Z\n"));
    assert!(out.events.is_empty());
    assert!(out.problems[0].reason.contains("before the END:VCALENDAR on line 7"), "{:?}", out.problems);

    // A calendar without its END: the events are read, the cut is reported.
    let out = read(&format!("BEGIN:VCALENDAR\n{good}"));
    assert_eq!(out.events.len(), 1);
    assert!(out.problems[0].reason.contains("the file ends before END:VCALENDAR"));

    // Stray ENDs, an unclosed VALARM and unknown components lose nothing.
    let body = "END:VTODO\nBEGIN:VTODO\nUID:todo\nDTSTART:20260101T100000Z\nEND:VTODO\nBEGIN:X-THING\nBEGIN:VEVENT\n\
                UID:in-x\nDTSTART:20260101T100000Z\nEND:VEVENT\nEND:X-THING\nBEGIN:VEVENT\nUID:alarm\n\
                DTSTART:20260101T100000Z\nBEGIN:VALARM\nTRIGGER:-PT15M\nEND:VEVENT\n";
    let out = read(&calendar(body));
    assert_eq!(out.problems, vec![]);
    let uids: Vec<&str> = out.events.iter().map(|e| e.uid.as_str()).collect();
    assert_eq!(uids, ["in-x", "alarm"], "a VEVENT inside an unknown component still counts");
}

#[test]
fn content_lines_are_parsed_tolerantly() {
    let input = "begin:vcalendar\nbegin:vevent\nuid:x\ndtstart;tzid=Europe/Berlin:20261205T190000\n\
                 ORGANIZER;ROLE=CHAIR;CN=\"Doe; John: Jr.\";X-A=\"a,b\",c:MAILTO:john@x\n\
                 ATTENDEE;CN=^'Max^' Mustermann^n:mailto:max@x\n\
                 SUMMARY:Eins \\N zwei \\\\ drei \\: vier\n\
                 DESCRIPTION:folded with\n\ta tab and\n  a space\n\
                 CATEGORIES:A,B\\,C\nCATEGORIES: D ,\n\
                 GEO:50.92;11.58\nURL:https://x.example/a;b\nSEQUENCE:seven\n\
                 EXDATE;VALUE=DATE:20261206,20261207\n\
                 RDATE;VALUE=PERIOD:20261220T180000Z/PT2H,20261221T180000Z/20261221T200000Z\n\
                 RDATE;TZID=/mozilla.org/20050126_1/Europe/Berlin:20261222T190000\n\
                 STATUS:maybe\nDURATION:P1DT2H\nend:vevent\nend:vcalendar\n";
    let out = read(input);
    assert_eq!(out.problems, vec![]);
    let e = &out.events[0];
    assert_eq!(e.start, berlin("2026-12-05 19:00"));
    assert_eq!(e.organizer.as_ref().and_then(|o| o.name.as_deref()), Some("Doe; John: Jr."));
    assert_eq!(e.organizer.as_ref().and_then(|o| o.email.as_deref()), Some("john@x"));
    assert_eq!(e.summary, "Eins \n zwei \\ drei : vier");
    assert_eq!(e.description.as_deref(), Some("folded witha tab and a space"));
    assert_eq!(e.categories, ["A", "B,C", "D"]);
    assert_eq!(e.geo, Some((50.92, 11.58)));
    assert_eq!(e.url.as_deref(), Some("https://x.example/a;b"));
    assert_eq!(e.sequence, 0, "an unreadable SEQUENCE is left out");
    assert_eq!(e.status, None);
    assert_eq!(e.exdates, vec![IcalTime::Date(date("2026-12-06")), IcalTime::Date(date("2026-12-07"))]);
    assert_eq!(
        e.rdates,
        vec![
            IcalTime::Utc(utc("2026-12-20 18:00")),
            IcalTime::Utc(utc("2026-12-21 18:00")),
            berlin("2026-12-22 19:00")
        ]
    );
    assert_eq!(e.end, Some(IcalEnd::Duration(Duration::hours(26))));
    let p = parse_content("ATTENDEE;CN=^'Max^' Mustermann^n^^:mailto:max@x", 1).unwrap();
    assert_eq!(p.param("CN"), Some("\"Max\" Mustermann\n^"));
    for bad in ["", ":x", "NO COLON", "A;B:x", "A;B=\"open:x", "A;B=\"q\"x:y", "<p>a:b</p>"] {
        assert!(parse_content(bad, 1).is_none(), "{bad:?}");
    }
}

#[test]
fn tzids_are_mapped_to_iana_zones() {
    let cases = [
        ("Europe/Berlin", "Europe/Berlin"),
        ("\"Europe/Berlin\"", "Europe/Berlin"),
        ("/mozilla.org/20050126_1/Europe/Berlin", "Europe/Berlin"),
        ("/softwarestudio.org/Olson_20011030_5/America/New_York", "America/New_York"),
        ("/freeassociation.sourceforge.net/Tzfile/America/Argentina/Buenos_Aires", "America/Argentina/Buenos_Aires"),
        ("europe/berlin", "Europe/Berlin"),
        ("W. Europe Standard Time", "Europe/Berlin"),
        ("\"Central Europe Standard Time\"", "Europe/Budapest"),
        ("GMT Standard Time", "Europe/London"),
        ("Romance Standard Time", "Europe/Paris"),
        ("Eastern Standard Time", "America/New_York"),
        ("Pacific Standard Time", "America/Los_Angeles"),
        ("\"(UTC+01:00) Amsterdam, Berlin, Bern, Rom, Stockholm, Wien\"", "Europe/Amsterdam"),
        ("\"tzone://Microsoft/Utc\"", "UTC"),
        ("Eigene Zone", "Europe/Vienna"),
    ];
    for (tzid, zone) in cases {
        let input = format!(
            "BEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:x\nDTSTART;TZID={tzid}:20261205T190000\nEND:VEVENT\n\
             BEGIN:VTIMEZONE\nTZID:Eigene Zone\nX-LIC-LOCATION:Europe/Vienna\nBEGIN:STANDARD\nTZID:Ignored\n\
             END:STANDARD\nEND:VTIMEZONE\nEND:VCALENDAR\n"
        );
        let out = read(&input);
        assert_eq!(out.problems, vec![], "{tzid}");
        let want = IcalTime::Zoned { local: local("2026-12-05 19:00"), zone: Tz::from_str(zone).unwrap() };
        assert_eq!(out.events[0].start, want, "{tzid}");
    }
}

#[test]
fn floating_and_zoned_values_convert_to_instants() {
    let floating = IcalTime::Floating(local("2026-07-01 12:00"));
    assert_eq!(floating.to_date_or_time(Berlin), Some(DateOrTime::Instant(utc("2026-07-01 10:00"))));
    assert_eq!(floating.to_date_or_time(Tz::UTC), Some(DateOrTime::Instant(utc("2026-07-01 12:00"))));
    // In the spring-forward gap the offset before it applies: 02:30 CET is 03:30 CEST.
    assert_eq!(berlin("2026-03-29 02:30").instant(Tz::UTC), Some(utc("2026-03-29 01:30")));
    // In the autumn overlap, the earlier instant.
    assert_eq!(berlin("2026-10-25 02:30").instant(Tz::UTC), Some(utc("2026-10-25 00:30")));
    let d = IcalTime::Date(date("2026-12-24"));
    assert_eq!(d.to_date_or_time(Berlin), Some(DateOrTime::Date(date("2026-12-24"))));
    assert_eq!(d.to_string(), "2026-12-24");
}

#[test]
fn events_convert_to_the_domains_recurrence() {
    let mut e = VEvent::new("u", "s", IcalTime::Date(date("2026-12-24")));
    assert_eq!(e.recurrence(Berlin).unwrap().start.days(), Some(1), "a date without an end is one day");
    e.end = Some(IcalEnd::At(IcalTime::Date(date("2026-12-24"))));
    assert_eq!(e.recurrence(Berlin).unwrap().start.days(), Some(1), "DTEND = DTSTART is one day too");
    e.end = Some(IcalEnd::Duration(Duration::hours(49)));
    assert_eq!(e.recurrence(Berlin).unwrap().start.days(), Some(3));

    let mut e = VEvent::new("u", "s", IcalTime::Utc(utc("2026-10-24 22:00")));
    e.end = Some(IcalEnd::At(berlin("2026-10-25 03:00")));
    let r = e.recurrence(Berlin).unwrap();
    assert_eq!((r.start.zone(), r.start.length()), (Tz::UTC, Duration::hours(4)), "exact time across the change");
    e.exdates = vec![IcalTime::Floating(local("2026-10-31 22:00"))];
    let r = e.recurrence(Berlin).unwrap();
    assert_eq!(r.exdates, [DateOrTime::Instant(utc("2026-10-31 22:00"))], "floating in the event's zone");
}

/// A small deterministic generator, so that the test needs no dependency.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        usize::try_from(self.0 >> 33).unwrap() % n.max(1)
    }
}

#[test]
fn mangled_input_never_panics() {
    let written = write_calendar(&meta(), &rich_sample());
    let pieces = [
        "\r\n",
        "\n",
        "\n ",
        "\n\t",
        ":",
        ";",
        "\"",
        ",",
        "=",
        "\\",
        "^",
        "ä",
        "🎄",
        "T",
        "Z",
        "9",
        "-P",
        "/",
        "BEGIN:VEVENT\n",
        "END:VEVENT\n",
        "END:VCALENDAR\n",
        "BEGIN:VALARM\n",
        "BEGIN:VCALENDAR\n",
        "TZID=",
        "VALUE=PERIOD:",
        "DTSTART:",
        "DURATION:P99999999999W",
        "RRULE:FREQ=",
        "EXDATE;TZID=X:",
    ];
    let mut rng = Lcg(42);
    for sample in [written.as_str(), GOOGLE, OUTLOOK] {
        for _ in 0..300 {
            let mut text = sample.to_owned();
            for _ in 0..=rng.next(8) {
                let mut at = rng.next(text.len());
                while !text.is_char_boundary(at) {
                    at -= 1;
                }
                if rng.next(2) == 0 {
                    let mut end = (at + rng.next(40)).min(text.len());
                    while !text.is_char_boundary(end) {
                        end -= 1;
                    }
                    text.replace_range(at..end, "");
                } else {
                    text.insert_str(at, pieces[rng.next(pieces.len())]);
                }
            }
            let out = read_calendar(&text, Berlin);
            for e in &out.events {
                assert!(!e.uid.is_empty());
                assert!(e.recurrence(out.calendar_zone.unwrap_or(Berlin)).is_ok());
            }
            // Whatever was read can be written again.
            let again = write_calendar(&meta(), &out.events);
            assert_eq!(read_calendar(&again, Berlin).events.len(), out.events.len());
        }
    }
}

#[test]
fn many_events_are_read_in_linear_time() {
    // Not a timing assertion: a quadratic reader would make this test take minutes, not
    // milliseconds.
    let events: Vec<VEvent> = (0..20_000)
        .map(|i| {
            let mut e = VEvent::new(format!("e{i}"), "Termin", berlin("2026-05-01 10:00"));
            e.exdates = vec![berlin("2026-05-08 10:00"); 3];
            e
        })
        .collect();
    let text = write_calendar(&meta(), &events);
    let out = read(&text);
    assert_eq!(out.events.len(), 20_000);
}

#[test]
fn a_class_other_than_public_marks_the_event_private() {
    for (class, private) in [
        ("", false),
        ("CLASS:PUBLIC\r\n", false),
        ("CLASS:PRIVATE\r\n", true),
        ("CLASS:confidential\r\n", true),
        ("CLASS:X-INTERN\r\n", true),
    ] {
        let text = format!(
            "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\nUID:a@x\r\nSUMMARY:S\r\n{class}DTSTART:20270101T100000Z\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
        );
        let out = read_calendar(&text, Berlin);
        assert_eq!(out.events[0].private, private, "{class:?}");
    }
}
