//! The on-disk engine cache of `shishin search` and `shishin eval`: building the engine means
//! loading and rendering every page and analysing it (seconds at thousands of pages), so the
//! built tantivy index is kept in `<root>/.shishin/search-engine/<key>/` (git-ignored) and reused
//! until an input changes.
//!
//! - The key hashes every input of the engine: `shishin.yaml`, every file under `content/`, the
//!   search inputs (`search-index/userdict.csv`, `synonyms.yaml`), and the program itself (its
//!   version, `CACHE_FORMAT`, and the size and modification time of the executable, so a rebuilt
//!   binary never reads an index written by another). A stale entry is never used: a changed
//!   input is a different key.
//! - An entry is written into a temporary directory beside it and renamed into place when
//!   complete, so a crash or a concurrent run never leaves a half-written entry under a key;
//!   older entries are removed after a successful write.
//! - An entry that cannot be read (missing or damaged files, checksum errors) is rebuilt; a root
//!   that cannot be written to gets an in-memory engine and a warning.

use crate::search::analysis::Analyzer;
use crate::search::engine::{Engine, Pages};
use crate::search::site::{SEARCH_INDEX_DIR, analyzer_for, engine_for_site};
use crate::pipeline::{BuildOptions, check_site};
use crate::config::CONFIG_FILE;
use crate::content::load::CONTENT_DIR;
use anyhow::anyhow;
use crate::fingerprint::Fingerprint;
use std::fs;
use std::path::{Path, PathBuf};

/// Bump when the layout of an entry or the engine's schema changes.
const CACHE_FORMAT: u32 = 1;
/// Under the site root.
pub const CACHE_DIR: &str = ".shishin/search-engine";
const PAGES_FILE: &str = "pages.json";
const INDEX_DIR: &str = "index";

/// How `open` came by its engine (the CLI reports it on stderr).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Origin {
    /// Read from the entry at this path.
    Cached(PathBuf),
    /// Built and stored at this path; `replaced` says why an entry with the same key was not used.
    Built { entry: PathBuf, replaced: Option<String> },
    /// Built in memory: the cache could not be written (the reason).
    Memory(String),
}

impl Origin {
    /// One line for stderr, or None when the cache was simply used.
    pub fn note(&self, root: &Path) -> Option<String> {
        let shown = |p: &Path| p.strip_prefix(root).unwrap_or(p).display().to_string();
        match self {
            Origin::Cached(_) => None,
            Origin::Built { entry, replaced: None } => Some(format!("search: indexed the site into {} (reused until the content changes)", shown(entry))),
            Origin::Built { entry, replaced: Some(why) } => {
                Some(format!("search: the cached index could not be read ({why}); rebuilt it in {}", shown(entry)))
            }
            Origin::Memory(why) => Some(format!("warning: search: cannot cache the index under {CACHE_DIR} ({why}); indexed in memory")),
        }
    }
}

/// The engine of the site at `root`: from the cache when its inputs are unchanged, else built
/// (and cached).
pub fn open(root: &Path) -> anyhow::Result<(Engine, Origin)> {
    // A problem with the tree (a symlink loop, a dangling link …) is reported exactly as `build`
    // reports it.
    let (_, walk_errors) = crate::site_fs::walk(root, CONTENT_DIR);
    if !walk_errors.is_empty() {
        return Err(anyhow!("{}", walk_errors.sorted()));
    }
    let key = input_key(root).map_err(|e| anyhow!("reading the site to key the search cache: {e}"))?;
    let cache = root.join(CACHE_DIR);
    let entry = cache.join(&key);
    let mut replaced = None;
    if entry.is_dir() {
        let analyzer = Analyzer::load(&root.join(SEARCH_INDEX_DIR)).map_err(|e| anyhow!(e))?;
        match read_pages(&entry).and_then(|pages| Engine::open_dir(&entry.join(INDEX_DIR), pages, &analyzer)) {
            Ok(engine) => return Ok((engine, Origin::Cached(entry))),
            Err(why) => replaced = Some(why),
        }
    }
    let (site, rendered) = check_site(&BuildOptions::new(root)).map_err(|d| anyhow!("{d}"))?;
    match write_entry(&cache, &key, &site, &rendered, replaced.is_some()) {
        Ok(engine) => Ok((engine, Origin::Built { entry, replaced })),
        Err(why) => Ok((engine_for_site(&site, &rendered).map_err(|e| anyhow!(e))?, Origin::Memory(why))),
    }
}

