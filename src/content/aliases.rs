//! Aliases: old URLs that redirect to a page. Each one becomes a `_redirects` rule and a static
//! redirect page, so an alias must be a plain URL path: a newline would add a rule, a space a
//! field, `*` or `:name` a Netlify wildcard, and a path already taken by a page, another alias or
//! a generated file would replace it. Every refusal names the alias's own line:column.

use crate::content::frontmatter;
use crate::content::model::{Page, Site};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::output::OutputFiles;
use crate::output::output_path;
use serde_saphyr::Spanned;
use std::collections::HashMap;

/// First path segments the build writes itself (beyond pages): an alias may not start with them.
const RESERVED: &[&str] = &["search", "assets", "404.html", "index.html", "_redirects", "_headers", "sitemap.xml", "robots.txt", "netlify.toml", "favicon.ico"];

/// Why `alias` is not a plain site path, or None.
pub fn syntax_problem(alias: &str) -> Option<String> {
    if !alias.starts_with('/') {
        return Some("does not start with `/`".into());
    }
    if let Some(c) = alias.chars().find(|&c| c.is_whitespace() || c.is_control() || is_invisible(c)) {
        return Some(format!("contains {}", describe(c)));
    }
    if let Some(c) = alias.chars().find(|c| FORBIDDEN.contains(c)) {
        return Some(format!("contains `{c}`, which redirect rules or URLs give a special meaning"));
    }
    let inner = alias.trim_start_matches('/');
    let inner = inner.strip_suffix('/').unwrap_or(inner);
    if alias.starts_with("//") || (!inner.is_empty() && inner.split('/').any(str::is_empty)) {
        return Some("contains an empty path segment (`//`)".into());
    }
    if alias.contains("..") {
        return Some("contains `..`".into());
    }
    if inner.split('/').any(|s| s.starts_with('.')) {
        return Some("has a path segment starting with `.`".into());
    }
    None
}

/// Characters refused in an alias: Netlify rule syntax (`*` splat, `:placeholder`, `!` force,
/// `?` query match), fragment and escape characters, and HTML/quote characters.
const FORBIDDEN: &[char] = &['*', ':', '!', '?', '#', '%', '\\', '"', '\'', '<', '>', '`', '{', '}', '|', '^', '[', ']', '&', ';', '='];

/// Zero-width and bidirectional formatting characters: invisible, and able to disguise a path.
fn is_invisible(c: char) -> bool {
    matches!(c as u32, 0x200B..=0x200F | 0x202A..=0x202E | 0x2060..=0x2064 | 0x2066..=0x206F | 0xFEFF)
}

fn describe(c: char) -> String {
    if c == ' ' { "a space".into() } else { format!("the character U+{:04X} (whitespace, control or invisible)", c as u32) }
}

/// The page URL an alias stands for: `/old` and `/old/` are the same output folder.
fn normalise(alias: &str) -> String {
    let inner = alias.trim_matches('/');
    if inner.is_empty() { "/".into() } else { format!("/{inner}/") }
}

/// Syntax, and collisions with pages, reserved names and other aliases (generated files that
/// only the build knows are checked by `add_redirect_pages`).
pub fn validate(site: &Site) -> Diagnostics {
    let mut errors = Diagnostics::default();
    let mut seen: HashMap<String, String> = HashMap::new();
    for page in site.pages.iter().filter(|p| !p.front.aliases.is_empty()) {
        let spans = positions(page);
        for (n, alias) in page.front.aliases.iter().enumerate() {
            let at = |msg: String| at_alias(page, &spans, n, msg);
            let shown = crate::url_policy::printable(alias);
            if let Some(problem) = syntax_problem(alias) {
                errors.push(at(format!("alias `{shown}` {problem}")).help("aliases are plain site paths such as /old/path/ (letters, digits, - _ . ~ / and non-ASCII text)"));
                continue;
            }
            let norm = normalise(alias);
            let first = norm.trim_matches('/').split('/').next().unwrap_or("");
            if let Some(&i) = site.by_url.get(&norm) {
                let whose = if norm == "/" { "the home page".to_string() } else { site.pages[i].file.display().to_string() };
                errors.push(at(format!("alias `{shown}` is the URL of a page ({whose})")).help("remove the alias or move that page"));
            } else if RESERVED.contains(&first) {
                errors.push(at(format!("alias `{shown}` is inside `/{first}`, which the build writes itself")).help("choose another old URL"));
            } else if let Some(other) = seen.insert(norm, page.file.display().to_string()) {
                errors.push(at(format!("alias `{shown}` is used twice (also in {other})")).help("each old URL can redirect to one page"));
            }
        }
    }
    errors
}

