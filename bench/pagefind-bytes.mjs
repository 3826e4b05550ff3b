// node bench/pagefind-bytes.mjs SITE_DIR [QUERIES_YAML]
//
// The Pagefind side of bench/search.sh: SITE_DIR is a built site on which `pagefind --site` has
// written SITE_DIR/pagefind/. For each query, a fresh Chromium context (empty cache) opens a small
// page added to SITE_DIR (bench-pagefind/) that does what a results page does: loads
// /pagefind/pagefind.js, searches, and loads the data (URL, title, excerpt) of the first PAGE
// results — the number shishin's search page lists at first (read from search.js). Chromium's
// CDP reports every URL fetched; each file counts once, as raw bytes and as a compressing CDN
// would send it (gzip level 6 for text: .js .json .css; Pagefind's own index files are already
// gzip-compressed and count as is).
//
// Also scores Pagefind's ranking on the queries' expected page ids (recall@5, MRR over the first
// 10; a result URL becomes an id through the <meta name="shishin-id"> of the built page).
//
// Prints a Markdown table per query and a summary line. Default queries: tests/eval/queries.yaml.
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { startServer, launchBrowser } from '../tests/browser/helpers.mjs';
import { readQueries } from '../tests/js/queries.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const SHOWN = Number(/const PAGE = (\d+);/.exec(readFileSync(join(repo, 'themes/default/static/search.js'), 'utf8'))?.[1]);
if (!SHOWN) throw new Error('themes/default/static/search.js: cannot find `const PAGE = N;`');
const [siteArg, queriesArg] = process.argv.slice(2);
if (!siteArg) {
  console.error('usage: node bench/pagefind-bytes.mjs SITE_DIR [QUERIES_YAML]');
  process.exit(2);
}
const site = resolve(siteArg);
const queriesPath = resolve(queriesArg || join(repo, 'tests/eval/queries.yaml'));
statSync(join(site, 'pagefind', 'pagefind.js')); // fails clearly when pagefind has not run

// The results page: an external module (no inline script), reporting through data attributes.
mkdirSync(join(site, 'bench-pagefind'), { recursive: true });
writeFileSync(join(site, 'bench-pagefind', 'index.html'),
  '<!doctype html><html lang="ja"><meta charset="utf-8"><title>pagefind bench</title><script type="module" src="run.js"></script><body></body></html>\n');
writeFileSync(join(site, 'bench-pagefind', 'run.js'), `
const q = new URL(location.href).searchParams.get('q');
try {
  const pagefind = await import('/pagefind/pagefind.js');
  const search = await pagefind.search(q);
  const data = await Promise.all(search.results.slice(0, ${SHOWN}).map((r) => r.data()));
  document.body.dataset.urls = JSON.stringify(data.map((d) => d.url));
  document.body.dataset.total = String(search.results.length);
} catch (e) {
  document.body.dataset.error = String(e && e.stack || e);
}
document.body.dataset.done = '1';
`);

/** The page id of a result URL (`/mic/3.2.3/#…` → mic-3.2.3), or the URL when the page has none. */
function idOf(url) {
  const path = decodeURIComponent(new URL(url, 'http://x').pathname).replace(/^\//, '');
  try {
    const html = readFileSync(join(site, path, path === '' || path.endsWith('/') ? 'index.html' : ''), 'utf8');
    return /<meta name="shishin-id" content="([^"]+)">/.exec(html)?.[1] ?? url;
  } catch {
    return url;
  }
}

const TEXT = new Set(['.js', '.json', '.css', '.html']);
const sizes = new Map();
function size(urlPath) {
  if (!sizes.has(urlPath)) {
    const bytes = readFileSync(join(site, decodeURIComponent(urlPath).replace(/^\//, '')));
    sizes.set(urlPath, { raw: bytes.length, sent: TEXT.has(extname(urlPath)) ? gzipSync(bytes, { level: 6 }).length : bytes.length });
  }
  return sizes.get(urlPath);
}

// No CSP here: Pagefind needs 'wasm-unsafe-eval', which the shipped netlify.toml does not allow.
const server = await startServer({ dir: site, headers: [] });
const browser = await launchBrowser();
const kb = (n) => (n / 1024).toFixed(1);
const rows = [];
try {
  for (const { q, expect } of readQueries(readFileSync(queriesPath, 'utf8'), queriesPath)) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const fetched = new Set();
    page.on('requestfinished', (req) => {
      const path = new URL(req.url()).pathname;
      if (path.startsWith('/pagefind/')) fetched.add(path);
    });
    await page.goto(`${server.origin}/bench-pagefind/?q=${encodeURIComponent(q)}`);
    await page.waitForSelector('body[data-done]', { state: 'attached', timeout: 30000 });
    await page.waitForLoadState('networkidle');
    const error = await page.getAttribute('body', 'data-error');
    if (error) throw new Error(`pagefind failed for ${q}: ${error}`);
    const urls = JSON.parse(await page.getAttribute('body', 'data-urls'));
    const rank = urls.slice(0, 10).map(idOf).findIndex((id) => expect.includes(id)) + 1;
    const files = [...fetched];
    const sum = (pick, which) => files.filter(pick).reduce((s, f) => s + size(f)[which], 0);
    rows.push({
      q, hits: urls.length, rank, total: Number(await page.getAttribute('body', 'data-total')), requests: files.length,
      raw: sum(() => true, 'raw'), sent: sum(() => true, 'sent'),
      runtime: sum((f) => /\.(js|pagefind)$/.test(f) || f.endsWith('.json') || f.endsWith('.pf_meta'), 'sent'),
      index: sum((f) => f.startsWith('/pagefind/index/'), 'sent'),
      fragments: sum((f) => f.startsWith('/pagefind/fragment/'), 'sent'),
    });
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}

console.log('| query | results (shown) | expected at | requests | raw KB | sent KB | runtime + meta | index chunks | fragments |');
console.log('|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  console.log(`| ${r.q.replace(/\|/g, '\\|')} | ${r.total} (${r.hits}) | ${r.rank || '–'} | ${r.requests} | ${kb(r.raw)} | ${kb(r.sent)} | ${kb(r.runtime)} | ${kb(r.index)} | ${kb(r.fragments)} |`);
}
const sent = rows.map((r) => r.sent).sort((a, b) => a - b);
const median = (xs) => xs[Math.floor((xs.length - 1) / 2)];
let indexTotal = 0;
for (const f of walk(join(site, 'pagefind'))) indexTotal += statSync(f).size;
const recall = rows.filter((r) => r.rank > 0 && r.rank <= 5).length / rows.length;
const mrr = rows.reduce((sum, r) => sum + (r.rank > 0 ? 1 / r.rank : 0), 0) / rows.length;
console.log(`\npagefind: recall@5 ${recall.toFixed(3)}, MRR ${mrr.toFixed(3)}; first query over ${rows.length} queries: sent median ${kb(median(sent))} KB, max ${kb(sent[sent.length - 1])} KB; `
  + `pagefind/ ${kb(indexTotal)} KB on disk (with its UI files); ${rows.filter((r) => r.total === 0).length} queries found nothing`);

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) yield* walk(join(dir, e.name));
    else yield join(dir, e.name);
  }
}
