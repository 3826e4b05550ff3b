//! `shishin serve` through its public interfaces: the real binary over TCP (pages, live reload over
//! a real WebSocket, hostile requests, shutdown), and the search API's HTTP layer in-process with
//! a fake backend.
//!
//! Every wait is a poll with a deadline; nothing sleeps for a fixed time to "let things settle".

use futures_util::StreamExt;
use serde_json::{Value, json};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::{self, Message, client::IntoClientRequest, http::HeaderValue};

const FIXTURE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/basic");
/// Generous: debug builds on a shared two-core machine.
const WAIT: Duration = Duration::from_secs(30);

// ---------------------------------------------------------------------------------------------
// A running server

pub(crate) struct Server {
    child: Child,
    pub(crate) port: u16,
    root: PathBuf,
    stderr: Arc<Mutex<String>>,
    _dir: tempfile::TempDir,
}

impl Server {
    /// Copies the fixture site into a temp dir, lets `prepare` change it, starts `serve --port 0`.
    pub(crate) fn start(prepare: impl FnOnce(&Path), args: &[&str]) -> Server {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("site");
        copy_dir(Path::new(FIXTURE), &root);
        prepare(&root);
        let mut child = Command::new(env!("CARGO_BIN_EXE_shishin"))
            .args(["serve", "--root"])
            .arg(&root)
            .args(["--port", "0"])
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start shishin serve");
        let stderr = Arc::new(Mutex::new(String::new()));
        let sink = stderr.clone();
        let err = child.stderr.take().unwrap();
        std::thread::spawn(move || {
            for line in BufReader::new(err).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let (tx, rx) = std::sync::mpsc::channel();
        let out = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(out).lines();
            if let Some(Ok(first)) = lines.next() {
                let _ = tx.send(first);
            }
            for _ in lines {}
        });
        let first = match rx.recv_timeout(WAIT) {
            Ok(line) => line,
            Err(_) => {
                let _ = child.kill();
                panic!("serve printed no first line; stderr:\n{}", stderr.lock().unwrap());
            }
        };
        let port: u16 = first
            .strip_prefix("listening on http://127.0.0.1:")
            .and_then(|rest| rest.strip_suffix('/'))
            .and_then(|p| p.parse().ok())
            .unwrap_or_else(|| panic!("unexpected first line: {first:?}"));
        Server { child, port, root, stderr, _dir: dir }
    }

    pub(crate) fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    pub(crate) fn get(&self, path: &str) -> Response {
        self.raw(&format!("GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.host()))
    }

    fn raw(&self, request: &str) -> Response {
        raw_request(self.port, request.as_bytes())
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    fn wait_stderr(&self, needle: &str) {
        let deadline = Instant::now() + WAIT;
        while !self.stderr().contains(needle) {
            assert!(Instant::now() < deadline, "stderr never contained {needle:?}:\n{}", self.stderr());
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    fn write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Like an editor's atomic save: write a hidden temp file, then rename it over the target.
    fn atomic_write(&self, rel: &str, text: &str) {
        let path = self.root.join(rel);
        let tmp = path.with_file_name(format!(".{}.tmp", path.file_name().unwrap().to_string_lossy()));
        std::fs::write(&tmp, text).unwrap();
        std::fs::rename(&tmp, &path).unwrap();
    }

    fn read(&self, rel: &str) -> String {
        std::fs::read_to_string(self.root.join(rel)).unwrap()
    }

    /// SIGTERM, then the exit status and how long the process took to exit.
    fn terminate(mut self) -> (std::process::ExitStatus, Duration) {
        let started = Instant::now();
        let ok = Command::new("kill").args(["-TERM", &self.child.id().to_string()]).status().unwrap();
        assert!(ok.success());
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return (status, started.elapsed());
            }
            if started.elapsed() > Duration::from_secs(10) {
                let _ = self.child.kill();
                panic!("serve did not exit within 10 s of SIGTERM; stderr:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let target = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &target);
        } else {
            std::fs::copy(e.path(), target).unwrap();
        }
    }
}

// ---------------------------------------------------------------------------------------------
// A tiny HTTP/1.1 client (exact bytes on the wire, so hostile requests are what they say)

#[derive(Debug)]
pub(crate) struct Response {
    pub(crate) status: u16,
    headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
}

impl Response {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

fn raw_request(port: u16, request: &[u8]) -> Response {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(WAIT)).unwrap();
    s.write_all(request).unwrap();
    let mut buf = Vec::new();
    // The server may close before reading all we sent (413); what it answered is still there.
    let _ = s.read_to_end(&mut buf);
    parse_response(&buf).unwrap_or_else(|| panic!("no HTTP response to {:?}: {:?}", String::from_utf8_lossy(request), String::from_utf8_lossy(&buf)))
}

fn parse_response(buf: &[u8]) -> Option<Response> {
    let end = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..end]).ok()?;
    let mut lines = head.split("\r\n");
    let status = lines.next()?.split(' ').nth(1)?.parse().ok()?;
    let headers = lines.filter_map(|l| l.split_once(':')).map(|(k, v)| (k.trim().to_string(), v.trim().to_string())).collect();
    Some(Response { status, headers, body: buf[end + 4..].to_vec() })
}

// ---------------------------------------------------------------------------------------------
// WebSocket client

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
}

async fn ws_connect(port: u16, origin: Option<&str>) -> Result<Ws, tungstenite::Error> {
    let mut req = format!("ws://127.0.0.1:{port}/__shishin/ws").into_client_request().unwrap();
    if let Some(o) = origin {
        req.headers_mut().insert("Origin", HeaderValue::from_str(o).unwrap());
    }
    tokio_tungstenite::connect_async(req).await.map(|(ws, _)| ws)
}

/// The next JSON text message, or a panic after the deadline.
async fn next_json(ws: &mut Ws) -> Value {
    loop {
        let msg = tokio::time::timeout(WAIT, ws.next()).await.expect("no live-reload message in time").expect("socket closed").unwrap();
        if let Message::Text(t) = msg {
            return serde_json::from_str(&t).unwrap();
        }
    }
}

/// Skips messages until one of `kind` arrives.
async fn next_of(ws: &mut Ws, kind: &str) -> Value {
    loop {
        let m = next_json(ws).await;
        if m["type"] == kind {
            return m;
        }
    }
}

fn origin(port: u16) -> String {
    format!("http://127.0.0.1:{port}")
}

// ---------------------------------------------------------------------------------------------
// Pages

#[test]
fn serves_the_built_site_from_memory_with_the_security_headers() {
    let server = Server::start(
        |root| {
            std::fs::write(root.join("content/mic/3/3.2.2.md"), "---\ntitle: 下書きの条項\nnumber: 3.2.2\nid: mic-3.2.2\ndraft: true\n---\n\n下書き本文。\n").unwrap();
            std::fs::write(root.join("secret.txt"), "do not serve").unwrap();
        },
        &[],
    );
    let page = server.get("/guide/mic/3.2.1/");
    assert_eq!(page.status, 200, "{}", server.stderr());
    assert_eq!(page.header("content-type"), Some("text/html; charset=utf-8"));
    assert_eq!(page.header("cache-control"), Some("no-cache"));
    let body = page.text();
    assert!(body.contains("組織的安全管理対策"));
    // The page loads the live-reload script, pointed at the socket.
    assert!(body.contains("reload.js\" data-ws=\"/__shishin/ws\""), "{body}");

    let p = server.port;
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains(&format!("connect-src 'self' ws://127.0.0.1:{p} ws://localhost:{p}")), "{csp}");
    assert!(csp.contains("script-src 'self';") && csp.contains("frame-ancestors 'none'") && csp.contains("object-src 'none'"), "{csp}");
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("x-frame-options"), Some("DENY"));
    assert_eq!(page.header("referrer-policy"), Some("strict-origin-when-cross-origin"));
    assert_eq!(page.header("permissions-policy"), Some("camera=(), microphone=(), geolocation=()"));
    assert_eq!(page.header("access-control-allow-origin"), None);

