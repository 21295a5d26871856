"""The bulk path: COPY into an UNLOGGED staging table, validate set-based in SQL, merge in one statement.

1. `load()` writes the file's rows (canonical text + WKB) with a binary COPY built by Arrow, then
   turns them into geometry in 4326 (ST_Transform from the file's CRS) with their checks computed
   once per row: empty, type, validity (and the `make_valid` repair when asked), containment in the
   municipality's boundary.
2. `problems()` runs the register's rules as one set-based query: the rules of assets/ (parcel and
   building code patterns from assets/validators.py, geometry_problem's checks from assets/geometry.py,
   land uses summing to the parcel area from assets/services.py) expressed in SQL.
3. `merge()` upserts by (municipality, code) with INSERT … ON CONFLICT, touching only rows whose values
   differ, and writes their history rows in the same statement, so that as-of queries find them.

Every statement on a register table names the municipality in its WHERE clause or conflict key.
"""

import struct
import uuid
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
from django.db import OperationalError, connection, transaction
from django.utils.translation import gettext as _

from assets.choices import KIND_SPECS
from assets.validators import BLOCK_OF_PARCEL_CODE_SQL
from dataio.layers import BOOLEAN, DATE, DECIMAL, INTEGER, JSON, Layer
from dataio.values import Normalised
from jobs.progress import NullProgress
from municipalities.tenancy import current_zones, parcel_in_zones_sql

COPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + struct.pack(">ii", 0, 0)
COPY_TRAILER = struct.pack(">h", -1)
CAST = {INTEGER: "integer", DECIMAL: "numeric", DATE: "date", BOOLEAN: "boolean", JSON: "jsonb"}
REPORT_LIMIT = 500
MAX_REPAIR_POINTS = 5_000


