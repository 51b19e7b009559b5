//! Shared change counters: small tables (`event_version`, `service_version`) that every write
//! raises in its own transaction, so that every app node on one database can tell by a cheap
//! read whether its in-memory copy (catalog, search index) is stale.
//!
//! A counter is the sum of [`COUNTER_SHARDS`] rows. On PostgreSQL each connection raises the
//! row of its backend process: with one row every write transaction waited for the previous
//! one's commit (the row lock is held until then), which capped writes at ~700/s. SQLite has
//! one writer and always raises row 1. The sum rises with every committed change all the same.

use regioportal_migrations::COUNTER_SHARDS;
use sea_orm::sea_query::{Alias, Expr, ExprTrait as _, Query};
use sea_orm::{ConnectionTrait, DbBackend};

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
        q.table(Alias::new(self.0)).value(Alias::new("version"), Expr::col(Alias::new("version")).add(n)).and_where(
            Expr::col(Alias::new("id")).eq(match db.get_database_backend() {
                DbBackend::Postgres => Expr::cust(format!("1 + pg_backend_pid() % {COUNTER_SHARDS}")),
                _ => Expr::val(1),
            }),
        );
        // A raise that finds no row would be lost without a word, and other nodes would never
        // see the change: refuse the write instead.
        let done = db.execute(&q).await?;
        if done.rows_affected() != 1 {
            return Err(StorageError::Db(sea_orm::DbErr::Custom(format!(
                "the change counter {} has no row for this connection: run the migrations",
                self.0
            ))));
        }
        Ok(())
    }

    /// The counter's value: the sum of its rows (0 when there are none).
    pub(crate) async fn read(self, db: &impl ConnectionTrait) -> Result<i64, StorageError> {
        // PostgreSQL sums BIGINTs into a NUMERIC: cast back.
        let sql = format!("SELECT CAST(COALESCE(SUM(version), 0) AS BIGINT) AS version FROM {}", self.0);
        let backend = db.get_database_backend();
        let row = db.query_one_raw(sea_orm::Statement::from_string(backend, sql)).await?;
        Ok(match row {
            Some(row) => row.try_get::<i64>("", "version")?,
            None => 0,
        })
    }
}
