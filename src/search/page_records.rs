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

use super::postings::{Entry, TermPostings};
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

/// A term's tf per field on each of its pages, as a record lists it.
pub(super) fn term_counts(entries: &[Entry]) -> Vec<(u32, [u32; 3])> {
    entries.iter().map(|e| (e.doc, e.fields.each_ref().map(|f| f.as_ref().map_or(0, |(tf, _, _)| *tf)))).collect()
}

/// The records of every page, filled term by term.
pub(super) struct Records {
    pages: Vec<Vec<(u32, [u32; 3])>>,
    ids: usize,
}

impl Records {
    pub(super) fn new(pages: usize) -> Records {
        Records { pages: vec![Vec::new(); pages], ids: 0 }
    }

    /// Adds a term's counts (`term_counts`) under its id.
    pub(super) fn add(&mut self, id: u32, counts: Vec<(u32, [u32; 3])>) {
        self.ids = self.ids.max(id as usize + 1);
        for (doc, tfs) in counts {
            if let Some(page) = self.pages.get_mut(doc as usize) {
                page.push((id, tfs));
            }
        }
    }

    /// The slot length (0 when no term has an id: no records) and each page's slot.
    pub(super) fn into_slots(mut self, lengths: &[[u32; 3]]) -> (usize, Vec<Vec<u8>>) {
        if self.ids == 0 {
            return (0, vec![Vec::new(); self.pages.len()]);
        }
        let ids = self.ids;
        self.pages.par_iter_mut().for_each(|p| p.sort_unstable_by_key(|&(id, _)| id));
        let whole: Vec<Vec<u8>> = self.pages.par_iter().zip(lengths).map(|(p, l)| deflate(&encode(p, l, ids))).collect();
        let mut sizes: Vec<usize> = whole.iter().map(|r| r.len() + 2).collect();
        sizes.sort_unstable();
        // At least room for a record of the lengths alone, which every page can have.
        let slot = sizes[(sizes.len() - 1) * SLOT_PERCENTILE / 100].max(deflate(&encode(&[], &[u32::MAX; 3], 0)).len() + 2);
        let slots = self
            .pages
            .par_iter()
            .zip(lengths)
            .zip(whole)
            .map(|((p, l), record)| {
                let record = if record.len() + 2 <= slot { record } else { fitted(p, l, slot) };
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

/// The record of a page covering as many ids as fit in `slot` bytes.
fn fitted(page: &[(u32, [u32; 3])], lengths: &[u32; 3], slot: usize) -> Vec<u8> {
    // The largest cover that fits, by bisection: a record only grows with its cover.
    let (mut fits, mut over) = (0usize, page.last().map_or(0, |&(id, _)| id as usize + 1));
    let mut best = deflate(&encode(page, lengths, 0));
    while fits + 1 < over {
        let mid = (fits + over) / 2;
        let record = deflate(&encode(page, lengths, mid));
        if record.len() + 2 <= slot {
            (fits, best) = (mid, record);
        } else {
            over = mid;
        }
    }
    best
}

/// A record (see the module doc) of the page's entries with ids below `cover`.
fn encode(page: &[(u32, [u32; 3])], lengths: &[u32; 3], cover: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(page.len() * 2 + 8);
    push_varint(&mut out, cover as u32);
    for &l in lengths {
        push_varint(&mut out, l);
    }
    let mut previous = 0;
    for &(id, tfs) in page.iter().take_while(|(id, _)| (*id as usize) < cover) {
        push_varint(&mut out, id - previous);
        previous = id;
        let mask = tfs.iter().enumerate().filter(|(_, tf)| **tf > 0).fold(0u8, |m, (f, _)| m | (1 << f));
        if mask == 4 && tfs[2] < 32 {
            out.push(tfs[2] as u8);
        } else {
            out.push(32 + mask);
            for &tf in tfs.iter().filter(|tf| **tf > 0) {
                push_varint(&mut out, tf);
            }
        }
    }
    out
}

fn push_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inflate(bytes: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::DeflateDecoder::new(bytes), &mut out).unwrap();
        out
    }

    #[test]
    fn a_record_lists_ids_in_order_with_body_tf_in_one_byte() {
        let page = [(0, [0, 0, 3]), (2, [1, 0, 40]), (7, [0, 2, 0])];
        assert_eq!(encode(&page, &[5, 20, 300], 8), vec![8, 5, 20, 172, 2, 0, 3, 2, 37, 1, 40, 5, 34, 2]);
        assert_eq!(encode(&page, &[5, 20, 300], 7), vec![7, 5, 20, 172, 2, 0, 3, 2, 37, 1, 40], "ids below the cover only");
    }

    #[test]
    fn slots_are_one_length_and_a_long_record_covers_fewer_ids() {
        // Nine pages with three terms, one with every term of 400: its whole record would not
        // fit the slot nine records in ten fit.
        let mut records = Records::new(10);
        for id in 0..400u32 {
            let pages: Vec<u32> = if id < 3 { (0..10).collect() } else { vec![9] };
            records.add(id, pages.into_iter().map(|d| (d, [0, 0, id % 7 + 1])).collect());
        }
        let lengths = vec![[1, 2, 30]; 10];
        let (slot, slots) = records.into_slots(&lengths);
        assert!(slots.iter().all(|s| s.len() == slot), "{slot}");
        let record = |s: &[u8]| inflate(&s[2..2 + usize::from(u16::from_le_bytes([s[0], s[1]]))]);
        assert_eq!(record(&slots[0]), encode(&[(0, [0, 0, 1]), (1, [0, 0, 2]), (2, [0, 0, 3])], &[1, 2, 30], 400));
        let long = record(&slots[9]);
        let cover = long[0] as usize | if long[0] >= 0x80 { (long[1] as usize) << 7 } else { 0 };
        assert!((3..400).contains(&cover), "cover {cover}");
        let page: Vec<(u32, [u32; 3])> = (0..400).map(|id| (id, [0, 0, id % 7 + 1])).collect();
        assert_eq!(long, encode(&page, &[1, 2, 30], cover));
        assert!(deflate(&encode(&page, &[1, 2, 30], cover + 1)).len() + 2 > slot, "the largest cover that fits");
    }

    #[test]
    fn no_ids_no_records() {
        let (slot, slots) = Records::new(3).into_slots(&[[1, 1, 1]; 3]);
        assert_eq!((slot, slots), (0, vec![Vec::new(); 3]));
    }
}
