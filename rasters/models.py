from django.conf import settings
from django.contrib.gis.db import models
from django.core.validators import MinValueValidator
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from assets.models import Building, InfrastructureAsset, Parcel
from jobs.models import BackgroundTask
from municipalities.tenancy import MunicipalModel


class RasterKind(models.TextChoices):
    ORTHOPHOTO = "orthophoto", _("ภาพถ่ายทางอากาศ/ดาวเทียม")
    DEM = "dem", _("แบบจำลองระดับความสูง (DEM)")
    FLOOD_DEPTH = "flood_depth", _("ความลึกน้ำท่วม (เมตร)")
    FLOOD_EXTENT = "flood_extent", _("ขอบเขตน้ำท่วม (0/1)")
    OTHER = "other", _("อื่น ๆ")


FLOOD_KINDS = (RasterKind.FLOOD_DEPTH, RasterKind.FLOOD_EXTENT)


class RasterStatus(models.TextChoices):
    PROCESSING = "processing", _("กำลังแปลงเป็น COG")
    READY = "ready", _("พร้อมใช้")
    FAILED = "failed", _("แปลงไม่สำเร็จ")


class Raster(MunicipalModel):
    """A GeoTIFF uploaded by the municipality (orthophoto, DEM, flood map), kept as a Cloud-Optimized
    GeoTIFF and served as map tiles. Validated before anything is stored (rasters.services)."""

    name = models.CharField(_("ชื่อ"), max_length=200)
    kind = models.CharField(_("ประเภท"), max_length=20, choices=RasterKind.choices)
    status = models.CharField(_("สถานะ"), max_length=12, choices=RasterStatus.choices, default=RasterStatus.PROCESSING)
    message = models.TextField(_("ข้อความ"), blank=True)
    source = models.FileField(_("ไฟล์ต้นฉบับ"), upload_to="rasters/source/%Y/%m/", blank=True)
    cog = models.FileField(_("ไฟล์ COG"), upload_to="rasters/cog/%Y/%m/", blank=True)
    crs = models.CharField(_("ระบบพิกัด"), max_length=100)
    footprint = models.PolygonField(_("ขอบเขตภาพ"), srid=4326)
    width = models.PositiveIntegerField(_("ความกว้าง (จุดภาพ)"))
    height = models.PositiveIntegerField(_("ความสูง (จุดภาพ)"))
    band_count = models.PositiveSmallIntegerField(_("จำนวนแบนด์"))
    dtype = models.CharField(_("ชนิดข้อมูล"), max_length=20)
    nodata = models.FloatField(_("ค่าไม่มีข้อมูล"), null=True, blank=True)
    pixel_size = models.FloatField(_("ขนาดจุดภาพ (หน่วยของระบบพิกัด)"))
    size_bytes = models.PositiveBigIntegerField(_("ขนาดไฟล์ (ไบต์)"))
    value_range = models.JSONField(
        _("ช่วงค่าสำหรับแสดงผล"), default=list, blank=True, help_text=_("ค่าต่ำสุดและสูงสุด (เปอร์เซ็นไทล์ 2–98) ของแต่ละแบนด์")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ผู้อัปโหลด"),
    )
    uploaded_at = models.DateTimeField(_("อัปโหลดเมื่อ"), auto_now_add=True)
    task = models.ForeignKey(
        BackgroundTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("งานแปลงไฟล์")
    )

    class Meta:
        verbose_name = _("ภาพแรสเตอร์")
        verbose_name_plural = pgettext_lazy("plural", "ภาพแรสเตอร์")
        ordering = ["-uploaded_at"]

    def __str__(self):
        return self.name

    @property
    def is_flood_map(self) -> bool:
        return self.kind in FLOOD_KINDS


