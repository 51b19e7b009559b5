//! The Bürgerservice in the staff area. A municipality's editors decide, field by field, whether
//! their pages show the region's master text of a service or their own text, write a local
//! note and upload their own forms; region editors edit the master text and upload the
//! regional forms.
//!
//! Every handler checks access before it reads a body: the municipality's editors (and platform
//! administrators) for `/verwaltung/{municipality}/buergerservice…`, region editors (and
//! platform administrators) for `/verwaltung/buergerservice…`.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use regioportal_domain::Locale;
use regioportal_domain::pdf::{PdfInfo, PdfProblem, check_pdf};
use regioportal_domain::services::{FieldProblem, ServiceField};
use regioportal_storage::{FormRecord, LocalPart, MunicipalityRecord, NewForm, ServiceRecord};

use super::events::{Need, events_municipality};
use super::session::HtmlForm;
use super::{DoneQuery, FormErrors, Staff, local_time};
use super::{render, require_region_editor};
use crate::AppState;
use crate::chrome::{Chrome, region_info};
use crate::ctx::RequestCtx;
use crate::error::AppError;
use crate::i18n::Tr;

/// The largest form PDF an editor may upload (10 MiB).
pub const FORM_LIMIT: usize = 10 << 20;

/// The largest multipart body of a form upload: the PDF and its few text fields. The router's
/// overall body limit applies as well.
pub const UPLOAD_BODY_LIMIT: usize = FORM_LIMIT + (1 << 20);

/// The longest local note, in characters.
const NOTE_LIMIT: usize = 10_000;

async fn service_of(state: &AppState, slug: &str) -> Result<ServiceRecord, AppError> {
    state.store.directory().service_by_slug(slug).await?.ok_or(AppError::NotFound)
}

/// Whose editor a page is.
#[derive(Clone, Copy)]
enum Editor<'m> {
    /// A municipality's: overrides, note and its own forms.
    Local(&'m MunicipalityRecord),
    /// The region's: the master text and the regional forms.
    Region,
}

impl Editor<'_> {
    fn base(self) -> String {
        match self {
            Self::Local(m) => format!("/verwaltung/{}/buergerservice", m.slug()),
            Self::Region => "/verwaltung/buergerservice".to_owned(),
        }
    }
}

fn done_notice(t: &Tr<'_>, done: Option<&str>) -> Option<String> {
    Some(t.get(match done? {
        "gespeichert" => "staff-services-saved",
        "angelegt" => "staff-catalogue-service-created",
        "hochgeladen" => "staff-services-uploaded",
        "eingestellt" => "staff-services-discontinued-notice",
        "wiederhergestellt" => "staff-services-restored-notice",
        _ => return None,
    }))
}

/// A German-aware A–Z key.
fn sort_key(s: &str) -> String {
    s.to_lowercase().replace('ä', "a").replace('ö', "o").replace('ü', "u").replace('ß', "ss")
}

// ---- the list --------------------------------------------------------------------------------

struct ListRow {
    name: String,
    href: String,
    overrides: usize,
    discontinued: bool,
}

#[derive(Template)]
#[template(path = "staff/services.html")]
struct ListView<'a> {
    chrome: Chrome<'a>,
    caption: String,
    intro: String,
    local: bool,
    rows: Vec<ListRow>,
    region_href: Option<String>,
    offices_href: String,
}

