import re

import folium
import pytest
from folium.plugins import VectorGridProtobuf

from maps.offline import ExternalAssetError, new_map, render


def test_a_rendered_map_loads_scripts_and_styles_only_from_our_static_files():
    m = new_map(bounds=(100.1, 14.0, 100.2, 14.1))
    VectorGridProtobuf("/tiles/parcels/{z}/{x}/{y}.pbf", "parcels", {}).add_to(m)
    folium.LayerControl().add_to(m)
    rendered = render(m)
    links = re.findall(r'(?:src|href)="([^"]+)"', rendered.header)
    assert links == [
        "/static/vendor/leaflet-1.9.4/leaflet.js",
        "/static/vendor/leaflet-1.9.4/leaflet.css",
        "/static/vendor/leaflet.vectorgrid-1.3.0/Leaflet.VectorGrid.bundled.min.js",
    ]
    # OpenStreetMap is offered in the layer switch but off by default: only the blank base is added.
    layers = dict(re.findall(r'var (tile_layer_\w+) = L\.tileLayer\(\s*"([^"]+)"', rendered.script))
    shown = set(re.findall(r"(tile_layer_\w+)\.addTo\(map_", rendered.script))
    assert [layers[name][:10] for name in shown] == ["data:image"]
    assert any(url.startswith("https://tile.openstreetmap.org/") for url in layers.values())
    assert "fitBounds" in rendered.script


def test_a_rendered_map_has_no_inline_script_outside_its_script_part():
    # The header goes into the page's head as it is; under CSP only the map's script (nonced) may run inline.
    rendered = render(new_map(bounds=(100.1, 14.0, 100.2, 14.1)))
    assert re.findall(r"<script(?![^>]*\bsrc=)[^>]*>", rendered.header + rendered.html) == []
    assert rendered.script.index("L_NO_TOUCH") < rendered.script.index("L.map(")  # folium's switches, kept


def test_a_plugin_that_would_load_from_the_internet_is_refused():
    m = new_map()
    folium.plugins.Fullscreen().add_to(m)  # loads its script from a CDN; not vendored
    with pytest.raises(ExternalAssetError, match="vendor it under static/vendor/"):
        render(m)
