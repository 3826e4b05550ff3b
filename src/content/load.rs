//! Reading content/: front matter, URLs, the section tree and reading order.

use crate::config::Config;
use crate::content::data;
use crate::content::frontmatter;
use crate::content::model::{FrontMatter, Page, Site};
use crate::diagnostics::{Diagnostic, Diagnostics};
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use walkdir::WalkDir;

pub const CONTENT_DIR: &str = "content";

pub struct LoadOptions {
    pub include_drafts: bool,
}

/// Load the whole site model. Files that fail to parse are left out and reported; the rest of
/// the site is still returned so later checks can report their problems in the same run.
/// Only a missing or broken shishin.yaml stops here.
pub fn load_site(root: &Path, opts: &LoadOptions) -> Result<(Site, Diagnostics), Diagnostics> {
    let config = Config::load(root).map_err(Diagnostics::from)?;
    let mut errors = Diagnostics::default();
    let files = markdown_files(root, &mut errors);
    let parsed: Vec<Result<Page, (Diagnostic, Option<String>)>> = files.par_iter().map(|rel| read_page(root, rel, &config)).collect();
    let mut pages = Vec::new();
    let mut unparsed_ids = Vec::new();
    for p in parsed {
        match p {
            Ok(page) if page.front.draft && !opts.include_drafts => {}
            Ok(page) => pages.push(page),
            Err((e, id)) => {
                errors.push(e);
                unparsed_ids.extend(id);
            }
        }
    }
    let data = match data::load(root) {
        Ok(d) => d,
        Err(e) => {
            errors.extend(e.0);
            data::Data::default()
        }
    };
    if !pages.iter().any(|p| p.url == "/") {
        pages.push(generated_home(&config));
    }
    apply_git_dates(root, &mut pages);
    let pages = order_pages(pages);
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
    let mut out = Vec::new();
    for entry in WalkDir::new(&content).follow_links(false).sort_by_file_name() {
        match entry {
            Ok(e) if e.file_type().is_file() && e.path().extension().is_some_and(|x| x == "md") => {
                let rel = e.path().strip_prefix(root).unwrap_or(e.path()).to_path_buf();
                out.push(rel);
            }
            Ok(_) => {}
            Err(err) => errors.push(Diagnostic::file_level(CONTENT_DIR, format!("cannot read directory: {err}"))),
        }
    }
    out
}

/// On failure also returns the page's `id:` if one can be read from the raw text, so that
/// cross-references to the broken page are not reported as unknown as well.
fn read_page(root: &Path, rel: &Path, config: &Config) -> Result<Page, (Diagnostic, Option<String>)> {
    let text = std::fs::read_to_string(root.join(rel)).map_err(|e| {
        (Diagnostic::file_level(rel, format!("cannot read file: {e}")).help("content files must be UTF-8 text"), None)
    })?;
    let (front, split, key_offsets) = frontmatter::parse(rel, &text).map_err(|d| {
        let id = text.lines().take_while(|l| !l.is_empty()).find_map(|l| l.strip_prefix("id:")).map(|v| v.trim().trim_matches(['"', '\'']).to_string());
        (d, id)
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
/// reading order with siblings sorted by weight, clause number, title.
fn order_pages(pages: Vec<Page>) -> Vec<Page> {
    let section_dirs: HashMap<PathBuf, usize> =
        pages.iter().enumerate().filter(|(_, p)| p.is_section).map(|(i, p)| (p.file.parent().unwrap_or(Path::new("")).to_path_buf(), i)).collect();
    let parent_of = |i: usize| -> Option<usize> {
        let p = &pages[i];
        let own_dir = p.file.parent().unwrap_or(Path::new(""));
        let mut dir = if p.is_section { own_dir.parent() } else { Some(own_dir) };
        while let Some(d) = dir {
            if let Some(&s) = section_dirs.get(d)
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
    let mut slots: Vec<Option<Page>> = pages.into_iter().map(Some).collect();
    let mut out = Vec::with_capacity(order.len());
    for &old in &order {
        let mut page = slots[old].take().expect("each page visited once");
        page.children = children[old].iter().map(|&c| new_index[c]).collect();
        out.push(page);
    }
    for i in 0..out.len() {
        let kids = out[i].children.clone();
        for k in kids {
            out[k].parent = Some(i);
        }
    }
    out
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

/// Last commit date per file from one `git log` call (no per-file process at thousands of pages).
fn apply_git_dates(root: &Path, pages: &mut [Page]) {
    if pages.iter().all(|p| p.updated.is_some()) {
        return;
    }
    let output = std::process::Command::new("git")
        .args(["log", "--format=%x00%cs", "--name-only", "--relative", "--", CONTENT_DIR])
        .current_dir(root)
        .stderr(std::process::Stdio::null())
        .output();
    let Ok(output) = output else { return };
    if !output.status.success() {
        return;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut latest: HashMap<&str, &str> = HashMap::new();
    let mut date = "";
    for line in text.lines() {
        if let Some(d) = line.strip_prefix('\0') {
            date = d;
        } else if !line.is_empty() {
            latest.entry(line).or_insert(date);
        }
    }
    for p in pages.iter_mut().filter(|p| p.updated.is_none()) {
        let key = p.file.to_string_lossy().replace('\\', "/");
        if let Some(d) = latest.get(key.as_str()) {
            p.updated = Some(d.to_string());
        }
    }
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
