//! German text analysis: the tokenizers registered with the index, and the same steps for
//! query words, synonyms and snippets, so that all of them agree on what a "word" is.
//!
//! A word is a run of alphanumeric characters ("Kfz-Zulassung" is two words). It is lowercased,
//! accents other than the German umlauts are dropped ("Café" → "cafe"), and the German Snowball
//! stemmer reduces it to its stem. The stemmer also folds the spellings a citizen may type:
//! "ß" → "ss", "ae"/"oe"/"ue" → "ä"/"ö"/"ü" (not in "qu…"), and finally "ä"/"ö"/"ü" → "a"/"o"/"u",
//! so "Führerschein", "Fuehrerschein" and "Fuhrerschein" share one stem.

use std::collections::{HashMap, HashSet};

use tantivy::tokenizer::{Language, RawTokenizer, Stemmer, TextAnalyzer, Token, TokenStream, Tokenizer};

/// Name of the analyzer of the title, keyword and body fields.
pub(crate) const GERMAN: &str = "regioportal_de";
/// Name of the analyzer of the compound-parts field.
pub(crate) const GERMAN_PARTS: &str = "regioportal_de_parts";
/// Name of the analyzer of the plain-words field.
pub(crate) const GERMAN_PLAIN: &str = "regioportal_de_plain";

/// Words longer than this (in characters) are not indexed: they are URLs, hashes or noise.
const MAX_WORD_CHARS: usize = 48;
/// The stem cache is emptied when it reaches this many words.
const MAX_CACHED_STEMS: usize = 100_000;
/// Compound parts are taken from words of at least this many characters…
const MIN_COMPOUND_CHARS: usize = 7;
/// …are at least this long…
const MIN_PART_CHARS: usize = 4;
/// …and leave at least this many characters of the word over.
const MIN_REST_CHARS: usize = 3;

/// The German analyzer: words, lowercased, accents folded, Snowball-stemmed.
pub(crate) fn german() -> TextAnalyzer {
    TextAnalyzer::from(GermanTokenizer::default())
}

/// The analyzer of the compound-parts field: for each long word, the parts of its stem and the
/// stems of its parts.
pub(crate) fn german_parts() -> TextAnalyzer {
    TextAnalyzer::from(PartsTokenizer::default())
}

/// The analyzer of the plain-words field: words folded, not stemmed.
pub(crate) fn german_plain() -> TextAnalyzer {
    TextAnalyzer::from(PlainTokenizer)
}

/// One analyzed word of a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    /// Byte offset of the word in the text.
    pub from: usize,
    /// Byte offset just past the word.
    pub to: usize,
    /// The stem, as indexed.
    pub stem: String,
    /// Lowercased and folded ("ae" → "a", "ß" → "ss", …) but not stemmed: what typo tolerance
    /// compares when stemming got in the way ("fuehrerschien" is one transposition away from
    /// the stem "fuhrerschein", its stem "fuhrerschi" is not).
    pub plain: String,
}

impl Word {
    /// Whether the word contains a digit (keys, numbers): such words only match exactly.
    pub fn has_digit(&self) -> bool {
        self.stem.bytes().any(|b| b.is_ascii_digit())
    }
}

/// Analyzes a text into its words, in order.
pub(crate) fn words(analyzer: &mut TextAnalyzer, text: &str) -> Vec<Word> {
    let mut out = Vec::new();
    let mut stream = analyzer.token_stream(text);
    while let Some(token) = stream.next() {
        let mut plain = String::with_capacity(token.offset_to - token.offset_from);
        normalize_into(&text[token.offset_from..token.offset_to], &mut plain);
        out.push(Word {
            from: token.offset_from,
            to: token.offset_to,
            stem: token.text.clone(),
            plain: fold_plain(&plain),
        });
    }
    out
}

/// Lowercases a word and drops accents, except the umlauts and "ß", which the stemmer handles.
fn normalize_into(word: &str, out: &mut String) {
    for c in word.chars() {
        // Most letters are ASCII: the table below is only for the others (a tenth of the
        // search page's CPU went through it, perf).
        if c.is_ascii() {
            out.push(c.to_ascii_lowercase());
            continue;
        }
        for c in c.to_lowercase() {
            match c {
                'à' | 'á' | 'â' | 'ã' | 'å' | 'ā' | 'ą' => out.push('a'),
                'æ' => out.push_str("ae"),
                'ç' | 'č' | 'ć' => out.push('c'),
                'ď' => out.push('d'),
                'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => out.push('e'),
                'ì' | 'í' | 'î' | 'ï' | 'ī' => out.push('i'),
                'ł' => out.push('l'),
                'ñ' | 'ń' | 'ň' => out.push('n'),
                'ò' | 'ó' | 'ô' | 'õ' | 'ø' | 'ō' => out.push('o'),
                'œ' => out.push_str("oe"),
                'ő' => out.push('ö'),
                'ř' => out.push('r'),
                'ś' | 'š' => out.push('s'),
                'ť' => out.push('t'),
                'ù' | 'ú' | 'û' | 'ū' | 'ů' => out.push('u'),
                'ű' => out.push('ü'),
                'ý' | 'ÿ' => out.push('y'),
                'ź' | 'ż' | 'ž' => out.push('z'),
                c => out.push(c),
            }
        }
    }
}

