//! disclosure.yaml / sla.yaml: the file format (raw, with YAML positions) and the checked model
//! every export and the answer check read. One source of truth per template.

use crate::content::Confidence;
use crate::content::Site;
use crate::diagnostics::{Diagnostic, Diagnostics};
use serde::{Deserialize, Serialize};
use serde_saphyr::Spanned;
use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

// ---------------------------------------------------------------- the file format

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawTemplate {
    template: Spanned<String>,
    version: String,
    title: String,
    page: Spanned<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    example_note: Option<String>,
    #[serde(default)]
    confidence: Option<Confidence>,
    #[serde(default)]
    sources: Vec<Spanned<String>>,
    #[serde(default)]
    column_sets: BTreeMap<String, Vec<RawColumn>>,
    /// Clause pages the coverage report lists (report.rs).
    #[serde(default)]
    report_clauses: Vec<Spanned<String>>,
    items: Vec<RawItem>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawItem {
    id: Spanned<String>,
    #[serde(default)]
    label: Option<String>,
    title: String,
    #[serde(default, rename = "ref")]
    reference: Option<String>,
    #[serde(default)]
    clause: Option<Spanned<String>>,
    #[serde(default)]
    required: Option<bool>,
    #[serde(default)]
    confidence: Option<Confidence>,
    #[serde(default)]
    sources: Vec<Spanned<String>>,
    #[serde(default)]
    note: Option<String>,
    #[serde(default)]
    row_header: Option<String>,
    #[serde(default)]
    columns: Option<Vec<RawColumn>>,
    #[serde(default)]
    column_set: Option<Spanned<String>>,
    #[serde(default)]
    example: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    children: Vec<RawItem>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    key: Spanned<String>,
    header: String,
    #[serde(default)]
    group: Option<String>,
    #[serde(rename = "type")]
    kind: Spanned<String>,
    #[serde(default)]
    options: Vec<String>,
    #[serde(default)]
    required: Option<bool>,
    #[serde(default)]
    confidence: Option<Confidence>,
}

// ---------------------------------------------------------------- the checked model

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ColumnType {
    /// One of `options` (有/無, 可/否 …): a drop-down in the form, a validation list in XLSX.
    Choice,
    /// Free text, may span lines.
    Text,
}

#[derive(Debug, Clone, Serialize)]
pub struct Column {
    /// ASCII key used in answer files (`presence`, `content`, `method`).
    pub key: String,
    /// The column header as printed in the template.
    pub header: String,
    /// Header shared by consecutive columns (a merged header above them).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub group: Option<String>,
    #[serde(rename = "type")]
    pub kind: ColumnType,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// Must be answered when the item is required (`false`: an optional detail such as 文書名).
    pub required: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
}

impl Column {
    /// `group — header`, or the header alone: how a single cell is named outside a table.
    pub fn full_header(&self) -> String {
        match &self.group {
            Some(g) => format!("{g} — {}", self.header),
            None => self.header.clone(),
        }
    }
}

/// A node of the item tree. A node with `columns` is a table: its children are its rows, or,
/// without children, the node itself is the one row. A node without columns is a heading.
#[derive(Debug, Clone, Serialize)]
pub struct Item {
    pub id: String,
    /// Numbering as printed: `(1)`, `①`, `(a)`, `1.2`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
    pub title: String,
    /// The template's requirement reference, e.g. `(2)(ウ)1.⑥` (own or nearest ancestor's).
    #[serde(rename = "ref", skip_serializing_if = "Option::is_none")]
    pub reference: Option<String>,
    /// The item states `ref` itself (shown even when its parent has the same one, as the
    /// template prints it on both).
    #[serde(skip)]
    pub reference_stated: bool,
    /// MIC clause page id (own or inherited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub clause: Option<String>,
    /// Whether the item's columns must be answered (own or inherited; default false).
    pub required: bool,
    /// Confidence of this node's facts (own or inherited).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Header of the row-label column of a table with rows.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub row_header: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub columns: Vec<Column>,
    /// Example answers (column key → text), always shown marked （例）.
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub example: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub children: Vec<Item>,
    /// 0 for top-level sections.
    #[serde(skip)]
    pub depth: usize,
}

impl Item {
    pub fn is_table(&self) -> bool {
        !self.columns.is_empty()
    }
    /// `(a) 当社における…` — label and title.
    pub fn display_title(&self) -> String {
        match &self.label {
            Some(l) => format!("{l} {}", self.title),
            None => self.title.clone(),
        }
    }
}

/// One answerable row: a table without children, or a child of a table.
#[derive(Debug, Clone)]
pub struct Row<'a> {
    pub item: &'a Item,
    pub columns: &'a [Column],
    /// Labels and titles of the ancestors, top first (for exports that lose the tree).
    pub path: Vec<&'a Item>,
}

