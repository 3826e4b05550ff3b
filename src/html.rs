//! HTML escaping and the one fixed HTML document (the alias redirect page), shared by every
//! module that writes HTML so none of them depends on another for it.

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

/// A static redirect page for an old URL (works on any host; Netlify also gets `_redirects`).
pub fn redirect_page(target: &str) -> String {
    let t = escape_html(target);
    format!(
        "<!doctype html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>移動しました</title>\
<link rel=\"canonical\" href=\"{t}\"><meta name=\"robots\" content=\"noindex\">\
<meta http-equiv=\"refresh\" content=\"0; url={t}\"></head>\
<body><p>このページは <a href=\"{t}\">{t}</a> に移動しました。</p></body></html>\n"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn escape_html_escapes_markup_and_replaces_control_characters() {
        assert_eq!(crate::html::escape_html("<a href=\"x\">'&\u{0}\u{1b}\t"), "&lt;a href=&quot;x&quot;&gt;&#39;&amp;\u{FFFD}\u{FFFD}\t");
    }
}
