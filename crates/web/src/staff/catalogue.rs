//! The region's catalogue in the staff area, for region editors: new services, the life
//! situations a service belongs to and its related services, and the tree of life situations.
//! The texts of a service are edited in `staff::services`.

use askama::Template;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use regioportal_domain::Slug;
use regioportal_domain::services::{LeikaKey, ServiceContent, ServiceLevel};
use regioportal_storage::{LifeSituationInput, LifeSituationRecord};
use serde::Deserialize;

use super::offices::Field;
use super::session::HtmlForm;
use super::{DoneQuery, FormErrors, Staff};
use super::{render, require_region_editor};
use crate::AppState;
use crate::chrome::{Chrome, region_info};
use crate::ctx::RequestCtx;
use crate::error::AppError;
use crate::i18n::Tr;

/// Service address names the staff routes use themselves.
const RESERVED: [&str; 2] = ["neu", "lebenslagen"];

fn text_field(id: &str, name: &'static str, label: String, hint: String, value: &str, errors: &FormErrors) -> Field {
    Field::new(id, name, label, hint, value.to_owned(), errors.get(id).map(str::to_owned), "text", 0)
}

fn free_slug(name: &str, taken: &[String]) -> Option<Slug> {
    super::free_slug(name, taken, &RESERVED)
}

// ---- a new service ---------------------------------------------------------------------------

/// The new-service form as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct NewServiceBody {
    csrf: String,
    name: String,
    summary: String,
    leika: String,
    level: String,
}

#[derive(Template)]
#[template(path = "staff/service_new.html")]
struct NewServiceView<'a> {
    chrome: Chrome<'a>,
    csrf: String,
    errors: FormErrors,
    fields: Vec<Field>,
    county: bool,
}

async fn new_service_page(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    body: &NewServiceBody,
    (errors, status): (FormErrors, StatusCode),
) -> Result<Response, AppError> {
    let t = state.i18n.tr(ctx.locale);
    let region = region_info(state).await?;
    let fields = vec![
        text_field("new-name", "name", t.get("staff-services-field-name"), String::new(), &body.name, &errors),
        text_field(
            "new-summary",
            "summary",
            t.get("staff-services-field-summary"),
            t.get("staff-catalogue-summary-hint"),
            &body.summary,
            &errors,
        ),
        text_field(
            "new-leika",
            "leika",
            t.get("staff-services-leika"),
            t.get("staff-catalogue-leika-hint"),
            &body.leika,
            &errors,
        ),
    ];
    let view = NewServiceView {
        chrome: Chrome::staff(state, ctx, &region, t.get("staff-catalogue-new-service"), Some(staff)),
        csrf: staff.session.csrf_token.clone(),
        fields,
        county: body.level == "county",
        errors,
    };
    render(&view, status)
}

/// `GET /verwaltung/buergerservice/neu`.
pub(crate) async fn new_service(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
) -> Result<Response, AppError> {
    require_region_editor(&staff)?;
    new_service_page(&state, &ctx, &staff, &NewServiceBody::default(), (FormErrors::default(), StatusCode::OK)).await
}

