//! The event form shared by organisers' submissions and the staff editor: its values, how
//! they become a [`DraftInput`], and the sections of fields the template renders.

use chrono::{NaiveDate, NaiveDateTime};
use regioportal_domain::Locale;
use regioportal_domain::events::{
    Category, DraftInput, DraftProblem, EventDraft, LinkInput, MAX_LINKS, Organizer, Venue,
};
use regioportal_domain::recurrence::DateOrTime;

use super::pages::Choice;
use crate::directory::Snapshot;
use crate::i18n::Tr;
use crate::staff::FormErrors;

/// The values of the form, as strings (what the person typed is shown again on errors).
#[derive(Debug, Clone, Default)]
pub struct EventForm {
    /// Fields by name.
    pub title: String,
    /// Description.
    pub description: String,
    /// Municipality slug.
    pub municipality: String,
    /// Start date (`YYYY-MM-DD`).
    pub start_date: String,
    /// Start time (`HH:MM`).
    pub start_time: String,
    /// End date.
    pub end_date: String,
    /// End time.
    pub end_time: String,
    /// All day.
    pub all_day: bool,
    /// Recurrence rule (staff only).
    pub rrule: String,
    /// Removed dates (EXDATE), one per line (staff only).
    pub exdates: String,
    /// Added dates (RDATE), one per line (staff only).
    pub rdates: String,
    /// Venue name.
    pub venue_name: String,
    /// Street.
    pub venue_street: String,
    /// Postcode.
    pub venue_postcode: String,
    /// Place.
    pub venue_place: String,
    /// Step-free.
    pub step_free: bool,
    /// Accessible toilet.
    pub accessible_toilet: bool,
    /// Induction loop.
    pub induction_loop: bool,
    /// Accessibility notes.
    pub accessibility_note: String,
    /// Category codes.
    pub categories: Vec<String>,
    /// Free entry.
    pub free: bool,
    /// Price.
    pub price: String,
    /// Organiser name.
    pub organizer_name: String,
    /// Organiser e-mail.
    pub organizer_email: String,
    /// Organiser phone.
    pub organizer_phone: String,
    /// Organiser website.
    pub organizer_url: String,
    /// Links as (label, URL), in the order of the form.
    pub links: Vec<(String, String)>,
    /// Latitude of the venue (staff only), as typed.
    pub venue_lat: String,
    /// Longitude of the venue (staff only), as typed.
    pub venue_lon: String,
    /// The answer to the spam question.
    pub answer: String,
    /// The honeypot: people never see it, bots fill it in.
    pub website: String,
    /// The CSRF token.
    pub csrf: String,
    /// Staff: the new status.
    pub status: String,
}

impl EventForm {
    /// Reads the posted pairs (checkbox groups repeat their name).
    pub fn from_pairs(pairs: &[(String, String)]) -> Self {
        let mut f = Self::default();
        let (mut labels, mut urls) = (Vec::new(), Vec::new());
        for (k, v) in pairs {
            let v = v.clone();
            if let Some(n) = nth_of("link_label", k) {
                put(&mut labels, n, v);
                continue;
            }
            if let Some(n) = nth_of("link_url", k) {
                put(&mut urls, n, v);
                continue;
            }
            match k.as_str() {
                "title" => f.title = v,
                "description" => f.description = v,
                "municipality" => f.municipality = v,
                "start_date" => f.start_date = v,
                "start_time" => f.start_time = v,
                "end_date" => f.end_date = v,
                "end_time" => f.end_time = v,
                "all_day" => f.all_day = true,
                "rrule" => f.rrule = v,
                "exdates" => f.exdates = v,
                "rdates" => f.rdates = v,
                "venue_name" => f.venue_name = v,
                "venue_street" => f.venue_street = v,
                "venue_postcode" => f.venue_postcode = v,
                "venue_place" => f.venue_place = v,
                "step_free" => f.step_free = true,
                "accessible_toilet" => f.accessible_toilet = true,
                "induction_loop" => f.induction_loop = true,
                "accessibility_note" => f.accessibility_note = v,
                "categories" => f.categories.push(v),
                "free" => f.free = true,
                "price" => f.price = v,
                "organizer_name" => f.organizer_name = v,
                "organizer_email" => f.organizer_email = v,
                "organizer_phone" => f.organizer_phone = v,
                "organizer_url" => f.organizer_url = v,
                "venue_lat" => f.venue_lat = v,
                "venue_lon" => f.venue_lon = v,
                "answer" => f.answer = v,
                "website" => f.website = v,
                "csrf" => f.csrf = v,
                "status" => f.status = v,
                _ => {}
            }
        }
        let n = labels.len().max(urls.len());
        labels.resize(n, String::new());
        urls.resize(n, String::new());
        f.links = labels.into_iter().zip(urls).collect();
        f
    }