async fn list_page(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    editor: Editor<'_>,
) -> Result<Response, AppError> {
    let t = state.i18n.tr(ctx.locale);
    let mut services = state.store.directory().services().await?;
    // Discontinued services after the others.
    services.sort_by_cached_key(|s| (s.archived_at.is_some(), sort_key(&s.content.name)));
    let base = editor.base();
    // One query for the municipality's local parts; the list counts their overrides.
    let overridden: std::collections::HashMap<i64, usize> = match editor {
        Editor::Local(m) => state
            .store
            .directory()
            .locals(m.scope())
            .await?
            .into_iter()
            .map(|(sid, part)| (sid, part.overrides.fields().len()))
            .collect(),
        Editor::Region => std::collections::HashMap::new(),
    };
    let rows = services
        .iter()
        .map(|s| ListRow {
            name: s.content.name.clone(),
            href: format!("{base}/{}", s.slug),
            overrides: overridden.get(&s.id).copied().unwrap_or(0),
            discontinued: s.archived_at.is_some(),
        })
        .collect();
    let region = region_info(state).await?;
    let (title, caption, intro, region_href) = match editor {
        Editor::Local(m) => (
            t.get("staff-services"),
            m.name.clone(),
            t.get("staff-services-intro-local"),
            staff.perms.can_edit_region().then(|| "/verwaltung/buergerservice".to_owned()),
        ),
        Editor::Region => {
            (t.get("staff-services-region-title"), region.name.clone(), t.get("staff-services-intro-region"), None)
        }
    };
    let view = ListView {
        chrome: Chrome::staff(state, ctx, &region, title, Some(staff)),
        caption,
        intro,
        local: matches!(editor, Editor::Local(_)),
        rows,
        region_href,
        offices_href: match editor {
            Editor::Local(m) => format!("/verwaltung/{}/aemter", m.slug()),
            Editor::Region => String::new(),
        },
    };
    render(&view, StatusCode::OK)
}

/// `GET /verwaltung/{municipality}/buergerservice`: the services, A–Z, with how many fields the
/// municipality overrides.
pub(crate) async fn list(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(slug): Path<String>,
) -> Result<Response, AppError> {
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    list_page(&state, &ctx, &staff, Editor::Local(&m)).await
}

/// `GET /verwaltung/buergerservice`: the services, A–Z, to edit the master text of.
pub(crate) async fn region_list(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
) -> Result<Response, AppError> {
    require_region_editor(&staff)?;
    list_page(&state, &ctx, &staff, Editor::Region).await
}

// ---- the editor page -------------------------------------------------------------------------

/// One field of the editor.
struct FieldRow {
    key: &'static str,
    label: String,
    hint: String,
    /// The region's text, line by line (the local editor shows it read-only).
    master: Vec<String>,
    /// What the text box holds.
    value: String,
    /// Whether "override here" is ticked.
    checked: bool,
    /// Whether the stored local part overrides the field (the status line).
    overridden: bool,
    /// A text area (else a one-line input).
    long: bool,
    rows: u32,
    error: Option<String>,
}

/// One form in the lists.
struct FormRow {
    title: String,
    href: String,
    format: String,
    version: String,
    language: String,
    valid_from: String,
    owner: String,
    archived: String,
}

/// The values of the upload form (kept when an upload is refused; a file input cannot be).
#[derive(Debug, Default)]
struct UploadForm {
    title: String,
    language: String,
    version: String,
    valid_from: String,
}

#[derive(Template)]
#[template(path = "staff/service_edit.html")]
struct EditView<'a> {
    chrome: Chrome<'a>,
    caption: String,
    local: bool,
    action: String,
    upload_action: String,
    list_href: String,
    public_href: String,
    master_href: Option<String>,
    csrf: String,
    errors: FormErrors,
    notice: Option<String>,
    leika: String,
    level: String,
    fields: Vec<FieldRow>,
    note: String,
    note_error: Option<String>,
    upload: UploadForm,
    forms: Vec<FormRow>,
    archived: Vec<FormRow>,
    /// The region editor's life situations and related services.
    links: Option<super::catalogue::LinksView>,
    /// Since when the service is discontinued, if it is.
    discontinued_since: Option<String>,
    /// Region editors: where to discontinue or restore it.
    archive_action: Option<String>,
}

/// What the text form holds: stored values, or what the editor sent.
struct Input {
    texts: BTreeMap<ServiceField, String>,
    checked: BTreeSet<ServiceField>,
    note: String,
}

impl Input {
    fn stored(service: &ServiceRecord, local: &LocalPart) -> Self {
        let texts = ServiceField::ALL
            .into_iter()
            .map(|f| {
                let text = local.overrides.get(f).map_or_else(|| service.content.field_text(f), str::to_owned);
                (f, text)
            })
            .collect();
        Self { texts, checked: local.overrides.fields().into_iter().collect(), note: local.note.clone() }
    }

