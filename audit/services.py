"""The one place that writes access logs. Other modules call these; they never write the tables themselves.

- `record_personal_data_access(...)`: call it whenever a person sees a full national ID, exports
  personal data (owners' names, IDs, addresses) or prints a notice addressed to a taxpayer.
- `record_auth_event(...)`: called by audit.signals and audit.middleware for logins and denials.
"""

import logging

from django.contrib.contenttypes.models import ContentType
from django.db import transaction

from audit.choices import AuthEventKind, PersonalDataAction
from audit.models import AuthEvent, PersonalDataAccess
from municipalities.selectors import memberships_of
from municipalities.tenancy import current_municipality_id, scoped_to

logger = logging.getLogger("thesaban.security")


def _client(request) -> dict:
    if request is None:
        return {}
    from axes.helpers import get_client_ip_address

    return {"ip_address": get_client_ip_address(request), "path": request.get_full_path()[:500]}


@transaction.atomic
def record_personal_data_access(
    *,
    user,
    action: PersonalDataAction,
    obj=None,
    model=None,
    record_count: int = 1,
    detail: str = "",
    request=None,
    municipality=None,
) -> PersonalDataAccess:
    """Log who used which personal data, and how (PDPA). One row per use; `obj` is the record seen,
    printed or exported, or pass `model` and `record_count` for an export of many records.

    The row belongs to the record's municipality, else to `municipality`, else to the current scope.
    """
    municipality_id = getattr(obj, "municipality_id", None) or getattr(municipality, "pk", municipality)
    municipality_id = municipality_id or current_municipality_id()
    if municipality_id is None:
        raise ValueError("record_personal_data_access needs a municipality (a record, an argument or a scope)")
    model = type(obj) if obj is not None else model
    with scoped_to(municipality_id):
        return PersonalDataAccess.objects.create(
            municipality_id=municipality_id,
            user=user if getattr(user, "pk", None) else None,
            username=getattr(user, "username", "") or "",
            action=action,
            content_type=ContentType.objects.get_for_model(model) if model is not None else None,
            object_id=str(obj.pk) if obj is not None else "",
            object_repr=str(obj)[:200] if obj is not None else "",
            record_count=record_count,
            detail=detail[:300],
            **_client(request),
        )


def record_auth_event(*, kind: AuthEventKind, request=None, user=None, username: str = "", municipality_ids=None):
    """Log a login, logout, failed login, lock-out or denial for each municipality the user belongs to
    (or only `municipality_ids`). Events that belong to no municipality (an unknown username, a user
    without membership) go to the `thesaban.security` log only."""
    username = username or getattr(user, "username", "") or ""
    if municipality_ids is None:
        municipality_ids = [m.municipality_id for m in memberships_of(user)] if user is not None else []
    logger.info("%s user=%r path=%s", kind, username, request.get_full_path() if request else "-")
    client = _client(request)
    extra = {}
    if request is not None:
        extra = {"method": request.method or "", "user_agent": request.META.get("HTTP_USER_AGENT", "")[:300]}
    for municipality_id in municipality_ids:
        with scoped_to(municipality_id):
            AuthEvent.objects.create(
                municipality_id=municipality_id,
                kind=kind,
                user=user if getattr(user, "pk", None) else None,
                username=username[:150],
                **client,
                **extra,
            )
