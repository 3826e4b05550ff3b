// Page records (src/search/page_records.rs) in a real browser. The shipped site is too small for
// them, so this builds a site of generated pages full of frequent words (`shishin init`, content
// replaced): a first query whose top results sit among near-ties fetches some pages' records by
// a range at the start of their files (206, exactly the slot), the listed pages' files from the
// slot on, and shows what the search code ranks.

import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSite, requestedRange, shishinBin, SCREENSHOT_DIR } from './helpers.mjs';
import { StaticIndex, byteRange } from '../../themes/default/static/search-core.js';

const PAGES = 700;
const WORDS = ['設定', 'システム', '環境', '変数', '管理', '情報', '利用者', '認証', '記録', '保存', '確認', '接続', '端末', '権限', '監査', '障害'];
const QUERIES = ['システム 利用者', '記録 管理', '設定 確認', '変数 監査', '情報 保存', '端末 接続 権限', '障害 記録 確認'];
let dir, out, indexDir, meta, site, q, want;

/** A deterministic page of sentences of frequent words (a linear congruential generator). */
function pages() {
  let seed = 0x5eedn;
  const next = (n) => {
    seed = (seed * 6364136223846793005n + 1442695040888963407n) & 0xffffffffffffffffn;
    return Number((seed >> 33n) % BigInt(n));
  };
  const words = (n) => Array.from({ length: n }, () => WORDS[next(WORDS.length)]).join('の');
  return Array.from({ length: PAGES }, (_, n) => {
    const body = Array.from({ length: 3 }, (_, k) => `## ${words(1 + next(2))} {#s${k}}\n\n${Array.from({ length: 4 }, () => `${words(6 + next(6))}を行う。`).join('')}\n`).join('\n');
    return [`page-${String(n).padStart(4, '0')}.md`, `---\ntitle: "${words(2 + next(2))}"\nweight: ${n + 1}\n---\n\n${body}`];
  });
}

/** The index's own ranking and the paths it fetched, computed in Node from the built files. */
async function rank(q) {
  const fetched = [];
  const index = await StaticIndex.open(async (p, r) => {
    fetched.push(r ? `${p}@${r[0]}-${r[1] ?? ''}` : p);
    return byteRange(await readFile(join(out, indexDir, p)), r);
  });
  const { query, hits } = await index.search(q, 10);
  const shown = await Promise.all(hits.map((h) => index.present(h, query)));
  return { urls: shown.map((h) => h.url), fetched };
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'shishin-records-'));
  const root = join(dir, 'site');
  out = join(dir, 'public');
  const run = (args) => {
    const r = spawnSync(shishinBin(), args, { encoding: 'utf8' });
    assert.equal(r.status, 0, `shishin ${args.join(' ')}:\n${r.stderr}`);
  };
  run(['init', root]);
  rmSync(join(root, 'content'), { recursive: true });
  mkdirSync(join(root, 'content', 'sec-01'), { recursive: true });
  writeFileSync(join(root, 'content', '_index.md'), '---\ntitle: "生成したページ"\n---\n\n頻出語だけのページです。\n');
  writeFileSync(join(root, 'content', 'sec-01', '_index.md'), '---\ntitle: "第1章"\n---\n\n頻出語の章です。\n');
  for (const [name, text] of pages()) writeFileSync(join(root, 'content', 'sec-01', name), text);
  run(['build', '--root', root, '--output', out]);
  indexDir = /<meta name="shishin-search" content="([^"]+)">/.exec(readFileSync(join(out, 'search/index.html'), 'utf8'))[1];
  meta = JSON.parse(readFileSync(join(out, indexDir, 'meta.json'), 'utf8'));
  // The first query that reads a record (the search code decides; Node runs the same code).
  for (const candidate of QUERIES) {
    if ((await rank(candidate)).fetched.some((f) => f.startsWith('d/') && f.endsWith(`@0-${meta.record}`))) {
      q = candidate;
      break;
    }
  }
  if (q) want = await rank(q);
  site = await openSite({ dir: out });
});

