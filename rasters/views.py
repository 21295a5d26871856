"""Raster pages: upload, the map with the raster's tiles, flood analyses and their exports."""

from decimal import Decimal

import folium
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import cache_control
from django.views.decorators.http import require_POST

from maps.offline import new_map
from maps.offline import render as render_map
from municipalities.permissions import Capability, can, capability_required
from municipalities.thai import be_year
from rasters import exports, selectors, services
from rasters.flood import affected_household_parcels
from rasters.forms import FloodAnalysisForm, RasterUploadForm
from rasters.models import FloodAnalysis, ImpactLayer, Raster, RasterKind, RasterStatus
from rasters.tiles import render_tile
from taxes.selectors import current_run, parcel_tax_status
from works.forms import apply_errors, say_errors

VIEW = Capability.VIEW_REGISTER
EDIT = Capability.EDIT_INFRASTRUCTURE
LAYER_STYLE = {
    ImpactLayer.PARCEL: {"color": "#b3261e", "weight": 1, "fillOpacity": 0.15},
    ImpactLayer.BUILDING: {"color": "#6b2f8a", "weight": 1, "fillOpacity": 0.45},
    ImpactLayer.ASSET: {"color": "#e0a100", "weight": 3, "fillOpacity": 0.8},
}


def _raster_layer(raster: Raster, m):
    folium.TileLayer(
        reverse("rasters:tile", args=[raster.pk, 0, 0, 0]).replace("/0/0/0.png", "/{z}/{x}/{y}.png"),
        attr=raster.name,
        name=raster.name,
        overlay=True,
        opacity=0.75,
        max_zoom=22,
        max_native_zoom=20,
    ).add_to(m)


def _bounds(raster: Raster, municipality):
    box = raster.footprint.intersection(municipality.boundary)
    return (box if not box.empty else raster.footprint).extent


def _tax_year(request) -> tuple[int | None, list[int]]:
    """The tax year to show with a flood analysis (`?tax_year=`, else the current year's run) and the
    years to choose from; no year for a reader without VIEW_TAXES, who sees no tax at all."""
    if not can(request, Capability.VIEW_TAXES):
        return None, []
    years = selectors.tax_years()
    try:
        asked = int(request.GET.get("tax_year", ""))
    except ValueError:
        asked = None
    return (asked if asked in years else selectors.default_tax_year(years)), years


@capability_required(VIEW)
def raster_list(request):
    return render(
        request,
        "rasters/list.html",
        {
            "rasters": Raster.objects.select_related("uploaded_by", "task"),
            "analyses": FloodAnalysis.objects.select_related("raster", "task")[:20],
            "form": RasterUploadForm(),
            "can_edit": can(request, EDIT),
        },
    )


