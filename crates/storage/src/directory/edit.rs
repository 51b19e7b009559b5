//! What a municipality's editors change in the directory: its offices, their contacts, and
//! which of its offices is responsible for which service where. Every write goes through the
//! municipality's [`TenantScope`], is audited, and raises `service_version` in the same
//! transaction, so every node's catalog and search index follow within a second.

use regioportal_domain::services::Area;
use regioportal_domain::{MunicipalityKind, Slug};
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, Set};
use serde_json::json;

use super::{Directory, OfficeInput, area_of, fill_office, insert_responsibility};
use crate::audit::Change;
use crate::entity::directory::{
    contact, contact_service, life_situation, office, responsibility, service, service_life_situation, service_related,
};
use crate::entity::municipality;
use crate::{Actor, StorageError, TenantScope};

/// What an editor sets of a contact.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactInput {
    /// The function.
    pub function: String,
    /// The name.
    pub name: String,
    /// Whether the public pages show the name.
    pub show_name: bool,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Room.
    pub room: String,
    /// Hours, free text.
    pub hours: String,
    /// The services the contact answers for (empty: all of the office's).
    pub services: Vec<i64>,
}

/// What a region editor sets of a life situation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifeSituationInput {
    /// German name.
    pub name: String,
    /// English name.
    pub name_en: Option<String>,
    /// One sentence.
    pub summary: String,
    /// The parent, for a sub-topic.
    pub parent_id: Option<i64>,
}

/// One assignment of an office: the office performs the service for the area.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponsibilityRecord {
    /// Row id.
    pub id: i64,
    /// The service.
    pub service_id: i64,
    /// The office.
    pub office_id: i64,
    /// Where.
    pub area: Area,
}

async fn office_in(db: &impl ConnectionTrait, scope: &TenantScope, id: i64) -> Result<office::Model, StorageError> {
    office::Entity::find_by_id(id)
        .filter(office::Column::MunicipalityId.eq(scope.id))
        .one(db)
        .await?
        .ok_or(StorageError::NotFound)
}

async fn contact_in(db: &impl ConnectionTrait, scope: &TenantScope, id: i64) -> Result<contact::Model, StorageError> {
    contact::Entity::find_by_id(id)
        .filter(contact::Column::MunicipalityId.eq(scope.id))
        .one(db)
        .await?
        .ok_or(StorageError::NotFound)
}

async fn write_contact_services(
    db: &impl ConnectionTrait,
    contact_id: i64,
    services: &[i64],
) -> Result<(), StorageError> {
    contact_service::Entity::delete_many().filter(contact_service::Column::ContactId.eq(contact_id)).exec(db).await?;
    let mut ids = services.to_vec();
    ids.sort_unstable();
    ids.dedup();
    for service_id in ids {
        if service::Entity::find_by_id(service_id).one(db).await?.is_none() {
            return Err(StorageError::NotFound);
        }
        contact_service::ActiveModel { contact_id: Set(contact_id), service_id: Set(service_id) }.insert(db).await?;
    }
    Ok(())
}

fn fill_contact(a: &mut contact::ActiveModel, c: &ContactInput) {
    a.function = Set(c.function.clone());
    a.name = Set(c.name.clone());
    a.show_name = Set(c.show_name);
    a.phone = Set(c.phone.clone());
    a.email = Set(c.email.clone());
    a.room = Set(c.room.clone());
    a.hours = Set(c.hours.clone());
}