@dataclass
class Stage:
    """The staging tables of one import, named uniquely, dropped by `drop()`."""

    layer: Layer
    municipality_id: int
    present: tuple[str, ...]  # register columns the file gives
    raw: str
    rows: str

    @classmethod
    def new(cls, layer: Layer, municipality_id: int, present) -> "Stage":
        token = uuid.uuid4().hex[:16]
        return cls(layer, municipality_id, tuple(present), f"dataio_stage_{token}", f"dataio_rows_{token}")

    def drop(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {self.raw}, {self.rows}")

    def drop_checks(self, cursor) -> None:
        """Drop the rows table (the geometry checks), keeping the raw rows, to check them again."""
        cursor.execute(f"DROP TABLE {self.rows}")

    @property
    def table(self) -> str:
        return self.layer.model._meta.db_table

    @property
    def text_columns(self) -> list[str]:
        return [c for c in self.present if c != self.layer.code]

    def column_sql(self, name: str) -> str:
        return self.layer.model._meta.get_field(name).column


# 1. COPY and geometry --------------------------------------------------------------------------------


def _fixed(values: np.ndarray) -> pa.Array:
    """Big-endian numbers as Arrow binary values (for the binary COPY format)."""
    return pa.FixedSizeBinaryArray.from_buffers(
        pa.binary(values.dtype.itemsize), len(values), [None, pa.py_buffer(values.tobytes())]
    ).cast(pa.binary())


def _field(array: pa.Array) -> list[pa.Array]:
    """A COPY BINARY field per row: int32 length (−1 for NULL) followed by the bytes."""
    if not pa.types.is_binary(array.type):
        array = array.cast(pa.string()).cast(pa.binary())
    lengths = pc.binary_length(array).to_numpy(zero_copy_only=False)
    valid = array.is_valid().to_numpy(zero_copy_only=False)
    lengths = np.where(valid, np.nan_to_num(lengths, nan=0), -1).astype(">i4")
    return [_fixed(lengths), pc.fill_null(array, b"")]


def _text(series) -> pa.Array:
    return pa.Array.from_pandas(series.astype(object), type=pa.string())


def copy_rows(cursor, table: str, arrays: list[pa.Array], progress=None, chunk: int = 200_000) -> None:
    """COPY arrays (row_no first) into `table` in binary form, built column-wise by Arrow."""
    n = len(arrays[0])
    with cursor.copy(f"COPY {table} FROM STDIN (FORMAT BINARY)") as copy:
        copy.write(COPY_HEADER)
        for start in range(0, n, chunk):
            part = [a.slice(start, chunk) for a in arrays]
            count = len(part[0])
            pieces = [_fixed(np.full(count, len(part), ">i2"))]
            for array in part:
                pieces += _field(array)
            rows = pc.binary_join_element_wise(*pieces, b"")
            offsets = np.frombuffer(rows.buffers()[1], dtype=np.int32, count=count + 1, offset=rows.offset * 4)
            copy.write(memoryview(rows.buffers()[2])[offsets[0] : offsets[-1]])
            if progress is not None:
                progress.advance(count)
        copy.write(COPY_TRAILER)


def load(cursor, stage: Stage, normalised: Normalised, wkb: pa.Array, progress=None) -> None:
    """COPY the file's rows, as text and WKB, into the raw staging table."""
    layer = stage.layer
    text_columns = stage.text_columns
    # Joins and aggregates over a million staged rows fit in memory with this; it ends with the transaction.
    # PostGIS functions are costed so high that the planner would JIT-compile every statement here, which
    # costs seconds and saves nothing on calls into GEOS and PROJ.
    cursor.execute("SET LOCAL work_mem = '256MB'")
    cursor.execute("SET LOCAL jit = off")
    cursor.execute(
        f"CREATE UNLOGGED TABLE {stage.raw} (row_no integer, code text, wkb bytea, unparsed text"
        + "".join(f", {c} text" for c in text_columns)
        + ")"
    )
    code = normalised.values.get(layer.code)
    # Columns whose value did not parse, per row: they are reported once, not again as missing.
    unparsed = [None] * normalised.rows
    for index, kind, column, _message in normalised.problems:
        if kind == "unparseable":
            unparsed[index] = f"{unparsed[index] or ','}{column},"
    arrays = [
        _fixed(np.arange(1, normalised.rows + 1, dtype=">i4")),  # integer in COPY's binary form
        _text(code) if code is not None else pa.nulls(normalised.rows, pa.string()),
        wkb,
        pa.array(unparsed, pa.string()),
        *(_text(normalised.values[c]) for c in text_columns),
    ]
    copy_rows(cursor, stage.raw, arrays, progress)


def check_geometry(
    cursor,
    stage: Stage,
    *,
    srid: int,
    transform_from: str,
    has_z: bool,
    boundary_wkb: bytes,
    repair: bool,
    area_srid: int,
    trust_validity: bool = False,
) -> None:
    """The rows table: each row's geometry in 4326 with its checks computed once.

    `trust_validity` leaves ST_IsValid to the register's own check constraint (see `validity_enforced`):
    rows count as valid, and the caller checks again in full if the constraint, or a GEOS function
    given an invalid geometry, refuses one.
    """
    layer = stage.layer
    source = "ST_GeomFromWKB(s.wkb)"
    if transform_from:
        source = f"ST_Transform({source}, %(transform_from)s, 4326)"
    elif srid != 4326:
        source = f"ST_Transform(ST_SetSRID({source}, %(srid)s), 4326)"
    else:
        source = f"ST_SetSRID({source}, 4326)"
    if has_z:
        source = f"ST_Force2D({source})"
    shape = _shape_sql(layer)
    kept = ["row_no", "code", "unparsed", *stage.text_columns]  # the raw WKB is not copied again
    is_valid = "true" if trust_validity else "ST_IsValid(p.g0)"
    # OFFSET 0 keeps each level from being flattened into the next, which would recompute its expressions.
    cursor.execute(
        f"""
        CREATE UNLOGGED TABLE {stage.rows} AS
        SELECT {", ".join(f"r.{c}" for c in kept)}, r.g, r.empty, r.valid, r.reason, r.repaired, r.too_complex,
               GeometryType(r.g) AS gtype,
               CASE WHEN r.valid THEN ST_Covers(%(boundary)s::geometry, r.g) END AS inside
        FROM (
            SELECT q.*, CASE WHEN q.valid0 THEN q.g0 WHEN q.repairable THEN {shape.format(g="ST_MakeValid(q.g0)")}
                             ELSE q.g0 END AS g,
                   CASE WHEN q.valid0 IS NOT FALSE THEN q.valid0
                        WHEN q.repairable THEN ST_IsValid({shape.format(g="ST_MakeValid(q.g0)")})
                        ELSE false END AS valid,
                   CASE WHEN q.valid0 = false THEN ST_IsValidReason(q.g0) END AS reason,
                   q.repairable AS repaired,
                   (q.valid0 = false AND %(repair)s AND NOT q.repairable) AS too_complex
            FROM (
                SELECT p.*, CASE WHEN p.empty THEN NULL ELSE {is_valid} END AS valid0,
                       -- make_valid nodes every crossing: a ring crossing itself thousands of times needs
                       -- gigabytes, so only geometries of a surveyed parcel's size are repaired automatically.
                       (%(repair)s AND NOT p.empty AND NOT ST_IsValid(p.g0) AND ST_NPoints(p.g0) <= %(max_repair)s)
                           AS repairable
                FROM (
                    SELECT s.*, x.g0, (x.g0 IS NULL OR ST_IsEmpty(x.g0)) AS empty
                    FROM {stage.raw} s
                    CROSS JOIN LATERAL (SELECT {shape.format(g=source)} AS g0 OFFSET 0) x
                    OFFSET 0
                ) p OFFSET 0
            ) q OFFSET 0
        ) r
        """,
        {
            "boundary": boundary_wkb,
            "repair": repair,
            "max_repair": MAX_REPAIR_POINTS,
            "srid": srid,
            "transform_from": transform_from,
        },
    )
    if layer.key == "parcels" and "area_sq_wah" not in stage.present:
        # No deed area in the file: measure the drawn parcel in the municipality's UTM zone (1 ตร.ว. = 4 m²).
        cursor.execute(f"ALTER TABLE {stage.rows} ADD COLUMN area_sq_wah text")
        cursor.execute(
            f"UPDATE {stage.rows} SET area_sq_wah = round((ST_Area(ST_Transform(g, %s)) / 4)::numeric, 2)::text "
            "WHERE valid",
            [area_srid],
        )


def _shape_sql(layer: Layer) -> str:
    """Fit a geometry to the layer: parcels are MultiPolygons; buildings and signs single parts."""
    if layer.key == "parcels":
        return "(CASE WHEN GeometryType({g}) = 'POLYGON' THEN ST_Multi({g}) ELSE {g} END)"
    if layer.key in ("buildings", "signboards"):
        return (
            "(CASE WHEN GeometryType({g}) LIKE 'MULTI%%' AND ST_NumGeometries({g}) = 1 "
            "THEN ST_GeometryN({g}, 1) ELSE {g} END)"
        )
    return "({g})"


# 2. Problems -----------------------------------------------------------------------------------------


def problems(cursor, stage: Stage, *, new_only: bool) -> tuple[list[tuple], dict[str, int]]:
    """The first problems as (row_no, code, kind, column, detail) and the count of each kind, from one
    scan of the rows; rows that break no rule skip the expansion into one row per rule."""
    layer = stage.layer
    checks, joins = _checks(stage, new_only=new_only)
    rules = ", ".join(f"({kind}, {column}, {detail}, {hit})" for kind, column, detail, hit in checks)
    cursor.execute(
        f"""
        CREATE TEMPORARY TABLE {stage.rows}_problems ON COMMIT DROP AS
        SELECT r.row_no, r.code, chk.kind, chk.col, chk.detail
        FROM {stage.rows} r
        LEFT JOIN (SELECT code, count(*) AS copies FROM {stage.rows} GROUP BY code HAVING count(*) > 1) d
               ON d.code = r.code
        LEFT JOIN {stage.table} e ON e.municipality_id = %(m)s AND e.{stage.column_sql(layer.code)} = r.code
        {joins}
        CROSS JOIN LATERAL (VALUES {rules}) AS chk(kind, col, detail, hit)
        WHERE ({" OR ".join(f"coalesce({h}, false)" for _k, _c, _d, h in checks)}) AND chk.hit
        """,
        {
            "m": stage.municipality_id,
            "types": [t.upper() for t in layer.geometry_types],
            "zones": sorted(current_zones() or ()),
        },
    )
    cursor.execute(
        f"SELECT row_no, code, kind, col, detail FROM {stage.rows}_problems ORDER BY row_no, kind LIMIT %s",
        [REPORT_LIMIT],
    )
    first = cursor.fetchall()
    cursor.execute(f"SELECT kind, count(*) FROM {stage.rows}_problems GROUP BY kind")
    counts = dict(cursor.fetchall())
    cursor.execute(f"DROP TABLE {stage.rows}_problems")
    return first, counts


def _check(kind: str, column: str | None, detail: str, condition: str) -> tuple[str, str, str, str]:
    """One rule: (kind, column, detail, condition) as SQL, the condition true for a row that breaks it."""
    return _literal(kind), _literal(column) if column else "NULL", detail, condition


def _checks(stage: Stage, *, new_only: bool) -> tuple[list[tuple[str, str, str, str]], str]:
    layer = stage.layer
    m = "%(m)s"
    code = layer.code
    geometry_type = ("r.gtype <> ALL(%(types)s)", None)
    if layer.key == "infrastructure":
        pairs = ", ".join(
            f"({_literal(kind)}, {_literal(t.upper())})"
            for kind, spec in KIND_SPECS.items()
            for t in spec.geometry_types
        )
        kind = "r.kind" if "kind" in stage.present else "e.kind"
        geometry_type = (
            f"{kind} IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM (VALUES {pairs}) k(kind, gtype) WHERE k.kind = {kind} AND k.gtype = r.gtype)",
            "kind",
        )
    checks = [
        # assets.geometry.geometry_problem, row by row in SQL
        _check("empty_geometry", None, "NULL", "r.empty"),
        _check("wrong_geometry_type", geometry_type[1], "r.gtype", f"NOT r.empty AND {geometry_type[0]}"),
        (
            "'invalid_geometry'",
            "CASE WHEN r.too_complex THEN 'too_complex' END",
            "r.reason",
            "NOT r.empty AND r.valid = false",
        ),
        _check("repaired_geometry", None, "r.reason", "r.repaired AND r.valid"),
        _check("outside_municipality", None, "NULL", "r.inside = false"),
        _check("missing_required", code, "NULL", "r.code IS NULL"),
        _check("duplicate_in_file", code, "d.copies::text", "d.copies IS NOT NULL"),
    ]
    if layer.code_pattern:  # assets.validators: the code patterns, as PostgreSQL regular expressions
        checks.append(_check("bad_code", code, "r.code", f"r.code !~ {_literal(layer.code_pattern)}"))
    if new_only:
        checks.append(_check("duplicate_in_register", code, "r.code", "e.id IS NOT NULL"))
    for column in layer.importable:
        if not column.required or column.name == code or column.default is not None:
            continue
        if column.name in stage.present or (layer.key == "parcels" and column.name == "area_sq_wah"):
            condition = (
                f"r.{column.name} IS NULL AND coalesce(r.unparsed, '') NOT LIKE {_literal(f'%,{column.name},%')}"
            )
        else:
            condition = "e.id IS NULL"  # a new record needs it; an existing one keeps its value
        checks.append(_check("missing_required", column.name, "NULL", condition))
    joins = ""
    if layer.key == "parcels":
        checks.append(_check("duplicate_in_register", "parcel_code", "r.code", "e.retired_on IS NOT NULL"))
        if "area_sq_wah" not in stage.present:
            checks += [
                _check("measured_area", "area_sq_wah", "r.area_sq_wah", "e.id IS NULL AND r.area_sq_wah IS NOT NULL"),
                # A sliver (a digitising slip) measures under 0.01 ตร.ว., the least area the register holds.
                _check("unparseable", "area_sq_wah", "r.area_sq_wah", "e.id IS NULL AND r.area_sq_wah::numeric < 0.01"),
            ]
        else:
            # assets.services.check_parts_total: land uses must still sum to a changed parcel area.
            checks.append(
                _check(
                    "parts_total",
                    "area_sq_wah",
                    "r.area_sq_wah",
                    "e.id IS NOT NULL AND e.area_sq_wah IS DISTINCT FROM r.area_sq_wah::numeric AND EXISTS ("
                    f"SELECT 1 FROM assets_landuse lu WHERE lu.municipality_id = {m} AND lu.parcel_id = e.id "
                    "HAVING sum(lu.area_sq_wah) <> r.area_sq_wah::numeric)",
                )
            )
    elif layer.key == "buildings":
        parcel = _parcel_of_building(stage)
        joins = f"LEFT JOIN assets_parcel p ON p.municipality_id = {m} AND p.parcel_code = {parcel}"
        checks += [
            _check("unknown_reference", "parcel_code", parcel, "r.code IS NOT NULL AND p.id IS NULL"),
            # Building.clean: the footprint stands on its parcel, and the code starts with the parcel's
            _check(
                "rule", "footprint", "p.parcel_code", "p.id IS NOT NULL AND r.valid AND NOT ST_Intersects(p.geom, r.g)"
            ),
        ]
        if "parcel_code" in stage.present:
            checks.append(
                _check(
                    "rule",
                    "parcel_code",
                    "r.code",
                    "r.parcel_code IS NOT NULL AND r.code NOT LIKE r.parcel_code || '-B%%'",
                )
            )
        if "floor_area_m2" in stage.present:
            checks.append(
                _check(
                    "parts_total",
                    "floor_area_m2",
                    "r.floor_area_m2",
                    "e.id IS NOT NULL AND e.floor_area_m2 IS DISTINCT FROM r.floor_area_m2::numeric AND EXISTS ("
                    f"SELECT 1 FROM assets_buildinguse bu WHERE bu.municipality_id = {m} AND bu.building_id = e.id "
                    "HAVING sum(bu.floor_area_m2) <> r.floor_area_m2::numeric)",
                )
            )
    elif layer.key == "signboards":
        if "parcel_code" in stage.present:
            joins += f" LEFT JOIN assets_parcel p ON p.municipality_id = {m} AND p.parcel_code = r.parcel_code"
            checks.append(
                _check(
                    "unknown_reference", "parcel_code", "r.parcel_code", "r.parcel_code IS NOT NULL AND p.id IS NULL"
                )
            )
        if "owner_national_id" in stage.present:
            joins += f" LEFT JOIN assets_owner o ON o.municipality_id = {m} AND o.national_id = r.owner_national_id"
            checks.append(
                _check(
                    "unknown_reference", "owner_national_id", "NULL", "r.owner_national_id IS NOT NULL AND o.id IS NULL"
                )
            )
        installed = "r.installed_on::date" if "installed_on" in stage.present else "e.installed_on"
        removed = "r.removed_on::date" if "removed_on" in stage.present else "e.removed_on"
        checks.append(_check("rule", "removed_on", "NULL", f"{removed} < {installed}"))
    if current_zones() is not None:
        check, zone_joins = _zone_check(stage)
        checks.append(check)
        joins += zone_joins
    return checks, joins


def _zone_check(stage: Stage) -> tuple[tuple[str, str, str, str], str]:
    """A member limited to some zones (municipalities/tenancy.py) writes only records that lie in them,
    before and after the import: a parcel by its block's zone (a new parcel's block from its code), a
    building or sign by its parcel's (a sign with no parcel lies in no zone). Infrastructure belongs to
    the whole town. `%(zones)s` is the member's zone ids (see `problems`)."""
    key = stage.layer.key

    def outside(parcel_id: str) -> str:
        return f"NOT {parcel_in_zones_sql(parcel_id, '%(zones)s')}"

    if key == "parcels":
        joins = _block_named_by_code("zb")
        condition = (
            f"CASE WHEN e.id IS NOT NULL THEN {outside('e.id')} ELSE zb.id IS NULL OR zb.zone_id <> ALL(%(zones)s) END"
        )
    elif key == "buildings":
        joins = ""
        condition = f"(e.id IS NOT NULL AND {outside('e.parcel_id')}) OR (p.id IS NOT NULL AND {outside('p.id')})"
    elif key == "signboards":
        if "parcel_code" in stage.present:
            joins, target = "", "p.id"
        else:  # the parcel the merge will find under the sign (_joins)
            joins, target = _parcel_under_sign("zp"), "zp.id"
        condition = (
            f"(e.id IS NOT NULL AND (e.parcel_id IS NULL OR {outside('e.parcel_id')})) "
            f"OR {target} IS NULL OR {outside(target)}"
        )
    else:
        return _check("outside_zones", None, "NULL", "false"), ""
    return _check("outside_zones", stage.layer.code, "r.code", condition), joins


def _parcel_of_building(stage: Stage) -> str:
    """The parcel a building stands on: its parcel_code column, else its code's prefix (50A001-B001)."""
    prefix = "substring(r.code from '^(.+)-B[0-9]{3}$')"
    return f"coalesce(r.parcel_code, {prefix})" if "parcel_code" in stage.present else prefix


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''").replace("%", "%%") + "'"


def preview(cursor, stage: Stage, *, limit: int, tolerance: float) -> list[tuple]:
    """A sample of rows for the map, rows with problems first, simplified to `tolerance` degrees."""
    cursor.execute(
        f"""
        SELECT row_no, code, ST_AsGeoJSON(ST_SimplifyPreserveTopology(g, %s), 6), NOT coalesce(valid AND inside, false)
        FROM {stage.rows}
        WHERE g IS NOT NULL AND NOT empty
        ORDER BY NOT coalesce(valid AND inside, false) DESC, (row_no * 2654435761::bigint) %% 4294967296
        LIMIT %s
        """,
        [tolerance, limit],
    )
    return cursor.fetchall()


def extent(cursor, stage: Stage):
    cursor.execute(
        f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(g) e FROM {stage.rows}) x"
    )
    return cursor.fetchone()


