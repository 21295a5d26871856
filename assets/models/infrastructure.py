from decimal import Decimal

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GistIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext as _gettext
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

import assets.lookups  # noqa: F401  (registers geom__geometry_type for the constraint below)
from assets.choices import KIND_SPECS, InfrastructureKind
from assets.geometry import geometry_problem
from assets.models.custom import custom_value_errors, custom_values_field, custom_values_index
from municipalities.tenancy import MunicipalModel, municipal_history


def _geometry_fits_kind() -> models.Q:
    condition = models.Q()
    for kind, spec in KIND_SPECS.items():
        condition |= models.Q(kind=kind, geom__geometry_type__in=[t.upper() for t in spec.geometry_types])
    return condition


class InfrastructureAsset(MunicipalModel):
    """A piece of public infrastructure (road, drain, streetlight…) maintained by the engineers (กองช่าง)."""

    asset_code = models.CharField(_("รหัสทรัพย์สิน"), max_length=30)
    kind = models.CharField(_("ประเภท"), max_length=30, choices=InfrastructureKind.choices)
    name = models.CharField(_("ชื่อ/ที่ตั้ง"), max_length=200, blank=True)
    geom = models.GeometryField(_("รูปเรขาคณิต"), srid=4326)
    geom_3857 = models.GeneratedField(
        expression=Transform("geom", 3857),
        output_field=models.GeometryField(srid=3857, spatial_index=False),
        db_persist=True,
    )
    material = models.CharField(_("วัสดุ"), max_length=100, blank=True)
    installed_on = models.DateField(_("วันที่ติดตั้ง/ก่อสร้าง"), null=True, blank=True)
    condition = models.PositiveSmallIntegerField(
        _("สภาพ (1–5)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(5)],
        help_text=_("1 = ดีมาก … 5 = ต้องเปลี่ยนทันที; ตามผลการตรวจสภาพครั้งล่าสุด"),
    )
    replacement_cost = models.DecimalField(
        _("ราคาทดแทน (บาท)"), max_digits=14, decimal_places=2, default=Decimal(0), validators=[MinValueValidator(0)]
    )
    useful_life_years = models.PositiveSmallIntegerField(
        _("อายุการใช้งาน (ปี)"), null=True, blank=True, validators=[MinValueValidator(1)]
    )
    attributes = models.JSONField(_("คุณลักษณะเพิ่มเติม"), default=dict, blank=True)

    custom = custom_values_field()

    history = municipal_history(excluded_fields=["geom_3857"])

    class Meta:
        verbose_name = _("โครงสร้างพื้นฐาน")
        verbose_name_plural = pgettext_lazy("plural", "โครงสร้างพื้นฐาน")
        ordering = ["kind", "asset_code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "asset_code"], name="%(app_label)s_%(class)s_unique_code"),
            models.CheckConstraint(condition=models.Q(geom__isvalid=True), name="%(app_label)s_%(class)s_valid_geom"),
            models.CheckConstraint(condition=_geometry_fits_kind(), name="%(app_label)s_%(class)s_geometry_fits_kind"),
            models.CheckConstraint(
                condition=models.Q(condition__isnull=True) | models.Q(condition__gte=1, condition__lte=5),
                name="%(app_label)s_%(class)s_condition_1_to_5",
            ),
        ]
        indexes = [
            GistIndex(fields=["geom_3857"], name="assets_infra_geom_3857_gist"),
            custom_values_index("assets_infra_custom_gin"),
        ]

    def __str__(self):
        return f"{self.asset_code} {self.get_kind_display()}"

    def clean(self):
        errors = {}
        spec = KIND_SPECS.get(self.kind)
        if spec and self.geom is not None and self.municipality_id:
            problem = geometry_problem(self.geom, municipality=self.municipality, allowed_types=spec.geometry_types)
            if problem:
                errors["geom"] = problem
        if spec:
            problem = _attribute_problem(self.attributes or {}, spec.attributes)
            if problem:
                errors["attributes"] = problem
        errors.update(custom_value_errors(self, "infrastructure"))
        if errors:
            raise ValidationError(errors)


def _attribute_problem(values: dict, types: dict[str, type]) -> str | None:
    if not isinstance(values, dict):
        return _gettext("คุณลักษณะเพิ่มเติมต้องเป็นชุดชื่อและค่า")
    for name, value in values.items():
        expected = types.get(name)
        if expected is None:
            return _gettext("ไม่รู้จักคุณลักษณะ %(name)s สำหรับประเภทนี้ (ที่ใช้ได้: %(known)s)") % {
                "name": name,
                "known": ", ".join(types) or "-",
            }
        ok = isinstance(value, expected) and not (expected is not bool and isinstance(value, bool))
        if expected is float and isinstance(value, int) and not isinstance(value, bool):
            ok = True
        if value is not None and not ok:
            return _gettext("คุณลักษณะ %(name)s ต้องเป็น%(type)s") % {"name": name, "type": _TYPE_NAMES[expected]}
    return None


_TYPE_NAMES = {str: "ข้อความ", int: "จำนวนเต็ม", float: "ตัวเลข", bool: "ใช่/ไม่ใช่"}
