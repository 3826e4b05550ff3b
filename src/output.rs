//! The built site as an in-memory file map, and the atomic swap into the output directory.

use rayon::prelude::*;
use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};

/// Written into every output directory shishin creates; its presence lets later builds replace
/// the directory, its absence protects a folder the user made.
pub const MARKER: &str = ".shishin-output";

/// `/mic/3.2.1/` → `mic/3.2.1/index.html`.
pub fn output_path(url: &str) -> String {
    let trimmed = url.trim_matches('/');
    if trimmed.is_empty() { "index.html".to_string() } else { format!("{trimmed}/index.html") }
}

#[derive(Debug, Default, Clone)]
pub struct OutputFiles {
    files: BTreeMap<String, Vec<u8>>,
}

impl OutputFiles {
    pub fn insert(&mut self, path: impl Into<String>, bytes: impl Into<Vec<u8>>) {
        self.files.insert(path.into(), bytes.into());
    }
    /// Add every file of `other` (later wins on the same path).
    pub fn extend(&mut self, other: OutputFiles) {
        self.files.extend(other.files);
    }
    /// Add a copy of every file of `other` (later wins on the same path).
    pub fn extend_from(&mut self, other: &OutputFiles) {
        self.files.extend(other.files.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    pub fn get(&self, path: &str) -> Option<&[u8]> {
        self.files.get(path).map(Vec::as_slice)
    }
    pub fn contains(&self, path: &str) -> bool {
        self.files.contains_key(path)
    }
    pub fn iter(&self) -> impl Iterator<Item = (&String, &Vec<u8>)> {
        self.files.iter()
    }
    pub fn len(&self) -> usize {
        self.files.len()
    }
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
    pub fn total_bytes(&self) -> usize {
        self.files.values().map(Vec::len).sum()
    }
}

#[derive(Debug)]
pub enum WriteError {
    NotOurs(PathBuf),
    /// `--output` names a regular file (or something else that is not a directory).
    NotADirectory(PathBuf),
    /// The output directory would swallow the site's own sources; `--force` does not override.
    Protected { out: PathBuf, what: String },
    Io(PathBuf, io::Error),
}

impl std::fmt::Display for WriteError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            WriteError::NotOurs(p) => write!(
                f,
                "error: refusing to replace {}: it is not empty and was not created by shishin\n  = help: choose another --output directory, empty it yourself, or pass --force",
                p.display()
            ),
            WriteError::NotADirectory(p) => write!(
                f,
                "error: refusing to write the site to {}: it is a file, not a directory (even with --force, a file is never replaced)\n  = help: pass --output a directory path, e.g. <root>/public (the default)",
                p.display()
            ),
            WriteError::Protected { out, what } => write!(
                f,
                "error: refusing to write the site into {}: it {what}, and a build replaces the whole output directory (even with --force)\n  = help: pass --output a separate directory, e.g. <root>/public (the default)",
                out.display()
            ),
            WriteError::Io(p, e) => write!(f, "error: cannot write {}: {e}", p.display()),
        }
    }
}

/// `path` made absolute with symlinks and `..` resolved, also when its last parts do not exist
/// yet: the longest existing ancestor is canonicalised and the rest appended.
fn resolve(path: &Path) -> PathBuf {
    let abs = std::env::current_dir().map(|cwd| cwd.join(path)).unwrap_or_else(|_| path.to_path_buf());
    let mut existing = abs.as_path();
    let mut rest = Vec::new();
    loop {
        if let Ok(c) = existing.canonicalize() {
            let mut out = c;
            for part in rest.iter().rev() {
                match part {
                    std::path::Component::ParentDir => {
                        out.pop();
                    }
                    std::path::Component::Normal(n) => out.push(n),
                    _ => {}
                }
            }
            return out;
        }
        match (existing.parent(), existing.components().next_back()) {
            (Some(parent), Some(last)) => {
                rest.push(last);
                existing = parent;
            }
            _ => return abs,
        }
    }
}

