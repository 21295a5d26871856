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
