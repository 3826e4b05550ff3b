//! The static index for the browser, written under `search/<content-hash>/` (never the tantivy
//! index). Only the bigram part of the analysis goes in, so the browser can tokenise queries the
//! same way without a dictionary. It is laid out so that a first query downloads little however
//! large the site: a term costs one small shard, a page one small file, and the postings of a
//! frequent term arrive in blocks, best pages first, only as far as the ranking needs them.
//!
//! Every file but `meta.json` is stored as raw deflate, without a gzip or zlib wrapper
//! (`Z_SUFFIX`; a wrapper costs 18 or 6 bytes a request and checks nothing HTTP does not): the
//! bytes on disk are the bytes a browser fetches, and search-core.js inflates them
//! (`decodeIndexFile`). The index is built as a stream: pages are analysed a chunk at a time on
//! every core and folded into compact varint postings (`postings.rs`), so memory holds two
//! chunks' tokens, not the whole site's.
//!
//! - `meta.json`: format version, page count, scoring constants (`ranking`), limits, corpora,
//!   synonyms (for highlighting), field token totals, shard counts, `record` (the length of the
//!   page record slot at the start of each page's file, 0 for none), and `primary`: pages are
//!   numbered primary corpus first, then corpus rank, then reading order (`doc::prepare`), and
//!   pages `0..primary` get `ranking::PRIMARY_BOOST`.
//! - `t/<n>.bin`: term directory shard `n` = FNV-1a-32 of the term's UTF-8 bytes modulo the
//!   shard count, in `meta.json` `shards.parts` parts by the hash's next digit, each a member
//!   read by a range after the file's header of part lengths (`write_term_shards`): a part is
//!   `{term: [df title, df headings, df body, postings]}`. `postings` is either the
//!   term's whole postings list (a flat integer list, below) or, for a term whose list is longer
//!   than `Layout::inline_values`, its blocks: `[[max, blob, offset, length, id?], [max, length], …]`
//!   (each block a member of a blob file, below; a term's members lie back to back, so a
//!   later block is placed by the lengths before it), and after them the length of the term's
//!   fine map, the member after its last block, when it has one; `id`, for a term with an
//!   impact map among the `Layout::record_terms` on the most pages, is its number in the pages'
//!   records. Blocks hold the
//!   term's pages in decreasing *impact* (the page's BM25 contribution for this term alone, boost
//!   included); `max` is an upper bound of the impact of every page in that block and the later
//!   ones, so the browser can stop fetching once later pages cannot change the top results.
//! - `b/<n>.bin`: blobs (`Blobs`): compressed members back to back, each fetched by an HTTP range
//!   request. A block is a flat integer list; a term's first block is `[list, map]`
//!   with the term's *impact map* `[[bound of level 1, …, level 31 (12 above 2,000 pages)],
//!   "levels"]`: one character per page (`0`–`9`, `a`–`v`: level 0–31; 0 = the page lacks the
//!   term or is in this first block, whose list gives its postings). A page's impact lies at most
//!   at its level's bound, so the browser bounds *every*
//!   page's score for a query from the first blocks (a map is 1–2 KB at 5,000 pages) instead of
//!   walking the postings of frequent terms to the end: it reads the few pages whose bound still
//!   reaches the top results (their files are what the result list shows anyway). Levels from 2
//!   up are logarithmic below the term's largest impact (`MAP_RATIO` per level), where the top
//!   results are decided; level 1 holds every lower impact (`levels_for`: fewer levels on a large
//!   site). A term whose list fits its first block has no map (the block is the whole list).
//!   A term with `Layout::fine_map_pages` or more pages in level 1 also has a *fine map*,
//!   a member `[[bound of fine level 1, …], "levels"]` with one character per page of
//!   level 1, in page order (`fine_map`): the browser fetches it only when it could decide every
//!   page about to be read, pages that sit in that level (a rare word beside frequent ones, whose
//!   pages are far below the frequent words' best), instead of reading them.
//!   Later blocks grow fast (`growth_percent`): they are only the fallback that settles many tied
//!   pages' term scores at once. (One later block holding the whole rest saved files at 5,000
//!   pages but made a tie at 20,000 fetch 200 KB.)
//! - No list holds positions, by default (`Layout::inline_positions`): a page's term scores are
//!   settled from `tf` and field lengths, a phrase or an adjacency on the page by reading the
//!   page, which the browser does for the pages that can rank anyway. Positions were a third of
//!   a first block's bytes and saved no page reads (bench/README.md, fourth and fifth passes).
//! - A flat list holds pages in increasing number: `page delta, field mask` (1 title, 2 headings,
//!   4 body), then per field in the mask `tf, field length` (quantised like tantivy's field norms,
//!   so BM25 agrees with the server) and, with `meta.json` `positions` true and in a list stored
//!   whole in its shard (except for `u:` unigram terms), the `tf` positions (first absolute, then
//!   deltas).
//! - `k/<n>.json.deflate`: lookup shards for clause numbers and page ids, by FNV-1a of the key:
//!   `{"c:3.2": [pages, pages under it], "c:mic:3.2": […], "i:mic-3.2": [pages]}` — pages in rank
//!   order. The browser fetches only the shards of the words a query may use this way.
//! - `d/<n>.json.deflate`: page `n`: its record slot (`meta.json` `record` bytes, none when 0:
//!   `page_records.rs`, the page's tf of the most frequent mapped terms, fetched by a range to
//!   settle a near-tie), then the page's member from that offset on: `[id, url, title, number,
//!   breadcrumb, [[anchor, heading, text], …], tags, [field lengths]]` — what the result list
//!   shows, and all the page's text: the browser derives the page's postings of any term from it
//!   (`pageTerms` in search-core.js repeats the bigram part of `Analyzer::field_terms`), which
//!   settles a candidate's score without fetching the long postings lists it sits deep in.

