"""The main menu: each app registers its pages with the capability that opens them.

A menu item is also a module a municipality may hide from its users (catalogue.MunicipalProfile.
hidden_modules): its registration names what it owns, and municipalities/modules.py closes all of it.
"""

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
    # What the module owns, closed with it where its municipality hides it (municipalities/modules.py):
    routes: tuple[str, ...] = ()  # URL names, as fnmatch patterns: "taxes:*" (a namespace), "tax-*" (API)
    tiles: tuple[str, ...] = ()  # the vector-tile layers its maps draw (maps/layers.py)
    datasets: tuple[str, ...] = ()  # the catalogue sources its data is published as (catalogue/sources.py)
    needs: tuple[str, ...] = ()  # the modules whose data it shows: it is closed with any of them
    hideable: bool = True  # False: always shown and open, whatever the municipality's settings say

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
    from municipalities.modules import hidden_modules

    profile = profile_for_request(request)
    hidden = hidden_modules(profile)
    rank = {key: n for n, key in enumerate(profile.menu_order or [])} if profile else {}
    items = [
        item for item in MENU.values() if item.key not in hidden and any(can(request, c) for c in item.capabilities)
    ]
    return sorted(items, key=lambda item: (rank.get(item.key, len(rank)), item.order, item.key))
