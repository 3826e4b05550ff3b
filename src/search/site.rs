//! Search documents from the site model and the rendered Markdown, for `build_site` (static
//! index) and for the CLI/API engine, so both index exactly the same pages — plus the two calls
//! the build and `serve` make.

use super::analysis::Analyzer;
use super::engine::Engine;
use super::static_index::write_static;
use super::{SearchDoc, TextSection};
use crate::content::Site;
use crate::markdown::Rendered;

/// Where a site keeps its search inputs (user dictionary, synonyms).
pub const SEARCH_INDEX_DIR: &str = "search-index";

/// The analyser of a site: `<root>/search-index/`, or the built-in files where absent.
pub fn analyzer_for(site: &Site) -> Result<Analyzer, String> {
    Analyzer::load(&site.root.join(SEARCH_INDEX_DIR))
}

/// For `build_site`: writes the static index of every page through `files` (paths relative to the
/// output root, `search/<hash>/…`) and returns its site-relative URL `/search/<hash>/` (give
/// `site.url_for(..)` of it to the `shishin-search` meta tag).
pub fn write_site_index(site: &Site, rendered: &[Rendered], files: &mut impl FnMut(String, Vec<u8>)) -> Result<String, String> {
    write_static(&docs_from_site(site, rendered), &analyzer_for(site)?, files)
}

/// For the CLI and `/api/search`: the in-memory engine over every page.
pub fn engine_for_site(site: &Site, rendered: &[Rendered]) -> Result<Engine, String> {
    Engine::build(&docs_from_site(site, rendered), &analyzer_for(site)?)
}

/// One document per page in reading order. The breadcrumb lists the page's ancestors below the
/// home page; `corpus_rank` is the corpus's position in `shishin.yaml` (pages outside every corpus
/// rank after all corpora).
pub fn docs_from_site(site: &Site, rendered: &[Rendered]) -> Vec<SearchDoc> {
    site.pages
        .iter()
        .zip(rendered)
        .enumerate()
        .map(|(index, (page, r))| {
            let id = page.id();
            let corpus = site.config.corpus_for_id(&id).map(|(c, _)| c.prefix.clone());
            let corpus_rank = corpus
                .as_ref()
                .and_then(|c| site.config.corpora.iter().position(|x| &x.prefix == c))
                .unwrap_or(site.config.corpora.len());
            let breadcrumb = site
                .ancestors(index)
                .into_iter()
                .map(|a| &site.pages[a])
                .filter(|p| p.url != "/")
                .map(|p| p.label())
                .collect();
            SearchDoc {
                url: page.url.clone(),
                title: page.front.title.clone(),
                number: page.front.number.clone(),
                breadcrumb,
                tags: page.front.tags.clone(),
                corpus,
                corpus_rank,
                sections: r
                    .sections
                    .iter()
                    .map(|s| TextSection { anchor: s.anchor.clone(), heading: s.heading.clone(), text: s.text.clone() })
                    .collect(),
                id,
            }
        })
        .collect()
}
