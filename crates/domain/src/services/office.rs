//! What an editor types about an office, a contact and a responsibility, checked before
//! anything is stored. Each check returns every problem at once, named by field, so the staff
//! page can show them all beside their fields.

use crate::auth::Email;
use crate::services::hours::{HoursException, OpeningHours, WeeklyHours};
use crate::services::{Area, FieldProblem, PlaceDirectory};
use crate::{Postcode, Slug};

/// The longest one-line text (names, streets, functions), in characters.
pub const LINE_LIMIT: usize = 200;
/// The longest free text (accessibility of the building), in characters.
pub const TEXT_LIMIT: usize = 2_000;

/// An office as the editor typed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct OfficeForm {
    /// Name.
    pub name: String,
    /// Street and number.
    pub street: String,
    /// Postcode, may be empty.
    pub postcode: String,
    /// City.
    pub city: String,
    /// Accessibility of the building, free text.
    pub accessibility: String,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Appointment booking link.
    pub appointment_url: String,
    /// Website.
    pub website: String,
    /// Weekly hours in the text form of [`WeeklyHours::parse`].
    pub weekly: String,
    /// Exceptions, one per line, in the text form of [`HoursException::parse`].
    pub exceptions: String,
    /// Whether the office also opens on public holidays.
    pub open_on_holidays: bool,
}

/// An office that passed [`OfficeForm::check`]: trimmed texts and parsed hours.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OfficeDetails {
    /// Name.
    pub name: String,
    /// Street and number.
    pub street: String,
    /// Postcode, empty when not given.
    pub postcode: String,
    /// City.
    pub city: String,
    /// Accessibility of the building.
    pub accessibility: String,
    /// Phone.
    pub phone: String,
    /// E-mail, lower case; empty when not given.
    pub email: String,
    /// Appointment booking link.
    pub appointment_url: String,
    /// Website.
    pub website: String,
    /// Opening hours.
    pub hours: OpeningHours,
}

fn problem(field: &str, code: &'static str, detail: impl Into<String>) -> FieldProblem {
    FieldProblem { field: field.to_owned(), code, detail: detail.into() }
}

struct Checker(Vec<FieldProblem>);

impl Checker {
    fn line(&mut self, field: &str, value: &str, required: bool) -> String {
        let v = value.trim();
        if required && v.is_empty() {
            self.0.push(problem(field, "office-missing", "fill in this field"));
        } else if v.contains(['\n', '\r']) {
            self.0.push(problem(field, "office-one-line", "write it on one line"));
        } else if v.chars().count() > LINE_LIMIT {
            self.0.push(problem(field, "office-too-long", format!("shorten it to at most {LINE_LIMIT} characters")));
        }
        v.to_owned()
    }

    fn text(&mut self, field: &str, value: &str) -> String {
        let v = value.trim().replace("\r\n", "\n");
        if v.chars().count() > TEXT_LIMIT {
            self.0.push(problem(field, "office-too-long", format!("shorten it to at most {TEXT_LIMIT} characters")));
        }
        v
    }

    fn phone(&mut self, field: &str, value: &str) -> String {
        let v = self.line(field, value, false);
        let digits = v.chars().filter(char::is_ascii_digit).count();
        let allowed = v.chars().all(|c| c.is_ascii_digit() || " +-/()".contains(c));
        if !v.is_empty() && (!allowed || digits < 3) {
            self.0.push(problem(
                field,
                "office-bad-phone",
                "write a phone number with digits, spaces and + - / ( ) only, e.g. 03447 586-0",
            ));
        }
        v
    }

    fn email(&mut self, field: &str, value: &str) -> String {
        let v = value.trim();
        if v.is_empty() {
            return String::new();
        }
        match Email::parse(v) {
            Ok(e) => e.as_str().to_owned(),
            Err(e) => {
                self.0.push(problem(field, "office-bad-email", format!("{e}; write it as name@example.de")));
                v.to_owned()
            }
        }
    }

