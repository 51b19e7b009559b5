//! The calendar index: every occurrence of every public event within a horizon around today,
//! held in memory and sorted by start, so that a window of the calendar is a binary search and
//! a short scan instead of a database query plus rule expansion per request.
//!
//! - **What it holds.** Per event a compact [`Summary`] (what lists show), per occurrence 40
//!   bytes. Occurrences longer than a day sit in a separate short list that every query scans,
//!   so that the sorted list can be entered one day before the window. An event with more than
//!   [`MAX_INDEXED`] occurrences in the horizon is expanded per query instead.
//! - **When it answers.** Windows inside the horizon without free text (`q`); everything else
//!   goes to the database path, which is correct for any window between 1900 and 2100. Both
//!   paths return the same items (a test compares them).
//! - **How it stays current.** Writes through this process's store are seen before the next
//!   query (a counter in the store); writes by other nodes through the shared `event_version`
//!   row, polled at most every [`POLL`]. Changed events are reloaded by `updated_at`; when the
//!   number of public events disagrees (a deletion), the index is rebuilt. It is rebuilt when
//!   the day changes, so the horizon moves with today.
//! - **What a refresh copies.** Not the index: the sorted [`Base`] is shared between
//!   snapshots, and the changes since it was made ([`Recent`]: new slots, removed slots, their
//!   occurrences, sorted) sit beside it until there are [`COMPACT_AFTER`] of them; then they
//!   are folded into a new base. Queries scan both.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use chrono::{DateTime, NaiveDate, NaiveDateTime, TimeZone as _, Utc};
use chrono_tz::Tz;
use regioportal_domain::Slug;
use regioportal_domain::events::{Category, Cursor, EventOccurrence, EventStatus, Venue};
use regioportal_domain::recurrence::Occurrence;
use regioportal_storage::{EventFilter, EventRecord, StorageError, Store, TenantScope};

/// How far back the horizon reaches.
pub const PAST_DAYS: i64 = 400;
/// How far ahead the horizon reaches.
pub const FUTURE_DAYS: i64 = 800;
/// The most occurrences one event may have in the index; denser events are expanded per query.
pub const MAX_INDEXED: usize = 5000;
/// How often the shared version is read at most.
pub const POLL: Duration = Duration::from_secs(1);

/// How long a request waits for another one that takes in this node's own changes before it
/// answers from the index as it is (a refresh after a single write takes a millisecond).
pub const LOCAL_WAIT: Duration = Duration::from_millis(50);

/// How long a request that finds an in-memory index (calendar, search) stale waits for its turn
/// to refresh it while another request is refreshing.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Patience {
    /// Not at all: answer from the index as it is (only other nodes' changes are due).
    None,
    /// [`LOCAL_WAIT`]: this node's own changes are due; after a mass write here that takes a
    /// second or more, the others answer from the index as it is instead of all queueing
    /// behind it (bench: closed-loop p99 of 0.4–1.9 s and 32 search timeouts after the write
    /// route).
    Brief,
    /// Until it is its turn.
    Full,
}

/// The turn to refresh an index, or `None` when the request should answer from the index as
/// it is. The guard is owned, so that the request can hand it to the task doing the work.
pub(crate) async fn refresh_turn(
    lock: &Arc<tokio::sync::Mutex<()>>,
    patience: Patience,
) -> Option<tokio::sync::OwnedMutexGuard<()>> {
    match patience {
        Patience::None => lock.clone().try_lock_owned().ok(),
        Patience::Brief => tokio::time::timeout(LOCAL_WAIT, lock.clone().lock_owned()).await.ok(),
        Patience::Full => Some(lock.clone().lock_owned().await),
    }
}

/// Runs an index refresh (`what`: "calendar", "search") in a task of its own and waits for it:
/// when the request is given up (the visitor leaves, the request timeout strikes), the work
/// still finishes instead of being thrown away and started again by the next visitor. Its
/// error is logged in the request's span also when nobody waits for the answer any more.
pub(crate) async fn detached<E>(
    what: &'static str,
    work: impl std::future::Future<Output = Result<(), E>> + Send + 'static,
) -> Result<(), crate::error::AppError>
where
    E: std::fmt::Debug + Send + 'static,
    crate::error::AppError: From<E>,
{
    use tracing::Instrument as _;
    let work = async move {
        let done = work.await;
        if let Err(e) = &done {
            tracing::warn!(error = ?e, index = what, "an index could not be refreshed");
        }
        done
    };
    tokio::spawn(work.instrument(tracing::Span::current()))
        .await
        .map_err(|e| crate::error::AppError::bug(format!("the {what} refresh stopped: {e}")))??;
    Ok(())
}

