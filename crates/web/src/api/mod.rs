//! The JSON API under `/api/v1/` and its OpenAPI document.

use axum::Json;
use axum::extract::{FromRequest, FromRequestParts, Query, Request};
use axum::http::request::Parts;
use serde::de::DeserializeOwned;
use utoipa::OpenApi;

use crate::error::{AppError, FieldError, Problem};

pub mod municipalities;
pub mod token;

/// The OpenAPI document, generated from the handlers and types.
#[derive(OpenApi)]
#[openapi(
    info(
        title = "Regioportal API",
        description = "Machine-readable web services of the municipalities of the region. Read-only endpoints need no token. Errors are RFC 9457 problem documents (application/problem+json).",
        license(name = "EUPL-1.2"),
    ),
    paths(
        municipalities::list,
        municipalities::get,
        token::whoami,
        crate::events::api::list,
        crate::events::api::get,
        crate::events::api::create,
        crate::events::api::update,
        crate::events::api::delete,
        crate::events::image_api::get,
        crate::events::image_api::put,
        crate::events::image_api::delete,
        crate::events::feeds::ics_feed,
        crate::events::feeds::atom_feed,
        crate::services::api::list,
        crate::services::api::get,
        crate::services::api::responsible,
        crate::ops::healthz,
        crate::ops::readyz,
    ),
    components(schemas(Problem, FieldError)),
    modifiers(&BearerAuth),
    tags(
        (name = "municipalities", description = "The municipalities (tenants) of the region"),
        (name = "events", description = "The regional events calendar: occurrences, events, submissions, feeds"),
        (name = "services", description = "The Bürgerservice: services, and the office responsible for a citizen (Zuständigkeitsfinder)"),
        (name = "authentication", description = "API tokens of other systems"),
        (name = "operations", description = "Health and readiness"),
    )
)]
pub struct ApiDoc;

/// Declares the bearer-token scheme that write endpoints require.
struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("An API token created in the staff area (shown once, starts with rp_)."))
                    .build(),
            ),
        );
    }
}

/// `GET /openapi.json`.
pub async fn openapi_json() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// A query-string extractor whose rejection is a problem document naming the parameter.
pub struct ApiQuery<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequestParts<S> for ApiQuery<T> {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        match Query::<T>::from_request_parts(parts, state).await {
            Ok(Query(v)) => Ok(Self(v)),
            Err(e) => {
                // axum reports "field: problem" (e.g. "kind: unknown variant `x`") or, for an
                // unknown parameter, "colour: unknown field `colour`, expected …".
                let text = e.body_text();
                let msg = text.trim_start_matches("Failed to deserialize query string: ").to_owned();
                let field = match msg.split_once(": ") {
                    Some((f, _)) if !f.contains(' ') => f.to_owned(),
                    _ => "query".to_owned(),
                };
                let field = field.as_str();
                Err(AppError::Validation(vec![FieldError { field: field.to_owned(), message: msg.clone() }]))
            }
        }
    }
}

/// A JSON body extractor whose rejection is a problem document: 415 without a JSON content
/// type, 422 naming the field for a body that does not fit the schema, 400 for broken JSON.
pub struct ApiJson<T>(pub T);

impl<T: DeserializeOwned, S: Send + Sync> FromRequest<S> for ApiJson<T> {
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        use axum::extract::rejection::JsonRejection;
        match Json::<T>::from_request(req, state).await {
            Ok(Json(v)) => Ok(Self(v)),
            Err(JsonRejection::JsonDataError(e)) => {
                // serde_path_to_error style: "venue.name: missing field `name` at line 1 column 20".
                let text = e.body_text();
                let msg =
                    text.trim_start_matches("Failed to deserialize the JSON body into the target type: ").to_owned();
                let field = match msg.split_once(": ") {
                    Some((f, _)) if !f.contains(' ') => f.to_owned(),
                    _ => "body".to_owned(),
                };
                Err(AppError::Validation(vec![FieldError { field, message: msg }]))
            }
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(AppError::bad_request("the body must be JSON: send it with Content-Type: application/json"))
            }
            Err(e) => Err(AppError::bad_request(format!("the body is not valid JSON: {}", e.body_text()))),
        }
    }
}
