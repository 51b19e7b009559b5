//! Staff sessions in the database, so that every app node knows them. The cookie carries a
//! random token; the table keeps only its SHA-256.

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder, Set,
};

use crate::StorageError;
use crate::entity::staff_session;
use crate::secrets::{random_token, token_hash};
use crate::staff::UserId;

/// Time limits of a session.
#[derive(Debug, Clone, Copy)]
pub struct SessionPolicy {
    /// Ends after this long without a request.
    pub idle: Duration,
    /// Ends this long after login, whatever happens.
    pub absolute: Duration,
}

impl Default for SessionPolicy {
    /// 30 minutes idle, 12 hours absolute (ASVS 7.3: re-authentication for long sessions).
    fn default() -> Self {
        Self { idle: Duration::minutes(30), absolute: Duration::hours(12) }
    }
}

/// A session as stored.
#[derive(Debug, Clone)]
pub struct SessionRecord {
    /// Row id (shown in "your sessions", never the token).
    pub id: i64,
    /// Whose.
    pub user: UserId,
    /// The token forms must carry.
    pub csrf_token: String,
    /// Whether the second factor was passed (or is not needed).
    pub mfa_passed: bool,
    /// Login time.
    pub created_at: DateTime<Utc>,
    /// Last request.
    pub last_seen_at: DateTime<Utc>,
    /// Absolute end.
    pub expires_at: DateTime<Utc>,
    /// Client address at login.
    pub ip: Option<String>,
    /// Browser at login.
    pub user_agent: Option<String>,
}

fn record(m: staff_session::Model) -> SessionRecord {
    SessionRecord {
        id: m.id,
        user: UserId(m.user_id),
        csrf_token: m.csrf_token,
        mfa_passed: m.mfa_passed,
        created_at: m.created_at,
        last_seen_at: m.last_seen_at,
        expires_at: m.expires_at,
        ip: m.ip,
        user_agent: m.user_agent,
    }
}

/// Reads and changes sessions.
#[derive(Debug, Clone, Copy)]
pub struct Sessions<'a> {
    pub(crate) db: &'a DatabaseConnection,
}

impl Sessions<'_> {
    /// Starts a session; returns the cookie token (shown once) and the record.
    pub async fn create(
        &self,
        user: UserId,
        mfa_passed: bool,
        ip: Option<String>,
        user_agent: Option<String>,
        policy: SessionPolicy,
        now: DateTime<Utc>,
    ) -> Result<(String, SessionRecord), StorageError> {
        let token = random_token();
        let m = staff_session::ActiveModel {
            token_hash: Set(token_hash(&token)),
            user_id: Set(user.0),
            csrf_token: Set(random_token()),
            mfa_passed: Set(mfa_passed),
            created_at: Set(now),
            last_seen_at: Set(now),
            expires_at: Set(now + policy.absolute),
            ip: Set(ip),
            user_agent: Set(user_agent.map(|u| u.chars().take(300).collect())),
            ..Default::default()
        }
        .insert(self.db)
        .await?;
        Ok((token, record(m)))
    }

    /// The live session of a cookie token; expired ones are deleted on sight. Refreshes the
    /// idle timer (at most once a minute, to spare the database a write per request).
    pub async fn lookup(
        &self,
        token: &str,
        policy: SessionPolicy,
        now: DateTime<Utc>,
    ) -> Result<Option<SessionRecord>, StorageError> {
        let Some(m) = staff_session::Entity::find()
            .filter(staff_session::Column::TokenHash.eq(token_hash(token)))
            .one(self.db)
            .await?
        else {
            return Ok(None);
        };
        if m.expires_at <= now || m.last_seen_at + policy.idle <= now {
            staff_session::Entity::delete_by_id(m.id).exec(self.db).await?;
            return Ok(None);
        }
        if now - m.last_seen_at > Duration::minutes(1) {
            let mut a = m.clone().into_active_model();
            a.last_seen_at = Set(now);
            a.update(self.db).await?;
        }
        Ok(Some(record(m)))
    }

    /// Replaces a session by a new one with a new token (at privilege change: after the second
    /// factor), so that a token known before cannot ride the higher privilege.
    pub async fn rotate(
        &self,
        token: &str,
        mfa_passed: bool,
        policy: SessionPolicy,
        now: DateTime<Utc>,
    ) -> Result<Option<(String, SessionRecord)>, StorageError> {
        let Some(old) = self.lookup(token, policy, now).await? else { return Ok(None) };
        staff_session::Entity::delete_by_id(old.id).exec(self.db).await?;
        self.create(old.user, mfa_passed, old.ip, old.user_agent, policy, now).await.map(Some)
    }

    /// Ends one session by its cookie token.
    pub async fn end(&self, token: &str) -> Result<(), StorageError> {
        staff_session::Entity::delete_many()
            .filter(staff_session::Column::TokenHash.eq(token_hash(token)))
            .exec(self.db)
            .await?;
        Ok(())
    }

    /// Ends one session of a user by row id ("log out that device").
    pub async fn end_by_id(&self, user: UserId, id: i64) -> Result<bool, StorageError> {
        let res = staff_session::Entity::delete_many()
            .filter(staff_session::Column::UserId.eq(user.0))
            .filter(staff_session::Column::Id.eq(id))
            .exec(self.db)
            .await?;
        Ok(res.rows_affected == 1)
    }

    /// Ends every session of a user ("log out everywhere"); returns how many.
    pub async fn end_all(&self, user: UserId) -> Result<u64, StorageError> {
        Ok(staff_session::Entity::delete_many()
            .filter(staff_session::Column::UserId.eq(user.0))
            .exec(self.db)
            .await?
            .rows_affected)
    }

    /// The live sessions of a user, newest first.
    pub async fn of_user(
        &self,
        user: UserId,
        policy: SessionPolicy,
        now: DateTime<Utc>,
    ) -> Result<Vec<SessionRecord>, StorageError> {
        let rows = staff_session::Entity::find()
            .filter(staff_session::Column::UserId.eq(user.0))
            .order_by_desc(staff_session::Column::CreatedAt)
            .all(self.db)
            .await?;
        Ok(rows.into_iter().filter(|m| m.expires_at > now && m.last_seen_at + policy.idle > now).map(record).collect())
    }
}