/// A request's turn to refresh the calendar index (see [`CalendarIndex::turn`]).
#[derive(Debug)]
pub struct CalendarTurn {
    _guard: tokio::sync::OwnedMutexGuard<()>,
    /// The shared version of the snapshot the request found stale.
    seen_version: i64,
    poll_due: bool,
}

/// What a list shows of an event.
#[derive(Debug, Clone)]
pub struct Summary {
    /// Id.
    pub id: i64,
    /// iCalendar UID.
    pub uid: Box<str>,
    /// Municipality (shared by the events of one municipality).
    pub municipality: Arc<Slug>,
    /// Title.
    pub title: Box<str>,
    /// Venue (shared by the events at the same venue).
    pub venue: Arc<Venue>,
    /// Free entry.
    pub free: bool,
    /// Status (published or cancelled).
    pub status: EventStatus,
    /// The event's zone.
    pub zone: Tz,
    /// All day.
    pub all_day: bool,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    municipality_id: i64,
    category_mask: u32,
}

/// Shares equal venues and municipality slugs between the summaries of the index: most events
/// of a region take place at a few hundred venues.
#[derive(Debug, Clone, Default)]
struct Interner {
    venues: HashMap<String, Arc<Venue>>,
    slugs: HashMap<String, Arc<Slug>>,
}

impl Interner {
    fn venue(&mut self, v: &Venue) -> Arc<Venue> {
        let a = &v.accessibility;
        let key = format!(
            "{}\u{1}{:?}\u{1}{:?}\u{1}{:?}\u{1}{:?}\u{1}{:?}\u{1}{}{}{}\u{1}{:?}",
            v.name,
            v.street,
            v.postcode,
            v.place,
            v.lat,
            v.lon,
            a.step_free,
            a.accessible_toilet,
            a.induction_loop,
            a.note
        );
        self.venues.entry(key).or_insert_with(|| Arc::new(v.clone())).clone()
    }

    fn slug(&mut self, s: &Slug) -> Arc<Slug> {
        self.slugs.entry(s.as_str().to_owned()).or_insert_with(|| Arc::new(s.clone())).clone()
    }
}

impl Summary {
    /// The summary of a stored event.
    pub fn of(e: &EventRecord, municipality_id: i64) -> Self {
        Self::with(e, municipality_id, &mut Interner::default())
    }

    fn with(e: &EventRecord, municipality_id: i64, interner: &mut Interner) -> Self {
        Self {
            id: e.id,
            uid: e.uid.as_str().into(),
            municipality: interner.slug(&e.municipality),
            title: e.draft.title.as_str().into(),
            venue: interner.venue(&e.draft.venue),
            free: e.draft.free,
            status: e.status,
            zone: e.draft.timing.zone(),
            all_day: e.draft.timing.all_day(),
            updated_at: e.updated_at,
            municipality_id,
            category_mask: mask(&e.draft.categories),
        }
    }

    /// The categories, in the order of the regional list (kept as a bit mask: there are
    /// 100,000 summaries).
    pub fn categories(&self) -> impl Iterator<Item = Category> + '_ {
        Category::ALL.iter().enumerate().filter(|(i, _)| self.category_mask & (1 << i) != 0).map(|(_, c)| *c)
    }

    /// `place_lc`: the place filter in lower case.
    fn matches(&self, f: &EventFilter, cat_mask: u32, place_lc: Option<&str>) -> bool {
        (cat_mask == 0 || self.category_mask & cat_mask != 0)
            && (!f.free_only || self.free)
            && (!f.accessible_only || self.venue.accessibility.step_free)
            && place_lc.is_none_or(|p| self.venue.place.as_ref().is_some_and(|x| x.to_lowercase() == p))
    }
}

fn mask(cats: &[Category]) -> u32 {
    cats.iter().fold(0, |m, c| m | 1 << Category::ALL.iter().position(|x| x == c).unwrap_or(31))
}

/// One occurrence, compact (24 bytes: there are hundreds of thousands).
#[derive(Debug, Clone, Copy)]
struct Occ {
    /// The instant it starts (Unix seconds).
    start: i64,
    /// Its length in seconds.
    len: u32,
    /// The RECURRENCE-ID (local wall time as seconds) minus `start`.
    rid_delta: i32,
    /// The slot of its event; the top bit says "cancelled".
    event_flags: u32,
    /// Its own title (index into the titles), or [`NO_TITLE`].
    title: u32,
}

const CANCELLED: u32 = 1 << 31;

