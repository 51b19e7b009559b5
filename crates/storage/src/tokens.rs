//! API tokens for other systems: scoped to one municipality and one role, shown once, stored
//! hashed, revocable, last use recorded.

use chrono::{DateTime, Utc};
use regioportal_domain::Slug;
use regioportal_domain::auth::{Role, format_token, token_prefix};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, JoinType, QueryFilter, QueryOrder, QuerySelect,
    RelationTrait, Set,
};
use serde_json::json;

use crate::audit::{Actor, Change, record};
use crate::entity::{api_token, municipality};
use crate::secrets::{random_bytes, token_hash};
use crate::{StorageError, TenantScope};

/// A token as listed (never the secret).
#[derive(Debug, Clone)]
pub struct TokenRecord {
    /// Id (for revoking).
    pub id: i64,
    /// What it is for ("Website Jena").
    pub name: String,
    /// The first characters, to tell tokens apart.
    pub prefix: String,
    /// Its role.
    pub role: Role,
    /// Its municipality.
    pub municipality: Slug,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last used.
    pub last_used_at: Option<DateTime<Utc>>,
    /// Revoked.
    pub revoked_at: Option<DateTime<Utc>>,
}

/// A token presented by a client and found valid.
#[derive(Debug, Clone)]
pub struct TokenPrincipal {
    /// The token's id.
    pub id: i64,
    /// Its name.
    pub name: String,
    /// Its role.
    pub role: Role,
    /// The municipality it may act for.
    pub scope: TenantScope,
}

impl TokenPrincipal {
    /// The actor for audit entries.
    pub fn actor(&self, ip: Option<String>) -> Actor {
        Actor { user_id: None, token_id: Some(self.id), label: format!("token {} ({})", self.id, self.name), ip }
    }
}

fn invalid(e: impl std::fmt::Display) -> StorageError {
    StorageError::Db(sea_orm::DbErr::Custom(e.to_string()))
}

/// Creates, lists, checks and revokes API tokens.
#[derive(Debug, Clone, Copy)]
pub struct Tokens<'a> {
    pub(crate) db: &'a DatabaseConnection,
    /// Write transactions take turns (SQLite).
    pub(crate) gate: &'a crate::db::WriteGate,
}

