//! Benchmark: how long from saving a page to the live-reload message reaching an open page.
//!
//!   cargo run --release --example serve_reload -- --bin target/release/shishin --root . --runs 30
//!
//! Copies the site (shishin.yaml, netlify.toml, content/, themes/, search-index/) to a temp dir,
//! starts `shishin serve --port 0` on it, connects to the live-reload WebSocket like a page does,
//! then edits one page `--runs` times, a second apart (each save a plain write), and times
//! write → `reload` message. Prints the figures, the server's own rebuild times and the median
//! time of each rebuild stage (`serve --verbose`).
//! bench/serve-reload.sh wraps it; bench/SERVE.md records the results.

use futures_util::StreamExt;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::{Message, client::IntoClientRequest, http::HeaderValue};

struct Args {
    bin: PathBuf,
    root: PathBuf,
    runs: usize,
    page: Option<String>,
}

fn parse_args() -> Args {
    let mut args = Args { bin: PathBuf::from("target/release/shishin"), root: PathBuf::from("."), runs: 30, page: None };
    let mut it = std::env::args().skip(1);
    while let Some(a) = it.next() {
        let mut value = || it.next().unwrap_or_else(|| usage(&format!("{a} needs a value")));
        match a.as_str() {
            "--bin" => args.bin = PathBuf::from(value()),
            "--root" => args.root = PathBuf::from(value()),
            "--runs" => args.runs = value().parse().unwrap_or_else(|_| usage("--runs takes a number")),
            "--page" => args.page = Some(value()),
            _ => usage(&format!("unknown argument {a}")),
        }
    }
    args
}

fn usage(msg: &str) -> ! {
    eprintln!("error: {msg}\nusage: serve_reload [--bin PATH] [--root SITE] [--runs N] [--page content/REL.md]");
    std::process::exit(2)
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_tree(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

/// A clause page of the site: the `--page`, or the largest Markdown file under content/.
fn pick_page(root: &Path, wanted: Option<&str>) -> String {
    if let Some(p) = wanted {
        return p.to_string();
    }
    let mut best: Option<(u64, PathBuf)> = None;
    let mut stack = vec![root.join("content")];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(&dir).into_iter().flatten().flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "md") {
                let len = e.metadata().map(|m| m.len()).unwrap_or(0);
                if best.as_ref().is_none_or(|(l, _)| len > *l) {
                    best = Some((len, p));
                }
            }
        }
    }
    let (_, p) = best.unwrap_or_else(|| usage("no Markdown page under content/"));
    p.strip_prefix(root).unwrap().to_string_lossy().into_owned()
}

type Ws = tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