class FloodAnalysis(MunicipalModel):
    """The impact of a flood raster at a depth threshold: which parcels, buildings and assets are
    flooded, by what share and how deep (zonal statistics with exactextract, rasters.flood)."""

    raster = models.ForeignKey(Raster, on_delete=models.CASCADE, related_name="analyses", verbose_name=_("แรสเตอร์"))
    threshold_m = models.DecimalField(
        _("ความลึกขั้นต่ำที่ถือว่าน้ำท่วม (เมตร)"),
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(0)],
        help_text=_("จุดภาพที่ลึกเท่านี้ขึ้นไปนับเป็นน้ำท่วม สำหรับแผนที่ขอบเขตน้ำท่วม 0/1 ใช้ 0.5"),
    )
    summary = models.JSONField(_("สรุปผล"), default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ผู้สั่งวิเคราะห์"),
    )
    created_at = models.DateTimeField(_("สั่งเมื่อ"), auto_now_add=True)
    finished_at = models.DateTimeField(_("เสร็จเมื่อ"), null=True, blank=True)
    task = models.ForeignKey(
        BackgroundTask, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", verbose_name=_("งานวิเคราะห์")
    )

    class Meta:
        verbose_name = _("การวิเคราะห์ผลกระทบน้ำท่วม")
        verbose_name_plural = pgettext_lazy("plural", "การวิเคราะห์ผลกระทบน้ำท่วม")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(threshold_m__gte=0), name="%(app_label)s_%(class)s_threshold_not_negative"
            ),
        ]

    def __str__(self):
        return _("น้ำท่วม %(raster)s ≥ %(threshold)s ม.") % {"raster": self.raster.name, "threshold": self.threshold_m}

    @property
    def is_done(self) -> bool:
        return self.finished_at is not None


class ImpactLayer(models.TextChoices):
    PARCEL = "parcel", pgettext_lazy("plural", "แปลงที่ดิน")
    BUILDING = "building", pgettext_lazy("plural", "สิ่งปลูกสร้าง")
    ASSET = "asset", pgettext_lazy("plural", "โครงสร้างพื้นฐาน")


class FloodImpact(MunicipalModel):
    """One flooded feature of an analysis: its flooded share, and the mean and maximum depth of the
    water on its flooded part. Features the water does not reach have no row."""

    analysis = models.ForeignKey(
        FloodAnalysis, on_delete=models.CASCADE, related_name="impacts", verbose_name=_("การวิเคราะห์")
    )
    layer = models.CharField(_("ชั้นข้อมูล"), max_length=10, choices=ImpactLayer.choices)
    parcel = models.ForeignKey(Parcel, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    building = models.ForeignKey(Building, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    asset = models.ForeignKey(InfrastructureAsset, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    flooded_share = models.FloatField(_("สัดส่วนพื้นที่น้ำท่วม (0–1)"))
    mean_depth_m = models.FloatField(_("ความลึกเฉลี่ย (เมตร)"), null=True)
    max_depth_m = models.FloatField(_("ความลึกสูงสุด (เมตร)"), null=True)

    zone_paths = ("parcel__block__zone", "building__parcel__block__zone")

    class Meta:
        verbose_name = _("ผลกระทบน้ำท่วม")
        verbose_name_plural = pgettext_lazy("plural", "ผลกระทบน้ำท่วม")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(layer="parcel", parcel__isnull=False, building__isnull=True, asset__isnull=True)
                | models.Q(layer="building", parcel__isnull=True, building__isnull=False, asset__isnull=True)
                | models.Q(layer="asset", parcel__isnull=True, building__isnull=True, asset__isnull=False),
                name="%(app_label)s_%(class)s_one_target",
            ),
            models.CheckConstraint(
                condition=models.Q(flooded_share__gte=0, flooded_share__lte=1.000001),
                name="%(app_label)s_%(class)s_share_0_to_1",
            ),
        ]
        indexes = [models.Index(fields=["analysis", "layer"], name="rasters_impact_layer")]

    @classmethod
    def zone_condition(cls, zone_ids):
        # Parcels and buildings lie in their parcel's zone; infrastructure is town-wide.
        return super().zone_condition(zone_ids) | models.Q(layer=ImpactLayer.ASSET)

    def __str__(self):
        target = self.parcel_id or self.building_id or self.asset_id
        return f"{self.get_layer_display()} {target}: {self.flooded_share:.0%}"
