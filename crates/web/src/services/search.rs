//! The site search: one box over services, life situations, offices, forms and current events,
//! on the German tantivy index of `regioportal-search`.
//!
//! The index is derived from the database, never the other way round. Directory documents are
//! replaced whenever the [`super::Catalog`] is rebuilt (a few hundred documents); events are
//! loaded once and then updated from `Events::changed_since`, like the calendar index — so a
//! change on any node shows in the search within about a second.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::HeaderMap;
use axum::response::{Html, IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use regioportal_domain::services::ServiceField;
use regioportal_search::{DocKind, SearchDoc, SearchIndex, SearchQuery};

use crate::events::index::{Patience, refresh_turn};
use regioportal_storage::{EventRecord, MunicipalityRecord, Store, TenantScope};
use serde::Deserialize;

use super::Catalog;
use super::pages::{office_href, service_href};
use crate::AppState;
use crate::chrome::{Chrome, Link};
use crate::ctx::RequestCtx;
use crate::directory::Snapshot;
use crate::error::AppError;

/// Synonym groups of the region: a query word also finds the other words of its group.
/// Citizens' words first, the administration's after.
const SYNONYMS: &[&[&str]] = &[
    &["auto", "kfz", "fahrzeug", "pkw", "wagen", "kraftfahrzeug"],
    &["anmelden", "zulassen", "zulassung", "anmeldung"],
    &["ummelden", "ummeldung", "umzug", "wohnsitz", "meldebehoerde"],
    &["ausweis", "personalausweis", "perso"],
    &["pass", "reisepass"],
    &["fuehrerschein", "fahrerlaubnis"],
    &["heirat", "heiraten", "eheschliessung", "hochzeit", "trauung"],
    &["baby", "geburt", "geburtsurkunde"],
    &["tod", "todesfall", "sterbefall", "sterbeurkunde"],
    &["kita", "kindergarten", "krippe", "kindertagesstaette"],
    &["muell", "abfall", "sperrmuell"],
    &["hund", "hundesteuer"],
    &["gewerbe", "gewerbeanmeldung", "firma", "selbststaendig"],
    &["bauen", "baugenehmigung", "bauantrag"],
    &["angeln", "fischereischein"],
    &["parken", "parkausweis", "bewohnerparkausweis"],
];

/// What the index was last brought up to.
#[derive(Debug, Default)]
struct Marks {
    catalog: Option<(i64, u64)>,
    events_built: bool,
    events_version: i64,
    events_local: u64,
    watermark: Option<DateTime<Utc>>,
    events: u64,
    polled: Option<std::time::Instant>,
    /// The day boundary the indexed events end after (see `refresh_events`).
    since: Option<DateTime<Utc>>,
    /// When each indexed event last changed (Unix microseconds): a refresh re-reads the last
    /// seconds before the previous one, and what is indexed as it is need not be indexed again.
    indexed: HashMap<i64, i64>,
}

/// The search index with what it reflects.
pub struct SiteSearch {
    index: SearchIndex,
    marks: Mutex<Marks>,
    refresh: Arc<tokio::sync::Mutex<()>>,
}

/// A request's turn to refresh the search index (see [`SiteSearch::turn`]).
#[derive(Debug)]
pub struct SearchTurn {
    _guard: tokio::sync::OwnedMutexGuard<()>,
}

impl std::fmt::Debug for SiteSearch {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SiteSearch").field("documents", &self.index.len()).finish()
    }
}

impl SiteSearch {
    /// An empty index with the region's synonyms.
    pub fn new() -> Result<Self, String> {
        let index = SearchIndex::new().map_err(|e| format!("the search index cannot be created: {e}"))?;
        index.set_synonyms(SYNONYMS.iter().map(|g| g.iter().map(|w| (*w).to_owned()).collect()).collect());
        Ok(Self { index, marks: Mutex::default(), refresh: Arc::default() })
    }

    /// Whether the index holds the catalogue and the events (built once after start).
    pub fn is_built(&self) -> bool {
        self.marks.lock().is_ok_and(|m| m.events_built && m.catalog.is_some())
    }

