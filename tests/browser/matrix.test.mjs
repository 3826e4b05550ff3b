// The mapping matrix (/mapping/, layout `matrix`) in headless Chromium: filtering by target
// guideline, relationship, confidence and chapter; following a cell link to both clauses; the
// phone list view; the page without JS. Assertions are derived from the page's own data
// attributes, so they hold for any mappings.yaml (the shipped one or a fixture build).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openSite, PHONE, DESKTOP } from './helpers.mjs';

let site;
before(async () => { site = await openSite(); });
after(async () => { await site?.close(); });

const PATH = '/mapping/';

/** Mapped cells of the table: [{ row, col, rel, conf, doc, chapter, visible }] (visible = shown and not filtered out). */
function cells(page) {
  return page.locator('[data-matrix-table] td[data-cell]').evaluateAll((tds) => tds.map((td) => ({
    row: td.closest('tr').id,
    col: td.dataset.col,
    rel: td.dataset.rel,
    conf: td.dataset.conf,
    doc: td.dataset.doc,
    chapter: td.dataset.chapter,
    visible: !td.hidden && !td.closest('tr').hidden && !td.classList.contains('is-off') && td.getBoundingClientRect().width > 0,
  })));
}

async function visibleRowIds(page) {
  return page.locator('[data-matrix-table] tbody tr[data-row]').evaluateAll((trs) => trs.filter((tr) => !tr.hidden).map((tr) => tr.id));
}

async function statusCount(page) {
  const text = await page.locator('[data-matrix-status]').innerText();
  const m = text.match(/^(\d+) 件/);
  return m ? Number(m[1]) : 0;
}

test('matrix: filters by target guideline, relationship, confidence and chapter', async () => {
  const page = await site.newPage({ viewport: DESKTOP });
  await site.goto(page, PATH);
  const form = page.locator('[data-matrix-filters]');
  await form.waitFor({ state: 'visible' }); // shown by matrix.js
  const all = await cells(page);
  assert.ok(all.length > 0, 'the matrix has mapped cells');
  assert.ok(all.every((c) => c.visible), 'everything is shown before filtering');
  assert.equal(await statusCount(page), all.length);

  // Target guideline: only that guideline's columns and cells; rows without one disappear.
  const docs = [...new Set(all.map((c) => c.doc))];
  const doc = docs[docs.length - 1];
  await page.selectOption('#mf-target', `doc:${doc}`);
  let now = await cells(page);
  assert.deepEqual(now.filter((c) => c.visible).map((c) => c.row + c.col), all.filter((c) => c.doc === doc).map((c) => c.row + c.col));
  const headers = await page.locator('[data-matrix-table] thead th[data-col]').evaluateAll((ths) => ths.filter((th) => !th.hidden).map((th) => th.dataset.doc));
  assert.ok(headers.length > 0 && headers.every((d) => d === doc), `only ${doc} columns: ${headers}`);
  const rowsWithDoc = [...new Set(all.filter((c) => c.doc === doc).map((c) => c.row))];
  assert.deepEqual(await visibleRowIds(page), rowsWithDoc);
  assert.equal(await statusCount(page), all.filter((c) => c.doc === doc).length);
  assert.match(new URL(page.url()).search, new RegExp(`to=doc%3A${doc}`), 'the filter is kept in the URL');

  // Relationship: unchecking the kind of the first cell hides every cell of that kind.
  await page.selectOption('#mf-target', '');
  const rel = all[0].rel;
  await page.locator(`input[name="rel"][value="${rel}"]`).uncheck();
  now = await cells(page);
  assert.deepEqual(now.filter((c) => c.visible).map((c) => c.row + c.col), all.filter((c) => c.rel !== rel).map((c) => c.row + c.col));
  assert.equal(await statusCount(page), all.filter((c) => c.rel !== rel).length);
  if (all.every((c) => c.rel === rel)) {
    assert.match(await page.locator('[data-matrix-status]').innerText(), /条件に合う対応はありません/);
    assert.deepEqual(await visibleRowIds(page), []);
  }
  await page.locator(`input[name="rel"][value="${rel}"]`).check();

  // Confidence, the same way.
  const conf = all[0].conf;
  await page.locator(`input[name="conf"][value="${conf}"]`).uncheck();
  now = await cells(page);
  assert.deepEqual(now.filter((c) => c.visible).map((c) => c.row + c.col), all.filter((c) => c.conf !== conf).map((c) => c.row + c.col));
  await page.locator(`input[name="conf"][value="${conf}"]`).check();

  // Chapter of the row guideline: only its rows stay (mapped or not).
  const firstRowChapter = await page.locator(`[data-matrix-table] tbody tr[id="${all[0].row}"]`).getAttribute('data-chapter');
  await page.selectOption('#mf-chapter', firstRowChapter);
  const rowsInChapter = await page.locator('[data-matrix-table] tbody tr[data-row]').evaluateAll((trs, ch) => trs.filter((tr) => tr.dataset.chapter === ch).map((tr) => tr.id), firstRowChapter);
  assert.deepEqual(await visibleRowIds(page), rowsInChapter);

  // Reset brings everything back; a reload restores a filter from the URL.
  await page.locator('.matrix-filters__reset').click();
  await page.waitForFunction(() => !document.querySelector('[data-matrix-table] tbody tr[hidden]'));
  assert.equal(await statusCount(page), all.length);
  await site.goto(page, `${PATH}?to=doc%3A${doc}`);
  assert.equal(await page.locator('#mf-target').inputValue(), `doc:${doc}`);
  assert.equal((await cells(page)).filter((c) => c.visible).length, all.filter((c) => c.doc === doc).length);

  await site.expectAccessible(page);
  await site.screenshot(page, 'matrix-filtered');
  site.expectClean(page);
});

