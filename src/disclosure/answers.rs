//! Filled answer files: reading JSON `{"template", "version", "answers": {item: {column: value}}}`
//! or CSV `item_id,column,value` (BOM optional) with the source position of every entry, and
//! checking them against a template.

use super::Templates;
use super::exports::{ANSWER_HEADER, META_ID};
use super::model::{ColumnType, Template};
use crate::diagnostics::Diagnostic;
use crate::diagnostics::line_index::LineIndex;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

/// One answer: item id, column key, value, and where each came from (byte offsets into the text).
#[derive(Debug, Clone)]
pub struct Entry {
    pub item: String,
    pub column: String,
    /// `Err(kind)` when the JSON value is not a string (`number`, `object` …).
    pub value: Result<String, &'static str>,
    pub item_at: usize,
    pub column_at: usize,
    pub value_at: usize,
}

#[derive(Debug, Clone)]
pub struct AnswerFile {
    pub path: PathBuf,
    pub text: String,
    /// (value, offset) of `template` / `version` when the file names them.
    pub template: Option<(Result<String, &'static str>, usize)>,
    pub version: Option<(Result<String, &'static str>, usize)>,
    /// Offset of the `answers` key (JSON) or the header row (CSV): where "missing" is reported.
    pub answers_at: usize,
    pub entries: Vec<Entry>,
    pub is_json: bool,
    /// Problems found while reading that are answer problems, not syntax (unknown top-level keys …).
    pub problems: Vec<Diagnostic>,
    /// Line starts of `text`: positions of many problems without rescanning a large file.
    pub lines: LineIndex,
}

impl AnswerFile {
    fn diag(&self, offset: usize, msg: impl Into<String>) -> Diagnostic {
        let mut d = self.lines.diag(&self.path, &self.text, offset, msg);
        // A BOM is not a column anyone can see.
        if d.line == 1 && self.text.starts_with('\u{feff}') {
            d.column = d.column.saturating_sub(1).max(1);
            d.source_line = d.source_line.map(|l| l.trim_start_matches('\u{feff}').to_string());
        }
        d
    }
}

/// Read a file from disk: JSON when it ends in `.json` or starts with `{`, else CSV.
/// Errors (exit code 2): unreadable, not UTF-8, malformed JSON/CSV, not an answer file.
pub fn read(path: &Path) -> Result<AnswerFile, Diagnostic> {
    let bytes = std::fs::read(path).map_err(|e| Diagnostic::file_level(path, format!("cannot read the answer file: {e}")).help("check the path"))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let (line, col) = crate::diagnostics::line_col(&String::from_utf8_lossy(&e.as_bytes()[..e.utf8_error().valid_up_to()]), e.utf8_error().valid_up_to());
        Diagnostic::new(path, line, col, "the file is not UTF-8 text").help("save it as UTF-8 (in Excel: 「CSV UTF-8（コンマ区切り）」)")
    })?;
    let is_json = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) || text.trim_start_matches('\u{feff}').trim_start().starts_with('{');
    if is_json { parse_json(path, text) } else { parse_csv(path, text) }
}

// ---------------------------------------------------------------- JSON

/// Byte offsets of object keys (and their values) down to `answers.<item>.<column>`.
struct KeySpan {
    path: Vec<String>,
    key_at: usize,
    value_at: usize,
}

/// A scanner over text that serde_json has already accepted, so it can be simple.
struct Scan<'a> {
    text: &'a str,
    b: &'a [u8],
    i: usize,
}

