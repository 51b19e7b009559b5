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
}
