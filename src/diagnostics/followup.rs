//! No cascades. An error that stops a page or a data file from loading is marked with what it
//! broke (`breaks`); a later check that fails only because that page or file is missing marks
//! its error as a follow-up of it (`follows`) instead of staying silent or reporting it. When
//! the errors of a run are settled, the follow-ups of a reported cause are dropped and counted
//! on the cause, and the causes come first: the maintainer sees the real error, and how many
//! checks wait for it, before anything else.

use crate::diagnostics::Diagnostic;
use std::collections::HashMap;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Link {
    /// This error stopped the named page or file from loading.
    Breaks(String),
    /// This error only follows from the named page or file being broken.
    Follows(String),
}

/// The name of a page in follow-up notes and links: page `mic-3.2.3`.
pub fn page(id: &str) -> String {
    format!("page `{id}`")
}

/// The name of a data file (`sources.yaml`) in follow-up notes and links.
pub fn data_file(name: &str) -> String {
    format!("content/data/{name}")
}

impl Diagnostic {
    /// Marks an error that stopped `what` (`followup::page`, `followup::data_file`) from loading.
    pub fn breaks(mut self, what: impl Into<String>) -> Self {
        self.link = Some(Link::Breaks(what.into()));
        self
    }

    /// Marks an error that only follows from `cause` being broken; `None` leaves it a plain error.
    pub fn follows(mut self, cause: Option<String>) -> Self {
        if let Some(c) = cause {
            self.link = Some(Link::Follows(c));
        }
        self
    }
}

/// Whether `new` (the errors one check just added) holds more than follow-ups of broken data
/// files. Those leave the value usable (a string naming a key of the broken file), so the row or
/// item it belongs to is kept and nothing further cascades from dropping it.
pub fn any_blocking(new: &[Diagnostic]) -> bool {
    new.iter().any(|d| !matches!(&d.link, Some(Link::Follows(cause)) if cause.starts_with("content/data/")))
}

pub(crate) fn is_zero(n: &usize) -> bool {
    *n == 0
}

/// Drops every follow-up whose cause is in `list`, counting it on the cause, and puts the causes
/// that had follow-ups first (keeping the order otherwise). A follow-up whose cause is not in the list stays: an
/// error is never hidden without the error that explains it.
pub fn settle(list: &mut Vec<Diagnostic>) {
    let causes: HashMap<String, usize> = list
        .iter()
        .enumerate()
        .filter_map(|(i, d)| match &d.link {
            Some(Link::Breaks(what)) => Some((what.clone(), i)),
            _ => None,
        })
        .collect();
    if causes.is_empty() {
        return;
    }
    let mut counts = vec![0; list.len()];
    let mut kept = Vec::with_capacity(list.len());
    for (i, d) in list.drain(..).enumerate() {
        match &d.link {
            Some(Link::Follows(cause)) if causes.contains_key(cause) => counts[causes[cause]] += 1,
            _ => kept.push((i, d)),
        }
    }
    for (i, d) in &mut kept {
        d.skipped += counts[*i];
    }
    kept.sort_by_key(|(_, d)| d.skipped == 0);
    list.extend(kept.into_iter().map(|(_, d)| d));
}

/// The note under a cause: how many checks wait for it.
pub fn note(d: &Diagnostic) -> Option<String> {
    let Some(Link::Breaks(what)) = &d.link else { return None };
    let (s, verb) = if d.skipped == 1 { ("", "depends") } else { ("s", "depend") };
    (d.skipped > 0).then(|| format!("{} check{s} that {verb} on {what} {} skipped; fix this error first", d.skipped, if d.skipped == 1 { "was" } else { "were" }))
}

/// Total follow-up checks skipped in a settled list.
pub fn skipped(list: &[Diagnostic]) -> usize {
    list.iter().map(|d| d.skipped).sum()
}

/// ` (12 follow-up checks skipped)` for the summary line; empty when none were.
pub fn summary(list: &[Diagnostic]) -> String {
    match skipped(list) {
        0 => String::new(),
        n => format!(" ({n} follow-up check{} skipped until {} fixed)", if n == 1 { "" } else { "s" }, if causes(list) == 1 { "it is" } else { "they are" }),
    }
}

fn causes(list: &[Diagnostic]) -> usize {
    list.iter().filter(|d| d.skipped > 0).count()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn follow_ups_of_a_reported_cause_are_counted_on_it_and_it_comes_first() {
        let mut list = vec![
            Diagnostic::file_level("a.md", "unrelated"),
            Diagnostic::file_level("b.md", "refers to x").follows(Some(page("x"))),
            Diagnostic::file_level("c.md", "refers to y").follows(Some(page("y"))),
            Diagnostic::file_level("x.md", "broken").breaks(page("x")),
            Diagnostic::file_level("d.md", "refers to x again").follows(Some(page("x"))),
        ];
        settle(&mut list);
        let messages: Vec<&str> = list.iter().map(|d| d.message.as_str()).collect();
        assert_eq!(messages, ["broken", "unrelated", "refers to y"]);
        assert_eq!(list[0].skipped, 2);
        assert_eq!(skipped(&list), 2);
        assert!(note(&list[0]).unwrap().starts_with("2 checks that depend on page `x`"));
        assert!(list[0].to_string().contains("= note: 2 checks"), "{}", list[0]);
        settle(&mut list);
        assert_eq!(list.len(), 3, "settling twice changes nothing");
        assert_eq!(list[0].skipped, 2);
    }
}
