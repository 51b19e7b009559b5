//! Regioportal's site search: one full-text index over the citizen-service directory
//! (services, life situations, offices, forms) and the events, in German, held in RAM.
//!
//! # What it indexes
//!
//! [`SearchDoc`]s, each with a [`DocKind`], a key unique across the index (`"service:12"`), the
//! owning municipality (or none: regional, applies everywhere), a title, keywords (synonyms,
//! the 14-digit LeiKa key, category names) and a plain-text body; subtitle and URL are only
//! stored, for display. The caller (the web layer) feeds documents in with
//! [`SearchIndex::replace_kind`] at start-up and [`SearchIndex::upsert`] /
//! [`SearchIndex::remove`] on changes, and asks [`SearchIndex::search`].
//!
//! # German analysis
//!
//! - A word is a run of letters and digits ("Kfz-Zulassung" → "kfz", "zulassung"), lowercased,
//!   accents other than umlauts dropped ("Café" → "cafe"). The German Snowball stemmer (frostem,
//!   through tantivy's `stemmer` feature; tantivy 0.27 replaced rust-stemmers with it) reduces it
//!   to a stem and folds the spellings a citizen may type: "ä"/"ae"/"a", "ö"/"oe"/"o", "ü"/"ue"/"u"
//!   and "ß"/"ss" meet, so "Fuehrerschein" and "Fuhrerschein" find "Führerschein".
//! - **Compounds**: a second field holds the parts of each long word (≥ 7 letters) of titles and
//!   keywords, and of bodies except for events (they are the bulk of the index, and the service
//!   texts are where compounds matter): its prefixes and suffixes of ≥ 4 letters that leave ≥ 3,
//!   both of its stem and stemmed on their own. So "Ausweis" finds "Personalausweis", "Steuer"
//!   finds "Hundesteuer", "Zulassung" finds "Kfz-Zulassungsstelle" and "Fahrzeugzulassung", "Fest"
//!   finds "Stadtfest" (whose stem is "stadtf"), below whole-word matches.
//! - **Typos**: a query word of ≥ 5 letters (as typed; without digits) that fewer than 10
//!   documents contain also matches the indexed words one edit away (Damerau–Levenshtein:
//!   insertion, deletion, substitution, transposition), at half the weight: its stem is looked up
//!   in the title, keyword and body dictionaries, and its unstemmed form in a dictionary of the
//!   unstemmed title and keyword words (a typo can change how a word stems: "Smmer" keeps its
//!   "-er"). The expansion is capped at the 8 most frequent words. A word that many documents
//!   contain is taken as spelled as meant: its neighbours would only rank below it, and cost.
//! - **Synonyms** ([`SearchIndex::set_synonyms`]): a query word also matches the other words of
//!   its groups, a little below itself; a typo of a group's word ("anmelen") reaches the group
//!   too.
//! - Common function words ("wo", "ich", "der") are dropped from queries (not from the index),
//!   unless a query has nothing else; at most 8 words of a query count.
//!
//! # Ranking
//!
//! Each query word scores the best of its matches: title above keywords above body, exact above
//! synonym above compound part above typo; BM25, saturated so that it orders matches of one kind
//! without lifting a body match above a title match, orders within. Every query word a document
//! matches adds a fixed amount, so a document matching all concepts of "Auto anmelen" beats one
//! matching a single word well. With a municipality, documents of that municipality, of the
//! `related` ones and regional ones come first ([`SearchQuery::municipality`]).
//!
//! Queries are built from the analyzed words, never through tantivy's query parser, so no input
//! is a syntax error. Snippets mark what matched (stems, synonyms, typo expansions, compounds) and
//! are plain text: escaping is the template's job.
//!
//! # Why RAM
//!
//! The index is derived data: the database is the source, and rebuilding the whole index from it
//! is quick (100,000 events in about 10–15 s on two cores, see `examples/search_bench.rs`).
//! Keeping it in RAM means no files to manage, lock or migrate, no mmap, the same behaviour in
//! tests and production, and every node builds its own; the price is memory (about 80 MB of index
//! and 160–180 MB of resident memory for 100,000 events) and a rebuild at start-up.

mod analysis;
mod index;
mod query;
mod snippet;

pub use index::{Rebuild, SearchIndex};

use std::fmt;

/// The kinds of documents in the index.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DocKind {
    /// A citizen service (Leistung), e.g. "Personalausweis beantragen".
    Service,
    /// A life situation (Lebenslage), e.g. "Umzug".
    LifeSituation,
    /// An office (Dienststelle), e.g. "Bürgeramt Gera".
    Office,
    /// A form (Formular).
    Form,
    /// An event.
    Event,
}

