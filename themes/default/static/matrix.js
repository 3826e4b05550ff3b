// Filters for the mapping matrix (layout `matrix`). Progressive enhancement: without this script
// the whole table (and, on phones, the list) is shown and the filter form stays hidden.
// Filter state lives in the URL (?ch=&to=&rel=&conf=) so a filtered view can be shared.
// Only classes and the `hidden` attribute change: no inline styles (CSP), no innerHTML.

const root = document.querySelector('[data-matrix]');
if (root) init(root);

function init(root) {
  const form = root.querySelector('[data-matrix-filters]');
  const status = root.querySelector('[data-matrix-status]');
  if (!form) return;
  restore(form, new URLSearchParams(location.search));
  form.hidden = false;
  form.addEventListener('change', () => apply(root, form, status, true));
  // `reset` fires before the controls are reset; apply once they are.
  form.addEventListener('reset', () => setTimeout(() => apply(root, form, status, true), 0));
  apply(root, form, status, false);
}

function boxes(form, name) {
  return Array.from(form.querySelectorAll(`input[name="${name}"]:not(:disabled)`));
}

function restore(form, params) {
  const setSelect = (select, value) => {
    if (value && Array.from(select.options).some((o) => o.value === value)) select.value = value;
  };
  setSelect(form.elements.chapter, params.get('ch'));
  setSelect(form.elements.target, params.get('to'));
  for (const name of ['rel', 'conf']) {
    if (!params.has(name)) continue;
    const wanted = new Set(params.get(name).split(',').filter(Boolean));
    for (const box of boxes(form, name)) box.checked = wanted.has(box.value);
  }
}

function readState(form) {
  const checked = (name) => new Set(boxes(form, name).filter((b) => b.checked).map((b) => b.value));
  const all = (name) => boxes(form, name).every((b) => b.checked);
  const [kind, value] = (form.elements.target.value || ':').split(':');
  return {
    chapter: form.elements.chapter.value,
    target: form.elements.target.value,
    targetKind: kind,
    targetValue: value,
    rels: checked('rel'),
    confs: checked('conf'),
    // Any filter on the mappings themselves: then rows without a match are hidden too.
    narrowed: form.elements.target.value !== '' || !all('rel') || !all('conf'),
    allRels: all('rel'),
    allConfs: all('conf'),
  };
}

function inTarget(el, s) {
  if (!s.target) return true;
  return s.targetKind === 'doc' ? el.dataset.doc === s.targetValue : el.dataset.chapter === s.targetValue;
}

function matches(el, s) {
  return inTarget(el, s) && s.rels.has(el.dataset.rel) && s.confs.has(el.dataset.conf);
}

function apply(root, form, status, updateUrl) {
  const s = readState(form);
  const table = root.querySelector('[data-matrix-table]');
  let shown = 0;
  if (table) {
    // Columns outside the chosen guideline/chapter disappear; group headers shrink to fit.
    const visibleCols = new Set();
    for (const th of table.querySelectorAll('thead th[data-col]')) {
      const on = inTarget(th, s);
      th.hidden = !on;
      if (on) visibleCols.add(th.dataset.col);
    }
    for (const th of table.querySelectorAll('thead th[data-group]')) {
      const n = th.dataset.cols.split(' ').filter((c) => visibleCols.has(c)).length;
      th.hidden = n === 0;
      if (n > 0) th.colSpan = n;
    }
    for (const tr of table.querySelectorAll('tbody tr[data-row]')) {
      let hits = 0;
      for (const td of tr.querySelectorAll('td[data-col]')) {
        td.hidden = !visibleCols.has(td.dataset.col);
        if (td.hasAttribute('data-cell')) {
          const on = !td.hidden && matches(td, s);
          td.classList.toggle('is-off', !on);
          if (on) hits += 1;
        }
      }
      tr.hidden = (s.chapter && tr.dataset.chapter !== s.chapter) || (s.narrowed && hits === 0);
      if (!tr.hidden) shown += hits;
    }
  }
  let listShown = 0;
  for (const section of root.querySelectorAll('[data-matrix-list] [data-row]')) {
    let hits = 0;
    for (const li of section.querySelectorAll('[data-cell]')) {
      const on = matches(li, s);
      li.hidden = !on;
      if (on) hits += 1;
    }
    section.hidden = (s.chapter && section.dataset.chapter !== s.chapter) || (s.narrowed && hits === 0);
    if (!section.hidden) listShown += hits;
  }
  if (!table) shown = listShown;
  const total = Number(root.dataset.total || 0);
  status.textContent = shown === 0 ? `条件に合う対応はありません（全 ${total} 件）` : `${shown} 件の対応を表示中（全 ${total} 件）`;
  if (updateUrl) writeUrl(s);
}

function writeUrl(s) {
  const params = new URLSearchParams(location.search);
  const set = (key, value) => (value ? params.set(key, value) : params.delete(key));
  set('ch', s.chapter);
  set('to', s.target);
  set('rel', s.allRels ? '' : Array.from(s.rels).join(',') || 'none');
  set('conf', s.allConfs ? '' : Array.from(s.confs).join(',') || 'none');
  const query = params.toString();
  history.replaceState(null, '', query ? `?${query}${location.hash}` : `${location.pathname}${location.hash}`);
}
