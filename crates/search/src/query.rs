//! From the citizen's text to a tantivy query: words, their synonyms, typo expansions and
//! compound parts, and the scoring that weighs them.

use std::collections::HashMap;
use std::fmt;

use tantivy::query::{
    BooleanQuery, ConstScoreQuery, DisjunctionMaxQuery, EnableScoring, Explanation, FuzzyTermQuery, Occur, Query,
    Scorer, TermQuery, Weight,
};
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocId, DocSet, Score, SeekDangerResult, SegmentReader, Term};

use crate::DocKind;
use crate::analysis::{self, Word, within_one_edit};
use crate::index::Fields;

/// At most this many words of a query are searched for (the first ones).
const MAX_WORDS: usize = 8;
/// Typo tolerance applies to words of at least this many characters.
const MIN_TYPO_CHARS: usize = 5;
/// A word found in at least this many documents is taken as spelled as meant: it is not
/// expanded to its neighbours one edit away (which would only rank below it, and cost).
const TYPOS_UNLESS_IN_DOCS: u64 = 10;
/// A typo expands to at most this many indexed words (the most frequent ones).
const MAX_TYPO_TERMS: usize = 8;

// Field weights: title above keywords above body; a compound part of a title or keyword
// between the keyword and the body weights.
const TITLE: Score = 4.0;
const KEYWORDS: Score = 3.0;
const PARTS: Score = 2.2;
const BODY: Score = 2.0;
// Match qualities, multiplied with the field weight.
const EXACT: Score = 1.0;
const SYNONYM: Score = 0.85;
const TYPO: Score = 0.5;
/// BM25 scores are squashed to `1 + s / (s + SATURATION)`, in [1, 2): it orders matches of one
/// kind, but cannot lift a body match above a title match.
const SATURATION: Score = 4.0;
/// Added for every query word a document matches: covering more of the query beats matching
/// one word well.
const MATCHED_WORD: Score = 3.0;
/// A query word scores its best match plus this share of its other matches.
const TIE_BREAKER: Score = 0.1;

/// The synonym groups, analyzed.
#[derive(Debug, Default)]
pub(crate) struct Synonyms {
    /// For each stem, the other stems of its groups.
    mates: HashMap<String, Vec<String>>,
    /// Every word of every group: (plain form, stem), for typos of them.
    entries: Vec<(String, String)>,
}

impl Synonyms {
    pub fn build(analyzer: &mut TextAnalyzer, groups: &[Vec<String>]) -> Self {
        let mut synonyms = Self::default();
        for group in groups {
            let words: Vec<Word> = group.iter().flat_map(|w| analysis::words(analyzer, w)).collect();
            for word in &words {
                let mates = synonyms.mates.entry(word.stem.clone()).or_default();
                for other in &words {
                    if other.stem != word.stem && !mates.contains(&other.stem) {
                        mates.push(other.stem.clone());
                    }
                }
                let entry = (word.plain.clone(), word.stem.clone());
                if !synonyms.entries.contains(&entry) {
                    synonyms.entries.push(entry);
                }
            }
        }
        synonyms
    }

    fn mates(&self, stem: &str) -> &[String] {
        self.mates.get(stem).map_or(&[], Vec::as_slice)
    }
}

/// What one query word matches: indexed stems with the quality of the match.
#[derive(Debug)]
struct WordPlan {
    /// (stem, quality, whether compound parts count)
    terms: Vec<(String, Score, bool)>,
}

impl WordPlan {
    fn add(&mut self, stem: &str, quality: Score, parts: bool) {
        match self.terms.iter_mut().find(|(t, ..)| t == stem) {
            Some((_, q, p)) => {
                *q = q.max(quality);
                *p |= parts;
            }
            None => self.terms.push((stem.to_owned(), quality, parts)),
        }
    }
}

/// A query, analyzed and expanded against the index it runs on.
#[derive(Debug)]
pub(crate) struct Plan {
    words: Vec<WordPlan>,
    /// For highlighting: each stem the query matches, with its word's index.
    stems: HashMap<String, usize>,
    /// For highlighting: each stem of which compounds count, with its word's index.
    parts: Vec<(String, usize)>,
}

