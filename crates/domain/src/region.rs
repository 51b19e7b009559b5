//! The region file: the municipalities of a region, their keys, places and legal texts.
//!
//! A deployment describes its region in one TOML file (the demo region is `demo/region.toml`)
//! and loads it with `regioportal region import FILE`. This module parses and validates that
//! file completely before anything is stored, so an import either applies a consistent region or
//! reports every problem at once, each with where it is in the file.

use std::collections::{BTreeMap, BTreeSet};

use serde::Deserialize;
use thiserror::Error;

use crate::{Ags, Ars, LegalPageKind, MunicipalityKind, Postcode, Slug, ThemeColour};

/// Why a region file was not accepted.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum RegionFileError {
    /// Not TOML, or not of the file's shape (unknown or missing keys).
    #[error("the region file is not valid: {0}")]
    Syntax(String),
    /// Well-formed, but with values that break the rules; one message per problem.
    #[error("the region file has {} problem(s): {}", .0.len(), .0.join("; "))]
    Invalid(Vec<String>),
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    region: RawRegion,
    #[serde(default, rename = "municipality")]
    municipalities: Vec<RawMunicipality>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRegion {
    slug: String,
    name: String,
    name_en: Option<String>,
    timezone: String,
    website: Option<String>,
    #[serde(default)]
    demo: bool,
    contact: RawContact,
    #[serde(default)]
    legal: RawLegal,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawContact {
    name: String,
    street: String,
    postcode: String,
    city: String,
    phone: Option<String>,
    email: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLegal {
    impressum: Option<RawText>,
    datenschutz: Option<RawText>,
    barrierefreiheit: Option<RawText>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawText {
    de: String,
    en: Option<String>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMunicipality {
    slug: String,
    name: String,
    kind: String,
    parent: Option<String>,
    ags: String,
    ars: String,
    theme_colour: Option<String>,
    logo: Option<String>,
    website: Option<String>,
    #[serde(default)]
    require_mfa: bool,
    #[serde(default)]
    neighbours: Vec<String>,
    contact: RawContact,
    #[serde(default, rename = "place")]
    places: Vec<RawPlace>,
    #[serde(default)]
    legal: RawLegal,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlace {
    name: String,
    postcodes: Vec<String>,
}

/// Postal contact data of an administration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Contact {
    /// The administration's name ("Stadtverwaltung Jena").
    pub name: String,
    /// Street and number.
    pub street: String,
    /// Postcode.
    pub postcode: Postcode,
    /// City.
    pub city: String,
    /// Phone number as published.
    pub phone: Option<String>,
    /// General e-mail address.
    pub email: Option<String>,
}

/// A text in German with an optional English translation (German is legally binding).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalisedText {
    /// German Markdown.
    pub de: String,
    /// English Markdown, if translated.
    pub en: Option<String>,
}

/// A place (Ort, Ortsteil) a municipality covers, with its postcodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The place's name.
    pub name: String,
    /// The postcodes of the place (one place may have several; one postcode may span places).
    pub postcodes: Vec<Postcode>,
}

/// A validated municipality definition from a region file.
#[derive(Debug, Clone, PartialEq)]
pub struct MunicipalityDef {
    /// URL name.
    pub slug: Slug,
    /// Official short name.
    pub name: String,
    /// City, county or town.
    pub kind: MunicipalityKind,
    /// The county a town belongs to.
    pub parent: Option<Slug>,
    /// Official municipality key.
    pub ags: Ags,
    /// Official regional key.
    pub ars: Ars,
    /// Brand colour as chosen (contrast is enforced when it is painted).
    pub theme_colour: ThemeColour,
    /// Path of the logo file, relative to the region file.
    pub logo: Option<String>,
    /// The municipality's own website.
    pub website: Option<String>,
    /// Whether all staff of this municipality need a second factor (not only administrators).
    pub require_mfa: bool,
    /// Neighbouring municipalities of the region (both ways: a file may name a pair on one
    /// side only), sorted. A calendar "with neighbours" shows theirs too.
    pub neighbours: Vec<Slug>,
    /// Address of the administration.
    pub contact: Contact,
    /// Places covered.
    pub places: Vec<Place>,
    /// Legal pages.
    pub legal: Vec<(LegalPageKind, LocalisedText)>,
}

/// A validated region file, municipalities ordered so that a county comes before its towns.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    /// URL-safe name of the region.
    pub slug: Slug,
    /// German name.
    pub name: String,
    /// English name (falls back to the German one).
    pub name_en: Option<String>,
    /// IANA time zone of the region, e.g. `Europe/Berlin`.
    pub timezone: chrono_tz::Tz,
    /// Website of the region.
    pub website: Option<String>,
    /// Whether the content is invented demo content (pages then carry a "Demo" banner).
    pub demo: bool,
    /// The platform operator.
    pub contact: Contact,
    /// The region's own legal pages (of the platform operator).
    pub legal: Vec<(LegalPageKind, LocalisedText)>,
    /// The municipalities (tenants).
    pub municipalities: Vec<MunicipalityDef>,
}

/// Collects problems with their location in the file.
struct Problems(Vec<String>);

impl Problems {
    fn push(&mut self, at: &str, msg: impl std::fmt::Display) {
        self.0.push(format!("{at}: {msg}"));
    }
    fn check<T, E: std::fmt::Display>(&mut self, at: &str, r: Result<T, E>) -> Option<T> {
        r.map_err(|e| self.push(at, e)).ok()
    }
}

fn check_name(p: &mut Problems, at: &str, field: &str, value: &str) -> String {
    let v = value.trim();
    if v.is_empty() {
        p.push(at, format!("{field} is empty; give the name as it should be shown"));
    } else if v.chars().count() > 200 {
        p.push(at, format!("{field} is longer than 200 characters"));
    }
    v.to_owned()
}

fn check_url(p: &mut Problems, at: &str, value: Option<String>) -> Option<String> {
    let v = value?.trim().to_owned();
    let rest = v.strip_prefix("https://").or_else(|| v.strip_prefix("http://"));
    match rest {
        Some(r) if !r.is_empty() && !r.contains(char::is_whitespace) => Some(v),
        _ => {
            p.push(at, format!("website {v:?} is not a URL; write it like \"https://www.jena.de\""));
            None
        }
    }
}

fn check_contact(p: &mut Problems, at: &str, c: RawContact) -> Option<Contact> {
    let at = format!("{at}.contact");
    let name = check_name(p, &at, "name", &c.name);
    let street = check_name(p, &at, "street", &c.street);
    let city = check_name(p, &at, "city", &c.city);
    let postcode = p.check(&at, Postcode::parse(&c.postcode));
    if let Some(email) = &c.email {
        let ok = email
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && d.contains('.') && !email.contains(char::is_whitespace));
        if !ok {
            p.push(&at, format!("email {email:?} is not an e-mail address"));
        }
    }
    Some(Contact { name, street, postcode: postcode?, city, phone: c.phone, email: c.email })
}

