//! Prometheus metrics: requests and latency by matched route, and the database pool.
//! Written by hand (a few counters) rather than pulling in a metrics framework.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// Upper bounds of the latency histogram, in seconds.
const BUCKETS: [f64; 12] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0];

#[derive(Debug, Default, Clone)]
struct Histogram {
    buckets: [u64; BUCKETS.len()],
    count: u64,
    sum: f64,
}

/// Request counters and latency histograms.
#[derive(Debug, Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<(String, String), Histogram>>,
}

impl Metrics {
    fn record(&self, method: &str, route: &str, status: u16, seconds: f64) {
        if let Ok(mut r) = self.requests.lock() {
            *r.entry((method.to_owned(), route.to_owned(), status)).or_default() += 1;
        }
        if let Ok(mut l) = self.latency.lock() {
            let h = l.entry((method.to_owned(), route.to_owned())).or_default();
            for (i, le) in BUCKETS.iter().enumerate() {
                if seconds <= *le {
                    h.buckets[i] += 1;
                }
            }
            h.count += 1;
            h.sum += seconds;
        }
    }

    /// The metrics in the Prometheus text format.
    pub fn render(&self, pool: regioportal_storage::PoolStats, backend: &str) -> String {
        let mut out = String::new();
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        out.push_str("# HELP regioportal_http_requests_total HTTP requests by method, matched route and status.\n");
        out.push_str("# TYPE regioportal_http_requests_total counter\n");
        if let Ok(r) = self.requests.lock() {
            for ((m, route, status), n) in r.iter() {
                let _ = writeln!(
                    out,
                    "regioportal_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{status}\"}} {n}",
                    esc(route)
                );
            }
        }
        out.push_str(
            "# HELP regioportal_http_request_duration_seconds Time to answer a request, by method and matched route.\n",
        );
        out.push_str("# TYPE regioportal_http_request_duration_seconds histogram\n");
        if let Ok(l) = self.latency.lock() {
            for ((m, route), h) in l.iter() {
                let route = esc(route);
                for (i, le) in BUCKETS.iter().enumerate() {
                    let _ = writeln!(
                        out,
                        "regioportal_http_request_duration_seconds_bucket{{method=\"{m}\",route=\"{route}\",le=\"{le}\"}} {}",
                        h.buckets[i]
                    );
                }
                let _ = writeln!(
                    out,
                    "regioportal_http_request_duration_seconds_bucket{{method=\"{m}\",route=\"{route}\",le=\"+Inf\"}} {}",
                    h.count
                );
                let _ = writeln!(
                    out,
                    "regioportal_http_request_duration_seconds_sum{{method=\"{m}\",route=\"{route}\"}} {}",
                    h.sum
                );
                let _ = writeln!(
                    out,
                    "regioportal_http_request_duration_seconds_count{{method=\"{m}\",route=\"{route}\"}} {}",
                    h.count
                );
            }
        }
        out.push_str("# HELP regioportal_db_pool_connections Database connections by state.\n");
        out.push_str("# TYPE regioportal_db_pool_connections gauge\n");
        let _ = writeln!(out, "regioportal_db_pool_connections{{backend=\"{backend}\",state=\"open\"}} {}", pool.size);
        let _ = writeln!(out, "regioportal_db_pool_connections{{backend=\"{backend}\",state=\"idle\"}} {}", pool.idle);
        out.push_str("# HELP regioportal_db_pool_max_connections Configured maximum of database connections.\n");
        out.push_str("# TYPE regioportal_db_pool_max_connections gauge\n");
        let _ = writeln!(out, "regioportal_db_pool_max_connections{{backend=\"{backend}\"}} {}", pool.max);
        out.push_str("# HELP regioportal_build_info Version of the running binary.\n");
        out.push_str("# TYPE regioportal_build_info gauge\n");
        let _ = writeln!(out, "regioportal_build_info{{version=\"{}\"}} 1", env!("CARGO_PKG_VERSION"));
        out
    }
}

/// Records each request under its matched route (never the raw path: that would let any
/// client grow the label set without bound).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().to_string();
    let route = req.extensions().get::<MatchedPath>().map_or_else(|| "unmatched".to_owned(), |m| m.as_str().to_owned());
    let res = next.run(req).await;
    state.metrics.record(&method, &route, res.status().as_u16(), start.elapsed().as_secs_f64());
    res
}
