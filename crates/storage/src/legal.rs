//! Legal pages (Impressum, Datenschutz, Barrierefreiheit) of the region and each municipality.

use chrono::{DateTime, Utc};
use regioportal_domain::{LegalPageKind, Locale};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter};

use crate::entity::legal_page;
use crate::{StorageError, TenantScope};

/// Whose content: the region's own, or one municipality's.
#[derive(Debug, Clone, Copy)]
pub enum Owner<'a> {
    /// The region (the platform operator).
    Region,
    /// One municipality.
    Municipality(&'a TenantScope),
}

impl Owner<'_> {
    pub(crate) fn condition(self) -> Condition {
        match self {
            Owner::Region => Condition::all().add(legal_page::Column::MunicipalityId.is_null()),
            Owner::Municipality(s) => Condition::all().add(legal_page::Column::MunicipalityId.eq(s.id)),
        }
    }
}

/// A legal page in one language.
#[derive(Debug, Clone)]
pub struct LegalPage {
    /// Which page.
    pub kind: LegalPageKind,
    /// The language of `body` (German when no translation exists).
    pub locale: Locale,
    /// Markdown.
    pub body: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
}

/// Reads legal pages.
#[derive(Debug, Clone, Copy)]
pub struct LegalPages<'a> {
    pub(crate) db: &'a DatabaseConnection,
}

impl LegalPages<'_> {
    /// The page in the wanted language, else in German; `None` if the owner has none.
    pub async fn get(
        &self,
        owner: Owner<'_>,
        kind: LegalPageKind,
        wanted: Locale,
    ) -> Result<Option<LegalPage>, StorageError> {
        let rows = legal_page::Entity::find()
            .filter(owner.condition())
            .filter(legal_page::Column::Kind.eq(kind.slug()))
            .all(self.db)
            .await?;
        let pick = |l: Locale| rows.iter().find(|r| r.locale == l.tag());
        let Some(row) = pick(wanted).or_else(|| pick(Locale::De)) else { return Ok(None) };
        Ok(Some(LegalPage {
            kind,
            locale: Locale::from_tag(&row.locale).unwrap_or_default(),
            body: row.body.clone(),
            updated_at: row.updated_at,
        }))
    }
}
