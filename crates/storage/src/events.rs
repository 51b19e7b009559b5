//! Events of the calendar, each owned by the municipality where it takes place.
//!
//! Staff and API clients read and change events through a [`TenantScope`]; the public calendar
//! reads the published events of the municipalities it is given scopes for. Every change is
//! audited in the same transaction and raises the event's SEQUENCE (iCalendar clients use it to
//! see that an event changed).

use chrono::{DateTime, NaiveDateTime, Utc};
use regioportal_domain::Slug;
use regioportal_domain::events::{
    Accessibility, Category, EventDraft, EventStatus, OccurrenceOverride, Organizer, Timing, Venue,
    format_date_or_time, parse_date_or_time_list,
};
use regioportal_domain::recurrence::Rule;
use sea_orm::sea_query::{Expr, ExprTrait as _, Func};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use crate::audit::{Actor, Change, record};
use crate::entity::{event, event_image, event_override};
use crate::{StorageError, TenantScope, UserId};

/// How an event came in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventSource {
    /// Written by staff in the staff area.
    Staff,
    /// Sent by another system with an API token.
    Api,
    /// Submitted by an organiser without an account.
    Submission,
    /// Imported from an iCalendar file or feed.
    Import,
}

impl EventSource {
    fn as_str(self) -> &'static str {
        match self {
            Self::Staff => "staff",
            Self::Api => "api",
            Self::Submission => "submission",
            Self::Import => "import",
        }
    }
    fn parse(s: &str) -> Self {
        match s {
            "api" => Self::Api,
            "submission" => Self::Submission,
            "import" => Self::Import,
            _ => Self::Staff,
        }
    }
}

/// The image of an event (the bytes are read separately).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageMeta {
    /// `image/png`, `image/jpeg` or `image/webp`.
    pub content_type: String,
    /// The required alternative text.
    pub alt: String,
}

/// An event as stored.
#[derive(Debug, Clone)]
pub struct EventRecord {
    /// Id.
    pub id: i64,
    /// The iCalendar UID.
    pub uid: String,
    /// Where it takes place.
    pub municipality: Slug,
    /// Status.
    pub status: EventStatus,
    /// The event itself.
    pub draft: EventDraft,
    /// Its image.
    pub image: Option<ImageMeta>,
    /// How it came in.
    pub source: EventSource,
    /// The organiser's address for a submission (never public).
    pub submitter_email: Option<String>,
    /// Whether a submission was confirmed by its e-mail link (always true otherwise).
    pub confirmed: bool,
    /// A moderator's reason for a rejection.
    pub moderation_note: Option<String>,
    /// iCalendar SEQUENCE: raised on every change.
    pub sequence: i32,
    /// The account that created it (staff area).
    pub created_by: Option<UserId>,
    /// The API token that created it.
    pub created_by_token: Option<i64>,
    /// The subscribed feed it came from.
    pub feed_id: Option<i64>,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
}

/// The beginning of the note the importer leaves on an event it withdrew from the public
/// calendar (marked private by its source, or no longer in its feed). Such an event comes back
/// when its source lists it again as public; one a moderator withdrew does not.
pub const IMPORT_WITHDRAWAL: &str = "withdrawn by the import: ";

/// A new event.
#[derive(Debug, Clone)]
pub struct NewEvent<'a> {
    /// The validated event.
    pub draft: &'a EventDraft,
    /// Its status.
    pub status: EventStatus,
    /// A UID from the source; one is made up when absent.
    pub uid: Option<String>,
    /// How it came in.
    pub source: EventSource,
    /// The organiser's address, for a submission.
    pub submitter_email: Option<String>,
    /// SHA-256 of the confirmation link's token, for a submission.
    pub confirm_token_hash: Option<String>,
    /// The subscribed feed it came from.
    pub feed: Option<i64>,
}

/// What the public calendar asks for.
#[derive(Debug, Clone, Default)]
pub struct EventFilter {
    /// Only these categories (any of them).
    pub categories: Vec<Category>,
    /// Words that must all appear (title, venue, place, description).
    pub words: Vec<String>,
    /// Only free entry.
    pub free_only: bool,
    /// Only step-free venues.
    pub accessible_only: bool,
    /// Only events in this place (venue place, case-insensitive).
    pub place: Option<String>,
}

/// Outcome of an import upsert.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upsert {
    /// A new event.
    Created(i64),
    /// An existing event (same UID) was changed.
    Updated(i64),
    /// The same UID with the same content: nothing to do.
    Unchanged(i64),
}

fn corrupt(what: &str, e: impl std::fmt::Display) -> StorageError {
    StorageError::Db(sea_orm::DbErr::Custom(format!("stored event has an invalid {what}: {e}")))
}

const LOCAL: &str = "%Y-%m-%dT%H:%M:%S";

fn local(t: NaiveDateTime) -> String {
    t.format(LOCAL).to_string()
}

fn parse_local(s: &str) -> Result<NaiveDateTime, StorageError> {
    NaiveDateTime::parse_from_str(s, LOCAL).map_err(|e| corrupt("local time", e))
}

fn dates(values: &[regioportal_domain::recurrence::DateOrTime]) -> String {
    values.iter().map(format_date_or_time).collect::<Vec<_>>().join(" ")
}

fn search_text(d: &EventDraft) -> String {
    let mut s = format!("{} {} {}", d.title, d.venue.name, d.venue.place.as_deref().unwrap_or(""));
    if let Some(o) = &d.organizer.name {
        s.push(' ');
        s.push_str(o);
    }
    s.push(' ');
    s.extend(d.description.chars().take(4000));
    s.to_lowercase()
}

