"""The maps: vector tiles, the three users' map pages, their side panels and search (JSON), the
executive's dashboard and the printable A4 map. Every page is gated by a capability and scoped by the
tenancy mechanism; tiles are raw SQL scoped by maps/access.py."""

import datetime

from django.http import Http404, HttpResponse, HttpResponseNotAllowed, JsonResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from assets.choices import InfrastructureKind
from assets.models import InfrastructureAsset, Parcel
from maps import builders, charts, selectors
from maps.access import hidden_for, tile_access
from maps.cache import TileKey
from maps.layers import LAYERS, MAX_ZOOM, TODAYS_ZONE
from maps.offline import render as render_map
from maps.printing import block_pdf, parcel_pdf
from maps.tiles import tile as cached_tile
from municipalities.models import Block
from municipalities.modules import module_open
from municipalities.permissions import Capability, can, capability_required

C = Capability
MVT = "application/vnd.mapbox-vector-tile"


def _year(request, today=None) -> int:
    this_year = (today or timezone.localdate()).year
    try:
        year = int(request.GET.get("year", this_year))
    except ValueError:
        return this_year
    return year if 2000 <= year <= this_year + 1 else this_year


def tile(request, layer: str, z: int, x: int, y: int):
    """`/tiles/<layer>/<z>/<x>/<y>.pbf`: a Mapbox Vector Tile of the user's municipality (maps/layers.py).

    Answered by maps.middleware.TileMiddleware before the session and tenancy middlewares; the gate
    is maps.access.tile_access, which asks the same capabilities as every other page (VIEW_REGISTER;
    VIEW_TAXES for tax columns, VIEW_PERSONAL_DATA for a single parcel's amounts) and keeps to the
    member's municipality and zones. A tile outside the municipality is 404, an empty one 204.
    """
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    spec = LAYERS.get(layer)
    if spec is None or not (0 <= z <= MAX_ZOOM and 0 <= x < 2**z and 0 <= y < 2**z):
        return HttpResponse(status=404)
    access = tile_access(request)
    if access is None:
        return HttpResponse(status=403)
    if layer in access.closed:  # drawn only by maps the municipality hides, or a layer it hides (maps/access.py)
        return HttpResponse(status=404)
    if not access.may_read(spec):
        return HttpResponse(status=403)
    if not access.covers(z, x, y):
        return HttpResponse(status=404)
    today = datetime.datetime.now(TODAYS_ZONE).date()  # as the SQL's status; localdate() looks the zone up
    key = TileKey(
        municipality_id=access.municipality_id,
        access=access.level,
        layer=layer,
        z=z,
        x=x,
        y=y,
        year=_year(request, today),
        day=today.isoformat() if spec.tax else "",
        zones=access.zones,
        hidden_kinds=access.hidden.kinds_of(layer),
    )
    body, etag, hit = cached_tile(key)
    if request.META.get("HTTP_IF_NONE_MATCH") == etag:  # request.headers would copy every header first
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(body, content_type=MVT, status=200 if body else 204)
    response["ETag"] = etag
    response["Cache-Control"] = "private, no-cache"  # the browser asks again; unchanged tiles cost a 304
    response["X-Tile-Cache"] = "hit" if hit else "miss"
    return response


tile.required_capabilities = (C.VIEW_REGISTER,)  # enforced by maps.access.tile_access (see above)


# Words the side panels write (static/js/maps.js), translated here.
LABELS = {
    "parcel": _("แปลง"),
    "deed": _("เอกสารสิทธิ์"),
    "landNumber": _("เลขที่ดิน"),
    "area": _("เนื้อที่"),
    "retired": _("สิ้นสภาพเมื่อ"),
    "owners": _("ผู้ถือกรรมสิทธิ์"),
    "share": _("สัดส่วน"),
    "landUses": _("การใช้ประโยชน์ที่ดิน"),
    "buildings": _("สิ่งปลูกสร้าง"),
    "floors": _("ชั้น"),
    "signboards": _("ป้าย"),
    "taxOf": _("ภาษีปี"),
    "due": _("ภาษีที่ต้องชำระ"),
    "paid": _("ชำระแล้ว"),
    "baht": _("บาท"),
    "assessment": _("การประเมิน"),
    "noticePdf": _("หนังสือแจ้ง (PDF)"),
    "breakdown": _("รายการคำนวณ"),
    "amountsWithheld": _("ยอดภาษี รายการคำนวณ และการชำระของแต่ละแปลง แสดงเฉพาะผู้มีสิทธิ์ดูข้อมูลส่วนบุคคล"),
    "payments": _("การรับชำระ"),
    "receipt": _("ใบเสร็จ"),
    "printMap": _("พิมพ์แผนที่ A4 (PDF)"),
    "record": _("ทะเบียนแปลง"),
    "name": _("ชื่อ/ที่ตั้ง"),
    "condition": _("สภาพ"),
    "installed": _("ติดตั้งเมื่อ"),
    "age": _("อายุ (ปี)"),
    "material": _("วัสดุ"),
    "replacementCost": _("ราคาทดแทน"),
    "openOrders": _("ใบสั่งงานที่ยังไม่ปิด"),
    "dueOn": _("กำหนดเสร็จ"),
    "inspections": _("การตรวจสภาพล่าสุด"),
    "assetRecord": _("ทะเบียนทรัพย์สินและประวัติ"),
    "zone": _("เขต"),
    "block": _("เขตย่อย"),
    "expected": _("ยอดประเมิน"),
    "collected": _("จัดเก็บได้"),
    "rate": _("อัตราการจัดเก็บ"),
    "notFound": _("ไม่พบแปลงที่ค้นหา"),
}