fn read_pages(entry: &Path) -> Result<Pages, String> {
    let text = fs::read(entry.join(PAGES_FILE)).map_err(|e| format!("{PAGES_FILE}: {e}"))?;
    serde_json::from_slice(&text).map_err(|e| format!("{PAGES_FILE}: {e}"))
}

/// Builds the engine into a fresh temporary directory and renames it to `cache/key`; then
/// removes every other entry. `replace` removes a damaged entry under the same key first.
fn write_entry(
    cache: &Path,
    key: &str,
    site: &crate::content::Site,
    rendered: &[crate::markdown::Rendered],
    replace: bool,
) -> Result<Engine, String> {
    let io = |what: &str, e: std::io::Error| format!("{what}: {e}");
    fs::create_dir_all(cache).map_err(|e| io("creating the cache directory", e))?;
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let tmp = cache.join(format!(".tmp-{}-{nanos}", std::process::id()));
    let result = (|| {
        fs::create_dir_all(tmp.join(INDEX_DIR)).map_err(|e| io("creating a temporary entry", e))?;
        let docs = crate::search::site::docs_from_site(site, rendered);
        let engine = Engine::build_in_dir(&tmp.join(INDEX_DIR), &docs, &analyzer_for(site)?)?;
        let pages = serde_json::to_vec(engine.pages()).map_err(|e| e.to_string())?;
        fs::write(tmp.join(PAGES_FILE), pages).map_err(|e| io("writing the pages", e))?;
        let entry = cache.join(key);
        if replace {
            let _ = fs::remove_dir_all(&entry);
        }
        if let Err(e) = fs::rename(&tmp, &entry) {
            // Another process may have stored the same key meanwhile: its entry is as good.
            if !entry.is_dir() {
                return Err(io("storing the entry", e));
            }
            let _ = fs::remove_dir_all(&tmp);
        }
        Ok(engine)
    })();
    if result.is_err() {
        let _ = fs::remove_dir_all(&tmp);
    } else if let Ok(list) = fs::read_dir(cache) {
        for old in list.flatten().filter(|e| e.file_name() != key && !is_fresh_tmp(e)) {
            let _ = fs::remove_dir_all(old.path());
        }
    }
    result
}

/// A temporary entry less than an hour old may belong to a run still writing it; older ones
/// were left by a crash.
fn is_fresh_tmp(entry: &fs::DirEntry) -> bool {
    let age = entry.metadata().and_then(|m| m.modified()).ok().and_then(|t| t.elapsed().ok());
    entry.file_name().to_string_lossy().starts_with(".tmp-") && age.is_none_or(|a| a.as_secs() < 3600)
}

/// Hex `Fingerprint` (first 16 bytes) over the program identity and every input file, each as
/// its path relative to the root and its bytes (or `absent`), in sorted path order.
pub fn input_key(root: &Path) -> std::io::Result<String> {
    let mut h = Fingerprint::new("search engine cache");
    h.bytes(format!("shishin {} cache {CACHE_FORMAT}", env!("CARGO_PKG_VERSION")).as_bytes());
    if let Ok(meta) = std::env::current_exe().and_then(fs::metadata) {
        let modified = meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map(|d| d.as_nanos());
        h.bytes(format!("exe {} {modified:?}", meta.len()).as_bytes());
    }
    let mut files: Vec<PathBuf> = vec![PathBuf::from(CONFIG_FILE)];
    for name in ["userdict.csv", "synonyms.yaml"] {
        files.push(Path::new(SEARCH_INDEX_DIR).join(name));
    }
    // The walker `build` uses: no symlink is followed out of the site.
    let (content, errors) = crate::site_fs::walk(root, CONTENT_DIR);
    if !errors.is_empty() {
        return Err(std::io::Error::other(errors.sorted().to_string()));
    }
    files.extend(content);
    for rel in files {
        h.bytes(rel.to_string_lossy().as_bytes());
        match fs::read(root.join(&rel)) {
            Ok(bytes) => _ = h.bytes(b"present").bytes(&bytes),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => _ = h.bytes(b"absent"),
            Err(e) => return Err(std::io::Error::new(e.kind(), format!("{}: {e}", rel.display()))),
        }
    }
    Ok(hex::encode(&h.finish()[..16]))
}
