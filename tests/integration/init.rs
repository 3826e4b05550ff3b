//! `shishin init DIR` makes a site that deploys (issue 19): netlify.toml with the build command,
//! the publish folder and the shipped site's security headers, a .gitignore and a README; the
//! new site checks clean and builds. (tests/browser/init.test.mjs serves it over HTTP.)

use crate::common::{bin, build, read, repo, stderr};
use shishin::serve::security::site_rules;

fn init() -> (tempfile::TempDir, std::path::PathBuf) {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("site");
    let out = bin().arg("init").arg(&dir).output().unwrap();
    assert!(out.status.success(), "{}", stderr(&out));
    (tmp, dir)
}

#[test]
fn netlify_toml_has_the_shipped_headers_and_a_build_that_publishes_public() {
    let (_tmp, dir) = init();
    // The same [[headers]] blocks, in the same order, as the shipped site's netlify.toml.
    assert_eq!(site_rules(&dir).unwrap(), site_rules(&repo()).unwrap());
    let netlify: toml::Value = toml::from_str(&read(&dir, "netlify.toml")).unwrap();
    assert_eq!(netlify["build"]["publish"].as_str(), Some("public"));
    let command = netlify["build"]["command"].as_str().unwrap();
    assert!(command.ends_with("shishin build"), "{command}");
    assert!(command.contains("cargo install --locked") && command.contains("$SHISHIN_GIT"), "{command}");
}

#[test]
fn gitignore_and_readme_say_what_to_leave_out_and_how_to_work() {
    let (_tmp, dir) = init();
    let ignore = read(&dir, ".gitignore");
    let lines: Vec<&str> = ignore.lines().filter(|l| !l.starts_with('#')).collect();
    assert_eq!(lines, ["public/", ".shishin/"]);
    let readme = read(&dir, "README.md");
    for needed in ["shishin serve", "shishin check", "shishin build", "netlify.toml", "SHISHIN_GIT", "netlify deploy"] {
        assert!(readme.contains(needed), "README lacks {needed}:\n{readme}");
    }
}

#[test]
fn the_new_site_checks_clean_and_builds_without_its_scaffolding_files() {
    let (_tmp, dir) = init();
    let check = bin().args(["check", "--root"]).arg(&dir).output().unwrap();
    assert!(check.status.success(), "{}", stderr(&check));
    let out = build(&dir);
    assert!(out.status.success(), "{}", stderr(&out));
    // README.md and netlify.toml stay sources, not pages.
    assert!(!dir.join("public/README/index.html").exists());
    assert!(dir.join("public/index.html").exists());
}