impl Plan {
    /// Plans a query; `None` if the text has no words.
    pub fn new(
        analyzer: &mut TextAnalyzer,
        synonyms: &Synonyms,
        searcher: &tantivy::Searcher,
        fields: &Fields,
        text: &str,
    ) -> tantivy::Result<Option<Self>> {
        let all = analysis::words(analyzer, text);
        let content: Vec<&Word> = all.iter().filter(|w| !analysis::is_stopword(&text[w.from..w.to])).collect();
        let chosen = if content.is_empty() { all.iter().collect() } else { content };
        let mut unique: Vec<&Word> = Vec::new();
        for word in chosen {
            if !unique.iter().any(|u| u.stem == word.stem) && unique.len() < MAX_WORDS {
                unique.push(word);
            }
        }
        if unique.is_empty() {
            return Ok(None);
        }
        let mut words = Vec::with_capacity(unique.len());
        for word in unique {
            let mut plan = WordPlan { terms: Vec::new() };
            plan.add(&word.stem, EXACT, true);
            for mate in synonyms.mates(&word.stem) {
                plan.add(mate, SYNONYM, true);
            }
            let typo_prone = text[word.from..word.to].chars().count() >= MIN_TYPO_CHARS && !word.has_digit();
            if typo_prone && doc_freq(searcher, fields, &word.stem)? < TYPOS_UNLESS_IN_DOCS {
                for (plain, stem) in &synonyms.entries {
                    if *stem != word.stem && (within_one_edit(&word.plain, plain) || within_one_edit(&word.stem, stem))
                    {
                        plan.add(stem, TYPO, false);
                        for mate in synonyms.mates(stem) {
                            plan.add(mate, TYPO * SYNONYM, false);
                        }
                    }
                }
                for stem in typo_terms(analyzer, searcher, fields, word, &plan)? {
                    plan.add(&stem, TYPO, false);
                    for mate in synonyms.mates(&stem) {
                        plan.add(mate, TYPO * SYNONYM, false);
                    }
                }
            }
            words.push(plan);
        }
        let mut stems = HashMap::new();
        let mut parts = Vec::new();
        for (i, word) in words.iter().enumerate() {
            for (stem, _, compounds) in &word.terms {
                stems.entry(stem.clone()).or_insert(i);
                if *compounds && stem.len() >= 4 {
                    parts.push((stem.clone(), i));
                }
            }
        }
        Ok(Some(Self { words, stems, parts }))
    }

    /// The tantivy query: for each word the best of its matches, summed over the words.
    pub fn query(&self, fields: &Fields, kinds: &[DocKind]) -> Box<dyn Query> {
        let words = self
            .words
            .iter()
            .map(|word| {
                let mut alternatives: Vec<Box<dyn Query>> = Vec::new();
                for (stem, quality, parts) in &word.terms {
                    for (field, weight) in [(fields.title, TITLE), (fields.keywords, KEYWORDS), (fields.body, BODY)] {
                        alternatives.push(Box::new(Shaped::saturated(term(field, stem), weight * quality)));
                    }
                    if *parts && stem.chars().count() >= 4 {
                        alternatives.push(Box::new(Shaped::saturated(term(fields.parts, stem), PARTS * quality)));
                    }
                }
                let best = DisjunctionMaxQuery::with_tie_breaker(alternatives, TIE_BREAKER);
                (Occur::Should, Box::new(Shaped::plus(Box::new(best), MATCHED_WORD)) as Box<dyn Query>)
            })
            .collect();
        let text = Box::new(BooleanQuery::new(words));
        if kinds.is_empty() {
            return text;
        }
        let kinds = kinds
            .iter()
            .map(|k| {
                let t = Term::from_field_text(fields.kind, k.as_str());
                (Occur::Should, Box::new(TermQuery::new(t, IndexRecordOption::Basic)) as Box<dyn Query>)
            })
            .collect();
        let filter = Box::new(ConstScoreQuery::new(Box::new(BooleanQuery::new(kinds)), 0.0));
        Box::new(BooleanQuery::new(vec![(Occur::Must, text), (Occur::Must, filter)]))
    }

    /// Which query word (by index) a word of a text matches, for highlighting: its stems,
    /// synonyms and typo expansions, and compound words containing them.
    pub fn matches(&self, word: &Word) -> Option<usize> {
        if let Some(&i) = self.stems.get(&word.stem) {
            return Some(i);
        }
        let contains = |whole: &str, part: &str| {
            whole.len() >= part.len() + 3 && (whole.starts_with(part) || whole.ends_with(part))
        };
        self.parts.iter().find(|(part, _)| contains(&word.stem, part) || contains(&word.plain, part)).map(|(_, i)| *i)
    }
}

/// In how many documents a stem occurs (in the title, keywords or body; the most of the three).
fn doc_freq(searcher: &tantivy::Searcher, fields: &Fields, stem: &str) -> tantivy::Result<u64> {
    let mut most = 0;
    for field in [fields.title, fields.keywords, fields.body] {
        most = most.max(searcher.doc_freq(&Term::from_field_text(field, stem))?);
    }
    Ok(most)
}

fn term(field: tantivy::schema::Field, text: &str) -> Box<dyn Query> {
    Box::new(TermQuery::new(Term::from_field_text(field, text), IndexRecordOption::WithFreqs))
}

