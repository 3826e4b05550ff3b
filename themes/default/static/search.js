// search.js — the search page (/search/): reads ?q=, searches the static index as the user types,
// keeps the query in the URL and lists results inside [data-search-results]. No framework, no
// eval, no innerHTML: every node is built with createElement/textContent (CSP-safe, and indexed
// text can never become markup). The ranking code lives in search-core.js (also run by Node tests).
// The "/" shortcut to the header search box is site.js's, on every page.
import { StaticIndex, QueryError, byteRange } from './search-core.js';

// Results listed at first, and added by each press of the "more" button: the first query fetches
// the display files of these pages only.
const PAGE = 10;
const DEBOUNCE_MS = 120;

const results = document.querySelector('[data-search-results]');
const meta = document.querySelector('meta[name="shishin-search"]');

if (results) start();

function start() {
  const form = document.querySelector('[data-search-form]');
  const input = document.querySelector('[data-search-input]');
  const status = document.querySelector('[data-search-status]');
  if (!input || !status) return;
  if (!meta) {
    status.textContent = 'このサイトには検索インデックスがありません。';
    return;
  }
  // The index URL carries the base path: <base>search/<hash>/.
  const indexUrl = new URL(meta.content, window.location.href);
  const base = indexUrl.pathname.replace(/search\/[^/]+\/$/, '');
  let indexPromise = null;
  // A blob member (search-core.js `blobMember`), a page's record and a page after its record
  // ([start] alone: to the end) come by HTTP range requests; a server that ignores Range sends
  // the whole file (200), which still works, at its cost.
  let wholeBlobSeen = false;
  const loadIndexFile = async (path, range) => {
    const headers = range ? { Range: `bytes=${range[0]}-${range.length > 1 ? range[1] - 1 : ''}` } : {};
    const response = await fetch(new URL(path, indexUrl), { credentials: 'same-origin', headers });
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    const bytes = await response.arrayBuffer();
    if (!range || response.status === 206) return bytes;
    if (!wholeBlobSeen) console.info('search: the server ignores Range requests; the index is fetched in whole files (README, Deploy)');
    wholeBlobSeen = true;
    return byteRange(bytes, range);
  };
  const openIndex = () => {
    indexPromise ||= StaticIndex.open(loadIndexFile).catch((err) => {
      indexPromise = null; // let the next keystroke try again
      throw err;
    });
    return indexPromise;
  };
  // Opened at once: meta.json is preloaded by the page (search.html), so the first query does not
  // wait for it; a failure here is retried and reported by the first query.
  openIndex().catch(() => {});

  // "さらに表示" after the list, shown while more results exist.
  const more = document.createElement('button');
  more.type = 'button';
  more.className = 'search-more';
  more.textContent = 'さらに表示';
  more.hidden = true;
  results.after(more);

  let generation = 0;
  let timer = 0;
  let latest = Promise.resolve(); // the run for the query now in the box

  async function run(query, limit = PAGE) {
    const mine = ++generation;
    more.hidden = true;
    if (query.trim() === '') {
      results.replaceChildren();
      status.textContent = '検索語を入力してください（例: 暗号化、3.2.1、mhlw5 6.12、"医療情報"）。';
      return;
    }
    status.textContent = '検索しています…';
    try {
      const index = await openIndex();
      const { query: parsed, hits, more: hasMore } = await index.search(query, limit);
      const shown = await Promise.all(hits.map((hit) => index.present(hit, parsed)));
      if (mine !== generation) return;
      const before = results.children.length;
      results.replaceChildren(...shown.map((hit) => renderHit(hit, base)));
      more.hidden = !hasMore;
      more.dataset.limit = String(limit + PAGE);
      // Echo the query without control or format characters (a U+202E would reverse the message).
      const echo = query.replace(/[\p{Cc}\p{Cf}]/gu, '');
      status.textContent = shown.length === 0
        ? `「${echo}」に一致するページはありません。`
        : `「${echo}」の検索結果: ${shown.length}件${more.hidden ? '' : '以上'}`;
      return before;
    } catch (err) {
      if (mine !== generation) return;
      results.replaceChildren();
      status.textContent = err instanceof QueryError ? err.message : '検索インデックスを読み込めませんでした。再読み込みしてください。';
      if (!(err instanceof QueryError)) console.error(err);
    }
  }

  // More results of the same query; the focus moves to the first new one (it was on the button).
  more.addEventListener('click', () => {
    latest = run(input.value, Number(more.dataset.limit)).then((before) => {
      const links = results.querySelectorAll('a');
      if (before !== undefined && links[before]) links[before].focus();
    });
  });

  function keepInUrl(query) {
    const url = new URL(window.location.href);
    if (query === '') url.searchParams.delete('q');
    else url.searchParams.set('q', query);
    window.history.replaceState(null, '', url);
  }

  function searchNow() {
    window.clearTimeout(timer);
    timer = 0;
    keepInUrl(input.value);
    latest = run(input.value);
  }

  input.addEventListener('input', () => {
    window.clearTimeout(timer);
    timer = window.setTimeout(searchNow, DEBOUNCE_MS);
  });

  if (form) {
    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      searchNow();
    });
  }

  // ArrowDown from the box enters the list; ArrowUp/ArrowDown move between results; ArrowUp from
  // the first result returns to the box. Enter on a focused result follows its link.
  // A query typed but not yet searched (debounce) is searched first, so ArrowDown never lands on
  // the results of an older query.
  input.addEventListener('keydown', (ev) => {
    if (ev.key !== 'ArrowDown' || ev.isComposing) return; // IME candidates use the arrows
    if (timer === 0 && !results.querySelector('a')) return;
    ev.preventDefault();
    if (timer !== 0) searchNow();
    const mine = generation;
    latest.then(() => {
      if (mine !== generation || document.activeElement !== input) return;
      results.querySelector('a')?.focus();
    });
  });
  results.addEventListener('keydown', (ev) => {
    if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
    const links = Array.from(results.querySelectorAll('a'));
    const at = links.indexOf(document.activeElement);
    if (at === -1) return;
    ev.preventDefault();
    const next = ev.key === 'ArrowDown' ? Math.min(at + 1, links.length - 1) : at - 1;
    if (next < 0) input.focus();
    else links[next].focus();
  });

  const initial = new URL(window.location.href).searchParams.get('q') || '';
  input.value = initial;
  const header = document.getElementById('site-search');
  if (header && header !== input) header.value = initial;
  latest = run(initial);
  if (initial === '') input.focus();
}

