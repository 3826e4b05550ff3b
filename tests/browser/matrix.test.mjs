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
