//! Clause mappings through the public interface: `shishin build` / `shishin mapping` on the
//! fixture tests/fixtures/mapping, every download parsed back and compared with mappings.yaml
//! row by row, bad mapping data rejected at file:line:col with public/ untouched.

use crate::common;
mod metaschema;
mod successor;

use crate::common::{bin, read, snapshot};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::Output;

const YAML: &str = "content/data/mappings.yaml";

fn fixture() -> PathBuf {
    common::fixture("mapping")
}

fn build(root: &Path, out: &Path) -> Output {
    bin().args(["build", "--root"]).arg(root).arg("--output").arg(out).output().unwrap()
}

/// A built copy of the fixture, after `edit` changed its mappings.yaml.
fn built_with(edit: impl Fn(&str) -> String) -> (tempfile::TempDir, PathBuf) {
    let site = common::copy_site("mapping");
    let path = site.path().join(YAML);
    std::fs::write(&path, edit(&std::fs::read_to_string(&path).unwrap())).unwrap();
    let out = site.path().join("public");
    let o = build(site.path(), &out);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    (site, out)
}

fn built() -> (tempfile::TempDir, PathBuf) {
    built_with(str::to_string)
}

/// The rows of mappings.yaml, read independently of shishin (serde-saphyr into plain JSON).
fn yaml_rows(root: &Path) -> Vec<BTreeMap<String, String>> {
    let text = std::fs::read_to_string(root.join(YAML)).unwrap();
    let v: Value = serde_saphyr::from_str(&text).unwrap();
    v["mappings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| row.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect())
        .collect()
}

fn label(rel: &str) -> &'static str {
    match rel {
        "equal-to" => "一致",
        "equivalent-to" => "同等",
        "subset-of" => "部分",
        "superset-of" => "包含",
        "intersects-with" => "一部重複",
        "no-relationship" => "対応なし",
        other => panic!("unexpected relationship {other}"),
    }
}

/// Titles of the fixture's clauses (front matter `title`).
fn title(id: &str) -> &'static str {
    let titles: HashMap<&str, &str> = [
        ("mic-3.1", "組織的対策"),
        ("mic-3.2", "技術的対策"),
        ("mic-3.3", "PHR サービス"),
        ("mic-4", "合意形成"),
        ("mhlw5", "厚労省ガイドライン"),
        ("meti2", "経産省ガイドライン"),
        ("mhlw5-6.1", "組織的安全管理対策"),
        ("mhlw5-6.2", "技術的安全対策"),
        ("mhlw5-7.1", "真正性の確保"),
        ("meti2-7", "安全管理上の要求事項"),
        ("meti2-7.1", "情報セキュリティ基本方針"),
        ("meti2-7.2", "アクセス制御"),
    ]
    .into_iter()
    .collect();
    titles.get(id).unwrap_or_else(|| panic!("no title for {id}"))
}

/// The nine export columns expected for a YAML row.
fn expected_record(row: &BTreeMap<String, String>) -> Vec<String> {
    vec![
        row["from"].clone(),
        title(&row["from"]).to_string(),
        row["to"].clone(),
        title(&row["to"]).to_string(),
        row["relationship"].clone(),
        label(&row["relationship"]).to_string(),
        row["rationale"].clone(),
        row["evidence"].clone(),
        row["confidence"].clone(),
    ]
}

/// RFC 4180 records (quoted fields may hold commas, quotes and line breaks).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut records = Vec::new();
    let mut record = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {}
            (false, '\n') => {
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, c) => field.push(c),
        }
    }
    assert!(field.is_empty() && record.is_empty(), "CSV must end with a line break");
    records
}

#[test]
fn csv_export_matches_the_yaml_row_by_row() {
    let (site, out) = built();
    let bytes = std::fs::read(out.join("downloads/mapping.csv")).unwrap();
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "UTF-8 BOM");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    assert!(text.contains("\r\n"), "CRLF line ends");
    let records = parse_csv(text);
    assert_eq!(records[0], ["from", "from_title", "to", "to_title", "relationship", "relationship_ja", "rationale", "evidence", "confidence"]);
    let rows = yaml_rows(site.path());
    assert_eq!(records.len() - 1, rows.len());
    for (record, row) in records[1..].iter().zip(&rows) {
        assert_eq!(record, &expected_record(row));
    }
    // The fixture's quoting cases survived: a comma + line break, and double quotes.
    assert!(records.iter().any(|r| r[6] == "MIC 側が広い。\n二行目, カンマ入り。"));
    assert!(records.iter().any(|r| r[6] == "方針の一部だけ、ただし \"開示\" を含む"));
}

