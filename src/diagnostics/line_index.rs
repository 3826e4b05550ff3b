//! Positions in large inputs without rescanning them: `LineIndex` answers line:column for a
//! byte offset in O(log n + CHUNK), so thousands of diagnostics on one file stay linear, and
//! `window` cuts the shown source line to about `SNIPPET_CHARS` characters around the column,
//! so a diagnostic on a 1 MB one-line file does not carry (or print) the whole line.

use crate::diagnostics::Diagnostic;
use std::path::Path;

/// Characters of a source line a snippet shows at most (plus the cut markers).
pub const SNIPPET_CHARS: usize = 200;
/// Marks where a shown source line was cut.
pub const CUT_MARKER: char = '…';

/// Bytes between two character-count checkpoints.
const CHUNK: usize = 4096;

#[derive(Debug, Clone, Default)]
pub struct LineIndex {
    /// Byte offset where each line starts.
    starts: Vec<usize>,
    /// (byte offset, characters before it) every CHUNK bytes, at character boundaries.
    checkpoints: Vec<(usize, usize)>,
}

impl LineIndex {
    pub fn new(text: &str) -> Self {
        let mut starts = vec![0];
        starts.extend(text.bytes().enumerate().filter(|&(_, b)| b == b'\n').map(|(i, _)| i + 1));
        let mut checkpoints = vec![(0, 0)];
        let (mut at, mut chars) = (0, 0);
        while at + CHUNK < text.len() {
            let mut next = at + CHUNK;
            while !text.is_char_boundary(next) {
                next += 1;
            }
            chars += text[at..next].chars().count();
            at = next;
            checkpoints.push((at, chars));
        }
        LineIndex { starts, checkpoints }
    }

    /// Characters before byte `offset` (clamped to the text, floored to a character boundary).
    fn chars_before(&self, text: &str, offset: usize) -> usize {
        let mut offset = offset.min(text.len());
        while !text.is_char_boundary(offset) {
            offset -= 1;
        }
        let i = self.checkpoints.partition_point(|&(b, _)| b <= offset) - 1;
        let (b, c) = self.checkpoints[i];
        c + text[b..offset].chars().count()
    }

    /// 1-based line and column (in characters) of byte `offset`.
    pub fn line_col(&self, text: &str, offset: usize) -> (usize, usize) {
        let offset = offset.min(text.len());
        let line = self.starts.partition_point(|&s| s <= offset);
        let start = self.starts[line - 1];
        (line, self.chars_before(text, offset) - self.chars_before(text, start) + 1)
    }

    /// The text of 1-based `line` without its line break.
    fn line_text<'a>(&self, text: &'a str, line: usize) -> &'a str {
        let start = self.starts.get(line - 1).copied().unwrap_or(text.len());
        let end = self.starts.get(line).map_or(text.len(), |&s| s - 1);
        text[start..end.max(start)].trim_end_matches('\r')
    }

    /// A diagnostic at byte `offset` of `text`, with the (possibly cut) source line.
    pub fn diag(&self, file: &Path, text: &str, offset: usize, message: impl Into<String>) -> Diagnostic {
        let (line, column) = self.line_col(text, offset);
        let start = self.starts[line - 1];
        let line_text = self.line_text(text, line);
        let mut at = offset.min(text.len()).saturating_sub(start).min(line_text.len());
        while !line_text.is_char_boundary(at) {
            at -= 1;
        }
        let (shown, caret) = window_at(line_text, at);
        Diagnostic::new(file, line, column, message).with_snippet(shown, caret)
    }
}

/// `line` cut to about SNIPPET_CHARS characters around 1-based `column`, with CUT_MARKER where
/// text was left out, and the caret's column within what is shown.
pub fn window(line: &str, column: usize) -> (String, usize) {
    if line.len() <= SNIPPET_CHARS * 4 && line.chars().count() <= SNIPPET_CHARS {
        return (line.to_string(), column);
    }
    window_at(line, line.char_indices().nth(column.saturating_sub(1)).map_or(line.len(), |(i, _)| i))
}

/// `window` for a byte offset `at` (a character boundary) inside `line`.
fn window_at(line: &str, at: usize) -> (String, usize) {
    if line.len() <= SNIPPET_CHARS * 4 && line.chars().count() <= SNIPPET_CHARS {
        return (line.to_string(), line[..at].chars().count() + 1);
    }
    let half = SNIPPET_CHARS / 2;
    // Only the characters near `at` are read: the same cost on a 1 MB line as on a short one.
    let before: Vec<(usize, char)> = line[..at].char_indices().rev().take(half).collect();
    let start = before.last().map_or(at, |&(i, _)| i);
    let end = line[at..].char_indices().nth(SNIPPET_CHARS - before.len()).map_or(line.len(), |(i, _)| at + i);
    let mut shown = String::new();
    let cut_front = start > 0;
    if cut_front {
        shown.push(CUT_MARKER);
    }
    shown.push_str(&line[start..end]);
    if end < line.len() {
        shown.push(CUT_MARKER);
    }
    (shown, before.len() + 1 + usize::from(cut_front))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_the_plain_computation() {
        let text = format!("ab\n{}日本語x\n\nlast", "é".repeat(5000));
        let index = LineIndex::new(&text);
        for offset in (0..text.len()).filter(|&o| text.is_char_boundary(o)) {
            assert_eq!(index.line_col(&text, offset), crate::diagnostics::line_col(&text, offset), "{offset}");
        }
    }

    #[test]
    fn long_lines_are_cut_around_the_column() {
        let line = format!("{}X{}", "a".repeat(10_000), "b".repeat(10_000));
        let (shown, caret) = window(&line, 10_001);
        assert!(shown.chars().count() <= SNIPPET_CHARS + 2, "{}", shown.len());
        assert!(shown.starts_with(CUT_MARKER) && shown.ends_with(CUT_MARKER));
        assert_eq!(shown.chars().nth(caret - 1), Some('X'));
        assert_eq!(window("short", 3), ("short".to_string(), 3));
    }
}
