//! Who is signed in: the session cookie, the CSRF token of forms, and the client address.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, FromRef, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::Response;
use chrono::Utc;
use regioportal_domain::auth::{Permissions, tokens_match};
use regioportal_storage::{Actor, SessionRecord, UserRecord};
use serde::de::DeserializeOwned;

use crate::AppState;
use crate::error::AppError;

/// The session cookie (HttpOnly; its value is only ever compared as a hash).
pub const SESSION_COOKIE: &str = "rp_session";
/// The cookie that carries the CSRF token of forms shown before login.
pub const CSRF_COOKIE: &str = "rp_csrf";

/// The value of a cookie.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(name).and_then(|rest| rest.strip_prefix('=')))
        .filter(|v| !v.is_empty())
}

/// A `Set-Cookie` value with the portal's attributes.
pub fn set_cookie(state: &AppState, name: &str, value: &str, max_age: Option<i64>) -> HeaderValue {
    let secure = if state.config.base_url.is_https() { "; Secure" } else { "" };
    let age = max_age.map(|a| format!("; Max-Age={a}")).unwrap_or_default();
    HeaderValue::from_str(&format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax{secure}{age}"))
        .unwrap_or_else(|_| HeaderValue::from_static("invalid=1"))
}

/// The client address: the TCP peer, or — when the peer is a configured reverse proxy
/// (`REGIOPORTAL_TRUSTED_PROXIES`) — the last address in `X-Forwarded-For` that is not itself
/// a trusted proxy. A client cannot forge its address past a proxy we do not trust.
#[derive(Debug, Clone)]
pub struct ClientIp(pub Option<String>);

/// The client address of a request (see [`ClientIp`]).
pub fn client_ip(parts: &Parts, trusted: &[std::net::IpAddr]) -> Option<String> {
    let peer = parts.extensions.get::<ConnectInfo<SocketAddr>>().map(|c| c.0.ip())?;
    if !trusted.contains(&peer) {
        return Some(peer.to_string());
    }
    let forwarded: Vec<std::net::IpAddr> = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|a| a.trim().parse().ok())
        .collect();
    let client = forwarded.iter().rev().find(|a| !trusted.contains(a)).copied().unwrap_or(peer);
    Some(client.to_string())
}

impl<S> FromRequestParts<S> for ClientIp
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        Ok(Self(client_ip(parts, &state.config.trusted_proxies)))
    }
}

/// A signed-in staff member whose session passed every required factor.
#[derive(Debug, Clone)]
pub struct Staff {
    /// The account.
    pub user: UserRecord,
    /// The session.
    pub session: SessionRecord,
    /// What the account may do.
    pub perms: Permissions,
    /// The client address.
    pub ip: Option<String>,
}

impl Staff {
    /// The actor of audit entries.
    pub fn actor(&self) -> Actor {
        self.user.actor(self.ip.clone())
    }

    /// Whether the account must enrol a second factor before doing anything else.
    pub fn must_enrol_mfa(&self) -> bool {
        self.user.mfa_required && !self.user.totp_enabled
    }

    /// Checks the CSRF token of a submitted form.
    pub fn check_csrf(&self, submitted: &str) -> Result<(), AppError> {
        if tokens_match(&self.session.csrf_token, submitted) { Ok(()) } else { Err(AppError::Csrf) }
    }
}

/// A session at any stage: also one still waiting for its second factor.
#[derive(Debug, Clone)]
pub struct AnySession {
    /// The account.
    pub user: UserRecord,
    /// The session.
    pub session: SessionRecord,
    /// The cookie token.
    pub token: String,
    /// The client address.
    pub ip: Option<String>,
}

async fn load(parts: &Parts, state: &AppState) -> Result<Option<AnySession>, AppError> {
    let Some(token) = cookie(&parts.headers, SESSION_COOKIE) else { return Ok(None) };
    let now = Utc::now();
    let ip = client_ip(parts, &state.config.trusted_proxies);
    let hash = regioportal_storage::secrets::token_hash(token);
    // Only page views take the session from memory: a change (any other method) is always
    // authorised by the database's current state, on every node.
    let view = matches!(parts.method, axum::http::Method::GET | axum::http::Method::HEAD);
    if view && let Some((session, user)) = state.sessions.get(&hash, state.config.sessions, now) {
        return Ok(Some(AnySession { user, session, token: token.to_owned(), ip }));
    }
    let ticket = state.sessions.ticket();
    let Some(session) = state.store.sessions().lookup(token, state.config.sessions, now).await? else {
        return Ok(None);
    };
    let Some(user) = state.store.staff().by_id(session.user).await? else { return Ok(None) };
    if user.disabled {
        state.store.sessions().end(token).await?;
        state.sessions.invalidate();
        return Ok(None);
    }
    state.sessions.put(ticket, hash, &session, &user);
    Ok(Some(AnySession { user, session, token: token.to_owned(), ip }))
}

fn next_of(parts: &Parts) -> Option<String> {
    Some(parts.uri.path_and_query().map_or_else(|| parts.uri.path().to_owned(), |pq| pq.as_str().to_owned()))
}

impl<S> FromRequestParts<S> for AnySession
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        load(parts, &state).await?.ok_or_else(|| AppError::Unauthenticated { next: next_of(parts) })
    }
}

/// The pages a person who must still enrol a second factor may see.
const ENROL_PATHS: &[&str] = &["/verwaltung/konto/zwei-faktor", "/verwaltung/abmelden"];

impl<S> FromRequestParts<S> for Staff
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = Response;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        use axum::response::{IntoResponse, Redirect};
        let app = AppState::from_ref(state);
        let any = match load(parts, &app).await {
            Ok(Some(s)) => s,
            Ok(None) => return Err(AppError::Unauthenticated { next: next_of(parts) }.into_response()),
            Err(e) => return Err(e.into_response()),
        };
        if !any.session.mfa_passed {
            return Err(Redirect::to("/verwaltung/anmelden/zweiter-faktor").into_response());
        }
        let perms = Permissions::new(any.user.grants.clone());
        let staff = Staff { user: any.user, session: any.session, perms, ip: any.ip };
        if staff.must_enrol_mfa() && !ENROL_PATHS.contains(&parts.uri.path()) {
            return Err(Redirect::to("/verwaltung/konto/zwei-faktor").into_response());
        }
        Ok(staff)
    }
}

/// A urlencoded form whose rejection is a 400 page instead of axum's plain text.
pub struct HtmlForm<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for HtmlForm<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        match axum::Form::<T>::from_request(req, state).await {
            Ok(axum::Form(v)) => Ok(Self(v)),
            Err(e) => Err(AppError::bad_request(e.body_text())),
        }
    }
}

/// Checks the CSRF token of a form sent without a session (login, password reset) against
/// the `rp_csrf` cookie (double submit; the Origin check has run before).
pub fn check_anonymous_csrf(headers: &HeaderMap, submitted: &str) -> Result<(), AppError> {
    match cookie(headers, CSRF_COOKIE) {
        Some(expected) if tokens_match(expected, submitted) => Ok(()),
        _ => Err(AppError::Csrf),
    }
}

/// The CSRF token for an anonymous form: the cookie's, or a new one to set.
pub fn anonymous_csrf(headers: &HeaderMap) -> (String, bool) {
    match cookie(headers, CSRF_COOKIE) {
        Some(v) if v.len() == 64 && v.bytes().all(|b| b.is_ascii_hexdigit()) => (v.to_owned(), false),
        _ => (regioportal_storage::secrets::random_token(), true),
    }
}
