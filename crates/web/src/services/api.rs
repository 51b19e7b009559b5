//! `/api/v1/services`: search the services, read one, and ask who is responsible for a citizen
//! — the same answers as the pages, from the same [`super::Catalog`].

use axum::Json;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Response};
use chrono::Utc;
use regioportal_domain::services::hours::{OpenStatus, hhmm};
use regioportal_domain::services::{Citizen, Fee, FeeAmount};
use regioportal_storage::{MunicipalityRecord, ServiceRecord};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::pages::{office_href, service_href};
use super::{FEDERAL_PORTAL, Whereabouts, answer, citizen_of, form_href, whereabouts};
use crate::AppState;
use crate::api::ApiQuery;
use crate::error::{AppError, FieldError};

/// Parameters of `GET /api/v1/services`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Search words (German stemming, one typo tolerated, synonyms); empty: every service A–Z.
    #[param(example = "Auto anmelden")]
    pub q: Option<String>,
    /// The citizen's municipality: texts with its local overrides, its results first.
    pub municipality: Option<String>,
    /// Only services of this life situation (slug), including its children.
    pub life_situation: Option<String>,
    /// At most this many (1–200, default 50).
    pub limit: Option<usize>,
}

/// A service in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceItem {
    /// Id.
    pub id: i64,
    /// URL name.
    pub slug: String,
    /// Name.
    pub name: String,
    /// 14-digit LeiKa key, if known.
    pub leika_key: Option<String>,
    /// One sentence.
    pub summary: String,
    /// The page.
    pub url: String,
}

/// A page of services.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceList {
    /// Best match first (A–Z without `q`).
    pub items: Vec<ServiceItem>,
}

fn item(state: &AppState, s: &ServiceRecord, m: Option<&MunicipalityRecord>, catalog: &super::Catalog) -> ServiceItem {
    let c = catalog.content_in(s, m);
    ServiceItem {
        id: s.id,
        slug: s.slug.as_str().to_owned(),
        name: c.name,
        leika_key: s.leika.as_ref().map(|k| k.as_str().to_owned()),
        summary: c.summary,
        url: format!("{}{}", state.config.base_url.as_str(), service_href(m, s)),
    }
}

/// `GET /api/v1/services`.
#[utoipa::path(
    get,
    operation_id = "list_services",
    path = "/api/v1/services",
    tag = "services",
    params(ListParams),
    description = "The services of the Bürgerservice: with `q` the best matches first (German stemming, one typo tolerated, synonyms and LeiKa keys), otherwise A–Z.",
    responses(
        (status = 200, description = "The services", body = ServiceList),
        (status = 422, description = "A parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<ListParams>) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let catalog = state.services.get(&state.store, &snap).await?;
    let m = match p.municipality.as_deref() {
        Some(slug) => Some(snap.by_slug(slug).ok_or_else(|| {
            AppError::field(
                "municipality",
                format!("{slug:?} is no municipality of the region; see /api/v1/municipalities"),
            )
        })?),
        None => None,
    };
    let limit = p.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(AppError::field("limit", "limit must be between 1 and 200"));
    }
    let life = match p.life_situation.as_deref() {
        Some(l) => Some(catalog.life_situation(l).ok_or_else(|| {
            AppError::field("life_situation", format!("{l:?} is no life situation; see the Bürgerservice pages"))
        })?),
        None => None,
    };
    let in_life: Option<Vec<i64>> = life.map(|l| catalog.services_of(l.id).into_iter().map(|s| s.id).collect());
    let allowed = |s: &ServiceRecord| in_life.as_ref().is_none_or(|ids| ids.contains(&s.id));
    let q = p.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let services: Vec<&ServiceRecord> = match q {
        None => {
            let mut v: Vec<&ServiceRecord> = catalog.services.iter().filter(|s| allowed(s)).collect();
            v.sort_by_key(|s| catalog.content_in(s, m).name.to_lowercase());
            v.truncate(limit);
            v
        }
        Some(q) => super::search::service_hits(&state, &snap, m, q, 200)
            .await?
            .into_iter()
            .filter_map(|id| catalog.service_by_id(id))
            .filter(|s| allowed(s))
            .take(limit)
            .collect(),
    };
    let items = services.into_iter().map(|s| item(&state, s, m, &catalog)).collect();
    Ok(Json(ServiceList { items }).into_response())
}

