//! The shipped corpus (content/ at the repository root): every outline clause exists with a real
//! summary, sources and cross-references, and removing a clause fails the build.

use shishin::build::{BuildOptions, build_site, check_site};
use crate::common::repo;

/// Every MIC 第1版 id of the seed outline (issue: a page for every chapter, clause and annex).
const MIC_IDS: &[&str] = &[
    "mic", "mic-1", "mic-1.1", "mic-1.1.1", "mic-1.1.2", "mic-1.2", "mic-1.2.1", "mic-1.2.2", "mic-1.2.3",
    "mic-2", "mic-3", "mic-3.1", "mic-3.2", "mic-3.2.1", "mic-3.2.2", "mic-3.2.3", "mic-3.2.4", "mic-3.2.5",
    "mic-3.2.6", "mic-3.2.7", "mic-3.2.8", "mic-3.2.9", "mic-3.2.10", "mic-3.3", "mic-3.3.1", "mic-3.3.2",
    "mic-3.3.3", "mic-3.3.4", "mic-3.3.5", "mic-3.4", "mic-3.5", "mic-3.6", "mic-4", "mic-annex",
    "mic-annex-disclosure", "mic-annex-sla", "mic-revisions",
];

/// The MHLW 第5版 reference outline: ch. 1–10, 6.1–6.12, 7.1–7.3, 8.1–8.4.x (and the sub-items known).
const MHLW5_IDS: &[&str] = &[
    "mhlw5", "mhlw5-1", "mhlw5-2", "mhlw5-3", "mhlw5-4", "mhlw5-4.1", "mhlw5-4.2", "mhlw5-4.2.1", "mhlw5-4.2.2",
    "mhlw5-4.3", "mhlw5-4.4", "mhlw5-5", "mhlw5-6", "mhlw5-6.1", "mhlw5-6.2", "mhlw5-6.2.1", "mhlw5-6.2.2",
    "mhlw5-6.2.3", "mhlw5-6.3", "mhlw5-6.4", "mhlw5-6.5", "mhlw5-6.6", "mhlw5-6.7", "mhlw5-6.8", "mhlw5-6.9",
    "mhlw5-6.10", "mhlw5-6.11", "mhlw5-6.12", "mhlw5-7", "mhlw5-7.1", "mhlw5-7.2", "mhlw5-7.3", "mhlw5-8",
    "mhlw5-8.1", "mhlw5-8.1.1", "mhlw5-8.1.2", "mhlw5-8.1.3", "mhlw5-8.1.4", "mhlw5-8.1.5", "mhlw5-8.2",
    "mhlw5-8.3", "mhlw5-8.4", "mhlw5-8.4.1", "mhlw5-8.4.2", "mhlw5-8.4.3", "mhlw5-9", "mhlw5-10",
];

/// The METI 第2版 outline as far as the sources go (ch. 1–3 from the TOC, 6.3 and 7.x from one page).
const METI2_IDS: &[&str] = &[
    "meti2", "meti2-1", "meti2-1.1", "meti2-1.2", "meti2-1.3", "meti2-2", "meti2-2.1", "meti2-2.2", "meti2-3",
    "meti2-3.1", "meti2-3.2", "meti2-6", "meti2-6.3", "meti2-7", "meti2-7.6.2", "meti2-7.6.3", "meti2-7.7.3",
    "meti2-7.7.7", "meti2-7.11",
];

/// The text of a page as rendered (its sections), for the length and placeholder checks.
fn page_text(rendered: &[shishin::markdown::Rendered], index: usize) -> String {
    rendered[index].sections.iter().map(|s| s.text.as_str()).collect()
}

