//! The dates of a repeating event in the staff area: the list on the editor page and the page
//! of one date, where an editor, a moderator or the event's trusted organiser cancels it (still shown, marked as cancelled),
//! moves it, gives it a title of its own, removes it (EXDATE), or restores it.

use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse as _, Redirect, Response};
use chrono::{NaiveDate, NaiveDateTime, NaiveTime, Timelike as _};
use regioportal_domain::Locale;
use regioportal_domain::events::{DateChange, DateInput, DateState, EditorDate, EventDraft};
use regioportal_domain::recurrence::Occurrence;
use regioportal_storage::{EventRecord, MunicipalityRecord};

use super::events::{EventAccess, Need, event_access};
use super::{FormErrors, Staff, render};
use crate::AppState;
use crate::chrome::{Chrome, region_info};
use crate::ctx::RequestCtx;
use crate::error::AppError;
use crate::events::format::{long_date, span};
use crate::i18n::Tr;
use crate::staff::session::HtmlForm;

/// How many dates the editor page lists at once.
pub(crate) const DATES_PER_PAGE: usize = 12;

/// A date in the editor's list.
pub(crate) struct DateRow {
    /// "Mittwoch, 10. März 2027, 19:00–20:00" as generated.
    pub when: String,
    /// Its state, in words.
    pub state: String,
    /// `planned`, `changed`, `cancelled`, `removed` (for the tag colour).
    pub code: &'static str,
    /// Where it was moved to, in words.
    pub moved: Option<String>,
    /// A title of its own.
    pub title: Option<String>,
    /// The date's page.
    pub href: String,
}

/// The list of dates on the editor page, with the link to the next ones.
pub(crate) struct DateList {
    /// The rows.
    pub rows: Vec<DateRow>,
    /// The next page of dates, if there are more.
    pub more: Option<String>,
    /// The first page, when this is a later one.
    pub first: Option<String>,
}

/// The URL form of a recurrence id: `2027-03-10T19:00` (or with seconds), `2027-03-10` for
/// all-day events.
pub(crate) fn date_key(id: NaiveDateTime, all_day: bool) -> String {
    if all_day {
        id.date().to_string()
    } else if id.second() == 0 {
        id.format("%Y-%m-%dT%H:%M").to_string()
    } else {
        id.format("%Y-%m-%dT%H:%M:%S").to_string()
    }
}

fn parse_key(s: &str) -> Option<NaiveDateTime> {
    ["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
        .or_else(|| NaiveDate::parse_from_str(s, "%Y-%m-%d").ok().map(|d| d.and_time(NaiveTime::MIN)))
}

fn occurrence_day(o: &Occurrence) -> NaiveDate {
    match o {
        Occurrence::Timed { start, .. } => start.date_naive(),
        Occurrence::AllDay { start, .. } => *start,
    }
}

fn describe(o: &Occurrence, l: Locale, t: &Tr<'_>) -> String {
    format!("{}, {}", long_date(occurrence_day(o), l), span(o, l, &t.get("event-all-day")))
}

fn state_label(t: &Tr<'_>, s: DateState) -> String {
    t.get(&format!("staff-date-state-{}", s.as_str()))
}

fn row(d: &EditorDate, base: &str, all_day: bool, l: Locale, t: &Tr<'_>) -> DateRow {
    DateRow {
        when: describe(&d.generated, l, t),
        state: state_label(t, d.state),
        code: d.state.as_str(),
        moved: d.moved_to.as_ref().map(|o| describe(o, l, t)),
        title: d.title.clone(),
        href: format!("{base}/termine/{}", date_key(d.recurrence_id, all_day)),
    }
}

/// The editor page's list: `DATES_PER_PAGE` dates from `from_key` (a date key; today when
/// absent or unreadable).
pub(crate) fn list(draft: &EventDraft, base: &str, from_key: Option<&str>, l: Locale, t: &Tr<'_>) -> DateList {
    let zone = draft.timing.zone();
    let chosen = from_key.and_then(parse_key);
    let from_local =
        chosen.unwrap_or_else(|| chrono::Utc::now().with_timezone(&zone).date_naive().and_time(NaiveTime::MIN));
    let from = regioportal_domain::events::local_to_utc(zone, from_local);
    let mut dates = draft.editor_dates(from, DATES_PER_PAGE + 1);
    let all_day = draft.timing.all_day();
    let more = (dates.len() > DATES_PER_PAGE).then(|| {
        let next = dates.remove(DATES_PER_PAGE);
        format!("{base}?termine_ab={}#termine", date_key(next.recurrence_id, all_day))
    });
    DateList {
        rows: dates.iter().map(|d| row(d, base, all_day, l, t)).collect(),
        more,
        first: chosen.map(|_| format!("{base}#termine")),
    }
}

#[derive(Template)]
#[template(path = "staff/event_date.html")]
struct DateView<'a> {
    chrome: Chrome<'a>,
    event_title: String,
    event_href: String,
    action: String,
    csrf: String,
    errors: FormErrors,
    all_day: bool,
    state: String,
    moved: Option<String>,
    decision: String,
    date: String,
    start_time: String,
    end_time: String,
    title: String,
}

