//! The one way shishin runs git: read-only queries in the site root whose failure (no git, not a
//! repository, untracked file) means "no answer", never an error.

use std::ffi::OsStr;
use std::path::Path;
use std::process::{Command, Stdio};

/// Standard output of `git ARGS` run in `root`, or None when git cannot run or fails.
pub fn output<I, S>(root: &Path, args: I) -> Option<String>
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let out = Command::new("git").args(args).current_dir(root).stderr(Stdio::null()).output().ok()?;
    out.status.success().then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}
