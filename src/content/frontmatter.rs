//! Splitting a Markdown file into YAML front matter and body.

use crate::content::model::FrontMatter;
use crate::diagnostics::Diagnostic;
use std::collections::HashMap;
use std::path::Path;

pub struct Split<'a> {
    pub yaml: &'a str,
    /// Lines before the YAML (the opening `---`).
    pub yaml_line_offset: usize,
    pub body: &'a str,
    /// Byte offset of the body in the file.
    pub body_offset: usize,
    /// Byte offset of the YAML in the file.
    pub yaml_offset: usize,
}

/// Front matter is required: a page must at least have a title.
pub fn split<'a>(file: &Path, text: &'a str) -> Result<Split<'a>, Diagnostic> {
    let start = if text.starts_with('\u{feff}') { 3 } else { 0 };
    let rest = &text[start..];
    let first_line_end = rest.find('\n').map(|i| i + 1).unwrap_or(rest.len());
    if rest[..first_line_end].trim_end() != "---" {
        return Err(Diagnostic::new(file, 1, 1, "missing front matter")
            .with_source(text)
            .help("start the file with a `---` line, a `title: ...` line and a closing `---` line"));
    }
    let yaml_start = start + first_line_end;
    let mut pos = yaml_start;
    loop {
        if pos >= text.len() {
            return Err(Diagnostic::new(file, 1, 1, "front matter is not closed")
                .with_source(text)
                .help("add a line with only `---` after the front matter keys"));
        }
        let line_end = text[pos..].find('\n').map(|i| pos + i + 1).unwrap_or(text.len());
        if text[pos..line_end].trim_end() == "---" {
            return Ok(Split {
                yaml: &text[yaml_start..pos],
                yaml_line_offset: 1,
                body: &text[line_end..],
                body_offset: line_end,
                yaml_offset: yaml_start,
            });
        }
        pos = line_end;
    }
}

/// Parse the front matter and remember where each top-level key sits, so later checks
/// (unknown id, bad alias, …) can point at the right line.
pub fn parse<'a>(file: &Path, text: &'a str) -> Result<(FrontMatter, Split<'a>, HashMap<String, usize>), Diagnostic> {
    let split = split(file, text)?;
    let front: FrontMatter = crate::yaml::parse(file, split.yaml, split.yaml_line_offset).map_err(|d| d.with_source(text))?;
    let mut offsets = HashMap::new();
    let mut pos = split.yaml_offset;
    for line in split.yaml.split_inclusive('\n') {
        if let Some((key, _)) = line.split_once(':')
            && !key.starts_with([' ', '\t', '-', '#'])
        {
            offsets.entry(key.trim().to_string()).or_insert(pos);
        }
        pos += line.len();
    }
    if front.title.trim().is_empty() {
        let off = offsets.get("title").copied().unwrap_or(0);
        return Err(Diagnostic::at_offset(file, text, off, "title is empty").help("give the page a title"));
    }
    Ok((front, split, offsets))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn splits_and_records_key_offsets() {
        let t = "---\ntitle: A\nid: x-1\n---\nbody\n";
        let (fm, s, off) = parse(Path::new("a.md"), t).unwrap();
        assert_eq!(fm.title, "A");
        assert_eq!(s.body, "body\n");
        assert_eq!(&t[off["id"]..off["id"] + 2], "id");
    }
    #[test]
    fn unknown_key_points_at_its_line() {
        let t = "---\ntitle: A\ntitel: B\n---\n";
        let e = parse(Path::new("a.md"), t).err().unwrap();
        assert_eq!(e.line, 3, "{e}");
    }
    #[test]
    fn unclosed_front_matter() {
        assert!(parse(Path::new("a.md"), "---\ntitle: A\n").is_err());
        assert!(parse(Path::new("a.md"), "# no front matter\n").is_err());
    }
}
