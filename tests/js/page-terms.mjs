// Checks that the browser derives from a page's own file (pageTerms in search-core.js) exactly the
// postings the build wrote for it: every term of every shard and block, every page, every field
// (tf, field length, and positions where the index has them: only in lists stored whole, and only
// when meta.json `positions` is true — tests build such an index), and no term the index lacks.
// The browser relies on this to settle a page's score from its file instead of fetching long
// postings lists. Also checks every impact map: level 0 exactly on the pages without the term and
// those of its first block, and each other page's score for the term within its level's bound (the
// browser skips or reads pages by these bounds), and the same with the fine map where the term has
// one; a term in one block has none.
// Usage: node tests/js/page-terms.mjs <index dir (…/search/<hash>/)>; prints a summary, exits 1 on
// the first difference. tests/integration/search_engine.rs and tests/integration/search_eval.rs run it.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { StaticIndex, pageTerms, byteRange, partRanges } from '../../themes/default/static/search-core.js';

const dir = process.argv[2];
if (!dir) {
  console.error('usage: node tests/js/page-terms.mjs <index dir>');
  process.exit(2);
}
const fail = (msg) => {
  console.error(msg);
  process.exit(1);
};
const index = await StaticIndex.open(async (p, r) => byteRange(readFileSync(join(dir, p)), r));
const { meta } = index;

// The index's postings, decoded: term → page → [per field {tf, len, positions} or null].
const indexed = new Map();
const partial = new Map(); // term → pages known without positions
let maps = 0;
let fineMaps = 0;
// Every term of every shard: each part of a shard's file, placed by the file's header.
const shardTerms = async (file) => {
  const terms = [];
  for (const [start, end] of await index.load(`t/${file}`, [0, 2 * meta.shards.parts], partRanges)) {
    if (end > start) terms.push(...Object.keys(await index.load(`t/${file}`, [start, end])));
  }
  return terms;
};
for (const file of readdirSync(join(dir, 't'))) {
  for (const t of await shardTerms(file)) {
    const tp = await index.term(t);
    if (tp.blocks.length > 0) {
      await tp.loadMap(index.load);
      if (tp.blocks.length === 1 && tp.levels !== null) fail(`${JSON.stringify(t)}: an impact map in its only block`);
      if (tp.blocks.length > 1) {
        if (tp.levels === null || tp.levels.length !== meta.count) fail(`${JSON.stringify(t)}: no impact map of ${meta.count} pages`);
        maps++;
      }
    }
    const mapped = tp.levels !== null;
    const inFirst = new Set(tp.seen);
    const before = mapped ? Array.from({ length: meta.count }, (_, doc) => tp.mapBound(doc)) : null;
    let fine = null;
    if (mapped && tp.fine !== null) {
      await tp.loadFine(index.load);
      fine = Array.from({ length: meta.count }, (_, doc) => tp.mapBound(doc));
      fineMaps++;
    }
    while (!tp.exhausted) await tp.advance(index.load);
    if (mapped) {
      const alone = new Map([[t, tp]]);
      for (let doc = 0; doc < meta.count; doc++) {
        const has = tp.seen.has(doc);
        if (inFirst.has(doc)) {
          if (before[doc] !== 0) fail(`${JSON.stringify(t)} page ${doc}: in the first block, but map level ${tp.levels[doc]}`);
          continue;
        }
        if (has !== (before[doc] > 0)) fail(`${JSON.stringify(t)} page ${doc}: map level ${tp.levels[doc]}, but the page ${has ? 'has' : 'lacks'} the term`);
        const score = has ? index.sequenceScore(alone, [t], doc, 1) : 0;
        if (score > before[doc]) fail(`${JSON.stringify(t)} page ${doc}: score ${score} above its map bound ${before[doc]}`);
        if (fine && has !== (fine[doc] > 0)) fail(`${JSON.stringify(t)} page ${doc}: fine bound ${fine[doc]}, but the page ${has ? 'has' : 'lacks'} the term`);
        if (fine && score > fine[doc]) fail(`${JSON.stringify(t)} page ${doc}: score ${score} above its fine map bound ${fine[doc]}`);
        if (fine && fine[doc] > before[doc]) fail(`${JSON.stringify(t)} page ${doc}: fine bound ${fine[doc]} above its map bound ${before[doc]}`);
      }
    }
    const byPage = new Map();
    tp.fields.forEach((field, f) => {
      for (const [doc, e] of field) {
        if (!byPage.has(doc)) byPage.set(doc, [null, null, null]);
        byPage.get(doc)[f] = e;
      }
    });
    indexed.set(t, byPage);
    partial.set(t, tp.partial);
  }
}

let checked = 0;
let placed = 0; // page-term postings whose positions were compared
for (let doc = 0; doc < meta.count; doc++) {
  const page = await index.page(doc);
  const derived = pageTerms(page, meta.synonyms, meta.gap);
  for (const [t, fields] of derived) {
    const want = indexed.get(t)?.get(doc);
    if (!want) fail(`page ${doc} (${page.id}): ${JSON.stringify(t)} derived but not in the index`);
    fields.forEach((positions, f) => {
      const e = want[f];
      const isPlaced = !t.startsWith('u:') && !partial.get(t).has(doc);
      const got = positions ? { tf: positions.length, len: page.lengths[f], positions: isPlaced ? positions : null } : null;
      if (positions && isPlaced) placed++;
      if (JSON.stringify(got) !== JSON.stringify(e)) {
        fail(`page ${doc} (${page.id}) term ${JSON.stringify(t)} field ${f}: derived ${JSON.stringify(got)}, indexed ${JSON.stringify(e)}`);
      }
    });
    checked++;
  }
  for (const [t, byPage] of indexed) {
    if (byPage.has(doc) && !derived.has(t)) fail(`page ${doc} (${page.id}): ${JSON.stringify(t)} indexed but not derived`);
  }
}
console.log(`${meta.count} pages, ${indexed.size} terms, ${checked} page-term postings derived alike (${placed} fields with positions), ${maps} impact maps within bounds (${fineMaps} with a fine map)`);
