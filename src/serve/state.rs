//! What the request handlers read: the last good build (served from memory), the last error (for
//! the overlay), the search backend, and the channel that pushes live-reload messages.
//! The rebuild thread replaces these as a whole, so a request always sees one consistent build.

use super::api::SearchBackend;
use crate::diagnostics::Diagnostic;
use crate::output::OutputFiles;
use crate::pipeline::PageFiles;
use axum::body::Bytes;
use rayon::prelude::*;
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use tokio::sync::{broadcast, watch};

/// One successful build, ready to serve.
pub struct Snapshot {
    pub files: HashMap<String, Bytes>,
    /// `/` or `/guide/`: request paths must start with it.
    pub base_path: String,
    /// `/guide/assets/<hash>/`, the folder stylesheets are loaded from.
    pub asset_dir: Option<String>,
    /// The static search index, written after the pages went out.
    pub index: Option<IndexFolder>,
    /// The previous build's index, still served so a page loaded before this build can finish
    /// its search (a fresh `build` has only `index`).
    pub previous_index: Option<IndexFolder>,
}

impl Snapshot {
    /// `last`: the snapshot served until now, whose bytes are shared by every file that has not
    /// changed (comparing them costs less than copying; a body edit changes few files).
    pub fn new(files: &OutputFiles, base_path: String, index: Option<IndexFolder>, previous_index: Option<IndexFolder>, last: Option<&Snapshot>) -> Snapshot {
        Snapshot::with_pages(files, &Vec::new(), base_path, index, previous_index, last)
    }

    /// `new`, plus `pages`: the pages' HTML (`pipeline::build_site_served`), served as it is,
    /// without a copy or a compare; a file of `files` on the same path wins.
    pub fn with_pages(files: &OutputFiles, pages: &PageFiles, base_path: String, index: Option<IndexFolder>, previous_index: Option<IndexFolder>, last: Option<&Snapshot>) -> Snapshot {
        let mut map: HashMap<String, Bytes> = HashMap::with_capacity(pages.len() + files.len());
        map.extend(pages.iter().map(|(path, html)| (path.clone(), Bytes::from_owner(Html(html.clone())))));
        map.extend(file_map(files, last.map(|l| &l.files)));
        let files = map;
        // Every asset lives under one content-hashed folder (render::theme).
        let asset_dir = files
            .keys()
            .filter_map(|k| k.strip_prefix("assets/")?.split_once('/').map(|(hash, _)| hash))
            .min()
            .map(|hash| format!("{base_path}assets/{hash}/"));
        let previous_index = previous_index.filter(|p| index.as_ref().is_none_or(|i| i.prefix != p.prefix));
        Snapshot { files, base_path, asset_dir, index, previous_index }
    }

    pub fn get(&self, key: &str) -> Option<Bytes> {
        self.files.get(key).cloned().or_else(|| self.indexes().find_map(|i| i.get(key)))
    }

    /// Whether `key` is (or, while the index is being written, may be) a file of this build.
    pub fn may_contain(&self, key: &str) -> bool {
        self.files.contains_key(key) || self.indexes().any(|i| i.may_contain(key))
    }

    pub fn indexes(&self) -> impl Iterator<Item = &IndexFolder> {
        self.index.iter().chain(self.previous_index.iter())
    }
}

/// A page's HTML as the bytes of a response.
struct Html(Arc<str>);

impl AsRef<[u8]> for Html {
    fn as_ref(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

fn file_map(files: &OutputFiles, last: Option<&HashMap<String, Bytes>>) -> HashMap<String, Bytes> {
    let files: Vec<(&String, &Vec<u8>)> = files.iter().collect();
    files
        .into_par_iter()
        .map(|(path, bytes)| match last.and_then(|l| l.get(path)) {
            Some(same) if same[..] == bytes[..] => (path.clone(), same.clone()),
            _ => (path.clone(), Bytes::from(bytes.clone())),
        })
        .collect()
}

/// The static search index folder of a build: named (and linked from every page) before its
/// files exist, so requests for it wait until they are written.
#[derive(Clone)]
pub struct IndexFolder {
    /// File-map key of the folder, `search/<hash>/`.
    pub prefix: String,
    files: watch::Receiver<IndexState>,
}

#[derive(Clone)]
pub enum IndexState {
    Writing,
    Written(Arc<HashMap<String, Bytes>>),
    /// Writing failed, or a newer build replaced this one before it was written.
    Failed,
}

/// Fills an `IndexFolder` once its files are written; dropping it unused marks the folder failed.
pub struct IndexWriter(watch::Sender<IndexState>);

impl IndexWriter {
    pub fn written(self, files: &OutputFiles) {
        let _ = self.0.send(IndexState::Written(Arc::new(file_map(files, None))));
    }
}

impl Drop for IndexWriter {
    fn drop(&mut self) {
        self.0.send_if_modified(|s| {
            let writing = matches!(s, IndexState::Writing);
            if writing {
                *s = IndexState::Failed;
            }
            writing
        });
    }
}

impl IndexFolder {
    /// `dir` is the site-relative URL `/search/<hash>/`.
    pub fn writing(dir: &str) -> (IndexFolder, IndexWriter) {
        let (tx, rx) = watch::channel(IndexState::Writing);
        (IndexFolder { prefix: dir.trim_start_matches('/').to_string(), files: rx }, IndexWriter(tx))
    }

    pub fn written(dir: &str, files: &OutputFiles) -> IndexFolder {
        let (folder, writer) = IndexFolder::writing(dir);
        writer.written(files);
        folder
    }

    pub fn is_writing(&self) -> bool {
        matches!(*self.files.borrow(), IndexState::Writing)
    }

    fn get(&self, key: &str) -> Option<Bytes> {
        match &*self.files.borrow() {
            IndexState::Written(files) => files.get(key).cloned(),
            _ => None,
        }
    }

    fn may_contain(&self, key: &str) -> bool {
        key.starts_with(&self.prefix)
            && match &*self.files.borrow() {
                IndexState::Writing => true,
                IndexState::Written(files) => files.contains_key(key),
                IndexState::Failed => false,
            }
    }

    /// Waits up to `limit` for the files; false when they did not come.
    pub async fn wait(&self, limit: Duration) -> bool {
        let mut rx = self.files.clone();
        matches!(tokio::time::timeout(limit, rx.wait_for(|s| !matches!(s, IndexState::Writing))).await, Ok(Ok(s)) if matches!(*s, IndexState::Written(_)))
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
