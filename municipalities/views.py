from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from municipalities.home import cards_for
from municipalities.selectors import SESSION_KEY, memberships_of, platform_municipalities, register_summary


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        return super().get_context_data(municipalities=platform_municipalities(), **kwargs)


@login_required
def home(request):
    return render(
        request,
        "municipalities/home.html",
        {"summary": register_summary(request), "cards": cards_for(request), "today": timezone.localdate()},
    )


@login_required
@require_POST
def switch_municipality(request):
    try:
        wanted = int(request.POST.get("municipality", ""))
    except ValueError:
        return HttpResponseBadRequest(_("ไม่ได้ระบุเทศบาล"))
    membership = memberships_of(request.user).filter(municipality_id=wanted).first()
    if membership is None:
        messages.error(request, _("คุณไม่ได้เป็นสมาชิกของเทศบาลนี้"))
    else:
        request.session[SESSION_KEY] = membership.municipality_id
        messages.success(request, _("เปลี่ยนเป็น %(name)s แล้ว") % {"name": membership.municipality.display_name})
    next_url = request.POST.get("next") or "home"
    if next_url != "home" and not url_has_allowed_host_and_scheme(next_url, {request.get_host()}):
        next_url = "home"
    return redirect(next_url)


@login_required
def media(request, path: str):
    """Uploaded files (signboard photos…) only for members who may see the record holding them.

    A file is served when a municipal record visible in the current scope (zone limits included)
    refers to it; any other path is a 404, whether or not it exists. A model whose files are never
    to be downloaded (`serve_files = False`: uploaded import files, with owners' names and IDs) is
    skipped.
    """
    from django.apps import apps
    from django.core.files.storage import default_storage
    from django.db.models import FileField

    from municipalities.tenancy import MunicipalModel

    for model in apps.get_models():
        if not issubclass(model, MunicipalModel) or not getattr(model, "serve_files", True):
            continue
        for field in model._meta.fields:
            if isinstance(field, FileField) and model.objects.filter(**{field.name: path}).exists():
                return FileResponse(default_storage.open(path), filename=path.rsplit("/", 1)[-1])
    raise Http404
