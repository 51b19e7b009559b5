//! The public calendar pages: the list grouped by day and the month view, for the region
//! (`/veranstaltungen`) and per municipality (`/{municipality}/veranstaltungen`), and the page
//! of one event. Everything works without JavaScript: the filters are a plain GET form.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::response::{Html, IntoResponse, Response};
use chrono::{Datelike as _, Days, Months, NaiveDate, Utc};
use regioportal_domain::Locale;
use regioportal_domain::events::{Category, Cursor, EventStatus};
use regioportal_domain::recurrence::Occurrence;
use regioportal_storage::{EventRecord, MunicipalityRecord};
use serde::Deserialize;

use super::api::window_page;
use super::format::{long_date, month_year, short_date, span};
use super::index::Summary;
use super::{CalendarParams, Scope, local_midnight, occurrence_day, today};
use crate::AppState;
use crate::chrome::Chrome;
use crate::ctx::RequestCtx;
use crate::error::{AppError, FieldError};
use crate::staff::encode_query;

/// Items per page of the list.
const PAGE_SIZE: usize = 50;

/// The query of a calendar page.
#[derive(Debug, Default, Deserialize)]
pub struct PageParams {
    from: Option<String>,
    to: Option<String>,
    when: Option<String>,
    municipality: Option<String>,
    scope: Option<String>,
    category: Option<String>,
    q: Option<String>,
    place: Option<String>,
    free: Option<String>,
    accessible: Option<String>,
    cursor: Option<String>,
    view: Option<String>,
    month: Option<String>,
}

impl PageParams {
    fn calendar(&self) -> CalendarParams {
        CalendarParams {
            from: self.from.clone(),
            to: self.to.clone(),
            when: self.when.clone(),
            municipality: self.municipality.clone(),
            scope: self.scope.clone(),
            category: self.category.clone(),
            q: self.q.clone(),
            place: self.place.clone(),
            free: self.free.clone(),
            accessible: self.accessible.clone(),
        }
    }

    /// The filter part of the query string (for feeds, paging and the view switch).
    fn filter_query(&self, fixed: Option<&MunicipalityRecord>) -> Vec<(&'static str, String)> {
        let mut q = Vec::new();
        let mut put = |k: &'static str, v: &Option<String>| {
            if let Some(v) = v.as_deref().map(str::trim).filter(|v| !v.is_empty()) {
                q.push((k, v.to_owned()));
            }
        };
        put("when", &self.when);
        put("from", &self.from);
        put("to", &self.to);
        if fixed.is_none() {
            put("municipality", &self.municipality);
        }
        put("scope", &self.scope);
        put("category", &self.category);
        put("q", &self.q);
        put("place", &self.place);
        put("free", &self.free);
        put("accessible", &self.accessible);
        if let Some(m) = fixed {
            q.insert(0, ("municipality", m.slug().to_string()));
        }
        q
    }
}

fn query_string(pairs: &[(&str, String)]) -> String {
    pairs.iter().map(|(k, v)| format!("{k}={}", encode_query(v))).collect::<Vec<_>>().join("&")
}

/// An option of a select or radio group.
pub struct Choice {
    /// Value.
    pub value: String,
    /// Label.
    pub label: String,
    /// Selected.
    pub selected: bool,
}

/// One occurrence in the list.
pub struct ItemView {
    title: String,
    href: String,
    time: String,
    datetime: String,
    venue: String,
    municipality: String,
    categories: Vec<String>,
    cancelled: bool,
    free: bool,
    accessible: bool,
}

/// A day of the list.
pub struct DayGroup {
    heading: String,
    items: Vec<ItemView>,
}

/// A day cell of the month view.
pub struct MonthCell {
    day: u32,
    in_month: bool,
    label: String,
    items: Vec<ItemView>,
    more: usize,
    day_href: String,
    today: bool,
}

#[derive(Template)]
#[template(path = "events/calendar.html")]
struct CalendarView<'a> {
    chrome: Chrome<'a>,
    heading: String,
    municipality_name: Option<String>,
    action: String,
    errors: Vec<FieldError>,
    scopes: Vec<Choice>,
    presets: Vec<Choice>,
    categories: Vec<Choice>,
    municipalities: Vec<Choice>,
    from: String,
    to: String,
    q: String,
    place: String,
    free: bool,
    accessible: bool,
    window_label: String,
    days: Vec<DayGroup>,
    next_href: Option<String>,
    month_view: bool,
    list_href: String,
    month_href: String,
    month_title: String,
    weeks: Vec<Vec<MonthCell>>,
    weekday_names: Vec<(String, &'static str)>,
    prev_month_href: String,
    next_month_href: String,
    truncated: bool,
    ics_href: String,
    webcal_href: String,
    atom_href: String,
    submit_href: String,
    count: usize,
}