async fn next(ws: &mut Ws) -> serde_json::Value {
    match tokio::time::timeout(Duration::from_secs(30), ws.next()).await {
        Ok(Some(Ok(Message::Text(t)))) => serde_json::from_str(&t).unwrap(),
        other => panic!("no live-reload message: {other:?}"),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let args = parse_args();
    let dir = std::env::temp_dir().join(format!("shishin-serve-bench-{}", std::process::id()));
    let site = dir.join("site");
    std::fs::create_dir_all(&site).unwrap();
    for name in ["shishin.yaml", "netlify.toml"] {
        if args.root.join(name).is_file() {
            std::fs::copy(args.root.join(name), site.join(name)).unwrap();
        }
    }
    for name in ["content", "themes", "search-index"] {
        if args.root.join(name).is_dir() {
            copy_tree(&args.root.join(name), &site.join(name)).unwrap();
        }
    }
    let page = pick_page(&site, args.page.as_deref());
    let original = std::fs::read_to_string(site.join(&page)).unwrap_or_else(|e| usage(&format!("cannot read {page}: {e}")));

    let mut child = Command::new(&args.bin)
        .args(["serve", "--verbose", "--port", "0", "--root"])
        .arg(&site)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| usage(&format!("cannot start {}: {e}", args.bin.display())));
    let log = Arc::new(Mutex::new(Vec::<String>::new()));
    let sink = log.clone();
    let err = child.stderr.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(err).lines().map_while(Result::ok) {
            sink.lock().unwrap().push(line);
        }
    });
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap()).read_line(&mut first).unwrap();
    let port: u16 = first.trim().trim_start_matches("listening on http://127.0.0.1:").trim_end_matches('/').parse().unwrap_or_else(|_| usage(&format!("unexpected first line {first:?}")));

    let mut req = format!("ws://127.0.0.1:{port}/__shishin/ws").into_client_request().unwrap();
    req.headers_mut().insert("Origin", HeaderValue::from_str(&format!("http://127.0.0.1:{port}")).unwrap());
    let (mut ws, _) = tokio_tungstenite::connect_async(req).await.expect("websocket");
    let hello = next(&mut ws).await;
    assert_eq!(hello["type"], "hello");

    let mut times = Vec::new();
    for run in 0..args.runs {
        let text = format!("{original}\n\n計測用の段落 {run}。\n");
        let started = Instant::now();
        std::fs::write(site.join(&page), text).unwrap();
        let msg = next(&mut ws).await;
        let ms = started.elapsed().as_secs_f64() * 1000.0;
        match msg["type"].as_str() {
            Some("reload") => times.push(ms),
            _ => {
                eprintln!("the site does not build, so no reload was sent:\n{}", log.lock().unwrap().join("\n"));
                let _ = child.kill();
                std::process::exit(1);
            }
        }
        // A person saves, looks, edits again: the next save comes a second later (the search
        // index of this build is rebuilt in that time, as it would be).
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
    let _ = Command::new("kill").args(["-TERM", &child.id().to_string()]).status();
    let _ = child.wait();
    let _ = std::fs::remove_dir_all(&dir);

    let lines = log.lock().unwrap().clone();
    let initial = lines.iter().find(|l| l.starts_with("built ")).cloned().unwrap_or_default();
    let mut builds: Vec<f64> = lines
        .iter()
        .filter_map(|l| l.strip_prefix("rebuilt in ")?.split(' ').next()?.parse().ok())
        .collect();
    times.sort_by(f64::total_cmp);
    builds.sort_by(f64::total_cmp);
    println!("site: {} (edited {page}, {} runs)", args.root.display(), times.len());
    println!("first build: {initial}");
    println!(
        "edit -> reload message: median {:.1} ms, p90 {:.1} ms, max {:.1} ms",
        percentile(&times, 0.5),
        percentile(&times, 0.9),
        times[times.len() - 1]
    );
    // "  stages: load 4.1 ms, validate 0.1 ms, …" after each rebuild line; the first build's
    // (everything parsed from nothing) is left out.
    let mut stages: Vec<(String, Vec<f64>)> = Vec::new();
    let mut index_times = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        if let Some(list) = line.strip_prefix("  stages: ")
            && i > 0
            && lines[i - 1].starts_with("rebuilt in ")
        {
            for part in list.split(", ") {
                let Some((name, ms)) = part.strip_suffix(" ms").and_then(|p| p.rsplit_once(' ')) else { continue };
                let Ok(ms) = ms.parse::<f64>() else { continue };
                match stages.iter_mut().find(|(n, _)| n == name) {
                    Some((_, v)) => v.push(ms),
                    None => stages.push((name.to_string(), vec![ms])),
                }
            }
        }
        if let Some(ms) = line.strip_prefix("  search index written in ").and_then(|r| r.split(' ').next()).and_then(|m| m.parse::<f64>().ok()) {
            index_times.push(ms);
        }
    }
    if !builds.is_empty() {
        println!(
            "  of which rebuild (server's own figure): median {:.0} ms, p90 {:.0} ms, max {:.0} ms",
            percentile(&builds, 0.5),
            percentile(&builds, 0.9),
            builds[builds.len() - 1]
        );
    }
    if !stages.is_empty() {
        let shown: Vec<String> = stages
            .iter_mut()
            .map(|(name, v)| {
                v.sort_by(f64::total_cmp);
                format!("{name} {:.1}", percentile(v, 0.5))
            })
            .collect();
        println!("  rebuild stages, median ms: {}", shown.join(", "));
    }
    if !index_times.is_empty() {
        index_times.sort_by(f64::total_cmp);
        println!(
            "  static search index, written after the reload: median {:.1} ms, max {:.1} ms",
            percentile(&index_times, 0.5),
            index_times[index_times.len() - 1]
        );
    }
}
