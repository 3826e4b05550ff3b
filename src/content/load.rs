//! Reading content/: front matter, URLs, the section tree and reading order.

use crate::config::Config;
use crate::content::data;
use crate::content::frontmatter;
use crate::content::model::{FrontMatter, Page, Site};
use crate::diagnostics::{Diagnostic, Diagnostics};
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::ffi::OsString;
use std::path::{Path, PathBuf};
use std::sync::Arc;

pub const CONTENT_DIR: &str = "content";

pub struct LoadOptions {
    pub include_drafts: bool,
}

/// What `serve` keeps between loads: each parsed page while its file's text and the config
/// stay the same, and git's dates while git's HEAD stays the same.
#[derive(Default)]
pub struct LoadCache {
    /// The config the pages were parsed with (URLs depend on its corpora), as JSON.
    config: String,
    /// Each page by its file (the path's bytes: hashing a `Path` parses its components), and its
    /// file's metadata when that alone proves the text unchanged. A page is kept as the last
    /// load returned it (place in the tree and date included), so a page that is still the same
    /// is shared with the new site rather than copied.
    pages: HashMap<OsString, Known>,
    git: Option<(String, HashMap<String, String>)>,
}

/// Size, times and identity of a file: any write, rename over it or `touch` changes the change
/// time (ctime, which no tool can set back), so equal stats mean an equal file — unless it was
/// written within the file system's timestamp granularity of being looked at, which
/// `FileStat::of` rules out by keeping no stat for recently changed files (git's "racily
/// clean" rule).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStat {
    len: u64,
    modified: std::time::SystemTime,
    changed: (i64, i64),
    inode: (u64, u64),
}

impl FileStat {
    /// Files changed less than this long before they are looked at are always read.
    const SETTLE: std::time::Duration = std::time::Duration::from_secs(2);

    /// The stat of `path`, or None when it cannot prove anything (unreadable, not Unix, or
    /// changed too recently to tell a later write in the same timestamp tick from this version).
    #[cfg(unix)]
    fn of(path: &Path) -> Option<FileStat> {
        use std::os::unix::fs::MetadataExt;
        use std::time::{Duration, SystemTime, UNIX_EPOCH};
        let now = SystemTime::now();
        let m = std::fs::metadata(path).ok()?;
        let changed = UNIX_EPOCH + Duration::new(u64::try_from(m.ctime()).ok()?, u32::try_from(m.ctime_nsec()).ok()?);
        (changed + Self::SETTLE < now).then_some(FileStat { len: m.len(), modified: m.modified().ok()?, changed: (m.ctime(), m.ctime_nsec()), inode: (m.dev(), m.ino()) })
    }
    #[cfg(not(unix))]
    fn of(_path: &Path) -> Option<FileStat> {
        None
    }
}

/// A page of `LoadCache` and its file's stat.
type Known = (Arc<Page>, Option<FileStat>);

/// Load the whole site model. Files that fail to parse are left out and reported; the rest of
/// the site is still returned so later checks can report their problems in the same run.
/// Only a missing or broken shishin.yaml stops here.
pub fn load_site(root: &Path, opts: &LoadOptions) -> Result<(Site, Diagnostics), Diagnostics> {
    load_site_cached(root, opts, &mut LoadCache::default())
}

