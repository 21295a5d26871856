from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from municipalities.admin_base import MunicipalAdmin
from municipalities.models import Block, Membership, Municipality, Zone
from municipalities.permissions import Capability


@admin.register(Municipality)
class MunicipalityAdmin(MunicipalAdmin):
    view_capability = Capability.VIEW_REGISTER
    edit_capability = Capability.MANAGE_MEMBERS
    list_display = ["name_th", "name_en", "kind", "code", "province_th", "area_srid"]
    search_fields = ["name_th", "name_en", "code"]

    def has_add_permission(self, request, *args):
        return request.user.is_superuser and request.municipality is None

    def has_delete_permission(self, request, obj=None):
        return False  # a municipality's records are kept; retire its members instead


@admin.register(Zone)
class ZoneAdmin(MunicipalAdmin):
    list_display = ["code", "name"]
    search_fields = ["code", "name"]


@admin.register(Block)
class BlockAdmin(MunicipalAdmin):
    list_display = ["code", "zone"]
    list_filter = ["zone"]
    search_fields = ["code"]
    list_select_related = ["zone"]


@admin.register(Membership)
class MembershipAdmin(MunicipalAdmin):
    view_capability = Capability.MANAGE_MEMBERS
    edit_capability = Capability.MANAGE_MEMBERS
    list_display = ["user", "role", "is_active", "created_at"]
    list_filter = ["role", "is_active"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    list_select_related = ["user"]
    filter_horizontal = ["zones"]
    autocomplete_fields = []
    readonly_fields = ["created_at"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user" and request.municipality is not None:
            # Offer this municipality's members and accounts not yet in any municipality: the names of
            # other municipalities' staff are theirs. (A platform superuser links a user to a second one.)
            users = db_field.related_model._default_manager
            kwargs["queryset"] = users.filter(
                Q(memberships__municipality=request.municipality) | Q(memberships__isnull=True)
            ).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name == "zones":
            kwargs["queryset"] = Zone.objects.all()  # the zones of the municipality in scope, read now
        return super().formfield_for_manytomany(db_field, request, **kwargs)


admin.site.site_header = _("เทศบาล — ระบบแผนที่ภาษีและทะเบียนทรัพย์สิน")
admin.site.site_title = _("Thesaban")
admin.site.index_title = _("ทะเบียนและการตั้งค่า")
