//! The schema of content/data/mappings.yaml and the vocabulary it uses (OSCAL relationship
//! tokens with their Japanese labels). Values that need a checked position are `Spanned`.

use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;

/// The whole file as written. Rows keep their positions so every check can name file:line:col.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MappingFile {
    pub collection: Collection,
    #[serde(default)]
    pub mappings: Vec<Spanned<RawRow>>,
    /// Entry-level correspondences that clause rows cannot hold (items.rs).
    #[serde(default)]
    pub items: Vec<Spanned<RawItemRow>>,
}

/// Metadata of the whole collection; becomes the OSCAL `metadata` and `provenance`.
#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Collection {
    pub title: String,
    pub version: String,
    pub method: Method,
    pub matching_rationale: MatchingRationale,
    pub status: ProvenanceStatus,
    pub description: String,
    /// `YYYY-MM-DD` or an RFC 3339 date-time. Default: the last git commit of mappings.yaml.
    #[serde(default)]
    pub last_modified: Option<Spanned<String>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    Human,
    Automation,
    Hybrid,
}
crate::plain::token_enum!(Method { Human = "human", Automation = "automation", Hybrid = "hybrid" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum MatchingRationale {
    Syntactic,
    Semantic,
    Functional,
}
crate::plain::token_enum!(MatchingRationale { Syntactic = "syntactic", Semantic = "semantic", Functional = "functional" });

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProvenanceStatus {
    Complete,
    NotComplete,
    Draft,
    Deprecated,
    Superseded,
}
crate::plain::token_enum!(ProvenanceStatus { Complete = "complete", NotComplete = "not-complete", Draft = "draft", Deprecated = "deprecated", Superseded = "superseded" });

/// One row as written; tokens stay strings here so that a wrong value gets our own message
/// (listing the allowed tokens and their Japanese labels) at the value's position.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRow {
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    pub relationship: Spanned<String>,
    pub rationale: Spanned<String>,
    pub evidence: Spanned<String>,
    pub confidence: Spanned<String>,
}

/// One item row as written: an entry of a fill-in template (`from`: a disclosure.yaml / sla.yaml
/// item id, or the template's page id for the template as a whole) against an entry of a list in
/// another guideline that has no page of its own (`to_item`, as printed, on page `to`).
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawItemRow {
    pub from: Spanned<String>,
    pub to: Spanned<String>,
    pub to_item: Spanned<String>,
    pub relationship: Spanned<String>,
    pub rationale: Spanned<String>,
    pub evidence: Spanned<String>,
    pub confidence: Spanned<String>,
}

/// OSCAL 1.2 mapping relationship tokens (`map/relationship`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Relationship {
    EquivalentTo,
    EqualTo,
    SubsetOf,
    SupersetOf,
    IntersectsWith,
    NoRelationship,
}

impl Relationship {
    pub const ALL: [Relationship; 6] = [
        Relationship::EqualTo,
        Relationship::EquivalentTo,
        Relationship::SubsetOf,
        Relationship::SupersetOf,
        Relationship::IntersectsWith,
        Relationship::NoRelationship,
    ];