impl DocKind {
    /// All kinds.
    pub const ALL: [DocKind; 5] = [Self::Service, Self::LifeSituation, Self::Office, Self::Form, Self::Event];

    /// The kind's name: `"service"`, `"life_situation"`, `"office"`, `"form"` or `"event"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Service => "service",
            Self::LifeSituation => "life_situation",
            Self::Office => "office",
            Self::Form => "form",
            Self::Event => "event",
        }
    }

    /// The kind of a name given by [`DocKind::as_str`].
    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for DocKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A document to index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchDoc {
    /// The document's kind.
    pub kind: DocKind,
    /// Unique across the index, e.g. `"service:12"` or `"event:345"` (prefixed with the kind);
    /// [`SearchIndex::upsert`] replaces by it.
    pub key: String,
    /// Slug of the owning municipality; `None`: regional, applies everywhere.
    pub municipality: Option<String>,
    /// The title; weighs most.
    pub title: String,
    /// Synonyms, the LeiKa key (14 digits), category names; weigh less than the title.
    pub keywords: Vec<String>,
    /// Plain text (no HTML), possibly long; weighs least, and the snippet comes from it.
    pub body: String,
    /// Stored only, for display (e.g. "Sa., 12. Dez., Theater Gera").
    pub subtitle: String,
    /// Stored only: where the hit links to.
    pub url: String,
}

/// A search request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SearchQuery<'a> {
    /// What the citizen typed. Empty or only punctuation: no results.
    pub text: &'a str,
    /// The citizen's municipality (slug). When given, hits of this municipality, of `related`
    /// ones and regional hits rank before hits of other municipalities.
    pub municipality: Option<&'a str>,
    /// Municipalities ranked with the citizen's own, e.g. the county of a town.
    pub related: &'a [&'a str],
    /// Only these kinds; empty: all kinds.
    pub kinds: &'a [DocKind],
    /// At most this many hits.
    pub limit: usize,
    /// Skip this many hits (for paging).
    pub offset: usize,
}

impl<'a> SearchQuery<'a> {
    /// A query for `text` over all kinds and municipalities, the first 10 hits.
    pub fn new(text: &'a str) -> Self {
        Self { text, municipality: None, related: &[], kinds: &[], limit: 10, offset: 0 }
    }
}

/// The result of a search.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct SearchResults {
    /// The hits of the requested page, best first.
    pub hits: Vec<Hit>,
    /// How many documents matched in all (every tier, every page).
    pub total: usize,
}

/// One matching document.
#[derive(Debug, Clone, PartialEq)]
pub struct Hit {
    /// The document's kind.
    pub kind: DocKind,
    /// The document's key.
    pub key: String,
    /// The document's title.
    pub title: String,
    /// The document's subtitle.
    pub subtitle: String,
    /// The document's URL.
    pub url: String,
    /// The owning municipality's slug; `None`: regional.
    pub municipality: Option<String>,
    /// Relevance (higher is better); comparable only within one search.
    pub score: f32,
    /// A passage of the body with the matched words marked.
    pub snippet: Snippet,
}

/// A passage of about 160 characters, as pieces of text.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snippet {
    /// The pieces in order; `true` marks a matched word. Plain text: the template escapes it.
    pub fragments: Vec<(String, bool)>,
}

impl Snippet {
    /// The passage as plain text, without marks.
    pub fn text(&self) -> String {
        self.fragments.iter().map(|(s, _)| s.as_str()).collect()
    }

    /// The marked pieces.
    pub fn highlighted(&self) -> impl Iterator<Item = &str> {
        self.fragments.iter().filter(|(_, h)| *h).map(|(s, _)| s.as_str())
    }
}

/// A failure of the search index (never of a query's text).
#[derive(Debug, thiserror::Error)]
#[error("search index failed")]
pub struct SearchError(#[source] tantivy::TantivyError);

impl From<tantivy::TantivyError> for SearchError {
    fn from(e: tantivy::TantivyError) -> Self {
        Self(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for kind in DocKind::ALL {
            assert_eq!(DocKind::parse(kind.as_str()), Some(kind));
            assert_eq!(kind.to_string(), kind.as_str());
        }
        assert_eq!(DocKind::parse("life_situation"), Some(DocKind::LifeSituation));
        assert_eq!(DocKind::parse("Service"), None);
    }

    #[test]
    fn index_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<SearchIndex>();
        check::<SearchError>();
    }
}
