use chrono::{Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Europe::Berlin;
use chrono_tz::Tz;

use super::*;

fn local(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M").expect("a local time")
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
}

fn utc(s: &str) -> DateTime<Utc> {
    Utc.from_utc_datetime(&local(s))
}

fn berlin(s: &str, minutes: i64) -> EventStart {
    EventStart::timed(Berlin, local(s), Duration::minutes(minutes)).expect("a valid start")
}

fn repeat(start: EventStart, rule: &str) -> Recurrence {
    Recurrence { start, rule: Some(Rule::parse(rule).expect("a valid rule")), exdates: vec![], rdates: vec![] }
}

/// Start times as RFC 3339 strings with their offset.
fn starts(occurrences: &[Occurrence]) -> Vec<String> {
    occurrences
        .iter()
        .map(|o| match o {
            Occurrence::Timed { start, .. } => start.to_rfc3339(),
            Occurrence::AllDay { start, .. } => start.to_string(),
        })
        .collect()
}

fn list(r: &Recurrence, from: &str, to: &str) -> Vec<String> {
    starts(&r.occurrences(utc(from), utc(to), MAX_INSTANCES_PER_REQUEST).expect("expands"))
}

#[test]
fn a_start_in_the_spring_forward_gap_is_rejected() {
    // The last Sunday of March 2025 is the 30th: Berlin's clocks jump from 02:00 to 03:00.
    let err = EventStart::timed(Berlin, local("2025-03-30 02:30"), Duration::hours(1)).unwrap_err();
    assert_eq!(err, StartError::Nonexistent { local: local("2025-03-30 02:30"), zone: Berlin });
    assert!(err.to_string().contains("does not exist in Europe/Berlin"), "{err}");
    let err = EventStart::timed_until(Berlin, local("2025-03-30 01:30"), local("2025-03-30 02:15")).unwrap_err();
    assert!(matches!(err, StartError::Nonexistent { .. }), "an end in the gap is rejected too: {err}");
}

#[test]
fn an_ambiguous_autumn_start_means_the_earlier_instant() {
    // 2025-10-26 02:30 happens twice in Berlin: first at +02:00, then at +01:00.
    let r = Recurrence::single(berlin("2025-10-26 02:30", 30));
    assert_eq!(list(&r, "2025-10-25 00:00", "2025-10-27 00:00"), ["2025-10-26T02:30:00+02:00"]);
}

#[test]
fn a_weekly_0230_series_moves_to_0330_on_the_spring_forward_day_only() {
    let r = repeat(berlin("2025-03-16 02:30", 60), "FREQ=WEEKLY");
    assert_eq!(
        list(&r, "2025-03-16 00:00", "2025-04-14 00:00"),
        [
            "2025-03-16T02:30:00+01:00",
            "2025-03-23T02:30:00+01:00",
            // RFC 5545 3.3.5: a nonexistent local time is read with the offset before the gap.
            "2025-03-30T03:30:00+02:00",
            "2025-04-06T02:30:00+02:00",
            "2025-04-13T02:30:00+02:00",
        ]
    );
}

#[test]
fn a_weekly_1000_event_keeps_its_wall_time_across_both_changes() {
    let r = repeat(berlin("2025-03-23 10:00", 90), "FREQ=WEEKLY;BYDAY=SU");
    let got = r.occurrences(utc("2025-03-01 00:00"), utc("2025-11-10 00:00"), 100).unwrap();
    assert_eq!(got.len(), 34, "every Sunday from 23 March to 9 November");
    for o in &got {
        let Occurrence::Timed { start, end } = o else { panic!("timed") };
        assert_eq!(start.format("%H:%M").to_string(), "10:00", "{start}");
        assert_eq!(*end - *start, Duration::minutes(90));
    }
    let s = starts(&got);
    assert_eq!(s[0], "2025-03-23T10:00:00+01:00");
    assert_eq!(s[1], "2025-03-30T10:00:00+02:00");
    assert_eq!(s[31], "2025-10-26T10:00:00+01:00");
    assert_eq!(s[30], "2025-10-19T10:00:00+02:00");
}

#[test]
fn exdates_remove_and_rdates_add() {
    let mut r = repeat(berlin("2025-06-02 18:00", 60), "FREQ=WEEKLY;BYDAY=MO,WE");
    r.exdates = vec![
        // By instant: 2025-06-04 18:00 in Berlin is 16:00 UTC.
        DateOrTime::Instant(utc("2025-06-04 16:00")),
        // By date: every occurrence on that local date.
        DateOrTime::Date(date("2025-06-09")),
    ];
    r.rdates = vec![
        DateOrTime::Instant(utc("2025-06-07 09:00")),
        // An RDATE equal to a rule instance counts once.
        DateOrTime::Instant(utc("2025-06-11 16:00")),
        // A date RDATE of a timed event takes the start's time of day.
        DateOrTime::Date(date("2025-06-13")),
    ];
    assert_eq!(
        list(&r, "2025-06-01 00:00", "2025-06-14 00:00"),
        [
            "2025-06-02T18:00:00+02:00",
            "2025-06-07T11:00:00+02:00",
            "2025-06-11T18:00:00+02:00",
            "2025-06-13T18:00:00+02:00",
        ]
    );
    // An EXDATE removes an RDATE too.
    r.exdates.push(DateOrTime::Date(date("2025-06-13")));
    assert_eq!(list(&r, "2025-06-12 00:00", "2025-06-14 00:00"), Vec::<String>::new());
}

#[test]
fn a_date_exdate_removes_every_instance_of_that_day() {
    let mut r = repeat(berlin("2025-06-02 10:00", 30), "FREQ=DAILY;BYHOUR=10,18;COUNT=6");
    r.exdates = vec![DateOrTime::Date(date("2025-06-03"))];
    assert_eq!(
        list(&r, "2025-06-01 00:00", "2025-07-01 00:00"),
        [
            "2025-06-02T10:00:00+02:00",
            "2025-06-02T18:00:00+02:00",
            "2025-06-04T10:00:00+02:00",
            "2025-06-04T18:00:00+02:00"
        ]
    );
}

#[test]
fn dtstart_is_the_first_occurrence_even_when_the_rule_does_not_match_it() {
    // A Wednesday start for a Monday rule: RFC 5545 counts DTSTART anyway.
    let r = repeat(berlin("2025-06-04 19:00", 60), "FREQ=WEEKLY;BYDAY=MO;COUNT=2");
    assert_eq!(
        list(&r, "2025-06-01 00:00", "2025-07-01 00:00"),
        ["2025-06-04T19:00:00+02:00", "2025-06-09T19:00:00+02:00", "2025-06-16T19:00:00+02:00"]
    );
    // The rule alone, as libical lists it, does not include it.
    let rule = r.rule.as_ref().unwrap();
    let alone = rule.occurrences(&r.start, utc("2025-06-01 00:00"), utc("2025-07-01 00:00"), 10).unwrap();
    assert_eq!(starts(&alone), ["2025-06-09T19:00:00+02:00", "2025-06-16T19:00:00+02:00"]);
}

#[test]
fn all_day_events_are_dates_in_the_calendar_zone() {
    let start = EventStart::all_day(Berlin, date("2024-02-29"), 1).unwrap();
    let r = repeat(start, "FREQ=YEARLY");
    // Leap day only in leap years (RFC 5545 skips invalid dates).
    assert_eq!(list(&r, "2024-01-01 00:00", "2033-01-01 00:00"), ["2024-02-29", "2028-02-29", "2032-02-29"]);
    // Berlin's 2028-02-29 is 2028-02-28 23:00 UTC to 2028-02-29 23:00 UTC.
    assert_eq!(list(&r, "2028-02-28 22:00", "2028-02-28 23:00"), Vec::<String>::new());
    assert_eq!(list(&r, "2028-02-28 22:00", "2028-02-28 23:01"), ["2028-02-29"]);
    assert_eq!(list(&r, "2028-02-29 22:59", "2028-03-01 00:00"), ["2028-02-29"]);
    assert_eq!(list(&r, "2028-02-29 23:00", "2028-03-01 00:00"), Vec::<String>::new());

    // A three-day festival that began before the window still overlaps it.
    let mut r = repeat(EventStart::all_day(Berlin, date("2025-07-04"), 3).unwrap(), "FREQ=MONTHLY;COUNT=3");
    let got = r.occurrences(utc("2025-08-05 12:00"), utc("2025-08-06 00:00"), 10).unwrap();
    assert_eq!(got, [Occurrence::AllDay { start: date("2025-08-04"), end: date("2025-08-07") }]);
    assert!(got[0].is_all_day());
    r.exdates = vec![DateOrTime::Date(date("2025-08-04"))];
    assert_eq!(list(&r, "2025-07-01 00:00", "2025-12-01 00:00"), ["2025-07-04", "2025-09-04"]);
}

#[test]
fn all_day_rules_ignore_times_of_day() {
    let start = EventStart::all_day(Berlin, date("2025-01-01"), 1).unwrap();
    let r = repeat(start, "FREQ=DAILY;BYHOUR=9,17;COUNT=2");
    assert_eq!(list(&r, "2024-12-01 00:00", "2025-02-01 00:00"), ["2025-01-01", "2025-01-02"]);
}

#[test]
fn more_occurrences_than_the_limit_is_an_error_not_a_short_list() {
    let r = repeat(berlin("2025-01-01 08:00", 30), "FREQ=DAILY");
    // January has 31 days.
    let january = (utc("2025-01-01 00:00"), utc("2025-02-01 00:00"));
    assert_eq!(r.occurrences(january.0, january.1, 31).unwrap().len(), 31);
    assert_eq!(r.occurrences(january.0, january.1, 30), Err(ExpandError::TooMany { limit: 30 }));
    let err = r.occurrences(utc("2025-01-01 00:00"), utc("2100-01-01 00:00"), MAX_INSTANCES_PER_REQUEST).unwrap_err();
    assert_eq!(err, ExpandError::TooMany { limit: 5000 });
    assert!(err.to_string().contains("shorter window"), "{err}");
    // RDATEs count too.
    let mut single = Recurrence::single(berlin("2025-01-01 08:00", 30));
    single.rdates = vec![DateOrTime::Instant(utc("2025-01-02 08:00"))];
    assert_eq!(single.occurrences(january.0, january.1, 1), Err(ExpandError::TooMany { limit: 1 }));
}

#[test]
fn windows_outside_1900_to_2100_are_refused() {
    let r = repeat(berlin("2025-01-01 08:00", 30), "FREQ=DAILY");
    let err = r.occurrences(utc("1899-12-31 23:59"), utc("1900-02-01 00:00"), 10).unwrap_err();
    assert!(matches!(err, ExpandError::OutOfRange { .. }), "{err}");
    assert!(err.to_string().contains("1900-01-01 to 2100-12-31"), "{err}");
    assert!(matches!(
        r.occurrences(utc("2100-12-31 00:00"), utc("2101-01-01 00:01"), 10),
        Err(ExpandError::OutOfRange { .. })
    ));
    assert_eq!(list(&r, "2100-12-31 00:00", "2101-01-01 00:00"), ["2100-12-31T08:00:00+01:00"]);
    assert!(matches!(
        r.occurrences(utc("2025-01-02 00:00"), utc("2025-01-01 00:00"), 10),
        Err(ExpandError::EmptyWindow { .. })
    ));
    assert!(matches!(
        EventStart::timed(Berlin, local("1899-12-31 10:00"), Duration::zero()),
        Err(StartError::OutOfRange(_))
    ));
    assert_eq!(EventStart::all_day(Berlin, date("2025-01-01"), 0), Err(StartError::NoDays));
    assert!(matches!(
        EventStart::timed(Berlin, local("2025-01-01 10:00"), Duration::minutes(-5)),
        Err(StartError::NegativeLength(_))
    ));
    assert_eq!(EventStart::all_day(Berlin, date("2025-01-01"), 367), Err(StartError::TooLong));
    assert!(matches!(
        EventStart::timed_until(Berlin, local("2025-01-01 10:00"), local("2025-01-01 09:00")),
        Err(StartError::EndBeforeStart { .. })
    ));
}

#[test]
fn until_as_a_date_or_floating_time_is_read_in_the_events_zone() {
    // A date UNTIL includes the whole local day.
    let r = repeat(berlin("2025-12-20 23:30", 60), "FREQ=DAILY;UNTIL=20251224");
    let got = list(&r, "2025-12-01 00:00", "2026-01-01 00:00");
    assert_eq!(got.len(), 5);
    assert_eq!(got[4], "2025-12-24T23:30:00+01:00");
    // A floating UNTIL is Berlin wall time: 20:30 on the 24th is after 20:00 there (although
    // it is 19:30 UTC).
    let r = repeat(berlin("2025-12-20 20:30", 60), "FREQ=DAILY;UNTIL=20251224T200000");
    assert_eq!(list(&r, "2025-12-01 00:00", "2026-01-01 00:00").last().unwrap(), "2025-12-23T20:30:00+01:00");
    // A UTC UNTIL is an instant, inclusive: 19:30 UTC is 20:30 in Berlin.
    let r = repeat(berlin("2025-12-20 20:30", 60), "FREQ=DAILY;UNTIL=20251224T193000Z");
    assert_eq!(list(&r, "2025-12-01 00:00", "2026-01-01 00:00").last().unwrap(), "2025-12-24T20:30:00+01:00");
}

#[test]
fn count_is_counted_from_dtstart_whatever_the_window() {
    let r = repeat(berlin("2025-01-01 09:00", 60), "FREQ=DAILY;COUNT=10");
    assert_eq!(
        list(&r, "2025-01-05 00:00", "2025-01-08 00:00"),
        ["2025-01-05T09:00:00+01:00", "2025-01-06T09:00:00+01:00", "2025-01-07T09:00:00+01:00"]
    );
    assert_eq!(
        list(&r, "2025-01-09 00:00", "2026-01-01 00:00"),
        ["2025-01-09T09:00:00+01:00", "2025-01-10T09:00:00+01:00"]
    );
    assert_eq!(list(&r, "2025-01-11 00:00", "2026-01-01 00:00"), Vec::<String>::new());
    // Several a day, with BYSETPOS: counted the same way, the window cut mid-day.
    let r =
        repeat(berlin("2025-01-01 09:00", 0), "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=1,-1;BYHOUR=9,18;COUNT=7");
    assert_eq!(
        list(&r, "2025-02-28 12:00", "2030-01-01 00:00"),
        [
            "2025-02-28T18:00:00+01:00",
            "2025-03-03T09:00:00+01:00",
            "2025-03-31T18:00:00+02:00",
            "2025-04-01T09:00:00+02:00"
        ]
    );
}

#[test]
fn a_far_window_of_an_endless_series_starts_near_the_window() {
    let r = repeat(berlin("2000-01-01 07:00", 60), "FREQ=DAILY;INTERVAL=3");
    // 2090-06-01 is 32,994 days after 2000-01-01, and 32,994 is divisible by 3.
    assert_eq!(
        list(&r, "2090-06-01 00:00", "2090-06-08 00:00"),
        ["2090-06-01T07:00:00+02:00", "2090-06-04T07:00:00+02:00", "2090-06-07T07:00:00+02:00"]
    );
    let r = repeat(berlin("2000-01-31 07:00", 60), "FREQ=MONTHLY;BYMONTHDAY=-1;INTERVAL=5");
    // Months since January 2000 divisible by 5: 2090-11 is month 1090.
    assert_eq!(
        list(&r, "2090-10-01 00:00", "2091-05-01 00:00"),
        ["2090-11-30T07:00:00+01:00", "2091-04-30T07:00:00+02:00"]
    );
}

#[test]
fn a_zero_length_occurrence_at_the_windows_start_overlaps_it() {
    let r = Recurrence::single(berlin("2025-05-01 12:00", 0));
    assert_eq!(list(&r, "2025-05-01 10:00", "2025-05-01 11:00"), ["2025-05-01T12:00:00+02:00"]);
    assert_eq!(list(&r, "2025-05-01 09:00", "2025-05-01 10:00"), Vec::<String>::new());
    // One that ends exactly at the window's start does not.
    let r = Recurrence::single(berlin("2025-05-01 11:00", 60));
    assert_eq!(list(&r, "2025-05-01 10:00", "2025-05-01 11:00"), Vec::<String>::new());
    assert_eq!(list(&r, "2025-05-01 09:59", "2025-05-01 11:00"), ["2025-05-01T11:00:00+02:00"]);
}

#[test]
fn rules_parse_strictly_and_print_canonically() {
    let r = Rule::parse("RRULE:freq=monthly;BYDAY=-1FR,2mo;X-NAME=ignored;interval=2;").unwrap();
    assert_eq!(r.to_string(), "FREQ=MONTHLY;INTERVAL=2;BYDAY=-1FR,2MO");
    assert_eq!(r.frequency(), Frequency::Monthly);
    assert!(!r.is_bounded());
    let r = Rule::parse("FREQ=WEEKLY;UNTIL=20251224T230000Z;WKST=SU;BYDAY=TU,TH").unwrap();
    assert_eq!(r.to_string(), "FREQ=WEEKLY;UNTIL=20251224T230000Z;BYDAY=TU,TH;WKST=SU");
    assert_eq!(Rule::parse(&r.to_string()).unwrap(), r);

    for hourly in ["FREQ=HOURLY", "FREQ=MINUTELY;COUNT=3", "FREQ=SECONDLY"] {
        let err = Rule::parse(hourly).unwrap_err();
        assert!(err.to_string().contains("daily to yearly"), "{err}");
    }
    let bad = [
        ("BYDAY=MO", RuleError::MissingFrequency),
        ("FREQ=DAILY;COUNT=2;UNTIL=20250101", RuleError::CountAndUntil),
        ("FREQ=DAILY;FREQ=WEEKLY", RuleError::Duplicate("FREQ".into())),
        ("FREQ=DAILY;RSCALE=GREGORIAN", RuleError::UnknownPart("RSCALE".into())),
        ("FREQ=DAILY;COUNT", RuleError::Malformed("COUNT".into())),
        ("FREQ=MONTHLY;BYWEEKNO=3", RuleError::NotWithFrequency { part: "BYWEEKNO", freq: Frequency::Monthly }),
        ("FREQ=WEEKLY;BYDAY=1MO", RuleError::OrdinalNotAllowed("1MO".into())),
        ("FREQ=YEARLY;BYWEEKNO=1;BYDAY=1MO", RuleError::OrdinalNotAllowed("1MO".into())),
    ];
    for (text, want) in bad {
        assert_eq!(Rule::parse(text), Err(want), "{text}");
    }
    for text in [
        "FREQ=DAILY;INTERVAL=0",
        "FREQ=DAILY;COUNT=-1",
        "FREQ=DAILY;COUNT=+1",
        "FREQ=MONTHLY;BYMONTHDAY=0",
        "FREQ=MONTHLY;BYMONTHDAY=32",
        "FREQ=YEARLY;BYMONTH=13",
        "FREQ=DAILY;BYDAY=XX",
        "FREQ=DAILY;BYDAY=",
        "FREQ=MONTHLY;BYDAY=54MO",
        "FREQ=DAILY;UNTIL=2025",
        "FREQ=DAILY;BYHOUR=24",
        "FREQ=DAILY;WKST=MONDAY",
        "FREQ=FORTNIGHTLY",
        "FREQ=DAILY;BYDAY=\u{e9}\u{e9}",
    ] {
        let err = Rule::parse(text).unwrap_err();
        assert!(matches!(err, RuleError::InvalidValue { .. }), "{text}: {err}");
    }
}

#[test]
fn results_do_not_depend_on_the_process_time_zone() {
    // Nothing reads the process's zone: the same call gives the same answer with any TZ. (The
    // variable is not set here, since tests run in parallel; this pins the UTC reading of a
    // floating start instead.)
    let start = EventStart::timed(Tz::UTC, local("2025-01-01 09:00"), Duration::zero()).unwrap();
    let r = repeat(start, "FREQ=DAILY;COUNT=2");
    assert_eq!(
        list(&r, "2025-01-01 00:00", "2025-02-01 00:00"),
        ["2025-01-01T09:00:00+00:00", "2025-01-02T09:00:00+00:00"]
    );
}

/// A small deterministic generator, so the test needs no dependency and is reproducible.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        usize::try_from((self.0 >> 33) % n as u64).unwrap_or(0)
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        items[self.next(items.len())]
    }
}