# 3. Merge --------------------------------------------------------------------------------------------


def _value_sql(stage: Stage, name: str) -> str:
    kind = stage.layer.kind_of(stage.layer.column(name))
    cast = CAST.get(kind)
    if kind == DECIMAL:
        return f"round(r.{name}::numeric, {stage.layer.field(name).decimal_places})"
    if cast:
        return f"r.{name}::{cast}"
    if not stage.layer.field(name).null:
        return f"coalesce(r.{name}, '')"  # an empty cell in a text column that Django keeps as ""
    return f"r.{name}"


def _custom_keys(stage: Stage) -> list[str]:
    return [c.name for c in stage.layer.importable if c.custom and c.name in stage.present]


def _custom_value(stage: Stage) -> str:
    """The file's custom fields as one JSON object (an empty cell leaves the key out)."""
    pairs = []
    for name in _custom_keys(stage):
        kind = stage.layer.kind_of(stage.layer.column(name))
        cast = {INTEGER: "::bigint", DECIMAL: "::numeric", BOOLEAN: "::boolean"}.get(kind, "")
        pairs.append(f"{_literal(name)}, r.{name}{cast}")
    return f"jsonb_strip_nulls(jsonb_build_object({', '.join(pairs)}))"


def _incoming(stage: Stage, column: str, old: str, value: str) -> str:
    """The value a record gets: custom fields not in the file keep theirs, those in it are replaced."""
    if column != "custom":
        return value
    keys = ", ".join(_literal(k) for k in _custom_keys(stage))
    return f"(({old}.custom - ARRAY[{keys}]::text[]) || {value})"


