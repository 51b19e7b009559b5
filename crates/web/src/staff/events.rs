//! The events of a municipality in the staff area: the moderation queue, creating and editing
//! events, and decisions (publish, reject with a reason the organiser receives, cancel).

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use regioportal_domain::Slug;
use regioportal_domain::events::{EventDraft, EventStatus};
use regioportal_storage::{EventRecord, EventSource, MunicipalityRecord, NewEvent, UserId};
use serde::Deserialize;

use super::render;
use super::{FormErrors, Staff, local_time};
use crate::AppState;
use crate::chrome::{Chrome, region_info};
use crate::ctx::RequestCtx;
use crate::error::AppError;
use crate::events::form::{EventForm, FormMode, FormSection, FormSetup, form_errors, sections};
use crate::mail::{self, Mail};
use crate::staff::session::HtmlForm;

/// What a person must be able to do with a municipality's events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Need {
    /// Read the list, open an event, change its content or decide on it.
    Moderate,
    /// Create and delete events.
    Edit,
}

/// The municipality of the path after checking the person's roles: 403 without them, 404
/// for an unknown municipality.
pub(crate) async fn events_municipality(
    state: &AppState,
    staff: &Staff,
    slug: &str,
    need: Need,
) -> Result<MunicipalityRecord, AppError> {
    let slug = Slug::parse(slug).map_err(|_| AppError::NotFound)?;
    let m = state.directory.get(&state.store).await?.by_slug(slug.as_str()).cloned().ok_or(AppError::NotFound)?;
    let ok = match need {
        Need::Edit => staff.perms.can_edit(&slug),
        Need::Moderate => staff.perms.can_edit(&slug) || staff.perms.can_moderate(&slug),
    };
    if !ok {
        return Err(AppError::Forbidden);
    }
    Ok(m)
}

/// What a person may do with the events of the municipality in the path.
pub(crate) struct EventAccess {
    /// The municipality.
    pub m: MunicipalityRecord,
    /// A trusted organiser's account: only the events it created are within reach.
    pub own_only: Option<UserId>,
}

impl EventAccess {
    /// The event of the path, within reach: 404 for another municipality's event and, for an
    /// organiser, for an event they did not create (its existence is nobody's business).
    pub(crate) async fn event(&self, state: &AppState, id: &str) -> Result<EventRecord, AppError> {
        let e = event_of(state, &self.m, id).await?;
        match self.own_only {
            Some(user) if e.created_by != Some(user) => Err(AppError::NotFound),
            _ => Ok(e),
        }
    }
}

/// The municipality of the path for the events pages that trusted organisers share with
/// editors and moderators: full access for those, their own events for organisers, 403 for
/// everyone else.
pub(crate) async fn event_access(
    state: &AppState,
    staff: &Staff,
    slug: &str,
    need: Need,
) -> Result<EventAccess, AppError> {
    let parsed = Slug::parse(slug).map_err(|_| AppError::NotFound)?;
    if staff.perms.can_publish_own_events(&parsed)
        && !staff.perms.can_edit(&parsed)
        && !(need == Need::Moderate && staff.perms.can_moderate(&parsed))
    {
        let m = state.directory.get(&state.store).await?.by_slug(parsed.as_str()).cloned().ok_or(AppError::NotFound)?;
        return Ok(EventAccess { m, own_only: Some(staff.user.id) });
    }
    let m = events_municipality(state, staff, slug, need).await?;
    Ok(EventAccess { m, own_only: None })
}

struct Row {
    id: i64,
    title: String,
    when: String,
    status: String,
    source: String,
    waiting: bool,
}

struct StatusTab {
    href: String,
    label: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "staff/events.html")]
struct ListView<'a> {
    chrome: Chrome<'a>,
    slug: String,
    municipality_name: String,
    tabs: Vec<StatusTab>,
    rows: Vec<Row>,
    /// May create events.
    can_create: bool,
    /// May subscribe feeds (editors).
    can_subscribe: bool,
    /// A trusted organiser: sees their own events only.
    own_only: bool,
    notice: Option<String>,
}

