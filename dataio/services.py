"""Bringing files into the register and taking the register out as files.

Imports: `check_file` reads, stages and validates a file and returns its report without writing
anything; `import_file` does the same and, when the report has no errors, merges the rows in the
same transaction (all or nothing). The web pages keep an `ImportSession` between the two and commit
it in the background worker (`import_session_commit_start`).

Exports: `export_layer` never includes personal data. Owners' names, IDs and addresses leave the
system only through `export_with_personal_data`, which checks the capability and logs each export.
"""

import json
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import partial
from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.db import DatabaseError, IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.choices import PersonalDataAction
from audit.services import record_personal_data_access
from dataio import exporter, staging
from dataio.layers import LAYERS, Layer, layer_for
from dataio.models import ImportSession, ImportStatus
from dataio.reader import SUPPORTED_SRIDS, FileRefused, ReadOptions, read_source
from dataio.report import ERROR, PROBLEM_KINDS, TOO_COMPLEX, message, severity
from dataio.values import match_columns, normalise
from jobs.progress import NullProgress
from municipalities.models import Membership
from municipalities.permissions import Capability, capabilities_of
from municipalities.signals import rows_changed

PREVIEW_FEATURES = 3000  # drawn on the preview map; never more than this inline


@dataclass(frozen=True)
class ImportOptions:
    """How to read a file and what to do with it."""

    layer: str
    encoding: str | None = None
    srid: int | None = None
    thai_datum_shift: bool = False
    mapping: dict[str, str] = field(default_factory=dict)
    repair: bool = False  # repair invalid geometries with ST_MakeValid (listed as warnings)
    new_only: bool = False  # codes already in the register are refused instead of updated

    @property
    def spec(self) -> Layer:
        return LAYERS[self.layer]

    def read_options(self) -> ReadOptions:
        return ReadOptions(encoding=self.encoding, srid=self.srid, thai_datum_shift=self.thai_datum_shift)

    def as_json(self) -> dict:
        return asdict(self)


class ImportRefused(ValidationError):
    """The file has rows with errors: nothing was written. `report` says which."""

    def __init__(self, report: dict):
        self.report = report
        super().__init__(
            _("ไม่ได้นำเข้า: พบข้อผิดพลาด %(errors)s รายการใน %(rows)s แถว ยังไม่มีการบันทึกข้อมูลใด ๆ")
            % {"errors": f"{report['errors']:,}", "rows": f"{report['rows']:,}"},
            code="import_refused",
        )


def check_file(*, municipality, path: Path, options: ImportOptions, progress=None, preview: bool = False) -> dict:
    """The validation report of a file (and a sample for the map), with nothing written."""
    progress = progress or NullProgress()
    with transaction.atomic():
        with connection.cursor() as cursor:
            checked = _stage_and_check(cursor, municipality, path, options, progress)
            report = checked.report
            if not report["errors"]:
                report["outcome"] = staging.outcome_counts(cursor, checked.stage)
            if preview:
                report["preview"] = _preview(cursor, checked.stage)
        transaction.set_rollback(True)  # the staging tables go with the rollback
    return report


@transaction.atomic
def import_file(
    *, municipality, acting_user, path: Path, options: ImportOptions, dry_run: bool = False, progress=None
) -> dict:
    """Validate a file and, when it has no errors, merge it into the register (one transaction).

    Rows are matched by code within the municipality: new codes are added, changed rows updated (only
    the columns the file has), identical rows left alone, so importing the same file again changes
    nothing. Raises ImportRefused (nothing written) when any row has an error.
    """
    progress = progress or NullProgress()
    with connection.cursor() as cursor:
        checked = _stage_and_check(cursor, municipality, path, options, progress, first_load=not dry_run)
        if checked.report["errors"]:
            raise ImportRefused(checked.report)
        if dry_run:
            checked.report["outcome"] = staging.outcome_counts(cursor, checked.stage)
            transaction.set_rollback(True)
            return checked.report
        progress.say(_("บันทึกลงทะเบียน"))
        merge = partial(
            staging.merge,
            cursor,
            checked.stage,
            acting_user_id=getattr(acting_user, "pk", None),
            reason=_("นำเข้าจากไฟล์ %(name)s") % {"name": Path(path).name},
            progress=progress,
        )
        result = None
        if checked.bulk:
            try:
                with transaction.atomic():
                    result = merge(bulk=True)
            except (staging.BulkLoadUnavailable, IntegrityError) as error:
                # The checks trusted the register to refuse invalid geometries: check in full now.
                checked.check(trust_validity=False)
                if checked.report["errors"]:
                    raise ImportRefused(checked.report) from None
                if isinstance(error, IntegrityError):
                    raise
        report = checked.report
        report["result"] = merge(bulk=False) if result is None else result
        progress.advance(report["rows"])
        checked.stage.drop()
    rows_changed.send(sender=options.spec.model, municipality_id=municipality.pk)
    return report


