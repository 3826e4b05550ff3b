//! The built site as an in-memory file map, and the atomic swap into the output directory.

use rayon::prelude::*;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
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

/// What a rebuild takes over from the previous output (one of ours) instead of writing anew.
#[derive(Default)]
struct Reuse<'a> {
    /// Files whose bytes equal the same path's in the previous output: hard-linked from there.
    same: HashSet<&'a str>,
    /// Files of a renamed folder whose bytes equal the same file's in the folder it replaces
    /// (the one folder beside it that the new output no longer has: `search/<old hash>/` for
    /// `search/<new hash>/` after an edit, which leaves 99 % of the index files as they were):
    /// hard-linked from there, by their previous path.
    twins: HashMap<&'a str, PathBuf>,
    /// The topmost folders whose whole tree is unchanged (every file the same, nothing else in
    /// the previous folder): moved over with one rename each, just before the swap.
    folders: Vec<&'a str>,
}

impl<'a> Reuse<'a> {
    /// Compares the new files with the previous output's on all cores: creating and deleting a
    /// folder's inodes is most of what a rebuild costs the kernel, and a rebuild with unchanged
    /// inputs leaves almost every folder (the search index's included) as it was.
    fn plan(files: &'a OutputFiles, previous: &Path) -> Reuse<'a> {
        // Every folder of the new output with the names directly in it (files and folders).
        let mut children: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
        // An unsafe path (`..`, absolute) is refused by `write_files`; it must not name a folder here.
        for rel in files.files.keys().filter(|rel| safe_join(previous, rel).is_some()) {
            let mut path = rel.as_str();
            while let Some((parent, name)) = path.rsplit_once('/') {
                let fresh = !children.contains_key(parent);
                children.entry(parent).or_default().insert(name);
                if !fresh {
                    break;
                }
                path = parent;
            }
        }
        // Folders whose previous copy is a real folder below real folders: a symlink planted
        // anywhere on the way must never make a file or folder outside the output a source.
        let is_dir: HashMap<&str, bool> = children.par_iter().map(|(&dir, _)| (dir, std::fs::symlink_metadata(previous.join(dir)).is_ok_and(|m| m.is_dir()))).collect();
        let real = |dir: &str| -> bool {
            let mut at = dir;
            loop {
                if !is_dir[at] {
                    return false;
                }
                match at.rsplit_once('/') {
                    Some((parent, _)) => at = parent,
                    None => return true,
                }
            }
        };
        let in_real_folder = |rel: &str| rel.rsplit_once('/').is_none_or(|(parent, _)| real(parent));
        let same: HashSet<&str> = files
            .files
            .par_iter()
            .filter(|(rel, bytes)| safe_join(previous, rel).is_some_and(|old| in_real_folder(rel) && has_bytes(&old, bytes)))
            .map(|(rel, _)| rel.as_str())
            .collect();
        // A folder's previous copy must hold exactly these names (a stray file or link planted
        // there is never carried over); read on all cores.
        let listed: HashMap<&str, bool> = children
            .par_iter()
            .map(|(&dir, names)| {
                let exact = real(dir)
                    && std::fs::read_dir(previous.join(dir)).is_ok_and(|entries| {
                        let mut count = 0;
                        entries.into_iter().all(|e| {
                            count += 1;
                            e.is_ok_and(|e| e.file_name().to_str().is_some_and(|n| names.contains(n)))
                        }) && count == names.len()
                    });
                (dir, exact)
            })
            .collect();
        // Deepest first, so a folder's subfolders are decided before it.
        let mut dirs: Vec<&str> = children.keys().copied().collect();
        dirs.sort_by_key(|d| std::cmp::Reverse(d.matches('/').count()));
        let mut unchanged: HashSet<&str> = HashSet::new();
        for dir in dirs {
            let whole = listed[dir]
                && children[dir].iter().all(|name| {
                    let child = format!("{dir}/{name}");
                    match files.files.get_key_value(child.as_str()) {
                        Some((rel, _)) => same.contains(rel.as_str()),
                        None => unchanged.contains(child.as_str()),
                    }
                });
            if whole {
                unchanged.insert(dir);
            }
        }
        let mut folders: Vec<&str> =
            unchanged.iter().copied().filter(|d| d.rsplit_once('/').is_none_or(|(parent, _)| !unchanged.contains(parent))).collect();
        folders.sort_unstable();
        let twins = renamed_twins(files, previous, &same, &children, &is_dir, &real);
        Reuse { same, twins, folders }
    }

    /// The previous output's file with the bytes of `rel`, if any.
    fn source(&self, rel: &str, previous: &Path) -> Option<PathBuf> {
        if self.same.contains(rel) {
            return safe_join(previous, rel);
        }
        self.twins.get(rel).cloned()
    }

    /// Whether `rel` lies in a moved folder (its ancestors looked up in the sorted `folders`:
    /// every output path asks, and after an edit thousands of page folders may move).
    fn moved_with(&self, rel: &str) -> bool {
        rel.match_indices('/').any(|(at, _)| self.folders.binary_search(&&rel[..at]).is_ok())
    }
}

/// For the files of each new folder that replaces exactly one folder of the previous output (same
/// parent; the old one is gone from the new output), the old folder's file at the same relative
/// path when its bytes are the same. Linking them spares the kernel a new inode and a deletion
/// per file, which ext4 makes slower the more files were deleted recently.
fn renamed_twins<'a>(
    files: &'a OutputFiles,
    previous: &Path,
    same: &HashSet<&str>,
    children: &BTreeMap<&str, BTreeSet<&str>>,
    is_dir: &HashMap<&str, bool>,
    real: &(dyn Fn(&str) -> bool + Sync),
) -> HashMap<&'a str, PathBuf> {
    let root_names: BTreeSet<&str> = files.files.keys().map(|rel| rel.split('/').next().unwrap_or_default()).collect();
    // New folder → its previous twin, a real folder (shallowest first, so a subfolder of a
    // replaced folder maps into its twin).
    let mut twin: HashMap<&str, PathBuf> = HashMap::new();
    let mut dirs: Vec<&str> = children.keys().copied().collect();
    dirs.sort_by_key(|d| d.matches('/').count());
    for dir in dirs {
        let parent = dir.rsplit_once('/');
        if let Some(old_parent) = parent.and_then(|(p, _)| twin.get(p)) {
            let old = old_parent.join(parent.map_or(dir, |(_, name)| name));
            if std::fs::symlink_metadata(&old).is_ok_and(|m| m.is_dir()) {
                twin.insert(dir, old);
            }
            continue;
        }
        if is_dir[dir] || !parent.is_none_or(|(p, _)| real(p)) {
            continue;
        }
        let (old_parent, names) = match parent {
            Some((p, _)) => (previous.join(p), &children[p]),
            None => (previous.to_path_buf(), &root_names),
        };
        let Ok(entries) = std::fs::read_dir(&old_parent) else { continue };
        let gone: Vec<PathBuf> = entries
            .flatten()
            .filter(|e| e.file_type().is_ok_and(|t| t.is_dir()) && e.file_name().to_str().is_some_and(|n| !names.contains(n)))
            .map(|e| e.path())
            .collect();
        if let [old] = gone.as_slice() {
            twin.insert(dir, old.clone());
        }
    }
    if twin.is_empty() {
        return HashMap::new();
    }
    files
        .files
        .par_iter()
        .filter(|(rel, _)| !same.contains(rel.as_str()))
        .filter_map(|(rel, bytes)| {
            let (dir, name) = rel.rsplit_once('/')?;
            let candidate = twin.get(dir)?.join(name);
            has_bytes(&candidate, bytes).then_some((rel.as_str(), candidate))
        })
        .collect()
}

