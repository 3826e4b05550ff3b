//! The static search index stage: its folder name is known before it is written, so pages can
//! name it while the index is still being written (by `build_site` in parallel with the pages,
//! by `serve` on its own thread).

use super::cache::{BuildCache, IndexStore, SearchDocs};
use super::check::Checked;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::output::OutputFiles;
use crate::search::Analyzer;
use crate::search::site::{KeyedDoc, StaticIndexInputs, page_doc, static_index_inputs, write_static_index, write_static_index_owned};
use rayon::prelude::*;
use std::sync::Arc;

/// The static index of this build: its folder (named from its inputs) and the job writing it,
/// already done when the last index written had the same inputs. The analyser is loaded here,
/// once per change of search-index/, so a broken user dictionary fails the build itself.
pub(super) fn static_index(checked: &Checked, cache: &mut BuildCache) -> Result<StaticIndex, Diagnostics> {
    let search_error = |e: String| Diagnostics::from(Diagnostic::file_level("search-index", format!("search index: {e}")).help("check search-index/userdict.csv and synonyms.yaml"));
    let site = &checked.site;
    let docs = page_docs(checked, &cache.search_docs);
    if !cache.one_off {
        cache.search_docs = Some((checked.structure, checked.rendered_keys.iter().copied().zip(docs.iter().cloned()).collect()));
    }
    let inputs = static_index_inputs(site, docs).map_err(search_error)?;
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

/// Every page's search document: the one `known` holds for the page while the site's structure
/// and the page's rendered Markdown are those it was made from (`page_doc` reads nothing else),
/// else made now.
fn page_docs(checked: &Checked, known: &SearchDocs) -> Vec<KeyedDoc> {
    let known = known.as_ref().filter(|(structure, _)| *structure == checked.structure).map(|(_, docs)| docs.as_slice()).unwrap_or_default();
    let Checked { site, rendered, rendered_keys, .. } = checked;
    (0..site.pages.len())
        .into_par_iter()
        .map(|i| match known.get(i) {
            Some((key, doc)) if *key == rendered_keys[i] => doc.clone(),
            _ => page_doc(site, i, &rendered[i]),
        })
        .collect()
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
pub(super) enum IndexWork {
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
    pub fn write(self) -> Arc<OutputFiles> {
        self.write_while(&|| true).unwrap_or_default()
    }

    /// `write`, asking `keep_going` between chunks of the work: None when it said no (`serve`: a
    /// newer build replaced this one, whose index is the one to write).
    pub fn write_while(self, keep_going: &(dyn Fn() -> bool + Sync)) -> Option<Arc<OutputFiles>> {
        let (inputs, analyzer) = match self.work {
            IndexWork::Written(files) => return Some(files),
            IndexWork::ToWrite(inputs, analyzer) => (inputs, analyzer),
        };
        let files = Arc::new(write_files(&inputs, &analyzer, keep_going)?);
        *self.store.lock().unwrap_or_else(|e| e.into_inner()) = Some((self.dir, files.clone()));
        Some(files)
    }

    /// `write` for a one-off build: the files are handed over, not kept for a later build (the
    /// index is the largest part of the output; a copy would cost its size again in memory), and
    /// the documents no one else holds are moved into the index, not copied.
    pub(super) fn write_once(self) -> OutputFiles {
        match self.work {
            IndexWork::Written(files) => (*files).clone(),
            IndexWork::ToWrite(inputs, analyzer) => {
                let mut files = OutputFiles::default();
                let mut add = |path, bytes| files.insert(path, bytes);
                match Arc::try_unwrap(inputs) {
                    Ok(inputs) => _ = write_static_index_owned(inputs, &analyzer, &mut add, &|| true),
                    Err(inputs) => _ = write_static_index(&inputs, &analyzer, &mut add, &|| true),
                }
                files
            }
        }
    }
}

fn write_files(inputs: &StaticIndexInputs, analyzer: &Analyzer, keep_going: &(dyn Fn() -> bool + Sync)) -> Option<OutputFiles> {
    let mut files = OutputFiles::default();
    write_static_index(inputs, analyzer, &mut |path, bytes| files.insert(path, bytes), keep_going).then_some(files)
}
