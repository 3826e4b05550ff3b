//! Plain values: errors about a key's value in the author's words — the key, the value as
//! written and the allowed values, as docs/content-format.md names them — never the wording of
//! serde or the YAML library ("externally tagged enum", "invalid type: sequence").

use crate::suggest;

/// The message and help for a value of `key` outside `allowed`: "`confidence` is one of `high`,
/// `medium`, `low`, not `hgih`" with "did you mean `high`?" when one is close.
pub fn bad_value(key: &str, found: &str, allowed: &[&str]) -> (String, String) {
    let message = format!("`{key}` is one of {}, not `{found}`", suggest::quoted_list(allowed));
    let example = allowed.first().map(|a| format!("e.g. `{key}: {a}`; docs/content-format.md lists the values")).unwrap_or_default();
    let single = found.starts_with(['[', '{']);
    let help = if single { format!("write one value, not a list or mapping, {example}") } else { suggest::help(found, allowed, format!("write {example}")) };
    (message, help)
}

/// A serde / serde-saphyr message turned into plain (message, help), given the source line the
/// error points at and its 1-based column. None when the message is not one of the kinds
/// known here (syntax errors keep the parser's own words, which name the problem).
pub fn translate(message: &str, line: &str, column: usize) -> Option<(String, String)> {
    if let Some(rest) = message.strip_prefix("unknown field `") {
        let (field, expected) = rest.split_once('`')?;
        let keys = names_after(expected);
        let list = if keys.is_empty() { "this mapping has no keys".to_string() } else { format!("the keys here are {}", suggest::quoted_list(&keys)) };
        let help = suggest::help(field, &keys, format!("{list}; docs/content-format.md explains each"));
        return Some((format!("unknown key `{field}`"), help));
    }
    if let Some(field) = message.strip_prefix("missing field `").and_then(|r| r.split_once('`')).map(|(f, _)| f) {
        return Some((format!("missing key `{field}`"), format!("add `{field}: …`; docs/content-format.md lists the required keys")));
    }
    let (key, found) = key_and_value(line, column);
    let key = key.unwrap_or("this value");
    if let Some(rest) = message.strip_prefix("unknown variant `") {
        let (variant, expected) = rest.split_once('`')?;
        let allowed = names_after(expected);
        return Some(bad_value(key, found.as_deref().unwrap_or(variant), &allowed));
    }
    let (unexpected, expected) = message.strip_prefix("invalid type: ").or_else(|| message.strip_prefix("invalid value: "))?.rsplit_once(", expected ")?;
    if let Some(list) = expected.strip_prefix("one of ") {
        let allowed = names_after(list);
        return Some(bad_value(key, found.as_deref().unwrap_or(&kind(unexpected)), &allowed));
    }
    let shown = found.map(|f| format!("`{f}`")).unwrap_or_else(|| kind(unexpected));
    Some((format!("`{key}` must be {}, not {shown}", kind(expected)), "docs/content-format.md gives the type of every key".to_string()))
}

/// Messages about a value that has the wrong shape but no type name worth showing.
pub fn translate_shape(message: &str, line: &str, column: usize) -> Option<(String, String)> {
    let (key, found) = key_and_value(line, column);
    let key = key.unwrap_or("this value");
    let found = found.map(|f| format!(", not `{f}`")).unwrap_or_default();
    if message.contains("externally tagged enum") || message.contains("unit enum variant") {
        return Some((format!("`{key}` must be a single value{found}"), "docs/content-format.md lists the values of every key".to_string()));
    }
    if let Some(what) = message.strip_prefix("expected ").filter(|w| ["scalar", "sequence", "mapping"].iter().any(|k| w.contains(k))) {
        let want = if what.contains("string") {
            "text"
        } else if what.contains("sequence") {
            "a list"
        } else if what.contains("mapping") {
            "a mapping"
        } else {
            "a single value"
        };
        let value = key_and_value(line, column).1.unwrap_or_default();
        // `[unclosed` was meant as text; `[a, b]` is a list where one value belongs.
        let closed = (value.starts_with('[') && value.ends_with(']')) || (value.starts_with('{') && value.ends_with('}'));
        let help = if want == "text" && closed {
            format!("write one value, not a list or mapping: `{key}: …`")
        } else if want == "text" && value.starts_with(['[', '{', '*', '&', '!', '|', '>']) {
            format!("quote text that starts with `{}`: `{key}: \"{}\"`", &value[..1], value.replace('"', "\\\""))
        } else {
            "docs/content-format.md gives the type of every key".to_string()
        };
        return Some((format!("`{key}` must be {want}{found}"), help));
    }
    if message.starts_with("cannot deserialize null into") {
        return Some((format!("`{key}` is empty"), format!("write a value after `{key}:`, or remove the key")));
    }
    // The library's own scalar checks: "invalid boolean", "invalid i64".
    if let Some(ty) = message.strip_prefix("invalid ").and_then(|r| r.split([' ', '(']).next()).filter(|t| !t.is_empty() && !message.contains(':')) {
        return Some((format!("`{key}` must be {}{found}", kind(ty)), "docs/content-format.md gives the type of every key".to_string()));
    }
    if message.starts_with("data did not match any variant of untagged enum") {
        return Some((format!("`{key}` must be text or a list of text{found}"), format!("write `{key}: value` or `{key}: [a, b]`")));
    }
    None
}

