//! Which API token created an event: a trusted organiser's token may change and delete only the
//! events it created itself (accounts are recorded in `event.created_by` already).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Event {
    Table,
    MunicipalityId,
    CreatedBy,
    CreatedByToken,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(Event::Table)
                .add_column(ColumnDef::new(Event::CreatedByToken).big_integer().null())
                .take(),
        )
        .await?;
        // An organiser's list of their own events.
        m.create_index(
            Index::create()
                .name("idx_event_creator")
                .table(Event::Table)
                .col(Event::MunicipalityId)
                .col(Event::CreatedBy)
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_index(Index::drop().name("idx_event_creator").table(Event::Table).to_owned()).await?;
        m.alter_table(Table::alter().table(Event::Table).drop_column(Event::CreatedByToken).take()).await
    }
}
