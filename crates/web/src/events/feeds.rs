//! Feeds of the public calendar: iCalendar for any filter (`/api/v1/events.ics?…`, also as
//! webcal), one event as `.ics`, and Atom.

use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use regioportal_domain::events::ical::{FeedMeta, stamp, to_vevents};
use regioportal_domain::ical::{CalendarMeta, write_calendar};
use regioportal_storage::{EventRecord, EventSource};

use super::api::{WindowParams, event_path};
use super::format::{long_date, span};
use super::occurrence_day;
use crate::AppState;
use crate::api::ApiQuery;
use crate::error::AppError;

/// Rendered iCalendar feeds by query, valid while the calendar's versions stay the same: a feed
/// changes only when an event changes, and calendar apps poll the same URLs again and again.
#[derive(Debug, Default)]
pub struct FeedCache {
    entries: std::sync::Mutex<std::collections::HashMap<String, Cached>>,
    /// Feeds are rendered one at a time: when a popular feed changes, the calendar apps that
    /// ask for it at the same moment wait for one rendering instead of each holding a few
    /// megabytes of events and text (32 at once took the memory 80 MiB up).
    rendering: tokio::sync::Mutex<()>,
}

/// A rendered feed and the calendar versions it was rendered at. `Bytes`: an answer from the
/// cache shares the body instead of copying a few hundred kilobytes per request.
type Cached = ((i64, u64), axum::body::Bytes);

/// The most feeds kept.
const CACHED_FEEDS: usize = 256;

impl FeedCache {
    fn get(&self, key: &str, versions: (i64, u64)) -> Option<axum::body::Bytes> {
        let e = self.entries.lock().ok()?;
        e.get(key).filter(|(v, _)| *v == versions).map(|(_, body)| body.clone())
    }

    fn put(&self, key: String, versions: (i64, u64), body: axum::body::Bytes) {
        if let Ok(mut e) = self.entries.lock() {
            if e.len() >= CACHED_FEEDS {
                e.clear();
            }
            e.insert(key, (versions, body));
        }
    }
}

/// The most events one feed carries.
pub const MAX_FEED_EVENTS: u64 = 5000;

fn vevents(state: &AppState, e: &EventRecord) -> Vec<regioportal_domain::ical::VEvent> {
    let url = format!("{}{}", state.config.base_url.as_str(), event_path(e));
    let meta = FeedMeta {
        uid: &e.uid,
        status: e.status,
        sequence: u32::try_from(e.sequence).unwrap_or(0),
        updated_at: e.updated_at,
        url: &url,
        show_email: e.source != EventSource::Submission,
    };
    to_vevents(&e.draft, &meta)
}

fn calendar_response(body: impl Into<axum::body::Bytes>, filename: &str) -> Response {
    let body: axum::body::Bytes = body.into();
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/calendar; charset=utf-8"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    if let Ok(v) = HeaderValue::from_str(&format!("inline; filename=\"{filename}\"")) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    res
}

/// `GET /api/v1/events.ics`: the events matching a filter as iCalendar, rules kept.
#[utoipa::path(
    get,
    path = "/api/v1/events.ics",
    tag = "events",
    params(WindowParams),
    description = "The published and cancelled events matching the filters as an RFC 5545 calendar: recurring events keep their RRULE, EXDATE and RDATE, changed or cancelled occurrences are VEVENTs with RECURRENCE-ID, every zone used has a VTIMEZONE, UIDs are stable. `from` (default: 90 days ago) leaves out events that ended before it; `to` and `limit`/`cursor` are ignored. At most 5000 events. Subscribe with webcal://.",
    responses(
        (status = 200, description = "The calendar", content_type = "text/calendar"),
        (status = 422, description = "A parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn ics_feed(
    State(state): State<AppState>,
    uri: axum::http::Uri,
    ApiQuery(p): ApiQuery<WindowParams>,
) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let all: Vec<_> = snap.municipalities.iter().map(|m| m.scope().clone()).collect();
    super::fresh_calendar(&state, &all).await?;
    let versions = state.calendar.versions();
    // A feed without `from` starts 90 days back from today: the day belongs to the key.
    let key = format!("{}|{}", super::today(), uri.query().unwrap_or_default());
    if let Some(v) = versions
        && let Some(body) = state.feeds.get(&key, v)
    {
        return Ok(calendar_response(body, "veranstaltungen.ics"));
    }
    let _turn = state.feeds.rendering.lock().await;
    // Rendered by whoever had the turn before?
    if let Some(v) = versions
        && let Some(body) = state.feeds.get(&key, v)
    {
        return Ok(calendar_response(body, "veranstaltungen.ics"));
    }
    let explicit_from = p.from.is_some();
    let (q, m, _) = p.calendar().resolve(&snap, None).map_err(AppError::Validation)?;
    let since = if explicit_from { q.from } else { Utc::now() - chrono::Duration::days(90) };
    let events = state.store.events().feed(&q.scopes, &q.filter, since, MAX_FEED_EVENTS).await?;
    let t = state.i18n.tr(regioportal_domain::Locale::De);
    let name = match m {
        Some(m) => format!("{} – {}", t.get("event-calendar-title"), m.name),
        None => format!("{} – {}", t.get("event-calendar-title"), snap.region.name),
    };
    let meta = CalendarMeta {
        prodid: "-//Regioportal//Veranstaltungskalender//DE".into(),
        name: Some(name),
        description: None,
        refresh_interval: Some(chrono::Duration::hours(1)),
        timezone_years: None,
        dtstamp: stamp(Utc::now()),
    };
    let all: Vec<_> = events.iter().flat_map(|e| vevents(&state, e)).collect();
    let body = axum::body::Bytes::from(write_calendar(&meta, &all));
    if let Some(v) = versions {
        state.feeds.put(key, v, body.clone());
    }
    Ok(calendar_response(body, "veranstaltungen.ics"))
}

