//! Login with password and second factor, logout, and password reset by e-mail link.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::Utc;
use regioportal_domain::auth::{Email, Password, PasswordError, normalise_recovery_code, totp};
use regioportal_storage::secrets::burn_verification;
use regioportal_storage::{Actor, Change};
use serde::Deserialize;
use serde_json::json;

use super::FormErrors;
use super::session::{
    AnySession, CSRF_COOKIE, ClientIp, HtmlForm, SESSION_COOKIE, anonymous_csrf, check_anonymous_csrf, set_cookie,
};
use crate::AppState;
use crate::chrome::{Chrome, region_info};
use crate::ctx::RequestCtx;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::mail::{self, Mail};

/// Failed logins per account before the back-off starts (see `auth::backoff_after`).
const ACCOUNT_FREE_FAILURES: u32 = 0;
/// Failed logins per client address before its back-off starts: an office behind one NAT
/// address must not lock itself out because of a few typos.
const IP_FREE_FAILURES: u32 = 20;

#[derive(Template)]
#[template(path = "staff/login.html")]
struct LoginView<'a> {
    chrome: Chrome<'a>,
    errors: FormErrors,
    csrf: String,
    next: String,
    email: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct NextQuery {
    next: Option<String>,
}

/// Only paths inside the staff area are followed after login (no open redirect).
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with("/verwaltung") && !n.starts_with("//") && !n.contains("://") && !n.contains('\\') => {
            n.to_owned()
        }
        _ => "/verwaltung".to_owned(),
    }
}

pub(crate) fn html_with_csrf_cookie(
    state: &AppState,
    body: String,
    status: StatusCode,
    csrf: &str,
    set: bool,
) -> Response {
    let mut res = (status, Html(body)).into_response();
    if set {
        res.headers_mut().append(header::SET_COOKIE, set_cookie(state, CSRF_COOKIE, csrf, None));
    }
    res
}

async fn login_page(
    state: &AppState,
    ctx: &RequestCtx,
    headers: &HeaderMap,
    errors: FormErrors,
    email: String,
    next: String,
    status: StatusCode,
) -> Result<Response, AppError> {
    let region = region_info(state).await?;
    let (csrf, set) = anonymous_csrf(headers);
    let t = state.i18n.tr(ctx.locale);
    let view = LoginView {
        chrome: Chrome::staff(state, ctx, &region, t.get("staff-login-title"), None),
        errors,
        csrf: csrf.clone(),
        next,
        email,
    };
    Ok(html_with_csrf_cookie(state, view.render().map_err(AppError::internal)?, status, &csrf, set))
}