/// A fee.
#[derive(Debug, Serialize, ToSchema)]
pub struct FeeJson {
    /// `free`, `fixed` or `range`.
    pub kind: &'static str,
    /// Cents (fixed).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cents: Option<u64>,
    /// Cents, at least (range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_cents: Option<u64>,
    /// Cents, at most (range).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_cents: Option<u64>,
    /// German text of the amount.
    pub text: String,
    /// When it applies.
    pub note: String,
}

fn fee_json(f: &Fee) -> FeeJson {
    let (kind, cents, min_cents, max_cents) = match f.amount {
        FeeAmount::Free => ("free", None, None, None),
        FeeAmount::Fixed { cents } => ("fixed", Some(cents), None, None),
        FeeAmount::Range { min_cents, max_cents } => ("range", None, Some(min_cents), Some(max_cents)),
    };
    FeeJson { kind, cents, min_cents, max_cents, text: f.amount_de(), note: f.note.clone() }
}

/// A legal reference.
#[derive(Debug, Serialize, ToSchema)]
pub struct LegalJson {
    /// Title.
    pub title: String,
    /// Link to the text.
    pub url: String,
}

/// A service with its full text.
#[derive(Debug, Serialize, ToSchema)]
pub struct ServiceDetail {
    /// Id.
    pub id: i64,
    /// URL name.
    pub slug: String,
    /// LeiKa key.
    pub leika_key: Option<String>,
    /// `municipality` or `county`: who performs it.
    pub level: &'static str,
    /// Name.
    pub name: String,
    /// Other names.
    pub synonyms: Vec<String>,
    /// One sentence.
    pub summary: String,
    /// Markdown.
    pub description: String,
    /// Who may apply (Markdown).
    pub audience: String,
    /// Prerequisites (Markdown).
    pub prerequisites: String,
    /// Procedure (Markdown).
    pub procedure: String,
    /// Documents to bring.
    pub documents: Vec<String>,
    /// Fees.
    pub fees: Vec<FeeJson>,
    /// Note on the fees.
    pub fee_note: String,
    /// Deadlines.
    pub deadlines: String,
    /// Processing time.
    pub processing_time: String,
    /// Legal basis.
    pub legal_basis: Vec<LegalJson>,
    /// Online service.
    pub online_url: String,
    /// Life situations (slugs).
    pub life_situations: Vec<String>,
    /// Related services (ids).
    pub related: Vec<i64>,
    /// Per field: `region` or `local` (only with `municipality`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub origin: Option<std::collections::BTreeMap<&'static str, &'static str>>,
    /// The page.
    pub url: String,
}

/// Parameters of `GET /api/v1/services/{id}`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DetailParams {
    /// Show the text as this municipality shows it (its overrides applied).
    pub municipality: Option<String>,
}

fn parse_id(id: &str) -> Result<i64, AppError> {
    id.parse::<i64>().map_err(|_| AppError::NotFound)
}