/// `POST /verwaltung/buergerservice`: creates a service from its name and summary; the other
/// texts are written in the master-text editor it leads to.
pub(crate) async fn create_service(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    HtmlForm(body): HtmlForm<NewServiceBody>,
) -> Result<Response, AppError> {
    staff.check_csrf(&body.csrf)?;
    require_region_editor(&staff)?;
    let t = state.i18n.tr(ctx.locale);
    let mut errors = FormErrors::default();
    let content = ServiceContent {
        name: body.name.trim().to_owned(),
        summary: body.summary.trim().to_owned(),
        ..ServiceContent::default()
    };
    for p in content.problems() {
        let id = if p.field == "name" { "new-name" } else { "new-summary" };
        errors.add(
            id,
            format!(
                "{}: {} ({})",
                t.get(&format!("staff-services-field-{}", p.field)),
                t.get(&format!("staff-services-{}", p.code)),
                p.detail
            ),
        );
    }
    let leika = match body.leika.trim() {
        "" => None,
        k => match LeikaKey::parse(k) {
            Ok(k) => Some(k),
            Err(detail) => {
                errors.add(
                    "new-leika",
                    format!("{}: {} ({detail})", t.get("staff-services-leika"), t.get("staff-catalogue-error-leika")),
                );
                None
            }
        },
    };
    let level = if body.level == "county" { ServiceLevel::County } else { ServiceLevel::Municipality };
    let dir = state.store.directory();
    let services = dir.services().await?;
    if let Some(k) = &leika
        && let Some(other) = services.iter().find(|s| s.leika.as_ref() == Some(k))
    {
        errors.add("new-leika", t.get1("staff-catalogue-error-leika-taken", "name", &other.content.name));
    }
    let taken: Vec<String> = services.iter().map(|s| s.slug.to_string()).collect();
    let slug = free_slug(&content.name, &taken);
    if slug.is_none() && errors.get("new-name").is_none() {
        errors.add("new-name", t.get("staff-offices-office-name-letters"));
    }
    let (Some(slug), true) = (slug, errors.is_empty()) else {
        return new_service_page(&state, &ctx, &staff, &body, (errors, StatusCode::UNPROCESSABLE_ENTITY)).await;
    };
    dir.create_service(&slug, leika.as_ref(), level, &content, &staff.actor()).await?;
    Ok(Redirect::to(&format!("/verwaltung/buergerservice/{slug}?done=angelegt")).into_response())
}

// ---- links of a service ----------------------------------------------------------------------

/// One checkbox.
pub(crate) struct Choice {
    pub(crate) id: i64,
    pub(crate) label: String,
    pub(crate) checked: bool,
    /// Indented under its parent.
    pub(crate) child: bool,
}

/// The links section of the master editor.
pub(crate) struct LinksView {
    pub(crate) action: String,
    pub(crate) life_situations: Vec<Choice>,
    pub(crate) related: Vec<Choice>,
    /// Whether any related service is ticked (the list opens).
    pub(crate) any_related: bool,
}

/// The links section for a service: every life situation (tree order) and every other service.
pub(crate) async fn links_view(
    state: &AppState,
    service: &regioportal_storage::ServiceRecord,
) -> Result<LinksView, AppError> {
    let dir = state.store.directory();
    let life = dir.life_situations().await?;
    let mut services = dir.services().await?;
    services.sort_by_cached_key(|s| s.content.name.to_lowercase());
    Ok(LinksView {
        any_related: !service.related.is_empty(),
        action: format!("/verwaltung/buergerservice/{}/verknuepfungen", service.slug),
        life_situations: tree(&life)
            .into_iter()
            .map(|(l, depth)| Choice {
                id: l.id,
                label: l.name.clone(),
                checked: service.life_situations.contains(&l.id),
                child: depth > 0,
            })
            .collect(),
        related: services
            .into_iter()
            .filter(|s| s.id != service.id)
            .map(|s| Choice { id: s.id, checked: service.related.contains(&s.id), label: s.content.name, child: false })
            .collect(),
    })
}

/// Life situations in tree order (each parent followed by its children) with their depth.
fn tree(all: &[LifeSituationRecord]) -> Vec<(&LifeSituationRecord, usize)> {
    fn walk<'a>(
        all: &'a [LifeSituationRecord],
        parent: Option<i64>,
        depth: usize,
        out: &mut Vec<(&'a LifeSituationRecord, usize)>,
    ) {
        if depth > 16 {
            return;
        }
        for l in all.iter().filter(|l| l.parent_id == parent) {
            out.push((l, depth));
            walk(all, Some(l.id), depth + 1, out);
        }
    }
    let mut out = Vec::with_capacity(all.len());
    walk(all, None, 0, &mut out);
    out
}

