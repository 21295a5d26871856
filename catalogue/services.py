"""Every change to the catalogue, the municipality's settings and custom fields goes through these.

Each is one transaction, validates the record as a whole and records the acting user in history.
"""

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from catalogue import selectors
from catalogue.choices import Classification, FieldType, Licence
from catalogue.customfields import clean_values, fields_for, layer_of
from catalogue.models import CustomField, Dataset, DatasetRecord, MunicipalProfile
from catalogue.sources import SOURCES, UPLOAD, dataset_key
from dataio.layers import LAYERS
from dataio.reader import FileRefused, ReadOptions, read_source
from dataio.staging import copy_rows
from jobs.progress import NullProgress

RECOUNT_AFTER = timezone.timedelta(days=1)  # a safety net for changes made outside the app (psql)
# Names that the staging tables of dataio's import use for their own columns.
RESERVED_KEYS = {
    "row_no", "code", "wkb", "unparsed", "g", "g0", "gtype", "valid", "valid0", "reason", "repaired",
    "repairable", "too_complex", "empty", "inside", "custom", "id", "municipality", "municipality_id",
    "zone", "block", "lot", "rai", "ngan", "wah", "geometry", "wkt",
}  # fmt: skip
# Owners' columns of every layer (names, shapefile names, aliases): a custom field named like one would
# carry personal data under a name imports fill and a public dataset publishes, so none may take them.
PERSONAL_NAMES = {
    name for layer in LAYERS.values() for c in layer.columns if c.personal for name in (c.name, c.short, *c.aliases)
}


def _save(instance, acting_user):
    instance._history_user = acting_user
    instance.full_clean()
    instance.save()
    return instance


# The catalogue and its counts --------------------------------------------------------------------


def catalogue_sync(municipality, *, model=Dataset) -> None:
    """Give the municipality a catalogue entry for every register layer it does not list yet
    (`model`: the historical model when a migration calls this)."""
    existing = set(model._base_manager.filter(municipality_id=municipality.pk).values_list("source", flat=True))
    missing = [s for key, s in SOURCES.items() if key not in existing]
    if not missing:
        return
    Dataset = model
    Dataset._base_manager.bulk_create(
        [
            Dataset(
                municipality_id=municipality.pk,
                key=dataset_key(source.key),
                source=source.key,
                title_th=source.title_th,
                title_en=source.title_en,
                description_th=source.description_th,
                owner_department=source.department,
                update_frequency=source.frequency,
                licence=Licence.NOT_OPEN,
                classification=source.classification,
                keywords=list(source.keywords),
                geometry_type=source.geometry_type,
            )
            for source in missing
        ],
        ignore_conflicts=True,  # two first readers at once
    )


def dataset_refresh(datasets, *, force: bool = False) -> list[Dataset]:
    """Recount the datasets marked stale (or not counted for a day); the others are left alone."""
    now = timezone.now()
    refreshed = []
    for dataset in datasets:
        if force or dataset.stale or dataset.counted_at is None or now - dataset.counted_at > RECOUNT_AFTER:
            dataset.record_count = selectors.count_of(dataset)
            dataset.counted_at = now
            dataset.stale = False
            if dataset.last_updated is None:
                dataset.last_updated = now
            Dataset._base_manager.filter(pk=dataset.pk).update(
                record_count=dataset.record_count,
                counted_at=now,
                stale=False,
                last_updated=dataset.last_updated,
            )
        refreshed.append(dataset)
    return refreshed


def catalogue_current(municipality, *, include_hidden: bool = True) -> list[Dataset]:
    """The municipality's catalogue with every count current (what pages and harvesters read)."""
    catalogue_sync(municipality)
    return dataset_refresh(selectors.datasets_of(municipality, include_hidden=include_hidden))


def mark_changed(municipality_id: int, sources) -> None:
    """A change to these sources' rows: their counts are refreshed on the next read."""
    sources = list(sources)
    if not sources or municipality_id is None:
        return
    Dataset._base_manager.filter(municipality_id=municipality_id, source__in=sources).update(
        stale=True, last_updated=timezone.now()
    )


