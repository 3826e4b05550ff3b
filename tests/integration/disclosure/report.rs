//! `shishin disclosure report` through the CLI: golden files of each format from the fixture
//! site tests/fixtures/coverage (its own small templates and mappings, so content edits on main
//! do not churn them; regenerate with SHISHIN_UPDATE_EXPECT=1 and review the diff), the status
//! rules, exit codes, the checks of `report_clauses`, and the shipped site's clause list.

use crate::common::{bin, copy_shipped_site, copy_site, fixture, repo};
use serde_json::Value;
use std::io::{Cursor, Read};
use std::path::{Path, PathBuf};

struct Run {
    code: i32,
    stdout: Vec<u8>,
    stderr: String,
}

fn report(root: &Path, file: &Path, extra: &[&str]) -> Run {
    let out = bin().args(["disclosure", "report"]).arg(file).arg("--root").arg(root).args(extra).output().unwrap();
    Run { code: out.status.code().unwrap_or(-1), stdout: out.stdout, stderr: String::from_utf8_lossy(&out.stderr).into_owned() }
}

/// A copy of the fixture (reports are written into it) and its partly filled answer files.
fn site() -> (tempfile::TempDir, PathBuf) {
    let dir = copy_site("coverage");
    let root = dir.path().to_path_buf();
    (dir, root)
}

/// Compare with tests/fixtures/coverage/expected/NAME (rewritten under SHISHIN_UPDATE_EXPECT).
fn golden(name: &str, actual: &[u8]) {
    let path = fixture("coverage").join("expected").join(name);
    if std::env::var_os("SHISHIN_UPDATE_EXPECT").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
    }
    let expected = std::fs::read(&path).unwrap_or_default();
    assert!(
        expected == actual,
        "{} differs from the report:\n{}\n(if the change is intended, rerun with SHISHIN_UPDATE_EXPECT=1 and review the diff)",
        path.display(),
        String::from_utf8_lossy(actual)
    );
}

fn output(root: &Path, format: &str) -> Vec<u8> {
    let out = root.join(format!("report.{format}"));
    let r = report(root, &root.join("answers/partial.json"), &["--format", format, "--output", out.to_str().unwrap()]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stdout.is_empty(), "with --output nothing goes to stdout");
    assert!(r.stderr.contains(&format!("wrote {}", out.display())), "{}", r.stderr);
    std::fs::read(out).unwrap()
}

#[test]
fn json_report_matches_the_golden_file_from_json_and_from_csv_answers() {
    let (_dir, root) = site();
    let from_json = report(&root, &root.join("answers/partial.json"), &[]);
    assert_eq!(from_json.code, 0, "a partly filled file is what the report is for: {}", from_json.stderr);
    golden("report.json", &from_json.stdout);
    let from_csv = report(&root, &root.join("answers/partial.csv"), &["--format", "json"]);
    assert_eq!(from_csv.code, 0, "{}", from_csv.stderr);
    assert_eq!(String::from_utf8_lossy(&from_csv.stdout), String::from_utf8_lossy(&from_json.stdout), "the CSV answer file holds the same answers");
    assert_eq!(output(&root, "json"), from_json.stdout, "--output writes what stdout shows");
}

fn status<'a>(list: &'a Value, id: &str) -> &'a str {
    list.as_array().unwrap().iter().find(|c| c["id"] == id).unwrap_or_else(|| panic!("{id} not listed"))["status"].as_str().unwrap()
}

