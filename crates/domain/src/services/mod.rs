//! The Bürgerservice: services (Leistungen) with a regional master text and local overrides,
//! life situations, offices with opening hours, and responsibilities (Zuständigkeiten).

pub mod holidays;
pub mod hours;
