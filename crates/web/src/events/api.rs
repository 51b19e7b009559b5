//! `/api/v1/events`: the occurrences of a window, one event, and writing events with a token
//! (or, without one, an organiser's submission that waits for moderation).

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use regioportal_domain::auth::Role;
use regioportal_domain::events::{
    self as ev, Cursor, DraftInput, DraftProblem, EventDraft, EventStatus, LinkInput, MAX_PAGE, OverrideInput,
};
use regioportal_storage::{EventRecord, EventSource, NewEvent, TokenPrincipal};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::{CalendarParams, occurrence_bounds};
use crate::AppState;
use crate::api::token::ApiClient;
use crate::api::{ApiJson, ApiQuery};
use crate::error::{AppError, FieldError};
use crate::staff::session::ClientIp;

/// Parameters of `GET /api/v1/events`.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct WindowParams {
    /// Start of the window: a date (local midnight, Europe/Berlin) or an RFC 3339 instant. Default: today.
    #[param(example = "2026-12-01")]
    pub from: Option<String>,
    /// End of the window (exclusive), a date or an instant. Default: 30 days after `from`.
    #[param(example = "2026-12-31")]
    pub to: Option<String>,
    /// A preset window instead of from/to: `today`, `weekend`, `week`, `month`.
    pub when: Option<String>,
    /// A municipality slug.
    pub municipality: Option<String>,
    /// `own` (default with a municipality), `near` (with its county and the county's towns) or
    /// `region` (default without a municipality).
    pub scope: Option<String>,
    /// Category codes, comma-separated (any of them), e.g. `konzert,theater`.
    pub category: Option<String>,
    /// Words that must all occur in title, venue, place, organiser or description.
    pub q: Option<String>,
    /// Only events at this place (the venue's town or district).
    pub place: Option<String>,
    /// `true`: only free entry.
    pub free: Option<String>,
    /// `true`: only step-free venues.
    pub accessible: Option<String>,
    /// Items per page, 1–1000 (default 100).
    pub limit: Option<usize>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl WindowParams {
    /// The calendar part of the parameters.
    pub fn calendar(&self) -> CalendarParams {
        CalendarParams {
            from: self.from.clone(),
            to: self.to.clone(),
            when: self.when.clone(),
            municipality: self.municipality.clone(),
            scope: self.scope.clone(),
            category: self.category.clone(),
            q: self.q.clone(),
            place: self.place.clone(),
            free: self.free.clone(),
            accessible: self.accessible.clone(),
        }
    }
}

/// Accessibility of a venue.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccessibilityBody {
    /// Step-free access.
    #[serde(default)]
    pub step_free: bool,
    /// Accessible toilet.
    #[serde(default)]
    pub accessible_toilet: bool,
    /// Induction loop.
    #[serde(default)]
    pub induction_loop: bool,
    /// Notes.
    #[serde(default)]
    pub note: Option<String>,
}

/// Where an event takes place.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VenueBody {
    /// Name of the venue.
    #[schema(example = "Volkshaus Jena")]
    pub name: String,
    /// Street and number.
    #[serde(default)]
    pub street: Option<String>,
    /// Postcode.
    #[serde(default)]
    pub postcode: Option<String>,
    /// Town or district.
    #[serde(default)]
    pub place: Option<String>,
    /// Latitude (WGS 84).
    #[serde(default)]
    pub lat: Option<f64>,
    /// Longitude (WGS 84).
    #[serde(default)]
    pub lon: Option<f64>,
    /// Accessibility.
    #[serde(default)]
    pub accessibility: AccessibilityBody,
}

/// Who organises an event.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrganizerBody {
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// E-mail (required for a submission without a token; never published for those).
    #[serde(default)]
    pub email: Option<String>,
    /// Phone.
    #[serde(default)]
    pub phone: Option<String>,
    /// Website.
    #[serde(default)]
    pub url: Option<String>,
}

/// A link.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkBody {
    /// Link text.
    #[serde(default)]
    pub label: String,
    /// Target.
    pub url: String,
}

