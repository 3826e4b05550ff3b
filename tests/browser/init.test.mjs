// `shishin init DIR` makes a site that deploys (issue 19): its build, served with the new site's
// own netlify.toml, carries the same security headers the shipped site is checked for
// (site.test.mjs), its pages open in Chromium under that CSP without violations, and
// `shishin serve` of the new site sends the same headers.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { openSite, assertSecurityHeaders, loadNetlifyHeaders, headersFor, NETLIFY_TOML, shishinBin } from './helpers.mjs';

const PATHS = ['/', '/guide/first-page/', '/no-such-page/'];
let dir, root;

before(() => {
  dir = mkdtempSync(join(tmpdir(), 'shishin-init-'));
  root = join(dir, 'site');
  for (const args of [['init', root], ['build', '--root', root]]) {
    const r = spawnSync(shishinBin(), args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `shishin ${args.join(' ')}:\n${r.stderr}`);
  }
});

after(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('the new site\'s netlify.toml gives every path the shipped site\'s headers', () => {
  const own = loadNetlifyHeaders(join(root, 'netlify.toml'));
  const shipped = loadNetlifyHeaders(NETLIFY_TOML);
  for (const path of [...PATHS, '/assets/0123abcd/style.css', '/search/0123abcd/terms.json', '/search/']) {
    assert.deepEqual(headersFor(own, path), headersFor(shipped, path), path);
  }
});

test('build: pages served with the new netlify.toml carry the security headers and run clean under its CSP', async () => {
  const site = await openSite({ dir: join(root, 'public'), headers: loadNetlifyHeaders(join(root, 'netlify.toml')) });
  try {
    for (const path of PATHS) assertSecurityHeaders(await fetch(site.url(path)), path);
    for (const path of ['/', '/guide/first-page/']) {
      const page = await site.newPage();
      await site.goto(page, path);
      await site.settle(page);
      site.expectClean(page);
      await site.expectAccessible(page);
    }
  } finally {
    await site.close();
  }
});

test('serve: the new site is previewed with the same security headers', async () => {
  const server = spawn(shishinBin(), ['serve', '--root', root, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const stderr = [];
  server.stderr.on('data', (d) => stderr.push(String(d)));
  try {
    const first = await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`serve printed nothing:\n${stderr.join('')}`)), 30_000);
      createInterface({ input: server.stdout }).once('line', (line) => { clearTimeout(timer); ok(line); });
    });
    const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)\/$/.exec(first);
    assert.ok(m, first);
    for (const path of PATHS) assertSecurityHeaders(await fetch(m[1] + path), path);
  } finally {
    const exited = new Promise((ok) => server.once('exit', ok));
    server.kill('SIGTERM');
    await exited;
  }
});
