//! Clause mappings: content/data/mappings.yaml (MIC ↔ MHLW 第5版 ↔ METI 第2版) → checks,
//! cross-references on every clause page, the matrix page, and CSV/XLSX/JSON/OSCAL downloads.
//!
//! The YAML file is the one source of truth; everything else is derived from it at build time.

mod check;
pub mod export;
mod items;
pub mod model;
pub mod oscal;
pub mod view;

pub use crate::content::ids::close_ids;
pub use model::{Collection, ItemRow, Level, Relationship, Row};

use crate::capability::Capability;
use crate::content::Site;
use crate::content::data::{DATA_DIR, read_data_file};
use crate::diagnostics::Diagnostics;
use crate::output::OutputFiles;
use std::ffi::OsStr;
use std::sync::LazyLock;
use model::MappingFile;
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

pub const FILE_NAME: &str = "mappings.yaml";

/// The guideline (corpus prefix) a mapped id belongs to: a clause's corpus, or the guideline
/// itself when `id` is its top page (`mhlw5`). A 新設 clause's `no-relationship` rows point at
/// the top page: the clause has no counterpart anywhere in that guideline.
pub(crate) fn guideline_of(site: &Site, id: &str) -> Option<String> {
    site.config.corpus_for_id(id).map(|(c, _)| c.prefix.clone()).or_else(|| is_guideline_top(site, id).then(|| id.to_string()))
}

/// `id` is the top page of a guideline (its id is a corpus prefix).
pub(crate) fn is_guideline_top(site: &Site, id: &str) -> bool {
    site.config.corpora.iter().any(|c| c.prefix == id)
}

pub struct Mappings {
    /// None when the site has no mappings.yaml (then there are no rows and no downloads).
    pub collection: Option<Collection>,
    /// Checked rows in file order.
    pub rows: Vec<Row>,
    /// Checked item rows (`items:`) in file order.
    pub items: Vec<ItemRow>,
    /// OSCAL `last-modified` (RFC 3339): the collection's `last_modified`, else the last git
    /// commit of mappings.yaml, else the newest page `updated` — never the build time.
    pub last_modified: String,
    /// content/data/mappings.yaml, relative to the site root (for diagnostics).
    pub file: PathBuf,
    by_from: HashMap<String, Vec<usize>>,
    by_to: HashMap<String, Vec<usize>>,
    matrix: Option<view::MatrixIndex>,
}

impl Mappings {
    /// Read and check mappings.yaml. All problems come back at once, each at file:line:col.
    pub fn load(site: &Site) -> Result<Mappings, Diagnostics> {
        let file = Path::new(DATA_DIR).join(FILE_NAME);
        let Some((parsed, text)) = read_data_file::<MappingFile>(&site.root, FILE_NAME).map_err(Diagnostics::from)? else {
            return Ok(Mappings::from_rows(site, None, (Vec::new(), Vec::new()), file, fallback_date(site)));
        };
        let at = check::At { file: &file, text: &text };
        let (rows, mut errors) = check::check_rows(site, &at, &parsed.mappings);
        let (items, item_errors) = items::check_items(site, &at, &parsed.items);
        errors.extend(item_errors.0);
        let last_modified = match &parsed.collection.last_modified {
            Some(v) => match normalise_datetime(&v.value) {
                Some(d) => d,
                None => {
                    errors.push(
                        at.diag(&v.referenced, format!("`last_modified: {}` is not a date", v.value))
                            .help("write YYYY-MM-DD or an RFC 3339 date-time such as 2024-05-01T09:00:00+09:00"),
                    );
                    String::new()
                }
            },
            None => git_date(&site.root, &file).unwrap_or_else(|| fallback_date(site)),
        };
        errors.sorted().into_result()?;
        Ok(Mappings::from_rows(site, Some(parsed.collection), (rows, items), file, last_modified))
    }

