//! The one YAML entry point. Everything shishin reads as YAML (config, front matter, data files)
//! goes through `parse`, so every file gets the same rules: duplicate keys are errors (serde_yaml
//! let the last one win silently), alias expansion and nesting are budgeted, and errors carry
//! file:line:column.

use crate::diagnostics::Diagnostic;
use serde::de::DeserializeOwned;
use serde_saphyr::{Budget, Options};
use std::path::Path;

/// Largest YAML document we accept (front matter and data files are small; this stops a
/// pathological file before the parser sees it).
pub const MAX_YAML_BYTES: usize = 4 * 1024 * 1024;

/// A diagnostic at a position the YAML parser reported (a `Spanned` value's `referenced`), with
/// the line of `text` shown under it.
pub fn diagnostic_at(file: &Path, text: &str, loc: &serde_saphyr::Location, message: impl Into<String>) -> Diagnostic {
    Diagnostic::new(file, loc.line() as usize, loc.column() as usize, message).with_source(text)
}

fn options() -> Options {
    let mut budget = Budget::default();
    budget.max_depth = 32;
    budget.max_events = 200_000;
    budget.max_aliases = 1_000;
    budget.max_nodes = 100_000;
    let mut options = Options::default();
    options.budget = Some(budget);
    options.duplicate_keys = serde_saphyr::options::DuplicateKeyPolicy::Error;
    options.alias_limits.max_total_replayed_events = 10_000;
    options.with_snippet = false;
    options
}

/// Parse `text` (the YAML part of `file`) into `T`. `line_offset` is the number of lines that
/// precede the YAML in the file (front matter starts after `---`), so positions point into the
/// real file.
pub fn parse<T: DeserializeOwned>(file: &Path, text: &str, line_offset: usize) -> Result<T, Diagnostic> {
    if text.len() > MAX_YAML_BYTES {
        return Err(Diagnostic::file_level(file, format!("YAML is {} bytes; the limit is {MAX_YAML_BYTES}", text.len()))
            .help("split the data into smaller files"));
    }
    // Empty documents mean "no keys"; serde-saphyr treats them as null.
    let source = if text.trim().is_empty() { "{}" } else { text };
    let value = serde_saphyr::from_str_with_options::<T>(source, options()).map_err(|err| {
        let (line, column) = err
            .location()
            .map(|l| (l.line() as usize, l.column() as usize))
            .unwrap_or((1, 1));
        let message = clean_message(&err.without_snippet().to_string());
        if let Some(d) = crate::url_policy::refused_in_yaml(file, line + line_offset, column, &message) {
            return d;
        }
        // Wrong keys and values are said in the author's words (plain.rs), without "invalid YAML".
        let source_line = text.lines().nth(line.saturating_sub(1)).unwrap_or("");
        let plain = crate::plain::translate(&message, source_line, column).or_else(|| crate::plain::translate_shape(&message, source_line, column));
        let (message, help) = match (duplicate_key(&message), plain) {
            (Some(key), _) => {
                let first = first_occurrence(text, key, line, column).map(|l| format!(" (first at line {})", l + line_offset)).unwrap_or_default();
                (format!("invalid YAML: duplicate key `{key}`{first}"), format!("remove or rename one of the `{key}` keys; each key may appear once in a mapping"))
            }
            (None, Some(plain)) => plain,
            (None, None) => (format!("invalid YAML: {message}"), help_for(&message).to_string()),
        };
        let line = line + line_offset;
        Diagnostic::new(file, line, column, message).help(help)
    })?;
    // Raw control characters were refused with the file's text (site_fs); escapes make them too.
    match crate::site_fs::yaml_control_char(source, options()) {
        Some((line, column, c)) => Err(Diagnostic::new(file, line + line_offset, column, format!("control character U+{:04X} in a value (written as an escape such as \\0 or \\x1b)", c as u32))
            .help("remove the escape: control characters other than tab and line breaks are not allowed in site files")),
        None => Ok(value),
    }
}