/// `load_site`, parsing only the files whose text changed since the loads that filled `cache`.
pub fn load_site_cached(root: &Path, opts: &LoadOptions, cache: &mut LoadCache) -> Result<(Site, Diagnostics), Diagnostics> {
    let config = Config::load(root).map_err(Diagnostics::from)?;
    let config_key = serde_json::to_string(&config).unwrap_or_default();
    if cache.config != config_key {
        cache.pages.clear();
        cache.config = config_key;
    }
    let mut errors = Diagnostics::default();
    let files = markdown_files(root, &mut errors);
    let known = std::mem::take(&mut cache.pages);
    let parsed: Vec<(&PathBuf, PageRead)> = files.par_iter().map(|rel| (rel, read_page(root, rel, &config, known.get(rel.as_os_str())))).collect();
    // The cache is made anew: only files still there are kept.
    let mut next: HashMap<OsString, Known> = HashMap::with_capacity(parsed.len());
    let mut stats = Vec::with_capacity(parsed.len());
    let mut pages = Vec::with_capacity(parsed.len());
    let mut unparsed_ids = Vec::new();
    for (rel, p) in parsed {
        match p {
            Ok((page, stat)) => {
                if !page.front.draft || opts.include_drafts {
                    pages.push(page);
                    stats.push(stat);
                } else {
                    next.insert(rel.clone().into_os_string(), (page, stat));
                }
            }
            Err((e, id)) => {
                // The last good parse stays cached (it is only reused for that very text), so a
                // later failed load still knows the id the file had.
                if let Some(old) = known.get(rel.as_os_str()) {
                    next.insert(rel.clone().into_os_string(), old.clone());
                }
                errors.push(e);
                unparsed_ids.extend(id);
            }
        }
    }
    drop(known);
    let (data, data_errors) = data::load(root);
    errors.extend(data_errors.0);
    let home = !pages.iter().any(|p| p.url == "/");
    if home {
        pages.push(Arc::new(generated_home(&config)));
        stats.push(None);
    }
    apply_git_dates(root, &mut pages, &mut cache.git);
    let (pages, order) = order_pages(pages);
    // The pages as returned, so that the next load can share those that are still the same.
    next.extend(pages.iter().zip(order.iter().map(|&old| stats[old])).filter(|(p, _)| !(home && p.url == "/")).map(|(p, stat)| (p.file.clone().into_os_string(), (p.clone(), stat))));
    cache.pages = next;
    let mut site = Site { root: root.to_path_buf(), config, pages, data, by_id: HashMap::new(), by_url: HashMap::new(), unparsed_ids };
    index(&mut site, &mut errors);
    Ok((site, errors))
}

fn markdown_files(root: &Path, errors: &mut Diagnostics) -> Vec<PathBuf> {
    let content = root.join(CONTENT_DIR);
    if !content.is_dir() {
        errors.push(Diagnostic::file_level(CONTENT_DIR, "no content/ directory").help("create content/_index.md, or run `shishin init DIR`"));
        return Vec::new();
    }
    // One walker for every command, so symlinks are treated alike (site_fs).
    let (files, walk_errors) = crate::site_fs::walk(root, CONTENT_DIR);
    errors.extend(walk_errors.0);
    let out: Vec<PathBuf> = files.into_iter().filter(|p| p.extension().is_some_and(|x| x == "md")).collect();
    out
}

/// A page and its file's stat, or why it could not be read.
type PageRead = Result<(Arc<Page>, Option<FileStat>), (Diagnostic, Option<String>)>;

/// On failure also returns the page's `id:` if one can be read from the raw text, so that
/// cross-references to the broken page are not reported as unknown as well. `known` is the page
/// the last load returned for this file; it is returned again (shared, not copied) while the
/// file's stat, or else its text, is unchanged.
fn read_page(root: &Path, rel: &Path, config: &Config, known: Option<&Known>) -> PageRead {
    let path = root.join(rel);
    let stat = FileStat::of(&path);
    if let (Some((page, Some(old))), Some(new)) = (known, stat)
        && *old == new
    {
        return Ok((page.clone(), stat));
    }
    let text = crate::site_fs::read_text(root, rel).map_err(|d| {
        let id = broken_id(rel, "", config, known);
        (d.breaks(crate::diagnostics::followup::page(&id)), Some(id))
    })?;
    // Taken before the read: a write after it shows as a different stat next time.
    match known {
        Some((page, _)) if page.source == text => Ok((page.clone(), stat)),
        _ => parse_page(rel, text, config, known).map(|page| (Arc::new(page), stat)),
    }
}

