//! What a citizen types into "Where do I go?": a postcode, a place, or both ("04626 Schmölln"),
//! matched against the region's places.

use super::responsibility::normalise_name;
use crate::{Postcode, Slug};

/// A place of the region with one of its postcodes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlaceEntry {
    /// The place name ("Schmölln", "Ehrenberg").
    pub name: String,
    /// A postcode of the place.
    pub postcode: Postcode,
    /// The municipality it belongs to.
    pub municipality: Slug,
}

/// The outcome of matching the citizen's input.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PlaceMatch {
    /// One municipality: the citizen's place is known well enough to answer.
    Found {
        /// The municipality.
        municipality: Slug,
        /// The postcode, if the input had one or the place has only one.
        postcode: Option<Postcode>,
        /// The place, if the input named one or the postcode has only one.
        place: Option<String>,
    },
    /// Several municipalities share the postcode or the name: the citizen picks one.
    Ambiguous(Vec<PlaceEntry>),
    /// A valid German postcode that no place of the region has.
    OutsideRegion(Postcode),
    /// Nothing matched; the closest names of the region, best first (maybe none).
    Unknown(Vec<PlaceEntry>),
    /// The input was empty.
    Empty,
}

/// The region's places, for matching input.
#[derive(Debug, Clone, Default)]
pub struct PlaceDirectory {
    entries: Vec<(String, PlaceEntry)>,
}

impl PlaceDirectory {
    /// A directory of these places (duplicates are dropped).
    pub fn new(entries: impl IntoIterator<Item = PlaceEntry>) -> Self {
        let mut entries: Vec<(String, PlaceEntry)> =
            entries.into_iter().map(|e| (normalise_name(&e.name), e)).collect();
        entries.sort_by(|a, b| (&a.0, &a.1.postcode, &a.1.municipality).cmp(&(&b.0, &b.1.postcode, &b.1.municipality)));
        entries.dedup_by(|a, b| a.1 == b.1);
        Self { entries }
    }

    /// Every place, by name.
    pub fn entries(&self) -> impl Iterator<Item = &PlaceEntry> {
        self.entries.iter().map(|(_, e)| e)
    }

    /// Names starting with `prefix` (for suggestions while typing), at most `limit`, one per
    /// name and municipality.
    pub fn suggest(&self, prefix: &str, limit: usize) -> Vec<&PlaceEntry> {
        let p = normalise_name(prefix);
        if p.is_empty() {
            return Vec::new();
        }
        let mut out: Vec<&PlaceEntry> = Vec::new();
        for (n, e) in &self.entries {
            if n.starts_with(&p) && !out.iter().any(|o| o.name == e.name && o.municipality == e.municipality) {
                out.push(e);
                if out.len() == limit {
                    break;
                }
            }
        }
        out
    }

    /// Matches what the citizen typed.
    pub fn find(&self, input: &str) -> PlaceMatch {
        let input = input.trim();
        if input.is_empty() {
            return PlaceMatch::Empty;
        }
        // A leading postcode, then maybe a name: "04626 Schmölln", "04626", "Schmölln".
        let (code, name) = match input.split_once(char::is_whitespace) {
            Some((a, rest)) if Postcode::parse(a).is_ok() => (Postcode::parse(a).ok(), rest.trim()),
            _ if Postcode::parse(input).is_ok() => (Postcode::parse(input).ok(), ""),
            _ => (None, input),
        };
        let name_n = normalise_name(name);
        let by_code: Vec<&PlaceEntry> = match &code {
            Some(c) => self.entries().filter(|e| &e.postcode == c).collect(),
            None => self.entries().collect(),
        };
        if let Some(c) = &code
            && by_code.is_empty()
        {
            return PlaceMatch::OutsideRegion(c.clone());
        }
        let hits: Vec<&PlaceEntry> = if name_n.is_empty() {
            by_code
        } else {
            let exact: Vec<&PlaceEntry> =
                by_code.iter().copied().filter(|e| normalise_name(&e.name) == name_n).collect();
            if exact.is_empty() {
                // "Stadt Schmölln" or "Schmölln Thür." still name Schmölln.
                by_code
                    .iter()
                    .copied()
                    .filter(|e| {
                        let n = normalise_name(&e.name);
                        name_n.split(' ').any(|w| w == n) || n.split(' ').any(|w| w == name_n)
                    })
                    .collect()
            } else {
                exact
            }
        };
        if hits.is_empty() {
            return PlaceMatch::Unknown(self.closest(&name_n, code.as_ref()));
        }
        let first = hits[0];
        if hits.iter().all(|e| e.municipality == first.municipality) {
            let single_code = hits.iter().all(|e| e.postcode == first.postcode);
            let single_place = hits.iter().all(|e| e.name == first.name);
            return PlaceMatch::Found {
                municipality: first.municipality.clone(),
                postcode: code.or_else(|| single_code.then(|| first.postcode.clone())),
                place: single_place.then(|| first.name.clone()),
            };
        }
        PlaceMatch::Ambiguous(hits.into_iter().cloned().collect())
    }

