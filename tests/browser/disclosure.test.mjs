// The fill-in form of the 開示書 / SLA pages in a real browser: answers persist in localStorage
// across a reload, export as JSON/CSV files that `shishin disclosure check` accepts, load back from
// a file, and never leave the browser over the network. The page without JS is read-only.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSite, shishinBin, DESKTOP, REPO, SITE_DIR } from './helpers.mjs';

const PAGE = '/mic/annex-disclosure/';
const SLA_PAGE = '/mic/annex-sla/';
/** The site root whose templates the answer files are checked against (the shipped site). */
const ROOT = process.env.SHISHIN_ROOT || REPO;

function check(file) {
  const r = spawnSync(shishinBin(), ['disclosure', 'check', file, '--root', ROOT], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

let site;
let tmp;
before(async () => {
  site = await openSite();
  tmp = mkdtempSync(join(tmpdir(), 'shishin-disclosure-'));
});
after(async () => {
  await site?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

/** Open a template page and wait until form.js has enabled the form. */
async function openForm(path = PAGE, opts = {}) {
  const page = await site.newPage(opts);
  await site.goto(page, path);
  await page.locator('[data-answer-tools]').waitFor({ state: 'visible' });
  return page;
}

const control = (page, item, column) => page.locator(`#${CSS_ESCAPE(`ans-${item}--${column}`)}`);
// Ids here are plain ASCII with dashes; escaping keeps the selector honest if that ever changes.
function CSS_ESCAPE(s) {
  return s.replace(/[^a-zA-Z0-9_-]/g, (c) => `\\${c}`);
}

async function progress(page) {
  const text = await page.locator('[data-answer-progress]').innerText();
  const m = text.match(/(\d+)\s*\/\s*(\d+)/);
  assert.ok(m, `progress text: ${text}`);
  return { done: Number(m[1]), total: Number(m[2]) };
}

async function exportFile(page, kind) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator(`[data-answer-export="${kind}"]`).click()]);
  const path = join(tmp, `${Date.now()}-${download.suggestedFilename()}`);
  await download.saveAs(path);
  return { path, name: download.suggestedFilename() };
}

test('without JS the template page is a read-only, printable template', () => {
  const html = readFileSync(join(SITE_DIR, 'mic', 'annex-disclosure', 'index.html'), 'utf8');
  // Every control is disabled until form.js runs, and the tools are hidden.
  const controls = html.match(/<(select|textarea)\b[^>]*data-answer\b[^>]*>/g) || [];
  assert.ok(controls.length > 20, `controls in the page: ${controls.length}`);
  for (const c of controls) assert.match(c, /\sdisabled[\s>]/, c);
  assert.match(html, /<div class="answer-tools" data-answer-tools hidden>/);
  assert.match(html, /<noscript>/);
  // Item tree, references, MIC clause links and marked examples are in the static HTML.
  assert.match(html, /組織的取組における基本方針/);
  assert.match(html, /参照 \(2\)\(ウ\)1\.⑥/);
  assert.match(html, /href="[^"]*\/mic\/3\.2\.1\/">3\.2\.1 組織的安全管理対策<\/a>/);
  assert.match(html, /<span class="example__mark">（例）<\/span>/);
  assert.doesNotMatch(html, /\sstyle=|\son[a-z]+=/i, 'no inline styles or handlers (CSP)');
});

test('fill two answers, reload: they persist; export JSON and CSV; the CLI checks them; load a file back', async () => {
  const page = await openForm();
  const before = await progress(page);
  assert.equal(before.done, 0);
  assert.ok(before.total > 10);

  // Nothing may go over the network while filling, saving and exporting.
  const requests = [];
  page.on('request', (r) => { if (!r.url().startsWith('blob:')) requests.push(r.url()); });

  await control(page, 'disc-1-1-a-1', 'presence').selectOption('有');
  await control(page, 'disc-1-1-c', 'content').fill('個人情報保護法、同施行令・施行規則');
  assert.equal((await progress(page)).done, 2);
  assert.deepEqual(requests, [], 'filling made network requests');

  await page.reload();
  await page.locator('[data-answer-tools]').waitFor({ state: 'visible' });
  assert.equal(await control(page, 'disc-1-1-a-1', 'presence').inputValue(), '有');
  assert.equal(await control(page, 'disc-1-1-c', 'content').inputValue(), '個人情報保護法、同施行令・施行規則');
  assert.equal((await progress(page)).done, 2, 'progress after reload');
  requests.length = 0;

  // A partial answer file: valid JSON, the two answers, and the CLI reports the missing ones.
  const partial = await exportFile(page, 'json');
  assert.match(partial.name, /^disclosure-answers-\d{8}\.json$/);
  const json = JSON.parse(readFileSync(partial.path, 'utf8'));
  assert.equal(json.template, 'disclosure');
  assert.equal(typeof json.version, 'string');
  assert.deepEqual(json.answers, {
    'disc-1-1-a-1': { presence: '有' },
    'disc-1-1-c': { content: '個人情報保護法、同施行令・施行規則' },
  });
  const partialCheck = check(partial.path);
  assert.equal(partialCheck.code, 1, partialCheck.out);
  assert.match(partialCheck.out, /missing required answer: `disc-1-1-a-2` \/ `presence`/);
  assert.doesNotMatch(partialCheck.out, /unknown item|not an option|no column/);

  // Answer every required cell (first option of each choice, text elsewhere): the CLI accepts it.
  for (const c of await page.locator('[data-answer][data-required]').all()) {
    if ((await c.inputValue()) !== '') continue;
    if ((await c.evaluate((el) => el.tagName)) === 'SELECT') await c.selectOption({ index: 1 });
    else await c.fill('記入済み, "引用符" と改行\n2 行目');
  }
  // Answers a spreadsheet would run as formulas (OWASP CSV injection): guarded in the CSV below.
  const formula = '=HYPERLINK("http://example.com","x")';
  await control(page, 'disc-1-1-a-1', 'holder').fill(formula);
  await control(page, 'disc-1-1-a-2', 'holder').fill('-1');
  const full = await progress(page);
  assert.equal(full.done, full.total);
  const complete = await exportFile(page, 'json');
  const completeCheck = check(complete.path);
  assert.equal(completeCheck.code, 0, completeCheck.out);
  assert.match(completeCheck.out, /^ok: /m);

  const csv = await exportFile(page, 'csv');
  assert.match(csv.name, /\.csv$/);
  const bytes = readFileSync(csv.path);
  assert.deepEqual([...bytes.subarray(0, 3)], [0xef, 0xbb, 0xbf], 'CSV starts with a UTF-8 BOM');
  const csvText = bytes.toString('utf8');
  assert.match(csvText, /^\ufeffitem_id,column,value\r\n_meta,template,disclosure\r\n/);
  assert.ok(csvText.includes(`\r\ndisc-1-1-a-1,holder,"'=HYPERLINK(""http://example.com"",""x"")"\r\n`), 'a formula answer is written with a leading quote');
  assert.ok(csvText.includes(`\r\ndisc-1-1-a-2,holder,'-1\r\n`));
  assert.doesNotMatch(csvText, /(^|,)"?[=+\-@]/m, 'no cell starts a formula');
  const csvCheck = check(csv.path);
  assert.equal(csvCheck.code, 0, csvCheck.out);
  assert.deepEqual(requests, [], 'exporting made network requests');

  // Clear everything, then load the partial file back through the file input.
  // 消去 asks in the page's own dialog: cancelling keeps the answers, confirming clears them.
  let browserDialog = false;
  const onDialog = (d) => { browserDialog = true; d.dismiss(); };
  page.on('dialog', onDialog);
  const filledBefore = (await progress(page)).done;
  await page.locator('[data-answer-clear]').click();
  assert.match(await page.locator('[data-answer-confirm-title]').textContent(), /消去/);
  await page.keyboard.press('Escape');
  assert.equal((await progress(page)).done, filledBefore, 'Esc keeps the answers');
  await page.locator('[data-answer-clear]').click();
  await page.locator('[data-answer-confirm-replace]').click();
  // The dialog closes, then the answers clear: wait for the page to say so before counting.
  await page.locator('[data-answer-message]').filter({ hasText: '記入内容を消去しました' }).waitFor();
  assert.equal((await progress(page)).done, 0);
  page.off('dialog', onDialog);
  assert.equal(browserDialog, false, '消去 must not use a browser dialog (window.confirm)');
  assert.equal(await control(page, 'disc-1-1-c', 'content').inputValue(), '');
  await page.locator('[data-answer-import]').setInputFiles(partial.path);
  await assert.doesNotReject(() => page.locator('[data-answer-message]').filter({ hasText: '読み込みました' }).waitFor());
  assert.equal(await control(page, 'disc-1-1-a-1', 'presence').inputValue(), '有');
  assert.equal(await control(page, 'disc-1-1-c', 'content').inputValue(), '個人情報保護法、同施行令・施行規則');
  assert.equal((await progress(page)).done, 2);

  // The CSV (with quotes, commas and line breaks in the answers) loads back intact (the page has
  // answers now, so the replacement is confirmed first).
  await page.locator('[data-answer-import]').setInputFiles(csv.path);
  await page.locator('[data-answer-confirm-replace]').click();
  await page.locator('[data-answer-message]').filter({ hasText: csv.path.split('/').pop() }).waitFor();
  const again = await progress(page);
  assert.equal(again.done, again.total);
  assert.equal(await control(page, 'disc-1-1-b', 'customer').inputValue(), '記入済み, "引用符" と改行\n2 行目');
  assert.equal(await control(page, 'disc-1-1-a-1', 'holder').inputValue(), formula, 'the guard is stripped on import');
  assert.equal(await control(page, 'disc-1-1-a-2', 'holder').inputValue(), '-1');

  // A file for the other template is refused with a message, and nothing changes.
  const wrong = join(tmp, 'wrong.json');
  writeFileSync(wrong, JSON.stringify({ template: 'sla', version: '1.0', answers: { 'sla-2': { content: 'x' } } }));
  await page.locator('[data-answer-import]').setInputFiles(wrong);
  await page.locator('[data-answer-message].is-error').waitFor();
  assert.match(await page.locator('[data-answer-message]').innerText(), /sla/);
  assert.equal((await progress(page)).done, again.total);

  assert.deepEqual(requests, [], 'loading files made network requests');
  await site.expectAccessible(page);
  site.expectClean(page);
});

test('the two subcontracting fields of (1)② are fill-in items with their reference; answers persist', async () => {
  const page = await openForm();
  for (const id of ['disc-1-2-cloud', 'disc-1-2-maint']) {
    const block = page.locator(`#${CSS_ESCAPE(id)}`);
    assert.match(await block.innerText(), /再委託/);
    // The reference the template prints on the item itself.
    const meta = page.locator(`#${CSS_ESCAPE(id)} + .answer-meta`);
    assert.match(await meta.innerText(), /参照 \(2\)\(ウ\)2\.②/);
    assert.equal(await control(page, id, 'presence').isEnabled(), true, `${id}: 有無 can be chosen`);
  }
  const before = await progress(page);
  await control(page, 'disc-1-2-cloud', 'presence').selectOption('有');
  await control(page, 'disc-1-2-cloud', 'contract').fill('基盤サービスの利用契約');
  await control(page, 'disc-1-2-maint', 'presence').selectOption('無');
  await page.waitForFunction((n) => /(\d+)/.exec(document.querySelector('[data-answer-progress]').textContent)[1] === String(n), before.done + 2);
  await page.reload();
  await page.locator('[data-answer-tools]').waitFor({ state: 'visible' });
  assert.equal(await control(page, 'disc-1-2-cloud', 'presence').inputValue(), '有');
  assert.equal(await control(page, 'disc-1-2-cloud', 'contract').inputValue(), '基盤サービスの利用契約');
  assert.equal(await control(page, 'disc-1-2-maint', 'presence').inputValue(), '無');
  await page.locator('#disc-1-2-cloud').scrollIntoViewIfNeeded();
  await site.screenshot(page, 'disclosure-subcontracting-items', { fullPage: false });
  site.expectClean(page);
});

test('the SLA page has its own form and storage', async () => {
  const page = await openForm(SLA_PAGE);
  const p = await progress(page);
  assert.equal(p.done, 0, 'answers of the 開示書 page must not leak into the SLA page');
  await control(page, 'sla-1-1-1', 'content').fill('甲の診療録を保存する');
  assert.equal((await progress(page)).done, 1);
  const file = await exportFile(page, 'json');
  const data = JSON.parse(readFileSync(file.path, 'utf8'));
  assert.equal(data.template, 'sla');
  assert.deepEqual(data.answers, { 'sla-1-1-1': { content: '甲の診療録を保存する' } });
  const r = check(file.path);
  assert.equal(r.code, 1, r.out);
  assert.match(r.out, /template sla/);
  assert.match(r.out, /missing required answer: `sla-2` \/ `content`/);
  site.expectClean(page);
});

test('print: form controls are boxes and the tools are hidden', async () => {
  const page = await openForm();
  await page.emulateMedia({ media: 'print' });
  assert.equal(await page.locator('[data-answer-tools]').isVisible(), false);
  const style = await control(page, 'disc-1-1-a-1', 'presence').evaluate((el) => {
    const s = getComputedStyle(el);
    return { appearance: s.appearance, border: s.borderTopStyle, width: s.borderTopWidth };
  });
  assert.equal(style.appearance, 'none');
  assert.equal(style.border, 'solid');
  // An unanswered choice prints as an empty box; an answered one shows its value.
  const colour = (item) => control(page, item, 'presence').evaluate((el) => getComputedStyle(el).color);
  assert.equal(await colour('disc-1-1-a-1'), 'rgba(0, 0, 0, 0)');
  await control(page, 'disc-1-1-a-2', 'presence').selectOption('無');
  assert.notEqual(await colour('disc-1-1-a-2'), 'rgba(0, 0, 0, 0)');
  await site.screenshot(page, 'disclosure-print');
  site.expectClean(page);
});

test('desktop: the downloads box, the tools box and the tables line up; on paper the intro spans the tables', async () => {
  const page = await openForm(PAGE, { viewport: DESKTOP });
  const box = (sel) => page.locator(sel).first().evaluate((e) => { const r = e.getBoundingClientRect(); return { left: Math.round(r.left), width: Math.round(r.width) }; });
  const downloads = await box('.answer-downloads');
  const tools = await box('[data-answer-tools]');
  const table = await box('.answer-table-wrap');
  assert.deepEqual(downloads, tools, 'downloads and tools boxes have the same width');
  assert.deepEqual(tools, table, 'and so do the tables');
  await site.screenshot(page, 'disclosure-desktop', { fullPage: false });
  await page.emulateMedia({ media: 'print' });
  const tableOnPaper = await box('.answer-table-wrap');
  for (const sel of ['.answer-template > h2', '.answer-template__description', '.answer-legend']) {
    if (await page.locator(sel).count() === 0) continue;
    assert.deepEqual(await box(sel), tableOnPaper, `${sel} is as wide as the tables on paper`);
  }
  site.expectClean(page);
});

test('loading a file over answers asks first in an in-page dialog; cancelling keeps them', async () => {
  const page = await openForm();
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await control(page, 'disc-1-1-c', 'content').fill('今の回答');
  const file = join(tmp, 'other.json');
  writeFileSync(file, JSON.stringify({ template: 'disclosure', answers: { 'disc-1-1-a-1': { presence: '無' } } }));

  // Cancel (the Esc key): nothing changes, and the page says so.
  await page.locator('[data-answer-import]').setInputFiles(file);
  const dialog = page.getByRole('dialog', { name: '記入内容を置き換えますか？' });
  await dialog.waitFor({ state: 'visible' });
  assert.match(await dialog.innerText(), /記入済みの欄が 1 個/);
  assert.match(await dialog.innerText(), /other\.json/);
  await site.expectAccessible(page);
  await site.screenshot(page, 'disclosure-confirm-load', { fullPage: false });
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'hidden' });
  await page.locator('[data-answer-message]').filter({ hasText: '取りやめました' }).waitFor();
  assert.equal(await control(page, 'disc-1-1-c', 'content').inputValue(), '今の回答');
  assert.equal(await control(page, 'disc-1-1-a-1', 'presence').inputValue(), '');

  // The same file again, confirmed: the file's answers replace the page's.
  await page.locator('[data-answer-import]').setInputFiles(file);
  await dialog.waitFor({ state: 'visible' });
  await dialog.getByRole('button', { name: '置き換える' }).click();
  await page.locator('[data-answer-message]').filter({ hasText: '読み込みました' }).waitFor();
  assert.equal(await control(page, 'disc-1-1-c', 'content').inputValue(), '');
  assert.equal(await control(page, 'disc-1-1-a-1', 'presence').inputValue(), '無');
  assert.deepEqual(dialogs, [], 'no window.confirm/alert');
  site.expectClean(page);
});
