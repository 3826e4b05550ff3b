//! What `serve` keeps from one build to the next, so that saving one page re-parses and
//! re-renders that page and little else. Every reused result is keyed by a hash of everything
//! it was made from (file texts — or a file's stat, see `content::load::FileStat` — front
//! matter, template context), never by which files the watcher reported, so a build with a
//! warm cache writes exactly the files of a cold one (`tests/integration/serve.rs` compares a served site
//! after edits with a fresh `shishin build`).

use crate::capability::Capability;
use crate::content::{Page, Site};
use crate::fingerprint::{Fingerprint, Key};
use crate::content::load::{LoadCache, git_state};
use crate::markdown::{Heading, Rendered};
use crate::output::OutputFiles;
use crate::render::theme::{THEME_DIR, Theme};
use crate::search::Analyzer;
use crate::search::site::{AnalyzerSources, KeyedDoc};
use rayon::prelude::*;
use std::collections::HashMap;
use std::ffi::OsString;
use std::sync::{Arc, Mutex};

/// The last static index written: (its folder URL, its files). Shared with the thread that
/// writes the index after `serve` has reloaded the pages.
pub type IndexStore = Arc<Mutex<Option<(String, Arc<OutputFiles>)>>>;

/// The capabilities of a site and the files they publish.
pub struct Capabilities {
    pub list: Vec<Box<dyn Capability>>,
    /// `capabilities_key` of the site they were loaded from (None: not reusable).
    pub key: Option<Key>,
    /// Filled by the first build that writes them; equal keys give equal files.
    pub files: Mutex<Option<Arc<OutputFiles>>>,
}

/// Reused results of earlier builds (see the module comment). `Default` is an empty cache: a
/// build with it does all the work.
#[derive(Default)]
pub struct BuildCache {
    /// A one-off build (`shishin build`, `check`): nothing is kept for a next build, so the
    /// caches' copies of every page (source, rendered Markdown, HTML) are never made or are
    /// dropped as soon as the stage is done; they would double the build's memory.
    pub one_off: bool,
    pub load: LoadCache,
    pub markdown: MarkdownCache,
    pub theme: Option<(Key, Arc<Theme>)>,
    pub capabilities: Option<(Key, Arc<Capabilities>)>,
    /// Output path → the page's HTML and its keys.
    pub pages: HashMap<String, PageHtml>,
    pub analyzer: Option<(AnalyzerSources, Arc<Analyzer>)>,
    pub search_docs: SearchDocs,
    pub structure: StructureParts,
    /// The sitemap and the `structure_key` it was made from (it reads nothing else).
    pub sitemap: Option<(Key, String)>,
    pub index: IndexStore,
}

/// Each page's search document (`search::site::page_doc`), made from the site's `structure_key`
/// (first) and, per page in reading order, the page's rendered Markdown (its key first).
pub type SearchDocs = Option<(Key, Vec<(Key, KeyedDoc)>)>;

impl BuildCache {
    /// The cache of a build that will not be followed by another (see `one_off`).
    pub fn one_off() -> BuildCache {
        BuildCache { one_off: true, ..BuildCache::default() }
    }
}

/// A rendered page, reused when either key matches: `inputs` (`page_inputs_key`, checked
/// before the template context is built) or `context` (`page_key`, after). Nothing in it
/// depends on the static index folder (only the search page names it), so a body edit leaves
/// every other page's HTML as it was.
#[derive(Clone)]
pub struct PageHtml {
    pub inputs: Option<Key>,
    pub context: Key,
    pub html: Arc<str>,
}

impl PageHtml {
    /// The same HTML under other keys.
    pub fn rekeyed(&self, inputs: Option<Key>, context: Key) -> PageHtml {
        PageHtml { inputs, context, html: self.html.clone() }
    }
}

/// Per page file (the path's bytes: hashing a `Path` parses its components): its body's key
/// (with the page, so the page shared by the load is known at once and any other body is
/// compared, not hashed again), its headings (keyed by its body) and its rendered Markdown
/// (keyed by its body and `targets_key`).
#[derive(Default)]
pub struct MarkdownCache {
    pub bodies: HashMap<OsString, (Arc<Page>, Key)>,
    pub headings: HashMap<OsString, (Key, Vec<Heading>)>,
    pub rendered: HashMap<OsString, (Key, Rendered)>,
}

/// Everything a page's Markdown can point at: every page's id, URL, label, layout and anchors,
/// the data files' terms and requirements, the base path. Unchanged by an edit that keeps every
/// heading, title and id, so such an edit re-renders one page's Markdown.
pub fn targets_key(site: &Site, headings: &[Vec<Heading>]) -> Key {
    let mut f = Fingerprint::new("targets");
    f.json(&site.config).json(&site.data).json(&site.unparsed_ids);
    for (p, hs) in site.pages.iter().zip(headings) {
        // The id and the label follow from these (hashed as they are: building them allocates).
        f.bytes(p.url.as_bytes()).bytes(p.layout().as_bytes()).bytes(p.front.title.as_bytes());
        for part in [&p.front.id, &p.front.number] {
            f.bytes(&[u8::from(part.is_some())]).bytes(part.as_deref().unwrap_or("").as_bytes());
        }
        f.json(&hs.len());
        for h in hs {
            f.bytes(h.anchor.as_bytes());
        }
    }
    f.finish()
}

