"""A module a municipality hides is closed for it, not only left out of its menu.

A module is a main-menu item (municipalities/menus.py). A municipality hides some in its settings
(catalogue.MunicipalProfile.hidden_modules); each item's registration names what it owns:
- `routes`: the URL names of its pages and API views, as fnmatch patterns ("taxes:*", "tax-*");
- `tiles`: the vector-tile layers its maps draw (maps/layers.py);
- `datasets`: the catalogue sources its data is published as (catalogue/sources.py).
Something several modules own (the maps' parcel panel, the zones layer) is closed only when every
one of them is hidden. A module that only shows another's data (`needs`: the tax and revenue maps
show the taxes module's assessments) is hidden with it, and where a map that stays open would draw
that data (the engineers' map, its parcel panel and printouts for a tax officer) it is left out:
tiles are served at the register's access level (maps/access.py) and the panel has no tax section.
`_closed` is the one rule, applied where each kind of request is answered:
- pages: `ModuleGateMiddleware`, from `request.resolver_match` (after MunicipalityMiddleware);
- API views: `municipalities.drf.MunicipalAPIMixin` right after authentication, since a token user's
  municipality (or the one an `X-Municipality` header picks) is only known there;
- tiles: `maps.access.tile_access`, remembered with the session's tile permission (a trigger on the
  settings table makes every process forget those, maps/triggers.py);
- the catalogue and open data: `catalogue.selectors` treats a hidden module's datasets as hidden
  layers, out of the members' catalogue, downloads, the OGC API, the portal and DCAT/CKAN, seen only
  by the municipal admin managing them. Publishing is the municipality's act, but a module it has
  closed to its own staff is one nobody there looks after: its figures are not served to others.
A closed page is a 404 with a Thai page saying why, for every member whatever their role: the page
does not exist for that municipality; nobody lacks a permission (and a 403 would be logged as a
denial, audit.middleware).

Never closed, so an admin cannot lock themself out of undoing it: the municipality's settings page
(`catalogue:settings`) and the admin (`admin:*`, the register); items registered `hideable=False`
(the home page, the register, the audit log: the audited must not hide the auditor's view) are
not offered in the settings and are ignored if stored.
"""

from fnmatch import fnmatchcase

from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from municipalities.menus import MENU, MenuItem
from municipalities.permissions import Capability, can

ALWAYS_OPEN_ROUTES = ("catalogue:settings", "admin:*")
CLOSED = _("เทศบาลปิดการใช้งานส่วน “%(module)s” ไว้ จึงไม่มีหน้านี้สำหรับเทศบาลนี้")


def _hideable(keys) -> frozenset[str]:
    """The keys of the modules hidden by stored `keys` (a key that cannot be hidden, or no longer exists,
    is ignored), with the modules that need one of them."""
    hidden = frozenset(key for key in keys or () if key in MENU and MENU[key].hideable)
    return hidden | {item.key for item in MENU.values() if item.hideable and any(key in hidden for key in item.needs)}


def hidden_modules(profile) -> frozenset[str]:
    """The keys of the modules a municipality's settings hide."""
    return _hideable(profile.hidden_modules if profile is not None else ())


def hidden_modules_of(municipality) -> frozenset[str]:
    from catalogue.selectors import profile_of

    return hidden_modules(profile_of(municipality))


def _closed(owners, hidden) -> bool:
    """Something is closed when modules own it and the municipality hides every one of them."""
    return bool(owners) and all(key in hidden for key in owners)


def route_owners(view_name: str) -> list[str]:
    """The keys of the modules owning a URL name (none for the pages that are never closed)."""
    if any(fnmatchcase(view_name, pattern) for pattern in ALWAYS_OPEN_ROUTES):
        return []
    return [item.key for item in MENU.values() if any(fnmatchcase(view_name, p) for p in item.routes)]


def closed_tiles(hidden) -> frozenset[str]:
    """The vector-tile layers that only hidden modules draw."""
    layers = {layer for item in MENU.values() for layer in item.tiles}
    return frozenset(
        layer for layer in layers if _closed([item.key for item in MENU.values() if layer in item.tiles], hidden)
    )


def dataset_owners() -> dict[str, list[str]]:
    """Catalogue source → the keys of the modules owning it (sources no module owns are the register's)."""
    owners: dict[str, list[str]] = {}
    for item in MENU.values():
        for source in item.datasets:
            owners.setdefault(source, []).append(item.key)
    return owners


def closed_datasets(hidden) -> frozenset[str]:
    """The catalogue sources that only hidden modules own."""
    return frozenset(source for source, owners in dataset_owners().items() if _closed(owners, hidden))


def _hidden_for(request, view_kwargs) -> frozenset[str] | None:
    """The hidden modules of the municipality the request is for: the one a public page names by its
    `code` (the residents' complaint form), else the member's own; None for a visitor on a member page."""
    from catalogue.models import MunicipalProfile
    from catalogue.selectors import profile_for_request

    code = (view_kwargs or {}).get("code")
    if code is not None:
        stored = MunicipalProfile._base_manager.filter(municipality__code=code).values_list("hidden_modules", flat=True)
        return _hideable(stored.first())
    if getattr(request, "municipality", None) is None:
        return None  # not a member: the view's own gate answers (login, 403)
    return hidden_modules(profile_for_request(request))


def closed_module(request, view_kwargs=None) -> MenuItem | None:
    """The hidden module owning the requested page or API view, or None when it is open."""
    match = getattr(request, "resolver_match", None)
    owners = route_owners(match.view_name) if match is not None else []
    if not owners:
        return None
    hidden = _hidden_for(request, view_kwargs if view_kwargs is not None else match.kwargs)
    return MENU[owners[0]] if hidden is not None and _closed(owners, hidden) else None


def module_open(request, key: str) -> bool:
    """Whether the request's municipality keeps the module open (for pages that draw another module's layers)."""
    from catalogue.selectors import profile_for_request

    return key not in hidden_modules(profile_for_request(request))


class ModuleClosed(Http404):
    """Raised by API views (DRF answers it as a 404 with the message as its `detail`)."""

    def __init__(self, module: MenuItem):
        super().__init__(str(CLOSED % {"module": module.label}))


class ModuleGateMiddleware:
    """Answer a page of a module the municipality hides with a 404 page saying so (see the module's docstring).

    API views that mix in MunicipalAPIMixin are left to it: their user may be a token's, known only
    after DRF authenticates it.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        from municipalities.drf import MunicipalAPIMixin

        if issubclass(getattr(view_func, "cls", object), MunicipalAPIMixin):
            return None
        module = closed_module(request, view_kwargs)
        if module is None:
            return None
        context = {"module": module, "message": CLOSED % {"module": module.label}}
        context["can_reopen"] = can(request, Capability.MANAGE_MEMBERS)
        return render(request, "municipalities/module_closed.html", context, status=404)