use super::analysis::{Analyzer, POSITION_GAP};
use super::doc::{Arranged, analyse, arrange};
use super::page_records::{RECORD_TERMS, Records, record_ids};
use super::postings::{Decoded, Entry, Inverted, PageTerms, TermPostings};
use super::query::{MAX_QUERY_CHARS, MAX_QUERY_TERMS, MIN_MATCH_RATIO, WORD_MATCH_RATIO};
use super::ranking::{BM25_B, BM25_K1, BONUS_WEIGHT, FIELD_BOOSTS, FIELD_NAMES, PRIMARY_BOOST};
use super::snippet::{CONTEXT_BEFORE, HEADING_WEIGHT, SNIPPET_CHARS};
use super::SearchDoc;
use rayon::prelude::*;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;

pub const FORMAT_VERSION: u32 = 10;
pub const MAX_SHARDS: usize = 16384;
/// Every index file but `meta.json` is stored raw-deflate-compressed under this suffix;
/// search-core.js inflates it (a server that adds `Content-Encoding: deflate` for it is fine
/// too: the browser has inflated it already, and JSON is read as it is).
pub const Z_SUFFIX: &str = ".json.deflate";
/// Blob files (`Blobs`): compressed members back to back, fetched by ranges, so not one
/// `.json.deflate`.
pub const BLOB_SUFFIX: &str = ".bin";
/// Pages analysed at a time: the index never holds more than two chunks' tokens as strings (one
/// being analysed, one being folded).
const CHUNK: usize = 128;
/// Postings integers of the terms encoded at a time (`build_files`).
const TERM_SLICE_VALUES: usize = 1 << 20;
/// Levels of an impact map (0 = absent, 1 = everything below the fine levels) at most, and the
/// ratio between the upper edges of adjacent fine levels.
const MAP_LEVELS: usize = 32;
const MAP_RATIO: f64 = 0.85;
/// One character per level in a map's string (`LEVEL_OF` in the browser).
const MAP_DIGITS: &[u8; MAP_LEVELS] = b"0123456789abcdefghijklmnopqrstuv";
/// Above this many pages a map has `FEW_LEVELS` levels. A map costs a character per page: on a
/// small site all 31 levels are cheap and spare page reads (1,000 pages: a three-word query 43
/// instead of 62 KB); on a large one only the top of a term's impacts decides a first query,
/// and finer levels further down cost more map bytes than the reads they spare (5,000 pages:
/// the frequent queries' maximum 59.0 → 50.2 KB). bench/README.md, format 4.
const MANY_PAGES: usize = 2_000;
const FEW_LEVELS: usize = 13;
/// Levels of a fine map and the ratio between their upper edges: six coarse levels spared as
/// many page reads as 31 fine ones (bench/README.md, sixth pass), in smaller files.
const FINE_LEVELS: usize = 6;
const FINE_RATIO: f64 = 0.7;

/// Sizes that decide how the index is cut into files.
#[derive(Debug, Clone, Copy)]
pub struct Layout {
    /// A term whose postings list has at most this many integers is stored whole in its shard.
    pub inline_values: usize,
    /// Whether a list stored whole keeps its positions (`meta.json` `positions`). The browser
    /// never needs them (it reads the pages that can rank, and a page's file has them): off by
    /// default; tests turn it on to check the browser's derived positions against the build's.
    pub inline_positions: bool,
    /// Integers in a term's first block (a block ends before the entry that would overflow it).
    pub first_block: usize,
    /// Bytes (uncompressed) per term directory shard the shard count aims at.
    pub shard_bytes: usize,
    /// Parts of a term directory shard, each its own compressed member of the shard's file
    /// (`write_term_shards`): a query word reads one part, not the whole shard.
    pub shard_parts: usize,
    /// Bytes (uncompressed) per lookup shard the shard count aims at.
    pub key_shard_bytes: usize,
    /// Each block after the first may hold this share (in percent) of the previous one's integers.
    pub growth_percent: usize,
    /// Bytes (compressed) of blocks concatenated into one blob file (`Blobs`).
    pub blob_bytes: usize,
    /// A term with at least this many pages in its map's level 1 gets a fine map of them, a blob
    /// member of its own that the browser fetches only when pages that can still rank sit in that
    /// level (a rare word beside frequent ones). Fewer such pages are cheaper to read than a map.
    pub fine_map_pages: usize,
    /// Terms with an impact map (the most frequent first) whose tf the pages' records give
    /// (`page_records.rs`); 0: no records.
    pub record_terms: usize,
}

