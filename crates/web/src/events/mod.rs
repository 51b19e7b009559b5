//! The events calendar on the web: the query every view shares (window, municipality and
//! scope, filters), the JSON API, the iCalendar and Atom feeds, and the pages.

use chrono::{DateTime, Datelike as _, Days, NaiveDate, NaiveTime, TimeZone as _, Utc, Weekday};
use chrono_tz::Tz;
use regioportal_domain::MunicipalityKind;
use regioportal_domain::events::{Category, EventOccurrence};
use regioportal_domain::recurrence::{FIRST_YEAR, LAST_YEAR, Occurrence};
use regioportal_storage::{EventFilter, MunicipalityRecord, TenantScope};

use crate::directory::Snapshot;
use crate::error::FieldError;

pub mod api;
pub mod feeds;
pub mod form;
pub mod format;
pub mod image_api;
pub mod index;
pub mod pages;
pub mod poll;
pub mod submit;
pub mod widget;

/// The region's zone: dates without a time are local midnights here.
pub const REGION_ZONE: Tz = chrono_tz::Europe::Berlin;

/// The default length of a window when only `from` (or nothing) is given.
pub const DEFAULT_DAYS: u64 = 30;

/// Which municipalities a calendar shows around the one it is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope {
    /// Only the municipality itself.
    Own,
    /// The municipality, its county (for a town) or its towns (for a county), the other
    /// towns of the same county, and its neighbours (named in the region file).
    Near,
    /// Every municipality of the region.
    Region,
}

impl Scope {
    /// Parses `own`, `near` or `region`.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "own" => Some(Self::Own),
            "near" => Some(Self::Near),
            "region" => Some(Self::Region),
            _ => None,
        }
    }
    /// The code.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Own => "own",
            Self::Near => "near",
            Self::Region => "region",
        }
    }
}

/// The municipalities a scope covers around `m`.
pub fn scope_members<'a>(
    snap: &'a Snapshot,
    m: Option<&'a MunicipalityRecord>,
    scope: Scope,
) -> Vec<&'a MunicipalityRecord> {
    let Some(m) = m else { return snap.municipalities.iter().collect() };
    match scope {
        Scope::Region => snap.municipalities.iter().collect(),
        Scope::Own => vec![m],
        Scope::Near => {
            // The county a town belongs to, or the county itself.
            let county = match m.kind {
                MunicipalityKind::Town => m.parent.as_ref().and_then(|p| snap.by_slug(p.as_str())),
                MunicipalityKind::County => Some(m),
                MunicipalityKind::City => None,
            };
            snap.municipalities
                .iter()
                .filter(|x| {
                    x.slug() == m.slug()
                        || m.neighbours.contains(x.slug())
                        || county.is_some_and(|c| x.slug() == c.slug() || x.parent.as_ref() == Some(c.slug()))
                })
                .collect()
        }
    }
}

/// A calendar request after validation.
#[derive(Debug, Clone)]
pub struct CalendarQuery {
    /// The window's start.
    pub from: DateTime<Utc>,
    /// The window's end (exclusive).
    pub to: DateTime<Utc>,
    /// The municipalities whose events are shown.
    pub scopes: Vec<TenantScope>,
    /// The filters.
    pub filter: EventFilter,
}

/// The raw parameters every calendar view understands.
#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct CalendarParams {
    /// Start: a date (local midnight) or an RFC 3339 instant.
    pub from: Option<String>,
    /// End (exclusive): a date or an instant.
    pub to: Option<String>,
    /// A preset instead of from/to: `today`, `weekend`, `week` (next 7 days), `month`.
    pub when: Option<String>,
    /// A municipality slug.
    pub municipality: Option<String>,
    /// `own`, `near` or `region`.
    pub scope: Option<String>,
    /// Category codes, comma-separated.
    pub category: Option<String>,
    /// Free text.
    pub q: Option<String>,
    /// A place (the venue's town or district).
    pub place: Option<String>,
    /// Only free entry (`true`, `1` or `on`).
    pub free: Option<String>,
    /// Only step-free venues.
    pub accessible: Option<String>,
}

fn flag(v: &Option<String>) -> Result<bool, ()> {
    match v.as_deref().map(str::trim) {
        None | Some("" | "false" | "0" | "off") => Ok(false),
        Some("true" | "1" | "on" | "ja" | "yes") => Ok(true),
        Some(_) => Err(()),
    }
}

/// Parses a window bound: a date (local midnight in the region's zone) or an RFC 3339 instant.
pub fn parse_bound(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return local_midnight(d);
    }
    DateTime::parse_from_rfc3339(s).ok().map(|t| t.to_utc())
}

