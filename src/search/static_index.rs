//! The static index for the browser, written under `search/<content-hash>/` (never the tantivy
//! index). Only the bigram part of the analysis goes in, so the browser can tokenise queries the
//! same way without a dictionary. Files:
//!
//! - `meta.json`: format version, scoring constants (`ranking`), limits, corpora, synonyms (for
//!   highlighting), field token totals and the doc table: one row per page
//!   `[id, corpus index or -1, corpus rank, clause key or null, title len, headings len, body len,
//!   chunk]` (lengths quantised like tantivy's field norms, so BM25 agrees with the server).
//! - `t/<n>.json`: postings shard `n` = FNV-1a-32 of the term's UTF-8 bytes modulo the shard count.
//!   `{term: [title, headings, body]}`, each a flat integer list of `doc delta, tf` followed, for
//!   bigram-part terms, by `tf` positions (first absolute, then deltas); `u:` unigram terms have no
//!   positions. The browser fetches only the shards of its query terms.
//! - `c/<n>.json`: display data of consecutive pages, fetched for shown results only:
//!   `[[id, url, title, number, breadcrumb, [[anchor, heading, text], …]], …]`.

use super::analysis::Analyzer;
use super::doc::prepare;
use super::query::{MAX_QUERY_CHARS, MAX_QUERY_TERMS, MIN_MATCH_RATIO, WORD_MATCH_RATIO};
use super::ranking::{BM25_B, BM25_K1, BONUS_WEIGHT, FIELD_BOOSTS, FIELD_NAMES};
use super::snippet::{CONTEXT_BEFORE, HEADING_WEIGHT, SNIPPET_CHARS};
use super::SearchDoc;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use tantivy::fieldnorm::FieldNormReader;

pub const FORMAT_VERSION: u32 = 1;
/// Postings bytes per shard the shard count aims at; a query fetches one shard per term.
pub const SHARD_TARGET_BYTES: usize = 24 * 1024;
pub const MAX_SHARDS: usize = 4096;
/// Bytes of display data per chunk; a result list fetches one chunk per shown page at most.
pub const CHUNK_TARGET_BYTES: usize = 16 * 1024;

/// One field's postings of a term: (doc, sorted positions), by doc.
type Postings = Vec<(u32, Vec<u32>)>;

/// FNV-1a, 32 bit, over UTF-8 bytes (`shardOf` in search-core.js is the same function).
pub fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// Writes the index files through `files(path, bytes)` (paths relative to the output root) and
/// returns the site-relative URL of the index directory, `/search/<hash>/`.
pub fn write_static(docs: &[SearchDoc], analyzer: &Analyzer, files: &mut impl FnMut(String, Vec<u8>)) -> Result<String, String> {
    let p = prepare(docs, analyzer, false);

    // term → per field → (doc, positions); interned through a hash map, sorted once at the end.
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

    let entries: Vec<(u32, String)> = postings.iter().map(|(term, fields)| (fnv1a(term), encode_entry(term, fields))).collect();
    let total_bytes: usize = entries.iter().map(|(_, e)| e.len() + 1).sum();
    let shard_count = (total_bytes / SHARD_TARGET_BYTES).max(1).next_power_of_two().min(MAX_SHARDS);
    let mut shards = vec![String::from("{"); shard_count];
    for (hash, entry) in &entries {
        let shard = &mut shards[*hash as usize % shard_count];
        if shard.len() > 1 {
            shard.push(',');
        }
        shard.push_str(entry);
    }

    let mut out: BTreeMap<String, Vec<u8>> = BTreeMap::new();
    for (n, mut shard) in shards.into_iter().enumerate() {
        shard.push('}');
        out.insert(format!("t/{n}.json"), shard.into_bytes());
    }

    let mut chunk_of = Vec::with_capacity(p.docs.len());
    let mut chunks: Vec<Vec<Value>> = vec![Vec::new()];
    let mut chunk_bytes = 0;
    for doc in &p.docs {
        let row = json!([
            doc.id,
            doc.url,
            doc.title,
            doc.number,
            doc.breadcrumb,
            doc.sections.iter().map(|s| json!([s.anchor, s.heading, s.text])).collect::<Vec<_>>(),
        ]);
        let size = row.to_string().len();
        if chunk_bytes > 0 && chunk_bytes + size > CHUNK_TARGET_BYTES {
            chunks.push(Vec::new());
            chunk_bytes = 0;
        }
        chunk_bytes += size;
        chunk_of.push(chunks.len() - 1);
        if let Some(last) = chunks.last_mut() {
            last.push(row);
        }
    }
    for (n, chunk) in chunks.iter().enumerate() {
        out.insert(format!("c/{n}.json"), Value::Array(chunk.clone()).to_string().into_bytes());
    }

    let doc_rows: Vec<Value> = p
        .docs
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let corpus = d.corpus.as_ref().and_then(|c| p.corpora.iter().position(|x| x == c)).map_or(-1, |x| x as i64);
            let [t, h, b] = lengths[i];
            json!([d.id, corpus, d.corpus_rank, p.keys[i], t, h, b, chunk_of[i]])
        })
        .collect();
    let meta = json!({
        "version": FORMAT_VERSION,
        "shards": shard_count,
        "fields": FIELD_NAMES,
        "boosts": FIELD_BOOSTS,
        "bonus": BONUS_WEIGHT,
        "k1": BM25_K1,
        "b": BM25_B,
        "totals": totals,
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
        "docs": doc_rows,
    });
    out.insert("meta.json".into(), meta.to_string().into_bytes());

    let hash = content_hash(&out);
    for (name, bytes) in out {
        files(format!("search/{hash}/{name}"), bytes);
    }
    Ok(format!("/search/{hash}/"))
}

/// tantivy stores field lengths in one byte; the browser scores with the same rounded values.
fn quantized(len: u32) -> u32 {
    FieldNormReader::id_to_fieldnorm(FieldNormReader::fieldnorm_to_id(len))
}

fn encode_entry(term: &str, fields: &[Postings; 3]) -> String {
    let with_positions = !term.starts_with("u:");
    let mut s = serde_json::to_string(term).unwrap_or_default();
    s.push_str(":[");
    for (f, list) in fields.iter().enumerate() {
        if f > 0 {
            s.push(',');
        }
        s.push('[');
        let mut values: Vec<u32> = Vec::new();
        let mut previous_doc = 0;
        for (doc, positions) in list {
            values.push(doc - previous_doc);
            previous_doc = *doc;
            values.push(positions.len() as u32);
            if with_positions {
                let mut previous = 0;
                for &p in positions {
                    values.push(p - previous);
                    previous = p;
                }
            }
        }
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                s.push(',');
            }
            let _ = write!(s, "{v}");
        }
        s.push(']');
    }
    s.push(']');
    s
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
    fn entry_encoding() {
        let fields = [vec![(2, vec![0])], vec![], vec![(1, vec![3, 10]), (4, vec![7])]];
        assert_eq!(encode_entry("暗号", &fields), r#""暗号":[[2,1,0],[],[1,2,3,7,3,1,7]]"#);
        assert_eq!(encode_entry("u:鍵", &fields), r#""u:鍵":[[2,1],[],[1,2,3,1]]"#);
    }
}
