//! The pipeline, one file per stage: load → validate → Markdown → capabilities (`check.rs`,
//! `markdown.rs`) → theme, exports, pages and site files (`pages.rs`) and the static search index
//! (`search_index.rs`) → OutputFiles. `cache.rs` is what `serve` keeps between builds. `serve`
//! calls the same functions; writing to disk is the caller's job (output::write_atomic).

mod cache;
mod check;
mod markdown;
mod pages;
mod search_index;
mod timings;

pub use cache::{BuildCache, IndexStore};
pub use search_index::StaticIndex;
pub use timings::Timings;

use crate::content::Site;
use crate::diagnostics::Diagnostics;
use crate::markdown::Rendered;
use crate::output::OutputFiles;
use check::{Checked, check_all};
use pages::{build_pages, site_files};
pub use pages::PageFiles;
use search_index::static_index;
use std::path::PathBuf;
use timings::timed;

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

pub struct BuiltSite {
    pub site: Site,
    /// Every file of the site; from `build_site_served`, every file but the pages' HTML.
    pub files: OutputFiles,
    /// From `build_site_served` only (else empty): each page's output path and HTML, shared
    /// with the build cache instead of copied into `files`; a file of `files` with the same path
    /// replaces it. (A one-off build's pages are in `files` from the start.)
    pub pages: PageFiles,
    /// Rendered Markdown per page, in `site.pages` order (search and exports read it).
    pub rendered: Vec<Rendered>,
    /// How long each stage took (`serve --verbose` prints them).
    pub timings: Timings,
}

/// Load and check everything without rendering templates: the site and its rendered Markdown,
/// for the search engine of `shishin search` / `eval` (cmd::search_cache). `shishin check` runs
/// the whole `build_site` instead, so template errors are reported too.
pub fn check_site(opts: &BuildOptions) -> Result<(Site, Vec<Rendered>), Diagnostics> {
    check_all(opts, &mut Timings::default(), &mut BuildCache::one_off()).map(|c| (c.site, c.rendered))
}

/// `shishin build` and `check`: every file of the site, the static search index included.
pub fn build_site(opts: &BuildOptions) -> Result<BuiltSite, Diagnostics> {
    build(opts, &mut BuildCache::one_off(), false).map(|(built, _)| built.with_pages_in_files())
}

/// For `serve`: the site as `build_site` makes it, reusing what `cache` kept from earlier builds,
/// but without the static search index, which the returned job writes (`StaticIndex::write`).
/// Its folder is already named in every page, so the pages can be served first.
pub fn build_site_incremental(opts: &BuildOptions, cache: &mut BuildCache) -> Result<(BuiltSite, StaticIndex), Diagnostics> {
    build_site_served(opts, cache).map(|(built, index)| (built.with_pages_in_files(), index))
}

/// `build_site_incremental`, but the pages' HTML is left out of `files` and handed over as it
/// is cached (`BuiltSite::pages`): `serve` shares it instead of copying 5,000 pages per save.
pub fn build_site_served(opts: &BuildOptions, cache: &mut BuildCache) -> Result<(BuiltSite, StaticIndex), Diagnostics> {
    let (built, index) = build(opts, cache, true)?;
    Ok((built, index.expect("a build that defers its index returns it")))
}

impl BuiltSite {
    /// The pages' files copied into `files`, where the files already there win on the same path
    /// (as the site files written after the pages do).
    fn with_pages_in_files(mut self) -> BuiltSite {
        let mut all = OutputFiles::default();
        for (path, html) in std::mem::take(&mut self.pages) {
            all.insert(path, html.as_bytes());
        }
        all.extend(std::mem::take(&mut self.files));
        self.files = all;
        self
    }
}

/// With `defer_index`, the static index is returned to be written (Some); else it is written into
/// the files (None).
fn build(opts: &BuildOptions, cache: &mut BuildCache, defer_index: bool) -> Result<(BuiltSite, Option<StaticIndex>), Diagnostics> {
    let mut t = Timings::default();
    let checked = check_all(opts, &mut t, cache)?;
    let (dir, index, pages, mut files, theme) = if defer_index {
        // Only the search page names the index folder, so the pages need not wait for the
        // search documents and their hash. (`static_index` keeps the analyser and the search
        // documents in its cache.)
        let mut search_cache = BuildCache { index: cache.index.clone(), analyzer: cache.analyzer.take(), search_docs: cache.search_docs.take(), one_off: cache.one_off, ..BuildCache::default() };
        let ((index, index_t), pages) = rayon::join(|| timed(|| static_index(&checked, &mut search_cache)), || {
            let mut t = Timings::default();
            build_pages(opts, &checked, cache, &mut t).map(|p| (p, t))
        });
        (cache.analyzer, cache.search_docs) = (search_cache.analyzer, search_cache.search_docs);
        t.push("search inputs", index_t);
        let index = index?;
        let ((pages, files, theme), pages_t) = pages?;
        t.0.extend(pages_t.0);
        (index.dir.clone(), Some(index), pages, files, theme)
    } else {
        let index = t.time("search inputs", || static_index(&checked, cache))?;
        let dir = index.dir.clone();
        // The index is most of the work; it depends on nothing the pages make. (Handed over
        // whole, so that its documents are moved into the index, not copied.)
        let ((written, took), pages) = rayon::join(|| timed(|| index.write_once()), || {
            let mut t = Timings::default();
            build_pages(opts, &checked, cache, &mut t).map(|p| (p, t))
        });
        let ((pages, mut files, theme), pages_t) = pages?;
        t.0.extend(pages_t.0);
        t.push("search index", took);
        files.extend(written);
        (dir, None, pages, files, theme)
    };
    site_files(opts, &checked, &theme, &dir, &mut files, &mut cache.sitemap, &mut t)?;
    let Checked { site, rendered, caps, .. } = checked;
    files.extend_from(&caps.files.lock().unwrap_or_else(|e| e.into_inner()).clone().unwrap_or_default());
    // Aliases must not land on a page's file either.
    let page_files: std::collections::HashSet<&str> =
        if site.pages.iter().any(|p| !p.front.aliases.is_empty()) { pages.iter().map(|(path, _)| path.as_str()).collect() } else { Default::default() };
    crate::content::aliases::add_redirect_pages(&site, &mut files, &|path| page_files.contains(path))?;
    drop(page_files);
    Ok((BuiltSite { site, files, pages, rendered, timings: t }, index))
}
