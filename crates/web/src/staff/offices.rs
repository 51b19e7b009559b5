//! A municipality's offices in the staff area: address, accessibility and structured opening
//! hours (with a preview of the computed week and the coming closures), the contacts, and the
//! responsibilities — which office performs which service for which area. This is what the
//! Zuständigkeitsfinder answers from.
//!
//! One form per page (the GOV.UK pattern): the office, a contact, a new responsibility.
//! Every handler checks the editor's right for the municipality in the path before it reads a
//! body, and every storage call takes the municipality's scope, so an office of another
//! municipality is not found.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use chrono::Utc;
use regioportal_domain::services::office::{AreaForm, ContactForm, OfficeForm, area_values_text};
use regioportal_domain::services::{Area, FieldProblem};
use regioportal_domain::{MunicipalityKind, Slug};
use regioportal_storage::{ContactInput, ContactRecord, MunicipalityRecord, OfficeRecord};
use serde::Deserialize;

use super::events::{Need, events_municipality};
use super::render;
use super::session::HtmlForm;
use super::{DoneQuery, FormErrors, Staff};
use crate::AppState;
use crate::chrome::{Chrome, region_info};
use crate::ctx::RequestCtx;
use crate::error::AppError;
use crate::i18n::Tr;
use crate::services::pages::{HoursView, hours_view, office_href};

fn base(m: &MunicipalityRecord) -> String {
    format!("/verwaltung/{}/aemter", m.slug())
}

/// One text field of a form, rendered by `staff/_field.html`.
pub(crate) struct Field {
    pub(crate) id: String,
    pub(crate) name: &'static str,
    pub(crate) label: String,
    pub(crate) hint: String,
    pub(crate) value: String,
    pub(crate) error: Option<String>,
    /// `text`, `email`, `tel`, `url` or `textarea`.
    pub(crate) input: &'static str,
    pub(crate) rows: u32,
}

impl Field {
    /// A field; `input` is `text`, `email`, `tel`, `url` or `textarea` (with `rows`).
    #[expect(clippy::too_many_arguments, reason = "a plain constructor of the template's fields")]
    pub(crate) fn new(
        id: &str,
        name: &'static str,
        label: String,
        hint: String,
        value: String,
        error: Option<String>,
        input: &'static str,
        rows: u32,
    ) -> Self {
        Self { id: id.to_owned(), name, label, hint, value, error, input, rows }
    }

    /// The ids of the hint and the error, for `aria-describedby`.
    pub(crate) fn described_by(&self) -> String {
        let mut ids = Vec::new();
        if !self.hint.is_empty() {
            ids.push(format!("{}-hint", self.id));
        }
        if self.error.is_some() {
            ids.push(format!("{}-error", self.id));
        }
        ids.join(" ")
    }
}

fn done_notice(t: &Tr<'_>, done: Option<&str>) -> Option<String> {
    Some(t.get(match done? {
        "gespeichert" => "staff-offices-saved",
        "angelegt" => "staff-offices-created",
        "ansprechpartner" => "staff-offices-contact-saved",
        "entfernt" => "staff-offices-contact-removed",
        "zustaendigkeit" => "staff-offices-assignment-saved",
        "zustaendigkeit-entfernt" => "staff-offices-assignment-removed",
        "geschlossen" => "staff-offices-closed-notice",
        "geoeffnet" => "staff-offices-reopened-notice",
        _ => return None,
    }))
}

/// A problem in the page's language: the field, what is wrong, and the detail that says what
/// to change.
fn message(t: &Tr<'_>, label: &str, p: &FieldProblem) -> String {
    format!("{label}: {} ({})", t.get(&format!("staff-offices-{}", p.code)), p.detail)
}

async fn office_of(state: &AppState, m: &MunicipalityRecord, slug: &str) -> Result<OfficeRecord, AppError> {
    state.store.directory().office(m.scope(), slug).await?.ok_or(AppError::NotFound)
}

// ---- the list --------------------------------------------------------------------------------

struct OfficeRow {
    name: String,
    href: String,
    address: String,
    contacts: usize,
    services: usize,
    closed: bool,
}

#[derive(Template)]
#[template(path = "staff/offices.html")]
struct ListView<'a> {
    chrome: Chrome<'a>,
    caption: String,
    notice: Option<String>,
    rows: Vec<OfficeRow>,
    new_href: String,
    services_href: String,
}

