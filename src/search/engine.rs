//! The server-side engine: an in-memory tantivy index of pre-analysed terms (the analyser, not
//! tantivy, tokenises), queried with term and phrase queries built from `query::ParsedQuery`.
//!
//! Fields: `title`, `headings`, `body` each twice — bigram part (`*_bi`, with positions for
//! phrases) and lindera part (`*_mo`) — plus `id` and `clause` (raw strings: `3.2.1` and
//! `mic:3.2.1`) for the exact clause path, and `doc` (index into the page list).

use super::analysis::Analyzer;
use super::clause::{ClauseLookup, ClauseRef};
use super::doc::{Prepared, prepare};
use super::query::{self, ParsedQuery, QueryError};
use super::ranking::{BONUS_WEIGHT, FIELD_BOOSTS, FIELD_NAMES, MORPH_WEIGHT, PRIMARY_BOOST};
use super::snippet::{self, HighlightTerms};
use super::{SearchDoc, TextSection};
use serde::{Deserialize, Serialize};
use std::path::Path;
use std::collections::HashSet;
use tantivy::collector::{DocSetCollector, TopDocs};
use tantivy::query::{BooleanQuery, BoostQuery, ConstScoreQuery, Occur, PhraseQuery, Query, RegexQuery, TermQuery};
use tantivy::schema::{FAST, Field, IndexRecordOption, STORED, STRING, Schema, TextFieldIndexing, TextOptions};
use tantivy::tokenizer::{PreTokenizedString, Token};
use tantivy::{DocAddress, DocId, Index, ReloadPolicy, Score, Searcher, SegmentReader, TantivyDocument, Term};

/// tantivy's indexing memory (one thread): enough for the whole guideline corpus in one segment.
const WRITER_MEMORY: usize = 64 * 1024 * 1024;

/// One result: a page, deep-linked to its best section.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Hit {
    pub id: String,
    pub title: String,
    /// Site-relative URL with the best section's anchor: `/mic/3.2.1/#アクセス制御`.
    pub url: String,
    /// Plain text around the best match; `…` marks cut text.
    pub snippet: String,
    /// Relevance within the hit's tier (clause or id match, all words, some words): results are
    /// ordered by tier first, so a later hit may score higher than an earlier one.
    pub score: f32,
    pub number: Option<String>,
    pub breadcrumb: Vec<String>,
    /// Heading of the section the URL points to (None: the top of the page).
    pub section: Option<String>,
    /// Byte ranges of `snippet` that match the query.
    pub highlights: Vec<(usize, usize)>,
}

struct Fields {
    doc: Field,
    id: Field,
    clause: Field,
    bigram: [Field; 3],
    morph: [Field; 3],
}

pub struct Engine {
    searcher: Searcher,
    fields: Fields,
    pages: Pages,
    analyzer: Analyzer,
}

/// What the engine keeps besides the tantivy index: the cleaned pages (for hits and snippets) and
/// the corpus names in rank order. `cache` stores it beside an on-disk index.
#[derive(Serialize, Deserialize)]
pub(crate) struct Pages {
    pub docs: Vec<SearchDoc>,
    pub corpora: Vec<String>,
    /// Pages `0..primary` belong to the primary corpus (`ranking::PRIMARY_BOOST`).
    pub primary: usize,
}

fn tantivy_error(e: tantivy::TantivyError) -> String {
    format!("search index: {e}")
}

impl Engine {
    /// The engine over `docs`, indexed in memory.
    pub fn build(docs: &[SearchDoc], analyzer: &Analyzer) -> Result<Engine, String> {
        Engine::build_into(|schema| Ok(Index::create_in_ram(schema)), docs, analyzer)
    }

    /// The engine over `docs`, indexed into the empty directory `dir` (see `cache`).
    pub(crate) fn build_in_dir(dir: &Path, docs: &[SearchDoc], analyzer: &Analyzer) -> Result<Engine, String> {
        Engine::build_into(|schema| Index::create_in_dir(dir, schema).map_err(tantivy_error), docs, analyzer)
    }

