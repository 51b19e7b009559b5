//! Administration of one municipality (users and roles, API tokens) and the audit log.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use chrono::{NaiveDate, TimeZone, Utc};
use regioportal_domain::auth::{Email, Grant, Role};
use regioportal_storage::{AuditFilter, AuditScope, MunicipalityRecord, StorageError, UserId};
use serde::Deserialize;

use super::login::send_password_link;
use super::session::HtmlForm;
use super::{FormErrors, Staff, local_time, managed_municipality};
use crate::AppState;
use crate::chrome::{Chrome, region_info};
use crate::ctx::RequestCtx;
use crate::error::AppError;
use crate::i18n::Tr;

fn render(t: &impl Template, status: StatusCode) -> Result<Response, AppError> {
    let mut res = (status, Html(t.render().map_err(AppError::internal)?)).into_response();
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

/// The roles a person may hand out within a municipality.
fn grantable(staff: &Staff, m: &MunicipalityRecord) -> Vec<Role> {
    [Role::Editor, Role::Moderator, Role::Organiser, Role::MunicipalityAdmin]
        .into_iter()
        .filter(|r| Grant::new(*r, Some(m.slug().clone())).is_ok_and(|g| staff.perms.can_grant(&g)))
        .collect()
}

/// The grant a form asks for within `m`: a field error when the role is unknown or not one of
/// a municipality, 403 when the person may not hand it out (never more than they hold).
fn requested_grant(
    staff: &Staff,
    m: &MunicipalityRecord,
    role: &str,
    errors: &mut FormErrors,
    t: Tr<'_>,
) -> Result<Option<Grant>, AppError> {
    match Role::parse(role).ok().and_then(|r| Grant::new(r, Some(m.slug().clone())).ok()) {
        None => {
            errors.add("role", t.get("staff-error-role"));
            Ok(None)
        }
        Some(g) if !staff.perms.can_grant(&g) => Err(AppError::Forbidden),
        Some(g) => Ok(Some(g)),
    }
}

struct RoleOption {
    code: &'static str,
    label: String,
}

struct RoleCell {
    code: &'static str,
    label: String,
    revocable: bool,
}

struct UserRow {
    id: i64,
    email: String,
    display_name: String,
    roles: Vec<RoleCell>,
}

#[derive(Template)]
#[template(path = "staff/users.html")]
struct UsersView<'a> {
    chrome: Chrome<'a>,
    slug: String,
    municipality_name: String,
    users: Vec<UserRow>,
    grantable: Vec<RoleOption>,
    errors: FormErrors,
    notice: Option<String>,
    form_email: String,
    form_name: String,
    csrf: String,
}

struct UsersPage<'f> {
    errors: FormErrors,
    notice: Option<String>,
    email: &'f str,
    name: &'f str,
    status: StatusCode,
}

async fn users_page(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    m: &MunicipalityRecord,
    p: UsersPage<'_>,
) -> Result<Response, AppError> {
    let region = region_info(state).await?;
    let t = state.i18n.tr(ctx.locale);
    let users = state
        .store
        .staff()
        .of_municipality(m.scope())
        .await?
        .into_iter()
        .map(|u| UserRow {
            id: u.id.get(),
            roles: u
                .grants
                .iter()
                .filter(|g| g.municipality() == Some(m.slug()))
                .map(|g| RoleCell {
                    code: g.role().as_str(),
                    label: t.get(g.role().label_key()),
                    revocable: staff.perms.can_revoke(g),
                })
                .collect(),
            email: u.email,
            display_name: u.display_name,
        })
        .collect();
    let view = UsersView {
        chrome: Chrome::staff(state, ctx, &region, t.get("staff-users"), Some(staff)),
        slug: m.slug().to_string(),
        municipality_name: m.name.clone(),
        users,
        grantable: grantable(staff, m)
            .into_iter()
            .map(|r| RoleOption { code: r.as_str(), label: t.get(r.label_key()) })
            .collect(),
        errors: p.errors,
        notice: p.notice,
        form_email: p.email.to_owned(),
        form_name: p.name.to_owned(),
        csrf: staff.session.csrf_token.clone(),
    };
    render(&view, p.status)
}

#[derive(Debug, Deserialize)]
pub(crate) struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

fn done_notice(t: Tr<'_>, done: Option<&str>) -> Option<String> {
    match done? {
        "eingeladen" => Some(t.get("staff-notice-invited")),
        "rolle" => Some(t.get("staff-notice-role-granted")),
        "entzogen" => Some(t.get("staff-notice-role-revoked")),
        "widerrufen" => Some(t.get("staff-notice-token-revoked")),
        _ => None,
    }
}