    // Hashed assets: right type, cacheable forever.
    let css_href = body.split("href=\"").filter_map(|s| s.split('"').next()).find(|h| h.ends_with("/style.css")).unwrap().to_string();
    assert!(css_href.starts_with("/guide/assets/"), "{css_href}");
    let css = server.get(&css_href);
    assert_eq!(css.status, 200);
    assert_eq!(css.header("content-type"), Some("text/css; charset=utf-8"));
    assert!(css.header("cache-control").unwrap().contains("immutable"));
    let js = server.get(&css_href.replace("style.css", "reload.js"));
    assert_eq!(js.header("content-type"), Some("text/javascript; charset=utf-8"));
    assert_eq!(server.get("/guide/sitemap.xml").header("content-type"), Some("application/xml; charset=utf-8"));

    // Folders: index.html, and a 308 to the slash form (query kept).
    assert_eq!(server.get("/guide/").status, 200);
    let redirect = server.get("/guide/mic/3.2.1?x=1");
    assert_eq!(redirect.status, 308);
    assert_eq!(redirect.header("location"), Some("/guide/mic/3.2.1/?x=1"));
    assert_eq!(server.get("/").header("location"), Some("/guide/"));

    // 404 is the site's 404 page.
    let missing = server.get("/guide/no/such/page/");
    assert_eq!(missing.status, 404);
    assert!(missing.text().contains("ページが見つかりません"), "{}", missing.text());
    assert!(missing.header("content-security-policy").is_some());

    // HEAD: same headers, no body.
    let head = server.raw(&format!("HEAD /guide/mic/3.2.1/ HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", server.host()));
    assert_eq!(head.status, 200);
    assert_eq!(head.header("content-length"), Some(page.body.len().to_string().as_str()));
    assert!(head.body.is_empty());

    // Drafts are shown under serve; files outside the build are not served; nothing is written.
    let draft = server.get("/guide/mic/3.2.2/");
    assert_eq!(draft.status, 200);
    assert!(draft.text().contains("下書きの条項"));
    assert_eq!(server.get("/guide/secret.txt").status, 404);
    assert_eq!(server.get("/secret.txt").status, 404);
    assert!(!server.root.join("public").exists(), "serve must not write public/");
}

/// Serves the fixture with the repository's own netlify.toml, changed by `edit`, and `extra`
/// blocks after it.
fn serve_with_netlify_toml(edit: impl FnOnce(&str) -> String, extra: &str) -> Server {
    let shipped = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/netlify.toml")).unwrap();
    let toml = format!("{}{extra}", edit(&shipped));
    Server::start(move |root| std::fs::write(root.join("netlify.toml"), toml).unwrap(), &[])
}

#[test]
fn the_sites_netlify_toml_supplies_the_headers() {
    // A policy the built-in fallback does not have, to tell the file's values from it.
    let server = serve_with_netlify_toml(
        |shipped| shipped.replace("geolocation=()", "geolocation=(), usb=()"),
        "\n[[headers]]\n  for = \"/guide/mic/*\"\n  [headers.values]\n    X-Serve-Test = \"mic\"\n    Cache-Control = \"public, max-age=60\"\n",
    );
    let page = server.get("/guide/mic/3.2.1/");
    assert_eq!(page.status, 200);
    assert_eq!(page.header("x-serve-test"), Some("mic"), "every matching block applies");
    assert_eq!(page.header("cache-control"), Some("no-cache"), "pages are never cached under serve");
    assert!(page.header("permissions-policy").unwrap().contains("usb=()"), "values come from the file");
    let csp = page.header("content-security-policy").unwrap();
    assert!(csp.contains(&format!("connect-src 'self' ws://127.0.0.1:{p} ws://localhost:{p};", p = server.port)), "{csp}");
    assert_eq!(server.get("/guide/").header("x-serve-test"), None);

    // A broken file stops serve with its position.
    let dir = tempfile::tempdir().unwrap();
    copy_dir(Path::new(FIXTURE), dir.path());
    std::fs::write(dir.path().join("netlify.toml"), "[[headers]]\nfor = \"/*\"\nvalues = 3\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_shishin")).args(["serve", "--port", "0", "--root"]).arg(dir.path()).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("netlify.toml:3:"), "{err}");
}

