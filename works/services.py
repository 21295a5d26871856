"""Every change to inspections, work orders, schedules and complaints goes through these functions.

Each is one transaction: records are validated whole (`full_clean()` and constraints) and either all
is saved, with history rows naming the acting user, or nothing is and a `ValidationError` with a Thai
message names the field at fault. Photos go through Django's storage API (ImageField).
"""

import datetime
from collections.abc import Iterable
from decimal import Decimal

from dateutil.relativedelta import relativedelta
from django.contrib.gis.db.models import Union
from django.contrib.gis.geos import Point
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from assets.geometry import geometry_problem
from assets.models import InfrastructureAsset
from jobs.progress import NullProgress
from municipalities.concurrency import check_version
from municipalities.models import Zone
from municipalities.tenancy import current_zones
from municipalities.thai import be_year
from works import traffy
from works.choices import (
    CATEGORY_SPECS,
    OPEN_STATUSES,
    TRANSITIONS,
    ComplaintCategory,
    ComplaintChannel,
    ComplaintState,
    PhotoStage,
    RepeatFrom,
    WorkOrderSource,
    WorkOrderStatus,
)
from works.models import Complaint, Inspection, InspectionPhoto, MaintenanceSchedule, WorkOrder, WorkOrderPhoto
from works.selectors import nearest_asset

MAX_PHOTO_BYTES = 15 * 1024 * 1024
MAX_PHOTOS = 10


def _save(instance, acting_user):
    instance._history_user = acting_user
    instance.full_clean()
    instance.save()
    return instance


def check_photo(photo: UploadedFile, *, field: str = "photos") -> None:
    """A photo must be a real JPEG/PNG/WebP image of reasonable size; say which file is wrong."""
    name = getattr(photo, "name", "")
    if photo.size > MAX_PHOTO_BYTES:
        raise ValidationError({field: _("รูป %(name)s ใหญ่เกิน 15 MB") % {"name": name}})
    try:
        photo.seek(0)
        with Image.open(photo) as image:
            image.verify()
            kind = image.format
    except (UnidentifiedImageError, OSError, SyntaxError):
        raise ValidationError({field: _("ไฟล์ %(name)s ไม่ใช่รูปภาพ หรือไฟล์เสีย") % {"name": name}}) from None
    finally:
        photo.seek(0)
    if kind not in ("JPEG", "PNG", "WEBP"):
        raise ValidationError({field: _("รูป %(name)s ต้องเป็น JPEG, PNG หรือ WebP") % {"name": name}})


def _photos(photos: Iterable[UploadedFile] | None, field: str = "photos") -> list[UploadedFile]:
    photos = [p for p in (photos or ()) if p]
    if len(photos) > MAX_PHOTOS:
        raise ValidationError({field: _("แนบรูปได้ไม่เกิน %(n)s รูปต่อครั้ง") % {"n": MAX_PHOTOS}})
    for photo in photos:
        check_photo(photo, field=field)
    return photos


# Inspections -------------------------------------------------------------------------------------


@transaction.atomic
def inspection_record(
    *,
    asset: InfrastructureAsset,
    acting_user,
    inspected_on: datetime.date,
    condition: int,
    checklist: dict | None = None,
    notes: str = "",
    location: Point | None = None,
    photos: Iterable[UploadedFile] = (),
) -> Inspection:
    """Record an inspection with its photos; the asset takes the condition of its latest inspection."""
    if inspected_on > timezone.localdate():
        raise ValidationError({"inspected_on": _("วันที่ตรวจต้องไม่เป็นวันในอนาคต")})
    photos = _photos(photos)
    if location is not None:
        problem = geometry_problem(location, municipality=asset.municipality, allowed_types=("Point",))
        if problem:
            raise ValidationError({"location": _("พิกัด GPS %(problem)s") % {"problem": problem}})
    inspection = _save(
        Inspection(
            municipality_id=asset.municipality_id,
            asset=asset,
            inspected_on=inspected_on,
            inspector=acting_user,
            condition=condition,
            checklist=checklist or {},
            notes=notes,
            location=location,
        ),
        acting_user,
    )
    for photo in photos:
        _save(InspectionPhoto(municipality_id=asset.municipality_id, inspection=inspection, image=photo), acting_user)
    latest = asset.inspections.order_by("-inspected_on", "-id").first()
    if asset.condition != latest.condition:
        asset.condition = latest.condition
        _save(asset, acting_user)
    return inspection


