//! Data files under content/data/ that the core reads: sources, outline, requirements, glossary.
//! (mappings.yaml belongs to `mapping`, disclosure.yaml / sla.yaml to `disclosure`.)

use crate::diagnostics::{Diagnostic, Diagnostics};
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

pub const DATA_DIR: &str = "content/data";

#[derive(Debug, Clone, Default, Serialize)]
pub struct Data {
    pub sources: Vec<Source>,
    pub outline: Option<Outline>,
    pub requirements: Vec<Requirement>,
    pub glossary: Vec<Term>,
    /// Text of each data file read, keyed by path relative to the root, for diagnostics.
    #[serde(skip)]
    pub texts: Vec<(PathBuf, String)>,
    /// Data files that exist but could not be read: their error is reported once, and checks
    /// that look things up in them stay quiet instead of reporting every reference as unknown.
    #[serde(skip)]
    pub failed: Vec<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Source {
    pub key: String,
    pub title: String,
    #[serde(default)]
    pub edition: Option<String>,
    #[serde(default)]
    pub publisher: Option<String>,
    #[serde(default)]
    pub date: Option<String>,
    /// Checked against the link rule while reading (crate::url_policy).
    #[serde(default)]
    pub url: Option<crate::url_policy::SafeUrl>,
    #[serde(default)]
    pub license: Option<String>,
    #[serde(default)]
    pub superseded_by: Option<String>,
    #[serde(default)]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Outline {
    pub required: Vec<OutlineEntry>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct OutlineEntry {
    pub id: String,
    #[serde(default)]
    pub title: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Addressee {
    Provider,
    Institution,
    Both,
}
crate::plain::token_enum!(Addressee { Provider = "provider", Institution = "institution", Both = "both" });

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    pub id: String,
    pub clause: String,
    pub title: String,
    pub addressee: Addressee,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub confidence: Option<crate::content::model::Confidence>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Term {
    pub id: String,
    pub term: String,
    #[serde(default)]
    pub reading: Option<String>,
    pub definition: String,
    #[serde(default)]
    pub see: Vec<String>,
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SourcesFile {
    sources: Vec<Source>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RequirementsFile {
    requirements: Vec<Requirement>,
}
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct GlossaryFile {
    terms: Vec<Term>,
}

/// Read and parse one data file if it exists. Returns the text too, for later diagnostics.
pub fn read_data_file<T: serde::de::DeserializeOwned>(root: &Path, name: &str) -> Result<Option<(T, String)>, Diagnostic> {
    let rel = Path::new(DATA_DIR).join(name);
    let path = root.join(&rel);
    if !path.exists() {
        return Ok(None);
    }
    let text = crate::site_fs::read_text(root, &rel)?;
    let value = crate::yaml::parse(&rel, &text, 0).map_err(|d| d.with_source(&text))?;
    Ok(Some((value, text)))
}

/// Byte offset of the first occurrence of `needle` in a data file's text (for diagnostics).
pub fn locate(text: &str, needle: &str) -> usize {
    text.find(needle).unwrap_or(0)
}

/// Every data file that parses is kept; each one that does not adds its error and its name
/// to `failed`.
pub fn load(root: &Path) -> (Data, Diagnostics) {
    let mut data = Data::default();
    let mut errors = Diagnostics::default();
    if let Some(f) = read_into::<SourcesFile>(root, "sources.yaml", &mut data, &mut errors) {
        data.sources = f.sources;
    }
    data.outline = read_into::<Outline>(root, "outline.yaml", &mut data, &mut errors);
    if let Some(f) = read_into::<RequirementsFile>(root, "requirements.yaml", &mut data, &mut errors) {
        data.requirements = f.requirements;
    }
    if let Some(f) = read_into::<GlossaryFile>(root, "glossary.yaml", &mut data, &mut errors) {
        data.glossary = f.terms;
    }
    (data, errors)
}

/// Read one optional data file, keep its text for later diagnostics, collect its error.
fn read_into<T: serde::de::DeserializeOwned>(root: &Path, name: &str, data: &mut Data, errors: &mut Diagnostics) -> Option<T> {
    match read_data_file::<T>(root, name) {
        Ok(Some((value, text))) => {
            data.texts.push((Path::new(DATA_DIR).join(name), text));
            Some(value)
        }
        Ok(None) => None,
        Err(e) => {
            errors.push(e.breaks(crate::diagnostics::followup::data_file(name)));
            data.failed.push(name.to_string());
            None
        }
    }
}

impl Data {
    /// Whether data file `name` exists but failed to load (its error is already reported).
    pub fn failed(&self, name: &str) -> bool {
        self.failed.iter().any(|f| f == name)
    }
    /// For an error that only follows from data file `name` failing to load: the cause to mark
    /// it with (`Diagnostic::follows`), None when the file loaded.
    pub fn broken(&self, name: &str) -> Option<String> {
        self.failed(name).then(|| crate::diagnostics::followup::data_file(name))
    }
    pub fn text_of(&self, name: &str) -> Option<(&Path, &str)> {
        self.texts.iter().find(|(p, _)| p.ends_with(name)).map(|(p, t)| (p.as_path(), t.as_str()))
    }
    pub fn source(&self, key: &str) -> Option<&Source> {
        self.sources.iter().find(|s| s.key == key)
    }
    /// A diagnostic pointing at `needle` inside data file `name`.
    pub fn diag(&self, name: &str, needle: &str, message: impl Into<String>) -> Diagnostic {
        match self.text_of(name) {
            Some((p, t)) => Diagnostic::at_offset(p, t, locate(t, needle), message),
            None => Diagnostic::file_level(Path::new(DATA_DIR).join(name), message),
        }
    }
}