/// One event as iCalendar (`/api/v1/events/{id}.ics`).
pub async fn ics_event(state: &AppState, id: i64) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let scopes: Vec<_> = snap.municipalities.iter().map(|m| m.scope().clone()).collect();
    let e = state.store.events().public(&scopes, id).await?.ok_or(AppError::NotFound)?;
    let meta = CalendarMeta {
        prodid: "-//Regioportal//Veranstaltungskalender//DE".into(),
        name: None,
        description: None,
        refresh_interval: None,
        timezone_years: None,
        dtstamp: stamp(Utc::now()),
    };
    Ok(calendar_response(write_calendar(&meta, &vevents(state, &e)), &format!("veranstaltung-{id}.ics")))
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `GET /api/v1/events.atom`: the next occurrences as an Atom feed.
#[utoipa::path(
    get,
    path = "/api/v1/events.atom",
    tag = "events",
    params(WindowParams),
    description = "The next (at most 100) occurrences of the window as an Atom feed, for feed readers.",
    responses(
        (status = 200, description = "The feed", content_type = "application/atom+xml"),
        (status = 422, description = "A parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn atom_feed(
    State(state): State<AppState>,
    ApiQuery(p): ApiQuery<WindowParams>,
) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let (q, m, _) = p.calendar().resolve(&snap, None).map_err(AppError::Validation)?;
    let page = super::window(&state, &snap, &q, None, 100).await?;
    let base = state.config.base_url.as_str();
    let locale = regioportal_domain::Locale::De;
    let t = state.i18n.tr(locale);
    let title = match m {
        Some(m) => format!("{} – {}", t.get("event-calendar-title"), m.name),
        None => format!("{} – {}", t.get("event-calendar-title"), snap.region.name),
    };
    let updated = page.items.iter().map(|(e, _)| e.updated_at).max().unwrap_or_else(Utc::now);
    let mut out = format!(
        "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\" xml:lang=\"de\">\n<title>{}</title>\n<id>{}/veranstaltungen</id>\n<link rel=\"alternate\" href=\"{}/veranstaltungen\"/>\n<updated>{}</updated>\n<author><name>{}</name></author>\n",
        xml(&title),
        xml(base),
        xml(base),
        updated.to_rfc3339(),
        xml(&snap.region.operator)
    );
    for (e, o) in &page.items {
        let day = occurrence_day(o);
        let when = format!("{}, {}", long_date(day, locale), span(&o.occurrence, locale, &t.get("event-all-day")));
        let url = format!("{base}{}?am={day}", super::event_href(&e.municipality, e.id));
        let cancelled = if o.cancelled || e.status == regioportal_domain::events::EventStatus::Cancelled {
            format!(" ({})", t.get("event-cancelled"))
        } else {
            String::new()
        };
        out.push_str(&format!(
            "<entry>\n<title>{}{}</title>\n<id>{}</id>\n<link rel=\"alternate\" href=\"{}\"/>\n<updated>{}</updated>\n<summary>{} · {}</summary>\n</entry>\n",
            xml(o.title.as_deref().unwrap_or(&e.title)),
            xml(&cancelled),
            xml(&url),
            xml(&url),
            e.updated_at.to_rfc3339(),
            xml(&when),
            xml(&e.venue.one_line()),
        ));
    }
    out.push_str("</feed>\n");
    let mut res = out.into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/atom+xml; charset=utf-8"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    Ok(res)
}
