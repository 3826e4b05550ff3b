// What a browser downloads for one static-search query on a cold cache: search.js asks
// search(q, shown), then shows the hits (present reads their page files).
// bench/search-static-bytes.mjs measures sites with it; tests/integration/search_engine.rs runs it as
//   node tests/js/first-query.mjs <index dir> <shown> QUERY…
// which prints JSON {query: bytes sent (sentBytes: compressed) of the index files and blob ranges that
// query fetched}, or, with FIRST_QUERY_FILES=1 in the environment, {query: [the files it fetched,
// in order, a range as path@start-end, or path@start- to the end]}.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { StaticIndex, QueryError, byteRange } from '../../themes/default/static/search-core.js';

/** Whether an index path (a range as path@start-end) is stored compressed: the index's
 *  `.json.deflate` files and its blobs' members (static_index.rs `Z_SUFFIX`, `BLOB_SUFFIX`). */
export function storedCompressed(path) {
  return /\.(json\.deflate|bin)$/.test(path.replace(/@\d+-\d*$/, ''));
}

/** Bytes the file or range at `path` costs over the wire: stored compressed, as it is; any other
 *  (meta.json, scripts) gzip-compressed at level 6 as a CDN would. */
export function sentBytes(bytes, path) {
  return storedCompressed(path) ? bytes.length : gzipSync(bytes, { level: 6 }).length;
}

/** Runs the first query with `load(path, range)` → bytes; the number of hits shown (0 for a
 *  query the index rejects). */
export async function firstQuery(q, load, shown) {
  const index = await StaticIndex.open(load);
  try {
    const { query, hits } = await index.search(q, shown);
    await Promise.all(hits.map((h) => index.present(h, query)));
    return hits.length;
  } catch (e) {
    if (e instanceof QueryError) return 0;
    throw e;
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const [dir, shownArg, ...queries] = process.argv.slice(2);
  if (!dir || !shownArg || queries.length === 0) {
    console.error('usage: node tests/js/first-query.mjs <index dir> <shown> QUERY…');
    process.exit(2);
  }
  const bytes = {};
  const files = {};
  for (const q of queries) {
    const fetched = new Map(); // path (@start-end for a range) → bytes
    await firstQuery(q, async (p, r) => {
      const got = byteRange(readFileSync(join(dir, p)), r);
      fetched.set(r ? `${p}@${r[0]}-${r[1] ?? ''}` : p, got);
      return got;
    }, Number(shownArg));
    bytes[q] = [...fetched].reduce((sum, [p, b]) => sum + sentBytes(b, p), 0);
    files[q] = [...fetched.keys()];
  }
  console.log(JSON.stringify(process.env.FIRST_QUERY_FILES ? files : bytes));
}