/// `GET /verwaltung/{municipality}/benutzer`.
pub(crate) async fn users(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(slug): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let m = managed_municipality(&state, &staff, &slug).await?;
    let t = state.i18n.tr(ctx.locale);
    users_page(
        &state,
        &ctx,
        &staff,
        &m,
        UsersPage {
            errors: FormErrors::default(),
            notice: done_notice(t, q.done.as_deref()),
            email: "",
            name: "",
            status: StatusCode::OK,
        },
    )
    .await
}

#[derive(Debug, Deserialize)]
pub(crate) struct AddUserForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    role: String,
}

/// `POST /verwaltung/{municipality}/benutzer`: grants a role to a person, inviting them by
/// e-mail when they have no account yet.
pub(crate) async fn add_user(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(slug): Path<String>,
    HtmlForm(f): HtmlForm<AddUserForm>,
) -> Result<Response, AppError> {
    let m = managed_municipality(&state, &staff, &slug).await?;
    staff.check_csrf(&f.csrf)?;
    let t = state.i18n.tr(ctx.locale);
    let mut errors = FormErrors::default();
    let email = Email::parse(&f.email).map_err(|_| errors.add("email", t.get("staff-error-email-invalid"))).ok();
    let grant = requested_grant(&staff, &m, &f.role, &mut errors, t)?;
    let existing = match &email {
        Some(e) => state.store.staff().by_email(e).await?,
        None => None,
    };
    if existing.is_none() && f.display_name.trim().is_empty() {
        errors.add("display_name", t.get("staff-error-name"));
    }
    let (Some(email), Some(grant), true) = (email, grant, errors.is_empty()) else {
        return users_page(
            &state,
            &ctx,
            &staff,
            &m,
            UsersPage {
                errors,
                notice: None,
                email: &f.email,
                name: &f.display_name,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            },
        )
        .await;
    };
    let actor = staff.actor();
    let (user, invited) = match existing {
        Some(u) => (u.id, false),
        None => match state.store.staff().create(&email, &f.display_name, None, &actor).await {
            Ok(id) => (id, true),
            Err(StorageError::Conflict(_)) => {
                let u = state.store.staff().by_email(&email).await?.ok_or(AppError::NotFound)?;
                (u.id, false)
            }
            Err(e) => return Err(e.into()),
        },
    };
    state.store.staff().grant(user, &grant, Some(m.scope()), &actor).await?;
    // A role change ends the person's sessions: at once, not only when the answer is done.
    state.sessions.invalidate();
    if invited {
        let token = state.store.staff().issue_reset(user, Utc::now()).await?;
        send_password_link(&state, t, email.as_str(), &token, true).await?;
    }
    let done = if invited { "eingeladen" } else { "rolle" };
    Ok(Redirect::to(&format!("/verwaltung/{}/benutzer?done={done}", m.slug())).into_response())
}

#[derive(Debug, Deserialize)]
pub(crate) struct RevokeForm {
    #[serde(default)]
    csrf: String,
    user_id: i64,
    role: String,
}

/// `POST /verwaltung/{municipality}/benutzer/rollen/entziehen`.
pub(crate) async fn revoke_role(
    State(state): State<AppState>,
    staff: Staff,
    Path(slug): Path<String>,
    HtmlForm(f): HtmlForm<RevokeForm>,
) -> Result<Response, AppError> {
    let m = managed_municipality(&state, &staff, &slug).await?;
    staff.check_csrf(&f.csrf)?;
    let role = Role::parse(&f.role).map_err(|e| AppError::bad_request(e.to_string()))?;
    let grant = Grant::new(role, Some(m.slug().clone())).map_err(|e| AppError::bad_request(e.to_string()))?;
    if !staff.perms.can_revoke(&grant) {
        return Err(AppError::Forbidden);
    }
    let user = state.store.staff().by_id(UserId::from_raw(f.user_id)).await?.ok_or(AppError::NotFound)?;
    if !state.store.staff().revoke(user.id, &grant, Some(m.scope()), &staff.actor()).await? {
        return Err(AppError::NotFound);
    }
    state.sessions.invalidate();
    Ok(Redirect::to(&format!("/verwaltung/{}/benutzer?done=entzogen", m.slug())).into_response())
}

struct TokenRow {
    id: i64,
    name: String,
    prefix: String,
    role: String,
    last_used: String,
    revoked: bool,
}

#[derive(Template)]
#[template(path = "staff/tokens.html")]
struct TokensView<'a> {
    chrome: Chrome<'a>,
    slug: String,
    municipality_name: String,
    tokens: Vec<TokenRow>,
    roles: Vec<RoleOption>,
    created: Option<String>,
    notice: Option<String>,
    errors: FormErrors,
    csrf: String,
}

