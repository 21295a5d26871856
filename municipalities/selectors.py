from municipalities.models import Membership, Municipality
from municipalities.permissions import Capability, can

SESSION_KEY = "municipality_id"


def memberships_of(user):
    """The active memberships of a user, across municipalities (read before any scope exists)."""
    if user is None or not user.is_authenticated:
        return Membership._base_manager.none()
    return (
        Membership._base_manager.filter(user=user, is_active=True)
        .select_related("municipality")
        .order_by("municipality__name_th")
    )


def zone_ids_of(membership: Membership | None) -> frozenset[int] | None:
    """The zones a membership is limited to, or None when it sees the whole municipality."""
    if membership is None:
        return None
    through = Membership.zones.through
    return frozenset(through.objects.filter(membership_id=membership.pk).values_list("zone_id", flat=True)) or None


def active_membership(request) -> Membership | None:
    """The membership the user chose in this session, else their first one."""
    memberships = list(memberships_of(request.user))
    chosen = request.session.get(SESSION_KEY) if hasattr(request, "session") else None
    for membership in memberships:
        if membership.municipality_id == chosen:
            return membership
    return memberships[0] if memberships else None


def platform_municipalities():
    """The municipalities served by this platform: public facts only (names), for the login page."""
    return Municipality._base_manager.order_by("name_th").only("name_th", "name_en", "kind", "province_th")


def register_summary(request) -> dict:
    """Counts of the current municipality's registers for the home page (scoped by tenancy)."""
    from assets.models import Building, InfrastructureAsset, Owner, Parcel, Signboard

    if request.municipality is None:
        return {}
    summary = {
        "parcels": Parcel.objects.filter(retired_on__isnull=True).count(),
        "buildings": Building.objects.count(),
        "signboards": Signboard.objects.filter(removed_on__isnull=True).count(),
        "infrastructure": InfrastructureAsset.objects.count(),
    }
    if can(request, Capability.VIEW_PERSONAL_DATA):
        summary["owners"] = Owner.objects.count()
    return summary
