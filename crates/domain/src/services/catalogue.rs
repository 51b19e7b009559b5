//! The catalogue file: services, life situations, offices, contacts and responsibilities of a
//! region in TOML (format: `docs/buergerservice-catalogue.md`). Parsing checks every value and
//! every reference inside the file and reports all problems at once, each with its place.

use std::collections::BTreeSet;

use chrono::NaiveDate;
use serde::Deserialize;

use super::hours::{HoursException, OpeningHours, WeeklyHours};
use super::responsibility::Area;
use super::service::{Fee, LegalRef, LeikaKey, ServiceContent, ServiceLevel};
use crate::{Postcode, Slug};

/// Why a catalogue file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogueError {
    /// Not TOML, or not of the file's shape.
    #[error("the catalogue file is not valid: {0}")]
    Syntax(String),
    /// Well-formed, but with values that break the rules; one message per problem.
    #[error("the catalogue file has {} problem(s): {}", .0.len(), .0.join("; "))]
    Invalid(Vec<String>),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    life_situation: Vec<RawLifeSituation>,
    #[serde(default)]
    service: Vec<RawService>,
    #[serde(default)]
    office: Vec<RawOffice>,
    #[serde(default)]
    responsibility: Vec<RawResponsibility>,
    #[serde(default)]
    local: Vec<RawLocal>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLifeSituation {
    slug: String,
    name: String,
    name_en: Option<String>,
    parent: Option<String>,
    #[serde(default)]
    summary: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawService {
    slug: String,
    leika: Option<String>,
    name: String,
    #[serde(default)]
    synonyms: Vec<String>,
    summary: String,
    #[serde(default)]
    description: String,
    #[serde(default)]
    audience: String,
    #[serde(default)]
    prerequisites: String,
    #[serde(default)]
    procedure: String,
    #[serde(default)]
    documents: Vec<String>,
    #[serde(default)]
    fees: Vec<Fee>,
    #[serde(default)]
    fee_note: String,
    #[serde(default)]
    deadlines: String,
    #[serde(default)]
    processing_time: String,
    #[serde(default)]
    legal_basis: Vec<LegalRef>,
    #[serde(default)]
    online_url: String,
    #[serde(default)]
    life_situations: Vec<String>,
    #[serde(default)]
    related: Vec<String>,
    level: ServiceLevel,
    #[serde(default)]
    forms: Vec<RawForm>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawForm {
    title: String,
    #[serde(default = "de")]
    language: String,
    #[serde(default)]
    version: String,
    valid_from: Option<String>,
}

fn de() -> String {
    "de".to_owned()
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOffice {
    municipality: String,
    slug: String,
    name: String,
    #[serde(default)]
    street: String,
    #[serde(default)]
    postcode: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    accessibility: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    appointment_url: String,
    #[serde(default)]
    website: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    exceptions: Vec<String>,
    #[serde(default)]
    open_on_holidays: bool,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    contact: Vec<RawContact>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContact {
    function: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    show_name: bool,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    email: String,
    #[serde(default)]
    room: String,
    #[serde(default)]
    hours: String,
    #[serde(default)]
    services: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResponsibility {
    service: String,
    office: String,
    area: RawArea,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawArea {
    municipality: Option<String>,
    county: Option<String>,
    postcodes: Option<Vec<String>>,
    places: Option<Vec<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLocal {
    service: String,
    municipality: String,
    #[serde(default)]
    note: String,
    online_url: Option<String>,
    #[serde(default)]
    overrides: toml::Table,
}

/// A life situation (Lebenslage).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LifeSituationDef {
    /// Unique slug.
    pub slug: Slug,
    /// German name.
    pub name: String,
    /// English name, if given.
    pub name_en: Option<String>,
    /// The parent's slug.
    pub parent: Option<Slug>,
    /// One sentence.
    pub summary: String,
}

/// A downloadable form of a service, generated for the demo.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FormDef {
    /// Title.
    pub title: String,
    /// Language code ("de").
    pub language: String,
    /// Version label.
    pub version: String,
    /// Valid from.
    pub valid_from: Option<NaiveDate>,
}

/// A service with its master text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceDef {
    /// Unique slug.
    pub slug: Slug,
    /// LeiKa key, if verified.
    pub leika: Option<LeikaKey>,
    /// Who performs it.
    pub level: ServiceLevel,
    /// The master text.
    pub content: ServiceContent,
    /// Life situation slugs.
    pub life_situations: Vec<Slug>,
    /// Related service slugs.
    pub related: Vec<Slug>,
    /// Demo forms.
    pub forms: Vec<FormDef>,
}

/// A contact person or function of an office.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDef {
    /// The function ("Meldewesen").
    pub function: String,
    /// The person's name, may be empty.
    pub name: String,
    /// Whether the page shows the name (else the function only).
    pub show_name: bool,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Room.
    pub room: String,
    /// Hours, free text.
    pub hours: String,
    /// The services the contact answers for.
    pub services: Vec<Slug>,
}

/// An office of a municipality.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeDef {
    /// The municipality.
    pub municipality: Slug,
    /// Slug, unique within the municipality.
    pub slug: Slug,
    /// Name.
    pub name: String,
    /// Street and number.
    pub street: String,
    /// Postcode, if given.
    pub postcode: Option<Postcode>,
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
    /// Website.
    pub website: String,
    /// Opening hours.
    pub hours: OpeningHours,
    /// The services it performs in its municipality (a county office: in its county).
    pub services: Vec<Slug>,
    /// Contacts.
    pub contacts: Vec<ContactDef>,
}

/// A responsibility written out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponsibilityDef {
    /// The service.
    pub service: Slug,
    /// The office's municipality.
    pub office_municipality: Slug,
    /// The office's slug.
    pub office: Slug,
    /// The area.
    pub area: Area,
}

/// A municipality's local part of a service.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalDef {
    /// The service.
    pub service: Slug,
    /// The municipality.
    pub municipality: Slug,
    /// A local note shown on the page.
    pub note: String,
    /// Overridden fields as editor text (the `online_url` key counts as an override).
    pub overrides: super::service::ServiceOverrides,
}