    /// (catalogue indexed, this node's events indexed, events to look at).
    fn due(&self, store: &Store, catalog: &Catalog) -> Result<(bool, bool, bool), AppError> {
        let m = self.marks.lock().map_err(|_| poisoned())?;
        let catalog_ok = m.catalog == Some((catalog.version, catalog.local));
        let local_stale = !m.events_built || m.events_local != store.events().local_version();
        let poll_due = m.polled.is_none_or(|t| t.elapsed() >= super::POLL);
        Ok((catalog_ok, local_stale, local_stale || poll_due))
    }

    /// The index, brought up to date with the catalog and the events first:
    /// [`turn`](Self::turn), then [`refresh`](Self::refresh). Requests call them through
    /// [`fresh_search`], which runs the refresh in a task of its own.
    pub async fn ensure_fresh(&self, store: &Store, snap: &Snapshot, catalog: &Catalog) -> Result<(), AppError> {
        match self.turn(store, catalog).await? {
            Some(turn) => self.refresh(turn, store, snap, catalog).await,
            None => Ok(()),
        }
    }

    /// The turn to refresh the index when it is due; `None` when it is current, or when
    /// another request is refreshing it and this one need not wait (see [`Patience`]).
    pub async fn turn(&self, store: &Store, catalog: &Catalog) -> Result<Option<SearchTurn>, AppError> {
        let (catalog_ok, local_stale, events_due) = self.due(store, catalog)?;
        if catalog_ok && !events_due {
            return Ok(None);
        }
        // Only the look for other nodes' changes is due: while another request is refreshing
        // (after a mass import, seconds), answer from the index as it is. This node's events:
        // wait briefly. A changed catalog: wait (it is indexed in milliseconds).
        let patience = match (catalog_ok, local_stale) {
            (true, false) => Patience::None,
            (true, true) => Patience::Brief,
            (false, _) => Patience::Full,
        };
        Ok(refresh_turn(&self.refresh, patience).await.map(|guard| SearchTurn { _guard: guard }))
    }

    /// Brings in the catalogue and the events, as far as another refresh has not while the
    /// turn was awaited.
    pub async fn refresh(
        &self,
        turn: SearchTurn,
        store: &Store,
        snap: &Snapshot,
        catalog: &Catalog,
    ) -> Result<(), AppError> {
        let _turn = turn;
        let (catalog_ok, _, events_due) = self.due(store, catalog)?;
        if !catalog_ok {
            self.index_catalog(catalog).map_err(search_error)?;
            self.marks.lock().map_err(|_| poisoned())?.catalog = Some((catalog.version, catalog.local));
        }
        if events_due {
            self.refresh_events(store, snap).await?;
        }
        Ok(())
    }