# Work orders -------------------------------------------------------------------------------------


def _next_number(municipality_id: int) -> str:
    """69-00001, 69-00002 … per municipality and Buddhist year; the unique constraint guards races."""
    prefix = f"{be_year(timezone.localdate().year) % 100:02d}-"
    last = (
        WorkOrder._base_manager.filter(municipality_id=municipality_id, number__startswith=prefix)
        .aggregate(last=Max("number"))
        .get("last")
    )
    return f"{prefix}{int(last[len(prefix) :]) + 1 if last else 1:05d}"


def _location_of(asset: InfrastructureAsset | None) -> Point | None:
    if asset is None:
        return None
    return asset.geom if asset.geom.geom_type == "Point" else asset.geom.point_on_surface


@transaction.atomic
def work_order_create(
    *,
    municipality,
    acting_user,
    title: str,
    due_on: datetime.date,
    asset: InfrastructureAsset | None = None,
    source: str = WorkOrderSource.OTHER,
    inspection: Inspection | None = None,
    complaint: Complaint | None = None,
    schedule: MaintenanceSchedule | None = None,
    description: str = "",
    priority: str = "normal",
    assignee=None,
    location: Point | None = None,
) -> WorkOrder:
    order = WorkOrder(
        municipality=municipality,
        number=_next_number(municipality.pk),
        title=title,
        description=description,
        asset=asset,
        source=source,
        inspection=inspection,
        complaint=complaint,
        schedule=schedule,
        priority=priority,
        due_on=due_on,
        location=location or _location_of(asset),
        created_by=acting_user,
    )
    if assignee is not None:
        order.assignee = assignee
        order.status = WorkOrderStatus.ASSIGNED
    return _save(order, acting_user)


@transaction.atomic
def work_order_from_inspection(*, inspection: Inspection, acting_user, **fields) -> WorkOrder:
    defects = inspection.defects
    fields.setdefault(
        "title",
        _("ซ่อม%(kind)s %(code)s") % {"kind": inspection.asset.get_kind_display(), "code": inspection.asset.asset_code},
    )
    fields.setdefault(
        "description",
        _("จากการตรวจสภาพเมื่อ %(date)s สภาพ %(condition)s/5%(defects)s")
        % {
            "date": inspection.inspected_on.isoformat(),
            "condition": inspection.condition,
            "defects": (": " + ", ".join(defects)) if defects else "",
        },
    )
    return work_order_create(
        municipality=inspection.asset.municipality,
        acting_user=acting_user,
        asset=inspection.asset,
        source=WorkOrderSource.INSPECTION,
        inspection=inspection,
        **fields,
    )


@transaction.atomic
def work_order_from_complaint(*, complaint: Complaint, acting_user, **fields) -> WorkOrder:
    if complaint.state in (ComplaintState.DONE, ComplaintState.REJECTED):
        raise ValidationError({"complaint": _("เรื่องร้องเรียนนี้ปิดแล้ว เปิดใบสั่งงานไม่ได้")})
    if complaint.work_orders.filter(status__in=OPEN_STATUSES).exists():
        raise ValidationError({"complaint": _("เรื่องร้องเรียนนี้มีใบสั่งงานที่ยังไม่ปิดอยู่แล้ว")})
    fields.setdefault("title", complaint.get_category_display())
    fields.setdefault("description", complaint.description)
    order = work_order_create(
        municipality=complaint.municipality,
        acting_user=acting_user,
        asset=complaint.asset,
        source=WorkOrderSource.COMPLAINT,
        complaint=complaint,
        location=complaint.location,
        **fields,
    )
    complaint.state = ComplaintState.IN_PROGRESS
    _save(complaint, acting_user)
    return order


