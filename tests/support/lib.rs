//! Test support: the real application on port 0 against a fresh database.
//!
//! Without configuration each test gets a fresh SQLite file in a temporary folder. When
//! `REGIOPORTAL_TEST_DATABASE_URL` names a PostgreSQL server (e.g.
//! `postgres://postgres@127.0.0.1:5432/test`), each test gets a fresh database there instead,
//! dropped when the test ends; an unreachable server fails the test, never skips it.

use std::net::SocketAddr;
use std::time::Duration;

use regioportal::server::{self, Running};
use regioportal_domain::HostMap;
use regioportal_storage::{DatabaseUrl, Store};
use regioportal_web::{BaseUrl, WebConfig};
use sea_orm::{ConnectionTrait, Database};

/// The environment variable that switches the suite to PostgreSQL.
pub const PG_ENV: &str = "REGIOPORTAL_TEST_DATABASE_URL";

/// A fresh database for one test.
pub enum TestDb {
    /// An SQLite file in a temporary folder (removed with it).
    Sqlite {
        /// The folder.
        dir: tempfile::TempDir,
        /// The URL.
        url: DatabaseUrl,
    },
    /// A database of its own on a PostgreSQL server.
    Postgres {
        /// URL of the server's maintenance database.
        admin_url: String,
        /// Name of this test's database.
        name: String,
        /// URL of this test's database.
        url: DatabaseUrl,
    },
}

fn with_database(url: &str, db: &str) -> String {
    let (base, query) = url.split_once('?').map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{db}", &base[..path_start]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

impl TestDb {
    /// A fresh, empty database of the configured kind.
    pub async fn fresh() -> Self {
        match std::env::var(PG_ENV).ok().filter(|s| !s.is_empty()) {
            None => {
                let dir = tempfile::tempdir().expect("a temporary folder");
                let url = DatabaseUrl::Sqlite { path: dir.path().join("test.db") };
                Self::Sqlite { dir, url }
            }
            Some(admin_url) => {
                let name = format!("rpt_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .unwrap_or_else(|e| panic!("{PG_ENV}={admin_url} is set but PostgreSQL is unreachable: {e}"));
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("CREATE DATABASE");
                let _ = admin.close().await;
                let url = DatabaseUrl::parse(&with_database(&admin_url, &name)).expect("a valid URL");
                Self::Postgres { admin_url, name, url }
            }
        }
    }

    /// The database URL.
    pub fn url(&self) -> &DatabaseUrl {
        match self {
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } => url,
        }
    }

    /// A folder for data files (the SQLite folder, or a new temporary one).
    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Self::Postgres { admin_url, name, .. } = self {
            let (admin_url, name) = (admin_url.clone(), name.clone());
            // Drop runs inside the test's runtime; a thread with its own runtime may block.
            let _ = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime");
                rt.block_on(async {
                    if let Ok(admin) = Database::connect(&admin_url).await {
                        let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                        let _ = admin.close().await;
                    }
                });
            })
            .join();
        }
    }
}

/// Options of a test app.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Do not seed the demo region.
    pub empty: bool,
    /// Host names per municipality.
    pub hosts: Option<&'static str>,
    /// Base URL (default: `http://<addr>`).
    pub base_url: Option<&'static str>,
    /// Request body limit (default 1 MiB).
    pub body_limit: Option<usize>,
}

/// The application, running.
pub struct TestApp {
    /// Where it listens.
    pub addr: SocketAddr,
    /// `http://127.0.0.1:PORT`.
    pub base: String,
    /// A client without redirects or cookies.
    pub client: reqwest::Client,
    /// The app's store (the same pool the server uses).
    pub store: Store,
    running: Option<Running>,
    /// The database; dropped (and on PostgreSQL deleted) last.
    pub db: TestDb,
}

impl TestApp {
    /// The app with the demo region.
    pub async fn spawn() -> Self {
        Self::spawn_with(Options::default()).await
    }

    /// The app with options.
    pub async fn spawn_with(opts: Options) -> Self {
        let db = TestDb::fresh().await;
        let store = Store::open(db.url()).await.expect("open and migrate the test database");
        if !opts.empty {
            regioportal::demo::seed(&store).await.expect("seed the demo region");
        }
        let listener = server::bind("127.0.0.1:0".parse().expect("addr")).await.expect("bind port 0");
        let addr = listener.local_addr().expect("local addr");
        let base_url = opts.base_url.map_or_else(|| format!("http://{addr}"), str::to_owned);
        let config = WebConfig {
            base_url: BaseUrl::parse(&base_url).expect("base url"),
            hosts: HostMap::parse(opts.hosts.unwrap_or_default()).expect("host map"),
            request_timeout: Duration::from_secs(10),
            body_limit: opts.body_limit.unwrap_or(1024 * 1024),
        };
        let running = server::start(listener, store.clone(), config, false).expect("start");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        Self { addr, base: format!("http://{addr}"), client, store, running: Some(running), db }
    }

    /// GET a path.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(format!("{}{path}", self.base)).send().await.expect("request")
    }

    /// GET a path and return status and body.
    pub async fn get_text(&self, path: &str) -> (u16, String) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        (status, res.text().await.expect("body"))
    }

    /// GET a JSON document.
    pub async fn get_json(&self, path: &str) -> (u16, serde_json::Value) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        (status, res.json().await.expect("a JSON body"))
    }

    /// Stops the server, waiting for requests in flight.
    pub async fn stop(mut self) -> std::io::Result<()> {
        match self.running.take() {
            Some(r) => r.stop().await,
            None => Ok(()),
        }
    }
}
