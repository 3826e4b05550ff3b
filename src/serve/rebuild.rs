//! One (re)build: run the normal pipeline in memory, swap the result in (or keep the last good
//! site and record the failure), tell the open pages, and print one line.
//!
//! Every rebuild runs the whole pipeline (`pipeline::build_site_served`); what it reuses from
//! the last build is keyed by content hashes (pipeline::cache), not by the watcher's paths.
//! The static search index is written after the reload went out (IndexWorker).

use super::api::SearchBackend;
use super::livereload;
use super::state::{Failure, IndexFolder, IndexWriter, Snapshot, State};
use crate::pipeline::{BuildOptions, BuiltSite, StaticIndex, build_site_served};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::pipeline::BuildCache;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

/// Builds the search backend for a new site from the build (runs after the reload went out, so it
/// never delays the browser). On Err the message is printed and the previous backend keeps
/// answering.
pub type SearchFactory = Box<dyn FnMut(&BuiltSite) -> Result<Arc<dyn SearchBackend>, String> + Send>;

pub struct Rebuilder {
    pub opts: BuildOptions,
    pub state: Arc<State>,
    pub search: Option<SearchWorker>,
    pub index: IndexWorker,
    /// What the next build can reuse (pipeline::cache).
    pub cache: BuildCache,
    /// Print the stage times after each build line.
    pub verbose: bool,
}

/// A one-job mailbox between the rebuild thread and a worker thread: a job put while another
/// waits replaces it (the worker only ever does the newest).
struct Mailbox<T> {
    slot: Mutex<Option<T>>,
    ready: Condvar,
}

impl<T> Mailbox<T> {
    fn new() -> Arc<Mailbox<T>> {
        Arc::new(Mailbox { slot: Mutex::new(None), ready: Condvar::new() })
    }

    /// `merge` gets the job still waiting, if any.
    fn put(&self, merge: impl FnOnce(Option<T>) -> T) {
        let mut guard = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        *guard = Some(merge(guard.take()));
        self.ready.notify_one();
    }

    /// Puts `job` in place of the one still waiting, which is returned (for the caller to drop
    /// when it suits it: dropping a big job takes time).
    fn replace(&self, job: T) -> Option<T> {
        let mut guard = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        let old = guard.replace(job);
        self.ready.notify_one();
        old
    }

    /// The next job, once no new one has come for `settle(job)` (None: at once).
    fn take(&self, settle: impl Fn(&T) -> Option<Duration>) -> T {
        let mut guard = self.slot.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            while guard.is_none() {
                guard = self.ready.wait(guard).unwrap_or_else(|e| e.into_inner());
            }
            if let Some(quiet) = guard.as_ref().and_then(&settle) {
                let (g, waited) = self.ready.wait_timeout(guard, quiet).unwrap_or_else(|e| e.into_inner());
                guard = g;
                if !waited.timed_out() {
                    continue;
                }
            }
            if let Some(job) = guard.take() {
                return job;
            }
        }
    }
}

/// A one-thread rayon pool for work done after the reload: the indexes' parallel loops run
/// there, so the next rebuild's parallel work never queues behind them in the global pool
/// (rayon workers finish their own queued jobs before taking new ones). Its thread runs at a
/// lower priority (`lower_priority`).
fn background_pool(name: &'static str) -> std::io::Result<rayon::ThreadPool> {
    rayon::ThreadPoolBuilder::new().num_threads(1).thread_name(move |_| name.into()).start_handler(|_| lower_priority()).build().map_err(std::io::Error::other)
}

/// Lowers the calling thread's CPU priority to nice 10, for the threads writing the indexes
/// after a reload: at 5,000 pages they take seconds of CPU after every save, and at equal
/// priority they held back the next save's rebuild (on two cores the write → reload time halved
/// with them reniced). Threads they start inherit it. Linux only; elsewhere nothing changes.
fn lower_priority() {
    #[cfg(target_os = "linux")]
    {
        unsafe extern "C" {
            /// glibc's `int setpriority(int which, id_t who, int prio)`.
            fn setpriority(which: i32, who: u32, prio: i32) -> i32;
        }
        const PRIO_PROCESS: i32 = 0;
        // On Linux the nice value belongs to the thread, and PRIO_PROCESS with `who` 0 names the
        // calling thread. Best effort: a failure leaves the priority as it was.
        // SAFETY: a plain system call wrapper taking integers, touching no memory of ours.
        let _ = unsafe { setpriority(PRIO_PROCESS, 0, 10) };
    }
}

/// Writes each build's static search index on its own thread, after the pages were swapped in
/// and the reload sent; requests for the folder wait for it (http::INDEX_WAIT).
pub struct IndexWorker {
    mailbox: Arc<Mailbox<(StaticIndex, IndexWriter)>>,
    /// Set when a newer build's index is handed over: the one being written is served by no
    /// snapshot any more, so its writing stops and the newer one starts sooner (at 5,000 pages
    /// an index takes seconds of a background thread).
    superseded: Arc<AtomicBool>,
}