impl Default for Layout {
    fn default() -> Layout {
        // The layout of a site above `MANY_PAGES` (`for_pages`; tests use it at any size).
        // Chosen on the bench corpora (bench/README.md, fifth to seventh passes): few files at
        // 5,000 pages with every frequent first query within 50 KB, and no dearer first query at
        // 20,000. A list longer than 128 integers is a blob member: it costs no file, and shards
        // without long lists are fewer (768 inline: 9,937 files and 48.9 MB on a 4 KB-block disk
        // at 5,000 pages; 128: 7,464 files and 40.5 MB, for the same bytes per query).
        Layout {
            inline_values: 128,
            inline_positions: false,
            first_block: 1536,
            shard_bytes: 1536,
            // 16 parts: a term's lookup costs 0.1 KB instead of 0.6 (a part and the header's 32
            // bytes), for the same files (bench/README.md, eleventh pass).
            shard_parts: 16,
            key_shard_bytes: 4096,
            growth_percent: 400,
            // A blob is fetched by ranges, never whole: its size only sets the file count, and
            // what a server without range support would send whole (search.js then slices it).
            blob_bytes: 1 << 20,
            // 256: 7 % more files than without fine maps at 5,000 pages (64: 9 %, for the same
            // bytes per query; bench/README.md, sixth pass).
            fine_map_pages: 256,
            // Records of more terms are longer, and so is every record fetched (bench/README.md,
            // ninth pass: 512 against 1,024 and all).
            record_terms: RECORD_TERMS,
        }
    }
}

impl Layout {
    /// The layout for a site of `pages` pages: `Layout::default()` above `MANY_PAGES`, and below
    /// it lists of up to 768 integers stored whole in shards of 1,792 bytes. A small site has few
    /// files whatever the layout, so a term there costs one request instead of a shard and a
    /// blob range: at 1,000 pages every first query of both bench sets then stays within 50 KB
    /// (the longest mixed query 51.2 → 49.8 KB, the frequent maximum 43.4 → 42.6), for 3,268
    /// instead of 2,362 index files (bench/README.md, eighth pass). At 5,000 pages the same
    /// layout takes 9,937 files and 48.9 MB of disk against 7,464 and 40.5 MB, for the same bytes
    /// per query.
    pub fn for_pages(pages: usize) -> Layout {
        if pages > MANY_PAGES { Layout::default() } else { Layout { inline_values: 768, shard_bytes: 1792, ..Layout::default() } }
    }
}

