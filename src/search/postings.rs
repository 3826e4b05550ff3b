//! The static index's postings while it is built: each page's terms grouped into varint entries
//! (`PageTerms`), appended per term page by page (`Inverted`), and decoded again per term into the
//! flat integer lists the browser reads (`Decoded::encode`; the list format is in
//! static_index.rs). Compact because a site's every token passes through here: a string per
//! token held for the whole site was most of the old build's memory.

use super::analysis::FieldTerms;
use std::collections::HashMap;

/// A hash map with a fast, non-cryptographic hasher: the index looks up every token of the site
/// (no untrusted party picks the keys to collide: they come from the site's own pages).
type FastMap<K, V> = HashMap<K, V, foldhash::fast::RandomState>;
use std::ops::Range;
use tantivy::fieldnorm::FieldNormReader;

/// `v` in decimal, without the formatting machinery (the lists are most of the index's text).
fn push_decimal(s: &mut String, mut v: u32) {
    let mut digits = [0u8; 10];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (v % 10) as u8;
        v /= 10;
        if v == 0 {
            break;
        }
    }
    s.push_str(std::str::from_utf8(&digits[at..]).unwrap_or_default());
}

pub(super) fn push_varint(out: &mut Vec<u8>, mut v: u32) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

pub(super) fn read_varint(bytes: &[u8], at: &mut usize) -> u32 {
    let (mut v, mut shift) = (0u32, 0);
    loop {
        let b = bytes[*at];
        *at += 1;
        v |= u32::from(b & 0x7f) << shift;
        if b < 0x80 {
            return v;
        }
        shift += 7;
    }
}

/// One page's terms, grouped: per term its entry (field mask, then per field tf, quantised field
/// length and, when kept and except for `u:` terms, the positions as deltas) as varints in `bytes`.
pub(super) struct PageTerms {
    /// (term, range of its entry in `bytes`, integers the entry takes in a flat list)
    terms: Vec<(String, Range<usize>, u32)>,
    bytes: Vec<u8>,
    pub(super) lengths: [u32; 3],
    tokens: [u64; 3],
}

impl PageTerms {
    /// `positions`: whether entries keep them (only an index that writes them needs them; they
    /// were most of the bytes every token left here).
    pub(super) fn new(fields: [FieldTerms; 3], positions: bool) -> PageTerms {
        let mut lengths = [0u32; 3];
        let mut tokens = [0u64; 3];
        let mut all: Vec<(String, u8, u32)> = Vec::new();
        for (f, terms) in fields.into_iter().enumerate() {
            tokens[f] = u64::from(terms.bigram_len());
            lengths[f] = quantized(terms.bigram_len());
            all.extend(terms.bigram.into_iter().map(|(t, pos)| (t, f as u8, pos)));
        }
        // Tokens grouped by term without sorting the strings (that sort was a tenth of the
        // index's CPU): each term numbered by its first token, then the token indices counted
        // into their groups. A page's terms come out in first-seen order; `Inverted::sorted`
        // orders the site's terms, so the files are the same.
        let mut group_of: Vec<u32> = Vec::with_capacity(all.len());
        let mut first_token: Vec<usize> = Vec::new();
        {
            let mut groups: FastMap<&str, u32> = FastMap::with_capacity_and_hasher(all.len() / 2, Default::default());
            for (i, (term, _, _)) in all.iter().enumerate() {
                let next = first_token.len() as u32;
                let g = *groups.entry(term.as_str()).or_insert(next);
                if g == next {
                    first_token.push(i);
                }
                group_of.push(g);
            }
        }
        let mut starts = vec![0usize; first_token.len() + 1];
        for &g in &group_of {
            starts[g as usize + 1] += 1;
        }
        for g in 0..first_token.len() {
            starts[g + 1] += starts[g];
        }
        let mut fill = starts.clone();
        let mut order = vec![0u32; all.len()];
        for (i, &g) in group_of.iter().enumerate() {
            order[fill[g as usize]] = i as u32;
            fill[g as usize] += 1;
        }
        let mut out = PageTerms { terms: Vec::with_capacity(first_token.len()), bytes: Vec::with_capacity(all.len() * 2), lengths, tokens };
        let mut group: Vec<(u8, u32)> = Vec::new();
        for (g, &first) in first_token.iter().enumerate() {
            group.clear();
            group.extend(order[starts[g]..starts[g + 1]].iter().map(|&i| (all[i as usize].1, all[i as usize].2)));
            // By field, then position: the order the entry's bytes need.
            group.sort_unstable();
            let term = std::mem::take(&mut all[first].0);
            let positional = !term.starts_with("u:");
            let start = out.bytes.len();
            let mask = group.iter().fold(0u32, |m, e| m | 1 << e.0);
            push_varint(&mut out.bytes, mask);
            let mut values = 2;
            for field in group.chunk_by(|a, b| a.0 == b.0) {
                let f = usize::from(field[0].0);
                push_varint(&mut out.bytes, field.len() as u32);
                push_varint(&mut out.bytes, lengths[f]);
                values += 2;
                if positional {
                    if positions {
                        let mut previous = 0;
                        for e in field {
                            push_varint(&mut out.bytes, e.1 - previous);
                            previous = e.1;
                        }
                    }
                    values += field.len() as u32;
                }
            }
            out.terms.push((term, start..out.bytes.len(), values));
        }
        out
    }
}