def _differs(stage: Stage, old: str, new: list[tuple[str, str]]) -> str:
    """SQL that is true when a record differs from the incoming values. Geometries compare by shape
    (ST_Equals), so a shapefile's re-oriented rings of the same parcel are not a change; the same
    coordinates in the same order (PostGIS `=`, a byte comparison) settle most rows before GEOS is asked."""
    (column, geometry), values = new[0], [(c, _incoming(stage, c, old, v)) for c, v in new[1:]]
    condition = f"NOT ({old}.{column} = {geometry} OR ST_Equals({old}.{column}, {geometry}))"
    if values:
        before = ", ".join(f"{old}.{column}" for column, _ in values)
        condition = f"ROW({before}) IS DISTINCT FROM ROW({', '.join(value for _, value in values)}) OR {condition}"
    return f"({condition})"


def outcome_counts(cursor, stage: Stage) -> dict[str, int]:
    """How many rows would be new, changed or unchanged (compared on the file's own columns)."""
    differs = _differs(stage, "e", _assignments(stage))
    cursor.execute(
        f"""
        SELECT count(*) FILTER (WHERE e.id IS NULL),
               count(*) FILTER (WHERE e.id IS NOT NULL AND {differs}),
               count(*) FILTER (WHERE e.id IS NOT NULL AND NOT {differs})
        FROM {stage.rows} r
        {_joins(stage)}
        LEFT JOIN {stage.table} e ON e.municipality_id = %(m)s AND e.{stage.column_sql(stage.layer.code)} = r.code
        """,
        {"m": stage.municipality_id},
    )
    new, changed, unchanged = cursor.fetchone()
    return {"new": new, "changed": changed, "unchanged": unchanged}