/// `GET /verwaltung/anmelden`.
pub(crate) async fn form(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, AppError> {
    login_page(
        &state,
        &ctx,
        &headers,
        FormErrors::default(),
        String::new(),
        safe_next(q.next.as_deref()),
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub(crate) struct LoginForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    next: String,
}

fn session_cookie_response(state: &AppState, token: &str, to: &str) -> Response {
    let mut res = Redirect::to(to).into_response();
    res.headers_mut().append(header::SET_COOKIE, set_cookie(state, SESSION_COOKIE, token, None));
    res
}

/// `POST /verwaltung/anmelden`.
pub(crate) async fn submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    HtmlForm(f): HtmlForm<LoginForm>,
) -> Result<Response, AppError> {
    check_anonymous_csrf(&headers, &f.csrf)?;
    let t = state.i18n.tr(ctx.locale);
    let next = safe_next(Some(&f.next));
    let email_text = f.email.trim().to_lowercase();
    let mut errors = FormErrors::default();
    if email_text.is_empty() {
        errors.add("email", t.get("staff-error-email-missing"));
    }
    if f.password.is_empty() {
        errors.add("password", t.get("staff-error-password-missing"));
    }
    if !errors.is_empty() {
        return login_page(&state, &ctx, &headers, errors, f.email, next, StatusCode::UNPROCESSABLE_ENTITY).await;
    }

    let now = Utc::now();
    let throttle = state.store.throttle();
    let account_key = format!("account:{email_text}");
    let ip_key = format!("ip:{}", ip.as_deref().unwrap_or("unknown"));
    for key in [&account_key, &ip_key] {
        if let Some(until) = throttle.blocked_until(key, now).await? {
            let secs = (until - now).num_seconds().max(1);
            let mut errors = FormErrors::default();
            errors.add("email", t.get1("staff-error-throttled", "seconds", &secs.to_string()));
            let mut res =
                login_page(&state, &ctx, &headers, errors, f.email, next, StatusCode::TOO_MANY_REQUESTS).await?;
            res.headers_mut().insert(header::RETRY_AFTER, secs.to_string().parse().map_err(AppError::internal)?);
            return Ok(res);
        }
    }

    // Unknown address and wrong password take the same time and get the same answer.
    let user = match Email::parse(&email_text) {
        Ok(email) => state.store.staff().by_email(&email).await?,
        Err(_) => None,
    };
    let verified = match user.as_ref().and_then(|u| u.password_hash.as_deref().map(|h| (u, h))) {
        Some((u, hash)) => {
            let password = f.password.clone();
            let hash = hash.to_owned();
            let ok =
                tokio::task::spawn_blocking(move || regioportal_storage::secrets::verify_password(&hash, &password))
                    .await
                    .map_err(AppError::internal)?;
            ok && !u.disabled
        }
        None => {
            let password = f.password.clone();
            tokio::task::spawn_blocking(move || burn_verification(&password)).await.map_err(AppError::internal)?;
            false
        }
    };
    let Some(user) = user.filter(|_| verified) else {
        throttle.record_failure(&account_key, now, ACCOUNT_FREE_FAILURES).await?;
        throttle.record_failure(&ip_key, now, IP_FREE_FAILURES).await?;
        let actor = Actor::anonymous(ip.clone());
        state
            .store
            .audit()
            .record(
                &actor,
                Change {
                    municipality: None,
                    entity_type: "session",
                    entity_id: None,
                    action: "login_failed",
                    changes: json!({ "email": email_text }),
                },
            )
            .await?;
        let mut errors = FormErrors::default();
        errors.add("email", t.get("staff-error-login-failed"));
        return login_page(&state, &ctx, &headers, errors, f.email, next, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    throttle.reset(&account_key).await?;
    let ua = headers.get(header::USER_AGENT).and_then(|v| v.to_str().ok()).map(str::to_owned);
    // A new session id at every login (no fixation): any cookie sent along is ignored.
    let (token, _) =
        state.store.sessions().create(user.id, !user.totp_enabled, ip.clone(), ua, state.config.sessions, now).await?;
    state
        .store
        .audit()
        .record(
            &user.actor(ip),
            Change {
                municipality: None,
                entity_type: "session",
                entity_id: None,
                action: "login",
                changes: json!({ "second_factor_pending": user.totp_enabled }),
            },
        )
        .await?;
    let to = if user.totp_enabled {
        format!("/verwaltung/anmelden/zweiter-faktor?next={}", super::encode_query(&next))
    } else {
        next
    };
    Ok(session_cookie_response(&state, &token, &to))
}

#[derive(Template)]
#[template(path = "staff/mfa.html")]
struct MfaView<'a> {
    chrome: Chrome<'a>,
    errors: FormErrors,
    csrf: String,
}

async fn mfa_page(
    state: &AppState,
    ctx: &RequestCtx,
    s: &AnySession,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let region = region_info(state).await?;
    let t = state.i18n.tr(ctx.locale);
    let view = MfaView {
        chrome: Chrome::staff(state, ctx, &region, t.get("staff-mfa-title"), None),
        errors,
        csrf: s.session.csrf_token.clone(),
    };
    Ok((status, Html(view.render().map_err(AppError::internal)?)).into_response())
}

/// `GET /verwaltung/anmelden/zweiter-faktor`.
pub(crate) async fn mfa_form(
    State(state): State<AppState>,
    ctx: RequestCtx,
    s: AnySession,
) -> Result<Response, AppError> {
    if s.session.mfa_passed {
        return Ok(Redirect::to("/verwaltung").into_response());
    }
    mfa_page(&state, &ctx, &s, FormErrors::default(), StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct CodeForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// `POST /verwaltung/anmelden/zweiter-faktor`: a TOTP code or a recovery code.
pub(crate) async fn mfa_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    s: AnySession,
    HtmlForm(f): HtmlForm<CodeForm>,
) -> Result<Response, AppError> {
    if !regioportal_domain::auth::tokens_match(&s.session.csrf_token, &f.csrf) {
        return Err(AppError::Csrf);
    }
    if s.session.mfa_passed {
        return Ok(Redirect::to("/verwaltung").into_response());
    }
    let now = Utc::now();
    let t = state.i18n.tr(ctx.locale);
    let key = format!("mfa:{}", s.user.id.get());
    if let Some(until) = state.store.throttle().blocked_until(&key, now).await? {
        let mut errors = FormErrors::default();
        errors.add("code", t.get1("staff-error-throttled", "seconds", &(until - now).num_seconds().max(1).to_string()));
        return mfa_page(&state, &ctx, &s, errors, StatusCode::TOO_MANY_REQUESTS).await;
    }
    let secret = s
        .user
        .totp_secret
        .as_deref()
        .and_then(|b| regioportal_domain::auth::base32::decode(b).ok())
        .unwrap_or_default();
    let unix = u64::try_from(now.timestamp()).unwrap_or_default();
    let mut ok = false;
    let mut how = "totp";
    if let Some(step) = totp::verify(&secret, &f.code, unix, s.user.totp_last_step) {
        ok = state.store.staff().use_totp_step(s.user.id, step).await?;
    } else if f.code.trim().len() > 8 {
        how = "recovery_code";
        ok = state.store.staff().use_recovery_code(s.user.id, &normalise_recovery_code(&f.code)).await?;
    }
    if !ok {
        state.store.throttle().record_failure(&key, now, 0).await?;
        let mut errors = FormErrors::default();
        errors.add("code", t.get("staff-error-code"));
        return mfa_page(&state, &ctx, &s, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    state.store.throttle().reset(&key).await?;
    // Privilege change: the session gets a new id.
    let Some((token, _)) = state.store.sessions().rotate(&s.token, true, state.config.sessions, now).await? else {
        return Err(AppError::Unauthenticated { next: None });
    };
    // At once, not only when the answer is done (the page cache's layer does that too).
    state.sessions.invalidate();
    state
        .store
        .audit()
        .record(
            &s.user.actor(s.ip.clone()),
            Change {
                municipality: None,
                entity_type: "session",
                entity_id: None,
                action: "second_factor",
                changes: json!({ "method": how }),
            },
        )
        .await?;
    Ok(session_cookie_response(&state, &token, "/verwaltung"))
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfOnly {
    #[serde(default)]
    csrf: String,
}

/// `POST /verwaltung/abmelden`.
pub(crate) async fn logout(
    State(state): State<AppState>,
    s: AnySession,
    HtmlForm(f): HtmlForm<CsrfOnly>,
) -> Result<Response, AppError> {
    if !regioportal_domain::auth::tokens_match(&s.session.csrf_token, &f.csrf) {
        return Err(AppError::Csrf);
    }
    state.store.sessions().end(&s.token).await?;
    // At once, not only when the answer is done (the page cache's layer does that too).
    state.sessions.invalidate();
    state
        .store
        .audit()
        .record(
            &s.user.actor(s.ip.clone()),
            Change {
                municipality: None,
                entity_type: "session",
                entity_id: None,
                action: "logout",
                changes: json!({}),
            },
        )
        .await?;
    let mut res = Redirect::to("/verwaltung/anmelden").into_response();
    res.headers_mut().append(header::SET_COOKIE, set_cookie(&state, SESSION_COOKIE, "", Some(0)));
    Ok(res)
}

#[derive(Template)]
#[template(path = "staff/forgot.html")]
struct ForgotView<'a> {
    chrome: Chrome<'a>,
    errors: FormErrors,
    csrf: String,
    email: String,
}

#[derive(Template)]
#[template(path = "staff/notice.html")]
pub(crate) struct NoticeView<'a> {
    pub(crate) chrome: Chrome<'a>,
    pub(crate) message: String,
    pub(crate) link_href: String,
    pub(crate) link_label: String,
}

/// `GET /verwaltung/passwort-vergessen`.
pub(crate) async fn forgot_form(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let region = region_info(&state).await?;
    let (csrf, set) = anonymous_csrf(&headers);
    let t = state.i18n.tr(ctx.locale);
    let view = ForgotView {
        chrome: Chrome::staff(&state, &ctx, &region, t.get("staff-forgot-title"), None),
        errors: FormErrors::default(),
        csrf: csrf.clone(),
        email: String::new(),
    };
    Ok(html_with_csrf_cookie(&state, view.render().map_err(AppError::internal)?, StatusCode::OK, &csrf, set))
}

#[derive(Debug, Deserialize)]
pub(crate) struct ForgotForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
}

/// Sends the link to set a password (used for resets and for invitations of new users).
pub(crate) async fn send_password_link(
    state: &AppState,
    t: Tr<'_>,
    to: &str,
    token: &str,
    invitation: bool,
) -> Result<(), AppError> {
    let link = format!("{}/verwaltung/passwort-setzen/{token}", state.config.base_url.as_str());
    let (subject, intro) = if invitation {
        (t.get("staff-mail-invite-subject"), t.get("staff-mail-invite-body"))
    } else {
        (t.get("staff-mail-reset-subject"), t.get("staff-mail-reset-body"))
    };
    let body = format!("{intro}\n\n{link}\n\n{}\n", t.get("staff-mail-validity"));
    mail::send(&state.config.mail, &Mail { to: to.to_owned(), subject, body }).await.map_err(AppError::internal)?;
    Ok(())
}

/// `POST /verwaltung/passwort-vergessen`: the same answer whether or not the address is known.
pub(crate) async fn forgot_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    HtmlForm(f): HtmlForm<ForgotForm>,
) -> Result<Response, AppError> {
    check_anonymous_csrf(&headers, &f.csrf)?;
    let t = state.i18n.tr(ctx.locale);
    let region = region_info(&state).await?;
    let Ok(email) = Email::parse(&f.email) else {
        let mut errors = FormErrors::default();
        errors.add("email", t.get("staff-error-email-invalid"));
        let (csrf, _) = anonymous_csrf(&headers);
        let view = ForgotView {
            chrome: Chrome::staff(&state, &ctx, &region, t.get("staff-forgot-title"), None),
            errors,
            csrf,
            email: f.email,
        };
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view.render().map_err(AppError::internal)?)).into_response());
    };
    let now = Utc::now();
    let key = format!("reset:{}", email.as_str());
    // One mail per address and minute at most: the form cannot be used to flood a mailbox.
    if state.store.throttle().blocked_until(&key, now).await?.is_none() {
        state.store.throttle().record_failure(&key, now, 0).await?;
        if let Some(user) = state.store.staff().by_email(&email).await?.filter(|u| !u.disabled) {
            let token = state.store.staff().issue_reset(user.id, now).await?;
            send_password_link(&state, t, email.as_str(), &token, false).await?;
            state
                .store
                .audit()
                .record(
                    &Actor::anonymous(ip),
                    Change {
                        municipality: None,
                        entity_type: "user",
                        entity_id: Some(user.id.get().to_string()),
                        action: "password_reset_requested",
                        changes: json!({}),
                    },
                )
                .await?;
        }
    }
    let view = NoticeView {
        chrome: Chrome::staff(&state, &ctx, &region, t.get("staff-forgot-title"), None),
        message: t.get("staff-forgot-sent"),
        link_href: "/verwaltung/anmelden".into(),
        link_label: t.get("staff-back-to-login"),
    };
    Ok(Html(view.render().map_err(AppError::internal)?).into_response())
}

