from django.contrib import admin

from jobs.models import BackgroundTask
from municipalities.admin_base import RoleGatedAdminMixin
from municipalities.permissions import Capability


@admin.register(BackgroundTask)
class BackgroundTaskAdmin(RoleGatedAdminMixin, admin.ModelAdmin):
    view_capability = Capability.VIEW_REGISTER
    edit_capability = Capability.MANAGE_MEMBERS
    list_display = ["title", "kind", "status", "done", "total", "created_by", "created_at", "finished_at"]
    list_filter = ["kind", "status"]
    readonly_fields = [f.name for f in BackgroundTask._meta.fields]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False
