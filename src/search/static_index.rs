//! The static index for the browser, written under `search/<content-hash>/` (never the tantivy
//! index). Only the bigram part of the analysis goes in, so the browser can tokenise queries the
//! same way without a dictionary. It is laid out so that a first query downloads little however
//! large the site: a term costs one small shard, a page one small file, and the postings of a
//! frequent term arrive in blocks, best pages first, only as far as the ranking needs them.
//!
//! - `meta.json`: format version, page count, scoring constants (`ranking`), limits, corpora,
//!   synonyms (for highlighting), field token totals, shard counts, and `primary`: pages are
//!   numbered primary corpus first, then corpus rank, then reading order (`doc::prepare`), and
//!   pages `0..primary` get `ranking::PRIMARY_BOOST`.
//! - `t/<n>.json`: term directory shard `n` = FNV-1a-32 of the term's UTF-8 bytes modulo the
//!   shard count: `{term: [df title, df headings, df body, postings]}`. `postings` is either the
//!   term's whole postings list (a flat integer list, below) or, for a term whose list is longer
//!   than `Layout::inline_values`, its blocks: `[[max, block file id], …]`. Blocks hold the term's
//!   pages in decreasing *impact* (the page's BM25 contribution for this term alone, boost
//!   included); `max` is an upper bound of the impact of every page in that block and the later
//!   ones, so the browser can stop fetching once later pages cannot change the top results.
//! - `b/<id>.json`: one block: a flat integer list.
//! - A flat list holds pages in increasing number: `page delta, field mask` (1 title, 2 headings,
//!   4 body), then per field in the mask `tf, field length` (quantised like tantivy's field norms,
//!   so BM25 agrees with the server) and, except for `u:` unigram terms, the `tf` positions (first
//!   absolute, then deltas).
//! - `k/<n>.json`: lookup shards for clause numbers and page ids, by FNV-1a of the key:
//!   `{"c:3.2": [pages, pages under it], "c:mic:3.2": […], "i:mic-3.2": [pages]}` — pages in rank
//!   order. The browser fetches only the shards of the words a query may use this way.
//! - `d/<n>.json`: page `n`: `[id, url, title, number, breadcrumb, [[anchor, heading, text], …],
//!   tags, [field lengths]]` — what the result list shows, and all the page's text: the browser
//!   derives the page's postings of any term from it (`pageTerms` in search-core.js repeats the
//!   bigram part of `Analyzer::field_terms`), which settles a candidate's score without fetching
//!   the long postings lists it sits deep in.

use super::analysis::{Analyzer, POSITION_GAP};
use super::doc::{Prepared, prepare};
use super::query::{MAX_QUERY_CHARS, MAX_QUERY_TERMS, MIN_MATCH_RATIO, WORD_MATCH_RATIO};
use super::ranking::{BM25_B, BM25_K1, BONUS_WEIGHT, FIELD_BOOSTS, FIELD_NAMES, PRIMARY_BOOST};
use super::snippet::{CONTEXT_BEFORE, HEADING_WEIGHT, SNIPPET_CHARS};
use super::SearchDoc;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use tantivy::fieldnorm::FieldNormReader;

pub const FORMAT_VERSION: u32 = 2;
pub const MAX_SHARDS: usize = 16384;

/// Sizes that decide how the index is cut into files.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// A term whose postings list has at most this many integers is stored whole in its shard.
    pub inline_values: usize,
    /// Integers in a term's first block (a block ends before the entry that would overflow it).
    pub first_block: usize,
    /// Bytes per term directory shard the shard count aims at.
    pub shard_bytes: usize,
    /// Bytes per lookup shard the shard count aims at.
    pub key_shard_bytes: usize,
    /// Each block after the first may hold this share (in percent) of the previous one's integers.
    pub growth_percent: usize,
}

impl Default for Layout {
    fn default() -> Layout {
        Layout { inline_values: 512, first_block: 1536, shard_bytes: 1536, key_shard_bytes: 4096, growth_percent: 150 }
    }
}

/// FNV-1a, 32 bit, over UTF-8 bytes (`fnv1a` in search-core.js is the same function).
pub fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// Writes the index files through `files(path, bytes)` (paths relative to the output root) and
/// returns the site-relative URL of the index directory, `/search/<hash>/`.
pub fn write_static(docs: &[SearchDoc], analyzer: &Analyzer, files: &mut impl FnMut(String, Vec<u8>)) -> Result<String, String> {
    write_static_with(docs, analyzer, &Layout::default(), files)
}

