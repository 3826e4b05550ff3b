//! Text normalisation shared by every search path: NFKC, lowercase, and folding of a trailing
//! long-vowel mark on katakana words of four or more characters (サーバー = サーバ).
//!
//! The browser tokeniser (`themes/default/static/search-core.js`) mirrors this file line by line;
//! `tests/integration/search_engine.rs` pins both to the same output on `tests/fixtures/tokenizer-cases.txt`.
//! Normalisation works on *chunks* (a character plus the combining marks that follow it) so that
//! every normalised character maps back to a span of the original text, which the snippet
//! highlighter needs. NFKC of a whole string and of its chunks differ only where composition
//! crosses a chunk boundary (Hangul jamo), and both sides use chunks, so they always agree.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Normalised text plus, for every normalised character, the range of original characters
/// (indices in `original.chars()`) it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Normalized {
    pub text: String,
    pub chars: Vec<char>,
    pub origin: Vec<(usize, usize)>,
}

/// The normalised form used for indexing, querying and dictionary entries.
pub fn normalize(text: &str) -> String {
    normalize_with_map(text).text
}

/// A chunk continues while the next character is a combining mark or a half-width (semi-)voiced
/// sound mark: NFKC composes ｶﾞ into ガ, so the two must be normalised together.
fn continues_chunk(c: char) -> bool {
    is_combining_mark(c) || c == '\u{FF9E}' || c == '\u{FF9F}'
}

/// Characters that NFKC and lowercasing leave as they are, alone in their chunk: kana, common
/// kanji, the ideographic comma/full stop and brackets, and ASCII other than capitals. Most of a
/// Japanese text is made of them, so normalisation skips the Unicode tables for them (snippets
/// normalise every section of a hit on each query). `fast_path_matches_nfkc` checks every one.
fn unchanged_alone(c: char) -> bool {
    matches!(c,
        '\u{20}'..='\u{40}' | '\u{5B}'..='\u{7E}'
        | '\u{3001}'..='\u{3002}' | '\u{3005}'..='\u{3007}' | '\u{3008}'..='\u{3011}'
        | '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{30FC}'
        | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}')
}

pub fn normalize_with_map(text: &str) -> Normalized {
    let (chars, origin) = normalize_chars(text);
    Normalized { text: chars.iter().collect(), chars, origin }
}

/// `normalize_with_map` without the joined text.
pub fn normalize_chars(text: &str) -> (Vec<char>, Vec<(usize, usize)>) {
    let original: Vec<char> = text.chars().collect();
    let mut chars = Vec::with_capacity(original.len());
    let mut origin = Vec::with_capacity(original.len());
    let mut chunk = String::new();
    let mut start = 0;
    while start < original.len() {
        let mut end = start + 1;
        while end < original.len() && continues_chunk(original[end]) {
            end += 1;
        }
        if end == start + 1 && unchanged_alone(original[start]) {
            chars.push(original[start]);
            origin.push((start, end));
            start = end;
            continue;
        }
        chunk.clear();
        chunk.extend(original[start..end].iter().copied().nfkc());
        for c in chunk.to_lowercase().chars() {
            chars.push(c);
            origin.push((start, end));
        }
        start = end;
    }
    fold_long_vowels(&mut chars, &mut origin);
    (chars, origin)
}

/// Katakana letters and the long-vowel mark ー; the middle dot ・ separates words.
fn is_katakana_letter(c: char) -> bool {
    matches!(c, '\u{30A1}'..='\u{30FA}' | 'ー')
}

/// Drops one trailing ー from every katakana run of at least four characters (counting the ー),
/// so サーバー and サーバ, ユーザー and ユーザ index alike, while キー and ルー stay as they are.
fn fold_long_vowels(chars: &mut Vec<char>, origin: &mut Vec<(usize, usize)>) {
    let mut keep = vec![true; chars.len()];
    let mut i = 0;
    while i < chars.len() {
        if !is_katakana_letter(chars[i]) {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && is_katakana_letter(chars[i]) {
            i += 1;
        }
        if i - start >= 4 && chars[i - 1] == 'ー' {
            keep[i - 1] = false;
            // The dropped mark's original character stays inside the previous character's span,
            // so a highlight of サーバ covers サーバー.
            origin[i - 2].1 = origin[i - 1].1;
        }
    }
    let mut flags = keep.iter();
    chars.retain(|_| flags.next() == Some(&true));
    let mut flags = keep.iter();
    origin.retain(|_| flags.next() == Some(&true));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nfkc_lowercase_and_width() {
        assert_eq!(normalize("ＳＬＡ　３．２．１"), "sla 3.2.1");
        assert_eq!(normalize("ｸﾗｳﾄﾞ"), "クラウド");
        assert_eq!(normalize("Ⅲ"), "iii");
    }

    #[test]
    fn folds_trailing_long_vowel_on_long_katakana_words_only() {
        assert_eq!(normalize("サーバー"), "サーバ");
        assert_eq!(normalize("ユーザーの"), "ユーザの");
        assert_eq!(normalize("キー"), "キー");
        assert_eq!(normalize("コンピューター・サーバー"), "コンピュータ・サーバ");
        assert_eq!(normalize("ｻｰﾊﾞｰ"), "サーバ");
    }

    #[test]
    fn fast_path_matches_nfkc() {
        let ranges = [(0x20, 0x7E), (0x3001, 0x3011), (0x3041, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF)];
        for (from, to) in ranges {
            for c in (from..=to).filter_map(char::from_u32).filter(|&c| unchanged_alone(c)) {
                let slow: String = c.to_string().nfkc().collect::<String>().to_lowercase();
                assert_eq!(slow, c.to_string(), "U+{:04X} is not unchanged by NFKC + lowercase", c as u32);
            }
        }
    }

    #[test]
    fn map_points_back_to_original_characters() {
        let n = normalize_with_map("ｶﾞｰﾄﾞ");
        assert_eq!(n.text, "ガード");
        assert_eq!(n.origin[0], (0, 2));
        assert_eq!(n.origin[1], (2, 3));
        let n = normalize_with_map("サーバー!");
        assert_eq!(n.text, "サーバ!");
        // バ absorbs the folded ー so a highlight of サーバ covers サーバー.
        assert_eq!(n.origin[2], (2, 4));
        assert_eq!(n.origin[3], (4, 5));
    }
}
