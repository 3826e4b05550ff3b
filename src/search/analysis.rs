//! The one analyser. Every search path (tantivy index, CLI/API queries, static shards) turns text
//! into terms here:
//! 1. `normalize`: NFKC, lowercase, trailing-ー folding (the browser repeats this);
//! 2. `bigram`: character bigrams + letter/digit words (the browser repeats this);
//! 3. lindera morphemes with IPADIC + the domain user dictionary (server side only: they sharpen
//!    ranking on word boundaries, while bigrams give recall inside compounds and unknown words);
//! 4. synonyms appended to a field at index time, so no path expands queries.

use super::bigram::{self, CharClass, Script, char_class, script, unigram_term};
use super::normalize::normalize;
use super::synonyms::Synonyms;
use crate::diagnostics::Diagnostic;
use lindera::dictionary::{DictionaryBuilder, load_dictionary};
use lindera::mode::Mode;
use lindera::segmenter::Segmenter;
use std::borrow::Cow;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// The shipped domain dictionary and synonyms: used when a site has no `search-index/` files, so a
/// plain Markdown site gets the same analysis as the guideline reference.
pub const DEFAULT_USERDICT: &str = include_str!("../../search-index/userdict.csv");
pub const DEFAULT_SYNONYMS: &str = include_str!("../../search-index/synonyms.yaml");

/// Positions left empty between the values of one field (two headings, two sections), so a phrase
/// never matches across them.
pub const POSITION_GAP: u32 = 8;

/// Parts of speech that carry no topic: dropped from queries so that 記録媒体の廃棄 does not demand の.
const FUNCTION_POS: [&str; 5] = ["助詞", "助動詞", "記号", "フィラー", "その他"];

#[derive(Clone)]
pub struct Analyzer {
    segmenter: Segmenter,
    synonyms: Synonyms,
}

/// A lindera token, normalised; `content` is false for particles, auxiliaries and symbols.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Morpheme {
    pub text: String,
    pub content: bool,
}

/// The terms of one field of one document with their positions.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldTerms {
    /// Bigram-part tokens plus a `u:` unigram for every kanji.
    pub bigram: Vec<(String, u32)>,
    /// Lindera terms (empty when the caller asked for the bigram part only).
    pub morph: Vec<(String, u32)>,
}

impl FieldTerms {
    /// Token count as tantivy's field norm sees it.
    pub fn bigram_len(&self) -> u32 {
        self.bigram.len() as u32
    }
}

