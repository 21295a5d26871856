"""The anonymised aggregate package a municipality sends to the national level (schema in
docs/NATIONAL_PACKAGE.md and catalogue/data/national-package-v1.schema.json).

A package is a folder `<code>-<year>/` with four files:

- `manifest.json`: schema version, municipality (code, names, province), tax year, the columns of
  each table with their Thai labels and the LTAX Online / DGA names they correspond to, and the
  suppression rule applied;
- `cells.parquet` (GeoParquet): one row per block (เขตย่อย) and principal use category: counts,
  areas, appraised value, assessed tax, collected tax, arrears; the block's outline as geometry;
- `infrastructure.parquet`: per infrastructure kind: counts, lengths, and condition;
- `municipality.parquet` (GeoParquet): one row, the municipality's outline and centre (public
  administrative facts).

Anonymisation (what the tests check by scanning every value of a package):
- no names, national IDs, addresses, parcel codes, deed numbers or record ids: only codes of zones
  and blocks, categories and sums;
- a cell of fewer than 5 parcels (5 signboards for signboard cells) is not published, nor a figure
  of a published cell that comes from 1 to 4 of its parcels (arrears when 1 to 4 are overdue, tax
  collected from 1 to 4 payers…; catalogue/disclosure.py); what is withheld is pooled into one
  residual row per municipality (one for land, one for signboards; no block, no geometry), whose
  figures follow the same rule, so that no total minus the published cells reveals a withheld one.
"""

import datetime
import json
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from django.db import connection
from django.utils import timezone

from assets.choices import UseCategory
from assets.validators import BLOCK_OF_PARCEL_CODE_SQL
from catalogue.disclosure import MIN_CELL, publishable
from dataio.exporter import LTAX_USED_TYPE
from taxes.parameters import value_at
from taxes.selectors import tax_sums_sql

SCHEMA_VERSION = "1.1"  # 1.1: a figure of a published cell may be empty (figures_withheld)
RESIDUAL = "suppressed"
SIGNBOARD = "signboard"

# name → (Thai label, unit, LTAX Online / DGA มสพร-12 counterpart or None)
CELL_COLUMNS = {
    "lgo_code": ("รหัส อปท. (DOPA)", "", "lgoCode (LTAX: รหัสองค์กรปกครองส่วนท้องถิ่น)"),
    "province_code": ("รหัสจังหวัด", "", "provinceCode"),
    "tax_year": ("ปีภาษี (ค.ศ.)", "year", "taxYear"),
    "zone_code": ("รหัสเขต", "", "zone (LTAX GIS)"),
    "block_code": ("รหัสเขตย่อย", "", "block (LTAX GIS)"),
    "use_category": ("ลักษณะการใช้ประโยชน์หลัก", "", "usedType (LTAX Online 1–5)"),
    "used_type": ("รหัสลักษณะการใช้ของ LTAX Online", "", "usedType"),
    "parcel_count": ("จำนวนแปลง (หรือป้าย)", "count", None),
    "land_area_sq_wah": ("เนื้อที่ดินรวม (ตารางวา)", "sq wah", "wah (LTAX: ไร่-งาน-วา รวมเป็นวา)"),
    "land_value_baht": ("ราคาประเมินที่ดินรวม (บาท)", "baht", "totalPrice (LTAX land)"),
    "building_count": ("จำนวนสิ่งปลูกสร้าง", "count", None),
    "building_area_m2": ("พื้นที่สิ่งปลูกสร้างรวม (ตร.ม.)", "m²", "area (LTAX building)"),
    "building_value_baht": ("ราคาประเมินสิ่งปลูกสร้างก่อนหักค่าเสื่อม (บาท)", "baht", None),
    "assessed_value_baht": ("มูลค่าทรัพย์สินตามราคาประเมิน (บาท)", "baht", None),
    "assessed_count": ("จำนวนที่ประเมินภาษี", "count", None),
    "assessed_tax_baht": ("ภาษีที่ประเมิน (บาท)", "baht", None),
    "collected_tax_baht": ("ภาษีที่จัดเก็บได้ (บาท)", "baht", None),
    "arrears_baht": ("ภาษีค้างชำระ (บาท)", "baht", None),
}
INFRA_COLUMNS = {
    "lgo_code": ("รหัส อปท. (DOPA)", "", "lgoCode"),
    "province_code": ("รหัสจังหวัด", "", "provinceCode"),
    "kind": ("ประเภทโครงสร้างพื้นฐาน", "", None),
    "asset_count": ("จำนวน", "count", None),
    "length_m": ("ความยาวรวม (เมตร)", "m", None),
    "replacement_cost_baht": ("ราคาทดแทนรวม (บาท)", "baht", None),
    "condition_1": ("สภาพ 1 ดีมาก", "count", None),
    "condition_2": ("สภาพ 2 ดี", "count", None),
    "condition_3": ("สภาพ 3 พอใช้", "count", None),
    "condition_4": ("สภาพ 4 ทรุดโทรม", "count", None),
    "condition_5": ("สภาพ 5 ต้องเปลี่ยน", "count", None),
    "condition_unknown": ("ยังไม่ตรวจสภาพ", "count", None),
    "mean_condition": ("สภาพเฉลี่ย (1–5)", "", None),
}
# Each figure of a cell and the count of the parcels (signboards) it comes from (CELLS_SQL): a figure is
# published only as catalogue.disclosure allows for them. Building area goes with the building value,
# which it gives through the public price table.
CONTRIBUTORS = {
    "parcel_count": "parcel_count",
    "land_area_sq_wah": "parcel_count",
    "land_value_baht": "land_valued_n",
    "building_count": "built_n",
    "building_area_m2": "built_n",
    "building_value_baht": "built_n",
    "assessed_value_baht": "valued_n",
    "assessed_count": "parcel_count",
    "assessed_tax_baht": "taxed_n",
    "collected_tax_baht": "paying_n",
    "arrears_baht": "overdue_n",
}
MEASURES = list(CONTRIBUTORS)


