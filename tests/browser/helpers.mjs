// Shared helpers for the browser suite (node --test + playwright-core + axe-core, system Chromium).
//
// The site under test is a directory built by `shishin build` (scripts/test builds the shipped
// site into target/e2e-site; override with SHISHIN_SITE=/path/to/dir). It is served on
// 127.0.0.1 with the headers of netlify.toml (the real CSP), so a CSP bug fails here.
//
// Typical test file (tests/browser/<feature>.test.mjs):
//
//   import { test, before, after } from 'node:test';
//   import assert from 'node:assert/strict';
//   import { openSite, siteHas, PHONE } from './helpers.mjs';
//
//   let site;
//   before(async () => { site = await openSite(); });   // static server + Chromium
//   after(async () => { await site?.close(); });
//
//   test('…', async () => {
//     const page = await site.newPage();               // or site.newPage({ viewport: PHONE })
//     await site.goto(page, '/mic/3.2.1/');            // asserts a 2xx response
//     …playwright assertions…
//     await site.expectAccessible(page);               // axe: 0 serious/critical violations
//     await site.screenshot(page, 'clause');           // target/screenshots/clause.png
//     site.expectClean(page);                          // no console errors, page errors, CSP violations, failed requests
//   });
//
// API
//   SITE_DIR                    absolute path of the built site being served
//   shishinBin()                path of the shishin binary (SHISHIN_BIN, else target/debug/shishin)
//   siteHas(path)               true when the build contains that URL path ('/mapping/' → mapping/index.html)
//   PHONE, DESKTOP              viewport sizes ({ width, height })
//   openSite() → site           starts the server and the browser; `site` has:
//     site.origin               'http://127.0.0.1:PORT'
//     site.url(path)            absolute URL of a site path
//     site.has(path)            = siteHas(path)
//     site.newPage(opts)        fresh context (own storage) + page with problem collectors;
//                               opts: { viewport, colorScheme, javaScript = true, allowProblems: [RegExp…] }
//     site.goto(page, path, { status })   navigate; asserts the status (default: any 2xx), then settle
//     site.settle(page)         await after an interaction, before expectClean, so late CSP
//                               violation reports and console errors are collected (a no-op
//                               for a page opened with javaScript: false)
//     site.problems(page)       array of strings collected so far (console errors, page errors,
//                               CSP violations, responses ≥ 400)
//     site.expectClean(page)    asserts problems(page) is empty (minus allowProblems)
//     site.axe(page)            axe violations with impact serious/critical
//     site.expectAccessible(page)   asserts axe(page) is empty, listing rule, impact and targets
//     site.screenshot(page, name, { fullPage = true })  saves target/screenshots/<name>.png
//     site.close()              closes browser and server
//   openSite({ dir, headers })  the same for another built site and its own netlify.toml rules
//   assertSecurityHeaders(res, label)   the netlify.toml security headers on a fetch() response
//   startServer({ dir, headers }) / loadNetlifyHeaders(file) / headersFor(rules, path)
//                               the pieces openSite uses, for tests that need their own server.
//                               The server answers one byte range of a file (`Range: bytes=a-b`,
//                               `a-`, `-n`) with 206, past the end with 416, and ignores several or
//                               malformed ranges (200), as `shishin serve` does: requestedRange(header, size).
//   launchBrowser()             Chromium with the flags CI needs (no sandbox, headless, no GPU).
//   luminance(css)              relative luminance of a computed rgb()/rgba() colour (0 black … 1 white;
//                               fully transparent counts as white paper).
//
// Environment (scripts/test sets the first two): SHISHIN_SITE (built site dir), SHISHIN_BIN (the
// shishin binary scripts/test built, for tests that run the CLI), SHISHIN_SCREENSHOTS (screenshot
// dir), SHISHIN_CHROMIUM (browser binary, default /usr/bin/chromium).

import { createServer } from 'node:http';
import { createReadStream, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '..', '..');
export const SITE_DIR = resolve(process.env.SHISHIN_SITE || join(REPO, 'target', 'e2e-site'));
export const SCREENSHOT_DIR = resolve(process.env.SHISHIN_SCREENSHOTS || join(REPO, 'target', 'screenshots'));
export const NETLIFY_TOML = join(REPO, 'netlify.toml');
export const PHONE = { width: 375, height: 667 };
export const DESKTOP = { width: 1280, height: 800 };