/// `GET /api/v1/services/{id}`.
#[utoipa::path(
    get,
    operation_id = "get_service",
    path = "/api/v1/services/{id}",
    tag = "services",
    params(("id" = i64, Path, description = "Service id"), DetailParams),
    description = "A service's text: the region's master text, or with `municipality` that municipality's version, with `origin` telling field by field whether it comes from the region or is overridden there.",
    responses(
        (status = 200, description = "The service", body = ServiceDetail),
        (status = 404, description = "No such service", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<DetailParams>,
) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let catalog = state.services.get(&state.store, &snap).await?;
    let s = catalog.service_by_id(parse_id(&id)?).ok_or(AppError::NotFound)?;
    let m = match p.municipality.as_deref() {
        Some(slug) => Some(snap.by_slug(slug).ok_or_else(|| {
            AppError::field(
                "municipality",
                format!("{slug:?} is no municipality of the region; see /api/v1/municipalities"),
            )
        })?),
        None => None,
    };
    let c = catalog.content_in(s, m);
    let origin = m.map(|m| {
        let local = catalog.local(m, s.id);
        regioportal_domain::services::ServiceField::ALL
            .into_iter()
            .map(|f| (f.as_str(), if local.is_some_and(|l| l.overrides.is_set(f)) { "local" } else { "region" }))
            .collect()
    });
    let detail = ServiceDetail {
        id: s.id,
        slug: s.slug.as_str().to_owned(),
        leika_key: s.leika.as_ref().map(|k| k.as_str().to_owned()),
        level: s.level.as_str(),
        fees: c.fees.iter().map(fee_json).collect(),
        legal_basis: c.legal_basis.iter().map(|l| LegalJson { title: l.title.clone(), url: l.url.clone() }).collect(),
        life_situations: s
            .life_situations
            .iter()
            .filter_map(|id| catalog.life_situations.iter().find(|l| l.id == *id))
            .map(|l| l.slug.as_str().to_owned())
            .collect(),
        // Only services the catalogue still shows (not discontinued ones).
        related: s.related.iter().copied().filter(|id| catalog.service_by_id(*id).is_some()).collect(),
        origin,
        url: format!("{}{}", state.config.base_url.as_str(), service_href(m, s)),
        name: c.name,
        synonyms: c.synonyms,
        summary: c.summary,
        description: c.description,
        audience: c.audience,
        prerequisites: c.prerequisites,
        procedure: c.procedure,
        documents: c.documents,
        fee_note: c.fee_note,
        deadlines: c.deadlines,
        processing_time: c.processing_time,
        online_url: c.online_url,
    };
    Ok(Json(detail).into_response())
}

/// Parameters of `GET /api/v1/services/{id}/responsible`: exactly one of them.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ResponsibleParams {
    /// The citizen's postcode (may be followed by the place: `04626 Schmölln`).
    #[param(example = "04626")]
    pub postcode: Option<String>,
    /// The citizen's place (Ortsteil or municipality).
    pub place: Option<String>,
    /// The citizen's municipality (slug).
    pub municipality: Option<String>,
}

/// A contact.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactJson {
    /// The function.
    pub function: String,
    /// The name, where it may be shown.
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

/// Opening hours of one day.
#[derive(Debug, Serialize, ToSchema)]
pub struct DayJson {
    /// The date.
    pub date: String,
    /// Intervals "08:00-12:00"; empty when closed.
    pub hours: Vec<String>,
    /// A holiday or an exception.
    pub note: String,
}

/// An office.
#[derive(Debug, Serialize, ToSchema)]
pub struct OfficeJson {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// The municipality running it (slug).
    pub municipality: String,
    /// Street.
    pub street: String,
    /// Postcode.
    pub postcode: String,
    /// City.
    pub city: String,
    /// Accessibility of the building.
    pub accessibility: String,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Appointment booking.
    pub appointment_url: String,
    /// Weekly hours in their text form.
    pub opening_hours: String,
    /// Open right now (Europe/Berlin).
    pub open_now: bool,
    /// Until when, if open (HH:MM).
    pub open_until: Option<String>,
    /// When it opens next, if closed (local, ISO 8601).
    pub opens_at: Option<String>,
    /// The next seven days.
    pub week: Vec<DayJson>,
    /// The page.
    pub url: String,
}

