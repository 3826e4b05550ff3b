//! The scoring model both the tantivy engine and the browser use, written down once. The static
//! index's `meta.json` carries these values, so `search-core.js` reads them instead of copying.
//!
//! A page's text score is BM25 (tantivy's formula, k1 = 1.2, b = 0.75) summed over:
//! - every distinct query term, in each field that has it, times the field boost;
//! - every unquoted word of two or more tokens whose tokens occur adjacent (a phrase), times the
//!   field boost and `BONUS_WEIGHT` (the phrase's idf is the sum of its terms' idfs);
//! - every quoted phrase (required), times the field boost;
//! - on the server only, lindera terms in the morphological fields, times `MORPH_WEIGHT`.
//!
//! A page of the site's *primary corpus* — the first entry of `corpora` in `shishin.yaml` (MIC on
//! the shipped site: the guideline the site is about; the others are cross-references) — has its
//! text score multiplied by `PRIMARY_BOOST`. The boost only decides between pages of comparable
//! relevance: a page of another corpus still wins when it matches clearly better (by more than
//! the factor), and a site without `corpora` has no primary corpus.
//!
//! Pages named by a clause number or id come first; then pages that match every word
//! (`query::WORD_MATCH_RATIO` of each word's terms); then pages with `query::MIN_MATCH_RATIO` of
//! all terms. Within a tier, by score, then corpus rank (primary first), then reading order.

/// Boosts of the fields title, headings, body, in that order everywhere.
pub const FIELD_BOOSTS: [f32; 3] = [4.0, 2.0, 1.0];
pub const FIELD_NAMES: [&str; 3] = ["title", "headings", "body"];
pub const BONUS_WEIGHT: f32 = 1.0;
pub const MORPH_WEIGHT: f32 = 0.5;
pub const BM25_K1: f32 = 1.2;
pub const BM25_B: f32 = 0.75;
/// Factor on the text score of a page of the primary corpus (see above).
pub const PRIMARY_BOOST: f32 = 1.3;
