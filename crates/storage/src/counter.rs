//! Shared change counters: one-row tables (`event_version`, `service_version`) that every
//! write raises in its own transaction, so that every app node on one database can tell by a
//! cheap read whether its in-memory copy (catalog, search index) is stale.

use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Query};
use sea_orm::{ConnectionTrait, FromQueryResult, JsonValue};

use crate::StorageError;

/// A counter table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Counter(pub(crate) &'static str);

impl Counter {
    /// Raises the counter by one (call inside the transaction of the change).
    pub(crate) async fn bump(self, db: &impl ConnectionTrait) -> Result<(), StorageError> {
        self.add(db, 1).await
    }

    /// Raises the counter by `n` (a group commit's writes at once).
    pub(crate) async fn add(self, db: &impl ConnectionTrait, n: i64) -> Result<(), StorageError> {
        let mut q = Query::update();
        q.table(Alias::new(self.0))
            .value(Alias::new("version"), Expr::col(Alias::new("version")).add(n))
            .and_where(Expr::col(Alias::new("id")).eq(1));
        db.execute(&q).await?;
        Ok(())
    }

    /// The counter's value (0 when the row is missing).
    pub(crate) async fn read(self, db: &impl ConnectionTrait) -> Result<i64, StorageError> {
        let mut q = Query::select();
        q.column(Alias::new("version")).from(Alias::new(self.0)).and_where(Expr::col(Alias::new("id")).eq(1));
        let row = JsonValue::find_by_statement(db.get_database_backend().build(&q)).one(db).await?;
        Ok(row.and_then(|r| r.get("version").and_then(serde_json::Value::as_i64)).unwrap_or(0))
    }
}