#[test]
fn byte_ranges_of_a_file_get_206_with_the_headers_of_the_whole_file() {
    // A deployed Cache-Control for the file, as the search index folder has.
    let server = serve_with_netlify_toml(
        |shipped| shipped.to_string(),
        "\n[[headers]]\n  for = \"/guide/sitemap.xml\"\n  [headers.values]\n    Cache-Control = \"public, max-age=60\"\n",
    );
    let ranged = |method: &str, range: &str| {
        server.raw(&format!("{method} /guide/sitemap.xml HTTP/1.1\r\nHost: {}\r\nRange: {range}\r\nConnection: close\r\n\r\n", server.host()))
    };
    let whole = server.get("/guide/sitemap.xml");
    assert_eq!(whole.status, 200, "{}", server.stderr());
    assert_eq!(whole.header("accept-ranges"), Some("bytes"));
    assert_eq!(whole.header("content-range"), None);
    let total = whole.body.len();
    assert!(total > 100, "{total}");

    let part = ranged("GET", "bytes=10-49");
    assert_eq!(part.status, 206);
    assert_eq!(part.header("content-range"), Some(format!("bytes 10-49/{total}").as_str()));
    assert_eq!(part.header("content-length"), Some("40"));
    assert_eq!(part.body, whole.body[10..50]);
    // The headers of the 200: type, security headers, the deployed cache rule.
    for name in ["content-type", "cache-control", "content-security-policy", "x-content-type-options", "x-frame-options", "accept-ranges"] {
        assert!(whole.header(name).is_some(), "{name}");
        assert_eq!(part.header(name), whole.header(name), "{name}");
    }
    assert_eq!(part.header("cache-control"), Some("public, max-age=60"));

    // To the end, the last n bytes, an end past the file's end.
    let open_ended = ranged("GET", "bytes=100-");
    assert_eq!((open_ended.status, open_ended.header("content-range")), (206, Some(format!("bytes 100-{}/{total}", total - 1).as_str())));
    assert_eq!(open_ended.body, whole.body[100..]);
    let suffix = ranged("GET", "bytes=-20");
    assert_eq!((suffix.status, suffix.header("content-range")), (206, Some(format!("bytes {}-{}/{total}", total - 20, total - 1).as_str())));
    assert_eq!(suffix.body, whole.body[total - 20..]);
    let cut = ranged("GET", &format!("bytes={}-{}", total - 5, total + 1000));
    assert_eq!((cut.status, cut.body.as_slice()), (206, &whole.body[total - 5..]));

    // HEAD: the 206's headers, no body.
    let head = ranged("HEAD", "bytes=0-9");
    assert_eq!((head.status, head.header("content-length"), head.header("content-range")), (206, Some("10"), Some(format!("bytes 0-9/{total}").as_str())));
    assert!(head.body.is_empty());

    // Past the end: 416 naming the length, never cached.
    let unsatisfiable = ranged("GET", &format!("bytes={total}-"));
    assert_eq!(unsatisfiable.status, 416);
    assert_eq!(unsatisfiable.header("content-range"), Some(format!("bytes */{total}").as_str()));
    assert_eq!(unsatisfiable.header("cache-control"), Some("no-store"));
    assert!(unsatisfiable.header("content-security-policy").is_some());

    // Several ranges, a malformed one or another unit: the whole file.
    for range in ["bytes=0-1,5-6", "bytes=5-1", "bytes=x-", "items=0-1"] {
        let full = ranged("GET", range);
        assert_eq!((full.status, full.header("content-range")), (200, None), "{range}");
        assert_eq!(full.body, whole.body, "{range}");
    }

    // Not for pages that are not files: the 404 page, redirects.
    let missing = server.raw(&format!("GET /guide/no/such/page/ HTTP/1.1\r\nHost: {}\r\nRange: bytes=0-9\r\nConnection: close\r\n\r\n", server.host()));
    assert_eq!((missing.status, missing.header("content-range"), missing.header("accept-ranges")), (404, None, None));
    assert!(missing.text().contains("ページが見つかりません"));
    let redirect = server.raw(&format!("GET /guide/mic/3.2.1 HTTP/1.1\r\nHost: {}\r\nRange: bytes=0-9\r\nConnection: close\r\n\r\n", server.host()));
    assert_eq!((redirect.status, redirect.header("content-range")), (308, None));
    // The Host check comes first, as for every request.
    let foreign = server.raw("GET /guide/sitemap.xml HTTP/1.1\r\nHost: evil.example\r\nRange: bytes=0-9\r\nConnection: close\r\n\r\n");
    assert_eq!(foreign.status, 403);
}

#[test]
fn no_drafts_leaves_draft_pages_out() {
    let server = Server::start(
        |root| std::fs::write(root.join("content/mic/3/3.2.2.md"), "---\ntitle: 下書き\nnumber: 3.2.2\nid: mic-3.2.2\ndraft: true\n---\n本文\n").unwrap(),
        &["--no-drafts"],
    );
    assert_eq!(server.get("/guide/mic/3.2.2/").status, 404);
    assert_eq!(server.get("/guide/mic/3.2.1/").status, 200);
}

// ---------------------------------------------------------------------------------------------
// Live reload

