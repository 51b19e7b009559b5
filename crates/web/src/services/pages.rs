//! The Bürgerservice pages, for the region (`/buergerservice/…`) and per municipality
//! (`/{municipality}/buergerservice/…`). Everything works without JavaScript: the
//! Zuständigkeitsfinder is a GET form, its suggestions a `<datalist>`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, header};
use axum::response::{Html, IntoResponse, Response};
use chrono::{NaiveDate, Utc};
use regioportal_domain::Locale;
use regioportal_domain::services::hours::{DayHours, DayReason, OpenStatus, hhmm};
use regioportal_domain::services::{Fee, LegalRef, ServiceContent};
use regioportal_storage::{MunicipalityRecord, OfficeRecord, ServiceRecord};
use serde::Deserialize;

use super::{Answer, Catalog, FEDERAL_PORTAL, Whereabouts, answer, citizen_of, file_label, form_href, whereabouts};
use crate::AppState;
use crate::chrome::{Chrome, Link};
use crate::ctx::RequestCtx;
use crate::directory::Snapshot;
use crate::error::AppError;
use crate::events::format::{long_date, weekday};
use crate::staff::encode_query;

/// The cookie that remembers the citizen's place.
pub const PLACE_COOKIE: &str = "rp_ort";

fn render(t: &impl Template) -> Result<Response, AppError> {
    Ok(Html(t.render().map_err(AppError::internal)?).into_response())
}

/// A link with a line of text under it.
pub struct Item {
    /// Visible text.
    pub label: String,
    /// Target.
    pub href: String,
    /// A line under it, may be empty.
    pub text: String,
}

/// Services under one initial letter.
pub struct Letter {
    /// "A".
    pub letter: String,
    /// Anchor id.
    pub id: String,
    /// The services.
    pub items: Vec<Item>,
}

fn prefix(m: Option<&MunicipalityRecord>) -> String {
    m.map(|m| format!("/{}", m.slug())).unwrap_or_default()
}

/// The URL of a service page in a municipality (or the region).
pub fn service_href(m: Option<&MunicipalityRecord>, s: &ServiceRecord) -> String {
    format!("{}/buergerservice/leistungen/{}", prefix(m), s.slug)
}

/// The URL of an office page.
pub fn office_href(o: &OfficeRecord) -> String {
    format!("/{}/buergerservice/aemter/{}", o.municipality, o.slug)
}

fn letters(services: &[&ServiceRecord], m: Option<&MunicipalityRecord>, catalog: &Catalog) -> Vec<Letter> {
    let mut out: Vec<Letter> = Vec::new();
    for s in services {
        let content = catalog.content_in(s, m);
        let first: String = content
            .name
            .chars()
            .next()
            .map(|c| match c.to_uppercase().next().unwrap_or(c) {
                'Ä' => 'A',
                'Ö' => 'O',
                'Ü' => 'U',
                c => c,
            })
            .map(String::from)
            .unwrap_or_default();
        let item = Item { label: content.name.clone(), href: service_href(m, s), text: content.summary.clone() };
        match out.iter_mut().find(|l| l.letter == first) {
            Some(l) => l.items.push(item),
            None => {
                out.push(Letter { id: format!("buchstabe-{}", first.to_lowercase()), letter: first, items: vec![item] })
            }
        }
    }
    out.sort_by(|a, b| a.letter.cmp(&b.letter));
    for l in &mut out {
        l.items.sort_by_key(|i| i.label.to_lowercase());
    }
    out
}

#[derive(Template)]
#[template(path = "services/home.html")]
struct HomeView<'a> {
    chrome: Chrome<'a>,
    search_action: String,
    municipality_name: Option<String>,
    life: Vec<Item>,
    letters: Vec<Letter>,
    offices: Vec<Item>,
}

async fn loaded(state: &AppState) -> Result<(std::sync::Arc<Snapshot>, std::sync::Arc<Catalog>), AppError> {
    let snap = state.directory.get(&state.store).await?;
    let catalog = state.services.get(&state.store, &snap).await?;
    Ok((snap, catalog))
}