impl Scan<'_> {
    fn ws(&mut self) {
        while self.i < self.b.len() && matches!(self.b[self.i], b' ' | b'\t' | b'\n' | b'\r') {
            self.i += 1;
        }
    }
    fn string_end(&self, start: usize) -> usize {
        let mut i = start + 1;
        while i < self.b.len() {
            match self.b[i] {
                b'\\' => i += 2,
                b'"' => return i + 1,
                _ => i += 1,
            }
        }
        self.b.len()
    }
    fn value(&mut self, path: &mut Vec<String>, out: &mut Vec<KeySpan>) {
        self.ws();
        if self.i >= self.b.len() {
            return;
        }
        match self.b[self.i] {
            b'{' => {
                self.i += 1;
                loop {
                    self.ws();
                    if self.i >= self.b.len() || self.b[self.i] == b'}' {
                        self.i += 1;
                        break;
                    }
                    if self.b[self.i] == b',' {
                        self.i += 1;
                        continue;
                    }
                    let ks = self.i;
                    let ke = self.string_end(ks);
                    let key: String = serde_json::from_str(&self.text[ks..ke]).unwrap_or_default();
                    self.i = ke;
                    self.ws();
                    self.i += 1; // ':'
                    self.ws();
                    if path.len() < 3 {
                        let mut p = path.clone();
                        p.push(key.clone());
                        out.push(KeySpan { path: p, key_at: ks, value_at: self.i });
                    }
                    path.push(key);
                    self.value(path, out);
                    path.pop();
                }
            }
            b'[' => {
                self.i += 1;
                loop {
                    self.ws();
                    if self.i >= self.b.len() || self.b[self.i] == b']' {
                        self.i += 1;
                        break;
                    }
                    if self.b[self.i] == b',' {
                        self.i += 1;
                        continue;
                    }
                    path.push("[]".into());
                    self.value(path, out);
                    path.pop();
                }
            }
            b'"' => self.i = self.string_end(self.i),
            _ => {
                while self.i < self.b.len() && !matches!(self.b[self.i], b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    self.i += 1;
                }
            }
        }
    }
}

fn kind(v: &serde_json::Value) -> &'static str {
    match v {
        serde_json::Value::Null => "null",
        serde_json::Value::Bool(_) => "a boolean",
        serde_json::Value::Number(_) => "a number",
        serde_json::Value::String(_) => "a string",
        serde_json::Value::Array(_) => "an array",
        serde_json::Value::Object(_) => "an object",
    }
}

fn string_of(v: &serde_json::Value) -> Result<String, &'static str> {
    v.as_str().map(str::to_owned).ok_or(kind(v))
}

pub fn parse_json(path: &Path, text: String) -> Result<AnswerFile, Diagnostic> {
    // A BOM is harmless here; skip it like Excel-made files need.
    let body_start = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let value: serde_json::Value = serde_json::from_str(&text[body_start..]).map_err(|e| {
        let mut d = Diagnostic::new(path, e.line(), e.column(), format!("malformed JSON: {e}")).with_source(&text[body_start..]);
        d.message = d.message.split(" at line ").next().unwrap_or(&d.message).to_string();
        d.help("an answer file is a JSON object {\"template\", \"version\", \"answers\": {item_id: {column: value}}}")
    })?;
    let mut spans = Vec::new();
    let mut scan = Scan { text: &text, b: text.as_bytes(), i: body_start };
    scan.value(&mut Vec::new(), &mut spans);
    // Looked up once per answer: a map keeps a large file linear.
    let by_path: HashMap<&[String], &KeySpan> = spans.iter().rev().map(|s| (s.path.as_slice(), s)).collect();
    let at = |p: &[&str]| by_path.get(p.iter().map(|s| s.to_string()).collect::<Vec<_>>().as_slice()).copied();
    let lines = LineIndex::new(&text);
    let mut file = AnswerFile { path: path.to_path_buf(), text: text.clone(), template: None, version: None, answers_at: body_start, entries: Vec::new(), is_json: true, problems: Vec::new(), lines };
    let obj = value.as_object().ok_or_else(|| file.diag(body_start, format!("the top level is {}, not an object", kind(&value))).help("an answer file is a JSON object {\"template\", \"version\", \"answers\": {…}}"))?;
    // Duplicate keys: serde_json keeps the last one silently; name every repeat.
    let mut first_seen: HashMap<&[String], usize> = HashMap::new();
    for s in &spans {
        if let Some(prev) = first_seen.insert(&s.path, s.key_at) {
            let (line, _) = file.lines.line_col(&text, prev);
            let what = s.path.join(" / ");
            file.problems.push(file.diag(s.key_at, format!("`{what}` appears twice (first on line {line}); only the last would count")).help("keep one answer per item and column"));
        }
    }
    for key in obj.keys() {
        let off = at(&[key]).map(|s| s.key_at).unwrap_or(body_start);
        match key.as_str() {
            "template" => file.template = Some((string_of(&obj[key]), at(&[key]).map(|s| s.value_at).unwrap_or(off))),
            "version" => file.version = Some((string_of(&obj[key]), at(&[key]).map(|s| s.value_at).unwrap_or(off))),
            "answers" | "$schema" => {}
            other => file.problems.push(file.diag(off, format!("unknown key `{other}` in the answer file")).help(crate::suggest::help(other, &["template", "version", "answers", "$schema"], "the keys are template, version, answers (and optionally $schema)"))),
        }
    }
    let Some(answers) = obj.get("answers") else {
        file.problems.push(file.diag(body_start, "the answer file has no `answers`").help("add \"answers\": {item_id: {column: value}}"));
        return Ok(file);
    };
    file.answers_at = at(&["answers"]).map(|s| s.key_at).unwrap_or(body_start);
    let answers = answers.as_object().ok_or_else(|| file.diag(file.answers_at, format!("`answers` is {}, not an object", kind(answers))).help("write \"answers\": {item_id: {column: value}}"))?;
    for (item, cols) in answers {
        let item_at = at(&["answers", item]).map(|s| s.key_at).unwrap_or(file.answers_at);
        let Some(cols) = cols.as_object() else {
            file.problems.push(file.diag(item_at, format!("the answers of `{item}` are {}, not an object", kind(cols))).help(format!("write \"{item}\": {{\"column\": \"answer\"}}")));
            continue;
        };
        for (column, v) in cols {
            let span = at(&["answers", item, column]);
            file.entries.push(Entry {
                item: item.clone(),
                column: column.clone(),
                value: string_of(v),
                item_at,
                column_at: span.map(|s| s.key_at).unwrap_or(item_at),
                value_at: span.map(|s| s.value_at).unwrap_or(item_at),
            });
        }
    }
    Ok(file)
}

