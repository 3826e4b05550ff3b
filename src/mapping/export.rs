//! Downloads built from the rows, in the YAML order: CSV (UTF-8 with BOM), XLSX (one sheet per
//! target guideline + 凡例), this site's JSON, and OSCAL (see oscal.rs). Everything is derived
//! from the data and `last_modified`, never the clock, so two builds give identical bytes.

use super::Mappings;
use super::model::{Level, Relationship, Row};
use super::view::evidence_label;
use crate::content::Site;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::output::OutputFiles;
use rust_xlsxwriter::{DocProperties, ExcelDateTime, Format, FormatAlign, Workbook, Worksheet, XlsxError};
use serde_json::{Value, json};

pub struct Download {
    pub name: &'static str,
    pub path: &'static str,
    pub label: &'static str,
    pub description: &'static str,
}

pub const DOWNLOADS: [Download; 4] = [
    Download { name: "csv", path: "downloads/mapping.csv", label: "CSV", description: "UTF-8（BOM 付き）、1 行に 1 つの対応" },
    Download { name: "xlsx", path: "downloads/mapping.xlsx", label: "Excel（XLSX）", description: "対応先の指針ごとのシートと凡例" },
    Download { name: "json", path: "downloads/mapping.json", label: "JSON", description: "行と項目名・URL・ラベル" },
    Download { name: "oscal", path: "downloads/mapping-oscal.json", label: "OSCAL（JSON）", description: "OSCAL 1.2 mapping-collection" },
];

/// The CSV columns, in order.
pub const CSV_COLUMNS: [&str; 9] = ["from", "from_title", "to", "to_title", "relationship", "relationship_ja", "rationale", "evidence", "confidence"];

/// XLSX header row (Japanese, with the CSV column name for tools).
const XLSX_HEADERS: [&str; 9] = [
    "対応元ID (from)",
    "対応元の項目 (from_title)",
    "対応先ID (to)",
    "対応先の項目 (to_title)",
    "関係 (relationship)",
    "関係の表示 (relationship_ja)",
    "理由 (rationale)",
    "根拠 (evidence)",
    "確度 (confidence)",
];
const XLSX_WIDTHS: [f64; 9] = [14.0, 36.0, 14.0, 36.0, 18.0, 12.0, 80.0, 16.0, 10.0];

fn title_of(site: &Site, id: &str) -> String {
    site.page_by_id(id).map(|p| p.front.title.clone()).unwrap_or_default()
}

/// One row as the nine export columns.
fn record(site: &Site, r: &Row) -> [String; 9] {
    [
        r.from.clone(),
        title_of(site, &r.from),
        r.to.clone(),
        title_of(site, &r.to),
        r.relationship.token().to_string(),
        r.relationship.label().to_string(),
        r.rationale.clone(),
        r.evidence.clone(),
        r.confidence.token().to_string(),
    ]
}

pub fn write_all(m: &Mappings, site: &Site, files: &mut OutputFiles) -> Result<(), Diagnostics> {
    if m.rows.is_empty() {
        return Ok(());
    }
    files.insert(DOWNLOADS[0].path, csv(m, site));
    let xlsx = xlsx(m, site).map_err(|e| Diagnostics::from(Diagnostic::file_level(&m.file, format!("cannot write {}: {e}", DOWNLOADS[1].path))))?;
    files.insert(DOWNLOADS[1].path, xlsx);
    files.insert(DOWNLOADS[2].path, pretty(&json_export(m, site)));
    files.insert(DOWNLOADS[3].path, super::oscal::collection_json(m, site));
    Ok(())
}

fn pretty(v: &Value) -> Vec<u8> {
    let mut out = serde_json::to_vec_pretty(v).expect("JSON values serialise");
    out.push(b'\n');
    out
}

/// RFC 4180 CSV with a UTF-8 BOM (Excel opens Japanese text correctly) and CRLF line ends;
/// cells that a spreadsheet would run as a formula are guarded (crate::csv).
pub fn csv(m: &Mappings, site: &Site) -> Vec<u8> {
    let mut out = String::from("\u{FEFF}");
    out.push_str(&crate::csv::record(&CSV_COLUMNS));
    for r in &m.rows {
        out.push_str(&crate::csv::record(&record(site, r)));
    }
    out.into_bytes()
}

