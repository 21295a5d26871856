"""Flood analysis exports: a workbook (summary, one sheet per layer, households) and a GeoPackage."""

import tempfile
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
import shapely
from django.utils.translation import gettext as _
from openpyxl import Workbook

from rasters import selectors
from rasters.models import FloodAnalysis, ImpactLayer

COLUMNS = ["code", "kind", "flooded_share", "mean_depth_m", "max_depth_m", "value"]


def _headers():
    return [_("รหัส"), _("ประเภท"), _("สัดส่วนพื้นที่น้ำท่วม"), _("ความลึกเฉลี่ย (ม.)"), _("ความลึกสูงสุด (ม.)"), _("มูลค่า (บาท)")]


def workbook(analysis: FloodAnalysis) -> Workbook:
    book = Workbook()
    sheet = book.active
    sheet.title = _("สรุป")
    summary = analysis.summary
    sheet.append([_("แรสเตอร์"), analysis.raster.name])
    sheet.append([_("ความลึกขั้นต่ำ (ม.)"), float(analysis.threshold_m)])
    for layer in ImpactLayer:
        sheet.append(
            [
                _("%(layer)s ที่น้ำท่วม") % {"layer": layer.label},
                summary["flooded"][layer.value],
                summary["analysed"][layer.value],
            ]
        )
    sheet.append([_("ครัวเรือน (บ้านหลังหลัก) ที่ได้รับผลกระทบ"), summary["households"]])
    sheet.append([_("มูลค่าทดแทนโครงสร้างพื้นฐานที่เสี่ยง (บาท)"), Decimal(summary["replacement_value_at_risk"])])
    for row in summary["assets_by_kind"]:
        sheet.append([selectors.asset_value_label(row["kind"]), row["count"], Decimal(row["replacement_value"])])
    for layer in ImpactLayer:
        layer_sheet = book.create_sheet(str(layer.label)[:31])
        layer_sheet.append(_headers())
        for impact in selectors.impacts(analysis, layer.value):
            facts = selectors.describe(impact)
            layer_sheet.append([facts[c] for c in COLUMNS])
    homes = book.create_sheet(_("ครัวเรือน"))
    homes.append([_("รหัสแปลง"), _("บ้านเลขที่")])
    for parcel in selectors.households(analysis):
        homes.append([parcel.parcel_code, ", ".join(b.house_number for b in parcel.buildings.all() if b.house_number)])
    return book


def geopackage(analysis: FloodAnalysis) -> bytes:
    """One layer per register (parcels, buildings, assets) with the statistics as attributes, WGS 84."""
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "flood.gpkg"
        for layer in ImpactLayer:
            rows, geoms = [], []
            for impact in selectors.impacts(analysis, layer.value):
                facts = selectors.describe(impact)
                facts["value"] = None if facts["value"] is None else float(facts["value"])
                rows.append(facts)
                geoms.append(shapely.from_wkb(bytes(selectors.geometry_of(impact).wkb)))
            frame = gpd.GeoDataFrame(rows, columns=COLUMNS, geometry=geoms, crs="EPSG:4326")
            frame.to_file(path, layer=layer.value, driver="GPKG", engine="pyogrio")
        return path.read_bytes()
