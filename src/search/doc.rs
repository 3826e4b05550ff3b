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

/// The pages' order and what follows from it, without their analysed terms (the static index
/// analyses them a chunk at a time instead of all at once).
pub(crate) struct Arranged {
    /// Indexes into the caller's docs, in corpus rank, then reading order (see `Prepared::docs`).
    pub order: Vec<usize>,
    pub primary: usize,
    /// Clause key of each page, in `order`.
    pub keys: Vec<Option<String>>,
    pub corpora: Vec<String>,
}

pub(crate) fn arrange(docs: &[SearchDoc]) -> Arranged {
    let mut order: Vec<usize> = (0..docs.len()).collect();
    order.sort_by_key(|&i| (!is_primary(&docs[i]), docs[i].corpus_rank, i));
    let primary = order.iter().take_while(|&&i| is_primary(&docs[i])).count();
    let keys = order.iter().map(|&i| &docs[i]).map(|d| doc_clause_key(&d.id, d.corpus.as_deref(), d.number.as_deref())).collect();
    let mut ranked: Vec<(usize, &str)> = docs.iter().filter_map(|d| Some((d.corpus_rank, d.corpus.as_deref()?))).collect();
    ranked.sort();
    ranked.dedup_by(|a, b| a.1 == b.1);
    let corpora = ranked.into_iter().map(|(_, c)| c.to_string()).collect();
    Arranged { order, primary, keys, corpora }
}

/// A page as both indexes read it (whitespace collapsed) and its three fields' terms.
pub(crate) fn analyse(doc: &SearchDoc, analyzer: &Analyzer, with_morph: bool) -> (SearchDoc, [FieldTerms; 3]) {
    let doc = clean_doc(doc);
    let terms = field_values(&doc).map(|values| analyzer.field_terms(&values, with_morph));
    (doc, terms)
}

pub(crate) fn prepare(docs: &[SearchDoc], analyzer: &Analyzer, with_morph: bool) -> Prepared {
    let Arranged { order, primary, keys, corpora } = arrange(docs);
    let (docs, terms) = order.par_iter().map(|&i| analyse(&docs[i], analyzer, with_morph)).unzip();
    Prepared { docs, primary, keys, corpora, terms }
}
