//! `/api/v1/events/{id}/image`: an event's image through the API — read it, replace it (the
//! bytes as the request body, the alternative text as `?alt=`), remove it. The same checks as
//! the staff area: a real PNG, JPEG or WebP by its bytes, at most 900 KB, alternative text
//! required.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use regioportal_domain::auth::Role;
use regioportal_domain::events::image::{ImageError, check_image};
use regioportal_storage::{EventRecord, TokenPrincipal};
use serde::Deserialize;
use utoipa::IntoParams;

use super::api::{EventDetail, detail, may_change, optional_client, parse_id};
use crate::AppState;
use crate::api::ApiQuery;
use crate::api::token::ApiClient;
use crate::error::AppError;
use crate::staff::session::ClientIp;

/// The query of `PUT /api/v1/events/{id}/image`.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ImageParams {
    /// What the image shows, for people who cannot see it (required, at most 300 characters).
    #[param(example = "Das Orchester auf der Bühne des Großen Hauses")]
    pub alt: Option<String>,
}

/// The event of the token's municipality that the token may change, or 404.
async fn changeable(state: &AppState, p: &TokenPrincipal, id: &str) -> Result<EventRecord, AppError> {
    let id = parse_id(id)?;
    if !matches!(p.role, Role::Editor | Role::Organiser) {
        return Err(AppError::Forbidden);
    }
    match state.store.events().get(&p.scope, id).await? {
        Some(e) if may_change(p, &e) => Ok(e),
        _ => Err(AppError::NotFound),
    }
}

/// `GET /api/v1/events/{id}/image`.
#[utoipa::path(
    get,
    operation_id = "get_event_image",
    path = "/api/v1/events/{id}/image",
    tag = "events",
    params(("id" = i64, Path, description = "Event id")),
    security((), ("bearer" = [])),
    description = "The image of a public event; with a token of its municipality also of an unpublished one. Its alternative text is `image.alt` of the event.",
    responses(
        (status = 200, description = "The image (PNG, JPEG or WebP)", content_type = "image/*"),
        (status = 404, description = "No such event, or it has no image", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    let id = parse_id(&id)?;
    let events = state.store.events();
    let own = match optional_client(&state, &headers).await? {
        Some(p) => match events.get(&p.scope, id).await? {
            Some(e) if may_change(&p, &e) => Some(events.image(&p.scope, id).await?),
            _ => None,
        },
        None => None,
    };
    let (kind, bytes, public) = match own {
        Some(found) => {
            let (kind, bytes) = found.ok_or(AppError::NotFound)?;
            (kind, bytes, false)
        }
        None => {
            let snap = state.directory.get(&state.store).await?;
            let scopes: Vec<_> = snap.municipalities.iter().map(|m| m.scope().clone()).collect();
            let (kind, bytes) = events.public_image(&scopes, id).await?.ok_or(AppError::NotFound)?;
            (kind, bytes, true)
        }
    };
    let mut res = bytes.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&kind).map_err(AppError::internal)?);
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static(if public { "public, max-age=300" } else { "private, no-store" }),
    );
    Ok(res)
}

/// `PUT /api/v1/events/{id}/image?alt=…`.
#[utoipa::path(
    put,
    operation_id = "put_event_image",
    path = "/api/v1/events/{id}/image",
    tag = "events",
    params(("id" = i64, Path, description = "Event id"), ImageParams),
    request_body(content = Vec<u8>, description = "The image file itself (PNG, JPEG or WebP, at most 900 KB)", content_type = "image/*"),
    security(("bearer" = [])),
    description = "Sets or replaces the image of an event the token may change (editors; a trusted organiser's token its own events). The type is read from the bytes; the alternative text is required.",
    responses(
        (status = 200, description = "Stored; the event with its image", body = EventDetail),
        (status = 401, description = "No or an invalid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "A moderator's token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token's municipality has no such event (that it may change)", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 413, description = "The body is larger than the server accepts", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Not an accepted image, too large, or no alternative text (`image`, `alt`)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn put(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ClientIp(ip): ClientIp,
    ApiClient(p): ApiClient,
    ApiQuery(q): ApiQuery<ImageParams>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Json<EventDetail>, AppError> {
    let e = changeable(&state, &p, &id).await?;
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !declared.trim().to_ascii_lowercase().starts_with("image/") {
        return Err(AppError::field(
            "image",
            format!(
                "the body is sent as {:?}: send the image file itself as the body, with Content-Type image/png, \
                 image/jpeg or image/webp",
                if declared.is_empty() { "nothing" } else { declared }
            ),
        ));
    }
    let alt = q.alt.unwrap_or_default();
    let kind = check_image(&body, &alt).map_err(|err| {
        let field = if matches!(err, ImageError::AltMissing | ImageError::AltTooLong) { "alt" } else { "image" };
        AppError::field(field, err.to_string())
    })?;
    let events = state.store.events();
    events.set_image(&p.scope, e.id, Some((kind, &body, alt.trim())), &p.actor(ip)).await?;
    let e = events.get(&p.scope, e.id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(detail(&state, &e, false)))
}

/// `DELETE /api/v1/events/{id}/image`.
#[utoipa::path(
    delete,
    operation_id = "delete_event_image",
    path = "/api/v1/events/{id}/image",
    tag = "events",
    params(("id" = i64, Path, description = "Event id")),
    security(("bearer" = [])),
    description = "Removes the image of an event the token may change.",
    responses(
        (status = 204, description = "Removed (or there was none)"),
        (status = 401, description = "No or an invalid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "A moderator's token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token's municipality has no such event (that it may change)", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ClientIp(ip): ClientIp,
    ApiClient(p): ApiClient,
) -> Result<StatusCode, AppError> {
    let e = changeable(&state, &p, &id).await?;
    if e.image.is_some() {
        state.store.events().set_image(&p.scope, e.id, None, &p.actor(ip)).await?;
    }
    Ok(StatusCode::NO_CONTENT)
}
