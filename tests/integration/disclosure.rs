//! Disclosure templates (サービス仕様適合開示書 / SLA参考例) through the public interfaces: the
//! build (downloads and template pages), the generated files as a reader sees them (calamine, the
//! sheet XML inside the xlsx, CSV bytes, JSON Schema), and `shishin disclosure check`.
//!
//! The fixture site (tests/fixtures/disclosure) has the pages the templates point at; each test
//! copies it and adds the shipped content/data/disclosure.yaml and sla.yaml, so the shipped
//! templates are what is tested.


mod report;

use crate::common::copy_dir;
use serde_json::{Value, json};
use shishin::pipeline::{BuildOptions, build_site};
use shishin::cmd::disclosure as cli;
use shishin::disclosure::{ColumnType, Template};
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};
use std::process::Command;

const REPO: &str = env!("CARGO_MANIFEST_DIR");

/// A copy of the fixture site with the shipped template files.
fn site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&Path::new(REPO).join("tests/fixtures/disclosure"), dir.path());
    for f in ["disclosure.yaml", "sla.yaml"] {
        std::fs::copy(Path::new(REPO).join("content/data").join(f), dir.path().join("content/data").join(f)).unwrap();
    }
    dir
}

struct Built {
    _dir: tempfile::TempDir,
    root: PathBuf,
    files: shishin::output::OutputFiles,
    disclosure: Template,
    sla: Template,
}

fn build() -> Built {
    build_with(str::to_string)
}

/// Like `build`, after `edit` changed the copied disclosure.yaml.
fn build_with(edit: impl Fn(&str) -> String) -> Built {
    let dir = site();
    let root = dir.path().to_path_buf();
    let yaml = root.join("content/data/disclosure.yaml");
    std::fs::write(&yaml, edit(&std::fs::read_to_string(&yaml).unwrap())).unwrap();
    let built = build_site(&BuildOptions::new(&root)).unwrap_or_else(|e| panic!("fixture build failed:\n{e}"));
    let templates = cli::load_templates(&root).unwrap();
    Built { root, files: built.files, disclosure: templates.get("disclosure").unwrap().clone(), sla: templates.get("sla").unwrap().clone(), _dir: dir }
}

fn file<'a>(b: &'a Built, path: &str) -> &'a [u8] {
    b.files.get(path).unwrap_or_else(|| panic!("{path} was not generated"))
}

fn shishin(args: &[&str]) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_shishin")).args(args).output().unwrap();
    (out.status.code().unwrap_or(-1), format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)))
}

// ---------------------------------------------------------------- the shipped data

#[test]
fn shipped_templates_check_against_the_shipped_site() {
    let templates = cli::load_templates(Path::new(REPO)).unwrap_or_else(|e| panic!("{e}"));
    let d = templates.get("disclosure").unwrap();
    // The seed deck's item tree (1)①–⑤ with the template's reference codes and MIC clause.
    let expect = [
        ("disc-1", "組織的対応", None),
        ("disc-1-1", "組織的取組における基本方針", Some("(2)(ウ)1.⑥")),
        ("disc-1-1-a", "当社における情報セキュリティに関する組織体制", Some("(2)(ウ)1.⑥")),
        ("disc-1-1-b", "当社における個人情報保護指針、プライバシーポリシー等について", Some("(2)(ウ)1.⑥")),
        ("disc-1-2", "サービス提供に係る体制等に関する情報の開示", Some("(2)(ウ)2.②")),
        // The two sub-headings of ② the deck gives before (a), each with its own reference.
        ("disc-1-2-cloud", "再委託先のクラウドサービス事業者の有無・事業者名・再委託先クラウドサービス事業者との契約種別", Some("(2)(ウ)2.②")),
        ("disc-1-2-maint", "保守・運用に関する再委託事業者の有無・管理体制", Some("(2)(ウ)2.②")),
        ("disc-1-3", "管理する医療情報の管理状況に関する資料の提供", Some("(2)(ウ)3.④")),
        ("disc-1-4", "サービス提供に係る運用管理規程の開示等の有無、範囲、条件等", Some("(2)(ウ)3.③")),
        ("disc-1-5", "受託する医療情報に係るリスク分析の結果と対応措置", Some("(2)(ウ)4.②")),
    ];
    for (id, title, reference) in expect {
        let item = d.item(id).unwrap_or_else(|| panic!("{id} missing"));
        assert_eq!(item.title, title);
        assert_eq!(item.reference.as_deref(), reference, "{id}");
        assert_eq!(item.clause.as_deref(), Some("mic-3.2.1"), "{id}");
    }
    let roles: Vec<&str> = d.item("disc-1-1-a").unwrap().children.iter().map(|c| c.title.as_str()).collect();
    assert_eq!(roles, ["情報システム責任者", "本サービスに関する管理責任者", "本サービスのシステムに関する運用管理責任者"]);
    // Confidence marks are kept: seed items high, vendor-derived medium, our own columns low.
    use shishin::content::Confidence::*;
    assert_eq!(d.item("disc-1-1-a").unwrap().confidence, Some(High));
    assert_eq!(d.item("disc-1-6").unwrap().confidence, Some(Medium));
    assert_eq!(d.item("disc-2-1").unwrap().confidence, Some(Medium));
    assert_eq!(d.item("disc-2").unwrap().clause.as_deref(), Some("mic-3.2.2"));
    assert_eq!(d.item("disc-1-6").unwrap().columns[0].confidence, Some(Low));
    let s = templates.get("sla").unwrap();
    assert_eq!(s.item("sla-1-2").unwrap().title, "本サービスの提供範囲");
    assert!(s.rows().iter().all(|r| r.item.confidence == Some(Medium)), "the SLA facts are medium at best");
    // Choice columns are 有/無 (or 可/否) and every row has a marked example somewhere.
    for r in d.rows() {
        for c in r.columns.iter().filter(|c| c.kind == ColumnType::Choice) {
            assert!(c.options == ["有", "無"] || c.options == ["可", "否"], "{} {}", r.item.id, c.key);
        }
        assert!(!r.item.example.is_empty(), "{} has no example", r.item.id);
    }
}

