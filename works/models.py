from decimal import Decimal

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import InfrastructureAsset
from municipalities.concurrency import Versioned
from municipalities.models import Zone
from municipalities.tenancy import MunicipalModel, municipal_history
from works.choices import (
    CHECKLISTS,
    CheckResult,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintState,
    PhotoStage,
    Priority,
    RepeatFrom,
    WorkOrderSource,
    WorkOrderStatus,
)

CONDITION = [MinValueValidator(1), MaxValueValidator(5)]
MONEY = {"max_digits": 14, "decimal_places": 2, "default": Decimal(0), "validators": [MinValueValidator(Decimal(0))]}


def _in_zones(zone_ids, geometry: str) -> Q:
    """The row's `geometry` (a lookup) lies in one of the zones. Works lie where they are on the ground,
    not on a parcel: a zone-limited member sees the complaints and work orders of their zones
    (infrastructure itself, inspections and schedules stay town-wide: a road crosses zones)."""
    return Q(Exists(Zone._base_manager.filter(pk__in=zone_ids, geom__intersects=OuterRef(geometry))))


def _other_municipality(obj, *fields) -> dict:
    errors = {}
    for name in fields:
        related = getattr(obj, name) if getattr(obj, f"{name}_id") else None
        if related is not None and related.municipality_id != obj.municipality_id:
            errors[name] = _("ข้อมูลนี้เป็นของเทศบาลอื่น")
    return errors


class Inspection(MunicipalModel):
    """An inspection (การตรวจสภาพ) of an infrastructure asset: its condition 1–5 and the checklist of its kind.

    The asset's condition is that of its latest inspection (works.services.inspection_record).
    """

    asset = models.ForeignKey(
        InfrastructureAsset, on_delete=models.PROTECT, related_name="inspections", verbose_name=_("ทรัพย์สิน")
    )
    inspected_on = models.DateField(_("วันที่ตรวจ"))
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("ผู้ตรวจ")
    )
    condition = models.PositiveSmallIntegerField(
        _("สภาพ (1–5)"), validators=CONDITION, help_text=_("1 = ดีมาก … 5 = ต้องเปลี่ยนทันที")
    )
    checklist = models.JSONField(
        _("รายการตรวจ"), default=dict, blank=True, help_text=_("ผลของแต่ละรายการตรวจตามประเภททรัพย์สิน")
    )
    notes = models.TextField(_("บันทึก"), blank=True)
    location = models.PointField(_("พิกัด GPS ที่ตรวจ"), srid=4326, null=True, blank=True)
    created_at = models.DateTimeField(_("บันทึกเมื่อ"), auto_now_add=True)

    history = municipal_history()

    class Meta:
        verbose_name = _("การตรวจสภาพ")
        verbose_name_plural = pgettext_lazy("plural", "การตรวจสภาพ")
        ordering = ["-inspected_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(condition__gte=1, condition__lte=5), name="%(app_label)s_%(class)s_condition_1_to_5"
            ),
        ]

    def __str__(self):
        return _("ตรวจ %(asset)s เมื่อ %(date)s") % {"asset": self.asset.asset_code, "date": self.inspected_on}

    def clean(self):
        errors = _other_municipality(self, "asset")
        if self.asset_id and "asset" not in errors:
            items = CHECKLISTS.get(self.asset.kind, {})
            answers = self.checklist if isinstance(self.checklist, dict) else None
            if answers is None:
                errors["checklist"] = _("รายการตรวจต้องเป็นชุดของรายการและผล")
            else:
                unknown = sorted(set(answers) - set(items))
                bad = sorted(k for k, v in answers.items() if k in items and v not in CheckResult.values)
                if unknown:
                    errors["checklist"] = _("ไม่มีรายการตรวจ %(items)s สำหรับ%(kind)s") % {
                        "items": ", ".join(unknown),
                        "kind": self.asset.get_kind_display(),
                    }
                elif bad:
                    errors["checklist"] = _("ผลการตรวจของรายการ %(items)s ต้องเป็น ปกติ ชำรุด หรือไม่เกี่ยวข้อง") % {
                        "items": ", ".join(bad)
                    }
        if errors:
            raise ValidationError(errors)

    @property
    def defects(self) -> list[str]:
        items = CHECKLISTS.get(self.asset.kind, {})
        return [str(items[k]) for k, v in self.checklist.items() if v == CheckResult.DEFECT and k in items]


