import folium
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from dataio import services
from dataio.forms import ExportForm, ImportUploadForm, MappingForm
from dataio.layers import LAYERS, layer_for
from dataio.models import ImportSession
from dataio.report import PROBLEM_KINDS
from dataio.values import load_mapping
from maps.offline import new_map
from maps.offline import render as render_map
from municipalities.permissions import Capability, can, capability_required

# Importing writes the register; infrastructure belongs to the engineers (as in the admin and the API).
IMPORT_CAPABILITY = {"infrastructure": Capability.EDIT_INFRASTRUCTURE}


def _importable(request) -> list[str]:
    """The layers this member may import (the pages themselves need EDIT_REGISTER)."""
    return [key for key in LAYERS if can(request, IMPORT_CAPABILITY.get(key, Capability.EDIT_REGISTER))]


def _session(request, pk: int, queryset=ImportSession.objects) -> ImportSession:
    session = get_object_or_404(queryset, pk=pk)
    if session.layer not in _importable(request):
        raise PermissionDenied
    return session


def _options(data: dict, *, layer: str, mapping: dict) -> services.ImportOptions:
    return services.ImportOptions(
        layer=layer,
        encoding=data.get("encoding") or None,
        srid=data.get("srid"),
        thai_datum_shift=bool(data.get("thai_datum_shift")),
        repair=bool(data.get("repair")),
        new_only=bool(data.get("new_only")),
        mapping=mapping,
    )


@capability_required(Capability.EDIT_REGISTER)
def import_start(request):
    """Upload a file; it is read and checked at once, and nothing enters the register yet."""
    form = ImportUploadForm(request.POST or None, request.FILES or None, layers=_importable(request))
    if request.method == "POST" and form.is_valid():
        try:
            mapping = {}
            if form.cleaned_data["mapping"]:
                mapping = load_mapping(form.cleaned_data["mapping"].read().decode("utf-8", "replace"))
            session = services.import_session_create(
                municipality=request.municipality,
                acting_user=request.user,
                upload=form.cleaned_data["file"],
                options=_options(form.cleaned_data, layer=form.cleaned_data["layer"], mapping=mapping),
            )
        except ValidationError as error:
            for text in error.messages:
                form.add_error(None, text)
        else:
            return redirect("dataio:import-detail", pk=session.pk)
    recent = ImportSession.objects.select_related("created_by")[:10]
    return render(request, "dataio/import_start.html", {"form": form, "recent": recent})


@capability_required(Capability.EDIT_REGISTER)
def import_detail(request, pk: int, mapping_form=None):
    session = _session(request, pk, ImportSession.objects.select_related("task"))
    report = session.report
    if mapping_form is None:
        mapping_form = _mapping_form(
            session,
            initial={k: session.options.get(k) for k in ("encoding", "srid", "thai_datum_shift", "repair", "new_only")},
        )
    kinds = [
        {"kind": kind, "label": PROBLEM_KINDS[kind][0], "severity": PROBLEM_KINDS[kind][1], "count": count}
        for kind, count in report.get("by_kind", {}).items()
    ]
    return render(
        request,
        "dataio/import_detail.html",
        {
            "session": session,
            "report": report,
            "kinds": kinds,
            "layer": LAYERS[session.layer],
            "map": _preview_map(session),
            "mapping_form": mapping_form,
        },
    )


def _mapping_form(session: ImportSession, **kwargs) -> MappingForm:
    """Selects of the file's columns (matched or not) for each mapping target, set as last checked."""
    columns = session.report.get("columns", {})
    return MappingForm(
        layer=layer_for(session.municipality_id, session.layer),
        source_columns=sorted(set(columns.values()) | set(session.report.get("unmatched", []))),
        current=columns,
        **kwargs,
    )


def _preview_map(session: ImportSession):
    preview = session.preview or {}
    bounds = preview.get("bounds") or session.municipality.boundary.extent
    m = new_map(bounds=bounds)
    folium.GeoJson(
        session.municipality.boundary.geojson,
        name=_("เขตเทศบาล"),
        style_function=lambda _f: {"color": "#1f5f8b", "weight": 2, "fill": False, "dashArray": "6 4"},
    ).add_to(m)
    features = preview.get("features") or []
    if features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": features},
            name=_("แถวในไฟล์ (ตัวอย่าง)"),
            style_function=lambda f: {
                "color": "#b3261e" if f["properties"]["problem"] else "#1e7b34",
                "weight": 1,
                "fillOpacity": 0.35,
                "radius": 4,
            },
            marker=folium.CircleMarker(radius=4),
            tooltip=folium.GeoJsonTooltip(fields=["row", "code"], aliases=[_("แถว"), _("รหัส")]),
        ).add_to(m)
    folium.LayerControl().add_to(m)
    return render_map(m)


@require_POST
@capability_required(Capability.EDIT_REGISTER)
def import_recheck(request, pk: int):
    session = _session(request, pk)
    form = _mapping_form(session, data=request.POST)
    if form.is_valid():
        options = _options(form.cleaned_data, layer=session.layer, mapping=form.mapping())
        try:
            services.import_session_recheck(
                session=session,
                acting_user=request.user,
                **{k: v for k, v in options.as_json().items() if k != "layer"},
            )
        except ValidationError as error:  # the page again, with why and the officer's choices kept
            for text in error.messages:
                messages.error(request, text)
        else:
            messages.success(request, _("ตรวจไฟล์ใหม่ตามตัวเลือกแล้ว"))
            return redirect("dataio:import-detail", pk=session.pk)
    return import_detail(request, pk, mapping_form=form)


@require_POST
@capability_required(Capability.EDIT_REGISTER)
def import_commit(request, pk: int):
    session = _session(request, pk)
    try:
        services.import_session_commit_start(session=session, acting_user=request.user)
    except ValidationError as error:
        for text in error.messages:
            messages.error(request, text)
    return redirect("dataio:import-detail", pk=session.pk)


@capability_required(Capability.VIEW_REGISTER)
def export(request):
    """Download a layer; personal data only for roles that may see it, and only when asked for."""
    allow = services.may_see_personal_data(request.user, request.municipality)
    form = ExportForm(request.GET or None, allow_personal_data=allow)
    if request.GET and form.is_valid():
        data = form.cleaned_data
        arguments = {
            "municipality": request.municipality,
            "acting_user": request.user,
            "layer": data.get("layer") or "parcels",
            "fmt": data["fmt"],
            "encoding": data.get("encoding") or "utf-8",
        }
        try:
            if data.get("personal_data"):
                exported = services.export_with_personal_data(**arguments, request=request)
            else:
                exported = services.export_layer(**arguments)
        except ValidationError as error:
            for text in error.messages:
                form.add_error(None, text)
        else:
            response = HttpResponse(exported.content, content_type=exported.content_type)
            response["Content-Disposition"] = f'attachment; filename="{exported.filename}"'
            return response
    return render(request, "dataio/export.html", {"form": form, "allow_personal_data": allow})
