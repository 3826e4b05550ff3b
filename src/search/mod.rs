//! Japanese full-text search: one analyser (`analysis`) feeds an in-memory tantivy index for the
//! CLI and the HTTP API (`engine`) and a sharded static index for the browser (`static_index`,
//! read by `themes/default/static/search-core.js`). Clause numbers take an exact path (`clause`).
//!
//! Module map: `normalize` and `bigram` are the part the browser repeats exactly; `synonyms`
//! and lindera live in `analysis`; `query` turns raw input into data; `ranking` holds the shared
//! scoring constants; `snippet` picks the best section and the highlighted excerpt; `eval`
//! measures recall@5 and MRR; `page_records` writes the static index's per-page tf records; `script` drops the comment lines of the shipped search scripts; `site` turns the site model into documents; `cli` holds the helpers the command line and the server call;
//! `cache` keeps the CLI's built engine in `<root>/.shishin/`.

pub mod analysis;
pub mod bigram;
pub mod clause;
pub mod cli;
mod doc;
pub mod engine;
pub mod eval;
pub mod normalize;
mod page_records;
mod postings;
pub mod query;
pub mod ranking;
pub mod site;
pub mod snippet;
pub mod static_index;
pub mod synonyms;

use serde::{Deserialize, Serialize};

pub use analysis::Analyzer;
pub use engine::{Engine, Hit};
pub use query::QueryError;
pub use static_index::write_static;

/// One part of a page: the text under a heading (`anchor` is the heading's id) or, with no
/// anchor, the text before the first heading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TextSection {
    pub anchor: Option<String>,
    pub heading: String,
    pub text: String,
}

/// A page as the search sees it; built by the build pipeline from rendered pages.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchDoc {
    pub id: String,
    /// Site-relative URL without the base path: `/mic/3.2.1/`.
    pub url: String,
    /// Title without the number.
    pub title: String,
    pub number: Option<String>,
    pub breadcrumb: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// `mic`, `mhlw5`, `meti2`, or `None` for pages outside a corpus.
    pub corpus: Option<String>,
    /// Position of the corpus in the site's `corpora` list (lower is listed first).
    #[serde(default)]
    pub corpus_rank: usize,
    pub sections: Vec<TextSection>,
}
