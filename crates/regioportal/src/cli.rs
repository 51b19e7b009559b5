//! The command line: `serve`, `db migrate`, `region import FILE`, `demo seed`.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use regioportal_domain::region::Region;
use regioportal_storage::{DirAssets, Store};
use regioportal_web::WebConfig;

use crate::config::{self, ConfigError};
use crate::{demo, server};

/// Regioportal: the shared e-government platform of a region's municipalities.
#[derive(Debug, Parser)]
#[command(name = "regioportal", version, about, long_about = None)]
pub struct Cli {
    #[command(flatten)]
    global: GlobalArgs,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Args)]
struct GlobalArgs {
    /// Database: sqlite://FILE or postgres://USER@HOST:PORT/DB [default: sqlite://<data dir>/regioportal.db]
    #[arg(long, env = "DATABASE_URL", global = true, hide_env_values = true)]
    database_url: Option<String>,
    /// Folder for the SQLite database, uploads and the mail outbox.
    #[arg(long, env = "REGIOPORTAL_DATA_DIR", default_value = "data", global = true)]
    data_dir: String,
    /// Log format.
    #[arg(long, env = "REGIOPORTAL_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text, global = true)]
    log_format: LogFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per line.
    Json,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Serve the portal (migrates the database; seeds the demo region into an empty one).
    Serve(ServeArgs),
    /// Database maintenance.
    #[command(subcommand)]
    Db(DbCommand),
    /// Load the region's municipalities.
    #[command(subcommand)]
    Region(RegionCommand),
    /// The demo region.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Staff accounts and their roles.
    #[command(subcommand)]
    Users(crate::admin::UsersCommand),
    /// API tokens for other systems.
    #[command(subcommand)]
    Tokens(crate::admin::TokensCommand),
    /// The events calendar: import iCalendar files.
    #[command(subcommand)]
    Events(crate::events_cli::EventsCommand),
    /// The Bürgerservice: load a catalogue of services, offices and responsibilities.
    #[command(subcommand)]
    Services(ServicesCommand),
    /// Benchmark helpers.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Print the HTML routes (public pages and the staff area with their access rules) as JSON
    /// lines, for the browser suite and for reviews.
    Routes,
}

#[derive(Debug, Subcommand)]
enum ServicesCommand {
    /// Load a catalogue file (format: docs/buergerservice-catalogue.md); loading it again
    /// changes nothing. The whole file is checked first: any problem, and nothing is stored.
    Import {
        /// The TOML file.
        file: PathBuf,
    },
}

#[derive(Debug, Args)]
struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "REGIOPORTAL_LISTEN", default_value = "127.0.0.1:8080")]
    listen: String,
    /// Public URL of the portal, e.g. https://regioportal.example [default: http://<listen>]
    #[arg(long, env = "REGIOPORTAL_BASE_URL")]
    base_url: Option<String>,
    /// Host names per municipality, e.g. "jena=jena.example.org,gera=gera.example.org".
    #[arg(long, env = "REGIOPORTAL_HOSTS")]
    hosts: Option<String>,
    /// Do not seed the demo region into an empty database.
    #[arg(long)]
    no_demo: bool,
    /// Seconds a request may take before it is answered with 408.
    #[arg(long, env = "REGIOPORTAL_REQUEST_TIMEOUT", default_value = "30")]
    request_timeout: String,
    /// Largest request body, e.g. 1MiB.
    #[arg(long, env = "REGIOPORTAL_BODY_LIMIT", default_value = "1MiB")]
    body_limit: String,
    /// Reverse proxies whose X-Forwarded-For header is trusted, e.g. "127.0.0.1,::1".
    #[arg(long, env = "REGIOPORTAL_TRUSTED_PROXIES")]
    trusted_proxies: Option<String>,
    /// Mail relay, smtp://HOST:PORT [default: none, mails are written to <data dir>/outbox/]
    #[arg(long, env = "REGIOPORTAL_SMTP_URL")]
    smtp_url: Option<String>,
    /// Let subscribed feeds be fetched from private and loopback addresses (an intranet);
    /// off by default.
    #[arg(long, env = "REGIOPORTAL_FEEDS_ALLOW_PRIVATE")]
    feeds_allow_private: bool,
    /// Seconds a public page is served from the page cache to visitors without a session
    /// (0 turns the cache off); changes made on this node show at once, others within this time.
    #[arg(long, env = "REGIOPORTAL_PAGE_CACHE", default_value = "1")]
    page_cache: String,
    /// Seconds a signed-in staff session is taken from memory instead of the database (0 turns
    /// it off, at most 10); a session ended on this node ends at once, on another within this time.
    #[arg(long, env = "REGIOPORTAL_SESSION_CACHE", default_value = "1")]
    session_cache: String,
    /// Sender of mails [default: Regioportal <noreply@HOST of the base URL>]
    #[arg(long, env = "REGIOPORTAL_MAIL_FROM")]
    mail_from: Option<String>,
}

