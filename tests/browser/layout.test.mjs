// Layout of the theme in a real browser, on a phone (375 px) and a desktop (1280 px): the phone
// menu and folding TOC (with and without JS), the H1 in the first screen, inline boxes that must
// not overlap text, the fill-in template tables at full width, one search box on /search/, the
// home title, and printing from the dark theme.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { openSite, luminance, PHONE, DESKTOP, SITE_DIR } from './helpers.mjs';

let site;
before(async () => { site = await openSite(); });
after(async () => { await site?.close(); });

const CLAUSE = '/mic/3.2.1/';
/** Pages whose H1 must be visible without scrolling on a phone (one per layout, long titles included). */
const FIRST_SCREEN = ['/', CLAUSE, '/mic/3.2/', '/mapping/', '/mic/annex-disclosure/', '/glossary/', '/requirements/', '/about/credits/', '/search/'];

/** Bottom edge of the H1 relative to the viewport, after load (no scrolling). */
const h1Bottom = (page) => page.evaluate(() => document.querySelector('h1').getBoundingClientRect().bottom);

test('phone: the nav folds behind a menu button; the H1 is in the first screen on every layout', async () => {
  const page = await site.newPage({ viewport: PHONE });
  for (const path of FIRST_SCREEN) {
    await site.goto(page, path);
    const bottom = await h1Bottom(page);
    assert.ok(bottom <= PHONE.height, `${path}: the H1 ends at ${Math.round(bottom)} px, below the first screen (${PHONE.height} px)`);
    assert.equal(await page.locator('#site-nav').isVisible(), false, `${path}: the nav is folded`);
  }
  await site.goto(page, CLAUSE);
  await site.screenshot(page, 'layout-phone-clause-top', { fullPage: false });
  const menu = page.locator('[data-nav-toggle]');
  assert.equal(await menu.isVisible(), true);
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  assert.equal(await menu.getAttribute('aria-controls'), 'site-nav');
  assert.match(await menu.innerText(), /メニュー/);

  // Mouse: open, the links are there and usable; close again.
  await menu.click();
  assert.equal(await menu.getAttribute('aria-expanded'), 'true');
  const links = page.locator('#site-nav a');
  assert.ok((await links.count()) >= 3);
  for (const link of await links.all()) assert.equal(await link.isVisible(), true);
  await site.screenshot(page, 'layout-phone-menu-open', { fullPage: false });
  await menu.click();
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  assert.equal(await page.locator('#site-nav').isVisible(), false);

  // Keyboard: Tab reaches the button, Enter opens, Tab moves into the nav, Escape closes and
  // returns focus to the button.
  await site.goto(page, CLAUSE); // focus navigation starts at the top again
  let guard = 0;
  while (!(await menu.evaluate((el) => el === document.activeElement)) && guard++ < 20) await page.keyboard.press('Tab');
  assert.ok(guard < 20, 'Tab reaches the menu button');
  await page.keyboard.press('Enter');
  assert.equal(await menu.getAttribute('aria-expanded'), 'true');
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.closest('#site-nav') !== null), true, 'Tab after the button goes into the nav');
  await page.keyboard.press('Escape');
  assert.equal(await menu.getAttribute('aria-expanded'), 'false');
  assert.equal(await menu.evaluate((el) => el === document.activeElement), true, 'Escape returns focus to the button');

  // Follow a link from the open menu.
  await menu.click();
  const target = await links.first().getAttribute('href');
  await Promise.all([page.waitForURL((u) => u.pathname === target), links.first().click()]);
  await site.expectAccessible(page);
  site.expectClean(page);
});