@dataclass
class _Checked:
    """A file staged for one import, its geometry checks and its report (see `_stage_and_check`)."""

    cursor: object
    municipality: object
    options: ImportOptions
    layer: Layer  # the layer with the municipality's custom fields (catalogue.customfields)
    source: object
    mapping: dict
    values: object
    stage: staging.Stage
    report: dict | None = None
    bulk: bool = False  # checked for the bulk path of a first load

    def check(self, *, trust_validity: bool) -> dict:
        if self.report is not None:
            self.stage.drop_checks(self.cursor)
        staging.check_geometry(
            self.cursor,
            self.stage,
            srid=self.source.srid,
            transform_from=self.source.transform_from,
            has_z=self.source.has_z,
            boundary_wkb=bytes(self.municipality.boundary.ewkb),
            repair=self.options.repair,
            area_srid=self.municipality.area_srid,
            trust_validity=trust_validity,
        )
        _refuse_mixed_geometry(self.cursor, self.stage)
        first, counts = staging.problems(self.cursor, self.stage, new_only=self.options.new_only)
        self.report = _report(self.layer, self.source, self.mapping, self.values, first, counts)
        self.bulk = trust_validity
        return self.report


class _Distrusted(Exception):
    """The checks that trusted the register's validity constraint found errors: check in full."""


def _stage_and_check(cursor, municipality, path: Path, options: ImportOptions, progress, *, first_load: bool = False):
    """Read and stage a file and check it; with `first_load`, the first load of a large file takes the
    bulk path if it can (`staging.bulk_load_fits`): its geometries' validity is then left to the
    register's check constraint, so ST_IsValid runs once per row instead of twice. Any report with
    errors comes from the full checks, so that it is the same report either way."""
    layer = layer_for(municipality.pk, options.layer)
    progress.say(_("อ่านไฟล์"))
    source = read_source(path, options.read_options())
    if source.rows == 0:
        raise FileRefused(_("ไฟล์ไม่มีข้อมูลสักแถว"), code="empty")
    progress.set_total(source.rows * 3)
    mapping = match_columns(layer, list(source.columns), options.mapping)
    values = normalise(layer, source.columns, source.rows, mapping)
    stage = staging.Stage.new(layer, municipality.pk, values.present)
    progress.say(_("คัดลอกลงตารางพัก"))
    staging.load(cursor, stage, values, source.wkb, progress=progress)
    checked = _Checked(cursor, municipality, options, layer, source, mapping, values, stage)
    progress.say(_("ตรวจสอบความถูกต้อง"))
    if (
        first_load
        and not options.repair
        and staging.bulk_load_fits(cursor, stage, source.rows)
        and staging.validity_enforced(cursor, stage)
    ):
        try:
            with transaction.atomic():
                if checked.check(trust_validity=True)["errors"]:
                    raise _Distrusted
        except (_Distrusted, DatabaseError):  # DatabaseError: GEOS refused an invalid geometry
            checked.report = None
    if checked.report is None:
        checked.check(trust_validity=False)
    progress.advance(source.rows)
    return checked


def _refuse_mixed_geometry(cursor, stage) -> None:
    if stage.layer.mixed_geometry:
        return
    cursor.execute(f"SELECT gtype, count(*) FROM {stage.rows} WHERE NOT empty GROUP BY gtype ORDER BY gtype")
    found = dict(cursor.fetchall())
    families = {_family(t) for t in found}
    if len(families) > 1:
        raise FileRefused(
            _("ไฟล์มีรูปเรขาคณิตหลายชนิดปนกัน (%(found)s): ชั้นข้อมูล%(layer)s ต้องเป็น %(allowed)s เท่านั้น")
            % {
                "found": ", ".join(f"{t} {n:,}" for t, n in found.items()),
                "layer": stage.layer.label,
                "allowed": " / ".join(stage.layer.geometry_types),
            },
            code="mixed_geometry",
        )


