//! `report_clauses` of a template: the clauses its coverage report (src/coverage/) lists.

use super::model::Item;
use crate::content::Site;
use crate::diagnostics::{Diagnostic, Diagnostics};
use serde_saphyr::Spanned;
use std::path::Path;

/// The clause pages `report_clauses` names, expanded: a page with numbered child pages stands for
/// its numbered leaf descendants (3.2 → 3.2.1 … 3.2.10), in reading order. Also checks that each
/// listed id is a page and that every item's clause is in the list (errors at `report_clauses`).
pub(crate) fn check_report_clauses(site: &Site, file: &Path, text: &str, listed: &[Spanned<String>], items: &[Item], errors: &mut Diagnostics) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for s in listed {
        match site.by_id.get(&s.value) {
            Some(&i) => leaves(site, i, &mut out),
            None => errors.push(
                crate::yaml::diagnostic_at(file, text, &s.referenced, format!("unknown page id `{}` in `report_clauses`", s.value))
                    .help(crate::content::ids::id_help(site, &s.value, str::to_string, "list clause page ids (front matter `id`); a page with numbered child pages stands for its leaf clauses"))
                    .follows(site.broken_page(&s.value)),
            ),
        }
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|id| seen.insert(id.clone()));
    if listed.is_empty() {
        return out;
    }
    fn walk<'a>(items: &'a [Item], acc: &mut Vec<&'a Item>) {
        for i in items {
            acc.push(i);
            walk(&i.children, acc);
        }
    }
    let mut all = Vec::new();
    walk(items, &mut all);
    let at = crate::content::data::locate(text, "report_clauses:");
    // A listed page that failed to load covers nothing; its items' clauses are follow-ups of it.
    let broken_listed = listed.iter().find_map(|s| site.broken_page(&s.value));
    let mut reported = std::collections::HashSet::new();
    for item in all {
        if let Some(c) = &item.clause
            && !out.contains(c)
            && reported.insert(c.clone())
        {
            errors.push(
                Diagnostic::at_offset(file, text, at, format!("item `{}` names clause `{c}`, which `report_clauses` does not cover", item.id))
                    .help(format!("add `{c}` (or a page above it) to `report_clauses`, or give the item one of the listed clauses"))
                    .follows(site.broken_page(c).or_else(|| broken_listed.clone())),
            );
        }
    }
    out
}

fn leaves(site: &Site, index: usize, out: &mut Vec<String>) {
    let numbered: Vec<usize> = site.pages[index].children.iter().copied().filter(|&c| site.pages[c].front.number.is_some()).collect();
    if numbered.is_empty() {
        out.push(site.pages[index].id());
    } else {
        for c in numbered {
            leaves(site, c, out);
        }
    }
}
