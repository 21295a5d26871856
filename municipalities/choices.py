from django.db import models
from django.utils.translation import gettext_lazy as _


class MunicipalityKind(models.TextChoices):
    """Local government types that collect the land-and-building and signboard taxes (LBTA s.5)."""

    CITY = "city", _("เทศบาลนคร")
    TOWN = "town", _("เทศบาลเมือง")
    SUBDISTRICT = "subdistrict", _("เทศบาลตำบล")
    SAO = "sao", _("องค์การบริหารส่วนตำบล")


class ProjectedSRID(models.IntegerChoices):
    """The UTM zone used to measure areas and lengths: 47N west of 102°E, 48N east of it."""

    UTM_47N = 32647, "WGS 84 / UTM 47N (EPSG:32647)"
    UTM_48N = 32648, "WGS 84 / UTM 48N (EPSG:32648)"


class Role(models.TextChoices):
    ADMIN = "admin", _("ผู้ดูแลระบบของเทศบาล")
    TAX_OFFICER = "tax_officer", _("นักวิชาการจัดเก็บรายได้")
    ENGINEER = "engineer", _("วิศวกร/นายช่าง (กองช่าง)")
    EXECUTIVE = "executive", _("ผู้บริหาร")
    AUDITOR = "auditor", _("ผู้ตรวจสอบ")