    fn from_rows(site: &Site, collection: Option<Collection>, (rows, items): (Vec<Row>, Vec<ItemRow>), file: PathBuf, last_modified: String) -> Mappings {
        let mut by_from: HashMap<String, Vec<usize>> = HashMap::new();
        let mut by_to: HashMap<String, Vec<usize>> = HashMap::new();
        for (i, r) in rows.iter().enumerate() {
            by_from.entry(r.from.clone()).or_default().push(i);
            by_to.entry(r.to.clone()).or_default().push(i);
        }
        let mut m = Mappings { collection, rows, items, last_modified, file, by_from, by_to, matrix: None };
        m.matrix = view::matrix(&m, site);
        m
    }

    /// Rows whose `from` is `id`, in file order.
    pub fn rows_from<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a Row> + 'a {
        self.by_from.get(id).into_iter().flatten().map(|&i| &self.rows[i])
    }
    /// Rows whose `to` is `id`, in file order.
    pub fn rows_to<'a>(&'a self, id: &str) -> impl Iterator<Item = &'a Row> + 'a {
        self.by_to.get(id).into_iter().flatten().map(|&i| &self.rows[i])
    }

    /// `mapping` for a page's template: `maps_to` (対応する項目) and `mapped_from` (対応元).
    pub fn page_context(&self, site: &Site, index: usize) -> Value {
        view::page_context(self, site, index)
    }

    /// `matrix` for the page with layout `matrix` (None when the site has no such page).
    pub fn matrix_context(&self) -> Option<&Value> {
        self.matrix.as_ref().map(|m| &m.value)
    }

    /// The downloads under `downloads/` (nothing when there are no rows).
    pub fn write_exports(&self, site: &Site, files: &mut OutputFiles) -> Result<(), Diagnostics> {
        export::write_all(self, site, files)
    }
}

impl Capability for Mappings {
    fn page_context(&self, site: &Site, index: usize) -> Vec<(String, Value)> {
        let mut out = vec![("mapping".to_string(), Mappings::page_context(self, site, index))];
        if site.pages[index].layout() == "matrix"
            && let Some(m) = self.matrix_context()
        {
            out.push(("matrix".to_string(), m.clone()));
        }
        out
    }
    fn write_files(&self, site: &Site, files: &mut OutputFiles) -> Result<(), Diagnostics> {
        self.write_exports(site, files)
    }
}

/// `YYYY-MM-DD` → midnight UTC; RFC 3339 date-times pass unchanged. None if neither.
fn normalise_datetime(s: &str) -> Option<String> {
    static DATE: LazyLock<regex::Regex> = LazyLock::new(|| regex::Regex::new(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$").expect("valid regex"));
    static DATETIME: LazyLock<regex::Regex> = LazyLock::new(|| {
        regex::Regex::new(r"^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]\d{2}:\d{2})$").expect("valid regex")
    });
    let (date, datetime) = (&*DATE, &*DATETIME);
    let s = s.trim();
    if date.is_match(s) {
        Some(format!("{s}T00:00:00Z"))
    } else if datetime.is_match(s) {
        Some(s.to_string())
    } else {
        None
    }
}

/// Committer date of the last commit that touched the file (None outside git or if untracked).
fn git_date(root: &Path, file: &Path) -> Option<String> {
    let out = crate::git::output(root, [OsStr::new("log"), OsStr::new("-1"), OsStr::new("--format=%cI"), OsStr::new("--"), file.as_os_str()])?;
    let s = out.trim();
    (!s.is_empty()).then_some(s).and_then(normalise_datetime)
}

/// Newest page `updated` date, else the Unix epoch: reproducible even outside git.
fn fallback_date(site: &Site) -> String {
    site.pages
        .iter()
        .filter_map(|p| p.updated.as_deref())
        .filter_map(normalise_datetime)
        .max()
        .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_normalise_to_rfc3339() {
        assert_eq!(normalise_datetime("2024-05-01").as_deref(), Some("2024-05-01T00:00:00Z"));
        assert_eq!(normalise_datetime("2024-05-01T09:30:00+09:00").as_deref(), Some("2024-05-01T09:30:00+09:00"));
        assert_eq!(normalise_datetime("2024-13-01"), None);
        assert_eq!(normalise_datetime("yesterday"), None);
    }
}
