//! Subscribed organiser feeds of a municipality: list with the last report, add, poll now,
//! remove. Editors only.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::events::{Need, events_municipality};
use super::{FormErrors, Staff, local_time};
use crate::AppState;
use crate::chrome::{Chrome, region_info};
use crate::ctx::RequestCtx;
use crate::error::AppError;
use crate::staff::session::HtmlForm;

struct Row {
    id: i64,
    name: String,
    url: String,
    publish: bool,
    interval: i32,
    last: String,
    report: String,
    /// Events it brought that are not withdrawn.
    events: u64,
}

#[derive(Template)]
#[template(path = "staff/event_feeds.html")]
struct FeedsView<'a> {
    chrome: Chrome<'a>,
    slug: String,
    municipality_name: String,
    rows: Vec<Row>,
    errors: FormErrors,
    notice: Option<String>,
    csrf: String,
    form_name: String,
    form_url: String,
}

/// The page's query.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct DoneQuery {
    done: Option<String>,
}

/// The varying parts of the page.
struct PageState<'f> {
    errors: FormErrors,
    notice: Option<String>,
    form: (&'f str, &'f str),
    status: StatusCode,
}

async fn page(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    slug: &str,
    p: PageState<'_>,
) -> Result<Response, AppError> {
    let PageState { errors, notice, form, status } = p;
    let m = events_municipality(state, staff, slug, Need::Edit).await?;
    let t = state.i18n.tr(ctx.locale);
    let counts = state.store.events().count_by_feed(m.scope()).await?;
    let rows = state
        .store
        .feeds()
        .list(m.scope())
        .await?
        .into_iter()
        .map(|f| Row {
            id: f.id,
            name: f.name,
            url: f.url,
            publish: f.publish,
            interval: f.interval_minutes,
            last: f.last_polled_at.map(local_time).unwrap_or_else(|| t.get("staff-feed-never")),
            report: f.last_report.unwrap_or_default(),
            events: counts.iter().find(|c| c.0 == f.id).map_or(0, |c| c.1),
        })
        .collect();
    let region = region_info(state).await?;
    let view = FeedsView {
        chrome: Chrome::staff(state, ctx, &region, t.get("staff-feeds"), Some(staff)),
        slug: m.slug().to_string(),
        municipality_name: m.name.clone(),
        rows,
        errors,
        notice,
        csrf: staff.session.csrf_token.clone(),
        form_name: form.0.to_owned(),
        form_url: form.1.to_owned(),
    };
    Ok((status, Html(view.render().map_err(AppError::internal)?)).into_response())
}

/// `GET /verwaltung/{municipality}/veranstaltungen/abonnements`.
pub(crate) async fn list(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(slug): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let t = state.i18n.tr(ctx.locale);
    let notice = match q.done.as_deref() {
        Some("hinzugefuegt") => Some(t.get("staff-feed-added")),
        Some("abgerufen") => Some(t.get("staff-feed-polled")),
        Some("entfernt") => Some(t.get("staff-feed-removed")),
        Some("entfernt-zurueckgezogen") => Some(t.get("staff-feed-removed-withdrawn")),
        _ => None,
    };
    let p = PageState { errors: FormErrors::default(), notice, form: ("", ""), status: StatusCode::OK };
    page(&state, &ctx, &staff, &slug, p).await
}

/// The form of a new subscription.
#[derive(Debug, Deserialize)]
pub(crate) struct AddForm {
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    url: String,
    #[serde(default)]
    interval: String,
    #[serde(default)]
    publish: Option<String>,
}

