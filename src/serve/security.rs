//! Who may talk to the preview server, and the headers every response carries.
//!
//! - `Host` must name this machine (DNS rebinding: a hostile page whose name re-resolves to
//!   127.0.0.1 still sends its own name as Host).
//! - A WebSocket upgrade must come from one of our own origins (cross-site WebSocket hijacking).
//! - Security headers are the deployed ones from `netlify.toml` (every `[[headers]]` block whose
//!   `for` pattern matches, as on Netlify), with the live-reload socket added to `connect-src`;
//!   without a netlify.toml the built-in defaults below (identical to the shipped file) apply.

use crate::diagnostics::{Diagnostic, line_col};
use serde::Deserialize;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::path::Path;

pub const NETLIFY_TOML: &str = "netlify.toml";

pub const DEFAULT_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

const DEFAULT_HEADERS: &[(&str, &str)] = &[
    ("Content-Security-Policy", DEFAULT_CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("Referrer-Policy", "strict-origin-when-cross-origin"),
    ("Permissions-Policy", "camera=(), microphone=(), geolocation=()"),
    ("X-Frame-Options", "DENY"),
];

/// The hosts and origins this server answers to.
#[derive(Debug, Clone)]
pub struct Allowed {
    port: u16,
    /// The bound address when it is a specific non-loopback IP (`--bind 192.168.1.5`).
    bound_ip: Option<IpAddr>,
    /// Bound to 0.0.0.0 / [::]: any IP literal may be the Host (rebinding needs a name).
    any_ip: bool,
}

impl Allowed {
    pub fn new(addr: SocketAddr) -> Allowed {
        let ip = addr.ip();
        Allowed {
            port: addr.port(),
            bound_ip: (!ip.is_loopback() && !ip.is_unspecified()).then_some(ip),
            any_ip: ip.is_unspecified(),
        }
    }

    /// `Host` header value: a loopback name or IP (or the bound IP), with our port or none.
    pub fn host_ok(&self, host: &str) -> bool {
        let Some((name, port)) = split_host_port(host) else { return false };
        if port.is_some_and(|p| p != self.port) {
            return false;
        }
        let name = name.to_ascii_lowercase();
        if name == "localhost" {
            return true;
        }
        let ip = name.trim_start_matches('[').trim_end_matches(']');
        match ip.parse::<IpAddr>() {
            Ok(ip) => ip.is_loopback() || Some(ip) == self.bound_ip || self.any_ip,
            Err(_) => false,
        }
    }

    /// `Origin` of a WebSocket upgrade: `http://` + an allowed host with our port.
    pub fn origin_ok(&self, origin: &str) -> bool {
        let Some(host) = origin.strip_prefix("http://") else { return false };
        if host.contains('/') {
            return false;
        }
        matches!(split_host_port(host), Some((_, Some(p))) if p == self.port) && self.host_ok(host)
    }
}

/// `name[:port]` / `[v6][:port]`; None for anything malformed (userinfo, empty, bad port).
fn split_host_port(host: &str) -> Option<(&str, Option<u16>)> {
    if host.is_empty() || host.contains(['@', '/', ' ', '\\']) {
        return None;
    }
    let (name, port) = if let Some(rest) = host.strip_prefix('[') {
        let end = rest.find(']')?;
        let after = &rest[end + 1..];
        let port = match after.strip_prefix(':') {
            Some(p) => Some(p),
            None if after.is_empty() => None,
            None => return None,
        };
        (&host[..end + 2], port)
    } else {
        match host.rsplit_once(':') {
            Some((n, p)) => (n, Some(p)),
            None => (host, None),
        }
    };
    let port = match port {
        Some(p) => Some(p.parse::<u16>().ok()?),
        None => None,
    };
    (!name.is_empty()).then_some((name, port))
}

#[derive(Deserialize)]
struct NetlifyToml {
    #[serde(default)]
    headers: Vec<HeaderRule>,
}

#[derive(Deserialize)]
struct HeaderRule {
    #[serde(rename = "for")]
    path: String,
    #[serde(default)]
    values: BTreeMap<String, String>,
}

/// One `[[headers]]` block: a Netlify path pattern and its headers.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub pattern: String,
    pub values: Vec<(String, String)>,
}

