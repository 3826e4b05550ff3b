// The minified copies of the search scripts the build ships (themes/default/min/) are exactly what
// scripts/minify-search.mjs makes from the current sources with the locked terser: a hand-edited
// or outdated copy fails here. (Runs in this suite because terser is one of its npm packages; the
// search tests in this folder then exercise the shipped, minified code in Chromium.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../..');

test('the shipped minified search scripts are made from the current sources', () => {
  const run = spawnSync(process.execPath, [join(repo, 'scripts/minify-search.mjs'), '--check'], { encoding: 'utf8' });
  assert.equal(run.status, 0, run.stderr);
});