fn parse_page(rel: &Path, text: String, config: &Config, known: Option<&Known>) -> Result<Page, (Diagnostic, Option<String>)> {
    let (front, split, key_offsets) = frontmatter::parse(rel, &text).map_err(|d| {
        let id = broken_id(rel, &text, config, known);
        (d.breaks(crate::diagnostics::followup::page(&id)), Some(id))
    })?;
    let is_section = rel.file_name().is_some_and(|n| n == "_index.md");
    let url = url_for(rel, &front, is_section, config);
    let body = split.body.to_string();
    let body_offset = split.body_offset;
    Ok(Page {
        file: rel.to_path_buf(),
        updated: front.updated.clone(),
        source: text,
        front,
        body,
        body_offset,
        url,
        is_section,
        parent: None,
        children: Vec::new(),
        key_offsets,
    })
}

/// The id of a page whose front matter does not load: its `id:` line when one can be read from
/// the raw text, else the id of the page this file held at the last load (`serve`: an edit that
/// broke or dropped the `id:` line), else the id its file path gives (as `Page::id` would).
fn broken_id(rel: &Path, text: &str, config: &Config, known: Option<&Known>) -> String {
    let written = text.lines().skip(1).take_while(|l| l.trim_end() != "---").find_map(|l| l.strip_prefix("id:"));
    if let Some(id) = written.map(|v| v.trim().trim_matches(['"', '\'']).to_string()).filter(|id| !id.is_empty()) {
        return id;
    }
    if let Some((page, _)) = known {
        return page.id();
    }
    let is_section = rel.file_name().is_some_and(|n| n == "_index.md");
    let url = url_for(rel, &FrontMatter::default(), is_section, config);
    let path = url.trim_matches('/');
    if path.is_empty() { "home".to_string() } else { path.to_string() }
}

/// `/prefix/rest/` for corpus ids, else the file path.
pub fn url_for(rel: &Path, front: &FrontMatter, is_section: bool, config: &Config) -> String {
    if let Some((corpus, rest)) = front.id.as_deref().and_then(|id| config.corpus_for_id(id)) {
        return format!("/{}/{}/", corpus.prefix, rest);
    }
    let inner = rel.strip_prefix(CONTENT_DIR).unwrap_or(rel);
    let dir = if is_section { inner.parent().map(Path::to_path_buf).unwrap_or_default() } else { inner.with_extension("") };
    let parts: Vec<String> = dir.components().map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    if parts.is_empty() { "/".to_string() } else { format!("/{}/", parts.join("/")) }
}

fn generated_home(config: &Config) -> Page {
    Page {
        file: PathBuf::from("content/_index.md"),
        source: String::new(),
        front: FrontMatter { title: config.title.clone(), id: Some("home".into()), layout: Some("home".into()), ..Default::default() },
        body: String::new(),
        body_offset: 0,
        url: "/".into(),
        is_section: true,
        parent: None,
        children: Vec::new(),
        updated: None,
        key_offsets: HashMap::new(),
    }
}