/// FNV-1a, 32 bit, over UTF-8 bytes (`fnv1a` in search-core.js is the same function).
pub fn fnv1a(text: &str) -> u32 {
    text.bytes().fold(0x811c_9dc5u32, |h, b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// Writes the index files through `files(path, bytes)` (paths relative to the output root) into
/// a folder named by a hash of the files, and returns its site-relative URL, `/search/<hash>/`.
pub fn write_static(docs: &[SearchDoc], analyzer: &Analyzer, files: &mut impl FnMut(String, Vec<u8>)) -> Result<String, String> {
    write_static_with(docs, analyzer, &Layout::for_pages(docs.len()), files)
}

/// `write_static` with explicit file sizes (tests use tiny blocks to exercise every path; the
/// bench compares layouts).
pub fn write_static_with(
    docs: &[SearchDoc],
    analyzer: &Analyzer,
    layout: &Layout,
    files: &mut impl FnMut(String, Vec<u8>),
) -> Result<String, String> {
    let out = build_files(docs, analyzer, layout, &|| true).unwrap_or_default();
    let hash = content_hash(&out);
    for (name, bytes) in out {
        files(format!("search/{hash}/{name}"), bytes);
    }
    Ok(format!("/search/{hash}/"))
}

/// Writes the index files into `dir` (`/search/<name>/`, named by the caller from the index's
/// inputs), without hashing what is written. Between chunks of work it asks `keep_going`; once
/// that says no (serve: a newer build replaced this one) it stops and writes nothing: false.
pub fn write_static_into(docs: &[SearchDoc], analyzer: &Analyzer, dir: &str, files: &mut impl FnMut(String, Vec<u8>), keep_going: &(dyn Fn() -> bool + Sync)) -> bool {
    let dir = dir.trim_matches('/');
    let Some(built) = build_files(docs, analyzer, &Layout::for_pages(docs.len()), keep_going) else {
        return false;
    };
    for (name, bytes) in built {
        files(format!("{dir}/{name}"), bytes);
    }
    true
}

/// Every file of the index, by its path inside the index folder; None when `keep_going` said no.
fn build_files(docs: &[SearchDoc], analyzer: &Analyzer, layout: &Layout, keep_going: &(dyn Fn() -> bool + Sync)) -> Option<Vec<(String, Vec<u8>)>> {
    let arranged = arrange(docs);
    let mut out: Vec<(String, Vec<u8>)> = Vec::new();
    let mut inverted = Inverted::default();
    // Analysed a chunk at a time on every core; each chunk's page files are kept and its tokens
    // folded into the compact postings while the next chunk is analysed (the fold is serial: it
    // runs beside the analysis instead of leaving a core idle), so memory holds two chunks'
    // tokens at most.
    let analyse_chunk = |chunk: &[usize]| -> Vec<(Vec<u8>, PageTerms)> {
        chunk
            .par_iter()
            .map(|&d| {
                let (doc, fields) = analyse(&docs[d], analyzer, false);
                let terms = PageTerms::new(fields, layout.inline_positions);
                let sections: Vec<(&Option<String>, &str, &str)> = doc.sections.iter().map(|s| (&s.anchor, s.heading.as_str(), s.text.as_str())).collect();
                let row = (&doc.id, &doc.url, &doc.title, &doc.number, &doc.breadcrumb, sections, &doc.tags, terms.lengths);
                (deflate(&serde_json::to_vec(&row).unwrap_or_default()), terms)
            })
            .collect()
    };
    // Each page's member and field lengths, by page number: its file is written once its
    // record (page_records.rs) is known.
    let mut pages: Vec<(Vec<u8>, [u32; 3])> = Vec::with_capacity(docs.len());
    let fold = |first: usize, analysed: Vec<(Vec<u8>, PageTerms)>, inverted: &mut Inverted, pages: &mut Vec<(Vec<u8>, [u32; 3])>| {
        for (i, (page_file, terms)) in analysed.into_iter().enumerate() {
            let n = first + i;
            pages.push((page_file, terms.lengths));
            inverted.add(n as u32, terms);
        }
    };
    let mut folding: Option<(usize, Vec<(Vec<u8>, PageTerms)>)> = None;
    for (c, chunk) in arranged.order.chunks(CHUNK).enumerate() {
        if !keep_going() {
            return None;
        }
        let analysed = match folding.take() {
            Some((first, previous)) => rayon::join(|| fold(first, previous, &mut inverted, &mut pages), || analyse_chunk(chunk)).1,
            None => analyse_chunk(chunk),
        };
        folding = Some((c * CHUNK, analysed));
    }
    if let Some((first, last)) = folding {
        fold(first, last, &mut inverted, &mut pages);
    }
    let count = arranged.order.len();
    let scorer = Scorer::new(&inverted.totals, count, arranged.primary);
    if !keep_going() {
        return None;
    }
    let terms = inverted.sorted();
    let ids = record_ids(&terms, layout);
    // The terms given an id that turn out to have an impact map (their id is written), by id.
    let mut recorded: Vec<Option<usize>> = vec![None; ids.len()];
    let mut directory: Vec<(String, String)> = Vec::with_capacity(terms.len());
    let mut blobs = Blobs::new(layout.blob_bytes);
    // Terms are encoded a slice at a time (on every core), so memory holds a slice's encoded
    // blocks besides the blob being filled, not the whole index's.
    let mut start = 0;
    while start < terms.len() {
        let mut end = start;
        let mut values = 0;
        while end < terms.len() && (end == start || values < TERM_SLICE_VALUES) {
            values += terms[end].1.values;
            end += 1;
        }
        let encoded: Vec<EncodedTerm> =
            terms[start..end].par_iter().map(|(term, postings)| encode_term(term, postings, &scorer, layout)).collect();
        for (i, ((term, _), e)) in terms[start..end].iter().zip(encoded).enumerate() {
            let mut fine_member = String::new();
            let postings = match e.postings {
                Postings::Inline(list) => list,
                Postings::Blocks { first, fine, later } => {
                    // A term with an impact map and a record id: the id after its first block's place.
                    let id = match ids.get(term) {
                        Some(&id) if !later.is_empty() => {
                            recorded[id as usize] = Some(start + i);
                            format!(",{id}")
                        }
                        _ => String::new(),
                    };
                    let (maxes, members): (Vec<String>, Vec<Vec<u8>>) = std::iter::once(first).chain(later).unzip();
                    let lengths: Vec<usize> = members.iter().map(Vec::len).collect();
                    if let Some(f) = &fine {
                        fine_member = format!(",{}", f.len());
                    }
                    // The term's members lie back to back: the first block's place and every
                    // length place them all.
                    let (blob, offset) = blobs.add_term(members.into_iter().chain(fine).collect(), &mut out);
                    let refs: Vec<String> = maxes
                        .iter()
                        .zip(&lengths)
                        .enumerate()
                        .map(|(i, (max, len))| if i == 0 { format!("[{max},{blob},{offset},{len}{id}]") } else { format!("[{max},{len}]") })
                        .collect();
                    format!("[{}]", refs.join(","))
                }
            };
            let df = e.df;
            directory.push((term.to_string(), format!("{}:[{},{},{},{postings}{fine_member}]", serde_json::to_string(term).unwrap_or_default(), df[0], df[1], df[2])));
        }
        start = end;
    }
    blobs.close(&mut out);
    // The records, a term at a time in id order (page_records.rs).
    let mut records = Records::new(count);
    for (id, at) in recorded.into_iter().enumerate() {
        if let Some(at) = at {
            let (term, postings) = terms[at];
            records.add(id as u32, &Decoded::new(term, postings, layout.inline_positions).entries);
        }
    }
    let lengths: Vec<[u32; 3]> = pages.iter().map(|(_, l)| *l).collect();
    let (record_slot, slots) = records.into_slots(&lengths);
    for (n, ((member, _), mut file)) in pages.into_iter().zip(slots).enumerate() {
        file.extend_from_slice(&member);
        out.push((format!("d/{n}{Z_SUFFIX}"), file));
    }
    let (term_shards, term_parts) = write_term_shards(directory, layout.shard_bytes, layout.shard_parts, &mut out);
    let key_shards = write_shards("k", lookup_entries(docs, &arranged), layout.key_shard_bytes, &mut out);

    let meta = json!({
        "version": FORMAT_VERSION,
        "count": count,
        "primary": arranged.primary,
        "primaryBoost": PRIMARY_BOOST,
        "shards": {"t": term_shards, "parts": term_parts, "k": key_shards},
        "suffix": Z_SUFFIX,
        "fields": FIELD_NAMES,
        "boosts": FIELD_BOOSTS,
        "bonus": BONUS_WEIGHT,
        "gap": POSITION_GAP,
        "positions": layout.inline_positions,
        "record": record_slot,
        "k1": BM25_K1,
        "b": BM25_B,
        "totals": inverted.totals,
        "limits": {
            "chars": MAX_QUERY_CHARS,
            "terms": MAX_QUERY_TERMS,
            "minMatch": MIN_MATCH_RATIO,
            "wordMatch": WORD_MATCH_RATIO,
            "snippet": SNIPPET_CHARS,
            "context": CONTEXT_BEFORE,
            "headingWeight": HEADING_WEIGHT,
        },
        "corpora": arranged.corpora,
        "synonyms": analyzer.synonyms().groups(),
    });
    out.push(("meta.json".into(), meta.to_string().into_bytes()));
    out.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Some(out)
}

/// The level a CDN compresses with: the bytes a browser fetches do not grow.
const DEFLATE_LEVEL: i32 = 6;

/// Raw deflate at `DEFLATE_LEVEL` with libdeflate (whole buffers, one compressor per thread)
/// instead of a zlib stream: at the same level its files are 1 % smaller, for a little less CPU
/// (bench/README.md, *third pass*). No gzip wrapper: its 18 bytes were 0.5–0.9 KB of a first
/// query's 30–48 requests (bench/README.md, eighth pass).
pub(super) fn deflate(bytes: &[u8]) -> Vec<u8> {
    thread_local! {
        // The compressor and a scratch buffer of libdeflate's bound (a little more than the
        // input), reused: the file itself is allocated at its compressed size (the index is held
        // in memory until it is written, and raw sizes are three times larger).
        static DEFLATE: std::cell::RefCell<(libdeflater::Compressor, Vec<u8>)> =
            std::cell::RefCell::new((libdeflater::Compressor::new(libdeflater::CompressionLvl::new(DEFLATE_LEVEL).unwrap_or_default()), Vec::new()));
    }
    DEFLATE.with_borrow_mut(|(compressor, scratch)| {
        scratch.resize(compressor.deflate_compress_bound(bytes.len()), 0);
        // Cannot fail: the buffer has the bound libdeflate asks for.
        let n = compressor.deflate_compress(bytes, scratch).unwrap_or(0);
        scratch[..n].to_vec()
    })
}

enum Postings {
    /// The whole flat list, as JSON.
    Inline(String),
    /// The first block's bound of its impact and later ones (as written) and its compressed member
    /// (with the term's impact map when there are later blocks); each later block's bound and
    /// compressed member; the fine map's compressed member, when the term has one.
    Blocks { first: (String, Vec<u8>), fine: Option<Vec<u8>>, later: Vec<(String, Vec<u8>)> },
}

/// The blobs `b/<n>.bin`: every term's first block, later blocks and fine map, each a compressed
/// member of its own, concatenated in term order into files of about `Layout::blob_bytes`. The
/// directory names a member by `blob, offset, length` and the browser fetches just those bytes
/// with an HTTP range request. A file per block (and later blocks packed several to a file) made
/// two fifths of the index's files, 4 KB disk blocks each however small (bench/README.md,
/// seventh pass); a range also fetches one later block instead of its whole pack.
struct Blobs {
    limit: usize,
    next: usize,
    open: Vec<u8>,
}

impl Blobs {
    fn new(limit: usize) -> Blobs {
        Blobs { limit, next: 0, open: Vec::new() }
    }

    /// Appends a term's members back to back; returns the blob and offset of the first. The
    /// open blob is closed first when they would take it past the limit (members larger than
    /// the limit get a blob of their own).
    fn add_term(&mut self, members: Vec<Vec<u8>>, out: &mut Vec<(String, Vec<u8>)>) -> (usize, usize) {
        let bytes: usize = members.iter().map(Vec::len).sum();
        if !self.open.is_empty() && self.open.len() + bytes > self.limit {
            self.close(out);
        }
        let at = (self.next, self.open.len());
        for member in &members {
            self.open.extend_from_slice(member);
        }
        at
    }

    fn close(&mut self, out: &mut Vec<(String, Vec<u8>)>) {
        if !self.open.is_empty() {
            out.push((format!("b/{}{BLOB_SUFFIX}", self.next), std::mem::take(&mut self.open)));
            self.next += 1;
        }
    }
}

struct EncodedTerm {
    df: [u32; 3],
    postings: Postings,
}

/// A term's directory entry and blocks: whole when short, else in blocks of decreasing impact
/// and with an impact map.
fn encode_term(term: &str, t: &TermPostings, scorer: &Scorer, layout: &Layout) -> EncodedTerm {
    let d = Decoded::new(term, t, layout.inline_positions);
    if t.values <= layout.inline_values {
        return EncodedTerm { df: t.df, postings: Postings::Inline(d.encode_with(&d.entries.iter().collect::<Vec<_>>(), layout.inline_positions)) };
    }
    let df = t.df.map(|x| x as usize);
    let mut ranked: Vec<(f64, &Entry)> = d.entries.iter().map(|e| (scorer.impact(e, &df), e)).collect();
    ranked.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.doc.cmp(&b.1.doc)));
    let mut first = None;
    let mut fine = None;
    let mut later = Vec::new();
    let mut at = 0;
    let mut budget = layout.first_block;
    while at < ranked.len() {
        let max = ranked[at].0;
        let mut block: Vec<&Entry> = Vec::new();
        let mut size = 0;
        while at < ranked.len() && (block.is_empty() || size + ranked[at].1.values <= budget) {
            size += ranked[at].1.values;
            block.push(ranked[at].1);
            at += 1;
        }
        block.sort_by_key(|e| e.doc);
        let list = d.encode_with(&block, false);
        if first.is_none() {
            // The first block carries the impact map (see above), unless it is the whole list.
            let json = if at == ranked.len() {
                list
            } else {
                let (map, fine_map) = impact_map(&ranked, at, scorer.count as usize, layout.fine_map_pages);
                fine = fine_map.map(|m| deflate(m.as_bytes()));
                format!("[{list},{map}]")
            };
            first = Some((upper_bound(max), deflate(json.as_bytes())));
        } else {
            later.push((upper_bound(max), deflate(list.as_bytes())));
        }
        budget = budget.saturating_mul(layout.growth_percent) / 100;
    }
    match first {
        Some(first) => EncodedTerm { df: t.df, postings: Postings::Blocks { first, fine, later } },
        None => EncodedTerm { df: t.df, postings: Postings::Inline("[]".into()) },
    }
}

