//! The site generator through its public interface: the `shishin` binary on fixture sites.

use std::collections::BTreeMap;
use crate::common::{bin, build, copy_shipped_site, copy_site, read, snapshot, stderr};

#[test]
fn fixture_site_renders_expected_structure() {
    let site = copy_site("basic");
    let out = build(site.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let html = read(site.path(), "public/mic/3.2.1/index.html");
    // Document basics.
    assert!(html.starts_with("<!doctype html>\n<html lang=\"ja\">"), "{}", &html[..80]);
    assert!(html.contains("<title>3.2.1 組織的安全管理対策 | テストサイト</title>"));
    assert!(html.contains(r#"<meta name="shishin-id" content="mic-3.2.1">"#));
    assert!(html.contains(r#"<link rel="canonical" href="https://example.test/guide/mic/3.2.1/">"#));
    assert!(html.contains(r#"<meta property="og:title" content="3.2.1 組織的安全管理対策">"#));
    // Clause permalink honours the base path; breadcrumbs list the ancestors in order.
    let crumbs = html.split("aria-label=\"パンくずリスト\"").nth(1).unwrap().split("</nav>").next().unwrap();
    let order: Vec<usize> = ["/guide/\"", "/guide/mic/\"", "/guide/mic/3/\""].iter().map(|h| crumbs.find(h).unwrap()).collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{crumbs}");
    // Heading anchors (NFKC text, explicit id) and per-page TOC.
    assert!(html.contains(r##"<h2 id="概要">概要<a class="heading-anchor" href="#概要""##));
    assert!(html.contains(r#"<h2 id="access">アクセス制御"#));
    let toc = html.split("class=\"toc\"").nth(1).unwrap();
    assert!(toc.contains(r##"<a href="#access">アクセス制御</a>"##));
    // Cross-references render number + title, custom text, glossary terms.
    assert!(html.contains(r#"<a class="xref" href="/guide/mic/3.2.10/">3.2.10 法令で定められた記名・押印を電子署名で行うことについて</a>"#));
    assert!(html.contains(r#"<a class="xref" href="/guide/mic/3.2.10/">電子署名の項</a>"#));
    assert!(html.contains(r#"<a class="xref" href="/guide/glossary/#phr">PHR</a>"#));
    // GFM extensions.
    assert!(html.contains("<table>") && html.contains("<td>暗号化</td>"));
    assert!(html.contains("<del>取り消し</del>"));
    assert!(html.contains("footnote-definition"));
    // Highlighting by class, never inline style.
    assert!(html.contains(r#"<pre class="code" data-lang="yaml">"#) && html.contains("hl-entity"));
    assert!(!html.contains("style="), "inline styles break the CSP");
    // Root-relative links get the base path.
    assert!(html.contains(r#"<a href="/guide/mic/3/">相対</a>"#));
    // Prev/next follow reading order (3.2.1 before 3.2.10 by number).
    assert!(html.contains(r#"rel="next" href="/guide/mic/3.2.10/""#), "next link");
    assert!(html.contains(r#"rel="prev" href="/guide/mic/3/""#), "prev link");
    // Last updated from front matter; superseded notice from the corpus source.
    assert!(html.contains(r#"<time datetime="2024-01-02">"#));
    assert!(html.contains("banner--superseded") && html.contains("2省ガイドライン（2020年）"));
    // Requirement items listed on their clause.
    assert!(html.contains(r#"<li id="mic-3.2.1-r01">"#));
    // Assets are content-hashed and referenced under the base path.
    let css = regex::Regex::new(r#"href="/guide/assets/([0-9a-f]{12})/style.css""#).unwrap();
    let hash = &css.captures(&html).expect("hashed stylesheet")[1];
    assert!(site.path().join(format!("public/assets/{hash}/style.css")).exists());
    assert!(site.path().join(format!("public/assets/{hash}/highlight.css")).exists());
}

#[test]
fn site_level_files() {
    let site = copy_site("basic");
    assert!(build(site.path()).status.success());
    let sitemap = read(site.path(), "public/sitemap.xml");
    assert!(sitemap.contains("<loc>https://example.test/guide/mic/3.2.1/</loc><lastmod>2024-01-02</lastmod>"), "{sitemap}");
    assert!(read(site.path(), "public/robots.txt").contains("Sitemap: https://example.test/guide/sitemap.xml"));
    let not_found = read(site.path(), "public/404.html");
    assert!(not_found.contains("ページが見つかりません") && not_found.contains("<html lang=\"ja\">"));
    // Only the search page names the static index folder: its hash changes with every content
    // edit, and naming it in every page made one edit change every page (serve rebuilds).
    let search = read(site.path(), "public/search/index.html");
    let dir = search.split(r#"<meta name="shishin-search" content=""#).nth(1).and_then(|r| r.split('"').next()).expect("the search page names the index folder");
    assert!(dir.starts_with("/guide/search/") && site.path().join("public").join(dir.trim_start_matches("/guide/")).is_dir(), "{dir}");
    for page in ["public/index.html", "public/mic/3.2.1/index.html", "public/404.html"] {
        assert!(!read(site.path(), page).contains("shishin-search"), "{page} names the index folder");
    }
    // Aliases: a redirect page and a Netlify rule.
    assert!(read(site.path(), "public/old/3-2-1/index.html").contains(r#"url=/guide/mic/3.2.1/"#));
    assert!(read(site.path(), "public/_redirects").contains("/guide/old/3-2-1/ /guide/mic/3.2.1/ 301"));
    // Glossary and requirement catalogue layouts render their data with anchors.
    let glossary = read(site.path(), "public/glossary/index.html");
    assert!(glossary.contains(r#"<dt id="phr">PHR"#));
    let catalogue = read(site.path(), "public/requirements/index.html");
    assert!(catalogue.contains(r#"<tr id="mic-3.2.1-r01">"#));
}

#[test]
fn drafts_are_left_out_of_build() {
    let site = copy_site("basic");
    std::fs::write(site.path().join("content/mic/draft.md"), "---\ntitle: 下書き\ndraft: true\n---\n\n本文\n").unwrap();
    assert!(build(site.path()).status.success());
    assert!(!site.path().join("public/mic/draft/index.html").exists());
    let out = bin().args(["build", "--drafts", "--root"]).arg(site.path()).output().unwrap();
    assert!(out.status.success());
    assert!(read(site.path(), "public/mic/draft/index.html").contains("banner--draft"));
}

/// Each class of bad input: non-zero exit, exact file:line:col, previous public/ byte-identical.
#[test]
fn bad_inputs_fail_with_position_and_keep_previous_output() {
    let cases: &[(&str, &str, &str, &str)] = &[
        // (file, content, expected position, expected words)
        ("content/mic/bad.md", "---\ntitle: [unclosed\n---\n", "content/mic/bad.md:2:8", "`title` must be text, not `[unclosed`"),
        ("content/mic/bad.md", "---\ntitle: A\ntitle: B\n---\n", "content/mic/bad.md:3:1", "duplicate key `title` (first at line 2)"),
        ("content/mic/bad.md", "---\ntitle: A\ntitel: B\n---\n", "content/mic/bad.md:3:1", "unknown key `titel`"),
        ("content/mic/bad.md", "---\ntitle: A\nid: mic-3.2.10\n---\n", "content/mic/3/3.2.10.md:4:1", "duplicate id `mic-3.2.10`"),
        ("content/mic/bad.md", "---\ntitle: A\n---\n\n参照 [[mic-9.9]]\n", "content/mic/bad.md:5:4", "unknown cross-reference"),
        ("content/mic/bad.md", "---\ntitle: A\n---\n\n## 同じ\n\n## 同じ\n", "content/mic/bad.md:7:1", "duplicate heading anchor"),
        ("content/mic/bad.md", "---\ntitle: A\n---\n\n<script>alert(1)</script>\n", "content/mic/bad.md:5:1", "raw HTML"),
        ("content/mic/bad.md", "---\ntitle: A\n---\n\ntext <b onclick=x>b</b>\n", "content/mic/bad.md:5:6", "raw HTML"),
        ("content/mic/bad.md", "---\ntitle: A\n---\n\n[x](javascript:alert(1))\n", "content/mic/bad.md:5:1", "uses a scheme that is not allowed"),
        ("content/mic/bad.md", "---\ntitle: A\n---\n\n```rust {onload}\nx\n```\n", "content/mic/bad.md:5:1", "info string"),
        ("content/mic/bad.md", "---\ntitle: A\n---\n\n[[mic-3.2.1#nope]]\n", "content/mic/bad.md:5:1", "no anchor `#nope`"),
        ("content/mic/bad.md", "---\ntitle: A\nlayout: nosuch\n---\n", "content/mic/bad.md:3:9", "`layout` is one of `page`,"),
        ("content/mic/bad.md", "---\ntitle: A\nid: Mic-X\n---\n", "content/mic/bad.md:3:1", "lowercase"),
        ("content/data/glossary.yaml", "terms:\n  - id: phr\n    term: PHR\n    definition: x\n    definition: y\n", "content/data/glossary.yaml:5:5", "duplicate key `definition` (first at line 4)"),
        ("content/data/outline.yaml", "required:\n  - { id: mic-3.2.1 }\n  - { id: mic-7.7 }\n", "content/data/outline.yaml:3:7", "outline clause `mic-7.7` has no page"),
        ("shishin.yaml", "title: x\nbase_url: https://e.test/\nbogus: 1\n", "shishin.yaml:3:1", "unknown key `bogus`"),
    ];
    let site = copy_site("basic");
    assert!(build(site.path()).status.success());
    let before = snapshot(&site.path().join("public"));
    for (file, content, position, words) in cases {
        let path = site.path().join(file);
        let original = std::fs::read(&path).ok();
        std::fs::write(&path, content).unwrap();
        let out = build(site.path());
        let err = stderr(&out);
        assert!(!out.status.success(), "{file} with {content:?} should fail");
        assert!(err.contains(&format!("--> {position}\n")), "expected exactly {position} for {content:?}, got:\n{err}");
        assert!(!err.contains("DuplicateKeyPolicy"), "parser internals leak into the message:\n{err}");
        assert!(err.contains(words), "expected {words:?} for {content:?}, got:\n{err}");
        assert!(err.contains("help:") || err.contains("= help"), "every error says what to do:\n{err}");
        assert_eq!(snapshot(&site.path().join("public")), before, "public/ changed after failing on {content:?}");
        match original {
            Some(bytes) => std::fs::write(&path, bytes).unwrap(),
            None => std::fs::remove_file(&path).unwrap(),
        }
    }
    assert!(build(site.path()).status.success(), "site builds again after restoring");
}

#[test]
fn all_errors_of_a_build_are_reported_together() {
    let site = copy_site("basic");
    std::fs::write(site.path().join("content/mic/a.md"), "---\ntitle: A\n---\n\n[[nope-1]]\n").unwrap();
    std::fs::write(site.path().join("content/mic/b.md"), "---\ntitle: B\ntypo: 1\n---\n").unwrap();
    let out = build(site.path());
    let err = stderr(&out);
    assert!(err.contains("content/mic/a.md:5:1") && err.contains("content/mic/b.md:3:1"), "{err}");
    assert!(err.contains("2 errors found"), "{err}");
    // check --format json lists the same errors for editors and CI.
    let out = bin().args(["check", "--format", "json", "--root"]).arg(site.path()).output().unwrap();
    assert!(!out.status.success());
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let errors = v["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 2);
    assert_eq!(errors[0]["file"], "content/mic/a.md");
    assert_eq!(errors[0]["line"], 5);
}

/// One broken data file of the shipped site yields exactly its own error: the other data files
/// stay loaded, and references into the broken one are not reported as unknown.
#[test]
fn one_broken_data_file_reports_only_its_own_error() {
    let site = copy_shipped_site();
    let ok = bin().args(["check", "--root"]).arg(site.path()).output().unwrap();
    assert!(ok.status.success(), "the shipped site checks clean:\n{}", stderr(&ok));
    // (file, its top-level key): repeating the key at the end makes the file invalid.
    let cases = [("glossary.yaml", "terms"), ("requirements.yaml", "requirements"), ("outline.yaml", "required"), ("sources.yaml", "sources")];
    for (name, key) in cases {
        let path = site.path().join("content/data").join(name);
        let original = std::fs::read_to_string(&path).unwrap();
        assert!(original.ends_with('\n'));
        std::fs::write(&path, format!("{original}{key}: []\n")).unwrap();
        let line = original.lines().count() + 1;
        let out = bin().args(["check", "--format", "json", "--root"]).arg(site.path()).output().unwrap();
        assert!(!out.status.success(), "{name}");
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        let errors = v["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "only {name}'s own error, got {errors:#?}");
        assert_eq!(errors[0]["file"], format!("content/data/{name}"));
        assert_eq!(errors[0]["line"], line, "{name}: {errors:#?}");
        std::fs::write(&path, original).unwrap();
    }
}

/// Without front-matter `updated`, a page's date is its file's last git commit (per file, the
/// committer date); `updated:` in the front matter wins. Both reach the page and sitemap.xml.
#[test]
fn last_updated_comes_from_git_unless_front_matter_says() {
    let site = copy_site("basic");
    let git = |args: &[&str], date: &str| {
        let out = std::process::Command::new("git")
            .args(["-c", "user.name=Test", "-c", "user.email=test@example.test", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(site.path())
            .env("GIT_AUTHOR_DATE", date)
            .env("GIT_COMMITTER_DATE", date)
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", stderr(&out));
    };
    git(&["init", "-q"], "");
    git(&["add", "."], "");
    git(&["commit", "-q", "-m", "first"], "2021-03-04T10:00:00+00:00");
    let page = site.path().join("content/mic/3/3.2.10.md");
    std::fs::write(&page, std::fs::read_to_string(&page).unwrap() + "\n追記。\n").unwrap();
    git(&["commit", "-q", "-am", "second"], "2022-11-30T10:00:00+00:00");
    let out = build(site.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let time = |url: &str| {
        let html = read(site.path(), &format!("public{url}index.html"));
        let start = html.find("<time datetime=\"").unwrap_or_else(|| panic!("{url} shows no date")) + 16;
        html[start..start + 10].to_string()
    };
    assert_eq!(time("/mic/3.2.10/"), "2022-11-30", "the file's last commit");
    assert_eq!(time("/mic/"), "2021-03-04", "each file its own last commit");
    assert_eq!(time("/mic/3.2.1/"), "2024-01-02", "front matter `updated` wins over git");
    let sitemap = read(site.path(), "public/sitemap.xml");
    for (url, date) in [("mic/3.2.10/", "2022-11-30"), ("mic/", "2021-03-04"), ("mic/3.2.1/", "2024-01-02")] {
        let entry = format!("<loc>https://example.test/guide/{url}</loc><lastmod>{date}</lastmod>");
        assert!(sitemap.contains(&entry), "{entry} in\n{sitemap}");
    }
}

/// `shishin check` on a valid site exits 0 and writes nothing: no public/, no cache, no change.
#[test]
fn check_on_a_valid_site_succeeds_and_writes_nothing() {
    for site in [copy_site("basic"), copy_shipped_site()] {
        let before = snapshot(site.path());
        let dirs = |root: &std::path::Path| walkdir::WalkDir::new(root).into_iter().flatten().filter(|e| e.file_type().is_dir()).count();
        let dirs_before = dirs(site.path());
        for format in ["text", "json"] {
            let out = bin().current_dir(site.path()).args(["check", "--format", format, "--root", "."]).output().unwrap();
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
        assert_eq!(snapshot(site.path()), before, "check changed files in the root");
        assert_eq!(dirs(site.path()), dirs_before, "check created directories");
        assert!(!site.path().join("public").exists());
    }
}

#[test]
fn refuses_to_overwrite_a_directory_it_did_not_create() {
    let site = copy_site("basic");
    let out_dir = site.path().join("mine");
    std::fs::create_dir_all(&out_dir).unwrap();
    std::fs::write(out_dir.join("notes.txt"), "my notes").unwrap();
    let out = bin().args(["build", "--root"]).arg(site.path()).arg("--output").arg(&out_dir).output().unwrap();
    assert!(!out.status.success());
    assert!(stderr(&out).contains("not created by shishin"), "{}", stderr(&out));
    assert_eq!(std::fs::read_to_string(out_dir.join("notes.txt")).unwrap(), "my notes");
    let out = bin().args(["build", "--force", "--root"]).arg(site.path()).arg("--output").arg(&out_dir).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(out_dir.join("mic/3.2.1/index.html").exists());
    // A directory shishin made can be rebuilt without --force.
    let again = bin().args(["build", "--root"]).arg(site.path()).arg("--output").arg(&out_dir).output().unwrap();
    assert!(again.status.success());
}

/// `--force` never lets the output swap delete the site's own sources: the root, an ancestor of
/// it, content/ (also reached through `..` or a symlink), themes/, .git or another site's root.
#[test]
fn force_never_replaces_the_site_sources() {
    let site = copy_site("basic");
    let root = site.path().join("site");
    std::fs::create_dir_all(root.join("themes/default")).unwrap();
    std::fs::create_dir_all(root.join(".git")).unwrap();
    for entry in ["content", "shishin.yaml"] {
        std::fs::rename(site.path().join(entry), root.join(entry)).unwrap();
    }
    std::fs::write(root.join("themes/default/custom.css"), "a{}").unwrap();
    std::fs::write(root.join(".git/HEAD"), "ref: refs/heads/main\n").unwrap();
    let other = site.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::write(other.join("shishin.yaml"), "title: other\n").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink(root.join("content"), site.path().join("link")).unwrap();
    let before = snapshot(site.path());
    let cases: &[(&str, &str)] = &[
        ("site", "is the site root"),
        ("site/public/..", "is the site root"),
        (".", "contains the site root"),
        ("site/content", "content/ folder"),
        ("site/content/mic/new", "content/ folder"),
        ("site/themes", "themes/ folder"),
        ("site/.git", ".git/ folder"),
        ("other", "holds a shishin.yaml"),
        #[cfg(unix)]
        ("link", "content/ folder"),
    ];
    for (output, words) in cases {
        let out = bin().args(["build", "--force", "--root"]).arg(&root).arg("--output").arg(site.path().join(output)).output().unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(1), "--output {output} must be refused:\n{err}");
        assert!(err.contains("refusing to write the site into") && err.contains(words), "--output {output}: {err}");
        assert!(err.contains("help: pass --output a separate directory"), "{err}");
        assert_eq!(snapshot(site.path()), before, "--output {output} changed the sources");
    }
    // A relative --output is taken from the cwd: `--root . --output .` is the root too.
    let out = bin().current_dir(&root).args(["build", "--force", "--root", ".", "--output", "."]).output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert_eq!(snapshot(site.path()), before);
    // The default and a sibling folder still work.
    assert!(build(&root).status.success());
    let out = bin().args(["build", "--force", "--root"]).arg(&root).arg("--output").arg(site.path().join("out")).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
}

#[test]
fn init_scaffolds_a_site_that_builds_and_refuses_non_empty_dirs() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    let out = bin().arg("init").arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    let out = build(&dir);
    assert!(out.status.success(), "{}", stderr(&out));
    let page = read(&dir, "public/guide/first-page/index.html");
    assert!(page.contains("最初のページ") && page.contains(r#"<h2 id="書き方">"#));
    let again = bin().arg("init").arg(&dir).output().unwrap();
    assert!(!again.status.success());
    assert!(stderr(&again).contains("not empty"));
}

#[test]
fn plain_markdown_tree_with_title_and_weight_only_builds() {
    // The benchmark corpus shape: no ids, no theme, no data files.
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    std::fs::write(root.join("shishin.yaml"), "title: コーパス\nbase_url: /\n").unwrap();
    std::fs::create_dir_all(root.join("content/sec-01")).unwrap();
    std::fs::write(root.join("content/_index.md"), "---\ntitle: ホーム\n---\n\n本文\n").unwrap();
    std::fs::write(root.join("content/sec-01/_index.md"), "---\ntitle: 節1\n---\n").unwrap();
    for (i, w) in [(2, 2), (1, 1), (10, 10)] {
        std::fs::write(root.join(format!("content/sec-01/page-{i:04}.md")), format!("---\ntitle: ページ{i}\nweight: {w}\n---\n\n## 見出し\n\n```sh\nls -l\n```\n")).unwrap();
    }
    let out = build(root);
    assert!(out.status.success(), "{}", stderr(&out));
    let section = read(root, "public/sec-01/index.html");
    let p1 = section.find("/sec-01/page-0001/").unwrap();
    let p2 = section.find("/sec-01/page-0002/").unwrap();
    let p10 = section.find("/sec-01/page-0010/").unwrap();
    assert!(p1 < p2 && p2 < p10, "children ordered by weight");
}

#[test]
fn version_flag() {
    let out = bin().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("shishin "));
}

/// A page's `confidence` describes its body (docs/content-format.md): `check` refuses a body
/// rebuilt from another guideline (`rebuilt_from`) marked high, a page surer than every one of
/// its requirement items, and `rebuilt_from` ids that are unknown or of the page's own guideline
/// — each at its own file:line:col with a hint. Fixed, the site checks clean and the pages state
/// their confidence in a meta tag and the rebuilt notice once.
#[test]
fn check_refuses_confidence_above_what_the_body_rests_on() {
    let site = copy_site("mapping");
    let write = |rel: &str, text: &str| std::fs::write(site.path().join(rel), text).unwrap();
    let clause = |number: &str, title: &str, extra: &str| format!("---\ntitle: {title}\nnumber: \"{number}\"\nid: mic-{number}\n{extra}---\n\n{title} の本文。\n");
    write("content/mic/3/3.2.md", &clause("3.2", "技術的対策", "confidence: high\nrebuilt_from: [mhlw5-6.2, mhlw5-6.9, mic-3.1]\n"));
    write("content/mic/3/3.1.md", &clause("3.1", "組織的対策", "confidence: medium\n"));
    write(
        "content/data/requirements.yaml",
        "requirements:\n  - { id: mic-3.1-r01, clause: mic-3.1, title: 方針を定める, addressee: provider, confidence: low }\n  - { id: mic-3.1-r02, clause: mic-3.1, title: 体制を定める, addressee: provider, confidence: low }\n  - { id: mic-3.2-r01, clause: mic-3.2, title: 暗号化する, addressee: provider, confidence: medium }\n",
    );
    let out = bin().args(["check", "--format", "json", "--root"]).arg(site.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let got: Vec<(String, u64, u64, String, String)> = v["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["file"].as_str().unwrap().into(), e["line"].as_u64().unwrap(), e["column"].as_u64().unwrap(), e["message"].as_str().unwrap().into(), e["help"].as_str().unwrap_or("").into()))
        .collect();
    let expect = [
        ("content/mic/3/3.1.md", 5, 13, "`confidence: medium` is above every requirement item of `mic-3.1` (the highest is `low`", "set `confidence: low`"),
        ("content/mic/3/3.2.md", 5, 13, "`confidence: high` on a page whose body is rebuilt from another guideline", "at most `medium`"),
        ("content/mic/3/3.2.md", 6, 27, "unknown id `mhlw5-6.9` in `rebuilt_from`", "did you mean one of `mhlw5-6.1`, `mhlw5-6.2`, `mhlw5-6.3`?"),
        ("content/mic/3/3.2.md", 6, 38, "`mic-3.1` is in the same guideline as `mic-3.2`", "link clauses of the same guideline with [[id]]"),
    ];
    assert_eq!(got.len(), expect.len(), "{got:#?}");
    for ((file, line, col, msg, help), want) in got.iter().zip(expect) {
        assert_eq!((file.as_str(), *line, *col), (want.0, want.1, want.2), "{msg}");
        assert!(msg.contains(want.3), "{msg}");
        assert!(help.contains(want.4), "{help}");
    }
    // Each `confidence` no higher than what the body rests on: clean, and rendered.
    write("content/mic/3/3.2.md", &clause("3.2", "技術的対策", "confidence: medium\nrebuilt_from: mhlw5-6.2\n"));
    write("content/mic/3/3.1.md", &clause("3.1", "組織的対策", "confidence: low\n"));
    let out = build(site.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let html = |rel: &str| read(site.path(), &format!("public/{rel}"));
    let rebuilt = html("mic/3.2/index.html");
    assert!(rebuilt.contains(r#"<meta name="shishin-confidence" content="medium">"#));
    assert_eq!(rebuilt.matches("data-rebuilt-notice").count(), 1, "the notice is printed once");
    let notice = &rebuilt[rebuilt.find("data-rebuilt-notice").unwrap()..];
    let notice = &notice[..notice.find("</p>").unwrap()];
    assert!(notice.contains("この要約は、MIC 第1版の本文から直接まとめたものではありません。"), "{notice}");
    assert!(notice.contains(r#"<a href="/guide/mhlw5/6.2/">厚労省 第5版 6.2 技術的安全対策</a>"#), "names the clause it was rebuilt from: {notice}");
    assert!(notice.contains("確度は「中」"), "{notice}");
    assert!(!rebuilt.contains("notice--low"), "one notice, not two");
    let low = html("mic/3.1/index.html");
    assert!(low.contains(r#"<meta name="shishin-confidence" content="low">"#) && low.contains("notice--low") && !low.contains("data-rebuilt-notice"));
    // A page that states no confidence has no tag (a plain site need not state one).
    assert!(!html("mic/4/index.html").contains("shishin-confidence"));
}

/// A clause named in body text by number and 「title」 must carry that clause's title (the MIC
/// 3.2.6 page once called MHLW 6.8 by its 5.2 wording): a variant or another clause's title fails
/// at the number's file:line:col with a hint to use `[[id]]`; the right title, a shortened title
/// without its parenthesis, another document's numbering and code pass.
#[test]
fn hand_typed_clause_titles_must_match_the_clause() {
    let site = copy_site("mapping");
    let page = site.path().join("content/mic/3/3.1.md");
    let front = "---\ntitle: 組織的対策\nnumber: \"3.1\"\nid: mic-3.1\n---\n\n";
    let passing = "「6.2 技術的安全対策」と 7.2「アクセス制御」、７．１「真正性の確保」。\n後継版の「3.1 技術的な対応における責任分界決定の考慮事項」は別の文書の番号です。\n別の版の 6.2 の題名は「医療情報の技術的安全対策」でした（番号と括弧を離して引用）。\n`6.2「コード」` は検査しません。\n\n```\n6.2「フェンス」\n```\n";
    std::fs::write(&page, format!("{front}{passing}")).unwrap();
    let out = bin().args(["check", "--root"]).arg(site.path()).output().unwrap();
    assert!(out.status.success(), "right titles and unrelated numbering pass:\n{}", stderr(&out));

    let failing = "厚労省の「6.2 医療情報の技術的安全対策」を参照。\n6.1「技術的安全対策」も見る。\n";
    std::fs::write(&page, format!("{front}{passing}{failing}")).unwrap();
    let out = bin().args(["check", "--root"]).arg(site.path()).output().unwrap();
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("2 errors found"), "{err}");
    assert!(err.contains("--> content/mic/3/3.1.md:15:6\n"), "{err}");
    assert!(err.contains("「医療情報の技術的安全対策」 is not the title of 6.2: `mhlw5-6.2` is titled 「技術的安全対策」"), "{err}");
    assert!(err.contains("--> content/mic/3/3.1.md:16:1\n"), "{err}");
    assert!(err.contains("「技術的安全対策」 is the title of 6.2 (`mhlw5-6.2`), not of 6.1"), "{err}");
    assert!(err.contains("help: write [[mhlw5-6.2]], which shows the number and title from the page"), "{err}");
    assert!(err.contains("help: write [[mhlw5-6.1]]"), "{err}");
}

/// The audit's case on the shipped site: MHLW 6.8 called by its 5.2 title in MIC 3.2.6.
#[test]
fn the_audited_mhlw_6_8_title_is_caught_on_the_shipped_site() {
    let site = copy_shipped_site();
    let page = site.path().join("content/mic/3/3.2/3.2.6.md");
    let text = std::fs::read_to_string(&page).unwrap();
    let line = text.lines().count() + 2;
    std::fs::write(&page, format!("{text}\n厚生労働省ガイドラインの「6.8 医療情報システムの改造と保守」も参照。\n")).unwrap();
    let out = bin().args(["check", "--root"]).arg(site.path()).output().unwrap();
    let err = stderr(&out);
    assert!(!out.status.success());
    assert!(err.contains(&format!("--> content/mic/3/3.2/3.2.6.md:{line}:14\n")), "{err}");
    assert!(err.contains("`mhlw5-6.8` is titled 「情報システムの改造と保守」") && err.contains("[[mhlw5-6.8]]"), "{err}");
}

/// A rebuild moves every folder whose whole tree is unchanged over from the previous output (the
/// folder itself survives: same inode), but only while that folder holds nothing the new output
/// lacks: a stray file, a symlink or an empty folder planted in the previous output is never
/// carried over, and the result equals a build into an empty folder.
#[test]
fn rebuild_moves_unchanged_folders_whole_and_never_carries_planted_entries() {
    use std::os::unix::fs::MetadataExt;
    let site = copy_site("basic");
    assert!(build(site.path()).status.success());
    let public = site.path().join("public");
    let folder_ino = |rel: &str| std::fs::symlink_metadata(public.join(rel)).unwrap().ino();
    let snap = snapshot(&public);
    let index = snap.keys().find(|k| k.starts_with("search/") && k.ends_with("/meta.json")).expect("the static index").rsplit_once('/').unwrap().0.to_string();
    let untouched = ["mic/3.2.1", "assets", index.as_str()].map(|f| (f, folder_ino(f)));
    std::fs::write(public.join("mic/3.2.10/stray.html"), "planted").unwrap();
    std::os::unix::fs::symlink(site.path().join("shishin.yaml"), public.join("glossary/link.html")).unwrap();
    std::fs::create_dir(public.join("requirements/empty")).unwrap();
    let planted_ino = folder_ino("mic/3.2.10");

    let out = build(site.path());
    assert!(out.status.success(), "{}", stderr(&out));
    for (folder, ino) in untouched {
        assert_eq!(folder_ino(folder), ino, "{folder}/ is unchanged: moved over whole");
    }
    assert_ne!(folder_ino("mic/3.2.10"), planted_ino, "a folder with a planted file is made anew");
    for planted in ["mic/3.2.10/stray.html", "glossary/link.html", "requirements/empty"] {
        assert!(std::fs::symlink_metadata(public.join(planted)).is_err(), "{planted} was carried over");
    }
    assert_eq!(snapshot(&public), snap, "the rebuild holds exactly the files of the first build");
    let left: Vec<String> = std::fs::read_dir(site.path()).unwrap().flatten().map(|e| e.file_name().to_string_lossy().into_owned()).filter(|n| n.contains(".shishin-")).collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

/// After a body edit the search index gets a new folder, yet most of its files keep their bytes:
/// those are linked from the previous index folder (same inode), the rest written anew, and the
/// old folder is gone.
#[test]
fn an_edit_links_the_unchanged_files_of_the_new_index_folder_from_the_old_one() {
    use std::os::unix::fs::MetadataExt;
    let site = copy_site("basic");
    assert!(build(site.path()).status.success());
    let public = site.path().join("public");
    let index_folder = || -> String {
        let snap = snapshot(&public);
        snap.keys().find(|k| k.starts_with("search/") && k.ends_with("/meta.json")).expect("the static index").rsplit_once('/').unwrap().0.to_string()
    };
    let before = index_folder();
    let files = |folder: &str| -> BTreeMap<String, (u64, Vec<u8>)> {
        walkdir::WalkDir::new(public.join(folder))
            .into_iter()
            .flatten()
            .filter(|e| e.file_type().is_file())
            .map(|e| (e.path().strip_prefix(public.join(folder)).unwrap().to_string_lossy().into_owned(), (e.metadata().unwrap().ino(), std::fs::read(e.path()).unwrap())))
            .collect()
    };
    let old = files(&before);
    let page = site.path().join("content/mic/3/3.2.1.md");
    std::fs::write(&page, std::fs::read_to_string(&page).unwrap() + "\n追記した段落。\n").unwrap();

    let out = build(site.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let after = index_folder();
    assert_ne!(after, before, "the edit changes the index");
    assert!(!public.join(&before).exists());
    let new = files(&after);
    let (mut linked, mut written) = (0, 0);
    for (rel, (ino, bytes)) in &new {
        match old.get(rel) {
            Some((old_ino, old_bytes)) if old_bytes == bytes => {
                assert_eq!(ino, old_ino, "{rel} kept its bytes: linked");
                linked += 1;
            }
            Some((old_ino, _)) => {
                assert_ne!(ino, old_ino, "{rel} changed: written anew");
                written += 1;
            }
            None => written += 1,
        }
    }
    assert!(linked > 0 && written > 0, "{linked} linked, {written} written");
}

/// A rebuild into our own output reuses (hard-links) every file whose bytes are unchanged and
/// writes the rest anew; a symlink planted in the previous output is never carried over, and the
/// result equals a build into an empty folder.
#[test]
fn rebuild_reuses_unchanged_files_and_writes_changed_ones() {
    use std::os::unix::fs::MetadataExt;
    let site = copy_site("basic");
    let out = build(site.path());
    assert!(out.status.success(), "{}", stderr(&out));
    let public = site.path().join("public");
    let ino = |rel: &str| std::fs::metadata(public.join(rel)).unwrap().ino();
    let style = snapshot(&public).into_keys().find(|k| k.starts_with("assets/") && k.ends_with("/style.css")).expect("the theme's style.css");
    let (stylesheet, clause) = (ino(&style), ino("mic/3.2.1/index.html"));
    let sitemap = read(&public, "sitemap.xml");
    std::fs::remove_file(public.join("robots.txt")).unwrap();
    std::os::unix::fs::symlink(site.path().join("shishin.yaml"), public.join("robots.txt")).unwrap();
    let page = site.path().join("content/mic/3/3.2.1.md");
    std::fs::write(&page, std::fs::read_to_string(&page).unwrap() + "\n追記した段落。\n").unwrap();

    let out = build(site.path());
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(ino(&style), stylesheet, "an unchanged file is the same file");
    assert_ne!(ino("mic/3.2.1/index.html"), clause, "the edited page is written anew");
    assert!(read(&public, "mic/3.2.1/index.html").contains("追記した段落"));
    assert!(std::fs::symlink_metadata(public.join("robots.txt")).unwrap().file_type().is_file(), "the planted link is replaced by a file");
    assert_eq!(read(&public, "sitemap.xml"), sitemap);

    let fresh = tempfile::tempdir().unwrap();
    let o = bin().args(["build", "--root"]).arg(site.path()).arg("--output").arg(fresh.path().join("out")).output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(snapshot(&public), snapshot(&fresh.path().join("out")), "a rebuild equals a build into an empty folder");
}