fn municipality<'s>(snap: &'s Snapshot, slug: &str) -> Result<&'s MunicipalityRecord, AppError> {
    snap.by_slug(slug).ok_or(AppError::NotFound)
}

fn chrome<'a>(
    state: &'a AppState,
    ctx: &RequestCtx,
    snap: &Snapshot,
    m: Option<&MunicipalityRecord>,
    title: String,
    trail: &[(String, String)],
) -> Chrome<'a> {
    let mut c = match m {
        Some(m) => Chrome::municipality(state, ctx, &snap.region, m, title),
        None => Chrome::region(state, ctx, &snap.region, title),
    };
    for (label, href) in trail {
        if *href != ctx.path {
            c.breadcrumbs.push(Link { label: label.clone(), href: href.clone(), current: false });
        }
    }
    c
}

fn home_trail(state: &AppState, ctx: &RequestCtx, m: Option<&MunicipalityRecord>) -> (String, String) {
    (state.i18n.tr(ctx.locale).get("services-title"), format!("{}/buergerservice", prefix(m)))
}

/// `GET /buergerservice`.
pub async fn region_home(State(state): State<AppState>, ctx: RequestCtx) -> Result<Response, AppError> {
    home(state, ctx, None).await
}

/// `GET /{municipality}/buergerservice`.
pub async fn municipality_home(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    home(state, ctx, Some(slug)).await
}

async fn home(state: AppState, ctx: RequestCtx, slug: Option<String>) -> Result<Response, AppError> {
    let (snap, catalog) = loaded(&state).await?;
    let m = slug.as_deref().map(|s| municipality(&snap, s)).transpose()?;
    let t = state.i18n.tr(ctx.locale);
    let base = prefix(m);
    let life = catalog
        .life_situations
        .iter()
        .filter(|l| l.parent_id.is_none())
        .map(|l| Item {
            label: life_name(l, ctx.locale).to_owned(),
            href: format!("{base}/buergerservice/lebenslagen/{}", l.slug),
            text: l.summary.clone(),
        })
        .collect();
    let all: Vec<&ServiceRecord> = catalog.services.iter().collect();
    let offices = m
        .map(|m| {
            catalog
                .offices_of(m)
                .into_iter()
                .map(|o| Item { label: o.name.clone(), href: office_href(o), text: one_line_address(o) })
                .collect()
        })
        .unwrap_or_default();
    let view = HomeView {
        chrome: chrome(&state, &ctx, &snap, m, t.get("services-title"), &[]),
        search_action: format!("{base}/buergerservice/suche"),
        municipality_name: m.map(|m| m.name.clone()),
        life,
        letters: letters(&all, m, &catalog),
        offices,
    };
    render(&view)
}

fn life_name(l: &regioportal_storage::LifeSituationRecord, locale: Locale) -> &str {
    match (locale, &l.name_en) {
        (Locale::En, Some(en)) => en,
        _ => &l.name,
    }
}

fn one_line_address(o: &OfficeRecord) -> String {
    [o.street.as_str(), &format!("{} {}", o.postcode, o.city)]
        .iter()
        .map(|s| s.trim())
        .filter(|s| !s.is_empty())
        .collect::<Vec<_>>()
        .join(", ")
}

#[derive(Template)]
#[template(path = "services/life_situation.html")]
struct LifeView<'a> {
    chrome: Chrome<'a>,
    name: String,
    summary: String,
    children: Vec<Item>,
    services: Vec<Item>,
}

/// `GET /buergerservice/lebenslagen/{slug}`.
pub async fn region_life(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path(life): Path<String>,
) -> Result<Response, AppError> {
    life_page(state, ctx, None, life).await
}

/// `GET /{municipality}/buergerservice/lebenslagen/{slug}`.
pub async fn municipality_life(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, life)): Path<(String, String)>,
) -> Result<Response, AppError> {
    life_page(state, ctx, Some(slug), life).await
}