/// Parent = the `_index.md` of the nearest ancestor folder that has one; then depth-first
/// reading order with siblings sorted by weight, clause number, title. Also returns, for each
/// page in the new order, its index in `pages`. A page is copied only when its place in the
/// tree changed (`Arc::make_mut`).
fn order_pages(pages: Vec<Arc<Page>>) -> (Vec<Arc<Page>>, Vec<usize>) {
    // Keyed by the path's bytes: hashing a `Path` parses its components.
    let section_dirs: HashMap<&std::ffi::OsStr, usize> =
        pages.iter().enumerate().filter(|(_, p)| p.is_section).map(|(i, p)| (p.file.parent().unwrap_or(Path::new("")).as_os_str(), i)).collect();
    let parent_of = |i: usize| -> Option<usize> {
        let p = &pages[i];
        let own_dir = p.file.parent().unwrap_or(Path::new(""));
        let mut dir = if p.is_section { own_dir.parent() } else { Some(own_dir) };
        while let Some(d) = dir {
            if let Some(&s) = section_dirs.get(d.as_os_str())
                && s != i
            {
                return Some(s);
            }
            dir = d.parent();
        }
        None
    };
    let home = pages.iter().position(|p| p.url == "/");
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); pages.len()];
    let mut roots = Vec::new();
    for i in 0..pages.len() {
        match parent_of(i).or(if Some(i) == home { None } else { home }) {
            Some(parent) => children[parent].push(i),
            None => roots.push(i),
        }
    }
    for list in children.iter_mut().chain(std::iter::once(&mut roots)) {
        list.sort_by(|&a, &b| sibling_order(&pages[a], &pages[b]));
    }
    // Depth-first walk gives the reading order; remap indices.
    let mut order = Vec::with_capacity(pages.len());
    let mut stack: Vec<usize> = roots.iter().rev().copied().collect();
    while let Some(i) = stack.pop() {
        order.push(i);
        stack.extend(children[i].iter().rev());
    }
    let mut new_index = vec![0; pages.len()];
    for (new, &old) in order.iter().enumerate() {
        new_index[old] = new;
    }
    let mut parents: Vec<Option<usize>> = vec![None; pages.len()];
    for (old, kids) in children.iter().enumerate() {
        for &k in kids {
            parents[new_index[k]] = Some(new_index[old]);
        }
    }
    let mut slots: Vec<Option<Arc<Page>>> = pages.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(order.len());
    for (new, &old) in order.iter().enumerate() {
        let mut page = slots[old].take().expect("each page visited once");
        let kids: Vec<usize> = children[old].iter().map(|&c| new_index[c]).collect();
        if page.children != kids || page.parent != parents[new] {
            let p = Arc::make_mut(&mut page);
            (p.children, p.parent) = (kids, parents[new]);
        }
        out.push(page);
    }
    (out, order)
}

fn sibling_order(a: &Page, b: &Page) -> Ordering {
    let wa = a.front.weight.unwrap_or(i64::MAX);
    let wb = b.front.weight.unwrap_or(i64::MAX);
    wa.cmp(&wb)
        .then_with(|| natural_cmp(a.front.number.as_deref().unwrap_or(""), b.front.number.as_deref().unwrap_or("")))
        .then_with(|| a.front.title.cmp(&b.front.title))
        .then_with(|| a.file.cmp(&b.file))
}

