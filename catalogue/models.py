"""The municipality's catalogue of datasets, its own settings, and the fields it adds to the register.

- `MunicipalProfile`: logo, colours and letterhead on every page and document; which modules and
  layers its users see and the order of its menu. One per municipality, changed without code.
- `Dataset`: one entry of the catalogue: a register layer (kept in step automatically) or a layer
  or table the municipality uploaded (`DatasetRecord` rows), with its metadata, classification,
  licence and record count.
- `CustomField`: a typed attribute a municipality adds to a register layer (a flood-prone flag on
  parcels); values live in the layer's `custom` JSON column, validated against these definitions.
"""

from django.conf import settings
from django.contrib.gis.db import models
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from catalogue.choices import Classification, FieldType, Licence, RegisterLayer, UpdateFrequency
from municipalities.tenancy import MunicipalModel, municipal_history

COLOUR = RegexValidator(r"^#[0-9a-fA-F]{6}$", _("สีต้องเป็นรหัสสีแบบ #RRGGBB เช่น #1f5f8b"))
FIELD_KEY = RegexValidator(
    r"^[a-z][a-z0-9_]{0,39}$", _("ชื่อฟิลด์ต้องขึ้นต้นด้วยอักษรอังกฤษตัวเล็ก ตามด้วยอักษร ตัวเลข หรือ _ ไม่เกิน 40 ตัว เช่น flood_prone")
)
DATASET_KEY = RegexValidator(r"^[a-z0-9][a-z0-9-]{0,59}$", _("รหัสชุดข้อมูลใช้ได้เฉพาะ a-z 0-9 และ - เช่น markets-2569"))


class MunicipalProfile(MunicipalModel):
    """How a municipality presents the platform to its people: its logo, colours and name, the modules
    and layers they see, and the order of the menu (การตั้งค่าของเทศบาล)."""

    logo = models.ImageField(
        _("ตราสัญลักษณ์"), upload_to="branding/", blank=True, help_text=_("PNG หรือ JPEG ไม่เกิน 1 MB แสดงบนทุกหน้าและเอกสาร")
    )
    primary_colour = models.CharField(_("สีหลัก"), max_length=7, default="#1f5f8b", validators=[COLOUR])
    accent_colour = models.CharField(_("สีเน้น"), max_length=7, default="#e0a100", validators=[COLOUR])
    letterhead_th = models.CharField(
        _("ชื่อบนหัวกระดาษ (ไทย)"),
        max_length=200,
        blank=True,
        help_text=_("เช่น สำนักงานเทศบาลตำบลลำพญา; เว้นว่างเพื่อใช้ชื่อเทศบาล"),
    )
    letterhead_en = models.CharField(_("ชื่อบนหัวกระดาษ (อังกฤษ)"), max_length=200, blank=True)
    address = models.CharField(_("ที่อยู่สำนักงาน"), max_length=300, blank=True)
    contact_email = models.EmailField(_("อีเมลติดต่อเรื่องข้อมูลเปิด"), blank=True)
    hidden_modules = models.JSONField(_("เมนูที่ซ่อน"), default=list, blank=True, help_text=_("รหัสเมนูที่ผู้ใช้ของเทศบาลไม่เห็น"))
    menu_order = models.JSONField(_("ลำดับเมนู"), default=list, blank=True, help_text=_("รหัสเมนูเรียงตามที่ต้องการ"))
    hidden_layers = models.JSONField(
        _("ชั้นข้อมูลที่ซ่อน"), default=list, blank=True, help_text=_("รหัสชุดข้อมูลที่ผู้ใช้ของเทศบาลไม่เห็นในแคตตาล็อกและแผนที่")
    )

    history = municipal_history()

    class Meta:
        verbose_name = _("การตั้งค่าของเทศบาล")
        verbose_name_plural = pgettext_lazy("plural", "การตั้งค่าของเทศบาล")
        constraints = [
            models.UniqueConstraint(fields=["municipality"], name="%(app_label)s_%(class)s_one_per_municipality"),
        ]

    def __str__(self):
        return str(self.municipality)

    def clean(self):
        from municipalities.menus import MENU

        refused = [key for key in self.hidden_modules or [] if key not in MENU or not MENU[key].hideable]
        if refused:
            # The home page, the register and the audit log stay open (municipalities/modules.py).
            raise ValidationError(
                {
                    "hidden_modules": _("ปิดส่วน %(keys)s ไม่ได้ (ไม่มีส่วนนี้ หรือเป็นส่วนที่ต้องเปิดเสมอ)")
                    % {"keys": ", ".join(refused)}
                }
            )

    @property
    def primary_dark(self) -> str:
        """The primary colour three quarters as bright, for hover states and borders."""
        red, green, blue = (int(self.primary_colour[i : i + 2], 16) for i in (1, 3, 5))
        return "#" + "".join(f"{int(c * 0.75):02x}" for c in (red, green, blue))

    @property
    def letterhead(self) -> str:
        thai = (get_language() or "th").startswith("th")
        chosen = self.letterhead_th if thai else (self.letterhead_en or self.letterhead_th)
        return chosen or self.municipality.display_name


