// The 「対応状況」 view of the 開示書 page in a real browser: computed in the page from the answers
// form.js stores, it changes as fields are filled, downloads the same JSON and CSV bytes as
// `shishin disclosure report` for the same answers, passes axe and the site's CSP, and reads on
// a phone and on paper (screenshots in target/screenshots/coverage-*.png).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSite, shishinBin, DESKTOP, PHONE, REPO, SITE_DIR } from './helpers.mjs';

const PAGE = '/mic/annex-disclosure/';
/** The site whose templates and mappings the CLI reads (the shipped site). */
const ROOT = process.env.SHISHIN_ROOT || REPO;

function cliReport(answersFile, format) {
  const args = ['disclosure', 'report', answersFile, '--root', ROOT, '--format', format];
  if (format !== 'json') args.push('--output', `${answersFile}.${format}`);
  const r = spawnSync(shishinBin(), args, { encoding: 'buffer' });
  assert.equal(r.status, 0, r.stderr.toString());
  return format === 'json' ? r.stdout : readFileSync(`${answersFile}.${format}`);
}

let site;
let tmp;
before(async () => {
  site = await openSite();
  tmp = mkdtempSync(join(tmpdir(), 'shishin-coverage-'));
});
after(async () => {
  await site?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

async function openView(opts = {}) {
  const page = await site.newPage(opts);
  await site.goto(page, PAGE);
  await page.locator('[data-coverage][data-coverage-ready]').waitFor({ state: 'attached' });
  return page;
}

const control = (page, item, column) => page.locator(`[data-answer][data-item="${item}"][data-column="${column}"]`);
const clauseRow = (page, id) => page.locator(`[data-coverage-clause="${id}"]`);
const targetRow = (page, id) => page.locator(`[data-coverage-target="${id}"]`);
const statusOf = (row) => row.getAttribute('data-status');
const total = (page, key) => page.locator(`[data-coverage-total="${key}"]`).innerText();

/** Scroll so that `selector` is at the top of the viewport (for screenshots of the view). */
async function scrollTo(page, selector) {
  await page.locator(selector).evaluate((e) => window.scrollTo(0, e.getBoundingClientRect().top + window.scrollY));
}

async function save(page, selector, name) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator(selector).click()]);
  const path = join(tmp, `${Date.now()}-${name}-${download.suggestedFilename()}`);
  await download.saveAs(path);
  return { path, name: download.suggestedFilename() };
}

test('the view lists every clause of the data and links from the page, the TOC and the home page', () => {
  const html = readFileSync(join(SITE_DIR, 'mic', 'annex-disclosure', 'index.html'), 'utf8');
  const data = JSON.parse(html.match(/<script type="application\/json" id="coverage-data">([^<]*)<\/script>/)[1]);
  assert.equal(data.template, 'disclosure');
  const rows = [...html.matchAll(/data-coverage-clause="([^"]+)"/g)].map((m) => m[1]);
  assert.deepEqual(rows, data.clauses.map((c) => c.id), 'one row per clause of the data, in order');
  for (const id of ['mic-3.2.1', 'mic-3.2.10', 'mic-3.3.4', 'mic-3.4', 'mic-3.5', 'mic-3.6']) assert.ok(rows.includes(id), id);
  assert.ok(!rows.includes('mic-3.1'), '3.1 (本章の読み方) states no requirement');
  // Without JS: an empty answer file (clauses with items are 未対応, the others 記入項目なし).
  assert.match(html, /data-coverage-clause="mic-3\.2\.1" data-status="gap"/);
  assert.match(html, /data-coverage-clause="mic-3\.5" data-status="not-addressed"/);
  assert.match(html, /<a href="#coverage">対応状況<\/a>/, 'TOC entry');
  assert.match(html, /href="[^"]*\/mic\/annex-disclosure\/#coverage">対応状況<\/a>/, 'the page text links the view');
  const home = readFileSync(join(SITE_DIR, 'index.html'), 'utf8');
  assert.match(home, /href="[^"]*\/mic\/annex-disclosure\/#coverage">開示書の対応状況<\/a>/, 'the 使い方 list links the view');
  assert.doesNotMatch(html, /\sstyle=|\son[a-z]+=/i, 'no inline styles or handlers (CSP)');
});