/// `POST /verwaltung/buergerservice/{service}/verknuepfungen`: the life situations and related
/// services of a service.
pub(crate) async fn save_links(
    State(state): State<AppState>,
    staff: Staff,
    Path(service): Path<String>,
    HtmlForm(pairs): HtmlForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let csrf = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
    staff.check_csrf(csrf)?;
    require_region_editor(&staff)?;
    let dir = state.store.directory();
    let service = dir.service_by_slug(&service).await?.ok_or(AppError::NotFound)?;
    let ids = |key: &str| -> Result<Vec<i64>, AppError> {
        pairs
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.parse().map_err(|_| AppError::bad_request(format!("{key}: {v:?} is not an id"))))
            .collect()
    };
    dir.set_service_links(service.id, &ids("life_situation")?, &ids("related")?, &staff.actor()).await?;
    Ok(Redirect::to(&format!("/verwaltung/buergerservice/{}?done=gespeichert#verknuepfungen", service.slug))
        .into_response())
}

// ---- life situations -------------------------------------------------------------------------

struct LifeRow {
    name: String,
    href: String,
    child: bool,
    services: usize,
}

#[derive(Template)]
#[template(path = "staff/life_situations.html")]
struct LifeListView<'a> {
    chrome: Chrome<'a>,
    notice: Option<String>,
    rows: Vec<LifeRow>,
}

fn done_notice(t: &Tr<'_>, done: Option<&str>) -> Option<String> {
    match done? {
        "gespeichert" => Some(t.get("staff-services-saved")),
        _ => None,
    }
}

/// `GET /verwaltung/buergerservice/lebenslagen`: the tree.
pub(crate) async fn life_list(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    require_region_editor(&staff)?;
    let t = state.i18n.tr(ctx.locale);
    let dir = state.store.directory();
    let all = dir.life_situations().await?;
    let services = dir.services().await?;
    let rows = tree(&all)
        .into_iter()
        .map(|(l, depth)| LifeRow {
            name: l.name.clone(),
            href: format!("/verwaltung/buergerservice/lebenslagen/{}", l.slug),
            child: depth > 0,
            services: services.iter().filter(|s| s.life_situations.contains(&l.id)).count(),
        })
        .collect();
    let region = region_info(&state).await?;
    let view = LifeListView {
        chrome: Chrome::staff(&state, &ctx, &region, t.get("staff-catalogue-life"), Some(&staff)),
        notice: done_notice(&t, q.done.as_deref()),
        rows,
    };
    render(&view, StatusCode::OK)
}

/// The life situation form as sent.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct LifeBody {
    csrf: String,
    name: String,
    name_en: String,
    summary: String,
    parent: String,
}

struct ParentChoice {
    value: String,
    label: String,
    selected: bool,
}

#[derive(Template)]
#[template(path = "staff/life_situation_edit.html")]
struct LifeEditView<'a> {
    chrome: Chrome<'a>,
    action: String,
    public_href: Option<String>,
    csrf: String,
    errors: FormErrors,
    notice: Option<String>,
    fields: Vec<Field>,
    parents: Vec<ParentChoice>,
    services: Vec<String>,
}

