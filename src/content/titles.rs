//! Clause titles typed by hand into body text must be the clause's title. A clause named by its
//! number and a title in 「」 — 「6.8 情報システムの改造と保守」 or 6.8「情報システムの改造と保守」 —
//! is compared with the page of that number; `[[id]]` references render the title from the page
//! and cannot drift, so the hint suggests one.
//!
//! To keep other documents' numbering out (a later edition's 「3.1 …」 is not MIC 3.1), only a
//! quoted title that is *close to* a title of that number (a variant such as 「医療情報システムの
//! 改造と保守」) or that is exactly another clause's title is an error; an unrelated title passes.

use crate::content::{Page, Site};
use crate::diagnostics::{Diagnostic, Diagnostics};
use regex::Regex;
use std::collections::HashMap;
use std::sync::OnceLock;
use unicode_normalization::UnicodeNormalization;

/// Bigram (Dice) similarity from which a quoted title counts as a variant of the clause's title.
const VARIANT_SIMILARITY: f64 = 0.5;

pub fn check(site: &Site, errors: &mut Diagnostics) {
    let mut by_number: HashMap<String, Vec<&Page>> = HashMap::new();
    let mut by_title: HashMap<String, Vec<&Page>> = HashMap::new();
    for page in &site.pages {
        if let Some(n) = &page.front.number {
            by_number.entry(normalize(n)).or_default().push(page);
            by_title.entry(normalize(&page.front.title)).or_default().push(page);
        }
    }
    if by_number.is_empty() {
        return;
    }
    for page in &site.pages {
        for (offset, number, quoted) in named_clauses(&page.body) {
            if let Some(problem) = judge(&by_number, &by_title, &number, &quoted) {
                let at = page.body_offset + offset;
                errors.push(Diagnostic::at_offset(&page.file, &page.source, at, problem.message).help(problem.help));
            }
        }
    }
}

struct Problem {
    message: String,
    help: String,
}

fn judge(by_number: &HashMap<String, Vec<&Page>>, by_title: &HashMap<String, Vec<&Page>>, number: &str, quoted: &str) -> Option<Problem> {
    let candidates = by_number.get(&normalize(number))?;
    let wanted = normalize(quoted);
    if candidates.iter().any(|p| title_matches(&p.front.title, &wanted)) {
        return None;
    }
    let closest = candidates.iter().max_by(|a, b| similarity(&a.front.title, &wanted).total_cmp(&similarity(&b.front.title, &wanted)))?;
    let help = format!(
        "write [[{}]], which shows the number and title from the page, or copy the title exactly; to quote another edition's wording, keep the number apart from the 「」 (6.8 の題名は「…」)",
        closest.id()
    );
    if similarity(&closest.front.title, &wanted) >= VARIANT_SIMILARITY {
        return Some(Problem {
            message: format!("「{quoted}」 is not the title of {number}: `{}` is titled 「{}」", closest.id(), closest.front.title),
            help,
        });
    }
    let other = by_title.get(&wanted)?.first()?;
    Some(Problem {
        message: format!("「{quoted}」 is the title of {} (`{}`), not of {number} (`{}` is titled 「{}」)", other.front.number.as_deref().unwrap_or(""), other.id(), closest.id(), closest.front.title),
        help,
    })
}

/// The title as written, or without a trailing parenthesis (「組織的安全管理対策」 for
/// 「組織的安全管理対策(体制、運用管理規程)」).
fn title_matches(title: &str, wanted: &str) -> bool {
    let full = normalize(title);
    full == wanted || full.rfind('(').is_some_and(|i| full.ends_with(')') && i > 0 && full[..i] == *wanted)
}

/// NFKC without whitespace: 「６．８」 and 「6.8」, full- and half-width brackets compare equal.
fn normalize(s: &str) -> String {
    s.nfkc().filter(|c| !c.is_whitespace()).collect()
}

/// Dice coefficient of the two strings' character bigrams (after `normalize`).
fn similarity(a: &str, b: &str) -> f64 {
    let grams = |s: &str| {
        let chars: Vec<char> = normalize(s).chars().collect();
        chars.windows(2).map(|w| (w[0], w[1])).collect::<Vec<_>>()
    };
    let (a, mut b) = (grams(a), grams(b));
    if a.is_empty() || b.is_empty() {
        return 0.0;
    }
    let total = a.len() + b.len();
    let mut shared = 0;
    for g in &a {
        if let Some(i) = b.iter().position(|x| x == g) {
            b.swap_remove(i);
            shared += 1;
        }
    }
    2.0 * shared as f64 / total as f64
}