impl Row<'_> {
    pub fn required_columns(&self) -> impl Iterator<Item = &Column> {
        let req = self.item.required;
        self.columns.iter().filter(move |c| req && c.required)
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Template {
    /// `disclosure` or `sla`: the answer files' `template` value and the download file names.
    #[serde(rename = "template")]
    pub name: String,
    pub version: String,
    pub title: String,
    /// Page id that shows the template.
    pub page: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub example_note: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confidence: Option<Confidence>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<String>,
    pub items: Vec<Item>,
    /// The leaf clauses the coverage report lists (`report_clauses`, expanded; report.rs).
    #[serde(skip)]
    pub report_clauses: Vec<String>,
}

impl Template {
    /// Every answerable row in document order.
    pub fn rows(&self) -> Vec<Row<'_>> {
        fn walk<'a>(item: &'a Item, path: &mut Vec<&'a Item>, out: &mut Vec<Row<'a>>) {
            if item.is_table() {
                if item.children.is_empty() {
                    out.push(Row { item, columns: &item.columns, path: path.clone() });
                } else {
                    path.push(item);
                    for c in &item.children {
                        out.push(Row { item: c, columns: &item.columns, path: path.clone() });
                    }
                    path.pop();
                }
            } else {
                path.push(item);
                for c in &item.children {
                    walk(c, path, out);
                }
                path.pop();
            }
        }
        let mut out = Vec::new();
        let mut path = Vec::new();
        for item in &self.items {
            walk(item, &mut path, &mut out);
        }
        out
    }

    pub fn row(&self, id: &str) -> Option<Row<'_>> {
        self.rows().into_iter().find(|r| r.item.id == id)
    }

    /// Any node (heading, table or row) by id.
    pub fn item(&self, id: &str) -> Option<&Item> {
        fn find<'a>(items: &'a [Item], id: &str) -> Option<&'a Item> {
            items.iter().find_map(|i| if i.id == id { Some(i) } else { find(&i.children, id) })
        }
        find(&self.items, id)
    }

    /// Number of cells that must be answered.
    pub fn required_count(&self) -> usize {
        self.rows().iter().map(|r| r.required_columns().count()).sum()
    }

    /// The id prefix of this template's items (`disc-`, `sla-`).
    pub fn id_prefix(&self) -> &'static str {
        id_prefix(&self.name)
    }
}

pub fn id_prefix(template: &str) -> &'static str {
    if template == "sla" { "sla-" } else { "disc-" }
}

// ---------------------------------------------------------------- checking

/// Turns a parsed file into the model, collecting every problem with its position.
pub(crate) struct Checker<'a> {
    file: PathBuf,
    text: &'a str,
    site: &'a Site,
    errors: Diagnostics,
    seen: HashSet<String>,
    prefix: &'static str,
    column_sets: BTreeMap<String, Vec<Column>>,
}

fn at<T>(file: &Path, text: &str, s: &Spanned<T>, msg: impl Into<String>) -> Diagnostic {
    crate::yaml::diagnostic_at(file, text, &s.referenced, msg)
}

fn valid_key(key: &str) -> bool {
    let mut chars = key.chars();
    matches!(chars.next(), Some('a'..='z')) && chars.all(|c| matches!(c, 'a'..='z' | '0'..='9' | '_'))
}

fn valid_id(id: &str, prefix: &str) -> bool {
    id.strip_prefix(prefix).is_some_and(|rest| !rest.is_empty() && rest.split('-').all(|s| !s.is_empty() && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit())))
}

