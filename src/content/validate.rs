//! Site-wide checks on the model (per-file syntax is checked while loading).

use crate::content::ids::id_help;
use crate::content::model::Site;
use crate::diagnostics::{Diagnostic, Diagnostics};
use std::collections::HashSet;

pub fn validate(site: &Site) -> Diagnostics {
    let mut errors = Diagnostics::default();
    check_pages(site, &mut errors);
    errors.extend(crate::content::aliases::validate(site).0);
    check_outline(site, &mut errors);
    check_requirements(site, &mut errors);
    check_glossary(site, &mut errors);
    check_corpora(site, &mut errors);
    crate::content::confidence::check(site, &mut errors);
    crate::content::titles::check(site, &mut errors);
    errors
}

/// Ids: lowercase ASCII letters, digits, `.` and `-`; no placeholder segments such as `.x`.
pub fn id_problem(id: &str) -> Option<&'static str> {
    if id.is_empty() {
        return Some("is empty");
    }
    if !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '.' || c == '-') {
        return Some("may only contain lowercase a–z, digits, `.` and `-`");
    }
    if id.split(['.', '-']).any(|seg| seg == "x") {
        return Some("contains a placeholder segment `x`; describe unknown structure in prose instead");
    }
    None
}

fn check_pages(site: &Site, errors: &mut Diagnostics) {
    for page in &site.pages {
        let at = |key: &str, msg: String| Diagnostic::at_offset(&page.file, &page.source, page.offset_of(key), msg);
        if let Some(id) = &page.front.id
            && let Some(problem) = id_problem(id)
        {
            errors.push(at("id", format!("id `{id}` {problem}")).help("use ids like `mic-3.2.1`, `mhlw5-6.5`, `glossary`"));
        }
        if let Some(date) = &page.front.updated
            && !is_iso_date(date)
        {
            errors.push(at("updated", format!("`updated: {date}` is not a date")).help("write the date as YYYY-MM-DD"));
        }
        for key in &page.front.sources {
            if site.data.source(key).is_none() {
                errors.push(at("sources", format!("unknown source `{key}`")).help(source_help(site, key)).follows(site.data.broken("sources.yaml")));
            }
        }
    }
}

/// The nearest source keys, then where keys come from.
pub fn source_help(site: &Site, key: &str) -> String {
    let keys: Vec<&str> = site.data.sources.iter().map(|s| s.key.as_str()).collect();
    crate::suggest::help(key, &keys, "use a `key` of content/data/sources.yaml, or add the source there")
}

fn is_iso_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10 && b[4] == b'-' && b[7] == b'-' && s.chars().enumerate().all(|(i, c)| i == 4 || i == 7 || c.is_ascii_digit())
}

fn check_outline(site: &Site, errors: &mut Diagnostics) {
    let Some(outline) = &site.data.outline else { return };
    for entry in &outline.required {
        match site.page_by_id(&entry.id) {
            None => errors.push(
                site.data
                    .diag("outline.yaml", &format!("id: {}", entry.id), format!("outline clause `{}` has no page", entry.id))
                    .help(id_help(site, &entry.id, str::to_string, "write the page (front matter `id: ...`) or remove the clause from outline.yaml"))
                    .follows(site.broken_page(&entry.id)),
            ),
            Some(page) => {
                if let Some(t) = &entry.title
                    && t != &page.front.title
                {
                    errors.push(
                        Diagnostic::at_offset(&page.file, &page.source, page.offset_of("title"), format!("title differs from outline.yaml: `{}` ≠ `{t}`", page.front.title))
                            .help("clause titles are facts from the source; make the page title and outline.yaml agree"),
                    );
                }
            }
        }
    }
}

fn check_requirements(site: &Site, errors: &mut Diagnostics) {
    let mut seen = HashSet::new();
    for r in &site.data.requirements {
        let d = |msg: String| site.data.diag("requirements.yaml", &format!("id: {}", r.id), msg);
        if let Some(p) = id_problem(&r.id) {
            errors.push(d(format!("requirement id `{}` {p}", r.id)));
        }
        if !seen.insert(r.id.as_str()) {
            errors.push(d(format!("duplicate requirement id `{}`", r.id)).help("requirement ids must be unique"));
        }
        if site.page_by_id(&r.clause).is_none() {
            errors.push(d(format!("requirement `{}` names unknown clause `{}`", r.id, r.clause)).help(id_help(site, &r.clause, str::to_string, "use the id of an existing page")).follows(site.broken_page(&r.clause)));
        } else if !r.id.starts_with(&format!("{}-r", r.clause)) {
            errors.push(d(format!("requirement id `{}` should start with `{}-r`", r.id, r.clause)).help("requirement ids are <clause id>-rNN"));
        }
    }
}

fn check_glossary(site: &Site, errors: &mut Diagnostics) {
    let mut seen = HashSet::new();
    for t in &site.data.glossary {
        let d = |msg: String| site.data.diag("glossary.yaml", &format!("id: {}", t.id), msg);
        if let Some(p) = id_problem(&t.id) {
            errors.push(d(format!("term id `{}` {p}", t.id)));
        }
        if !seen.insert(t.id.as_str()) {
            errors.push(d(format!("duplicate term id `{}`", t.id)));
        }
        for s in &t.see {
            if site.page_by_id(s).is_none() {
                errors.push(d(format!("term `{}` refers to unknown page `{s}`", t.id)).help(id_help(site, s, str::to_string, "use the id of an existing page")).follows(site.broken_page(s)));
            }
        }
    }
    if !site.data.glossary.is_empty() && site.page_by_id("glossary").is_none() {
        errors.push(
            site.data
                .diag("glossary.yaml", "terms", "glossary.yaml has terms but no page has `id: glossary`")
                .help("add content/glossary/_index.md with `id: glossary` and `layout: glossary`")
                .follows(site.broken_page("glossary")),
        );
    }
}

fn check_corpora(site: &Site, errors: &mut Diagnostics) {
    for c in &site.config.corpora {
        if let Some(key) = &c.source
            && site.data.source(key).is_none()
        {
            let text = std::fs::read_to_string(site.root.join(crate::config::CONFIG_FILE)).unwrap_or_default();
            let off = text.find(&format!("source: {key}")).unwrap_or(0);
            errors.push(
                Diagnostic::at_offset(crate::config::CONFIG_FILE, &text, off, format!("corpus `{}` names unknown source `{key}`", c.prefix))
                    .help(source_help(site, key))
                    .follows(site.data.broken("sources.yaml")),
            );
        }
    }
}
