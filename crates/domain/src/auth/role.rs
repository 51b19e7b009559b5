//! Staff roles and grants: what a person may do, and for which municipality.
//!
//! A person holds any number of [`Grant`]s. Most roles are held *for one municipality*
//! (`editor@jena`); two are region-wide and never name one (`platform_admin`, `region_editor`).
//! [`Grant::new`] enforces that pairing, so no code downstream has to handle an "editor of
//! nowhere" or a "platform admin of Jena".

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::Slug;
use crate::municipality::IdError;

/// An unknown role code.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error(
    "{0:?} is not a role: use one of platform_admin, municipality_admin, editor, moderator, organiser, region_editor"
)]
pub struct RoleError(pub String);

/// A role a staff member can hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Runs the installation: every municipality, every user, the region's settings.
    PlatformAdmin,
    /// Runs one municipality: its staff accounts, its content and its moderation.
    MunicipalityAdmin,
    /// Writes and publishes one municipality's content.
    Editor,
    /// Reviews what citizens submit to one municipality (comments, reports, events).
    Moderator,
    /// A trusted organiser (a theatre, a club, a museum) of one municipality: publishes their
    /// own events there without review and changes only those.
    Organiser,
    /// Writes the region-wide content (the operator's pages, region news), no municipality.
    RegionEditor,
}

impl Role {
    /// Every role, in order of decreasing reach (the order admin screens list them in).
    pub const ALL: [Self; 6] = [
        Self::PlatformAdmin,
        Self::MunicipalityAdmin,
        Self::Editor,
        Self::Moderator,
        Self::Organiser,
        Self::RegionEditor,
    ];

