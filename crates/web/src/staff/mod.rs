//! The staff area under `/verwaltung`: login with second factor, account and sessions, users
//! and roles per municipality, API tokens, and the audit log.
//!
//! Every route is declared together with its [`Access`] rule in [`routes`]; the router is built
//! from that list, and the tenant-isolation test walks the same list, so a route without a rule
//! cannot exist.

use axum::http::Method;
use axum::routing::{MethodRouter, get, post};
use regioportal_domain::Slug;
use regioportal_storage::MunicipalityRecord;

use crate::AppState;
use crate::error::AppError;

mod account;
mod admin;
mod catalogue;
mod event_dates;
mod events;
mod feeds;
pub(crate) mod login;
pub(crate) mod offices;
pub(crate) mod services;
pub mod session;
pub mod session_cache;

pub use session::Staff;

/// Who may use a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (login, password reset): the route itself decides, e.g. by a one-time token.
    Public,
    /// A signed-in person, acting on their own account only.
    OwnAccount,
    /// Administrators of the municipality in the path (`{municipality}`), and platform
    /// administrators.
    ManageMunicipality,
    /// Editors and moderators of the municipality in the path (and platform administrators):
    /// the event list, reviewing, editing and deciding on events.
    ModerateEvents,
    /// Editors of the municipality in the path (and platform administrators): creating and
    /// deleting events.
    EditEvents,
    /// Editors of the municipality in the path (and platform administrators): the
    /// municipality's part of the Bürgerservice — local texts of services, its own forms, its
    /// offices with hours and contacts, and which office is responsible where.
    EditServices,
    /// Region editors (and platform administrators): the regional master texts of the
    /// Bürgerservice and the regional forms.
    EditRegionTexts,
    /// Readers of the audit log: platform administrators (all), municipality administrators
    /// (their municipalities only).
    AuditLog,
}

/// A route of the staff area with its access rule.
#[derive(Debug, Clone)]
pub struct RouteSpec {
    /// HTTP method.
    pub method: Method,
    /// Path pattern (axum syntax).
    pub path: &'static str,
    /// Who may use it.
    pub access: Access,
}

