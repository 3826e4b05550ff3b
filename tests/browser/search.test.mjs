// Search end to end on the shipped site (built by scripts/test into target/e2e-site): the "/"
// shortcut, the header box leading to /search/?q=, Japanese queries, clause numbers, keyboard
// navigation of the results, hostile input, and what a first query costs on the wire.
//
// The page is compared with the browser's own search code run under Node on the same built index
// (search-core.js reading SITE_DIR/search/<hash>/): the results are that code's output, and the
// highlights are <mark> elements around exactly the ranges it computed (no markup from data).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sentBytes } from '../js/first-query.mjs';
import { openSite, requestedRange, SITE_DIR } from './helpers.mjs';
import { StaticIndex, byteRange } from '../../themes/default/static/search-core.js';

const RESULTS = '[data-search-results]';
const RESULT_LINKS = `${RESULTS} a`;
const STATUS = '[data-search-status]';
const PAGE_INPUT = '[data-search-input]';
const MORE = 'button.search-more';
/** Results the page lists at first and adds per press of "さらに表示" (search.js PAGE). */
const PAGE = 10;
/** The target for everything a cold first query downloads (scripts + index files), gzip. */
const FIRST_QUERY_GZIP = 50 * 1024;

let site;
let index; // the built static index, read with the browser's code under Node
before(async () => {
  site = await openSite();
  const searchPage = readFileSync(join(SITE_DIR, 'search/index.html'), 'utf8');
  const dir = /<meta name="shishin-search" content="([^"]+)">/.exec(searchPage)?.[1];
  assert.ok(dir, 'the built search page names its search index in <meta name="shishin-search">');
  index = await StaticIndex.open(async (p, r) => byteRange(await readFile(join(SITE_DIR, dir, p)), r));
});
after(async () => { await site?.close(); });

/** The first `n` hits as search-core presents them for `q` (what the page must show). */
async function expected(q, n = PAGE) {
  const { query, hits } = await index.search(q, n);
  return Promise.all(hits.map((h) => index.present(h, query)));
}

/** Pathname (+ hash) of each result link, in order. */
function resultHrefs(page) {
  return page.locator(RESULT_LINKS).evaluateAll((as) => as.map((a) => a.getAttribute('href')));
}

/** Waits until the first result links to `href`. */
async function firstResultIs(page, href) {
  await page.waitForFunction(
    ([sel, want]) => document.querySelector(sel)?.getAttribute('href') === want,
    [RESULT_LINKS, href],
    { timeout: 10000 },
  );
}

test('"/" focuses the header box on a clause page; a Japanese query submitted there lists results on /search/', async () => {
  const page = await site.newPage();
  await site.goto(page, '/mic/3.2.1/');
  await page.locator('body').click({ position: { x: 5, y: 5 } }); // focus the document, not a field
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'site-search', '"/" focuses the header search box');
  assert.equal(await page.inputValue('#site-search'), '', 'the "/" itself is not typed into the box');

  await page.keyboard.type('暗号化');
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/search/' && u.searchParams.get('q') === '暗号化'),
    page.keyboard.press('Enter'),
  ]);
  await page.waitForSelector(RESULT_LINKS);
  assert.equal(await page.inputValue(PAGE_INPUT), '暗号化', 'the search page box shows the query');

  // Results are the search code's ranking, with mic-3.2.3 in the top 5.
  const want = await expected('暗号化');
  const top5 = want.slice(0, 5).map((h) => h.id);
  assert.ok(top5.includes('mic-3.2.3'), `mic-3.2.3 in the top 5 of 暗号化 (got ${top5.join(' ')})`);
  assert.deepEqual(await resultHrefs(page), want.map((h) => h.url));
  const status = await page.locator(STATUS).innerText();
  assert.match(status, /暗号化/);
  assert.match(status, /件/);

  // Highlights: each snippet is text nodes and <mark> elements only, its text is the snippet the
  // search code made, and the marks cover exactly the highlighted ranges (no markup from data).
  const snippets = await page.locator(`${RESULTS} .search-result__snippet`).evaluateAll((ps) => ps.map((p) => ({
    text: p.textContent,
    parts: Array.from(p.childNodes).map((n) => ({
      kind: n.nodeType === Node.TEXT_NODE ? 'text' : n.nodeName.toLowerCase(),
      elementChildren: n.nodeType === Node.ELEMENT_NODE ? n.children.length : 0,
      text: n.textContent,
    })),
  })));
  const withSnippet = want.filter((h) => h.snippet !== '');
  assert.equal(snippets.length, withSnippet.length, 'one snippet per hit that has one');
  let marks = 0;
  snippets.forEach((s, i) => {
    const hit = withSnippet[i];
    assert.equal(s.text, hit.snippet, `snippet ${i + 1} (${hit.id})`);
    assert.equal(s.parts.map((p) => p.text).join(''), s.text, 'the snippet is the join of its parts');
    for (const p of s.parts) {
      assert.ok(p.kind === 'text' || p.kind === 'mark', `only text and <mark> in a snippet, found <${p.kind}>`);
      assert.equal(p.elementChildren, 0, 'a <mark> holds text only');
    }
    const chars = Array.from(hit.snippet);
    const wantMarks = hit.highlights.map(([a, b]) => chars.slice(a, b).join(''));
    assert.deepEqual(s.parts.filter((p) => p.kind === 'mark').map((p) => p.text), wantMarks, `highlights of ${hit.id}`);
    marks += wantMarks.length;
  });
  assert.ok(marks > 0, 'some <mark> highlights are shown');
  assert.ok(marks >= 1 && (await page.locator(`${RESULTS} mark`).first().innerText()).length > 0);
  assert.equal(await page.locator(`${RESULTS} script, ${RESULTS} [style], ${RESULTS} img`).count(), 0);

  await site.expectAccessible(page);
  await site.screenshot(page, 'search-results');
  site.expectClean(page);
});

