from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.choices import OwnerKind
from assets.models.buildings import Building
from assets.models.parcels import Parcel
from assets.validators import format_national_id, mask_national_id, validate_juristic_id, validate_national_id
from municipalities.tenancy import MunicipalModel, municipal_history


class Owner(MunicipalModel):
    """A taxpayer: a person or a juristic person owning land or buildings (ผู้เสียภาษี).

    Names, IDs and addresses are personal data (PDPA): shown only to roles that need them.
    """

    kind = models.CharField(_("ประเภทบุคคล"), max_length=10, choices=OwnerKind.choices, default=OwnerKind.PERSON)
    title = models.CharField(_("คำนำหน้า"), max_length=40, blank=True, help_text=_("นาย นาง นางสาว บริษัท ฯลฯ"))
    first_name = models.CharField(_("ชื่อ / ชื่อนิติบุคคล"), max_length=200)
    last_name = models.CharField(_("นามสกุล"), max_length=200, blank=True)
    national_id = models.CharField(
        _("เลขประจำตัวประชาชน / เลขทะเบียนนิติบุคคล"), max_length=13, help_text=_("ตัวเลข 13 หลัก ไม่มีขีด")
    )
    address = models.TextField(_("ที่อยู่"), blank=True)
    mailing_address = models.TextField(_("ที่อยู่สำหรับส่งเอกสาร"), blank=True)
    phone = models.CharField(_("โทรศัพท์"), max_length=30, blank=True)

    history = municipal_history()

    class Meta:
        verbose_name = _("เจ้าของทรัพย์สิน")
        verbose_name_plural = pgettext_lazy("plural", "เจ้าของทรัพย์สิน")
        ordering = ["first_name", "last_name"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "national_id"], name="%(app_label)s_%(class)s_unique_national_id"
            ),
        ]
        indexes = [
            # An assessment run reads each owner's kind from this index alone (taxes/runs.py REGISTER):
            # 29 MB for 750,000 owners instead of the table's 379 MB of names and addresses.
            models.Index(fields=["municipality"], include=["id", "kind"], name="assets_owner_run_read"),
        ]

    def __str__(self):
        return self.full_name

    @classmethod
    def zone_condition(cls, zone_ids):
        """Owners of a holding in the zones (land, a building or a sign), and owners not yet linked to any
        holding (just registered). A sign's owner is its taxpayer (Signboard Tax Act B.E. 2510 s.12), so a
        sign is a holding: its owner is not one "linked to none", whom every zone would read."""
        return (
            models.Q(ownerships__parcel__block__zone__in=zone_ids)
            | models.Q(ownerships__building__parcel__block__zone__in=zone_ids)
            | models.Q(signboards__parcel__block__zone__in=zone_ids)
            | models.Q(ownerships__isnull=True, signboards__isnull=True)
        )

    @property
    def full_name(self) -> str:
        name = f"{self.title}{self.first_name}"
        return f"{name} {self.last_name}".strip()

    @property
    def masked_id(self) -> str:
        return mask_national_id(self.national_id)

    @property
    def formatted_id(self) -> str:
        return format_national_id(self.national_id)

    def clean(self):
        if not self.national_id:
            return
        validate = validate_national_id if self.kind == OwnerKind.PERSON else validate_juristic_id
        try:
            validate(self.national_id)
        except ValidationError as error:
            raise ValidationError({"national_id": error}) from None
        if self.kind == OwnerKind.JURISTIC and self.last_name:
            raise ValidationError({"last_name": _("นิติบุคคลไม่มีนามสกุล")})


class Ownership(MunicipalModel):
    """An owner's share of a parcel or of a building (co-owners are taxed by share)."""

    owner = models.ForeignKey(Owner, on_delete=models.PROTECT, related_name="ownerships", verbose_name=_("เจ้าของ"))
    parcel = models.ForeignKey(
        Parcel, on_delete=models.CASCADE, null=True, blank=True, related_name="ownerships", verbose_name=_("แปลงที่ดิน")
    )
    building = models.ForeignKey(
        Building,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="ownerships",
        verbose_name=_("สิ่งปลูกสร้าง"),
    )
    share = models.DecimalField(
        _("สัดส่วนกรรมสิทธิ์"),
        max_digits=7,
        decimal_places=6,
        default=Decimal(1),
        validators=[MinValueValidator(Decimal("0.000001")), MaxValueValidator(Decimal(1))],
        help_text=_("เช่น 0.5 สำหรับกรรมสิทธิ์ครึ่งหนึ่ง"),
    )
    in_house_registration = models.BooleanField(
        _("มีชื่อในทะเบียนบ้าน ณ วันที่ 1 มกราคม"),
        default=False,
        help_text=_("เงื่อนไขการยกเว้นบ้านหลังหลักตามมาตรา 41"),
    )

    history = municipal_history()
    zone_paths = ("parcel__block__zone", "building__parcel__block__zone")

    class Meta:
        verbose_name = _("กรรมสิทธิ์")
        verbose_name_plural = pgettext_lazy("plural", "กรรมสิทธิ์")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(parcel__isnull=False, building__isnull=True)
                | models.Q(parcel__isnull=True, building__isnull=False),
                name="%(app_label)s_%(class)s_parcel_xor_building",
            ),
            models.UniqueConstraint(fields=["owner", "parcel"], name="%(app_label)s_%(class)s_unique_parcel_owner"),
            models.UniqueConstraint(fields=["owner", "building"], name="%(app_label)s_%(class)s_unique_building_owner"),
            models.CheckConstraint(
                condition=models.Q(share__gt=0, share__lte=1), name="%(app_label)s_%(class)s_share_in_range"
            ),
        ]

    def __str__(self):
        return f"{self.owner} · {self.parcel or self.building} · {self.share}"

    @property
    def property(self):
        return self.parcel or self.building

    def clean(self):
        errors = {}
        if bool(self.parcel_id) == bool(self.building_id):
            errors["parcel"] = _("ระบุแปลงที่ดินหรือสิ่งปลูกสร้างอย่างใดอย่างหนึ่ง")
        for field in ("owner", "parcel", "building"):
            related = getattr(self, field) if getattr(self, f"{field}_id") else None
            if related is not None and related.municipality_id != self.municipality_id:
                errors[field] = _("ข้อมูลนี้เป็นของเทศบาลอื่น")
        if errors:
            raise ValidationError(errors)