    /// The names nearest to `name` (edit distance ≤ 2, or a shared prefix of 4), best first.
    fn closest(&self, name: &str, code: Option<&Postcode>) -> Vec<PlaceEntry> {
        if name.is_empty() {
            // A postcode of the region with a name that does not fit: offer the postcode's places.
            return self.entries().filter(|e| Some(&e.postcode) == code).take(8).cloned().collect();
        }
        let mut scored: Vec<(usize, &PlaceEntry)> = Vec::new();
        for (n, e) in &self.entries {
            let d = edit_distance(n, name);
            let prefix = n.chars().zip(name.chars()).take_while(|(a, b)| a == b).count();
            let score = if d <= 2 {
                d
            } else if prefix >= 4 {
                3
            } else {
                continue;
            };
            if !scored.iter().any(|(_, o)| o.name == e.name && o.municipality == e.municipality) {
                scored.push((score, e));
            }
        }
        scored.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
        scored.into_iter().take(5).map(|(_, e)| e.clone()).collect()
    }
}

/// Levenshtein distance over chars, stopping early beyond 3 (only small distances matter).
fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 3 {
        return 4;
    }
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn e(name: &str, code: &str, m: &str) -> PlaceEntry {
        PlaceEntry {
            name: name.into(),
            postcode: Postcode::parse(code).unwrap(),
            municipality: Slug::parse(m).unwrap(),
        }
    }

    fn dir() -> PlaceDirectory {
        PlaceDirectory::new([
            e("Schmölln", "04626", "schmoelln"),
            e("Burkersdorf", "04626", "schmoelln"),
            e("Burkersdorf", "04603", "nobitz"),
            e("Altenburg", "04600", "altenburg"),
            e("Ehrenberg", "04600", "altenburg"),
            e("Jena-Zentrum", "07743", "jena"),
            e("Jena-Zentrum", "07745", "jena"),
            e("Treben", "04617", "altenburger-land"),
            e("Fockendorf", "04617", "altenburger-land"),
        ])
    }

    #[test]
    fn a_postcode_of_one_municipality_is_enough() {
        assert_eq!(
            dir().find("04626"),
            PlaceMatch::Found {
                municipality: Slug::parse("schmoelln").unwrap(),
                postcode: Some(Postcode::parse("04626").unwrap()),
                place: None
            }
        );
    }

    #[test]
    fn names_are_matched_loosely_and_shared_names_are_ambiguous() {
        let PlaceMatch::Found { municipality, place, .. } = dir().find("schmoelln") else { panic!() };
        assert_eq!((municipality.as_str(), place.as_deref()), ("schmoelln", Some("Schmölln")));
        let PlaceMatch::Ambiguous(list) = dir().find("Burkersdorf") else { panic!() };
        assert_eq!(list.len(), 2);
        let PlaceMatch::Found { municipality, .. } = dir().find("04603 Burkersdorf") else { panic!() };
        assert_eq!(municipality.as_str(), "nobitz");
        let PlaceMatch::Found { municipality, .. } = dir().find("Stadt Altenburg") else { panic!() };
        assert_eq!(municipality.as_str(), "altenburg");
    }

    #[test]
    fn outside_and_unknown_places_say_so() {
        assert_eq!(dir().find("10117"), PlaceMatch::OutsideRegion(Postcode::parse("10117").unwrap()));
        let PlaceMatch::Unknown(s) = dir().find("Schmöln") else { panic!() };
        assert_eq!(s[0].name, "Schmölln");
        assert_eq!(dir().find("Hamburg"), PlaceMatch::Unknown(vec![]));
        assert_eq!(dir().find("  "), PlaceMatch::Empty);
    }

    #[test]
    fn suggestions_by_prefix() {
        let d = dir();
        let names: Vec<&str> = d.suggest("bur", 5).into_iter().map(|e| e.name.as_str()).collect();
        assert_eq!(names, ["Burkersdorf", "Burkersdorf"]);
        assert_eq!(d.suggest("jena", 5).len(), 1, "one per name and municipality");
    }
}
