"""folium maps of the three users, drawn from our vector tiles (maps/layers.py).

A builder turns a municipality and a year into a `folium.Map` (through maps.offline, so every script
is ours); the view renders it into its template. Styling, clicks, search and filters live in
static/js/maps.js: each tile layer's options are `Thesaban.layerOptions("<layer>")`, and each layer is
registered with `Thesaban.register` so that the page's script can reach it. A layer whose dataset
the municipality hides (`closed`, maps.access.Hidden.layers) is left out: its tiles answer 404.
"""

import folium
from branca.element import MacroElement
from django.contrib.gis.db.models import Extent
from django.urls import reverse
from django.utils.translation import gettext as _
from folium.plugins import VectorGridProtobuf
from folium.template import Template

from maps.offline import new_map
from municipalities.models import Zone
from rasters.models import FLOOD_KINDS, Raster, RasterKind, RasterStatus


class Registered(MacroElement):
    """Hands a folium layer and its map to static/js/maps.js under a stable key."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        Thesaban.register({{ this.key|tojson }}, {{ this.layer.get_name() }}, {{ this.map.get_name() }});
        {% endmacro %}"""
    )

    def __init__(self, key: str, layer, m):
        super().__init__()
        self._name = "Registered"
        self.key, self.layer, self.map = key, layer, m


def tile_url(layer: str, year: int) -> str:
    return f"/tiles/{layer}/{{z}}/{{x}}/{{y}}.pbf?year={year}"


def _tiles(m, layer: str, name: str, year: int, closed: frozenset[str], *, show: bool = True):
    if layer in closed:
        return None
    grid = VectorGridProtobuf(tile_url(layer, year), name, f"Thesaban.layerOptions({layer!r})", show=show)
    grid.add_to(m)
    Registered(layer, grid, m).add_to(m)
    return grid


def _rasters(m, *, floods: bool) -> None:
    """The municipality's orthophotos as base layers, and its flood maps as overlays (ready COGs only)."""
    kinds = [RasterKind.ORTHOPHOTO, *(FLOOD_KINDS if floods else ())]
    for raster in Raster.objects.filter(status=RasterStatus.READY, kind__in=kinds).order_by("-uploaded_at")[:6]:
        folium.TileLayer(
            reverse("rasters:detail", args=[raster.pk]) + "tiles/{z}/{x}/{y}.png",
            attr=raster.name,
            name=raster.name,
            max_zoom=22,
            overlay=raster.kind != RasterKind.ORTHOPHOTO,
            show=False,
        ).add_to(m)


def _map(municipality, **options):
    """A map fitted to the municipality's zones (the mapped part of its area), else to its boundary."""
    extent = Zone.objects.aggregate(extent=Extent("geom"))["extent"] or municipality.boundary.extent
    return new_map(bounds=extent, max_zoom=20, **options)


def tax_map(municipality, *, year: int, rasters: bool, closed: frozenset[str] = frozenset()) -> folium.Map:
    """The tax officer's map: parcels and signs by tax status; blocks by collection below zoom 14.
    `rasters`: the rasters module is open (municipalities/modules.py), so its orthophotos are drawn."""
    m = _map(municipality)
    if rasters:
        _rasters(m, floods=False)
    _tiles(m, "zones", _("เขต"), year, closed)
    _tiles(m, "blocks", _("เขตย่อย (อัตราการจัดเก็บ)"), year, closed)
    _tiles(m, "parcels", _("แปลงที่ดินตามสถานะภาษี"), year, closed)
    _tiles(m, "buildings", _("สิ่งปลูกสร้าง"), year, closed)
    _tiles(m, "signboards", _("ป้ายตามสถานะภาษี"), year, closed)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def engineer_map(municipality, *, year: int, rasters: bool, closed: frozenset[str] = frozenset()) -> folium.Map:
    """The engineer's map: infrastructure by kind and condition over the parcels, with the rasters
    (unless the municipality hides their module)."""
    m = _map(municipality)
    if rasters:
        _rasters(m, floods=True)
    _tiles(m, "zones", _("เขต"), year, closed)
    _tiles(m, "parcels", _("แปลงที่ดิน"), year, closed)
    _tiles(m, "buildings", _("สิ่งปลูกสร้าง"), year, closed, show=False)
    _tiles(m, "infrastructure", _("โครงสร้างพื้นฐาน"), year, closed)
    folium.LayerControl(collapsed=True).add_to(m)
    return m


def revenue_map(municipality, *, year: int, closed: frozenset[str] = frozenset()) -> folium.Map:
    """The executive's map: zones and blocks by collection rate, and the revenue the register misses."""
    m = _map(municipality)
    _tiles(m, "zones", _("เขต (อัตราการจัดเก็บ)"), year, closed)
    _tiles(m, "blocks", _("เขตย่อย (อัตราการจัดเก็บ)"), year, closed)
    _tiles(m, "missed", _("รายได้ที่อาจตกหล่น"), year, closed)
    _tiles(m, "parcels", _("แปลงที่ดินตามสถานะภาษี"), year, closed, show=False)
    folium.LayerControl(collapsed=False).add_to(m)
    return m
