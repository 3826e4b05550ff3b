//! Issue 18: the successor guideline (prov11, 提供事業者GL 第1.1版) is a target guideline of its
//! own on the shipped site, built by the CLI: the matrix (filter, legend, coverage), the clause
//! pages' 他の指針との対応, the superseded-edition notice (derived from the rows), the 開示書 item
//! rows, and all four downloads read back (CSV, XLSX via calamine, JSON, OSCAL against the
//! vendored 1.2.2 metaschema). Expected values come from mappings.yaml read without shishin.

use super::common::{bin, copy_shipped_site, read, repo};
use super::metaschema::{Metaschema, key};
use super::{YAML, parse_csv, yaml_rows};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const PROV11_SHEET: &str = "総務省・経済産業省 第1.1版";
const PROV11_LABEL: &str = "2省 提供事業者GL 第1.1版";

/// The shipped site, built once per test run by `shishin build` into the cargo test tmp dir.
fn site() -> &'static Path {
    static OUT: OnceLock<PathBuf> = OnceLock::new();
    OUT.get_or_init(|| {
        let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("successor-site");
        let _ = std::fs::remove_dir_all(&out);
        let o = bin().args(["build", "--root"]).arg(repo()).arg("--output").arg(&out).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        out
    })
}

/// mappings.yaml rows toward the successor, in file order.
fn successor_rows() -> Vec<BTreeMap<String, String>> {
    let rows: Vec<_> = yaml_rows(&repo()).into_iter().filter(|r| r["to"].starts_with("prov11-")).collect();
    assert!(rows.len() >= 30, "mappings.yaml has its rows toward prov11 ({} found)", rows.len());
    rows
}

/// mappings.yaml `items:` as plain maps, read without shishin.
fn yaml_items() -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(repo().join(YAML)).unwrap();
    let v: Value = serde_saphyr::from_str(&text).unwrap();
    v["items"]
        .as_array()
        .expect("mappings.yaml has item rows")
        .iter()
        .map(|row| row.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect())
        .collect()
}

const JUDGEMENT: [&str; 6] = ["from", "to", "relationship", "rationale", "evidence", "confidence"];

fn judgement(row: &BTreeMap<String, String>) -> Vec<String> {
    JUDGEMENT.iter().map(|k| row[*k].clone()).collect()
}

#[test]
fn csv_xlsx_and_json_exports_carry_the_successor_rows() {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let expected: Vec<Vec<String>> = successor_rows().iter().map(judgement).collect();

    let csv = read(site(), "downloads/mapping.csv");
    let records = parse_csv(csv.trim_start_matches('\u{feff}'));
    let got: Vec<Vec<String>> = records[1..]
        .iter()
        .filter(|r| r[2].starts_with("prov11-"))
        .map(|r| [0, 2, 4, 6, 7, 8].iter().map(|&i| shishin::csv::unguard(&r[i]).to_string()).collect())
        .collect();
    assert_eq!(got, expected, "CSV rows toward prov11");

    let bytes = std::fs::read(site().join("downloads/mapping.xlsx")).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["厚生労働省 第5版", "経済産業省 第2版", PROV11_SHEET, "凡例"], "a sheet of its own");
    let range = book.worksheet_range(PROV11_SHEET).unwrap();
    let cells: Vec<Vec<String>> = range.rows().skip(1).map(|r| [0, 2, 4, 6, 7, 8].iter().map(|&i| r[i].to_string()).collect()).collect();
    assert_eq!(cells, expected, "XLSX sheet {PROV11_SHEET}");

    let json: Value = serde_json::from_str(&read(site(), "downloads/mapping.json")).unwrap();
    let got: Vec<Vec<String>> = json["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["to"].as_str().unwrap().starts_with("prov11-"))
        .map(|r| JUDGEMENT.iter().map(|k| r[*k].as_str().unwrap().to_string()).collect())
        .collect();
    assert_eq!(got, expected, "JSON rows toward prov11");
    // The item rows (開示書 ↔ 表4-1) are data of the JSON download too.
    let items = json["item_mappings"].as_array().unwrap();
    let yaml = yaml_items();
    assert_eq!(items.len(), yaml.len());
    for (g, y) in items.iter().zip(&yaml) {
        for k in ["from", "to", "to_item", "relationship", "rationale", "evidence", "confidence"] {
            assert_eq!(g[k], y[k].as_str(), "{k}");
        }
    }
    let first = items.iter().find(|i| i["from"] == "disc-1-1").expect("disc-1-1 has an item row");
    assert_eq!(first["from_url"], "https://shishin.netlify.app/mic/annex-disclosure/#disc-1-1");
    assert_eq!(first["from_label"], "(1)① 組織的取組における基本方針");
}