    /// The values of a stored event, for the editor.
    pub fn from_draft(d: &EventDraft, municipality: &str) -> Self {
        let t = &d.timing;
        let end = if t.all_day() { t.end() - chrono::Duration::days(1) } else { t.end() };
        let time = |x: NaiveDateTime| if t.all_day() { String::new() } else { x.format("%H:%M").to_string() };
        Self {
            title: d.title.clone(),
            description: d.description.clone(),
            municipality: municipality.to_owned(),
            start_date: t.start().date().to_string(),
            start_time: time(t.start()),
            end_date: end.date().to_string(),
            end_time: time(end),
            all_day: t.all_day(),
            rrule: t.rule().map(ToString::to_string).unwrap_or_default(),
            exdates: date_lines(t.exdates(), t.zone()),
            rdates: date_lines(t.rdates(), t.zone()),
            venue_name: d.venue.name.clone(),
            venue_street: d.venue.street.clone().unwrap_or_default(),
            venue_postcode: d.venue.postcode.clone().unwrap_or_default(),
            venue_place: d.venue.place.clone().unwrap_or_default(),
            step_free: d.venue.accessibility.step_free,
            accessible_toilet: d.venue.accessibility.accessible_toilet,
            induction_loop: d.venue.accessibility.induction_loop,
            accessibility_note: d.venue.accessibility.note.clone().unwrap_or_default(),
            categories: d.categories.iter().map(|c| c.slug().to_owned()).collect(),
            free: d.free,
            price: d.price.clone().unwrap_or_default(),
            organizer_name: d.organizer.name.clone().unwrap_or_default(),
            organizer_email: d.organizer.email.clone().unwrap_or_default(),
            organizer_phone: d.organizer.phone.clone().unwrap_or_default(),
            organizer_url: d.organizer.url.clone().unwrap_or_default(),
            links: d.links.clone(),
            venue_lat: d.venue.lat.map(|x| x.to_string()).unwrap_or_default(),
            venue_lon: d.venue.lon.map(|x| x.to_string()).unwrap_or_default(),
            ..Self::default()
        }
    }

    /// Whether the fields that make the timing are the same as in `other` (what the editor
    /// showed), so that saving keeps the stored timing exactly (its zone, its instants).
    pub fn same_timing(&self, other: &Self) -> bool {
        let norm = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        self.all_day == other.all_day
            && [
                (&self.start_date, &other.start_date),
                (&self.start_time, &other.start_time),
                (&self.end_date, &other.end_date),
                (&self.end_time, &other.end_time),
                (&self.rrule, &other.rrule),
                (&self.exdates, &other.exdates),
                (&self.rdates, &other.rdates),
            ]
            .iter()
            .all(|(a, b)| norm(a) == norm(b))
    }

