"""Write a municipality's register as files: GeoPackage, zipped Shapefile (UTF-8 or CP874), GeoJSON,
CSV and XLSX with Thai headers, and the LTAX Online field set.

Column names are the ones the importer recognises (layers.py), so a file exported here imports back
into the same register unchanged. Personal data (owners) is added only when `personal_data` is true;
callers go through dataio.services, which decides who may ask for it.
"""

import io
import json
import logging
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
import pandas as pd
import shapely
from django.core.exceptions import ValidationError
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

from assets.choices import DeedType
from dataio.layers import BOOLEAN, DECIMAL, INTEGER, Layer, custom_sql, layer_for, normalise_label
from municipalities.tenancy import current_zones
from municipalities.thai import rai_ngan_wa

FORMATS = {
    "gpkg": gettext_lazy("GeoPackage (.gpkg)"),
    "shp": gettext_lazy("Shapefile (.zip)"),
    "geojson": gettext_lazy("GeoJSON"),
    "csv": gettext_lazy("CSV (เปิดด้วย Excel ได้)"),
    "xlsx": gettext_lazy("Excel (.xlsx) หัวตารางภาษาไทย"),
    "ltax": gettext_lazy("ชุดข้อมูล LTAX Online (.xlsx)"),
}
CONTENT_TYPES = {
    "gpkg": "application/geopackage+sqlite3",
    "shp": "application/zip",
    "geojson": "application/geo+json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "ltax": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SUFFIXES = {"gpkg": "gpkg", "shp": "zip", "geojson": "geojson", "csv": "csv", "xlsx": "xlsx", "ltax": "xlsx"}
WKT_HEADER = "wkt"
logging.getLogger("pyogrio").setLevel(logging.WARNING)  # not "Created N records" on every export
WKT_HEADER_TH = "รูปเรขาคณิต"


@dataclass(frozen=True)
class ExportFile:
    filename: str
    content_type: str
    content: bytes
    rows: int


def export(municipality, *, layer: str, fmt: str, encoding: str, personal_data: bool) -> ExportFile:
    if fmt not in FORMATS:
        raise ValidationError(_("ไม่รู้จักรูปแบบไฟล์ %(fmt)s") % {"fmt": fmt})
    suffix = "" if personal_data else "-pdpa"
    if fmt == "ltax":
        if current_zones() is not None:
            raise ValidationError(_("ชุดข้อมูล LTAX Online เป็นของทั้งเทศบาล ผู้ที่ได้รับสิทธิ์เฉพาะบางเขตส่งออกได้ทีละชั้นข้อมูลของเขตตน"))
        content, rows = ltax_workbook(municipality, personal_data=personal_data)
        return ExportFile(f"{municipality.code}-ltax{suffix}.xlsx", CONTENT_TYPES[fmt], content, rows)
    spec = layer_for(municipality.pk, layer)
    frame = layer_frame(municipality, spec, personal_data=personal_data)
    content = WRITERS[fmt](frame, spec, encoding)
    return ExportFile(
        f"{municipality.code}-{spec.key}{suffix}.{SUFFIXES[fmt]}", CONTENT_TYPES[fmt], content, len(frame)
    )


# Reading the register --------------------------------------------------------------------------------


def _owner_sql(target: str) -> str:
    """Owners of a parcel or building, joined in code order (several owners share a property)."""
    return f"""
        LEFT JOIN LATERAL (
            SELECT string_agg(trim(o.title || o.first_name || ' ' || o.last_name), '; ' ORDER BY o.national_id)
                       AS owner_names,
                   string_agg(o.national_id, '; ' ORDER BY o.national_id) AS owner_ids,
                   string_agg(o.address, '; ' ORDER BY o.national_id) AS owner_addresses
            FROM assets_ownership w JOIN assets_owner o ON o.id = w.owner_id AND o.municipality_id = %(m)s
            WHERE w.municipality_id = %(m)s AND w.{target}_id = t.id
        ) own ON true"""


def layer_frame(municipality, layer: Layer, *, personal_data: bool) -> gpd.GeoDataFrame:
    """One row per record of the municipality, in code order, with the layer's export columns."""
    selects, joins = [], ""
    for column in layer.columns:
        if column.personal and not personal_data:
            continue
        if column.custom:
            selects.append(f"{custom_sql(column.name, column.kind)} AS {column.name}")
        elif column.name == "parcel_code" and layer.key != "parcels":
            selects.append("p.parcel_code AS parcel_code")
        elif column.name == "owner_national_id":
            selects.append("so.national_id AS owner_national_id")
        elif column.name in ("owner_names", "owner_addresses") and layer.key == "signboards":
            field = (
                "trim(so.title || so.first_name || ' ' || so.last_name)"
                if column.name == "owner_names"
                else "so.address"
            )
            selects.append(f"{field} AS {column.name}")
        elif column.personal:
            selects.append(f"own.{column.name}")
        else:
            selects.append(f"t.{layer.field(column.name).column} AS {column.name}")
    if layer.key in ("buildings", "signboards"):
        joins += " LEFT JOIN assets_parcel p ON p.id = t.parcel_id AND p.municipality_id = %(m)s"
    if personal_data and layer.key in ("parcels", "buildings"):
        joins += _owner_sql("parcel" if layer.key == "parcels" else "building")
    if personal_data and layer.key == "signboards":
        joins += " LEFT JOIN assets_owner so ON so.id = t.owner_id AND so.municipality_id = %(m)s"
    where, params = "t.municipality_id = %(m)s", {"m": municipality.pk}
    if layer.key == "parcels":
        where += " AND t.retired_on IS NULL"
    zones = current_zones()
    if zones is not None and layer.model.zone_condition(zones) is not None:
        where += " AND t.id = ANY(%(visible)s)"  # a zone-limited member exports their zones only
        params["visible"] = list(layer.model.objects.values_list("pk", flat=True))
    geometry = layer.field(layer.geometry).column
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {', '.join(selects)}, ST_AsBinary(t.{geometry}) FROM {layer.model._meta.db_table} t {joins} "
            f"WHERE {where} ORDER BY t.{layer.field(layer.code).column}",
            params,
        )
        names = [d.name for d in cursor.description[:-1]]
        rows = cursor.fetchall()
    frame = pd.DataFrame([r[:-1] for r in rows], columns=names, dtype=object)
    for column in layer.columns:
        if column.name in frame and layer.kind_of(column) == DECIMAL:
            frame[column.name] = frame[column.name].map(lambda v: None if v is None else float(v))
        if column.custom and column.name in frame and layer.kind_of(column) in (BOOLEAN, INTEGER):
            frame[column.name] = frame[column.name].astype("boolean" if layer.kind_of(column) == BOOLEAN else "Int64")
        if column.name == "attributes" and column.name in frame:
            # Django hands jsonb over as its text; write it in one canonical form.
            frame[column.name] = frame[column.name].map(
                lambda v: json.dumps(json.loads(v) if isinstance(v, str) else v, ensure_ascii=False, sort_keys=True)
            )
    geometries = shapely.from_wkb([bytes(r[-1]) for r in rows]) if rows else []
    return gpd.GeoDataFrame(frame, geometry=gpd.GeoSeries(geometries, crs=4326), crs=4326)


