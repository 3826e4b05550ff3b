//! Item rows (`items:` in mappings.yaml): how the entries of a fill-in template (the 開示書's
//! items in disclosure.yaml) correspond to the entries of a list in another guideline that are
//! not pages of their own (the successor's 表4-1). Clause rows relate pages; these relate an item
//! to one printed entry of a list on a page, so the correspondence is data, not prose only.

use super::check::{At, Judged, check_judgement};
use crate::content::ids::id_help;
use super::model::{ItemRow, RawItemRow};
use super::view::{evidence_label, level_value, relationship_value};
use crate::content::Site;
use crate::diagnostics::Diagnostics;
use serde_json::{Value, json};
use serde_saphyr::Spanned;
use std::collections::HashMap;

/// Where `from` is shown: (page id, label, anchor on that page).
type Side = (String, String, Option<String>);

/// Check every item row; returns the rows that passed and all problems found.
pub(crate) fn check_items(site: &Site, at: &At, raw: &[Spanned<RawItemRow>]) -> (Vec<ItemRow>, Diagnostics) {
    let mut errors = Diagnostics::default();
    if raw.is_empty() {
        return (Vec::new(), errors);
    }
    // A template that did not load is reported by the disclosure capability; a `from` that
    // misses while one is broken is a follow-up of it.
    let (templates, broken_template) = crate::disclosure::checked_templates(site);
    let mut items: HashMap<&str, Side> = HashMap::new();
    for t in &templates {
        for (item, label) in walk(&t.items, "") {
            items.insert(item.id.as_str(), (t.page.clone(), label, Some(item.id.clone())));
        }
    }
    let mut rows: Vec<ItemRow> = Vec::new();
    let mut seen: HashMap<(String, String, String), usize> = HashMap::new();
    for spanned in raw {
        let r = &spanned.value;
        let before = errors.len();
        let side: Option<Side> = match (items.get(r.from.value.as_str()), site.page_by_id(&r.from.value)) {
            (Some(side), _) => Some(side.clone()),
            (None, Some(page)) => Some((page.id(), page.label(), None)),
            (None, None) => {
                let known: Vec<&str> = items.keys().copied().collect();
                let help = crate::suggest::help(&r.from.value, &known, "use the id of a template item (disclosure.yaml / sla.yaml, e.g. disc-1-1) or of the template's page (e.g. mic-annex-disclosure)");
                errors.push(
                    at.diag(&r.from.referenced, format!("unknown item `{}` in `from`: no template item or page has this id", r.from.value))
                        .help(help)
                        .follows(broken_template.clone()),
                );
                None
            }
        };
        match site.page_by_id(&r.to.value) {
            None => {
                let help = id_help(site, &r.to.value, str::to_string, "use the id of the page that prints the list (e.g. prov11-4.1)");
                errors.push(at.diag(&r.to.referenced, format!("unknown id `{}` in `to`: no page has this id", r.to.value)).help(help).follows(site.broken_page(&r.to.value)));
            }
            Some(_) if site.config.corpus_for_id(&r.to.value).is_none() => {
                errors.push(at.diag(&r.to.referenced, format!("`{}` is not a clause of a guideline", r.to.value)).help("`to` is the clause page of another guideline that prints the list"));
            }
            Some(_) => {}
        }
        if r.to_item.value.trim().is_empty() {
            errors.push(at.diag(&r.to_item.referenced, "empty `to_item`").help("write the list entry as printed in the other guideline"));
        }
        let judgement = check_judgement(site, at, Judged { relationship: &r.relationship, rationale: &r.rationale, evidence: &r.evidence, confidence: &r.confidence }, &mut errors);
        let key = (r.from.value.clone(), r.to.value.clone(), r.to_item.value.trim().to_string());
        if !crate::diagnostics::followup::any_blocking(&errors.0[before..])
            && let Some(&line) = seen.get(&key)
        {
            errors.push(
                at.diag(&spanned.referenced, format!("duplicate item row: `{}` → `{}` 「{}」 is already mapped at line {line}", key.0, key.1, key.2))
                    .help("each pair of entries appears once; delete one of the rows"),
            );
        }
        let (Some((from_page, from_label, from_anchor)), Some(j)) = (side, judgement) else { continue };
        if crate::diagnostics::followup::any_blocking(&errors.0[before..]) {
            continue;
        }
        seen.insert(key, spanned.referenced.line() as usize);
        rows.push(ItemRow {
            from: r.from.value.clone(),
            to: r.to.value.clone(),
            to_item: r.to_item.value.trim().to_string(),
            relationship: j.relationship,
            rationale: j.rationale,
            evidence: j.evidence,
            confidence: j.confidence,
            from_page,
            from_label,
            from_anchor,
        });
    }
    (rows, errors)
}

