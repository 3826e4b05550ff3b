//! Fill-in templates: the サービス仕様適合開示書 (`disclosure.yaml`) and the SLA参考例 (`sla.yaml`).
//!
//! One YAML file per template is the single source of truth; from it come the template pages
//! (layouts `disclosure` / `sla`, with the in-browser form), the downloads (XLSX, CSV, Markdown,
//! JSON, JSON Schema) and `shishin disclosure check` for filled answer files.

pub mod answers;
mod context;
mod report_clauses;
pub mod exports;
pub mod model;
pub mod search;
mod xlsx;

use crate::capability::Capability;
use crate::content::Site;
use crate::content::data::{DATA_DIR, read_data_file};
use crate::diagnostics::{Diagnostic, Diagnostics};
use crate::output::OutputFiles;
use std::path::Path;

pub use model::{Column, ColumnType, Item, Row, Template};

/// The template names, each read from `content/data/<name>.yaml`.
pub const TEMPLATE_NAMES: [&str; 2] = ["disclosure", "sla"];

/// Anchor of the 「対応状況」 view on a template page (cross-references may link to it).
pub const VIEW_ANCHOR: &str = "coverage";

/// Folder of the published downloads.
pub const DOWNLOAD_DIR: &str = "downloads";

/// The templates a site defines (either file may be absent) and their generated downloads.
pub struct Templates {
    pub templates: Vec<Template>,
    /// (path under the output dir, bytes), generated once at load so `check` exercises them too.
    files: Vec<(String, Vec<u8>)>,
}

impl Templates {
    /// Read and check `disclosure.yaml` and `sla.yaml`, and generate their downloads.
    pub fn load(site: &Site) -> Result<Templates, Diagnostics> {
        let (templates, mut errors, _) = read_checked(site);
        // A page with layout disclosure/sla needs its template.
        for page in &site.pages {
            let layout = page.layout();
            if TEMPLATE_NAMES.contains(&layout) && !templates.iter().any(|t| t.name == layout) && !errors.0.iter().any(|d| d.file.ends_with(format!("{layout}.yaml"))) {
                errors.push(
                    Diagnostic::at_offset(&page.file, &page.source, page.offset_of("layout"), format!("layout `{layout}` needs content/data/{layout}.yaml"))
                        .help(format!("add content/data/{layout}.yaml (see docs/content-format.md, \"disclosure.yaml / sla.yaml\") or use another layout")),
                );
            }
        }
        errors.sorted().into_result()?;
        let mut errors = Diagnostics::default();
        let mut files = Vec::new();
        for t in &templates {
            match exports::all(site, t) {
                Ok(f) => files.extend(f),
                Err(e) => errors.push(Diagnostic::file_level(Path::new(DATA_DIR).join(format!("{}.yaml", t.name)), format!("cannot generate the downloads: {e}"))),
            }
        }
        errors.into_result()?;
        Ok(Templates { templates, files })
    }

    pub fn get(&self, name: &str) -> Option<&Template> {
        self.templates.iter().find(|t| t.name == name)
    }
}

impl Capability for Templates {
    fn page_context(&self, site: &Site, index: usize) -> Vec<(String, serde_json::Value)> {
        let page = &site.pages[index];
        match self.get(page.layout()) {
            Some(t) => vec![("template".to_string(), context::template_context(site, t, &self.files))],
            None => Vec::new(),
        }
    }

    fn write_files(&self, _site: &Site, files: &mut OutputFiles) -> Result<(), Diagnostics> {
        for (path, bytes) in &self.files {
            files.insert(path.clone(), bytes.clone());
        }
        Ok(())
    }
}

/// The templates the site defines, each checked (no downloads): those that loaded, every error, and for each template that did not load the cause a
/// lookup into it follows from: its first error of its own (marked as breaking the file), or, when
/// all its errors follow from something else that is broken (a page it names), that cause.
fn read_checked(site: &Site) -> (Vec<Template>, Diagnostics, Vec<String>) {
    let mut templates = Vec::new();
    let mut errors = Diagnostics::default();
    let mut causes = Vec::new();
    for name in TEMPLATE_NAMES {
        let file_name = format!("{name}.yaml");
        let broken = crate::diagnostics::followup::data_file(&file_name);
        match read_data_file::<model::RawTemplate>(&site.root, &file_name) {
            Ok(Some((raw, text))) => {
                let rel = Path::new(DATA_DIR).join(&file_name);
                match model::Checker::check(site, &rel, &text, name, raw) {
                    Ok(t) => templates.push(t),
                    Err(e) => {
                        let mut list = e.0;
                        if let Some(first) = list.iter_mut().find(|d| d.link.is_none()) {
                            first.link = Some(crate::diagnostics::followup::Link::Breaks(broken.clone()));
                            causes.push(broken);
                        } else if let Some(Some(crate::diagnostics::followup::Link::Follows(cause))) = list.first().map(|d| &d.link) {
                            causes.push(cause.clone());
                        }
                        errors.extend(list);
                    }
                }
            }
            Ok(None) => {}
            Err(e) => {
                errors.push(e.breaks(broken.clone()));
                causes.push(broken);
            }
        }
    }
    (templates, errors, causes)
}

/// The templates that loaded, without generating their downloads, for other capabilities that
/// look items up (the mapping's item rows), and the cause a missed lookup follows from while a
/// template is broken (`Templates::load` reports the template's own errors).
pub fn checked_templates(site: &Site) -> (Vec<Template>, Option<String>) {
    let (templates, _, causes) = read_checked(site);
    (templates, causes.into_iter().next())
}
