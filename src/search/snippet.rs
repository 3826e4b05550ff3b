//! Best section and snippet of a hit, from the bigram part of the analysis only, so that the
//! server and the browser (`markText`, `bestSection`, `makeSnippet` in `search-core.js`) pick the
//! same heading and the same words.
//!
//! A text is normalised with a map back to its original characters and cut into bigram tokens.
//! A token *matches* when it is a query term. Matches are grouped into chains of adjacent tokens of
//! one run; a chain is kept when it holds two or more tokens or is a whole query run by itself
//! (暗号, sla) — so a stray bigram such as 体の from 記録媒体の廃棄 is not highlighted. A lone kanji
//! in the query (a unigram term) matches wherever the character occurs.

use super::bigram::{self, Script, Token, script};
use super::normalize::normalize_chars;
use super::query::{ParsedQuery, lone_kanji};
use super::synonyms::Synonyms;
use std::collections::{BTreeSet, HashSet};

/// Characters of section text shown around the best match.
pub const SNIPPET_CHARS: usize = 120;
/// Characters kept before the first match in the window.
pub const CONTEXT_BEFORE: usize = 16;
/// A heading match counts this many times a text match when choosing the best section.
pub const HEADING_WEIGHT: usize = 3;

/// What to look for in a text.
#[derive(Debug, Clone, Default)]
pub struct HighlightTerms {
    terms: HashSet<String>,
    whole: HashSet<String>,
    unigrams: HashSet<char>,
}

impl HighlightTerms {
    /// From the query's tokens, plus the tokens of synonyms of anything the query mentions (a page
    /// found through サービスレベル合意 shows SLA highlighted).
    pub fn new(query: &ParsedQuery, synonyms: &Synonyms) -> HighlightTerms {
        let mut h = HighlightTerms::default();
        for tokens in &query.highlight_tokens {
            h.add_run_tokens(tokens);
        }
        let mut mentioned = query.text.clone();
        for phrase in &query.quoted {
            mentioned.push('\n');
            mentioned.push_str(phrase);
        }
        for extra in synonyms.expansions(&mentioned) {
            h.add_run_tokens(&bigram::tokenize_str(extra));
        }
        h
    }

    fn add_run_tokens(&mut self, tokens: &[Token]) {
        let mut first = 0;
        while first < tokens.len() {
            let mut last = first;
            while last + 1 < tokens.len() && tokens[last + 1].run == tokens[first].run {
                last += 1;
            }
            self.add_run(&tokens[first..=last]);
            first = last + 1;
        }
    }