#[test]
fn random_rules_never_panic_and_stay_sorted_and_bounded() {
    let freqs = ["DAILY", "WEEKLY", "MONTHLY", "YEARLY"];
    let parts = [
        "INTERVAL=1",
        "INTERVAL=3",
        "INTERVAL=400",
        "INTERVAL=4294967295",
        "COUNT=1",
        "COUNT=50",
        "COUNT=4294967295",
        "UNTIL=20300101",
        "UNTIL=20260315T020000",
        "UNTIL=19000101T000000Z",
        "BYDAY=MO,FR",
        "BYDAY=-1SU,2TU",
        "BYDAY=53MO",
        "BYMONTHDAY=31,-31,29",
        "BYMONTH=2",
        "BYMONTH=2,3,10",
        "BYYEARDAY=366,-366,60",
        "BYWEEKNO=53,-53,1",
        "BYSETPOS=1,-1",
        "BYSETPOS=366,-366",
        "BYHOUR=0,2,3,23",
        "BYMINUTE=0,30,59",
        "BYSECOND=60",
        "BYSECOND=0,59",
        "WKST=SU",
        "WKST=TH",
    ];
    let zones =
        [Berlin, Tz::UTC, chrono_tz::America::Sao_Paulo, chrono_tz::Pacific::Apia, chrono_tz::Pacific::Kiritimati];
    let starts_at =
        ["1900-01-01 00:00", "2025-03-30 01:59", "2011-12-29 23:30", "2100-12-31 23:59", "2024-02-29 02:30"];
    let windows = [
        ("1900-01-01 00:00", "1900-03-01 00:00"),
        ("2025-01-01 00:00", "2027-01-01 00:00"),
        ("2011-12-28 00:00", "2012-01-02 00:00"),
        ("2100-01-01 00:00", "2101-01-01 00:00"),
        ("1900-01-01 00:00", "2101-01-01 00:00"),
    ];
    let mut rng = Lcg(42);
    for _ in 0..3000 {
        let mut text = format!("FREQ={}", rng.pick(&freqs));
        for _ in 0..rng.next(4) {
            text.push(';');
            text.push_str(rng.pick(&parts));
        }
        let Ok(rule) = Rule::parse(&text) else { continue };
        let zone = zones[rng.next(zones.len())];
        let at = local(rng.pick(&starts_at));
        let start = if rng.next(3) == 0 {
            EventStart::all_day(zone, at.date(), 2)
        } else {
            EventStart::timed(zone, at, Duration::hours(3))
        };
        let Ok(start) = start else { continue };
        let (from, to) = windows[rng.next(windows.len())];
        let r = Recurrence {
            start,
            rule: Some(rule),
            exdates: vec![DateOrTime::Date(date("2025-03-30"))],
            rdates: vec![DateOrTime::Instant(utc("2026-01-01 00:00"))],
        };
        match r.occurrences(utc(from), utc(to), 500) {
            Ok(got) => {
                assert!(got.len() <= 500, "{text}");
                let key = |o: &Occurrence| match o {
                    Occurrence::Timed { start, .. } => start.naive_utc(),
                    Occurrence::AllDay { start, .. } => start.and_hms_opt(0, 0, 0).unwrap(),
                };
                assert!(got.windows(2).all(|w| key(&w[0]) < key(&w[1])), "{text}: {:?}", starts(&got));
            }
            Err(e) => assert_eq!(e, ExpandError::TooMany { limit: 500 }, "{text}"),
        }
    }
}
