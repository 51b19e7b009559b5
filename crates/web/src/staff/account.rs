//! The signed-in person's own pages: dashboard, account, sessions, password, second factor.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use regioportal_domain::auth::{Password, Reach, base32, format_recovery_code, totp};
use regioportal_storage::secrets::{random_bytes, verify_password};
use serde::Deserialize;

use super::login::password_message;
use super::render;
use super::session::HtmlForm;
use super::{FormErrors, Staff, local_time};
use crate::AppState;
use crate::chrome::{Chrome, region_info};
use crate::ctx::RequestCtx;
use crate::error::AppError;

struct MunicipalityEntry {
    slug: String,
    name: String,
    manage: bool,
    events: bool,
    own_events: bool,
    services: bool,
}

#[derive(Template)]
#[template(path = "staff/dashboard.html")]
struct DashboardView<'a> {
    chrome: Chrome<'a>,
    display_name: String,
    roles: Vec<String>,
    municipalities: Vec<MunicipalityEntry>,
    region_services: bool,
    notice: Option<String>,
    csrf: String,
}

/// The label of a grant: "Redakteurin/Redakteur – Jena".
pub(crate) fn grant_label(
    t: crate::i18n::Tr<'_>,
    g: &regioportal_domain::auth::Grant,
    names: &[(String, String)],
) -> String {
    let role = t.get(g.role().label_key());
    match g.municipality() {
        Some(slug) => {
            let name = names.iter().find(|(s, _)| s == slug.as_str()).map_or(slug.as_str(), |(_, n)| n.as_str());
            format!("{role} – {name}")
        }
        None => role,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct NoticeQuery {
    #[serde(default)]
    done: Option<String>,
}

fn notice(t: crate::i18n::Tr<'_>, done: Option<&str>) -> Option<String> {
    match done? {
        "passwort" => Some(t.get("staff-notice-password")),
        "sitzungen" => Some(t.get("staff-notice-sessions")),
        "sitzung" => Some(t.get("staff-notice-session")),
        _ => None,
    }
}

/// `GET /verwaltung`: what the person may act for.
pub(crate) async fn dashboard(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let region = region_info(&state).await?;
    let t = state.i18n.tr(ctx.locale);
    let snap = state.directory.get(&state.store).await?;
    let all = &snap.municipalities;
    let names: Vec<(String, String)> = all.iter().map(|m| (m.slug().to_string(), m.name.clone())).collect();
    let reach = staff.perms.municipalities();
    let municipalities = all
        .iter()
        .filter(|m| match &reach {
            Reach::All => true,
            Reach::Only(list) => list.contains(m.slug()),
        })
        .map(|m| MunicipalityEntry {
            slug: m.slug().to_string(),
            name: m.name.clone(),
            manage: staff.perms.can_manage_users(m.slug()),
            events: staff.perms.can_edit(m.slug()) || staff.perms.can_moderate(m.slug()),
            own_events: staff.perms.can_publish_own_events(m.slug())
                && !staff.perms.can_edit(m.slug())
                && !staff.perms.can_moderate(m.slug()),
            services: staff.perms.can_edit(m.slug()),
        })
        .collect();
    let view = DashboardView {
        chrome: Chrome::staff(&state, &ctx, &region, t.get("staff-dashboard-title"), Some(&staff)),
        display_name: staff.user.display_name.clone(),
        roles: staff.perms.grants().iter().map(|g| grant_label(t, g, &names)).collect(),
        municipalities,
        region_services: staff.perms.can_edit_region(),
        notice: notice(t, q.done.as_deref()),
        csrf: staff.session.csrf_token.clone(),
    };
    render(&view, StatusCode::OK)
}

struct SessionRow {
    id: i64,
    since: String,
    ip: String,
    browser: String,
    current: bool,
}

#[derive(Template)]
#[template(path = "staff/account.html")]
struct AccountView<'a> {
    chrome: Chrome<'a>,
    email: String,
    totp_enabled: bool,
    sessions: Vec<SessionRow>,
    errors: FormErrors,
    notice: Option<String>,
    csrf: String,
}

async fn account_page(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    errors: FormErrors,
    notice: Option<String>,
    status: StatusCode,
) -> Result<Response, AppError> {
    let region = region_info(state).await?;
    let t = state.i18n.tr(ctx.locale);
    let sessions = state
        .store
        .sessions()
        .of_user(staff.user.id, state.config.sessions, Utc::now())
        .await?
        .into_iter()
        .map(|s| SessionRow {
            id: s.id,
            since: local_time(s.created_at),
            ip: s.ip.unwrap_or_default(),
            browser: s.user_agent.unwrap_or_default().chars().take(80).collect(),
            current: s.id == staff.session.id,
        })
        .collect();
    let view = AccountView {
        chrome: Chrome::staff(state, ctx, &region, t.get("staff-account-title"), Some(staff)),
        email: staff.user.email.clone(),
        totp_enabled: staff.user.totp_enabled,
        sessions,
        errors,
        notice,
        csrf: staff.session.csrf_token.clone(),
    };
    render(&view, status)
}

/// `GET /verwaltung/konto`.
pub(crate) async fn account(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, AppError> {
    let t = state.i18n.tr(ctx.locale);
    account_page(&state, &ctx, &staff, FormErrors::default(), notice(t, q.done.as_deref()), StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct PasswordForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    current: String,
    #[serde(default)]
    password: String,
}

/// `POST /verwaltung/konto/passwort`: needs the current password; ends all sessions.
pub(crate) async fn change_password(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    HtmlForm(f): HtmlForm<PasswordForm>,
) -> Result<Response, AppError> {
    staff.check_csrf(&f.csrf)?;
    let t = state.i18n.tr(ctx.locale);
    let mut errors = FormErrors::default();
    let hash = staff.user.password_hash.clone().unwrap_or_default();
    let current = f.current.clone();
    let current_ok =
        tokio::task::spawn_blocking(move || verify_password(&hash, &current)).await.map_err(AppError::internal)?;
    if !current_ok {
        errors.add("current", t.get("staff-error-current-password"));
    }
    let new = Password::parse(&f.password, Some(&staff.user.email));
    if let Err(e) = &new {
        errors.add("password", password_message(t, e));
    }
    match (errors.is_empty(), new) {
        (true, Ok(password)) => {
            state.store.staff().set_password(staff.user.id, &password, &staff.actor()).await?;
            state.sessions.invalidate();
            Ok(Redirect::to("/verwaltung/anmelden").into_response())
        }
        _ => account_page(&state, &ctx, &staff, errors, None, StatusCode::UNPROCESSABLE_ENTITY).await,
    }
}

#[derive(Debug, Deserialize)]
pub(crate) struct CsrfForm {
    #[serde(default)]
    csrf: String,
}

impl CsrfForm {
    /// The submitted token.
    pub(crate) fn csrf(&self) -> &str {
        &self.csrf
    }
}

/// `POST /verwaltung/konto/sitzungen/alle-beenden`: log out everywhere, here too.
pub(crate) async fn end_all_sessions(
    State(state): State<AppState>,
    staff: Staff,
    HtmlForm(f): HtmlForm<CsrfForm>,
) -> Result<Response, AppError> {
    staff.check_csrf(&f.csrf)?;
    let n = state.store.sessions().end_all(staff.user.id).await?;
    // At once, not only when the answer is done (the page cache's layer does that too).
    state.sessions.invalidate();
    state
        .store
        .audit()
        .record(
            &staff.actor(),
            regioportal_storage::Change {
                municipality: None,
                entity_type: "session",
                entity_id: None,
                action: "logout_everywhere",
                changes: serde_json::json!({ "sessions": n }),
            },
        )
        .await?;
    Ok(Redirect::to("/verwaltung/anmelden").into_response())
}

/// `POST /verwaltung/konto/sitzungen/{id}/beenden`: only one's own sessions.
pub(crate) async fn end_session(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    HtmlForm(f): HtmlForm<CsrfForm>,
) -> Result<Response, AppError> {
    staff.check_csrf(&f.csrf)?;
    if !state.store.sessions().end_by_id(staff.user.id, id).await? {
        return Err(AppError::NotFound);
    }
    state.sessions.invalidate();
    Ok(Redirect::to("/verwaltung/konto?done=sitzung").into_response())
}

#[derive(Template)]
#[template(path = "staff/totp.html")]
struct TotpView<'a> {
    chrome: Chrome<'a>,
    required: bool,
    errors: FormErrors,
    qr_data_uri: String,
    secret_grouped: String,
    csrf: String,
}

fn qr_data_uri(text: &str) -> Result<String, AppError> {
    let code = qrcode::QrCode::new(text.as_bytes()).map_err(AppError::internal)?;
    let svg = code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(240, 240).quiet_zone(true).build();
    Ok(format!("data:image/svg+xml;base64,{}", crate::mail::base64(svg.as_bytes())))
}

async fn totp_page(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    secret_b32: &str,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let region = region_info(state).await?;
    let t = state.i18n.tr(ctx.locale);
    let secret = base32::decode(secret_b32).map_err(AppError::internal)?;
    let uri = totp::provisioning_uri(&secret, &staff.user.email, "Regioportal");
    let grouped = secret_b32
        .as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect::<Vec<_>>()
        .join(" ");
    let view = TotpView {
        chrome: Chrome::staff(state, ctx, &region, t.get("staff-totp-title"), Some(staff)),
        required: staff.must_enrol_mfa(),
        errors,
        qr_data_uri: qr_data_uri(&uri)?,
        secret_grouped: grouped,
        csrf: staff.session.csrf_token.clone(),
    };
    render(&view, status)
}

/// `GET /verwaltung/konto/zwei-faktor`: the secret to enrol in an authenticator app. A stored
/// secret is shown again (to add a second device); a new one is created only when there is none.
pub(crate) async fn totp_form(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
) -> Result<Response, AppError> {
    let secret = match staff.user.totp_secret.clone() {
        Some(s) => s,
        None => {
            let fresh = base32::encode(&random_bytes::<{ totp::SECRET_LEN }>());
            state.store.staff().start_totp(staff.user.id, &fresh).await?;
            // A change made by a page view: the cached account would still show no secret,
            // and the next view would make another one.
            state.sessions.invalidate();
            fresh
        }
    };
    let mut res = totp_page(&state, &ctx, &staff, &secret, FormErrors::default(), StatusCode::OK).await?;
    res.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Template)]
#[template(path = "staff/recovery.html")]
struct RecoveryView<'a> {
    chrome: Chrome<'a>,
    codes: Vec<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct TotpForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    code: String,
}