impl Directory<'_> {
    /// Creates an office of the scope's municipality. The slug must be new within the
    /// municipality ([`StorageError::Conflict`] otherwise).
    pub async fn create_office(
        &self,
        scope: &TenantScope,
        slug: &Slug,
        input: &OfficeInput,
        actor: &Actor,
    ) -> Result<i64, StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let taken = office::Entity::find()
            .filter(office::Column::MunicipalityId.eq(scope.id))
            .filter(office::Column::Slug.eq(slug.as_str()))
            .one(&txn)
            .await?;
        if taken.is_some() {
            return Err(StorageError::Conflict(format!("the municipality already has an office named {slug}")));
        }
        let mut a = office::ActiveModel {
            municipality_id: Set(scope.id),
            slug: Set(slug.as_str().to_owned()),
            ..Default::default()
        };
        fill_office(&mut a, input);
        let id = a.insert(&txn).await?.id;
        self.commit(
            txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "office",
                entity_id: Some(id.to_string()),
                action: "create",
                changes: json!({"slug": slug.as_str(), "name": input.name}),
            },
        )
        .await?;
        Ok(id)
    }

    /// Adds a contact to an office of the scope's municipality, after its other contacts.
    pub async fn add_contact(
        &self,
        scope: &TenantScope,
        office_id: i64,
        input: &ContactInput,
        actor: &Actor,
    ) -> Result<i64, StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        office_in(&txn, scope, office_id).await?;
        let last: Option<i32> = contact::Entity::find()
            .select_only()
            .column(contact::Column::Position)
            .filter(contact::Column::OfficeId.eq(office_id))
            .order_by_desc(contact::Column::Position)
            .into_tuple()
            .one(&txn)
            .await?;
        let mut a = contact::ActiveModel {
            office_id: Set(office_id),
            municipality_id: Set(scope.id),
            position: Set(last.map_or(0, |p| p.saturating_add(1))),
            ..Default::default()
        };
        fill_contact(&mut a, input);
        let id = a.insert(&txn).await?.id;
        write_contact_services(&txn, id, &input.services).await?;
        self.commit(
            txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "contact",
                entity_id: Some(id.to_string()),
                action: "create",
                changes: json!({"office": office_id, "function": input.function}),
            },
        )
        .await?;
        Ok(id)
    }

    /// Changes a contact of the scope's municipality.
    pub async fn update_contact(
        &self,
        scope: &TenantScope,
        contact_id: i64,
        input: &ContactInput,
        actor: &Actor,
    ) -> Result<(), StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let row = contact_in(&txn, scope, contact_id).await?;
        let mut a: contact::ActiveModel = row.into();
        fill_contact(&mut a, input);
        a.update(&txn).await?;
        write_contact_services(&txn, contact_id, &input.services).await?;
        self.commit(
            txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "contact",
                entity_id: Some(contact_id.to_string()),
                action: "update",
                changes: json!({"function": input.function, "show_name": input.show_name}),
            },
        )
        .await?;
        Ok(())
    }

    /// Removes a contact of the scope's municipality.
    pub async fn remove_contact(
        &self,
        scope: &TenantScope,
        contact_id: i64,
        actor: &Actor,
    ) -> Result<(), StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let row = contact_in(&txn, scope, contact_id).await?;
        contact_service::Entity::delete_many()
            .filter(contact_service::Column::ContactId.eq(contact_id))
            .exec(&txn)
            .await?;
        contact::Entity::delete_by_id(contact_id).exec(&txn).await?;
        self.commit(
            txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "contact",
                entity_id: Some(contact_id.to_string()),
                action: "delete",
                changes: json!({"office": row.office_id, "function": row.function}),
            },
        )
        .await?;
        Ok(())
    }

    /// The assignments of an office of the scope's municipality, by service then id.
    pub async fn office_responsibilities(
        &self,
        scope: &TenantScope,
        office_id: i64,
    ) -> Result<Vec<ResponsibilityRecord>, StorageError> {
        office_in(self.db, scope, office_id).await?;
        let rows = responsibility::Entity::find()
            .filter(responsibility::Column::OfficeId.eq(office_id))
            .filter(responsibility::Column::MunicipalityId.eq(scope.id))
            .order_by_asc(responsibility::Column::ServiceId)
            .order_by_asc(responsibility::Column::Id)
            .all(self.db)
            .await?;
        let slugs = self.slugs().await?;
        rows.into_iter()
            .map(|r| {
                let id = r.id;
                area_of(&slugs, r).map(|(service_id, area, office_id)| ResponsibilityRecord {
                    id,
                    service_id,
                    office_id,
                    area,
                })
            })
            .collect()
    }

    /// Makes an office of the scope's municipality responsible for a service in an area. The
    /// area must lie in the municipality itself or, for a county, in one of its towns: a
    /// municipality cannot route another's citizens to its own office
    /// ([`StorageError::Conflict`] says so). The same assignment twice is a conflict too.
    pub async fn add_responsibility(
        &self,
        scope: &TenantScope,
        office_id: i64,
        service_id: i64,
        area: &Area,
        actor: &Actor,
    ) -> Result<i64, StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        if office_in(&txn, scope, office_id).await?.archived_at.is_some() {
            return Err(StorageError::Conflict("the office is closed: reopen it first".to_owned()));
        }
        let service_row = service::Entity::find_by_id(service_id).one(&txn).await?.ok_or(StorageError::NotFound)?;
        let own_m = municipality::Entity::find_by_id(scope.id).one(&txn).await?.ok_or(StorageError::NotFound)?;
        // A county-level service (Kfz-Zulassung) belongs to the county or a kreisfreie city: a
        // town's assignment would outrank the county's for its citizens without the county
        // having a say.
        if service_row.level == regioportal_domain::services::ServiceLevel::County.as_str()
            && MunicipalityKind::parse(&own_m.kind).ok() == Some(MunicipalityKind::Town)
        {
            return Err(StorageError::Conflict(format!(
                "{} is a county service: the county assigns its office, not a town",
                service_row.name
            )));
        }
        let area_m = municipality::Entity::find()
            .filter(municipality::Column::Slug.eq(area.municipality().as_str()))
            .one(&txn)
            .await?
            .ok_or(StorageError::NotFound)?;
        let own = area_m.id == scope.id;
        let in_own_county = area_m.parent_id == Some(scope.id);
        if !own && !in_own_county {
            return Err(StorageError::Conflict(format!(
                "{} is neither this municipality nor one of its towns",
                area.municipality()
            )));
        }
        if matches!(area, Area::County(_))
            && MunicipalityKind::parse(&area_m.kind).ok() != Some(MunicipalityKind::County)
        {
            return Err(StorageError::Conflict(format!("{} is not a county", area.municipality())));
        }
        let values = regioportal_domain::services::office::area_values_text(area);
        let same = responsibility::Entity::find()
            .filter(responsibility::Column::OfficeId.eq(office_id))
            .filter(responsibility::Column::ServiceId.eq(service_id))
            .filter(responsibility::Column::AreaKind.eq(area.kind()))
            .filter(responsibility::Column::AreaMunicipalityId.eq(area_m.id))
            .filter(responsibility::Column::AreaValues.eq(values.as_str()))
            .one(&txn)
            .await?;
        if same.is_some() {
            return Err(StorageError::Conflict("the office already has this assignment".to_owned()));
        }
        let id = insert_responsibility(&txn, service_id, office_id, scope.id, area.kind(), area_m.id, &values).await?;
        self.commit(
            txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "responsibility",
                entity_id: Some(id.to_string()),
                action: "create",
                changes: json!({
                    "office": office_id, "service": service_id, "area": area.kind(),
                    "area_municipality": area.municipality().as_str(), "values": values,
                }),
            },
        )
        .await?;
        Ok(id)
    }

    /// Closes an office of the scope's municipality: it leaves the public pages, the
    /// Zuständigkeitsfinder and the search; its contacts stay with it. Its responsibilities go
    /// to `successor` (another open office of the municipality; one it already has is merged)
    /// or, without one, are removed. Returns how many it had.
    pub async fn archive_office(
        &self,
        scope: &TenantScope,
        id: i64,
        successor: Option<i64>,
        actor: &Actor,
    ) -> Result<usize, StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let row = office_in(&txn, scope, id).await?;
        if row.archived_at.is_some() {
            return Err(StorageError::Conflict(format!("{} is closed already", row.name)));
        }
        let assignments =
            responsibility::Entity::find().filter(responsibility::Column::OfficeId.eq(id)).all(&txn).await?;
        match successor {
            Some(to) => {
                if to == id {
                    return Err(StorageError::Conflict("an office cannot take over from itself".to_owned()));
                }
                let target = office_in(&txn, scope, to).await?;
                if target.archived_at.is_some() {
                    return Err(StorageError::Conflict(format!("{} is closed itself", target.name)));
                }
                for r in &assignments {
                    let already = responsibility::Entity::find()
                        .filter(responsibility::Column::OfficeId.eq(to))
                        .filter(responsibility::Column::ServiceId.eq(r.service_id))
                        .filter(responsibility::Column::AreaKind.eq(r.area_kind.as_str()))
                        .filter(responsibility::Column::AreaMunicipalityId.eq(r.area_municipality_id))
                        .filter(responsibility::Column::AreaValues.eq(r.area_values.as_str()))
                        .one(&txn)
                        .await?;
                    if already.is_some() {
                        responsibility::Entity::delete_by_id(r.id).exec(&txn).await?;
                    } else {
                        let mut a: responsibility::ActiveModel = r.clone().into();
                        a.office_id = Set(to);
                        a.update(&txn).await?;
                    }
                }
            }
            None => {
                responsibility::Entity::delete_many()
                    .filter(responsibility::Column::OfficeId.eq(id))
                    .exec(&txn)
                    .await?;
            }
        }
        let now = chrono::Utc::now();
        let mut a: office::ActiveModel = row.into();
        a.archived_at = Set(Some(now));
        a.updated_at = Set(now);
        a.update(&txn).await?;
        self.commit(
            txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "office",
                entity_id: Some(id.to_string()),
                action: "archive",
                changes: json!({
                    "responsibilities": assignments.len(),
                    "successor": successor,
                    "removed": if successor.is_none() { assignments.len() } else { 0 },
                }),
            },
        )
        .await?;
        Ok(assignments.len())
    }

    /// Reopens a closed office of the scope's municipality (without the responsibilities it
    /// gave away: those are assigned again).
    pub async fn reopen_office(&self, scope: &TenantScope, id: i64, actor: &Actor) -> Result<(), StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let row = office_in(&txn, scope, id).await?;
        if row.archived_at.is_none() {
            return Ok(());
        }
        let mut a: office::ActiveModel = row.into();
        a.archived_at = Set(None);
        a.updated_at = Set(chrono::Utc::now());
        a.update(&txn).await?;
        self.commit(
            txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "office",
                entity_id: Some(id.to_string()),
                action: "reopen",
                changes: json!({}),
            },
        )
        .await
    }

    /// Discontinues a service (region-wide content: the caller checked the region editor's
    /// right): it leaves the public pages, the API and the search. Its local texts, forms and
    /// responsibilities stay, so that restoring it brings everything back.
    pub async fn archive_service(&self, id: i64, archived: bool, actor: &Actor) -> Result<(), StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let row = service::Entity::find_by_id(id).one(&txn).await?.ok_or(StorageError::NotFound)?;
        if row.archived_at.is_some() == archived {
            return Ok(());
        }
        let name = row.name.clone();
        let mut a: service::ActiveModel = row.into();
        a.archived_at = Set(archived.then(chrono::Utc::now));
        a.update(&txn).await?;
        self.commit(
            txn,
            actor,
            Change {
                municipality: None,
                entity_type: "service",
                entity_id: Some(id.to_string()),
                action: if archived { "archive" } else { "restore" },
                changes: json!({ "name": name }),
            },
        )
        .await
    }

    /// Removes an assignment of the scope's municipality.
    pub async fn remove_responsibility(&self, scope: &TenantScope, id: i64, actor: &Actor) -> Result<(), StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let row = responsibility::Entity::find_by_id(id)
            .filter(responsibility::Column::MunicipalityId.eq(scope.id))
            .one(&txn)
            .await?
            .ok_or(StorageError::NotFound)?;
        responsibility::Entity::delete_by_id(id).exec(&txn).await?;
        self.commit(
            txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "responsibility",
                entity_id: Some(id.to_string()),
                action: "delete",
                changes: json!({"office": row.office_id, "service": row.service_id, "area": row.area_kind}),
            },
        )
        .await?;
        Ok(())
    }

    /// Sets the life situations a service belongs to and its related services (region-wide
    /// content: the caller checked the region editor's right). Unknown ids are not found; a
    /// service is not related to itself.
    pub async fn set_service_links(
        &self,
        service_id: i64,
        life_situations: &[i64],
        related: &[i64],
        actor: &Actor,
    ) -> Result<(), StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        if service::Entity::find_by_id(service_id).one(&txn).await?.is_none() {
            return Err(StorageError::NotFound);
        }
        let mut life = life_situations.to_vec();
        life.sort_unstable();
        life.dedup();
        let mut rel: Vec<i64> = related.iter().copied().filter(|r| *r != service_id).collect();
        rel.sort_unstable();
        rel.dedup();
        service_life_situation::Entity::delete_many()
            .filter(service_life_situation::Column::ServiceId.eq(service_id))
            .exec(&txn)
            .await?;
        for l in &life {
            if life_situation::Entity::find_by_id(*l).one(&txn).await?.is_none() {
                return Err(StorageError::NotFound);
            }
            service_life_situation::ActiveModel { service_id: Set(service_id), life_situation_id: Set(*l) }
                .insert(&txn)
                .await?;
        }
        service_related::Entity::delete_many()
            .filter(service_related::Column::ServiceId.eq(service_id))
            .exec(&txn)
            .await?;
        for r in &rel {
            if service::Entity::find_by_id(*r).one(&txn).await?.is_none() {
                return Err(StorageError::NotFound);
            }
            service_related::ActiveModel { service_id: Set(service_id), related_id: Set(*r) }.insert(&txn).await?;
        }
        self.commit(
            txn,
            actor,
            Change {
                municipality: None,
                entity_type: "service",
                entity_id: Some(service_id.to_string()),
                action: "links",
                changes: json!({"life_situations": life, "related": rel}),
            },
        )
        .await?;
        Ok(())
    }

    /// Creates a life situation, after the others (region-wide content).
    pub async fn create_life_situation(
        &self,
        slug: &Slug,
        input: &LifeSituationInput,
        actor: &Actor,
    ) -> Result<i64, StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let taken =
            life_situation::Entity::find().filter(life_situation::Column::Slug.eq(slug.as_str())).one(&txn).await?;
        if taken.is_some() {
            return Err(StorageError::Conflict(format!("a life situation named {slug} exists already")));
        }
        check_parent(&txn, None, input.parent_id).await?;
        let last: Option<i32> = life_situation::Entity::find()
            .select_only()
            .column(life_situation::Column::Position)
            .order_by_desc(life_situation::Column::Position)
            .into_tuple()
            .one(&txn)
            .await?;
        let id = life_situation::ActiveModel {
            slug: Set(slug.as_str().to_owned()),
            name: Set(input.name.clone()),
            name_en: Set(input.name_en.clone()),
            summary: Set(input.summary.clone()),
            parent_id: Set(input.parent_id),
            position: Set(last.map_or(0, |p| p.saturating_add(1))),
            ..Default::default()
        }
        .insert(&txn)
        .await?
        .id;
        self.commit(
            txn,
            actor,
            Change {
                municipality: None,
                entity_type: "life_situation",
                entity_id: Some(id.to_string()),
                action: "create",
                changes: json!({"slug": slug.as_str(), "name": input.name, "parent": input.parent_id}),
            },
        )
        .await?;
        Ok(id)
    }

    /// Changes a life situation (region-wide content). A parent that is the situation itself
    /// or one of its descendants is a [`StorageError::Conflict`]: the tree stays a tree.
    pub async fn update_life_situation(
        &self,
        id: i64,
        input: &LifeSituationInput,
        actor: &Actor,
    ) -> Result<(), StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let row = life_situation::Entity::find_by_id(id).one(&txn).await?.ok_or(StorageError::NotFound)?;
        check_parent(&txn, Some(id), input.parent_id).await?;
        let mut a: life_situation::ActiveModel = row.into();
        a.name = Set(input.name.clone());
        a.name_en = Set(input.name_en.clone());
        a.summary = Set(input.summary.clone());
        a.parent_id = Set(input.parent_id);
        a.update(&txn).await?;
        self.commit(
            txn,
            actor,
            Change {
                municipality: None,
                entity_type: "life_situation",
                entity_id: Some(id.to_string()),
                action: "update",
                changes: json!({"name": input.name, "parent": input.parent_id}),
            },
        )
        .await?;
        Ok(())
    }
}

/// A parent must exist and must not be `me` or below it.
async fn check_parent(db: &impl ConnectionTrait, me: Option<i64>, parent: Option<i64>) -> Result<(), StorageError> {
    let mut next = parent;
    let mut steps = 0;
    while let Some(p) = next {
        if Some(p) == me {
            return Err(StorageError::Conflict("a life situation cannot be filed under itself or below itself".into()));
        }
        let row = life_situation::Entity::find_by_id(p).one(db).await?.ok_or(StorageError::NotFound)?;
        next = row.parent_id;
        steps += 1;
        if steps > 64 {
            return Err(StorageError::Conflict("the life situations form a loop".into()));
        }
    }
    Ok(())
}