@transaction.atomic
def work_order_transition(
    *,
    work_order: WorkOrder,
    to: str,
    acting_user,
    assignee=None,
    labour_cost: Decimal | None = None,
    material_cost: Decimal | None = None,
    resolution: str | None = None,
    completed_on: datetime.date | None = None,
    expected_version: int | None = None,
) -> WorkOrder:
    """Move an order along open → assigned → in progress → done (or cancelled); closing a preventive
    order creates the schedule's next one, closing a complaint's order closes the complaint.

    `expected_version` is the version the engineer's page showed: if someone moved or changed the
    order since, nothing is changed and a ValidationError on "version" says who and when."""
    order = WorkOrder.objects.select_for_update().get(pk=work_order.pk)
    check_version(order, expected_version)
    if to not in TRANSITIONS.get(order.status, ()):
        raise ValidationError(
            {
                "status": _("เปลี่ยนสถานะจาก “%(from)s” เป็น “%(to)s” ไม่ได้")
                % {"from": order.get_status_display(), "to": WorkOrderStatus(to).label}
            }
        )
    if assignee is not None:
        order.assignee = assignee
    if to == WorkOrderStatus.ASSIGNED and order.assignee_id is None:
        raise ValidationError({"assignee": _("ต้องระบุผู้รับผิดชอบก่อนมอบหมายงาน")})
    if labour_cost is not None:
        order.labour_cost = labour_cost
    if material_cost is not None:
        order.material_cost = material_cost
    if resolution is not None:
        order.resolution = resolution
    order.status = to
    if to == WorkOrderStatus.DONE:
        order.completed_on = completed_on or timezone.localdate()
        if order.completed_on > timezone.localdate():
            raise ValidationError({"completed_on": _("วันที่ทำเสร็จต้องไม่เป็นวันในอนาคต")})
        if not order.resolution.strip():
            raise ValidationError({"resolution": _("บันทึกผลการดำเนินงานก่อนปิดงาน")})
    if to in (WorkOrderStatus.DONE, WorkOrderStatus.CANCELLED):
        order.closed_at = timezone.now()
    _save(order, acting_user)
    if to in (WorkOrderStatus.DONE, WorkOrderStatus.CANCELLED):
        _after_close(order, acting_user)
    return order


def _after_close(order: WorkOrder, acting_user) -> None:
    schedule = order.schedule
    if schedule is not None and schedule.is_active:
        done = order.status == WorkOrderStatus.DONE
        start = order.completed_on if done and schedule.repeat_from == RepeatFrom.COMPLETION else order.due_on
        due_on = start + relativedelta(months=schedule.interval_months)  # 31 Aug + 6 months: 28/29 Feb
        _preventive_order(schedule, due_on=due_on, acting_user=acting_user)
    complaint = order.complaint
    if complaint is not None and order.status == WorkOrderStatus.DONE:
        complaint.state = ComplaintState.DONE
        _save(complaint, acting_user)


@transaction.atomic
def work_order_add_photos(
    *, work_order: WorkOrder, stage: str, photos: Iterable[UploadedFile], acting_user, caption: str = ""
) -> list[WorkOrderPhoto]:
    if stage not in PhotoStage.values:
        raise ValidationError({"stage": _("ระบุว่าเป็นรูปก่อนหรือหลังซ่อม")})
    photos = _photos(photos)
    if not photos:
        raise ValidationError({"photos": _("เลือกรูปอย่างน้อย 1 รูป")})
    return [
        _save(
            WorkOrderPhoto(
                municipality_id=work_order.municipality_id, work_order=work_order, stage=stage, image=p, caption=caption
            ),
            acting_user,
        )
        for p in photos
    ]


# Preventive schedules ----------------------------------------------------------------------------


def _preventive_order(schedule: MaintenanceSchedule, *, due_on: datetime.date, acting_user) -> WorkOrder:
    return work_order_create(
        municipality=schedule.asset.municipality,
        acting_user=acting_user,
        title=schedule.title,
        description=schedule.description,
        asset=schedule.asset,
        source=WorkOrderSource.PREVENTIVE,
        schedule=schedule,
        due_on=due_on,
    )


@transaction.atomic
def schedule_create(
    *,
    asset: InfrastructureAsset,
    acting_user,
    title: str,
    interval_months: int,
    first_due_on: datetime.date,
    description: str = "",
    repeat_from: str = RepeatFrom.COMPLETION,
) -> MaintenanceSchedule:
    """A preventive schedule and its first work order, due on `first_due_on`."""
    schedule = _save(
        MaintenanceSchedule(
            municipality_id=asset.municipality_id,
            asset=asset,
            title=title,
            description=description,
            interval_months=interval_months,
            repeat_from=repeat_from,
        ),
        acting_user,
    )
    _preventive_order(schedule, due_on=first_due_on, acting_user=acting_user)
    return schedule


@transaction.atomic
def schedule_stop(*, schedule: MaintenanceSchedule, acting_user) -> MaintenanceSchedule:
    """Stop a schedule: its open order stays (close or cancel it by hand); no further order is made."""
    schedule.is_active = False
    return _save(schedule, acting_user)


# Complaints --------------------------------------------------------------------------------------