/// `GET /verwaltung/{municipality}/aemter`: the municipality's offices.
pub(crate) async fn list(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let dir = state.store.directory();
    let offices = dir.offices(m.scope()).await?;
    let mut rows = Vec::with_capacity(offices.len());
    for o in &offices {
        rows.push(OfficeRow {
            name: o.name.clone(),
            href: format!("{}/{}", base(&m), o.slug),
            address: [o.street.as_str(), &format!("{} {}", o.postcode, o.city)]
                .iter()
                .map(|s| s.trim())
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(", "),
            contacts: o.contacts.len(),
            services: dir.services_of_office(o.id).await?.len(),
            closed: o.archived_at.is_some(),
        });
    }
    // Closed offices after the open ones.
    rows.sort_by_key(|r| r.closed);
    let t = state.i18n.tr(ctx.locale);
    let region = region_info(&state).await?;
    let view = ListView {
        chrome: Chrome::staff(&state, &ctx, &region, t.get("staff-offices"), Some(&staff)),
        caption: m.name.clone(),
        notice: None,
        rows,
        new_href: format!("{}/neu", base(&m)),
        services_href: format!("/verwaltung/{}/buergerservice", m.slug()),
    };
    render(&view, StatusCode::OK)
}

// ---- an office -------------------------------------------------------------------------------

/// The office form as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct OfficeBody {
    csrf: String,
    name: String,
    street: String,
    postcode: String,
    city: String,
    accessibility: String,
    phone: String,
    email: String,
    appointment_url: String,
    website: String,
    weekly: String,
    exceptions: String,
    open_on_holidays: Option<String>,
}

impl OfficeBody {
    fn form(&self) -> OfficeForm {
        OfficeForm {
            name: self.name.clone(),
            street: self.street.clone(),
            postcode: self.postcode.clone(),
            city: self.city.clone(),
            accessibility: self.accessibility.clone(),
            phone: self.phone.clone(),
            email: self.email.clone(),
            appointment_url: self.appointment_url.clone(),
            website: self.website.clone(),
            weekly: self.weekly.clone(),
            exceptions: self.exceptions.clone(),
            open_on_holidays: self.open_on_holidays.is_some(),
        }
    }
}

fn stored_form(o: &OfficeRecord) -> OfficeForm {
    OfficeForm {
        name: o.name.clone(),
        street: o.street.clone(),
        postcode: o.postcode.clone(),
        city: o.city.clone(),
        accessibility: o.accessibility.clone(),
        phone: o.phone.clone(),
        email: o.email.clone(),
        appointment_url: o.appointment_url.clone(),
        website: o.website.clone(),
        weekly: o.hours.weekly.to_text(),
        exceptions: o.hours.exceptions.iter().map(|e| e.to_text()).collect::<Vec<_>>().join("\n"),
        open_on_holidays: o.hours.open_on_holidays,
    }
}

const OFFICE_FIELDS: [(&str, &str, u32); 11] = [
    ("name", "text", 0),
    ("street", "text", 0),
    ("postcode", "text", 0),
    ("city", "text", 0),
    ("phone", "tel", 0),
    ("email", "email", 0),
    ("website", "url", 0),
    ("appointment_url", "url", 0),
    ("accessibility", "textarea", 4),
    ("weekly", "textarea", 6),
    ("exceptions", "textarea", 6),
];

fn office_label(t: &Tr<'_>, name: &str) -> String {
    t.get(&format!("staff-offices-field-{}", name.replace('_', "-")))
}

fn office_fields(t: &Tr<'_>, f: &OfficeForm, errors: &FormErrors) -> Vec<Field> {
    OFFICE_FIELDS
        .into_iter()
        .map(|(name, input, rows)| {
            let id = format!("office-{}", name.replace('_', "-"));
            let value = match name {
                "name" => &f.name,
                "street" => &f.street,
                "postcode" => &f.postcode,
                "city" => &f.city,
                "phone" => &f.phone,
                "email" => &f.email,
                "website" => &f.website,
                "appointment_url" => &f.appointment_url,
                "accessibility" => &f.accessibility,
                "weekly" => &f.weekly,
                _ => &f.exceptions,
            };
            let hint = match name {
                "accessibility" | "weekly" | "exceptions" | "appointment_url" | "website" => {
                    t.get(&format!("staff-offices-hint-{}", name.replace('_', "-")))
                }
                _ => String::new(),
            };
            Field {
                error: errors.get(&id).map(str::to_owned),
                id,
                name,
                label: office_label(t, name),
                hint,
                value: value.clone(),
                input,
                rows,
            }
        })
        .collect()
}

