//! Search results as `shishin search` and `/api/search` show them; the commands themselves
//! (engine cache, eval) are in `cmd::search`.

use super::engine::{Engine, Hit};
use super::query::QueryError;
use serde_json::{Value, json};

/// Results `shishin search` shows.
pub const DEFAULT_LIMIT: usize = 10;

/// `{"hits": [{id, title, url, snippet, score, number, breadcrumb, section, highlights}]}`.
pub fn hits_value(hits: &[Hit]) -> Value {
    json!({ "hits": hits })
}

pub fn hits_json(hits: &[Hit]) -> String {
    hits_value(hits).to_string()
}

/// What `serve`'s search backend returns for a query: the hits as JSON, or the reason the query
/// was rejected (for a 400).
pub fn search_value(engine: &Engine, query: &str, limit: usize) -> Result<Value, String> {
    engine.search(query, limit).map(|hits| hits_value(&hits)).map_err(|e| e.to_string())
}

/// Human-readable results: number and title, URL, snippet with 【】 around matches.
pub fn hits_text(hits: &[Hit]) -> String {
    if hits.is_empty() {
        return "no results\n".to_string();
    }
    let mut out = String::new();
    for (i, h) in hits.iter().enumerate() {
        let label = match &h.number {
            Some(n) => format!("{n} {}", h.title),
            None => h.title.clone(),
        };
        out.push_str(&format!("{:>2}. {label}  {}\n", i + 1, h.url));
        if !h.breadcrumb.is_empty() {
            out.push_str(&format!("    {}\n", h.breadcrumb.join(" › ")));
        }
        if !h.snippet.is_empty() {
            out.push_str(&format!("    {}\n", bracket_highlights(&h.snippet, &h.highlights)));
        }
    }
    out
}

fn bracket_highlights(snippet: &str, highlights: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity(snippet.len() + highlights.len() * 6);
    let mut at = 0;
    for &(a, b) in highlights {
        if a < at || b > snippet.len() || !snippet.is_char_boundary(a) || !snippet.is_char_boundary(b) {
            continue;
        }
        out.push_str(&snippet[at..a]);
        out.push('【');
        out.push_str(&snippet[a..b]);
        out.push('】');
        at = b;
    }
    out.push_str(&snippet[at..]);
    out
}

/// Runs one query for the CLI: JSON (`--json`) or text.
pub fn run_query(engine: &Engine, query: &str, json: bool, limit: usize) -> Result<String, QueryError> {
    let hits = engine.search(query, limit)?;
    Ok(if json { hits_json(&hits) + "\n" } else { hits_text(&hits) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn brackets_follow_byte_ranges() {
        let s = "…暗号化の鍵";
        let a = s.find('暗').unwrap();
        assert_eq!(bracket_highlights(s, &[(a, a + "暗号化".len())]), "…【暗号化】の鍵");
        // ranges that do not fit are skipped rather than panicking
        assert_eq!(bracket_highlights(s, &[(1, 2), (0, 999)]), s);
    }
}
