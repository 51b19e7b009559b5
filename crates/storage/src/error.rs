//! The storage error type.

use thiserror::Error;

/// What can go wrong in storage. Messages are for operators: they say what is wrong and how to
/// fix it.
#[derive(Debug, Error)]
pub enum StorageError {
    /// `DATABASE_URL` is malformed or names an unsupported database.
    #[error("DATABASE_URL {url:?} is not usable: {reason}")]
    BadUrl {
        /// The URL with any password hidden.
        url: String,
        /// What is wrong and what to write instead.
        reason: String,
    },
    /// The database could not be opened or reached.
    #[error("cannot open the database {url}: {reason}")]
    Connect {
        /// The URL with any password hidden.
        url: String,
        /// The cause and the likely fix.
        reason: String,
    },
    /// Migrations failed.
    #[error("the database migration failed: {0}")]
    Migrate(String),
    /// The region file could not be imported; nothing was stored.
    #[error("the region was not imported, nothing was changed: {0}")]
    Import(String),
    /// A row that must exist does not.
    #[error("not found")]
    NotFound,
    /// A uniqueness rule or a precondition was violated; the text says which.
    #[error("{0}")]
    Conflict(String),
    /// A query failed.
    #[error("database error: {0}")]
    Db(#[from] sea_orm::DbErr),
}
