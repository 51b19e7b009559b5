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
    /// A database another handle owns (a second app node on it).
    Shared {
        /// The URL.
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
            Self::Sqlite { url, .. } | Self::Postgres { url, .. } | Self::Shared { url } => url,
        }
    }

    /// Another handle on the same database that does not drop it (for a second app node).
    pub fn shared(&self) -> Self {
        Self::Shared { url: self.url().clone() }
    }

    /// Whether this is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        self.url().backend() == regioportal_storage::Backend::Postgres
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
    /// An SMTP relay for outgoing mail.
    pub smtp: Option<regioportal_web::mail::SmtpRelay>,
    /// Reverse proxies whose `X-Forwarded-For` is trusted.
    pub trusted_proxies: Vec<std::net::IpAddr>,
    /// The page cache's time (default: off, because most tests change data through the store,
    /// which the cache of the running app does not see; the page cache tests turn it on).
    pub page_cache: Option<Duration>,
    /// How long a request may take before it is answered with 408 (default 10 s).
    pub request_timeout: Option<Duration>,
    /// The session cache's time (default: off, for the same reason; its tests turn it on).
    pub session_cache: Option<Duration>,
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
    /// The data folder (mail outbox).
    pub data_dir: tempfile::TempDir,
    opts: Options,
}