@transaction.atomic
def catalogue_publish(*, municipality, acting_user, sources=None, licence=Licence.CC_BY) -> list[Dataset]:
    """Open the register layers fit for open data as they are (`Source.open_data`: zones, blocks,
    infrastructure), or the given sources, under an open licence."""
    catalogue_sync(municipality)
    wanted = sources or [key for key, source in SOURCES.items() if source.open_data]
    return [
        dataset_update(dataset=dataset, acting_user=acting_user, classification=Classification.PUBLIC, licence=licence)
        for dataset in Dataset.objects.filter(municipality=municipality, source__in=wanted)
    ]


# Metadata and settings ---------------------------------------------------------------------------


@transaction.atomic
def dataset_update(*, dataset: Dataset, acting_user, **changes) -> Dataset:
    """Change a dataset's metadata, licence or classification (personal data can never be opened)."""
    for name, value in changes.items():
        setattr(dataset, name, value)
    if (
        dataset.source in SOURCES
        and SOURCES[dataset.source].personal
        and dataset.classification != Classification.PERSONAL
    ):
        raise ValidationError({"classification": _("ชุดข้อมูลนี้มีข้อมูลส่วนบุคคล จึงต้องจัดชั้นเป็นข้อมูลส่วนบุคคลเสมอ")})
    if dataset.classification == Classification.PUBLIC and dataset.licence == "other-closed":
        raise ValidationError({"licence": _("ชุดข้อมูลสาธารณะต้องมีสัญญาอนุญาตแบบเปิด เช่น CC BY 4.0")})
    _refuse_personal_unless_classified(dataset)
    return _save(dataset, acting_user)


def _refuse_personal_unless_classified(dataset: Dataset) -> None:
    """An uploaded dataset carrying national IDs or owners' names is classified personal: never opened to
    the public, nor to members whose role sees no personal data (an executive's download, a token)."""
    if dataset.classification == Classification.PERSONAL:
        return
    found = selectors.personal_values(dataset)
    if found:
        cells = ", ".join(_("แถว %(row)s คอลัมน์ %(column)s") % {"row": row, "column": column} for row, column in found)
        raise ValidationError(
            {
                "classification": _(
                    "ชุดข้อมูลนี้มีข้อมูลส่วนบุคคล (เลขประจำตัวประชาชนหรือชื่อเจ้าของทรัพย์สิน) จึงต้องจัดชั้นเป็นข้อมูลส่วนบุคคล: "
                    "%(cells)s ลบคอลัมน์นั้นแล้วอัปโหลดใหม่ หรือจัดชั้นเป็นข้อมูลส่วนบุคคล"
                )
                % {"cells": cells}
            }
        )


@transaction.atomic
def profile_update(*, municipality, acting_user, **changes) -> MunicipalProfile:
    profile = MunicipalProfile.objects.filter(municipality=municipality).first() or MunicipalProfile(
        municipality=municipality
    )
    for name, value in changes.items():
        setattr(profile, name, value)
    logo = profile.logo
    if logo and getattr(logo, "size", 0) > 1_048_576:
        raise ValidationError({"logo": _("ไฟล์ตราสัญลักษณ์ต้องไม่เกิน 1 MB")})
    return _save(profile, acting_user)


# Custom fields -----------------------------------------------------------------------------------


def _check_key(field: CustomField) -> None:
    taken = {c.name for c in LAYERS[field.layer].columns} | set(LAYERS[field.layer].extra_names)
    for source in SOURCES.values():
        if source.custom_layer == field.layer:
            taken |= {name for name, _sql in source.columns + source.internal_columns}
    if field.key in taken or field.key in RESERVED_KEYS:
        raise ValidationError({"key": _("ชื่อฟิลด์ %(key)s ซ้ำกับคอลัมน์ของทะเบียน โปรดใช้ชื่ออื่น") % {"key": field.key}})
    if field.key in PERSONAL_NAMES:
        raise ValidationError(
            {"key": _("ชื่อฟิลด์ %(key)s เป็นชื่อคอลัมน์ข้อมูลส่วนบุคคลของเจ้าของ โปรดใช้ชื่ออื่น") % {"key": field.key}}
        )
    if field.field_type == FieldType.CHOICE and not field.choices:
        raise ValidationError({"choices": _("ฟิลด์แบบเลือกจากรายการต้องมีตัวเลือกอย่างน้อยหนึ่งรายการ")})
    if field.field_type != FieldType.CHOICE:
        field.choices = []