#[test]
fn json_report_follows_the_status_rules_and_has_the_fixed_shape() {
    let (_dir, root) = site();
    let r: Value = serde_json::from_slice(&report(&root, &root.join("answers/partial.json"), &[]).stdout).unwrap();
    let keys: Vec<&str> = r.as_object().unwrap().keys().map(String::as_str).collect();
    for k in ["template", "version", "totals", "clauses", "by_target"] {
        assert!(keys.contains(&k), "{k} missing: {keys:?}");
    }
    // Items: 有 + text → answered, 無 → no, whitespace only → missing; 可 (not 否) is an answer.
    assert_eq!(r["totals"], serde_json::json!({ "items": 6, "answered": 3, "no": 1, "missing": 2 }));
    let c = &r["clauses"];
    let items = |id: &str| -> Vec<(String, String)> {
        c.as_array().unwrap().iter().find(|x| x["id"] == id).unwrap()["items"].as_array().unwrap().iter().map(|i| (i["id"].as_str().unwrap().into(), i["status"].as_str().unwrap().into())).collect()
    };
    assert_eq!(items("mic-3.2.1"), [("disc-1-1-1".into(), "answered".into()), ("disc-1-1-2".into(), "no".into()), ("disc-1-2".into(), "missing".into())]);
    // Clauses: every listed clause appears (3.2 and 3.3 expand to their leaves; 3.1 is not listed).
    let ids: Vec<&str> = c.as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(ids, ["mic-3.2.1", "mic-3.2.2", "mic-3.2.3", "mic-3.3.1", "mic-3.3.2", "mic-3.5"]);
    assert_eq!(status(c, "mic-3.2.1"), "partial");
    assert_eq!(status(c, "mic-3.2.2"), "covered");
    assert_eq!(status(c, "mic-3.3.1"), "gap");
    assert_eq!(status(c, "mic-3.2.3"), "not-addressed");
    // mapped: rows written from the target's side are read from the clause (superset-of → subset-of),
    // rows on the parent 3.3 are inherited and say so, and every entry carries the clause's status.
    let mapped = |id: &str| c.as_array().unwrap().iter().find(|x| x["id"] == id).unwrap()["mapped"].clone();
    assert_eq!(mapped("mic-3.2.3")[0]["relationship"], "subset-of");
    let m332 = mapped("mic-3.3.2");
    assert!(m332.as_array().unwrap().iter().all(|m| m["inherited_from"] == "mic-3.3" && m["status"] == "not-addressed"), "{m332}");
    assert!(mapped("mic-3.3.1").as_array().unwrap().iter().any(|m| m["id"] == "mhlw5-7" && m.get("inherited_from").is_none()), "an own row wins over the inherited one");
    // by_target: worst status of the reaching clauses (6.3: partial + covered → partial); a
    // not-addressed clause does not lower a target another clause reaches (7: gap + not-addressed
    // → gap) but leaves one reached only by it not-addressed (6.5); a no-relationship row lists
    // its target under the clause but never reaches it; a third target guideline (prov11) is
    // treated like the others.
    let t = &r["by_target"];
    assert_eq!(status(t, "mhlw5-6.3"), "partial");
    assert_eq!(status(t, "mhlw5-6.4"), "covered");
    assert_eq!(status(t, "mhlw5-7"), "gap");
    assert_eq!(status(t, "mhlw5-6.5"), "not-addressed");
    assert_eq!(status(t, "prov11-5.1"), "partial");
    assert_eq!(mapped("mic-3.5")[0]["relationship"], "no-relationship");
    assert!(!t.as_array().unwrap().iter().any(|x| x["id"] == "mhlw5-9"), "no-relationship does not reach");
    let via: Vec<&str> = t.as_array().unwrap().iter().find(|x| x["id"] == "mhlw5-6.3").unwrap()["via"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
    assert_eq!(via, ["mic-3.2.1", "mic-3.2.2"]);
    let order: Vec<&str> = t.as_array().unwrap().iter().map(|x| x["id"].as_str().unwrap()).collect();
    assert_eq!(order, ["mhlw5-6.3", "mhlw5-6.4", "mhlw5-6.5", "mhlw5-7", "meti2-6.3", "prov11-5.1"], "shishin.yaml order, then reading order");
}

#[test]
fn csv_report_matches_the_golden_file_with_a_bom_and_a_row_per_clause_target_pair() {
    let (_dir, root) = site();
    let bytes = output(&root, "csv");
    golden("report.csv", &bytes);
    assert_eq!(&bytes[..3], b"\xEF\xBB\xBF");
    let text = std::str::from_utf8(&bytes[3..]).unwrap();
    let rows = shishin::csv::records(text, 0).unwrap();
    assert_eq!(rows[0].iter().map(|f| f.0.as_str()).collect::<Vec<_>>(), shishin::coverage::formats::CSV_HEADER);
    let json: Value = serde_json::from_slice(&report(&root, &root.join("answers/partial.json"), &[]).stdout).unwrap();
    let pairs: usize = json["clauses"].as_array().unwrap().iter().map(|c| c["mapped"].as_array().unwrap().len().max(1)).sum();
    assert_eq!(rows.len() - 1, pairs, "one row per clause–target pair (a clause without targets still has its row)");
    assert!(text.ends_with("\r\n") && !text.contains("\n\n"));
}

fn zip_text(bytes: &[u8], path: &str) -> String {
    let mut z = zip::ZipArchive::new(Cursor::new(bytes.to_vec())).unwrap();
    let mut s = String::new();
    z.by_name(path).unwrap_or_else(|_| panic!("{path} not in the xlsx")).read_to_string(&mut s).unwrap();
    s
}

#[test]
fn xlsx_report_has_a_summary_and_a_sheet_per_view_coloured_by_conditional_formatting_on_a4() {
    use calamine::{Data, Reader, Xlsx, open_workbook_from_rs};
    let (_dir, root) = site();
    let bytes = output(&root, "xlsx");
    let mut wb: Xlsx<_> = open_workbook_from_rs(Cursor::new(bytes.clone())).unwrap();
    assert_eq!(wb.sheet_names(), ["概要", "条項別", "対応先別", "項目別"]);
    let cells = |wb: &mut Xlsx<_>, sheet: &str| -> Vec<Vec<String>> {
        wb.worksheet_range(sheet).unwrap().rows().map(|r| r.iter().map(|c| match c { Data::String(s) => s.clone(), Data::Float(f) => f.to_string(), _ => String::new() }).collect()).collect()
    };
    let clauses = cells(&mut wb, "条項別");
    assert_eq!(clauses[2][..6], ["mic-3.2.1", "3.2.1 組織的安全管理対策", "一部対応", "1", "1", "1"]);
    assert_eq!(clauses.len(), 2 + 6, "title, header and one row per clause");
    let targets = cells(&mut wb, "対応先別");
    assert!(targets.iter().any(|r| r[1] == "prov11-5.1" && r[0] == "提供事業者GL 第1.1版" && r[3] == "一部対応"), "{targets:?}");
    let items = cells(&mut wb, "項目別");
    assert!(items.iter().any(|r| r[0] == "disc-1-1-2" && r[4] == "無（否）と回答"), "{items:?}");
    let summary = cells(&mut wb, "概要");
    assert!(summary.iter().any(|r| r[0] == "記入項目" && r[1] == "6"), "{summary:?}");

    // Status cells: one cellIs rule per status on the status column, each with its own fill.
    let sheet2 = zip_text(&bytes, "xl/worksheets/sheet2.xml");
    let cf = &sheet2[sheet2.find("<conditionalFormatting sqref=\"C3:C8\">").expect("conditional formats on 条項別!C3:C8")..];
    for label in ["対応済み", "一部対応", "未対応", "記入項目なし"] {
        assert!(cf.contains(&format!("operator=\"equal\"><formula>\"{label}\"</formula>")), "no rule for {label}: {cf}");
    }
    assert!(zip_text(&bytes, "xl/worksheets/sheet3.xml").contains("<conditionalFormatting sqref=\"D3:D8\">"));
    assert!(zip_text(&bytes, "xl/worksheets/sheet4.xml").contains("<conditionalFormatting sqref=\"E3:E8\">"));
    let styles = zip_text(&bytes, "xl/styles.xml");
    for fill in ["FFC6EFCE", "FFFFEB9C", "FFFFC7CE", "FFE7E6E6"] {
        assert!(styles.contains(&format!("<bgColor rgb=\"{fill}\"/>")), "dxf fill {fill}");
    }
    // A4, one page wide, header row repeated on every sheet.
    for n in 1..=4 {
        let s = zip_text(&bytes, &format!("xl/worksheets/sheet{n}.xml"));
        assert!(s.contains("paperSize=\"9\"") && s.contains("fitToHeight=\"0\"") && s.contains("<pageSetUpPr fitToPage=\"1\"/>"), "sheet{n} print setup");
    }
    let workbook = zip_text(&bytes, "xl/workbook.xml");
    assert_eq!(workbook.matches("_xlnm.Print_Titles").count(), 4, "{workbook}");
    assert_eq!(output(&root, "xlsx"), bytes, "reproducible bytes");
}

#[test]
fn html_report_matches_the_golden_file_escapes_everything_and_allows_only_its_own_style() {
    let (_dir, root) = site();
    let bytes = output(&root, "html");
    golden("report.html", &bytes);
    let html = String::from_utf8(bytes).unwrap();
    assert!(!html.to_lowercase().contains("<script"), "no JavaScript");
    assert!(!regex::Regex::new(r"(?i)\son[a-z]+=|\sstyle=").unwrap().is_match(&html), "no handlers or style attributes");
    assert!(html.contains("② 方針 &lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt; &#39;q&#39;"), "a title with markup is escaped");
    assert!(!html.contains("<b>"));
    // The CSP names the <style> by its hash and allows nothing else.
    let style = &html[html.find("<style>").unwrap() + 7..html.find("</style>").unwrap()];
    let hash = shishin::coverage::formats::csp_hash(style);
    assert!(html.contains(&format!("content=\"default-src 'none'; style-src {hash}; base-uri 'none'; form-action 'none'\"")), "CSP with the style's hash");
    assert!(html.contains("@page { size: A4;"), "prints on A4");
    for s in ["対応済み", "一部対応", "未対応", "記入項目なし", "提供事業者GL 第1.1版", "3.3 全体の対応"] {
        assert!(html.contains(s), "{s}");
    }
}

#[test]
fn sla_answer_files_get_the_same_report_over_their_own_items() {
    let (_dir, root) = site();
    let file = root.join("sla.json");
    std::fs::write(&file, r#"{"template": "sla", "version": "1.0", "answers": {"sla-1-1": {"content": "診療録の保存"}, "sla-2": {"content": ""}}}"#).unwrap();
    let r = report(&root, &file, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    golden("sla-report.json", &r.stdout);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["template"], "sla");
    assert_eq!(v["totals"], serde_json::json!({ "items": 3, "answered": 1, "no": 0, "missing": 2 }));
    assert_eq!(status(&v["sections"], "sla-1"), "partial");
    assert_eq!(status(&v["sections"], "sla-2"), "gap");
    // Its items name no clause: every listed clause is not-addressed, and so is every target.
    assert!(v["clauses"].as_array().unwrap().iter().all(|c| c["status"] == "not-addressed"));
    assert!(v["by_target"].as_array().unwrap().iter().all(|c| c["status"] == "not-addressed"));
}

#[test]
fn exit_codes_and_errors_match_disclosure_check() {
    let (_dir, root) = site();
    let write = |name: &str, text: &[u8]| {
        let p = root.join(name);
        std::fs::write(&p, text).unwrap();
        p
    };
    let check = |file: &Path| {
        let out = bin().args(["disclosure", "check"]).arg(file).arg("--root").arg(&root).output().unwrap();
        (out.status.code().unwrap(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    // Malformed or unreadable: exit 2 with the very same error text as `check`.
    for (name, text) in [("broken.json", &b"{\n  \"answers\": {,}\n}\n"[..]), ("broken.csv", b"item_id,column,value\ndisc-2-2,provision,\"\xe5\x8f\xaf\nx"), ("sjis.csv", b"item_id,column,value\ndisc-2-2,provision,\x89\xc2\n"), ("header.csv", b"id,col,val\n")] {
        let file = write(name, text);
        let r = report(&root, &file, &[]);
        assert_eq!(r.code, 2, "{name}: {}", r.stderr);
        assert!(r.stdout.is_empty());
        let (code, out) = check(&file);
        assert_eq!((code, out), (2, r.stderr.clone()), "{name}: report and check fail the same way");
        assert!(r.stderr.contains(&format!("{name}:")), "names the file: {}", r.stderr);
    }
    let r = report(&root, &root.join("nope.json"), &[]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("cannot read the answer file"), "{}", r.stderr);
    // An answer file for a template the site does not have: nothing to report.
    let other = write("other.json", br#"{"template": "checklist", "version": "1.0", "answers": {}}"#);
    let r = report(&root, &other, &[]);
    assert_eq!(r.code, 2, "{}", r.stderr);
    assert!(r.stderr.contains("unknown template `checklist`") && r.stderr.contains("this site defines: disclosure, sla"), "{}", r.stderr);
    // Wrong answers (exit 1 for check) still give a report (exit 0) and are named on stderr.
    let odd = write("odd.json", r#"{"template": "disclosure", "version": "0.9", "answers": {"disc-2-2": {"provision": "はい"}, "disc-9": {"content": "x"}}}"#.as_bytes());
    assert_eq!(check(&odd).0, 1);
    let r = report(&root, &odd, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    assert!(r.stderr.contains("warning: 2 answer(s) in") && r.stderr.contains("shishin disclosure check"), "{}", r.stderr);
    assert!(r.stderr.contains("answers version 0.9"), "{}", r.stderr);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    assert_eq!(v["totals"]["answered"], 0, "rejected answers do not count");
    // Binary and page formats need --output; the answer file is never overwritten.
    for format in ["csv", "xlsx", "html"] {
        let r = report(&root, &root.join("answers/partial.json"), &["--format", format]);
        assert_eq!(r.code, 2, "{format}");
        assert!(r.stderr.contains(&format!("--format {format} writes a file; give its path with --output PATH")), "{}", r.stderr);
    }
    let answers = root.join("answers/partial.json");
    let before = std::fs::read(&answers).unwrap();
    let r = report(&root, &answers, &["--format", "csv", "--output", answers.to_str().unwrap()]);
    assert_eq!(r.code, 2);
    assert!(r.stderr.contains("is the answer file itself"), "{}", r.stderr);
    assert_eq!(std::fs::read(&answers).unwrap(), before);
    let r = report(&root, &answers, &["--format", "pdf"]);
    assert_eq!(r.code, 2, "clap rejects an unknown format");
}

#[test]
fn report_clauses_are_checked_with_file_line_and_column() {
    let (_dir, root) = site();
    let yaml = root.join("content/data/disclosure.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    std::fs::write(&yaml, text.replace("report_clauses: [mic-3.2, mic-3.3, mic-3.5]", "report_clauses: [mic-3.2, mic-9.9]")).unwrap();
    let out = bin().args(["check", "--root"]).arg(&root).output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("unknown page id `mic-9.9` in `report_clauses`") && err.contains("content/data/disclosure.yaml:8:27"), "{err}");
    // disc-3 names 3.3.1, which the list no longer covers.
    assert!(err.contains("item `disc-3` names clause `mic-3.3.1`, which `report_clauses` does not cover") && err.contains("content/data/disclosure.yaml:8:1"), "{err}");
}

#[test]
fn the_template_page_embeds_the_view_data_safely_and_links_the_view() {
    let (_dir, root) = site();
    let out = crate::common::build(&root);
    assert!(out.status.success(), "{}", crate::common::stderr(&out));
    let html = crate::common::read(&root, "public/mic/annex-disclosure/index.html");
    let start = html.find("<script type=\"application/json\" id=\"coverage-data\">").expect("data block") + 51;
    let block = &html[start..start + html[start..].find("</script>").unwrap()];
    assert!(!block.contains('<') && block.contains("\\u003cb\\u003e"), "markup in titles cannot end the data block");
    let data: Value = serde_json::from_str(block).unwrap();
    assert_eq!(data["clauses"].as_array().unwrap().len(), 6);
    assert_eq!(data["labels"]["csv_header"].as_array().unwrap().len(), shishin::coverage::formats::CSV_HEADER.len());
    assert!(html.contains("<tr data-coverage-clause=\"mic-3.2.1\" data-status=\"gap\">"), "without JS: an empty answer file");
    assert!(html.contains("<a class=\"answer-tools__link\" href=\"#coverage\">対応状況を見る</a>"));
    assert!(html.contains("/coverage.js\" defer></script>") && html.contains("/save-file.js\" defer></script>"));
}

#[test]
fn shipped_site_report_lists_every_chapter_3_clause() {
    let dir = copy_shipped_site();
    let file = dir.path().join("empty.json");
    std::fs::write(&file, r#"{"template": "disclosure", "version": "1.0", "answers": {}}"#).unwrap();
    let r = report(dir.path(), &file, &[]);
    assert_eq!(r.code, 0, "{}", r.stderr);
    let v: Value = serde_json::from_slice(&r.stdout).unwrap();
    let ids: Vec<&str> = v["clauses"].as_array().unwrap().iter().map(|c| c["id"].as_str().unwrap()).collect();
    let mut expected: Vec<String> = (1..=10).map(|n| format!("mic-3.2.{n}")).collect();
    expected.extend((1..=5).map(|n| format!("mic-3.3.{n}")));
    expected.extend(["mic-3.4", "mic-3.5", "mic-3.6"].map(String::from));
    assert_eq!(ids, expected);
    // Every clause the requirement catalogue files items under is among them.
    let catalogue = std::fs::read_to_string(repo().join("content/data/requirements.yaml")).unwrap();
    for line in catalogue.lines().filter_map(|l| l.trim().strip_prefix("clause: ")) {
        assert!(ids.contains(&line.trim()), "{line} has requirements but is not in the report");
    }
    // Nothing is answered: clauses with items are gaps, the rest not-addressed, and so are the
    // MHLW / METI clauses they reach.
    for c in v["clauses"].as_array().unwrap() {
        let expect = if c["items"].as_array().unwrap().is_empty() { "not-addressed" } else { "gap" };
        assert_eq!(c["status"], expect, "{}", c["id"]);
    }
    assert!(v["by_target"].as_array().unwrap().iter().any(|t| t["id"].as_str().unwrap().starts_with("mhlw5-")));
    assert!(v["by_target"].as_array().unwrap().iter().any(|t| t["id"].as_str().unwrap().starts_with("meti2-")));
}
