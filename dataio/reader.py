"""Read a municipality's file into columns of text and WKB geometries, or say in Thai why not.

Formats: zipped Shapefile, GeoPackage, GeoJSON, KML (read by pyogrio as Arrow tables), CSV with a
WKT column or lon/lat columns, and XLSX. Thai realities handled here: DBF and CSV text in TIS-620 /
CP874 or UTF-8 (the `.cpg` file when present, else detected, always overridable), and coordinates in
WGS 84, UTM 47N/48N or Indian 1975 UTM 47N/48N read from the `.prj`. Nothing here touches the database.

Every failure is a `FileRefused` (a ValidationError) with a message for the person who uploaded the
file: files come from outside, so whatever a reading library raises is turned into one.
"""

import csv
import io
import logging
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from tempfile import TemporaryDirectory

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyogrio
import shapely
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from pyproj import CRS

logger = logging.getLogger(__name__)

SUPPORTED_SRIDS = {
    4326: "WGS 84 (EPSG:4326)",
    32647: "WGS 84 / UTM 47N (EPSG:32647)",
    32648: "WGS 84 / UTM 48N (EPSG:32648)",
    24047: "Indian 1975 / UTM 47N (EPSG:24047)",
    24048: "Indian 1975 / UTM 48N (EPSG:24048)",
}
# Royal Thai Survey Department's Indian 1975 → WGS 84 shift (three parameters), offered as an option
# instead of PROJ's default transformation for EPSG:24047/24048.
RTSD_TOWGS84 = "+towgs84=206,837,295,0,0,0,0"
INDIAN_1975_UTM = "+proj=utm +zone={zone} +a=6377276.345 +rf=300.8017 {shift} +units=m +no_defs"
ENCODINGS = {"utf-8": "UTF-8", "cp874": "TIS-620 / CP874 (Windows Thai)"}
VECTOR_SUFFIXES = {".shp": "shapefile", ".gpkg": "geopackage", ".geojson": "geojson", ".json": "geojson", ".kml": "kml"}
TABLE_SUFFIXES = {".csv": "csv", ".txt": "csv", ".xlsx": "xlsx"}
WKT_NAMES = ("wkt", "geometry", "geom", "the_geom", "รูปเรขาคณิต", "รูปแปลง")
LON_NAMES = ("lon", "lng", "long", "longitude", "x", "ลองจิจูด")
LAT_NAMES = ("lat", "latitude", "y", "ละติจูด")


class FileRefused(ValidationError):
    """The file cannot be read as it is; the message says why and what to do."""


@dataclass(frozen=True)
class ReadOptions:
    encoding: str | None = None  # None: from the .cpg, else detected
    srid: int | None = None  # None: from the .prj (or WGS 84 where the format says so)
    thai_datum_shift: bool = False  # Indian 1975 with the RTSD +towgs84=206,837,295
    max_bytes: int | None = None  # None: settings.DATAIO_MAX_UPLOAD_BYTES
    geometry_required: bool = True  # False: a table without geometry is read too (the catalogue's uploads)


@dataclass
class SourceTable:
    """What a file holds: text columns, WKB geometries in the source CRS, and how it was read."""

    columns: dict[str, pa.Array]
    wkb: pa.Array
    format: str
    srid: int
    transform_from: str  # PROJ definition handed to ST_Transform, or "" when already EPSG:srid
    encoding: str | None = None
    layer_name: str = ""
    notes: list[str] = field(default_factory=list)
    has_z: bool = False  # heights are dropped when staging (the register is 2D)

    @property
    def rows(self) -> int:
        return len(self.wkb)


