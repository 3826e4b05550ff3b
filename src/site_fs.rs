//! How every command reads the site's source tree: `build`, `check`, `serve` (through the
//! loader) and `search` (its cache key) walk `content/` with `walk` and read text with
//! `read_text`, so they accept and refuse the same files with the same diagnostics.
//!
//! Symlinks: one inside the site root is followed; one that points out of the site root, that
//! dangles or that loops is an error naming the link. Text: UTF-8 without control characters
//! (tab, newline and carriage return aside), refused at the offending byte's line:column, and
//! so are YAML escapes that make one (`yaml_control_char`) and file names holding one, so a NUL
//! or an escape sequence never reaches HTML, JSON or CSV output.

use crate::diagnostics::{Diagnostic, Diagnostics, line_col};
use std::path::{Path, PathBuf};

const LINK_HELP: &str = "a symbolic link under the site must point to an existing file or folder inside the site root; fix or remove it";

/// Every regular file under `root/rel_dir` (paths relative to `root`, in name order), following
/// symlinks only inside the site root. An absent folder has no files.
pub fn walk(root: &Path, rel_dir: &str) -> (Vec<PathBuf>, Diagnostics) {
    let dir = root.join(rel_dir);
    let mut files = Vec::new();
    let mut errors = Diagnostics::default();
    if std::fs::symlink_metadata(&dir).is_err() {
        return (files, errors);
    }
    let site_root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let rel = |p: &Path| p.strip_prefix(root).unwrap_or(p).to_path_buf();
    let mut it = walkdir::WalkDir::new(&dir).follow_links(true).sort_by_file_name().into_iter();
    while let Some(entry) = it.next() {
        let entry = match entry {
            Ok(e) => e,
            Err(err) => {
                let path = err.path().map(rel).unwrap_or_else(|| rel_dir.into());
                let message = match err.loop_ancestor() {
                    Some(ancestor) => format!("symbolic link `{}` loops back to `{}`", path.display(), rel(ancestor).display()),
                    None if err.path().is_some_and(|p| p.is_symlink() && !p.exists()) => format!("symbolic link `{}` is dangling: its target does not exist", path.display()),
                    None => format!("cannot read `{}`: {}", path.display(), err.io_error().map(ToString::to_string).unwrap_or_else(|| err.to_string())),
                };
                errors.push(Diagnostic::file_level(&path, message).help(LINK_HELP));
                continue;
            }
        };
        if entry.path_is_symlink() || entry.depth() == 0 {
            match entry.path().canonicalize() {
                Ok(target) if target.starts_with(&site_root) => {}
                Ok(target) => {
                    let path = rel(entry.path());
                    errors.push(Diagnostic::file_level(&path, format!("symbolic link `{}` points outside the site root (to {})", path.display(), target.display())).help(LINK_HELP));
                    if entry.file_type().is_dir() {
                        it.skip_current_dir();
                    }
                    continue;
                }
                Err(e) => {
                    let path = rel(entry.path());
                    errors.push(Diagnostic::file_level(&path, format!("symbolic link `{}` cannot be resolved: {e}", path.display())).help(LINK_HELP));
                    continue;
                }
            }
        }
        if let Some(c) = entry.file_name().to_string_lossy().chars().find(|c| c.is_control()) {
            let path = rel(entry.path());
            errors.push(Diagnostic::file_level(&path, format!("the name `{}` holds the control character U+{:04X}", crate::url_policy::printable(&path.to_string_lossy()), c as u32)).help("rename it: names become URLs"));
            if entry.file_type().is_dir() {
                it.skip_current_dir();
            }
            continue;
        }
        if entry.file_type().is_file() {
            files.push(rel(entry.path()));
        }
    }
    (files, errors)
}

/// The file `root/rel` as text: UTF-8 with no control character but tab, LF and CR. Errors
/// point at the first offending byte.
pub fn read_text(root: &Path, rel: &Path) -> Result<String, Diagnostic> {
    let bytes = std::fs::read(root.join(rel)).map_err(|e| Diagnostic::file_level(rel, format!("cannot read file: {e}")))?;
    text_of(rel, bytes)
}

/// `bytes` as text, checked like `read_text`.
pub fn text_of(rel: &Path, bytes: Vec<u8>) -> Result<String, Diagnostic> {
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let good = e.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&e.as_bytes()[..good]).into_owned();
            let (line, column) = line_col(&prefix, good);
            let line_text = prefix[prefix[..good].rfind('\n').map_or(0, |i| i + 1)..].to_string();
            let (shown, caret) = crate::diagnostics::line_index::window(&line_text, column);
            return Err(Diagnostic::new(rel, line, column, format!("invalid UTF-8 (byte 0x{:02X} at byte offset {good})", e.as_bytes()[good]))
                .help("save the file as UTF-8")
                .with_snippet(shown, caret));
        }
    };
    if let Some((offset, c)) = first_control(&text) {
        return Err(Diagnostic::at_offset(rel, &text, offset, format!("control character U+{:04X} in the text", c as u32))
            .help("remove it: control characters (other than tab and line breaks) are not allowed in site files"));
    }
    Ok(text)
}