    /// The venue's coordinates as typed (a decimal comma is fine); `Err` names the field that
    /// is not a number.
    pub fn coordinates(&self) -> Result<(Option<f64>, Option<f64>), &'static str> {
        let num = |s: &str, field| match s.trim() {
            "" => Ok(None),
            t => t.replace(',', ".").parse::<f64>().map(Some).map_err(|_| field),
        };
        Ok((num(&self.venue_lat, "venue_lat")?, num(&self.venue_lon, "venue_lon")?))
    }

    /// The domain input; date and time fields are joined, and an all-day end (the last day as
    /// people write it) becomes the exclusive end iCalendar uses.
    pub fn draft_input(&self) -> DraftInput {
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        let start = if self.all_day || self.start_time.trim().is_empty() {
            self.start_date.trim().to_owned()
        } else {
            format!("{}T{}", self.start_date.trim(), self.start_time.trim())
        };
        let end_date = opt(&self.end_date).unwrap_or_else(|| self.start_date.trim().to_owned());
        let end = if self.all_day {
            NaiveDate::parse_from_str(&end_date, "%Y-%m-%d")
                .ok()
                .and_then(|d| d.succ_opt())
                .map(|d| d.to_string())
                .or(Some(end_date))
        } else {
            opt(&self.end_time).map(|t| format!("{end_date}T{t}"))
        };
        let links = self
            .links
            .iter()
            .filter(|(l, u)| !l.trim().is_empty() || !u.trim().is_empty())
            .map(|(l, u)| LinkInput { label: l.clone(), url: u.clone() })
            .collect();
        let (lat, lon) = self.coordinates().unwrap_or_default();
        DraftInput {
            title: self.title.clone(),
            description: self.description.clone(),
            start,
            end,
            timezone: None,
            all_day: self.all_day,
            rrule: opt(&self.rrule),
            exdates: lines(&self.exdates),
            rdates: lines(&self.rdates),
            overrides: Vec::new(),
            venue: Venue {
                name: self.venue_name.clone(),
                street: opt(&self.venue_street),
                postcode: opt(&self.venue_postcode),
                place: opt(&self.venue_place),
                lat,
                lon,
                accessibility: regioportal_domain::events::Accessibility {
                    step_free: self.step_free,
                    accessible_toilet: self.accessible_toilet,
                    induction_loop: self.induction_loop,
                    note: opt(&self.accessibility_note),
                },
            },
            organizer: Organizer {
                name: opt(&self.organizer_name),
                email: opt(&self.organizer_email),
                phone: opt(&self.organizer_phone),
                url: opt(&self.organizer_url),
            },
            categories: self.categories.clone(),
            free: self.free,
            price: opt(&self.price),
            links,
        }
    }
}

