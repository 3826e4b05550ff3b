//! `GET /api/search?q=…&limit=…` → `{"hits": [{id, title, url, snippet, score, …}]}`.
//! The HTTP layer (parameter checks, JSON errors) lives here; the ranking is the search engine's,
//! reached through `SearchBackend` so this layer can be tested without an index.

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use percent_encoding::percent_decode_str;
use serde_json::{Value, json};

/// Longest query accepted, in characters (a clause title is far shorter).
pub const MAX_QUERY_CHARS: usize = 256;
pub const DEFAULT_LIMIT: usize = 10;
pub const MAX_LIMIT: usize = 100;

pub trait SearchBackend: Send + Sync {
    /// `{"hits": [...]}` for a checked, non-empty query; Err(message) when the engine rejects it.
    fn search(&self, q: &str, limit: usize) -> Result<Value, String>;
}

/// Any `Fn(q, limit)` is a backend (tests use closures).
impl<F> SearchBackend for F
where
    F: Fn(&str, usize) -> Result<Value, String> + Send + Sync,
{
    fn search(&self, q: &str, limit: usize) -> Result<Value, String> {
        self(q, limit)
    }
}

/// The checked parameters of a search request.
#[derive(Debug, PartialEq)]
pub struct SearchParams {
    pub q: String,
    pub limit: usize,
}

/// Parse the raw query string (`q=…&limit=…`, `+` is a space). Err is the message for a 400.
pub fn parse_params(raw: Option<&str>) -> Result<SearchParams, String> {
    let mut q: Option<String> = None;
    let mut limit: Option<String> = None;
    for pair in raw.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let decode = |s: &str| percent_decode_str(&s.replace('+', " ")).decode_utf8().map(|c| c.into_owned()).map_err(|_| "the query string is not valid UTF-8".to_string());
        match decode(k)?.as_str() {
            "q" if q.is_some() => return Err("give `q` only once".into()),
            "q" => q = Some(decode(v)?),
            "limit" => limit = Some(decode(v)?),
            _ => {}
        }
    }
    let q = q.unwrap_or_default();
    let trimmed = q.trim();
    if trimmed.is_empty() {
        return Err("missing query: pass ?q=<words or a clause number>, e.g. /api/search?q=暗号化".into());
    }
    if trimmed.chars().count() > MAX_QUERY_CHARS {
        return Err(format!("query too long: at most {MAX_QUERY_CHARS} characters"));
    }
    if trimmed.chars().any(char::is_control) {
        return Err("query contains control characters".into());
    }
    let limit = match limit {
        None => DEFAULT_LIMIT,
        Some(l) => match l.parse::<usize>() {
            Ok(n) if (1..=MAX_LIMIT).contains(&n) => n,
            _ => return Err(format!("limit must be a whole number from 1 to {MAX_LIMIT}")),
        },
    };
    Ok(SearchParams { q: trimmed.to_string(), limit })
}

pub fn respond(backend: Option<&dyn SearchBackend>, raw_query: Option<&str>) -> Response {
    let params = match parse_params(raw_query) {
        Ok(p) => p,
        Err(msg) => return json_response(StatusCode::BAD_REQUEST, &json!({ "error": msg })),
    };
    let Some(backend) = backend else {
        return json_response(StatusCode::SERVICE_UNAVAILABLE, &json!({ "error": "search is not available until the site builds without errors" }));
    };
    match backend.search(&params.q, params.limit) {
        Ok(hits) => json_response(StatusCode::OK, &hits),
        Err(msg) => json_response(StatusCode::BAD_REQUEST, &json!({ "error": msg })),
    }
}

fn json_response(status: StatusCode, body: &Value) -> Response {
    let mut res = (status, body.to_string()).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json; charset=utf-8"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_checks_parameters() {
        assert_eq!(parse_params(Some("q=%E6%9A%97%E5%8F%B7%E5%8C%96")).unwrap(), SearchParams { q: "暗号化".into(), limit: 10 });
        assert_eq!(parse_params(Some("q=a+b&limit=3&x=1")).unwrap(), SearchParams { q: "a b".into(), limit: 3 });
        assert!(parse_params(None).unwrap_err().contains("missing query"));
        assert!(parse_params(Some("q=")).unwrap_err().contains("missing query"));
        assert!(parse_params(Some("q=+%20+")).unwrap_err().contains("missing query"));
        assert!(parse_params(Some("q=a%07b")).unwrap_err().contains("control"));
        assert!(parse_params(Some(&format!("q={}", "あ".repeat(257)))).unwrap_err().contains("too long"));
        assert!(parse_params(Some(&format!("q={}", "あ".repeat(256)))).is_ok());
        assert!(parse_params(Some("q=%ff")).unwrap_err().contains("UTF-8"));
        assert!(parse_params(Some("q=a&q=b")).is_err());
        for bad in ["0", "101", "-1", "x", ""] {
            assert!(parse_params(Some(&format!("q=a&limit={bad}"))).unwrap_err().contains("limit"), "{bad}");
        }
    }
}
