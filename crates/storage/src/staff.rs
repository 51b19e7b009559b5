//! Staff accounts: users, their role grants, second factor, recovery codes and password resets.
//! Every change goes through here together with its audit entry, in one transaction.

use chrono::{DateTime, Duration, Utc};
use regioportal_domain::auth::{Email, Grant, Role};
use regioportal_domain::{Slug, auth};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use serde_json::json;

use crate::audit::{Actor, Change, record};
use crate::entity::{municipality, password_reset, recovery_code, role_grant, staff_session, staff_user};
use crate::secrets::{hash_password, random_token, token_hash};
use crate::{StorageError, TenantScope};

/// How long a password-reset link works.
pub const RESET_LINK_VALIDITY: Duration = Duration::hours(1);

/// The id of a staff user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UserId(pub(crate) i64);

impl UserId {
    /// A user id from a form or the command line; it names nobody until looked up.
    pub fn from_raw(id: i64) -> Self {
        Self(id)
    }

    /// The number, for URLs and logs.
    pub fn get(self) -> i64 {
        self.0
    }
}

/// A staff user as stored.
#[derive(Debug, Clone)]
pub struct UserRecord {
    /// The id.
    pub id: UserId,
    /// Login name.
    pub email: String,
    /// Shown name.
    pub display_name: String,
    /// PHC string of the password; `None` until one is set.
    pub password_hash: Option<String>,
    /// TOTP secret (base32) while enrolling or enrolled.
    pub totp_secret: Option<String>,
    /// Whether TOTP is required at login.
    pub totp_enabled: bool,
    /// The last TOTP step accepted.
    pub totp_last_step: Option<u64>,
    /// A disabled account cannot log in.
    pub disabled: bool,
    /// The roles.
    pub grants: Vec<Grant>,
    /// Whether a second factor is required: by an administrator role, or by a municipality the
    /// person works for that requires it of all its staff.
    pub mfa_required: bool,
}

impl UserRecord {
    /// The actor for audit entries of this user.
    pub fn actor(&self, ip: Option<String>) -> Actor {
        Actor { user_id: Some(self.id.0), token_id: None, label: self.email.clone(), ip }
    }
}

fn conflict(e: sea_orm::DbErr, what: &str) -> StorageError {
    let text = e.to_string().to_lowercase();
    if text.contains("unique") || text.contains("duplicate") {
        StorageError::Conflict(what.to_owned())
    } else {
        StorageError::Db(e)
    }
}

/// Reads and changes staff accounts.
#[derive(Debug, Clone, Copy)]
pub struct Staff<'a> {
    pub(crate) db: &'a DatabaseConnection,
    /// Write transactions take turns (SQLite).
    pub(crate) gate: &'a crate::db::WriteGate,
}