/// A parsed, checked catalogue.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Catalogue {
    /// Life situations, parents before children.
    pub life_situations: Vec<LifeSituationDef>,
    /// Services.
    pub services: Vec<ServiceDef>,
    /// Offices.
    pub offices: Vec<OfficeDef>,
    /// Written-out responsibilities.
    pub responsibilities: Vec<ResponsibilityDef>,
    /// Local parts.
    pub locals: Vec<LocalDef>,
}

struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, at: &str, msg: impl std::fmt::Display) {
        self.0.push(format!("{at}: {msg}"));
    }
    fn slug(&mut self, at: &str, s: &str) -> Option<Slug> {
        Slug::parse(s).map_err(|e| self.push(at, e)).ok()
    }
}

fn check_text(p: &mut Problems, at: &str, field: &str, value: &str, required: bool) -> String {
    let v = value.trim();
    if required && v.is_empty() {
        p.push(at, format!("{field} is empty"));
    } else if v.chars().count() > 200 {
        p.push(at, format!("{field} is longer than 200 characters"));
    }
    v.to_owned()
}

impl Catalogue {
    /// Parses and checks a catalogue file.
    pub fn from_toml(text: &str) -> Result<Self, CatalogueError> {
        let raw: RawFile =
            toml::from_str(text).map_err(|e| CatalogueError::Syntax(e.to_string().trim().replace('\n', " ")))?;
        let mut p = Problems(Vec::new());

        let mut situations = Vec::new();
        let situation_slugs: BTreeSet<String> = raw.life_situation.iter().map(|l| l.slug.clone()).collect();
        let mut seen = BTreeSet::new();
        for (i, l) in raw.life_situation.into_iter().enumerate() {
            let at = format!("life_situation[{i}] ({})", l.slug);
            let slug = p.slug(&at, &l.slug);
            if !seen.insert(l.slug.clone()) {
                p.push(&at, "this slug is used twice; give each life situation its own");
            }
            let parent = match &l.parent {
                Some(s) if !situation_slugs.contains(s) => {
                    p.push(&at, format!("parent {s:?} is no life situation of this file"));
                    None
                }
                Some(s) if *s == l.slug => {
                    p.push(&at, "a life situation cannot be its own parent");
                    None
                }
                Some(s) => p.slug(&at, s),
                None => None,
            };
            let name = check_text(&mut p, &at, "name", &l.name, true);
            let name_en = l.name_en.map(|n| check_text(&mut p, &at, "name_en", &n, true));
            if let Some(slug) = slug {
                situations.push(LifeSituationDef { slug, name, name_en, parent, summary: l.summary.trim().to_owned() });
            }
        }
        let situations = order_tree(&mut p, situations);

        let service_slugs: BTreeSet<String> = raw.service.iter().map(|s| s.slug.clone()).collect();
        let mut services = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, s) in raw.service.into_iter().enumerate() {
            let at = format!("service[{i}] ({})", s.slug);
            if !seen.insert(s.slug.clone()) {
                p.push(&at, "this slug is used twice; give each service its own");
            }
            let slug = p.slug(&at, &s.slug);
            let leika = s.leika.as_deref().and_then(|k| LeikaKey::parse(k).map_err(|e| p.push(&at, e)).ok());
            let content = ServiceContent {
                name: s.name.trim().to_owned(),
                synonyms: s.synonyms.into_iter().map(|x| x.trim().to_owned()).collect(),
                summary: s.summary.trim().to_owned(),
                description: s.description.trim().to_owned(),
                audience: s.audience.trim().to_owned(),
                prerequisites: s.prerequisites.trim().to_owned(),
                procedure: s.procedure.trim().to_owned(),
                documents: s.documents,
                fees: s.fees,
                fee_note: s.fee_note.trim().to_owned(),
                deadlines: s.deadlines.trim().to_owned(),
                processing_time: s.processing_time.trim().to_owned(),
                legal_basis: s.legal_basis,
                online_url: s.online_url.trim().to_owned(),
            };
            for problem in content.problems() {
                p.push(&at, format!("{}: {}", problem.field, problem.detail));
            }
            let mut life = Vec::new();
            for l in &s.life_situations {
                if situation_slugs.contains(l) {
                    life.extend(p.slug(&at, l));
                } else {
                    p.push(&at, format!("life situation {l:?} is not in this file"));
                }
            }
            let mut related = Vec::new();
            for r in &s.related {
                if service_slugs.contains(r) && *r != s.slug {
                    related.extend(p.slug(&at, r));
                } else {
                    p.push(&at, format!("related service {r:?} is not another service of this file"));
                }
            }
            let mut forms = Vec::new();
            for f in s.forms {
                let valid_from = f.valid_from.as_deref().and_then(|d| {
                    NaiveDate::parse_from_str(d, "%Y-%m-%d")
                        .map_err(|_| p.push(&at, format!("valid_from {d:?} is not a date; write YYYY-MM-DD")))
                        .ok()
                });
                let title = check_text(&mut p, &at, "forms.title", &f.title, true);
                forms.push(FormDef { title, language: f.language, version: f.version, valid_from });
            }
            if let Some(slug) = slug {
                services.push(ServiceDef {
                    slug,
                    leika,
                    level: s.level,
                    content,
                    life_situations: life,
                    related,
                    forms,
                });
            }
        }