/// A changed or cancelled single occurrence (iCalendar RECURRENCE-ID).
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideBody {
    /// The occurrence's start as the rule generates it (local time, or a date for all-day).
    #[schema(example = "2026-12-24T19:00:00")]
    pub recurrence_id: String,
    /// Cancelled.
    #[serde(default)]
    pub cancelled: bool,
    /// A new start (moved).
    #[serde(default)]
    pub start: Option<String>,
    /// A new end.
    #[serde(default)]
    pub end: Option<String>,
    /// A title for this occurrence.
    #[serde(default)]
    pub title: Option<String>,
}

/// An event as it is written and read.
#[derive(Debug, Clone, Default, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EventBody {
    /// Title.
    #[schema(example = "Adventskonzert")]
    pub title: String,
    /// Description in Markdown (rendered sanitised).
    #[serde(default)]
    pub description: String,
    /// Start: local time in `timezone` (`2026-12-05T19:00`), RFC 3339 with offset, or a date for all-day events.
    #[schema(example = "2026-12-05T19:00:00+01:00")]
    pub start: String,
    /// End, like `start`; for all-day events the day after the last day (exclusive, as in iCalendar).
    #[serde(default)]
    pub end: Option<String>,
    /// IANA time zone (default Europe/Berlin).
    #[serde(default)]
    pub timezone: Option<String>,
    /// Whole days.
    #[serde(default)]
    pub all_day: bool,
    /// RFC 5545 recurrence rule, e.g. `FREQ=WEEKLY;BYDAY=TU;COUNT=10`.
    #[serde(default)]
    pub rrule: Option<String>,
    /// Removed occurrences: dates, or instants (RFC 3339).
    #[serde(default)]
    pub exdates: Vec<String>,
    /// Added occurrences.
    #[serde(default)]
    pub rdates: Vec<String>,
    /// Changed or cancelled single occurrences.
    #[serde(default)]
    pub overrides: Vec<OverrideBody>,
    /// Slug of the municipality where the event takes place.
    #[schema(example = "gera")]
    pub municipality: String,
    /// Venue.
    pub venue: VenueBody,
    /// Organiser.
    #[serde(default)]
    pub organizer: OrganizerBody,
    /// Category codes (1–3), see the list in the description of this API.
    #[schema(example = json!(["konzert"]))]
    pub categories: Vec<String>,
    /// Free entry.
    #[serde(default)]
    pub free: bool,
    /// Price text.
    #[serde(default)]
    pub price: Option<String>,
    /// Links.
    #[serde(default)]
    pub links: Vec<LinkBody>,
    /// `draft`, `published` (default with a token) or `cancelled`; moderators may also set
    /// `rejected`. Ignored for submissions, which are always `pending`.
    #[serde(default)]
    pub status: Option<String>,
}

/// An event as the API returns it.
#[derive(Debug, Serialize, ToSchema)]
pub struct EventDetail {
    /// Id.
    pub id: i64,
    /// iCalendar UID (the source's for imported events).
    pub uid: String,
    /// The event page.
    pub url: String,
    /// This event as iCalendar.
    pub ics_url: String,
    /// iCalendar SEQUENCE, raised on every change.
    pub sequence: i32,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Last changed.
    pub updated_at: DateTime<Utc>,
    /// Its image, if it has one (set with `PUT /api/v1/events/{id}/image`).
    pub image: Option<ImageInfo>,
    /// The event.
    #[serde(flatten)]
    pub event: EventBody,
}

/// An event's image.
#[derive(Debug, Serialize, ToSchema)]
pub struct ImageInfo {
    /// Where the image is (public events: for everyone; others: with a token).
    pub url: String,
    /// What it shows, for people who cannot see it.
    pub alt: String,
    /// `image/png`, `image/jpeg` or `image/webp`.
    pub content_type: String,
}