/// Insert one redirect page per alias, refusing any alias whose page would replace, or be
/// blocked by, a file the build already made (an export, the search page, a page's folder
/// written as a file …). Call after every other file is in `files`, or is one that `elsewhere`
/// says is taken (the pages' files, which `serve` keeps apart).
pub fn add_redirect_pages(site: &Site, files: &mut OutputFiles, elsewhere: &dyn Fn(&str) -> bool) -> Result<(), Diagnostics> {
    let mut errors = Diagnostics::default();
    let mut pages = Vec::new();
    for page in site.pages.iter().filter(|p| !p.front.aliases.is_empty()) {
        let spans = positions(page);
        for (n, alias) in page.front.aliases.iter().enumerate() {
            let path = output_path(alias);
            let taken = std::iter::successors(Some(path.as_str()), |p| p.rsplit_once('/').map(|(dir, _)| dir)).find(|p| files.contains(p) || elsewhere(p));
            match taken {
                Some(file) => errors.push(
                    at_alias(page, &spans, n, format!("alias `{}` collides with the generated file `{file}`", crate::url_policy::printable(alias)))
                        .help("choose an old URL that no page, download or site file uses"),
                ),
                None => pages.push((path, crate::html::redirect_page(&site.url_for(&page.url)))),
            }
        }
    }
    errors.sorted().into_result()?;
    for (path, html) in pages {
        files.insert(path, html);
    }
    Ok(())
}

/// Line and column of each alias in the page's front matter (None when it cannot be traced,
/// e.g. front matter written in an unusual form), read again with spans only when needed.
fn positions(page: &Page) -> Vec<Option<(usize, usize)>> {
    #[derive(serde::Deserialize)]
    struct Aliases {
        #[serde(default)]
        aliases: Vec<Spanned<String>>,
    }
    let Ok(split) = frontmatter::split(&page.file, &page.source) else { return Vec::new() };
    let lines_before = page.source[..split.yaml_offset].matches('\n').count();
    match crate::yaml::parse::<Aliases>(&page.file, split.yaml, 0) {
        Ok(a) => a.aliases.iter().map(|s| Some((s.referenced.line() as usize + lines_before, s.referenced.column() as usize))).collect(),
        Err(_) => Vec::new(),
    }
}

fn at_alias(page: &Page, spans: &[Option<(usize, usize)>], n: usize, msg: String) -> Diagnostic {
    match spans.get(n).copied().flatten() {
        Some((line, column)) if line > 0 => Diagnostic::new(&page.file, line, column.max(1), msg).with_source(&page.source),
        _ => Diagnostic::at_offset(&page.file, &page.source, page.value_offset("aliases"), msg),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_paths_pass() {
        for a in ["/old/", "/old", "/mic/3.2.1/", "/用語/", "/a-b_c~d.html"] {
            assert_eq!(syntax_problem(a), None, "{a}");
        }
    }

    #[test]
    fn injections_are_refused() {
        for a in ["old", "/x\n/* /about/ 301!", "/a b", "/a\tb", "/*", "/:splat", "/a/../b", "//evil.example", "/a//b", "/.git", "/a\u{202E}b", "/a\u{0}", "/x?y", "/a\\b"] {
            assert!(syntax_problem(a).is_some(), "{a:?}");
        }
    }
}