/// The date of the path, or 404.
fn date_of(e: &EventRecord, key: &str) -> Result<EditorDate, AppError> {
    let id = parse_key(key).ok_or(AppError::NotFound)?;
    if !e.draft.has_dates() {
        return Err(AppError::NotFound);
    }
    e.draft.editor_date(id).ok_or(AppError::NotFound)
}

/// The form's values for a date as it stands.
fn input_of(d: &EditorDate) -> DateInput {
    let shown = d.moved_to.as_ref().unwrap_or(&d.generated);
    let (date, start_time, end_time) = match shown {
        Occurrence::Timed { start, end } => (
            start.date_naive().to_string(),
            start.format("%H:%M").to_string(),
            if end == start { String::new() } else { end.format("%H:%M").to_string() },
        ),
        Occurrence::AllDay { start, .. } => (start.to_string(), String::new(), String::new()),
    };
    DateInput {
        decision: match d.state {
            DateState::Cancelled => "cancelled",
            DateState::Removed => "removed",
            DateState::Planned | DateState::Changed => "planned",
        }
        .into(),
        date,
        start_time,
        end_time,
        title: d.title.clone().unwrap_or_default(),
    }
}

#[expect(clippy::too_many_arguments, reason = "the parts of one page, named at the call")]
async fn page(
    state: &AppState,
    ctx: &RequestCtx,
    staff: &Staff,
    m: &MunicipalityRecord,
    e: &EventRecord,
    d: &EditorDate,
    input: &DateInput,
    errors: FormErrors,
    status: StatusCode,
) -> Result<Response, AppError> {
    let t = state.i18n.tr(ctx.locale);
    let base = format!("/verwaltung/{}/veranstaltungen/{}", m.slug(), e.id);
    let region = region_info(state).await?;
    let when = describe(&d.generated, ctx.locale, &t);
    let view = DateView {
        chrome: Chrome::staff(state, ctx, &region, t.get1("staff-date-title", "when", &when), Some(staff)),
        event_title: e.draft.title.clone(),
        event_href: format!("{base}#termine"),
        action: format!("{base}/termine/{}", date_key(d.recurrence_id, e.draft.timing.all_day())),
        csrf: staff.session.csrf_token.clone(),
        errors,
        all_day: e.draft.timing.all_day(),
        state: state_label(&t, d.state),
        moved: d.moved_to.as_ref().map(|o| describe(o, ctx.locale, &t)),
        decision: input.decision.clone(),
        date: input.date.clone(),
        start_time: input.start_time.clone(),
        end_time: input.end_time.clone(),
        title: input.title.clone(),
    };
    render(&view, status)
}

/// `GET /verwaltung/{municipality}/veranstaltungen/{id}/termine/{date}`.
pub(crate) async fn form(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, id, key)): Path<(String, String, String)>,
) -> Result<Response, AppError> {
    let access = event_access(&state, &staff, &slug, Need::Moderate).await?;
    let e = access.event(&state, &id).await?;
    let EventAccess { m, .. } = access;
    let d = date_of(&e, &key)?;
    page(&state, &ctx, &staff, &m, &e, &d, &input_of(&d), FormErrors::default(), StatusCode::OK).await
}

/// The posted form of a date.
#[derive(Debug, serde::Deserialize)]
pub(crate) struct DateForm {
    csrf: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    start_time: String,
    #[serde(default)]
    end_time: String,
    #[serde(default)]
    title: String,
}

/// `POST /verwaltung/{municipality}/veranstaltungen/{id}/termine/{date}`.
pub(crate) async fn save(
    State(state): State<AppState>,
    ctx: RequestCtx,
    staff: Staff,
    Path((slug, id, key)): Path<(String, String, String)>,
    HtmlForm(f): HtmlForm<DateForm>,
) -> Result<Response, AppError> {
    staff.check_csrf(&f.csrf)?;
    let access = event_access(&state, &staff, &slug, Need::Moderate).await?;
    let e = access.event(&state, &id).await?;
    let EventAccess { m, .. } = access;
    let d = date_of(&e, &key)?;
    let input = DateInput {
        decision: f.decision,
        date: f.date,
        start_time: f.start_time,
        end_time: f.end_time,
        title: f.title,
    };
    let t = state.i18n.tr(ctx.locale);
    let mut draft = e.draft.clone();
    let applied = DateChange::parse(&input, &draft.timing, &d.generated)
        .and_then(|c| draft.change_date(d.recurrence_id, &c).map_err(|p| vec![p]));
    if let Err(problems) = applied {
        let mut errors = FormErrors::default();
        for p in problems {
            let field = match p.field.as_str() {
                "decision" => "decision-planned",
                f @ ("date" | "start_time" | "end_time" | "title") => f,
                _ => "decision-planned",
            };
            if errors.get(field).is_none() {
                errors.add(field, format!("{} ({})", t.get(p.code), p.detail));
            }
        }
        return page(&state, &ctx, &staff, &m, &e, &d, &input, errors, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    if draft != e.draft {
        state.store.events().update(m.scope(), e.id, &draft, None, &staff.actor()).await?;
    }
    let base = format!("/verwaltung/{}/veranstaltungen/{}", m.slug(), e.id);
    Ok(Redirect::to(&format!("{base}?done=termin#termine")).into_response())
}
