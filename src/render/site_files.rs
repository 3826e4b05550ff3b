//! Site-level files: sitemap.xml, robots.txt, alias redirects (HTML + Netlify _redirects).

use crate::content::Site;
use crate::html::escape_html;

pub fn sitemap(site: &Site) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for page in site.pages.iter().filter(|p| !p.front.draft) {
        out.push_str("  <url><loc>");
        out.push_str(&escape_html(&site.absolute_url(&page.url)));
        out.push_str("</loc>");
        if let Some(d) = &page.updated {
            out.push_str("<lastmod>");
            out.push_str(&escape_html(d));
            out.push_str("</lastmod>");
        }
        out.push_str("</url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

pub fn robots(site: &Site) -> String {
    format!("User-agent: *\nAllow: /\nSitemap: {}\n", site.absolute_url("/sitemap.xml"))
}


/// Netlify `_redirects` lines: alias → page (301).
pub fn netlify_redirects(site: &Site) -> String {
    let mut out = String::new();
    for page in &site.pages {
        for alias in &page.front.aliases {
            out.push_str(&format!("{} {} 301\n", site.url_for(alias), rule_field(&site.url_for(&page.url))));
        }
    }
    out
}

/// A page URL as one `_redirects` field: whitespace and control characters (possible in a file
/// name) are percent-encoded, so they can neither split the rule nor start a new one. Aliases
/// need no encoding: content::aliases refuses such characters in them.
fn rule_field(url: &str) -> String {
    const SPLITS: &percent_encoding::AsciiSet = &percent_encoding::CONTROLS.add(b' ');
    let encoded = percent_encoding::utf8_percent_encode(url, SPLITS).to_string();
    encoded.chars().flat_map(|c| if c.is_whitespace() || c.is_control() { c.to_string().bytes().map(|b| format!("%{b:02X}")).collect::<Vec<_>>() } else { vec![c.to_string()] }).collect()
}
