from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import RegexValidator
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from municipalities.choices import MunicipalityKind, ProjectedSRID, Role
from municipalities.tenancy import MunicipalityHistoryManager, MunicipalModel, municipal_history, scope_filter

DOPA_CODE = RegexValidator(r"^\d{6}$", _("รหัสต้องเป็นตัวเลข 6 หลัก (รหัสตำบลของกรมการปกครอง)"))
ZONE_CODE = RegexValidator(r"^\d{2}$", _("รหัสเขตต้องเป็นตัวเลข 2 หลัก เช่น 03"))
BLOCK_CODE = RegexValidator(r"^\d{2}[A-Z]{1,2}$", _("รหัสเขตย่อยต้องเป็นรหัสเขตตามด้วยตัวอักษร เช่น 03I"))


class MunicipalityManager(models.Manager):
    def get_queryset(self):
        return scope_filter(super().get_queryset(), field="pk")


class Municipality(models.Model):
    """A local government (เทศบาล or อบต.) that runs its own tax map: the tenant of the platform."""

    code = models.CharField(
        _("รหัส อปท."),
        max_length=6,
        unique=True,
        validators=[DOPA_CODE],
        help_text=_("รหัสตำบลที่ตั้งสำนักงาน ตามรหัสของกรมการปกครอง (DOPA) เช่น 730514"),
    )
    name_th = models.CharField(_("ชื่อ (ไทย)"), max_length=200)
    name_en = models.CharField(_("ชื่อ (อังกฤษ)"), max_length=200)
    kind = models.CharField(_("ประเภท"), max_length=20, choices=MunicipalityKind.choices)
    province_th = models.CharField(_("จังหวัด"), max_length=100, blank=True)
    boundary = models.MultiPolygonField(_("เขตการปกครอง"), srid=4326)
    area_srid = models.PositiveIntegerField(
        _("ระบบพิกัดสำหรับวัดพื้นที่"),
        choices=ProjectedSRID.choices,
        help_text=_("UTM โซน 47 สำหรับพื้นที่ทางตะวันตกของลองจิจูด 102° และโซน 48 ทางตะวันออก"),
    )

    objects = MunicipalityManager()
    history = municipal_history(history_manager=MunicipalityHistoryManager)

    class Meta:
        verbose_name = _("เทศบาล")
        verbose_name_plural = pgettext_lazy("plural", "เทศบาล")
        ordering = ["name_th"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(boundary__isvalid=True), name="%(app_label)s_%(class)s_valid_boundary"
            ),
        ]

    def __str__(self):
        return self.name_th

    @property
    def display_name(self):
        """ "เทศบาลตำบลลำพญา" in Thai; "Lam Phaya Subdistrict Municipality" in English."""
        if (get_language() or "th").startswith("th"):
            return f"{self.get_kind_display()}{self.name_th}"
        return f"{self.name_en} {self.get_kind_display()}"


class Zone(MunicipalModel):
    """A tax-map zone (เขต), numbered 01, 02…; the master map is split into zones, then blocks."""

    code = models.CharField(_("รหัสเขต"), max_length=2, validators=[ZONE_CODE])
    name = models.CharField(_("ชื่อเขต"), max_length=200, blank=True)
    geom = models.MultiPolygonField(_("ขอบเขต"), srid=4326)

    history = municipal_history()
    zone_paths = ("pk",)  # a zone-limited member sees their own zones only

    class Meta:
        verbose_name = _("เขต")
        verbose_name_plural = pgettext_lazy("plural", "เขต")
        ordering = ["municipality", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="%(app_label)s_%(class)s_unique_code"),
            models.CheckConstraint(condition=models.Q(geom__isvalid=True), name="%(app_label)s_%(class)s_valid_geom"),
        ]

    def __str__(self):
        return _("เขต %(code)s") % {"code": self.code}


class Block(MunicipalModel):
    """A block (เขตย่อย) of a zone, lettered A, B, C…; its code is the zone's plus the letter (03I)."""

    zone = models.ForeignKey(Zone, on_delete=models.PROTECT, related_name="blocks", verbose_name=_("เขต"))
    code = models.CharField(_("รหัสเขตย่อย"), max_length=4, validators=[BLOCK_CODE])
    geom = models.MultiPolygonField(_("ขอบเขต"), srid=4326)

    history = municipal_history()
    zone_paths = ("zone",)

    class Meta:
        verbose_name = _("เขตย่อย")
        verbose_name_plural = pgettext_lazy("plural", "เขตย่อย")
        ordering = ["municipality", "code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="%(app_label)s_%(class)s_unique_code"),
            models.CheckConstraint(condition=models.Q(geom__isvalid=True), name="%(app_label)s_%(class)s_valid_geom"),
        ]

    def __str__(self):
        return _("เขตย่อย %(code)s") % {"code": self.code}

    def clean(self):
        from django.core.exceptions import ValidationError

        errors = {}
        if self.zone_id and self.municipality_id and self.zone.municipality_id != self.municipality_id:
            errors["zone"] = _("เขตนี้เป็นของเทศบาลอื่น")
        if self.zone_id and self.code and not self.code.startswith(self.zone.code):
            errors["code"] = _("รหัสเขตย่อยต้องขึ้นต้นด้วยรหัสเขต %(zone)s") % {"zone": self.zone.code}
        if errors:
            raise ValidationError(errors)


class Membership(MunicipalModel):
    """A user's role in one municipality. A user may belong to several and switch between them."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships", verbose_name=_("ผู้ใช้")
    )
    role = models.CharField(_("บทบาท"), max_length=20, choices=Role.choices)
    zones = models.ManyToManyField(
        Zone,
        blank=True,
        verbose_name=_("จำกัดเฉพาะเขต"),
        help_text=_("เว้นว่างไว้เพื่อให้เห็นทุกเขตของเทศบาล"),
    )
    is_active = models.BooleanField(_("ใช้งาน"), default=True)
    created_at = models.DateTimeField(_("สร้างเมื่อ"), auto_now_add=True)

    history = municipal_history(m2m_fields=[zones])

    class Meta:
        verbose_name = _("สมาชิกและบทบาท")
        verbose_name_plural = pgettext_lazy("plural", "สมาชิกและบทบาท")
        ordering = ["municipality", "user__username"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "municipality"], name="%(app_label)s_%(class)s_one_role_per_municipality"
            ),
        ]

    def __str__(self):
        return f"{self.user} · {self.get_role_display()} · {self.municipality}"
