//! Responsibility (Zuständigkeit): which office performs a service for a citizen.
//!
//! An assignment says "office O performs service S for area A". Areas nest: a set of places or
//! postcodes lies within a municipality, a town within its county. The most specific area that
//! contains the citizen wins, so the county ⊃ town hierarchy resolves by itself: the Landratsamt
//! holds the county-wide assignment for vehicle registration, the town of Altenburg holds the
//! municipality assignment for registering a residence, and a citizen of Altenburg gets each
//! from the right one.

use crate::{Postcode, Slug};

/// The area an assignment covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Area {
    /// Named places of one municipality (Ortsteile).
    Places {
        /// The municipality the places belong to.
        municipality: Slug,
        /// The place names, as in the region file.
        places: Vec<String>,
    },
    /// Postcodes of one municipality.
    Postcodes {
        /// The municipality.
        municipality: Slug,
        /// The postcodes.
        postcodes: Vec<Postcode>,
    },
    /// A whole municipality (for a county: its own places, not its towns).
    Municipality(Slug),
    /// A whole county: the county's own places and every town in it.
    County(Slug),
}

impl Area {
    /// The stored kind code.
    pub fn kind(&self) -> &'static str {
        match self {
            Self::Places { .. } => "places",
            Self::Postcodes { .. } => "postcodes",
            Self::Municipality(_) => "municipality",
            Self::County(_) => "county",
        }
    }

    /// The municipality the area is anchored at (for a county area: the county).
    pub fn municipality(&self) -> &Slug {
        match self {
            Self::Places { municipality, .. } | Self::Postcodes { municipality, .. } => municipality,
            Self::Municipality(m) | Self::County(m) => m,
        }
    }

    /// How specific a match of this area is; higher wins.
    fn rank(&self) -> u8 {
        match self {
            Self::Places { .. } => 4,
            Self::Postcodes { .. } => 3,
            Self::Municipality(_) => 2,
            Self::County(_) => 1,
        }
    }

    /// Whether the area contains the citizen.
    pub fn contains(&self, c: &Citizen) -> bool {
        match self {
            Self::Places { municipality, places } => {
                *municipality == c.municipality
                    && c.place.as_deref().is_some_and(|p| places.iter().any(|q| same_name(q, p)))
            }
            Self::Postcodes { municipality, postcodes } => {
                *municipality == c.municipality && c.postcode.as_ref().is_some_and(|p| postcodes.contains(p))
            }
            Self::Municipality(m) => *m == c.municipality,
            Self::County(county) => *county == c.municipality || c.county.as_ref() == Some(county),
        }
    }
}

/// Where a citizen lives, as far as they told us.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Citizen {
    /// Their municipality.
    pub municipality: Slug,
    /// The county their municipality belongs to, if any.
    pub county: Option<Slug>,
    /// Their postcode, if given.
    pub postcode: Option<Postcode>,
    /// Their place (Ortsteil), if given.
    pub place: Option<String>,
}

/// Compares place names as citizens type them: case, umlaut spelling and spaces do not matter.
pub fn same_name(a: &str, b: &str) -> bool {
    normalise_name(a) == normalise_name(b)
}

/// Folds a place name for comparison: lower case, ä → ae, ß → ss, dashes and slashes as spaces.
pub fn normalise_name(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars().flat_map(char::to_lowercase) {
        match c {
            'ä' => out.push_str("ae"),
            'ö' => out.push_str("oe"),
            'ü' => out.push_str("ue"),
            'ß' => out.push_str("ss"),
            '-' | '/' | '.' | ',' | '_' => out.push(' '),
            c if c.is_whitespace() => out.push(' '),
            c => out.push(c),
        }
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The office for a citizen among a service's assignments: the most specific area that
/// contains them; between equally specific ones the first (callers sort by office id, so the
/// answer is stable). `None` when no assignment covers the citizen.
pub fn resolve<'a, T>(assignments: &'a [(Area, T)], citizen: &Citizen) -> Option<&'a (Area, T)> {
    assignments.iter().filter(|(area, _)| area.contains(citizen)).fold(None, |best: Option<&(Area, T)>, a| match best {
        Some(b) if b.0.rank() >= a.0.rank() => Some(b),
        _ => Some(a),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slug(s: &str) -> Slug {
        Slug::parse(s).unwrap()
    }

    fn altenburg() -> Citizen {
        Citizen {
            municipality: slug("altenburg"),
            county: Some(slug("altenburger-land")),
            postcode: Some(Postcode::parse("04600").unwrap()),
            place: None,
        }
    }

    fn jena() -> Citizen {
        Citizen { municipality: slug("jena"), county: None, postcode: None, place: None }
    }

    #[test]
    fn the_county_and_the_town_split_by_themselves() {
        let meldewesen = vec![
            (Area::Municipality(slug("altenburg")), "Bürgerbüro Altenburg"),
            (Area::Municipality(slug("jena")), "Bürgerservice Jena"),
            (Area::County(slug("altenburger-land")), "Landratsamt (for its own places)"),
        ];
        let kfz = vec![
            (Area::County(slug("altenburger-land")), "Zulassungsstelle Altenburger Land"),
            (Area::Municipality(slug("jena")), "Zulassungsstelle Jena"),
        ];
        assert_eq!(resolve(&meldewesen, &altenburg()).unwrap().1, "Bürgerbüro Altenburg");
        assert_eq!(resolve(&kfz, &altenburg()).unwrap().1, "Zulassungsstelle Altenburger Land");
        assert_eq!(resolve(&meldewesen, &jena()).unwrap().1, "Bürgerservice Jena");
        assert_eq!(resolve(&kfz, &jena()).unwrap().1, "Zulassungsstelle Jena");
        let gera = Citizen { municipality: slug("gera"), ..jena() };
        assert!(resolve(&kfz, &gera).is_none());
    }

    #[test]
    fn places_beat_postcodes_beat_the_municipality() {
        let a = vec![
            (Area::Municipality(slug("altenburg")), 1),
            (
                Area::Postcodes { municipality: slug("altenburg"), postcodes: vec![Postcode::parse("04600").unwrap()] },
                2,
            ),
            (Area::Places { municipality: slug("altenburg"), places: vec!["Ehrenberg".into()] }, 3),
        ];
        assert_eq!(resolve(&a, &altenburg()).unwrap().1, 2);
        let ehrenberg = Citizen { place: Some("ehrenberg".into()), ..altenburg() };
        assert_eq!(resolve(&a, &ehrenberg).unwrap().1, 3);
        let other = Citizen { postcode: Some(Postcode::parse("04603").unwrap()), ..altenburg() };
        assert_eq!(resolve(&a, &other).unwrap().1, 1);
    }

    #[test]
    fn names_compare_as_citizens_type_them() {
        assert!(same_name("Schmölln", "schmoelln"));
        assert!(same_name("Jenaprießnitz/Wogau", "jenapriessnitz wogau"));
        assert!(!same_name("Gera", "Jena"));
    }
}
