//! Template data: the cross-reference lists of a clause page and the matrix page
//! (rows = clauses of the first guideline, columns = mapped clauses of the others).

use super::model::{Level, Relationship, Row};
use super::{Mappings, guideline_of, is_guideline_top};
use crate::content::{Page, Site, Status};
use serde_json::{Value, json};
use std::collections::{HashMap, HashSet};

/// Anchor of an entry on a clause page: `map-to-<other>` under 対応する項目, `map-from-<other>`
/// under 対応元. The matrix cells and the CLI link to these.
pub fn anchor_to(other: &str) -> String {
    format!("map-to-{other}")
}
pub fn anchor_from(other: &str) -> String {
    format!("map-from-{other}")
}

/// The label people see for a row's evidence.
pub fn evidence_label(site: &Site, key: &str) -> String {
    match site.data.source(key) {
        Some(s) => match &s.edition {
            Some(e) => format!("{} {e}", s.title),
            None => s.title.clone(),
        },
        None => "編集上の判断（出典に対応の記載なし）".to_string(),
    }
}

/// The label of the guideline a mapped id belongs to (`厚労省 安全管理GL 第5版`).
fn guideline_label(site: &Site, id: &str) -> Option<String> {
    let prefix = guideline_of(site, id)?;
    site.config.corpora.iter().find(|c| c.prefix == prefix).map(|c| c.label.clone())
}

fn corpus_prefix(site: &Site, id: &str) -> Option<String> {
    site.config.corpus_for_id(id).map(|(c, _)| c.prefix.clone())
}

fn index_of(site: &Site, id: &str) -> Option<usize> {
    site.by_id.get(id).copied()
}

/// The chapter of a clause: its outermost ancestor inside the same guideline (or itself).
fn chapter_of(site: &Site, index: usize) -> usize {
    site.ancestors(index).into_iter().find(|&a| corpus_prefix(site, &site.pages[a].id()).is_some()).unwrap_or(index)
}

fn depth_in_corpus(site: &Site, index: usize) -> usize {
    site.ancestors(index).into_iter().filter(|&a| corpus_prefix(site, &site.pages[a].id()).is_some()).count()
}

fn link(site: &Site, page: &Page) -> Value {
    let whole = is_guideline_top(site, &page.id());
    json!({
        "id": page.id(),
        "number": page.front.number,
        "title": page.front.title,
        "label": page.label(),
        // What a narrow column header shows: the number, else the title; a guideline's top page
        // (the target of a 新設 clause's `no-relationship` rows) stands for the whole guideline.
        "short": if whole { "全体".to_string() } else { page.front.number.clone().unwrap_or_else(|| page.front.title.clone()) },
        "whole": whole,
        "url": site.url_for(&page.url),
        "is_new": page.front.status == Some(Status::New),
    })
}

pub(crate) fn relationship_value(r: Relationship) -> Value {
    json!({ "token": r.token(), "label": r.label(), "symbol": r.symbol(), "description": r.description() })
}

pub(crate) fn level_value(l: Level) -> Value {
    json!({ "token": l.token(), "label": l.label() })
}

/// One entry of a clause page's lists, read from `this` page towards `other`.
fn entry(site: &Site, row: &Row, this: &str, other: &str, relationship: Relationship, anchor: String, other_anchor: String) -> Value {
    let page = site.page_by_id(other).expect("checked ids exist");
    let corpus = guideline_label(site, other);
    let source_url = site.data.source(&row.evidence).and_then(|s| s.url.clone());
    json!({
        "id": other,
        "label": page.label(),
        "whole": is_guideline_top(site, other),
        "url": site.url_for(&page.url),
        "other_href": format!("{}#{}", site.url_for(&page.url), other_anchor),
        "corpus": corpus,
        "anchor": anchor,
        "relationship": relationship_value(relationship),
        "stated": { "from": row.from, "to": row.to, "relationship": row.relationship.token() },
        "confidence": level_value(row.confidence),
        "rationale": row.rationale,
        "evidence": { "key": row.evidence, "label": evidence_label(site, &row.evidence), "url": source_url },
        "this": this,
    })
}

