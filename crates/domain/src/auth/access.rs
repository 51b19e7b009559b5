//! The access rules: what a signed-in staff member may do, derived from their grants alone.
//!
//! Every check answers for one municipality (or for the region), so a handler asks the question
//! it needs (`can_edit(&jena)`) instead of inspecting roles itself. The rules in one place:
//!
//! | check | who passes |
//! |---|---|
//! | [`Permissions::can_edit`] | `editor` or `municipality_admin` of it, `platform_admin` |
//! | [`Permissions::can_moderate`] | `moderator` or `municipality_admin` of it, `platform_admin` |
//! | [`Permissions::can_publish_own_events`] | `organiser` of it (their own events only) |
//! | [`Permissions::can_manage_users`] | `municipality_admin` of it, `platform_admin` |
//! | [`Permissions::can_edit_region`] | `region_editor`, `platform_admin` |
//! | [`Permissions::can_grant`] / [`Permissions::can_revoke`] | see there |

use crate::Slug;

use super::role::{Grant, Role};

/// The municipalities someone may act for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reach {
    /// Every municipality, including ones added later (a platform admin).
    All,
    /// Exactly these municipalities, sorted and without duplicates (maybe none).
    Only(Vec<Slug>),
}

impl Reach {
    /// Whether `municipality` is within reach.
    pub fn includes(&self, municipality: &Slug) -> bool {
        match self {
            Self::All => true,
            Self::Only(slugs) => slugs.binary_search(municipality).is_ok(),
        }
    }
}

/// What one person may do: the checks over the grants they hold.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Permissions {
    grants: Vec<Grant>,
}

impl Permissions {
    /// The permissions of someone holding `grants` (order and duplicates do not matter).
    pub fn new(grants: impl IntoIterator<Item = Grant>) -> Self {
        let mut grants: Vec<Grant> = grants.into_iter().collect();
        grants.sort();
        grants.dedup();
        Self { grants }
    }

    /// The grants, sorted, without duplicates.
    pub fn grants(&self) -> &[Grant] {
        &self.grants
    }

    /// Whether the person holds no grant at all (signed in, but may do nothing).
    pub fn is_empty(&self) -> bool {
        self.grants.is_empty()
    }

    /// Whether the person runs the installation.
    pub fn is_platform_admin(&self) -> bool {
        self.grants.iter().any(|g| g.role() == Role::PlatformAdmin)
    }

    /// The municipalities the person may act for in any role. Region-wide `region_editor`
    /// grants add none: they cover the region's own content, not a municipality's.
    pub fn municipalities(&self) -> Reach {
        if self.is_platform_admin() {
            return Reach::All;
        }
        let mut slugs: Vec<Slug> = self.grants.iter().filter_map(|g| g.municipality().cloned()).collect();
        slugs.sort();
        slugs.dedup();
        Reach::Only(slugs)
    }

    /// Whether the person may write and publish `municipality`'s content.
    pub fn can_edit(&self, municipality: &Slug) -> bool {
        self.is_platform_admin() || self.holds_any(&[Role::Editor, Role::MunicipalityAdmin], municipality)
    }

    /// Whether the person may review citizens' submissions to `municipality`. Editors may not:
    /// moderation is a separate duty the municipality hands out deliberately.
    pub fn can_moderate(&self, municipality: &Slug) -> bool {
        self.is_platform_admin() || self.holds_any(&[Role::Moderator, Role::MunicipalityAdmin], municipality)
    }

    /// Whether the person is a trusted organiser of `municipality`: they create events there
    /// that are published without review, and may change and delete those events only. Editors
    /// need no such grant (they may change every event, [`Permissions::can_edit`]).
    pub fn can_publish_own_events(&self, municipality: &Slug) -> bool {
        self.holds_any(&[Role::Organiser], municipality)
    }

    /// Whether the person may manage `municipality`'s staff accounts.
    pub fn can_manage_users(&self, municipality: &Slug) -> bool {
        self.is_platform_admin() || self.holds_any(&[Role::MunicipalityAdmin], municipality)
    }

    /// Whether the person may write the region-wide content.
    pub fn can_edit_region(&self) -> bool {
        self.grants.iter().any(|g| matches!(g.role(), Role::PlatformAdmin | Role::RegionEditor))
    }

    /// Whether the person must sign in with a second factor: yes if any grant's role requires
    /// one, because the account can do everything its strongest grant allows.
    pub fn requires_mfa(&self) -> bool {
        self.grants.iter().any(|g| g.role().requires_mfa())
    }

    /// Whether the person may give `grant` to someone (or to themselves).
    ///
    /// A platform admin may grant anything. Anyone else may only grant the per-municipality
    /// roles (`municipality_admin`, `editor`, `moderator`, `organiser`) of a municipality they are
    /// `municipality_admin` of: a municipality admin manages users of their own municipality
    /// only and can never grant more than they hold, so never `platform_admin` or
    /// `region_editor`, and never a role in another municipality.
    pub fn can_grant(&self, grant: &Grant) -> bool {
        if self.is_platform_admin() {
            return true;
        }
        // `Grant::new` guarantees that exactly the per-municipality roles carry a municipality,
        // so a region-wide role falls through to `false` here.
        match grant.municipality() {
            Some(municipality) => grant.role().needs_municipality() && self.can_manage_users(municipality),
            None => false,
        }
    }

    /// Whether the person may take `grant` away from someone: the same rule as
    /// [`Permissions::can_grant`], so nobody can remove a right they could not have given.
    pub fn can_revoke(&self, grant: &Grant) -> bool {
        self.can_grant(grant)
    }

    fn holds_any(&self, roles: &[Role], municipality: &Slug) -> bool {
        self.grants.iter().any(|g| roles.contains(&g.role()) && g.municipality() == Some(municipality))
    }
}

