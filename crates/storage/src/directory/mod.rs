//! The Bürgerservice directory: services (regional master text and municipalities' local
//! parts), life situations, offices with contacts and opening hours, responsibilities, and the
//! metadata of downloadable forms (their bytes live in a [`crate::FileStore`]).
//!
//! The master text of a service is region-wide content; everything a municipality adds (its
//! overrides, offices, contacts, responsibilities, its own forms) is tenant data, written only
//! through a [`TenantScope`]. Public pages read across municipalities because a county's office
//! answers for its towns' citizens; those reads return public data only.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicU64, Ordering};

use chrono::{DateTime, NaiveDate, Utc};
use regioportal_domain::services::catalogue::{Catalogue, OfficeDef};
use regioportal_domain::services::hours::{HoursException, OpeningHours, WeeklyHours};
use regioportal_domain::services::{Area, LeikaKey, ServiceContent, ServiceLevel, ServiceOverrides};
use regioportal_domain::{MunicipalityKind, Postcode, Slug};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, Set,
};
use serde_json::json;

use crate::audit::{Change, record};
use crate::entity::directory::{
    contact, contact_service, form_file, life_situation, office, responsibility, service, service_life_situation,
    service_local, service_related,
};
use crate::entity::municipality;
use crate::{Actor, StorageError, TenantScope};

mod edit;
pub use edit::{ContactInput, LifeSituationInput, ResponsibilityRecord};

fn corrupt(what: &str, e: impl std::fmt::Display) -> StorageError {
    StorageError::Db(sea_orm::DbErr::Custom(format!("stored {what} is invalid: {e}")))
}

/// The directory's change counter.
const VERSION: crate::counter::Counter = crate::counter::Counter("service_version");

async fn bump(db: &impl ConnectionTrait) -> Result<(), StorageError> {
    VERSION.bump(db).await
}

/// A life situation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifeSituationRecord {
    /// Row id.
    pub id: i64,
    /// URL name.
    pub slug: Slug,
    /// German name.
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// The parent.
    pub parent_id: Option<i64>,
    /// One sentence.
    pub summary: String,
}

/// A service with its regional master text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceRecord {
    /// Row id.
    pub id: i64,
    /// URL name.
    pub slug: Slug,
    /// LeiKa key.
    pub leika: Option<LeikaKey>,
    /// Who performs it.
    pub level: ServiceLevel,
    /// The master text.
    pub content: ServiceContent,
    /// Life situation ids.
    pub life_situations: Vec<i64>,
    /// Related service ids.
    pub related: Vec<i64>,
    /// Last change of the master text.
    pub updated_at: DateTime<Utc>,
    /// When it was discontinued (not public any more; region editors can restore it).
    pub archived_at: Option<DateTime<Utc>>,
}

/// A municipality's local part of a service.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LocalPart {
    /// Overridden fields.
    pub overrides: ServiceOverrides,
    /// A local note shown on the page.
    pub note: String,
    /// Last change, if there is a local part at all.
    pub updated_at: Option<DateTime<Utc>>,
}

/// A contact of an office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactRecord {
    /// Row id.
    pub id: i64,
    /// The function.
    pub function: String,
    /// The name (show it only if `show_name`).
    pub name: String,
    /// Whether the name is shown.
    pub show_name: bool,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Room.
    pub room: String,
    /// Hours, free text.
    pub hours: String,
    /// Service ids the contact answers for (empty: all of the office's).
    pub services: Vec<i64>,
}

/// An office of a municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeRecord {
    /// Row id.
    pub id: i64,
    /// The municipality's row id.
    pub municipality_id: i64,
    /// The municipality's slug.
    pub municipality: Slug,
    /// URL name within the municipality.
    pub slug: Slug,
    /// Name.
    pub name: String,
    /// Street.
    pub street: String,
    /// Postcode.
    pub postcode: String,
    /// City.
    pub city: String,
    /// Accessibility of the building.
    pub accessibility: String,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Appointment booking.
    pub appointment_url: String,
    /// Website.
    pub website: String,
    /// Opening hours.
    pub hours: OpeningHours,
    /// Contacts, in order.
    pub contacts: Vec<ContactRecord>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// When it was closed (not public any more; its editors can reopen it).
    pub archived_at: Option<DateTime<Utc>>,
}

/// What an editor changes of an office: the checked details of
/// [`regioportal_domain::services::office::OfficeForm`].
pub type OfficeInput = regioportal_domain::services::office::OfficeDetails;

/// A downloadable form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormRecord {
    /// Row id.
    pub id: i64,
    /// The service.
    pub service_id: i64,
    /// The owning municipality's slug; None for a regional form.
    pub municipality: Option<Slug>,
    /// Title.
    pub title: String,
    /// Language code.
    pub language: String,
    /// Version label.
    pub version: String,
    /// Valid from.
    pub valid_from: Option<NaiveDate>,
    /// SHA-256 of the bytes, hex: the key in the file store.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Number of pages, if known.
    pub pages: Option<u32>,
    /// The uploaded file's name.
    pub original_name: String,
    /// When a newer version replaced it.
    pub archived_at: Option<DateTime<Utc>>,
    /// Upload time.
    pub created_at: DateTime<Utc>,
}

/// A new form's metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewForm {
    /// Title.
    pub title: String,
    /// Language code.
    pub language: String,
    /// Version label.
    pub version: String,
    /// Valid from.
    pub valid_from: Option<NaiveDate>,
    /// SHA-256 hex of the stored bytes.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
    /// Pages.
    pub pages: Option<u32>,
    /// File name as uploaded.
    pub original_name: String,
}

