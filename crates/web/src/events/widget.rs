//! The widget for the municipalities' own websites: the next events as a small page for an
//! iframe (themed by the municipality) or as a script-free HTML fragment to include on the
//! server side. Both take the calendar's filters plus `limit` (1–50, default 10).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use serde::Deserialize;

use super::format::{long_date, span};
use super::{CalendarParams, occurrence_day};
use crate::AppState;
use crate::ctx::RequestCtx;
use crate::error::AppError;
use crate::security::Embeddable;

/// The widget's query.
#[derive(Debug, Default, Deserialize)]
pub struct WidgetParams {
    scope: Option<String>,
    category: Option<String>,
    q: Option<String>,
    place: Option<String>,
    free: Option<String>,
    accessible: Option<String>,
    limit: Option<String>,
}

struct Item {
    title: String,
    href: String,
    when: String,
    datetime: String,
    venue: String,
    cancelled: bool,
}

#[derive(Template)]
#[template(path = "events/_widget_list.html")]
struct Fragment {
    slug: String,
    lang: &'static str,
    heading: String,
    items: Vec<Item>,
    empty: String,
    cancelled: String,
    all_href: String,
    all_label: String,
}

#[derive(Template)]
#[template(path = "events/widget.html")]
struct Page {
    slug: String,
    lang: &'static str,
    heading: String,
    items: Vec<Item>,
    empty: String,
    cancelled: String,
    all_href: String,
    all_label: String,
    css_href: String,
    theme_href: String,
}

async fn build(
    state: &AppState,
    ctx: &RequestCtx,
    slug: &str,
    p: WidgetParams,
) -> Result<(Fragment, Vec<String>, String), AppError> {
    let snap = state.directory.get(&state.store).await?;
    let m = snap.by_slug(slug).ok_or(AppError::NotFound)?;
    let limit = match p.limit.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => 10,
        Some(l) => l
            .parse::<usize>()
            .ok()
            .filter(|n| (1..=50).contains(n))
            .ok_or_else(|| AppError::field("limit", "limit must be between 1 and 50"))?,
    };
    let params = CalendarParams {
        scope: p.scope,
        category: p.category,
        q: p.q,
        place: p.place,
        free: p.free,
        accessible: p.accessible,
        // The next half year: a widget shows what is coming.
        from: None,
        to: Some((super::today() + chrono::Days::new(183)).to_string()),
        when: None,
        municipality: None,
    };
    let (q, _, _) = params.resolve(&snap, Some(m)).map_err(AppError::Validation)?;
    let from = chrono::Utc::now();
    let q = super::CalendarQuery { from, ..q };
    let page = super::window(state, &snap, &q, None, limit).await?;
    let t = state.i18n.tr(ctx.locale);
    let base = state.config.base_url.as_str();
    let all_day = t.get("event-all-day");
    let items = page
        .items
        .iter()
        .map(|(e, o)| {
            let day = occurrence_day(o);
            Item {
                title: o.title.clone().unwrap_or_else(|| e.title.to_string()),
                href: format!("{base}{}?am={day}", super::event_href(&e.municipality, e.id)),
                when: format!("{}, {}", long_date(day, ctx.locale), span(&o.occurrence, ctx.locale, &all_day)),
                datetime: super::occurrence_bounds(o).0,
                venue: e.venue.one_line(),
                cancelled: o.cancelled || e.status == regioportal_domain::events::EventStatus::Cancelled,
            }
        })
        .collect();
    // The municipality's own website may frame the widget.
    let origins = m
        .website
        .as_deref()
        .and_then(|w| {
            let (scheme, rest) = w.split_once("://")?;
            Some(format!("{scheme}://{}", rest.split('/').next()?))
        })
        .into_iter()
        .collect();
    let fragment = Fragment {
        slug: m.slug().to_string(),
        lang: ctx.locale.tag(),
        heading: t.get1("event-widget-heading", "name", &m.name),
        items,
        empty: t.get("event-widget-empty"),
        cancelled: t.get("event-cancelled"),
        all_href: format!("{base}/{}/veranstaltungen", m.slug()),
        all_label: t.get1("event-widget-all", "name", &m.name),
    };
    Ok((fragment, origins, format!("/{}/theme.css?v={}", m.slug(), m.updated_at.timestamp())))
}

/// `GET /{municipality}/veranstaltungen/widget`: the page for an iframe.
pub async fn page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(p): Query<WidgetParams>,
) -> Result<Response, AppError> {
    let (f, origins, theme_href) = build(&state, &ctx, &slug, p).await?;
    let page = Page {
        slug: f.slug,
        lang: f.lang,
        heading: f.heading,
        items: f.items,
        empty: f.empty,
        cancelled: f.cancelled,
        all_href: f.all_href,
        all_label: f.all_label,
        css_href: crate::chrome::stylesheet_href(),
        theme_href,
    };
    let mut res = Html(page.render().map_err(AppError::internal)?).into_response();
    res.extensions_mut().insert(Embeddable(origins));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    Ok(res)
}

/// `GET /{municipality}/veranstaltungen/widget.html`: the fragment, for server-side includes.
pub async fn fragment(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
    Query(p): Query<WidgetParams>,
) -> Result<Response, AppError> {
    let (f, _, _) = build(&state, &ctx, &slug, p).await?;
    let mut res = Html(f.render().map_err(AppError::internal)?).into_response();
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=300"));
    // A CMS may also fetch it from the visitor's browser.
    h.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, HeaderValue::from_static("*"));
    Ok(res)
}
