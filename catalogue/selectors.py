"""Reads of the catalogue: datasets, their rows as features or frames, and each municipality's settings.

Rows are read with SQL built from `catalogue.sources` and always filtered by the dataset's
municipality in the WHERE clause (raw SQL does its own tenancy). `internal=False` gives what the
public may see: a public dataset's public columns, without custom fields marked personal.
"""

import datetime
import json
import re
from dataclasses import dataclass
from decimal import Decimal

import geopandas as gpd
import pandas as pd
import shapely
from django.db import connection
from django.db.models import Exists, OuterRef, Q
from stdnum.th import pin

from catalogue.choices import Classification
from catalogue.customfields import fields_for, sql_select
from catalogue.disclosure import published_sql
from catalogue.models import Dataset, MunicipalProfile
from catalogue.sources import SOURCES, UPLOAD, Source, dataset_key
from municipalities.modules import closed_datasets, dataset_owners, hidden_modules
from municipalities.permissions import capabilities_of
from municipalities.tenancy import current_zones
from taxes.selectors import tax_sums_sql

UPLOAD_CASTS = {"integer": "bigint", "decimal": "numeric", "boolean": "boolean", "date": "date"}


def profile_of(municipality) -> MunicipalProfile:
    """The municipality's settings (defaults when it has saved none); read in any scope."""
    if municipality is None:
        return None
    found = MunicipalProfile._base_manager.filter(municipality_id=municipality.pk).first()
    return found or MunicipalProfile(municipality=municipality)


def profile_for_request(request) -> MunicipalProfile | None:
    """The settings of the request's municipality, read once per request (menu, page, documents)."""
    if not hasattr(request, "catalogue_profile"):
        request.catalogue_profile = profile_of(getattr(request, "municipality", None))
    return request.catalogue_profile


def hidden_datasets(profile) -> Q:
    """The datasets a municipality hides from its users: its hidden layers, and the layers of the modules
    it hides (a closed module's figures are not served to anyone, municipalities/modules.py)."""
    return Q(key__in=profile.hidden_layers or []) | Q(source__in=closed_datasets(hidden_modules(profile)))


def is_hidden(dataset: Dataset, profile) -> bool:
    return dataset.key in (profile.hidden_layers or []) or dataset.source in closed_datasets(hidden_modules(profile))


def hidden_sources(profile) -> frozenset[str]:
    """The register layers (keys of catalogue.sources.SOURCES) whose datasets the municipality hides as
    layers (`hidden_layers`): the maps leave them out too (maps/access.py)."""
    hidden = set(profile.hidden_layers or ()) if profile is not None else set()
    return frozenset(key for key in SOURCES if dataset_key(key) in hidden)


def datasets_of(municipality, *, include_hidden: bool = True):
    """The municipality's catalogue (in the current scope), register layers first."""
    datasets = Dataset.objects.filter(municipality=municipality).order_by("source", "key")
    if not include_hidden:
        datasets = datasets.exclude(hidden_datasets(profile_of(municipality)))
    return datasets


def unreadable_sources(role: str | None) -> list[str]:
    """The register layers a role may not read unless they are public (the tax summary needs VIEW_TAXES)."""
    granted = capabilities_of(role)
    return [key for key, source in SOURCES.items() if source.capability not in granted]


def _not_hidden():
    """Datasets their municipality has not hidden (`hidden_datasets`, in SQL for every municipality at
    once): no API or public page serves a hidden one; only the municipal admin still sees it in the
    catalogue, to manage it."""
    profiles = MunicipalProfile._base_manager.filter(municipality_id=OuterRef("municipality_id"))
    condition = ~Exists(profiles.filter(hidden_layers__has_key=OuterRef("key")))
    for source, owners in dataset_owners().items():
        condition &= ~(Q(source=source) & Exists(profiles.filter(hidden_modules__has_keys=owners)))
    return condition


def public_datasets(municipality_code: str | None = None):
    """Every public dataset of the platform (or of one municipality), for the portal and harvesters."""
    found = (
        Dataset._base_manager.filter(_not_hidden(), classification=Classification.PUBLIC)
        .select_related("municipality")
        .order_by("municipality__name_th", "source", "key")
    )
    if municipality_code:
        found = found.filter(municipality__code=municipality_code)
    return found


