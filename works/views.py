"""Pages of the engineers' module. Reads need VIEW_REGISTER, changes EDIT_INFRASTRUCTURE; every query
goes through the scoped managers, so another municipality's records are simply not found (404)."""

import datetime
import json

import folium
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from openpyxl import Workbook

from assets.choices import InfrastructureKind
from assets.models import InfrastructureAsset
from catalogue.customfields import record_values
from maps.offline import new_map
from maps.offline import render as render_map
from municipalities.permissions import Capability, can, capability_required
from municipalities.thai import be_year
from works import selectors, services
from works.charts import bar_chart_svg
from works.choices import CHECKLISTS, OPEN_STATUSES, TRANSITIONS, ComplaintChannel, ComplaintState, WorkOrderStatus
from works.forms import (
    ComplaintImportForm,
    FollowUpOrderForm,
    InspectionForm,
    PhotoForm,
    ScheduleForm,
    TransitionForm,
    WorkOrderForm,
    apply_errors,
    say_errors,
)
from works.models import Complaint, Inspection, MaintenanceSchedule, WorkOrder

VIEW = Capability.VIEW_REGISTER
EDIT = Capability.EDIT_INFRASTRUCTURE
ORDERS_ON_MAP = 500
STATUS_COLOURS = {"open": "#b3261e", "assigned": "#e0a100", "in_progress": "#1f5f8b"}


def _map_of_orders(municipality, orders):
    """The listed orders on a map fitted to them (or to the municipality when none has a place)."""
    data = selectors.work_orders_geojson(orders)
    points = [f["geometry"]["coordinates"] for f in data["features"]]
    if points:
        lons, lats = [p[0] for p in points], [p[1] for p in points]
        pad = 0.002  # about 200 m around the orders
        bounds = (min(lons) - pad, min(lats) - pad, max(lons) + pad, max(lats) + pad)
    else:
        bounds = municipality.boundary.extent
    m = new_map(bounds=bounds)
    if not points:
        return render_map(m)
    folium.GeoJson(
        data,
        name=_("ใบสั่งงาน"),
        marker=folium.CircleMarker(radius=7, weight=2, fill=True, fill_opacity=0.85),
        style_function=lambda f: {
            "color": "#7a0000" if f["properties"]["overdue"] else "#ffffff",
            "fillColor": "#b3261e" if f["properties"]["overdue"] else "#1f5f8b",
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["number", "title", "status", "due_on"],
            aliases=[_("เลขที่"), _("งาน"), _("สถานะ"), _("กำหนดเสร็จ")],
        ),
    ).add_to(m)
    folium.LayerControl(collapsed=True).add_to(m)
    return render_map(m)


# Work orders -------------------------------------------------------------------------------------


@capability_required(VIEW)
def work_orders(request):
    """The engineer's list: open orders by due date, with the same orders on the map."""
    kind = request.GET.get("kind") or None
    mine = request.GET.get("mine") == "1"
    orders = selectors.open_work_orders(assignee=request.user if mine else None, kind=kind)
    page = Paginator(orders, 50).get_page(request.GET.get("page"))
    shown = list(page.object_list)
    counts = WorkOrder.objects.filter(status__in=OPEN_STATUSES).aggregate(
        open=Count("pk"), overdue=Count("pk", filter=Q(due_on__lt=timezone.localdate()))
    )
    return render(
        request,
        "works/work_orders.html",
        {
            "page": page,
            "orders": shown,
            "counts": counts,
            "kinds": InfrastructureKind.choices,
            "kind": kind,
            "mine": mine,
            "today": timezone.localdate(),
            "map": _map_of_orders(request.municipality, shown[:ORDERS_ON_MAP]),
            "can_edit": can(request, EDIT),
        },
    )


