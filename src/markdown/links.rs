//! Link policy: which URL schemes Markdown may use.

/// Returns the scheme (lowercase) if the URL has one. Browsers ignore ASCII whitespace and control
/// characters inside a scheme (`java\tscript:`), so those are removed before looking.
pub fn scheme_of(url: &str) -> Option<String> {
    let cleaned: String = url.chars().filter(|c| !c.is_ascii_whitespace() && !c.is_control()).collect();
    let end = cleaned.find([':', '/', '?', '#'])?;
    if cleaned.as_bytes().get(end) != Some(&b':') || end == 0 {
        return None;
    }
    let scheme = &cleaned[..end];
    if scheme.chars().next().is_some_and(|c| c.is_ascii_alphabetic()) && scheme.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '-' | '.')) {
        Some(scheme.to_ascii_lowercase())
    } else {
        // Something like "a b:c" — not a scheme a browser would honour, but refuse odd input anyway.
        Some(scheme.to_ascii_lowercase())
    }
}

pub fn is_allowed(url: &str) -> bool {
    match scheme_of(url) {
        None => true,
        Some(s) => matches!(s.as_str(), "http" | "https" | "mailto"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn schemes() {
        assert!(is_allowed("https://a.example/x"));
        assert!(is_allowed("/mic/3.2.1/"));
        assert!(is_allowed("../x#y"));
        assert!(is_allowed("mailto:a@b.example"));
        assert!(!is_allowed("javascript:alert(1)"));
        assert!(!is_allowed("JaVa\tScript:alert(1)"));
        assert!(!is_allowed(" data:text/html,x"));
        assert!(!is_allowed("vbscript:x"));
    }
}