#[test]
fn every_outline_clause_has_a_real_page() {
    let (site, rendered) = check_site(&BuildOptions::new(repo())).unwrap_or_else(|e| panic!("shipped site has errors:\n{e}"));
    let outline = site.data.outline.as_ref().expect("content/data/outline.yaml exists");
    let ids = |prefix: &str| -> Vec<&str> {
        outline.required.iter().map(|e| e.id.as_str()).filter(|id| *id == prefix || id.starts_with(&format!("{prefix}-"))).collect()
    };
    assert_eq!(ids("mic"), MIC_IDS, "outline.yaml lists exactly the MIC clauses");
    assert_eq!(ids("mhlw5"), MHLW5_IDS, "outline.yaml lists the MHLW 第5版 reference outline");
    assert_eq!(ids("meti2"), METI2_IDS, "outline.yaml lists the METI 第2版 reference outline");
    assert_eq!(outline.required.len(), MIC_IDS.len() + MHLW5_IDS.len() + METI2_IDS.len(), "outline.yaml has no other ids");
    for entry in &outline.required {
        let index = site.by_id[&entry.id];
        let page = &site.pages[index];
        let text = page_text(&rendered, index);
        let chars = text.chars().count();
        // MIC clause pages carry several paragraphs of summary, MIC sections at least an overview;
        // the MHLW/METI reference pages a short summary.
        let minimum = match (entry.id.starts_with("mic"), page.children.is_empty()) {
            (true, true) => 250,
            (true, false) => 100,
            (false, _) => 80,
        };
        assert!(chars >= minimum, "{} has only {chars} characters of text (at least {minimum})", entry.id);
        for placeholder in ["TODO", "TBD", "lorem", "ここに本文", "準備中"] {
            assert!(!text.contains(placeholder), "{} contains placeholder text {placeholder:?}", entry.id);
        }
        assert!(!page.front.sources.is_empty(), "{} credits no source", entry.id);
        assert!(page.front.confidence.is_some(), "{} states no confidence", entry.id);
        if entry.id.starts_with("mic") {
            // The guideline is credited by name and edition, and the official (press) page is linked.
            assert!(page.front.sources.iter().any(|s| s == "mic-cloud-1"), "{} does not credit mic-cloud-1", entry.id);
            assert!(page.front.sources.iter().any(|s| s == "soumu-press-2018"), "{} does not link the soumu press page", entry.id);
        }
    }
    // 新設 clauses are marked as such.
    for id in ["mic-3.5", "mic-3.6"] {
        assert_eq!(site.page_by_id(id).unwrap().front.status, Some(shishin::content::Status::New), "{id} is 新設");
    }
}

/// The rows of content/data/mappings.yaml, read without shishin's mapping code.
fn mapping_rows() -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(repo().join("content/data/mappings.yaml")).unwrap();
    let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    value["mappings"].as_array().expect("mappings: is a list").clone()
}

/// The rows as (from, to).
fn mapping_pairs() -> Vec<(String, String)> {
    mapping_rows().iter().map(|row| (row["from"].as_str().unwrap().to_string(), row["to"].as_str().unwrap().to_string())).collect()
}

#[test]
fn every_mapping_row_shows_on_both_built_pages_and_new_clauses_say_no_relationship() {
    let built = build_site(&BuildOptions::new(repo())).unwrap_or_else(|e| panic!("shipped site must build:\n{e}"));
    let file = |path: &str| String::from_utf8(built.files.get(path).unwrap_or_else(|| panic!("{path} was not written")).to_vec()).unwrap();
    let html = |id: &str| -> String {
        let page = built.site.page_by_id(id).unwrap_or_else(|| panic!("mapping names {id}, which has no page"));
        file(&shishin::render::output_path(&page.url))
    };
    let pairs = mapping_pairs();
    assert!(pairs.len() >= 25, "mappings.yaml has its rows ({} found)", pairs.len());
    for (from, to) in &pairs {
        assert!(html(from).contains(&format!("id=\"map-to-{to}\"")), "{from} does not list its mapping to {to}");
        assert!(html(to).contains(&format!("id=\"map-from-{from}\"")), "{to} does not list the mapping from {from}");
    }
    // 新設 clauses: a row toward each target guideline — toward MHLW 第5版 and METI 第2版, where
    // nothing corresponds, `no-relationship` toward the guideline's top page — so that the matrix
    // and every export list them.
    let rows = mapping_rows();
    let matrix = file("mapping/index.html");
    let csv = file("downloads/mapping.csv");
    let json: serde_json::Value = serde_json::from_str(&file("downloads/mapping.json")).unwrap();
    let oscal: serde_json::Value = serde_json::from_str(&file("downloads/mapping-oscal.json")).unwrap();
    let xlsx = xlsx_rows(built.files.get("downloads/mapping.xlsx").unwrap());
    // The target guidelines: every guideline a MIC clause is mapped to, in shishin.yaml order.
    let guidelines: Vec<&str> = built
        .site
        .config
        .corpora
        .iter()
        .map(|c| c.prefix.as_str())
        .filter(|p| *p != "mic" && rows.iter().any(|r| r["from"].as_str().unwrap().starts_with("mic-") && r["to"].as_str().unwrap().split('-').next() == Some(*p)))
        .collect();
    assert!(guidelines.starts_with(&["mhlw5", "meti2"]), "{guidelines:?}");
    for id in ["mic-3.5", "mic-3.6"] {
        let mine: Vec<&serde_json::Value> = rows.iter().filter(|r| r["from"] == id).collect();
        for g in &guidelines {
            assert!(mine.iter().any(|r| r["to"].as_str().unwrap().split('-').next() == Some(*g)), "{id}: no row toward {g}");
        }
        let row = &matrix[matrix.find(&format!("id=\"m-{id}\"")).unwrap_or_else(|| panic!("matrix row {id}"))..];
        let row = &row[..row.find("</tr>").unwrap()];
        for target in ["mhlw5", "meti2"] {
            assert!(mine.iter().any(|r| r["to"] == target && r["relationship"] == "no-relationship"), "{id}: no-relationship toward {target}");
            assert!(row.contains(&format!("href=\"/{target}/#map-from-{id}\"")), "matrix cell {id} × {target}: {row}");
            assert!(csv.lines().any(|l| l.starts_with(&format!("{id},")) && l.contains(&format!(",{target},")) && l.contains(",no-relationship,対応なし,")), "CSV row {id} → {target}");
            assert!(json["mappings"].as_array().unwrap().iter().any(|r| r["from"] == id && r["to"] == target && r["relationship"] == "no-relationship"), "JSON row {id} → {target}");
            let in_oscal = oscal["mapping-collection"]["mappings"].as_array().unwrap().iter().flat_map(|m| m["maps"].as_array().unwrap()).any(|m| m["sources"][0]["id-ref"] == id && m["targets"][0]["id-ref"] == target && m["relationship"] == "no-relationship");
            assert!(in_oscal, "OSCAL map {id} → {target}");
            assert!(xlsx.iter().any(|r| r[0] == id && r[2] == target && r[4] == "no-relationship"), "XLSX row {id} → {target}");
        }
    }
}