/// `POST /verwaltung/konto/zwei-faktor`: confirms enrolment with a first code and shows the
/// recovery codes once.
pub(crate) async fn totp_submit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    HtmlForm(f): HtmlForm<TotpForm>,
) -> Result<Response, AppError> {
    staff.check_csrf(&f.csrf)?;
    let t = state.i18n.tr(ctx.locale);
    let Some(secret_b32) = staff.user.totp_secret.clone() else {
        return Ok(Redirect::to("/verwaltung/konto/zwei-faktor").into_response());
    };
    let secret = base32::decode(&secret_b32).map_err(AppError::internal)?;
    let unix = u64::try_from(Utc::now().timestamp()).unwrap_or_default();
    let Some(step) = totp::verify(&secret, &f.code, unix, staff.user.totp_last_step) else {
        let mut errors = FormErrors::default();
        errors.add("code", t.get("staff-error-code"));
        return totp_page(&state, &ctx, &staff, &secret_b32, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    };
    let codes: Vec<String> = (0..10).map(|_| format_recovery_code(&random_bytes::<10>())).collect();
    let normalised: Vec<String> = codes.iter().map(|c| regioportal_domain::auth::normalise_recovery_code(c)).collect();
    state.store.staff().enable_totp(staff.user.id, step, &normalised, &staff.actor()).await?;
    state.sessions.invalidate();
    let region = region_info(&state).await?;
    let view = RecoveryView {
        chrome: Chrome::staff(&state, &ctx, &region, t.get("staff-recovery-title"), Some(&staff)),
        codes,
    };
    let mut res = render(&view, StatusCode::OK)?;
    res.headers_mut().insert(axum::http::header::CACHE_CONTROL, axum::http::HeaderValue::from_static("no-store"));
    Ok(res)
}
