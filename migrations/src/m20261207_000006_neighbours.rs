//! Neighbouring municipalities (from the region file): a calendar "with neighbours" shows
//! their events too. Both directions are stored, so a lookup needs one column.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Municipality {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum MunicipalityNeighbour {
    Table,
    MunicipalityId,
    NeighbourId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(MunicipalityNeighbour::Table)
                .col(ColumnDef::new(MunicipalityNeighbour::MunicipalityId).big_integer().not_null())
                .col(ColumnDef::new(MunicipalityNeighbour::NeighbourId).big_integer().not_null())
                .primary_key(
                    Index::create().col(MunicipalityNeighbour::MunicipalityId).col(MunicipalityNeighbour::NeighbourId),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_neighbour_municipality")
                        .from(MunicipalityNeighbour::Table, MunicipalityNeighbour::MunicipalityId)
                        .to(Municipality::Table, Municipality::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_neighbour_neighbour")
                        .from(MunicipalityNeighbour::Table, MunicipalityNeighbour::NeighbourId)
                        .to(Municipality::Table, Municipality::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(Table::drop().table(MunicipalityNeighbour::Table).take()).await
    }
}