fn decode_base64(s: &str) -> String {
    let val = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let bits: Vec<u8> = s.bytes().filter_map(val).collect();
    let mut out = Vec::new();
    for chunk in bits.chunks(4) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, v)| acc | (u32::from(*v) << (18 - 6 * i)));
        for i in 0..chunk.len().saturating_sub(1) {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    String::from_utf8_lossy(&out).into_owned()
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
        let data_dir = tempfile::tempdir().expect("a data folder");
        let listener = server::bind("127.0.0.1:0".parse().expect("addr")).await.expect("bind port 0");
        let addr = listener.local_addr().expect("local addr");
        let base_url = opts.base_url.map_or_else(|| format!("http://{addr}"), str::to_owned);
        let config = WebConfig {
            allow_private_feeds: true,
            base_url: BaseUrl::parse(&base_url).expect("base url"),
            hosts: HostMap::parse(opts.hosts.unwrap_or_default()).expect("host map"),
            request_timeout: opts.request_timeout.unwrap_or(Duration::from_secs(10)),
            body_limit: opts.body_limit.unwrap_or(1024 * 1024),
            data_dir: data_dir.path().to_owned(),
            mail: regioportal_web::mail::MailConfig {
                smtp: opts.smtp.clone(),
                from: "Regioportal Test <noreply@regioportal.test>".into(),
                data_dir: data_dir.path().to_owned(),
            },
            trusted_proxies: opts.trusted_proxies.clone(),
            sessions: regioportal_storage::SessionPolicy::default(),
            page_cache_ttl: opts.page_cache.unwrap_or_default(),
            session_cache_ttl: opts.session_cache.unwrap_or_default(),
        };
        let running = server::start(listener, store.clone(), config, false).expect("start");
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(20))
            .build()
            .expect("client");
        let app =
            Self { addr, base: format!("http://{addr}"), client, store, running: Some(running), db, data_dir, opts };
        app.wait_ready().await;
        app
    }

    /// Loads the demo Bürgerservice catalogue and its demo forms into this app's database and
    /// file store (the app is seeded with the region only, to keep most tests quick).
    pub async fn seed_services(&self) -> regioportal_storage::CatalogueReport {
        let files = regioportal_storage::DiskStore::new(self.data_dir.path().join("files")).expect("file store");
        regioportal::demo::seed_services(&self.store, &files).await.expect("seed the demo services").0
    }

    /// Waits until `/readyz` answers 200 (the calendar index is built in the background).
    pub async fn wait_ready(&self) {
        for _ in 0..200 {
            if self.get("/readyz").await.status() == 200 {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("{} did not become ready within 5 s", self.base);
    }

    /// A second app node on the same database (as behind a load balancer).
    pub async fn second_node(&self) -> TestApp {
        let store = Store::open(self.db.url()).await.expect("open the shared database");
        let listener = server::bind("127.0.0.1:0".parse().expect("addr")).await.expect("bind port 0");
        let addr = listener.local_addr().expect("local addr");
        let config = WebConfig {
            allow_private_feeds: true,
            base_url: BaseUrl::parse(&format!("http://{addr}")).expect("base url"),
            hosts: HostMap::default(),
            request_timeout: self.opts.request_timeout.unwrap_or(Duration::from_secs(10)),
            body_limit: 1024 * 1024,
            data_dir: self.data_dir.path().to_owned(),
            mail: regioportal_web::mail::MailConfig {
                smtp: None,
                from: "Regioportal Test <noreply@regioportal.test>".into(),
                data_dir: self.data_dir.path().to_owned(),
            },
            trusted_proxies: vec![],
            sessions: regioportal_storage::SessionPolicy::default(),
            page_cache_ttl: self.opts.page_cache.unwrap_or_default(),
            session_cache_ttl: self.opts.session_cache.unwrap_or_default(),
        };
        let running = server::start(listener, store.clone(), config, false).expect("start");
        let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
        let app = Self {
            addr,
            base: format!("http://{addr}"),
            client,
            store,
            running: Some(running),
            db: self.db.shared(),
            data_dir: tempfile::tempdir().expect("dir"),
            opts: self.opts.clone(),
        };
        app.wait_ready().await;
        app
    }

    /// The mails written to the outbox so far, oldest first (decoded bodies).
    pub fn outbox(&self) -> Vec<String> {
        let dir = self.data_dir.path().join("outbox");
        let mut files: Vec<_> =
            std::fs::read_dir(&dir).map(|d| d.flatten().map(|e| e.path()).collect()).unwrap_or_default();
        files.sort();
        files
            .iter()
            .filter(|p| p.extension().is_some_and(|e| e == "eml"))
            .map(|p| {
                let text = std::fs::read_to_string(p).expect("eml");
                let (head, body) = text.split_once("\r\n\r\n").expect("headers and body");
                format!("{head}\n\n{}", decode_base64(&body.replace("\r\n", "")))
            })
            .collect()
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

/// A browser: keeps cookies, sends the portal's Origin with forms like a real browser does.
pub struct Browser {
    /// The app's base URL.
    pub base: String,
    client: reqwest::Client,
    cookies: std::collections::BTreeMap<String, String>,
}

/// A response as the browser saw it.
pub struct Page {
    /// Status code.
    pub status: u16,
    /// `Location`, for redirects.
    pub location: Option<String>,
    /// `Set-Cookie` values.
    pub set_cookies: Vec<String>,
    /// The body.
    pub body: String,
}

impl Page {
    /// The first CSRF token of a form on the page.
    pub fn csrf(&self) -> String {
        let needle = "name=\"csrf\" value=\"";
        let at = self.body.find(needle).unwrap_or_else(|| panic!("no csrf field in: {}", self.body));
        let rest = &self.body[at + needle.len()..];
        rest[..rest.find('"').expect("end of value")].to_owned()
    }
}

impl Browser {
    /// A fresh browser for an app.
    pub fn new(app: &TestApp) -> Self {
        Self { base: app.base.clone(), client: app.client.clone(), cookies: Default::default() }
    }

    /// The current value of a cookie.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// Sets a cookie by hand (as an attacker planting one would).
    pub fn set_cookie(&mut self, name: &str, value: &str) {
        self.cookies.insert(name.to_owned(), value.to_owned());
    }

    fn cookie_header(&self) -> String {
        self.cookies.iter().map(|(k, v)| format!("{k}={v}")).collect::<Vec<_>>().join("; ")
    }

    async fn finish(&mut self, res: reqwest::Response) -> Page {
        let status = res.status().as_u16();
        let location = res.headers().get("location").and_then(|v| v.to_str().ok()).map(str::to_owned);
        let set_cookies: Vec<String> =
            res.headers().get_all("set-cookie").iter().filter_map(|v| v.to_str().ok()).map(str::to_owned).collect();
        for c in &set_cookies {
            let first = c.split(';').next().unwrap_or_default();
            if let Some((k, v)) = first.split_once('=') {
                if v.is_empty() || c.contains("Max-Age=0") {
                    self.cookies.remove(k);
                } else {
                    self.cookies.insert(k.to_owned(), v.to_owned());
                }
            }
        }
        Page { status, location, set_cookies, body: res.text().await.unwrap_or_default() }
    }

    /// GET a path.
    pub async fn get(&mut self, path: &str) -> Page {
        let res = self
            .client
            .get(format!("{}{path}", self.base))
            .header("cookie", self.cookie_header())
            .send()
            .await
            .expect("request");
        self.finish(res).await
    }

    /// POST a form, with the Origin header a browser sends.
    pub async fn post(&mut self, path: &str, form: &[(&str, &str)]) -> Page {
        self.post_with(path, form, Some(&self.base.clone())).await
    }

    /// POST a form with a chosen Origin (or none).
    pub async fn post_with(&mut self, path: &str, form: &[(&str, &str)], origin: Option<&str>) -> Page {
        let mut req =
            self.client.post(format!("{}{path}", self.base)).header("cookie", self.cookie_header()).form(form);
        if let Some(o) = origin {
            req = req.header("origin", o);
        }
        let res = req.send().await.expect("request");
        self.finish(res).await
    }

    /// Signs in with a password; returns the response of the login POST.
    pub async fn login(&mut self, email: &str, password: &str) -> Page {
        let form = self.get("/verwaltung/anmelden").await;
        let csrf = form.csrf();
        self.post(
            "/verwaltung/anmelden",
            &[("csrf", &csrf), ("email", email), ("password", password), ("next", "/verwaltung")],
        )
        .await
    }
}

/// Creates a staff account with roles (`"editor@gera"`, `"platform_admin"`) directly in storage.
pub async fn create_staff(store: &Store, email: &str, password: &str, grants: &[&str]) -> regioportal_storage::UserId {
    use regioportal_domain::auth::{Email, Grant, Password};
    let actor = regioportal_storage::Actor::cli();
    let email = Email::parse(email).expect("email");
    let password = Password::parse(password, None).expect("password");
    let id = store.staff().create(&email, "Test Person", Some(&password), &actor).await.expect("create user");
    for g in grants {
        let grant = Grant::parse(g).expect("grant");
        let scope = match grant.municipality() {
            Some(slug) => Some(
                store.municipalities().by_slug(slug.as_str()).await.expect("db").expect("municipality").scope().clone(),
            ),
            None => None,
        };
        store.staff().grant(id, &grant, scope.as_ref(), &actor).await.expect("grant");
    }
    id
}

/// Creates an API token (`role` is `editor`, `moderator` or `organiser`) of a municipality; returns the secret.
pub async fn create_token(store: &Store, municipality: &str, role: &str) -> String {
    let m = store.municipalities().by_slug(municipality).await.expect("db").expect("municipality");
    let role = regioportal_domain::auth::Role::parse(role).expect("role");
    let (_, secret) = store
        .tokens()
        .create(m.scope(), role, &format!("Test {municipality} {}", role.as_str()), &regioportal_storage::Actor::cli())
        .await
        .expect("token");
    secret
}

impl TestApp {
    /// Sends a JSON request with an optional bearer token.
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: Option<&serde_json::Value>,
    ) -> (u16, serde_json::Value) {
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(b);
        }
        let res = req.send().await.expect("request");
        let status = res.status().as_u16();
        let text = res.text().await.expect("body");
        let json = if text.is_empty() {
            serde_json::Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        };
        (status, json)
    }
}

/// The path of a protocol peer's script in `tests/peers/`, found through Cargo's variable at run
/// time, not the compiled-in one: a target folder shared by several clones (`.ci/run`) can hand
/// one clone a test binary built in another.
pub fn peer_script(name: &str) -> String {
    let dir = std::env::var("CARGO_MANIFEST_DIR").unwrap_or_else(|_| env!("CARGO_MANIFEST_DIR").to_owned());
    format!("{dir}/peers/{name}")
}
