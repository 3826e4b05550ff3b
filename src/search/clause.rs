//! Clause numbers are looked up exactly, never through tokenised text: `3.2.1`, `3-2-1`,
//! `３．２．１`, `第3章`, `mhlw5 6.12`, `mhlw5-6.12` name one clause, and that clause ranks first,
//! the site's first corpus before the others (`corpus_rank`). The browser (`search-core.js`)
//! applies the same rules to the static doc table.

/// A clause number in canonical form (`3.2.1`), optionally limited to one corpus (`mhlw5`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ClauseRef {
    pub corpus: Option<String>,
    pub number: String,
}

/// What the query parser may ask about the indexed pages, so that a word is taken as a clause
/// number or page id only when such a clause or page exists (a date like 2018-07 stays text).
pub trait ClauseLookup {
    fn corpora(&self) -> &[String];
    fn has_clause(&self, clause: &ClauseRef) -> bool;
    fn has_id(&self, id: &str) -> bool;
}

/// Longest number component we accept; longer digit strings are not clause numbers.
const MAX_COMPONENT_DIGITS: usize = 6;

/// `3.2.1`, `3-2-1`, `3.2.1.` → `3.2.1`; `第2章` → `2`; `03.1` → `3.1`; bare `12` → `12`.
/// Input is normalised text (NFKC has already turned ３．２ into 3.2).
pub fn canonical_number(word: &str) -> Option<String> {
    let body = match word.strip_prefix('第').and_then(|w| w.strip_suffix('章')) {
        Some(inner) => inner,
        None => word.strip_suffix('.').unwrap_or(word),
    };
    if body.is_empty() {
        return None;
    }
    let mut parts = Vec::new();
    for part in body.split(['.', '-']) {
        if part.is_empty() || part.len() > MAX_COMPONENT_DIGITS || !part.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let trimmed = part.trim_start_matches('0');
        parts.push(if trimmed.is_empty() { "0" } else { trimmed });
    }
    Some(parts.join("."))
}

/// True for words that look like a clause number on their own (`3.2`, `3-2-1`, `第3章`), as opposed
/// to a bare integer, which is a clause only when it is the whole query or follows a corpus name.
fn is_structured_number(word: &str) -> bool {
    canonical_number(word).is_some() && (word.contains(['.', '-']) || word.starts_with('第'))
}

/// The clause key of a page: the number part of its id when the id carries its corpus prefix
/// (`mic-3.2.1` → `3.2.1`), else its front-matter number (`3.2.1`, `第2章`).
pub fn doc_clause_key(id: &str, corpus: Option<&str>, number: Option<&str>) -> Option<String> {
    let from_id = corpus
        .and_then(|c| id.strip_prefix(c))
        .and_then(|rest| rest.strip_prefix('-'))
        .and_then(|rest| if rest.bytes().all(|b| b.is_ascii_digit() || b == b'.') { canonical_number(rest) } else { None });
    from_id.or_else(|| number.and_then(|n| canonical_number(&crate::search::normalize::normalize(n.trim()))))
}

/// Splits normalised query words into clause references, page ids and the remaining text words.
/// `alone` says the query is this one word and nothing else (then a bare `3` means chapter 3).
pub fn split_clauses(words: &[String], lookup: &dyn ClauseLookup, alone: bool) -> (Vec<ClauseRef>, Vec<String>, Vec<String>) {
    let mut clauses = Vec::new();
    let mut ids = Vec::new();
    let mut text = Vec::new();
    let mut i = 0;
    while i < words.len() {
        let word = &words[i];
        // corpus-number or corpus:number in one word
        if let Some((prefix, rest)) = word.split_once(['-', ':'])
            && lookup.corpora().iter().any(|c| c == prefix)
            && let Some(number) = canonical_number(rest)
        {
            let clause = ClauseRef { corpus: Some(prefix.to_string()), number };
            if lookup.has_clause(&clause) {
                clauses.push(clause);
                i += 1;
                continue;
            }
        }
        // corpus name, then the number as the next word
        if lookup.corpora().iter().any(|c| c == word)
            && let Some(number) = words.get(i + 1).and_then(|w| canonical_number(w))
        {
            let clause = ClauseRef { corpus: Some(word.clone()), number };
            if lookup.has_clause(&clause) {
                clauses.push(clause);
                i += 2;
                continue;
            }
        }
        if (alone || is_structured_number(word))
            && let Some(number) = canonical_number(word)
        {
            let clause = ClauseRef { corpus: None, number };
            if lookup.has_clause(&clause) {
                clauses.push(clause);
                i += 1;
                continue;
            }
        }
        // structured page ids (mic-annex-sla, disc-1-1-a); plain words are never taken as ids
        if word.contains('-') && lookup.has_id(word) {
            ids.push(word.clone());
            i += 1;
            continue;
        }
        text.push(word.clone());
        i += 1;
    }
    (clauses, ids, text)
}

