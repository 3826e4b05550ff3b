//! `shishin init DIR`: a minimal site that builds with the embedded theme and deploys to Netlify
//! as it is: netlify.toml (build command, publish folder, the shipped site's security headers),
//! .gitignore and a short README.

use std::path::Path;

const FILES: &[(&str, &str)] = &[
    (
        "shishin.yaml",
        "title: 新しいガイドラインサイト\nbase_url: https://example.netlify.app/\nlanguage: ja\ndescription: shishin で作ったサイト\n",
    ),
    (
        "content/_index.md",
        "---\ntitle: 新しいガイドラインサイト\nlayout: home\n---\n\nこのサイトは shishin で作られています。左のメニューから章を選んでください。\n",
    ),
    ("content/guide/_index.md", "---\ntitle: はじめに\nweight: 1\n---\n\nこの章には最初のページがあります。\n"),
    (
        "content/guide/first-page.md",
        "---\ntitle: 最初のページ\nweight: 1\n---\n\n## 書き方\n\nMarkdown で本文を書き、`shishin serve` で確認します。\n",
    ),
    (".gitignore", "# shishin build output and its search cache; Netlify builds public/ itself\npublic/\n.shishin/\n"),
    ("README.md", README),
];

const README: &str = "# A shishin site

Pages are Markdown files with YAML front matter under `content/` (a folder with `_index.md` is a
section); the site's settings are in `shishin.yaml`.

```sh
shishin serve    # preview at http://127.0.0.1:1111/, reloads on every save, shows errors in the page
shishin check    # every check of the build (links, ids, front matter); writes nothing
shishin build    # the site into public/
```

## Deploy to Netlify

`netlify.toml` holds the build command, the folder to publish (`public/`) and the security headers
(a strict Content-Security-Policy and friends, the same as the shishin reference site; `shishin
serve` sends them too, so the preview shows what the deployed site will allow).

- Netlify builds the site: push this folder to a git repository, create a Netlify site from it and
  set the environment variable `SHISHIN_GIT` to the git URL of the shishin source to install (the
  build command runs `cargo install` from it, which compiles shishin for several minutes, then
  `shishin build`). Set `base_url` in `shishin.yaml` to the site's address.
- Or build locally and upload: `shishin build && netlify deploy --prod --dir public` (Netlify CLI);
  the headers of `netlify.toml` apply to uploads too.
";

/// The shipped site's netlify.toml: its `[[headers]]` blocks are the ones a new site gets, so
/// the two cannot drift (a test compares the parsed rules).
const SHIPPED_NETLIFY_TOML: &str = include_str!("../netlify.toml");

/// The `[build]` block of a new site: it has no shishin source of its own, so Netlify installs
/// shishin (`SHISHIN_GIT`, see the README) and then builds.
const BUILD_BLOCK: &str = "[build]
  # Netlify's build image has Rust: install shishin from the git URL in the site's SHISHIN_GIT
  # environment variable (see README.md), then build the site into public/.
  command = \"cargo install --locked --git \\\"$SHISHIN_GIT\\\" shishin && shishin build\"
  publish = \"public\"
";

/// netlify.toml for a new site: its own `[build]` block, then every `[[headers]]` block of the
/// shipped netlify.toml as it is.
pub fn netlify_toml() -> String {
    let headers = SHIPPED_NETLIFY_TOML.find("\n[build]").map(|start| {
        let rest = &SHIPPED_NETLIFY_TOML[start + 1..];
        // The [build] block ends at the first blank line.
        rest.find("\n\n").map_or("", |end| &rest[end + 2..])
    });
    let headers = headers.unwrap_or(SHIPPED_NETLIFY_TOML);
    format!(
        "# Netlify deploy settings and the site's HTTP headers (`shishin serve` sends the same ones).\n# Path patterns follow Netlify: `*` matches anything, `:name` one path segment.\n\n{BUILD_BLOCK}\n{headers}"
    )
}

pub fn init(dir: &Path) -> Result<(), String> {
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(format!(
            "error: {} is not empty\n  = help: shishin init only writes into a new or empty directory, so nothing of yours is overwritten",
            dir.display()
        ));
    }
    let netlify = netlify_toml();
    for (rel, text) in FILES.iter().copied().chain([("netlify.toml", netlify.as_str())]) {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("error: cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
    }
    Ok(())
}
