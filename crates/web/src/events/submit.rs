//! Organisers' submissions without an account: stored as `pending`, confirmed by an e-mailed
//! link, then decided by the moderators of the municipality where the event takes place.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use regioportal_domain::Locale;
use regioportal_domain::events::{EventDraft, EventStatus};
use regioportal_storage::secrets::{random_token, token_hash};
use regioportal_storage::{Actor, EventSource, NewEvent, TenantScope};

use crate::AppState;
use crate::chrome::Chrome;
use crate::ctx::RequestCtx;
use crate::error::AppError;
use crate::mail::{self, Mail};
use crate::staff::FormErrors;
use crate::staff::login::NoticeView;
use crate::staff::login::html_with_csrf_cookie;
use crate::staff::session::{ClientIp, HtmlForm, anonymous_csrf, check_anonymous_csrf};

use super::form::{EventForm, FormMode, FormSection, FormSetup, form_errors, question, sections};

/// Stores a submission and mails the confirmation link to the organiser.
pub async fn store_submission(
    state: &AppState,
    scope: &TenantScope,
    draft: &EventDraft,
    email: &str,
    ip: Option<String>,
    locale: Locale,
) -> Result<i64, AppError> {
    let token = random_token();
    let new = NewEvent {
        draft,
        status: EventStatus::Pending,
        uid: None,
        source: EventSource::Submission,
        submitter_email: Some(email.to_owned()),
        confirm_token_hash: Some(token_hash(&token)),
        feed: None,
    };
    let e = state.store.events().create(scope, new, &Actor::anonymous(ip)).await?;
    let t = state.i18n.tr(locale);
    let link = format!("{}/veranstaltungen/bestaetigen/{token}", state.config.base_url.as_str());
    let body = format!(
        "{}\n\n{}\n\n{link}\n\n{}\n",
        t.get1("event-mail-confirm-hello", "title", &draft.title),
        t.get("event-mail-confirm-body"),
        t.get("event-mail-confirm-ignore")
    );
    let subject = t.get1("event-mail-confirm-subject", "title", &draft.title);
    mail::send(&state.config.mail, &Mail { to: email.to_owned(), subject, body }).await.map_err(AppError::internal)?;
    Ok(e.id)
}

/// `GET /veranstaltungen/bestaetigen/{token}`: confirms a submission.
pub async fn confirm(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let t = state.i18n.tr(ctx.locale);
    let ok = token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit());
    let confirmed = if ok {
        state.store.events().confirm_submission(&token_hash(&token), &Actor::anonymous(None)).await?
    } else {
        None
    };
    let (title, message) = match confirmed {
        Some(_) => (t.get("event-confirm-title"), t.get("event-confirm-done")),
        None => (t.get("event-confirm-title"), t.get("event-confirm-unknown")),
    };
    let view = NoticeView {
        chrome: Chrome::region(&state, &ctx, &snap.region, title),
        message,
        link_href: "/veranstaltungen".into(),
        link_label: t.get("event-calendar-title"),
    };
    let html = view.render().map_err(AppError::internal)?;
    let status = if confirmed.is_some() { StatusCode::OK } else { StatusCode::NOT_FOUND };
    Ok((status, Html(html)).into_response())
}

#[derive(Template)]
#[template(path = "events/submit.html")]
struct SubmitView<'a> {
    chrome: Chrome<'a>,
    csrf: String,
    errors: FormErrors,
    sections: Vec<FormSection>,
}

/// The query of the submission form.
#[derive(Debug, Default, serde::Deserialize)]
pub struct FormQuery {
    municipality: Option<String>,
}

async fn render_form(
    state: &AppState,
    ctx: &RequestCtx,
    form: &EventForm,
    errors: FormErrors,
    csrf: &str,
    set_cookie: bool,
    status: StatusCode,
) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let t = state.i18n.tr(ctx.locale);
    let (q, _) = question(csrf, &t);
    let setup = FormSetup { locale: ctx.locale, mode: FormMode::Submission, question: Some(q), municipalities: None };
    let sections = sections(form, &errors, &t, &snap, setup);
    let view = SubmitView {
        chrome: Chrome::region(state, ctx, &snap.region, t.get("event-submit-title")),
        csrf: csrf.to_owned(),
        errors,
        sections,
    };
    Ok(html_with_csrf_cookie(state, view.render().map_err(AppError::internal)?, status, csrf, set_cookie))
}

/// `GET /veranstaltungen/melden`: the form for organisers.
pub async fn form(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    Query(q): Query<FormQuery>,
) -> Result<Response, AppError> {
    let (csrf, set) = anonymous_csrf(&headers);
    let form = EventForm { municipality: q.municipality.unwrap_or_default(), ..EventForm::default() };
    render_form(&state, &ctx, &form, FormErrors::default(), &csrf, set, StatusCode::OK).await
}

/// `POST /veranstaltungen/melden`.
pub async fn submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    HtmlForm(pairs): HtmlForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let f = EventForm::from_pairs(&pairs);
    check_anonymous_csrf(&headers, &f.csrf)?;
    let t = state.i18n.tr(ctx.locale);
    let snap = state.directory.get(&state.store).await?;
    let done = |state: &AppState, ctx: &RequestCtx| {
        let view = NoticeView {
            chrome: Chrome::region(state, ctx, &snap.region, t.get("event-submitted-title")),
            message: t.get("event-submitted-body"),
            link_href: "/veranstaltungen".into(),
            link_label: t.get("event-calendar-title"),
        };
        view.render().map(|h| Html(h).into_response()).map_err(AppError::internal)
    };
    if !f.website.trim().is_empty() {
        // A bot filled in the hidden field: it gets the same answer as a person, nothing is stored.
        tracing::info!(ip = ?ip, "event submission caught by the honeypot");
        return done(&state, &ctx);
    }
    let input = f.draft_input();
    let parsed = EventDraft::parse(&input);
    let mut errors = match &parsed {
        Ok(_) => FormErrors::default(),
        Err(p) => form_errors(p, &t),
    };
    let m = snap.by_slug(f.municipality.trim());
    if m.is_none() {
        errors.items.insert(
            0,
            crate::staff::FieldMessage { field: "municipality".into(), message: t.get("event-error-municipality") },
        );
    }
    let email = f.organizer_email.trim();
    if email.is_empty() && errors.get("organizer_email").is_none() {
        errors.add("organizer_email", t.get("event-error-email-required"));
    }
    let (_, answer) = question(&f.csrf, &t);
    if f.answer.trim().parse::<u32>().ok() != Some(answer) {
        errors.add("answer", t.get("event-error-answer"));
    }
    let (Ok(draft), Some(m), true) = (parsed, m, errors.is_empty()) else {
        return render_form(&state, &ctx, &f, errors, &f.csrf, false, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    super::api::count_submission(&state, ip.as_deref()).await?;
    store_submission(&state, m.scope(), &draft, email, ip, ctx.locale).await?;
    done(&state, &ctx)
}
