//! `shishin init DIR`: a minimal site that builds with the embedded theme.

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
];

pub fn init(dir: &Path) -> Result<(), String> {
    if dir.exists() && std::fs::read_dir(dir).map(|mut d| d.next().is_some()).unwrap_or(true) {
        return Err(format!(
            "error: {} is not empty\n  = help: shishin init only writes into a new or empty directory, so nothing of yours is overwritten",
            dir.display()
        ));
    }
    for (rel, text) in FILES {
        let path = dir.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| format!("error: cannot create {}: {e}", parent.display()))?;
        }
        std::fs::write(&path, text).map_err(|e| format!("error: cannot write {}: {e}", path.display()))?;
    }
    std::fs::write(dir.join(".gitignore"), "/public\n/.shishin\n").map_err(|e| format!("error: {e}"))?;
    Ok(())
}
