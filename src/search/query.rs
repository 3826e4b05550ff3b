//! Query parsing, shared in meaning with `parseQuery` in `search-core.js`. Raw input never reaches
//! tantivy's query language: it becomes plain data (clause numbers, ids, terms, phrases) from
//! which `engine` builds term and phrase queries itself.
//!
//! - Quoted text (`"医療情報"`, also “…”) is a phrase: its tokens must be adjacent. An unmatched
//!   quote is ignored.
//! - Other whitespace-separated words give bigram terms. A page *matches all words* when, for
//!   every word, it contains `WORD_MATCH_RATIO` of the word's distinct terms; such pages rank first.
//!   Other pages still qualify with `MIN_MATCH_RATIO` of all distinct terms (a paraphrase such as
//!   サーバー 設置場所 for a page that says サーバの置き場所). Adjacent tokens of a word earn a bonus.
//! - A lone kanji (鍵) becomes a unigram term, found inside longer words.

use super::bigram::{self, Script, Token, script, unigram_term};
use super::clause::{ClauseLookup, ClauseRef, split_clauses};
use super::normalize::normalize;
use std::fmt;

pub const MAX_QUERY_CHARS: usize = 256;
pub const MAX_QUERY_TERMS: usize = 32;
/// Share of all distinct query terms a page must contain to be listed (rounded up).
pub const MIN_MATCH_RATIO: f64 = 0.5;
/// Share of a word's distinct terms that satisfies the word (rounded up).
pub const WORD_MATCH_RATIO: f64 = 0.65;

/// How many of `n` terms a ratio asks for: at least one, rounded up.
pub fn required(n: usize, ratio: f64) -> usize {
    ((n as f64 * ratio).ceil() as usize).clamp(1, n.max(1))
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum QueryError {
    Empty,
    TooLong { max: usize },
    TooManyTerms { max: usize },
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QueryError::Empty => write!(f, "the query is empty: type a word or a clause number such as 3.2.1"),
            QueryError::TooLong { max } => write!(f, "the query is too long: at most {max} characters"),
            QueryError::TooManyTerms { max } => write!(f, "the query has too many words: at most {max}"),
        }
    }
}

impl std::error::Error for QueryError {}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedQuery {
    pub ids: Vec<String>,
    pub clauses: Vec<ClauseRef>,
    /// Distinct terms of the unquoted words, in order of appearance.
    pub terms: Vec<String>,
    /// `required(terms.len(), MIN_MATCH_RATIO)`.
    pub min_match: usize,
    /// Distinct terms of each unquoted word (words without tokens left out).
    pub words: Vec<Vec<String>>,
    /// Token sequences of unquoted words with two or more tokens: adjacency earns a bonus.
    pub bonus: Vec<Vec<String>>,
    /// Quoted phrases: every one must occur with adjacent tokens.
    pub phrases: Vec<Vec<String>>,
    /// The unquoted text words, normalised, for the morphological part of the engine.
    pub text: String,
    /// The quoted phrases, normalised.
    pub quoted: Vec<String>,
    /// Query tokens with run information, for highlighting (unquoted words and phrases).
    pub highlight_tokens: Vec<Vec<Token>>,
}

impl ParsedQuery {
    pub fn has_text(&self) -> bool {
        !self.terms.is_empty() || !self.phrases.is_empty()
    }

    pub fn is_empty(&self) -> bool {
        !self.has_text() && self.ids.is_empty() && self.clauses.is_empty()
    }
}

/// Control characters become spaces and typographic double quotes become `"` before normalising.
fn clean(raw: &str) -> String {
    raw.chars()
        .map(|c| match c {
            c if c.is_control() => ' ',
            '\u{201C}' | '\u{201D}' | '\u{201E}' => '"',
            c => c,
        })
        .collect()
}

