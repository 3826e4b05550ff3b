// Relevance of the static index, with the browser's own search code.
// Usage: node tests/js/static-eval.mjs <index dir (…/search/<hash>/)> <queries.yaml> [k]
// Prints JSON {k, recall, mrr, results: [[ids of the top 10] per query], presented: [[the top 3
// as the search page shows them: {id, url, snippet, highlights}] per query]} on stdout, the
// per-query table on stderr. tests/integration/search_eval.rs and tests/integration/search_engine.rs run it on freshly
// written indexes and compare with the server's engine.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { StaticIndex, byteRange } from '../../themes/default/static/search-core.js';
import { readQueries } from './queries.mjs';

const [dir, queriesPath, kArg] = process.argv.slice(2);
if (!dir || !queriesPath) {
  console.error('usage: node tests/js/static-eval.mjs <index dir> <queries.yaml> [k]');
  process.exit(2);
}
const k = Number(kArg || 5);
const DEPTH = 10;
const index = await StaticIndex.open(async (p, r) => byteRange(await readFile(join(dir, p)), r));
const queries = readQueries(await readFile(queriesPath, 'utf8'), queriesPath);
const results = [];
const presented = [];
let found = 0;
let rr = 0;
for (const { q, expect } of queries) {
  let ids = [];
  let shown = [];
  try {
    const { query, hits } = await index.search(q, DEPTH);
    ids = await Promise.all(hits.map(async (h) => (await index.page(h.doc)).id));
    shown = await Promise.all(hits.slice(0, 3).map((h) => index.present(h, query)));
  } catch (e) {
    if (e.kind === undefined) throw e;
  }
  results.push(ids);
  presented.push(shown.map(({ id, url, snippet, highlights }) => ({ id, url, snippet, highlights })));
  const rank = ids.findIndex((id) => expect.includes(id)) + 1;
  if (rank > 0 && rank <= k) found++;
  if (rank > 0) rr += 1 / rank;
  console.error(`${rank > 0 ? String(rank).padStart(2) : ' -'}  ${q}  → ${ids.slice(0, k).join(' ')}  (want ${expect.join('|')})`);
}
const n = Math.max(queries.length, 1);
console.log(JSON.stringify({ k, recall: found / n, mrr: rr / n, results, presented }));
