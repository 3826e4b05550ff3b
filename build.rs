//! Embeds the default theme (themes/default/**) into the binary so a site without a themes/
//! folder still builds; a site's own themes/default/ overrides it file by file.

use std::io::Write;
use std::path::Path;

fn main() {
    // The runtime variable, not env!(): a build-script binary compiled in another checkout that
    // shares the target dir (a clean-clone check, a worktree) would otherwise read that checkout's
    // theme, or an empty one once it is deleted.
    let manifest = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let theme = Path::new(&manifest).join("themes/default");
    assert!(theme.is_dir(), "theme directory {} is missing", theme.display());
    println!("cargo::rerun-if-changed={}", theme.display());
    let mut files = Vec::new();
    collect(&theme, &theme, &mut files);
    files.sort();
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