#[test]
fn oscal_export_has_a_third_mapping_that_the_1_2_2_metaschema_accepts() {
    let v: Value = serde_json::from_str(&read(site(), "downloads/mapping-oscal.json")).unwrap();
    let c = &v["mapping-collection"];
    let base = "https://shishin.netlify.app/";
    let mappings = c["mappings"].as_array().unwrap();
    let pairs: Vec<(String, String)> = mappings.iter().map(|m| (m["source-resource"]["href"].as_str().unwrap().to_string(), m["target-resource"]["href"].as_str().unwrap().to_string())).collect();
    let want = (format!("{base}mic/"), format!("{base}prov11/"));
    let at = pairs.iter().position(|p| *p == want).unwrap_or_else(|| panic!("a mic → prov11 mapping in {pairs:?}"));
    assert!(pairs.iter().position(|p| *p == (format!("{base}mic/"), format!("{base}meti2/"))).unwrap() < at, "in shishin.yaml order, after METI");
    let m = &mappings[at];
    assert_eq!(m["target-resource"]["remarks"], PROV11_LABEL);
    let got: Vec<(String, String, String, String)> = m["maps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|map| {
            let s = |p: &str| map.pointer(p).and_then(Value::as_str).unwrap().to_string();
            (s("/sources/0/id-ref"), s("/targets/0/id-ref"), s("/relationship"), s("/confidence-score/category"))
        })
        .collect();
    let expected: Vec<_> = successor_rows().iter().map(|r| (r["from"].clone(), r["to"].clone(), r["relationship"].clone(), r["confidence"].clone())).collect();
    assert_eq!(got, expected);

    // The whole document against the official 1.2.2 metaschema (as in the fixture's test).
    let dir = repo().join("tests/fixtures/oscal-1.2.2");
    let texts: Vec<String> = ["oscal_mapping_metaschema.xml", "oscal_mapping-common_metaschema.xml", "oscal_metadata_metaschema.xml"]
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
        .collect();
    let ms = Metaschema::read(&texts);
    let mut errors = Vec::new();
    ms.check(&key("assembly", "mapping-collection"), c, "mapping-collection", &mut errors);
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn matrix_has_the_successor_as_a_target_with_filter_legend_and_coverage() {
    let html = read(site(), "mapping/index.html");
    assert!(html.contains(&format!(r#"class="matrix-table__doc" data-group data-doc="prov11""#)), "a column group of its own");
    assert!(html.contains(&format!(">{PROV11_LABEL}</th>")), "the group is labelled");
    assert!(html.contains(&format!(r#"<optgroup label="{PROV11_LABEL}">"#)) && html.contains(r#"<option value="doc:prov11">"#), "target filter");
    for chapter in ["prov11-2", "prov11-3", "prov11-4", "prov11-5", "prov11-6"] {
        assert!(html.contains(&format!(r#"<option value="ch:{chapter}">"#)), "filter option for {chapter}");
    }
    // One table cell per row toward prov11 (every such row starts at a MIC page).
    let rows = successor_rows();
    let pairs: BTreeSet<(String, String)> = rows.iter().map(|r| (r["from"].clone(), r["to"].clone())).collect();
    let cells = html.split("<td class=\"cell rel-cell").skip(1).filter(|c| c[..c.find('>').unwrap()].contains(r#"data-doc="prov11""#)).count();
    assert_eq!(cells, pairs.len(), "matrix cells toward prov11");
    // The legend counts every matrix cell, prov11 included.
    let total: usize = html.split("data-total=\"").nth(1).unwrap().split('"').next().unwrap().parse().unwrap();
    let all_cells = html.matches("<td class=\"cell rel-cell").count();
    assert_eq!(total, all_cells);
    let legend = &html[html.find("matrix-legend__list").unwrap()..];
    let legend = &legend[..legend.find("</ul>").unwrap()];
    let counted: usize = legend.split("件）").filter_map(|s| s.rsplit('（').next()?.trim().parse::<usize>().ok()).sum();
    assert_eq!(counted, total, "legend counts add up to all cells: {legend}");
    // Coverage: the successor's clauses that no MIC clause reaches are listed.
    let coverage = &html[html.find(r#"<h3 id="coverage-prov11">"#).expect("coverage section for prov11")..];
    let coverage = &coverage[..coverage[1..].find("<h3").map_or(coverage.len(), |i| i + 1)];
    assert!(coverage.contains(PROV11_LABEL), "{coverage}");
    let listed = coverage.matches("<li").count();
    let total: usize = coverage.split(" / ").nth(1).unwrap().split(' ').next().unwrap().parse().unwrap();
    assert!(listed < total && total >= 22, "some of the {total} prov11 clauses are reached: {coverage}");
}

/// The successor targets a MIC page's notice should name: its rows toward prov11, no-relationship
/// left out, in file order (a page's own rows; the tests above cover pages without rows).
fn notice_targets(id: &str) -> Vec<String> {
    successor_rows().into_iter().filter(|r| r["from"] == id && r["relationship"] != "no-relationship").map(|r| r["to"].clone()).collect()
}

#[test]
fn clause_pages_list_the_successor_and_the_notice_links_it_from_the_rows() {
    let page = read(site(), "mic/3.2.10/index.html");
    let entry = &page[page.find(r#"id="map-to-prov11-6.3""#).expect("3.2.10 lists prov11-6.3")..];
    let entry = &entry[..entry.find("</li>").unwrap()];
    assert!(entry.contains("同等") && entry.contains(&format!(r#"<div class="xref__corpus">{PROV11_LABEL}</div>"#)), "{entry}");
    assert!(read(site(), "prov11/6.3/index.html").contains(r#"id="map-from-mic-3.2.10""#), "the successor page lists what maps to it");

    // Every MIC page with rows toward prov11: the notice links exactly those clauses.
    let ids: BTreeSet<String> = successor_rows().into_iter().map(|r| r["from"].clone()).collect();
    for id in ids {
        let rel = format!("{}/index.html", id.replacen('-', "/", 1));
        let html = read(site(), &rel);
        let banner = &html[html.find("data-superseded").unwrap_or_else(|| panic!("{id}: no superseded notice"))..];
        let banner = &banner[..banner.find("</div>").unwrap()];
        let linked: Vec<String> = banner.split("data-successor=\"").skip(1).map(|s| s.split('"').next().unwrap().to_string()).collect();
        assert_eq!(linked, notice_targets(&id), "{id}: {banner}");
        for t in &linked {
            assert!(banner.contains(&format!(r#"href="/{}/""#, t.replacen('-', "/", 1))), "{id} links {t}");
        }
    }
    // Guidelines without a successor corpus get the notice but no links.
    let mhlw = read(site(), "mhlw5/6.12/index.html");
    assert!(mhlw.contains("data-superseded") && !mhlw.contains("data-successors"));
    // The successor itself was revised (第2.0版): its pages carry the notice, without links.
    let prov = read(site(), "prov11/4.1/index.html");
    assert!(prov.contains("data-superseded") && prov.contains("第2.0版") && !prov.contains("data-successors"));

    // `shishin mapping` lists the successor row too.
    let o = bin().args(["mapping", "--from", "mic-3.2.10", "--root"]).arg(repo()).output().unwrap();
    assert!(String::from_utf8_lossy(&o.stdout).contains("○ 同等  prov11-6.3"));
}

#[test]
fn disclosure_page_and_table_4_1_page_show_the_item_rows() {
    let items = yaml_items();
    let disclosure = read(site(), "mic/annex-disclosure/index.html");
    let table = &disclosure[disclosure.find(r#"data-item-map="from""#).expect("item table on the 開示書 page")..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("data-item-row").count(), items.len());
    for item in &items {
        assert!(table.contains(&item["to_item"]), "{}", item["to_item"]);
        if item["from"].starts_with("disc-") {
            assert!(table.contains(&format!(r##"href="/mic/annex-disclosure/#{}""##, item["from"])), "links {}", item["from"]);
            assert!(disclosure.contains(&format!(r#"id="{}""#, item["from"])), "the anchor {} exists", item["from"]);
        } else {
            assert_eq!(item["relationship"], "no-relationship", "a row for the whole template says no item corresponds");
        }
    }
    assert!(table.contains("（該当する項目なし）"));
    let list = read(site(), "prov11/4.1/index.html");
    let table = &list[list.find(r#"data-item-map="to""#).expect("item table on the 4.1 page")..];
    let table = &table[..table.find("</table>").unwrap()];
    assert_eq!(table.matches("data-item-row").count(), items.len());
    assert!(table.contains(r##"href="/mic/annex-disclosure/#disc-2-1""##));
}

/// `shishin check` on an edited copy of the shipped site fails naming `file:line:col` and `message`.
fn assert_check_fails(edit: impl Fn(&Path), file: &str, line: usize, col: usize, message: &str) {
    let site = copy_shipped_site();
    edit(site.path());
    let o = bin().args(["check", "--root"]).arg(site.path()).output().unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "check should fail for: {message}");
    assert!(err.contains(&format!("{file}:{line}:{col}")), "expected {file}:{line}:{col} in:\n{err}");
    assert!(err.contains(message) && err.contains("help:"), "expected `{message}` and a help line in:\n{err}");
}

fn rewrite(root: &Path, file: &str, f: impl Fn(&str) -> String) {
    let path = root.join(file);
    std::fs::write(&path, f(&std::fs::read_to_string(&path).unwrap())).unwrap();
}

#[test]
fn bad_item_rows_and_successor_settings_are_rejected() {
    let text = std::fs::read_to_string(repo().join(YAML)).unwrap();
    let line_of = |needle: &str| text.lines().position(|l| l == needle).unwrap_or_else(|| panic!("{needle}")) + 1;
    let first = line_of("  - from: disc-1-1");
    assert_check_fails(|r| rewrite(r, YAML, |t| t.replacen("  - from: disc-1-1\n", "  - from: disc-9-9\n", 1)), YAML, first, 11, "unknown item `disc-9-9` in `from`");
    let to_item = line_of("    to_item: 医療情報等の安全管理に係る基本方針・取扱規程等の整備状況");
    assert_check_fails(|r| rewrite(r, YAML, |t| t.replacen("    to_item: 医療情報等の安全管理に係る基本方針・取扱規程等の整備状況\n", "    to_item: \"\"\n", 1)), YAML, to_item, 14, "empty `to_item`");
    // The same entry pair twice.
    let row: String = text.lines().skip(first - 1).take(7).map(|l| format!("{l}\n")).collect();
    let items_line = line_of("items:");
    assert_check_fails(|r| rewrite(r, YAML, |t| t.replacen("items:\n", &format!("items:\n{row}"), 1)), YAML, first + 7, 5, "duplicate item row: `disc-1-1` → `prov11-4.1`");
    assert!(items_line < first);

    // successor_of must name another corpus.
    let config = std::fs::read_to_string(repo().join("shishin.yaml")).unwrap();
    let at = config.lines().position(|l| l.trim_start().starts_with("successor_of:")).unwrap() + 1;
    assert_check_fails(|r| rewrite(r, "shishin.yaml", |t| t.replace("successor_of: [mic, meti2]", "successor_of: [mic, nope]")), "shishin.yaml", at, 5, "names `nope` in successor_of");
    // Without successor_of the 新設 clauses' rows toward prov11 are what conventions forbid.
    let lines: Vec<&str> = text.lines().collect();
    let new_row = (0..lines.len() - 1)
        .find(|&i| lines[i] == "  - from: mic-3.5" && lines[i + 1].starts_with("    to: prov11-"))
        .expect("a row from mic-3.5 toward prov11")
        + 1;
    assert_check_fails(|r| rewrite(r, "shishin.yaml", |t| t.replace("    successor_of: [mic, meti2]\n", "")), YAML, new_row, 11, "`mic-3.5` in `from` is marked `status: new` (新設)");
}