fn office_errors(t: &Tr<'_>, problems: &[FieldProblem]) -> FormErrors {
    let mut errors = FormErrors::default();
    for p in problems {
        errors.add(&format!("office-{}", p.field.replace('_', "-")), message(t, &office_label(t, &p.field), p));
    }
    errors
}

struct ContactRow {
    function: String,
    name: String,
    shown: bool,
    phone: String,
    email: String,
    room: String,
    edit_href: String,
    remove_action: String,
}

struct AssignmentRow {
    service: String,
    service_href: String,
    area: String,
    remove_action: String,
}

/// What only an existing office shows: the computed hours, contacts and assignments.
struct Existing {
    /// Since when it is closed ("5.12.2026"), if it is.
    closed_since: Option<String>,
    /// The other open offices of the municipality, as (id, name): who can take over.
    successors: Vec<(i64, String)>,
    close_action: String,
    reopen_action: String,
    public_href: String,
    hours: HoursView,
    closures: HoursView,
    contacts: Vec<ContactRow>,
    new_contact_href: String,
    assignments: Vec<AssignmentRow>,
    new_assignment_href: String,
}

#[derive(Template)]
#[template(path = "staff/office_edit.html")]
struct OfficeView<'a> {
    chrome: Chrome<'a>,
    caption: String,
    action: String,
    list_href: String,
    csrf: String,
    errors: FormErrors,
    notice: Option<String>,
    fields: Vec<Field>,
    open_on_holidays: bool,
    existing: Option<Existing>,
}

fn area_label(t: &Tr<'_>, area: &Area, names: &impl Fn(&Slug) -> String) -> String {
    let m = names(area.municipality());
    match area {
        Area::Municipality(_) => t.get1("staff-offices-area-municipality", "name", &m),
        Area::County(_) => t.get1("staff-offices-area-county", "name", &m),
        Area::Postcodes { .. } | Area::Places { .. } => {
            let key = if matches!(area, Area::Postcodes { .. }) {
                "staff-offices-area-postcodes"
            } else {
                "staff-offices-area-places"
            };
            format!("{}: {}", t.get1(key, "name", &m), area_values_text(area).replace('\n', ", "))
        }
    }
}

async fn existing(
    state: &AppState,
    t: &Tr<'_>,
    m: &MunicipalityRecord,
    o: &OfficeRecord,
) -> Result<Existing, AppError> {
    let dir = state.store.directory();
    let now = Utc::now().with_timezone(&crate::services::ZONE);
    let status = o.hours.status_at(now);
    let week = o.hours.week_from(now.date_naive());
    let closures: Vec<_> = (7..60)
        .filter_map(|d| now.date_naive().checked_add_days(chrono::Days::new(d)))
        .map(|d| (d, o.hours.on(d)))
        .filter(|(_, h)| !matches!(h.reason, regioportal_domain::services::hours::DayReason::Regular))
        .collect();
    let office_base = format!("{}/{}", base(m), o.slug);
    let contacts = o
        .contacts
        .iter()
        .map(|c| ContactRow {
            function: c.function.clone(),
            name: c.name.clone(),
            shown: c.show_name,
            phone: c.phone.clone(),
            email: c.email.clone(),
            room: c.room.clone(),
            edit_href: format!("{office_base}/ansprechpartner/{}", c.id),
            remove_action: format!("{office_base}/ansprechpartner/{}/entfernen", c.id),
        })
        .collect();
    let services = dir.services().await?;
    let snap = state.directory.get(&state.store).await?;
    let names = |s: &Slug| snap.by_slug(s.as_str()).map_or_else(|| s.to_string(), |r| r.name.clone());
    let assignments = dir
        .office_responsibilities(m.scope(), o.id)
        .await?
        .into_iter()
        .map(|r| {
            let service = services.iter().find(|s| s.id == r.service_id);
            AssignmentRow {
                service: service.map(|s| s.content.name.clone()).unwrap_or_default(),
                service_href: service
                    .map(|s| format!("/verwaltung/{}/buergerservice/{}", m.slug(), s.slug))
                    .unwrap_or_default(),
                area: area_label(t, &r.area, &names),
                remove_action: format!("{office_base}/zustaendigkeiten/{}/entfernen", r.id),
            }
        })
        .collect();
    let successors = dir
        .offices(m.scope())
        .await?
        .into_iter()
        .filter(|x| x.id != o.id && x.archived_at.is_none())
        .map(|x| (x.id, x.name))
        .collect();
    Ok(Existing {
        closed_since: o.archived_at.map(super::local_time),
        successors,
        close_action: format!("{office_base}/schliessen"),
        reopen_action: format!("{office_base}/oeffnen"),
        public_href: office_href(o),
        hours: hours_view(o, &status, &week, t),
        closures: hours_view(o, &status, &closures, t),
        contacts,
        new_contact_href: format!("{office_base}/ansprechpartner/neu"),
        assignments,
        new_assignment_href: format!("{office_base}/zustaendigkeiten/neu"),
    })
}

