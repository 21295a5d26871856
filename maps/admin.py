from django.contrib import admin

from maps.models import RevenueEstimate
from municipalities.admin_base import MunicipalAdmin
from municipalities.permissions import Capability


@admin.register(RevenueEstimate)
class RevenueEstimateAdmin(MunicipalAdmin):
    view_capability = Capability.VIEW_DASHBOARD
    edit_capability = Capability.MANAGE_MEMBERS
    list_display = ["tax_year", "kind", "amount", "reference"]
    list_filter = ["tax_year", "kind"]