test('phone: the TOC is folded above the article and opens on demand; desktop shows it open', async () => {
  const page = await site.newPage({ viewport: PHONE });
  await site.goto(page, CLAUSE);
  const toc = page.locator('[data-toc]');
  assert.equal(await toc.evaluate((d) => d.open), false);
  assert.equal(await page.locator('aside.toc a').first().isVisible(), false);
  await page.locator('.toc__title').click();
  assert.equal(await page.locator('aside.toc a').first().isVisible(), true);
  site.expectClean(page);

  const wide = await site.newPage({ viewport: DESKTOP });
  await site.goto(wide, CLAUSE);
  assert.equal(await wide.locator('[data-toc]').evaluate((d) => d.open), true);
  assert.equal(await wide.locator('aside.toc a').first().isVisible(), true);
  assert.equal(await wide.locator('[data-nav-toggle]').isVisible(), false, 'no menu button on a desktop');
  assert.equal(await wide.locator('#site-nav').isVisible(), true);
  site.expectClean(wide);
});

test('phone without JavaScript: no dead buttons, the nav and the TOC are shown', async () => {
  const page = await site.newPage({ viewport: PHONE, javaScript: false });
  await site.goto(page, CLAUSE);
  assert.equal(await page.locator('html.js').count(), 0, 'no script ran');
  assert.equal(await page.locator('[data-nav-toggle]').isVisible(), false);
  assert.equal(await page.locator('[data-theme-toggle]').isVisible(), false, 'nor a dead theme button');
  assert.equal(await page.locator('#site-nav').isVisible(), true);
  for (const link of await page.locator('#site-nav a').all()) assert.equal(await link.isVisible(), true);
  assert.equal(await page.locator('aside.toc a').first().isVisible(), true);
  await site.screenshot(page, 'layout-phone-nojs', { fullPage: false });
});

/** Inline elements with a border (badges, relationship boxes, links) whose box covers text
 *  outside them: the symptom of a boxed inline element with padding that wraps over lines. */
function boxesOverText(page) {
  return page.evaluate(() => {
    const found = [];
    const inline = (el) => /^inline/.test(getComputedStyle(el).display);
    const bordered = [...document.querySelectorAll('main *')].filter((el) => {
      const s = getComputedStyle(el);
      return inline(el) && s.visibility !== 'hidden' && ['Top', 'Right', 'Bottom', 'Left'].some((side) => parseFloat(s[`border${side}Width`]) > 0);
    });
    for (const el of bordered) {
      let block = el.parentElement;
      while (block && inline(block)) block = block.parentElement;
      const boxes = [...el.getClientRects()];
      const walker = document.createTreeWalker(block, NodeFilter.SHOW_TEXT);
      for (let node = walker.nextNode(); node; node = walker.nextNode()) {
        if (el.contains(node) || node.textContent.trim() === '') continue;
        const range = document.createRange();
        range.selectNodeContents(node);
        for (const t of range.getClientRects()) {
          for (const b of boxes) {
            const w = Math.min(t.right, b.right) - Math.max(t.left, b.left);
            const h = Math.min(t.bottom, b.bottom) - Math.max(t.top, b.top);
            if (w > 2 && h > 2) {
              found.push(`<${el.tagName.toLowerCase()} class="${el.className}">${el.textContent.trim().slice(0, 20)}</…> covers "${node.textContent.trim().slice(0, 20)}"`);
            }
          }
        }
      }
    }
    return [...new Set(found)];
  });
}

for (const [name, viewport] of [['phone', PHONE], ['desktop', DESKTOP]]) {
  test(`${name}: badges, relationship boxes and [[id]] links do not cover text (mapping page, clause page)`, async () => {
    const page = await site.newPage({ viewport });
    for (const path of ['/mapping/', CLAUSE, '/mic/3.5/']) {
      if (!site.has(path)) continue;
      await site.goto(page, path);
      assert.deepEqual(await boxesOverText(page), [], `${path} at ${viewport.width} px`);
      // Cross-reference links in the text are plain links, not boxes.
      const xref = page.locator('.prose a.xref').first();
      if (await xref.count()) {
        const s = await xref.evaluate((a) => { const c = getComputedStyle(a); return [c.borderTopWidth, c.paddingTop]; });
        assert.deepEqual(s, ['0px', '0px'], `${path}: [[id]] links have no border or padding`);
      }
    }
    site.expectClean(page);
  });
}