@capability_required(EDIT)
def raster_upload(request):
    form = RasterUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            raster = services.raster_upload(
                municipality=request.municipality,
                acting_user=request.user,
                upload=form.cleaned_data["file"],
                name=form.cleaned_data["name"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("รับไฟล์ %(name)s แล้ว กำลังแปลงเป็น COG") % {"name": raster.name})
            return redirect("rasters:detail", pk=raster.pk)
    return render(request, "rasters/upload.html", {"form": form}, status=400 if form.errors else 200)


@capability_required(VIEW)
def raster_detail(request, pk: int):
    raster = get_object_or_404(Raster.objects.select_related("task"), pk=pk)
    threshold = Decimal("0.50") if raster.kind == RasterKind.FLOOD_EXTENT else Decimal("0.30")
    form = FloodAnalysisForm(initial={"threshold_m": threshold})
    context = {"raster": raster, "can_edit": can(request, EDIT), "form": form}
    if raster.status == RasterStatus.READY:
        m = new_map(bounds=_bounds(raster, request.municipality))
        _raster_layer(raster, m)
        folium.LayerControl(collapsed=False).add_to(m)
        context["map"] = render_map(m)
    context["analyses"] = raster.analyses.select_related("task")
    return render(request, "rasters/detail.html", context)


@capability_required(VIEW)
@cache_control(private=True, max_age=3600)
def tile(request, pk: int, z: int, x: int, y: int):
    raster = get_object_or_404(Raster, pk=pk, status=RasterStatus.READY)
    if not 0 <= z <= 24 or not (0 <= x < 2**z and 0 <= y < 2**z):
        raise Http404
    content = render_tile(raster, z, x, y)
    if content is None:
        return HttpResponse(status=204)
    return HttpResponse(content, content_type="image/png")


@capability_required(EDIT)
@require_POST
def flood_start(request, pk: int):
    raster = get_object_or_404(Raster, pk=pk)
    form = FloodAnalysisForm(request.POST)
    if form.is_valid():
        try:
            analysis = services.flood_analysis_start(
                raster=raster, threshold_m=form.cleaned_data["threshold_m"], acting_user=request.user
            )
        except ValidationError as error:
            say_errors(request, [error.messages])
        else:
            return redirect("rasters:flood", pk=analysis.pk)
    else:
        say_errors(request, form.errors.values())
    return redirect("rasters:detail", pk=pk)


@capability_required(VIEW)
def flood_detail(request, pk: int):
    analysis = get_object_or_404(FloodAnalysis.objects.select_related("raster", "task"), pk=pk)
    tax_year, tax_years = _tax_year(request)
    context = {"analysis": analysis, "raster": analysis.raster, "tax_year": tax_year}
    if analysis.is_done:
        m = new_map(bounds=_bounds(analysis.raster, request.municipality))
        _raster_layer(analysis.raster, m)
        for layer in ImpactLayer:
            data = selectors.impacts_geojson(analysis, layer.value, tax_year=tax_year)
            if not data["features"]:
                continue
            style = LAYER_STYLE[layer]
            fields = ["code", "kind", "share_pct", "mean_depth_m", "max_depth_m"]
            aliases = [_("รหัส"), _("ประเภท"), _("ท่วม"), _("ลึกเฉลี่ย (ม.)"), _("ลึกสูงสุด (ม.)")]
            if tax_year is not None and layer == ImpactLayer.PARCEL:
                fields.append("tax")
                aliases.append(_("ภาษีที่ดินฯ ปี %(year)s") % {"year": be_year(tax_year)})
            folium.GeoJson(
                data,
                name=f"{layer.label} ({len(data['features'])})",
                style_function=lambda _f, style=style: style,
                marker=folium.CircleMarker(radius=6, fill=True),
                tooltip=folium.GeoJsonTooltip(fields=fields, aliases=aliases),
            ).add_to(m)
        folium.LayerControl(collapsed=True).add_to(m)
        summary = analysis.summary
        homes = set(affected_household_parcels(analysis))
        page = Paginator(selectors.impacts(analysis, ImpactLayer.PARCEL), 50).get_page(request.GET.get("page"))
        taxes = None
        if tax_year is not None:
            taxes = parcel_tax_status(tax_year=tax_year, parcel_ids=[i.parcel_id for i in page])
            context.update(
                tax_years=tax_years,
                tax_run=current_run(tax_year),
                relief_note=selectors.TAX_RELIEF_NOTE,
                tax_totals=selectors.tax_totals(analysis, tax_year, sorted(homes)),
            )
        context.update(
            map=render_map(m),
            layers=[
                (layer.label, summary["flooded"][layer.value], summary["analysed"][layer.value])
                for layer in ImpactLayer
            ],
            by_kind=[
                (selectors.asset_value_label(r["kind"]), r["count"], Decimal(r["replacement_value"]))
                for r in summary["assets_by_kind"]
            ],
            value_at_risk=Decimal(summary["replacement_value_at_risk"]),
            households=summary["households"],
            map_limit=selectors.MAP_LIMIT,
            page=page,
            parcels=[
                selectors.describe(impact, taxes)
                | {"home": impact.parcel_id in homes, "share_pct": f"{impact.flooded_share:.0%}"}
                for impact in page
            ],
        )
    return render(request, "rasters/flood.html", context)


def _finished(pk: int) -> FloodAnalysis:
    return get_object_or_404(FloodAnalysis.objects.select_related("raster"), pk=pk, finished_at__isnull=False)


@capability_required(VIEW)
def flood_xlsx(request, pk: int):
    analysis = _finished(pk)
    response = HttpResponse(content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="flood-impact-{analysis.pk}.xlsx"'
    exports.workbook(analysis, tax_year=_tax_year(request)[0]).save(response)
    return response


@capability_required(VIEW)
def flood_gpkg(request, pk: int):
    analysis = _finished(pk)
    content = exports.geopackage(analysis, tax_year=_tax_year(request)[0])
    response = HttpResponse(content, content_type="application/geopackage+sqlite3")
    response["Content-Disposition"] = f'attachment; filename="flood-impact-{analysis.pk}.gpkg"'
    return response
