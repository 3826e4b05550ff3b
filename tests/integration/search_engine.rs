//! Search on small fixture pages (`tests/fixtures/search-docs.json`): clause numbers, deep links,
//! synonyms, unigrams, phrases, hostile input, the static index files (and what a first query fetches on pages full of frequent words), the CLI/API output, the
//! search page template, the pin between the Rust analyser and the browser tokeniser, and the
//! CLI's engine cache in `<root>/.shishin/`; and, on the shipped site, that the successor's pages
//! (prov11) are found while MIC keeps the clause numbers.

use crate::common;

use proptest::prelude::*;
use serde_json::{Value, json};
use shishin::search::clause::{NoClauses, canonical_number};
use shishin::search::cli::{run_query, search_value};
use shishin::search::normalize::{normalize, normalize_with_map};
use shishin::search::query::{self, MAX_QUERY_CHARS, MAX_QUERY_TERMS, MIN_MATCH_RATIO, QueryError, WORD_MATCH_RATIO};
use shishin::search::static_index::{Layout, fnv1a, write_static, write_static_with};
use shishin::search::{Analyzer, Engine, SearchDoc, TextSection, bigram};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;
use std::time::{Duration, Instant};

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

fn docs() -> Vec<SearchDoc> {
    let text = std::fs::read_to_string(root().join("tests/fixtures/search-docs.json")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn analyzer() -> &'static Analyzer {
    static A: OnceLock<Analyzer> = OnceLock::new();
    A.get_or_init(|| Analyzer::load(&root().join("search-index")).unwrap())
}

fn engine() -> &'static Engine {
    static E: OnceLock<Engine> = OnceLock::new();
    E.get_or_init(|| Engine::build(&docs(), analyzer()).unwrap())
}

fn ids(query: &str) -> Vec<String> {
    engine().search(query, 10).unwrap().into_iter().map(|h| h.id).collect()
}

#[test]
fn clause_numbers_rank_that_clause_first_mic_before_others() {
    let all = ["mic-3.2.1", "mhlw5-3.2.1", "meti2-3.2.1"];
    for q in ["3.2.1", "３．２．１", "3-2-1", "3.2.1."] {
        assert_eq!(ids(q), all, "{q}");
    }
    assert_eq!(ids("mhlw5 3.2.1"), ["mhlw5-3.2.1"]);
    assert_eq!(ids("MHLW5-6.12"), ["mhlw5-6.12"]);
    assert_eq!(ids("mhlw5 6.12"), ["mhlw5-6.12"]);
    // a bare clause lists its subtree after it, in corpus order
    assert_eq!(ids("3.2"), ["mic-3.2", "mic-3.2.1", "mic-3.2.3", "mhlw5-3.2.1", "meti2-3.2.1"]);
    // a clause number with words: the clause, then text hits
    let mixed = ids("3.2.3 運用管理規程");
    assert_eq!(mixed[0], "mic-3.2.3");
    assert_eq!(mixed[1], "mic-3.2.1");
    // page ids
    assert_eq!(ids("mic-annex-sla")[0], "mic-annex-sla");
    // a number no page has is ordinary text
    assert!(ids("2018-07").is_empty());
    assert_eq!(canonical_number("第3章").as_deref(), Some("3"));
}

#[test]
fn one_result_per_page_deep_linked_to_the_best_section() {
    let hits = engine().search("暗号化", 10).unwrap();
    assert_eq!(hits[0].id, "mic-3.2.3");
    assert_eq!(hits[0].url, "/mic/3.2.3/#暗号化");
    assert_eq!(hits[0].section.as_deref(), Some("暗号化"));
    let (a, b) = hits[0].highlights[0];
    assert_eq!(&hits[0].snippet[a..b], "暗号化");
    let mut seen: Vec<&str> = hits.iter().map(|h| h.id.as_str()).collect();
    seen.dedup();
    assert_eq!(seen.len(), hits.len(), "one hit per page");
    // the intro (no anchor) links to the page itself
    let hits = engine().search("安全管理 体制", 10).unwrap();
    assert_eq!(hits[0].id, "mic-3.2.1");
    assert_eq!(hits[0].url, "/mic/3.2.1/");
    // whitespace in section text is collapsed for snippets
    let hits = engine().search("守秘義務", 10).unwrap();
    assert!(hits[0].snippet.contains("周知する。 守秘義務 契約"), "{}", hits[0].snippet);
}

#[test]
fn synonyms_width_and_long_vowels_match() {
    assert_eq!(ids("多要素認証"), ["mic-3.2.3"]);
    assert_eq!(ids("サービスレベル合意")[0], "mic-annex-sla");
    assert_eq!(ids("ｓｌａ")[0], "mic-annex-sla");
    let hits = engine().search("サーバー", 10).unwrap();
    assert_eq!(hits[0].id, "mic-3.2.3");
    let (a, b) = hits[0].highlights[0];
    assert_eq!(&hits[0].snippet[a..b], "ｻｰﾊﾞｰ");
    // the synonym that matched is highlighted in the page's own wording
    let hits = engine().search("多要素認証", 10).unwrap();
    let (a, b) = hits[0].highlights[0];
    assert_eq!(&hits[0].snippet[a..b], "二要素認証");
}

#[test]
fn single_characters_and_compound_parts_match() {
    let found = ids("鍵");
    assert!(found.contains(&"glossary".to_string()) && found.contains(&"mic-3.2.3".to_string()), "{found:?}");
    // 暗号 matches inside 暗号化; an unknown word matches through bigrams
    assert_eq!(ids("暗号")[0], "mic-3.2.3");
    assert_eq!(ids("稼働率"), ["mic-annex-sla"]);
}

#[test]
fn quoted_phrases_need_adjacent_tokens() {
    assert_eq!(ids("\"情報を守る\""), ["mic-3.2.3"]);
    assert!(ids("\"守る情報\"").is_empty());
    assert_eq!(ids("守る 情報")[0], "mic-3.2.3");
    assert_eq!(ids("“鍵”"), ids("鍵"));
}

