//! Checks mappings.yaml against the site: ids exist and belong to different guidelines, tokens
//! are known, evidence names a source, and no pair is mapped twice or contradicts itself.
//! Every problem becomes a diagnostic at the offending row's position.

use super::model::{EDITORIAL, Level, RawRow, Relationship, Row};
use super::{guideline_of, is_guideline_top};
use crate::content::{Site, Status};
use crate::diagnostics::{Diagnostic, Diagnostics};
use serde_saphyr::{Location, Spanned};
use crate::content::ids::id_help;
use std::collections::HashMap;
use std::path::Path;

/// Where a value sits in the file, as a diagnostic.
pub(crate) struct At<'a> {
    pub file: &'a Path,
    pub text: &'a str,
}

impl At<'_> {
    pub fn diag(&self, loc: &Location, message: impl Into<String>) -> Diagnostic {
        crate::yaml::diagnostic_at(self.file, self.text, loc, message)
    }
}

/// Check every row; returns the rows that passed and all problems found.
pub(crate) fn check_rows(site: &Site, at: &At, raw: &[Spanned<RawRow>]) -> (Vec<Row>, Diagnostics) {
    let mut errors = Diagnostics::default();
    let mut rows = Vec::new();
    for spanned in raw {
        // A row's own position is its first key; fall back to `from` if the parser gave none.
        let row_loc = if spanned.referenced.line() > 0 { spanned.referenced } else { spanned.value.from.referenced };
        if let Some(row) = check_row(site, at, &spanned.value, row_loc, &mut errors) {
            rows.push(row);
        }
    }
    check_pairs(at, &rows, &mut errors);
    check_whole_guideline_rows(site, at, &rows, &mut errors);
    check_new_clauses(site, &rows, &mut errors);
    (rows, errors)
}

/// `A no-relationship <guideline top page>` says nothing in that guideline corresponds to A, so a
/// row relating A to one of that guideline's clauses contradicts it.
fn check_whole_guideline_rows(site: &Site, at: &At, rows: &[Row], errors: &mut Diagnostics) {
    for whole in rows.iter().filter(|r| r.relationship == Relationship::NoRelationship && is_guideline_top(site, &r.to)) {
        let in_it = |id: &str| id != whole.to && guideline_of(site, id).as_deref() == Some(whole.to.as_str());
        for row in rows.iter().filter(|r| (r.from == whole.from && in_it(&r.to)) || (r.to == whole.from && in_it(&r.from))) {
            let other = if row.from == whole.from { &row.to } else { &row.from };
            errors.push(
                Diagnostic::new(at.file, row.line, row.column, format!("contradiction: line {} says `{}` has no counterpart anywhere in `{}`, but this row relates it to `{other}`", whole.line, whole.from, whole.to))
                    .with_source(at.text)
                    .help(format!("delete this row, or the `no-relationship` row toward `{}` if `{other}` does correspond", whole.to)),
            );
        }
    }
}

/// A 新設 clause (`status: new`) has a row toward each guideline its own guideline is mapped to —
/// `no-relationship` toward the guideline's top page where nothing corresponds — so that the
/// matrix and every export list it (conventions.md). The error points at the clause's `status`.
fn check_new_clauses(site: &Site, rows: &[Row], errors: &mut Diagnostics) {
    for page in site.pages.iter().filter(|p| p.front.status == Some(Status::New)) {
        let id = page.id();
        let Some(own) = guideline_of(site, &id) else { continue };
        let mut targets: Vec<String> = Vec::new();
        for r in rows.iter().filter(|r| guideline_of(site, &r.from).as_ref() == Some(&own)) {
            if let Some(t) = guideline_of(site, &r.to)
                && t != own
                && !targets.contains(&t)
            {
                targets.push(t);
            }
        }
        for target in targets {
            let in_target = |other: &str| guideline_of(site, other).as_ref() == Some(&target);
            let stated = rows.iter().any(|r| (r.from == id && in_target(&r.to)) || (r.to == id && in_target(&r.from)));
            if !stated {
                errors.push(
                    Diagnostic::at_offset(&page.file, &page.source, page.value_offset("status"), format!("新設 clause `{id}` has no row toward `{target}`"))
                        .help(format!(
                            "add `- {{ from: {id}, to: {target}, relationship: no-relationship, rationale: …, evidence: …, confidence: … }}` to content/data/mappings.yaml (or a row to the `{target}` clause that corresponds), so that the matrix and every export list the clause"
                        ))
                        // Its row toward a guideline whose top page failed to load was left out.
                        .follows(site.broken_page(&target)),
                );
            }
        }
    }
}