    fn url(&mut self, field: &str, value: &str) -> String {
        let v = self.line(field, value, false);
        if !v.is_empty() && !is_http_url(&v) {
            self.0.push(problem(field, "office-bad-url", "write a web address starting with https://"));
        }
        v
    }
}

fn is_http_url(s: &str) -> bool {
    let rest = s.strip_prefix("https://").or_else(|| s.strip_prefix("http://"));
    rest.is_some_and(|r| !r.is_empty() && !r.starts_with('/') && !r.contains(char::is_whitespace))
}

impl OfficeForm {
    /// Checks every field; the problems come in the order of the form.
    pub fn check(&self) -> Result<OfficeDetails, Vec<FieldProblem>> {
        let mut c = Checker(Vec::new());
        let name = c.line("name", &self.name, true);
        let street = c.line("street", &self.street, false);
        let postcode = c.line("postcode", &self.postcode, false);
        if !postcode.is_empty() && Postcode::parse(&postcode).is_err() {
            c.0.push(problem("postcode", "office-bad-postcode", "write the postcode as five digits, e.g. 04600"));
        }
        let city = c.line("city", &self.city, false);
        let accessibility = c.text("accessibility", &self.accessibility);
        let phone = c.phone("phone", &self.phone);
        let email = c.email("email", &self.email);
        let appointment_url = c.url("appointment_url", &self.appointment_url);
        let website = c.url("website", &self.website);
        let weekly = WeeklyHours::parse(&self.weekly).map_err(|e| {
            c.0.push(problem("weekly", "office-bad-hours", e.to_string()));
        });
        let exceptions = HoursException::parse_list(&self.exceptions).map_err(|e| {
            c.0.push(problem("exceptions", "office-bad-exception", e.to_string()));
        });
        match (weekly, exceptions) {
            (Ok(weekly), Ok(exceptions)) if c.0.is_empty() => Ok(OfficeDetails {
                name,
                street,
                postcode,
                city,
                accessibility,
                phone,
                email,
                appointment_url,
                website,
                hours: OpeningHours { weekly, exceptions, open_on_holidays: self.open_on_holidays },
            }),
            _ => Err(c.0),
        }
    }
}

/// A contact as the editor typed it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ContactForm {
    /// The function ("Sachbearbeitung Meldewesen").
    pub function: String,
    /// The person's name, may be empty.
    pub name: String,
    /// Whether the public pages show the name (else only the function).
    pub show_name: bool,
    /// Phone.
    pub phone: String,
    /// E-mail.
    pub email: String,
    /// Room.
    pub room: String,
    /// Hours, free text.
    pub hours: String,
}

/// A contact that passed [`ContactForm::check`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContactDetails {
    /// The function.
    pub function: String,
    /// The name.
    pub name: String,
    /// Whether the name is shown.
    pub show_name: bool,
    /// Phone.
    pub phone: String,
    /// E-mail, lower case.
    pub email: String,
    /// Room.
    pub room: String,
    /// Hours.
    pub hours: String,
}

impl ContactForm {
    /// Checks every field. A contact needs a function (shown when the name is not), and a name
    /// can only be shown when there is one.
    pub fn check(&self) -> Result<ContactDetails, Vec<FieldProblem>> {
        let mut c = Checker(Vec::new());
        let function = c.line("function", &self.function, true);
        let name = c.line("name", &self.name, false);
        if self.show_name && name.is_empty() {
            c.0.push(problem("name", "contact-name-to-show", "write the name, or untick \"show the name\""));
        }
        let phone = c.phone("phone", &self.phone);
        let email = c.email("email", &self.email);
        let room = c.line("room", &self.room, false);
        let hours = c.line("hours", &self.hours, false);
        if c.0.is_empty() {
            Ok(ContactDetails { function, name, show_name: self.show_name, phone, email, room, hours })
        } else {
            Err(c.0)
        }
    }
}

