//! Page records of the static index: for each page, its tf in every field of the most frequent
//! terms that have an impact map, and its field lengths, in a small slot at the start of the
//! page's file `d/<n>.json.deflate` (the page's own member follows at `meta.json` `record`).
//!
//! Why: with the impact maps loaded, the browser proves the top results by reading the pages
//! whose bound still reaches them. Many of those are near-ties (a bound within a few percent of
//! the tenth result's score) read in vain, a page's file (about 1.9 KB at 5,000 pages) each,
//! only to learn the terms' tf there. A record says the same in about a seventh of the bytes
//! (a range request for the slot), and settles most of them: the terms' scores become exact and
//! an adjacency or phrase is bounded by the smallest tf of its tokens (bench/README.md, ninth
//! pass).
//!
//! Slot: `[length: u16 little-endian][raw deflate of the record][zeros]`, `slot` bytes in all for
//! every page. The record (varints): `cover`, the three field lengths, then per term with a
//! record id below `cover` that the page has, in increasing id: the id's increase over the
//! previous one, then one byte: 1–31 the term's tf in the body alone, or `32 + field mask`
//! followed by the tf of each field in the mask. A term with id below `cover` that is not listed
//! is not on the page. Ids go to the `RECORD_TERMS` terms with the most pages among those with
//! an impact map (more cost every record bytes for terms that seldom meet a near-tie); `cover`
//! is their count, or less on a page whose record would not fit the slot (the slot is as long as
//! nine records in ten need).

use super::postings::{Entry, TermPostings, push_varint, read_varint};
use super::static_index::{Layout, deflate};
use rayon::prelude::*;
use std::collections::HashMap;

/// Terms (by pages, most first, among those with an impact map) that records cover by default.
pub(super) const RECORD_TERMS: usize = 512;
/// The share of records (in percent) that fit their slot whole.
const SLOT_PERCENTILE: usize = 90;

/// Record ids of the terms whose lists will have more than one block (so an impact map): the
/// `Layout::record_terms` with the most pages, numbered from the most.
pub(super) fn record_ids<'a>(terms: &[(&'a str, &TermPostings)], layout: &Layout) -> HashMap<&'a str, u32> {
    let mut mapped: Vec<(u32, &str)> = terms
        .iter()
        .filter(|(_, t)| t.values > layout.inline_values && t.values > layout.first_block)
        .map(|(term, t)| (t.df.iter().sum::<u32>(), *term))
        .collect();
    mapped.sort_unstable_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    mapped.into_iter().take(layout.record_terms).enumerate().map(|(id, (_, term))| (term, id as u32)).collect()
}

/// The records of every page, encoded as terms are added in increasing id: per page only its
/// entries' bytes (a few per term) and the last id, so a large site's records cost about their
/// own size in memory while they are built.
pub(super) struct Records {
    /// Per page: the entries after the header (see the module doc).
    bodies: Vec<Vec<u8>>,
    last: Vec<u32>,
    ids: usize,
}

impl Records {
    pub(super) fn new(pages: usize) -> Records {
        Records { bodies: vec![Vec::new(); pages], last: vec![0; pages], ids: 0 }
    }

    /// Adds a term's pages under its id, which must be larger than every id added before.
    pub(super) fn add(&mut self, id: u32, entries: &[Entry]) {
        debug_assert!(id as usize >= self.ids, "ids in increasing order");
        self.ids = id as usize + 1;
        for e in entries {
            let Some(body) = self.bodies.get_mut(e.doc as usize) else { continue };
            let tfs = e.fields.each_ref().map(|f| f.as_ref().map_or(0, |(tf, _, _)| *tf));
            push_varint(body, id - self.last[e.doc as usize]);
            self.last[e.doc as usize] = id;
            let mask = tfs.iter().enumerate().filter(|(_, tf)| **tf > 0).fold(0u8, |m, (f, _)| m | (1 << f));
            if mask == 4 && tfs[2] < 32 {
                body.push(tfs[2] as u8);
            } else {
                body.push(32 + mask);
                for &tf in tfs.iter().filter(|tf| **tf > 0) {
                    push_varint(body, tf);
                }
            }
        }
    }

    /// The slot length (0 when no term has an id: no records) and each page's slot.
    pub(super) fn into_slots(self, lengths: &[[u32; 3]]) -> (usize, Vec<Vec<u8>>) {
        if self.ids == 0 {
            return (0, vec![Vec::new(); self.bodies.len()]);
        }
        let ids = self.ids;
        let whole: Vec<Vec<u8>> = self.bodies.par_iter().zip(lengths).map(|(body, l)| deflate(&record(l, ids, body))).collect();
        let mut sizes: Vec<usize> = whole.iter().map(|r| r.len() + 2).collect();
        sizes.sort_unstable();
        // At least room for a record of the lengths alone, which every page can have.
        let slot = sizes[(sizes.len() - 1) * SLOT_PERCENTILE / 100].max(deflate(&record(&[u32::MAX; 3], ids, &[])).len() + 2);
        let slots = self
            .bodies
            .par_iter()
            .zip(lengths)
            .zip(whole)
            .map(|((body, l), whole)| {
                let record = if whole.len() + 2 <= slot { whole } else { fitted(body, l, slot) };
                let mut out = Vec::with_capacity(slot);
                out.extend_from_slice(&(record.len() as u16).to_le_bytes());
                out.extend_from_slice(&record);
                out.resize(slot, 0);
                out
            })
            .collect();
        (slot, slots)
    }
}

