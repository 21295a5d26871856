"""The one mechanism that scopes municipal data to a municipality (the tenant boundary).

Every table that belongs to a municipality inherits `MunicipalModel`. Its default manager reads the
*current scope* from a context variable and filters by it, so no view, form, admin page, API view or
job has to remember to filter:

- a municipality's id: reads see only its rows; writes must belong to it;
- `PLATFORM`: no filter, for platform work such as seeding demo data or national exports;
- `NOWHERE` (the default): reads see nothing and writes are refused, so code that forgot to enter
  a scope fails closed instead of leaking another municipality's records.

Web requests enter the scope of the user's active membership (`MunicipalityMiddleware`); commands
and background jobs enter one explicitly with `scoped_to(municipality)` or `platform_scope()`.

A membership may also be limited to some zones (เขต). The scope then carries their ids, and models
that lie in zones narrow their rows through the same default manager: a model says where it lies
with `zone_paths` (lookups ending at a Zone, any one of which places the row in the zone) or, when
that is not enough, by overriding `zone_condition()`. Writes by a zone-limited member must leave
the row visible to them, or are refused. Models without a zone (owners' registers are the exception
below, infrastructure, members, tasks, logs) are not narrowed.
Django's base manager stays unscoped on purpose: it serves related-object access and saving, which
only ever reach rows that were first read through a scoped manager.
"""

import contextvars
from contextlib import contextmanager
from enum import Enum

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.manager import HistoryManager
from simple_history.models import HistoricalRecords


class Scope(Enum):
    PLATFORM = "platform"
    NOWHERE = "nowhere"


PLATFORM = Scope.PLATFORM
NOWHERE = Scope.NOWHERE

_current: contextvars.ContextVar[int | Scope] = contextvars.ContextVar("thesaban_scope", default=NOWHERE)
_zones: contextvars.ContextVar[frozenset[int] | None] = contextvars.ContextVar("thesaban_zones", default=None)


class OutOfScope(PermissionDenied):
    """A write to a municipality other than the one in scope."""


class OutOfZone(OutOfScope):
    """A write by a zone-limited member that would put a record outside their zones."""


def current_scope() -> int | Scope:
    return _current.get()


def current_municipality_id() -> int | None:
    scope = _current.get()
    return scope if isinstance(scope, int) else None


def current_zones() -> frozenset[int] | None:
    """The zone ids the current member is limited to, or None when not limited."""
    return _zones.get()


def enter(scope: int | Scope, zones=None) -> tuple[contextvars.Token, contextvars.Token]:
    """Enter a scope; `zones` (zone ids) limits it further to those zones of the municipality."""
    if not isinstance(scope, (int, Scope)):
        raise TypeError(f"scope must be a municipality id or a Scope, not {scope!r}")
    if zones is not None and not isinstance(scope, int):
        raise TypeError("only a municipality's scope can be limited to zones")
    return _current.set(scope), _zones.set(frozenset(zones) if zones else None)


def leave(token: tuple[contextvars.Token, contextvars.Token]) -> None:
    scope_token, zones_token = token
    _zones.reset(zones_token)
    _current.reset(scope_token)


@contextmanager
def scoped_to(municipality, zones=None):
    """Run a block as if inside a request of `municipality` (a Municipality or its id), optionally
    limited to some of its zones (ids), as a zone-limited member's request would be."""
    token = enter(getattr(municipality, "pk", municipality), zones)
    try:
        yield
    finally:
        leave(token)


@contextmanager
def platform_scope():
    """Run a block with no municipal filter (seeding, migrations of data, national roll-up)."""
    token = enter(PLATFORM)
    try:
        yield
    finally:
        leave(token)


def check_writable(municipality_id: int | None) -> None:
    scope = _current.get()
    if scope is PLATFORM:
        return
    if scope is NOWHERE or municipality_id != scope:
        raise OutOfScope(_("ไม่มีสิทธิ์แก้ไขข้อมูลของเทศบาลอื่น"))


def scope_filter(queryset: models.QuerySet, field: str = "municipality_id") -> models.QuerySet:
    scope = _current.get()
    if scope is PLATFORM:
        return queryset
    if scope is NOWHERE:
        return queryset.none()
    return queryset.filter(**{field: scope})


def zone_filter(queryset: models.QuerySet) -> models.QuerySet:
    zones = _zones.get()
    condition = queryset.model.zone_condition(zones) if zones is not None else None
    if condition is None:
        return queryset
    # A semi-join, so that conditions through several rows (an owner's holdings) never duplicate rows.
    return queryset.filter(pk__in=queryset.model._base_manager.filter(condition).values("pk"))


