//! The Bürgerservice: services (Leistungen) with a regional master text and local overrides,
//! life situations, offices with opening hours, and responsibilities (Zuständigkeiten).

pub mod catalogue;
pub mod finder;
pub mod holidays;
pub mod hours;
pub mod office;
pub mod responsibility;
pub mod service;

pub use finder::{PlaceDirectory, PlaceEntry, PlaceMatch};
pub use responsibility::{Area, Citizen};
pub use service::{
    Fee, FeeAmount, FieldProblem, LegalRef, LeikaKey, ServiceContent, ServiceField, ServiceLevel, ServiceOverrides,
};
