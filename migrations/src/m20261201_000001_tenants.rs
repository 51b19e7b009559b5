//! The region and its municipalities (tenants), their places and legal pages.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Region {
    Table,
    Id,
    Slug,
    Name,
    NameEn,
    Timezone,
    Website,
    IsDemo,
    ContactName,
    ContactStreet,
    ContactPostcode,
    ContactCity,
    ContactPhone,
    ContactEmail,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Municipality {
    Table,
    Id,
    Slug,
    Name,
    Kind,
    ParentId,
    Ags,
    Ars,
    ThemeColour,
    Website,
    ContactName,
    ContactStreet,
    ContactPostcode,
    ContactCity,
    ContactPhone,
    ContactEmail,
    LogoContentType,
    LogoBytes,
    RequireMfa,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Place {
    Table,
    Id,
    MunicipalityId,
    Name,
    Postcode,
}

#[derive(DeriveIden)]
enum LegalPage {
    Table,
    Id,
    MunicipalityId,
    Kind,
    Locale,
    Body,
    UpdatedAt,
}

fn id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().auto_increment().primary_key().take()
}

fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).string().not_null().take()
}

fn text_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).string().null().take()
}

fn instant<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().not_null().take()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Region::Table)
                    .col(ColumnDef::new(Region::Id).integer().not_null().primary_key())
                    .col(text(Region::Slug))
                    .col(text(Region::Name))
                    .col(text_null(Region::NameEn))
                    .col(text(Region::Timezone))
                    .col(text_null(Region::Website))
                    // Invented demo content: the pages then show a "Demo" banner.
                    .col(ColumnDef::new(Region::IsDemo).boolean().not_null().default(false))
                    .col(text(Region::ContactName))
                    .col(text(Region::ContactStreet))
                    .col(text(Region::ContactPostcode))
                    .col(text(Region::ContactCity))
                    .col(text_null(Region::ContactPhone))
                    .col(text_null(Region::ContactEmail))
                    .col(instant(Region::UpdatedAt))
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Municipality::Table)
                    .col(id(Municipality::Id))
                    .col(text(Municipality::Slug).unique_key().take())
                    .col(text(Municipality::Name))
                    .col(text(Municipality::Kind))
                    .col(ColumnDef::new(Municipality::ParentId).big_integer().null())
                    .col(text(Municipality::Ags).unique_key().take())
                    .col(text(Municipality::Ars).unique_key().take())
                    .col(text(Municipality::ThemeColour))
                    .col(text_null(Municipality::Website))
                    .col(text(Municipality::ContactName))
                    .col(text(Municipality::ContactStreet))
                    .col(text(Municipality::ContactPostcode))
                    .col(text(Municipality::ContactCity))
                    .col(text_null(Municipality::ContactPhone))
                    .col(text_null(Municipality::ContactEmail))
                    .col(text_null(Municipality::LogoContentType))
                    .col(ColumnDef::new(Municipality::LogoBytes).blob().null())
                    // Whether every staff member of this municipality needs a second factor
                    // (administrators always do).
                    .col(ColumnDef::new(Municipality::RequireMfa).boolean().not_null().default(false))
                    .col(instant(Municipality::CreatedAt))
                    .col(instant(Municipality::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_municipality_parent")
                            .from(Municipality::Table, Municipality::ParentId)
                            .to(Municipality::Table, Municipality::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .take(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Place::Table)
                    .col(id(Place::Id))
                    .col(ColumnDef::new(Place::MunicipalityId).big_integer().not_null())
                    .col(text(Place::Name))
                    .col(text(Place::Postcode))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_place_municipality")
                            .from(Place::Table, Place::MunicipalityId)
                            .to(Municipality::Table, Municipality::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create().name("idx_place_municipality").table(Place::Table).col(Place::MunicipalityId).take(),
            )
            .await?;
        manager
            .create_index(Index::create().name("idx_place_postcode").table(Place::Table).col(Place::Postcode).take())
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(LegalPage::Table)
                    .col(id(LegalPage::Id))
                    // NULL: the region's own page (of the platform operator).
                    .col(ColumnDef::new(LegalPage::MunicipalityId).big_integer().null())
                    .col(text(LegalPage::Kind))
                    .col(text(LegalPage::Locale))
                    .col(ColumnDef::new(LegalPage::Body).text().not_null())
                    .col(instant(LegalPage::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("fk_legal_page_municipality")
                            .from(LegalPage::Table, LegalPage::MunicipalityId)
                            .to(Municipality::Table, Municipality::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .take(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_legal_page_owner")
                    .table(LegalPage::Table)
                    .col(LegalPage::MunicipalityId)
                    .col(LegalPage::Kind)
                    .take(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            LegalPage::Table.into_iden(),
            Place::Table.into_iden(),
            Municipality::Table.into_iden(),
            Region::Table.into_iden(),
        ] {
            manager.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
