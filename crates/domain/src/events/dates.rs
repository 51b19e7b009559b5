//! The dates of a repeating event as an editor sees and changes them: every date that DTSTART,
//! the rule and the RDATEs generate, each with its state — as planned, changed (moved or with a
//! title of its own), cancelled (still shown, marked as cancelled) or removed (an EXDATE: no
//! longer shown at all).
//!
//! Cancelling keeps the date visible so that people who noted it learn of the cancellation;
//! removing is for dates that were never announced. Both can be undone, because the list is
//! built from the dates the rule generates, not from what is left of them.

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, TimeZone as _, Utc};

use super::draft::{DraftProblem, EventDraft, MAX_DATES, MAX_OVERRIDES, MAX_TITLE};
use super::timing::{instants, local_start, local_to_utc};
use super::{OccurrenceOverride, Timing};
use crate::recurrence::{
    DateOrTime, ExpandError, FIRST_YEAR, LAST_YEAR, MAX_INSTANCES_PER_REQUEST, Occurrence, Recurrence,
};

/// How one generated date stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateState {
    /// Takes place as the rule says.
    Planned,
    /// Takes place, moved or with a title of its own.
    Changed,
    /// Shown, marked as cancelled.
    Cancelled,
    /// Not shown (an EXDATE removes it).
    Removed,
}

impl DateState {
    /// The code used in forms and message ids (`planned`, `changed`, `cancelled`, `removed`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Planned => "planned",
            Self::Changed => "changed",
            Self::Cancelled => "cancelled",
            Self::Removed => "removed",
        }
    }
}

/// One generated date with its state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EditorDate {
    /// The local start the rule generates (the RECURRENCE-ID; midnight for all-day events).
    pub recurrence_id: NaiveDateTime,
    /// The occurrence as generated.
    pub generated: Occurrence,
    /// Where it was moved to, if it was.
    pub moved_to: Option<Occurrence>,
    /// A title for this date only.
    pub title: Option<String>,
    /// Its state.
    pub state: DateState,
}

/// What an editor decides for one date.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DateDecision {
    /// It takes place (with the changes given, or as planned).
    Planned,
    /// It is cancelled and shown as cancelled.
    Cancelled,
    /// It is removed from the calendar.
    Removed,
}

impl DateDecision {
    /// Parses `planned`, `cancelled` or `removed`.
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim() {
            "planned" => Some(Self::Planned),
            "cancelled" => Some(Self::Cancelled),
            "removed" => Some(Self::Removed),
            _ => None,
        }
    }
}

/// A date's form as submitted, not yet checked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DateInput {
    /// `planned`, `cancelled` or `removed`.
    pub decision: String,
    /// The (new) day, `YYYY-MM-DD`.
    pub date: String,
    /// The (new) start time, `HH:MM` (timed events).
    pub start_time: String,
    /// The (new) end time, `HH:MM`; empty keeps the length. An end before the start means the
    /// next day.
    pub end_time: String,
    /// A title for this date only; empty uses the event's title.
    pub title: String,
}

/// A checked decision for one date.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateChange {
    /// What happens to the date.
    pub decision: DateDecision,
    /// The local start and end it takes place at (ignored for [`DateDecision::Removed`]).
    pub at: Option<(NaiveDateTime, NaiveDateTime)>,
    /// A title for this date only.
    pub title: Option<String>,
}

fn problem(field: &str, code: &'static str, detail: impl Into<String>) -> DraftProblem {
    DraftProblem { field: field.to_owned(), code, detail: detail.into() }
}

fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim();
    NaiveTime::parse_from_str(s, "%H:%M").or_else(|_| NaiveTime::parse_from_str(s, "%H:%M:%S")).ok()
}

