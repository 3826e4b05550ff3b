//! Request path → key of the in-memory file map. The map is the only thing served, so no request
//! can reach the disk; still, anything that looks like an attempt to leave the site (dot segments,
//! encoded slashes or backslashes, NUL and other control characters, empty segments) is refused
//! before the lookup instead of being normalised into something that might exist.

use percent_encoding::percent_decode_str;

#[derive(Debug, PartialEq, Eq)]
pub enum Resolved {
    /// Serve this key of the file map.
    File(String),
    /// 308 to this location (a folder without its trailing slash, or the site's base path).
    Redirect(String),
    NotFound,
    /// The path is not valid percent-encoded UTF-8.
    BadRequest,
}

/// `raw_path` is the request target's path exactly as received (still percent-encoded);
/// `base_path` is the site's prefix (`/` or `/guide/`); `exists` asks the file map.
pub fn resolve(raw_path: &str, query: Option<&str>, base_path: &str, exists: impl Fn(&str) -> bool) -> Resolved {
    if !raw_path.starts_with('/') {
        return Resolved::NotFound;
    }
    let lower = raw_path.to_ascii_lowercase();
    // Encoded separators and NUL never name a file of ours; refusing them here means the decoded
    // path below can be split on `/` without ambiguity.
    if ["%2f", "%5c", "%00", "%25"].iter().any(|bad| lower.contains(bad)) || raw_path.contains('\\') {
        return Resolved::NotFound;
    }
    let Ok(decoded) = percent_decode_str(raw_path).decode_utf8() else {
        return Resolved::BadRequest;
    };
    if decoded.chars().any(|c| c.is_control() || c == '\\') {
        return Resolved::NotFound;
    }
    let segments: Vec<&str> = decoded[1..].split('/').collect();
    let last = segments.len() - 1;
    for (i, seg) in segments.iter().enumerate() {
        // Dot segments, hidden files and `//` are refused (an empty last segment is the trailing slash).
        if seg.starts_with('.') || (seg.is_empty() && i != last) {
            return Resolved::NotFound;
        }
    }
    let with_query = |path: String| match query {
        Some(q) if !q.is_empty() => format!("{path}?{q}"),
        _ => path,
    };
    let base = base_path;
    let Some(rel) = decoded.strip_prefix(base) else {
        // `/guide` → `/guide/`, and `/` → the base path, so a bare host shows the site.
        if decoded == base.trim_end_matches('/') || decoded == "/" {
            return Resolved::Redirect(with_query(base.to_string()));
        }
        return Resolved::NotFound;
    };
    if rel.is_empty() || rel.ends_with('/') {
        let key = format!("{rel}index.html");
        return if exists(&key) { Resolved::File(key) } else { Resolved::NotFound };
    }
    if exists(rel) {
        return Resolved::File(rel.to_string());
    }
    if exists(&format!("{rel}/index.html")) {
        return Resolved::Redirect(with_query(format!("{raw_path}/")));
    }
    Resolved::NotFound
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILES: &[&str] = &["index.html", "mic/3.2.1/index.html", "assets/ab12/style.css", "日本語/index.html", "404.html"];

    fn r(path: &str) -> Resolved {
        resolve(path, None, "/", |k| FILES.contains(&k))
    }

    #[test]
    fn serves_files_and_folder_indexes() {
        assert_eq!(r("/"), Resolved::File("index.html".into()));
        assert_eq!(r("/mic/3.2.1/"), Resolved::File("mic/3.2.1/index.html".into()));
        assert_eq!(r("/assets/ab12/style.css"), Resolved::File("assets/ab12/style.css".into()));
        assert_eq!(r("/%E6%97%A5%E6%9C%AC%E8%AA%9E/"), Resolved::File("日本語/index.html".into()));
    }

    #[test]
    fn folder_without_slash_redirects_keeping_the_query() {
        assert_eq!(r("/mic/3.2.1"), Resolved::Redirect("/mic/3.2.1/".into()));
        assert_eq!(resolve("/mic/3.2.1", Some("q=1"), "/", |k| FILES.contains(&k)), Resolved::Redirect("/mic/3.2.1/?q=1".into()));
    }

    #[test]
    fn traversal_and_odd_encodings_are_not_found() {
        for p in [
            "/../etc/passwd",
            "/mic/../index.html",
            "/mic/./3.2.1/",
            "/%2e%2e/index.html",
            "/%2E%2E/%2E%2E/etc/passwd",
            "/..%2findex.html",
            "/mic%2f3.2.1/index.html",
            "/mic%5c..%5cindex.html",
            "/mic\\..\\index.html",
            "/index.html%00.css",
            "/%252e%252e/index.html",
            "//etc/passwd",
            "/mic//3.2.1/",
            "/.shishin-output",
            "/.git/config",
            "/a%0d%0aSet-Cookie:x",
            "relative",
        ] {
            assert_eq!(r(p), Resolved::NotFound, "{p}");
        }
        assert_eq!(r("/%ff%fe/"), Resolved::BadRequest);
    }

    #[test]
    fn base_path_is_stripped_and_bare_host_redirects() {
        let b = |p: &str| resolve(p, None, "/guide/", |k| FILES.contains(&k));
        assert_eq!(b("/guide/"), Resolved::File("index.html".into()));
        assert_eq!(b("/guide/mic/3.2.1/"), Resolved::File("mic/3.2.1/index.html".into()));
        assert_eq!(b("/guide"), Resolved::Redirect("/guide/".into()));
        assert_eq!(b("/"), Resolved::Redirect("/guide/".into()));
        assert_eq!(b("/mic/3.2.1/"), Resolved::NotFound);
        assert_eq!(b("/guide/../guide/"), Resolved::NotFound);
    }
}
