//! Relevance on the shipped corpus (`content/`), through the core's public build API: recall@5 and
//! MRR of `tests/eval/queries.yaml` on the engine (the CLI/API path) and on the static index the
//! build ships, read by the browser code under Node, and agreement between the two.
//!
//! The site is built with `build_site` (templates and all) and its output written to a temporary
//! directory; the static side finds its index the way the browser does, through the
//! `<meta name="shishin-search">` of the built home page.

use crate::common;

use shishin::pipeline::{BuildOptions, build_site};
use shishin::output::{OutputFiles, write_atomic};
use shishin::search::eval::{self, EvalQuery, Report};
use shishin::search::Engine;
use shishin::content::Site;
use shishin::markdown::Rendered;
use shishin::search::site::{docs_from_site, engine_for_site};
use shishin::search::static_index::{Layout, write_static_with};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Recall@5 both paths must reach on the shipped corpus.
const TARGET_RECALL: f64 = 0.95;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct Shipped {
    /// Everything `shishin build` would write for the shipped site.
    files: OutputFiles,
    built_site: Site,
    rendered: Vec<Rendered>,
    engine: Engine,
    queries: Vec<EvalQuery>,
}

fn shipped() -> &'static Shipped {
    static S: OnceLock<Shipped> = OnceLock::new();
    S.get_or_init(|| {
        let built = build_site(&BuildOptions::new(root())).unwrap_or_else(|d| panic!("the shipped site must build:\n{d}"));
        // The engine `shishin search` and `/api/search` build from the same site model.
        let engine = engine_for_site(&built.site, &built.rendered).expect("engine builds");
        let queries = eval::load_queries(&root().join("tests/eval/queries.yaml")).expect("queries load");
        Shipped { files: built.files, built_site: built.site, rendered: built.rendered, engine, queries }
    })
}

#[test]
fn engine_recall_and_mrr_on_shipped_corpus() {
    let s = shipped();
    let report = eval::evaluate(&s.engine, &s.queries, 5);
    println!("engine (CLI/API path):\n{report}");
    assert!(report.recall >= TARGET_RECALL, "engine recall@5 {:.3} < {TARGET_RECALL}\n{report}", report.recall);
    assert_ranks_within(&report, "engine");
}

/// Queries with `within: N` (a page of the primary corpus first when relevance is comparable, a
/// clearly better page of another corpus still first) must rank an expected page that high.
fn assert_ranks_within(report: &Report, path: &str) {
    let missed: Vec<String> = report.misplaced().iter().map(|o| format!("{} → {:?} (within {:?})", o.query, o.top, o.within)).collect();
    assert!(report.outcomes.iter().filter(|o| o.within.is_some()).count() >= 8, "the eval pins first places");
    assert!(missed.is_empty(), "{path}: expected pages below their `within` rank:\n{}", missed.join("\n"));
}