/// `mapping` for a clause page: what it maps to and what maps to it.
pub fn page_context(m: &Mappings, site: &Site, index: usize) -> Value {
    let page = &site.pages[index];
    let id = page.id();
    let maps_to: Vec<Value> = m
        .rows_from(&id)
        .map(|r| entry(site, r, &id, &r.to, r.relationship, anchor_to(&r.to), anchor_from(&id)))
        .collect();
    let mapped_from: Vec<Value> = m
        .rows_to(&id)
        .map(|r| entry(site, r, &id, &r.from, r.relationship.inverse(), anchor_from(&r.from), anchor_to(&id)))
        .collect();
    let matrix_url = m.matrix.as_ref().and_then(|mx| {
        let anchor = if mx.row_ids.contains(&id) {
            format!("m-{id}")
        } else if mx.column_ids.contains(&id) {
            format!("c-{id}")
        } else {
            return None;
        };
        Some(format!("{}#{anchor}", mx.page_url))
    });
    let is_new = page.front.status == Some(Status::New);
    // Every numbered clause of a guideline that the mapping covers gets the section, even
    // without rows (it then says so); home, glossary and the guidelines' own index pages do not.
    let prefix = corpus_prefix(site, &id);
    let is_clause = page.front.number.is_some()
        && prefix.as_ref().is_some_and(|p| m.rows.iter().any(|r| corpus_prefix(site, &r.from).as_ref() == Some(p) || corpus_prefix(site, &r.to).as_ref() == Some(p)));
    let coverage_url = match (&m.matrix, &prefix) {
        (Some(mx), Some(p)) => {
            let section = if is_new {
                "coverage-new".to_string()
            } else if mx.row_prefix == *p {
                "coverage-unmapped".to_string()
            } else {
                format!("coverage-{p}")
            };
            Some(format!("{}#{section}", mx.page_url))
        }
        _ => None,
    };
    // Without rows of its own a clause can still be covered through a parent or a child (the
    // matrix's coverage list counts those): say where its correspondences are instead.
    let (covered_by_parent, covered_by_children) = if is_clause && maps_to.is_empty() && mapped_from.is_empty() {
        // Rows that relate something: a 新設 clause's `no-relationship` rows toward a guideline's
        // top page cover none of that guideline's clauses.
        let relates = |r: &&Row| r.relationship != Relationship::NoRelationship;
        let has_rows = |i: usize| {
            let pid = site.pages[i].id();
            m.rows_from(&pid).any(|r| relates(&r)) || m.rows_to(&pid).any(|r| relates(&r))
        };
        let parent = site.ancestors(index).into_iter().rev().find(|&a| has_rows(a)).map(|a| link(site, &site.pages[a]));
        let children = parent.is_none()
            && m.rows.iter().filter(relates).flat_map(|r| [&r.from, &r.to]).filter_map(|rid| site.by_id.get(rid.as_str())).any(|&i| site.ancestors(i).contains(&index));
        (parent, children)
    } else {
        (None, false)
    };
    let (item_links, item_links_to) = super::items::page_item_links(&m.items, site, &id);
    json!({
        "id": id,
        "item_links": item_links,
        "item_links_to": item_links_to,
        "successors": successor_links(m, site, index),
        "covered_by_parent": covered_by_parent,
        "covered_by_children": covered_by_children,
        "maps_to": maps_to,
        "mapped_from": mapped_from,
        "matrix_url": matrix_url,
        "coverage_url": coverage_url,
        "is_clause": is_clause,
        "is_new": is_new,
    })
}

