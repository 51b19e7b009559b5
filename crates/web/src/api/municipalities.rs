//! `GET /api/v1/municipalities` and `GET /api/v1/municipalities/{slug}`.

use axum::Json;
use axum::extract::{Path, State};
use regioportal_domain::{MunicipalityKind, Slug};
use regioportal_storage::MunicipalityRecord;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::ApiQuery;
use crate::AppState;
use crate::error::{AppError, FieldError};

/// A municipality as the API returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityItem {
    /// URL name, e.g. `jena`.
    pub slug: String,
    /// Official short name.
    pub name: String,
    /// `city` (kreisfreie Stadt), `county` (Landkreis) or `town` (kreisangehörige Gemeinde).
    #[schema(example = "town")]
    pub kind: String,
    /// Slug of the county a town belongs to.
    pub parent: Option<String>,
    /// Amtlicher Gemeindeschlüssel, 8 digits.
    #[schema(example = "16077001")]
    pub ags: String,
    /// Amtlicher Regionalschlüssel, 12 digits.
    #[schema(example = "160770001001")]
    pub ars: String,
    /// The municipality's home page on this portal.
    pub url: String,
}

/// Address of an administration.
#[derive(Debug, Serialize, ToSchema)]
pub struct ContactItem {
    /// Name of the administration.
    pub name: String,
    /// Street and number.
    pub street: String,
    /// Postcode.
    pub postcode: String,
    /// City.
    pub city: String,
    /// Phone.
    pub phone: Option<String>,
    /// E-mail.
    pub email: Option<String>,
}

/// One municipality with its contact data and postcodes.
#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityDetail {
    /// The list fields.
    #[serde(flatten)]
    pub municipality: MunicipalityItem,
    /// The municipality's own website.
    pub website: Option<String>,
    /// Address of the administration.
    pub contact: ContactItem,
    /// Postcodes of the places it covers.
    pub postcodes: Vec<String>,
    /// Slugs of its neighbouring municipalities in the region (the calendar scope `near`
    /// includes them).
    pub neighbours: Vec<String>,
}

/// A list of municipalities.
#[derive(Debug, Serialize, ToSchema)]
pub struct MunicipalityList {
    /// The municipalities, by name.
    pub items: Vec<MunicipalityItem>,
}

/// Filters of the list.
#[derive(Debug, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// Only municipalities of this kind.
    pub kind: Option<String>,
    /// Only the towns of this county (slug).
    pub parent: Option<String>,
}

fn item(state: &AppState, m: &MunicipalityRecord) -> MunicipalityItem {
    let url = match state.config.hosts.host_for(m.slug()) {
        Some(host) => {
            let scheme = if state.config.base_url.is_https() { "https" } else { "http" };
            format!("{scheme}://{host}/")
        }
        None => format!("{}/{}", state.config.base_url.as_str(), m.slug()),
    };
    MunicipalityItem {
        slug: m.slug().to_string(),
        name: m.name.clone(),
        kind: m.kind.as_str().to_owned(),
        parent: m.parent.as_ref().map(ToString::to_string),
        ags: m.ags.as_str().to_owned(),
        ars: m.ars.as_str().to_owned(),
        url,
    }
}

/// List the municipalities of the region.
#[utoipa::path(
    get,
    operation_id = "list_municipalities",
    path = "/api/v1/municipalities",
    tag = "municipalities",
    params(ListParams),
    responses(
        (status = 200, description = "The municipalities", body = MunicipalityList),
        (status = 422, description = "A filter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(
    State(state): State<AppState>,
    ApiQuery(params): ApiQuery<ListParams>,
) -> Result<Json<MunicipalityList>, AppError> {
    let mut errors = Vec::new();
    let kind = match params.kind.as_deref() {
        None | Some("") => None,
        Some(k) => MunicipalityKind::parse(k)
            .map_err(|e| errors.push(FieldError { field: "kind".into(), message: e.to_string() }))
            .ok(),
    };
    let parent = match params.parent.as_deref() {
        None | Some("") => None,
        Some(p) => {
            Slug::parse(p).map_err(|e| errors.push(FieldError { field: "parent".into(), message: e.to_string() })).ok()
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let snap = state.directory.get(&state.store).await?;
    let all = &snap.municipalities;
    let items = all
        .iter()
        .filter(|m| kind.is_none_or(|k| m.kind == k))
        .filter(|m| parent.as_ref().is_none_or(|p| m.parent.as_ref() == Some(p)))
        .map(|m| item(&state, m))
        .collect();
    Ok(Json(MunicipalityList { items }))
}

/// One municipality with contact data and postcodes.
#[utoipa::path(
    get,
    operation_id = "get_municipality",
    path = "/api/v1/municipalities/{slug}",
    tag = "municipalities",
    params(("slug" = String, Path, description = "URL name of the municipality", example = "jena")),
    responses(
        (status = 200, description = "The municipality", body = MunicipalityDetail),
        (status = 404, description = "No such municipality", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path(slug): Path<String>,
) -> Result<Json<MunicipalityDetail>, AppError> {
    if Slug::parse(&slug).is_err() {
        return Err(AppError::NotFound);
    }
    let m = state.directory.get(&state.store).await?.by_slug(&slug).cloned().ok_or(AppError::NotFound)?;
    let postcodes = state.store.places().postcodes(&m).await?.iter().map(|p| p.as_str().to_owned()).collect();
    Ok(Json(MunicipalityDetail {
        municipality: item(&state, &m),
        website: m.website.clone(),
        contact: ContactItem {
            name: m.contact.name.clone(),
            street: m.contact.street.clone(),
            postcode: m.contact.postcode.as_str().to_owned(),
            city: m.contact.city.clone(),
            phone: m.contact.phone.clone(),
            email: m.contact.email.clone(),
        },
        postcodes,
        neighbours: m.neighbours.iter().map(ToString::to_string).collect(),
    }))
}