impl IndexWorker {
    pub fn spawn(verbose: bool) -> std::io::Result<IndexWorker> {
        let mailbox: Arc<Mailbox<(StaticIndex, IndexWriter)>> = Mailbox::new();
        let superseded = Arc::new(AtomicBool::new(false));
        let (worker, stop) = (mailbox.clone(), superseded.clone());
        let pool = background_pool("shishin-static-index-pool")?;
        std::thread::Builder::new().name("shishin-static-index".into()).spawn(move || {
            lower_priority();
            loop {
                let (index, writer) = worker.take(|_| None);
                // A job taken is the newest one: only a job handed over after this can stop it.
                stop.store(false, Ordering::SeqCst);
                let t = Instant::now();
                let keep_going = || !stop.load(Ordering::SeqCst);
                match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| pool.install(|| index.write_while(&keep_going)))) {
                    Ok(Some(files)) => {
                        writer.written(&files);
                        if verbose {
                            eprintln!("  search index written in {:.1} ms ({} files)", t.elapsed().as_secs_f64() * 1000.0, files.len());
                        }
                    }
                    // Dropping the writer answers the folder's waiting requests with 503; no page
                    // of the snapshot now served names that folder.
                    Ok(None) => {
                        if verbose {
                            eprintln!("  search index of a replaced build stopped after {:.1} ms", t.elapsed().as_secs_f64() * 1000.0);
                        }
                    }
                    Err(_) => eprintln!("error: the static search index was not written (internal error; please report it)"),
                }
            }
        })?;
        Ok(IndexWorker { mailbox, superseded })
    }

    /// The folder of `index` in the snapshot about to be served: written already, still being
    /// written for the previous build (same inputs), or handed to the worker now. Also returns
    /// the job this one replaced, if any: it belongs to a build no longer served (dropping it
    /// drops its writer, which fails its folder), and dropping its documents takes a while, so
    /// the caller drops it once the reload is sent.
    fn folder(&self, index: StaticIndex, previous: Option<&IndexFolder>) -> (IndexFolder, Option<(StaticIndex, IndexWriter)>) {
        let prefix = index.dir.trim_start_matches('/');
        if let Some(p) = previous.filter(|p| p.prefix == prefix && p.is_writing()) {
            return (p.clone(), None);
        }
        if index.is_written() {
            let files = index.clone().write();
            return (IndexFolder::written(&index.dir, &files), None);
        }
        let (folder, writer) = IndexFolder::writing(&index.dir);
        // Set before the hand-over: the worker clears it only after taking a job, so the newest
        // job never sees a stop meant for the one before it.
        self.superseded.store(true, Ordering::SeqCst);
        (folder, self.mailbox.replace((index, writer)))
    }
}

/// Quiet time after a rebuild before the search index is rebuilt.
pub const SEARCH_SETTLE: Duration = Duration::from_millis(200);

/// Indexes builds for `/api/search` on its own thread, so a slow index never delays the next
/// rebuild; when builds come faster than indexing, only the newest waiting one is indexed.
pub struct SearchWorker {
    mailbox: Arc<Mailbox<SearchJob>>,
}

struct SearchJob {
    built: BuiltSite,
    first: bool,
}

impl SearchWorker {
    pub fn spawn(mut factory: SearchFactory, state: Arc<State>) -> std::io::Result<SearchWorker> {
        let mailbox: Arc<Mailbox<SearchJob>> = Mailbox::new();
        let worker = mailbox.clone();
        let pool = background_pool("shishin-search-index-pool")?;
        std::thread::Builder::new().name("shishin-search-index".into()).spawn(move || {
            lower_priority();
            loop {
                // Saves in quick succession: index only once they settle, so indexing does not
                // take the CPU from the rebuild of the next save. (The first build is indexed at once.)
                let job = worker.take(|j| (!j.first).then_some(SEARCH_SETTLE));
                let t = Instant::now();
                match pool.install(|| factory(&job.built)) {
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
        Ok(SearchWorker { mailbox })
    }

    fn submit(&self, built: BuiltSite, first: bool) {
        self.mailbox.put(|old| SearchJob { built, first: first || old.is_some_and(|o| o.first) });
    }
}

impl Rebuilder {
    /// Build once. `changed` is relative to the root (empty for the first build); `rescan` means
    /// the watcher lost events. Returns whether the build succeeded.
    pub fn run(&mut self, changed: &[PathBuf], rescan: bool) -> bool {
        let started = Instant::now();
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| build_site_served(&self.opts, &mut self.cache)));
        let result = result.unwrap_or_else(|panic| {
            // Whatever the cache held when the panic struck is not trusted again.
            self.cache = BuildCache::default();
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
            Ok((built, index)) => {
                let before = self.state.current();
                let previous = before.site.as_ref().and_then(|s| s.index.clone());
                let (folder, stale) = self.index.folder(index, previous.as_ref());
                let snapshot = Arc::new(Snapshot::with_pages(&built.files, &built.pages, built.site.config.base_path(), Some(folder), previous, before.site.as_deref()));
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
                let ms = started.elapsed().as_millis();
                drop(stale);
                let pages = built.site.pages.len();
                if changed.is_empty() && !rescan {
                    let (count, bytes) = (built.files.len() + built.pages.len(), built.files.total_bytes() + built.pages.iter().map(|(_, html)| html.len()).sum::<usize>());
                    eprintln!("built {pages} pages, {count} files ({} KB) in {ms} ms", bytes / 1024);
                } else {
                    eprintln!("rebuilt in {ms} ms ({}): {what}", if css_only { "styles swapped" } else { "pages reloaded" });
                }
                if self.verbose {
                    eprintln!("  stages: {}", built.timings);
                }
                if let Some(worker) = &self.search {
                    worker.submit(built, changed.is_empty() && !rescan);
                }
                true
            }
            Err(diags) => {
                let ms = started.elapsed().as_millis();
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
                eprintln!("build failed in {ms} ms ({n} error{}{}; {keep}): {what}", if n == 1 { "" } else { "s" }, match crate::diagnostics::followup::skipped(&diags.0) {
                    0 => String::new(),
                    m => format!(", {m} follow-up check{} skipped", if m == 1 { "" } else { "s" }),
                });
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