FQ_MODIFIED = re.compile(r"^metadata_modified:\[(?P<since>\S+) TO \*\]$")
FQ_ORGANIZATION = re.compile(r"^(?P<exclude>-?)organization:(?P<name>lgo-[0-9]{6})$")


def _fq_groups(fq: str) -> list[list[str]]:
    """Solr filter terms, those joined by OR grouped: `a OR b c` → [[a, b], [c]]."""
    groups, joined = [], False
    for token in re.findall(r"[^\s\[]+\[[^\]]*\]|\S+", fq):
        token = token.strip("()")
        if token == "OR":
            joined = bool(groups)
        elif joined:
            groups[-1].append(token)
            joined = False
        elif token:
            groups.append([token])
    return groups


def search_public_datasets(*, q: str = "", fq: str = ""):
    """Public datasets for CKAN's package_search, in id order: `q` words must each appear in a title,
    description or keyword; `fq` takes the terms CKAN harvesters send (others raise ValueError)."""
    found = public_datasets().order_by("municipality__code", "key")
    for word in q.split():
        found = found.filter(
            Q(title_th__icontains=word)
            | Q(title_en__icontains=word)
            | Q(description_th__icontains=word)
            | Q(description_en__icontains=word)
            | Q(keywords__icontains=word)
        )
    included = []
    for group in _fq_groups(fq):
        organizations = [FQ_ORGANIZATION.match(term) for term in group]
        modified = FQ_MODIFIED.match(group[0]) if len(group) == 1 else None
        if all(organizations):
            codes = [m["name"].removeprefix("lgo-") for m in organizations]
            if organizations[0]["exclude"]:
                found = found.exclude(municipality__code__in=codes)
            else:
                included += codes
        elif modified:
            since = datetime.datetime.fromisoformat(modified["since"].replace("Z", "+00:00"))
            if since.tzinfo is None:
                since = since.replace(tzinfo=datetime.UTC)
            found = found.filter(Q(last_updated__gte=since) | Q(last_updated__isnull=True, created_at__gte=since))
        else:
            raise ValueError(f"unsupported filter {' OR '.join(group)!r}")
    return found.filter(municipality__code__in=included) if included else found


def public_dataset(identifier: str) -> Dataset | None:
    code, _, key = identifier.partition("-")
    return public_datasets(code).filter(key=key).first()


def served_datasets(membership):
    """What the OGC API serves: public datasets of every municipality, plus the internal ones of the
    token holder's municipality that their role may read. Personal and hidden datasets are never served."""
    condition = Q(classification=Classification.PUBLIC)
    if membership is not None:
        condition |= Q(classification=Classification.INTERNAL, municipality_id=membership.municipality_id) & ~Q(
            source__in=unreadable_sources(membership.role)
        )
    return (
        Dataset._base_manager.filter(_not_hidden(), condition)
        .exclude(source="owners")
        .select_related("municipality")
        .order_by("municipality__code", "key")
    )


# Rows ------------------------------------------------------------------------------------------------


def _literal(text: str) -> str:
    return "'" + str(text).replace("'", "''").replace("%", "%%") + "'"


@dataclass(frozen=True)
class Query:
    """SELECT pieces for one dataset: columns (name, SQL), FROM (alias t), WHERE, parameters."""

    columns: list[tuple[str, str]]
    source: str
    where: list[str]
    params: dict
    geometry: str | None


def _zone_figure(value: str, contributors: str) -> str:
    """A zone's figure, published by catalogue.disclosure's rule for the zone's parcels, then for its own."""
    return published_sql(published_sql(value, contributors), "c.n")


ZONE_SUMMARY = f"""(
    SELECT z.id, z.municipality_id, z.code AS zone_code, c.tax_year, z.geom,
           {published_sql("c.n", "c.n")} AS parcel_count,
           {_zone_figure("c.assessed", "c.taxed")} AS assessed_tax,
           {_zone_figure("c.collected", "c.paying")} AS collected_tax,
           {_zone_figure("c.arrears", "c.overdue")} AS arrears
    FROM municipalities_zone z
    JOIN (
        SELECT left(p.parcel_code, 2) AS zone_code, v.tax_year, count(*) AS n, {tax_sums_sql("v")}
        FROM taxes_tax_status v
        JOIN assets_parcel p ON p.id = v.parcel_id AND p.municipality_id = %(m)s
        WHERE v.municipality_id = %(m)s AND v.parcel_id IS NOT NULL
          AND v.tax_year = (SELECT max(r.tax_year) FROM taxes_assessmentrun r
                            WHERE r.municipality_id = %(m)s AND r.is_current)
        GROUP BY 1, 2
    ) c ON c.zone_code = z.code
    WHERE z.municipality_id = %(m)s
)"""