/// Where a clause of a replaced guideline went: the clauses of its successor corpora
/// (shishin.yaml `successor_of`) that its rows name, `no-relationship` left out. A clause without
/// such rows inherits its nearest ancestor's (`via` names that ancestor). Derived from the rows
/// only, so the superseded-edition notice never carries a hand-typed link.
fn successor_links(m: &Mappings, site: &Site, index: usize) -> Value {
    let Some(prefix) = corpus_prefix(site, &site.pages[index].id()) else { return json!([]) };
    let successors: Vec<String> = site.config.successors_of(&prefix).map(|c| c.prefix.clone()).collect();
    if successors.is_empty() {
        return json!([]);
    }
    let links_of = |i: usize| -> Vec<Value> {
        let id = site.pages[i].id();
        m.rows_from(&id)
            .map(|r| (&r.to, r.relationship, r.confidence))
            .chain(m.rows_to(&id).map(|r| (&r.from, r.relationship.inverse(), r.confidence)))
            .filter(|(other, rel, _)| *rel != Relationship::NoRelationship && corpus_prefix(site, other).is_some_and(|p| successors.contains(&p)))
            .map(|(other, rel, conf)| {
                let mut v = link(site, site.page_by_id(other).expect("checked ids exist"));
                v["corpus"] = json!(site.config.corpus_for_id(other).map(|(c, _)| c.label.clone()));
                v["relationship"] = relationship_value(rel);
                v["confidence"] = level_value(conf);
                v
            })
            .collect()
    };
    let own = links_of(index);
    if !own.is_empty() {
        return json!(own);
    }
    // A clause is in the successor wherever its nearest mapped ancestor is (e.g. 3.3.x under 3.3).
    for a in site.ancestors(index).into_iter().rev() {
        if corpus_prefix(site, &site.pages[a].id()).as_ref() != Some(&prefix) {
            continue;
        }
        let inherited = links_of(a);
        if !inherited.is_empty() {
            let via = link(site, &site.pages[a]);
            return json!(inherited.into_iter().map(|mut v| { v["via"] = via.clone(); v }).collect::<Vec<_>>());
        }
    }
    json!([])
}

/// The guideline whose clauses are the matrix rows (the primary guideline; MIC on the shipped
/// site): the first in shishin.yaml order that
/// appears as `from`; the others are the targets.
pub fn row_prefix(m: &Mappings, site: &Site) -> Option<String> {
    let from_prefixes: HashSet<String> = m.rows.iter().filter_map(|r| corpus_prefix(site, &r.from)).collect();
    site.config
        .corpora
        .iter()
        .map(|c| c.prefix.clone())
        .find(|p| from_prefixes.contains(p))
        .or_else(|| site.config.corpora.first().map(|c| c.prefix.clone()))
}

/// A row oriented from the row guideline's clause (`primary`) to the other clause.
struct Edge<'a> {
    primary: usize,
    other: usize,
    relationship: Relationship,
    row: &'a Row,
    /// The YAML row reads primary → other (false: it was written the other way round).
    forward: bool,
}

/// What page contexts need to know about the matrix (which anchors exist).
pub struct MatrixIndex {
    pub page_url: String,
    /// Prefix of the row guideline (the primary one).
    pub row_prefix: String,
    pub row_ids: HashSet<String>,
    pub column_ids: HashSet<String>,
    pub value: Value,
}