/// Every data row of every sheet of an XLSX (calamine), as strings.
fn xlsx_rows(bytes: &[u8]) -> Vec<Vec<String>> {
    use calamine::{Reader, Xlsx, open_workbook_from_rs};
    let mut book: Xlsx<_> = open_workbook_from_rs(std::io::Cursor::new(bytes.to_vec())).unwrap();
    let names = book.sheet_names();
    names.iter().flat_map(|n| book.worksheet_range(n).unwrap().rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect::<Vec<_>>()).collect()
}

#[test]
fn clause_pages_cross_reference_their_mhlw_counterparts() {
    let (site, _) = check_site(&BuildOptions::new(repo())).unwrap();
    // The seed deck pairs MIC 3.2.1–3.2.10 with MHLW 6.3–6.12 in order; each page links its pair.
    for (i, mic) in (1..=10).map(|n| format!("mic-3.2.{n}")).enumerate() {
        let mhlw = format!("mhlw5-6.{}", i + 3);
        let page = site.page_by_id(&mic).unwrap();
        assert!(page.body.contains(&format!("[[{mhlw}")), "{mic} does not cross-reference {mhlw}");
        assert!(site.page_by_id(&mhlw).is_some(), "{mhlw} page exists");
    }
}

#[test]
fn removing_an_outline_clause_fails_the_check() {
    let tmp = tempfile::tempdir().unwrap();
    for entry in walkdir::WalkDir::new(repo().join("content")) {
        let entry = entry.unwrap();
        let rel = entry.path().strip_prefix(repo()).unwrap();
        let dest = tmp.path().join(rel);
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&dest).unwrap();
        } else {
            std::fs::copy(entry.path(), &dest).unwrap();
        }
    }
    std::fs::copy(repo().join("shishin.yaml"), tmp.path().join("shishin.yaml")).unwrap();
    let victim = walkdir::WalkDir::new(tmp.path().join("content/mic"))
        .into_iter()
        .flatten()
        .find(|e| std::fs::read_to_string(e.path()).is_ok_and(|t| t.contains("id: \"mic-3.2.5\"") || t.contains("id: mic-3.2.5")))
        .expect("a page with id mic-3.2.5");
    std::fs::remove_file(victim.path()).unwrap();
    let err = match check_site(&BuildOptions::new(tmp.path())) {
        Ok(_) => panic!("check passed without mic-3.2.5"),
        Err(e) => e.to_string(),
    };
    assert!(err.contains("outline clause `mic-3.2.5` has no page"), "{err}");
    assert!(err.contains("content/data/outline.yaml:"), "{err}");
}

/// The glossary's 関連 links cross guidelines whose chapters share numbers ("第1章" exists in all
/// three), so every link names its guideline by the corpus label of `shishin.yaml`.
#[test]
fn glossary_related_links_name_their_guideline() {
    let built = build_site(&BuildOptions::new(repo())).unwrap_or_else(|e| panic!("shipped site must build:\n{e}"));
    let glossary = built.site.pages.iter().find(|p| p.layout() == "glossary").expect("a glossary page");
    let html = String::from_utf8(built.files.get(&shishin::render::output_path(&glossary.url)).unwrap().to_vec()).unwrap();
    let labels: Vec<&str> = built.site.config.corpora.iter().map(|c| c.label.as_str()).collect();
    // A guideline's top page is named by its full title already.
    let roots: Vec<String> = built.site.config.corpora.iter().filter_map(|c| built.site.page_by_id(&c.prefix)).map(|p| p.label()).collect();
    let mut links = 0;
    for block in html.split("<div class=\"see\">").skip(1) {
        let block = &block[..block.find("</div>").unwrap()];
        for anchor in block.split("\">").skip(1) {
            let text = &anchor[..anchor.find("</a>").unwrap()];
            assert!(labels.iter().any(|l| text.starts_with(l)) || roots.iter().any(|r| r == text), "関連 link {text:?} does not name its guideline");
            links += 1;
        }
    }
    assert!(links >= 20, "the glossary has its 関連 links ({links} found)");
}