impl Staff<'_> {
    /// The grants of a user, and whether any of their municipalities requires a second factor.
    async fn grants_of(&self, user_id: i64) -> Result<(Vec<Grant>, bool), StorageError> {
        let rows = role_grant::Entity::find().filter(role_grant::Column::UserId.eq(user_id)).all(self.db).await?;
        // One query for all the grants' municipalities (this runs on every staff request), and
        // only the two columns needed.
        let ids: Vec<i64> = rows.iter().filter_map(|r| r.municipality_id).collect();
        let municipalities: std::collections::HashMap<i64, (String, bool)> = if ids.is_empty() {
            Default::default()
        } else {
            municipality::Entity::find()
                .filter(municipality::Column::Id.is_in(ids))
                .select_only()
                .columns([municipality::Column::Id, municipality::Column::Slug, municipality::Column::RequireMfa])
                .into_tuple::<(i64, String, bool)>()
                .all(self.db)
                .await?
                .into_iter()
                .map(|(id, slug, required)| (id, (slug, required)))
                .collect()
        };
        let mut out = Vec::new();
        let mut municipality_requires = false;
        for r in rows {
            let m = r.municipality_id.and_then(|mid| municipalities.get(&mid));
            municipality_requires |= m.is_some_and(|(_, required)| *required);
            let slug = m.and_then(|(slug, _)| Slug::parse(slug).ok());
            let role = Role::parse(&r.role).map_err(|e| StorageError::Db(sea_orm::DbErr::Custom(e.to_string())))?;
            if let Ok(g) = Grant::new(role, slug) {
                out.push(g);
            }
        }
        out.sort_by_key(ToString::to_string);
        Ok((out, municipality_requires))
    }

    async fn record_of(&self, u: staff_user::Model) -> Result<UserRecord, StorageError> {
        let (grants, municipality_requires) = self.grants_of(u.id).await?;
        let mfa_required = municipality_requires || grants.iter().any(|g| g.role().requires_mfa());
        Ok(UserRecord {
            id: UserId(u.id),
            email: u.email,
            display_name: u.display_name,
            password_hash: u.password_hash,
            totp_secret: u.totp_secret,
            totp_enabled: u.totp_enabled,
            totp_last_step: u.totp_last_step.and_then(|s| u64::try_from(s).ok()),
            disabled: u.disabled,
            grants,
            mfa_required,
        })
    }

    /// A user by e-mail address.
    pub async fn by_email(&self, email: &Email) -> Result<Option<UserRecord>, StorageError> {
        match staff_user::Entity::find().filter(staff_user::Column::Email.eq(email.as_str())).one(self.db).await? {
            Some(u) => self.record_of(u).await.map(Some),
            None => Ok(None),
        }
    }

    /// A user by id.
    pub async fn by_id(&self, id: UserId) -> Result<Option<UserRecord>, StorageError> {
        match staff_user::Entity::find_by_id(id.0).one(self.db).await? {
            Some(u) => self.record_of(u).await.map(Some),
            None => Ok(None),
        }
    }

    /// Every user (for platform administrators), by e-mail.
    pub async fn all(&self) -> Result<Vec<UserRecord>, StorageError> {
        let rows = staff_user::Entity::find().order_by_asc(staff_user::Column::Email).all(self.db).await?;
        let mut out = Vec::with_capacity(rows.len());
        for u in rows {
            out.push(self.record_of(u).await?);
        }
        Ok(out)
    }

    /// The users holding a role in one municipality.
    pub async fn of_municipality(&self, scope: &TenantScope) -> Result<Vec<UserRecord>, StorageError> {
        let ids: Vec<i64> = role_grant::Entity::find()
            .filter(role_grant::Column::MunicipalityId.eq(scope.id))
            .all(self.db)
            .await?
            .into_iter()
            .map(|g| g.user_id)
            .collect();
        let rows = staff_user::Entity::find()
            .filter(staff_user::Column::Id.is_in(ids))
            .order_by_asc(staff_user::Column::Email)
            .all(self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for u in rows {
            out.push(self.record_of(u).await?);
        }
        Ok(out)
    }

    /// Creates a user (without password when `password` is `None`: they set it via a link).
    pub async fn create(
        &self,
        email: &Email,
        display_name: &str,
        password: Option<&auth::Password>,
        actor: &Actor,
    ) -> Result<UserId, StorageError> {
        let hash = password.map(|p| hash_password(p.expose())).transpose()?;
        let now = Utc::now();
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let user = staff_user::ActiveModel {
            email: Set(email.as_str().to_owned()),
            display_name: Set(display_name.trim().to_owned()),
            password_hash: Set(hash),
            totp_enabled: Set(false),
            disabled: Set(false),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await
        .map_err(|e| conflict(e, "a staff user with this e-mail address exists already"))?;
        record(
            &txn,
            actor,
            Change {
                municipality: None,
                entity_type: "user",
                entity_id: Some(user.id.to_string()),
                action: "create",
                changes: json!({ "email": email.as_str(), "display_name": display_name.trim() }),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(UserId(user.id))
    }

    /// Grants a role. `scope` must be the municipality of the grant (or `None` for region-wide
    /// roles); the caller has checked that the actor may grant it.
    pub async fn grant(
        &self,
        user: UserId,
        grant: &Grant,
        scope: Option<&TenantScope>,
        actor: &Actor,
    ) -> Result<bool, StorageError> {
        check_scope(grant, scope)?;
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let existing = role_grant::Entity::find()
            .filter(role_grant::Column::UserId.eq(user.0))
            .filter(role_grant::Column::Role.eq(grant.role().as_str()))
            .filter(municipality_cond(scope))
            .one(&txn)
            .await?;
        if existing.is_some() {
            return Ok(false);
        }
        role_grant::ActiveModel {
            user_id: Set(user.0),
            role: Set(grant.role().as_str().to_owned()),
            municipality_id: Set(scope.map(|s| s.id)),
            granted_by: Set(actor.user_id),
            created_at: Set(Utc::now()),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        finish_role_change(txn, user, grant, scope, actor, "grant").await?;
        Ok(true)
    }

    /// Revokes a role; returns whether it was held.
    pub async fn revoke(
        &self,
        user: UserId,
        grant: &Grant,
        scope: Option<&TenantScope>,
        actor: &Actor,
    ) -> Result<bool, StorageError> {
        check_scope(grant, scope)?;
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let res = role_grant::Entity::delete_many()
            .filter(role_grant::Column::UserId.eq(user.0))
            .filter(role_grant::Column::Role.eq(grant.role().as_str()))
            .filter(municipality_cond(scope))
            .exec(&txn)
            .await?;
        if res.rows_affected == 0 {
            return Ok(false);
        }
        finish_role_change(txn, user, grant, scope, actor, "revoke").await?;
        Ok(true)
    }

    /// Sets a new password and ends every session of the user.
    pub async fn set_password(
        &self,
        user: UserId,
        password: &auth::Password,
        actor: &Actor,
    ) -> Result<(), StorageError> {
        let hash = hash_password(password.expose())?;
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let mut u =
            staff_user::Entity::find_by_id(user.0).one(&txn).await?.ok_or(StorageError::NotFound)?.into_active_model();
        u.password_hash = Set(Some(hash));
        u.updated_at = Set(Utc::now());
        u.update(&txn).await?;
        staff_session::Entity::delete_many().filter(staff_session::Column::UserId.eq(user.0)).exec(&txn).await?;
        record(
            &txn,
            actor,
            Change {
                municipality: None,
                entity_type: "user",
                entity_id: Some(user.0.to_string()),
                action: "set_password",
                changes: json!({}),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Stores a TOTP secret being enrolled (not yet required at login).
    pub async fn start_totp(&self, user: UserId, secret_base32: &str) -> Result<(), StorageError> {
        let mut u = staff_user::Entity::find_by_id(user.0)
            .one(self.db)
            .await?
            .ok_or(StorageError::NotFound)?
            .into_active_model();
        u.totp_secret = Set(Some(secret_base32.to_owned()));
        u.totp_enabled = Set(false);
        u.updated_at = Set(Utc::now());
        u.update(self.db).await?;
        Ok(())
    }

    /// Turns TOTP on after the first correct code, storing the used step and the hashes of new
    /// recovery codes.
    pub async fn enable_totp(
        &self,
        user: UserId,
        step: u64,
        recovery_codes: &[String],
        actor: &Actor,
    ) -> Result<(), StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let mut u =
            staff_user::Entity::find_by_id(user.0).one(&txn).await?.ok_or(StorageError::NotFound)?.into_active_model();
        u.totp_enabled = Set(true);
        u.totp_last_step = Set(i64::try_from(step).ok());
        u.updated_at = Set(Utc::now());
        u.update(&txn).await?;
        recovery_code::Entity::delete_many().filter(recovery_code::Column::UserId.eq(user.0)).exec(&txn).await?;
        for code in recovery_codes {
            recovery_code::ActiveModel {
                user_id: Set(user.0),
                code_hash: Set(token_hash(code)),
                used_at: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
        }
        record(
            &txn,
            actor,
            Change {
                municipality: None,
                entity_type: "user",
                entity_id: Some(user.0.to_string()),
                action: "enable_totp",
                changes: json!({}),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// Remembers the TOTP step of a successful login; refuses a step not newer than the last
    /// (so that one code cannot be used twice, even on two nodes at once).
    pub async fn use_totp_step(&self, user: UserId, step: u64) -> Result<bool, StorageError> {
        let step = i64::try_from(step).unwrap_or(i64::MAX);
        let res = staff_user::Entity::update_many()
            .col_expr(staff_user::Column::TotpLastStep, sea_orm::sea_query::Expr::value(step))
            .filter(staff_user::Column::Id.eq(user.0))
            .filter(
                Condition::any()
                    .add(staff_user::Column::TotpLastStep.is_null())
                    .add(staff_user::Column::TotpLastStep.lt(step)),
            )
            .exec(self.db)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Uses a recovery code (normalised by the caller); each works once.
    pub async fn use_recovery_code(&self, user: UserId, code: &str) -> Result<bool, StorageError> {
        let res = recovery_code::Entity::update_many()
            .col_expr(recovery_code::Column::UsedAt, sea_orm::sea_query::Expr::value(Utc::now()))
            .filter(recovery_code::Column::UserId.eq(user.0))
            .filter(recovery_code::Column::CodeHash.eq(token_hash(code)))
            .filter(recovery_code::Column::UsedAt.is_null())
            .exec(self.db)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Issues a one-time password-reset token (returned in plain text once, stored hashed).
    pub async fn issue_reset(&self, user: UserId, now: DateTime<Utc>) -> Result<String, StorageError> {
        let token = random_token();
        password_reset::ActiveModel {
            token_hash: Set(token_hash(&token)),
            user_id: Set(user.0),
            created_at: Set(now),
            expires_at: Set(now + RESET_LINK_VALIDITY),
            used_at: Set(None),
            ..Default::default()
        }
        .insert(self.db)
        .await?;
        Ok(token)
    }

    /// The user a reset token belongs to, if it is unused and unexpired.
    pub async fn reset_user(&self, token: &str, now: DateTime<Utc>) -> Result<Option<UserId>, StorageError> {
        let row = password_reset::Entity::find()
            .filter(password_reset::Column::TokenHash.eq(token_hash(token)))
            .filter(password_reset::Column::UsedAt.is_null())
            .filter(password_reset::Column::ExpiresAt.gt(now))
            .one(self.db)
            .await?;
        Ok(row.map(|r| UserId(r.user_id)))
    }

    /// Uses a reset token and sets the password in one step; false if the token is not valid.
    pub async fn complete_reset(
        &self,
        token: &str,
        password: &auth::Password,
        now: DateTime<Utc>,
    ) -> Result<bool, StorageError> {
        let res = password_reset::Entity::update_many()
            .col_expr(password_reset::Column::UsedAt, sea_orm::sea_query::Expr::value(now))
            .filter(password_reset::Column::TokenHash.eq(token_hash(token)))
            .filter(password_reset::Column::UsedAt.is_null())
            .filter(password_reset::Column::ExpiresAt.gt(now))
            .exec(self.db)
            .await?;
        if res.rows_affected != 1 {
            return Ok(false);
        }
        let Some(row) = password_reset::Entity::find()
            .filter(password_reset::Column::TokenHash.eq(token_hash(token)))
            .one(self.db)
            .await?
        else {
            return Ok(false);
        };
        let user = UserId(row.user_id);
        let email = staff_user::Entity::find_by_id(user.0).one(self.db).await?.map(|u| u.email).unwrap_or_default();
        let actor = Actor { user_id: Some(user.0), token_id: None, label: email, ip: None };
        self.set_password(user, password, &actor).await?;
        Ok(true)
    }
}

/// Audits a grant or revoke and ends the user's sessions — a change of privilege means signing
/// in again with the new rights — then commits.
async fn finish_role_change(
    txn: sea_orm::DatabaseTransaction,
    user: UserId,
    grant: &Grant,
    scope: Option<&TenantScope>,
    actor: &Actor,
    action: &'static str,
) -> Result<(), StorageError> {
    record(
        &txn,
        actor,
        Change {
            municipality: scope,
            entity_type: "role_grant",
            entity_id: Some(user.0.to_string()),
            action,
            changes: json!({ "user_id": user.0, "role": grant.role().as_str() }),
        },
    )
    .await?;
    staff_session::Entity::delete_many().filter(staff_session::Column::UserId.eq(user.0)).exec(&txn).await?;
    txn.commit().await?;
    Ok(())
}

fn municipality_cond(scope: Option<&TenantScope>) -> Condition {
    match scope {
        Some(s) => Condition::all().add(role_grant::Column::MunicipalityId.eq(s.id)),
        None => Condition::all().add(role_grant::Column::MunicipalityId.is_null()),
    }
}

fn check_scope(grant: &Grant, scope: Option<&TenantScope>) -> Result<(), StorageError> {
    let ok = match (grant.municipality(), scope) {
        (Some(slug), Some(s)) => slug == s.slug(),
        (None, None) => true,
        _ => false,
    };
    if ok { Ok(()) } else { Err(StorageError::Conflict(format!("the scope does not match the grant {grant}"))) }
}