/// One occurrence in a window.
#[derive(Debug, Serialize, ToSchema)]
pub struct OccurrenceItem {
    /// The event.
    pub event_id: i64,
    /// iCalendar UID of the event.
    pub uid: String,
    /// The occurrence's RECURRENCE-ID (local start as generated).
    pub recurrence_id: String,
    /// Title (of this occurrence, if it was renamed).
    pub title: String,
    /// Start, RFC 3339 with offset; a date for all-day occurrences.
    #[schema(example = "2026-12-05T19:00:00+01:00")]
    pub start: String,
    /// End; for all-day occurrences the day after the last day.
    pub end: String,
    /// Whole days.
    pub all_day: bool,
    /// Slug of the municipality.
    pub municipality: String,
    /// Venue.
    pub venue: VenueBody,
    /// Category codes.
    pub categories: Vec<&'static str>,
    /// `published` or `cancelled` (the event, or only this occurrence).
    pub status: String,
    /// Free entry.
    pub free: bool,
    /// The event page, at this occurrence.
    pub url: String,
}

/// A page of occurrences.
#[derive(Debug, Serialize, ToSchema)]
pub struct OccurrenceList {
    /// The occurrences overlapping [from, to), by start.
    pub items: Vec<OccurrenceItem>,
    /// Pass as `cursor` for the next page; null on the last page.
    pub next_cursor: Option<String>,
}

/// The answer to a submission.
#[derive(Debug, Serialize, ToSchema)]
pub struct Submitted {
    /// Always `pending`.
    pub status: String,
    /// What happens next.
    pub message: String,
}

/// The venue as the API shows it.
pub fn venue_body(v: &ev::Venue) -> VenueBody {
    VenueBody {
        name: v.name.clone(),
        street: v.street.clone(),
        postcode: v.postcode.clone(),
        place: v.place.clone(),
        lat: v.lat,
        lon: v.lon,
        accessibility: AccessibilityBody {
            step_free: v.accessibility.step_free,
            accessible_toilet: v.accessibility.accessible_toilet,
            induction_loop: v.accessibility.induction_loop,
            note: v.accessibility.note.clone(),
        },
    }
}

/// The body of an event as stored.
pub fn event_body(e: &EventRecord, public: bool) -> EventBody {
    let d = &e.draft;
    let t = &d.timing;
    let zone = t.zone();
    let at = |l: chrono::NaiveDateTime| -> String {
        if t.all_day() {
            l.date().to_string()
        } else {
            use chrono::TimeZone as _;
            zone.from_local_datetime(&l).earliest().map_or_else(|| l.to_string(), |z| z.to_rfc3339())
        }
    };
    EventBody {
        title: d.title.clone(),
        description: d.description.clone(),
        start: at(t.start()),
        end: Some(at(t.end())),
        timezone: Some(zone.name().to_owned()),
        all_day: t.all_day(),
        rrule: t.rule().map(ToString::to_string),
        exdates: t.exdates().iter().map(ev::format_date_or_time).collect(),
        rdates: t.rdates().iter().map(ev::format_date_or_time).collect(),
        overrides: d
            .overrides
            .iter()
            .map(|o| OverrideBody {
                recurrence_id: local_iso(o.recurrence_id),
                cancelled: o.cancelled,
                start: o.start.map(at),
                end: o.end.map(at),
                title: o.title.clone(),
            })
            .collect(),
        municipality: e.municipality.to_string(),
        venue: venue_body(&d.venue),
        organizer: OrganizerBody {
            name: d.organizer.name.clone(),
            // A submitter's address is for the moderators, never for the public.
            email: if public && e.source == EventSource::Submission { None } else { d.organizer.email.clone() },
            phone: d.organizer.phone.clone(),
            url: d.organizer.url.clone(),
        },
        categories: d.categories.iter().map(|c| c.slug().to_owned()).collect(),
        free: d.free,
        price: d.price.clone(),
        links: d.links.iter().map(|(label, url)| LinkBody { label: label.clone(), url: url.clone() }).collect(),
        status: Some(e.status.as_str().to_owned()),
    }
}

/// The path of an event's page.
pub fn event_path(e: &EventRecord) -> String {
    super::event_href(&e.municipality, e.id)
}