    fn from_pairs(pairs: Vec<(String, String)>) -> (String, Self) {
        let mut csrf = String::new();
        let mut input = Self { texts: BTreeMap::new(), checked: BTreeSet::new(), note: String::new() };
        for (k, v) in pairs {
            match k.as_str() {
                "csrf" => csrf = v,
                "note" => input.note = v,
                "override" => {
                    if let Some(f) = ServiceField::parse(&v) {
                        input.checked.insert(f);
                    }
                }
                other => {
                    if let Some(f) = ServiceField::parse(other) {
                        input.texts.insert(f, v);
                    }
                }
            }
        }
        (csrf, input)
    }
}

/// The varying parts of the editor page.
struct PageParts {
    input: Input,
    upload: UploadForm,
    errors: FormErrors,
    notice: Option<String>,
    status: StatusCode,
}

fn field_id(f: ServiceField) -> String {
    format!("field-{}", f.as_str())
}

fn field_hint(t: &Tr<'_>, f: ServiceField) -> String {
    match f {
        ServiceField::Fees => t.get("staff-services-hint-fees"),
        ServiceField::LegalBasis => t.get("staff-services-hint-legal"),
        ServiceField::Synonyms | ServiceField::Documents => t.get("staff-services-hint-list"),
        ServiceField::OnlineUrl => t.get("staff-services-hint-url"),
        f if f.is_markdown() => t.get("staff-services-hint-markdown"),
        _ => String::new(),
    }
}

fn field_label(t: &Tr<'_>, f: ServiceField) -> String {
    t.get(&format!("staff-services-field-{}", f.as_str().replace('_', "-")))
}

/// A field problem in the page's language, with the English detail that says what to change.
fn problem_message(t: &Tr<'_>, p: &FieldProblem) -> String {
    let label = ServiceField::parse(&p.field).map_or_else(|| p.field.clone(), |f| field_label(t, f));
    let known =
        ["service-bad-fee", "service-bad-url", "service-name-missing", "service-summary-missing", "service-too-long"];
    if known.contains(&p.code) {
        format!("{label}: {} ({})", t.get(&format!("staff-services-{}", p.code)), p.detail)
    } else {
        format!("{label}: {}", p.detail)
    }
}

fn form_rows(t: &Tr<'_>, forms: &[FormRecord], m: Option<&MunicipalityRecord>) -> Vec<FormRow> {
    forms
        .iter()
        .map(|f| FormRow {
            title: f.title.clone(),
            href: crate::services::form_href(f),
            format: crate::services::file_label(f.size),
            version: f.version.clone(),
            language: match f.language.as_str() {
                "de" => t.get("staff-services-form-language-de"),
                "en" => t.get("staff-services-form-language-en"),
                other => other.to_owned(),
            },
            valid_from: f.valid_from.map(|d| d.format("%d.%m.%Y").to_string()).unwrap_or_default(),
            owner: match (&f.municipality, m) {
                (Some(_), Some(m)) => m.name.clone(),
                (Some(s), None) => s.to_string(),
                (None, _) => t.get("staff-services-form-owner-region"),
            },
            archived: f.archived_at.map(local_time).unwrap_or_default(),
        })
        .collect()
}

