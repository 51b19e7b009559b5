//! Connecting to SQLite or PostgreSQL and running the migrations.

use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

use regioportal_migrations::Migrator;
use regioportal_migrations::MigratorTrait;
use sea_orm::sqlx::{self, postgres, sqlite};
use sea_orm::{
    ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbBackend, DbErr, QueryResult, SqlxPostgresConnector,
    SqlxSqliteConnector, Statement, TransactionTrait,
};

use crate::StorageError;

/// A key for PostgreSQL's advisory lock that serialises migrations of nodes starting together
/// (the bytes of "regiomig").
const MIGRATION_LOCK_KEY: i64 = 0x7265_6769_6f6d_6967;

/// Takes an OS file lock beside an SQLite database; held until the file is unlocked or dropped.
/// SQLite has no advisory locks, and only processes on this machine can share the file, so
/// this serialises what must not run at the same time: opening a new file, and migrating.
async fn lock_beside(db: &std::path::Path) -> Result<std::fs::File, String> {
    let lock_path = db.with_extension("db-lock");
    let shown = lock_path.display().to_string();
    tokio::task::spawn_blocking(move || -> std::io::Result<std::fs::File> {
        let f = std::fs::OpenOptions::new().create(true).truncate(false).write(true).open(&lock_path)?;
        f.lock()?;
        Ok(f)
    })
    .await
    .map_err(|e| e.to_string())?
    .map_err(|e| format!("cannot lock {shown}: {e}; check that the folder is writable"))
}

/// The database backends the portal runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite, embedded (the default).
    Sqlite,
    /// PostgreSQL.
    Postgres,
}

impl Backend {
    /// `sqlite` or `postgres`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Sqlite => "sqlite",
            Self::Postgres => "postgres",
        }
    }
}

/// A validated `DATABASE_URL`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DatabaseUrl {
    /// `sqlite://path/to/file.db` (relative paths are relative to the working directory).
    Sqlite {
        /// The database file.
        path: PathBuf,
    },
    /// `postgres://user@host:port/db`.
    Postgres {
        /// The URL as given.
        url: String,
    },
}

/// Hides the password in a URL for messages and logs.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else { return url.to_owned() };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_owned(),
        },
        None => url.to_owned(),
    }
}

impl DatabaseUrl {
    /// Parses a `DATABASE_URL`.
    pub fn parse(url: &str) -> Result<Self, StorageError> {
        let bad = |reason: &str| StorageError::BadUrl { url: redact(url), reason: reason.to_owned() };
        let url = url.trim();
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                return Err(bad("name a database file, e.g. sqlite://data/regioportal.db"));
            }
            return Ok(Self::Sqlite { path: PathBuf::from(path) });
        }
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            postgres::PgConnectOptions::from_str(url)
                .map_err(|e| bad(&format!("{e}; write it like postgres://user:password@localhost:5432/regioportal")))?;
            let host_part = url.split_once("://").map(|(_, r)| r).unwrap_or_default();
            if host_part.is_empty() || host_part.starts_with('/') && !url.contains("host=") {
                return Err(bad("it names no server; write it like postgres://user@localhost:5432/regioportal"));
            }
            return Ok(Self::Postgres { url: url.to_owned() });
        }
        Err(bad("use sqlite://FILE (e.g. sqlite://data/regioportal.db) or postgres://user@host:5432/database"))
    }

    /// The URL for messages, without password.
    pub fn redacted(&self) -> String {
        match self {
            Self::Sqlite { path } => format!("sqlite://{}", path.display()),
            Self::Postgres { url } => redact(url),
        }
    }

    /// Which backend this URL is for.
    pub fn backend(&self) -> Backend {
        match self {
            Self::Sqlite { .. } => Backend::Sqlite,
            Self::Postgres { .. } => Backend::Postgres,
        }
    }
}