pub(crate) fn detail(state: &AppState, e: &EventRecord, public: bool) -> EventDetail {
    let base = state.config.base_url.as_str();
    EventDetail {
        id: e.id,
        uid: e.uid.clone(),
        url: format!("{base}{}", event_path(e)),
        ics_url: format!("{base}/api/v1/events/{}.ics", e.id),
        sequence: e.sequence,
        created_at: e.created_at,
        updated_at: e.updated_at,
        image: e.image.as_ref().map(|i| ImageInfo {
            url: format!("{base}/api/v1/events/{}/image", e.id),
            alt: i.alt.clone(),
            content_type: i.content_type.clone(),
        }),
        event: event_body(e, public),
    }
}

/// The domain's input from an API body.
pub fn draft_input(b: &EventBody) -> DraftInput {
    DraftInput {
        title: b.title.clone(),
        description: b.description.clone(),
        start: b.start.clone(),
        end: b.end.clone(),
        timezone: b.timezone.clone(),
        all_day: b.all_day,
        rrule: b.rrule.clone(),
        exdates: b.exdates.clone(),
        rdates: b.rdates.clone(),
        overrides: b
            .overrides
            .iter()
            .map(|o| OverrideInput {
                recurrence_id: o.recurrence_id.clone(),
                cancelled: o.cancelled,
                start: o.start.clone(),
                end: o.end.clone(),
                title: o.title.clone(),
            })
            .collect(),
        venue: ev::Venue {
            name: b.venue.name.clone(),
            street: b.venue.street.clone(),
            postcode: b.venue.postcode.clone(),
            place: b.venue.place.clone(),
            lat: b.venue.lat,
            lon: b.venue.lon,
            accessibility: ev::Accessibility {
                step_free: b.venue.accessibility.step_free,
                accessible_toilet: b.venue.accessibility.accessible_toilet,
                induction_loop: b.venue.accessibility.induction_loop,
                note: b.venue.accessibility.note.clone(),
            },
        },
        organizer: ev::Organizer {
            name: b.organizer.name.clone(),
            email: b.organizer.email.clone(),
            phone: b.organizer.phone.clone(),
            url: b.organizer.url.clone(),
        },
        categories: b.categories.clone(),
        free: b.free,
        price: b.price.clone(),
        links: b.links.iter().map(|l| LinkInput { label: l.label.clone(), url: l.url.clone() }).collect(),
    }
}

/// Draft problems as 422 field errors.
pub fn field_errors(problems: Vec<DraftProblem>) -> AppError {
    AppError::Validation(problems.into_iter().map(|p| FieldError { field: p.field, message: p.detail }).collect())
}

/// `GET /api/v1/events`: the occurrences overlapping a window.
#[utoipa::path(
    get,
    operation_id = "list_occurrences",
    path = "/api/v1/events",
    tag = "events",
    params(WindowParams),
    description = "The occurrences of published (and cancelled) events that overlap [from, to), sorted by start, in pages. Recurring events are expanded here; the iCalendar feed keeps their rules instead. Each page expands at most 5000 occurrences (a denser window is paged, never cut); windows must lie between 1900-01-01 and 2100-12-31.",
    responses(
        (status = 200, description = "A page of occurrences", body = OccurrenceList),
        (status = 422, description = "A parameter is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn list(State(state): State<AppState>, ApiQuery(p): ApiQuery<WindowParams>) -> Result<Response, AppError> {
    let snap = state.directory.get(&state.store).await?;
    let (q, _, _) = p.calendar().resolve(&snap, None).map_err(AppError::Validation)?;
    let limit = p.limit.unwrap_or(100);
    if limit == 0 || limit > MAX_PAGE {
        return Err(AppError::field("limit", format!("limit must be between 1 and {MAX_PAGE}")));
    }
    let cursor = match p.cursor.as_deref().filter(|c| !c.is_empty()) {
        None => None,
        Some(c) => Some(Cursor::parse(c).ok_or_else(|| {
            AppError::field(
                "cursor",
                "the cursor is not one this API gave out: pass next_cursor unchanged, or leave it out",
            )
        })?),
    };
    let page = super::window(&state, &snap, &q, cursor, limit).await?;
    let base = state.config.base_url.as_str();
    let items = page
        .items
        .iter()
        .map(|(e, o)| {
            let (start, end) = occurrence_bounds(o);
            let cancelled = o.cancelled || e.status == EventStatus::Cancelled;
            OccurrenceItem {
                event_id: e.id,
                uid: e.uid.to_string(),
                recurrence_id: local_iso(o.recurrence_id),
                title: o.title.clone().unwrap_or_else(|| e.title.to_string()),
                all_day: o.occurrence.is_all_day(),
                start,
                end,
                municipality: e.municipality.to_string(),
                venue: venue_body(&e.venue),
                categories: e.categories().map(|c| c.slug()).collect(),
                status: if cancelled { "cancelled" } else { "published" }.to_owned(),
                free: e.free,
                url: occurrence_url(base, e, o),
            }
        })
        .collect();
    let list = OccurrenceList { items, next_cursor: page.next.map(|c| c.to_string()) };
    // Sized up front: a page of 100 items is about 60 KB, and growing the buffer step by step
    // showed up in profiles as reallocations.
    let mut body = Vec::with_capacity(256 + list.items.len() * 700);
    serde_json::to_writer(&mut body, &list).map_err(AppError::internal)?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static("application/json"))], body).into_response())
}