async fn life_page(state: AppState, ctx: RequestCtx, slug: Option<String>, life: String) -> Result<Response, AppError> {
    let (snap, catalog) = loaded(&state).await?;
    let m = slug.as_deref().map(|s| municipality(&snap, s)).transpose()?;
    let l = catalog.life_situation(&life).ok_or(AppError::NotFound)?;
    let base = prefix(m);
    let mut trail = vec![home_trail(&state, &ctx, m)];
    if let Some(parent) = l.parent_id.and_then(|p| catalog.life_situations.iter().find(|x| x.id == p)) {
        trail.push((
            life_name(parent, ctx.locale).to_owned(),
            format!("{base}/buergerservice/lebenslagen/{}", parent.slug),
        ));
    }
    let children = catalog
        .life_situations
        .iter()
        .filter(|c| c.parent_id == Some(l.id))
        .map(|c| Item {
            label: life_name(c, ctx.locale).to_owned(),
            href: format!("{base}/buergerservice/lebenslagen/{}", c.slug),
            text: c.summary.clone(),
        })
        .collect();
    let mut services: Vec<Item> = catalog
        .services_of(l.id)
        .into_iter()
        .map(|s| {
            let c = catalog.content_in(s, m);
            Item { label: c.name, href: service_href(m, s), text: c.summary }
        })
        .collect();
    services.sort_by_key(|i| i.label.to_lowercase());
    let name = life_name(l, ctx.locale).to_owned();
    let view = LifeView {
        chrome: chrome(&state, &ctx, &snap, m, name.clone(), &trail),
        name,
        summary: l.summary.clone(),
        children,
        services,
    };
    render(&view)
}

/// The query of a service page.
#[derive(Debug, Default, Deserialize)]
pub struct ServiceParams {
    /// What the citizen typed into "Where do I go?".
    ort: Option<String>,
    /// "1": forget the remembered place and ask again.
    aendern: Option<String>,
}

/// A fee as the page shows it.
pub struct FeeLine {
    /// "37,00 €".
    pub amount: String,
    /// When it applies.
    pub note: String,
}

fn fee_lines(fees: &[Fee], locale: Locale) -> Vec<FeeLine> {
    fees.iter()
        .map(|f| FeeLine {
            amount: if locale == Locale::En { f.amount_en() } else { f.amount_de() },
            note: f.note.clone(),
        })
        .collect()
}

/// A day of the week's opening hours.
pub struct DayLine {
    /// "Montag, 7. Dezember 2026".
    pub day: String,
    /// "08:00–12:00, 13:00–18:00" or "geschlossen".
    pub hours: String,
    /// Holiday or exception note.
    pub note: String,
    /// Whether it is today.
    pub today: bool,
}

/// A contact as shown.
pub struct ContactLine {
    /// The function.
    pub function: String,
    /// The name, when it may be shown.
    pub name: Option<String>,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Room.
    pub room: String,
    /// Hours.
    pub hours: String,
}

/// A form download link.
pub struct FormLink {
    /// Title.
    pub title: String,
    /// URL.
    pub href: String,
    /// "PDF, 240 KB".
    pub format: String,
    /// Version and validity.
    pub version: String,
    /// Whether the form is in another language than the page.
    pub hreflang: Option<String>,
}

/// The office's hours: today's status and the week.
pub struct HoursView {
    /// Whether open right now.
    pub open: bool,
    /// "Jetzt geöffnet bis 12:00" / "Geschlossen. Öffnet Montag, 08:00".
    pub status: String,
    /// The next seven days.
    pub week: Vec<DayLine>,
}

/// The answer as the page shows it.
pub struct AnswerView {
    /// Heading: "Für Schmölln zuständig".
    pub heading: String,
    /// Office name.
    pub office: String,
    /// Office page.
    pub office_href: String,
    /// The office's municipality.
    pub office_municipality: String,
    /// Address lines.
    pub address: Vec<String>,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Appointment booking.
    pub appointment_url: String,
    /// Accessibility of the building.
    pub accessibility: String,
    /// Hours.
    pub hours: HoursView,
    /// Contacts.
    pub contacts: Vec<ContactLine>,
    /// Fees as they apply there.
    pub fees: Vec<FeeLine>,
    /// Fee note.
    pub fee_note: String,
    /// Forms.
    pub forms: Vec<FormLink>,
    /// Local note.
    pub note: Option<String>,
    /// Online service there.
    pub online_url: String,
}