def read_source(path: Path, options: ReadOptions = ReadOptions()) -> SourceTable:
    """Read `path` (an upload of any supported kind) or raise FileRefused."""
    path = Path(path)
    limit = options.max_bytes or settings.DATAIO_MAX_UPLOAD_BYTES
    size = path.stat().st_size
    if size > limit:
        raise FileRefused(
            _("ไฟล์มีขนาด %(size)s MB เกินขนาดที่รับได้ %(limit)s MB") % {"size": _mb(size), "limit": _mb(limit)},
            code="too_large",
        )
    if size == 0:
        raise FileRefused(_("ไฟล์ว่างเปล่า"), code="empty")
    try:
        with TemporaryDirectory(prefix="thesaban-import-") as folder:
            target = _unpack(path, Path(folder), limit) if _is_zip(path) else path
            return _read(target, options)
    except FileRefused:
        raise
    except MemoryError:
        raise FileRefused(_("ไฟล์ใหญ่เกินกว่าจะอ่านได้ในครั้งเดียว"), code="too_large") from None
    except Exception as error:  # a reading library failed on input from outside: say so, keep the details in the log
        logger.info("unreadable upload %s: %r", path.name, error)
        raise FileRefused(
            _("อ่านไฟล์ %(name)s ไม่ได้: ไฟล์อาจเสียหายหรือไม่ใช่รูปแบบที่รองรับ (%(detail)s)")
            % {"name": path.name, "detail": str(error)[:200] or type(error).__name__},
            code="unreadable",
        ) from None


def _mb(size: int) -> str:
    return f"{size / 1_048_576:,.1f}"


def _is_zip(path: Path) -> bool:
    if path.suffix.lower() == ".zip":
        return True
    with path.open("rb") as handle:
        head = handle.read(4)
    return head == b"PK\x03\x04" and path.suffix.lower() not in (".xlsx", ".kmz")


