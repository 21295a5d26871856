"""The tenancy scope and role capabilities for Django REST framework views.

Session users arrive already scoped by MunicipalityMiddleware; token users (integrations) are only
known once DRF authenticates them, so `MunicipalAPIMixin` enters their municipality's scope right
after authentication. A user with several memberships picks one with the `X-Municipality` header
(the municipality's code); otherwise the first is used. Then a view of a module that municipality
hides answers 404 (municipalities/modules.py).
"""

from rest_framework import permissions

from municipalities import tenancy
from municipalities.modules import ModuleClosed, closed_module
from municipalities.permissions import Capability, capabilities_of
from municipalities.selectors import memberships_of, zone_ids_of

MUNICIPALITY_HEADER = "HTTP_X_MUNICIPALITY"


def _membership_for(request):
    memberships = list(memberships_of(request.user))
    wanted = request.META.get(MUNICIPALITY_HEADER)
    if wanted:
        return next((m for m in memberships if m.municipality.code == wanted), None)
    session = getattr(request._request, "session", None)
    chosen = session.get("municipality_id") if session is not None else None
    return next((m for m in memberships if m.municipality_id == chosen), memberships[0] if memberships else None)


class MunicipalAPIMixin:
    """Mix into every API view: enters the scope of the authenticated user's municipality."""

    def perform_authentication(self, request):
        super().perform_authentication(request)
        membership = _membership_for(request) if request.user.is_authenticated else None
        request.membership = request._request.membership = membership
        request.municipality = request._request.municipality = membership.municipality if membership else None
        self._scope_token = tenancy.enter(
            membership.municipality_id if membership else tenancy.NOWHERE, zone_ids_of(membership)
        )
        closed = closed_module(request._request)  # a module the municipality hides (municipalities/modules.py)
        if closed is not None:
            raise ModuleClosed(closed)

    def finalize_response(self, request, response, *args, **kwargs):
        token = getattr(self, "_scope_token", None)
        if token is not None:
            tenancy.leave(token)
            self._scope_token = None
        return super().finalize_response(request, response, *args, **kwargs)


class HasCapability(permissions.BasePermission):
    """Reads need the view's `read_capability`, writes its `write_capability`."""

    message = "ไม่มีสิทธิ์ดำเนินการนี้"

    def has_permission(self, request, view):
        membership = getattr(request, "membership", None)
        if membership is None:
            return False
        granted = capabilities_of(membership.role)
        if request.method in permissions.SAFE_METHODS:
            return getattr(view, "read_capability", Capability.VIEW_REGISTER) in granted
        return getattr(view, "write_capability", None) in granted
