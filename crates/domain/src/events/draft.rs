//! Validating an event as it is submitted: every problem is collected with the field it
//! belongs to, so a form or an API client can fix all of them at once.

use chrono::NaiveDateTime;
use chrono_tz::Tz;

use super::timing::{parse_date_or_time_list, parse_local, parse_timing_value, parse_zone};
use super::{Accessibility, Category, OccurrenceOverride, Timing, TimingError};
use crate::recurrence::Rule;

/// The longest title (characters).
pub const MAX_TITLE: usize = 200;
/// The longest description (characters, Markdown source).
pub const MAX_DESCRIPTION: usize = 20_000;
/// The most categories per event.
pub const MAX_CATEGORIES: usize = 3;
/// The most links per event.
pub const MAX_LINKS: usize = 5;
/// The most changed or cancelled single occurrences per event.
pub const MAX_OVERRIDES: usize = 500;
/// The most EXDATEs or RDATEs per event.
pub const MAX_DATES: usize = 1000;
const MAX_SHORT: usize = 300;

/// Where an event takes place.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Venue {
    /// Name of the venue ("Volkshaus Jena").
    pub name: String,
    /// Street and number.
    pub street: Option<String>,
    /// Postcode.
    pub postcode: Option<String>,
    /// Place (town or district).
    pub place: Option<String>,
    /// Latitude (WGS 84).
    pub lat: Option<f64>,
    /// Longitude (WGS 84).
    pub lon: Option<f64>,
    /// Accessibility of the venue.
    pub accessibility: Accessibility,
}

impl Venue {
    /// One line for lists and iCalendar LOCATION: "Volkshaus, Carl-Zeiß-Platz 15, 07743 Jena".
    pub fn one_line(&self) -> String {
        let mut parts = vec![self.name.clone()];
        if let Some(s) = &self.street {
            parts.push(s.clone());
        }
        match (&self.postcode, &self.place) {
            (Some(p), Some(c)) => parts.push(format!("{p} {c}")),
            (None, Some(c)) => parts.push(c.clone()),
            (Some(p), None) => parts.push(p.clone()),
            (None, None) => {}
        }
        parts.join(", ")
    }
}

/// Who organises an event.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Organizer {
    /// Name of the person or body.
    pub name: Option<String>,
    /// Contact e-mail.
    pub email: Option<String>,
    /// Contact phone.
    pub phone: Option<String>,
    /// Website.
    pub url: Option<String>,
}

/// A link as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LinkInput {
    /// Link text.
    pub label: String,
    /// Target (http or https).
    pub url: String,
}

/// A changed or cancelled occurrence as submitted.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OverrideInput {
    /// The start of the occurrence as generated (local or RFC 3339; a date for all-day).
    pub recurrence_id: String,
    /// Whether it is cancelled.
    pub cancelled: bool,
    /// A new start.
    pub start: Option<String>,
    /// A new end.
    pub end: Option<String>,
    /// A title for this occurrence.
    pub title: Option<String>,
}

/// An event as a form, the API or an import delivers it, not yet validated.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct DraftInput {
    /// Title.
    pub title: String,
    /// Description (Markdown).
    pub description: String,
    /// Start (see [`parse_local`]).
    pub start: String,
    /// End; for an all-day event the day after the last day (exclusive, as in iCalendar).
    pub end: Option<String>,
    /// IANA zone; Europe/Berlin when absent.
    pub timezone: Option<String>,
    /// All day.
    pub all_day: bool,
    /// RRULE value.
    pub rrule: Option<String>,
    /// EXDATE values.
    pub exdates: Vec<String>,
    /// RDATE values.
    pub rdates: Vec<String>,
    /// Changed or cancelled occurrences.
    pub overrides: Vec<OverrideInput>,
    /// Venue.
    pub venue: Venue,
    /// Organiser.
    pub organizer: Organizer,
    /// Category codes.
    pub categories: Vec<String>,
    /// Free entry.
    pub free: bool,
    /// Price text ("8 €, ermäßigt 5 €").
    pub price: Option<String>,
    /// Links.
    pub links: Vec<LinkInput>,
}