class InspectionPhoto(MunicipalModel):
    """A photo taken during an inspection (several per inspection), kept through Django's storage."""

    inspection = models.ForeignKey(
        Inspection, on_delete=models.CASCADE, related_name="photos", verbose_name=_("การตรวจสภาพ")
    )
    image = models.ImageField(_("รูปภาพ"), upload_to="works/inspections/%Y/%m/")
    caption = models.CharField(_("คำอธิบาย"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("รูปการตรวจสภาพ")
        verbose_name_plural = pgettext_lazy("plural", "รูปการตรวจสภาพ")
        ordering = ["id"]

    def __str__(self):
        return self.caption or self.image.name


class MaintenanceSchedule(MunicipalModel):
    """A preventive maintenance schedule (แผนบำรุงรักษาเชิงป้องกัน) of an asset, e.g. a streetlight every 6 months.

    It has one open work order at a time; closing that order creates the next one.
    """

    asset = models.ForeignKey(
        InfrastructureAsset, on_delete=models.PROTECT, related_name="schedules", verbose_name=_("ทรัพย์สิน")
    )
    title = models.CharField(_("งานที่ต้องทำ"), max_length=200)
    description = models.TextField(_("รายละเอียด"), blank=True)
    interval_months = models.PositiveSmallIntegerField(
        _("ทุก ๆ (เดือน)"), validators=[MinValueValidator(1), MaxValueValidator(120)]
    )
    repeat_from = models.CharField(
        _("นับรอบถัดไป"), max_length=12, choices=RepeatFrom.choices, default=RepeatFrom.COMPLETION
    )
    is_active = models.BooleanField(_("ใช้งาน"), default=True)
    created_at = models.DateTimeField(_("สร้างเมื่อ"), auto_now_add=True)

    history = municipal_history()

    class Meta:
        verbose_name = _("แผนบำรุงรักษา")
        verbose_name_plural = pgettext_lazy("plural", "แผนบำรุงรักษา")
        ordering = ["asset", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(interval_months__gte=1), name="%(app_label)s_%(class)s_positive_interval"
            ),
        ]

    def __str__(self):
        return _("%(title)s %(asset)s ทุก %(months)s เดือน") % {
            "title": self.title,
            "asset": self.asset.asset_code,
            "months": self.interval_months,
        }

    def clean(self):
        errors = _other_municipality(self, "asset")
        if errors:
            raise ValidationError(errors)


class Complaint(MunicipalModel):
    """A resident's report (เรื่องร้องเรียน): from the public form, the API or a Traffy Fondue export.

    It is linked to the nearest asset of a matching kind (e.g. the nearest streetlight within 30 m)
    and can open a work order. Reporter's name and contact are personal data.
    """

    channel = models.CharField(_("ช่องทาง"), max_length=10, choices=ComplaintChannel.choices)
    external_id = models.CharField(
        _("เลขที่เรื่องในระบบต้นทาง"), max_length=64, blank=True, help_text=_("เช่น ticket id ของ Traffy Fondue")
    )
    category = models.CharField(_("ประเภทเรื่อง"), max_length=20, choices=ComplaintCategory.choices)
    source_type = models.CharField(
        _("ประเภทตามระบบต้นทาง"), max_length=200, blank=True, help_text=_("ข้อความประเภทเดิม เช่น {ถนน,ทางเท้า}")
    )
    description = models.TextField(_("รายละเอียด"))
    location = models.PointField(_("ตำแหน่ง"), srid=4326)
    photo = models.ImageField(_("รูปภาพ"), upload_to="works/complaints/%Y/%m/", blank=True)
    photo_url = models.URLField(_("ลิงก์รูปภาพในระบบต้นทาง"), max_length=500, blank=True)
    reporter_name = models.CharField(_("ชื่อผู้แจ้ง"), max_length=200, blank=True)
    reporter_contact = models.CharField(_("ช่องทางติดต่อผู้แจ้ง"), max_length=200, blank=True)
    state = models.CharField(_("สถานะ"), max_length=12, choices=ComplaintState.choices, default=ComplaintState.NEW)
    reported_at = models.DateTimeField(_("แจ้งเมื่อ"))
    source_updated_at = models.DateTimeField(_("ปรับปรุงล่าสุดในระบบต้นทาง"), null=True, blank=True)
    asset = models.ForeignKey(
        InfrastructureAsset,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="complaints",
        verbose_name=_("ทรัพย์สินที่เกี่ยวข้อง"),
        help_text=_("ทรัพย์สินประเภทที่ตรงกันที่ใกล้ที่สุด หาให้โดยอัตโนมัติ"),
    )
    asset_distance_m = models.DecimalField(
        _("ระยะห่างจากทรัพย์สิน (เมตร)"), max_digits=8, decimal_places=1, null=True, blank=True
    )
    created_at = models.DateTimeField(_("บันทึกเมื่อ"), auto_now_add=True)

    history = municipal_history()

    class Meta:
        verbose_name = _("เรื่องร้องเรียน")
        verbose_name_plural = pgettext_lazy("plural", "เรื่องร้องเรียน")
        ordering = ["-reported_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "channel", "external_id"],
                condition=~models.Q(external_id=""),
                name="%(app_label)s_%(class)s_unique_external_id",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "state", "-reported_at"], name="works_complaint_state")]

    def __str__(self):
        code = self.external_id or f"#{self.pk}"
        return _("เรื่องร้องเรียน %(code)s") % {"code": code}

    @classmethod
    def zone_condition(cls, zone_ids):
        return _in_zones(zone_ids, "location")


