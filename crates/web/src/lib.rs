//! Regioportal's web layer: server-rendered HTML pages, the JSON API with its OpenAPI document,
//! and the operations endpoints, on axum.
//!
//! Handlers are thin: they read the request, call storage with the tenant scope, and render a
//! template or JSON. Errors flow through [`error::AppError`] and the [`error::render_errors`]
//! middleware. See `docs/ARCHITECTURE.md` for the request flow.

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use regioportal_domain::HostMap;
use regioportal_storage::Store;
use tokio::net::TcpListener;

pub mod api;
mod chrome;
pub mod ctx;
pub mod directory;
pub mod error;
pub mod events;
pub mod fetch;
pub mod i18n;
pub mod mail;
mod markdown;
pub mod metrics;
mod ops;
pub mod page_cache;
mod pages;
mod routes;
mod security;
pub mod services;
pub mod staff;

pub use routes::PUBLIC_PAGE_ROUTES;

/// The public base URL (`REGIOPORTAL_BASE_URL`), e.g. `https://regioportal.example`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Validates an origin: `http` or `https`, a host, an optional port, no path.
    pub fn parse(s: &str) -> Result<Self, String> {
        let s = s.trim().trim_end_matches('/');
        let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://")).ok_or_else(|| {
            format!("REGIOPORTAL_BASE_URL {s:?} must start with http:// or https://, e.g. https://regioportal.example")
        })?;
        let (host, port) = match rest.rsplit_once(':') {
            Some((h, p)) if !h.ends_with(']') || h.starts_with('[') => (h, Some(p)),
            _ => (rest, None),
        };
        let host_ok = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.[]:".contains(&b));
        let port_ok = port.is_none_or(|p| p.parse::<u16>().is_ok());
        if !host_ok || !port_ok || rest.contains('/') || rest.contains('?') {
            return Err(format!(
                "REGIOPORTAL_BASE_URL {s:?} is not an origin: give scheme, host and optional port without a path, e.g. https://regioportal.example"
            ));
        }
        Ok(Self(s.to_owned()))
    }

    /// Whether the portal is served over TLS (then cookies are `Secure` and HSTS is sent).
    pub fn is_https(&self) -> bool {
        self.0.starts_with("https://")
    }

    /// The origin without trailing slash.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// Settings of the web layer.
#[derive(Debug, Clone)]
pub struct WebConfig {
    /// Public base URL.
    pub base_url: BaseUrl,
    /// Optional host name per municipality.
    pub hosts: HostMap,
    /// Longest time a request may take before it is answered with 408.
    pub request_timeout: Duration,
    /// Largest request body accepted.
    pub body_limit: usize,
    /// Whether subscribed feeds may be fetched from private and loopback addresses (tests,
    /// intranets); off by default so that staff cannot make the server read internal services.
    pub allow_private_feeds: bool,
    /// The data folder (uploads).
    pub data_dir: std::path::PathBuf,
    /// Where mail goes.
    pub mail: mail::MailConfig,
    /// Reverse proxies whose `X-Forwarded-For` is believed (for throttling and the audit log).
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// Time limits of staff sessions.
    pub sessions: regioportal_storage::SessionPolicy,
    /// How long a public page is served from the page cache to visitors without a session
    /// (zero: never; see [`page_cache`]).
    pub page_cache_ttl: Duration,
    /// How long a signed-in session is taken from memory instead of the database (zero: never;
    /// see [`staff::session_cache`]).
    pub session_cache_ttl: Duration,
}

/// Shared state of all handlers.
#[derive(Clone, Debug)]
pub struct AppState(Arc<Inner>);

