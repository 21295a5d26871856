"""The municipality's own catalogue pages: its datasets, uploads, custom fields, settings and records.

Reads need VIEW_REGISTER; the catalogue's metadata, custom fields and settings are the municipal
admin's (MANAGE_MEMBERS); every query is scoped to the user's municipality (another one's is 404).
"""

import tempfile
from pathlib import Path

import folium
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from catalogue import customfields, selectors, services
from catalogue.choices import Classification
from catalogue.forms import CustomFieldForm, DatasetForm, ProfileForm, UploadForm
from catalogue.models import CustomField, Dataset
from dataio.exporter import CONTENT_TYPES, SUFFIXES
from dataio.layers import LAYERS
from maps.offline import new_map
from maps.offline import render as render_map
from municipalities.permissions import Capability, can, capability_required

VIEW = Capability.VIEW_REGISTER
ADMIN = Capability.MANAGE_MEMBERS
PREVIEW_FEATURES = 500  # the map preview shows a bounded sample, never a whole layer
DOWNLOAD_FORMATS = ("geojson", "gpkg", "csv")
RECORD_EDIT = {"infrastructure": Capability.EDIT_INFRASTRUCTURE}


def preview_map(dataset: Dataset, *, internal: bool):
    """A folium map of a sample of the dataset (GeoJSON inline, bounded), fitted to the municipality."""
    sample, matched = selectors.features(dataset, internal=internal, limit=PREVIEW_FEATURES)
    m = new_map(bounds=selectors.extent_of(dataset) or dataset.municipality.boundary.extent)
    shown = [f for f in sample if f["geometry"]]
    if shown:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": shown},
            name=dataset.title,
            marker=folium.CircleMarker(radius=4, weight=1, fill=True, fill_opacity=0.8),
            style_function=lambda f: {"color": "#1f5f8b", "weight": 1, "fillOpacity": 0.25},
        ).add_to(m)
    return render_map(m), len(shown), matched


def download_response(dataset: Dataset, fmt: str, *, internal: bool) -> HttpResponse:
    """A dataset as GeoJSON, GeoPackage or CSV, written by dataio's exporters."""
    from dataio.exporter import write_frame

    if fmt not in DOWNLOAD_FORMATS:
        raise Http404
    content = write_frame(selectors.frame(dataset, internal=internal), fmt=fmt, name=dataset.key)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="{dataset.identifier}.{SUFFIXES[fmt]}"'
    return response


def _dataset(request, key: str) -> Dataset:
    dataset = get_object_or_404(Dataset.objects.select_related("municipality"), key=key)
    hidden = selectors.is_hidden(dataset, selectors.profile_of(request.municipality)) and not can(request, ADMIN)
    if hidden or dataset.source in selectors.unreadable_sources(request.membership.role):
        raise Http404
    return dataset


@capability_required(VIEW)
def index(request):
    unreadable = selectors.unreadable_sources(request.membership.role)
    datasets = [
        d
        for d in services.catalogue_current(request.municipality, include_hidden=can(request, ADMIN))
        if d.source not in unreadable
    ]
    return render(
        request,
        "catalogue/index.html",
        {"datasets": datasets, "is_admin": can(request, ADMIN), "can_upload": can(request, Capability.EDIT_REGISTER)},
    )


@capability_required(VIEW)
def dataset_detail(request, key: str):
    dataset = _dataset(request, key)
    services.dataset_refresh([dataset])
    form = DatasetForm(instance=dataset) if can(request, ADMIN) else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        form = DatasetForm(request.POST, instance=Dataset.objects.get(pk=dataset.pk))
        if form.is_valid():
            try:
                services.dataset_update(dataset=form.instance, acting_user=request.user, **form.cleaned_data)
            except ValidationError as error:
                _apply(form, error)
            else:
                messages.success(request, _("บันทึกรายละเอียดชุดข้อมูลแล้ว"))
                return redirect("catalogue:dataset", key=key)
    personal = dataset.classification == Classification.PERSONAL
    preview = None if personal else preview_map(dataset, internal=True)
    return render(
        request,
        "catalogue/dataset.html",
        {
            "dataset": dataset,
            "form": form,
            "map": preview[0] if preview else None,
            "shown": preview[1] if preview else 0,
            "formats": () if personal else DOWNLOAD_FORMATS,
            "can_delete": dataset.is_upload and can(request, Capability.EDIT_REGISTER),
        },
    )


