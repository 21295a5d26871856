"""What the maps' side panels, search and dashboard show: reads through the scoped managers and the
taxes selectors; personal data only for roles with VIEW_PERSONAL_DATA."""

import datetime
from decimal import Decimal

from django.db.models import Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from assets.models import Building, InfrastructureAsset, LandUse, Owner, Ownership, Parcel, Signboard
from assets.validators import mask_national_id
from maps.models import BlockRevenue, RevenueEstimate
from municipalities.models import Zone
from municipalities.tenancy import current_zones
from municipalities.thai import be_year, format_baht, format_rai_ngan_wa, thai_date
from taxes import selectors as tax_selectors
from taxes.choices import NoticeKind, TaxKind, TaxState
from taxes.models import Notice
from taxes.presentation import breakdown_rows
from taxes.services import recompute
from works.choices import OPEN_STATUSES

SEARCH_LIMIT = 10


def _bbox(geom) -> list[float]:
    return [round(v, 7) for v in geom.extent]


def _person(owner) -> str:
    return f"{owner.full_name} ({mask_national_id(owner.national_id)})"


def _owner_label(owner, index: int, personal: bool) -> str:
    if personal:
        return _person(owner)
    return _("ผู้ถือกรรมสิทธิ์ %(n)s (%(kind)s)") % {"n": index, "kind": owner.get_kind_display()}


def _status_label(row) -> dict:
    status = row.status if row else TaxState.NOT_ASSESSED
    return {"code": status, "label": str(TaxState(status).label)}


def parcel_panel(
    parcel: Parcel, *, tax_year: int, taxes: bool, personal: bool, closed: frozenset[str] = frozenset()
) -> dict:
    """The side panel of a parcel: register facts, owners (masked by role: numbered "ผู้ถือกรรมสิทธิ์ 1,
    2, …"), this year's tax (`tax_panel`). Its buildings and signs unless the municipality hides their
    layers (`closed`, maps.access.Hidden.layers)."""
    ownerships = Ownership.objects.filter(parcel=parcel).select_related("owner").order_by("owner__first_name", "id")
    owners = [
        {"name": _owner_label(o.owner, number, personal), "share": str(o.share.normalize())}
        for number, o in enumerate(ownerships, 1)
    ]
    panel = {
        "id": parcel.pk,
        "code": parcel.parcel_code,
        "deed": " ".join(filter(None, [parcel.get_deed_type_display(), parcel.deed_number])),
        "land_number": parcel.land_number,
        "area": format_rai_ngan_wa(parcel.area_sq_wah, long=True),
        "area_sq_wah": format_baht(parcel.area_sq_wah),
        "retired": thai_date(parcel.retired_on) if parcel.retired_on else "",
        "bbox": _bbox(parcel.geom),
        "owners": owners,
        "land_uses": [
            {"use": lu.get_use_display(), "area": format_rai_ngan_wa(lu.area_sq_wah)}
            for lu in LandUse.objects.filter(parcel=parcel).order_by("-area_sq_wah", "id")
        ],
        "buildings": [
            {
                "code": b.building_code,
                "type": b.get_building_type_display(),
                "floors": b.floors,
                "floor_area_m2": format_baht(b.floor_area_m2),
                "year_built": be_year(b.year_built),
            }
            for b in (
                Building.objects.filter(parcel=parcel).order_by("building_code") if "buildings" not in closed else ()
            )
        ],
        "signboards": [],
        "links": {
            "print": f"{reverse('maps:print-parcel', args=[parcel.pk])}?year={tax_year}",
            "record": reverse("admin:assets_parcel_change", args=[parcel.pk]),
        },
    }
    signs = []
    if "signboards" not in closed:  # the signs up during the year, as the tiles draw them (maps/layers.py SIGN_IN_YEAR)
        signs = list(
            Signboard.objects.filter(parcel=parcel, installed_on__lte=datetime.date(tax_year, 12, 31))
            .exclude(removed_on__lt=datetime.date(tax_year, 1, 1))
            .order_by("signboard_code")
        )
    sign_status = (
        tax_selectors.signboard_tax_status(tax_year=tax_year, signboard_ids=[s.pk for s in signs]) if taxes else {}
    )
    for sign in signs:
        item = {
            "code": sign.signboard_code,
            "type": sign.get_sign_type_display(),
            "size": f"{sign.width_cm} × {sign.height_cm} ซม.",
            "business": sign.business_name,
        }
        if taxes:
            item["tax_status"] = _status_label(sign_status.get(sign.pk))
        panel["signboards"].append(item)
    if taxes:
        panel["tax"] = tax_panel(tax_year=tax_year, parcel=parcel, personal=personal)
    return panel


