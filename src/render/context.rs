//! The data each template sees. Templates get plain JSON-like values; all HTML-escaping is tera's
//! autoescape except `page.content`, which the Markdown renderer produced already escaped.

use crate::content::{Page, Site};
use crate::markdown::Rendered;
use serde_json::{Value, json};

pub struct Globals {
    pub search_dir: Option<String>,
    /// WebSocket path for live reload under `serve`.
    pub dev_reload: Option<String>,
    pub build_time: String,
}

pub fn link(site: &Site, page: &Page) -> Value {
    json!({
        "id": page.id(),
        "title": page.front.title,
        "number": page.front.number,
        "label": page.label(),
        "url": site.url_for(&page.url),
        "status": page.front.status,
        "confidence": page.front.confidence,
        "draft": page.front.draft,
    })
}

pub fn site_value(site: &Site, g: &Globals) -> Value {
    let nav: Vec<Value> = site
        .pages
        .first()
        .map(|home| {
            home.children
                .iter()
                .filter(|&&c| site.pages[c].is_section)
                .map(|&c| {
                    // A corpus's top page is named in the header by the corpus's short label.
                    let page = &site.pages[c];
                    let mut item = link(site, page);
                    if let Some(corpus) = site.config.corpora.iter().find(|k| page.front.id.as_deref() == Some(k.prefix.as_str())) {
                        item["title"] = json!(corpus.label);
                    }
                    item
                })
                .collect()
        })
        .unwrap_or_default();
    json!({
        "title": site.config.title,
        "description": site.config.description,
        "language": site.config.language,
        "base_path": site.config.base_path(),
        "origin": site.config.origin(),
        "home_url": site.url_for("/"),
        "search_url": site.url_for("/search/"),
        "search_dir": g.search_dir,
        "dev_reload": g.dev_reload,
        "nav": nav,
        "build_time": g.build_time,
    })
}

pub fn page_context(site: &Site, index: usize, rendered: &Rendered, g: &Globals) -> tera::Context {
    let page = &site.pages[index];
    let id = page.id();
    let breadcrumbs: Vec<Value> = site.ancestors(index).into_iter().map(|a| link(site, &site.pages[a])).collect();
    let prev = index.checked_sub(1).map(|i| link(site, &site.pages[i]));
    let next = site.pages.get(index + 1).map(|p| link(site, p));
    let children: Vec<Value> = page.children.iter().map(|&c| link(site, &site.pages[c])).collect();
    let corpus = site.config.corpus_for_id(&id).map(|(c, _)| {
        let source = c.source.as_deref().and_then(|k| site.data.source(k));
        json!({ "prefix": c.prefix, "label": c.label, "source": source })
    });
    let sources: Vec<Value> = page.front.sources.iter().filter_map(|k| site.data.source(k)).map(|s| json!(s)).collect();
    let requirements: Vec<&crate::content::data::Requirement> = site.data.requirements.iter().filter(|r| r.clause == id).collect();
    let rebuilt_from = rebuilt_from_links(site, page);
    let mut ctx = tera::Context::new();
    ctx.insert("site", &site_value(site, g));
    ctx.insert(
        "page",
        &json!({
            "id": id,
            "title": page.front.title,
            "number": page.front.number,
            "label": page.label(),
            "url": site.url_for(&page.url),
            "permalink": site.absolute_url(&page.url),
            "content": rendered.html,
            "toc": rendered.toc,
            "updated": page.updated,
            "confidence": page.front.confidence,
            "rebuilt_from": rebuilt_from,
            "status": page.front.status,
            "draft": page.front.draft,
            "tags": page.front.tags,
            "layout": page.layout(),
            "is_section": page.is_section,
            "file": page.file.to_string_lossy().replace('\\', "/"),
            "description": description(rendered),
        }),
    );
    ctx.insert("breadcrumbs", &breadcrumbs);
    ctx.insert("prev", &prev);
    ctx.insert("next", &next);
    ctx.insert("children", &children);
    ctx.insert("corpus", &corpus);
    ctx.insert("sources", &sources);
    ctx.insert("requirements", &requirements);
    ctx.insert("catalogue_url", &site.pages.iter().find(|p| p.layout() == "requirements").map(|p| site.url_for(&p.url)));
    insert_layout_data(site, page.layout(), &mut ctx);
    ctx
}

/// The clauses a rebuilt body comes from (`rebuilt_from`), each named with its guideline, for
/// the one notice the theme prints (partials/page-meta.html).
fn rebuilt_from_links(site: &Site, page: &Page) -> Vec<Value> {
    page.front
        .rebuilt_from
        .iter()
        .filter_map(|id| site.page_by_id(id))
        .map(|p| {
            let mut l = link(site, p);
            l["corpus"] = json!(site.config.corpus_for_id(&p.id()).map(|(c, _)| c.label.clone()));
            l
        })
        .collect()
}

/// Data the core's own layouts need (glossary, requirement catalogue, credits).
fn insert_layout_data(site: &Site, layout: &str, ctx: &mut tera::Context) {
    match layout {
        "glossary" => {
            let terms: Vec<Value> = site
                .data
                .glossary
                .iter()
                .map(|t| {
                    // 関連 links cross guidelines ("第1章" exists in all three): name the guideline.
                    let see: Vec<Value> = t
                        .see
                        .iter()
                        .filter_map(|id| site.page_by_id(id))
                        .map(|p| {
                            let mut l = link(site, p);
                            if let Some((c, _)) = site.config.corpus_for_id(&p.id()) {
                                l["corpus"] = json!(c.label);
                            }
                            l
                        })
                        .collect();
                    json!({ "id": t.id, "term": t.term, "reading": t.reading, "definition": t.definition, "aliases": t.aliases, "see_links": see })
                })
                .collect();
            ctx.insert("glossary", &terms);
        }
        "requirements" => {
            let mut groups: Vec<Value> = Vec::new();
            // Group in reading order of the clauses.
            for page in &site.pages {
                let id = page.id();
                let items: Vec<&crate::content::data::Requirement> = site.data.requirements.iter().filter(|r| r.clause == id).collect();
                if !items.is_empty() {
                    groups.push(json!({ "clause": link(site, page), "items": items }));
                }
            }
            ctx.insert("requirement_groups", &groups);
        }
        "credits" => ctx.insert("site_sources", &site.data.sources),
        _ => {}
    }
}

/// First ~120 characters of the page text, for meta description / OGP.
fn description(r: &Rendered) -> String {
    let text: String = r.sections.iter().map(|s| s.text.as_str()).collect::<Vec<_>>().join(" ");
    let mut out: String = text.chars().take(120).collect();
    if text.chars().count() > 120 {
        out.push('…');
    }
    out
}
