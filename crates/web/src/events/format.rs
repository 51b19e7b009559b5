//! Dates and times as people read them, in German and English.

use chrono::{Datelike as _, NaiveDate, Timelike as _};
use regioportal_domain::Locale;
use regioportal_domain::recurrence::Occurrence;

use super::REGION_ZONE;

const WEEKDAYS_DE: [&str; 7] = ["Montag", "Dienstag", "Mittwoch", "Donnerstag", "Freitag", "Samstag", "Sonntag"];
const WEEKDAYS_EN: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];
const MONTHS_DE: [&str; 12] = [
    "Januar",
    "Februar",
    "März",
    "April",
    "Mai",
    "Juni",
    "Juli",
    "August",
    "September",
    "Oktober",
    "November",
    "Dezember",
];
const MONTHS_EN: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

/// The weekday name.
pub fn weekday(d: NaiveDate, l: Locale) -> &'static str {
    let i = d.weekday().num_days_from_monday() as usize;
    match l {
        Locale::De => WEEKDAYS_DE[i],
        Locale::En => WEEKDAYS_EN[i],
    }
}

/// The month name.
pub fn month_name(month: u32, l: Locale) -> &'static str {
    let i = (month.clamp(1, 12) - 1) as usize;
    match l {
        Locale::De => MONTHS_DE[i],
        Locale::En => MONTHS_EN[i],
    }
}

/// "Samstag, 5. Dezember 2026" / "Saturday, 5 December 2026".
pub fn long_date(d: NaiveDate, l: Locale) -> String {
    match l {
        Locale::De => format!("{}, {}. {} {}", weekday(d, l), d.day(), month_name(d.month(), l), d.year()),
        Locale::En => format!("{}, {} {} {}", weekday(d, l), d.day(), month_name(d.month(), l), d.year()),
    }
}

/// "Dezember 2026".
pub fn month_year(d: NaiveDate, l: Locale) -> String {
    format!("{} {}", month_name(d.month(), l), d.year())
}

/// "19:30".
pub fn time(h: u32, m: u32) -> String {
    format!("{h:02}:{m:02}")
}

/// The time span of an occurrence on its day: "19:30–21:00", "ganztägig", or with dates when
/// it spans days ("5.12. 19:00 – 6.12. 02:00").
pub fn span(o: &Occurrence, l: Locale, all_day: &str) -> String {
    match *o {
        Occurrence::AllDay { start, end } => {
            let last = end.pred_opt().unwrap_or(start);
            if last == start {
                all_day.to_owned()
            } else {
                format!("{all_day}, {} – {}", short_date(start, l), short_date(last, l))
            }
        }
        Occurrence::Timed { start, end } => {
            let (s, e) = (start.with_timezone(&REGION_ZONE), end.with_timezone(&REGION_ZONE));
            let st = time(s.hour(), s.minute());
            if e == s {
                st
            } else if e.date_naive() == s.date_naive() {
                format!("{st}–{}", time(e.hour(), e.minute()))
            } else {
                format!(
                    "{} {st} – {} {}",
                    short_date(s.date_naive(), l),
                    short_date(e.date_naive(), l),
                    time(e.hour(), e.minute())
                )
            }
        }
    }
}

/// "5.12.2026" / "5 Dec 2026".
pub fn short_date(d: NaiveDate, l: Locale) -> String {
    match l {
        Locale::De => format!("{}.{}.{}", d.day(), d.month(), d.year()),
        Locale::En => format!("{} {} {}", d.day(), &month_name(d.month(), l)[..3], d.year()),
    }
}

// Machine formats for the JSON API. A page of 100 occurrences writes 400 dates; through
// `format!` and chrono's formatter they took a sixth of the window route's time (profiled with
// `perf`, bench/routes `window`). The output is chrono's, byte for byte (tested).

