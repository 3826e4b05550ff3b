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
use serde::Deserialize;
use std::path::Path;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SynonymsFile {
    #[serde(default)]
    synonyms: Vec<Vec<String>>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Synonyms {
    /// Normalised members; every group has at least two distinct members.
    groups: Vec<Vec<String>>,
}

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
        Ok(Synonyms { groups })
    }

    pub fn groups(&self) -> &[Vec<String>] {
        &self.groups
    }

    /// For every group with a member in `normalized` text: the members the text does not contain.
    pub fn expansions(&self, normalized: &str) -> Vec<&str> {
        let mut out = Vec::new();
        for group in &self.groups {
            let present: Vec<bool> = group.iter().map(|m| contains_member(normalized, m)).collect();
            if present.iter().any(|&p| p) {
                out.extend(group.iter().zip(&present).filter(|&(_, &p)| !p).map(|(m, _)| m.as_str()));
            }
        }
        out
    }
}

/// Substring match, except that a member starting or ending with a letter/digit must not continue
/// a longer word there (sla is not in slack; 医療 is in 医療情報 on purpose).
pub(crate) fn contains_member(text: &str, member: &str) -> bool {
    let first_is_word = member.chars().next().is_some_and(|c| char_class(c) == CharClass::Word);
    let last_is_word = member.chars().next_back().is_some_and(|c| char_class(c) == CharClass::Word);
    text.match_indices(member).any(|(at, _)| {
        let before_ok = !first_is_word || text[..at].chars().next_back().is_none_or(|c| char_class(c) != CharClass::Word);
        let after_ok =
            !last_is_word || text[at + member.len()..].chars().next().is_none_or(|c| char_class(c) != CharClass::Word);
        before_ok && after_ok
    })
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

    #[test]
    fn bad_files_are_clear_errors() {
        assert!(syn("synonyms:\n  - [SLA]\n").unwrap_err().contains("at least two"));
        assert!(syn("synonym:\n  - [a, b]\n").unwrap_err().contains("synonyms.yaml"));
        assert!(syn("synonyms:\n  - [a, '  ']\n").unwrap_err().contains("empty member"));
        assert_eq!(syn("").unwrap().groups().len(), 0);
    }
}
