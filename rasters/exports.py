"""Flood analysis exports: a workbook (summary, one sheet per layer, households) and a GeoPackage.

With a `tax_year` (readers with VIEW_TAXES only), parcels carry their land-and-building tax of that
year: status, tax due and tax paid, empty (not zero) for a parcel that was not assessed.
"""

import tempfile
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
import shapely
from django.utils.translation import gettext as _
from openpyxl import Workbook

from municipalities.thai import be_year
from rasters import selectors
from rasters.models import FloodAnalysis, FloodImpact, ImpactLayer
from taxes.selectors import parcel_tax_status

COLUMNS = ["code", "kind", "flooded_share", "mean_depth_m", "max_depth_m", "value"]
TAX_COLUMNS = ["tax_status", "tax_due", "tax_paid"]


def _tax_headers(tax_year: int) -> list[str]:
    year = {"year": be_year(tax_year)}
    return [
        _("สถานะภาษี ปี %(year)s") % year,
        _("ภาษีที่ดินและสิ่งปลูกสร้าง ปี %(year)s (บาท)") % year,
        _("ชำระแล้ว (บาท)"),
    ]


def _columns(layer: str, tax_year: int | None) -> tuple[list[str], list[str]]:
    """The keys of `selectors.describe` to export for a layer, and their Thai headers."""
    columns = list(COLUMNS)
    headers = [
        _("รหัส"),
        _("ประเภท"),
        _("สัดส่วนพื้นที่น้ำท่วม"),
        _("ความลึกเฉลี่ย (ม.)"),
        _("ความลึกสูงสุด (ม.)"),
        _("มูลค่า (บาท)"),
    ]
    if tax_year is not None and layer == ImpactLayer.PARCEL:
        columns += TAX_COLUMNS
        headers += _tax_headers(tax_year)
    return columns, headers


def _parcel_taxes(analysis: FloodAnalysis, tax_year: int | None, household_ids=()):
    """The tax status of the flooded parcels and the affected households, or None without a year."""
    if tax_year is None:
        return None
    flooded = FloodImpact.objects.filter(analysis=analysis, layer=ImpactLayer.PARCEL).values_list(
        "parcel_id", flat=True
    )
    return parcel_tax_status(tax_year=tax_year, parcel_ids={*flooded, *household_ids})


def workbook(analysis: FloodAnalysis, tax_year: int | None = None) -> Workbook:
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
    households = list(selectors.households(analysis))
    home_ids = [parcel.pk for parcel in households]
    taxes = _parcel_taxes(analysis, tax_year, home_ids)
    if taxes is not None:
        totals = selectors.tax_totals(analysis, tax_year, home_ids)
        sheet.append([_("ปีภาษี"), be_year(tax_year)])
        sheet.append([_("ภาษีที่ดินและสิ่งปลูกสร้างของแปลงที่น้ำท่วม (บาท)"), totals["parcels"].tax_due])
        sheet.append([_("แปลงที่น้ำท่วมที่ยังไม่ประเมินภาษี"), totals["parcels"].not_assessed])
        sheet.append([_("ภาษีที่ดินและสิ่งปลูกสร้างของครัวเรือนที่ได้รับผลกระทบ (บาท)"), totals["households"].tax_due])
        sheet.append([str(selectors.TAX_RELIEF_NOTE)])
    for layer in ImpactLayer:
        columns, headers = _columns(layer.value, tax_year)
        layer_sheet = book.create_sheet(str(layer.label)[:31])
        layer_sheet.append(headers)
        for impact in selectors.impacts(analysis, layer.value):
            facts = selectors.describe(impact, taxes)
            layer_sheet.append([facts[c] for c in columns])
    homes = book.create_sheet(_("ครัวเรือน"))
    homes.append([_("รหัสแปลง"), _("บ้านเลขที่"), *(_tax_headers(tax_year) if taxes is not None else [])])
    for parcel in households:
        numbers = ", ".join(b.house_number for b in parcel.buildings.all() if b.house_number)
        tax = [] if taxes is None else [selectors.tax_facts(taxes.get(parcel.pk))[c] for c in TAX_COLUMNS]
        homes.append([parcel.parcel_code, numbers, *tax])
    return book


def geopackage(analysis: FloodAnalysis, tax_year: int | None = None) -> bytes:
    """One layer per register (parcels, buildings, assets) with the statistics as attributes under
    Thai headers, WGS 84."""
    taxes = _parcel_taxes(analysis, tax_year)
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "flood.gpkg"
        for layer in ImpactLayer:
            columns, headers = _columns(layer.value, tax_year)
            rows, geoms = [], []
            for impact in selectors.impacts(analysis, layer.value):
                facts = selectors.describe(impact, taxes)
                rows.append([float(v) if isinstance(v, Decimal) else v for v in (facts[c] for c in columns)])
                geoms.append(shapely.from_wkb(bytes(selectors.geometry_of(impact).wkb)))
            frame = gpd.GeoDataFrame(rows, columns=headers, geometry=geoms, crs="EPSG:4326")
            frame.to_file(path, layer=layer.value, driver="GPKG", engine="pyogrio")
        return path.read_bytes()