        let mut offices = Vec::new();
        let mut seen = BTreeSet::new();
        for (i, o) in raw.office.into_iter().enumerate() {
            let at = format!("office[{i}] ({}/{})", o.municipality, o.slug);
            if !seen.insert((o.municipality.clone(), o.slug.clone())) {
                p.push(&at, "this office is listed twice");
            }
            let municipality = p.slug(&at, &o.municipality);
            let slug = p.slug(&at, &o.slug);
            let name = check_text(&mut p, &at, "name", &o.name, true);
            let postcode = if o.postcode.trim().is_empty() {
                None
            } else {
                Postcode::parse(&o.postcode).map_err(|e| p.push(&at, e)).ok()
            };
            let weekly = WeeklyHours::parse(&o.hours).map_err(|e| p.push(&at, format!("hours: {e}"))).ok();
            let exceptions: Vec<HoursException> = o
                .exceptions
                .iter()
                .filter_map(|x| HoursException::parse(x).map_err(|e| p.push(&at, format!("exceptions: {e}"))).ok())
                .collect();
            let check_services = |p: &mut Problems, list: &[String], what: &str| -> Vec<Slug> {
                let mut out = Vec::new();
                for s in list {
                    if service_slugs.contains(s) {
                        out.extend(p.slug(&at, s));
                    } else {
                        p.push(&at, format!("{what} {s:?} is not a service of this file"));
                    }
                }
                out
            };
            let office_services = check_services(&mut p, &o.services, "service");
            let mut contacts = Vec::new();
            for c in o.contact {
                let function = check_text(&mut p, &at, "contact.function", &c.function, true);
                let services = check_services(&mut p, &c.services, "contact service");
                contacts.push(ContactDef {
                    function,
                    name: c.name.trim().to_owned(),
                    show_name: c.show_name,
                    phone: c.phone.trim().to_owned(),
                    email: c.email.trim().to_owned(),
                    room: c.room.trim().to_owned(),
                    hours: c.hours.trim().to_owned(),
                    services,
                });
            }
            if let (Some(municipality), Some(slug), Some(weekly)) = (municipality, slug, weekly) {
                offices.push(OfficeDef {
                    municipality,
                    slug,
                    name,
                    street: o.street.trim().to_owned(),
                    postcode,
                    city: o.city.trim().to_owned(),
                    accessibility: o.accessibility.trim().to_owned(),
                    phone: o.phone.trim().to_owned(),
                    email: o.email.trim().to_owned(),
                    appointment_url: o.appointment_url.trim().to_owned(),
                    website: o.website.trim().to_owned(),
                    hours: OpeningHours { weekly, exceptions, open_on_holidays: o.open_on_holidays },
                    services: office_services,
                    contacts,
                });
            }
        }

