//! The live-reload WebSocket: its messages (read by themes/default/static/reload.js) and the
//! per-page connection task.
//!
//! Messages (JSON text frames, server → page):
//! - `{"type":"hello","server":ID,"build":N}` on connect; a page that saw another server or build reloads.
//! - `{"type":"reload","build":N,"changed":[paths]}` after a successful build.
//! - `{"type":"css","build":N,"asset_dir":"/assets/<hash>/","changed":[paths]}` when only stylesheets
//!   changed: the page swaps its stylesheet links to the new hashed folder without reloading.
//! - `{"type":"error","build":N,"errors":[{file,line,column,message,help,source_line}]}` when a build
//!   failed (the page shows an overlay; the last good build keeps being served).

use super::state::State;
use crate::diagnostics::Diagnostic;
use axum::extract::ws::{Message, WebSocket};
use serde_json::json;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, broadcast, watch};

pub const WS_PATH: &str = "/__shishin/ws";

fn paths(changed: &[&Path]) -> Vec<String> {
    changed.iter().map(|p| p.to_string_lossy().replace('\\', "/")).collect()
}

pub fn hello(server: &str, build: u64) -> String {
    json!({ "type": "hello", "server": server, "build": build }).to_string()
}

pub fn reload(build: u64, changed: &[&Path]) -> String {
    json!({ "type": "reload", "build": build, "changed": paths(changed) }).to_string()
}

pub fn css(build: u64, asset_dir: &str, changed: &[&Path]) -> String {
    json!({ "type": "css", "build": build, "asset_dir": asset_dir, "changed": paths(changed) }).to_string()
}

pub fn error(build: u64, diagnostics: &[Diagnostic]) -> String {
    let errors: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|d| {
            json!({
                "file": d.file.to_string_lossy().replace('\\', "/"),
                "line": d.line,
                "column": d.column,
                "message": d.message,
                "help": d.help,
                "source_line": d.source_line,
                // How many follow-up checks wait for this error (the causes come first).
                "note": crate::diagnostics::followup::note(d),
            })
        })
        .collect();
    json!({ "type": "error", "build": build, "errors": errors }).to_string()
}

/// One open page: hello (and the current error, if any), then every broadcast message, until the
/// page goes away or the server shuts down (then a Close frame).
pub async fn client(mut socket: WebSocket, state: Arc<State>, mut shutdown: watch::Receiver<bool>, _permit: OwnedSemaphorePermit) {
    // Subscribe before reading the state, so no build between the two is missed.
    let mut events = state.events.subscribe();
    let current = state.current();
    let mut first = vec![hello(&state.server_id, current.build)];
    if let Some(f) = &current.failure {
        first.push(error(current.build, &f.diagnostics));
    }
    for m in first {
        if send(&mut socket, m).await.is_err() {
            return;
        }
    }
    loop {
        tokio::select! {
            ev = events.recv() => match ev {
                Ok(msg) => if send(&mut socket, msg.to_string()).await.is_err() { return },
                // Missed messages: the page must catch up, and a reload always does.
                Err(broadcast::error::RecvError::Lagged(_)) => {
                    let b = state.current().build;
                    if send(&mut socket, reload(b, &[])).await.is_err() { return }
                }
                Err(broadcast::error::RecvError::Closed) => break,
            },
            incoming = socket.recv() => match incoming {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                Some(Ok(_)) => {} // pages send nothing we need; pings are answered by axum
            },
            _ = stopped(&mut shutdown) => break,
        }
    }
    let _ = tokio::time::timeout(Duration::from_millis(300), socket.send(Message::Close(None))).await;
}

/// Resolves once the server is shutting down (at once if it already is).
pub async fn stopped(shutdown: &mut watch::Receiver<bool>) {
    let _ = shutdown.wait_for(|&s| s).await;
}

async fn send(socket: &mut WebSocket, text: String) -> Result<(), ()> {
    match tokio::time::timeout(Duration::from_secs(5), socket.send(Message::Text(text.into()))).await {
        Ok(Ok(())) => Ok(()),
        _ => Err(()),
    }
}
