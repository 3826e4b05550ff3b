//! The axum application: the request guard (Host, method, body, timeout, security headers), the
//! in-memory file handler (with single byte ranges), the search API and the live-reload socket.

use super::api;
use super::livereload::{self, WS_PATH};
use super::paths::{Resolved, resolve};
use super::range::{self, Range};
use super::security::Allowed;
use super::state::{Current, Snapshot, State as ServeState};
use crate::html::escape_html;
use axum::body::{Body, Bytes};
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::extract::{Request, State, WebSocketUpgrade};
use axum::http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode, Uri, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, watch};

/// A request (not a WebSocket) that takes longer than this is answered with 503.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a request for the search index waits while the index of the current build is being
/// written (normally tens of milliseconds after the reload).
pub const INDEX_WAIT: Duration = Duration::from_secs(10);
/// GET/HEAD bodies are never read; anything larger is refused so it is not drained either.
pub const BODY_LIMIT: u64 = 16 * 1024;

/// reload.js and its stylesheet, for the error page shown before the first good build (the
/// theme's hashed assets do not exist yet then).
const RELOAD_JS: &str = include_str!("../../themes/default/static/reload.js");
const RELOAD_CSS: &str = include_str!("../../themes/default/static/reload.css");

pub struct App {
    pub state: Arc<ServeState>,
    pub allowed: Allowed,
    /// netlify.toml's `[[headers]]` blocks, added to every response whose path they match.
    pub headers: Vec<HeaderRule>,
    pub shutdown: watch::Receiver<bool>,
    /// Open live-reload sockets (one permit each).
    pub ws_slots: Arc<Semaphore>,
}

pub struct HeaderRule {
    pub pattern: regex::Regex,
    pub values: Vec<(HeaderName, HeaderValue)>,
}

pub fn router(app: Arc<App>) -> Router {
    Router::new()
        .route(WS_PATH, get(websocket))
        .route("/api/search", get(search))
        .route("/__shishin/reload.js", get(|| async { asset("text/javascript; charset=utf-8", RELOAD_JS) }))
        .route("/__shishin/reload.css", get(|| async { asset("text/css; charset=utf-8", RELOAD_CSS) }))
        .fallback(static_file)
        .layer(middleware::from_fn_with_state(app.clone(), guard))
        .with_state(app)
}

/// Checks every request before routing and adds the security headers to every response.
async fn guard(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let mut res = match refuse(&app, &req) {
        Some(res) => res,
        None => match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
            Ok(res) => res,
            Err(_) => text(StatusCode::SERVICE_UNAVAILABLE, "request timed out\n"),
        },
    };
    // A deployed Cache-Control applies to files (whole or a range of one) only: pages must show
    // edits at once, and an error must never be cached as immutable.
    let keep_cache = !matches!(res.status(), StatusCode::OK | StatusCode::PARTIAL_CONTENT) || res.headers().get(header::CONTENT_TYPE).is_some_and(|t| t.as_bytes().starts_with(b"text/html"));
    let h = res.headers_mut();
    for rule in app.headers.iter().filter(|r| r.pattern.is_match(&path)) {
        for (k, v) in &rule.values {
            if !(keep_cache && k == header::CACHE_CONTROL) {
                h.insert(k.clone(), v.clone());
            }
        }
    }
    res
}

fn refuse(app: &App, req: &Request) -> Option<Response> {
    // DNS rebinding: the Host (and an absolute-form target's authority) must name this machine.
    let hosts: Vec<&HeaderValue> = req.headers().get_all(header::HOST).iter().collect();
    let host_ok = match hosts.as_slice() {
        [one] => one.to_str().is_ok_and(|h| app.allowed.host_ok(h)),
        _ => false,
    };
    let authority_ok = req.uri().authority().is_none_or(|a| app.allowed.host_ok(a.as_str()));
    if !host_ok || !authority_ok {
        return Some(text(StatusCode::FORBIDDEN, "forbidden: the Host header must be localhost, 127.0.0.1 or [::1] with this server's port\n"));
    }
    if req.method() != Method::GET && req.method() != Method::HEAD {
        let mut res = text(StatusCode::METHOD_NOT_ALLOWED, "method not allowed: this preview server only answers GET and HEAD\n");
        res.headers_mut().insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return Some(res);
    }
    let length = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).map(|v| v.trim().parse::<u64>());
    let too_big = match length {
        Some(Ok(n)) => n > BODY_LIMIT,
        Some(Err(_)) => true,
        None => req.headers().contains_key(header::TRANSFER_ENCODING),
    };
    if too_big {
        let mut res = text(StatusCode::PAYLOAD_TOO_LARGE, "request body too large\n");
        // The body is not read, so the connection cannot be reused.
        res.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        return Some(res);
    }
    None
}