    /// An index written by `build_in_dir`, with the pages it was built from. Fails (rather than
    /// panicking later) when a file is missing, damaged or from another schema.
    pub(crate) fn open_dir(dir: &Path, pages: Pages, analyzer: &Analyzer) -> Result<Engine, String> {
        let index = Index::open_in_dir(dir).map_err(tantivy_error)?;
        let damaged = index.validate_checksum().map_err(tantivy_error)?;
        if !damaged.is_empty() {
            return Err(format!("search index: damaged files {damaged:?}"));
        }
        let (expected, fields) = schema();
        if index.schema() != expected {
            return Err("search index: written with another schema".into());
        }
        let reader = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(tantivy_error)?;
        let searcher = reader.searcher();
        if searcher.num_docs() != pages.docs.len() as u64 {
            return Err(format!("search index: {} documents for {} pages", searcher.num_docs(), pages.docs.len()));
        }
        Ok(Engine { searcher, fields, pages, analyzer: analyzer.clone() })
    }

    pub(crate) fn pages(&self) -> &Pages {
        &self.pages
    }

    fn build_into(
        create: impl FnOnce(Schema) -> Result<Index, String>,
        docs: &[SearchDoc],
        analyzer: &Analyzer,
    ) -> Result<Engine, String> {
        let prepared = prepare(docs, analyzer, true);
        let (schema, fields) = schema();
        let index = create(schema)?;
        let err = tantivy_error;
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, WRITER_MEMORY).map_err(err)?;
        for (i, (doc, terms)) in prepared.docs.iter().zip(&prepared.terms).enumerate() {
            let mut t = TantivyDocument::new();
            t.add_u64(fields.doc, i as u64);
            t.add_text(fields.id, &doc.id);
            if let Some(key) = &prepared.keys[i] {
                t.add_text(fields.clause, key);
                if let Some(corpus) = &doc.corpus {
                    t.add_text(fields.clause, format!("{corpus}:{key}"));
                }
            }
            for (f, field_terms) in terms.iter().enumerate() {
                add_terms(&mut t, fields.bigram[f], &field_terms.bigram);
                add_terms(&mut t, fields.morph[f], &field_terms.morph);
            }
            writer.add_document(t).map_err(err)?;
        }
        writer.commit().map_err(err)?;
        writer.wait_merging_threads().map_err(err)?;
        let searcher = index.reader_builder().reload_policy(ReloadPolicy::Manual).try_into().map_err(err)?.searcher();
        let Prepared { docs, corpora, primary, .. } = prepared;
        Ok(Engine { searcher, fields, pages: Pages { docs, corpora, primary }, analyzer: analyzer.clone() })
    }

    /// At most `limit` pages, best first: pages named by id or clause number, then text matches.
    pub fn search(&self, query: &str, limit: usize) -> Result<Vec<Hit>, QueryError> {
        let parsed = query::parse(query, self)?;
        if parsed.is_empty() || limit == 0 {
            return Ok(Vec::new());
        }
        let mut ranked: Vec<usize> = Vec::new();
        for id in &parsed.ids {
            ranked.extend(self.lookup(&TermQuery::new(Term::from_field_text(self.fields.id, id), IndexRecordOption::Basic)));
        }
        for clause in &parsed.clauses {
            let term = Term::from_field_text(self.fields.clause, &clause_term(clause));
            ranked.extend(self.lookup(&TermQuery::new(term, IndexRecordOption::Basic)));
        }
        if !parsed.has_text() {
            // A bare clause number also lists what lies under it (3.2 → 3.2.1 …).
            for clause in &parsed.clauses {
                let pattern = format!("{}\\.[0-9.]+", regex::escape(&clause_term(clause)));
                if let Ok(q) = RegexQuery::from_pattern(&pattern, self.fields.clause) {
                    ranked.extend(self.lookup(&q));
                }
            }
        }
        let mut seen = HashSet::new();
        ranked.retain(|i| seen.insert(*i));
        let mut text_hits = Vec::new();
        if parsed.has_text() {
            let loose = self.text_query(&parsed);
            let wanted = limit + seen.len();
            text_hits = self.top(&self.all_words_query(&parsed, &loose), wanted);
            let first_tier: HashSet<usize> = text_hits.iter().map(|h| h.0).collect();
            let rest = self.top(&loose, wanted + first_tier.len());
            text_hits.extend(rest.into_iter().filter(|(i, _)| !first_tier.contains(i)));
            text_hits.retain(|(i, _)| !seen.contains(i));
        }
        // Exact hits rank above every text hit; their score continues the text scores upwards.
        let top_text = text_hits.iter().map(|h| h.1).fold(0.0, f32::max);
        let exact = ranked.len();
        let mut scored: Vec<(usize, f32)> =
            ranked.into_iter().enumerate().map(|(rank, i)| (i, top_text + (exact - rank) as f32)).collect();
        scored.extend(text_hits);
        scored.truncate(limit);
        let highlight = HighlightTerms::new(&parsed, self.analyzer.synonyms());
        Ok(scored.into_iter().map(|(i, score)| self.hit(i, score, &highlight)).collect())
    }

    /// The best `n` pages of a query as (doc index, score), by score, then reading order. (An
    /// in-memory search only fails on a bug; it then finds nothing rather than failing the query.)
    fn top(&self, q: &dyn Query, n: usize) -> Vec<(usize, f32)> {
        let primary = self.pages.primary as u64;
        // Pages are numbered primary corpus first, so the boost needs only the page number.
        let boosted = TopDocs::with_limit(n.max(1)).tweak_score(move |segment: &SegmentReader| {
            let page = segment.fast_fields().u64("doc").ok().map(|c| c.first_or_default_col(u64::MAX));
            move |doc: DocId, score: Score| match &page {
                Some(page) if page.get_val(doc) < primary => score * PRIMARY_BOOST,
                _ => score,
            }
        });
        let found = self.searcher.search(q, &boosted).unwrap_or_default();
        let mut hits: Vec<(usize, f32)> = found.into_iter().filter_map(|(score, addr)| Some((self.doc_index(addr)?, score))).collect();
        hits.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        hits
    }

    /// Pages matched by an exact query, in corpus rank, then reading order.
    fn lookup(&self, q: &dyn Query) -> Vec<usize> {
        let found = self.searcher.search(q, &DocSetCollector).unwrap_or_default();
        let mut docs: Vec<usize> = found.into_iter().filter_map(|a| self.doc_index(a)).collect();
        docs.sort_by_key(|&i| (self.pages.docs[i].corpus_rank, i));
        docs
    }

    fn doc_index(&self, addr: DocAddress) -> Option<usize> {
        let column = self.searcher.segment_reader(addr.segment_ord).fast_fields().u64("doc").ok()?;
        column.first(addr.doc_id).map(|v| v as usize)
    }

    fn text_query(&self, parsed: &ParsedQuery) -> BooleanQuery {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for phrase in &parsed.phrases {
            clauses.push((Occur::Must, self.sequence_query(&self.fields.bigram, phrase, 1.0)));
        }
        if !parsed.terms.is_empty() {
            clauses.push((Occur::Must, Box::new(self.at_least(&parsed.terms, parsed.min_match))));
        }
        for seq in &parsed.bonus {
            clauses.push((Occur::Should, self.sequence_query(&self.fields.bigram, seq, BONUS_WEIGHT)));
        }
        let mut morph_seen = HashSet::new();
        for m in self.analyzer.morphemes(&parsed.text) {
            if m.content && morph_seen.insert(m.text.clone()) {
                clauses.push((Occur::Should, self.sequence_query(&self.fields.morph, &[m.text], MORPH_WEIGHT)));
            }
        }
        BooleanQuery::new(clauses)
    }

    /// The first tier: `loose`, limited to pages that satisfy every word. The word requirements
    /// score zero, so a page scores the same in both tiers.
    fn all_words_query(&self, parsed: &ParsedQuery, loose: &BooleanQuery) -> BooleanQuery {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Must, Box::new(loose.clone()))];
        for word in &parsed.words {
            let requirement = self.at_least(word, query::required(word.len(), query::WORD_MATCH_RATIO));
            clauses.push((Occur::Must, Box::new(ConstScoreQuery::new(Box::new(requirement), 0.0))));
        }
        BooleanQuery::new(clauses)
    }

    /// Pages with at least `need` of the bigram-part `terms`, scored by the ones they have.
    fn at_least(&self, terms: &[String], need: usize) -> BooleanQuery {
        let clauses = terms
            .iter()
            .map(|t| (Occur::Should, self.sequence_query(&self.fields.bigram, std::slice::from_ref(t), 1.0)))
            .collect();
        BooleanQuery::with_minimum_required_clauses(clauses, need)
    }

    /// A term (one token) or phrase (several) in any of the three fields, boosted per field.
    fn sequence_query(&self, fields: &[Field; 3], tokens: &[String], weight: f32) -> Box<dyn Query> {
        let per_field = (0..3)
            .map(|f| {
                let terms: Vec<Term> = tokens.iter().map(|t| Term::from_field_text(fields[f], t)).collect();
                let q: Box<dyn Query> = if terms.len() == 1 {
                    Box::new(TermQuery::new(terms[0].clone(), IndexRecordOption::WithFreqs))
                } else {
                    Box::new(PhraseQuery::new(terms))
                };
                (Occur::Should, Box::new(BoostQuery::new(q, FIELD_BOOSTS[f] * weight)) as Box<dyn Query>)
            })
            .collect();
        Box::new(BooleanQuery::new(per_field))
    }

    fn hit(&self, index: usize, score: f32, highlight: &HighlightTerms) -> Hit {
        let doc = &self.pages.docs[index];
        let best = snippet::best_section(doc.sections.iter().map(|s| (s.heading.as_str(), s.text.as_str())), highlight);
        let section: Option<&TextSection> = doc.sections.get(best);
        let snip = section.map(|s| snippet::snippet(&s.text, highlight)).unwrap_or_default();
        let anchor = section.and_then(|s| s.anchor.as_deref());
        Hit {
            id: doc.id.clone(),
            title: doc.title.clone(),
            url: match anchor {
                Some(a) => format!("{}#{a}", doc.url),
                None => doc.url.clone(),
            },
            highlights: snippet::char_ranges_to_bytes(&snip.text, &snip.highlights),
            snippet: snip.text,
            score,
            number: doc.number.clone(),
            breadcrumb: doc.breadcrumb.clone(),
            section: anchor.and(section.map(|s| s.heading.clone())),
        }
    }
}

