//! Importing an iCalendar file into one municipality's calendar: deduplicated by UID (a second
//! import updates, never duplicates), one transaction per event (a bad event never leaves half
//! of itself behind and never stops the rest), and a report that says what happened and why.

use regioportal_domain::events::ical::from_vevents;
use regioportal_domain::events::{EventDraft, EventStatus};
use regioportal_domain::ical::{VEvent, read_calendar};

use crate::events::IMPORT_WITHDRAWAL;
use crate::{Actor, Events, StorageError, TenantScope, Upsert};

/// The most bytes an import reads (a feed of this size holds tens of thousands of events).
pub const MAX_IMPORT_BYTES: usize = 20 * 1024 * 1024;

/// What happened to one event of the file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Stored as a new event.
    Created,
    /// An event with this UID existed and was changed.
    Updated,
    /// An event with this UID existed with the same content.
    Unchanged,
    /// Not stored; the reason says why and how to fix it.
    Skipped(String),
    /// Imported earlier from the same feed, no longer in it: taken out of the public calendar.
    Withdrawn,
}

/// One line of the report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLine {
    /// The line of the file where the event starts (0 when unknown).
    pub line: usize,
    /// Its UID, if it has one.
    pub uid: Option<String>,
    /// Its title, if it has one.
    pub title: Option<String>,
    /// What happened.
    pub outcome: Outcome,
}

/// The report of one import run.
#[derive(Debug, Clone, Default)]
pub struct IcsReport {
    /// One line per event (and per unreadable part of the file).
    pub lines: Vec<ReportLine>,
}

impl IcsReport {
    /// How many events had each outcome: (created, updated, unchanged, skipped).
    pub fn counts(&self) -> (usize, usize, usize, usize) {
        let mut c = (0, 0, 0, 0);
        for l in &self.lines {
            match l.outcome {
                Outcome::Created => c.0 += 1,
                Outcome::Updated => c.1 += 1,
                Outcome::Unchanged => c.2 += 1,
                Outcome::Skipped(_) => c.3 += 1,
                Outcome::Withdrawn => {}
            }
        }
        c
    }

    /// How many events were withdrawn because their feed no longer lists them.
    pub fn withdrawn(&self) -> usize {
        self.lines.iter().filter(|l| l.outcome == Outcome::Withdrawn).count()
    }
}

/// How an import treats what it reads.
#[derive(Debug, Clone, Copy)]
pub struct ImportOptions<'a> {
    /// The status of new events: published for a trusted source, pending otherwise.
    pub status_if_new: EventStatus,
    /// The subscribed feed being polled, as (id, name): its events remember it, and its future
    /// events that the feed no longer lists are withdrawn.
    pub feed: Option<(i64, &'a str)>,
}