/// What loading a catalogue did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogueReport {
    /// Life situations created or changed.
    pub life_situations: usize,
    /// Services created.
    pub services_created: usize,
    /// Services whose master text changed.
    pub services_updated: usize,
    /// Offices created or changed.
    pub offices: usize,
    /// Responsibilities stored (replacing the offices' earlier ones).
    pub responsibilities: usize,
    /// Local parts stored.
    pub locals: usize,
}

/// The Bürgerservice directory.
#[derive(Debug, Clone, Copy)]
pub struct Directory<'a> {
    pub(crate) db: &'a DatabaseConnection,
    /// Write transactions take turns (SQLite).
    pub(crate) gate: &'a crate::db::WriteGate,
    pub(crate) changes: &'a AtomicU64,
}

fn life_record(r: life_situation::Model) -> Result<LifeSituationRecord, StorageError> {
    Ok(LifeSituationRecord {
        id: r.id,
        slug: Slug::parse(&r.slug).map_err(|e| corrupt("life situation slug", e))?,
        name: r.name,
        name_en: r.name_en,
        parent_id: r.parent_id,
        summary: r.summary,
    })
}

fn local_part(r: service_local::Model) -> Result<LocalPart, StorageError> {
    let overrides = if r.overrides.is_empty() {
        ServiceOverrides::default()
    } else {
        serde_json::from_str(&r.overrides).map_err(|e| corrupt("service overrides", e))?
    };
    Ok(LocalPart { overrides, note: r.note, updated_at: Some(r.updated_at) })
}

fn hours_of(hours: &str, exceptions: &str, open_on_holidays: bool) -> Result<OpeningHours, StorageError> {
    Ok(OpeningHours {
        weekly: WeeklyHours::parse(hours).map_err(|e| corrupt("opening hours", e))?,
        exceptions: exceptions
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| HoursException::parse(l).map_err(|e| corrupt("opening hours exception", e)))
            .collect::<Result<_, _>>()?,
        open_on_holidays,
    })
}

fn exceptions_text(h: &OpeningHours) -> String {
    h.exceptions.iter().map(HoursException::to_text).collect::<Vec<_>>().join("\n")
}