/// A responsibility's area as the editor chose it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AreaForm {
    /// `municipality`, `county`, `postcodes` or `places`.
    pub kind: String,
    /// The municipality the area lies in.
    pub municipality: Slug,
    /// Postcodes or place names, one per line or separated by commas.
    pub values: String,
}

impl AreaForm {
    /// Checks the area against the region's places: postcodes and places must be those of the
    /// chosen municipality, so that a typo cannot create an assignment no citizen ever matches.
    /// `is_county` says whether the municipality is a county (only a county has a county area).
    pub fn check(&self, places: &PlaceDirectory, is_county: bool) -> Result<Area, Vec<FieldProblem>> {
        let m = &self.municipality;
        let values: Vec<&str> = self.values.split(['\n', ',', ';']).map(str::trim).filter(|v| !v.is_empty()).collect();
        let known = || places.entries().filter(|e| &e.municipality == m);
        let need_values = |what: &str| {
            vec![problem(
                "values",
                "area-values-missing",
                format!("list the {what}, one per line or separated by commas"),
            )]
        };
        match self.kind.as_str() {
            "municipality" => Ok(Area::Municipality(m.clone())),
            "county" if is_county => Ok(Area::County(m.clone())),
            "county" => Err(vec![problem(
                "kind",
                "area-not-a-county",
                format!("{m} is not a county; choose the whole municipality, postcodes or places"),
            )]),
            "postcodes" => {
                if values.is_empty() {
                    return Err(need_values("postcodes"));
                }
                let mut postcodes = Vec::new();
                let mut bad = Vec::new();
                for v in values {
                    match Postcode::parse(v) {
                        Ok(p) if known().any(|e| e.postcode == p) => postcodes.push(p),
                        _ => bad.push(v.to_owned()),
                    }
                }
                if !bad.is_empty() {
                    let mut list: Vec<String> = known().map(|e| e.postcode.as_str().to_owned()).collect();
                    list.sort();
                    list.dedup();
                    return Err(vec![problem(
                        "values",
                        "area-unknown-postcodes",
                        format!("not a postcode of {m}: {}; its postcodes are {}", bad.join(", "), list.join(", ")),
                    )]);
                }
                postcodes.sort();
                postcodes.dedup();
                Ok(Area::Postcodes { municipality: m.clone(), postcodes })
            }
            "places" => {
                if values.is_empty() {
                    return Err(need_values("places"));
                }
                let mut names = Vec::new();
                let mut bad = Vec::new();
                for v in values {
                    let wanted = crate::services::responsibility::normalise_name(v);
                    match known().find(|e| crate::services::responsibility::normalise_name(&e.name) == wanted) {
                        Some(e) if !names.contains(&e.name) => names.push(e.name.clone()),
                        Some(_) => {}
                        None => bad.push(v.to_owned()),
                    }
                }
                if !bad.is_empty() {
                    return Err(vec![problem(
                        "values",
                        "area-unknown-places",
                        format!(
                            "not a place of {m}: {}; write the place names as the region lists them",
                            bad.join(", ")
                        ),
                    )]);
                }
                names.sort();
                Ok(Area::Places { municipality: m.clone(), places: names })
            }
            other => Err(vec![problem(
                "kind",
                "area-bad-kind",
                format!("unknown area kind {other:?}; choose municipality, county, postcodes or places"),
            )]),
        }
    }
}