class Dataset(MunicipalModel):
    """One dataset of the municipality's catalogue (ชุดข้อมูล): a register layer or an uploaded one.

    `record_count` and `last_updated` are kept current without counting on every read: a change to
    the layer (a save, an import, an assessment run) marks the entry `stale` (catalogue/signals.py),
    and the next read recounts it with one index scan (catalogue.services.dataset_refresh).
    """

    key = models.CharField(_("รหัสชุดข้อมูล"), max_length=60, validators=[DATASET_KEY])
    source = models.CharField(
        _("แหล่งข้อมูล"),
        max_length=40,
        help_text=_("ชั้นข้อมูลในทะเบียน (เช่น parcels, infrastructure:road) หรือ upload สำหรับชุดข้อมูลที่อัปโหลด"),
    )
    title_th = models.CharField(_("ชื่อชุดข้อมูล (ไทย)"), max_length=200)
    title_en = models.CharField(_("ชื่อชุดข้อมูล (อังกฤษ)"), max_length=200, blank=True)
    description_th = models.TextField(_("คำอธิบาย (ไทย)"), blank=True)
    description_en = models.TextField(_("คำอธิบาย (อังกฤษ)"), blank=True)
    owner_department = models.CharField(_("หน่วยงานเจ้าของข้อมูล"), max_length=200, help_text=_("เช่น กองคลัง กองช่าง"))
    update_frequency = models.CharField(
        _("ความถี่ในการปรับปรุง"), max_length=12, choices=UpdateFrequency.choices, default=UpdateFrequency.IRREGULAR
    )
    licence = models.CharField(_("สัญญาอนุญาต"), max_length=20, choices=Licence.choices, default=Licence.NOT_OPEN)
    classification = models.CharField(
        _("ชั้นการเปิดเผย"), max_length=10, choices=Classification.choices, default=Classification.INTERNAL
    )
    keywords = models.JSONField(_("คำสำคัญ"), default=list, blank=True)
    record_count = models.PositiveBigIntegerField(_("จำนวนระเบียน"), default=0)
    last_updated = models.DateTimeField(_("ปรับปรุงข้อมูลล่าสุด"), null=True, blank=True)
    counted_at = models.DateTimeField(_("นับจำนวนเมื่อ"), null=True, blank=True)
    stale = models.BooleanField(_("ต้องนับใหม่"), default=True)
    columns = models.JSONField(_("คอลัมน์"), default=list, blank=True, help_text=_("ชื่อและชนิดของคอลัมน์ของชุดข้อมูลที่อัปโหลด"))
    geometry_type = models.CharField(_("ชนิดรูปเรขาคณิต"), max_length=30, blank=True)
    source_name = models.CharField(_("ไฟล์ต้นฉบับ"), max_length=255, blank=True)
    created_at = models.DateTimeField(_("สร้างเมื่อ"), auto_now_add=True)

    history = municipal_history(excluded_fields=["record_count", "counted_at", "stale", "last_updated"])

    class Meta:
        verbose_name = _("ชุดข้อมูล")
        verbose_name_plural = pgettext_lazy("plural", "ชุดข้อมูล")
        ordering = ["municipality", "key"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "key"], name="%(app_label)s_%(class)s_unique_key"),
            models.CheckConstraint(
                condition=~models.Q(classification=Classification.PUBLIC, licence=Licence.NOT_OPEN),
                name="%(app_label)s_%(class)s_public_has_open_licence",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def title(self) -> str:
        thai = (get_language() or "th").startswith("th")
        return self.title_th if thai or not self.title_en else self.title_en

    @property
    def description(self) -> str:
        thai = (get_language() or "th").startswith("th")
        return self.description_th if thai or not self.description_en else self.description_en

    @property
    def identifier(self) -> str:
        """Unique across the platform: the municipality's code and the dataset's key (730514-parcels)."""
        return f"{self.municipality.code}-{self.key}"

    @property
    def is_public(self) -> bool:
        return self.classification == Classification.PUBLIC

    @property
    def is_upload(self) -> bool:
        return self.source == "upload"


class DatasetRecord(MunicipalModel):
    """One row of a dataset the municipality uploaded: its attributes and, for a layer, its geometry."""

    dataset = models.ForeignKey(Dataset, on_delete=models.CASCADE, related_name="records", verbose_name=_("ชุดข้อมูล"))
    row_no = models.PositiveIntegerField(_("แถวที่"))
    geom = models.GeometryField(_("รูปเรขาคณิต"), srid=4326, null=True, blank=True)
    attributes = models.JSONField(_("ค่าของคอลัมน์"), default=dict)

    class Meta:
        verbose_name = _("ระเบียนของชุดข้อมูล")
        verbose_name_plural = pgettext_lazy("plural", "ระเบียนของชุดข้อมูล")
        ordering = ["dataset", "row_no"]
        constraints = [
            models.UniqueConstraint(fields=["dataset", "row_no"], name="%(app_label)s_%(class)s_unique_row"),
        ]

    def __str__(self):
        return f"{self.dataset} #{self.row_no}"


class CustomField(MunicipalModel):
    """An attribute a municipality adds to a register layer without a code change (ฟิลด์ที่กำหนดเอง),
    e.g. a flood-prone flag on parcels. Values are stored in the layer's `custom` JSON column."""

    layer = models.CharField(_("ชั้นข้อมูล"), max_length=20, choices=RegisterLayer.choices)
    key = models.CharField(
        _("ชื่อฟิลด์"), max_length=40, validators=[FIELD_KEY], help_text=_("ใช้ในไฟล์ส่งออก API และแผนที่ เช่น flood_prone")
    )
    label_th = models.CharField(_("ชื่อที่แสดง (ไทย)"), max_length=100)
    label_en = models.CharField(_("ชื่อที่แสดง (อังกฤษ)"), max_length=100, blank=True)
    field_type = models.CharField(_("ชนิดข้อมูล"), max_length=10, choices=FieldType.choices)
    choices = models.JSONField(
        _("ตัวเลือก"), default=list, blank=True, help_text=_("สำหรับชนิดเลือกจากรายการ: หนึ่งตัวเลือกต่อบรรทัด")
    )
    required = models.BooleanField(_("ต้องกรอก"), default=False)
    minimum = models.DecimalField(_("ค่าต่ำสุด"), max_digits=20, decimal_places=6, null=True, blank=True)
    maximum = models.DecimalField(_("ค่าสูงสุด"), max_digits=20, decimal_places=6, null=True, blank=True)
    max_length = models.PositiveSmallIntegerField(_("ความยาวสูงสุด (ตัวอักษร)"), null=True, blank=True)
    help_text = models.CharField(_("คำอธิบาย"), max_length=300, blank=True)
    personal = models.BooleanField(
        _("เป็นข้อมูลส่วนบุคคล"), default=False, help_text=_("ไม่ออกในข้อมูลเปิด และส่งออกเฉพาะผู้มีสิทธิ์ดูข้อมูลส่วนบุคคล")
    )
    order = models.PositiveSmallIntegerField(_("ลำดับ"), default=0)

    history = municipal_history()

    # What defines a field (its form and its API description show these).
    DEFINITION = (
        "layer", "key", "label_th", "label_en", "field_type", "choices", "required", "minimum", "maximum",
        "max_length", "help_text", "personal",
    )  # fmt: skip

    class Meta:
        verbose_name = _("ฟิลด์ที่กำหนดเอง")
        verbose_name_plural = pgettext_lazy("plural", "ฟิลด์ที่กำหนดเอง")
        ordering = ["municipality", "layer", "order", "key"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "layer", "key"], name="%(app_label)s_%(class)s_unique_key"),
            models.CheckConstraint(
                condition=models.Q(minimum__isnull=True)
                | models.Q(maximum__isnull=True)
                | models.Q(minimum__lte=models.F("maximum")),
                name="%(app_label)s_%(class)s_minimum_not_above_maximum",
            ),
        ]

    def __str__(self):
        return f"{self.get_layer_display()} · {self.label}"

    @property
    def label(self) -> str:
        thai = (get_language() or "th").startswith("th")
        return self.label_th if thai or not self.label_en else self.label_en


class NationalExport(MunicipalModel):
    """A national aggregate package written by `manage.py export_national` (what left, when, by whom)."""

    tax_year = models.PositiveSmallIntegerField(_("ปีภาษี (ค.ศ.)"))
    schema_version = models.CharField(_("รุ่นของโครงสร้างข้อมูล"), max_length=10)
    path = models.CharField(_("ที่เก็บไฟล์"), max_length=500)
    cells = models.PositiveIntegerField(_("จำนวนแถว"))
    suppressed = models.PositiveIntegerField(_("จำนวนแถวที่ปกปิด (น้อยกว่า 5 แปลง)"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("ผู้ส่งออก"),
    )
    created_at = models.DateTimeField(_("ส่งออกเมื่อ"), auto_now_add=True)

    class Meta:
        verbose_name = _("ชุดข้อมูลส่งระดับประเทศ")
        verbose_name_plural = pgettext_lazy("plural", "ชุดข้อมูลส่งระดับประเทศ")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.municipality} · {self.tax_year + 543}"
