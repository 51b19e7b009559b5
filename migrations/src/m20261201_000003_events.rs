//! The events calendar: events (owned by the municipality where they take place), their changed
//! or cancelled single occurrences, and subscribed organiser feeds.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Municipality {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Event {
    Table,
    Id,
    MunicipalityId,
    Uid,
    Status,
    Title,
    Description,
    Timezone,
    AllDay,
    StartLocal,
    EndLocal,
    Rrule,
    Exdates,
    Rdates,
    FirstStart,
    LastEnd,
    VenueName,
    VenueStreet,
    VenuePostcode,
    VenuePlace,
    VenueLat,
    VenueLon,
    StepFree,
    AccessibleToilet,
    InductionLoop,
    AccessibilityNote,
    OrganizerName,
    OrganizerEmail,
    OrganizerPhone,
    OrganizerUrl,
    Categories,
    Free,
    Price,
    Links,
    ImageType,
    ImageAlt,
    SearchText,
    Source,
    FeedId,
    SubmitterEmail,
    ConfirmTokenHash,
    ConfirmedAt,
    ModerationNote,
    Sequence,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum EventOverride {
    Table,
    Id,
    EventId,
    RecurrenceId,
    Cancelled,
    StartLocal,
    EndLocal,
    Title,
}

#[derive(DeriveIden)]
enum EventVersion {
    Table,
    Id,
    Version,
}

#[derive(DeriveIden)]
enum EventImage {
    Table,
    EventId,
    Bytes,
}

#[derive(DeriveIden)]
enum EventFeed {
    Table,
    Id,
    MunicipalityId,
    Name,
    Url,
    IntervalMinutes,
    Publish,
    LastPolledAt,
    LastReport,
    CreatedAt,
}

fn id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().auto_increment().primary_key().take()
}

fn text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).string().not_null().take()
}

fn long_text<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).text().not_null().default("").take()
}

fn text_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).string().null().take()
}

fn flag<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).boolean().not_null().default(false).take()
}

fn instant<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().not_null().take()
}

fn instant_null<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).timestamp_with_time_zone().null().take()
}

