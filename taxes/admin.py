"""The tax records in the admin: for looking, not for changing.

Assessments, notices and payments change only through taxes/services.py (a run, issuing notices,
recording a payment, a correction), which apply the rules and keep the audit trail; the admin
therefore shows them read-only. An issued assessment could not be edited anyway.
"""

from django.contrib import admin

from municipalities.admin_base import MunicipalAdmin, MunicipalInline
from municipalities.permissions import Capability, can
from taxes.models import Assessment, AssessmentRun, Instalment, Notice, Payment


class ReadOnlyTaxAdmin(MunicipalAdmin):
    view_capability = Capability.VIEW_TAXES
    edit_capability = Capability.ASSESS
    personal_fields: tuple[str, ...] = ()  # shown only to roles that may see personal data (PDPA)

    def get_exclude(self, request, obj=None):
        exclude = list(super().get_exclude(request, obj) or [])
        if not can(request, Capability.VIEW_PERSONAL_DATA):
            exclude += self.personal_fields
        return exclude

    def get_readonly_fields(self, request, obj=None):
        hidden = self.get_exclude(request, obj)
        fields = [*self.model._meta.fields, *self.model._meta.many_to_many]
        return [f.name for f in fields if f.name not in hidden]

    def has_add_permission(self, request, *args):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class InstalmentInline(MunicipalInline, admin.TabularInline):
    model = Instalment
    fields = ["number", "due_on", "amount"]
    readonly_fields = fields
    view_capability = Capability.VIEW_TAXES
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(AssessmentRun)
class AssessmentRunAdmin(ReadOnlyTaxAdmin):
    list_display = ["__str__", "tax_year", "status", "is_current", "started_by", "started_at", "finished_at"]
    list_filter = ["tax_year", "status", "is_current"]


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyTaxAdmin):
    personal_fields = ("owner",)  # the taxpayer's name; the list and search never show it
    list_display = ["__str__", "kind", "tax_year", "parcel", "signboard", "tax", "status", "issued_on"]
    list_filter = ["kind", "tax_year", "status"]
    search_fields = ["parcel__parcel_code", "signboard__signboard_code"]
    list_select_related = ["parcel", "signboard"]
    inlines = [InstalmentInline]
    show_full_result_count = False  # a run has up to a million rows: no COUNT(*) on every page


@admin.register(Notice)
class NoticeAdmin(ReadOnlyTaxAdmin):
    list_display = ["number", "kind", "assessment", "issued_on", "due_on", "created_by"]
    list_filter = ["kind", "issued_on"]
    search_fields = ["number"]
    list_select_related = ["assessment__parcel", "assessment__signboard"]


@admin.register(Payment)
class PaymentAdmin(ReadOnlyTaxAdmin):
    list_display = ["receipt_number", "paid_on", "amount", "principal", "penalty", "surcharge", "assessment"]
    list_filter = ["paid_on"]
    search_fields = ["receipt_number"]
    list_select_related = ["assessment__parcel", "assessment__signboard"]