def _block_named_by_code(alias: str) -> str:
    """The block a parcel's code names (50A001 → block 50A) joined as `alias`, within the municipality."""
    return (
        f" LEFT JOIN municipalities_block {alias} ON {alias}.municipality_id = %(m)s "
        f"AND {alias}.code = substring(r.code from {BLOCK_OF_PARCEL_CODE_SQL})"
    )


def _parcel_under_sign(alias: str) -> str:
    """The parcel a sign stands on (the first by code where several meet it) joined as `alias`: a sign
    file without parcel codes is placed by location. Rows whose geometry is invalid find none."""
    return (
        " LEFT JOIN LATERAL (SELECT pp.id FROM assets_parcel pp WHERE pp.municipality_id = %(m)s "
        "AND pp.retired_on IS NULL AND r.valid AND ST_Intersects(pp.geom, r.g) "
        f"ORDER BY pp.parcel_code LIMIT 1) {alias} ON true"
    )


def _joins(stage: Stage) -> str:
    """Lookups of related records (always within the municipality)."""
    layer = stage.layer
    m = "%(m)s"
    if layer.key == "parcels":
        return _block_named_by_code("b")
    if layer.key == "buildings":
        return f"LEFT JOIN assets_parcel p ON p.municipality_id = {m} AND p.parcel_code = {_parcel_of_building(stage)}"
    if layer.key == "signboards":
        joins = ""
        if "parcel_code" in stage.present:
            joins += f" LEFT JOIN assets_parcel p ON p.municipality_id = {m} AND p.parcel_code = r.parcel_code"
        else:
            joins += _parcel_under_sign("p")
        if "owner_national_id" in stage.present:
            joins += f" LEFT JOIN assets_owner o ON o.municipality_id = {m} AND o.national_id = r.owner_national_id"
        return joins
    return ""


