//! One (re)build: run the normal pipeline in memory, swap the result in (or keep the last good
//! site and record the failure), tell the open pages, and print one line.
//!
//! Whole-site rebuilds: the pipeline is fast enough on the shipped corpus that tracking which
//! stage an edit touches is not worth its bugs (bench/SERVE.md has the numbers).

use super::api::SearchBackend;
use super::livereload;
use super::state::{Failure, Snapshot, State};
use crate::build::{BuildOptions, BuiltSite, build_site};
use crate::diagnostics::{Diagnostic, Diagnostics};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Builds the search backend for a new site from the build and the changed paths (runs after the
/// reload went out, so it never delays the browser). On Err the message is printed and the
/// previous backend keeps answering.
pub type SearchFactory = Box<dyn FnMut(&BuiltSite, &[PathBuf]) -> Result<Arc<dyn SearchBackend>, String> + Send>;

pub struct Rebuilder {
    pub opts: BuildOptions,
    pub state: Arc<State>,
    pub search: Option<SearchWorker>,
}

/// Indexes builds for `/api/search` on its own thread, so a slow index never delays the next
/// rebuild; when builds come faster than indexing, only the newest waiting one is indexed.
/// Quiet time after a rebuild before the search index is rebuilt.
pub const SEARCH_SETTLE: Duration = Duration::from_millis(200);

pub struct SearchWorker {
    slot: Arc<(Mutex<Option<SearchJob>>, Condvar)>,
}

struct SearchJob {
    built: BuiltSite,
    /// Every path changed since the last indexed build (the analyser reloads on search-index/).
    changed: Vec<PathBuf>,
    first: bool,
}

impl SearchWorker {
    pub fn spawn(mut factory: SearchFactory, state: Arc<State>) -> std::io::Result<SearchWorker> {
        let slot: Arc<(Mutex<Option<SearchJob>>, Condvar)> = Arc::default();
        let worker = slot.clone();
        std::thread::Builder::new().name("shishin-search-index".into()).spawn(move || {
            loop {
                let job = {
                    let (lock, ready) = &*worker;
                    let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
                    while guard.is_none() {
                        guard = ready.wait(guard).unwrap_or_else(|e| e.into_inner());
                    }
                    // Saves in quick succession: index only once they settle, so indexing does
                    // not take the CPU from the rebuild of the next save.
                    // (The first build is indexed at once.)
                    let mut settled = guard.as_ref().is_some_and(|j| j.first);
                    while !settled {
                        let (g, waited) = ready.wait_timeout(guard, SEARCH_SETTLE).unwrap_or_else(|e| e.into_inner());
                        guard = g;
                        settled = waited.timed_out();
                    }
                    match guard.take() {
                        Some(job) => job,
                        None => continue,
                    }
                };
                let t = Instant::now();
                match factory(&job.built, &job.changed) {
                    Ok(engine) => {
                        state.set_search(Some(engine));
                        if job.first {
                            eprintln!("search index ready in {} ms", t.elapsed().as_millis());
                        }
                    }
                    Err(e) => eprintln!("warning: search index not rebuilt (the API keeps the previous one): {e}"),
                }
            }
        })?;
        Ok(SearchWorker { slot })
    }

    fn submit(&self, built: BuiltSite, changed: &[PathBuf], first: bool) {
        let (lock, ready) = &*self.slot;
        let mut guard = lock.lock().unwrap_or_else(|e| e.into_inner());
        let (mut all, was_first) = guard.take().map(|old| (old.changed, old.first)).unwrap_or_default();
        all.extend(changed.iter().cloned());
        *guard = Some(SearchJob { built, changed: all, first: first || was_first });
        ready.notify_one();
    }
}

impl Rebuilder {
    /// Build once. `changed` is relative to the root (empty for the first build); `rescan` means
    /// the watcher lost events. Returns whether the build succeeded.
    pub fn run(&self, changed: &[PathBuf], rescan: bool) -> bool {
        let started = Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| build_site(&self.opts)));
        let ms = started.elapsed().as_millis();
        let result = result.unwrap_or_else(|panic| {
            let what = panic
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| panic.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_else(|| "unknown panic".into());
            Err(Diagnostics::from(
                Diagnostic::file_level("shishin.yaml", format!("internal error while building: {what}")).help("this is a bug in shishin; please report it with the file you changed"),
            ))
        });
        let changed_refs: Vec<&Path> = changed.iter().map(PathBuf::as_path).collect();
        let what = describe(changed, rescan);
        match result {
            Ok(built) => {
                let snapshot = Arc::new(Snapshot::new(&built.files, built.site.config.base_path()));
                let before = self.state.current();
                let css_only = before.failure.is_none() && before.site.is_some() && !rescan && !changed.is_empty() && changed.iter().all(|p| is_stylesheet(p));
                let asset_dir = snapshot.asset_dir.clone();
                let now = self.state.update(|c| {
                    c.build += 1;
                    c.site = Some(snapshot);
                    c.failure = None;
                });
                let msg = match (css_only, asset_dir) {
                    (true, Some(dir)) => livereload::css(now.build, &dir, &changed_refs),
                    _ => livereload::reload(now.build, &changed_refs),
                };
                self.state.broadcast(msg);
                let pages = built.site.pages.len();
                if changed.is_empty() && !rescan {
                    eprintln!("built {pages} pages, {} files ({} KB) in {ms} ms", built.files.len(), built.files.total_bytes() / 1024);
                } else {
                    eprintln!("rebuilt in {ms} ms ({}): {what}", if css_only { "styles swapped" } else { "pages reloaded" });
                }
                if let Some(worker) = &self.search {
                    worker.submit(built, changed, changed.is_empty() && !rescan);
                }
                true
            }
            Err(diags) => {
                let n = diags.len();
                for d in &diags.0 {
                    eprintln!("{d}\n");
                }
                let now = self.state.update(|c| {
                    c.build += 1;
                    c.failure = Some(Arc::new(Failure { diagnostics: diags.0.clone() }));
                });
                self.state.broadcast(livereload::error(now.build, &diags.0));
                let keep = if now.site.is_some() { "still serving the last good build" } else { "nothing to serve until it is fixed" };
                eprintln!("build failed in {ms} ms ({n} error{}; {keep}): {what}", if n == 1 { "" } else { "s" });
                false
            }
        }
    }
}

fn is_stylesheet(p: &Path) -> bool {
    p.starts_with("themes") && p.extension().is_some_and(|e| e == "css")
}

/// `content/a.md, content/b.md (+3 more)`.
fn describe(changed: &[PathBuf], rescan: bool) -> String {
    if rescan {
        return "everything (the file watcher lost events)".into();
    }
    if changed.is_empty() {
        return "start".into();
    }
    let shown: Vec<String> = changed.iter().take(3).map(|p| p.to_string_lossy().replace('\\', "/")).collect();
    let more = changed.len().saturating_sub(3);
    if more > 0 { format!("{} (+{more} more)", shown.join(", ")) } else { shown.join(", ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_changes() {
        let p = |s: &str| PathBuf::from(s);
        assert_eq!(describe(&[p("content/a.md")], false), "content/a.md");
        assert_eq!(describe(&[p("a"), p("b"), p("c"), p("d"), p("e")], false), "a, b, c (+2 more)");
        assert!(describe(&[], true).contains("lost events"));
        assert!(is_stylesheet(&p("themes/default/static/style.css")));
        assert!(!is_stylesheet(&p("content/x.css")));
        assert!(!is_stylesheet(&p("themes/default/templates/base.html")));
    }
}