const CHROMIUM = process.env.SHISHIN_CHROMIUM || '/usr/bin/chromium';
const AXE_SOURCE = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

/** The file that serves a URL path in the built site, or null. */
function fileFor(dir, urlPath) {
  let rel;
  try {
    rel = decodeURIComponent(urlPath.split('?')[0].split('#')[0]);
  } catch {
    return null;
  }
  const full = resolve(dir, '.' + rel);
  if (full !== dir && !full.startsWith(dir + sep)) return null; // no path traversal
  if (!existsSync(full)) return null;
  const st = statSync(full);
  if (st.isFile()) return { file: full };
  if (st.isDirectory()) {
    if (!rel.endsWith('/')) return { redirect: rel + '/' }; // Netlify pretty URLs
    const index = join(full, 'index.html');
    if (existsSync(index)) return { file: index };
  }
  return null;
}

/** True when the build contains the page or file at `urlPath`. */
/** The shishin binary for tests that run the CLI: SHISHIN_BIN, else the cargo debug build. */
export function shishinBin() {
  const candidates = [process.env.SHISHIN_BIN, process.env.CARGO_TARGET_DIR && resolve(REPO, process.env.CARGO_TARGET_DIR, 'debug', 'shishin'), join(REPO, 'target', 'debug', 'shishin')];
  const found = candidates.find((p) => p && existsSync(p));
  if (!found) throw new Error(`shishin binary not found (tried ${candidates.filter(Boolean).join(', ')}); build it or set SHISHIN_BIN`);
  return found;
}

export function siteHas(urlPath, dir = SITE_DIR) {
  const hit = fileFor(dir, urlPath);
  if (!hit) return false;
  if (hit.redirect) return siteHas(hit.redirect, dir);
  return true;
}

// ---- netlify.toml [[headers]] (minimal TOML: the blocks, `for = "..."`, `Key = "value"`) ----

