//! The shipped corpus (content/ at the repository root): every outline clause exists with a real
//! summary, sources and cross-references, and removing a clause fails the build.

use shishin::pipeline::{BuildOptions, build_site, check_site};
use crate::common;
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

/// The successor (提供事業者GL 第1.1版): every chapter and the sections the copies confirm (issue 18).
const PROV11_IDS: &[&str] = &[
    "prov11", "prov11-1", "prov11-1.1", "prov11-2", "prov11-2.1", "prov11-3", "prov11-3.1", "prov11-3.1.1",
    "prov11-3.1.2", "prov11-3.2.1", "prov11-3.2.2", "prov11-4", "prov11-4.1", "prov11-4.2", "prov11-4.3",
    "prov11-4.4", "prov11-5", "prov11-5.1.1", "prov11-5.1.4", "prov11-5.1.5", "prov11-6", "prov11-6.3",
    "prov11-annex2",
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
    assert_eq!(ids("prov11"), PROV11_IDS, "outline.yaml lists the successor's chapters and confirmed sections");
    assert_eq!(outline.required.len(), MIC_IDS.len() + MHLW5_IDS.len() + METI2_IDS.len() + PROV11_IDS.len(), "outline.yaml has no other ids");
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
        if entry.id.starts_with("prov11") {
            // The successor is credited, and beside it a copy of a page that was actually read.
            assert!(page.front.sources.iter().any(|s| s == "prov-11"), "{} does not credit prov-11", entry.id);
            assert!(
                page.front.sources.iter().filter_map(|k| site.data.source(k)).any(|s| s.url.is_some()),
                "{} names no source with the URL of a page copy that was read",
                entry.id
            );
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
        file(&shishin::output::output_path(&page.url))
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

/// Issue 18: every MIC chapter-3 clause (3.1–3.6 and the clauses below them) has at least one
/// row toward the successor, and the successor pages the rows name are real clause pages.
#[test]
fn every_mic_chapter_3_clause_maps_to_the_successor() {
    let (site, _) = check_site(&BuildOptions::new(repo())).unwrap();
    let chapter3: Vec<String> = site.pages.iter().map(|p| p.id()).filter(|id| id.starts_with("mic-3.")).collect();
    let outline: Vec<&str> = MIC_IDS.iter().copied().filter(|id| id.starts_with("mic-3.")).collect();
    assert_eq!(chapter3, outline, "mic-3.1 … mic-3.6 and their children, in reading order");
    let pairs = mapping_pairs();
    for id in &chapter3 {
        let targets: Vec<&String> = pairs.iter().filter(|(f, _)| f == id).map(|(_, t)| t).filter(|t| t.starts_with("prov11-")).collect();
        assert!(!targets.is_empty(), "{id} has no row toward prov11");
        for t in targets {
            let page = site.page_by_id(t).unwrap_or_else(|| panic!("{id} maps to {t}, which has no page"));
            assert!(page.front.number.is_some(), "{t} is a numbered clause");
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
    let html = String::from_utf8(built.files.get(&shishin::output::output_path(&glossary.url)).unwrap().to_vec()).unwrap();
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
    let html = String::from_utf8(built.files.get(&shishin::output::output_path(&page.url)).unwrap().to_vec()).unwrap();
    let toc = &html[html.find("<aside class=\"toc\"").expect("a TOC")..];
    let toc = &toc[..toc.find("</aside>").unwrap()];
    for (anchor, text) in [("req-heading", "要求事項の一覧"), ("mapping-links-heading", "他の指針との対応")] {
        assert!(toc.contains(&format!("<a href=\"#{anchor}\">{text}</a>")), "TOC lacks {text}:\n{toc}");
        assert!(html.contains(&format!("<h2 id=\"{anchor}\">{text}</h2>")), "the page lacks the {text} heading");
    }
}

/// A clause without mapping rows of its own under a mapped parent says so and links the parent's
/// correspondences, rather than claiming it has no counterpart at all; its superseded-edition
/// notice names the parent's successor sections. In the shipped data every MIC chapter-3 clause
/// has rows, so a copy drops the rows of 3.3.4 (under 3.3).
#[test]
fn unmapped_clause_under_a_mapped_parent_points_to_the_parent() {
    let tmp = common::copy_shipped_site();
    let yaml = tmp.path().join("content/data/mappings.yaml");
    let text = std::fs::read_to_string(&yaml).unwrap();
    let mut kept = String::new();
    let mut skipping = false;
    for line in text.split_inclusive('\n') {
        if line.starts_with("  - ") {
            skipping = line.trim_end() == "  - from: mic-3.3.4";
        }
        if !skipping {
            kept.push_str(line);
        }
    }
    assert_ne!(kept, text, "the copy dropped the rows of mic-3.3.4");
    std::fs::write(&yaml, kept).unwrap();
    let built = build_site(&BuildOptions::new(tmp.path())).unwrap_or_else(|e| panic!("the edited copy must build:\n{e}"));
    let page = built.site.page_by_id("mic-3.3.4").unwrap();
    let html = String::from_utf8(built.files.get(&shishin::output::output_path(&page.url)).unwrap().to_vec()).unwrap();
    let parent = built.site.page_by_id("mic-3.3").unwrap();
    let parent_url = built.site.url_for(&parent.url);
    let link = format!("<a href=\"{parent_url}#mapping-links\">{}</a>", parent.label());
    assert!(html.contains(&format!("上位の項目 {link} の対応を参照してください")), "3.3.4 does not point to 3.3");
    let notice = &html[html.find("data-successors").expect("the notice names successor sections")..];
    let notice = &notice[..notice.find("</p>").unwrap()];
    assert!(notice.contains(&format!("上位の項目 <a href=\"{parent_url}\">{}</a> の内容は", parent.label())), "{notice}");
    assert!(notice.contains("data-successor=\"prov11-6\"") && notice.contains("data-successor=\"prov11-4.1\""), "3.3's successor sections: {notice}");
}

/// The MHLW 第5版 pages issue 18 asks to be summarised for real: the targets of the mapping rows
/// whose pairing the seed deck states (`evidence: seed-deck`, i.e. 6.3–6.12, 第7章, 8.1, 8.4.2)
/// and every clause under them (7.1–7.3, 8.1.1–8.1.5). Computed from mappings.yaml, so a new
/// deck pairing brings its pages under the rule.
fn mhlw5_pages_paired_by_the_deck(root: &std::path::Path, site: &shishin::content::Site) -> Vec<String> {
    let text = std::fs::read_to_string(root.join("content/data/mappings.yaml")).unwrap();
    let value: serde_json::Value = serde_saphyr::from_str(&text).unwrap();
    let targets: Vec<String> = value["mappings"]
        .as_array()
        .expect("mappings: is a list")
        .iter()
        .filter(|row| row["evidence"].as_str() == Some("seed-deck"))
        .filter_map(|row| row["to"].as_str().filter(|to| to.starts_with("mhlw5-")).map(str::to_string))
        .collect();
    let mut ids: Vec<String> = site
        .pages
        .iter()
        .map(|p| p.id())
        .filter(|id| targets.iter().any(|t| id == t || id.starts_with(&format!("{t}."))))
        .collect();
    ids.sort();
    ids.dedup();
    ids
}

/// Issue 18's measurable rule for those pages, as a list of problems (empty when it holds): at
/// least 600 characters of body text (headings and front matter not counted), named sources, and
/// no `confidence: high` unless one of the listed sources is the 第5版 text itself as read (an
/// entry with `edition: 第5版` and the `url` it was read at).
fn mhlw5_summary_problems(root: &std::path::Path) -> Vec<String> {
    let (site, rendered) = check_site(&BuildOptions::new(root)).unwrap_or_else(|e| panic!("site has errors:\n{e}"));
    let read_mhlw5_text = |key: &String| {
        site.data.sources.iter().any(|s| &s.key == key && s.edition.as_deref() == Some("第5版") && s.url.is_some())
    };
    let ids = mhlw5_pages_paired_by_the_deck(root, &site);
    let mut problems = Vec::new();
    for id in &ids {
        let index = site.by_id[id];
        let page = &site.pages[index];
        let chars = page_text(&rendered, index).chars().filter(|c| !c.is_whitespace()).count();
        if chars < 600 {
            problems.push(format!("{id}: {chars} characters of body text (at least 600)"));
        }
        if page.front.sources.is_empty() {
            problems.push(format!("{id}: names no source"));
        }
        if page.front.confidence == Some(shishin::content::Confidence::High) && !page.front.sources.iter().any(read_mhlw5_text) {
            problems.push(format!("{id}: confidence high without a source for the 第5版 text itself"));
        }
    }
    problems.insert(0, format!("{} pages checked", ids.len()));
    problems
}

#[test]
fn mhlw5_clauses_paired_with_mic_are_summarised_for_real() {
    let problems = mhlw5_summary_problems(&repo());
    // At least 6.3–6.12 (10), 第7章 and 7.1–7.3 (4), 8.1 and 8.1.1–8.1.5 (6), 8.4.2 (1): a floor, so
    // that losing the rows cannot pass the rule vacuously while new deck pairings may add pages.
    let checked: usize = problems[0].trim_end_matches(" pages checked").parse().unwrap();
    assert!(checked >= 21, "only {checked} deck-paired MHLW 5 pages found");
    assert_eq!(problems.len(), 1, "{problems:#?}");
}

#[test]
fn a_thinned_or_overconfident_mhlw5_summary_fails_the_rule() {
    let site = crate::common::copy_shipped_site();
    let page = site.path().join("content/mhlw5/6/6.5.md");
    let text = std::fs::read_to_string(&page).unwrap();
    let end = text.match_indices("---").nth(1).expect("front matter").0 + 3;
    let front = text[..end].replace("confidence: medium", "confidence: high");
    std::fs::write(&page, format!("{front}\n\n利用者の認証やアクセス制御など、システムの機能で情報を守る節です。\n")).unwrap();
    let problems = mhlw5_summary_problems(site.path());
    assert!(problems.iter().any(|p| p.starts_with("mhlw5-6.5: ") && p.contains("characters of body text")), "{problems:#?}");
    assert!(problems.iter().any(|p| p == "mhlw5-6.5: confidence high without a source for the 第5版 text itself"), "{problems:#?}");
    // Listing a source that is the 第5版 text as read lifts the confidence rule, not the length rule.
    let sources = site.path().join("content/data/sources.yaml");
    let data = std::fs::read_to_string(&sources).unwrap();
    std::fs::write(&sources, data.replace("  - key: mhlw-5\n", "  - key: mhlw-5\n    url: https://example.org/mhlw5-as-read\n")).unwrap();
    let problems = mhlw5_summary_problems(site.path());
    assert!(!problems.iter().any(|p| p.contains("confidence high")), "{problems:#?}");
    assert!(problems.iter().any(|p| p.starts_with("mhlw5-6.5: ") && p.contains("characters of body text")), "{problems:#?}");
}

/// Every shipped page states its confidence in `<meta name="shishin-confidence">`, equal to its
/// front matter; the pages whose body is rebuilt from MHLW carry `rebuilt_from`, are never high,
/// and show the notice once — no page pastes the disclaimer paragraph into its body.
#[test]
fn pages_state_their_confidence_and_rebuilt_bodies_say_so_once() {
    let built = build_site(&BuildOptions::new(repo())).unwrap_or_else(|e| panic!("shipped site must build:\n{e}"));
    let mut rebuilt = Vec::new();
    for page in &built.site.pages {
        let path = shishin::output::output_path(&page.url);
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
