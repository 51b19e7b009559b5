//! Organisers' submissions without an account: stored as `pending`, confirmed by an e-mailed
//! link, then decided by the moderators of the municipality where the event takes place.

use askama::Template;
use axum::extract::{Path, State};
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
use crate::staff::login::NoticeView;

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
    let status = if confirmed.is_some() { axum::http::StatusCode::OK } else { axum::http::StatusCode::NOT_FOUND };
    Ok((status, Html(html)).into_response())
}
