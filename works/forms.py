from django import forms
from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.gis.geos import Point
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from municipalities.choices import Role
from municipalities.models import Membership
from works.choices import CHECKLISTS, CheckResult, ComplaintCategory, PhotoStage, Priority, RepeatFrom

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
# Roles that hold EDIT_INFRASTRUCTURE and may be given work.
ASSIGNABLE_ROLES = (Role.ENGINEER, Role.ADMIN)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; each is checked as an image by the service."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = data if isinstance(data, list | tuple) else [data]
        return [single(d, initial) for d in files if d]


def apply_errors(form: forms.Form, error) -> None:
    """Put a service's ValidationError on the form's fields (or on top of the form)."""
    for field, problems in getattr(error, "message_dict", {None: error.messages}).items():
        form.add_error(field if field in form.fields else None, problems)


def say_errors(request, groups) -> None:
    """Errors of a form posted from a detail page, shown there as messages after the redirect."""
    for group in groups:
        for message in group:
            messages.error(request, message)


def assignable_users():
    """Engineers and administrators of the municipality in scope."""
    return (
        get_user_model()
        .objects.filter(pk__in=Membership.objects.filter(role__in=ASSIGNABLE_ROLES, is_active=True).values("user_id"))
        .order_by("first_name", "username")
    )


class UserChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.get_full_name() or obj.username


class LocationFields(forms.Form):
    """Latitude and longitude typed or filled from the device's GPS."""

    latitude = forms.FloatField(label=_("ละติจูด"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(label=_("ลองจิจูด"), required=False, min_value=-180, max_value=180)
    location_required = False

    def clean(self):
        data = super().clean()
        lat, lon = data.get("latitude"), data.get("longitude")
        if (lat is None) != (lon is None):
            raise forms.ValidationError(_("ระบุทั้งละติจูดและลองจิจูด"))
        if lat is None and self.location_required:
            raise forms.ValidationError(_("ระบุตำแหน่งที่พบปัญหา (แตะ “ใช้ตำแหน่งปัจจุบัน” หรือกรอกพิกัด)"))
        data["location"] = Point(lon, lat, srid=4326) if lat is not None else None
        return data


class InspectionForm(LocationFields):
    inspected_on = forms.DateField(label=_("วันที่ตรวจ"), widget=DATE, initial=timezone.localdate)
    condition = forms.TypedChoiceField(
        label=_("สภาพ"),
        coerce=int,
        choices=[
            (1, _("1 ดีมาก")),
            (2, _("2 ดี")),
            (3, _("3 พอใช้")),
            (4, _("4 ทรุดโทรม ต้องซ่อม")),
            (5, _("5 ต้องเปลี่ยนทันที")),
        ],
        widget=forms.RadioSelect,
    )
    notes = forms.CharField(label=_("บันทึก"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    photos = MultipleFileField(label=_("รูปถ่าย (เลือกได้หลายรูป)"))
    open_work_order = forms.BooleanField(label=_("เปิดใบสั่งงานซ่อมจากการตรวจนี้"), required=False)
    work_order_due_on = forms.DateField(label=_("กำหนดเสร็จของงานซ่อม"), widget=DATE, required=False)

    def __init__(self, *args, asset, **kwargs):
        super().__init__(*args, **kwargs)
        self.items = CHECKLISTS.get(asset.kind, {})
        for key, question in self.items.items():
            self.fields[f"check_{key}"] = forms.ChoiceField(
                label=question, choices=CheckResult.choices, initial=CheckResult.OK, widget=forms.RadioSelect
            )

    def checklist_fields(self):
        return [self[f"check_{key}"] for key in self.items]

    def clean(self):
        data = super().clean()
        data["checklist"] = {key: data.get(f"check_{key}") for key in self.items if data.get(f"check_{key}")}
        if data.get("open_work_order") and not data.get("work_order_due_on"):
            self.add_error("work_order_due_on", _("ระบุกำหนดเสร็จของงานซ่อม"))
        return data


class FollowUpOrderForm(forms.Form):
    """The few fields of an order opened from an inspection or a complaint."""

    due_on = forms.DateField(label=_("กำหนดเสร็จ"), widget=DATE)
    priority = forms.ChoiceField(label=_("ความเร่งด่วน"), choices=Priority.choices, initial=Priority.NORMAL)
    assignee = UserChoiceField(label=_("ผู้รับผิดชอบ"), queryset=None, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users()


class WorkOrderForm(FollowUpOrderForm):
    """An order opened by hand, for an asset given by its code or for none."""

    title = forms.CharField(label=_("งาน"), max_length=200)
    asset_code = forms.CharField(label=_("รหัสทรัพย์สิน"), max_length=30, required=False)
    description = forms.CharField(label=_("รายละเอียด"), widget=forms.Textarea(attrs={"rows": 3}), required=False)
    field_order = ["title", "asset_code", "description", "due_on", "priority", "assignee"]


class TransitionForm(forms.Form):
    to = forms.CharField(widget=forms.HiddenInput)
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)  # as the page showed it
    assignee = UserChoiceField(label=_("ผู้รับผิดชอบ"), queryset=None, required=False)
    labour_cost = forms.DecimalField(label=_("ค่าแรง (บาท)"), min_value=0, decimal_places=2, required=False)
    material_cost = forms.DecimalField(label=_("ค่าวัสดุ (บาท)"), min_value=0, decimal_places=2, required=False)
    resolution = forms.CharField(label=_("ผลการดำเนินงาน"), widget=forms.Textarea(attrs={"rows": 2}), required=False)
    completed_on = forms.DateField(label=_("วันที่ทำเสร็จ"), widget=DATE, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["assignee"].queryset = assignable_users()


class PhotoForm(forms.Form):
    stage = forms.ChoiceField(label=_("ช่วง"), choices=PhotoStage.choices)
    photos = MultipleFileField(label=_("รูปถ่าย"))
    caption = forms.CharField(label=_("คำอธิบาย"), max_length=200, required=False)


class ScheduleForm(forms.Form):
    title = forms.CharField(label=_("งานที่ต้องทำ"), max_length=200)
    interval_months = forms.IntegerField(label=_("ทุก ๆ (เดือน)"), min_value=1, max_value=120, initial=6)
    first_due_on = forms.DateField(label=_("ครบกำหนดครั้งแรก"), widget=DATE)
    repeat_from = forms.ChoiceField(label=_("นับรอบถัดไป"), choices=RepeatFrom.choices)
    description = forms.CharField(label=_("รายละเอียด"), widget=forms.Textarea(attrs={"rows": 2}), required=False)


class ComplaintForm(LocationFields):
    """The residents' form: what, where, a photo; a name and contact only if they wish."""

    location_required = True
    category = forms.ChoiceField(label=_("เรื่องที่แจ้ง"), choices=ComplaintCategory.choices)
    description = forms.CharField(label=_("รายละเอียด"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4}))
    photo = forms.FileField(
        label=_("รูปถ่าย"), required=False, widget=forms.ClearableFileInput(attrs={"accept": "image/*"})
    )
    reporter_name = forms.CharField(label=_("ชื่อผู้แจ้ง (ไม่บังคับ)"), max_length=200, required=False)
    reporter_contact = forms.CharField(label=_("โทรศัพท์หรือ LINE ID (ไม่บังคับ)"), max_length=200, required=False)
    website = forms.CharField(required=False, widget=forms.HiddenInput)  # left empty by people, filled by bots


class ComplaintImportForm(forms.Form):
    file = forms.FileField(
        label=_("ไฟล์ส่งออกจาก Traffy Fondue (CSV หรือ JSON)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.json"}),
    )
