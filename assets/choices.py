from dataclasses import dataclass, field

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeedType(models.TextChoices):
    """Land documents (ประเภทเอกสารสิทธิ์), the 13 document types of LTAX Online's land form."""

    TITLE_DEED = "chanote", _("โฉนดที่ดิน")
    TRA_CHONG_TITLE = "tra_chong_title", _("โฉนดตราจอง")
    TRA_CHONG = "tra_chong", _("ตราจองที่ตราว่าได้ทำประโยชน์แล้ว")
    NS3K = "ns3k", _("น.ส.3 ก")
    NS3 = "ns3", _("น.ส.3")
    NS3KH = "ns3kh", _("น.ส.3 ข")
    NS2 = "ns2", _("ใบจอง (น.ส.2)")
    SK1 = "sk1", _("ส.ค.1")
    SPK401 = "spk401", _("ส.ป.ก.4-01")
    NK3 = "nk3", _("น.ค.3")
    KSN5 = "ksn5", _("ก.ส.น.5")
    PBT5 = "pbt5", _("ภ.บ.ท.5")
    OTHER = "other", _("อื่น ๆ")


class UseCategory(models.TextChoices):
    """How land or a building is used, in the categories of LBTA s.37 and s.94.

    The values are the tax engine's vocabulary (taxes/ reads them as plain facts).
    """

    AGRICULTURE = "agriculture", _("เกษตรกรรม")
    RESIDENTIAL_MAIN = "residential_main", _("ที่อยู่อาศัยหลังหลัก (เจ้าของที่ดินและสิ่งปลูกสร้าง)")
    RESIDENTIAL_MAIN_BUILDING_ONLY = "residential_main_building_only", _("ที่อยู่อาศัยหลังหลัก (เจ้าของสิ่งปลูกสร้างอย่างเดียว)")
    RESIDENTIAL_OTHER = "residential_other", _("ที่อยู่อาศัยอื่น")
    OTHER = "other", _("อื่น ๆ (พาณิชยกรรม อุตสาหกรรม)")
    VACANT = "vacant", _("ทิ้งไว้ว่างเปล่า/ไม่ได้ทำประโยชน์")


LAND_USES = [c for c in UseCategory if c != UseCategory.RESIDENTIAL_MAIN_BUILDING_ONLY]


class Structure(models.TextChoices):
    """Building structure, which selects the Treasury depreciation table."""

    MASONRY = "masonry", _("ตึก")
    HALF_MASONRY = "half_masonry", _("ตึกครึ่งไม้")
    WOOD = "wood", _("ไม้")


class BuildingType(models.TextChoices):
    """Treasury building type codes (บัญชีราคาประเมินทุนทรัพย์โรงเรือนสิ่งปลูกสร้าง)."""

    DETACHED_HOUSE = "100", _("100 บ้านเดี่ยว")
    TOWNHOUSE = "200", _("200 ทาวน์เฮาส์")
    ROW_HOUSE = "300", _("300 บ้านแถว")
    SHOPHOUSE = "400", _("400 ตึกแถว/อาคารพาณิชย์")
    OFFICE = "509/1", _("509/1 อาคารสำนักงาน ไม่เกิน 5 ชั้น")
    FACTORY = "513", _("513 โรงงาน")
    FARM_BUILDING = "600", _("600 โรงเรือนเกษตรกรรม")
    OTHER = "999", _("999 สิ่งปลูกสร้างอื่น ๆ")


class OwnerKind(models.TextChoices):
    PERSON = "person", _("บุคคลธรรมดา")
    JURISTIC = "juristic", _("นิติบุคคล")


class SignType(models.TextChoices):
    """Signboard types of the Signboard Tax Act schedule (1)–(3)."""

    THAI_ONLY = "thai_only", _("ประเภท 1 อักษรไทยล้วน")
    THAI_MIXED = "thai_mixed", _("ประเภท 2 อักษรไทยปนอักษรต่างประเทศ และ/หรือภาพ")
    NON_THAI = "non_thai", _("ประเภท 3 ไม่มีอักษรไทย หรืออักษรไทยอยู่ต่ำกว่าอักษรต่างประเทศ")


class LineageKind(models.TextChoices):
    SPLIT = "split", _("แบ่งแยก")
    MERGE = "merge", _("รวมแปลง")


POINT = ("Point",)
LINE = ("LineString", "MultiLineString")
AREA = ("Polygon", "MultiPolygon")


@dataclass(frozen=True)
class KindSpec:
    """What an infrastructure kind looks like: its geometry types and its extra attributes."""

    geometry_types: tuple[str, ...]
    attributes: dict[str, type] = field(default_factory=dict)


class InfrastructureKind(models.TextChoices):
    ROAD = "road", _("ถนน")
    DRAIN = "drain", _("ท่อระบายน้ำ/รางระบายน้ำ")
    WATER_PIPE = "water_pipe", _("ท่อประปา")
    STREETLIGHT = "streetlight", _("ไฟฟ้าส่องสว่าง")
    BRIDGE = "bridge", _("สะพาน")
    CULVERT = "culvert", _("ท่อลอด/ท่อเหลี่ยม")
    PUBLIC_BUILDING = "public_building", _("อาคารสาธารณะ")
    CCTV = "cctv", _("กล้องวงจรปิด")
    FIRE_HYDRANT = "fire_hydrant", _("หัวจ่ายน้ำดับเพลิง")


KIND_SPECS: dict[str, KindSpec] = {
    InfrastructureKind.ROAD: KindSpec(LINE, {"surface": str, "width_m": float, "lanes": int}),
    InfrastructureKind.DRAIN: KindSpec(LINE, {"diameter_mm": int, "covered": bool}),
    InfrastructureKind.WATER_PIPE: KindSpec(LINE, {"diameter_mm": int, "pressure_bar": float}),
    InfrastructureKind.STREETLIGHT: KindSpec(POINT, {"lamp_type": str, "wattage": int, "pole_height_m": float}),
    InfrastructureKind.BRIDGE: KindSpec(LINE + POINT, {"length_m": float, "width_m": float, "max_load_t": float}),
    InfrastructureKind.CULVERT: KindSpec(LINE + POINT, {"diameter_mm": int}),
    InfrastructureKind.PUBLIC_BUILDING: KindSpec(AREA, {"floors": int, "use": str}),
    InfrastructureKind.CCTV: KindSpec(POINT, {"resolution": str}),
    InfrastructureKind.FIRE_HYDRANT: KindSpec(POINT, {"outlet_mm": int}),
}