# Writers ---------------------------------------------------------------------------------------------


def _to_bytes(write, suffix: str) -> bytes:
    with tempfile.TemporaryDirectory(prefix="thesaban-export-") as folder:
        path = Path(folder) / f"export.{suffix}"
        write(path)
        return path.read_bytes()


def write_gpkg(frame, layer: Layer, encoding: str) -> bytes:
    return _gpkg(frame, layer.key)


def _gpkg(frame, name: str) -> bytes:
    return _to_bytes(lambda p: frame.to_file(p, driver="GPKG", layer=name, engine="pyogrio"), "gpkg")


def write_geojson(frame, layer: Layer, encoding: str) -> bytes:
    return _to_bytes(
        lambda p: frame.to_file(p, driver="GeoJSON", engine="pyogrio", layer_options={"SIGNIFICANT_FIGURES": 17}),
        "geojson",
    )


def write_shapefile(frame, layer: Layer, encoding: str) -> bytes:
    if layer.mixed_geometry and len({t for t in frame.geometry.geom_type.str.removeprefix("Multi")}) > 1:
        raise ValidationError(_("shapefile เก็บรูปเรขาคณิตได้ชนิดเดียว แต่ชั้นข้อมูลนี้มีทั้งจุด เส้น และรูปปิด: โปรดเลือก GeoPackage"))
    codec = "cp874" if encoding == "cp874" else "utf-8"
    refusals = _dbf_name_clashes(frame, layer) + _dbf_refusals(frame, layer, codec)
    if refusals:
        raise ValidationError([ValidationError(text, code="shapefile_would_lose_text") for text in refusals])
    renamed = frame.rename(columns={c.name: c.short for c in layer.columns})

    def write(path):
        renamed.to_file(path, driver="ESRI Shapefile", engine="pyogrio", encoding=codec.upper())

    with tempfile.TemporaryDirectory(prefix="thesaban-export-") as folder:
        path = Path(folder) / f"{layer.key}.shp"
        write(path)
        (Path(folder) / f"{layer.key}.cpg").write_text("874" if codec == "cp874" else "UTF-8")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            for part in sorted(Path(folder).iterdir()):
                archive.write(part, part.name)
        return buffer.getvalue()


