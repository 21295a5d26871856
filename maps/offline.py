"""folium maps that work with no internet: every script and stylesheet from our static files.

`new_map()` starts a map of a municipality with a blank base layer (OpenStreetMap can be switched on
when online, and is off by default so nothing leaves the machine unasked); `render()` turns a map
into the two pieces our templates place, after pointing every JS/CSS link at `static/vendor/` and
refusing any external one: `{{ map.header|safe }}` in the head block (links and styles only) and
`{% include "maps/_map.html" %}` where the map goes (its div and its script, which carries the
request's CSP nonce: the one kind of inline script our pages have).
"""

import re
from dataclasses import dataclass

import folium
from django.templatetags.static import static
from django.utils.translation import gettext as _

# folium's resource names → our vendored files (static/vendor/README.md).
LOCAL_ASSETS = {
    "leaflet": "vendor/leaflet-1.9.4/leaflet.js",
    "leaflet_css": "vendor/leaflet-1.9.4/leaflet.css",
    "vectorGrid": "vendor/leaflet.vectorgrid-1.3.0/Leaflet.VectorGrid.bundled.min.js",
}
# Loaded by folium for features we do not use (Bootstrap popups, awesome-marker icons).
UNUSED_ASSETS = {
    "jquery",
    "bootstrap",
    "bootstrap_css",
    "glyphicons_css",
    "awesome_markers",
    "awesome_markers_css",
    "awesome_markers_font_css",
    "awesome_rotate_css",
}
BLANK_TILE = "data:image/gif;base64,R0lGODlhAQABAIAAAP///wAAACH5BAEAAAAALAAAAAABAAEAAAICRAEAOw=="
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
OSM_ATTRIBUTION = "&copy; OpenStreetMap contributors"
# folium's inline scripts in the header (Leaflet's L_NO_TOUCH/L_DISABLE_3D switches): moved to the
# map's own script, which runs right after them and is the one inline script the page may carry.
HEADER_SCRIPT = re.compile(r"<script>(.*?)</script>", re.DOTALL)


class ExternalAssetError(RuntimeError):
    """A folium element wants a script or stylesheet from the internet that we do not vendor."""


@dataclass(frozen=True)
class RenderedMap:
    header: str
    html: str
    script: str


def _walk(element):
    yield element
    for child in getattr(element, "_children", {}).values():
        yield from _walk(child)


def localise(element) -> None:
    for child in _walk(element):
        for attribute in ("default_js", "default_css"):
            links = getattr(child, attribute, None)
            if not links:
                continue
            local = []
            for name, url in links:
                if name in LOCAL_ASSETS:
                    local.append((name, static(LOCAL_ASSETS[name])))
                elif name in UNUSED_ASSETS:
                    continue
                elif url.startswith(("http://", "https://", "//")):
                    raise ExternalAssetError(
                        f"{type(child).__name__} loads {url}: vendor it under static/vendor/ and map "
                        f"'{name}' in maps.offline.LOCAL_ASSETS"
                    )
                else:
                    local.append((name, url))
            setattr(child, attribute, local)


def new_map(*, bounds=None, osm: bool = True, **options) -> folium.Map:
    """A map with a blank base and, optionally, OpenStreetMap to switch on; fitted to `bounds`
    ((min_lon, min_lat, max_lon, max_lat), e.g. a municipality's boundary extent)."""
    options.setdefault("prefer_canvas", True)
    options.setdefault("control_scale", True)
    m = folium.Map(tiles=None, **options)
    folium.TileLayer(BLANK_TILE, attr=" ", name=_("พื้นหลังว่าง"), max_zoom=22, overlay=False, control=True).add_to(m)
    if osm:
        folium.TileLayer(
            OSM_TILES, attr=OSM_ATTRIBUTION, name=_("OpenStreetMap (ต้องต่ออินเทอร์เน็ต)"), max_zoom=19, show=False
        ).add_to(m)
    if bounds is not None:
        min_lon, min_lat, max_lon, max_lat = bounds
        m.fit_bounds([[min_lat, min_lon], [max_lat, max_lon]])
    return m


def render(m: folium.Map) -> RenderedMap:
    localise(m)
    figure = m.get_root()
    figure.render()
    header = figure.header.render()
    setup = "".join(HEADER_SCRIPT.findall(header))
    return RenderedMap(
        header=HEADER_SCRIPT.sub("", header), html=figure.html.render(), script=setup + figure.script.render()
    )