fn row_to_record(
    m: event::Model,
    slug: &Slug,
    overrides: Vec<event_override::Model>,
) -> Result<EventRecord, StorageError> {
    let zone: chrono_tz::Tz = m.timezone.parse().map_err(|e| corrupt("time zone", e))?;
    let rule = m.rrule.as_deref().map(Rule::parse).transpose().map_err(|e| corrupt("rule", e))?;
    let split = |s: &str| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>();
    let exdates = parse_date_or_time_list(&split(&m.exdates), zone).map_err(|e| corrupt("exdate", e))?;
    let rdates = parse_date_or_time_list(&split(&m.rdates), zone).map_err(|e| corrupt("rdate", e))?;
    let timing = Timing::new(
        zone,
        m.all_day,
        parse_local(&m.start_local)?,
        Some(parse_local(&m.end_local)?),
        rule,
        exdates,
        rdates,
    )
    .map_err(|e| corrupt("timing", e))?;
    let overrides = overrides
        .into_iter()
        .map(|o| {
            Ok(OccurrenceOverride {
                recurrence_id: parse_local(&o.recurrence_id)?,
                cancelled: o.cancelled,
                start: o.start_local.as_deref().map(parse_local).transpose()?,
                end: o.end_local.as_deref().map(parse_local).transpose()?,
                title: o.title,
            })
        })
        .collect::<Result<Vec<_>, StorageError>>()?;
    let links: Vec<(String, String)> =
        serde_json::from_str(if m.links.is_empty() { "[]" } else { &m.links }).map_err(|e| corrupt("link list", e))?;
    let draft = EventDraft {
        title: m.title,
        description: m.description,
        timing,
        overrides,
        venue: Venue {
            name: m.venue_name,
            street: m.venue_street,
            postcode: m.venue_postcode,
            place: m.venue_place,
            lat: m.venue_lat,
            lon: m.venue_lon,
            accessibility: Accessibility {
                step_free: m.step_free,
                accessible_toilet: m.accessible_toilet,
                induction_loop: m.induction_loop,
                note: m.accessibility_note,
            },
        },
        organizer: Organizer {
            name: m.organizer_name,
            email: m.organizer_email,
            phone: m.organizer_phone,
            url: m.organizer_url,
        },
        categories: Category::parse_list(&m.categories),
        free: m.free,
        price: m.price,
        links,
    };
    Ok(EventRecord {
        id: m.id,
        uid: m.uid,
        municipality: slug.clone(),
        status: EventStatus::parse(&m.status).ok_or_else(|| corrupt("status", &m.status))?,
        draft,
        image: match (m.image_type, m.image_alt) {
            (Some(content_type), Some(alt)) => Some(ImageMeta { content_type, alt }),
            _ => None,
        },
        source: EventSource::parse(&m.source),
        submitter_email: m.submitter_email,
        confirmed: m.source != "submission" || m.confirmed_at.is_some(),
        moderation_note: m.moderation_note,
        sequence: m.sequence,
        created_by: m.created_by.map(UserId),
        created_by_token: m.created_by_token,
        feed_id: m.feed_id,
        created_at: m.created_at,
        updated_at: m.updated_at,
    })
}

/// Writes the event's own columns into an active model.
fn fill(a: &mut event::ActiveModel, d: &EventDraft) {
    let t = &d.timing;
    let (first, last) = t.span(&d.overrides);
    a.title = Set(d.title.clone());
    a.description = Set(d.description.clone());
    a.timezone = Set(t.zone().name().to_owned());
    a.all_day = Set(t.all_day());
    a.start_local = Set(local(t.start()));
    a.end_local = Set(local(t.end()));
    a.rrule = Set(t.rule().map(ToString::to_string));
    a.exdates = Set(dates(t.exdates()));
    a.rdates = Set(dates(t.rdates()));
    a.first_start = Set(first);
    a.last_end = Set(last);
    a.venue_name = Set(d.venue.name.clone());
    a.venue_street = Set(d.venue.street.clone());
    a.venue_postcode = Set(d.venue.postcode.clone());
    a.venue_place = Set(d.venue.place.clone());
    a.venue_lat = Set(d.venue.lat);
    a.venue_lon = Set(d.venue.lon);
    a.step_free = Set(d.venue.accessibility.step_free);
    a.accessible_toilet = Set(d.venue.accessibility.accessible_toilet);
    a.induction_loop = Set(d.venue.accessibility.induction_loop);
    a.accessibility_note = Set(d.venue.accessibility.note.clone());
    a.organizer_name = Set(d.organizer.name.clone());
    a.organizer_email = Set(d.organizer.email.clone());
    a.organizer_phone = Set(d.organizer.phone.clone());
    a.organizer_url = Set(d.organizer.url.clone());
    a.categories = Set(format!(",{},", d.categories.iter().map(|c| c.slug()).collect::<Vec<_>>().join(",")));
    a.free = Set(d.free);
    a.price = Set(d.price.clone());
    a.links = Set(serde_json::to_string(&d.links).unwrap_or_else(|_| "[]".into()));
    a.search_text = Set(search_text(d));
}

async fn write_overrides(db: &impl ConnectionTrait, id: i64, d: &EventDraft) -> Result<(), StorageError> {
    event_override::Entity::delete_many().filter(event_override::Column::EventId.eq(id)).exec(db).await?;
    insert_overrides(db, id, d).await
}