function span(className, text) {
  const el = document.createElement('span');
  el.className = className;
  el.textContent = text;
  return el;
}

/** Text with <mark> around highlight ranges (in characters of text). */
function markedText(text, highlights) {
  const chars = Array.from(text);
  const nodes = [];
  let at = 0;
  for (const [a, b] of highlights) {
    if (a < at || b > chars.length) continue;
    if (a > at) nodes.push(document.createTextNode(chars.slice(at, a).join('')));
    const mark = document.createElement('mark');
    mark.textContent = chars.slice(a, b).join('');
    nodes.push(mark);
    at = b;
  }
  if (at < chars.length) nodes.push(document.createTextNode(chars.slice(at).join('')));
  return nodes;
}

function renderHit(hit, base) {
  const li = document.createElement('li');
  li.className = 'search-result';
  const link = document.createElement('a');
  link.className = 'search-result__link';
  link.href = base.replace(/\/$/, '') + hit.url;
  if (hit.number) link.append(span('search-result__number', hit.number), ' ');
  link.append(span('search-result__title', hit.title));
  if (hit.section) link.append(' ', span('search-result__section', `› ${hit.section}`));
  li.append(link);
  if (hit.breadcrumb.length > 0) {
    const crumb = document.createElement('p');
    crumb.className = 'search-result__breadcrumb';
    crumb.textContent = hit.breadcrumb.join(' › ');
    li.append(crumb);
  }
  if (hit.snippet) {
    const p = document.createElement('p');
    p.className = 'search-result__snippet';
    p.append(...markedText(hit.snippet, hit.highlights));
    li.append(p);
  }
  return li;
}