/// The `[[headers]]` blocks of `<root>/netlify.toml`, or one `/*` block with the built-in
/// defaults when the site has no such file. A file that does not parse is an error with its position.
pub fn site_rules(root: &Path) -> Result<Vec<Rule>, Diagnostic> {
    let path = root.join(NETLIFY_TOML);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            let values = DEFAULT_HEADERS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
            return Ok(vec![Rule { pattern: "/*".into(), values }]);
        }
        Err(e) => return Err(Diagnostic::file_level(NETLIFY_TOML, format!("cannot read {NETLIFY_TOML}: {e}"))),
    };
    parse_rules(&text)
}

fn parse_rules(text: &str) -> Result<Vec<Rule>, Diagnostic> {
    let parsed: NetlifyToml = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let (line, col) = line_col(text, offset);
        Diagnostic::new(NETLIFY_TOML, line, col, format!("{NETLIFY_TOML} is not valid: {}", e.message().trim()))
            .with_source(text)
            .help("fix the TOML; `serve` sends the headers of its [[headers]] blocks")
    })?;
    Ok(parsed.headers.into_iter().map(|r| Rule { pattern: r.path, values: r.values.into_iter().collect() }).collect())
}

/// The site's headers for the preview: `connect-src` also allows the live-reload socket, and no
/// rule may open CORS.
pub fn serve_rules(rules: Vec<Rule>, port: u16) -> Vec<Rule> {
    let ws = format!("ws://127.0.0.1:{port} ws://localhost:{port}");
    rules
        .into_iter()
        .map(|r| Rule {
            pattern: r.pattern,
            values: r
                .values
                .into_iter()
                .filter(|(k, _)| !k.to_ascii_lowercase().starts_with("access-control-"))
                .map(|(k, v)| if k.eq_ignore_ascii_case("content-security-policy") { (k, add_connect_src(&v, &ws)) } else { (k, v) })
                .collect(),
        })
        .collect()
}

/// Netlify path pattern → regex: `*` matches anything (also `/`), `:name` one path segment.
pub fn pattern_regex(pattern: &str) -> regex::Regex {
    let mut re = String::from("^");
    let mut rest = pattern;
    while let Some(c) = rest.chars().next() {
        if c == '*' {
            re.push_str(".*");
            rest = &rest[1..];
        } else if c == ':' && rest[1..].starts_with(|c: char| c.is_ascii_alphabetic()) {
            let end = rest[1..].find(|c: char| !(c.is_ascii_alphanumeric() || c == '_')).map(|i| i + 1).unwrap_or(rest.len());
            re.push_str("[^/]+");
            rest = &rest[end..];
        } else {
            re.push_str(&regex::escape(&c.to_string()));
            rest = &rest[c.len_utf8()..];
        }
    }
    re.push('$');
    // Built only from escaped literals and the two fixed pieces above, so it always compiles.
    regex::Regex::new(&re).unwrap_or_else(|_| regex::Regex::new("^$").expect("valid"))
}

fn add_connect_src(csp: &str, sources: &str) -> String {
    let mut found = false;
    let mut parts: Vec<String> = csp
        .split(';')
        .map(str::trim)
        .filter(|d| !d.is_empty())
        .map(|d| {
            if d.split_whitespace().next().is_some_and(|n| n.eq_ignore_ascii_case("connect-src")) {
                found = true;
                format!("{d} {sources}")
            } else {
                d.to_string()
            }
        })
        .collect();
    if !found {
        // Without connect-src the socket falls under default-src; keep that and add ours.
        let default = parts
            .iter()
            .find_map(|d| d.strip_prefix("default-src ").map(str::to_string))
            .unwrap_or_else(|| "'self'".to_string());
        parts.push(if default == "'none'" { format!("connect-src {sources}") } else { format!("connect-src {default} {sources}") });
    }
    parts.join("; ")
}