/// Backticked or comma-separated names after "expected one of" (serde backticks them, the
/// YAML library may not).
fn names_after(text: &str) -> Vec<&str> {
    let text = text.trim().trim_start_matches(',').trim().trim_start_matches("expected").trim().trim_start_matches("one of").trim();
    if text.is_empty() || text.starts_with("there are no") {
        return Vec::new();
    }
    text.split(',').map(|n| n.trim().trim_matches('`')).filter(|n| !n.is_empty()).collect()
}

/// A serde type description in plain words.
fn kind(serde_words: &str) -> String {
    let w = serde_words.trim();
    let plain = match w {
        "sequence" | "a sequence" => "a list",
        "map" | "a map" | "mapping" => "a mapping",
        "a string" | "string" => "text",
        "a boolean" | "boolean" | "bool" => "`true` or `false`",
        "option" | "unit value" | "null" => "empty",
        _ if w.starts_with("struct ") => "a mapping of keys",
        _ if ["i8", "i16", "i32", "i64", "u8", "u16", "u32", "u64", "usize", "isize", "integer"].iter().any(|t| w.ends_with(t)) => "a whole number",
        _ if w.starts_with("floating point") || w == "f64" || w == "f32" => "a number",
        _ if w.starts_with("string ") => return format!("text {}", &w[7..]),
        _ => w,
    };
    plain.to_string()
}

/// The key on `line` whose value sits at or before `column` (1-based), and that value as written.
fn key_and_value(line: &str, column: usize) -> (Option<&str>, Option<String>) {
    let at = line.char_indices().nth(column.saturating_sub(1)).map_or(line.len(), |(i, _)| i);
    // The last `key:` that starts at or before the error position (the library points at the
    // key or at the value; block `key: v`, flow `{a: 1, key: v}`).
    let mut found: Option<(usize, usize)> = None;
    let bytes = line.as_bytes();
    for (i, c) in line.char_indices() {
        if c == ':' && bytes.get(i + 1).is_none_or(|b| *b == b' ') {
            let before = &line[..i];
            let start = before.char_indices().rev().find(|(_, ch)| !(ch.is_alphanumeric() || *ch == '_' || *ch == '-' || *ch == '$')).map_or(0, |(p, ch)| p + ch.len_utf8());
            if start < i && start <= at {
                found = Some((start, i));
            }
        }
    }
    let Some((start, end)) = found else { return (None, None) };
    let key = &line[start..end];
    let value = value_text(&line[end + 1..]);
    (Some(key), (!value.is_empty()).then_some(value))
}

