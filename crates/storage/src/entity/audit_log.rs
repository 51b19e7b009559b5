use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_log")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub at: DateTimeUtc,
    pub actor_user_id: Option<i64>,
    pub actor_token_id: Option<i64>,
    pub actor: String,
    /// The tenant the change concerns; `None` for region-wide changes.
    pub municipality_id: Option<i64>,
    pub entity_type: String,
    pub entity_id: Option<String>,
    pub action: String,
    #[sea_orm(column_type = "Text")]
    pub changes: String,
    pub ip: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