/// (byte offset of the number in `body`, number, quoted title) of every clause named by number
/// and 「title」 in prose — outside fenced code blocks and inline code.
fn named_clauses(body: &str) -> Vec<(usize, String, String)> {
    static INSIDE: OnceLock<Regex> = OnceLock::new();
    static BEFORE: OnceLock<Regex> = OnceLock::new();
    const NUMBER: &str = r"第[0-9０-９]+章|[0-9０-９]+(?:[.．][0-9０-９]+)*";
    // 「6.8 情報システムの改造と保守」: the number and a space open the brackets.
    let inside = INSIDE.get_or_init(|| Regex::new(&format!(r"「\s*({NUMBER})[ \t　]+([^」\n]+)」")).expect("valid regex"));
    // 6.8「情報システムの改造と保守」: a dotted number or 第N章 right before the brackets.
    let before = BEFORE.get_or_init(|| Regex::new(r"(第[0-9０-９]+章|[0-9０-９]+(?:[.．][0-9０-９]+)+)[ \t　]?「([^」\n]+)」").expect("valid regex"));
    let mut out = Vec::new();
    let mut fence: Option<&str> = None;
    let mut offset = 0;
    for line in body.split_inclusive('\n') {
        let start = offset;
        offset += line.len();
        let trimmed = line.trim_start();
        if let Some(marker) = fence {
            if trimmed.starts_with(marker) {
                fence = None;
            }
            continue;
        }
        if let Some(marker) = ["```", "~~~"].into_iter().find(|m| trimmed.starts_with(m)) {
            fence = Some(marker);
            continue;
        }
        let text = mask_inline_code(line);
        for caps in inside.captures_iter(&text).chain(before.captures_iter(&text)) {
            let (number, title) = (caps.get(1).expect("group 1"), caps.get(2).expect("group 2"));
            // A number glued to more digits or dots before it is part of something else (2018.6.8).
            let glued = text[..number.start()].chars().next_back().is_some_and(|c| c.is_ascii_digit() || c == '.' || c == '．');
            if !glued {
                out.push((start + number.start(), number.as_str().to_string(), title.as_str().trim().to_string()));
            }
        }
    }
    out.sort();
    out.dedup();
    out
}

/// The line with every inline code span blanked out (same byte length, so offsets hold).
fn mask_inline_code(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut in_code = false;
    for c in line.chars() {
        if c == '`' {
            in_code = !in_code;
            out.push(c);
        } else if in_code {
            out.push_str(&" ".repeat(c.len_utf8()));
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_both_forms_outside_code() {
        let body = "前「6.8 医療情報システムの改造と保守」後、3.2.1「組織的安全管理対策」。\n`6.8「コード」` と 2018.6.8「日付」\n```\n6.8「フェンス」\n```\n第4章「合意形成」\n";
        let found: Vec<(String, String)> = named_clauses(body).into_iter().map(|(_, n, t)| (n, t)).collect();
        assert_eq!(
            found,
            [
                ("6.8".to_string(), "医療情報システムの改造と保守".to_string()),
                ("3.2.1".into(), "組織的安全管理対策".into()),
                // a date is read whole, never as clause 6.8 (and names no page)
                ("2018.6.8".into(), "日付".into()),
                ("第4章".into(), "合意形成".into())
            ]
        );
        let (at, _, _) = named_clauses(body)[0];
        assert!(body[at..].starts_with("6.8 医療"));
    }

    #[test]
    fn titles_compare_without_width_space_or_trailing_parenthesis() {
        assert!(title_matches("組織的安全管理対策(体制、運用管理規程)", &normalize("組織的安全管理対策（体制、運用管理規程）")));
        assert!(title_matches("組織的安全管理対策(体制、運用管理規程)", &normalize("組織的安全管理対策")));
        assert!(!title_matches("情報システムの改造と保守", &normalize("医療情報システムの改造と保守")));
        assert!(similarity("情報システムの改造と保守", "医療情報システムの改造と保守") >= VARIANT_SIMILARITY);
        assert!(similarity("本章の読み方", "技術的な対応における責任分界決定の考慮事項") < VARIANT_SIMILARITY);
    }
}