/// The finder block on a service page.
pub struct FinderView {
    /// Form action.
    pub action: String,
    /// The input's value.
    pub value: String,
    /// Place names for the datalist.
    pub places: Vec<String>,
    /// The answer, if the place is known and an office covers it.
    pub answer: Option<AnswerView>,
    /// Choices when the input was ambiguous.
    pub choices: Vec<Item>,
    /// A message (not found, outside, no office).
    pub message: Option<String>,
    /// Suggestions for a place not found.
    pub suggestions: Vec<Item>,
    /// A link to the federal portal (outside the region).
    pub federal: Option<String>,
    /// Whether the citizen's place is known (then the form is folded behind "change").
    pub known: bool,
    /// The link that asks again.
    pub change_href: String,
}

pub(crate) fn hours_view(
    o: &OfficeRecord,
    status: &OpenStatus,
    week: &[(NaiveDate, DayHours)],
    t: &crate::i18n::Tr<'_>,
) -> HoursView {
    let locale = t.locale;
    let today = Utc::now().with_timezone(&super::ZONE).date_naive();
    let (open, status) = match status {
        OpenStatus::Open { until } => (true, t.get1("office-open-until", "time", &hhmm(until))),
        OpenStatus::Closed { opens: Some(at) } => {
            let day = at.date();
            let when = if day == today {
                hhmm(&at.time())
            } else if Some(day) == today.succ_opt() {
                format!("{} {}", t.get("office-tomorrow"), hhmm(&at.time()))
            } else {
                format!("{} {}", weekday(day, locale), hhmm(&at.time()))
            };
            (false, t.get1("office-closed-opens", "when", &when))
        }
        OpenStatus::Closed { opens: None } => (false, t.get("office-closed")),
    };
    let _ = o;
    let week = week
        .iter()
        .map(|(d, h)| DayLine {
            day: long_date(*d, locale),
            hours: if h.intervals.is_empty() {
                t.get("office-day-closed")
            } else {
                h.intervals
                    .iter()
                    .map(|i| format!("{}–{}", hhmm(&i.open), hhmm(&i.close)))
                    .collect::<Vec<_>>()
                    .join(", ")
            },
            note: match &h.reason {
                DayReason::Regular => String::new(),
                DayReason::Holiday(hol) => if locale == Locale::En { hol.name_en } else { hol.name_de }.to_owned(),
                DayReason::Exception(note) => note.clone(),
            },
            today: *d == today,
        })
        .collect();
    HoursView { open, status, week }
}

fn contact_lines(contacts: &[&regioportal_storage::ContactRecord]) -> Vec<ContactLine> {
    contacts
        .iter()
        .map(|c| ContactLine {
            function: c.function.clone(),
            name: (c.show_name && !c.name.is_empty()).then(|| c.name.clone()),
            phone: c.phone.clone(),
            email: c.email.clone(),
            room: c.room.clone(),
            hours: c.hours.clone(),
        })
        .collect()
}

pub(crate) fn form_links(forms: &[&regioportal_storage::FormRecord], locale: Locale) -> Vec<FormLink> {
    forms
        .iter()
        .map(|f| FormLink {
            title: f.title.clone(),
            href: form_href(f),
            format: file_label(f.size),
            version: [
                f.version.clone(),
                f.valid_from.map(|d| crate::events::format::short_date(d, locale)).unwrap_or_default(),
            ]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(", "),
            hreflang: (f.language != locale.tag()).then(|| f.language.clone()),
        })
        .collect()
}