/// `write_static` with explicit file sizes (tests use tiny blocks to exercise every path).
pub fn write_static_with(
    docs: &[SearchDoc],
    analyzer: &Analyzer,
    layout: &Layout,
    files: &mut impl FnMut(String, Vec<u8>),
) -> Result<String, String> {
    let p = prepare(docs, analyzer, false);
    let index = Inverted::new(&p);
    let mut out: BTreeMap<String, Vec<u8>> = BTreeMap::new();

    let scorer = Scorer::new(&index.totals, p.docs.len(), p.primary);
    let mut directory: Vec<(String, String)> = Vec::with_capacity(index.postings.len());
    let mut next_block = 0usize;
    for (term, fields) in &index.postings {
        let entries = entries_of(fields, &index.lengths);
        let df = fields.each_ref().map(Vec::len);
        let positional = !term.starts_with("u:");
        let total: usize = entries.iter().map(|e| e.values(positional)).sum();
        let postings = if total <= layout.inline_values {
            encode_list(&entries.iter().collect::<Vec<_>>(), positional)
        } else {
            let mut ranked: Vec<(f64, &Entry)> = entries.iter().map(|e| (scorer.impact(e, &df), e)).collect();
            ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.doc.cmp(&b.1.doc)));
            let mut refs = Vec::new();
            let mut at = 0;
            let mut budget = layout.first_block;
            while at < ranked.len() {
                let max = ranked[at].0;
                let mut block: Vec<&Entry> = Vec::new();
                let mut size = 0;
                while at < ranked.len() && (block.is_empty() || size + ranked[at].1.values(positional) <= budget) {
                    size += ranked[at].1.values(positional);
                    block.push(ranked[at].1);
                    at += 1;
                }
                block.sort_by_key(|e| e.doc);
                out.insert(format!("b/{next_block}.json"), encode_list(&block, positional).into_bytes());
                refs.push(format!("[{},{next_block}]", upper_bound(max)));
                next_block += 1;
                budget = budget.saturating_mul(layout.growth_percent) / 100;
            }
            format!("[{}]", refs.join(","))
        };
        let entry = format!("{}:[{},{},{},{postings}]", serde_json::to_string(term).unwrap_or_default(), df[0], df[1], df[2]);
        directory.push((term.clone(), entry));
    }
    let term_shards = write_shards("t", directory, layout.shard_bytes, &mut out);
    let key_shards = write_shards("k", lookup_entries(&p), layout.key_shard_bytes, &mut out);

    for (n, doc) in p.docs.iter().enumerate() {
        let sections: Vec<Value> = doc.sections.iter().map(|s| json!([s.anchor, s.heading, s.text])).collect();
        let row = json!([doc.id, doc.url, doc.title, doc.number, doc.breadcrumb, sections, doc.tags, index.lengths[n]]);
        out.insert(format!("d/{n}.json"), row.to_string().into_bytes());
    }

    let meta = json!({
        "version": FORMAT_VERSION,
        "count": p.docs.len(),
        "primary": p.primary,
        "primaryBoost": PRIMARY_BOOST,
        "shards": {"t": term_shards, "k": key_shards},
        "fields": FIELD_NAMES,
        "boosts": FIELD_BOOSTS,
        "bonus": BONUS_WEIGHT,
        "gap": POSITION_GAP,
        "k1": BM25_K1,
        "b": BM25_B,
        "totals": index.totals,
        "limits": {
            "chars": MAX_QUERY_CHARS,
            "terms": MAX_QUERY_TERMS,
            "minMatch": MIN_MATCH_RATIO,
            "wordMatch": WORD_MATCH_RATIO,
            "snippet": SNIPPET_CHARS,
            "context": CONTEXT_BEFORE,
            "headingWeight": HEADING_WEIGHT,
        },
        "corpora": p.corpora,
        "synonyms": analyzer.synonyms().groups(),
    });
    out.insert("meta.json".into(), meta.to_string().into_bytes());

    let hash = content_hash(&out);
    for (name, bytes) in out {
        files(format!("search/{hash}/{name}"), bytes);
    }
    Ok(format!("/search/{hash}/"))
}

/// One field's postings of a term: (page, sorted positions), by page.
type Postings = Vec<(u32, Vec<u32>)>;

/// The bigram-part terms of every page, inverted.
struct Inverted {
    /// Term → per field postings, sorted by term.
    postings: Vec<(String, [Postings; 3])>,
    /// Quantised field lengths per page.
    lengths: Vec<[u32; 3]>,
    /// Tokens per field over all pages (for the average field length).
    totals: [u64; 3],
}