#[test]
fn hostile_inputs_give_errors_or_nothing() {
    let e = engine();
    assert_eq!(e.search(&"あ".repeat(10 * 1024), 10).unwrap_err(), QueryError::TooLong { max: MAX_QUERY_CHARS });
    assert_eq!(e.search(&"x".repeat(10 * 1024), 10).unwrap_err(), QueryError::TooLong { max: MAX_QUERY_CHARS });
    assert_eq!(e.search("", 10).unwrap_err(), QueryError::Empty);
    assert_eq!(e.search("\u{0}\u{1}\u{7f}", 10).unwrap_err(), QueryError::Empty);
    assert_eq!(e.search(&"語 ".repeat(40), 10).unwrap_err(), QueryError::TooManyTerms { max: MAX_QUERY_TERMS });
    for q in ["- *", "、。！？", "\"", "\"\"", "\"\"\"", "***", "(((", "\\", "AND OR NOT", "title:暗号 OR body:*"] {
        let hits = e.search(q, 10).unwrap_or_else(|err| panic!("{q:?}: {err}"));
        assert!(hits.len() <= 10, "{q:?}");
    }
    assert!(e.search("- *", 10).unwrap().is_empty());
    assert_eq!(e.search("\"暗号化", 10).unwrap()[0].id, "mic-3.2.3");
    assert_eq!(e.search("暗号化\u{0}\u{1b}[0m", 10).unwrap()[0].id, "mic-3.2.3");
    assert!(e.search("暗号化", 0).unwrap().is_empty());
    assert!(QueryError::TooManyTerms { max: 32 }.to_string().contains("32"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
    #[test]
    fn any_input_is_answered_without_panicking_in_bounded_time(q in "\\PC{0,300}") {
        let started = Instant::now();
        let answer = engine().search(&q, 5);
        prop_assert!(started.elapsed() < TIME_BOUND, "{:?} took {:?}", q, started.elapsed());
        match answer {
            Ok(hits) => for h in hits {
                for (a, b) in h.highlights {
                    prop_assert!(a < b && b <= h.snippet.len() && h.snippet.is_char_boundary(a) && h.snippet.is_char_boundary(b));
                }
            },
            Err(e) => prop_assert!(!e.to_string().is_empty()),
        }
    }
}

/// Generous bound per query or per analysed string in a debug build (a slow path, e.g. quadratic
/// work on a long run of one character, takes seconds there).
const TIME_BOUND: Duration = Duration::from_secs(1);

/// Text the analyser meets in the wild plus the awkward cases: combining marks (also stacked on
/// nothing), half-width kana with voiced marks, full-width digits, katakana with long-vowel
/// marks, Hangul jamo, and long runs of one character.
fn awkward_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "\\PC{0,20}",
        "[ァ-ヺー・]{1,12}",
        "[０-９．Ａ-Ｚａ-ｚ　]{1,10}",
        "[ｦ-ﾟ]{1,10}",
        "[a-zA-Zİ\u{0300}-\u{036F}\u{3099}\u{309A}]{1,10}",
        "[\u{1100}-\u{11FF}]{1,6}",
        (any::<char>(), 1usize..3000).prop_map(|(c, n)| c.to_string().repeat(n)),
    ];
    prop::collection::vec(piece, 0..6).prop_map(|v| v.concat())
}

/// Whether `c` is full-width ASCII (Ａ, ０ …), which NFKC always folds.
fn full_width_ascii(c: char) -> bool {
    ('\u{FF01}'..='\u{FF5E}').contains(&c)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
    /// The analyser never panics, answers in bounded time, and keeps its invariants: the map back
    /// to the original covers every normalised character in order, normalising twice changes
    /// nothing, width and case are folded, and every token is a piece of the normalised text.
    #[test]
    fn analyser_handles_any_text_in_bounded_time(text in awkward_text()) {
        let started = Instant::now();
        let n = normalize_with_map(&text);
        let terms = analyzer().field_terms(&[text.as_str()], true);
        let morphemes = analyzer().morphemes(&n.text);
        prop_assert!(started.elapsed() < TIME_BOUND, "{} chars took {:?}", text.chars().count(), started.elapsed());

        let original = text.chars().count();
        prop_assert_eq!(n.chars.len(), n.origin.len());
        prop_assert_eq!(n.chars.iter().collect::<String>(), n.text.clone());
        for pair in n.origin.windows(2) {
            prop_assert!(pair[0].0 <= pair[1].0, "origins go forward: {:?}", n.origin);
        }
        for &(a, b) in &n.origin {
            prop_assert!(a < b && b <= original, "origin {a}..{b} of {original} chars");
        }
        // Idempotent up to canonical equivalence and long-vowel folding: lowercasing İ yields
        // i + U+0307, which can land out of canonical order before a mark of lower class
        // (İ + U+0316); a run ending in ーー loses one ー per pass (アイウーー → アイウー → アイウ).
        let canonical = |s: &str| s.nfd().filter(|&c| c != 'ー').collect::<String>();
        prop_assert_eq!(canonical(&normalize(&n.text)), canonical(&n.text), "normalize is idempotent");
        prop_assert!(!n.text.chars().any(|c| full_width_ascii(c) || c.is_ascii_uppercase()), "{:?}", n.text);

        let chars: Vec<char> = n.text.chars().collect();
        for t in bigram::tokenize(&chars) {
            let span: String = chars[t.start..t.end].iter().collect();
            prop_assert!(t.start < t.end && t.end <= chars.len() && !t.text.is_empty() && span.starts_with(&t.text), "{:?} in {:?}", t.text, n.text);
        }
        for (term, _) in &terms.bigram {
            let piece = term.strip_prefix("u:").unwrap_or(term);
            prop_assert!(n.text.contains(piece) || analyzer().synonyms().expansions(&n.text).iter().any(|e| e.contains(piece)), "{term:?} from {:?}", n.text);
        }
        for m in &morphemes {
            prop_assert!(!m.text.trim().is_empty(), "empty morpheme from {:?}", n.text);
        }
    }
}

fn static_files(docs: &[SearchDoc]) -> (String, BTreeMap<String, Vec<u8>>) {
    static_files_with(docs, &Layout::default())
}

fn static_files_with(docs: &[SearchDoc], layout: &Layout) -> (String, BTreeMap<String, Vec<u8>>) {
    let mut files = BTreeMap::new();
    let url = write_static_with(docs, analyzer(), layout, &mut |path, bytes| {
        files.insert(path, bytes);
    })
    .unwrap();
    (url, files)
}

/// An index file's JSON: meta.json as it is, every other file inflated (they are stored gzip).
/// Writes a static index's files (paths relative to the output root) under `dir`.
fn write_files(dir: &Path, files: &BTreeMap<String, Vec<u8>>) {
    for (path, bytes) in files {
        let full = dir.join(path);
        std::fs::create_dir_all(full.parent().unwrap()).unwrap();
        std::fs::write(full, bytes).unwrap();
    }
}

fn json_file(files: &BTreeMap<String, Vec<u8>>, path: &str) -> Value {
    let bytes = files.get(path).unwrap_or_else(|| panic!("{path} is written"));
    if path.ends_with("/meta.json") {
        return serde_json::from_slice(bytes).unwrap();
    }
    serde_json::from_slice(&inflated(bytes)).unwrap()
}

/// The term directory of a written index, from every `t/` shard: term → entry, with the index's
/// folder (`search/<hash>/`).
fn term_directory(files: &BTreeMap<String, Vec<u8>>) -> (String, BTreeMap<String, Value>) {
    let mut dir = String::new();
    let mut terms = BTreeMap::new();
    for path in files.keys().filter(|p| p.contains("/t/")) {
        dir = path[..path.find("/t/").unwrap() + 1].to_string();
        let parts = json_file(files, &format!("{dir}meta.json"))["shards"]["parts"].as_u64().unwrap() as usize;
        for part in shard_parts(&files[path], parts).into_iter().flatten() {
            terms.extend(part.as_object().unwrap().clone());
        }
    }
    (dir, terms)
}

/// A term directory shard file's `parts` parts (static_index.rs `write_term_shards`): a header of
/// two-byte little-endian lengths, then the members back to back; `None` for an empty part.
/// Asserts that the lengths account for every byte.
fn shard_parts(bytes: &[u8], parts: usize) -> Vec<Option<Value>> {
    let lengths: Vec<usize> = (0..parts).map(|i| u16::from_le_bytes([bytes[2 * i], bytes[2 * i + 1]]) as usize).collect();
    assert_eq!(2 * parts + lengths.iter().sum::<usize>(), bytes.len(), "a shard's header lengths add up to its file");
    let mut at = 2 * parts;
    lengths
        .into_iter()
        .map(|len| {
            at += len;
            (len > 0).then(|| serde_json::from_slice(&inflated(&bytes[at - len..at])).unwrap())
        })
        .collect()
}

