//! Looking up page ids: suggestions for a mistyped id (`did you mean …?`).

use crate::content::Site;

/// Page ids close to `id` (typos, a missing digit), nearest first, at most three.
pub fn close_ids(site: &Site, id: &str) -> Vec<String> {
    let limit = (id.chars().count() / 4).max(2);
    let mut scored: Vec<(usize, &String)> = site.by_id.keys().map(|k| (edit_distance(id, k), k)).filter(|(d, _)| *d <= limit).collect();
    scored.sort();
    scored.into_iter().take(3).map(|(_, k)| k.clone()).collect()
}

pub(crate) fn edit_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.iter().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, cb) in b.iter().enumerate() {
            cur[j + 1] = (prev[j] + usize::from(ca != cb)).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edit_distance_counts_single_edits() {
        assert_eq!(edit_distance("mic-3.2.1", "mic-3.2.1"), 0);
        assert_eq!(edit_distance("mic-3.2.11", "mic-3.2.1"), 1);
        assert_eq!(edit_distance("mhlw-6.5", "mhlw5-6.5"), 1);
        assert_eq!(edit_distance("技術", "技術的"), 1);
    }
}