def _assignments(stage: Stage) -> list[tuple[str, str]]:
    """(table column, value expression) for the columns the file sets."""
    layer = stage.layer
    out = [(stage.column_sql(layer.geometry), "r.g")]
    for name in stage.present:
        if name == layer.code or name in _custom_keys(stage):
            continue
        if name == "parcel_code":
            out.append(("parcel_id", "p.id"))
        elif name == "owner_national_id":
            out.append(("owner_id", "o.id"))
        else:
            out.append((stage.column_sql(name), _value_sql(stage, name)))
    if layer.key == "parcels":
        out.append(("block_id", "b.id"))
    elif (layer.key == "buildings" and "parcel_code" not in stage.present) or (
        layer.key == "signboards" and "parcel_code" not in stage.present
    ):
        out.append(("parcel_id", "p.id"))
    if _custom_keys(stage):
        out.append(("custom", _custom_value(stage)))
    return out


def _defaults(stage: Stage) -> list[tuple[str, str]]:
    """Values a new record gets for columns the file does not have (an existing record keeps its own)."""
    out = []
    if stage.layer.key == "parcels" and "area_sq_wah" not in stage.present:
        # The area measured from the drawing (check_geometry) stands in for a deed area only on a new
        # parcel: an existing parcel keeps its registered area, which its land uses and its tax rest on.
        out.append(("area_sq_wah", "r.area_sq_wah::numeric"))
    for column in stage.layer.importable:
        if column.name in stage.present or column.default is None or column.custom:
            continue
        out.append(
            (
                stage.column_sql(column.name),
                f"{_literal(column.default)}::{CAST.get(stage.layer.kind_of(column), 'text')}",
            )
        )
    return out


class BulkLoadUnavailable(Exception):
    """Others hold the register's tables: the bulk path cannot have them to itself."""


