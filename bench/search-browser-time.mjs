// node bench/search-browser-time.mjs SITE_DIR [QUERIES_YAML] [--rtt MS]
//
// How long the first static-search query takes in Chromium itself, each query in a fresh browser
// context (its own empty HTTP cache, so no compiled-code cache either): the built site is served
// from 127.0.0.1 with netlify.toml's headers (tests/browser/helpers.mjs), the search page is opened
// with ?q=QUERY, and the page's own clock gives
//   - "query ms": from the request for the index's meta.json (the search's first step) to the
//     results on the page (the status line's answer, set in the task that draws the list): every
//     round of fetching and ranking and the results drawn, with transfers that cost next to
//     nothing on localhost;
//   - "no request in flight ms": the part of that time when no index request was under way (the
//     browser's own work between rounds, and drawing the results);
//   - "after last byte ms": from the end of the last index response to the results;
//   - "page ms": from the navigation's start to the results (the page, its script and the index).
// --rtt MS adds that round-trip latency to every request (Chromium's network emulation, no
// bandwidth limit), as on a real network, where each round of requests costs a round trip.
// search-static-bytes.mjs measures the same work in Node with warm code; this is the real first
// query of a visit, cold code included. Needs the browser suite's packages (`npm ci` in
// tests/browser) and Chromium (scripts/test installs it).
//
// Prints a Markdown table per query and a summary line. Default queries: tests/eval/queries.yaml.
import { readFileSync } from 'node:fs';
import { join, dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readQueries } from '../tests/js/queries.mjs';
import { startServer, launchBrowser, loadNetlifyHeaders } from '../tests/browser/helpers.mjs';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const rttAt = args.indexOf('--rtt');
const rtt = rttAt >= 0 ? Number(args.splice(rttAt, 2)[1]) : 0;
const [siteArg, queriesArg] = args;
if (!siteArg || !(rtt >= 0)) {
  console.error('usage: node bench/search-browser-time.mjs SITE_DIR [QUERIES_YAML] [--rtt MS]');
  process.exit(2);
}
const site = resolve(siteArg);
const queriesPath = resolve(queriesArg || join(repo, 'tests/eval/queries.yaml'));
const page = readFileSync(join(site, 'search/index.html'), 'utf8');
const indexDir = /<meta name="shishin-search" content="([^"]+)">/.exec(page)?.[1];
if (!indexDir) throw new Error(`${site}/search/index.html names no search index`);

const server = await startServer({ dir: site, headers: loadNetlifyHeaders(join(repo, 'netlify.toml')) });
const browser = await launchBrowser();
const rows = [];
try {
  for (const { q } of readQueries(readFileSync(queriesPath, 'utf8'), queriesPath)) {
    const context = await browser.newContext({ locale: 'ja-JP' });
    // The moment the search's answer is on the page, by the page's clock (performance.now()): the
    // status line leaves "検索しています…" in the same task that draws the results (search.js).
    await context.addInitScript(() => {
      const watch = () => {
        const status = document.querySelector('[data-search-status]');
        if (!status) return;
        new MutationObserver((_, observer) => {
          const text = status.textContent;
          if (text !== '' && text !== '検索しています…') {
            window.__shishinShown = performance.now();
            observer.disconnect();
          }
        }).observe(status, { childList: true, characterData: true, subtree: true });
      };
      document.addEventListener('DOMContentLoaded', watch);
    });
    const tab = await context.newPage();
    if (rtt > 0) {
      const cdp = await context.newCDPSession(tab);
      await cdp.send('Network.enable');
      await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: rtt, downloadThroughput: -1, uploadThroughput: -1 });
    }
    await tab.goto(`${server.origin}/search/?q=${encodeURIComponent(q)}`);
    await tab.waitForFunction(() => window.__shishinShown !== undefined, null, { timeout: 30000 });
    const t = await tab.evaluate((dir) => {
      const index = performance.getEntriesByType('resource').filter((e) => new URL(e.name).pathname.startsWith(dir));
      // Time with at least one index request in flight: the union of their intervals.
      const spans = index.map((e) => [e.startTime, e.responseEnd]).sort((a, b) => a[0] - b[0]);
      let waiting = 0;
      let reach = -Infinity;
      for (const [a, b] of spans) {
        if (b > reach) {
          waiting += b - Math.max(a, reach);
          reach = b;
        }
      }
      return {
        waiting,
        start: Math.min(...index.filter((e) => e.name.endsWith('/meta.json')).map((e) => e.startTime)),
        lastEnd: Math.max(...index.map((e) => e.responseEnd)),
        requests: index.length,
        hits: document.querySelectorAll('[data-search-results] a').length,
        shown: window.__shishinShown,
      };
    }, indexDir);
    await context.close();
    rows.push({ q, hits: t.hits, requests: t.requests, query: t.shown - t.start, busy: t.shown - t.start - t.waiting, tail: t.shown - t.lastEnd, page: t.shown });
  }
} finally {
  await browser.close();
  await server.close();
}

console.log('| query | result links | index requests | query ms | no request in flight ms | after last byte ms | page ms |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows) console.log(`| ${r.q} | ${r.hits} | ${r.requests} | ${r.query.toFixed(1)} | ${r.busy.toFixed(1)} | ${r.tail.toFixed(1)} | ${r.page.toFixed(1)} |`);
const stat = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)].toFixed(1)} ms, max ${s[s.length - 1].toFixed(1)} ms`;
};
console.log('');
const network = rtt > 0 ? ` with ${rtt} ms round trips` : '';
console.log(`first query in a fresh Chromium context${network} over ${rows.length} queries: query ${stat(rows.map((r) => r.query))}; no request in flight ${stat(rows.map((r) => r.busy))}; after the last byte ${stat(rows.map((r) => r.tail))}; page ${stat(rows.map((r) => r.page))}`);
