//! HTML pages and the static assets they link.

use askama::Template;
use axum::extract::{MatchedPath, Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use regioportal_domain::region::Contact;
use regioportal_domain::{LegalPageKind, Locale, MunicipalityKind, Slug};
use regioportal_storage::{MunicipalityRecord, Owner, PlaceRecord};

use crate::chrome::{Chrome, RegionInfo, cached_region, region_info};
use crate::ctx::RequestCtx;
use crate::error::{AppError, FieldError, Rendered};
use crate::{AppState, markdown};

/// The design system's stylesheet, compiled in.
pub(crate) const STYLESHEET: &str = include_str!("../../../static/css/regioportal.css");
const FAVICON: &str = include_str!("../../../static/favicon.svg");

fn render(t: &impl Template) -> Result<Response, AppError> {
    let body = t.render().map_err(AppError::internal)?;
    Ok(Html(body).into_response())
}

/// A municipality in a list.
pub(crate) struct MunicipalityLink {
    name: String,
    href: String,
    kind_label: String,
}

struct CountyGroup {
    name: String,
    towns: Vec<MunicipalityLink>,
}

#[derive(Template)]
#[template(path = "region_home.html")]
struct RegionHome<'a> {
    chrome: Chrome<'a>,
    region_name: String,
    top_level: Vec<MunicipalityLink>,
    counties: Vec<CountyGroup>,
}

fn link(state: &AppState, locale: Locale, m: &MunicipalityRecord) -> MunicipalityLink {
    MunicipalityLink {
        name: m.name.clone(),
        href: format!("/{}", m.slug()),
        kind_label: state.i18n.tr(locale).get(m.kind.label_key()),
    }
}

/// `/`: the region's home page.
pub async fn region_home(State(state): State<AppState>, ctx: RequestCtx) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let (region, all) = (&snap.region, &snap.municipalities);
    let title = state.i18n.tr(ctx.locale).get("nav-home");
    let top_level =
        all.iter().filter(|m| m.kind != MunicipalityKind::Town).map(|m| link(&state, ctx.locale, m)).collect();
    let counties = all
        .iter()
        .filter(|m| m.kind == MunicipalityKind::County)
        .map(|c| CountyGroup {
            name: c.name.clone(),
            towns: all
                .iter()
                .filter(|m| m.parent.as_ref() == Some(c.slug()))
                .map(|m| link(&state, ctx.locale, m))
                .collect(),
        })
        .filter(|g| !g.towns.is_empty())
        .collect();
    render(&RegionHome {
        region_name: region.name_in(ctx.locale).to_owned(),
        chrome: Chrome::region(&state, &ctx, region, title),
        top_level,
        counties,
    })
}

async fn municipality(state: &AppState, slug: &str) -> Result<MunicipalityRecord, AppError> {
    // A string that cannot be a slug cannot name a municipality: 404 without a query.
    if Slug::parse(slug).is_err() {
        return Err(AppError::NotFound);
    }
    state.directory.get(&state.store).await?.by_slug(slug).cloned().ok_or(AppError::NotFound)
}

#[derive(Template)]
#[template(path = "municipality_home.html")]
struct MunicipalityHome<'a> {
    events_href: String,
    chrome: Chrome<'a>,
    name: String,
    kind_label: String,
    parent: Option<MunicipalityLink>,
    towns: Vec<MunicipalityLink>,
    contact: Contact,
    phone_uri: String,
    phone_display: String,
    website: Option<String>,
    places: Vec<PlaceRecord>,
    ags: String,
    ars: String,
}

fn tel_uri(phone: &str) -> String {
    phone.chars().enumerate().filter(|&(i, c)| c.is_ascii_digit() || (i == 0 && c == '+')).map(|(_, c)| c).collect()
}

/// `/{municipality}`: a municipality's home page.
pub async fn municipality_home(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let m = municipality(&state, &slug).await?;
    let region = &snap.region;
    let parent = m.parent.as_ref().and_then(|p| snap.by_slug(p.as_str())).map(|p| link(&state, ctx.locale, p));
    let towns = if m.kind == MunicipalityKind::County {
        snap.municipalities
            .iter()
            .filter(|t| t.parent.as_ref() == Some(m.slug()))
            .map(|t| link(&state, ctx.locale, t))
            .collect()
    } else {
        vec![]
    };
    let places = state.store.places().list(m.scope()).await?;
    let t = state.i18n.tr(ctx.locale);
    render(&MunicipalityHome {
        events_href: format!("/{}/veranstaltungen", m.slug()),
        kind_label: t.get(m.kind.label_key()),
        name: m.name.clone(),
        parent,
        towns,
        phone_uri: m.contact.phone.as_deref().map(tel_uri).unwrap_or_default(),
        // A phone number must not wrap: no-break spaces and a non-breaking hyphen.
        phone_display: m.contact.phone.as_deref().unwrap_or_default().replace(' ', "\u{a0}").replace('-', "\u{2011}"),
        contact: m.contact.clone(),
        website: m.website.clone(),
        places,
        ags: m.ags.as_str().to_owned(),
        ars: m.ars.as_str().to_owned(),
        chrome: Chrome::municipality(&state, &ctx, region, &m, m.name.clone()),
    })
}

