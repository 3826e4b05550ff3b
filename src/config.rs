//! Site configuration: `shishin.yaml` at the site root.

use crate::diagnostics::Diagnostic;
use serde::{Deserialize, Serialize};
use std::path::Path;

pub const CONFIG_FILE: &str = "shishin.yaml";

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub title: String,
    /// Absolute URL of the deployed site; may carry a subpath (`https://x.example/guideline/`).
    pub base_url: String,
    #[serde(default = "default_language")]
    pub language: String,
    #[serde(default)]
    pub description: Option<String>,
    /// Id prefixes that map to `/<prefix>/<rest>/` URLs.
    #[serde(default)]
    pub corpora: Vec<Corpus>,
}

#[derive(Debug, Clone, Deserialize, Serialize)]
#[serde(deny_unknown_fields)]
pub struct Corpus {
    pub prefix: String,
    pub label: String,
    /// Key in content/data/sources.yaml describing this document.
    #[serde(default)]
    pub source: Option<String>,
    /// Prefixes of the corpora this document replaced (`prov11` lists `mic`): rows from their
    /// clauses to this corpus name a clause's successor, and a 新設 clause may map to it.
    #[serde(default)]
    pub successor_of: Vec<String>,
}

fn default_language() -> String {
    "ja".to_string()
}

impl Config {
    pub fn load(root: &Path) -> Result<Config, Diagnostic> {
        let path = root.join(CONFIG_FILE);
        let bytes = std::fs::read(&path).map_err(|e| {
            Diagnostic::file_level(CONFIG_FILE, format!("cannot read {CONFIG_FILE}: {e}"))
                .help("run `shishin init DIR` to create a site, or pass --root to point at one")
        })?;
        let text = crate::site_fs::text_of(Path::new(CONFIG_FILE), bytes)?;
        let config: Config = crate::yaml::parse(Path::new(CONFIG_FILE), &text, 0).map_err(|d| d.with_source(&text))?;
        config.check(&text)?;
        Ok(config)
    }

    fn check(&self, text: &str) -> Result<(), Diagnostic> {
        let at = |key: &str, msg: String, help: &str| {
            let offset = text.find(&format!("{key}:")).unwrap_or(0);
            Diagnostic::at_offset(CONFIG_FILE, text, offset, msg).help(help.to_string())
        };
        if !(self.base_url.starts_with("http://") || self.base_url.starts_with("https://") || self.base_url.starts_with('/')) {
            return Err(at("base_url", format!("base_url `{}` is not an absolute URL", self.base_url), "use e.g. https://example.netlify.app/ or /"));
        }
        if let Some(problem) = crate::url_policy::problem(&self.base_url).or_else(|| self.base_url.contains(char::is_whitespace).then_some("contains whitespace")) {
            return Err(at("base_url", format!("base_url `{}` {problem}", crate::url_policy::printable(&self.base_url)), "use e.g. https://example.netlify.app/ or /"));
        }
        for c in &self.corpora {
            if c.prefix.is_empty() || !c.prefix.chars().all(|ch| ch.is_ascii_lowercase() || ch.is_ascii_digit()) {
                return Err(at("prefix", format!("corpus prefix `{}` must be lowercase letters and digits", c.prefix), "e.g. mic, mhlw5"));
            }
            for old in &c.successor_of {
                if old == &c.prefix || !self.corpora.iter().any(|k| &k.prefix == old) {
                    let others: Vec<&str> = self.corpora.iter().map(|k| k.prefix.as_str()).filter(|p| *p != c.prefix).collect();
                    let help = crate::suggest::help(old, &others, "list the prefixes of other entries of `corpora` (e.g. successor_of: [mic])");
                    return Err(at("successor_of", format!("corpus `{}` names `{old}` in successor_of, which is not another corpus of this site", c.prefix), &help));
                }
            }
        }
        Ok(())
    }

    /// The path part of base_url, always starting and ending with `/` (`/` or `/guideline/`).
    pub fn base_path(&self) -> String {
        let rest = match self.base_url.find("://") {
            Some(i) => {
                let after = &self.base_url[i + 3..];
                after.find('/').map(|j| &after[j..]).unwrap_or("/")
            }
            None => self.base_url.as_str(),
        };
        let trimmed = rest.trim_matches('/');
        if trimmed.is_empty() { "/".to_string() } else { format!("/{trimmed}/") }
    }

    /// The scheme + host part (no trailing slash), empty when base_url is only a path.
    pub fn origin(&self) -> String {
        match self.base_url.find("://") {
            Some(i) => {
                let after = &self.base_url[i + 3..];
                let host_end = after.find('/').unwrap_or(after.len());
                self.base_url[..i + 3 + host_end].to_string()
            }
            None => String::new(),
        }
    }

    /// The corpora that replaced corpus `prefix` (those whose `successor_of` names it).
    pub fn successors_of<'a>(&'a self, prefix: &'a str) -> impl Iterator<Item = &'a Corpus> + 'a {
        self.corpora.iter().filter(move |c| c.successor_of.iter().any(|p| p == prefix))
    }

    pub fn corpus_for_id<'a>(&'a self, id: &'a str) -> Option<(&'a Corpus, &'a str)> {
        self.corpora.iter().find_map(|c| {
            id.strip_prefix(&c.prefix)
                .and_then(|r| r.strip_prefix('-'))
                .filter(|rest| !rest.is_empty())
                .map(|rest| (c, rest))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    fn cfg(base: &str) -> Config {
        Config { title: "t".into(), base_url: base.into(), language: "ja".into(), description: None, corpora: vec![] }
    }
    #[test]
    fn base_path_handles_subpaths() {
        assert_eq!(cfg("https://a.example").base_path(), "/");
        assert_eq!(cfg("https://a.example/").base_path(), "/");
        assert_eq!(cfg("https://a.example/guideline").base_path(), "/guideline/");
        assert_eq!(cfg("https://a.example/guideline/").origin(), "https://a.example");
    }
}