fn check_legal(p: &mut Problems, at: &str, legal: RawLegal) -> Vec<(LegalPageKind, LocalisedText)> {
    let mut out = Vec::new();
    for (kind, text) in [
        (LegalPageKind::Impressum, legal.impressum),
        (LegalPageKind::Datenschutz, legal.datenschutz),
        (LegalPageKind::Barrierefreiheit, legal.barrierefreiheit),
    ] {
        let Some(text) = text else { continue };
        if text.de.trim().is_empty() {
            p.push(&format!("{at}.legal.{}", kind.slug()), "the German text (de) is empty");
            continue;
        }
        let en = text.en.filter(|e| !e.trim().is_empty());
        out.push((kind, LocalisedText { de: text.de, en }));
    }
    out
}

impl Region {
    /// Parses and validates a region file in TOML.
    pub fn from_toml(text: &str) -> Result<Self, RegionFileError> {
        let raw: RawFile =
            toml::from_str(text).map_err(|e| RegionFileError::Syntax(e.to_string().trim().replace('\n', " ")))?;
        let mut p = Problems(Vec::new());

        let r = raw.region;
        let slug = p.check("region.slug", Slug::parse(&r.slug));
        let name = check_name(&mut p, "region", "name", &r.name);
        let name_en = r.name_en.map(|n| check_name(&mut p, "region", "name_en", &n));
        let timezone = p.check(
            "region.timezone",
            r.timezone
                .parse::<chrono_tz::Tz>()
                .map_err(|_| format!("{:?} is not an IANA time zone; write it like \"Europe/Berlin\"", r.timezone)),
        );
        let website = check_url(&mut p, "region", r.website);
        let contact = check_contact(&mut p, "region", r.contact);
        let legal = check_legal(&mut p, "region", r.legal);

        if raw.municipalities.is_empty() {
            p.push("municipality", "the region has no municipality; add at least one [[municipality]]");
        }
        let mut seen_slugs = BTreeSet::new();
        let mut seen_ags = BTreeSet::new();
        let mut seen_ars = BTreeSet::new();
        let mut defs = Vec::new();
        for (i, m) in raw.municipalities.into_iter().enumerate() {
            let at = format!("municipality[{i}] ({})", m.slug);
            let slug = p.check(&at, Slug::parse(&m.slug));
            if let Some(s) = &slug {
                if s.is_reserved() {
                    p.push(&at, format!("slug {:?} is used by the portal itself; choose another", s.as_str()));
                }
                if !seen_slugs.insert(s.clone()) {
                    p.push(&at, format!("slug {:?} is used twice", s.as_str()));
                }
            }
            let name = check_name(&mut p, &at, "name", &m.name);
            let kind = p.check(&at, MunicipalityKind::parse(&m.kind));
            let parent = m.parent.as_deref().and_then(|s| p.check(&format!("{at}.parent"), Slug::parse(s)));
            let ags = p.check(&at, Ags::parse(&m.ags));
            let ars = p.check(&at, Ars::parse(&m.ars));
            if let (Some(ags), Some(ars)) = (&ags, &ars) {
                if !ars.matches(ags) {
                    p.push(
                        &at,
                        format!(
                            "ARS {} does not belong to AGS {} (the ARS without its digits 6–9 must equal the AGS)",
                            ars.as_str(),
                            ags.as_str()
                        ),
                    );
                }
                if !seen_ags.insert(ags.clone()) {
                    p.push(&at, format!("AGS {} is used twice", ags.as_str()));
                }
                if !seen_ars.insert(ars.clone()) {
                    p.push(&at, format!("ARS {} is used twice", ars.as_str()));
                }
            }
            let theme_colour = match m.theme_colour.as_deref() {
                None => Some(ThemeColour::DEFAULT),
                Some(c) => p.check(&format!("{at}.theme_colour"), ThemeColour::parse(c)),
            };
            let website = check_url(&mut p, &at, m.website);
            let contact = check_contact(&mut p, &at, m.contact);
            let mut places = Vec::new();
            for (j, place) in m.places.into_iter().enumerate() {
                let pat = format!("{at}.place[{j}]");
                let pname = check_name(&mut p, &pat, "name", &place.name);
                if place.postcodes.is_empty() {
                    p.push(&pat, "a place needs at least one postcode");
                }
                let postcodes: Vec<Postcode> =
                    place.postcodes.iter().filter_map(|c| p.check(&pat, Postcode::parse(c))).collect();
                places.push(Place { name: pname, postcodes });
            }
            let legal = check_legal(&mut p, &at, m.legal);
            let neighbours: Vec<Slug> =
                m.neighbours.iter().filter_map(|n| p.check(&format!("{at}.neighbours"), Slug::parse(n))).collect();
            if let (Some(slug), Some(kind), Some(ags), Some(ars), Some(theme_colour), Some(contact)) =
                (slug, kind, ags, ars, theme_colour, contact)
            {
                defs.push(MunicipalityDef {
                    slug,
                    name,
                    kind,
                    parent,
                    ags,
                    ars,
                    theme_colour,
                    logo: m.logo,
                    website,
                    require_mfa: m.require_mfa,
                    neighbours,
                    contact,
                    places,
                    legal,
                });
            }
        }

        // The county ⊃ town hierarchy: a town names an existing county of the same Kreis key.
        let by_slug: BTreeMap<&Slug, &MunicipalityDef> = defs.iter().map(|d| (&d.slug, d)).collect();
        for d in &defs {
            let at = format!("municipality ({})", d.slug);
            match (d.kind.needs_parent(), &d.parent) {
                (true, None) => p.push(&at, "a town needs parent = \"<slug of its county>\""),
                (false, Some(_)) => p.push(&at, format!("a {} has no parent; remove parent", d.kind.as_str())),
                (true, Some(parent)) => match by_slug.get(parent) {
                    None => p.push(&at, format!("parent {:?} is not a municipality of this file", parent.as_str())),
                    Some(pd) if pd.kind != MunicipalityKind::County => {
                        p.push(&at, format!("parent {:?} is a {}, not a county", parent.as_str(), pd.kind.as_str()))
                    }
                    Some(pd) if pd.ags.county_part() != d.ags.county_part() => p.push(
                        &at,
                        format!("AGS {} does not lie in county {} (AGS {})", d.ags.as_str(), pd.slug, pd.ags.as_str()),
                    ),
                    Some(_) => {}
                },
                (false, None) => {}
            }
        }

        // Neighbours: municipalities of this file, not itself; made symmetric.
        let mut pairs = BTreeSet::new();
        for d in &defs {
            for n in &d.neighbours {
                let at = format!("municipality ({}).neighbours", d.slug);
                if n == &d.slug {
                    p.push(&at, "a municipality is not its own neighbour; remove it from the list");
                } else if !by_slug.contains_key(n) {
                    p.push(&at, format!("{:?} is not a municipality of this file", n.as_str()));
                } else {
                    pairs.insert((d.slug.clone(), n.clone()));
                    pairs.insert((n.clone(), d.slug.clone()));
                }
            }
        }
        for d in &mut defs {
            d.neighbours = pairs.iter().filter(|(a, _)| *a == d.slug).map(|(_, b)| b.clone()).collect();
        }

        if !p.0.is_empty() {
            return Err(RegionFileError::Invalid(p.0));
        }
        // Counties and cities first, so parents exist when towns are stored.
        defs.sort_by_key(|d| d.kind == MunicipalityKind::Town);
        Ok(Region {
            slug: slug.expect("checked"),
            name,
            name_en,
            timezone: timezone.expect("checked"),
            website,
            demo: r.demo,
            contact: contact.expect("checked"),
            legal,
            municipalities: defs,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MINIMAL: &str = r##"
[region]
slug = "testregion"
name = "Testregion"
timezone = "Europe/Berlin"
[region.contact]
name = "Regio"
street = "Markt 1"
postcode = "04600"
city = "Altenburg"

[[municipality]]
slug = "altenburg"
name = "Altenburg"
kind = "town"
parent = "altenburger-land"
ags = "16077001"
ars = "160770001001"
[municipality.contact]
name = "Stadtverwaltung Altenburg"
street = "Markt 1"
postcode = "04600"
city = "Altenburg"
[[municipality.place]]
name = "Altenburg"
postcodes = ["04600"]

[[municipality]]
slug = "altenburger-land"
name = "Landkreis Altenburger Land"
kind = "county"
ags = "16077000"
ars = "160770000000"
theme_colour = "#ffff00"
[municipality.contact]
name = "Landratsamt"
street = "Lindenaustraße 9"
postcode = "04600"
city = "Altenburg"
[municipality.legal.impressum]
de = "Text"
"##;

    #[test]
    fn minimal_file_is_accepted_and_counties_come_first() {
        let r = Region::from_toml(MINIMAL).unwrap();
        assert_eq!(r.municipalities[0].slug.as_str(), "altenburger-land");
        assert_eq!(r.municipalities[1].parent.as_ref().unwrap().as_str(), "altenburger-land");
        assert_eq!(r.municipalities[0].legal.len(), 1);
        assert_eq!(r.timezone, chrono_tz::Europe::Berlin);
    }

    #[test]
    fn syntax_errors_name_the_line() {
        let err = Region::from_toml("[region\nslug=").unwrap_err();
        assert!(matches!(&err, RegionFileError::Syntax(m) if m.contains("line 1")), "{err}");
        let err = Region::from_toml(&MINIMAL.replace("timezone =", "tz =")).unwrap_err();
        assert!(matches!(&err, RegionFileError::Syntax(m) if m.contains("tz")), "{err}");
    }

    #[test]
    fn every_problem_is_reported_with_its_place() {
        let bad = MINIMAL
            .replace("ags = \"16077001\"", "ags = \"1607700\"")
            .replace("parent = \"altenburger-land\"", "parent = \"nowhere\"")
            .replace("Europe/Berlin", "Europe/Jena")
            .replace("postcodes = [\"04600\"]", "postcodes = [\"4600\"]");
        let RegionFileError::Invalid(problems) = Region::from_toml(&bad).unwrap_err() else { panic!() };
        let all = problems.join("\n");
        assert!(all.contains("region.timezone"), "{all}");
        assert!(all.contains("municipality[0] (altenburg): \"1607700\" is not an official municipality key"), "{all}");
        assert!(all.contains("place[0]"), "{all}");
        assert_eq!(problems.len(), 3, "{all}"); // the parent check needs a valid AGS first
    }

    #[test]
    fn hierarchy_rules() {
        let bad = MINIMAL.replace("parent = \"altenburger-land\"", "parent = \"nowhere\"");
        let RegionFileError::Invalid(p) = Region::from_toml(&bad).unwrap_err() else { panic!() };
        assert!(p[0].contains("parent \"nowhere\" is not a municipality"), "{p:?}");

        let bad = MINIMAL.replace("kind = \"county\"", "kind = \"city\"");
        let RegionFileError::Invalid(p) = Region::from_toml(&bad).unwrap_err() else { panic!() };
        assert!(p.iter().any(|m| m.contains("is a city, not a county")), "{p:?}");

        let bad =
            MINIMAL.replace("ags = \"16077001\"\nars = \"160770001001\"", "ags = \"16053001\"\nars = \"160530001001\"");
        let RegionFileError::Invalid(p) = Region::from_toml(&bad).unwrap_err() else { panic!() };
        assert!(p.iter().any(|m| m.contains("does not lie in county")), "{p:?}");

        let bad = MINIMAL.replace("ars = \"160770001001\"", "ars = \"160770001002\"");
        let RegionFileError::Invalid(p) = Region::from_toml(&bad).unwrap_err() else { panic!() };
        assert!(p.iter().any(|m| m.contains("does not belong to AGS")), "{p:?}");
    }

    #[test]
    fn reserved_and_duplicate_slugs() {
        let bad = MINIMAL.replace("slug = \"altenburg\"", "slug = \"api\"");
        let RegionFileError::Invalid(p) = Region::from_toml(&bad).unwrap_err() else { panic!() };
        assert!(p.iter().any(|m| m.contains("used by the portal itself")), "{p:?}");
    }

    #[test]
    fn neighbours_are_checked_and_go_both_ways() {
        let one_side = MINIMAL.replace("kind = \"county\"", "kind = \"county\"\nneighbours = [\"altenburg\"]");
        let r = Region::from_toml(&one_side).unwrap();
        let of = |slug: &str| {
            r.municipalities
                .iter()
                .find(|m| m.slug.as_str() == slug)
                .unwrap()
                .neighbours
                .iter()
                .map(|s| s.as_str().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(of("altenburger-land"), ["altenburg"]);
        assert_eq!(of("altenburg"), ["altenburger-land"], "named on one side, neighbours on both");
        assert!(Region::from_toml(MINIMAL).unwrap().municipalities.iter().all(|m| m.neighbours.is_empty()));
        let bad = MINIMAL.replace(
            "kind = \"county\"",
            "kind = \"county\"\nneighbours = [\"gera\", \"altenburger-land\", \"Not A Slug\"]",
        );
        let RegionFileError::Invalid(p) = Region::from_toml(&bad).unwrap_err() else { panic!() };
        let all = p.join("\n");
        assert!(all.contains("\"gera\" is not a municipality of this file"), "{all}");
        assert!(all.contains("not its own neighbour"), "{all}");
        assert!(all.contains("neighbours"), "{all}");
        assert_eq!(p.len(), 3, "{all}");
    }
}