@capability_required(EDIT)
def work_order_create(request):
    form = WorkOrderForm(request.POST or None, initial={"asset_code": request.GET.get("asset", "")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        asset = None
        if data["asset_code"]:
            asset = InfrastructureAsset.objects.filter(asset_code=data["asset_code"].strip()).first()
            if asset is None:
                form.add_error("asset_code", _("ไม่พบทรัพย์สินรหัส %(code)s") % {"code": data["asset_code"]})
        if form.is_valid():
            try:
                order = services.work_order_create(
                    municipality=request.municipality,
                    acting_user=request.user,
                    title=data["title"],
                    description=data["description"],
                    due_on=data["due_on"],
                    priority=data["priority"],
                    assignee=data["assignee"],
                    asset=asset,
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("เปิด%(order)s แล้ว") % {"order": order})
                return redirect("works:work-order", pk=order.pk)
    return render(request, "works/form.html", {"form": form, "title": _("เปิดใบสั่งงาน")})


@capability_required(VIEW)
def work_order_detail(request, pk: int):
    order = get_object_or_404(
        WorkOrder.objects.select_related("asset", "assignee", "complaint", "inspection", "schedule", "created_by"),
        pk=pk,
    )
    photos = list(order.photos.all())
    return render(
        request,
        "works/work_order.html",
        {
            "order": order,
            "before": [p for p in photos if p.stage == "before"],
            "after": [p for p in photos if p.stage == "after"],
            "next_statuses": [WorkOrderStatus(s) for s in TRANSITIONS[order.status]],
            "transition_form": TransitionForm(
                initial={
                    "version": order.version,
                    "assignee": order.assignee_id,
                    "labour_cost": order.labour_cost,
                    "material_cost": order.material_cost,
                    "resolution": order.resolution,
                }
            ),
            "photo_form": PhotoForm(),
            "can_edit": can(request, EDIT),
            "history": order.history.select_related("history_user")[:20],
        },
    )


@capability_required(EDIT)
@require_POST
def work_order_transition(request, pk: int):
    order = get_object_or_404(WorkOrder, pk=pk)
    form = TransitionForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            order = services.work_order_transition(
                work_order=order,
                to=data["to"],
                acting_user=request.user,
                assignee=data["assignee"],
                labour_cost=data["labour_cost"],
                material_cost=data["material_cost"],
                resolution=data["resolution"],
                completed_on=data["completed_on"],
                expected_version=data["version"],
            )
        except ValidationError as error:
            say_errors(request, [error.messages])
        else:
            messages.success(
                request, _("%(order)s: %(status)s") % {"order": order, "status": order.get_status_display()}
            )
            if order.schedule_id and not order.is_open:
                following = order.schedule.work_orders.filter(status__in=OPEN_STATUSES).first()
                if following:
                    messages.info(
                        request,
                        _("สร้าง%(order)s ครบกำหนด %(due)s ตามแผนบำรุงรักษาแล้ว")
                        % {
                            "order": following,
                            "due": following.due_on.isoformat(),
                        },
                    )
    else:
        say_errors(request, form.errors.values())
    return redirect("works:work-order", pk=pk)


@capability_required(EDIT)
@require_POST
def work_order_photos(request, pk: int):
    order = get_object_or_404(WorkOrder, pk=pk)
    form = PhotoForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            added = services.work_order_add_photos(
                work_order=order,
                stage=form.cleaned_data["stage"],
                photos=form.cleaned_data["photos"],
                caption=form.cleaned_data["caption"],
                acting_user=request.user,
            )
        except ValidationError as error:
            say_errors(request, [error.messages])
        else:
            messages.success(request, _("เพิ่มรูป %(n)s รูปแล้ว") % {"n": len(added)})
    else:
        say_errors(request, form.errors.values())
    return redirect("works:work-order", pk=pk)


# Assets, inspections and schedules ---------------------------------------------------------------


@capability_required(VIEW)
def assets(request):
    kind = request.GET.get("kind") or ""
    query = request.GET.get("q", "").strip()
    found = InfrastructureAsset.objects.order_by("kind", "asset_code")
    if kind:
        found = found.filter(kind=kind)
    if query:
        found = found.filter(Q(asset_code__icontains=query) | Q(name__icontains=query))
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "works/assets.html",
        {"page": page, "kinds": InfrastructureKind.choices, "kind": kind, "q": query},
    )


@capability_required(VIEW)
def asset_detail(request, pk: int):
    asset = get_object_or_404(InfrastructureAsset, pk=pk)
    today = timezone.localdate()
    return render(
        request,
        "works/asset.html",
        {
            "asset": asset,
            "depreciation": selectors.asset_depreciation(asset, today),
            "inspections": asset.inspections.select_related("inspector").prefetch_related("photos")[:20],
            "orders": asset.work_orders.select_related("assignee").order_by("-created_at")[:20],
            "schedules": asset.schedules.all(),
            "complaints": asset.complaints.all()[:10],
            "can_edit": can(request, EDIT),
            "custom_values": record_values(asset, personal=can(request, Capability.VIEW_PERSONAL_DATA)),
            "schedule_form": ScheduleForm(initial={"first_due_on": today + datetime.timedelta(days=30)}),
        },
    )


@capability_required(EDIT)
def inspection_create(request, pk: int):
    asset = get_object_or_404(InfrastructureAsset, pk=pk)
    form = InspectionForm(request.POST or None, request.FILES or None, asset=asset)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            inspection = services.inspection_record(
                asset=asset,
                acting_user=request.user,
                inspected_on=data["inspected_on"],
                condition=data["condition"],
                checklist=data["checklist"],
                notes=data["notes"],
                location=data["location"],
                photos=data["photos"],
            )
            if data["open_work_order"]:
                services.work_order_from_inspection(
                    inspection=inspection, acting_user=request.user, due_on=data["work_order_due_on"]
                )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("บันทึกผลการตรวจ %(asset)s แล้ว") % {"asset": asset.asset_code})
            return redirect("works:inspection", pk=inspection.pk)
    return render(request, "works/inspection_form.html", {"form": form, "asset": asset})