/// The matrix page's data; None when the site has no page with layout `matrix`.
pub fn matrix(m: &Mappings, site: &Site) -> Option<MatrixIndex> {
    let matrix_page = site.pages.iter().find(|p| p.layout() == "matrix")?;
    let page_url = site.url_for(&matrix_page.url);
    let row_prefix = row_prefix(m, site)?;
    let in_rows = |id: &str| corpus_prefix(site, id).as_deref() == Some(row_prefix.as_str());
    let edges = matrix_edges(m, site, &in_rows);
    let columns = matrix_columns(site, &edges);
    let rows = matrix_rows(site, &edges, &columns, &in_rows);
    let (legend, levels) = matrix_counts(&edges);
    let coverage = coverage(site, &edges, &row_prefix);
    let row_label = site.config.corpora.iter().find(|c| c.prefix == row_prefix).map(|c| c.label.clone()).unwrap_or_else(|| row_prefix.clone());
    let column_ids: HashSet<String> = columns.pages.iter().map(|&i| site.pages[i].id()).collect();
    let value = json!({
        "row_corpus": { "prefix": row_prefix, "label": row_label },
        "documents": columns.documents,
        "columns": columns.values,
        "rows": rows.values,
        "row_chapters": rows.chapters,
        "legend": legend,
        "levels": levels,
        "coverage": coverage,
        "downloads": matrix_downloads(m, site),
        "collection": m.collection,
        "last_modified": m.last_modified,
        "mapping_count": edges.len(),
        "row_count": m.rows.len(),
    });
    Some(MatrixIndex { page_url, row_prefix, row_ids: rows.ids, column_ids, value })
}

/// The mapping rows that touch the row guideline, each oriented from its clause there; a
/// consistent reverse row states the same fact again, so one cell shows it.
fn matrix_edges<'a>(m: &'a Mappings, site: &Site, in_rows: &dyn Fn(&str) -> bool) -> Vec<Edge<'a>> {
    let mut edges: Vec<Edge> = Vec::new();
    let mut seen: HashSet<(usize, usize)> = HashSet::new();
    for row in &m.rows {
        let (Some(f), Some(t)) = (index_of(site, &row.from), index_of(site, &row.to)) else { continue };
        let edge = if in_rows(&row.from) {
            Edge { primary: f, other: t, relationship: row.relationship, row, forward: true }
        } else if in_rows(&row.to) {
            Edge { primary: t, other: f, relationship: row.relationship.inverse(), row, forward: false }
        } else {
            continue; // between two other guidelines: exports and clause pages show it
        };
        if seen.insert((edge.primary, edge.other)) {
            edges.push(edge);
        }
    }
    edges
}

/// The matrix columns: the mapped clauses of the other guidelines.
struct Columns {
    /// Column pages in column order.
    pages: Vec<usize>,
    /// Page index → column.
    col_of: HashMap<usize, usize>,
    /// One header group per guideline, with its chapters.
    documents: Vec<Value>,
    /// One header cell per column.
    values: Vec<Value>,
}

/// Columns by guideline (shishin.yaml order), then reading order; grouped by chapter.
fn matrix_columns(site: &Site, edges: &[Edge]) -> Columns {
    let mut column_pages: Vec<usize> = edges.iter().map(|e| e.other).collect::<HashSet<_>>().into_iter().collect();
    let corpus_rank = |i: usize| {
        let p = guideline_of(site, &site.pages[i].id());
        site.config.corpora.iter().position(|c| Some(&c.prefix) == p.as_ref()).unwrap_or(usize::MAX)
    };
    column_pages.sort_by_key(|&i| (corpus_rank(i), i));
    let col_of: HashMap<usize, usize> = column_pages.iter().enumerate().map(|(c, &p)| (p, c)).collect();

    let mut documents: Vec<Value> = Vec::new();
    let mut columns: Vec<Value> = Vec::new();
    for corpus in &site.config.corpora {
        let cols: Vec<usize> = column_pages.iter().copied().filter(|&i| guideline_of(site, &site.pages[i].id()).as_deref() == Some(corpus.prefix.as_str())).collect();
        if cols.is_empty() {
            continue;
        }
        let mut chapters: Vec<(usize, Vec<usize>)> = Vec::new();
        for &i in &cols {
            let ch = chapter_of(site, i);
            match chapters.last_mut() {
                Some((c, members)) if *c == ch => members.push(i),
                _ => chapters.push((ch, vec![i])),
            }
        }
        let chapter_values: Vec<Value> = chapters
            .iter()
            .map(|(ch, members)| {
                let mut v = link(site, &site.pages[*ch]);
                v["span"] = json!(members.len());
                v["columns"] = json!(members.iter().map(|&i| col_of[&i]).collect::<Vec<_>>());
                v
            })
            .collect();
        for (ch, members) in &chapters {
            for &i in members {
                let mut v = link(site, &site.pages[i]);
                v["col"] = json!(col_of[&i]);
                v["chapter"] = json!(site.pages[*ch].id());
                v["doc"] = json!(corpus.prefix);
                v["doc_label"] = json!(corpus.label);
                columns.push(v);
            }
        }
        documents.push(json!({
            "prefix": corpus.prefix,
            "label": corpus.label,
            "span": cols.len(),
            "chapters": chapter_values,
        }));
    }
    Columns { pages: column_pages, col_of, documents, values: columns }
}

