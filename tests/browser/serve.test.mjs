// `shishin serve` in a real browser: live reload after an edit, the build-error overlay (text
// only, file:line:col visible), the fix removing it, and a stylesheet swapped without a reload —
// all under the server's real CSP, with no console errors or CSP violations.
//
// Runs the binary from the cargo target dir (SHISHIN_BIN overrides) on a temp copy of
// tests/fixtures/basic.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { REPO, SCREENSHOT_DIR, launchBrowser } from './helpers.mjs';

// A relative CARGO_TARGET_DIR is relative to the repo, where cargo runs.
const BIN = process.env.SHISHIN_BIN || join(resolve(REPO, process.env.CARGO_TARGET_DIR || 'target'), 'debug', 'shishin');
const PAGE = 'content/mic/3/3.2.1.md';
const WAIT = 30_000;

let server, browser, root, origin, dir;
const stderr = [];

before(async () => {
  assert.ok(existsSync(BIN), `${BIN} is missing: run cargo build (or set SHISHIN_BIN)`);
  dir = mkdtempSync(join(tmpdir(), 'shishin-serve-'));
  root = join(dir, 'site');
  cpSync(join(REPO, 'tests/fixtures/basic'), root, { recursive: true });
  mkdirSync(join(root, 'themes/default/static'), { recursive: true });
  server = spawn(BIN, ['serve', '--root', root, '--port', '0'], { stdio: ['ignore', 'pipe', 'pipe'] });
  server.stderr.on('data', (d) => stderr.push(String(d)));
  const first = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`serve printed nothing:\n${stderr.join('')}`)), WAIT);
    createInterface({ input: server.stdout }).once('line', (line) => { clearTimeout(timer); ok(line); });
  });
  const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)\/$/.exec(first);
  assert.ok(m, first);
  origin = m[1];
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  if (server && server.exitCode === null) {
    const exited = new Promise((ok) => server.once('exit', ok));
    server.kill('SIGTERM');
    await exited;
  }
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A page that records console errors, page errors and CSP violations. */
async function newPage() {
  const context = await browser.newContext({ locale: 'ja-JP' });
  const problems = [];
  await context.exposeBinding('__reportCsp', (_src, v) => problems.push(`CSP violation: ${v}`));
  await context.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => window.__reportCsp(`${e.violatedDirective} ${e.blockedURI}`));
  });
  const page = await context.newPage();
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  return { page, problems };
}

/** Resolves once the page's live-reload socket received its hello. */
function helloReceived(page) {
  return new Promise((ok) => {
    page.on('websocket', (ws) => ws.on('framereceived', (f) => { if (String(f.payload).includes('"hello"')) ok(); }));
  });
}

test('edit → reload, broken front matter → overlay, fix → reload without overlay', async () => {
  const { page, problems } = await newPage();
  const original = readFileSync(join(root, PAGE), 'utf8');
  let hello = helloReceived(page);
  await page.goto(`${origin}/guide/mic/3.2.1/`);
  await hello;

  // An edit reloads the page by itself.
  hello = helloReceived(page);
  const reloaded = page.waitForEvent('load', { timeout: WAIT });
  writeFileSync(join(root, PAGE), original.replace('事業者は**組織体制**を整える。', '事業者は**ライブ更新**を整える。'));
  await reloaded;
  await hello;
  await page.getByText('ライブ更新').first().waitFor({ timeout: WAIT });

  // A broken front matter shows the overlay; its text is text, never markup.
  writeFileSync(join(root, PAGE), original.replace('confidence: high', 'confidence: [<b>high</b>'));
  const overlay = page.locator('#shishin-build-errors');
  await overlay.waitFor({ state: 'visible', timeout: WAIT });
  const text = await overlay.innerText();
  assert.match(text, /ビルドエラー/);
  assert.match(text, /content\/mic\/3\/3\.2\.1\.md:5:\d+/);
  assert.match(text, /<b>high<\/b>/, 'the source line is shown literally');
  // Only the real error: what merely names the broken page is counted in a note under it.
  assert.match(text, /ビルドエラー（1件）/);
  assert.match(text, /注: \d+ checks? that depends? on page `mic-3\.2\.1` (was|were) skipped/);
  assert.equal(await overlay.locator('b').count(), 0, 'no markup from the message');
  assert.equal(await page.getByRole('alertdialog').count(), 1);
  await page.screenshot({ path: join(SCREENSHOT_DIR, 'serve-overlay.png') });
  // The page behind it is still the last good build.
  await page.getByText('ライブ更新').first().waitFor();

  // The fix reloads; the fresh page has no overlay.
  const fixed = page.waitForEvent('load', { timeout: WAIT });
  writeFileSync(join(root, PAGE), original);
  await fixed;
  await page.getByText('組織体制').first().waitFor({ timeout: WAIT });
  assert.equal(await page.locator('#shishin-build-errors').count(), 0);

  assert.deepEqual(problems, []);
});

test('a stylesheet change is applied without reloading the page', async () => {
  const { page, problems } = await newPage();
  const hello = helloReceived(page);
  await page.goto(`${origin}/guide/`);
  await hello;
  await page.evaluate(() => { window.__notReloaded = true; });
  const href = await page.locator('link[rel=stylesheet][href$="/style.css"]').getAttribute('href', { timeout: WAIT });
  const base = await (await page.request.get(origin + href)).text();
  writeFileSync(join(root, 'themes/default/static/style.css'), `${base}\nbody { outline: 7px solid rgb(255, 0, 0); }\n`);
  await page.waitForFunction(() => getComputedStyle(document.body).outlineWidth === '7px', null, { timeout: WAIT });
  assert.equal(await page.evaluate(() => window.__notReloaded), true, 'the page was not reloaded');
  assert.equal(await page.locator('link[rel=stylesheet][href$="/style.css"]').count(), 1, 'the old link is gone');
  assert.deepEqual(problems, []);
});

test('right after an edit, the static search of the reloaded site finds the new text', async () => {
  const { page, problems } = await newPage();
  const original = readFileSync(join(root, PAGE), 'utf8');
  // Only the search page names the index folder.
  await page.goto(`${origin}/guide/search/`);
  const before = await page.locator('meta[name=shishin-search]').getAttribute('content');
  // The page reloads as soon as the pages are rebuilt; the index folder it names is written just
  // after, and the server holds requests for it until then instead of answering 404.
  const reloaded = page.waitForEvent('load', { timeout: WAIT });
  writeFileSync(join(root, PAGE), `${original}\n\n鍵管理台帳の見直し。\n`);
  await reloaded;
  const after = await page.locator('meta[name=shishin-search]').getAttribute('content');
  assert.notEqual(after, before, 'the edit names a new index folder');
  await page.goto(`${origin}/guide/search/?q=${encodeURIComponent('鍵管理台帳')}`);
  await page.locator('[data-search-results] a[href^="/guide/mic/3.2.1/"]').first().waitFor({ timeout: WAIT });
  writeFileSync(join(root, PAGE), original);
  assert.deepEqual(problems, []);
});