def _family(geometry_type: str) -> str:
    return geometry_type.removeprefix("MULTI")


def _report(layer: Layer, source, mapping, values, first, counts) -> dict:
    code_values = values.values.get(layer.code)
    rows = [
        (index + 1, _code_at(code_values, index), kind, column, text) for index, kind, column, text in values.problems
    ]
    counts = dict(counts)
    for _index, kind, _column, _text in values.problems:
        counts[kind] = counts.get(kind, 0) + 1
    rows += [
        (row, code, kind, column, message(kind, _label(layer, column), detail))
        for row, code, kind, column, detail in first
    ]
    rows.sort(key=lambda r: (r[0], r[2]))
    problems = [
        {"row": row, "code": code, "kind": kind, "column": column or "", "message": text, "severity": severity(kind)}
        for row, code, kind, column, text in rows[: staging.REPORT_LIMIT]
    ]
    errors = sum(n for kind, n in counts.items() if severity(kind) == ERROR)
    used = set(mapping.values())
    return {
        "layer": layer.key,
        "rows": source.rows,
        "source": {
            "format": source.format,
            "encoding": source.encoding,
            "srid": source.srid,
            "crs": SUPPORTED_SRIDS.get(source.srid, f"EPSG:{source.srid}"),
            "thai_datum_shift": bool(source.transform_from),
            "layer_name": source.layer_name,
            "notes": [str(n) for n in source.notes],
        },
        "columns": mapping,
        "unmatched": [name for name in source.columns if name not in used],
        "errors": errors,
        "warnings": sum(counts.values()) - errors,
        "by_kind": {kind: counts[kind] for kind in PROBLEM_KINDS if counts.get(kind)},
        "problems": problems,
    }


def _code_at(codes, index: int) -> str | None:
    if codes is None or codes.isna().iat[index]:
        return None
    return str(codes.iat[index])


def _label(layer: Layer, column: str | None) -> str | None:
    if not column or column == TOO_COMPLEX:
        return column or None
    try:
        return layer.label_of(layer.column(column))
    except StopIteration:
        return column


def _preview(cursor, stage) -> dict:
    box = staging.extent(cursor, stage)
    if box is None or box[0] is None:
        return {"features": [], "bounds": None}
    tolerance = max(box[2] - box[0], box[3] - box[1]) / 4000  # about a pixel on a wide screen
    rows = staging.preview(cursor, stage, limit=PREVIEW_FEATURES, tolerance=tolerance)
    features = [
        {"type": "Feature", "geometry": json.loads(geojson), "properties": {"row": row, "code": code, "problem": bad}}
        for row, code, geojson, bad in rows
    ]
    return {"features": features, "bounds": list(box)}


# Import sessions (the web pages) ---------------------------------------------------------------------


@transaction.atomic
def import_session_create(*, municipality, acting_user, upload, options: ImportOptions) -> ImportSession:
    """Keep an uploaded file and its validation report; a file that cannot be read is not kept."""
    with tempfile.TemporaryDirectory(prefix="thesaban-upload-") as folder:
        path = Path(folder) / Path(upload.name).name
        with path.open("wb") as sink:
            for chunk in upload.chunks():
                sink.write(chunk)
        report = check_file(municipality=municipality, path=path, options=options, preview=True)
        session = ImportSession(
            municipality=municipality,
            layer=options.layer,
            source_name=Path(upload.name).name[:255],
            options=options.as_json(),
            created_by=acting_user,
        )
        _set_report(session, report)
        with path.open("rb") as handle:
            session.file.save(session.source_name, File(handle), save=False)
    session.full_clean()
    session.save()
    return session


def _set_report(session: ImportSession, report: dict) -> None:
    session.preview = report.pop("preview", {})
    session.report = report


