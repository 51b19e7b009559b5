//! Regioportal's domain: the pure types and rules of the platform, without I/O.
//!
//! Every value that crosses a trust boundary (a region file, a URL, a configuration value) is
//! parsed into one of these newtypes first, so that the rest of the code can rely on it being
//! valid (`Slug::parse`, `Ags::parse`, …).

pub mod auth;
pub mod colour;
pub mod events;
pub mod hosts;
pub mod ical;
pub mod legal;
pub mod locale;
pub mod logo;
pub mod municipality;
pub mod pdf;
pub mod recurrence;
pub mod region;
pub mod services;

pub use colour::ThemeColour;
pub use hosts::HostMap;
pub use legal::LegalPageKind;
pub use locale::Locale;
pub use municipality::{Ags, Ars, MunicipalityKind, Postcode, Slug};
