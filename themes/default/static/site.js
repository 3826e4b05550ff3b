// Site-wide behaviour: theme toggle, phone menu, folding TOC, "/" focuses search.
(function () {
  'use strict';
  var root = document.documentElement;

  function currentTheme() {
    var t = root.getAttribute('data-theme');
    if (t) return t;
    return window.matchMedia && window.matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
  }

  var toggle = document.querySelector('[data-theme-toggle]');
  if (toggle) {
    var sync = function () {
      var dark = currentTheme() === 'dark';
      toggle.setAttribute('aria-pressed', dark ? 'true' : 'false');
      toggle.title = dark ? 'ライトモードにする' : 'ダークモードにする';
    };
    sync();
    toggle.addEventListener('click', function () {
      var next = currentTheme() === 'dark' ? 'light' : 'dark';
      root.setAttribute('data-theme', next);
      try { localStorage.setItem('shishin-theme', next); } catch (e) { /* ignore */ }
      sync();
    });
  }

  // Phone menu: the button (shown by CSS on narrow screens) folds the nav it controls. Escape
  // closes it and returns focus to the button.
  var menu = document.querySelector('[data-nav-toggle]');
  var nav = menu && document.getElementById(menu.getAttribute('aria-controls'));
  if (menu && nav) {
    var setOpen = function (open) {
      menu.setAttribute('aria-expanded', open ? 'true' : 'false');
      nav.classList.toggle('is-open', open);
    };
    menu.addEventListener('click', function () {
      setOpen(menu.getAttribute('aria-expanded') !== 'true');
    });
    document.addEventListener('keydown', function (ev) {
      if (ev.key !== 'Escape' || menu.getAttribute('aria-expanded') !== 'true') return;
      setOpen(false);
      menu.focus();
    });
  }

  // TOC: open beside the article on wide screens, folded above it on narrow ones.
  var toc = document.querySelector('[data-toc]');
  if (toc) {
    var narrow = window.matchMedia ? window.matchMedia('(max-width: 900px)') : null;
    var fit = function () { toc.open = !(narrow && narrow.matches); };
    fit();
    if (narrow && narrow.addEventListener) narrow.addEventListener('change', fit);
    toc.classList.add('is-ready');
  }

  // "/" focuses the search box: the search page's own box there, else the header box.
  document.addEventListener('keydown', function (ev) {
    if (ev.key !== '/' || ev.ctrlKey || ev.metaKey || ev.altKey) return;
    var el = document.activeElement;
    var typing = el && (el.tagName === 'INPUT' || el.tagName === 'TEXTAREA' || el.tagName === 'SELECT' || el.isContentEditable);
    if (typing) return;
    var box = document.querySelector('[data-search-input]') || document.getElementById('site-search');
    if (box) {
      ev.preventDefault();
      box.focus();
      box.select();
    }
  });
})();
