//! Operations endpoints: liveness, readiness, metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;

use crate::AppState;
use crate::error::Rendered;

/// Health answer.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Health {
    /// `ok`, `starting` (the calendar index is being built) or `unavailable`.
    pub status: &'static str,
    /// The database backend (`sqlite`, `postgres`), on `/readyz`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub database: Option<&'static str>,
}

/// `GET /healthz`: the process is up (no dependency checked).
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, description = "The process is up", body = Health)))]
pub async fn healthz() -> Json<Health> {
    Json(Health { status: "ok", database: None })
}

/// `GET /readyz`: the database answers; 503 otherwise, so a load balancer stops sending traffic.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, description = "Ready to serve", body = Health),
    (status = 503, description = "The database is unreachable, or the calendar and search indexes are still being built (status `starting`)", body = Health),
))]
pub async fn readyz(State(state): State<AppState>) -> Response {
    let backend = state.store.backend().as_str();
    match tokio::time::timeout(std::time::Duration::from_secs(3), state.store.ping()).await {
        // Not ready until the calendar index is built: until then every calendar request would
        // be answered from the database, slowly and with a lot of memory under load. Nor until
        // the search index is: its first build (seconds with 100k events) takes the CPU from
        // the requests, and searches wait for it.
        Ok(Ok(())) if !state.indexes_built() => {
            let mut res =
                (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "starting", database: Some(backend) }))
                    .into_response();
            res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            res.extensions_mut().insert(Rendered);
            res
        }
        Ok(Ok(())) => Json(Health { status: "ok", database: Some(backend) }).into_response(),
        Ok(Err(e)) => {
            tracing::warn!(error = %e, "readiness check failed");
            unavailable(backend)
        }
        Err(_) => {
            tracing::warn!("readiness check timed out");
            unavailable(backend)
        }
    }
}

fn unavailable(backend: &'static str) -> Response {
    let mut res = (StatusCode::SERVICE_UNAVAILABLE, Json(Health { status: "unavailable", database: Some(backend) }))
        .into_response();
    res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
    res.extensions_mut().insert(Rendered);
    res
}

/// `GET /metrics`: Prometheus text format.
pub async fn metrics(State(state): State<AppState>) -> Response {
    let mut body = state.metrics.render(state.store.pool_stats(), state.store.backend().as_str());
    let (hits, misses, bytes) = state.page_cache.stats();
    body.push_str(&format!(
        "# HELP regioportal_page_cache_answers_total Public pages answered from the page cache (hit) or rendered into it (miss).\n\
         # TYPE regioportal_page_cache_answers_total counter\n\
         regioportal_page_cache_answers_total{{result=\"hit\"}} {hits}\n\
         regioportal_page_cache_answers_total{{result=\"miss\"}} {misses}\n\
         # HELP regioportal_page_cache_bytes Bytes of pages held by the page cache.\n\
         # TYPE regioportal_page_cache_bytes gauge\n\
         regioportal_page_cache_bytes {bytes}\n"
    ));
    let (events, occurrences) = state.calendar.size();
    body.push_str(&format!(
        "# HELP regioportal_calendar_events Public events held by the calendar index.\n\
         # TYPE regioportal_calendar_events gauge\n\
         regioportal_calendar_events {events}\n\
         # HELP regioportal_calendar_occurrences Occurrences held by the calendar index.\n\
         # TYPE regioportal_calendar_occurrences gauge\n\
         regioportal_calendar_occurrences {occurrences}\n"
    ));
    let (hits, misses, held) = state.sessions.stats();
    body.push_str(&format!(
        "# HELP regioportal_session_cache_answers_total Staff sessions taken from the session cache (hit) or read from the database into it (miss).\n\
         # TYPE regioportal_session_cache_answers_total counter\n\
         regioportal_session_cache_answers_total{{result=\"hit\"}} {hits}\n\
         regioportal_session_cache_answers_total{{result=\"miss\"}} {misses}\n\
         # HELP regioportal_session_cache_sessions Sessions held by the session cache.\n\
         # TYPE regioportal_session_cache_sessions gauge\n\
         regioportal_session_cache_sessions {held}\n"
    ));
    let mut res = body.into_response();
    res.headers_mut()
        .insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"));
    res
}