def _page(request, template: str, m, **context):
    return render(
        request,
        template,
        {"map": render_map(m), "municipality": request.municipality, "labels": LABELS, **context},
    )


@capability_required(C.VIEW_TAXES)
def tax_map(request):
    year = _year(request)
    rasters, closed = module_open(request, "rasters"), hidden_for(request).layers
    return _page(
        request,
        "maps/tax_map.html",
        builders.tax_map(request.municipality, year=year, rasters=rasters, closed=closed),
        year=year,
        personal=can(request, C.VIEW_PERSONAL_DATA),
    )


@capability_required(C.VIEW_REGISTER)
def engineer_map(request):
    year = _year(request)
    hidden = hidden_for(request)
    rasters = module_open(request, "rasters")
    return _page(
        request,
        "maps/engineer_map.html",
        builders.engineer_map(request.municipality, year=year, rasters=rasters, closed=hidden.layers),
        year=year,
        kinds=[
            (kind, label) for kind, label in InfrastructureKind.choices if kind not in hidden.kinds_of("infrastructure")
        ],
    )


@capability_required(C.VIEW_DASHBOARD)
def revenue(request):
    year = _year(request)
    today = timezone.localdate()
    data = selectors.revenue_dashboard(tax_year=year, today=today)
    hidden = hidden_for(request)
    return _page(
        request,
        "maps/revenue.html",
        builders.revenue_map(request.municipality, year=year, closed=hidden.layers),
        missed_hidden=hidden.kinds_of("missed"),
        year=year,
        data=data,
        charts=charts.dashboard_charts(data),
        years=list(range(today.year + 1, today.year - 5, -1)),
        personal=can(request, C.VIEW_PERSONAL_DATA),
    )


def _shown(request, layer: str) -> frozenset[str]:
    """404 for what a layer the municipality hides would show (its settings, maps/access.py); else the
    layers it hides, which the page leaves out."""
    closed = hidden_for(request).layers
    if layer in closed:
        raise Http404(_("เทศบาลซ่อนชั้นข้อมูลนี้ไว้ จึงไม่แสดงบนแผนที่"))
    return closed


@require_GET
@capability_required(C.VIEW_REGISTER)
def parcel_panel(request, pk: int):
    closed = _shown(request, "parcels")
    parcel = get_object_or_404(Parcel, pk=pk)
    return JsonResponse(
        selectors.parcel_panel(
            parcel,
            tax_year=_year(request),
            taxes=_taxes(request),
            personal=can(request, C.VIEW_PERSONAL_DATA),
            closed=closed,
        )
    )


@require_GET
@capability_required(C.VIEW_REGISTER)
def asset_panel(request, pk: int):
    asset = get_object_or_404(InfrastructureAsset, pk=pk)
    if asset.kind in hidden_for(request).kinds_of("infrastructure"):
        raise Http404(_("เทศบาลซ่อนชั้นข้อมูล “%(kind)s” ไว้ จึงไม่แสดงบนแผนที่") % {"kind": asset.get_kind_display()})
    return JsonResponse(selectors.asset_panel(asset, today=timezone.localdate()))


@require_GET
@capability_required(C.VIEW_REGISTER)
def search(request):
    if "parcels" in hidden_for(request).layers:  # search finds parcels only
        return JsonResponse({"results": []})
    results = selectors.search(
        request.GET.get("q", ""), personal=can(request, C.VIEW_PERSONAL_DATA), today=timezone.localdate()
    )
    return JsonResponse({"results": results})


@capability_required(C.VIEW_REGISTER)
def print_parcel(request, pk: int):
    closed = _shown(request, "parcels")
    parcel = get_object_or_404(Parcel, pk=pk)
    printed = parcel_pdf(parcel, year=_year(request), taxes=_taxes(request), closed=closed)
    return _pdf(printed, f"map-{parcel.parcel_code}")


@capability_required(C.VIEW_REGISTER)
def print_block(request, pk: int):
    closed = _shown(request, "blocks")
    block = get_object_or_404(Block, pk=pk)
    printed = block_pdf(block, year=_year(request), taxes=_taxes(request), closed=closed)
    return _pdf(printed, f"map-block-{block.code}")


def _taxes(request) -> bool:
    """Whether the panel and printouts show taxes: the user may see them and the municipality keeps
    the taxes module open (municipalities/modules.py)."""
    return can(request, C.VIEW_TAXES) and module_open(request, "taxes")


def _pdf(data: bytes, name: str) -> HttpResponse:
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name.replace("/", "-")}.pdf"'
    return response
