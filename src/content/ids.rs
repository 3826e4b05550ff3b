//! Looking up page ids: suggestions for a mistyped id (`did you mean …?`).

use crate::content::Site;

/// Page ids nearest to `id` (a typo, a missing or extra digit), at most three. Only ids of the
/// same corpus are offered when `id` names one (`mhlw5-6.55` → `mhlw5-6.5`, never a MIC id).
pub fn close_ids(site: &Site, id: &str) -> Vec<String> {
    let corpus = site.config.corpus_for_id(id).map(|(c, _)| c.prefix.clone());
    let same_corpus = |k: &&String| match &corpus {
        Some(prefix) => site.config.corpus_for_id(k).is_some_and(|(c, _)| &c.prefix == prefix),
        None => true,
    };
    crate::suggest::nearest(id, site.by_id.keys().filter(same_corpus).map(String::as_str))
}

/// The help line for an unknown page id: the nearest ids (shown through `show`, e.g. as
/// `[[id]]`), then `otherwise`.
pub fn id_help(site: &Site, id: &str, show: impl Fn(&str) -> String, otherwise: impl Into<String>) -> String {
    let otherwise = otherwise.into();
    match crate::suggest::did_you_mean_with(&close_ids(site, id), show) {
        Some(s) if otherwise.is_empty() => s,
        Some(s) => format!("{s} ({otherwise})"),
        None => otherwise,
    }
}