/// Printed when `--bind` is not a loopback address.
pub fn exposure_warning(addr: SocketAddr) -> Option<String> {
    if addr.ip().is_loopback() {
        return None;
    }
    let line = "warning: ".to_string() + &"=".repeat(66);
    Some(format!(
        "{line}\n\
warning: shishin serve is listening on {addr}, which is NOT a loopback address.\n\
warning: Every machine that can reach this one over the network can read the whole\n\
warning: site, drafts included. This is a development preview server: it is not\n\
warning: built or hardened for exposure to a network you do not fully trust.\n\
warning: Browsers on other machines must use this machine's IP address, not a name.\n\
warning: Use the default --bind 127.0.0.1 unless you really need this.\n\
{line}"
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn local(port: u16) -> Allowed {
        Allowed::new(SocketAddr::from(([127, 0, 0, 1], port)))
    }

    #[test]
    fn hosts() {
        let a = local(1111);
        for ok in ["localhost", "localhost:1111", "127.0.0.1", "127.0.0.1:1111", "[::1]", "[::1]:1111", "LOCALHOST:1111", "127.0.0.2:1111"] {
            assert!(a.host_ok(ok), "{ok}");
        }
        for bad in ["", "evil.example", "evil.example:1111", "localhost:2222", "127.0.0.1:80", "localhost.evil.example", "[::1", "::1", "user@localhost", "localhost:1111/x", "localhost:", "10.0.0.1:1111", "localhost:99999"] {
            assert!(!a.host_ok(bad), "{bad}");
        }
    }

    #[test]
    fn non_loopback_bind_allows_its_own_ip_only() {
        let a = Allowed::new("192.168.1.5:1111".parse().unwrap());
        assert!(a.host_ok("192.168.1.5:1111"));
        assert!(a.host_ok("localhost:1111"));
        assert!(!a.host_ok("192.168.1.6:1111"));
        assert!(!a.host_ok("attacker.example:1111"));
        let any = Allowed::new("0.0.0.0:1111".parse().unwrap());
        assert!(any.host_ok("192.168.1.6:1111"));
        assert!(!any.host_ok("attacker.example:1111"));
    }

    #[test]
    fn origins() {
        let a = local(1111);
        for ok in ["http://127.0.0.1:1111", "http://localhost:1111", "http://[::1]:1111"] {
            assert!(a.origin_ok(ok), "{ok}");
        }
        for bad in ["null", "", "http://localhost", "http://evil.example:1111", "https://localhost:1111", "http://localhost:2222", "http://localhost:1111/", "file://"] {
            assert!(!a.origin_ok(bad), "{bad}");
        }
    }

    #[test]
    fn netlify_headers_are_read_and_connect_src_extended() {
        let toml = "[build]\ncommand = \"x\"\n\n[[headers]]\nfor = \"/assets/*\"\n[headers.values]\nCache-Control = \"immutable\"\n\n[[headers]]\nfor = \"/*\"\n[headers.values]\nContent-Security-Policy = \"default-src 'self'; connect-src 'self'\"\nX-Frame-Options = \"DENY\"\nAccess-Control-Allow-Origin = \"*\"\n";
        let rules = serve_rules(parse_rules(toml).unwrap(), 4000);
        assert_eq!(rules.len(), 2, "{rules:?}");
        assert_eq!(rules[0], Rule { pattern: "/assets/*".into(), values: vec![("Cache-Control".into(), "immutable".into())] });
        let all = &rules[1].values;
        assert_eq!(all.len(), 2, "no CORS: {all:?}");
        let csp = &all.iter().find(|(k, _)| k == "Content-Security-Policy").unwrap().1;
        assert_eq!(csp, "default-src 'self'; connect-src 'self' ws://127.0.0.1:4000 ws://localhost:4000");
    }

    #[test]
    fn netlify_patterns() {
        let m = |p: &str, path: &str| pattern_regex(p).is_match(path);
        assert!(m("/*", "/") && m("/*", "/mic/3.2.1/"));
        assert!(m("/assets/*", "/assets/ab12/style.css") && !m("/assets/*", "/mic/assets"));
        assert!(m("/search/:hash/*", "/search/ab12/shard-1.json"));
        assert!(!m("/search/:hash/*", "/search/"));
        assert!(!m("/search/:hash/*", "/search/index.html"));
        assert!(m("/a.b", "/a.b") && !m("/a.b", "/axb"));
    }

    #[test]
    fn csp_without_connect_src_gets_one() {
        assert_eq!(add_connect_src("default-src 'none'; img-src 'self'", "ws://x"), "default-src 'none'; img-src 'self'; connect-src ws://x");
        assert_eq!(add_connect_src("default-src 'self'", "ws://x"), "default-src 'self'; connect-src 'self' ws://x");
    }

    #[test]
    fn broken_netlify_toml_names_the_line() {
        let e = parse_rules("[[headers]]\nfor = \"/*\"\nvalues = 3\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.to_string().contains("netlify.toml:3:"), "{e}");
    }

    #[test]
    fn defaults_match_the_issue() {
        let dir = tempfile::tempdir().unwrap();
        let rules = site_rules(dir.path()).unwrap();
        assert_eq!(rules.len(), 1);
        assert_eq!(rules[0].pattern, "/*");
        assert_eq!(rules[0].values.len(), 5);
        assert!(rules[0].values.iter().any(|(k, v)| k == "Content-Security-Policy" && v == DEFAULT_CSP));
    }
}
