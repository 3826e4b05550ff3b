//! Embeds the default theme (themes/default/**) into the binary so a site without a themes/
//! folder still builds; a site's own themes/default/ overrides it file by file.
//! Also fingerprints the code that writes the static search index (see `search_code_hash`).

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
    search_code_hash(Path::new(&manifest_dir));
}

/// The static search index folder is named from a hash of its inputs (so pages can name it
/// before it is written). Its bytes also depend on the code writing it: this FNV-1a-64 of
/// src/search/** and Cargo.lock goes into that hash, so new code never reuses an old name
/// (deployed index folders are cached as immutable).
fn search_code_hash(manifest_dir: &Path) {
    let mut files = Vec::new();
    collect(manifest_dir, &manifest_dir.join("src/search"), &mut files);
    files.push(("Cargo.lock".into(), manifest_dir.join("Cargo.lock").to_string_lossy().into_owned()));
    println!("cargo::rerun-if-changed={}", manifest_dir.join("src/search").display());
    println!("cargo::rerun-if-changed={}", manifest_dir.join("Cargo.lock").display());
    files.sort();
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for (rel, abs) in files {
        let bytes = std::fs::read(&abs).unwrap_or_default();
        for b in rel.bytes().chain([0]).chain(bytes) {
            h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
        }
    }
    println!("cargo::rustc-env=SHISHIN_SEARCH_CODE_HASH={h:016x}");
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