    fn index_catalog(&self, c: &Catalog) -> Result<(), regioportal_search::SearchError> {
        // A municipality's own name and synonyms of a service find it too (the page then
        // shows the municipality's text).
        let mut local_terms: HashMap<i64, Vec<String>> = HashMap::new();
        for ((_, service_id), part) in &c.locals {
            for field in [ServiceField::Name, ServiceField::Synonyms] {
                if let Some(text) = part.overrides.get(field) {
                    let terms = text.lines().map(str::trim).filter(|t| !t.is_empty()).map(str::to_owned);
                    local_terms.entry(*service_id).or_default().extend(terms);
                }
            }
        }
        let services = c.services.iter().map(|s| SearchDoc {
            kind: DocKind::Service,
            key: format!("service:{}", s.id),
            municipality: None,
            title: s.content.name.clone(),
            keywords: s
                .content
                .synonyms
                .iter()
                .cloned()
                .chain(s.leika.iter().map(|k| k.as_str().to_owned()))
                .chain(local_terms.get(&s.id).into_iter().flatten().cloned())
                .collect(),
            body: [
                s.content.summary.as_str(),
                &s.content.description,
                &s.content.procedure,
                &s.content.documents.join(". "),
            ]
            .join("\n"),
            subtitle: s.content.summary.clone(),
            url: service_href(None, s),
        });
        self.index.replace_kind(DocKind::Service, services)?;
        let life = c.life_situations.iter().map(|l| SearchDoc {
            kind: DocKind::LifeSituation,
            key: format!("life:{}", l.id),
            municipality: None,
            title: l.name.clone(),
            keywords: l.name_en.iter().cloned().collect(),
            body: l.summary.clone(),
            subtitle: l.summary.clone(),
            url: format!("/buergerservice/lebenslagen/{}", l.slug),
        });
        self.index.replace_kind(DocKind::LifeSituation, life)?;
        let offices = c.offices.values().map(|o| SearchDoc {
            kind: DocKind::Office,
            key: format!("office:{}", o.id),
            municipality: Some(o.municipality.as_str().to_owned()),
            title: o.name.clone(),
            keywords: o.contacts.iter().map(|k| k.function.clone()).collect(),
            body: format!("{} {} {}. {}", o.street, o.postcode, o.city, o.accessibility),
            subtitle: format!("{}, {} {}", o.street, o.postcode, o.city),
            url: office_href(o),
        });
        self.index.replace_kind(DocKind::Office, offices)?;
        let forms = c.forms.values().flatten().filter_map(|f| {
            let s = c.service_by_id(f.service_id)?;
            Some(SearchDoc {
                kind: DocKind::Form,
                key: format!("form:{}", f.id),
                municipality: f.municipality.as_ref().map(|m| m.as_str().to_owned()),
                title: f.title.clone(),
                keywords: vec![s.content.name.clone()],
                body: format!("{} – {}", s.content.name, s.content.summary),
                subtitle: format!("{} · {}", super::file_label(f.size), s.content.name),
                url: super::form_href(f),
            })
        });
        self.index.replace_kind(DocKind::Form, forms)
    }