/// A validated event, ready to store.
#[derive(Debug, Clone, PartialEq)]
pub struct EventDraft {
    /// Title.
    pub title: String,
    /// Description (Markdown, rendered sanitised).
    pub description: String,
    /// When.
    pub timing: Timing,
    /// Changed or cancelled occurrences.
    pub overrides: Vec<OccurrenceOverride>,
    /// Where.
    pub venue: Venue,
    /// Who.
    pub organizer: Organizer,
    /// Categories (at least one).
    pub categories: Vec<Category>,
    /// Free entry.
    pub free: bool,
    /// Price text.
    pub price: Option<String>,
    /// Links as (label, url).
    pub links: Vec<(String, String)>,
}

/// One problem of a submitted event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DraftProblem {
    /// The field (`title`, `venue.name`, `overrides[0].start`, …).
    pub field: String,
    /// A message id for the page's language (Fluent).
    pub code: &'static str,
    /// What is wrong and how to fix it, in English (API clients get this).
    pub detail: String,
}

struct Problems(Vec<DraftProblem>);

impl Problems {
    fn push(&mut self, field: impl Into<String>, code: &'static str, detail: impl Into<String>) {
        self.0.push(DraftProblem { field: field.into(), code, detail: detail.into() });
    }
}

fn clean(s: &str) -> String {
    s.trim().chars().filter(|c| !c.is_control() || *c == '\n' || *c == '\t').collect::<String>().replace("\r\n", "\n")
}

fn opt(s: &Option<String>) -> Option<String> {
    s.as_deref().map(clean).map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn is_web_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://"))
        && s.len() > "https://".len()
        && !s.contains(char::is_whitespace)
        && !s.contains(['<', '>', '"'])
}

fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !s.contains(char::is_whitespace)
        && !domain.contains('@')
}

impl EventDraft {
    /// Validates a submission; returns every problem at once when there are any.
    pub fn parse(input: &DraftInput) -> Result<Self, Vec<DraftProblem>> {
        let mut p = Problems(Vec::new());
        let title = clean(&input.title).replace('\n', " ");
        if title.is_empty() {
            p.push("title", "event-error-title-missing", "the title is missing: give the event a title");
        } else if title.chars().count() > MAX_TITLE {
            p.push(
                "title",
                "event-error-title-long",
                format!("the title is longer than {MAX_TITLE} characters: shorten it"),
            );
        }
        let description = clean(&input.description);
        if description.chars().count() > MAX_DESCRIPTION {
            p.push(
                "description",
                "event-error-description-long",
                format!("the description is longer than {MAX_DESCRIPTION} characters: shorten it"),
            );
        }

        let zone = match input.timezone.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Some(chrono_tz::Europe::Berlin),
            Some(z) => match parse_zone(z) {
                Ok(z) => Some(z),
                Err(e) => {
                    p.push("timezone", "event-error-timezone", e);
                    None
                }
            },
        };
        let timing = zone.and_then(|zone| timing(input, zone, &mut p));
        let overrides = timing.as_ref().map(|t| overrides(input, t, &mut p)).unwrap_or_default();

        let venue = venue(&input.venue, &mut p);
        let organizer = organizer(&input.organizer, &mut p);

        let mut categories = Vec::new();
        for (i, c) in input.categories.iter().map(|c| c.trim()).filter(|c| !c.is_empty()).enumerate() {
            match Category::parse(c) {
                Some(c) if !categories.contains(&c) => categories.push(c),
                Some(_) => {}
                None => p.push(
                    format!("categories[{i}]"),
                    "event-error-category-unknown",
                    format!(
                        "{c:?} is not a category: use one of {}",
                        Category::ALL.iter().map(|c| c.slug()).collect::<Vec<_>>().join(", ")
                    ),
                ),
            }
        }
        if input.categories.iter().all(|c| c.trim().is_empty()) {
            p.push("categories", "event-error-category-missing", "choose at least one category");
        } else if categories.len() > MAX_CATEGORIES {
            p.push(
                "categories",
                "event-error-category-many",
                format!("choose at most {MAX_CATEGORIES} categories: the ones that fit best"),
            );
        }

        let price = opt(&input.price);
        if price.as_deref().is_some_and(|s| s.chars().count() > MAX_SHORT) {
            p.push("price", "event-error-too-long", format!("the price is longer than {MAX_SHORT} characters"));
        }

        let mut links = Vec::new();
        if input.links.len() > MAX_LINKS {
            p.push("links", "event-error-links-many", format!("give at most {MAX_LINKS} links"));
        }
        for (i, l) in input.links.iter().enumerate() {
            let url = l.url.trim().to_owned();
            let label = clean(&l.label).replace('\n', " ");
            if url.is_empty() && label.is_empty() {
                continue;
            }
            if !is_web_url(&url) {
                p.push(
                    format!("links[{i}].url"),
                    "event-error-url",
                    format!("{url:?} is not a web address: write it with https://, e.g. https://example.org/tickets"),
                );
            }
            let label = if label.is_empty() { url.clone() } else { label };
            links.push((label, url));
        }

