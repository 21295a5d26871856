from decimal import Decimal

from django.contrib.gis.db import models
from django.contrib.gis.db.models.functions import Transform
from django.contrib.postgres.indexes import GistIndex
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.choices import BuildingType, Structure, UseCategory
from assets.geometry import geometry_problem
from assets.models.custom import custom_value_errors, custom_values_field, custom_values_index
from assets.models.parcels import Parcel
from assets.validators import BUILDING_CODE_RE
from municipalities.tenancy import MunicipalModel, municipal_history


class Building(MunicipalModel):
    """A building or structure (สิ่งปลูกสร้าง) standing on a parcel, coded like 50A001-B001."""

    parcel = models.ForeignKey(Parcel, on_delete=models.PROTECT, related_name="buildings", verbose_name=_("แปลงที่ดิน"))
    building_code = models.CharField(
        _("รหัสสิ่งปลูกสร้าง"), max_length=24, help_text=_("รหัสแปลงตามด้วย -B และลำดับ 3 หลัก เช่น 50A001-B001")
    )
    footprint = models.PolygonField(_("รูปอาคาร"), srid=4326)
    footprint_3857 = models.GeneratedField(
        expression=Transform("footprint", 3857),
        output_field=models.PolygonField(srid=3857, spatial_index=False),
        db_persist=True,
    )
    house_number = models.CharField(_("บ้านเลขที่"), max_length=30, blank=True)
    building_type = models.CharField(_("ประเภทสิ่งปลูกสร้าง"), max_length=10, choices=BuildingType.choices)
    structure = models.CharField(_("โครงสร้าง"), max_length=20, choices=Structure.choices)
    floors = models.PositiveSmallIntegerField(_("จำนวนชั้น"), validators=[MinValueValidator(1), MaxValueValidator(200)])
    floor_area_m2 = models.DecimalField(
        _("พื้นที่ใช้สอย (ตารางเมตร)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )
    year_built = models.PositiveSmallIntegerField(
        _("ปีที่สร้าง (ค.ศ.)"), validators=[MinValueValidator(1800), MaxValueValidator(2200)]
    )
    price_per_m2 = models.DecimalField(
        _("ราคาประเมินต่อตารางเมตร (บาท)"),
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text=_("เว้นว่างเพื่อใช้ราคาตามบัญชีของกรมธนารักษ์ตามประเภทสิ่งปลูกสร้าง"),
    )

    custom = custom_values_field()

    history = municipal_history(excluded_fields=["footprint_3857"])
    zone_paths = ("parcel__block__zone",)

    class Meta:
        verbose_name = _("สิ่งปลูกสร้าง")
        verbose_name_plural = pgettext_lazy("plural", "สิ่งปลูกสร้าง")
        ordering = ["building_code"]
        constraints = [
            models.UniqueConstraint(
                fields=["municipality", "building_code"], name="%(app_label)s_%(class)s_unique_code"
            ),
            models.CheckConstraint(
                condition=models.Q(footprint__isvalid=True), name="%(app_label)s_%(class)s_valid_footprint"
            ),
            models.CheckConstraint(
                condition=models.Q(floor_area_m2__gt=0), name="%(app_label)s_%(class)s_positive_floor_area"
            ),
        ]
        indexes = [
            GistIndex(fields=["footprint_3857"], name="assets_building_fp_3857_gist"),
            custom_values_index("assets_building_custom_gin"),
            # An assessment run reads a town's buildings from this index alone (taxes/runs.py REGISTER):
            # 47 MB for 630,000 buildings instead of the table's 411 MB (footprints in two projections),
            # what a yearly run, its register rarely in memory, reads from disk.
            models.Index(
                fields=["municipality"],
                include=["id", "parcel", "building_type", "structure", "floor_area_m2", "year_built", "price_per_m2"],
                name="assets_building_run_read",
            ),
        ]

    def __str__(self):
        return self.building_code

    def age_in(self, tax_year: int) -> int:
        return max(tax_year - self.year_built, 0)

    def clean(self):
        errors = {}
        parcel = self.parcel if self.parcel_id else None
        if parcel is not None and parcel.municipality_id != self.municipality_id:
            errors["parcel"] = _("แปลงที่ดิน %(code)s เป็นของเทศบาลอื่น") % {"code": parcel.parcel_code}
            parcel = None
        if self.building_code:
            match = BUILDING_CODE_RE.match(self.building_code)
            if not match:
                errors["building_code"] = _("รหัสสิ่งปลูกสร้างต้องเป็นรหัสแปลงตามด้วย -B และเลข 3 หลัก เช่น 50A001-B001")
            elif parcel is not None and match["parcel"] != parcel.parcel_code:
                errors["building_code"] = _("รหัสสิ่งปลูกสร้างต้องขึ้นต้นด้วยรหัสแปลง %(code)s") % {"code": parcel.parcel_code}
        if self.footprint is not None and self.municipality_id:
            problem = geometry_problem(self.footprint, municipality=self.municipality, allowed_types=("Polygon",))
            if problem is None and parcel is not None and not parcel.geom.intersects(self.footprint):
                problem = _("รูปอาคารไม่อยู่บนแปลงที่ดิน %(code)s") % {"code": parcel.parcel_code}
            if problem:
                errors["footprint"] = problem
        errors.update(custom_value_errors(self, "buildings"))
        if errors:
            raise ValidationError(errors)


class BuildingUse(MunicipalModel):
    """One use of part of a building's floor area; the uses of a building sum to its floor area."""

    building = models.ForeignKey(Building, on_delete=models.CASCADE, related_name="uses", verbose_name=_("สิ่งปลูกสร้าง"))
    use = models.CharField(_("ลักษณะการใช้ประโยชน์"), max_length=40, choices=UseCategory.choices)
    floor_area_m2 = models.DecimalField(
        _("พื้นที่ (ตารางเมตร)"), max_digits=10, decimal_places=2, validators=[MinValueValidator(Decimal("0.01"))]
    )

    history = municipal_history()
    zone_paths = ("building__parcel__block__zone",)

    class Meta:
        verbose_name = _("การใช้ประโยชน์สิ่งปลูกสร้าง")
        verbose_name_plural = pgettext_lazy("plural", "การใช้ประโยชน์สิ่งปลูกสร้าง")
        ordering = ["building", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(floor_area_m2__gt=0), name="%(app_label)s_%(class)s_positive_area"
            ),
        ]

    def __str__(self):
        return f"{self.building} · {self.get_use_display()} · {self.floor_area_m2} m²"