impl Analyzer {
    /// Reads `userdict.csv` and `synonyms.yaml` from the site's `search-index/` directory; a file
    /// that is missing (or a missing directory) falls back to the built-in one.
    pub fn load(search_index_dir: &Path) -> Result<Analyzer, String> {
        let read = |name: &str, default: &'static str| -> Result<(PathBuf, String), String> {
            let path = search_index_dir.join(name);
            match std::fs::read_to_string(&path) {
                Ok(text) => Ok((path, text)),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((PathBuf::from(format!("<built-in {name}>")), default.to_string())),
                Err(e) => Err(format!("{}: {e}", path.display())),
            }
        };
        let (dict_path, dict_text) = read("userdict.csv", DEFAULT_USERDICT)?;
        let (syn_path, syn_text) = read("synonyms.yaml", DEFAULT_SYNONYMS)?;
        Analyzer::from_sources(&dict_path, &dict_text, &syn_path, &syn_text)
    }

    pub fn from_sources(dict_path: &Path, dict_csv: &str, syn_path: &Path, syn_yaml: &str) -> Result<Analyzer, String> {
        let dictionary = load_dictionary("embedded://ipadic").map_err(|e| format!("cannot load IPADIC: {e}"))?;
        let csv = normalized_user_dictionary(dict_path, dict_csv)?;
        let user = if csv.is_empty() {
            None
        } else {
            let builder = DictionaryBuilder::new((*dictionary.metadata).clone());
            Some(builder.build_user_dict_from_reader(csv.as_bytes()).map_err(|e| format!("{}: {e}", dict_path.display()))?)
        };
        let segmenter = Segmenter::new(Mode::Normal, dictionary, user);
        let synonyms = Synonyms::parse(syn_path, syn_yaml)?;
        Ok(Analyzer { segmenter, synonyms })
    }

    pub fn synonyms(&self) -> &Synonyms {
        &self.synonyms
    }

    /// Lindera tokens of normalised text. Symbols and spaces are dropped; a conjugated word is
    /// reduced to its dictionary form (定めた → 定める) so inflections match each other.
    pub fn morphemes(&self, normalized: &str) -> Vec<Morpheme> {
        let Ok(mut tokens) = self.segmenter.segment(Cow::Borrowed(normalized)) else {
            // Segmentation only fails on dictionary corruption; the bigram part still indexes the text.
            return Vec::new();
        };
        let mut out = Vec::with_capacity(tokens.len());
        for token in &mut tokens {
            if token.surface.trim().is_empty() {
                continue;
            }
            let surface = token.surface.to_string();
            let details = token.details();
            let pos = details.first().copied().unwrap_or("");
            if pos == "記号" {
                continue;
            }
            let base = details.get(6).copied().filter(|b| !b.is_empty() && *b != "*");
            let text = match base {
                Some(b) if b != surface => normalize(b),
                _ => surface,
            };
            out.push(Morpheme { text, content: !FUNCTION_POS.contains(&pos) });
        }
        out
    }

    /// Terms of one field made of several values (the headings of a page, its sections). Values
    /// are separated by `POSITION_GAP`; synonyms of anything the field mentions are appended as
    /// extra values.
    pub fn field_terms<S: AsRef<str>>(&self, values: &[S], with_morph: bool) -> FieldTerms {
        let mut terms = FieldTerms::default();
        let mut next = 0u32;
        let mut normalized_values = Vec::with_capacity(values.len());
        for value in values {
            let normalized = normalize(value.as_ref());
            next = self.push_value(&mut terms, &normalized, next, with_morph);
            normalized_values.push(normalized);
        }
        let joined = normalized_values.join("\n");
        let expansions: BTreeSet<&str> = self.synonyms.expansions(&joined).into_iter().collect();
        for extra in expansions {
            next = self.push_value(&mut terms, extra, next, with_morph);
        }
        terms
    }

    fn push_value(&self, terms: &mut FieldTerms, normalized: &str, start: u32, with_morph: bool) -> u32 {
        let chars: Vec<char> = normalized.chars().collect();
        let tokens = bigram::tokenize(&chars);
        // Whether each token ends its run, known before the tokens' texts are moved out.
        let last_of_runs: Vec<bool> = (0..tokens.len()).map(|i| tokens.get(i + 1).is_none_or(|n| n.run != tokens[i].run)).collect();
        let mut end = start;
        for ((index, token), last_of_run) in tokens.into_iter().enumerate().zip(last_of_runs) {
            let pos = start + index as u32;
            let (first, last, two) = (chars[token.start], chars[token.end - 1], token.end - token.start == 2);
            terms.bigram.push((token.text, pos));
            // Unigrams: each kanji once, at the position of the token it starts (the last
            // character of a run rides on the run's last bigram).
            let is_kanji = |c: char| script(c) == Some(Script::Kanji);
            if is_kanji(first) {
                terms.bigram.push((unigram_term(first), pos));
            }
            if last_of_run && two && is_kanji(last) {
                terms.bigram.push((unigram_term(last), pos));
            }
            end = pos + 1;
        }
        if with_morph {
            for (index, m) in self.morphemes(normalized).into_iter().enumerate() {
                terms.morph.push((m.text, start + index as u32));
                end = end.max(start + index as u32 + 1);
            }
        }
        if end == start { start } else { end + POSITION_GAP }
    }
}

