//! The places and postcodes each municipality covers.

use regioportal_domain::Postcode;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::entity::place;
use crate::municipalities::MunicipalityRecord;
use crate::{StorageError, TenantScope};

/// A place of a municipality with one of its postcodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceRecord {
    /// Name of the place.
    pub name: String,
    /// A postcode of the place.
    pub postcode: Postcode,
}

/// Reads places.
#[derive(Debug, Clone, Copy)]
pub struct Places<'a> {
    pub(crate) db: &'a DatabaseConnection,
}

impl Places<'_> {
    /// The places of one municipality, by name then postcode.
    pub async fn list(&self, scope: &TenantScope) -> Result<Vec<PlaceRecord>, StorageError> {
        let rows = place::Entity::find()
            .filter(place::Column::MunicipalityId.eq(scope.id))
            .order_by_asc(place::Column::Name)
            .order_by_asc(place::Column::Postcode)
            .all(self.db)
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(PlaceRecord {
                    name: r.name,
                    postcode: Postcode::parse(&r.postcode)
                        .map_err(|e| StorageError::Db(sea_orm::DbErr::Custom(e.to_string())))?,
                })
            })
            .collect()
    }

    /// The postcodes of a municipality, de-duplicated and sorted.
    pub async fn postcodes(&self, m: &MunicipalityRecord) -> Result<Vec<Postcode>, StorageError> {
        let mut codes: Vec<Postcode> = self.list(m.scope()).await?.into_iter().map(|p| p.postcode).collect();
        codes.sort();
        codes.dedup();
        Ok(codes)
    }
}