fn answer_view(a: &Answer<'_>, t: &crate::i18n::Tr<'_>) -> AnswerView {
    let o = a.office;
    AnswerView {
        heading: t.get1("finder-for", "place", &a.citizen_municipality.name),
        office: o.name.clone(),
        office_href: office_href(o),
        office_municipality: a.office_municipality.name.clone(),
        address: [o.street.clone(), format!("{} {}", o.postcode, o.city).trim().to_owned()]
            .into_iter()
            .filter(|s| !s.is_empty())
            .collect(),
        phone: o.phone.clone(),
        email: o.email.clone(),
        appointment_url: o.appointment_url.clone(),
        accessibility: o.accessibility.clone(),
        hours: hours_view(o, &a.status, &a.week, t),
        contacts: contact_lines(&a.contacts),
        fees: fee_lines(&a.content.fees, t.locale),
        fee_note: a.content.fee_note.clone(),
        forms: form_links(&a.forms, t.locale),
        note: a.note.map(str::to_owned),
        online_url: a.content.online_url.clone(),
    }
}

#[derive(Template)]
#[template(path = "services/service.html")]
struct ServiceView<'a> {
    chrome: Chrome<'a>,
    json_ld: String,
    content: ServiceContent,
    leika: Option<String>,
    description_html: String,
    audience_html: String,
    prerequisites_html: String,
    procedure_html: String,
    fees: Vec<FeeLine>,
    legal: Vec<LegalRef>,
    finder: FinderView,
    related: Vec<Item>,
    life: Vec<Item>,
    archive: Vec<FormLink>,
}

/// `GET /buergerservice/leistungen/{slug}`.
pub async fn region_service(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    Path(service): Path<String>,
    Query(p): Query<ServiceParams>,
) -> Result<Response, AppError> {
    service_page(state, ctx, headers, None, service, p).await
}

/// `GET /{municipality}/buergerservice/leistungen/{slug}`.
pub async fn municipality_service(
    State(state): State<AppState>,
    ctx: RequestCtx,
    headers: HeaderMap,
    Path((slug, service)): Path<(String, String)>,
    Query(p): Query<ServiceParams>,
) -> Result<Response, AppError> {
    service_page(state, ctx, headers, Some(slug), service, p).await
}

pub(crate) fn remembered_place(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|c| c.trim().strip_prefix(PLACE_COOKIE).and_then(|r| r.strip_prefix('=')))
        .map(decode_cookie)
        .filter(|v| !v.trim().is_empty())
}

fn decode_cookie(v: &str) -> String {
    let bytes = v.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && i + 2 < bytes.len()
            && let Ok(b) = u8::from_str_radix(std::str::from_utf8(&bytes[i + 1..i + 3]).unwrap_or("zz"), 16)
        {
            out.push(b);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The finder's outcome for one service: resolved from what was typed, what was remembered, or
/// the municipality whose pages these are.
pub(crate) struct Resolved<'a> {
    pub(crate) input: String,
    pub(crate) whereabouts: Whereabouts,
    pub(crate) from_context: bool,
    pub(crate) _m: Option<&'a MunicipalityRecord>,
}

pub(crate) fn resolve_input<'a>(
    catalog: &Catalog,
    snap: &'a Snapshot,
    m: Option<&'a MunicipalityRecord>,
    typed: Option<&str>,
    remembered: Option<String>,
) -> Resolved<'a> {
    if let Some(t) = typed.filter(|t| !t.trim().is_empty()) {
        return Resolved {
            input: t.trim().to_owned(),
            whereabouts: whereabouts(catalog, snap, t),
            from_context: false,
            _m: m,
        };
    }
    // On a town's or city's own pages its citizens are meant; a county's pages serve many
    // municipalities, so there the remembered place (or a question) decides.
    if let Some(m) = m.filter(|m| m.kind != regioportal_domain::MunicipalityKind::County) {
        return Resolved {
            input: m.name.clone(),
            whereabouts: Whereabouts::Known(citizen_of(m)),
            from_context: true,
            _m: Some(m),
        };
    }
    if let Some(r) = remembered {
        return Resolved { whereabouts: whereabouts(catalog, snap, &r), input: r, from_context: false, _m: m };
    }
    Resolved { input: String::new(), whereabouts: Whereabouts::Unknown, from_context: false, _m: m }
}

