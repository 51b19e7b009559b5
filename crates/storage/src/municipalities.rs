//! The tenant registry: the region and its municipalities. These rows are public by nature
//! (names, keys, addresses), so reading them needs no scope; they are where scopes come from.

use chrono::{DateTime, Utc};
use regioportal_domain::region::Contact;
use regioportal_domain::{Ags, Ars, MunicipalityKind, Postcode, Slug, ThemeColour};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::entity::{municipality, municipality_neighbour, region};
use crate::{StorageError, TenantScope};

/// The region as stored.
#[derive(Debug, Clone)]
pub struct RegionRecord {
    /// URL name.
    pub slug: String,
    /// German name.
    pub name: String,
    /// English name, if any.
    pub name_en: Option<String>,
    /// IANA time zone.
    pub timezone: String,
    /// Website.
    pub website: Option<String>,
    /// Whether the content is invented demo content.
    pub demo: bool,
    /// The platform operator.
    pub contact: Contact,
}

/// A municipality as stored, with the scope to act for it.
#[derive(Debug, Clone)]
pub struct MunicipalityRecord {
    scope: TenantScope,
    /// Official short name.
    pub name: String,
    /// City, county or town.
    pub kind: MunicipalityKind,
    /// The county of a town.
    pub parent: Option<Slug>,
    /// Neighbouring municipalities of the region (from the region file), sorted.
    pub neighbours: Vec<Slug>,
    /// Official municipality key.
    pub ags: Ags,
    /// Official regional key.
    pub ars: Ars,
    /// Brand colour as configured (paint it with [`ThemeColour::on_white_text`]).
    pub theme_colour: ThemeColour,
    /// Own website.
    pub website: Option<String>,
    /// Address of the administration.
    pub contact: Contact,
    /// Media type of the logo, if there is one.
    pub logo_content_type: Option<String>,
    /// Whether all its staff need a second factor.
    pub require_mfa: bool,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

impl MunicipalityRecord {
    /// The scope to read and change this municipality's data.
    pub fn scope(&self) -> &TenantScope {
        &self.scope
    }
    /// The URL name.
    pub fn slug(&self) -> &Slug {
        &self.scope.slug
    }
}

/// Rows come from our own validated imports; a row that no longer parses means the database was
/// edited by hand, which is reported rather than hidden.
fn corrupt(what: &str, e: impl std::fmt::Display) -> StorageError {
    StorageError::Db(sea_orm::DbErr::Custom(format!("stored {what} is invalid: {e}")))
}

pub(crate) fn contact_of(
    name: String,
    street: String,
    postcode: &str,
    city: String,
    phone: Option<String>,
    email: Option<String>,
) -> Result<Contact, StorageError> {
    Ok(Contact {
        name,
        street,
        postcode: Postcode::parse(postcode).map_err(|e| corrupt("postcode", e))?,
        city,
        phone,
        email,
    })
}

fn record(
    m: municipality::Model,
    parent: Option<Slug>,
    neighbours: Vec<Slug>,
) -> Result<MunicipalityRecord, StorageError> {
    Ok(MunicipalityRecord {
        scope: TenantScope { id: m.id, slug: Slug::parse(&m.slug).map_err(|e| corrupt("slug", e))? },
        name: m.name,
        kind: MunicipalityKind::parse(&m.kind).map_err(|e| corrupt("kind", e))?,
        parent,
        neighbours,
        ags: Ags::parse(&m.ags).map_err(|e| corrupt("AGS", e))?,
        ars: Ars::parse(&m.ars).map_err(|e| corrupt("ARS", e))?,
        theme_colour: ThemeColour::parse(&m.theme_colour).map_err(|e| corrupt("theme colour", e))?,
        website: m.website,
        contact: contact_of(
            m.contact_name,
            m.contact_street,
            &m.contact_postcode,
            m.contact_city,
            m.contact_phone,
            m.contact_email,
        )?,
        logo_content_type: m.logo_content_type,
        require_mfa: m.require_mfa,
        updated_at: m.updated_at,
    })
}

/// Columns of a municipality without the logo bytes (lists never need them).
fn without_logo() -> sea_orm::Select<municipality::Entity> {
    use municipality::Column as C;
    municipality::Entity::find().select_only().columns([
        C::Id,
        C::Slug,
        C::Name,
        C::Kind,
        C::ParentId,
        C::Ags,
        C::Ars,
        C::ThemeColour,
        C::Website,
        C::ContactName,
        C::ContactStreet,
        C::ContactPostcode,
        C::ContactCity,
        C::ContactPhone,
        C::ContactEmail,
        C::LogoContentType,
        C::RequireMfa,
        C::CreatedAt,
        C::UpdatedAt,
    ])
}

#[derive(Debug, sea_orm::FromQueryResult)]
struct Row {
    id: i64,
    slug: String,
    name: String,
    kind: String,
    parent_id: Option<i64>,
    ags: String,
    ars: String,
    theme_colour: String,
    website: Option<String>,
    contact_name: String,
    contact_street: String,
    contact_postcode: String,
    contact_city: String,
    contact_phone: Option<String>,
    contact_email: Option<String>,
    logo_content_type: Option<String>,
    require_mfa: bool,
    created_at: DateTime<Utc>,
    updated_at: DateTime<Utc>,
}

impl From<Row> for municipality::Model {
    fn from(r: Row) -> Self {
        Self {
            id: r.id,
            slug: r.slug,
            name: r.name,
            kind: r.kind,
            parent_id: r.parent_id,
            ags: r.ags,
            ars: r.ars,
            theme_colour: r.theme_colour,
            website: r.website,
            contact_name: r.contact_name,
            contact_street: r.contact_street,
            contact_postcode: r.contact_postcode,
            contact_city: r.contact_city,
            contact_phone: r.contact_phone,
            contact_email: r.contact_email,
            logo_content_type: r.logo_content_type,
            logo_bytes: None,
            require_mfa: r.require_mfa,
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

/// Reads the region and its municipalities.
#[derive(Debug, Clone, Copy)]
pub struct Municipalities<'a> {
    pub(crate) db: &'a DatabaseConnection,
}

impl Municipalities<'_> {
    /// The region, if one was imported.
    pub async fn region(&self) -> Result<Option<RegionRecord>, StorageError> {
        let Some(r) = region::Entity::find_by_id(1).one(self.db).await? else { return Ok(None) };
        Ok(Some(RegionRecord {
            slug: r.slug,
            name: r.name,
            name_en: r.name_en,
            timezone: r.timezone,
            website: r.website,
            demo: r.is_demo,
            contact: contact_of(
                r.contact_name,
                r.contact_street,
                &r.contact_postcode,
                r.contact_city,
                r.contact_phone,
                r.contact_email,
            )?,
        }))
    }

    /// All municipalities, sorted by name.
    pub async fn list(&self) -> Result<Vec<MunicipalityRecord>, StorageError> {
        let rows: Vec<municipality::Model> = without_logo()
            .order_by_asc(municipality::Column::Name)
            .into_model::<Row>()
            .all(self.db)
            .await?
            .into_iter()
            .map(Into::into)
            .collect();
        let slug_of = |id: i64| rows.iter().find(|m| m.id == id).and_then(|m| Slug::parse(&m.slug).ok());
        let parents: Vec<Option<Slug>> = rows.iter().map(|m| m.parent_id.and_then(slug_of)).collect();
        let pairs = municipality_neighbour::Entity::find().all(self.db).await?;
        let neighbours: Vec<Vec<Slug>> = rows
            .iter()
            .map(|m| {
                let mut n: Vec<Slug> = pairs
                    .iter()
                    .filter(|p| p.municipality_id == m.id)
                    .filter_map(|p| slug_of(p.neighbour_id))
                    .collect();
                n.sort();
                n
            })
            .collect();
        rows.into_iter().zip(parents).zip(neighbours).map(|((m, p), n)| record(m, p, n)).collect()
    }

    /// Whether any municipality exists (an empty database gets the demo region).
    pub async fn is_empty(&self) -> Result<bool, StorageError> {
        Ok(municipality::Entity::find()
            .select_only()
            .column(municipality::Column::Id)
            .into_tuple::<i64>()
            .one(self.db)
            .await?
            .is_none())
    }

    /// One municipality by slug.
    pub async fn by_slug(&self, slug: &str) -> Result<Option<MunicipalityRecord>, StorageError> {
        let Some(m) = without_logo()
            .filter(municipality::Column::Slug.eq(slug))
            .into_model::<Row>()
            .one(self.db)
            .await?
            .map(municipality::Model::from)
        else {
            return Ok(None);
        };
        let parent = match m.parent_id {
            Some(pid) => municipality::Entity::find_by_id(pid)
                .select_only()
                .column(municipality::Column::Slug)
                .into_tuple::<String>()
                .one(self.db)
                .await?
                .and_then(|s| Slug::parse(&s).ok()),
            None => None,
        };
        let ids: Vec<i64> = municipality_neighbour::Entity::find()
            .filter(municipality_neighbour::Column::MunicipalityId.eq(m.id))
            .all(self.db)
            .await?
            .into_iter()
            .map(|p| p.neighbour_id)
            .collect();
        let mut neighbours: Vec<Slug> = municipality::Entity::find()
            .select_only()
            .column(municipality::Column::Slug)
            .filter(municipality::Column::Id.is_in(ids))
            .into_tuple::<String>()
            .all(self.db)
            .await?
            .iter()
            .filter_map(|s| Slug::parse(s).ok())
            .collect();
        neighbours.sort();
        record(m, parent, neighbours).map(Some)
    }

    /// The logo of a municipality: media type and bytes.
    pub async fn logo(&self, scope: &TenantScope) -> Result<Option<(String, Vec<u8>)>, StorageError> {
        let row = municipality::Entity::find_by_id(scope.id)
            .select_only()
            .columns([municipality::Column::LogoContentType, municipality::Column::LogoBytes])
            .into_tuple::<(Option<String>, Option<Vec<u8>>)>()
            .one(self.db)
            .await?;
        Ok(match row {
            Some((Some(ct), Some(bytes))) => Some((ct, bytes)),
            _ => None,
        })
    }
}