/// The matrix rows: their values, their ids and their chapters (with how many rows each).
struct Rows {
    values: Vec<Value>,
    ids: HashSet<String>,
    chapters: Vec<Value>,
}

/// Every numbered clause of the row guideline (and any mapped one), in reading order.
fn matrix_rows(site: &Site, edges: &[Edge], columns: &Columns, in_rows: &dyn Fn(&str) -> bool) -> Rows {
    let col_of = &columns.col_of;
    let mut by_primary: HashMap<usize, Vec<&Edge>> = HashMap::new();
    for e in edges {
        by_primary.entry(e.primary).or_default().push(e);
    }
    let mut rows: Vec<Value> = Vec::new();
    let mut row_ids = HashSet::new();
    let mut primary_chapters: Vec<(usize, usize)> = Vec::new(); // (chapter page, rows in it)
    for (i, page) in site.pages.iter().enumerate() {
        let id = page.id();
        if !in_rows(&id) || (page.front.number.is_none() && !by_primary.contains_key(&i)) {
            continue;
        }
        let chapter = chapter_of(site, i);
        match primary_chapters.last_mut() {
            Some((c, n)) if *c == chapter => *n += 1,
            _ => primary_chapters.push((chapter, 1)),
        }
        let mut mine: Vec<&Edge> = by_primary.get(&i).cloned().unwrap_or_default();
        mine.sort_by_key(|e| col_of[&e.other]);
        let mut cells: Vec<Value> = vec![Value::Null; columns.pages.len()];
        let mut list: Vec<Value> = Vec::new();
        for e in &mine {
            let cell = matrix_cell(site, e, col_of);
            cells[col_of[&e.other]] = cell.clone();
            list.push(cell);
        }
        let mut v = link(site, page);
        v["chapter"] = json!(site.pages[chapter].id());
        v["depth"] = json!(depth_in_corpus(site, i));
        v["cells"] = json!(cells);
        v["mappings"] = json!(list);
        row_ids.insert(id);
        rows.push(v);
    }
    let chapters: Vec<Value> = primary_chapters.iter().map(|(c, n)| {
        let mut v = link(site, &site.pages[*c]);
        v["rows"] = json!(n);
        v
    }).collect();
    Rows { values: rows, ids: row_ids, chapters }
}

/// One filled cell: the other clause, the relationship and links to both ends of the row.
fn matrix_cell(site: &Site, e: &Edge, col_of: &HashMap<usize, usize>) -> Value {
    let primary_page = &site.pages[e.primary];
    let other = &site.pages[e.other];
    let (primary_anchor, other_anchor) = if e.forward {
        (anchor_to(&other.id()), anchor_from(&primary_page.id()))
    } else {
        (anchor_from(&other.id()), anchor_to(&primary_page.id()))
    };
    json!({
        "col": col_of[&e.other],
        "other": link(site, other),
        "doc": guideline_of(site, &other.id()),
        // Which guideline the other clause belongs to: "6.3" exists in MHLW and METI.
        "doc_label": guideline_label(site, &other.id()),
        "chapter": site.pages[chapter_of(site, e.other)].id(),
        "relationship": relationship_value(e.relationship),
        "confidence": level_value(e.row.confidence),
        "rationale": e.row.rationale,
        "evidence": evidence_label(site, &e.row.evidence),
        "from_href": format!("{}#{primary_anchor}", site.url_for(&primary_page.url)),
        "to_href": format!("{}#{other_anchor}", site.url_for(&other.url)),
    })
}