impl Directory<'_> {
    fn changed(&self) {
        self.changes.fetch_add(1, Ordering::Release);
    }

    /// Ends a write: audits it, raises the shared version in the same transaction, commits,
    /// and tells this process's caches.
    async fn commit(
        &self,
        txn: sea_orm::DatabaseTransaction,
        actor: &Actor,
        change: Change<'_>,
    ) -> Result<(), StorageError> {
        record(&txn, actor, change).await?;
        bump(&txn).await?;
        txn.commit().await?;
        self.changed();
        Ok(())
    }

    /// How many directory changes this process has made (a cheap check for caches in the same
    /// process).
    pub fn local_version(&self) -> u64 {
        self.changes.load(Ordering::Acquire)
    }

    /// The shared directory version: raised by every change on any node.
    pub async fn version(&self) -> Result<i64, StorageError> {
        VERSION.read(self.db).await
    }

    async fn slugs(&self) -> Result<HashMap<i64, (Slug, MunicipalityKind)>, StorageError> {
        let rows = municipality::Entity::find().all(self.db).await?;
        rows.into_iter()
            .map(|m| {
                let slug = Slug::parse(&m.slug).map_err(|e| corrupt("municipality slug", e))?;
                let kind = MunicipalityKind::parse(&m.kind).map_err(|e| corrupt("municipality kind", e))?;
                Ok((m.id, (slug, kind)))
            })
            .collect()
    }

    /// Every life situation, parents before children, by position then name.
    pub async fn life_situations(&self) -> Result<Vec<LifeSituationRecord>, StorageError> {
        let rows = life_situation::Entity::find()
            .order_by_asc(life_situation::Column::Position)
            .order_by_asc(life_situation::Column::Name)
            .all(self.db)
            .await?;
        rows.into_iter().map(life_record).collect()
    }

    /// Every service, by name (the A–Z order).
    pub async fn services(&self) -> Result<Vec<ServiceRecord>, StorageError> {
        let rows = service::Entity::find().order_by_asc(service::Column::Name).all(self.db).await?;
        let links = service_life_situation::Entity::find().all(self.db).await?;
        let related = service_related::Entity::find().all(self.db).await?;
        let mut by_service: HashMap<i64, Vec<i64>> = HashMap::new();
        for l in links {
            by_service.entry(l.service_id).or_default().push(l.life_situation_id);
        }
        let mut rel: HashMap<i64, Vec<i64>> = HashMap::new();
        for r in related {
            rel.entry(r.service_id).or_default().push(r.related_id);
        }
        rows.into_iter()
            .map(|r| {
                let id = r.id;
                service_record(r, by_service.remove(&id).unwrap_or_default(), rel.remove(&id).unwrap_or_default())
            })
            .collect()
    }

    /// One service by its slug.
    pub async fn service_by_slug(&self, slug: &str) -> Result<Option<ServiceRecord>, StorageError> {
        let Some(r) = service::Entity::find().filter(service::Column::Slug.eq(slug)).one(self.db).await? else {
            return Ok(None);
        };
        self.complete(r).await.map(Some)
    }

    /// One service by id.
    pub async fn service(&self, id: i64) -> Result<Option<ServiceRecord>, StorageError> {
        let Some(r) = service::Entity::find_by_id(id).one(self.db).await? else { return Ok(None) };
        self.complete(r).await.map(Some)
    }

    async fn complete(&self, r: service::Model) -> Result<ServiceRecord, StorageError> {
        let life = service_life_situation::Entity::find()
            .filter(service_life_situation::Column::ServiceId.eq(r.id))
            .all(self.db)
            .await?
            .into_iter()
            .map(|l| l.life_situation_id)
            .collect();
        let related = service_related::Entity::find()
            .filter(service_related::Column::ServiceId.eq(r.id))
            .all(self.db)
            .await?
            .into_iter()
            .map(|l| l.related_id)
            .collect();
        service_record(r, life, related)
    }

    /// The local part of a service in the scope's municipality (empty if it has none).
    pub async fn local(&self, scope: &TenantScope, service_id: i64) -> Result<LocalPart, StorageError> {
        let row = service_local::Entity::find()
            .filter(service_local::Column::MunicipalityId.eq(scope.id))
            .filter(service_local::Column::ServiceId.eq(service_id))
            .one(self.db)
            .await?;
        row.map_or_else(|| Ok(LocalPart::default()), local_part)
    }

    /// The scope's local parts by service id.
    pub async fn locals(&self, scope: &TenantScope) -> Result<HashMap<i64, LocalPart>, StorageError> {
        let rows = service_local::Entity::find()
            .filter(service_local::Column::MunicipalityId.eq(scope.id))
            .all(self.db)
            .await?;
        rows.into_iter().map(|r| Ok((r.service_id, local_part(r)?))).collect()
    }

    /// Every municipality's local parts: (municipality id, service id, part). Public data: the
    /// pages show them to everyone.
    pub async fn all_locals(&self) -> Result<Vec<(i64, i64, LocalPart)>, StorageError> {
        let rows = service_local::Entity::find().all(self.db).await?;
        rows.into_iter().map(|r| Ok((r.municipality_id, r.service_id, local_part(r)?))).collect()
    }

    /// Every archived form (for the archive lists).
    pub async fn all_archived_forms(&self) -> Result<Vec<FormRecord>, StorageError> {
        let rows = form_file::Entity::find().filter(form_file::Column::ArchivedAt.is_not_null()).all(self.db).await?;
        self.form_records(rows).await
    }

    /// Creates a service (region-wide content; the caller checked the region editor's right).
    pub async fn create_service(
        &self,
        slug: &Slug,
        leika: Option<&LeikaKey>,
        level: ServiceLevel,
        content: &ServiceContent,
        actor: &Actor,
    ) -> Result<ServiceRecord, StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        if service::Entity::find().filter(service::Column::Slug.eq(slug.as_str())).one(&txn).await?.is_some() {
            return Err(StorageError::Conflict(format!(
                "a service with the address name {:?} exists already: choose another",
                slug.as_str()
            )));
        }
        let row = service::ActiveModel {
            slug: Set(slug.as_str().to_owned()),
            leika_key: Set(leika.map(|k| k.as_str().to_owned())),
            level: Set(level.as_str().to_owned()),
            name: Set(content.name.clone()),
            content: Set(serde_json::to_string(content).map_err(|e| corrupt("service content", e))?),
            updated_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        self.commit(
            txn,
            actor,
            Change {
                municipality: None,
                entity_type: "service",
                entity_id: Some(row.id.to_string()),
                action: "create",
                changes: json!({"slug": slug.as_str(), "name": content.name}),
            },
        )
        .await?;
        self.service(row.id).await?.ok_or(StorageError::NotFound)
    }

    /// Changes a service's master text (region-wide; the caller checked the right). Every
    /// municipality that did not override a field sees the change at once.
    pub async fn update_master(
        &self,
        id: i64,
        leika: Option<&LeikaKey>,
        level: ServiceLevel,
        content: &ServiceContent,
        actor: &Actor,
    ) -> Result<ServiceRecord, StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let Some(old) = service::Entity::find_by_id(id).one(&txn).await? else { return Err(StorageError::NotFound) };
        let old_content: ServiceContent =
            serde_json::from_str(&old.content).map_err(|e| corrupt("service content", e))?;
        let changed: Vec<&str> = regioportal_domain::services::ServiceField::ALL
            .into_iter()
            .filter(|f| old_content.field_text(*f) != content.field_text(*f))
            .map(|f| f.as_str())
            .collect();
        let mut a: service::ActiveModel = old.into();
        a.leika_key = Set(leika.map(|k| k.as_str().to_owned()));
        a.level = Set(level.as_str().to_owned());
        a.name = Set(content.name.clone());
        a.content = Set(serde_json::to_string(content).map_err(|e| corrupt("service content", e))?);
        a.updated_at = Set(Utc::now());
        a.update(&txn).await?;
        self.commit(
            txn,
            actor,
            Change {
                municipality: None,
                entity_type: "service",
                entity_id: Some(id.to_string()),
                action: "update",
                changes: json!({"fields": changed}),
            },
        )
        .await?;
        self.service(id).await?.ok_or(StorageError::NotFound)
    }

    /// Stores a municipality's local part of a service (its overrides and note).
    pub async fn set_local(
        &self,
        scope: &TenantScope,
        service_id: i64,
        local: &LocalPart,
        actor: &Actor,
    ) -> Result<(), StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        if service::Entity::find_by_id(service_id).one(&txn).await?.is_none() {
            return Err(StorageError::NotFound);
        }
        write_local(&txn, scope.id, service_id, local).await?;
        self.commit(
            txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "service_local",
                entity_id: Some(service_id.to_string()),
                action: "update",
                changes: json!({"overridden": local.overrides.fields().iter().map(|f| f.as_str()).collect::<Vec<_>>()}),
            },
        )
        .await?;
        Ok(())
    }

    /// The offices of the scope's municipality, by name.
    pub async fn offices(&self, scope: &TenantScope) -> Result<Vec<OfficeRecord>, StorageError> {
        let rows = office::Entity::find()
            .filter(office::Column::MunicipalityId.eq(scope.id))
            .order_by_asc(office::Column::Name)
            .all(self.db)
            .await?;
        self.office_records(rows).await
    }

    /// Every office of the region (public data: pages and the search index).
    pub async fn all_offices(&self) -> Result<Vec<OfficeRecord>, StorageError> {
        let rows = office::Entity::find().order_by_asc(office::Column::Name).all(self.db).await?;
        self.office_records(rows).await
    }

    /// One office of the scope's municipality by slug.
    pub async fn office(&self, scope: &TenantScope, slug: &str) -> Result<Option<OfficeRecord>, StorageError> {
        let rows = office::Entity::find()
            .filter(office::Column::MunicipalityId.eq(scope.id))
            .filter(office::Column::Slug.eq(slug))
            .all(self.db)
            .await?;
        Ok(self.office_records(rows).await?.pop())
    }

    /// One office by id, whichever municipality runs it (public data, for the answer of the
    /// Zuständigkeitsfinder).
    pub async fn office_by_id(&self, id: i64) -> Result<Option<OfficeRecord>, StorageError> {
        let rows = office::Entity::find_by_id(id).all(self.db).await?;
        Ok(self.office_records(rows).await?.pop())
    }

    async fn office_records(&self, rows: Vec<office::Model>) -> Result<Vec<OfficeRecord>, StorageError> {
        if rows.is_empty() {
            return Ok(Vec::new());
        }
        let slugs = self.slugs().await?;
        let ids: Vec<i64> = rows.iter().map(|r| r.id).collect();
        let contacts = contact::Entity::find()
            .filter(contact::Column::OfficeId.is_in(ids.clone()))
            .order_by_asc(contact::Column::Position)
            .order_by_asc(contact::Column::Id)
            .all(self.db)
            .await?;
        let contact_ids: Vec<i64> = contacts.iter().map(|c| c.id).collect();
        let mut contact_services: HashMap<i64, Vec<i64>> = HashMap::new();
        for cs in contact_service::Entity::find()
            .filter(contact_service::Column::ContactId.is_in(contact_ids))
            .all(self.db)
            .await?
        {
            contact_services.entry(cs.contact_id).or_default().push(cs.service_id);
        }
        let mut by_office: HashMap<i64, Vec<ContactRecord>> = HashMap::new();
        for c in contacts {
            by_office.entry(c.office_id).or_default().push(ContactRecord {
                id: c.id,
                services: contact_services.remove(&c.id).unwrap_or_default(),
                function: c.function,
                name: c.name,
                show_name: c.show_name,
                phone: c.phone,
                email: c.email,
                room: c.room,
                hours: c.hours,
            });
        }
        rows.into_iter()
            .map(|r| {
                let municipality = slugs
                    .get(&r.municipality_id)
                    .map(|s| s.0.clone())
                    .ok_or_else(|| corrupt("office", "no municipality"))?;
                Ok(OfficeRecord {
                    id: r.id,
                    municipality_id: r.municipality_id,
                    municipality,
                    slug: Slug::parse(&r.slug).map_err(|e| corrupt("office slug", e))?,
                    hours: hours_of(&r.hours, &r.exceptions, r.open_on_holidays)?,
                    contacts: by_office.remove(&r.id).unwrap_or_default(),
                    name: r.name,
                    street: r.street,
                    postcode: r.postcode,
                    city: r.city,
                    accessibility: r.accessibility,
                    phone: r.phone,
                    email: r.email,
                    appointment_url: r.appointment_url,
                    website: r.website,
                    updated_at: r.updated_at,
                    archived_at: r.archived_at,
                })
            })
            .collect()
    }

    /// Changes an office of the scope's municipality.
    pub async fn update_office(
        &self,
        scope: &TenantScope,
        id: i64,
        input: &OfficeInput,
        actor: &Actor,
    ) -> Result<(), StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let Some(row) =
            office::Entity::find_by_id(id).filter(office::Column::MunicipalityId.eq(scope.id)).one(&txn).await?
        else {
            return Err(StorageError::NotFound);
        };
        let mut a: office::ActiveModel = row.into();
        fill_office(&mut a, input);
        a.update(&txn).await?;
        self.commit(
            txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "office",
                entity_id: Some(id.to_string()),
                action: "update",
                changes: json!({"name": input.name, "hours": input.hours.weekly.to_text()}),
            },
        )
        .await?;
        Ok(())
    }

    /// The assignments of a service: each area with the office id, sorted by office id so that
    /// resolving is stable.
    pub async fn responsibilities(&self, service_id: i64) -> Result<Vec<(Area, i64)>, StorageError> {
        let rows = responsibility::Entity::find()
            .filter(responsibility::Column::ServiceId.eq(service_id))
            .order_by_asc(responsibility::Column::OfficeId)
            .order_by_asc(responsibility::Column::Id)
            .all(self.db)
            .await?;
        let slugs = self.slugs().await?;
        rows.into_iter().map(|r| area_of(&slugs, r).map(|(_, a, o)| (a, o))).collect()
    }

    /// Every service's assignments, by service id (see [`Directory::responsibilities`]), in
    /// one query.
    pub async fn all_responsibilities(&self) -> Result<HashMap<i64, Vec<(Area, i64)>>, StorageError> {
        let rows = responsibility::Entity::find()
            .order_by_asc(responsibility::Column::ServiceId)
            .order_by_asc(responsibility::Column::OfficeId)
            .order_by_asc(responsibility::Column::Id)
            .all(self.db)
            .await?;
        let slugs = self.slugs().await?;
        let mut out: HashMap<i64, Vec<(Area, i64)>> = HashMap::new();
        for r in rows {
            let (service, area, office) = area_of(&slugs, r)?;
            out.entry(service).or_default().push((area, office));
        }
        Ok(out)
    }

    /// The ids of the services an office is responsible for anywhere.
    pub async fn services_of_office(&self, office_id: i64) -> Result<Vec<i64>, StorageError> {
        let mut ids: Vec<i64> = responsibility::Entity::find()
            .filter(responsibility::Column::OfficeId.eq(office_id))
            .all(self.db)
            .await?
            .into_iter()
            .map(|r| r.service_id)
            .collect();
        ids.sort_unstable();
        ids.dedup();
        Ok(ids)
    }

    /// The current (not archived) forms of a service shown in a municipality: the regional
    /// ones and the municipality's own, by title.
    pub async fn forms(&self, service_id: i64, scope: Option<&TenantScope>) -> Result<Vec<FormRecord>, StorageError> {
        self.forms_where(service_id, scope, false).await
    }

    /// The archived forms of a service in a municipality (older versions), newest first.
    pub async fn archived_forms(
        &self,
        service_id: i64,
        scope: Option<&TenantScope>,
    ) -> Result<Vec<FormRecord>, StorageError> {
        let mut f = self.forms_where(service_id, scope, true).await?;
        f.sort_by_key(|r| std::cmp::Reverse(r.archived_at));
        Ok(f)
    }

    async fn forms_where(
        &self,
        service_id: i64,
        scope: Option<&TenantScope>,
        archived: bool,
    ) -> Result<Vec<FormRecord>, StorageError> {
        let owner = match scope {
            Some(s) => sea_orm::Condition::any()
                .add(form_file::Column::MunicipalityId.is_null())
                .add(form_file::Column::MunicipalityId.eq(s.id)),
            None => sea_orm::Condition::all().add(form_file::Column::MunicipalityId.is_null()),
        };
        let archived_filter = if archived {
            form_file::Column::ArchivedAt.is_not_null()
        } else {
            form_file::Column::ArchivedAt.is_null()
        };
        let rows = form_file::Entity::find()
            .filter(form_file::Column::ServiceId.eq(service_id))
            .filter(owner)
            .filter(archived_filter)
            .order_by_asc(form_file::Column::Title)
            .order_by_asc(form_file::Column::Id)
            .all(self.db)
            .await?;
        self.form_records(rows).await
    }

    /// Every current form (for the search index).
    pub async fn all_forms(&self) -> Result<Vec<FormRecord>, StorageError> {
        let rows = form_file::Entity::find().filter(form_file::Column::ArchivedAt.is_null()).all(self.db).await?;
        self.form_records(rows).await
    }

    /// One form by id (public: archived forms stay downloadable).
    pub async fn form(&self, id: i64) -> Result<Option<FormRecord>, StorageError> {
        let rows = form_file::Entity::find_by_id(id).all(self.db).await?;
        Ok(self.form_records(rows).await?.pop())
    }

    async fn form_records(&self, rows: Vec<form_file::Model>) -> Result<Vec<FormRecord>, StorageError> {
        let slugs = if rows.iter().any(|r| r.municipality_id.is_some()) { self.slugs().await? } else { HashMap::new() };
        Ok(rows
            .into_iter()
            .map(|r| FormRecord {
                id: r.id,
                service_id: r.service_id,
                municipality: r.municipality_id.and_then(|m| slugs.get(&m).map(|s| s.0.clone())),
                title: r.title,
                language: r.language,
                version: r.version,
                valid_from: r.valid_from,
                sha256: r.sha256,
                size: u64::try_from(r.size).unwrap_or(0),
                pages: r.pages.and_then(|p| u32::try_from(p).ok()),
                original_name: r.original_name,
                archived_at: r.archived_at,
                created_at: r.created_at,
            })
            .collect())
    }

    /// Records an uploaded form for a service, regional (`scope` None; the caller checked the
    /// region editor's right) or a municipality's. A current form of the same owner, title and
    /// language is archived: it stays downloadable from the archive, never deleted.
    pub async fn add_form(
        &self,
        scope: Option<&TenantScope>,
        service_id: i64,
        new: &NewForm,
        actor: &Actor,
    ) -> Result<FormRecord, StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        if service::Entity::find_by_id(service_id).one(&txn).await?.is_none() {
            return Err(StorageError::NotFound);
        }
        let now = Utc::now();
        let owner = match scope {
            Some(s) => form_file::Column::MunicipalityId.eq(s.id),
            None => form_file::Column::MunicipalityId.is_null(),
        };
        let older = form_file::Entity::find()
            .filter(form_file::Column::ServiceId.eq(service_id))
            .filter(owner)
            .filter(form_file::Column::Title.eq(new.title.as_str()))
            .filter(form_file::Column::Language.eq(new.language.as_str()))
            .filter(form_file::Column::ArchivedAt.is_null())
            .all(&txn)
            .await?;
        let archived: Vec<i64> = older.iter().map(|o| o.id).collect();
        for o in older {
            let mut a: form_file::ActiveModel = o.into();
            a.archived_at = Set(Some(now));
            a.update(&txn).await?;
        }
        let row = form_file::ActiveModel {
            service_id: Set(service_id),
            municipality_id: Set(scope.map(|s| s.id)),
            title: Set(new.title.clone()),
            language: Set(new.language.clone()),
            version: Set(new.version.clone()),
            valid_from: Set(new.valid_from),
            sha256: Set(new.sha256.clone()),
            size: Set(i64::try_from(new.size).unwrap_or(i64::MAX)),
            pages: Set(new.pages.and_then(|p| i32::try_from(p).ok())),
            original_name: Set(new.original_name.clone()),
            archived_at: Set(None),
            created_at: Set(now),
            created_by: Set(actor.user_id),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        self.commit(txn, actor, Change {
            municipality: scope,
            entity_type: "form",
            entity_id: Some(row.id.to_string()),
            action: "upload",
            changes: json!({"service": service_id, "title": new.title, "sha256": new.sha256, "size": new.size, "archived": archived}),
        }).await?;
        self.form(row.id).await?.ok_or(StorageError::NotFound)
    }

    /// Loads a catalogue: upserts life situations, services, offices (with their contacts and
    /// responsibilities, which replace the offices' earlier ones) and local parts by slug, in
    /// one transaction. Loading the same file twice changes nothing.
    pub async fn import_catalogue(&self, c: &Catalogue, actor: &Actor) -> Result<CatalogueReport, StorageError> {
        let slugs = self.slugs().await?;
        let by_slug: HashMap<&str, (i64, MunicipalityKind)> =
            slugs.iter().map(|(id, (s, k))| (s.as_str(), (*id, *k))).collect();
        let known: Vec<Slug> = slugs.values().map(|s| s.0.clone()).collect();
        let unknown = c.unknown_municipalities(&known);
        if !unknown.is_empty() {
            return Err(StorageError::Import(unknown.join("; ")));
        }
        let mut report = CatalogueReport::default();
        let (_turn, txn) = self.gate.begin(self.db).await?;

        let mut life_ids: HashMap<String, i64> = HashMap::new();
        for (pos, l) in c.life_situations.iter().enumerate() {
            let parent_id = l.parent.as_ref().and_then(|p| life_ids.get(p.as_str()).copied());
            let existing = life_situation::Entity::find()
                .filter(life_situation::Column::Slug.eq(l.slug.as_str()))
                .one(&txn)
                .await?;
            let position = i32::try_from(pos).unwrap_or(i32::MAX);
            let id = match existing {
                Some(e)
                    if e.name == l.name
                        && e.name_en == l.name_en
                        && e.parent_id == parent_id
                        && e.summary == l.summary
                        && e.position == position =>
                {
                    e.id
                }
                Some(e) => {
                    let id = e.id;
                    let mut a: life_situation::ActiveModel = e.into();
                    a.name = Set(l.name.clone());
                    a.name_en = Set(l.name_en.clone());
                    a.parent_id = Set(parent_id);
                    a.summary = Set(l.summary.clone());
                    a.position = Set(position);
                    a.update(&txn).await?;
                    report.life_situations += 1;
                    id
                }
                None => {
                    report.life_situations += 1;
                    life_situation::ActiveModel {
                        slug: Set(l.slug.as_str().to_owned()),
                        name: Set(l.name.clone()),
                        name_en: Set(l.name_en.clone()),
                        parent_id: Set(parent_id),
                        summary: Set(l.summary.clone()),
                        position: Set(position),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?
                    .id
                }
            };
            life_ids.insert(l.slug.as_str().to_owned(), id);
        }

        let mut service_ids: HashMap<String, i64> = HashMap::new();
        for s in &c.services {
            let content = serde_json::to_string(&s.content).map_err(|e| corrupt("service content", e))?;
            let leika = s.leika.as_ref().map(|k| k.as_str().to_owned());
            let existing = service::Entity::find().filter(service::Column::Slug.eq(s.slug.as_str())).one(&txn).await?;
            let id = match existing {
                Some(e) if e.content == content && e.leika_key == leika && e.level == s.level.as_str() => e.id,
                Some(e) => {
                    let id = e.id;
                    let mut a: service::ActiveModel = e.into();
                    a.content = Set(content);
                    a.name = Set(s.content.name.clone());
                    a.leika_key = Set(leika);
                    a.level = Set(s.level.as_str().to_owned());
                    a.updated_at = Set(Utc::now());
                    a.update(&txn).await?;
                    report.services_updated += 1;
                    id
                }
                None => {
                    report.services_created += 1;
                    service::ActiveModel {
                        slug: Set(s.slug.as_str().to_owned()),
                        leika_key: Set(leika),
                        level: Set(s.level.as_str().to_owned()),
                        name: Set(s.content.name.clone()),
                        content: Set(content),
                        updated_at: Set(Utc::now()),
                        ..Default::default()
                    }
                    .insert(&txn)
                    .await?
                    .id
                }
            };
            service_ids.insert(s.slug.as_str().to_owned(), id);
        }
        // Links after all services exist (related services point forward too).
        for s in &c.services {
            let id = service_ids[s.slug.as_str()];
            service_life_situation::Entity::delete_many()
                .filter(service_life_situation::Column::ServiceId.eq(id))
                .exec(&txn)
                .await?;
            for l in &s.life_situations {
                service_life_situation::ActiveModel {
                    service_id: Set(id),
                    life_situation_id: Set(life_ids[l.as_str()]),
                }
                .insert(&txn)
                .await?;
            }
            service_related::Entity::delete_many().filter(service_related::Column::ServiceId.eq(id)).exec(&txn).await?;
            for r in &s.related {
                service_related::ActiveModel { service_id: Set(id), related_id: Set(service_ids[r.as_str()]) }
                    .insert(&txn)
                    .await?;
            }
        }

        let mut office_ids: HashMap<(String, String), i64> = HashMap::new();
        for o in &c.offices {
            let (mid, kind) = by_slug[o.municipality.as_str()];
            let id = upsert_office(&txn, mid, o).await?;
            report.offices += 1;
            office_ids.insert((o.municipality.as_str().to_owned(), o.slug.as_str().to_owned()), id);
            contact::Entity::delete_many().filter(contact::Column::OfficeId.eq(id)).exec(&txn).await?;
            for (pos, k) in o.contacts.iter().enumerate() {
                let cid = contact::ActiveModel {
                    office_id: Set(id),
                    municipality_id: Set(mid),
                    function: Set(k.function.clone()),
                    name: Set(k.name.clone()),
                    show_name: Set(k.show_name),
                    phone: Set(k.phone.clone()),
                    email: Set(k.email.clone()),
                    room: Set(k.room.clone()),
                    hours: Set(k.hours.clone()),
                    position: Set(i32::try_from(pos).unwrap_or(i32::MAX)),
                    ..Default::default()
                }
                .insert(&txn)
                .await?
                .id;
                for s in &k.services {
                    contact_service::ActiveModel { contact_id: Set(cid), service_id: Set(service_ids[s.as_str()]) }
                        .insert(&txn)
                        .await?;
                }
            }
            responsibility::Entity::delete_many().filter(responsibility::Column::OfficeId.eq(id)).exec(&txn).await?;
            for s in &o.services {
                let sid = service_ids[s.as_str()];
                let level = c.services.iter().find(|d| d.slug == *s).map(|d| d.level);
                // A county office performs county-level services for the whole county, and
                // municipality-level ones only for the county's own places.
                let kind_code = if kind == MunicipalityKind::County && level == Some(ServiceLevel::County) {
                    "county"
                } else {
                    "municipality"
                };
                insert_responsibility(&txn, sid, id, mid, kind_code, mid, "").await?;
                report.responsibilities += 1;
            }
        }
        for r in &c.responsibilities {
            let oid = office_ids[&(r.office_municipality.as_str().to_owned(), r.office.as_str().to_owned())];
            let (owner, _) = by_slug[r.office_municipality.as_str()];
            let (area_mid, _) = by_slug[r.area.municipality().as_str()];
            let values = match &r.area {
                Area::Places { places, .. } => places.join("\n"),
                Area::Postcodes { postcodes, .. } => {
                    postcodes.iter().map(|p| p.as_str()).collect::<Vec<_>>().join("\n")
                }
                Area::Municipality(_) | Area::County(_) => String::new(),
            };
            insert_responsibility(&txn, service_ids[r.service.as_str()], oid, owner, r.area.kind(), area_mid, &values)
                .await?;
            report.responsibilities += 1;
        }
        for l in &c.locals {
            let (mid, _) = by_slug[l.municipality.as_str()];
            let local = LocalPart { overrides: l.overrides.clone(), note: l.note.clone(), updated_at: None };
            write_local(&txn, mid, service_ids[l.service.as_str()], &local).await?;
            report.locals += 1;
        }
        self.commit(
            txn,
            actor,
            Change {
                municipality: None,
                entity_type: "catalogue",
                entity_id: None,
                action: "import",
                changes: json!({
                    "services_created": report.services_created,
                    "services_updated": report.services_updated,
                    "offices": report.offices,
                    "responsibilities": report.responsibilities,
                }),
            },
        )
        .await?;
        Ok(report)
    }

    /// Counts for the staff overview and the report: services, offices, forms.
    pub async fn counts(&self) -> Result<BTreeMap<&'static str, u64>, StorageError> {
        use sea_orm::PaginatorTrait as _;
        let mut out = BTreeMap::new();
        out.insert("services", service::Entity::find().count(self.db).await?);
        out.insert("life_situations", life_situation::Entity::find().count(self.db).await?);
        out.insert("offices", office::Entity::find().count(self.db).await?);
        out.insert(
            "forms",
            form_file::Entity::find().filter(form_file::Column::ArchivedAt.is_null()).count(self.db).await?,
        );
        Ok(out)
    }
}