test('"さらに表示" adds the next results of the same query and moves the focus to the first new one', async () => {
  const page = await site.newPage();
  await site.goto(page, '/search/?q=' + encodeURIComponent('暗号化'));
  await page.waitForSelector(RESULT_LINKS);
  const all = await expected('暗号化', 3 * PAGE);
  assert.ok(all.length > PAGE, `暗号化 has more than ${PAGE} results (${all.length})`);
  assert.deepEqual(await resultHrefs(page), all.slice(0, PAGE).map((h) => h.url));
  assert.match(await page.locator(STATUS).innerText(), new RegExp(`${PAGE}件以上`));
  const more = page.locator(MORE);
  assert.ok(await more.isVisible(), 'the more button is shown while more results exist');
  await more.focus();
  await page.keyboard.press('Enter');
  await page.waitForFunction(([sel, n]) => document.querySelectorAll(sel).length > n, [RESULT_LINKS, PAGE]);
  const shown = all.slice(0, 2 * PAGE);
  assert.deepEqual(await resultHrefs(page), shown.map((h) => h.url));
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('href')), shown[PAGE].url, 'focus on the first added result');
  assert.equal(await more.isVisible(), all.length > 2 * PAGE);
  // A new query starts again from the first page.
  const input = page.locator(PAGE_INPUT);
  await input.fill('3.2.1');
  await input.press('Enter');
  await firstResultIs(page, '/mic/3.2.1/');
  assert.equal(await page.locator(RESULT_LINKS).count(), (await expected('3.2.1')).length);
  assert.equal(await more.isVisible(), false);
  site.expectClean(page);
});

test('typing 3.2.1 keeps ?q= in the URL and puts the clause first; ArrowDown then Enter opens it', async () => {
  const page = await site.newPage();
  await site.goto(page, '/search/');
  const input = page.locator(PAGE_INPUT);
  assert.equal(await page.evaluate(() => document.activeElement?.matches('[data-search-input]')), true, 'an empty search page focuses its box');
  const before = await page.evaluate(() => history.length);
  await input.pressSequentially('3.2.1', { delay: 30 });
  await firstResultIs(page, '/mic/3.2.1/');
  await page.waitForURL((u) => u.searchParams.get('q') === '3.2.1');
  assert.equal(new URL(page.url()).pathname, '/search/');
  assert.equal(await page.evaluate(() => history.length), before, 'the URL is replaced, not pushed per keystroke');
  assert.equal((await expected('3.2.1'))[0].id, 'mic-3.2.1');

  // ArrowDown moves the focus to the first result; Enter follows it.
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.activeElement?.getAttribute('href') === '/mic/3.2.1/');
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/mic/3.2.1/'),
    page.keyboard.press('Enter'),
  ]);
  assert.match(await page.locator('h1').innerText(), /^3\.2\.1/);
  site.expectClean(page);
});