async fn websocket(State(app): State<Arc<App>>, headers: HeaderMap, upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>) -> Response {
    // Cross-site WebSocket hijacking: only our own pages may subscribe.
    let origin_ok = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok()).is_some_and(|o| app.allowed.origin_ok(o));
    if !origin_ok {
        return text(StatusCode::FORBIDDEN, "forbidden: WebSocket Origin must be this server (http://127.0.0.1:PORT or http://localhost:PORT)\n");
    }
    let upgrade = match upgrade {
        Ok(u) => u,
        Err(rejection) => return rejection.into_response(),
    };
    let Ok(permit) = app.ws_slots.clone().try_acquire_owned() else {
        return text(StatusCode::SERVICE_UNAVAILABLE, "too many open live-reload connections\n");
    };
    let (state, shutdown) = (app.state.clone(), app.shutdown.clone());
    upgrade.max_message_size(64 * 1024).on_upgrade(move |socket| livereload::client(socket, state, shutdown, permit))
}

async fn search(State(app): State<Arc<App>>, uri: Uri) -> Response {
    let backend = app.state.search();
    api::respond(backend.as_deref(), uri.query())
}

async fn static_file(State(app): State<Arc<App>>, method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let current = app.state.current();
    let Some(site) = &current.site else {
        return not_built(&current);
    };
    let head = method == Method::HEAD;
    match resolve(uri.path(), uri.query(), &site.base_path, |k| site.may_contain(k)) {
        Resolved::File(key) => {
            // A page of this build names its search index before the index is written.
            if let Some(index) = site.indexes().find(|i| key.starts_with(&i.prefix) && i.is_writing())
                && !index.wait(INDEX_WAIT).await
            {
                let mut res = text(StatusCode::SERVICE_UNAVAILABLE, "the search index is not ready; try again\n");
                res.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
                return res;
            }
            match site.get(&key) {
                Some(bytes) => site_file(&key, bytes, &headers, head),
                None => not_found(site, head),
            }
        }
        Resolved::Redirect(location) => match HeaderValue::from_str(&location) {
            Ok(loc) => {
                let mut res = text(StatusCode::PERMANENT_REDIRECT, "");
                res.headers_mut().insert(header::LOCATION, loc);
                res
            }
            Err(_) => not_found(site, head),
        },
        Resolved::NotFound => not_found(site, head),
        Resolved::BadRequest => text(StatusCode::BAD_REQUEST, "bad request: the path is not valid percent-encoded UTF-8\n"),
    }
}

fn not_found(site: &Snapshot, head: bool) -> Response {
    match site.files.get("404.html") {
        Some(page) => file("404.html", page.clone(), StatusCode::NOT_FOUND, head),
        None => text(StatusCode::NOT_FOUND, "404 not found\n"),
    }
}

/// A file of the build: all of it (200), or the one byte range the request asks for (206; 416 when
/// the range lies past its end).
fn site_file(key: &str, bytes: Bytes, headers: &HeaderMap, head: bool) -> Response {
    let total = bytes.len();
    let (mut res, content_range) = match range::requested(headers, total) {
        Range::Full => (file(key, bytes, StatusCode::OK, head), None),
        Range::Part(r) => {
            let content_range = format!("bytes {}-{}/{total}", r.start(), r.end());
            (file(key, bytes.slice(r), StatusCode::PARTIAL_CONTENT, head), Some(content_range))
        }
        Range::Unsatisfiable => (text(StatusCode::RANGE_NOT_SATISFIABLE, "range not satisfiable\n"), Some(format!("bytes */{total}"))),
    };
    let h = res.headers_mut();
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    if let Some(value) = content_range {
        h.insert(header::CONTENT_RANGE, HeaderValue::try_from(value).expect("digits are a valid header value"));
    }
    res
}