impl Occ {
    /// `None` when a value does not fit (an occurrence longer than a century, or moved by
    /// more than 68 years): such an event is expanded per query instead.
    fn new(start: i64, end: i64, rid: i64, event: u32, title: u32, cancelled: bool) -> Option<Self> {
        let len = u32::try_from(end.checked_sub(start)?).ok()?;
        let rid_delta = i32::try_from(rid.checked_sub(start)?).ok()?;
        if event & CANCELLED != 0 {
            return None;
        }
        Some(Self { start, len, rid_delta, event_flags: event | if cancelled { CANCELLED } else { 0 }, title })
    }
    fn end(&self) -> i64 {
        self.start + i64::from(self.len)
    }
    fn rid(&self) -> i64 {
        self.start + i64::from(self.rid_delta)
    }
    fn event(&self) -> u32 {
        self.event_flags & !CANCELLED
    }
    fn cancelled(&self) -> bool {
        self.event_flags & CANCELLED != 0
    }
    fn key(&self, s: &Snapshot) -> (i64, i64, i64) {
        (self.start, s.summary(self.event()).map_or(0, |x| x.id), self.rid())
    }
}

const NO_TITLE: u32 = u32::MAX;

/// A page of a window: the occurrences with the summaries of their events.
#[derive(Debug, Default)]
pub struct WindowPage {
    /// Items, by start.
    pub items: Vec<(Arc<Summary>, EventOccurrence)>,
    /// The cursor of the next page.
    pub next: Option<Cursor>,
}

/// The large part of the index: sorted, shared by every snapshot until the next compaction,
/// so that a refresh copies only what changed since ([`Recent`]), not 100,000 events.
#[derive(Debug, Default)]
struct Base {
    /// By slot (the `event` of an occurrence); `None` for an event removed before this base.
    summaries: Vec<Option<Arc<Summary>>>,
    by_id: HashMap<i64, u32>,
    short: Vec<Occ>,
    long: Vec<Occ>,
    titles: Vec<String>,
}

/// What changed since the base was made: events added (in slots after the base's), slots
/// removed, and the added events' occurrences, sorted. Small; copied by each refresh.
#[derive(Debug, Default, Clone)]
struct Recent {
    summaries: Vec<Option<Arc<Summary>>>,
    by_id: HashMap<i64, u32>,
    removed: HashSet<u32>,
    short: Vec<Occ>,
    long: Vec<Occ>,
    titles: Vec<String>,
}

/// When the recent changes are folded into a new base: beyond this many occurrences or
/// removed events (a refresh then costs one sort of the whole index, as a build does).
const COMPACT_AFTER: usize = 20_000;

#[derive(Debug, Default)]
struct Snapshot {
    day: Option<NaiveDate>,
    from: i64,
    to: i64,
    base: Arc<Base>,
    recent: Recent,
    /// Events whose occurrences are expanded per query (too many to index).
    dense: HashMap<u32, Arc<EventRecord>>,
    /// Shared by the snapshots: venues and slugs only ever get added.
    interner: Arc<std::sync::Mutex<Interner>>,
    count: u64,
    watermark: Option<DateTime<Utc>>,
    version: i64,
    local: u64,
}

/// The index (see the module documentation).
#[derive(Debug, Default)]
pub struct CalendarIndex {
    current: RwLock<Arc<Snapshot>>,
    refresh: Arc<tokio::sync::Mutex<()>>,
    polled: std::sync::Mutex<Option<Instant>>,
}

fn naive_secs(t: NaiveDateTime) -> i64 {
    t.and_utc().timestamp()
}

fn secs_naive(s: i64) -> NaiveDateTime {
    DateTime::from_timestamp(s, 0).map(|t| t.naive_utc()).unwrap_or_default()
}

impl Snapshot {
    fn horizon(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        (
            DateTime::from_timestamp(self.from, 0).unwrap_or_default(),
            DateTime::from_timestamp(self.to, 0).unwrap_or_default(),
        )
    }

    /// The summary of a slot, unless the event was removed.
    fn summary(&self, slot: u32) -> Option<&Arc<Summary>> {
        if self.recent.removed.contains(&slot) {
            return None;
        }
        let base = self.base.summaries.len();
        match (slot as usize).checked_sub(base) {
            None => self.base.summaries[slot as usize].as_ref(),
            Some(i) => self.recent.summaries.get(i)?.as_ref(),
        }
    }

    /// The current slot of an event.
    fn slot_of(&self, id: i64) -> Option<u32> {
        let slot = self.recent.by_id.get(&id).or_else(|| self.base.by_id.get(&id)).copied()?;
        (!self.recent.removed.contains(&slot)).then_some(slot)
    }