test('typing 暗号化 into the box, then ArrowDown and Enter, opens the first result (3.2.3)', async () => {
  const page = await site.newPage();
  await site.goto(page, '/search/');
  const [first] = await expected('暗号化', 1);
  assert.equal(first.id, 'mic-3.2.3', 'the index ranks 3.2.3 first for 暗号化');
  await page.locator(PAGE_INPUT).focus();
  await page.keyboard.type('暗号化', { delay: 30 }); // typed, not from the URL
  await firstResultIs(page, first.url);
  await page.waitForURL((u) => u.searchParams.get('q') === '暗号化');

  await page.keyboard.press('ArrowDown');
  await page.waitForFunction((h) => document.activeElement?.getAttribute('href') === h, first.url);
  await Promise.all([
    page.waitForURL((u) => u.pathname + decodeURIComponent(u.hash) === first.url), // deep link to the best section
    page.keyboard.press('Enter'),
  ]);
  assert.equal(await page.locator('meta[name="shishin-id"]').getAttribute('content'), 'mic-3.2.3');
  assert.match(await page.locator('h1').innerText(), /^3\.2\.3/);
  site.expectClean(page);
});

test('ArrowDown/ArrowUp walk the results and return to the box; ArrowDown right after typing waits for the new results', async () => {
  const page = await site.newPage();
  await site.goto(page, '/search/?q=' + encodeURIComponent('暗号化'));
  await page.waitForSelector(RESULT_LINKS);
  const hrefs = await resultHrefs(page);
  assert.ok(hrefs.length >= 3, '暗号化 lists several pages');
  const focused = () => page.evaluate(() => document.activeElement?.getAttribute('href'));
  const input = page.locator(PAGE_INPUT);
  await input.focus();
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction((h) => document.activeElement?.getAttribute('href') === h, hrefs[0]);
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(), hrefs[1]);
  await page.keyboard.press('ArrowDown');
  assert.equal(await focused(), hrefs[2]);
  await page.keyboard.press('ArrowUp');
  assert.equal(await focused(), hrefs[1]);
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  assert.equal(await page.evaluate(() => document.activeElement?.matches('[data-search-input]')), true, 'ArrowUp from the first result returns to the box');

  // A new query typed and entered with no pause: the focus lands on the new first result.
  await input.fill('');
  await input.pressSequentially('3.2.6', { delay: 0 });
  await page.keyboard.press('ArrowDown');
  await page.waitForFunction(() => document.activeElement?.getAttribute('href') === '/mic/3.2.6/', null, { timeout: 10000 });
  site.expectClean(page);
});

test('a quoted phrase returns results; hostile input shows a message and no error', async () => {
  const page = await site.newPage();
  await site.goto(page, '/search/?q=' + encodeURIComponent('"医療情報"'));
  await page.waitForSelector(RESULT_LINKS);
  const want = await expected('"医療情報"');
  assert.ok(want.length > 0);
  assert.deepEqual(await resultHrefs(page), want.map((h) => h.url));
  assert.ok((await page.locator(`${RESULTS} mark`).allInnerTexts()).some((t) => t.includes('医療情報')), 'the phrase is highlighted');

  const input = page.locator(PAGE_INPUT);
  const hostile = ['- *', '"unbalanced', 'あ'.repeat(300), '<img src=x onerror=alert(1)>', '\u0000\u202e'];
  for (const q of hostile) {
    await input.fill(q);
    await input.press('Enter');
    await page.waitForFunction(
      ([sel]) => { const t = document.querySelector(sel)?.textContent || ''; return t !== '' && !t.includes('検索しています'); },
      [STATUS],
      { timeout: 10000 },
    );
    const status = await page.locator(STATUS).innerText();
    assert.ok(status.trim().length > 0, `a status message for ${JSON.stringify(q)}`);
    assert.doesNotMatch(status, /読み込めません/, `${JSON.stringify(q)} is a query problem, not an index failure`);
    assert.equal(await page.locator(`${RESULTS} img, ${RESULTS} script`).count(), 0);
    assert.doesNotMatch(status, /[\u0000\u202e]/u, 'control and bidi characters are not echoed');
  }
  assert.match(await page.locator(STATUS).innerText(), /.+/);
  // 300 characters is over the limit: the message says so, and no results are listed.
  await input.fill('あ'.repeat(300));
  await input.press('Enter');
  await page.waitForFunction(([sel]) => /長すぎ/.test(document.querySelector(sel)?.textContent || ''), [STATUS]);
  assert.equal(await page.locator(RESULT_LINKS).count(), 0);
  site.expectClean(page);
});

