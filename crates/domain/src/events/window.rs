//! One page of a calendar window: the occurrences of many events overlapping `[from, to)`,
//! sorted by start, cut at a limit, continued by an opaque cursor.
//!
//! The work per page is bounded: at most [`MAX_INSTANCES_PER_REQUEST`] occurrences are built
//! per attempt. A window denser than that (a whole region's month on a busy data set) is not
//! refused but narrowed: the page is filled from the start of the window, and the cursor
//! continues where it stopped.

use std::fmt;

use chrono::{DateTime, NaiveDateTime, Utc};

use super::{EventOccurrence, OccurrenceOverride, Timing};
use crate::recurrence::{ExpandError, MAX_INSTANCES_PER_REQUEST};

/// The most items one page may hold.
pub const MAX_PAGE: usize = 1000;

/// Where a page ends: the sort key of its last item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Cursor {
    /// Start instant of the last item.
    pub starts_at: DateTime<Utc>,
    /// Its event.
    pub event_id: i64,
    /// Its recurrence id.
    pub recurrence_id: NaiveDateTime,
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}.{}", self.starts_at.timestamp(), self.event_id, self.recurrence_id.format("%Y%m%dT%H%M%S"))
    }
}

impl Cursor {
    /// Parses a cursor as [`Display`](fmt::Display) writes it.
    pub fn parse(s: &str) -> Option<Self> {
        let mut parts = s.split('.');
        let ts = parts.next()?.parse::<i64>().ok()?;
        let event_id = parts.next()?.parse::<i64>().ok()?;
        let rid = NaiveDateTime::parse_from_str(parts.next()?, "%Y%m%dT%H%M%S").ok()?;
        if parts.next().is_some() {
            return None;
        }
        Some(Self { starts_at: DateTime::from_timestamp(ts, 0)?, event_id, recurrence_id: rid })
    }
}

/// An event as the pager sees it.
#[derive(Debug, Clone, Copy)]
pub struct Candidate<'a> {
    /// Its id (part of the sort key, so pages are stable).
    pub id: i64,
    /// Its timing.
    pub timing: &'a Timing,
    /// Its changed or cancelled occurrences.
    pub overrides: &'a [OccurrenceOverride],
}

/// A page: items as (index into the candidates, occurrence).
#[derive(Debug, Clone, Default)]
pub struct Page {
    /// The items, sorted by start, then event id, then recurrence id.
    pub items: Vec<(usize, EventOccurrence)>,
    /// Where the next page starts; `None` on the last page.
    pub next: Option<Cursor>,
}

/// The page of at most `limit` occurrences overlapping `[from, to)` that sort after `after`.
pub fn page(
    events: &[Candidate<'_>],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    after: Option<Cursor>,
    limit: usize,
) -> Result<Page, ExpandError> {
    let limit = limit.clamp(1, MAX_PAGE);
    let mut lo = match after {
        Some(c) if c.starts_at > from => c.starts_at,
        _ => from,
    };
    if lo >= to {
        return Ok(Page::default());
    }
    let mut hi = to;
    let mut found: Vec<(usize, EventOccurrence, Cursor)> = Vec::new();
    loop {
        match expand(events, lo, hi, MAX_INSTANCES_PER_REQUEST.saturating_sub(found.len())) {
            Ok(mut part) => {
                // Occurrences already collected in an earlier, narrower attempt can repeat.
                part.retain(|(_, _, k)| after.is_none_or(|a| *k > a) && found.last().is_none_or(|(_, _, l)| k > l));
                found.append(&mut part);
                found.sort_by_key(|(_, _, k)| *k);
                if found.len() > limit || hi >= to {
                    break;
                }
                lo = hi;
                hi = to;
            }
            Err(ExpandError::TooMany { limit: l }) => {
                let span = hi - lo;
                if span <= chrono::Duration::minutes(1) {
                    return Err(ExpandError::TooMany { limit: l });
                }
                hi = lo + span / 2;
            }
            Err(e) => return Err(e),
        }
    }
    let next = (found.len() > limit).then(|| found[limit - 1].2);
    found.truncate(limit);
    Ok(Page { items: found.into_iter().map(|(i, o, _)| (i, o)).collect(), next })
}

type Found = Vec<(usize, EventOccurrence, Cursor)>;

fn expand(events: &[Candidate<'_>], lo: DateTime<Utc>, hi: DateTime<Utc>, budget: usize) -> Result<Found, ExpandError> {
    let mut out = Vec::new();
    for (i, e) in events.iter().enumerate() {
        let left = budget.saturating_sub(out.len());
        let occ = e.timing.occurrences(e.overrides, lo, hi, left)?;
        let zone = e.timing.zone();
        out.extend(occ.into_iter().map(|o| {
            let key = Cursor { starts_at: o.starts_at(zone), event_id: e.id, recurrence_id: o.recurrence_id };
            (i, o, key)
        }));
        if out.len() > budget {
            return Err(ExpandError::TooMany { limit: budget });
        }
    }
    Ok(out)
}