def merge(
    cursor, stage: Stage, *, acting_user_id: int | None, reason: str, bulk: bool = False, progress=None
) -> dict[str, int]:
    """Upsert the staged rows by code; history rows for exactly the records inserted or changed.

    With `bulk` (only when `bulk_load_fits`), every row is inserted and the indexes are built
    afterwards (`_bulk_load`), or BulkLoadUnavailable is raised; otherwise one INSERT … ON CONFLICT
    merges the rows and maintains the indexes as it goes.
    """
    params = {"m": stage.municipality_id, "reason": reason[:100], "user": acting_user_id}
    if bulk:
        if not _lock_for_bulk_load(cursor, stage):
            raise BulkLoadUnavailable
        inserted, changed = _bulk_load(cursor, stage, params, progress or NullProgress()), 0
    else:
        inserted, changed = _upsert(cursor, stage, params)
    if inserted + changed > 10_000:
        cursor.execute(f"ANALYZE {stage.table}")
    return {"new": inserted, "changed": changed}


def _insert_parts(stage: Stage) -> tuple[list[str], list[str], list[str]]:
    """Columns and value expressions of a new record, and the columns an update sets."""
    assignments = _assignments(stage)
    defaults = _defaults(stage)
    columns = ["municipality_id", stage.column_sql(stage.layer.code)] + [c for c, _ in assignments + defaults]
    values = ["%(m)s", "r.code"] + [v for _, v in assignments + defaults]
    return columns, values, [c for c, _ in assignments]


def _history_insert(stage: Stage) -> str:
    """`INSERT INTO <history table> (…)`, to be followed by a SELECT of the tracked columns (see _tracked)."""
    history = stage.layer.model.history.model._meta.db_table
    return (
        f"INSERT INTO {history} ({_tracked(stage)}, history_date, history_type, history_change_reason, history_user_id)"
    )


def _tracked(stage: Stage) -> str:
    history = stage.layer.model.history.model
    return ", ".join(f.column for f in history._meta.concrete_fields if not f.name.startswith("history_"))


def _upsert(cursor, stage: Stage, params: dict) -> tuple[int, int]:
    columns, values, updated = _insert_parts(stage)
    code_column = stage.column_sql(stage.layer.code)
    # Rows equal to their record are left out before the upsert: ON CONFLICT would lock (and so write)
    # every record it meets, changed or not. The conflict clause still settles rows added meanwhile.
    cursor.execute(
        f"""
        WITH merged AS (
            INSERT INTO {stage.table} AS t ({", ".join(columns)})
            SELECT {", ".join(values)}
            FROM {stage.rows} r
            {_joins(stage)}
            LEFT JOIN {stage.table} e ON e.municipality_id = %(m)s AND e.{code_column} = r.code
            WHERE e.id IS NULL OR {_differs(stage, "e", _assignments(stage))}
            ON CONFLICT (municipality_id, {code_column}) DO UPDATE
            SET {", ".join(f"{c} = {_incoming(stage, c, 't', f'EXCLUDED.{c}')}" for c in updated)}
            WHERE t.municipality_id = %(m)s AND {_differs(stage, "t", [(c, f"EXCLUDED.{c}") for c in updated])}
            RETURNING {_tracked(stage)}, (t.xmax = 0) AS inserted
        ),
        logged AS (
            {_history_insert(stage)}
            SELECT {_tracked(stage)}, statement_timestamp(), CASE WHEN inserted THEN '+' ELSE '~' END, %(reason)s,
                   %(user)s
            FROM merged WHERE municipality_id = %(m)s
            RETURNING history_type
        )
        SELECT count(*) FILTER (WHERE history_type = '+'), count(*) FILTER (WHERE history_type = '~') FROM logged
        """,
        params,
    )
    return cursor.fetchone()


# The bulk path. Maintaining a table's indexes row by row costs several times more than building them
# once over the loaded rows (PostGIS sorts a GiST build; b-trees are built by parallel workers): for
# 1M parcels about 60 s against 10 s here. It needs the table to itself while it loads, so it is taken
# only when a municipality loads a layer for the first time and the file outnumbers, several times
# over, what the whole table (and its history table) already holds: a new deployment or a new town on a
# young one. Other municipalities then wait for the load (seconds) instead of being locked out for
# long; on a grown register the row-by-row merge is used, which locks no one out.
BULK_MIN_ROWS = 50_000
BULK_TABLE_RATIO = 0.25  # the tables hold at most a quarter as many rows as the file
BULK_LOCK_WAIT = "2s"  # if others hold the tables longer than this, merge row by row instead


def _bulk_tables(stage: Stage) -> list[str]:
    return [stage.table, stage.layer.model.history.model._meta.db_table]