    fn title(&self, index: u32) -> Option<&String> {
        let base = self.base.titles.len();
        match (index as usize).checked_sub(base) {
            None => self.base.titles.get(index as usize),
            Some(i) => self.recent.titles.get(i),
        }
    }

    /// Adds an event: its summary and its occurrences in the horizon (not yet sorted).
    fn add(&mut self, e: EventRecord, municipality_id: i64) {
        let slot = u32::try_from(self.base.summaries.len() + self.recent.summaries.len()).unwrap_or(u32::MAX);
        let summary = {
            let mut interner = self.interner.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            Summary::with(&e, municipality_id, &mut interner)
        };
        self.recent.summaries.push(Some(Arc::new(summary)));
        self.recent.by_id.insert(e.id, slot);
        let (from, to) = self.horizon();
        let first_title = self.base.titles.len();
        let recent = &mut self.recent;
        let compact = e.draft.timing.occurrences(&e.draft.overrides, from, to, MAX_INDEXED).ok().and_then(|list| {
            let titles = recent.titles.len();
            let occs: Option<Vec<Occ>> = list
                .into_iter()
                .map(|o| {
                    let (start, end) = bounds(&o.occurrence, e.draft.timing.zone());
                    let title = match o.title {
                        Some(t) => {
                            recent.titles.push(t);
                            u32::try_from(first_title + recent.titles.len() - 1).unwrap_or(NO_TITLE)
                        }
                        None => NO_TITLE,
                    };
                    Occ::new(start, end, naive_secs(o.recurrence_id), slot, title, o.cancelled)
                })
                .collect();
            if occs.is_none() {
                recent.titles.truncate(titles);
            }
            occs
        });
        match compact {
            Some(list) => {
                for occ in list {
                    if occ.len > 86_400 { self.recent.long.push(occ) } else { self.recent.short.push(occ) }
                }
            }
            None => {
                self.dense.insert(slot, Arc::new(e));
            }
        }
    }

    /// Removes an event: its slot is marked; its occurrences are skipped by every query (and
    /// dropped at the next compaction).
    fn remove(&mut self, id: i64) {
        if let Some(slot) = self.slot_of(id) {
            self.recent.removed.insert(slot);
            self.recent.by_id.remove(&id);
            self.dense.remove(&slot);
        }
    }

    /// Sorts the recent occurrences; folds them into a new base when they have grown.
    fn sort(&mut self) {
        let mut short = std::mem::take(&mut self.recent.short);
        let mut long = std::mem::take(&mut self.recent.long);
        short.sort_unstable_by_key(|o| o.key(self));
        long.sort_unstable_by_key(|o| o.key(self));
        self.recent.short = short;
        self.recent.long = long;
        let r = &self.recent;
        if r.short.len() + r.long.len() > COMPACT_AFTER || r.removed.len() > COMPACT_AFTER / 4 {
            self.compact();
        }
    }

    /// Folds the recent changes into a new base (the old one stays with the snapshots that
    /// still use it).
    fn compact(&mut self) {
        let recent = std::mem::take(&mut self.recent);
        let removed = |slot: u32| recent.removed.contains(&slot);
        let mut summaries: Vec<Option<Arc<Summary>>> =
            Vec::with_capacity(self.base.summaries.len() + recent.summaries.len());
        summaries.extend(self.base.summaries.iter().cloned());
        summaries.extend(recent.summaries.iter().cloned());
        for slot in &recent.removed {
            if let Some(x) = summaries.get_mut(*slot as usize) {
                *x = None;
            }
        }
        let mut by_id: HashMap<i64, u32> =
            self.base.by_id.iter().filter(|(_, slot)| !removed(**slot)).map(|(id, slot)| (*id, *slot)).collect();
        by_id.extend(recent.by_id.iter().map(|(id, slot)| (*id, *slot)));
        let merge = |a: &[Occ], b: &[Occ]| -> Vec<Occ> {
            let mut out = Vec::with_capacity(a.len() + b.len());
            out.extend(a.iter().chain(b).filter(|o| !removed(o.event())).copied());
            out
        };
        let mut titles = Vec::with_capacity(self.base.titles.len() + recent.titles.len());
        titles.extend(self.base.titles.iter().cloned());
        titles.extend(recent.titles.iter().cloned());
        let mut base = Base {
            summaries,
            by_id,
            short: merge(&self.base.short, &recent.short),
            long: merge(&self.base.long, &recent.long),
            titles,
        };
        let key = |o: &Occ| (o.start, base_id(&base.summaries, o.event()), o.rid());
        let mut short = std::mem::take(&mut base.short);
        let mut long = std::mem::take(&mut base.long);
        short.sort_unstable_by_key(key);
        long.sort_unstable_by_key(key);
        base.short = short;
        base.long = long;
        self.base = Arc::new(base);
    }

