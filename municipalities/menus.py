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
    if getattr(request, "membership", None) is None:
        return []
    items = [item for item in MENU.values() if any(can(request, c) for c in item.capabilities)]
    return sorted(items, key=lambda item: (item.order, item.key))