/// Local midnight of a date in the region's zone.
pub fn local_midnight(d: NaiveDate) -> Option<DateTime<Utc>> {
    REGION_ZONE.from_local_datetime(&d.and_time(NaiveTime::MIN)).earliest().map(|t| t.to_utc())
}

/// Today in the region.
pub fn today() -> NaiveDate {
    Utc::now().with_timezone(&REGION_ZONE).date_naive()
}

/// The dates a preset covers, from `today`: (first day, day after the last).
pub fn preset(when: &str, today: NaiveDate) -> Option<(NaiveDate, NaiveDate)> {
    let next = |d: NaiveDate, n: u64| d.checked_add_days(Days::new(n));
    match when {
        "today" => Some((today, next(today, 1)?)),
        "week" => Some((today, next(today, 7)?)),
        "month" => Some((today, today.checked_add_months(chrono::Months::new(1))?)),
        "weekend" => {
            // Friday to Sunday; on a weekend day, the rest of this weekend.
            let start = match today.weekday() {
                Weekday::Fri | Weekday::Sat | Weekday::Sun => today,
                w => next(today, u64::from(4 - w.num_days_from_monday()))?,
            };
            let days_to_monday = 7 - u64::from(start.weekday().num_days_from_monday());
            Some((start, next(start, days_to_monday)?))
        }
        _ => None,
    }
}

impl CalendarParams {
    /// Validates the parameters. `fixed` is the municipality of the path (pages under
    /// `/{municipality}/…`), which the `municipality` parameter cannot change.
    pub fn resolve<'a>(
        &self,
        snap: &'a Snapshot,
        fixed: Option<&'a MunicipalityRecord>,
    ) -> Result<(CalendarQuery, Option<&'a MunicipalityRecord>, Scope), Vec<FieldError>> {
        let mut errors = Vec::new();
        let mut err = |field: &str, message: String| errors.push(FieldError { field: field.into(), message });
        let m = match (fixed, self.municipality.as_deref().map(str::trim).filter(|s| !s.is_empty())) {
            (Some(m), _) => Some(m),
            (None, None) => None,
            (None, Some(slug)) => {
                let found = snap.by_slug(slug);
                if found.is_none() {
                    err(
                        "municipality",
                        format!(
                            "{slug:?} is not a municipality of this region: use one of {}",
                            snap.municipalities.iter().map(|m| m.slug().as_str()).collect::<Vec<_>>().join(", ")
                        ),
                    );
                }
                found
            }
        };
        let scope = match self.scope.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => {
                if m.is_some() {
                    Scope::Own
                } else {
                    Scope::Region
                }
            }
            Some(s) => Scope::parse(s).unwrap_or_else(|| {
                err("scope", format!("{s:?} is not a scope: use own, near or region"));
                Scope::Region
            }),
        };
        let today = today();
        let (mut from, mut to) = (local_midnight(today), None);
        if let Some(w) = self.when.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            match preset(w, today) {
                Some((a, b)) => {
                    from = local_midnight(a);
                    to = local_midnight(b);
                }
                None => err("when", format!("{w:?} is not a preset: use today, weekend, week or month")),
            }
        }
        let bound = |v: &Option<String>, field: &str, err: &mut dyn FnMut(&str, String)| {
            let s = v.as_deref().map(str::trim).filter(|s| !s.is_empty())?;
            let b = parse_bound(s);
            if b.is_none() {
                err(
                    field,
                    format!(
                        "{s:?} is not a date or time: write 2026-12-05 (local midnight) or 2026-12-05T19:00:00+01:00"
                    ),
                );
            }
            b
        };
        if let Some(f) = bound(&self.from, "from", &mut err) {
            from = Some(f);
            to = None;
        }
        if let Some(t) = bound(&self.to, "to", &mut err) {
            to = Some(t);
        }
        let from = from.unwrap_or_else(Utc::now);
        let to = to.unwrap_or_else(|| from + chrono::Duration::days(DEFAULT_DAYS as i64));
        let first = Utc.with_ymd_and_hms(FIRST_YEAR, 1, 1, 0, 0, 0).single();
        let end = Utc.with_ymd_and_hms(LAST_YEAR + 1, 1, 1, 0, 0, 0).single();
        if first.is_some_and(|f| from < f) || end.is_some_and(|e| to > e) {
            err("from", format!("the window must lie between {FIRST_YEAR}-01-01 and {LAST_YEAR}-12-31"));
        } else if to <= from {
            err("to", "the end of the window must lie after its start".into());
        }
        let mut categories = Vec::new();
        for c in self.category.as_deref().unwrap_or("").split(',').map(str::trim).filter(|c| !c.is_empty()) {
            match Category::parse(c) {
                Some(c) => categories.push(c),
                None => err(
                    "category",
                    format!(
                        "{c:?} is not a category: use one of {}",
                        Category::ALL.iter().map(|c| c.slug()).collect::<Vec<_>>().join(", ")
                    ),
                ),
            }
        }
        let q = self.q.as_deref().unwrap_or("").trim();
        if q.chars().count() > 200 {
            err("q", "the search text is longer than 200 characters: shorten it".into());
        }
        let words: Vec<String> = q.split_whitespace().take(8).map(str::to_lowercase).collect();
        let free_only = flag(&self.free).unwrap_or_else(|()| {
            err("free", "use free=true or leave it out".into());
            false
        });
        let accessible_only = flag(&self.accessible).unwrap_or_else(|()| {
            err("accessible", "use accessible=true or leave it out".into());
            false
        });
        let place = self.place.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
        if !errors.is_empty() {
            return Err(errors);
        }
        let scopes = scope_members(snap, m, scope).into_iter().map(|m| m.scope().clone()).collect();
        let filter = EventFilter { categories, words, free_only, accessible_only, place };
        Ok((CalendarQuery { from, to, scopes, filter }, m, scope))
    }
}