def query_of(dataset: Dataset, *, internal: bool) -> Query:
    """The SELECT of a dataset's rows; `internal` adds the columns only the municipality sees, and
    keeps a zone-limited member to their zones (public reads give every row of a public dataset)."""
    params = {"m": dataset.municipality_id}
    if dataset.source == UPLOAD:
        columns = [
            (
                c["name"],
                f"(t.attributes ->> {_literal(c['name'])})"
                + (f"::{UPLOAD_CASTS[c['type']]}" if c["type"] in UPLOAD_CASTS else ""),
            )
            for c in dataset.columns
        ]
        params["dataset"] = dataset.pk
        return Query(
            columns,
            "catalogue_datasetrecord t",
            ["t.municipality_id = %(m)s", "t.dataset_id = %(dataset)s"],
            params,
            "geom" if dataset.geometry_type else None,
        )
    source: Source = SOURCES[dataset.source]
    columns = list(source.columns) + (list(source.internal_columns) if internal else [])
    if source.custom_layer:
        columns += [
            (f.key, sql_select(f)) for f in fields_for(dataset.municipality_id, source.custom_layer) if not f.personal
        ]
    table = f"{ZONE_SUMMARY} t" if source.zone_summary else f"{source.table} t"
    where = ["t.municipality_id = %(m)s"] + ([source.where] if source.where else [])
    zones = current_zones()
    if internal and zones is not None and source.zone_sql:
        # A zone-limited member reads what the default manager would show them (municipalities/tenancy.py).
        where.append(source.zone_sql)
        params["zones"] = sorted(zones)
    return Query(columns, table, where, params, source.geometry)


def count_of(dataset: Dataset) -> int:
    """How many records the dataset has (one index scan of the municipality's rows)."""
    if dataset.source == "assessments":
        sql = (
            "SELECT count(*) FROM taxes_assessment a WHERE a.municipality_id = %(m)s AND a.run_id = ("
            "SELECT r.id FROM taxes_assessmentrun r WHERE r.municipality_id = %(m)s AND r.is_current "
            "ORDER BY r.tax_year DESC LIMIT 1)"
        )
        params = {"m": dataset.municipality_id}
    else:
        query = query_of(dataset, internal=False)
        sql = f"SELECT count(*) FROM {query.source} WHERE {' AND '.join(query.where)}"
        params = query.params
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def _plain(value):
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, (datetime.date, datetime.datetime)):
        return value.isoformat()
    return value


def _json(value):
    return json.loads(value) if isinstance(value, str) else value


def rows(dataset: Dataset, *, internal: bool, bbox=None, limit=None, offset: int = 0, fid=None, geometry="geojson"):
    """(column names, [(fid, values…, geometry)], matched) of a dataset: one page, in id order.

    `bbox` (min lon, min lat, max lon, max lat) keeps features whose geometry meets the box (GiST);
    `geometry` is "geojson" (text) or "wkb" (bytes). `matched` counts every row meeting the filters.
    """
    query = query_of(dataset, internal=internal)
    where, params = list(query.where), dict(query.params)
    if bbox is not None and query.geometry:
        where.append(f"ST_Intersects(t.{query.geometry}, ST_MakeEnvelope(%(x0)s, %(y0)s, %(x1)s, %(y1)s, 4326))")
        params.update(zip(("x0", "y0", "x1", "y1"), bbox, strict=True))
    if fid is not None:
        where.append("t.id = %(fid)s")
        params["fid"] = fid
    condition = " AND ".join(where)
    if query.geometry:
        shape = f"ST_AsGeoJSON(t.{query.geometry}, 7)" if geometry == "geojson" else f"ST_AsBinary(t.{query.geometry})"
    else:
        shape = "NULL"
    select = ", ".join([f"{sql} AS c{i}" for i, (_name, sql) in enumerate(query.columns)] + [shape])
    page = "" if limit is None else f" LIMIT {int(limit)} OFFSET {int(offset)}"
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM {query.source} WHERE {condition}", params)
        matched = cursor.fetchone()[0]
        cursor.execute(f"SELECT t.id, {select} FROM {query.source} WHERE {condition} ORDER BY t.id{page}", params)
        found = cursor.fetchall()
    names = [name for name, _sql in query.columns]
    json_columns = {i for i, name in enumerate(names) if name == "attributes"}
    out = []
    for row in found:
        values = [_json(v) if i in json_columns else _plain(v) for i, v in enumerate(row[1:-1])]
        out.append((row[0], values, row[-1]))
    return names, out, matched


