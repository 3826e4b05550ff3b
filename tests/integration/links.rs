//! Link checker: every internal href/src/action and every #fragment in every built HTML file, every
//! sitemap.xml `<loc>`, every `_redirects` rule and every CSS `url()` must resolve to a file of the
//! build and, for fragments, to an element id in the target page. Runs on what `shishin build`
//! wrote to disk, for the shipped site (repo root) and the fixture site, whose base_url has a subpath.

use regex::Regex;
use shishin::output::OutputFiles;
use std::collections::{BTreeMap, HashSet};
use std::path::Path;
use std::process::Command;
use std::sync::LazyLock;

/// `<tag …>` start tags (the attributes are read from the whole tag).
/// Quoted values may contain `>`, so the attribute list is matched attribute by attribute.
static TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#"<([a-zA-Z][a-zA-Z0-9-]*)((?:\s+[^\s"'>/=]+(?:\s*=\s*(?:"[^"]*"|'[^']*'|[^\s"'=<>`]+))?)*)\s*/?>"#).unwrap()
});
static ENTITY: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"&(?:#(\d+)|#[xX]([0-9a-fA-F]+)|(amp|lt|gt|quot|apos));").unwrap());
/// One attribute; the leading whitespace keeps `data-href` from matching `href`.
static ATTR: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?s)\s([a-zA-Z_:][a-zA-Z0-9_.:-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+))"#).unwrap());
/// Comments, scripts and styles hold no links to check (and may contain `<` in strings).
/// `<loc>` entries of sitemap.xml.
static LOC: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"<loc>\s*([^<]*?)\s*</loc>").unwrap());
/// `url(…)` in CSS, quoted or not.
static CSS_URL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)"#).unwrap());
static SKIP: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"(?is)<!--.*?-->|<script\b[^>]*>.*?</script>|<style\b[^>]*>.*?</style>").unwrap());

const LINK_ATTRS: &[&str] = &["href", "src", "action"];

/// Character references in attribute values (tera escapes `/` as `&#x2F;`, `&` as `&amp;`).
fn unescape(s: &str) -> String {
    ENTITY
        .replace_all(s, |c: &regex::Captures| {
            let code = match (c.get(1), c.get(2), c.get(3).map(|m| m.as_str())) {
                (Some(d), _, _) => d.as_str().parse().ok(),
                (_, Some(h), _) => u32::from_str_radix(h.as_str(), 16).ok(),
                (_, _, Some("amp")) => Some('&' as u32),
                (_, _, Some("lt")) => Some('<' as u32),
                (_, _, Some("gt")) => Some('>' as u32),
                (_, _, Some("quot")) => Some('"' as u32),
                _ => Some('\'' as u32),
            };
            code.and_then(char::from_u32).map(String::from).unwrap_or_else(|| c[0].to_string())
        })
        .into_owned()
}

fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// The links (attribute name, value) and the element ids of one HTML document.
fn scan(html: &str) -> (Vec<(String, String)>, HashSet<String>) {
    let html = SKIP.replace_all(html, |c: &regex::Captures| {
        // Keep the <script src> tag itself: its src must resolve too.
        let m = c.get(0).unwrap().as_str();
        if m.starts_with("<!--") { String::new() } else { m[..m.find('>').map(|i| i + 1).unwrap_or(0)].to_string() }
    });
    let mut links = Vec::new();
    let mut ids = HashSet::new();
    for tag in TAG.captures_iter(&html) {
        let Some(attrs) = tag.get(2) else { continue };
        let tag_name = tag[1].to_ascii_lowercase();
        for a in ATTR.captures_iter(attrs.as_str()) {
            let name = a[1].to_ascii_lowercase();
            let value = unescape(a.get(2).or(a.get(3)).or(a.get(4)).map(|m| m.as_str()).unwrap_or(""));
            if name == "id" || (name == "name" && tag_name == "a") {
                ids.insert(value);
            } else if LINK_ATTRS.contains(&name.as_str()) {
                links.push((name, value));
            }
        }
    }
    (links, ids)
}

