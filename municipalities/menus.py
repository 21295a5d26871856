"""The main menu: each app registers its pages with the capability that opens them."""

from dataclasses import dataclass

from django.urls import reverse

from municipalities.permissions import Capability, can


@dataclass(frozen=True)
class MenuItem:
    key: str
    label: str
    url_name: str
    capabilities: tuple[Capability, ...]
    order: int = 100

    @property
    def url(self) -> str:
        return reverse(self.url_name)


MENU: dict[str, MenuItem] = {}


def register(item: MenuItem) -> None:
    MENU[item.key] = item


def menu_for(request) -> list[MenuItem]:
    """The items the user may open, less those the municipality hides, in the municipality's order
    (its settings in the catalogue app), then in the apps' own order."""
    if getattr(request, "membership", None) is None:
        return []
    from catalogue.selectors import profile_for_request

    profile = profile_for_request(request)
    hidden = set(profile.hidden_modules or []) if profile else set()
    rank = {key: n for n, key in enumerate(profile.menu_order or [])} if profile else {}
    items = [
        item for item in MENU.values() if item.key not in hidden and any(can(request, c) for c in item.capabilities)
    ]
    return sorted(items, key=lambda item: (rank.get(item.key, len(rank)), item.order, item.key))