/// Every staff route with its rule and handler.
pub(crate) fn routes() -> Vec<(RouteSpec, MethodRouter<AppState>)> {
    let r = |method: Method, path: &'static str, access: Access, handler: MethodRouter<AppState>| {
        (RouteSpec { method, path, access }, handler)
    };
    vec![
        r(Method::GET, "/verwaltung/anmelden", Access::Public, get(login::form)),
        r(Method::POST, "/verwaltung/anmelden", Access::Public, post(login::submit)),
        r(Method::GET, "/verwaltung/anmelden/zweiter-faktor", Access::Public, get(login::mfa_form)),
        r(Method::POST, "/verwaltung/anmelden/zweiter-faktor", Access::Public, post(login::mfa_submit)),
        r(Method::POST, "/verwaltung/abmelden", Access::OwnAccount, post(login::logout)),
        r(Method::GET, "/verwaltung/passwort-vergessen", Access::Public, get(login::forgot_form)),
        r(Method::POST, "/verwaltung/passwort-vergessen", Access::Public, post(login::forgot_submit)),
        r(Method::GET, "/verwaltung/passwort-setzen/{token}", Access::Public, get(login::reset_form)),
        r(Method::POST, "/verwaltung/passwort-setzen/{token}", Access::Public, post(login::reset_submit)),
        r(Method::GET, "/verwaltung", Access::OwnAccount, get(account::dashboard)),
        r(Method::GET, "/verwaltung/konto", Access::OwnAccount, get(account::account)),
        r(Method::POST, "/verwaltung/konto/passwort", Access::OwnAccount, post(account::change_password)),
        r(
            Method::POST,
            "/verwaltung/konto/sitzungen/alle-beenden",
            Access::OwnAccount,
            post(account::end_all_sessions),
        ),
        r(Method::POST, "/verwaltung/konto/sitzungen/{id}/beenden", Access::OwnAccount, post(account::end_session)),
        r(Method::GET, "/verwaltung/konto/zwei-faktor", Access::OwnAccount, get(account::totp_form)),
        r(Method::POST, "/verwaltung/konto/zwei-faktor", Access::OwnAccount, post(account::totp_submit)),
        r(Method::GET, "/verwaltung/{municipality}/benutzer", Access::ManageMunicipality, get(admin::users)),
        r(Method::POST, "/verwaltung/{municipality}/benutzer", Access::ManageMunicipality, post(admin::add_user)),
        r(
            Method::POST,
            "/verwaltung/{municipality}/benutzer/rollen/entziehen",
            Access::ManageMunicipality,
            post(admin::revoke_role),
        ),
        r(Method::GET, "/verwaltung/{municipality}/zugangsschluessel", Access::ManageMunicipality, get(admin::tokens)),
        r(
            Method::POST,
            "/verwaltung/{municipality}/zugangsschluessel",
            Access::ManageMunicipality,
            post(admin::create_token),
        ),
        r(
            Method::POST,
            "/verwaltung/{municipality}/zugangsschluessel/{id}/widerrufen",
            Access::ManageMunicipality,
            post(admin::revoke_token),
        ),
        r(Method::GET, "/verwaltung/protokoll", Access::AuditLog, get(admin::audit)),
        r(Method::GET, "/verwaltung/{municipality}/veranstaltungen", Access::ModerateEvents, get(events::list)),
        r(Method::POST, "/verwaltung/{municipality}/veranstaltungen", Access::EditEvents, post(events::create)),
        r(Method::GET, "/verwaltung/{municipality}/veranstaltungen/neu", Access::EditEvents, get(events::new_form)),
        r(Method::GET, "/verwaltung/{municipality}/veranstaltungen/abonnements", Access::EditEvents, get(feeds::list)),
        r(Method::POST, "/verwaltung/{municipality}/veranstaltungen/abonnements", Access::EditEvents, post(feeds::add)),
        r(
            Method::POST,
            "/verwaltung/{municipality}/veranstaltungen/abonnements/{id}/abrufen",
            Access::EditEvents,
            post(feeds::poll_now),
        ),
        r(
            Method::POST,
            "/verwaltung/{municipality}/veranstaltungen/abonnements/{id}/entfernen",
            Access::EditEvents,
            post(feeds::remove),
        ),
        r(
            Method::GET,
            "/verwaltung/{municipality}/veranstaltungen/{id}",
            Access::ModerateEvents,
            get(events::edit_form),
        ),
        r(
            Method::POST,
            "/verwaltung/{municipality}/veranstaltungen/{id}",
            Access::ModerateEvents,
            post(events::update),
        ),
        r(
            Method::POST,
            "/verwaltung/{municipality}/veranstaltungen/{id}/entscheidung",
            Access::ModerateEvents,
            post(events::decide),
        ),
        r(
            Method::GET,
            "/verwaltung/{municipality}/veranstaltungen/{id}/termine/{date}",
            Access::ModerateEvents,
            get(event_dates::form),
        ),
        r(
            Method::POST,
            "/verwaltung/{municipality}/veranstaltungen/{id}/termine/{date}",
            Access::ModerateEvents,
            post(event_dates::save),
        ),
        r(
            Method::POST,
            "/verwaltung/{municipality}/veranstaltungen/{id}/bild",
            Access::EditEvents,
            post(events::image),
        ),
        r(
            Method::POST,
            "/verwaltung/{municipality}/veranstaltungen/{id}/loeschen",
            Access::EditEvents,
            post(events::delete),
        ),
        // The Bürgerservice: the region's master texts and forms, then a municipality's part.
        r(Method::GET, "/verwaltung/buergerservice", Access::EditRegionTexts, get(services::region_list)),
        r(Method::POST, "/verwaltung/buergerservice", Access::EditRegionTexts, post(catalogue::create_service)),
        r(Method::GET, "/verwaltung/buergerservice/neu", Access::EditRegionTexts, get(catalogue::new_service)),
        r(Method::GET, "/verwaltung/buergerservice/lebenslagen", Access::EditRegionTexts, get(catalogue::life_list)),
        r(
            Method::POST,
            "/verwaltung/buergerservice/lebenslagen",
            Access::EditRegionTexts,
            post(catalogue::life_create),
        ),
        r(Method::GET, "/verwaltung/buergerservice/lebenslagen/neu", Access::EditRegionTexts, get(catalogue::life_new)),
        r(
            Method::GET,
            "/verwaltung/buergerservice/lebenslagen/{life_slug}",
            Access::EditRegionTexts,
            get(catalogue::life_edit),
        ),
        r(
            Method::POST,
            "/verwaltung/buergerservice/lebenslagen/{life_slug}",
            Access::EditRegionTexts,
            post(catalogue::life_update),
        ),
        r(
            Method::POST,
            "/verwaltung/buergerservice/{service_slug}/einstellen",
            Access::EditRegionTexts,
            post(services::discontinue),
        ),
        r(
            Method::POST,
            "/verwaltung/buergerservice/{service_slug}/wiederherstellen",
            Access::EditRegionTexts,
            post(services::restore),
        ),
        r(
            Method::POST,
            "/verwaltung/buergerservice/{service_slug}/verknuepfungen",
            Access::EditRegionTexts,
            post(catalogue::save_links),
        ),
        r(
            Method::GET,
            "/verwaltung/buergerservice/{service_slug}",
            Access::EditRegionTexts,
            get(services::edit_master),
        ),
        r(
            Method::POST,
            "/verwaltung/buergerservice/{service_slug}",
            Access::EditRegionTexts,
            post(services::save_master),
        ),
        r(
            Method::POST,
            "/verwaltung/buergerservice/{service_slug}/formulare",
            Access::EditRegionTexts,
            post(services::upload_region).layer(axum::extract::DefaultBodyLimit::max(services::UPLOAD_BODY_LIMIT)),
        ),
        r(Method::GET, "/verwaltung/{municipality}/buergerservice", Access::EditServices, get(services::list)),
        r(
            Method::GET,
            "/verwaltung/{municipality}/buergerservice/{service_slug}",
            Access::EditServices,
            get(services::edit_local),
        ),
        r(
            Method::POST,
            "/verwaltung/{municipality}/buergerservice/{service_slug}",
            Access::EditServices,
            post(services::save_local),
        ),
        r(
            Method::POST,
            "/verwaltung/{municipality}/buergerservice/{service_slug}/formulare",
            Access::EditServices,
            post(services::upload_local).layer(axum::extract::DefaultBodyLimit::max(services::UPLOAD_BODY_LIMIT)),
        ),
        r(Method::GET, "/verwaltung/{municipality}/aemter", Access::EditServices, get(offices::list)),
        r(Method::POST, "/verwaltung/{municipality}/aemter", Access::EditServices, post(offices::create)),
        r(Method::GET, "/verwaltung/{municipality}/aemter/neu", Access::EditServices, get(offices::new_form)),
        r(Method::GET, "/verwaltung/{municipality}/aemter/{office}", Access::EditServices, get(offices::edit)),
        r(Method::POST, "/verwaltung/{municipality}/aemter/{office}", Access::EditServices, post(offices::update)),
        r(
            Method::POST,
            "/verwaltung/{municipality}/aemter/{office}/schliessen",
            Access::EditServices,
            post(offices::close),
        ),
        r(
            Method::POST,
            "/verwaltung/{municipality}/aemter/{office}/oeffnen",
            Access::EditServices,
            post(offices::reopen),
        ),
        r(
            Method::GET,
            "/verwaltung/{municipality}/aemter/{office}/ansprechpartner/neu",
            Access::EditServices,
            get(offices::new_contact),
        ),
        r(
            Method::POST,
            "/verwaltung/{municipality}/aemter/{office}/ansprechpartner",
            Access::EditServices,
            post(offices::add_contact),
        ),
        r(
            Method::GET,
            "/verwaltung/{municipality}/aemter/{office}/ansprechpartner/{id}",
            Access::EditServices,
            get(offices::edit_contact),
        ),
        r(
            Method::POST,
            "/verwaltung/{municipality}/aemter/{office}/ansprechpartner/{id}",
            Access::EditServices,
            post(offices::update_contact),
        ),
        r(
            Method::POST,
            "/verwaltung/{municipality}/aemter/{office}/ansprechpartner/{id}/entfernen",
            Access::EditServices,
            post(offices::remove_contact),
        ),
        r(
            Method::GET,
            "/verwaltung/{municipality}/aemter/{office}/zustaendigkeiten/neu",
            Access::EditServices,
            get(offices::new_assignment),
        ),
        r(
            Method::POST,
            "/verwaltung/{municipality}/aemter/{office}/zustaendigkeiten",
            Access::EditServices,
            post(offices::add_assignment),
        ),
        r(
            Method::POST,
            "/verwaltung/{municipality}/aemter/{office}/zustaendigkeiten/{id}/entfernen",
            Access::EditServices,
            post(offices::remove_assignment),
        ),
    ]
}

