//! Public holidays (gesetzliche Feiertage) of Thuringia, computed for the years
//! [`FIRST_YEAR`]..=[`LAST_YEAR`].
//!
//! The list follows § 2 (1) of the Thüringer Feier- und Gedenktagsgesetz (ThürFGtG) of
//! 21 December 1994 and, for 1990–1994, the GDR ordinance of 16 May 1990 (GBl. I S. 248) that the
//! Land took over as its own law:
//!
//! - the Reformationstag has been a holiday every year since 1990 — the last GDR government
//!   reintroduced it for the predominantly Protestant Bezirke (Erfurt, Gera and Suhl among them),
//!   so 31 October 1990 was already a day off, before the Land was re-founded on 14 October;
//! - the Buß- und Bettag was a holiday from 1990 to 1994 and was abolished, as in every Land but
//!   Saxony, from 1995 to pay for the Pflegeversicherung;
//! - the Weltkindertag (20 September) was added by the amendment of 19 March 2019.
//!
//! Fronleichnam is deliberately missing: it is a holiday only in the predominantly Catholic
//! municipalities the Land names by ordinance (§ 2 (2) ThürFGtG: the Eichsfeld and a few
//! municipalities of the Unstrut-Hainich-Kreis and the Wartburgkreis), not in East Thuringia,
//! which this portal serves. For the same reason Allerheiligen, which the 1990 ordinance gave the
//! Catholic territories, is missing too.

use chrono::{Datelike, Days, NaiveDate, Weekday};

/// The first year [`thuringia`] knows; the Land was re-founded in 1990.
pub const FIRST_YEAR: i32 = 1990;

/// The last year [`thuringia`] knows; later years are not worth a promise.
pub const LAST_YEAR: i32 = 2200;

/// A public holiday.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Holiday {
    /// The day.
    pub date: NaiveDate,
    /// The German name, as people say it ("Tag der Deutschen Einheit").
    pub name_de: &'static str,
    /// The English name ("German Unity Day").
    pub name_en: &'static str,
}

/// Easter Sunday of a year in the Gregorian calendar (the "anonymous Gregorian algorithm" of
/// Meeus, Jones and Butcher), valid for every Gregorian year, not only the holiday range.
///
/// # Panics
///
/// If the year lies outside the range of [`NaiveDate`] (about ±262 000).
pub fn easter_sunday(year: i32) -> NaiveDate {
    // Euclidean division keeps the formula right for proleptic (negative) years too.
    let a = year.rem_euclid(19);
    let (b, c) = (year.div_euclid(100), year.rem_euclid(100));
    let (d, e) = (b.div_euclid(4), b.rem_euclid(4));
    let f = (b + 8).div_euclid(25);
    let g = (b - f + 1).div_euclid(3);
    let h = (19 * a + b - d - g + 15).rem_euclid(30);
    let (i, k) = (c / 4, c % 4);
    let l = (32 + 2 * e + 2 * i - h - k).rem_euclid(7);
    let m = (a + 11 * h + 22 * l) / 451;
    let n = h + l - 7 * m + 114;
    let (month, day) = (n / 31, n % 31 + 1);
    // The formula only yields 22 March ..= 25 April, so the date is valid wherever the year is.
    NaiveDate::from_ymd_opt(year, month as u32, day as u32).expect("year within the range of NaiveDate")
}

/// The public holidays of Thuringia in a year, sorted by date; empty outside
/// [`FIRST_YEAR`]..=[`LAST_YEAR`].
///
/// In a year where two holidays fall on one day (Christi Himmelfahrt on 1 May, as in 2008) both
/// are listed, Tag der Arbeit first.
pub fn thuringia(year: i32) -> Vec<Holiday> {
    if !(FIRST_YEAR..=LAST_YEAR).contains(&year) {
        return Vec::new();
    }
    let fixed = |month, day| NaiveDate::from_ymd_opt(year, month, day).expect("a valid day of the month");
    let easter = easter_sunday(year);
    let after_easter = |days: i64| easter + chrono::Duration::days(days);
    let holiday = |date, name_de, name_en| Holiday { date, name_de, name_en };

    let mut days = vec![
        holiday(fixed(1, 1), "Neujahr", "New Year's Day"),
        holiday(after_easter(-2), "Karfreitag", "Good Friday"),
        holiday(after_easter(1), "Ostermontag", "Easter Monday"),
        holiday(fixed(5, 1), "Tag der Arbeit", "Labour Day"),
        holiday(after_easter(39), "Christi Himmelfahrt", "Ascension Day"),
        holiday(after_easter(50), "Pfingstmontag", "Whit Monday"),
    ];
    if year >= 2019 {
        days.push(holiday(fixed(9, 20), "Weltkindertag", "World Children's Day"));
    }
    days.push(holiday(fixed(10, 3), "Tag der Deutschen Einheit", "German Unity Day"));
    days.push(holiday(fixed(10, 31), "Reformationstag", "Reformation Day"));
    if year <= 1994 {
        days.push(holiday(repentance_day(year), "Buß- und Bettag", "Day of Prayer and Repentance"));
    }
    days.push(holiday(fixed(12, 25), "1. Weihnachtstag", "Christmas Day"));
    days.push(holiday(fixed(12, 26), "2. Weihnachtstag", "Second Day of Christmas"));
    // Stable, so a shared day keeps the order above.
    days.sort_by_key(|h| h.date);
    days
}

