//! `shishin search` and `shishin eval`: open the site's engine (cached on disk, `search_cache`)
//! and run a query or the relevance queries.

use super::search_cache as cache;
use crate::search::cli::{DEFAULT_LIMIT, run_query};
use crate::search::eval::{self, Report};
use anyhow::{Context, anyhow};
use crate::search::Engine;
use std::path::Path;

/// Where a site keeps its relevance queries.
pub const EVAL_QUERIES: &str = "tests/eval/queries.yaml";

/// The engine of the site at `root`: the cached index in `<root>/.shishin/` when the site is
/// unchanged, else loaded, rendered (no templates, nothing written) and indexed, and cached.
/// Building or rebuilding the cache is reported on stderr.
pub fn open_engine(root: &Path) -> anyhow::Result<Engine> {
    let (engine, origin) = cache::open(root)?;
    if let Some(note) = origin.note(root) {
        eprintln!("{note}");
    }
    Ok(engine)
}

/// `shishin search [--json] [--root DIR] QUERY`: the results, ready to print. A rejected query is
/// an error whose message says why.
pub fn search_cli(root: &Path, query: &str, json: bool) -> anyhow::Result<String> {
    let engine = open_engine(root)?;
    run_query(&engine, query, json, DEFAULT_LIMIT).map_err(|e| anyhow!(e))
}

/// `shishin eval [--root DIR] [QUERIES]`: runs the relevance queries (default
/// `<root>/tests/eval/queries.yaml`) and returns the report (print it with `{}`); the caller
/// decides what recall fails the command.
pub fn eval_cli(root: &Path, queries: Option<&Path>) -> anyhow::Result<Report> {
    let path = queries.map(Path::to_path_buf).unwrap_or_else(|| root.join(EVAL_QUERIES));
    let queries = eval::load_queries(&path).map_err(|e| anyhow!(e)).context("reading the eval queries")?;
    let engine = open_engine(root)?;
    Ok(eval::evaluate(&engine, &queries, 5))
}