    async fn refresh_events(&self, store: &Store, snap: &Snapshot) -> Result<(), AppError> {
        let events = store.events();
        let scopes: Vec<TenantScope> = snap.municipalities.iter().map(|m| m.scope().clone()).collect();
        let (built, version_seen, watermark, since_seen) = {
            let mut m = self.marks.lock().map_err(|_| poisoned())?;
            m.polled = Some(std::time::Instant::now());
            (m.events_built, m.events_version, m.watermark, m.since)
        };
        let version = events.version().await?;
        let local = events.local_version();
        // Events stay findable until the day after they end. A boundary fixed for the day: one
        // that moved with the clock let an event end between two looks every few minutes, and
        // the count no longer matched, which rebuilt the whole index each time.
        let yesterday = crate::events::today().pred_opt().unwrap_or(NaiveDate::MIN);
        let since = crate::events::local_midnight(yesterday).unwrap_or_else(|| Utc::now() - Duration::days(1));
        // A new day drops the events that ended the day before yesterday: a rebuild.
        let same_day = since_seen == Some(since);
        if built && version == version_seen && same_day {
            self.marks.lock().map_err(|_| poisoned())?.events_local = local;
            return Ok(());
        }
        let started = Utc::now();
        if let (true, true, Some(watermark)) = (built, same_day, watermark) {
            // What is indexed as it is (the window re-reads the seconds before the last look)
            // is not read again.
            let indexed_at = |id: i64, at: DateTime<Utc>| {
                self.marks.lock().is_ok_and(|m| m.indexed.get(&id) == Some(&at.timestamp_micros()))
            };
            // A part at a time, each in one commit (a node catching up with a mass import
            // never holds all of it).
            let mut failed = None;
            let apply = |changed: Vec<(i64, Option<EventRecord>)>| {
                let (mut docs, mut gone, mut stamps) = (Vec::new(), Vec::new(), Vec::new());
                for (id, e) in &changed {
                    match e.as_ref().filter(|e| ends_after(e, since)) {
                        Some(e) => {
                            docs.push(event_doc(e));
                            stamps.push((*id, Some(e.updated_at.timestamp_micros())));
                        }
                        None => {
                            gone.push(format!("event:{id}"));
                            stamps.push((*id, None));
                        }
                    }
                }
                drop(changed);
                match self.index.apply(docs, gone) {
                    Err(e) => {
                        // The rest is not read: the next look starts from the marks again.
                        failed = Some(e);
                        std::ops::ControlFlow::Break(())
                    }
                    Ok(()) => {
                        if let Ok(mut m) = self.marks.lock() {
                            for (id, at) in stamps {
                                match at {
                                    Some(at) => m.indexed.insert(id, at),
                                    None => m.indexed.remove(&id),
                                };
                            }
                        }
                        std::ops::ControlFlow::Continue(())
                    }
                }
            };
            let count = events.changed_since(&scopes, watermark, since, indexed_at, apply).await?;
            if let Some(e) = failed {
                return Err(search_error(e));
            }
            let indexed = u64::try_from(self.count_events()).unwrap_or(0);
            if indexed == count {
                let mut m = self.marks.lock().map_err(|_| poisoned())?;
                m.events_version = version;
                m.events_local = local;
                m.watermark = Some(started - Duration::seconds(2));
                m.events = count;
                return Ok(());
            }
            // A deletion: load them all again. The marks stay behind until that succeeds, so
            // that a failed or interrupted rebuild is tried again at the next look.
        }
        // One batch at a time into the index: the documents of 100,000 events never sit in
        // memory together. Searches see the old set until the commit.
        let mut rebuild = self.index.rebuild(DocKind::Event).map_err(search_error)?;
        let (mut n, mut after) = (0, 0);
        let mut stamps = HashMap::new();
        loop {
            let (batch, last) = events.public_batch(&scopes, since, after, 2000).await?;
            let Some(last) = last else { break };
            after = last;
            let docs: Vec<SearchDoc> = batch
                .iter()
                .filter(|e| ends_after(e, since))
                .inspect(|e| {
                    stamps.insert(e.id, e.updated_at.timestamp_micros());
                })
                .map(event_doc)
                .collect();
            drop(batch);
            n += docs.len();
            rebuild.add(docs).map_err(search_error)?;
        }
        rebuild.commit().map_err(search_error)?;
        tracing::debug!(events = n, bytes = self.index.bytes(), "search index built");
        let mut m = self.marks.lock().map_err(|_| poisoned())?;
        m.indexed = stamps;
        m.since = Some(since);
        m.events_built = true;
        m.events_version = version;
        m.events_local = local;
        m.watermark = Some(started - Duration::seconds(2));
        m.events = u64::try_from(n).unwrap_or(0);
        Ok(())
    }

    fn count_events(&self) -> usize {
        self.index.count(DocKind::Event)
    }

    /// Searches.
    pub fn search(&self, q: &SearchQuery<'_>) -> Result<regioportal_search::SearchResults, AppError> {
        self.index.search(q).map_err(AppError::internal)
    }
}

fn ends_after(e: &EventRecord, since: DateTime<Utc>) -> bool {
    e.draft.timing.span(&e.draft.overrides).1.is_none_or(|end| end > since)
}

fn event_doc(e: &EventRecord) -> SearchDoc {
    let d = &e.draft;
    SearchDoc {
        kind: DocKind::Event,
        key: format!("event:{}", e.id),
        municipality: Some(e.municipality.as_str().to_owned()),
        title: d.title.clone(),
        keywords: d.categories.iter().map(|c| c.name(regioportal_domain::Locale::De).to_owned()).collect(),
        body: format!("{}\n{} {}", d.description, d.venue.name, d.venue.place.clone().unwrap_or_default()),
        subtitle: d.venue.one_line(),
        url: crate::events::event_href(&e.municipality, e.id),
    }
}

fn poisoned() -> AppError {
    AppError::bug("the search index lock is poisoned")
}

fn search_error(e: regioportal_search::SearchError) -> AppError {
    AppError::bug(format!("the search index failed: {e}"))
}

