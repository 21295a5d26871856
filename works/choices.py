"""The vocabulary of the engineers' work: checklists per asset kind, work-order states, complaint categories."""

from dataclasses import dataclass

from django.db import models
from django.utils.translation import gettext_lazy as _

from assets.choices import InfrastructureKind

K = InfrastructureKind


class CheckResult(models.TextChoices):
    OK = "ok", _("ปกติ")
    DEFECT = "defect", _("ชำรุด")
    NOT_APPLICABLE = "na", _("ไม่เกี่ยวข้อง")


# What an inspector looks at on each kind of asset (key → question); answers are CheckResult values.
CHECKLISTS: dict[str, dict[str, str]] = {
    K.ROAD: {
        "surface_cracks": _("ผิวถนนแตกร้าว"),
        "potholes": _("หลุมบ่อ"),
        "markings": _("เครื่องหมายจราจรบนผิวทาง"),
        "shoulders": _("ไหล่ทางและขอบทาง"),
    },
    K.DRAIN: {
        "blockage": _("สิ่งอุดตัน/ตะกอน"),
        "covers": _("ฝาท่อ/ฝาราง"),
        "structure": _("โครงสร้างราง/ท่อแตกร้าว"),
        "outlet": _("ทางน้ำออก"),
    },
    K.WATER_PIPE: {
        "leaks": _("รอยรั่ว"),
        "valves": _("ประตูน้ำ"),
        "pressure": _("แรงดันน้ำ"),
    },
    K.STREETLIGHT: {
        "lamp": _("หลอดไฟติด"),
        "pole": _("เสาไม่เอียง ไม่เป็นสนิม"),
        "wiring": _("สายไฟและกล่องควบคุม"),
        "timer": _("สวิตช์ตั้งเวลา/โฟโตเซลล์"),
    },
    K.BRIDGE: {
        "deck": _("พื้นสะพาน"),
        "railings": _("ราวสะพาน"),
        "piers": _("ตอม่อและฐานราก"),
        "joints": _("รอยต่อเพื่อการขยายตัว"),
        "scour": _("การกัดเซาะใต้สะพาน"),
    },
    K.CULVERT: {
        "blockage": _("สิ่งอุดตัน"),
        "headwalls": _("กำแพงปากท่อ"),
        "erosion": _("การกัดเซาะรอบท่อ"),
    },
    K.PUBLIC_BUILDING: {
        "roof": _("หลังคารั่ว"),
        "structure": _("โครงสร้างแตกร้าว"),
        "electrical": _("ระบบไฟฟ้า"),
        "plumbing": _("ระบบประปาและสุขาภิบาล"),
        "fire_safety": _("อุปกรณ์ดับเพลิงและทางหนีไฟ"),
    },
    K.CCTV: {
        "image": _("ภาพชัดเจน"),
        "recording": _("การบันทึกภาพ"),
        "housing": _("ตัวกล้องและขายึด"),
        "power": _("ไฟเลี้ยงและสายสัญญาณ"),
    },
    K.FIRE_HYDRANT: {
        "flow": _("น้ำไหลแรง"),
        "caps": _("ฝาครอบหัวจ่าย"),
        "paint": _("สีและป้ายบอกตำแหน่ง"),
        "access": _("ไม่มีสิ่งกีดขวาง"),
    },
}


class WorkOrderStatus(models.TextChoices):
    OPEN = "open", _("เปิดงาน")
    ASSIGNED = "assigned", _("มอบหมายแล้ว")
    IN_PROGRESS = "in_progress", _("กำลังดำเนินการ")
    DONE = "done", _("เสร็จแล้ว")
    CANCELLED = "cancelled", _("ยกเลิก")


S = WorkOrderStatus
# open → assigned → in progress → done, or cancelled before it is done.
TRANSITIONS: dict[str, frozenset[str]] = {
    S.OPEN: frozenset({S.ASSIGNED, S.CANCELLED}),
    S.ASSIGNED: frozenset({S.IN_PROGRESS, S.CANCELLED}),
    S.IN_PROGRESS: frozenset({S.DONE, S.CANCELLED}),
    S.DONE: frozenset(),
    S.CANCELLED: frozenset(),
}
OPEN_STATUSES = (S.OPEN, S.ASSIGNED, S.IN_PROGRESS)
CLOSED_STATUSES = (S.DONE, S.CANCELLED)