        let mut responsibilities = Vec::new();
        for (i, r) in raw.responsibility.into_iter().enumerate() {
            let at = format!("responsibility[{i}] ({})", r.service);
            if !service_slugs.contains(&r.service) {
                p.push(&at, format!("service {:?} is not in this file", r.service));
                continue;
            }
            let Some((om, os)) = r.office.split_once('/') else {
                p.push(&at, format!("office {:?} must be written municipality/office", r.office));
                continue;
            };
            if !offices.iter().any(|o| o.municipality.as_str() == om && o.slug.as_str() == os) {
                p.push(&at, format!("office {:?} is not an office of this file", r.office));
                continue;
            }
            let area = match (r.area.municipality, r.area.county, r.area.postcodes, r.area.places) {
                (Some(m), None, None, None) => p.slug(&at, &m).map(Area::Municipality),
                (None, Some(c), None, None) => p.slug(&at, &c).map(Area::County),
                (None, None, Some(codes), None) => {
                    let postcodes: Vec<Postcode> =
                        codes.iter().filter_map(|c| Postcode::parse(c).map_err(|e| p.push(&at, e)).ok()).collect();
                    p.slug(&at, om).map(|municipality| Area::Postcodes { municipality, postcodes })
                }
                (None, None, None, Some(places)) => {
                    let mut names = Vec::new();
                    let mut anchor = None;
                    for place in places {
                        let Some((m, name)) = place.split_once('/') else {
                            p.push(&at, format!("place {place:?} must be written municipality/Place"));
                            continue;
                        };
                        if anchor.get_or_insert_with(|| m.to_owned()) != m {
                            p.push(&at, "the places of one responsibility must belong to one municipality");
                        }
                        names.push(name.to_owned());
                    }
                    anchor
                        .and_then(|m| p.slug(&at, &m))
                        .map(|municipality| Area::Places { municipality, places: names })
                }
                _ => {
                    p.push(&at, "area needs exactly one of municipality, county, postcodes or places");
                    None
                }
            };
            if let (Some(area), Some(service), Some(office_municipality), Some(office)) =
                (area, p.slug(&at, &r.service), p.slug(&at, om), p.slug(&at, os))
            {
                responsibilities.push(ResponsibilityDef { service, office_municipality, office, area });
            }
        }