/// A term's impact map (see the module comment) from its pages in decreasing impact, of which
/// the first `first_block` are in its first block, and its fine map when it has one. The first
/// block's pages are level 0 like the pages without the term: the browser has their postings
/// from the block itself, and leaving them out saves the bytes of saying where they are.
fn impact_map(ranked: &[(f64, &Entry)], first_block: usize, count: usize, fine_map_pages: usize) -> (String, Option<String>) {
    let top = ranked.first().map_or(0.0, |r| r.0);
    let levels_here = levels_for(count);
    let mut levels = vec![b'0'; count];
    let mut most = [0.0f64; MAP_LEVELS];
    let mut lowest: Vec<(f64, u32)> = Vec::new();
    for &(impact, e) in &ranked[first_block..] {
        let level = map_level(impact, top, levels_here);
        most[level] = most[level].max(impact);
        if let Some(c) = levels.get_mut(e.doc as usize) {
            *c = MAP_DIGITS[level];
            if level == 1 {
                lowest.push((impact, e.doc));
            }
        }
    }
    let map = format!("[{},\"{}\"]", level_bounds(&most[..levels_here]), String::from_utf8(levels).unwrap_or_default());
    (map, (lowest.len() >= fine_map_pages).then(|| fine_map(&lowest)))
}