/// The blob members a directory entry names (static_index.rs `Blobs`): each block's
/// `[blob, offset, length]` (first block first), then the fine map's when the term has one. The
/// first block's place is written out; the others follow it back to back, by their lengths.
fn entry_members(entry: &Value) -> (Vec<Vec<u64>>, Option<Vec<u64>>) {
    let n = |v: &Value| v.as_u64().unwrap();
    let Some(blocks) = entry[3].as_array().filter(|l| l.first().is_some_and(Value::is_array)) else {
        return (Vec::new(), None);
    };
    let first = blocks[0].as_array().unwrap();
    let mut members = vec![vec![n(&first[1]), n(&first[2]), n(&first[3])]];
    let lengths = blocks[1..].iter().map(|b| n(&b[1])).chain(entry.get(4).map(n));
    for len in lengths {
        let last = members.last().unwrap();
        members.push(vec![last[0], last[1] + last[2], len]);
    }
    let fine = entry.get(4).map(|_| members.pop().unwrap());
    (members, fine)
}

/// A blob member's JSON: its bytes of `b/<blob>.bin` are one gzip member.
fn blob_member(files: &BTreeMap<String, Vec<u8>>, dir: &str, at: &[u64]) -> Value {
    let blob = files.get(&format!("{dir}b/{}.bin", at[0])).unwrap_or_else(|| panic!("blob {} is written", at[0]));
    let (start, len) = (at[1] as usize, at[2] as usize);
    serde_json::from_slice(&inflated(&blob[start..start + len])).unwrap()
}

/// How tests/js/first-query.mjs lists a fetched member: `b/<blob>.bin@start-end`.
fn member_path(at: &[u64]) -> String {
    format!("b/{}.bin@{}-{}", at[0], at[1], at[1] + at[2])
}

/// An index file's or blob member's JSON bytes: every one but meta.json is raw deflate.
fn inflated(bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::DeflateDecoder::new(bytes), &mut out).unwrap();
    out
}

#[test]
fn static_index_is_content_addressed_and_complete() {
    let (url, files) = static_files(&docs());
    let (again, files_again) = static_files(&docs());
    assert_eq!((&url, &files), (&again, &files_again), "same pages, same bytes");
    let dir = url.trim_start_matches('/');
    assert!(url.starts_with("/search/") && url.ends_with('/') && dir.len() == "search/".len() + 17, "{url}");
    assert!(files.keys().all(|k| k.starts_with(dir)), "everything under {dir}");
    let meta = json_file(&files, &format!("{dir}meta.json"));
    assert_eq!(meta["count"], docs().len());
    assert_eq!(meta["corpora"], json!(["mic", "mhlw5", "meti2"]));
    // pages are numbered primary corpus (mic) first, then by corpus rank, then reading order
    assert_eq!(meta["primary"], 4);
    let ids: Vec<Value> = (0..docs().len()).map(|n| json_file(&files, &format!("{dir}d/{n}.json.deflate"))[0].clone()).collect();
    assert_eq!(ids, json!(["mic-3.2", "mic-3.2.1", "mic-3.2.3", "mic-annex-sla", "mhlw5-3.2.1", "mhlw5-6.12", "meti2-3.2.1", "glossary"]).as_array().unwrap().clone());
    for n in 0..meta["shards"]["k"].as_u64().unwrap() {
        assert!(json_file(&files, &format!("{dir}k/{n}.json.deflate")).is_object());
    }
    // every term lies in the part of its shard that its hash names, and every part is an object
    let (count, parts) = (meta["shards"]["t"].as_u64().unwrap() as u32, meta["shards"]["parts"].as_u64().unwrap() as u32);
    assert!(parts > 1, "{meta}");
    let mut terms = 0;
    for n in 0..count {
        let bytes = files.get(&format!("{dir}t/{n}.bin")).unwrap_or_else(|| panic!("shard {n} is written"));
        let found = shard_parts(bytes, parts as usize);
        assert_eq!(found.len(), parts as usize, "shard {n}: {parts} parts");
        for (i, part) in found.into_iter().enumerate() {
            for term in part.iter().flat_map(|p| p.as_object().unwrap().keys()) {
                let h = fnv1a(term);
                assert_eq!((h % count, h / count % parts), (n, i as u32), "{term:?} in shard {n} part {i}");
                terms += 1;
            }
        }
    }
    assert_eq!(terms, term_directory(&files).1.len());
    assert!(terms > 100, "{terms} terms");
    // clause keys list their pages and the pages under them; ids their page
    let keys: serde_json::Map<String, Value> = files
        .iter()
        .filter(|(p, _)| p.starts_with(&format!("{dir}k/")))
        .flat_map(|(_, b)| serde_json::from_slice::<serde_json::Map<String, Value>>(&inflated(b)).unwrap())
        .collect();
    assert_eq!(keys["c:3.2.1"], json!([[1, 4, 6], []]));
    assert_eq!(keys["c:mic:3.2"], json!([[0], [1, 2]]));
    assert_eq!(keys["i:glossary"], json!([[7]]));
    // the default layout keeps a small site's postings whole in the shards
    assert!(!files.keys().any(|k| k.starts_with(&format!("{dir}b/"))));

    let mut changed = docs();
    changed[0].sections[0].text.push_str("追記。");
    let (other, _) = static_files(&changed);
    assert_ne!(url, other, "new content, new directory");
}

#[test]
fn a_site_without_pages_has_an_empty_index() {
    let engine = Engine::build(&[], analyzer()).unwrap();
    assert!(engine.search("暗号化", 10).unwrap().is_empty());
    assert!(engine.search("3.2.1", 10).unwrap().is_empty());
    let (url, files) = static_files(&[]);
    let meta = json_file(&files, &format!("{}meta.json", url.trim_start_matches('/')));
    assert_eq!(meta["count"], 0);
    assert_eq!(meta["shards"], json!({"t": 1, "parts": 16, "k": 1}));
    // one term shard of empty parts: its header of zero lengths and nothing else
    assert_eq!(files[&format!("{}t/0.bin", url.trim_start_matches('/'))], vec![0u8; 32]);
}

#[test]
fn cli_and_api_output() {
    let v = search_value(engine(), "暗号化", 10).unwrap();
    let first = &v["hits"][0];
    for key in ["id", "title", "url", "snippet", "score"] {
        assert!(!first[key].is_null(), "{key} in {first}");
    }
    assert_eq!(first["id"], "mic-3.2.3");
    assert!(search_value(engine(), "", 10).unwrap_err().contains("empty"));
    assert!(search_value(engine(), &"長".repeat(300), 10).unwrap_err().contains("256"));
    let text = run_query(engine(), "暗号化", false, 10).unwrap();
    assert!(text.starts_with(" 1. 3.2.3 技術的安全管理策  /mic/3.2.3/#暗号化\n"), "{text}");
    assert!(text.contains("【暗号化】"), "{text}");
    let json = run_query(engine(), "3.2.1", true, 10).unwrap();
    assert_eq!(serde_json::from_str::<Value>(&json).unwrap()["hits"].as_array().unwrap().len(), 3);
}

