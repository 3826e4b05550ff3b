//! The pipeline: load → validate → render (+ search, exports) → OutputFiles.
//! `serve` calls the same function; writing to disk is the caller's job (output::write_atomic).

use crate::content::load::{LoadOptions, load_site_cached};
use crate::capability::Capability;
use crate::content::{Site, validate};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::fingerprint::{Fingerprint, Key};
use crate::incremental::{BuildCache, Capabilities, IndexStore, MarkdownCache, PageHtml, capabilities_key, index_dir_token, page_inputs_key, page_key, shared_inputs_key, structure_key, targets_key, theme_key};
use crate::markdown::{self, Heading, Rendered, Targets};
use crate::output::OutputFiles;
use crate::render::context::{self, Globals};
use crate::render::site_files;
use crate::render::theme::Theme;
use crate::output::output_path;
use crate::search::Analyzer;
use crate::search::site::{StaticIndexInputs, static_index_inputs, write_static_index};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

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

/// Every capability of the site. Each loads its own data files and reports its own diagnostics;
/// all of them are collected so one build shows every problem.
fn load_capabilities(site: &Site) -> Result<Vec<Box<dyn Capability>>, Diagnostics> {
    let mut caps: Vec<Box<dyn Capability>> = Vec::new();
    let mut errors = Diagnostics::default();
    let mappings = crate::mapping::Mappings::load(site);
    let templates = crate::disclosure::Templates::load(site);
    // The 「対応状況」 view reads both (coverage/view.rs).
    if let (Ok(m), Ok(t)) = (&mappings, &templates) {
        caps.push(Box::new(crate::coverage::view::Coverage::new(site, m, t)));
    }
    match mappings {
        Ok(m) => caps.push(Box::new(m)),
        Err(e) => errors.extend(e.0),
    }
    match templates {
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
    /// How long each stage took (`serve --verbose` prints them).
    pub timings: Timings,
}

/// Wall time of each stage of one build, in the order they ran. Stages joined with rayon
/// overlap, so the figures can add up to more than the whole build.
#[derive(Debug, Clone, Default)]
pub struct Timings(pub Vec<(&'static str, std::time::Duration)>);

impl Timings {
    /// Runs `f` and records its wall time under `stage`.
    pub fn time<T>(&mut self, stage: &'static str, f: impl FnOnce() -> T) -> T {
        let (value, took) = timed(f);
        self.0.push((stage, took));
        value
    }
    pub fn push(&mut self, stage: &'static str, took: std::time::Duration) {
        self.0.push((stage, took));
    }
}

impl std::fmt::Display for Timings {
    /// `load 4.1 ms, validate 0.3 ms, …`
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, (stage, took)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(", ")?;
            }
            write!(f, "{stage} {:.1} ms", took.as_secs_f64() * 1000.0)?;
        }
        Ok(())
    }
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, std::time::Duration) {
    let t = std::time::Instant::now();
    let value = f();
    (value, t.elapsed())
}

/// Load and check everything without rendering templates: the site and its rendered Markdown,
/// for the search engine of `shishin search` / `eval` (cmd::search_cache). `shishin check` runs
/// the whole `build_site` instead, so template errors are reported too.
pub fn check_site(opts: &BuildOptions) -> Result<(Site, Vec<Rendered>), Diagnostics> {
    check_all(opts, &mut Timings::default(), &mut BuildCache::default()).map(|c| (c.site, c.rendered))
}

/// A loaded and checked site.
struct Checked {
    site: Site,
    rendered: Vec<Rendered>,
    /// Per page, the key its `rendered` Markdown is cached under (body and link targets).
    rendered_keys: Vec<Key>,
    structure: Key,
    caps: Arc<Capabilities>,
}

fn check_all(opts: &BuildOptions, t: &mut Timings, cache: &mut BuildCache) -> Result<Checked, Diagnostics> {
    let (site, mut errors) = t.time("load", || load_site_cached(&opts.root, &LoadOptions { include_drafts: opts.include_drafts }, &mut cache.load))?;
    errors.extend(t.time("validate", || validate::validate(&site)).0);
    let (rendered, rendered_keys) = t.time("markdown", || render_markdown(&site, &mut errors, &mut cache.markdown));
    let structure = t.time("structure", || structure_key(&site));
    let caps = match t.time("capabilities", || cached_capabilities(&site, &structure, cache)) {
        Ok(c) => c,
        Err(e) => {
            errors.extend(e.0);
            Arc::new(Capabilities { list: Vec::new(), key: None, files: Mutex::new(None) })
        }
    };
    errors.sorted().into_result()?;
    Ok(Checked { site, rendered, rendered_keys, structure, caps })
}

