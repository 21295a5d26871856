from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from dataio.exporter import FORMATS
from dataio.layers import HELPER_LABELS, Layer, layer_choices
from dataio.reader import ENCODINGS, SUPPORTED_SRIDS

ENCODING_CHOICES = [("", _("ตรวจหาเอง (ใช้ไฟล์ .cpg ถ้ามี)")), *ENCODINGS.items()]
SRID_CHOICES = [("", _("อ่านจากไฟล์ (.prj)")), *((str(k), v) for k, v in SUPPORTED_SRIDS.items())]


class ReadingOptionsForm(forms.Form):
    encoding = forms.ChoiceField(label=_("การเข้ารหัสตัวอักษร"), choices=ENCODING_CHOICES, required=False)
    srid = forms.TypedChoiceField(
        label=_("ระบบพิกัดของไฟล์"), choices=SRID_CHOICES, required=False, coerce=int, empty_value=None
    )
    thai_datum_shift = forms.BooleanField(
        label=_("ใช้ค่าแปลงพิกัดของกรมแผนที่ทหาร (+towgs84=206,837,295) สำหรับ Indian 1975"), required=False
    )
    repair = forms.BooleanField(label=_("ซ่อมรูปเรขาคณิตที่ไม่ถูกต้องด้วย make_valid"), required=False)
    new_only = forms.BooleanField(label=_("เพิ่มเฉพาะรหัสใหม่ (รหัสที่มีอยู่แล้วถือว่าซ้ำ)"), required=False)


class ImportUploadForm(ReadingOptionsForm):
    layer = forms.ChoiceField(label=_("นำเข้าเป็นชั้นข้อมูล"), choices=layer_choices())
    file = forms.FileField(
        label=_("ไฟล์"),
        help_text=_("shapefile (zip), GeoPackage, GeoJSON, KML, CSV (คอลัมน์ WKT หรือ lon/lat) หรือ XLSX"),
    )
    mapping = forms.FileField(
        label=_("ไฟล์จับคู่คอลัมน์ (YAML)"),
        required=False,
        help_text=_("ไม่ต้องใช้สำหรับไฟล์ส่งออกจาก LTAX GIS; จับคู่เองได้ในหน้าถัดไป"),
    )
    field_order = ["layer", "file", "encoding", "srid", "thai_datum_shift", "mapping", "repair", "new_only"]

    def __init__(self, *args, layers=None, **kwargs):
        """`layers`: the layer keys this user may import (all by default)."""
        super().__init__(*args, **kwargs)
        if layers is not None:
            self.fields["layer"].choices = [(k, label) for k, label in layer_choices() if k in layers]

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.DATAIO_MAX_UPLOAD_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                _("ไฟล์มีขนาด %(size)s MB เกินขนาดที่รับได้ %(limit)s MB")
                % {"size": f"{upload.size / 1_048_576:,.1f}", "limit": f"{limit / 1_048_576:,.0f}"}
            )
        return upload


class MappingForm(ReadingOptionsForm):
    """One select per target a YAML mapping may name: the register's columns, the municipality's own
    fields (`layer` from dataio.layers.layer_for) and the helpers that make a parcel code or an area."""

    def __init__(self, *args, layer: Layer, source_columns: list[str], current: dict[str, str], **kwargs):
        super().__init__(*args, **kwargs)
        choices = [("", _("— ไม่ใช้ —")), *((name, name) for name in source_columns)]
        targets = [(c.name, layer.label_of(c)) for c in layer.importable]
        targets += [(helper, HELPER_LABELS[helper]) for helper in layer.extra_names]
        self.column_fields = []
        for target, label in targets:
            name = f"column_{target}"
            self.fields[name] = forms.ChoiceField(
                label=label, choices=choices, required=False, initial=current.get(target, "")
            )
            self.column_fields.append(name)

    def mapping(self) -> dict[str, str]:
        return {name.removeprefix("column_"): self.cleaned_data[name] or "" for name in self.column_fields}


class ExportForm(forms.Form):
    layer = forms.ChoiceField(label=_("ชั้นข้อมูล"), choices=layer_choices(), required=False)
    fmt = forms.ChoiceField(label=_("รูปแบบไฟล์"), choices=list(FORMATS.items()), initial="gpkg")
    encoding = forms.ChoiceField(
        label=_("การเข้ารหัสตัวอักษร (shapefile)"),
        choices=list(ENCODINGS.items()),
        initial="utf-8",
        required=False,
        help_text=_(
            "shapefile เก็บข้อความได้ช่องละไม่เกิน 254 ไบต์: ราว 84 ตัวอักษรไทยเมื่อเข้ารหัส UTF-8 หรือ 254 ตัวอักษรใน CP874 "
            "(CP874 ไม่มีตัวอักษรอย่าง é) ข้อความที่ยาวกว่านี้ส่งออกเป็น GeoPackage"
        ),
    )
    personal_data = forms.BooleanField(
        label=_("รวมข้อมูลส่วนบุคคล (ชื่อ เลขประจำตัว ที่อยู่ของเจ้าของ)"),
        required=False,
        help_text=_("ปิดไว้ = ไฟล์ไม่มีข้อมูลส่วนบุคคลตาม PDPA"),
    )

    def __init__(self, *args, allow_personal_data: bool, **kwargs):
        super().__init__(*args, **kwargs)
        if not allow_personal_data:
            del self.fields["personal_data"]

    def clean(self):
        data = super().clean()
        if data.get("fmt") != "ltax" and not data.get("layer"):
            self.add_error("layer", _("โปรดเลือกชั้นข้อมูล"))
        return data