impl<'a> Checker<'a> {
    /// `name` is `disclosure` or `sla` (the file it came from decides).
    pub(crate) fn check(site: &'a Site, file: &Path, text: &'a str, name: &str, raw: RawTemplate) -> Result<Template, Diagnostics> {
        let mut c = Checker {
            file: file.to_path_buf(),
            text,
            site,
            errors: Diagnostics::default(),
            seen: HashSet::new(),
            prefix: id_prefix(name),
            column_sets: BTreeMap::new(),
        };
        if raw.template.value != name {
            let d = c.at(&raw.template, format!("`template: {}` in {name}.yaml", raw.template.value)).help(format!("this file defines the `{name}` template; write `template: {name}`"));
            c.errors.push(d);
        }
        if raw.version.trim().is_empty() {
            c.errors.push(Diagnostic::at_offset(file, text, crate::content::data::locate(text, "version:"), "`version` is empty").help("give the template a version such as \"1.0\"; answer files name it"));
        }
        match site.page_by_id(&raw.page.value) {
            None => {
                let d = c.at(&raw.page, format!("unknown page id `{}`", raw.page.value))
                    .help(crate::content::ids::id_help(site, &raw.page.value, str::to_string, "`page` names the page (its front matter `id`) that shows this template"))
                    .follows(site.broken_page(&raw.page.value));
                c.errors.push(d);
            }
            Some(p) if p.layout() != name => {
                let d = c.at(&raw.page, format!("page `{}` has layout `{}`, so it would not show the template", raw.page.value, p.layout())).help(format!("set `layout: {name}` in the front matter of {}", p.file.display()));
                c.errors.push(d);
            }
            Some(_) => {}
        }
        c.check_sources(&raw.sources);
        for (name, cols) in &raw.column_sets {
            let checked = c.columns(cols, name);
            c.column_sets.insert(name.clone(), checked);
        }
        let inherited = Inherited { reference: None, clause: None, required: false, confidence: raw.confidence };
        let items: Vec<Item> = raw.items.iter().map(|i| c.item(i, 0, &inherited, false)).collect();
        if items.is_empty() {
            c.errors.push(Diagnostic::at_offset(file, text, crate::content::data::locate(text, "items:"), "the template has no items").help("list the template's items under `items:`"));
        }
        let report_clauses = super::report_clauses::check_report_clauses(site, file, text, &raw.report_clauses, &items, &mut c.errors);
        c.errors.into_result()?;
        Ok(Template {
            name: name.to_string(),
            version: raw.version,
            title: raw.title,
            page: raw.page.value,
            description: raw.description,
            example_note: raw.example_note,
            confidence: raw.confidence,
            sources: raw.sources.into_iter().map(|s| s.value).collect(),
            items,
            report_clauses,
        })
    }

    fn at<T>(&self, s: &Spanned<T>, msg: impl Into<String>) -> Diagnostic {
        at(&self.file, self.text, s, msg)
    }

    fn check_sources(&mut self, sources: &[Spanned<String>]) {
        for s in sources {
            if self.site.data.source(&s.value).is_none() {
                let d = self.at(s, format!("unknown source key `{}`", s.value))
                    .help(crate::content::validate::source_help(self.site, &s.value))
                    .follows(self.site.data.broken("sources.yaml"));
                self.errors.push(d);
            }
        }
    }