test('matrix: a cell links both clauses; each link lands on the matching cross-reference', async () => {
  const page = await site.newPage({ viewport: DESKTOP });
  await site.goto(page, PATH);
  const cell = page.locator('[data-matrix-table] td[data-cell]').first();
  const rowLabel = (await cell.locator('xpath=ancestor::tr/th').innerText()).trim();
  const colId = await cell.getAttribute('data-col');
  const colHeader = page.locator(`[data-matrix-table] thead th[data-col="${colId}"] a`);
  const colUrl = await colHeader.getAttribute('href');
  const relLabel = (await cell.locator('.cell__from .visually-hidden').innerText()).split(': ').pop().split('、')[0];

  // The symbol link: the row clause's page, at its entry for the column clause.
  const from = cell.locator('a.cell__from');
  const fromHref = await from.getAttribute('href');
  const [fromPath, fromAnchor] = fromHref.split('#');
  assert.ok(fromAnchor.startsWith('map-'), fromHref);
  await Promise.all([page.waitForURL((u) => u.pathname === fromPath), from.click()]);
  assert.equal(new URL(page.url()).hash, `#${fromAnchor}`);
  assert.match((await page.locator('h1').innerText()).replace(/\s+/g, ' '), new RegExp(rowLabel.split(' ')[0].replace(/\./g, '\\.')));
  const entry = page.locator(`[id="${fromAnchor}"]`);
  await entry.waitFor({ state: 'visible' });
  assert.match(await entry.innerText(), new RegExp(relLabel));
  assert.equal(await entry.locator('a.xref__target').getAttribute('href'), colUrl);
  await site.expectAccessible(page);
  site.expectClean(page);

  // The arrow link: the column clause's page, at its 対応元 entry for the row clause.
  await site.goto(page, PATH);
  const to = page.locator('[data-matrix-table] td[data-cell]').first().locator('a.cell__to');
  const [toPath, toAnchor] = (await to.getAttribute('href')).split('#');
  assert.equal(toPath, colUrl);
  await Promise.all([page.waitForURL((u) => u.pathname === toPath), to.click()]);
  const back = page.locator(`[id="${toAnchor}"]`);
  await back.waitFor({ state: 'visible' });
  assert.equal(await back.locator('a.xref__target').getAttribute('href'), fromPath);
  site.expectClean(page);
});

test('matrix: symbols carry a text label and the legend explains every symbol', async () => {
  const page = await site.newPage({ viewport: DESKTOP });
  await site.goto(page, PATH);
  const labels = await page.locator('[data-matrix-table] td[data-cell] .cell__from').evaluateAll((as) => as.map((a) => ({
    symbol: a.querySelector('[aria-hidden="true"]').textContent,
    text: a.querySelector('.visually-hidden').textContent,
  })));
  const legend = await page.locator('.matrix-legend__list li').allInnerTexts();
  for (const l of labels) {
    assert.match(l.text, /→.*: .+、確度 [高中低]/, 'screen-reader text names both clauses, the relationship and confidence');
    assert.ok(legend.some((line) => line.startsWith(l.symbol)), `legend explains ${l.symbol}`);
  }
});

