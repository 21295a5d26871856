from django.contrib import admin
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils.translation import gettext_lazy as _

from assets.models import (
    Building,
    BuildingUse,
    InfrastructureAsset,
    LandUse,
    Owner,
    Ownership,
    Parcel,
    ParcelLineage,
    Signboard,
    SignboardPhoto,
)
from assets.services import check_parts_total
from audit.choices import PersonalDataAction
from audit.services import record_personal_data_access
from catalogue.customfields import CustomFieldsAdminMixin
from municipalities.admin_base import MunicipalAdmin, MunicipalInline
from municipalities.permissions import Capability, can
from municipalities.thai import format_rai_ngan_wa


class PartsMustSumFormSet(BaseInlineFormSet):
    """Inline rows whose areas must add up to a total of the parent (land uses, building uses)."""

    total_field = ""
    part_field = ""
    what = ""

    def clean(self):
        super().clean()
        parts = [
            form.cleaned_data[self.part_field]
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get(self.part_field)
        ]
        total = getattr(self.instance, self.total_field)
        if total is None:
            return
        try:
            check_parts_total(total, parts, field=self.part_field, what=self.what)
        except ValidationError as error:
            raise ValidationError(error.message_dict[self.part_field]) from None


class LandUseFormSet(PartsMustSumFormSet):
    total_field = "area_sq_wah"
    part_field = "area_sq_wah"
    what = _("การใช้ประโยชน์ที่ดิน")


class BuildingUseFormSet(PartsMustSumFormSet):
    total_field = "floor_area_m2"
    part_field = "floor_area_m2"
    what = _("การใช้ประโยชน์สิ่งปลูกสร้าง")


class LandUseInline(MunicipalInline, admin.TabularInline):
    model = LandUse
    formset = LandUseFormSet
    fields = ["municipality", "use", "area_sq_wah", "vacant_since"]


class OwnershipInline(MunicipalInline, admin.TabularInline):
    model = Ownership
    fk_name = "parcel"
    fields = ["municipality", "owner", "share", "in_house_registration"]
    raw_id_fields = ["owner"]
    view_capability = Capability.VIEW_PERSONAL_DATA


class BuildingOwnershipInline(OwnershipInline):
    fk_name = "building"


class BuildingInline(MunicipalInline, admin.TabularInline):
    model = Building
    fields = ["building_code", "building_type", "structure", "floors", "floor_area_m2", "year_built"]
    readonly_fields = fields
    show_change_link = True
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


class PersonalDataInlinesMixin:
    """Inlines showing owners appear only to roles allowed to see personal data (PDPA)."""

    def get_inlines(self, request, obj):
        inlines = super().get_inlines(request, obj)
        if can(request, Capability.VIEW_PERSONAL_DATA):
            return inlines
        return [inline for inline in inlines if not issubclass(inline, OwnershipInline)]


@admin.register(Parcel)
class ParcelAdmin(CustomFieldsAdminMixin, PersonalDataInlinesMixin, MunicipalAdmin):
    custom_layer = "parcels"
    list_display = ["parcel_code", "deed_type", "deed_number", "area_rai_ngan_wa", "price_per_sq_wah", "retired_on"]
    list_filter = ["deed_type", "block__zone", "retired_on"]
    search_fields = ["parcel_code", "deed_number", "land_number"]
    list_select_related = ["block"]
    autocomplete_fields = ["block"]
    inlines = [LandUseInline, OwnershipInline, BuildingInline]
    fieldsets = [
        (None, {"fields": ["municipality", "parcel_code", "block", "geom"]}),
        (
            _("เอกสารสิทธิ์"),
            {"fields": ["deed_type", "deed_number", "land_number", "survey_page", "map_sheet", "map_scale"]},
        ),
        (_("เนื้อที่และราคาประเมิน"), {"fields": ["area_sq_wah", "price_per_sq_wah", "retired_on"]}),
    ]

    @admin.display(description=_("เนื้อที่ (ไร่-งาน-ตร.วา)"), ordering="area_sq_wah")
    def area_rai_ngan_wa(self, obj):
        return format_rai_ngan_wa(obj.area_sq_wah)


@admin.register(ParcelLineage)
class ParcelLineageAdmin(MunicipalAdmin):
    list_display = ["parent", "child", "kind", "recorded_on"]
    list_filter = ["kind"]
    list_select_related = ["parent", "child"]
    search_fields = ["parent__parcel_code", "child__parcel_code"]

    def has_add_permission(self, request, *args):
        return False  # lineage is written by the split and merge services

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class BuildingUseInline(MunicipalInline, admin.TabularInline):
    model = BuildingUse
    formset = BuildingUseFormSet
    fields = ["municipality", "use", "floor_area_m2"]


@admin.register(Building)
class BuildingAdmin(CustomFieldsAdminMixin, PersonalDataInlinesMixin, MunicipalAdmin):
    custom_layer = "buildings"
    list_display = ["building_code", "parcel", "building_type", "structure", "floors", "floor_area_m2", "year_built"]
    list_filter = ["building_type", "structure"]
    search_fields = ["building_code", "parcel__parcel_code", "house_number"]
    list_select_related = ["parcel"]
    autocomplete_fields = ["parcel"]
    inlines = [BuildingUseInline, BuildingOwnershipInline]


@admin.register(Owner)
class OwnerAdmin(MunicipalAdmin):
    view_capability = Capability.VIEW_PERSONAL_DATA
    list_display = ["full_name", "kind", "masked_id"]
    list_filter = ["kind"]
    search_fields = ["first_name", "last_name", "national_id"]

    @admin.display(description=_("เลขประจำตัว"))
    def masked_id(self, obj):
        return obj.masked_id

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The owner's page shows the full national ID: each opening is logged (PDPA)."""
        response = super().change_view(request, object_id, form_url, extra_context)
        owner = self.get_object(request, object_id) if request.method == "GET" else None
        if owner is not None and response.status_code == 200:
            record_personal_data_access(
                user=request.user, action=PersonalDataAction.VIEW_NATIONAL_ID, obj=owner, request=request
            )
        return response


class SignboardPhotoInline(MunicipalInline, admin.TabularInline):
    model = SignboardPhoto
    fields = ["municipality", "image", "taken_on", "caption"]


@admin.register(Signboard)
class SignboardAdmin(CustomFieldsAdminMixin, MunicipalAdmin):
    custom_layer = "signboards"
    list_display = [
        "signboard_code",
        "business_name",
        "sign_type",
        "width_cm",
        "height_cm",
        "moving",
        "installed_on",
        "removed_on",
    ]
    list_filter = ["sign_type", "moving"]
    search_fields = ["signboard_code", "business_name", "text"]
    autocomplete_fields = ["parcel", "owner"]
    inlines = [SignboardPhotoInline]

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not can(request, Capability.VIEW_PERSONAL_DATA):
            exclude.append("owner")
        return exclude


@admin.register(InfrastructureAsset)
class InfrastructureAssetAdmin(CustomFieldsAdminMixin, MunicipalAdmin):
    custom_layer = "infrastructure"
    edit_capability = Capability.EDIT_INFRASTRUCTURE
    list_display = ["asset_code", "kind", "name", "condition", "installed_on", "replacement_cost"]
    list_filter = ["kind", "condition"]
    search_fields = ["asset_code", "name"]