#[test]
fn edits_reload_errors_show_an_overlay_and_fixes_reload_again() {
    let server = Server::start(|_| {}, &[]);
    let page = "content/mic/3/3.2.1.md";
    let original = server.read(page);
    runtime().block_on(async {
        let mut ws = ws_connect(server.port, Some(&origin(server.port))).await.expect("websocket with our Origin");
        let hello = next_json(&mut ws).await;
        assert_eq!(hello["type"], "hello");
        let build0 = hello["build"].as_u64().unwrap();

        // An edit: one reload naming the file, and the page shows the new text.
        server.write(page, &original.replace("事業者は**組織体制**を整える。", "事業者は**新しい体制**を整える。"));
        let reload = next_of(&mut ws, "reload").await;
        assert!(reload["changed"].as_array().unwrap().contains(&json!(page)), "{reload}");
        assert!(reload["build"].as_u64().unwrap() > build0);
        assert!(server.get("/guide/mic/3.2.1/").text().contains("新しい体制"));

        // A broken front matter: an error message with file:line:col; the last good site stays.
        let broken = original.replace("confidence: high", "confidence: [high");
        server.write(page, &broken);
        let error = next_of(&mut ws, "error").await;
        // The page's id is gone with its front matter: what only names it (outline, glossary,
        // requirements) is a follow-up, counted in a note under the one real error.
        let errors = error["errors"].as_array().unwrap();
        assert_eq!(errors.len(), 1, "{error}");
        let e = &errors[0];
        assert_eq!(e["file"], page, "{error}");
        assert!(e["note"].as_str().is_some_and(|n| n.contains("that depend on page `mic-3.2.1` were skipped")), "{error}");
        assert!(e["line"].as_u64().unwrap() >= 2 && e["column"].as_u64().unwrap() >= 1, "{error}");
        assert!(!e["message"].as_str().unwrap().is_empty());
        let still = server.get("/guide/mic/3.2.1/");
        assert_eq!(still.status, 200);
        assert!(still.text().contains("新しい体制"), "the last good build keeps being served");
        server.wait_stderr(&format!("{page}:{}:{}", e["line"], e["column"]));
        server.wait_stderr("build failed in");

        // A page opened now gets the error right after hello.
        let mut late = ws_connect(server.port, Some(&format!("http://localhost:{}", server.port))).await.unwrap();
        assert_eq!(next_json(&mut late).await["type"], "hello");
        assert_eq!(next_json(&mut late).await["type"], "error");

        // The fix (saved the way editors do: temp file + rename) reloads and clears the overlay.
        server.atomic_write(page, &original);
        let fixed = next_of(&mut ws, "reload").await;
        assert!(fixed["changed"].as_array().unwrap().contains(&json!(page)), "{fixed}");
        assert!(server.get("/guide/mic/3.2.1/").text().contains("組織体制"));
        assert_eq!(next_of(&mut late, "reload").await["build"], fixed["build"]);
    });
    // One line per rebuild, with the file and the time.
    let log = server.stderr();
    let line = log.lines().find(|l| l.starts_with("rebuilt in ")).unwrap_or_else(|| panic!("{log}"));
    assert!(line.contains(" ms ") && line.contains(page), "{line}");
}

#[test]
fn a_page_broken_without_its_id_line_is_still_known_by_its_last_id() {
    let server = Server::start(|_| {}, &[]);
    let page = "content/mic/3/3.2.1.md";
    runtime().block_on(async {
        let mut ws = ws_connect(server.port, Some(&origin(server.port))).await.unwrap();
        assert_eq!(next_json(&mut ws).await["type"], "hello");
        // Twice: the second failed rebuild must remember the id as well as the first.
        for broken in ["---\ntitle: [unclosed\n---\n", "---\ntitle: [still unclosed\n---\n本文\n"] {
            server.write(page, broken);
            let error = next_of(&mut ws, "error").await;
            let errors = error["errors"].as_array().unwrap();
            assert_eq!(errors.len(), 1, "what names mic-3.2.1 is a follow-up: {error}");
            assert!(errors[0]["note"].as_str().is_some_and(|n| n.contains("page `mic-3.2.1`")), "{error}");
        }
    });
}

#[test]
fn a_stylesheet_change_swaps_styles_without_a_reload() {
    let server = Server::start(|root| std::fs::create_dir_all(root.join("themes/default/static")).unwrap(), &[]);
    let before = server.get("/guide/").text();
    let old_css = before.split("href=\"").filter_map(|s| s.split('"').next()).find(|h| h.ends_with("/style.css")).unwrap().to_string();
    let base_css = server.get(&old_css).text();
    runtime().block_on(async {
        let mut ws = ws_connect(server.port, Some(&origin(server.port))).await.unwrap();
        assert_eq!(next_json(&mut ws).await["type"], "hello");
        server.write("themes/default/static/style.css", &format!("{base_css}\n.serve-test {{ color: red; }}\n"));
        let msg = next_json(&mut ws).await;
        assert_eq!(msg["type"], "css", "{msg}");
        let dir = msg["asset_dir"].as_str().unwrap();
        assert!(dir.starts_with("/guide/assets/") && dir.ends_with('/'), "{dir}");
        assert!(!old_css.starts_with(dir), "the asset folder hash changes with the content");
        let new_css = server.get(&format!("{dir}style.css"));
        assert_eq!(new_css.status, 200);
        assert!(new_css.text().contains(".serve-test"));
        // The pages now link the new folder.
        assert!(server.get("/guide/").text().contains(&format!("{dir}style.css")));
    });
}

#[test]
fn a_site_that_does_not_build_at_start_shows_its_errors_until_fixed() {
    let server = Server::start(|root| std::fs::write(root.join("content/mic/3/3.2.10.md"), "---\ntitle: [unclosed\nid: mic-3.2.10\n---\n").unwrap(), &[]);
    let page = server.get("/guide/");
    assert_eq!(page.status, 503);
    let body = page.text();
    assert!(body.contains("content/mic/3/3.2.10.md:2:"), "{body}");
    // Pages and data files that name it are follow-ups: counted under it, not listed.
    assert_eq!(body.matches("<li>").count(), 1, "{body}");
    assert!(body.contains("that depend on page `mic-3.2.10` were skipped"), "{body}");
    assert!(body.contains("/__shishin/reload.js"));
    assert_eq!(server.get("/__shishin/reload.js").header("content-type"), Some("text/javascript; charset=utf-8"));
    runtime().block_on(async {
        let mut ws = ws_connect(server.port, Some(&origin(server.port))).await.unwrap();
        assert_eq!(next_json(&mut ws).await["type"], "hello");
        assert_eq!(next_json(&mut ws).await["type"], "error");
        server.write("content/mic/3/3.2.10.md", "---\ntitle: 直した\nnumber: 3.2.10\nid: mic-3.2.10\n---\n本文\n");
        next_of(&mut ws, "reload").await;
    });
    assert_eq!(server.get("/guide/").status, 200);
}

// ---------------------------------------------------------------------------------------------
// Hostile requests

