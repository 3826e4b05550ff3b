//! HTML output: the theme, page contexts, and the site-level files (sitemap, robots, 404, redirects).

pub mod context;
pub mod phrases;
pub mod site_files;
pub mod theme;

/// Escape text for HTML element content and double-quoted attributes. Control characters become
/// U+FFFD: site files may not hold them (site_fs), this keeps anything else (git data …) out too.
pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(c),
            c if c.is_control() => out.push('\u{FFFD}'),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// `/mic/3.2.1/` → `mic/3.2.1/index.html`.
pub fn output_path(url: &str) -> String {
    let trimmed = url.trim_matches('/');
    if trimmed.is_empty() { "index.html".to_string() } else { format!("{trimmed}/index.html") }
}

#[cfg(test)]
mod tests {
    #[test]
    fn escape_html_escapes_markup_and_replaces_control_characters() {
        assert_eq!(super::escape_html("<a href=\"x\">'&\u{0}\u{1b}\t"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;\u{FFFD}\u{FFFD}\t");
    }
}