/// The indexed stems one edit away from a word, the most frequent first, without the ones the
/// word already matches: its stem and plain form looked up in the title, keyword and body
/// dictionaries, and its plain form in the dictionary of plain title and keyword words (whose
/// stems are then taken).
fn typo_terms(
    analyzer: &mut TextAnalyzer,
    searcher: &tantivy::Searcher,
    fields: &Fields,
    word: &Word,
    plan: &WordPlan,
) -> tantivy::Result<Vec<String>> {
    let dfa = |text: &str| FuzzyTermQuery::new(Term::from_field_text(fields.body, text), 1, true).automaton();
    let stem_dfa = dfa(&word.stem)?;
    let plain_dfa = dfa(&word.plain)?;
    let stemmed_dfas = if word.plain == word.stem { vec![&stem_dfa] } else { vec![&stem_dfa, &plain_dfa] };
    let mut found: HashMap<String, u64> = HashMap::new();
    let mut plain_found: HashMap<String, u64> = HashMap::new();
    for segment in searcher.segment_readers() {
        for field in [fields.title, fields.keywords, fields.body, fields.plain] {
            let (dfas, into) = if field == fields.plain {
                (&[&plain_dfa][..], &mut plain_found)
            } else {
                (&stemmed_dfas[..], &mut found)
            };
            let inverted = segment.inverted_index(field)?;
            for dfa in dfas {
                let mut stream = inverted.terms().search(*dfa).into_stream()?;
                while stream.advance() {
                    if let Ok(key) = std::str::from_utf8(stream.key()) {
                        *into.entry(key.to_owned()).or_default() += u64::from(stream.value().doc_freq);
                    }
                }
            }
        }
    }
    for (plain, df) in plain_found {
        for stem in analysis::words(analyzer, &plain) {
            *found.entry(stem.stem).or_default() += df;
        }
    }
    let mut found: Vec<(String, u64)> =
        found.into_iter().filter(|(t, _)| !plan.terms.iter().any(|(known, ..)| known == t)).collect();
    found.sort_by(|(a, x), (b, y)| y.cmp(x).then_with(|| a.cmp(b)));
    found.truncate(MAX_TYPO_TERMS);
    Ok(found.into_iter().map(|(t, _)| t).collect())
}

/// How a [`Shaped`] query turns its inner score `s` into its own.
#[derive(Debug, Clone, Copy)]
enum Curve {
    /// `boost × (1 + s / (s + SATURATION))`
    Saturated { boost: Score },
    /// `offset + s`
    Plus { offset: Score },
}

impl Curve {
    fn apply(self, s: Score) -> Score {
        match self {
            Self::Saturated { boost } => boost * (1.0 + s / (s + SATURATION)),
            Self::Plus { offset } => offset + s,
        }
    }
}

/// A query matching what its inner query matches, with the score reshaped by a [`Curve`]
/// (tantivy has boosts, but neither saturation nor offsets).
struct Shaped {
    inner: Box<dyn Query>,
    curve: Curve,
}

impl Shaped {
    fn saturated(inner: Box<dyn Query>, boost: Score) -> Self {
        Self { inner, curve: Curve::Saturated { boost } }
    }

    fn plus(inner: Box<dyn Query>, offset: Score) -> Self {
        Self { inner, curve: Curve::Plus { offset } }
    }
}

impl Clone for Shaped {
    fn clone(&self) -> Self {
        Self { inner: self.inner.box_clone(), curve: self.curve }
    }
}

impl fmt::Debug for Shaped {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Shaped({:?}, {:?})", self.curve, self.inner)
    }
}

impl Query for Shaped {
    fn weight(&self, enable_scoring: EnableScoring<'_>) -> tantivy::Result<Box<dyn Weight>> {
        let inner = self.inner.weight(enable_scoring)?;
        if !enable_scoring.is_scoring_enabled() {
            return Ok(inner);
        }
        Ok(Box::new(ShapedWeight { inner, curve: self.curve }))
    }

    fn query_terms<'a>(&'a self, visitor: &mut dyn FnMut(&'a Term, bool)) {
        self.inner.query_terms(visitor);
    }
}

struct ShapedWeight {
    inner: Box<dyn Weight>,
    curve: Curve,
}

impl Weight for ShapedWeight {
    fn scorer(&self, reader: &SegmentReader, boost: Score) -> tantivy::Result<Box<dyn Scorer>> {
        let inner = self.inner.scorer(reader, 1.0)?;
        Ok(Box::new(ShapedScorer { inner, curve: self.curve, boost }))
    }

    fn explain(&self, reader: &SegmentReader, doc: DocId) -> tantivy::Result<Explanation> {
        let inner = self.inner.explain(reader, doc)?;
        let mut explanation =
            Explanation::new_with_string(format!("{:?}", self.curve), self.curve.apply(inner.value()));
        explanation.add_detail(inner);
        Ok(explanation)
    }

    fn count(&self, reader: &SegmentReader) -> tantivy::Result<u32> {
        self.inner.count(reader)
    }
}

struct ShapedScorer {
    inner: Box<dyn Scorer>,
    curve: Curve,
    boost: Score,
}

impl DocSet for ShapedScorer {
    fn advance(&mut self) -> DocId {
        self.inner.advance()
    }

    fn seek(&mut self, target: DocId) -> DocId {
        self.inner.seek(target)
    }

    fn seek_danger(&mut self, target: DocId) -> SeekDangerResult {
        self.inner.seek_danger(target)
    }

    fn doc(&self) -> DocId {
        self.inner.doc()
    }

    fn size_hint(&self) -> u32 {
        self.inner.size_hint()
    }

    fn cost(&self) -> u64 {
        self.inner.cost()
    }
}

impl Scorer for ShapedScorer {
    fn score(&mut self) -> Score {
        self.boost * self.curve.apply(self.inner.score())
    }
}
