//! The character-bigram tokeniser: the part of the analyser the browser repeats exactly
//! (`tokenize` in `themes/default/static/search-core.js`).
//!
//! Input is normalised text (see `normalize`). It is cut into runs of one character class:
//! Japanese script (kana, kanji, ー, 々) or other letters/digits; everything else separates.
//! A Japanese run of two or more characters gives its overlapping bigrams (暗号化 → 暗号, 号化), so a
//! query matches inside longer words and unknown words need no dictionary; a run of one character
//! gives that character. A letter/digit run gives one token (sla, 27001). Token positions are
//! their index in the returned list, so adjacent bigrams of a run have adjacent positions and a
//! phrase is a run of consecutive positions.

/// Longer letter/digit runs are cut to this many characters (a pasted hash or URL must not make
/// huge terms).
pub const MAX_WORD_CHARS: usize = 64;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Token {
    pub text: String,
    /// Character span in the normalised text.
    pub start: usize,
    pub end: usize,
    /// Index of the run the token belongs to; bigrams of one run share it.
    pub run: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CharClass {
    Japanese,
    Word,
    Separator,
}

pub fn char_class(c: char) -> CharClass {
    if is_japanese(c) {
        CharClass::Japanese
    } else if c.is_alphabetic() || c.is_numeric() {
        CharClass::Word
    } else {
        CharClass::Separator
    }
}

/// Hiragana, katakana (with ー, without the middle dot ・), kanji and the kanji iteration marks.
pub fn is_japanese(c: char) -> bool {
    matches!(c,
        '\u{3041}'..='\u{3096}' | '\u{309D}'..='\u{309F}'
        | '\u{30A1}'..='\u{30FA}' | '\u{30FC}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}'
        | '\u{3005}'..='\u{3007}'
        | '\u{3400}'..='\u{4DBF}' | '\u{4E00}'..='\u{9FFF}' | '\u{F900}'..='\u{FAFF}'
        | '\u{20000}'..='\u{3134F}')
}

/// The writing system of a Japanese character.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Script {
    Kanji,
    Hiragana,
    Katakana,
}

pub fn script(c: char) -> Option<Script> {
    match c {
        '\u{3041}'..='\u{309F}' => Some(Script::Hiragana),
        '\u{30A1}'..='\u{30FF}' | '\u{31F0}'..='\u{31FF}' => Some(Script::Katakana),
        c if is_japanese(c) => Some(Script::Kanji),
        _ => None,
    }
}

/// The index term for one kanji, used by single-character queries (鍵 finds 秘密鍵). Kana get none:
/// a lone kana means nothing on its own, and leaving them out halves the unigram postings. The
/// prefix keeps the term apart from the bigram part's one-character tokens (isolated characters);
/// `:` never occurs inside a token because it is a separator.
pub fn unigram_term(c: char) -> String {
    format!("u:{c}")
}

/// Where the tokens of `chars` are, without their text (the snippet highlighter looks tokens up
/// without allocating one string per token).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
    pub run: usize,
}

pub fn spans(chars: &[char]) -> Vec<Span> {
    let mut out = Vec::new();
    let mut run = 0;
    let mut i = 0;
    while i < chars.len() {
        let class = char_class(chars[i]);
        if class == CharClass::Separator {
            i += 1;
            continue;
        }
        let start = i;
        while i < chars.len() && char_class(chars[i]) == class {
            i += 1;
        }
        if class == CharClass::Japanese && i - start >= 2 {
            out.extend((start..i - 1).map(|at| Span { start: at, end: at + 2, run }));
        } else {
            out.push(Span { start, end: i, run });
        }
        run += 1;
    }
    out
}

/// The text of a span: its characters, a letter/digit run cut to `MAX_WORD_CHARS`.
pub fn span_text_into(chars: &[char], span: Span, out: &mut String) {
    out.clear();
    out.extend(chars[span.start..span.end].iter().take(MAX_WORD_CHARS));
}

pub fn tokenize(chars: &[char]) -> Vec<Token> {
    let mut text = String::new();
    spans(chars)
        .into_iter()
        .map(|span| {
            span_text_into(chars, span, &mut text);
            Token { text: text.clone(), start: span.start, end: span.end, run: span.run }
        })
        .collect()
}

/// Convenience for callers holding a `&str` of already normalised text.
pub fn tokenize_str(normalized: &str) -> Vec<Token> {
    let chars: Vec<char> = normalized.chars().collect();
    tokenize(&chars)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(s: &str) -> Vec<String> {
        tokenize_str(s).into_iter().map(|t| t.text).collect()
    }

    #[test]
    fn japanese_runs_give_overlapping_bigrams() {
        assert_eq!(texts("暗号化"), ["暗号", "号化"]);
        assert_eq!(texts("鍵"), ["鍵"]);
        assert_eq!(texts("の 鍵。"), ["の", "鍵"]);
    }

    #[test]
    fn word_runs_are_single_tokens_and_classes_split_runs() {
        assert_eq!(texts("phrサービス"), ["phr", "サー", "ービ", "ビス"]);
        assert_eq!(texts("iso/iec 27001"), ["iso", "iec", "27001"]);
        assert_eq!(texts("3.2.1"), ["3", "2", "1"]);
        assert_eq!(texts("・-*"), Vec::<String>::new());
    }

    #[test]
    fn spans_and_runs() {
        let t = tokenize_str("医療情報 sla");
        assert_eq!((t[0].start, t[0].end, t[0].run), (0, 2, 0));
        assert_eq!((t[2].start, t[2].end, t[2].run), (2, 4, 0));
        assert_eq!((t[3].text.as_str(), t[3].start, t[3].end, t[3].run), ("sla", 5, 8, 1));
    }

    #[test]
    fn long_words_are_cut() {
        let long = "a".repeat(500);
        assert_eq!(texts(&long)[0].chars().count(), MAX_WORD_CHARS);
    }
}