async fn service_page(
    state: AppState,
    ctx: RequestCtx,
    headers: HeaderMap,
    slug: Option<String>,
    service: String,
    p: ServiceParams,
) -> Result<Response, AppError> {
    let (snap, catalog) = loaded(&state).await?;
    let m = slug.as_deref().map(|s| municipality(&snap, s)).transpose()?;
    let s = catalog.service(&service).ok_or(AppError::NotFound)?;
    let t = state.i18n.tr(ctx.locale);
    let asking_again = p.aendern.is_some();
    let remembered = if asking_again { None } else { remembered_place(&headers) };
    let resolved = resolve_input(&catalog, &snap, m, if asking_again { None } else { p.ort.as_deref() }, remembered);
    let here = service_href(m, s);
    let mut finder = FinderView {
        action: here.clone(),
        value: if resolved.from_context { String::new() } else { resolved.input.clone() },
        places: place_names(&catalog),
        answer: None,
        choices: Vec::new(),
        message: None,
        suggestions: Vec::new(),
        federal: None,
        known: false,
        change_href: format!("{here}?aendern=1"),
    };
    let choice_href = |e: &regioportal_domain::services::PlaceEntry| {
        format!("{here}?ort={}", encode_query(&format!("{} {}", e.postcode.as_str(), e.name)))
    };
    let mut content_owner = m;
    match &resolved.whereabouts {
        Whereabouts::Unknown => {}
        Whereabouts::Known(citizen) => match answer(&catalog, &snap, s, citizen, Utc::now()) {
            Some(a) => {
                finder.known = true;
                content_owner = Some(a.citizen_municipality);
                finder.answer = Some(answer_view(&a, &t));
            }
            None => {
                let name = snap.by_slug(citizen.municipality.as_str()).map(|m| m.name.clone()).unwrap_or_default();
                finder.message = Some(t.get1("finder-no-office", "place", &name));
            }
        },
        Whereabouts::Ambiguous(list) if super::common_answer(&catalog, &snap, s, list, Utc::now()).is_some() => {
            if let Some(a) = super::common_answer(&catalog, &snap, s, list, Utc::now()) {
                finder.known = true;
                content_owner = Some(a.citizen_municipality);
                finder.answer = Some(answer_view(&a, &t));
            }
        }
        Whereabouts::Ambiguous(list) => {
            finder.message = Some(t.get1("finder-ambiguous", "input", &resolved.input));
            finder.choices = list
                .iter()
                .map(|e| Item {
                    label: format!("{} {}", e.postcode.as_str(), e.name),
                    href: choice_href(e),
                    text: snap.by_slug(e.municipality.as_str()).map(|m| m.name.clone()).unwrap_or_default(),
                })
                .collect();
        }
        Whereabouts::Outside(code) => {
            finder.message = Some(t.get1("finder-outside", "postcode", code));
            finder.federal = Some(FEDERAL_PORTAL.to_owned());
        }
        Whereabouts::NotFound { input, suggestions } => {
            finder.message = Some(t.get1("finder-not-found", "input", input));
            finder.suggestions = suggestions
                .iter()
                .map(|e| Item {
                    label: format!("{} {}", e.postcode.as_str(), e.name),
                    href: choice_href(e),
                    text: snap.by_slug(e.municipality.as_str()).map(|m| m.name.clone()).unwrap_or_default(),
                })
                .collect();
            finder.federal = Some(FEDERAL_PORTAL.to_owned());
        }
    }
    let content = catalog.content_in(s, content_owner);
    let base = prefix(m);
    let related = s
        .related
        .iter()
        .filter_map(|id| catalog.service_by_id(*id))
        .map(|r| {
            let c = catalog.content_in(r, m);
            Item { label: c.name, href: service_href(m, r), text: c.summary }
        })
        .collect();
    let life = s
        .life_situations
        .iter()
        .filter_map(|id| catalog.life_situations.iter().find(|l| l.id == *id))
        .map(|l| Item {
            label: life_name(l, ctx.locale).to_owned(),
            href: format!("{base}/buergerservice/lebenslagen/{}", l.slug),
            text: String::new(),
        })
        .collect();
    let archived: Vec<&regioportal_storage::FormRecord> = catalog
        .archived
        .get(&s.id)
        .map(|v| {
            v.iter()
                .filter(|f| {
                    f.municipality.is_none() || content_owner.is_some_and(|m| f.municipality.as_ref() == Some(m.slug()))
                })
                .collect()
        })
        .unwrap_or_default();
    let json_ld = json_ld(&state, s, &content, finder.answer.as_ref(), &here);
    let view_known = finder.known;
    let view = ServiceView {
        chrome: chrome(&state, &ctx, &snap, m, content.name.clone(), &[home_trail(&state, &ctx, m)]),
        json_ld,
        leika: s.leika.as_ref().map(|k| k.as_str().to_owned()),
        description_html: crate::markdown::render(&content.description),
        audience_html: crate::markdown::render(&content.audience),
        prerequisites_html: crate::markdown::render(&content.prerequisites),
        procedure_html: crate::markdown::render(&content.procedure),
        fees: fee_lines(&content.fees, ctx.locale),
        legal: content.legal_basis.clone(),
        content,
        finder,
        related,
        life,
        archive: form_links(&archived, ctx.locale),
    };
    let mut res = render(&view)?;
    // Remember a place the citizen typed and that we understood.
    if let Some(typed) = p.ort.as_deref()
        && view_known
        && !asking_again
    {
        let secure = if state.config.base_url.is_https() { "; Secure" } else { "" };
        let v = format!(
            "{PLACE_COOKIE}={}; Path=/; Max-Age=31536000; SameSite=Lax; HttpOnly{secure}",
            encode_query(typed.trim())
        );
        if let Ok(v) = HeaderValue::from_str(&v) {
            res.headers_mut().append(header::SET_COOKIE, v);
        }
    }
    Ok(res)
}