class WorkOrderSource(models.TextChoices):
    INSPECTION = "inspection", _("จากการตรวจสภาพ")
    COMPLAINT = "complaint", _("จากเรื่องร้องเรียน")
    PREVENTIVE = "preventive", _("บำรุงรักษาตามแผน")
    OTHER = "other", _("อื่น ๆ")


class Priority(models.TextChoices):
    LOW = "low", _("ต่ำ")
    NORMAL = "normal", _("ปกติ")
    HIGH = "high", _("สูง")
    URGENT = "urgent", _("เร่งด่วน")


class PhotoStage(models.TextChoices):
    BEFORE = "before", _("ก่อนซ่อม")
    AFTER = "after", _("หลังซ่อม")


class RepeatFrom(models.TextChoices):
    """Cityworks' two ways of spawning the next preventive order."""

    COMPLETION = "completion", _("นับจากวันที่ทำเสร็จ")
    DUE_DATE = "due_date", _("นับจากวันครบกำหนดเดิม (รอบคงที่)")


class ComplaintChannel(models.TextChoices):
    WEB_FORM = "web_form", _("แบบฟอร์มบนเว็บ")
    API = "api", _("ระบบเชื่อมต่อ (API)")
    TRAFFY = "traffy", _("Traffy Fondue")
    STAFF = "staff", _("เจ้าหน้าที่บันทึก")


class ComplaintState(models.TextChoices):
    NEW = "new", _("รอรับเรื่อง")
    IN_PROGRESS = "in_progress", _("กำลังดำเนินการ")
    DONE = "done", _("เสร็จสิ้น")
    REJECTED = "rejected", _("ไม่รับเรื่อง")


class ComplaintCategory(models.TextChoices):
    STREETLIGHT = "streetlight", _("ไฟฟ้าส่องสว่างดับ/ชำรุด")
    ROAD = "road", _("ถนน/ทางเท้าชำรุด")
    DRAIN = "drain", _("ท่อระบายน้ำอุดตัน/ชำรุด")
    FLOODING = "flooding", _("น้ำท่วมขัง")
    WATER_PIPE = "water_pipe", _("ท่อประปาแตก/รั่ว")
    BRIDGE = "bridge", _("สะพานชำรุด")
    PUBLIC_BUILDING = "public_building", _("อาคารสาธารณะชำรุด")
    CCTV = "cctv", _("กล้องวงจรปิดเสีย")
    FIRE_HYDRANT = "fire_hydrant", _("หัวจ่ายน้ำดับเพลิงชำรุด")
    OTHER = "other", _("อื่น ๆ")


@dataclass(frozen=True)
class CategorySpec:
    """Which assets a complaint of this category is matched to, how far away, and whether a photo is needed."""

    asset_kinds: tuple[str, ...]
    radius_m: int
    photo_required: bool


C = ComplaintCategory
CATEGORY_SPECS: dict[str, CategorySpec] = {
    C.STREETLIGHT: CategorySpec((K.STREETLIGHT,), 30, photo_required=False),  # a dark lamp at night photographs badly
    C.ROAD: CategorySpec((K.ROAD, K.BRIDGE), 30, photo_required=True),
    C.DRAIN: CategorySpec((K.DRAIN, K.CULVERT), 30, photo_required=True),
    C.FLOODING: CategorySpec((K.DRAIN, K.CULVERT), 100, photo_required=False),
    C.WATER_PIPE: CategorySpec((K.WATER_PIPE, K.FIRE_HYDRANT), 50, photo_required=True),
    C.BRIDGE: CategorySpec((K.BRIDGE,), 100, photo_required=True),
    C.PUBLIC_BUILDING: CategorySpec((K.PUBLIC_BUILDING,), 100, photo_required=True),
    C.CCTV: CategorySpec((K.CCTV,), 30, photo_required=False),
    C.FIRE_HYDRANT: CategorySpec((K.FIRE_HYDRANT,), 30, photo_required=True),
    C.OTHER: CategorySpec((), 0, photo_required=False),
}
