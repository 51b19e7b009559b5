use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "legal_page")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The tenant; `None` for the region's own pages.
    pub municipality_id: Option<i64>,
    pub kind: String,
    pub locale: String,
    #[sea_orm(column_type = "Text")]
    pub body: String,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