/// The access table (for tests and documentation).
pub fn access_table() -> Vec<RouteSpec> {
    routes().into_iter().map(|(spec, _)| spec).collect()
}

/// `?done=…` after a redirect: which notice the page shows (each page maps the word to its
/// message).
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct DoneQuery {
    pub(crate) done: Option<String>,
}

/// Field errors of a form, shown in the error summary and at each field.
#[derive(Debug, Clone, Default)]
pub struct FormErrors {
    /// The errors, in field order.
    pub items: Vec<FieldMessage>,
}

/// One field's message.
#[derive(Debug, Clone)]
pub struct FieldMessage {
    /// The field's id (the summary links to it).
    pub field: String,
    /// What is wrong, in the page's language.
    pub message: String,
}

impl FormErrors {
    /// Adds a message for a field.
    pub fn add(&mut self, field: &str, message: String) {
        self.items.push(FieldMessage { field: field.to_owned(), message });
    }
    /// The message of a field.
    pub fn get(&self, field: &str) -> Option<&str> {
        self.items.iter().find(|i| i.field == field).map(|i| i.message.as_str())
    }
    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
}

/// Renders a staff page with its status.
pub(crate) fn render(
    t: &impl askama::Template,
    status: axum::http::StatusCode,
) -> Result<axum::response::Response, AppError> {
    use axum::response::IntoResponse as _;
    Ok((status, axum::response::Html(t.render().map_err(AppError::internal)?)).into_response())
}

