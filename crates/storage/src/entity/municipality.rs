use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "municipality")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub kind: String,
    pub parent_id: Option<i64>,
    pub ags: String,
    pub ars: String,
    pub theme_colour: String,
    pub website: Option<String>,
    pub contact_name: String,
    pub contact_street: String,
    pub contact_postcode: String,
    pub contact_city: String,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub logo_content_type: Option<String>,
    pub logo_bytes: Option<Vec<u8>>,
    pub require_mfa: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