impl Tokens<'_> {
    /// Creates a token; returns its id and the secret, which is never shown again.
    pub async fn create(
        &self,
        scope: &TenantScope,
        role: Role,
        name: &str,
        actor: &Actor,
    ) -> Result<(i64, String), StorageError> {
        if !role.needs_municipality() {
            return Err(StorageError::Conflict(format!("a token cannot hold the region-wide role {}", role.as_str())));
        }
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(StorageError::Conflict(
                "a token needs a name of 1–100 characters that says what it is for".into(),
            ));
        }
        let secret = format_token(&random_bytes::<32>());
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let row = api_token::ActiveModel {
            token_hash: Set(token_hash(&secret)),
            prefix: Set(token_prefix(&secret).to_owned()),
            name: Set(name.to_owned()),
            municipality_id: Set(scope.id),
            role: Set(role.as_str().to_owned()),
            created_by: Set(actor.user_id),
            created_at: Set(Utc::now()),
            last_used_at: Set(None),
            revoked_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        record(
            &txn,
            actor,
            Change {
                municipality: Some(scope),
                entity_type: "api_token",
                entity_id: Some(row.id.to_string()),
                action: "create",
                changes: json!({ "name": name, "role": role.as_str(), "prefix": row.prefix }),
            },
        )
        .await?;
        txn.commit().await?;
        Ok((row.id, secret))
    }

    /// The tokens of a municipality, newest first.
    pub async fn of_municipality(&self, scope: &TenantScope) -> Result<Vec<TokenRecord>, StorageError> {
        let rows = api_token::Entity::find()
            .filter(api_token::Column::MunicipalityId.eq(scope.id))
            .order_by_desc(api_token::Column::Id)
            .all(self.db)
            .await?;
        rows.into_iter()
            .map(|r| {
                Ok(TokenRecord {
                    id: r.id,
                    name: r.name,
                    prefix: r.prefix,
                    role: Role::parse(&r.role).map_err(invalid)?,
                    municipality: scope.slug.clone(),
                    created_at: r.created_at,
                    last_used_at: r.last_used_at,
                    revoked_at: r.revoked_at,
                })
            })
            .collect()
    }

    /// Revokes a token of a municipality; false if it has no such live token.
    pub async fn revoke(&self, scope: &TenantScope, id: i64, actor: &Actor) -> Result<bool, StorageError> {
        self.revoke_where(Some(scope), id, actor).await
    }

    /// Revokes any token by id (the command line of the operator).
    pub async fn revoke_any(&self, id: i64, actor: &Actor) -> Result<bool, StorageError> {
        self.revoke_where(None, id, actor).await
    }

    async fn revoke_where(&self, scope: Option<&TenantScope>, id: i64, actor: &Actor) -> Result<bool, StorageError> {
        let (_turn, txn) = self.gate.begin(self.db).await?;
        let mut q = api_token::Entity::update_many()
            .col_expr(api_token::Column::RevokedAt, sea_orm::sea_query::Expr::value(Utc::now()))
            .filter(api_token::Column::Id.eq(id))
            .filter(api_token::Column::RevokedAt.is_null());
        if let Some(s) = scope {
            q = q.filter(api_token::Column::MunicipalityId.eq(s.id));
        }
        if q.exec(&txn).await?.rows_affected != 1 {
            return Ok(false);
        }
        let row = api_token::Entity::find_by_id(id).one(&txn).await?.ok_or(StorageError::NotFound)?;
        let owner = match scope {
            Some(s) => s.clone(),
            None => {
                let m = municipality::Entity::find_by_id(row.municipality_id)
                    .one(&txn)
                    .await?
                    .ok_or(StorageError::NotFound)?;
                TenantScope { id: m.id, slug: Slug::parse(&m.slug).map_err(invalid)? }
            }
        };
        record(
            &txn,
            actor,
            Change {
                municipality: Some(&owner),
                entity_type: "api_token",
                entity_id: Some(id.to_string()),
                action: "revoke",
                changes: json!({ "name": row.name }),
            },
        )
        .await?;
        txn.commit().await?;
        Ok(true)
    }

    /// Checks a presented token; records its use (at most once a minute). One query with the
    /// municipality's slug joined (not its whole row: that holds the logo), because every API
    /// write starts here.
    pub async fn authenticate(&self, secret: &str, now: DateTime<Utc>) -> Result<Option<TokenPrincipal>, StorageError> {
        type Row = (i64, String, String, i64, Option<DateTime<Utc>>, String);
        let found: Option<Row> = api_token::Entity::find()
            .select_only()
            .columns([
                api_token::Column::Id,
                api_token::Column::Name,
                api_token::Column::Role,
                api_token::Column::MunicipalityId,
                api_token::Column::LastUsedAt,
            ])
            .column(municipality::Column::Slug)
            .join(JoinType::InnerJoin, api_token::Relation::Municipality.def())
            .filter(api_token::Column::TokenHash.eq(token_hash(secret)))
            .filter(api_token::Column::RevokedAt.is_null())
            .into_tuple()
            .one(self.db)
            .await?;
        let Some((id, name, role, municipality_id, last_used_at, slug)) = found else {
            return Ok(None);
        };
        if last_used_at.is_none_or(|t| now - t > chrono::Duration::minutes(1)) {
            api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, sea_orm::sea_query::Expr::value(now))
                .filter(api_token::Column::Id.eq(id))
                .exec(self.db)
                .await?;
        }
        Ok(Some(TokenPrincipal {
            id,
            name,
            role: Role::parse(&role).map_err(invalid)?,
            scope: TenantScope { id: municipality_id, slug: Slug::parse(&slug).map_err(invalid)? },
        }))
    }
}
