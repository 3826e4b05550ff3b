// node scripts/minify-search.mjs [--check]
//
// Writes the minified copies of the search page's scripts that the build ships instead of the
// sources (src/render/script.rs): themes/default/min/search.js and min/search-core.js. Every first
// search downloads them, and minifying saves about a quarter of their gzip bytes over dropping
// comment lines.
//
// min/search.js is a bundle: search-core.js with search.js after it (in a block of its own, so
// their top-level names cannot clash), one request and one gzip stream instead of two, and
// terser drops what the page does not use (about 0.5 KB gzip less than two copies). min/
// search-core.js stays for other scripts that import it.
//
// Each copy starts with a line naming the SHA-256 of every source it was made from; the build
// ships a copy only while all of them match, and otherwise (a source edited without running this
// script, or a site's own theme) ships the sources without their comment lines.
//
// Run it after editing themes/default/static/search.js or search-core.js. `--check` writes
// nothing and exits 1 when a committed copy differs from what this script makes (the browser test
// suite runs it). Uses terser from tests/browser/node_modules (`npm ci` there).
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const terserPath = join(repo, 'tests/browser/node_modules/terser/main.js');
if (!existsSync(terserPath)) {
  console.error('scripts/minify-search.mjs: terser is missing; run `npm ci` in tests/browser first');
  process.exit(2);
}
const { minify } = await import(pathToFileURL(terserPath).href);

/** The header line of a minified copy (src/render/script.rs `minified_code` reads it): the
 *  static/ file it replaces first, then every source it was made from. */
export function header(names, sources) {
  const parts = names.map((name, i) => `static/${name} sha256:${createHash('sha256').update(sources[i]).digest('hex')}`);
  return `// shishin minified ${parts.join(' ')}\n`;
}

const read = (name) => readFileSync(join(repo, 'themes/default/static', name));
const core = read('search-core.js');
const page = read('search.js');
// search.js's one import, of names search-core.js exports under the same names.
const importLine = /^import \{ [\w, ]+ \} from '\.\/search-core\.js';\n/m;
if (!importLine.test(page.toString('utf8'))) {
  console.error("scripts/minify-search.mjs: search.js must import from './search-core.js' in one `import { a, b } from './search-core.js';` line");
  process.exit(2);
}
const bundle = `${core.toString('utf8').replace(/^export (?=(async )?function |class |const |let )/gm, '')}\n{\n${page.toString('utf8').replace(importLine, '')}}\n`;
if (/^export /m.test(bundle)) {
  console.error('scripts/minify-search.mjs: search-core.js has an export this script cannot inline');
  process.exit(2);
}
// The bundle's own property names (of its classes and of the objects it passes only to itself),
// shortened: about 0.25 KB gzip of every first query. Safe only inside the bundle, which imports
// nothing and is imported by nothing, and only for names no JSON file, DOM object or result the
// page reads carries (meta.json's `limits.minMatch` is why `minMatch` is not here).
const INTERNAL = [
  'tierLB', 'tierUB', 'exact', 'qual', 'qualifiedOut', 'fineBounds', 'finePending', 'lowestAsZero',
  'levelBounds', 'levels', 'phraseIdfs', 'phraseIdf', 'phraseRatios', 'ratios', 'sequenceScore',
  'sequenceBound', 'coarseBound', 'tfBound', 'boostOf', 'bm25', 'idfs', 'keyShards', 'exhausted',
  'positional', 'partial', 'absent', 'members', 'pending', 'frontier', 'mapped', 'mapBound',
  'refinable', 'placed', 'advance', 'loadFine', 'loadMap', 'addPage', 'addCounts', 'readRecord',
  'readPage', 'proveTop', 'textSearch', 'settle', 'statesOf', 'planOf', 'plans', 'unseenBounds',
  'fineMapsWorthFetching', 'highlightTokens', 'highlights', 'marks', 'unigrams', 'whole',
];
const copies = [
  { target: 'search.js', names: ['search.js', 'search-core.js'], sources: [page, core], code: bundle, properties: { regex: new RegExp(`^(${INTERNAL.join('|')})$`) } },
  { target: 'search-core.js', names: ['search-core.js'], sources: [core], code: core.toString('utf8') },
];

const check = process.argv.includes('--check');
let stale = 0;
for (const { target: name, names, sources, code, properties } of copies) {
  const out = await minify(code, {
    module: true,
    ecma: 2020,
    compress: { passes: 2 },
    mangle: properties ? { properties } : true,
    format: { comments: false },
  });
  const text = `${header(names, sources)}${out.code}\n`;
  const target = join(repo, 'themes/default/min', name);
  if (check) {
    const committed = existsSync(target) ? readFileSync(target, 'utf8') : '';
    if (committed !== text) {
      console.error(`themes/default/min/${name} is not the minified ${names.join(' + ')}: run node scripts/minify-search.mjs`);
      stale++;
    }
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    console.log(`themes/default/min/${name}: ${sources.reduce((n, s) => n + s.length, 0)} → ${Buffer.byteLength(text)} bytes`);
  }
}
process.exit(stale > 0 ? 1 : 0);
