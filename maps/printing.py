"""A printable A4 map of a parcel or a block (PDF): drawn from our own geometry at a round scale, with a
scale bar, a north arrow and a legend; WeasyPrint and Sarabun as for the notices (taxes/pdf.py).

No tiles are fetched: parcels and buildings are projected to the municipality's UTM zone and drawn
as SVG paths in millimetres on the page, so the printed scale is exact (1:1,000 means 1 mm = 1 m).
"""

from django.contrib.gis.geos import Polygon
from django.db.models import Q
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration

from assets.models import Building, Parcel
from municipalities.thai import thai_date
from taxes.choices import TaxState
from taxes.pdf import FONT_CSS, FONTS
from taxes.selectors import parcel_tax_status

FRAME_MM = (186.0, 200.0)  # the map frame on an A4 page with 12 mm margins, above the legend
SCALES = (250, 500, 1000, 2000, 2500, 4000, 5000, 10000, 20000, 25000, 50000)
BAR_LENGTHS_M = (5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000)
STATUS_FILL = {
    TaxState.NOT_ASSESSED: "#d9d9d9",
    TaxState.ASSESSED: "#9ec5e8",
    TaxState.NOTICE_SENT: "#f3d27a",
    TaxState.PART_PAID: "#c9a7e0",
    TaxState.PAID: "#9fd4a8",
    TaxState.OVERDUE: "#ef9a94",
}
PLAIN_FILL = "#f4f1ea"


def _scale_for(width_m: float, height_m: float) -> int:
    for scale in SCALES:
        if width_m * 1000 / scale <= FRAME_MM[0] and height_m * 1000 / scale <= FRAME_MM[1]:
            return scale
    return SCALES[-1]


def _path(geom, to_mm) -> str:
    polygons = geom if geom.geom_type == "MultiPolygon" else [geom]
    rings = []
    for polygon in polygons:
        for ring in polygon:
            rings.append("M" + " L".join("{:.2f},{:.2f}".format(*to_mm(x, y)) for x, y in ring.coords) + " Z")
    return " ".join(rings)