/// A site with no clauses or ids: parses a query without an index (unit tests, the tokeniser pin).
pub struct NoClauses;

impl ClauseLookup for NoClauses {
    fn corpora(&self) -> &[String] {
        &[]
    }
    fn has_clause(&self, _: &ClauseRef) -> bool {
        false
    }
    fn has_id(&self, _: &str) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fixed;
    impl ClauseLookup for Fixed {
        fn corpora(&self) -> &[String] {
            static C: std::sync::OnceLock<Vec<String>> = std::sync::OnceLock::new();
            C.get_or_init(|| vec!["mic".into(), "mhlw5".into()])
        }
        fn has_clause(&self, c: &ClauseRef) -> bool {
            matches!(
                (c.corpus.as_deref(), c.number.as_str()),
                (None | Some("mic"), "3.2.1" | "3" | "2") | (None | Some("mhlw5"), "6.12" | "6.5")
            )
        }
        fn has_id(&self, id: &str) -> bool {
            id == "mic-annex-sla"
        }
    }

    fn split(q: &str) -> (Vec<ClauseRef>, Vec<String>, Vec<String>) {
        let words: Vec<String> = crate::search::normalize::normalize(q).split_whitespace().map(String::from).collect();
        let alone = words.len() == 1;
        split_clauses(&words, &Fixed, alone)
    }

    fn clause(corpus: Option<&str>, number: &str) -> ClauseRef {
        ClauseRef { corpus: corpus.map(String::from), number: number.into() }
    }

    #[test]
    fn canonical_forms() {
        assert_eq!(canonical_number("3-2-1").as_deref(), Some("3.2.1"));
        assert_eq!(canonical_number("3.2.1.").as_deref(), Some("3.2.1"));
        assert_eq!(canonical_number("第2章").as_deref(), Some("2"));
        assert_eq!(canonical_number("03.1").as_deref(), Some("3.1"));
        assert_eq!(canonical_number("3..2"), None);
        assert_eq!(canonical_number("3.2a"), None);
        assert_eq!(canonical_number("1234567.1"), None);
    }

    #[test]
    fn query_words() {
        assert_eq!(split("３．２．１").0, [clause(None, "3.2.1")]);
        assert_eq!(split("3-2-1").0, [clause(None, "3.2.1")]);
        assert_eq!(split("mhlw5 6.5").0, [clause(Some("mhlw5"), "6.5")]);
        assert_eq!(split("MHLW5-6.12").0, [clause(Some("mhlw5"), "6.12")]);
        assert_eq!(split("第3章").0, [clause(None, "3")]);
        assert_eq!(split("3").0, [clause(None, "3")]);
        // a bare number among other words is text; so is a number no page has
        assert_eq!(split("3 暗号"), (vec![], vec![], vec!["3".into(), "暗号".into()]));
        assert_eq!(split("2018-07").2, ["2018-07"]);
        assert_eq!(split("mic-annex-sla 様式").1, ["mic-annex-sla"]);
    }

    #[test]
    fn doc_keys() {
        assert_eq!(doc_clause_key("mic-3.2.1", Some("mic"), Some("3.2.1")).as_deref(), Some("3.2.1"));
        assert_eq!(doc_clause_key("mic-2", Some("mic"), Some("第2章")).as_deref(), Some("2"));
        assert_eq!(doc_clause_key("mic-annex-sla", Some("mic"), Some("別添")), None);
        assert_eq!(doc_clause_key("glossary", None, None), None);
        assert_eq!(doc_clause_key("x", None, Some("４．１")).as_deref(), Some("4.1"));
    }
}
