//! The pipeline: load → validate → render (+ search, exports) → OutputFiles.
//! `serve` calls the same function; writing to disk is the caller's job (output::write_atomic).

use crate::content::load::{LoadOptions, load_site};
use crate::content::{Site, validate};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::markdown::{self, Heading, Rendered, Targets};
use crate::output::OutputFiles;
use crate::render::context::{self, Globals};
use crate::render::site_files;
use crate::render::theme::Theme;
use crate::render::output_path;
use rayon::prelude::*;
use std::path::PathBuf;

#[derive(Debug, Clone)]
pub struct BuildOptions {
    pub root: PathBuf,
    pub include_drafts: bool,
    /// WebSocket path the pages connect to for live reload (serve only).
    pub dev_reload: Option<String>,
}

impl BuildOptions {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        BuildOptions { root: root.into(), include_drafts: false, dev_reload: None }
    }
}

/// A feature that reads the site model and adds template data and output files
/// (mapping matrix, disclosure templates, …). Built once per build, after validation.
pub trait Capability: Sync + Send {
    /// Extra template variables for page `index` (e.g. `mapping`, `disclosure`).
    fn page_context(&self, _site: &Site, _index: usize) -> Vec<(String, serde_json::Value)> {
        Vec::new()
    }
    /// Files this capability publishes (downloads, exports).
    fn write_files(&self, _site: &Site, _files: &mut OutputFiles) -> Result<(), Diagnostics> {
        Ok(())
    }
}

/// Every capability of the site. Each loads its own data files and reports its own diagnostics;
/// all of them are collected so one build shows every problem.
fn load_capabilities(site: &Site) -> Result<Vec<Box<dyn Capability>>, Diagnostics> {
    let mut caps: Vec<Box<dyn Capability>> = Vec::new();
    let mut errors = Diagnostics::default();
    match crate::mapping::Mappings::load(site) {
        Ok(m) => caps.push(Box::new(m)),
        Err(e) => errors.extend(e.0),
    }
    match crate::disclosure::Templates::load(site) {
        Ok(t) => caps.push(Box::new(t)),
        Err(e) => errors.extend(e.0),
    }
    errors.sorted().into_result().map(|_| caps)
}

pub struct BuiltSite {
    pub site: Site,
    pub files: OutputFiles,
    /// Rendered Markdown per page, in `site.pages` order (search and exports read it).
    pub rendered: Vec<Rendered>,
}

/// Load and check everything without rendering templates (`shishin check`).
pub fn check_site(opts: &BuildOptions) -> Result<(Site, Vec<Rendered>), Diagnostics> {
    check_all(opts).map(|(site, rendered, _)| (site, rendered))
}

type Checked = (Site, Vec<Rendered>, Vec<Box<dyn Capability>>);

fn check_all(opts: &BuildOptions) -> Result<Checked, Diagnostics> {
    let (site, mut errors) = load_site(&opts.root, &LoadOptions { include_drafts: opts.include_drafts })?;
    errors.extend(validate::validate(&site).0);
    let rendered = render_markdown(&site, &mut errors);
    let caps = match load_capabilities(&site) {
        Ok(c) => c,
        Err(e) => {
            errors.extend(e.0);
            Vec::new()
        }
    };
    errors.sorted().into_result()?;
    Ok((site, rendered, caps))
}

pub fn build_site(opts: &BuildOptions) -> Result<BuiltSite, Diagnostics> {
    let (site, rendered, caps) = check_all(opts)?;
    // The static search index, the theme and the capabilities' downloads do not depend on each
    // other: build them side by side (this is most of a rebuild under `serve`).
    let ((search, theme), exports) = rayon::join(
        || rayon::join(|| write_search_index(&site, &rendered), || Theme::load(&opts.root, &site.config.base_path())),
        || write_capability_files(&site, &caps),
    );
    let (mut files, search_dir) = search?;
    let theme = theme?;
    files.extend(exports?);
    // Every page names the index folder in <meta name="shishin-search">.
    let globals = Globals { search_dir: Some(site.url_for(&search_dir)), dev_reload: opts.dev_reload.clone(), build_time: String::new() };
    render_pages(&site, &rendered, &theme, &globals, &caps, &mut files)?;
    write_site_files(&site, &theme, &globals, &mut files)?;
    Ok(BuiltSite { site, files, rendered })
}