/// Every term's postings, compact: per entry the page as a delta, then the page's entry bytes.
#[derive(Default)]
pub(super) struct Inverted {
    slots: FastMap<String, usize>,
    terms: Vec<TermPostings>,
    pub(super) totals: [u64; 3],
}

#[derive(Default)]
pub(super) struct TermPostings {
    bytes: Vec<u8>,
    pub(super) df: [u32; 3],
    /// Integers of the whole list in the flat encoding with positions, whether or not they are
    /// kept: the layout's sizes (static_index.rs `Layout`) count them, so a layout cuts the same
    /// lists either way.
    pub(super) values: usize,
    last: u32,
}

impl Inverted {
    /// Every term with its postings, in term order.
    pub(super) fn sorted(&self) -> Vec<(&str, &TermPostings)> {
        let mut terms: Vec<(&str, &TermPostings)> = self.slots.iter().map(|(t, &slot)| (t.as_str(), &self.terms[slot])).collect();
        terms.sort_unstable_by(|a, b| a.0.cmp(b.0));
        terms
    }

    pub(super) fn add(&mut self, doc: u32, page: PageTerms) {
        for f in 0..3 {
            self.totals[f] += page.tokens[f];
        }
        for (term, range, values) in page.terms {
            let slot = match self.slots.get(&term) {
                Some(&slot) => slot,
                None => {
                    self.terms.push(TermPostings::default());
                    self.slots.insert(term, self.terms.len() - 1);
                    self.terms.len() - 1
                }
            };
            let t = &mut self.terms[slot];
            let entry = &page.bytes[range];
            let mask = u32::from(entry[0]);
            for f in 0..3 {
                t.df[f] += (mask >> f) & 1;
            }
            push_varint(&mut t.bytes, doc - t.last);
            t.last = doc;
            t.bytes.extend_from_slice(entry);
            t.values += values as usize;
        }
    }
}

/// A term on one page, decoded: per field (tf, field length, positions in `Decoded::positions`).
pub(super) struct Entry {
    pub(super) doc: u32,
    pub(super) fields: [Option<(u32, u32, Range<usize>)>; 3],
    pub(super) values: usize,
}

pub(super) struct Decoded {
    pub(super) entries: Vec<Entry>,
    positions: Vec<u32>,
    /// Whether `positions` holds the entries' positions (a positional term added with them).
    has_positions: bool,
}

impl Decoded {
    /// `positions`: whether the entries were added with them (`PageTerms::new`).
    pub(super) fn new(term: &str, t: &TermPostings, positions: bool) -> Decoded {
        let positional = !term.starts_with("u:");
        let mut d = Decoded { entries: Vec::new(), positions: Vec::new(), has_positions: positional && positions };
        let (bytes, mut at, mut doc) = (&t.bytes, 0usize, 0u32);
        while at < bytes.len() {
            doc += read_varint(bytes, &mut at);
            let mask = read_varint(bytes, &mut at);
            let mut e = Entry { doc, fields: [None, None, None], values: 2 };
            for f in 0..3 {
                if mask & (1 << f) == 0 {
                    continue;
                }
                let tf = read_varint(bytes, &mut at);
                let len = read_varint(bytes, &mut at);
                let start = d.positions.len();
                if positional {
                    if positions {
                        let mut p = 0;
                        for _ in 0..tf {
                            p += read_varint(bytes, &mut at);
                            d.positions.push(p);
                        }
                    }
                    e.values += tf as usize;
                }
                e.values += 2;
                e.fields[f] = Some((tf, len, start..d.positions.len()));
            }
            d.entries.push(e);
        }
        d
    }