test('a cold first query downloads at most 50 KB gzip (scripts, meta, shards, blocks by byte ranges, pages)', async () => {
  // 医療情報 is frequent on the shipped site: its terms' blocks are blob members, fetched by ranges.
  const q = '医療情報';
  const page = await site.newPage();
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const urls = new Map();
  const sizes = new Map();
  const ranges = new Map(); // request → its Range header
  const statuses = new Map();
  cdp.on('Network.requestWillBeSent', (e) => {
    if (e.request.headers.Range) ranges.set(e.requestId, e.request.headers.Range);
  });
  cdp.on('Network.responseReceived', (e) => {
    urls.set(e.requestId, e.response.url);
    statuses.set(e.requestId, [e.response.status, e.response.headers['Content-Range'] || e.response.headers['content-range']]);
  });
  cdp.on('Network.loadingFinished', (e) => sizes.set(e.requestId, e.encodedDataLength));
  await site.goto(page, '/search/?q=' + encodeURIComponent(q));
  await page.waitForSelector(RESULT_LINKS);
  await page.waitForLoadState('networkidle');
  const searchDir = await page.evaluate(() => document.querySelector('meta[name="shishin-search"]').content);
  const rows = [];
  for (const [id, bytes] of sizes) {
    const path = new URL(urls.get(id) || 'about:blank').pathname;
    if (path.startsWith(searchDir) || /\/search(-core)?\.js$/.test(path)) {
      const file = readFileSync(join(SITE_DIR, decodeURIComponent(path)));
      const range = requestedRange(ranges.get(id), file.length);
      if (path.includes('/b/')) {
        // A blob is never fetched whole: a range, answered 206 with exactly those bytes.
        assert.ok(range && range !== 'unsatisfiable', `${path}: fetched with a Range header (${ranges.get(id)})`);
        assert.deepEqual(statuses.get(id), [206, `bytes ${range.start}-${range.end}/${file.length}`], `${path}: 206 for its range`);
      }
      // What a CDN compressing on the fly sends (the test server does not compress); index
      // files and blob members are compressed already.
      rows.push([path.replace(searchDir, ''), bytes, sentBytes(range ? file.subarray(range.start, range.end + 1) : file, path)]);
    }
  }
  rows.sort((a, b) => a[0].localeCompare(b[0]));
  const total = (col, re = /./) => rows.filter(([p]) => re.test(p)).reduce((s, r) => s + r[col], 0);
  const kb = (n) => (n / 1024).toFixed(1);
  console.log(`first query ${q}: ${kb(total(2))} KB gzip, ${kb(total(1))} KB uncompressed over ${rows.length} requests (gzip: `
    + `scripts ${kb(total(2, /\.js$/))} KB, meta ${kb(total(2, /^meta\.json$/))} KB, shards ${kb(total(2, /^[tk]\//))} KB, `
    + `blocks ${kb(total(2, /^b\//))} KB, pages ${kb(total(2, /^d\//))} KB)`);
  // search.js ships bundled with search-core.js (scripts/minify-search.mjs): one script request.
  assert.ok(rows.some(([p]) => p.endsWith('search.js')) && !rows.some(([p]) => p.endsWith('search-core.js')), 'the one bundled script is counted');
  assert.ok(rows.some(([p]) => p === 'meta.json') && rows.some(([p]) => p.startsWith('t/')), 'meta and term shards are counted');
  assert.ok(rows.filter(([p]) => p.startsWith('b/')).length >= 2, 'blocks come as blob ranges');
  const want = await expected(q);
  assert.ok(rows.filter(([p]) => p.startsWith('d/')).length >= Math.min(PAGE, want.length), 'a page file per listed result');
  assert.deepEqual(await resultHrefs(page), want.map((h) => h.url), 'the page lists what the search code ranks');
  assert.ok(total(2) <= FIRST_QUERY_GZIP, `a first query downloads ${total(2)} bytes gzip (target ${FIRST_QUERY_GZIP})`);
  site.expectClean(page);
});