struct OfficePage<'f> {
    form: &'f OfficeForm,
    errors: FormErrors,
    notice: Option<String>,
    status: StatusCode,
}

async fn office_page(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    m: &MunicipalityRecord,
    office: Option<&OfficeRecord>,
    page: OfficePage<'_>,
) -> Result<Response, AppError> {
    let t = state.i18n.tr(ctx.locale);
    let region = region_info(state).await?;
    let (title, action, existing) = match office {
        Some(o) => (o.name.clone(), format!("{}/{}", base(m), o.slug), Some(existing(state, &t, m, o).await?)),
        None => (t.get("staff-offices-new"), base(m), None),
    };
    let view = OfficeView {
        chrome: Chrome::staff(state, ctx, &region, title, Some(staff)),
        caption: m.name.clone(),
        action,
        list_href: base(m),
        csrf: staff.session.csrf_token.clone(),
        fields: office_fields(&t, page.form, &page.errors),
        open_on_holidays: page.form.open_on_holidays,
        errors: page.errors,
        notice: page.notice,
        existing,
    };
    render(&view, page.status)
}

/// `GET /verwaltung/{municipality}/aemter/neu`: the form for a new office.
pub(crate) async fn new_form(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let form = OfficeForm { city: m.name.clone(), ..OfficeForm::default() };
    let page = OfficePage { form: &form, errors: FormErrors::default(), notice: None, status: StatusCode::OK };
    office_page(&state, &ctx, &staff, &m, None, page).await
}

/// `POST /verwaltung/{municipality}/aemter`: creates an office; its URL name comes from its
/// name (with a number when taken).
pub(crate) async fn create(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(slug): Path<String>,
    HtmlForm(body): HtmlForm<OfficeBody>,
) -> Result<Response, AppError> {
    staff.check_csrf(&body.csrf)?;
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let form = body.form();
    let t = state.i18n.tr(ctx.locale);
    let taken: Vec<String> =
        state.store.directory().offices(m.scope()).await?.into_iter().map(|o| o.slug.to_string()).collect();
    let mut details = form.check();
    let slug = details.as_ref().ok().map(|d| super::free_slug(&d.name, &taken, &["neu"]));
    if let Some(None) = slug {
        details = Err(vec![FieldProblem {
            field: "name".to_owned(),
            code: "office-name-letters",
            detail: "use letters or digits in the name".to_owned(),
        }]);
    }
    let details = match details {
        Ok(d) => d,
        Err(problems) => {
            let page = OfficePage {
                form: &form,
                errors: office_errors(&t, &problems),
                notice: None,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            return office_page(&state, &ctx, &staff, &m, None, page).await;
        }
    };
    let slug = slug.flatten().ok_or_else(|| AppError::bug("checked above"))?;
    state.store.directory().create_office(m.scope(), &slug, &details, &staff.actor()).await?;
    Ok(Redirect::to(&format!("{}/{slug}?done=angelegt", base(&m))).into_response())
}

/// `GET /verwaltung/{municipality}/aemter/{office}`: the office with its hours, contacts and
/// responsibilities.
pub(crate) async fn edit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, office)): Path<(String, String)>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let o = office_of(&state, &m, &office).await?;
    let t = state.i18n.tr(ctx.locale);
    let form = stored_form(&o);
    let page = OfficePage {
        form: &form,
        errors: FormErrors::default(),
        notice: done_notice(&t, q.done.as_deref()),
        status: StatusCode::OK,
    };
    office_page(&state, &ctx, &staff, &m, Some(&o), page).await
}

