// Site-wide end-to-end tests of the shipped site (built by scripts/test into target/e2e-site):
// navigation, clause page furniture, dark mode, phone layout, and for every page template:
// no console errors, no CSP violations, no serious/critical axe violations, a screenshot.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { openSite, assertSecurityHeaders, luminance, PHONE, DESKTOP } from './helpers.mjs';

let site;
before(async () => { site = await openSite(); });
after(async () => { await site?.close(); });

/** One page per template of the theme (layouts + page.html + 404). */
const TEMPLATES = [
  { name: 'home', path: '/' },
  { name: 'clause', path: '/mic/3.2.1/' },
  { name: 'section', path: '/mic/3/' },
  { name: 'glossary', path: '/glossary/' },
  { name: 'requirements', path: '/requirements/' },
  { name: 'credits', path: '/about/credits/' },
  { name: 'matrix', path: '/mapping/' },
  { name: 'disclosure', path: '/mic/annex-disclosure/' },
  { name: 'sla', path: '/mic/annex-sla/' },
  { name: 'search', path: '/search/?q=%E6%9A%97%E5%8F%B7%E5%8C%96' }, // ?q=暗号化
  { name: '404', path: '/no-such-page/', status: 404 },
];

/** Click a link and wait for the navigation it starts. */
async function follow(page, locator) {
  const href = await locator.getAttribute('href');
  const target = new URL(href, page.url()).pathname;
  await Promise.all([page.waitForURL((u) => u.pathname === target), locator.click()]);
}

test('home → 第3章 → 3.2 → 3.2.1 by clicking links; breadcrumbs, prev/next and the TOC work', async () => {
  const page = await site.newPage();
  await site.goto(page, '/');
  await follow(page, page.locator('.site-nav a[href$="/mic/"]'));
  await follow(page, page.locator('main a[href$="/mic/3/"]').first());
  await follow(page, page.locator('main a[href$="/mic/3.2/"]').first());
  await follow(page, page.locator('main a[href$="/mic/3.2.1/"]').first());
  await site.settle(page);
  site.expectClean(page);

  assert.match(await page.locator('h1').innerText(), /3\.2\.1\s*組織的安全管理対策/);
  assert.equal(await page.locator('meta[name="shishin-id"]').getAttribute('content'), 'mic-3.2.1');

  // Breadcrumbs: home → corpus → chapter → section, then the current page (not a link).
  const crumbs = page.locator('nav.breadcrumbs a');
  const hrefs = await crumbs.evaluateAll((as) => as.map((a) => a.getAttribute('href')));
  assert.deepEqual(hrefs, ['/', '/mic/', '/mic/3/', '/mic/3.2/']);
  assert.match(await page.locator('nav.breadcrumbs [aria-current="page"]').innerText(), /^3\.2\.1/);

  // Prev/next lead to the neighbouring clauses in reading order.
  assert.equal(await page.locator('a[rel="prev"]').getAttribute('href'), '/mic/3.2/');
  const next = page.locator('a[rel="next"]');
  assert.equal(await next.getAttribute('href'), '/mic/3.2.2/');
  await follow(page, next);
  assert.match(await page.locator('h1').innerText(), /^3\.2\.2/);
  await page.goBack();
  await page.waitForURL((u) => u.pathname === '/mic/3.2.1/');

  // TOC: clicking an entry puts its heading id in the URL and scrolls the heading into view.
  const links = page.locator('aside.toc a');
  assert.ok((await links.count()) >= 3, 'the clause page has a TOC with its headings');
  const link = links.nth(2);
  const anchor = decodeURIComponent((await link.getAttribute('href')).slice(1));
  await page.evaluate(() => window.scrollTo(0, 0)); // goBack restores the old scroll position
  const topBefore = await page.evaluate((id) => document.getElementById(id).getBoundingClientRect().top, anchor);
  assert.ok(topBefore > (await page.evaluate(() => window.innerHeight / 3)), 'the heading starts out of the top third of the view');
  await link.click();
  await page.waitForFunction((id) => {
    const el = document.getElementById(id);
    const top = el && el.getBoundingClientRect().top;
    return el && top >= -2 && top < window.innerHeight / 3;
  }, anchor, { timeout: 5000 });
  assert.equal(decodeURIComponent(new URL(page.url()).hash.slice(1)), anchor);
  assert.ok((await page.evaluate(() => window.scrollY)) > 0, 'the page scrolled down to the heading');
  assert.equal(await page.evaluate((id) => document.getElementById(id).tagName, anchor), 'H2');
  await site.settle(page);
  site.expectClean(page);
});

test('dark mode: the toggle sets data-theme=dark, darkens the page and survives a reload', async () => {
  const page = await site.newPage({ colorScheme: 'light' });
  await site.goto(page, '/mic/3.2.1/');
  const background = () => page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  const lightBg = await background();
  const toggle = page.locator('[data-theme-toggle]');
  assert.equal(await toggle.getAttribute('aria-pressed'), 'false');
  await toggle.click();
  assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  const darkBg = await background();
  assert.notEqual(darkBg, lightBg);
  assert.ok(luminance(darkBg) < 0.1, `dark background is dark (${darkBg})`);

  await page.reload();
  assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark', 'the choice persists after reload');
  assert.equal(await background(), darkBg);
  assert.equal(await page.locator('[data-theme-toggle]').getAttribute('aria-pressed'), 'true');
  await site.expectAccessible(page); // contrast in the dark palette
  await site.screenshot(page, 'clause-dark');

  // …and on another page of the site, and back to light.
  await site.goto(page, '/glossary/');
  assert.equal(await page.locator('html').getAttribute('data-theme'), 'dark');
  await page.locator('[data-theme-toggle]').click();
  await page.reload();
  assert.equal(await page.locator('html').getAttribute('data-theme'), 'light');
  await site.settle(page);
  site.expectClean(page);
});

