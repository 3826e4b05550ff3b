// Saving text made in the page as a file (form.js, coverage.js): a blob URL and a temporary
// <a download>; nothing goes over the network, no inline code (CSP). Loaded before both.
(function () {
  'use strict';
  window.shishinSaveFile = function (name, type, content) {
    var url = URL.createObjectURL(new Blob([content], { type: type }));
    var a = document.createElement('a');
    a.href = url;
    a.download = name;
    a.hidden = true;
    document.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 1000);
  };
  /** `<stem>-YYYYMMDD.<ext>` with today's local date. */
  window.shishinDatedName = function (stem, ext) {
    var d = new Date();
    var pad = function (n) { return (n < 10 ? '0' : '') + n; };
    return stem + '-' + d.getFullYear() + pad(d.getMonth() + 1) + pad(d.getDate()) + '.' + ext;
  };
})();