/// Write transactions take turns on SQLite.
///
/// SQLite lets one connection write at a time. A pooled connection that finds the file locked
/// waits in SQLite's busy handler, which sleeps 1, 2, 5, … up to 100 ms between tries and lets
/// whoever tries at the right moment overtake: under a steady stream of writes, a few waited a
/// second or more (bench/README.md, the durable write in open loop). Taking turns in a fair
/// queue first means a write waits only for the writes before it. PostgreSQL locks rows, not
/// the database: there the gate is open.
///
/// On SQLite the turns also share one connection of their own: SQLite keeps its page cache per
/// connection and drops it when another connection has written, so writes that went round the
/// pool re-read the tables' B-tree pages from the file each time (a fifth of the durable write's
/// CPU in `perf`: `pread`, `pcache1Fetch`). The one writer keeps its cache warm.
///
/// **Group commit**: a write that runs through [`WriteGate::grouped`] does its statements in a
/// savepoint of a transaction shared with the writes queued behind it; the last of them commits
/// for all (at most [`GROUP_MAX`]), and each answers only after that commit. One `fsync`, one
/// `BEGIN`/`COMMIT` and one counter update serve the whole group; a write that fails is rolled
/// back to its savepoint alone. A write through [`WriteGate::begin`] first commits a group that
/// is still open.
#[derive(Debug, Clone, Default)]
pub(crate) struct WriteGate(Option<std::sync::Arc<Queue>>);

/// Most writes committed together.
pub(crate) const GROUP_MAX: usize = 64;

/// The queue of SQLite's writers.
#[derive(Debug)]
pub(crate) struct Queue {
    /// The turn, and the group transaction left open for the writes queued behind.
    turn: std::sync::Arc<tokio::sync::Mutex<Option<Group>>>,
    /// Grouped writes waiting for the turn: while there are any, a group stays open.
    waiting: std::sync::atomic::AtomicUsize,
    writer: DatabaseConnection,
}

/// An open group transaction.
struct Group {
    txn: DatabaseTransaction,
    members: usize,
    /// Counter raises owed at the commit.
    counters: Vec<(crate::counter::Counter, i64)>,
    /// The commit's outcome, for the members waiting for it.
    done: tokio::sync::watch::Sender<Option<Result<(), String>>>,
}

impl std::fmt::Debug for Group {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Group").field("members", &self.members).finish_non_exhaustive()
    }
}

impl Group {
    /// Raises the counters, commits and tells the members, in a task of its own: a caller given
    /// up half-way must not leave the members without the outcome of a commit that SQLite may
    /// well have made.
    async fn commit(self, writer: DatabaseConnection) {
        let task = tokio::spawn(self.commit_here(writer));
        if let Err(e) = task.await {
            tracing::error!(error = %e, "the commit of a group of writes panicked");
        }
    }

    async fn commit_here(self, writer: DatabaseConnection) {
        let Self { txn, counters, done, .. } = self;
        let result = async {
            for (counter, n) in counters {
                counter.add(&txn, n).await?;
            }
            txn.commit().await?;
            Ok::<_, StorageError>(())
        }
        .await
        .map_err(|e| e.to_string());
        if let Err(e) = &result {
            tracing::error!(error = %e, "a group of writes could not be committed; each of them fails");
            discard_writer(&writer).await;
        }
        done.send_replace(Some(result));
    }

    /// Ends a group that failed before its commit: rolled back, every member told.
    async fn fail(self, writer: &DatabaseConnection, why: String) {
        let Self { txn, done, .. } = self;
        drop(txn);
        discard_writer(writer).await;
        done.send_replace(Some(Err(why)));
    }
}

/// Closes the writer's connection after a failed savepoint or commit, so that a fresh one is
/// opened for the next write: SQLite may have rolled back the whole transaction by itself (a
/// full disk, an I/O error) while sqlx still counts the savepoints it began.
async fn discard_writer(writer: &DatabaseConnection) {
    if let Ok(conn) = writer.get_sqlite_connection_pool().acquire().await {
        let _ = conn.close().await;
    }
}

/// A future that turns a panic into an error (the work of a grouped write: the group and its
/// other members must go on).
struct CatchPanic<F: ?Sized>(std::pin::Pin<Box<F>>);

impl<T, F: std::future::Future<Output = Result<T, StorageError>> + ?Sized> std::future::Future for CatchPanic<F> {
    type Output = Result<T, StorageError>;
    fn poll(mut self: std::pin::Pin<&mut Self>, cx: &mut std::task::Context<'_>) -> std::task::Poll<Self::Output> {
        let inner = self.0.as_mut();
        match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| inner.poll(cx))) {
            Ok(poll) => poll,
            Err(_) => std::task::Poll::Ready(Err(StorageError::Db(DbErr::Custom("a write panicked".into())))),
        }
    }
}