class MunicipalQuerySet(models.QuerySet):
    def bulk_create(self, objs, *args, **kwargs):
        objs = list(objs)
        for obj in objs:
            check_writable(obj.municipality_id)
        return super().bulk_create(objs, *args, **kwargs)

    def update(self, **kwargs):
        for key in ("municipality", "municipality_id"):
            if key in kwargs:
                target = kwargs[key]
                check_writable(getattr(target, "pk", target))
        return super().update(**kwargs)


class MunicipalManager(models.Manager.from_queryset(MunicipalQuerySet)):
    def get_queryset(self):
        return zone_filter(scope_filter(super().get_queryset()))


class MunicipalHistoryManager(HistoryManager):
    """Change history is municipal data too: scoped like the records themselves."""

    scope_field = "municipality_id"

    def get_super_queryset(self):
        return scope_filter(super().get_super_queryset(), field=self.scope_field)


class MunicipalityHistoryManager(MunicipalHistoryManager):
    scope_field = "id"


def municipal_history(**options) -> HistoricalRecords:
    """HistoricalRecords whose rows are read through the tenancy scope (who, when, before/after)."""
    options.setdefault("history_manager", MunicipalHistoryManager)
    return HistoricalRecords(**options)


class MunicipalModel(models.Model):
    """Base of every table that belongs to a municipality: carries `municipality_id`, is scoped."""

    municipality = models.ForeignKey(
        "municipalities.Municipality",
        on_delete=models.PROTECT,
        verbose_name=gettext_lazy("เทศบาล"),
        help_text=gettext_lazy("เทศบาลเจ้าของข้อมูล"),
    )

    objects = MunicipalManager()

    # Lookups from this model to a Zone (e.g. "block__zone"); a row lies in the zones any of them reach.
    zone_paths: tuple[str, ...] = ()

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        check_writable(self.municipality_id)
        if _zones.get() is None or self.zone_condition(_zones.get()) is None:
            super().save(*args, **kwargs)
            return
        if not self._state.adding:
            self._check_in_zones()
        with transaction.atomic():
            super().save(*args, **kwargs)
            self._check_in_zones()  # refused (and rolled back) if the change moves it out of the zones

    def delete(self, *args, **kwargs):
        check_writable(self.municipality_id)
        if _zones.get() is not None and self.zone_condition(_zones.get()) is not None:
            self._check_in_zones()
        return super().delete(*args, **kwargs)

    def _check_in_zones(self):
        if _zones.get() is not None and not type(self).objects.filter(pk=self.pk).exists():
            raise OutOfZone(_("คุณได้รับสิทธิ์เฉพาะบางเขต: ข้อมูลนี้อยู่นอกเขตที่ได้รับมอบหมาย"))

    @classmethod
    def zone_condition(cls, zone_ids) -> models.Q | None:
        """The rows a member limited to `zone_ids` may see; None when this model has no zone."""
        if not cls.zone_paths:
            return None
        condition = models.Q()
        for path in cls.zone_paths:
            condition |= models.Q(**{f"{path}__in": zone_ids})
        return condition

    def unique_error_message(self, model_class, unique_check):
        """A duplicate within the municipality is reported on the field, with its value."""
        others = [name for name in unique_check if name != "municipality"]
        if "municipality" in unique_check and len(others) == 1:
            field = model_class._meta.get_field(others[0])
            return ValidationError(
                gettext_lazy("%(field_label)s %(value)s มีอยู่แล้วในเทศบาลนี้"),
                code="unique_in_municipality",
                params={"field_label": field.verbose_name, "value": getattr(self, field.attname), "field": field.name},
            )
        return super().unique_error_message(model_class, unique_check)

    def validate_constraints(self, exclude=None):
        try:
            super().validate_constraints(exclude=exclude)
        except ValidationError as error:
            errors = {}
            for key, messages in error.error_dict.items():
                for message in messages:
                    field = message.params["field"] if message.code == "unique_in_municipality" else key
                    errors.setdefault(field, []).append(message)
            raise ValidationError(errors) from None


def parcel_in_zones_sql(parcel_id: str, zones: str) -> str:
    """SQL: the parcel `parcel_id` (an SQL expression) lies in one of the zones `zones` (an SQL array
    parameter: `$6`, `%(zones)s`), through its block, as `zone_paths` say for the ORM (parcel → block →
    zone). For raw SQL that cannot take `zone_condition`'s Q: the tiles, the tax figures, the catalogue."""
    return (
        "EXISTS (SELECT 1 FROM assets_parcel zp JOIN municipalities_block zb ON zb.id = zp.block_id "
        f"WHERE zp.id = {parcel_id} AND zb.zone_id = ANY({zones}))"
    )
