//! `/api/search` backed by the real engine (`crate::search`): the same analyser and ranking as
//! `shishin search --json`, indexed in memory from each successful build.

use super::api::SearchBackend;
use super::rebuild::SearchFactory;
use crate::search::cli::search_value;
use crate::search::site::{AnalyzerSources, docs_from_site};
use crate::search::{Analyzer, Engine};
use serde_json::Value;
use std::sync::Arc;

pub struct EngineBackend(pub Engine);

impl SearchBackend for EngineBackend {
    fn search(&self, q: &str, limit: usize) -> Result<Value, String> {
        search_value(&self.0, q, limit)
    }
}

/// Indexes every good build. The analyser (IPADIC + the site's user dictionary and synonyms) is
/// loaded once and again only when those files differ from the ones it was made from.
pub fn factory() -> SearchFactory {
    let mut analyzer: Option<(AnalyzerSources, Analyzer)> = None;
    Box::new(move |built| {
        let sources = AnalyzerSources::read(&built.site)?;
        let analyzer = match analyzer.take() {
            Some((known, a)) if known == sources => analyzer.insert((known, a)),
            _ => analyzer.insert((sources.clone(), sources.analyzer()?)),
        };
        let engine = Engine::build(&docs_from_site(&built.site, &built.rendered), &analyzer.1)?;
        Ok(Arc::new(EngineBackend(engine)) as Arc<dyn SearchBackend>)
    })
}