test('meta.json is preloaded by the search page (found by the parser, not fetched by the script) and fetched once, with no preload warning', async () => {
  const page = await site.newPage();
  const warnings = [];
  page.on('console', (msg) => { if (msg.type() === 'warning') warnings.push(msg.text()); });
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('Network.enable');
  const metaRequests = [];
  cdp.on('Network.requestWillBeSent', (e) => {
    if (new URL(e.request.url).pathname.endsWith('/meta.json')) metaRequests.push(e.initiator.type);
  });
  // Without a query the index is opened at once too, so the preload is used, not left warning.
  await site.goto(page, '/search/');
  await page.waitForLoadState('networkidle');
  await page.fill(PAGE_INPUT, '暗号化');
  await page.waitForSelector(RESULT_LINKS);
  await page.waitForTimeout(3500); // Chromium warns about an unused preload about 3 s after load
  assert.deepEqual(metaRequests, ['parser'], `one request for meta.json, from the page's preload (initiators: ${metaRequests})`);
  assert.deepEqual(warnings.filter((w) => /preload/i.test(w)), [], 'no warning about the preload');
  site.expectClean(page);
});

test('a server that ignores Range (whole blob, 200) still gives the same results', async () => {
  const q = '医療情報';
  const page = await site.newPage();
  const notes = [];
  page.on('console', (msg) => notes.push(msg.text()));
  let whole = 0;
  await page.route(/\/b\/\d+\.bin$/, async (route) => {
    whole++;
    const path = decodeURIComponent(new URL(route.request().url()).pathname);
    await route.fulfill({ status: 200, contentType: 'application/octet-stream', body: readFileSync(join(SITE_DIR, path)) });
  });
  await site.goto(page, '/search/?q=' + encodeURIComponent(q));
  await page.waitForSelector(RESULT_LINKS);
  assert.ok(whole > 0, 'the blobs were answered whole');
  assert.equal(notes.filter((n) => /ignores Range/.test(n)).length, 1, `the console says so once: ${JSON.stringify(notes)}`);
  assert.deepEqual(await resultHrefs(page), (await expected(q)).map((h) => h.url));
  site.expectClean(page);
});

test('a 開示書 item\'s wording finds the template page, deep-linked to the item; following it lands on the item', async () => {
  const page = await site.newPage();
  for (const [q, anchor, title] of [
    ['入退管理に関する状況', 'disc-2-3', '③ 入退管理に関する状況'],
    ['問合せ窓口', 'disc-1-10', '⑩ 医療機関等の管理者側からの問合せ窓口における受付の時間帯等'],
  ]) {
    await site.goto(page, '/search/?q=' + encodeURIComponent(q));
    const want = await expected(q);
    assert.equal(want[0].url, `/mic/annex-disclosure/#${anchor}`, `${q}: the index deep-links the item first`);
    await firstResultIs(page, want[0].url);
    assert.deepEqual(await resultHrefs(page), want.map((h) => h.url));
    const first = page.locator(`${RESULTS} li`).first();
    assert.match(await first.innerText(), new RegExp(`› ${title.replace(/[()]/g, '\\$&')}`), `${q}: the result names the item`);
    assert.ok((await first.locator('.search-result__snippet').innerText()).startsWith(title), `${q}: the snippet shows the item`);
  }
  await site.screenshot(page, 'search-item-results', { fullPage: false });
  // Following the hit opens the template page at the item's heading.
  await Promise.all([
    page.waitForURL((u) => u.pathname === '/mic/annex-disclosure/' && u.hash === '#disc-1-10'),
    page.locator(RESULT_LINKS).first().click(),
  ]);
  const heading = page.locator('#disc-1-10');
  assert.match(await heading.innerText(), /問合せ窓口における受付の時間帯等/);
  // In view, and below the sticky tools box of the form rather than under it.
  await page.waitForFunction(() => {
    const r = document.getElementById('disc-1-10').getBoundingClientRect();
    const tools = document.querySelector('[data-answer-tools]');
    const covered = tools && !tools.hidden ? tools.getBoundingClientRect().bottom : 0;
    return r.top >= covered && r.bottom < window.innerHeight;
  }, null, { timeout: 5000 });
  await site.screenshot(page, 'disclosure-item-from-search', { fullPage: false });
  site.expectClean(page);
});