#[test]
fn hostile_requests_are_refused() {
    let server = Server::start(|_| {}, &[]);
    let p = server.port;
    let get_with_host = |host: &str| server.raw(&format!("GET /guide/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"));

    // DNS rebinding: only this machine's names, with our port or none.
    for ok in [format!("127.0.0.1:{p}"), format!("localhost:{p}"), format!("[::1]:{p}"), "localhost".to_string()] {
        assert_eq!(get_with_host(&ok).status, 200, "{ok}");
    }
    for bad in ["evil.example".to_string(), format!("evil.example:{p}"), format!("localhost:{}", p.wrapping_add(1)), format!("localhost.evil.example:{p}"), format!("127.0.0.1.nip.io:{p}")] {
        let r = get_with_host(&bad);
        assert_eq!(r.status, 403, "{bad}");
        assert!(r.header("content-security-policy").is_some());
    }
    assert_eq!(server.raw("GET /guide/ HTTP/1.0\r\n\r\n").status, 403, "no Host at all");
    assert_eq!(server.raw(&format!("GET http://evil.example/guide/ HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nConnection: close\r\n\r\n")).status, 403);
    assert_eq!(server.raw(&format!("GET /guide/ HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nHost: evil.example\r\nConnection: close\r\n\r\n")).status, 403);

    // Traversal and odd encodings: never anything but the site's 404.
    std::fs::write(server.root.join("content/secret.txt"), "root:x:0:0").unwrap();
    for path in [
        "/guide/../shishin.yaml",
        "/guide/../../../../etc/passwd",
        "/guide/%2e%2e/shishin.yaml",
        "/guide/%2E%2E/%2E%2E/etc/passwd",
        "/guide/..%2fshishin.yaml",
        "/guide/mic%2f3.2.1/index.html",
        "/guide/%5c..%5cshishin.yaml",
        "/guide/..\\shishin.yaml",
        "/guide/index.html%00.css",
        "/guide/%252e%252e/shishin.yaml",
        "/guide//etc/passwd",
        "/guide/./index.html",
        "/guide/.shishin-output",
        "/guide/content/secret.txt",
        "/content/secret.txt",
        "/shishin.yaml",
    ] {
        let r = server.get(path);
        assert!(r.status == 404 || r.status == 400, "{path}: {}", r.status);
        assert!(!r.text().contains("root:x") && !r.text().contains("base_url"), "{path}");
    }
    assert_eq!(server.get("/guide/%ff%fe/").status, 400);

    // Only GET and HEAD.
    for method in ["POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT"] {
        let target = if method == "CONNECT" { format!("127.0.0.1:{p}") } else { "/guide/".into() };
        let r = server.raw(&format!("{method} {target} HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"));
        assert_eq!(r.status, 405, "{method}");
        assert_eq!(r.header("allow"), Some("GET, HEAD"), "{method}");
    }

    // Bodies: refused before they are read.
    let started = Instant::now();
    let big = server.raw(&format!("GET /guide/ HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nContent-Length: 100000000\r\n\r\n0123456789"));
    assert_eq!(big.status, 413);
    assert!(started.elapsed() < Duration::from_secs(5));
    let chunked = server.raw(&format!("GET /guide/ HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n"));
    assert_eq!(chunked.status, 413);
    // Oversized request head.
    let huge = server.raw(&format!("GET /guide/ HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nX-Big: {}\r\nConnection: close\r\n\r\n", "a".repeat(100 * 1024)));
    assert_eq!(huge.status, 431);

    // No CORS, whoever asks.
    let cors = server.raw(&format!("GET /api/search?q=x HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nOrigin: http://evil.example\r\nConnection: close\r\n\r\n"));
    assert_eq!(cors.header("access-control-allow-origin"), None);
    assert_eq!(cors.header("content-type"), Some("application/json; charset=utf-8"));

    // WebSocket: our Origin only.
    runtime().block_on(async {
        for bad in [None, Some("http://evil.example"), Some(&*format!("http://evil.example:{p}")), Some(&*format!("http://localhost:{}", p.wrapping_add(1))), Some("null")] {
            match ws_connect(p, bad).await {
                Err(tungstenite::Error::Http(res)) => assert_eq!(res.status(), 403, "{bad:?}"),
                other => panic!("{bad:?}: expected 403, got {:?}", other.map(|_| "a socket")),
            }
        }
        assert!(ws_connect(p, Some(&format!("http://localhost:{p}"))).await.is_ok());
    });

    // Slow loris: a request head that never ends is cut off by the header timeout.
    let mut slow = TcpStream::connect(("127.0.0.1", p)).unwrap();
    slow.write_all(format!("GET /guide/ HTTP/1.1\r\nHost: 127.0.0.1:{p}\r\nX-Slow: 1\r\n").as_bytes()).unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(12))).unwrap();
    let started = Instant::now();
    let mut buf = Vec::new();
    let result = slow.read_to_end(&mut buf);
    let waited = started.elapsed();
    assert!(result.is_ok() || waited < Duration::from_secs(11), "the server kept a half-sent request open: {result:?}");
    assert!(waited < Duration::from_secs(10), "closed after {waited:?}");
    assert!(!String::from_utf8_lossy(&buf).contains("200 OK"));

    // After all that the server still serves.
    assert_eq!(server.get("/guide/").status, 200);
}

// ---------------------------------------------------------------------------------------------
// Binding and shutdown

#[test]
fn sigterm_closes_sockets_and_exits_zero_within_two_seconds() {
    let server = Server::start(|_| {}, &[]);
    let port = server.port;
    let rt = runtime();
    let mut ws = rt.block_on(async {
        let mut ws = ws_connect(port, Some(&origin(port))).await.unwrap();
        assert_eq!(next_json(&mut ws).await["type"], "hello");
        ws
    });
    // An idle keep-alive connection too.
    let mut idle = TcpStream::connect(("127.0.0.1", port)).unwrap();
    idle.write_all(format!("GET /guide/ HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n").as_bytes()).unwrap();
    idle.set_read_timeout(Some(WAIT)).unwrap();
    let mut first = [0u8; 12];
    idle.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");

    let (status, took) = server.terminate();
    assert_eq!(status.code(), Some(0), "exit status");
    assert!(took < Duration::from_secs(2), "took {took:?}");
    // Both sockets are closed.
    rt.block_on(async {
        loop {
            match tokio::time::timeout(Duration::from_secs(2), ws.next()).await.expect("websocket still open") {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => break,
                Some(Ok(_)) => {}
            }
        }
        let _ = ws.close(None).await;
    });
    let mut rest = Vec::new();
    idle.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    assert!(idle.read_to_end(&mut rest).is_ok(), "keep-alive connection still open");
    assert!(TcpStream::connect(("127.0.0.1", port)).is_err(), "still accepting");
}

#[test]
fn a_non_loopback_bind_warns_loudly() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    copy_dir(Path::new(FIXTURE), &root);
    let mut child = Command::new(env!("CARGO_BIN_EXE_shishin"))
        .args(["serve", "--bind", "0.0.0.0", "--port", "0", "--root"])
        .arg(&root)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    assert!(first.starts_with("listening on http://0.0.0.0:"), "{first}");
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning:")).collect();
    assert!(warnings.len() >= 5, "{err}");
    assert!(err.contains("NOT a loopback address"), "{err}");

    // The loopback default prints no such warning.
    let quiet = Server::start(|_| {}, &[]);
    assert!(!quiet.stderr().contains("NOT a loopback"), "{}", quiet.stderr());
}

