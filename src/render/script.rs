//! The search page's scripts as shipped: `search.js` and `search-core.js` are documented at
//! length (the comments explain the ranking proofs), and every first query downloads them. The
//! theme carries minified copies (`min/`, made by `scripts/minify-search.mjs` with terser, a
//! quarter fewer gzip bytes than the sources without comments); each names the SHA-256 of the
//! source it was made from, and the build ships it only while that matches, so an edited source
//! or a site's own copy of a script is never shadowed by a stale minified one. Without a matching
//! copy the asset pipeline drops whole comment lines from these two files: a line-based cut is
//! safe there because neither has a multi-line string or template literal (`strip_comment_lines`
//! refuses a file where a cut would be unsafe and leaves it whole).

use sha2::{Digest, Sha256};

/// The scripts whose comment lines are dropped (paths under the theme's static/ folder).
pub const STRIPPED: [&str; 2] = ["search.js", "search-core.js"];

/// `text` without its lines that are only a comment (`// …`, or a `/* … */` block that starts
/// and ends a line). Comments after code stay. `None` when the file has a backtick string that
/// spans lines (a cut could reach into it) or an unclosed block comment.
pub fn strip_comment_lines(text: &str) -> Option<String> {
    if text.lines().any(|line| line.matches('`').count() % 2 == 1) {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    let mut in_block = false;
    for line in text.lines() {
        let t = line.trim();
        if in_block {
            if t.contains("*/") {
                if !t.ends_with("*/") {
                    return None; // code after the block's end on the same line
                }
                in_block = false;
            }
            continue;
        }
        if t.starts_with("//") {
            continue;
        }
        if t.starts_with("/*") {
            let rest = &t[2..];
            match rest.find("*/") {
                Some(end) if end + 2 == rest.len() => {}
                Some(_) => return None,
                None => in_block = true,
            }
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    if in_block { None } else { Some(out) }
}

/// Where a `STRIPPED` script's minified copy lives in the theme (`min/search.js`).
pub fn minified_path(rel: &str) -> Option<String> {
    STRIPPED.contains(&rel).then(|| format!("min/{rel}"))
}

/// The code of a minified copy made from exactly the current sources: its first line must be
/// `// shishin minified static/<rel> sha256:<hex> [static/<other> sha256:<hex>]…`
/// (scripts/minify-search.mjs `header`), naming `rel` first and then every other source bundled
/// into it, each with the SHA-256 of the bytes `source_of` gives for it now.
fn minified_code<'a>(rel: &str, source_of: &dyn Fn(&str) -> Option<&'a [u8]>, minified: &'a [u8]) -> Option<&'a [u8]> {
    let end = minified.iter().position(|&b| b == b'\n')?;
    let header = std::str::from_utf8(&minified[..end]).ok()?.strip_prefix("// shishin minified ")?;
    let parts: Vec<&str> = header.split(' ').collect();
    if parts.len() % 2 != 0 || parts.first() != Some(&format!("static/{rel}").as_str()) {
        return None;
    }
    let current = parts.chunks(2).all(|pair| {
        let source = pair[0].strip_prefix("static/").and_then(source_of);
        source.is_some_and(|bytes| pair[1] == format!("sha256:{}", hex::encode(Sha256::digest(bytes))))
    });
    current.then(|| &minified[end + 1..])
}

/// The bytes to ship for the static file `rel`: a `STRIPPED` script's minified copy when it was
/// made from the current sources (`source_of` gives a static/ file's bytes by name; `bytes` are
/// `rel`'s), else the script without its comment lines when that is safe; every other file as it
/// is.
pub fn shipped<'a>(rel: &str, bytes: Vec<u8>, minified: Option<&'a [u8]>, source_of: &dyn Fn(&str) -> Option<&'a [u8]>) -> Vec<u8> {
    if !STRIPPED.contains(&rel) {
        return bytes;
    }
    if let Some(code) = minified.and_then(|m| minified_code(rel, source_of, m)) {
        return code.to_vec();
    }
    match std::str::from_utf8(&bytes).ok().and_then(strip_comment_lines) {
        Some(text) => text.into_bytes(),
        None => bytes,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn drops_comment_lines_only() {
        let js = "// head\nconst a = 1; // kept\n/**\n * doc\n */\nfunction f() {\n  /* one */\n  return '//x';\n}\n";
        assert_eq!(strip_comment_lines(js).unwrap(), "const a = 1; // kept\nfunction f() {\n  return '//x';\n}\n");
    }

    fn sha(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    #[test]
    fn ships_a_minified_copy_only_when_made_from_the_source() {
        let source = b"// doc\nexport const answer = 42;\n".to_vec();
        let none = |_: &str| None;
        let own = |name: &str| (name == "search.js").then_some(b"// doc\nexport const answer = 42;\n".as_slice());
        let fresh = format!("// shishin minified static/search.js sha256:{}\nexport const a=42;\n", sha(&source));
        assert_eq!(shipped("search.js", source.clone(), Some(fresh.as_bytes()), &own), b"export const a=42;\n");
        let stale = format!("// shishin minified static/search.js sha256:{}\nexport const a=41;\n", "0".repeat(64));
        assert_eq!(shipped("search.js", source.clone(), Some(stale.as_bytes()), &own), b"export const answer = 42;\n", "a stale copy is not shipped");
        let other = format!("// shishin minified static/search-core.js sha256:{}\nexport const a=42;\n", sha(&source));
        assert_eq!(shipped("search.js", source.clone(), Some(other.as_bytes()), &own), b"export const answer = 42;\n", "nor one of another script");
        assert_eq!(shipped("search.js", source.clone(), Some(fresh.as_bytes()), &none), b"export const answer = 42;\n", "nor one whose source is missing");
        assert_eq!(shipped("search.js", source.clone(), None, &own), b"export const answer = 42;\n");
        assert_eq!(shipped("site.js", source.clone(), Some(fresh.as_bytes()), &own), source, "other scripts ship as written");
    }

    #[test]
    fn ships_a_bundle_only_while_every_source_in_it_is_current() {
        let page = b"import { f } from './search-core.js';\nf();\n";
        let core = b"export function f() {}\n";
        let edited = b"export function f() { return 1; }\n";
        let bundle = format!("// shishin minified static/search.js sha256:{} static/search-core.js sha256:{}\nfunction f(){{}}f();\n", sha(page), sha(core));
        let sources = |core: &'static [u8]| move |name: &str| match name {
            "search.js" => Some(page.as_slice()),
            "search-core.js" => Some(core),
            _ => None,
        };
        assert_eq!(shipped("search.js", page.to_vec(), Some(bundle.as_bytes()), &sources(core)), b"function f(){}f();\n");
        let own = shipped("search.js", page.to_vec(), Some(bundle.as_bytes()), &sources(edited));
        assert_eq!(own, page.to_vec(), "an edited search-core.js is not shadowed by the bundle of the old one");
        let odd = bundle.replacen(" static/search-core.js", "", 1);
        assert_eq!(shipped("search.js", page.to_vec(), Some(odd.as_bytes()), &sources(core)), page.to_vec(), "a malformed header ships the source");
    }

    #[test]
    fn refuses_unsafe_files() {
        assert_eq!(strip_comment_lines("const t = `a\n// b\n`;\n"), None);
        assert_eq!(strip_comment_lines("/* a\n b */ const x = 1;\n"), None);
        assert_eq!(strip_comment_lines("/* a */ const x = 1;\n"), None);
        assert_eq!(strip_comment_lines("/* open\n"), None);
        assert_eq!(shipped("site.js", b"// kept\n".to_vec(), None, &|_| None), b"// kept\n");
    }

    #[test]
    fn shipped_search_scripts_lose_their_comments() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/themes/default/static/");
        let (mut before, mut after) = (0, 0);
        for name in STRIPPED {
            let text = std::fs::read_to_string(format!("{dir}{name}")).unwrap();
            let stripped = strip_comment_lines(&text).unwrap_or_else(|| panic!("{name}: comment lines cannot be cut safely"));
            assert!(!stripped.lines().any(|l| l.trim_start().starts_with("//")), "{name}");
            (before, after) = (before + text.len(), after + stripped.len());
        }
        assert!(after < before * 17 / 20, "{after} of {before} bytes left");
    }
}