test('matrix on a desktop: the table uses the full page width and the TOC lists the generated sections', async () => {
  const page = await site.newPage({ viewport: DESKTOP });
  await site.goto(page, PATH);
  const box = (sel) => page.locator(sel).first().evaluate((e) => { const r = e.getBoundingClientRect(); return { left: r.left, right: r.right, width: r.width }; });
  const wrap = await box('.matrix-table-wrap');
  const main = await box('.site-main');
  const toc = await box('.toc');
  // Not squeezed into the reading column: it runs under the TOC to the page's right edge.
  assert.ok(wrap.right > toc.left, `table box ends at ${wrap.right}px, before the TOC at ${toc.left}px`);
  assert.ok(wrap.width >= main.width - 64, `table box ${wrap.width}px of ${main.width}px`);
  // The TOC links 対応表, 凡例, ダウンロード and 網羅状況, each to a heading on the page.
  const links = await page.locator('.toc a').evaluateAll((as) => as.map((a) => ({ text: a.textContent.trim(), href: a.getAttribute('href') })));
  for (const text of ['対応表', '凡例', 'ダウンロード', '対応の網羅状況']) {
    const link = links.find((l) => l.text === text);
    assert.ok(link, `TOC has ${text}: ${JSON.stringify(links)}`);
    assert.equal(await page.locator(`[id="${link.href.slice(1)}"]`).count(), 1, `${link.href} exists`);
  }
  await page.locator('.toc a', { hasText: '対応の網羅状況' }).click();
  assert.equal(new URL(page.url()).hash, '#coverage-heading');
  await site.expectAccessible(page);
  await site.screenshot(page, 'matrix-desktop', { fullPage: false });
  site.expectClean(page);
});