/// EXDATE/RDATE values as an editor reads them: one per line, dates as `2026-12-24`, times
/// as local wall times `2026-12-24 19:30` in the event's zone.
fn date_lines(values: &[DateOrTime], zone: chrono_tz::Tz) -> String {
    values
        .iter()
        .map(|v| match v {
            DateOrTime::Date(d) => d.format("%Y-%m-%d").to_string(),
            DateOrTime::Instant(t) => {
                let local = t.with_timezone(&zone);
                if chrono::Timelike::second(&local) == 0 {
                    local.format("%Y-%m-%d %H:%M").to_string()
                } else {
                    local.format("%Y-%m-%d %H:%M:%S").to_string()
                }
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The non-empty lines of a text field.
fn lines(s: &str) -> Vec<String> {
    s.lines().map(str::trim).filter(|l| !l.is_empty()).map(str::to_owned).collect()
}

/// The id and name of the n-th (0-based) field of a repeated group: `link_url`,
/// `link_url-2`, … (names are unique in a form: no guessing which label belongs to which URL).
pub fn nth_id(base: &str, n: usize) -> String {
    if n == 0 { base.to_owned() } else { format!("{base}-{}", n + 1) }
}

/// The position (0-based) a name of a repeated group stands for: `link_url` → 0,
/// `link_url-3` → 2; `None` for another name (or one beyond [`MAX_LINKS`]).
fn nth_of(base: &str, name: &str) -> Option<usize> {
    let rest = name.strip_prefix(base)?;
    if rest.is_empty() {
        return Some(0);
    }
    rest.strip_prefix('-')?.parse::<usize>().ok().filter(|n| (2..=MAX_LINKS).contains(n)).map(|n| n - 1)
}

fn put(list: &mut Vec<String>, at: usize, value: String) {
    if list.len() <= at {
        list.resize(at + 1, String::new());
    }
    list[at] = value;
}

/// The form field a draft problem belongs to.
pub fn form_field(problem_field: &str) -> String {
    let link = |f: &str| {
        let n = f.strip_prefix("links[").and_then(|r| r.split(']').next()).and_then(|n| n.parse().ok());
        nth_id("link_url", n.unwrap_or(0))
    };
    match problem_field {
        "title" => "title",
        "description" => "description",
        "start" | "timezone" => "start_date",
        "end" => "end_date",
        "rrule" => "rrule",
        "exdates" => "exdates",
        "rdates" => "rdates",
        "venue.lat" | "venue.lon" => "venue_lat",
        f if f.starts_with("venue.postcode") => "venue_postcode",
        f if f.starts_with("venue.") => "venue_name",
        "organizer.email" => "organizer_email",
        "organizer.url" => "organizer_url",
        f if f.starts_with("organizer") => "organizer_name",
        f if f.starts_with("categories") => "categories",
        "price" => "price",
        f if f.starts_with("links") => return link(f),
        _ => "title",
    }
    .to_owned()
}

/// Draft problems as form errors in the page's language (the rule's own explanation is kept
/// because it names the part to fix).
pub fn form_errors(problems: &[DraftProblem], t: &Tr<'_>) -> FormErrors {
    let mut errors = FormErrors::default();
    for p in problems {
        let field = form_field(&p.field);
        if errors.get(&field).is_some() {
            continue;
        }
        let msg = match p.code {
            "event-error-rrule" => format!("{} ({})", t.get(p.code), p.detail),
            code => t.get(code),
        };
        errors.add(&field, msg);
    }
    errors
}

/// A field of the form.
pub struct FormField {
    /// Id (error summary links here).
    pub id: String,
    /// Name.
    pub name: String,
    /// Label.
    pub label: String,
    /// Hint.
    pub hint: Option<String>,
    /// `text`, `email`, `date`, `time`, `textarea`, `select`, `checkbox`, `checkboxes`, …
    pub kind: &'static str,
    /// Value.
    pub value: String,
    /// Checked (checkbox).
    pub checked: bool,
    /// Error.
    pub error: Option<String>,
    /// Options (select, checkboxes).
    pub options: Vec<Choice>,
    /// Autocomplete token.
    pub autocomplete: &'static str,
    /// Width class suffix (`10`, `5`, …).
    pub width: &'static str,
    /// `inputmode` for text fields (`decimal`, …), empty for none.
    pub inputmode: &'static str,
    /// The ids that describe it (hint, error).
    pub described_by: String,
}

/// A group of fields.
pub struct FormSection {
    /// The legend.
    pub legend: String,
    /// Its fields.
    pub fields: Vec<FormField>,
}

/// Who fills in the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FormMode {
    /// An organiser without an account: the e-mail is required, a spam question is asked.
    Submission,
    /// Staff: recurrence rule and status too.
    Staff,
}

/// How the form is set up for one request.
#[derive(Debug, Clone)]
pub struct FormSetup<'a> {
    /// The page's language.
    pub locale: Locale,
    /// Who fills it in.
    pub mode: FormMode,
    /// The spam question (submissions).
    pub question: Option<String>,
    /// The municipalities that may be chosen (staff: those they edit); all when `None`.
    pub municipalities: Option<&'a [String]>,
}

/// The sections of the form with values and errors.
pub fn sections(
    f: &EventForm,
    errors: &FormErrors,
    t: &Tr<'_>,
    snap: &Snapshot,
    setup: FormSetup<'_>,
) -> Vec<FormSection> {
    let FormSetup { locale, mode, question, municipalities } = setup;
    let field = |id: &str, label_key: &str, kind: &'static str, value: &str| {
        let error = errors.get(id).map(str::to_owned);
        FormField {
            id: id.to_owned(),
            name: id.to_owned(),
            label: t.get(label_key),
            hint: None,
            kind,
            value: value.to_owned(),
            checked: false,
            error,
            options: Vec::new(),
            autocomplete: "",
            width: "",
            inputmode: "",
            described_by: String::new(),
        }
    };
    let with_hint = |mut x: FormField, key: &str| {
        x.hint = Some(t.get(key));
        x
    };
    let check = |id: &str, key: &str, on: bool| {
        let mut x = field(id, key, "checkbox", "");
        x.checked = on;
        x
    };
    let sized = |mut x: FormField, w: &'static str| {
        x.width = w;
        x
    };
    let auto = |mut x: FormField, a: &'static str| {
        x.autocomplete = a;
        x
    };

    let mut cats = field("categories", "event-form-categories", "checkboxes", "");
    cats.hint = Some(t.get("event-form-categories-hint"));
    cats.options = Category::ALL
        .iter()
        .map(|c| Choice {
            value: c.slug().into(),
            label: c.name(locale).into(),
            selected: f.categories.iter().any(|x| x == c.slug()),
        })
        .collect();
    let mut what = vec![
        field("title", "event-form-title", "text", &f.title),
        with_hint(
            field("description", "event-form-description", "textarea", &f.description),
            "event-form-description-hint",
        ),
        cats,
    ];
    let mut when = vec![
        sized(field("start_date", "event-form-start-date", "date", &f.start_date), "10"),
        sized(
            with_hint(field("start_time", "event-form-start-time", "time", &f.start_time), "event-form-time-hint"),
            "5",
        ),
        sized(
            with_hint(field("end_date", "event-form-end-date", "date", &f.end_date), "event-form-end-date-hint"),
            "10",
        ),
        sized(field("end_time", "event-form-end-time", "time", &f.end_time), "5"),
        check("all_day", "event-form-all-day", f.all_day),
    ];
    if mode == FormMode::Staff {
        when.push(with_hint(field("rrule", "event-form-rrule", "text", &f.rrule), "event-form-rrule-hint"));
        when.push(with_hint(field("rdates", "event-form-rdates", "textarea", &f.rdates), "event-form-rdates-hint"));
        when.push(with_hint(field("exdates", "event-form-exdates", "textarea", &f.exdates), "event-form-exdates-hint"));
    }
    let mut muni = field("municipality", "event-form-municipality", "select", "");
    muni.hint = Some(t.get("event-form-municipality-hint"));
    muni.options = std::iter::once(Choice {
        value: String::new(),
        label: t.get("event-form-choose"),
        selected: f.municipality.is_empty(),
    })
    .chain(
        snap.municipalities
            .iter()
            .filter(|m| municipalities.is_none_or(|allowed| allowed.iter().any(|a| a == m.slug().as_str())))
            .map(|m| Choice {
                value: m.slug().to_string(),
                label: m.name.clone(),
                selected: m.slug().as_str() == f.municipality,
            }),
    )
    .collect();
    let where_ = vec![
        muni,
        field("venue_name", "event-form-venue", "text", &f.venue_name),
        auto(field("venue_street", "event-form-street", "text", &f.venue_street), "address-line1"),
        sized(auto(field("venue_postcode", "event-form-postcode", "text", &f.venue_postcode), "postal-code"), "5"),
        auto(field("venue_place", "event-form-place", "text", &f.venue_place), "address-level2"),
        check("step_free", "event-form-step-free", f.step_free),
        check("accessible_toilet", "event-form-toilet", f.accessible_toilet),
        check("induction_loop", "event-form-loop", f.induction_loop),
        field("accessibility_note", "event-form-accessibility-note", "text", &f.accessibility_note),
    ];
    let mut where_ = where_;
    if mode == FormMode::Staff {
        let mut lat = sized(field("venue_lat", "event-form-lat", "text", &f.venue_lat), "10");
        lat.hint = Some(t.get("event-form-coordinates-hint"));
        lat.inputmode = "decimal";
        let mut lon = sized(field("venue_lon", "event-form-lon", "text", &f.venue_lon), "10");
        lon.inputmode = "decimal";
        where_.extend([lat, lon]);
    }
    let mut entry = vec![
        check("free", "event-form-free", f.free),
        with_hint(field("price", "event-form-price", "text", &f.price), "event-form-price-hint"),
    ];
    // The links there are and one empty pair more, at least two pairs, at most MAX_LINKS.
    let shown = f.links.iter().filter(|(l, u)| !l.trim().is_empty() || !u.trim().is_empty()).count();
    let pairs = (shown + 1).clamp(2, MAX_LINKS).max(f.links.len().min(MAX_LINKS));
    for n in 0..pairs {
        let (label, url) = f.links.get(n).cloned().unwrap_or_default();
        let number = |key: &str| format!("{} {}", t.get(key), n + 1);
        let mut l = field(&nth_id("link_label", n), "event-form-link-label", "text", &label);
        l.label = number("event-form-link-label");
        let mut u = sized(field(&nth_id("link_url", n), "event-form-link-url", "url", &url), "");
        u.label = number("event-form-link-url");
        entry.extend([l, u]);
    }
    let mut email = auto(field("organizer_email", "event-form-organizer-email", "email", &f.organizer_email), "email");
    if mode == FormMode::Submission {
        email.hint = Some(t.get("event-form-organizer-email-hint"));
    }
    let who = vec![
        auto(field("organizer_name", "event-form-organizer-name", "text", &f.organizer_name), "organization"),
        email,
        auto(field("organizer_phone", "event-form-organizer-phone", "tel", &f.organizer_phone), "tel"),
        auto(field("organizer_url", "event-form-organizer-url", "url", &f.organizer_url), "url"),
    ];
    let mut out = vec![
        FormSection { legend: t.get("event-form-what"), fields: std::mem::take(&mut what) },
        FormSection { legend: t.get("event-form-when"), fields: when },
        FormSection { legend: t.get("event-form-where"), fields: where_ },
        FormSection { legend: t.get("event-form-entry"), fields: entry },
        FormSection { legend: t.get("event-form-who"), fields: who },
    ];
    if let Some(q) = question {
        let mut a = sized(field("answer", "event-form-answer", "text", &f.answer), "5");
        a.label = q;
        a.hint = Some(t.get("event-form-answer-hint"));
        a.autocomplete = "off";
        out.push(FormSection { legend: t.get("event-form-check"), fields: vec![a] });
    }
    for s in &mut out {
        for x in &mut s.fields {
            let mut ids = Vec::new();
            if x.hint.is_some() {
                ids.push(format!("{}-hint", x.id));
            }
            if x.error.is_some() {
                ids.push(format!("{}-error", x.id));
            }
            x.described_by = ids.join(" ");
        }
    }
    out
}

/// The spam question for a CSRF token: a sum of two small numbers, in words, so that it is
/// readable by screen readers and needs no third party. Returns the question and its answer.
pub fn question(csrf: &str, t: &Tr<'_>) -> (String, u32) {
    let digit = |i: usize| csrf.as_bytes().get(i).map_or(1, |b| u32::from(*b) % 9 + 1);
    let (a, b) = (digit(0), digit(1));
    let word = |n: u32| t.get(&format!("number-{n}"));
    (t.get1("event-form-question", "sum", &format!("{} {} {}", word(a), t.get("word-plus"), word(b))), a + b)
}
