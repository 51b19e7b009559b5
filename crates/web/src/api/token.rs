//! `GET /api/v1/token`: lets another system check its token (which municipality, which role).

use axum::Json;
use axum::extract::{FromRef, FromRequestParts, State};
use axum::http::header;
use axum::http::request::Parts;
use chrono::Utc;
use regioportal_storage::TokenPrincipal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::AppState;
use crate::error::AppError;

/// A request authenticated with `Authorization: Bearer <token>`.
#[derive(Debug, Clone)]
pub struct ApiClient(pub TokenPrincipal);

impl<S> FromRequestParts<S> for ApiClient
where
    AppState: FromRef<S>,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let state = AppState::from_ref(state);
        let value = parts.headers.get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).unwrap_or_default();
        let Some(token) =
            value.strip_prefix("Bearer ").map(str::trim).filter(|t| regioportal_domain::auth::looks_like_token(t))
        else {
            return Err(AppError::Unauthenticated { next: None });
        };
        match state.store.tokens().authenticate(token, Utc::now()).await? {
            Some(p) => Ok(Self(p)),
            None => Err(AppError::Unauthenticated { next: None }),
        }
    }
}

/// What a token may do.
#[derive(Debug, Serialize, ToSchema)]
pub struct TokenInfo {
    /// The token's name, e.g. "Website Jena".
    pub name: String,
    /// The municipality it acts for.
    pub municipality: String,
    /// Its role (`editor`, `moderator` or `organiser`).
    pub role: String,
}

/// Describe the presented API token.
#[utoipa::path(
    get,
    path = "/api/v1/token",
    tag = "authentication",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The token is valid", body = TokenInfo),
        (status = 401, description = "No token, or an unknown or revoked one", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn whoami(State(_state): State<AppState>, ApiClient(p): ApiClient) -> Json<TokenInfo> {
    Json(TokenInfo { name: p.name, municipality: p.scope.slug().to_string(), role: p.role.as_str().to_owned() })
}