test('every page of the sitemap on a phone: no sideways scrolling, no inline box over text', async () => {
  const sitemap = readFileSync(join(SITE_DIR, 'sitemap.xml'), 'utf8');
  const paths = [...sitemap.matchAll(/<loc>([^<]+)<\/loc>/g)].map((m) => new URL(m[1]).pathname);
  assert.ok(paths.length > 5, 'the sitemap lists the pages');
  const page = await site.newPage({ viewport: PHONE });
  const bad = [];
  for (const path of paths) {
    await site.goto(page, path);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    if (width > PHONE.width) bad.push(`${path}: scrollWidth ${width}`);
    for (const b of await boxesOverText(page)) bad.push(`${path}: ${b}`);
  }
  assert.deepEqual(bad, []);
  site.expectClean(page);
});

test('phone: the mapping list puts the relationship beside its target; filtered-out items disappear', async () => {
  const page = await site.newPage({ viewport: PHONE });
  await site.goto(page, '/mapping/');
  const items = page.locator('[data-matrix-list] li[data-cell]');
  const first = items.first();
  // The relationship box and the target link start on the same line.
  const [rel, target] = await first.evaluate((li) => [li.querySelector('.rel'), li.querySelector('.matrix-list__target a')].map((el) => el.getClientRects()[0].top));
  assert.ok(Math.abs(rel - target) < 12, `relationship (${rel}) and target (${target}) share the first line`);
  // Filter by one target guideline: in a clause with targets in both guidelines, the other
  // guideline's items are hidden while the clause stays.
  const docs = await items.evaluateAll((lis) => [...new Set(lis.map((li) => li.dataset.doc))]);
  await page.selectOption('#mf-target', `doc:${docs[docs.length - 1]}`);
  const state = await items.evaluateAll((lis) => lis.map((li) => ({ hidden: li.hidden, shown: li.getClientRects().length > 0, inShownRow: !li.closest('[data-row]').hidden })));
  assert.ok(state.some((li) => li.hidden && li.inShownRow), 'the filter hides some items of a clause that stays listed');
  assert.deepEqual(state.filter((li) => li.hidden && li.shown), [], 'an item marked hidden is not shown');
  assert.ok(state.some((li) => !li.hidden && li.shown));
  site.expectClean(page);
});

/** Selects narrower than they need to be to show their longest option (「（未選択）」…): each is
 *  compared with a free-standing copy of itself at its natural width. */
function selectClipping(page) {
  return page.locator('select[data-answer]').evaluateAll((selects) => {
    const clipped = [];
    for (const s of selects) {
      const natural = s.cloneNode(true);
      natural.removeAttribute('id');
      // CSSOM from CDP evaluation (not a style="" in the page's markup).
      Object.assign(natural.style, { position: 'absolute', width: 'auto', minWidth: '0', maxWidth: 'none', display: 'inline-block' });
      document.body.append(natural);
      const want = natural.getBoundingClientRect().width;
      natural.remove();
      const got = s.getBoundingClientRect().width;
      if (got < want - 1) clipped.push(`${s.id}: ${Math.round(got)} px wide, its options need ${Math.round(want)} px`);
    }
    return clipped;
  });
}

