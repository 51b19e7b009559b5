//! Runs every DAILY, WEEKLY, MONTHLY and YEARLY case of libical's recurrence test table
//! (`shared/testdata/libical/icalrecur_test.txt`, beside the repository) through
//! `Rule::occurrences` and compares the complete instance lists.
//!
//! Floating times are floating, so they are expanded in UTC; libical lists a DTSTART that does
//! not match its rule as no instance, which is what `Rule::occurrences` returns (events add
//! DTSTART in `Recurrence::occurrences`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, TimeZone, Utc};
use chrono_tz::Tz;
use regioportal_domain::recurrence::{EventStart, Occurrence, Rule};

struct Case {
    line: usize,
    comment: String,
    rrule: String,
    dtstart: String,
    start_at: Option<String>,
    instances: String,
}

fn table_path() -> PathBuf {
    // Cargo's variable at run time, not the compiled-in one: a target folder shared by several
    // clones (`.ci/run`) can hand one clone a test binary built in another.
    let crate_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| env!("CARGO_MANIFEST_DIR").into(), PathBuf::from);
    crate_dir.join("../../../shared/testdata/libical/icalrecur_test.txt")
}

fn parse_table(text: &str) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut comment = Vec::new();
    let mut current: Option<Case> = None;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim_end();
        if let Some(c) = line.strip_prefix('#') {
            comment.push(c.trim().to_owned());
        } else if let Some(r) = line.strip_prefix("RRULE:") {
            current = Some(Case {
                line: i + 1,
                comment: comment.join(" / "),
                rrule: r.to_owned(),
                dtstart: String::new(),
                start_at: None,
                instances: String::new(),
            });
            comment.clear();
        } else if let Some(case) = current.as_mut() {
            if let Some(d) = line.strip_prefix("DTSTART:") {
                case.dtstart = d.to_owned();
            } else if let Some(s) = line.strip_prefix("START-AT:") {
                case.start_at = Some(s.to_owned());
            } else if let Some(list) = line.strip_prefix("INSTANCES:") {
                case.instances = list.trim().to_owned();
                cases.extend(current.take());
            }
        }
    }
    cases
}

/// A libical value: a date, a floating time or a UTC time (floating ones read as UTC).
enum Value {
    Date(NaiveDate),
    Time(NaiveDateTime),
}

fn parse_value(s: &str) -> Value {
    let s = s.trim().trim_end_matches('Z');
    if s.len() == 8 {
        Value::Date(NaiveDate::parse_from_str(s, "%Y%m%d").expect("a date"))
    } else {
        Value::Time(NaiveDateTime::parse_from_str(s, "%Y%m%dT%H%M%S").expect("a date-time"))
    }
}

fn instant(s: &str) -> DateTime<Utc> {
    match parse_value(s) {
        Value::Date(d) => Utc.from_utc_datetime(&d.and_hms_opt(0, 0, 0).expect("midnight")),
        Value::Time(t) => Utc.from_utc_datetime(&t),
    }
}

fn run(case: &Case) -> Result<(), String> {
    let start = match parse_value(&case.dtstart) {
        Value::Date(d) => EventStart::all_day(Tz::UTC, d, 1),
        Value::Time(t) => EventStart::timed(Tz::UTC, t, Duration::zero()),
    }
    .map_err(|e| format!("DTSTART rejected: {e}"))?;
    let rule = Rule::parse(&case.rrule).map_err(|e| format!("RRULE rejected: {e}"))?;
    let to = instant("21010101T000000Z");
    let expected: Vec<String> =
        case.instances.split(',').map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned).collect();
    let got = expand(&rule, &start, instant("19000101T000000Z"), to, case.dtstart.ends_with('Z'))?;
    if got != expected {
        return Err(format!("\n  expected {} {expected:?}\n  got      {} {got:?}", expected.len(), got.len()));
    }
    // The table's lists are complete from DTSTART; START-AT says where libical starts iterating,
    // which here is the window's start: the same list from there on must come out.
    if let Some(at) = &case.start_at {
        let at = instant(at);
        let tail: Vec<String> = expected.iter().filter(|e| instant(e) >= at).cloned().collect();
        let got = expand(&rule, &start, at, to, case.dtstart.ends_with('Z'))?;
        if got != tail {
            return Err(format!("\n  from START-AT expected {tail:?}\n  got {got:?}"));
        }
    }
    Ok(())
}

fn expand(
    rule: &Rule,
    start: &EventStart,
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    utc: bool,
) -> Result<Vec<String>, String> {
    let got = rule.occurrences(start, from, to, 100_000).map_err(|e| format!("expansion failed: {e}"))?;
    Ok(got
        .iter()
        .map(|o| match o {
            Occurrence::AllDay { start, .. } => start.format("%Y%m%d").to_string(),
            Occurrence::Timed { start, .. } => {
                format!("{}{}", start.naive_local().format("%Y%m%dT%H%M%S"), if utc { "Z" } else { "" })
            }
        })
        .collect())
}

#[test]
fn every_daily_to_yearly_libical_case_passes() {
    let path = table_path();
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the libical table at {}: {e}", path.display()));
    let cases = parse_table(&text);
    assert_eq!(cases.len(), 146, "the table should hold 146 cases");

    let mut passed: BTreeMap<String, usize> = BTreeMap::new();
    let mut skipped: BTreeMap<String, usize> = BTreeMap::new();
    let mut failures = Vec::new();
    for case in &cases {
        let freq = case.rrule.split(';').find_map(|p| p.strip_prefix("FREQ=")).unwrap_or("?").to_owned();
        if !matches!(freq.as_str(), "DAILY" | "WEEKLY" | "MONTHLY" | "YEARLY") {
            *skipped.entry(freq).or_default() += 1;
            continue;
        }
        if case.instances.contains("UNIMPLEMENTED") {
            println!(
                "skipped L{} ({}): libical itself marks it UNIMPLEMENTED, so there is no expected list",
                case.line, case.rrule
            );
            *skipped.entry(format!("{freq} (UNIMPLEMENTED in libical)")).or_default() += 1;
            continue;
        }
        match run(case) {
            Ok(()) => *passed.entry(freq).or_default() += 1,
            Err(why) => {
                failures.push(format!("L{} {} ({}) DTSTART:{}{why}", case.line, case.rrule, case.comment, case.dtstart))
            }
        }
    }
    println!("libical cases passed: {passed:?}");
    println!("libical cases skipped: {skipped:?} (HOURLY, MINUTELY and SECONDLY are not calendar frequencies)");
    assert!(failures.is_empty(), "{} daily–yearly cases failed:\n{}", failures.len(), failures.join("\n"));
}
