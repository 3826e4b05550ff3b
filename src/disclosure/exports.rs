//! The downloads of a template, all generated from the checked model: XLSX (see xlsx.rs), the
//! answer CSV (`item_id,column,value`), a human-readable item CSV, Markdown, the template as JSON
//! and a JSON Schema of a filled answer file.

use super::model::{ColumnType, Item, Template};
use super::{DOWNLOAD_DIR, xlsx};
use crate::content::Site;
use serde_json::{Map, Value, json};

/// UTF-8 byte order mark: Excel opens a CSV as UTF-8 only when it starts with one.
pub const BOM: &str = "\u{feff}";
/// The header row of an answer CSV.
pub const ANSWER_HEADER: [&str; 3] = ["item_id", "column", "value"];
/// `item_id` of the rows that carry the template name and version in an answer CSV.
pub const META_ID: &str = "_meta";

/// One download: where it goes and how the page names it.
pub struct Download {
    pub path: String,
    pub label: &'static str,
    pub format: &'static str,
}

/// The downloads of template `name`, in the order the page lists them.
pub fn downloads(name: &str) -> Vec<Download> {
    let d = |file: String, label, format| Download { path: format!("{DOWNLOAD_DIR}/{file}"), label, format };
    vec![
        d(format!("{name}.xlsx"), "Excel 記入用ブック", "XLSX"),
        d(format!("{name}-answers.csv"), "回答用 CSV（item_id,column,value）", "CSV"),
        d(format!("{name}-items.csv"), "項目一覧 CSV", "CSV"),
        d(format!("{name}.md"), "Markdown", "MD"),
        d(format!("{name}.json"), "テンプレート定義 JSON", "JSON"),
        d(format!("{name}.answers.schema.json"), "回答ファイルの JSON Schema", "JSON Schema"),
    ]
}

/// Every download of `t` as (path, bytes), in `downloads` order.
pub fn all(site: &Site, t: &Template) -> Result<Vec<(String, Vec<u8>)>, String> {
    let list = downloads(&t.name);
    let bytes: Vec<Vec<u8>> = vec![
        xlsx::workbook(t, &|id| clause_label(site, &Some(id.to_string()))).map_err(|e| format!("XLSX: {e}"))?,
        answer_csv(t).into_bytes(),
        items_csv(site, t).into_bytes(),
        markdown(site, t).into_bytes(),
        (serde_json::to_string_pretty(&template_json(t)).expect("JSON") + "\n").into_bytes(),
        (serde_json::to_string_pretty(&answer_schema(site, t)).expect("JSON") + "\n").into_bytes(),
    ];
    Ok(list.into_iter().map(|d| d.path).zip(bytes).collect())
}

// ---------------------------------------------------------------- CSV

/// One record (guarded against formula injection and quoted by crate::csv).
fn csv_line(out: &mut String, fields: &[&str]) {
    out.push_str(&crate::csv::record(fields));
}

/// The empty answer file: meta rows, then one row per input cell with an empty value.
pub fn answer_csv(t: &Template) -> String {
    let mut out = String::from(BOM);
    csv_line(&mut out, &ANSWER_HEADER);
    csv_line(&mut out, &[META_ID, "template", &t.name]);
    csv_line(&mut out, &[META_ID, "version", &t.version]);
    for row in t.rows() {
        for c in row.columns {
            csv_line(&mut out, &[&row.item.id, &c.key, ""]);
        }
    }
    out
}

fn clause_label(site: &Site, id: &Option<String>) -> String {
    id.as_deref().and_then(|c| site.page_by_id(c)).map(|p| p.label()).unwrap_or_default()
}

fn confidence_label(c: Option<crate::content::Confidence>) -> &'static str {
    use crate::content::Confidence::*;
    match c {
        Some(High) | None => "高",
        Some(Medium) => "中",
        Some(Low) => "低",
    }
}

