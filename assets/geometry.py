"""Geometry rules of the register: validity, type, containment in the municipality, areas."""

from decimal import Decimal

from django.contrib.gis.geos import GEOSGeometry
from django.utils.translation import gettext as _

SQ_M_PER_SQ_WAH = Decimal(4)  # 1 ตารางวา = 4 m² (2 m × 2 m)


def geometry_problem(geom: GEOSGeometry | None, *, municipality, allowed_types: tuple[str, ...]) -> str | None:
    """The first thing wrong with a geometry for this municipality, as a Thai message, or None."""
    if geom is None or geom.empty:
        return _("ไม่มีรูปแปลง (geometry ว่าง)")
    if geom.geom_type not in allowed_types:
        return _("ชนิดรูปเรขาคณิต %(found)s ใช้ไม่ได้ ต้องเป็น %(allowed)s") % {
            "found": geom.geom_type,
            "allowed": _(" หรือ ").join(allowed_types),
        }
    if not geom.valid:
        return _("รูปเรขาคณิตไม่ถูกต้อง: %(reason)s") % {"reason": geom.valid_reason}
    if geom.srid not in (None, 4326):
        geom = geom.transform(4326, clone=True)
    if municipality is not None and not municipality.boundary.covers(geom):
        return _("อยู่นอกเขต%(name)s") % {"name": municipality.display_name}
    return None


def area_m2(geom: GEOSGeometry, srid: int) -> Decimal:
    """Planar area in the municipality's UTM zone, to the square centimetre."""
    projected = geom.transform(srid, clone=True)
    return Decimal(projected.area).quantize(Decimal("0.0001"))


def length_m(geom: GEOSGeometry, srid: int) -> Decimal:
    projected = geom.transform(srid, clone=True)
    return Decimal(projected.length).quantize(Decimal("0.01"))


def sq_wah_from_m2(m2: Decimal) -> Decimal:
    return (Decimal(m2) / SQ_M_PER_SQ_WAH).quantize(Decimal("0.01"))


def as_multi(geom: GEOSGeometry | None) -> GEOSGeometry | None:
    """Wrap a Polygon in a MultiPolygon (forms and files often give single polygons)."""
    from django.contrib.gis.geos import MultiPolygon

    if geom is not None and geom.geom_type == "Polygon":
        return MultiPolygon(geom, srid=geom.srid)
    return geom