/// The legend (relationships) and the confidence levels, each with how many cells use it.
fn matrix_counts(edges: &[Edge]) -> (Vec<Value>, Vec<Value>) {
    let legend: Vec<Value> = Relationship::ALL
        .iter()
        .map(|&r| {
            let mut v = relationship_value(r);
            v["count"] = json!(edges.iter().filter(|e| e.relationship == r).count());
            v
        })
        .collect();
    let levels: Vec<Value> = Level::ALL
        .iter()
        .map(|&l| {
            let mut v = level_value(l);
            v["count"] = json!(edges.iter().filter(|e| e.row.confidence == l).count());
            v
        })
        .collect();
    (legend, levels)
}

/// The export downloads the matrix page links (none without mapping rows).
fn matrix_downloads(m: &Mappings, site: &Site) -> Vec<Value> {
    if m.rows.is_empty() {
        return Vec::new();
    }
    super::export::DOWNLOADS
        .iter()
        .map(|d| json!({ "name": d.name, "label": d.label, "description": d.description, "url": site.url_for(&format!("/{}", d.path)) }))
        .collect()
}

/// Clauses without a counterpart: of the other guidelines (nothing maps to them, their
/// ancestors or descendants), and of the row guideline (unmapped; 新設 listed apart).
fn coverage(site: &Site, edges: &[Edge], row_prefix: &str) -> Value {
    let mut mapped: HashSet<usize> = HashSet::new();
    for e in edges.iter().filter(|e| e.relationship != Relationship::NoRelationship) {
        mapped.insert(e.primary);
        mapped.insert(e.other);
    }
    let mut has_mapped_descendant: HashSet<usize> = HashSet::new();
    for &m in &mapped {
        has_mapped_descendant.extend(site.ancestors(m));
    }
    let covered = |i: usize| mapped.contains(&i) || has_mapped_descendant.contains(&i) || site.ancestors(i).iter().any(|a| mapped.contains(a));
    let clause_pages = |prefix: &str| -> Vec<usize> {
        (0..site.pages.len())
            .filter(|&i| corpus_prefix(site, &site.pages[i].id()).as_deref() == Some(prefix) && site.pages[i].front.number.is_some())
            .collect()
    };
    let mut targets: Vec<Value> = Vec::new();
    for corpus in site.config.corpora.iter().filter(|c| c.prefix != row_prefix) {
        let items: Vec<Value> = clause_pages(&corpus.prefix).into_iter().filter(|&i| !covered(i)).map(|i| {
            let mut v = link(site, &site.pages[i]);
            v["depth"] = json!(depth_in_corpus(site, i));
            v
        }).collect();
        let total = clause_pages(&corpus.prefix).len();
        if total > 0 {
            targets.push(json!({ "prefix": corpus.prefix, "label": corpus.label, "items": items, "total": total }));
        }
    }
    let rows = clause_pages(row_prefix);
    let new_clauses: Vec<Value> = rows.iter().filter(|&&i| site.pages[i].front.status == Some(Status::New)).map(|&i| link(site, &site.pages[i])).collect();
    let unmapped_rows: Vec<Value> = rows
        .iter()
        .filter(|&&i| site.pages[i].front.status != Some(Status::New) && !covered(i))
        .map(|&i| link(site, &site.pages[i]))
        .collect();
    json!({ "targets": targets, "new_clauses": new_clauses, "unmapped_rows": unmapped_rows })
}
