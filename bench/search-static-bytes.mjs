// node bench/search-static-bytes.mjs SITE_DIR [QUERIES_YAML]
//
// What a browser downloads for its first static-search query on a cold cache, computed from the
// built files: the search page's script (search.js, shipped bundled with search-core.js; both
// when a site's own search.js imports the core), then exactly the index files the browser's own
// search code asks for (search-core.js run here with a loader that records each path), as
// search.js asks: search(q, PAGE), then the display file of each of the first PAGE hits (PAGE
// read from the theme's search.js). Files: meta.json, the lookup shards
// k/N.json.deflate (only for words that may be clause numbers or ids), for each term its shard's
// header and its part of the shard (two byte ranges of t/N.bin), the
// postings blocks of frequent terms as far as the ranking needs them (byte ranges of the blobs
// b/N.bin, each a request of its own), and the pages d/N.json.deflate. Each file or range counts once
// per query, as raw bytes and as the bytes sent: an index file or blob member as it is stored
// (raw deflate), a file stored plain (meta.json, the scripts) gzip level 6, as a CDN compressing on
// the fly sends; HTTP headers not included.
//
// "ms after transfer": the same query again with every file it fetched already in memory (JSON
// parsing, ranking, snippets: the browser's work once the bytes have arrived), median of 5 runs
// in node's V8 (Chromium's JavaScript engine).
//
// Prints a Markdown table per query and a summary line. Default queries: tests/eval/queries.yaml.
import { readdirSync, readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { inflateRawSync } from 'node:zlib';
import { readQueries } from '../tests/js/queries.mjs';
import { firstQuery, sentBytes, storedCompressed } from '../tests/js/first-query.mjs';
import { byteRange, recordMember } from '../themes/default/static/search-core.js';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const [siteArg, queriesArg] = process.argv.slice(2);
if (!siteArg) {
  console.error('usage: node bench/search-static-bytes.mjs SITE_DIR [QUERIES_YAML]');
  process.exit(2);
}
const site = resolve(siteArg);
const queriesPath = resolve(queriesArg || join(repo, 'tests/eval/queries.yaml'));

const page = readFileSync(join(site, 'search/index.html'), 'utf8');
const indexDir = /<meta name="shishin-search" content="([^"]+)">/.exec(page)?.[1];
const searchJs = /<script type="module" src="([^"]+\/search\.js)">/.exec(page)?.[1];
if (!indexDir || !searchJs) throw new Error(`${site}/search/index.html names no search index or no search.js`);
const local = (urlPath) => join(site, decodeURIComponent(urlPath).replace(/^\//, ''));
const searchJsText = readFileSync(local(searchJs), 'utf8');
// The shipped search.js is minified: PAGE comes from the theme's source.
const shown = Number(/const PAGE = (\d+);/.exec(readFileSync(join(repo, 'themes/default/static/search.js'), 'utf8'))?.[1]);
if (!shown) throw new Error('themes/default/static/search.js: cannot find `const PAGE = N;`');
const coreImport = /from\s*['"](\.\/search-core\.js)['"]/.exec(searchJsText)?.[1];
// The shipped search.js is a bundle that imports nothing; a site's own one may import the core.
const scripts = coreImport ? [searchJs, new URL(coreImport, `http://x${searchJs}`).pathname] : [searchJs];

const sizes = new Map(); // url path (with @start-end for a range) → { raw, sent }
const held = new Map(); // the same → bytes, for a range
function size(urlPath) {
  if (!sizes.has(urlPath)) {
    const bytes = held.get(urlPath) ?? readFileSync(local(urlPath));
    // A page's record slot (page_records.rs): its member after a two-byte length, then zeros.
    const member = /\/d\/\d+\.json\.deflate@0-\d+$/.test(urlPath) ? recordMember(bytes) : bytes;
    // A term shard's header of part lengths (static_index.rs `write_term_shards`) is plain bytes.
    const header = /\/t\/\d+\.bin@0-\d+$/.test(urlPath);
    const raw = storedCompressed(urlPath) && !header ? inflateRawSync(member).length : bytes.length;
    sizes.set(urlPath, { raw, sent: sentBytes(bytes, urlPath) });
  }
  return sizes.get(urlPath);
}

const kb = (n) => (n / 1024).toFixed(1);
const rows = [];
for (const { q } of readQueries(readFileSync(queriesPath, 'utf8'), queriesPath)) {
  const fetched = new Map(); // path (@start-end for a range) → bytes, as the browser holds them once transferred
  const key = (p, r) => (r ? `${p}@${r[0]}-${r[1] ?? ''}` : p);
  const hits = await firstQuery(q, async (p, r) => {
    const k = key(p, r);
    if (!fetched.has(k)) fetched.set(k, byteRange(readFileSync(local(indexDir + p)), r));
    held.set(indexDir + k, fetched.get(k));
    return fetched.get(k);
  }, shown);
  const runs = [];
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now();
    await firstQuery(q, async (p, r) => fetched.get(key(p, r)), shown);
    runs.push(performance.now() - t0);
  }
  const files = [...scripts, ...[...fetched.keys()].map((p) => indexDir + p)];
  const sum = (pick, which) => files.filter(pick).reduce((s, f) => s + size(f)[which], 0);
  const isIndex = (f) => f.startsWith(indexDir);
  rows.push({
    q, hits, requests: files.length, ms: median(runs.sort((a, b) => a - b)),
    raw: sum(() => true, 'raw'), sent: sum(() => true, 'sent'),
    scripts: sum((f) => !isIndex(f), 'sent'),
    meta: sum((f) => f === `${indexDir}meta.json`, 'sent'),
    keys: sum((f) => f.startsWith(`${indexDir}k/`), 'sent'),
    shards: sum((f) => f.startsWith(`${indexDir}t/`), 'sent'),
    blocks: sum((f) => f.startsWith(`${indexDir}b/`), 'sent'),
    read: files.filter((f) => f.startsWith(`${indexDir}d/`)).length,
    pages: sum((f) => f.startsWith(`${indexDir}d/`), 'sent'),
  });
}

console.log('| query | hits shown | requests | raw KB | sent KB | scripts | meta | lookups | term shards | blocks (impact maps included) | pages (files) | ms after transfer |');
console.log('|---|---|---|---|---|---|---|---|---|---|---|---|');
for (const r of rows) {
  const cells = [r.hits, r.requests, kb(r.raw), kb(r.sent), kb(r.scripts), kb(r.meta), kb(r.keys), kb(r.shards), kb(r.blocks), `${kb(r.pages)} (${r.read})`, r.ms.toFixed(1)];
  console.log(`| ${r.q.replace(/\|/g, '\\|')} | ${cells.join(' | ')} |`);
}
const sorted = (key) => rows.map((r) => r[key]).sort((a, b) => a - b);
const sent = sorted('sent');
const raw = sorted('raw');
const ms = sorted('ms');
let indexTotal = 0;
for (const f of walk(local(indexDir))) indexTotal += readFileSync(f).length;
console.log(`\nstatic first query over ${rows.length} queries: sent median ${kb(median(sent))} KB, max ${kb(sent[sent.length - 1])} KB `
  + `(raw median ${kb(median(raw))} KB, max ${kb(raw[raw.length - 1])} KB); whole index ${kb(indexTotal)} KB raw; `
  + `results after transfer median ${median(ms).toFixed(1)} ms, max ${ms[ms.length - 1].toFixed(1)} ms`);

function median(xs) {
  return xs[Math.floor((xs.length - 1) / 2)];
}

function* walk(dir) {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.isDirectory()) yield* walk(join(dir, e.name));
    else yield join(dir, e.name);
  }
}
