//! Pages as both indexes see them: whitespace-collapsed text (so snippet offsets agree between
//! server and browser) and the analysed terms of the three fields.

use super::analysis::{Analyzer, FieldTerms};
use super::clause::doc_clause_key;
use super::{SearchDoc, TextSection};
use rayon::prelude::*;

pub(crate) struct Prepared {
    /// The pages in corpus rank, then reading order: the site's primary corpus first (see
    /// `ranking`), so every path numbers pages alike and breaks score ties the same way.
    pub docs: Vec<SearchDoc>,
    /// Pages `0..primary` belong to the primary corpus.
    pub primary: usize,
    /// Clause key of each doc (`3.2.1`), see `clause::doc_clause_key`.
    pub keys: Vec<Option<String>>,
    /// Corpus names in rank order.
    pub corpora: Vec<String>,
    pub terms: Vec<[FieldTerms; 3]>,
}

/// Collapses runs of whitespace into one space and trims.
pub(crate) fn clean(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn clean_doc(doc: &SearchDoc) -> SearchDoc {
    SearchDoc {
        title: clean(&doc.title),
        sections: doc
            .sections
            .iter()
            .map(|s| TextSection { anchor: s.anchor.clone(), heading: clean(&s.heading), text: clean(&s.text) })
            .collect(),
        ..doc.clone()
    }
}

/// The values of the title, headings and body fields. A section without an anchor is the text
/// before the first heading; its `heading` is not a heading of the page and is not indexed.
fn field_values(doc: &SearchDoc) -> [Vec<&str>; 3] {
    let headings = doc
        .sections
        .iter()
        .filter(|s| s.anchor.is_some() && !s.heading.is_empty())
        .map(|s| s.heading.as_str())
        .chain(doc.tags.iter().map(String::as_str))
        .collect();
    let body = doc.sections.iter().map(|s| s.text.as_str()).filter(|t| !t.is_empty()).collect();
    [vec![doc.title.as_str()], headings, body]
}

/// True for a page of the primary corpus: the first of the site's `corpora`.
pub(crate) fn is_primary(doc: &SearchDoc) -> bool {
    doc.corpus.is_some() && doc.corpus_rank == 0
}

pub(crate) fn prepare(docs: &[SearchDoc], analyzer: &Analyzer, with_morph: bool) -> Prepared {
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by_key(|&i| (!is_primary(&docs[i]), docs[i].corpus_rank, i));
    let docs: Vec<SearchDoc> = order.into_iter().map(|i| clean_doc(&docs[i])).collect();
    let primary = docs.iter().take_while(|d| is_primary(d)).count();
    let keys = docs.iter().map(|d| doc_clause_key(&d.id, d.corpus.as_deref(), d.number.as_deref())).collect();
    let mut ranked: Vec<(usize, &str)> = docs.iter().filter_map(|d| Some((d.corpus_rank, d.corpus.as_deref()?))).collect();
    ranked.sort();
    ranked.dedup_by(|a, b| a.1 == b.1);
    let corpora = ranked.into_iter().map(|(_, c)| c.to_string()).collect();
    let terms = docs
        .par_iter()
        .map(|doc| field_values(doc).map(|values| analyzer.field_terms(&values, with_morph)))
        .collect();
    Prepared { docs, primary, keys, corpora, terms }
}