test('template form: the tables use the full page width on a desktop, no select is clipped', async () => {
  const page = await site.newPage({ viewport: DESKTOP });
  await site.goto(page, '/mic/annex-disclosure/');
  await page.locator('[data-answer-tools]').waitFor({ state: 'visible' });
  const [main, prose, widest] = await page.evaluate(() => {
    const m = document.querySelector('.site-main');
    const s = getComputedStyle(m);
    return [
      m.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight),
      document.querySelector('.prose').getBoundingClientRect().width,
      Math.max(...[...document.querySelectorAll('.answer-table')].map((t) => t.getBoundingClientRect().width)),
    ];
  });
  assert.ok(widest >= main - 2, `the widest table is ${Math.round(widest)} px of the ${Math.round(main)} px available`);
  assert.ok(widest > prose + 100, `the tables (${Math.round(widest)} px) are wider than the text column (${Math.round(prose)} px)`);
  assert.deepEqual(await selectClipping(page), []);
  // The form sits below the text and the TOC; the TOC leads to it.
  await Promise.all([page.waitForURL((u) => u.hash === '#template-items'), page.locator('aside.toc a[href="#template-items"]').click()]);
  await site.screenshot(page, 'layout-desktop-disclosure-form', { fullPage: false });
  // Scrolled down to the tables, the sticky TOC must not float over them.
  await page.locator('.answer-table').nth(2).scrollIntoViewIfNeeded();
  const over = await page.evaluate(() => {
    const toc = document.querySelector('aside.toc').getBoundingClientRect();
    return [...document.querySelectorAll('.answer-table')].map((t) => t.getBoundingClientRect())
      .filter((t) => Math.min(t.right, toc.right) - Math.max(t.left, toc.left) > 0 && Math.min(t.bottom, toc.bottom) - Math.max(t.top, toc.top) > 0).length;
  });
  assert.equal(over, 0, 'the TOC overlaps a table');
  await site.expectAccessible(page);
  site.expectClean(page);
});

test('template form on a phone: rows become cards with a visible label per field, nothing scrolls sideways', async () => {
  for (const path of ['/mic/annex-disclosure/', '/mic/annex-sla/']) {
    const page = await site.newPage({ viewport: PHONE });
    await site.goto(page, path);
    await page.locator('[data-answer-tools]').waitFor({ state: 'visible' });
    assert.deepEqual(await selectClipping(page), [], path);
    const sideways = await page.locator('.answer-table-wrap').evaluateAll((ws) => ws.filter((w) => w.scrollWidth > w.clientWidth + 1).length);
    assert.equal(sideways, 0, `${path}: no table scrolls sideways`);
    assert.ok(await page.evaluate(() => document.documentElement.scrollWidth) <= PHONE.width);
    // Every control shows its column's header above it; its accessible name still comes from the table headers.
    const cells = await page.locator('td.answer-cell').evaluateAll((tds) => tds.map((td) => ({
      heading: td.querySelector('.answer-cell__heading')?.getBoundingClientRect().height ?? 0,
      control: td.querySelector('[data-answer]').getBoundingClientRect().width,
      width: td.getBoundingClientRect().width,
    })));
    assert.ok(cells.length > 0);
    for (const c of cells) {
      assert.ok(c.heading > 0, `${path}: a field without a visible label`);
      assert.ok(c.control >= c.width * 0.8, `${path}: controls use the card width`);
    }
    await site.screenshot(page, `layout-phone-${path.split('/')[2]}-form`);
    await site.expectAccessible(page);
    site.expectClean(page);
  }
});

test('home: the H1 and <title> are the site title shown in the header', async () => {
  const page = await site.newPage({ viewport: DESKTOP });
  await site.goto(page, '/');
  const header = (await page.locator('.site-title').innerText()).trim();
  assert.ok(header.length > 0);
  assert.equal((await page.locator('h1').innerText()).trim(), header);
  assert.equal(await page.title(), header);
  assert.equal(await page.locator('meta[property="og:title"]').getAttribute('content'), header);
  // The breadcrumb of every page starts with the same name.
  await site.goto(page, CLAUSE);
  assert.equal((await page.locator('nav.breadcrumbs a').first().innerText()).trim(), header);
  site.expectClean(page);
});

test('search page: one search box, the page\'s own; "/" focuses it; other pages keep the header box', async () => {
  const page = await site.newPage({ viewport: DESKTOP });
  await site.goto(page, '/search/?q=%E6%9A%97%E5%8F%B7%E5%8C%96');
  assert.equal(await page.locator('input[type="search"]').count(), 1);
  assert.equal(await page.locator('[data-search-input]').count(), 1);
  assert.equal(await page.locator('[data-search-input]').inputValue(), '暗号化');
  await page.locator('h1').click();
  await page.keyboard.press('/');
  assert.equal(await page.evaluate(() => document.activeElement?.matches('[data-search-input]')), true);
  assert.equal(await page.locator('[data-search-input]').inputValue(), '暗号化', '"/" is not typed into the box');
  // The query's results are listed, so its index fetches are over: leaving earlier aborts them.
  await page.waitForSelector('[data-search-results] a');
  site.expectClean(page);

  await site.goto(page, CLAUSE);
  assert.equal(await page.locator('input[type="search"]').count(), 1);
  assert.equal(await page.locator('#site-search').isVisible(), true);
  site.expectClean(page);
});