fn area_of(
    slugs: &HashMap<i64, (Slug, MunicipalityKind)>,
    r: responsibility::Model,
) -> Result<(i64, Area, i64), StorageError> {
    let m =
        slugs.get(&r.area_municipality_id).map(|s| s.0.clone()).ok_or_else(|| corrupt("area", "no municipality"))?;
    let values: Vec<&str> = r.area_values.lines().map(str::trim).filter(|v| !v.is_empty()).collect();
    let area = match r.area_kind.as_str() {
        "places" => Area::Places { municipality: m, places: values.into_iter().map(str::to_owned).collect() },
        "postcodes" => Area::Postcodes {
            municipality: m,
            postcodes: values
                .into_iter()
                .map(Postcode::parse)
                .collect::<Result<_, _>>()
                .map_err(|e| corrupt("area", e))?,
        },
        "municipality" => Area::Municipality(m),
        "county" => Area::County(m),
        other => return Err(corrupt("area kind", other)),
    };
    Ok((r.service_id, area, r.office_id))
}

fn service_record(r: service::Model, life: Vec<i64>, related: Vec<i64>) -> Result<ServiceRecord, StorageError> {
    Ok(ServiceRecord {
        id: r.id,
        slug: Slug::parse(&r.slug).map_err(|e| corrupt("service slug", e))?,
        leika: r.leika_key.as_deref().map(LeikaKey::parse).transpose().map_err(|e| corrupt("LeiKa key", e))?,
        level: ServiceLevel::parse(&r.level).ok_or_else(|| corrupt("service level", &r.level))?,
        content: serde_json::from_str(&r.content).map_err(|e| corrupt("service content", e))?,
        life_situations: life,
        related,
        updated_at: r.updated_at,
        archived_at: r.archived_at,
    })
}