/// The fine map of a term's pages in its map's level 1 (`(impact, page)` in decreasing impact):
/// `[[bound of fine level 1, …], levels]` with one level character per such page in page order.
/// Each `FINE_RATIO` step below the largest of them that holds a page gets the next level down
/// (steps that hold none get no level, so the levels reach far down), level 1 all below.
fn fine_map(lowest: &[(f64, u32)]) -> String {
    let top = lowest.first().map_or(0.0, |r| r.0);
    let mut most = [0.0f64; MAP_LEVELS];
    let mut by_page: Vec<(u32, u8)> = Vec::with_capacity(lowest.len());
    let mut level = FINE_LEVELS;
    let mut step = None;
    for &(impact, doc) in lowest {
        let here = ratio_steps(impact, top, FINE_RATIO);
        if step.is_some_and(|s| s != here) && level > 1 {
            level -= 1;
        }
        step = Some(here);
        most[level] = most[level].max(impact);
        by_page.push((doc, MAP_DIGITS[level]));
    }
    by_page.sort_unstable_by_key(|&(doc, _)| doc);
    let levels: Vec<u8> = by_page.into_iter().map(|(_, c)| c).collect();
    format!("[{},\"{}\"]", level_bounds(&most[..=FINE_LEVELS]), String::from_utf8(levels).unwrap_or_default())
}

/// `[bound of level 1, …]` from each level's largest impact (0 for an empty level).
fn level_bounds(most: &[f64]) -> String {
    let bounds: Vec<String> = most[1..].iter().map(|&m| if m > 0.0 { upper_bound(m) } else { "0".into() }).collect();
    format!("[{}]", bounds.join(","))
}

/// How many levels (absent included) a map of a site of `count` pages has.
fn levels_for(count: usize) -> usize {
    if count > MANY_PAGES { FEW_LEVELS } else { MAP_LEVELS }
}

/// How many whole `ratio` steps `impact` lies below `top` (u64::MAX for no impact).
fn ratio_steps(impact: f64, top: f64, ratio: f64) -> u64 {
    if impact > 0.0 && top > 0.0 { ((top / impact).ln() / (1.0 / ratio).ln()).floor().max(0.0) as u64 } else { u64::MAX }
}

/// The level (1 to `levels - 1`) of an impact below the term's largest impact `top`: the
/// top level holds impacts within one `MAP_RATIO` step of it, each level below one step less,
/// and level 1 every impact further down.
fn map_level(impact: f64, top: f64, levels: usize) -> usize {
    let steps = ratio_steps(impact, top, MAP_RATIO);
    let highest = levels - 1;
    if steps >= (highest - 1) as u64 { 1 } else { highest - steps as usize }
}

/// The browser's scoring (`bm25`, `idf` in search-core.js), for block impacts.
struct Scorer {
    average: [f64; 3],
    count: f64,
    primary: u32,
    /// The constants as the browser reads them (`as_read`), converted once: an impact is
    /// computed for every posting.
    k1: f64,
    b: f64,
    boosts: [f64; 3],
    primary_boost: f64,
}