test('fill two items: the clause, target and totals statuses change, with no request; axe passes', async () => {
  const page = await openView({ viewport: DESKTOP });
  const requests = [];
  page.on('request', (r) => { if (!r.url().startsWith('blob:')) requests.push(r.url()); });
  assert.equal(await statusOf(clauseRow(page, 'mic-3.2.1')), 'gap');
  assert.equal(await statusOf(targetRow(page, 'mhlw5-6.3')), 'gap');
  assert.equal(await total(page, 'answered'), '0');

  await control(page, 'disc-1-1-a-1', 'presence').selectOption('有');
  assert.equal(await statusOf(clauseRow(page, 'mic-3.2.1')), 'partial', 'one answered item: 一部対応');
  assert.match(await clauseRow(page, 'mic-3.2.1').locator('[data-coverage-status]').innerText(), /一部対応/);
  assert.equal(await statusOf(targetRow(page, 'mhlw5-6.3')), 'partial', 'the MHLW clause it maps to follows');
  assert.equal(await total(page, 'answered'), '1');

  // 無 is an answer, but not coverage: the item counts as `no` and the clause stays partial.
  await control(page, 'disc-1-1-a-2', 'presence').selectOption('無');
  assert.equal(await total(page, 'no'), '1');
  assert.equal(await clauseRow(page, 'mic-3.2.1').locator('[data-count="no"]').innerText(), '1');
  // A text item of another clause: 3.2.3 and the clauses it reaches move from gap to partial.
  await control(page, 'disc-3-1-a', 'content').fill('多要素認証');
  assert.equal(await statusOf(clauseRow(page, 'mic-3.2.3')), 'partial');
  assert.equal(await statusOf(targetRow(page, 'mhlw5-6.5')), 'partial');
  assert.equal(await statusOf(clauseRow(page, 'mic-3.5')), 'not-addressed');
  assert.equal(await statusOf(clauseRow(page, 'mic-3.2.2')), 'gap', 'untouched clauses keep their status');

  assert.deepEqual(requests, [], 'filling made network requests');

  // The statuses survive a reload (they come from localStorage) …
  await page.reload();
  await page.locator('[data-coverage][data-coverage-ready]').waitFor({ state: 'attached' });
  requests.length = 0;
  assert.equal(await statusOf(clauseRow(page, 'mic-3.2.3')), 'partial');
  // … and 消去 resets them.
  await page.locator('[data-answer-clear]').click();
  await page.locator('[data-answer-confirm-replace]').click();
  await page.locator('[data-answer-message]').filter({ hasText: '記入内容を消去しました' }).waitFor();
  assert.equal(await statusOf(clauseRow(page, 'mic-3.2.3')), 'gap');
  assert.equal(await total(page, 'answered'), '0');
  assert.deepEqual(requests, [], 'clearing made network requests');
  await site.expectAccessible(page);
  site.expectClean(page);
});

