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

use std::collections::HashMap;
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
    fn key(&self, summaries: &[Option<Arc<Summary>>]) -> (i64, i64, i64) {
        (self.start, summaries[self.event() as usize].as_ref().map_or(0, |s| s.id), self.rid())
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

#[derive(Debug, Default)]
struct Snapshot {
    day: Option<NaiveDate>,
    from: i64,
    to: i64,
    summaries: Vec<Option<Arc<Summary>>>,
    by_id: HashMap<i64, u32>,
    /// Events whose occurrences are expanded per query (too many to index).
    dense: HashMap<u32, Arc<EventRecord>>,
    short: Vec<Occ>,
    long: Vec<Occ>,
    titles: Vec<String>,
    interner: Interner,
    count: u64,
    watermark: Option<DateTime<Utc>>,
    version: i64,
    local: u64,
}

/// The index (see the module documentation).
#[derive(Debug, Default)]
pub struct CalendarIndex {
    current: RwLock<Arc<Snapshot>>,
    refresh: tokio::sync::Mutex<()>,
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

    /// Adds an event: its summary and its occurrences in the horizon (not yet sorted).
    fn add(&mut self, e: EventRecord, municipality_id: i64) {
        let slot = u32::try_from(self.summaries.len()).unwrap_or(u32::MAX);
        self.summaries.push(Some(Arc::new(Summary::with(&e, municipality_id, &mut self.interner))));
        self.by_id.insert(e.id, slot);
        let (from, to) = self.horizon();
        let compact = e.draft.timing.occurrences(&e.draft.overrides, from, to, MAX_INDEXED).ok().and_then(|list| {
            let titles = self.titles.len();
            let occs: Option<Vec<Occ>> = list
                .into_iter()
                .map(|o| {
                    let (start, end) = bounds(&o.occurrence, e.draft.timing.zone());
                    let title = match o.title {
                        Some(t) => {
                            self.titles.push(t);
                            u32::try_from(self.titles.len() - 1).unwrap_or(NO_TITLE)
                        }
                        None => NO_TITLE,
                    };
                    Occ::new(start, end, naive_secs(o.recurrence_id), slot, title, o.cancelled)
                })
                .collect();
            if occs.is_none() {
                self.titles.truncate(titles);
            }
            occs
        });
        match compact {
            Some(list) => {
                for occ in list {
                    if occ.len > 86_400 { self.long.push(occ) } else { self.short.push(occ) }
                }
            }
            None => {
                self.dense.insert(slot, Arc::new(e));
            }
        }
    }

    fn remove(&mut self, id: i64) {
        if let Some(slot) = self.by_id.remove(&id) {
            self.summaries[slot as usize] = None;
            self.dense.remove(&slot);
            self.short.retain(|o| o.event() != slot);
            self.long.retain(|o| o.event() != slot);
        }
    }

    fn sort(&mut self) {
        let summaries = std::mem::take(&mut self.summaries);
        self.short.sort_unstable_by_key(|o| o.key(&summaries));
        self.long.sort_unstable_by_key(|o| o.key(&summaries));
        self.summaries = summaries;
        // The vectors grew by doubling: up to half of them is spare room.
        self.short.shrink_to_fit();
        self.long.shrink_to_fit();
        self.summaries.shrink_to_fit();
        self.titles.shrink_to_fit();
    }

    fn occurrence(&self, o: &Occ) -> Option<(Arc<Summary>, EventOccurrence)> {
        let s = self.summaries.get(o.event() as usize)?.as_ref()?.clone();
        let occurrence = if s.all_day {
            let day = |t: i64| DateTime::from_timestamp(t, 0).map(|t| t.with_timezone(&s.zone).date_naive());
            Occurrence::AllDay { start: day(o.start)?, end: day(o.end())? }
        } else {
            Occurrence::Timed {
                start: s.zone.timestamp_opt(o.start, 0).single()?,
                end: s.zone.timestamp_opt(o.end(), 0).single()?,
            }
        };
        let title = (o.title != NO_TITLE).then(|| self.titles.get(o.title as usize).cloned()).flatten();
        Some((s, EventOccurrence { occurrence, recurrence_id: secs_naive(o.rid()), cancelled: o.cancelled(), title }))
    }
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
        // Changes during the build are picked up by the next refresh.
        s.watermark = Some(started - chrono::Duration::seconds(2));
        tracing::debug!(events = s.count, occurrences = s.short.len() + s.long.len(), "calendar index built");
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
        let (changed, count) = events.changed_since(scopes, watermark, from).await?;
        let mut s = Snapshot {
            day: old.day,
            from: old.from,
            to: old.to,
            summaries: old.summaries.clone(),
            by_id: old.by_id.clone(),
            dense: old.dense.clone(),
            short: old.short.clone(),
            long: old.long.clone(),
            titles: old.titles.clone(),
            interner: old.interner.clone(),
            count: old.count,
            watermark: Some(started - chrono::Duration::seconds(2)),
            version,
            local,
        };
        for (id, rec) in changed {
            if s.by_id.contains_key(&id) {
                s.remove(id);
                s.count -= 1;
            }
            if let Some(e) = rec {
                let mid = scope_id(scopes, &e.municipality);
                s.add(e, mid);
                s.count += 1;
            }
        }
        if s.count != count {
            // A deletion (or an event that ended before the horizon): start over.
            return self.build(store, scopes, today).await;
        }
        s.sort();
        self.replace(s);
        Ok(())
    }

    /// Makes sure the index reflects every change this process made, and (at most every
    /// [`POLL`]) the changes of other nodes.
    pub async fn ensure_fresh(&self, store: &Store, scopes: &[TenantScope]) -> Result<(), StorageError> {
        let today = super::today();
        let snap = self.snapshot();
        let local_stale = snap.day.is_none() || snap.local != store.events().local_version() || snap.day != Some(today);
        let poll_due = self.polled.lock().map(|p| p.is_none_or(|t| t.elapsed() >= POLL)).unwrap_or(true);
        if !local_stale && !poll_due {
            return Ok(());
        }
        if !local_stale {
            if let Ok(mut p) = self.polled.lock() {
                *p = Some(Instant::now());
            }
            if store.events().version().await? == snap.version {
                return Ok(());
            }
        }
        let _guard = if snap.day.is_none() {
            // Not built yet: whoever builds it, the others are answered from the database
            // meanwhile rather than waiting seconds for a large calendar.
            match self.refresh.try_lock() {
                Ok(g) => g,
                Err(_) => return Ok(()),
            }
        } else {
            self.refresh.lock().await
        };
        // Someone else may have refreshed while we waited.
        let now = self.snapshot();
        let current = now.day == Some(today) && now.local == store.events().local_version();
        if current && (!poll_due || now.version != snap.version) {
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
        let cat_mask = mask(&filter.categories);
        let place_lc = filter.place.as_ref().map(|p| p.to_lowercase());
        let place_lc = place_lc.as_deref();
        let (from_s, to_s) = (from.timestamp(), to.timestamp());
        let after_key = after.map(|c| (c.starts_at.timestamp(), c.event_id, naive_secs(c.recurrence_id)));
        let ok = |o: &Occ| -> bool {
            if !(o.start < to_s && (o.end() > from_s || o.start >= from_s)) {
                return false;
            }
            let Some(sm) = s.summaries[o.event() as usize].as_ref() else { return false };
            allowed.contains(&sm.municipality_id)
                && sm.matches(filter, cat_mask, place_lc)
                && after_key.is_none_or(|k| (o.start, sm.id, o.rid()) > k)
        };
        // With the title of a dense event's changed occurrence (indexed ones keep theirs in the
        // snapshot).
        let mut found: Vec<(Occ, Option<String>)> = s.long.iter().filter(|o| ok(o)).map(|o| (*o, None)).collect();
        // Dense events: expanded for this window only.
        for (slot, e) in &s.dense {
            let Some(sm) = s.summaries[*slot as usize].as_ref() else { continue };
            if !allowed.contains(&sm.municipality_id) || !sm.matches(filter, cat_mask, place_lc) {
                continue;
            }
            let list = match e.draft.timing.occurrences(&e.draft.overrides, from, to, MAX_INDEXED) {
                Ok(l) => l,
                Err(err) => return Some(Err(err)),
            };
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
        let first = s.short.partition_point(|o| o.start < lo);
        let mut taken = 0;
        for o in &s.short[first..] {
            if o.start >= to_s || taken > limit {
                break;
            }
            if ok(o) {
                found.push((*o, None));
                taken += 1;
            }
        }
        found.sort_unstable_by_key(|(o, _)| o.key(&s.summaries));
        let next = (found.len() > limit).then(|| {
            let o = found[limit - 1].0;
            let id = s.summaries[o.event() as usize].as_ref().map_or(0, |x| x.id);
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
        Some(Ok(WindowPage { items, next }))
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
        (s.count, s.short.len() + s.long.len())
    }
}

fn scope_raw_id(s: &TenantScope) -> i64 {
    s.raw_id()
}

fn scope_id(scopes: &[TenantScope], slug: &Slug) -> i64 {
    scopes.iter().find(|s| s.slug() == slug).map_or(0, TenantScope::raw_id)
}
