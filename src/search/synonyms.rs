//! Synonym groups (`search-index/synonyms.yaml`), applied when indexing: a field that mentions one
//! member of a group is also indexed under the other members, so a query for any member finds it on
//! every search path without query-time expansion (the browser needs no synonym logic to match).
//!
//! ```yaml
//! synonyms:
//!   - [SLA, サービスレベル合意]
//!   - [二要素認証, 多要素認証]
//! ```

use super::bigram::{CharClass, char_class};
use super::normalize::normalize;
use aho_corasick::AhoCorasick;
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymsFile {
    #[serde(default)]
    synonyms: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Default)]
pub struct Synonyms {
    /// Normalised members; every group has at least two distinct members.
    groups: Vec<Vec<String>>,
    /// Every member of every group, found in one pass over a text (`expansions` runs on every
    /// field of every page: a search per member was a twentieth of the index's CPU).
    /// Patterns are numbered member by member, group by group.
    members: Option<AhoCorasick>,
}

impl PartialEq for Synonyms {
    fn eq(&self, other: &Synonyms) -> bool {
        self.groups == other.groups
    }
}

impl Eq for Synonyms {}

impl Synonyms {
    /// Parses the YAML file (through the one YAML wrapper) and normalises every member.
    pub fn parse(file: &Path, text: &str) -> Result<Synonyms, String> {
        let parsed: SynonymsFile = crate::yaml::parse(file, text, 0).map_err(|d| d.with_source(text).to_string())?;
        let mut groups = Vec::new();
        for (index, group) in parsed.synonyms.into_iter().enumerate() {
            let mut members: Vec<String> = Vec::new();
            for member in group {
                let member = normalize(member.trim());
                if member.is_empty() {
                    return Err(format!("{}: synonym group {} has an empty member", file.display(), index + 1));
                }
                if !members.contains(&member) {
                    members.push(member);
                }
            }
            if members.len() < 2 {
                return Err(format!(
                    "{}: synonym group {} needs at least two different members",
                    file.display(),
                    index + 1
                ));
            }
            groups.push(members);
        }
        let members = if groups.is_empty() { None } else { Some(AhoCorasick::new(groups.iter().flatten()).map_err(|e| format!("{}: {e}", file.display()))?) };
        Ok(Synonyms { groups, members })
    }

    pub fn groups(&self) -> &[Vec<String>] {
        &self.groups
    }

    /// For every group with a member in `normalized` text: the members the text does not contain.
    pub fn expansions(&self, normalized: &str) -> Vec<&str> {
        let Some(matcher) = &self.members else { return Vec::new() };
        // `contains_member` for every member at once: its occurrences as `str::match_indices`
        // finds them (leftmost, not overlapping each other), each checked at its edges.
        let mut present = vec![false; matcher.patterns_len()];
        let mut free_from = vec![0usize; matcher.patterns_len()];
        for found in matcher.find_overlapping_iter(normalized) {
            let p = found.pattern().as_usize();
            if present[p] || found.start() < free_from[p] {
                continue;
            }
            free_from[p] = found.end();
            present[p] = at_word_edges(normalized, found.start(), &normalized[found.range()]);
        }
        let mut out = Vec::new();
        let mut p = 0;
        for group in &self.groups {
            let here = &present[p..p + group.len()];
            if here.iter().any(|&found| found) {
                out.extend(group.iter().zip(here).filter(|&(_, &found)| !found).map(|(m, _)| m.as_str()));
            }
            p += group.len();
        }
        out
    }
}

/// Substring match, except that a member starting or ending with a letter/digit must not continue
/// a longer word there (sla is not in slack; 医療 is in 医療情報 on purpose). `expansions` finds
/// every member at once; this one-member search is the reference the tests hold it to.
#[cfg(test)]
fn contains_member(text: &str, member: &str) -> bool {
    text.match_indices(member).any(|(at, _)| at_word_edges(text, at, member))
}

/// Whether `member`, found in `text` at byte `at`, does not continue a longer word at either edge.
fn at_word_edges(text: &str, at: usize, member: &str) -> bool {
    let first_is_word = member.chars().next().is_some_and(|c| char_class(c) == CharClass::Word);
    let last_is_word = member.chars().next_back().is_some_and(|c| char_class(c) == CharClass::Word);
    let before_ok = !first_is_word || text[..at].chars().next_back().is_none_or(|c| char_class(c) != CharClass::Word);
    let after_ok = !last_is_word || text[at + member.len()..].chars().next().is_none_or(|c| char_class(c) != CharClass::Word);
    before_ok && after_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn syn(yaml: &str) -> Result<Synonyms, String> {
        Synonyms::parse(Path::new("synonyms.yaml"), yaml)
    }

    #[test]
    fn expansions_add_missing_members() {
        let s = syn("synonyms:\n  - [SLA, サービスレベル合意]\n  - [二要素認証, 多要素認証]\n").unwrap();
        assert_eq!(s.expansions("slaを締結する"), ["サービスレベル合意"]);
        assert_eq!(s.expansions("多要素認証と二要素認証"), Vec::<&str>::new());
        assert_eq!(s.expansions("slackで連絡"), Vec::<&str>::new());
        assert_eq!(s.expansions("多要素認証を導入"), ["二要素認証"]);
    }

    /// The one-pass search agrees with a search per member (`contains_member`) on any text, with
    /// members that overlap themselves and each other and that start or end with word characters.
    #[test]
    fn one_pass_expansions_equal_a_search_per_member() {
        use proptest::prelude::*;
        let s = syn("synonyms:\n  - [aa, a-a, 医療]\n  - [ab, b a, 医療情報]\n  - [-a, ba]\n").unwrap();
        let naive = |text: &str| -> Vec<&str> {
            let mut out = Vec::new();
            for group in s.groups() {
                let present: Vec<bool> = group.iter().map(|m| contains_member(text, m)).collect();
                if present.iter().any(|&p| p) {
                    out.extend(group.iter().zip(&present).filter(|&(_, &p)| !p).map(|(m, _)| m.as_str()));
                }
            }
            out
        };
        // `a-a` at 1 continues the word `b`; the occurrence at 3 overlaps it and would count.
        for text in ["ba-a-a", "ba-a-a-a", "baaa", "a-a-a", "医療情報", "b a-a"] {
            assert_eq!(s.expansions(text), naive(text), "{text:?}");
        }
        proptest!(|(text in "[ab\\- 医療情報x]{0,16}")| {
            prop_assert_eq!(s.expansions(&text), naive(&text), "{:?}", text);
        });
    }

    #[test]
    fn bad_files_are_clear_errors() {
        assert!(syn("synonyms:\n  - [SLA]\n").unwrap_err().contains("at least two"));
        assert!(syn("synonym:\n  - [a, b]\n").unwrap_err().contains("synonyms.yaml"));
        assert!(syn("synonyms:\n  - [a, '  ']\n").unwrap_err().contains("empty member"));
        assert_eq!(syn("").unwrap().groups().len(), 0);
    }
}
