//! Regioportal's database migrations: one set, written with SeaQuery, rendered for SQLite and
//! PostgreSQL alike. Add a migration as a new module `mYYYYMMDD_NNNNNN_what.rs` and append it to
//! [`Migrator::migrations`]; never edit one that has been released.

use sea_orm_migration::prelude::*;

mod m20261201_000001_tenants;
mod m20261201_000002_staff;
mod m20261201_000003_events;
mod m20261201_000004_services;
mod m20261207_000005_event_token_owner;
mod m20261207_000006_neighbours;
mod m20261207_000007_archive;
mod m20261207_000008_counter_shards;
mod m20261207_000009_event_live_index;

/// How many rows each change counter table (`event_version`, `service_version`) has, ids 1 to
/// this: a write raises the row of its connection (see `m20261207_000008_counter_shards`).
/// Raising it needs a migration that adds the rows.
pub const COUNTER_SHARDS: i32 = 16;

/// Applies the migrations in order.
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261201_000001_tenants::Migration),
            Box::new(m20261201_000002_staff::Migration),
            Box::new(m20261201_000003_events::Migration),
            Box::new(m20261201_000004_services::Migration),
            Box::new(m20261207_000005_event_token_owner::Migration),
            Box::new(m20261207_000006_neighbours::Migration),
            Box::new(m20261207_000007_archive::Migration),
            Box::new(m20261207_000008_counter_shards::Migration),
            Box::new(m20261207_000009_event_live_index::Migration),
        ]
    }
}

/// Re-exported so that callers can run the migrator without depending on SeaORM's migration crate.
pub use sea_orm_migration::MigratorTrait;