/// The key of serde-saphyr's "duplicate mapping key: KEY, set DuplicateKeyPolicy in Options if
/// acceptable" (the advice is for the programmer, not the author).
fn duplicate_key(message: &str) -> Option<&str> {
    let rest = message.strip_prefix("duplicate mapping key: ")?;
    Some(rest.rfind(", set DuplicateKeyPolicy").map_or(rest, |i| &rest[..i]))
}

/// The line (1-based, in `text`) where `key` first appears in the block mapping whose repeat is
/// at `line`:`column`: the nearest earlier line with `key:` at the same column, searched back to
/// the start of the mapping. None in flow mappings or when the mapping cannot be traced.
fn first_occurrence(text: &str, key: &str, line: usize, column: usize) -> Option<usize> {
    let lines: Vec<&str> = text.lines().collect();
    let indent = column.checked_sub(1)?;
    for at in (0..line.checked_sub(1)?.min(lines.len())).rev() {
        let l = lines[at];
        if l.trim().is_empty() || l.trim_start().starts_with('#') {
            continue;
        }
        let (prefix, rest) = l.split_at(l.char_indices().nth(indent).map_or(l.len(), |(i, _)| i));
        if !prefix.chars().all(|c| c == ' ' || c == '-') {
            return None; // left the mapping
        }
        let key_here = rest.strip_prefix(key).is_some_and(|r| r.trim_start().starts_with(':'));
        if key_here {
            return Some(at + 1);
        }
        if prefix.contains('-') {
            return None; // the list item that starts this mapping
        }
    }
    None
}

/// serde-saphyr appends " at line L column C"; we print the position ourselves.
fn clean_message(message: &str) -> String {
    let first = message.lines().next().unwrap_or(message).trim();
    match first.rfind(" at line ") {
        Some(i) => first[..i].to_string(),
        None => first.to_string(),
    }
}

fn help_for(message: &str) -> &'static str {
    let m = message.to_lowercase();
    // (Unknown keys never get here: plain.rs words them, with the nearest allowed key.)
    if m.contains("missing field") {
        "add the required key"
    } else if m.contains("budget") || m.contains("alias") || m.contains("depth") {
        "the file is too deeply nested or expands too many aliases; simplify it"
    } else {
        "fix the YAML syntax: check quotes, brackets, colons and indentation; quote values that contain `: ` or start with `[`, `{`, `*`, `&`"
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;

    #[derive(Deserialize, Debug)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct T {
        a: u32,
        b: Option<String>,
    }

    #[test]
    fn duplicate_keys_are_errors_with_position() {
        let e = parse::<T>(Path::new("x.yaml"), "a: 1\nb: x\na: 2\n", 1).unwrap_err();
        assert_eq!(e.message, "invalid YAML: duplicate key `a` (first at line 2)", "{e}");
        assert_eq!(e.line, 4, "{e}");
    }

    #[test]
    fn unknown_keys_are_errors() {
        let e = parse::<T>(Path::new("x.yaml"), "a: 1\ntitel: x\n", 0).unwrap_err();
        assert!(e.message.contains("titel"), "{e}");
        assert_eq!(e.line, 2);
    }

    #[test]
    fn alias_bomb_is_rejected_quickly() {
        let mut s = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
        for i in 0..9 {
            let prev = if i == 0 { "a".to_string() } else { format!("l{}", i - 1) };
            s.push_str(&format!("l{i}: &l{i} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}]\n"));
        }
        let start = std::time::Instant::now();
        let r = parse::<serde_json::Value>(Path::new("bomb.yaml"), &s, 0);
        assert!(r.is_err());
        assert!(start.elapsed().as_secs() < 5);
    }

    #[test]
    fn deep_nesting_is_rejected() {
        let s = "[".repeat(500) + &"]".repeat(500);
        assert!(parse::<serde_json::Value>(Path::new("deep.yaml"), &s, 0).is_err());
    }
}