def _dbf_name_clashes(frame, layer: Layer) -> list[str]:
    """A DBF field name has at most 10 characters: a municipality's own field whose name, cut to 10, is
    another column's shapefile name (`flood_depth_2554` and `flood_depth_2564` are both `flood_dept`)
    would leave the file under a name the importer does not know, and its values would be lost or land
    in the other field. One message per clashing name."""
    by_short = {}
    for column in layer.columns:
        if column.name in frame:
            by_short.setdefault(column.short.casefold(), []).append(column)
    messages = []
    for short, columns in by_short.items():
        if len(columns) < 2:
            continue
        named = [f"“{layer.label_of(c)}” ({c.name})" for c in columns]
        messages.append(
            _(
                "ไม่ได้ส่งออก: shapefile ตั้งชื่อคอลัมน์ได้ไม่เกิน 10 ตัวอักษร คอลัมน์ %(columns)s จึงได้ชื่อเดียวกันคือ %(short)s "
                "ค่าของคอลัมน์เหล่านี้จะหายไปหรือสลับกันเมื่อนำเข้ากลับ โปรดส่งออกเป็น GeoPackage"
            )
            % {
                "columns": _("%(some)s และ %(last)s") % {"some": ", ".join(named[:-1]), "last": named[-1]},
                "short": short,
            }
        )
    return messages


# A DBF character field holds at most 254 bytes. GDAL cuts a longer value, and drops a character the
# target encoding lacks, with no more than a warning: a re-import would then write the damaged text
# back into the register. So a shapefile that cannot hold every text value whole is refused.
DBF_TEXT_BYTES = 254


@dataclass
class _Lost:
    """The records of one column whose text a DBF in one encoding would cut or lose characters of."""

    too_long: list = field(default_factory=list)  # record codes, in code order
    unencodable: list = field(default_factory=list)
    character: str = ""  # the first character the encoding lacks


def _dbf_losses(frame, layer: Layer, codec: str) -> dict:
    """Column → _Lost, for every column with a text value that would not reach the DBF whole."""
    losses = {}
    codes = frame[layer.code].tolist()
    for column in layer.columns:
        if column.name not in frame:
            continue
        lost = _Lost()
        for code, value in zip(codes, frame[column.name].tolist(), strict=True):
            if not isinstance(value, str) or (value.isascii() and len(value) <= DBF_TEXT_BYTES):
                continue  # ASCII is one byte in both encodings: most values end here
            try:
                size = len(value.encode(codec))
            except UnicodeEncodeError as error:
                lost.unencodable.append(code)
                lost.character = lost.character or value[error.start]
                continue
            if size > DBF_TEXT_BYTES:
                lost.too_long.append(code)
        if lost.too_long or lost.unencodable:
            losses[column] = lost
    return losses