/// The browser derives a page's postings from its file exactly as the build wrote them (positions
/// too, where a layout keeps them); and with
/// postings cut into small blocks (most terms fetched block by block or bounded by their impact
/// maps, pages read to settle the order) it ranks every query exactly as with the shipped layout.
#[test]
fn static_index_in_small_blocks_ranks_alike() {
    let s = shipped();
    let dir = tempfile::tempdir().unwrap();
    let index_dir = write_shipped(dir.path());
    let checked = node("tests/js/page-terms.mjs", &[&index_dir]);
    println!("{}", String::from_utf8_lossy(&checked.stdout));
    let (whole, whole_shown) = static_results(&index_dir);

    let small = Layout { inline_values: 16, inline_positions: true, first_block: 48, shard_bytes: 512, shard_parts: 3, key_shard_bytes: 512, growth_percent: 150, blob_bytes: 4096, fine_map_pages: 1, record_terms: 64 };
    let docs = docs_from_site(&s.built_site, &s.rendered);
    let analyzer = shishin::search::site::analyzer_for(&s.built_site).unwrap();
    let mut files = std::collections::BTreeMap::new();
    let url = write_static_with(&docs, &analyzer, &small, &mut |p, b| {
        files.insert(p, b);
    })
    .unwrap();
    // blocks are members of blobs of about 4 KB (the maps checked below: most terms are in blocks)
    assert!(files.keys().filter(|k| k.contains("/b/") && k.ends_with(".bin")).count() > 20, "blobs");
    for (path, bytes) in &files {
        let full = dir.path().join("small").join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, bytes).unwrap();
    }
    let small_dir = dir.path().join("small").join(url.trim_start_matches('/'));
    // every term stored in blocks has an impact map, and every page lies within its bounds
    let small_checked = String::from_utf8_lossy(&node("tests/js/page-terms.mjs", &[&small_dir]).stdout).to_string();
    let maps: usize = small_checked.split(", ").find_map(|part| part.split(" impact maps within bounds").next()?.parse().ok()).unwrap_or(0);
    assert!(maps > 1000, "impact maps checked: {small_checked}");
    // a term with pages in its map's lowest level has a fine map in this layout, within bounds
    // too (few on 131 pages: search_engine.rs checks a site of 2,100)
    let fine: usize = small_checked.rsplit(" (").next().and_then(|p| p.split(' ').next()?.parse().ok()).unwrap_or(0);
    assert!(fine > 0, "fine maps checked: {small_checked}");
    // the small layout keeps positions in whole lists: the browser's derived positions are checked
    let placed: usize = small_checked.split(" (").nth(1).and_then(|p| p.split(' ').next()?.parse().ok()).unwrap_or(0);
    assert!(placed > 1000, "positions checked: {small_checked}");
    let (blocked, blocked_shown) = static_results(&small_dir);
    for ((q, a), b) in s.queries.iter().zip(&whole).zip(&blocked) {
        assert_eq!(a, b, "{}: same ranking with small blocks", q.q);
    }
    assert_eq!(whole_shown, blocked_shown, "same presentation");
}

