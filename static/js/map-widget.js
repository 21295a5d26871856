// Start GeoDjango's map widgets from their JSON options (templates/gis/offline-map.html), so that no
// inline script is needed (Content-Security-Policy) and no tile server is called: no base layer.
document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("script[id$=\"_map_options\"]").forEach((element) => {
    const options = JSON.parse(element.textContent);
    options.base_layer = new ol.layer.Tile();
    new MapWidget(options);
  });
});