/// Folds a normalized word the way the stemmer folds it, without stemming: "ß" → "ss",
/// "ae"/"oe"/"ue" → "a"/"o"/"u" (not in "qu…" and not a "u" between vowels, as the stemmer
/// does), "ä"/"ö"/"ü" → "a"/"o"/"u".
pub(crate) fn fold_plain(word: &str) -> String {
    // Nothing to fold in most words (checked byte-wise, without collecting the characters).
    if word.is_ascii() && !word.as_bytes().windows(2).any(|p| p[1] == b'e' && matches!(p[0], b'a' | b'o' | b'u')) {
        return word.to_owned();
    }
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let prev = i.checked_sub(1).map(|p| chars[p]);
        match c {
            'ß' => out.push_str("ss"),
            'ä' => out.push('a'),
            'ö' => out.push('o'),
            'ü' => out.push('u'),
            'a' | 'o' if next == Some('e') => {
                out.push(c);
                i += 1;
            }
            'u' if next == Some('e') && !prev.is_some_and(|p| p == 'q' || is_vowel(p)) => {
                out.push('u');
                i += 1;
            }
            c => out.push(c),
        }
        i += 1;
    }
    out
}

fn is_vowel(c: char) -> bool {
    matches!(c, 'a' | 'e' | 'i' | 'o' | 'u' | 'y' | 'ä' | 'ö' | 'ü')
}

/// Common German function words. Dropped from queries (unless a query has nothing else), so
/// that "Wo kann ich meinen Ausweis verlängern" searches for "Ausweis verlängern"; they stay
/// in the index.
const STOPWORDS: &[&str] = &[
    "a", "ab", "als", "am", "an", "auch", "auf", "aus", "bei", "bin", "bis", "da", "das", "dass", "de", "dem", "den",
    "der", "des", "die", "du", "ein", "eine", "einem", "einen", "einer", "eines", "er", "es", "fuer", "für", "gibt",
    "hat", "ich", "ihr", "im", "in", "ins", "ist", "ja", "kann", "man", "mein", "meine", "meinem", "meinen", "meiner",
    "mich", "mir", "mit", "muss", "nach", "nicht", "noch", "oder", "sich", "sie", "sind", "so", "um", "und", "uns",
    "vom", "von", "vor", "was", "wer", "wie", "wir", "wo", "zu", "zum", "zur",
];

/// Whether a query word (as typed) is a stop word.
pub(crate) fn is_stopword(text: &str) -> bool {
    let lower = text.to_lowercase();
    STOPWORDS.contains(&lower.as_str())
}

/// Whether two words are at most one edit apart (insertion, deletion, substitution or the
/// transposition of two neighbours), counted in characters.
pub(crate) fn within_one_edit(a: &str, b: &str) -> bool {
    if a == b {
        return true;
    }
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let p = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    match a.len().cmp(&b.len()) {
        std::cmp::Ordering::Equal => {
            a[p + 1..] == b[p + 1..]
                || (p + 1 < a.len() && a[p] == b[p + 1] && a[p + 1] == b[p] && a[p + 2..] == b[p + 2..])
        }
        std::cmp::Ordering::Less => a[p..] == b[p + 1..],
        std::cmp::Ordering::Greater => a[p + 1..] == b[p..],
    }
}

/// The next word of `text` at or after byte `pos`: its byte range. Words longer than
/// `MAX_WORD_CHARS` are skipped.
fn next_word(text: &str, mut pos: usize) -> Option<(usize, usize)> {
    loop {
        let rest = &text[pos..];
        let start = rest.find(char::is_alphanumeric)?;
        let word = &rest[start..];
        let len = word.find(|c: char| !c.is_alphanumeric()).unwrap_or(word.len());
        let from = pos + start;
        pos = from + len;
        if word[..len].chars().nth(MAX_WORD_CHARS).is_none() {
            return Some((from, from + len));
        }
    }
}

/// Splits text into words, lowercases, folds and stems them. Stems are cached: stemming is a
/// third of the indexing time, and the words of a language repeat.
#[derive(Clone)]
struct GermanTokenizer {
    /// The stemmer, over a whole word.
    stemmer: TextAnalyzer,
    cache: HashMap<String, String>,
}

