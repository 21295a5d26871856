from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from rasters.models import RasterKind


class RasterUploadForm(forms.Form):
    name = forms.CharField(label=_("ชื่อ"), max_length=200, required=False)
    kind = forms.ChoiceField(label=_("ประเภท"), choices=RasterKind.choices)
    file = forms.FileField(
        label=_("ไฟล์ GeoTIFF"), widget=forms.ClearableFileInput(attrs={"accept": ".tif,.tiff,image/tiff"})
    )


class FloodAnalysisForm(forms.Form):
    threshold_m = forms.DecimalField(
        label=_("ความลึกขั้นต่ำที่ถือว่าน้ำท่วม (เมตร)"),
        min_value=Decimal(0),
        max_digits=5,
        decimal_places=2,
        initial=Decimal("0.30"),
    )
