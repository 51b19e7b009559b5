//! One error model for HTML and JSON.
//!
//! Handlers return [`AppError`]. Its `IntoResponse` only sets the status and attaches the error
//! as a response extension; the [`render_errors`] middleware, which knows the request, turns it
//! into an HTML page in the layout or an RFC 9457 `application/problem+json` document. Responses
//! that axum or tower-http produce themselves (404 of the router, 405, 408, 413, a caught panic)
//! get the same treatment, so no client ever sees a bare text error or internal detail.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::AppState;
use crate::ctx::{RequestCtx, request_id};

/// A problem with one input field.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct FieldError {
    /// The field (query parameter or JSON pointer-like path).
    pub field: String,
    /// What is wrong and how to fix it.
    pub message: String,
}

/// Every error a handler can return.
#[derive(Debug)]
pub enum AppError {
    /// The resource does not exist.
    NotFound,
    /// Not signed in (HTML: to the login page; API: 401 with `WWW-Authenticate: Bearer`).
    Unauthenticated {
        /// Where to return after login.
        next: Option<String>,
    },
    /// Signed in, but not allowed.
    Forbidden,
    /// A form without a valid CSRF token, or a cross-site request.
    Csrf,
    /// Too many attempts; try again after the given seconds.
    TooManyAttempts(u64),
    /// The request is malformed; the text says what to change.
    BadRequest(String),
    /// Input fields are invalid.
    Validation(Vec<FieldError>),
    /// The request is ambiguous or conflicts with the current state; the text says how to
    /// ask instead.
    Conflict(String),
    /// Nothing answers the request, and the text says why (a 404 with detail).
    NotFoundDetail(String),
    /// A dependency (the database) is unavailable.
    Unavailable(String),
    /// A bug or an unexpected failure; logged with its cause chain, never shown.
    Internal(Arc<dyn std::error::Error + Send + Sync>),
}

impl AppError {
    /// A 400 with a message for the client.
    pub fn bad_request(msg: impl Into<String>) -> Self {
        Self::BadRequest(msg.into())
    }

    /// A 422 for one field.
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        Self::Validation(vec![FieldError { field: field.to_owned(), message: message.into() }])
    }

    /// An unexpected failure described by a message (logged, never shown).
    pub fn bug(msg: impl Into<String>) -> Self {
        Self::Internal(Arc::new(std::io::Error::other(msg.into())))
    }

    /// An unexpected failure.
    pub fn internal(e: impl std::error::Error + Send + Sync + 'static) -> Self {
        Self::Internal(Arc::new(e))
    }

    fn status(&self) -> StatusCode {
        match self {
            Self::NotFound | Self::NotFoundDetail(_) => StatusCode::NOT_FOUND,
            Self::Conflict(_) => StatusCode::CONFLICT,
            Self::Unauthenticated { .. } => StatusCode::UNAUTHORIZED,
            Self::Forbidden | Self::Csrf => StatusCode::FORBIDDEN,
            Self::TooManyAttempts(_) => StatusCode::TOO_MANY_REQUESTS,
            Self::BadRequest(_) => StatusCode::BAD_REQUEST,
            Self::Validation(_) => StatusCode::UNPROCESSABLE_ENTITY,
            Self::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            Self::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }
}

impl From<regioportal_storage::StorageError> for AppError {
    fn from(e: regioportal_storage::StorageError) -> Self {
        use regioportal_storage::StorageError as S;
        match e {
            // A lost connection is the database being away, not a bug: 503, so that load
            // balancers and clients retry.
            S::Db(sea_orm_err) if is_connection_error(&sea_orm_err) => Self::Unavailable(sea_orm_err.to_string()),
            // A row that is gone (or belongs to another municipality) is not found for the
            // caller; a broken precondition says which.
            S::NotFound => Self::NotFound,
            S::Conflict(message) => Self::Conflict(message),
            other => Self::internal(other),
        }
    }
}

fn is_connection_error(e: &sea_orm::DbErr) -> bool {
    use sea_orm::DbErr;
    matches!(e, DbErr::ConnectionAcquire(_) | DbErr::Conn(_))
        || e.to_string().contains("closed")
        || e.to_string().contains("Connection refused")
}

/// What the renderer needs to know about an error; carried as a response extension.
#[derive(Debug, Clone)]
pub struct ErrorInfo {
    detail: Option<String>,
    fields: Vec<FieldError>,
    cause: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

/// Carried by a 401: the page to return to after signing in.
#[derive(Debug, Clone)]
pub struct SignIn(pub Option<String>);

/// Marks a response whose body is already final although its status is an error
/// (e.g. `/readyz` answering 503 with its own JSON).
#[derive(Debug, Clone, Copy)]
pub struct Rendered;

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let info = match self {
            Self::NotFound | Self::Forbidden => ErrorInfo { detail: None, fields: vec![], cause: None },
            Self::Unauthenticated { next } => {
                let mut res = status.into_response();
                res.extensions_mut().insert(SignIn(next));
                res.extensions_mut().insert(ErrorInfo { detail: None, fields: vec![], cause: None });
                return res;
            }
            Self::Csrf => ErrorInfo {
                detail: Some(
                    "The form is out of date or came from another site. Reload the page and send it again.".into(),
                ),
                fields: vec![],
                cause: None,
            },
            Self::TooManyAttempts(secs) => {
                let mut res = status.into_response();
                if let Ok(v) = HeaderValue::from_str(&secs.to_string()) {
                    res.headers_mut().insert(header::RETRY_AFTER, v);
                }
                res.extensions_mut().insert(ErrorInfo {
                    detail: Some(format!("Too many attempts. Try again in {secs} seconds.")),
                    fields: vec![],
                    cause: None,
                });
                return res;
            }
            Self::BadRequest(d) | Self::Conflict(d) | Self::NotFoundDetail(d) => {
                ErrorInfo { detail: Some(d), fields: vec![], cause: None }
            }
            Self::Validation(f) => ErrorInfo { detail: None, fields: f, cause: None },
            Self::Unavailable(d) => {
                ErrorInfo { detail: None, fields: vec![], cause: Some(Arc::new(std::io::Error::other(d))) }
            }
            Self::Internal(e) => ErrorInfo { detail: None, fields: vec![], cause: Some(e) },
        };
        let mut res = status.into_response();
        res.extensions_mut().insert(info);
        res
    }
}