test('print from the dark theme: a light page, readable banner, no site furniture', async () => {
  for (const stored of [null, 'dark']) {
    const page = await site.newPage({ viewport: DESKTOP, colorScheme: 'dark' });
    await site.goto(page, CLAUSE);
    if (stored) {
      await page.locator('[data-theme-toggle]').click(); // dark (system) → light → dark: stored choice
      await page.locator('[data-theme-toggle]').click();
      assert.equal(await page.locator('html').getAttribute('data-theme'), stored);
    }
    await page.emulateMedia({ media: 'print' });
    for (const sel of ['.site-header', '.site-footer', 'aside.toc', '.prev-next']) {
      assert.equal(await page.locator(sel).first().isVisible(), false, `${sel} is not printed`);
    }
    const colours = await page.evaluate(() => ['body', '.banner--superseded', '.page-meta'].map((sel) => {
      const el = document.querySelector(sel);
      return el ? [getComputedStyle(el).backgroundColor, getComputedStyle(el).color] : null;
    }));
    const [body, banner] = colours;
    assert.ok(luminance(body[0]) > 0.9 && luminance(body[1]) < 0.05, `body prints black on white: ${body}`);
    if (banner) assert.ok(luminance(banner[0]) > 0.8, `the superseded note prints on a light background: ${banner}`);
    // On paper a relative permalink leads nowhere: the printed one is the absolute URL.
    const printed = (await page.locator('.page-meta .permalink').innerText()).trim();
    assert.match(printed, /^固定リンク: https?:\/\/\S+\/mic\/3\.2\.1\/$/, `printed permalink: ${printed}`);
    await site.expectAccessible(page); // contrast of every printed text
    await site.screenshot(page, `layout-print-${stored ?? 'system'}-dark`);
    site.expectClean(page);
  }
});


/** The lines an element's text is laid out on (text of each line box, in order). */
const renderedLines = (page, selector) => page.evaluate((sel) => {
  const lines = [];
  let top = null;
  const walker = document.createTreeWalker(document.querySelector(sel), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    for (let i = 0; i < node.length; i++) {
      const range = document.createRange();
      range.setStart(node, i);
      range.setEnd(node, i + 1);
      const rect = range.getClientRects()[0];
      if (rect && top !== null && rect.top - top > 2) lines.push('');
      if (rect) top = rect.top;
      if (!lines.length) lines.push('');
      lines[lines.length - 1] += node.data[i];
    }
  }
  return lines;
}, selector);

test('phone: the site title wraps between words, never inside one (安全管|理)', async () => {
  // The words of the shipped title (shishin.yaml); a line may end only where a word ends.
  const WORDS = ['医療情報', 'クラウド', '安全管理', 'ガイドライン ', 'リファレンス'];
  const page = await site.newPage({ viewport: PHONE });
  for (const [path, selector] of [[CLAUSE, '.site-title'], ['/', 'h1']]) {
    await site.goto(page, path);
    const lines = await renderedLines(page, selector);
    assert.equal(lines.join(''), WORDS.join(''), `${path} ${selector}: the title is the shipped one`);
    assert.ok(lines.length > 1, `${path} ${selector}: the title wraps on a phone (else this test proves nothing): ${lines}`);
    let word = 0;
    let text = '';
    for (const line of lines) {
      text += line;
      while (text.length > WORDS.slice(0, word + 1).join('').length) word++;
      assert.equal(text, WORDS.slice(0, word + 1).join(''), `${path} ${selector}: a line ends inside a word: ${JSON.stringify(lines)}`);
    }
  }
  await site.goto(page, CLAUSE);
  await site.screenshot(page, 'layout-phone-header-title', { fullPage: false });
  site.expectClean(page);
});