async fn life_page(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    me: Option<&LifeSituationRecord>,
    body: &LifeBody,
    (errors, notice, status): (FormErrors, Option<String>, StatusCode),
) -> Result<Response, AppError> {
    let t = state.i18n.tr(ctx.locale);
    let region = region_info(state).await?;
    let dir = state.store.directory();
    let all = dir.life_situations().await?;
    // A situation cannot go below itself or its own descendants.
    let mut below: Vec<i64> = me.map(|m| vec![m.id]).unwrap_or_default();
    loop {
        let more: Vec<i64> = all
            .iter()
            .filter(|l| l.parent_id.is_some_and(|p| below.contains(&p)) && !below.contains(&l.id))
            .map(|l| l.id)
            .collect();
        if more.is_empty() {
            break;
        }
        below.extend(more);
    }
    let parents = std::iter::once(ParentChoice {
        value: String::new(),
        label: t.get("staff-catalogue-parent-none"),
        selected: body.parent.is_empty(),
    })
    .chain(tree(&all).into_iter().filter(|(l, _)| !below.contains(&l.id)).map(|(l, depth)| ParentChoice {
        value: l.id.to_string(),
        label: format!("{}{}", "– ".repeat(depth), l.name),
        selected: body.parent == l.id.to_string(),
    }))
    .collect();
    let services = match me {
        Some(m) => {
            let mut names: Vec<String> = dir
                .services()
                .await?
                .into_iter()
                .filter(|s| s.life_situations.contains(&m.id))
                .map(|s| s.content.name)
                .collect();
            names.sort_by_key(|n| n.to_lowercase());
            names
        }
        None => Vec::new(),
    };
    let fields = vec![
        text_field("life-name", "name", t.get("staff-catalogue-life-name"), String::new(), &body.name, &errors),
        text_field(
            "life-name-en",
            "name_en",
            t.get("staff-catalogue-life-name-en"),
            t.get("staff-catalogue-life-name-en-hint"),
            &body.name_en,
            &errors,
        ),
        Field::new(
            "life-summary",
            "summary",
            t.get("staff-services-field-summary"),
            t.get("staff-catalogue-summary-hint"),
            body.summary.clone(),
            errors.get("life-summary").map(str::to_owned),
            "textarea",
            3,
        ),
    ];
    let (title, action) = match me {
        Some(m) => (m.name.clone(), format!("/verwaltung/buergerservice/lebenslagen/{}", m.slug)),
        None => (t.get("staff-catalogue-life-new"), "/verwaltung/buergerservice/lebenslagen".to_owned()),
    };
    let view = LifeEditView {
        chrome: Chrome::staff(state, ctx, &region, title, Some(staff)),
        action,
        public_href: me.map(|m| format!("/buergerservice/lebenslagen/{}", m.slug)),
        csrf: staff.session.csrf_token.clone(),
        errors,
        notice,
        fields,
        parents,
        services,
    };
    render(&view, status)
}

fn life_body(l: &LifeSituationRecord) -> LifeBody {
    LifeBody {
        csrf: String::new(),
        name: l.name.clone(),
        name_en: l.name_en.clone().unwrap_or_default(),
        summary: l.summary.clone(),
        parent: l.parent_id.map(|p| p.to_string()).unwrap_or_default(),
    }
}

/// Checks the form: a name and a summary of sane length, a parent that exists.
fn life_input(t: &Tr<'_>, body: &LifeBody, all: &[LifeSituationRecord]) -> Result<LifeSituationInput, FormErrors> {
    let mut errors = FormErrors::default();
    let name = body.name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        errors.add("life-name", t.get("staff-catalogue-error-life-name"));
    }
    let name_en = body.name_en.trim();
    if name_en.chars().count() > 100 {
        errors.add("life-name-en", t.get("staff-catalogue-error-life-name"));
    }
    let summary = body.summary.trim();
    if summary.is_empty() || summary.chars().count() > 500 {
        errors.add("life-summary", t.get("staff-catalogue-error-life-summary"));
    }
    let parent_id = match body.parent.trim() {
        "" => None,
        p => match p.parse::<i64>().ok().filter(|id| all.iter().any(|l| l.id == *id)) {
            Some(id) => Some(id),
            None => {
                errors.add("life-parent", t.get("staff-catalogue-error-parent"));
                None
            }
        },
    };
    if errors.is_empty() {
        Ok(LifeSituationInput {
            name: name.to_owned(),
            name_en: (!name_en.is_empty()).then(|| name_en.to_owned()),
            summary: summary.to_owned(),
            parent_id,
        })
    } else {
        Err(errors)
    }
}

