// Runs before first paint (loaded synchronously in <head>) so a stored theme choice does not flash.
// It also marks <html class="js">: CSS folds the phone menu and TOC only when site.js can unfold
// them, so without JS everything stays visible.
(function () {
  document.documentElement.classList.add('js');
  try {
    var t = localStorage.getItem('shishin-theme');
    if (t === 'dark' || t === 'light') document.documentElement.setAttribute('data-theme', t);
  } catch (e) { /* storage may be disabled */ }
})();
