use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "event")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The tenant: where the event takes place.
    pub municipality_id: i64,
    pub uid: String,
    pub status: String,
    pub title: String,
    pub description: String,
    pub timezone: String,
    pub all_day: bool,
    pub start_local: String,
    pub end_local: String,
    pub rrule: Option<String>,
    pub exdates: String,
    pub rdates: String,
    pub first_start: DateTimeUtc,
    pub last_end: Option<DateTimeUtc>,
    pub venue_name: String,
    pub venue_street: Option<String>,
    pub venue_postcode: Option<String>,
    pub venue_place: Option<String>,
    pub venue_lat: Option<f64>,
    pub venue_lon: Option<f64>,
    pub step_free: bool,
    pub accessible_toilet: bool,
    pub induction_loop: bool,
    pub accessibility_note: Option<String>,
    pub organizer_name: Option<String>,
    pub organizer_email: Option<String>,
    pub organizer_phone: Option<String>,
    pub organizer_url: Option<String>,
    pub categories: String,
    pub free: bool,
    pub price: Option<String>,
    pub links: String,
    pub image_type: Option<String>,
    pub image_alt: Option<String>,
    pub search_text: String,
    pub source: String,
    pub feed_id: Option<i64>,
    pub submitter_email: Option<String>,
    pub confirm_token_hash: Option<String>,
    pub confirmed_at: Option<DateTimeUtc>,
    pub moderation_note: Option<String>,
    pub sequence: i32,
    pub created_by: Option<i64>,
    pub created_by_token: Option<i64>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
