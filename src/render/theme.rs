//! The tera environment: embedded default theme, overridden file by file by
//! `<root>/themes/default/`, and static assets published under a content-hashed folder.

use crate::diagnostics::{Diagnostic, Diagnostics};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, HashMap};
use std::path::Path;
use tera::Tera;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/theme_files.rs"));
}

pub const THEME_DIR: &str = "themes/default";

pub struct Theme {
    pub tera: Tera,
    /// Static files (path under static/ → bytes), including generated ones.
    pub assets: BTreeMap<String, Vec<u8>>,
    /// `/assets/<hash>/` — one hash over all assets, so relative imports between modules keep working.
    pub asset_dir: String,
}

impl Theme {
    /// `base_path` is the site's path prefix (`/` or `/guideline/`).
    pub fn load(root: &Path, base_path: &str) -> Result<Theme, Diagnostics> {
        let mut files: BTreeMap<String, (String, Vec<u8>)> = BTreeMap::new();
        for (rel, bytes) in embedded::THEME_FILES {
            files.insert(rel.to_string(), (format!("(embedded theme)/{rel}"), bytes.to_vec()));
        }
        // The walker content/ uses: links inside the site are followed, others are errors.
        let (overrides, errors) = crate::site_fs::walk(root, THEME_DIR);
        errors.sorted().into_result()?;
        for path in overrides {
            let rel = path.strip_prefix(THEME_DIR).unwrap_or(&path).to_string_lossy().replace('\\', "/");
            let bytes = std::fs::read(root.join(&path)).map_err(|e| Diagnostics::from(Diagnostic::file_level(&path, format!("cannot read: {e}"))))?;
            files.insert(rel.clone(), (format!("{THEME_DIR}/{rel}"), bytes));
        }
        let mut assets: BTreeMap<String, Vec<u8>> = files
            .iter()
            .filter_map(|(rel, (_, bytes))| {
                let r = rel.strip_prefix("static/")?;
                let minified = super::script::minified_path(r).and_then(|m| files.get(&m)).map(|(_, m)| m.as_slice());
                let source_of = |name: &str| files.get(&format!("static/{name}")).map(|(_, b)| b.as_slice());
                Some((r.to_string(), super::script::shipped(r, bytes.clone(), minified, &source_of)))
            })
            .collect();
        assets.insert("highlight.css".to_string(), crate::markdown::highlight::stylesheet().into_bytes());
        let mut hasher = Sha256::new();
        for (name, bytes) in &assets {
            hasher.update(name.as_bytes());
            hasher.update((bytes.len() as u64).to_le_bytes());
            hasher.update(bytes);
        }
        let hash = hex::encode(&hasher.finalize()[..6]);
        let asset_dir = format!("{}assets/{hash}/", base_path);

        let mut tera = Tera::default();
        tera.autoescape_on(vec![".html", ".xml"]);
        // tera's default also escapes `/` (as &#x2F;), which is unnecessary and makes URLs unreadable.
        tera.set_escape_fn(|s| crate::html::escape_html(s));
        let mut templates = Vec::new();
        let mut errors = Diagnostics::default();
        for (rel, (shown, bytes)) in &files {
            if let Some(name) = rel.strip_prefix("templates/") {
                match String::from_utf8(bytes.clone()) {
                    Ok(text) => templates.push((name.to_string(), text)),
                    Err(_) => errors.push(Diagnostic::file_level(shown, "template is not UTF-8")),
                }
            }
        }
        errors.into_result()?;
        tera.add_raw_templates(templates).map_err(|e| Diagnostics::from(Diagnostic::file_level(THEME_DIR, format!("template error: {}", tera_error_chain(&e))).help("fix the tera syntax in the named template")))?;
        let dir = asset_dir.clone();
        let known: HashMap<String, ()> = assets.keys().map(|k| (k.clone(), ())).collect();
        tera.register_function("asset", move |args: &HashMap<String, tera::Value>| {
            let path = args.get("path").and_then(|v| v.as_str()).ok_or_else(|| tera::Error::msg("asset(path=...) needs a path"))?;
            if !known.contains_key(path) {
                return Err(tera::Error::msg(format!("asset `{path}` does not exist in the theme's static/ folder")));
            }
            Ok(tera::Value::String(format!("{dir}{path}")))
        });
        // Escapes its input itself; use as `{{ text | phrase_breaks | safe }}`.
        tera.register_filter("phrase_breaks", |value: &tera::Value, _: &HashMap<String, tera::Value>| {
            let text = value.as_str().ok_or_else(|| tera::Error::msg("phrase_breaks needs a string"))?;
            Ok(tera::Value::String(super::phrases::phrase_breaks(text)))
        });
        Ok(Theme { tera, assets, asset_dir })
    }

    pub fn has_template(&self, name: &str) -> bool {
        self.tera.get_template_names().any(|n| n == name)
    }

    pub fn render(&self, template: &str, context: &tera::Context) -> Result<String, String> {
        self.tera.render(template, context).map_err(|e| tera_error_chain(&e))
    }
}

/// tera nests the useful message in `source()`; print the whole chain.
pub fn tera_error_chain(e: &tera::Error) -> String {
    let mut msg = e.to_string();
    let mut cur: Option<&dyn std::error::Error> = std::error::Error::source(e);
    while let Some(s) = cur {
        msg.push_str(": ");
        msg.push_str(&s.to_string());
        cur = s.source();
    }
    msg
}
