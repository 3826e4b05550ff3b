//! Relevance on the shipped corpus (`content/`), through the core's public build API: recall@5 and
//! MRR of `tests/eval/queries.yaml` on the engine (the CLI/API path) and on the static index read by
//! the browser code under Node, and agreement between the two.
//!
//! `check_site` is `build_site` without the templates: the same pages and rendered Markdown, which
//! is all the search reads (and it keeps this test independent of layouts owned elsewhere).

use shishin::build::{BuildOptions, check_site};
use shishin::search::eval::{self, EvalQuery, Report};
use shishin::search::site::docs_from_site;
use shishin::search::{Analyzer, Engine, SearchDoc, write_static};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;

/// Recall@5 both paths must reach on the shipped corpus.
const TARGET_RECALL: f64 = 0.95;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

struct Shipped {
    docs: Vec<SearchDoc>,
    analyzer: Analyzer,
    engine: Engine,
    queries: Vec<EvalQuery>,
}

fn shipped() -> &'static Shipped {
    static S: OnceLock<Shipped> = OnceLock::new();
    S.get_or_init(|| {
        let (site, rendered) = check_site(&BuildOptions::new(root())).unwrap_or_else(|d| panic!("the shipped site must load:\n{d}"));
        let docs = docs_from_site(&site, &rendered);
        let analyzer = Analyzer::load(&root().join("search-index")).expect("search-index loads");
        let engine = Engine::build(&docs, &analyzer).expect("engine builds");
        let queries = eval::load_queries(&root().join("tests/eval/queries.yaml")).expect("queries load");
        Shipped { docs, analyzer, engine, queries }
    })
}

#[test]
fn engine_recall_and_mrr_on_shipped_corpus() {
    let s = shipped();
    let report = eval::evaluate(&s.engine, &s.queries, 5);
    println!("engine (CLI/API path):\n{report}");
    assert!(report.recall >= TARGET_RECALL, "engine recall@5 {:.3} < {TARGET_RECALL}\n{report}", report.recall);
}

/// Writes the static index of the shipped corpus and runs `tests/js/static-eval.mjs` on it: the
/// ranked ids per query and the first three hits as the search page presents them.
fn static_results(dir: &Path) -> (Vec<Vec<String>>, Vec<serde_json::Value>) {
    let s = shipped();
    let mut index_url = String::new();
    let mut files = |path: String, bytes: Vec<u8>| {
        let full = dir.join(&path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, bytes).unwrap();
    };
    index_url.push_str(&write_static(&s.docs, &s.analyzer, &mut files).expect("static index"));
    let index_dir: PathBuf = dir.join(index_url.trim_start_matches('/'));
    let out = Command::new("node")
        .arg(root().join("tests/js/static-eval.mjs"))
        .arg(&index_dir)
        .arg(root().join("tests/eval/queries.yaml"))
        .output()
        .expect("node must be installed to test the static search (see README: test command)");
    assert!(out.status.success(), "static-eval.mjs failed:\n{}", String::from_utf8_lossy(&out.stderr));
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
    let (static_ids, presented) = static_results(dir.path());
    let report: Report = eval::score(&s.queries, static_ids.clone(), 5);
    println!("static index (browser code under Node):\n{report}");
    assert!(report.recall >= TARGET_RECALL, "static recall@5 {:.3} < {TARGET_RECALL}\n{report}", report.recall);

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