/// Writes every file under `tmp` on all cores but those in the folders `reuse` moves over. A
/// file whose bytes equal the same path's in the previous output is hard-linked from there
/// instead: a new inode costs the kernel more than a link, and the old output is deleted right
/// after the swap.
fn write_files(files: &OutputFiles, tmp: &Path, previous: Option<&Path>, reuse: &Reuse) -> Result<(), WriteError> {
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
    // A moved folder is not made here, only the folder it goes into.
    for dir in dirs {
        let dir = match dir.to_str() {
            Some(d) if reuse.folders.binary_search(&d).is_ok() => Path::new(d).parent().unwrap_or(Path::new("")),
            Some(d) if reuse.moved_with(d) => continue,
            _ => dir,
        };
        let path = tmp.join(dir);
        std::fs::create_dir_all(&path).map_err(|e| WriteError::Io(path, e))?;
    }
    files.files.par_iter().filter(|(rel, _)| !reuse.moved_with(rel)).try_for_each(|(rel, bytes)| write_one(tmp, previous, reuse, rel, bytes))
}

fn unsafe_path(rel: &str) -> WriteError {
    WriteError::Io(PathBuf::from(rel), io::Error::other("unsafe output path"))
}

/// One file of the new output under `tmp`: linked from the previous output when unchanged.
fn write_one(tmp: &Path, previous: Option<&Path>, reuse: &Reuse, rel: &str, bytes: &[u8]) -> Result<(), WriteError> {
    let path = safe_join(tmp, rel).ok_or_else(|| unsafe_path(rel))?;
    if let Some(old) = previous.and_then(|p| reuse.source(rel, p))
        && std::fs::hard_link(&old, &path).is_ok()
    {
        return Ok(());
    }
    std::fs::write(&path, bytes).map_err(|e| WriteError::Io(path.clone(), e))
}

