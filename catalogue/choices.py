from django.db import models
from django.utils.translation import gettext_lazy as _


class Classification(models.TextChoices):
    """Who may see a dataset (ชั้นความลับของข้อมูล), in the order of the DGA data governance framework."""

    PUBLIC = "public", _("เปิดเผยได้ (สาธารณะ)")
    INTERNAL = "internal", _("ใช้ภายในเทศบาล")
    PERSONAL = "personal", _("มีข้อมูลส่วนบุคคล")


class UpdateFrequency(models.TextChoices):
    """How often a dataset changes; each maps to the EU frequency vocabulary used by DCAT-AP."""

    CONTINUOUS = "continuous", _("ปรับปรุงต่อเนื่อง")
    DAILY = "daily", _("รายวัน")
    WEEKLY = "weekly", _("รายสัปดาห์")
    MONTHLY = "monthly", _("รายเดือน")
    QUARTERLY = "quarterly", _("รายไตรมาส")
    ANNUAL = "annual", _("รายปี")
    IRREGULAR = "irregular", _("ไม่สม่ำเสมอ")


# http://publications.europa.eu/resource/authority/frequency/<CODE>
FREQUENCY_CODES = {
    UpdateFrequency.CONTINUOUS: "UPDATE_CONT",
    UpdateFrequency.DAILY: "DAILY",
    UpdateFrequency.WEEKLY: "WEEKLY",
    UpdateFrequency.MONTHLY: "MONTHLY",
    UpdateFrequency.QUARTERLY: "QUARTERLY",
    UpdateFrequency.ANNUAL: "ANNUAL",
    UpdateFrequency.IRREGULAR: "IRREG",
}


class Licence(models.TextChoices):
    """Licences a municipality may publish under; the values are CKAN's licence ids."""

    CC_BY = "cc-by", _("Creative Commons Attribution 4.0 (CC BY 4.0)")
    CC_ZERO = "cc-zero", _("Creative Commons CC0 1.0 (สาธารณสมบัติ)")
    ODC_ODBL = "odc-odbl", _("Open Data Commons ODbL 1.0")
    OGL_TH = "ogl-th", _("สัญญาอนุญาตข้อมูลเปิดของรัฐบาล (Open Government Licence – Thailand)")
    NOT_OPEN = "other-closed", _("ไม่เปิดเผย (ใช้ภายใน)")


LICENCE_URLS = {
    Licence.CC_BY: "https://creativecommons.org/licenses/by/4.0/",
    Licence.CC_ZERO: "https://creativecommons.org/publicdomain/zero/1.0/",
    Licence.ODC_ODBL: "https://opendatacommons.org/licenses/odbl/1-0/",
    Licence.OGL_TH: "https://data.go.th/pages/terms-of-use",
    Licence.NOT_OPEN: "",
}


class FieldType(models.TextChoices):
    """Types of the attributes a municipality adds to a register layer."""

    TEXT = "text", _("ข้อความ")
    INTEGER = "integer", _("จำนวนเต็ม")
    DECIMAL = "decimal", _("ตัวเลขทศนิยม")
    BOOLEAN = "boolean", _("ใช่/ไม่ใช่")
    DATE = "date", _("วันที่")
    CHOICE = "choice", _("เลือกจากรายการ")


class RegisterLayer(models.TextChoices):
    """The register layers that take custom fields (their keys in dataio.layers)."""

    PARCELS = "parcels", _("แปลงที่ดิน")
    BUILDINGS = "buildings", _("สิ่งปลูกสร้าง")
    SIGNBOARDS = "signboards", _("ป้าย")
    INFRASTRUCTURE = "infrastructure", _("โครงสร้างพื้นฐาน")
