//! Embeds the default theme (themes/default/**) into the binary so a site without a themes/
//! folder still builds; a site's own themes/default/ overrides it file by file.

use std::io::Write;
use std::path::Path;

fn main() {
    // Read at run time: `env!` would bake in the directory the build script was compiled in,
    // which is wrong when another checkout of the same package reuses the compiled script.
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let theme = Path::new(&manifest_dir).join("themes/default");
    println!("cargo::rerun-if-changed={}", theme.display());
    let mut files = Vec::new();
    collect(&theme, &theme, &mut files);
    files.sort();
    assert!(files.iter().any(|(rel, _)| rel == "templates/base.html"), "no default theme found in {}", theme.display());
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("theme_files.rs");
    let mut f = std::fs::File::create(out).unwrap();
    writeln!(f, "pub static THEME_FILES: &[(&str, &[u8])] = &[").unwrap();
    for (rel, abs) in files {
        writeln!(f, "    ({rel:?}, include_bytes!({abs:?})),").unwrap();
    }
    writeln!(f, "];").unwrap();
}

fn collect(base: &Path, dir: &Path, out: &mut Vec<(String, String)>) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let p = e.path();
        println!("cargo::rerun-if-changed={}", p.display());
        if p.is_dir() {
            collect(base, &p, out);
        } else {
            let rel = p.strip_prefix(base).unwrap().to_string_lossy().replace('\\', "/");
            out.push((rel, p.to_string_lossy().into_owned()));
        }
    }
}
