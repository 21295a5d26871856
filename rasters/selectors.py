"""Reads of flood analyses: the affected features with their register facts, for maps and exports.

The land-and-building tax of the affected parcels (for relief under LBTA s.56–57) is joined at read
time for a tax year the reader picks, from the tax engine's per-parcel status (`taxes.selectors`, the
view `taxes_tax_status`), so the figures follow the year's current run, its notices and payments.
A parcel without a row in that year's run is "not assessed", never a zero tax.
"""

import json
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from assets.models import InfrastructureAsset, Parcel
from municipalities.thai import format_baht
from rasters.flood import affected_household_parcels
from rasters.models import FloodAnalysis, FloodImpact, ImpactLayer
from taxes.choices import TaxState
from taxes.selectors import TAX_STATUS_VIEW, TaxStatusRow, parcel_tax_status, runs_by_year

MAP_LIMIT = 3000  # features drawn on the analysis map per layer, deepest first
TAX_RELIEF_NOTE = _(
    "มาตรา 56–57 แห่งพระราชบัญญัติภาษีที่ดินและสิ่งปลูกสร้าง พ.ศ. 2562 ให้ผู้บริหารท้องถิ่นลดหรือยกเว้นภาษี"
    "ของทรัพย์สินที่ได้รับความเสียหายจากภัยพิบัติได้ ตามหลักเกณฑ์และขั้นตอนที่กฎหมายกำหนด "
    "ยอดภาษีนี้เป็นภาษีตามการประเมินก่อนการลดหรือยกเว้น ใช้ประกอบการพิจารณาเท่านั้น "
    "แปลงที่ยังไม่ประเมินไม่นับรวมในยอด"
)


def impacts(analysis: FloodAnalysis, layer: str):
    related = {"parcel": "parcel", "building": "building__parcel", "asset": "asset"}[layer]
    return (
        FloodImpact.objects.filter(analysis=analysis, layer=layer)
        .select_related(related)
        .order_by("-max_depth_m", "-flooded_share", "id")
    )


def _target(impact):
    return impact.parcel or impact.building or impact.asset


def describe(impact, taxes: dict[int, TaxStatusRow] | None = None) -> dict:
    """Register facts of a flooded feature, the same for the map, XLSX and GeoPackage; with `taxes`
    (`parcel_tax_status` of a year), a parcel's tax status, tax due and tax paid too."""
    target = _target(impact)
    if impact.layer == ImpactLayer.PARCEL:
        code, kind, value = target.parcel_code, "", target.land_value
    elif impact.layer == ImpactLayer.BUILDING:
        code, kind, value = target.building_code, target.get_building_type_display(), None
    else:
        code, kind, value = target.asset_code, target.get_kind_display(), target.replacement_cost
    return {
        "code": code,
        "kind": str(kind),
        "flooded_share": round(impact.flooded_share, 4),
        "mean_depth_m": None if impact.mean_depth_m is None else round(impact.mean_depth_m, 3),
        "max_depth_m": None if impact.max_depth_m is None else round(impact.max_depth_m, 3),
        "value": value,
    } | ({} if taxes is None or impact.layer != ImpactLayer.PARCEL else tax_facts(taxes.get(target.pk)))


def tax_facts(row: TaxStatusRow | None) -> dict:
    """A parcel's tax for the year: status label, tax due and paid (None, not zero, when not assessed)."""
    if row is None:
        return {"tax_status": str(TaxState.NOT_ASSESSED.label), "tax_due": None, "tax_paid": None}
    return {"tax_status": row.label, "tax_due": row.tax_due, "tax_paid": row.tax_paid}


def tax_text(facts: dict) -> str:
    """The tax as one line for a tooltip: 1,204.00 บาท (แจ้งการประเมินแล้ว), or ยังไม่ประเมิน."""
    if facts["tax_due"] is None:
        return facts["tax_status"]
    return f"{format_baht(facts['tax_due'], unit=True)} ({facts['tax_status']})"


