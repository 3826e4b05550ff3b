//! Coverage report of a filled answer file (`shishin disclosure report`, the 「対応状況」 view of the
//! template pages): which clauses the answers address, which they leave open, and which the
//! template has no item for, read through `mappings.yaml` onto the other guidelines' clauses.
//!
//! Two steps, so that the CLI and the browser cannot drift:
//! - `CoverageData::new` (build time, Rust only) gathers everything the statuses depend on: the
//!   clause list (`report_clauses` of the template, expanded to leaf clauses), each answerable
//!   item with its clause, fields and 有/無 column, the mapping rows of each clause.
//! - `compute` turns that data and the answers into the `Report`. coverage.js runs the same
//!   steps over the same data (embedded in the page); tests compare the downloads byte for byte.

pub mod formats;
pub mod view;
pub mod xlsx;

use crate::disclosure::model::{ColumnType, Template};
use crate::content::Site;
use crate::mapping::{Relationship, Row as MappingRow};
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

/// Choice options that say "absent" (有/無 → 無, 可/否 → 否): an item whose first choice column
/// is answered with one of these counts as `no`, not as answered.
const ABSENT_OPTIONS: [&str; 5] = ["無", "否", "なし", "無し", "いいえ"];

// ---------------------------------------------------------------- statuses

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemStatus {
    Answered,
    No,
    Missing,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClauseStatus {
    // Declared worst first: `min` is the worst status.
    Gap,
    Partial,
    Covered,
    NotAddressed,
}

impl ItemStatus {
    pub const ALL: [ItemStatus; 3] = [ItemStatus::Answered, ItemStatus::No, ItemStatus::Missing];
    pub fn token(self) -> &'static str {
        match self {
            ItemStatus::Answered => "answered",
            ItemStatus::No => "no",
            ItemStatus::Missing => "missing",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ItemStatus::Answered => "回答済み",
            ItemStatus::No => "無（否）と回答",
            ItemStatus::Missing => "未記入",
        }
    }
}

impl ClauseStatus {
    pub const ALL: [ClauseStatus; 4] = [ClauseStatus::Covered, ClauseStatus::Partial, ClauseStatus::Gap, ClauseStatus::NotAddressed];
    pub fn token(self) -> &'static str {
        match self {
            ClauseStatus::Covered => "covered",
            ClauseStatus::Partial => "partial",
            ClauseStatus::Gap => "gap",
            ClauseStatus::NotAddressed => "not-addressed",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ClauseStatus::Covered => "対応済み",
            ClauseStatus::Partial => "一部対応",
            ClauseStatus::Gap => "未対応",
            ClauseStatus::NotAddressed => "記入項目なし",
        }
    }
    /// Tells the statuses apart without colour (screens, paper, spreadsheets).
    pub fn symbol(self) -> &'static str {
        match self {
            ClauseStatus::Covered => "●",
            ClauseStatus::Partial => "◐",
            ClauseStatus::Gap => "○",
            ClauseStatus::NotAddressed => "－",
        }
    }
    /// covered when every item is answered, gap when none is, partial otherwise;
    /// not-addressed without items.
    pub fn of(items: impl IntoIterator<Item = ItemStatus>) -> ClauseStatus {
        let (mut answered, mut total) = (0, 0);
        for s in items {
            total += 1;
            answered += usize::from(s == ItemStatus::Answered);
        }
        match (answered, total) {
            (_, 0) => ClauseStatus::NotAddressed,
            (0, _) => ClauseStatus::Gap,
            (a, t) if a == t => ClauseStatus::Covered,
            _ => ClauseStatus::Partial,
        }
    }
}

// ---------------------------------------------------------------- the data the statuses depend on

