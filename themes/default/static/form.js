// Fill-in form of the 開示書 / SLA template pages.
// Answers stay in this browser (localStorage) and leave it only as files the user saves:
// no fetch, no XHR. CSP-safe: no inline handlers or styles; text goes in with textContent/value.
// Answer file formats (docs/content-format.md):
//   JSON {"template", "version", "answers": {item_id: {column: value}}}
//   CSV  item_id,column,value (UTF-8 with BOM, CRLF; `_meta` rows carry template and version)
(function () {
  'use strict';
  var form = document.querySelector('[data-answer-form]');
  if (!form) return;

  var TEMPLATE = form.getAttribute('data-template');
  var VERSION = form.getAttribute('data-version');
  var STORAGE_KEY = 'shishin-answers:' + TEMPLATE;
  var META = '_meta';
  var controls = Array.prototype.slice.call(form.querySelectorAll('[data-answer]'));
  var byKey = {};
  controls.forEach(function (c) {
    byKey[key(c.getAttribute('data-item'), c.getAttribute('data-column'))] = c;
  });
  var tools = form.querySelector('[data-answer-tools]');
  var progress = form.querySelector('[data-answer-progress]');
  var done = form.querySelector('[data-answer-done]');
  var total = form.querySelector('[data-answer-total]');
  var message = form.querySelector('[data-answer-message]');

  function key(item, column) {
    return item + '\u0000' + column;
  }

  function say(text, isError) {
    message.textContent = text;
    message.classList.toggle('is-error', !!isError);
  }

  // ---- answers in the page ----

  function collect() {
    var answers = {};
    controls.forEach(function (c) {
      var v = c.value;
      if (v.trim() === '') return;
      var item = c.getAttribute('data-item');
      (answers[item] = answers[item] || {})[c.getAttribute('data-column')] = v;
    });
    return answers;
  }

  function isChoiceOption(c, v) {
    if (c.tagName !== 'SELECT') return true;
    return Array.prototype.some.call(c.options, function (o) { return o.value === v; });
  }

  /** Put answers into the controls; returns the entries that did not fit. */
  function apply(answers) {
    var rejected = [];
    controls.forEach(function (c) { c.value = ''; c.classList.remove('is-invalid'); });
    Object.keys(answers).forEach(function (item) {
      var cols = answers[item];
      if (!cols || typeof cols !== 'object') { rejected.push(item); return; }
      Object.keys(cols).forEach(function (column) {
        var c = byKey[key(item, column)];
        var v = cols[column];
        if (!c || typeof v !== 'string') { rejected.push(item + ' / ' + column); return; }
        if (!isChoiceOption(c, v)) { rejected.push(item + ' / ' + column + '「' + v + '」'); return; }
        c.value = v;
      });
    });
    return rejected;
  }

  function updateProgress() {
    var required = controls.filter(function (c) { return c.hasAttribute('data-required'); });
    var answered = required.filter(function (c) { return c.value.trim() !== ''; }).length;
    done.textContent = String(answered);
    total.textContent = String(required.length);
    progress.classList.toggle('is-complete', answered === required.length);
  }

  // ---- storage ----

  function save() {
    try {
      localStorage.setItem(STORAGE_KEY, JSON.stringify({ template: TEMPLATE, version: VERSION, answers: collect() }));
    } catch (e) {
      say('このブラウザでは記入内容を保存できません（localStorage が使えません）。ファイルに保存してください。', true);
    }
    announce();
  }

  // The 「対応状況」 view (coverage.js) recomputes from the stored answers on this event.
  function announce() {
    document.dispatchEvent(new CustomEvent('shishin:answers-changed'));
  }

  function restore() {
    var raw = null;
    try { raw = localStorage.getItem(STORAGE_KEY); } catch (e) { return; }
    if (!raw) return;
    var data;
    try { data = JSON.parse(raw); } catch (e) { return; }
    if (!data || typeof data.answers !== 'object' || data.answers === null) return;
    var rejected = apply(data.answers);
    if (data.version !== VERSION) {
      say('保存されていた記入内容は版 ' + data.version + ' のものです。版 ' + VERSION + ' に合う部分だけを読み込みました。', rejected.length > 0);
    }
  }

  // ---- files ----

  // Formula injection (OWASP): a cell starting with = + - @ (or a tab / CR before one) would be a
  // formula in a spreadsheet, so it is written with a leading "'"; reading strips exactly that
  // quote. Counting leading quotes keeps it reversible. Mirrors src/csv.rs (guard / unguard).
  function looksLikeFormula(s) {
    return /^'*[=+\-@\t\r]/.test(s);
  }
  function guardCell(s) {
    return looksLikeFormula(s) ? "'" + s : s;
  }
  function unguardCell(s) {
    return s.charAt(0) === "'" && looksLikeFormula(s.slice(1)) ? s.slice(1) : s;
  }

  function csvField(s) {
    s = guardCell(s);
    return /[",\r\n]|^ | $/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }

  function toCsv() {
    var lines = ['item_id,column,value', META + ',template,' + csvField(TEMPLATE), META + ',version,' + csvField(VERSION)];
    controls.forEach(function (c) {
      lines.push([c.getAttribute('data-item'), c.getAttribute('data-column'), c.value].map(csvField).join(','));
    });
    return '\ufeff' + lines.join('\r\n') + '\r\n';
  }

  /** RFC 4180 records (quoted fields may hold commas, quotes and line breaks). */
  function parseCsv(text) {
    var rows = [], row = [], field = '', i = 0, quoted = false;
    if (text.charCodeAt(0) === 0xfeff) i = 1;
    for (; i < text.length; i++) {
      var ch = text[i];
      if (quoted) {
        if (ch === '"') {
          if (text[i + 1] === '"') { field += '"'; i++; } else { quoted = false; }
        } else {
          field += ch;
        }
      } else if (ch === '"' && field === '') {
        quoted = true;
      } else if (ch === ',') {
        row.push(field); field = '';
      } else if (ch === '\n' || ch === '\r') {
        if (ch === '\r' && text[i + 1] === '\n') i++;
        row.push(field); field = '';
        if (!(row.length === 1 && row[0] === '')) rows.push(row);
        row = [];
      } else {
        field += ch;
      }
    }
    if (quoted) throw new Error('引用符（"）が閉じられていません');
    if (field !== '' || row.length) { row.push(field); rows.push(row); }
    return rows;
  }

  /** A parsed answer file → { template, version, answers }. Throws with a Japanese message. */
  function readAnswerFile(name, text) {
    var trimmed = text.replace(/^\ufeff/, '').trim();
    if (/\.json$/i.test(name) || trimmed.charAt(0) === '{') {
      var data;
      try { data = JSON.parse(trimmed); } catch (e) { throw new Error('JSON として読めません（' + e.message + '）'); }
      if (!data || typeof data !== 'object' || typeof data.answers !== 'object' || data.answers === null) {
        throw new Error('"answers" を含む回答ファイルではありません');
      }
      return { template: data.template, version: data.version, answers: data.answers };
    }
    var rows = parseCsv(text);
    if (!rows.length || rows[0].join(',').trim() !== 'item_id,column,value') {
      throw new Error('1 行目が item_id,column,value ではありません');
    }
    var out = { template: undefined, version: undefined, answers: {} };
    rows.slice(1).forEach(function (r, n) {
      if (r.length !== 3) throw new Error((n + 2) + ' 行目の列数が 3 ではありません');
      r = r.map(unguardCell);
      var item = r[0].trim(), column = r[1].trim(), value = r[2];
      if (item === META) {
        if (column === 'template') out.template = value.trim();
        if (column === 'version') out.version = value.trim();
        return;
      }
      if (value.trim() === '') return;
      (out.answers[item] = out.answers[item] || {})[column] = value;
    });
    return out;
  }

  var download = window.shishinSaveFile; // save-file.js

  function fileName(ext) {
    return window.shishinDatedName(TEMPLATE + '-answers', ext);
  }

  // ---- wiring ----

  controls.forEach(function (c) {
    c.disabled = false;
    c.addEventListener(c.tagName === 'SELECT' ? 'change' : 'input', function () {
      c.classList.remove('is-invalid');
      save();
      updateProgress();
    });
  });

  form.querySelectorAll('[data-answer-export]').forEach(function (b) {
    b.addEventListener('click', function () {
      if (b.getAttribute('data-answer-export') === 'json') {
        var body = JSON.stringify({ template: TEMPLATE, version: VERSION, answers: collect() }, null, 2) + '\n';
        download(fileName('json'), 'application/json', body);
      } else {
        download(fileName('csv'), 'text/csv;charset=utf-8', toCsv());
      }
      say('ファイルに保存しました。');
    });
  });

  // Replacing or clearing answers asks first in one in-page <dialog> (modal, Esc cancels; no
  // window.confirm, which blocks the page and cannot be styled). Resolves true to go ahead.
  var confirmDialog = form.querySelector('[data-answer-confirm]');
  function askFirst(title, text, goLabel) {
    confirmDialog.querySelector('[data-answer-confirm-title]').textContent = title;
    confirmDialog.querySelector('[data-answer-confirm-text]').textContent = text;
    confirmDialog.querySelector('[data-answer-confirm-replace]').textContent = goLabel;
    confirmDialog.returnValue = '';
    confirmDialog.showModal();
    return new Promise(function (resolve) {
      confirmDialog.addEventListener('close', function () { resolve(confirmDialog.returnValue === 'replace'); }, { once: true });
    });
  }
  function filledCount() {
    return controls.filter(function (c) { return c.value.trim() !== ''; }).length;
  }
  // A loaded file replaces every answer in the page: with answers already there, ask first.
  function confirmReplace(fileName) {
    var filled = filledCount();
    if (filled === 0) return Promise.resolve(true);
    return askFirst('記入内容を置き換えますか？',
      'このページには記入済みの欄が ' + filled + ' 個あります。' + fileName + ' を読み込むと、今の記入内容はすべてファイルの回答に置き換わります（必要なら先に「JSON で保存」してください）。',
      '置き換える');
  }

  var input = form.querySelector('[data-answer-import]');
  input.addEventListener('change', function () {
    var file = input.files && input.files[0];
    if (!file) return;
    file.text().then(function (text) {
      var data = readAnswerFile(file.name, text);
      if (data.template !== undefined && data.template !== TEMPLATE) {
        throw new Error('このファイルは「' + data.template + '」の回答です（このページは「' + TEMPLATE + '」）');
      }
      return confirmReplace(file.name).then(function (ok) { return ok ? data : null; });
    }).then(function (data) {
      if (!data) {
        say(file.name + ' の読み込みを取りやめました。記入内容は変わっていません。');
        return;
      }
      var rejected = apply(data.answers);
      save();
      updateProgress();
      var note = data.version !== undefined && data.version !== VERSION ? '（ファイルの版 ' + data.version + '、このページの版 ' + VERSION + '）' : '';
      if (rejected.length) {
        say(file.name + ' を読み込みました' + note + '。読み込めなかった回答: ' + rejected.join('、'), true);
      } else {
        say(file.name + ' を読み込みました' + note + '。');
      }
    }).catch(function (e) {
      say(file.name + ' を読み込めませんでした: ' + e.message, true);
    }).then(function () {
      input.value = '';
    });
  });

  form.querySelector('[data-answer-clear]').addEventListener('click', function () {
    var filled = filledCount();
    if (filled === 0) return;
    askFirst('記入内容を消去しますか？',
      'このページの記入済みの欄 ' + filled + ' 個をすべて消去します（保存したファイルは消えません）。',
      '消去する').then(function (ok) {
      if (!ok) return;
      apply({});
      try { localStorage.removeItem(STORAGE_KEY); } catch (e) { /* nothing stored */ }
      announce();
      updateProgress();
      say('記入内容を消去しました。');
    });
  });

  restore();
  updateProgress();
  tools.hidden = false;
})();