@capability_required(VIEW)
def inspection_detail(request, pk: int):
    inspection = get_object_or_404(Inspection.objects.select_related("asset", "inspector"), pk=pk)
    return render(
        request,
        "works/inspection.html",
        {
            "inspection": inspection,
            "answers": [
                (question, inspection.checklist.get(key))
                for key, question in CHECKLISTS.get(inspection.asset.kind, {}).items()
            ],
            "orders": inspection.work_orders.all(),
            "form": FollowUpOrderForm(initial={"due_on": timezone.localdate() + datetime.timedelta(days=14)}),
            "can_edit": can(request, EDIT),
        },
    )


@capability_required(EDIT)
@require_POST
def inspection_work_order(request, pk: int):
    inspection = get_object_or_404(Inspection, pk=pk)
    return _follow_up(request, services.work_order_from_inspection, inspection=inspection)


@capability_required(EDIT)
@require_POST
def schedule_create(request, pk: int):
    asset = get_object_or_404(InfrastructureAsset, pk=pk)
    form = ScheduleForm(request.POST)
    if form.is_valid():
        try:
            schedule = services.schedule_create(asset=asset, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("สร้างแผน “%(schedule)s” และใบสั่งงานแรกแล้ว") % {"schedule": schedule})
            return redirect("works:asset", pk=pk)
    say_errors(request, form.errors.values())
    return redirect("works:asset", pk=pk)


@capability_required(EDIT)
@require_POST
def schedule_stop(request, pk: int):
    schedule = get_object_or_404(MaintenanceSchedule, pk=pk)
    services.schedule_stop(schedule=schedule, acting_user=request.user)
    messages.success(request, _("หยุดแผน “%(schedule)s” แล้ว") % {"schedule": schedule})
    return redirect("works:asset", pk=schedule.asset_id)


def _follow_up(request, service, **source):
    form = FollowUpOrderForm(request.POST)
    origin = next(iter(source.values()))
    if form.is_valid():
        try:
            order = service(acting_user=request.user, **source, **form.cleaned_data)
        except ValidationError as error:
            say_errors(request, [error.messages])
        else:
            messages.success(request, _("เปิด%(order)s แล้ว") % {"order": order})
            return redirect("works:work-order", pk=order.pk)
    else:
        say_errors(request, form.errors.values())
    name = "works:inspection" if isinstance(origin, Inspection) else "works:complaint"
    return redirect(name, pk=origin.pk)


# Complaints --------------------------------------------------------------------------------------


@capability_required(VIEW)
def complaints(request):
    state = request.GET.get("state") or ""
    channel = request.GET.get("channel") or ""
    found = Complaint.objects.select_related("asset").order_by("-reported_at", "-id")
    if state:
        found = found.filter(state=state)
    if channel:
        found = found.filter(channel=channel)
    page = Paginator(found, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "works/complaints.html",
        {
            "page": page,
            "states": ComplaintState.choices,
            "state": state,
            "can_edit": can(request, EDIT),
            "public_url": request.build_absolute_uri(
                reverse("works-public:complaint", args=[request.municipality.code])
            ),
        },
    )