impl Default for GermanTokenizer {
    fn default() -> Self {
        Self {
            stemmer: TextAnalyzer::builder(RawTokenizer::default()).filter(Stemmer::new(Language::German)).build(),
            cache: HashMap::new(),
        }
    }
}

impl GermanTokenizer {
    /// Stems a normalized word into `out`.
    fn stem_into(&mut self, word: &str, out: &mut String) {
        out.clear();
        if let Some(stem) = self.cache.get(word) {
            out.push_str(stem);
            return;
        }
        if let Some(token) = self.stemmer.token_stream(word).next() {
            out.push_str(&token.text);
        }
        if self.cache.len() >= MAX_CACHED_STEMS {
            self.cache.clear();
        }
        self.cache.insert(word.to_owned(), out.clone());
    }
}

struct GermanStream<'a> {
    tokenizer: &'a mut GermanTokenizer,
    text: &'a str,
    word: String,
    token: Token,
}

impl Tokenizer for GermanTokenizer {
    type TokenStream<'a> = GermanStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> GermanStream<'a> {
        GermanStream { tokenizer: self, text, word: String::new(), token: Token::default() }
    }
}

impl TokenStream for GermanStream<'_> {
    fn advance(&mut self) -> bool {
        let pos = if self.token.position == usize::MAX { 0 } else { self.token.offset_to };
        let Some((from, to)) = next_word(self.text, pos) else { return false };
        self.word.clear();
        normalize_into(&self.text[from..to], &mut self.word);
        self.tokenizer.stem_into(&self.word, &mut self.token.text);
        self.token.offset_from = from;
        self.token.offset_to = to;
        self.token.position = self.token.position.wrapping_add(1);
        true
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

/// The prefixes and suffixes of a word that may be parts of a compound: of at least
/// `MIN_PART_CHARS` characters, leaving at least `MIN_REST_CHARS` over. "personalausweis"
/// yields "pers" … "personalausw" and "weis" … "onalausweis" (so "ausweis" among them).
/// Words with digits yield none.
pub(crate) fn compound_parts(word: &str, mut emit: impl FnMut(&str)) {
    if word.bytes().any(|b| b.is_ascii_digit()) {
        return;
    }
    let bounds: Vec<usize> = word.char_indices().map(|(i, _)| i).chain([word.len()]).collect();
    let n = bounds.len() - 1;
    if n < MIN_COMPOUND_CHARS {
        return;
    }
    for len in MIN_PART_CHARS..=n - MIN_REST_CHARS {
        emit(&word[..bounds[len]]);
        emit(&word[bounds[n - len]..]);
    }
}

/// Emits, for each long word, the parts of its stem and the stems of its parts (each once per
/// value): the stem of "Stadtfest" is "stadtf", its part "fest" has the stem "fest"; the stem of
/// "Zulassungsstelle" is "zulassungsstell", whose part "zulass" is the stem of "Zulassung".
#[derive(Clone, Default)]
struct PartsTokenizer {
    inner: GermanTokenizer,
}

/// A stream over tokens computed up front.
struct VecStream {
    tokens: std::vec::IntoIter<Token>,
    token: Token,
}

impl Tokenizer for PartsTokenizer {
    type TokenStream<'a> = VecStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream {
        let mut parts = HashSet::new();
        let (mut word, mut stem, mut part_stem) = (String::new(), String::new(), String::new());
        let mut pos = 0;
        let mut tokens = Vec::new();
        while let Some((from, to)) = next_word(text, pos) {
            pos = to;
            word.clear();
            normalize_into(&text[from..to], &mut word);
            self.inner.stem_into(&word, &mut stem);
            let mut found = Vec::new();
            compound_parts(&stem, |part| found.push(part.to_owned()));
            compound_parts(&word, |part| {
                self.inner.stem_into(part, &mut part_stem);
                if part_stem.chars().count() >= MIN_PART_CHARS {
                    found.push(part_stem.clone());
                }
            });
            for part in found {
                if part != stem && parts.insert(part.clone()) {
                    tokens.push(Token {
                        offset_from: from,
                        offset_to: to,
                        position: tokens.len(),
                        text: part,
                        position_length: 1,
                    });
                }
            }
        }
        VecStream { tokens: tokens.into_iter(), token: Token::default() }
    }
}

/// The words of a text lowercased and folded ([`fold_plain`]) but not stemmed: the dictionary
/// in which typos are looked up when stemming got in their way ("Smmer" has the stem "smmer",
/// two edits from "somm", the stem of "Sommer"; its plain form is one edit from "sommer").
#[derive(Clone, Default)]
struct PlainTokenizer;