def _unpack(path: Path, folder: Path, limit: int) -> Path:
    """Extract a zip safely (no paths outside the folder, no bombs) and return the file to read."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FileRefused(_("ไฟล์ zip เสียหาย เปิดไม่ได้"), code="bad_zip") from None
    with archive:
        members = [m for m in archive.infolist() if not m.is_dir() and not Path(m.filename).name.startswith(".")]
        declared = sum(m.file_size for m in members)
        # Deflate cannot shrink real survey data 500 times over; a member that claims to is a bomb.
        bomb = any(m.file_size > 10_000_000 and m.file_size > 500 * max(m.compress_size, 1) for m in members)
        if declared > limit * 4 or bomb:
            raise FileRefused(
                _("ไฟล์ zip ขยายแล้วมีขนาดผิดปกติ (%(size)s MB) จึงไม่เปิด") % {"size": _mb(declared)},
                code="zip_bomb",
            )
        wanted = _pick_member(members)
        stem = Path(wanted.filename).with_suffix("").as_posix()
        written = 0
        for member in members:
            if Path(member.filename).with_suffix("").as_posix() != stem:
                continue
            target = folder / Path(member.filename).name
            try:
                with archive.open(member) as source, target.open("wb") as sink:
                    while chunk := source.read(1 << 20):
                        written += len(chunk)
                        if written > limit * 4:  # the sizes declared in the archive may lie
                            raise FileRefused(_("ไฟล์ zip ขยายแล้วใหญ่เกินขนาดที่รับได้"), code="zip_bomb")
                        sink.write(chunk)
            except (zipfile.BadZipFile, EOFError, zlib.error):
                raise FileRefused(
                    _("ไฟล์ zip เสียหาย: อ่าน %(name)s ไม่ได้") % {"name": member.filename}, code="bad_zip"
                ) from None
        return folder / Path(wanted.filename).name


def _pick_member(members) -> zipfile.ZipInfo:
    by_suffix = {}
    for member in members:
        by_suffix.setdefault(Path(member.filename).suffix.lower(), []).append(member)
    shapefiles = by_suffix.get(".shp", [])
    if len(shapefiles) > 1:
        raise FileRefused(
            _("ไฟล์ zip มี shapefile หลายชุด (%(names)s) โปรดส่งทีละชุด")
            % {"names": ", ".join(m.filename for m in shapefiles)},
            code="several_shapefiles",
        )
    if shapefiles:
        return shapefiles[0]
    for suffix in (".gpkg", ".geojson", ".json", ".kml", ".csv", ".xlsx"):
        if by_suffix.get(suffix):
            return by_suffix[suffix][0]
    if by_suffix.get(".dbf"):
        raise FileRefused(_("ไฟล์ zip มีไฟล์ .dbf แต่ไม่มีไฟล์ .shp ของ shapefile"), code="no_shp")
    raise FileRefused(_("ไม่พบไฟล์ .shp หรือไฟล์ข้อมูลแผนที่ที่รองรับในไฟล์ zip"), code="no_shp")


def _read(path: Path, options: ReadOptions) -> SourceTable:
    suffix = path.suffix.lower()
    if suffix in VECTOR_SUFFIXES:
        return _read_vector(path, VECTOR_SUFFIXES[suffix], options)
    if suffix in TABLE_SUFFIXES:
        kind = TABLE_SUFFIXES[suffix]
        frame, encoding = _read_csv(path, options) if kind == "csv" else (_read_xlsx(path), None)
        return _from_frame(frame, kind, encoding, options)
    raise FileRefused(
        _("ไม่รองรับไฟล์ชนิด %(suffix)s: ใช้ shapefile (zip), GeoPackage, GeoJSON, KML, CSV หรือ XLSX")
        % {"suffix": suffix or path.name},
        code="unsupported",
    )


# Text encodings --------------------------------------------------------------------------------------


def detect_encoding(data: bytes) -> str:
    """UTF-8 when the bytes decode as such, CP874 when they read as plausible Thai, else refuse."""
    if not any(b >= 0x80 for b in data):
        return "utf-8"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp874")
    except UnicodeDecodeError:
        text = None
    if text is not None and _plausible_thai(text):
        return "cp874"
    raise FileRefused(
        _(
            "ไม่ทราบการเข้ารหัสตัวอักษรของข้อความในไฟล์ (ไม่ใช่ UTF-8 และไม่ใช่ภาษาไทย TIS-620/CP874): "
            "โปรดเลือกการเข้ารหัสเอง หรือบันทึกไฟล์ใหม่เป็น UTF-8"
        ),
        code="unknown_encoding",
    )


def _plausible_thai(text: str) -> bool:
    """Thai vowels and tone marks sit on Thai letters; mojibake puts them after Latin letters."""
    previous = " "
    for ch in text:
        if "\u0e00" <= ch <= "\u0e7f" and unicodedata.category(ch) == "Mn" and not ("\u0e01" <= previous <= "\u0e7f"):
            return False
        if "\u0e01" <= ch <= "\u0e2e" and previous.isascii() and previous.isalpha():
            return False
        previous = ch
    return True


def _decode_check(data: bytes, encoding: str) -> None:
    try:
        data.decode(encoding)
    except UnicodeDecodeError:
        raise FileRefused(
            _("ข้อความในไฟล์ไม่ได้เข้ารหัสแบบ %(encoding)s ตามที่ระบุ") % {"encoding": ENCODINGS.get(encoding, encoding)},
            code="wrong_encoding",
        ) from None


def _dbf_text(path: Path) -> bytes:
    """The record area of a DBF (header skipped), enough of it to tell the encoding."""
    with path.open("rb") as handle:
        header = handle.read(32)
        if len(header) < 32:
            return b""
        header_size = int.from_bytes(header[8:10], "little")
        handle.seek(header_size)
        return handle.read(8 << 20)


# Vector files (pyogrio) ------------------------------------------------------------------------------


def _read_vector(path: Path, kind: str, options: ReadOptions) -> SourceTable:
    encoding, read_kwargs = None, {}
    notes = []
    layer = None
    if kind == "shapefile":
        dbf = next((p for p in path.parent.iterdir() if p.stem == path.stem and p.suffix.lower() == ".dbf"), None)
        cpg = next((p for p in path.parent.iterdir() if p.stem == path.stem and p.suffix.lower() == ".cpg"), None)
        text = _dbf_text(dbf) if dbf else b""
        if options.encoding:
            encoding = options.encoding
            _decode_check(text, encoding)
        elif cpg is not None:
            declared = cpg.read_text(errors="replace").strip().lower()
            encoding = (
                "cp874" if declared in ("874", "cp874", "tis-620", "tis620", "windows-874", "ldid/87") else "utf-8"
            )
            _decode_check(text, encoding)
            notes.append(_("การเข้ารหัสตัวอักษรจากไฟล์ .cpg: %(encoding)s") % {"encoding": ENCODINGS[encoding]})
        else:
            encoding = detect_encoding(text)
            notes.append(_("การเข้ารหัสตัวอักษรที่ตรวจพบ: %(encoding)s") % {"encoding": ENCODINGS[encoding]})
        read_kwargs["encoding"] = encoding
    else:
        layers = pyogrio.list_layers(path)
        if len(layers) == 0:
            raise FileRefused(_("ไฟล์ไม่มีชั้นข้อมูล"), code="no_layer")
        names = [str(name) for name, _geometry_type in layers]
        layer = names[0]
        if len(names) > 1:
            notes.append(_("ไฟล์มีหลายชั้นข้อมูล ใช้ชั้น %(layer)s") % {"layer": layer})
    info = pyogrio.read_info(path, layer=layer, **read_kwargs)
    if info.get("geometry_type") is None and kind != "kml" and options.geometry_required:
        raise FileRefused(_("ชั้นข้อมูลในไฟล์ไม่มีรูปเรขาคณิต"), code="no_geometry")
    srid, transform_from = _crs_of(info.get("crs"), kind, options, has_prj=_has_prj(path, kind))
    _meta, table = pyogrio.read_arrow(path, layer=layer, **read_kwargs)
    geometry_name = _meta.get("geometry_name") or "wkb_geometry"
    if geometry_name in table.column_names:
        wkb = table.column(geometry_name).combine_chunks().cast(pa.binary())
    elif options.geometry_required:
        raise FileRefused(_("ชั้นข้อมูลในไฟล์ไม่มีรูปเรขาคณิต"), code="no_geometry")
    else:
        wkb = pa.nulls(table.num_rows, pa.binary())
    columns = {name: _as_text(table.column(name)) for name in table.column_names if name != geometry_name}
    return SourceTable(
        columns=columns,
        wkb=wkb,
        format=kind,
        srid=srid,
        transform_from=transform_from,
        encoding=encoding,
        layer_name=layer or path.stem,
        notes=notes,
        has_z=" Z" in str(info.get("geometry_type")) or info.get("geometry_type") in (None, "Unknown"),
    )


def _has_prj(path: Path, kind: str) -> bool:
    if kind != "shapefile":
        return True
    return any(p.stem == path.stem and p.suffix.lower() == ".prj" for p in path.parent.iterdir())


def _crs_of(crs: str | None, kind: str, options: ReadOptions, *, has_prj: bool) -> tuple[int, str]:
    if options.srid:
        srid = int(options.srid)
    elif kind in ("geojson", "kml") and not crs:
        srid = 4326  # RFC 7946 and KML are WGS 84 by definition
    elif not crs or not has_prj:
        raise FileRefused(
            _(
                "ไฟล์ไม่มีข้อมูลระบบพิกัด (ไม่มีไฟล์ .prj): โปรดระบุระบบพิกัดของไฟล์ เช่น "
                "WGS 84 / UTM 47N (EPSG:32647) หรือ Indian 1975 / UTM 47N (EPSG:24047)"
            ),
            code="no_crs",
        )
    else:
        try:
            srid = CRS.from_user_input(crs).to_epsg(min_confidence=60)
        except Exception:
            srid = None
        if srid is None:
            raise FileRefused(
                _("ไม่รู้จักระบบพิกัดในไฟล์ .prj: โปรดระบุระบบพิกัดของไฟล์เอง (%(crs)s)") % {"crs": str(crs)[:120]},
                code="unknown_crs",
            )
    if srid not in SUPPORTED_SRIDS:
        raise FileRefused(
            _("ระบบพิกัด EPSG:%(srid)s ไม่รองรับ: ใช้ได้ %(known)s")
            % {"srid": srid, "known": ", ".join(SUPPORTED_SRIDS.values())},
            code="unsupported_crs",
        )
    return srid, transform_definition(srid, options.thai_datum_shift)


def transform_definition(srid: int, thai_datum_shift: bool) -> str:
    """The PROJ string for ST_Transform(geom, from_proj, 4326), or "" to use EPSG:srid as it is."""
    if thai_datum_shift and srid in (24047, 24048):
        return INDIAN_1975_UTM.format(zone=srid - 24000, shift=RTSD_TOWGS84)
    return ""


def _as_text(column) -> pa.Array:
    """Any attribute column as strings (dates as ISO, numbers as written by Arrow)."""
    array = column.combine_chunks() if isinstance(column, pa.ChunkedArray) else column
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        return array.cast(pa.string())
    if pa.types.is_dictionary(array.type):
        array = array.dictionary_decode()
    if pa.types.is_timestamp(array.type):
        return pc.strftime(array, format="%Y-%m-%d")
    if pa.types.is_date(array.type):
        return pc.strftime(array.cast(pa.timestamp("s")), format="%Y-%m-%d")
    if pa.types.is_binary(array.type):
        return pa.array([None if v is None else v.decode("utf-8", "replace") for v in array.to_pylist()], pa.string())
    try:
        return array.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return pa.array([None if v is None else str(v) for v in array.to_pylist()], pa.string())


# Tables: CSV and XLSX --------------------------------------------------------------------------------


def _read_csv(path: Path, options: ReadOptions):
    import pandas as pd

    data = path.read_bytes()
    if data.startswith(b"\xef\xbb\xbf"):
        data, encoding = data[3:], "utf-8"
    elif options.encoding:
        encoding = options.encoding
        _decode_check(data, encoding)
    else:
        encoding = detect_encoding(data)
    text = data.decode(encoding)
    _check_quotes(text)
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype=str, keep_default_na=False, na_values=[""], skipinitialspace=True, engine="c"
        )
    except pd.errors.ParserError as error:
        raise FileRefused(
            _("ไฟล์ CSV มีรูปแบบผิด: %(detail)s") % {"detail": str(error).strip()[:200]}, code="bad_csv"
        ) from None
    except pd.errors.EmptyDataError:
        raise FileRefused(_("ไฟล์ CSV ไม่มีข้อมูล"), code="empty") from None
    return frame, encoding


def _check_quotes(text: str) -> None:
    """A quote left open swallows the rest of the file silently in most readers; find it and say where."""
    reader = csv.reader(io.StringIO(text), strict=True)
    try:
        for _row in reader:
            pass
    except csv.Error as error:
        raise FileRefused(
            _('ไฟล์ CSV มีเครื่องหมายคำพูด (") ไม่ครบคู่ ใกล้บรรทัดที่ %(line)s (%(detail)s)')
            % {"line": reader.line_num, "detail": error},
            code="bad_csv",
        ) from None
    if text.count('"') % 2:
        raise FileRefused(
            _('ไฟล์ CSV มีเครื่องหมายคำพูด (") ไม่ครบคู่ ใกล้บรรทัดที่ %(line)s') % {"line": _open_quote_line(text)},
            code="bad_csv",
        )


def _open_quote_line(text: str) -> int:
    inside, line, opened = False, 1, 1
    for ch in text:
        if ch == '"':
            inside = not inside
            opened = line
        elif ch == "\n":
            line += 1
    return opened if inside else line


def _read_xlsx(path: Path):
    import openpyxl
    import pandas as pd

    workbook = openpyxl.load_workbook(path, read_only=False, data_only=True)
    sheet = workbook.worksheets[0]
    for merged in sheet.merged_cells.ranges:
        if merged.min_row <= 1:
            raise FileRefused(
                _("หัวตารางในแผ่นงาน %(sheet)s มีเซลล์ที่ผสานกัน (%(cells)s): โปรดยกเลิกการผสานเซลล์ให้แต่ละคอลัมน์มีหัวตารางของตัวเอง")
                % {"sheet": sheet.title, "cells": merged.coord},
                code="merged_header",
            )
    rows = sheet.iter_rows(values_only=True)
    header = next(rows, None)
    if not header or all(v is None for v in header):
        raise FileRefused(_("แผ่นงาน %(sheet)s ไม่มีหัวตาราง") % {"sheet": sheet.title}, code="no_header")
    names = [str(v).strip() if v is not None else "" for v in header]
    if "" in names or len(set(names)) != len(names):
        raise FileRefused(
            _("หัวตารางในแผ่นงาน %(sheet)s ต้องมีชื่อทุกคอลัมน์และไม่ซ้ำกัน") % {"sheet": sheet.title}, code="bad_header"
        )
    records = [[_cell_text(v) for v in row[: len(names)]] for row in rows if any(v is not None for v in row)]
    return pd.DataFrame(records, columns=names, dtype=object)


def _cell_text(value) -> str | None:
    import datetime

    if value is None:
        return None
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _from_frame(frame, kind: str, encoding: str | None, options: ReadOptions) -> SourceTable:
    if frame.shape[1] == 0:
        raise FileRefused(_("ไฟล์ไม่มีคอลัมน์ข้อมูล"), code="empty")
    lowered = {str(name).strip().casefold(): name for name in frame.columns}
    wkt_name = next((lowered[n] for n in WKT_NAMES if n in lowered), None)
    lon_name = next((lowered[n] for n in LON_NAMES if n in lowered), None)
    lat_name = next((lowered[n] for n in LAT_NAMES if n in lowered), None)
    if wkt_name is not None:
        geoms = shapely.from_wkt(
            frame[wkt_name].astype(object).where(frame[wkt_name].notna(), None), on_invalid="ignore"
        )
        used = {wkt_name}
    elif lon_name is not None and lat_name is not None:
        import pandas as pd

        lon = pd.to_numeric(frame[lon_name], errors="coerce").to_numpy(dtype=float)
        lat = pd.to_numeric(frame[lat_name], errors="coerce").to_numpy(dtype=float)
        geoms = shapely.points(lon, lat)
        geoms[np.isnan(lon) | np.isnan(lat)] = None
        used = {lon_name, lat_name}
    elif not options.geometry_required:
        geoms = np.full(len(frame), None, dtype=object)
        used = set()
    else:
        raise FileRefused(
            _("ไม่พบคอลัมน์รูปเรขาคณิต: ตารางต้องมีคอลัมน์ WKT (ชื่อ wkt หรือ geometry) หรือคอลัมน์พิกัด lon และ lat"),
            code="no_geometry",
        )
    if options.srid:
        srid = int(options.srid)
        if srid not in SUPPORTED_SRIDS:
            raise FileRefused(_("ระบบพิกัด EPSG:%(srid)s ไม่รองรับ") % {"srid": srid}, code="unsupported_crs")
    else:
        srid = 4326
        x0, y0, x1, y1 = shapely.total_bounds(geoms)
        if np.isfinite(x0) and (min(x0, x1) < -180 or max(x0, x1) > 180 or min(y0, y1) < -90 or max(y0, y1) > 90):
            raise FileRefused(
                _("พิกัดในตารางไม่ใช่ลองจิจูด/ละติจูด: โปรดระบุระบบพิกัดของไฟล์ เช่น UTM 47N (EPSG:32647)"),
                code="no_crs",
            )
    wkb = pa.array(shapely.to_wkb(shapely.force_2d(geoms)), pa.binary())
    columns = {
        str(name): pa.array(frame[name].astype(object).where(frame[name].notna(), None).tolist(), pa.string())
        for name in frame.columns
        if name not in used
    }
    return SourceTable(
        columns=columns,
        wkb=wkb,
        format=kind,
        srid=srid,
        transform_from=transform_definition(srid, options.thai_datum_shift),
        encoding=encoding,
    )