fn file(key: &str, bytes: Bytes, status: StatusCode, head: bool) -> Response {
    let len = bytes.len();
    let body = if head { Body::empty() } else { Body::from(bytes) };
    let mut res = Response::new(body);
    *res.status_mut() = status;
    let h = res.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(key)));
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(len));
    // Hashed assets never change under one URL; everything else must be revalidated so an edit shows.
    let cache = if key.starts_with("assets/") { "public, max-age=31536000, immutable" } else { "no-cache" };
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
    res
}

fn asset(content_type: &'static str, body: &'static str) -> Response {
    let mut res = Response::new(Body::from(body));
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    res
}

fn text(status: StatusCode, body: &'static str) -> Response {
    let mut res = (status, body).into_response();
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Before the first successful build there is no site: every page is this list of errors, which
/// connects to the live-reload socket and turns into the site once the errors are fixed.
fn not_built(current: &Current) -> Response {
    let mut items = String::new();
    for d in current.failure.iter().flat_map(|f| f.diagnostics.iter()) {
        items.push_str(&format!(
            "<li><code>{}:{}:{}</code> {}{}</li>\n",
            escape_html(&d.file.to_string_lossy()),
            d.line,
            d.column,
            escape_html(&d.message),
            d.help.as_deref().map(|h| format!("<br>{}", escape_html(h))).unwrap_or_default()
                + &crate::diagnostics::followup::note(d).map(|n| format!("<br>{}", escape_html(&n))).unwrap_or_default()
        ));
    }
    let html = format!(
        "<!doctype html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\"><title>ビルドエラー | shishin serve</title>\
<link rel=\"stylesheet\" href=\"/__shishin/reload.css\"></head><body><main><h1>ビルドエラー</h1>\
<p>サイトをビルドできませんでした。次のエラーを修正すると、このページは自動で再読み込みされます。</p>\n<ul>\n{items}</ul></main>\
<script src=\"/__shishin/reload.js\" data-ws=\"{WS_PATH}\" defer></script></body></html>\n"
    );
    let mut res = Response::new(Body::from(html));
    *res.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
    res.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    res.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    res
}

/// Content-Type by extension; unknown types are downloads, never sniffed (nosniff is always sent).
pub fn content_type(key: &str) -> &'static str {
    let name = key.rsplit('/').next().unwrap_or(key);
    let ext = name.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase()).unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "webmanifest" => "application/manifest+json",
        "xml" => "application/xml; charset=utf-8",
        "txt" => "text/plain; charset=utf-8",
        "csv" => "text/csv; charset=utf-8",
        "md" => "text/markdown; charset=utf-8",
        "yaml" | "yml" => "application/yaml; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff2" => "font/woff2",
        "woff" => "font/woff",
        "ttf" => "font/ttf",
        "wasm" => "application/wasm",
        "pdf" => "application/pdf",
        "zip" => "application/zip",
        "xlsx" => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "bin" => "application/octet-stream",
        _ if name == "_redirects" || name == "_headers" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert_eq!(content_type("mic/3.2.1/index.html"), "text/html; charset=utf-8");
        assert_eq!(content_type("assets/ab/style.CSS"), "text/css; charset=utf-8");
        assert_eq!(content_type("assets/ab/search.mjs"), "text/javascript; charset=utf-8");
        assert_eq!(content_type("mapping/mic-mapping.csv"), "text/csv; charset=utf-8");
        assert_eq!(content_type("x.xlsx"), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
        assert_eq!(content_type("_redirects"), "text/plain; charset=utf-8");
        assert_eq!(content_type("search/ab12/shard-0"), "application/octet-stream");
        assert_eq!(content_type("v1.2/file"), "application/octet-stream");
    }
}
