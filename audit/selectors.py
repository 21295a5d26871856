"""Reading the change history of any historied record: as it was on a date, and every change with before/after."""

import datetime
from dataclasses import dataclass

from django.apps import apps
from django.contrib import admin
from django.contrib.gis.geos import GEOSGeometry
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from assets.validators import MASKED_FIELDS, mask_national_id


def historied_models(request) -> list[type[models.Model]]:
    """Registers whose history this member may read: the admin's own view and history gates decide."""
    found = []
    for model, model_admin in admin.site._registry.items():
        if hasattr(model, "history") and model_admin.has_view_history_permission(request):
            found.append(model)
    return sorted(found, key=lambda m: str(m._meta.verbose_name))


def historied_model(request, label: str) -> type[models.Model] | None:
    try:
        model = apps.get_model(label)
    except (LookupError, ValueError):
        return None
    return model if model in historied_models(request) else None


def find_record_id(model, reference: str) -> int | None:
    """A record's id from its id or its code (parcel code, building code…), within the current scope."""
    reference = reference.strip()
    if reference.isdigit() and model.objects.filter(pk=int(reference)).exists():
        return int(reference)
    code_fields = [f.name for f in model._meta.fields if f.name == "code" or f.name.endswith("_code")]
    for name in code_fields:
        pk = model.objects.filter(**{name: reference}).values_list("pk", flat=True).first()
        if pk is not None:
            return pk
    return None


def display(field: models.Field, value) -> str:
    if value is None or value == "":
        return "—"
    if field.name in MASKED_FIELDS:
        return mask_national_id(str(value))
    if isinstance(value, GEOSGeometry):
        return _("%(kind)s · %(points)s จุด · ศูนย์กลาง %(x).6f, %(y).6f") % {
            "kind": value.geom_type,
            "points": value.num_coords,
            "x": value.centroid.x,
            "y": value.centroid.y,
        }
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if field.is_relation:
        related = field.related_model._base_manager.filter(pk=value).first()  # the record itself is in scope
        return str(related) if related is not None else str(value)
    return str(value)


@dataclass
class Change:
    label: str
    before: str
    after: str


@dataclass
class HistoryEntry:
    record: models.Model
    changes: list[Change]


def _fields(model):
    """The fields kept in the history, less the id and the municipality (the same for every row)."""
    kept = {h.name for h in model.history.model._meta.fields}
    return [f for f in model._meta.concrete_fields if f.name in kept and f.name not in ("id", "municipality")]


def record_history(model, pk: int) -> list[HistoryEntry]:
    """Every change of one record, oldest first, each with the fields it changed (before → after)."""
    fields = {f.attname: f for f in _fields(model)}
    rows = list(model.history.filter(id=pk).select_related("history_user").order_by("history_date", "history_id"))
    entries, previous = [], None
    for row in rows:
        changes = []
        for attname, field in fields.items():
            before = getattr(previous, attname) if previous is not None else None
            after = getattr(row, attname)
            if previous is None or before != after:
                if previous is None and after in (None, ""):
                    continue
                changes.append(Change(str(field.verbose_name), display(field, before), display(field, after)))
        entries.append(HistoryEntry(row, changes))
        previous = row
    return entries


def as_of(model, pk: int, day: datetime.date):
    """The record as it stood at the end of `day` (Thai time): its history row, or None if it did not exist."""
    end_of_day = timezone.make_aware(datetime.datetime.combine(day, datetime.time.max))
    row = model.history.filter(id=pk, history_date__lte=end_of_day).order_by("-history_date", "-history_id").first()
    if row is None or row.history_type == "-":
        return None
    return [(str(f.verbose_name), display(f, getattr(row, f.attname))) for f in _fields(model)], row
