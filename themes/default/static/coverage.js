// 「対応状況」 view of the 開示書 / SLA pages: the statuses of every clause, computed in the browser
// from the answers form.js keeps in localStorage. No network, no eval, no inline code (CSP).
//
// The data (clauses, mapping rows, each item's clause, fields and 有/無 column, the labels) is
// written by the build from the same Rust code as `shishin disclosure report`
// (src/disclosure/report.rs) into <script type="application/json" id="coverage-data">. compute()
// below mirrors report::compute step by step; the JSON and CSV downloads are byte-identical to
// the CLI's for the same answers (tests/browser/coverage.test.mjs checks it).
(function () {
  'use strict';
  var root = document.querySelector('[data-coverage]');
  var source = document.getElementById('coverage-data');
  if (!root || !source) return;
  var data = JSON.parse(source.textContent);
  var STORAGE_KEY = 'shishin-answers:' + data.template;
  var labels = data.labels;
  var has = function (o, k) { return o !== null && typeof o === 'object' && Object.prototype.hasOwnProperty.call(o, k); };

  // Rust's str::trim (Unicode White_Space), not JS's trim (which also strips U+FEFF, keeps U+0085).
  var EDGE_SPACE = /^[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+|[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+$/g;
  function trim(s) { return s.replace(EDGE_SPACE, ''); }

  function storedAnswers() {
    var parsed = null;
    try { parsed = JSON.parse(localStorage.getItem(STORAGE_KEY) || 'null'); } catch (e) { parsed = null; }
    return parsed && has(parsed, 'answers') && typeof parsed.answers === 'object' && parsed.answers !== null ? parsed.answers : {};
  }

  // ---- the report (report::compute) ----

  /** The trimmed answer of a cell when it counts: filled and, for a choice, one of its options. */
  function cell(item, cols, key) {
    var column = item.columns.filter(function (c) { return c.key === key; })[0];
    if (!column || !has(cols, key) || typeof cols[key] !== 'string') return null;
    var v = trim(cols[key]);
    if (v === '' || (column.options.length && column.options.indexOf(v) < 0)) return null;
    return v;
  }

  function itemStatus(item, answers) {
    var cols = has(answers, item.id) ? answers[item.id] : null;
    if (item.presence && cell(item, cols, item.presence.column) === item.presence.absent) return 'no';
    return item.fields.every(function (f) { return cell(item, cols, f) !== null; }) ? 'answered' : 'missing';
  }

  function groupStatus(items) {
    if (!items.length) return 'not-addressed';
    var answered = items.filter(function (i) { return i.status === 'answered'; }).length;
    if (answered === 0) return 'gap';
    return answered === items.length ? 'covered' : 'partial';
  }

  var WORST_FIRST = ['gap', 'partial', 'covered'];

  function compute(answers) {
    var status = {}, title = {};
    data.items.forEach(function (i) { status[i.id] = itemStatus(i, answers); title[i.id] = i.title; });
    var itemReports = function (ids) { return ids.map(function (id) { return { id: id, title: title[id], status: status[id] }; }); };
    var count = function (s) { return data.items.filter(function (i) { return status[i.id] === s; }).length; };
    var clauses = data.clauses.map(function (c) {
      var items = itemReports(c.items);
      var st = groupStatus(items);
      var mapped = c.mapped.map(function (m) {
        var o = { id: m.id, relationship: m.relationship, status: st };
        if (m.inherited_from !== undefined) o.inherited_from = m.inherited_from;
        return o;
      });
      return { id: c.id, title: c.title, status: st, items: items, mapped: mapped };
    });
    var byTarget = [];
    data.targets.forEach(function (t) {
      // A no-relationship row lists the target under the clause but does not reach it.
      var via = clauses.filter(function (c) {
        return c.mapped.some(function (m) { return m.id === t.id && m.relationship !== 'no-relationship'; });
      });
      if (!via.length) return;
      var worst = 'not-addressed';
      WORST_FIRST.slice().reverse().forEach(function (s) {
        if (via.some(function (c) { return c.status === s; })) worst = s;
      });
      byTarget.push({ id: t.id, title: t.title, status: worst, via: via.map(function (c) { return c.id; }) });
    });
    var sections = data.sections.map(function (s) {
      var items = itemReports(s.items);
      return { id: s.id, title: s.title, status: groupStatus(items), items: items };
    });
    return {
      template: data.template,
      version: data.version,
      totals: { items: data.items.length, answered: count('answered'), no: count('no'), missing: count('missing') },
      clauses: clauses,
      by_target: byTarget,
      sections: sections
    };
  }

  // ---- downloads (report::to_json, report_formats::to_csv) ----

  function toJson(report) { return JSON.stringify(report, null, 2) + '\n'; }

  // src/csv.rs: a cell that could start a formula gets a leading "'", then RFC 4180 quoting.
  function csvField(s) {
    if (/^'*[=+\-@\t\r]/.test(s)) s = "'" + s;
    return /[",\r\n]|^ | $/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function record(fields) { return fields.map(csvField).join(',') + '\r\n'; }
  function counts(items) {
    return ['answered', 'no', 'missing'].map(function (s) { return items.filter(function (i) { return i.status === s; }).length; });
  }
  function find(list, id) { return list.filter(function (x) { return x.id === id; })[0]; }

  function toCsv(report) {
    var out = '\ufeff' + record(labels.csv_header);
    report.clauses.forEach(function (c) {
      var d = find(data.clauses, c.id);
      var head = [c.id, d ? d.label : c.title, labels.status[c.status][0]].concat(counts(c.items).map(String));
      if (!c.mapped.length) out += record(head.concat(['', '', '', '', '']));
      c.mapped.forEach(function (m) {
        var t = find(data.targets, m.id);
        var reached = find(report.by_target, m.id);
        out += record(head.concat([m.id, t ? t.corpus : '', t ? t.label : '', labels.relationship[m.relationship], reached ? labels.status[reached.status][0] : '']));
      });
    });
    return out;
  }

  var download = window.shishinSaveFile; // save-file.js
  function fileName(ext) { return window.shishinDatedName(data.template + '-coverage', ext); }

  // ---- the view ----

  function showStatus(row, status) {
    var el = row && row.querySelector('[data-coverage-status]');
    if (!el) return;
    el.className = 'status status--' + status;
    el.textContent = labels.status[status][1] + ' ' + labels.status[status][0];
    row.setAttribute('data-status', status);
  }
  function showCounts(row, items) {
    var n = counts(items);
    ['answered', 'no', 'missing'].forEach(function (k, i) {
      var el = row && row.querySelector('[data-count="' + k + '"]');
      if (el) el.textContent = String(n[i]);
    });
  }
  function rowFor(attr, id) {
    return root.querySelector('[' + attr + '="' + (window.CSS && CSS.escape ? CSS.escape(id) : id) + '"]');
  }

  var current = null;
  function update() {
    current = compute(storedAnswers());
    Object.keys(current.totals).forEach(function (k) {
      var el = root.querySelector('[data-coverage-total="' + k + '"]');
      if (el) el.textContent = String(current.totals[k]);
    });
    current.clauses.forEach(function (c) {
      var row = rowFor('data-coverage-clause', c.id);
      showStatus(row, c.status);
      showCounts(row, c.items);
    });
    current.by_target.forEach(function (t) { showStatus(rowFor('data-coverage-target', t.id), t.status); });
    current.sections.forEach(function (s) {
      var row = rowFor('data-coverage-section', s.id);
      showStatus(row, s.status);
      showCounts(row, s.items);
    });
  }

  root.querySelectorAll('[data-coverage-export]').forEach(function (b) {
    b.addEventListener('click', function () {
      update();
      if (b.getAttribute('data-coverage-export') === 'json') download(fileName('json'), 'application/json', toJson(current));
      else download(fileName('csv'), 'text/csv;charset=utf-8', toCsv(current));
    });
  });
  // form.js announces every change it stores; another tab's changes arrive as `storage` events.
  document.addEventListener('shishin:answers-changed', update);
  window.addEventListener('storage', function (e) { if (e.key === null || e.key === STORAGE_KEY) update(); });

  update();
  root.querySelectorAll('[data-coverage-tools]').forEach(function (t) { t.hidden = false; });
  root.setAttribute('data-coverage-ready', '');
})();
