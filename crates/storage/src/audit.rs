//! The audit log: who changed what, when, for which municipality, from where. Append-only:
//! this module can insert and read, nothing else, and database triggers refuse UPDATE and
//! DELETE on the table.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, InsertStatement, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;

use crate::entity::{audit_log, municipality};
use crate::{StorageError, TenantScope};

/// Who acts: a signed-in person, an API token, or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub(crate) user_id: Option<i64>,
    pub(crate) token_id: Option<i64>,
    /// How the actor is shown in the log (`anna@jena.de`, `token 3 (Website Jena)`, `cli`).
    pub label: String,
    /// The client address, if the change came over HTTP.
    pub ip: Option<String>,
}

impl Actor {
    /// An operator at the command line (no account involved).
    pub fn cli() -> Self {
        let user = std::env::var("SUDO_USER").or_else(|_| std::env::var("USER")).unwrap_or_else(|_| "unknown".into());
        Self { user_id: None, token_id: None, label: format!("cli ({user})"), ip: None }
    }

    /// The server itself, for work it does on its own (polling a feed).
    pub fn system(what: &str) -> Self {
        Self { user_id: None, token_id: None, label: format!("system: {what}"), ip: None }
    }

    /// Someone not signed in (a failed login, a reset request).
    pub fn anonymous(ip: Option<String>) -> Self {
        Self { user_id: None, token_id: None, label: "anonymous".into(), ip }
    }

    /// The same actor seen from another address.
    pub fn with_ip(mut self, ip: Option<String>) -> Self {
        self.ip = ip;
        self
    }
}

/// One change to record.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    /// The municipality concerned, if any.
    pub municipality: Option<&'a TenantScope>,
    /// What kind of thing changed (`user`, `role_grant`, `api_token`, `session`, …).
    pub entity_type: &'static str,
    /// Its id.
    pub entity_id: Option<String>,
    /// What happened (`create`, `grant`, `revoke`, `login`, …).
    pub action: &'static str,
    /// The details, as JSON (never secrets).
    pub changes: serde_json::Value,
}

pub(crate) async fn record(db: &impl ConnectionTrait, actor: &Actor, change: Change<'_>) -> Result<(), StorageError> {
    let municipality = change.municipality.map(|s| s.id);
    record_raw(db, actor, municipality, change.entity_type, change.entity_id, change.action, change.changes).await
}

/// Like [`record`], for a change whose municipality is known by id only (a confirmation link
/// proves itself by its token, not by a scope).
pub(crate) async fn record_raw(
    db: &impl ConnectionTrait,
    actor: &Actor,
    municipality_id: Option<i64>,
    entity_type: &'static str,
    entity_id: Option<String>,
    action: &'static str,
    changes: serde_json::Value,
) -> Result<(), StorageError> {
    let insert = entry_insert(actor, municipality_id, entity_type, Expr::val(entity_id), action, &changes);
    db.execute(&insert).await?;
    Ok(())
}

/// The insert of one audit entry. The entity id is an expression, so that a batch of
/// statements can name the row its previous statement inserted (`last_insert_rowid()`).
pub(crate) fn entry_insert(
    actor: &Actor,
    municipality_id: Option<i64>,
    entity_type: &'static str,
    entity_id: Expr,
    action: &'static str,
    changes: &serde_json::Value,
) -> InsertStatement {
    use audit_log::Column as C;
    let mut q = Query::insert();
    q.into_table(audit_log::Entity)
        .columns([
            C::At,
            C::ActorUserId,
            C::ActorTokenId,
            C::Actor,
            C::MunicipalityId,
            C::EntityType,
            C::EntityId,
            C::Action,
            C::Changes,
            C::Ip,
        ])
        .values_panic([
            Expr::val(Utc::now()),
            Expr::val(actor.user_id),
            Expr::val(actor.token_id),
            Expr::val(actor.label.clone()),
            Expr::val(municipality_id),
            Expr::val(entity_type),
            entity_id,
            Expr::val(action),
            Expr::val(changes.to_string()),
            Expr::val(actor.ip.clone()),
        ]);
    q
}