/// Brings the search index up to date (see [`SiteSearch::ensure_fresh`]): the request waits
/// for its turn itself, the work runs [`crate::events::index::detached`], so that it outlives
/// a request that is given up.
pub async fn fresh_search(state: &AppState, snap: &Arc<Snapshot>, catalog: &Arc<Catalog>) -> Result<(), AppError> {
    let Some(turn) = state.search.turn(&state.store, catalog).await? else { return Ok(()) };
    let (state, snap, catalog) = (state.clone(), snap.clone(), catalog.clone());
    crate::events::index::detached(
        "search",
        async move { state.search.refresh(turn, &state.store, &snap, &catalog).await },
    )
    .await
}

/// The ids of the services matching `q`, best first (for the API).
pub async fn service_hits(
    state: &AppState,
    snap: &Arc<Snapshot>,
    m: Option<&MunicipalityRecord>,
    q: &str,
    limit: usize,
) -> Result<Vec<i64>, AppError> {
    let catalog = state.services.get(&state.store, snap).await?;
    fresh_search(state, snap, &catalog).await?;
    let slug = m.map(|m| m.slug().as_str().to_owned());
    let related: Vec<&str> = m.and_then(|m| m.parent.as_ref()).map(|p| p.as_str()).into_iter().collect();
    let r = state.search.search(&SearchQuery {
        text: q,
        municipality: slug.as_deref(),
        related: &related,
        kinds: &[DocKind::Service],
        limit,
        offset: 0,
    })?;
    Ok(r.hits.iter().filter_map(|h| h.key.strip_prefix("service:").and_then(|i| i.parse().ok())).collect())
}

/// The query of the search page.
#[derive(Debug, Default, Deserialize)]
pub struct SearchParams {
    q: Option<String>,
    art: Option<String>,
    seite: Option<usize>,
}

/// One result as shown.
pub struct ResultView {
    kind: String,
    title: String,
    href: String,
    subtitle: String,
    fragments: Vec<(String, bool)>,
    municipality: Option<String>,
}

#[derive(Template)]
#[template(path = "services/search.html")]
struct SearchView<'a> {
    chrome: Chrome<'a>,
    action: String,
    q: String,
    kinds: Vec<(String, String, bool)>,
    results: Vec<ResultView>,
    summary: String,
    prev: Option<String>,
    next: Option<String>,
}

const PER_PAGE: usize = 20;

/// `GET /buergerservice/suche`.
pub async fn region_search(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    Query(p): Query<SearchParams>,
) -> Result<Response, AppError> {
    search_page(state, ctx, headers, None, p).await
}

/// `GET /{municipality}/buergerservice/suche`.
pub async fn municipality_search(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    Path(slug): Path<String>,
    Query(p): Query<SearchParams>,
) -> Result<Response, AppError> {
    search_page(state, ctx, headers, Some(slug), p).await
}

fn kind_label(t: &crate::i18n::Tr<'_>, k: DocKind) -> String {
    t.get(match k {
        DocKind::Service => "search-kind-service",
        DocKind::LifeSituation => "search-kind-life",
        DocKind::Office => "search-kind-office",
        DocKind::Form => "search-kind-form",
        DocKind::Event => "search-kind-event",
    })
}