def _building_prices(tax_year: int) -> str:
    prices = value_at("land_building.building_prices", on=datetime.date(tax_year, 1, 1))
    return ", ".join(f"('{code}', {Decimal(str(price))})" for code, price in prices.items())


# A cell's tax figures and their contributor counts: taxes.selectors.TAX_SUMS under the package's names.
CELL_TAX = ("assessed_tax_baht", "collected_tax_baht", "arrears_baht", "taxed_n", "paying_n", "overdue_n")
CELLS_SQL = """
WITH principal AS (  -- the use with the largest area of each parcel
    SELECT DISTINCT ON (u.parcel_id) u.parcel_id, u.use
    FROM assets_landuse u WHERE u.municipality_id = %(m)s
    ORDER BY u.parcel_id, u.area_sq_wah DESC, u.use
),
buildings AS (
    SELECT b.parcel_id, count(*) AS n, sum(b.floor_area_m2) AS area,
           sum(b.floor_area_m2 * coalesce(b.price_per_m2, bp.price, 0)) AS value
    FROM assets_building b LEFT JOIN (VALUES {prices}) bp(building_type, price) ON bp.building_type = b.building_type
    WHERE b.municipality_id = %(m)s GROUP BY b.parcel_id
),
tax AS (
    SELECT v.parcel_id, v.tax_due, v.tax_paid, v.status FROM taxes_tax_status v
    WHERE v.municipality_id = %(m)s AND v.tax_year = %(year)s AND v.parcel_id IS NOT NULL
)
SELECT coalesce(bl.code, substring(p.parcel_code from {block_of_code})) AS block_code,
       coalesce(pr.use, 'unknown') AS use_category,
       count(*) AS parcel_count, sum(p.area_sq_wah) AS land_area_sq_wah,
       sum(p.area_sq_wah * coalesce(p.price_per_sq_wah, 0)) AS land_value_baht,
       sum(coalesce(b.n, 0)) AS building_count, sum(coalesce(b.area, 0)) AS building_area_m2,
       sum(coalesce(b.value, 0)) AS building_value_baht,
       -- how many parcels each figure comes from (catalogue/disclosure.py; CONTRIBUTORS below)
       count(*) FILTER (WHERE p.area_sq_wah * coalesce(p.price_per_sq_wah, 0) > 0) AS land_valued_n,
       count(*) FILTER (WHERE b.n > 0) AS built_n,
       count(*) FILTER (WHERE p.area_sq_wah * coalesce(p.price_per_sq_wah, 0) > 0 OR b.value > 0) AS valued_n,
       count(t.parcel_id) AS assessed_count, {parcel_tax}
FROM assets_parcel p
LEFT JOIN municipalities_block bl ON bl.id = p.block_id AND bl.municipality_id = %(m)s
LEFT JOIN principal pr ON pr.parcel_id = p.id
LEFT JOIN buildings b ON b.parcel_id = p.id
LEFT JOIN tax t ON t.parcel_id = p.id
WHERE p.municipality_id = %(m)s AND p.retired_on IS NULL
GROUP BY 1, 2
UNION ALL
SELECT coalesce(bl.code, substring(p.parcel_code from {block_of_code})), '{signboard}',
       count(*), NULL, NULL, NULL, NULL, NULL, 0, 0, 0, count(v.signboard_id), {sign_tax}
FROM assets_signboard s
LEFT JOIN assets_parcel p ON p.id = s.parcel_id AND p.municipality_id = %(m)s
LEFT JOIN municipalities_block bl ON bl.id = p.block_id AND bl.municipality_id = %(m)s
LEFT JOIN taxes_tax_status v ON v.signboard_id = s.id AND v.municipality_id = %(m)s AND v.tax_year = %(year)s
WHERE s.municipality_id = %(m)s AND s.removed_on IS NULL
GROUP BY 1
"""