/// The holiday on a day, if it is one (the first, should two share the day).
pub fn holiday_on(date: NaiveDate) -> Option<Holiday> {
    thuringia(date.year()).into_iter().find(|h| h.date == date)
}

/// The Buß- und Bettag: the last Wednesday before 23 November.
fn repentance_day(year: i32) -> NaiveDate {
    let nov_22 = NaiveDate::from_ymd_opt(year, 11, 22).expect("22 November exists");
    let back = (nov_22.weekday().num_days_from_monday() + 7 - Weekday::Wed.num_days_from_monday()) % 7;
    nov_22 - Days::new(u64::from(back))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn easter_of_known_years() {
        for (y, m, day) in [
            (1990, 4, 15),
            (1995, 4, 16),
            (2000, 4, 23),
            (2008, 3, 23),
            (2011, 4, 24),
            (2019, 4, 21),
            (2024, 3, 31),
            (2025, 4, 20),
            (2026, 4, 5),
            (2027, 3, 28),
            (2038, 4, 25),
            (2049, 4, 18),
            (2100, 3, 28),
            (2200, 4, 6),
        ] {
            assert_eq!(easter_sunday(y), d(y, m, day), "Easter {y}");
        }
    }

    #[test]
    fn easter_extremes_outside_the_holiday_range() {
        // The earliest possible date (22 March) and the latest (25 April).
        assert_eq!(easter_sunday(1818), d(1818, 3, 22));
        assert_eq!(easter_sunday(2285), d(2285, 3, 22));
        assert_eq!(easter_sunday(1943), d(1943, 4, 25));
    }

    #[test]
    fn easter_is_always_a_sunday_in_its_window() {
        for y in FIRST_YEAR..=LAST_YEAR {
            let e = easter_sunday(y);
            assert_eq!(e.weekday(), Weekday::Sun, "{y}");
            assert!((d(y, 3, 22)..=d(y, 4, 25)).contains(&e), "{y}");
        }
    }

    #[test]
    fn the_full_2026_list() {
        let list: Vec<_> = thuringia(2026).into_iter().map(|h| (h.date, h.name_de)).collect();
        assert_eq!(
            list,
            [
                (d(2026, 1, 1), "Neujahr"),
                (d(2026, 4, 3), "Karfreitag"),
                (d(2026, 4, 6), "Ostermontag"),
                (d(2026, 5, 1), "Tag der Arbeit"),
                (d(2026, 5, 14), "Christi Himmelfahrt"),
                (d(2026, 5, 25), "Pfingstmontag"),
                (d(2026, 9, 20), "Weltkindertag"),
                (d(2026, 10, 3), "Tag der Deutschen Einheit"),
                (d(2026, 10, 31), "Reformationstag"),
                (d(2026, 12, 25), "1. Weihnachtstag"),
                (d(2026, 12, 26), "2. Weihnachtstag"),
            ]
        );
    }

    #[test]
    fn weltkindertag_from_2019_on() {
        assert!(holiday_on(d(2018, 9, 20)).is_none());
        assert_eq!(thuringia(2018).len(), 10);
        assert_eq!(holiday_on(d(2019, 9, 20)).unwrap().name_en, "World Children's Day");
    }

    #[test]
    fn reformationstag_every_year_and_buss_und_bettag_until_1994() {
        for y in FIRST_YEAR..=LAST_YEAR {
            assert_eq!(holiday_on(d(y, 10, 31)).unwrap().name_de, "Reformationstag", "{y}");
        }
        assert_eq!(holiday_on(d(1990, 11, 21)).unwrap().name_de, "Buß- und Bettag");
        assert_eq!(holiday_on(d(1994, 11, 16)).unwrap().name_de, "Buß- und Bettag");
        assert!(holiday_on(d(1995, 11, 22)).is_none());
        assert!(thuringia(1995).iter().all(|h| h.name_de != "Buß- und Bettag"));
    }

    #[test]
    fn lists_are_sorted_and_a_shared_day_keeps_both() {
        for y in FIRST_YEAR..=LAST_YEAR {
            assert!(thuringia(y).is_sorted_by_key(|h| h.date), "{y}");
        }
        // 2008: Ascension Day on 1 May.
        let may_day: Vec<_> = thuringia(2008).into_iter().filter(|h| h.date == d(2008, 5, 1)).collect();
        assert_eq!(may_day.len(), 2);
        assert_eq!(holiday_on(d(2008, 5, 1)).unwrap().name_de, "Tag der Arbeit");
    }

    #[test]
    fn outside_the_range_there_is_nothing() {
        assert!(thuringia(1989).is_empty());
        assert!(thuringia(2201).is_empty());
        assert!(holiday_on(d(1989, 12, 25)).is_none());
        assert_eq!(holiday_on(d(2200, 12, 25)).unwrap().name_de, "1. Weihnachtstag");
    }

    #[test]
    fn an_ordinary_day_is_no_holiday() {
        assert!(holiday_on(d(2026, 4, 7)).is_none());
        assert!(holiday_on(d(2026, 6, 4)).is_none(), "Fronleichnam 2026 is left out");
    }
}