#[test]
fn csv_export_guards_cells_a_spreadsheet_would_run_as_formulas() {
    // Rationales that start with = + - @ or a tab would be formulas in Excel (OWASP CSV injection).
    let evil = ["=HYPERLINK(\"http://example.com\",\"x\")", "+81 の番号", "-1 件", "@SUM(A1)", "=1+1"];
    let (_site, out) = built_with(|t| {
        let mut t = t.to_string();
        for (i, r) in evil.iter().enumerate() {
            t = append(&t, "mic-4", ["mhlw5-6.1", "mhlw5-6.2", "mhlw5-6.3", "mhlw5-7.1", "meti2-7.1"][i], "intersects-with").replacen("rationale: 追加", &format!("rationale: {}", serde_json::to_string(r).unwrap()), 1);
        }
        t
    });
    let text = read(&out, "downloads/mapping.csv");
    let records = parse_csv(text.trim_start_matches('\u{feff}'));
    let rationales: Vec<&str> = records.iter().map(|r| r[6].as_str()).collect();
    for r in evil {
        assert!(rationales.contains(&format!("'{r}").as_str()), "`{r}` is written as '{r}; rationales: {rationales:?}");
        assert!(!rationales.contains(&r), "`{r}` must not reach the CSV unguarded");
    }
    // What a reader does with our files: stripping the guard gives the YAML text back.
    for r in evil {
        assert!(rationales.iter().any(|c| shishin::csv::unguard(c) == r), "{r}");
    }
    // Ordinary cells are untouched, and no cell of the file starts a formula.
    assert!(records.iter().flatten().all(|c| !c.starts_with(['=', '+', '-', '@', '\t', '\r'])), "{records:?}");
    assert!(rationales.contains(&"方針の一部だけ、ただし \"開示\" を含む"));
}