        match (p.0.is_empty(), timing) {
            (true, Some(timing)) => Ok(Self {
                title,
                description,
                timing,
                overrides,
                venue,
                organizer,
                categories,
                free: input.free,
                price,
                links,
            }),
            _ => {
                // In the order of the form, so the error summary reads top to bottom.
                const ORDER: [&str; 15] = [
                    "title",
                    "description",
                    "start",
                    "end",
                    "timezone",
                    "rrule",
                    "exdates",
                    "rdates",
                    "overrides",
                    "venue",
                    "organizer",
                    "categories",
                    "free",
                    "price",
                    "links",
                ];
                let rank = |f: &str| ORDER.iter().position(|o| f.starts_with(o)).unwrap_or(ORDER.len());
                let mut all = p.0;
                all.sort_by_key(|x| rank(&x.field));
                Err(all)
            }
        }
    }
}

fn timing(input: &DraftInput, zone: Tz, p: &mut Problems) -> Option<Timing> {
    let all_day = input.all_day;
    let start = if input.start.trim().is_empty() {
        p.push(
            "start",
            "event-error-start-missing",
            "the start is missing: give a date (and time) when the event begins",
        );
        None
    } else {
        parse_local(&input.start, zone, all_day).map_err(|e| p.push("start", "event-error-start", e)).ok()
    };
    let end = match input.end.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(None),
        Some(e) => match parse_local(e, zone, all_day) {
            Ok(t) => Some(Some(t)),
            Err(e) => {
                p.push("end", "event-error-end", e);
                None
            }
        },
    };
    let rule = match input.rrule.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Some(None),
        Some(r) => match Rule::parse(r) {
            Ok(r) => Some(Some(r)),
            Err(e) => {
                p.push("rrule", "event-error-rrule", e.to_string());
                None
            }
        },
    };
    let dates = |field: &str, values: &[String], p: &mut Problems| {
        if values.len() > MAX_DATES {
            p.push(field, "event-error-dates-many", format!("give at most {MAX_DATES} dates"));
            return None;
        }
        parse_date_or_time_list(values, zone).map_err(|e| p.push(field, "event-error-dates", e)).ok()
    };
    let exdates = dates("exdates", &input.exdates, p);
    let rdates = dates("rdates", &input.rdates, p);
    let (start, end) = (start?, end?);
    let Some(rule) = rule else {
        // Still check the start and end on their own, so that every problem shows at once.
        if let Err(TimingError::Start(e)) = Timing::new(zone, all_day, start, end, None, Vec::new(), Vec::new()) {
            push_start_error(p, e);
        }
        return None;
    };
    let (exdates, rdates) = (exdates?, rdates?);
    match Timing::new(zone, all_day, start, end, rule, exdates, rdates) {
        Ok(t) => Some(t),
        Err(TimingError::Rule(e)) => {
            p.push("rrule", "event-error-rrule", e.to_string());
            None
        }
        Err(TimingError::Start(e)) => {
            push_start_error(p, e);
            None
        }
    }
}

fn push_start_error(p: &mut Problems, e: crate::recurrence::StartError) {
    use crate::recurrence::StartError as E;
    let field = match e {
        E::EndBeforeStart { .. } | E::NoDays | E::TooLong | E::NegativeLength(_) => "end",
        _ => "start",
    };
    p.push(field, if field == "end" { "event-error-end" } else { "event-error-start" }, e.to_string());
}

