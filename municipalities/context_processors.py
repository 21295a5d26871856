from django.conf import settings

from municipalities.menus import menu_for
from municipalities.permissions import capabilities_of
from municipalities.selectors import memberships_of


def municipality(request):
    membership = getattr(request, "membership", None)
    user = getattr(request, "user", None)
    return {
        "current_membership": membership,
        "current_municipality": getattr(request, "municipality", None),
        "capabilities": capabilities_of(membership.role if membership else None),
        "my_memberships": memberships_of(user) if user is not None else [],
        "demo_mode": settings.THESABAN_DEMO,
        "menu": menu_for(request),
    }
