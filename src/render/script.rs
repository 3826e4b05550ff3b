//! The search page's scripts as shipped: `search.js` and `search-core.js` are documented at
//! length (the comments explain the ranking proofs), and the comments are over a third of their
//! gzip bytes, which every first query downloads. The asset pipeline drops whole comment lines
//! from these two files only: a line-based cut is safe there because neither has a multi-line
//! string or template literal (`strip_comment_lines` refuses a file where a cut would be unsafe
//! and leaves it whole).

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

/// The bytes to ship for the static file `rel`: comment lines dropped from `STRIPPED` scripts
/// when that is safe, every other file as it is.
pub fn shipped(rel: &str, bytes: Vec<u8>) -> Vec<u8> {
    if !STRIPPED.contains(&rel) {
        return bytes;
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
    fn refuses_unsafe_files() {
        assert_eq!(strip_comment_lines("const t = `a\n// b\n`;\n"), None);
        assert_eq!(strip_comment_lines("/* a\n b */ const x = 1;\n"), None);
        assert_eq!(strip_comment_lines("/* a */ const x = 1;\n"), None);
        assert_eq!(strip_comment_lines("/* open\n"), None);
        assert_eq!(shipped("site.js", b"// kept\n".to_vec()), b"// kept\n");
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