/// This site's JSON: the collection and every row with titles, labels and absolute URLs.
pub fn json_export(m: &Mappings, site: &Site) -> Value {
    let rows: Vec<Value> = m
        .rows
        .iter()
        .map(|r| {
            let page = |id: &str| site.page_by_id(id).expect("checked ids exist");
            let mut v = json!({
                "from": r.from,
                "from_title": title_of(site, &r.from),
                "from_label": page(&r.from).label(),
                "from_url": site.absolute_url(&page(&r.from).url),
                "to": r.to,
                "to_title": title_of(site, &r.to),
                "to_label": page(&r.to).label(),
                "to_url": site.absolute_url(&page(&r.to).url),
            });
            add_judgement(&mut v, site, r.relationship, &r.rationale, &r.evidence, r.confidence);
            v
        })
        .collect();
    json!({
        "collection": {
            "title": m.collection.as_ref().map(|c| c.title.clone()),
            "version": m.collection.as_ref().map(|c| c.version.clone()),
            "method": m.collection.as_ref().map(|c| c.method),
            "matching_rationale": m.collection.as_ref().map(|c| c.matching_rationale),
            "status": m.collection.as_ref().map(|c| c.status),
            "description": m.collection.as_ref().map(|c| c.description.clone()),
            "last_modified": m.last_modified,
        },
        "relationships": Relationship::ALL.iter().map(|r| json!({"token": r.token(), "label": r.label(), "symbol": r.symbol(), "description": r.description()})).collect::<Vec<_>>(),
        "mappings": rows,
        "item_mappings": super::items::json_rows(&m.items, site),
    })
}

/// The judgement columns of a row in the JSON download (clause rows and item rows alike).
pub(crate) fn add_judgement(v: &mut Value, site: &Site, relationship: Relationship, rationale: &str, evidence: &str, confidence: Level) {
    let fields = json!({
        "relationship": relationship.token(),
        "relationship_ja": relationship.label(),
        "rationale": rationale,
        "evidence": evidence,
        "evidence_label": evidence_label(site, evidence),
        "confidence": confidence.token(),
        "confidence_ja": confidence.label(),
    });
    if let (Some(obj), Value::Object(add)) = (v.as_object_mut(), fields) {
        obj.extend(add);
    }
}

/// A worksheet name Excel accepts: no `[]:*?/\`, at most 31 characters, unique in the book.
fn sheet_name(wanted: &str, taken: &[String]) -> String {
    let clean: String = wanted.chars().filter(|c| !"[]:*?/\\".contains(*c)).take(31).collect();
    let clean = if clean.trim().is_empty() { "Sheet".to_string() } else { clean };
    let mut name = clean.clone();
    let mut n = 2;
    while taken.iter().any(|t| t.eq_ignore_ascii_case(&name)) {
        let suffix = format!(" ({n})");
        name = clean.chars().take(31 - suffix.chars().count()).collect::<String>() + &suffix;
        n += 1;
    }
    name
}

/// Short sheet title of a guideline: publisher + edition from sources.yaml (`厚生労働省 第5版`),
/// else the corpus label.
fn guideline_name(site: &Site, prefix: &str) -> String {
    let corpus = site.config.corpora.iter().find(|c| c.prefix == prefix);
    let source = corpus.and_then(|c| c.source.as_deref()).and_then(|k| site.data.source(k));
    match source {
        Some(s) if s.publisher.is_some() && s.edition.is_some() => format!("{} {}", s.publisher.as_deref().unwrap_or(""), s.edition.as_deref().unwrap_or("")),
        _ => corpus.map(|c| c.label.clone()).unwrap_or_else(|| prefix.to_string()),
    }
}