/// The deck's two fill-in fields of (1)② (再委託先クラウドサービス事業者, 保守・運用の再委託) are
/// answerable rows with their reference, in the page, every download and the answer check.
#[test]
fn the_two_subcontracting_fields_of_item_2_are_fill_in_items_everywhere() {
    let b = build();
    let ids = ["disc-1-2-cloud", "disc-1-2-maint"];
    let rows: Vec<&str> = b.disclosure.rows().iter().map(|r| r.item.id.as_str()).collect();
    for id in ids {
        assert!(rows.contains(&id), "{id} is an answerable row");
        let item = b.disclosure.item(id).unwrap();
        assert_eq!(item.columns[0].key, "presence");
        assert_eq!(item.columns[0].options, ["有", "無"], "{id}: 有無 is a choice");
        assert!(item.columns.iter().all(|c| c.confidence == Some(shishin::content::Confidence::Low)), "{id}: the site's own columns are low");
    }
    let html = std::str::from_utf8(file(&b, "mic/annex-disclosure/index.html")).unwrap();
    let text = |path: &str| String::from_utf8_lossy(file(&b, path)).into_owned();
    let (answers, items, md, json) = (text("downloads/disclosure-answers.csv"), text("downloads/disclosure-items.csv"), text("downloads/disclosure.md"), text("downloads/disclosure.json"));
    for id in ids {
        let title = &b.disclosure.item(id).unwrap().title;
        let heading = &html[html.find(&format!("id=\"{id}\"")).unwrap_or_else(|| panic!("{id} anchor"))..];
        assert!(heading[..heading.find("</table>").unwrap()].contains(title.as_str()), "{id} heading");
        assert!(heading.contains("参照 (2)(ウ)2.②"), "{id} shows its reference");
        assert!(html.contains(&format!("data-item=\"{id}\" data-column=\"presence\"")), "{id} has a 有無 control");
        assert!(answers.contains(&format!("{id},presence,")), "{id} in the empty answer file");
        assert!(items.contains(title.as_str()) && md.contains(title.as_str()) && json.contains(title.as_str()), "{id} in the item list, Markdown and JSON");
    }
    let mut xlsx = xlsx_zip(&b, "disclosure");
    let strings = zip_text(&mut xlsx, "xl/sharedStrings.xml");
    assert!(ids.iter().all(|id| strings.contains(b.disclosure.item(id).unwrap().title.as_str())), "both in the XLSX");
    // `disclosure check` asks for their 有無 and accepts them filled in.
    let check = |answers: Value| {
        let path = b.root.join("answers.json");
        std::fs::write(&path, json!({ "template": "disclosure", "version": b.disclosure.version, "answers": answers }).to_string()).unwrap();
        shishin(&["disclosure", "check", path.to_str().unwrap(), "--root", b.root.to_str().unwrap()])
    };
    let (code, out) = check(json!({}));
    assert_eq!(code, 1);
    for id in ids {
        assert!(out.contains(&format!("missing required answer: `{id}` / `presence`")), "{id}: {out}");
    }
    let (_, out) = check(json!({ "disc-1-2-cloud": { "presence": "有", "name": "株式会社例", "contract": "利用契約" }, "disc-1-2-maint": { "presence": "無" } }));
    assert!(!out.contains("answer: `disc-1-2-cloud`") && !out.contains("answer: `disc-1-2-maint`") && !out.contains("unknown item"), "the two items are accepted: {out}");
}

// ---------------------------------------------------------------- XLSX

fn xlsx_zip(b: &Built, name: &str) -> zip::ZipArchive<Cursor<Vec<u8>>> {
    zip::ZipArchive::new(Cursor::new(file(b, &format!("downloads/{name}.xlsx")).to_vec())).unwrap()
}

fn zip_text(z: &mut zip::ZipArchive<Cursor<Vec<u8>>>, path: &str) -> String {
    let mut s = String::new();
    z.by_name(path).unwrap_or_else(|_| panic!("{path} not in the xlsx")).read_to_string(&mut s).unwrap();
    s
}