impl Scorer {
    fn new(totals: &[u64; 3], count: usize, primary: usize) -> Scorer {
        let n = count.max(1) as f64;
        Scorer {
            average: totals.map(|t| t as f64 / n),
            count: count as f64,
            primary: primary as u32,
            k1: as_read(BM25_K1),
            b: as_read(BM25_B),
            boosts: FIELD_BOOSTS.map(as_read),
            primary_boost: as_read(PRIMARY_BOOST),
        }
    }

    fn idf(&self, df: usize) -> f64 {
        let df = df as f64;
        (1.0 + (self.count - df + 0.5) / (df + 0.5)).ln()
    }

    /// The page's score for this term alone, boost included.
    fn impact(&self, e: &Entry, df: &[usize; 3]) -> f64 {
        let (k1, b) = (self.k1, self.b);
        let mut score = 0.0;
        for (f, field) in e.fields.iter().enumerate() {
            if let Some((tf, len, _)) = field {
                let tf = f64::from(*tf);
                let norm = if self.average[f] > 0.0 { f64::from(*len) / self.average[f] } else { 0.0 };
                let weight = self.idf(df[f]) * self.boosts[f];
                score += weight * (1.0 + k1) * tf / (tf + k1 * (1.0 - b + b * norm));
            }
        }
        if e.doc < self.primary { score * self.primary_boost } else { score }
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

/// Lookup entries: clause keys (any corpus and corpus-qualified) with the pages under them, and
/// page ids. Pages are numbered in rank order already, so sorted numbers are rank order.
fn lookup_entries(docs: &[SearchDoc], arranged: &Arranged) -> Vec<(String, String)> {
    let mut exact: BTreeMap<String, Vec<usize>> = BTreeMap::new();
    for (n, doc) in arranged.order.iter().map(|&d| &docs[d]).enumerate() {
        exact.entry(format!("i:{}", doc.id)).or_default().push(n);
        if let Some(key) = &arranged.keys[n] {
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

/// How many shards `entries` (`key:value` strings) take at `target` uncompressed bytes a shard on
/// average: any count, not a power of two, so that the files stay near the target whatever the
/// index's size.
fn shard_count(entries: &[(String, String)], target: usize) -> usize {
    let total: usize = entries.iter().map(|(_, e)| e.len() + 1).sum();
    total.div_ceil(target.max(1)).clamp(1, MAX_SHARDS)
}

/// Groups `key:value` entries into JSON objects: shard `hash % count`, part `(hash / count) %
/// parts` of it, by FNV-1a of the key (search-core.js finds a key the same way). An empty
/// object is `"{}"`.
fn group_entries(entries: &[(String, String)], count: usize, parts: usize) -> Vec<Vec<String>> {
    let mut shards = vec![vec![String::from("{"); parts]; count];
    for (key, entry) in entries {
        let h = fnv1a(key) as usize;
        let part = &mut shards[h % count][(h / count) % parts];
        if part.len() > 1 {
            part.push(',');
        }
        part.push_str(entry);
    }
    shards.iter_mut().flatten().for_each(|p| p.push('}'));
    shards
}

/// The lookup shards `dir/<n>.json.deflate`, one object each (`group_entries`); returns the
/// shard count.
fn write_shards(dir: &str, entries: Vec<(String, String)>, target: usize, out: &mut Vec<(String, Vec<u8>)>) -> usize {
    let count = shard_count(&entries, target);
    let files: Vec<(String, Vec<u8>)> = group_entries(&entries, count, 1)
        .into_par_iter()
        .enumerate()
        .map(|(n, shard)| (format!("{dir}/{n}{Z_SUFFIX}"), deflate(shard.concat().as_bytes())))
        .collect();
    out.extend(files);
    count
}

/// The term directory: `count` shard files `t/<n>.bin`, each cut into `parts` parts
/// (`group_entries`; the count aiming at `target` uncompressed bytes a shard). A file is a header
/// of `parts` two-byte little-endian lengths, then each part's compressed JSON object back to
/// back (an empty part has length 0 and no member): the browser reads the header and then its
/// term's part by two range requests, about a sixteenth of the shard instead of all of it, and
/// the directory takes no more files than whole shards. A part that would not fit two bytes
/// (never at `Layout::inline_values`' sizes) doubles the shard count, or at `MAX_SHARDS` the
/// parts. Returns the shard count and the parts a shard.
fn write_term_shards(entries: Vec<(String, String)>, target: usize, parts: usize, out: &mut Vec<(String, Vec<u8>)>) -> (usize, usize) {
    let mut parts = parts.max(1);
    let mut count = shard_count(&entries, target);
    loop {
        let files: Vec<Option<(String, Vec<u8>)>> = group_entries(&entries, count, parts)
            .into_par_iter()
            .enumerate()
            .map(|(n, shard)| {
                let members: Vec<Vec<u8>> = shard.into_iter().map(|p| if p.len() > 2 { deflate(p.as_bytes()) } else { Vec::new() }).collect();
                let mut file = Vec::with_capacity(2 * parts + members.iter().map(Vec::len).sum::<usize>());
                for m in &members {
                    file.extend_from_slice(&u16::try_from(m.len()).ok()?.to_le_bytes());
                }
                members.iter().for_each(|m| file.extend_from_slice(m));
                Some((format!("t/{n}{BLOB_SUFFIX}"), file))
            })
            .collect();
        match files.into_iter().collect::<Option<Vec<_>>>() {
            Some(files) => {
                out.extend(files);
                return (count, parts);
            }
            None if count < MAX_SHARDS => count = (count * 2).min(MAX_SHARDS),
            // A directory of gigabytes: more parts a shard. One entry is a few KB at most (a list
            // of `Layout::inline_values` integers or a term's block references), so this ends.
            None => parts *= 2,
        }
    }
}

fn content_hash(files: &[(String, Vec<u8>)]) -> String {
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

    /// A build told to stop (serve: a newer build replaced it) writes nothing, however far it got.
    #[test]
    fn a_stopped_build_writes_nothing() {
        use crate::search::TextSection;
        let analyzer = Analyzer::load(std::path::Path::new("/nonexistent")).unwrap();
        let docs: Vec<SearchDoc> = (0..300)
            .map(|n| SearchDoc {
                id: format!("p{n}"),
                url: format!("/p{n}/"),
                title: format!("ページ{n}"),
                number: None,
                breadcrumb: vec![],
                tags: vec![],
                corpus: None,
                corpus_rank: 0,
                sections: vec![TextSection { anchor: None, heading: String::new(), text: "設定ファイルの説明".into() }],
            })
            .collect();
        for allowed in [0, 1, 2, 3] {
            let asked = std::sync::atomic::AtomicUsize::new(0);
            let keep_going = || asked.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < allowed;
            let mut written = 0;
            assert!(!write_static_into(&docs, &analyzer, "/search/x/", &mut |_, _| written += 1, &keep_going), "stopped after {allowed} checks");
            assert_eq!(written, 0);
        }
        let mut written = 0;
        assert!(write_static_into(&docs, &analyzer, "/search/x/", &mut |_, _| written += 1, &|| true));
        assert!(written > 300, "one file per page and more");
    }

    #[test]
    fn map_levels_fall_one_per_ratio_step() {
        for levels in [MAP_LEVELS, FEW_LEVELS] {
            assert_eq!(map_level(10.0, 10.0, levels), levels - 1);
            assert_eq!(map_level(10.0 * MAP_RATIO * 1.001, 10.0, levels), levels - 1);
            assert_eq!(map_level(10.0 * MAP_RATIO * 0.999, 10.0, levels), levels - 2);
            let lowest_fine = (levels - 3) as i32;
            assert_eq!(map_level(10.0 * MAP_RATIO.powi(lowest_fine) * 0.999, 10.0, levels), 2, "the lowest fine level");
            assert_eq!(map_level(10.0 * MAP_RATIO.powi(lowest_fine + 1) * 0.999, 10.0, levels), 1, "further down: level 1");
            assert_eq!(map_level(10.0 * MAP_RATIO.powi(lowest_fine) * 1.001, 10.0, levels), 3);
            assert_eq!(map_level(1e-9, 10.0, levels), 1);
            assert_eq!(map_level(0.0, 10.0, levels), 1, "a page holding the term is never level 0");
        }
        assert_eq!(levels_for(MANY_PAGES), MAP_LEVELS);
        assert_eq!(levels_for(MANY_PAGES + 1), FEW_LEVELS);
    }

    #[test]
    fn a_fine_map_splits_level_one_by_ratio_steps_that_hold_pages() {
        // impacts in decreasing order: two pages in the first step, then a gap of empty steps
        let lowest = [(1.0, 7), (0.95, 3), (0.1, 5), (0.09, 1), (0.02, 9)];
        let fine: serde_json::Value = serde_json::from_str(&fine_map(&lowest)).unwrap();
        let bounds: Vec<f64> = fine[0].as_array().unwrap().iter().map(|b| b.as_f64().unwrap()).collect();
        assert_eq!(bounds.len(), FINE_LEVELS);
        // pages 1, 3, 5, 7, 9 in page order: the empty steps between 0.95 and 0.1 take no level
        let top = MAP_DIGITS[FINE_LEVELS] as char;
        let next = MAP_DIGITS[FINE_LEVELS - 1] as char;
        let third = MAP_DIGITS[FINE_LEVELS - 2] as char;
        assert_eq!(fine[1].as_str().unwrap(), format!("{next}{top}{next}{top}{third}"));
        assert!(bounds[FINE_LEVELS - 1] >= 1.0 && bounds[FINE_LEVELS - 2] >= 0.1 && bounds[FINE_LEVELS - 2] < 0.2);
        assert!(bounds[FINE_LEVELS - 3] >= 0.02 && bounds[FINE_LEVELS - 3] < 0.03);
        // more occupied steps than levels: the rest share level 1
        let many: Vec<(f64, u32)> = (0..20).map(|i| (FINE_RATIO.powi(i) * 0.999, i as u32)).collect();
        let fine: serde_json::Value = serde_json::from_str(&fine_map(&many)).unwrap();
        assert_eq!(fine[1].as_str().unwrap().chars().filter(|&c| c == '1').count(), 20 - (FINE_LEVELS - 1));
    }

    #[test]
    fn bounds_round_up() {
        assert_eq!(upper_bound(1.0), "1.001");
        assert_eq!(upper_bound(2.3456), "2.346");
        assert!(upper_bound(0.0).parse::<f64>().unwrap() > 0.0);
    }
}