/// "3.2.2" < "3.2.10": compare digit runs as numbers.
pub fn natural_cmp(a: &str, b: &str) -> Ordering {
    fn chunks(s: &str) -> Vec<(bool, String)> {
        let mut out: Vec<(bool, String)> = Vec::new();
        for c in s.chars() {
            let d = c.is_ascii_digit();
            match out.last_mut() {
                Some((is_d, buf)) if *is_d == d => buf.push(c),
                _ => out.push((d, c.to_string())),
            }
        }
        out
    }
    let (ca, cb) = (chunks(a), chunks(b));
    for (x, y) in ca.iter().zip(cb.iter()) {
        let ord = match (x, y) {
            ((true, p), (true, q)) => p.parse::<u128>().unwrap_or(0).cmp(&q.parse::<u128>().unwrap_or(0)),
            ((_, p), (_, q)) => p.cmp(q),
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    ca.len().cmp(&cb.len())
}

/// `updated` of every page: its front matter's, else its file's last commit date from one `git
/// log` call (no per-file process at thousands of pages), reused from `cache` while git's HEAD
/// has not moved. A page is copied only when its date changed.
fn apply_git_dates(root: &Path, pages: &mut [Arc<Page>], cache: &mut Option<(String, HashMap<String, String>)>) {
    let set = |page: &mut Arc<Page>, date: Option<&String>| {
        if page.updated.as_ref() != date {
            Arc::make_mut(page).updated = date.cloned();
        }
    };
    if pages.iter().all(|p| p.front.updated.is_some()) {
        return;
    }
    let token = git_state(root);
    let latest = match (cache.as_ref(), &token) {
        (Some((known, dates)), Some(t)) if known == t => dates,
        _ => &cache.insert((token.clone().unwrap_or_default(), git_dates(root))).1,
    };
    for p in pages.iter_mut().filter(|p| p.front.updated.is_none()) {
        let key = p.file.to_string_lossy();
        let key = if key.contains('\\') { key.replace('\\', "/").into() } else { key };
        set(p, latest.get(&*key));
    }
    if token.is_none() {
        *cache = None;
    }
}

fn git_dates(root: &Path) -> HashMap<String, String> {
    let mut latest: HashMap<String, String> = HashMap::new();
    let Some(text) = crate::git::output(root, ["log", "--format=%x00%cs", "--name-only", "--relative", "--", CONTENT_DIR]) else { return latest };
    let mut date = "";
    for line in text.lines() {
        if let Some(d) = line.strip_prefix('\0') {
            date = d;
        } else if !line.is_empty() {
            latest.entry(line.to_string()).or_insert_with(|| date.to_string());
        }
    }
    latest
}

/// A value that changes whenever git's HEAD moves (commit, checkout, reset, merge): HEAD, the
/// branch's loose ref and the size and time of HEAD's reflog, read without starting git. None
/// when unknown (`GIT_DIR` set): callers then ask git every time.
pub fn git_state(root: &Path) -> Option<String> {
    if std::env::var_os("GIT_DIR").is_some() {
        return None;
    }
    let mut dir = Some(root);
    let git_dir = loop {
        let Some(d) = dir else { return Some("no repository".into()) };
        let dot = d.join(".git");
        if dot.is_dir() {
            break dot;
        }
        if let Ok(link) = std::fs::read_to_string(&dot) {
            break d.join(link.strip_prefix("gitdir:")?.trim());
        }
        dir = d.parent();
    };
    let common = std::fs::read_to_string(git_dir.join("commondir")).map(|c| git_dir.join(c.trim())).unwrap_or_else(|_| git_dir.clone());
    let head = std::fs::read_to_string(git_dir.join("HEAD")).ok()?;
    let mut state = head.clone();
    if let Some(name) = head.strip_prefix("ref:").map(str::trim) {
        let loose = std::fs::read_to_string(git_dir.join(name)).or_else(|_| std::fs::read_to_string(common.join(name)));
        state.push_str(&loose.unwrap_or_default());
    }
    for file in [git_dir.join("logs/HEAD"), common.join("packed-refs")] {
        if let Ok(m) = std::fs::metadata(file) {
            state.push_str(&format!(" {} {:?}", m.len(), m.modified().ok()));
        }
    }
    Some(state)
}

fn index(site: &mut Site, errors: &mut Diagnostics) {
    for (i, page) in site.pages.iter().enumerate() {
        let id = page.id();
        if let Some(&prev) = site.by_id.get(&id) {
            let other = &site.pages[prev];
            errors.push(
                Diagnostic::at_offset(&page.file, &page.source, page.offset_of("id"), format!("duplicate id `{id}`"))
                    .help(format!("`{}` already uses this id; ids must be unique across the site", other.file.display())),
            );
            continue; // the same id also means the same URL: one error is enough
        } else {
            site.by_id.insert(id, i);
        }
        if let Some(&prev) = site.by_url.get(&page.url) {
            let other = &site.pages[prev];
            errors.push(
                Diagnostic::at_offset(&page.file, &page.source, page.offset_of("id"), format!("two pages on one URL `{}`", page.url))
                    .help(format!("`{}` is published at the same URL; change one page's id or file name", other.file.display())),
            );
        } else {
            site.by_url.insert(page.url.clone(), i);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn natural_order_of_clause_numbers() {
        assert_eq!(natural_cmp("3.2.2", "3.2.10"), Ordering::Less);
        assert_eq!(natural_cmp("第2章", "第10章"), Ordering::Less);
        assert_eq!(natural_cmp("3.2", "3.2.1"), Ordering::Less);
    }
}