/// The links of a non-HTML file the checker reads: (what it is, value).
fn other_links(path: &str, text: &str) -> Vec<(String, String)> {
    if path == "sitemap.xml" {
        LOC.captures_iter(text).map(|c| ("loc".to_string(), unescape(&c[1]))).collect()
    } else if path == "_redirects" {
        // `FROM TO [STATUS]`: both ends must be files (the old URL keeps a static redirect page).
        let rules = text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#'));
        rules.flat_map(|l| l.split_whitespace().take(2).zip(["from", "to"]).map(|(v, k)| (k.to_string(), v.to_string())).collect::<Vec<_>>()).collect()
    } else if path.ends_with(".css") {
        CSS_URL.captures_iter(text).map(|c| ("url".to_string(), c.get(1).or(c.get(2)).or(c.get(3)).map(|m| m.as_str()).unwrap_or("").to_string())).collect()
    } else {
        Vec::new()
    }
}

/// The build file a site path (without the base path, no leading `/`) is served from.
fn resolve_file<'a>(files: &'a BTreeMap<&str, &[u8]>, rel: &str) -> Option<&'a str> {
    let candidates =
        if rel.is_empty() || rel.ends_with('/') { vec![format!("{rel}index.html")] } else { vec![rel.to_string(), format!("{rel}/index.html")] };
    candidates.into_iter().find_map(|c| files.get_key_value(c.as_str()).map(|(k, _)| *k))
}

/// Check every internal link of every HTML file in `files`. `base_url` is the site's configured
/// base URL: absolute links to it count as internal, and internal paths must start with its
/// path. Returns one line per broken link: `page: attr="value" → problem`.
pub fn check_links(files: &OutputFiles, base_url: &str) -> Vec<String> {
    let origin_end = base_url.find("://").map(|i| i + 3 + base_url[i + 3..].find('/').unwrap_or(base_url.len() - i - 3));
    let origin = origin_end.map(|e| &base_url[..e]).unwrap_or("");
    let base_path = {
        let p = origin_end.map(|e| &base_url[e..]).unwrap_or(base_url).trim_matches('/');
        if p.is_empty() { "/".to_string() } else { format!("/{p}/") }
    };
    let all: BTreeMap<&str, &[u8]> = files.iter().map(|(k, v)| (k.as_str(), v.as_slice())).collect();
    let html: BTreeMap<&str, (Vec<(String, String)>, HashSet<String>)> = all
        .iter()
        .filter(|(k, _)| k.ends_with(".html"))
        .map(|(k, v)| (*k, scan(&String::from_utf8_lossy(v))))
        .collect();
    let other: BTreeMap<&str, (Vec<(String, String)>, HashSet<String>)> = all
        .iter()
        .filter(|(k, _)| !k.ends_with(".html"))
        .map(|(k, v)| (*k, (other_links(k, &String::from_utf8_lossy(v)), HashSet::new())))
        .filter(|(_, (links, _))| !links.is_empty())
        .collect();

    let mut problems = Vec::new();
    for (page, (links, own_ids)) in html.iter().chain(&other) {
        // URL path of this file, for relative links: "mic/3.2.1/index.html" → "/base/mic/3.2.1/".
        let page_dir = format!("{base_path}{}", &page[..page.rfind('/').map(|i| i + 1).unwrap_or(0)]);
        for (attr, raw) in links {
            let report = |problem: String| format!("{page}: {attr}=\"{raw}\" → {problem}");
            let mut url = raw.trim();
            if !origin.is_empty() && url.starts_with(origin) && url[origin.len()..].starts_with('/') {
                url = &url[origin.len()..];
            } else if url.starts_with("//") || url.contains("://") || url.starts_with("mailto:") || url.starts_with("tel:") || url.starts_with("data:") {
                continue; // external
            }
            if url.starts_with("javascript:") {
                problems.push(report("javascript: URLs are not allowed (CSP blocks them)".into()));
                continue;
            }
            let (rest, fragment) = match url.split_once('#') {
                Some((r, f)) => (r, Some(percent_decode(f))),
                None => (url, None),
            };
            let path = rest.split('?').next().unwrap_or("");
            if path.is_empty() {
                // Same-page fragment (or a bare "?query").
                if let Some(f) = fragment.filter(|f| !f.is_empty())
                    && !own_ids.contains(&f)
                {
                    problems.push(report(format!("no element with id `{f}` on this page")));
                }
                continue;
            }
            let absolute = if path.starts_with('/') { percent_decode(path) } else { normalize(&format!("{page_dir}{}", percent_decode(path))) };
            let Some(rel) = absolute.strip_prefix(&base_path) else {
                problems.push(report(format!("points outside the site's base path {base_path}")));
                continue;
            };
            let Some(target) = resolve_file(&all, rel) else {
                problems.push(report(format!("no file {rel} in the build")));
                continue;
            };
            if let Some(f) = fragment.filter(|f| !f.is_empty()) {
                match html.get(target) {
                    Some((_, ids)) if ids.contains(&f) => {}
                    Some(_) => problems.push(report(format!("{target} has no element with id `{f}`"))),
                    None => problems.push(report(format!("{target} is not HTML, so #{f} cannot resolve"))),
                }
            }
        }
    }
    problems
}