impl ClauseLookup for Engine {
    fn corpora(&self) -> &[String] {
        &self.pages.corpora
    }

    fn has_clause(&self, clause: &ClauseRef) -> bool {
        let term = Term::from_field_text(self.fields.clause, &clause_term(clause));
        self.searcher.doc_freq(&term).is_ok_and(|n| n > 0)
    }

    fn has_id(&self, id: &str) -> bool {
        self.searcher.doc_freq(&Term::from_field_text(self.fields.id, id)).is_ok_and(|n| n > 0)
    }
}

/// `3.2.1` for any corpus, `mhlw5:6.12` for one.
fn clause_term(clause: &ClauseRef) -> String {
    match &clause.corpus {
        Some(c) => format!("{c}:{}", clause.number),
        None => clause.number.clone(),
    }
}

fn add_terms(doc: &mut TantivyDocument, field: Field, terms: &[(String, u32)]) {
    if terms.is_empty() {
        return;
    }
    let tokens = terms
        .iter()
        .map(|(text, pos)| Token {
            offset_from: 0,
            offset_to: 0,
            position: *pos as usize,
            text: text.clone(),
            position_length: 1,
        })
        .collect();
    doc.add_pre_tokenized_text(field, PreTokenizedString { text: String::new(), tokens });
}

fn schema() -> (Schema, Fields) {
    let mut b = Schema::builder();
    let text = |option| TextOptions::default().set_indexing_options(TextFieldIndexing::default().set_index_option(option));
    let doc = b.add_u64_field("doc", FAST | STORED);
    let id = b.add_text_field("id", STRING);
    let clause = b.add_text_field("clause", STRING);
    let bigram = FIELD_NAMES.map(|n| b.add_text_field(&format!("{n}_bi"), text(IndexRecordOption::WithFreqsAndPositions)));
    let morph = FIELD_NAMES.map(|n| b.add_text_field(&format!("{n}_mo"), text(IndexRecordOption::WithFreqs)));
    (b.build(), Fields { doc, id, clause, bigram, morph })
}