/// Region editors (and platform administrators) only.
pub(crate) fn require_region_editor(staff: &Staff) -> Result<(), AppError> {
    if staff.perms.can_edit_region() { Ok(()) } else { Err(AppError::Forbidden) }
}

/// A URL name made from a name ([`Slug::from_name`]), numbered when taken (`-2`, `-3`, …) and
/// never one of the route's own words (`neu`).
pub(crate) fn free_slug(name: &str, taken: &[String], reserved: &[&str]) -> Option<Slug> {
    let stem = Slug::from_name(name)?;
    let base = stem.as_str();
    (1..1000).find_map(|n| {
        let candidate = if n == 1 {
            base.to_owned()
        } else {
            // Room for the number; a cut may end in a hyphen, which a slug cannot.
            format!("{}-{n}", base.get(..58).unwrap_or(base).trim_end_matches('-'))
        };
        if taken.contains(&candidate) || reserved.contains(&candidate.as_str()) {
            return None;
        }
        Slug::parse(&candidate).ok()
    })
}

/// Percent-encodes a query value.
pub fn encode_query(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// The municipality of a staff path, after checking that the person may manage it: 403 when
/// they may not (the public pages list every municipality anyway, so 403 reveals nothing and is
/// clearer for an editor who followed a wrong link), 404 when there is no such municipality.
pub(crate) async fn managed_municipality(
    state: &AppState,
    staff: &Staff,
    slug: &str,
) -> Result<MunicipalityRecord, AppError> {
    let slug = Slug::parse(slug).map_err(|_| AppError::NotFound)?;
    let m = state.directory.get(&state.store).await?.by_slug(slug.as_str()).cloned().ok_or(AppError::NotFound)?;
    if !staff.perms.can_manage_users(&slug) {
        return Err(AppError::Forbidden);
    }
    Ok(m)
}

/// Formats an instant for staff pages in the region's time (Europe/Berlin).
pub(crate) fn local_time(at: chrono::DateTime<chrono::Utc>) -> String {
    at.with_timezone(&chrono_tz::Europe::Berlin).format("%d.%m.%Y %H:%M").to_string()
}
