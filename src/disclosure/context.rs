//! What the `disclosure` / `sla` layouts see: the item tree flattened into headings and tables
//! (no recursion in the template), with ids for anchors, headers and form controls.

use super::exports;
use super::model::{Column, ColumnType, Item, Template};
use crate::content::Site;
use serde_json::{Value, json};

/// Heading level of top-level sections (the page's Markdown uses h2; the item list is one h2).
const TOP_LEVEL: usize = 3;

fn clause_link(site: &Site, id: &str) -> Value {
    match site.page_by_id(id) {
        Some(p) => json!({ "id": id, "label": p.label(), "url": site.url_for(&p.url) }),
        None => json!({ "id": id, "label": id, "url": Value::Null }),
    }
}

fn heading(site: &Site, item: &Item, parent: Option<&Item>) -> Value {
    let own_ref = item.reference.is_some() && (item.reference_stated || item.reference != parent.and_then(|p| p.reference.clone()));
    let own_clause = item.clause.is_some() && item.clause != parent.and_then(|p| p.clause.clone());
    json!({
        "id": item.id,
        "level": (TOP_LEVEL + item.depth).min(6),
        "label": item.label,
        "title": item.title,
        "ref": if own_ref { json!(item.reference) } else { Value::Null },
        "clause": if own_clause { clause_link(site, item.clause.as_deref().unwrap_or_default()) } else { Value::Null },
        "confidence": item.confidence,
        "required": item.required && item.is_table(),
        "note": item.note,
    })
}

/// `ans-<item>--<column>`: unique because item ids never contain `--`.
fn control_id(item: &str, key: &str) -> String {
    format!("ans-{item}--{key}")
}

/// Header rows of a table: a merged group header above grouped columns (two rows), else one row.
fn header_rows(table: &Item) -> (Vec<Vec<Value>>, Vec<Vec<String>>) {
    let cols = &table.columns;
    let has_rows = !table.children.is_empty();
    let grouped = cols.iter().any(|c| c.group.is_some());
    let rowspan = if grouped { 2 } else { 1 };
    let mut top = Vec::new();
    let mut bottom = Vec::new();
    // For each column, the header cell ids that label it.
    let mut labels: Vec<Vec<String>> = vec![Vec::new(); cols.len()];
    if has_rows {
        top.push(json!({ "text": table.row_header.as_deref().unwrap_or("項目"), "scope": "col", "rowspan": rowspan, "colspan": 1, "id": format!("hdr-{}--row", table.id), "optional": false, "confidence": null }));
    }
    let mut i = 0;
    while i < cols.len() {
        match &cols[i].group {
            Some(g) => {
                let mut j = i;
                while j < cols.len() && cols[j].group.as_ref() == Some(g) {
                    j += 1;
                }
                let gid = format!("grp-{}--{}", table.id, cols[i].key);
                top.push(json!({ "text": g, "scope": "colgroup", "rowspan": 1, "colspan": j - i, "id": gid, "optional": false, "confidence": null }));
                for (k, c) in cols.iter().enumerate().take(j).skip(i) {
                    let id = format!("hdr-{}--{}", table.id, c.key);
                    bottom.push(header_cell(c, &id, 1));
                    labels[k] = vec![gid.clone(), id];
                }
                i = j;
            }
            None => {
                let id = format!("hdr-{}--{}", table.id, cols[i].key);
                top.push(header_cell(&cols[i], &id, rowspan));
                labels[i] = vec![id];
                i += 1;
            }
        }
    }
    let mut rows = vec![top];
    if grouped {
        rows.push(bottom);
    }
    (rows, labels)
}

fn header_cell(c: &Column, id: &str, rowspan: usize) -> Value {
    json!({ "text": c.header, "scope": "col", "rowspan": rowspan, "colspan": 1, "id": id, "optional": !c.required, "confidence": c.confidence })
}

fn cells(row: &Item, table: &Item, labels: &[Vec<String>], row_label_id: &str) -> Vec<Value> {
    table
        .columns
        .iter()
        .zip(labels)
        .map(|(c, l)| {
            let mut labelled = vec![row_label_id.to_string()];
            labelled.extend(l.iter().cloned());
            json!({
                "key": c.key,
                "type": match c.kind { ColumnType::Choice => "choice", ColumnType::Text => "text" },
                "options": c.options,
                "required": row.required && c.required,
                "control_id": control_id(&row.id, &c.key),
                "labelledby": labelled.join(" "),
                // The column's header text, shown above the control when a phone stacks the table.
                "heading": c.full_header(),
                "optional": !c.required,
                "example": row.example.get(&c.key),
            })
        })
        .collect()
}

fn blocks(site: &Site, item: &Item, parent: Option<&Item>, out: &mut Vec<Value>) {
    let h = heading(site, item, parent);
    if !item.is_table() {
        out.push(json!({ "kind": "heading", "heading": h }));
        for c in &item.children {
            blocks(site, c, Some(item), out);
        }
        return;
    }
    let (header_rows, labels) = header_rows(item);
    let rows: Vec<Value> = if item.children.is_empty() {
        vec![json!({ "id": item.id, "title": Value::Null, "cells": cells(item, item, &labels, &item.id) })]
    } else {
        item.children
            .iter()
            .map(|r| {
                let row_label = format!("row-{}", r.id);
                json!({ "id": r.id, "row_label_id": row_label, "label": r.label, "title": r.title, "confidence": r.confidence, "cells": cells(r, item, &labels, &row_label) })
            })
            .collect()
    };
    out.push(json!({ "kind": "table", "heading": h, "has_rows": !item.children.is_empty(), "header_rows": header_rows, "rows": rows }));
}

pub fn template_context(site: &Site, t: &Template, files: &[(String, Vec<u8>)]) -> Value {
    let mut out = Vec::new();
    for item in &t.items {
        blocks(site, item, None, &mut out);
    }
    let downloads: Vec<Value> = exports::downloads(&t.name)
        .into_iter()
        .map(|d| {
            let size = files.iter().find(|(p, _)| *p == d.path).map(|(_, b)| b.len()).unwrap_or(0);
            json!({ "url": site.url_for(&format!("/{}", d.path)), "label": d.label, "format": d.format, "file": d.path.rsplit('/').next(), "size_kb": format!("{:.1}", size as f64 / 1024.0) })
        })
        .collect();
    json!({
        "name": t.name,
        "version": t.version,
        "title": t.title,
        "description": t.description,
        "example_note": t.example_note,
        "confidence": t.confidence,
        "required_count": t.required_count(),
        "cell_count": t.rows().iter().map(|r| r.columns.len()).sum::<usize>(),
        "blocks": out,
        "downloads": downloads,
    })
}