async fn edit_page(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    editor: Editor<'_>,
    service: &ServiceRecord,
    parts: PageParts,
) -> Result<Response, AppError> {
    let PageParts { mut input, upload, errors, notice, status } = parts;
    let t = state.i18n.tr(ctx.locale);
    let dir = state.store.directory();
    let (stored, m) = match editor {
        Editor::Local(m) => (dir.local(m.scope(), service.id).await?, Some(m)),
        Editor::Region => (LocalPart::default(), None),
    };
    let fields = ServiceField::ALL
        .into_iter()
        .map(|f| {
            let master = service.content.field_text(f);
            let long = !matches!(f, ServiceField::Name | ServiceField::OnlineUrl);
            FieldRow {
                key: f.as_str(),
                label: field_label(&t, f),
                hint: field_hint(&t, f),
                master: master.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect(),
                value: input.texts.remove(&f).unwrap_or(master),
                checked: input.checked.contains(&f),
                overridden: stored.overrides.is_set(f),
                long,
                rows: if f.is_markdown() {
                    8
                } else if f.is_list() {
                    4
                } else {
                    3
                },
                error: errors.get(&field_id(f)).map(str::to_owned),
            }
        })
        .collect();
    let scope = m.map(MunicipalityRecord::scope);
    let forms = dir.forms(service.id, scope).await?;
    let archived = dir.archived_forms(service.id, scope).await?;
    let region = region_info(state).await?;
    let base = editor.base();
    let action = format!("{base}/{}", service.slug);
    let view = EditView {
        chrome: Chrome::staff(state, ctx, &region, service.content.name.clone(), Some(staff)),
        caption: match m {
            Some(m) => m.name.clone(),
            None => t.get("staff-services-master-caption"),
        },
        local: m.is_some(),
        upload_action: format!("{action}/formulare"),
        action,
        list_href: base,
        public_href: crate::services::pages::service_href(m, service),
        master_href: (m.is_some() && staff.perms.can_edit_region())
            .then(|| format!("/verwaltung/buergerservice/{}", service.slug)),
        csrf: staff.session.csrf_token.clone(),
        note_error: errors.get("note").map(str::to_owned),
        errors,
        notice,
        leika: service.leika.as_ref().map(|k| k.as_str().to_owned()).unwrap_or_else(|| "–".to_owned()),
        level: service.level.as_str().to_owned(),
        fields,
        note: input.note,
        upload,
        forms: form_rows(&t, &forms, m),
        archived: form_rows(&t, &archived, m),
        links: match editor {
            Editor::Region => Some(super::catalogue::links_view(state, service).await?),
            Editor::Local(_) => None,
        },
        discontinued_since: service.archived_at.map(super::local_time),
        archive_action: matches!(editor, Editor::Region).then(|| {
            let verb = if service.archived_at.is_some() { "wiederherstellen" } else { "einstellen" };
            format!("/verwaltung/buergerservice/{}/{verb}", service.slug)
        }),
    };
    render(&view, status)
}

fn stored_parts(service: &ServiceRecord, local: &LocalPart, notice: Option<String>) -> PageParts {
    PageParts {
        input: Input::stored(service, local),
        upload: UploadForm { language: "de".to_owned(), ..UploadForm::default() },
        errors: FormErrors::default(),
        notice,
        status: StatusCode::OK,
    }
}

/// `GET /verwaltung/{municipality}/buergerservice/{service}`: the local editor.
pub(crate) async fn edit_local(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, service)): Path<(String, String)>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let service = service_of(&state, &service).await?;
    let local = state.store.directory().local(m.scope(), service.id).await?;
    let t = state.i18n.tr(ctx.locale);
    let parts = stored_parts(&service, &local, done_notice(&t, q.done.as_deref()));
    edit_page(&state, &ctx, &staff, Editor::Local(&m), &service, parts).await
}