    fn occurrence(&self, o: &Occ) -> Option<(Arc<Summary>, EventOccurrence)> {
        let s = self.summary(o.event())?.clone();
        let occurrence = if s.all_day {
            let day = |t: i64| DateTime::from_timestamp(t, 0).map(|t| t.with_timezone(&s.zone).date_naive());
            Occurrence::AllDay { start: day(o.start)?, end: day(o.end())? }
        } else {
            Occurrence::Timed {
                start: s.zone.timestamp_opt(o.start, 0).single()?,
                end: s.zone.timestamp_opt(o.end(), 0).single()?,
            }
        };
        let title = (o.title != NO_TITLE).then(|| self.title(o.title).cloned()).flatten();
        Some((s, EventOccurrence { occurrence, recurrence_id: secs_naive(o.rid()), cancelled: o.cancelled(), title }))
    }
}

/// The event id of a slot of a base.
fn base_id(summaries: &[Option<Arc<Summary>>], slot: u32) -> i64 {
    summaries.get(slot as usize).and_then(Option::as_ref).map_or(0, |s| s.id)
}

fn bounds(o: &Occurrence, zone: Tz) -> (i64, i64) {
    match *o {
        Occurrence::Timed { start, end } => (start.timestamp(), end.timestamp()),
        Occurrence::AllDay { start, end } => {
            let mid = |d: NaiveDate| {
                zone.from_local_datetime(&d.and_time(chrono::NaiveTime::MIN)).earliest().map_or(0, |t| t.timestamp())
            };
            (mid(start), mid(end))
        }
    }
}

impl CalendarIndex {
    fn snapshot(&self) -> Arc<Snapshot> {
        self.current.read().map(|s| s.clone()).unwrap_or_default()
    }

    fn replace(&self, s: Snapshot) {
        if let Ok(mut c) = self.current.write() {
            *c = Arc::new(s);
        }
    }

    /// Builds the index from scratch.
    async fn build(&self, store: &Store, scopes: &[TenantScope], today: NaiveDate) -> Result<(), StorageError> {
        let events = store.events();
        let version = events.version().await?;
        let local = events.local_version();
        let from = super::local_midnight(today - chrono::Days::new(PAST_DAYS as u64)).unwrap_or_else(Utc::now);
        let to = super::local_midnight(today + chrono::Days::new(FUTURE_DAYS as u64)).unwrap_or_else(Utc::now);
        let mut s = Snapshot {
            day: Some(today),
            from: from.timestamp(),
            to: to.timestamp(),
            version,
            local,
            ..Snapshot::default()
        };
        let started = Utc::now();
        let mut after = 0;
        loop {
            let (batch, last) = events.public_batch(scopes, from, after, 2000).await?;
            let Some(last) = last else { break };
            after = last;
            for e in batch {
                let mid = scope_id(scopes, &e.municipality);
                s.add(e, mid);
                s.count += 1;
            }
        }
        s.sort();
        s.compact();
        // Changes during the build are picked up by the next refresh.
        s.watermark = Some(started - chrono::Duration::seconds(2));
        tracing::debug!(events = s.count, occurrences = s.base.short.len() + s.base.long.len(), "calendar index built");
        self.replace(s);
        Ok(())
    }

    /// Applies the changes since the last refresh; rebuilds when that is simpler.
    async fn update(&self, store: &Store, scopes: &[TenantScope], today: NaiveDate) -> Result<(), StorageError> {
        let old = self.snapshot();
        let (Some(day), Some(watermark)) = (old.day, old.watermark) else {
            return self.build(store, scopes, today).await;
        };
        if day != today {
            return self.build(store, scopes, today).await;
        }
        let events = store.events();
        let version = events.version().await?;
        let local = events.local_version();
        let started = Utc::now();
        let (from, _) = old.horizon();
        let indexed_at = |id: i64, at: DateTime<Utc>| {
            old.slot_of(id).and_then(|slot| old.summary(slot)).is_some_and(|x| x.updated_at == at)
        };
        // The base is shared, only the recent changes are copied.
        let mut s = Snapshot {
            day: old.day,
            from: old.from,
            to: old.to,
            base: old.base.clone(),
            recent: old.recent.clone(),
            dense: old.dense.clone(),
            interner: old.interner.clone(),
            count: old.count,
            watermark: Some(started - chrono::Duration::seconds(2)),
            version,
            local,
        };
        let apply = |changed: Vec<(i64, Option<EventRecord>)>| {
            for (id, rec) in changed {
                if s.slot_of(id).is_some() {
                    s.remove(id);
                    s.count -= 1;
                }
                if let Some(e) = rec {
                    let mid = scope_id(scopes, &e.municipality);
                    s.add(e, mid);
                    s.count += 1;
                }
            }
            std::ops::ControlFlow::Continue(())
        };
        let count = events.changed_since(scopes, watermark, from, indexed_at, apply).await?;
        if s.count != count {
            // A deletion (or an event that ended before the horizon): start over.
            return self.build(store, scopes, today).await;
        }
        s.sort();
        self.replace(s);
        Ok(())
    }