#[test]
fn xlsx_has_every_item_header_and_marked_example() {
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
    let b = build();
    for t in [&b.disclosure, &b.sla] {
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(file(&b, &format!("downloads/{}.xlsx", t.name)).to_vec())).unwrap();
        let names = wb.sheet_names();
        assert_eq!(names.len(), t.items.len(), "one sheet per top-level section");
        let mut all_cells: Vec<String> = Vec::new();
        for (sheet, section) in names.iter().zip(&t.items) {
            assert!(sheet.starts_with(section.label.as_deref().unwrap_or("")), "{sheet}");
            let range = wb.worksheet_range(sheet).unwrap();
            let text = |r: u32, c: u32| match range.get_value((r, c)) {
                Some(Data::String(s)) => s.clone(),
                _ => String::new(),
            };
            assert_eq!((0..7).map(|c| text(2, c)).collect::<Vec<_>>(), ["項目ID", "項目", "記入欄", "回答（黄色の欄に記入）", "記入例", "必須", "参照"]);
            assert!(text(0, 0).contains(&t.title));
            // Every answer line: id, column header, an empty answer cell; examples marked （例）.
            let mut current_id = String::new();
            for r in 3..range.height() as u32 {
                let id = text(r, 0);
                if !id.is_empty() {
                    current_id = id;
                }
                let example = text(r, 4);
                assert!(example.is_empty() || example.starts_with("（例）"), "unmarked example at row {}: {example}", r + 1);
                if !text(r, 2).is_empty() {
                    assert!(current_id.starts_with(t.id_prefix()), "row {} has no item id", r + 1);
                    assert_eq!(text(r, 3), "", "answer cells start empty");
                }
            }
            for r in range.rows() {
                for c in r {
                    if let Data::String(s) = c {
                        all_cells.push(s.clone());
                    }
                }
            }
            // Group headers (section, ①, (a) tables) are merged across all columns.
            let merged = wb.merge_cells_by_sheet_name(sheet).unwrap();
            let full_width = merged.iter().filter(|d| d.start.0 == d.end.0 && d.start.1 == 0 && d.end.1 == 6).count();
            assert!(full_width >= 3, "{sheet}: {full_width} merged group rows");
        }
        for row in t.rows() {
            assert!(all_cells.iter().any(|c| c == &row.item.id), "{} missing", row.item.id);
            assert!(all_cells.iter().any(|c| c.starts_with(&row.item.display_title())), "title of {} missing", row.item.id);
            for c in row.columns {
                // A column of a group shows its own header under the group's header line.
                let shown = if c.group.is_some() && row.columns.iter().filter(|o| o.group == c.group).count() > 1 { c.header.clone() } else { c.full_header() };
                assert!(all_cells.iter().any(|x| x.starts_with(&shown)), "header {shown} of {} missing", row.item.id);
                if let Some(g) = &c.group {
                    assert!(all_cells.iter().any(|x| x == g), "group {g} of {} missing", row.item.id);
                }
                if let Some(e) = row.item.example.get(&c.key) {
                    assert!(all_cells.contains(&format!("（例）{}", e.trim())), "example of {} / {} missing", row.item.id, c.key);
                }
            }
        }
        // Each section's heading row names its MIC clause, as the page and the other downloads do.
        if t.name == "disclosure" {
            for (id, clause) in [("disc-1", "3.2.1 組織的安全管理対策"), ("disc-2", "3.2.2 物理的安全管理策"), ("disc-3", "3.2.3 技術的安全管理策")] {
                let title = t.item(id).unwrap().display_title();
                let heading = format!("（対応条項 {clause}）");
                assert!(all_cells.iter().any(|c| c.starts_with(&title) && c.contains(&heading)), "{id}: no heading row with {heading}");
            }
        }
        let groups: Vec<&str> = t.items.iter().flat_map(|i| i.children.iter()).map(|i| i.title.as_str()).collect();
        for g in groups {
            assert!(all_cells.iter().any(|c| c.contains(g)), "group {g} missing");
        }
    }
}

#[test]
fn xlsx_sheet_xml_has_validation_merges_print_setup_frozen_header_and_unlocked_inputs() {
    let b = build();
    let mut z = xlsx_zip(&b, "disclosure");
    let sheet = zip_text(&mut z, "xl/worksheets/sheet1.xml");
    // 有/無 drop-downs on the answer column, one per choice cell of the section.
    let choice_cells: usize = b.disclosure.rows().iter().filter(|r| r.path[0].id == "disc-1").map(|r| r.columns.iter().filter(|c| c.kind == ColumnType::Choice).count()).sum();
    assert_eq!(sheet.matches("<dataValidation type=\"list\"").count(), choice_cells, "{sheet}");
    assert!(sheet.contains("<formula1>\"有,無\"</formula1>"));
    assert!(sheet.contains("<formula1>\"可,否\"</formula1>"));
    let validated: Vec<&str> = sheet.match_indices("sqref=\"").map(|(i, _)| &sheet[i + 7..i + 7 + sheet[i + 7..].find('"').unwrap()]).collect();
    assert!(validated.iter().all(|r| r.starts_with('D')), "validation only on the answer column: {validated:?}");
    // Merged group headers and merged item cells.
    assert!(sheet.contains("<mergeCell ref=\"A1:G1\"/>"));
    // A column group (有無 + 役職または氏名) has a header line merged across 記入欄…参照 right above
    // its columns' lines, inside the item's merged id and title cells.
    {
        use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
        let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(file(&b, "downloads/disclosure.xlsx").to_vec())).unwrap();
        let name = wb.sheet_names()[0].clone();
        let range = wb.worksheet_range(&name).unwrap();
        let text = |r: u32, c: u32| match range.get_value((r, c)) {
            Some(Data::String(s)) => s.clone(),
            _ => String::new(),
        };
        let line = (0..range.height() as u32).find(|&r| text(r, 0) == "disc-1-1-a-1").expect("disc-1-1-a-1 line") + 1; // 1-based: the group line
        assert_eq!(text(line - 1, 2), "有無（在る場合には役職または氏名）", "group header line first");
        assert!(text(line, 2).starts_with("有無\n［有／無から選択］"), "{}", text(line, 2));
        assert_eq!(text(line + 1, 2), "役職または氏名");
        assert!(sheet.contains(&format!("<mergeCell ref=\"C{line}:G{line}\"/>")), "group header merged over the line");
        assert!(sheet.contains(&format!("<mergeCell ref=\"A{line}:A{}\"/>", line + 2)), "item id merged over the group line and its two columns");
    }
    assert!(sheet.matches("<mergeCell ref=").count() > 10);
    // A4, fit to one page wide (any height), landscape; header row frozen.
    assert!(sheet.contains("paperSize=\"9\""), "paper size");
    assert!(sheet.contains("fitToHeight=\"0\""), "fit to width only");
    assert!(sheet.contains("<pageSetUpPr fitToPage=\"1\"/>"));
    assert!(sheet.contains("orientation=\"landscape\""));
    assert!(sheet.contains("<pane ySplit=\"3\" topLeftCell=\"A4\" activePane=\"bottomLeft\" state=\"frozen\"/>"), "frozen header");
    assert!(sheet.contains("<sheetProtection"), "sheet protected so only the inputs are editable");
    let workbook = zip_text(&mut z, "xl/workbook.xml");
    assert!(workbook.contains("_xlnm.Print_Titles") && workbook.contains("$3:$3"), "header row repeats on every printed page: {workbook}");
    // Input cells: a yellow fill and an unlocked cell format; every answer cell uses it.
    let styles = zip_text(&mut z, "xl/styles.xml");
    assert!(styles.contains("FFFFF2CC"), "input fill colour");
    let xfs = &styles[styles.find("<cellXfs").unwrap()..styles.find("</cellXfs>").unwrap()];
    let xf: Vec<&str> = xfs.split("<xf ").skip(1).collect();
    let unlocked: Vec<usize> = xf.iter().enumerate().filter(|(_, x)| x.contains("locked=\"0\"")).map(|(i, _)| i).collect();
    assert_eq!(unlocked.len(), 1, "one unlocked (input) format");
    // Exactly the answer cells of the section use it: all in column D, all empty.
    let input_cells: usize = b.disclosure.rows().iter().filter(|r| r.path[0].id == "disc-1").map(|r| r.columns.len()).sum();
    let style = format!(" s=\"{}\"", unlocked[0]);
    let cells: Vec<&str> = sheet.split("<c r=\"").skip(1).map(|c| &c[..c.find('>').unwrap()]).filter(|tag| tag.contains(&style)).collect();
    assert_eq!(cells.len(), input_cells, "{cells:?}");
    assert!(cells.iter().all(|tag| tag.starts_with('D') && !tag.contains(" t=") && tag.ends_with('/')), "{cells:?}");
    // Reproducible: the same input gives the same bytes.
    let again = build();
    assert_eq!(file(&b, "downloads/disclosure.xlsx"), file(&again, "downloads/disclosure.xlsx"));
}