/// Every node of an item tree, depth first, with the labels of its ancestors before its own
/// (`(1)⑤(a) 受託する医療情報に係るリスク分析の概要`): `①` alone is ambiguous across sections.
fn walk<'a>(items: &'a [crate::disclosure::Item], prefix: &str) -> Vec<(&'a crate::disclosure::Item, String)> {
    let mut out = Vec::new();
    for item in items {
        let labels = format!("{prefix}{}", item.label.as_deref().unwrap_or(""));
        let shown = if labels.is_empty() { item.title.clone() } else { format!("{labels} {}", item.title) };
        out.push((item, shown));
        out.extend(walk(&item.children, &labels));
    }
    out
}

/// One item row as a template value, read from the template's side.
fn entry(site: &Site, r: &ItemRow) -> Value {
    let from_page = site.page_by_id(&r.from_page).expect("checked ids exist");
    let to_page = site.page_by_id(&r.to).expect("checked ids exist");
    let from_url = site.url_for(&from_page.url);
    json!({
        "from": r.from,
        "from_label": r.from_label,
        "from_href": match &r.from_anchor { Some(a) => format!("{from_url}#{a}"), None => from_url },
        "whole": r.from_anchor.is_none(),
        "to": r.to,
        "to_label": to_page.label(),
        "to_href": site.url_for(&to_page.url),
        "to_corpus": site.config.corpus_for_id(&r.to).map(|(c, _)| c.label.clone()),
        "to_item": r.to_item,
        "relationship": relationship_value(r.relationship),
        // Read from the list's side (the `to` page).
        "inverse": relationship_value(r.relationship.inverse()),
        "confidence": level_value(r.confidence),
        "rationale": r.rationale,
        "evidence": { "key": r.evidence, "label": evidence_label(site, &r.evidence), "url": site.data.source(&r.evidence).and_then(|s| s.url.clone()) },
    })
}

/// `(item_links, item_links_to)` for page `id`: item rows whose template is shown on this page,
/// and item rows whose list is printed on it.
pub fn page_item_links(rows: &[ItemRow], site: &Site, id: &str) -> (Vec<Value>, Vec<Value>) {
    let here: Vec<Value> = rows.iter().filter(|r| r.from_page == id).map(|r| entry(site, r)).collect();
    let to_here: Vec<Value> = rows.iter().filter(|r| r.to == id).map(|r| entry(site, r)).collect();
    (here, to_here)
}

/// The rows for the JSON download, with labels and absolute URLs.
pub fn json_rows(rows: &[ItemRow], site: &Site) -> Vec<Value> {
    rows.iter()
        .map(|r| {
            let page = |id: &str| site.page_by_id(id).expect("checked ids exist");
            let from_url = site.absolute_url(&page(&r.from_page).url);
            let mut v = json!({
                "from": r.from,
                "from_label": r.from_label,
                "from_url": match &r.from_anchor { Some(a) => format!("{from_url}#{a}"), None => from_url },
                "to": r.to,
                "to_label": page(&r.to).label(),
                "to_url": site.absolute_url(&page(&r.to).url),
                "to_item": r.to_item,
            });
            super::export::add_judgement(&mut v, site, r.relationship, &r.rationale, &r.evidence, r.confidence);
            v
        })
        .collect()
}