    /// A flat list (see the module doc) of `entries`, which are in page order; positions only when
    /// `with_positions` (and the term has them): the browser settles term scores from each page's
    /// tf and length and reads a page for where its terms are (static_index.rs).
    pub(super) fn encode_with(&self, entries: &[&Entry], with_positions: bool) -> String {
        let mut s = String::with_capacity(entries.iter().map(|e| e.values).sum::<usize>() * 3 + 2);
        s.push('[');
        let mut previous_doc = 0;
        let mut first = true;
        let mut push = |s: &mut String, v: u32| {
            if !first {
                s.push(',');
            }
            first = false;
            push_decimal(s, v);
        };
        for e in entries {
            push(&mut s, e.doc - previous_doc);
            previous_doc = e.doc;
            let mask = e.fields.iter().enumerate().filter(|(_, f)| f.is_some()).fold(0, |m, (f, _)| m | (1 << f));
            push(&mut s, mask);
            for (tf, len, positions) in e.fields.iter().flatten() {
                push(&mut s, *tf);
                push(&mut s, *len);
                if with_positions && self.has_positions {
                    let mut previous = 0;
                    for &p in &self.positions[positions.clone()] {
                        push(&mut s, p - previous);
                        previous = p;
                    }
                }
            }
        }
        s.push(']');
        s
    }
}

/// tantivy stores field lengths in one byte; the browser scores with the same rounded values.
pub(super) fn quantized(len: u32) -> u32 {
    FieldNormReader::id_to_fieldnorm(FieldNormReader::fieldnorm_to_id(len))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(terms: &[(&str, u32)]) -> FieldTerms {
        FieldTerms { bigram: terms.iter().map(|&(t, p)| (t.to_string(), p)).collect(), morph: vec![] }
    }

    /// Pages go through the compact postings (varints, page by page) and come out as the flat
    /// lists the browser reads.
    #[test]
    fn list_encoding() {
        let mut inverted = Inverted::default();
        let a = [field(&[("ab", 0)]), field(&[]), field(&[("ab", 3), ("u:x", 5), ("ab", 10)])];
        let b = [field(&[]), field(&[]), field(&[("ab", 7), ("u:x", 8)])];
        inverted.add(2, PageTerms::new(a.clone(), true));
        inverted.add(5, PageTerms::new(b.clone(), true));
        let list = |term: &str| {
            let t = &inverted.terms[inverted.slots[term]];
            let d = Decoded::new(term, t, true);
            (d.encode_with(&d.entries.iter().collect::<Vec<_>>(), true), t.values, t.df)
        };
        assert_eq!(list("ab"), ("[2,5,1,1,0,2,3,3,7,3,4,1,2,7]".to_string(), 9 + 5, [1, 0, 2]));
        assert_eq!(list("u:x"), ("[2,4,1,3,3,4,1,2]".to_string(), 4 + 4, [0, 0, 2]));
        let t = &inverted.terms[inverted.slots["ab"]];
        let d = Decoded::new("ab", t, true);
        assert_eq!(d.encode_with(&d.entries.iter().collect::<Vec<_>>(), false), "[2,5,1,1,2,3,3,4,1,2]", "without positions");
        assert_eq!(inverted.totals, [1, 0, 5]);
        // Added without positions: the same lists without them, the same sizes (the layout's unit).
        let mut bare = Inverted::default();
        bare.add(2, PageTerms::new(a, false));
        bare.add(5, PageTerms::new(b, false));
        let t = &bare.terms[bare.slots["ab"]];
        let d = Decoded::new("ab", t, false);
        assert_eq!((d.encode_with(&d.entries.iter().collect::<Vec<_>>(), true), t.values), ("[2,5,1,1,2,3,3,4,1,2]".to_string(), 9 + 5));
    }

    #[test]
    fn varints_round_trip() {
        let values = [0u32, 1, 127, 128, 300, 16_383, 16_384, u32::MAX];
        let mut bytes = Vec::new();
        values.iter().for_each(|&v| push_varint(&mut bytes, v));
        let mut at = 0;
        assert_eq!(values.map(|_| read_varint(&bytes, &mut at)), values);
        assert_eq!(at, bytes.len());
    }
}