/// `2026-12-05T19:00:00`, without the formatting machinery (a hot path of the API).
pub fn local_iso(t: chrono::NaiveDateTime) -> String {
    let mut s = String::with_capacity(19);
    super::format::push_local(&mut s, t);
    s
}

/// `{base}/{municipality}/veranstaltungen/{id}?am={day}`, pushed piece by piece (100 per page).
fn occurrence_url(base: &str, e: &super::index::Summary, o: &regioportal_domain::events::EventOccurrence) -> String {
    let mut url = String::with_capacity(base.len() + 48);
    url.push_str(base);
    super::push_event_href(&mut url, &e.municipality, e.id);
    url.push_str("?am=");
    super::format::push_date(&mut url, super::occurrence_day(o));
    url
}

/// The page of a window over stored events.
pub fn window_page(
    events: &[EventRecord],
    from: DateTime<Utc>,
    to: DateTime<Utc>,
    cursor: Option<Cursor>,
    limit: usize,
) -> Result<ev::Page, AppError> {
    let cands: Vec<ev::Candidate<'_>> = events
        .iter()
        .map(|e| ev::Candidate { id: e.id, timing: &e.draft.timing, overrides: &e.draft.overrides })
        .collect();
    ev::page(&cands, from, to, cursor, limit).map_err(|e| AppError::field("to", e.to_string()))
}

/// A token, if the request carries one (an invalid one is refused, not ignored).
pub(crate) async fn optional_client(state: &AppState, headers: &HeaderMap) -> Result<Option<TokenPrincipal>, AppError> {
    let Some(value) = headers.get(header::AUTHORIZATION) else { return Ok(None) };
    let token = value.to_str().ok().and_then(|v| v.strip_prefix("Bearer ")).map(str::trim).unwrap_or_default();
    if !regioportal_domain::auth::looks_like_token(token) {
        return Err(AppError::Unauthenticated { next: None });
    }
    match state.store.tokens().authenticate(token, Utc::now()).await? {
        Some(p) => Ok(Some(p)),
        None => Err(AppError::Unauthenticated { next: None }),
    }
}

