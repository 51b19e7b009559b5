use chrono::{TimeZone as _, Utc};

use super::*;
use crate::Locale;
use crate::recurrence::Occurrence;

fn input() -> DraftInput {
    DraftInput {
        title: "Orgelkonzert".into(),
        description: "Bach und *Reger*.".into(),
        start: "2026-12-05T19:00".into(),
        end: Some("2026-12-05T21:00".into()),
        venue: Venue { name: "Stadtkirche St. Michael".into(), ..Venue::default() },
        categories: vec!["konzert".into()],
        ..DraftInput::default()
    }
}

fn fields(e: &[DraftProblem]) -> Vec<&str> {
    e.iter().map(|p| p.field.as_str()).collect()
}

#[test]
fn a_complete_event_is_accepted() {
    let d = EventDraft::parse(&input()).unwrap();
    assert_eq!(d.title, "Orgelkonzert");
    assert_eq!(d.categories, vec![Category::Concert]);
    assert_eq!(d.timing.zone(), chrono_tz::Europe::Berlin);
    assert_eq!(d.timing.first_start(), Utc.with_ymd_and_hms(2026, 12, 5, 18, 0, 0).unwrap());
}

#[test]
fn every_problem_is_reported_at_once() {
    let bad = DraftInput {
        title: " ".into(),
        start: "morgen".into(),
        timezone: Some("Mars/Olympus".into()),
        categories: vec!["tanz".into()],
        organizer: Organizer { email: Some("nobody".into()), ..Organizer::default() },
        links: vec![LinkInput { label: "x".into(), url: "javascript:alert(1)".into() }],
        ..DraftInput::default()
    };
    let e = EventDraft::parse(&bad).unwrap_err();
    let f = fields(&e);
    for want in ["title", "timezone", "venue.name", "categories[0]", "organizer.email", "links[0].url"] {
        assert!(f.contains(&want), "{want} missing in {f:?}");
    }
    assert!(e.iter().all(|p| !p.detail.is_empty() && p.code.starts_with("event-error-")));
}

#[test]
fn times_are_checked_with_clear_messages() {
    let mut i = input();
    i.end = Some("2026-12-05T18:00".into());
    let e = EventDraft::parse(&i).unwrap_err();
    assert_eq!(fields(&e), ["end"], "{e:?}");
    // 02:30 on the last Sunday of March does not exist in Europe/Berlin.
    let mut i = input();
    i.start = "2027-03-28T02:30".into();
    i.end = None;
    let e = EventDraft::parse(&i).unwrap_err();
    assert_eq!(fields(&e), ["start"]);
    assert!(e[0].detail.contains("does not exist"), "{}", e[0].detail);
    let mut i = input();
    i.start = "2026-12-05".into();
    let e = EventDraft::parse(&i).unwrap_err();
    assert!(e[0].detail.contains("without a time"), "{e:?}");
    let mut i = input();
    i.rrule = Some("FREQ=HOURLY".into());
    let e = EventDraft::parse(&i).unwrap_err();
    assert_eq!(fields(&e), ["rrule"]);
}

#[test]
fn rfc3339_input_is_converted_to_the_zone() {
    let mut i = input();
    i.start = "2026-12-05T18:00:00Z".into();
    i.end = Some("2026-12-05T21:00:00+01:00".into());
    let d = EventDraft::parse(&i).unwrap();
    assert_eq!(d.timing.start().to_string(), "2026-12-05 19:00:00");
}

#[test]
fn all_day_end_is_exclusive() {
    let mut i = input();
    i.all_day = true;
    i.start = "2026-12-05".into();
    i.end = Some("2026-12-07".into());
    let d = EventDraft::parse(&i).unwrap();
    let from = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 12, 31, 0, 0, 0).unwrap();
    let o = d.timing.occurrences(&[], from, to, 10).unwrap();
    assert_eq!(o.len(), 1);
    assert_eq!(
        o[0].occurrence,
        Occurrence::AllDay {
            start: chrono::NaiveDate::from_ymd_opt(2026, 12, 5).unwrap(),
            end: chrono::NaiveDate::from_ymd_opt(2026, 12, 7).unwrap()
        }
    );
}

