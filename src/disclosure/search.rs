//! The template items as search targets. A vendor filling in the 開示書 types an item's wording
//! (入退管理に関する状況); each item of disclosure.yaml / sla.yaml becomes one section of its
//! template page's search document, anchored at the item's id — the id its heading or table row
//! carries on the page (partials/answer-template.html) — so a hit deep-links to the item and its
//! snippet shows it.

use super::TEMPLATE_NAMES;
use super::model::{Checker, Column, Item, RawTemplate, Template};
use crate::content::Site;
use crate::content::data::{DATA_DIR, read_data_file};
use std::path::Path;

/// One item as the search sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ItemSection {
    /// The item's id, its anchor on the template page (`disc-2-3`).
    pub anchor: String,
    /// Label and title as printed (`③ 入退管理に関する状況`).
    pub heading: String,
    /// The item itself first (so a snippet shows it), then where it sits, its reference, note,
    /// the columns to fill in and the marked examples.
    pub text: String,
}

/// (template page id, one section per item in document order) for every template the site
/// defines. A template file that does not load is left out: the build reports its errors.
pub fn item_sections(site: &Site) -> Vec<(String, Vec<ItemSection>)> {
    TEMPLATE_NAMES
        .iter()
        .filter_map(|name| {
            let file = format!("{name}.yaml");
            let (raw, text) = read_data_file::<RawTemplate>(&site.root, &file).ok()??;
            let t = Checker::check(site, &Path::new(DATA_DIR).join(&file), &text, name, raw).ok()?;
            Some((t.page.clone(), sections(&t)))
        })
        .collect()
}

fn sections(t: &Template) -> Vec<ItemSection> {
    let mut out = Vec::new();
    for item in &t.items {
        walk(item, &mut Vec::new(), None, &mut out);
    }
    out
}

/// `path`: the ancestors' display titles; `table`: the columns of the table a row belongs to.
fn walk(item: &Item, path: &mut Vec<String>, table: Option<&[Column]>, out: &mut Vec<ItemSection>) {
    let heading = item.display_title();
    let mut parts = vec![heading.clone()];
    if let Some(parent) = path.last() {
        parts.push(format!("（{parent}）"));
    }
    if let Some(r) = &item.reference {
        parts.push(format!("参照 {r}"));
    }
    if let Some(n) = &item.note {
        parts.push(n.clone());
    }
    let columns = if item.is_table() { Some(item.columns.as_slice()) } else { table };
    if item.is_table() {
        let headers: Vec<String> = item.columns.iter().map(Column::full_header).collect();
        parts.push(format!("記入欄: {}", headers.join("、")));
    }
    if let Some(cols) = columns {
        // Examples in column order, each marked as the pages mark them.
        let examples: Vec<String> = cols.iter().filter_map(|c| item.example.get(&c.key)).map(|v| format!("（例）{}", v.split_whitespace().collect::<Vec<_>>().join(" "))).collect();
        parts.extend(examples);
    }
    out.push(ItemSection { anchor: item.id.clone(), heading: heading.clone(), text: parts.join(" ") });
    path.push(heading);
    for child in &item.children {
        walk(child, path, if item.is_table() { Some(&item.columns) } else { table }, out);
    }
    path.pop();
}