def _dbf_refusals(frame, layer: Layer, codec: str) -> list[str]:
    """Why a shapefile in `codec` would damage this frame's text: one message per column and cause."""
    losses = _dbf_losses(frame, layer, codec)
    if not losses:
        return []
    # Thai text runs three bytes a character in UTF-8 but one in CP874: offer CP874 when it holds all.
    cp874_would_do = codec == "utf-8" and not _dbf_losses(frame, layer, "cp874")
    messages = []
    for column, lost in losses.items():
        if lost.unencodable:
            messages.append(
                _(
                    "ไม่ได้ส่งออก: คอลัมน์ “%(column)s” มีตัวอักษรที่การเข้ารหัส CP874 ไม่มี (เช่น “%(character)s”) "
                    "%(count)s รายการ เช่น รหัส %(code)s ตัวอักษรเหล่านี้จะหายไปจากไฟล์ "
                    "โปรดเลือกการเข้ารหัส UTF-8 หรือส่งออกเป็น GeoPackage"
                )
                % {
                    "column": layer.label_of(column),
                    "character": lost.character,
                    "count": f"{len(lost.unencodable):,}",
                    "code": lost.unencodable[0],
                }
            )
        if not lost.too_long:
            continue
        arguments = {"column": layer.label_of(column), "count": f"{len(lost.too_long):,}", "code": lost.too_long[0]}
        if codec == "cp874":
            text = _(
                "ไม่ได้ส่งออก: คอลัมน์ “%(column)s” มีข้อความยาวเกินกว่าที่ shapefile เก็บได้ (254 ตัวอักษรเมื่อเข้ารหัส CP874) "
                "%(count)s รายการ เช่น รหัส %(code)s ข้อความเหล่านี้จะถูกตัดท้าย โปรดส่งออกเป็น GeoPackage"
            )
        elif cp874_would_do:
            text = _(
                "ไม่ได้ส่งออก: คอลัมน์ “%(column)s” มีข้อความยาวเกินกว่าที่ shapefile เก็บได้ "
                "(254 ไบต์ ราว 84 ตัวอักษรไทยเมื่อเข้ารหัส UTF-8) %(count)s รายการ เช่น รหัส %(code)s "
                "ข้อความเหล่านี้จะถูกตัดท้าย โปรดส่งออกเป็น GeoPackage หรือ shapefile ที่เข้ารหัส CP874 (เก็บได้ 254 ตัวอักษร)"
            )
        else:
            text = _(
                "ไม่ได้ส่งออก: คอลัมน์ “%(column)s” มีข้อความยาวเกินกว่าที่ shapefile เก็บได้ "
                "(254 ไบต์ ราว 84 ตัวอักษรไทยเมื่อเข้ารหัส UTF-8) %(count)s รายการ เช่น รหัส %(code)s "
                "ข้อความเหล่านี้จะถูกตัดท้าย โปรดส่งออกเป็น GeoPackage"
            )
        messages.append(text % arguments)
    return messages


def _table(frame, layer: Layer, *, thai: bool) -> pd.DataFrame:
    table = pd.DataFrame(frame.drop(columns="geometry"))
    table[WKT_HEADER_TH if thai else WKT_HEADER] = shapely.to_wkt(frame.geometry.values, rounding_precision=-1)
    if thai:
        # Each column under its Thai label; a municipality's field labelled like an earlier column keeps
        # its own name instead, so that the headers stay distinct and each comes back into its own field.
        headers, taken = {}, {normalise_label(WKT_HEADER_TH)}
        for column in layer.columns:
            if column.name in table:
                label = layer.label_of(column)
                headers[column.name] = column.name if normalise_label(label) in taken else label
                taken.add(normalise_label(headers[column.name]))
        table = table.rename(columns=headers)
    return table


def write_csv(frame, layer: Layer, encoding: str) -> bytes:
    # UTF-8 with a byte-order mark, so that Excel shows the Thai text correctly.
    return _table(frame, layer, thai=False).to_csv(index=False).encode("utf-8-sig")


def write_xlsx(frame, layer: Layer, encoding: str) -> bytes:
    code = layer.label_of(layer.column(layer.code))
    return _workbook({str(layer.label): _table(frame, layer, thai=True)}, keys={str(layer.label): code})


# An Excel cell holds at most 32,767 characters (Excel's specifications and limits). pandas cuts a longer
# value with no more than a warning: a many-vertex parcel's WKT, or a long text, would come back damaged.
# So a workbook that cannot hold every value whole is refused, as a shapefile is (_dbf_refusals).
EXCEL_CELL_CHARACTERS = 32_767
EXCEL_ROWS = 1_048_576  # a sheet's rows, its header included: a longer table cannot be written at all


