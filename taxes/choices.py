from django.db import models
from django.utils.translation import gettext_lazy as _


class TaxKind(models.TextChoices):
    LAND_BUILDING = "land_building", _("ภาษีที่ดินและสิ่งปลูกสร้าง")
    SIGNBOARD = "signboard", _("ภาษีป้าย")


class RunStatus(models.TextChoices):
    RUNNING = "running", _("กำลังประเมิน")
    DONE = "done", _("เสร็จสิ้น")
    FAILED = "failed", _("ไม่สำเร็จ")


class AssessmentStatus(models.TextChoices):
    DRAFT = "draft", _("ประเมินแล้ว ยังไม่แจ้ง")
    ISSUED = "issued", _("แจ้งการประเมินแล้ว")
    SUPERSEDED = "superseded", _("ถูกแทนที่ด้วยการประเมินแก้ไข")


class NoticeKind(models.TextChoices):
    ASSESSMENT = "assessment", _("หนังสือแจ้งการประเมินภาษี")
    WARNING = "warning", _("หนังสือแจ้งเตือนให้ชำระภาษีค้าง")


class TaxState(models.TextChoices):
    """The tax status of a parcel or signboard for a year, as the maps colour it."""

    NOT_ASSESSED = "not_assessed", _("ยังไม่ประเมิน")
    ASSESSED = "assessed", _("ประเมินแล้ว")
    NOTICE_SENT = "notice_sent", _("แจ้งการประเมินแล้ว")
    PAID = "paid", _("ชำระแล้ว")
    PART_PAID = "part_paid", _("ชำระบางส่วน")
    OVERDUE = "overdue", _("ค้างชำระ")