fn render(t: &impl Template) -> Result<Response, AppError> {
    Ok(Html(t.render().map_err(AppError::internal)?).into_response())
}

/// `GET /veranstaltungen`.
pub async fn region_calendar(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Query(p): Query<PageParams>,
) -> Result<Response, AppError> {
    calendar(state, ctx, None, p).await
}

/// `GET /{municipality}/veranstaltungen`.
pub async fn municipality_calendar(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(p): Query<PageParams>,
) -> Result<Response, AppError> {
    calendar(state, ctx, Some(slug), p).await
}

fn item_view(
    e: &Summary,
    o: &regioportal_domain::events::EventOccurrence,
    locale: Locale,
    t: &crate::i18n::Tr<'_>,
    snap: &crate::directory::Snapshot,
) -> ItemView {
    let (datetime, _) = super::occurrence_bounds(o);
    ItemView {
        title: o.title.clone().unwrap_or_else(|| e.title.to_string()),
        href: format!("{}?am={}", super::event_href(&e.municipality, e.id), occurrence_day(o)),
        time: span(&o.occurrence, locale, &t.get("event-all-day")),
        datetime,
        venue: e.venue.one_line(),
        municipality: snap.by_slug(e.municipality.as_str()).map(|m| m.name.clone()).unwrap_or_default(),
        categories: e.categories().map(|c| c.name(locale).to_owned()).collect(),
        cancelled: o.cancelled || e.status == EventStatus::Cancelled,
        free: e.free,
        accessible: e.venue.accessibility.is_accessible(),
    }
}