async fn write_local(
    db: &impl ConnectionTrait,
    mid: i64,
    service_id: i64,
    local: &LocalPart,
) -> Result<(), StorageError> {
    let overrides = serde_json::to_string(&local.overrides).map_err(|e| corrupt("service overrides", e))?;
    let existing = service_local::Entity::find()
        .filter(service_local::Column::MunicipalityId.eq(mid))
        .filter(service_local::Column::ServiceId.eq(service_id))
        .one(db)
        .await?;
    match existing {
        Some(e) if e.overrides == overrides && e.note == local.note => {}
        Some(e) => {
            let mut a: service_local::ActiveModel = e.into();
            a.overrides = Set(overrides);
            a.note = Set(local.note.clone());
            a.updated_at = Set(Utc::now());
            a.update(db).await?;
        }
        None => {
            service_local::ActiveModel {
                service_id: Set(service_id),
                municipality_id: Set(mid),
                overrides: Set(overrides),
                note: Set(local.note.clone()),
                updated_at: Set(Utc::now()),
                ..Default::default()
            }
            .insert(db)
            .await?;
        }
    }
    Ok(())
}

fn fill_office(a: &mut office::ActiveModel, i: &OfficeInput) {
    a.name = Set(i.name.clone());
    a.street = Set(i.street.clone());
    a.postcode = Set(i.postcode.clone());
    a.city = Set(i.city.clone());
    a.accessibility = Set(i.accessibility.clone());
    a.phone = Set(i.phone.clone());
    a.email = Set(i.email.clone());
    a.appointment_url = Set(i.appointment_url.clone());
    a.website = Set(i.website.clone());
    a.hours = Set(i.hours.weekly.to_text());
    a.exceptions = Set(exceptions_text(&i.hours));
    a.open_on_holidays = Set(i.hours.open_on_holidays);
    a.updated_at = Set(Utc::now());
}