/// Stores the changed occurrences of a new event (it has none yet).
async fn insert_overrides(db: &impl ConnectionTrait, id: i64, d: &EventDraft) -> Result<(), StorageError> {
    if d.overrides.is_empty() {
        return Ok(());
    }
    let rows = d.overrides.iter().map(|o| event_override::ActiveModel {
        event_id: Set(id),
        recurrence_id: Set(local(o.recurrence_id)),
        cancelled: Set(o.cancelled),
        start_local: Set(o.start.map(local)),
        end_local: Set(o.end.map(local)),
        title: Set(o.title.clone()),
        ..Default::default()
    });
    event_override::Entity::insert_many(rows).exec(db).await?;
    Ok(())
}

fn summary(d: &EventDraft, status: EventStatus) -> serde_json::Value {
    json!({
        "title": d.title,
        "status": status.as_str(),
        "start": local(d.timing.start()),
        "rrule": d.timing.rule().map(ToString::to_string),
        "venue": d.venue.name,
    })
}

/// Reads and writes events.
#[derive(Debug, Clone, Copy)]
pub struct Events<'a> {
    pub(crate) db: &'a DatabaseConnection,
    /// Write transactions take turns (SQLite).
    pub(crate) gate: &'a crate::db::WriteGate,
    pub(crate) changes: &'a std::sync::atomic::AtomicU64,
}

/// A new event with everything it needs to be written, owned: a grouped write runs in a task
/// of its own.
struct OwnedNew {
    scope: TenantScope,
    draft: EventDraft,
    status: EventStatus,
    uid: String,
    source: EventSource,
    submitter_email: Option<String>,
    confirm_token_hash: Option<String>,
    feed: Option<i64>,
    actor: Actor,
}

impl OwnedNew {
    /// The new row (without its id).
    fn row(&self, now: DateTime<Utc>) -> event::ActiveModel {
        let mut a = event::ActiveModel {
            municipality_id: Set(self.scope.id),
            uid: Set(self.uid.clone()),
            status: Set(self.status.as_str().to_owned()),
            source: Set(self.source.as_str().to_owned()),
            submitter_email: Set(self.submitter_email.clone()),
            confirm_token_hash: Set(self.confirm_token_hash.clone()),
            sequence: Set(0),
            created_by: Set(self.actor.user_id),
            created_by_token: Set(self.actor.token_id),
            feed_id: Set(self.feed),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        };
        fill(&mut a, &self.draft);
        a
    }

    fn conflict(&self) -> StorageError {
        StorageError::Conflict(format!(
            "an event with the UID {:?} already exists in {}: update it instead",
            self.uid, self.scope.slug
        ))
    }

    fn audit(&self) -> Change<'_> {
        Change {
            municipality: Some(&self.scope),
            entity_type: "event",
            entity_id: None,
            action: "create",
            changes: summary(&self.draft, self.status),
        }
    }

    /// Inserts the event, its changed occurrences and the audit entry (not the counter, not
    /// the commit: the caller's).
    async fn insert(&self, txn: &sea_orm::DatabaseTransaction) -> Result<event::Model, StorageError> {
        let row = match self.row(Utc::now()).insert(txn).await {
            Ok(r) => r,
            Err(e) if is_unique_violation(&e) => return Err(self.conflict()),
            Err(e) => return Err(e.into()),
        };
        insert_overrides(txn, row.id, &self.draft).await?;
        record(txn, &self.actor, Change { entity_id: Some(row.id.to_string()), ..self.audit() }).await?;
        Ok(row)
    }

    /// The same as [`OwnedNew::insert`] as one batch of statements for a group commit on
    /// SQLite, so that the write is one trip to the connection's thread; `Steps` when the
    /// event has changed occurrences (they need its id).
    fn grouped(self) -> crate::db::GroupedWork<event::Model> {
        use crate::db::GroupedWork;
        use sea_orm::{DbBackend, FromQueryResult as _, QueryTrait as _};
        if !self.draft.overrides.is_empty() {
            return GroupedWork::Steps(Box::new(move |txn| Box::pin(async move { self.insert(txn).await })));
        }
        let conflict = self.conflict();
        let statements = Box::new(move || {
            let mut insert = event::Entity::insert(self.row(Utc::now()));
            insert.query().returning_all();
            let change = self.audit();
            // The audit entry names the row the statement before it inserted.
            let audit = crate::audit::entry_insert(
                &self.actor,
                change.municipality.map(|m| m.id),
                change.entity_type,
                Expr::cust("CAST(last_insert_rowid() AS TEXT)"),
                change.action,
                &change.changes,
            );
            vec![insert.build(DbBackend::Sqlite), DbBackend::Sqlite.build(&audit)]
        });
        GroupedWork::Batch {
            statements,
            read: Box::new(|rows| {
                let row = rows.first().ok_or_else(|| StorageError::Db(sea_orm::DbErr::RecordNotInserted))?;
                Ok(event::Model::from_query_result(row, "")?)
            }),
            refused: Box::new(move |e| if is_unique_violation(&e) { conflict } else { e.into() }),
        }
    }
}

/// The events' change counter.
const VERSION: crate::counter::Counter = crate::counter::Counter("event_version");

/// Raises the shared event version inside a write transaction (other nodes poll it).
async fn bump(db: &impl ConnectionTrait) -> Result<(), StorageError> {
    VERSION.bump(db).await
}

/// The most changed events [`Events::changed_since`] reads and hands over at once.
pub const CHANGED_PART: usize = 1024;