/// The first control character other than tab, LF and CR, with its byte offset.
pub fn first_control(text: &str) -> Option<(usize, char)> {
    text.char_indices().find(|&(_, c)| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// The first string in a YAML document that holds a control character other than tab and line
/// breaks — one a double-quoted escape (`"\0"`, `"\x1b"`) made, as raw ones are refused by
/// `text_of` — as (line, column of the scalar, the character). Call on YAML that parses.
pub fn yaml_control_char(text: &str, options: serde_saphyr::Options) -> Option<(usize, usize, char)> {
    let top = serde_saphyr::from_str_with_options::<Spanned<StringScan>>(text, options).ok()?;
    let found = placed(top)?;
    Some((found.0?.0, found.0?.1, found.1))
}

use serde_saphyr::Spanned;

/// What a walk over any YAML value found: the first control character in a string, and the
/// position of the innermost node around it once a `Spanned` wrapper has supplied one.
#[derive(Default)]
struct StringScan(Option<(Option<(usize, usize)>, char)>);

/// A child's finding, with the child's own position when it had none yet.
fn placed(node: Spanned<StringScan>) -> Option<(Option<(usize, usize)>, char)> {
    let (pos, c) = node.value.0?;
    Some((pos.or(Some((node.referenced.line() as usize, node.referenced.column() as usize))), c))
}

impl<'de> serde::Deserialize<'de> for StringScan {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ScanVisitor)
    }
}

struct ScanVisitor;

impl<'de> serde::de::Visitor<'de> for ScanVisitor {
    type Value = StringScan;
    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_str<E>(self, s: &str) -> Result<StringScan, E> {
        Ok(StringScan(first_control(s).map(|(_, c)| (None, c))))
    }
    fn visit_bool<E>(self, _: bool) -> Result<StringScan, E> {
        Ok(StringScan::default())
    }
    fn visit_i64<E>(self, _: i64) -> Result<StringScan, E> {
        Ok(StringScan::default())
    }
    fn visit_u64<E>(self, _: u64) -> Result<StringScan, E> {
        Ok(StringScan::default())
    }
    fn visit_f64<E>(self, _: f64) -> Result<StringScan, E> {
        Ok(StringScan::default())
    }
    fn visit_unit<E>(self) -> Result<StringScan, E> {
        Ok(StringScan::default())
    }
    fn visit_none<E>(self) -> Result<StringScan, E> {
        Ok(StringScan::default())
    }
    fn visit_some<D: serde::Deserializer<'de>>(self, d: D) -> Result<StringScan, D::Error> {
        serde::Deserialize::deserialize(d)
    }
    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<StringScan, A::Error> {
        let mut first = None;
        while let Some(node) = seq.next_element::<Spanned<StringScan>>()? {
            first = first.or_else(|| placed(node));
        }
        Ok(StringScan(first))
    }
    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<StringScan, A::Error> {
        let mut first = None;
        while let Some(key) = map.next_key::<Spanned<StringScan>>()? {
            let value = map.next_value::<Spanned<StringScan>>()?;
            first = first.or_else(|| placed(key)).or_else(|| placed(value));
        }
        Ok(StringScan(first))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_utf8_is_reported_at_the_byte() {
        let d = text_of(Path::new("a.md"), b"---\ntitle: A\n---\nab\xffc\n".to_vec()).unwrap_err();
        assert_eq!((d.line, d.column), (4, 3), "{d}");
    }

    #[test]
    fn yaml_escapes_that_make_control_characters_are_found_at_their_scalar() {
        let o = || serde_saphyr::Options::default();
        assert_eq!(yaml_control_char("a: 1\nb:\n  - ok\n  - \"x\\0y\"\n", o()), Some((4, 5, '\0')));
        assert_eq!(yaml_control_char("k: {t: \"\\x1b[31m\"}\n", o()), Some((1, 8, '\u{1b}')));
        assert_eq!(yaml_control_char("a: \"tab\\there\"\nb: [1, 2.5, true, null]\n", o()), None);
    }

    #[test]
    fn control_characters_are_reported_at_the_char() {
        let d = text_of(Path::new("a.md"), "x\n日本\u{0}語\n".as_bytes().to_vec()).unwrap_err();
        assert_eq!((d.line, d.column), (2, 3), "{d}");
        assert!(text_of(Path::new("a.md"), b"a\tb\r\nc\n".to_vec()).is_ok());
    }
}
