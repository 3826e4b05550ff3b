//! The relevance harness: queries with the page ids a good answer puts in the top k, scored as
//! recall@k (share of queries with an expected id in the top k) and MRR (mean of 1/rank of the
//! first expected id within the top `MRR_DEPTH`, 0 when absent).
//!
//! ```yaml
//! queries:
//!   - { q: "暗号化", expect: [mic-3.2.3], within: 1 }
//! ```
//!
//! `within: N` (optional) also asks for an expected page in the first N results: the report lists
//! such a query under `misplaced` when it is not (used to pin ranking decisions, such as the
//! primary-corpus boost, not only recall).
//!
//! `anchor: ID` (optional, with `within` of at most `ANCHOR_WITHIN`) also asks that the expected
//! page's hit deep-link to `#ID` — a template item (`disc-2-3`) or a heading: the query is
//! `misplaced` when the hit links elsewhere. It is checked wherever the hit's URL is known: on the
//! engine always; on the static index the caller passes the URLs the search page presents.

use super::engine::Engine;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::path::Path;

pub const MRR_DEPTH: usize = 10;
/// An `anchor` pin goes with `within` of at most this: the search page presents (and the static
/// eval reports the URLs of) the first three hits.
pub const ANCHOR_WITHIN: usize = 3;

#[derive(Debug, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct EvalQuery {
    pub q: String,
    pub expect: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub within: Option<usize>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub anchor: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct QueriesFile {
    queries: Vec<EvalQuery>,
}

/// Reads a queries file through the one YAML wrapper; errors carry file:line:col.
pub fn load_queries(path: &Path) -> Result<Vec<EvalQuery>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let file: QueriesFile = crate::yaml::parse(path, &text, 0).map_err(|d| d.with_source(&text).to_string())?;
    for (i, q) in file.queries.iter().enumerate() {
        if q.expect.is_empty() {
            return Err(format!("{}: query {} ({:?}) expects no page", path.display(), i + 1, q.q));
        }
        if q.anchor.is_some() && q.within.is_none_or(|w| w > ANCHOR_WITHIN) {
            return Err(format!("{}: query {} ({:?}) pins an anchor without `within: N` (N ≤ {ANCHOR_WITHIN})", path.display(), i + 1, q.q));
        }
    }
    Ok(file.queries)
}

#[derive(Debug, Clone, Serialize)]
pub struct Outcome {
    pub query: String,
    pub expect: Vec<String>,
    /// Ids of the first `MRR_DEPTH` results.
    pub top: Vec<String>,
    /// 1-based rank of the first expected id.
    pub rank: Option<usize>,
    pub within: Option<usize>,
    /// The anchor the expected page's hit must link to.
    pub anchor: Option<String>,
    /// The anchor it links to (`Some(None)`: no anchor); None where its URL is not known.
    pub landed: Option<Option<String>>,
}

impl Outcome {
    /// The query asks for an expected page within the first `within` results and has none there,
    /// or its hit links to another anchor than the pinned one.
    pub fn is_misplaced(&self) -> bool {
        self.within.is_some_and(|w| self.rank.is_none_or(|r| r > w)) || self.wrong_anchor()
    }
    /// The pinned anchor is known to be missed.
    pub fn wrong_anchor(&self) -> bool {
        matches!((&self.anchor, &self.landed), (Some(want), Some(got)) if got.as_deref() != Some(want.as_str()))
    }
}

/// One ranked hit as a path reports it: the page id and, where known, the URL it links to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Ranked {
    pub id: String,
    pub url: Option<String>,
}

