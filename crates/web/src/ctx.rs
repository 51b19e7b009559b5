//! What every handler and the error renderer know about the request: language, request id,
//! path. The language comes from `?lang=` (a linkable choice), then the `lang` cookie that
//! remembers it, else German. `Accept-Language` is deliberately not used: a German public body
//! speaks German first, and a URL shows the same page to everyone (and every cache).

use axum::extract::{FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Uri, header};
use axum::middleware::Next;
use axum::response::Response;
use regioportal_domain::Locale;

use crate::AppState;

/// The request facts the pages need.
#[derive(Debug, Clone)]
pub struct RequestCtx {
    /// The chosen language.
    pub locale: Locale,
    /// Whether the language was chosen explicitly with `?lang=`.
    pub lang_in_query: bool,
    /// The request id (`x-request-id`).
    pub request_id: Option<String>,
    /// The path as routed (after host mapping).
    pub path: String,
    /// The raw query string.
    pub query: Option<String>,
    /// The `Accept` header.
    pub accept: Option<String>,
}

fn query_lang(uri: &Uri) -> Option<Locale> {
    uri.query()?.split('&').find_map(|kv| kv.strip_prefix("lang=")).and_then(Locale::from_tag)
}

fn cookie_lang(headers: &HeaderMap) -> Option<Locale> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix("lang="))
        .and_then(Locale::from_tag)
}

impl RequestCtx {
    fn build(uri: &Uri, headers: &HeaderMap) -> Self {
        let from_query = query_lang(uri);
        let locale = from_query.or_else(|| cookie_lang(headers)).unwrap_or_default();
        Self {
            locale,
            lang_in_query: from_query.is_some(),
            request_id: headers.get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned),
            path: uri.path().to_owned(),
            query: uri.query().map(str::to_owned),
            accept: headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).map(str::to_owned),
        }
    }

    /// Reads the context from a request.
    pub fn from_request(req: &Request) -> Self {
        Self::build(req.uri(), req.headers())
    }

    /// The current URL with `lang` set to `locale` (other query parameters kept).
    pub fn href_in(&self, locale: Locale) -> String {
        let mut params: Vec<&str> = self
            .query
            .as_deref()
            .unwrap_or("")
            .split('&')
            .filter(|kv| !kv.is_empty() && !kv.starts_with("lang="))
            .collect();
        let lang = format!("lang={}", locale.tag());
        params.push(&lang);
        format!("{}?{}", self.path, params.join("&"))
    }
}

impl<S: Send + Sync> FromRequestParts<S> for RequestCtx {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(Self::build(&parts.uri, &parts.headers))
    }
}

/// The request id a response carries.
pub fn request_id(res: &Response) -> Option<String> {
    res.headers().get("x-request-id").and_then(|v| v.to_str().ok()).map(str::to_owned)
}

/// Remembers an explicit `?lang=` choice in a cookie, so the next pages keep the language.
pub async fn remember_language(
    axum::extract::State(state): axum::extract::State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let chosen = query_lang(req.uri()).filter(|l| cookie_lang(req.headers()) != Some(*l));
    let mut res = next.run(req).await;
    if let Some(locale) = chosen {
        let secure = if state.config.base_url.is_https() { "; Secure" } else { "" };
        let cookie = format!("lang={}; Path=/; Max-Age=31536000; SameSite=Lax{secure}", locale.tag());
        if let Ok(v) = HeaderValue::from_str(&cookie) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    res.headers_mut().append(header::VARY, HeaderValue::from_static("Cookie"));
    res
}
