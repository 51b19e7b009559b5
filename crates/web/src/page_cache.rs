//! A short-lived cache of whole public pages for visitors without a session, like the page
//! cache of a CMS or a reverse proxy's micro-cache: a popular page (the home page, a calendar
//! shared on social media) is rendered once per [`PageCache::ttl`] instead of once per visitor.
//!
//! What keeps it correct:
//! - Only the routes [`crate::routes::cacheable`] names are cached, only for `GET` without
//!   cookies (except the `lang` choice, which is part of the key), without `Authorization`
//!   (an API token may see unpublished events) and without conditional or range headers; only
//!   `200` answers without `Set-Cookie` and with a body of known size up to [`MAX_BODY`].
//! - The key is the host, the path with the query, the language cookie and `Accept`: everything
//!   those handlers read from the request.
//! - Every state-changing request on this node (any method but `GET`, `HEAD`, `OPTIONS`)
//!   empties the cache once it is answered, so an editor sees their change at once; an entry
//!   rendered while a change was being committed is tagged with the older epoch and never
//!   served. Changes made elsewhere (another node, the command line, the feed poller) show
//!   within the TTL, on top of the delay the in-memory indexes already have.
//! - Pages that depend on the time (the calendar's "today") are at most TTL old.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;

/// Largest body kept (a calendar page of 100 events is about 30 KiB).
pub const MAX_BODY: usize = 256 * 1024;
/// Most bytes of bodies kept at once; when full, expired entries go, then everything.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;

#[derive(Debug)]
struct Entry {
    at: Instant,
    epoch: u64,
    headers: HeaderMap,
    body: Bytes,
}

#[derive(Debug, Default)]
struct Entries {
    map: HashMap<Box<str>, Arc<Entry>>,
    bytes: usize,
}

/// The cache (one per node).
#[derive(Debug)]
pub struct PageCache {
    ttl: Duration,
    epoch: AtomicU64,
    entries: RwLock<Entries>,
    hits: AtomicU64,
    misses: AtomicU64,
    size: AtomicUsize,
}

impl PageCache {
    /// A cache keeping pages for `ttl`; zero turns it off.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            epoch: AtomicU64::new(0),
            entries: RwLock::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            size: AtomicUsize::new(0),
        }
    }

    /// How long a page is kept.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// Forgets every page (a change was made on this node).
    pub fn invalidate(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut e) = self.entries.write() {
            *e = Entries::default();
        }
        self.size.store(0, Ordering::Relaxed);
    }

    /// Answers served from the cache, answers rendered for it, and bytes held (for `/metrics`).
    pub fn stats(&self) -> (u64, u64, usize) {
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed), self.size.load(Ordering::Relaxed))
    }

    fn lookup(&self, key: &str) -> Option<Arc<Entry>> {
        let entry = self.entries.read().ok()?.map.get(key).cloned()?;
        (entry.epoch == self.epoch.load(Ordering::Acquire) && entry.at.elapsed() < self.ttl).then_some(entry)
    }

    fn store(&self, key: Box<str>, entry: Entry) {
        let Ok(mut e) = self.entries.write() else { return };
        // Tagged with an epoch that is already over: a change was committed while it was rendered.
        if entry.epoch != self.epoch.load(Ordering::Acquire) {
            return;
        }
        let len = entry.body.len();
        if e.bytes + len > MAX_BYTES {
            let ttl = self.ttl;
            e.map.retain(|_, v| v.at.elapsed() < ttl);
            e.bytes = e.map.values().map(|v| v.body.len()).sum();
            if e.bytes + len > MAX_BYTES {
                *e = Entries::default();
            }
        }
        if let Some(old) = e.map.insert(key, Arc::new(entry)) {
            e.bytes -= old.body.len();
        }
        e.bytes += len;
        self.size.store(e.bytes, Ordering::Relaxed);
    }
}

/// The cache key, or `None` when this request must be answered by the handler.
fn key(req: &Request) -> Option<Box<str>> {
    let h = req.headers();
    if h.contains_key(header::AUTHORIZATION)
        || h.contains_key(header::IF_NONE_MATCH)
        || h.contains_key(header::IF_MODIFIED_SINCE)
        || h.contains_key(header::RANGE)
    {
        return None;
    }
    let mut lang = "";
    for value in h.get_all(header::COOKIE) {
        for cookie in value.to_str().ok()?.split(';').map(str::trim).filter(|c| !c.is_empty()) {
            // Any other cookie may be a session or a CSRF token the page would show.
            lang = cookie.strip_prefix("lang=")?;
        }
    }
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let accept = h.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("");
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    Some(format!("{host}\n{path}\n{lang}\n{accept}").into_boxed_str())
}

fn cacheable_route(req: &Request) -> bool {
    req.extensions().get::<MatchedPath>().is_some_and(|m| crate::routes::cacheable(m.as_str()))
}

/// The middleware: answers from the cache, keeps what may be kept, and empties the cache after
/// every state-changing request.
pub async fn layer(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let cache = &state.page_cache;
    let method = req.method().clone();
    if !matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) {
        let res = next.run(req).await;
        // After the answer: the change is committed (or failed; forgetting is harmless).
        cache.invalidate();
        return res;
    }
    if cache.ttl.is_zero() || method != Method::GET || !cacheable_route(&req) {
        return next.run(req).await;
    }
    let Some(key) = key(&req) else { return next.run(req).await };
    if let Some(hit) = cache.lookup(&key) {
        cache.hits.fetch_add(1, Ordering::Relaxed);
        let mut res = Response::new(Body::from(hit.body.clone()));
        *res.headers_mut() = hit.headers.clone();
        return res;
    }
    let epoch = cache.epoch.load(Ordering::Acquire);
    let at = Instant::now();
    let res = next.run(req).await;
    let size = axum::body::HttpBody::size_hint(res.body()).exact();
    let keep = res.status() == StatusCode::OK
        && !res.headers().contains_key(header::SET_COOKIE)
        && size.is_some_and(|n| n as usize <= MAX_BODY)
        && !res
            .headers()
            .get(header::CACHE_CONTROL)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("no-store") || v.contains("private"));
    if !keep {
        return res;
    }
    cache.misses.fetch_add(1, Ordering::Relaxed);
    let (parts, body) = res.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "a page's body could not be read");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    cache.store(key, Entry { at, epoch, headers: parts.headers.clone(), body: body.clone() });
    Response::from_parts(parts, Body::from(body))
}