fn write_search_index(site: &Site, rendered: &[Rendered]) -> Result<(OutputFiles, String), Diagnostics> {
    let mut files = OutputFiles::default();
    let dir = crate::search::site::write_site_index(site, rendered, &mut |path, bytes| files.insert(path, bytes))
        .map_err(|e| Diagnostics::from(Diagnostic::file_level("search-index", format!("search index: {e}")).help("check search-index/userdict.csv and synonyms.yaml")))?;
    Ok((files, dir))
}

fn write_capability_files(site: &Site, caps: &[Box<dyn Capability>]) -> Result<OutputFiles, Diagnostics> {
    let mut files = OutputFiles::default();
    let mut errors = Diagnostics::default();
    for cap in caps {
        if let Err(e) = cap.write_files(site, &mut files) {
            errors.extend(e.0);
        }
    }
    errors.sorted().into_result().map(|_| files)
}

fn render_markdown(site: &Site, errors: &mut Diagnostics) -> Vec<Rendered> {
    let first: Vec<(Vec<Heading>, Vec<Diagnostic>)> = site.pages.par_iter().map(markdown::headings).collect();
    let headings: Vec<Vec<Heading>> = first.iter().map(|(h, _)| h.clone()).collect();
    for (_, e) in first {
        errors.extend(e);
    }
    let targets = Targets::new(site, &headings);
    let results: Vec<Result<Rendered, Vec<Diagnostic>>> =
        site.pages.par_iter().zip(headings.par_iter()).map(|(page, hs)| markdown::render(page, hs, &targets)).collect();
    results
        .into_iter()
        .map(|r| match r {
            Ok(r) => r,
            Err(e) => {
                errors.extend(e);
                Rendered { html: String::new(), toc: Vec::new(), sections: Vec::new() }
            }
        })
        .collect()
}

/// The template for a page: `page.html`, or `layouts/<layout>.html` for special pages.
fn template_for(site: &Site, index: usize, theme: &Theme) -> Result<String, Diagnostic> {
    let page = &site.pages[index];
    let layout = page.layout();
    if layout == "page" {
        return Ok("page.html".into());
    }
    let name = format!("layouts/{layout}.html");
    if theme.has_template(&name) {
        Ok(name)
    } else {
        let known: Vec<String> = theme.tera.get_template_names().filter_map(|n| n.strip_prefix("layouts/").map(|s| s.trim_end_matches(".html").to_string())).collect();
        Err(Diagnostic::at_offset(&page.file, &page.source, page.offset_of("layout"), format!("unknown layout `{layout}`"))
            .help(format!("use one of: page, {}", known.join(", "))))
    }
}

fn render_pages(site: &Site, rendered: &[Rendered], theme: &Theme, g: &Globals, caps: &[Box<dyn Capability>], files: &mut OutputFiles) -> Result<(), Diagnostics> {
    let results: Vec<Result<(String, String), Diagnostic>> = (0..site.pages.len())
        .into_par_iter()
        .map(|i| {
            let page = &site.pages[i];
            let template = template_for(site, i, theme)?;
            let mut ctx = context::page_context(site, i, &rendered[i], g);
            for cap in caps {
                for (key, value) in cap.page_context(site, i) {
                    ctx.insert(key, &value);
                }
            }
            let html = theme
                .render(&template, &ctx)
                .map_err(|e| Diagnostic::file_level(&page.file, format!("rendering with {template} failed: {e}")).help("fix the template or the page's data"))?;
            Ok((output_path(&page.url), html))
        })
        .collect();
    let mut errors = Diagnostics::default();
    for r in results {
        match r {
            Ok((path, html)) => files.insert(path, html),
            Err(e) => errors.push(e),
        }
    }
    errors.into_result()
}

fn write_site_files(site: &Site, theme: &Theme, g: &Globals, files: &mut OutputFiles) -> Result<(), Diagnostics> {
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
    files.insert("sitemap.xml", site_files::sitemap(site));
    files.insert("robots.txt", site_files::robots(site));
    let redirects = site_files::netlify_redirects(site);
    if !redirects.is_empty() {
        files.insert("_redirects", redirects);
    }
    for page in &site.pages {
        for alias in &page.front.aliases {
            files.insert(output_path(alias), site_files::redirect_page(&site.url_for(&page.url)));
        }
    }
    let asset_prefix = theme.asset_dir.strip_prefix(&site.config.base_path()).unwrap_or(&theme.asset_dir).to_string();
    for (name, bytes) in &theme.assets {
        files.insert(format!("{asset_prefix}{name}"), bytes.clone());
    }
    Ok(())
}