INFRA_SQL = """
SELECT a.kind, count(*),
       sum(CASE WHEN GeometryType(a.geom) IN ('LINESTRING', 'MULTILINESTRING')
                THEN ST_Length(a.geom::geography) ELSE 0 END),
       sum(a.replacement_cost),
       count(*) FILTER (WHERE a.condition = 1), count(*) FILTER (WHERE a.condition = 2),
       count(*) FILTER (WHERE a.condition = 3), count(*) FILTER (WHERE a.condition = 4),
       count(*) FILTER (WHERE a.condition = 5), count(*) FILTER (WHERE a.condition IS NULL),
       avg(a.condition)
FROM assets_infrastructureasset a WHERE a.municipality_id = %(m)s GROUP BY a.kind ORDER BY a.kind
"""


def _cells(municipality, tax_year: int) -> tuple[gpd.GeoDataFrame, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            CELLS_SQL.format(
                prices=_building_prices(tax_year),
                block_of_code=BLOCK_OF_PARCEL_CODE_SQL,
                signboard=SIGNBOARD,
                parcel_tax=tax_sums_sql("t", CELL_TAX),
                sign_tax=tax_sums_sql("v", CELL_TAX),
            ),
            {"m": municipality.pk, "year": tax_year},
        )
        names = [d.name for d in cursor.description]
        raw = pd.DataFrame(cursor.fetchall(), columns=names)
        cursor.execute(
            "SELECT code, ST_AsBinary(geom) FROM municipalities_block WHERE municipality_id = %s", [municipality.pk]
        )
        outlines = {code: shapely.from_wkb(bytes(wkb)) for code, wkb in cursor.fetchall()}
    for name in {*MEASURES, *CONTRIBUTORS.values()}:
        if name in raw:
            raw[name] = pd.to_numeric(raw[name], errors="coerce").astype(float)
    raw["assessed_value_baht"] = raw["land_value_baht"].fillna(0) + raw["building_value_baht"].fillna(0)
    raw.loc[raw["use_category"] == SIGNBOARD, "assessed_value_baht"] = None
    published, withheld_figures = _suppress(raw)
    published["zone_code"] = published["block_code"].str[:2]
    published["used_type"] = published["use_category"].map(LTAX_USED_TYPE).astype("Int64")
    published["lgo_code"] = municipality.code
    published["province_code"] = municipality.code[:2]
    published["tax_year"] = tax_year
    for name in ("parcel_count", "building_count", "assessed_count"):
        published[name] = published[name].round().astype("Int64")
    geometry = [outlines.get(code) if isinstance(code, str) else None for code in published["block_code"]]
    frame = gpd.GeoDataFrame(published[list(CELL_COLUMNS)], geometry=gpd.GeoSeries(geometry, crs=4326), crs=4326)
    frame = frame.sort_values(["block_code", "use_category"], na_position="last").reset_index(drop=True)
    return frame, withheld_figures


def _suppress(raw: pd.DataFrame) -> tuple[pd.DataFrame, int]:
    """The cells and figures catalogue.disclosure lets out, and how many figures of published cells it withheld.

    A cell of fewer than MIN_CELL parcels is not published; in the others, a figure coming from 1 to
    MIN_CELL - 1 of their parcels is left empty. Whatever is withheld is pooled into one residual row
    per kind (land; signboards), without block, whose figures follow the same rule: totals still add
    up, and no total minus the published cells gives back a withheld figure.
    """
    small = ~publishable(raw["parcel_count"])
    withheld = pd.DataFrame({name: small | ~publishable(raw[count]) for name, count in CONTRIBUTORS.items()})
    # A value is land + buildings: published only with both, or a subtraction gives the withheld one.
    withheld["assessed_value_baht"] |= withheld["land_value_baht"] | withheld["building_value_baht"]
    published = raw[~small].copy()
    published[MEASURES] = published[MEASURES].mask(withheld[~small])
    withheld_figures = int((withheld[~small] & raw.loc[~small, MEASURES].notna()).to_numpy().sum())
    for signboards, label in ((False, RESIDUAL), (True, SIGNBOARD)):
        kind = (raw["use_category"] == SIGNBOARD) == signboards
        counts = {name: raw.loc[kind & withheld[name], count].sum() for name, count in CONTRIBUTORS.items()}
        if max(counts.values()) < MIN_CELL:
            continue  # nothing in it could be published
        residual = {
            name: raw.loc[kind & withheld[name], name].sum(min_count=1) if publishable(counts[name]) else float("nan")
            for name in MEASURES
        }
        residual["block_code"], residual["use_category"] = None, label
        published = pd.concat([published, pd.DataFrame([residual])], ignore_index=True)
    return published, withheld_figures