/// `POST /verwaltung/{municipality}/buergerservice/{service}`: stores the overrides (ticked
/// fields) and the note; unticked fields take the region's text again.
pub(crate) async fn save_local(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, service)): Path<(String, String)>,
    HtmlForm(pairs): HtmlForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (csrf, input) = Input::from_pairs(pairs);
    staff.check_csrf(&csrf)?;
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let service = service_of(&state, &service).await?;
    let t = state.i18n.tr(ctx.locale);
    let stored = state.store.directory().local(m.scope(), service.id).await?;
    let mut overrides = stored.overrides.clone();
    let mut errors = FormErrors::default();
    for f in ServiceField::ALL {
        if input.checked.contains(&f) {
            let text = input.texts.get(&f).map_or("", String::as_str);
            if let Err(p) = overrides.set(f, text) {
                errors.add(&field_id(f), problem_message(&t, &p));
            }
        } else {
            overrides.clear(f);
        }
    }
    let note = input.note.trim().replace("\r\n", "\n");
    if note.chars().count() > NOTE_LIMIT {
        errors.add("note", t.get("staff-services-error-note"));
    }
    if !errors.is_empty() {
        let parts = PageParts {
            input,
            upload: UploadForm { language: "de".to_owned(), ..UploadForm::default() },
            errors,
            notice: None,
            status: StatusCode::UNPROCESSABLE_ENTITY,
        };
        return edit_page(&state, &ctx, &staff, Editor::Local(&m), &service, parts).await;
    }
    let part = LocalPart { overrides, note, updated_at: None };
    state.store.directory().set_local(m.scope(), service.id, &part, &staff.actor()).await?;
    Ok(Redirect::to(&format!("/verwaltung/{}/buergerservice/{}?done=gespeichert", m.slug(), service.slug))
        .into_response())
}

/// `GET /verwaltung/buergerservice/{service}`: the master-text editor.
pub(crate) async fn edit_master(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(service): Path<String>,
    Query(q): Query<DoneQuery>,
) -> Result<Response, AppError> {
    require_region_editor(&staff)?;
    let service = service_of(&state, &service).await?;
    let t = state.i18n.tr(ctx.locale);
    let parts = stored_parts(&service, &LocalPart::default(), done_notice(&t, q.done.as_deref()));
    edit_page(&state, &ctx, &staff, Editor::Region, &service, parts).await
}

/// `POST /verwaltung/buergerservice/{service}/einstellen`: discontinues a service. It leaves
/// the public pages, the API and the search; everything that belongs to it stays.
pub(crate) async fn discontinue(
    State(state): State<AppState>,
    staff: Staff,
    Path(service): Path<String>,
    HtmlForm(body): HtmlForm<super::events::CsrfForm>,
) -> Result<Response, AppError> {
    set_discontinued(state, staff, service, body, true).await
}

/// `POST /verwaltung/buergerservice/{service}/wiederherstellen`: makes a discontinued service
/// public again, with its local texts, forms and responsibilities.
pub(crate) async fn restore(
    State(state): State<AppState>,
    staff: Staff,
    Path(service): Path<String>,
    HtmlForm(body): HtmlForm<super::events::CsrfForm>,
) -> Result<Response, AppError> {
    set_discontinued(state, staff, service, body, false).await
}

async fn set_discontinued(
    state: AppState,
    staff: Staff,
    service: String,
    body: super::events::CsrfForm,
    discontinued: bool,
) -> Result<Response, AppError> {
    staff.check_csrf(body.csrf())?;
    require_region_editor(&staff)?;
    let service = service_of(&state, &service).await?;
    state.store.directory().archive_service(service.id, discontinued, &staff.actor()).await?;
    let done = if discontinued { "eingestellt" } else { "wiederhergestellt" };
    Ok(Redirect::to(&format!("/verwaltung/buergerservice/{}?done={done}", service.slug)).into_response())
}