/// `POST /verwaltung/{municipality}/veranstaltungen/abonnements`.
pub(crate) async fn add(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(slug): Path<String>,
    HtmlForm(f): HtmlForm<AddForm>,
) -> Result<Response, AppError> {
    staff.check_csrf(&f.csrf)?;
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let t = state.i18n.tr(ctx.locale);
    let mut errors = FormErrors::default();
    let name = f.name.trim();
    if name.is_empty() || name.chars().count() > 200 {
        errors.add("name", t.get("staff-feed-error-name"));
    }
    let url = f.url.trim().replacen("webcal://", "https://", 1);
    if let Err(e) = crate::fetch::check_url(&url) {
        errors.add("url", format!("{} ({e})", t.get("staff-feed-error-url")));
    }
    let interval = match f.interval.trim() {
        "" => 360,
        s => s
            .parse::<i32>()
            .ok()
            .filter(|n| (regioportal_storage::MIN_INTERVAL_MINUTES..=10_080).contains(n))
            .unwrap_or_else(|| {
                errors.add("interval", t.get("staff-feed-error-interval"));
                360
            }),
    };
    if errors.is_empty() {
        match state.store.feeds().add(m.scope(), name, &url, interval, f.publish.is_some(), &staff.actor()).await {
            Ok(_) => {
                return Ok(Redirect::to(&format!(
                    "/verwaltung/{}/veranstaltungen/abonnements?done=hinzugefuegt",
                    m.slug()
                ))
                .into_response());
            }
            Err(regioportal_storage::StorageError::Conflict(_)) => {
                errors.add("url", t.get("staff-feed-error-duplicate"))
            }
            Err(e) => return Err(e.into()),
        }
    }
    let p = PageState { errors, notice: None, form: (&f.name, &f.url), status: StatusCode::UNPROCESSABLE_ENTITY };
    page(&state, &ctx, &staff, &slug, p).await
}

/// The form of a button.
#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

/// `POST /verwaltung/{municipality}/veranstaltungen/abonnements/{id}/abrufen`: polls now.
pub(crate) async fn poll_now(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, id)): Path<(String, String)>,
    HtmlForm(f): HtmlForm<CsrfForm>,
) -> Result<Response, AppError> {
    staff.check_csrf(&f.csrf)?;
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let claimed = state.store.feeds().claim_due(chrono::Utc::now(), Some((m.scope(), id))).await?;
    let Some((feed, scope)) = claimed.into_iter().next() else { return Err(AppError::NotFound) };
    let report = crate::events::poll::poll_one(&state, &feed, &scope).await;
    state.store.feeds().report(feed.id, &report).await?;
    Ok(Redirect::to(&format!("/verwaltung/{}/veranstaltungen/abonnements?done=abgerufen", m.slug())).into_response())
}

/// The form that ends a subscription.
#[derive(Debug, Deserialize)]
pub(crate) struct RemoveForm {
    csrf: String,
    /// Also take the feed's future events out of the public calendar.
    withdraw: Option<String>,
}

/// `POST /verwaltung/{municipality}/veranstaltungen/abonnements/{id}/entfernen`: ends the
/// subscription; its events stay, or with `withdraw` its future ones go back to drafts.
pub(crate) async fn remove(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, id)): Path<(String, String)>,
    HtmlForm(f): HtmlForm<RemoveForm>,
) -> Result<Response, AppError> {
    staff.check_csrf(&f.csrf)?;
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    let feed = state.store.feeds().list(m.scope()).await?.into_iter().find(|x| x.id == id).ok_or(AppError::NotFound)?;
    let withdraw = f.withdraw.is_some();
    if withdraw {
        // Before the subscription goes (its end clears the events' link to it). Should the
        // removal fail after this, the next poll lists the events again and restores them.
        let note = format!("{}the subscription {:?} was ended", regioportal_storage::IMPORT_WITHDRAWAL, feed.name);
        let none = std::collections::HashSet::new();
        state.store.events().withdraw_missing(m.scope(), id, &none, &note, &staff.actor()).await?;
    }
    if !state.store.feeds().remove(m.scope(), id, &staff.actor()).await? {
        return Err(AppError::NotFound);
    }
    let done = if withdraw { "entfernt-zurueckgezogen" } else { "entfernt" };
    Ok(Redirect::to(&format!("/verwaltung/{}/veranstaltungen/abonnements?done={done}", m.slug())).into_response())
}
