//! The site model: plain data, no HTML, templates or search engine.

use crate::config::Config;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Confidence {
    High,
    Medium,
    Low,
}
crate::plain::token_enum!(Confidence { High = "high", Medium = "medium", Low = "low" });

impl Confidence {
    /// Higher is surer: low 0, medium 1, high 2.
    pub fn rank(self) -> u8 {
        match self {
            Confidence::Low => 0,
            Confidence::Medium => 1,
            Confidence::High => 2,
        }
    }
    pub fn token(self) -> &'static str {
        match self {
            Confidence::High => "high",
            Confidence::Medium => "medium",
            Confidence::Low => "low",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Status {
    /// 新設: no counterpart in the predecessor or reference guideline.
    New,
}
crate::plain::token_enum!(Status { New = "new" });

/// Front matter keys. Unknown keys are errors so typos cannot pass silently.
#[derive(Debug, Clone, Default, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct FrontMatter {
    pub title: String,
    #[serde(default)]
    pub number: Option<String>,
    #[serde(default)]
    pub id: Option<String>,
    #[serde(default)]
    pub weight: Option<i64>,
    #[serde(default)]
    pub aliases: Vec<String>,
    #[serde(default)]
    pub confidence: Option<Confidence>,
    #[serde(default)]
    pub draft: bool,
    #[serde(default)]
    pub updated: Option<String>,
    #[serde(default)]
    pub sources: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    #[serde(default)]
    pub status: Option<Status>,
    #[serde(default)]
    pub layout: Option<String>,
    /// Ids of the clauses (of another guideline) the body was rebuilt from, when it is not a
    /// summary of the page's own source. `rebuilt_from: mhlw5-6.3` or a list. The theme says so
    /// once on the page, and such a page is never `confidence: high` (content::confidence).
    #[serde(default, deserialize_with = "one_or_many")]
    pub rebuilt_from: Vec<String>,
}

/// A single string or a list of strings.
fn one_or_many<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum OneOrMany {
        One(String),
        Many(Vec<String>),
    }
    Ok(match OneOrMany::deserialize(d)? {
        OneOrMany::One(s) => vec![s],
        OneOrMany::Many(v) => v,
    })
}

#[derive(Debug, Clone)]
pub struct Page {
    /// Path relative to the site root (`content/mic/3/3.2/3.2.1.md`).
    pub file: PathBuf,
    /// The whole file, for diagnostics.
    pub source: String,
    pub front: FrontMatter,
    /// Markdown after the front matter.
    pub body: String,
    /// Byte offset in `source` where `body` starts.
    pub body_offset: usize,
    /// Site-relative URL without the base path: `/`, `/mic/3.2.1/`.
    pub url: String,
    pub is_section: bool,
    pub parent: Option<usize>,
    pub children: Vec<usize>,
    /// Last update: front matter `updated`, else the file's last git commit date.
    pub updated: Option<String>,
    /// Byte offset of a front matter key's line, for diagnostics about that key.
    pub key_offsets: HashMap<String, usize>,
}

impl Page {
    /// The page id: front matter id, else the URL path (`about/credits`).
    pub fn id(&self) -> String {
        self.front.id.clone().unwrap_or_else(|| {
            let p = self.url.trim_matches('/');
            if p.is_empty() { "home".to_string() } else { p.to_string() }
        })
    }
    /// `3.2.1 組織的安全管理対策` — the label cross-references show.
    pub fn label(&self) -> String {
        match &self.front.number {
            Some(n) => format!("{n} {}", self.front.title),
            None => self.front.title.clone(),
        }
    }
    pub fn layout(&self) -> &str {
        self.front.layout.as_deref().unwrap_or("page")
    }
    /// Byte offset in `source` of the line holding `key`, or 0.
    pub fn offset_of(&self, key: &str) -> usize {
        self.key_offsets.get(key).copied().unwrap_or(0)
    }
    /// Byte offset of the value on `key`'s line (after `key:` and spaces), so a diagnostic
    /// about a value points at it; the key's line start when the line holds no `:`.
    pub fn value_offset(&self, key: &str) -> usize {
        let start = self.offset_of(key);
        let line = self.source[start..].split('\n').next().unwrap_or("");
        match line.find(':') {
            Some(colon) => {
                let after = &line[colon + 1..];
                start + colon + 1 + (after.len() - after.trim_start().len())
            }
            None => start,
        }
    }
}

#[derive(Debug, Clone)]
pub struct Site {
    pub root: PathBuf,
    pub config: Config,
    /// Pages in reading order (depth-first, siblings by weight, number, title). Shared: `serve`
    /// keeps the unchanged ones from one load to the next (`load::LoadCache`).
    pub pages: Vec<std::sync::Arc<Page>>,
    pub data: crate::content::data::Data,
    pub by_id: HashMap<String, usize>,
    pub by_url: HashMap<String, usize>,
    /// Ids of pages whose front matter failed to parse (already reported).
    pub unparsed_ids: Vec<String>,
}

impl Site {
    pub fn page_by_id(&self, id: &str) -> Option<&Page> {
        self.by_id.get(id).map(|&i| &*self.pages[i])
    }
    /// For an error about a reference to `id` that no page has: the broken page it follows
    /// from (`Diagnostic::follows`), when the page with that id failed to load.
    pub fn broken_page(&self, id: &str) -> Option<String> {
        self.unparsed_ids.iter().any(|u| u == id).then(|| crate::diagnostics::followup::page(id))
    }
    /// A site path (`/mic/3.2.1/`) with the base path prepended (`/guideline/mic/3.2.1/`).
    pub fn url_for(&self, site_path: &str) -> String {
        let base = self.config.base_path();
        format!("{}{}", base.trim_end_matches('/'), if site_path.starts_with('/') { site_path.to_string() } else { format!("/{site_path}") })
    }
    /// Absolute URL (for canonical, OGP and the sitemap).
    pub fn absolute_url(&self, site_path: &str) -> String {
        format!("{}{}", self.config.origin(), self.url_for(site_path))
    }
    pub fn ancestors(&self, index: usize) -> Vec<usize> {
        let mut out = Vec::new();
        let mut cur = self.pages[index].parent;
        while let Some(p) = cur {
            out.push(p);
            cur = self.pages[p].parent;
        }
        out.reverse();
        out
    }
}