/// Which part of the log to read.
#[derive(Debug, Clone, Copy)]
pub enum AuditScope<'a> {
    /// Everything (platform administrators).
    All,
    /// One municipality's entries.
    Municipality(&'a TenantScope),
}

/// Filters of the log view. The default filters nothing and returns up to the cap.
#[derive(Debug, Clone)]
pub struct AuditFilter {
    /// Only entries whose actor label contains this.
    pub actor: Option<String>,
    /// Only this entity type.
    pub entity_type: Option<String>,
    /// From this instant on.
    pub from: Option<DateTime<Utc>>,
    /// Before this instant.
    pub to: Option<DateTime<Utc>>,
    /// At most this many, newest first (capped at 10,000).
    pub limit: u64,
}

impl Default for AuditFilter {
    fn default() -> Self {
        // Not 0: a default filter that silently returned one entry made comparisons of the
        // log before and after an action meaningless.
        Self { actor: None, entity_type: None, from: None, to: None, limit: 10_000 }
    }
}

/// One entry as read.
#[derive(Debug, Clone, Serialize)]
pub struct AuditEntry {
    /// Sequence number.
    pub id: i64,
    /// When.
    pub at: DateTime<Utc>,
    /// Who.
    pub actor: String,
    /// Which municipality (slug), if any.
    pub municipality: Option<String>,
    /// What kind of thing.
    pub entity_type: String,
    /// Which one.
    pub entity_id: Option<String>,
    /// What happened.
    pub action: String,
    /// Details.
    pub changes: serde_json::Value,
    /// From where.
    pub ip: Option<String>,
}

/// Reads and writes the audit log.
#[derive(Debug, Clone, Copy)]
pub struct Audit<'a> {
    pub(crate) db: &'a DatabaseConnection,
}

impl Audit<'_> {
    /// Records a change that has no other storage call (e.g. a login).
    pub async fn record(&self, actor: &Actor, change: Change<'_>) -> Result<(), StorageError> {
        record(self.db, actor, change).await
    }

    /// Reads entries, newest first.
    pub async fn list(&self, scope: AuditScope<'_>, filter: &AuditFilter) -> Result<Vec<AuditEntry>, StorageError> {
        let mut q = audit_log::Entity::find().order_by_desc(audit_log::Column::Id);
        if let AuditScope::Municipality(s) = scope {
            q = q.filter(audit_log::Column::MunicipalityId.eq(s.id));
        }
        if let Some(a) = filter.actor.as_deref().filter(|a| !a.is_empty()) {
            q = q.filter(audit_log::Column::Actor.contains(a));
        }
        if let Some(t) = filter.entity_type.as_deref().filter(|t| !t.is_empty()) {
            q = q.filter(audit_log::Column::EntityType.eq(t));
        }
        if let Some(from) = filter.from {
            q = q.filter(audit_log::Column::At.gte(from));
        }
        if let Some(to) = filter.to {
            q = q.filter(audit_log::Column::At.lt(to));
        }
        let limit = filter.limit.clamp(1, 10_000);
        let rows = q.limit(limit).all(self.db).await?;
        let slugs: std::collections::HashMap<i64, String> = municipality::Entity::find()
            .select_only()
            .columns([municipality::Column::Id, municipality::Column::Slug])
            .into_tuple::<(i64, String)>()
            .all(self.db)
            .await?
            .into_iter()
            .collect();
        Ok(rows
            .into_iter()
            .map(|r| AuditEntry {
                id: r.id,
                at: r.at,
                actor: r.actor,
                municipality: r.municipality_id.and_then(|id| slugs.get(&id).cloned()),
                entity_type: r.entity_type,
                entity_id: r.entity_id,
                action: r.action,
                changes: serde_json::from_str(&r.changes).unwrap_or(serde_json::Value::String(r.changes)),
                ip: r.ip,
            })
            .collect())
    }
}
