from django.http import HttpResponseBadRequest
from django.utils.translation import gettext as _

from municipalities import tenancy
from municipalities.selectors import active_membership, zone_ids_of


class MunicipalityMiddleware:
    """Enter the scope of the user's active municipality for the whole request.

    Sets `request.membership` and `request.municipality`. A user without a membership sees no
    municipal data; a superuser without one works at platform level (to create municipalities).
    A membership limited to some zones limits the scope to them (tenancy.py).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        membership = active_membership(request)
        request.membership = membership
        request.municipality = membership.municipality if membership else None
        if membership:
            scope = membership.municipality_id
        elif request.user.is_authenticated and request.user.is_superuser:
            scope = tenancy.PLATFORM
        else:
            scope = tenancy.NOWHERE
        token = tenancy.enter(scope, zone_ids_of(membership))
        try:
            return self.get_response(request)
        finally:
            tenancy.leave(token)


class RejectNulMiddleware:
    """A NUL character (%00) in the path or the query string is a clean 400: PostgreSQL text cannot
    hold it, so a view passing it to a query would fail with a server error (probed in
    tests/catalogue/test_attacks.py). Forms and DRF refuse it in bodies on their own."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if "\x00" in request.path or "%00" in request.META.get("QUERY_STRING", ""):
            return HttpResponseBadRequest(_("คำขอมีอักขระ NUL (%00) ซึ่งใช้ไม่ได้"), content_type="text/plain; charset=utf-8")
        return self.get_response(request)