def _excel_refusals(sheets: dict[str, pd.DataFrame], keys: dict[str, str], *, ltax: bool) -> list[str]:
    """Why a workbook would cut text: one message per column, naming how many rows and the first one's
    code (its sheet's `keys` column); or why a sheet cannot be written at all (too many rows), or a text
    not at all (a control character such as Word's line break, U+000B, which a cell cannot hold)."""
    messages = []
    for name, table in sheets.items():
        if len(table) >= EXCEL_ROWS:
            messages.append(
                _(
                    "ไม่ได้ส่งออก: แผ่นงาน “%(sheet)s” มี %(count)s รายการ เกินกว่าที่ Excel เก็บได้ในแผ่นงานเดียว "
                    "(%(limit)s รายการ) โปรดส่งออกเป็น GeoPackage, GeoJSON หรือ CSV"
                )
                % {"sheet": name, "count": f"{len(table):,}", "limit": f"{EXCEL_ROWS - 1:,}"}
            )
            continue
        for header in table.columns:
            if pd.api.types.is_numeric_dtype(table[header]) or pd.api.types.is_datetime64_any_dtype(table[header]):
                continue  # numbers, dates and booleans are short
            unwritable, too_long = [], []
            for i, value in enumerate(table[header].tolist()):
                if isinstance(value, str):
                    if ILLEGAL_CHARACTERS_RE.search(value):
                        unwritable.append(i)
                    if len(value) > EXCEL_CELL_CHARACTERS:
                        too_long.append(i)
            codes = table[keys[name]]
            if unwritable:
                if ltax:
                    text = _(
                        "ไม่ได้ส่งออก: คอลัมน์ “%(column)s” มีอักขระควบคุมที่มองไม่เห็น (เช่น การขึ้นบรรทัดด้วย Shift+Enter ของ Word) "
                        "ซึ่งเซลล์ของ Excel เก็บไม่ได้ %(count)s รายการ เช่น รหัส %(code)s โปรดแก้ไขข้อความเหล่านี้ในทะเบียน"
                    )
                else:
                    text = _(
                        "ไม่ได้ส่งออก: คอลัมน์ “%(column)s” มีอักขระควบคุมที่มองไม่เห็น (เช่น การขึ้นบรรทัดด้วย Shift+Enter ของ Word) "
                        "ซึ่งเซลล์ของ Excel เก็บไม่ได้ %(count)s รายการ เช่น รหัส %(code)s "
                        "โปรดส่งออกเป็น GeoPackage, GeoJSON หรือ CSV"
                    )
                messages.append(text % _cells(header, codes, unwritable))
            if not too_long:
                continue
            if header == WKT_HEADER_TH:
                text = _(
                    "ไม่ได้ส่งออก: รูปเรขาคณิต %(count)s รายการ เช่น รหัส %(code)s มีจุดยอดมากจนข้อความ WKT "
                    "ยาวเกินกว่าที่เซลล์ของ Excel เก็บได้ (32,767 ตัวอักษร) รูปเหล่านี้จะถูกตัดท้ายจนเสียหาย "
                    "โปรดส่งออกเป็น GeoPackage หรือ GeoJSON"
                )
            elif ltax:
                text = _(
                    "ไม่ได้ส่งออก: คอลัมน์ “%(column)s” มีข้อความยาวเกินกว่าที่เซลล์ของ Excel เก็บได้ (32,767 ตัวอักษร) "
                    "%(count)s รายการ เช่น รหัส %(code)s ข้อความเหล่านี้จะถูกตัดท้าย โปรดแก้ไขข้อมูลในทะเบียนให้สั้นลง"
                )
            else:
                text = _(
                    "ไม่ได้ส่งออก: คอลัมน์ “%(column)s” มีข้อความยาวเกินกว่าที่เซลล์ของ Excel เก็บได้ (32,767 ตัวอักษร) "
                    "%(count)s รายการ เช่น รหัส %(code)s ข้อความเหล่านี้จะถูกตัดท้าย โปรดส่งออกเป็น GeoPackage หรือ GeoJSON"
                )
            messages.append(text % _cells(header, codes, too_long))
    return messages


