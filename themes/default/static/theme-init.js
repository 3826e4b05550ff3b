// Runs before first paint (loaded synchronously in <head>) so a stored theme choice does not flash.
(function () {
  try {
    var t = localStorage.getItem('shishin-theme');
    if (t === 'dark' || t === 'light') document.documentElement.setAttribute('data-theme', t);
  } catch (e) { /* storage may be disabled */ }
})();