test('dark mode follows the system setting when nothing is stored', async () => {
  const page = await site.newPage({ colorScheme: 'dark' });
  await site.goto(page, '/');
  assert.ok(luminance(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)) < 0.1);
  assert.equal(await page.locator('[data-theme-toggle]').getAttribute('aria-pressed'), 'true');
  await site.settle(page);
  site.expectClean(page);
});

for (const path of ['/', '/mic/3.2.1/', '/mapping/', '/mic/annex-disclosure/']) {
  test(`phone 375×667: no horizontal scrolling on ${path}`, async () => {
    const page = await site.newPage({ viewport: PHONE });
    await site.goto(page, path);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    const name = path === '/' ? 'home' : path.replaceAll('/', ' ').trim().replaceAll(' ', '-');
    await site.screenshot(page, `phone-${name}`);
    assert.ok(width <= PHONE.width, `${path}: scrollWidth ${width} > ${PHONE.width}; widest elements: ${await widest(page)}`);
    await site.settle(page);
  site.expectClean(page);
  });
}

for (const t of TEMPLATES) {
  test(`${t.name} (${t.path}): no console errors, no CSP violations, no serious axe violations, no sideways scrolling`, async () => {
    const page = await site.newPage();
    await site.goto(page, t.path, { status: t.status });
    await site.expectAccessible(page);
    await site.screenshot(page, `desktop-${t.name}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= DESKTOP.width, `${t.path}: the page scrolls sideways at ${DESKTOP.width} px (scrollWidth ${width}); widest: ${await widest(page)}`);
    await site.settle(page);
  site.expectClean(page);
  });
}

for (const t of TEMPLATES) {
  test(`${t.name} (${t.path}) in dark mode: no serious axe violations (contrast of the dark palette)`, async () => {
    const page = await site.newPage({ colorScheme: 'dark' });
    await site.goto(page, t.path, { status: t.status });
    assert.ok(luminance(await page.evaluate(() => getComputedStyle(document.body).backgroundColor)) < 0.1, 'the dark palette is applied');
    await site.expectAccessible(page);
    site.expectClean(page);
  });
}

test('the 404 page answers with status 404 and leads home and to search', async () => {
  const page = await site.newPage();
  await site.goto(page, '/mic/9.9.9/', { status: 404 });
  assert.match(await page.locator('h1').innerText(), /404/);
  assert.equal(await page.locator('main a[href="/"]').count(), 1);
  assert.equal(await page.locator('main a[href^="/search/"]').count(), 1);
  await site.settle(page);
  site.expectClean(page);
});

test('every page is served with the netlify.toml security headers', async () => {
  for (const path of ['/', '/mic/3.2.1/', '/no-such-page/']) {
    assertSecurityHeaders(await fetch(site.url(path)), path);
  }
});


/** The elements that stick out furthest to the right (for a useful overflow message). */
function widest(page) {
  return page.evaluate(() => {
    const vw = document.documentElement.clientWidth;
    return [...document.querySelectorAll('body *')]
      .map((el) => ({ el, right: el.getBoundingClientRect().right }))
      .filter((x) => x.right > vw + 1)
      .sort((a, b) => b.right - a.right)
      .slice(0, 5)
      .map(({ el, right }) => `${el.tagName.toLowerCase()}${el.id ? '#' + el.id : ''}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} (right=${Math.round(right)})`)
      .join(', ');
  });
}

test('a body rebuilt from MHLW says so once, under the title, and the page states its confidence', async () => {
  const page = await site.newPage();
  await site.goto(page, '/mic/3.2.6/');
  assert.equal(await page.locator('meta[name="shishin-confidence"]').getAttribute('content'), 'low');
  const notice = page.locator('[data-rebuilt-notice]');
  assert.equal(await notice.count(), 1, 'one notice');
  assert.ok(await notice.isVisible());
  assert.match(await notice.innerText(), /本文から直接まとめたものではありません/);
  assert.equal(await notice.locator('a').getAttribute('href'), '/mhlw5/6.8/');
  assert.match(await notice.locator('a').innerText(), /6\.8 情報システムの改造と保守/);
  assert.equal(await page.locator('.prose').getByText('組み立て直したものです').count(), 0, 'no pasted disclaimer in the body');
  // The notice sits between the title and the text, above the first screen's fold.
  const [h1, box, prose] = await Promise.all([page.locator('h1').boundingBox(), notice.boundingBox(), page.locator('.prose').boundingBox()]);
  assert.ok(h1.y < box.y && box.y < prose.y && box.y < 800, `order: h1 ${h1.y}, notice ${box.y}, prose ${prose.y}`);
  await site.expectAccessible(page);
  await site.screenshot(page, 'clause-rebuilt-notice', { fullPage: false });
  site.expectClean(page);
});