/// `POST /verwaltung/{municipality}/aemter/{office}`: stores the office's details and hours.
pub(crate) async fn update(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, office)): Path<(String, String)>,
    HtmlForm(body): HtmlForm<OfficeBody>,
) -> Result<Response, AppError> {
    staff.check_csrf(&body.csrf)?;
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let o = office_of(&state, &m, &office).await?;
    let form = body.form();
    match form.check() {
        Ok(d) => {
            state.store.directory().update_office(m.scope(), o.id, &d, &staff.actor()).await?;
            Ok(Redirect::to(&format!("{}/{}?done=gespeichert", base(&m), o.slug)).into_response())
        }
        Err(problems) => {
            let t = state.i18n.tr(ctx.locale);
            let page = OfficePage {
                form: &form,
                errors: office_errors(&t, &problems),
                notice: None,
                status: StatusCode::UNPROCESSABLE_ENTITY,
            };
            office_page(&state, &ctx, &staff, &m, Some(&o), page).await
        }
    }
}

// ---- contacts --------------------------------------------------------------------------------

/// The contact form as sent (`services` repeats).
#[derive(Debug, Default)]
pub(crate) struct ContactBody {
    csrf: String,
    form: ContactForm,
    services: Vec<i64>,
}

impl ContactBody {
    fn from_pairs(pairs: Vec<(String, String)>) -> Self {
        let mut b = Self::default();
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => b.csrf = v,
                "function" => b.form.function = v,
                "name" => b.form.name = v,
                "show_name" => b.form.show_name = true,
                "phone" => b.form.phone = v,
                "email" => b.form.email = v,
                "room" => b.form.room = v,
                "hours" => b.form.hours = v,
                "services" => b.services.extend(v.parse::<i64>()),
                _ => {}
            }
        }
        b
    }
}

struct ServiceChoice {
    id: i64,
    name: String,
    checked: bool,
}

#[derive(Template)]
#[template(path = "staff/contact_edit.html")]
struct ContactView<'a> {
    chrome: Chrome<'a>,
    caption: String,
    action: String,
    office_href: String,
    csrf: String,
    errors: FormErrors,
    fields: Vec<Field>,
    show_name: bool,
    services: Vec<ServiceChoice>,
}

const CONTACT_FIELDS: [(&str, &str); 6] =
    [("function", "text"), ("name", "text"), ("phone", "tel"), ("email", "email"), ("room", "text"), ("hours", "text")];

fn contact_label(t: &Tr<'_>, name: &str) -> String {
    t.get(&format!("staff-offices-contact-{name}"))
}

async fn contact_page(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    (m, o): (&MunicipalityRecord, &OfficeRecord),
    contact: Option<&ContactRecord>,
    body: &ContactBody,
    (errors, status): (FormErrors, StatusCode),
) -> Result<Response, AppError> {
    let t = state.i18n.tr(ctx.locale);
    let region = region_info(state).await?;
    let office_base = format!("{}/{}", base(m), o.slug);
    let fields = CONTACT_FIELDS
        .into_iter()
        .map(|(name, input)| {
            let id = format!("contact-{name}");
            let f = &body.form;
            let value = match name {
                "function" => &f.function,
                "name" => &f.name,
                "phone" => &f.phone,
                "email" => &f.email,
                "room" => &f.room,
                _ => &f.hours,
            };
            let hint = match name {
                "function" | "name" | "hours" => t.get(&format!("staff-offices-contact-{name}-hint")),
                _ => String::new(),
            };
            Field {
                error: errors.get(&id).map(str::to_owned),
                id,
                name,
                label: contact_label(&t, name),
                hint,
                value: value.clone(),
                input,
                rows: 0,
            }
        })
        .collect();
    let dir = state.store.directory();
    let mine = dir.services_of_office(o.id).await?;
    let services = dir
        .services()
        .await?
        .into_iter()
        .filter(|s| mine.contains(&s.id))
        .map(|s| ServiceChoice { id: s.id, checked: body.services.contains(&s.id), name: s.content.name })
        .collect();
    let (title, action) = match contact {
        Some(c) => (c.function.clone(), format!("{office_base}/ansprechpartner/{}", c.id)),
        None => (t.get("staff-offices-contact-new"), format!("{office_base}/ansprechpartner")),
    };
    let view = ContactView {
        chrome: Chrome::staff(state, ctx, &region, title, Some(staff)),
        caption: o.name.clone(),
        action,
        office_href: office_base,
        csrf: staff.session.csrf_token.clone(),
        fields,
        show_name: body.form.show_name,
        services,
        errors,
    };
    render(&view, status)
}

fn contact_of(o: &OfficeRecord, id: i64) -> Result<&ContactRecord, AppError> {
    o.contacts.iter().find(|c| c.id == id).ok_or(AppError::NotFound)
}