    fn columns(&mut self, raw: &[RawColumn], owner: &str) -> Vec<Column> {
        let mut keys = HashSet::new();
        let mut out = Vec::new();
        if raw.is_empty() {
            self.errors.push(Diagnostic::at_offset(&self.file, self.text, crate::content::data::locate(self.text, owner), format!("`{owner}` has an empty column list")).help("give it at least one column, or remove `columns`"));
        }
        for col in raw {
            let key = &col.key.value;
            if !valid_key(key) {
                let d = self.at(&col.key, format!("column key `{key}` is not a lowercase ASCII name")).help("use keys like `presence`, `content`, `method` (a-z, 0-9, _; starting with a letter)");
                self.errors.push(d);
            }
            if !keys.insert(key.clone()) {
                let d = self.at(&col.key, format!("column `{key}` appears twice in `{owner}`")).help("give each column of an item its own key");
                self.errors.push(d);
            }
            let kind = match col.kind.value.as_str() {
                "choice" => ColumnType::Choice,
                "text" => ColumnType::Text,
                other => {
                    let (message, help) = crate::plain::bad_value("type", other, &["choice", "text"]);
                    let d = self.at(&col.kind, format!("{message} (column `{key}`)")).help(format!("{help}; `choice` needs `options`"));
                    self.errors.push(d);
                    ColumnType::Text
                }
            };
            if kind == ColumnType::Choice && col.options.is_empty() {
                let d = self.at(&col.kind, format!("choice column `{key}` has no options")).help("add `options: [有, 無]` (the values a vendor may pick)");
                self.errors.push(d);
            }
            if kind == ColumnType::Text && !col.options.is_empty() {
                let d = self.at(&col.kind, format!("text column `{key}` has options")).help("use `type: choice` for a list of values, or remove `options`");
                self.errors.push(d);
            }
            let mut seen_opt = HashSet::new();
            for o in &col.options {
                if o.trim().is_empty() || !seen_opt.insert(o.as_str()) {
                    let d = self.at(&col.kind, format!("column `{key}` has an empty or repeated option `{o}`")).help("list each option once");
                    self.errors.push(d);
                }
            }
            out.push(Column {
                key: key.clone(),
                header: col.header.clone(),
                group: col.group.clone(),
                kind,
                options: col.options.clone(),
                required: col.required.unwrap_or(true),
                confidence: col.confidence,
            });
        }
        out
    }

    fn item(&mut self, raw: &RawItem, depth: usize, up: &Inherited, in_table: bool) -> Item {
        let id = raw.id.value.clone();
        if !valid_id(&id, self.prefix) {
            let d = self.at(&raw.id, format!("item id `{id}` does not follow the id scheme")).help(format!("item ids are `{}` + numbers/letters joined by `-`, e.g. `{}1-1-a`", self.prefix, self.prefix));
            self.errors.push(d);
        }
        if !self.seen.insert(id.clone()) {
            let d = self.at(&raw.id, format!("duplicate item id `{id}`")).help("every item id must be unique in the template; answer files refer to items by id");
            self.errors.push(d);
        }
        let clause = match &raw.clause {
            Some(c) => {
                if self.site.page_by_id(&c.value).is_none() {
                    let d = self.at(c, format!("unknown MIC clause id `{}` (item `{id}`)", c.value))
                        .help(crate::content::ids::id_help(self.site, &c.value, str::to_string, "`clause` must be the `id` of a page"))
                        .follows(self.site.broken_page(&c.value));
                    self.errors.push(d);
                }
                Some(c.value.clone())
            }
            None => up.clause.clone(),
        };
        self.check_sources(&raw.sources);
        let here = Inherited {
            reference: raw.reference.clone().or_else(|| up.reference.clone()),
            clause,
            required: raw.required.unwrap_or(up.required),
            confidence: raw.confidence.or(up.confidence),
        };
        let columns = match (&raw.columns, &raw.column_set) {
            (Some(_), Some(set)) => {
                let d = self.at(set, format!("item `{id}` has both `columns` and `column_set`")).help("use one of them");
                self.errors.push(d);
                Vec::new()
            }
            (Some(cols), None) => self.columns(cols, &id),
            (None, Some(set)) => match self.column_sets.get(&set.value) {
                Some(cols) => cols.clone(),
                None => {
                    let known: Vec<&str> = self.column_sets.keys().map(String::as_str).collect();
                    let otherwise = if known.is_empty() { "define it under `column_sets:` at the top of the file".to_string() } else { format!("defined sets: {}", known.join(", ")) };
                    let d = self.at(set, format!("unknown column set `{}`", set.value)).help(crate::suggest::help(&set.value, &known, otherwise));
                    self.errors.push(d);
                    Vec::new()
                }
            },
            (None, None) => Vec::new(),
        };
        let is_table = raw.columns.is_some() || raw.column_set.is_some();
        if in_table && is_table {
            let d = self.at(&raw.id, format!("row `{id}` of a table has its own columns")).help("rows use their table's columns; move the columns to the table or make the parent a heading without columns");
            self.errors.push(d);
        }
        if in_table && !raw.children.is_empty() {
            let d = self.at(&raw.id, format!("row `{id}` has children")).help("a table's rows cannot nest; make the parent a heading (no columns) instead");
            self.errors.push(d);
        }
        if !in_table && !is_table && raw.children.is_empty() {
            let d = self.at(&raw.id, format!("item `{id}` has neither columns nor children")).help("give it `columns` (or `column_set`) so it can be answered, or child items");
            self.errors.push(d);
        }
        if raw.row_header.is_some() && (raw.children.is_empty() || !is_table) {
            let d = self.at(&raw.id, format!("`row_header` on `{id}`, which has no rows")).help("`row_header` names the first column of a table whose children are rows");
            self.errors.push(d);
        }
        // Examples belong to answerable rows and name their columns.
        let answer_columns: Option<Vec<Column>> = if in_table {
            None // checked by the parent, which knows the columns
        } else if is_table && raw.children.is_empty() {
            Some(columns.clone())
        } else {
            Some(Vec::new())
        };
        if let Some(cols) = &answer_columns {
            self.check_examples(&id, &raw.example, cols);
        }
        let children: Vec<Item> = raw.children.iter().map(|c| self.item(c, depth + 1, &here, is_table)).collect();
        if is_table {
            for (rc, child) in raw.children.iter().zip(&children) {
                self.check_examples(&child.id, &rc.example, &columns);
            }
        }
        Item {
            id,
            label: raw.label.clone(),
            title: raw.title.clone(),
            reference: here.reference,
            reference_stated: raw.reference.is_some(),
            clause: here.clause,
            required: here.required,
            confidence: here.confidence,
            sources: raw.sources.iter().map(|s| s.value.clone()).collect(),
            note: raw.note.clone(),
            row_header: raw.row_header.clone(),
            columns,
            example: raw.example.iter().map(|(k, v)| (k.clone(), v.value.clone())).collect(),
            children,
            depth,
        }
    }