/// A write transaction's turn; the next one starts when it is dropped (after the commit or the
/// rollback).
#[must_use = "the turn ends when it is dropped: keep it until the transaction is over"]
pub(crate) struct WriteTurn(
    #[expect(dead_code, reason = "held for its Drop")] Option<tokio::sync::OwnedMutexGuard<Option<Group>>>,
);

/// Statements of a grouped write on the savepoint they are given.
pub(crate) type Steps<T> = Box<
    dyn for<'t> FnOnce(
            &'t DatabaseTransaction,
        )
            -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<T, StorageError>> + Send + 't>>
        + Send,
>;

/// The work of one grouped write.
pub(crate) enum GroupedWork<T> {
    /// Statements on a savepoint of the group's transaction, one at a time: each is a trip to
    /// SQLite's connection thread (and back), the savepoint's begin and release too.
    Steps(Steps<T>),
    /// Statements sent at once, wrapped in a savepoint: SQLite runs them in one trip (a write
    /// was 4 trips, and the thread hand-offs were the largest cost of the bench's write).
    Batch {
        /// Makes the statements, with `?` placeholders and their values in order; called once
        /// it is the write's turn, so that the times it stamps are those of the write (the
        /// indexes take in changes by `updated_at`; a stamp from before a long wait in the
        /// queue could fall behind a refresh that has already looked).
        statements: Box<dyn FnOnce() -> Vec<Statement> + Send>,
        /// The member's result from the rows the statements returned. An error here fails
        /// the whole group: the write is already part of it.
        read: Box<dyn FnOnce(Vec<QueryResult>) -> Result<T, StorageError> + Send>,
        /// The member's error when a statement failed (the savepoint is rolled back first).
        refused: Box<dyn FnOnce(DbErr) -> StorageError + Send>,
    },
}

/// The savepoint around a batch ([`GroupedWork::Batch`]).
const BATCH_SAVEPOINT: &str = "rp_member";

/// One statement of a batch: `SAVEPOINT; statements; RELEASE`.
fn batch(statements: Vec<Statement>) -> Statement {
    let mut sql = format!("SAVEPOINT {BATCH_SAVEPOINT};");
    let mut values = Vec::new();
    for s in statements {
        sql.push(' ');
        sql.push_str(&s.sql);
        sql.push(';');
        if let Some(v) = s.values {
            values.extend(v.0);
        }
    }
    sql.push_str(&format!(" RELEASE {BATCH_SAVEPOINT}"));
    Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
}

impl WriteGate {
    /// A gate that queues (SQLite), writing through `writer`.
    fn queueing(writer: DatabaseConnection) -> Self {
        Self(Some(std::sync::Arc::new(Queue { turn: Default::default(), waiting: Default::default(), writer })))
    }

    /// The writer connection (SQLite), to close it.
    pub(crate) fn writer(&self) -> Option<&DatabaseConnection> {
        self.0.as_deref().map(|q| &q.writer)
    }

    /// Whether writes are queued and grouped here (SQLite).
    pub(crate) fn groups(&self) -> bool {
        self.0.is_some()
    }

    /// Waits for this process's turn to write, then begins a transaction. A function that holds
    /// a turn must not begin another transaction through the gate before dropping it. Bind it
    /// as `let (_turn, txn) = …`: locals drop in reverse order, so the transaction (rolled back
    /// when dropped uncommitted) goes before the turn.
    pub(crate) async fn begin(&self, db: &DatabaseConnection) -> Result<(WriteTurn, DatabaseTransaction), DbErr> {
        match &self.0 {
            Some(queue) => {
                let mut turn = queue.turn.clone().lock_owned().await;
                if let Some(group) = turn.take() {
                    group.commit(queue.writer.clone()).await;
                }
                Ok((WriteTurn(Some(turn)), queue.writer.begin().await?))
            }
            None => Ok((WriteTurn(None), db.begin().await?)),
        }
    }

