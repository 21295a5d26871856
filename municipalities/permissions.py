"""What each role may do, as capabilities that views, the admin and the API all ask for.

A role is held per municipality (Membership). Checks ask `can(request, Capability.X)`; the
municipality itself is enforced separately and always by the tenancy scope (tenancy.py).
"""

from enum import StrEnum

from municipalities.choices import Role


class Capability(StrEnum):
    VIEW_REGISTER = "view_register"  # parcels, buildings, signboards, infrastructure, without owners
    VIEW_PERSONAL_DATA = "view_personal_data"  # owners' names, national IDs and addresses (PDPA)
    EDIT_REGISTER = "edit_register"  # parcels, buildings, owners, signboards
    EDIT_INFRASTRUCTURE = "edit_infrastructure"  # infrastructure, inspections, work orders
    VIEW_TAXES = "view_taxes"  # assessments, notices and payments
    ASSESS = "assess"  # run assessments, issue notices
    RECORD_PAYMENT = "record_payment"
    VIEW_DASHBOARD = "view_dashboard"  # revenue maps and reports (aggregates)
    VIEW_HISTORY = "view_history"  # change history and records as of a past date
    MANAGE_MEMBERS = "manage_members"  # members, roles and municipal settings
    VIEW_AUDIT_LOG = "view_audit_log"  # logins, denials and uses of personal data (audit/)


C = Capability

ROLE_CAPABILITIES: dict[str, frozenset[Capability]] = {
    Role.ADMIN: frozenset(Capability),
    Role.TAX_OFFICER: frozenset(
        {
            C.VIEW_REGISTER,
            C.VIEW_PERSONAL_DATA,
            C.EDIT_REGISTER,
            C.VIEW_TAXES,
            C.ASSESS,
            C.RECORD_PAYMENT,
            C.VIEW_DASHBOARD,
            C.VIEW_HISTORY,
        }
    ),
    Role.ENGINEER: frozenset({C.VIEW_REGISTER, C.EDIT_INFRASTRUCTURE, C.VIEW_HISTORY}),
    Role.EXECUTIVE: frozenset({C.VIEW_REGISTER, C.VIEW_TAXES, C.VIEW_DASHBOARD}),
    Role.AUDITOR: frozenset(
        {C.VIEW_REGISTER, C.VIEW_PERSONAL_DATA, C.VIEW_TAXES, C.VIEW_DASHBOARD, C.VIEW_HISTORY, C.VIEW_AUDIT_LOG}
    ),
}


def capabilities_of(role: str | None) -> frozenset[Capability]:
    return ROLE_CAPABILITIES.get(role, frozenset())


def can(request, capability: Capability) -> bool:
    """Whether the request's active membership grants `capability` in its municipality."""
    membership = getattr(request, "membership", None)
    return membership is not None and capability in capabilities_of(membership.role)


def capability_required(*capabilities: Capability):
    """A view decorator: logged in, and the active membership grants one of `capabilities` (else 403)."""
    from functools import wraps

    from django.contrib.auth.decorators import login_required
    from django.core.exceptions import PermissionDenied

    def decorator(view):
        @wraps(view)
        @login_required
        def wrapped(request, *args, **kwargs):
            if not any(can(request, capability) for capability in capabilities):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapped.required_capabilities = capabilities
        return wrapped

    return decorator
