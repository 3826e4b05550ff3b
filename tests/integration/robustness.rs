//! Property-based robustness tests (proptest, bounded so CI stays fast): the parsers and the
//! Markdown pipeline never panic, answer quickly, report positions inside the file, and never
//! let raw HTML, event handlers, style attributes or script URLs through to the output.

use crate::common;
use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use regex::Regex;
use shishin::pipeline::{BuildOptions, check_site};
use shishin::content::frontmatter;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

fn cases(n: u32) -> ProptestConfig {
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------- front matter

/// A scalar that YAML reads back as the same string: JSON string syntax is valid YAML
/// double-quoted syntax.
fn yaml_str(s: &str) -> String {
    serde_json::to_string(s).unwrap()
}

/// Any text (including `---` lines, tabs, BOMs, CRLF and YAML punctuation) around a front
/// matter-like shape.
fn front_matter_like() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("---\n".to_string()),
        Just("\u{feff}".to_string()),
        Just("\r\n".to_string()),
        Just("title: ".to_string()),
        Just("weight: ".to_string()),
        Just("aliases: [".to_string()),
        Just("id: mic-3.2.1\n".to_string()),
        Just("&a ".to_string()),
        Just("*a".to_string()),
        Just("- ".to_string()),
        Just(": ".to_string()),
        Just("\t".to_string()),
        "[a-z:{}\\[\\],#&*!|>'\"%@`-]{0,8}",
        "\\PC{0,12}",
        any::<String>(),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn front_matter_parse_never_panics_and_points_into_the_file(text in front_matter_like()) {
        let started = Instant::now();
        let result = frontmatter::parse(Path::new("content/x.md"), &text);
        prop_assert!(started.elapsed() < Duration::from_secs(1), "parse took {:?}", started.elapsed());
        if let Err(d) = result {
            let lines = text.split('\n').count();
            prop_assert!(d.line >= 1 && d.line <= lines + 1, "line {} outside a {}-line file: {}", d.line, lines, d.message);
            prop_assert!(!d.message.is_empty());
        }
    }

    #[test]
    fn front_matter_round_trips_arbitrary_values(
        title in "\\PC*".prop_filter("non-blank", |t| !t.trim().is_empty()),
        number in proptest::option::of("[0-9]{1,2}(\\.[0-9]{1,2}){0,3}"),
        weight in proptest::option::of(any::<i64>()),
        tags in prop::collection::vec("\\PC{1,10}", 0..4),
        body in "\\PC{0,80}",
        crlf in any::<bool>(),
    ) {
        let mut yaml = format!("title: {}\n", yaml_str(&title));
        if let Some(n) = &number { yaml += &format!("number: {}\n", yaml_str(n)); }
        if let Some(w) = weight { yaml += &format!("weight: {w}\n"); }
        yaml += &format!("tags: [{}]\n", tags.iter().map(|t| yaml_str(t)).collect::<Vec<_>>().join(", "));
        let mut text = format!("---\n{yaml}---\n{body}");
        if crlf { text = text.replace('\n', "\r\n"); }
        let (front, split, offsets) = frontmatter::parse(Path::new("content/x.md"), &text)
            .map_err(|d| TestCaseError::fail(format!("{d}\n---\n{text}")))?;
        prop_assert_eq!(&front.title, &title);
        prop_assert_eq!(&front.number, &number);
        prop_assert_eq!(front.weight, weight);
        prop_assert_eq!(&front.tags, &tags);
        let expected_body = if crlf { body.replace('\n', "\r\n") } else { body.clone() };
        prop_assert_eq!(split.body, expected_body.as_str());
        prop_assert!(text[offsets["title"]..].starts_with("title:"));
    }

    #[test]
    fn unknown_and_duplicate_keys_are_errors_on_their_line(key in "[a-z]{1,10}", lines_before in 0usize..5) {
        let known = ["title", "number", "id", "weight", "aliases", "confidence", "draft", "updated", "sources", "tags", "status", "layout"];
        let pad = (0..lines_before).map(|i| format!("# comment {i}\n")).collect::<String>();
        let dup = format!("---\ntitle: a\n{pad}title: b\n---\n");
        let d = frontmatter::parse(Path::new("x.md"), &dup).err().expect("duplicate key accepted");
        prop_assert_eq!(d.line, 3 + lines_before, "{}", d.message);
        if !known.contains(&key.as_str()) {
            let text = format!("---\ntitle: a\n{pad}{key}: 1\n---\n");
            let d = frontmatter::parse(Path::new("x.md"), &text).err().expect("unknown key accepted");
            prop_assert_eq!(d.line, 3 + lines_before, "{}", d.message);
            prop_assert!(d.message.contains(&key), "{}", d.message);
        }
    }
}