/// Resolve `.` and `..` segments of an absolute URL path.
fn normalize(path: &str) -> String {
    let mut out: Vec<&str> = Vec::new();
    let segments: Vec<&str> = path.split('/').collect();
    for (i, seg) in segments.iter().enumerate() {
        match *seg {
            "" | "." if i + 1 < segments.len() => {}
            ".." => {
                out.pop();
            }
            s => out.push(s),
        }
    }
    let mut p = format!("/{}", out.join("/"));
    if path.ends_with('/') && !p.ends_with('/') {
        p.push('/');
    }
    p
}

/// `shishin build` into a temp dir, then every file it wrote, read back from disk.
fn build(root: &Path) -> (OutputFiles, String) {
    let out = tempfile::tempdir().unwrap();
    let public = out.path().join("public");
    let run = Command::new(env!("CARGO_BIN_EXE_shishin")).args(["build", "--root"]).arg(root).arg("--output").arg(&public).output().unwrap();
    assert!(run.status.success(), "{} does not build:\n{}", root.display(), String::from_utf8_lossy(&run.stderr));
    let mut files = OutputFiles::default();
    for entry in walkdir::WalkDir::new(&public).into_iter().flatten().filter(|e| e.file_type().is_file()) {
        let rel = entry.path().strip_prefix(&public).unwrap().to_string_lossy().replace('\\', "/");
        files.insert(rel, std::fs::read(entry.path()).unwrap());
    }
    (files, shishin::config::Config::load(root).unwrap().base_url)
}

fn assert_no_broken_links(root: &Path) {
    let (files, base_url) = build(root);
    let pages = files.iter().filter(|(k, _)| k.ends_with(".html")).count();
    assert!(pages > 5, "expected a real site, found {pages} HTML files");
    assert!(files.contains("sitemap.xml") && files.iter().any(|(k, _)| k.ends_with(".css")), "sitemap and CSS are checked too");
    let problems = check_links(&files, &base_url);
    assert!(problems.is_empty(), "{} broken links in {}:\n{}", problems.len(), root.display(), problems.join("\n"));
}

#[test]
fn shipped_site_has_no_broken_links() {
    assert_no_broken_links(Path::new(env!("CARGO_MANIFEST_DIR")));
}

