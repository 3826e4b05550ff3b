//! Search documents from the site model and the rendered Markdown, for `build_site` (static
//! index) and for the CLI/API engine, so both index exactly the same pages — plus the two calls
//! the build and `serve` make.

use super::analysis::{Analyzer, DEFAULT_SYNONYMS, DEFAULT_USERDICT};
use super::engine::Engine;
use super::static_index::write_static_into;
use super::{SearchDoc, TextSection};
use crate::content::Site;
use crate::markdown::Rendered;
use crate::fingerprint::{Fingerprint, Key};
use std::path::PathBuf;
use std::sync::Arc;

/// Where a site keeps its search inputs (user dictionary, synonyms).
pub const SEARCH_INDEX_DIR: &str = "search-index";

/// The analyser of a site: `<root>/search-index/`, or the built-in files where absent.
pub fn analyzer_for(site: &Site) -> Result<Analyzer, String> {
    AnalyzerSources::read(site)?.analyzer()
}

/// The files an analyser is made from (`userdict.csv`, `synonyms.yaml`): each is the site's own
/// or, where absent, the built-in one. Equal sources give an equal analyser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzerSources {
    pub userdict: (PathBuf, String),
    pub synonyms: (PathBuf, String),
}

impl AnalyzerSources {
    pub fn read(site: &Site) -> Result<AnalyzerSources, String> {
        let dir = site.root.join(SEARCH_INDEX_DIR);
        let read = |name: &str, default: &str| match std::fs::read_to_string(dir.join(name)) {
            Ok(text) => Ok((dir.join(name), text)),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok((PathBuf::from(format!("<built-in {name}>")), default.to_string())),
            Err(e) => Err(format!("{}: {e}", dir.join(name).display())),
        };
        Ok(AnalyzerSources { userdict: read("userdict.csv", DEFAULT_USERDICT)?, synonyms: read("synonyms.yaml", DEFAULT_SYNONYMS)? })
    }
    pub fn analyzer(&self) -> Result<Analyzer, String> {
        Analyzer::from_sources(&self.userdict.0, &self.userdict.1, &self.synonyms.0, &self.synonyms.1)
    }
}

/// Everything the static index is made from. Its folder is named from a hash of these inputs
/// (not of the written files), so pages can name it before it is written: `serve` renders and
/// reloads the pages first and writes the index afterwards.
pub struct StaticIndexInputs {
    /// One document per page, in reading order. Shared, not copied: `serve` keeps each page's
    /// document from one build to the next (`KeyedDoc`).
    pub docs: Vec<Arc<SearchDoc>>,
    pub sources: AnalyzerSources,
    /// Site-relative URL of the index folder, `/search/<hash>/` (give `site.url_for(..)` of it to
    /// the `shishin-search` meta tag).
    pub dir: String,
}

/// A page's search document (`page_doc`) and its `doc_key`.
pub type KeyedDoc = (Arc<SearchDoc>, Key);

/// The document of page `index` before any fill-in items are added (`static_index_inputs` adds
/// them), with its key. It reads the page, its rendered Markdown, its ancestors' labels and the
/// config's corpora, nothing else.
pub fn page_doc(site: &Site, index: usize, rendered: &Rendered) -> KeyedDoc {
    let doc = one_page_doc(site, index, rendered);
    let key = doc_key(&doc);
    (Arc::new(doc), key)
}

/// Cheap next to writing the index: a SHA-256 over the documents' keys (`docs`: `page_doc` of
/// every page, in order), the analyser's source texts and a fingerprint of the index-writing code
/// (build.rs), so a new format never reuses a name.
pub fn static_index_inputs(site: &Site, mut docs: Vec<KeyedDoc>) -> Result<StaticIndexInputs, String> {
    for (i, items) in item_sections(site, docs.iter().map(|(d, _)| &**d)) {
        let (doc, key) = &mut docs[i];
        Arc::make_mut(doc).sections.extend(items);
        *key = doc_key(doc);
    }
    let sources = AnalyzerSources::read(site)?;
    let mut h = Fingerprint::new(env!("SHISHIN_SEARCH_CODE_HASH"));
    h.bytes(sources.userdict.1.as_bytes()).bytes(sources.synonyms.1.as_bytes()).json(&docs.len());
    for (_, k) in &docs {
        h.bytes(k);
    }
    let dir = format!("/search/{}/", hex::encode(&h.finish()[..8]));
    Ok(StaticIndexInputs { docs: docs.into_iter().map(|(d, _)| d).collect(), sources, dir })
}

