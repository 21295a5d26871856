from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.choices import POINT, SignType
from assets.geometry import geometry_problem
from assets.models.custom import custom_value_errors, custom_values_field, custom_values_index
from assets.models.owners import Owner
from assets.models.parcels import Parcel
from assets.validators import SIGNBOARD_CODE_RE
from municipalities.tenancy import MunicipalModel, municipal_history


class Signboard(MunicipalModel):
    """A signboard (ป้าย) liable to the Signboard Tax Act B.E. 2510, coded like 50A001-P001."""

    signboard_code = models.CharField(
        _("รหัสป้าย"), max_length=24, help_text=_("รหัสแปลงตามด้วย -P และลำดับ 3 หลัก เช่น 50A001-P001")
    )
    location = models.PointField(_("ตำแหน่ง"), srid=4326)
    parcel = models.ForeignKey(
        Parcel,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="signboards",
        verbose_name=_("แปลงที่ดินที่ตั้ง"),
        help_text=_("หาจากตำแหน่งของป้ายโดยอัตโนมัติ"),
    )
    business_name = models.CharField(_("ชื่อกิจการ"), max_length=200, blank=True)
    owner = models.ForeignKey(
        Owner, on_delete=models.PROTECT, null=True, blank=True, related_name="signboards", verbose_name=_("เจ้าของป้าย")
    )
    text = models.CharField(_("ข้อความบนป้าย"), max_length=300, blank=True)
    width_cm = models.PositiveIntegerField(
        _("กว้าง (ซม.)"), validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    height_cm = models.PositiveIntegerField(
        _("ยาวหรือสูง (ซม.)"), validators=[MinValueValidator(1), MaxValueValidator(100_000)]
    )
    faces = models.PositiveSmallIntegerField(
        _("จำนวนด้าน"), default=1, validators=[MinValueValidator(1), MaxValueValidator(4)]
    )
    sign_type = models.CharField(_("ประเภทป้าย"), max_length=20, choices=SignType.choices)
    moving = models.BooleanField(
        _("ข้อความหรือภาพเคลื่อนที่ได้"), default=False, help_text=_("ป้ายที่เปลี่ยนข้อความหรือภาพได้ เช่น จอ LED")
    )
    installed_on = models.DateField(_("วันที่ติดตั้ง"))
    removed_on = models.DateField(_("วันที่รื้อถอน"), null=True, blank=True)

    custom = custom_values_field()

    history = municipal_history()
    zone_paths = ("parcel__block__zone",)

    class Meta:
        verbose_name = _("ป้าย")
        verbose_name_plural = pgettext_lazy("plural", "ป้าย")
        ordering = ["signboard_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "signboard_code"], name="%(app_label)s_%(class)s_unique_code"
            ),
            models.CheckConstraint(
                condition=models.Q(removed_on__isnull=True) | models.Q(removed_on__gte=models.F("installed_on")),
                name="%(app_label)s_%(class)s_removed_after_installed",
            ),
        ]
        indexes = [custom_values_index("assets_signboard_custom_gin")]

    def __str__(self):
        return self.signboard_code

    @property
    def area_cm2(self) -> int:
        return self.width_cm * self.height_cm

    def clean(self):
        errors = {}
        if self.location is not None and self.municipality_id:
            problem = geometry_problem(self.location, municipality=self.municipality, allowed_types=POINT)
            if problem:
                errors["location"] = problem
        for field in ("parcel", "owner"):
            related = getattr(self, field) if getattr(self, f"{field}_id") else None
            if related is not None and related.municipality_id != self.municipality_id:
                errors[field] = _("ข้อมูลนี้เป็นของเทศบาลอื่น")
        if self.signboard_code and not SIGNBOARD_CODE_RE.match(self.signboard_code):
            errors["signboard_code"] = _("รหัสป้ายต้องเป็นรหัสแปลงตามด้วย -P และเลข 3 หลัก เช่น 50A001-P001")
        if self.removed_on and self.installed_on and self.removed_on < self.installed_on:
            errors["removed_on"] = _("วันที่รื้อถอนต้องไม่ก่อนวันที่ติดตั้ง")
        errors.update(custom_value_errors(self, "signboards"))
        if errors:
            raise ValidationError(errors)


class SignboardPhoto(MunicipalModel):
    """A photo of a signboard; several per sign (LTAX accepts only one)."""

    signboard = models.ForeignKey(Signboard, on_delete=models.CASCADE, related_name="photos", verbose_name=_("ป้าย"))
    image = models.ImageField(_("รูปภาพ"), upload_to="signboards/%Y/%m/")
    taken_on = models.DateField(_("วันที่ถ่าย"), null=True, blank=True)
    caption = models.CharField(_("คำอธิบาย"), max_length=200, blank=True)

    zone_paths = ("signboard__parcel__block__zone",)

    class Meta:
        verbose_name = _("รูปป้าย")
        verbose_name_plural = pgettext_lazy("plural", "รูปป้าย")

    def __str__(self):
        return self.caption or self.image.name
