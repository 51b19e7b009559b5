//! Regioportal's storage: one SeaORM code base on SQLite and PostgreSQL.
//!
//! The rule of this crate: **tenant data is reachable only through a [`TenantScope`]**. The
//! entities are private; a repository method that reads or writes rows of a municipality takes a
//! `&TenantScope`, and a scope can only be obtained from this crate after the municipality was
//! looked up. A cross-tenant read therefore cannot be written by forgetting a filter.
//!
//! ```compile_fail
//! // A scope cannot be made up outside this crate …
//! let scope = regioportal_storage::TenantScope { id: 2, slug: todo!() };
//! ```
//!
//! ```compile_fail
//! // … and the entities behind the repositories are not visible.
//! use regioportal_storage::entity::place;
//! ```
//!
//! ```compile_fail
//! // … and a tenant's places cannot be listed without its scope.
//! async fn f(store: &regioportal_storage::Store) {
//!     store.places().list().await;
//! }
//! ```

mod audit;
mod counter;
mod db;
mod directory;
mod entity;
mod error;
mod events;
mod feeds;
mod files;
mod ics_import;
mod import;
mod legal;
mod municipalities;
mod places;
pub mod secrets;
mod sessions;
mod staff;
mod tenant;
mod throttle;
mod tokens;

pub use audit::{Actor, Audit, AuditEntry, AuditFilter, AuditScope, Change};
pub use db::{Backend, DatabaseUrl, PoolStats, Store};
pub use directory::{
    CatalogueReport, ContactInput, ContactRecord, Directory, FormRecord, LifeSituationInput, LifeSituationRecord,
    LocalPart, NewForm, OfficeInput, OfficeRecord, ResponsibilityRecord, ServiceRecord,
};
pub use error::StorageError;
pub use events::{
    CHANGED_PART, EventFilter, EventRecord, EventSource, Events, IMPORT_WITHDRAWAL, ImageMeta, NewEvent, Upsert,
};
pub use feeds::{FeedRecord, Feeds, MIN_INTERVAL_MINUTES};
pub use files::{DiskStore, FileStore, sha256_hex};
pub use ics_import::{IcsReport, ImportOptions, MAX_IMPORT_BYTES, Outcome, ReportLine, import_ics};
pub use import::{AssetSource, DirAssets, ImportReport, StaticAssets};
pub use legal::{LegalPage, LegalPages, Owner};
pub use municipalities::{Municipalities, MunicipalityRecord, RegionRecord};
pub use places::{PlaceRecord, Places};
pub use sessions::{SessionPolicy, SessionRecord, Sessions};
pub use staff::{RESET_LINK_VALIDITY, Staff, UserId, UserRecord};
pub use tenant::TenantScope;
pub use throttle::Throttle;
pub use tokens::{TokenPrincipal, TokenRecord, Tokens};
