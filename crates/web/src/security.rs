//! Security headers on every response, and host-name mapping before routing.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Uri, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::AppState;

/// No inline script or style anywhere: templates link `/static` files only.
const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; \
connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'";

/// A response extension: this page may be shown in a frame of the given origins (the event
/// widget on a municipality's own website). Every other page refuses to be framed.
#[derive(Debug, Clone)]
pub struct Embeddable(pub Vec<String>);

/// Adds the security headers.
pub async fn headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let embed = res.extensions_mut().remove::<Embeddable>();
    let h = res.headers_mut();
    match embed {
        None => {
            h.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP));
            h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
        }
        Some(Embeddable(origins)) => {
            let ancestors = std::iter::once("'self'".to_owned())
                .chain(
                    origins.into_iter().filter(|o| o.bytes().all(|b| b.is_ascii_graphic() && b != b';' && b != b',')),
                )
                .collect::<Vec<_>>()
                .join(" ");
            let csp = CSP.replace("frame-ancestors 'none'", &format!("frame-ancestors {ancestors}"));
            if let Ok(v) = HeaderValue::from_str(&csp) {
                h.insert(header::CONTENT_SECURITY_POLICY, v);
            }
        }
    }
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("strict-origin-when-cross-origin"));
    h.insert("cross-origin-opener-policy", HeaderValue::from_static("same-origin"));
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), interest-cohort=()"),
    );
    if state.config.base_url.is_https() {
        h.insert(header::STRICT_TRANSPORT_SECURITY, HeaderValue::from_static("max-age=31536000; includeSubDomains"));
    }
    res
}

/// Refuses state-changing requests from other sites (CSRF, first line): `Sec-Fetch-Site` or
/// `Origin` must name this portal. API requests authenticate with a bearer token, which a
/// browser never attaches by itself, so they are not subject to this check.
pub async fn same_origin(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let method = req.method().as_str().to_owned();
    if !req.uri().path().starts_with("/api/") {
        let h = req.headers();
        let origin = h.get(header::ORIGIN).and_then(|v| v.to_str().ok());
        let site = h.get("sec-fetch-site").and_then(|v| v.to_str().ok());
        let base = state.config.base_url.as_str();
        let mut ok = regioportal_domain::auth::same_origin_request(&method, origin, site, base).is_ok();
        if !ok {
            // A municipality's own host name is this portal too.
            let scheme = if state.config.base_url.is_https() { "https" } else { "http" };
            ok = origin.and_then(|o| o.split_once("://").map(|(s, h)| (s == scheme, h.to_owned()))).is_some_and(
                |(same_scheme, host)| {
                    same_scheme
                        && state.config.hosts.slug_for_host(&host).is_some()
                        && site.is_none_or(|s| s == "same-origin" || s == "same-site")
                },
            );
        }
        if !ok {
            tracing::warn!(%method, path = %req.uri().path(), ?origin, ?site, "cross-site request refused");
            return axum::response::IntoResponse::into_response(crate::error::AppError::Csrf);
        }
    }
    next.run(req).await
}

/// Paths that are the same on every host (not prefixed with the municipality).
fn is_global(path: &str) -> bool {
    ["/static/", "/api/", "/healthz", "/readyz", "/metrics", "/openapi.json", "/sitemap.xml", "/robots.txt"]
        .iter()
        .any(|p| path == p.trim_end_matches('/') || path.starts_with(p))
}

/// The path a request to a municipality's own host name is routed to: `jena.example.org/x`
/// serves `/jena/x`; paths that already carry the slug or are global stay as they are.
pub(crate) fn mapped_path(slug: &str, path: &str) -> Option<String> {
    let own = format!("/{slug}");
    if is_global(path) || path == own || path.starts_with(&format!("{own}/")) {
        return None;
    }
    Some(if path == "/" { own } else { format!("{own}{path}") })
}

fn rewrite(state: &AppState, mut req: Request) -> Request {
    if state.config.hosts.is_empty() {
        return req;
    }
    let host = req.headers().get(header::HOST).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let Some(slug) = state.config.hosts.slug_for_host(host) else { return req };
    if let Some(path) = mapped_path(slug.as_str(), req.uri().path()) {
        let pq = match req.uri().query() {
            Some(q) => format!("{path}?{q}"),
            None => path,
        };
        if let Ok(uri) = pq.parse::<Uri>() {
            *req.uri_mut() = uri;
        }
    }
    req
}

/// The request mapper that applies host names before routing.
pub(crate) fn host_mapper(state: AppState) -> impl Fn(Request) -> Request + Clone + Send + Sync + 'static {
    move |req| rewrite(&state, req)
}

#[cfg(test)]
mod tests {
    use super::mapped_path;

    #[test]
    fn host_paths() {
        assert_eq!(mapped_path("jena", "/").as_deref(), Some("/jena"));
        assert_eq!(mapped_path("jena", "/impressum").as_deref(), Some("/jena/impressum"));
        assert_eq!(mapped_path("jena", "/jena/impressum"), None);
        assert_eq!(mapped_path("jena", "/jena"), None);
        assert_eq!(mapped_path("jena", "/jenaer"), Some("/jena/jenaer".to_owned()));
        assert_eq!(mapped_path("jena", "/static/regioportal.css"), None);
        assert_eq!(mapped_path("jena", "/api/v1/municipalities"), None);
    }
}
