//! The one URL rule for everything that becomes a link: Markdown links and images, data-file
//! URLs (`sources.yaml` `url`, rendered into pages and exports such as the OSCAL JSON) and
//! `base_url`. A URL is allowed when it is `http:`, `https:` or `mailto:`, or a relative path;
//! a protocol-relative `//host` (or `/\host`, which browsers read the same way) is refused, as
//! is any control character. Checked where the URL is read, so nothing else re-validates.

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Schemes a link may use.
pub const ALLOWED_SCHEMES: &[&str] = &["http", "https", "mailto"];

/// One-line help for a refused URL.
pub const HELP: &str = "URLs may use http:, https:, mailto: or a relative path (not //host); write https://host/… for another site";

/// Why `url` is refused, or None when it may be used as an `href`.
pub fn problem(url: &str) -> Option<&'static str> {
    if url.chars().any(|c| c.is_control()) {
        return Some("contains a control character");
    }
    // Browsers drop leading/trailing spaces before parsing, so look past them too.
    let trimmed = url.trim_matches(|c: char| c == ' ');
    if let Some(scheme) = scheme_of(trimmed) {
        if !ALLOWED_SCHEMES.contains(&scheme.as_str()) {
            return Some("uses a scheme that is not allowed");
        }
        if scheme != "mailto" && !has_host(trimmed) {
            return Some("has no host after the scheme");
        }
        return None;
    }
    let mut start = trimmed.chars();
    if matches!((start.next(), start.next()), (Some('/' | '\\'), Some('/' | '\\'))) {
        return Some("is protocol-relative (`//host`)");
    }
    if trimmed.starts_with('\\') {
        return Some("starts with a backslash");
    }
    None
}

pub fn is_allowed(url: &str) -> bool {
    problem(url).is_none()
}

/// The scheme (lowercase) when the URL has one: the text before the first `:` that comes
/// before any `/`, `?` or `#`.
pub fn scheme_of(url: &str) -> Option<String> {
    let end = url.find([':', '/', '?', '#', '\\'])?;
    if url.as_bytes()[end] != b':' || end == 0 {
        return None;
    }
    Some(url[..end].to_ascii_lowercase())
}

/// `http://host…`: something other than a slash follows the `//`.
fn has_host(url: &str) -> bool {
    let Some(i) = url.find(':') else { return false };
    let rest = &url[i + 1..];
    let Some(after) = rest.strip_prefix("//") else { return false };
    after.chars().next().is_some_and(|c| !matches!(c, '/' | '\\' | '?' | '#'))
}

/// A URL read from a data file, checked while it is deserialised so that a refused URL is
/// reported at its own line:column and never reaches a page or an export.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SafeUrl(String);

impl SafeUrl {
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for SafeUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<SafeUrl> for String {
    fn from(u: SafeUrl) -> String {
        u.0
    }
}

impl<'de> Deserialize<'de> for SafeUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        match problem(&s) {
            None => Ok(SafeUrl(s)),
            Some(p) => Err(serde::de::Error::custom(format!("URL `{}` {p}; {HELP}", printable(&s)))),
        }
    }
}

impl Serialize for SafeUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

/// The diagnostic for a YAML error that is SafeUrl's refusal (not a syntax error): its own
/// message and help instead of "invalid YAML".
pub fn refused_in_yaml(file: &std::path::Path, line: usize, column: usize, message: &str) -> Option<crate::diagnostics::Diagnostic> {
    let refusal = message.strip_suffix(&format!("; {HELP}"))?;
    let start = refusal.find("URL `")?;
    Some(crate::diagnostics::Diagnostic::new(file, line, column, &refusal[start..]).help(HELP))
}

/// `s` shortened to 80 characters with control characters shown as `\u{..}`, for messages.
pub fn printable(s: &str) -> String {
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i == 80 {
            out.push('…');
            break;
        }
        if c.is_control() { out.push_str(&c.escape_unicode().to_string()) } else { out.push(c) }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn allowed() {
        for u in ["https://a.example/x", "http://a.example", "/mic/3.2.1/", "../x#y", "x.html", "#top", "?q=1", "mailto:a@b.example", "HTTPS://A.EXAMPLE/"] {
            assert!(is_allowed(u), "{u}");
        }
    }

    #[test]
    fn refused() {
        for u in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            "java\tscript:alert(1)",
            "\u{0}javascript:x",
            " data:text/html,x",
            "vbscript:x",
            "//evil.example/x",
            " //evil.example",
            "/\\evil.example",
            "\\\\evil.example",
            "https:evil.example",
            "https:///evil.example",
            "a b:c",
            "file:///etc/passwd",
        ] {
            assert!(!is_allowed(u), "{u:?}");
        }
    }
}
