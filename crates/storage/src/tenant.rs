//! The tenant scope: proof that code acts for one municipality.

use regioportal_domain::Slug;

/// One municipality that a piece of code acts for.
///
/// It has no public constructor: storage hands one out with a municipality it has looked up
/// ([`crate::MunicipalityRecord::scope`]), and later the access rules will hand one out for a
/// signed-in editor. Every repository method on tenant data takes it and filters by it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantScope {
    pub(crate) id: i64,
    pub(crate) slug: Slug,
}

impl TenantScope {
    /// The municipality's row id, for in-memory indexes that group by municipality. A scope
    /// cannot be made from it.
    pub fn raw_id(&self) -> i64 {
        self.id
    }

    /// The municipality's slug.
    pub fn slug(&self) -> &Slug {
        &self.slug
    }
}