/// A form to download.
#[derive(Debug, Serialize, ToSchema)]
pub struct FormJson {
    /// Title.
    pub title: String,
    /// Language.
    pub language: String,
    /// Version.
    pub version: String,
    /// Valid from.
    pub valid_from: Option<String>,
    /// Size in bytes.
    pub size: u64,
    /// Media type.
    pub media_type: &'static str,
    /// Download.
    pub url: String,
}

/// Who is responsible.
#[derive(Debug, Serialize, ToSchema)]
pub struct Responsible {
    /// The service.
    pub service: ServiceItem,
    /// The citizen's municipality (slug).
    pub municipality: String,
    /// The office.
    pub office: OfficeJson,
    /// Contacts for this service.
    pub contacts: Vec<ContactJson>,
    /// Fees as they apply there.
    pub fees: Vec<FeeJson>,
    /// Forms to download.
    pub forms: Vec<FormJson>,
    /// The municipality's note on the service.
    pub note: Option<String>,
}

/// `GET /api/v1/services/{id}/responsible`: the Zuständigkeitsfinder.
#[utoipa::path(
    get,
    operation_id = "get_responsible_office",
    path = "/api/v1/services/{id}/responsible",
    tag = "services",
    params(("id" = i64, Path, description = "Service id"), ResponsibleParams),
    description = "The Zuständigkeitsfinder: the office responsible for a citizen given by postcode, place or municipality — the county ⊃ town hierarchy resolved (in a town of a county, registering a residence goes to the town, vehicle registration to the county) — with contacts, opening hours (open now?), fees and forms. An ambiguous postcode or place answers 409 with the candidate places; an unknown place 422 with suggestions; a postcode outside the region 422 with a link to the federal portal.",
    responses(
        (status = 200, description = "The responsible office", body = Responsible),
        (status = 404, description = "No such service, or no office of the portal covers the place", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 409, description = "Ambiguous: the candidate places are listed", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "Unknown place, or outside the region", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn responsible(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ApiQuery(p): ApiQuery<ResponsibleParams>,
) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let catalog = state.services.get(&state.store, &snap).await?;
    let s = catalog.service_by_id(parse_id(&id)?).ok_or(AppError::NotFound)?;
    let given: Vec<(&str, &str)> = [("postcode", &p.postcode), ("place", &p.place), ("municipality", &p.municipality)]
        .into_iter()
        .filter_map(|(k, v)| v.as_deref().map(|v| (k, v.trim())))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let [(field, value)] = given.as_slice() else {
        return Err(AppError::field("postcode", "give exactly one of postcode, place or municipality"));
    };
    let now = Utc::now();
    let mut common = None;
    let citizen: Citizen = if *field == "municipality" {
        citizen_of(snap.by_slug(value).ok_or_else(|| {
            AppError::field(
                "municipality",
                format!("{value:?} is no municipality of the region; see /api/v1/municipalities"),
            )
        })?)
    } else {
        if *field == "postcode"
            && regioportal_domain::Postcode::parse(value.split_whitespace().next().unwrap_or("")).is_err()
        {
            return Err(AppError::field(
                "postcode",
                format!("{value:?} is not a postcode: give the 5 digits, e.g. 04626"),
            ));
        }
        match whereabouts(&catalog, &snap, value) {
            Whereabouts::Known(c) => c,
            Whereabouts::Unknown => return Err(AppError::field(field, "empty")),
            Whereabouts::Ambiguous(list) => {
                if let Some(a) = super::common_answer(&catalog, &snap, s, &list, now) {
                    let c = citizen_of(a.citizen_municipality);
                    common = Some(a);
                    c
                } else {
                    let names: Vec<String> = list
                        .iter()
                        .map(|e| format!("{} {} ({})", e.postcode.as_str(), e.name, e.municipality))
                        .collect();
                    return Err(AppError::Conflict(format!(
                        "{value:?} fits several places; ask again with one of them as place, e.g. place={:?}: {}",
                        names.first().map(|n| n.split(" (").next().unwrap_or("")).unwrap_or_default(),
                        names.join("; ")
                    )));
                }
            }
            Whereabouts::Outside(code) => {
                return Err(AppError::Validation(vec![FieldError {
                    field: (*field).to_owned(),
                    message: format!(
                        "the postcode {code} is outside this region; the federal portal {FEDERAL_PORTAL} finds the office responsible there"
                    ),
                }]));
            }
            Whereabouts::NotFound { input, suggestions } => {
                let s: Vec<String> =
                    suggestions.iter().map(|e| format!("{} {}", e.postcode.as_str(), e.name)).collect();
                let hint = if s.is_empty() {
                    format!("; if it lies outside the region, the federal portal {FEDERAL_PORTAL} finds its office")
                } else {
                    format!("; did you mean {}?", s.join(", "))
                };
                return Err(AppError::Validation(vec![FieldError {
                    field: (*field).to_owned(),
                    message: format!("{input:?} is no place of this region{hint}"),
                }]));
            }
        }
    };
    let Some(a) = common.or_else(|| answer(&catalog, &snap, s, &citizen, now)) else {
        return Err(AppError::NotFoundDetail(format!(
            "no office on this portal covers {} for this service; the municipality's own administration answers",
            citizen.municipality
        )));
    };
    let o = a.office;
    let (open_now, open_until, opens_at) = match &a.status {
        OpenStatus::Open { until } => (true, Some(hhmm(until)), None),
        OpenStatus::Closed { opens } => (false, None, opens.map(|t| t.format("%Y-%m-%dT%H:%M").to_string())),
    };
    let base = state.config.base_url.as_str();
    let body = Responsible {
        service: item(&state, s, Some(a.citizen_municipality), &catalog),
        municipality: a.citizen_municipality.slug().as_str().to_owned(),
        office: OfficeJson {
            id: o.id,
            name: o.name.clone(),
            municipality: o.municipality.as_str().to_owned(),
            street: o.street.clone(),
            postcode: o.postcode.clone(),
            city: o.city.clone(),
            accessibility: o.accessibility.clone(),
            phone: o.phone.clone(),
            email: o.email.clone(),
            appointment_url: o.appointment_url.clone(),
            opening_hours: o.hours.weekly.to_text(),
            open_now,
            open_until,
            opens_at,
            week: a
                .week
                .iter()
                .map(|(d, h)| DayJson {
                    date: d.to_string(),
                    hours: h.intervals.iter().map(|i| format!("{}-{}", hhmm(&i.open), hhmm(&i.close))).collect(),
                    note: match &h.reason {
                        regioportal_domain::services::hours::DayReason::Regular => String::new(),
                        regioportal_domain::services::hours::DayReason::Holiday(h) => h.name_de.to_owned(),
                        regioportal_domain::services::hours::DayReason::Exception(n) => n.clone(),
                    },
                })
                .collect(),
            url: format!("{base}{}", office_href(o)),
        },
        contacts: a
            .contacts
            .iter()
            .map(|c| ContactJson {
                function: c.function.clone(),
                name: (c.show_name && !c.name.is_empty()).then(|| c.name.clone()),
                phone: c.phone.clone(),
                email: c.email.clone(),
                room: c.room.clone(),
                hours: c.hours.clone(),
            })
            .collect(),
        fees: a.content.fees.iter().map(fee_json).collect(),
        forms: a
            .forms
            .iter()
            .map(|f| FormJson {
                title: f.title.clone(),
                language: f.language.clone(),
                version: f.version.clone(),
                valid_from: f.valid_from.map(|d| d.to_string()),
                size: f.size,
                media_type: "application/pdf",
                url: format!("{base}{}", form_href(f)),
            })
            .collect(),
        note: a.note.map(str::to_owned),
    };
    Ok(Json(body).into_response())
}