/// Moves the unchanged folders from the previous output into `tmp`; returns those moved. A
/// folder that cannot be moved (another file system, no permission) is written anew instead.
fn move_folders<'a>(files: &OutputFiles, tmp: &Path, previous: &Path, reuse: &Reuse<'a>) -> Result<Vec<&'a str>, (Vec<&'a str>, WriteError)> {
    let mut moved = Vec::new();
    for &folder in &reuse.folders {
        if std::fs::rename(previous.join(folder), tmp.join(folder)).is_ok() {
            moved.push(folder);
            continue;
        }
        let inside = files.files.range::<str, _>((std::ops::Bound::Excluded(folder), std::ops::Bound::Unbounded)).take_while(|(rel, _)| rel.starts_with(folder));
        for (rel, bytes) in inside.filter(|(rel, _)| rel[folder.len()..].starts_with('/')) {
            let written = Path::new(rel.as_str()).parent().map_or(Ok(()), |p| std::fs::create_dir_all(tmp.join(p))).map_err(|e| WriteError::Io(tmp.join(rel), e));
            if let Err(e) = written.and_then(|()| write_one(tmp, Some(previous), reuse, rel, bytes)) {
                return Err((moved, e));
            }
        }
    }
    Ok(moved)
}

/// Puts moved folders back where they came from (a failed swap leaves the previous output as it was).
fn move_back(moved: &[&str], tmp: &Path, out: &Path) {
    for folder in moved {
        let _ = std::fs::rename(tmp.join(folder), out.join(folder));
    }
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
///
/// Folders whose whole tree is unchanged since the previous output are moved over right before
/// the swap (`Reuse`): for those few renames `out` lacks them, as it lacks everything between
/// the swap's two renames; a failure puts them back.
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
    let previous = (out.join(MARKER).exists()).then_some(out);
    let reuse = previous.map(|p| Reuse::plan(files, p)).unwrap_or_default();
    let result = (|| {
        std::fs::create_dir_all(&tmp).map_err(|e| WriteError::Io(tmp.clone(), e))?;
        write_files(files, &tmp, previous, &reuse)?;
        std::fs::write(tmp.join(MARKER), "This directory is generated by shishin and replaced on every build.\n")
            .map_err(|e| WriteError::Io(tmp.join(MARKER), e))?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let moved = match previous.map(|p| move_folders(files, &tmp, p, &reuse)).unwrap_or(Ok(Vec::new())) {
        Ok(moved) => moved,
        Err((moved, e)) => {
            move_back(&moved, &tmp, out);
            let _ = std::fs::remove_dir_all(&tmp);
            return Err(e);
        }
    };
    let had_previous = out.exists();
    if had_previous && let Err(e) = std::fs::rename(out, &old) {
        move_back(&moved, &tmp, out);
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(WriteError::Io(out.to_path_buf(), e));
    }
    if let Err(e) = std::fs::rename(&tmp, out) {
        // Put the previous output back.
        let _ = std::fs::rename(&old, out);
        move_back(&moved, &tmp, out);
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_topmost_wholly_unchanged_folders_are_moved() {
        let previous = tempfile::tempdir().unwrap();
        tree(previous.path(), &[("a/x.html", "x"), ("a/b/y.html", "y"), ("c/z.html", "old"), ("d/w.html", "w"), ("d/extra.html", "e"), ("f/g/v.html", "v"), ("f/u.html", "u")]);
        std::fs::create_dir(previous.path().join("f/empty")).unwrap();
        let mut files = OutputFiles::default();
        for (rel, bytes) in [("a/x.html", "x"), ("a/b/y.html", "y"), ("c/z.html", "new"), ("d/w.html", "w"), ("e/n.html", "n"), ("f/g/v.html", "v"), ("f/u.html", "u"), ("root.html", "r")] {
            files.insert(rel, bytes);
        }
        files.insert("../outside.html", "o");
        let reuse = Reuse::plan(&files, previous.path());
        assert_eq!(reuse.folders, ["a", "f/g"], "c changed, d and f hold more than the new output, e is new");
        let mut same: Vec<&str> = reuse.same.iter().copied().collect();
        same.sort_unstable();
        assert_eq!(same, ["a/b/y.html", "a/x.html", "d/w.html", "f/g/v.html", "f/u.html"]);
        assert!(reuse.moved_with("a/b/y.html") && reuse.moved_with("f/g/v.html") && !reuse.moved_with("f/u.html") && !reuse.moved_with("ab/x.html"));
        assert!(reuse.twins.is_empty(), "no folder was renamed");
    }

    fn tree(root: &Path, files: &[(&str, &str)]) {
        for (rel, bytes) in files {
            let path = root.join(rel);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, bytes).unwrap();
        }
    }

    /// A folder that replaces exactly one vanished folder beside it (the search index after an
    /// edit) links the files that kept their bytes from that one, subfolders included.
    #[test]
    fn a_renamed_folder_links_its_unchanged_files_from_the_folder_it_replaces() {
        let previous = tempfile::tempdir().unwrap();
        tree(previous.path(), &[("s/old/x.json", "x"), ("s/old/d/y.json", "y"), ("s/old/z.json", "old"), ("s/index.html", "i"), ("two/a/f", "f"), ("two/b/f", "f")]);
        let mut files = OutputFiles::default();
        for (rel, bytes) in [("s/new/x.json", "x"), ("s/new/d/y.json", "y"), ("s/new/z.json", "new"), ("s/index.html", "i"), ("two/c/f", "f")] {
            files.insert(rel, bytes);
        }
        let reuse = Reuse::plan(&files, previous.path());
        let mut twins: Vec<(&str, PathBuf)> = reuse.twins.iter().map(|(k, v)| (*k, v.strip_prefix(previous.path()).unwrap().to_path_buf())).collect();
        twins.sort();
        assert_eq!(twins, [("s/new/d/y.json", PathBuf::from("s/old/d/y.json")), ("s/new/x.json", PathBuf::from("s/old/x.json"))], "two/c replaces two folders: no twin");
        assert_eq!(reuse.source("s/index.html", previous.path()), Some(previous.path().join("s/index.html")));
        assert_eq!(reuse.source("s/new/z.json", previous.path()), None);
    }

    /// A symlink planted in the previous output, at any depth, never makes a file or folder
    /// outside the output a source, even with the same bytes and names.
    #[cfg(unix)]
    #[test]
    fn symlinked_folders_in_the_previous_output_are_never_sources() {
        let previous = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        tree(outside.path(), &[("x.html", "x"), ("q/v.html", "v"), ("old/w.html", "w")]);
        tree(previous.path(), &[("kept/k.html", "k"), ("s/gone/placeholder", "")]);
        std::os::unix::fs::symlink(outside.path(), previous.path().join("a")).unwrap();
        std::os::unix::fs::symlink(outside.path(), previous.path().join("p")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("old"), previous.path().join("r")).unwrap();
        std::fs::remove_dir_all(previous.path().join("s/gone")).unwrap();
        std::os::unix::fs::symlink(outside.path().join("old"), previous.path().join("s/gone")).unwrap();
        let mut files = OutputFiles::default();
        for (rel, bytes) in [("a/x.html", "x"), ("p/q/v.html", "v"), ("kept/k.html", "k"), ("s/new/w.html", "w")] {
            files.insert(rel, bytes);
        }
        let reuse = Reuse::plan(&files, previous.path());
        assert_eq!(reuse.same.iter().copied().collect::<Vec<_>>(), ["kept/k.html"]);
        assert_eq!(reuse.folders, ["kept"]);
        assert!(reuse.twins.is_empty(), "{:?}", reuse.twins);
    }
}