#[test]
fn search_page_template_renders_with_the_core_theme() {
    let theme = shishin::render::theme::Theme::load(Path::new("/nonexistent"), "/guide/").unwrap();
    let mut ctx = tera::Context::new();
    ctx.insert(
        "site",
        &json!({"title": "T", "language": "ja", "search_url": "/guide/search/", "search_dir": "/guide/search/abc/", "home_url": "/guide/", "nav": []}),
    );
    let html = theme.render("search.html", &ctx).unwrap();
    assert!(html.contains(r#"<ol id="search-results" class="search-results" aria-label="検索結果" data-search-results></ol>"#));
    assert!(html.contains(r#"aria-live="polite" data-search-status"#));
    assert!(html.contains(r#"<meta name="shishin-search" content="/guide/search/abc/">"#));
    let script = format!(r#"<script type="module" src="{}search.js"></script>"#, theme.asset_dir);
    assert!(html.contains(&script), "{html}");
    assert!(!html.contains("<script>") && !html.contains("style="), "no inline script or style");
}

/// The search page's scripts ship as their committed minified copies (themes/default/min/, made
/// by scripts/minify-search.mjs from the current sources: an edited source whose copy was not
/// remade fails here); a site whose own theme changes a script ships that script without its
/// comment lines instead, never the default theme's stale minified copy.
#[test]
fn search_scripts_ship_minified_from_their_sources() {
    let theme = shishin::render::theme::Theme::load(Path::new("/nonexistent"), "/").unwrap();
    let source_len = |name: &str| std::fs::metadata(root().join("themes/default/static").join(name)).unwrap().len() as usize;
    // search.js ships as one bundle with search-core.js (one request, one gzip stream).
    for (name, bundled) in [("search.js", &["search.js", "search-core.js"][..]), ("search-core.js", &["search-core.js"][..])] {
        let copy = std::fs::read_to_string(root().join("themes/default/min").join(name)).unwrap();
        let (header, code) = copy.split_once('\n').unwrap();
        let named: Vec<&str> = header.split(' ').filter_map(|p| p.strip_prefix("static/")).collect();
        assert!(header.starts_with(&format!("// shishin minified static/{name} sha256:")) && named == bundled, "{name}: {header}");
        let shipped = String::from_utf8(theme.assets[name].clone()).unwrap();
        assert_eq!(shipped, code, "{name}: the minified copy is stale; run node scripts/minify-search.mjs");
        let sources: usize = bundled.iter().map(|n| source_len(n)).sum();
        assert!(shipped.len() < sources * 3 / 5, "{name}: {} of {sources} bytes shipped", shipped.len());
    }
    let bundle = String::from_utf8(theme.assets["search.js"].clone()).unwrap();
    assert!(!bundle.contains("search-core.js") && !bundle.contains("import"), "the shipped search.js imports nothing");
    let site_js = std::fs::read(root().join("themes/default/static/site.js")).unwrap();
    assert_eq!(theme.assets["site.js"], site_js, "other scripts ship as written");

    let site = tempfile::tempdir().unwrap();
    let own = site.path().join("themes/default/static");
    std::fs::create_dir_all(&own).unwrap();
    let edited = std::fs::read_to_string(root().join("themes/default/static/search.js")).unwrap().replace("const PAGE = 10;", "const PAGE = 20;");
    std::fs::write(own.join("search.js"), &edited).unwrap();
    let theme = shishin::render::theme::Theme::load(site.path(), "/").unwrap();
    let shipped = String::from_utf8(theme.assets["search.js"].clone()).unwrap();
    assert!(shipped.contains("const PAGE = 20;"), "the site's own search.js is shipped");
    assert!(!shipped.lines().any(|l| l.trim_start().starts_with("//")), "without its comment lines");
    let code: Vec<&str> = edited.lines().filter(|l| !l.trim_start().starts_with("//")).filter(|l| !l.trim_start().starts_with('*') && !l.trim_start().starts_with("/*")).collect();
    assert_eq!(shipped.lines().collect::<Vec<_>>(), code, "every line of code as written, in order");
}

// ---- the pin between the Rust analyser and search-core.js ----------------------------------------

/// `\u{XXXX}` escapes of tokenizer-cases.txt.
fn unescape(line: &str) -> String {
    let re = regex::Regex::new(r"\\u\{([0-9a-fA-F]+)\}").unwrap();
    re.replace_all(line, |c: &regex::Captures| char::from_u32(u32::from_str_radix(&c[1], 16).unwrap()).unwrap().to_string()).into_owned()
}

fn expected_cases() -> Value {
    let text = std::fs::read_to_string(root().join("tests/fixtures/tokenizer-cases.txt")).unwrap();
    let cases: Vec<Value> = text
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|line| {
            let input = unescape(line);
            let normalized = normalize(&input);
            let tokens: Vec<Value> = bigram::tokenize_str(&normalized).iter().map(|t| json!([t.text, t.start, t.end, t.run])).collect();
            let parsed = match query::parse(&input, &NoClauses) {
                Ok(q) => json!({"terms": q.terms, "minMatch": q.min_match, "words": q.words, "bonus": q.bonus, "phrases": q.phrases}),
                Err(QueryError::Empty) => json!({"error": "empty"}),
                Err(QueryError::TooLong { .. }) => json!({"error": "tooLong"}),
                Err(QueryError::TooManyTerms { .. }) => json!({"error": "tooManyTerms"}),
            };
            let number = canonical_number(normalized.trim());
            json!({"input": input, "normalized": normalized, "tokens": tokens, "query": parsed, "number": number})
        })
        .collect();
    json!({
        "limits": {"chars": MAX_QUERY_CHARS, "terms": MAX_QUERY_TERMS, "minMatch": MIN_MATCH_RATIO, "wordMatch": WORD_MATCH_RATIO},
        "cases": cases,
    })
}

fn node() -> Command {
    let probe = Command::new("node").arg("--version").output();
    assert!(probe.is_ok_and(|o| o.status.success()), "node is required for the browser-code tests (see README: test command)");
    Command::new("node")
}

#[test]
fn rust_analyser_and_js_tokeniser_agree() {
    let path: PathBuf = root().join("tests/fixtures/tokenizer-expected.json");
    let expected = serde_json::to_string_pretty(&expected_cases()).unwrap() + "\n";
    if std::env::var_os("SHISHIN_UPDATE_EXPECT").is_some() {
        std::fs::write(&path, &expected).unwrap();
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == expected,
        "tests/fixtures/tokenizer-expected.json is stale: the Rust analyser changed. Update search-core.js to match, \
         then rerun with SHISHIN_UPDATE_EXPECT=1"
    );
    let out = node().arg(root().join("tests/js/tokenizer.test.mjs")).output().unwrap();
    assert!(
        out.status.success(),
        "the JS tokeniser disagrees with the Rust analyser:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The browser's index-file decoder inflates members the static index writes, passes plain JSON
/// through, and rejects a corrupt member without an unhandled rejection; it finds a term in its
/// shard's part through the header and rejects a truncated header (tests/js/decode.test.mjs).
#[test]
fn browser_decoder_inflates_members_and_rejects_corrupt_ones() {
    let out = node().arg("--test").arg(root().join("tests/js/decode.test.mjs")).output().unwrap();
    assert!(
        out.status.success(),
        "tests/js/decode.test.mjs failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// The browser's search code (tests/js/static-eval.mjs) run on the static index in `index` for
/// `queries` (written as a queries file into `scratch`): its JSON output.
fn static_eval(index: &Path, queries: &[&str], scratch: &Path) -> Value {
    let yaml: String = std::iter::once("queries:\n".to_string())
        .chain(queries.iter().map(|q| format!("  - {{ q: {}, expect: [none] }}\n", serde_json::to_string(q).unwrap())))
        .collect();
    let qpath = scratch.join("queries.yaml");
    std::fs::write(&qpath, yaml).unwrap();
    let out = node().arg(root().join("tests/js/static-eval.mjs")).arg(index).arg(&qpath).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Runs the browser's search code (tests/js/static-eval.mjs) on the static index of the fixture
/// pages written with `layout`, and checks that it ranks and presents like the engine.
fn static_index_agrees_with_engine(layout: &Layout) {
    let dir = tempfile::tempdir().unwrap();
    let (url, files) = static_files_with(&docs(), layout);
    write_files(dir.path(), &files);
    let queries = [
        "暗号化", "3.2.1", "3.2", "mhlw5 6.12", "鍵", "多要素認証", "\"情報を守る\"", "サーバー", "運用管理規程 守秘義務", "安全管理",
        "\"管理\" 規程", "mic-annex-sla", "組織的安全管理対策", "体制",
    ];
    let v = static_eval(&dir.path().join(url.trim_start_matches('/')), &queries, dir.path());
    let pages = node().arg(root().join("tests/js/page-terms.mjs")).arg(dir.path().join(url.trim_start_matches('/'))).output().unwrap();
    assert!(pages.status.success(), "the browser derives other postings from a page's file:\n{}", String::from_utf8_lossy(&pages.stderr));
    for ((q, static_ids), shown) in queries.iter().zip(v["results"].as_array().unwrap()).zip(v["presented"].as_array().unwrap()) {
        let static_ids: Vec<String> = static_ids.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
        assert_eq!(static_ids, ids(q), "{q} ({layout:?})");
        // the same deep link, snippet and highlights (the browser counts characters, Rust bytes)
        for (hit, js) in engine().search(q, 3).unwrap().iter().zip(shown.as_array().unwrap()) {
            let chars: Vec<(usize, usize)> = hit
                .highlights
                .iter()
                .map(|&(a, b)| (hit.snippet[..a].chars().count(), hit.snippet[..b].chars().count()))
                .collect();
            let rust = json!({"id": hit.id, "url": hit.url, "snippet": hit.snippet, "highlights": chars});
            assert_eq!(&rust, js, "{q}");
        }
    }
}

#[test]
fn static_index_and_engine_agree_on_fixtures() {
    static_index_agrees_with_engine(&Layout::default());
}

/// Every term in blocks of a page or two: the browser must fetch blocks in impact order and stop
/// only when the fetched ones prove the ranking, and still agree with the engine.
#[test]
fn static_index_in_tiny_blocks_agrees_with_engine() {
    let layout = Layout { inline_values: 0, inline_positions: false, first_block: 6, shard_bytes: 64, shard_parts: 4, key_shard_bytes: 64, growth_percent: 150, blob_bytes: 512, fine_map_pages: 4, record_terms: 8 };
    let (_, files) = static_files_with(&docs(), &layout);
    let (dir, terms) = term_directory(&files);
    // every block and fine map is a gzip member of a blob, and the members the directory names
    // fill their blobs back to back: no byte unnamed, none named twice
    let mut members: BTreeMap<u64, Vec<(u64, u64)>> = BTreeMap::new();
    let mut blocks = 0;
    for entry in terms.values() {
        let (block_members, fine) = entry_members(entry);
        blocks += block_members.len();
        for (n, at) in block_members.iter().enumerate() {
            let block = blob_member(&files, &dir, at);
            let list = if n == 0 && block_members.len() > 1 { block[0].clone() } else { block };
            assert!(list.as_array().is_some_and(|l| l.iter().all(Value::is_u64)), "{at:?}: a flat integer list");
        }
        for at in block_members.iter().chain(fine.as_ref()) {
            members.entry(at[0]).or_default().push((at[1], at[2]));
        }
    }
    assert!(blocks > 100, "terms are cut into blocks: {blocks}");
    let blobs: Vec<&String> = files.keys().filter(|k| k.contains("/b/")).collect();
    assert!(blobs.len() > 10 && blobs.iter().all(|k| k.ends_with(".bin")), "blobs of about 512 bytes: {blobs:?}");
    assert_eq!(members.len(), blobs.len(), "every blob holds named members");
    for (blob, mut list) in members {
        list.sort();
        let mut end = 0;
        for (start, len) in list {
            assert_eq!(start, end, "blob {blob}: members back to back");
            end = start + len;
        }
        assert_eq!(end as usize, files[&format!("{dir}b/{blob}.bin")].len(), "blob {blob}: ends with its last member");
        // filled up to the limit, less than the next term's members, but the last
        if blob + 1 < blobs.len() as u64 {
            assert!(end > 256, "blob {blob}: {end} bytes of {}", layout.blob_bytes);
        }
    }
    static_index_agrees_with_engine(&layout);
}

// ---- `shishin search` keeps its engine in <root>/.shishin/ ----------------------------------------

fn cli_search(root: &Path, query: &str) -> (String, String) {
    let out = common::bin().args(["search", "--json", "--root"]).arg(root).arg(query).output().unwrap();
    assert!(out.status.success(), "shishin search {query}: {}", common::stderr(&out));
    (String::from_utf8_lossy(&out.stdout).into_owned(), common::stderr(&out))
}

/// The entries of the engine cache (one directory per key).
fn cache_entries(root: &Path) -> Vec<PathBuf> {
    let dir = root.join(".shishin/search-engine");
    let mut entries: Vec<PathBuf> = std::fs::read_dir(&dir).map(|l| l.flatten().map(|e| e.path()).collect()).unwrap_or_default();
    entries.sort();
    entries
}

#[test]
fn cli_search_reuses_its_cached_engine_until_the_content_changes() {
    let site = common::copy_site("basic");
    let root = site.path();
    let (first, note) = cli_search(root, "暗号化");
    assert!(first.contains("\"mic-3.2.1\""), "{first}");
    assert!(note.contains("indexed the site into .shishin/search-engine/"), "the first run says it indexed: {note}");
    let entries = cache_entries(root);
    assert_eq!(entries.len(), 1, "one cache entry: {entries:?}");
    assert!(entries[0].join("index/meta.json").is_file() && entries[0].join("pages.json").is_file());

    // Unchanged site: no note, same answer, and the answer comes from the cached pages (a title
    // changed in the cache shows up; the content still says 組織的安全管理対策).
    let (again, note) = cli_search(root, "暗号化");
    assert_eq!((again.as_str(), note.as_str()), (first.as_str(), ""), "second run uses the cache silently");
    let pages = entries[0].join("pages.json");
    let cached = std::fs::read_to_string(&pages).unwrap();
    assert!(cached.contains("組織的安全管理対策"));
    std::fs::write(&pages, cached.replace("組織的安全管理対策", "キャッシュから読んだ題名")).unwrap();
    let (from_cache, _) = cli_search(root, "暗号化");
    assert!(from_cache.contains("キャッシュから読んだ題名"), "{from_cache}");

    // Editing a page is a new key: the new text is found and the old entry is gone.
    let page = root.join("content/mic/3/3.2.1.md");
    let text = std::fs::read_to_string(&page).unwrap();
    std::fs::write(&page, format!("{text}\n新しく書き足したゼブラ模様の段落。\n")).unwrap();
    let (edited, note) = cli_search(root, "ゼブラ模様");
    assert!(edited.contains("\"mic-3.2.1\"") && edited.contains("組織的安全管理対策"), "{edited}");
    assert!(note.contains("indexed the site"), "{note}");
    let now = cache_entries(root);
    assert_eq!(now.len(), 1, "{now:?}");
    assert_ne!(now[0], entries[0], "a new key for new content");

    // A damaged entry is rebuilt, not a crash: garbage in the index, then in the pages file.
    for damaged in ["index/meta.json", "pages.json"] {
        std::fs::write(now[0].join(damaged), b"\x00 not what was written").unwrap();
        let (answer, note) = cli_search(root, "ゼブラ模様");
        assert_eq!(answer, edited, "after damaging {damaged}");
        assert!(note.contains("could not be read") && note.contains("rebuilt"), "{damaged}: {note}");
        let (_, quiet) = cli_search(root, "ゼブラ模様");
        assert_eq!(quiet, "", "the rebuilt entry is used again");
    }
    let segment = walkdir::WalkDir::new(now[0].join("index"))
        .into_iter()
        .flatten()
        .find(|e| e.path().extension().is_some_and(|x| x == "idx"))
        .expect("a postings file");
    let mut bytes = std::fs::read(segment.path()).unwrap();
    let mid = bytes.len() / 2;
    bytes[mid] ^= 0xff;
    std::fs::write(segment.path(), bytes).unwrap();
    let (answer, note) = cli_search(root, "ゼブラ模様");
    assert_eq!(answer, edited, "after flipping a byte of the postings");
    assert!(note.contains("could not be read"), "{note}");
}

/// A corpus where a few words are on most pages (ファイル on 90 %), like the man-page corpora
/// of bench/README.md, from a fixed seed.
fn frequent_word_docs(count: usize) -> Vec<SearchDoc> {
    const WORDS: [&str; 24] = [
        "設定", "システム", "環境", "変数", "管理", "情報", "利用者", "認証", "記録", "保存", "確認", "接続", "端末", "権限",
        "監査", "障害", "復旧", "更新", "削除", "作成", "表示", "実行", "終了", "開始",
    ];
    let mut seed: u64 = 0x5eed;
    let mut next = move |n: usize| {
        seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        ((seed >> 33) % n as u64) as usize
    };
    let words = |n: usize, next: &mut dyn FnMut(usize) -> usize| -> String {
        (0..n)
            .map(|_| if next(10) < 3 { format!("ファイル{}", WORDS[next(WORDS.len())]) } else { WORDS[next(WORDS.len())].to_string() })
            .collect::<Vec<_>>()
            .join("の")
    };
    (0..count)
        .map(|n| {
            let title = words(2 + next(2), &mut next);
            let title = if next(10) < 9 { format!("{title}とファイル") } else { title };
            let sections = (0..3)
                .map(|s| TextSection {
                    anchor: Some(format!("s{s}")),
                    heading: words(1 + next(2), &mut next),
                    text: (0..4).map(|_| words(6 + next(6), &mut next) + "を行う。").collect(),
                })
                .collect();
            SearchDoc {
                id: format!("page-{n}"),
                url: format!("/page-{n}/"),
                title,
                number: None,
                breadcrumb: vec![],
                tags: vec![],
                corpus: None,
                corpus_rank: 0,
                sections,
            }
        })
        .collect()
}

/// Multi-word queries of words that each appear on at least half of `docs` (by page text), a
/// dozen, deterministic: pairs of neighbours in frequency order, then triples.
fn frequent_multi_word_queries(docs: &[SearchDoc]) -> Vec<String> {
    let text = |d: &SearchDoc| format!("{} {}", d.title, d.sections.iter().map(|s| format!("{} {}", s.heading, s.text)).collect::<String>());
    let texts: Vec<String> = docs.iter().map(text).collect();
    let mut words: Vec<(usize, &str)> = ["設定", "システム", "環境", "変数", "管理", "情報", "利用者", "認証", "記録", "保存", "確認", "接続", "端末", "権限", "監査", "障害", "復旧", "更新", "削除", "作成", "表示", "実行", "終了", "開始", "ファイル"]
        .into_iter()
        .map(|w| (texts.iter().filter(|t| t.contains(w)).count(), w))
        .filter(|&(n, _)| n * 2 >= docs.len())
        .collect();
    words.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    let w: Vec<&str> = words.iter().map(|&(_, w)| w).collect();
    assert!(w.len() >= 8, "the corpus has enough frequent words: {words:?}");
    let mut queries: Vec<String> = (0..8).map(|i| format!("{} {}", w[i], w[(i + 1) % w.len()])).collect();
    queries.extend((0..4).map(|i| format!("{} {} {}", w[2 * i], w[2 * i + 1], w[(2 * i + 5) % w.len()])));
    queries
}

/// Pages that tie: 150 copies of one page (same title, same text) among a few that differ. The
/// impact maps bound every copy at the same value, so no bound decides between them; the browser
/// reads pages, then falls back to the term's later blocks (no positions) and reads again, and
/// must end with the engine's ranking: every page it lists scores, on the engine, as well as the
/// engine's own page at that rank, and tied pages come in reading order. (The engine's f32 sums
/// differ in the last bit between identical pages, so which copies it lists is not defined.)
#[test]
fn static_search_orders_tied_pages_like_the_engine() {
    let page = |n: usize, title: &str, text: &str| SearchDoc {
        id: format!("p{n:03}"),
        url: format!("/p{n:03}/"),
        title: title.to_string(),
        number: None,
        breadcrumb: vec![],
        tags: vec![],
        corpus: None,
        corpus_rank: 0,
        sections: vec![TextSection { anchor: None, heading: String::new(), text: text.to_string() }],
    };
    let mut docs: Vec<SearchDoc> = (0..150).map(|n| page(n, "設定の手引き", "設定ファイルを編集してから保存する。")).collect();
    docs.push(page(150, "設定ファイルの書き方", "設定ファイルの項目と設定ファイルの置き場所。"));
    docs.push(page(151, "保存の手引き", "編集した内容を保存する。設定は変えない。"));
    docs.push(page(152, "ファイルの一覧", "ファイルを並べて表示する。"));
    let engine = Engine::build(&docs, analyzer()).unwrap();
    let small = Layout { inline_values: 16, inline_positions: true, first_block: 48, shard_bytes: 512, shard_parts: 3, key_shard_bytes: 512, growth_percent: 150, blob_bytes: 4096, fine_map_pages: 1, record_terms: 64 };
    let (url, files) = static_files_with(&docs, &small);
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &files);
    let queries = ["設定ファイル", "設定", "編集 保存", "ファイル"];
    let v = static_eval(&dir.path().join(url.trim_start_matches('/')), &queries, dir.path());
    let same = |a: f32, b: f32| (a - b).abs() <= 1e-5 * a.abs().max(b.abs());
    for (q, static_ids) in queries.iter().zip(v["results"].as_array().unwrap()) {
        let all = engine.search(q, docs.len()).unwrap();
        let score: BTreeMap<&str, f32> = all.iter().map(|h| (h.id.as_str(), h.score)).collect();
        let got: Vec<&str> = static_ids.as_array().unwrap().iter().map(|s| s.as_str().unwrap()).collect();
        assert_eq!(got.len(), all.len().min(10), "{q}");
        for (rank, id) in got.iter().enumerate() {
            assert!(same(score[id], all[rank].score), "{q}: {id} at rank {} scores {} on the engine, its page there {}", rank + 1, score[id], all[rank].score);
            if let Some(next) = got.get(rank + 1) {
                assert!(score[id] > score[next] || (same(score[id], score[next]) && id < next), "{q}: {id} before {next}");
            }
        }
        assert!(got.iter().any(|id| id.starts_with("p0")), "{q}: the copies are listed");
    }
}

/// Above 2,000 pages an impact map has 12 levels instead of 31 (static_index.rs `levels_for`):
/// on such a site every map uses only those, stays within its bounds for every page
/// (tests/js/page-terms.mjs), and the browser's search settles on it.
#[test]
fn a_large_site_has_coarser_impact_maps_that_still_bound_every_page() {
    let docs = frequent_word_docs(2_100);
    let (url, files) = static_files(&docs);
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &files);
    let index = dir.path().join(url.trim_start_matches('/'));
    let checked = node().arg(root().join("tests/js/page-terms.mjs")).arg(&index).output().unwrap();
    assert!(checked.status.success(), "{}", String::from_utf8_lossy(&checked.stderr));
    let summary = String::from_utf8_lossy(&checked.stdout).to_string();
    assert!(!summary.contains(", 0 impact maps"), "{summary}");
    let fine: usize = summary.rsplit(" (").next().and_then(|p| p.split(' ').next()?.parse().ok()).unwrap_or(0);
    assert!(fine > 20, "frequent words have many pages in their maps' lowest level, so fine maps: {summary}");
    let mut maps = 0;
    let (dir, terms) = term_directory(&files);
    for (term, entry) in &terms {
        let (blocks, _) = entry_members(entry);
        if blocks.len() < 2 {
            continue;
        }
        let first = blob_member(&files, &dir, &blocks[0]);
        let levels = first[1][1].as_str().unwrap_or_else(|| panic!("{term}: a first block with an impact map"));
        maps += 1;
        assert_eq!(levels.chars().count(), docs.len(), "{term}: one level per page");
        assert!(levels.chars().all(|c| c.is_ascii_digit() || ('a'..='c').contains(&c)), "{term}: levels 0-12 only");
    }
    assert!(maps > 20, "{maps} maps");
    // blocks cost no files of their own: every term's blocks and maps share one blob here
    let blobs: Vec<usize> = files.iter().filter(|(p, _)| p.contains("/b/")).map(|(_, b)| b.len()).collect();
    assert!(blobs.len() == 1 && blobs[0] < Layout::default().blob_bytes, "one blob: {blobs:?}");
    let out = node().arg(root().join("tests/js/first-query.mjs")).arg(&index).arg("10").args(["設定ファイル", "ファイル 更新 システム"]).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
}

/// `write_static` picks the layout by the site's size (`Layout::for_pages`): a small site keeps
/// lists of up to 768 integers whole in its shards (one request per term), a large one only lists
/// of up to 128 (longer ones are blob members: fewer, fuller shards). The word ペンギン is on one
/// page in `every`: 100 of 400 pages, 53 of 2,100, a list of 4 integers a page either way.
#[test]
fn small_sites_keep_longer_lists_in_their_shards() {
    let entry = |count: usize, every: usize| -> Value {
        let mut docs = frequent_word_docs(count);
        for doc in docs.iter_mut().step_by(every) {
            doc.sections[0].text.push_str("ペンギンを見る。");
        }
        let mut files = BTreeMap::new();
        write_static(&docs, analyzer(), &mut |path, bytes| {
            files.insert(path, bytes);
        })
        .unwrap();
        term_directory(&files).1["ペン"].clone()
    };
    let small = entry(400, 4);
    assert!(entry_members(&small).0.is_empty(), "400 pages: stored whole: {small}");
    let integers = small[3].as_array().unwrap().len();
    assert!(integers > 128 && integers <= 768, "400 pages: {integers} integers");
    let large = entry(2_100, 40);
    assert_eq!(large[2], 53, "{large}");
    assert!(!entry_members(&large).0.is_empty(), "2,100 pages: 212 integers in a blob member: {large}");
}

/// A rare word beside frequent ones (issue 13's mixed queries): the rare word's pages sit deep in
/// the frequent words' lists, in their impact maps' lowest level, where a map bounds them all
/// alike. The browser fetches those terms' fine maps (static_index.rs `fine_map`) instead of
/// reading each such page, fetches fewer bytes than without fine maps, and ranks as an index of
/// whole lists does.
#[test]
fn fine_maps_spare_page_reads_for_a_rare_word_beside_frequent_ones() {
    let mut docs = frequent_word_docs(2_100);
    for (n, d) in docs.iter_mut().enumerate() {
        if n % 50 == 7 {
            d.sections[2].text.push_str("暗号鍵を更新する。");
        }
    }
    let queries = ["暗号鍵 ファイル", "暗号鍵 設定 システム", "暗号鍵 管理", "暗号鍵 情報 表示"];
    let dir = tempfile::tempdir().unwrap();
    let (url, files) = static_files(&docs);
    write_files(&dir.path().join("fine"), &files);
    let index = dir.path().join("fine").join(url.trim_start_matches('/'));
    let (plain_url, plain_files) = static_files_with(&docs, &Layout { fine_map_pages: usize::MAX, ..Layout::default() });
    write_files(&dir.path().join("plain"), &plain_files);
    let plain = dir.path().join("plain").join(plain_url.trim_start_matches('/'));
    let fine_files: Vec<String> = term_directory(&files).1.values().filter_map(|e| entry_members(e).1).map(|at| member_path(&at)).collect();
    assert!(fine_files.len() > 20, "{} fine maps", fine_files.len());
    let first_query = |index: &Path, list_files: bool| first_query_json(index, &queries, list_files);
    let fetched = first_query(&index, true);
    let fine_fetched: Vec<&str> = queries.iter().flat_map(|q| fetched[q].as_array().unwrap().iter().map(|f| f.as_str().unwrap())).filter(|f| fine_files.iter().any(|x| x == f)).collect();
    assert!(!fine_fetched.is_empty(), "no query fetched a fine map: {fetched}");
    let (with, without) = (first_query(&index, false), first_query(&plain, false));
    let total = |v: &Value| queries.iter().map(|q| v[q].as_u64().unwrap()).sum::<u64>();
    eprintln!("first-query bytes with fine maps {with}, without {without}");
    assert!(total(&with) < total(&without), "fine maps spare bytes: {with} against {without}");
    // the ranking is the one an index of whole lists with positions gives (no bound, no read)
    let whole_layout = Layout { inline_values: usize::MAX, inline_positions: true, ..Layout::default() };
    let (whole_url, whole_files) = static_files_with(&docs, &whole_layout);
    write_files(&dir.path().join("whole"), &whole_files);
    let whole = dir.path().join("whole").join(whole_url.trim_start_matches('/'));
    let ranked = |index: &Path| static_eval(index, &queries, dir.path())["results"].clone();
    let expected = ranked(&whole);
    assert!(expected.as_array().unwrap().iter().all(|r| r.as_array().unwrap().len() == 10), "{expected}");
    assert_eq!(ranked(&index), expected, "with fine maps");
    assert_eq!(ranked(&plain), expected, "without fine maps");
}

/// Page records (static_index.rs, page_records.rs): on a large site of frequent words, the
/// browser settles pages whose bound barely reaches the tenth result from their records (a range
/// at the start of the page's file) instead of reading them whole; the first queries fetch fewer
/// bytes, and the ranking is the one an index of whole lists gives.
#[test]
fn page_records_settle_near_ties_for_less_than_their_pages() {
    let docs = frequent_word_docs(2_100);
    let mut queries = frequent_multi_word_queries(&docs);
    queries.sort();
    let queries: Vec<&str> = queries.iter().map(String::as_str).collect();
    let dir = tempfile::tempdir().unwrap();
    let written = |name: &str, layout: &Layout| {
        let (url, files) = static_files_with(&docs, layout);
        write_files(&dir.path().join(name), &files);
        (dir.path().join(name).join(url.trim_start_matches('/')), files)
    };
    let (index, files) = written("records", &Layout::default());
    let (plain, plain_files) = written("plain", &Layout { record_terms: 0, ..Layout::default() });
    let slot = json_file(&files, &meta_path(&files))["record"].as_u64().unwrap();
    assert!(slot > 16, "a slot of {slot} bytes");
    assert_eq!(json_file(&plain_files, &meta_path(&plain_files))["record"], 0, "no records, no slot");
    let first_query = |index: &Path, list_files: bool| first_query_json(index, &queries, list_files);
    let fetched = first_query(&index, true);
    let paths = |q: &str| fetched[q].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect::<Vec<_>>();
    let records: usize = queries.iter().map(|q| paths(q).iter().filter(|f| f.starts_with("d/") && f.ends_with(&format!("@0-{slot}"))).count()).sum();
    assert!(records > 0, "no query read a record: {fetched}");
    // every page file is read after its slot
    assert!(queries.iter().flat_map(|q| paths(q)).filter(|f| f.starts_with("d/")).all(|f| f.ends_with(&format!("@0-{slot}")) || f.ends_with(&format!("@{slot}-"))), "{fetched}");
    let (with, without) = (first_query(&index, false), first_query(&plain, false));
    let total = |v: &Value| queries.iter().map(|q| v[q].as_u64().unwrap()).sum::<u64>();
    eprintln!("first-query bytes with page records {with} ({records} records read), without {without}");
    assert!(total(&with) < total(&without), "records spare bytes: {with} against {without}");
    let (whole, _) = written("whole", &Layout { inline_values: usize::MAX, inline_positions: true, ..Layout::default() });
    let ranked = |index: &Path| static_eval(index, &queries, dir.path())["results"].clone();
    let expected = ranked(&whole);
    assert_eq!(ranked(&index), expected, "with records");
    assert_eq!(ranked(&plain), expected, "without records");
}

/// tests/js/first-query.mjs on `index` (ten results shown): each query's bytes sent, or with
/// `list_files` the files and ranges it fetched.
fn first_query_json(index: &Path, queries: &[&str], list_files: bool) -> Value {
    let mut cmd = node();
    cmd.arg(root().join("tests/js/first-query.mjs")).arg(index).arg("10").args(queries);
    if list_files {
        cmd.env("FIRST_QUERY_FILES", "1");
    }
    let out = cmd.output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The path of a written index's meta.json.
fn meta_path(files: &BTreeMap<String, Vec<u8>>) -> String {
    files.keys().find(|p| p.ends_with("/meta.json")).unwrap().clone()
}

/// Regression guard for the static first query at scale: on pages full of frequent bigrams, what
/// the browser's own code fetches for one query (index files, bytes sent; tests/js/first-query.mjs)
/// stays near what it was: single compound words (39.6, 35.5 and 11.3 KB with index format 2;
/// 10.5, 13.5 and 9.1 KB with format 4's impact maps; 8.4, 10.0 and 6.8 KB with format 10's term
/// shards in parts) and a dozen generated multi-word queries whose every word is on half the pages
/// or more. The bounds leave about 12 % headroom over the figures measured with format 10
/// (bench/README.md, *Scale*).
#[test]
fn static_first_query_stays_small_on_frequent_words() {
    let docs = frequent_word_docs(400);
    let (url, files) = static_files(&docs);
    let dir = tempfile::tempdir().unwrap();
    write_files(dir.path(), &files);
    let mut bounds: Vec<(String, u64)> = [("設定ファイル", 9400), ("ファイルシステム", 11300), ("環境変数", 7600)].map(|(q, b)| (q.to_string(), b)).to_vec();
    let mut multi = frequent_multi_word_queries(&docs);
    multi.sort();
    let mut pinned: Vec<(String, u64)> = MULTI_WORD_BOUNDS.iter().map(|&(q, b)| (q.to_string(), b)).collect();
    pinned.sort();
    assert_eq!(multi, pinned.iter().map(|(q, _)| q.clone()).collect::<Vec<_>>(), "the generated queries are the pinned ones");
    bounds.extend(pinned);
    let queries: Vec<&str> = bounds.iter().map(|(q, _)| q.as_str()).collect();
    let out = node().arg(root().join("tests/js/first-query.mjs")).arg(dir.path().join(url.trim_start_matches('/'))).arg("10").args(&queries).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let bytes: BTreeMap<String, u64> = serde_json::from_slice(&out.stdout).unwrap();
    let blocks: usize = term_directory(&files).1.values().map(|e| entry_members(e).0.len()).sum();
    eprintln!("first-query index bytes (sent): {bytes:?}; {blocks} blocks");
    assert!(blocks > 50, "frequent terms are cut into blocks");
    for (q, most) in bounds {
        assert!(bytes[&q] <= most, "{q}: the first query fetches {} bytes of index files, more than {most}", bytes[&q]);
    }
}

/// Bytes of each generated multi-word query's first fetch, measured with format 10, plus 12 %
/// (format 3: 10.9–71.6 KB and format 4: 8.8–14.5 KB, with the same headroom).
const MULTI_WORD_BOUNDS: [(&str, u64); 12] = [
    ("システム 削除", 9300),
    ("ファイル 更新", 8900),
    ("ファイル 更新 システム", 11200),
    ("削除 権限", 7800),
    ("削除 権限 監査", 8600),
    ("変数 復旧", 7700),
    ("変数 復旧 権限", 8600),
    ("復旧 接続", 7700),
    ("接続 システム", 9300),
    ("接続 システム 設定", 10100),
    ("更新 変数", 7700),
    ("権限 管理", 7800),
];

/// Issue 18 on the shipped site through `shishin search --json`: the successor's pages are found,
/// and a clause number both guidelines have (3.2.2) still lists the MIC clause first.
#[test]
fn shipped_successor_pages_are_found_and_mic_keeps_clause_numbers() {
    let site = common::copy_shipped_site();
    let hits = |q: &str| -> Vec<Value> {
        let o = common::bin().args(["search", "--json", "--root"]).arg(site.path()).arg(q).output().unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        serde_json::from_slice::<Value>(&o.stdout).unwrap()["hits"].as_array().unwrap().clone()
    };
    let ids = |hits: &[Value]| hits.iter().map(|h| h["id"].as_str().unwrap().to_string()).collect::<Vec<_>>();
    let number = hits("3.2.2");
    assert_eq!(ids(&number)[..2], ["mic-3.2.2", "prov11-3.2.2"], "MIC first, then the successor's clause of that number");
    let words = hits("リスク対応策の設計");
    assert_eq!(words[0]["id"], "prov11-5.1.5");
    assert!(words[0]["url"].as_str().unwrap().starts_with("/prov11/5.1.5/"), "{}", words[0]);
    assert_eq!(ids(&hits("prov11 4.1")), ["prov11-4.1"]);
}
