"""The tax office's pages: assessment runs, their results by zone, an assessment, notices, payments."""

import datetime
from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jobs.models import BackgroundTask
from jobs.services import task_start
from municipalities.permissions import Capability, can, capability_required
from municipalities.thai import be_year
from taxes import selectors, services
from taxes.choices import AssessmentStatus, NoticeKind, RunStatus
from taxes.models import Assessment, AssessmentRun, Notice
from taxes.presentation import breakdown_rows

TASK_KIND = "taxes.assess"
C = Capability


def _years() -> list[int]:
    this_year = timezone.localdate().year
    return list(range(this_year + 1, 2019, -1))


@capability_required(C.VIEW_TAXES, C.ASSESS)
def index(request):
    running = BackgroundTask.objects.filter(kind=TASK_KIND, finished_at__isnull=True).order_by("-created_at")
    runs = list(selectors.runs_by_year()[:50])
    return render(
        request,
        "taxes/index.html",
        {
            "runs": runs,
            "running": running,
            "years": _years(),
            "default_year": timezone.localdate().year,
            "can_assess": can(request, C.ASSESS),
        },
    )


@capability_required(C.ASSESS)
@require_POST
def run_start(request):
    from taxes.tasks import assess

    try:
        tax_year = int(request.POST.get("tax_year", ""))
    except ValueError:
        tax_year = None
    if tax_year not in _years():
        messages.error(request, _("โปรดเลือกปีภาษี"))
        return redirect("taxes:index")
    task_start(
        municipality=request.municipality,
        acting_user=request.user,
        kind=TASK_KIND,
        title=_("ประเมินภาษีปี %(year)s") % {"year": be_year(tax_year)},
        job=assess,
        tax_year=tax_year,
        acting_user_id=request.user.pk,
    )
    messages.success(request, _("เริ่มประเมินภาษีปี %(year)s แล้ว") % {"year": be_year(tax_year)})
    return redirect("taxes:index")


@capability_required(C.VIEW_TAXES, C.ASSESS)
def run_detail(request, pk: int):
    run = get_object_or_404(AssessmentRun, pk=pk)
    zone = request.GET.get("zone", "")
    assessments = selectors.assessments_in_zone(run, zone) if zone else Assessment.objects.none()
    page = Paginator(assessments, 100).get_page(request.GET.get("page"))
    parameters = [
        {"path": path, **record}
        for group in run.parameters.values()
        for path, record in sorted(group.items())
        if not path.startswith("land_building.depreciation") or record.get("unconfirmed")
    ]
    return render(
        request,
        "taxes/run_detail.html",
        {
            "run": run,
            "zones": selectors.run_summary_by_zone(run) if run.status == RunStatus.DONE else [],
            "zone": zone,
            "page": page,
            "parameters": parameters,
            "can_assess": can(request, C.ASSESS) and run.is_current,
            "can_print": can(request, C.ASSESS) and can(request, C.VIEW_PERSONAL_DATA),
        },
    )