impl DateChange {
    /// Checks a date's form against the event's timing and the generated occurrence; every
    /// problem is named by its field (`decision`, `date`, `start_time`, `end_time`, `title`).
    pub fn parse(input: &DateInput, timing: &Timing, generated: &Occurrence) -> Result<Self, Vec<DraftProblem>> {
        let mut problems = Vec::new();
        let Some(decision) = DateDecision::parse(&input.decision) else {
            return Err(vec![problem(
                "decision",
                "event-error-date-decision",
                "say whether the date takes place, is cancelled or is removed (planned, cancelled or removed)",
            )]);
        };
        if decision == DateDecision::Removed {
            return Ok(Self { decision, at: None, title: None });
        }
        let title = Some(input.title.trim().replace(['\r', '\n'], " ")).filter(|t| !t.is_empty());
        if title.as_ref().is_some_and(|t| t.chars().count() > MAX_TITLE) {
            problems.push(problem(
                "title",
                "event-error-title-long",
                format!("the title is longer than {MAX_TITLE} characters: shorten it"),
            ));
        }
        let date = match NaiveDate::parse_from_str(input.date.trim(), "%Y-%m-%d") {
            Ok(d) if (FIRST_YEAR..=LAST_YEAR).contains(&chrono::Datelike::year(&d)) => Some(d),
            Ok(d) => {
                problems.push(problem(
                    "date",
                    "event-error-date",
                    format!("{d} is outside the years {FIRST_YEAR}–{LAST_YEAR} the calendar supports"),
                ));
                None
            }
            Err(_) => {
                problems.push(problem(
                    "date",
                    "event-error-date",
                    format!("{:?} is not a date: write it as 2026-12-24", input.date.trim()),
                ));
                None
            }
        };
        let (g_start, g_end) = generated_local(generated);
        let at = if timing.all_day() {
            date.map(|d| {
                let start = d.and_time(NaiveTime::MIN);
                (start, start + (g_end - g_start))
            })
        } else {
            let start_time = parse_time(&input.start_time);
            if start_time.is_none() {
                problems.push(problem(
                    "start_time",
                    "event-error-time",
                    format!("{:?} is not a time: write it as 19:30", input.start_time.trim()),
                ));
            }
            let end_time = if input.end_time.trim().is_empty() {
                Some(None)
            } else {
                match parse_time(&input.end_time) {
                    Some(t) => Some(Some(t)),
                    None => {
                        problems.push(problem(
                            "end_time",
                            "event-error-time",
                            format!("{:?} is not a time: write it as 21:00, or leave it empty", input.end_time.trim()),
                        ));
                        None
                    }
                }
            };
            match (date, start_time, end_time) {
                (Some(d), Some(s), Some(e)) => {
                    let start = d.and_time(s);
                    let end = match e {
                        None => start + (g_end - g_start),
                        // An end before the start is the next morning (22:00–01:00).
                        Some(e) if e < s => (d + Duration::days(1)).and_time(e),
                        Some(e) => d.and_time(e),
                    };
                    Some((start, end))
                }
                _ => None,
            }
        };
        if problems.is_empty() { Ok(Self { decision, at, title }) } else { Err(problems) }
    }
}

/// The local start and (exclusive) end of a generated occurrence.
fn generated_local(o: &Occurrence) -> (NaiveDateTime, NaiveDateTime) {
    match *o {
        Occurrence::Timed { start, end } => (start.naive_local(), end.naive_local()),
        Occurrence::AllDay { start, end } => (start.and_time(NaiveTime::MIN), end.and_time(NaiveTime::MIN)),
    }
}

/// The latest instant the calendar lists (exclusive).
fn calendar_end() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(LAST_YEAR + 1, 1, 1, 0, 0, 0).single().unwrap_or(DateTime::<Utc>::MAX_UTC)
}

impl EventDraft {
    /// Whether the event has dates an editor can change one by one.
    pub fn has_dates(&self) -> bool {
        self.timing.repeats()
    }

