//! What the request handlers read: the last good build (served from memory), the last error (for
//! the overlay), the search backend, and the channel that pushes live-reload messages.
//! The rebuild thread replaces these as a whole, so a request always sees one consistent build.

use super::api::SearchBackend;
use crate::diagnostics::Diagnostic;
use crate::output::OutputFiles;
use axum::body::Bytes;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use tokio::sync::broadcast;

/// One successful build, ready to serve.
pub struct Snapshot {
    pub files: HashMap<String, Bytes>,
    /// `/` or `/guide/`: request paths must start with it.
    pub base_path: String,
    /// `/guide/assets/<hash>/`, the folder stylesheets are loaded from.
    pub asset_dir: Option<String>,
}

impl Snapshot {
    pub fn new(files: &OutputFiles, base_path: String) -> Snapshot {
        let files: HashMap<String, Bytes> = files.iter().map(|(k, v)| (k.clone(), Bytes::from(v.clone()))).collect();
        // Every asset lives under one content-hashed folder (render::theme).
        let asset_dir = files
            .keys()
            .filter_map(|k| k.strip_prefix("assets/")?.split_once('/').map(|(hash, _)| hash))
            .min()
            .map(|hash| format!("{base_path}assets/{hash}/"));
        Snapshot { files, base_path, asset_dir }
    }
}

/// Diagnostics of a failed build, shown in the terminal and as the browser overlay.
pub struct Failure {
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, Default)]
pub struct Current {
    /// Counts builds, failed ones included; the browser reloads when it missed one.
    pub build: u64,
    /// The last good build; None until the first build succeeds.
    pub site: Option<Arc<Snapshot>>,
    /// Set while the latest build failed.
    pub failure: Option<Arc<Failure>>,
}

pub struct State {
    current: RwLock<Current>,
    search: RwLock<Option<Arc<dyn SearchBackend>>>,
    /// Live-reload messages (JSON text) for every open page.
    pub events: broadcast::Sender<Arc<str>>,
    /// Differs between server processes, so a page reconnecting after a restart reloads.
    pub server_id: String,
}

impl State {
    pub fn new() -> State {
        let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
        State {
            current: RwLock::new(Current::default()),
            search: RwLock::new(None),
            events: broadcast::channel(16).0,
            server_id: format!("{:x}-{nanos:x}", std::process::id()),
        }
    }

    pub fn current(&self) -> Current {
        // A poisoned lock only means a panic elsewhere; the data is still a whole value.
        self.current.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn update(&self, f: impl FnOnce(&mut Current)) -> Current {
        let mut guard = self.current.write().unwrap_or_else(|e| e.into_inner());
        f(&mut guard);
        guard.clone()
    }

    pub fn search(&self) -> Option<Arc<dyn SearchBackend>> {
        self.search.read().unwrap_or_else(|e| e.into_inner()).clone()
    }

    pub fn set_search(&self, backend: Option<Arc<dyn SearchBackend>>) {
        *self.search.write().unwrap_or_else(|e| e.into_inner()) = backend;
    }

    /// Push a message to every open page (no page open is fine).
    pub fn broadcast(&self, message: String) {
        let _ = self.events.send(Arc::from(message));
    }
}

impl Default for State {
    fn default() -> Self {
        State::new()
    }
}
