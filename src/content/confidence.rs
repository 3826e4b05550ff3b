//! A page's `confidence` describes its body, not only its title (conventions.md): a body rebuilt
//! from another guideline (`rebuilt_from`) is never `high`, and a page is never surer than every
//! requirement item it lists (requirements.yaml).

use crate::content::ids::id_help;
use crate::content::{Confidence, Page, Site};
use crate::diagnostics::{Diagnostic, Diagnostics};

pub fn check(site: &Site, errors: &mut Diagnostics) {
    for page in &site.pages {
        check_rebuilt_from(site, page, errors);
        // One error per value: a rebuilt page marked high has been told to lower it already.
        if page.front.rebuilt_from.is_empty() || page.front.confidence != Some(Confidence::High) {
            check_against_requirements(site, page, errors);
        }
    }
}

fn corpus_of(site: &Site, id: &str) -> Option<String> {
    site.config.corpus_for_id(id).map(|(c, _)| c.prefix.clone())
}

fn check_rebuilt_from(site: &Site, page: &Page, errors: &mut Diagnostics) {
    if page.front.rebuilt_from.is_empty() {
        return;
    }
    let key_at = page.offset_of("rebuilt_from");
    // Each id's own position inside the value (the first occurrence after the key).
    let at_id = |id: &str| page.source[key_at..].find(id).map_or(key_at, |i| key_at + i);
    let own = page.id();
    for id in &page.front.rebuilt_from {
        let diag = |msg: String| Diagnostic::at_offset(&page.file, &page.source, at_id(id), msg);
        if site.page_by_id(id).is_none() {
            let help = id_help(site, id, str::to_string, "name the clause (of another guideline) the body was rebuilt from by its page id, e.g. `rebuilt_from: mhlw5-6.3`");
            errors.push(diag(format!("unknown id `{id}` in `rebuilt_from`: no page has this id")).help(help).follows(site.broken_page(id)));
        } else if *id == own {
            errors.push(diag(format!("`{own}` names itself in `rebuilt_from`")).help("`rebuilt_from` names the other guideline's clause the body was rebuilt from; remove this id"));
        } else if corpus_of(site, id).is_some() && corpus_of(site, id) == corpus_of(site, &own) {
            errors.push(
                diag(format!("`{id}` is in the same guideline as `{own}`; `rebuilt_from` names a clause of another guideline"))
                    .help("link clauses of the same guideline with [[id]] in the text; keep `rebuilt_from` for the other guideline's clause the body was rebuilt from"),
            );
        }
    }
    if page.front.confidence == Some(Confidence::High) {
        errors.push(
            Diagnostic::at_offset(&page.file, &page.source, page.value_offset("confidence"), "`confidence: high` on a page whose body is rebuilt from another guideline (`rebuilt_from`)")
                .help("a rebuilt body is at most `medium`: set `confidence: medium` or `low`, or remove `rebuilt_from` if the body is summarised from the clause's own source"),
        );
    }
}

fn check_against_requirements(site: &Site, page: &Page, errors: &mut Diagnostics) {
    let Some(confidence) = page.front.confidence else { return };
    let id = page.id();
    let Some(best) = site.data.requirements.iter().filter(|r| r.clause == id).filter_map(|r| r.confidence).max_by_key(|c| c.rank()) else {
        return;
    };
    if confidence.rank() > best.rank() {
        errors.push(
            Diagnostic::at_offset(
                &page.file,
                &page.source,
                page.value_offset("confidence"),
                format!("`confidence: {}` is above every requirement item of `{id}` (the highest is `{}` in content/data/requirements.yaml)", confidence.token(), best.token()),
            )
            .help(format!(
                "a page is no surer than the items it lists: set `confidence: {}`{}, or raise the items a source supports",
                best.token(),
                if best == Confidence::Low { "" } else { " (or lower)" }
            )),
        );
    }
}