async fn calendar(state: AppState, ctx: RequestCtx, slug: Option<String>, p: PageParams) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let fixed = match &slug {
        Some(s) => Some(snap.by_slug(s).ok_or(AppError::NotFound)?),
        None => None,
    };
    let t = state.i18n.tr(ctx.locale);
    let locale = ctx.locale;
    let month_view = p.view.as_deref() == Some("month");
    let mut params = p.calendar();
    let month_start = p
        .month
        .as_deref()
        .and_then(|m| NaiveDate::parse_from_str(&format!("{m}-01"), "%Y-%m-%d").ok())
        .unwrap_or_else(|| today().with_day(1).unwrap_or_else(today));
    let month_end = month_start.checked_add_months(Months::new(1)).unwrap_or(month_start);
    if month_view {
        params.from = Some(month_start.to_string());
        params.to = Some(month_end.to_string());
        params.when = None;
    }
    let (query, m, scope, errors) = match params.resolve(&snap, fixed) {
        Ok((q, m, s)) => (Some(q), m, s, Vec::new()),
        Err(e) => (None, fixed, if fixed.is_some() { Scope::Own } else { Scope::Region }, e),
    };
    let cursor = p.cursor.as_deref().and_then(Cursor::parse);
    let (mut days, mut next_href, mut weeks, mut truncated, mut count) = (Vec::new(), None, Vec::new(), false, 0);
    let filter_q = p.filter_query(fixed);
    let base_path = match fixed {
        Some(m) => format!("/{}/veranstaltungen", m.slug()),
        None => "/veranstaltungen".to_owned(),
    };
    let page_filter: Vec<(&str, String)> =
        filter_q.iter().filter(|(k, _)| fixed.is_none() || *k != "municipality").cloned().collect();
    if let Some(q) = &query {
        let limit = if month_view { regioportal_domain::events::MAX_PAGE } else { PAGE_SIZE };
        let page = super::window(&state, &snap, q, if month_view { None } else { cursor }, limit).await?;
        count = page.items.len();
        if month_view {
            truncated = page.next.is_some();
            let mut by_day: std::collections::BTreeMap<NaiveDate, Vec<ItemView>> = Default::default();
            for (e, o) in &page.items {
                // A multi-day occurrence shows on each of its days within the month.
                let first = occurrence_day(o).max(month_start);
                let last = match o.occurrence {
                    Occurrence::AllDay { end, .. } => end.pred_opt().unwrap_or(end),
                    Occurrence::Timed { end, .. } => end.with_timezone(&super::REGION_ZONE).date_naive(),
                }
                .min(month_end.pred_opt().unwrap_or(month_end));
                let mut d = first;
                while d <= last {
                    by_day.entry(d).or_default().push(item_view(e, o, locale, &t, &snap));
                    d = d.succ_opt().unwrap_or(last.succ_opt().unwrap_or(last));
                    if d == first {
                        break;
                    }
                }
            }
            let grid_start = month_start - Days::new(u64::from(month_start.weekday().num_days_from_monday()));
            let today = today();
            let mut d = grid_start;
            while d < month_end {
                let mut week = Vec::new();
                for _ in 0..7 {
                    let mut items = by_day.remove(&d).unwrap_or_default();
                    let more = items.len().saturating_sub(4);
                    items.truncate(4);
                    let mut day_q = page_filter.clone();
                    day_q.retain(|(k, _)| !matches!(*k, "when" | "from" | "to"));
                    day_q.push(("from", d.to_string()));
                    day_q.push(("to", d.succ_opt().unwrap_or(d).to_string()));
                    week.push(MonthCell {
                        day: d.day(),
                        in_month: d.month() == month_start.month(),
                        label: long_date(d, locale),
                        items,
                        more,
                        day_href: format!("{base_path}?{}", query_string(&day_q)),
                        today: d == today,
                    });
                    d = d + Days::new(1);
                }
                weeks.push(week);
            }
        } else {
            for (e, o) in &page.items {
                let day = occurrence_day(o).max(q.from.with_timezone(&super::REGION_ZONE).date_naive());
                let heading = long_date(day, locale);
                let view = item_view(e, o, locale, &t, &snap);
                match days.last_mut() {
                    Some(DayGroup { heading: h, items }) if *h == heading => items.push(view),
                    _ => days.push(DayGroup { heading, items: vec![view] }),
                }
            }
            if let Some(c) = page.next {
                let mut nq = page_filter.clone();
                nq.push(("cursor", c.to_string()));
                next_href = Some(format!("{base_path}?{}", query_string(&nq)));
            }
        }
    }

    let title = t.get("event-calendar-title");
    let heading = match m.filter(|_| fixed.is_some()) {
        Some(m) => format!("{title}: {}", m.name),
        None => title.clone(),
    };
    let chrome = match fixed {
        Some(m) => Chrome::municipality(&state, &ctx, &snap.region, m, heading.clone()),
        None => Chrome::region(&state, &ctx, &snap.region, title.clone()),
    };
    let scopes = if fixed.is_some() || m.is_some() {
        [Scope::Own, Scope::Near, Scope::Region]
            .into_iter()
            .map(|s| Choice {
                value: s.as_str().into(),
                label: t.get(&format!("event-scope-{}", s.as_str())),
                selected: s == scope,
            })
            .collect()
    } else {
        Vec::new()
    };
    let when = p.when.as_deref().unwrap_or("");
    let presets = ["", "today", "weekend", "week", "month"]
        .into_iter()
        .map(|w| Choice {
            value: w.into(),
            label: t.get(if w.is_empty() {
                "event-when-any"
            } else {
                match w {
                    "today" => "event-when-today",
                    "weekend" => "event-when-weekend",
                    "week" => "event-when-week",
                    _ => "event-when-month",
                }
            }),
            selected: w == when,
        })
        .collect();
    let selected_cat = p.category.as_deref().unwrap_or("");
    let mut categories =
        vec![Choice { value: String::new(), label: t.get("event-category-any"), selected: selected_cat.is_empty() }];
    categories.extend(Category::ALL.iter().map(|c| Choice {
        value: c.slug().into(),
        label: c.name(locale).into(),
        selected: c.slug() == selected_cat,
    }));
    let selected_m = p.municipality.as_deref().unwrap_or("");
    let mut municipalities = Vec::new();
    if fixed.is_none() {
        municipalities.push(Choice {
            value: String::new(),
            label: t.get("event-municipality-any"),
            selected: selected_m.is_empty(),
        });
        municipalities.extend(snap.municipalities.iter().map(|x| Choice {
            value: x.slug().to_string(),
            label: x.name.clone(),
            selected: x.slug().as_str() == selected_m,
        }));
    }
    let window_label = match &query {
        Some(q) => {
            let a = q.from.with_timezone(&super::REGION_ZONE).date_naive();
            let b = (q.to - chrono::Duration::seconds(1)).with_timezone(&super::REGION_ZONE).date_naive();
            if a == b {
                long_date(a, locale)
            } else {
                format!("{} – {}", short_date(a, locale), short_date(b, locale))
            }
        }
        None => String::new(),
    };
    let feed_q = query_string(&filter_q);
    let base = state.config.base_url.as_str();
    let ics_path = format!("/api/v1/events.ics?{feed_q}");
    let webcal = format!("{base}{ics_path}").replacen("https://", "webcal://", 1).replacen("http://", "webcal://", 1);
    let mut list_q = page_filter.clone();
    list_q.retain(|(k, _)| !matches!(*k, "from" | "to"));
    let mut month_q = list_q.clone();
    month_q.retain(|(k, _)| *k != "when");
    month_q.push(("view", "month".into()));
    let month_href_for = |d: NaiveDate| {
        let mut q = month_q.clone();
        q.push(("month", d.format("%Y-%m").to_string()));
        format!("{base_path}?{}", query_string(&q))
    };
    let weekday_names = (0..7)
        .map(|i| {
            // 1 January 2024 was a Monday.
            let long = super::format::weekday(NaiveDate::from_ymd_opt(2024, 1, 1 + i).unwrap_or_default(), locale);
            (long.chars().take(2).collect::<String>(), long)
        })
        .collect();
    render(&CalendarView {
        heading,
        municipality_name: fixed.map(|m| m.name.clone()),
        action: base_path.clone(),
        errors,
        scopes,
        presets,
        categories,
        municipalities,
        from: if month_view { String::new() } else { p.from.clone().unwrap_or_default() },
        to: if month_view { String::new() } else { p.to.clone().unwrap_or_default() },
        q: p.q.clone().unwrap_or_default(),
        place: p.place.clone().unwrap_or_default(),
        free: p.free.as_deref().is_some_and(|v| !v.is_empty() && v != "false"),
        accessible: p.accessible.as_deref().is_some_and(|v| !v.is_empty() && v != "false"),
        window_label,
        days,
        next_href,
        month_view,
        list_href: format!("{base_path}?{}", query_string(&list_q)),
        month_href: month_href_for(month_start),
        month_title: month_year(month_start, locale),
        weeks,
        weekday_names,
        prev_month_href: month_href_for(month_start.checked_sub_months(Months::new(1)).unwrap_or(month_start)),
        next_month_href: month_href_for(month_end),
        truncated,
        ics_href: ics_path,
        webcal_href: webcal,
        atom_href: format!("/api/v1/events.atom?{feed_q}"),
        submit_href: match fixed {
            Some(m) => format!("/veranstaltungen/melden?municipality={}", m.slug()),
            None => "/veranstaltungen/melden".into(),
        },
        count,
        chrome,
    })
}

