//! A short-lived cache of whole public pages for visitors without a session, like the page
//! cache of a CMS or a reverse proxy's micro-cache: a popular page (the home page, a calendar
//! shared on social media) is rendered once per [`PageCache::ttl`] instead of once per visitor.
//!
//! What keeps it correct:
//! - Only the routes [`crate::routes::cacheable`] names are cached, only for `GET` without
//!   cookies (except the `lang` choice, which is part of the key), without `Authorization`
//!   (an API token may see unpublished events) and without conditional or range headers; only
//!   `200` answers without `Set-Cookie` and with a body of known size up to [`MAX_BODY`].
//! - The key is the host, the path with the query and the language of the `lang` cookie:
//!   everything those handlers read from the request (`Accept` only shapes error answers,
//!   which are not kept). Two `lang` cookies, or a key over [`MAX_KEY`], bypass the cache.
//! - Every state-changing request on this node (any method but `GET`, `HEAD`, `OPTIONS`) that
//!   is not refused as a client error empties the cache once it is answered — or when it is
//!   given up (timeout, panic, closed connection) — so an editor sees their change at once.
//!   The same moment empties the session cache ([`crate::staff::session_cache`]).
//!   Entries are also stamped with the store's local change counters of events and the
//!   directory, which this node's background work (the feed poller) raises too. An entry
//!   rendered while a change was being committed carries the older stamp and is never served.
//!   Changes made by other nodes or the command line show within the TTL, on top of the delay
//!   the in-memory indexes already have.
//! - Pages that depend on the time (the calendar's "today") are at most TTL old.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderMap, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use regioportal_domain::Locale;

use crate::AppState;

/// Largest body kept (a calendar page of 100 events is about 30 KiB).
pub const MAX_BODY: usize = 256 * 1024;
/// Most bytes kept at once (keys, headers and bodies); when full, expired entries go, then
/// everything.
pub const MAX_BYTES: usize = 8 * 1024 * 1024;
/// Longest key (host, path and query) kept.
pub const MAX_KEY: usize = 2048;

/// What an entry was rendered after: the cache's own epoch and the store's local change
/// counters (events, directory).
type Stamp = (u64, u64, u64);

#[derive(Debug)]
struct Entry {
    at: Instant,
    stamp: Stamp,
    headers: HeaderMap,
    body: Bytes,
    /// Bytes counted against [`MAX_BYTES`].
    size: usize,
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
        }
    }

    /// Forgets every page (a change was made on this node).
    pub fn invalidate(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut e) = self.entries.write() {
            *e = Entries::default();
        }
    }

    /// Answers served from the cache, answers rendered for it, and bytes held (for `/metrics`).
    pub fn stats(&self) -> (u64, u64, usize) {
        let bytes = self.entries.read().map_or(0, |e| e.bytes);
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed), bytes)
    }

    fn stamp(&self, store: &regioportal_storage::Store) -> Stamp {
        (self.epoch.load(Ordering::Acquire), store.events().local_version(), store.directory().local_version())
    }

    fn lookup(&self, key: &str, stamp: Stamp) -> Option<Arc<Entry>> {
        let entry = self.entries.read().ok()?.map.get(key).cloned()?;
        (entry.stamp == stamp && entry.at.elapsed() < self.ttl).then_some(entry)
    }

    fn store(&self, key: Box<str>, entry: Entry, now: Stamp) {
        let Ok(mut e) = self.entries.write() else { return };
        // Stamped before a change that is committed by now: it may show the old state.
        if entry.stamp != now {
            return;
        }
        let len = entry.size;
        if e.bytes + len > MAX_BYTES {
            let ttl = self.ttl;
            e.map.retain(|_, v| v.at.elapsed() < ttl && v.stamp == now);
            e.bytes = e.map.values().map(|v| v.size).sum();
            if e.bytes + len > MAX_BYTES {
                *e = Entries::default();
            }
        }
        if let Some(old) = e.map.insert(key, Arc::new(entry)) {
            e.bytes -= old.size;
        }
        e.bytes += len;
        self.misses.fetch_add(1, Ordering::Relaxed);
    }
}

/// Empties the page cache and the session cache ([`crate::staff::session_cache`]) when
/// dropped, if still asked to.
struct Forget<'a>(&'a crate::Inner, bool);

impl Drop for Forget<'_> {
    fn drop(&mut self) {
        if self.1 {
            self.0.page_cache.invalidate();
            self.0.sessions.invalidate();
        }
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
    let mut lang = None;
    for value in h.get_all(header::COOKIE) {
        for cookie in value.to_str().ok()?.split(';').map(str::trim).filter(|c| !c.is_empty()) {
            // Any other cookie may be a session or a CSRF token the page would show; of two
            // `lang` cookies the page uses the first, which a key could get wrong.
            if lang.replace(cookie.strip_prefix("lang=")?).is_some() {
                return None;
            }
        }
    }
    // The language the page is rendered in (`ctx`), not the cookie's raw text.
    let lang = lang.and_then(Locale::from_tag).map_or("", Locale::tag);
    let host = h.get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or("");
    let path = req.uri().path_and_query().map_or("/", |p| p.as_str());
    if host.len() + path.len() > MAX_KEY {
        return None;
    }
    Some(format!("{host}\n{path}\n{lang}").into_boxed_str())
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
        // After the answer, when the change is committed; also when the request is given up
        // half-way (a grouped write still commits). Not after a refusal (4xx): nothing changed,
        // and anyone could otherwise switch the cache off with bad requests.
        let mut forget = Forget(&state, true);
        let res = next.run(req).await;
        forget.1 = !res.status().is_client_error();
        return res;
    }
    if cache.ttl.is_zero() || method != Method::GET || !cacheable_route(&req) {
        return next.run(req).await;
    }
    let Some(key) = key(&req) else { return next.run(req).await };
    let stamp = cache.stamp(&state.store);
    if let Some(hit) = cache.lookup(&key, stamp) {
        cache.hits.fetch_add(1, Ordering::Relaxed);
        let mut res = Response::new(Body::from(hit.body.clone()));
        *res.headers_mut() = hit.headers.clone();
        return res;
    }
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
    let (parts, body) = res.into_parts();
    let body = match axum::body::to_bytes(body, MAX_BODY).await {
        Ok(b) => b,
        Err(e) => {
            tracing::error!(error = %e, "a page's body could not be read");
            return StatusCode::INTERNAL_SERVER_ERROR.into_response();
        }
    };
    let size = key.len()
        + body.len()
        + parts.headers.iter().map(|(k, v)| k.as_str().len() + v.len() + 32).sum::<usize>()
        + std::mem::size_of::<Entry>();
    let entry = Entry { at, stamp, headers: parts.headers.clone(), body: body.clone(), size };
    cache.store(key, entry, cache.stamp(&state.store));
    Response::from_parts(parts, Body::from(body))
}