    /// The generated dates starting at or after `from`, with their states, at most `count`.
    /// Removed dates are listed too, so that they can be restored.
    pub fn editor_dates(&self, from: DateTime<Utc>, count: usize) -> Vec<EditorDate> {
        let generated = self.timing.clone().with_exdates(Vec::new());
        let rec = generated.recurrence();
        let zone = self.timing.zone();
        let first = Utc.with_ymd_and_hms(FIRST_YEAR, 1, 1, 0, 0, 0).single().unwrap_or(from);
        let end = calendar_end();
        let mut at = from.max(first);
        let mut span = Duration::days(31);
        let mut out: Vec<EditorDate> = Vec::new();
        while out.len() < count && at < end {
            let to = (at + span).min(end);
            match rec.occurrences(at, to, MAX_INSTANCES_PER_REQUEST) {
                Ok(found) => {
                    for occ in found {
                        let (begins, _) = instants(&occ, zone);
                        if begins >= at && begins < to && out.len() < count {
                            out.push(self.date_of(occ));
                        }
                    }
                    at = to;
                    span = (span * 2).min(Duration::days(4 * 366));
                }
                // A dense rule: look at a shorter stretch.
                Err(ExpandError::TooMany { .. }) if span > Duration::hours(2) => span = span / 8,
                Err(_) => break,
            }
        }
        out
    }

    /// The generated date starting at `recurrence_id` (local), with its state; `None` when the
    /// event generates no date there.
    pub fn editor_date(&self, recurrence_id: NaiveDateTime) -> Option<EditorDate> {
        let generated = self.timing.clone().with_exdates(Vec::new());
        let at = local_to_utc(self.timing.zone(), recurrence_id);
        let (from, to) = (at - Duration::days(1), at + Duration::days(1));
        let found = generated.recurrence().occurrences(from, to, MAX_INSTANCES_PER_REQUEST).ok()?;
        found.into_iter().find(|o| local_start(o) == recurrence_id).map(|o| self.date_of(o))
    }

    fn date_of(&self, occ: Occurrence) -> EditorDate {
        let recurrence_id = local_start(&occ);
        let o = self.overrides.iter().find(|o| o.recurrence_id == recurrence_id);
        let state = if self.timing.recurrence().excludes(&occ) {
            DateState::Removed
        } else {
            match o {
                Some(o) if o.cancelled => DateState::Cancelled,
                Some(_) => DateState::Changed,
                None => DateState::Planned,
            }
        };
        EditorDate {
            recurrence_id,
            moved_to: o.and_then(|o| self.timing.moved(o)),
            title: o.and_then(|o| o.title.clone()),
            generated: occ,
            state,
        }
    }

    /// Applies an editor's decision to the date generated at `recurrence_id`: it replaces what
    /// was decided for that date before (an override, an EXDATE). A date that takes place as
    /// generated, under the event's title, needs neither, so "planned" without changes restores
    /// a cancelled or removed date.
    pub fn change_date(&mut self, recurrence_id: NaiveDateTime, change: &DateChange) -> Result<(), DraftProblem> {
        let date = self.editor_date(recurrence_id).ok_or_else(|| {
            problem(
                "date",
                "event-error-no-such-date",
                format!("the event has no date starting at {recurrence_id}: open the date from the event's list"),
            )
        })?;
        let zone = self.timing.zone();
        // Every EXDATE that removes this date goes; the others stay.
        let exdates: Vec<DateOrTime> = self
            .timing
            .exdates()
            .iter()
            .copied()
            .filter(|x| {
                let only = Recurrence { exdates: vec![*x], ..self.timing.recurrence().clone() };
                !only.excludes(&date.generated)
            })
            .collect();
        let mut exdates = exdates;
        let mut overrides: Vec<OccurrenceOverride> =
            self.overrides.iter().filter(|o| o.recurrence_id != recurrence_id).cloned().collect();
        match change.decision {
            DateDecision::Removed => exdates.push(if self.timing.all_day() {
                DateOrTime::Date(recurrence_id.date())
            } else {
                DateOrTime::Instant(local_to_utc(zone, recurrence_id))
            }),
            decision => {
                let (g_start, g_end) = generated_local(&date.generated);
                let moved = change.at.filter(|&(s, e)| (s, e) != (g_start, g_end));
                let title = change.title.clone().filter(|t| *t != self.title);
                let cancelled = decision == DateDecision::Cancelled;
                if cancelled || moved.is_some() || title.is_some() {
                    overrides.push(OccurrenceOverride {
                        recurrence_id,
                        cancelled,
                        start: moved.map(|m| m.0),
                        end: moved.map(|m| m.1),
                        title,
                    });
                }
            }
        }
        if overrides.len() > MAX_OVERRIDES {
            return Err(problem(
                "decision",
                "event-error-dates-many",
                format!("an event can have at most {MAX_OVERRIDES} changed dates: end the series and start a new one"),
            ));
        }
        if exdates.len() > MAX_DATES {
            return Err(problem(
                "decision",
                "event-error-dates-many",
                format!("an event can have at most {MAX_DATES} removed dates: end the series and start a new one"),
            ));
        }
        overrides.sort_by_key(|o| o.recurrence_id);
        self.overrides = overrides;
        self.timing = self.timing.clone().with_exdates(exdates);
        Ok(())
    }