/// Key of a page's HTML: the theme, the template and the whole template context. The page's
/// HTML body (`page.content`, most of the bytes) is hashed as it is rather than as JSON text.
pub fn page_key(theme: &Key, template: &str, ctx: &mut serde_json::Value) -> Key {
    let mut f = Fingerprint::new("page");
    f.bytes(theme).bytes(template.as_bytes());
    let content = ctx.pointer_mut("/page/content").map(std::mem::take);
    match &content {
        Some(serde_json::Value::String(html)) => f.bytes(html.as_bytes()),
        other => f.json(other),
    };
    f.json(ctx);
    if let (Some(content), Some(slot)) = (content, ctx.pointer_mut("/page/content")) {
        *slot = content;
    }
    f.finish()
}

/// The theme as loaded from the embedded default plus `<root>/themes/default/`, reused while
/// those files and the base path are unchanged.
pub fn theme_key(site: &Site) -> Key {
    let mut f = Fingerprint::new("theme");
    f.bytes(site.config.base_path().as_bytes());
    hash_tree(&mut f, &site.root, THEME_DIR);
    f.finish()
}

/// Everything about the site as a whole that a page's template context or a capability may read:
/// the config, the data files, and every page's file, front matter, URL, place in the tree
/// (reading order included) and date — all but the page bodies. A body edit keeps it.
/// Each page's part is taken from `known` while the page at that position is the very one it was
/// made from (the load shares unchanged pages, and a page held there cannot change), and
/// `known` is updated to this site's pages.
pub fn structure_key(site: &Site, known: &mut StructureParts) -> Key {
    let parts: Vec<Key> = site
        .pages
        .par_iter()
        .enumerate()
        .map(|(i, p)| match known.get(i) {
            Some((same, key)) if Arc::ptr_eq(same, p) => *key,
            _ => Fingerprint::new("page structure")
                .bytes(p.file.to_string_lossy().as_bytes())
                .json(&p.front)
                .bytes(p.url.as_bytes())
                .json(&(p.is_section, p.parent, &p.children, &p.updated))
                .finish(),
        })
        .collect();
    let mut f = Fingerprint::new("structure");
    f.json(&site.config).json(&site.data).json(&site.unparsed_ids).json(&parts.len());
    for key in &parts {
        f.bytes(key);
    }
    *known = site.pages.iter().cloned().zip(parts).collect();
    f.finish()
}

/// Per page in reading order: the page and its part of `structure_key`.
pub type StructureParts = Vec<(Arc<Page>, Key)>;

/// Capabilities read the config, the data files, git dates and the pages' front matter, URLs
/// and tree — never page bodies (the `Capability` contract) — so they survive a body edit.
/// None when git's state cannot be known cheaply (`GIT_DIR` set): then nothing is reused.
pub fn capabilities_key(site: &Site, structure: &Key) -> Option<Key> {
    let mut f = Fingerprint::new("capabilities");
    f.bytes(git_state(&site.root)?.as_bytes()).bytes(structure);
    hash_tree(&mut f, &site.root, crate::content::data::DATA_DIR);
    Some(f.finish())
}

/// Everything page `index`'s HTML is made from, without building its template context: the
/// context reads the site's structure, the page's rendered Markdown and the globals; the
/// template comes from the theme and the page's layout (front matter, in the structure); the
/// capabilities' additions from the capabilities (their key) and the structure. So while a
/// body edit leaves `structure` alone, only the edited page gets a new key. None (no shortcut)
/// when the capabilities cannot be keyed.
pub fn page_inputs_key(shared: &Key, index: usize, rendered: &Key) -> Key {
    Fingerprint::new("page inputs").bytes(shared).json(&index).bytes(rendered).finish()
}

/// The part of `page_inputs_key` shared by every page of one build.
pub fn shared_inputs_key(structure: &Key, theme: &Key, capabilities: &Option<Key>, globals: &impl serde::Serialize) -> Option<Key> {
    Some(Fingerprint::new("shared inputs").bytes(structure).bytes(theme).bytes(capabilities.as_ref()?).json(globals).finish())
}

/// Every file under `root/rel_dir` as the build reads it (site_fs: the same symlink policy),
/// relative path and bytes, in name order; nothing when it is absent. A tree with a bad link
/// gets a key of its own; the build reports the link.
fn hash_tree(f: &mut Fingerprint, root: &std::path::Path, rel_dir: &str) {
    let (files, errors) = crate::site_fs::walk(root, rel_dir);
    f.json(&errors.0);
    for rel in files {
        f.bytes(rel.to_string_lossy().as_bytes());
        f.bytes(&std::fs::read(root.join(&rel)).unwrap_or_default());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fingerprint_parts_are_delimited() {
        let key = |parts: &[&str]| {
            let mut f = Fingerprint::new("t");
            for p in parts {
                f.bytes(p.as_bytes());
            }
            f.finish()
        };
        assert_ne!(key(&["ab", "c"]), key(&["a", "bc"]));
        assert_eq!(key(&["ab", "c"]), key(&["ab", "c"]));
    }
}
