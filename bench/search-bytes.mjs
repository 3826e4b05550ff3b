// node bench/search-bytes.mjs OUTDIR QUERY... — bytes over the wire for one cold static-search
// query: opens /search/?q=QUERY in a fresh browser context (empty cache) against OUTDIR served
// with the netlify.toml headers, waits for the result links, and sums encodedDataLength (headers
// + body) from CDP. The test server does not compress (Netlify does), so it also gzips (level 6)
// each fetched file from disk, as bench/search-static-bytes.mjs does (a blob range counts its own
// bytes, which are gzip members already). Prints one line: per query
// the index bytes (requests under the content-hashed search dir named by
// <meta name="shishin-search">), raw over the wire and gzip, and the whole page's raw bytes.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sentBytes } from '../tests/js/first-query.mjs';
import { startServer, launchBrowser, requestedRange } from '../tests/browser/helpers.mjs';

const [dir, ...queries] = process.argv.slice(2);
if (!dir || queries.length === 0) {
  console.error('usage: node bench/search-bytes.mjs OUTDIR QUERY...');
  process.exit(2);
}
const server = await startServer({ dir });
const browser = await launchBrowser();
const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const parts = [];
try {
  for (const q of queries) {
    const context = await browser.newContext();
    const page = await context.newPage();
    const cdp = await context.newCDPSession(page);
    await cdp.send('Network.enable');
    await cdp.send('Network.setCacheDisabled', { cacheDisabled: true });
    const urls = new Map();
    const sizes = [];
    const ranges = new Map(); // request → its Range header
    cdp.on('Network.requestWillBeSent', (e) => {
      if (e.request.headers.Range) ranges.set(e.requestId, e.request.headers.Range);
    });
    cdp.on('Network.responseReceived', (e) => urls.set(e.requestId, e.response.url));
    cdp.on('Network.loadingFinished', (e) => sizes.push([e.requestId, e.encodedDataLength]));
    const started = performance.now();
    await page.goto(`${server.origin}/search/?q=${encodeURIComponent(q)}`);
    await page.waitForSelector('[data-search-results] a', { timeout: 15000 });
    const shown = performance.now() - started;
    await page.waitForLoadState('networkidle');
    const searchDir = await page.evaluate(() => document.querySelector('meta[name="shishin-search"]')?.content);
    let index = 0;
    let indexGzip = 0;
    let requests = 0;
    let total = 0;
    for (const [id, n] of sizes) {
      total += n;
      const url = urls.get(id) || '';
      const path = new URL(url).pathname;
      if (searchDir && path.startsWith(new URL(searchDir, server.origin).pathname)) {
        index += n;
        requests += 1;
        const file = readFileSync(join(dir, decodeURIComponent(path)));
        const range = requestedRange(ranges.get(id), file.length);
        indexGzip += sentBytes(range && range !== 'unsatisfiable' ? file.subarray(range.start, range.end + 1) : file, path);
      }
    }
    const hits = await page.locator('[data-search-results] a').count();
    parts.push(`${q}: index ${kb(index)} raw / ${kb(indexGzip)} gzip in ${requests} requests, page total ${kb(total)} raw, ${hits} links, ${Math.round(shown)} ms`);
    await context.close();
  }
} finally {
  await browser.close();
  await server.close();
}
console.log(parts.join('; '));
