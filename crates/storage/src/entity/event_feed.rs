use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_feed")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The tenant.
    pub municipality_id: i64,
    pub name: String,
    pub url: String,
    pub interval_minutes: i32,
    pub publish: bool,
    pub last_polled_at: Option<DateTimeUtc>,
    pub last_report: Option<String>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