/// The list's query.
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ListQuery {
    status: Option<String>,
    done: Option<String>,
    /// The editor's list of dates starts here (a date key).
    termine_ab: Option<String>,
}

fn status_label(t: &crate::i18n::Tr<'_>, s: EventStatus) -> String {
    t.get(&format!("staff-event-status-{}", s.as_str()))
}

fn source_label(t: &crate::i18n::Tr<'_>, s: EventSource) -> String {
    t.get(match s {
        EventSource::Staff => "staff-event-source-staff",
        EventSource::Api => "staff-event-source-api",
        EventSource::Submission => "staff-event-source-submission",
        EventSource::Import => "staff-event-source-import",
    })
}

fn done_notice(t: &crate::i18n::Tr<'_>, done: Option<&str>) -> Option<String> {
    Some(t.get(match done? {
        "gespeichert" => "staff-event-saved",
        "veroeffentlicht" => "staff-event-published",
        "abgelehnt" => "staff-event-rejected",
        "abgesagt" => "staff-event-cancelled",
        "geloescht" => "staff-event-deleted",
        "termin" => "staff-date-saved",
        "termine-bereinigt" => "staff-event-saved-dates-dropped",
        _ => return None,
    }))
}

/// `GET /verwaltung/{municipality}/veranstaltungen`: pending submissions first.
pub(crate) async fn list(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(slug): Path<String>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let access = event_access(&state, &staff, &slug, Need::Moderate).await?;
    let m = &access.m;
    let t = state.i18n.tr(ctx.locale);
    // Moderators start with what waits for them; an organiser's events never wait.
    let status = match q.status.as_deref() {
        None | Some("") if access.own_only.is_some() => None,
        None | Some("") => Some(EventStatus::Pending),
        Some("alle") => None,
        Some(s) => Some(EventStatus::parse(s).ok_or(AppError::NotFound)?),
    };
    let events = state.store.events().list(m.scope(), status, access.own_only, 500).await?;
    let counts = state.store.events().counts(m.scope(), access.own_only).await?;
    let base = format!("/verwaltung/{}/veranstaltungen", m.slug());
    let mut tabs: Vec<StatusTab> = counts
        .iter()
        .map(|(s, n)| StatusTab {
            href: format!("{base}?status={}", s.as_str()),
            label: format!("{} ({n})", status_label(&t, *s)),
            current: status == Some(*s),
        })
        .collect();
    tabs.push(StatusTab {
        href: format!("{base}?status=alle"),
        label: t.get("staff-event-all"),
        current: status.is_none(),
    });
    let rows = events
        .iter()
        .map(|e| Row {
            id: e.id,
            title: e.draft.title.clone(),
            when: local_time(e.draft.timing.first_start()),
            status: status_label(&t, e.status),
            source: source_label(&t, e.source),
            waiting: e.status == EventStatus::Pending,
        })
        .collect();
    let region = region_info(&state).await?;
    render(
        &ListView {
            chrome: Chrome::staff(
                &state,
                &ctx,
                &region,
                t.get(if access.own_only.is_some() { "staff-events-own" } else { "staff-events" }),
                Some(&staff),
            ),
            slug: m.slug().to_string(),
            municipality_name: m.name.clone(),
            tabs,
            rows,
            can_create: staff.perms.can_edit(m.slug()) || access.own_only.is_some(),
            can_subscribe: staff.perms.can_edit(m.slug()),
            own_only: access.own_only.is_some(),
            notice: done_notice(&t, q.done.as_deref()),
        },
        StatusCode::OK,
    )
}

#[derive(Template)]
#[template(path = "staff/event_edit.html")]
struct EditView<'a> {
    chrome: Chrome<'a>,
    municipality_name: String,
    action: String,
    csrf: String,
    errors: FormErrors,
    sections: Vec<FormSection>,
    event: Option<EventInfo>,
    /// May change everything of the event, set its status, upload its image, delete it.
    can_edit: bool,
    /// May publish, reject or cancel it (editors and moderators, not organisers).
    can_decide: bool,
    statuses: Vec<(String, String, bool)>,
    notice: Option<String>,
}

