//! OSCAL 1.2.2 `mapping-collection` (JSON), field names per the metaschema
//! (src/metaschema/oscal_mapping_metaschema.xml, oscal_mapping-common_metaschema.xml):
//! metadata, provenance{method, matching-rationale, status, mapping-description}, one `mapping`
//! per (source guideline, target guideline) with source-/target-resource and `maps`.
//! UUIDs are v5 over a fixed namespace and the ids, so they are stable across builds.

use super::Mappings;
use super::model::Row;
use crate::content::Site;
use super::model::{MatchingRationale, Method, ProvenanceStatus};
use serde::Serialize;
use uuid::Uuid;

pub const OSCAL_VERSION: &str = "1.2.2";
/// Namespace of this site's own property names (`evidence`).
pub const PROP_NS: &str = "urn:shishin:mapping";

fn namespace() -> Uuid {
    Uuid::new_v5(&Uuid::NAMESPACE_URL, PROP_NS.as_bytes())
}

/// A deterministic UUID for a thing named by `parts` (ids, tokens).
pub fn uuid_for(parts: &[&str]) -> String {
    Uuid::new_v5(&namespace(), parts.join("\u{1f}").as_bytes()).to_string()
}

fn prefix(site: &Site, id: &str) -> String {
    super::guideline_of(site, id).unwrap_or_default()
}

// Structs rather than json! so the keys keep the metaschema's order (uuid, metadata, …).
#[derive(Serialize)]
struct Document {
    #[serde(rename = "mapping-collection")]
    mapping_collection: MappingCollection,
}

#[derive(Serialize)]
struct MappingCollection {
    uuid: String,
    metadata: Metadata,
    provenance: Provenance,
    mappings: Vec<Mapping>,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Metadata {
    title: String,
    last_modified: String,
    version: String,
    oscal_version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Provenance {
    method: Option<Method>,
    matching_rationale: Option<MatchingRationale>,
    status: Option<ProvenanceStatus>,
    mapping_description: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Mapping {
    uuid: String,
    source_resource: Resource,
    target_resource: Resource,
    maps: Vec<Map>,
}

#[derive(Serialize)]
struct Resource {
    #[serde(rename = "type")]
    kind: &'static str,
    href: String,
    remarks: String,
}

#[derive(Serialize)]
#[serde(rename_all = "kebab-case")]
struct Map {
    uuid: String,
    relationship: &'static str,
    sources: Vec<Item>,
    targets: Vec<Item>,
    confidence_score: ConfidenceScore,
    props: Vec<Prop>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    links: Vec<Link>,
    remarks: String,
}

#[derive(Serialize)]
struct Item {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(rename = "id-ref")]
    id_ref: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    remarks: Option<String>,
}

/// A mapped id as an OSCAL item. A guideline's top page (the target of a 新設 clause's
/// `no-relationship` row) stands for the whole catalog, which the remarks say.
fn item(site: &Site, id: &str) -> Item {
    let remarks = super::is_guideline_top(site, id).then(|| format!("{id}: 指針全体（個々の項目ではなく、この指針に対応する項目がないことを示す）"));
    Item { kind: "control", id_ref: id.to_string(), remarks }
}

#[derive(Serialize)]
struct ConfidenceScore {
    category: &'static str,
}

#[derive(Serialize)]
struct Prop {
    name: &'static str,
    ns: &'static str,
    value: String,
}

#[derive(Serialize)]
struct Link {
    href: String,
    rel: &'static str,
}

/// The guideline as an OSCAL resource reference: its root page on this site.
fn resource(site: &Site, prefix: &str) -> Resource {
    let corpus = site.config.corpora.iter().find(|c| c.prefix == prefix);
    let href = match site.page_by_id(prefix) {
        Some(p) => site.absolute_url(&p.url),
        None => site.absolute_url(&format!("/{prefix}/")),
    };
    Resource { kind: "catalog", href, remarks: corpus.map(|c| c.label.clone()).unwrap_or_else(|| prefix.to_string()) }
}

fn map(site: &Site, r: &Row) -> Map {
    Map {
        uuid: uuid_for(&["map", &r.from, &r.to]),
        relationship: r.relationship.token(),
        sources: vec![item(site, &r.from)],
        targets: vec![item(site, &r.to)],
        confidence_score: ConfidenceScore { category: r.confidence.token() },
        props: vec![Prop { name: "evidence", ns: PROP_NS, value: r.evidence.clone() }],
        links: site.data.source(&r.evidence).and_then(|s| s.url.clone()).map(|href| Link { href: href.into(), rel: "reference" }).into_iter().collect(),
        remarks: r.rationale.clone(),
    }
}

/// The OSCAL document as pretty JSON bytes (key order as in the metaschema).
pub fn collection_json(m: &Mappings, site: &Site) -> Vec<u8> {
    // One `mapping` per (source, target) guideline pair, in shishin.yaml order.
    let rank = |p: &str| site.config.corpora.iter().position(|c| c.prefix == p).unwrap_or(usize::MAX);
    let mut pairs: Vec<(String, String)> = Vec::new();
    for r in &m.rows {
        let pair = (prefix(site, &r.from), prefix(site, &r.to));
        if !pairs.contains(&pair) {
            pairs.push(pair);
        }
    }
    pairs.sort_by_key(|(a, b)| (rank(a), rank(b)));
    let mappings: Vec<Mapping> = pairs
        .iter()
        .map(|(src, tgt)| Mapping {
            uuid: uuid_for(&["mapping", src, tgt]),
            source_resource: resource(site, src),
            target_resource: resource(site, tgt),
            maps: m.rows.iter().filter(|r| &prefix(site, &r.from) == src && &prefix(site, &r.to) == tgt).map(|r| map(site, r)).collect(),
        })
        .collect();
    let c = m.collection.as_ref();
    let title = c.map(|c| c.title.clone()).unwrap_or_default();
    let version = c.map(|c| c.version.clone()).unwrap_or_default();
    let doc = Document {
        mapping_collection: MappingCollection {
            uuid: uuid_for(&["mapping-collection", &title, &version]),
            metadata: Metadata { title, last_modified: m.last_modified.clone(), version, oscal_version: OSCAL_VERSION },
            provenance: Provenance {
                method: c.map(|c| c.method),
                matching_rationale: c.map(|c| c.matching_rationale),
                status: c.map(|c| c.status),
                mapping_description: c.map(|c| c.description.clone()).unwrap_or_default(),
            },
            mappings,
        },
    };
    let mut out = serde_json::to_vec_pretty(&doc).expect("OSCAL document serialises");
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uuids_are_v5_and_stable() {
        let a = uuid_for(&["map", "mic-3.2.1", "mhlw5-6.3"]);
        assert_eq!(a, uuid_for(&["map", "mic-3.2.1", "mhlw5-6.3"]));
        assert_ne!(a, uuid_for(&["map", "mhlw5-6.3", "mic-3.2.1"]));
        assert_eq!(Uuid::parse_str(&a).unwrap().get_version_num(), 5);
    }
}