def _map_svg(
    municipality, focus, *, year: int, taxes: bool, highlight_ids: set[int], buildings: bool = True
) -> tuple[str, dict]:
    """The map's SVG and its facts; `buildings`: the municipality does not hide them (maps.access.Hidden)."""
    srid = municipality.area_srid
    focus_utm = focus.transform(srid, clone=True)
    xmin, ymin, xmax, ymax = focus_utm.extent
    pad = max(xmax - xmin, ymax - ymin) * 0.35 + 20
    scale = _scale_for(xmax - xmin + 2 * pad, ymax - ymin + 2 * pad)
    half_w, half_h = FRAME_MM[0] * scale / 2000, FRAME_MM[1] * scale / 2000  # metres from the centre
    cx, cy = (xmin + xmax) / 2, (ymin + ymax) / 2
    window = Polygon.from_bbox((cx - half_w, cy - half_h, cx + half_w, cy + half_h))
    window.srid = srid
    window.transform(4326)

    def to_mm(x, y):
        return (x - cx) * 1000 / scale + FRAME_MM[0] / 2, (cy - y) * 1000 / scale + FRAME_MM[1] / 2

    parcels = list(  # today's parcels, and those printed even when retired (a retired parcel's own map)
        Parcel.objects.filter(Q(retired_on__isnull=True) | Q(pk__in=highlight_ids), geom__intersects=window).only(
            "geom", "parcel_code"
        )
    )
    status = parcel_tax_status(tax_year=year, parcel_ids=[p.pk for p in parcels]) if taxes else {}
    shapes, labels, used = [], [], set()
    for parcel in parcels:
        geom = parcel.geom.transform(srid, clone=True)
        state = status[parcel.pk].status if parcel.pk in status else TaxState.NOT_ASSESSED
        fill = STATUS_FILL[state] if taxes else PLAIN_FILL
        used.add(state)
        stroke = (
            ' stroke="#c0392b" stroke-width="0.6"'
            if parcel.pk in highlight_ids
            else ' stroke="#7d776a" stroke-width="0.15"'
        )
        shapes.append(f'<path d="{_path(geom, to_mm)}" fill="{fill}"{stroke}/>')
        if scale <= 2500:
            lx, ly = to_mm(*geom.point_on_surface.coords)
            labels.append(
                f'<text x="{lx:.1f}" y="{ly:.1f}" font-size="1.9" text-anchor="middle" fill="#333">'
                f"{escape(parcel.parcel_code)}</text>"
            )
    for building in Building.objects.filter(footprint__intersects=window).only("footprint") if buildings else ():
        geom = building.footprint.transform(srid, clone=True)
        shapes.append(
            f'<path d="{_path(geom, to_mm)}" fill="#8a8478" fill-opacity="0.55" stroke="#5d574b" stroke-width="0.1"/>'
        )
    bar_m = max((b for b in BAR_LENGTHS_M if b * 1000 / scale <= FRAME_MM[0] / 4), default=BAR_LENGTHS_M[0])
    bar_mm = bar_m * 1000 / scale
    w, h = FRAME_MM
    svg = (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}mm" height="{h}mm" viewBox="0 0 {w} {h}">'
        f'<defs><clipPath id="frame"><rect width="{w}" height="{h}"/></clipPath></defs>'
        f'<g clip-path="url(#frame)">{"".join(shapes)}{"".join(labels)}</g>'
        f'<rect width="{w}" height="{h}" fill="none" stroke="#222" stroke-width="0.4"/>'
        f'<g transform="translate({w - 12},14)" class="north"><path d="M0,-9 L5,6 L0,2 L-5,6 Z" fill="#222"/>'
        f'<text x="0" y="12" text-anchor="middle">N</text></g>'
        f'<g transform="translate(6,{h - 8})" class="scalebar">'
        f'<rect width="{bar_mm / 2:.2f}" height="1.6" fill="#222"/>'
        f'<rect x="{bar_mm / 2:.2f}" width="{bar_mm / 2:.2f}" height="1.6" fill="#fff" stroke="#222" '
        'stroke-width="0.2"/>'
        f'<text x="0" y="-1.5">0</text><text x="{bar_mm:.2f}" y="-1.5" text-anchor="end">{bar_m} ม.</text></g>'
        "</svg>"
    )
    legend = [(STATUS_FILL[s], str(TaxState(s).label)) for s in TaxState if s in used] if taxes else []
    return svg, {"scale": scale, "legend": legend}


def _pdf(context: dict) -> bytes:
    html = render_to_string("maps/print.html", {**context, "printed_on": thai_date(timezone.localdate(), long=True)})
    fonts = FontConfiguration()
    return HTML(string=html, base_url=str(FONTS)).write_pdf(
        stylesheets=[CSS(string=FONT_CSS, font_config=fonts)], font_config=fonts
    )


def parcel_pdf(parcel: Parcel, *, year: int, taxes: bool, closed: frozenset[str] = frozenset()) -> bytes:
    """`closed`: the tile layers the municipality hides (maps.access.Hidden.layers)."""
    svg, facts = _map_svg(
        parcel.municipality,
        parcel.geom,
        year=year,
        taxes=taxes,
        highlight_ids={parcel.pk},
        buildings="buildings" not in closed,
    )
    title = _("แผนที่แปลงที่ดิน %(code)s") % {"code": parcel.parcel_code}
    return _pdf({"title": title, "municipality": parcel.municipality, "svg": mark_safe(svg), "year": year, **facts})


def block_pdf(block, *, year: int, taxes: bool, closed: frozenset[str] = frozenset()) -> bytes:
    ids = set(Parcel.objects.filter(block=block, retired_on__isnull=True).values_list("pk", flat=True))
    svg, facts = _map_svg(
        block.municipality, block.geom, year=year, taxes=taxes, highlight_ids=ids, buildings="buildings" not in closed
    )
    title = _("แผนที่เขตย่อย %(code)s") % {"code": block.code}
    return _pdf({"title": title, "municipality": block.municipality, "svg": mark_safe(svg), "year": year, **facts})
