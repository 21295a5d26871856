from django import forms
from django.utils.translation import gettext_lazy as _


class RecordLookupForm(forms.Form):
    model = forms.ChoiceField(label=_("ทะเบียน"))
    reference = forms.CharField(label=_("รหัสหรือเลขที่ระเบียน"), max_length=40, help_text=_("เช่น 01A001 หรือเลขที่ระเบียน"))

    def __init__(self, *args, models=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["model"].choices = [(m._meta.label_lower, m._meta.verbose_name) for m in models]


class AsOfForm(forms.Form):
    as_of = forms.DateField(label=_("ดูข้อมูล ณ วันที่"), widget=forms.DateInput(attrs={"type": "date"}))
