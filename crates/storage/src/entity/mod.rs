//! SeaORM entities. Private to this crate: code outside reaches tenant data only through the
//! repositories, which demand a [`crate::TenantScope`].

pub(crate) mod api_token;
pub(crate) mod audit_log;
pub(crate) mod directory;
pub(crate) mod event;
pub(crate) mod event_feed;
pub(crate) mod event_image;
pub(crate) mod event_override;
pub(crate) mod legal_page;
pub(crate) mod login_throttle;
pub(crate) mod municipality;
pub(crate) mod municipality_neighbour;
pub(crate) mod password_reset;
pub(crate) mod place;
pub(crate) mod recovery_code;
pub(crate) mod region;
pub(crate) mod role_grant;
pub(crate) mod staff_session;
pub(crate) mod staff_user;