/// Source folders of a site that an output directory must never be, or be inside.
const SOURCE_DIRS: &[&str] = &["content", "themes", "search-index", ".git"];

/// Refuse an output directory whose replacement would delete the site's sources: the root itself,
/// an ancestor of it, a source folder or anything inside one, any `.git`, or a folder holding a
/// `shishin.yaml`. Checked before every write, whatever `--force` says.
pub fn check_output_location(root: &Path, out: &Path) -> Result<(), WriteError> {
    let root = resolve(root);
    let target = resolve(out);
    let refuse = |what: String| Err(WriteError::Protected { out: out.to_path_buf(), what });
    if std::fs::metadata(out).is_ok_and(|m| !m.is_dir()) {
        return Err(WriteError::NotADirectory(out.to_path_buf()));
    }
    if target == root {
        return refuse("is the site root".into());
    }
    if root.starts_with(&target) {
        return refuse(format!("contains the site root {}", root.display()));
    }
    for dir in SOURCE_DIRS {
        if target.starts_with(root.join(dir)) {
            return refuse(format!("is the site's {dir}/ folder or inside it"));
        }
    }
    if target.components().any(|c| c.as_os_str() == ".git") {
        return refuse("is inside a .git folder".into());
    }
    if target.join("shishin.yaml").exists() {
        return refuse("holds a shishin.yaml (another site's root)".into());
    }
    Ok(())
}

/// Relative output paths must stay inside the output directory.
fn safe_join(base: &Path, rel: &str) -> Option<PathBuf> {
    let p = Path::new(rel);
    if p.is_absolute() || p.components().any(|c| !matches!(c, std::path::Component::Normal(_))) {
        return None;
    }
    Some(base.join(p))
}

/// Writes every file under `tmp` on all cores. A file whose bytes equal the same path's in the
/// previous output (one of ours) is hard-linked from there instead: creating a new inode is most
/// of what a rebuild costs the kernel, and the old output is deleted right after the swap.
fn write_files(files: &OutputFiles, tmp: &Path, previous: Option<&Path>) -> Result<(), WriteError> {
    let unsafe_path = |rel: &str| WriteError::Io(PathBuf::from(rel), io::Error::other("unsafe output path"));
    let mut dirs: Vec<&Path> = Vec::new();
    for rel in files.files.keys() {
        let parent = safe_join(tmp, rel).ok_or_else(|| unsafe_path(rel)).map(|_| Path::new(rel.as_str()).parent())?;
        if let Some(parent) = parent.filter(|p| !p.as_os_str().is_empty())
            && dirs.last() != Some(&parent)
        {
            dirs.push(parent);
        }
    }
    dirs.sort_unstable();
    dirs.dedup();
    for dir in dirs {
        let path = tmp.join(dir);
        std::fs::create_dir_all(&path).map_err(|e| WriteError::Io(path, e))?;
    }
    files.files.par_iter().try_for_each(|(rel, bytes)| {
        let path = safe_join(tmp, rel).ok_or_else(|| unsafe_path(rel))?;
        if let Some(old) = previous.and_then(|p| safe_join(p, rel))
            && has_bytes(&old, bytes)
            && std::fs::hard_link(&old, &path).is_ok()
        {
            return Ok(());
        }
        std::fs::write(&path, bytes).map_err(|e| WriteError::Io(path.clone(), e))
    })
}

/// True when `path` is a regular file (not a link) holding exactly `bytes`.
fn has_bytes(path: &Path, bytes: &[u8]) -> bool {
    std::fs::symlink_metadata(path).is_ok_and(|m| m.is_file() && m.len() == bytes.len() as u64) && std::fs::read(path).is_ok_and(|b| b == bytes)
}

/// `remove_dir_all` with the subfolders removed in parallel.
fn remove_tree(dir: &Path) -> io::Result<()> {
    let mut subdirs = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        if entry.file_type()?.is_dir() {
            subdirs.push(entry.path());
        } else {
            std::fs::remove_file(entry.path())?;
        }
    }
    subdirs.par_iter().try_for_each(|d| remove_tree(d))?;
    std::fs::remove_dir(dir)
}