/// The capabilities of the last build while their inputs are unchanged (incremental.rs).
fn cached_capabilities(site: &Site, structure: &Key, cache: &mut BuildCache) -> Result<Arc<Capabilities>, Diagnostics> {
    let key = capabilities_key(site, structure);
    if let (Some(k), Some((known, caps))) = (key, &cache.capabilities)
        && k == *known
    {
        return Ok(caps.clone());
    }
    let caps = Arc::new(Capabilities { list: load_capabilities(site)?, key, files: Mutex::new(None) });
    cache.capabilities = key.map(|k| (k, caps.clone()));
    Ok(caps)
}

/// `shishin build` and `check`: every file of the site, the static search index included.
pub fn build_site(opts: &BuildOptions) -> Result<BuiltSite, Diagnostics> {
    build(opts, &mut BuildCache::default(), false).map(|(built, _)| built)
}

/// For `serve`: the site as `build_site` makes it, reusing what `cache` kept from earlier builds,
/// but without the static search index, which the returned job writes (`StaticIndex::write`).
/// Its folder is already named in every page, so the pages can be served first.
pub fn build_site_incremental(opts: &BuildOptions, cache: &mut BuildCache) -> Result<(BuiltSite, StaticIndex), Diagnostics> {
    build(opts, cache, true)
}

fn build(opts: &BuildOptions, cache: &mut BuildCache, defer_index: bool) -> Result<(BuiltSite, StaticIndex), Diagnostics> {
    let mut t = Timings::default();
    let checked = check_all(opts, &mut t, cache)?;
    let index = t.time("search inputs", || static_index(&checked.site, &checked.rendered, cache))?;
    let mut files = if defer_index {
        build_pages(opts, &checked, &index.dir, cache, &mut t)?
    } else {
        // The index is most of the work; it depends on nothing the pages make.
        let ((written, took), pages) = rayon::join(|| timed(|| index.clone().write()), || {
            let mut t = Timings::default();
            build_pages(opts, &checked, &index.dir, cache, &mut t).map(|f| (f, t))
        });
        let (mut files, pages_t) = pages?;
        t.0.extend(pages_t.0);
        t.push("search index", took);
        files.extend_from(&*written?);
        files
    };
    let Checked { site, rendered, caps, .. } = checked;
    files.extend_from(&caps.files.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default());
    crate::content::aliases::add_redirect_pages(&site, &mut files)?;
    Ok((BuiltSite { site, files, rendered, timings: t }, index))
}

/// Theme, exports, pages and site files: everything but the static index.
fn build_pages(opts: &BuildOptions, checked: &Checked, index_dir: &str, cache: &mut BuildCache, t: &mut Timings) -> Result<OutputFiles, Diagnostics> {
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
    // Every page names the index folder in <meta name="shishin-search">.
    let globals = |search_dir: &str| Globals { search_dir: Some(site.url_for(search_dir)), dev_reload: opts.dev_reload.clone(), build_time: String::new() };
    let mut files = OutputFiles::default();
    let hash = index_dir.trim_start_matches("/search/").trim_end_matches('/');
    let with_token = globals(&format!("/search/{}/", index_dir_token()));
    let shared = shared_inputs_key(&checked.structure, &theme_key, &caps.key, &(&with_token.search_dir, &with_token.dev_reload, &with_token.build_time));
    let inputs: Vec<Option<Key>> = checked.rendered_keys.iter().enumerate().map(|(i, r)| shared.map(|s| page_inputs_key(&s, i, r))).collect();
    let pages = Pages { site, rendered: &checked.rendered, inputs: &inputs, theme: &theme, theme_key: &theme_key, globals: &with_token, caps: &caps.list };
    t.time("render pages", || render_pages(&pages, hash, &mut cache.pages, &mut files))?;
    t.time("site files", || write_site_files(site, &theme, &globals(index_dir), &mut files))?;
    Ok(files)
}

/// The theme of the last build while its files are unchanged.
fn cached_theme(site: &Site, known: &Option<(Key, Arc<Theme>)>) -> Result<(Key, Arc<Theme>), Diagnostics> {
    let key = theme_key(site);
    match known {
        Some((k, theme)) if *k == key => Ok((key, theme.clone())),
        _ => Ok((key, Arc::new(Theme::load(&site.root, &site.config.base_path())?))),
    }
}