/// `POST /verwaltung/buergerservice/{service}`: stores the master text (the LeiKa key and the
/// level stay as they are). Every municipality that does not override a field sees the change.
pub(crate) async fn save_master(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(service): Path<String>,
    HtmlForm(pairs): HtmlForm<Vec<(String, String)>>,
) -> Result<Response, AppError> {
    let (csrf, input) = Input::from_pairs(pairs);
    staff.check_csrf(&csrf)?;
    require_region_editor(&staff)?;
    let service = service_of(&state, &service).await?;
    let t = state.i18n.tr(ctx.locale);
    let mut content = service.content.clone();
    let mut errors = FormErrors::default();
    for f in ServiceField::ALL {
        // A field the form did not send keeps its text.
        let Some(text) = input.texts.get(&f) else { continue };
        if let Err(p) = content.set_field_text(f, text) {
            errors.add(&field_id(f), problem_message(&t, &p));
        }
    }
    for p in content.problems() {
        let id = ServiceField::parse(&p.field).map_or_else(|| p.field.clone(), field_id);
        if errors.get(&id).is_none() {
            errors.add(&id, problem_message(&t, &p));
        }
    }
    if !errors.is_empty() {
        // The summary lists the problems in field order.
        let order = |id: &str| ServiceField::ALL.iter().position(|f| field_id(*f) == id).unwrap_or(usize::MAX);
        errors.items.sort_by_key(|i| order(&i.field));
        let parts = PageParts {
            input,
            upload: UploadForm { language: "de".to_owned(), ..UploadForm::default() },
            errors,
            notice: None,
            status: StatusCode::UNPROCESSABLE_ENTITY,
        };
        return edit_page(&state, &ctx, &staff, Editor::Region, &service, parts).await;
    }
    state
        .store
        .directory()
        .update_master(service.id, service.leika.as_ref(), service.level, &content, &staff.actor())
        .await?;
    Ok(Redirect::to(&format!("/verwaltung/buergerservice/{}?done=gespeichert", service.slug)).into_response())
}

// ---- form uploads ----------------------------------------------------------------------------

/// What a form upload sent.
#[derive(Debug, Default)]
struct Upload {
    csrf: String,
    form: UploadForm,
    bytes: Vec<u8>,
    file_name: String,
    /// The file was larger than [`FORM_LIMIT`] (its bytes were dropped).
    too_big: bool,
}

async fn read_upload(req: Request, state: &AppState) -> Result<Upload, AppError> {
    use axum::extract::FromRequest as _;
    let mut multipart = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|e| AppError::bad_request(format!("{}: send the form as multipart/form-data", e.body_text())))?;
    let unreadable = |e: axum::extract::multipart::MultipartError| {
        AppError::bad_request(format!("the upload could not be read ({e}): send the form again; PDF files up to 10 MB"))
    };
    let mut up = Upload::default();
    loop {
        let field = match multipart.next_field().await {
            Ok(Some(f)) => f,
            Ok(None) => break,
            // The body ran over the upload limit: the file was too large.
            Err(e) if up.too_big || e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                up.too_big = true;
                break;
            }
            Err(e) => return Err(unreadable(e)),
        };
        let name = field.name().unwrap_or_default().to_owned();
        let mut field = field;
        if name == "file" {
            up.file_name = field.file_name().unwrap_or_default().to_owned();
            loop {
                match field.chunk().await {
                    Ok(Some(chunk)) => {
                        if up.too_big {
                            // Read to the end, so that the browser sees the answer.
                            continue;
                        }
                        if up.bytes.len() + chunk.len() > FORM_LIMIT {
                            up.too_big = true;
                            up.bytes = Vec::new();
                        } else {
                            up.bytes.extend_from_slice(&chunk);
                        }
                    }
                    Ok(None) => break,
                    Err(e) if up.too_big || e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                        up.too_big = true;
                        break;
                    }
                    Err(e) => return Err(unreadable(e)),
                }
            }
            if up.too_big {
                up.bytes = Vec::new();
            }
            continue;
        }
        let text = match field.text().await {
            Ok(t) => t,
            Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                up.too_big = true;
                break;
            }
            Err(e) => return Err(unreadable(e)),
        };
        match name.as_str() {
            "csrf" => up.csrf = text,
            "title" => up.form.title = text,
            "language" => up.form.language = text,
            "version" => up.form.version = text,
            "valid_from" => up.form.valid_from = text,
            _ => {}
        }
    }
    Ok(up)
}

/// A refused PDF in the page's language: German from the locale file, English as the check
/// words it.
fn pdf_message(t: &Tr<'_>, p: &PdfProblem) -> String {
    match t.locale {
        Locale::De => t.get(&format!("staff-services-{}", p.code())),
        _ => p.to_string(),
    }
}

/// The file name as uploaded, without folders, at most 200 characters.
fn clean_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default();
    base.chars().filter(|c| !c.is_control()).take(200).collect::<String>().trim().to_owned()
}