/// RFC 3339 (with offset) or, for all-day occurrences, date-only values of an occurrence.
pub fn occurrence_bounds(o: &EventOccurrence) -> (String, String) {
    match o.occurrence {
        Occurrence::Timed { start, end } => (format::rfc3339(&start), format::rfc3339(&end)),
        Occurrence::AllDay { start, end } => {
            let (mut s, mut e) = (String::with_capacity(10), String::with_capacity(10));
            format::push_date(&mut s, start);
            format::push_date(&mut e, end);
            (s, e)
        }
    }
}

/// The local date an occurrence starts on (for grouping by day).
pub fn occurrence_day(o: &EventOccurrence) -> NaiveDate {
    match o.occurrence {
        Occurrence::Timed { start, .. } => start.with_timezone(&REGION_ZONE).date_naive(),
        Occurrence::AllDay { start, .. } => start,
    }
}

/// Brings the calendar index up to date (see [`index::CalendarIndex::ensure_fresh`]): the
/// request waits for its turn itself, the work runs [`index::detached`], so that it outlives
/// a request that is given up.
pub async fn fresh_calendar(state: &crate::AppState, scopes: &[TenantScope]) -> Result<(), crate::error::AppError> {
    let Some(turn) = state.calendar.turn(&state.store).await? else { return Ok(()) };
    let (state, scopes) = (state.clone(), scopes.to_vec());
    index::detached("calendar", async move { state.calendar.refresh(turn, &state.store, &scopes).await }).await
}

/// The page of a window: from the in-memory index when it can answer, else from the database.
pub async fn window(
    state: &crate::AppState,
    snap: &Snapshot,
    q: &CalendarQuery,
    cursor: Option<regioportal_domain::events::Cursor>,
    limit: usize,
) -> Result<index::WindowPage, crate::error::AppError> {
    let all: Vec<TenantScope> = snap.municipalities.iter().map(|m| m.scope().clone()).collect();
    fresh_calendar(state, &all).await?;
    if let Some(page) = state.calendar.page(&q.scopes, &q.filter, q.from, q.to, cursor, limit) {
        return page.map_err(|e| crate::error::AppError::field("to", e.to_string()));
    }
    let events = state.store.events().window(&q.scopes, q.from, q.to, &q.filter).await?;
    let page = api::window_page(&events, q.from, q.to, cursor, limit)?;
    let summaries: Vec<std::sync::Arc<index::Summary>> = events
        .iter()
        .map(|e| {
            let id = all.iter().find(|s| s.slug() == &e.municipality).map_or(0, TenantScope::raw_id);
            std::sync::Arc::new(index::Summary::of(e, id))
        })
        .collect();
    Ok(index::WindowPage {
        items: page.items.into_iter().map(|(i, o)| (summaries[i].clone(), o)).collect(),
        next: page.next,
    })
}

/// The path of an event's page.
pub fn event_href(municipality: &regioportal_domain::Slug, id: i64) -> String {
    let mut path = String::with_capacity(40);
    push_event_href(&mut path, municipality, id);
    path
}

/// Appends the path of an event's page (for links built piece by piece on hot paths).
pub fn push_event_href(buf: &mut String, municipality: &regioportal_domain::Slug, id: i64) {
    use std::fmt::Write as _;
    buf.push('/');
    buf.push_str(municipality.as_str());
    buf.push_str("/veranstaltungen/");
    let _ = write!(buf, "{id}");
}