    /// Keeps only the overrides whose date the timing still generates (after the rule or the
    /// start changed); returns how many were dropped.
    pub fn drop_stray_overrides(&mut self) -> usize {
        let before = self.overrides.len();
        let generated = self.timing.clone().with_exdates(Vec::new());
        self.overrides.retain(|o| generated.has_instance_at(o.recurrence_id));
        before - self.overrides.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::events::{DraftInput, Venue};

    fn weekly() -> EventDraft {
        EventDraft::parse(&DraftInput {
            title: "Orgelmusik".into(),
            start: "2027-03-03T19:00".into(),
            end: Some("2027-03-03T20:00".into()),
            rrule: Some("FREQ=WEEKLY;COUNT=10".into()),
            venue: Venue { name: "Stadtkirche".into(), ..Venue::default() },
            categories: vec!["konzert".into()],
            ..DraftInput::default()
        })
        .unwrap()
    }

    fn t(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M").unwrap()
    }

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().to_utc()
    }

    fn input(decision: &str, date: &str, start: &str, end: &str, title: &str) -> DateInput {
        DateInput {
            decision: decision.into(),
            date: date.into(),
            start_time: start.into(),
            end_time: end.into(),
            title: title.into(),
        }
    }

    fn change(d: &EventDraft, id: &str, i: DateInput) -> Result<EventDraft, Vec<DraftProblem>> {
        let mut d = d.clone();
        let date = d.editor_date(t(id)).expect("a generated date");
        let c = DateChange::parse(&i, &d.timing, &date.generated)?;
        d.change_date(t(id), &c).map_err(|p| vec![p])?;
        Ok(d)
    }

    fn states(d: &EventDraft) -> Vec<(String, &'static str)> {
        d.editor_dates(utc("2027-01-01T00:00:00Z"), 20)
            .iter()
            .map(|x| (x.recurrence_id.format("%m-%d").to_string(), x.state.as_str()))
            .collect()
    }

    #[test]
    fn the_list_starts_at_the_given_instant_and_stops_at_the_count() {
        let d = weekly();
        let all = d.editor_dates(utc("2027-01-01T00:00:00Z"), 100);
        assert_eq!(all.len(), 10);
        assert_eq!(all[0].recurrence_id, t("2027-03-03T19:00"));
        assert!(all.iter().all(|x| x.state == DateState::Planned));
        let later = d.editor_dates(utc("2027-03-20T00:00:00Z"), 3);
        let ids: Vec<_> = later.iter().map(|x| x.recurrence_id).collect();
        assert_eq!(ids, [t("2027-03-24T19:00"), t("2027-03-31T19:00"), t("2027-04-07T19:00")]);
        // Across the change to summer time the wall time stays 19:00.
        assert_eq!(later[1].generated, d.editor_date(t("2027-03-31T19:00")).unwrap().generated);
    }