    /// Runs `work` as a member of a group commit (see the type's documentation), raising
    /// `counter` by one with the group's commit; returns once the group is committed. Only for
    /// a queueing gate ([`WriteGate::groups`]). The work runs in a task of its own, so that a
    /// request given up half-way cannot leave the group without its committer: such a write
    /// is committed all the same (it was accepted), and a panic in it fails only it.
    pub(crate) async fn grouped<T: Send + 'static>(
        &self,
        counter: crate::counter::Counter,
        work: GroupedWork<T>,
    ) -> Result<T, StorageError> {
        let Some(queue) = self.0.clone() else {
            return Err(StorageError::Db(DbErr::Custom("grouped writes need a queueing gate (SQLite)".into())));
        };
        let task = tokio::spawn(async move {
            use std::sync::atomic::Ordering;
            queue.waiting.fetch_add(1, Ordering::SeqCst);
            let mut turn = queue.turn.lock().await;
            queue.waiting.fetch_sub(1, Ordering::SeqCst);
            let group = match turn.as_mut() {
                Some(group) => group,
                None => {
                    let txn = queue.writer.begin().await?;
                    let (done, _) = tokio::sync::watch::channel(None);
                    turn.insert(Group { txn, members: 0, counters: Vec::new(), done })
                }
            };
            // Whatever goes wrong around the savepoint leaves the shared transaction in an
            // unknown state: then none of the group is kept, and every member is told.
            let result = match work {
                GroupedWork::Steps(work) => {
                    let savepoint = match group.txn.begin().await {
                        Ok(sp) => sp,
                        Err(e) => {
                            if let Some(group) = turn.take() {
                                group.fail(&queue.writer, e.to_string()).await;
                            }
                            return Err(e.into());
                        }
                    };
                    let result = CatchPanic(work(&savepoint)).await;
                    let closed = match &result {
                        Ok(_) => savepoint.commit().await,
                        Err(_) => savepoint.rollback().await,
                    };
                    if let Err(e) = closed {
                        if let Some(group) = turn.take() {
                            group.fail(&queue.writer, e.to_string()).await;
                        }
                        return Err(e.into());
                    }
                    result
                }
                GroupedWork::Batch { statements, read, refused } => {
                    let Ok(statements) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(statements)) else {
                        return Err(StorageError::Db(DbErr::Custom("making a write's statements panicked".into())));
                    };
                    match group.txn.query_all_raw(batch(statements)).await {
                        Ok(rows) => {
                            let read = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| read(rows)))
                                .unwrap_or_else(|_| {
                                    Err(StorageError::Db(DbErr::Custom("reading a write's rows panicked".into())))
                                });
                            if let Err(e) = read {
                                if let Some(group) = turn.take() {
                                    group.fail(&queue.writer, e.to_string()).await;
                                }
                                return Err(e);
                            }
                            read
                        }
                        Err(e) => {
                            // A statement failed: undo what ran before it. When even that fails
                            // (the savepoint itself was not begun), the group is in doubt.
                            let undo = format!("ROLLBACK TO {BATCH_SAVEPOINT}; RELEASE {BATCH_SAVEPOINT}");
                            if let Err(u) = group.txn.execute_unprepared(&undo).await {
                                if let Some(group) = turn.take() {
                                    group.fail(&queue.writer, format!("{e}; then {u}")).await;
                                }
                                return Err(e.into());
                            }
                            Err(refused(e))
                        }
                    }
                }
            };
            let outcome = result.map(|value| {
                group.members += 1;
                match group.counters.iter_mut().find(|(c, _)| *c == counter) {
                    Some((_, n)) => *n += 1,
                    None => group.counters.push((counter, 1)),
                }
                (value, group.done.subscribe())
            });
            let full = group.members >= GROUP_MAX;
            if (queue.waiting.load(Ordering::SeqCst) == 0 || full)
                && let Some(group) = turn.take()
            {
                group.commit(queue.writer.clone()).await;
            }
            drop(turn);
            let (value, mut done) = outcome?;
            // `None`: the group's sender went away without a result.
            let committed = done.wait_for(Option::is_some).await.ok().and_then(|r| r.clone());
            match committed {
                Some(Ok(())) => Ok(value),
                Some(Err(e)) => Err(StorageError::Db(DbErr::Custom(format!("the write was not committed: {e}")))),
                None => Err(StorageError::Db(DbErr::Custom("the group of writes ended without a commit".into()))),
            }
        });
        task.await.map_err(|e| StorageError::Db(DbErr::Custom(format!("a write failed: {e}"))))?
    }
}

/// Connection counts of the pool, for `/metrics`.
#[derive(Debug, Clone, Copy)]
pub struct PoolStats {
    /// Open connections.
    pub size: u32,
    /// Of those, idle.
    pub idle: u32,
    /// The configured maximum.
    pub max: u32,
}