/// The static index of this build: its folder (named from its inputs) and the job writing it,
/// already done when the last index written had the same inputs. The analyser is loaded here,
/// once per change of search-index/, so a broken user dictionary fails the build itself.
fn static_index(site: &Site, rendered: &[Rendered], cache: &mut BuildCache) -> Result<StaticIndex, Diagnostics> {
    let search_error = |e: String| Diagnostics::from(Diagnostic::file_level("search-index", format!("search index: {e}")).help("check search-index/userdict.csv and synonyms.yaml"));
    let inputs = static_index_inputs(site, rendered).map_err(search_error)?;
    let store = cache.index.clone();
    let done = store.lock().unwrap_or_else(|e| e.into_inner()).as_ref().filter(|(dir, _)| *dir == inputs.dir).map(|(_, files)| files.clone());
    let dir = inputs.dir.clone();
    if let Some(files) = done {
        return Ok(StaticIndex { dir, work: IndexWork::Written(files), store });
    }
    let analyzer = match &cache.analyzer {
        Some((sources, analyzer)) if *sources == inputs.sources => analyzer.clone(),
        _ => Arc::new(inputs.sources.analyzer().map_err(search_error)?),
    };
    cache.analyzer = Some((inputs.sources.clone(), analyzer.clone()));
    Ok(StaticIndex { dir, work: IndexWork::ToWrite(Arc::new(inputs), analyzer), store })
}

/// The static search index of one build (see `build_site_incremental`).
#[derive(Clone)]
pub struct StaticIndex {
    /// Site-relative URL of its folder, `/search/<hash>/`.
    pub dir: String,
    work: IndexWork,
    store: IndexStore,
}

#[derive(Clone)]
enum IndexWork {
    Written(Arc<OutputFiles>),
    ToWrite(Arc<StaticIndexInputs>, Arc<Analyzer>),
}

impl StaticIndex {
    /// True when `write` has nothing left to do.
    pub fn is_written(&self) -> bool {
        matches!(self.work, IndexWork::Written(_))
    }

    /// The index files (paths under `search/<hash>/`), written now unless an earlier build with
    /// the same inputs wrote them already.
    pub fn write(self) -> Result<Arc<OutputFiles>, Diagnostics> {
        let (inputs, analyzer) = match self.work {
            IndexWork::Written(files) => return Ok(files),
            IndexWork::ToWrite(inputs, analyzer) => (inputs, analyzer),
        };
        let mut files = OutputFiles::default();
        write_static_index(&inputs, &analyzer, &mut |path, bytes| files.insert(path, bytes))
            .map_err(|e| Diagnostics::from(Diagnostic::file_level("search-index", format!("search index: {e}"))))?;
        let files = Arc::new(files);
        *self.store.lock().unwrap_or_else(|e| e.into_inner()) = Some((self.dir, files.clone()));
        Ok(files)
    }
}