/// An upcoming occurrence on the event page.
pub struct DateLine {
    date: String,
    time: String,
    cancelled: bool,
    current: bool,
    /// A title for this date only.
    title: Option<String>,
}

#[derive(Template)]
#[template(path = "events/event.html")]
struct EventView<'a> {
    chrome: Chrome<'a>,
    e: &'a EventRecord,
    title: String,
    cancelled: bool,
    when: String,
    dates: Vec<DateLine>,
    repeats: bool,
    description_html: String,
    categories: Vec<String>,
    municipality_name: String,
    osm_href: Option<String>,
    ics_href: String,
    calendar_href: String,
    json_ld: String,
    image_href: Option<String>,
}

#[derive(Debug, Deserialize)]
/// The query of an event page.
pub struct EventParams {
    am: Option<String>,
}

/// `GET /{municipality}/veranstaltungen/{id}`.
pub async fn event_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, id)): Path<(String, String)>,
    Query(p): Query<EventParams>,
) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let m = snap.by_slug(&slug).ok_or(AppError::NotFound)?;
    let id = super::api::parse_id(&id)?;
    let e = state.store.events().public(std::slice::from_ref(m.scope()), id).await?.ok_or(AppError::NotFound)?;
    let t = state.i18n.tr(ctx.locale);
    let locale = ctx.locale;
    let chosen = p.am.as_deref().and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok());
    let zone = e.draft.timing.zone();
    let from_day = chosen.unwrap_or_else(today);
    let from = local_midnight(from_day).unwrap_or_else(Utc::now);
    let to = from + chrono::Duration::days(3 * 366);
    let mut occ = window_page(std::slice::from_ref(&e), from, to, None, 10).map(|p| p.items).unwrap_or_default();
    if occ.is_empty() {
        // A past event: show its first occurrences.
        let first = e.draft.timing.first_start();
        occ = window_page(std::slice::from_ref(&e), first, first + chrono::Duration::days(3 * 366), None, 10)
            .map(|p| p.items)
            .unwrap_or_default();
    }
    let all_day_label = t.get("event-all-day");
    let dates: Vec<DateLine> = occ
        .iter()
        .map(|(_, o)| DateLine {
            date: long_date(occurrence_day(o), locale),
            time: span(&o.occurrence, locale, &all_day_label),
            cancelled: o.cancelled,
            current: chosen == Some(occurrence_day(o)),
            title: o.title.clone().filter(|t| *t != e.draft.title),
        })
        .collect();
    let main = occ.iter().find(|(_, o)| Some(occurrence_day(o)) == chosen).or(occ.first()).map(|(_, o)| o.clone());
    let when = main
        .as_ref()
        .map(|o| format!("{}, {}", long_date(occurrence_day(o), locale), span(&o.occurrence, locale, &all_day_label)))
        .unwrap_or_default();
    let cancelled = e.status == EventStatus::Cancelled || main.as_ref().is_some_and(|o| o.cancelled);
    let title = main.as_ref().and_then(|o| o.title.clone()).unwrap_or_else(|| e.draft.title.clone());
    let osm_href = match (e.draft.venue.lat, e.draft.venue.lon) {
        (Some(lat), Some(lon)) => {
            Some(format!("https://www.openstreetmap.org/?mlat={lat:.5}&mlon={lon:.5}#map=17/{lat:.5}/{lon:.5}"))
        }
        _ => {
            let q = e.draft.venue.one_line();
            Some(format!("https://www.openstreetmap.org/search?query={}", encode_query(&q)))
        }
    };
    let base = state.config.base_url.as_str();
    let json_ld = json_ld(&e, main.as_ref(), cancelled, &format!("{base}{}", super::api::event_path(&e)), m, zone);
    let view = EventView {
        chrome: Chrome::municipality(&state, &ctx, &snap.region, m, title.clone()),
        e: &e,
        title,
        cancelled,
        when,
        repeats: e.draft.timing.repeats(),
        dates,
        description_html: crate::markdown::render(&e.draft.description),
        categories: e.draft.categories.iter().map(|c| c.name(locale).to_owned()).collect(),
        municipality_name: m.name.clone(),
        osm_href,
        ics_href: format!("/api/v1/events/{}.ics", e.id),
        calendar_href: format!("/{}/veranstaltungen", m.slug()),
        json_ld,
        image_href: e.image.as_ref().map(|_| format!("/{}/veranstaltungen/{}/bild", m.slug(), e.id)),
    };
    render(&view)
}