/// The database: a connection pool plus the repositories over it.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) db: DatabaseConnection,
    /// Raised after every event change made through this store (its clones share it).
    pub(crate) event_changes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Raised after every directory change made through this store.
    pub(crate) directory_changes: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// Serialises write transactions (SQLite only).
    pub(crate) gate: WriteGate,
    backend: Backend,
    max_connections: u32,
}

fn explain_sqlx(e: &sqlx::Error, backend: Backend) -> String {
    match e {
        sqlx::Error::Io(io) if backend == Backend::Postgres => {
            format!("{io}; is PostgreSQL running and reachable at that host and port? Check DATABASE_URL")
        }
        sqlx::Error::Io(io) => format!("{io}; check that the folder exists and is writable"),
        sqlx::Error::PoolTimedOut => {
            "no connection within 5 s; is PostgreSQL running and reachable? Check DATABASE_URL".to_owned()
        }
        sqlx::Error::Database(db) => {
            let code = db.code().unwrap_or_default().to_string();
            match code.as_str() {
                "3D000" => format!("{}; create it first (createdb NAME) or name an existing database", db.message()),
                "28P01" | "28000" => format!("{}; check user and password in DATABASE_URL", db.message()),
                _ => db.message().to_owned(),
            }
        }
        other => other.to_string(),
    }
}