/// Write `files` to a temporary sibling of `out`, then swap it in. On any error the previous
/// `out` is left exactly as it was. Returns warnings: a previous output that could not be
/// deleted after the swap (it is removed by the next build).
pub fn write_atomic(files: &OutputFiles, out: &Path, force: bool) -> Result<Vec<String>, WriteError> {
    if std::fs::metadata(out).is_ok_and(|m| !m.is_dir()) {
        return Err(WriteError::NotADirectory(out.to_path_buf()));
    }
    if out.exists() {
        let is_empty_dir = out.is_dir() && std::fs::read_dir(out).map(|mut d| d.next().is_none()).unwrap_or(false);
        if !is_empty_dir && !out.join(MARKER).exists() && !force {
            return Err(WriteError::NotOurs(out.to_path_buf()));
        }
    }
    let parent = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(|e| WriteError::Io(parent.to_path_buf(), e))?;
    let name = out.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_else(|| "public".into());
    let tmp = parent.join(format!(".{name}.shishin-tmp-{}", std::process::id()));
    let old = parent.join(format!(".{name}.shishin-old-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&tmp);
    let mut warnings = remove_leftovers(parent, &name);
    let result = (|| {
        std::fs::create_dir_all(&tmp).map_err(|e| WriteError::Io(tmp.clone(), e))?;
        let previous = (out.join(MARKER).exists()).then_some(out);
        write_files(files, &tmp, previous)?;
        std::fs::write(tmp.join(MARKER), "This directory is generated by shishin and replaced on every build.\n")
            .map_err(|e| WriteError::Io(tmp.join(MARKER), e))?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let had_previous = out.exists();
    if had_previous {
        std::fs::rename(out, &old).map_err(|e| {
            let _ = std::fs::remove_dir_all(&tmp);
            WriteError::Io(out.to_path_buf(), e)
        })?;
    }
    if let Err(e) = std::fs::rename(&tmp, out) {
        // Put the previous output back.
        let _ = std::fs::rename(&old, out);
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(WriteError::Io(out.to_path_buf(), e));
    }
    if had_previous && let Err(e) = remove_tree(&old) {
        warnings.push(leftover_warning(&old, &e));
    }
    Ok(warnings)
}

fn leftover_warning(path: &Path, e: &io::Error) -> String {
    format!(
        "warning: the previous output was moved to {} but could not be deleted ({e}); the new site is in place. The next build removes it; delete it yourself if that fails again (check the permissions inside it)",
        path.display()
    )
}

/// Delete what earlier builds left next to the output: previous outputs (`.NAME.shishin-old-PID`)
/// that could not be deleted then, and temporary folders of builds that no longer run. Each one
/// that still cannot be deleted gives a warning.
fn remove_leftovers(parent: &Path, name: &str) -> Vec<String> {
    let mut warnings = Vec::new();
    let Ok(entries) = std::fs::read_dir(parent) else { return warnings };
    let (old_prefix, tmp_prefix) = (format!(".{name}.shishin-old-"), format!(".{name}.shishin-tmp-"));
    for entry in entries.flatten() {
        let file_name = entry.file_name().to_string_lossy().into_owned();
        let stale = match (file_name.strip_prefix(&old_prefix), file_name.strip_prefix(&tmp_prefix)) {
            (Some(pid), _) | (_, Some(pid)) => pid.parse::<u32>().is_ok_and(|pid| pid != std::process::id() && !process_runs(pid)),
            _ => false,
        };
        if stale && let Err(e) = std::fs::remove_dir_all(entry.path()) {
            warnings.push(leftover_warning(&entry.path(), &e));
        }
    }
    warnings
}

/// Whether a process with this id runs (Linux: /proc); elsewhere assume it does, so a running
/// build's temporary folder is never deleted.
fn process_runs(pid: u32) -> bool {
    !Path::new("/proc/self").exists() || Path::new("/proc").join(pid.to_string()).exists()
}
