//! Subscribed iCalendar feeds of organisers: a municipality's editors add a URL, the server
//! polls it on a schedule and imports it like `regioportal events import` does.

use chrono::{DateTime, Utc};
use regioportal_domain::Slug;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use crate::audit::{Actor, Change, record};
use crate::entity::{event_feed, municipality};
use crate::{StorageError, TenantScope};

/// The shortest polling interval (minutes): organisers' servers deserve some rest.
pub const MIN_INTERVAL_MINUTES: i32 = 15;

/// A subscribed feed.
#[derive(Debug, Clone)]
pub struct FeedRecord {
    /// Id.
    pub id: i64,
    /// What it is ("Theater Gera, Spielplan").
    pub name: String,
    /// The iCalendar URL (http or https).
    pub url: String,
    /// Minutes between polls.
    pub interval_minutes: i32,
    /// Whether new events are published directly (a trusted organiser) or wait for moderation.
    pub publish: bool,
    /// Last poll.
    pub last_polled_at: Option<DateTime<Utc>>,
    /// The report of the last poll.
    pub last_report: Option<String>,
}

fn to_record(m: event_feed::Model) -> FeedRecord {
    FeedRecord {
        id: m.id,
        name: m.name,
        url: m.url,
        interval_minutes: m.interval_minutes,
        publish: m.publish,
        last_polled_at: m.last_polled_at,
        last_report: m.last_report,
    }
}

/// Reads and writes feed subscriptions.
#[derive(Debug, Clone, Copy)]
pub struct Feeds<'a> {
    pub(crate) db: &'a DatabaseConnection,
}

impl Feeds<'_> {
    /// The feeds of a municipality, by name.
    pub async fn list(&self, scope: &TenantScope) -> Result<Vec<FeedRecord>, StorageError> {
        let rows = event_feed::Entity::find()
            .filter(event_feed::Column::MunicipalityId.eq(scope.id))
            .order_by_asc(event_feed::Column::Name)
            .all(self.db)
            .await?;
        Ok(rows.into_iter().map(to_record).collect())
    }

    /// One feed of a municipality.
    pub async fn get(&self, scope: &TenantScope, id: i64) -> Result<Option<FeedRecord>, StorageError> {
        Ok(event_feed::Entity::find_by_id(id)
            .filter(event_feed::Column::MunicipalityId.eq(scope.id))
            .one(self.db)
            .await?
            .map(to_record))
    }

    /// Subscribes a feed; a URL already subscribed by the municipality is a conflict.
    pub async fn add(
        &self,
        scope: &TenantScope,
        name: &str,
        url: &str,
        interval_minutes: i32,
        publish: bool,
        actor: &Actor,
    ) -> Result<FeedRecord, StorageError> {
        let dup = event_feed::Entity::find()
            .filter(event_feed::Column::MunicipalityId.eq(scope.id))
            .filter(event_feed::Column::Url.eq(url))
            .one(self.db)
            .await?;
        if dup.is_some() {
            return Err(StorageError::Conflict(format!("{url} is already subscribed")));
        }
        let row = event_feed::ActiveModel {
            municipality_id: Set(scope.id),
            name: Set(name.to_owned()),
            url: Set(url.to_owned()),
            interval_minutes: Set(interval_minutes.max(MIN_INTERVAL_MINUTES)),
            publish: Set(publish),
            last_polled_at: Set(None),
            last_report: Set(None),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(self.db)
        .await?;
        record(
            self.db,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "event_feed",
                entity_id: Some(row.id.to_string()),
                action: "create",
                changes: json!({ "name": name, "url": url, "publish": publish, "interval_minutes": row.interval_minutes }),
            },
        )
        .await?;
        Ok(to_record(row))
    }

    /// Ends a subscription (the imported events stay); false if there is no such feed.
    pub async fn remove(&self, scope: &TenantScope, id: i64, actor: &Actor) -> Result<bool, StorageError> {
        let Some(row) = event_feed::Entity::find_by_id(id)
            .filter(event_feed::Column::MunicipalityId.eq(scope.id))
            .one(self.db)
            .await?
        else {
            return Ok(false);
        };
        event_feed::Entity::delete_by_id(id).exec(self.db).await?;
        record(
            self.db,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "event_feed",
                entity_id: Some(id.to_string()),
                action: "delete",
                changes: json!({ "url": row.url }),
            },
        )
        .await?;
        Ok(true)
    }

    /// Claims the feeds that are due (never polled, or their interval has passed): each is
    /// claimed by one conditional update, so with several app nodes each feed is polled by
    /// exactly one of them. `force` claims one feed now, whatever its schedule.
    pub async fn claim_due(
        &self,
        now: DateTime<Utc>,
        force: Option<(&TenantScope, i64)>,
    ) -> Result<Vec<(FeedRecord, TenantScope)>, StorageError> {
        let mut q = event_feed::Entity::find();
        if let Some((scope, id)) = force {
            q = q.filter(event_feed::Column::Id.eq(id)).filter(event_feed::Column::MunicipalityId.eq(scope.id));
        }
        let rows = q.all(self.db).await?;
        let mut out = Vec::new();
        for r in rows {
            let due_at = r.last_polled_at.map(|t| t + chrono::Duration::minutes(i64::from(r.interval_minutes)));
            if force.is_none() && due_at.is_some_and(|d| d > now) {
                continue;
            }
            let mut claim = event_feed::Entity::update_many()
                .col_expr(event_feed::Column::LastPolledAt, Expr::value(now))
                .filter(event_feed::Column::Id.eq(r.id));
            claim = match r.last_polled_at {
                Some(t) => claim.filter(event_feed::Column::LastPolledAt.eq(t)),
                None => claim.filter(Condition::all().add(event_feed::Column::LastPolledAt.is_null())),
            };
            if claim.exec(self.db).await?.rows_affected != 1 {
                continue; // another node was quicker
            }
            let Some(m) = municipality::Entity::find_by_id(r.municipality_id).one(self.db).await? else { continue };
            let slug = Slug::parse(&m.slug).map_err(|e| StorageError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
            out.push((to_record(r), TenantScope { id: m.id, slug }));
        }
        Ok(out)
    }

    /// Stores the report of a poll.
    pub async fn report(&self, id: i64, report: &str) -> Result<(), StorageError> {
        event_feed::Entity::update_many()
            .col_expr(event_feed::Column::LastReport, Expr::value(report.to_owned()))
            .filter(event_feed::Column::Id.eq(id))
            .exec(self.db)
            .await?;
        Ok(())
    }
}