/// The editor's text of an area's values (postcodes or places, one per line).
pub fn area_values_text(area: &Area) -> String {
    match area {
        Area::Places { places, .. } => places.join("\n"),
        Area::Postcodes { postcodes, .. } => postcodes.iter().map(Postcode::as_str).collect::<Vec<_>>().join("\n"),
        Area::Municipality(_) | Area::County(_) => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::services::PlaceEntry;

    fn form() -> OfficeForm {
        OfficeForm {
            name: " Bürgerbüro ".into(),
            postcode: "04600".into(),
            phone: "03447 594-0".into(),
            email: "Buergerbuero@Altenburg.de".into(),
            website: "https://www.altenburg.eu".into(),
            weekly: "Mo-Fr 08:00-12:00\nDi 14:00-18:00".into(),
            exceptions: "2026-12-24 geschlossen Heiligabend".into(),
            ..OfficeForm::default()
        }
    }

    #[test]
    fn a_good_office_is_trimmed_and_its_hours_are_parsed() {
        let d = form().check().unwrap();
        assert_eq!((d.name.as_str(), d.email.as_str()), ("Bürgerbüro", "buergerbuero@altenburg.de"));
        assert_eq!(d.hours.exceptions.len(), 1);
        assert!(d.hours.weekly.to_text().contains("14:00-18:00"));
    }

    #[test]
    fn every_problem_is_named_by_its_field() {
        let f = OfficeForm {
            name: "  ".into(),
            postcode: "4600".into(),
            phone: "call us".into(),
            email: "nobody".into(),
            appointment_url: "www.termin.de".into(),
            weekly: "Mo 08:00-12:00\nXy 09:00-10:00".into(),
            exceptions: "2026-13-40 geschlossen".into(),
            ..OfficeForm::default()
        };
        let p = f.check().unwrap_err();
        let fields: Vec<&str> = p.iter().map(|p| p.field.as_str()).collect();
        assert_eq!(fields, ["name", "postcode", "phone", "email", "appointment_url", "weekly", "exceptions"]);
        assert!(p[5].detail.starts_with("line 2"), "{}", p[5].detail);
    }

    #[test]
    fn a_shown_name_needs_a_name() {
        let c = ContactForm { function: "Meldewesen".into(), show_name: true, ..ContactForm::default() };
        assert_eq!(c.check().unwrap_err()[0].code, "contact-name-to-show");
        let c = ContactForm { function: "Meldewesen".into(), ..ContactForm::default() };
        assert_eq!(c.check().unwrap().function, "Meldewesen");
        assert_eq!(ContactForm::default().check().unwrap_err()[0].field, "function");
    }

    fn places() -> PlaceDirectory {
        let e = |name: &str, postcode: &str, m: &str| PlaceEntry {
            name: name.into(),
            postcode: Postcode::parse(postcode).unwrap(),
            municipality: Slug::parse(m).unwrap(),
        };
        PlaceDirectory::new([e("Altenburg", "04600", "altenburg"), e("Schmölln", "04626", "schmoelln")])
    }

    fn area(kind: &str, m: &str, values: &str) -> AreaForm {
        AreaForm { kind: kind.into(), municipality: Slug::parse(m).unwrap(), values: values.into() }
    }

    #[test]
    fn areas_are_checked_against_the_municipalitys_places() {
        let p = places();
        assert_eq!(
            area("postcodes", "altenburg", "04600, 04600").check(&p, false).unwrap(),
            Area::Postcodes {
                municipality: Slug::parse("altenburg").unwrap(),
                postcodes: vec![Postcode::parse("04600").unwrap()]
            }
        );
        let e = area("postcodes", "altenburg", "04626\n12345").check(&p, false).unwrap_err();
        assert!(e[0].detail.contains("04626, 12345") && e[0].detail.ends_with("04600"), "{}", e[0].detail);
        assert_eq!(
            area("places", "schmoelln", "schmoelln").check(&p, false).unwrap(),
            Area::Places { municipality: Slug::parse("schmoelln").unwrap(), places: vec!["Schmölln".into()] }
        );
        assert_eq!(area("places", "altenburg", "").check(&p, false).unwrap_err()[0].code, "area-values-missing");
        assert_eq!(area("county", "altenburg", "").check(&p, false).unwrap_err()[0].code, "area-not-a-county");
        assert!(matches!(area("county", "altenburger-land", "").check(&p, true), Ok(Area::County(_))));
        assert_eq!(area("galaxy", "altenburg", "").check(&p, false).unwrap_err()[0].code, "area-bad-kind");
    }
}