    #[test]
    fn an_endless_daily_rule_lists_the_next_dates_quickly() {
        let mut i = DraftInput {
            title: "Turmblasen".into(),
            start: "2020-01-01T12:00".into(),
            rrule: Some("FREQ=DAILY".into()),
            venue: Venue { name: "Markt".into(), ..Venue::default() },
            categories: vec!["konzert".into()],
            ..DraftInput::default()
        };
        let d = EventDraft::parse(&i).unwrap();
        let next = d.editor_dates(utc("2090-06-01T00:00:00Z"), 5);
        assert_eq!(next.len(), 5);
        assert_eq!(next[0].recurrence_id, t("2090-06-01T12:00"));
        assert!(d.editor_dates(utc("2100-12-31T23:00:00Z"), 5).is_empty());
        // Hourly instances: the list narrows its look-ahead instead of failing.
        i.rrule = Some("FREQ=DAILY;BYHOUR=8,9,10,11,12,13,14,15,16;BYMINUTE=0,15,30,45".into());
        let dense = EventDraft::parse(&i).unwrap();
        assert_eq!(dense.editor_dates(utc("2030-01-01T00:00:00Z"), 40).len(), 40);
    }

    #[test]
    fn cancel_move_retitle_remove_and_restore_a_date() {
        let d = weekly();
        let cancelled = change(&d, "2027-03-10T19:00", input("cancelled", "2027-03-10", "19:00", "", "")).unwrap();
        assert_eq!(cancelled.overrides.len(), 1);
        assert!(cancelled.overrides[0].cancelled && cancelled.overrides[0].start.is_none());
        assert_eq!(states(&cancelled)[1], ("03-10".into(), "cancelled"));

        let moved = change(
            &cancelled,
            "2027-03-17T19:00",
            input("planned", "2027-03-18", "18:30", "", "Orgelmusik zur Passion"),
        )
        .unwrap();
        let o = moved.overrides.iter().find(|o| o.recurrence_id == t("2027-03-17T19:00")).unwrap();
        assert_eq!((o.start, o.end), (Some(t("2027-03-18T18:30")), Some(t("2027-03-18T19:30"))));
        assert_eq!(o.title.as_deref(), Some("Orgelmusik zur Passion"));
        let listed = moved.editor_date(t("2027-03-17T19:00")).unwrap();
        assert_eq!(listed.state, DateState::Changed);
        assert!(
            matches!(listed.moved_to, Some(Occurrence::Timed { start, .. }) if start.naive_local() == t("2027-03-18T18:30"))
        );
        // The calendar shows it at its new time only.
        let shown = moved
            .timing
            .occurrences(&moved.overrides, utc("2027-03-16T00:00:00Z"), utc("2027-03-20T00:00:00Z"), 10)
            .unwrap();
        assert_eq!(shown.len(), 1);
        assert_eq!(shown[0].title.as_deref(), Some("Orgelmusik zur Passion"));

        let removed = change(&moved, "2027-03-24T19:00", input("removed", "", "", "", "")).unwrap();
        assert_eq!(removed.timing.exdates().len(), 1);
        assert_eq!(states(&removed)[3], ("03-24".into(), "removed"));
        let shown = removed
            .timing
            .occurrences(&removed.overrides, utc("2027-03-23T00:00:00Z"), utc("2027-03-25T00:00:00Z"), 10)
            .unwrap();
        assert!(shown.is_empty());

        // "Planned" without changes restores each of them.
        let mut back = removed;
        for (id, day) in
            [("2027-03-10T19:00", "2027-03-10"), ("2027-03-17T19:00", "2027-03-17"), ("2027-03-24T19:00", "2027-03-24")]
        {
            back = change(&back, id, input("planned", day, "19:00", "20:00", "Orgelmusik")).unwrap();
        }
        assert_eq!(back, d);
    }

