//! The module rules of docs/architecture.md, read from the source: the top-level modules of
//! `src/` import one another one way only (no circle), and the features never reach back into
//! the pipeline, `serve` or the commands. An import is any `crate::X` path, including the names
//! inside `use crate::{X, Y::…}`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top-level module → (imported top-level module → a file that imports it).
type Graph = BTreeMap<String, BTreeMap<String, PathBuf>>;

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The top-level module a file of `src/` belongs to (`None` for the crate roots).
fn module_of(src: &Path, file: &Path) -> Option<String> {
    let rel = file.strip_prefix(src).unwrap();
    let first = rel.components().next()?.as_os_str().to_string_lossy().into_owned();
    let name = first.strip_suffix(".rs").unwrap_or(&first).to_string();
    (name != "lib" && name != "main").then_some(name)
}

/// Every module name a file's text imports through `crate::`.
fn imported(text: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    let ident = |s: &str| s.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect::<String>();
    for (at, _) in text.match_indices("crate::") {
        let rest = &text[at + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // `use crate::{a, b::{c, d}, e}`: the names at depth 0 of the braces.
            let mut depth = 0;
            let mut start = true;
            for (i, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => start = true,
                    c if start && !c.is_whitespace() => {
                        start = false;
                        out.insert(ident(&group[i..]));
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out
}

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    files.sort();
    let modules: BTreeSet<String> = files.iter().filter_map(|f| module_of(&src, f)).collect();
    let mut graph = Graph::new();
    for file in &files {
        let Some(from) = module_of(&src, file) else { continue };
        let text = std::fs::read_to_string(file).unwrap();
        let edges = graph.entry(from.clone()).or_default();
        for to in imported(&text) {
            if to != from && modules.contains(&to) {
                edges.entry(to).or_insert_with(|| file.strip_prefix(&src).unwrap().to_path_buf());
            }
        }
    }
    graph
}

/// A path `from → … → from` when `from` can reach itself.
fn circle_through(graph: &Graph, from: &str) -> Option<Vec<String>> {
    let mut stack = vec![vec![from.to_string()]];
    let mut seen = BTreeSet::new();
    while let Some(path) = stack.pop() {
        let last = path.last().unwrap();
        for next in graph.get(last).into_iter().flat_map(|e| e.keys()) {
            if next == from {
                return Some(path.iter().cloned().chain([from.to_string()]).collect());
            }
            if seen.insert(next.clone()) {
                stack.push(path.iter().cloned().chain([next.clone()]).collect());
            }
        }
    }
    None
}

#[test]
fn top_level_modules_import_one_another_one_way_only() {
    let graph = graph();
    assert!(graph.len() > 10, "the module graph was not read: {graph:?}");
    let circles: Vec<String> = graph
        .keys()
        .filter_map(|m| circle_through(&graph, m))
        .map(|path| {
            let steps: Vec<String> = path.windows(2).map(|w| format!("{} → {} ({})", w[0], w[1], graph[&w[0]][&w[1]].display())).collect();
            steps.join(", ")
        })
        .collect();
    assert!(circles.is_empty(), "modules import one another in a circle:\n{}", circles.join("\n"));
}

#[test]
fn features_do_not_reach_back_into_the_pipeline_serve_or_commands() {
    let graph = graph();
    for feature in ["mapping", "disclosure", "coverage", "search"] {
        let edges = graph.get(feature).unwrap_or_else(|| panic!("no module `{feature}` in src/"));
        for banned in ["pipeline", "serve", "cmd"] {
            assert!(!edges.contains_key(banned), "`{feature}` imports `{banned}` ({})", edges[banned].display());
        }
    }
}

#[test]
fn the_import_reader_sees_grouped_and_nested_paths() {
    let names = imported("use crate::{a, b::{c, d}, e::f};\nlet x = crate::g::h(); // crate::i");
    assert_eq!(names.into_iter().collect::<Vec<_>>(), ["a", "b", "e", "g", "i"]);
}