#[derive(Template)]
#[template(path = "legal_page.html")]
struct LegalPageView<'a> {
    chrome: Chrome<'a>,
    owner_name: String,
    body_html: Option<String>,
    only_german: bool,
    updated: Option<String>,
    fallback_href: String,
}

fn kind_of(path: &MatchedPath) -> Result<LegalPageKind, AppError> {
    path.as_str().rsplit('/').next().and_then(LegalPageKind::from_slug).ok_or(AppError::NotFound)
}

fn format_date(locale: Locale, d: chrono::DateTime<chrono::Utc>) -> String {
    match locale {
        Locale::De => d.format("%d.%m.%Y").to_string(),
        Locale::En => d.format("%-d %B %Y").to_string(),
    }
}

async fn legal(
    state: &AppState,
    ctx: &RequestCtx,
    region: &RegionInfo,
    owner: Owner<'_>,
    kind: LegalPageKind,
    chrome: Chrome<'_>,
    owner_name: String,
) -> Result<Response, AppError> {
    let page = state.store.legal_pages().get(owner, kind, ctx.locale).await?;
    let _ = region;
    render(&LegalPageView {
        only_german: page.as_ref().is_some_and(|p| p.locale != ctx.locale),
        updated: page.as_ref().map(|p| format_date(ctx.locale, p.updated_at)),
        body_html: page.map(|p| markdown::render(&p.body)),
        fallback_href: format!("/{}", kind.slug()),
        owner_name,
        chrome,
    })
}

/// `/impressum` etc.: the region's legal pages.
pub async fn region_legal(
    State(state): State<AppState>,
    ctx: RequestCtx,
    path: MatchedPath,
) -> Result<Response, AppError> {
    let kind = kind_of(&path)?;
    let region = region_info(&state).await?;
    let title = state.i18n.tr(ctx.locale).get(kind.title_key());
    let chrome = Chrome::region(&state, &ctx, &region, title);
    let owner_name = chrome.site_name.clone();
    legal(&state, &ctx, &region, Owner::Region, kind, chrome, owner_name).await
}

/// `/{municipality}/impressum` etc.: a municipality's legal pages.
pub async fn municipality_legal(
    State(state): State<AppState>,
    ctx: RequestCtx,
    path: MatchedPath,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let kind = kind_of(&path)?;
    let m = municipality(&state, &slug).await?;
    let region = region_info(&state).await?;
    let title = state.i18n.tr(ctx.locale).get(kind.title_key());
    let chrome = Chrome::municipality(&state, &ctx, &region, &m, title);
    legal(&state, &ctx, &region, Owner::Municipality(m.scope()), kind, chrome, m.name.clone()).await
}

fn cached(body: impl IntoResponse, content_type: &'static str, max_age: u32) -> Response {
    let mut res = body.into_response();
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(v) = HeaderValue::from_str(&format!("public, max-age={max_age}")) {
        h.insert(header::CACHE_CONTROL, v);
    }
    res
}