/// What the token page shows besides the list.
#[derive(Default)]
struct TokensPage {
    created: Option<String>,
    notice: Option<String>,
    errors: FormErrors,
}

async fn tokens_page(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    m: &MunicipalityRecord,
    p: TokensPage,
    status: StatusCode,
) -> Result<Response, AppError> {
    let region = region_info(state).await?;
    let t = state.i18n.tr(ctx.locale);
    let tokens = state
        .store
        .tokens()
        .of_municipality(m.scope())
        .await?
        .into_iter()
        .map(|k| TokenRow {
            id: k.id,
            name: k.name,
            prefix: k.prefix,
            role: t.get(k.role.label_key()),
            last_used: k.last_used_at.map_or_else(|| t.get("staff-token-never"), local_time),
            revoked: k.revoked_at.is_some(),
        })
        .collect();
    let view = TokensView {
        chrome: Chrome::staff(state, ctx, &region, t.get("staff-tokens"), Some(staff)),
        slug: m.slug().to_string(),
        municipality_name: m.name.clone(),
        tokens,
        roles: grantable(staff, m)
            .into_iter()
            .filter(|r| *r != Role::MunicipalityAdmin)
            .map(|r| RoleOption { code: r.as_str(), label: t.get(r.label_key()) })
            .collect(),
        created: p.created,
        notice: p.notice,
        errors: p.errors,
        csrf: staff.session.csrf_token.clone(),
    };
    render(&view, status)
}

/// `GET /verwaltung/{municipality}/zugangsschluessel`.
pub(crate) async fn tokens(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(slug): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let m = managed_municipality(&state, &staff, &slug).await?;
    let t = state.i18n.tr(ctx.locale);
    let page = TokensPage { notice: done_notice(t, q.done.as_deref()), ..Default::default() };
    tokens_page(&state, &ctx, &staff, &m, page, StatusCode::OK).await
}

#[derive(Debug, Deserialize)]
pub(crate) struct TokenForm {
    #[serde(default)]
    csrf: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    role: String,
}

/// `POST /verwaltung/{municipality}/zugangsschluessel`: shows the new token once.
pub(crate) async fn create_token(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(slug): Path<String>,
    HtmlForm(f): HtmlForm<TokenForm>,
) -> Result<Response, AppError> {
    let m = managed_municipality(&state, &staff, &slug).await?;
    staff.check_csrf(&f.csrf)?;
    let t = state.i18n.tr(ctx.locale);
    let mut errors = FormErrors::default();
    let grant = requested_grant(&staff, &m, &f.role, &mut errors, t)?;
    if f.name.trim().is_empty() || f.name.trim().chars().count() > 100 {
        errors.add("name", t.get("staff-error-token-name"));
    }
    let (Some(grant), true) = (grant, errors.is_empty()) else {
        return tokens_page(
            &state,
            &ctx,
            &staff,
            &m,
            TokensPage { errors, ..Default::default() },
            StatusCode::UNPROCESSABLE_ENTITY,
        )
        .await;
    };
    let (_, secret) = state.store.tokens().create(m.scope(), grant.role(), &f.name, &staff.actor()).await?;
    tokens_page(
        &state,
        &ctx,
        &staff,
        &m,
        TokensPage { created: Some(secret), ..Default::default() },
        StatusCode::CREATED,
    )
    .await
}

/// `POST /verwaltung/{municipality}/zugangsschluessel/{id}/widerrufen`.
pub(crate) async fn revoke_token(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, id)): Path<(String, i64)>,
    HtmlForm(f): HtmlForm<super::account::CsrfForm>,
) -> Result<Response, AppError> {
    let m = managed_municipality(&state, &staff, &slug).await?;
    staff.check_csrf(f.csrf())?;
    if !state.store.tokens().revoke(m.scope(), id, &staff.actor()).await? {
        return Err(AppError::NotFound);
    }
    Ok(Redirect::to(&format!("/verwaltung/{}/zugangsschluessel?done=widerrufen", m.slug())).into_response())
}

struct AuditRow {
    at: String,
    actor: String,
    municipality: String,
    what: String,
    details: String,
    ip: String,
}

#[derive(Template)]
#[template(path = "staff/audit.html")]
struct AuditView<'a> {
    chrome: Chrome<'a>,
    errors: FormErrors,
    all_allowed: bool,
    municipalities: Vec<(String, String)>,
    filter_municipality: String,
    filter_actor: String,
    filter_entity: String,
    filter_from: String,
    filter_to: String,
    entries: Vec<AuditRow>,
    csv_href: String,
    json_href: String,
}

#[derive(Debug, Deserialize)]
pub(crate) struct AuditQuery {
    #[serde(default)]
    municipality: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    entity: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    format: String,
}