    fn due(&self, store: &Store, snap: &Snapshot, today: NaiveDate) -> (bool, bool) {
        let local_stale = snap.day.is_none() || snap.local != store.events().local_version() || snap.day != Some(today);
        let poll_due = self.polled.lock().map(|p| p.is_none_or(|t| t.elapsed() >= POLL)).unwrap_or(true);
        (local_stale, poll_due)
    }

    /// Makes sure the index reflects every change this process made, and (at most every
    /// [`POLL`]) the changes of other nodes: [`turn`](Self::turn), then
    /// [`refresh`](Self::refresh). Requests call them through [`super::fresh_calendar`], which
    /// runs the refresh in a task of its own.
    pub async fn ensure_fresh(&self, store: &Store, scopes: &[TenantScope]) -> Result<(), StorageError> {
        match self.turn(store).await? {
            Some(turn) => self.refresh(turn, store, scopes).await,
            None => Ok(()),
        }
    }

    /// The turn to refresh the index when it is due: at once when the index is current or
    /// another request is refreshing it and this one need not wait (see [`Patience`]); `None`
    /// then, and the request answers from the index as it is.
    pub async fn turn(&self, store: &Store) -> Result<Option<CalendarTurn>, StorageError> {
        let today = super::today();
        let snap = self.snapshot();
        let (local_stale, poll_due) = self.due(store, &snap, today);
        if !local_stale && !poll_due {
            return Ok(None);
        }
        if !local_stale {
            if let Ok(mut p) = self.polled.lock() {
                *p = Some(Instant::now());
            }
            if store.events().version().await? == snap.version {
                return Ok(None);
            }
        }
        // Not built yet: whoever builds it, the others are answered from the database meanwhile
        // rather than waiting seconds for a large calendar. Only other nodes' changes to take
        // in: the others answer from the index as it is (after a mass import elsewhere).
        let patience = if snap.day.is_none() || !local_stale { Patience::None } else { Patience::Brief };
        let Some(guard) = refresh_turn(&self.refresh, patience).await else { return Ok(None) };
        Ok(Some(CalendarTurn { _guard: guard, seen_version: snap.version, poll_due }))
    }

    /// Takes in what changed since the snapshot the turn was taken for.
    pub async fn refresh(&self, turn: CalendarTurn, store: &Store, scopes: &[TenantScope]) -> Result<(), StorageError> {
        let today = super::today();
        // Someone else may have refreshed while we waited.
        let now = self.snapshot();
        let current = now.day == Some(today) && now.local == store.events().local_version();
        if current && (!turn.poll_due || now.version != turn.seen_version) {
            return Ok(());
        }
        self.update(store, scopes, today).await
    }

    /// The page of a window from the index, or `None` when the index cannot answer it (outside
    /// the horizon, free text, or not built).
    pub fn page(
        &self,
        scopes: &[TenantScope],
        filter: &EventFilter,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        after: Option<Cursor>,
        limit: usize,
    ) -> Option<Result<WindowPage, regioportal_domain::recurrence::ExpandError>> {
        let s = self.snapshot();
        if s.day.is_none() || !filter.words.is_empty() || from.timestamp() < s.from || to.timestamp() > s.to {
            return None;
        }
        let allowed: Vec<i64> = scopes.iter().map(scope_raw_id).collect();
        Some(s.window(&allowed, filter, from, to, after, limit))
    }

    /// The versions the index reflects: (shared version, local counter), or `None` before it
    /// is built. Caches of derived responses use them as their key.
    pub fn versions(&self) -> Option<(i64, u64)> {
        let s = self.snapshot();
        s.day.map(|_| (s.version, s.local))
    }

