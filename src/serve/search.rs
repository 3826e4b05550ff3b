//! `/api/search` backed by the real engine (`crate::search`): the same analyser and ranking as
//! `shishin search --json`, indexed in memory from each successful build.

use super::api::SearchBackend;
use super::rebuild::SearchFactory;
use crate::search::cli::search_value;
use crate::search::site::{SEARCH_INDEX_DIR, docs_from_site};
use crate::search::{Analyzer, Engine};
use serde_json::Value;
use std::path::Path;
use std::sync::Arc;

pub struct EngineBackend(pub Engine);

impl SearchBackend for EngineBackend {
    fn search(&self, q: &str, limit: usize) -> Result<Value, String> {
        search_value(&self.0, q, limit)
    }
}

/// Indexes every good build. The analyser (IPADIC + the site's user dictionary and synonyms) is
/// loaded once and again only when something under search-index/ changed.
pub fn factory(root: &Path) -> SearchFactory {
    let dir = root.join(SEARCH_INDEX_DIR);
    let mut analyzer: Option<Analyzer> = None;
    Box::new(move |built, changed| {
        if analyzer.is_none() || changed.iter().any(|p| p.starts_with(SEARCH_INDEX_DIR)) {
            analyzer = Some(Analyzer::load(&dir)?);
        }
        let analyzer = analyzer.as_ref().ok_or("no analyser")?;
        let engine = Engine::build(&docs_from_site(&built.site, &built.rendered), analyzer)?;
        Ok(Arc::new(EngineBackend(engine)) as Arc<dyn SearchBackend>)
    })
}
