//! The checking stages: load, validate, Markdown, structure and capabilities. `check_site` stops
//! here; a build goes on with pages.rs and search_index.rs.

use super::BuildOptions;
use super::cache::{BuildCache, Capabilities, capabilities_key, structure_key};
use super::markdown::render_markdown;
use super::timings::Timings;
use crate::capability::Capability;
use crate::content::load::{LoadOptions, load_site_cached};
use crate::content::{Site, validate};
use crate::diagnostics::Diagnostics;
use crate::fingerprint::Key;
use crate::markdown::Rendered;
use std::sync::{Arc, Mutex};

/// A loaded and checked site.
pub(super) struct Checked {
    pub(super) site: Site,
    pub(super) rendered: Vec<Rendered>,
    /// Per page, the key its `rendered` Markdown is cached under (body and link targets).
    pub(super) rendered_keys: Vec<Key>,
    pub(super) structure: Key,
    pub(super) caps: Arc<Capabilities>,
}

pub(super) fn check_all(opts: &BuildOptions, t: &mut Timings, cache: &mut BuildCache) -> Result<Checked, Diagnostics> {
    let (site, mut errors) = t.time("load", || load_site_cached(&opts.root, &LoadOptions { include_drafts: opts.include_drafts }, &mut cache.load))?;
    if cache.one_off {
        cache.load = Default::default();
    }
    errors.extend(t.time("validate", || validate::validate(&site)).0);
    let (rendered, rendered_keys) = t.time("markdown", || render_markdown(&site, &mut errors, &mut cache.markdown));
    if cache.one_off {
        cache.markdown = Default::default();
    }
    let structure = t.time("structure", || structure_key(&site, &mut cache.structure));
    if cache.one_off {
        cache.structure = Default::default();
    }
    let caps = match t.time("capabilities", || cached_capabilities(&site, &structure, cache)) {
        Ok(c) => c,
        Err(e) => {
            errors.extend(e.0);
            Arc::new(Capabilities { list: Vec::new(), key: None, files: Mutex::new(None) })
        }
    };
    errors.sorted().into_result()?;
    Ok(Checked { site, rendered, rendered_keys, structure, caps })
}

/// The capabilities of the last build while their inputs are unchanged (cache.rs).
pub(super) fn cached_capabilities(site: &Site, structure: &Key, cache: &mut BuildCache) -> Result<Arc<Capabilities>, Diagnostics> {
    let key = capabilities_key(site, structure);
    if let (Some(k), Some((known, caps))) = (key, &cache.capabilities)
        && k == *known
    {
        return Ok(caps.clone());
    }
    let caps = Arc::new(Capabilities { list: load_capabilities(site)?, key, files: Mutex::new(None) });
    cache.capabilities = key.map(|k| (k, caps.clone()));
    Ok(caps)
}


/// Every capability of the site. Each loads its own data files and reports its own diagnostics;
/// all of them are collected so one build shows every problem.
pub(super) fn load_capabilities(site: &Site) -> Result<Vec<Box<dyn Capability>>, Diagnostics> {
    let mut caps: Vec<Box<dyn Capability>> = Vec::new();
    let mut errors = Diagnostics::default();
    let mappings = crate::mapping::Mappings::load(site);
    let templates = crate::disclosure::Templates::load(site);
    // The 「対応状況」 view reads both (coverage/view.rs).
    if let (Ok(m), Ok(t)) = (&mappings, &templates) {
        caps.push(Box::new(crate::coverage::view::Coverage::new(site, m, t)));
    }
    match mappings {
        Ok(m) => caps.push(Box::new(m)),
        Err(e) => errors.extend(e.0),
    }
    match templates {
        Ok(t) => caps.push(Box::new(t)),
        Err(e) => errors.extend(e.0),
    }
    errors.sorted().into_result().map(|_| caps)
}