// ---------------------------------------------------------------- YAML budgets

fn yaml_value(text: &str) -> Result<serde_json::Value, shishin::diagnostics::Diagnostic> {
    shishin::yaml::parse::<serde_json::Value>(Path::new("content/data/x.yaml"), text, 0)
}

/// Billion laughs: 10 levels of 10 aliases each would expand to 10^10 nodes.
fn alias_bomb(levels: usize, fanout: usize) -> String {
    let mut s = String::from("a0: &a0 [\"lol\"]\n");
    for i in 1..levels {
        let refs = vec![format!("*a{}", i - 1); fanout].join(", ");
        s += &format!("a{i}: &a{i} [{refs}]\n");
    }
    s
}

#[test]
fn yaml_alias_bomb_is_rejected_quickly() {
    for (levels, fanout) in [(10, 10), (30, 2), (6, 50)] {
        let text = alias_bomb(levels, fanout);
        let started = Instant::now();
        let err = yaml_value(&text).expect_err("an alias bomb must not be accepted");
        let took = started.elapsed();
        assert!(took < Duration::from_millis(500), "rejecting the bomb took {took:?}");
        assert!(err.help.as_deref().unwrap_or("").contains("aliases"), "{err:?}");
    }
    // A few honest aliases stay allowed.
    assert!(yaml_value("base: &b {x: 1}\nuse: [*b, *b]\n").is_ok());
}

#[test]
fn yaml_deep_nesting_is_rejected_quickly() {
    for text in ["[".repeat(100_000), "{a: ".repeat(50_000), (0..5_000).map(|i| format!("{}- x\n", "  ".repeat(i))).collect::<String>()] {
        let started = Instant::now();
        let err = yaml_value(&text).expect_err("deep nesting must not be accepted");
        assert!(started.elapsed() < Duration::from_millis(500), "took {:?}", started.elapsed());
        assert!(err.line >= 1, "{err:?}");
    }
    // Nesting within the budget is fine.
    assert!(yaml_value(&format!("{}1{}", "[".repeat(20), "]".repeat(20))).is_ok());
}

#[test]
fn oversized_yaml_is_rejected_before_parsing() {
    let text = "k: v\n".repeat(1_000_000); // 5 MB
    let started = Instant::now();
    let err = yaml_value(&text).expect_err("5 MB of YAML must be refused");
    assert!(started.elapsed() < Duration::from_millis(200));
    assert!(err.message.contains("limit"), "{err:?}");
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn yaml_parse_never_panics(text in prop_oneof![any::<String>(), front_matter_like(), "([\\[\\]{}:,&*!|>-] ?[a-z0-9]{0,3}\n?){0,64}"]) {
        let started = Instant::now();
        let _ = yaml_value(&text);
        prop_assert!(started.elapsed() < Duration::from_secs(1));
    }

    #[test]
    fn yaml_nesting_beyond_the_budget_is_an_error(depth in 33usize..3_000, flow in any::<bool>()) {
        let text = if flow { format!("{}0{}", "[".repeat(depth), "]".repeat(depth)) } else { format!("{}0", "- ".repeat(depth)) };
        prop_assert!(yaml_value(&text).is_err(), "depth {} accepted", depth);
    }
}

// ---------------------------------------------------------------- Markdown through check_site

/// A copy of the fixture site whose page content/mic/3/3.2.1.md gets arbitrary bodies.
struct Sandbox {
    _dir: tempfile::TempDir,
    root: PathBuf,
}

