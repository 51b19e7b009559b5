//! Login throttling in the database, so that every app node sees the same counts.

use chrono::{DateTime, Utc};
use regioportal_domain::auth::backoff_after;
use sea_orm::sea_query::{Expr, ExprTrait, OnConflict};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, Set};

use crate::StorageError;
use crate::entity::login_throttle;

/// Counts failed logins per key (an account or a client address).
#[derive(Debug, Clone, Copy)]
pub struct Throttle<'a> {
    pub(crate) db: &'a DatabaseConnection,
}

impl Throttle<'_> {
    /// Until when the key is blocked, if it is blocked now.
    pub async fn blocked_until(&self, key: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, StorageError> {
        let row = login_throttle::Entity::find_by_id(key.to_owned()).one(self.db).await?;
        Ok(row.and_then(|r| r.blocked_until).filter(|until| *until > now))
    }

    /// Records a failure and returns the new count. The increment is one atomic upsert, so
    /// concurrent failures on two nodes are both counted.
    pub async fn record_failure(&self, key: &str, now: DateTime<Utc>, free_attempts: u32) -> Result<u32, StorageError> {
        let row = login_throttle::ActiveModel {
            key: Set(key.to_owned()),
            failures: Set(1),
            last_failure_at: Set(now),
            blocked_until: Set(None),
        };
        login_throttle::Entity::insert(row)
            .on_conflict(
                OnConflict::column(login_throttle::Column::Key)
                    .value(
                        login_throttle::Column::Failures,
                        Expr::col((login_throttle::Entity, login_throttle::Column::Failures)).add(1),
                    )
                    .value(login_throttle::Column::LastFailureAt, now)
                    .to_owned(),
            )
            .exec(self.db)
            .await?;
        let failures = login_throttle::Entity::find_by_id(key.to_owned())
            .one(self.db)
            .await?
            .map_or(1, |r| u32::try_from(r.failures).unwrap_or(u32::MAX));
        let delay = backoff_after(failures.saturating_sub(free_attempts));
        if !delay.is_zero() {
            let until = now + chrono::Duration::from_std(delay).unwrap_or_else(|_| chrono::Duration::minutes(15));
            login_throttle::Entity::update_many()
                .col_expr(login_throttle::Column::BlockedUntil, Expr::value(until))
                .filter(login_throttle::Column::Key.eq(key))
                .exec(self.db)
                .await?;
        }
        Ok(failures)
    }

    /// Forgets the failures of a key (after a successful login).
    pub async fn reset(&self, key: &str) -> Result<(), StorageError> {
        login_throttle::Entity::delete_by_id(key.to_owned()).exec(self.db).await?;
        Ok(())
    }
}
