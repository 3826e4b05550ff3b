//! Errors about the user's input: a value with a source position until the CLI prints it.
//! Every stage collects them so one build reports all problems at once.

pub mod followup;
pub mod line_index;

use std::fmt;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Diagnostic {
    /// Path as shown to the user (relative to the site root where possible).
    pub file: PathBuf,
    /// 1-based line and column (column counts characters, not bytes).
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// What to do about it.
    pub help: Option<String>,
    /// The offending source line, for the snippet.
    #[serde(skip)]
    pub source_line: Option<String>,
    /// Column of the caret within `source_line` when that is a cut window of a long line
    /// (u32 keeps the struct small: it is returned in every `Result`).
    #[serde(skip)]
    pub snippet_column: Option<u32>,
    /// Follow-up checks left out because of this error (see `followup`); in JSON only when > 0.
    #[serde(skip_serializing_if = "crate::diagnostics::followup::is_zero")]
    pub skipped: usize,
    /// What this error stopped from loading, or what broken input this error only follows from.
    #[serde(skip)]
    pub link: Option<crate::diagnostics::followup::Link>,
}

impl Diagnostic {
    pub fn new(file: impl Into<PathBuf>, line: usize, column: usize, message: impl Into<String>) -> Self {
        Diagnostic {
            file: file.into(),
            line: line.max(1),
            column: column.max(1),
            message: message.into(),
            help: None,
            source_line: None,
            snippet_column: None,
            skipped: 0,
            link: None,
        }
    }

    /// A diagnostic at a byte offset of `text` (the whole file).
    pub fn at_offset(file: impl Into<PathBuf>, text: &str, offset: usize, message: impl Into<String>) -> Self {
        let (line, column) = line_col(text, offset);
        let mut d = Diagnostic::new(file, line, column, message);
        if let Some(l) = text.lines().nth(line - 1) {
            let (shown, caret) = crate::diagnostics::line_index::window(l, column);
            d = d.with_snippet(shown, caret);
        }
        d
    }

    /// The source line to show (possibly cut, see line_index) and the caret's column in it.
    pub fn with_snippet(mut self, line: String, caret_column: usize) -> Self {
        self.snippet_column = (caret_column != self.column).then(|| u32::try_from(caret_column).unwrap_or(u32::MAX));
        self.source_line = Some(line);
        self
    }

    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }

    pub fn with_source(self, text: &str) -> Self {
        match text.lines().nth(self.line.saturating_sub(1)) {
            Some(l) => {
                let (shown, caret) = crate::diagnostics::line_index::window(l, self.column);
                self.with_snippet(shown, caret)
            }
            None => self,
        }
    }

    /// Shorthand for a problem with the whole file (no better position known).
    pub fn file_level(file: impl Into<PathBuf>, message: impl Into<String>) -> Self {
        Diagnostic::new(file, 1, 1, message)
    }
}

/// 1-based (line, column) of a byte offset; columns count Unicode scalar values.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = floor_char_boundary(text, offset.min(text.len()));
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map(|i| i + 1).unwrap_or(0);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

fn floor_char_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error: {}", self.message)?;
        write!(f, "  --> {}:{}:{}", self.file.display(), self.line, self.column)?;
        if let Some(src) = &self.source_line {
            let gutter = self.line.to_string();
            let pad = " ".repeat(gutter.len());
            let caret_pad: String = src
                .chars()
                .take(self.snippet_column.map_or(self.column, |c| c as usize).saturating_sub(1))
                .map(|c| if c == '\t' { '\t' } else if is_wide(c) { '　' } else { ' ' })
                .collect();
            write!(f, "\n{pad} |\n{gutter} | {src}\n{pad} | {caret_pad}^")?;
        }
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        if let Some(note) = crate::diagnostics::followup::note(self) {
            write!(f, "\n  = note: {note}")?;
        }
        Ok(())
    }
}

/// East Asian wide characters take two terminal columns; pad with an ideographic space.
fn is_wide(c: char) -> bool {
    matches!(c as u32, 0x1100..=0x115F | 0x2E80..=0xA4CF | 0xAC00..=0xD7A3 | 0xF900..=0xFAFF | 0xFE30..=0xFE4F | 0xFF00..=0xFF60 | 0xFFE0..=0xFFE6)
}

/// A batch of diagnostics, sorted for stable output.
#[derive(Debug, Default, Clone)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, other: impl IntoIterator<Item = Diagnostic>) {
        self.0.extend(other);
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn len(&self) -> usize {
        self.0.len()
    }
    pub fn sorted(mut self) -> Self {
        self.0.sort_by(|a, b| (&a.file, a.line, a.column, &a.message).cmp(&(&b.file, b.line, b.column, &b.message)));
        self.0.dedup();
        crate::diagnostics::followup::settle(&mut self.0);
        self
    }
    /// Ok(()) when empty, so stages can `?` on a batch.
    pub fn into_result(self) -> Result<(), Diagnostics> {
        if self.is_empty() { Ok(()) } else { Err(self) }
    }
}

impl From<Diagnostic> for Diagnostics {
    fn from(d: Diagnostic) -> Self {
        Diagnostics(vec![d])
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            writeln!(f, "{d}\n")?;
        }
        let n = self.0.len();
        write!(f, "{n} error{} found{}; nothing was written.", if n == 1 { "" } else { "s" }, crate::diagnostics::followup::summary(&self.0))
    }
}

/// Path shown to users: relative to the site root when inside it.
pub fn display_path(root: &Path, path: &Path) -> PathBuf {
    path.strip_prefix(root).map(Path::to_path_buf).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_characters() {
        let t = "ab\n日本語x";
        assert_eq!(line_col(t, 0), (1, 1));
        assert_eq!(line_col(t, 3), (2, 1));
        assert_eq!(line_col(t, t.find('x').unwrap()), (2, 4));
    }

    #[test]
    fn display_names_file_line_col_and_help() {
        let d = Diagnostic::at_offset("content/a.md", "x\n  bad", 4, "oops").help("fix it");
        let s = d.to_string();
        assert!(s.contains("content/a.md:2:3"), "{s}");
        assert!(s.contains("help: fix it"));
        assert!(s.contains("2 |   bad"));
    }
}