impl Inverted {
    fn new(p: &Prepared) -> Inverted {
        let mut slots: HashMap<&str, usize> = HashMap::new();
        let mut postings: Vec<(&str, [Postings; 3])> = Vec::new();
        let mut totals = [0u64; 3];
        let mut lengths = Vec::with_capacity(p.docs.len());
        for (doc, fields) in p.terms.iter().enumerate() {
            let mut doc_lengths = [0u32; 3];
            for (f, terms) in fields.iter().enumerate() {
                let mut sorted: Vec<(&str, u32)> = terms.bigram.iter().map(|(t, pos)| (t.as_str(), *pos)).collect();
                sorted.sort_unstable();
                for group in sorted.chunk_by(|a, b| a.0 == b.0) {
                    let term = group[0].0;
                    let slot = *slots.entry(term).or_insert_with(|| {
                        postings.push((term, Default::default()));
                        postings.len() - 1
                    });
                    postings[slot].1[f].push((doc as u32, group.iter().map(|&(_, pos)| pos).collect()));
                }
                totals[f] += u64::from(terms.bigram_len());
                doc_lengths[f] = quantized(terms.bigram_len());
            }
            lengths.push(doc_lengths);
        }
        postings.sort_unstable_by(|a, b| a.0.cmp(b.0));
        Inverted { postings: postings.into_iter().map(|(t, f)| (t.to_string(), f)).collect(), lengths, totals }
    }
}

/// A term in one field of a page: its positions (tf = their count) and the field's length.
type FieldEntry<'a> = Option<(&'a [u32], u32)>;

/// A term on one page.
struct Entry<'a> {
    doc: u32,
    fields: [FieldEntry<'a>; 3],
}

impl Entry<'_> {
    /// Integers this entry takes in a flat list.
    fn values(&self, positional: bool) -> usize {
        2 + self.fields.iter().flatten().map(|(pos, _)| 2 + if positional { pos.len() } else { 0 }).sum::<usize>()
    }
}

fn entries_of<'a>(fields: &'a [Postings; 3], lengths: &[[u32; 3]]) -> Vec<Entry<'a>> {
    let mut by_doc: BTreeMap<u32, [FieldEntry<'a>; 3]> = BTreeMap::new();
    for (f, list) in fields.iter().enumerate() {
        for (doc, positions) in list {
            by_doc.entry(*doc).or_default()[f] = Some((positions.as_slice(), lengths[*doc as usize][f]));
        }
    }
    by_doc.into_iter().map(|(doc, fields)| Entry { doc, fields }).collect()
}

/// The browser's scoring (`bm25`, `idf` in search-core.js), for block impacts.
struct Scorer {
    average: [f64; 3],
    count: f64,
    primary: u32,
}

impl Scorer {
    fn new(totals: &[u64; 3], count: usize, primary: usize) -> Scorer {
        let n = count.max(1) as f64;
        Scorer { average: totals.map(|t| t as f64 / n), count: count as f64, primary: primary as u32 }
    }

    fn idf(&self, df: usize) -> f64 {
        let df = df as f64;
        (1.0 + (self.count - df + 0.5) / (df + 0.5)).ln()
    }

    /// The page's score for this term alone, boost included.
    fn impact(&self, e: &Entry, df: &[usize; 3]) -> f64 {
        let (k1, b) = (as_read(BM25_K1), as_read(BM25_B));
        let mut score = 0.0;
        for (f, field) in e.fields.iter().enumerate() {
            if let Some((positions, len)) = field {
                let tf = positions.len() as f64;
                let norm = if self.average[f] > 0.0 { f64::from(*len) / self.average[f] } else { 0.0 };
                let weight = self.idf(df[f]) * as_read(FIELD_BOOSTS[f]);
                score += weight * (1.0 + k1) * tf / (tf + k1 * (1.0 - b + b * norm));
            }
        }
        if e.doc < self.primary { score * as_read(PRIMARY_BOOST) } else { score }
    }
}

/// A constant as the browser reads it from meta.json: the shortest decimal of the f32, as f64
/// (1.2f32 is 1.2 there, not 1.2000000476837158), so impacts bound the browser's own scores.
fn as_read(x: f32) -> f64 {
    x.to_string().parse().unwrap_or(f64::from(x))
}

/// `x` rounded up to a short decimal, plus a margin for the browser's own floating point.
fn upper_bound(x: f64) -> String {
    let rounded = ((x * (1.0 + 1e-9) + 1e-6) * 1000.0).ceil() / 1000.0;
    format!("{rounded}")
}

fn encode_list(entries: &[&Entry], positional: bool) -> String {
    let mut values: Vec<u32> = Vec::new();
    let mut previous_doc = 0;
    for e in entries {
        values.push(e.doc - previous_doc);
        previous_doc = e.doc;
        let mask = e.fields.iter().enumerate().filter(|(_, f)| f.is_some()).fold(0, |m, (f, _)| m | (1 << f));
        values.push(mask);
        for (positions, len) in e.fields.iter().flatten() {
            values.push(positions.len() as u32);
            values.push(*len);
            if positional {
                let mut previous = 0;
                for &p in *positions {
                    values.push(p - previous);
                    previous = p;
                }
            }
        }
    }
    let mut s = String::with_capacity(values.len() * 3 + 2);
    s.push('[');
    for (i, v) in values.iter().enumerate() {
        if i > 0 {
            s.push(',');
        }
        let _ = write!(s, "{v}");
    }
    s.push(']');
    s
}