def _cells(column: str, codes: pd.Series, rows: list[int]) -> dict:
    """A refusal's arguments: the column, how many rows and the first one's code."""
    return {"column": column, "count": f"{len(rows):,}", "code": codes.iat[rows[0]]}


def _workbook(sheets: dict[str, pd.DataFrame], keys: dict[str, str], *, ltax: bool = False) -> bytes:
    """The sheets as one workbook; `keys` names each sheet's code column, for the refusal of a long text."""
    refusals = _excel_refusals(sheets, keys, ltax=ltax)
    if refusals:
        raise ValidationError([ValidationError(text, code="excel_would_cut_text") for text in refusals])
    buffer = io.BytesIO()
    with pd.ExcelWriter(buffer, engine="openpyxl") as writer:
        for name, table in sheets.items():
            table.to_excel(writer, sheet_name=name[:31], index=False)
            sheet = writer.sheets[name[:31]]
            _texts_not_formulas(sheet, table)
            sheet.freeze_panes = "A2"
            for cells in sheet.iter_cols(min_row=1, max_row=1):
                sheet.column_dimensions[cells[0].column_letter].width = max(12, min(40, len(str(cells[0].value)) + 4))
    return buffer.getvalue()


def _texts_not_formulas(sheet, table: pd.DataFrame) -> None:
    """openpyxl takes a text that begins with "=" for a formula: Excel would compute it (or show #NAME?)
    and a re-import would read it empty. Such cells (headers included) are written as the text they are."""
    for number, header in enumerate(table.columns, 1):
        if isinstance(header, str) and header.startswith("="):
            sheet.cell(row=1, column=number).data_type = "s"
        if pd.api.types.is_numeric_dtype(table[header]) or pd.api.types.is_datetime64_any_dtype(table[header]):
            continue
        for row, value in enumerate(table[header].tolist(), 2):
            if isinstance(value, str) and value.startswith("="):
                sheet.cell(row=row, column=number).data_type = "s"


def write_frame(frame, *, fmt: str, name: str) -> bytes:
    """Any GeoDataFrame in WGS 84 (a catalogue dataset) as GeoPackage, GeoJSON or CSV with WKT."""
    if fmt == "gpkg":
        return _gpkg(frame, name)
    if fmt == "geojson":
        return write_geojson(frame, None, "utf-8")
    if fmt == "csv":
        return write_csv(frame, None, "utf-8")
    raise ValidationError(_("ไม่รู้จักรูปแบบไฟล์ %(fmt)s") % {"fmt": fmt})


WRITERS = {"gpkg": write_gpkg, "shp": write_shapefile, "geojson": write_geojson, "csv": write_csv, "xlsx": write_xlsx}


# LTAX Online -----------------------------------------------------------------------------------------

# LTAX Online's asset registration takes records in this order (product-anchors §2.1):
# owner → land → land use → building → building use → signboard. docType is the 1-based position
# of the 13 document types in that form (assets.choices.DeedType follows its order).
LTAX_USED_TYPE = {
    "agriculture": 1,
    "residential_main": 2,
    "residential_main_building_only": 2,
    "residential_other": 3,
    "other": 4,
    "vacant": 5,
}


# The column that names a row of each sheet (in a refusal).
LTAX_KEYS = {
    "1 owner เจ้าของ": "ownerRef ลำดับเจ้าของ",
    "2 land ที่ดิน": "parcelCode รหัสแปลง",
    "3 landUse การใช้ที่ดิน": "parcelCode รหัสแปลง",
    "4 building สิ่งปลูกสร้าง": "buildingCode รหัสสิ่งปลูกสร้าง",
    "5 buildingUse การใช้อาคาร": "buildingCode รหัสสิ่งปลูกสร้าง",
    "6 signboard ป้าย": "signCode รหัสป้าย",
}