        let mut locals = Vec::new();
        for (i, l) in raw.local.into_iter().enumerate() {
            let at = format!("local[{i}] ({}/{})", l.municipality, l.service);
            if !service_slugs.contains(&l.service) {
                p.push(&at, format!("service {:?} is not in this file", l.service));
                continue;
            }
            let mut overrides = super::service::ServiceOverrides::default();
            let mut entries: Vec<(String, toml::Value)> = l.overrides.into_iter().collect();
            if let Some(url) = l.online_url {
                entries.push(("online_url".into(), toml::Value::String(url)));
            }
            for (key, value) in entries {
                let Some(field) = super::service::ServiceField::parse(&key) else {
                    p.push(&at, format!("{key:?} is no field of a service"));
                    continue;
                };
                // Each override is written like the master field; read it through the master
                // format, then store its editor text.
                let mut probe = toml::Table::new();
                probe.insert("slug".into(), "x".into());
                probe.insert("name".into(), "x".into());
                probe.insert("summary".into(), "x".into());
                probe.insert("level".into(), "municipality".into());
                probe.insert(key.clone(), value);
                match probe.try_into::<RawService>() {
                    Ok(s) => {
                        let content = ServiceContent {
                            name: s.name,
                            synonyms: s.synonyms,
                            summary: s.summary,
                            description: s.description,
                            audience: s.audience,
                            prerequisites: s.prerequisites,
                            procedure: s.procedure,
                            documents: s.documents,
                            fees: s.fees,
                            fee_note: s.fee_note,
                            deadlines: s.deadlines,
                            processing_time: s.processing_time,
                            legal_basis: s.legal_basis,
                            online_url: s.online_url,
                        };
                        if let Err(e) = overrides.set(field, &content.field_text(field)) {
                            p.push(&at, format!("{key}: {}", e.detail));
                        }
                    }
                    Err(e) => p.push(&at, format!("{key}: {}", e.to_string().trim())),
                }
            }
            if let (Some(service), Some(municipality)) = (p.slug(&at, &l.service), p.slug(&at, &l.municipality)) {
                locals.push(LocalDef { service, municipality, note: l.note.trim().to_owned(), overrides });
            }
        }

        if !p.0.is_empty() {
            return Err(CatalogueError::Invalid(p.0));
        }
        Ok(Catalogue { life_situations: situations, services, offices, responsibilities, locals })
    }

    /// Problems with municipalities the region does not have (checked against the region
    /// file when the catalogue is loaded).
    pub fn unknown_municipalities(&self, known: &[Slug]) -> Vec<String> {
        let mut out = BTreeSet::new();
        let mut check = |what: &str, m: &Slug| {
            if !known.contains(m) {
                out.insert(format!("{what}: municipality {:?} is not in the region", m.as_str()));
            }
        };
        for o in &self.offices {
            check(&format!("office {}/{}", o.municipality.as_str(), o.slug.as_str()), &o.municipality);
        }
        for r in &self.responsibilities {
            check(&format!("responsibility {}", r.service.as_str()), r.area.municipality());
        }
        for l in &self.locals {
            check(&format!("local {}", l.service.as_str()), &l.municipality);
        }
        out.into_iter().collect()
    }
}