fn place_names(catalog: &Catalog) -> Vec<String> {
    let mut names: Vec<String> =
        catalog.places.entries().map(|e| format!("{} {}", e.postcode.as_str(), e.name)).collect();
    names.sort();
    names.dedup();
    names
}

/// schema.org GovernmentService as JSON-LD, safe inside `<script>`.
fn json_ld(state: &AppState, s: &ServiceRecord, c: &ServiceContent, a: Option<&AnswerView>, here: &str) -> String {
    let base = state.config.base_url.as_str();
    let mut v = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "GovernmentService",
        "name": c.name,
        "description": c.summary,
        "url": format!("{base}{here}"),
        "serviceType": c.name,
    });
    if let Some(k) = &s.leika {
        v["identifier"] = serde_json::json!({"@type": "PropertyValue", "propertyID": "LeiKa", "value": k.as_str()});
    }
    if let Some(a) = a {
        v["provider"] = serde_json::json!({
            "@type": "GovernmentOffice",
            "name": a.office,
            "url": format!("{base}{}", a.office_href),
            "telephone": a.phone,
            "address": {"@type": "PostalAddress", "streetAddress": a.address.first(), "addressLocality": a.address.get(1)},
        });
    }
    crate::events::pages::safe_json(&v)
}

#[derive(Template)]
#[template(path = "services/office.html")]
struct OfficeView<'a> {
    chrome: Chrome<'a>,
    json_ld: String,
    o: &'a OfficeRecord,
    municipality_name: String,
    hours: HoursView,
    contacts: Vec<ContactLine>,
    closures: Vec<DayLine>,
    services: Vec<Item>,
}