// ---------------------------------------------------------------- CSV

pub fn parse_csv(path: &Path, text: String) -> Result<AnswerFile, Diagnostic> {
    let start = if text.starts_with('\u{feff}') { '\u{feff}'.len_utf8() } else { 0 };
    let lines = LineIndex::new(&text);
    let mut file = AnswerFile { path: path.to_path_buf(), text: text.clone(), template: None, version: None, answers_at: start, entries: Vec::new(), is_json: false, problems: Vec::new(), lines };
    let mut records = crate::csv::records(&text, start).map_err(|(at, msg)| file.diag(at, format!("malformed CSV: {msg}")).help("quote fields that contain commas, quotes or line breaks (\"…\"), doubling quotes inside"))?;
    // Our CSVs guard formula-like cells with a leading `'` (crate::csv); read back the value itself.
    for field in records.iter_mut().flatten() {
        let value = crate::csv::unguard(&field.0);
        if value.len() != field.0.len() {
            field.0 = value.to_string();
        }
    }
    let Some((header, rest)) = records.split_first() else {
        return Err(file.diag(start, "the CSV file is empty").help("the first line must be `item_id,column,value`"));
    };
    let names: Vec<&str> = header.iter().map(|(f, _)| f.trim()).collect();
    if names != ANSWER_HEADER {
        return Err(file.diag(start, format!("the first line is `{}`, not `item_id,column,value`", names.join(","))).help("an answer CSV starts with the header item_id,column,value (download one from the template page)"));
    }
    for rec in rest {
        if rec.len() != 3 {
            let (line, _) = file.lines.line_col(&text, rec[0].1);
            return Err(file.diag(rec[0].1, format!("line {line} has {} fields; an answer row has 3 (item_id,column,value)", rec.len())).help("quote a value that contains commas: \"a, b\""));
        }
        let (item, column, value) = (&rec[0], &rec[1], &rec[2]);
        if item.0.trim() == META_ID {
            match column.0.trim() {
                "template" => file.template = Some((Ok(value.0.trim().to_string()), value.1)),
                "version" => file.version = Some((Ok(value.0.trim().to_string()), value.1)),
                other => file.problems.push(file.diag(column.1, format!("unknown `{META_ID}` row `{other}`")).help(format!("`{META_ID}` rows are `template` and `version`"))),
            }
            continue;
        }
        file.entries.push(Entry {
            item: item.0.trim().to_string(),
            column: column.0.trim().to_string(),
            value: Ok(value.0.clone()),
            item_at: item.1,
            column_at: column.1,
            value_at: value.1,
        });
    }
    Ok(file)
}