def tax_panel(*, tax_year: int, parcel: Parcel, personal: bool) -> dict:
    """This year's tax status of a parcel; for roles that see personal data, its amounts too: its
    assessments with their breakdown, notices and payments.

    The rule of the tiles (maps/access.py): a single parcel's tax amounts need VIEW_PERSONAL_DATA. What
    its taxpayers owe and paid is about them, and so is the breakdown (a main-residence exemption,
    LBTA s.41, tells that the owner lives there)."""
    status = tax_selectors.parcel_tax_status(tax_year=tax_year, parcel_ids=[parcel.pk]).get(parcel.pk)
    panel = {"year": be_year(tax_year), "status": _status_label(status)}
    if not personal:
        return panel
    assessments = list(tax_selectors.assessments_of(tax_year=tax_year, parcel_id=parcel.pk))
    notices = {}
    for notice in Notice.objects.filter(assessment__in=assessments, kind=NoticeKind.ASSESSMENT).order_by("issued_on"):
        notices.setdefault(notice.assessment_id, notice)
    items = []
    for a in assessments:
        notice = notices.get(a.pk)
        items.append(
            {
                "id": a.pk,
                "taxpayer": _person(a.owner) if a.owner else _("ไม่ระบุ"),
                "status": a.get_status_display(),
                "tax": format_baht(a.tax),
                "breakdown": breakdown_rows(a.breakdown or recompute(a)["breakdown"]),
                "url": reverse("taxes:assessment", args=[a.pk]),
                "notice": notice.number if notice else "",
                "notice_pdf": reverse("taxes:notice-pdf", args=[notice.pk]) if notice else "",
                "due_on": thai_date(notice.due_on) if notice else "",
            }
        )
    return {
        **panel,
        "due": format_baht(status.tax_due if status else Decimal(0)),
        "paid": format_baht(status.tax_paid if status else Decimal(0)),
        "assessments": items,
        "payments": [
            {
                "receipt": p.receipt_number,
                "paid_on": thai_date(p.paid_on),
                "amount": format_baht(p.amount),
                "principal": format_baht(p.principal),
            }
            for p in tax_selectors.payments_of(assessments)
        ],
    }


def search(query: str, *, personal: bool, today: datetime.date) -> list[dict]:
    """Parcels by code, deed or land number, and (for roles that see personal data) by owner's name:
    the owner of a share of the land, of a building on it (often not the land's owner in Thailand) or
    of a sign still standing on it (`today`)."""
    query = query.strip()
    if len(query) < 2:
        return []
    condition = Q(parcel_code__istartswith=query) | Q(deed_number=query) | Q(land_number=query)
    if personal:
        words = query.split()
        names = Q()
        for word in words:
            names &= Q(first_name__icontains=word) | Q(last_name__icontains=word)
        owners = Owner.objects.filter(names).values("pk")
        land = Ownership.objects.filter(owner__in=owners, parcel__isnull=False).values("parcel_id")
        buildings = Ownership.objects.filter(owner__in=owners, building__isnull=False).values("building__parcel_id")
        signs = (
            Signboard.objects.filter(owner__in=owners, parcel__isnull=False)
            .filter(Q(removed_on__isnull=True) | Q(removed_on__gt=today))
            .values("parcel_id")
        )
        condition |= Q(pk__in=land) | Q(pk__in=buildings) | Q(pk__in=signs)
    parcels = Parcel.objects.filter(condition, retired_on__isnull=True).order_by("parcel_code")[:SEARCH_LIMIT]
    return [
        {
            "id": p.pk,
            "code": p.parcel_code,
            "label": f"{p.parcel_code} · {p.get_deed_type_display()} {p.deed_number}".strip(),
            "bbox": _bbox(p.geom),
        }
        for p in parcels
    ]