#[test]
fn overrides_cancel_and_move_single_occurrences() {
    let mut i = input();
    i.start = "2026-10-01T19:00".into();
    i.end = Some("2026-10-01T21:00".into());
    i.rrule = Some("FREQ=WEEKLY;COUNT=10".into());
    i.overrides = vec![
        OverrideInput { recurrence_id: "2026-10-08T19:00".into(), cancelled: true, ..OverrideInput::default() },
        OverrideInput {
            recurrence_id: "2026-10-15T19:00".into(),
            start: Some("2026-10-16T20:00".into()),
            title: Some("Orgelkonzert (verlegt)".into()),
            ..OverrideInput::default()
        },
    ];
    let d = EventDraft::parse(&i).unwrap();
    let from = Utc.with_ymd_and_hms(2026, 10, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2026, 10, 20, 0, 0, 0).unwrap();
    let o = d.timing.occurrences(&d.overrides, from, to, 100).unwrap();
    assert_eq!(o.len(), 3, "{o:#?}");
    assert!(!o[0].cancelled && o[1].cancelled);
    let Occurrence::Timed { start, end } = o[2].occurrence else { panic!() };
    assert_eq!(start.naive_local().to_string(), "2026-10-16 20:00:00");
    assert_eq!((end - start).num_hours(), 2, "a moved occurrence keeps its length");
    assert_eq!(o[2].title.as_deref(), Some("Orgelkonzert (verlegt)"));

    // A recurrence id that is no occurrence is refused.
    i.overrides =
        vec![OverrideInput { recurrence_id: "2026-10-09T19:00".into(), cancelled: true, ..OverrideInput::default() }];
    let e = EventDraft::parse(&i).unwrap_err();
    assert_eq!(fields(&e), ["overrides[0].recurrence_id"]);
}

#[test]
fn span_bounds_the_occurrences() {
    let mut i = input();
    i.rrule = Some("FREQ=DAILY;COUNT=3".into());
    let d = EventDraft::parse(&i).unwrap();
    let (first, last) = d.timing.span(&[]);
    assert_eq!(first, Utc.with_ymd_and_hms(2026, 12, 5, 18, 0, 0).unwrap());
    assert!(last.unwrap() >= Utc.with_ymd_and_hms(2026, 12, 7, 20, 0, 0).unwrap());
    i.rrule = Some("FREQ=WEEKLY".into());
    assert_eq!(EventDraft::parse(&i).unwrap().timing.span(&[]).1, None, "an endless rule has no end");
    i.rrule = Some("FREQ=WEEKLY;UNTIL=20270101".into());
    assert!(EventDraft::parse(&i).unwrap().timing.span(&[]).1.is_some());
}

#[test]
fn a_weekly_event_keeps_its_wall_time_across_both_changes() {
    let mut i = input();
    i.start = "2027-03-20T10:00".into();
    i.end = Some("2027-03-20T11:00".into());
    i.rrule = Some("FREQ=WEEKLY;UNTIL=20271107T235959Z".into());
    let d = EventDraft::parse(&i).unwrap();
    let from = Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2027, 12, 1, 0, 0, 0).unwrap();
    let o = d.timing.occurrences(&[], from, to, 100).unwrap();
    let hours: Vec<_> = o
        .iter()
        .map(|o| match o.occurrence {
            Occurrence::Timed { start, .. } => {
                (start.naive_local().format("%H:%M").to_string(), start.to_utc().format("%H").to_string())
            }
            Occurrence::AllDay { .. } => unreachable!(),
        })
        .collect();
    assert!(hours.iter().all(|(l, _)| l == "10:00"));
    assert_eq!(hours[0].1, "09", "winter time: UTC+1");
    assert_eq!(hours[1].1, "09", "27 March: still winter time");
    assert_eq!(hours[2].1, "08", "3 April: summer time, UTC+2");
    assert_eq!(hours.last().unwrap().1, "09", "winter time again");
}

#[test]
fn categories_parse_codes_and_names() {
    assert_eq!(Category::parse("Konzert"), Some(Category::Concert));
    assert_eq!(Category::parse("kinder & familie"), Some(Category::Family));
    assert_eq!(Category::parse("Guided tour"), Some(Category::Tour));
    assert_eq!(Category::parse("konzert"), Some(Category::Concert));
    for c in Category::ALL {
        assert_eq!(Category::parse(c.slug()), Some(c));
        assert!(!c.name(Locale::En).is_empty());
    }
    assert_eq!(EventStatus::parse("published"), Some(EventStatus::Published));
    assert!(EventStatus::Cancelled.is_public() && !EventStatus::Pending.is_public());
}

