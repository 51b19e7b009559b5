//! The Bürgerservice: services with their regional master text, municipalities' local parts,
//! life situations, offices with contacts and opening hours, responsibilities, and the
//! downloadable forms (the files themselves live in the file store, by content hash).

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Municipality {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum LifeSituation {
    Table,
    Id,
    Slug,
    Name,
    NameEn,
    ParentId,
    Summary,
    Position,
}

#[derive(DeriveIden)]
enum Service {
    Table,
    Id,
    Slug,
    LeikaKey,
    Level,
    Name,
    Content,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ServiceLifeSituation {
    Table,
    ServiceId,
    LifeSituationId,
}

#[derive(DeriveIden)]
enum ServiceRelated {
    Table,
    ServiceId,
    RelatedId,
}

#[derive(DeriveIden)]
enum ServiceLocal {
    Table,
    Id,
    ServiceId,
    MunicipalityId,
    Overrides,
    Note,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Office {
    Table,
    Id,
    MunicipalityId,
    Slug,
    Name,
    Street,
    Postcode,
    City,
    Accessibility,
    Phone,
    Email,
    AppointmentUrl,
    Website,
    Hours,
    Exceptions,
    OpenOnHolidays,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Contact {
    Table,
    Id,
    OfficeId,
    MunicipalityId,
    Function,
    Name,
    ShowName,
    Phone,
    Email,
    Room,
    Hours,
    Position,
}

#[derive(DeriveIden)]
enum ContactService {
    Table,
    ContactId,
    ServiceId,
}

#[derive(DeriveIden)]
enum Responsibility {
    Table,
    Id,
    ServiceId,
    OfficeId,
    MunicipalityId,
    AreaKind,
    AreaMunicipalityId,
    AreaValues,
}

#[derive(DeriveIden)]
enum FormFile {
    Table,
    Id,
    ServiceId,
    MunicipalityId,
    Title,
    Language,
    Version,
    ValidFrom,
    Sha256,
    Size,
    Pages,
    OriginalName,
    ArchivedAt,
    CreatedAt,
    CreatedBy,
}

#[derive(DeriveIden)]
enum ServiceVersion {
    Table,
    Id,
    Version,
}

fn id<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().auto_increment().primary_key().take()
}

fn big<T: IntoIden>(col: T) -> ColumnDef {
    ColumnDef::new(col).big_integer().not_null().take()
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

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create().name(name).from(from.0, from.1).to(to.0, to.1).on_delete(ForeignKeyAction::Cascade).take()
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
                .table(LifeSituation::Table)
                .col(id(LifeSituation::Id))
                .col(text(LifeSituation::Slug))
                .col(text(LifeSituation::Name))
                .col(text_null(LifeSituation::NameEn))
                .col(ColumnDef::new(LifeSituation::ParentId).big_integer().null())
                .col(long_text(LifeSituation::Summary))
                .col(ColumnDef::new(LifeSituation::Position).integer().not_null().default(0))
                .foreign_key(
                    ForeignKey::create()
                        .name("fk_life_parent")
                        .from(LifeSituation::Table, LifeSituation::ParentId)
                        .to(LifeSituation::Table, LifeSituation::Id)
                        .on_delete(ForeignKeyAction::SetNull),
                )
                .take(),
        )
        .await?;
        index(m, "idx_life_slug", LifeSituation::Table, &["slug"], true).await?;

        // A service's master text is region-wide content: no municipality owns it.
        m.create_table(
            Table::create()
                .table(Service::Table)
                .col(id(Service::Id))
                .col(text(Service::Slug))
                .col(text_null(Service::LeikaKey))
                .col(text(Service::Level))
                // The name again beside the content, for the A–Z order.
                .col(text(Service::Name))
                // The master text as JSON (`ServiceContent`): read and written whole.
                .col(long_text(Service::Content))
                .col(instant(Service::UpdatedAt))
                .take(),
        )
        .await?;
        index(m, "idx_service_slug", Service::Table, &["slug"], true).await?;
        index(m, "idx_service_leika", Service::Table, &["leika_key"], false).await?;

        for (table, a, b, name, to_b) in [
            (
                ServiceLifeSituation::Table.into_iden(),
                ServiceLifeSituation::ServiceId.into_iden(),
                ServiceLifeSituation::LifeSituationId.into_iden(),
                "service_life",
                LifeSituation::Table.into_iden(),
            ),
            (
                ServiceRelated::Table.into_iden(),
                ServiceRelated::ServiceId.into_iden(),
                ServiceRelated::RelatedId.into_iden(),
                "service_related",
                Service::Table.into_iden(),
            ),
        ] {
            m.create_table(
                Table::create()
                    .table(table.clone())
                    .col(big(a.clone()))
                    .col(big(b.clone()))
                    .primary_key(Index::create().col(a.clone()).col(b.clone()))
                    .foreign_key(&mut fk(&format!("fk_{name}_a"), (table.clone(), a), (Service::Table, Service::Id)))
                    .foreign_key(&mut fk(&format!("fk_{name}_b"), (table.clone(), b), (to_b, Alias::new("id"))))
                    .take(),
            )
            .await?;
        }

        // A municipality's local part: its overrides of the master text, field by field.
        m.create_table(
            Table::create()
                .table(ServiceLocal::Table)
                .col(id(ServiceLocal::Id))
                .col(big(ServiceLocal::ServiceId))
                .col(big(ServiceLocal::MunicipalityId))
                // JSON object: field name → the field's editor text. Absent = from the region.
                .col(long_text(ServiceLocal::Overrides))
                .col(long_text(ServiceLocal::Note))
                .col(instant(ServiceLocal::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_local_service",
                    (ServiceLocal::Table, ServiceLocal::ServiceId),
                    (Service::Table, Service::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_local_municipality",
                    (ServiceLocal::Table, ServiceLocal::MunicipalityId),
                    (Municipality::Table, Municipality::Id),
                ))
                .take(),
        )
        .await?;
        index(m, "idx_local_unique", ServiceLocal::Table, &["municipality_id", "service_id"], true).await?;

        m.create_table(
            Table::create()
                .table(Office::Table)
                .col(id(Office::Id))
                .col(big(Office::MunicipalityId))
                .col(text(Office::Slug))
                .col(text(Office::Name))
                .col(long_text(Office::Street))
                .col(long_text(Office::Postcode))
                .col(long_text(Office::City))
                .col(long_text(Office::Accessibility))
                .col(long_text(Office::Phone))
                .col(long_text(Office::Email))
                .col(long_text(Office::AppointmentUrl))
                .col(long_text(Office::Website))
                // Opening hours in their text form (`WeeklyHours::to_text`, one exception a line).
                .col(long_text(Office::Hours))
                .col(long_text(Office::Exceptions))
                .col(flag(Office::OpenOnHolidays))
                .col(instant(Office::UpdatedAt))
                .foreign_key(&mut fk(
                    "fk_office_municipality",
                    (Office::Table, Office::MunicipalityId),
                    (Municipality::Table, Municipality::Id),
                ))
                .take(),
        )
        .await?;
        index(m, "idx_office_slug", Office::Table, &["municipality_id", "slug"], true).await?;

        m.create_table(
            Table::create()
                .table(Contact::Table)
                .col(id(Contact::Id))
                .col(big(Contact::OfficeId))
                .col(big(Contact::MunicipalityId))
                .col(text(Contact::Function))
                .col(long_text(Contact::Name))
                .col(flag(Contact::ShowName))
                .col(long_text(Contact::Phone))
                .col(long_text(Contact::Email))
                .col(long_text(Contact::Room))
                .col(long_text(Contact::Hours))
                .col(ColumnDef::new(Contact::Position).integer().not_null().default(0))
                .foreign_key(&mut fk(
                    "fk_contact_office",
                    (Contact::Table, Contact::OfficeId),
                    (Office::Table, Office::Id),
                ))
                .take(),
        )
        .await?;
        index(m, "idx_contact_office", Contact::Table, &["office_id", "position"], false).await?;
        m.create_table(
            Table::create()
                .table(ContactService::Table)
                .col(big(ContactService::ContactId))
                .col(big(ContactService::ServiceId))
                .primary_key(Index::create().col(ContactService::ContactId).col(ContactService::ServiceId))
                .foreign_key(&mut fk(
                    "fk_cs_contact",
                    (ContactService::Table, ContactService::ContactId),
                    (Contact::Table, Contact::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_cs_service",
                    (ContactService::Table, ContactService::ServiceId),
                    (Service::Table, Service::Id),
                ))
                .take(),
        )
        .await?;

        // Service × area → office. Owned by the office's municipality.
        m.create_table(
            Table::create()
                .table(Responsibility::Table)
                .col(id(Responsibility::Id))
                .col(big(Responsibility::ServiceId))
                .col(big(Responsibility::OfficeId))
                .col(big(Responsibility::MunicipalityId))
                // places | postcodes | municipality | county
                .col(text(Responsibility::AreaKind))
                .col(big(Responsibility::AreaMunicipalityId))
                // The postcodes or place names, one a line.
                .col(long_text(Responsibility::AreaValues))
                .foreign_key(&mut fk(
                    "fk_resp_service",
                    (Responsibility::Table, Responsibility::ServiceId),
                    (Service::Table, Service::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_resp_office",
                    (Responsibility::Table, Responsibility::OfficeId),
                    (Office::Table, Office::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_resp_area",
                    (Responsibility::Table, Responsibility::AreaMunicipalityId),
                    (Municipality::Table, Municipality::Id),
                ))
                .take(),
        )
        .await?;
        index(m, "idx_resp_service", Responsibility::Table, &["service_id"], false).await?;
        index(m, "idx_resp_owner", Responsibility::Table, &["municipality_id"], false).await?;

        m.create_table(
            Table::create()
                .table(FormFile::Table)
                .col(id(FormFile::Id))
                .col(big(FormFile::ServiceId))
                // NULL: a regional form, offered in every municipality.
                .col(ColumnDef::new(FormFile::MunicipalityId).big_integer().null())
                .col(text(FormFile::Title))
                .col(text(FormFile::Language))
                .col(long_text(FormFile::Version))
                .col(ColumnDef::new(FormFile::ValidFrom).date().null())
                .col(text(FormFile::Sha256))
                .col(big(FormFile::Size))
                .col(ColumnDef::new(FormFile::Pages).integer().null())
                .col(long_text(FormFile::OriginalName))
                // Replaced by a newer version: kept and listed as archived, never deleted.
                .col(ColumnDef::new(FormFile::ArchivedAt).timestamp_with_time_zone().null())
                .col(instant(FormFile::CreatedAt))
                .col(ColumnDef::new(FormFile::CreatedBy).big_integer().null())
                .foreign_key(&mut fk(
                    "fk_form_service",
                    (FormFile::Table, FormFile::ServiceId),
                    (Service::Table, Service::Id),
                ))
                .foreign_key(&mut fk(
                    "fk_form_municipality",
                    (FormFile::Table, FormFile::MunicipalityId),
                    (Municipality::Table, Municipality::Id),
                ))
                .take(),
        )
        .await?;
        index(m, "idx_form_service", FormFile::Table, &["service_id", "archived_at"], false).await?;

        // One row, raised by every change of the directory: app nodes poll it to keep their
        // search index and caches current.
        m.create_table(
            Table::create()
                .table(ServiceVersion::Table)
                .col(ColumnDef::new(ServiceVersion::Id).integer().not_null().primary_key())
                .col(ColumnDef::new(ServiceVersion::Version).big_integer().not_null().default(0))
                .take(),
        )
        .await?;
        let mut first = Query::insert();
        first
            .into_table(ServiceVersion::Table)
            .columns([ServiceVersion::Id, ServiceVersion::Version])
            .values([1.into(), 0.into()])
            .map_err(|e| DbErr::Custom(e.to_string()))?;
        m.exec_stmt(first).await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            ServiceVersion::Table.into_iden(),
            FormFile::Table.into_iden(),
            Responsibility::Table.into_iden(),
            ContactService::Table.into_iden(),
            Contact::Table.into_iden(),
            Office::Table.into_iden(),
            ServiceLocal::Table.into_iden(),
            ServiceRelated::Table.into_iden(),
            ServiceLifeSituation::Table.into_iden(),
            Service::Table.into_iden(),
            LifeSituation::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).take()).await?;
        }
        Ok(())
    }
}