test('the view downloads the same JSON and CSV bytes as `shishin disclosure report`', async () => {
  const page = await openView();
  await control(page, 'disc-1-1-a-1', 'presence').selectOption('有');
  await control(page, 'disc-1-1-a-1', 'holder').fill('=情報システム部長, "引用"');
  await control(page, 'disc-1-1-a-3', 'presence').selectOption('無');
  await control(page, 'disc-1-1-c', 'content').fill('  個人情報保護法\n施行令  ');
  await control(page, 'disc-2-1', 'content').fill('　'); // only an ideographic space: not an answer
  const answers = await save(page, '[data-answer-export="json"]', 'answers');
  const json = await save(page, '[data-coverage-export="json"]', 'view');
  const csv = await save(page, '[data-coverage-export="csv"]', 'view');
  assert.match(json.name, /^disclosure-coverage-\d{8}\.json$/);
  assert.match(csv.name, /^disclosure-coverage-\d{8}\.csv$/);

  const fromPage = readFileSync(json.path);
  const fromCli = cliReport(answers.path, 'json');
  assert.equal(fromPage.toString('utf8'), fromCli.toString('utf8'), 'JSON report: page and CLI differ');
  const report = JSON.parse(fromPage.toString('utf8'));
  assert.deepEqual(report.totals, { items: report.totals.items, answered: 2, no: 1, missing: report.totals.items - 3 });
  assert.equal(report.clauses.find((c) => c.id === 'mic-3.2.2').status, 'gap', 'whitespace is not an answer');

  const csvPage = readFileSync(csv.path);
  const csvCli = cliReport(answers.path, 'csv');
  assert.deepEqual([...csvPage.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'BOM');
  assert.equal(csvPage.toString('utf8'), csvCli.toString('utf8'), 'CSV report: page and CLI differ');
  site.expectClean(page);
});

test('the CLI\'s HTML report opens from disk with its styles, runs no script and passes axe', async () => {
  const page = await openView();
  await control(page, 'disc-1-1-a-1', 'presence').selectOption('有');
  await control(page, 'disc-1-1-c', 'content').fill('個人情報保護法');
  const answers = await save(page, '[data-answer-export="json"]', 'answers');
  cliReport(answers.path, 'html');
  const report = await site.newPage({ viewport: DESKTOP });
  const dialogs = [];
  report.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await report.goto(`file://${answers.path}.html`);
  // The <style> is allowed by its hash in the page's own CSP: the statuses are coloured.
  assert.equal(await report.locator('.status--partial').first().evaluate((e) => getComputedStyle(e).color), 'rgb(122, 79, 0)');
  assert.equal(await report.locator('script').count(), 0);
  assert.match(await report.locator('h1').innerText(), /対応状況/);
  assert.deepEqual(dialogs, []);
  await site.expectAccessible(report);
  await site.screenshot(report, 'coverage-report-html');
  site.expectClean(report);
});

test('phone and paper: the tables become cards on a phone, print in black with the tools hidden', async () => {
  const phone = await openView({ viewport: PHONE });
  await control(phone, 'disc-1-1-a-1', 'presence').selectOption('有');
  await phone.locator('#coverage').scrollIntoViewIfNeeded();
  const width = await phone.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(width <= 375, `no sideways scrolling on a phone (scrollWidth ${width})`);
  assert.equal(await phone.locator('.coverage-table thead').first().isVisible(), false, 'cards, not a squeezed table');
  await site.expectAccessible(phone);
  await scrollTo(phone, '#coverage-clauses');
  await site.screenshot(phone, 'coverage-phone', { fullPage: false });
  site.expectClean(phone);

  const desktop = await openView({ viewport: DESKTOP });
  await control(desktop, 'disc-1-1-a-1', 'presence').selectOption('有');
  await control(desktop, 'disc-1-1-c', 'content').fill('個人情報保護法');
  await scrollTo(desktop, '#coverage');
  await site.screenshot(desktop, 'coverage-desktop', { fullPage: false });
  await desktop.emulateMedia({ media: 'print' });
  assert.equal(await desktop.locator('[data-coverage-tools]').isVisible(), false, 'no buttons on paper');
  const breakBefore = await desktop.locator('#coverage').evaluate((e) => getComputedStyle(e).breakBefore);
  assert.equal(breakBefore, 'page', 'the view starts on its own sheet');
  assert.equal(await statusOf(clauseRow(desktop, 'mic-3.2.1')), 'partial', 'paper shows the answers');
  await desktop.pdf({ path: join(tmp, 'coverage.pdf'), format: 'A4' });
  await scrollTo(desktop, '#coverage');
  await site.screenshot(desktop, 'coverage-print', { fullPage: false });
  site.expectClean(desktop);
});