/// `GET /verwaltung/{municipality}/aemter/{office}/ansprechpartner/neu`.
pub(crate) async fn new_contact(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, office)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let o = office_of(&state, &m, &office).await?;
    let body = ContactBody::default();
    contact_page(&state, &ctx, &staff, (&m, &o), None, &body, (FormErrors::default(), StatusCode::OK)).await
}

/// `GET /verwaltung/{municipality}/aemter/{office}/ansprechpartner/{id}`.
pub(crate) async fn edit_contact(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, office, id)): Path<(String, String, i64)>,
) -> Result<Response, AppError> {
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let o = office_of(&state, &m, &office).await?;
    let c = contact_of(&o, id)?;
    let body = ContactBody {
        csrf: String::new(),
        form: ContactForm {
            function: c.function.clone(),
            name: c.name.clone(),
            show_name: c.show_name,
            phone: c.phone.clone(),
            email: c.email.clone(),
            room: c.room.clone(),
            hours: c.hours.clone(),
        },
        services: c.services.clone(),
    };
    contact_page(&state, &ctx, &staff, (&m, &o), Some(c), &body, (FormErrors::default(), StatusCode::OK)).await
}

async fn save_contact(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    (slug, office, id): (String, String, Option<i64>),
    pairs: Vec<(String, String)>,
) -> Result<Response, AppError> {
    let body = ContactBody::from_pairs(pairs);
    staff.check_csrf(&body.csrf)?;
    let m = events_municipality(state, staff, &slug, Need::Edit).await?;
    let o = office_of(state, &m, &office).await?;
    let existing = id.map(|id| contact_of(&o, id)).transpose()?;
    let t = state.i18n.tr(ctx.locale);
    let mine = state.store.directory().services_of_office(o.id).await?;
    let mut problems = match body.form.check() {
        Ok(_) => Vec::new(),
        Err(p) => p,
    };
    if body.services.iter().any(|s| !mine.contains(s)) {
        problems.push(FieldProblem {
            field: "services".to_owned(),
            code: "contact-bad-service",
            detail: "choose only services this office is responsible for".to_owned(),
        });
    }
    let details = match body.form.check() {
        Ok(d) if problems.is_empty() => d,
        _ => {
            let mut errors = FormErrors::default();
            for p in &problems {
                errors.add(&format!("contact-{}", p.field), message(&t, &contact_label(&t, &p.field), p));
            }
            let status = (errors, StatusCode::UNPROCESSABLE_ENTITY);
            return contact_page(state, ctx, staff, (&m, &o), existing, &body, status).await;
        }
    };
    let input = ContactInput {
        function: details.function,
        name: details.name,
        show_name: details.show_name,
        phone: details.phone,
        email: details.email,
        room: details.room,
        hours: details.hours,
        services: body.services,
    };
    let dir = state.store.directory();
    match existing {
        Some(c) => dir.update_contact(m.scope(), c.id, &input, &staff.actor()).await?,
        None => {
            dir.add_contact(m.scope(), o.id, &input, &staff.actor()).await?;
        }
    }
    Ok(Redirect::to(&format!("{}/{}?done=ansprechpartner", base(&m), o.slug)).into_response())
}

/// `POST /verwaltung/{municipality}/aemter/{office}/ansprechpartner`: adds a contact.
pub(crate) async fn add_contact(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, office)): Path<(String, String)>,
    HtmlForm(pairs): HtmlForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    save_contact(&state, &ctx, &staff, (slug, office, None), pairs).await
}

/// `POST /verwaltung/{municipality}/aemter/{office}/ansprechpartner/{id}`: changes a contact.
pub(crate) async fn update_contact(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, office, id)): Path<(String, String, i64)>,
    HtmlForm(pairs): HtmlForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    save_contact(&state, &ctx, &staff, (slug, office, Some(id)), pairs).await
}

/// Only the CSRF token.
#[derive(Debug, Deserialize)]
pub(crate) struct CsrfBody {
    #[serde(default)]
    csrf: String,
}

/// `POST /verwaltung/{municipality}/aemter/{office}/ansprechpartner/{id}/entfernen`.
pub(crate) async fn remove_contact(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, office, id)): Path<(String, String, i64)>,
    HtmlForm(body): HtmlForm<CsrfBody>,
) -> Result<Response, AppError> {
    staff.check_csrf(&body.csrf)?;
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let o = office_of(&state, &m, &office).await?;
    let c = contact_of(&o, id)?;
    state.store.directory().remove_contact(m.scope(), c.id, &staff.actor()).await?;
    Ok(Redirect::to(&format!("{}/{}?done=entfernt", base(&m), o.slug)).into_response())
}