impl Store {
    /// Opens the database (creating an SQLite file and its folder if needed) without migrating.
    pub async fn connect(url: &DatabaseUrl) -> Result<Self, StorageError> {
        let connect_err = |reason: String| StorageError::Connect { url: url.redacted(), reason };
        match url {
            DatabaseUrl::Sqlite { path } => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| {
                        connect_err(format!(
                            "cannot create the folder {}: {e}; choose a writable location",
                            dir.display()
                        ))
                    })?;
                }
                let opts = sqlite::SqliteConnectOptions::new()
                    .filename(path)
                    .create_if_missing(true)
                    .journal_mode(sqlite::SqliteJournalMode::Wal)
                    // FULL: a committed transaction survives a power cut, not only a crash.
                    .synchronous(sqlite::SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(5));
                let max = 8;
                // The first connection to a new file switches it to WAL, which SQLite refuses
                // ("database is locked") while another process does the same: nodes starting
                // together take turns.
                let lock = lock_beside(path).await.map_err(connect_err)?;
                // No ping before each use: a connection to a file cannot have been dropped by
                // a server, and the ping is a round trip to the connection's worker thread
                // (3 of the 10 per API write).
                let pool = sqlite::SqlitePoolOptions::new()
                    .max_connections(max)
                    .test_before_acquire(false)
                    .acquire_timeout(Duration::from_secs(5))
                    .connect_with(opts.clone())
                    .await
                    .map_err(|e| connect_err(explain_sqlx(&e, Backend::Sqlite)));
                let _ = lock.unlock();
                let pool = pool?;
                // The write transactions' own connection (see `WriteGate`), kept open so that
                // its page cache stays warm.
                let writer = sqlite::SqlitePoolOptions::new()
                    .max_connections(1)
                    .min_connections(1)
                    .test_before_acquire(false)
                    .idle_timeout(None)
                    .max_lifetime(None)
                    .acquire_timeout(Duration::from_secs(30))
                    // Savepoint journals stay in memory instead of spilling to a temporary file
                    // (SQLite spills beyond 64 KiB): each grouped write runs in a savepoint of
                    // the group's transaction, and writing journal pages to the file was about
                    // a tenth of the durable write's CPU (bench/routes, `write`). A savepoint's
                    // journal is emptied at its release, so this grows with one write, not with
                    // the group. Only here: the readers' sorts keep spilling to files.
                    .connect_with(opts.pragma("temp_store", "memory"))
                    .await
                    .map_err(|e| connect_err(explain_sqlx(&e, Backend::Sqlite)))?;
                Ok(Self {
                    event_changes: Default::default(),
                    directory_changes: Default::default(),
                    db: SqlxSqliteConnector::from_sqlx_sqlite_pool(pool),
                    gate: WriteGate::queueing(SqlxSqliteConnector::from_sqlx_sqlite_pool(writer)),
                    backend: Backend::Sqlite,
                    max_connections: max,
                })
            }
            DatabaseUrl::Postgres { url: raw } => {
                let opts = postgres::PgConnectOptions::from_str(raw)
                    .map_err(|e| connect_err(e.to_string()))?
                    .application_name("regioportal");
                // One plain connection first: the pool would retry until its timeout and
                // report only that, while this names the real cause (refused, unknown host,
                // wrong password, missing database) at once.
                let probe = <postgres::PgConnection as sqlx::Connection>::connect_with(&opts)
                    .await
                    .map_err(|e| connect_err(explain_sqlx(&e, Backend::Postgres)))?;
                let _ = sqlx::Connection::close(probe).await;
                let max = 16;
                let pool = postgres::PgPoolOptions::new()
                    .max_connections(max)
                    .acquire_timeout(Duration::from_secs(5))
                    // A connection that died with a server restart is replaced, not handed out.
                    .test_before_acquire(true)
                    .connect_with(opts)
                    .await
                    .map_err(|e| connect_err(explain_sqlx(&e, Backend::Postgres)))?;
                Ok(Self {
                    event_changes: Default::default(),
                    directory_changes: Default::default(),
                    db: SqlxPostgresConnector::from_sqlx_postgres_pool(pool),
                    gate: WriteGate::default(),
                    backend: Backend::Postgres,
                    max_connections: max,
                })
            }
        }
    }

    /// Opens the database and applies pending migrations.
    pub async fn open(url: &DatabaseUrl) -> Result<Self, StorageError> {
        let store = Self::connect(url).await?;
        store.migrate(url).await?;
        if !store.planner_is_stable().await? {
            tracing::warn!(
                "SQLite was built without SQLITE_ENABLE_QPSG: writes and lookups cost more CPU; \
                 build with LIBSQLITE3_FLAGS=-DSQLITE_ENABLE_QPSG (.cargo/config.toml does)"
            );
        }
        Ok(store)
    }

    /// Applies pending migrations. On PostgreSQL they run on one dedicated connection under an
    /// advisory lock, so that nodes starting together migrate one after the other.
    pub async fn migrate(&self, url: &DatabaseUrl) -> Result<(), StorageError> {
        let mig = |e: sea_orm::DbErr| StorageError::Migrate(e.to_string());
        match url {
            DatabaseUrl::Sqlite { path } => {
                let lock = lock_beside(path).await.map_err(StorageError::Migrate)?;
                let result = Migrator::up(&self.db, None).await.map_err(mig);
                let _ = lock.unlock();
                result
            }
            DatabaseUrl::Postgres { url: raw } => {
                let opts =
                    postgres::PgConnectOptions::from_str(raw).map_err(|e| StorageError::Migrate(e.to_string()))?;
                let pool = postgres::PgPoolOptions::new()
                    .max_connections(1)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(opts)
                    .await
                    .map_err(|e| StorageError::Migrate(explain_sqlx(&e, Backend::Postgres)))?;
                let conn = SqlxPostgresConnector::from_sqlx_postgres_pool(pool);
                conn.execute_unprepared(&format!("SELECT pg_advisory_lock({MIGRATION_LOCK_KEY})"))
                    .await
                    .map_err(mig)?;
                let result = Migrator::up(&conn, None).await.map_err(mig);
                let unlock = conn.execute_unprepared(&format!("SELECT pg_advisory_unlock({MIGRATION_LOCK_KEY})")).await;
                let _ = conn.close().await;
                result?;
                unlock.map_err(mig)?;
                Ok(())
            }
        }
    }

    /// Names of the migrations applied, in order.
    pub async fn applied_migrations(&self) -> Result<Vec<String>, StorageError> {
        let applied = Migrator::get_applied_migrations(&self.db).await?;
        Ok(applied.iter().map(|m| m.name().to_owned()).collect())
    }

    /// The backend in use.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Whether SQLite was built with the query planner stability guarantee (always true on
    /// PostgreSQL). Without it SQLite re-prepares every statement whose LIMIT is a bound
    /// parameter on each run, a third of the CPU of a durable write; `.cargo/config.toml` sets
    /// it for every build of this workspace.
    pub async fn planner_is_stable(&self) -> Result<bool, StorageError> {
        if self.backend != Backend::Sqlite {
            return Ok(true);
        }
        let rows = self
            .db
            .query_all_raw(sea_orm::Statement::from_string(sea_orm::DbBackend::Sqlite, "PRAGMA compile_options"))
            .await?;
        Ok(rows.iter().any(|r| r.try_get_by_index::<String>(0).is_ok_and(|o| o == "ENABLE_QPSG")))
    }

    /// Checks that the database answers (for `/readyz`).
    pub async fn ping(&self) -> Result<(), StorageError> {
        self.db.execute_unprepared("SELECT 1").await?;
        Ok(())
    }

    /// Pool counters for `/metrics`.
    pub fn pool_stats(&self) -> PoolStats {
        let (size, idle) = match self.backend {
            Backend::Sqlite => {
                // The readers and the write transactions' own connection.
                let p = self.db.get_sqlite_connection_pool();
                let (w_size, w_idle) = self.gate.writer().map_or((0, 0), |w| {
                    let w = w.get_sqlite_connection_pool();
                    (w.size(), w.num_idle() as u32)
                });
                (p.size() + w_size, p.num_idle() as u32 + w_idle)
            }
            Backend::Postgres => {
                let p = self.db.get_postgres_connection_pool();
                (p.size(), p.num_idle() as u32)
            }
        };
        PoolStats { size, idle, max: self.max_connections + u32::from(self.gate.groups()) }
    }

    /// Closes every connection; further queries fail (used at shutdown and by tests that take
    /// the database away).
    pub async fn close(&self) -> Result<(), StorageError> {
        let readers = self.db.close_by_ref().await;
        if let Some(writer) = self.gate.writer() {
            writer.close_by_ref().await?;
        }
        readers?;
        Ok(())
    }

    /// The municipalities (tenant registry) and the region.
    pub fn municipalities(&self) -> crate::Municipalities<'_> {
        crate::Municipalities { db: &self.db }
    }

    /// Legal pages of the region and of each municipality.
    pub fn legal_pages(&self) -> crate::LegalPages<'_> {
        crate::LegalPages { db: &self.db }
    }

    /// Staff accounts and their roles.
    pub fn staff(&self) -> crate::Staff<'_> {
        crate::Staff { db: &self.db, gate: &self.gate }
    }

    /// Staff sessions.
    pub fn sessions(&self) -> crate::Sessions<'_> {
        crate::Sessions { db: &self.db }
    }

    /// Login throttling.
    pub fn throttle(&self) -> crate::Throttle<'_> {
        crate::Throttle { db: &self.db }
    }

    /// API tokens.
    pub fn tokens(&self) -> crate::Tokens<'_> {
        crate::Tokens { db: &self.db, gate: &self.gate }
    }

    /// The audit log.
    pub fn audit(&self) -> crate::Audit<'_> {
        crate::Audit { db: &self.db }
    }

    /// The events calendar.
    pub fn events(&self) -> crate::Events<'_> {
        crate::Events { db: &self.db, changes: &self.event_changes, gate: &self.gate }
    }

    /// The Bürgerservice directory: services, life situations, offices, responsibilities, forms.
    pub fn directory(&self) -> crate::Directory<'_> {
        crate::Directory { db: &self.db, changes: &self.directory_changes, gate: &self.gate }
    }

    /// Subscribed organiser feeds.
    pub fn feeds(&self) -> crate::Feeds<'_> {
        crate::Feeds { db: &self.db }
    }

    /// Places and postcodes of each municipality.
    pub fn places(&self) -> crate::Places<'_> {
        crate::Places { db: &self.db }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_urls() {
        assert_eq!(
            DatabaseUrl::parse("sqlite://data/regioportal.db").unwrap(),
            DatabaseUrl::Sqlite { path: "data/regioportal.db".into() }
        );
        assert_eq!(
            DatabaseUrl::parse("sqlite:///tmp/x.db?mode=rwc").unwrap(),
            DatabaseUrl::Sqlite { path: "/tmp/x.db".into() }
        );
        assert_eq!(DatabaseUrl::parse("postgres://postgres@127.0.0.1:5432/test").unwrap().backend(), Backend::Postgres);
        for bad in ["mysql://x", "data.db", "sqlite://", "postgres://", "http://x"] {
            let e = DatabaseUrl::parse(bad).unwrap_err().to_string();
            assert!(e.contains("DATABASE_URL"), "{bad}: {e}");
        }
    }

    #[test]
    fn redacts_passwords() {
        assert_eq!(redact("postgres://u:secret@h/db"), "postgres://u:***@h/db");
        assert_eq!(redact("postgres://u@h/db"), "postgres://u@h/db");
        let e = DatabaseUrl::parse("postgres://u:secret@h:notaport/db").unwrap_err().to_string();
        assert!(!e.contains("secret"), "{e}");
    }
}
