from decimal import Decimal

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GistIndex
from django.core.exceptions import ValidationError
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.choices import AREA, LAND_USES, DeedType, LineageKind, UseCategory
from assets.geometry import area_m2, geometry_problem, sq_wah_from_m2
from assets.models.custom import custom_value_errors, custom_values_field, custom_values_index
from assets.validators import ParcelCode, validate_parcel_code
from municipalities.concurrency import Versioned
from municipalities.models import Block
from municipalities.tenancy import MunicipalModel, municipal_history


class Parcel(Versioned, MunicipalModel):
    """A land parcel (แปลงที่ดิน) of the tax map, identified by its zone-block-lot code."""

    parcel_code = models.CharField(
        _("รหัสแปลงที่ดิน"),
        max_length=16,
        validators=[validate_parcel_code],
        help_text=_("เขต-เขตย่อย-ลำดับแปลง เช่น 03I002 หรือแปลงย่อย 19M002/002"),
    )
    block = models.ForeignKey(
        Block, on_delete=models.PROTECT, null=True, blank=True, related_name="parcels", verbose_name=_("เขตย่อย")
    )
    geom = models.MultiPolygonField(_("รูปแปลง"), srid=4326)
    # Web Mercator copy kept in step by PostgreSQL, for vector tiles (ST_AsMVTGeom works in 3857).
    geom_3857 = models.GeneratedField(
        expression=Transform("geom", 3857),
        output_field=models.MultiPolygonField(srid=3857, spatial_index=False),
        db_persist=True,
        verbose_name=_("รูปแปลง (Web Mercator)"),
    )
    deed_type = models.CharField(_("ประเภทเอกสารสิทธิ์"), max_length=20, choices=DeedType.choices, blank=True)
    deed_number = models.CharField(_("เลขที่เอกสารสิทธิ์"), max_length=30, blank=True)
    land_number = models.CharField(_("เลขที่ดิน"), max_length=30, blank=True)
    survey_page = models.CharField(_("หน้าสำรวจ"), max_length=30, blank=True)
    map_sheet = models.CharField(
        _("ระวาง"), max_length=30, blank=True, help_text=_("ระวางแผนที่ของกรมที่ดิน เช่น 5838III1414")
    )
    map_scale = models.PositiveIntegerField(
        _("มาตราส่วนระวาง"), null=True, blank=True, help_text=_("ตัวหารของมาตราส่วน เช่น 4000 สำหรับ 1:4,000")
    )
    area_sq_wah = models.DecimalField(
        _("เนื้อที่ตามเอกสารสิทธิ์ (ตารางวา)"),
        max_digits=12,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.01"))],
        help_text=_("1 ไร่ = 4 งาน = 400 ตารางวา"),
    )
    price_per_sq_wah = models.DecimalField(
        _("ราคาประเมินต่อตารางวา (บาท)"),
        max_digits=12,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("ราคาประเมินทุนทรัพย์ของกรมธนารักษ์"),
    )
    retired_on = models.DateField(_("สิ้นสภาพเมื่อ"), null=True, blank=True, help_text=_("วันที่แปลงถูกแบ่งแยกหรือรวมเป็นแปลงใหม่"))

    custom = custom_values_field()

    history = municipal_history(excluded_fields=["geom_3857"])
    zone_paths = ("block__zone",)  # a parcel without a block lies in no zone: hidden from zone-limited members

    class Meta:
        verbose_name = _("แปลงที่ดิน")
        verbose_name_plural = pgettext_lazy("plural", "แปลงที่ดิน")
        ordering = ["parcel_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "parcel_code"],
                # An assessment run reads all of a town's parcels from this index alone (taxes/runs.py):
                # an index-only scan of about 60 MB for 1M parcels instead of the table's 650 MB.
                include=["id", "area_sq_wah", "price_per_sq_wah", "retired_on", "block_id"],
                name="%(app_label)s_%(class)s_unique_code",
            ),
            models.CheckConstraint(condition=models.Q(geom__isvalid=True), name="%(app_label)s_%(class)s_valid_geom"),
            models.CheckConstraint(condition=models.Q(area_sq_wah__gt=0), name="%(app_label)s_%(class)s_positive_area"),
        ]
        indexes = [
            GistIndex(fields=["geom_3857"], name="assets_parcel_geom_3857_gist"),
            custom_values_index("assets_parcel_custom_gin"),
        ]

    def __str__(self):
        return self.parcel_code

    @property
    def code(self) -> ParcelCode:
        return ParcelCode.parse(self.parcel_code)

    @property
    def measured_area_sq_wah(self) -> Decimal:
        """Area of the drawn polygon in the municipality's UTM zone (the deed area may differ)."""
        return sq_wah_from_m2(area_m2(self.geom, self.municipality.area_srid))

    @property
    def land_value(self) -> Decimal | None:
        if self.price_per_sq_wah is None:
            return None
        return self.area_sq_wah * self.price_per_sq_wah

    def clean(self):
        errors = {}
        if self.geom is not None and self.municipality_id:
            problem = geometry_problem(self.geom, municipality=self.municipality, allowed_types=AREA)
            if problem:
                errors["geom"] = problem
        if self.parcel_code and self.block_id:
            try:
                code = ParcelCode.parse(self.parcel_code)
            except ValidationError:
                code = None  # reported by the field validator
            if self.block.municipality_id != self.municipality_id:
                errors["block"] = _("เขตย่อยนี้เป็นของเทศบาลอื่น")
            elif code and code.block != self.block.code:
                errors["parcel_code"] = _("รหัสแปลง %(code)s ไม่อยู่ในเขตย่อย %(block)s") % {
                    "code": self.parcel_code,
                    "block": self.block.code,
                }
        errors.update(custom_value_errors(self, "parcels"))
        if errors:
            raise ValidationError(errors)