// ---------------------------------------------------------------- checking

#[derive(Debug)]
pub struct Outcome {
    /// The template the file was checked against, when one could be chosen.
    pub template: Option<String>,
    pub errors: Vec<Diagnostic>,
    /// Non-empty answers, and how many of the required cells are answered.
    pub answered: usize,
    pub required_answered: usize,
    pub required_total: usize,
}

/// Which template a file is for: its `template` value, else (CSV) the prefix of its item ids.
fn choose<'a>(templates: &'a Templates, file: &AnswerFile, errors: &mut Vec<Diagnostic>) -> Option<&'a Template> {
    let known: Vec<&str> = templates.templates.iter().map(|t| t.name.as_str()).collect();
    match &file.template {
        Some((Ok(name), at)) => match templates.get(name) {
            Some(t) => Some(t),
            None => {
                errors.push(file.diag(*at, format!("unknown template `{name}`")).help(crate::suggest::help(name, &known, format!("this site defines: {}", known.join(", ")))));
                None
            }
        },
        Some((Err(kind), at)) => {
            errors.push(file.diag(*at, format!("`template` is {kind}, not a string")).help(format!("write \"template\": \"{}\"", known.first().copied().unwrap_or("disclosure"))));
            None
        }
        None if file.is_json => {
            errors.push(file.diag(file.answers_at, "the answer file does not say which template it answers").help(format!("add \"template\": one of {}", known.join(", "))));
            None
        }
        None => {
            let guess = file.entries.first().and_then(|e| templates.templates.iter().find(|t| e.item.starts_with(t.id_prefix())));
            if guess.is_none() {
                errors.push(file.diag(file.answers_at, "cannot tell which template this CSV answers").help(format!("add a row `{META_ID},template,<name>` (one of {})", known.join(", "))));
            }
            guess
        }
    }
}