    pub fn parse(token: &str) -> Option<Relationship> {
        Relationship::ALL.into_iter().find(|r| r.token() == token)
    }
    pub fn token(self) -> &'static str {
        match self {
            Relationship::EquivalentTo => "equivalent-to",
            Relationship::EqualTo => "equal-to",
            Relationship::SubsetOf => "subset-of",
            Relationship::SupersetOf => "superset-of",
            Relationship::IntersectsWith => "intersects-with",
            Relationship::NoRelationship => "no-relationship",
        }
    }
    /// The label the UI shows.
    pub fn label(self) -> &'static str {
        match self {
            Relationship::EquivalentTo => "同等",
            Relationship::EqualTo => "一致",
            Relationship::SubsetOf => "部分",
            Relationship::SupersetOf => "包含",
            Relationship::IntersectsWith => "一部重複",
            Relationship::NoRelationship => "対応なし",
        }
    }
    /// A symbol that tells the kinds apart without colour (the matrix cells).
    pub fn symbol(self) -> &'static str {
        match self {
            Relationship::EqualTo => "◎",
            Relationship::EquivalentTo => "○",
            Relationship::SubsetOf => "⊂",
            Relationship::SupersetOf => "⊃",
            Relationship::IntersectsWith => "△",
            Relationship::NoRelationship => "×",
        }
    }
    /// What the relationship says, read as "this clause → the other clause".
    pub fn description(self) -> &'static str {
        match self {
            Relationship::EqualTo => "内容も表現もほぼ同じ",
            Relationship::EquivalentTo => "書き方は違っても、求めている内容が実質的に同じ",
            Relationship::SubsetOf => "この項目の内容が、相手の項目にすべて含まれる",
            Relationship::SupersetOf => "この項目が、相手の項目の内容をすべて含み、さらに多くを求める",
            Relationship::IntersectsWith => "重なる部分があり、どちらにも相手にない内容がある",
            Relationship::NoRelationship => "関係する内容がない",
        }
    }
    /// The same fact read from the other side (`A subset-of B` = `B superset-of A`).
    pub fn inverse(self) -> Relationship {
        match self {
            Relationship::SubsetOf => Relationship::SupersetOf,
            Relationship::SupersetOf => Relationship::SubsetOf,
            other => other,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    High,
    Medium,
    Low,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::High, Level::Medium, Level::Low];
    pub fn parse(token: &str) -> Option<Level> {
        Level::ALL.into_iter().find(|l| l.token() == token)
    }
    pub fn token(self) -> &'static str {
        match self {
            Level::High => "high",
            Level::Medium => "medium",
            Level::Low => "low",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            Level::High => "高",
            Level::Medium => "中",
            Level::Low => "低",
        }
    }
}

/// A checked row: ids exist, tokens are known. `line`/`column` point at the row in the file.
#[derive(Debug, Clone, Serialize)]
pub struct Row {
    pub from: String,
    pub to: String,
    pub relationship: Relationship,
    pub rationale: String,
    /// A key of sources.yaml, or `editorial`.
    pub evidence: String,
    pub confidence: Level,
    #[serde(skip)]
    pub line: usize,
    #[serde(skip)]
    pub column: usize,
}

pub const EDITORIAL: &str = "editorial";

/// A checked item row; `from_page`/`from_label`/`from_anchor` say where `from` is shown.
#[derive(Debug, Clone, Serialize)]
pub struct ItemRow {
    pub from: String,
    pub to: String,
    pub to_item: String,
    pub relationship: Relationship,
    pub rationale: String,
    pub evidence: String,
    pub confidence: Level,
    /// Id of the page that shows `from` (the template's page).
    #[serde(skip)]
    pub from_page: String,
    /// `(1)① 組織的取組における基本方針`, or the page's label for a whole template.
    #[serde(skip)]
    pub from_label: String,
    /// The item's anchor on that page (None for a whole template).
    #[serde(skip)]
    pub from_anchor: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inverse_is_an_involution_and_swaps_only_subset_superset() {
        for r in Relationship::ALL {
            assert_eq!(r.inverse().inverse(), r);
            assert_eq!(Relationship::parse(r.token()), Some(r));
        }
        assert_eq!(Relationship::SubsetOf.inverse(), Relationship::SupersetOf);
        assert_eq!(Relationship::IntersectsWith.inverse(), Relationship::IntersectsWith);
        assert_eq!(Relationship::parse("same-as"), None);
    }

    #[test]
    fn labels_and_symbols_are_distinct() {
        let labels: std::collections::HashSet<_> = Relationship::ALL.iter().map(|r| r.label()).collect();
        let symbols: std::collections::HashSet<_> = Relationship::ALL.iter().map(|r| r.symbol()).collect();
        assert_eq!(labels.len(), 6);
        assert_eq!(symbols.len(), 6);
    }
}
