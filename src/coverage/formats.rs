//! The coverage report as CSV (one row per clause–target pair; coverage.js writes the same bytes)
//! and as one printable HTML page without JavaScript. XLSX: xlsx.rs.

use crate::disclosure::exports::BOM;
use super::{ClauseReport, ClauseStatus, CoverageData, ItemReport, ItemStatus, PageData, Report};
use crate::html::escape_html as esc;
use sha2::{Digest, Sha256};

pub const CSV_HEADER: [&str; 11] = ["条項ID", "条項", "条項の対応状況", "回答済み", "無（否）と回答", "未記入", "対応先ID", "対応先の指針", "対応先の条項", "関係", "対応先の対応状況"];

/// (answered, no, missing) among `items`.
pub fn counts(items: &[ItemReport]) -> [usize; 3] {
    let n = |s: ItemStatus| items.iter().filter(|i| i.status == s).count();
    [n(ItemStatus::Answered), n(ItemStatus::No), n(ItemStatus::Missing)]
}

fn target<'a>(data: &'a CoverageData, id: &str) -> Option<&'a PageData> {
    data.targets.iter().find(|t| t.id == id)
}

fn clause_label<'a>(data: &'a CoverageData, c: &'a ClauseReport) -> &'a str {
    data.clauses.iter().find(|d| d.id == c.id).map_or(c.title.as_str(), |d| d.label.as_str())
}

/// The label of the parent clause a mapping of `c` is written on (3.3 for a row of 3.3.4).
fn inherited_label<'a>(data: &'a CoverageData, c: &ClauseReport, target: &str) -> Option<&'a str> {
    let clause = data.clauses.iter().find(|d| d.id == c.id)?;
    clause.mapped.iter().find(|m| m.id == target)?.inherited_label.as_deref()
}

/// UTF-8 with a BOM (Excel), CRLF, formula-guarded cells; every clause has at least one row.
pub fn to_csv(data: &CoverageData, report: &Report) -> String {
    let mut out = String::from(BOM);
    out.push_str(&crate::csv::record(&CSV_HEADER));
    for c in &report.clauses {
        let [answered, no, missing] = counts(&c.items).map(|n| n.to_string());
        let head = [c.id.as_str(), clause_label(data, c), c.status.label(), &answered, &no, &missing];
        if c.mapped.is_empty() {
            let mut row: Vec<&str> = head.to_vec();
            row.extend(["", "", "", "", ""]);
            out.push_str(&crate::csv::record(&row));
        }
        for m in &c.mapped {
            let t = target(data, &m.id);
            let reached = report.by_target.iter().find(|b| b.id == m.id).map_or("", |b| b.status.label());
            let mut row: Vec<&str> = head.to_vec();
            row.extend([m.id.as_str(), t.map_or("", |t| t.corpus.as_str()), t.map_or("", |t| t.label.as_str()), m.relationship.label(), reached]);
            out.push_str(&crate::csv::record(&row));
        }
    }
    out
}

// ---------------------------------------------------------------- HTML