#[derive(Debug, Subcommand)]
enum DbCommand {
    /// Apply pending migrations and list the applied ones.
    Migrate,
}

#[derive(Debug, Subcommand)]
enum RegionCommand {
    /// Import a region file (TOML): municipalities, places, legal pages, logos.
    Import {
        /// The region file, e.g. demo/region.toml.
        file: PathBuf,
        /// Only validate the file; change nothing.
        #[arg(long)]
        check: bool,
    },
}

#[derive(Debug, Subcommand)]
enum BenchCommand {
    /// Generate a realistic data set (events in every municipality, a fifth recurring).
    Seed(crate::bench_seed::SeedArgs),
}

#[derive(Debug, Subcommand)]
enum DemoCommand {
    /// Import the demo region of East Thuringia (compiled into the binary).
    Seed,
}

fn init_logging(format: LogFormat) {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn,sea_orm=warn,tower_http=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Text => builder.try_init(),
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
    };
}

/// Runs the command line and maps any failure to one line on stderr.
pub fn main() -> ExitCode {
    let cli = Cli::parse();
    init_logging(cli.global.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // One line, no backtrace: the message already says what to do.
            eprintln!("error: {}", e.to_string().replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}

async fn open(global: &GlobalArgs) -> Result<Store, ConfigError> {
    let data_dir = config::data_dir(&global.data_dir)?;
    let url = config::database_url(global.database_url.as_deref(), &data_dir)?;
    Store::open(&url).await.map_err(|e| ConfigError(e.to_string()))
}

async fn run(cli: Cli) -> Result<(), ConfigError> {
    match cli.command {
        Command::Serve(args) => serve(&cli.global, args).await,
        Command::Db(DbCommand::Migrate) => {
            let store = open(&cli.global).await?;
            let applied = store.applied_migrations().await.map_err(|e| ConfigError(e.to_string()))?;
            say!("database is up to date ({} migrations applied: {})", applied.len(), applied.join(", "));
            Ok(())
        }
        Command::Region(RegionCommand::Import { file, check }) => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| ConfigError(format!("cannot read the region file {}: {e}", file.display())))?;
            let region = Region::from_toml(&text).map_err(|e| ConfigError(format!("{}: {e}", file.display())))?;
            if check {
                say!("{}: valid, {} municipalities", file.display(), region.municipalities.len());
                return Ok(());
            }
            let store = open(&cli.global).await?;
            let dir = file.parent().map(PathBuf::from).unwrap_or_default();
            let report = store
                .import_region(&region, &DirAssets(dir), &regioportal_storage::Actor::cli())
                .await
                .map_err(|e| ConfigError(e.to_string()))?;
            say!("imported {}: {report}", file.display());
            Ok(())
        }
        Command::Routes => {
            for path in regioportal_web::PUBLIC_PAGE_ROUTES {
                say!("{{\"method\":\"GET\",\"path\":{path:?},\"access\":\"public_page\"}}");
            }
            for r in regioportal_web::staff::access_table() {
                say!("{{\"method\":{:?},\"path\":{:?},\"access\":\"{:?}\"}}", r.method.as_str(), r.path, r.access);
            }
            Ok(())
        }
        Command::Users(cmd) => crate::admin::users(&open(&cli.global).await?, cmd).await,
        Command::Tokens(cmd) => crate::admin::tokens(&open(&cli.global).await?, cmd).await,
        Command::Bench(BenchCommand::Seed(args)) => crate::bench_seed::run(&open(&cli.global).await?, args).await,
        Command::Events(cmd) => crate::events_cli::run(&open(&cli.global).await?, cmd).await,
        Command::Services(ServicesCommand::Import { file }) => {
            let text = std::fs::read_to_string(&file)
                .map_err(|e| ConfigError(format!("cannot read {}: {e}", file.display())))?;
            let catalogue = regioportal_domain::services::catalogue::Catalogue::from_toml(&text)
                .map_err(|e| ConfigError(format!("{}: {e}", file.display())))?;
            let store = open(&cli.global).await?;
            let r = store
                .directory()
                .import_catalogue(&catalogue, &regioportal_storage::Actor::cli())
                .await
                .map_err(|e| ConfigError(format!("{}: {e}", file.display())))?;
            say!(
                "imported {}: {} services new, {} changed; {} life situations changed; {} offices; {} responsibilities; {} local parts",
                file.display(),
                r.services_created,
                r.services_updated,
                r.life_situations,
                r.offices,
                r.responsibilities,
                r.locals
            );
            Ok(())
        }
        Command::Demo(DemoCommand::Seed) => {
            let store = open(&cli.global).await?;
            let report = demo::seed(&store).await.map_err(|e| ConfigError(e.to_string()))?;
            let events = demo::seed_events(&store, regioportal_web::events::today())
                .await
                .map_err(|e| ConfigError(e.to_string()))?;
            let files = file_store(&cli.global)?;
            let (services, forms) =
                demo::seed_services(&store, &files).await.map_err(|e| ConfigError(e.to_string()))?;
            say!(
                "demo region imported: {report}; {events} demo events; {} services new, {} changed, {} offices, {forms} new demo forms",
                services.services_created,
                services.services_updated,
                services.offices
            );
            Ok(())
        }
    }
}