impl Tokenizer for PlainTokenizer {
    type TokenStream<'a> = VecStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecStream {
        let mut seen = HashSet::new();
        let mut word = String::new();
        let mut pos = 0;
        let mut tokens = Vec::new();
        while let Some((from, to)) = next_word(text, pos) {
            pos = to;
            word.clear();
            normalize_into(&text[from..to], &mut word);
            if word.bytes().any(|b| b.is_ascii_digit()) {
                continue;
            }
            let plain = fold_plain(&word);
            if seen.insert(plain.clone()) {
                tokens.push(Token {
                    offset_from: from,
                    offset_to: to,
                    position: tokens.len(),
                    text: plain,
                    position_length: 1,
                });
            }
        }
        VecStream { tokens: tokens.into_iter(), token: Token::default() }
    }
}

impl TokenStream for VecStream {
    fn advance(&mut self) -> bool {
        match self.tokens.next() {
            Some(token) => {
                self.token = token;
                true
            }
            None => false,
        }
    }

    fn token(&self) -> &Token {
        &self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stems(text: &str) -> Vec<String> {
        words(&mut german(), text).into_iter().map(|w| w.stem).collect()
    }

    fn parts(text: &str) -> Vec<String> {
        let mut analyzer = german_parts();
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while let Some(t) = stream.next() {
            out.push(t.text.clone());
        }
        out
    }

    #[test]
    fn splits_on_non_alphanumerics_and_lowercases() {
        assert_eq!(stems("Kfz-Zulassung"), ["kfz", "zulass"]);
        assert_eq!(stems("  (Ausweis)/PASS: 99123456789012 "), ["ausweis", "pass", "99123456789012"]);
        assert_eq!(stems(""), Vec::<String>::new());
    }

    #[test]
    fn umlauts_and_sharp_s_fold_whatever_the_citizen_types() {
        let one = stems("Führerschein");
        assert_eq!(one, ["fuhrerschein"]);
        assert_eq!(stems("Fuehrerschein"), one);
        assert_eq!(stems("fuhrerschein"), one);
        assert_eq!(stems("FÜHRERSCHEIN"), one);
        assert_eq!(stems("Straße"), stems("Strasse"));
        assert_eq!(stems("Bürgeramt"), stems("Buergeramt"));
        assert_eq!(stems("Gebühren"), stems("Gebuehren"));
        assert_eq!(stems("Ärztin"), stems("Aerztin"));
        assert_eq!(stems("Öffnungszeiten"), stems("Oeffnungszeiten"));
        assert_eq!(stems("Café"), stems("cafe"));
        // "ue" stays where it is no umlaut.
        assert_eq!(stems("Quelle"), ["quell"]);
    }

    #[test]
    fn stemming_joins_inflected_forms() {
        assert_eq!(stems("Zulassung"), stems("Zulassungen"));
        assert_eq!(stems("anmelden"), stems("Anmeldung"));
        assert_eq!(stems("Steuer"), stems("Steuern"));
    }

    #[test]
    fn plain_form_folds_without_stemming() {
        let w = &words(&mut german(), "Fuehrerschien Straße Quelle Steuer")[..];
        let plain: Vec<&str> = w.iter().map(|w| w.plain.as_str()).collect();
        assert_eq!(plain, ["fuhrerschien", "strasse", "quelle", "steuer"]);
    }

    #[test]
    fn one_edit() {
        assert!(within_one_edit("anmelden", "anmelen"));
        assert!(within_one_edit("fuhrerschein", "fuhrerschien"));
        assert!(within_one_edit("personalausweis", "persnalausweis"));
        assert!(within_one_edit("auto", "auto"));
        assert!(within_one_edit("abc", "abd"));
        assert!(within_one_edit("ab", "ba"));
        assert!(!within_one_edit("abc", "cab"));
        assert!(!within_one_edit("anmelden", "anmeln"));
        assert!(!within_one_edit("a", "abc"));
    }

    #[test]
    fn compound_parts_are_prefixes_and_suffixes_of_long_stems() {
        let p = parts("Personalausweis");
        assert!(p.contains(&"ausweis".to_owned()), "{p:?}");
        assert!(p.contains(&"personal".to_owned()), "{p:?}");
        assert!(!p.contains(&"personalausweis".to_owned()));
        assert!(!p.contains(&"eis".to_owned()));
        let zulassung = stems("Zulassung").remove(0);
        assert!(parts("Kfz-Zulassungsstelle").contains(&zulassung));
        assert!(parts("Fahrzeugzulassung").contains(&zulassung));
        assert!(parts("Hundesteuer").contains(&stems("Steuer").remove(0)));
        // Short words and numbers have no parts.
        assert!(parts("Kfz Amt 99123456789012").is_empty());
    }

    #[test]
    fn stopwords() {
        assert!(is_stopword("Der"));
        assert!(is_stopword("für"));
        assert!(!is_stopword("Ausweis"));
    }
}