/// Imports `text` into the scope's calendar. New events get `options.status_if_new`; an
/// event the source marks cancelled is stored cancelled. `progress` is called with (done,
/// total) after each event.
pub async fn import_ics(
    events: Events<'_>,
    scope: &TenantScope,
    text: &str,
    options: ImportOptions<'_>,
    actor: &Actor,
    mut progress: impl FnMut(usize, usize),
) -> Result<IcsReport, StorageError> {
    let status_if_new = options.status_if_new;
    let feed_id = options.feed.map(|f| f.0);
    let zone = chrono_tz::Europe::Berlin;
    let read = read_calendar(text, zone);
    let zone = read.calendar_zone.unwrap_or(zone);
    let mut report = IcsReport::default();
    for p in &read.problems {
        report.lines.push(ReportLine {
            line: p.line,
            uid: p.uid.clone(),
            title: p.summary.clone(),
            outcome: Outcome::Skipped(p.reason.clone()),
        });
    }
    // Masters in file order; overrides grouped under their UID.
    let mut masters: Vec<&VEvent> = Vec::new();
    let mut overrides: std::collections::HashMap<&str, Vec<&VEvent>> = Default::default();
    for e in &read.events {
        if e.recurrence_id.is_some() {
            overrides.entry(e.uid.as_str()).or_default().push(e);
        } else {
            masters.push(e);
        }
    }
    let total = masters.len();
    let mut seen = std::collections::HashSet::new();
    for (n, m) in masters.iter().enumerate() {
        let line = |outcome| ReportLine { line: 0, uid: Some(m.uid.clone()), title: Some(m.summary.clone()), outcome };
        if !seen.insert(m.uid.as_str()) {
            report.lines.push(line(Outcome::Skipped(format!(
                "the UID {:?} is used by two events in this file: give each event its own UID",
                m.uid
            ))));
            progress(n + 1, total);
            continue;
        }
        if m.private {
            let mut why = "the event is marked private (CLASS:PRIVATE or CONFIDENTIAL) and is not published in a \
                           public calendar: export it as CLASS:PUBLIC if it is meant for everyone"
                .to_owned();
            // A copy imported while it was public leaves the public calendar.
            if let Some(earlier) = events.by_uid(scope, &m.uid).await?
                && !matches!(earlier.status, EventStatus::Draft | EventStatus::Rejected)
            {
                let note = format!("{IMPORT_WITHDRAWAL}the source marks the event private (CLASS:PRIVATE)");
                events.set_status(scope, earlier.id, EventStatus::Draft, Some(&note), actor).await?;
                why.push_str("; the copy imported earlier is withdrawn from the public calendar");
            }
            report.lines.push(line(Outcome::Skipped(why)));
            progress(n + 1, total);
            continue;
        }
        let ovs = overrides.get(m.uid.as_str()).cloned().unwrap_or_default();
        let imported = from_vevents(m, &ovs, zone);
        let outcome = match EventDraft::parse(&imported.input) {
            Err(problems) => Outcome::Skipped(
                problems.iter().map(|p| format!("{}: {}", p.field, p.detail)).collect::<Vec<_>>().join("; "),
            ),
            Ok(draft) => {
                let status = if imported.cancelled { EventStatus::Cancelled } else { status_if_new };
                match events.upsert(scope, &imported.uid, &draft, status, feed_id, actor).await {
                    Ok(Upsert::Created(_)) => Outcome::Created,
                    Ok(Upsert::Updated(_)) => Outcome::Updated,
                    Ok(Upsert::Unchanged(_)) => Outcome::Unchanged,
                    Err(StorageError::Conflict(why)) => Outcome::Skipped(why),
                    Err(e) => return Err(e),
                }
            }
        };
        let stored = !matches!(outcome, Outcome::Skipped(_));
        report.lines.push(line(outcome));
        if stored {
            for at in &imported.private_occurrences {
                report.lines.push(line(Outcome::Skipped(format!(
                    "the occurrence at {at} is marked private (CLASS:PRIVATE or CONFIDENTIAL): it is left out of the \
                     public calendar"
                ))));
            }
        }
        progress(n + 1, total);
    }
    // What a feed no longer lists was deleted at the source. Unless the file could not be read
    // as a whole (a problem without a UID): then nothing is known about what is missing.
    if let Some((feed, name)) = options.feed
        && read.problems.iter().all(|p| p.uid.is_some())
    {
        let listed: std::collections::HashSet<String> = read
            .events
            .iter()
            .map(|e| e.uid.clone())
            .chain(read.problems.iter().filter_map(|p| p.uid.clone()))
            .collect();
        let note = format!("{IMPORT_WITHDRAWAL}the feed {name:?} no longer lists the event");
        for (uid, title) in events.withdraw_missing(scope, feed, &listed, &note, actor).await? {
            report.lines.push(ReportLine { line: 0, uid: Some(uid), title: Some(title), outcome: Outcome::Withdrawn });
        }
    }
    // Overrides whose master is not in the file cannot be placed.
    for (uid, list) in &overrides {
        if !seen.contains(uid) {
            for o in list {
                report.lines.push(ReportLine {
                    line: 0,
                    uid: Some((*uid).to_owned()),
                    title: Some(o.summary.clone()),
                    outcome: Outcome::Skipped(
                        "a changed occurrence (RECURRENCE-ID) without its recurring event in the file: export the \
                         whole series"
                            .into(),
                    ),
                });
            }
        }
    }
    Ok(report)
}