fn push_digits(buf: &mut String, n: u32, width: usize) {
    let mut digits = [b'0'; 4];
    let mut n = n;
    for d in digits[..width].iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    buf.extend(digits[..width].iter().map(|&b| char::from(b)));
}

/// Appends `2026-12-05` (years 0–9999; others as chrono writes them).
pub fn push_date(buf: &mut String, d: NaiveDate) {
    match u32::try_from(d.year()) {
        Ok(y) if y <= 9999 => {
            push_digits(buf, y, 4);
            buf.push('-');
            push_digits(buf, d.month(), 2);
            buf.push('-');
            push_digits(buf, d.day(), 2);
        }
        _ => buf.push_str(&d.to_string()),
    }
}

/// Appends `2026-12-05T19:00:00` (whole seconds; fractions are dropped, as the API's local
/// times have none).
pub fn push_local(buf: &mut String, t: chrono::NaiveDateTime) {
    push_date(buf, t.date());
    buf.push('T');
    push_digits(buf, t.hour(), 2);
    buf.push(':');
    push_digits(buf, t.minute(), 2);
    buf.push(':');
    push_digits(buf, t.second(), 2);
}

/// `2026-12-05T19:00:00+01:00`: what `to_rfc3339` gives, without its formatter.
pub fn rfc3339<Z: chrono::TimeZone>(t: &chrono::DateTime<Z>) -> String {
    use chrono::Offset as _;
    let offset = t.offset().fix().local_minus_utc();
    let local = t.naive_local();
    // Fractions of a second and offsets with seconds (local mean time before 1900) are rare:
    // chrono writes those.
    if local.nanosecond() != 0 || offset % 60 != 0 {
        return t.to_rfc3339();
    }
    let mut buf = String::with_capacity(25);
    push_local(&mut buf, local);
    buf.push(if offset < 0 { '-' } else { '+' });
    let minutes = offset.unsigned_abs() / 60;
    push_digits(&mut buf, minutes / 60, 2);
    buf.push(':');
    push_digits(&mut buf, minutes % 60, 2);
    buf
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn german_and_english_dates() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 5).unwrap();
        assert_eq!(long_date(d, Locale::De), "Samstag, 5. Dezember 2026");
        assert_eq!(long_date(d, Locale::En), "Saturday, 5 December 2026");
        assert_eq!(short_date(d, Locale::En), "5 Dec 2026");
    }

    #[test]
    fn machine_formats_are_chronos() {
        use chrono::TimeZone as _;
        let zones: [chrono_tz::Tz; 5] = [
            chrono_tz::Europe::Berlin,
            chrono_tz::America::St_Johns,
            chrono_tz::Asia::Kolkata,
            chrono_tz::Africa::Monrovia,
            chrono_tz::UTC,
        ];
        for zone in zones {
            // Every 97 hours and 13 minutes from 1890 to 2110: both DST changes, odd offsets.
            let mut t = chrono::Utc.with_ymd_and_hms(1890, 1, 1, 0, 0, 0).unwrap();
            while t.year() < 2110 {
                let z = t.with_timezone(&zone);
                assert_eq!(rfc3339(&z), z.to_rfc3339(), "{zone} {t}");
                let mut s = String::new();
                push_local(&mut s, z.naive_local());
                assert_eq!(s, z.naive_local().format("%Y-%m-%dT%H:%M:%S").to_string());
                let mut d = String::new();
                push_date(&mut d, z.date_naive());
                assert_eq!(d, z.date_naive().to_string());
                t += chrono::Duration::minutes(97 * 60 + 13);
            }
        }
        let mut d = String::new();
        push_date(&mut d, NaiveDate::from_ymd_opt(12345, 1, 2).unwrap());
        assert_eq!(d, "+12345-01-02");
        let frac = chrono::Utc.with_ymd_and_hms(2026, 3, 29, 1, 30, 0).unwrap() + chrono::Duration::milliseconds(5);
        assert_eq!(rfc3339(&frac), frac.to_rfc3339());
    }
}