/// `GET /verwaltung/buergerservice/lebenslagen/neu`.
pub(crate) async fn life_new(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
) -> Result<Response, AppError> {
    require_region_editor(&staff)?;
    life_page(&state, &ctx, &staff, None, &LifeBody::default(), (FormErrors::default(), None, StatusCode::OK)).await
}

/// `POST /verwaltung/buergerservice/lebenslagen`: a new life situation.
pub(crate) async fn life_create(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    HtmlForm(body): HtmlForm<LifeBody>,
) -> Result<Response, AppError> {
    staff.check_csrf(&body.csrf)?;
    require_region_editor(&staff)?;
    let t = state.i18n.tr(ctx.locale);
    let dir = state.store.directory();
    let all = dir.life_situations().await?;
    let mut result = life_input(&t, &body, &all);
    let taken: Vec<String> = all.iter().map(|l| l.slug.to_string()).collect();
    let slug = free_slug(&body.name, &taken);
    if let (Ok(_), None) = (&result, &slug) {
        let mut errors = FormErrors::default();
        errors.add("life-name", t.get("staff-offices-office-name-letters"));
        result = Err(errors);
    }
    match (result, slug) {
        (Ok(input), Some(slug)) => {
            dir.create_life_situation(&slug, &input, &staff.actor()).await?;
            Ok(Redirect::to(&format!("/verwaltung/buergerservice/lebenslagen/{slug}?done=gespeichert")).into_response())
        }
        (Err(errors), _) => {
            life_page(&state, &ctx, &staff, None, &body, (errors, None, StatusCode::UNPROCESSABLE_ENTITY)).await
        }
        (Ok(_), None) => Err(AppError::bug("a life situation without a slug passed the check")),
    }
}

/// `GET /verwaltung/buergerservice/lebenslagen/{life}`.
pub(crate) async fn life_edit(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(slug): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    require_region_editor(&staff)?;
    let all = state.store.directory().life_situations().await?;
    let me = all.iter().find(|l| l.slug.as_str() == slug).ok_or(AppError::NotFound)?;
    let t = state.i18n.tr(ctx.locale);
    let notice = done_notice(&t, q.done.as_deref());
    life_page(&state, &ctx, &staff, Some(me), &life_body(me), (FormErrors::default(), notice, StatusCode::OK)).await
}

/// `POST /verwaltung/buergerservice/lebenslagen/{life}`.
pub(crate) async fn life_update(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(slug): Path<String>,
    HtmlForm(body): HtmlForm<LifeBody>,
) -> Result<Response, AppError> {
    staff.check_csrf(&body.csrf)?;
    require_region_editor(&staff)?;
    let t = state.i18n.tr(ctx.locale);
    let dir = state.store.directory();
    let all = dir.life_situations().await?;
    let me = all.iter().find(|l| l.slug.as_str() == slug).ok_or(AppError::NotFound)?;
    let conflict = |message: String| {
        let mut errors = FormErrors::default();
        errors.add("life-parent", message);
        errors
    };
    let result = match life_input(&t, &body, &all) {
        Ok(input) => match dir.update_life_situation(me.id, &input, &staff.actor()).await {
            Ok(()) => Ok(()),
            Err(regioportal_storage::StorageError::Conflict(_)) => {
                Err(conflict(t.get("staff-catalogue-error-parent-loop")))
            }
            Err(e) => return Err(e.into()),
        },
        Err(errors) => Err(errors),
    };
    match result {
        Ok(()) => Ok(Redirect::to(&format!("/verwaltung/buergerservice/lebenslagen/{}?done=gespeichert", me.slug))
            .into_response()),
        Err(errors) => {
            life_page(&state, &ctx, &staff, Some(me), &body, (errors, None, StatusCode::UNPROCESSABLE_ENTITY)).await
        }
    }
}
