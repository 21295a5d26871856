"""The residents' complaint form: the one page without login.

Scoped to one municipality by its code in the URL; kept small: validated like any other input,
limited to a few reports per address and hour, a hidden field that people leave empty and bots fill.
"""

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from municipalities.models import Municipality
from municipalities.tenancy import platform_scope, scoped_to
from works import services
from works.choices import CATEGORY_SPECS, ComplaintChannel
from works.forms import ComplaintForm, apply_errors

RATE_WINDOW_S = 3600


def _client_address(request) -> str:
    return request.META.get("REMOTE_ADDR", "unknown")


def _over_limit(request, code: str) -> bool:
    key = f"complaint-form:{code}:{_client_address(request)}"
    cache.add(key, 0, RATE_WINDOW_S)
    return cache.incr(key) > settings.COMPLAINT_FORM_RATE_PER_HOUR


@never_cache
def complaint_form(request, code: str):
    with platform_scope():
        municipality = get_object_or_404(Municipality, code=code)
    form = ComplaintForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if _over_limit(request, code):
            form.add_error(None, _("ส่งเรื่องจากเครื่องนี้บ่อยเกินไป โปรดลองใหม่ภายหลังหรือโทรแจ้งเทศบาล"))
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            if data["website"]:
                return redirect("works-public:sent", code=code)  # a bot: say thanks, store nothing
            try:
                with scoped_to(municipality):
                    complaint = services.complaint_submit(
                        municipality=municipality,
                        channel=ComplaintChannel.WEB_FORM,
                        category=data["category"],
                        description=data["description"],
                        location=data["location"],
                        photo=data["photo"],
                        reporter_name=data["reporter_name"],
                        reporter_contact=data["reporter_contact"],
                    )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                request.session["complaint_sent"] = complaint.pk
                return redirect("works-public:sent", code=code)
    needs_photo = [c for c, spec in CATEGORY_SPECS.items() if spec.photo_required]
    centre = municipality.boundary.point_on_surface
    return render(
        request,
        "works/public_form.html",
        {"municipality": municipality, "form": form, "needs_photo": needs_photo, "centre": centre},
        status=status,
    )


def complaint_sent(request, code: str):
    with platform_scope():
        municipality = get_object_or_404(Municipality, code=code)
    return render(
        request,
        "works/public_sent.html",
        {"municipality": municipality, "reference": request.session.pop("complaint_sent", None)},
    )