@transaction.atomic
def custom_field_create(*, municipality, acting_user, **fields) -> CustomField:
    field = CustomField(municipality=municipality, **fields)
    _check_key(field)
    _save(field, acting_user)
    _sources_changed(field)
    return field


@transaction.atomic
def custom_field_update(*, field: CustomField, acting_user, **changes) -> CustomField:
    """Change a definition; the layer, key and type stay (values already stored keep their meaning)."""
    for name in ("layer", "key", "field_type"):
        if name in changes and changes[name] != getattr(field, name):
            raise ValidationError({name: _("เปลี่ยนชั้นข้อมูล ชื่อ หรือชนิดของฟิลด์ที่มีอยู่แล้วไม่ได้ โปรดสร้างฟิลด์ใหม่")})
    for name, value in changes.items():
        setattr(field, name, value)
    _check_key(field)
    return _save(field, acting_user)


@transaction.atomic
def custom_field_delete(*, field: CustomField, acting_user) -> int:
    """Remove a definition and its values from every record of the layer (one statement)."""
    model = LAYERS[field.layer].model
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {model._meta.db_table} SET custom = custom - %s WHERE municipality_id = %s AND custom ? %s",
            [field.key, field.municipality_id, field.key],
        )
        cleared = cursor.rowcount
    field._history_user = acting_user
    field.delete()
    return cleared


def _sources_changed(field: CustomField) -> None:
    mark_changed(field.municipality_id, [k for k, s in SOURCES.items() if s.custom_layer == field.layer])


@transaction.atomic
def record_custom_set(*, record, acting_user, values: dict, partial: bool = False):
    """Set a register record's custom values (all of them, or only those given when `partial`)."""
    fields = fields_for(record.municipality_id, layer_of(record))
    merged = {**(record.custom or {}), **values} if partial else dict(values)
    cleaned, messages = clean_values(fields, {k: v for k, v in merged.items() if v is not None})
    if messages:
        raise ValidationError({"custom": messages})
    record.custom = cleaned
    return _save(record, acting_user)


# Uploaded datasets -------------------------------------------------------------------------------


# The catalogue's own pages under /catalogue/<key>/: no uploaded dataset may take their names.
PAGE_NAMES = {"upload", "fields", "settings", "national", "records"}


def _slug(text: str) -> str:
    slug = re.sub(r"[^a-z0-9]+", "-", text.casefold()).strip("-")[:50] or "dataset"
    return f"{slug}-data" if slug in PAGE_NAMES else slug