def ltax_workbook(municipality, *, personal_data: bool) -> tuple[bytes, int]:
    """Today's register for entry: parcels not retired (split or merged away), their land uses, the
    buildings on them and their uses, signs not taken down, and the owners who hold one of these."""
    doc_types = {value: index for index, value in enumerate(DeedType.values, 1)}
    this_year = timezone.localdate().year
    m = {"m": municipality.pk}
    sheets = {}
    with connection.cursor() as cursor:
        owner_fields = "o.title, trim(o.first_name || ' ' || o.last_name), o.national_id, o.address, o.mailing_address"
        # Owners who hold something today: a current parcel, a building on one, or a standing sign.
        cursor.execute(
            f"SELECT o.id, o.kind, {owner_fields if personal_data else 'NULL, NULL, NULL, NULL, NULL'} "
            "FROM assets_owner o WHERE o.municipality_id = %(m)s AND ("
            "  EXISTS (SELECT FROM assets_ownership w LEFT JOIN assets_building b ON b.id = w.building_id"
            "          JOIN assets_parcel p ON p.id = COALESCE(w.parcel_id, b.parcel_id)"
            "          WHERE w.municipality_id = %(m)s AND p.municipality_id = %(m)s AND w.owner_id = o.id"
            "            AND p.retired_on IS NULL)"
            "  OR EXISTS (SELECT FROM assets_signboard s"
            "             WHERE s.municipality_id = %(m)s AND s.owner_id = o.id AND s.removed_on IS NULL)"
            ") ORDER BY o.id",
            m,
        )
        owners = cursor.fetchall()
        sheets["1 owner เจ้าของ"] = pd.DataFrame(
            [
                {
                    "ownerRef ลำดับเจ้าของ": row[0],
                    "personType ประเภทบุคคล": 1 if row[1] == "person" else 2,
                    **(
                        {
                            "prefix คำนำหน้า": row[2],
                            "name ชื่อ-สกุล": row[3],
                            "idCard เลขประจำตัว 13 หลัก": row[4],
                            "address ที่อยู่": row[5],
                            "mailAddress ที่อยู่ส่งเอกสาร": row[6],
                        }
                        if personal_data
                        else {}
                    ),
                }
                for row in owners
            ]
        )
        cursor.execute(
            """
            SELECT p.parcel_code, p.deed_type, p.deed_number, p.map_sheet, p.map_scale, p.land_number, p.survey_page,
                   p.area_sq_wah, p.price_per_sq_wah,
                   (SELECT string_agg(w.owner_id::text, ';' ORDER BY w.owner_id) FROM assets_ownership w
                     WHERE w.municipality_id = %(m)s AND w.parcel_id = p.id)
            FROM assets_parcel p WHERE p.municipality_id = %(m)s AND p.retired_on IS NULL ORDER BY p.parcel_code
            """,
            m,
        )
        lands = cursor.fetchall()
        land_rows = []
        for code, deed, deed_no, sheet, scale, land_no, survey, area, price, owner_refs in lands:
            rai, ngan, wah = rai_ngan_wa(area)
            utm = _map_sheet_parts(sheet)
            land_rows.append(
                {
                    "ownerRef ลำดับเจ้าของ": owner_refs,
                    "parcelCode รหัสแปลง": code,
                    "docType ประเภทเอกสารสิทธิ์": doc_types.get(deed),
                    "docNo เลขที่เอกสารสิทธิ์": deed_no,
                    "utm1": utm[0],
                    "utm2": utm[1],
                    "utm3": utm[2],
                    "utm4": utm[3],
                    "scale มาตราส่วน": scale,
                    "parcelNo เลขที่ดิน": land_no,
                    "surveyNo หน้าสำรวจ": survey,
                    "rai ไร่": rai,
                    "ngan งาน": ngan,
                    "wah ตารางวา": float(wah),
                    "pricePerWah ราคาต่อตารางวา": None if price is None else float(price),
                    "totalPrice ราคาประเมินรวม": None
                    if price is None
                    else float((area * price).quantize(Decimal("0.01"))),
                }
            )
        sheets["2 land ที่ดิน"] = pd.DataFrame(land_rows)
        cursor.execute(
            "SELECT p.parcel_code, u.use, u.area_sq_wah FROM assets_landuse u "
            "JOIN assets_parcel p ON p.id = u.parcel_id "
            "WHERE u.municipality_id = %(m)s AND p.municipality_id = %(m)s AND p.retired_on IS NULL "
            "ORDER BY p.parcel_code, u.id",
            m,
        )
        sheets["3 landUse การใช้ที่ดิน"] = pd.DataFrame(
            [
                {
                    "parcelCode รหัสแปลง": c,
                    "usedType ลักษณะการใช้": LTAX_USED_TYPE.get(u),
                    "use": u,
                    "areaWah ตารางวา": float(a),
                }
                for c, u, a in cursor.fetchall()
            ]
        )
        cursor.execute(
            """
            SELECT b.building_code, p.parcel_code, b.building_type, b.structure, b.floors, b.floor_area_m2,
                   b.year_built, b.price_per_m2, b.house_number
            FROM assets_building b JOIN assets_parcel p ON p.id = b.parcel_id
            WHERE b.municipality_id = %(m)s AND p.municipality_id = %(m)s AND p.retired_on IS NULL
            ORDER BY b.building_code
            """,
            m,
        )
        sheets["4 building สิ่งปลูกสร้าง"] = pd.DataFrame(
            [
                {
                    "buildingCode รหัสสิ่งปลูกสร้าง": r[0],
                    "parcelCode รหัสแปลง": r[1],
                    "buildingType ประเภท": r[2],
                    "structure โครงสร้าง": r[3],
                    "floors จำนวนชั้น": r[4],
                    "area พื้นที่ (ตร.ม.)": float(r[5]),
                    "age อายุ (ปี)": max(this_year - r[6], 0),
                    "pricePerM2 ราคาต่อตร.ม.": None if r[7] is None else float(r[7]),
                    "houseNo บ้านเลขที่": r[8],
                }
                for r in cursor.fetchall()
            ]
        )
        cursor.execute(
            "SELECT b.building_code, u.use, u.floor_area_m2 FROM assets_buildinguse u "
            "JOIN assets_building b ON b.id = u.building_id JOIN assets_parcel p ON p.id = b.parcel_id "
            "WHERE u.municipality_id = %(m)s AND b.municipality_id = %(m)s AND p.municipality_id = %(m)s "
            "AND p.retired_on IS NULL ORDER BY b.building_code, u.id",
            m,
        )
        sheets["5 buildingUse การใช้อาคาร"] = pd.DataFrame(
            [
                {
                    "buildingCode รหัสสิ่งปลูกสร้าง": c,
                    "usedType ลักษณะการใช้": LTAX_USED_TYPE.get(u),
                    "use": u,
                    "area ตร.ม.": float(a),
                }
                for c, u, a in cursor.fetchall()
            ]
        )
        cursor.execute(
            "SELECT s.signboard_code, s.installed_on, s.sign_type, s.moving, s.width_cm, s.height_cm, s.faces, s.text, "
            "s.owner_id FROM assets_signboard s WHERE s.municipality_id = %(m)s AND s.removed_on IS NULL "
            "ORDER BY s.signboard_code",
            m,
        )
        sheets["6 signboard ป้าย"] = pd.DataFrame(
            [
                {
                    "signCode รหัสป้าย": r[0],
                    "installDate วันที่ติดตั้ง": r[1].isoformat(),
                    "signType ประเภทป้าย": {"thai_only": 1, "thai_mixed": 2, "non_thai": 3}[r[2]],
                    "character ลักษณะ": _("เคลื่อนที่ได้") if r[3] else _("ไม่เคลื่อนที่"),
                    "width กว้าง (ซม.)": r[4],
                    "height ยาว (ซม.)": r[5],
                    "area พื้นที่ (ตร.ซม.)": r[4] * r[5],
                    "sides จำนวนด้าน": r[6],
                    "text ข้อความ": r[7],
                    "ownerRef ลำดับเจ้าของ": r[8],
                }
                for r in cursor.fetchall()
            ]
        )
    return _workbook(sheets, LTAX_KEYS, ltax=True), len(lands)


def _map_sheet_parts(sheet: str) -> tuple[str, str, str, str]:
    """DOL sheet 5838III1414 → 5838 / III / 14 / 14 (the 1:50,000 sheet, then the grid numbers)."""
    match = re.match(r"^(\d{4})\s*([IV]+)\s*(\d{2})(\d{2})$", sheet or "")
    return tuple(match.groups()) if match else (sheet or "", "", "", "")