    fn check_examples(&mut self, id: &str, example: &BTreeMap<String, Spanned<String>>, cols: &[Column]) {
        for (key, value) in example {
            match cols.iter().find(|c| &c.key == key) {
                None => {
                    let keys: Vec<&str> = cols.iter().map(|c| c.key.as_str()).collect();
                    let help = if cols.is_empty() {
                        "only answerable rows (tables and their rows) have examples".to_string()
                    } else {
                        crate::suggest::help(key, &keys, format!("columns of this item: {}", keys.join(", ")))
                    };
                    let d = self.at(value, format!("example for unknown column `{key}` (item `{id}`)")).help(help);
                    self.errors.push(d);
                }
                Some(c) if c.kind == ColumnType::Choice && !c.options.contains(&value.value) => {
                    let d = self.at(value, format!("example `{}` is not an option of choice column `{key}`", value.value)).help(format!("options: {}", c.options.join(", ")));
                    self.errors.push(d);
                }
                Some(_) if value.value.contains("（例）") || value.value.contains("(例)") => {
                    let d = self.at(value, format!("example for `{key}` (item `{id}`) contains （例）")).help("examples are marked （例） automatically everywhere they are shown; remove the marker from the text");
                    self.errors.push(d);
                }
                Some(_) if value.value.trim().is_empty() => {
                    let d = self.at(value, format!("empty example for column `{key}` (item `{id}`)")).help("write an example answer or remove the key");
                    self.errors.push(d);
                }
                Some(_) => {}
            }
        }
    }
}

struct Inherited {
    reference: Option<String>,
    clause: Option<String>,
    required: bool,
    confidence: Option<Confidence>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_and_key_rules() {
        assert!(valid_id("disc-1-1-a", "disc-"));
        assert!(valid_id("disc-1-1-a-2", "disc-"));
        assert!(!valid_id("disc-1..2", "disc-"));
        assert!(!valid_id("disc-", "disc-"));
        assert!(!valid_id("sla-1-1", "disc-"));
        assert!(!valid_id("disc-1--2", "disc-"));
        assert!(valid_key("presence"));
        assert!(valid_key("doc_name2"));
        assert!(!valid_key("Presence"));
        assert!(!valid_key("有無"));
        assert!(!valid_key("2x"));
    }
}