/// `GET /{municipality}/buergerservice/aemter/{office}`.
pub async fn office_page(
    State(state): State<AppState>,
    ctx: RequestCtx,
    Path((slug, office)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (snap, catalog) = loaded(&state).await?;
    let m = municipality(&snap, &slug)?;
    let o = catalog.offices_of(m).into_iter().find(|o| o.slug.as_str() == office).ok_or(AppError::NotFound)?;
    let t = state.i18n.tr(ctx.locale);
    let now = Utc::now().with_timezone(&super::ZONE);
    let status = o.hours.status_at(now);
    let week = o.hours.week_from(now.date_naive());
    // Closures and special days of the next 60 days beyond this week.
    let closures = (7..60)
        .filter_map(|d| now.date_naive().checked_add_days(chrono::Days::new(d)))
        .map(|d| (d, o.hours.on(d)))
        .filter(|(_, h)| !matches!(h.reason, DayReason::Regular))
        .collect::<Vec<_>>();
    let closures = hours_view(o, &status, &closures, &t).week;
    let all: Vec<&regioportal_storage::ContactRecord> = o.contacts.iter().collect();
    let services = catalog
        .services_of_office(o.id)
        .into_iter()
        .map(|s| {
            let c = catalog.content_in(s, Some(m));
            Item { label: c.name, href: service_href(Some(m), s), text: c.summary }
        })
        .collect();
    let base = state.config.base_url.as_str();
    let ld = serde_json::json!({
        "@context": "https://schema.org",
        "@type": "GovernmentOffice",
        "name": o.name,
        "url": format!("{base}{}", office_href(o)),
        "telephone": o.phone,
        "email": o.email,
        "address": {"@type": "PostalAddress", "streetAddress": o.street, "postalCode": o.postcode, "addressLocality": o.city, "addressCountry": "DE"},
        "openingHoursSpecification": opening_spec(o),
    });
    let view = OfficeView {
        chrome: chrome(&state, &ctx, &snap, Some(m), o.name.clone(), &[home_trail(&state, &ctx, Some(m))]),
        json_ld: crate::events::pages::safe_json(&ld),
        o,
        municipality_name: m.name.clone(),
        hours: hours_view(o, &status, &week, &t),
        contacts: contact_lines(&all),
        closures,
        services,
    };
    render(&view)
}

fn opening_spec(o: &OfficeRecord) -> serde_json::Value {
    use chrono::Weekday;
    let days = [
        (Weekday::Mon, "Monday"),
        (Weekday::Tue, "Tuesday"),
        (Weekday::Wed, "Wednesday"),
        (Weekday::Thu, "Thursday"),
        (Weekday::Fri, "Friday"),
        (Weekday::Sat, "Saturday"),
        (Weekday::Sun, "Sunday"),
    ];
    let mut out = Vec::new();
    for (d, name) in days {
        for i in o.hours.weekly.day(d) {
            out.push(serde_json::json!({
                "@type": "OpeningHoursSpecification",
                "dayOfWeek": format!("https://schema.org/{name}"),
                "opens": hhmm(&i.open),
                "closes": hhmm(&i.close),
            }));
        }
    }
    serde_json::Value::Array(out)
}

/// `GET /buergerservice/formulare/{id}/{name}`: a form's PDF.
pub async fn form_download(
    State(state): State<AppState>,
    Path((id, _name)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let id: i64 = id.parse().map_err(|_| AppError::NotFound)?;
    let f = state.store.directory().form(id).await?.ok_or(AppError::NotFound)?;
    let files = state.files.clone();
    let key = f.sha256.clone();
    let bytes = tokio::task::spawn_blocking(move || files.get(&key))
        .await
        .map_err(AppError::internal)??
        .ok_or_else(|| AppError::bug(format!("form {} has no stored file {}", f.id, f.sha256)))?;
    let name: String = form_href(&f).rsplit('/').next().unwrap_or("formular.pdf").to_owned();
    Ok((
        [
            (header::CONTENT_TYPE, "application/pdf".to_owned()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{name}\"")),
            // The bytes behind an id never change (a new version gets a new id).
            (header::CACHE_CONTROL, "public, max-age=86400".to_owned()),
            (header::ETAG, format!("\"{}\"", f.sha256)),
        ],
        bytes,
    )
        .into_response())
}