/// An id list for `IN (…)`, its length rounded up to a power of four by repeating the last id
/// (which changes no result). Each length is another statement in the connection's cache of
/// prepared statements (100 per connection); a statement with a thousand parameters holds
/// about 150 KB in SQLite, and the parts of catch-ups come in every length: without this, the
/// caches of the eight connections fill up with them over time.
fn in_list(ids: &[i64]) -> Vec<i64> {
    let mut len = 1;
    while len < ids.len() {
        len *= 4;
    }
    let mut out = ids.to_vec();
    if let Some(last) = ids.last() {
        out.resize(len, *last);
    }
    out
}

impl Events<'_> {
    fn changed(&self) {
        self.changes.fetch_add(1, std::sync::atomic::Ordering::Release);
    }

    /// How many event changes this process has made through this store (a cheap check for
    /// caches in the same process).
    pub fn local_version(&self) -> u64 {
        self.changes.load(std::sync::atomic::Ordering::Acquire)
    }

    /// The shared event version: raised by every change on any node.
    pub async fn version(&self) -> Result<i64, StorageError> {
        VERSION.read(self.db).await
    }

    /// Stores a new event of the scope's municipality. On SQLite it is committed together with
    /// the writes queued behind it (group commit, see `WriteGate`), and returns once committed.
    pub async fn create(
        &self,
        scope: &TenantScope,
        new: NewEvent<'_>,
        actor: &Actor,
    ) -> Result<EventRecord, StorageError> {
        let owned = OwnedNew {
            scope: scope.clone(),
            draft: new.draft.clone(),
            status: new.status,
            uid: new.uid.clone().unwrap_or_else(|| format!("{}@regioportal", uuid::Uuid::new_v4())),
            source: new.source,
            submitter_email: new.submitter_email.clone(),
            confirm_token_hash: new.confirm_token_hash.clone(),
            feed: new.feed,
            actor: actor.clone(),
        };
        let row = if self.gate.groups() {
            self.gate.grouped(VERSION, owned.grouped()).await?
        } else {
            let (_turn, txn) = self.gate.begin(self.db).await?;
            let row = owned.insert(&txn).await?;
            bump(&txn).await?;
            txn.commit().await?;
            row
        };
        self.changed();
        // The inserted row is the record; only changed occurrences need reading back (the
        // durable write is measured: bench/routes, `write`).
        let overrides = if new.draft.overrides.is_empty() { Vec::new() } else { self.overrides_of(&[row.id]).await? };
        row_to_record(row, &scope.slug, overrides)
    }

    /// Stores many new events of one municipality in one transaction, with one audit entry
    /// (for generated data sets: `regioportal bench seed`). Changed occurrences are not stored.
    pub async fn insert_many(
        &self,
        scope: &TenantScope,
        items: &[(EventDraft, EventStatus)],
        actor: &Actor,
    ) -> Result<usize, StorageError> {
        if items.is_empty() {
            return Ok(0);
        }
        let now = Utc::now();
        let (_turn, txn) = self.gate.begin(self.db).await?;
        // One statement per part: SQLite binds at most 32,766 values, an event row has about 40.
        for part in items.chunks(500) {
            let rows = part.iter().map(|(d, status)| {
                let mut a = event::ActiveModel {
                    municipality_id: Set(scope.id),
                    uid: Set(format!("{}@regioportal", uuid::Uuid::new_v4())),
                    status: Set(status.as_str().to_owned()),
                    source: Set(EventSource::Import.as_str().to_owned()),
                    submitter_email: Set(None),
                    confirm_token_hash: Set(None),
                    confirmed_at: Set(None),
                    moderation_note: Set(None),
                    image_type: Set(None),
                    image_alt: Set(None),
                    feed_id: Set(None),
                    sequence: Set(0),
                    created_by: Set(actor.user_id),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                };
                fill(&mut a, d);
                a
            });
            event::Entity::insert_many(rows).exec(&txn).await?;
        }
        record(
            &txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "event",
                entity_id: None,
                action: "bulk_create",
                changes: json!({ "count": items.len() }),
            },
        )
        .await?;
        bump(&txn).await?;
        txn.commit().await?;
        self.changed();
        Ok(items.len())
    }

    /// Replaces an event's content (and its status when given); raises SEQUENCE.
    pub async fn update(
        &self,
        scope: &TenantScope,
        id: i64,
        draft: &EventDraft,
        status: Option<EventStatus>,
        actor: &Actor,
    ) -> Result<EventRecord, StorageError> {
        self.update_with(scope, id, draft, status.map(|s| (s, false)), actor).await
    }

    /// [`Events::update`]; with `(status, true)` the moderation note is cleared as well.
    async fn update_with(
        &self,
        scope: &TenantScope,
        id: i64,
        draft: &EventDraft,
        status: Option<(EventStatus, bool)>,
        actor: &Actor,
    ) -> Result<EventRecord, StorageError> {
        let clear_note = status.is_some_and(|s| s.1);
        let status = status.map(|s| s.0);
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let row = event::Entity::find_by_id(id)
            .filter(event::Column::MunicipalityId.eq(scope.id))
            .one(&txn)
            .await?
            .ok_or(StorageError::NotFound)?;
        let sequence = row.sequence + 1;
        let new_status = status.map_or_else(|| row.status.clone(), |s| s.as_str().to_owned());
        let mut a: event::ActiveModel = row.into();
        fill(&mut a, draft);
        a.status = Set(new_status.clone());
        if clear_note {
            a.moderation_note = Set(None);
        }
        a.sequence = Set(sequence);
        a.updated_at = Set(Utc::now());
        a.update(&txn).await?;
        write_overrides(&txn, id, draft).await?;
        let st = EventStatus::parse(&new_status).unwrap_or(EventStatus::Draft);
        record(
            &txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "event",
                entity_id: Some(id.to_string()),
                action: "update",
                changes: summary(draft, st),
            },
        )
        .await?;
        bump(&txn).await?;
        txn.commit().await?;
        self.changed();
        self.get(scope, id).await?.ok_or(StorageError::NotFound)
    }

    /// Sets an event's status (publish, reject with a reason, cancel), audited.
    pub async fn set_status(
        &self,
        scope: &TenantScope,
        id: i64,
        status: EventStatus,
        note: Option<&str>,
        actor: &Actor,
    ) -> Result<EventRecord, StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let row = event::Entity::find_by_id(id)
            .filter(event::Column::MunicipalityId.eq(scope.id))
            .one(&txn)
            .await?
            .ok_or(StorageError::NotFound)?;
        let from = row.status.clone();
        let sequence = row.sequence + 1;
        let mut a: event::ActiveModel = row.into();
        a.status = Set(status.as_str().to_owned());
        a.moderation_note = Set(note.map(str::to_owned));
        a.sequence = Set(sequence);
        a.updated_at = Set(Utc::now());
        a.update(&txn).await?;
        record(
            &txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "event",
                entity_id: Some(id.to_string()),
                action: "status",
                changes: json!({ "from": from, "to": status.as_str(), "note": note }),
            },
        )
        .await?;
        bump(&txn).await?;
        txn.commit().await?;
        self.changed();
        self.get(scope, id).await?.ok_or(StorageError::NotFound)
    }

    /// Deletes an event; false if the scope has no such event.
    pub async fn delete(&self, scope: &TenantScope, id: i64, actor: &Actor) -> Result<bool, StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let Some(row) =
            event::Entity::find_by_id(id).filter(event::Column::MunicipalityId.eq(scope.id)).one(&txn).await?
        else {
            return Ok(false);
        };
        event::Entity::delete_by_id(id).exec(&txn).await?;
        record(
            &txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "event",
                entity_id: Some(id.to_string()),
                action: "delete",
                changes: json!({ "title": row.title, "uid": row.uid }),
            },
        )
        .await?;
        bump(&txn).await?;
        txn.commit().await?;
        self.changed();
        Ok(true)
    }

    /// One event of the scope's municipality, whatever its status.
    pub async fn get(&self, scope: &TenantScope, id: i64) -> Result<Option<EventRecord>, StorageError> {
        let Some(row) =
            event::Entity::find_by_id(id).filter(event::Column::MunicipalityId.eq(scope.id)).one(self.db).await?
        else {
            return Ok(None);
        };
        let overrides = self.overrides_of(&[id]).await?;
        Ok(Some(row_to_record(row, &scope.slug, overrides)?))
    }

    /// One event by UID within the scope.
    pub async fn by_uid(&self, scope: &TenantScope, uid: &str) -> Result<Option<EventRecord>, StorageError> {
        let Some(row) = event::Entity::find()
            .filter(event::Column::MunicipalityId.eq(scope.id))
            .filter(event::Column::Uid.eq(uid))
            .one(self.db)
            .await?
        else {
            return Ok(None);
        };
        let overrides = self.overrides_of(&[row.id]).await?;
        Ok(Some(row_to_record(row, &scope.slug, overrides)?))
    }

    /// A public (published or cancelled) event of one of the given municipalities.
    pub async fn public(&self, scopes: &[TenantScope], id: i64) -> Result<Option<EventRecord>, StorageError> {
        let Some(row) = event::Entity::find_by_id(id).filter(public_status()).one(self.db).await? else {
            return Ok(None);
        };
        let Some(scope) = scopes.iter().find(|s| s.id == row.municipality_id) else { return Ok(None) };
        let overrides = self.overrides_of(&[id]).await?;
        Ok(Some(row_to_record(row, &scope.slug, overrides)?))
    }

    /// The events of a municipality for staff, newest start first, optionally of one status and
    /// only those one account created (a trusted organiser sees their own only).
    pub async fn list(
        &self,
        scope: &TenantScope,
        status: Option<EventStatus>,
        creator: Option<UserId>,
        limit: u64,
    ) -> Result<Vec<EventRecord>, StorageError> {
        let q = Self::staff_query(scope, status, creator);
        let rows = q.order_by_desc(event::Column::FirstStart).limit(limit).all(self.db).await?;
        self.records(rows, std::slice::from_ref(scope)).await
    }

    /// How many events of each status a municipality has, counted as [`Events::list`] lists
    /// them (a submission counts as pending once it is confirmed).
    pub async fn counts(
        &self,
        scope: &TenantScope,
        creator: Option<UserId>,
    ) -> Result<Vec<(EventStatus, u64)>, StorageError> {
        use sea_orm::PaginatorTrait as _;
        let mut out = Vec::new();
        for s in EventStatus::ALL {
            let n = Self::staff_query(scope, Some(s), creator).count(self.db).await?;
            out.push((s, n));
        }
        Ok(out)
    }

    fn staff_query(
        scope: &TenantScope,
        status: Option<EventStatus>,
        creator: Option<UserId>,
    ) -> sea_orm::Select<event::Entity> {
        let mut q = event::Entity::find().filter(event::Column::MunicipalityId.eq(scope.id));
        if let Some(u) = creator {
            q = q.filter(event::Column::CreatedBy.eq(u.0));
        }
        if let Some(s) = status {
            q = q.filter(event::Column::Status.eq(s.as_str()));
            if s == EventStatus::Pending {
                // A submission waits for its e-mail confirmation before moderators see it.
                q = q.filter(
                    Condition::any()
                        .add(event::Column::Source.ne(EventSource::Submission.as_str()))
                        .add(event::Column::ConfirmedAt.is_not_null()),
                );
            }
        }
        q
    }

    /// The public events of the given municipalities that may have an occurrence overlapping
    /// `[from, to)` and match the filter, by first start. The caller expands occurrences.
    pub async fn window(
        &self,
        scopes: &[TenantScope],
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        filter: &EventFilter,
    ) -> Result<Vec<EventRecord>, StorageError> {
        if scopes.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = event::Entity::find()
            .filter(event::Column::MunicipalityId.is_in(scopes.iter().map(|s| s.id)))
            .filter(public_status())
            .filter(event::Column::FirstStart.lt(to))
            .filter(Condition::any().add(event::Column::LastEnd.is_null()).add(event::Column::LastEnd.gt(from)));
        q = apply_filter(q, filter);
        let rows = q.order_by_asc(event::Column::FirstStart).order_by_asc(event::Column::Id).all(self.db).await?;
        self.records(rows, scopes).await
    }

    /// The public events of the given municipalities matching the filter, whatever their
    /// dates (for iCalendar feeds, which carry rules instead of occurrences), at most `limit`.
    pub async fn feed(
        &self,
        scopes: &[TenantScope],
        filter: &EventFilter,
        since: DateTime<Utc>,
        limit: u64,
    ) -> Result<Vec<EventRecord>, StorageError> {
        if scopes.is_empty() {
            return Ok(Vec::new());
        }
        let mut q = event::Entity::find()
            .filter(event::Column::MunicipalityId.is_in(scopes.iter().map(|s| s.id)))
            .filter(public_status())
            .filter(Condition::any().add(event::Column::LastEnd.is_null()).add(event::Column::LastEnd.gt(since)));
        q = apply_filter(q, filter);
        let rows =
            q.order_by_asc(event::Column::FirstStart).order_by_asc(event::Column::Id).limit(limit).all(self.db).await?;
        self.records(rows, scopes).await
    }

    /// Public events of the given municipalities in id order among the `limit` rows after
    /// `after_id`, that may have occurrences after `since` (for building an in-memory index in
    /// batches), and the id of the last row looked at (`None` at the end of the table). The
    /// rows are read by primary key only: a filter in SQL would let the database pick another
    /// index and sort the whole table for every batch.
    pub async fn public_batch(
        &self,
        scopes: &[TenantScope],
        since: DateTime<Utc>,
        after_id: i64,
        limit: u64,
    ) -> Result<(Vec<EventRecord>, Option<i64>), StorageError> {
        let rows = event::Entity::find()
            .filter(event::Column::Id.gt(after_id))
            .order_by_asc(event::Column::Id)
            .limit(limit)
            .all(self.db)
            .await?;
        let last = rows.last().map(|r| r.id);
        let public: Vec<event::Model> = rows
            .into_iter()
            .filter(|r| {
                EventStatus::parse(&r.status).is_some_and(EventStatus::is_public)
                    && r.last_end.is_none_or(|e| e > since)
                    && scopes.iter().any(|s| s.id == r.municipality_id)
            })
            .collect();
        Ok((self.records(public, scopes).await?, last))
    }

    /// Every event changed at or after `at` that the caller does not have already (`current`
    /// says, from its id and last change, whether the caller's copy is up to date): handed to
    /// `each` in parts of at most [`CHANGED_PART`], as its id and the event if it is public (in
    /// one of the given municipalities). Returns how many public events may have occurrences
    /// after `since` — [`Events::public_batch`] would list that many — for spotting deletions.
    ///
    /// Only ids and times are read for all; whole rows only for what is new to the caller
    /// (caches re-read the last seconds before their previous look, which after a mass import
    /// are tens of thousands of events they hold already), and a part at a time, so that a
    /// node catching up with a mass import never holds all of it. `each` breaks off the reading
    /// (the caller could not take a part in, and will start again from its own marks).
    pub async fn changed_since(
        &self,
        scopes: &[TenantScope],
        at: DateTime<Utc>,
        since: DateTime<Utc>,
        current: impl Fn(i64, DateTime<Utc>) -> bool,
        mut each: impl FnMut(Vec<(i64, Option<EventRecord>)>) -> std::ops::ControlFlow<()>,
    ) -> Result<u64, StorageError> {
        use sea_orm::PaginatorTrait as _;
        let stamps: Vec<(i64, DateTime<Utc>)> = event::Entity::find()
            .select_only()
            .column(event::Column::Id)
            .column(event::Column::UpdatedAt)
            .filter(event::Column::UpdatedAt.gte(at))
            .into_tuple()
            .all(self.db)
            .await?;
        let ids: Vec<i64> = stamps.into_iter().filter(|(id, t)| !current(*id, *t)).map(|(id, _)| id).collect();
        for chunk in ids.chunks(CHANGED_PART) {
            // By primary key only, the status is checked here: with `status IN (…)` in the
            // query, SQLite walked the status index over every public event once per part
            // (its planner assumes few rows per status), 40 ms per part at 100,000 events.
            let mut rows = event::Entity::find().filter(event::Column::Id.is_in(in_list(chunk))).all(self.db).await?;
            rows.retain(|r| EventStatus::parse(&r.status).is_some_and(EventStatus::is_public));
            let mut records: std::collections::HashMap<i64, EventRecord> =
                self.records(rows, scopes).await?.into_iter().map(|r| (r.id, r)).collect();
            if each(chunk.iter().map(|id| (*id, records.remove(id))).collect()).is_break() {
                break;
            }
        }
        let count = event::Entity::find()
            .filter(event::Column::MunicipalityId.is_in(scopes.iter().map(|s| s.id)))
            .filter(public_status())
            .filter(Condition::any().add(event::Column::LastEnd.is_null()).add(event::Column::LastEnd.gt(since)))
            .count(self.db)
            .await?;
        Ok(count)
    }

    /// Imports an event by UID: creates it, updates it when its content changed, or leaves it.
    /// Imported updates keep the status a moderator gave (an approved event stays approved);
    /// an event the importer itself withdrew ([`IMPORT_WITHDRAWAL`]) comes back with
    /// `status_if_new`. An event imported from a feed remembers the feed (`feed`); one imported
    /// earlier by hand is adopted by the first feed that lists it.
    pub async fn upsert(
        &self,
        scope: &TenantScope,
        uid: &str,
        draft: &EventDraft,
        status_if_new: EventStatus,
        feed: Option<i64>,
        actor: &Actor,
    ) -> Result<Upsert, StorageError> {
        let Some(existing) = self.by_uid(scope, uid).await? else {
            let new = NewEvent {
                draft,
                status: status_if_new,
                uid: Some(uid.to_owned()),
                source: EventSource::Import,
                submitter_email: None,
                confirm_token_hash: None,
                feed,
            };
            return Ok(Upsert::Created(self.create(scope, new, actor).await?.id));
        };
        if let (Some(feed), None) = (feed, existing.feed_id) {
            // Provenance only, not content: no audit entry, no new SEQUENCE.
            event::Entity::update_many()
                .col_expr(event::Column::FeedId, Expr::value(feed))
                .filter(event::Column::Id.eq(existing.id))
                .filter(event::Column::FeedId.is_null())
                .exec(self.db)
                .await?;
        }
        let withdrawn_by_import = existing.status == EventStatus::Draft
            && existing.moderation_note.as_deref().is_some_and(|n| n.starts_with(IMPORT_WITHDRAWAL));
        if withdrawn_by_import {
            self.update_with(scope, existing.id, draft, Some((status_if_new, true)), actor).await?;
            return Ok(Upsert::Updated(existing.id));
        }
        if &existing.draft == draft {
            return Ok(Upsert::Unchanged(existing.id));
        }
        self.update(scope, existing.id, draft, None, actor).await?;
        Ok(Upsert::Updated(existing.id))
    }

    /// Withdraws (to draft, with a note) the events of `feed` that have not ended yet and whose
    /// UID the feed no longer lists: the organiser deleted them at the source. Past events stay
    /// as they were. Returns the withdrawn events as (UID, title).
    pub async fn withdraw_missing(
        &self,
        scope: &TenantScope,
        feed: i64,
        listed: &std::collections::HashSet<String>,
        note: &str,
        actor: &Actor,
    ) -> Result<Vec<(String, String)>, StorageError> {
        let rows = event::Entity::find()
            .filter(event::Column::MunicipalityId.eq(scope.id))
            .filter(event::Column::FeedId.eq(feed))
            .filter(event::Column::Status.is_in([
                EventStatus::Published.as_str(),
                EventStatus::Cancelled.as_str(),
                EventStatus::Pending.as_str(),
            ]))
            .filter(Condition::any().add(event::Column::LastEnd.is_null()).add(event::Column::LastEnd.gt(Utc::now())))
            .all(self.db)
            .await?;
        let mut out = Vec::new();
        for r in rows.into_iter().filter(|r| !listed.contains(&r.uid)) {
            self.set_status(scope, r.id, EventStatus::Draft, Some(note), actor).await?;
            out.push((r.uid, r.title));
        }
        Ok(out)
    }

    /// How many events each feed of the scope brought that are not withdrawn, by feed id.
    pub async fn count_by_feed(&self, scope: &TenantScope) -> Result<Vec<(i64, u64)>, StorageError> {
        let rows: Vec<(Option<i64>, i64)> = event::Entity::find()
            .select_only()
            .column(event::Column::FeedId)
            .column_as(event::Column::Id.count(), "n")
            .filter(event::Column::MunicipalityId.eq(scope.id))
            .filter(event::Column::FeedId.is_not_null())
            .filter(event::Column::Status.ne(EventStatus::Draft.as_str()))
            .group_by(event::Column::FeedId)
            .into_tuple()
            .all(self.db)
            .await?;
        Ok(rows.into_iter().filter_map(|(f, n)| Some((f?, u64::try_from(n).unwrap_or(0)))).collect())
    }

    /// Confirms a submission by the SHA-256 of its e-mail link's token: the token is the
    /// proof, so no scope is needed. Returns the event's id and municipality, or `None` for an
    /// unknown or used link.
    pub async fn confirm_submission(
        &self,
        token_hash: &str,
        actor: &Actor,
    ) -> Result<Option<(i64, i64)>, StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let Some(row) = event::Entity::find()
            .filter(event::Column::ConfirmTokenHash.eq(token_hash))
            .filter(event::Column::ConfirmedAt.is_null())
            .one(&txn)
            .await?
        else {
            return Ok(None);
        };
        let (id, municipality_id) = (row.id, row.municipality_id);
        let mut a: event::ActiveModel = row.into();
        a.confirmed_at = Set(Some(Utc::now()));
        a.confirm_token_hash = Set(None);
        a.update(&txn).await?;
        crate::audit::record_raw(
            &txn,
            actor,
            Some(municipality_id),
            "event",
            Some(id.to_string()),
            "confirm",
            json!({}),
        )
        .await?;
        bump(&txn).await?;
        txn.commit().await?;
        self.changed();
        Ok(Some((id, municipality_id)))
    }

    /// Stores or replaces an event's image (already checked by the caller).
    pub async fn set_image(
        &self,
        scope: &TenantScope,
        id: i64,
        image: Option<(&str, &[u8], &str)>,
        actor: &Actor,
    ) -> Result<(), StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let row = event::Entity::find_by_id(id)
            .filter(event::Column::MunicipalityId.eq(scope.id))
            .one(&txn)
            .await?
            .ok_or(StorageError::NotFound)?;
        event_image::Entity::delete_by_id(id).exec(&txn).await?;
        let mut a: event::ActiveModel = row.into();
        match image {
            Some((content_type, bytes, alt)) => {
                event_image::ActiveModel { event_id: Set(id), bytes: Set(bytes.to_vec()) }.insert(&txn).await?;
                a.image_type = Set(Some(content_type.to_owned()));
                a.image_alt = Set(Some(alt.to_owned()));
            }
            None => {
                a.image_type = Set(None);
                a.image_alt = Set(None);
            }
        }
        a.updated_at = Set(Utc::now());
        a.update(&txn).await?;
        record(
            &txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "event",
                entity_id: Some(id.to_string()),
                action: "image",
                changes: json!({ "image": image.map(|(t, b, _)| format!("{t}, {} bytes", b.len())) }),
            },
        )
        .await?;
        bump(&txn).await?;
        txn.commit().await?;
        self.changed();
        Ok(())
    }

    /// The image of an event of the scope, whatever its status (for its editors and tokens).
    pub async fn image(&self, scope: &TenantScope, id: i64) -> Result<Option<(String, Vec<u8>)>, StorageError> {
        let Some(e) = self.get(scope, id).await? else { return Ok(None) };
        let Some(meta) = e.image else { return Ok(None) };
        Ok(event_image::Entity::find_by_id(id).one(self.db).await?.map(|r| (meta.content_type, r.bytes)))
    }

    /// The image bytes of a public event.
    pub async fn public_image(
        &self,
        scopes: &[TenantScope],
        id: i64,
    ) -> Result<Option<(String, Vec<u8>)>, StorageError> {
        let Some(e) = self.public(scopes, id).await? else { return Ok(None) };
        let Some(meta) = e.image else { return Ok(None) };
        Ok(event_image::Entity::find_by_id(id).one(self.db).await?.map(|r| (meta.content_type, r.bytes)))
    }

    async fn overrides_of(&self, ids: &[i64]) -> Result<Vec<event_override::Model>, StorageError> {
        let mut out = Vec::new();
        for chunk in ids.chunks(CHANGED_PART) {
            out.extend(
                event_override::Entity::find()
                    .filter(event_override::Column::EventId.is_in(in_list(chunk)))
                    .order_by_asc(event_override::Column::RecurrenceId)
                    .all(self.db)
                    .await?,
            );
        }
        Ok(out)
    }

    async fn records(&self, rows: Vec<event::Model>, scopes: &[TenantScope]) -> Result<Vec<EventRecord>, StorageError> {
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let mut overrides = self.overrides_of(&ids).await?;
        overrides.sort_by_key(|o| o.event_id);
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            let Some(scope) = scopes.iter().find(|s| s.id == r.municipality_id) else { continue };
            let start = overrides.partition_point(|o| o.event_id < r.id);
            let end = overrides.partition_point(|o| o.event_id <= r.id);
            let mine = overrides[start..end].to_vec();
            out.push(row_to_record(r, &scope.slug, mine)?);
        }
        Ok(out)
    }
}