/// A readable list of every input cell with its context (for people and spreadsheets).
pub fn items_csv(site: &Site, t: &Template) -> String {
    let mut out = String::from(BOM);
    csv_line(&mut out, &["項目ID", "区分", "項目", "記入欄", "記入欄キー", "種別", "選択肢", "必須", "参照", "対応条項", "確度", "記入例"]);
    for row in t.rows() {
        let section: Vec<String> = row.path.iter().map(|i| i.display_title()).collect();
        for c in row.columns {
            let required = row.item.required && c.required;
            let example = row.item.example.get(&c.key).map(|e| format!("（例）{e}")).unwrap_or_default();
            csv_line(
                &mut out,
                &[
                    &row.item.id,
                    &section.join(" / "),
                    &row.item.display_title(),
                    &c.full_header(),
                    &c.key,
                    if c.kind == ColumnType::Choice { "選択" } else { "記述" },
                    &c.options.join("/"),
                    if required { "必須" } else { "任意" },
                    row.item.reference.as_deref().unwrap_or(""),
                    &clause_label(site, &row.item.clause),
                    confidence_label(row.item.confidence),
                    &example,
                ],
            );
        }
    }
    out
}

// ---------------------------------------------------------------- Markdown

fn md_cell(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|").replace(['\r', '\n'], "<br>")
}

pub fn markdown(site: &Site, t: &Template) -> String {
    let mut out = format!("# {}（記入用テンプレート）\n\n", t.title);
    out.push_str(&format!("- テンプレート: `{}`（版 {}）\n", t.name, t.version));
    out.push_str(&format!("- 掲載ページ: {}\n", site.absolute_url(&site.page_by_id(&t.page).map(|p| p.url.clone()).unwrap_or_default())));
    out.push_str("- 回答ファイル: JSON `{\"template\", \"version\", \"answers\": {item_id: {column: value}}}` または CSV `item_id,column,value`（BOM 付き UTF-8）\n\n");
    if let Some(d) = &t.description {
        out.push_str(d.trim());
        out.push_str("\n\n");
    }
    if let Some(n) = &t.example_note {
        out.push_str(&format!("> {}\n\n", n.trim()));
    }
    fn walk(site: &Site, item: &Item, parent: Option<&Item>, out: &mut String) {
        let level = "#".repeat((item.depth + 2).min(6));
        out.push_str(&format!("{level} {}\n\n", item.display_title()));
        let mut meta = vec![format!("ID `{}`", item.id)];
        if item.reference.is_some() && item.reference != parent.and_then(|p| p.reference.clone()) {
            meta.push(format!("参照 {}", item.reference.as_deref().unwrap_or("")));
        }
        if item.clause.is_some() && item.clause != parent.and_then(|p| p.clause.clone()) {
            meta.push(format!("対応条項 {}", clause_label(site, &item.clause)));
        }
        if item.required && item.is_table() {
            meta.push("必須".to_string());
        }
        if let Some(c) = item.confidence.filter(|c| *c != crate::content::Confidence::High) {
            let _ = c;
            meta.push(format!("確度: {}", confidence_label(item.confidence)));
        }
        out.push_str(&meta.join(" ・ "));
        out.push_str("\n\n");
        if let Some(n) = &item.note {
            out.push_str(n.trim());
            out.push_str("\n\n");
        }
        if item.is_table() {
            let mut header: Vec<String> = Vec::new();
            let rows: Vec<&Item> = if item.children.is_empty() { vec![item] } else { item.children.iter().collect() };
            if !item.children.is_empty() {
                header.push(item.row_header.clone().unwrap_or_else(|| "項目".to_string()));
            }
            for c in &item.columns {
                header.push(format!("{}{}", c.full_header(), if c.required { "" } else { "（任意）" }));
            }
            out.push_str(&format!("| {} |\n", header.iter().map(|h| md_cell(h)).collect::<Vec<_>>().join(" | ")));
            out.push_str(&format!("|{}\n", " --- |".repeat(header.len())));
            let mut examples = Vec::new();
            for r in &rows {
                let mut cells: Vec<String> = Vec::new();
                if !item.children.is_empty() {
                    cells.push(md_cell(&format!("{} (`{}`)", r.display_title(), r.id)));
                }
                for c in &item.columns {
                    cells.push(if c.kind == ColumnType::Choice { md_cell(&c.options.join(" / ")) } else { String::new() });
                    if let Some(e) = r.example.get(&c.key) {
                        examples.push(format!("- （例）{}{}: {}", if item.children.is_empty() { String::new() } else { format!("{} — ", r.title) }, c.full_header(), e.trim().replace('\n', " / ")));
                    }
                }
                out.push_str(&format!("| {} |\n", cells.join(" | ")));
            }
            out.push('\n');
            if !examples.is_empty() {
                out.push_str(&examples.join("\n"));
                out.push_str("\n\n");
            }
        } else {
            for c in &item.children {
                walk(site, c, Some(item), out);
            }
        }
    }
    for item in &t.items {
        walk(site, item, None, &mut out);
    }
    out
}

