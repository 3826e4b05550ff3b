// Tests of the test harness itself: the detectors in helpers.mjs must catch what they claim to
// catch (a checker that cannot fail proves nothing), and the static server must behave like
// Netlify for the things the site relies on (headers, pretty URLs, 404 page).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { openSite, loadNetlifyHeaders, headersFor, siteHas, assertSecurityHeaders } from './helpers.mjs';

let dir;
let site;
const BLOBS = Buffer.from(Array.from({ length: 256 }, (_, i) => i));

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shishin-harness-'));
  const page = (body, head = '') =>
    `<!doctype html><html lang="ja"><head><meta charset="utf-8"><title>t</title><link rel="icon" href="data:,">${head}</head><body><main>${body}</main></body></html>`;
  writeFileSync(join(dir, 'index.html'), page('<h1>正常なページ</h1><p>本文</p>'));
  writeFileSync(join(dir, '404.html'), page('<h1>見つかりません</h1>'));
  writeFileSync(join(dir, 'inline-script.html'), page('<h1>x</h1><script>document.title = "ran"</script>'));
  writeFileSync(join(dir, 'style-attr.html'), page('<h1 style="color: red">x</h1>'));
  writeFileSync(join(dir, 'error.html'), page('<h1>x</h1>', '<script src="/assets/h/throws.js"></script>'));
  writeFileSync(join(dir, 'missing.html'), page('<h1>x</h1><img src="/nope.png" alt="なし">'));
  writeFileSync(join(dir, 'inaccessible.html'), page('<h1>x</h1><img src="/assets/h/a.svg"><input type="text">'));
  mkdirSync(join(dir, 'assets', 'h'), { recursive: true });
  writeFileSync(join(dir, 'assets', 'h', 'throws.js'), 'throw new Error("boom from throws.js");');
  writeFileSync(join(dir, 'assets', 'h', 'a.svg'), '<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1"/>');
  mkdirSync(join(dir, 'search', 'abc123'), { recursive: true });
  writeFileSync(join(dir, 'search', 'index.html'), page('<h1>検索</h1>'));
  writeFileSync(join(dir, 'search', 'abc123', 'meta.json'), '{}');
  mkdirSync(join(dir, 'search', 'abc123', 'b'));
  writeFileSync(join(dir, 'search', 'abc123', 'b', '0.bin'), BLOBS);
  site = await openSite({ dir });
});

after(async () => {
  await site?.close();
  rmSync(dir, { recursive: true, force: true });
});

test('netlify.toml header rules: /* everywhere, immutable only for hashed assets and search shards', () => {
  const rules = loadNetlifyHeaders();
  const csp = (p) => headersFor(rules, p)['Content-Security-Policy'];
  const cache = (p) => headersFor(rules, p)['Cache-Control'];
  for (const p of ['/', '/mic/3.2.1/', '/search/', '/assets/abc/site.js']) assert.match(csp(p), /default-src 'self'/, p);
  assert.match(cache('/assets/0123abcd/style.css'), /immutable/);
  assert.match(cache('/search/0123abcd/meta.json'), /immutable/);
  assert.equal(cache('/search/'), undefined, 'the search page itself must not be cached forever');
  assert.equal(cache('/search/index.html'), undefined);
  assert.equal(cache('/mic/3.2.1/'), undefined);
  // FLoC's interest-cohort is gone from browsers (an unknown feature only logs a warning).
  assert.equal(headersFor(rules, '/')['Permissions-Policy'], 'camera=(), microphone=(), geolocation=()');
});

test('static server: headers, pretty URLs, 404 page, no path traversal', async () => {
  const home = await fetch(site.url('/'));
  assert.equal(home.status, 200);
  assert.match(home.headers.get('content-type'), /^text\/html/);
  assert.match(home.headers.get('content-security-policy'), /frame-ancestors 'none'/);
  const shard = await fetch(site.url('/search/abc123/meta.json'));
  assert.match(shard.headers.get('cache-control'), /immutable/);
  assert.equal((await fetch(site.url('/search/'))).headers.get('cache-control'), null);
  const redirect = await fetch(site.url('/search'), { redirect: 'manual' });
  assert.equal(redirect.status, 301);
  assert.equal(redirect.headers.get('location'), '/search/');
  const missing = await fetch(site.url('/nothing/here/'));
  assert.equal(missing.status, 404);
  assert.match(await missing.text(), /見つかりません/);
  assert.match(missing.headers.get('content-security-policy'), /script-src 'self'/);
  const traversal = await fetch(site.url('/%2e%2e/%2e%2e/etc/passwd'));
  assert.equal(traversal.status, 404);
  assert.ok(siteHas('/search/', dir) && siteHas('/search', dir) && !siteHas('/nope/', dir));
});

