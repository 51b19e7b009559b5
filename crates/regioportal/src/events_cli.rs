//! `regioportal events …`: importing iCalendar files into a municipality's calendar.

use std::io::{IsTerminal as _, Write as _};
use std::path::PathBuf;

use clap::Subcommand;
use regioportal_domain::events::EventStatus;
use regioportal_storage::{Actor, ImportOptions, MAX_IMPORT_BYTES, Outcome, Store, import_ics};

use crate::config::ConfigError;

/// The events calendar.
#[derive(Debug, Subcommand)]
pub enum EventsCommand {
    /// Import an iCalendar (.ics) file or feed; events with a known UID are updated, never
    /// duplicated.
    Import {
        /// The file ("-" reads standard input), or the feed's address (https://, http:// or
        /// webcal://).
        file: PathBuf,
        /// The municipality where the events take place (its slug, e.g. gera).
        #[arg(long)]
        municipality: String,
        /// Publish new events directly (a trusted source) instead of leaving them pending for
        /// the municipality's moderators.
        #[arg(long)]
        publish: bool,
        /// Print a line for every event, not only for skipped ones.
        #[arg(long)]
        verbose: bool,
    },
}

fn read_input(file: &PathBuf) -> Result<String, ConfigError> {
    let mut bytes = Vec::new();
    let limit = u64::try_from(MAX_IMPORT_BYTES).unwrap_or(u64::MAX) + 1;
    let result = if file.as_os_str() == "-" {
        std::io::Read::read_to_end(&mut std::io::Read::take(std::io::stdin(), limit), &mut bytes)
    } else {
        std::fs::File::open(file)
            .and_then(|f| std::io::Read::read_to_end(&mut std::io::Read::take(f, limit), &mut bytes))
    };
    result.map_err(|e| ConfigError(format!("cannot read {}: {e}", file.display())))?;
    if bytes.len() > MAX_IMPORT_BYTES {
        return Err(ConfigError(format!(
            "{} is larger than {} MiB: split it, or import the feed of a shorter period",
            file.display(),
            MAX_IMPORT_BYTES / 1024 / 1024
        )));
    }
    String::from_utf8(bytes).map_err(|_| {
        ConfigError(format!(
            "{} is not UTF-8 text: iCalendar files are UTF-8 (RFC 5545); convert it first",
            file.display()
        ))
    })
}

/// Whether the argument is a feed's address rather than a file.
fn is_url(s: &str) -> bool {
    let lower = s.get(..10).unwrap_or(s).to_ascii_lowercase();
    ["http://", "https://", "webcal://"].iter().any(|p| lower.starts_with(p))
}

/// Runs an events command.
pub async fn run(store: &Store, cmd: EventsCommand) -> Result<(), ConfigError> {
    let EventsCommand::Import { file, municipality, publish, verbose } = cmd;
    let text = match file.to_str().filter(|f| is_url(f)) {
        // The operator runs the CLI: addresses in the internal network are allowed, unlike
        // the subscriptions staff add in the browser.
        Some(url) => regioportal_web::fetch::fetch_ics(url, true)
            .await
            .map_err(|e| ConfigError(format!("cannot import {url}: {e}")))?,
        None => read_input(&file)?,
    };
    let m = store.municipalities().by_slug(&municipality).await.map_err(|e| ConfigError(e.to_string()))?.ok_or_else(
        || ConfigError(format!("{municipality:?} is not a municipality: see GET /api/v1/municipalities")),
    )?;
    let status = if publish { EventStatus::Published } else { EventStatus::Pending };
    let bar = std::io::stderr().is_terminal();
    let options = ImportOptions { status_if_new: status, feed: None };
    let report = import_ics(store.events(), m.scope(), &text, options, &Actor::cli(), |done, total| {
        if bar && (done % 50 == 0 || done == total) {
            let width = 30;
            let filled = (done * width).checked_div(total).unwrap_or(width);
            eprint!("\r[{}{}] {done}/{total}", "#".repeat(filled), " ".repeat(width - filled));
            let _ = std::io::stderr().flush();
            if done == total {
                eprintln!();
            }
        }
    })
    .await
    .map_err(|e| ConfigError(e.to_string()))?;
    for l in &report.lines {
        let name = l.title.as_deref().unwrap_or("(no title)");
        let uid = l.uid.as_deref().unwrap_or("(no UID)");
        let at = if l.line > 0 { format!("line {}: ", l.line) } else { String::new() };
        match &l.outcome {
            Outcome::Skipped(why) => say!("skipped {at}{name:?} ({uid}): {why}"),
            o if verbose => say!("{} {name:?} ({uid})", format!("{o:?}").to_lowercase()),
            _ => {}
        }
    }
    let (c, u, n, s) = report.counts();
    say!(
        "{}: {c} created, {u} updated, {n} unchanged, {s} skipped ({} as {})",
        file.display(),
        m.slug(),
        status.as_str()
    );
    Ok(())
}