/// schema.org Event as JSON-LD, safe inside a `<script>` element.
fn json_ld(
    e: &EventRecord,
    o: Option<&regioportal_domain::events::EventOccurrence>,
    cancelled: bool,
    url: &str,
    m: &MunicipalityRecord,
    _zone: chrono_tz::Tz,
) -> String {
    let (start, end) = o.map(super::occurrence_bounds).unwrap_or_default();
    let v = &e.draft.venue;
    let mut place = serde_json::json!({
        "@type": "Place",
        "name": v.name,
        "address": {
            "@type": "PostalAddress",
            "streetAddress": v.street,
            "postalCode": v.postcode,
            "addressLocality": v.place.clone().unwrap_or_else(|| m.name.clone()),
            "addressCountry": "DE",
        },
    });
    if let (Some(lat), Some(lon)) = (v.lat, v.lon) {
        place["geo"] = serde_json::json!({ "@type": "GeoCoordinates", "latitude": lat, "longitude": lon });
    }
    let mut doc = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "Event",
        "name": e.draft.title,
        "description": e.draft.description.chars().take(500).collect::<String>(),
        "startDate": start,
        "endDate": end,
        "eventStatus": if cancelled { "https://schema.org/EventCancelled" } else { "https://schema.org/EventScheduled" },
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": place,
        "isAccessibleForFree": e.draft.free,
        "url": url,
    });
    if let Some(n) = &e.draft.organizer.name {
        doc["organizer"] = serde_json::json!({ "@type": "Organization", "name": n, "url": e.draft.organizer.url });
    }
    // "</script>" inside a string would end the element: escape every "<".
    doc.to_string().replace('<', "\\u003c")
}

/// `GET /{municipality}/veranstaltungen/{id}/bild`: the image of a public event.
pub async fn event_image(
    State(state): State<AppState>,
    Path((slug, id)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let m = snap.by_slug(&slug).ok_or(AppError::NotFound)?;
    let id = super::api::parse_id(&id)?;
    let (kind, bytes) =
        state.store.events().public_image(std::slice::from_ref(m.scope()), id).await?.ok_or(AppError::NotFound)?;
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(axum::http::header::CONTENT_TYPE, axum::http::HeaderValue::from_str(&kind).map_err(AppError::internal)?);
    h.insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("public, max-age=300"));
    Ok(res)
}

/// JSON for a `<script type="application/ld+json">` element: `<` escaped so that no string can
/// close the element.
pub(crate) fn safe_json(v: &serde_json::Value) -> String {
    v.to_string().replace('<', "\\u003c")
}