async fn upsert_office(db: &impl ConnectionTrait, mid: i64, o: &OfficeDef) -> Result<i64, StorageError> {
    let input = OfficeInput {
        name: o.name.clone(),
        street: o.street.clone(),
        postcode: o.postcode.as_ref().map(|p| p.as_str().to_owned()).unwrap_or_default(),
        city: o.city.clone(),
        accessibility: o.accessibility.clone(),
        phone: o.phone.clone(),
        email: o.email.clone(),
        appointment_url: o.appointment_url.clone(),
        website: o.website.clone(),
        hours: o.hours.clone(),
    };
    let existing = office::Entity::find()
        .filter(office::Column::MunicipalityId.eq(mid))
        .filter(office::Column::Slug.eq(o.slug.as_str()))
        .one(db)
        .await?;
    Ok(match existing {
        Some(e) => {
            let id = e.id;
            let unchanged = e.name == input.name
                && e.street == input.street
                && e.postcode == input.postcode
                && e.city == input.city
                && e.accessibility == input.accessibility
                && e.phone == input.phone
                && e.email == input.email
                && e.appointment_url == input.appointment_url
                && e.website == input.website
                && e.hours == input.hours.weekly.to_text()
                && e.exceptions == exceptions_text(&input.hours)
                && e.open_on_holidays == input.hours.open_on_holidays;
            if !unchanged {
                let mut a: office::ActiveModel = e.into();
                fill_office(&mut a, &input);
                a.update(db).await?;
            }
            id
        }
        None => {
            let mut a = office::ActiveModel {
                municipality_id: Set(mid),
                slug: Set(o.slug.as_str().to_owned()),
                ..Default::default()
            };
            fill_office(&mut a, &input);
            a.insert(db).await?.id
        }
    })
}

async fn insert_responsibility(
    db: &impl ConnectionTrait,
    service_id: i64,
    office_id: i64,
    owner: i64,
    kind: &str,
    area_municipality_id: i64,
    values: &str,
) -> Result<i64, StorageError> {
    Ok(responsibility::ActiveModel {
        service_id: Set(service_id),
        office_id: Set(office_id),
        municipality_id: Set(owner),
        area_kind: Set(kind.to_owned()),
        area_municipality_id: Set(area_municipality_id),
        area_values: Set(values.to_owned()),
        ..Default::default()
    }
    .insert(db)
    .await?
    .id)
}