def _apply(form, error: ValidationError) -> None:
    for field, messages_ in getattr(error, "message_dict", {None: error.messages}).items():
        for message in messages_:
            form.add_error(field if field in form.fields else None, message)


@capability_required(VIEW)
def dataset_download(request, key: str, fmt: str):
    dataset = _dataset(request, key)
    if dataset.classification == Classification.PERSONAL:
        raise PermissionDenied  # owners leave only through dataio's personal export, with its checks
    return download_response(dataset, fmt, internal=True)


@capability_required(Capability.EDIT_REGISTER)
@require_POST
def dataset_delete(request, key: str):
    dataset = _dataset(request, key)
    try:
        services.dataset_delete(dataset=dataset, acting_user=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("catalogue:dataset", key=key)
    messages.success(request, _("ลบชุดข้อมูล %(title)s แล้ว") % {"title": dataset.title})
    return redirect("catalogue:index")


@capability_required(Capability.EDIT_REGISTER)
def upload(request):
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        upload = data.pop("file")
        try:
            with tempfile.TemporaryDirectory(prefix="thesaban-catalogue-") as folder:
                path = Path(folder) / Path(upload.name).name
                with path.open("wb") as sink:
                    for chunk in upload.chunks():
                        sink.write(chunk)
                dataset = services.dataset_upload(
                    municipality=request.municipality, acting_user=request.user, path=path, **data
                )
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(
                request,
                _("นำเข้าชุดข้อมูล %(title)s %(n)s ระเบียนแล้ว") % {"title": dataset.title, "n": f"{dataset.record_count:,}"},
            )
            return redirect("catalogue:dataset", key=dataset.key)
    return render(request, "catalogue/upload.html", {"form": form})


# Custom fields -----------------------------------------------------------------------------------


@capability_required(ADMIN)
def fields(request):
    form = CustomFieldForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            field = services.custom_field_create(
                municipality=request.municipality, acting_user=request.user, **form.cleaned_data
            )
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, _("เพิ่มฟิลด์ %(label)s แล้ว") % {"label": field.label})
            return redirect("catalogue:fields")
    return render(
        request,
        "catalogue/fields.html",
        {"form": form, "fields": CustomField.objects.order_by("layer", "order", "key")},
    )


@capability_required(ADMIN)
def field_edit(request, pk: int):
    field = get_object_or_404(CustomField, pk=pk)
    form = CustomFieldForm(request.POST or None, instance=CustomField.objects.get(pk=pk))
    if request.method == "POST" and form.is_valid():
        changes = {k: v for k, v in form.cleaned_data.items() if k not in ("layer", "key", "field_type")}
        try:
            services.custom_field_update(field=field, acting_user=request.user, **changes)
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, _("บันทึกฟิลด์ %(label)s แล้ว") % {"label": field.label})
            return redirect("catalogue:fields")
    return render(request, "catalogue/field_edit.html", {"form": form, "field": field})


@capability_required(ADMIN)
@require_POST
def field_delete(request, pk: int):
    field = get_object_or_404(CustomField, pk=pk)
    cleared = services.custom_field_delete(field=field, acting_user=request.user)
    messages.success(
        request, _("ลบฟิลด์ %(label)s และค่าใน %(n)s ระเบียนแล้ว") % {"label": field.label, "n": f"{cleared:,}"}
    )
    return redirect("catalogue:fields")


# The municipality's settings ---------------------------------------------------------------------


@capability_required(ADMIN)
def settings_page(request):
    profile = selectors.profile_of(request.municipality)
    datasets = services.catalogue_current(request.municipality)
    form = ProfileForm(request.POST or None, request.FILES or None, instance=profile, datasets=datasets)
    if request.method == "POST" and form.is_valid():
        try:
            services.profile_update(municipality=request.municipality, acting_user=request.user, **form.cleaned_data)
        except ValidationError as error:
            _apply(form, error)
        else:
            messages.success(request, _("บันทึกการตั้งค่าของเทศบาลแล้ว"))
            return redirect("catalogue:settings")
    return render(request, "catalogue/settings.html", {"form": form, "profile": profile})


# Records -----------------------------------------------------------------------------------------


class CustomValuesForm(forms.Form):
    def __init__(self, *args, fields=(), values=None, **kwargs):
        super().__init__(*args, **kwargs)
        customfields.add_form_fields(self, fields, values or {})