def features(dataset: Dataset, **options) -> tuple[list[dict], int]:
    """GeoJSON features (id, properties, geometry) of a page of the dataset, and how many match."""
    names, found, matched = rows(dataset, geometry="geojson", **options)
    return [
        {
            "type": "Feature",
            "id": fid,
            "geometry": json.loads(shape) if shape else None,
            "properties": dict(zip(names, values, strict=True)),
        }
        for fid, values, shape in found
    ], matched


def frame(dataset: Dataset, *, internal: bool) -> gpd.GeoDataFrame:
    """The whole dataset as a GeoDataFrame in WGS 84, for dataio's writers."""
    names, found, _matched = rows(dataset, internal=internal, geometry="wkb")
    table = pd.DataFrame([values for _fid, values, _shape in found], columns=names, dtype=object)
    for name in names:
        present = [v for v in table[name] if v is not None]
        if name == "attributes":
            table[name] = table[name].map(lambda v: json.dumps(v, ensure_ascii=False, sort_keys=True))
        elif present and all(isinstance(v, bool) for v in present):
            table[name] = table[name].astype("boolean")  # else files would say "True" as text
        elif present and all(isinstance(v, int) and not isinstance(v, bool) for v in present):
            table[name] = table[name].astype("Int64")
    shapes = shapely.from_wkb([bytes(s) if s is not None else None for _fid, _values, s in found]) if found else []
    return gpd.GeoDataFrame(table, geometry=gpd.GeoSeries(shapes, crs=4326), crs=4326)


def extent_of(dataset: Dataset) -> tuple[float, float, float, float] | None:
    query = query_of(dataset, internal=False)
    if not query.geometry:
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM (SELECT ST_Extent(t.{query.geometry}) e "
            f"FROM {query.source} WHERE {' AND '.join(query.where)}) x",
            query.params,
        )
        box = cursor.fetchone()
    if box is None or box[0] is None:
        return None
    return tuple(box)


# Personal data in an uploaded dataset ------------------------------------------------------------------

ID_LIKE = r"[0-9]([ -]?[0-9]){12}"  # 13 digits, maybe grouped as 1-2345-67890-12-3
PERSONAL_SQL = f"""
WITH names AS (  -- how the municipality's owners (people, not companies) are written
    SELECT o.first_name || ' ' || o.last_name AS name FROM assets_owner o
    WHERE o.municipality_id = %(m)s AND o.kind = 'person' AND o.last_name <> ''
    UNION
    SELECT o.title || o.first_name || ' ' || o.last_name FROM assets_owner o
    WHERE o.municipality_id = %(m)s AND o.kind = 'person' AND o.last_name <> ''
)
SELECT r.row_no, a.key, a.value, a.value ~ '{ID_LIKE}' AS id_like
FROM catalogue_datasetrecord r
CROSS JOIN LATERAL jsonb_each_text(r.attributes) a
WHERE r.municipality_id = %(m)s AND r.dataset_id = %(dataset)s
  AND (a.value ~ '{ID_LIKE}' OR btrim(a.value) IN (SELECT name FROM names))
ORDER BY r.row_no
"""


def personal_values(dataset: Dataset, *, limit: int = 20) -> list[tuple[int, str]]:
    """(row, column) of an uploaded dataset's values that are personal data: a valid Thai personal ID
    (checksum per stdnum.th.pin), or the full name of one of the municipality's owners."""
    if not dataset.is_upload or dataset.pk is None:
        return []
    found = []
    with connection.cursor() as cursor:
        cursor.execute(PERSONAL_SQL, {"m": dataset.municipality_id, "dataset": dataset.pk})
        for row_no, column, value, id_like in cursor:
            if id_like and not any(
                pin.is_valid(re.sub(r"[ -]", "", m.group()))
                for m in re.finditer(rf"(?<![0-9]){ID_LIKE}(?![0-9])", value)
            ):
                continue
            found.append((row_no, column))
            if len(found) == limit:
                break
    return found
