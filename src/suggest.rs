//! "Did you mean …?": the existing names nearest to a mistyped one, by edit distance, as rustc
//! and clap suggest them. The one implementation behind every suggestion: front matter and data
//! keys, enum values, page ids and cross-references, anchors, source and evidence keys, template
//! column keys and answer-file item/column ids.

/// Edit distance with adjacent transpositions counted as one edit (`hgih` → `high` is one typo).
pub fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    // Three rows of the optimal-string-alignment table: two back (for transpositions), previous, current.
    let mut before: Vec<usize> = vec![0; b.len() + 1];
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for i in 0..a.len() {
        let mut cur = vec![i + 1; b.len() + 1];
        for j in 0..b.len() {
            let mut d = (prev[j] + usize::from(a[i] != b[j])).min(prev[j + 1] + 1).min(cur[j] + 1);
            if i > 0 && j > 0 && a[i] == b[j - 1] && a[i - 1] == b[j] {
                d = d.min(before[j - 1] + 1);
            }
            cur[j + 1] = d;
        }
        before = std::mem::replace(&mut prev, cur);
    }
    prev[b.len()]
}

/// How many edits still count as a typo of `wanted`: a third of its length, at least one.
fn reach(wanted: &str) -> usize {
    (wanted.chars().count() / 3).max(1)
}

/// The names nearest to `wanted`, at most three: those at the smallest edit distance within a
/// typo's reach (ties in name order), or else those that extend or shorten it (`disc-1` for
/// `disc-1-1`). A name equal to `wanted` but for letter case counts as nearest. Empty when
/// nothing is close, so a suggestion never sends the author somewhere unrelated.
pub fn nearest<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<String> {
    let lower = wanted.to_lowercase();
    let mut scored: Vec<(usize, &str)> = Vec::new();
    let mut prefixed: Vec<&str> = Vec::new();
    for name in names {
        if name == wanted {
            continue;
        }
        let d = if name.to_lowercase() == lower { 0 } else { edit_distance(wanted, name) };
        if d <= reach(wanted) {
            scored.push((d, name));
        } else if wanted.len() >= 3 && (name.starts_with(wanted) || wanted.starts_with(name)) && name.len().abs_diff(wanted.len()) <= 4 {
            prefixed.push(name);
        }
    }
    scored.sort();
    scored.dedup();
    let out: Vec<String> = match scored.first() {
        Some(&(best, _)) => scored.iter().take_while(|(d, _)| *d == best).map(|(_, n)| n.to_string()).collect(),
        None => {
            prefixed.sort();
            prefixed.dedup();
            prefixed.into_iter().map(str::to_string).collect()
        }
    };
    out.into_iter().take(3).collect()
}

/// `did you mean `x`?` / `did you mean one of `x`, `y`?`, each name passed through `show`
/// (e.g. to print a cross-reference as `[[x]]`); None without names.
pub fn did_you_mean_with(names: &[String], show: impl Fn(&str) -> String) -> Option<String> {
    match names {
        [] => None,
        [one] => Some(format!("did you mean `{}`?", show(one))),
        many => Some(format!("did you mean one of {}?", many.iter().map(|n| format!("`{}`", show(n))).collect::<Vec<_>>().join(", "))),
    }
}

/// `did_you_mean_with` showing the names as they are.
pub fn did_you_mean(names: &[String]) -> Option<String> {
    did_you_mean_with(names, str::to_string)
}

/// The help line for an unknown name: the suggestion when there is one, then `otherwise` (what
/// the name must be), so the author learns both the likely fix and the rule.
pub fn help(wanted: &str, names: &[&str], otherwise: impl Into<String>) -> String {
    help_showing(wanted, names, str::to_string, otherwise)
}

/// `help` with each suggested name passed through `show`.
pub fn help_showing(wanted: &str, names: &[&str], show: impl Fn(&str) -> String, otherwise: impl Into<String>) -> String {
    let otherwise = otherwise.into();
    match did_you_mean_with(&nearest(wanted, names.iter().copied()), show) {
        Some(s) if otherwise.is_empty() => s,
        Some(s) => format!("{s} ({otherwise})"),
        None => otherwise,
    }
}

/// `a`, `b`, `c` — a list of allowed names as the help lines print it.
pub fn quoted_list<S: AsRef<str>>(names: &[S]) -> String {
    names.iter().map(|n| format!("`{}`", n.as_ref())).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits_and_transpositions() {
        assert_eq!(edit_distance("mic-3.2.1", "mic-3.2.1"), 0);
        assert_eq!(edit_distance("mic-3.2.11", "mic-3.2.1"), 1);
        assert_eq!(edit_distance("mhlw-6.5", "mhlw5-6.5"), 1);
        assert_eq!(edit_distance("技術", "技術的"), 1);
        assert_eq!(edit_distance("hgih", "high"), 1);
        assert_eq!(edit_distance("confidance", "confidence"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
    }

    #[test]
    fn nearest_keeps_only_the_closest() {
        let ids = ["mhlw5-6.5", "mhlw5-6.6", "mhlw5-6.1", "mic-3.2.1"];
        assert_eq!(nearest("mhlw5-6.55", ids), vec!["mhlw5-6.5"]);
        assert_eq!(nearest("confidance", ["title", "confidence", "sources"]), vec!["confidence"]);
        assert_eq!(nearest("hgih", ["high", "medium", "low"]), vec!["high"]);
        assert!(nearest("zzz", ["high", "medium", "low"]).is_empty());
        assert_eq!(nearest("disc-1", ["disc-1-1", "sla-1"]), vec!["disc-1-1"]);
        assert_eq!(nearest("High", ["high", "low"]), vec!["high"]);
    }

    #[test]
    fn help_lines() {
        assert_eq!(did_you_mean(&[]), None);
        assert_eq!(did_you_mean(&["a".into()]).unwrap(), "did you mean `a`?");
        assert_eq!(did_you_mean(&["a".into(), "b".into()]).unwrap(), "did you mean one of `a`, `b`?");
        assert_eq!(help("hgih", &["high", "low"], "use high or low"), "did you mean `high`? (use high or low)");
        assert_eq!(help("zzz", &["high", "low"], "use high or low"), "use high or low");
        assert_eq!(help_showing("mic-3.2.9", &["mic-3.2.1"], |n| format!("[[{n}]]"), ""), "did you mean `[[mic-3.2.1]]`?");
    }
}
