//! Black-box integration tests: the real app on port 0 against a fresh database per test,
//! SQLite by default and PostgreSQL when `REGIOPORTAL_TEST_DATABASE_URL` is set.

mod api;
mod events;
mod events_staff;
mod ops;
mod page_cache;
mod pages;
mod services;
mod services_staff;
mod session_cache;
mod staff;
mod storage;