impl Sandbox {
    fn new() -> Sandbox {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        common::copy_dir(&common::fixture("basic"), &root);
        Sandbox { _dir: dir, root }
    }
    fn page(&self) -> PathBuf {
        self.root.join("content/mic/3/3.2.1.md")
    }
}

static SANDBOX: LazyLock<std::sync::Mutex<Sandbox>> = LazyLock::new(|| std::sync::Mutex::new(Sandbox::new()));

/// Markdown built from pieces that exercise every feature and policy of the renderer, plus
/// arbitrary text.
fn markdown_body() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "\\PC{0,30}",
        "#{1,7} [a-zあ-ん漢字 ]{0,10}( \\{#[a-z0-9.\\-]{0,8}\\})?",
        Just("[[mic-3.2.10]]".to_string()),
        Just("[[mic-3.2.10|電子署名]]".to_string()),
        Just("[[glossary#phr]]".to_string()),
        "\\[\\[[a-z0-9#.|\\- ]{0,16}\\]\\]",
        "<[a-zA-Z]{1,8}( on[a-z]{1,6}=\"x\"| style=\"color:red\"| href=\"javascript:x\")?>",
        "</?(script|style|iframe|div|span|b)>",
        Just("<!-- comment -->".to_string()),
        "\\[[a-z]{0,5}\\]\\((javascript:|JaVaScRiPt:| javascript:|vbscript:|data:text/html,|https://example.org/|/|#|mailto:|\\.\\./)[a-z0-9]{0,6}\\)",
        "!\\[[a-z]{0,4}\\]\\((javascript:|data:image/png;base64,|https://example.org/|/)[a-z]{0,6}\\)",
        "<(javascript|https|mailto):[a-z@.]{0,8}>",
        "```(rust|yaml|sh|html|nonexistent)?\n\\PC{0,30}\n```",
        "    [a-z<>&\"]{0,12}",
        "\\| [a-z]{0,3} \\| [あ-ん]{0,3} \\|\n\\|---\\|:--:\\|\n\\| \\PC{0,6} \\| x \\|",
        "(> ){1,3}\\PC{0,12}",
        "(- |\\* |1\\. )(\\[[ xX]\\] )?\\PC{0,12}",
        "\\[\\^[a-z0-9]{1,3}\\]",
        "\\[\\^[a-z0-9]{1,3}\\]: \\PC{0,10}",
        "(\\*\\*|__|~~|`|\\*|_)\\PC{0,8}(\\*\\*|__|~~|`|\\*|_)?",
        "&(amp|lt|#x3C|#60|nbsp|bogus);",
        Just("---".to_string()),
        Just("\\".to_string()),
    ];
    prop::collection::vec(piece, 0..16).prop_map(|v| v.join("\n"))
}

