"""The base of every municipal admin page: scoped by tenancy, gated by role, maps served offline."""

from django import forms
from django.contrib.admin.utils import unquote
from django.contrib.gis.admin import GISModelAdmin
from django.contrib.gis.db import models as gis_models
from django.contrib.gis.forms.widgets import OSMWidget
from django.core.exceptions import PermissionDenied
from django.http import Http404
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from assets.validators import MASKED_FIELDS, mask_national_id
from municipalities.concurrency import VersionCheckedForm, is_versioned
from municipalities.permissions import Capability, can

THAILAND_CENTRE = {"default_lon": 100.99, "default_lat": 13.75, "default_zoom": 6}


class OfflineMapWidget(OSMWidget):
    """GeoDjango's OpenLayers widget with OpenLayers served from our static files, not a CDN, started
    by a static script from JSON options (no inline script, for the Content-Security-Policy)."""

    template_name = "gis/offline-map.html"

    class Media:
        extend = False
        css = {"all": ("vendor/ol-7.2.2/ol.css", "gis/css/ol3.css")}
        js = ("vendor/ol-7.2.2/ol.js", "gis/js/OLMapWidget.js", "js/map-widget.js")

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        context["map_options_id"] = f"{context['id']}_map_options"
        context["map_options"] = {
            "geom_name": context["geom_type"],
            "id": context["id"],
            "map_id": f"{context['id']}_map",
            "map_srid": self.map_srid,
            "name": context["name"],
            **{key: context[key] for key in ("default_lon", "default_lat", "default_zoom")},
        }
        return context


def _pin_municipality(form_class, municipality):
    """Fix the form's municipality to the user's own: shown nowhere, taken from nowhere but the session."""
    field = form_class.base_fields.get("municipality")
    if field is not None and municipality is not None:
        field.disabled = True
        field.initial = municipality.pk
        field.widget = forms.HiddenInput()
    return form_class


class RoleGatedAdminMixin:
    """Admin permissions from the role's capabilities instead of Django's per-model permissions."""

    view_capability = Capability.VIEW_REGISTER
    edit_capability = Capability.EDIT_REGISTER

    def _may(self, request, capability):
        if request.municipality is None:
            return request.user.is_superuser  # platform level: set up municipalities
        return request.user.is_active and request.user.is_staff and can(request, capability)

    def has_module_permission(self, request):
        return self._may(request, self.view_capability) or self._may(request, self.edit_capability)

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request, *args):
        return self._may(request, self.edit_capability)

    def has_change_permission(self, request, obj=None):
        return self._may(request, self.edit_capability)

    def has_delete_permission(self, request, obj=None):
        return self._may(request, self.edit_capability)


class MunicipalInline(RoleGatedAdminMixin):
    extra = 0

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        _pin_municipality(formset.form, request.municipality)
        return formset


class MaskingHistoryHelper(HistoricalRecordContextHelper):
    """The admin's history page shows national IDs masked (PDPA: the full ID only on the record's page)."""

    def prepare_delta_change_value(self, change, value):
        if change.field in MASKED_FIELDS and value:
            return mask_national_id(str(value))
        return super().prepare_delta_change_value(change, value)


class MunicipalAdmin(RoleGatedAdminMixin, SimpleHistoryAdmin, GISModelAdmin):
    gis_widget = OfflineMapWidget
    history_capability = Capability.VIEW_HISTORY

    def get_form(self, request, obj=None, **kwargs):
        if is_versioned(self.model) and not issubclass(self.form, VersionCheckedForm):
            kwargs.setdefault("form", type("VersionChecked" + self.form.__name__, (VersionCheckedForm, self.form), {}))
        return _pin_municipality(super().get_form(request, obj, **kwargs), request.municipality)

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if is_versioned(self.model) and not any("seen_version" in options["fields"] for _, options in fieldsets):
            (name, options), *rest = fieldsets
            fieldsets = [(name, {**options, "fields": [*options["fields"], "seen_version"]}), *rest]
        return fieldsets

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if isinstance(db_field, gis_models.GeometryField):
            kwargs["widget"] = self.gis_widget(attrs=self._map_centre(request))
            return db_field.formfield(**kwargs)
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    @staticmethod
    def _map_centre(request):
        municipality = request.municipality
        if municipality is None:
            return dict(THAILAND_CENTRE)
        centre = municipality.boundary.point_on_surface
        return {"default_lon": centre.x, "default_lat": centre.y, "default_zoom": 14}

    def has_view_history_permission(self, request, obj=None):
        # The history shows every field of the record: it needs the right to view the record too.
        return self.has_view_permission(request, obj) and self._may(request, self.history_capability)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        """One past version of a record. django-simple-history reads it through the historical model's
        unscoped manager and would save a POSTed form (a revert): here the record must be visible in
        the scope, the version must be one of its own, and nothing is saved from this page."""
        if request.method != "GET":
            raise PermissionDenied
        obj = self.get_object(request, unquote(object_id))
        if obj is None or not self.model.history.filter(id=obj.pk, history_id=version_id).exists():
            raise Http404
        return super().history_form_view(request, object_id, version_id, extra_context)

    def get_historical_record_context_helper(self, request, historical_record):
        return MaskingHistoryHelper(self.model, historical_record)

    def has_change_history_permission(self, request, obj=None):
        return False  # reverting would bypass the services' checks; correct a record by editing it

    def has_view_history_or_change_history_permission(self, request, obj=None):
        return self.has_view_history_permission(request, obj)