fn csv_field(s: &str) -> String {
    // Quote everything; a leading formula character is neutralised for spreadsheet programs.
    let s = if s.starts_with(['=', '+', '-', '@']) { format!("'{s}") } else { s.to_owned() };
    format!("\"{}\"", s.replace('"', "\"\""))
}

/// `GET /verwaltung/protokoll`: filterable, exportable as CSV and JSON.
pub(crate) async fn audit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Query(q): Query<AuditQuery>,
) -> Result<Response, AppError> {
    let t = state.i18n.tr(ctx.locale);
    let snap = state.directory.get(&state.store).await?;
    let all = &snap.municipalities;
    let readable: Vec<&MunicipalityRecord> = all.iter().filter(|m| staff.perms.can_manage_users(m.slug())).collect();
    if readable.is_empty() {
        return Err(AppError::Forbidden);
    }
    let all_allowed = staff.perms.is_platform_admin();
    let chosen = match q.municipality.as_str() {
        "" if all_allowed => None,
        "" => Some(readable[0]),
        slug => Some(*readable.iter().find(|m| m.slug().as_str() == slug).ok_or(AppError::Forbidden)?),
    };
    let mut errors = FormErrors::default();
    let day = |s: &str, field: &str, errors: &mut FormErrors| -> Option<chrono::DateTime<Utc>> {
        if s.is_empty() {
            return None;
        }
        match NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(d) => chrono_tz::Europe::Berlin
                .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
                .earliest()
                .map(|x| x.with_timezone(&Utc)),
            Err(_) => {
                errors.add(field, t.get("staff-error-date"));
                None
            }
        }
    };
    let from = day(&q.from, "from", &mut errors);
    let to = day(&q.to, "to", &mut errors).map(|d| d + chrono::Duration::days(1));
    let filter = AuditFilter {
        actor: Some(q.actor.clone()),
        entity_type: Some(q.entity.clone()),
        from,
        to,
        limit: if q.format.is_empty() { 500 } else { 10_000 },
    };
    let scope = chosen.map_or(AuditScope::All, |m| AuditScope::Municipality(m.scope()));
    let entries = state.store.audit().list(scope, &filter).await?;
    match q.format.as_str() {
        "json" => {
            let mut res = axum::Json(&entries).into_response();
            res.headers_mut()
                .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"audit.json\""));
            return Ok(res);
        }
        "csv" => {
            let mut out = String::from("id,at,actor,municipality,entity_type,entity_id,action,changes,ip\r\n");
            for e in &entries {
                let row = [
                    e.id.to_string(),
                    e.at.to_rfc3339(),
                    e.actor.clone(),
                    e.municipality.clone().unwrap_or_default(),
                    e.entity_type.clone(),
                    e.entity_id.clone().unwrap_or_default(),
                    e.action.clone(),
                    e.changes.to_string(),
                    e.ip.clone().unwrap_or_default(),
                ];
                out.push_str(&row.iter().map(|f| csv_field(f)).collect::<Vec<_>>().join(","));
                out.push_str("\r\n");
            }
            let mut res = out.into_response();
            res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8"));
            res.headers_mut()
                .insert(header::CONTENT_DISPOSITION, HeaderValue::from_static("attachment; filename=\"audit.csv\""));
            return Ok(res);
        }
        "" => {}
        _ => return Err(AppError::bad_request("format must be csv or json")),
    }
    let region = region_info(&state).await?;
    let query = |fmt: &str| {
        format!(
            "/verwaltung/protokoll?municipality={}&actor={}&entity={}&from={}&to={}&format={fmt}",
            super::encode_query(&q.municipality),
            super::encode_query(&q.actor),
            super::encode_query(&q.entity),
            super::encode_query(&q.from),
            super::encode_query(&q.to)
        )
    };
    let view = AuditView {
        chrome: Chrome::staff(&state, &ctx, &region, t.get("staff-audit-title"), Some(&staff)),
        errors,
        all_allowed,
        municipalities: readable.iter().map(|m| (m.slug().to_string(), m.name.clone())).collect(),
        filter_municipality: chosen.map(|m| m.slug().to_string()).unwrap_or_default(),
        csv_href: query("csv"),
        json_href: query("json"),
        filter_actor: q.actor,
        filter_entity: q.entity,
        filter_from: q.from,
        filter_to: q.to,
        entries: entries
            .into_iter()
            .map(|e| AuditRow {
                at: local_time(e.at),
                actor: e.actor,
                municipality: e.municipality.unwrap_or_default(),
                what: format!("{} {}", e.entity_type, e.action),
                details: e.changes.to_string(),
                ip: e.ip.unwrap_or_default(),
            })
            .collect(),
    };
    render(&view, StatusCode::OK)
}