def _infrastructure(municipality) -> pd.DataFrame:
    with connection.cursor() as cursor:
        cursor.execute(INFRA_SQL, {"m": municipality.pk})
        rows = cursor.fetchall()
    frame = pd.DataFrame(rows, columns=[c for c in INFRA_COLUMNS if c not in ("lgo_code", "province_code")])
    for name in ("length_m", "replacement_cost_baht", "mean_condition"):
        frame[name] = pd.to_numeric(frame[name], errors="coerce").astype(float).round(2)
    frame.insert(0, "province_code", municipality.code[:2])
    frame.insert(0, "lgo_code", municipality.code)
    return frame


def _municipality(municipality) -> gpd.GeoDataFrame:
    outline = shapely.from_wkb(bytes(municipality.boundary.wkb)).simplify(0.0005)
    centre = shapely.from_wkb(bytes(municipality.boundary.point_on_surface.wkb))
    return gpd.GeoDataFrame(
        {
            "lgo_code": [municipality.code],
            "province_code": [municipality.code[:2]],
            "name_th": [municipality.display_name],
            "name_en": [municipality.name_en],
            "kind": [municipality.kind],
            "province_th": [municipality.province_th],
            "centre_lon": [centre.x],
            "centre_lat": [centre.y],
        },
        geometry=gpd.GeoSeries([outline], crs=4326),
        crs=4326,
    )


def _dictionary(columns: dict) -> list[dict]:
    return [
        {"name": name, "label_th": label, "unit": unit, "ltax_or_dga_name": counterpart}
        for name, (label, unit, counterpart) in columns.items()
    ]


def write_package(municipality, *, tax_year: int, out_dir: Path) -> Path:
    """Write the municipality's package for `tax_year` into `out_dir/<code>-<year>/` and return it."""
    folder = Path(out_dir) / f"{municipality.code}-{tax_year}"
    folder.mkdir(parents=True, exist_ok=True)
    cells, withheld_figures = _cells(municipality, tax_year)
    infrastructure = _infrastructure(municipality)
    cells.to_parquet(folder / "cells.parquet", index=False)
    infrastructure.to_parquet(folder / "infrastructure.parquet", index=False)
    _municipality(municipality).to_parquet(folder / "municipality.parquet", index=False)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM assets_parcel WHERE municipality_id = %s AND retired_on IS NULL", [municipality.pk]
        )
        parcels = cursor.fetchone()[0]
    published = int(cells.loc[cells["use_category"] != SIGNBOARD, "parcel_count"].sum())
    manifest = {
        "schema": "thesaban-national-package",
        "schema_version": SCHEMA_VERSION,
        "created_at": timezone.now().isoformat(timespec="seconds"),
        "lgo_code": municipality.code,
        "province_code": municipality.code[:2],
        "tax_year": tax_year,
        "suppression": {
            "rule": f"cells with fewer than {MIN_CELL} parcels (signboard cells: signboards) are not published, nor "
            f"a figure that comes from 1 to {MIN_CELL - 1} parcels of a cell (arrears of its overdue parcels, tax "
            f"collected from its paying parcels, values of its valued parcels); both are pooled into one '{RESIDUAL}' "
            f"row (signboards: one '{SIGNBOARD}' row), whose figures follow the same rule",
            "parcels": parcels,
            "parcels_published": published,
            "parcels_withheld": parcels - published,
            "figures_withheld": withheld_figures,
        },
        "tables": {
            "cells.parquet": {
                "rows": len(cells),
                "geometry": "block outline (EPSG:4326)",
                "columns": _dictionary(CELL_COLUMNS),
            },
            "infrastructure.parquet": {"rows": len(infrastructure), "columns": _dictionary(INFRA_COLUMNS)},
            "municipality.parquet": {"rows": 1, "geometry": "municipal boundary, simplified (EPSG:4326)"},
        },
        "use_categories": {c.value: str(c.label) for c in UseCategory} | {SIGNBOARD: "ป้าย", RESIDUAL: "รวมเซลล์ที่ปกปิด"},
    }
    (folder / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return folder
