//! Watching the site's inputs (content/, themes/, search-index/, shishin.yaml) and turning bursts
//! of file events into one batch of changed paths per rebuild.
//!
//! Editors save in bursts (write a temp file, rename it over the original, delete a backup), so a
//! batch closes only after the events have been quiet for `QUIET`, or `MAX_WAIT` after the first
//! one, whichever comes first. Hidden files and folders (`.shishin/`, `.git/`, `.x.md.swp`) and
//! editor scratch files are ignored; the output folder is outside the watched folders.

use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};
use std::collections::BTreeSet;
use std::path::{Component, Path, PathBuf};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::time::{Duration, Instant};

pub const WATCHED_DIRS: [&str; 3] = ["content", "themes", "search-index"];
pub const WATCHED_FILES: [&str; 1] = ["shishin.yaml"];

/// Events this close together belong to one save. Editors' write-temp/rename/delete sequences
/// take microseconds to a few milliseconds; a save split anyway costs one extra rebuild.
pub const QUIET: Duration = Duration::from_millis(15);
/// A batch never waits longer than this after its first event.
pub const MAX_WAIT: Duration = Duration::from_millis(100);

pub struct Watcher {
    inner: RecommendedWatcher,
    rx: Receiver<notify::Result<Event>>,
    root: PathBuf,
    watching: BTreeSet<&'static str>,
}

/// A batch of changes: paths relative to the root, sorted, without duplicates. `rescan` is set
/// when the OS dropped events (everything may have changed).
#[derive(Debug, Default)]
pub struct Batch {
    pub paths: Vec<PathBuf>,
    pub rescan: bool,
}

impl Watcher {
    /// `root` should be canonical so event paths can be made relative to it.
    pub fn start(root: &Path) -> notify::Result<Watcher> {
        let (tx, rx) = channel();
        let inner = notify::recommended_watcher(move |res| {
            let _ = tx.send(res);
        })?;
        let mut w = Watcher { inner, rx, root: root.to_path_buf(), watching: BTreeSet::new() };
        // The root itself, not recursively: shishin.yaml (editors replace it by rename, which a
        // watch on the file would lose) and watched folders created later.
        w.inner.watch(root, RecursiveMode::NonRecursive)?;
        w.watch_dirs();
        Ok(w)
    }

    fn watch_dirs(&mut self) {
        for dir in WATCHED_DIRS {
            if self.watching.contains(dir) {
                continue;
            }
            let path = self.root.join(dir);
            if path.is_dir() && self.inner.watch(&path, RecursiveMode::Recursive).is_ok() {
                self.watching.insert(dir);
            }
        }
    }

    /// Blocks until the next batch with at least one relevant change; None when the watcher is gone.
    pub fn next_batch(&mut self) -> Option<Batch> {
        let mut batch = Batch::default();
        let mut paths = BTreeSet::new();
        let first = loop {
            let ev = self.rx.recv().ok()?;
            if self.take(ev, &mut paths, &mut batch.rescan) {
                break Instant::now();
            }
        };
        let mut last = first;
        loop {
            let deadline = (last + QUIET).min(first + MAX_WAIT);
            let now = Instant::now();
            if now >= deadline {
                break;
            }
            match self.rx.recv_timeout(deadline - now) {
                Ok(ev) => {
                    if self.take(ev, &mut paths, &mut batch.rescan) {
                        last = Instant::now();
                    }
                }
                Err(RecvTimeoutError::Timeout) => break,
                Err(RecvTimeoutError::Disconnected) => break,
            }
        }
        // A watched folder may have been created (e.g. themes/ for a first override).
        self.watch_dirs();
        batch.paths = paths.into_iter().collect();
        Some(batch)
    }

    /// Adds the relevant paths of one event; true if it changed anything we build from.
    fn take(&self, ev: notify::Result<Event>, paths: &mut BTreeSet<PathBuf>, rescan: &mut bool) -> bool {
        let ev = match ev {
            Ok(ev) => ev,
            Err(_) => {
                *rescan = true;
                return true;
            }
        };
        if ev.need_rescan() {
            *rescan = true;
            return true;
        }
        if matches!(ev.kind, EventKind::Access(_)) {
            return false;
        }
        let mut any = false;
        for p in &ev.paths {
            if let Some(rel) = relevant(&self.root, p) {
                paths.insert(rel);
                any = true;
            }
        }
        any
    }
}

/// The path relative to the root if a rebuild should see it.
pub fn relevant(root: &Path, path: &Path) -> Option<PathBuf> {
    let rel = path.strip_prefix(root).ok()?;
    let mut comps = rel.components();
    let first = match comps.next()? {
        Component::Normal(s) => s.to_str()?,
        _ => return None,
    };
    let top_level_file = comps.clone().next().is_none() && WATCHED_FILES.contains(&first);
    if !(WATCHED_DIRS.contains(&first) || top_level_file) {
        return None;
    }
    for c in rel.components() {
        let Component::Normal(s) = c else { return None };
        let s = s.to_string_lossy();
        if s.starts_with('.') {
            return None;
        }
    }
    let name = rel.file_name()?.to_string_lossy();
    if is_scratch(&name) {
        return None;
    }
    Some(rel.to_path_buf())
}

/// Editor backups and temp files (vim, emacs, JetBrains, many atomic-save helpers).
fn is_scratch(name: &str) -> bool {
    name.ends_with('~')
        || name == "4913"
        || name.starts_with("#")
        || [".swp", ".swx", ".swo", ".tmp", ".bak", ".orig", "___jb_tmp___", "___jb_old___"].iter().any(|s| name.ends_with(s))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relevance() {
        let root = Path::new("/site");
        let r = |p: &str| relevant(root, Path::new(p)).map(|p| p.to_string_lossy().into_owned());
        assert_eq!(r("/site/content/mic/3.2.1.md").as_deref(), Some("content/mic/3.2.1.md"));
        assert_eq!(r("/site/shishin.yaml").as_deref(), Some("shishin.yaml"));
        assert_eq!(r("/site/themes/default/static/style.css").as_deref(), Some("themes/default/static/style.css"));
        assert_eq!(r("/site/search-index/synonyms.yaml").as_deref(), Some("search-index/synonyms.yaml"));
        assert_eq!(r("/site/content").as_deref(), Some("content"));
        for ignored in [
            "/site/public/index.html",
            "/site/.shishin/index/meta.json",
            "/site/content/.mic.md.swp",
            "/site/content/mic/3.2.1.md~",
            "/site/content/4913",
            "/site/content/#3.2.1.md#",
            "/site/content/x.md.tmp",
            "/site/content/.git/HEAD",
            "/site/README.md",
            "/site/content/a/shishin.yaml.bak",
            "/elsewhere/content/a.md",
            "/site/other/shishin.yaml",
        ] {
            assert_eq!(r(ignored), None, "{ignored}");
        }
    }
}