pub fn parse(raw: &str, lookup: &dyn ClauseLookup) -> Result<ParsedQuery, QueryError> {
    if raw.chars().count() > MAX_QUERY_CHARS {
        return Err(QueryError::TooLong { max: MAX_QUERY_CHARS });
    }
    let normalized = normalize(&clean(raw));
    if normalized.trim().is_empty() {
        return Err(QueryError::Empty);
    }
    // An unmatched quote (the last one of an odd count) is read as a space.
    let text = match normalized.rfind('"') {
        Some(at) if normalized.matches('"').count() % 2 == 1 => format!("{} {}", &normalized[..at], &normalized[at + 1..]),
        _ => normalized,
    };
    let mut words: Vec<String> = Vec::new();
    let mut phrase_texts: Vec<String> = Vec::new();
    for (index, piece) in text.split('"').enumerate() {
        if index % 2 == 1 {
            if !piece.trim().is_empty() {
                phrase_texts.push(piece.trim().to_string());
            }
        } else {
            words.extend(piece.split_whitespace().map(String::from));
        }
    }
    if words.len() + phrase_texts.len() > MAX_QUERY_TERMS {
        return Err(QueryError::TooManyTerms { max: MAX_QUERY_TERMS });
    }
    let alone = words.len() == 1 && phrase_texts.is_empty();
    let (clauses, ids, text_words) = split_clauses(&words, lookup, alone);

    let mut parsed = ParsedQuery { ids, clauses, text: text_words.join(" "), ..ParsedQuery::default() };
    for word in &text_words {
        let tokens = bigram::tokenize_str(word);
        let mut word_terms: Vec<String> = Vec::new();
        for token in &tokens {
            let term = query_term(token);
            if !word_terms.contains(&term) {
                word_terms.push(term.clone());
            }
            if !parsed.terms.contains(&term) {
                parsed.terms.push(term);
            }
        }
        if !word_terms.is_empty() {
            parsed.words.push(word_terms);
        }
        if tokens.len() >= 2 {
            parsed.bonus.push(tokens.iter().map(|t| t.text.clone()).collect());
        }
        if !tokens.is_empty() {
            parsed.highlight_tokens.push(tokens);
        }
    }
    for phrase in &phrase_texts {
        let tokens = bigram::tokenize_str(phrase);
        match tokens.len() {
            0 => continue,
            1 => parsed.phrases.push(vec![query_term(&tokens[0])]),
            _ => parsed.phrases.push(tokens.iter().map(|t| t.text.clone()).collect()),
        }
        parsed.highlight_tokens.push(tokens);
        parsed.quoted.push(phrase.clone());
    }
    parsed.min_match = if parsed.terms.is_empty() { 0 } else { required(parsed.terms.len(), MIN_MATCH_RATIO) };
    Ok(parsed)
}

/// A lone kanji searches its unigram (inside any word); every other token itself.
fn query_term(token: &Token) -> String {
    match lone_kanji(&token.text) {
        Some(c) => unigram_term(c),
        None => token.text.clone(),
    }
}

/// The character of a one-character token that is a kanji.
pub(crate) fn lone_kanji(text: &str) -> Option<char> {
    let mut chars = text.chars();
    match (chars.next(), chars.next()) {
        (Some(c), None) if script(c) == Some(Script::Kanji) => Some(c),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::search::clause::NoClauses;

    fn p(q: &str) -> Result<ParsedQuery, QueryError> {
        parse(q, &NoClauses)
    }

    #[test]
    fn words_terms_and_bonus() {
        let q = p("記録媒体の廃棄 SLA").unwrap();
        assert_eq!(q.terms, ["記録", "録媒", "媒体", "体の", "の廃", "廃棄", "sla"]);
        assert_eq!(q.min_match, 4);
        assert_eq!(q.words, [vec!["記録", "録媒", "媒体", "体の", "の廃", "廃棄"], vec!["sla"]]);
        assert_eq!((required(2, WORD_MATCH_RATIO), required(3, WORD_MATCH_RATIO), required(6, WORD_MATCH_RATIO)), (2, 2, 4));
        assert_eq!(required(0, MIN_MATCH_RATIO), 1);
        assert_eq!(q.bonus, [vec!["記録", "録媒", "媒体", "体の", "の廃", "廃棄"]]);
        assert_eq!(q.text, "記録媒体の廃棄 sla");
    }

    #[test]
    fn phrases_and_quotes() {
        let q = p("\"医療情報\" 鍵").unwrap();
        assert_eq!(q.phrases, [vec!["医療", "療情", "情報"]]);
        assert_eq!(q.terms, ["u:鍵"]);
        let q = p("“鍵”").unwrap();
        assert_eq!(q.phrases, [vec!["u:鍵"]]);
        // unbalanced: the quote is dropped and the rest is plain text
        let q = p("医療 \"情報").unwrap();
        assert!(q.phrases.is_empty());
        assert_eq!(q.terms, ["医療", "情報"]);
        let q = p("\"a b\" \"c").unwrap();
        assert_eq!(q.phrases, [vec!["a", "b"]]);
        assert_eq!(q.terms, ["c"]);
    }

    #[test]
    fn hostile_inputs() {
        assert_eq!(p(""), Err(QueryError::Empty));
        assert_eq!(p(" \u{3000}\t"), Err(QueryError::Empty));
        assert_eq!(p("\u{0}\u{7}"), Err(QueryError::Empty));
        assert_eq!(p(&"あ".repeat(10_000)), Err(QueryError::TooLong { max: MAX_QUERY_CHARS }));
        assert_eq!(p(&"a ".repeat(40)), Err(QueryError::TooManyTerms { max: MAX_QUERY_TERMS }));
        let q = p("- *").unwrap();
        assert!(q.is_empty());
        let q = p("\"\"\"").unwrap();
        assert!(q.is_empty());
        let q = p("暗号\u{1b}[31m").unwrap();
        assert_eq!(q.terms, ["暗号", "31m"]);
        assert!(QueryError::TooLong { max: 256 }.to_string().contains("256"));
    }
}