/// The capabilities' downloads, written once per set of capabilities.
fn write_capability_files(site: &Site, caps: &Capabilities) -> Result<(), Diagnostics> {
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

/// Markdown of every page, in two passes (headings first, so cross-references can check
/// anchors). A page whose body is unchanged keeps its headings; one whose body and every
/// cross-reference target are unchanged keeps its HTML (`cache`). Also returns each page's key.
fn render_markdown(site: &Site, errors: &mut Diagnostics, cache: &mut MarkdownCache) -> (Vec<Rendered>, Vec<Key>) {
    let body_keys: Vec<Key> = site.pages.par_iter().map(|p| Fingerprint::new("markdown").bytes(p.file.to_string_lossy().as_bytes()).bytes(p.body.as_bytes()).finish()).collect();
    // Entries are updated in place: rebuilding the maps would copy every page's HTML again.
    let on_site: std::collections::HashSet<&PathBuf> = site.pages.iter().map(|p| &p.file).collect();
    cache.headings.retain(|file, _| on_site.contains(file));
    cache.rendered.retain(|file, _| on_site.contains(file));
    let known = &cache.headings;
    let first: Vec<(Vec<Heading>, Option<Vec<Diagnostic>>)> = site
        .pages
        .par_iter()
        .zip(&body_keys)
        .map(|(page, key)| match known.get(&page.file) {
            Some((k, hs)) if k == key => (hs.clone(), None),
            _ => {
                let (hs, e) = markdown::headings(page);
                (hs, Some(e))
            }
        })
        .collect();
    let mut headings: Vec<Vec<Heading>> = Vec::with_capacity(first.len());
    for ((page, key), (hs, fresh)) in site.pages.iter().zip(&body_keys).zip(first) {
        match fresh {
            Some(e) if e.is_empty() => _ = cache.headings.insert(page.file.clone(), (*key, hs.clone())),
            Some(e) => {
                cache.headings.remove(&page.file);
                errors.extend(e);
            }
            None => {}
        }
        headings.push(hs);
    }
    let targets = Targets::new(site, &headings);
    let targets_key = targets_key(site, &headings);
    let keys: Vec<Key> = body_keys.iter().map(|k| Fingerprint::new("rendered").bytes(k).bytes(&targets_key).finish()).collect();
    let known = &cache.rendered;
    // (rendered now?, result)
    let results: Vec<(bool, Result<Rendered, Vec<Diagnostic>>)> = site
        .pages
        .par_iter()
        .zip(headings.par_iter())
        .zip(&keys)
        .map(|((page, hs), key)| match known.get(&page.file) {
            Some((k, r)) if k == key => (false, Ok(r.clone())),
            _ => (true, markdown::render(page, hs, &targets)),
        })
        .collect();
    let rendered = site
        .pages
        .iter()
        .zip(&keys)
        .zip(results)
        .map(|((page, key), r)| match r {
            (false, Ok(r)) => r,
            (true, Ok(r)) => {
                cache.rendered.insert(page.file.clone(), (*key, r.clone()));
                r
            }
            (_, Err(e)) => {
                cache.rendered.remove(&page.file);
                errors.extend(e);
                Rendered { html: String::new(), toc: Vec::new(), sections: Vec::new() }
            }
        })
        .collect();
    (rendered, keys)
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
        let mut known: Vec<String> = theme.tera.get_template_names().filter_map(|n| n.strip_prefix("layouts/").map(|s| s.trim_end_matches(".html").to_string())).collect();
        known.sort();
        known.insert(0, "page".into());
        let known: Vec<&str> = known.iter().map(String::as_str).collect();
        let (message, help) = crate::plain::bad_value("layout", layout, &known);
        Err(Diagnostic::at_offset(&page.file, &page.source, page.value_offset("layout"), message).help(help))
    }
}

/// What `render_pages` renders from.
struct Pages<'a> {
    site: &'a Site,
    rendered: &'a [Rendered],
    /// Per page, `page_inputs_key` (None: build the context to find out).
    inputs: &'a [Option<Key>],
    theme: &'a Theme,
    theme_key: &'a Key,
    /// Names the index folder by `index_dir_token()`.
    globals: &'a Globals,
    caps: &'a [Box<dyn Capability>],
}

/// Renders every page whose template and context changed since the HTML in `cache` was made;
/// the rest is reused, without building its context when its inputs key is unchanged. The
/// index folder token is replaced by `hash` in the files written.
fn render_pages(p: &Pages, hash: &str, cache: &mut HashMap<String, PageHtml>, files: &mut OutputFiles) -> Result<(), Diagnostics> {
    let known = &*cache;
    let site = p.site;
    // (output path, cache entry, HTML with the folder's hash)
    let results: Vec<Result<(String, PageHtml, String), Diagnostic>> = (0..site.pages.len())
        .into_par_iter()
        .map(|i| render_page(p, i, known).map(|(path, page)| {
            let html = page.with_hash(hash);
            (path, page, html)
        }))
        .collect();
    let mut errors = Diagnostics::default();
    let mut fresh = HashMap::with_capacity(results.len());
    for r in results {
        match r {
            Ok((path, page, html)) => {
                files.insert(path.clone(), html);
                fresh.insert(path, page);
            }
            Err(e) => errors.push(e),
        }
    }
    errors.into_result()?;
    *cache = fresh;
    Ok(())
}

/// Page `i` and its output path: the HTML cached for that path when its inputs or its context
/// are those of the page now, else rendered now.
fn render_page(p: &Pages, i: usize, known: &HashMap<String, PageHtml>) -> Result<(String, PageHtml), Diagnostic> {
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
    Ok((path, PageHtml::new(inputs, key, html)))
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
    let asset_prefix = theme.asset_dir.strip_prefix(&site.config.base_path()).unwrap_or(&theme.asset_dir).to_string();
    for (name, bytes) in &theme.assets {
        files.insert(format!("{asset_prefix}{name}"), bytes.clone());
    }
    Ok(())
}