    /// Statistics for `/metrics` and logs: (events, occurrences).
    pub fn size(&self) -> (u64, usize) {
        let s = self.snapshot();
        let r = &s.recent;
        (s.count, s.base.short.len() + s.base.long.len() + r.short.len() + r.long.len())
    }
}

impl Snapshot {
    /// A page of the window `[from, to)` of the municipalities with these (raw) ids.
    fn window(
        &self,
        allowed: &[i64],
        filter: &EventFilter,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        after: Option<Cursor>,
        limit: usize,
    ) -> Result<WindowPage, regioportal_domain::recurrence::ExpandError> {
        let s = self;
        let cat_mask = mask(&filter.categories);
        let place_lc = filter.place.as_ref().map(|p| p.to_lowercase());
        let place_lc = place_lc.as_deref();
        let (from_s, to_s) = (from.timestamp(), to.timestamp());
        let after_key = after.map(|c| (c.starts_at.timestamp(), c.event_id, naive_secs(c.recurrence_id)));
        let ok = |o: &Occ| -> bool {
            if !(o.start < to_s && (o.end() > from_s || o.start >= from_s)) {
                return false;
            }
            let Some(sm) = s.summary(o.event()) else { return false };
            allowed.contains(&sm.municipality_id)
                && sm.matches(filter, cat_mask, place_lc)
                && after_key.is_none_or(|k| (o.start, sm.id, o.rid()) > k)
        };
        // With the title of a dense event's changed occurrence (indexed ones keep theirs in the
        // snapshot).
        let mut found: Vec<(Occ, Option<String>)> =
            s.base.long.iter().chain(&s.recent.long).filter(|o| ok(o)).map(|o| (*o, None)).collect();
        // Dense events: expanded for this window only.
        for (slot, e) in &s.dense {
            let Some(sm) = s.summary(*slot) else { continue };
            if !allowed.contains(&sm.municipality_id) || !sm.matches(filter, cat_mask, place_lc) {
                continue;
            }
            let list = e.draft.timing.occurrences(&e.draft.overrides, from, to, MAX_INDEXED)?;
            for o in list {
                let (start, end) = bounds(&o.occurrence, sm.zone);
                // A dense event's occurrences are few per window; one that does not fit the
                // compact form would need a century-long occurrence.
                let Some(occ) = Occ::new(start, end, naive_secs(o.recurrence_id), *slot, NO_TITLE, o.cancelled) else {
                    continue;
                };
                if ok(&occ) {
                    found.push((occ, o.title));
                }
            }
        }
        let lo = after_key.map_or(from_s, |k| k.0.max(from_s)) - 86_400;
        // The base and the recent changes are each sorted: scan both.
        for short in [&s.base.short, &s.recent.short] {
            let first = short.partition_point(|o| o.start < lo);
            let mut taken = 0;
            for o in &short[first..] {
                if o.start >= to_s || taken > limit {
                    break;
                }
                if ok(o) {
                    found.push((*o, None));
                    taken += 1;
                }
            }
        }
        found.sort_unstable_by_key(|(o, _)| o.key(s));
        let next = (found.len() > limit).then(|| {
            let o = found[limit - 1].0;
            let id = s.summary(o.event()).map_or(0, |x| x.id);
            Cursor {
                starts_at: DateTime::from_timestamp(o.start, 0).unwrap_or_default(),
                event_id: id,
                recurrence_id: secs_naive(o.rid()),
            }
        });
        found.truncate(limit);
        let items = found
            .into_iter()
            .filter_map(|(o, title)| {
                let (summary, mut occurrence) = s.occurrence(&o)?;
                if title.is_some() {
                    occurrence.title = title;
                }
                Some((summary, occurrence))
            })
            .collect();
        Ok(WindowPage { items, next })
    }
}

fn scope_raw_id(s: &TenantScope) -> i64 {
    s.raw_id()
}

fn scope_id(scopes: &[TenantScope], slug: &Slug) -> i64 {
    scopes.iter().find(|s| s.slug() == slug).map_or(0, TenantScope::raw_id)
}

#[cfg(test)]
mod tests {
    use super::*;
    use regioportal_domain::events::{DraftInput, EventDraft};
    use regioportal_storage::EventSource;