struct EventInfo {
    id: i64,
    image: Option<(String, String)>,
    status: String,
    pending: bool,
    public: bool,
    cancelled: bool,
    submitter: Option<String>,
    source: String,
    public_href: String,
    note: Option<String>,
    base: String,
    dates: Option<super::event_dates::DateList>,
}

/// The varying parts of the editor page.
struct EditPage<'e> {
    errors: FormErrors,
    event: Option<&'e EventRecord>,
    status: StatusCode,
    notice: Option<String>,
    /// Where the list of dates starts (a date key), when not today.
    dates_from: Option<&'e str>,
}

impl<'e> EditPage<'e> {
    /// The page again with the errors of a refused form (422).
    fn invalid(errors: FormErrors, event: Option<&'e EventRecord>) -> Self {
        Self { errors, event, status: StatusCode::UNPROCESSABLE_ENTITY, notice: None, dates_from: None }
    }
}

async fn edit_page(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    access: &EventAccess,
    form: &EventForm,
    page: EditPage<'_>,
) -> Result<Response, AppError> {
    let m = &access.m;
    let EditPage { errors, event, status, notice, dates_from } = page;
    let t = state.i18n.tr(ctx.locale);
    let snap = state.directory.get(&state.store).await?;
    let allowed = [m.slug().to_string()];
    let setup = FormSetup { locale: ctx.locale, mode: FormMode::Staff, question: None, municipalities: Some(&allowed) };
    let sections = sections(form, &errors, &t, &snap, setup);
    let base = format!("/verwaltung/{}/veranstaltungen", m.slug());
    let title = match event {
        Some(e) => e.draft.title.clone(),
        None => t.get("staff-event-new"),
    };
    let current = event.map_or(EventStatus::Published, |e| e.status);
    let statuses = [EventStatus::Draft, EventStatus::Published]
        .into_iter()
        .chain(event.is_some().then_some(EventStatus::Cancelled))
        .map(|s| (s.as_str().to_owned(), status_label(&t, s), s == current))
        .collect();
    let feed_name = match event.and_then(|e| e.feed_id) {
        Some(id) => state.store.feeds().list(m.scope()).await?.into_iter().find(|f| f.id == id).map(|f| f.name),
        None => None,
    };
    let region = region_info(state).await?;
    let view = EditView {
        chrome: Chrome::staff(state, ctx, &region, title, Some(staff)),
        municipality_name: m.name.clone(),
        action: match event {
            Some(e) => format!("{base}/{}", e.id),
            None => base.clone(),
        },
        csrf: staff.session.csrf_token.clone(),
        errors,
        sections,
        event: event.map(|e| EventInfo {
            id: e.id,
            image: e.image.as_ref().map(|i| (format!("/{}/veranstaltungen/{}/bild", m.slug(), e.id), i.alt.clone())),
            status: status_label(&t, e.status),
            pending: e.status == EventStatus::Pending,
            public: e.status.is_public(),
            cancelled: e.status == EventStatus::Cancelled,
            submitter: e.submitter_email.clone(),
            source: match &feed_name {
                Some(name) => {
                    format!("{} ({})", source_label(&t, e.source), t.get1("staff-event-source-feed", "name", name))
                }
                None => source_label(&t, e.source),
            },
            public_href: format!("/{}/veranstaltungen/{}", m.slug(), e.id),
            note: e.moderation_note.clone(),
            base: base.clone(),
            dates: e
                .draft
                .has_dates()
                .then(|| super::event_dates::list(&e.draft, &format!("{base}/{}", e.id), dates_from, ctx.locale, &t)),
        }),
        can_edit: staff.perms.can_edit(m.slug()) || access.own_only.is_some(),
        can_decide: access.own_only.is_none(),
        statuses,
        notice,
    };
    render(&view, status)
}