/// `/{municipality}/theme.css`: the brand colour, darkened until white text on it passes AA.
pub async fn theme_css(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, AppError> {
    let m = municipality(&state, &slug).await?;
    let css = format!(":root {{ --rp-brand: {}; --rp-brand-text: #ffffff; }}\n", m.theme_colour.on_white_text());
    // Versioned by the municipality's last change in the URL, so a long max-age is safe.
    Ok(cached(css, "text/css; charset=utf-8", 86_400))
}

/// `/{municipality}/logo`.
pub async fn logo(State(state): State<AppState>, Path(slug): Path<String>) -> Result<Response, AppError> {
    let m = municipality(&state, &slug).await?;
    let (ct, bytes) = state.store.municipalities().logo(m.scope()).await?.ok_or(AppError::NotFound)?;
    let ct: &'static str = if ct == "image/png" { "image/png" } else { "image/svg+xml" };
    Ok(cached(bytes, ct, 86_400))
}

/// `/static/regioportal.css`.
pub async fn stylesheet() -> Response {
    cached(STYLESHEET, "text/css; charset=utf-8", 31_536_000)
}

/// `/static/favicon.svg`.
pub async fn favicon() -> Response {
    cached(FAVICON, "image/svg+xml", 86_400)
}

/// `/robots.txt`.
pub async fn robots(State(state): State<AppState>) -> Response {
    let body = format!(
        "User-agent: *\nDisallow: /api/\nDisallow: /verwaltung\nSitemap: {}/sitemap.xml\n",
        state.config.base_url.as_str()
    );
    cached(body, "text/plain; charset=utf-8", 3600)
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

/// `/sitemap.xml`: every public page, derived from the route table, with its English version.
pub async fn sitemap(State(state): State<AppState>) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let all = &snap.municipalities;
    let base = state.config.base_url.as_str();
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\" xmlns:xhtml=\"http://www.w3.org/1999/xhtml\">\n",
    );
    let mut paths = Vec::new();
    let catalog = state.services.get(&state.store, &snap).await?;
    for route in crate::PUBLIC_PAGE_ROUTES {
        let mut instances = vec![(*route).to_owned()];
        // Parameters other than the municipality expand to the directory's entries.
        if route.contains("{service}") {
            instances = catalog.services.iter().map(|s| route.replace("{service}", s.slug.as_str())).collect();
        }
        if route.contains("{life_situation}") {
            instances =
                catalog.life_situations.iter().map(|l| route.replace("{life_situation}", l.slug.as_str())).collect();
        }
        // Every service and life situation has a version per municipality too; the sitemap
        // lists those that differ in substance: services with a local part of the municipality,
        // and the top-level life situations its Bürgerservice page links to.
        if route.starts_with("/{municipality}/") && route.contains("{service}") {
            for (mid, sid) in catalog.locals.keys() {
                if let (Some(m), Some(svc)) =
                    (all.iter().find(|m| m.scope().raw_id() == *mid), catalog.service_by_id(*sid))
                {
                    paths.push(format!("/{}/buergerservice/leistungen/{}", m.slug(), svc.slug));
                }
            }
            continue;
        }
        if route.starts_with("/{municipality}/") && route.contains("{life_situation}") {
            instances = catalog
                .life_situations
                .iter()
                .filter(|l| l.parent_id.is_none())
                .map(|l| route.replace("{life_situation}", l.slug.as_str()))
                .collect();
        }
        for i in instances {
            if i.contains("{office}") {
                paths.extend(
                    catalog.offices.values().map(|o| format!("/{}/buergerservice/aemter/{}", o.municipality, o.slug)),
                );
            } else if i.contains("{municipality}") {
                paths.extend(all.iter().map(|m| i.replace("{municipality}", m.slug().as_str())));
            } else {
                paths.push(i);
            }
        }
    }
    paths.sort();
    paths.dedup();
    for p in paths {
        let loc = xml_escape(&format!("{base}{p}"));
        out.push_str(&format!(
            "<url><loc>{loc}</loc><xhtml:link rel=\"alternate\" hreflang=\"de\" href=\"{loc}\"/><xhtml:link rel=\"alternate\" hreflang=\"en\" href=\"{loc}?lang=en\"/></url>\n"
        ));
    }
    out.push_str("</urlset>\n");
    Ok(cached(out, "application/xml; charset=utf-8", 3600))
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorView<'a> {
    chrome: Chrome<'a>,
    body: String,
    detail: Option<String>,
    field_errors: Vec<String>,
    request_id: Option<String>,
}

/// An error page inside the layout. Uses only cached data, so it renders with the database away.
pub(crate) async fn error_page(
    state: &AppState,
    ctx: &RequestCtx,
    status: StatusCode,
    detail: Option<String>,
    fields: &[FieldError],
    request_id: &str,
) -> Response {
    let region = cached_region(state);
    let t = state.i18n.tr(ctx.locale);
    let code = match status.as_u16() {
        c @ (400 | 403 | 404 | 405 | 408 | 413 | 422 | 429 | 503) => c,
        c if c >= 500 => 500,
        _ => 400,
    };
    let title = t.get(&format!("error-title-{code}"));
    let body = t.get(match code {
        403 => "error-body-403",
        404 => "error-body-404",
        429 => "error-body-429",
        500 => "error-body-500",
        _ => "error-body-generic",
    });
    // Details are English sentences for API clients; pages show them only where they explain
    // a malformed request the user can fix.
    let detail = detail.filter(|_| matches!(code, 400 | 413 | 422));
    let view = ErrorView {
        chrome: Chrome::region(state, ctx, &region, title),
        body,
        detail,
        field_errors: fields.iter().map(|f| format!("{}: {}", f.field, f.message)).collect(),
        request_id: (status.is_server_error() && !request_id.is_empty()).then(|| request_id.to_owned()),
    };
    let html = view.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "the error page itself failed to render");
        String::from("<!DOCTYPE html><html lang=\"de\"><head><meta charset=\"utf-8\"><title>Fehler</title></head><body><h1>Fehler</h1></body></html>")
    });
    let mut res = (status, Html(html)).into_response();
    res.extensions_mut().insert(Rendered);
    res
}