test('matrix on a phone: list view, no horizontal page scroll', async () => {
  const page = await site.newPage({ viewport: PHONE });
  await site.goto(page, PATH);
  assert.equal(await page.locator('.matrix-table-wrap').isVisible(), false, 'table hidden on a phone');
  const items = page.locator('[data-matrix-list] li[data-cell]');
  assert.ok(await items.count() > 0);
  assert.ok(await items.first().isVisible());
  // Each entry names the target's guideline: "6.3" exists in MHLW and METI alike.
  const docLabels = await page.locator('.matrix-table__doc').allTextContents();
  const targets = await items.locator('.matrix-list__target').allInnerTexts();
  assert.ok(targets.every((t) => docLabels.some((d) => t.startsWith(d.trim()))), `every entry starts with one of ${docLabels}: ${targets.slice(0, 3)}`);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page scrolls horizontally by ${overflow}px`);
  // The filters work on the list too.
  const rel = await items.first().getAttribute('data-rel');
  await page.locator(`input[name="rel"][value="${rel}"]`).uncheck();
  const shown = await items.evaluateAll((lis) => lis.filter((li) => !li.hidden && !li.closest('[data-row]').hidden).map((li) => li.dataset.rel));
  assert.ok(shown.every((r) => r !== rel));
  await site.expectAccessible(page);
  await site.screenshot(page, 'matrix-phone');
  site.expectClean(page);
});

test('matrix without JavaScript: the whole table, no filter form', async () => {
  const page = await site.newPage({ viewport: DESKTOP });
  await page.context().route('**/*.js', (route) => route.abort());
  await page.goto(site.url(PATH));
  assert.equal(await page.locator('[data-matrix-filters]').isVisible(), false);
  const hidden = await page.locator('[data-matrix-table] [hidden]').count();
  assert.equal(hidden, 0);
  assert.ok(await page.locator('[data-matrix-table] td[data-cell]').count() > 0);
});

// Issue 18: the successor guideline (prov11) is a target of its own. The shipped site's matrix
// offers it in the target filter (whole guideline and per chapter); a MIC clause's superseded
// notice links the successor sections its rows name, and the link lands on a page that lists the
// MIC clause back.
test('matrix: the successor guideline (prov11) filters like any target; the notice on a MIC clause leads there', async () => {
  const page = await site.newPage({ viewport: DESKTOP });
  await site.goto(page, PATH);
  await page.locator('[data-matrix-filters]').waitFor({ state: 'visible' });
  const all = await cells(page);
  const mine = all.filter((c) => c.doc === 'prov11');
  assert.ok(mine.length >= 30, `prov11 has its cells (${mine.length})`);
  assert.equal(await page.locator('#mf-target option[value="doc:prov11"]').count(), 1, 'a filter option for the whole guideline');

  await page.selectOption('#mf-target', 'doc:prov11');
  let now = await cells(page);
  assert.deepEqual(now.filter((c) => c.visible).map((c) => c.row + c.col), mine.map((c) => c.row + c.col));
  assert.equal(await statusCount(page), mine.length);
  const groups = await page.locator('[data-matrix-table] thead th.matrix-table__doc').evaluateAll((ths) => ths.filter((th) => !th.hidden).map((th) => th.dataset.doc));
  assert.deepEqual(groups, ['prov11'], 'only the prov11 column group stays');

  // One chapter of the successor: only its columns, and only the MIC rows mapped into it.
  const chapter = mine.find((c) => c.chapter === 'prov11-5')?.chapter ?? mine[0].chapter;
  await page.selectOption('#mf-target', `ch:${chapter}`);
  now = await cells(page);
  const inChapter = mine.filter((c) => c.chapter === chapter);
  assert.deepEqual(now.filter((c) => c.visible).map((c) => c.row + c.col), inChapter.map((c) => c.row + c.col));
  assert.deepEqual(await visibleRowIds(page), [...new Set(inChapter.map((c) => c.row))]);
  assert.match(new URL(page.url()).search, new RegExp(`to=ch%3A${chapter}`));
  await site.screenshot(page, 'matrix-prov11');
  await site.expectAccessible(page);
  site.expectClean(page);

  // A MIC row of that chapter: its page's notice links the successor section.
  const row = inChapter[0].row.replace(/^m-/, '');
  await page.locator(`[id="m-${row}"] th a`).click();
  await page.waitForURL((u) => u.pathname.startsWith('/mic/'));
  const notice = page.locator('[data-successors]');
  await notice.waitFor({ state: 'visible' });
  const target = notice.locator('a[data-successor^="prov11-"]').first();
  const targetId = await target.getAttribute('data-successor');
  await site.screenshot(page, 'notice-successor', { fullPage: false });
  await Promise.all([page.waitForURL((u) => u.pathname.startsWith('/prov11/')), target.click()]);
  assert.equal(await page.locator('meta[name="shishin-id"]').getAttribute('content'), targetId);
  assert.equal(await page.locator(`[id="map-from-${row}"]`).count(), 1, `${targetId} lists ${row} back`);
  await site.expectAccessible(page);
  site.expectClean(page);
});

test('開示書 page: the item table relates its items to the successor\'s 表4-1 and links each item', async () => {
  const page = await site.newPage({ viewport: DESKTOP });
  await site.goto(page, '/mic/annex-disclosure/');
  const rows = page.locator('[data-item-map="from"] tr[data-item-row]');
  assert.ok(await rows.count() >= 5, 'item rows are listed');
  const link = rows.locator('td:first-child a').first();
  const href = await link.getAttribute('href');
  assert.match(href, /^\/mic\/annex-disclosure\/#disc-/);
  await link.click();
  const anchor = decodeURIComponent(new URL(page.url()).hash.slice(1));
  assert.equal(anchor, href.split('#')[1]);
  assert.ok(await page.locator(`[id="${anchor}"]`).isVisible(), 'the linked item is on the page');
  await page.locator('#mapping-items').scrollIntoViewIfNeeded();
  await site.screenshot(page, 'disclosure-items', { fullPage: false });
  await site.expectAccessible(page);
  site.expectClean(page);

  const phone = await site.newPage({ viewport: PHONE });
  await site.goto(phone, '/prov11/4.1/');
  assert.ok(await phone.locator('[data-item-map="to"] tr[data-item-row]').count() >= 5);
  const overflow = await phone.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `the item table scrolls in its own box, not the page (${overflow}px)`);
  await site.expectAccessible(phone);
  await site.screenshot(phone, 'prov11-4.1-phone');
  site.expectClean(phone);
});
