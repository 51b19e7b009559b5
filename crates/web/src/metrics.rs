//! Prometheus metrics: requests and latency by matched route, and the database pool.
//! Written by hand (a few counters) rather than pulling in a metrics framework.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::Method;
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
    /// By matched route, then method: looked up by `&str` without allocating, because every
    /// request records here (a cached page costs about 30 µs in all).
    routes: Mutex<HashMap<String, Vec<MethodStats>>>,
}

#[derive(Debug, Clone)]
struct MethodStats {
    method: Method,
    statuses: Vec<(u16, u64)>,
    latency: Histogram,
}

impl Metrics {
    fn record(&self, method: &Method, route: &str, status: u16, seconds: f64) {
        let Ok(mut routes) = self.routes.lock() else { return };
        let methods = match routes.get_mut(route) {
            Some(m) => m,
            None => routes.entry(route.to_owned()).or_default(),
        };
        let stats = match methods.iter().position(|m| m.method == method) {
            Some(i) => &mut methods[i],
            None => {
                methods.push(MethodStats {
                    method: method.clone(),
                    statuses: Vec::new(),
                    latency: Histogram::default(),
                });
                methods.last_mut().expect("just pushed")
            }
        };
        match stats.statuses.iter_mut().find(|(s, _)| *s == status) {
            Some((_, n)) => *n += 1,
            None => stats.statuses.push((status, 1)),
        }
        let h = &mut stats.latency;
        for (i, le) in BUCKETS.iter().enumerate() {
            if seconds <= *le {
                h.buckets[i] += 1;
            }
        }
        h.count += 1;
        h.sum += seconds;
    }

    /// Every (method, route) with its statistics, sorted like the text format wants them.
    fn sorted(&self) -> BTreeMap<(String, String), MethodStats> {
        let Ok(routes) = self.routes.lock() else { return BTreeMap::new() };
        routes
            .iter()
            .flat_map(|(route, ms)| ms.iter().map(move |m| ((m.method.to_string(), route.clone()), m.clone())))
            .collect()
    }

    /// The metrics in the Prometheus text format.
    pub fn render(&self, pool: regioportal_storage::PoolStats, backend: &str) -> String {
        let mut out = String::new();
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        out.push_str("# HELP regioportal_http_requests_total HTTP requests by method, matched route and status.\n");
        out.push_str("# TYPE regioportal_http_requests_total counter\n");
        let all = self.sorted();
        let requests: BTreeMap<(&str, &str, u16), u64> = all
            .iter()
            .flat_map(|((m, route), st)| st.statuses.iter().map(move |(s, n)| ((m.as_str(), route.as_str(), *s), *n)))
            .collect();
        for ((m, route, status), n) in &requests {
            let _ = writeln!(
                out,
                "regioportal_http_requests_total{{method=\"{m}\",route=\"{}\",status=\"{status}\"}} {n}",
                esc(route)
            );
        }
        out.push_str(
            "# HELP regioportal_http_request_duration_seconds Time to answer a request, by method and matched route.\n",
        );
        out.push_str("# TYPE regioportal_http_request_duration_seconds histogram\n");
        for ((m, route), st) in &all {
            let h = &st.latency;
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
    let method = req.method().clone();
    let route = req.extensions().get::<MatchedPath>().cloned();
    let res = next.run(req).await;
    let route = route.as_ref().map_or("unmatched", MatchedPath::as_str);
    state.metrics.record(&method, route, res.status().as_u16(), start.elapsed().as_secs_f64());
    res
}