/// The XLSX: one sheet per target guideline, then a legend sheet (凡例).
pub fn xlsx(m: &Mappings, site: &Site) -> Result<Vec<u8>, XlsxError> {
    let mut book = Workbook::new();
    let title = m.collection.as_ref().map(|c| c.title.clone()).unwrap_or_default();
    let props = DocProperties::new().set_title(&title).set_creation_datetime(&excel_datetime(&m.last_modified)?);
    book.set_properties(&props);
    let header = Format::new().set_bold().set_background_color("#DCE6F1").set_text_wrap().set_align(FormatAlign::Top);
    let wrap = Format::new().set_text_wrap().set_align(FormatAlign::Top);
    let top = Format::new().set_align(FormatAlign::Top);

    // A row belongs to the sheet of its target guideline; a row written the other way round
    // (MHLW → MIC) to the sheet of its non-MIC side. Rows stay exactly as written.
    let prefix_of = |id: &str| super::guideline_of(site, id).unwrap_or_default();
    let row_prefix = super::view::row_prefix(m, site).unwrap_or_default();
    let sheet_of = |r: &Row| if prefix_of(&r.to) == row_prefix { prefix_of(&r.from) } else { prefix_of(&r.to) };
    let targets: Vec<String> = site.config.corpora.iter().map(|c| c.prefix.clone()).filter(|p| m.rows.iter().any(|r| &sheet_of(r) == p)).collect();
    let mut names: Vec<String> = Vec::new();
    for prefix in &targets {
        let name = sheet_name(&guideline_name(site, prefix), &names);
        names.push(name.clone());
        let sheet = book.add_worksheet();
        sheet.set_name(&name)?;
        for (c, h) in XLSX_HEADERS.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &header)?;
            sheet.set_column_width(c as u16, XLSX_WIDTHS[c])?;
        }
        let mut n: u32 = 0;
        for r in m.rows.iter().filter(|r| &sheet_of(r) == prefix) {
            n += 1;
            for (c, value) in record(site, r).iter().enumerate() {
                let format = if c == 1 || c == 3 || c == 6 { &wrap } else { &top };
                sheet.write_string_with_format(n, c as u16, value, format)?;
            }
        }
        sheet.set_freeze_panes(1, 0)?;
        sheet.autofilter(0, 0, n, (XLSX_HEADERS.len() - 1) as u16)?;
    }
    let legend = book.add_worksheet();
    legend.set_name(sheet_name("凡例", &names))?;
    write_legend(legend, m, site, &header, &wrap)?;
    book.save_to_buffer()
}

fn write_legend(sheet: &mut Worksheet, m: &Mappings, site: &Site, header: &Format, wrap: &Format) -> Result<(), XlsxError> {
    for (c, (h, w)) in [("記号", 8.0), ("表示", 12.0), ("OSCAL の値", 18.0), ("意味（この項目 → 相手の項目）", 70.0)].iter().enumerate() {
        sheet.write_string_with_format(0, c as u16, *h, header)?;
        sheet.set_column_width(c as u16, *w)?;
    }
    let mut row: u32 = 0;
    for r in Relationship::ALL {
        row += 1;
        sheet.write_string(row, 0, r.symbol())?;
        sheet.write_string(row, 1, r.label())?;
        sheet.write_string(row, 2, r.token())?;
        sheet.write_string_with_format(row, 3, r.description(), wrap)?;
    }
    row += 2;
    sheet.write_string_with_format(row, 0, "確度", header)?;
    sheet.write_string_with_format(row, 1, "表示", header)?;
    for l in Level::ALL {
        row += 1;
        sheet.write_string(row, 0, l.token())?;
        sheet.write_string(row, 1, l.label())?;
    }
    row += 2;
    sheet.write_string_with_format(row, 0, "根拠", header)?;
    sheet.write_string_with_format(row, 1, "資料", header)?;
    let mut keys: Vec<&str> = Vec::new();
    for r in &m.rows {
        if !keys.contains(&r.evidence.as_str()) {
            keys.push(&r.evidence);
        }
    }
    for k in keys {
        row += 1;
        sheet.write_string(row, 0, k)?;
        sheet.write_string(row, 1, evidence_label(site, k))?;
    }
    if let Some(c) = &m.collection {
        row += 2;
        for (k, v) in [("表題", c.title.as_str()), ("版", c.version.as_str()), ("最終更新", m.last_modified.as_str()), ("説明", c.description.as_str())] {
            sheet.write_string_with_format(row, 0, k, header)?;
            sheet.write_string_with_format(row, 1, v, wrap)?;
            row += 1;
        }
    }
    Ok(())
}

/// `2024-05-01T09:30:00+09:00` → an Excel date-time (the document's creation date).
fn excel_datetime(rfc3339: &str) -> Result<ExcelDateTime, XlsxError> {
    let num = |a: usize, b: usize| rfc3339.get(a..b).and_then(|s| s.parse::<u16>().ok()).unwrap_or(0);
    ExcelDateTime::from_ymd(num(0, 4).max(1900), num(5, 7).clamp(1, 12) as u8, num(8, 10).clamp(1, 31) as u8)?.and_hms(num(11, 13), num(14, 16) as u8, num(17, 19) as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sheet_names_are_valid_and_unique() {
        assert_eq!(sheet_name("a/b:c", &[]), "abc");
        let long = "あ".repeat(40);
        assert_eq!(sheet_name(&long, &[]).chars().count(), 31);
        let taken = vec!["凡例".to_string()];
        assert_eq!(sheet_name("凡例", &taken), "凡例 (2)");
    }
}