fn cause_chain(e: &(dyn std::error::Error + 'static)) -> String {
    let mut s = e.to_string();
    let mut cur = e.source();
    while let Some(c) = cur {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cur = c.source();
    }
    s
}

/// The RFC 9457 problem document.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI reference for the problem type; `about:blank` means "see the status".
    #[serde(rename = "type")]
    pub kind: String,
    /// Short summary of the problem type.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// Explanation for this occurrence.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// The request path.
    pub instance: String,
    /// The id to quote when reporting the problem.
    pub request_id: String,
    /// Per-field problems of a validation error.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<FieldError>,
}

fn english_title(status: StatusCode) -> &'static str {
    match status.as_u16() {
        400 => "Bad request",
        401 => "Unauthorized",
        403 => "Forbidden",
        429 => "Too many requests",
        404 => "Not found",
        405 => "Method not allowed",
        408 => "Request timeout",
        413 => "Payload too large",
        415 => "Unsupported media type",
        422 => "Validation failed",
        503 => "Service unavailable",
        s if s >= 500 => "Internal server error",
        _ => status.canonical_reason().unwrap_or("Error"),
    }
}

fn wants_json(ctx: &RequestCtx) -> bool {
    ctx.path.starts_with("/api/") || ctx.path == "/openapi.json" || {
        let accept = ctx.accept.as_deref().unwrap_or("");
        (accept.contains("application/json") || accept.contains("application/problem+json"))
            && !accept.contains("text/html")
    }
}

/// Turns every error response into a page in the layout or a problem document.
pub async fn render_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let ctx = RequestCtx::from_request(&req);
    let method = req.method().clone();
    let res = next.run(req).await;
    let status = res.status();
    if !(status.is_client_error() || status.is_server_error()) || res.extensions().get::<Rendered>().is_some() {
        return res;
    }
    // A handler that rendered its own page or document for an error status (a form shown
    // again with its field errors) keeps it; only bare responses are filled in.
    let own_body = res.headers().get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).is_some_and(|ct| {
        ct.starts_with("text/html") || ct.starts_with("application/json") || ct.starts_with("application/problem+json")
    });
    if own_body && res.extensions().get::<ErrorInfo>().is_none() {
        return res;
    }
    let info =
        res.extensions().get::<ErrorInfo>().cloned().unwrap_or(ErrorInfo { detail: None, fields: vec![], cause: None });
    let request_id = request_id(&res).or_else(|| ctx.request_id.clone()).unwrap_or_default();
    if status.is_server_error() {
        let cause = info
            .cause
            .as_deref()
            .map_or_else(|| "no cause recorded (a panic or a middleware error)".to_owned(), |c| cause_chain(c));
        tracing::error!(%request_id, %status, %method, path = %ctx.path, error = %cause, "request failed");
    }
    // Never echo internals: 5xx carry no detail.
    let detail = if status.is_server_error() { None } else { info.detail.clone() };
    if status == StatusCode::UNAUTHORIZED && !wants_json(&ctx) {
        // A page that needs a signed-in person sends the browser to the login form.
        let next = res.extensions().get::<SignIn>().and_then(|s| s.0.clone());
        let target = match next {
            Some(n) => format!("/verwaltung/anmelden?next={}", crate::staff::encode_query(&n)),
            None => "/verwaltung/anmelden".to_owned(),
        };
        return axum::response::Redirect::to(&target).into_response();
    }
    let mut out = if wants_json(&ctx) {
        let problem = Problem {
            kind: "about:blank".to_owned(),
            title: english_title(status).to_owned(),
            status: status.as_u16(),
            detail,
            instance: ctx.path.clone(),
            request_id: request_id.clone(),
            errors: info.fields.clone(),
        };
        let body = serde_json::to_vec(&problem).unwrap_or_default();
        let mut r = (status, body).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
        if status == StatusCode::UNAUTHORIZED {
            r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer realm=\"regioportal\""));
        }
        r
    } else {
        crate::pages::error_page(&state, &ctx, status, detail, &info.fields, &request_id).await
    };
    // Keep headers the handler set on purpose (Allow on 405, Retry-After on 503).
    for name in [header::ALLOW, header::RETRY_AFTER] {
        if let Some(v) = res.headers().get(&name) {
            out.headers_mut().insert(name, v.clone());
        }
    }
    if let Some(v) = res.headers().get("x-request-id") {
        out.headers_mut().insert("x-request-id", v.clone());
    }
    out.extensions_mut().insert(Rendered);
    out
}