def bulk_load_fits(cursor, stage: Stage, rows: int) -> bool:
    """A first load of this layer for the municipality, large, and larger than the tables by far."""
    if rows < BULK_MIN_ROWS:
        return False
    cursor.execute(f"SELECT EXISTS (SELECT 1 FROM {stage.table} WHERE municipality_id = %s)", [stage.municipality_id])
    if cursor.fetchone()[0]:
        return False
    limit = int(rows * BULK_TABLE_RATIO)
    for table in _bulk_tables(stage):
        cursor.execute(f"SELECT count(*) FROM (SELECT FROM {table} LIMIT %s) x", [limit + 1])
        if cursor.fetchone()[0] > limit:
            return False
    return True


def validity_enforced(cursor, stage: Stage) -> bool:
    """Whether the layer's table refuses invalid geometries itself (a CHECK (ST_IsValid(…)) constraint)."""
    column = stage.column_sql(stage.layer.geometry)
    cursor.execute(
        "SELECT EXISTS (SELECT FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'c' "
        "AND convalidated AND pg_get_constraintdef(oid) = %s)",
        [stage.table, f"CHECK (st_isvalid({column}))"],
    )
    return cursor.fetchone()[0]


def _lock_for_bulk_load(cursor, stage: Stage) -> bool:
    """The tables to ourselves until the commit, if others let go of them within BULK_LOCK_WAIT."""
    cursor.execute("SHOW lock_timeout")
    (previous,) = cursor.fetchone()
    try:
        with transaction.atomic():
            cursor.execute(f"SET LOCAL lock_timeout = '{BULK_LOCK_WAIT}'")
            cursor.execute(f"LOCK TABLE {', '.join(_bulk_tables(stage))} IN ACCESS EXCLUSIVE MODE")
    except OperationalError as error:
        if getattr(error.__cause__, "sqlstate", None) in ("55P03", "40P01"):  # lock_not_available, deadlock
            return False
        raise
    cursor.execute("SELECT set_config('lock_timeout', %s, true)", [previous])
    return True


def _bulk_load(cursor, stage: Stage, params: dict, progress) -> int:
    """Insert every staged row (all are new) and their history rows, then build the indexes."""
    columns, values, _updated = _insert_parts(stage)
    with _indexes_built_after(cursor, _bulk_tables(stage), progress):
        cursor.execute(
            f"INSERT INTO {stage.table} ({', '.join(columns)}) SELECT {', '.join(values)} FROM {stage.rows} r "
            f"{_joins(stage)}",
            params,
        )
        inserted = cursor.rowcount
        progress.say(_("บันทึกประวัติการแก้ไข"))
        # The municipality had no records and no one else can write the table: its records are these.
        cursor.execute(
            f"{_history_insert(stage)} SELECT {_tracked(stage)}, statement_timestamp(), '+', %(reason)s, %(user)s "
            f"FROM {stage.table} WHERE municipality_id = %(m)s",
            params,
        )
    return inserted


@contextmanager
def _indexes_built_after(cursor, tables: list[str], progress):
    """Drop the tables' secondary indexes and unique constraints, and build them again after the block.

    Primary keys and keys that foreign keys point to stay. Names and definitions come back exactly as
    they were (pg_get_indexdef, pg_get_constraintdef), so migrations find them. All of it is transactional:
    a failure brings the indexes back with the rollback.
    """
    cursor.execute(
        """
        SELECT i.indrelid::regclass::text, quote_ident(c.conname), pg_get_constraintdef(c.oid),
               i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid)
        FROM pg_index i
        LEFT JOIN pg_constraint c ON c.conindid = i.indexrelid AND c.conrelid = i.indrelid
        WHERE i.indrelid = ANY(%s::regclass[]) AND NOT i.indisprimary
          AND NOT EXISTS (SELECT FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = i.indexrelid)
        ORDER BY i.indexrelid
        """,
        [tables],
    )
    indexes = cursor.fetchall()
    for table, constraint, _definition, index, _index_definition in indexes:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {constraint}" if constraint else f"DROP INDEX {index}")
    yield
    # An index cannot be built while foreign-key checks of the new rows wait for the commit: check them now.
    cursor.execute(
        "SELECT quote_ident(conname), condeferred FROM pg_constraint "
        "WHERE conrelid = ANY(%s::regclass[]) AND contype = 'f' AND condeferrable",
        [tables],
    )
    foreign_keys = cursor.fetchall()
    progress.say(_("ตรวจความสัมพันธ์กับตารางอื่น"))
    if foreign_keys:
        cursor.execute(f"SET CONSTRAINTS {', '.join(name for name, _ in foreign_keys)} IMMEDIATE")
    progress.say(_("สร้างดัชนี"))
    cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
    for table, constraint, definition, _index, index_definition in indexes:
        if constraint:
            cursor.execute(f"ALTER TABLE {table} ADD CONSTRAINT {constraint} {definition}")
        else:
            cursor.execute(index_definition)
    deferred = [name for name, initially_deferred in foreign_keys if initially_deferred]
    if deferred:
        cursor.execute(f"SET CONSTRAINTS {', '.join(deferred)} DEFERRED")
