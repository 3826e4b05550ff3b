//! The 「対応状況」 view of the template pages: the page gets the coverage data as a JSON data block
//! (for coverage.js) and the view's tables with the statuses of an empty answer file (what shows
//! without JS, and what coverage.js updates from the answers in localStorage).

use super::formats::counts;
use super::{ClauseStatus, CoverageData, Report, compute};
use crate::disclosure::{Templates, VIEW_ANCHOR};
use crate::capability::Capability;
use crate::content::Site;
use crate::mapping::{Mappings, Relationship};
use serde_json::{Value, json};

pub struct Coverage {
    /// (template name, page context) per template.
    views: Vec<(String, Value)>,
}

impl Coverage {
    pub fn new(site: &Site, mappings: &Mappings, templates: &Templates) -> Coverage {
        let views = templates
            .templates
            .iter()
            .map(|t| {
                let data = CoverageData::new(site, &mappings.rows, t);
                let report = compute(&data, &Default::default());
                (t.name.clone(), context(&data, &report))
            })
            .collect();
        Coverage { views }
    }
}

impl Capability for Coverage {
    fn page_context(&self, site: &Site, index: usize) -> Vec<(String, Value)> {
        let layout = site.pages[index].layout();
        self.views.iter().filter(|(name, _)| name == layout).map(|(_, v)| ("coverage".to_string(), v.clone())).collect()
    }
}

/// JSON that is safe inside `<script type="application/json">`: no `<`, `>` or `&` can end the
/// element or start a comment, and the line separators some parsers reject are escaped.
pub fn script_json(v: &impl serde::Serialize) -> String {
    serde_json::to_string(v)
        .expect("coverage data serialises")
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026")
        .replace('\u{2028}', "\\u2028")
        .replace('\u{2029}', "\\u2029")
}

fn status(s: ClauseStatus) -> Value {
    json!({ "token": s.token(), "label": s.label(), "symbol": s.symbol() })
}

fn context(data: &CoverageData, report: &Report) -> Value {
    let target = |id: &str| data.targets.iter().find(|t| t.id == id);
    let clauses: Vec<Value> = data
        .clauses
        .iter()
        .zip(&report.clauses)
        .map(|(d, c)| {
            let mapped: Vec<Value> = d
                .mapped
                .iter()
                .map(|m| {
                    let t = target(&m.id);
                    json!({
                        "id": m.id,
                        "label": t.map(|t| t.label.clone()),
                        "url": t.map(|t| t.url.clone()),
                        "corpus": t.map(|t| t.corpus.clone()),
                        "relationship": m.relationship.label(),
                        "none": m.relationship == Relationship::NoRelationship,
                        "inherited_label": m.inherited_label,
                    })
                })
                .collect();
            json!({ "id": d.id, "label": d.label, "url": d.url, "status": status(c.status), "counts": counts(&c.items), "total": c.items.len(), "mapped": mapped })
        })
        .collect();
    let mut groups: Vec<(String, Vec<Value>)> = Vec::new();
    for b in &report.by_target {
        let t = target(&b.id);
        let corpus = t.map(|t| t.corpus.clone()).unwrap_or_default();
        let via: Vec<Value> = b.via.iter().map(|v| json!({ "id": v, "label": data.clauses.iter().find(|c| &c.id == v).map(|c| c.label.clone()) })).collect();
        let row = json!({ "id": b.id, "label": t.map(|t| t.label.clone()), "url": t.map(|t| t.url.clone()), "status": status(b.status), "via": via });
        match groups.iter_mut().find(|(c, _)| *c == corpus) {
            Some((_, rows)) => rows.push(row),
            None => groups.push((corpus, vec![row])),
        }
    }
    let sections: Vec<Value> = report.sections.iter().map(|s| json!({ "id": s.id, "title": s.title, "status": status(s.status), "counts": counts(&s.items), "total": s.items.len() })).collect();
    let legend: Vec<Value> = ClauseStatus::ALL
        .iter()
        .zip(["対応する記入項目のすべてに回答", "一部の項目に回答", "項目はあるが回答なし（「無」「否」の回答を含む）", "この様式に対応する記入項目がない"])
        .map(|(s, text)| json!({ "status": status(*s), "text": text }))
        .collect();
    json!({
        "anchor": VIEW_ANCHOR,
        "data_json": script_json(data),
        "primary": data.labels.primary,
        "has_clauses": report.clauses.iter().any(|c| !c.items.is_empty()),
        "totals": report.totals,
        "legend": legend,
        "clauses": clauses,
        "target_groups": groups.into_iter().map(|(corpus, rows)| json!({ "corpus": corpus, "rows": rows })).collect::<Vec<_>>(),
        "sections": sections,
    })
}
