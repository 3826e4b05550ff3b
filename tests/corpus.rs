//! The shipped corpus (content/ at the repository root): every outline clause exists with a real
//! summary, sources and cross-references, and removing a clause fails the build.

use shishin::build::{BuildOptions, check_site};
mod common;
use common::repo;

#[test]
fn every_outline_clause_has_a_real_page() {
    let (site, rendered) = check_site(&BuildOptions::new(repo())).unwrap_or_else(|e| panic!("shipped site has errors:\n{e}"));
    let outline = site.data.outline.as_ref().expect("content/data/outline.yaml exists");
    assert!(outline.required.len() >= 35, "outline lists the MIC clauses ({} found)", outline.required.len());
    for must in ["mic-1", "mic-2", "mic-3", "mic-3.1", "mic-3.2.1", "mic-3.2.10", "mic-3.3.5", "mic-3.4", "mic-3.5", "mic-3.6", "mic-4", "mic-annex-disclosure", "mic-annex-sla"] {
        assert!(outline.required.iter().any(|e| e.id == must), "outline lacks {must}");
    }
    for entry in &outline.required {
        let index = site.by_id[&entry.id];
        let page = &site.pages[index];
        let text: String = rendered[index].sections.iter().map(|s| s.text.as_str()).collect();
        let chars = text.chars().count();
        // Clause pages carry several paragraphs of summary; sections at least an overview.
        let minimum = if page.children.is_empty() { 250 } else { 100 };
        assert!(chars >= minimum, "{} has only {chars} characters of text", entry.id);
        for placeholder in ["TODO", "TBD", "lorem", "ここに本文", "準備中"] {
            assert!(!text.contains(placeholder), "{} contains placeholder text {placeholder:?}", entry.id);
        }
        assert!(!page.front.sources.is_empty(), "{} credits no source", entry.id);
        assert!(page.front.confidence.is_some(), "{} states no confidence", entry.id);
    }
    // 新設 clauses are marked as such.
    for id in ["mic-3.5", "mic-3.6"] {
        assert_eq!(site.page_by_id(id).unwrap().front.status, Some(shishin::content::Status::New), "{id} is 新設");
    }
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