    fn record(id: i64, title: &str, start: &str, rrule: Option<&str>) -> EventRecord {
        let draft = EventDraft::parse(&DraftInput {
            title: title.into(),
            start: start.into(),
            end: None,
            rrule: rrule.map(str::to_owned),
            venue: Venue { name: format!("Ort {}", id % 7), ..Venue::default() },
            categories: vec![if id % 2 == 0 { "konzert" } else { "markt" }.into()],
            ..DraftInput::default()
        })
        .unwrap();
        EventRecord {
            id,
            uid: format!("{id}@test"),
            municipality: Slug::parse(if id % 3 == 0 { "gera" } else { "jena" }).unwrap(),
            status: EventStatus::Published,
            draft,
            image: None,
            source: EventSource::Staff,
            submitter_email: None,
            confirmed: true,
            moderation_note: None,
            sequence: 0,
            created_by: None,
            created_by_token: None,
            feed_id: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
        }
    }

    fn mid(e: &EventRecord) -> i64 {
        if e.municipality.as_str() == "gera" { 1 } else { 2 }
    }

    fn built(events: &[EventRecord]) -> Snapshot {
        let today = NaiveDate::from_ymd_opt(2027, 3, 1).unwrap();
        let from = super::super::local_midnight(today - chrono::Days::new(PAST_DAYS as u64)).unwrap();
        let to = super::super::local_midnight(today + chrono::Days::new(FUTURE_DAYS as u64)).unwrap();
        let mut s = Snapshot { day: Some(today), from: from.timestamp(), to: to.timestamp(), ..Snapshot::default() };
        for e in events {
            s.add(e.clone(), mid(e));
        }
        s.sort();
        s.compact();
        s
    }

    /// Every page of a few windows and filters, as (event id, start, title) per item.
    fn answers(s: &Snapshot) -> Vec<Vec<(i64, i64, String)>> {
        let t = |d: &str| DateTime::parse_from_rfc3339(d).unwrap().to_utc();
        let mut out = Vec::new();
        for (from, to) in
            [("2027-03-01T00:00:00Z", "2027-03-15T00:00:00Z"), ("2026-12-01T00:00:00Z", "2027-06-01T00:00:00Z")]
        {
            for (allowed, filter) in [
                (vec![1, 2], EventFilter::default()),
                (vec![1], EventFilter::default()),
                (vec![1, 2], EventFilter { categories: vec![Category::Concert], ..EventFilter::default() }),
            ] {
                let mut after = None;
                loop {
                    let page = s.window(&allowed, &filter, t(from), t(to), after, 17).unwrap();
                    out.push(
                        page.items
                            .iter()
                            .map(|(e, o)| {
                                (e.id, o.starts_at(e.zone).timestamp(), o.title.clone().unwrap_or(e.title.to_string()))
                            })
                            .collect(),
                    );
                    match page.next {
                        Some(c) => after = Some(c),
                        None => break,
                    }
                }
            }
        }
        out
    }

    #[test]
    fn a_refreshed_snapshot_answers_like_a_rebuilt_one_before_and_after_compaction() {
        let mut events: Vec<EventRecord> = (1..=40)
            .map(|i| {
                let rule = (i % 4 == 0).then_some("FREQ=WEEKLY;COUNT=30");
                record(i, &format!("Veranstaltung {i}"), &format!("2027-03-{:02}T1{}:00", i % 28 + 1, i % 10), rule)
            })
            .collect();
        let mut s = built(&events);
        // Changes as a refresh applies them: some events go, some change, some are new.
        for id in [3, 8, 12] {
            s.remove(id);
            events.retain(|e| e.id != id);
        }
        for id in [5, 16, 20] {
            let changed = record(id, &format!("Geändert {id}"), "2027-03-10T20:00", Some("FREQ=DAILY;COUNT=5"));
            s.remove(id);
            s.add(changed.clone(), mid(&changed));
            *events.iter_mut().find(|e| e.id == id).unwrap() = changed;
        }
        for id in 41..=45 {
            let new = record(id, &format!("Neu {id}"), "2027-03-02T18:30", None);
            s.add(new.clone(), mid(&new));
            events.push(new);
        }
        // The same event changed twice before a compaction.
        let again = record(16, "Zweimal geändert", "2027-03-11T09:00", None);
        s.remove(16);
        s.add(again.clone(), mid(&again));
        *events.iter_mut().find(|e| e.id == 16).unwrap() = again;
        s.sort();
        assert!(!s.recent.removed.is_empty() && !s.recent.short.is_empty(), "answered from base and recent");
        let fresh = built(&events);
        assert_eq!(answers(&s), answers(&fresh));
        assert!(answers(&fresh).iter().flatten().any(|x| x.2 == "Zweimal geändert"));
        s.compact();
        assert!(s.recent.removed.is_empty() && s.recent.short.is_empty());
        assert_eq!(answers(&s), answers(&fresh));
        assert!(s.slot_of(3).is_none() && s.slot_of(16).is_some());
    }
}