/// Lookup entries: clause keys (any corpus and corpus-qualified) with the pages under them, and
/// page ids. Pages are numbered in rank order already, so sorted numbers are rank order.
fn lookup_entries(p: &Prepared) -> Vec<(String, String)> {
    let mut exact: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (n, doc) in p.docs.iter().enumerate() {
        exact.entry(format!("i:{}", doc.id)).or_default().push(n);
        if let Some(key) = &p.keys[n] {
            exact.entry(format!("c:{key}")).or_default().push(n);
            if let Some(corpus) = &doc.corpus {
                exact.entry(format!("c:{corpus}:{key}")).or_default().push(n);
            }
        }
    }
    exact
        .iter()
        .map(|(key, docs)| {
            let value = if key.starts_with("c:") {
                // Pages whose key continues this one with `.` (3.2 → 3.2.1, 3.2.1.1), like the
                // engine's `<key>\.[0-9.]+` on its clause field: a contiguous range of the sorted keys.
                let prefix = format!("{key}.");
                let mut under: Vec<usize> =
                    exact.range(prefix.clone()..).take_while(|(k, _)| k.starts_with(&prefix)).flat_map(|(_, d)| d.iter().copied()).collect();
                under.sort_unstable();
                under.dedup();
                json!([docs, under])
            } else {
                json!([docs])
            };
            (key.clone(), format!("{}:{value}", serde_json::to_string(key).unwrap_or_default()))
        })
        .collect()
}

/// Groups `key:value` entries into `dir/<n>.json` objects by FNV-1a of the key; returns the
/// shard count (a power of two aiming at `target` bytes per shard).
fn write_shards(dir: &str, entries: Vec<(String, String)>, target: usize, out: &mut BTreeMap<String, Vec<u8>>) -> usize {
    let total: usize = entries.iter().map(|(_, e)| e.len() + 1).sum();
    let count = (total / target.max(1)).max(1).next_power_of_two().min(MAX_SHARDS);
    let mut shards = vec![String::from("{"); count];
    for (key, entry) in &entries {
        let shard = &mut shards[fnv1a(key) as usize % count];
        if shard.len() > 1 {
            shard.push(',');
        }
        shard.push_str(entry);
    }
    for (n, mut shard) in shards.into_iter().enumerate() {
        shard.push('}');
        out.insert(format!("{dir}/{n}.json"), shard.into_bytes());
    }
    count
}

/// tantivy stores field lengths in one byte; the browser scores with the same rounded values.
fn quantized(len: u32) -> u32 {
    FieldNormReader::id_to_fieldnorm(FieldNormReader::fieldnorm_to_id(len))
}

fn content_hash(files: &BTreeMap<String, Vec<u8>>) -> String {
    let mut h = Sha256::new();
    for (name, bytes) in files {
        h.update(name.as_bytes());
        h.update([0]);
        h.update((bytes.len() as u64).to_le_bytes());
        h.update(bytes);
    }
    hex::encode(&h.finalize()[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fnv_matches_reference_values() {
        // Reference values of FNV-1a 32 (also asserted in tests/js/tokenizer.test.mjs).
        assert_eq!(fnv1a(""), 0x811c9dc5);
        assert_eq!(fnv1a("a"), 0xe40c292c);
        assert_eq!(fnv1a("foobar"), 0xbf9cf968);
    }

    #[test]
    fn list_encoding() {
        let (title, body, body2) = ([0u32], [3u32, 10], [7u32]);
        let a = Entry { doc: 2, fields: [Some((&title[..], 4)), None, Some((&body[..], 50))] };
        let b = Entry { doc: 5, fields: [None, None, Some((&body2[..], 9))] };
        assert_eq!(encode_list(&[&a, &b], true), "[2,5,1,4,0,2,50,3,7,3,4,1,9,7]");
        assert_eq!(encode_list(&[&a, &b], false), "[2,5,1,4,2,50,3,4,1,9]");
        assert_eq!((a.values(true), a.values(false)), (9, 6));
    }

    #[test]
    fn bounds_round_up() {
        assert_eq!(upper_bound(1.0), "1.001");
        assert_eq!(upper_bound(2.3456), "2.346");
        assert!(upper_bound(0.0).parse::<f64>().unwrap() > 0.0);
    }
}