/// A record: its header (`cover`, the field lengths) and the entries of ids below `cover`.
fn record(lengths: &[u32; 3], cover: usize, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(body.len() + 12);
    push_varint(&mut out, cover as u32);
    for &l in lengths {
        push_varint(&mut out, l);
    }
    out.extend_from_slice(body);
    out
}

/// The record of a page covering as many ids as fit in `slot` bytes: its first k entries, with
/// the cover the id of the entry after them.
fn fitted(body: &[u8], lengths: &[u32; 3], slot: usize) -> Vec<u8> {
    // (id, where the entry starts) of every entry, read back from the body.
    let mut entries: Vec<(u32, usize)> = Vec::new();
    let (mut at, mut id) = (0, 0u32);
    while at < body.len() {
        let start = at;
        id += read_varint(body, &mut at);
        let code = body[at];
        at += 1;
        if code >= 32 {
            for _ in 0..(code - 32).count_ones() {
                read_varint(body, &mut at);
            }
        }
        entries.push((id, start));
    }
    let cut = |k: usize| deflate(&record(lengths, entries[k].0 as usize, &body[..entries[k].1]));
    // The most entries that fit, by bisection (a record only grows with its entries); the whole
    // body does not fit, and none (the lengths alone) always does.
    let (mut fits, mut over) = (0, entries.len());
    let mut best = cut(0);
    while fits + 1 < over {
        let mid = (fits + over) / 2;
        let record = cut(mid);
        if record.len() + 2 <= slot {
            (fits, best) = (mid, record);
        } else {
            over = mid;
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inflate(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::DeflateDecoder::new(bytes), &mut out).unwrap();
        out
    }

    /// An entry of page `doc` with tf per field (field length 9 where present).
    fn entry(doc: u32, tfs: [u32; 3]) -> Entry {
        Entry { doc, fields: tfs.map(|tf| (tf > 0).then_some((tf, 9, 0..0))), values: 0 }
    }

    fn record_of(slot: &[u8]) -> Vec<u8> {
        inflate(&slot[2..2 + usize::from(u16::from_le_bytes([slot[0], slot[1]]))])
    }

    #[test]
    fn a_record_lists_ids_in_order_with_body_tf_in_one_byte() {
        let mut records = Records::new(2);
        records.add(0, &[entry(0, [0, 0, 3])]);
        records.add(2, &[entry(0, [1, 0, 40]), entry(1, [0, 0, 1])]);
        records.add(7, &[entry(0, [0, 2, 0])]);
        let (slot, slots) = records.into_slots(&[[5, 20, 300], [1, 1, 1]]);
        assert!(slots.iter().all(|s| s.len() == slot));
        // cover 8, lengths 5 20 300, then (id delta, code, tfs): 0 3 | 2 37 1 40 | 5 34 2
        assert_eq!(record_of(&slots[0]), vec![8, 5, 20, 172, 2, 0, 3, 2, 37, 1, 40, 5, 34, 2]);
        assert_eq!(record_of(&slots[1]), vec![8, 1, 1, 1, 2, 1]);
    }

    #[test]
    fn slots_are_one_length_and_a_long_record_covers_fewer_ids() {
        // Nine pages with three terms and one with 400: its whole record would not fit the slot
        // nine records in ten fit, so it covers fewer ids.
        let mut records = Records::new(10);
        for id in 0..400u32 {
            let pages: Vec<u32> = if id < 3 { (0..10).collect() } else { vec![9] };
            records.add(id, &pages.into_iter().map(|d| entry(d, [0, 0, id % 7 + 1])).collect::<Vec<_>>());
        }
        let (slot, slots) = records.into_slots(&[[1, 2, 30]; 10]);
        assert!(slots.iter().all(|s| s.len() == slot), "{slot}");
        assert_eq!(record_of(&slots[0]), vec![0x90, 3, 1, 2, 30, 0, 1, 1, 2, 1, 3], "cover 400, three entries");
        let long = record_of(&slots[9]);
        let cover = read_varint(&long, &mut 0) as usize;
        assert!((4..400).contains(&cover), "cover {cover}");
        let mut body = Vec::new();
        for id in 0..cover as u32 {
            body.extend_from_slice(&[u8::from(id > 0), (id % 7 + 1) as u8]);
        }
        assert_eq!(long, record(&[1, 2, 30], cover, &body), "the entries of ids below the cover");
        body.extend_from_slice(&[1, (cover as u32 % 7 + 1) as u8]);
        assert!(deflate(&record(&[1, 2, 30], cover + 1, &body)).len() + 2 > slot, "the most entries that fit");
    }

    #[test]
    fn no_ids_no_records() {
        let (slot, slots) = Records::new(3).into_slots(&[[1, 1, 1]; 3]);
        assert_eq!((slot, slots), (0, vec![Vec::new(); 3]));
    }
}