def asset_panel(asset: InfrastructureAsset, *, today: datetime.date) -> dict:
    """The side panel of an infrastructure asset: its facts, open work orders and latest inspections."""
    return {
        "id": asset.pk,
        "code": asset.asset_code,
        "kind": asset.get_kind_display(),
        "name": asset.name,
        "condition": asset.condition,
        "installed": thai_date(asset.installed_on) if asset.installed_on else "",
        "age": (today.year - asset.installed_on.year) if asset.installed_on else None,
        "material": asset.material,
        "replacement_cost": format_baht(asset.replacement_cost),
        "bbox": _bbox(asset.geom),
        "orders": [
            {
                "number": o.number,
                "title": o.title,
                "status": o.get_status_display(),
                "due_on": thai_date(o.due_on),
                "url": reverse("works:work-order", args=[o.pk]),
            }
            for o in asset.work_orders.filter(status__in=OPEN_STATUSES).order_by("due_on", "number")
        ],
        "inspections": [
            {
                "date": thai_date(i.inspected_on),
                "condition": i.condition,
                "url": reverse("works:inspection", args=[i.pk]),
            }
            for i in asset.inspections.order_by("-inspected_on", "-id")[:5]
        ],
        "url": reverse("works:asset", args=[asset.pk]),
    }


def revenue_by_zone(*, tax_year: int) -> list[dict]:
    """Per zone: the tax due (expected) and paid (collected) of its blocks' parcels and signs in the
    year's current run, summed from the blocks' revenue the triggers keep (maps.models.BlockRevenue)."""
    run = tax_selectors.current_run(tax_year)
    sums = {}
    if run is not None:
        sums = {
            row["block__zone"]: row
            for row in BlockRevenue.objects.filter(run=run)
            .values("block__zone")
            .annotate(expected=Sum("expected"), collected=Sum("collected"))
        }
    rows = []
    for zone in Zone.objects.order_by("code"):
        row = sums.get(zone.pk, {})
        expected, collected = row.get("expected") or Decimal(0), row.get("collected") or Decimal(0)
        rate = (collected / expected) if expected else None
        rows.append(
            {
                "id": zone.pk,
                "code": zone.code,
                "name": zone.name,
                "expected": expected,
                "collected": collected,
                "rate": rate,
            }
        )
    return rows


def revenue_dashboard(*, tax_year: int, today: datetime.date) -> dict:
    """The executive's figures: collection against the estimate by tax and by month, zones, arrears.

    A member limited to some zones sees their zones' figures (the taxes selectors narrow them), but the
    estimate is the whole town's (the budget ordinance's, not divided by zone): their target is what
    their zones were assessed, and the page says so (`zoned`)."""
    by_kind = tax_selectors.revenue_by_kind(tax_year=tax_year)
    zoned = current_zones() is not None
    estimates = {} if zoned else {e.kind: e for e in RevenueEstimate.objects.filter(tax_year=tax_year)}
    kinds = []
    for kind in TaxKind:
        figures = by_kind[kind]
        estimate = estimates.get(kind)
        target = estimate.amount if estimate else figures["expected"]
        kinds.append(
            {
                "kind": kind,
                "label": str(kind.label),
                **figures,
                "estimate": estimate.amount if estimate else None,
                "reference": estimate.reference if estimate else "",
                "target": target,
                "rate": (figures["collected"] / target) if target else None,
            }
        )
    months = tax_selectors.collections_by_month(tax_year=tax_year)
    totals = {key: sum((k[key] for k in kinds), Decimal(0)) for key in ("expected", "collected", "overdue", "target")}
    return {
        "tax_year": tax_year,
        "kinds": kinds,
        "totals": totals,
        "rate": (totals["collected"] / totals["target"]) if totals["target"] else None,
        "estimated": bool(estimates),
        # with an estimate for some taxes only, the others' target is what they were assessed: say which
        "unestimated": [k["label"] for k in kinds if k["estimate"] is None] if estimates else [],
        "zoned": zoned,
        "months": months,
        "zones": revenue_by_zone(tax_year=tax_year),
        "arrears": tax_selectors.arrears_by_age(today=today),
        "top_arrears": tax_selectors.top_arrears(today=today),
    }