static OUTPUT_TAG: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<(/?)([a-zA-Z][a-zA-Z0-9]*)([^>]*)>").unwrap());
static URL_ATTR: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"\s(href|src)="([^"]*)""#).unwrap());
static ATTR_NAME: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"\s([a-zA-Z_:][a-zA-Z0-9_.:-]*)(?:=("[^"]*"|'[^']*'|\S+))?"#).unwrap());

/// Tags the renderer itself emits (Markdown constructs, highlighting, footnotes, anchors).
const ALLOWED_TAGS: &[&str] = &[
    "p", "h1", "h2", "h3", "h4", "h5", "h6", "a", "em", "strong", "del", "code", "pre", "span", "ul", "ol", "li", "table", "thead", "tbody",
    "tr", "th", "td", "blockquote", "hr", "br", "input", "sup", "div", "section", "img", "dl", "dt", "dd",
];

fn check_html_policy(html: &str) -> Result<(), String> {
    for t in OUTPUT_TAG.captures_iter(html) {
        let name = t[2].to_ascii_lowercase();
        if !ALLOWED_TAGS.contains(&name.as_str()) {
            return Err(format!("unexpected element <{name}> in output"));
        }
        for a in ATTR_NAME.captures_iter(&t[3]) {
            let attr = a[1].to_ascii_lowercase();
            if attr.starts_with("on") || attr == "style" || attr == "srcdoc" || attr == "formaction" {
                return Err(format!("attribute `{attr}` on <{name}> in output"));
            }
        }
        for u in URL_ATTR.captures_iter(&t[3]) {
            let url: String = u[2].replace("&amp;", "&").chars().filter(|c| !c.is_whitespace() && !c.is_control()).collect::<String>().to_lowercase();
            let url = url.replace("&#58;", ":").replace("&#x3a;", ":");
            if url.starts_with("javascript:") || url.starts_with("vbscript:") || url.starts_with("data:text") {
                return Err(format!("{}=\"{}\" in output", &u[1], &u[2]));
            }
        }
    }
    Ok(())
}

#[test]
fn html_policy_checker_catches_what_it_claims_to() {
    assert!(check_html_policy("<p>ok <a href=\"/x/\">x</a></p>").is_ok());
    assert!(check_html_policy("<script>x</script>").is_err());
    assert!(check_html_policy("<p onclick=\"x\">").is_err());
    assert!(check_html_policy("<span style=\"color:red\">").is_err());
    assert!(check_html_policy("<a href=\"java\tscript:x\">").is_err());
    assert!(check_html_policy("<img src=\"data:text/html,x\">").is_err());
}

proptest! {
    #![proptest_config(cases(256))]

    #[test]
    fn markdown_pages_build_or_fail_cleanly_and_output_obeys_the_html_policy(body in markdown_body()) {
        let sandbox = SANDBOX.lock().unwrap_or_else(|e| e.into_inner());
        let text = format!("---\ntitle: 組織的安全管理対策\nnumber: \"3.2.1\"\nid: mic-3.2.1\n---\n{body}\n");
        std::fs::write(sandbox.page(), &text).unwrap();
        let started = Instant::now();
        let result = check_site(&BuildOptions::new(&sandbox.root));
        let took = started.elapsed();
        prop_assert!(took < Duration::from_secs(3), "check_site took {:?}", took);
        match result {
            Ok((site, rendered)) => {
                let index = site.pages.iter().position(|p| p.id() == "mic-3.2.1").expect("page is in the site");
                let html = &rendered[index].html;
                check_html_policy(html).map_err(|e| TestCaseError::fail(format!("{e}\n--- input:\n{body}\n--- output:\n{html}")))?;
                for h in &rendered[index].toc {
                    prop_assert!(html.contains(&format!("id=\"{}\"", shishin::html::escape_html(&h.anchor))), "TOC anchor `{}` has no heading id", h.anchor);
                }
            }
            Err(diags) => {
                prop_assert!(!diags.is_empty());
                let lines = text.split('\n').count();
                for d in &diags.0 {
                    if d.file.ends_with("3.2.1.md") {
                        prop_assert!(d.line >= 1 && d.line <= lines, "line {} outside the {}-line page: {}", d.line, lines, d.message);
                        prop_assert!(d.help.is_some() || !d.message.is_empty());
                    }
                }
            }
        }
    }
}

#[test]
fn a_large_page_renders_in_bounded_time() {
    // 2,000 headings and 2,000 cross-references in one page: no quadratic blow-up.
    let sandbox = SANDBOX.lock().unwrap_or_else(|e| e.into_inner());
    let body: String = (0..2_000).map(|i| format!("## 見出し{i}\n\n本文 [[mic-3.2.10]] と **強調** `code` {i}。\n\n")).collect();
    std::fs::write(sandbox.page(), format!("---\ntitle: 組織的安全管理対策\nid: mic-3.2.1\nnumber: \"3.2.1\"\n---\n{body}")).unwrap();
    let started = Instant::now();
    let (site, rendered) = check_site(&BuildOptions::new(&sandbox.root)).unwrap_or_else(|d| panic!("{d}"));
    assert!(started.elapsed() < Duration::from_secs(10), "took {:?}", started.elapsed());
    let index = site.pages.iter().position(|p| p.id() == "mic-3.2.1").unwrap();
    assert_eq!(rendered[index].toc.len(), 2_000);
}
