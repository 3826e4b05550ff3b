//! Writing CSV cells, for every CSV the site generates (mapping exports, template and answer
//! files), reading CSV back with byte offsets (answer files), and undoing the formula guard when
//! such a file is read back.
//!
//! Formula injection (OWASP "CSV Injection"): a spreadsheet evaluates a cell that starts with `=`,
//! `+`, `-` or `@` as a formula, and skips a leading tab or carriage return before looking. The
//! text comes from content files and from what users type into the answer form, so such a cell is
//! written with a leading `'`, which spreadsheets show as plain text. `unguard` removes exactly
//! that quote again, so a file we wrote reads back to the original values (form.js mirrors both).

use std::borrow::Cow;

/// First characters that make a spreadsheet read a cell as a formula.
const FORMULA_START: [char; 6] = ['=', '+', '-', '@', '\t', '\r'];

/// True when `s` is guarded on write: it starts with a formula character, possibly after quotes.
/// Counting the quotes makes the guard reversible: a value that itself starts with `'=` gets a
/// second quote, so `unguard` never strips a quote the author wrote.
fn is_guarded_form(s: &str) -> bool {
    s.trim_start_matches('\'').starts_with(FORMULA_START)
}

/// `s` made safe to open in a spreadsheet: `'` in front when it could start a formula.
pub fn guard(s: &str) -> Cow<'_, str> {
    if is_guarded_form(s) { Cow::Owned(format!("'{s}")) } else { Cow::Borrowed(s) }
}

/// The value `guard` was given: drops the `'` that `guard` added, leaves everything else alone.
pub fn unguard(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if is_guarded_form(rest) => rest,
        _ => s,
    }
}

/// One CSV field: guarded, then quoted when needed (RFC 4180; leading or trailing spaces are
/// quoted too, so that tools which trim unquoted fields keep them).
pub fn field(s: &str) -> String {
    // Control characters other than tab and line breaks (a YAML "\0" …) never reach a file.
    let cleaned: String;
    let s = if s.chars().any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r')) {
        cleaned = s.chars().map(|c| if c.is_control() && !matches!(c, '\t' | '\n' | '\r') { '\u{FFFD}' } else { c }).collect();
        cleaned.as_str()
    } else {
        s
    };
    let s = guard(s);
    if s.contains([',', '"', '\n', '\r']) || s.starts_with(' ') || s.ends_with(' ') {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.into_owned()
    }
}

/// One CSV record with its CRLF line end.
pub fn record<S: AsRef<str>>(fields: &[S]) -> String {
    let mut line = fields.iter().map(|f| field(f.as_ref())).collect::<Vec<_>>().join(",");
    line.push_str("\r\n");
    line
}

/// A CSV field and the byte offset where it starts.
pub type Field = (String, usize);

/// RFC 4180 records as (field, byte offset) lists. Quoted fields may hold commas, quotes ("")
/// and line breaks. Errors carry the offset of the problem.
pub fn records(text: &str, start: usize) -> Result<Vec<Vec<Field>>, (usize, String)> {
    let b = text.as_bytes();
    let mut records = Vec::new();
    let mut i = start;
    while i < b.len() {
        let mut record = Vec::new();
        loop {
            let field_at = i;
            let mut field = String::new();
            if i < b.len() && b[i] == b'"' {
                i += 1;
                let mut seg = i;
                loop {
                    if i >= b.len() {
                        return Err((field_at, "a quoted field is never closed".into()));
                    }
                    if b[i] == b'"' {
                        field.push_str(&text[seg..i]);
                        if i + 1 < b.len() && b[i + 1] == b'"' {
                            field.push('"');
                            i += 2;
                            seg = i;
                            continue;
                        }
                        i += 1;
                        break;
                    }
                    i += 1;
                }
                if i < b.len() && !matches!(b[i], b',' | b'\r' | b'\n') {
                    return Err((i, "unexpected text after a closing quote".into()));
                }
            } else {
                let s = i;
                while i < b.len() && !matches!(b[i], b',' | b'\r' | b'\n') {
                    if b[i] == b'"' {
                        return Err((i, "a quote inside an unquoted field".into()));
                    }
                    i += 1;
                }
                field.push_str(&text[s..i]);
            }
            record.push((field, field_at));
            if i < b.len() && b[i] == b',' {
                i += 1;
                continue;
            }
            break;
        }
        if i < b.len() && b[i] == b'\r' {
            i += 1;
        }
        if i < b.len() && b[i] == b'\n' {
            i += 1;
        }
        // Blank lines carry nothing.
        if !(record.len() == 1 && record[0].0.is_empty()) {
            records.push(record);
        }
    }
    Ok(records)
}


#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_starts_are_guarded_and_everything_else_is_not() {
        for s in ["=1+1", "+81", "-1", "@SUM(A1)", "\tx", "\r=x", "=HYPERLINK(\"http://x\")"] {
            assert_eq!(guard(s), format!("'{s}"), "{s:?}");
        }
        for s in ["", "a=b", "3.2.1", "医療", " =x", "'quoted", "1-2"] {
            assert_eq!(guard(s), s, "{s:?}");
        }
    }

    #[test]
    fn unguard_inverts_guard_even_for_values_that_start_with_a_quote() {
        for s in ["", "=x", "'=x", "''=x", "'", "'a", "a", "-", "'-1", "@", "plain 'text'"] {
            assert_eq!(unguard(&guard(s)), s, "{s:?}");
        }
        // A quote the author wrote in front of ordinary text stays.
        assert_eq!(unguard("'a"), "'a");
    }

    #[test]
    fn fields_are_guarded_then_quoted() {
        assert_eq!(field("a"), "a");
        assert_eq!(field("a,b"), "\"a,b\"");
        assert_eq!(field("say \"x\"\nnext"), "\"say \"\"x\"\"\nnext\"");
        assert_eq!(field(" lead"), "\" lead\"");
        assert_eq!(field("=1+1"), "'=1+1");
        assert_eq!(field("=SUM(A1,B1)"), "\"'=SUM(A1,B1)\"");
        assert_eq!(field("\r\n=x"), "\"'\r\n=x\"");
        assert_eq!(record(&["a", "=b", "c,d"]), "a,'=b,\"c,d\"\r\n");
        // Control characters never reach a file (file names and git data can hold them too).
        assert_eq!(field("a\u{0}b\u{1b}"), "a\u{FFFD}b\u{FFFD}");
    }

    #[test]
    fn records_handle_quotes_and_line_breaks() {
        let t = "a,b,c\r\n\"x, y\",\"say \"\"hi\"\"\",\"1\n2\"\n\nz,,\n";
        let r = records(t, 0).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[1][0].0, "x, y");
        assert_eq!(r[1][1].0, "say \"hi\"");
        assert_eq!(r[1][2].0, "1\n2");
        assert_eq!(r[2].iter().map(|f| f.0.as_str()).collect::<Vec<_>>(), vec!["z", "", ""]);
        assert_eq!(&t[r[2][0].1..r[2][0].1 + 1], "z");
        assert!(records("\"open", 0).is_err());
        assert!(records("a\"b", 0).is_err());
    }
}