// ---- responsibilities ------------------------------------------------------------------------

/// The new-assignment form as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct AssignmentBody {
    csrf: String,
    service: String,
    area_municipality: String,
    kind: String,
    values: String,
}

struct Choice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "staff/responsibility_new.html")]
struct AssignmentView<'a> {
    chrome: Chrome<'a>,
    caption: String,
    action: String,
    office_href: String,
    csrf: String,
    errors: FormErrors,
    services: Vec<Choice>,
    municipalities: Vec<Choice>,
    kinds: Vec<Choice>,
    values: String,
}

/// The municipalities an office of `m` may serve: `m` itself and, for a county, its towns.
fn servable<'s>(snap: &'s crate::directory::Snapshot, m: &MunicipalityRecord) -> Vec<&'s MunicipalityRecord> {
    let mut out: Vec<&MunicipalityRecord> = snap
        .municipalities
        .iter()
        .filter(|x| x.slug() == m.slug() || (m.kind == MunicipalityKind::County && x.parent.as_ref() == Some(m.slug())))
        .collect();
    // The municipality itself first, then its towns by name.
    out.sort_by_key(|x| (x.slug() != m.slug(), x.name.clone()));
    out
}

async fn assignment_page(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    (m, o): (&MunicipalityRecord, &OfficeRecord),
    body: &AssignmentBody,
    (errors, status): (FormErrors, StatusCode),
) -> Result<Response, AppError> {
    let t = state.i18n.tr(ctx.locale);
    let region = region_info(state).await?;
    let snap = state.directory.get(&state.store).await?;
    let mut services = state.store.directory().services().await?;
    services.sort_by_cached_key(|s| s.content.name.to_lowercase());
    let office_base = format!("{}/{}", base(m), o.slug);
    let kinds = ["municipality", "county", "postcodes", "places"]
        .into_iter()
        .filter(|k| *k != "county" || m.kind == MunicipalityKind::County)
        .map(|k| Choice {
            value: k.to_owned(),
            label: t.get(&format!("staff-offices-kind-{k}")),
            selected: body.kind == k || (body.kind.is_empty() && k == "municipality"),
        })
        .collect();
    let view = AssignmentView {
        chrome: Chrome::staff(state, ctx, &region, t.get("staff-offices-assignment-new"), Some(staff)),
        caption: o.name.clone(),
        action: format!("{office_base}/zustaendigkeiten"),
        office_href: office_base,
        csrf: staff.session.csrf_token.clone(),
        services: services
            .into_iter()
            .map(|s| Choice {
                selected: body.service == s.slug.as_str(),
                value: s.slug.to_string(),
                label: s.content.name,
            })
            .collect(),
        municipalities: servable(&snap, m)
            .into_iter()
            .map(|x| Choice {
                selected: body.area_municipality == x.slug().as_str(),
                value: x.slug().to_string(),
                label: x.name.clone(),
            })
            .collect(),
        kinds,
        values: body.values.clone(),
        errors,
    };
    render(&view, status)
}

/// `GET /verwaltung/{municipality}/aemter/{office}/zustaendigkeiten/neu`.
pub(crate) async fn new_assignment(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, office)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let o = office_of(&state, &m, &office).await?;
    let body = AssignmentBody { area_municipality: m.slug().to_string(), ..AssignmentBody::default() };
    assignment_page(&state, &ctx, &staff, (&m, &o), &body, (FormErrors::default(), StatusCode::OK)).await
}

