// Leaflet's own words (the zoom buttons' tooltips, read aloud by screen readers) in the page's
// language. Deferred: it runs after leaflet.js and before the pages' module scripts make maps.
if (window.L) {
  const words = document.body.dataset;
  Object.assign(L.Control.Zoom.prototype.options, {
    zoomInTitle: words.zoomIn,
    zoomOutTitle: words.zoomOut,
  });
}