pub fn check(templates: &Templates, file: &AnswerFile) -> Outcome {
    let mut errors = file.problems.clone();
    let mut outcome = Outcome { template: None, errors: Vec::new(), answered: 0, required_answered: 0, required_total: 0 };
    let Some(t) = choose(templates, file, &mut errors) else {
        outcome.errors = errors;
        return outcome;
    };
    outcome.template = Some(t.name.clone());
    match &file.version {
        Some((Ok(v), at)) if *v != t.version => errors.push(
            file.diag(*at, format!("the file answers version {v} of `{}`; the template is version {}", t.name, t.version))
                .help("export a fresh answer file from the template page (your saved answers are loaded into it) or update `version` after checking the items"),
        ),
        Some((Err(kind), at)) => errors.push(file.diag(*at, format!("`version` is {kind}, not a string")).help(format!("write \"version\": \"{}\"", t.version))),
        None if file.is_json => errors.push(file.diag(file.answers_at, "the answer file has no `version`").help(format!("add \"version\": \"{}\"", t.version))),
        _ => {}
    }
    let rows = t.rows();
    let by_id: HashMap<&str, &super::Row> = rows.iter().map(|r| (r.item.id.as_str(), r)).collect();
    // (item, column) → offset of the first answer, for duplicates and "missing" positions.
    let mut seen: HashMap<(&str, &str), usize> = HashMap::new();
    // Cells with an answer: `true` valid, `false` wrong (reported once, not again as missing).
    let mut answered: HashMap<(&str, &str), bool> = HashMap::new();
    let mut first_of_item: HashMap<&str, usize> = HashMap::new();
    for e in file.entries.iter().rev() {
        first_of_item.insert(e.item.as_str(), e.item_at);
    }
    for e in &file.entries {
        let Some(row) = by_id.get(e.item.as_str()) else {
            let help = match t.item(&e.item) {
                Some(node) => {
                    let ids: Vec<&str> = rows.iter().filter(|r| r.path.iter().any(|p| p.id == node.id)).map(|r| r.item.id.as_str()).take(6).collect();
                    format!("`{}` is a heading; answer its rows: {}", e.item, ids.join(", "))
                }
                None => {
                    let ids: Vec<&str> = rows.iter().map(|r| r.item.id.as_str()).collect();
                    crate::suggest::help(&e.item, &ids, format!("item ids are listed in downloads/{}-answers.csv, e.g. {}", t.name, ids.first().copied().unwrap_or("")))
                }
            };
            errors.push(file.diag(e.item_at, format!("unknown item id `{}`", e.item)).help(help));
            continue;
        };
        let Some(col) = row.columns.iter().find(|c| c.key == e.column) else {
            let keys: Vec<&str> = row.columns.iter().map(|c| c.key.as_str()).collect();
            errors.push(file.diag(e.column_at, format!("item `{}` has no column `{}`", e.item, e.column)).help(crate::suggest::help(&e.column, &keys, format!("its columns: {}", keys.join(", ")))));
            continue;
        };
        if let Some(prev) = seen.insert((row.item.id.as_str(), col.key.as_str()), e.item_at)
            && !file.is_json
        {
            {
                let (line, _) = file.lines.line_col(&file.text, prev);
                errors.push(file.diag(e.item_at, format!("`{}` / `{}` is answered twice (first on line {line})", e.item, e.column)).help("keep one row per item and column"));
            }
        }
        let value = match &e.value {
            Ok(v) => v,
            Err(kind) => {
                errors.push(file.diag(e.value_at, format!("the answer for `{}` / `{}` is {kind}, not a string", e.item, e.column)).help("write answers as strings: \"有\", \"…\""));
                answered.insert((row.item.id.as_str(), col.key.as_str()), false);
                continue;
            }
        };
        let v = value.trim();
        if v.is_empty() {
            continue;
        }
        if col.kind == ColumnType::Choice && !col.options.iter().any(|o| o == v) {
            errors.push(
                file.diag(e.value_at, format!("`{v}` is not an option of `{}` / `{}` ({})", e.item, e.column, col.header))
                    .help(crate::suggest::help(v, &col.options.iter().map(String::as_str).collect::<Vec<_>>(), format!("use one of: {} (or leave it empty)", col.options.join(", ")))),
            );
            answered.insert((row.item.id.as_str(), col.key.as_str()), false);
            continue;
        }
        outcome.answered += 1;
        answered.insert((row.item.id.as_str(), col.key.as_str()), true);
    }
    for row in &rows {
        for col in row.required_columns() {
            outcome.required_total += 1;
            match answered.get(&(row.item.id.as_str(), col.key.as_str())) {
                Some(true) => {
                    outcome.required_answered += 1;
                    continue;
                }
                Some(false) => continue,
                None => {}
            }
            let at = seen.get(&(row.item.id.as_str(), col.key.as_str())).copied().or_else(|| first_of_item.get(row.item.id.as_str()).copied()).unwrap_or(file.answers_at);
            errors.push(
                file.diag(at, format!("missing required answer: `{}` / `{}` — {} — {}", row.item.id, col.key, row.item.display_title(), col.full_header()))
                    .help(if col.kind == ColumnType::Choice { format!("choose one of: {}", col.options.join(", ")) } else { "write the answer (「該当なし」 where nothing applies)".to_string() }),
            );
        }
    }
    errors.sort_by_key(|d| (d.line, d.column));
    outcome.errors = errors;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_key_spans_reach_columns() {
        let t = "{\n \"answers\": {\n  \"disc-1\": {\"presence\": \"有\", \"x\": [1, {\"y\": 2}]}\n }\n}";
        let mut spans = Vec::new();
        Scan { text: t, b: t.as_bytes(), i: 0 }.value(&mut Vec::new(), &mut spans);
        let p = spans.iter().find(|s| s.path == ["answers", "disc-1", "presence"]).unwrap();
        assert_eq!(&t[p.key_at..p.key_at + 10], "\"presence\"");
        assert_eq!(&t[p.value_at..p.value_at + 4], "\"有");
        assert!(spans.iter().all(|s| s.path.len() <= 3));
    }
}