    /// One run of query tokens. A token is *whole* when it is the entire run (暗号, sla) or a
    /// kanji or katakana stretch of exactly two characters between other scripts (廃棄 in
    /// 記録媒体の廃棄): such a match is highlighted alone.
    fn add_run(&mut self, run: &[Token]) {
        if let Some(c) = lone_kanji(&run[0].text) {
            self.unigrams.insert(c);
            return;
        }
        let run_chars: Vec<char> = run[0].text.chars().chain(run[1..].iter().filter_map(|t| t.text.chars().last())).collect();
        for (i, token) in run.iter().enumerate() {
            self.terms.insert(token.text.clone());
            if run.len() == 1 || is_two_char_stretch(&run_chars, i) {
                self.whole.insert(token.text.clone());
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.terms.is_empty() && self.unigrams.is_empty()
    }
}

/// Characters `i` and `i + 1` of a run are kanji (or katakana) and their neighbours are not.
fn is_two_char_stretch(chars: &[char], i: usize) -> bool {
    let s = script(chars[i]);
    matches!(s, Some(Script::Kanji | Script::Katakana))
        && chars.get(i + 1).copied().and_then(script) == s
        && (i == 0 || script(chars[i - 1]) != s)
        && chars.get(i + 2).is_none_or(|&c| script(c) != s)
}

/// Kept matches of one text: spans in original characters, each with the terms it holds.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Marks {
    pub spans: Vec<(usize, usize, BTreeSet<String>)>,
}

impl Marks {
    pub fn distinct_terms(&self) -> usize {
        self.spans.iter().flat_map(|(_, _, t)| t.iter()).collect::<HashSet<_>>().len()
    }
}

pub fn mark(text: &str, q: &HighlightTerms) -> Marks {
    let (chars, origin) = normalize_chars(text);
    let spans_of = bigram::spans(&chars);
    let mut buf = String::new();
    let mut is_term = |span: bigram::Span| {
        bigram::span_text_into(&chars, span, &mut buf);
        q.terms.contains(buf.as_str())
    };
    let text_of = |span: bigram::Span| chars[span.start..span.end].iter().take(bigram::MAX_WORD_CHARS).collect::<String>();
    let mut spans = Vec::new();
    let mut i = 0;
    while i < spans_of.len() {
        if !is_term(spans_of[i]) {
            i += 1;
            continue;
        }
        let first = i;
        while i + 1 < spans_of.len() && spans_of[i + 1].run == spans_of[first].run && is_term(spans_of[i + 1]) {
            i += 1;
        }
        let chain = &spans_of[first..=i];
        if chain.len() >= 2 || q.whole.contains(&text_of(chain[0])) {
            let terms = chain.iter().map(|&t| text_of(t)).collect();
            spans.push((origin[chain[0].start].0, origin[chain[chain.len() - 1].end - 1].1, terms));
        }
        i += 1;
    }
    if !q.unigrams.is_empty() {
        for (index, c) in chars.iter().enumerate() {
            if q.unigrams.contains(c) {
                spans.push((origin[index].0, origin[index].1, BTreeSet::from([format!("u:{c}")])));
            }
        }
        spans.sort_by_key(|s| (s.0, s.1));
    }
    Marks { spans }
}

/// Index of the section with the most distinct matched terms (heading matches weigh more); the
/// first section when nothing matches.
pub fn best_section<'a>(sections: impl IntoIterator<Item = (&'a str, &'a str)>, q: &HighlightTerms) -> usize {
    let mut best = (0, 0);
    for (index, (heading, text)) in sections.into_iter().enumerate() {
        let score = HEADING_WEIGHT * mark(heading, q).distinct_terms() + mark(text, q).distinct_terms();
        if score > best.1 {
            best = (index, score);
        }
    }
    best.0
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Snippet {
    pub text: String,
    /// Character ranges (Unicode scalar values) of `text` to highlight, sorted, not overlapping.
    pub highlights: Vec<(usize, usize)>,
}

/// A window of `SNIPPET_CHARS` characters holding the most distinct matched terms (the earliest
/// such window), with `…` where text was cut.
pub fn snippet(text: &str, q: &HighlightTerms) -> Snippet {
    let chars: Vec<char> = text.chars().collect();
    let marks = mark(text, q);
    let mut start = 0;
    let mut best = 0;
    for (span_start, _, _) in &marks.spans {
        let s = span_start.saturating_sub(CONTEXT_BEFORE);
        let e = (s + SNIPPET_CHARS).min(chars.len());
        let inside: HashSet<&String> =
            marks.spans.iter().filter(|(a, b, _)| *a >= s && *b <= e).flat_map(|(_, _, t)| t.iter()).collect();
        if inside.len() > best {
            best = inside.len();
            start = s;
        }
    }
    let end = (start + SNIPPET_CHARS).min(chars.len());
    let prefix = usize::from(start > 0);
    let mut out: String = if start > 0 { "…".into() } else { String::new() };
    out.extend(&chars[start..end]);
    if end < chars.len() {
        out.push('…');
    }
    let mut highlights: Vec<(usize, usize)> = Vec::new();
    for (a, b, _) in &marks.spans {
        let (a, b) = ((*a).max(start), (*b).min(end));
        if a >= b {
            continue;
        }
        let (a, b) = (a - start + prefix, b - start + prefix);
        match highlights.last_mut() {
            Some(last) if a <= last.1 => last.1 = last.1.max(b),
            _ => highlights.push((a, b)),
        }
    }
    Snippet { text: out, highlights }
}

/// Converts character ranges of `text` into byte ranges.
pub fn char_ranges_to_bytes(text: &str, ranges: &[(usize, usize)]) -> Vec<(usize, usize)> {
    let offsets: Vec<usize> = text.char_indices().map(|(b, _)| b).chain(std::iter::once(text.len())).collect();
    ranges.iter().map(|&(a, b)| (offsets[a.min(offsets.len() - 1)], offsets[b.min(offsets.len() - 1)])).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::search::query::parse;

    use crate::search::clause::NoClauses;

    fn terms(q: &str) -> HighlightTerms {
        HighlightTerms::new(&parse(q, &NoClauses).unwrap(), &Synonyms::default())
    }

    fn marked(text: &str, q: &str) -> Vec<String> {
        let chars: Vec<char> = text.chars().collect();
        mark(text, &terms(q)).spans.iter().map(|(a, b, _)| chars[*a..*b].iter().collect()).collect()
    }

    #[test]
    fn chains_and_whole_runs() {
        assert_eq!(marked("記録媒体を廃棄する。体の調子", "記録媒体の廃棄"), ["記録媒体", "廃棄"]);
        assert_eq!(marked("暗号化と暗号", "暗号"), ["暗号", "暗号"]);
        // する is a two-character stretch too, but hiragana: never highlighted alone
        assert_eq!(marked("管理する。保存する", "保存する"), ["保存する"]);
        assert_eq!(marked("SLAを結ぶ", "sla"), ["SLA"]);
        assert_eq!(marked("秘密鍵の管理", "鍵"), ["鍵"]);
        // original width forms are highlighted through the normalisation map
        assert_eq!(marked("ｻｰﾊﾞｰの設定", "サーバー"), ["ｻｰﾊﾞｰ"]);
    }

    #[test]
    fn best_section_prefers_heading_matches() {
        let q = terms("暗号化");
        let sections = [("概要", "暗号化について"), ("暗号化", "鍵の管理"), ("その他", "")];
        assert_eq!(best_section(sections, &q), 1);
        assert_eq!(best_section([("a", "b"), ("c", "d")], &q), 0);
    }

    #[test]
    fn snippet_window_and_highlights() {
        let text = format!("{}暗号化の方式を定める。{}", "前".repeat(200), "後".repeat(200));
        let s = snippet(&text, &terms("暗号化"));
        assert!(s.text.starts_with('…') && s.text.ends_with('…'));
        assert_eq!(s.text.chars().count(), SNIPPET_CHARS + 2);
        let chars: Vec<char> = s.text.chars().collect();
        let (a, b) = s.highlights[0];
        assert_eq!(chars[a..b].iter().collect::<String>(), "暗号化");
        let bytes = char_ranges_to_bytes(&s.text, &s.highlights);
        assert_eq!(&s.text[bytes[0].0..bytes[0].1], "暗号化");
        let short = snippet("短い文", &terms("暗号"));
        assert_eq!(short, Snippet { text: "短い文".into(), highlights: vec![] });
    }
}