#[test]
fn pages_follow_each_other_without_gaps_or_repeats() {
    let mut drafts = Vec::new();
    for (n, rule) in
        [(0, Some("FREQ=DAILY")), (1, Some("FREQ=WEEKLY;BYDAY=MO,TH")), (2, None), (3, Some("FREQ=DAILY;COUNT=5"))]
    {
        let mut i = input();
        i.start = format!("2026-11-2{n}T1{n}:00");
        i.end = Some(format!("2026-11-2{n}T1{n}:30"));
        i.rrule = rule.map(Into::into);
        drafts.push(EventDraft::parse(&i).unwrap());
    }
    let cands: Vec<_> = drafts
        .iter()
        .enumerate()
        .map(|(i, d)| Candidate { id: i as i64 + 1, timing: &d.timing, overrides: &d.overrides })
        .collect();
    let from = Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2027, 1, 1, 0, 0, 0).unwrap();
    let all = page(&cands, from, to, None, MAX_PAGE).unwrap();
    assert!(all.next.is_none());
    let mut paged = Vec::new();
    let mut cursor = None;
    loop {
        let p = page(&cands, from, to, cursor, 7).unwrap();
        assert!(p.items.len() <= 7);
        paged.extend(p.items.iter().map(|(i, o)| (*i, o.recurrence_id)));
        match p.next {
            Some(c) => cursor = Some(Cursor::parse(&c.to_string()).unwrap()),
            None => break,
        }
    }
    let whole: Vec<_> = all.items.iter().map(|(i, o)| (*i, o.recurrence_id)).collect();
    assert_eq!(paged, whole);
    // Daily from 20 Nov: 42; Mo/Th from 23 Nov: 12, plus DTSTART on Saturday 21 Nov; a single; COUNT=5.
    assert_eq!(whole.len(), 42 + 13 + 1 + 5);
}

#[test]
fn a_dense_window_is_narrowed_not_refused() {
    // 200 daily events over ten years: a decade holds 730,000 occurrences.
    let drafts: Vec<_> = (0..200)
        .map(|n| {
            let mut i = input();
            i.start = format!("2026-01-01T{:02}:{:02}", n % 24, n % 60);
            i.end = None;
            i.rrule = Some("FREQ=DAILY".into());
            EventDraft::parse(&i).unwrap()
        })
        .collect();
    let cands: Vec<_> =
        drafts.iter().enumerate().map(|(i, d)| Candidate { id: i as i64, timing: &d.timing, overrides: &[] }).collect();
    let from = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
    let to = Utc.with_ymd_and_hms(2036, 1, 1, 0, 0, 0).unwrap();
    let p = page(&cands, from, to, None, 1000).unwrap();
    assert_eq!(p.items.len(), 1000);
    assert!(p.next.is_some());
    let q = page(&cands, from, to, p.next, 1000).unwrap();
    assert!(q.items[0].1.starts_at(chrono_tz::Europe::Berlin) >= p.items[999].1.starts_at(chrono_tz::Europe::Berlin));
}

#[test]
fn a_private_occurrence_of_a_public_series_is_left_out_not_shown() {
    use crate::events::ical::from_vevents;
    use crate::ical::read_calendar;
    let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:t\r\n\
BEGIN:VEVENT\r\nUID:chor@example\r\nSUMMARY:Chorprobe\r\nDTSTART;TZID=Europe/Berlin:20270302T180000\r\nRRULE:FREQ=WEEKLY;COUNT=4\r\nLOCATION:Aula\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:chor@example\r\nRECURRENCE-ID;TZID=Europe/Berlin:20270309T180000\r\nSUMMARY:Geburtstag von Frau M.\r\nCLASS:PRIVATE\r\nDTSTART;TZID=Europe/Berlin:20270309T190000\r\nLOCATION:Privatwohnung\r\nEND:VEVENT\r\n\
BEGIN:VEVENT\r\nUID:chor@example\r\nRECURRENCE-ID;TZID=Europe/Berlin:20270316T180000\r\nSUMMARY:Chorprobe (Generalprobe)\r\nDTSTART;TZID=Europe/Berlin:20270316T180000\r\nLOCATION:Aula\r\nEND:VEVENT\r\n\
END:VCALENDAR\r\n";
    let read = read_calendar(text, chrono_tz::Europe::Berlin);
    let overrides: Vec<_> = read.events.iter().filter(|e| e.recurrence_id.is_some()).collect();
    let imported = from_vevents(&read.events[0], &overrides, chrono_tz::Europe::Berlin);
    assert_eq!(imported.private_occurrences, ["2027-03-09T18:00:00"]);
    let d = EventDraft::parse(&imported.input).unwrap();
    assert_eq!(d.overrides.len(), 1, "only the public change is kept");
    let shown = d
        .timing
        .occurrences(
            &d.overrides,
            Utc.with_ymd_and_hms(2027, 3, 1, 0, 0, 0).unwrap(),
            Utc.with_ymd_and_hms(2027, 4, 1, 0, 0, 0).unwrap(),
            10,
        )
        .unwrap();
    let titles: Vec<_> = shown.iter().map(|o| o.title.clone().unwrap_or_else(|| d.title.clone())).collect();
    assert_eq!(titles, ["Chorprobe", "Chorprobe (Generalprobe)", "Chorprobe"], "9 March is not public");
}