#[test]
fn fixture_site_with_a_base_path_has_no_broken_links() {
    // tests/fixtures/basic has base_url https://example.test/guide/: every link must carry /guide/.
    assert_no_broken_links(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/basic"));
}

fn fixture(pages: &[(&str, &str)]) -> OutputFiles {
    let mut files = OutputFiles::default();
    for (path, body) in pages {
        files.insert(*path, body.as_bytes().to_vec());
    }
    files
}

#[test]
fn checker_accepts_good_links_and_reports_each_broken_one() {
    let files = fixture(&[
        (
            "index.html",
            r##"<html><head><link rel="stylesheet" href="/g/assets/ab/style.css"><link rel="canonical" href="https://ex.test/g/">
               <script src="/g/assets/ab/site.js"></script><script>var x = '<a href="/g/nope/">';</script></head>
               <body id="top"><a href="#top">top</a> <a href="/g/mic/3.2.1/#方針">ok</a> <a href="mic/3.2.1/#%E6%96%B9%E9%87%9D">relative, encoded</a>
               <a href="./mic/../mic/3.2.1/index.html">dots</a> <a href="https://example.org/x">external</a> <a href="mailto:a@b.c">mail</a>
               <a data-href="/g/ignored/">data attribute</a> <form action="/g/search/"></form> <img src="data:image/png;base64,AA" alt="">
               <!-- <a href="/g/commented-out/"> --> <a href="/g/mic/3.2.1/?q=x&amp;y=1">query</a> <a href="https://ex.test/g/mic/3.2.1/">own origin</a>
               <a href="/g/mapping/mic.csv">download</a> <a href='/g/mic/3.2.1'>no slash</a> <a title="a > b" href="&#x2F;g&#x2F;mic&#x2F;3.2.1&#x2F;#&#26041;&#37341;">entities</a></body></html>"##,
        ),
        ("mic/3.2.1/index.html", r#"<h2 id="方針">x</h2><a href="../../">up</a><a href="/g/">home</a>"#),
        ("search/index.html", "<h1>search</h1>"),
        ("assets/ab/style.css", "body{background:url(img/a.png)} i{background:url('/g/mic/3.2.1/')} b{background:url(data:image/png;base64,AA)}"),
        ("assets/ab/img/a.png", ""),
        ("assets/ab/site.js", ""),
        ("mapping/mic.csv", "a,b"),
        ("sitemap.xml", "<urlset><url><loc>https://ex.test/g/</loc></url><url><loc>https://ex.test/g/mic/3.2.1/</loc></url></urlset>"),
        ("_redirects", "/g/old/ /g/mic/3.2.1/ 301\n"),
        ("old/index.html", r#"<a href="/g/mic/3.2.1/">moved</a>"#),
    ]);
    assert_eq!(check_links(&files, "https://ex.test/g/"), Vec::<String>::new());

    let broken = fixture(&[
        (
            "index.html",
            r##"<a href="#nowhere">a</a> <a href="/g/missing/">b</a> <a href="/g/mic/3.2.1/#no-such-heading">c</a>
               <a href="/other/x/">d</a> <img src="/g/img/none.png" alt=""> <a href="/g/mapping/mic.csv#x">e</a>
               <a href="javascript:alert(1)">f</a> <a href="https://ex.test/g/gone/">g</a> <a href="../../../etc/">h</a>
               <a title="x > y" href="&#x2F;g&#x2F;gone2&#x2F;">i</a>"##,
        ),
        ("mic/3.2.1/index.html", r#"<h2 id="方針">x</h2>"#),
        ("mapping/mic.csv", "a,b"),
        ("sitemap.xml", "<urlset><url><loc>https://ex.test/g/mic/3.2.1/</loc></url><url><loc>https://ex.test/g/lost/</loc></url></urlset>"),
        ("_redirects", "/g/old/ /g/nowhere/ 301\n"),
        ("assets/ab/style.css", "a{background:url(\"missing.png\")}"),
    ]);
    let problems = check_links(&broken, "https://ex.test/g/");
    let expect = [
        "href=\"#nowhere\" → no element with id `nowhere` on this page",
        "href=\"/g/missing/\" → no file missing/ in the build",
        "href=\"/g/mic/3.2.1/#no-such-heading\" → mic/3.2.1/index.html has no element with id `no-such-heading`",
        "href=\"/other/x/\" → points outside the site's base path /g/",
        "src=\"/g/img/none.png\" → no file img/none.png in the build",
        "href=\"/g/mapping/mic.csv#x\" → mapping/mic.csv is not HTML",
        "href=\"javascript:alert(1)\" → javascript: URLs are not allowed",
        "href=\"https://ex.test/g/gone/\" → no file gone/ in the build",
        "href=\"../../../etc/\" → points outside the site's base path",
        "href=\"/g/gone2/\" → no file gone2/ in the build",
        "_redirects: from=\"/g/old/\" → no file old/ in the build",
        "_redirects: to=\"/g/nowhere/\" → no file nowhere/ in the build",
        "assets/ab/style.css: url=\"missing.png\" → no file assets/ab/missing.png in the build",
        "sitemap.xml: loc=\"https://ex.test/g/lost/\" → no file lost/ in the build",
    ];
    assert_eq!(problems.len(), expect.len(), "{problems:#?}");
    for (p, e) in problems.iter().zip(expect) {
        assert!(p.contains(e) && (p.starts_with("index.html: ") || !e.starts_with("href")), "expected `{e}` in `{p}`");
    }
}

#[test]
fn checker_handles_a_root_base_path() {
    let files = fixture(&[("index.html", r#"<a href="/a/">a</a><a href="/b/">b</a>"#), ("a/index.html", "")]);
    assert_eq!(check_links(&files, "https://ex.test"), vec!["index.html: href=\"/b/\" → no file b/ in the build".to_string()]);
    assert_eq!(check_links(&files, "/"), vec!["index.html: href=\"/b/\" → no file b/ in the build".to_string()]);
}
