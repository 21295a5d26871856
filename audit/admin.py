from django.contrib import admin

from audit.models import AuthEvent, PersonalDataAccess
from municipalities.admin_base import RoleGatedAdminMixin
from municipalities.permissions import Capability


class AccessLogAdmin(RoleGatedAdminMixin, admin.ModelAdmin):
    """Read-only: the auditor and the municipal admin read the logs; nobody edits them."""

    view_capability = Capability.VIEW_AUDIT_LOG
    edit_capability = Capability.VIEW_AUDIT_LOG
    date_hierarchy = "at"
    search_fields = ["username", "ip_address", "path"]

    def get_readonly_fields(self, request, obj=None):
        return [f.name for f in self.model._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuthEvent)
class AuthEventAdmin(AccessLogAdmin):
    list_display = ["at", "kind", "username", "ip_address", "method", "path"]
    list_filter = ["kind"]


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(AccessLogAdmin):
    list_display = ["at", "action", "username", "content_type", "object_repr", "record_count", "detail"]
    list_filter = ["action", "content_type"]
    search_fields = [*AccessLogAdmin.search_fields, "object_repr", "detail"]
