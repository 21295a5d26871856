"""The tax card of the home page: the latest assessed year's tax due, collected and overdue."""

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from municipalities.home import Card, Figure
from municipalities.thai import be_year, format_baht
from taxes.models import AssessmentRun
from taxes.selectors import revenue_by_kind


def tax_card(request) -> Card:
    latest = AssessmentRun.objects.filter(is_current=True).order_by("-tax_year").values_list("tax_year", flat=True)
    year = latest.first()
    title = _("ภาษีปี %(year)s") % {"year": be_year(year or timezone.localdate().year)}
    if year is None:
        return Card(title, reverse("taxes:index"), note=_("ยังไม่มีการประเมินภาษี เริ่มการประเมินประจำปีได้ที่หน้าภาษี"))
    totals = revenue_by_kind(tax_year=year).values()
    expected, collected, overdue = (sum(t[key] for t in totals) for key in ("expected", "collected", "overdue"))
    return Card(
        title,
        reverse("taxes:index"),
        [
            Figure(_("ภาษีที่ต้องจัดเก็บ (บาท)"), format_baht(expected)),
            Figure(_("จัดเก็บแล้ว (บาท)"), format_baht(collected)),
            Figure(_("อัตราการจัดเก็บ"), f"{collected / expected:.1%}" if expected else "–"),
            Figure(_("ค้างชำระเกินกำหนด (บาท)"), format_baht(overdue), warn=overdue > 0),
        ],
    )
