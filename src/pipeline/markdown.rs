//! The Markdown stage: every page's body to HTML, headings and sections, reusing what the
//! cache holds for unchanged pages.

use super::cache::{MarkdownCache, targets_key};
use crate::content::Site;
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::fingerprint::{Fingerprint, Key};
use crate::markdown::{self, Heading, Rendered, Targets};
use rayon::prelude::*;
use std::ffi::OsStr;
use std::sync::Arc;

/// Markdown of every page, in two passes (headings first, so cross-references can check
/// anchors). A page whose body is unchanged keeps its headings; one whose body and every
/// cross-reference target are unchanged keeps its HTML (`cache`). Also returns each page's key.
pub(super) fn render_markdown(site: &Site, errors: &mut Diagnostics, cache: &mut MarkdownCache) -> (Vec<Rendered>, Vec<Key>) {
    // The page the load shared from the last build has the body last keyed; another page's body
    // is compared with it, which is much cheaper than hashing it again.
    let known = &cache.bodies;
    let body_keys: Vec<(Key, bool)> = site
        .pages
        .par_iter()
        .map(|p| match known.get(p.file.as_os_str()) {
            Some((page, key)) if Arc::ptr_eq(page, p) || page.body == p.body => (*key, false),
            _ => (Fingerprint::new("markdown").bytes(p.file.to_string_lossy().as_bytes()).bytes(p.body.as_bytes()).finish(), true),
        })
        .collect();
    for (page, (key, fresh)) in site.pages.iter().zip(&body_keys) {
        if *fresh {
            cache.bodies.insert(page.file.clone().into_os_string(), (page.clone(), *key));
        }
    }
    // Entries are updated in place: rebuilding the maps would copy every page's HTML again.
    // `bodies` now has every page's file, and the other maps only files it has, so entries of
    // files no longer on the site are there only when it has more files than the site.
    if cache.bodies.len() > site.pages.len() {
        let on_site: std::collections::HashSet<&OsStr> = site.pages.iter().map(|p| p.file.as_os_str()).collect();
        cache.bodies.retain(|file, _| on_site.contains(file.as_os_str()));
        cache.headings.retain(|file, _| on_site.contains(file.as_os_str()));
        cache.rendered.retain(|file, _| on_site.contains(file.as_os_str()));
    }
    let body_keys: Vec<Key> = body_keys.into_iter().map(|(key, _)| key).collect();
    let known = &cache.headings;
    let first: Vec<(Vec<Heading>, Option<Vec<Diagnostic>>)> = site
        .pages
        .par_iter()
        .zip(&body_keys)
        .map(|(page, key)| match known.get(page.file.as_os_str()) {
            Some((k, hs)) if k == key => (hs.clone(), None),
            _ => {
                let (hs, e) = markdown::headings(page);
                (hs, Some(e))
            }
        })
        .collect();
    let mut headings: Vec<Vec<Heading>> = Vec::with_capacity(first.len());
    for ((page, key), (hs, fresh)) in site.pages.iter().zip(&body_keys).zip(first) {
        match fresh {
            Some(e) if e.is_empty() => _ = cache.headings.insert(page.file.clone().into_os_string(), (*key, hs.clone())),
            Some(e) => {
                cache.headings.remove(page.file.as_os_str());
                errors.extend(e);
            }
            None => {}
        }
        headings.push(hs);
    }
    let targets = Targets::new(site, &headings);
    let targets_key = targets_key(site, &headings);
    let keys: Vec<Key> = body_keys.iter().map(|k| Fingerprint::new("rendered").bytes(k).bytes(&targets_key).finish()).collect();
    let known = &cache.rendered;
    // (rendered now?, result)
    let results: Vec<(bool, Result<Rendered, Vec<Diagnostic>>)> = site
        .pages
        .par_iter()
        .zip(headings.par_iter())
        .zip(&keys)
        .map(|((page, hs), key)| match known.get(page.file.as_os_str()) {
            Some((k, r)) if k == key => (false, Ok(r.clone())),
            _ => (true, markdown::render(page, hs, &targets)),
        })
        .collect();
    let rendered = site
        .pages
        .iter()
        .zip(&keys)
        .zip(results)
        .map(|((page, key), r)| match r {
            (false, Ok(r)) => r,
            (true, Ok(r)) => {
                cache.rendered.insert(page.file.clone().into_os_string(), (*key, r.clone()));
                r
            }
            (_, Err(e)) => {
                cache.rendered.remove(page.file.as_os_str());
                errors.extend(e);
                Rendered::new(String::new(), Vec::new(), Vec::new())
            }
        })
        .collect();
    (rendered, keys)
}