fn overrides(input: &DraftInput, timing: &Timing, p: &mut Problems) -> Vec<OccurrenceOverride> {
    let zone = timing.zone();
    let mut out: Vec<OccurrenceOverride> = Vec::new();
    if input.overrides.len() > MAX_OVERRIDES {
        p.push("overrides", "event-error-dates-many", format!("give at most {MAX_OVERRIDES} changed occurrences"));
        return out;
    }
    for (i, o) in input.overrides.iter().enumerate() {
        let at = |f: &str| format!("overrides[{i}].{f}");
        let id = parse_local(&o.recurrence_id, zone, timing.all_day())
            .or_else(|e| parse_timing_value(&o.recurrence_id, zone).ok_or(e));
        let Ok(id) = id else {
            p.push(at("recurrence_id"), "event-error-override", format!("{:?} is not a date or time", o.recurrence_id));
            continue;
        };
        if !timing.has_instance_at(id) {
            p.push(
                at("recurrence_id"),
                "event-error-override",
                format!("the event has no occurrence starting at {id}: give the start of an occurrence to change"),
            );
            continue;
        }
        if out.iter().any(|x| x.recurrence_id == id) {
            p.push(at("recurrence_id"), "event-error-override", format!("the occurrence at {id} is changed twice"));
            continue;
        }
        let parse = |v: &Option<String>, f: &str, p: &mut Problems| -> Option<Option<NaiveDateTime>> {
            match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
                None => Some(None),
                Some(s) => match parse_local(s, zone, timing.all_day()) {
                    Ok(t) => Some(Some(t)),
                    Err(e) => {
                        p.push(at(f), "event-error-override", e);
                        None
                    }
                },
            }
        };
        let (Some(start), Some(end)) = (parse(&o.start, "start", p), parse(&o.end, "end", p)) else { continue };
        if let (Some(s), Some(e)) = (start, end)
            && e < s
        {
            p.push(at("end"), "event-error-end", "the new end lies before the new start");
            continue;
        }
        if end.is_some() && start.is_none() {
            p.push(at("start"), "event-error-override", "give a new start together with a new end");
            continue;
        }
        out.push(OccurrenceOverride {
            recurrence_id: id,
            cancelled: o.cancelled,
            start,
            end: end.or(start.map(|s| s + (timing.end() - timing.start()))),
            title: opt(&o.title),
        });
    }
    out.sort_by_key(|o| o.recurrence_id);
    out
}

fn venue(v: &Venue, p: &mut Problems) -> Venue {
    let name = clean(&v.name).replace('\n', " ");
    if name.is_empty() {
        p.push("venue.name", "event-error-venue-missing", "the venue is missing: say where the event takes place");
    }
    for (field, value) in
        [("venue.name", Some(&name)), ("venue.street", v.street.as_ref()), ("venue.place", v.place.as_ref())]
    {
        if value.is_some_and(|s| s.chars().count() > MAX_SHORT) {
            p.push(field, "event-error-too-long", format!("this is longer than {MAX_SHORT} characters"));
        }
    }
    let postcode = opt(&v.postcode);
    if let Some(pc) = &postcode
        && !(pc.len() == 5 && pc.bytes().all(|b| b.is_ascii_digit()))
    {
        p.push(
            "venue.postcode",
            "event-error-postcode",
            format!("{pc:?} is not a postcode: give five digits, e.g. 07743"),
        );
    }
    match (v.lat, v.lon) {
        (Some(lat), Some(lon)) => {
            if !(-90.0..=90.0).contains(&lat)
                || !(-180.0..=180.0).contains(&lon)
                || !lat.is_finite()
                || !lon.is_finite()
            {
                p.push(
                    "venue.lat",
                    "event-error-coordinates",
                    "the coordinates are out of range: latitude −90…90, longitude −180…180",
                );
            }
        }
        (None, None) => {}
        _ => p.push("venue.lat", "event-error-coordinates", "give latitude and longitude together, or neither"),
    }
    Venue {
        name,
        street: opt(&v.street),
        postcode,
        place: opt(&v.place),
        lat: v.lat,
        lon: v.lon,
        accessibility: Accessibility {
            note: opt(&v.accessibility.note).filter(|n| n.chars().count() <= 2000),
            ..v.accessibility.clone()
        },
    }
}

fn organizer(o: &Organizer, p: &mut Problems) -> Organizer {
    let email = opt(&o.email);
    if let Some(e) = &email
        && !is_email(e)
    {
        p.push(
            "organizer.email",
            "event-error-email",
            format!("{e:?} is not an e-mail address: write it as name@example.org"),
        );
    }
    let url = opt(&o.url);
    if let Some(u) = &url
        && !is_web_url(u)
    {
        p.push("organizer.url", "event-error-url", format!("{u:?} is not a web address: write it with https://"));
    }
    let name = opt(&o.name).map(|n| n.replace('\n', " "));
    if name.as_deref().is_some_and(|n| n.chars().count() > MAX_SHORT) {
        p.push("organizer.name", "event-error-too-long", format!("this is longer than {MAX_SHORT} characters"));
    }
    Organizer { name, email, phone: opt(&o.phone), url }
}