def _column_type(values: pd.Series) -> str:
    """integer, decimal, boolean, date or text: the narrowest type every non-empty value fits."""
    present = values.dropna()
    if present.empty:
        return "text"
    text = present.astype(str).str.strip()
    if text.str.fullmatch(r"[+-]?\d{1,18}").all():
        return "integer"
    if text.str.fullmatch(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?").all():
        return "decimal"
    if text.str.casefold().isin({"true", "false"}).all():
        return "boolean"
    if text.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all() and pd.to_datetime(text, errors="coerce").notna().all():
        return "date"
    return "text"


def _typed(values: pd.Series, kind: str) -> list:
    out = []
    for value in values.tolist():
        if value is None or (isinstance(value, float) and np.isnan(value)):
            out.append(None)
        elif kind == "integer":
            out.append(int(str(value).strip()))
        elif kind == "decimal":
            out.append(float(str(value).strip()))
        elif kind == "boolean":
            out.append(str(value).strip().casefold() == "true")
        else:
            out.append(str(value).strip())
    return out


@transaction.atomic
def dataset_upload(
    *, municipality, acting_user, path: Path, title_th: str, owner_department: str, progress=None, **metadata
) -> Dataset:
    """A layer or table of the municipality's own (markets, schools, a survey), read by dataio's reader
    (shapefile, GeoPackage, GeoJSON, KML, CSV or XLSX), kept as a dataset with typed columns."""
    import json

    progress = progress or NullProgress()
    source = read_source(Path(path), ReadOptions(geometry_required=False))
    if source.rows == 0:
        raise FileRefused(_("ไฟล์ไม่มีข้อมูลสักแถว"), code="empty")
    progress.set_total(source.rows)
    frame = pd.DataFrame({name: array.to_pylist() for name, array in source.columns.items()})
    columns = [{"name": name, "type": _column_type(frame[name])} for name in frame.columns]
    base = _slug(metadata.pop("key", "") or Path(path).stem)
    key, n = base, 1
    while Dataset._base_manager.filter(municipality=municipality, key=key).exists():
        n += 1
        key = f"{base}-{n}"
    has_geometry = bool(source.wkb.null_count < len(source.wkb))
    dataset = _save(
        Dataset(
            municipality=municipality,
            key=key,
            source=UPLOAD,
            title_th=title_th,
            owner_department=owner_department,
            columns=columns,
            source_name=Path(path).name[:255],
            **metadata,
        ),
        acting_user,
    )
    typed = {c["name"]: _typed(frame[c["name"]], c["type"]) for c in columns}
    attributes = [
        json.dumps({name: typed[name][i] for name in typed if typed[name][i] is not None}, ensure_ascii=False)
        for i in range(source.rows)
    ]
    stage = f"catalogue_upload_{dataset.pk}"
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TEMPORARY TABLE {stage} (row_no integer, wkb bytea, attributes text) ON COMMIT DROP")
        copy_rows(
            cursor,
            stage,
            [_row_numbers(source.rows), source.wkb, pa.array(attributes, pa.string())],
            progress,
        )
        geometry = "ST_GeomFromWKB(s.wkb)"
        if source.transform_from:
            geometry = f"ST_Transform({geometry}, %(transform_from)s, 4326)"
        else:
            geometry = f"ST_Transform(ST_SetSRID({geometry}, %(srid)s), 4326)"
        cursor.execute(
            f"""
            INSERT INTO catalogue_datasetrecord (municipality_id, dataset_id, row_no, geom, attributes)
            SELECT %(m)s, %(dataset)s, s.row_no,
                   CASE WHEN s.wkb IS NULL THEN NULL ELSE ST_Force2D({geometry}) END, s.attributes::jsonb
            FROM {stage} s
            """,
            {"m": municipality.pk, "dataset": dataset.pk, "srid": source.srid, "transform_from": source.transform_from},
        )
        if has_geometry:
            cursor.execute(
                "SELECT GeometryType(geom), count(*) FROM catalogue_datasetrecord "
                "WHERE municipality_id = %s AND dataset_id = %s AND geom IS NOT NULL GROUP BY 1 ORDER BY 2 DESC",
                [municipality.pk, dataset.pk],
            )
            types = [row[0] for row in cursor.fetchall()]
            invalid = _invalid_rows(cursor, municipality.pk, dataset.pk)
            if invalid:
                raise FileRefused(
                    _("รูปเรขาคณิตไม่ถูกต้องในแถว %(rows)s: แก้ไขแล้วอัปโหลดใหม่ ยังไม่มีการบันทึกข้อมูลใด ๆ")
                    % {"rows": ", ".join(map(str, invalid))},
                    code="invalid_geometry",
                )
            dataset.geometry_type = types[0].title().replace("string", "String") if len(types) == 1 else "Geometry"
    _refuse_personal_unless_classified(dataset)  # before anything is kept: the whole upload rolls back
    dataset.record_count = source.rows
    dataset.counted_at = dataset.last_updated = timezone.now()
    dataset.stale = False
    dataset.save(update_fields=["geometry_type", "record_count", "counted_at", "last_updated", "stale"])
    return dataset


def _row_numbers(n: int) -> pa.Array:
    from dataio.staging import _fixed

    return _fixed(np.arange(1, n + 1, dtype=">i4"))


def _invalid_rows(cursor, municipality_id: int, dataset_id: int) -> list[int]:
    cursor.execute(
        "SELECT row_no FROM catalogue_datasetrecord WHERE municipality_id = %s AND dataset_id = %s "
        "AND geom IS NOT NULL AND NOT ST_IsValid(geom) ORDER BY row_no LIMIT 20",
        [municipality_id, dataset_id],
    )
    return [row[0] for row in cursor.fetchall()]


@transaction.atomic
def dataset_delete(*, dataset: Dataset, acting_user) -> None:
    """Remove an uploaded dataset and its rows (register layers stay in the catalogue)."""
    if not dataset.is_upload:
        raise ValidationError(_("ลบได้เฉพาะชุดข้อมูลที่อัปโหลด ชั้นข้อมูลของทะเบียนซ่อนได้ในการตั้งค่าของเทศบาล"))
    DatasetRecord.objects.filter(dataset=dataset).delete()
    dataset._history_user = acting_user
    dataset.delete()