#[derive(Template)]
#[template(path = "staff/reset.html")]
struct ResetView<'a> {
    chrome: Chrome<'a>,
    errors: FormErrors,
    csrf: String,
    token: String,
}

/// The message for a rejected password.
pub(crate) fn password_message(t: Tr<'_>, e: &PasswordError) -> String {
    match e {
        PasswordError::TooShort { min } => t.get1("staff-error-password-short", "min", &min.to_string()),
        PasswordError::TooLong { max } => t.get1("staff-error-password-long", "max", &max.to_string()),
        PasswordError::Common => t.get("staff-error-password-common"),
        PasswordError::SameAsEmail => t.get("staff-error-password-email"),
        PasswordError::Blank => t.get("staff-error-password-missing"),
    }
}

fn token_ok(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit())
}

/// `GET /verwaltung/passwort-setzen/{token}`.
pub(crate) async fn reset_form(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    Path(token): Path<String>,
) -> Result<Response, AppError> {
    if !token_ok(&token) || state.store.staff().reset_user(&token, Utc::now()).await?.is_none() {
        return expired_link(&state, &ctx).await;
    }
    let region = region_info(&state).await?;
    let (csrf, set) = anonymous_csrf(&headers);
    let t = state.i18n.tr(ctx.locale);
    let view = ResetView {
        chrome: Chrome::staff(&state, &ctx, &region, t.get("staff-reset-title"), None),
        errors: FormErrors::default(),
        csrf: csrf.clone(),
        token,
    };
    let mut res = html_with_csrf_cookie(&state, view.render().map_err(AppError::internal)?, StatusCode::OK, &csrf, set);
    // The token is in the URL: do not leak it to other sites.
    res.headers_mut().insert(header::REFERRER_POLICY, "no-referrer".parse().map_err(AppError::internal)?);
    Ok(res)
}

