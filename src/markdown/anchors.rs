//! Heading anchors: NFKC text, lowercased, CJK kept, spaces → `-`.

use unicode_normalization::UnicodeNormalization;

pub fn slugify(text: &str) -> String {
    let mut out = String::new();
    let mut pending_dash = false;
    for c in text.nfkc().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '_' || c == '.' || c == '-' {
            if pending_dash && !out.is_empty() {
                out.push('-');
            }
            pending_dash = false;
            out.push(c);
        } else if c.is_whitespace() {
            pending_dash = true;
        }
        // Other punctuation (・、「」() …) is dropped.
    }
    let out = out.trim_matches('-').to_string();
    if out.is_empty() { "section".to_string() } else { out }
}

/// Explicit `{#id}` anchors must be safe in URLs and HTML attributes without escaping tricks.
pub fn explicit_anchor_problem(id: &str) -> Option<&'static str> {
    if id.is_empty() || id.len() > 100 {
        return Some("must be 1–100 characters");
    }
    if !id.chars().all(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.')) {
        return Some("may only contain letters, digits, `-`, `_` and `.`");
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn slugs() {
        assert_eq!(slugify("アクセス制御 と ログ"), "アクセス制御-と-ログ");
        assert_eq!(slugify("Ｂ．考え方"), "b.考え方");
        assert_eq!(slugify("(1) 組織的対応"), "1-組織的対応");
        assert_eq!(slugify("!!!"), "section");
    }
}
