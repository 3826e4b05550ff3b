// node scripts/minify-search.mjs [--check]
//
// Writes the minified copies of the search page's two scripts that the build ships instead of the
// sources (src/render/script.rs): themes/default/min/search.js and min/search-core.js. Every first
// search downloads both, and minifying saves about a quarter of their gzip bytes over dropping
// comment lines. Each copy starts with a line naming the SHA-256 of the source it was made from;
// the build ships a copy only while that matches the source, and otherwise (a source edited
// without running this script, or a site's own theme) ships the source without its comment lines.
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

/** The header line of a minified copy (src/render/script.rs `MINIFIED_HEADER` reads it). */
export function header(name, source) {
  return `// shishin minified static/${name} sha256:${createHash('sha256').update(source).digest('hex')}\n`;
}

const check = process.argv.includes('--check');
let stale = 0;
for (const name of ['search.js', 'search-core.js']) {
  const source = readFileSync(join(repo, 'themes/default/static', name));
  const out = await minify(source.toString('utf8'), {
    module: true,
    ecma: 2020,
    compress: { passes: 2 },
    mangle: true,
    format: { comments: false },
  });
  const text = `${header(name, source)}${out.code}\n`;
  const target = join(repo, 'themes/default/min', name);
  if (check) {
    const committed = existsSync(target) ? readFileSync(target, 'utf8') : '';
    if (committed !== text) {
      console.error(`themes/default/min/${name} is not the minified ${name}: run node scripts/minify-search.mjs`);
      stale++;
    }
  } else {
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    console.log(`themes/default/min/${name}: ${source.length} → ${Buffer.byteLength(text)} bytes`);
  }
}
process.exit(stale > 0 ? 1 : 0);