/// `GET /verwaltung/{municipality}/veranstaltungen/neu`.
pub(crate) async fn new_form(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let access = event_access(&state, &staff, &slug, Need::Edit).await?;
    let form = EventForm { municipality: access.m.slug().to_string(), ..EventForm::default() };
    edit_page(
        &state,
        &ctx,
        &staff,
        &access,
        &form,
        EditPage { errors: FormErrors::default(), event: None, status: StatusCode::OK, notice: None, dates_from: None },
    )
    .await
}

fn validate(f: &EventForm, m: &MunicipalityRecord, t: &crate::i18n::Tr<'_>) -> Result<EventDraft, FormErrors> {
    let mut errors = FormErrors::default();
    if f.municipality.trim() != m.slug().as_str() {
        errors.add("municipality", t.get("event-error-municipality"));
    }
    if let Err(field) = f.coordinates() {
        errors.add(field, t.get("event-error-number"));
    }
    match EventDraft::parse(&f.draft_input()) {
        Ok(d) if errors.is_empty() => Ok(d),
        Ok(_) => Err(errors),
        Err(p) => {
            let mut e = form_errors(&p, t);
            e.items.extend(errors.items);
            Err(e)
        }
    }
}

/// `POST /verwaltung/{municipality}/veranstaltungen`: a new event.
pub(crate) async fn create(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(slug): Path<String>,
    HtmlForm(pairs): HtmlForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = EventForm::from_pairs(&pairs);
    staff.check_csrf(&f.csrf)?;
    let access = event_access(&state, &staff, &slug, Need::Edit).await?;
    let m = &access.m;
    let t = state.i18n.tr(ctx.locale);
    let draft = match validate(&f, m, &t) {
        Ok(d) => d,
        Err(errors) => {
            let page = EditPage::invalid(errors, None);
            return edit_page(&state, &ctx, &staff, &access, &f, page).await;
        }
    };
    let status = match f.status.as_str() {
        "draft" => EventStatus::Draft,
        _ => EventStatus::Published,
    };
    let new = NewEvent {
        draft: &draft,
        status,
        uid: None,
        source: EventSource::Staff,
        submitter_email: None,
        confirm_token_hash: None,
        feed: None,
    };
    let e = state.store.events().create(m.scope(), new, &staff.actor()).await?;
    Ok(Redirect::to(&format!("/verwaltung/{}/veranstaltungen/{}?done=gespeichert", m.slug(), e.id)).into_response())
}

pub(crate) async fn event_of(state: &AppState, m: &MunicipalityRecord, id: &str) -> Result<EventRecord, AppError> {
    let id = id.parse::<i64>().map_err(|_| AppError::NotFound)?;
    state.store.events().get(m.scope(), id).await?.ok_or(AppError::NotFound)
}

/// `GET /verwaltung/{municipality}/veranstaltungen/{id}`.
pub(crate) async fn edit_form(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, id)): Path<(String, String)>,
    Query(q): Query<ListQuery>,
) -> Result<Response, AppError> {
    let access = event_access(&state, &staff, &slug, Need::Moderate).await?;
    let e = access.event(&state, &id).await?;
    let form = EventForm::from_draft(&e.draft, access.m.slug().as_str());
    let t = state.i18n.tr(ctx.locale);
    let notice = done_notice(&t, q.done.as_deref());
    let page = EditPage {
        errors: FormErrors::default(),
        event: Some(&e),
        status: StatusCode::OK,
        notice,
        dates_from: q.termine_ab.as_deref(),
    };
    edit_page(&state, &ctx, &staff, &access, &form, page).await
}

