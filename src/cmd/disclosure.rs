//! `shishin disclosure check FILE [--root DIR]`: exit 0 valid, 1 invalid answers, 2 the file (or
//! the site's templates) cannot be read.

use crate::disclosure::{Templates, answers};
use crate::content::load::{LoadOptions, load_site};
use crate::diagnostics::Diagnostics;
use std::path::Path;

pub const EXIT_VALID: u8 = 0;
pub const EXIT_INVALID: u8 = 1;
pub const EXIT_UNREADABLE: u8 = 2;

/// Load the site's templates without rendering anything.
pub fn load_templates(root: &Path) -> Result<Templates, Diagnostics> {
    let (site, load_errors) = load_site(root, &LoadOptions { include_drafts: false })?;
    load_errors.into_result()?;
    Templates::load(&site)
}

/// Read an answer file, or print why it cannot be read and give the exit code (`check` and
/// `report` fail the same way).
pub fn read_answers(file: &Path) -> Result<answers::AnswerFile, u8> {
    answers::read(file).map_err(|d| {
        eprintln!("{d}\n");
        eprintln!("{}: cannot read this answer file.", file.display());
        EXIT_UNREADABLE
    })
}

/// Problems printed in full; the rest are counted, so a broken file cannot flood the terminal.
pub const MAX_SHOWN: usize = 50;

/// The first MAX_SHOWN problems, then how many more there are.
pub fn print_capped(errors: &[crate::diagnostics::Diagnostic]) {
    for d in errors.iter().take(MAX_SHOWN) {
        eprintln!("{d}\n");
    }
    if errors.len() > MAX_SHOWN {
        eprintln!("… and {} more problems not shown (the first {MAX_SHOWN} are above; fix those and run the check again)\n", errors.len() - MAX_SHOWN);
    }
}

/// Check a filled answer file; prints the problems to stderr and a summary, returns the exit code.
pub fn check(file: &Path, root: &Path) -> u8 {
    let parsed = match read_answers(file) {
        Ok(f) => f,
        Err(code) => return code,
    };
    let templates = match load_templates(root) {
        Ok(t) => t,
        Err(diags) => {
            eprintln!("{diags}");
            eprintln!("cannot load the templates of the site at {} (use --root to point at the folder with shishin.yaml)", root.display());
            return EXIT_UNREADABLE;
        }
    };
    if templates.templates.is_empty() {
        eprintln!("error: the site at {} defines no templates (content/data/disclosure.yaml, sla.yaml)\n  = help: use --root to point at the folder with shishin.yaml", root.display());
        return EXIT_UNREADABLE;
    }
    let outcome = answers::check(&templates, &parsed);
    print_capped(&outcome.errors);
    let name = outcome.template.as_deref().unwrap_or("?");
    let version = outcome.template.as_deref().and_then(|n| templates.get(n)).map(|t| t.version.as_str()).unwrap_or("?");
    let stats = format!(
        "template {name} (version {version}): {} answers; required {}/{}",
        outcome.answered, outcome.required_answered, outcome.required_total
    );
    if outcome.errors.is_empty() {
        println!("ok: {} — {stats}", file.display());
        EXIT_VALID
    } else {
        let n = outcome.errors.len();
        eprintln!("{}: {n} problem{} — {stats}", file.display(), if n == 1 { "" } else { "s" });
        EXIT_INVALID
    }
}
