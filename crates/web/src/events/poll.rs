//! Polling subscribed feeds: due feeds are claimed (one node per feed), fetched and imported;
//! the report is kept with the feed for the staff page.

use chrono::Utc;
use regioportal_domain::events::EventStatus;
use regioportal_storage::{Actor, FeedRecord, ImportOptions, Outcome, TenantScope, import_ics};

use crate::AppState;

/// How often the server looks for due feeds.
pub const TICK: std::time::Duration = std::time::Duration::from_secs(60);

/// Fetches and imports one feed; returns the report line kept with it.
pub async fn poll_one(state: &AppState, feed: &FeedRecord, scope: &TenantScope) -> String {
    let text = match crate::fetch::fetch_ics(&feed.url, state.config.allow_private_feeds).await {
        Ok(t) => t,
        Err(e) => return format!("{}: {e}", Utc::now().format("%Y-%m-%d %H:%M UTC")),
    };
    let status = if feed.publish { EventStatus::Published } else { EventStatus::Pending };
    let actor = Actor::system(&format!("feed {} ({})", feed.id, feed.name));
    let options = ImportOptions { status_if_new: status, feed: Some((feed.id, &feed.name)) };
    match import_ics(state.store.events(), scope, &text, options, &actor, |_, _| {}).await {
        Ok(report) => {
            let (c, u, n, s) = report.counts();
            let mut line = format!(
                "{}: {c} created, {u} updated, {n} unchanged, {s} skipped",
                Utc::now().format("%Y-%m-%d %H:%M UTC")
            );
            let w = report.withdrawn();
            if w > 0 {
                line.push_str(&format!(", {w} withdrawn (no longer in the feed)"));
            }
            for l in report.lines.iter().filter(|l| matches!(l.outcome, Outcome::Skipped(_))).take(20) {
                if let Outcome::Skipped(why) = &l.outcome {
                    line.push_str(&format!("\n- {}: {why}", l.title.as_deref().or(l.uid.as_deref()).unwrap_or("?")));
                }
            }
            line
        }
        Err(e) => format!("{}: the import failed: {e}", Utc::now().format("%Y-%m-%d %H:%M UTC")),
    }
}

/// Polls every due feed once.
pub async fn run_due(state: &AppState) {
    let due = match state.store.feeds().claim_due(Utc::now(), None).await {
        Ok(d) => d,
        Err(e) => {
            tracing::warn!(error = %e, "cannot read the feed subscriptions");
            return;
        }
    };
    for (feed, scope) in due {
        let report = poll_one(state, &feed, &scope).await;
        tracing::info!(feed = feed.id, url = %feed.url, %report, "feed polled");
        if let Err(e) = state.store.feeds().report(feed.id, &report).await {
            tracing::warn!(error = %e, "cannot store the feed report");
        }
    }
}
