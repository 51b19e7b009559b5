//! SeaORM entities. Private to this crate: code outside reaches tenant data only through the
//! repositories, which demand a [`crate::TenantScope`].

pub(crate) mod legal_page;
pub(crate) mod municipality;
pub(crate) mod place;
pub(crate) mod region;