async fn expired_link(state: &AppState, ctx: &RequestCtx) -> Result<Response, AppError> {
    let region = region_info(state).await?;
    let t = state.i18n.tr(ctx.locale);
    let view = NoticeView {
        chrome: Chrome::staff(state, ctx, &region, t.get("staff-reset-title"), None),
        message: t.get("staff-reset-expired"),
        link_href: "/verwaltung/passwort-vergessen".into(),
        link_label: t.get("staff-forgot-title"),
    };
    Ok((StatusCode::NOT_FOUND, Html(view.render().map_err(AppError::internal)?)).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct ResetForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    password: String,
}

/// `POST /verwaltung/passwort-setzen/{token}`.
pub(crate) async fn reset_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    Path(token): Path<String>,
    HtmlForm(f): HtmlForm<ResetForm>,
) -> Result<Response, AppError> {
    check_anonymous_csrf(&headers, &f.csrf)?;
    let now = Utc::now();
    let t = state.i18n.tr(ctx.locale);
    let user = if token_ok(&token) { state.store.staff().reset_user(&token, now).await? } else { None };
    let Some(user) = user else { return expired_link(&state, &ctx).await };
    let email = state.store.staff().by_id(user).await?.map(|u| u.email).unwrap_or_default();
    match Password::parse(&f.password, Some(&email)) {
        Err(e) => {
            let region = region_info(&state).await?;
            let mut errors = FormErrors::default();
            errors.add("password", password_message(t, &e));
            let (csrf, _) = anonymous_csrf(&headers);
            let view = ResetView {
                chrome: Chrome::staff(&state, &ctx, &region, t.get("staff-reset-title"), None),
                errors,
                csrf,
                token,
            };
            Ok((StatusCode::UNPROCESSABLE_ENTITY, Html(view.render().map_err(AppError::internal)?)).into_response())
        }
        Ok(password) => {
            if !state.store.staff().complete_reset(&token, &password, now).await? {
                return expired_link(&state, &ctx).await;
            }
            state.sessions.invalidate();
            let region = region_info(&state).await?;
            let view = NoticeView {
                chrome: Chrome::staff(&state, &ctx, &region, t.get("staff-reset-title"), None),
                message: t.get("staff-reset-done"),
                link_href: "/verwaltung/anmelden".into(),
                link_label: t.get("staff-back-to-login"),
            };
            Ok(Html(view.render().map_err(AppError::internal)?).into_response())
        }
    }
}