fn apply_filter(mut q: sea_orm::Select<event::Entity>, f: &EventFilter) -> sea_orm::Select<event::Entity> {
    if !f.categories.is_empty() {
        let mut any = Condition::any();
        for c in &f.categories {
            any = any.add(event::Column::Categories.contains(format!(",{},", c.slug())));
        }
        q = q.filter(any);
    }
    for w in &f.words {
        q = q.filter(event::Column::SearchText.contains(w.to_lowercase()));
    }
    if f.free_only {
        q = q.filter(event::Column::Free.eq(true));
    }
    if f.accessible_only {
        q = q.filter(event::Column::StepFree.eq(true));
    }
    if let Some(p) = &f.place {
        q = q.filter(Expr::expr(Func::lower(Expr::col(event::Column::VenuePlace))).eq(p.to_lowercase()));
    }
    q
}

/// Events the public calendar shows: published and cancelled ones.
fn public_status() -> sea_orm::sea_query::SimpleExpr {
    event::Column::Status.is_in([EventStatus::Published.as_str(), EventStatus::Cancelled.as_str()])
}

fn is_unique_violation(e: &sea_orm::DbErr) -> bool {
    matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

#[cfg(test)]
mod in_list_tests {
    use super::in_list;

    #[test]
    fn id_lists_come_in_a_few_lengths_and_keep_their_ids() {
        assert!(in_list(&[]).is_empty());
        assert_eq!(in_list(&[7]), vec![7]);
        assert_eq!(in_list(&[1, 2]), vec![1, 2, 2, 2]);
        assert_eq!(in_list(&[1, 2, 3, 4, 5]).len(), 16);
        let ids: Vec<i64> = (0..super::CHANGED_PART as i64).collect();
        assert_eq!(in_list(&ids), ids, "a full part is one length already");
        let lengths: std::collections::BTreeSet<usize> = (1..=1024).map(|n| in_list(&ids[..n]).len()).collect();
        assert_eq!(lengths.into_iter().collect::<Vec<_>>(), vec![1, 4, 16, 64, 256, 1024]);
    }
}
