"""Small locator maps (แผนที่สังเขป) drawn as SVG from our own geometry, for printed notices.

No tiles, no network: the parcel or sign, its neighbouring parcels and their buildings, measured
in the municipality's UTM zone, with a north arrow and a scale bar.
"""

from django.contrib.gis.geos import GEOSGeometry
from django.utils.html import escape

from assets.models import Building, Parcel

DEGREES_PER_METRE = 1 / 111_000


def _path(geom: GEOSGeometry, to_px) -> str:
    parts = []
    polygons = geom if geom.geom_type == "MultiPolygon" else [geom]
    for polygon in polygons:
        for ring in polygon:
            points = [to_px(x, y) for x, y in ring.coords]
            parts.append("M" + " L".join(f"{x:.1f},{y:.1f}" for x, y in points) + " Z")
    return " ".join(parts)


def _svg(
    *,
    municipality,
    centre: GEOSGeometry,
    radius_m: float,
    highlight: GEOSGeometry | None,
    marker,
    label: str,
    width: int,
    height: int,
) -> str:
    srid = municipality.area_srid
    window = centre.buffer(radius_m * DEGREES_PER_METRE)
    parcels = list(
        Parcel._base_manager.filter(municipality=municipality, retired_on__isnull=True, geom__intersects=window).only(
            "geom", "parcel_code"
        )
    )
    buildings = list(
        Building._base_manager.filter(municipality=municipality, footprint__intersects=window).only("footprint")
    )
    focus = centre.transform(srid, clone=True)
    cx, cy = focus.centroid.x, focus.centroid.y
    scale = min(width, height) / (2 * radius_m)

    def to_px(x, y):
        return width / 2 + (x - cx) * scale, height / 2 - (y - cy) * scale

    def projected(geom):
        return geom.transform(srid, clone=True)

    shapes = [
        f'<path d="{_path(projected(p.geom), to_px)}" fill="#f4f1ea" stroke="#9a9486" stroke-width="0.8"/>'
        for p in parcels
    ]
    shapes += [
        f'<path d="{_path(projected(b.footprint), to_px)}" fill="#d9d3c7" stroke="#8a8478" stroke-width="0.5"/>'
        for b in buildings
    ]
    if highlight is not None:
        shapes.append(
            f'<path d="{_path(projected(highlight), to_px)}" fill="#c0392b" fill-opacity="0.35" '
            f'stroke="#c0392b" stroke-width="2"/>'
        )
    if marker is not None:
        mx, my = to_px(*projected(marker).coords)
        shapes.append(f'<circle cx="{mx:.1f}" cy="{my:.1f}" r="5" fill="#c0392b" stroke="#fff" stroke-width="1.5"/>')
    bar_m = 20 if radius_m <= 60 else 50
    bar_px = bar_m * scale
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" '
        f'role="img" aria-label="{escape(label)}">'
        f'<rect width="{width}" height="{height}" fill="#ffffff" stroke="#444" stroke-width="1"/>'
        + "".join(shapes)
        + f'<g transform="translate({width - 18},22)"><path d="M0,-12 L6,6 L0,2 L-6,6 Z" fill="#222"/>'
        f'<text x="0" y="18" font-size="9" text-anchor="middle">N</text></g>'
        f'<g transform="translate(10,{height - 12})"><rect width="{bar_px:.1f}" height="3" fill="#222"/>'
        f'<text x="0" y="-4" font-size="8">{bar_m} ม.</text></g>'
        "</svg>"
    )


def parcel_locator_svg(parcel: Parcel, *, radius_m: float = 60, width: int = 240, height: int = 180) -> str:
    """The parcel in red among its neighbours and their buildings."""
    return _svg(
        municipality=parcel.municipality,
        centre=parcel.geom.point_on_surface,
        radius_m=radius_m,
        highlight=parcel.geom,
        marker=None,
        label=parcel.parcel_code,
        width=width,
        height=height,
    )


def point_locator_svg(
    municipality, point: GEOSGeometry, *, label: str, radius_m: float = 40, width: int = 240, height: int = 180
) -> str:
    """A point (a signboard) as a red dot among the parcels and buildings around it."""
    return _svg(
        municipality=municipality,
        centre=point,
        radius_m=radius_m,
        highlight=None,
        marker=point,
        label=label,
        width=width,
        height=height,
    )