// ---------------------------------------------------------------------------------------------
// Search API with the real engine

/// Polls `/api/search` until `ok` accepts the JSON body (the index is built after each build).
fn poll_search(server: &Server, query: &str, ok: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + WAIT;
    loop {
        let r = server.get(&format!("/api/search?q={query}"));
        if r.status == 200 {
            let body: Value = serde_json::from_slice(&r.body).unwrap();
            if ok(&body) {
                return body;
            }
        }
        assert!(Instant::now() < deadline, "search never answered as expected: {} {}", r.status, r.text());
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_search_api_answers_from_the_current_build() {
    let server = Server::start(|_| {}, &[]);
    let body = poll_search(&server, "3.2.1", |_| true);
    let first = &body["hits"][0];
    assert_eq!(first["id"], "mic-3.2.1", "{body}");
    for key in ["title", "url", "snippet", "score"] {
        assert!(!first[key].is_null(), "{key}: {body}");
    }
    // An edit reaches the index too.
    let page = "content/mic/3/3.2.10.md";
    server.write(page, &server.read(page).replace("電子署名の話。", "電子署名と鍵管理台帳の話。"));
    let q = "%E9%8D%B5%E7%AE%A1%E7%90%86%E5%8F%B0%E5%B8%B3"; // 鍵管理台帳
    let found = poll_search(&server, q, |b| b["hits"].as_array().is_some_and(|h| h.iter().any(|h| h["id"] == "mic-3.2.10")));
    assert!(found["hits"][0]["snippet"].as_str().unwrap().contains("鍵管理台帳"), "{found}");
    // The HTTP layer's checks hold in front of the real engine.
    let bad = server.get("/api/search?q=%01");
    assert_eq!(bad.status, 400);
    assert!(bad.text().contains("\"error\""));
}

// ---------------------------------------------------------------------------------------------
// Search API, HTTP layer (in-process, fake backend)

mod api {
    use axum::body::Body;
    use axum::http::{Request, StatusCode};
    use serde_json::{Value, json};
    use shishin::serve::http::{App, router};
    use shishin::serve::security::Allowed;
    use shishin::serve::state::State;
    use std::sync::Arc;
    use tower::ServiceExt;

    fn app(backend: Option<Arc<dyn shishin::serve::api::SearchBackend>>) -> axum::Router {
        let state = Arc::new(State::new());
        state.set_search(backend);
        let (_tx, rx) = tokio::sync::watch::channel(false);
        router(Arc::new(App {
            state,
            allowed: Allowed::new("127.0.0.1:1111".parse().unwrap()),
            headers: vec![],
            shutdown: rx,
            ws_slots: Arc::new(tokio::sync::Semaphore::new(1)),
        }))
    }

    fn fake() -> Arc<dyn shishin::serve::api::SearchBackend> {
        Arc::new(|q: &str, limit: usize| {
            if q == "reject" {
                return Err("unbalanced quotes".to_string());
            }
            Ok(json!({ "hits": [{ "id": "mic-3.2.1", "title": "組織的安全管理対策", "url": "/mic/3.2.1/", "snippet": format!("{q} / {limit}"), "score": 1.5 }] }))
        })
    }

    async fn get(router: axum::Router, uri: &str) -> (StatusCode, Option<String>, Value) {
        let req = Request::builder().uri(uri).header("host", "127.0.0.1:1111").body(Body::empty()).unwrap();
        let res = router.oneshot(req).await.unwrap();
        let status = res.status();
        let ct = res.headers().get("content-type").map(|v| v.to_str().unwrap().to_string());
        assert!(res.headers().get("access-control-allow-origin").is_none());
        let bytes = axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap();
        (status, ct, serde_json::from_slice(&bytes).unwrap_or(Value::Null))
    }

    #[tokio::test]
    async fn queries_reach_the_backend_and_bad_ones_get_a_json_400() {
        let (status, ct, body) = get(app(Some(fake())), "/api/search?q=%E6%9A%97%E5%8F%B7%E5%8C%96&limit=5").await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(ct.as_deref(), Some("application/json; charset=utf-8"));
        let hit = &body["hits"][0];
        for key in ["id", "title", "url", "snippet", "score"] {
            assert!(!hit[key].is_null(), "{key}: {body}");
        }
        assert_eq!(hit["snippet"], "暗号化 / 5");

        let long = format!("/api/search?q={}", "a".repeat(300));
        for (uri, needle) in [
            ("/api/search", "missing query"),
            ("/api/search?q=", "missing query"),
            ("/api/search?q=%20%20", "missing query"),
            (long.as_str(), "too long"),
            ("/api/search?q=a%00b", "control"),
            ("/api/search?q=a%1Bb", "control"),
            ("/api/search?q=%C3", "UTF-8"),
            ("/api/search?q=a&limit=1000", "limit"),
            ("/api/search?q=reject", "unbalanced quotes"),
        ] {
            let (status, ct, body) = get(app(Some(fake())), uri).await;
            assert_eq!(status, StatusCode::BAD_REQUEST, "{uri}");
            assert_eq!(ct.as_deref(), Some("application/json; charset=utf-8"), "{uri}");
            assert!(body["error"].as_str().unwrap().contains(needle), "{uri}: {body}");
        }
    }

    /// A page names its search index folder before the folder is written: a request for it waits
    /// for the files instead of answering 404, and gets 503 (not a cached error) if they never come.
    #[tokio::test]
    async fn requests_for_an_index_being_written_wait_for_it() {
        use shishin::output::OutputFiles;
        use shishin::serve::state::{IndexFolder, Snapshot};
        let state = Arc::new(State::new());
        let mut pages = OutputFiles::default();
        pages.insert("index.html", "<p>home</p>");
        let (folder, writer) = IndexFolder::writing("/search/00ff/");
        let (gone, gone_writer) = IndexFolder::writing("/search/11ee/");
        state.update(|c| c.site = Some(Arc::new(Snapshot::new(&pages, "/".into(), Some(folder), Some(gone), None))));
        let (_tx, rx) = tokio::sync::watch::channel(false);
        let app = router(Arc::new(App {
            state,
            allowed: Allowed::new("127.0.0.1:1111".parse().unwrap()),
            headers: vec![],
            shutdown: rx,
            ws_slots: Arc::new(tokio::sync::Semaphore::new(1)),
        }));
        let get = |uri: &'static str| {
            let app = app.clone();
            tokio::spawn(async move {
                let res = app.oneshot(Request::builder().uri(uri).header("host", "127.0.0.1:1111").body(Body::empty()).unwrap()).await.unwrap();
                let status = res.status();
                (status, axum::body::to_bytes(res.into_body(), 1 << 20).await.unwrap())
            })
        };
        let meta = get("/search/00ff/meta.json");
        let missing = get("/search/00ff/t/9.json");
        let dropped = get("/search/11ee/meta.json");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        assert!(!meta.is_finished(), "answered before the index was written");
        let mut index = OutputFiles::default();
        index.insert("search/00ff/meta.json", "{\"version\":1}");
        writer.written(&index);
        let (status, body) = meta.await.unwrap();
        assert_eq!(status, StatusCode::OK);
        assert_eq!(&body[..], b"{\"version\":1}");
        assert_eq!(missing.await.unwrap().0, StatusCode::NOT_FOUND);
        drop(gone_writer);
        assert_eq!(dropped.await.unwrap().0, StatusCode::SERVICE_UNAVAILABLE);
        // Pages are never held up.
        assert_eq!(get("/").await.unwrap().0, StatusCode::OK);
    }

    #[tokio::test]
    async fn no_backend_is_a_json_503() {
        let (status, _, body) = get(app(None), "/api/search?q=x").await;
        assert_eq!(status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(body["error"].is_string());
    }
}

// ---------------------------------------------------------------------------------------------
// Incremental rebuilds equal fresh builds

/// Output path → bytes.
type Files = std::collections::BTreeMap<String, Vec<u8>>;

/// Every file of a fresh `build_site` of `root` as serve builds it (drafts, live-reload script).
fn fresh_build(root: &Path) -> Result<Files, String> {
    let opts = serve_options(root);
    shishin::pipeline::build_site(&opts).map(|b| b.files.iter().map(|(k, v)| (k.clone(), v.clone())).collect()).map_err(|d| d.to_string())
}

fn serve_options(root: &Path) -> shishin::pipeline::BuildOptions {
    let mut opts = shishin::pipeline::BuildOptions::new(root);
    opts.include_drafts = true;
    opts.dev_reload = Some(shishin::serve::livereload::WS_PATH.to_string());
    opts
}

/// The first path whose bytes differ between two file maps (or that only one has).
fn first_difference(a: &Files, b: &Files) -> Option<String> {
    a.keys().chain(b.keys()).find(|k| a.get(*k) != b.get(*k)).cloned()
}

/// The shipped site (every capability: mappings, disclosure, glossary, requirements) edited in all
/// the ways a maintainer does; after each edit the build that reuses the previous builds' results
/// writes exactly the files of a build from nothing, static index included.
#[test]
fn incremental_builds_write_exactly_what_fresh_builds_write() {
    use shishin::pipeline::build_site_incremental;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("site");
    let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::create_dir_all(&root).unwrap();
    std::fs::copy(repo.join("shishin.yaml"), root.join("shishin.yaml")).unwrap();
    for d in ["content", "search-index"] {
        copy_dir(&repo.join(d), &root.join(d));
    }
    let edit = |rel: &str, f: &dyn Fn(String) -> String| {
        let path = root.join(rel);
        let text = std::fs::read_to_string(&path).unwrap_or_default();
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, f(text)).unwrap();
    };
    let page = "content/mic/3/3.2/3.2.1.md";
    let theme = |name: &str| std::fs::read_to_string(repo.join("themes/default").join(name)).unwrap();
    type Step<'a> = (&'a str, Box<dyn Fn() + 'a>);
    let steps: Vec<Step> = vec![
        ("the first build", Box::new(|| {})),
        ("a body edit", Box::new(|| edit(page, &|t| format!("{t}\n追記した段落。暗号鍵の管理台帳。\n")))),
        // Files older than serve's 2 s settle time are compared by their stat, not read.
        ("nothing, every file settled", Box::new(|| std::thread::sleep(Duration::from_millis(2100)))),
        // Same size and modification time as before, and settled by the next build: only the
        // change time tells.
        ("a same-size body edit with the old mtime", Box::new(|| {
            let path = root.join(page);
            let modified = std::fs::metadata(&path).unwrap().modified().unwrap();
            edit(page, &|t| t.replacen("暗号鍵の管理台帳", "暗号鍵の保管台帳", 1));
            std::fs::File::options().write(true).open(&path).unwrap().set_modified(modified).unwrap();
            std::thread::sleep(Duration::from_millis(2100));
        })),
        ("a heading added to a body (cross-reference targets change)", Box::new(|| edit(page, &|t| format!("{t}\n## 追加の見出し\n\n本文。\n")))),
        ("a tag edit (front matter no other page shows)", Box::new(|| edit("content/mhlw5/6/6.3.md", &|t| t.replacen("tags: [", "tags: [試験, ", 1)))),
        // Other pages show this title (cross-references, navigation, mapping tables).
        // (outline.yaml pins the title too, so both change.)
        ("a title edit", Box::new(|| {
            edit("content/mhlw5/6/6.3.md", &|t| t.replacen("title: \"", "title: \"改めた", 1));
            edit("content/data/outline.yaml", &|t| t.replacen("{ id: mhlw5-6.3, title: \"", "{ id: mhlw5-6.3, title: \"改めた", 1));
        })),
        ("a broken front matter", Box::new(|| edit(page, &|t| t.replacen("confidence: ", "confidence: [", 1)))),
        ("its fix", Box::new(|| edit(page, &|t| t.replacen("confidence: [", "confidence: ", 1)))),
        ("a mapping rationale", Box::new(|| edit("content/data/mappings.yaml", &|t| t.replacen("説明資料が 3.2.1 と", "説明資料（2018年）が 3.2.1 と", 1)))),
        ("a glossary term", Box::new(|| edit("content/data/glossary.yaml", &|t| t.replacen("term: PHR", "term: PHR（個人健康記録）", 1)))),
        ("a new page", Box::new(|| edit("content/mic/3/3.2/3.2.99.md", &|_| "---\ntitle: 試験の項\nnumber: \"3.2.99\"\nid: mic-3.2.99\n---\n\n[[mic-3.2.1]] を参照。\n".into()))),
        ("a page removed", Box::new(|| std::fs::remove_file(root.join("content/mic/3/3.2/3.2.99.md")).unwrap())),
        ("a template override", Box::new(|| edit("themes/default/templates/page.html", &|_| theme("templates/page.html").replacen("{% block meta %}", "{% block meta %}<meta name=\"x-override\" content=\"1\">", 1)))),
        ("a stylesheet override", Box::new(|| edit("themes/default/static/style.css", &|_| format!("{}\n.x {{ color: red; }}\n", theme("static/style.css"))))),
        ("a synonym", Box::new(|| edit("search-index/synonyms.yaml", &|t| format!("{t}  - [管理台帳, 台帳]\n")))),
        ("a broken user dictionary", Box::new(|| edit("search-index/userdict.csv", &|t| format!("{t}壊れた,行\n")))),
        ("its fix", Box::new(|| edit("search-index/userdict.csv", &|t| t.replace("壊れた,行\n", "")))),
        ("nothing", Box::new(|| {})),
    ];
    let opts = serve_options(&root);
    let mut cache = shishin::pipeline::BuildCache::default();
    for (what, step) in steps {
        step();
        let incremental = build_site_incremental(&opts, &mut cache).map_err(|d| d.to_string()).map(|(built, index)| {
            let mut files: Files = built.files.iter().map(|(k, v)| (k.clone(), v.clone())).collect();
            files.extend(index.write().iter().map(|(k, v)| (k.clone(), v.clone())));
            files
        });
        let fresh = fresh_build(&root);
        match (&incremental, &fresh) {
            (Ok(a), Ok(b)) => assert!(first_difference(a, b).is_none(), "after {what}: {:?} differs", first_difference(a, b)),
            (Err(a), Err(b)) => assert_eq!(a, b, "after {what}"),
            _ => panic!("after {what}: incremental {:?} vs fresh {:?}", incremental.as_ref().map(|f| f.len()), fresh.as_ref().map(|f| f.len())),
        }
        assert_eq!(what.starts_with("a broken"), incremental.is_err(), "after {what}");
    }
}

/// Over HTTP: after each edit (body, title of a cross-referenced page, new page, template), every
/// file of a fresh build of the edited site is served with exactly its bytes, the static index
/// folder (written after the reload) included.
#[test]
fn after_edits_serve_serves_exactly_the_files_of_a_fresh_build() {
    let server = Server::start(|root| std::fs::create_dir_all(root.join("themes/default/templates")).unwrap(), &[]);
    let page = "content/mic/3/3.2.1.md";
    let base_html = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("themes/default/templates/base.html")).unwrap();
    let edits: Vec<(&str, String)> = vec![
        (page, server.read(page).replace("事業者は**組織体制**を整える。", "事業者は**新しい体制**を整える。")),
        ("content/mic/3/3.2.10.md", server.read("content/mic/3/3.2.10.md").replacen("title: ", "title: 改めた", 1)),
        ("content/mic/3/3.2.5.md", "---\ntitle: 新しい項\nnumber: 3.2.5\nid: mic-3.2.5\n---\n\n[[mic-3.2.1]]\n".into()),
        ("themes/default/templates/base.html", base_html.replacen("<body", "<!-- edited --><body", 1)),
    ];
    runtime().block_on(async {
        let mut ws = ws_connect(server.port, Some(&origin(server.port))).await.unwrap();
        assert_eq!(next_json(&mut ws).await["type"], "hello");
        for (rel, text) in edits {
            server.write(rel, &text);
            next_of(&mut ws, "reload").await;
            let fresh = fresh_build(&server.root).expect("the edited site builds");
            assert!(fresh.keys().any(|k| k.starts_with("search/")), "the fresh build has a static index");
            for (path, bytes) in &fresh {
                let served = server.get(&format!("/guide/{path}"));
                assert_eq!(served.status, 200, "after editing {rel}: {path}");
                assert!(served.body == *bytes, "after editing {rel}: {path} differs from a fresh build");
            }
        }
    });
    let fresh = fresh_build(&server.root).unwrap();
    assert!(String::from_utf8_lossy(&fresh["mic/3.2.1/index.html"]).contains("改めた"), "a cross-reference shows the new title");
}