/** Parse the [[headers]] blocks of netlify.toml into [{ for, values: { name: value } }]. */
export function loadNetlifyHeaders(file = NETLIFY_TOML) {
  const rules = [];
  let current = null;
  let inValues = false;
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (line.startsWith('[')) {
      if (line === '[[headers]]') {
        current = { for: null, values: {} };
        rules.push(current);
        inValues = false;
      } else if (line === '[headers.values]' && current) {
        inValues = true;
      } else {
        current = null;
        inValues = false;
      }
      continue;
    }
    if (!current) continue;
    const m = line.match(/^("?)([A-Za-z0-9_.-]+)\1\s*=\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)')\s*(#.*)?$/);
    if (!m) throw new Error(`netlify.toml: cannot read line in [[headers]]: ${raw}`);
    const value = m[3] !== undefined ? JSON.parse(`"${m[3]}"`) : m[4];
    if (inValues) current.values[m[2]] = value;
    else if (m[2] === 'for') current.for = value;
  }
  for (const r of rules) if (!r.for) throw new Error('netlify.toml: a [[headers]] block has no `for`');
  return rules;
}

/** The security headers every response of a shishin site carries (netlify.toml `/*` block). */
export function assertSecurityHeaders(res, label) {
  assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self';/, label);
  assert.match(res.headers.get('content-security-policy') ?? '', /frame-ancestors 'none'/, label);
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff', label);
  assert.equal(res.headers.get('x-frame-options'), 'DENY', label);
  assert.equal(res.headers.get('referrer-policy'), 'strict-origin-when-cross-origin', label);
}

/** Netlify path pattern → RegExp: `*` matches anything, `:name` one path segment. */
function patternRegExp(pattern) {
  const body = pattern
    .split(/(\*|:[A-Za-z_][A-Za-z0-9_]*)/)
    .map((part) => (part === '*' ? '.*' : part.startsWith(':') && part.length > 1 ? '[^/]+' : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('');
  return new RegExp(`^${body}$`);
}

/** Headers of every rule that matches `urlPath` (later rules win for the same name). */
export function headersFor(rules, urlPath) {
  const out = {};
  for (const r of rules) if (patternRegExp(r.for).test(urlPath)) Object.assign(out, r.values);
  return out;
}

// ---- static server ----

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.xml': 'application/xml',
  '.txt': 'text/plain; charset=utf-8',
  '.md': 'text/markdown; charset=utf-8',
  '.csv': 'text/csv; charset=utf-8',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.wasm': 'application/wasm',
  '.woff2': 'font/woff2',
};

/** The one byte range a `Range` header asks of a file of `size` bytes, read as `shishin serve`
 *  reads it (src/serve/range.rs): { start, end } (end inclusive, inside the file), 'unsatisfiable'
 *  (416), or null for the whole file (no header, another unit, a malformed range, several ranges). */
export function requestedRange(header, size) {
  const m = /^bytes=(\d*)-(\d*)$/i.exec((header ?? '').trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    // The last n bytes (all of them when the file is shorter); zero bytes select nothing.
    const n = Number(m[2]);
    return n === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const end = m[2] === '' ? Infinity : Number(m[2]);
  if (end < start) return null;
  return start >= size ? 'unsatisfiable' : { start, end: Math.min(end, size - 1) };
}

/** Serve `dir` on 127.0.0.1:<free port> with the netlify.toml headers. Resolves to { origin, close }. */
export function startServer({ dir = SITE_DIR, headers = loadNetlifyHeaders() } = {}) {
  const root = resolve(dir);
  if (!existsSync(join(root, 'index.html'))) {
    throw new Error(`no built site at ${root} (run ./scripts/test, or set SHISHIN_SITE to a \`shishin build\` output)`);
  }
  const server = createServer((req, res) => {
    const path = new URL(req.url, 'http://x').pathname;
    const send = (status, file, extra = {}, range = undefined) => {
      res.writeHead(status, { ...headersFor(headers, path), ...extra, ...(file ? { 'Content-Type': TYPES[extname(file)] || 'application/octet-stream' } : {}) });
      if (!file || req.method === 'HEAD') return res.end();
      createReadStream(file, range).pipe(res);
    };
    // A file of the site: all of it, or the one byte range asked for (If-Range: no validator of
    // ours to match, so the whole file).
    const sendFile = (file) => {
      const size = statSync(file).size;
      const range = req.headers['if-range'] === undefined ? requestedRange(req.headers.range, size) : null;
      if (range === 'unsatisfiable') return send(416, null, { 'Accept-Ranges': 'bytes', 'Content-Range': `bytes */${size}` });
      if (range) {
        const part = { 'Accept-Ranges': 'bytes', 'Content-Range': `bytes ${range.start}-${range.end}/${size}`, 'Content-Length': range.end - range.start + 1 };
        return send(206, file, part, range);
      }
      return send(200, file, { 'Accept-Ranges': 'bytes', 'Content-Length': size });
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, null);
    const hit = fileFor(root, path);
    if (hit?.redirect) return send(301, null, { Location: encodeURI(hit.redirect) });
    if (hit) return sendFile(hit.file);
    const notFound = join(root, '404.html');
    return send(404, existsSync(notFound) ? notFound : null);
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      ok({
        origin: `http://127.0.0.1:${port}`,
        close: () => new Promise((done) => { server.closeAllConnections(); server.close(() => done()); }),
      });
    });
  });
}

// ---- browser ----

/** Chromium from the system (apt), headless. Playwright gives every launch a fresh temporary
 *  profile (--user-data-dir) and deletes it on close; each newPage gets its own context too. */
export async function launchBrowser() {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium fonts-noto-cjk (scripts/test does this)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}

const collected = new WeakMap(); // page → { problems: [], allow: [] }

/** Open the built site: static server + browser. See the API at the top of this file. */
export async function openSite({ dir = SITE_DIR, headers = loadNetlifyHeaders() } = {}) {
  const server = await startServer({ dir, headers });
  const browser = await launchBrowser();
  const contexts = [];

  const site = {
    origin: server.origin,
    dir,
    url: (path) => new URL(path, server.origin).href,
    has: (path) => siteHas(path, dir),

    async newPage({ viewport = DESKTOP, colorScheme = 'light', javaScript = true, allowProblems = [] } = {}) {
      const context = await browser.newContext({ viewport, deviceScaleFactor: 1, colorScheme, locale: 'ja-JP', javaScriptEnabled: javaScript });
      contexts.push(context);
      const state = { problems: [], allow: allowProblems, javaScript };
      // CSP violations: the init script runs before page scripts on every navigation and is not
      // subject to the page's CSP; it reports through a binding.
      await context.exposeBinding('__shishinReportCsp', ({ page }, v) => {
        collected.get(page)?.problems.push(`CSP violation: ${v.directive} blocked ${v.blocked || 'inline'} at ${v.source}:${v.line}`);
      });
      await context.addInitScript(() => {
        document.addEventListener('securitypolicyviolation', (e) => {
          window.__shishinReportCsp({ directive: e.violatedDirective, blocked: e.blockedURI, source: e.sourceFile || e.documentURI, line: e.lineNumber });
        });
      });
      const page = await context.newPage();
      collected.set(page, state);
      page.on('console', (msg) => {
        if (msg.type() === 'error') state.problems.push(`console error: ${msg.text()} (${msg.location().url || page.url()})`);
      });
      page.on('pageerror', (err) => state.problems.push(`page error: ${err.message} (${page.url()})`));
      page.on('response', (res) => {
        if (res.status() >= 400) state.problems.push(`HTTP ${res.status()}: ${res.url()}`);
      });
      page.on('requestfailed', (req) => {
        // Chromium fetches the favicon by itself and cancels that fetch when the test navigates on.
        if (req.failure()?.errorText === 'net::ERR_ABORTED' && /\/favicon\.(svg|ico)$/.test(new URL(req.url()).pathname)) return;
        state.problems.push(`request failed: ${req.url()} (${req.failure()?.errorText})`);
      });
      return page;
    },

    /** Navigate and assert the response status (default: 2xx). Pass { status: 404 } for the 404 page. */
    async goto(page, path, { status } = {}) {
      const res = await page.goto(site.url(path), { waitUntil: 'load' });
      assert.ok(res, `no response for ${path}`);
      await site.settle(page);
      if (status === undefined) assert.ok(res.ok(), `${path} answered HTTP ${res.status()}`);
      else assert.equal(res.status(), status, `${path} status`);
      if (status !== undefined && status >= 400) {
        // The expected error status of the document itself is not a problem.
        const state = collected.get(page);
        state.problems = state.problems.filter((p) => !p.includes(`HTTP ${status}: ${res.url()}`) && !(p.includes(`status of ${status}`) && p.includes(res.url())));
      }
      return res;
    },

    /** Let queued events (CSP violation reports, late console errors) reach the collectors:
     *  securitypolicyviolation fires in a later task than the blocked load. */
    async settle(page) {
      if (!collected.get(page)?.javaScript) return; // no timers run without JS; nothing to wait for
      await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 0))));
    },

    problems(page) {
      const state = collected.get(page);
      return state.problems.filter((p) => !state.allow.some((re) => re.test(p)));
    },

    expectClean(page) {
      const problems = site.problems(page);
      assert.deepEqual(problems, [], `problems on ${page.url()}:\n  ${problems.join('\n  ')}`);
    },

    async axe(page) {
      await page.evaluate(AXE_SOURCE); // CDP evaluation is exempt from the page's CSP
      const result = await page.evaluate(() => window.axe.run(document, { resultTypes: ['violations'] }));
      return result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
    },

    async expectAccessible(page) {
      const bad = await site.axe(page);
      const text = bad.map((v) => `${v.impact} ${v.id}: ${v.help}\n    ${v.nodes.slice(0, 5).map((n) => `${n.target.join(' ')} — ${n.failureSummary?.split('\n').slice(1, 2).join(' ').trim()}`).join('\n    ')}`);
      assert.deepEqual(text, [], `axe found serious/critical violations on ${page.url()}:\n  ${text.join('\n  ')}`);
    },

    async screenshot(page, name, { fullPage = true } = {}) {
      mkdirSync(SCREENSHOT_DIR, { recursive: true });
      const path = join(SCREENSHOT_DIR, `${name}.png`);
      await page.screenshot({ path, fullPage });
      return path;
    },

    async close() {
      for (const c of contexts) await c.close().catch(() => {});
      await browser.close();
      await server.close();
    },
  };
  return site;
}

/** Relative luminance (WCAG) of a computed CSS rgb()/rgba() colour: 0 = black, 1 = white. A fully
 *  transparent colour counts as white (the page or paper shows through). */
export function luminance(css) {
  const parts = css.match(/[\d.]+/g).map(Number);
  if (parts.length === 4 && parts[3] === 0) return 1;
  const [r, g, b] = parts.slice(0, 3).map((v) => {
    const c = v / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  });
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
}
