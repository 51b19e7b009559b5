use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "region")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: i32,
    pub slug: String,
    pub name: String,
    pub name_en: Option<String>,
    pub timezone: String,
    pub website: Option<String>,
    pub is_demo: bool,
    pub contact_name: String,
    pub contact_street: String,
    pub contact_postcode: String,
    pub contact_city: String,
    pub contact_phone: Option<String>,
    pub contact_email: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
