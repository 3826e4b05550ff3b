//! Footnote references without a definition. pulldown-cmark renders `[^missing]` as literal
//! text when no `[^missing]: …` exists; a build must instead say where the reference is.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};
use std::collections::HashSet;
use std::ops::Range;

/// (byte offset in `body`, label) of every footnote reference that has no definition.
pub fn undefined(body: &str, options: pulldown_cmark::Options) -> Vec<(usize, String)> {
    if !body.contains("[^") {
        return Vec::new();
    }
    let mut defined = HashSet::new();
    // Source ranges of running text (outside code), merged where they touch: an unresolved
    // reference arrives as several text events (`[`, `^missing`, `]`).
    let mut runs: Vec<Range<usize>> = Vec::new();
    let mut in_code = false;
    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        match event {
            Event::Start(Tag::FootnoteDefinition(label)) => {
                defined.insert(label.to_lowercase());
            }
            Event::Start(Tag::CodeBlock(_)) => in_code = true,
            Event::End(TagEnd::CodeBlock) => in_code = false,
            Event::Text(_) if !in_code => match runs.last_mut() {
                Some(last) if last.end == range.start => last.end = range.end,
                _ => runs.push(range),
            },
            _ => {}
        }
    }
    let mut out = Vec::new();
    for run in runs {
        let text = &body[run.clone()];
        let mut from = 0;
        while let Some(i) = text[from..].find("[^").map(|i| from + i) {
            from = i + 2;
            let escaped = body[..run.start + i].ends_with('\\');
            let Some(len) = text[i + 2..].find(']') else { break };
            let label = &text[i + 2..i + 2 + len];
            if !escaped && !label.is_empty() && !label.contains(char::is_whitespace) && !defined.contains(&label.to_lowercase()) {
                out.push((run.start + i, label.to_string()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use pulldown_cmark::Options;

    #[test]
    fn finds_only_undefined_references() {
        let body = "a[^ok] b[^missing] `[^code]`\n\n```\n[^block]\n```\n\n\\[^escaped]\n\n[^ok]: fine\n";
        let found = undefined(body, Options::ENABLE_FOOTNOTES);
        assert_eq!(found, vec![(body.find("[^missing]").unwrap(), "missing".to_string())]);
    }
}
