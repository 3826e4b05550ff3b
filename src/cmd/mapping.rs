//! `shishin mapping --from ID`: a clause's mappings in the terminal, both directions.

use crate::mapping::Mappings;
use crate::mapping::model::Row;
use crate::mapping::view::evidence_label;
use crate::content::Site;
use crate::content::load::{LoadOptions, load_site};
use crate::diagnostics::Diagnostics;
use serde_json::{Value, json};
use std::path::Path;
use std::process::ExitCode;

/// Run the subcommand: print the mappings of `id` (text or `--json`) and return the exit code.
pub fn cli(root: &Path, id: &str, as_json: bool) -> ExitCode {
    let (site, mappings) = match load(root) {
        Ok(v) => v,
        Err(d) => {
            eprintln!("{d}");
            return ExitCode::FAILURE;
        }
    };
    match lookup(&mappings, &site, id) {
        Some(v) if as_json => {
            println!("{}", serde_json::to_string_pretty(&v).expect("JSON values serialise"));
            ExitCode::SUCCESS
        }
        Some(v) => {
            print!("{}", text(&v));
            ExitCode::SUCCESS
        }
        None => {
            let help = match crate::suggest::did_you_mean(&crate::mapping::close_ids(&site, id)) {
                Some(s) => s,
                None => format!("use a clause id such as {}", example_ids(&site)),
            };
            eprintln!("error: unknown id `{id}`: no page of the site at {} has this id", root.display());
            eprintln!("  = help: {help}");
            ExitCode::FAILURE
        }
    }
}

fn load(root: &Path) -> Result<(Site, Mappings), Diagnostics> {
    let (site, errors) = load_site(root, &LoadOptions { include_drafts: false })?;
    errors.into_result()?;
    let mappings = Mappings::load(&site)?;
    Ok((site, mappings))
}

/// A few ids of mapped clauses, as examples in the help text.
fn example_ids(site: &Site) -> String {
    let ids: Vec<String> = site.config.corpora.iter().filter_map(|c| site.pages.iter().map(|p| p.id()).find(|id| id.starts_with(&format!("{}-", c.prefix)))).collect();
    if ids.is_empty() { "mic-3.2.1".to_string() } else { ids.join(", ") }
}

/// The mappings of `id` from its own point of view; None if no page has that id.
pub fn lookup(m: &Mappings, site: &Site, id: &str) -> Option<Value> {
    let page = site.page_by_id(id)?;
    let entry = |r: &Row, other: &str, forward: bool| {
        let p = site.page_by_id(other).expect("checked ids exist");
        let rel = if forward { r.relationship } else { r.relationship.inverse() };
        json!({
            "id": other,
            "label": p.label(),
            "url": site.absolute_url(&p.url),
            "relationship": rel.token(),
            "relationship_ja": rel.label(),
            "symbol": rel.symbol(),
            "confidence": r.confidence.token(),
            "confidence_ja": r.confidence.label(),
            "rationale": r.rationale,
            "evidence": r.evidence,
            "evidence_label": evidence_label(site, &r.evidence),
            "row": { "from": r.from, "to": r.to, "relationship": r.relationship.token() },
        })
    };
    let maps_to: Vec<Value> = m.rows_from(id).map(|r| entry(r, &r.to, true)).collect();
    let mapped_from: Vec<Value> = m.rows_to(id).map(|r| entry(r, &r.from, false)).collect();
    Some(json!({
        "id": id,
        "label": page.label(),
        "url": site.absolute_url(&page.url),
        "status": page.front.status,
        "maps_to": maps_to,
        "mapped_from": mapped_from,
    }))
}

fn text(v: &Value) -> String {
    let s = |v: &Value, k: &str| v[k].as_str().unwrap_or("").to_string();
    let mut out = format!("{}  {}\n{}\n", s(v, "id"), s(v, "label"), s(v, "url"));
    if v["status"] == "new" {
        out.push_str("新設（前の版・参照先の指針に対応する項目なし）\n");
    }
    for (key, heading) in [("maps_to", "対応する項目（この項目 → 相手）"), ("mapped_from", "対応元（相手 → この項目）")] {
        let items = v[key].as_array().cloned().unwrap_or_default();
        if items.is_empty() {
            out.push_str(&format!("\n{heading}: なし\n"));
            continue;
        }
        out.push_str(&format!("\n{heading}: {} 件\n", items.len()));
        for e in &items {
            out.push_str(&format!(
                "  {} {}  {}  {}\n      確度: {} ・ 根拠: {} ({}) ・ OSCAL: {}\n      理由: {}\n      {}\n",
                s(e, "symbol"),
                s(e, "relationship_ja"),
                s(e, "id"),
                s(e, "label"),
                s(e, "confidence_ja"),
                s(e, "evidence_label"),
                s(e, "evidence"),
                s(e, "relationship"),
                s(e, "rationale"),
                s(e, "url"),
            ));
        }
    }
    out
}