after(async () => {
  if (site) await site.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** The results the page lists, each ending in the URL the search code ranked there. */
async function assertListed(page) {
  const hrefs = await page.$$eval('[data-search-results] a', (links) => links.map((a) => a.href));
  assert.equal(hrefs.length, want.urls.length, `${q}: as many results as the search code ranks`);
  hrefs.forEach((href, i) => assert.ok(href.endsWith(want.urls[i]), `${q}: result ${i + 1} is ${want.urls[i]} (listed: ${href})`));
}

test('near-ties are settled from page records fetched by range, in Chromium as in the search code', async () => {
  const slot = meta.record;
  assert.ok(slot > 0, `the site's pages have records (meta.record ${slot})`);
  assert.ok(q, `one of ${QUERIES.join(', ')} reads a page record`);
  {
    const page = await site.newPage();
    const cdp = await page.context().newCDPSession(page);
    await cdp.send('Network.enable');
    const requests = new Map(); // request id → [url, Range header]
    const responses = new Map(); // request id → [status, Content-Range]
    cdp.on('Network.requestWillBeSent', (e) => requests.set(e.requestId, [e.request.url, e.request.headers.Range]));
    cdp.on('Network.responseReceived', (e) => responses.set(e.requestId, [e.response.status, e.response.headers['Content-Range'] || e.response.headers['content-range']]));
    await site.goto(page, `/search/?q=${encodeURIComponent(q)}`);
    await page.waitForSelector('[data-search-results] a');
    await page.waitForLoadState('networkidle');

    let records = 0;
    let shown = 0;
    for (const [id, [url, range]] of requests) {
      const path = new URL(url).pathname;
      if (!path.startsWith(`${indexDir}d/`)) continue;
      const file = readFileSync(join(out, path));
      const r = requestedRange(range, file.length);
      assert.ok(r && r !== 'unsatisfiable', `${path}: a page file comes by a range (${range})`);
      assert.deepEqual(responses.get(id), [206, `bytes ${r.start}-${r.end}/${file.length}`], `${path}: 206 for its range`);
      if (range === `bytes=0-${slot - 1}`) records++;
      else if (range === `bytes=${slot}-`) shown++;
      else assert.fail(`${path}: an unexpected range ${range}`);
    }
    console.log(`page records: ${q}: ${records} records (${slot} bytes each) and ${shown} page files after the slot`);
    assert.ok(records > 0, 'some pages were settled by their records');
    assert.ok(shown >= want.urls.length, `each listed page's file after its slot (${shown})`);
    await assertListed(page);
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, 'search-page-records.png') });
    site.expectClean(page);
  }
});

test('a server that ignores Range (whole page files, 200) still gives the same results', async () => {
  assert.ok(q, 'a query that reads a page record');
  const page = await site.newPage();
  const notes = [];
  page.on('console', (msg) => notes.push(msg.text()));
  const ranges = [];
  await page.route(/\/d\/\d+\.json\.deflate$/, async (route) => {
    ranges.push(route.request().headers().range);
    const path = decodeURIComponent(new URL(route.request().url()).pathname);
    await route.fulfill({ status: 200, contentType: 'application/octet-stream', body: readFileSync(join(out, path)) });
  });
  await site.goto(page, `/search/?q=${encodeURIComponent(q)}`);
  await page.waitForSelector('[data-search-results] a');
  await page.waitForLoadState('networkidle');
  assert.ok(ranges.includes(`bytes=0-${meta.record - 1}`), `a record was asked for and answered whole: ${ranges}`);
  assert.ok(ranges.includes(`bytes=${meta.record}-`), `a page after its slot was asked for and answered whole: ${ranges}`);
  assert.equal(notes.filter((n) => /ignores Range/.test(n)).length, 1, `the console says so once: ${JSON.stringify(notes)}`);
  await assertListed(page);
  site.expectClean(page);
});