fn check_row(site: &Site, at: &At, raw: &RawRow, row_loc: Location, errors: &mut Diagnostics) -> Option<Row> {
    let before = errors.len();
    let relationship = Relationship::parse(&raw.relationship.value);
    for (key, value, other) in [("from", &raw.from, &raw.to), ("to", &raw.to, &raw.from)] {
        if site.page_by_id(&value.value).is_none() {
            let help = id_help(site, &value.value, str::to_string, "use the `id` of an existing clause page; `shishin mapping --from ID` shows a clause's mappings");
            errors.push(at.diag(&value.referenced, format!("unknown id `{}` in `{key}`: no page has this id", value.value)).help(help).follows(site.broken_page(&value.value)));
        } else if relationship.is_some_and(|r| r != Relationship::NoRelationship) && is_guideline_top(site, &value.value) {
            errors.push(
                at.diag(&value.referenced, format!("`{}` in `{key}` is a whole guideline (its top page); a row toward a whole guideline can only say `no-relationship`", value.value))
                    .help("map the clause that corresponds (e.g. mhlw5-6.3), or use `relationship: no-relationship` to say the clause has no counterpart in that guideline"),
            );
        } else if site.page_by_id(&value.value).is_some_and(|p| p.front.status == Some(Status::New))
            && !new_clause_may_map(site, &value.value, &other.value, relationship)
        {
            // 新設 means "no counterpart" in the guidelines before it (conventions.md); a row would
            // say the opposite. A `no-relationship` row says the same, and a successor may carry it on.
            errors.push(
                at.diag(&value.referenced, format!("`{}` in `{key}` is marked `status: new` (新設), so it has no counterpart to map", value.value))
                    .help("write `relationship: no-relationship`, map it only to a successor guideline (shishin.yaml `successor_of`), or remove `status: new` from the clause's front matter if it does correspond"),
            );
        }
    }
    if raw.from.value == raw.to.value {
        errors.push(at.diag(&row_loc, format!("`{}` is mapped to itself", raw.from.value)).help("a row relates two different clauses; fix `from` or `to`"));
    } else if errors.len() == before {
        let corpus = |id: &str| guideline_of(site, id);
        let prefixes = site.config.corpora.iter().map(|c| c.prefix.as_str()).collect::<Vec<_>>().join(", ");
        match (corpus(&raw.from.value), corpus(&raw.to.value)) {
            (None, _) => errors.push(
                at.diag(&raw.from.referenced, format!("`{}` is not a clause of a guideline", raw.from.value))
                    .help(format!("map clause pages whose id starts with a corpus prefix of shishin.yaml ({prefixes})")),
            ),
            (_, None) => errors.push(
                at.diag(&raw.to.referenced, format!("`{}` is not a clause of a guideline", raw.to.value))
                    .help(format!("map clause pages whose id starts with a corpus prefix of shishin.yaml ({prefixes})")),
            ),
            (Some(a), Some(b)) if a == b => errors.push(
                at.diag(&row_loc, format!("`{}` and `{}` are in the same guideline (`{a}`)", raw.from.value, raw.to.value))
                    .help("the mapping relates clauses of different guidelines; link clauses of one guideline with [[id]] in the text"),
            ),
            _ => {}
        }
    }
    let judgement = check_judgement(site, at, Judged { relationship: &raw.relationship, rationale: &raw.rationale, evidence: &raw.evidence, confidence: &raw.confidence }, errors);
    if crate::diagnostics::followup::any_blocking(&errors.0[before..]) {
        return None;
    }
    let j = judgement?;
    Some(Row {
        from: raw.from.value.clone(),
        to: raw.to.value.clone(),
        relationship: j.relationship,
        rationale: j.rationale,
        evidence: j.evidence,
        confidence: j.confidence,
        line: row_loc.line() as usize,
        column: row_loc.column() as usize,
    })
}

/// The four values of a row that state a judgement, as written.
pub(crate) struct Judged<'a> {
    pub relationship: &'a Spanned<String>,
    pub rationale: &'a Spanned<String>,
    pub evidence: &'a Spanned<String>,
    pub confidence: &'a Spanned<String>,
}

/// The same four values, checked.
pub(crate) struct Judgement {
    pub relationship: Relationship,
    pub rationale: String,
    pub evidence: String,
    pub confidence: Level,
}