impl From<String> for Ranked {
    fn from(id: String) -> Ranked {
        Ranked { id, url: None }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct Report {
    pub k: usize,
    pub recall: f64,
    pub mrr: f64,
    pub outcomes: Vec<Outcome>,
}

/// Scores ranked id lists (one per query, from any search path) against the expectations.
pub fn score(queries: &[EvalQuery], results: Vec<Vec<String>>, k: usize) -> Report {
    score_ranked(queries, results.into_iter().map(|top| top.into_iter().map(Ranked::from).collect()).collect(), k)
}

/// Like `score`, with the URLs of the hits where known, so `anchor` pins are checked.
pub fn score_ranked(queries: &[EvalQuery], results: Vec<Vec<Ranked>>, k: usize) -> Report {
    let outcomes: Vec<Outcome> = queries
        .iter()
        .zip(results)
        .map(|(q, mut hits)| {
            hits.truncate(MRR_DEPTH);
            let first = hits.iter().position(|h| q.expect.contains(&h.id));
            let landed = first.and_then(|i| hits[i].url.as_deref()).map(|url| url.split_once('#').map(|(_, a)| a.to_string()));
            let top = hits.into_iter().map(|h| h.id).collect();
            Outcome { query: q.q.clone(), expect: q.expect.clone(), top, rank: first.map(|p| p + 1), within: q.within, anchor: q.anchor.clone(), landed }
        })
        .collect();
    let n = outcomes.len().max(1) as f64;
    let recall = outcomes.iter().filter(|o| o.rank.is_some_and(|r| r <= k)).count() as f64 / n;
    let mrr = outcomes.iter().map(|o| o.rank.map_or(0.0, |r| 1.0 / r as f64)).sum::<f64>() / n;
    Report { k, recall, mrr, outcomes }
}

impl Report {
    /// Queries with `within` whose expected page ranks lower.
    pub fn misplaced(&self) -> Vec<&Outcome> {
        self.outcomes.iter().filter(|o| o.is_misplaced()).collect()
    }
}

/// Runs every query on the engine; a query the engine rejects counts as a miss.
pub fn evaluate(engine: &Engine, queries: &[EvalQuery], k: usize) -> Report {
    let results = queries
        .iter()
        .map(|q| engine.search(&q.q, MRR_DEPTH).map(|hits| hits.into_iter().map(|h| Ranked { id: h.id, url: Some(h.url) }).collect()).unwrap_or_default())
        .collect();
    score_ranked(queries, results, k)
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for o in &self.outcomes {
            let mark = match o.rank {
                Some(r) if r <= self.k => format!("{r:>2}"),
                Some(r) => format!("{r:>2}!"),
                None => " -".to_string(),
            };
            let within = match o.within {
                Some(w) if o.rank.is_none_or(|r| r > w) => format!(", NOT within {w}"),
                Some(w) => format!(", within {w}"),
                None => String::new(),
            };
            let within = match (&o.anchor, &o.landed) {
                (Some(a), Some(got)) if o.wrong_anchor() => format!("{within}, NOT at #{a} (links #{})", got.as_deref().unwrap_or("")),
                (Some(a), _) => format!("{within} at #{a}"),
                _ => within,
            };
            let top = o.top.iter().take(self.k).cloned().collect::<Vec<_>>().join(" ");
            writeln!(f, "{mark}  {}  → {top}  (want {}{within})", o.query, o.expect.join("|"))?;
        }
        write!(f, "recall@{} {:.3}  MRR {:.3}  ({} queries", self.k, self.recall, self.mrr, self.outcomes.len())?;
        match self.misplaced().len() {
            0 => write!(f, ")"),
            n => write!(f, "; {n} not within their rank)"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics() {
        let qs = vec![
            EvalQuery { q: "a".into(), expect: vec!["x".into()], within: Some(1), anchor: None },
            EvalQuery { q: "b".into(), expect: vec!["y".into(), "z".into()], within: Some(1), anchor: None },
            EvalQuery { q: "c".into(), expect: vec!["w".into()], within: None, anchor: None },
        ];
        let results = vec![
            vec!["x".into()],
            vec!["p".into(), "z".into()],
            (0..7).map(|i| if i == 6 { "w".to_string() } else { format!("n{i}") }).collect(),
        ];
        let r = score(&qs, results, 5);
        assert_eq!(r.outcomes.iter().map(|o| o.rank).collect::<Vec<_>>(), [Some(1), Some(2), Some(7)]);
        assert!((r.recall - 2.0 / 3.0).abs() < 1e-9);
        assert!((r.mrr - (1.0 + 0.5 + 1.0 / 7.0) / 3.0).abs() < 1e-9);
        assert_eq!(r.misplaced().iter().map(|o| o.query.as_str()).collect::<Vec<_>>(), ["b"]);
        assert!(r.to_string().contains("(want y|z, NOT within 1)"), "{r}");
        assert!(r.to_string().ends_with("recall@5 0.667  MRR 0.548  (3 queries; 1 not within their rank)"), "{r}");
    }

    #[test]
    fn anchor_pins_check_the_expected_hits_link_where_known() {
        let q = |anchor: &str| EvalQuery { q: "q".into(), expect: vec!["t".into()], within: Some(1), anchor: Some(anchor.into()) };
        let hit = |url: Option<&str>| vec![vec![Ranked { id: "t".into(), url: url.map(String::from) }]];
        assert!(score_ranked(&[q("disc-2-3")], hit(Some("/t/#disc-2-3")), 5).misplaced().is_empty());
        let wrong = score_ranked(&[q("disc-2-3")], hit(Some("/t/#disc-2-4")), 5);
        assert_eq!(wrong.misplaced().len(), 1);
        assert!(wrong.to_string().contains("NOT at #disc-2-3 (links #disc-2-4)"), "{wrong}");
        assert_eq!(score_ranked(&[q("disc-2-3")], hit(Some("/t/")), 5).misplaced().len(), 1, "no anchor at all");
        assert!(score_ranked(&[q("disc-2-3")], hit(None), 5).misplaced().is_empty(), "unknown URL: not checked");
    }
}