/// Every field of a document, the texts hashed as they are (not as JSON, which costs more than
/// the hash). The patterns name every field, so a field added to `SearchDoc` or `TextSection`
/// does not compile until it is hashed here too.
fn doc_key(doc: &SearchDoc) -> Key {
    let SearchDoc { id, url, title, number, breadcrumb, tags, corpus, corpus_rank, sections } = doc;
    let mut f = Fingerprint::new("search doc");
    f.bytes(id.as_bytes()).bytes(url.as_bytes()).bytes(title.as_bytes()).json(&(number, breadcrumb, tags, corpus, corpus_rank, sections.len()));
    for TextSection { anchor, heading, text } in sections {
        f.json(anchor).bytes(heading.as_bytes()).bytes(text.as_bytes());
    }
    f.finish()
}

/// Writes the static index of `inputs` into its folder through `files` (paths relative to the
/// output root, `search/<hash>/…`); false when `keep_going` stopped it (nothing written).
/// The documents are copied (`serve` keeps sharing them); `write_static_index_owned` moves them.
pub fn write_static_index(inputs: &StaticIndexInputs, analyzer: &Analyzer, files: &mut impl FnMut(String, Vec<u8>), keep_going: &(dyn Fn() -> bool + Sync)) -> bool {
    let docs: Vec<SearchDoc> = inputs.docs.iter().map(|d| SearchDoc::clone(d)).collect();
    write_static_into(&docs, analyzer, &inputs.dir, files, keep_going)
}

/// `write_static_index`, moving each document no one else holds (a one-off build's) instead of
/// copying it.
pub fn write_static_index_owned(inputs: StaticIndexInputs, analyzer: &Analyzer, files: &mut impl FnMut(String, Vec<u8>), keep_going: &(dyn Fn() -> bool + Sync)) -> bool {
    let docs: Vec<SearchDoc> = inputs.docs.into_iter().map(|d| Arc::try_unwrap(d).unwrap_or_else(|d| SearchDoc::clone(&d))).collect();
    write_static_into(&docs, analyzer, &inputs.dir, files, keep_going)
}

/// For the CLI and `/api/search`: the in-memory engine over every page.
pub fn engine_for_site(site: &Site, rendered: &[Rendered]) -> Result<Engine, String> {
    Engine::build(&docs_from_site(site, rendered), &analyzer_for(site)?)
}

/// One document per page in reading order. The breadcrumb lists the page's ancestors below the
/// home page; `corpus_rank` is the corpus's position in `shishin.yaml` (pages outside every corpus
/// rank after all corpora). A fill-in template's page (開示書, SLA) also gets one section per
/// item after its Markdown sections, anchored at the item's id, so the item is found and linked
/// while the page stays one result.
pub fn docs_from_site(site: &Site, rendered: &[Rendered]) -> Vec<SearchDoc> {
    let mut docs: Vec<SearchDoc> = rendered.iter().enumerate().map(|(index, r)| one_page_doc(site, index, r)).collect();
    for (i, items) in item_sections(site, docs.iter()) {
        docs[i].sections.extend(items);
    }
    docs
}

/// The fill-in items' sections (`docs_from_site`) and the index of the document they go to.
fn item_sections<'a>(site: &Site, docs: impl Iterator<Item = &'a SearchDoc>) -> Vec<(usize, Vec<TextSection>)> {
    let items = crate::disclosure::search::item_sections(site);
    if items.is_empty() {
        return Vec::new();
    }
    let ids: Vec<&str> = docs.map(|d| d.id.as_str()).collect();
    items
        .into_iter()
        .filter_map(|(page_id, items)| {
            let i = ids.iter().position(|id| *id == page_id)?;
            Some((i, items.into_iter().map(|i| TextSection { anchor: Some(i.anchor), heading: i.heading, text: i.text }).collect()))
        })
        .collect()
}

fn one_page_doc(site: &Site, index: usize, r: &Rendered) -> SearchDoc {
    let page = &site.pages[index];
    let id = page.id();
    let corpus = site.config.corpus_for_id(&id).map(|(c, _)| c.prefix.clone());
    let corpus_rank = corpus.as_ref().and_then(|c| site.config.corpora.iter().position(|x| &x.prefix == c)).unwrap_or(site.config.corpora.len());
    let breadcrumb = site.ancestors(index).into_iter().map(|a| &site.pages[a]).filter(|p| p.url != "/").map(|p| p.label()).collect();
    SearchDoc {
        url: page.url.clone(),
        title: page.front.title.clone(),
        number: page.front.number.clone(),
        breadcrumb,
        tags: page.front.tags.clone(),
        corpus,
        corpus_rank,
        sections: r.sections.iter().map(|s| TextSection { anchor: s.anchor.clone(), heading: s.heading.clone(), text: s.text.clone() }).collect(),
        id,
    }
}