/// `POST /verwaltung/{municipality}/veranstaltungen/{id}`: saves changes (status unchanged).
pub(crate) async fn update(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, id)): Path<(String, String)>,
    HtmlForm(pairs): HtmlForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = EventForm::from_pairs(&pairs);
    staff.check_csrf(&f.csrf)?;
    let access = event_access(&state, &staff, &slug, Need::Moderate).await?;
    let e = access.event(&state, &id).await?;
    let m = &access.m;
    let t = state.i18n.tr(ctx.locale);
    let mut draft = match validate(&f, m, &t) {
        Ok(d) => d,
        Err(errors) => {
            let page = EditPage::invalid(errors, Some(&e));
            return edit_page(&state, &ctx, &staff, &access, &f, page).await;
        }
    };
    // A timing the editor did not touch is kept exactly as stored (its zone, the instants of
    // its EXDATEs); the changed dates stay, but only those the new timing still generates.
    let kept_timing = f.same_timing(&EventForm::from_draft(&e.draft, m.slug().as_str()));
    if kept_timing {
        draft.timing = e.draft.timing.clone();
    }
    draft.overrides = e.draft.overrides.clone();
    let dropped = if kept_timing { 0 } else { draft.drop_stray_overrides() };
    let status = match f.status.as_str() {
        "draft" => Some(EventStatus::Draft),
        "published" if staff.perms.can_edit(m.slug()) || access.own_only.is_some() => Some(EventStatus::Published),
        "cancelled" => Some(EventStatus::Cancelled),
        _ => None,
    };
    state.store.events().update(m.scope(), e.id, &draft, status, &staff.actor()).await?;
    let done = if dropped > 0 { "termine-bereinigt" } else { "gespeichert" };
    Ok(Redirect::to(&format!("/verwaltung/{}/veranstaltungen/{}?done={done}", m.slug(), e.id)).into_response())
}

/// The form of a decision.
#[derive(Debug, Deserialize)]
pub(crate) struct DecisionForm {
    csrf: String,
    decision: String,
    #[serde(default)]
    reason: String,
}

/// `POST /verwaltung/{municipality}/veranstaltungen/{id}/entscheidung`: publish, reject
/// (with a reason the organiser receives) or cancel.
pub(crate) async fn decide(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, id)): Path<(String, String)>,
    HtmlForm(f): HtmlForm<DecisionForm>,
) -> Result<Response, AppError> {
    staff.check_csrf(&f.csrf)?;
    // Organisers do not decide: their events are published by trust, not by review.
    let m = events_municipality(&state, &staff, &slug, Need::Moderate).await?;
    let e = event_of(&state, &m, &id).await?;
    let access = EventAccess { m, own_only: None };
    let m = &access.m;
    let t = state.i18n.tr(ctx.locale);
    let reason = f.reason.trim();
    let (status, done) = match f.decision.as_str() {
        "publish" => (EventStatus::Published, "veroeffentlicht"),
        "reject" => (EventStatus::Rejected, "abgelehnt"),
        "cancel" => (EventStatus::Cancelled, "abgesagt"),
        _ => return Err(AppError::bad_request("decision must be publish, reject or cancel")),
    };
    if status == EventStatus::Rejected && reason.is_empty() {
        let mut errors = FormErrors::default();
        errors.add("reason", t.get("staff-event-reason-missing"));
        let form = EventForm::from_draft(&e.draft, m.slug().as_str());
        let page = EditPage::invalid(errors, Some(&e));
        return edit_page(&state, &ctx, &staff, &access, &form, page).await;
    }
    let note = (!reason.is_empty()).then_some(reason);
    let e = state.store.events().set_status(m.scope(), e.id, status, note, &staff.actor()).await?;
    if let Some(to) = &e.submitter_email
        && matches!(status, EventStatus::Published | EventStatus::Rejected)
    {
        let link = format!("{}/{}/veranstaltungen/{}", state.config.base_url.as_str(), m.slug(), e.id);
        let (subject, body) = if status == EventStatus::Published {
            (
                t.get1("event-mail-published-subject", "title", &e.draft.title),
                format!("{}\n\n{link}\n", t.get1("event-mail-published-body", "municipality", &m.name)),
            )
        } else {
            (
                t.get1("event-mail-rejected-subject", "title", &e.draft.title),
                format!("{}\n\n{reason}\n", t.get1("event-mail-rejected-body", "municipality", &m.name)),
            )
        };
        mail::send(&state.config.mail, &Mail { to: to.clone(), subject, body }).await.map_err(AppError::internal)?;
    }
    Ok(Redirect::to(&format!("/verwaltung/{}/veranstaltungen?done={done}", m.slug())).into_response())
}

