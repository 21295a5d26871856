from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from audit import selectors
from audit.forms import AsOfForm, RecordLookupForm
from audit.models import AuthEvent, PersonalDataAccess
from municipalities.permissions import Capability, can, capability_required
from municipalities.selectors import platform_municipalities


@capability_required(Capability.VIEW_HISTORY, Capability.VIEW_AUDIT_LOG)
def index(request):
    """The auditor's desk: open any record's history, and the latest logins, denials and uses of personal data."""
    models = selectors.historied_models(request) if can(request, Capability.VIEW_HISTORY) else []
    form = RecordLookupForm(request.GET or None, models=models)
    if models and form.is_valid():
        model = selectors.historied_model(request, form.cleaned_data["model"])
        pk = selectors.find_record_id(model, form.cleaned_data["reference"]) if model else None
        if pk is not None:
            return redirect("audit:history", model=model._meta.label_lower, pk=pk)
        form.add_error("reference", _("ไม่พบระเบียนนี้ในเทศบาล"))
    logs = can(request, Capability.VIEW_AUDIT_LOG)
    return render(
        request,
        "audit/index.html",
        {
            "form": form if models else None,
            "auth_events": AuthEvent.objects.all()[:15] if logs else None,
            "personal_data": PersonalDataAccess.objects.select_related("content_type")[:15] if logs else None,
        },
    )


@capability_required(Capability.VIEW_HISTORY)
def record_history_view(request, model: str, pk: int):
    """One record as it was on a chosen date, and its full history with before/after of each change."""
    model_class = selectors.historied_model(request, model)
    # The record must be visible now (scope and zone limits); history of another municipality is never found.
    if model_class is None or not model_class.objects.filter(pk=pk).exists():
        raise Http404
    form = AsOfForm(request.GET or None)
    snapshot = selectors.as_of(model_class, pk, form.cleaned_data["as_of"]) if form.is_valid() else None
    entries = selectors.record_history(model_class, pk)
    return render(
        request,
        "audit/history.html",
        {
            "model_name": model_class._meta.verbose_name,
            "record": model_class.objects.get(pk=pk),
            "form": form,
            "asked": form.is_valid(),
            "snapshot": snapshot,
            "entries": entries,
            "admin_url": reverse(
                f"admin:{model_class._meta.app_label}_{model_class._meta.model_name}_change", args=[pk]
            ),
        },
    )


def privacy(request):
    """The privacy notice (PDPA s.23): public, in Thai."""
    return render(request, "audit/privacy.html", {"municipalities": platform_municipalities()})