def _match(complaint: Complaint) -> None:
    spec = CATEGORY_SPECS[complaint.category]
    asset, distance = nearest_asset(
        municipality_id=complaint.municipality_id,
        lon=complaint.location.x,
        lat=complaint.location.y,
        kinds=spec.asset_kinds,
        radius_m=spec.radius_m,
    )
    complaint.asset, complaint.asset_distance_m = asset, distance


@transaction.atomic
def complaint_submit(
    *,
    municipality,
    channel: str,
    category: str,
    description: str,
    location: Point,
    acting_user=None,
    photo: UploadedFile | None = None,
    reporter_name: str = "",
    reporter_contact: str = "",
) -> Complaint:
    """A resident's report from the form or the API: inside the municipality, with a photo where the
    category needs one; linked to the nearest matching asset."""
    problem = geometry_problem(location, municipality=municipality, allowed_types=("Point",))
    if problem:
        raise ValidationError({"location": _("ตำแหน่งที่แจ้ง%(problem)s") % {"problem": problem}})
    spec = CATEGORY_SPECS.get(category)
    if spec is None:
        raise ValidationError({"category": _("เลือกประเภทเรื่องที่แจ้ง")})
    if photo:
        check_photo(photo, field="photo")
    elif spec.photo_required:
        raise ValidationError(
            {"photo": _("เรื่องประเภท “%(category)s” ต้องแนบรูปภาพ") % {"category": ComplaintCategory(category).label}}
        )
    complaint = Complaint(
        municipality=municipality,
        channel=channel,
        category=category,
        description=description.strip(),
        location=location,
        photo=photo or "",
        reporter_name=reporter_name.strip(),
        reporter_contact=reporter_contact.strip(),
        reported_at=timezone.now(),
    )
    _match(complaint)
    return _save(complaint, acting_user)


@transaction.atomic
def complaints_import(*, municipality, acting_user, content: bytes, filename: str, progress=None) -> dict:
    """Import a Traffy Fondue-shaped export (CSV or JSON): all rows or none.

    A malformed row stops the import with every problem listed. Tickets outside the municipality (or,
    for a zone-limited member, outside their zones) are skipped and counted (an export usually covers
    a wider area); a ticket imported before is updated (state and times), not duplicated.
    """
    progress = progress or NullProgress()
    try:
        records = traffy.read_export(content, filename)
    except traffy.TraffyFormatError as error:
        raise ValidationError({"file": str(error)}) from None
    rows, errors = traffy.parse_rows(records)
    if errors:
        shown = errors[:20]
        if len(errors) > len(shown):
            shown.append(_("และอีก %(n)s แถว") % {"n": len(errors) - len(shown)})
        raise ValidationError({"file": shown})
    progress.set_total(len(rows))
    existing = {
        c.external_id: c
        for c in Complaint.objects.filter(channel=ComplaintChannel.TRAFFY, external_id__in=[r.ticket_id for r in rows])
    }
    created = updated = 0
    outside = []
    area = municipality.boundary if current_zones() is None else Zone.objects.aggregate(area=Union("geom"))["area"]
    for row in rows:
        point = Point(row.lon, row.lat, srid=4326)
        if not area.covers(point):
            outside.append(row.ticket_id)
            progress.advance()
            continue
        complaint = existing.get(row.ticket_id)
        if complaint is None:
            complaint = Complaint(municipality=municipality, channel=ComplaintChannel.TRAFFY, external_id=row.ticket_id)
            created += 1
        else:
            updated += 1
        complaint.category = row.category
        complaint.source_type = row.source_type
        complaint.description = row.description
        complaint.location = point
        complaint.photo_url = row.photo_url
        complaint.reported_at = row.reported_at
        complaint.source_updated_at = row.updated_at
        if complaint.pk is None or not complaint.work_orders.exists():
            complaint.state = row.state  # once a work order is open here, our own state is kept
        _match(complaint)
        try:
            _save(complaint, acting_user)
        except ValidationError as error:
            raise ValidationError(
                {
                    "file": _("แถวที่ %(line)s (%(ticket)s): %(problem)s")
                    % {
                        "line": row.line,
                        "ticket": row.ticket_id,
                        "problem": " ".join(error.messages),
                    }
                }
            ) from None
        existing[row.ticket_id] = complaint
        progress.advance()
    return {"created": created, "updated": updated, "outside": len(outside), "outside_tickets": outside[:50]}