@capability_required(VIEW)
def record(request, layer: str, pk: int):
    """A register record with the municipality's own fields (readable by anyone who sees the register,
    editable by who may edit the layer); the map developer's side panel shows the same values."""
    if layer not in LAYERS:
        raise Http404
    found = get_object_or_404(LAYERS[layer].model, pk=pk)
    personal = can(request, Capability.VIEW_PERSONAL_DATA)
    fields = [f for f in customfields.fields_for(found.municipality_id, layer) if personal or not f.personal]
    may_edit = can(request, RECORD_EDIT.get(layer, Capability.EDIT_REGISTER))
    form = CustomValuesForm(request.POST or None, fields=fields, values=found.custom) if may_edit else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            values, errors = customfields.values_from_form(form, fields)
            for name, texts in errors.items():
                for text in texts:
                    form.add_error(name, text)
            if not errors:
                try:
                    shown = {f.key: values.get(f.key) for f in fields}  # a cleared field is removed
                    services.record_custom_set(record=found, acting_user=request.user, values=shown, partial=True)
                except ValidationError as error:
                    for text in error.messages:
                        form.add_error(None, text)
                else:
                    messages.success(request, _("บันทึกข้อมูลเพิ่มเติมของ %(record)s แล้ว") % {"record": found})
                    return redirect("catalogue:record", layer=layer, pk=pk)
    geometry = getattr(found, LAYERS[layer].geometry)
    m = new_map(bounds=geometry.extent)
    folium.GeoJson(geometry.geojson, name=str(found), marker=folium.CircleMarker(radius=6, fill=True)).add_to(m)
    return render(
        request,
        "catalogue/record.html",
        {
            "record": found,
            "layer": LAYERS[layer],
            "values": customfields.record_values(found, layer, personal=personal),
            "form": form,
            "map": render_map(m),
        },
    )


# The national view ---------------------------------------------------------------------------------

RATE_COLOURS = [(0.9, "#1e7b34"), (0.75, "#7cb342"), (0.5, "#e0a100"), (0.0, "#b3261e")]


def _rate_colour(rate) -> str:
    if rate is None:
        return "#cfd8dc"
    return next(colour for floor, colour in RATE_COLOURS if rate >= floor)


@capability_required(Capability.VIEW_DASHBOARD)
def national(request):
    """Thailand by province and by municipality: collection rates and infrastructure condition, from the
    last `manage.py national_rollup` (anonymised packages only)."""
    import json

    from django.conf import settings

    folder = Path(settings.NATIONAL_ROLLUP_DIR) / "latest"
    if not (folder / "summary.json").exists():
        return render(request, "catalogue/national.html", {"summary": None})
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    provinces = json.loads((folder / "provinces.geojson").read_text(encoding="utf-8"))
    municipalities = json.loads((folder / "municipalities.geojson").read_text(encoding="utf-8"))
    m = new_map(bounds=(97.3, 5.6, 105.7, 20.5))
    folium.GeoJson(
        provinces,
        name=_("จังหวัด: อัตราการจัดเก็บ"),
        style_function=lambda f: {
            "fillColor": _rate_colour(f["properties"].get("collection_rate")),
            "color": "#555",
            "weight": 0.6,
            "fillOpacity": 0.55,
        },
        tooltip=folium.GeoJsonTooltip(
            fields=["ADM1_TH", "municipalities", "collection_rate", "mean_condition"],
            aliases=[_("จังหวัด"), _("เทศบาล"), _("อัตราการจัดเก็บ"), _("สภาพโครงสร้างพื้นฐานเฉลี่ย")],
        ),
    ).add_to(m)
    folium.GeoJson(
        municipalities,
        name=_("เทศบาล"),
        marker=folium.CircleMarker(radius=4, weight=1, fill=True, fill_opacity=0.9),
        style_function=lambda f: {"fillColor": _rate_colour(f["properties"].get("collection_rate")), "color": "#333"},
        tooltip=folium.GeoJsonTooltip(
            fields=["name_th", "collection_rate", "mean_condition", "poor_condition_share"],
            aliases=[_("เทศบาล"), _("อัตราการจัดเก็บ"), _("สภาพเฉลี่ย (1–5)"), _("สัดส่วนสภาพทรุดโทรม")],
        ),
    ).add_to(m)
    folium.LayerControl(collapsed=False).add_to(m)
    rows = sorted(
        (f["properties"] for f in provinces["features"] if f["properties"].get("municipalities")),
        key=lambda p: p["ADM1_TH"],
    )
    return render(request, "catalogue/national.html", {"summary": summary, "map": render_map(m), "provinces": rows})