/// A value as written: up to a `,` or `}` outside brackets (flow mappings), or a ` #` comment.
fn value_text(rest: &str) -> String {
    let rest = rest.trim_start();
    let mut depth = 0i32;
    let mut end = rest.len();
    let mut prev = ' ';
    for (i, c) in rest.char_indices() {
        match c {
            '[' | '{' => depth += 1,
            ']' | '}' if depth > 0 => depth -= 1,
            ',' | '}' if depth == 0 => {
                end = i;
                break;
            }
            '#' if depth == 0 && prev == ' ' => {
                end = i;
                break;
            }
            _ => {}
        }
        prev = c;
    }
    rest[..end].trim().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enum_errors_name_key_value_and_allowed_values() {
        let (m, h) = translate("unknown variant `hgih`, expected one of `high`, `medium`, `low`", "confidence: hgih", 13).unwrap();
        assert_eq!(m, "`confidence` is one of `high`, `medium`, `low`, not `hgih`");
        assert!(h.starts_with("did you mean `high`?"), "{h}");
        let (m, h) = translate("invalid type: sequence, expected one of `high`, `medium`, `low`", "confidence: [high]", 14).unwrap();
        assert_eq!(m, "`confidence` is one of `high`, `medium`, `low`, not `[high]`");
        assert!(h.starts_with("write one value"), "{h}");
        // The library may point at the key instead of the value.
        let (m, _) = translate("invalid type: integer `3`, expected one of `high`, `medium`, `low`", "confidence: 3", 1).unwrap();
        assert_eq!(m, "`confidence` is one of `high`, `medium`, `low`, not `3`");
        let (m, _) = translate("invalid type: sequence, expected one of `a`", "  - { from: x, relationship: [a] }", 17).unwrap();
        assert!(m.starts_with("`relationship` is one of"), "{m}");
    }

    #[test]
    fn unknown_keys_get_the_nearest_key() {
        let (m, h) = translate("unknown field `confidance`, expected one of title, number, confidence", "confidance: high", 1).unwrap();
        assert_eq!(m, "unknown key `confidance`");
        assert!(h.starts_with("did you mean `confidence`? (the keys here are `title`, `number`, `confidence`"), "{h}");
    }

    #[test]
    fn text_that_looks_like_a_list_is_told_to_be_quoted() {
        let (m, h) = translate_shape("expected string scalar", "title: [unclosed", 8).unwrap();
        assert_eq!(m, "`title` must be text, not `[unclosed`");
        assert_eq!(h, "quote text that starts with `[`: `title: \"[unclosed\"`");
    }

    #[test]
    fn scalar_checks_of_the_library_in_plain_words() {
        let (m, _) = translate_shape("invalid boolean", "draft: maybe", 8).unwrap();
        assert_eq!(m, "`draft` must be `true` or `false`, not `maybe`");
        let (m, _) = translate_shape("invalid i64", "weight: abc", 9).unwrap();
        assert_eq!(m, "`weight` must be a whole number, not `abc`");
        let (m, h) = translate_shape("expected string scalar", "updated: [1]", 10).unwrap();
        assert_eq!(m, "`updated` must be text, not `[1]`");
        assert!(h.starts_with("write one value"), "{h}");
    }

    #[test]
    fn types_in_plain_words() {
        let (m, _) = translate("invalid type: string \"abc\", expected i64", "weight: abc", 9).unwrap();
        assert_eq!(m, "`weight` must be a whole number, not `abc`");
        let (m, _) = translate("invalid type: sequence, expected a string", "  - { from: [a], to: b }", 14).unwrap();
        assert_eq!(m, "`from` must be text, not `[a]`");
    }
}

/// Deserialises a plain enum from its token (`high`), with `expecting` listing the tokens, so
/// that every wrong value — a typo, a list, a number — reaches `translate` as "one of …" and
/// becomes "`key` is one of …, not …" at the value's position. `TOKENS` lists them for help lines.
macro_rules! token_enum {
    ($ty:ident { $($variant:ident = $tok:literal),+ $(,)? }) => {
        impl $ty {
            /// The values accepted in YAML, as docs/content-format.md lists them.
            pub const TOKENS: &'static [&'static str] = &[$($tok),+];
        }
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                struct Token;
                impl serde::de::Visitor<'_> for Token {
                    type Value = $ty;
                    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                        write!(f, "one of {}", $crate::suggest::quoted_list($ty::TOKENS))
                    }
                    fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<$ty, E> {
                        match v {
                            $($tok => Ok($ty::$variant),)+
                            _ => Err(E::unknown_variant(v, $ty::TOKENS)),
                        }
                    }
                }
                // `any`, not `str`: the YAML library reads a list given to `deserialize_str` itself
                // and says "expected string scalar" without the tokens.
                d.deserialize_any(Token)
            }
        }
    };
}
pub(crate) use token_enum;