#[test]
fn xlsx_export_has_one_sheet_per_target_guideline_frozen_header_and_autofilter() {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let (site, out) = built();
    let bytes = std::fs::read(out.join("downloads/mapping.xlsx")).unwrap();
    let mut book: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(book.sheet_names(), ["厚生労働省 第5版", "経済産業省 第2版", "凡例"]);
    let rows = yaml_rows(site.path());
    // A row belongs to its target guideline's sheet; the reverse row (MHLW → MIC) to MHLW's.
    // The 新設 clause's rows point at a guideline's top page (`mhlw5`), which is on that sheet too.
    let sheet_of = |r: &BTreeMap<String, String>| if r["to"].starts_with("mic-") { r["from"].clone() } else { r["to"].clone() };
    for (sheet, prefix) in [("厚生労働省 第5版", "mhlw5"), ("経済産業省 第2版", "meti2")] {
        let range = book.worksheet_range(sheet).unwrap();
        let cells: Vec<Vec<String>> = range.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
        assert_eq!(
            cells[0],
            ["対応元ID (from)", "対応元の項目 (from_title)", "対応先ID (to)", "対応先の項目 (to_title)", "関係 (relationship)", "関係の表示 (relationship_ja)", "理由 (rationale)", "根拠 (evidence)", "確度 (confidence)"]
        );
        let expected: Vec<Vec<String>> = rows.iter().filter(|r| sheet_of(r).starts_with(prefix)).map(expected_record).collect();
        assert_eq!(expected.len(), 5, "{sheet}");
        assert_eq!(&cells[1..], &expected[..], "{sheet}");
    }
    let legend = book.worksheet_range("凡例").unwrap();
    let legend_text: Vec<String> = legend.rows().flat_map(|r| r.iter().map(|c| c.to_string()).collect::<Vec<_>>()).collect();
    for token in ["equal-to", "equivalent-to", "subset-of", "superset-of", "intersects-with", "no-relationship", "包含", "対応なし"] {
        assert!(legend_text.iter().any(|t| t == token), "legend lists {token}");
    }

    // What calamine cannot see: frozen header row and autofilter, in the sheet XML.
    let mut zip = zip::ZipArchive::new(Cursor::new(bytes)).unwrap();
    for sheet in ["xl/worksheets/sheet1.xml", "xl/worksheets/sheet2.xml"] {
        let mut xml = String::new();
        zip.by_name(sheet).unwrap().read_to_string(&mut xml).unwrap();
        assert!(xml.contains(r#"<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>"#), "{sheet}: {xml}");
        assert!(xml.contains(r#"<autoFilter ref="A1:I6"/>"#), "{sheet}: {xml}");
        assert!(xml.contains("<cols>"), "{sheet}: column widths");
    }
    let mut core = String::new();
    zip.by_name("docProps/core.xml").unwrap().read_to_string(&mut core).unwrap();
    assert!(core.contains("2024-05-01T00:00:00Z"), "creation date comes from last_modified, not the clock: {core}");
}

#[test]
fn json_export_matches_the_yaml_row_by_row() {
    let (site, out) = built();
    let v: Value = serde_json::from_str(&read(&out, "downloads/mapping.json")).unwrap();
    assert_eq!(v["collection"]["title"], "テスト用の対応表");
    assert_eq!(v["collection"]["last_modified"], "2024-05-01T00:00:00Z");
    let rows = yaml_rows(site.path());
    let got = v["mappings"].as_array().unwrap();
    assert_eq!(got.len(), rows.len());
    for (g, row) in got.iter().zip(&rows) {
        for key in ["from", "to", "relationship", "rationale", "evidence", "confidence"] {
            assert_eq!(g[key], row[key].as_str(), "{key}");
        }
        assert_eq!(g["relationship_ja"], label(&row["relationship"]));
        assert_eq!(g["from_title"], title(&row["from"]));
        assert_eq!(g["to_title"], title(&row["to"]));
    }
    assert_eq!(got[0]["from_url"], "https://example.test/guide/mic/3.1/");
    assert_eq!(got[0]["to_url"], "https://example.test/guide/mhlw5/6.1/");
}

#[test]
fn oscal_export_has_the_required_fields_tokens_and_stable_uuids() {
    let (site, out) = built();
    let text = read(&out, "downloads/mapping-oscal.json");
    let v: Value = serde_json::from_str(&text).unwrap();
    let c = &v["mapping-collection"];
    let is_v5 = |s: &Value| uuid::Uuid::parse_str(s.as_str().unwrap()).unwrap().get_version_num() == 5;
    assert!(is_v5(&c["uuid"]));
    assert_eq!(c["metadata"]["title"], "テスト用の対応表");
    assert_eq!(c["metadata"]["last-modified"], "2024-05-01T00:00:00Z");
    assert_eq!(c["metadata"]["version"], "0.3");
    assert_eq!(c["metadata"]["oscal-version"], "1.2.2");
    assert_eq!(c["provenance"]["method"], "human");
    assert_eq!(c["provenance"]["matching-rationale"], "semantic");
    assert_eq!(c["provenance"]["status"], "draft");
    assert_eq!(c["provenance"]["mapping-description"], "テスト用の説明。");

    let tokens = ["equivalent-to", "equal-to", "subset-of", "superset-of", "intersects-with", "no-relationship"];
    let mut seen_uuids = BTreeSet::new();
    let mut got: BTreeSet<(String, String, String, String)> = BTreeSet::new();
    let mappings = c["mappings"].as_array().unwrap();
    let pairs: Vec<(String, String)> = mappings
        .iter()
        .map(|m| (m["source-resource"]["href"].as_str().unwrap().to_string(), m["target-resource"]["href"].as_str().unwrap().to_string()))
        .collect();
    let site_url = |p: &str| format!("https://example.test/guide/{p}/");
    assert_eq!(
        pairs,
        [("mic", "mhlw5"), ("mic", "meti2"), ("mhlw5", "mic"), ("mhlw5", "meti2")].map(|(a, b)| (site_url(a), site_url(b))),
        "one mapping per (source, target) guideline pair"
    );
    for m in mappings {
        assert!(is_v5(&m["uuid"]) && seen_uuids.insert(m["uuid"].to_string()));
        assert_eq!(m["source-resource"]["type"], "catalog");
        for map in m["maps"].as_array().unwrap() {
            assert!(is_v5(&map["uuid"]) && seen_uuids.insert(map["uuid"].to_string()), "map uuids are unique");
            let rel = map["relationship"].as_str().unwrap();
            assert!(tokens.contains(&rel), "{rel}");
            assert_eq!(map["sources"][0]["type"], "control");
            assert_eq!(map["targets"][0]["type"], "control");
            got.insert((
                map["sources"][0]["id-ref"].as_str().unwrap().to_string(),
                map["targets"][0]["id-ref"].as_str().unwrap().to_string(),
                rel.to_string(),
                map["confidence-score"]["category"].as_str().unwrap().to_string(),
            ));
            assert!(map["remarks"].as_str().is_some_and(|r| !r.is_empty()));
            // A 新設 clause's row toward a whole guideline says so on its target.
            let target = map["targets"][0]["id-ref"].as_str().unwrap();
            assert_eq!(map["targets"][0]["remarks"].as_str().is_some_and(|r| r.contains("指針全体")), target == "mhlw5" || target == "meti2", "{map}");
        }
    }
    let expected: BTreeSet<(String, String, String, String)> = yaml_rows(site.path())
        .into_iter()
        .map(|r| (r["from"].clone(), r["to"].clone(), r["relationship"].clone(), r["confidence"].clone()))
        .collect();
    assert_eq!(got, expected);

    // UUIDs are v5 of the ids under a fixed namespace: recompute one independently.
    let ns = uuid::Uuid::new_v5(&uuid::Uuid::NAMESPACE_URL, b"urn:shishin:mapping");
    let first = uuid::Uuid::new_v5(&ns, "map\u{1f}mic-3.1\u{1f}mhlw5-6.1".as_bytes()).to_string();
    assert_eq!(mappings[0]["maps"][0]["uuid"], first.as_str());

    // A second build (another output directory) gives byte-identical downloads.
    let again = site.path().join("public-again");
    let o = build(site.path(), &again);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for f in ["mapping-oscal.json", "mapping.csv", "mapping.json", "mapping.xlsx"] {
        assert_eq!(std::fs::read(out.join("downloads").join(f)).unwrap(), std::fs::read(again.join("downloads").join(f)).unwrap(), "{f} differs between builds");
    }
}

/// The export against the official OSCAL 1.2.2 metaschema (tests/fixtures/oscal-1.2.2): every
/// required flag, field and assembly is present, every key is defined, and tokens are allowed.
#[test]
fn oscal_export_satisfies_the_official_1_2_2_metaschema() {
    use metaschema::{Metaschema, key};
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/oscal-1.2.2");
    let texts: Vec<String> = ["oscal_mapping_metaschema.xml", "oscal_mapping-common_metaschema.xml", "oscal_metadata_metaschema.xml"]
        .iter()
        .map(|f| std::fs::read_to_string(dir.join(f)).unwrap())
        .collect();
    let ms = Metaschema::read(&texts);
    // What the metaschema requires, read from it (so a misread file cannot pass silently).
    let names = |def: &str| ms.required_names(def).into_iter().collect::<Vec<_>>();
    assert_eq!(names(&key("assembly", "mapping-collection")), ["mappings", "metadata", "provenance", "uuid"]);
    assert_eq!(names(&key("assembly", "mapping-provenance")), ["mapping-description", "matching-rationale", "method", "status"]);
    assert_eq!(names(&key("assembly", "mapping")), ["maps", "source-resource", "target-resource", "uuid"]);
    assert_eq!(names(&key("assembly", "map")), ["relationship", "sources", "targets", "uuid"]);
    assert_eq!(names(&key("assembly", "mapping-item")), ["id-ref", "type"]);
    assert_eq!(names(&key("assembly", "mapping-resource-reference")), ["href", "type"]);
    assert_eq!(names(&key("assembly", "metadata")), ["last-modified", "oscal-version", "title", "version"]);
    let relationship = ms.member_named(&key("assembly", "map"), "relationship").unwrap();
    let allowed: BTreeSet<&str> = ms.defs[&relationship.def].allowed.iter().map(String::as_str).collect();
    assert_eq!(allowed, BTreeSet::from(["equivalent-to", "equal-to", "subset-of", "superset-of", "intersects-with", "no-relationship"]));
    assert_eq!(ms.defs[&key("flag", "method")].allowed, BTreeSet::from(["human", "automation", "hybrid"].map(String::from)));

    let (_site, out) = built();
    let v: Value = serde_json::from_str(&read(&out, "downloads/mapping-oscal.json")).unwrap();
    assert_eq!(v.as_object().unwrap().keys().collect::<Vec<_>>(), ["mapping-collection"], "the root is the model's root-name");
    let mut errors = Vec::new();
    ms.check(&key("assembly", "mapping-collection"), &v["mapping-collection"], "mapping-collection", &mut errors);
    assert!(errors.is_empty(), "{errors:#?}");
    // The checker does catch what the metaschema forbids.
    let mut broken = v["mapping-collection"].clone();
    broken["provenance"].as_object_mut().unwrap().remove("mapping-description");
    broken["mappings"][0]["maps"][0]["relationship"] = Value::from("same-as");
    broken["mappings"][0]["maps"][0].as_object_mut().unwrap().remove("targets");
    broken["metadata"]["colour"] = Value::from("x");
    let mut errors = Vec::new();
    ms.check(&key("assembly", "mapping-collection"), &broken, "mapping-collection", &mut errors);
    for expect in ["provenance: missing required `mapping-description`", "relationship: `same-as` is not one of", "maps[0]: missing required `targets`", "metadata: `colour` is not defined"] {
        assert!(errors.iter().any(|e| e.contains(expect)), "expected `{expect}` in {errors:#?}");
    }
}

/// The HTML of one element with `id` (from its start tag to the next `</li>`).
fn item<'a>(html: &'a str, id: &str) -> &'a str {
    let start = html.find(&format!(r#"id="{id}""#)).unwrap_or_else(|| panic!("no element #{id}"));
    let end = html[start..].find("</li>").unwrap() + start;
    &html[start..end]
}

#[test]
fn clause_pages_show_cross_references_both_ways() {
    let (_site, out) = built();
    let mic = read(&out, "mic/3.2/index.html");
    assert!(mic.contains("<h3 id=\"mapping-to\">対応する項目</h3>") && mic.contains("<h3 id=\"mapping-from\">対応元</h3>"));
    let to = item(&mic, "map-to-mhlw5-6.2");
    assert!(to.contains(r#"href="/guide/mhlw5/6.2/">6.2 技術的安全対策</a>"#), "{to}");
    assert!(to.contains("包含") && to.contains("確度: 中") && to.contains("MIC 側が広い。"), "{to}");
    assert!(to.contains(r#"<a href="https://www.mhlw.go.jp/" rel="noopener">医療情報システムの安全管理に関するガイドライン 第5版</a>"#), "{to}");
    assert!(to.contains(r#"href="/guide/mhlw5/6.2/#map-from-mic-3.2""#), "links the reciprocal entry: {to}");
    // The reverse row (mhlw5-6.2 subset-of mic-3.2) reads as 包含 from this page too.
    assert!(item(&mic, "map-from-mhlw5-6.2").contains("包含"));
    assert!(mic.contains(r#"href="/guide/mapping/#m-mic-3.2""#), "link to the matrix row");

    let mhlw = read(&out, "mhlw5/6.2/index.html");
    let from = item(&mhlw, "map-from-mic-3.2");
    assert!(from.contains("部分") && from.contains(r#"href="/guide/mic/3.2/""#), "the inverse of superset-of: {from}");
    assert!(mhlw.contains(r#"href="/guide/mapping/#c-mhlw5-6.2""#), "link to the matrix column");

    let meti = read(&out, "meti2/7.2/index.html");
    assert!(item(&meti, "map-from-mic-3.2").contains("同等"));
    assert!(item(&meti, "map-from-mhlw5-7.1").contains("一部重複"), "rows between two target guidelines show too");

    // Every clause page has the section, also without rows: it says why and links the coverage.
    let none = read(&out, "mhlw5/6.3/index.html");
    assert!(none.contains(r#"<h2 id="mapping-links-heading">他の指針との対応</h2>"#), "section on a clause without mappings");
    assert!(none.contains(r#"<p class="mapping-links__none" id="mapping-none">対応表に対応する項目はありません。 <a href="/guide/mapping/#coverage-mhlw5">対応表の網羅状況を見る</a></p>"#), "{none}");
    // A 新設 clause lists its `no-relationship` rows toward each guideline as a whole.
    let new = read(&out, "mic/3.3/index.html");
    assert!(new.contains("この項目は新設で、対応する項目はありません。"), "{new}");
    for (other, label) in [("mhlw5", "第5版 厚労省ガイドライン"), ("meti2", "第2版 経産省ガイドライン")] {
        let e = item(&new, &format!("map-to-{other}"));
        assert!(e.contains(&format!(r#"href="/guide/{other}/">{label}</a><span class="xref__whole">（指針全体）</span>"#)) && e.contains("対応なし"), "{e}");
    }
    assert!(item(&read(&out, "mhlw5/index.html"), "map-from-mic-3.3").contains("対応なし"), "the guideline's top page lists it as 対応元");
    // A chapter without rows of its own whose clauses have rows points down to them.
    let chapter = read(&out, "mhlw5/6/index.html");
    assert!(chapter.contains(r#"<p class="mapping-links__none" id="mapping-none">この項目全体に対応する行はありません。対応は下位の各項目に示しています。</p>"#), "{chapter}");
    // Not on pages that are not clauses (home, a guideline's index page).
    for page in ["index.html", "mic/index.html", "mapping/index.html"] {
        assert!(!read(&out, page).contains("mapping-links-heading"), "{page}");
    }
}

#[test]
fn matrix_page_lists_rows_columns_cells_coverage_and_downloads() {
    let (_site, out) = built();
    let html = read(&out, "mapping/index.html");
    assert!(!html.contains("style=") && !html.contains("<script>"), "CSP: no inline styles or scripts");
    let ids = |prefix: &str| -> Vec<String> {
        html.match_indices(&format!(r#"id="{prefix}"#)).map(|(i, m)| html[i + m.len()..].split('"').next().unwrap().to_string()).collect()
    };
    assert_eq!(ids("m-"), ["mic-3", "mic-3.1", "mic-3.2", "mic-3.3", "mic-4"], "rows: the MIC clauses in reading order");
    assert_eq!(ids("c-"), ["mhlw5", "mhlw5-6.1", "mhlw5-6.2", "mhlw5-7.1", "meti2", "meti2-7", "meti2-7.1", "meti2-7.2"], "columns: mapped clauses by guideline, each guideline as a whole first");
    assert!(html.contains(r#"colspan="4" class="matrix-table__doc" data-group data-doc="mhlw5""#));
    assert!(html.contains(r#"colspan="2" class="matrix-table__chapter" data-group data-chapter="mhlw5-6""#));
    assert!(html.contains(r#"colspan="3" class="matrix-table__chapter" data-group data-chapter="meti2-7""#));
    // One cell per mapped pair (the consistent reverse row adds none; MHLW ↔ METI is not a MIC row).
    assert_eq!(html.matches("<td class=\"cell rel-cell").count(), 8);
    let cell_start = html.find(r#"data-col="2" data-doc="mhlw5" data-chapter="mhlw5-6" data-rel="superset-of" data-conf="medium""#).expect("mic-3.2 × mhlw5-6.2 cell");
    let cell = &html[cell_start..cell_start + html[cell_start..].find("</td>").unwrap()];
    assert!(cell.contains(r#"href="/guide/mic/3.2/#map-to-mhlw5-6.2""#), "{cell}");
    assert!(cell.contains(r#"href="/guide/mhlw5/6.2/#map-from-mic-3.2""#), "{cell}");
    assert!(cell.contains(r#"<span class="rel__symbol" aria-hidden="true">⊃</span><span class="visually-hidden">3.2 技術的対策 → 厚労省 第5版 6.2 技術的安全対策: 包含、確度 中</span>"#), "{cell}");
    assert!(cell.contains(r#"<span class="visually-hidden">厚労省 第5版 6.2 技術的安全対策 のページの対応元</span>"#), "{cell}");
    // The phone list view carries the same mappings, each naming the target's guideline (6.x
    // numbers exist in MHLW and METI alike).
    let list = &html[html.find(r#"id="l-mic-3.2""#).expect("list row mic-3.2")..];
    let list = &list[..list.find("</section>").unwrap()];
    assert!(list.contains(r#"<span class="matrix-list__target"><span class="matrix-list__doc">厚労省 第5版</span> <a href="/guide/mhlw5/6.2/#map-from-mic-3.2">6.2 技術的安全対策</a>"#), "{list}");
    assert!(list.contains(r#"<span class="matrix-list__doc">経産省 第2版</span> <a href="/guide/meti2/7.2/#map-from-mic-3.2">"#), "{list}");
    // The 新設 clause's row: 対応なし toward each guideline as a whole (column 全体).
    let new_row = &html[html.find(r#"id="m-mic-3.3""#).expect("matrix row mic-3.3")..];
    let new_row = &new_row[..new_row.find("</tr>").unwrap()];
    assert_eq!(new_row.matches(r#"data-rel="no-relationship""#).count(), 2, "{new_row}");
    assert!(new_row.contains(r#"href="/guide/mhlw5/#map-from-mic-3.3""#), "{new_row}");
    assert!(html.contains(r#"id="c-mhlw5" class="matrix-table__col" data-col="0" data-doc="mhlw5" data-chapter="mhlw5"><a href="/guide/mhlw5/" title="厚労省 第5版 第5版 厚労省ガイドライン">全体</a>"#), "the whole-guideline column");
    let new_list = &html[html.find(r#"id="l-mic-3.3""#).expect("list row mic-3.3")..];
    let new_list = &new_list[..new_list.find("</section>").unwrap()];
    assert!(new_list.contains("対応なし") && new_list.contains(r#"<span class="matrix-list__doc">経産省 第2版</span> <a href="/guide/meti2/#map-from-mic-3.3">"#), "{new_list}");
    // Filters (hidden until matrix.js shows them).
    assert!(html.contains("<form class=\"matrix-filters\" data-matrix-filters hidden"));
    for option in [r#"value="mic-3""#, r#"value="doc:mhlw5""#, r#"value="ch:meti2-7""#, r#"name="rel" value="no-relationship" checked>"#, r#"name="conf" value="high" checked>"#] {
        assert!(html.contains(option), "{option}");
    }
    // Coverage: the unmapped MHLW clause, the 新設 MIC clause, the MIC clause with only no-relationship.
    let coverage = &html[html.find("id=\"coverage\"").unwrap()..];
    assert!(coverage.contains(r#"<a href="/guide/mhlw5/6.3/">6.3 人的安全対策</a>"#));
    assert!(!coverage.contains(r#"href="/guide/mhlw5/6.1/""#));
    assert!(coverage.contains(r#"<a href="/guide/mic/3.3/">3.3 PHR サービス</a> <span class="badge badge--new">新設</span>"#));
    assert!(coverage.contains(r#"<a href="/guide/mic/4/">第4章 合意形成</a>"#));
    // Downloads are linked (base path aware) and exist.
    for f in ["mapping.csv", "mapping.xlsx", "mapping.json", "mapping-oscal.json"] {
        assert!(html.contains(&format!(r#"href="/guide/downloads/{f}""#)), "{f}");
        assert!(out.join("downloads").join(f).is_file(), "{f}");
    }
}

/// Edit mappings.yaml of a built fixture copy; the build must fail naming `line:col` and
/// `message`, and leave public/ exactly as it was.
fn assert_rejected(edit: impl Fn(&str) -> String, line: usize, col: usize, message: &str) {
    let (site, out) = built();
    let before = snapshot(&out);
    let path = site.path().join(YAML);
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, edit(&text)).unwrap();
    let o = build(site.path(), &out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success(), "build should fail for: {message}");
    assert!(err.contains(&format!("{YAML}:{line}:{col}")), "expected {YAML}:{line}:{col} in:\n{err}");
    assert!(err.contains(message), "expected `{message}` in:\n{err}");
    assert!(err.contains("help:"), "says what to do:\n{err}");
    assert_eq!(snapshot(&out), before, "public/ must be untouched");
}

/// Append a row; returns the new text. The row starts at line `lines(text) + 1`, column 5.
fn append(text: &str, from: &str, to: &str, rel: &str) -> String {
    format!("{text}  - from: {from}\n    to: {to}\n    relationship: {rel}\n    rationale: 追加\n    evidence: editorial\n    confidence: low\n")
}

fn next_line(text: &str) -> usize {
    text.lines().count() + 1
}

#[test]
fn unknown_id_is_rejected_with_suggestions() {
    let text = std::fs::read_to_string(fixture().join(YAML)).unwrap();
    let n = next_line(&text);
    assert_rejected(|t| append(t, "mic-3.1", "mhlw5-6.99", "equal-to"), n + 1, 9, "unknown id `mhlw5-6.99` in `to`");
    assert_rejected(|t| append(t, "mic-3.9", "mhlw5-6.3", "equal-to"), n, 11, "did you mean one of `mic-3.1`");
}

#[test]
fn duplicate_rows_are_rejected() {
    let text = std::fs::read_to_string(fixture().join(YAML)).unwrap();
    let first = text.lines().position(|l| l == "  - from: mic-3.1").unwrap() + 1;
    assert_rejected(|t| append(t, "mic-3.1", "mhlw5-6.1", "equal-to"), next_line(&text), 5, &format!("duplicate row: `mic-3.1` → `mhlw5-6.1` is already mapped at line {first}"));
}

#[test]
fn contradictions_are_rejected() {
    let text = std::fs::read_to_string(fixture().join(YAML)).unwrap();
    let n = next_line(&text);
    // Same pair, another relationship (A subset-of B beside A superset-of B).
    assert_rejected(|t| append(t, "mic-3.2", "mhlw5-6.2", "subset-of"), n, 5, "contradiction: `mic-3.2` → `mhlw5-6.2` is `subset-of` here but `superset-of`");
    // no-relationship beside another relationship.
    assert_rejected(|t| append(t, "mic-3.2", "mhlw5-7.1", "no-relationship"), n, 5, "`no-relationship` cannot stand beside another relationship");
    // Reverse row inconsistent: mic-3.1 subset-of meti2-7.1, then meti2-7.1 subset-of mic-3.1.
    assert_rejected(|t| append(t, "meti2-7.1", "mic-3.1", "subset-of"), n, 5, "so `meti2-7.1` → `mic-3.1` must be `superset-of`, not `subset-of`");
    // Self-mapping.
    assert_rejected(|t| append(t, "mic-3.1", "mic-3.1", "equal-to"), n, 5, "`mic-3.1` is mapped to itself");
    // `mic-3.3 no-relationship mhlw5` (the whole guideline) stands against any row relating
    // mic-3.3 to an MHLW clause, in either direction (a 新設 clause's rows toward a guideline
    // before it can only say `no-relationship`: see below).
    let whole = text.lines().position(|l| l == "    to: mhlw5").unwrap();
    let said = format!("contradiction: line {whole} says `mic-3.3` has no counterpart anywhere in `mhlw5`, but this row relates it to `mhlw5-6.3`");
    assert_rejected(|t| append(t, "mic-3.3", "mhlw5-6.3", "no-relationship"), n, 5, &said);
    assert_rejected(|t| append(t, "mhlw5-6.3", "mic-3.3", "no-relationship"), n, 5, &said);
    // A row toward a whole guideline (its top page) can only say `no-relationship`.
    assert_rejected(|t| append(t, "mic-3.1", "mhlw5", "intersects-with"), n + 1, 9, "`mhlw5` in `to` is a whole guideline");
    // A 新設 clause (mic-3.3, `status: new`) has no counterpart in the guidelines it is compared
    // with: a row may only say `no-relationship` (the fixture has no successor corpus).
    assert_rejected(|t| append(t, "mic-3.3", "mhlw5-6.3", "intersects-with"), n, 11, "`mic-3.3` in `from` is marked `status: new` (新設)");
    assert_rejected(|t| append(t, "mhlw5-6.3", "mic-3.3", "subset-of"), n + 1, 9, "`mic-3.3` in `to` is marked `status: new` (新設)");
}

/// Every export lists a 新設 clause only through its rows, so a 新設 clause without a row toward a
/// target guideline is an error at the clause's `status: new` (file:line:col of the page),
/// public/ untouched. A row to one of that guideline's clauses (a successor may well have a
/// counterpart) serves as well as `no-relationship` toward its top page.
#[test]
fn new_clause_without_a_row_toward_a_guideline_is_rejected() {
    let (site, out) = built();
    let before = snapshot(&out);
    let path = site.path().join(YAML);
    let text = std::fs::read_to_string(&path).unwrap();
    let cut = text.find("  - from: mic-3.3\n    to: meti2\n").expect("the fixture's row toward meti2");
    std::fs::write(&path, &text[..cut]).unwrap();
    let o = build(site.path(), &out);
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(!o.status.success());
    assert!(err.contains("--> content/mic/3/3.3.md:5:9\n"), "{err}");
    assert!(err.contains("新設 clause `mic-3.3` has no row toward `meti2`"), "{err}");
    assert!(err.contains("help: add `- { from: mic-3.3, to: meti2, relationship: no-relationship"), "{err}");
    assert!(!err.contains("toward `mhlw5`"), "the row toward mhlw5 is there: {err}");
    assert_eq!(snapshot(&out), before, "public/ must be untouched");
    // A row to one of meti2's clauses counts too; toward a guideline that is not a successor it
    // can only say `no-relationship` (the fixture names no successor).
    std::fs::write(&path, append(&text[..cut], "mic-3.3", "meti2-7.1", "no-relationship")).unwrap();
    let o = build(site.path(), &out);
    assert!(o.status.success(), "a row to a meti2 clause counts: {}", String::from_utf8_lossy(&o.stderr));
}

#[test]
fn unknown_tokens_are_rejected() {
    let text = std::fs::read_to_string(fixture().join(YAML)).unwrap();
    let line = text.lines().position(|l| l == "    relationship: equal-to").unwrap() + 1;
    assert_rejected(|t| t.replacen("relationship: equal-to", "relationship: same-as", 1), line, 19, "`relationship` is one of `equal-to`, `equivalent-to`, `subset-of`, `superset-of`, `intersects-with`, `no-relationship`, not `same-as`");
    let line = text.lines().position(|l| l == "    evidence: seed-deck").unwrap() + 1;
    assert_rejected(|t| t.replacen("evidence: seed-deck", "evidence: rumour", 1), line, 15, "unknown evidence `rumour`");
    let line = text.lines().position(|l| l == "    confidence: high").unwrap() + 1;
    assert_rejected(|t| t.replacen("confidence: high", "confidence: certain", 1), line, 17, "`confidence` is one of `high`, `medium`, `low`, not `certain`");
}

fn run_cli(args: &[&str]) -> Output {
    bin().arg("mapping").args(args).arg("--root").arg(fixture()).output().unwrap()
}

#[test]
fn mapping_cli_prints_both_directions() {
    let o = run_cli(&["--from", "mic-3.2"]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.starts_with("mic-3.2  3.2 技術的対策\nhttps://example.test/guide/mic/3.2/\n"), "{text}");
    let to = text.split("対応する項目（この項目 → 相手）: 3 件\n").nth(1).expect("3 mapped clauses").split("対応元").next().unwrap();
    let order: Vec<usize> = ["⊃ 包含  mhlw5-6.2  6.2 技術的安全対策", "△ 一部重複  mhlw5-7.1  7.1 真正性の確保", "○ 同等  meti2-7.2  7.2 アクセス制御"]
        .iter()
        .map(|l| to.find(l).unwrap_or_else(|| panic!("{l} in\n{to}")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "file order");
    assert!(to.contains("確度: 中 ・ 根拠: 医療情報システムの安全管理に関するガイドライン 第5版 (mhlw-5) ・ OSCAL: superset-of"), "{to}");
    let from = text.split("対応元（相手 → この項目）: 1 件\n").nth(1).expect("1 row maps to mic-3.2");
    assert!(from.contains("⊃ 包含  mhlw5-6.2"), "mhlw5-6.2 subset-of mic-3.2, read from mic-3.2: {from}");

    // From a target clause: what maps to it, as JSON.
    let o = run_cli(&["--from", "mhlw5-6.2", "--json"]);
    assert!(o.status.success());
    let v: Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["id"], "mhlw5-6.2");
    assert_eq!(v["mapped_from"][0]["id"], "mic-3.2");
    assert_eq!(v["mapped_from"][0]["relationship"], "subset-of");
    assert_eq!(v["mapped_from"][0]["row"]["relationship"], "superset-of");
    assert_eq!(v["mapped_from"][0]["rationale"], "MIC 側が広い。\n二行目, カンマ入り。");
    assert_eq!(v["maps_to"][0]["id"], "mic-3.2");

    // A clause without mappings.
    let o = run_cli(&["--from", "mhlw5-6.3"]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("対応する項目（この項目 → 相手）: なし"));
}

#[test]
fn mapping_cli_rejects_unknown_ids_with_close_suggestions() {
    let o = run_cli(&["--from", "mic-3.9"]);
    assert_eq!(o.status.code(), Some(1));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("unknown id `mic-3.9`") && err.contains("did you mean one of `mic-3.1`, `mic-3.2`, `mic-3.3`?"), "{err}");
    assert!(o.stdout.is_empty());
}

#[test]
fn shipped_corpus_mappings_load() {
    use shishin::content::load::{LoadOptions, load_site};
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if !root.join(YAML).exists() {
        return; // the corpus is not in this checkout
    }
    let (site, errors) = load_site(root, &LoadOptions { include_drafts: false }).unwrap();
    assert!(errors.is_empty(), "{errors}");
    let m = shishin::mapping::Mappings::load(&site).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(m.rows.len(), yaml_rows(root).len());
    assert!(m.matrix_context().is_some(), "the shipped site has a matrix page");
}