impl FromIterator<Grant> for Permissions {
    fn from_iter<I: IntoIterator<Item = Grant>>(iter: I) -> Self {
        Self::new(iter)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(s: &str) -> Slug {
        Slug::parse(s).unwrap()
    }

    fn grant(s: &str) -> Grant {
        Grant::parse(s).unwrap()
    }

    fn perms(grants: &[&str]) -> Permissions {
        grants.iter().map(|s| grant(s)).collect()
    }

    #[test]
    fn nobody_may_do_nothing() {
        let p = Permissions::default();
        assert!(p.is_empty());
        assert!(!p.is_platform_admin());
        assert_eq!(p.municipalities(), Reach::Only(vec![]));
        assert!(!p.can_edit(&slug("jena")));
        assert!(!p.can_moderate(&slug("jena")));
        assert!(!p.can_manage_users(&slug("jena")));
        assert!(!p.can_edit_region());
        assert!(!p.requires_mfa());
        assert!(!p.can_grant(&grant("editor@jena")));
    }

    #[test]
    fn platform_admin_may_do_everything() {
        let p = perms(&["platform_admin"]);
        assert!(p.is_platform_admin());
        assert_eq!(p.municipalities(), Reach::All);
        assert!(p.municipalities().includes(&slug("anywhere")));
        assert!(p.can_edit(&slug("jena")) && p.can_moderate(&slug("jena")) && p.can_manage_users(&slug("jena")));
        assert!(p.can_edit_region());
        assert!(p.requires_mfa());
        for g in ["platform_admin", "region_editor", "municipality_admin@jena", "editor@gera", "moderator@gera"] {
            assert!(p.can_grant(&grant(g)), "{g}");
            assert!(p.can_revoke(&grant(g)), "{g}");
        }
    }

    #[test]
    fn municipalities_are_sorted_and_deduplicated() {
        let p = perms(&["moderator@jena", "editor@gera", "editor@jena", "editor@jena", "region_editor"]);
        assert_eq!(p.grants().len(), 4);
        let reach = p.municipalities();
        assert_eq!(reach, Reach::Only(vec![slug("gera"), slug("jena")]));
        assert!(reach.includes(&slug("jena")));
        assert!(!reach.includes(&slug("altenburg")));
    }

    #[test]
    fn per_municipality_roles() {
        let jena = slug("jena");
        let gera = slug("gera");

        let editor = perms(&["editor@jena"]);
        assert!(editor.can_edit(&jena));
        assert!(!editor.can_edit(&gera));
        assert!(!editor.can_moderate(&jena), "editors do not moderate");
        assert!(!editor.can_manage_users(&jena));
        assert!(!editor.can_edit_region());
        assert!(!editor.requires_mfa());

        let moderator = perms(&["moderator@jena"]);
        assert!(moderator.can_moderate(&jena));
        assert!(!moderator.can_moderate(&gera));
        assert!(!moderator.can_edit(&jena));
        assert!(!moderator.can_manage_users(&jena));

        let organiser = perms(&["organiser@jena"]);
        assert!(organiser.can_publish_own_events(&jena));
        assert!(!organiser.can_publish_own_events(&gera));
        assert!(!organiser.can_edit(&jena) && !organiser.can_moderate(&jena) && !organiser.can_manage_users(&jena));
        assert!(!organiser.requires_mfa());
        assert!(!editor.can_publish_own_events(&jena), "editors change every event, not as organisers");

        let admin = perms(&["municipality_admin@jena"]);
        assert!(admin.can_edit(&jena) && admin.can_moderate(&jena) && admin.can_manage_users(&jena));
        assert!(!admin.can_edit(&gera) && !admin.can_moderate(&gera) && !admin.can_manage_users(&gera));
        assert!(!admin.is_platform_admin());
        assert!(!admin.can_edit_region());
        assert!(admin.requires_mfa());
    }

    #[test]
    fn region_editor_is_region_wide_only() {
        let p = perms(&["region_editor"]);
        assert!(p.can_edit_region());
        assert!(!p.can_edit(&slug("jena")));
        assert!(!p.requires_mfa());
        assert_eq!(p.municipalities(), Reach::Only(vec![]));
    }

    #[test]
    fn mfa_follows_the_strongest_grant() {
        assert!(perms(&["editor@jena", "municipality_admin@gera"]).requires_mfa());
        assert!(!perms(&["editor@jena", "moderator@gera", "region_editor"]).requires_mfa());
    }

    #[test]
    fn municipality_admin_grants_within_their_municipality() {
        let p = perms(&["municipality_admin@gera"]);
        for g in ["editor@gera", "moderator@gera", "organiser@gera", "municipality_admin@gera"] {
            assert!(p.can_grant(&grant(g)), "{g}");
            assert!(p.can_revoke(&grant(g)), "{g}");
        }
    }

    #[test]
    fn no_privilege_escalation() {
        let p = perms(&["municipality_admin@gera", "editor@jena", "moderator@jena"]);
        for g in [
            "editor@jena",
            "moderator@jena",
            "municipality_admin@jena",
            "editor@altenburg",
            "platform_admin",
            "region_editor",
        ] {
            assert!(!p.can_grant(&grant(g)), "admin of Gera must not grant {g}");
            assert!(!p.can_revoke(&grant(g)), "admin of Gera must not revoke {g}");
        }
        // Editors, moderators and region editors grant nothing, not even their own role.
        for (holder, g) in [
            ("editor@jena", "editor@jena"),
            ("moderator@jena", "moderator@jena"),
            ("region_editor", "region_editor"),
            ("region_editor", "editor@jena"),
        ] {
            assert!(!perms(&[holder]).can_grant(&grant(g)), "{holder} must not grant {g}");
        }
    }
}