@capability_required(C.ASSESS)
@require_POST
def zone_issue(request, pk: int):
    run = get_object_or_404(AssessmentRun, pk=pk)
    zone = request.POST.get("zone", "")
    drafts = selectors.assessments_in_zone(run, zone).filter(status=AssessmentStatus.DRAFT)
    if zone not in {row["zone"] for row in selectors.run_summary_by_zone(run)}:
        messages.error(request, _("ไม่มีเขต %(zone)s ในรอบการประเมินนี้") % {"zone": zone or "-"})
        return redirect("taxes:run", pk=run.pk)
    try:
        notices = services.notices_issue(assessments=drafts, issued_on=timezone.localdate(), acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(
            request, _("ออกหนังสือแจ้งการประเมินเขต %(zone)s แล้ว %(n)s ฉบับ") % {"zone": zone, "n": len(notices)}
        )
    return redirect(f"{reverse('taxes:run', args=[run.pk])}?{urlencode({'zone': zone})}")


@capability_required(C.ASSESS)
def zone_notices_pdf(request, pk: int, zone: str):
    if not can(request, C.VIEW_PERSONAL_DATA):
        raise Http404
    run = get_object_or_404(AssessmentRun, pk=pk)
    notices = list(selectors.notices_in_zone(run, zone))
    if not notices:
        messages.error(request, _("เขต %(zone)s ยังไม่มีหนังสือแจ้งการประเมิน") % {"zone": zone})
        return redirect("taxes:run", pk=run.pk)
    return _pdf(
        services.notice_print(notices=notices, acting_user=request.user, request=request),
        f"notices-{run.tax_year}-{zone}.pdf",
    )


@capability_required(C.VIEW_TAXES, C.ASSESS, C.RECORD_PAYMENT)
def assessment_detail(request, pk: int):
    assessment = get_object_or_404(Assessment.objects.select_related("run", "parcel", "signboard", "owner"), pk=pk)
    today = timezone.localdate()
    lines = assessment.breakdown or services.recompute(assessment)["breakdown"]
    return render(
        request,
        "taxes/assessment_detail.html",
        {
            "a": assessment,
            "rows": breakdown_rows(lines),
            "stored_breakdown": bool(assessment.breakdown),
            "notices": assessment.notices.order_by("issued_on", "id"),
            "instalments": assessment.instalments.order_by("number"),
            "balance": services.balance(assessment, on=today) if assessment.status == AssessmentStatus.ISSUED else None,
            "today": today,
            "can_issue": can(request, C.ASSESS)
            and assessment.status == AssessmentStatus.DRAFT
            and assessment.run.is_current,
            "can_warn": can(request, C.ASSESS) and assessment.status == AssessmentStatus.ISSUED,
            "can_pay": can(request, C.RECORD_PAYMENT) and assessment.status == AssessmentStatus.ISSUED,
            "can_print": can(request, C.VIEW_PERSONAL_DATA),
            "show_owner": can(request, C.VIEW_PERSONAL_DATA),
        },
    )


@capability_required(C.ASSESS)
@require_POST
def assessment_issue(request, pk: int):
    assessment = get_object_or_404(Assessment, pk=pk)
    try:
        services.notices_issue(assessments=[assessment], issued_on=timezone.localdate(), acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("taxes:assessment", pk=pk)


@capability_required(C.ASSESS)
@require_POST
def assessment_warn(request, pk: int):
    assessment = get_object_or_404(Assessment, pk=pk)
    try:
        services.warning_issue(assessment=assessment, issued_on=timezone.localdate(), acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("taxes:assessment", pk=pk)


@capability_required(C.RECORD_PAYMENT)
@require_POST
def payment_record(request, pk: int):
    assessment = get_object_or_404(Assessment, pk=pk)
    try:
        amount = Decimal(request.POST.get("amount", "").replace(",", ""))
        paid_on = datetime.date.fromisoformat(request.POST.get("paid_on", ""))
        if not amount.is_finite():
            raise ValueError(amount)
    except (InvalidOperation, ValueError):
        messages.error(request, _("โปรดระบุจำนวนเงินและวันที่ชำระให้ถูกต้อง"))
        return redirect("taxes:assessment", pk=pk)
    try:
        payment, created = services.payment_record(
            assessment=assessment,
            receipt_number=request.POST.get("receipt_number", ""),
            amount=amount,
            paid_on=paid_on,
            acting_user=request.user,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if created:
            messages.success(request, _("บันทึกการรับชำระ ใบเสร็จเลขที่ %(n)s แล้ว") % {"n": payment.receipt_number})
        else:
            messages.info(request, _("ใบเสร็จเลขที่ %(n)s บันทึกไว้แล้ว ไม่ได้บันทึกซ้ำ") % {"n": payment.receipt_number})
    return redirect("taxes:assessment", pk=pk)


@capability_required(C.VIEW_TAXES, C.ASSESS)
def notice_pdf(request, pk: int):
    if not can(request, C.VIEW_PERSONAL_DATA):
        raise Http404
    notice = get_object_or_404(Notice.objects.select_related("assessment"), pk=pk)
    prefix = "warning" if notice.kind == NoticeKind.WARNING else "notice"
    return _pdf(
        services.notice_print(notices=[notice], acting_user=request.user, request=request),
        f"{prefix}-{notice.number.replace('/', '-')}.pdf",
    )


def _pdf(data: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    return response
