//! A reader for the parts of an OSCAL metaschema (XML) that decide whether a JSON document has
//! what the model requires: flags with `required="yes"`, model members with `min-occurs` ≥ 1,
//! their JSON names (`use-name`, `group-as`), and closed `allowed-values` lists. Enough to check
//! an export against the official definitions (tests/fixtures/oscal-1.2.2) without a validator.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};

#[derive(Debug, Default)]
pub struct Def {
    pub kind: String, // assembly, field, flag
    pub flags: Vec<Member>,
    pub model: Vec<Member>,
    /// Closed allowed-values of this flag or field (empty: any value).
    pub allowed: BTreeSet<String>,
}

#[derive(Debug, Clone)]
pub struct Member {
    /// Key of the definition in `Metaschema::defs`.
    pub def: String,
    pub json_name: String,
    pub required: bool,
    pub grouped: bool,
}

#[derive(Default)]
pub struct Metaschema {
    pub defs: BTreeMap<String, Def>,
}

/// Key of a global definition: `assembly:map`, `field:remarks`, `flag:method`.
pub fn key(kind: &str, name: &str) -> String {
    format!("{kind}:{name}")
}

enum Frame {
    Def(String),
    Member { owner: String, list: &'static str, index: usize },
    Allowed { def: String, closed: bool },
    Other,
}

impl Metaschema {
    /// Read metaschema files (their top-level definitions share one namespace, as imports do).
    pub fn read(texts: &[String]) -> Metaschema {
        let mut m = Metaschema::default();
        let comments = regex::Regex::new(r"(?s)<!--.*?-->").unwrap();
        let tag = regex::Regex::new(r#"<(/?)([A-Za-z][A-Za-z-]*)((?:[^>"]|"[^"]*")*?)(/?)>"#).unwrap();
        let attr = regex::Regex::new(r#"([A-Za-z-]+)="([^"]*)""#).unwrap();
        for text in texts {
            let text = comments.replace_all(text, "");
            let mut stack: Vec<(String, Frame)> = Vec::new();
            let mut inline = 0;
            for cap in tag.captures_iter(&text) {
                let (closing, name, self_closing) = (&cap[1] == "/", cap[2].to_string(), &cap[4] == "/");
                if closing {
                    while let Some((n, _)) = stack.pop() {
                        if n == name {
                            break;
                        }
                    }
                    continue;
                }
                let attrs: BTreeMap<String, String> = attr.captures_iter(&cap[3]).map(|a| (a[1].to_string(), a[2].to_string())).collect();
                let a = |k: &str| attrs.get(k).cloned();
                let owner = stack.iter().rev().find_map(|(_, f)| if let Frame::Def(d) = f { Some(d.clone()) } else { None });
                let in_model = stack.last().is_some_and(|(n, _)| n == "model" || n == "choice");
                let kind = name.trim_start_matches("define-").to_string();
                let frame = match name.as_str() {
                    "define-assembly" | "define-field" | "define-flag" => {
                        let own = a("name").unwrap_or_default();
                        let def_key = match &owner {
                            None => key(&kind, &own),
                            Some(o) => {
                                inline += 1;
                                format!("{o}/{kind}:{own}#{inline}")
                            }
                        };
                        m.defs.insert(def_key.clone(), Def { kind: kind.clone(), ..Def::default() });
                        if let Some(o) = owner {
                            let list = if kind == "flag" { "flags" } else { "model" };
                            let required = if kind == "flag" { a("required").as_deref() == Some("yes") } else { min_occurs(&attrs) >= 1 && in_model };
                            m.push(&o, list, Member { def: def_key.clone(), json_name: own, required, grouped: false });
                        }
                        Frame::Def(def_key)
                    }
                    "assembly" | "field" | "flag" if owner.is_some() && (in_model || kind == "flag") => {
                        let o = owner.unwrap();
                        let reference = a("ref").unwrap_or_default();
                        let required = if kind == "flag" { a("required").as_deref() == Some("yes") } else { min_occurs(&attrs) >= 1 };
                        let list = if kind == "flag" { "flags" } else { "model" };
                        let index = m.push(&o, list, Member { def: key(&kind, &reference), json_name: reference, required, grouped: false });
                        Frame::Member { owner: o, list, index }
                    }
                    "use-name" | "group-as" => {
                        if let Some((_, Frame::Member { owner, list, index })) = stack.last() {
                            let member = m.member(owner, list, *index);
                            if name == "group-as" {
                                member.json_name = a("name").unwrap_or_default();
                                member.grouped = true;
                            } else if !member.grouped {
                                let start = cap.get(0).unwrap().end();
                                member.json_name = text[start..].split('<').next().unwrap_or_default().trim().to_string();
                            }
                        }
                        Frame::Other
                    }
                    // A closed list on the definition itself (target absent or `.`-relative).
                    "allowed-values" => match owner {
                        Some(d) if a("target").is_none_or(|t| t.starts_with('.')) => Frame::Allowed { def: d, closed: a("allow-other").as_deref() != Some("yes") },
                        _ => Frame::Other,
                    },
                    "enum" => {
                        if let Some((_, Frame::Allowed { def, closed: true })) = stack.last() {
                            let d = m.defs.get_mut(def).unwrap();
                            if d.kind != "assembly" {
                                d.allowed.insert(a("value").unwrap_or_default());
                            }
                        }
                        Frame::Other
                    }
                    _ => Frame::Other,
                };
                if !self_closing {
                    stack.push((name, frame));
                }
            }
        }
        m
    }

    fn push(&mut self, owner: &str, list: &str, member: Member) -> usize {
        let d = self.defs.get_mut(owner).unwrap();
        let l = if list == "flags" { &mut d.flags } else { &mut d.model };
        l.push(member);
        l.len() - 1
    }

    fn member(&mut self, owner: &str, list: &str, index: usize) -> &mut Member {
        let d = self.defs.get_mut(owner).unwrap();
        if list == "flags" { &mut d.flags[index] } else { &mut d.model[index] }
    }

    /// The JSON names a definition requires (required flags and min-occurs ≥ 1 members).
    pub fn required_names(&self, def: &str) -> BTreeSet<String> {
        let d = &self.defs[def];
        d.flags.iter().chain(&d.model).filter(|m| m.required).map(|m| m.json_name.clone()).collect()
    }

    /// The JSON member of `def` named `json_name`, searched among flags and model members.
    pub fn member_named(&self, def: &str, json_name: &str) -> Option<&Member> {
        let d = &self.defs[def];
        d.flags.iter().chain(&d.model).find(|m| m.json_name == json_name)
    }

    /// Check `v` against definition `def`; problems are pushed as "path: message".
    pub fn check(&self, def: &str, v: &Value, path: &str, errors: &mut Vec<String>) {
        let Some(d) = self.defs.get(def) else { return }; // defined in a file not vendored
        match (d.kind.as_str(), v) {
            ("assembly", Value::Object(o)) | ("field", Value::Object(o)) => {
                for m in d.flags.iter().chain(&d.model) {
                    match o.get(&m.json_name) {
                        None if m.required => errors.push(format!("{path}: missing required `{}`", m.json_name)),
                        None => {}
                        Some(Value::Array(items)) if m.grouped => {
                            if items.is_empty() && m.required {
                                errors.push(format!("{path}/{}: empty, at least one is required", m.json_name));
                            }
                            for (i, item) in items.iter().enumerate() {
                                self.check(&m.def, item, &format!("{path}/{}[{i}]", m.json_name), errors);
                            }
                        }
                        Some(_) if m.grouped => errors.push(format!("{path}/{}: must be an array", m.json_name)),
                        Some(x) => self.check(&m.def, x, &format!("{path}/{}", m.json_name), errors),
                    }
                }
                if d.kind == "assembly" {
                    for k in o.keys() {
                        if !d.flags.iter().chain(&d.model).any(|m| &m.json_name == k) {
                            errors.push(format!("{path}: `{k}` is not defined by the model"));
                        }
                    }
                }
            }
            ("assembly", _) => errors.push(format!("{path}: must be an object")),
            (_, Value::String(s)) if !d.allowed.is_empty() && !d.allowed.contains(s) => {
                errors.push(format!("{path}: `{s}` is not one of {:?}", d.allowed));
            }
            _ => {}
        }
    }
}

fn min_occurs(attrs: &BTreeMap<String, String>) -> u32 {
    attrs.get("min-occurs").and_then(|s| s.parse().ok()).unwrap_or(0)
}