test('static server: one byte range of a file (206, 416), the whole file for several ranges', async () => {
  const url = site.url('/search/abc123/b/0.bin');
  const get = (range, method = 'GET') => fetch(url, { method, headers: range === undefined ? {} : { Range: range } });
  const whole = await get();
  assert.equal(whole.status, 200);
  assert.equal(whole.headers.get('accept-ranges'), 'bytes');
  assert.deepEqual(Buffer.from(await whole.arrayBuffer()), BLOBS);
  const cases = [['bytes=16-31', 16, 31], ['bytes=250-', 250, 255], ['bytes=-6', 250, 255], ['bytes=200-999', 200, 255]];
  for (const [range, start, end] of cases) {
    const part = await get(range);
    assert.equal(part.status, 206, range);
    assert.equal(part.headers.get('content-range'), `bytes ${start}-${end}/256`, range);
    assert.equal(part.headers.get('content-length'), String(end - start + 1), range);
    assert.match(part.headers.get('cache-control'), /immutable/, range);
    assertSecurityHeaders(part, range);
    assert.deepEqual(Buffer.from(await part.arrayBuffer()), BLOBS.subarray(start, end + 1), range);
  }
  const head = await get('bytes=0-9', 'HEAD');
  assert.equal(head.status, 206);
  assert.equal(head.headers.get('content-range'), 'bytes 0-9/256');
  for (const range of ['bytes=256-', 'bytes=-0']) {
    const past = await get(range);
    assert.equal(past.status, 416, range);
    assert.equal(past.headers.get('content-range'), 'bytes */256', range);
    await past.arrayBuffer();
  }
  for (const range of ['bytes=0-1,5-6', 'bytes=5-1', 'bytes=x-', 'items=0-1']) {
    const full = await get(range);
    assert.equal(full.status, 200, range);
    assert.equal(full.headers.get('content-range'), null, range);
    assert.deepEqual(Buffer.from(await full.arrayBuffer()), BLOBS, range);
  }
  // Not the 404 page.
  const notFound = await fetch(site.url('/nothing/here/'), { headers: { Range: 'bytes=0-9' } });
  assert.equal(notFound.status, 404);
  assert.equal(notFound.headers.get('content-range'), null);
  assert.match(await notFound.text(), /見つかりません/);
});

test('the collectors report nothing on a clean page', async () => {
  const page = await site.newPage();
  await site.goto(page, '/');
  site.expectClean(page);
  await site.expectAccessible(page);
});

test('an inline script is blocked by the CSP and reported', async () => {
  const page = await site.newPage();
  await site.goto(page, '/inline-script.html');
  assert.notEqual(await page.title(), 'ran', 'the inline script must not run');
  assert.ok(site.problems(page).some((p) => p.startsWith('CSP violation: script-src')), site.problems(page).join('\n'));
  assert.throws(() => site.expectClean(page));
});

test('a style="" attribute is blocked by the CSP and reported', async () => {
  const page = await site.newPage();
  await site.goto(page, '/style-attr.html');
  assert.ok(site.problems(page).some((p) => p.startsWith('CSP violation: style-src')), site.problems(page).join('\n'));
});

test('uncaught script errors and missing resources are reported', async () => {
  const page = await site.newPage();
  await site.goto(page, '/error.html');
  assert.ok(site.problems(page).some((p) => p.includes('boom from throws.js')), site.problems(page).join('\n'));
  const page2 = await site.newPage();
  await site.goto(page2, '/missing.html');
  assert.ok(site.problems(page2).some((p) => p.startsWith('HTTP 404') && p.includes('/nope.png')), site.problems(page2).join('\n'));
  const page3 = await site.newPage({ allowProblems: [/nope\.png/] });
  await site.goto(page3, '/missing.html');
  site.expectClean(page3);
});

test('goto checks the status; an expected 404 document is not a problem', async () => {
  const page = await site.newPage();
  await assert.rejects(site.goto(page, '/nothing/'), /HTTP 404/);
  const page2 = await site.newPage();
  await site.goto(page2, '/nothing/', { status: 404 });
  site.expectClean(page2);
});

test('axe finds serious/critical violations (image without alt, unlabelled input)', async () => {
  const page = await site.newPage();
  await site.goto(page, '/inaccessible.html');
  const ids = (await site.axe(page)).map((v) => v.id);
  assert.ok(ids.includes('image-alt'), ids.join(','));
  assert.ok(ids.includes('label'), ids.join(','));
  await assert.rejects(site.expectAccessible(page), /image-alt/);
});

test('scripts/tap-verdict fails the browser step on skipped or todo tests, passes a clean run', () => {
  const verdict = fileURLToPath(new URL('../../scripts/tap-verdict', import.meta.url));
  const tmp = mkdtempSync(join(tmpdir(), 'shishin-tap-'));
  // Run node's own test runner on a tiny suite, as scripts/test does, and judge its TAP output.
  const judge = (extra) => {
    const file = join(tmp, 'x.test.mjs');
    writeFileSync(file, `import { test } from 'node:test';\ntest('runs', () => {});\n${extra}\n`);
    const env = { ...process.env };
    delete env.NODE_TEST_CONTEXT; // a nested runner must print its own summary
    const run = spawnSync(process.execPath, ['--test', '--test-reporter=tap', file], { env, encoding: 'utf8' });
    writeFileSync(join(tmp, 'log'), run.stdout + run.stderr);
    const r = spawnSync(verdict, [join(tmp, 'log')], { encoding: 'utf8' });
    return { status: r.status, line: r.stdout.trim() };
  };
  try {
    assert.deepEqual(judge(''), { status: 0, line: '1 pass, 0 fail, 0 skipped, 0 todo' });
    const skipped = judge("test('needs chromium', { skip: 'no browser' }, () => {});");
    assert.equal(skipped.status, 1, skipped.line);
    assert.match(skipped.line, /1 skipped/);
    const todo = judge("test('later', { todo: true }, () => {});");
    assert.equal(todo.status, 1, todo.line);
    assert.match(todo.line, /1 todo/);
    const failed = judge("test('broken', () => { throw new Error('x'); });");
    assert.equal(failed.status, 1, failed.line);
    assert.match(failed.line, /1 fail/);
    writeFileSync(join(tmp, 'log'), 'no tests ran\n');
    assert.equal(spawnSync(verdict, [join(tmp, 'log')]).status, 1, 'no summary is a failure');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