@transaction.atomic
def import_session_recheck(*, session: ImportSession, acting_user, **changes) -> ImportSession:
    """Check the kept file again with other options (a column mapping, repair, another CRS…)."""
    if session.status != ImportStatus.CHECKED:
        raise ValidationError(_("การนำเข้านี้เริ่มไปแล้ว แก้ไขตัวเลือกไม่ได้"))
    options = ImportOptions(**{**session.options, **changes})
    with _local_copy(session) as path:
        report = check_file(municipality=session.municipality, path=path, options=options, preview=True)
    session.options = options.as_json()
    _set_report(session, report)
    session.save(update_fields=["options", "report", "preview"])
    return session


@transaction.atomic
def import_session_commit_start(*, session: ImportSession, acting_user):
    """Hand the commit to the background worker; the page follows its progress.

    The session's row is locked first: a double click, or two officers on the same session, queue one
    import; the second finds it under way and is told so."""
    from dataio.tasks import commit_import
    from jobs.services import task_start

    session = ImportSession.objects.select_for_update().get(pk=session.pk)
    if not session.can_commit:
        raise ValidationError(_("นำเข้าไม่ได้: ไฟล์ยังมีข้อผิดพลาดหรือนำเข้าไปแล้ว"))
    task = task_start(
        municipality=session.municipality,
        acting_user=acting_user,
        kind="dataio.import",
        title=_("นำเข้า %(name)s (%(layer)s)") % {"name": session.source_name, "layer": session.get_layer_display()},
        job=commit_import,
        session_id=session.pk,
    )
    session.task = task
    session.status = ImportStatus.COMMITTING
    session.save(update_fields=["task", "status"])
    return task


def import_session_commit(*, session: ImportSession, acting_user, progress=None) -> dict:
    """Run by the worker: import the kept file with its options, all or nothing."""
    try:
        with _local_copy(session) as path:
            report = import_file(
                municipality=session.municipality,
                acting_user=acting_user,
                path=path,
                options=ImportOptions(**session.options),
                progress=progress,
            )
    except Exception as error:  # refused, or failed unexpectedly: either way nothing was written
        if isinstance(error, ImportRefused):
            session.report = error.report
        session.status = ImportStatus.FAILED
        session.save(update_fields=["status", "report"])
        raise
    report.setdefault("outcome", session.report.get("outcome", {}))  # what the officer confirmed
    session.report = report
    session.status = ImportStatus.COMMITTED
    session.committed_at = timezone.now()
    session.save(update_fields=["report", "status", "committed_at"])
    return report["result"]


@contextmanager
def _local_copy(session: ImportSession):
    """The session's stored file under its original name (the reader goes by the suffix)."""
    with tempfile.TemporaryDirectory(prefix="thesaban-import-") as folder:
        path = Path(folder) / session.source_name
        with session.file.open("rb") as source, path.open("wb") as sink:
            shutil.copyfileobj(source, sink)
        yield path


# Exports ---------------------------------------------------------------------------------------------


def export_layer(*, municipality, acting_user, layer: str, fmt: str, encoding: str = "utf-8") -> exporter.ExportFile:
    """A layer (or the LTAX Online field set) as a file, without personal data (PDPA)."""
    return exporter.export(municipality, layer=layer, fmt=fmt, encoding=encoding, personal_data=False)


def export_with_personal_data(
    *, municipality, acting_user, layer: str, fmt: str, encoding: str = "utf-8", request=None
) -> exporter.ExportFile:
    """The same file with owners' names, IDs and addresses: the only way personal data is exported.

    Refused unless the acting user's role in this municipality may see personal data (executives and
    the public never get this form). Every export is logged (PDPA): who, when, which layer, how many rows.
    """
    if not may_see_personal_data(acting_user, municipality):
        raise PermissionDenied(_("ไม่มีสิทธิ์ส่งออกข้อมูลส่วนบุคคล"))
    exported = exporter.export(municipality, layer=layer, fmt=fmt, encoding=encoding, personal_data=True)
    record_personal_data_access(
        user=acting_user,
        action=PersonalDataAction.EXPORT,
        model=None if fmt == "ltax" else LAYERS[layer].model,
        record_count=exported.rows,
        detail=exported.filename,
        request=request,
        municipality=municipality,
    )
    return exported


def may_see_personal_data(user, municipality) -> bool:
    if user is None or not user.is_authenticated:
        return False
    membership = Membership._base_manager.filter(user=user, municipality=municipality, is_active=True).first()
    return membership is not None and Capability.VIEW_PERSONAL_DATA in capabilities_of(membership.role)
