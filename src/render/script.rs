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

/// The code of a minified copy made from exactly `source`: its first line must be
/// `// shishin minified static/<rel> sha256:<hex of source>` (scripts/minify-search.mjs `header`).
fn minified_code<'a>(rel: &str, source: &[u8], minified: &'a [u8]) -> Option<&'a [u8]> {
    let end = minified.iter().position(|&b| b == b'\n')?;
    let expected = format!("// shishin minified static/{rel} sha256:{}", hex::encode(Sha256::digest(source)));
    (minified[..end] == *expected.as_bytes()).then(|| &minified[end + 1..])
}

/// The bytes to ship for the static file `rel`: a `STRIPPED` script's minified copy when it was
/// made from these bytes, else the script without its comment lines when that is safe; every
/// other file as it is.
pub fn shipped(rel: &str, bytes: Vec<u8>, minified: Option<&[u8]>) -> Vec<u8> {
    if !STRIPPED.contains(&rel) {
        return bytes;
    }
    if let Some(code) = minified.and_then(|m| minified_code(rel, &bytes, m)) {
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

    #[test]
    fn ships_a_minified_copy_only_when_made_from_the_source() {
        let source = b"// doc\nexport const answer = 42;\n".to_vec();
        let header = format!("// shishin minified static/search.js sha256:{}\n", hex::encode(Sha256::digest(&source)));
        let fresh = format!("{header}export const a=42;\n");
        assert_eq!(shipped("search.js", source.clone(), Some(fresh.as_bytes())), b"export const a=42;\n");
        let stale = format!("// shishin minified static/search.js sha256:{}\nexport const a=41;\n", "0".repeat(64));
        assert_eq!(shipped("search.js", source.clone(), Some(stale.as_bytes())), b"export const answer = 42;\n", "a stale copy is not shipped");
        let other = format!("{}export const a=42;\n", header.replace("search.js", "search-core.js"));
        assert_eq!(shipped("search.js", source.clone(), Some(other.as_bytes())), b"export const answer = 42;\n", "nor one of another script");
        assert_eq!(shipped("search.js", source.clone(), None), b"export const answer = 42;\n");
        assert_eq!(shipped("site.js", source.clone(), Some(fresh.as_bytes())), source, "other scripts ship as written");
    }

    #[test]
    fn refuses_unsafe_files() {
        assert_eq!(strip_comment_lines("const t = `a\n// b\n`;\n"), None);
        assert_eq!(strip_comment_lines("/* a\n b */ const x = 1;\n"), None);
        assert_eq!(strip_comment_lines("/* a */ const x = 1;\n"), None);
        assert_eq!(strip_comment_lines("/* open\n"), None);
        assert_eq!(shipped("site.js", b"// kept\n".to_vec(), None), b"// kept\n");
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