// ---------------------------------------------------------------- CSV, Markdown, JSON

fn parse_answer_csv(bytes: &[u8]) -> Vec<(String, String, String)> {
    let text = std::str::from_utf8(bytes).unwrap();
    let path = Path::new("x.csv");
    let f = shishin::disclosure::answers::parse_csv(path, text.to_string()).unwrap();
    f.entries.into_iter().map(|e| (e.item, e.column, e.value.unwrap())).collect()
}

#[test]
fn answer_csv_has_a_bom_every_cell_and_round_trips_through_the_check() {
    let b = build();
    for t in [&b.disclosure, &b.sla] {
        let bytes = file(&b, &format!("downloads/{}-answers.csv", t.name));
        assert_eq!(&bytes[..3], b"\xEF\xBB\xBF", "BOM");
        let text = std::str::from_utf8(&bytes[3..]).unwrap();
        let mut lines = text.split("\r\n");
        assert_eq!(lines.next(), Some("item_id,column,value"));
        assert_eq!(lines.next(), Some(format!("_meta,template,{}", t.name).as_str()));
        assert_eq!(lines.next(), Some(format!("_meta,version,{}", t.version).as_str()));
        let entries = parse_answer_csv(bytes);
        let expected: Vec<(String, String, String)> = t.rows().iter().flat_map(|r| r.columns.iter().map(|c| (r.item.id.clone(), c.key.clone(), String::new()))).collect();
        assert_eq!(entries, expected, "one empty row per input cell, in template order");

        // Fill every cell (values with commas, quotes and line breaks), write, check, read back.
        let mut out = String::from("\u{feff}item_id,column,value\r\n");
        out.push_str(&format!("_meta,template,{}\r\n_meta,version,{}\r\n", t.name, t.version));
        let mut filled = Vec::new();
        for r in t.rows() {
            for c in r.columns {
                let v = if c.kind == ColumnType::Choice { c.options[0].clone() } else { format!("{}の回答, \"引用\"\n二行目", r.item.id) };
                out.push_str(&format!("{},{},{}\r\n", r.item.id, c.key, shishin::csv::field(&v)));
                filled.push((r.item.id.clone(), c.key.clone(), v));
            }
        }
        assert_eq!(parse_answer_csv(out.as_bytes()), filled, "CSV round trip");
        let path = b.root.join(format!("{}-filled.csv", t.name));
        std::fs::write(&path, &out).unwrap();
        let (code, msg) = shishin(&["disclosure", "check", path.to_str().unwrap(), "--root", b.root.to_str().unwrap()]);
        assert_eq!(code, 0, "{msg}");
        assert!(msg.contains(&format!("template {} (version {})", t.name, t.version)), "{msg}");
    }
    // The readable item list is a BOM CSV too, with marked examples.
    let items = file(&b, "downloads/disclosure-items.csv");
    assert_eq!(&items[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(items).unwrap();
    assert!(text.contains("disc-1-1-a-1,") && text.contains("（例）情報システム部長"));
}

#[test]
fn csv_cells_that_start_a_formula_are_guarded_and_answer_files_read_back() {
    // Template text and answers that a spreadsheet would run as formulas (OWASP CSV injection).
    let title = "=HYPERLINK(\"http://example.com\",\"責任者\")";
    let b = build_with(|t| {
        t.replacen("title: 情報システム責任者", &format!("title: {}", serde_json::to_string(title).unwrap()), 1).replacen("options: [有, 無]", "options: [有, 無, \"-\"]", 1)
    });
    let t = &b.disclosure;
    let cells = |path: &str| -> Vec<Vec<String>> {
        let text = std::str::from_utf8(file(&b, path)).unwrap().trim_start_matches('\u{feff}');
        shishin::csv::records(text, 0).unwrap().into_iter().map(|r| r.into_iter().map(|(f, _)| f).collect()).collect()
    };
    let items = cells("downloads/disclosure-items.csv");
    let row = items.iter().find(|r| r[0] == "disc-1-1-a-1").expect("row of disc-1-1-a-1");
    assert_eq!(row[2], format!("'{title}"), "項目 is guarded");
    assert!(items.iter().flatten().all(|c| !c.starts_with(['=', '+', '-', '@', '\t', '\r'])), "no cell starts a formula");

    // A filled answer CSV written the way we write CSVs: formula-like answers (and the choice
    // "-") are guarded in the file, read back as typed, and `disclosure check` accepts it.
    let starts = ["=1+1", "+81 3 0000", "-なし", "@担当", "\t=タブ"];
    let mut out = String::from("\u{feff}");
    out.push_str(&shishin::csv::record(&["item_id", "column", "value"]));
    out.push_str(&shishin::csv::record(&["_meta", "template", &t.name]));
    out.push_str(&shishin::csv::record(&["_meta", "version", &t.version]));
    let mut filled = Vec::new();
    for (n, r) in t.rows().iter().flat_map(|r| r.columns.iter().map(move |c| (r, c))).enumerate() {
        let (r, c) = r;
        let v = if c.kind == ColumnType::Choice { c.options.last().unwrap().clone() } else { format!("{}{}", starts[n % starts.len()], r.item.id) };
        out.push_str(&shishin::csv::record(&[r.item.id.as_str(), &c.key, &v]));
        filled.push((r.item.id.clone(), c.key.clone(), v));
    }
    assert!(out.contains(",'=1+1") && out.contains(",'-\r\n"), "answers are guarded in the file");
    assert_eq!(parse_answer_csv(out.as_bytes()), filled, "the guard is stripped on read");
    let path = b.root.join("guarded.csv");
    std::fs::write(&path, &out).unwrap();
    let (code, msg) = shishin(&["disclosure", "check", path.to_str().unwrap(), "--root", b.root.to_str().unwrap()]);
    assert_eq!(code, 0, "{msg}");
}

#[test]
fn markdown_and_json_downloads_cover_every_item() {
    let b = build();
    for t in [&b.disclosure, &b.sla] {
        let md = std::str::from_utf8(file(&b, &format!("downloads/{}.md", t.name))).unwrap();
        let json: Value = serde_json::from_slice(file(&b, &format!("downloads/{}.json", t.name))).unwrap();
        assert_eq!(json["template"], t.name.as_str());
        assert_eq!(json["version"], t.version.as_str());
        assert_eq!(json["required_answers"], t.required_count());
        let json_text = json.to_string();
        for r in t.rows() {
            assert!(md.contains(&format!("`{}`", r.item.id)), "{} not in Markdown", r.item.id);
            assert!(json_text.contains(&format!("\"id\":\"{}\"", r.item.id)), "{} not in JSON", r.item.id);
            for e in r.item.example.values() {
                let first = e.lines().next().unwrap();
                assert!(md.contains("（例）") && md.contains(first), "example {first} not in Markdown");
            }
        }
    }
    let md = std::str::from_utf8(file(&b, "downloads/disclosure.md")).unwrap();
    assert!(md.contains("## (1) 組織的対応"));
    assert!(md.contains("参照 (2)(ウ)1.⑥"));
    assert!(md.contains("対応条項 3.2.1 組織的安全管理対策"));
    assert!(md.contains("| 情報セキュリティに関する役職 | 有無（在る場合には役職または氏名） — 有無 |"));
}

/// The subset of JSON Schema 2020-12 the answer schema uses, to validate instances against it.
fn validate(schema: &Value, v: &Value, at: &str, errors: &mut Vec<String>) {
    let s = schema.as_object().unwrap();
    for key in s.keys() {
        assert!(
            ["$schema", "$id", "title", "description", "type", "additionalProperties", "required", "properties", "const", "enum", "minLength", "pattern"].contains(&key.as_str()),
            "the test validator does not know `{key}` (extend it)"
        );
    }
    if let Some(t) = s.get("type").and_then(Value::as_str) {
        let ok = match t {
            "object" => v.is_object(),
            "string" => v.is_string(),
            other => panic!("type {other}"),
        };
        if !ok {
            errors.push(format!("{at}: not {t}"));
            return;
        }
    }
    if let Some(c) = s.get("const")
        && c != v
    {
        errors.push(format!("{at}: {v} is not {c}"));
    }
    if let Some(e) = s.get("enum").and_then(Value::as_array)
        && !e.contains(v)
    {
        errors.push(format!("{at}: {v} not in {e:?}"));
    }
    if let (Some(n), Some(text)) = (s.get("minLength").and_then(Value::as_u64), v.as_str())
        && (text.chars().count() as u64) < n
    {
        errors.push(format!("{at}: shorter than {n}"));
    }
    if let (Some(p), Some(text)) = (s.get("pattern").and_then(Value::as_str), v.as_str())
        && !regex::Regex::new(p).unwrap().is_match(text)
    {
        errors.push(format!("{at}: does not match {p}"));
    }
    if let Some(obj) = v.as_object() {
        let props = s.get("properties").and_then(Value::as_object);
        for r in s.get("required").and_then(Value::as_array).into_iter().flatten() {
            if !obj.contains_key(r.as_str().unwrap()) {
                errors.push(format!("{at}: missing required {r}"));
            }
        }
        for (k, child) in obj {
            match props.and_then(|p| p.get(k)) {
                Some(sub) => validate(sub, child, &format!("{at}/{k}"), errors),
                None if s.get("additionalProperties") == Some(&json!(false)) => errors.push(format!("{at}: unknown key {k}")),
                None => {}
            }
        }
    }
}

#[test]
fn json_schema_describes_a_filled_answer_file() {
    let b = build();
    let t = &b.disclosure;
    let schema: Value = serde_json::from_slice(file(&b, "downloads/disclosure.answers.schema.json")).unwrap();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(schema["$id"], "https://example.test/guide/downloads/disclosure.answers.schema.json");
    assert_eq!(schema["required"], json!(["template", "version", "answers"]));
    assert_eq!(schema["properties"]["template"]["const"], "disclosure");
    let answers = &schema["properties"]["answers"];
    let required_items: Vec<&str> = answers["required"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    let expected: Vec<&str> = t.rows().iter().filter(|r| r.required_columns().count() > 0).map(|r| r.item.id.as_str()).collect();
    assert_eq!(required_items, expected);
    assert_eq!(answers["properties"]["disc-1-1-a-1"]["required"], json!(["presence"]));
    assert_eq!(answers["properties"]["disc-1-1-a-1"]["properties"]["presence"]["enum"], json!(["有", "無"]));

    // A complete answer file is valid; each kind of mistake is caught.
    let mut good = json!({ "template": "disclosure", "version": t.version, "answers": {} });
    for r in t.rows() {
        let mut cols = serde_json::Map::new();
        for c in r.required_columns() {
            cols.insert(c.key.clone(), json!(if c.kind == ColumnType::Choice { c.options[1].clone() } else { "回答".to_string() }));
        }
        if !cols.is_empty() {
            good["answers"][&r.item.id] = Value::Object(cols);
        }
    }
    good["answers"]["disc-1-1-a-1"]["holder"] = json!("");
    let mut errors = Vec::new();
    validate(&schema, &good, "", &mut errors);
    assert!(errors.is_empty(), "{errors:?}");
    type Change = Box<dyn Fn(&mut Value)>;
    let bad_cases: Vec<(Change, &str)> = vec![
        (Box::new(|v: &mut Value| v["template"] = json!("sla")), "is not"),
        (Box::new(|v: &mut Value| v["answers"]["disc-9"] = json!({ "content": "x" })), "unknown key disc-9"),
        (Box::new(|v: &mut Value| v["answers"]["disc-1-1-a-1"]["presence"] = json!("はい")), "not in"),
        (Box::new(|v: &mut Value| v["answers"]["disc-1-1-c"]["content"] = json!("  ")), "does not match"),
        (Box::new(|v: &mut Value| { v["answers"].as_object_mut().unwrap().remove("disc-1-3"); }), "missing required \"disc-1-3\""),
        (Box::new(|v: &mut Value| v["answers"]["disc-1-3"]["colour"] = json!("x")), "unknown key colour"),
    ];
    for (change, expect) in bad_cases {
        let mut v = good.clone();
        change(&mut v);
        let mut errors = Vec::new();
        validate(&schema, &v, "", &mut errors);
        assert!(errors.iter().any(|e| e.contains(expect)), "expected `{expect}` in {errors:?}");
    }
    // The same file passes `shishin disclosure check`.
    let path = b.root.join("good.json");
    std::fs::write(&path, serde_json::to_string_pretty(&good).unwrap()).unwrap();
    let (code, msg) = shishin(&["disclosure", "check", path.to_str().unwrap(), "--root", b.root.to_str().unwrap()]);
    assert_eq!(code, 0, "{msg}");

    // The description says what the schema and the check both do: optional cells may be left out
    // or empty (as in `good`), required ones may not — an empty required choice fails both.
    let description = schema["description"].as_str().unwrap();
    assert!(description.contains("必須の欄") && description.contains("任意の欄は省くか空文字列にできます"), "{description}");
    assert!(!description.contains("未回答の欄は省くか空文字列にする"), "must not promise that any cell may be empty: {description}");
    let mut draft = good.clone();
    draft["answers"]["disc-1-1-a-1"]["presence"] = json!("");
    let mut errors = Vec::new();
    validate(&schema, &draft, "", &mut errors);
    assert!(errors.iter().any(|e| e.contains("not in")), "{errors:?}");
    std::fs::write(&path, serde_json::to_string_pretty(&draft).unwrap()).unwrap();
    let (code, msg) = shishin(&["disclosure", "check", path.to_str().unwrap(), "--root", b.root.to_str().unwrap()]);
    assert_eq!(code, 1, "{msg}");
    assert!(msg.contains("missing required answer: `disc-1-1-a-1` / `presence`"), "{msg}");
}

// ---------------------------------------------------------------- the template pages

#[test]
fn template_pages_show_tables_references_clause_links_examples_and_downloads() {
    let b = build();
    let html = std::str::from_utf8(file(&b, "mic/annex-disclosure/index.html")).unwrap();
    assert!(html.contains("<table class=\"answer-table\" aria-labelledby=\"disc-1-1-a\">"));
    assert!(html.contains("<th id=\"grp-disc-1-1-a--presence\" scope=\"colgroup\" colspan=\"2\">有無（在る場合には役職または氏名）</th>"), "merged group header");
    assert!(html.contains("<th scope=\"row\" id=\"row-disc-1-1-a-1\">情報システム責任者</th>"));
    assert!(html.contains("aria-labelledby=\"row-disc-1-1-a-1 grp-disc-1-1-a--presence hdr-disc-1-1-a--presence\""), "controls are labelled by their row and column headers");
    assert!(html.contains("参照 (2)(ウ)1.⑥"));
    assert!(html.contains("<a href=\"/guide/mic/3.2.1/\">3.2.1 組織的安全管理対策</a>"), "MIC clause link honours the base path");
    assert!(html.contains("<span class=\"example__mark\">（例）</span><span class=\"example__text\">情報システム部長</span>"));
    for d in ["disclosure.xlsx", "disclosure-answers.csv", "disclosure-items.csv", "disclosure.md", "disclosure.json", "disclosure.answers.schema.json"] {
        assert!(html.contains(&format!("href=\"/guide/downloads/{d}\"")), "link to {d}");
    }
    assert!(html.contains(&format!("data-template=\"disclosure\" data-version=\"{}\"", b.disclosure.version)));
    assert!(html.contains("/form.js\" defer></script>") && html.contains("/form.css\">"));
    assert!(!html.contains(" style=") && !html.contains(" onclick="), "CSP: no inline styles or handlers");
    let controls = html.matches(" data-answer data-item=").count();
    assert_eq!(controls, b.disclosure.rows().iter().map(|r| r.columns.len()).sum::<usize>(), "one control per input cell");
    assert_eq!(html.matches(" disabled>").count(), controls, "controls are disabled until form.js runs");
    let sla = std::str::from_utf8(file(&b, "mic/annex-sla/index.html")).unwrap();
    assert!(sla.contains("data-template=\"sla\"") && sla.contains("本サービスの提供範囲") && sla.contains("href=\"/guide/downloads/sla.xlsx\""));
}

// ---------------------------------------------------------------- `shishin disclosure check`

fn check_file(b: &Built, name: &str, content: &[u8]) -> (i32, String) {
    let path = b.root.join(name);
    std::fs::write(&path, content).unwrap();
    shishin(&["disclosure", "check", path.to_str().unwrap(), "--root", b.root.to_str().unwrap()])
}

#[test]
fn check_reports_answer_problems_with_lines_and_exit_codes() {
    let b = build();
    let v = &b.disclosure.version;
    // JSON: each problem names the file, line and column of the offending key or value.
    let json_text = format!(
        r#"{{
  "template": "disclosure",
  "version": "{v}",
  "answers": {{
    "disc-1-1-a-1": {{ "presence": "はい" }},
    "disc-9-9": {{ "content": "x" }},
    "disc-1-1-c": {{ "colour": "x", "content": 3 }},
    "disc-1-1": {{ "content": "x" }}
  }}
}}
"#
    );
    let (code, out) = check_file(&b, "bad.json", json_text.as_bytes());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("`はい` is not an option of `disc-1-1-a-1` / `presence`") && out.contains("bad.json:5:35"), "{out}");
    assert!(out.contains("unknown item id `disc-9-9`") && out.contains("bad.json:6:5"), "{out}");
    assert!(out.contains("item `disc-1-1-c` has no column `colour`") && out.contains("bad.json:7:21"), "{out}");
    assert!(out.contains("the answer for `disc-1-1-c` / `content` is a number, not a string") && out.contains("bad.json:7:47"), "{out}");
    assert!(out.contains("`disc-1-1` is a heading; answer its rows: disc-1-1-a-1"), "{out}");
    assert!(out.contains("missing required answer: `disc-1-1-a-2` / `presence`"), "{out}");
    assert!(out.contains("help: use one of: 有, 無"), "{out}");
    // A wrong value is reported once, not again as a missing answer.
    assert!(!out.contains("missing required answer: `disc-1-1-a-1` / `presence`"), "{out}");

    // Wrong template version / name.
    let (code, out) = check_file(&b, "old.json", br#"{"template": "disclosure", "version": "0.9", "answers": {}}"#);
    assert_eq!(code, 1);
    assert!(out.contains(&format!("the file answers version 0.9 of `disclosure`; the template is version {v}")) && out.contains("old.json:1:39"), "{out}");
    let (code, out) = check_file(&b, "other.json", br#"{"template": "checklist", "version": "1.0", "answers": {}}"#);
    assert_eq!(code, 1);
    assert!(out.contains("unknown template `checklist`") && out.contains("this site defines: disclosure, sla"), "{out}");

    // CSV: the line of the row (a quoted multi-line value shifts the following lines).
    let csv = "\u{feff}item_id,column,value\r\n_meta,template,disclosure\r\ndisc-1-1-c,content,\"一行目\r\n二行目\"\r\ndisc-1-1-b,presence,はい\r\ndisc-1-1-b,presence,有\r\ndisc-x,content,\r\n";
    let (code, out) = check_file(&b, "bad.csv", csv.as_bytes());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("`はい` is not an option of `disc-1-1-b` / `presence`") && out.contains("bad.csv:5:21"), "{out}");
    assert!(out.contains("`disc-1-1-b` / `presence` is answered twice (first on line 5)") && out.contains("bad.csv:6:1"), "{out}");
    assert!(out.contains("unknown item id `disc-x`") && out.contains("bad.csv:7:1"), "{out}");

    // Exit 2: malformed JSON (serde_json's position), malformed CSV, not UTF-8, missing file.
    let (code, out) = check_file(&b, "broken.json", b"{\n  \"template\": \"disclosure\",\n  \"answers\": {,}\n}\n");
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("malformed JSON") && out.contains("broken.json:3:15"), "{out}");
    let (code, out) = check_file(&b, "broken.csv", "item_id,column,value\ndisc-1-3,provision,\"可\nx".as_bytes());
    assert_eq!(code, 2, "{out}");
    assert!(out.contains("malformed CSV: a quoted field is never closed") && out.contains("broken.csv:2:20"), "{out}");
    // A CSV without any answer rows: every required cell is missing, reported at the header.
    let (code, out) = check_file(&b, "empty.csv", "\u{feff}item_id,column,value\r\n_meta,template,sla\r\n".as_bytes());
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("missing required answer: `sla-2` / `content`") && out.contains("empty.csv:1:1"), "{out}");
    let (code, out) = check_file(&b, "header.csv", b"id,col,val\n");
    assert_eq!(code, 2);
    assert!(out.contains("not `item_id,column,value`"), "{out}");
    let (code, out) = check_file(&b, "sjis.csv", b"item_id,column,value\ndisc-1-3,provision,\x89\xc2\n");
    assert_eq!(code, 2);
    assert!(out.contains("not UTF-8") && out.contains("sjis.csv:2:20") && out.contains("CSV UTF-8"), "{out}");
    let (code, out) = shishin(&["disclosure", "check", b.root.join("nope.json").to_str().unwrap(), "--root", b.root.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(out.contains("cannot read the answer file"), "{out}");

    // Exit 0 with a summary for a complete file.
    let mut answers = serde_json::Map::new();
    for r in b.sla.rows() {
        answers.insert(r.item.id.clone(), json!({ "content": "合意した内容" }));
    }
    let good = json!({ "template": "sla", "version": b.sla.version, "answers": answers });
    let (code, out) = check_file(&b, "sla.json", good.to_string().as_bytes());
    assert_eq!(code, 0, "{out}");
    let n = b.sla.rows().len();
    assert!(out.contains(&format!("template sla (version {}): {n} answers; required {n}/{n}", b.sla.version)), "{out}");
}

// ---------------------------------------------------------------- bad template YAML

#[test]
fn bad_template_yaml_fails_the_build_with_file_line_col() {
    let dir = site();
    let bad = r#"template: disclosure
version: "1.0"
title: テスト
page: mic-annex-disclosure
items:
  - id: disc-1
    title: 組織的対応
    clause: mic-9.9.9
    children:
      - id: disc-1-1
        title: 基本方針
        columns:
          - { key: presence, header: 有無, type: choice }
          - { key: content, header: 内容, type: number }
      - id: disc-1-1
        title: 重複
        columns:
          - { key: content, header: 内容, type: text }
        example: { colour: 赤 }
"#;
    std::fs::write(dir.path().join("content/data/disclosure.yaml"), bad).unwrap();
    let err = build_site(&BuildOptions::new(dir.path())).err().expect("the build must fail");
    let found: Vec<(String, usize, usize, String)> = err.0.iter().map(|d| (d.file.display().to_string(), d.line, d.column, d.message.clone())).collect();
    let expect = [
        (8, 13, "unknown MIC clause id `mic-9.9.9` (item `disc-1`)"),
        (13, 48, "choice column `presence` has no options"),
        (14, 47, "`type` is one of `choice`, `text`, not `number` (column `content`)"),
        (15, 13, "duplicate item id `disc-1-1`"),
        (19, 28, "example for unknown column `colour` (item `disc-1-1`)"),
    ];
    for (line, col, msg) in expect {
        assert!(
            found.iter().any(|(f, l, c, m)| f == "content/data/disclosure.yaml" && *l == line && *c == col && m == msg),
            "expected content/data/disclosure.yaml:{line}:{col} {msg}\nfound: {found:#?}"
        );
    }
    // The CLI prints them the same way and exits 1.
    let (code, out) = shishin(&["check", "--root", dir.path().to_str().unwrap()]);
    assert_eq!(code, 1);
    assert!(out.contains("--> content/data/disclosure.yaml:14:47") && out.contains("write e.g. `type: choice`") && out.contains("`choice` needs `options`"), "{out}");

    // The page must use the template's layout.
    std::fs::write(dir.path().join("content/data/disclosure.yaml"), "template: disclosure\nversion: \"1.0\"\ntitle: x\npage: mic-3.2.1\nitems:\n  - { id: disc-1, title: x, columns: [{ key: content, header: 内容, type: text }] }\n").unwrap();
    let err = build_site(&BuildOptions::new(dir.path())).err().expect("wrong page must fail");
    assert!(err.0.iter().any(|d| d.line == 4 && d.column == 7 && d.message == "page `mic-3.2.1` has layout `page`, so it would not show the template"), "{err}");

    // Unknown keys are errors too (deny_unknown_fields), with their position.
    std::fs::write(dir.path().join("content/data/disclosure.yaml"), "template: disclosure\nversion: \"1.0\"\ntitle: x\npage: mic-annex-disclosure\nitems: []\ncolour: red\n").unwrap();
    let err = build_site(&BuildOptions::new(dir.path())).err().expect("unknown key must fail");
    assert!(err.0.iter().any(|d| d.line == 6 && d.message.contains("colour")), "{err}");
}