class WorkOrder(Versioned, MunicipalModel):
    """A work order (ใบสั่งงาน): from an inspection, a complaint or a preventive schedule.

    Status flow: open → assigned → in progress → done, or cancelled before it is done (choices.TRANSITIONS).
    Versioned: engineers move it from its page, and a move made on a stale page is refused.
    """

    number = models.CharField(_("เลขที่ใบสั่งงาน"), max_length=20, help_text=_("ปี พ.ศ. สองหลักและลำดับ เช่น 69-00012"))
    title = models.CharField(_("งาน"), max_length=200)
    description = models.TextField(_("รายละเอียด"), blank=True)
    asset = models.ForeignKey(
        InfrastructureAsset,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("ทรัพย์สิน"),
    )
    source = models.CharField(_("ที่มา"), max_length=12, choices=WorkOrderSource.choices, default=WorkOrderSource.OTHER)
    inspection = models.ForeignKey(
        Inspection,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("การตรวจสภาพ"),
    )
    complaint = models.ForeignKey(
        Complaint,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("เรื่องร้องเรียน"),
    )
    schedule = models.ForeignKey(
        MaintenanceSchedule,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="work_orders",
        verbose_name=_("แผนบำรุงรักษา"),
    )
    priority = models.CharField(_("ความเร่งด่วน"), max_length=8, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("สถานะ"), max_length=12, choices=WorkOrderStatus.choices, default=WorkOrderStatus.OPEN)
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ผู้รับผิดชอบ"),
    )
    due_on = models.DateField(_("กำหนดเสร็จ"))
    location = models.PointField(_("ตำแหน่ง"), srid=4326, null=True, blank=True)
    labour_cost = models.DecimalField(_("ค่าแรง (บาท)"), **MONEY)
    material_cost = models.DecimalField(_("ค่าวัสดุ (บาท)"), **MONEY)
    resolution = models.TextField(_("ผลการดำเนินงาน"), blank=True)
    completed_on = models.DateField(_("วันที่ทำเสร็จ"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ผู้เปิดงาน"),
    )
    created_at = models.DateTimeField(_("เปิดงานเมื่อ"), auto_now_add=True)
    closed_at = models.DateTimeField(_("ปิดงานเมื่อ"), null=True, blank=True)

    history = municipal_history()

    class Meta:
        verbose_name = _("ใบสั่งงาน")
        verbose_name_plural = pgettext_lazy("plural", "ใบสั่งงาน")
        ordering = ["due_on", "number"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "number"], name="%(app_label)s_%(class)s_unique_number"),
            models.CheckConstraint(
                condition=models.Q(labour_cost__gte=0, material_cost__gte=0),
                name="%(app_label)s_%(class)s_costs_not_negative",
            ),
            models.CheckConstraint(
                condition=~models.Q(source=WorkOrderSource.INSPECTION, inspection__isnull=True)
                & ~models.Q(source=WorkOrderSource.COMPLAINT, complaint__isnull=True)
                & ~models.Q(source=WorkOrderSource.PREVENTIVE, schedule__isnull=True),
                name="%(app_label)s_%(class)s_source_recorded",
            ),
            models.CheckConstraint(
                condition=~models.Q(status__in=["assigned", "in_progress", "done"], assignee__isnull=True),
                name="%(app_label)s_%(class)s_assigned_has_assignee",
            ),
        ]
        indexes = [models.Index(fields=["municipality", "status", "due_on"], name="works_workorder_open_due")]

    def __str__(self):
        return _("ใบสั่งงาน %(number)s") % {"number": self.number}

    @classmethod
    def zone_condition(cls, zone_ids):
        # Its own point, else its asset's geometry; an order with neither lies in no zone.
        return _in_zones(zone_ids, "location") | (Q(location__isnull=True) & _in_zones(zone_ids, "asset__geom"))

    @property
    def total_cost(self) -> Decimal:
        return self.labour_cost + self.material_cost

    @property
    def is_open(self) -> bool:
        return self.status in (WorkOrderStatus.OPEN, WorkOrderStatus.ASSIGNED, WorkOrderStatus.IN_PROGRESS)

    def clean(self):
        errors = _other_municipality(self, "asset", "inspection", "complaint", "schedule")
        if errors:
            raise ValidationError(errors)


class WorkOrderPhoto(MunicipalModel):
    """A photo of the work: before or after the repair."""

    work_order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, related_name="photos", verbose_name=_("ใบสั่งงาน")
    )
    stage = models.CharField(_("ช่วง"), max_length=6, choices=PhotoStage.choices)
    image = models.ImageField(_("รูปภาพ"), upload_to="works/orders/%Y/%m/")
    caption = models.CharField(_("คำอธิบาย"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("บันทึกเมื่อ"), auto_now_add=True)

    class Meta:
        verbose_name = _("รูปงานซ่อม")
        verbose_name_plural = pgettext_lazy("plural", "รูปงานซ่อม")
        ordering = ["stage", "id"]

    def __str__(self):
        return self.caption or self.image.name

    @classmethod
    def zone_condition(cls, zone_ids):
        return Q(work_order__in=WorkOrder._base_manager.filter(WorkOrder.zone_condition(zone_ids)).values("pk"))