/// `GET /api/v1/events/{id}`.
#[utoipa::path(
    get,
    operation_id = "get_event",
    path = "/api/v1/events/{id}",
    tag = "events",
    params(("id" = String, Path, description = "Event id; with the suffix `.ics` the event as iCalendar")),
    description = "A published or cancelled event; with a token of its municipality also a draft, pending or rejected one.",
    responses(
        (status = 200, description = "The event", body = EventDetail),
        (status = 404, description = "No such public event", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn get(
    State(state): State<AppState>,
    Path(id): Path<String>,
    headers: HeaderMap,
) -> Result<Response, AppError> {
    if let Some(n) = id.strip_suffix(".ics") {
        return super::feeds::ics_event(&state, parse_id(n)?).await;
    }
    let id = parse_id(&id)?;
    if let Some(p) = optional_client(&state, &headers).await?
        && let Some(e) = state.store.events().get(&p.scope, id).await?
        && may_change(&p, &e)
    {
        return Ok(Json(detail(&state, &e, false)).into_response());
    }
    let snap = state.directory.get(&state.store).await?;
    let scopes: Vec<_> = snap.municipalities.iter().map(|m| m.scope().clone()).collect();
    let e = state.store.events().public(&scopes, id).await?.ok_or(AppError::NotFound)?;
    Ok(Json(detail(&state, &e, true)).into_response())
}

/// Whether a token may read the unpublished state of an event and change it: every event of its
/// municipality, for a trusted organiser's token only those it created.
pub(crate) fn may_change(p: &TokenPrincipal, e: &regioportal_storage::EventRecord) -> bool {
    p.role != Role::Organiser || e.created_by_token == Some(p.id)
}

/// Parses an event id from the path.
pub fn parse_id(s: &str) -> Result<i64, AppError> {
    s.parse::<i64>().ok().filter(|i| *i > 0).ok_or(AppError::NotFound)
}

fn status_for(p: &TokenPrincipal, body: &EventBody) -> Result<EventStatus, AppError> {
    let Some(s) = body.status.as_deref().filter(|s| !s.is_empty()) else { return Ok(EventStatus::Published) };
    let st = EventStatus::parse(s).ok_or_else(|| {
        AppError::field("status", format!("{s:?} is not a status: use draft, published, cancelled or rejected"))
    })?;
    match (st, p.role) {
        (EventStatus::Pending, _) => {
            Err(AppError::field("status", "pending is the status of submissions; give draft or published"))
        }
        (EventStatus::Rejected, Role::Moderator) => Ok(st),
        (EventStatus::Rejected, _) => Err(AppError::field("status", "only moderators reject events")),
        _ => Ok(st),
    }
}

/// The most submissions per client address and hour.
pub const SUBMISSIONS_PER_HOUR: u32 = 10;

/// Counts a submission from an address; 429 beyond [`SUBMISSIONS_PER_HOUR`].
pub async fn count_submission(state: &AppState, ip: Option<&str>) -> Result<(), AppError> {
    let now = Utc::now();
    let key = format!("submit:{}:{}", ip.unwrap_or("unknown"), now.format("%Y%m%d%H"));
    let n = state.store.throttle().record_failure(&key, now, u32::MAX).await?;
    if n > SUBMISSIONS_PER_HOUR {
        let left = 3600 - i64::from(chrono::Timelike::minute(&now)) * 60;
        return Err(AppError::TooManyAttempts(u64::try_from(left).unwrap_or(3600)));
    }
    Ok(())
}

/// `POST /api/v1/events`.
#[utoipa::path(
    post,
    operation_id = "create_event",
    path = "/api/v1/events",
    tag = "events",
    request_body = EventBody,
    security((), ("bearer" = [])),
    description = "With an editor's or a trusted organiser's token of the event's municipality: creates the event (published unless `status` says otherwise; an organiser's token changes only the events it created). Without a token: an organiser's submission — `organizer.email` is required, a confirmation link is e-mailed, and after confirming, the municipality's moderators decide. At most 10 submissions per address and hour.",
    responses(
        (status = 201, description = "Created", body = EventDetail),
        (status = 202, description = "Submitted; waits for the e-mail confirmation and moderation", body = Submitted),
        (status = 401, description = "An invalid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "The token is for another municipality or a moderator", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The event is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 429, description = "Too many submissions from this address", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<EventBody>,
) -> Result<Response, AppError> {
    let client = optional_client(&state, &headers).await?;
    let snap = state.directory.get(&state.store).await?;
    let m = snap.by_slug(body.municipality.trim()).ok_or_else(|| {
        AppError::field("municipality", format!("{:?} is not a municipality of this region", body.municipality))
    })?;
    let draft = EventDraft::parse(&draft_input(&body)).map_err(field_errors)?;
    match client {
        Some(p) => {
            if p.scope != *m.scope() {
                return Err(AppError::Forbidden);
            }
            if !matches!(p.role, Role::Editor | Role::Organiser) {
                return Err(AppError::Forbidden);
            }
            let status = status_for(&p, &body)?;
            let new = NewEvent {
                draft: &draft,
                status,
                uid: None,
                source: EventSource::Api,
                submitter_email: None,
                confirm_token_hash: None,
                feed: None,
            };
            let e = state.store.events().create(&p.scope, new, &p.actor(ip)).await?;
            let d = detail(&state, &e, false);
            Ok((StatusCode::CREATED, [(header::LOCATION, format!("/api/v1/events/{}", e.id))], Json(d)).into_response())
        }
        None => {
            let Some(email) = draft.organizer.email.clone() else {
                return Err(AppError::field(
                    "organizer.email",
                    "a submission needs the organiser's e-mail address: the confirmation link is sent there",
                ));
            };
            count_submission(&state, ip.as_deref()).await?;
            super::submit::store_submission(&state, m.scope(), &draft, &email, ip, regioportal_domain::Locale::De)
                .await?;
            let message = "Thank you. We sent a confirmation link to the organiser's e-mail address; after it is \
                           opened, the municipality's moderators review the event."
                .to_owned();
            Ok((StatusCode::ACCEPTED, Json(Submitted { status: "pending".into(), message })).into_response())
        }
    }
}

/// `PUT /api/v1/events/{id}`.
#[utoipa::path(
    put,
    operation_id = "update_event",
    path = "/api/v1/events/{id}",
    tag = "events",
    params(("id" = i64, Path, description = "Event id")),
    request_body = EventBody,
    security(("bearer" = [])),
    description = "Replaces an event of the token's municipality. Editors may change everything; moderators too, and may set `status` to `published` or `rejected`; a trusted organiser's token may change the events it created (others answer 404).",
    responses(
        (status = 200, description = "Updated", body = EventDetail),
        (status = 401, description = "No or an invalid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token's municipality has no such event", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 422, description = "The event is invalid", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn update(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ClientIp(ip): ClientIp,
    ApiClient(p): ApiClient,
    ApiJson(body): ApiJson<EventBody>,
) -> Result<Json<EventDetail>, AppError> {
    let id = parse_id(&id)?;
    let events = state.store.events();
    if !events.get(&p.scope, id).await?.is_some_and(|e| may_change(&p, &e)) {
        return Err(AppError::NotFound);
    }
    if body.municipality.trim() != p.scope.slug().as_str() {
        return Err(AppError::field(
            "municipality",
            "an event cannot be moved to another municipality: delete it and create it there",
        ));
    }
    let draft = EventDraft::parse(&draft_input(&body)).map_err(field_errors)?;
    let status = if body.status.is_some() { Some(status_for(&p, &body)?) } else { None };
    let e = events.update(&p.scope, id, &draft, status, &p.actor(ip)).await?;
    Ok(Json(detail(&state, &e, false)))
}

/// `DELETE /api/v1/events/{id}`.
#[utoipa::path(
    delete,
    operation_id = "delete_event",
    path = "/api/v1/events/{id}",
    tag = "events",
    params(("id" = i64, Path, description = "Event id")),
    security(("bearer" = [])),
    description = "Deletes an event of the token's municipality (editors; a trusted organiser's token only the events it created). To tell subscribers, cancel it instead (status `cancelled`).",
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, description = "No or an invalid token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 403, description = "A moderator's token", body = crate::error::Problem, content_type = "application/problem+json"),
        (status = 404, description = "The token's municipality has no such event", body = crate::error::Problem, content_type = "application/problem+json"),
    )
)]
pub async fn delete(
    State(state): State<AppState>,
    Path(id): Path<String>,
    ClientIp(ip): ClientIp,
    ApiClient(p): ApiClient,
) -> Result<StatusCode, AppError> {
    let id = parse_id(&id)?;
    if !matches!(p.role, Role::Editor | Role::Organiser) {
        return Err(AppError::Forbidden);
    }
    if !state.store.events().get(&p.scope, id).await?.is_some_and(|e| may_change(&p, &e)) {
        return Err(AppError::NotFound);
    }
    if state.store.events().delete(&p.scope, id, &p.actor(ip)).await? {
        Ok(StatusCode::NO_CONTENT)
    } else {
        Err(AppError::NotFound)
    }
}