    #[test]
    fn a_date_exdate_is_lifted_only_for_the_restored_date() {
        let mut i = DraftInput {
            title: "Führung".into(),
            start: "2027-05-01T10:00".into(),
            end: Some("2027-05-01T11:00".into()),
            rrule: Some("FREQ=DAILY;COUNT=8;BYHOUR=10,15".into()),
            exdates: vec!["2027-05-02".into(), "2027-05-04T15:00".into()],
            venue: Venue { name: "Schloss".into(), ..Venue::default() },
            categories: vec!["fuehrung".into()],
            ..DraftInput::default()
        };
        let d = EventDraft::parse(&i).unwrap();
        let s = states(&d);
        assert_eq!(s.iter().filter(|x| x.1 == "removed").count(), 3, "{s:?}");
        let restored = change(&d, "2027-05-04T15:00", input("planned", "2027-05-04", "15:00", "", "")).unwrap();
        assert_eq!(restored.timing.exdates().len(), 1, "the date EXDATE of 2 May stays");
        i.exdates.clear();
        assert_eq!(states(&EventDraft::parse(&i).unwrap()).len(), s.len());
    }

    #[test]
    fn all_day_dates_move_by_day_and_keep_their_length() {
        let d = EventDraft::parse(&DraftInput {
            title: "Markt".into(),
            start: "2027-06-05".into(),
            end: Some("2027-06-07".into()),
            all_day: true,
            rrule: Some("FREQ=MONTHLY;BYDAY=1SA;COUNT=4".into()),
            venue: Venue { name: "Markt".into(), ..Venue::default() },
            categories: vec!["markt".into()],
            ..DraftInput::default()
        })
        .unwrap();
        let moved = change(&d, "2027-07-03T00:00", input("planned", "2027-07-10", "", "", "")).unwrap();
        assert_eq!(moved.overrides[0].start, Some(t("2027-07-10T00:00")));
        assert_eq!(moved.overrides[0].end, Some(t("2027-07-12T00:00")));
        let removed = change(&d, "2027-08-07T00:00", input("removed", "", "", "", "")).unwrap();
        assert_eq!(removed.timing.exdates(), [DateOrTime::Date(NaiveDate::from_ymd_opt(2027, 8, 7).unwrap())]);
    }

    #[test]
    fn bad_forms_name_their_fields() {
        let d = weekly();
        let g = d.editor_date(t("2027-03-10T19:00")).unwrap().generated;
        let fields = |i: DateInput| {
            DateChange::parse(&i, &d.timing, &g).unwrap_err().into_iter().map(|p| p.field).collect::<Vec<_>>()
        };
        assert_eq!(fields(input("maybe", "2027-03-10", "19:00", "", "")), ["decision"]);
        assert_eq!(
            fields(input("planned", "10.03.2027", "7 pm", "late", &"x".repeat(201))),
            ["title", "date", "start_time", "end_time"]
        );
        assert_eq!(fields(input("planned", "2101-01-01", "19:00", "", "")), ["date"]);
        // An end before the start is the next morning.
        let c = DateChange::parse(&input("planned", "2027-03-10", "22:00", "01:00", ""), &d.timing, &g).unwrap();
        assert_eq!(c.at, Some((t("2027-03-10T22:00"), t("2027-03-11T01:00"))));
        // A date the event does not generate is refused.
        let mut x = d.clone();
        let p = x.change_date(t("2027-03-11T19:00"), &c).unwrap_err();
        assert_eq!(p.code, "event-error-no-such-date");
        assert_eq!(x, d);
    }

    #[test]
    fn a_changed_rule_drops_the_overrides_it_no_longer_generates() {
        let d = change(&weekly(), "2027-03-10T19:00", input("cancelled", "2027-03-10", "19:00", "", "")).unwrap();
        let mut later = d.clone();
        later.timing = Timing::new(
            later.timing.zone(),
            false,
            t("2027-03-03T20:00"),
            Some(t("2027-03-03T21:00")),
            later.timing.rule().cloned(),
            Vec::new(),
            Vec::new(),
        )
        .unwrap();
        assert_eq!(later.drop_stray_overrides(), 1);
        let mut same = d.clone();
        assert_eq!(same.drop_stray_overrides(), 0);
        assert_eq!(same, d);
    }
}
