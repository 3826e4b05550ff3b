//! The rendering stages: theme, capability exports, every page through its template, and the
//! site files (404, search page, sitemap, robots, redirects, theme assets).

use super::BuildOptions;
use super::cache::{BuildCache, Capabilities, PageHtml, page_inputs_key, page_key, shared_inputs_key, theme_key};
use super::check::Checked;
use super::timings::{Timings, timed};
use crate::capability::Capability;
use crate::content::Site;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::fingerprint::Key;
use crate::markdown::Rendered;
use crate::output::{OutputFiles, output_path};
use crate::render::context::{self, Globals};
use crate::render::site_files;
use crate::render::theme::Theme;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::Arc;

/// Theme, exports and every page (its output path and HTML, or for a one-off build its file):
/// everything but the site files (`site_files`) and the static index.
pub(super) fn build_pages(opts: &BuildOptions, checked: &Checked, cache: &mut BuildCache, t: &mut Timings) -> Result<(PageFiles, OutputFiles, Arc<Theme>), Diagnostics> {
    let (site, caps) = (&checked.site, &checked.caps);
    let ((theme, theme_t), (exports, exports_t)) = rayon::join(
        || timed(|| cached_theme(site, &cache.theme)),
        || timed(|| write_capability_files(site, caps)),
    );
    t.push("theme", theme_t);
    t.push("exports", exports_t);
    let (theme_key, theme) = theme?;
    cache.theme = Some((theme_key, theme.clone()));
    exports?;
    // Only the search page names the index folder (<meta name="shishin-search">, search.html):
    // its hash changes with every content edit, the other pages' HTML must not.
    let globals = globals(opts, None);
    let shared = shared_inputs_key(&checked.structure, &theme_key, &caps.key, &(&globals.search_dir, &globals.dev_reload, &globals.build_time));
    let inputs: Vec<Option<Key>> = checked.rendered_keys.iter().enumerate().map(|(i, r)| shared.map(|s| page_inputs_key(&s, i, r))).collect();
    let pages = Pages { site, rendered: &checked.rendered, inputs: &inputs, theme: &theme, theme_key: &theme_key, globals: &globals, caps: &caps.list };
    let mut files = OutputFiles::default();
    let shared = t.time("render pages", || render_pages(&pages, (!cache.one_off).then_some(&mut cache.pages), &mut files))?;
    Ok((shared, files, theme))
}

/// The site files (`write_site_files`); the search page names the index folder `index_dir`. The
/// sitemap is taken from `sitemap` while the structure key is the one it was made from.
pub(super) fn site_files(opts: &BuildOptions, checked: &Checked, theme: &Theme, index_dir: &str, files: &mut OutputFiles, sitemap: &mut Option<(Key, String)>, t: &mut Timings) -> Result<(), Diagnostics> {
    let site = &checked.site;
    t.time("site files", || {
        let map = match sitemap.take() {
            Some((key, map)) if key == checked.structure => map,
            _ => site_files::sitemap(site),
        };
        files.insert("sitemap.xml", map.as_bytes());
        *sitemap = Some((checked.structure, map));
        write_site_files(site, theme, &globals(opts, Some(site.url_for(index_dir))), files)
    })
}

fn globals(opts: &BuildOptions, search_dir: Option<String>) -> Globals {
    Globals { search_dir, dev_reload: opts.dev_reload.clone(), build_time: String::new() }
}

/// The theme of the last build while its files are unchanged.
pub(super) fn cached_theme(site: &Site, known: &Option<(Key, Arc<Theme>)>) -> Result<(Key, Arc<Theme>), Diagnostics> {
    let key = theme_key(site);
    match known {
        Some((k, theme)) if *k == key => Ok((key, theme.clone())),
        _ => Ok((key, Arc::new(Theme::load(&site.root, &site.config.base_path())?))),
    }
}

/// The capabilities' downloads, written once per set of capabilities.
pub(super) fn write_capability_files(site: &Site, caps: &Capabilities) -> Result<(), Diagnostics> {
    let mut slot = caps.files.lock().unwrap_or_else(|e| e.into_inner());
    if slot.is_some() {
        return Ok(());
    }
    let mut files = OutputFiles::default();
    let mut errors = Diagnostics::default();
    for cap in &caps.list {
        if let Err(e) = cap.write_files(site, &mut files) {
            errors.extend(e.0);
        }
    }
    errors.sorted().into_result()?;
    *slot = Some(Arc::new(files));
    Ok(())
}

/// The template for a page: `page.html`, or `layouts/<layout>.html` for special pages.
pub(super) fn template_for(site: &Site, index: usize, theme: &Theme) -> Result<String, Diagnostic> {
    let page = &site.pages[index];
    let layout = page.layout();
    if layout == "page" {
        return Ok("page.html".into());
    }
    let name = format!("layouts/{layout}.html");
    if theme.has_template(&name) {
        Ok(name)
    } else {
        let mut known: Vec<String> = theme.tera.get_template_names().filter_map(|n| n.strip_prefix("layouts/").map(|s| s.trim_end_matches(".html").to_string())).collect();
        known.sort();
        known.insert(0, "page".into());
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let (message, help) = crate::plain::bad_value("layout", layout, &known);
        Err(Diagnostic::at_offset(&page.file, &page.source, page.value_offset("layout"), message).help(help))
    }
}

