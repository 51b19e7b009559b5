//! Snippets: the passage of a body that best covers the query, with the matched words marked.
//!
//! tantivy's `SnippetGenerator` only knows the terms a query names; ours also marks typo
//! expansions, synonyms and compounds, because it asks the [`Plan`] that made the query.

use tantivy::tokenizer::TextAnalyzer;

use crate::Snippet;
use crate::analysis;
use crate::query::Plan;

/// Length of a snippet, in characters (about).
const SNIPPET_CHARS: usize = 160;
/// How much text before the first match a snippet shows, in characters (at most).
const LEAD_CHARS: usize = 40;
/// Only the start of a long body is searched for the passage.
const MAX_SCANNED_BYTES: usize = 20_000;
const ELLIPSIS: &str = "…";

/// The snippet of `body` for the query `plan`.
pub(crate) fn make(analyzer: &mut TextAnalyzer, body: &str, plan: &Plan) -> Snippet {
    let scanned = &body[..floor_char_boundary(body, MAX_SCANNED_BYTES)];
    let words = analysis::words(analyzer, scanned);
    let matched: Vec<Option<usize>> = words.iter().map(|w| plan.matches(w)).collect();
    // Character offsets of the words, for measuring lengths.
    let mut chars_from = Vec::with_capacity(words.len());
    let mut chars_to = Vec::with_capacity(words.len());
    let (mut byte, mut chars) = (0, 0);
    for w in &words {
        chars += scanned[byte..w.from].chars().count();
        chars_from.push(chars);
        chars += scanned[w.from..w.to].chars().count();
        chars_to.push(chars);
        byte = w.to;
    }

    // The best window: starting at a match, the most distinct query words, then the most
    // matches, then the earliest.
    let fits = |start: usize, end: usize| chars_to[end] - chars_from[start] <= SNIPPET_CHARS;
    let mut best: Option<(usize, usize, (usize, usize))> = None;
    for anchor in (0..words.len()).filter(|&i| matched[i].is_some()).take(64) {
        let mut last = anchor;
        let mut distinct: Vec<usize> = Vec::new();
        let mut count = 0;
        for (i, m) in matched.iter().enumerate().skip(anchor) {
            if !fits(anchor, i) {
                break;
            }
            if let Some(m) = m {
                last = i;
                count += 1;
                if !distinct.contains(m) {
                    distinct.push(*m);
                }
            }
        }
        let rank = (distinct.len(), count);
        if best.is_none_or(|(_, _, r)| rank > r) {
            best = Some((anchor, last, rank));
        }
    }
    let Some((mut start, mut end, _)) = best else { return lead(body) };
    // Context around the matches: some before (up to LEAD_CHARS), the rest after, and before
    // again if the text ends first.
    let room = SNIPPET_CHARS - (chars_to[end] - chars_from[start]);
    let first = start;
    while start > 0 && chars_from[first] - chars_from[start - 1] <= LEAD_CHARS.min(room / 2) {
        start -= 1;
    }
    while end + 1 < words.len() && fits(start, end + 1) {
        end += 1;
    }
    while start > 0 && fits(start - 1, end) {
        start -= 1;
    }

    let (from, cut_before) =
        if start == 0 { (body.len() - body.trim_start().len(), false) } else { (words[start].from, true) };
    let mut to = words[end].to;
    // Take closing punctuation along ("…Zulassung.").
    to += body[to..]
        .chars()
        .take_while(|c| !c.is_whitespace() && !c.is_alphanumeric())
        .map(char::len_utf8)
        .sum::<usize>();
    let mut fragments = Vec::new();
    let mut pending = String::new();
    if cut_before {
        pending.push_str(ELLIPSIS);
    }
    let mut at = from;
    for i in start..=end {
        if matched[i].is_some() {
            push_plain(&mut pending, &body[at..words[i].from]);
            if !pending.is_empty() {
                fragments.push((std::mem::take(&mut pending), false));
            }
            fragments.push((body[words[i].from..words[i].to].to_owned(), true));
            at = words[i].to;
        }
    }
    push_plain(&mut pending, &body[at..to]);
    if !body[to..].trim().is_empty() {
        pending.push_str(ELLIPSIS);
    }
    if !pending.is_empty() {
        fragments.push((pending, false));
    }
    Snippet { fragments }
}

/// The start of the body, unmarked, cut at a word boundary.
fn lead(body: &str) -> Snippet {
    let body = body.trim_start();
    if body.is_empty() {
        return Snippet::default();
    }
    let mut text = String::new();
    match body.char_indices().nth(SNIPPET_CHARS) {
        None => push_plain(&mut text, body),
        Some((cut, _)) => {
            let cut = body[..cut].rfind(char::is_whitespace).filter(|&i| i > 0).unwrap_or(cut);
            push_plain(&mut text, body[..cut].trim_end());
            text.push_str(ELLIPSIS);
        }
    }
    Snippet { fragments: vec![(text.trim_end().to_owned(), false)] }
}

/// Appends text with runs of whitespace (line breaks too) collapsed to one space.
fn push_plain(out: &mut String, text: &str) {
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = true;
        } else {
            if space {
                out.push(' ');
            }
            space = false;
            out.push(c);
        }
    }
    if space {
        out.push(' ');
    }
}

fn floor_char_boundary(s: &str, mut i: usize) -> usize {
    if i >= s.len() {
        return s.len();
    }
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lead_is_cut_at_a_word() {
        let body = "Wort ".repeat(100);
        let s = lead(&body);
        assert_eq!(s.fragments.len(), 1);
        let text = &s.fragments[0].0;
        assert!(text.ends_with("Wort…"), "{text}");
        assert!(text.chars().count() <= SNIPPET_CHARS + 1);
        assert_eq!(lead("  kurz\n und  gut ").fragments, [("kurz und gut".to_owned(), false)]);
        assert!(lead("").fragments.is_empty());
    }

    #[test]
    fn boundaries() {
        assert_eq!(floor_char_boundary("äb", 1), 0);
        assert_eq!(floor_char_boundary("äb", 9), 3);
    }
}