class LandUse(MunicipalModel):
    """One use of part of a parcel (การใช้ประโยชน์ที่ดิน); the uses of a parcel sum to its area."""

    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, related_name="land_uses", verbose_name=_("แปลงที่ดิน"))
    use = models.CharField(_("ลักษณะการใช้ประโยชน์"), max_length=40, choices=[(c.value, c.label) for c in LAND_USES])
    area_sq_wah = models.DecimalField(
        _("เนื้อที่ (ตารางวา)"), max_digits=12, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    vacant_since = models.PositiveSmallIntegerField(
        _("ทิ้งว่างตั้งแต่ปี (ค.ศ.)"),
        null=True,
        blank=True,
        help_text=_("ปีแรกที่ทิ้งว่างติดต่อกัน ใช้คำนวณอัตราเพิ่มตามมาตรา 43"),
    )

    history = municipal_history()
    zone_paths = ("parcel__block__zone",)

    class Meta:
        verbose_name = _("การใช้ประโยชน์ที่ดิน")
        verbose_name_plural = pgettext_lazy("plural", "การใช้ประโยชน์ที่ดิน")
        ordering = ["parcel", "id"]
        constraints = [
            models.CheckConstraint(condition=models.Q(area_sq_wah__gt=0), name="%(app_label)s_%(class)s_positive_area"),
            models.CheckConstraint(
                condition=models.Q(vacant_since__isnull=True) | models.Q(use=UseCategory.VACANT),
                name="%(app_label)s_%(class)s_vacant_since_only_when_vacant",
            ),
        ]

    def __str__(self):
        return f"{self.parcel} · {self.get_use_display()} · {self.area_sq_wah}"

    def clean(self):
        if self.vacant_since and self.use != UseCategory.VACANT:
            raise ValidationError({"vacant_since": _("ระบุปีที่ทิ้งว่างได้เฉพาะที่ดินที่ทิ้งไว้ว่างเปล่า")})


class ParcelLineage(MunicipalModel):
    """A parent → child link made when a parcel is split (แบ่งแยก) or parcels are merged (รวมแปลง)."""

    parent = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="child_links", verbose_name=_("แปลงเดิม"))
    child = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="parent_links", verbose_name=_("แปลงใหม่"))
    kind = models.CharField(_("ประเภท"), max_length=10, choices=LineageKind.choices)
    recorded_on = models.DateField(_("วันที่"))

    history = municipal_history()
    zone_paths = ("parent__block__zone", "child__block__zone")

    class Meta:
        verbose_name = _("ประวัติการแบ่งแยก/รวมแปลง")
        verbose_name_plural = pgettext_lazy("plural", "ประวัติการแบ่งแยก/รวมแปลง")
        constraints = [
            models.UniqueConstraint(fields=["parent", "child"], name="%(app_label)s_%(class)s_unique_link"),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("child")), name="%(app_label)s_%(class)s_not_self"
            ),
        ]

    def __str__(self):
        return f"{self.parent} → {self.child} ({self.get_kind_display()})"