/// A clause page's table of contents also lists the sections the template adds after the Markdown
/// (要求事項の一覧, 他の指針との対応), and each entry points at a heading of the page.
#[test]
fn clause_toc_lists_the_generated_sections() {
    let built = build_site(&BuildOptions::new(repo())).unwrap_or_else(|e| panic!("shipped site must build:\n{e}"));
    let page = built.site.page_by_id("mic-3.2.1").unwrap();
    let html = String::from_utf8(built.files.get(&shishin::render::output_path(&page.url)).unwrap().to_vec()).unwrap();
    let toc = &html[html.find("<aside class=\"toc\"").expect("a TOC")..];
    let toc = &toc[..toc.find("</aside>").unwrap()];
    for (anchor, text) in [("req-heading", "要求事項の一覧"), ("mapping-links-heading", "他の指針との対応")] {
        assert!(toc.contains(&format!("<a href=\"#{anchor}\">{text}</a>")), "TOC lacks {text}:\n{toc}");
        assert!(html.contains(&format!("<h2 id=\"{anchor}\">{text}</h2>")), "the page lacks the {text} heading");
    }
}

/// A clause without mapping rows of its own under a mapped parent (3.3.4 under 3.3) says so and
/// links the parent's correspondences, rather than claiming it has no counterpart at all.
#[test]
fn unmapped_clause_under_a_mapped_parent_points_to_the_parent() {
    let built = build_site(&BuildOptions::new(repo())).unwrap_or_else(|e| panic!("shipped site must build:\n{e}"));
    let page = built.site.page_by_id("mic-3.3.4").unwrap();
    let html = String::from_utf8(built.files.get(&shishin::render::output_path(&page.url)).unwrap().to_vec()).unwrap();
    let parent = built.site.page_by_id("mic-3.3").unwrap();
    assert!(mapping_pairs().iter().any(|(f, t)| f == "mic-3.3" || t == "mic-3.3"), "mic-3.3 has rows");
    let link = format!("<a href=\"{}#mapping-links\">{}</a>", built.site.url_for(&parent.url), parent.label());
    assert!(html.contains(&format!("上位の項目 {link} の対応を参照してください")), "3.3.4 does not point to 3.3");
}

/// Every shipped page states its confidence in `<meta name="shishin-confidence">`, equal to its
/// front matter; the pages whose body is rebuilt from MHLW carry `rebuilt_from`, are never high,
/// and show the notice once — no page pastes the disclaimer paragraph into its body.
#[test]
fn pages_state_their_confidence_and_rebuilt_bodies_say_so_once() {
    let built = build_site(&BuildOptions::new(repo())).unwrap_or_else(|e| panic!("shipped site must build:\n{e}"));
    let mut rebuilt = Vec::new();
    for page in &built.site.pages {
        let path = shishin::render::output_path(&page.url);
        let html = String::from_utf8(built.files.get(&path).unwrap().to_vec()).unwrap();
        let confidence = page.front.confidence.unwrap_or_else(|| panic!("{} states no confidence", page.id()));
        let meta = format!(r#"<meta name="shishin-confidence" content="{}">"#, confidence.token());
        assert_eq!(html.matches("<meta name=\"shishin-confidence\"").count(), 1, "{path}");
        assert!(html.contains(&meta), "{path}: expected {meta}");
        assert!(!page.body.contains("本文から直接まとめたものではなく"), "{}: the disclaimer is pasted into the body; use `rebuilt_from`", page.file.display());
        let notices = html.matches("data-rebuilt-notice").count();
        if page.front.rebuilt_from.is_empty() {
            assert_eq!(notices, 0, "{path}");
        } else {
            assert_eq!(notices, 1, "{path}: the notice once");
            assert_ne!(confidence, shishin::content::Confidence::High, "{path}");
            rebuilt.push(page.id());
        }
    }
    // The MIC clauses the audit found rebuilt from their MHLW counterpart.
    for n in 1..=10 {
        assert!(rebuilt.contains(&format!("mic-3.2.{n}")), "mic-3.2.{n} is marked rebuilt");
    }
    for id in ["mic-3.3.5", "mic-3.4"] {
        assert!(rebuilt.contains(&id.to_string()), "{id} is marked rebuilt");
    }
}