async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: &[&str],
    unique: bool,
) -> Result<(), DbErr> {
    let mut i = Index::create().name(name).table(table).take();
    for c in cols {
        i.col(Alias::new(*c));
    }
    if unique {
        i.unique();
    }
    m.create_index(i).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(EventFeed::Table)
                .col(id(EventFeed::Id))
                .col(ColumnDef::new(EventFeed::MunicipalityId).big_integer().not_null())
                .col(text(EventFeed::Name))
                .col(text(EventFeed::Url))
                .col(ColumnDef::new(EventFeed::IntervalMinutes).integer().not_null().default(360))
                // Whether imported events are published directly (a trusted organiser) or wait.
                .col(flag(EventFeed::Publish))
                .col(instant_null(EventFeed::LastPolledAt))
                .col(ColumnDef::new(EventFeed::LastReport).text().null())
                .col(instant(EventFeed::CreatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_feed_municipality")
                        .from(EventFeed::Table, EventFeed::MunicipalityId)
                        .to(Municipality::Table, Municipality::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        index(m, "idx_feed_url", EventFeed::Table, &["municipality_id", "url"], true).await?;

        m.create_table(
            Table::create()
                .table(Event::Table)
                .col(id(Event::Id))
                // The municipality where the event takes place: its moderators decide on it.
                .col(ColumnDef::new(Event::MunicipalityId).big_integer().not_null())
                // The iCalendar UID: ours for events made here, the source's for imported ones.
                .col(text(Event::Uid))
                .col(text(Event::Status))
                .col(text(Event::Title))
                .col(long_text(Event::Description))
                .col(text(Event::Timezone))
                .col(flag(Event::AllDay))
                // Local wall times (ISO 8601 without offset): rules expand in wall time.
                .col(text(Event::StartLocal))
                .col(text(Event::EndLocal))
                .col(text_null(Event::Rrule))
                .col(long_text(Event::Exdates))
                .col(long_text(Event::Rdates))
                // The span any occurrence touches, for the window pre-filter; NULL = endless.
                .col(instant(Event::FirstStart))
                .col(instant_null(Event::LastEnd))
                .col(text(Event::VenueName))
                .col(text_null(Event::VenueStreet))
                .col(text_null(Event::VenuePostcode))
                .col(text_null(Event::VenuePlace))
                .col(ColumnDef::new(Event::VenueLat).double().null())
                .col(ColumnDef::new(Event::VenueLon).double().null())
                .col(flag(Event::StepFree))
                .col(flag(Event::AccessibleToilet))
                .col(flag(Event::InductionLoop))
                .col(ColumnDef::new(Event::AccessibilityNote).text().null())
                .col(text_null(Event::OrganizerName))
                .col(text_null(Event::OrganizerEmail))
                .col(text_null(Event::OrganizerPhone))
                .col(text_null(Event::OrganizerUrl))
                // ",konzert,markt,": a LIKE '%,konzert,%' finds a category on both backends.
                .col(text(Event::Categories))
                .col(flag(Event::Free))
                .col(text_null(Event::Price))
                .col(long_text(Event::Links))
                .col(text_null(Event::ImageType))
                .col(text_null(Event::ImageAlt))
                // Lower-case title, venue, place and description for the free-text filter.
                .col(long_text(Event::SearchText))
                .col(text(Event::Source))
                .col(ColumnDef::new(Event::FeedId).big_integer().null())
                .col(text_null(Event::SubmitterEmail))
                .col(text_null(Event::ConfirmTokenHash))
                .col(instant_null(Event::ConfirmedAt))
                .col(ColumnDef::new(Event::ModerationNote).text().null())
                .col(ColumnDef::new(Event::Sequence).integer().not_null().default(0))
                .col(ColumnDef::new(Event::CreatedBy).big_integer().null())
                .col(instant(Event::CreatedAt))
                .col(instant(Event::UpdatedAt))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_event_municipality")
                        .from(Event::Table, Event::MunicipalityId)
                        .to(Municipality::Table, Municipality::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_event_feed")
                        .from(Event::Table, Event::FeedId)
                        .to(EventFeed::Table, EventFeed::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .take(),
        )
        .await?;
        index(m, "idx_event_uid", Event::Table, &["municipality_id", "uid"], true).await?;
        index(m, "idx_event_window", Event::Table, &["status", "first_start"], false).await?;
        index(m, "idx_event_tenant", Event::Table, &["municipality_id", "status", "first_start"], false).await?;
        index(m, "idx_event_confirm", Event::Table, &["confirm_token_hash"], false).await?;
        // App nodes reload the events changed since their last look.
        index(m, "idx_event_updated", Event::Table, &["updated_at"], false).await?;

        m.create_table(
            Table::create()
                .table(EventOverride::Table)
                .col(id(EventOverride::Id))
                .col(ColumnDef::new(EventOverride::EventId).big_integer().not_null())
                .col(text(EventOverride::RecurrenceId))
                .col(flag(EventOverride::Cancelled))
                .col(text_null(EventOverride::StartLocal))
                .col(text_null(EventOverride::EndLocal))
                .col(text_null(EventOverride::Title))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_override_event")
                        .from(EventOverride::Table, EventOverride::EventId)
                        .to(Event::Table, Event::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        // The image bytes live apart so that listing events never reads them.
        m.create_table(
            Table::create()
                .table(EventImage::Table)
                .col(ColumnDef::new(EventImage::EventId).big_integer().not_null().primary_key())
                .col(ColumnDef::new(EventImage::Bytes).blob().not_null())
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_image_event")
                        .from(EventImage::Table, EventImage::EventId)
                        .to(Event::Table, Event::Id)
                        .on_delete(ForeignKeyAction::Cascade),
                )
                .take(),
        )
        .await?;
        // One row, raised by every change of any event: app nodes poll it to keep their
        // in-memory calendar index current.
        m.create_table(
            Table::create()
                .table(EventVersion::Table)
                .col(ColumnDef::new(EventVersion::Id).integer().not_null().primary_key())
                .col(ColumnDef::new(EventVersion::Version).big_integer().not_null().default(0))
                .take(),
        )
        .await?;
        let mut first = Query::insert();
        first
            .into_table(EventVersion::Table)
            .columns([EventVersion::Id, EventVersion::Version])
            .values([1.into(), 0.into()])
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        m.exec_stmt(first).await?;
        index(m, "idx_override_event", EventOverride::Table, &["event_id", "recurrence_id"], true).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            EventVersion::Table.into_iden(),
            EventImage::Table.into_iden(),
            EventOverride::Table.into_iden(),
            Event::Table.into_iden(),
            EventFeed::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