async fn search_page(
    state: AppState,
    ctx: RequestCtx,
    headers: HeaderMap,
    slug: Option<String>,
    p: SearchParams,
) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let catalog = state.services.get(&state.store, &snap).await?;
    let m = match slug.as_deref() {
        Some(s) => Some(snap.by_slug(s).ok_or(AppError::NotFound)?),
        None => None,
    };
    // Without a municipality in the path, the remembered place ranks its municipality first.
    let citizen = m.map(|m| m.slug().clone()).or_else(|| {
        super::pages::remembered_place(&headers).and_then(|r| match super::whereabouts(&catalog, &snap, &r) {
            super::Whereabouts::Known(c) => Some(c.municipality),
            _ => None,
        })
    });
    let citizen_record = citizen.as_ref().and_then(|c| snap.by_slug(c.as_str()));
    fresh_search(&state, &snap, &catalog).await?;
    let t = state.i18n.tr(ctx.locale);
    let q = p.q.clone().unwrap_or_default();
    let art = p.art.clone().unwrap_or_default();
    let kind = DocKind::parse(&art);
    let kinds_filter: Vec<DocKind> = kind.into_iter().collect();
    let page = p.seite.unwrap_or(1).clamp(1, 50);
    let related: Vec<&str> = citizen_record.and_then(|m| m.parent.as_ref()).map(|p| p.as_str()).into_iter().collect();
    let results = if q.trim().is_empty() {
        None
    } else {
        Some(state.search.search(&SearchQuery {
            text: &q,
            municipality: citizen.as_ref().map(|c| c.as_str()),
            related: &related,
            kinds: &kinds_filter,
            limit: PER_PAGE,
            offset: (page - 1) * PER_PAGE,
        })?)
    };
    let base = m.map(|m| format!("/{}", m.slug())).unwrap_or_default();
    let action = format!("{base}/buergerservice/suche");
    let total = results.as_ref().map_or(0, |r| r.total);
    let results_view: Vec<ResultView> = results
        .map(|r| {
            r.hits
                .into_iter()
                .map(|mut h| {
                    // A service as the citizen's municipality words it.
                    let local = (h.kind == DocKind::Service)
                        .then(|| h.key.strip_prefix("service:").and_then(|i| i.parse::<i64>().ok()))
                        .flatten()
                        .and_then(|id| catalog.service_by_id(id))
                        .zip(citizen_record)
                        .map(|(s, m)| catalog.content_in(s, Some(m)));
                    if let Some(c) = local {
                        h.title = c.name;
                        h.subtitle = c.summary;
                    }
                    h
                })
                .map(|h| ResultView {
                    kind: kind_label(&t, h.kind),
                    // Services are shown as the citizen's municipality shows them.
                    href: match (h.kind, m) {
                        (DocKind::Service, Some(m)) => format!("/{}{}", m.slug(), h.url),
                        (DocKind::LifeSituation, Some(m)) => format!("/{}{}", m.slug(), h.url),
                        _ => h.url,
                    },
                    municipality: h.municipality.as_deref().and_then(|s| snap.by_slug(s)).map(|m| m.name.clone()),
                    title: h.title,
                    subtitle: h.subtitle,
                    fragments: h.snippet.fragments,
                })
                .collect()
        })
        .unwrap_or_default();
    let link = |page: usize| {
        format!(
            "{action}?q={}{}&seite={page}",
            crate::staff::encode_query(&q),
            if art.is_empty() { String::new() } else { format!("&art={art}") }
        )
    };
    let prev = (page > 1 && total > 0).then(|| link(page - 1));
    let next = (page * PER_PAGE < total).then(|| link(page + 1));
    let kinds = std::iter::once((String::new(), t.get("search-kind-all"), kind.is_none()))
        .chain(
            [DocKind::Service, DocKind::LifeSituation, DocKind::Office, DocKind::Form, DocKind::Event]
                .into_iter()
                .map(|k| (k.as_str().to_owned(), kind_label(&t, k), kind == Some(k))),
        )
        .collect();
    let summary = if q.trim().is_empty() {
        String::new()
    } else if total == 0 {
        t.get1("search-none", "q", q.trim())
    } else {
        t.get1("search-count", "count", &total.to_string())
    };
    let title =
        if q.trim().is_empty() { t.get("search-title") } else { format!("{} – {}", q.trim(), t.get("search-title")) };
    let mut chrome = match m {
        Some(m) => Chrome::municipality(&state, &ctx, &snap.region, m, title),
        None => Chrome::region(&state, &ctx, &snap.region, title),
    };
    chrome.breadcrumbs.push(Link {
        label: t.get("services-title"),
        href: format!("{base}/buergerservice"),
        current: false,
    });
    let view = SearchView { chrome, action, q, kinds, results: results_view, summary, prev, next };
    Ok(Html(view.render().map_err(AppError::internal)?).into_response())
}