/// Validates the user dictionary line by line (errors carry file:line) and normalises each
/// surface form, because the segmenter only ever sees normalised text: an entry written サーバー
/// must be stored as サーバ to match. `#` lines and blank lines are comments.
fn normalized_user_dictionary(path: &Path, csv: &str) -> Result<String, String> {
    let mut out = String::with_capacity(csv.len());
    for (index, line) in csv.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let error = |column: usize, message: String| {
            Diagnostic::new(path, index + 1, column, message).with_source(csv).to_string()
        };
        if line.contains('"') {
            return Err(error(line.find('"').map_or(1, |b| line[..b].chars().count() + 1), "quoted CSV fields are not supported in the user dictionary".into()));
        }
        let fields: Vec<&str> = line.split(',').collect();
        match fields.len() {
            3 => {}
            13 => {
                for (i, name) in [(1, "left context id"), (2, "right context id")] {
                    if fields[i].trim().parse::<u16>().is_err() {
                        return Err(error(1, format!("{name} must be an integer 0..=65535, found '{}'", fields[i])));
                    }
                }
                if fields[3].trim().parse::<i16>().is_err() {
                    return Err(error(1, format!("word cost must be an integer -32768..=32767, found '{}'", fields[3])));
                }
            }
            n => {
                return Err(error(
                    1,
                    format!("expected 3 fields (surface,品詞,読み) or 13 IPADIC fields, found {n}"),
                ));
            }
        }
        let surface = normalize(fields[0].trim());
        if surface.is_empty() || surface.chars().any(|c| char_class(c) == CharClass::Separator) {
            return Err(error(1, format!("surface '{}' must be one word without spaces or punctuation", fields[0])));
        }
        out.push_str(&surface);
        for field in &fields[1..] {
            out.push(',');
            out.push_str(field);
        }
        out.push('\n');
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn analyzer() -> Analyzer {
        // a directory without the files falls back to the built-in ones
        Analyzer::load(Path::new("/nonexistent/search-index")).expect("built-in analyser")
    }

    fn morph_texts(a: &Analyzer, s: &str) -> Vec<String> {
        a.morphemes(&normalize(s)).into_iter().filter(|m| m.content).map(|m| m.text).collect()
    }

    #[test]
    fn user_dictionary_keeps_domain_compounds_whole() {
        let a = analyzer();
        assert_eq!(morph_texts(&a, "クラウドサービスを使う"), ["クラウドサービス", "使う"]);
        assert!(morph_texts(&a, "医療情報の責任分界点について").starts_with(&["医療情報".to_string(), "責任分界点".to_string()]));
        assert_eq!(morph_texts(&a, "記録媒体の廃棄"), ["記録媒体", "廃棄"]);
    }

    #[test]
    fn field_terms_have_unigrams_gaps_and_synonyms() {
        let a = Analyzer::from_sources(Path::new("u.csv"), "", Path::new("s.yaml"), "synonyms:\n  - [SLA, サービスレベル合意]\n").unwrap();
        let t = a.field_terms(&["暗号化", "鍵"], false);
        let texts: Vec<&str> = t.bigram.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(texts, ["暗号", "u:暗", "号化", "u:号", "u:化", "鍵", "u:鍵"]);
        assert_eq!(t.bigram[5].1, 2 + POSITION_GAP);
        // kana get no unigrams
        let t = a.field_terms(&["のテスト"], false);
        assert!(t.bigram.iter().all(|(s, _)| !s.starts_with("u:")), "{:?}", t.bigram);
        let t = a.field_terms(&["SLAを結ぶ"], true);
        assert!(t.bigram.iter().any(|(s, _)| s == "合意"));
        assert!(t.morph.iter().any(|(s, _)| s == "結ぶ"));
    }

    #[test]
    fn user_dictionary_errors_name_the_line() {
        let err = Analyzer::from_sources(Path::new("userdict.csv"), "# c\nクラウド,名詞\n", Path::new("s"), "").err().unwrap();
        assert!(err.contains("userdict.csv:2:1"), "{err}");
        let err = Analyzer::from_sources(Path::new("userdict.csv"), "x,a,1285,0,名詞,一般,*,*,*,*,x,x,x\n", Path::new("s"), "").err().unwrap();
        assert!(err.contains("left context id"), "{err}");
    }

    #[test]
    fn user_dictionary_surfaces_are_normalized() {
        let a = Analyzer::from_sources(
            Path::new("u.csv"),
            "ストレージサーバー,1285,1285,-5000,名詞,一般,*,*,*,*,ストレージサーバー,*,*\n",
            Path::new("s"),
            "",
        )
        .unwrap();
        assert_eq!(morph_texts(&a, "ストレージサーバーを置く")[0], "ストレージサーバ");
    }
}
