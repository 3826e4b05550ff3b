//! Who may talk to the preview server, and the headers every response carries.
//!
//! - `Host` must name this machine (DNS rebinding: a hostile page whose name re-resolves to
//!   127.0.0.1 still sends its own name as Host).
//! - A WebSocket upgrade must come from one of our own origins (cross-site WebSocket hijacking).
//! - Security headers are the deployed ones from `netlify.toml` (`[[headers]] for = "/*"`), with the
//!   live-reload socket added to `connect-src`; without a netlify.toml the built-in defaults below
//!   (identical to the shipped file) apply.

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

/// The `for = "/*"` headers of `<root>/netlify.toml`, or the built-in defaults when the site has
/// no such file. A file that does not parse is an error with its position.
pub fn site_headers(root: &Path) -> Result<Vec<(String, String)>, Diagnostic> {
    let path = root.join(NETLIFY_TOML);
    let text = match std::fs::read_to_string(&path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
            return Ok(DEFAULT_HEADERS.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect());
        }
        Err(e) => return Err(Diagnostic::file_level(NETLIFY_TOML, format!("cannot read {NETLIFY_TOML}: {e}"))),
    };
    parse_headers(&text)
}

fn parse_headers(text: &str) -> Result<Vec<(String, String)>, Diagnostic> {
    let parsed: NetlifyToml = toml::from_str(text).map_err(|e| {
        let offset = e.span().map(|s| s.start).unwrap_or(0);
        let (line, col) = line_col(text, offset);
        Diagnostic::new(NETLIFY_TOML, line, col, format!("{NETLIFY_TOML} is not valid: {}", e.message()))
            .with_source(text)
            .help("fix the TOML; `serve` reads the [[headers]] for = \"/*\" values from it")
    })?;
    let mut out: Vec<(String, String)> = Vec::new();
    for rule in parsed.headers.iter().filter(|r| r.path == "/*") {
        for (k, v) in &rule.values {
            out.retain(|(name, _)| !name.eq_ignore_ascii_case(k));
            out.push((k.clone(), v.clone()));
        }
    }
    Ok(out)
}

/// The site's headers for the preview: `connect-src` also allows the live-reload socket, and
/// caching is decided per response by the server (a deployed Cache-Control does not apply).
pub fn serve_headers(site: Vec<(String, String)>, port: u16) -> Vec<(String, String)> {
    let ws = format!("ws://127.0.0.1:{port} ws://localhost:{port}");
    site.into_iter()
        .filter(|(k, _)| !k.eq_ignore_ascii_case("cache-control") && !k.eq_ignore_ascii_case("access-control-allow-origin"))
        .map(|(k, v)| if k.eq_ignore_ascii_case("content-security-policy") { (k, add_connect_src(&v, &ws)) } else { (k, v) })
        .collect()
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
        let toml = "[build]\ncommand = \"x\"\n\n[[headers]]\nfor = \"/assets/*\"\n[headers.values]\nCache-Control = \"immutable\"\n\n[[headers]]\nfor = \"/*\"\n[headers.values]\nContent-Security-Policy = \"default-src 'self'; connect-src 'self'\"\nX-Frame-Options = \"DENY\"\nCache-Control = \"public\"\n";
        let h = serve_headers(parse_headers(toml).unwrap(), 4000);
        assert_eq!(h.len(), 2, "{h:?}");
        let csp = &h.iter().find(|(k, _)| k == "Content-Security-Policy").unwrap().1;
        assert_eq!(csp, "default-src 'self'; connect-src 'self' ws://127.0.0.1:4000 ws://localhost:4000");
    }

    #[test]
    fn csp_without_connect_src_gets_one() {
        assert_eq!(add_connect_src("default-src 'none'; img-src 'self'", "ws://x"), "default-src 'none'; img-src 'self'; connect-src ws://x");
        assert_eq!(add_connect_src("default-src 'self'", "ws://x"), "default-src 'self'; connect-src 'self' ws://x");
    }

    #[test]
    fn broken_netlify_toml_names_the_line() {
        let e = parse_headers("[[headers]]\nfor = \"/*\"\nvalues = 3\n").unwrap_err();
        assert_eq!(e.line, 3, "{e}");
        assert!(e.to_string().contains("netlify.toml:3:"), "{e}");
    }

    #[test]
    fn defaults_match_the_issue() {
        let dir = tempfile::tempdir().unwrap();
        let h = site_headers(dir.path()).unwrap();
        assert_eq!(h.len(), 5);
        assert!(h.iter().any(|(k, v)| k == "Content-Security-Policy" && v.contains("frame-ancestors 'none'")));
    }
}
