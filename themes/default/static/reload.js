// Live reload for `shishin serve` (base.html loads this only when site.dev_reload is set).
// Messages come from src/serve/livereload.rs: hello, reload, css (swap stylesheets in place),
// error (show the build errors as an overlay; all text goes in with textContent).
(function () {
  'use strict';
  var script = document.currentScript;
  var wsPath = script && script.getAttribute('data-ws');
  if (!wsPath || !window.WebSocket) return;
  var OVERLAY_ID = 'shishin-build-errors';
  var server = null;
  var build = null;
  var retries = 0;

  // The overlay's styles live beside this file (no inline styles under the CSP).
  var sheet = document.createElement('link');
  sheet.rel = 'stylesheet';
  sheet.href = new URL('reload.css', script.src).href;
  document.head.appendChild(sheet);

  function connect() {
    var scheme = location.protocol === 'https:' ? 'wss://' : 'ws://';
    var ws = new WebSocket(scheme + location.host + wsPath);
    ws.addEventListener('open', function () { retries = 0; });
    ws.addEventListener('message', function (ev) {
      var msg;
      try { msg = JSON.parse(ev.data); } catch (e) { return; }
      handle(msg);
    });
    // The server restarted or went away: try again, slower and slower.
    ws.addEventListener('close', function () {
      retries += 1;
      setTimeout(connect, Math.min(5000, 200 * Math.pow(2, retries)));
    });
  }

  function handle(msg) {
    switch (msg.type) {
      case 'hello':
        // A new server process, or builds we missed while disconnected: this page is stale.
        if ((server !== null && msg.server !== server) || (build !== null && msg.build !== build)) {
          location.reload();
          return;
        }
        server = msg.server;
        build = msg.build;
        break;
      case 'reload':
        build = msg.build;
        location.reload();
        break;
      case 'css':
        build = msg.build;
        swapStylesheets(String(msg.asset_dir || ''));
        removeOverlay();
        break;
      case 'error':
        build = msg.build;
        showOverlay(Array.isArray(msg.errors) ? msg.errors : []);
        break;
    }
  }

  // Stylesheets live under one content-hashed folder; point each link at the new folder and drop
  // the old link once the new one has loaded (no flash of unstyled content).
  function swapStylesheets(assetDir) {
    if (!/^\/([^?#]*\/)?assets\/[0-9a-f]+\/$/.test(assetDir)) { location.reload(); return; }
    var links = document.querySelectorAll('link[rel~="stylesheet"]');
    Array.prototype.forEach.call(links, function (link) {
      if (link === sheet) return;
      var url = new URL(link.href, location.href);
      var m = /\/assets\/[0-9a-f]+\/(.+)$/.exec(url.pathname);
      if (url.origin !== location.origin || !m) return;
      var next = link.cloneNode(false);
      next.href = assetDir + m[1];
      next.addEventListener('load', function () { link.remove(); });
      next.addEventListener('error', function () { location.reload(); });
      link.after(next);
    });
  }

  function removeOverlay() {
    var old = document.getElementById(OVERLAY_ID);
    if (old) old.remove();
  }

  function el(tag, className, text) {
    var e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function showOverlay(errors) {
    removeOverlay();
    var box = el('section', 'shishin-overlay');
    box.id = OVERLAY_ID;
    box.setAttribute('role', 'alertdialog');
    box.setAttribute('aria-labelledby', OVERLAY_ID + '-title');
    var inner = el('div', 'shishin-overlay__inner');
    var title = el('h2', 'shishin-overlay__title', 'ビルドエラー（' + errors.length + '件）');
    title.id = OVERLAY_ID + '-title';
    inner.appendChild(title);
    inner.appendChild(el('p', 'shishin-overlay__note', '前回成功したビルドを表示しています。ファイルを修正して保存すると自動で再読み込みします。'));
    var list = el('ol', 'shishin-overlay__list');
    errors.forEach(function (d) {
      var item = el('li', 'shishin-overlay__item');
      item.appendChild(el('code', 'shishin-overlay__where', d.file + ':' + d.line + ':' + d.column));
      item.appendChild(el('p', 'shishin-overlay__message', d.message));
      if (d.source_line) item.appendChild(el('pre', 'shishin-overlay__source', d.line + ' | ' + d.source_line));
      if (d.help) item.appendChild(el('p', 'shishin-overlay__help', 'ヒント: ' + d.help));
      if (d.note) item.appendChild(el('p', 'shishin-overlay__help', '注: ' + d.note));
      list.appendChild(item);
    });
    inner.appendChild(list);
    var close = el('button', 'shishin-overlay__close', '閉じる');
    close.type = 'button';
    close.addEventListener('click', removeOverlay);
    inner.appendChild(close);
    box.appendChild(inner);
    document.body.appendChild(box);
    close.focus();
  }

  document.addEventListener('keydown', function (ev) {
    if (ev.key === 'Escape') removeOverlay();
  });

  connect();
})();