def geometry_of(impact):
    target = _target(impact)
    return target.footprint if impact.layer == ImpactLayer.BUILDING else target.geom


def impacts_geojson(analysis: FloodAnalysis, layer: str, limit: int = MAP_LIMIT, tax_year: int | None = None) -> dict:
    """The deepest `limit` features of a layer; with `tax_year`, parcels carry their tax as `tax`."""
    shown = list(impacts(analysis, layer)[:limit])
    taxes = None
    if tax_year is not None and layer == ImpactLayer.PARCEL:
        taxes = parcel_tax_status(tax_year=tax_year, parcel_ids=[i.parcel_id for i in shown])
    features = []
    for impact in shown:
        properties = describe(impact, taxes)
        properties["value"] = None if properties["value"] is None else str(properties["value"])
        properties["share_pct"] = f"{impact.flooded_share:.0%}"
        if taxes is not None:
            properties["tax"] = tax_text(properties)
            del properties["tax_status"], properties["tax_due"], properties["tax_paid"]
        features.append(
            {"type": "Feature", "geometry": json.loads(geometry_of(impact).geojson), "properties": properties}
        )
    return {"type": "FeatureCollection", "features": features}


def households(analysis: FloodAnalysis):
    """Main-residence parcels affected, with their first building's house number."""
    ids = affected_household_parcels(analysis)
    return Parcel.objects.filter(pk__in=ids).prefetch_related("buildings").order_by("parcel_code")


def asset_value_label(kind: str) -> str:
    return str(dict(InfrastructureAsset._meta.get_field("kind").choices).get(kind, kind))


def tax_years() -> list[int]:
    """The years that have a current assessment run, latest first."""
    return sorted(set(runs_by_year().filter(is_current=True).values_list("tax_year", flat=True)), reverse=True)


def default_tax_year(years: list[int], this_year: int | None = None) -> int:
    """The current year's run if there is one, else the latest assessed year before it (else the
    latest there is, else the current year, where every parcel shows as not assessed)."""
    this_year = this_year or timezone.localdate().year
    past = [year for year in years if year <= this_year]
    return past[0] if past else (years[0] if years else this_year)


@dataclass(frozen=True)
class TaxTotal:
    """The land-and-building tax of a group of affected parcels for a year (relief, LBTA s.56–57)."""

    parcels: int
    assessed: int
    tax_due: Decimal
    tax_paid: Decimal

    @property
    def not_assessed(self) -> int:
        return self.parcels - self.assessed


def tax_totals(analysis: FloodAnalysis, tax_year: int, household_ids: list[int]) -> dict[str, TaxTotal]:
    """The tax of the flooded parcels ("parcels") and of the affected main residences ("households"),
    summed in the database over the tax status view (raw SQL: municipality_id explicit)."""
    rows = dict.fromkeys(("parcels", "households"), (0, 0, Decimal(0), Decimal(0)))
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT g.name, count(*), count(s.parcel_id), coalesce(sum(s.tax_due), 0), coalesce(sum(s.tax_paid), 0)
              FROM (SELECT 'parcels' AS name, parcel_id FROM {FloodImpact._meta.db_table}
                     WHERE analysis_id = %(a)s AND municipality_id = %(m)s AND layer = %(layer)s
                    UNION ALL
                    SELECT 'households', unnest(%(homes)s::bigint[])) g
              LEFT JOIN {TAX_STATUS_VIEW} s
                     ON s.parcel_id = g.parcel_id AND s.tax_year = %(year)s AND s.municipality_id = %(m)s
             GROUP BY g.name
            """,
            {
                "a": analysis.pk,
                "m": analysis.municipality_id,
                "layer": ImpactLayer.PARCEL.value,
                "homes": list(household_ids),
                "year": tax_year,
            },
        )
        rows |= {name: values for name, *values in cursor.fetchall()}
    return {name: TaxTotal(*values) for name, values in rows.items()}