#[derive(Debug, Clone, Serialize)]
pub struct CoverageData {
    pub template: String,
    pub version: String,
    /// The template's title (サービス仕様適合開示書).
    pub title: String,
    pub items: Vec<ItemData>,
    pub clauses: Vec<ClauseData>,
    /// Every clause of another guideline a clause maps to, in shishin.yaml order, then reading order.
    pub targets: Vec<PageData>,
    pub sections: Vec<SectionData>,
    pub labels: Labels,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemData {
    pub id: String,
    pub title: String,
    pub clause: Option<String>,
    pub columns: Vec<ColumnData>,
    /// Keys of the columns that must be filled for the item to count as answered.
    pub fields: Vec<String>,
    /// The item's first choice column and its "absent" option, when it has one.
    pub presence: Option<Presence>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ColumnData {
    pub key: String,
    /// Choice options (empty for text): an answer outside them does not count.
    pub options: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Presence {
    pub column: String,
    pub absent: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClauseData {
    pub id: String,
    pub title: String,
    pub label: String,
    pub url: String,
    /// Ids of the items whose clause this is, in template order.
    pub items: Vec<String>,
    pub mapped: Vec<MappedData>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MappedData {
    pub id: String,
    pub relationship: Relationship,
    /// The clause's ancestor the row is written on (3.3 for 3.3.4), when not the clause itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inherited_from: Option<String>,
    /// Its number (3.3), or its label when it has none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inherited_label: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PageData {
    pub id: String,
    pub title: String,
    pub label: String,
    pub url: String,
    /// The guideline's label from shishin.yaml.
    pub corpus: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct SectionData {
    pub id: String,
    pub title: String,
    pub items: Vec<String>,
}

/// The words the formats print, so coverage.js writes the same CSV as the CLI.
#[derive(Debug, Clone, Serialize)]
pub struct Labels {
    pub status: BTreeMap<&'static str, [&'static str; 2]>,
    pub item_status: BTreeMap<&'static str, &'static str>,
    pub relationship: BTreeMap<&'static str, &'static str>,
    pub csv_header: [&'static str; 11],
    pub primary: String,
}

impl Labels {
    fn new(primary: String) -> Labels {
        Labels {
            status: ClauseStatus::ALL.iter().map(|s| (s.token(), [s.label(), s.symbol()])).collect(),
            item_status: ItemStatus::ALL.iter().map(|s| (s.token(), s.label())).collect(),
            relationship: Relationship::ALL.iter().map(|r| (r.token(), r.label())).collect(),
            csv_header: formats::CSV_HEADER,
            primary,
        }
    }
}

/// The corpus prefix of `id`: the corpus root page (`mhlw5`) belongs to its corpus too.
fn corpus_of<'a>(site: &'a Site, id: &str) -> Option<&'a crate::config::Corpus> {
    site.config.corpora.iter().find(|c| id == c.prefix || id.strip_prefix(&c.prefix).is_some_and(|r| r.starts_with('-')))
}

fn page_data(site: &Site, id: &str) -> PageData {
    let page = site.page_by_id(id);
    PageData {
        id: id.to_string(),
        title: page.map(|p| p.front.title.clone()).unwrap_or_else(|| id.to_string()),
        label: page.map(|p| p.label()).unwrap_or_else(|| id.to_string()),
        url: page.map(|p| site.url_for(&p.url)).unwrap_or_default(),
        corpus: corpus_of(site, id).map(|c| c.label.clone()).unwrap_or_default(),
    }
}

fn item_data(row: &crate::disclosure::Row) -> ItemData {
    let mut fields: Vec<String> = row.required_columns().map(|c| c.key.clone()).collect();
    if fields.is_empty() {
        // An optional item counts as answered when the columns a required one would need are filled.
        fields = row.columns.iter().filter(|c| c.required).map(|c| c.key.clone()).collect();
    }
    if fields.is_empty() {
        fields = row.columns.iter().map(|c| c.key.clone()).collect();
    }
    let presence = row.columns.iter().find(|c| c.kind == ColumnType::Choice).and_then(|c| {
        c.options.iter().find(|o| ABSENT_OPTIONS.contains(&o.as_str())).map(|absent| Presence { column: c.key.clone(), absent: absent.clone() })
    });
    ItemData {
        id: row.item.id.clone(),
        title: row.item.display_title(),
        clause: row.item.clause.clone(),
        columns: row.columns.iter().map(|c| ColumnData { key: c.key.clone(), options: if c.kind == ColumnType::Choice { c.options.clone() } else { Vec::new() } }).collect(),
        fields,
        presence,
    }
}

impl CoverageData {
    pub fn new(site: &Site, mappings: &[MappingRow], t: &Template) -> CoverageData {
        let primary = site.config.corpora.first().map(|c| c.prefix.clone());
        let is_target = |id: &str| corpus_of(site, id).is_some_and(|c| Some(&c.prefix) != primary.as_ref());
        let rows = t.rows();
        let items: Vec<ItemData> = rows.iter().map(item_data).collect();
        // Rows touching a page, oriented from that page: (other page, relationship).
        let mut rows_of: HashMap<&str, Vec<(&str, Relationship)>> = HashMap::new();
        for r in mappings {
            if is_target(&r.to) && !is_target(&r.from) {
                rows_of.entry(&r.from).or_default().push((&r.to, r.relationship));
            } else if is_target(&r.from) && !is_target(&r.to) {
                rows_of.entry(&r.to).or_default().push((&r.from, r.relationship.inverse()));
            }
        }
        let rank = |id: &str| {
            let corpus = corpus_of(site, id).and_then(|c| site.config.corpora.iter().position(|x| x.prefix == c.prefix));
            (corpus.unwrap_or(usize::MAX), site.by_id.get(id).copied().unwrap_or(usize::MAX), id.to_string())
        };
        let mut clauses = Vec::new();
        for id in &t.report_clauses {
            let Some(&index) = site.by_id.get(id) else { continue };
            // Own rows first, then those of ancestors in the same guideline (nearest first).
            let mut sources = vec![(index, None)];
            let own_corpus = corpus_of(site, id).map(|c| &c.prefix);
            for a in site.ancestors(index).into_iter().rev() {
                if corpus_of(site, &site.pages[a].id()).map(|c| &c.prefix) == own_corpus {
                    sources.push((a, Some(&site.pages[a])));
                }
            }
            let mut mapped: Vec<MappedData> = Vec::new();
            for (page, inherited_from) in sources {
                for (other, relationship) in rows_of.get(site.pages[page].id().as_str()).into_iter().flatten() {
                    if !mapped.iter().any(|m| m.id == *other) {
                        mapped.push(MappedData {
                            id: other.to_string(),
                            relationship: *relationship,
                            inherited_from: inherited_from.map(|p| p.id()),
                            inherited_label: inherited_from.map(|p| p.front.number.clone().unwrap_or_else(|| p.label())),
                        });
                    }
                }
            }
            mapped.sort_by_key(|m| rank(&m.id));
            let page = page_data(site, id);
            clauses.push(ClauseData {
                items: items.iter().filter(|i| i.clause.as_deref() == Some(id.as_str())).map(|i| i.id.clone()).collect(),
                id: page.id,
                title: page.title,
                label: page.label,
                url: page.url,
                mapped,
            });
        }
        let mut target_ids: Vec<&str> = clauses.iter().flat_map(|c| c.mapped.iter().map(|m| m.id.as_str())).collect();
        target_ids.sort_by_key(|id| rank(id));
        target_ids.dedup();
        let targets = target_ids.into_iter().map(|id| page_data(site, id)).collect();
        let sections = t
            .items
            .iter()
            .map(|s| SectionData {
                id: s.id.clone(),
                title: s.display_title(),
                items: rows.iter().filter(|r| r.path.first().map_or(r.item.id == s.id, |p| p.id == s.id)).map(|r| r.item.id.clone()).collect(),
            })
            .collect();
        let primary_label = site.config.corpora.first().map(|c| c.label.clone()).unwrap_or_default();
        CoverageData { template: t.name.clone(), version: t.version.clone(), title: t.title.clone(), items, clauses, targets, sections, labels: Labels::new(primary_label) }
    }
}

// ---------------------------------------------------------------- the report (fixed JSON shape)

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub template: String,
    pub version: String,
    pub totals: Totals,
    pub clauses: Vec<ClauseReport>,
    pub by_target: Vec<TargetReport>,
    /// The template's top-level sections: the view an SLA answer file has (its items name no clause).
    pub sections: Vec<SectionReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Totals {
    pub items: usize,
    pub answered: usize,
    pub no: usize,
    pub missing: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemReport {
    pub id: String,
    pub title: String,
    pub status: ItemStatus,
}

#[derive(Debug, Clone, Serialize)]
pub struct ClauseReport {
    pub id: String,
    pub title: String,
    pub status: ClauseStatus,
    pub items: Vec<ItemReport>,
    pub mapped: Vec<MappedReport>,
}

#[derive(Debug, Clone, Serialize)]
pub struct MappedReport {
    pub id: String,
    pub relationship: Relationship,
    /// The clause's status.
    pub status: ClauseStatus,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub inherited_from: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TargetReport {
    pub id: String,
    pub title: String,
    pub status: ClauseStatus,
    pub via: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SectionReport {
    pub id: String,
    pub title: String,
    pub status: ClauseStatus,
    pub items: Vec<ItemReport>,
}

/// Answers as a file holds them: item id → column key → value.
pub type Answers = BTreeMap<String, BTreeMap<String, String>>;

fn item_status(item: &ItemData, answers: Option<&BTreeMap<String, String>>) -> ItemStatus {
    // A cell counts when it is filled and, for a choice, one of its options.
    let cell = |key: &str| -> Option<&str> {
        let column = item.columns.iter().find(|c| c.key == key)?;
        let v = answers?.get(key)?.trim();
        (!v.is_empty() && (column.options.is_empty() || column.options.iter().any(|o| o == v))).then_some(v)
    };
    if let Some(p) = &item.presence
        && cell(&p.column) == Some(p.absent.as_str())
    {
        return ItemStatus::No;
    }
    if item.fields.iter().all(|f| cell(f).is_some()) { ItemStatus::Answered } else { ItemStatus::Missing }
}

/// The report of `answers` (coverage.js mirrors this function step by step).
pub fn compute(data: &CoverageData, answers: &Answers) -> Report {
    let statuses: HashMap<&str, ItemStatus> = data.items.iter().map(|i| (i.id.as_str(), item_status(i, answers.get(&i.id)))).collect();
    let titles: HashMap<&str, &str> = data.items.iter().map(|i| (i.id.as_str(), i.title.as_str())).collect();
    let item_reports = |ids: &[String]| -> Vec<ItemReport> { ids.iter().map(|id| ItemReport { id: id.clone(), title: titles[id.as_str()].to_string(), status: statuses[id.as_str()] }).collect() };
    let count = |s: ItemStatus| data.items.iter().filter(|i| statuses[i.id.as_str()] == s).count();
    let totals = Totals { items: data.items.len(), answered: count(ItemStatus::Answered), no: count(ItemStatus::No), missing: count(ItemStatus::Missing) };
    let clauses: Vec<ClauseReport> = data
        .clauses
        .iter()
        .map(|c| {
            let items = item_reports(&c.items);
            let status = ClauseStatus::of(items.iter().map(|i| i.status));
            let mapped = c.mapped.iter().map(|m| MappedReport { id: m.id.clone(), relationship: m.relationship, status, inherited_from: m.inherited_from.clone() }).collect();
            ClauseReport { id: c.id.clone(), title: c.title.clone(), status, items, mapped }
        })
        .collect();
    let by_target = data
        .targets
        .iter()
        .filter_map(|t| {
            // A no-relationship row lists the target under the clause but does not reach it.
            let via: Vec<&ClauseReport> = clauses.iter().filter(|c| c.mapped.iter().any(|m| m.id == t.id && m.relationship != Relationship::NoRelationship)).collect();
            if via.is_empty() {
                return None;
            }
            // The worst status of the clauses that reach it; not-addressed ones count only when
            // no other clause reaches it.
            let addressed = via.iter().map(|c| c.status).filter(|s| *s != ClauseStatus::NotAddressed).min();
            Some(TargetReport { id: t.id.clone(), title: t.title.clone(), status: addressed.unwrap_or(ClauseStatus::NotAddressed), via: via.iter().map(|c| c.id.clone()).collect() })
        })
        .collect();
    let sections = data
        .sections
        .iter()
        .map(|s| {
            let items = item_reports(&s.items);
            SectionReport { id: s.id.clone(), title: s.title.clone(), status: ClauseStatus::of(items.iter().map(|i| i.status)), items }
        })
        .collect();
    Report { template: data.template.clone(), version: data.version.clone(), totals, clauses, by_target, sections }
}

/// The JSON report as the CLI prints it and the page downloads it.
pub fn to_json(report: &Report) -> String {
    serde_json::to_string_pretty(report).expect("the report serialises") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clause_status_rule() {
        use ItemStatus::*;
        assert_eq!(ClauseStatus::of([]), ClauseStatus::NotAddressed);
        assert_eq!(ClauseStatus::of([Answered, Answered]), ClauseStatus::Covered);
        assert_eq!(ClauseStatus::of([No, Missing]), ClauseStatus::Gap);
        assert_eq!(ClauseStatus::of([Answered, No]), ClauseStatus::Partial);
        assert!(ClauseStatus::Gap < ClauseStatus::Partial && ClauseStatus::Partial < ClauseStatus::Covered);
    }
}
