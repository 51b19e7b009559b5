//! The route table: one place that lists every route, so the sitemap, the OpenAPI document and
//! the tests can be derived from it.

use axum::Router;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use crate::{AppState, api, ctx, error, events, metrics, ops, pages, security, services};

/// Public HTML page routes (axum path syntax). The sitemap lists their instances; a new page
/// route belongs here, or the route-table test fails.
pub const PUBLIC_PAGE_ROUTES: &[&str] = &[
    "/",
    "/impressum",
    "/datenschutz",
    "/barrierefreiheit",
    "/{municipality}",
    "/{municipality}/impressum",
    "/{municipality}/datenschutz",
    "/{municipality}/barrierefreiheit",
    "/veranstaltungen",
    "/{municipality}/veranstaltungen",
    "/veranstaltungen/melden",
    "/buergerservice",
    "/{municipality}/buergerservice",
    "/buergerservice/suche",
    "/{municipality}/buergerservice/suche",
    "/buergerservice/leistungen/{service}",
    "/{municipality}/buergerservice/leistungen/{service}",
    "/buergerservice/lebenslagen/{life_situation}",
    "/{municipality}/buergerservice/lebenslagen/{life_situation}",
    "/{municipality}/buergerservice/aemter/{office}",
];

/// Whether the page cache may keep the answers of a route (see [`crate::page_cache`]) for
/// visitors without a session: the public pages except the submission form (it carries a CSRF
/// token), event pages, and the public JSON reads. Not the widget: its frame permission travels
/// as a response extension, which a cached answer would not carry.
pub(crate) fn cacheable(route: &str) -> bool {
    const MORE: &[&str] = &[
        "/{municipality}/veranstaltungen/{id}",
        "/api/v1/municipalities",
        "/api/v1/municipalities/{slug}",
        "/api/v1/events",
        "/api/v1/events/{id}",
        "/api/v1/services",
        "/api/v1/services/{id}",
        "/api/v1/services/{id}/responsible",
    ];
    (PUBLIC_PAGE_ROUTES.contains(&route) && route != "/veranstaltungen/melden") || MORE.contains(&route)
}

pub(crate) fn router(state: AppState) -> Router {
    let timeout = state.config.request_timeout;
    let body_limit = state.config.body_limit;
    let x_request_id = axum::http::HeaderName::from_static("x-request-id");
    let mut router = Router::new();
    // PDF forms may be larger than the general body limit: their routes get their own (the
    // handler counts the bytes again and answers with a page that says the limit).
    let mut uploads = Router::new();
    for (spec, handler) in crate::staff::routes() {
        if spec.path.ends_with("/formulare") {
            uploads = uploads.route(spec.path, handler);
        } else {
            router = router.route(spec.path, handler);
        }
    }
    let uploads = uploads
        .with_state(state.clone())
        .layer(RequestBodyLimitLayer::new(body_limit.max(crate::staff::services::UPLOAD_BODY_LIMIT)));
    router
        .route("/", get(pages::region_home))
        .route("/impressum", get(pages::region_legal))
        .route("/datenschutz", get(pages::region_legal))
        .route("/barrierefreiheit", get(pages::region_legal))
        .route("/{municipality}", get(pages::municipality_home))
        .route("/{municipality}/impressum", get(pages::municipality_legal))
        .route("/{municipality}/datenschutz", get(pages::municipality_legal))
        .route("/{municipality}/barrierefreiheit", get(pages::municipality_legal))
        .route("/{municipality}/theme.css", get(pages::theme_css))
        .route("/{municipality}/logo", get(pages::logo))
        .route("/static/regioportal.css", get(pages::stylesheet))
        .route("/static/favicon.svg", get(pages::favicon))
        .route("/sitemap.xml", get(pages::sitemap))
        .route("/robots.txt", get(pages::robots))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics))
        .route("/openapi.json", get(api::openapi_json))
        .route("/api/v1/municipalities", get(api::municipalities::list))
        .route("/api/v1/municipalities/{slug}", get(api::municipalities::get))
        .route("/api/v1/token", get(api::token::whoami))
        .route("/api/v1/events", get(events::api::list).post(events::api::create))
        .route("/api/v1/events.ics", get(events::feeds::ics_feed))
        .route("/api/v1/events.atom", get(events::feeds::atom_feed))
        .route("/api/v1/events/{id}", get(events::api::get).put(events::api::update).delete(events::api::delete))
        .route(
            "/api/v1/events/{id}/image",
            get(events::image_api::get).put(events::image_api::put).delete(events::image_api::delete),
        )
        .route("/api/v1/services", get(services::api::list))
        .route("/api/v1/services/{id}", get(services::api::get))
        .route("/api/v1/services/{id}/responsible", get(services::api::responsible))
        .route("/buergerservice", get(services::pages::region_home))
        .route("/buergerservice/suche", get(services::search::region_search))
        .route("/buergerservice/leistungen/{service}", get(services::pages::region_service))
        .route("/buergerservice/lebenslagen/{life_situation}", get(services::pages::region_life))
        .route("/buergerservice/formulare/{id}/{name}", get(services::pages::form_download))
        .route("/{municipality}/buergerservice", get(services::pages::municipality_home))
        .route("/{municipality}/buergerservice/suche", get(services::search::municipality_search))
        .route("/{municipality}/buergerservice/leistungen/{service}", get(services::pages::municipality_service))
        .route("/{municipality}/buergerservice/lebenslagen/{life_situation}", get(services::pages::municipality_life))
        .route("/{municipality}/buergerservice/aemter/{office}", get(services::pages::office_page))
        .route("/veranstaltungen", get(events::pages::region_calendar))
        .route("/veranstaltungen/melden", get(events::submit::form).post(events::submit::submit))
        .route("/veranstaltungen/bestaetigen/{token}", get(events::submit::confirm))
        .route("/{municipality}/veranstaltungen", get(events::pages::municipality_calendar))
        .route("/{municipality}/veranstaltungen/widget", get(events::widget::page))
        .route("/{municipality}/veranstaltungen/widget.html", get(events::widget::fragment))
        .route("/{municipality}/veranstaltungen/{id}", get(events::pages::event_page))
        .route("/{municipality}/veranstaltungen/{id}/bild", get(events::pages::event_image))
        .fallback(|| async { error::AppError::NotFound })
        .with_state(state.clone())
        .layer(RequestBodyLimitLayer::new(body_limit))
        .merge(uploads)
        // Inner to outer: each `.layer` wraps everything above it.
        .layer(axum::middleware::from_fn_with_state(state.clone(), crate::page_cache::layer))
        .layer(axum::middleware::from_fn_with_state(state.clone(), ctx::remember_language))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, timeout))
        .layer(CatchPanicLayer::custom(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response()))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::same_origin))
        .layer(axum::middleware::from_fn_with_state(state.clone(), error::render_errors))
        .layer(axum::middleware::from_fn_with_state(state.clone(), security::headers))
        .layer(axum::middleware::from_fn_with_state(state, metrics::track))
        .layer(PropagateRequestIdLayer::new(x_request_id.clone()))
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("-");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::new(x_request_id, MakeRequestUuid))
}