/// The inside of [`AppState`].
#[derive(Debug)]
pub struct Inner {
    /// The database.
    pub store: Store,
    /// Translations.
    pub i18n: i18n::I18n,
    /// Configuration.
    pub config: WebConfig,
    /// Request metrics.
    pub metrics: metrics::Metrics,
    /// The region and its municipalities, held in memory.
    pub directory: directory::Directory,
    /// The occurrences of the public calendar, held in memory.
    pub calendar: events::index::CalendarIndex,
    /// Rendered iCalendar feeds.
    pub feeds: events::feeds::FeedCache,
    /// The Bürgerservice directory, held in memory.
    pub services: services::CatalogCache,
    /// The site search.
    pub search: services::search::SiteSearch,
    /// Uploaded files (PDF forms), by content hash.
    pub files: Arc<dyn regioportal_storage::FileStore>,
    /// Whole public pages for visitors without a session.
    pub page_cache: page_cache::PageCache,
    /// Signed-in sessions with their accounts, briefly.
    pub sessions: staff::session_cache::SessionCache,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// Builds the state.
    pub fn new(store: Store, config: WebConfig) -> Result<Self, String> {
        Ok(Self(Arc::new(Inner {
            store,
            i18n: i18n::I18n::load()?,
            metrics: metrics::Metrics::default(),
            directory: directory::Directory::default(),
            calendar: events::index::CalendarIndex::default(),
            feeds: events::feeds::FeedCache::default(),
            services: services::CatalogCache::default(),
            search: services::search::SiteSearch::new()?,
            page_cache: page_cache::PageCache::new(config.page_cache_ttl),
            sessions: staff::session_cache::SessionCache::new(config.session_cache_ttl),
            files: Arc::new(
                regioportal_storage::DiskStore::new(config.data_dir.join("files")).map_err(|e| e.to_string())?,
            ),
            config,
        })))
    }

    /// Whether the calendar and search indexes are built (until then `/readyz` says
    /// "starting" and the start-up task keeps trying).
    pub fn indexes_built(&self) -> bool {
        self.calendar.versions().is_some() && self.search.is_built()
    }
}

/// The routed application (without host mapping; see [`serve`]).
pub fn router(state: AppState) -> Router {
    routes::router(state)
}

/// Builds the calendar and search indexes; false (after logging why) when one is not built yet.
/// A call can return without building (a request is building the calendar index meanwhile, and
/// may fail or be cancelled), so what counts is whether both are built afterwards.
async fn warm_indexes(state: &AppState) -> bool {
    let snap = match state.directory.get(&state.store).await {
        Ok(s) => s,
        Err(e) => {
            tracing::warn!(error = %e, "the municipalities could not be loaded yet");
            return false;
        }
    };
    let scopes: Vec<_> = snap.municipalities.iter().map(|m| m.scope().clone()).collect();
    if let Err(e) = state.calendar.ensure_fresh(&state.store, &scopes).await {
        tracing::warn!(error = %e, "the calendar index could not be built yet; the database answers instead");
        return false;
    }
    match state.services.get(&state.store, &snap).await {
        Ok(catalog) => match state.search.ensure_fresh(&state.store, &snap, &catalog).await {
            Ok(()) => state.indexes_built(),
            Err(e) => {
                tracing::warn!(error = ?e, "the search index could not be built yet");
                false
            }
        },
        Err(e) => {
            tracing::warn!(error = %e, "the Bürgerservice directory could not be loaded yet");
            false
        }
    }
}

/// Serves the portal on `listener` until `shutdown` resolves, then finishes requests in flight.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    use axum::ServiceExt as _;
    use tower::Layer as _;
    // Build the calendar and search indexes while the first requests are answered from the
    // database; /readyz says "starting" until both are built, so try until they are.
    let warm = state.clone();
    tokio::spawn(async move {
        let mut delay = std::time::Duration::from_millis(500);
        while !warm_indexes(&warm).await {
            tokio::time::sleep(delay).await;
            delay = (delay * 2).min(std::time::Duration::from_secs(30));
        }
    });
    // Poll subscribed organiser feeds.
    let poller = state.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(events::poll::TICK);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            events::poll::run_due(&poller).await;
        }
    });
    let app = tower::util::MapRequestLayer::new(security::host_mapper(state.clone())).layer(router(state));
    axum::serve(listener, app.into_make_service_with_connect_info::<std::net::SocketAddr>())
        .with_graceful_shutdown(shutdown)
        .await
}
