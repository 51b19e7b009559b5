//! A short-lived cache of signed-in sessions, so that a staff page costs no database trip for
//! "who is this" (the session, the account and its grants: four queries) on every request.
//!
//! What keeps it correct:
//! - Only page views (`GET`, `HEAD`) take a session from it. A change (any other method) reads
//!   the session and the account from the database, so it is always authorised by their current
//!   state on every node, and credentials (password hash, TOTP secret) are checked fresh.
//! - An entry is at most [`SessionCache::ttl`] old (`REGIOPORTAL_SESSION_CACHE`, default 1 s,
//!   at most 10 s); then the session is read from the database again, which also keeps the idle
//!   timer running there.
//! - The handlers that end sessions or change an account (logout, "end all sessions", a new
//!   password, a role granted or revoked, a second factor enrolled) empty the cache right after
//!   their write; every state-changing request on this node that is not refused as a client
//!   error empties it again once it is answered or given up, in the same place as the page
//!   cache. Entries carry the cache's epoch from before their database read, so an entry read
//!   while such a change was being committed is never served.
//! - The session's own time limits (idle and absolute) are checked on every hit.
//! - Changes made on another node or on the command line (an account disabled with
//!   `regioportal users`) take effect here within the TTL: the same bound as the page cache for
//!   public pages.
//!
//! The key is the SHA-256 of the cookie token, as in the database; the token is not kept.

use std::collections::HashMap;
use std::sync::RwLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use regioportal_storage::{SessionPolicy, SessionRecord, UserRecord};

/// Most sessions kept at once; when full, expired entries go, then everything.
pub const MAX_ENTRIES: usize = 10_000;

/// The longest TTL the configuration accepts: how long a change made on another node may take
/// to reach a session here.
pub const MAX_TTL: Duration = Duration::from_secs(10);

#[derive(Debug, Clone)]
struct Entry {
    at: Instant,
    epoch: u64,
    session: SessionRecord,
    user: UserRecord,
}

/// The cache (one per node).
#[derive(Debug)]
pub struct SessionCache {
    ttl: Duration,
    epoch: AtomicU64,
    entries: RwLock<HashMap<String, Entry>>,
    hits: AtomicU64,
    misses: AtomicU64,
}

/// The cache's epoch before a database read, to be handed back with what was read.
#[derive(Debug, Clone, Copy)]
pub struct Ticket(u64, Instant);

impl SessionCache {
    /// A cache keeping sessions for `ttl`; zero turns it off.
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            epoch: AtomicU64::new(0),
            entries: RwLock::default(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        }
    }

    /// Forgets every session (a change was made on this node).
    pub fn invalidate(&self) {
        self.epoch.fetch_add(1, Ordering::AcqRel);
        if let Ok(mut e) = self.entries.write() {
            e.clear();
        }
    }

    /// Sessions answered from the cache and read from the database (for `/metrics`), and how
    /// many are held.
    pub fn stats(&self) -> (u64, u64, usize) {
        let held = self.entries.read().map_or(0, |e| e.len());
        (self.hits.load(Ordering::Relaxed), self.misses.load(Ordering::Relaxed), held)
    }

    /// The live session of a token hash with its account, if cached and within its limits.
    pub fn get(&self, hash: &str, policy: SessionPolicy, now: DateTime<Utc>) -> Option<(SessionRecord, UserRecord)> {
        if self.ttl.is_zero() {
            return None;
        }
        let epoch = self.epoch.load(Ordering::Acquire);
        let entries = self.entries.read().ok()?;
        let e = entries.get(hash)?;
        let live = e.session.expires_at > now && e.session.last_seen_at + policy.idle > now;
        if e.epoch != epoch || e.at.elapsed() >= self.ttl || !live {
            return None;
        }
        self.hits.fetch_add(1, Ordering::Relaxed);
        Some((e.session.clone(), e.user.clone()))
    }

    /// Taken before the database read whose result is then [`put`](Self::put).
    pub fn ticket(&self) -> Ticket {
        Ticket(self.epoch.load(Ordering::Acquire), Instant::now())
    }

    /// Keeps what was read after `ticket`, unless a change was made on this node since.
    pub fn put(&self, ticket: Ticket, hash: String, session: &SessionRecord, user: &UserRecord) {
        if self.ttl.is_zero() {
            return;
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let Ok(mut entries) = self.entries.write() else { return };
        // Checked under the lock that `invalidate` takes too: an entry is either cleared by it
        // or refused here.
        if self.epoch.load(Ordering::Acquire) != ticket.0 {
            return;
        }
        if entries.len() >= MAX_ENTRIES {
            let ttl = self.ttl;
            entries.retain(|_, v| v.at.elapsed() < ttl);
            if entries.len() >= MAX_ENTRIES {
                entries.clear();
            }
        }
        // Its age counts from before the read.
        entries.insert(hash, Entry { at: ticket.1, epoch: ticket.0, session: session.clone(), user: user.clone() });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use regioportal_storage::UserId;

    fn pair(now: DateTime<Utc>) -> (SessionRecord, UserRecord) {
        let session = SessionRecord {
            id: 1,
            user: UserId::from_raw(7),
            csrf_token: "c".repeat(64),
            mfa_passed: true,
            created_at: now,
            last_seen_at: now,
            expires_at: now + chrono::Duration::hours(12),
            ip: None,
            user_agent: None,
        };
        let user = UserRecord {
            id: UserId::from_raw(7),
            email: "erika@gera.de".into(),
            display_name: "Erika".into(),
            password_hash: None,
            totp_secret: None,
            totp_enabled: false,
            totp_last_step: None,
            disabled: false,
            grants: vec![],
            mfa_required: false,
        };
        (session, user)
    }

    #[test]
    fn a_read_that_raced_a_change_is_never_kept() {
        let cache = SessionCache::new(Duration::from_secs(10));
        let now = Utc::now();
        let (s, u) = pair(now);
        let policy = SessionPolicy::default();
        let ticket = cache.ticket();
        cache.invalidate();
        cache.put(ticket, "h".into(), &s, &u);
        assert!(cache.get("h", policy, now).is_none(), "read before the change: refused");
        let ticket = cache.ticket();
        cache.put(ticket, "h".into(), &s, &u);
        assert!(cache.get("h", policy, now).is_some(), "read after it: kept");
        cache.invalidate();
        assert!(cache.get("h", policy, now).is_none(), "emptied by the next change");
    }

    #[test]
    fn the_session_limits_hold_on_a_hit_and_zero_turns_it_off() {
        let cache = SessionCache::new(Duration::from_secs(10));
        let now = Utc::now();
        let (s, u) = pair(now);
        let policy = SessionPolicy::default();
        cache.put(cache.ticket(), "h".into(), &s, &u);
        assert!(cache.get("h", policy, now).is_some());
        assert!(cache.get("h", policy, now + policy.idle).is_none(), "idle too long");
        assert!(cache.get("h", policy, s.expires_at).is_none(), "past its absolute end");
        assert!(cache.get("other", policy, now).is_none());

        let off = SessionCache::new(Duration::ZERO);
        off.put(off.ticket(), "h".into(), &s, &u);
        assert!(off.get("h", policy, now).is_none());
        assert_eq!(off.stats(), (0, 0, 0));
    }
}