/// The file store under the data folder.
fn file_store(global: &GlobalArgs) -> Result<regioportal_storage::DiskStore, ConfigError> {
    let data_dir = config::data_dir(&global.data_dir)?;
    regioportal_storage::DiskStore::new(data_dir.join("files")).map_err(|e| ConfigError(e.to_string()))
}

async fn serve(global: &GlobalArgs, args: ServeArgs) -> Result<(), ConfigError> {
    // Validate all configuration before touching the network or the database.
    let data_dir = config::data_dir(&global.data_dir)?;
    let url = config::database_url(global.database_url.as_deref(), &data_dir)?;
    let listen = config::listen(&args.listen)?;
    let hosts = config::hosts(args.hosts.as_deref())?;
    let request_timeout = config::seconds("REGIOPORTAL_REQUEST_TIMEOUT", &args.request_timeout)?;
    let body_limit = config::size("REGIOPORTAL_BODY_LIMIT", &args.body_limit)?;
    let page_cache_ttl = config::page_cache("REGIOPORTAL_PAGE_CACHE", &args.page_cache)?;
    let session_cache_ttl = config::session_cache("REGIOPORTAL_SESSION_CACHE", &args.session_cache)?;
    let smtp = match args.smtp_url.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(url) => Some(regioportal_web::mail::SmtpRelay::parse(url).map_err(ConfigError)?),
        None => None,
    };
    let trusted_proxies = config::ip_list("REGIOPORTAL_TRUSTED_PROXIES", args.trusted_proxies.as_deref())?;
    let listener = server::bind(listen).await?;
    let addr = listener.local_addr().map_err(|e| ConfigError(e.to_string()))?;
    let base_url = config::base_url(args.base_url.as_deref(), addr)?;

    let store = Store::open(&url).await.map_err(|e| ConfigError(e.to_string()))?;
    if !args.no_demo && store.municipalities().is_empty().await.map_err(|e| ConfigError(e.to_string()))? {
        let report = demo::seed(&store).await.map_err(|e| ConfigError(e.to_string()))?;
        let events = demo::seed_events(&store, regioportal_web::events::today())
            .await
            .map_err(|e| ConfigError(e.to_string()))?;
        let files =
            regioportal_storage::DiskStore::new(data_dir.join("files")).map_err(|e| ConfigError(e.to_string()))?;
        let (services, forms) = demo::seed_services(&store, &files).await.map_err(|e| ConfigError(e.to_string()))?;
        tracing::info!(%report, events, services = services.services_created, forms, "empty database: demo region, events and services seeded");
    }
    let host =
        base_url.as_str().split_once("://").map_or("localhost", |(_, h)| h).split(':').next().unwrap_or("localhost");
    let mail = regioportal_web::mail::MailConfig {
        smtp,
        from: args.mail_from.unwrap_or_else(|| format!("Regioportal <noreply@{host}>")),
        data_dir: data_dir.clone(),
    };
    let config = WebConfig {
        allow_private_feeds: args.feeds_allow_private,
        base_url: base_url.clone(),
        hosts,
        request_timeout,
        body_limit,
        data_dir,
        mail,
        trusted_proxies,
        sessions: regioportal_storage::SessionPolicy::default(),
        page_cache_ttl,
        session_cache_ttl,
    };
    let running = server::start(listener, store.clone(), config, true)?;
    tracing::info!(address = %addr, url = %base_url.as_str(), database = %url.redacted(), "serving");
    let result = running.wait().await;
    let _ = store.close().await;
    result.map_err(|e| ConfigError(format!("the server stopped with an error: {e}")))?;
    tracing::info!("stopped");
    Ok(())
}
