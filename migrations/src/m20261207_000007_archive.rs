//! Closed offices and discontinued services are archived, never deleted: responsibilities,
//! forms and local texts hang on them, and the audit log names them. An archived one is not
//! public; editors can reopen it.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Office {
    Table,
    ArchivedAt,
}

#[derive(DeriveIden)]
enum Service {
    Table,
    ArchivedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Office::Table)
                .add_column(ColumnDef::new(Office::ArchivedAt).timestamp_with_time_zone().null())
                .take(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(Service::Table)
                .add_column(ColumnDef::new(Service::ArchivedAt).timestamp_with_time_zone().null())
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(Table::alter().table(Service::Table).drop_column(Service::ArchivedAt).take()).await?;
        m.alter_table(Table::alter().table(Office::Table).drop_column(Office::ArchivedAt).take()).await
    }
}