/// The page's own styles. The file is meant to be opened from disk and printed: its CSP (a meta
/// tag) allows exactly this <style> by hash and nothing else, so no script can ever run in it.
const CSS: &str = "
@page { size: A4; margin: 15mm 12mm; }
body { font-family: 'Noto Sans JP', 'Hiragino Sans', 'Yu Gothic', sans-serif; color: #1a1a1a; margin: 1.5rem auto; max-width: 60rem; padding: 0 1rem; line-height: 1.6; }
h1 { font-size: 1.5rem; margin: 0 0 0.25rem; }
h2 { font-size: 1.2rem; border-bottom: 2px solid #1f4e79; padding-bottom: 0.2rem; margin-top: 2rem; break-after: avoid; }
h3 { font-size: 1.05rem; margin: 1.2rem 0 0.4rem; break-after: avoid; }
.meta, .note { color: #444; font-size: 0.9rem; }
table { border-collapse: collapse; width: 100%; font-size: 0.9rem; }
th, td { border: 1px solid #999; padding: 0.3rem 0.45rem; text-align: left; vertical-align: top; }
thead th { background: #e8eef5; }
thead { display: table-header-group; }
tr { break-inside: avoid; }
ul.plain { margin: 0; padding-left: 1.1rem; }
.status { font-weight: 700; white-space: nowrap; }
.status--covered { color: #1b5e20; }
.status--partial { color: #7a4f00; }
.status--gap { color: #b00020; }
.status--not-addressed { color: #555; }
.item--missing { color: #b00020; }
.item--no { color: #7a4f00; }
.totals td, .totals th { text-align: center; }
@media print { body { margin: 0; max-width: none; font-size: 9.5pt; } a { color: inherit; } }
";

fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, b)| acc | (u32::from(*b) << (16 - 8 * i)));
        for i in 0..4 {
            out.push(if i <= chunk.len() { ABC[(n >> (18 - 6 * i) & 63) as usize] as char } else { '=' });
        }
    }
    out
}

/// `'sha256-…'` of an inline element's text, as a CSP source expression.
pub fn csp_hash(text: &str) -> String {
    format!("'sha256-{}'", base64(&Sha256::digest(text.as_bytes())))
}

fn status_html(s: ClauseStatus) -> String {
    format!("<span class=\"status status--{}\">{} {}</span>", s.token(), s.symbol(), s.label())
}

fn items_html(items: &[ItemReport]) -> String {
    if items.is_empty() {
        return "この様式に記入項目はありません".to_string();
    }
    let lis: String = items.iter().map(|i| format!("<li class=\"item--{}\">{}（{}）</li>", i.status.token(), esc(&i.title), i.status.label())).collect();
    format!("<ul class=\"plain\">{lis}</ul>")
}

fn mapped_html(data: &CoverageData, c: &ClauseReport) -> String {
    if c.mapped.is_empty() {
        return "—".to_string();
    }
    let lis: String = c
        .mapped
        .iter()
        .map(|m| {
            let t = target(data, &m.id);
            let via = inherited_label(data, c, &m.id).map(|l| format!("・{} 全体の対応", esc(l))).unwrap_or_default();
            format!("<li>{} {}（{}{via}）</li>", esc(t.map_or("", |t| t.corpus.as_str())), esc(t.map_or(m.id.as_str(), |t| t.label.as_str())), m.relationship.label())
        })
        .collect();
    format!("<ul class=\"plain\">{lis}</ul>")
}

/// One standalone page: totals, the clauses, the reached clauses of each other guideline, sections.
pub fn to_html(data: &CoverageData, report: &Report, source_name: &str, site_title: &str) -> String {
    let mut h = String::new();
    let title = format!("{}の対応状況", data.title);
    h.push_str("<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!("<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src {}; base-uri 'none'; form-action 'none'\">\n", csp_hash(CSS)));
    h.push_str(&format!("<title>{} — {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n", esc(&title), esc(source_name)));
    h.push_str(&format!("<h1>{}</h1>\n<p class=\"meta\">回答ファイル {} ・ テンプレート {}（版 {}） ・ {}</p>\n", esc(&title), esc(source_name), esc(&report.template), esc(&report.version), esc(site_title)));
    let t = &report.totals;
    h.push_str("<h2>集計</h2>\n<table class=\"totals\"><thead><tr><th scope=\"col\">記入項目</th>");
    for s in ItemStatus::ALL {
        h.push_str(&format!("<th scope=\"col\">{}</th>", s.label()));
    }
    h.push_str(&format!("</tr></thead><tbody><tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr></tbody></table>\n", t.items, t.answered, t.no, t.missing));
    h.push_str("<p class=\"note\">条項の状況: ");
    let legend = [
        (ClauseStatus::Covered, "対応する記入項目のすべてに回答"),
        (ClauseStatus::Partial, "一部の項目に回答"),
        (ClauseStatus::Gap, "項目はあるが回答なし（無・否と回答した項目は回答に数えません）"),
        (ClauseStatus::NotAddressed, "この様式に対応する記入項目がない"),
    ];
    h.push_str(&legend.iter().map(|(s, text)| format!("{} = {text}", status_html(*s))).collect::<Vec<_>>().join("、"));
    h.push_str("。他の指針の条項は、そこへ対応づけられた条項のうち最も低い状況を示します。</p>\n");
    if !report.clauses.is_empty() {
        h.push_str(&format!("<h2>{}の条項ごとの状況</h2>\n", esc(&data.labels.primary)));
        h.push_str("<table><thead><tr><th scope=\"col\">条項</th><th scope=\"col\">対応状況</th><th scope=\"col\">記入項目</th><th scope=\"col\">対応づけられた条項</th></tr></thead><tbody>\n");
        for c in &report.clauses {
            h.push_str(&format!("<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td><td>{}</td></tr>\n", esc(clause_label(data, c)), status_html(c.status), items_html(&c.items), mapped_html(data, c)));
        }
        h.push_str("</tbody></table>\n");
    }
    targets_html(data, report, &mut h);
    h.push_str("<h2>区分ごとの状況</h2>\n<table><thead><tr><th scope=\"col\">区分</th><th scope=\"col\">対応状況</th><th scope=\"col\">記入項目</th></tr></thead><tbody>\n");
    for s in &report.sections {
        h.push_str(&format!("<tr><th scope=\"row\">{}</th><td>{}</td><td>{}</td></tr>\n", esc(&s.title), status_html(s.status), items_html(&s.items)));
    }
    h.push_str("</tbody></table>\n<p class=\"note\">shishin disclosure report が回答ファイルから作成しました。対応関係は非公式の対応表（確度つき）に基づきます。</p>\n</body>\n</html>\n");
    h
}

fn targets_html(data: &CoverageData, report: &Report, h: &mut String) {
    if report.by_target.is_empty() {
        return;
    }
    h.push_str("<h2>対応づけられた他の指針の条項ごとの状況</h2>\n");
    let mut corpora: Vec<&str> = Vec::new();
    for b in &report.by_target {
        let corpus = target(data, &b.id).map_or("", |t| t.corpus.as_str());
        if !corpora.contains(&corpus) {
            corpora.push(corpus);
        }
    }
    for corpus in corpora {
        h.push_str(&format!("<h3>{}</h3>\n<table><thead><tr><th scope=\"col\">条項</th><th scope=\"col\">対応状況</th><th scope=\"col\">対応元（{}）</th></tr></thead><tbody>\n", esc(corpus), esc(&data.labels.primary)));
        for b in report.by_target.iter().filter(|b| target(data, &b.id).map_or("", |t| t.corpus.as_str()) == corpus) {
            let label = target(data, &b.id).map_or(b.id.as_str(), |t| t.label.as_str());
            let via: Vec<String> = b
                .via
                .iter()
                .map(|v| {
                    let c = report.clauses.iter().find(|c| &c.id == v);
                    let l = data.clauses.iter().find(|d| &d.id == v).map_or(v.as_str(), |d| d.label.as_str());
                    format!("<li>{}（{}）</li>", esc(l), c.map_or("", |c| c.status.label()))
                })
                .collect();
            h.push_str(&format!("<tr><th scope=\"row\">{}</th><td>{}</td><td><ul class=\"plain\">{}</ul></td></tr>\n", esc(label), status_html(b.status), via.concat()));
        }
        h.push_str("</tbody></table>\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_known_vectors() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"foobar"), "Zm9vYmFy");
    }
}
