from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from catalogue.choices import Classification, Licence, UpdateFrequency
from catalogue.models import CustomField, Dataset, MunicipalProfile
from municipalities.menus import MENU


class DatasetForm(forms.ModelForm):
    keywords = forms.CharField(label=_("คำสำคัญ"), required=False, help_text=_("คั่นด้วยจุลภาค"))

    class Meta:
        model = Dataset
        fields = [
            "title_th",
            "title_en",
            "description_th",
            "description_en",
            "owner_department",
            "update_frequency",
            "licence",
            "classification",
            "keywords",
        ]
        widgets = {
            "description_th": forms.Textarea(attrs={"rows": 3}),
            "description_en": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial["keywords"] = ", ".join(self.instance.keywords or [])

    def clean_keywords(self):
        return [k.strip() for k in self.cleaned_data["keywords"].split(",") if k.strip()]


class UploadForm(forms.Form):
    title_th = forms.CharField(label=_("ชื่อชุดข้อมูล (ไทย)"), max_length=200)
    title_en = forms.CharField(label=_("ชื่อชุดข้อมูล (อังกฤษ)"), max_length=200, required=False)
    description_th = forms.CharField(label=_("คำอธิบาย"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    owner_department = forms.CharField(label=_("หน่วยงานเจ้าของข้อมูล"), max_length=200)
    update_frequency = forms.ChoiceField(
        label=_("ความถี่ในการปรับปรุง"), choices=UpdateFrequency.choices, initial=UpdateFrequency.IRREGULAR
    )
    classification = forms.ChoiceField(
        label=_("ชั้นการเปิดเผย"), choices=Classification.choices, initial=Classification.INTERNAL
    )
    licence = forms.ChoiceField(label=_("สัญญาอนุญาต"), choices=Licence.choices, initial=Licence.NOT_OPEN)
    file = forms.FileField(
        label=_("ไฟล์"), help_text=_("shapefile (zip), GeoPackage, GeoJSON, KML, CSV หรือ XLSX; ตารางไม่มีพิกัดก็ได้")
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > settings.DATAIO_MAX_UPLOAD_BYTES:
            raise forms.ValidationError(_("ไฟล์ใหญ่เกินขนาดที่รับได้"))
        return upload


class CustomFieldForm(forms.ModelForm):
    choices = forms.CharField(
        label=_("ตัวเลือก"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("หนึ่งตัวเลือกต่อบรรทัด ในรูป ค่า=ชื่อที่แสดง เช่น high=เสี่ยงสูง"),
    )

    class Meta:
        model = CustomField
        fields = [*CustomField.DEFINITION, "order"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            for name in ("layer", "key", "field_type"):
                self.fields[name].disabled = True
        pairs = self.instance.choices or []
        self.initial["choices"] = "\n".join(f"{v}={label}" for v, label in pairs)

    def clean_choices(self):
        pairs = []
        for line in self.cleaned_data["choices"].splitlines():
            if not line.strip():
                continue
            value, _sep, label = line.partition("=")
            pairs.append([value.strip(), (label or value).strip()])
        return pairs


CLOSED_WITH = _("(ปิดไปด้วยเมื่อปิด %(modules)s)")


def _menu_choices():
    """The modules a municipality may hide: closed to its users, not only left out of the menu (modules.py).
    A module that needs another says it is closed with it."""

    def label(item):
        if not item.needs:
            return item.label
        needed = ", ".join(f"“{MENU[key].label}”" for key in item.needs if key in MENU)
        return f"{item.label} {CLOSED_WITH % {'modules': needed}}"

    items = sorted((item for item in MENU.values() if item.hideable), key=lambda item: item.order)
    return [(item.key, label(item)) for item in items]


class ProfileForm(forms.ModelForm):
    hidden_modules = forms.MultipleChoiceField(
        label=_("ส่วนที่ปิดไม่ให้ผู้ใช้ใช้"),
        choices=_menu_choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_(
            "ส่วนที่ปิดจะหายจากเมนูและหน้าหลัก หน้า API และแผนที่ของส่วนนั้นจะเปิดไม่ได้ "
            "และชุดข้อมูลของส่วนนั้นจะไม่แสดงในแคตตาล็อกและข้อมูลเปิด หน้านี้เปิดได้เสมอเพื่อเปิดส่วนที่ปิดอีกครั้ง"
        ),
    )
    menu_order = forms.CharField(
        label=_("ลำดับเมนู"), required=False, help_text=_("รหัสเมนูคั่นด้วยจุลภาค ตามลำดับที่ต้องการ เช่น taxes, works, catalogue")
    )
    hidden_layers = forms.MultipleChoiceField(
        label=_("ชั้นข้อมูลที่ซ่อนจากผู้ใช้"), choices=(), required=False, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = MunicipalProfile
        fields = [
            "logo",
            "primary_colour",
            "accent_colour",
            "letterhead_th",
            "letterhead_en",
            "address",
            "contact_email",
            "hidden_modules",
            "menu_order",
            "hidden_layers",
        ]
        widgets = {
            "primary_colour": forms.TextInput(attrs={"type": "color"}),
            "accent_colour": forms.TextInput(attrs={"type": "color"}),
        }

    def __init__(self, *args, datasets=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["hidden_layers"].choices = [(d.key, d.title) for d in datasets]
        self.initial["menu_order"] = ", ".join(self.instance.menu_order or [])

    def clean_menu_order(self):
        keys = [k.strip() for k in self.cleaned_data["menu_order"].split(",") if k.strip()]
        unknown = [k for k in keys if k not in MENU]
        if unknown:
            raise forms.ValidationError(
                _("ไม่รู้จักรหัสเมนู %(keys)s (ที่มี: %(known)s)") % {"keys": ", ".join(unknown), "known": ", ".join(MENU)}
            )
        return keys
