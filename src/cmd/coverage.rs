//! `shishin disclosure report FILE [--format json|csv|xlsx|html] [--output PATH] [--root DIR]`:
//! exit 0 with a report (gaps are what it is for), 2 when the file cannot be read as an answer
//! file of the site (the same errors as `disclosure check`) or the output cannot be written.

use super::disclosure::{EXIT_UNREADABLE, EXIT_VALID};
use crate::coverage::{Answers, CoverageData, compute, formats as report_formats, to_json, xlsx as report_xlsx};
use crate::disclosure::{Templates, answers};
use crate::content::Site;
use crate::content::load::{LoadOptions, load_site};
use crate::diagnostics::Diagnostics;
use crate::mapping::Mappings;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Json,
    Csv,
    Xlsx,
    Html,
}

impl ReportFormat {
    fn name(self) -> &'static str {
        match self {
            ReportFormat::Json => "json",
            ReportFormat::Csv => "csv",
            ReportFormat::Xlsx => "xlsx",
            ReportFormat::Html => "html",
        }
    }
}

fn load(root: &Path) -> Result<(Site, Templates, Mappings), Diagnostics> {
    let (site, load_errors) = load_site(root, &LoadOptions { include_drafts: false })?;
    load_errors.into_result()?;
    let templates = Templates::load(&site);
    let mappings = Mappings::load(&site);
    match (templates, mappings) {
        (Ok(t), Ok(m)) => Ok((site, t, m)),
        (t, m) => {
            let mut errors = Diagnostics::default();
            errors.extend(t.err().map(|e| e.0).unwrap_or_default());
            errors.extend(m.err().map(|e| e.0).unwrap_or_default());
            Err(errors)
        }
    }
}

/// The answers a report counts, and how many entries it had to leave out (unknown item or
/// column, not a string, not an option) — `disclosure check` says where they are.
fn answers_for(data: &CoverageData, file: &answers::AnswerFile) -> (Answers, usize) {
    let mut out = Answers::new();
    let mut ignored = 0;
    for e in &file.entries {
        let column = data.items.iter().find(|i| i.id == e.item).and_then(|i| i.columns.iter().find(|c| c.key == e.column));
        match (column, &e.value) {
            (Some(c), Ok(v)) if c.options.is_empty() || v.trim().is_empty() || c.options.iter().any(|o| o == v.trim()) => {
                out.entry(e.item.clone()).or_default().insert(e.column.clone(), v.clone());
            }
            _ => ignored += 1,
        }
    }
    (out, ignored)
}

/// Run the command; returns the exit code.
pub fn report(file: &Path, root: &Path, format: ReportFormat, output: Option<&Path>) -> u8 {
    if format != ReportFormat::Json && output.is_none() {
        eprintln!("error: --format {} writes a file; give its path with --output PATH\n  = help: only the JSON report goes to stdout", format.name());
        return EXIT_UNREADABLE;
    }
    let parsed = match super::disclosure::read_answers(file) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let (site, templates, mappings) = match load(root) {
        Ok(l) => l,
        Err(diags) => {
            eprintln!("{diags}");
            eprintln!("cannot load the templates of the site at {} (use --root to point at the folder with shishin.yaml)", root.display());
            return EXIT_UNREADABLE;
        }
    };
    let outcome = answers::check(&templates, &parsed);
    let Some(t) = outcome.template.as_deref().and_then(|n| templates.get(n)) else {
        super::disclosure::print_capped(&outcome.errors);
        eprintln!("{}: cannot tell which template this file answers, so there is nothing to report.", file.display());
        return EXIT_UNREADABLE;
    };
    let data = CoverageData::new(&site, &mappings.rows, t);
    let (answers, ignored) = answers_for(&data, &parsed);
    if let Some((Ok(v), _)) = &parsed.version
        && *v != t.version
    {
        eprintln!("warning: {} answers version {v} of `{}`; the report uses the items of version {}", file.display(), t.name, t.version);
    }
    if ignored > 0 {
        eprintln!("warning: {ignored} answer(s) in {} are not counted (unknown item or column, or not one of the options); `shishin disclosure check {}` shows where", file.display(), file.display());
    }
    let report = compute(&data, &answers);
    let source_name = file.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let bytes = match format {
        ReportFormat::Json => to_json(&report).into_bytes(),
        ReportFormat::Csv => report_formats::to_csv(&data, &report).into_bytes(),
        ReportFormat::Html => report_formats::to_html(&data, &report, &source_name, &site.config.title).into_bytes(),
        ReportFormat::Xlsx => match report_xlsx::to_xlsx(&data, &report, &source_name) {
            Ok(b) => b,
            Err(e) => {
                eprintln!("error: cannot make the workbook: {e}");
                return EXIT_UNREADABLE;
            }
        },
    };
    match output {
        None => {
            print!("{}", String::from_utf8_lossy(&bytes));
            EXIT_VALID
        }
        Some(out) => match write_output(file, out, &bytes) {
            Ok(()) => {
                let t = &report.totals;
                eprintln!("wrote {} ({}): {} items — {} answered, {} 無/否, {} missing", out.display(), format.name(), t.items, t.answered, t.no, t.missing);
                EXIT_VALID
            }
            Err(e) => {
                eprintln!("error: {e}");
                EXIT_UNREADABLE
            }
        },
    }
}

/// Write through a temporary file and a rename, never onto the answer file itself.
fn write_output(answers: &Path, out: &Path, bytes: &[u8]) -> Result<(), String> {
    if let (Ok(a), Ok(o)) = (answers.canonicalize(), out.canonicalize())
        && a == o
    {
        return Err(format!("--output {} is the answer file itself; choose another path", out.display()));
    }
    let dir = out.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
    let name = out.file_name().ok_or_else(|| format!("--output {} names no file", out.display()))?;
    let tmp = dir.join(format!(".{}.tmp-{}", name.to_string_lossy(), std::process::id()));
    std::fs::write(&tmp, bytes).map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, out).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot write {}: {e}", out.display())
    })
}
