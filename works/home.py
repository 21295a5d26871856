"""The works card of the home page: open work orders, those past their due date, and the member's own."""

from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from municipalities.home import Card, Figure
from works.choices import OPEN_STATUSES
from works.models import WorkOrder


def works_card(request) -> Card:
    counts = WorkOrder.objects.filter(status__in=OPEN_STATUSES).aggregate(
        open=Count("pk"),
        overdue=Count("pk", filter=Q(due_on__lt=timezone.localdate())),
        mine=Count("pk", filter=Q(assignee=request.user)),
    )
    return Card(
        _("งานช่าง"),
        reverse("works:work-orders"),
        [
            Figure(_("ใบสั่งงานที่ยังไม่เสร็จ"), f"{counts['open']:,}"),
            Figure(_("เกินกำหนดเสร็จ"), f"{counts['overdue']:,}", warn=counts["overdue"] > 0),
            Figure(_("มอบหมายให้ฉัน"), f"{counts['mine']:,}"),
        ],
    )