@capability_required(VIEW)
def complaint_detail(request, pk: int):
    complaint = get_object_or_404(Complaint.objects.select_related("asset"), pk=pk)
    m = new_map(location=[complaint.location.y, complaint.location.x], zoom_start=18)
    folium.CircleMarker(
        [complaint.location.y, complaint.location.x], radius=8, color="#b3261e", fill=True, tooltip=_("จุดที่แจ้ง")
    ).add_to(m)
    if complaint.asset:
        geometry = json.loads(complaint.asset.geom.geojson)
        folium.GeoJson(
            geometry,
            name=str(complaint.asset),
            marker=folium.CircleMarker(radius=6, color="#1f5f8b", fill=True),
            tooltip=str(complaint.asset),
        ).add_to(m)
    return render(
        request,
        "works/complaint.html",
        {
            "complaint": complaint,
            "orders": complaint.work_orders.all(),
            "map": render_map(m),
            "form": FollowUpOrderForm(initial={"due_on": timezone.localdate() + datetime.timedelta(days=7)}),
            "can_edit": can(request, EDIT),
            "personal": can(request, Capability.VIEW_PERSONAL_DATA),
        },
    )


@capability_required(EDIT)
@require_POST
def complaint_work_order(request, pk: int):
    complaint = get_object_or_404(Complaint, pk=pk)
    return _follow_up(request, services.work_order_from_complaint, complaint=complaint)


@capability_required(EDIT)
def complaints_import(request):
    form = ComplaintImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            result = services.complaints_import(
                municipality=request.municipality,
                acting_user=request.user,
                content=upload.read(),
                filename=upload.name,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(
                request,
                _("นำเข้าเรื่องใหม่ %(created)s เรื่อง ปรับปรุง %(updated)s เรื่อง ข้ามเรื่องนอกเขต %(outside)s เรื่อง") % result,
            )
            return redirect(reverse("works:complaints") + f"?channel={ComplaintChannel.TRAFFY}")
    return render(request, "works/complaints_import.html", {"form": form})


# Lifecycle ---------------------------------------------------------------------------------------


def _plan(request):
    this_year = timezone.localdate().year
    try:
        horizon = min(max(int(request.GET.get("years", 10)), 1), 50)
    except ValueError:
        horizon = 10
    kind = request.GET.get("kind") or None
    return selectors.replacement_plan(this_year=this_year, horizon_years=horizon, kind=kind), horizon, kind


def _short_baht(value) -> str:
    """Bar labels: 1,250,000 → "1.25 ล้าน", 85,000 → "85,000"."""
    if value >= 1_000_000:
        return _("%(n)s ล้าน") % {"n": f"{value / 1_000_000:,.2f}"}
    return f"{value:,.0f}"


@capability_required(VIEW)
def lifecycle(request):
    plan, horizon, kind = _plan(request)
    chart = bar_chart_svg(
        [(str(be_year(y.year)), y.cost) for y in plan.years],
        title=_("ค่าเปลี่ยนทดแทนตามปี (บาท)"),
        value_label=_short_baht,
    )
    return render(
        request,
        "works/lifecycle.html",
        {"plan": plan, "chart": chart, "horizon": horizon, "kind": kind or "", "kinds": InfrastructureKind.choices},
    )


@capability_required(VIEW)
def lifecycle_export(request):
    plan, _horizon, _kind = _plan(request)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("แผนเปลี่ยนทดแทน")
    sheet.append([_("ปี พ.ศ."), _("จำนวน"), _("ค่าเปลี่ยนทดแทน (บาท)")] + [str(label) for _k, label in plan.kinds])
    for year in plan.years:
        sheet.append(
            [be_year(year.year), year.count, year.cost] + [year.by_kind.get(k, (0, 0))[1] for k, _label in plan.kinds]
        )
    sheet.append([_("รวม"), plan.total_count, plan.total_cost])
    for row in sheet.iter_rows(min_row=2, min_col=3):
        for cell in row:
            cell.number_format = "#,##0.00"
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = 'attachment; filename="replacement-plan.xlsx"'
    workbook.save(response)
    return response