/// The index folder the search page names in `<meta name="shishin-search" content="/search/<hash>/">`
/// (the only page that names it).
fn index_dir_named_by_pages(files: &OutputFiles) -> String {
    let html = String::from_utf8_lossy(files.get("search/index.html").expect("the build writes the search page")).into_owned();
    let at = html.find(r#"<meta name="shishin-search" content=""#).expect("the search page names the search index");
    let rest = &html[at + r#"<meta name="shishin-search" content=""#.len()..];
    let dir = rest[..rest.find('"').unwrap()].to_string();
    assert!(dir.starts_with("/search/") && dir.ends_with('/') && dir.len() > "/search//".len(), "unexpected index folder {dir}");
    assert!(files.contains(&format!("{}meta.json", dir.trim_start_matches('/'))), "the build ships {dir}meta.json");
    dir
}

/// Writes the shipped build to `dir` and returns its search index folder.
fn write_shipped(dir: &Path) -> PathBuf {
    let s = shipped();
    let public = dir.join("public");
    write_atomic(&s.files, &public, false).expect("the build output is written");
    public.join(index_dir_named_by_pages(&s.files).trim_start_matches('/'))
}

fn node(script: &str, args: &[&Path]) -> std::process::Output {
    let out = Command::new("node")
        .arg(root().join(script))
        .args(args)
        .output()
        .expect("node must be installed to test the static search (see README: test command)");
    assert!(out.status.success(), "{script} failed:\n{}", String::from_utf8_lossy(&out.stderr));
    out
}

/// Runs `tests/js/static-eval.mjs` on a search index: the ranked ids per query and the first three
/// hits as the search page presents them.
fn static_results(index_dir: &Path) -> (Vec<Vec<String>>, Vec<serde_json::Value>) {
    let out = node("tests/js/static-eval.mjs", &[index_dir, &root().join("tests/eval/queries.yaml")]);
    let parsed: serde_json::Value = serde_json::from_slice(&out.stdout).expect("static-eval prints JSON");
    let ids = parsed["results"]
        .as_array()
        .expect("results")
        .iter()
        .map(|r| r.as_array().unwrap().iter().map(|id| id.as_str().unwrap().to_string()).collect())
        .collect();
    (ids, parsed["presented"].as_array().expect("presented").clone())
}

#[test]
fn static_index_recall_and_agreement_with_engine() {
    let s = shipped();
    let dir = tempfile::tempdir().unwrap();
    let index_dir = write_shipped(dir.path());
    let (static_ids, presented) = static_results(&index_dir);
    // The first three hits carry the URLs the search page links, so `anchor:` pins are checked.
    let ranked: Vec<Vec<eval::Ranked>> = static_ids
        .iter()
        .zip(&presented)
        .map(|(ids, shown)| {
            ids.iter()
                .enumerate()
                .map(|(i, id)| eval::Ranked { id: id.clone(), url: shown.get(i).and_then(|h| h["url"].as_str()).map(String::from) })
                .collect()
        })
        .collect();
    let report: Report = eval::score_ranked(&s.queries, ranked, 5);
    assert!(report.outcomes.iter().filter(|o| o.anchor.is_some() && o.landed.is_some()).count() >= 10, "anchor pins are checked on the static path");
    println!("static index (browser code under Node, built files):\n{report}");
    let engine_report = eval::evaluate(&s.engine, &s.queries, 5);
    println!(
        "recall@5 / MRR on {} queries: engine {:.3} / {:.3}, static {:.3} / {:.3}",
        s.queries.len(),
        engine_report.recall,
        engine_report.mrr,
        report.recall,
        report.mrr
    );
    assert!(report.recall >= TARGET_RECALL, "static recall@5 {:.3} < {TARGET_RECALL}\n{report}", report.recall);
    assert_ranks_within(&report, "static");

    // Agreement: the same first hit, and most of the same top 5.
    let mut same_first = 0;
    let mut overlap = 0.0;
    for ((q, static_top), shown) in s.queries.iter().zip(&static_ids).zip(&presented) {
        let hits = s.engine.search(&q.q, 5).unwrap();
        let engine_top: Vec<String> = hits.iter().map(|h| h.id.clone()).collect();
        if engine_top.first() == static_top.first() {
            same_first += 1;
            // the same page is presented alike: deep link and snippet
            if let Some(first) = hits.first() {
                assert_eq!(shown[0]["url"], first.url.as_str(), "{}", q.q);
                assert_eq!(shown[0]["snippet"], first.snippet.as_str(), "{}", q.q);
            }
        } else {
            println!("first hit differs for {:?}: engine {:?} / static {:?}", q.q, engine_top, &static_top[..static_top.len().min(5)]);
        }
        let shared = static_top.iter().take(5).filter(|id| engine_top.contains(id)).count();
        overlap += shared as f64 / engine_top.len().max(1) as f64;
    }
    let n = s.queries.len() as f64;
    let (first_rate, overlap) = (same_first as f64 / n, overlap / n);
    println!("agreement: same first hit {first_rate:.3}, top-5 overlap {overlap:.3}");
    assert!(first_rate >= 0.9, "engine and static index disagree on the first hit too often ({first_rate:.3})");
    assert!(overlap >= 0.7, "engine and static index share too little of the top 5 ({overlap:.3})");
}

/// `shishin eval` exits 1 when a `within: 1` pin misses, even with full recall: the pins guard first
/// places, so a run that only keeps recall must not pass. The queries are derived from what the
/// binary's own search ranks first and second on the fixture site, not written down by hand.
#[test]
fn eval_cli_fails_when_a_within_pin_misses() {
    let site = common::copy_site("basic");
    let search = common::bin().args(["search", "--json", "--root"]).arg(site.path()).arg("安全管理").output().unwrap();
    assert!(search.status.success(), "{}", common::stderr(&search));
    let hits: serde_json::Value = serde_json::from_slice(&search.stdout).unwrap();
    let ids: Vec<&str> = hits["hits"].as_array().unwrap().iter().map(|h| h["id"].as_str().unwrap()).collect();
    assert!(ids.len() >= 2, "the fixture needs two hits for 安全管理: {ids:?}");

    let run = |expect: &str| {
        let file = site.path().join("queries.yaml");
        std::fs::write(&file, format!("queries:\n  - {{ q: \"安全管理\", expect: [{expect}], within: 1 }}\n")).unwrap();
        common::bin().args(["eval", "--root"]).arg(site.path()).arg(&file).output().unwrap()
    };
    let first = run(ids[0]);
    assert!(first.status.success(), "pin on the first hit holds:\n{}{}", String::from_utf8_lossy(&first.stdout), common::stderr(&first));
    let second = run(ids[1]);
    let report = String::from_utf8_lossy(&second.stdout);
    assert_eq!(second.status.code(), Some(1), "pin on the second hit misses:\n{report}");
    assert!(report.contains("recall@5 1.000"), "recall stays full, only the pin fails:\n{report}");
    assert!(report.contains("NOT within 1"), "{report}");
}

/// Every 開示書 / SLA item is a section of its template page's search document — title, note,
/// column headers and marked example in its text — whose anchor is an element id of the built
/// page, so a hit's deep link lands on the item.
#[test]
fn template_items_are_sections_whose_anchors_exist_on_the_page() {
    let s = shipped();
    let docs = docs_from_site(&s.built_site, &s.rendered);
    let templates = shishin::cmd::disclosure::load_templates(root()).expect("the shipped templates load");
    for t in &templates.templates {
        let doc = docs.iter().find(|d| d.id == t.page).unwrap_or_else(|| panic!("no search document for {}", t.page));
        let html = String::from_utf8(s.files.get(&shishin::output::output_path(&doc.url)).unwrap().to_vec()).unwrap();
        let mut ids = Vec::new();
        fn walk<'a>(items: &'a [shishin::disclosure::Item], out: &mut Vec<&'a shishin::disclosure::Item>) {
            for i in items {
                out.push(i);
                walk(&i.children, out);
            }
        }
        walk(&t.items, &mut ids);
        assert!(ids.len() > 10, "{}", t.name);
        for item in ids {
            let section = doc.sections.iter().find(|x| x.anchor.as_deref() == Some(item.id.as_str())).unwrap_or_else(|| panic!("{} has no section", item.id));
            assert_eq!(section.heading, item.display_title());
            assert!(section.text.starts_with(&item.display_title()), "{}: the snippet starts with the item", item.id);
            if let Some(note) = &item.note {
                assert!(section.text.contains(note.as_str()), "{}: note", item.id);
            }
            for c in &item.columns {
                assert!(section.text.contains(&c.full_header()), "{}: column {}", item.id, c.key);
            }
            for example in item.example.values() {
                assert!(section.text.contains(&format!("（例）{}", example.split_whitespace().collect::<Vec<_>>().join(" "))), "{}: example", item.id);
            }
            assert_eq!(html.matches(&format!(" id=\"{}\"", item.id)).count(), 1, "{} is one element id of {}", item.id, doc.url);
        }
    }
}

/// 第1.0版 (how the deck's 開示書 sample writes MIC 第1版) finds pages that only say 第1版.
#[test]
fn first_edition_written_1_0_is_a_synonym() {
    let s = shipped();
    let hits = s.engine.search("第1.0版", 10).unwrap();
    let says_only_first = |id: &str| {
        let page = s.built_site.page_by_id(id).unwrap();
        page.body.contains("第1版") && !page.body.contains("第1.0版") && !page.front.title.contains("第1.0版")
    };
    assert!(hits.iter().any(|h| says_only_first(&h.id)), "{:?}", hits.iter().map(|h| &h.id).collect::<Vec<_>>());
}

/// `shishin eval` holds an `anchor:` pin: the item's own anchor passes, another one fails (exit 1).
#[test]
fn eval_cli_fails_when_an_anchor_pin_misses() {
    let site = common::copy_shipped_site();
    let run = |anchor: &str| {
        let file = site.path().join("queries.yaml");
        std::fs::write(&file, format!("queries:\n  - {{ q: \"入退管理に関する状況\", expect: [mic-annex-disclosure], within: 1, anchor: {anchor} }}\n")).unwrap();
        common::bin().args(["eval", "--root"]).arg(site.path()).arg(&file).output().unwrap()
    };
    let good = run("disc-2-3");
    assert!(good.status.success(), "{}{}", String::from_utf8_lossy(&good.stdout), common::stderr(&good));
    let bad = run("disc-2-4");
    let report = String::from_utf8_lossy(&bad.stdout);
    assert_eq!(bad.status.code(), Some(1), "{report}");
    assert!(report.contains("NOT at #disc-2-4 (links #disc-2-3)"), "{report}");
}