/// A form that carries nothing but its CSRF token (a button).
#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    csrf: String,
}

impl CsrfForm {
    /// The token.
    pub(crate) fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /verwaltung/{municipality}/veranstaltungen/{id}/loeschen`.
pub(crate) async fn delete(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, id)): Path<(String, String)>,
    HtmlForm(f): HtmlForm<CsrfForm>,
) -> Result<Response, AppError> {
    staff.check_csrf(&f.csrf)?;
    let access = event_access(&state, &staff, &slug, Need::Edit).await?;
    let e = access.event(&state, &id).await?;
    let m = &access.m;
    state.store.events().delete(m.scope(), e.id, &staff.actor()).await?;
    Ok(Redirect::to(&format!("/verwaltung/{}/veranstaltungen?done=geloescht", m.slug())).into_response())
}

/// `POST /verwaltung/{municipality}/veranstaltungen/{id}/bild` (multipart: `csrf`, `alt`,
/// `image`; an empty file with `remove` removes the image).
pub(crate) async fn image(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, id)): Path<(String, String)>,
    req: axum::extract::Request,
) -> Result<Response, AppError> {
    use axum::extract::FromRequest as _;
    // Access first: the body is read only for someone who may change this event.
    let access = event_access(&state, &staff, &slug, Need::Edit).await?;
    let e = access.event(&state, &id).await?;
    let m = &access.m;
    let mut multipart = axum::extract::Multipart::from_request(req, &state)
        .await
        .map_err(|e| AppError::bad_request(format!("{}: send the form as multipart/form-data", e.body_text())))?;
    let (mut csrf, mut alt, mut bytes, mut remove) = (String::new(), String::new(), Vec::new(), false);
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        AppError::bad_request(format!("the upload could not be read ({e}): send the form again; images up to 900 KB"))
    };
    while let Some(field) = multipart.next_field().await.map_err(unreadable)? {
        match field.name().unwrap_or_default() {
            "csrf" => csrf = field.text().await.map_err(unreadable)?,
            "alt" => alt = field.text().await.map_err(unreadable)?,
            "remove" => remove = true,
            "image" => bytes = field.bytes().await.map_err(unreadable)?.to_vec(),
            _ => {}
        }
    }
    staff.check_csrf(&csrf)?;
    if remove {
        state.store.events().set_image(m.scope(), e.id, None, &staff.actor()).await?;
        return Ok(Redirect::to(&format!("/verwaltung/{}/veranstaltungen/{}?done=gespeichert", m.slug(), e.id))
            .into_response());
    }
    match regioportal_domain::events::image::check_image(&bytes, &alt) {
        Ok(kind) => {
            state.store.events().set_image(m.scope(), e.id, Some((kind, &bytes, alt.trim())), &staff.actor()).await?;
            Ok(Redirect::to(&format!("/verwaltung/{}/veranstaltungen/{}?done=gespeichert", m.slug(), e.id))
                .into_response())
        }
        Err(err) => {
            let t = state.i18n.tr(ctx.locale);
            let mut errors = FormErrors::default();
            let field = if matches!(
                err,
                regioportal_domain::events::image::ImageError::AltMissing
                    | regioportal_domain::events::image::ImageError::AltTooLong
            ) {
                "alt"
            } else {
                "image"
            };
            errors.add(field, format!("{} ({err})", t.get("staff-event-image-error")));
            let form = EventForm::from_draft(&e.draft, m.slug().as_str());
            let page = EditPage::invalid(errors, Some(&e));
            edit_page(&state, &ctx, &staff, &access, &form, page).await
        }
    }
}