/// Serve reuses git's page dates while git's HEAD has not moved; a commit (also in a linked
/// worktree) must change the state it compares.
#[test]
fn git_state_changes_with_every_commit() {
    use shishin::content::load::git_state;
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir_all(repo.join("content")).unwrap();
    let git = |cwd: &Path, args: &[&str]| {
        let out = Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.test", "-c", "commit.gpgsign=false"])
            .args(args)
            .current_dir(cwd)
            .env_remove("GIT_DIR")
            .output()
            .unwrap();
        assert!(out.status.success(), "git {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    };
    git(&repo, &["init", "-q", "-b", "main"]);
    let commit = |cwd: &Path, n: u32| {
        std::fs::write(cwd.join("content/a.md"), format!("---\ntitle: a{n}\n---\n")).unwrap();
        git(cwd, &["add", "."]);
        git(cwd, &["commit", "-q", "-m", &format!("c{n}")]);
    };
    commit(&repo, 1);
    let first = git_state(&repo).unwrap();
    assert_eq!(git_state(&repo.join("content")).unwrap(), first, "found from a subfolder");
    std::fs::write(repo.join("content/a.md"), "edited, not committed").unwrap();
    assert_eq!(git_state(&repo).unwrap(), first, "working-tree edits are not commits");
    commit(&repo, 2);
    let second = git_state(&repo).unwrap();
    assert_ne!(second, first);
    git(&repo, &["checkout", "-q", "HEAD~1"]);
    assert_ne!(git_state(&repo).unwrap(), second, "a checkout moves HEAD");
    git(&repo, &["checkout", "-q", "main"]);

    let linked = dir.path().join("linked");
    git(&repo, &["worktree", "add", "-q", "-b", "side", linked.to_str().unwrap()]);
    let before = git_state(&linked).unwrap();
    commit(&linked, 3);
    assert_ne!(git_state(&linked).unwrap(), before, "a commit in a linked worktree");
}