/// Orders life situations parents first and reports cycles.
fn order_tree(p: &mut Problems, mut rest: Vec<LifeSituationDef>) -> Vec<LifeSituationDef> {
    let mut out: Vec<LifeSituationDef> = Vec::new();
    while !rest.is_empty() {
        let before = rest.len();
        let (ready, waiting): (Vec<_>, Vec<_>) = rest
            .into_iter()
            .partition(|l| l.parent.as_ref().is_none_or(|parent| out.iter().any(|o| &o.slug == parent)));
        out.extend(ready);
        rest = waiting;
        if rest.len() == before {
            for l in &rest {
                p.push(&format!("life_situation ({})", l.slug.as_str()), "its parents form a cycle");
            }
            break;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[life_situation]]
slug = "fahrzeug"
name = "Fahrzeug und Verkehr"
[[life_situation]]
slug = "auto"
name = "Auto"
parent = "fahrzeug"

[[service]]
slug = "kfz-zulassung"
name = "Kfz-Zulassung"
synonyms = ["Auto anmelden"]
summary = "Ein Fahrzeug zulassen."
fees = [{ kind = "range", min_cents = 2790, max_cents = 5000 }]
life_situations = ["auto"]
level = "county"
forms = [{ title = "Antrag auf Zulassung", version = "2026-01", valid_from = "2026-01-01" }]

[[office]]
municipality = "altenburger-land"
slug = "zulassungsstelle"
name = "Zulassungsstelle"
postcode = "04600"
hours = "Mo-Fr 08:00-12:00"
exceptions = ["2026-12-24 geschlossen Heiligabend"]
services = ["kfz-zulassung"]
[[office.contact]]
function = "Zulassung"
services = ["kfz-zulassung"]

[[responsibility]]
service = "kfz-zulassung"
office = "altenburger-land/zulassungsstelle"
area = { places = ["altenburg/Ehrenberg"] }

[[local]]
service = "kfz-zulassung"
municipality = "altenburg"
note = "Termine nur online."
online_url = "https://example.org/termin"
[local.overrides]
fees = [{ kind = "fixed", cents = 3000 }]
"#;

    #[test]
    fn a_good_file_parses_with_its_references() {
        let c = Catalogue::from_toml(GOOD).unwrap();
        assert_eq!(c.life_situations[1].parent.as_ref().unwrap().as_str(), "fahrzeug");
        assert_eq!(c.services[0].forms[0].valid_from, NaiveDate::from_ymd_opt(2026, 1, 1));
        assert_eq!(c.offices[0].contacts.len(), 1);
        assert!(
            matches!(&c.responsibilities[0].area, Area::Places { municipality, .. } if municipality.as_str() == "altenburg")
        );
        let o = &c.locals[0].overrides;
        assert_eq!(o.get(super::super::service::ServiceField::Fees), Some("30,00"));
        assert_eq!(o.get(super::super::service::ServiceField::OnlineUrl), Some("https://example.org/termin"));
        let known = [Slug::parse("altenburger-land").unwrap()];
        assert_eq!(
            c.unknown_municipalities(&known),
            [
                "local kfz-zulassung: municipality \"altenburg\" is not in the region",
                "responsibility kfz-zulassung: municipality \"altenburg\" is not in the region"
            ]
        );
    }

    #[test]
    fn every_problem_is_reported_with_its_place() {
        let bad = GOOD
            .replace("parent = \"fahrzeug\"", "parent = \"nichts\"")
            .replace("life_situations = [\"auto\"]", "life_situations = [\"boot\"]")
            .replace("Mo-Fr 08:00-12:00", "Mo-Fr 08:00-25:00")
            .replace("cents = 3000", "cents = \"drei\"");
        let Err(CatalogueError::Invalid(problems)) = Catalogue::from_toml(&bad) else { panic!() };
        let text = problems.join("\n");
        for needle in [
            "life_situation[1] (auto): parent",
            "service[0] (kfz-zulassung): life situation \"boot\"",
            "office[0]",
            "local[0]",
        ] {
            assert!(text.contains(needle), "{needle} missing in\n{text}");
        }
        assert!(matches!(Catalogue::from_toml("[[service]]\nslug = 1"), Err(CatalogueError::Syntax(_))));
    }
}