/// What `render_pages` renders from.
pub(super) struct Pages<'a> {
    site: &'a Site,
    rendered: &'a [Rendered],
    /// Per page, `page_inputs_key` (None: build the context to find out).
    inputs: &'a [Option<Key>],
    theme: &'a Theme,
    theme_key: &'a Key,
    /// Without the index folder (`search_dir`), which only the search page names.
    globals: &'a Globals,
    caps: &'a [Box<dyn Capability>],
}

/// Each page's output path and HTML, in `site.pages` order, shared with the build cache:
/// `serve` serves it as it is.
pub type PageFiles = Vec<(String, Arc<str>)>;

/// What `render_pages` keeps of a page: the page for the cache, or only its file's bytes.
enum Kept {
    Page(PageHtml),
    Bytes(Vec<u8>),
}

/// Renders every page whose template and context changed since the HTML in `cache` was made;
/// the rest is reused, without building its context when its inputs key is unchanged. Returns
/// the pages as the cache holds them; without a cache (a one-off build) each page's HTML is
/// copied into `copies` by the thread that rendered it and dropped, and none is returned.
pub(super) fn render_pages(p: &Pages, cache: Option<&mut HashMap<String, PageHtml>>, copies: &mut OutputFiles) -> Result<PageFiles, Diagnostics> {
    let empty = HashMap::new();
    let keep = cache.is_some();
    let known = cache.as_deref().unwrap_or(&empty);
    let results: Vec<Result<(String, Kept), Diagnostic>> = (0..p.site.pages.len())
        .into_par_iter()
        .map(|i| render_page(p, i, known).map(|(path, page)| (path, if keep { Kept::Page(page) } else { Kept::Bytes(page.html.as_bytes().to_vec()) })))
        .collect();
    let mut errors = Diagnostics::default();
    let mut fresh = HashMap::with_capacity(if keep { results.len() } else { 0 });
    let mut shared = Vec::with_capacity(if keep { results.len() } else { 0 });
    for r in results {
        match r {
            Ok((path, Kept::Page(page))) => {
                shared.push((path.clone(), page.html.clone()));
                fresh.insert(path, page);
            }
            Ok((path, Kept::Bytes(bytes))) => copies.insert(path, bytes),
            Err(e) => errors.push(e),
        }
    }
    errors.into_result()?;
    if let Some(cache) = cache {
        *cache = fresh;
    }
    Ok(shared)
}

/// Page `i` and its output path: the HTML cached for that path when its inputs or its context
/// are those of the page now, else rendered now.
pub(super) fn render_page(p: &Pages, i: usize, known: &HashMap<String, PageHtml>) -> Result<(String, PageHtml), Diagnostic> {
    let site = p.site;
    let page = &site.pages[i];
    let path = output_path(&page.url);
    let cached = known.get(&path);
    let inputs = p.inputs[i];
    if let (Some(k), Some(c)) = (inputs, cached)
        && c.inputs == Some(k)
    {
        return Ok((path, c.clone()));
    }
    let template = template_for(site, i, p.theme)?;
    let mut ctx = context::page_context(site, i, &p.rendered[i], p.globals);
    for cap in p.caps {
        for (key, value) in cap.page_context(site, i) {
            ctx.insert(key, &value);
        }
    }
    let mut ctx = ctx.into_json();
    let key = page_key(p.theme_key, &template, &mut ctx);
    if let Some(c) = cached
        && c.context == key
    {
        return Ok((path, c.rekeyed(inputs, key)));
    }
    let ctx = tera::Context::from_value(ctx).map_err(|e| Diagnostic::file_level(&page.file, format!("page context: {e}")))?;
    let html = (p.theme)
        .render(&template, &ctx)
        .map_err(|e| Diagnostic::file_level(&page.file, format!("rendering with {template} failed: {e}")).help("fix the template or the page's data"))?;
    Ok((path, PageHtml { inputs, context: key, html: html.into() }))
}

/// Every site file but the sitemap (`site_files`).
pub(super) fn write_site_files(site: &Site, theme: &Theme, g: &Globals, files: &mut OutputFiles) -> Result<(), Diagnostics> {
    let mut ctx = tera::Context::new();
    ctx.insert("site", &context::site_value(site, g));
    let not_found = theme
        .render("404.html", &ctx)
        .map_err(|e| Diagnostics::from(Diagnostic::file_level("themes/default/templates/404.html", format!("rendering failed: {e}"))))?;
    files.insert("404.html", not_found);
    let search_page = theme
        .render("search.html", &ctx)
        .map_err(|e| Diagnostics::from(Diagnostic::file_level("themes/default/templates/search.html", format!("rendering failed: {e}"))))?;
    files.insert("search/index.html", search_page);
    files.insert("robots.txt", site_files::robots(site));
    let redirects = site_files::netlify_redirects(site);
    if !redirects.is_empty() {
        files.insert("_redirects", redirects);
    }
    let asset_prefix = theme.asset_dir.strip_prefix(&site.config.base_path()).unwrap_or(&theme.asset_dir).to_string();
    for (name, bytes) in &theme.assets {
        files.insert(format!("{asset_prefix}{name}"), bytes.clone());
    }
    Ok(())
}