async fn upload_form(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    editor: Editor<'_>,
    service: &ServiceRecord,
    req: Request,
) -> Result<Response, AppError> {
    let up = read_upload(req, state).await?;
    staff.check_csrf(&up.csrf)?;
    let t = state.i18n.tr(ctx.locale);
    let mut errors = FormErrors::default();
    let title = up.form.title.trim().to_owned();
    if title.is_empty() || title.chars().count() > 200 {
        errors.add("form-title", t.get("staff-services-error-form-title"));
    }
    let language = up.form.language.trim().to_owned();
    if !matches!(language.as_str(), "de" | "en") {
        errors.add("form-language", t.get("staff-services-error-form-language"));
    }
    let version = up.form.version.trim().to_owned();
    if version.chars().count() > 50 {
        errors.add("form-version", t.get("staff-services-error-form-version"));
    }
    let valid_from = match up.form.valid_from.trim() {
        "" => None,
        s => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .or_else(|_| chrono::NaiveDate::parse_from_str(s, "%d.%m.%Y"))
        {
            Ok(d) => Some(d),
            Err(_) => {
                errors.add("form-valid-from", t.get("staff-services-error-form-valid-from"));
                None
            }
        },
    };
    let mut status = StatusCode::UNPROCESSABLE_ENTITY;
    let mut info: Option<PdfInfo> = None;
    let bytes = std::sync::Arc::new(up.bytes);
    if up.too_big {
        errors.add("form-file", t.get("staff-services-error-form-too-big"));
        status = StatusCode::PAYLOAD_TOO_LARGE;
    } else if bytes.is_empty() {
        errors.add("form-file", t.get("staff-services-error-form-file-missing"));
    } else {
        let b = bytes.clone();
        match tokio::task::spawn_blocking(move || check_pdf(&b)).await.map_err(AppError::internal)? {
            Ok(i) => info = Some(i),
            Err(p) => errors.add("form-file", pdf_message(&t, &p)),
        }
    }
    let (Some(info), true) = (info, errors.is_empty()) else {
        let local = match editor {
            Editor::Local(m) => state.store.directory().local(m.scope(), service.id).await?,
            Editor::Region => LocalPart::default(),
        };
        let parts = PageParts { input: Input::stored(service, &local), upload: up.form, errors, notice: None, status };
        return edit_page(state, ctx, staff, editor, service, parts).await;
    };
    let files = state.files.clone();
    let b = bytes.clone();
    let sha256 = tokio::task::spawn_blocking(move || files.put(&b)).await.map_err(AppError::internal)??;
    let new = NewForm {
        title,
        language,
        version,
        valid_from,
        sha256,
        size: u64::try_from(bytes.len()).unwrap_or(u64::MAX),
        pages: info.pages,
        original_name: clean_name(&up.file_name),
    };
    let scope = match editor {
        Editor::Local(m) => Some(m.scope()),
        Editor::Region => None,
    };
    state.store.directory().add_form(scope, service.id, &new, &staff.actor()).await?;
    Ok(Redirect::to(&format!("{}/{}?done=hochgeladen#formulare", editor.base(), service.slug)).into_response())
}

/// `POST /verwaltung/{municipality}/buergerservice/{service}/formulare` (multipart: `csrf`,
/// `title`, `language`, `version`, `valid_from`, `file`): a form of the municipality. Access is
/// checked before the body is read.
pub(crate) async fn upload_local(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, service)): Path<(String, String)>,
    req: Request,
) -> Result<Response, AppError> {
    let m = events_municipality(&state, &staff, &slug, Need::Edit).await?;
    let service = service_of(&state, &service).await?;
    upload_form(&state, &ctx, &staff, Editor::Local(&m), &service, req).await
}

/// `POST /verwaltung/buergerservice/{service}/formulare`: a regional form (region editors).
pub(crate) async fn upload_region(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path(service): Path<String>,
    req: Request,
) -> Result<Response, AppError> {
    require_region_editor(&staff)?;
    let service = service_of(&state, &service).await?;
    upload_form(&state, &ctx, &staff, Editor::Region, &service, req).await
}