/// Tokens are known, evidence names a source (or `editorial`) and the rationale is not empty;
/// shared by clause rows and item rows. Problems go to `errors`; None if any was found.
pub(crate) fn check_judgement(site: &Site, at: &At, raw: Judged, errors: &mut Diagnostics) -> Option<Judgement> {
    let before = errors.len();
    let relationship = Relationship::parse(&raw.relationship.value);
    if relationship.is_none() {
        let tokens: Vec<&str> = Relationship::ALL.iter().map(|r| r.token()).collect();
        let (message, help) = crate::plain::bad_value("relationship", &raw.relationship.value, &tokens);
        let labels = Relationship::ALL.iter().map(|r| format!("{} = {}", r.token(), r.label())).collect::<Vec<_>>().join(", ");
        errors.push(at.diag(&raw.relationship.referenced, message).help(format!("{help}; the OSCAL tokens read {labels}")));
    }
    let confidence = Level::parse(&raw.confidence.value);
    if confidence.is_none() {
        let tokens: Vec<&str> = Level::ALL.iter().map(|l| l.token()).collect();
        let (message, help) = crate::plain::bad_value("confidence", &raw.confidence.value, &tokens);
        errors.push(at.diag(&raw.confidence.referenced, message).help(help));
    }
    let evidence = raw.evidence.value.trim();
    if evidence != EDITORIAL && site.data.source(evidence).is_none() {
        let mut keys: Vec<&str> = site.data.sources.iter().map(|s| s.key.as_str()).collect();
        keys.push(EDITORIAL);
        let otherwise = format!("`evidence` is a key of content/data/sources.yaml or `{EDITORIAL}`");
        errors.push(
            at.diag(&raw.evidence.referenced, format!("unknown evidence `{evidence}`"))
                .help(crate::suggest::help(evidence, &keys, otherwise))
                .follows(site.data.broken("sources.yaml")),
        );
    }
    if raw.rationale.value.trim().is_empty() {
        errors.push(at.diag(&raw.rationale.referenced, "empty rationale").help("say in your own words why the clauses relate this way"));
    }
    if crate::diagnostics::followup::any_blocking(&errors.0[before..]) {
        return None;
    }
    Some(Judgement {
        relationship: relationship?,
        rationale: raw.rationale.value.trim().to_string(),
        evidence: evidence.to_string(),
        confidence: confidence?,
    })
}

/// A 新設 clause (`status: new`) has no counterpart in the guidelines it was compared with, so
/// its rows may only say `no-relationship` — except toward a guideline that replaced its own
/// (shishin.yaml `successor_of`), where the new topic can live on.
fn new_clause_may_map(site: &Site, new_id: &str, other_id: &str, relationship: Option<Relationship>) -> bool {
    if relationship == Some(Relationship::NoRelationship) {
        return true;
    }
    let prefix = |id: &str| site.config.corpus_for_id(id).map(|(c, _)| c.prefix.clone());
    match (prefix(new_id), prefix(other_id)) {
        (Some(own), Some(other)) => site.config.successors_of(&own).any(|c| c.prefix == other),
        _ => false,
    }
}

/// One pair of clauses has one relationship: a second row for the same pair repeats or
/// contradicts the first, and a reverse row must state the inverse relationship.
fn check_pairs(at: &At, rows: &[Row], errors: &mut Diagnostics) {
    let mut first: HashMap<(&str, &str), &Row> = HashMap::new();
    for row in rows {
        let key = if row.from < row.to { (row.from.as_str(), row.to.as_str()) } else { (row.to.as_str(), row.from.as_str()) };
        let Some(prev) = first.get(&key).copied() else {
            first.insert(key, row);
            continue;
        };
        let diag = |msg: String| Diagnostic::new(at.file, row.line, row.column, msg).with_source(at.text);
        let same_direction = prev.from == row.from;
        if same_direction && prev.relationship == row.relationship {
            errors.push(
                diag(format!("duplicate row: `{}` → `{}` is already mapped at line {}", row.from, row.to, prev.line))
                    .help("each pair of clauses appears once; delete one of the rows"),
            );
        } else if same_direction {
            let what = if prev.relationship == Relationship::NoRelationship || row.relationship == Relationship::NoRelationship {
                "`no-relationship` cannot stand beside another relationship"
            } else {
                "one pair has one relationship"
            };
            errors.push(
                diag(format!(
                    "contradiction: `{}` → `{}` is `{}` here but `{}` at line {}; {what}",
                    row.from,
                    row.to,
                    row.relationship.token(),
                    prev.relationship.token(),
                    prev.line
                ))
                .help("keep the row with the right relationship and delete the other"),
            );
        } else if row.relationship != prev.relationship.inverse() {
            errors.push(
                diag(format!(
                    "contradiction: line {} says `{}` {} `{}`, so `{}` → `{}` must be `{}`, not `{}`",
                    prev.line,
                    prev.from,
                    prev.relationship.token(),
                    prev.to,
                    row.from,
                    row.to,
                    prev.relationship.inverse().token(),
                    row.relationship.token()
                ))
                .help("a row already states the relationship in both directions; delete this reverse row or fix one of them"),
            );
        }
    }
}