    /// The stable code stored in the database and used in the CLI and API.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PlatformAdmin => "platform_admin",
            Self::MunicipalityAdmin => "municipality_admin",
            Self::Editor => "editor",
            Self::Moderator => "moderator",
            Self::Organiser => "organiser",
            Self::RegionEditor => "region_editor",
        }
    }

    /// Parses a role code (exactly as [`Role::as_str`] writes it).
    pub fn parse(s: &str) -> Result<Self, RoleError> {
        Self::ALL.into_iter().find(|r| r.as_str() == s).ok_or_else(|| RoleError(s.to_owned()))
    }

    /// Whether a grant of this role must name a municipality. `platform_admin` and
    /// `region_editor` are region-wide and must not.
    pub fn needs_municipality(self) -> bool {
        matches!(self, Self::MunicipalityAdmin | Self::Editor | Self::Moderator | Self::Organiser)
    }

    /// Whether holding this role requires a second factor at sign-in. These are the roles that
    /// can create accounts and hand out rights, so a stolen password alone must not be enough.
    pub fn requires_mfa(self) -> bool {
        matches!(self, Self::PlatformAdmin | Self::MunicipalityAdmin)
    }

    /// The key of the localised name of this role (see `locales/`).
    pub fn label_key(self) -> &'static str {
        match self {
            Self::PlatformAdmin => "role-platform_admin",
            Self::MunicipalityAdmin => "role-municipality_admin",
            Self::Editor => "role-editor",
            Self::Moderator => "role-moderator",
            Self::Organiser => "role-organiser",
            Self::RegionEditor => "role-region_editor",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why a grant was rejected; the message says how to fix the command or form.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum GrantError {
    /// A per-municipality role without a municipality.
    #[error("the role {0} needs a municipality: add --municipality SLUG")]
    NeedsMunicipality(Role),
    /// A region-wide role with a municipality.
    #[error("the role {0} is for the whole installation: remove the municipality")]
    RegionWide(Role),
    /// An unknown role code (from [`Grant::parse`]).
    #[error(transparent)]
    Role(#[from] RoleError),
    /// A malformed municipality slug (from [`Grant::parse`]).
    #[error(transparent)]
    Slug(#[from] IdError),
}

/// One role held by one person, for one municipality where the role needs one.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Grant {
    role: Role,
    municipality: Option<Slug>,
}

impl Grant {
    /// A grant, checked: a municipality must be given exactly when
    /// [`Role::needs_municipality`] says so.
    pub fn new(role: Role, municipality: Option<Slug>) -> Result<Self, GrantError> {
        match (role.needs_municipality(), municipality.is_some()) {
            (true, false) => Err(GrantError::NeedsMunicipality(role)),
            (false, true) => Err(GrantError::RegionWide(role)),
            _ => Ok(Self { role, municipality }),
        }
    }

    /// Parses the form [`Grant`]'s `Display` writes: `editor@jena` or `platform_admin`.
    pub fn parse(s: &str) -> Result<Self, GrantError> {
        let s = s.trim();
        match s.split_once('@') {
            Some((role, slug)) => Self::new(Role::parse(role)?, Some(Slug::parse(slug)?)),
            None => Self::new(Role::parse(s)?, None),
        }
    }

    /// The role granted.
    pub fn role(&self) -> Role {
        self.role
    }

    /// The municipality the role is held for; `None` for the region-wide roles.
    pub fn municipality(&self) -> Option<&Slug> {
        self.municipality.as_ref()
    }
}

impl fmt::Display for Grant {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.municipality {
            Some(slug) => write!(f, "{}@{slug}", self.role),
            None => f.write_str(self.role.as_str()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(s: &str) -> Slug {
        Slug::parse(s).unwrap()
    }

    #[test]
    fn role_codes_round_trip() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()).unwrap(), role);
            assert_eq!(role.label_key(), format!("role-{}", role.as_str()));
            assert_eq!(role.to_string(), role.as_str());
        }
        assert!(Role::parse("Editor").is_err());
        assert!(Role::parse("admin").is_err());
    }

    #[test]
    fn role_error_lists_the_valid_codes() {
        let msg = Role::parse("superuser").unwrap_err().to_string();
        assert!(msg.contains("\"superuser\""), "{msg}");
        for role in Role::ALL {
            assert!(msg.contains(role.as_str()), "{msg} lacks {role}");
        }
    }

    #[test]
    fn role_properties() {
        use Role::*;
        assert!(
            MunicipalityAdmin.needs_municipality()
                && Editor.needs_municipality()
                && Moderator.needs_municipality()
                && Organiser.needs_municipality()
        );
        assert!(!PlatformAdmin.needs_municipality() && !RegionEditor.needs_municipality());
        assert!(PlatformAdmin.requires_mfa() && MunicipalityAdmin.requires_mfa());
        assert!(
            !Editor.requires_mfa()
                && !Moderator.requires_mfa()
                && !Organiser.requires_mfa()
                && !RegionEditor.requires_mfa()
        );
    }

    #[test]
    fn serde_uses_the_codes() {
        #[derive(Serialize, Deserialize)]
        struct W {
            role: Role,
        }
        let w: W = toml::from_str("role = \"municipality_admin\"").unwrap();
        assert_eq!(w.role, Role::MunicipalityAdmin);
        assert!(toml::from_str::<W>("role = \"MunicipalityAdmin\"").is_err());
    }

    #[test]
    fn grants_pair_roles_with_municipalities() {
        let g = Grant::new(Role::Editor, Some(slug("jena"))).unwrap();
        assert_eq!(g.role(), Role::Editor);
        assert_eq!(g.municipality(), Some(&slug("jena")));
        assert_eq!(g.to_string(), "editor@jena");
        let g = Grant::new(Role::PlatformAdmin, None).unwrap();
        assert_eq!(g.municipality(), None);
        assert_eq!(g.to_string(), "platform_admin");

        let err = Grant::new(Role::Editor, None).unwrap_err();
        assert_eq!(err, GrantError::NeedsMunicipality(Role::Editor));
        assert_eq!(err.to_string(), "the role editor needs a municipality: add --municipality SLUG");
        let err = Grant::new(Role::PlatformAdmin, Some(slug("jena"))).unwrap_err();
        assert_eq!(err.to_string(), "the role platform_admin is for the whole installation: remove the municipality");
        assert_eq!(
            Grant::new(Role::RegionEditor, Some(slug("gera"))).unwrap_err(),
            GrantError::RegionWide(Role::RegionEditor)
        );
    }

    #[test]
    fn grants_parse_what_they_print() {
        for s in
            ["editor@jena", "moderator@altenburger-land", "municipality_admin@gera", "platform_admin", "region_editor"]
        {
            assert_eq!(Grant::parse(s).unwrap().to_string(), s);
        }
        assert!(matches!(Grant::parse("editor"), Err(GrantError::NeedsMunicipality(Role::Editor))));
        assert!(matches!(Grant::parse("platform_admin@jena"), Err(GrantError::RegionWide(_))));
        assert!(matches!(Grant::parse("boss@jena"), Err(GrantError::Role(_))));
        assert!(matches!(Grant::parse("editor@Jena"), Err(GrantError::Slug(_))));
    }
}
