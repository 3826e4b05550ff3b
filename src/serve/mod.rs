//! `shishin serve`: build in memory, serve the build from memory, watch the inputs, rebuild and
//! push live-reload messages to open pages. Nothing is written to disk.
//!
//! Threads: the tokio runtime serves requests; one plain thread waits for file-change batches and
//! runs the (rayon-parallel) build, then swaps the new build into the shared state.

pub mod api;
pub mod http;
pub mod idle;
pub mod livereload;
pub mod paths;
pub mod range;
pub mod rebuild;
pub mod search;
pub mod security;
pub mod server;
pub mod state;
pub mod watch;

use crate::pipeline::BuildOptions;
use anyhow::{Context, anyhow};
use axum::http::{HeaderName, HeaderValue};
use std::io::Write;
use std::net::{IpAddr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

/// Open live-reload sockets (browser tabs).
const MAX_WEBSOCKETS: usize = 64;

#[derive(Debug, Clone)]
pub struct ServeOptions {
    pub root: PathBuf,
    pub bind: IpAddr,
    /// 0 picks a free port (printed on the first line of stdout).
    pub port: u16,
    pub open: bool,
    pub include_drafts: bool,
    /// Print each rebuild's stage times.
    pub verbose: bool,
}

/// Runs until Ctrl-C or SIGTERM; Ok(()) after a clean shutdown.
pub fn run(opts: ServeOptions) -> anyhow::Result<()> {
    let root = std::fs::canonicalize(&opts.root).with_context(|| format!("cannot open the site root {}", opts.root.display()))?;
    let site_rules = security::site_rules(&root).map_err(|d| anyhow!("{d}"))?;

    let listener = std::net::TcpListener::bind((opts.bind, opts.port)).map_err(|e| {
        anyhow!("cannot listen on {}: {e}\n  = help: choose another --port (or --port 0 for any free port)", SocketAddr::new(opts.bind, opts.port))
    })?;
    listener.set_nonblocking(true)?;
    let addr = listener.local_addr()?;
    let headers = header_rules(security::serve_rules(site_rules, addr.port()))?;

    let state = Arc::new(state::State::new());
    let mut build_opts = BuildOptions::new(&root);
    build_opts.include_drafts = opts.include_drafts;
    build_opts.dev_reload = Some(livereload::WS_PATH.to_string());
    let search = rebuild::SearchWorker::spawn(search::factory(), state.clone())?;
    let index = rebuild::IndexWorker::spawn(opts.verbose)?;
    let mut rebuilder =
        rebuild::Rebuilder { opts: build_opts, state: state.clone(), search: Some(search), index, cache: Default::default(), verbose: opts.verbose };

    // Watch before the first build so edits made while it runs are not lost.
    let watcher = watch::Watcher::start(&root);
    rebuilder.run(&[], false);
    match watcher {
        Ok(mut w) => {
            std::thread::Builder::new().name("shishin-rebuild".into()).spawn(move || {
                while let Some(batch) = w.next_batch() {
                    rebuilder.run(&batch.paths, batch.rescan);
                }
            })?;
        }
        Err(e) => eprintln!("warning: cannot watch {} for changes ({e}); live reload is off, restart serve after edits", root.display()),
    }

    if let Some(warning) = security::exposure_warning(addr) {
        eprintln!("{warning}");
    }
    let url = format!("http://{addr}/");
    {
        // The first stdout line is the contract for scripts and tests (`--port 0`).
        let mut out = std::io::stdout().lock();
        writeln!(out, "listening on {url}")?;
        out.flush()?;
    }
    if opts.open {
        open_browser(&url);
    }

    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build()?;
    let result = runtime.block_on(serve(listener, state, security::Allowed::new(addr), headers));
    // Connections still open after the grace period are dropped here.
    runtime.shutdown_timeout(Duration::from_millis(200));
    result
}

async fn serve(listener: std::net::TcpListener, state: Arc<state::State>, allowed: security::Allowed, headers: Vec<http::HeaderRule>) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
    let ws_slots = Arc::new(Semaphore::new(MAX_WEBSOCKETS));
    let conn_slots = Arc::new(Semaphore::new(server::MAX_CONNECTIONS));
    let app = Arc::new(http::App { state, allowed, headers, shutdown: stop_rx.clone(), ws_slots: ws_slots.clone() });
    let accept = server::accept_loop(listener, http::router(app), conn_slots.clone(), stop_rx);
    tokio::select! {
        _ = accept => {}
        _ = shutdown_signal() => {}
    }
    eprintln!("shutting down");
    let _ = stop_tx.send(true);
    // Every connection and socket task holds a permit until it ends.
    let drained = tokio::time::timeout(server::GRACE, async {
        let _c = conn_slots.acquire_many(server::MAX_CONNECTIONS as u32).await;
        let _w = ws_slots.acquire_many(MAX_WEBSOCKETS as u32).await;
    })
    .await;
    if drained.is_err() {
        eprintln!("closing connections that did not finish in time");
    }
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = term => {}
    }
}

fn header_rules(rules: Vec<security::Rule>) -> anyhow::Result<Vec<http::HeaderRule>> {
    rules
        .into_iter()
        .map(|rule| {
            let values = rule
                .values
                .into_iter()
                .map(|(k, v)| {
                    let name = HeaderName::from_bytes(k.as_bytes()).map_err(|_| anyhow!("netlify.toml: `{k}` is not a valid header name"))?;
                    let value = HeaderValue::from_str(&v).map_err(|_| anyhow!("netlify.toml: the value of `{k}` is not a valid header value"))?;
                    Ok((name, value))
                })
                .collect::<anyhow::Result<Vec<_>>>()?;
            Ok(http::HeaderRule { pattern: security::pattern_regex(&rule.pattern), values })
        })
        .collect()
}

fn open_browser(url: &str) {
    let result = if cfg!(target_os = "macos") {
        std::process::Command::new("open").arg(url).spawn()
    } else if cfg!(windows) {
        std::process::Command::new("cmd").args(["/C", "start", "", url]).spawn()
    } else {
        std::process::Command::new("xdg-open").arg(url).spawn()
    };
    if let Err(e) = result {
        eprintln!("warning: cannot open a browser ({e}); open {url} yourself");
    }
}
