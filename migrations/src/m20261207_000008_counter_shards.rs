//! The change counters (`event_version`, `service_version`) get 16 rows instead of one. On
//! PostgreSQL every write transaction raised the same row, so writes waited for each other's
//! commit (the row lock is held until then): 700 commits/s where the disk allowed 3,100
//! (pgbench beside the bench's write route). Each connection now raises its own row; readers
//! sum them, and the sum still rises with every committed change.

use sea_orm_migration::prelude::*;

/// The rows this migration adds up to. A literal, not [`crate::COUNTER_SHARDS`]: a released
/// migration must not change when the constant does (more rows need a new migration).
const SHARDS: i32 = 16;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum EventVersion {
    Table,
    Id,
    Version,
}

#[derive(DeriveIden)]
enum ServiceVersion {
    Table,
    Id,
    Version,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for (table, id, version) in [
            (EventVersion::Table.into_iden(), EventVersion::Id.into_iden(), EventVersion::Version.into_iden()),
            (ServiceVersion::Table.into_iden(), ServiceVersion::Id.into_iden(), ServiceVersion::Version.into_iden()),
        ] {
            let mut rows = Query::insert();
            rows.into_table(table).columns([id, version]);
            for shard in 2..=SHARDS {
                rows.values([shard.into(), 0.into()]).map_err(|e| DbErr::Custom(e.to_string()))?;
            }
            m.exec_stmt(rows).await?;
        }
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // Folds the shards back into row 1, so that the sum readers saw is kept.
        for table in ["event_version", "service_version"] {
            let sql = format!(
                "UPDATE {table} SET version = (SELECT SUM(version) FROM {table}) WHERE id = 1; \
                 DELETE FROM {table} WHERE id > 1"
            );
            m.get_connection().execute_unprepared(&sql).await?;
        }
        Ok(())
    }
}