/// `POST /verwaltung/{municipality}/aemter/{office}/zustaendigkeiten`: the office performs a
/// service for an area (the municipality, the county, postcodes or places of it or, for a
/// county, of one of its towns).
pub(crate) async fn add_assignment(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, office)): Path<(String, String)>,
    HtmlForm(body): HtmlForm<AssignmentBody>,
) -> Result<Response, AppError> {
    staff.check_csrf(&body.csrf)?;
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let o = office_of(&state, &m, &office).await?;
    let t = state.i18n.tr(ctx.locale);
    let mut errors = FormErrors::default();
    let service = state.store.directory().service_by_slug(&body.service).await?;
    if service.is_none() {
        errors.add("assignment-service", t.get("staff-offices-error-service"));
    }
    let snap = state.directory.get(&state.store).await?;
    let area_m = servable(&snap, &m).into_iter().find(|x| x.slug().as_str() == body.area_municipality).cloned();
    if area_m.is_none() {
        errors.add("assignment-municipality", t.get("staff-offices-error-municipality"));
    }
    let catalog = state.services.get(&state.store, &snap).await?;
    let area = area_m.as_ref().map(|x| {
        AreaForm { kind: body.kind.clone(), municipality: x.slug().clone(), values: body.values.clone() }
            .check(&catalog.places, x.kind == MunicipalityKind::County)
    });
    if let Some(Err(problems)) = &area {
        for p in problems {
            let id = if p.field == "kind" { "assignment-kind-municipality" } else { "assignment-values" };
            let label = t.get(if p.field == "kind" { "staff-offices-kind" } else { "staff-offices-values" });
            errors.add(id, message(&t, &label, p));
        }
    }
    match (service, area) {
        (Some(service), Some(Ok(area))) if errors.is_empty() => {
            match state.store.directory().add_responsibility(m.scope(), o.id, service.id, &area, &staff.actor()).await {
                Ok(_) => Ok(Redirect::to(&format!("{}/{}?done=zustaendigkeit", base(&m), o.slug)).into_response()),
                Err(regioportal_storage::StorageError::Conflict(why)) => {
                    let mut errors = FormErrors::default();
                    let key = if why.contains("county service") {
                        "staff-offices-error-county-service"
                    } else {
                        "staff-offices-error-duplicate"
                    };
                    errors.add("assignment-service", format!("{} ({why})", t.get(key)));
                    let status = (errors, StatusCode::UNPROCESSABLE_ENTITY);
                    assignment_page(&state, &ctx, &staff, (&m, &o), &body, status).await
                }
                Err(e) => Err(e.into()),
            }
        }
        _ => {
            let status = (errors, StatusCode::UNPROCESSABLE_ENTITY);
            assignment_page(&state, &ctx, &staff, (&m, &o), &body, status).await
        }
    }
}

/// The form that closes an office.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct CloseBody {
    csrf: String,
    /// The id of the office that takes over; empty: the responsibilities are removed.
    successor: String,
}

/// `POST /verwaltung/{municipality}/aemter/{office}/schliessen`: closes the office; another
/// office of the municipality takes over its responsibilities, or they are removed.
pub(crate) async fn close(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, office)): Path<(String, String)>,
    HtmlForm(body): HtmlForm<CloseBody>,
) -> Result<Response, AppError> {
    staff.check_csrf(&body.csrf)?;
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let o = office_of(&state, &m, &office).await?;
    let successor = match body.successor.trim() {
        "" => None,
        id => Some(id.parse::<i64>().map_err(|_| AppError::bad_request("successor must be an office id or empty"))?),
    };
    state.store.directory().archive_office(m.scope(), o.id, successor, &staff.actor()).await?;
    Ok(Redirect::to(&format!("{}/{}?done=geschlossen", base(&m), o.slug)).into_response())
}

/// `POST /verwaltung/{municipality}/aemter/{office}/oeffnen`: reopens a closed office.
pub(crate) async fn reopen(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, office)): Path<(String, String)>,
    HtmlForm(body): HtmlForm<CsrfBody>,
) -> Result<Response, AppError> {
    staff.check_csrf(&body.csrf)?;
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let o = office_of(&state, &m, &office).await?;
    state.store.directory().reopen_office(m.scope(), o.id, &staff.actor()).await?;
    Ok(Redirect::to(&format!("{}/{}?done=geoeffnet", base(&m), o.slug)).into_response())
}

/// `POST /verwaltung/{municipality}/aemter/{office}/zustaendigkeiten/{id}/entfernen`.
pub(crate) async fn remove_assignment(
    State(state): State<AppState>,
    staff: Staff,
    Path((slug, office, id)): Path<(String, String, i64)>,
    HtmlForm(body): HtmlForm<CsrfBody>,
) -> Result<Response, AppError> {
    staff.check_csrf(&body.csrf)?;
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let o = office_of(&state, &m, &office).await?;
    let dir = state.store.directory();
    if !dir.office_responsibilities(m.scope(), o.id).await?.iter().any(|r| r.id == id) {
        return Err(AppError::NotFound);
    }
    dir.remove_responsibility(m.scope(), id, &staff.actor()).await?;
    Ok(Redirect::to(&format!("{}/{}?done=zustaendigkeit-entfernt", base(&m), o.slug)).into_response())
}
