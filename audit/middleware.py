from audit.choices import AuthEventKind
from audit.services import record_auth_event


class PermissionDenialMiddleware:
    """Log every 403 answered to a member (pages, admin, API), in the municipality they were acting in."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if response.status_code == 403 and request.user.is_authenticated:
            membership = getattr(request, "membership", None)
            record_auth_event(
                kind=AuthEventKind.PERMISSION_DENIED,
                request=request,
                user=request.user,
                municipality_ids=[membership.municipality_id] if membership else [],
            )
        return response