// ---------------------------------------------------------------- JSON

/// The template definition as published (the model, plus counts tools find handy).
pub fn template_json(t: &Template) -> Value {
    let mut v = serde_json::to_value(t).expect("template serialises");
    if let Value::Object(m) = &mut v {
        m.insert("required_answers".into(), json!(t.required_count()));
        m.insert("answer_cells".into(), json!(t.rows().iter().map(|r| r.columns.len()).sum::<usize>()));
    }
    v
}

/// JSON Schema (draft 2020-12) of a filled answer file for `t`. Unanswered cells are left out
/// (or empty strings); required cells must be present and non-empty.
pub fn answer_schema(site: &Site, t: &Template) -> Value {
    let mut items = Map::new();
    let mut required_items = Vec::new();
    for row in t.rows() {
        let mut props = Map::new();
        let mut required = Vec::new();
        for c in row.columns {
            let must = row.item.required && c.required;
            let mut p = match c.kind {
                ColumnType::Choice => {
                    let mut options: Vec<Value> = c.options.iter().map(|o| json!(o)).collect();
                    if !must {
                        options.push(json!(""));
                    }
                    json!({ "type": "string", "enum": options })
                }
                ColumnType::Text if must => json!({ "type": "string", "minLength": 1, "pattern": "\\S" }),
                ColumnType::Text => json!({ "type": "string" }),
            };
            p["title"] = json!(c.full_header());
            if let Some(e) = row.item.example.get(&c.key) {
                p["description"] = json!(format!("（例）{e}"));
            }
            props.insert(c.key.clone(), p);
            if must {
                required.push(json!(c.key));
            }
        }
        let mut schema = json!({
            "type": "object",
            "title": format!("{} {}", row.item.id, row.item.display_title()),
            "additionalProperties": false,
            "properties": props,
        });
        if !required.is_empty() {
            schema["required"] = Value::Array(required);
            required_items.push(json!(row.item.id));
        }
        items.insert(row.item.id.clone(), schema);
    }
    let name = &t.name;
    json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": site.absolute_url(&format!("/{DOWNLOAD_DIR}/{name}.answers.schema.json")),
        "title": format!("{} 回答ファイル（版 {}）", t.title, t.version),
        // What `shishin disclosure check` accepts: required cells answered, optional ones may be
        // left out or empty. A draft with unanswered required cells fails both.
        "description": "answers の各キーは項目 ID、その値は記入欄キー → 回答（文字列）。必須の欄（各項目の required）には空白以外の回答が要ります（有/無 などの選択欄は選択肢のどれか）。任意の欄は省くか空文字列にできます。記入途中で必須の欄が空のファイルは、shishin disclosure check と同じくこのスキーマにも適合しません。",
        "type": "object",
        "additionalProperties": false,
        "required": ["template", "version", "answers"],
        "properties": {
            "$schema": { "type": "string" },
            "template": { "const": name },
            "version": { "const": t.version },
            "answers": {
                "type": "object",
                "additionalProperties": false,
                "required": required_items,
                "properties": items,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_cells_escape_pipes_and_newlines() {
        assert_eq!(md_cell("a|b\nc"), "a\\|b<br>c");
    }
}
