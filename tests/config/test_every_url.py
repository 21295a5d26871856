"""Every URL of the project, filled with another municipality's ids, gives outsiders nothing.

The test walks the whole urlconf (pages, admin, /api/v1/, and whatever later branches add), fills
each path parameter with the ids of real records of a "victim" municipality, and asks as:
- an anonymous visitor: login redirect, 401, 403, 404 or 405;
- an outsider, the admin of another municipality: for URLs naming a record, 403/404 or a redirect
  to a login or the admin index; for any URL, none of the victim's data in the answer;
- every role of the victim municipality that lacks the capability the view asks for: denied.
It then checks that none of the victim's records changed.

A new page is covered without touching this file. It fails the suite when it leaks, when it is
neither gated by a capability (`capability_required`, `read_capability`/`write_capability` on API
views, the admin's `view_capability`/`edit_capability`) nor listed below with a reason, or when a
path parameter cannot be filled (then add a filler to PARAMETERS).
"""

import math
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.apps import apps
from django.contrib.admin import ModelAdmin
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.db.models import FileField
from django.forms.models import model_to_dict
from django.test import Client
from django.urls import URLResolver, get_resolver

from municipalities.choices import Role
from municipalities.models import Municipality, Zone
from municipalities.permissions import capabilities_of
from municipalities.tenancy import MunicipalModel, platform_scope
from tests.factories import FACTORIES, MembershipFactory, MunicipalityFactory

# Pages anyone may open, each with the reason. (Static files are served by WhiteNoise outside the
# urlconf.)
PUBLIC = {
    "login": "the login form; it lists only the names of the municipalities served",
    "admin:login": "the admin's login form",
    "logout": "logging out shows nothing",
    "admin:logout": "logging out shows nothing",
    "set_language": "switches the interface language (Django i18n)",
    "privacy": "the PDPA privacy notice must be public (PDPA s.23)",
    # The open data (catalogue/public.py, catalogue/ogc.py): datasets a municipality classified public,
    # their public columns only; anything else is a 404. OGC API adds a token holder's internal ones.
    "open:index": "the open-data portal: public datasets only",
    "open:dataset": "a public dataset's page and map preview",
    "open:download": "a public dataset's download (GeoJSON, GeoPackage, CSV)",
    "open:catalog-json": "DCAT metadata of the public datasets, for harvesters",
    "open:ckan-package-list": "CKAN action API: names of the public datasets",
    "open:ckan-package-show": "CKAN action API: metadata of one public dataset",
    "open:ckan-package-search": "CKAN action API: search of the public datasets (what harvesters page through)",
    "open:ckan-help": "CKAN action API: help texts",
    "ogc:landing": "OGC API – Features landing page, no data",
    "ogc:conformance": "OGC API – Features conformance classes, no data",
    "ogc:collections": "public datasets, plus the token holder's own municipality's internal ones",
    "ogc:collection": "one served dataset's description",
    "ogc:items": "one served dataset's features",
    "ogc:item": "one feature of a served dataset",
    "works-public:complaint": "residents report broken roads and lights without an account (works/public.py)",
    "works-public:sent": "the complaint form's thank-you page: the reporter's own reference only",
}

# Pages for any logged-in member, without a capability: each shows only what the member's own
# scope and role allow, with the reason.
ANY_MEMBER = {
    "home": "counts of the member's own municipality",
    "switch-municipality": "switches among the member's own memberships only",
    "jobs:status": "a background task's progress, read through the tenancy scope",
    "media": "files of records visible in the member's scope",
    "api-schema": "the API's description, no data",
    "api-docs": "the API's documentation page, no data",
    "admin:index": "the admin lists only the registers the role may open",
    "admin:app_list": "the admin lists only the registers the role may open",
    "admin:password_change": "a member changes their own password",
    "admin:password_change_done": "a member changes their own password",
    "admin:autocomplete": "answers through each register's admin permissions and the tenancy scope",
    "admin:jsi18n": "the admin's JavaScript translations",
    "admin:view_on_site": "Django's redirect to a record's own page (none of ours has one: 404)",
    "admin/(?P<url>.*)$": "the admin's catch-all: adds a missing slash or answers 404",
}


def _history_id(obj):
    history = getattr(type(obj), "history", None)
    if history is None:
        return 1
    with platform_scope():
        return history.filter(id=obj.pk).values_list("history_id", flat=True).first() or 1


def _town(obj):
    """The victim municipality a victim record belongs to (a user's through their membership)."""
    if isinstance(obj, Municipality):
        return obj
    if isinstance(obj, get_user_model()):
        with platform_scope():
            return obj.memberships.get().municipality
    return obj.municipality


def _zone_code(obj):
    with platform_scope():
        return Zone.objects.filter(municipality=_town(obj)).values_list("code", flat=True).first()


def _tile_of(obj, axis: str) -> int:
    """z, x or y of the z16 map tile on a record's own geometry, else on its municipality."""
    from django.contrib.gis.db.models import GeometryField

    geom = next((getattr(obj, f.name) for f in obj._meta.fields if isinstance(f, GeometryField)), None)
    point, n = (geom or _town(obj).boundary).point_on_surface, 2**16
    tile = {"z": 16, "x": int((point.x + 180) / 360 * n)}
    tile["y"] = int((1 - math.asinh(math.tan(math.radians(point.y))) / math.pi) / 2 * n)
    return tile[axis]


# The vector-tile layer drawing a record of each model (maps/layers.py); parcels for the others.
TILE_LAYERS = {
    "assets.Building": "buildings",
    "assets.Signboard": "signboards",
    "assets.InfrastructureAsset": "infrastructure",
    "municipalities.Block": "blocks",
    "municipalities.Zone": "zones",
}


def _file_of(obj):
    names = [getattr(obj, f.name).name for f in obj._meta.fields if isinstance(f, FileField) and getattr(obj, f.name)]
    return names[0] if names else "nothing/here.jpg"


# How to fill a path parameter from a victim record. Parameters not named here that look like ids
# (pk, id, object_id, *_id) get the record's id; any other parameter fails the test until added.
PARAMETERS: dict[str, Callable] = {
    "content_type_id": lambda obj: ContentType.objects.get_for_model(obj).pk,
    "model": lambda obj: obj._meta.label_lower,
    "app_label": lambda obj: obj._meta.app_label,
    "version_id": _history_id,
    "path": _file_of,
    "url": lambda obj: f"{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/",
    "format": lambda obj: "json",
    "code": lambda obj: _town(obj).code,
    "zone": _zone_code,
    # A map tile: the z16 tile on the record (a parcel's, a raster's town …), in the layer drawing it.
    "z": lambda obj: _tile_of(obj, "z"),
    "x": lambda obj: _tile_of(obj, "x"),
    "y": lambda obj: _tile_of(obj, "y"),
    "layer": lambda obj: TILE_LAYERS.get(obj._meta.label, "parcels"),
    # The catalogue's routes name a dataset by its key (the victim's own uploaded one, or a key that
    # names nothing), open data by the municipality's code too; a register layer is named as its tile layer.
    "key": lambda obj: getattr(obj, "key", "no-such-dataset"),
    "identifier": lambda obj: f"{_town(obj).code}-{getattr(obj, 'key', 'no-such-dataset')}",
    "fmt": lambda obj: "csv",
    "fid": lambda obj: obj.pk,
}

DENIED = {401, 403, 404, 405}
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")


@dataclass
class Route:
    pattern: str
    name: str
    callback: Callable
    parameters: list[str]
    regex: re.Pattern

    @property
    def view_class(self):
        return getattr(self.callback, "cls", None) or getattr(self.callback, "view_class", None)

    @property
    def model_admin(self):
        """The ModelAdmin serving the route: Django marks its own views, others are its bound methods."""
        found = getattr(self.callback, "model_admin", None)
        bound_to = getattr(getattr(self.callback, "__wrapped__", None), "__self__", None)
        return found or (bound_to if isinstance(bound_to, ModelAdmin) else None)

    @property
    def model(self):
        if self.model_admin is not None:
            return self.model_admin.model
        queryset = getattr(self.view_class, "queryset", None)
        return queryset.model if queryset is not None else getattr(self.view_class, "model", None)


def _routes(patterns=None, prefix="", namespace=None, regex_prefix=""):
    for p in get_resolver().url_patterns if patterns is None else patterns:
        pattern = str(p.pattern)
        regex = regex_prefix + p.pattern.regex.pattern.lstrip("^").rstrip("$").removesuffix("\\Z")
        if isinstance(p, URLResolver):
            inner = ":".join(n for n in (namespace, p.namespace) if n) or None
            yield from _routes(p.url_patterns, prefix + pattern, inner, regex)
        else:
            # Unnamed routes go by their pattern in the allow-lists.
            name = (f"{namespace}:{p.name}" if namespace else p.name) if p.name else prefix + pattern
            compiled = re.compile("^" + regex + "$")
            route = Route(prefix + pattern, name, p.callback, list(compiled.groupindex), compiled)
            route.parameters += _positional(route)
            yield route


# Unnamed regex groups, by the ending of the route's name: django-simple-history's version view.
POSITIONAL = {"_simple_history": ("object_id", "version_id")}


def _positional(route: Route) -> tuple[str, ...]:
    if route.regex.groups == len(route.regex.groupindex):
        return ()
    return next((names for ending, names in POSITIONAL.items() if route.name.endswith(ending)), ("unnamed group",))


def _fill(route: Route, values: dict) -> str:
    url = "/" + route.pattern
    url = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", lambda m: str(values[m[1]]), url)
    positional = iter(_positional(route))
    url = re.sub(r"\((?!\?)[^()]*\)", lambda m: str(values[next(positional)]), url)
    url = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m[1]]), url)
    url = url.replace("^", "").replace("$", "").replace("\\.", ".").replace("/?", "/")
    return url


ROUTES = list(_routes())


def _value(name: str, obj):
    if name in PARAMETERS:
        return PARAMETERS[name](obj)
    if name in ("pk", "id", "object_id") or name.endswith("_id"):
        return obj.pk
    raise LookupError(name)


def _urls(route: Route, victims: dict) -> list[str]:
    """The route's URLs filled from the victim records of its model (or of every model if unknown)."""
    if not route.parameters:
        return ["/" + route.pattern.replace("^", "").replace("$", "")]
    if route.model in victims:
        candidates = [victims[route.model]]
    elif route.model_admin is not None and not hasattr(route.model_admin, "view_capability"):
        candidates = [victims[get_user_model()]]  # Django's own admins deny by permission, not by record
    else:
        candidates = list(victims.values())
    urls = []
    for obj in candidates:
        url = _fill(route, {name: _value(name, obj) for name in route.parameters})
        if route.regex.match(url.lstrip("/")) and url not in urls:
            urls.append(url)
    return urls


def _allowed_roles(route: Route, method: str) -> set[Role] | None:
    """The roles the route's own gate lets in for `method`; None when the view declares no gate."""

    def having(*capabilities):
        return {role for role in Role if set(capabilities) & capabilities_of(role)}

    if route.model_admin is not None:
        admin = route.model_admin
        if not hasattr(admin, "view_capability"):
            return set()  # Django's own permissions: superusers only
        suffix = route.name.rsplit("_", 1)[-1]
        viewers = having(admin.view_capability, admin.edit_capability)
        if suffix in ("add", "delete") or (suffix == "change" and method not in SAFE_METHODS):
            return having(admin.edit_capability)
        if suffix == "history" and hasattr(admin, "history_capability"):
            return viewers & having(admin.history_capability)
        return viewers
    gate = getattr(route.callback, "required_capabilities", None)
    if gate:
        return having(*gate)
    cls = route.view_class
    if cls is not None and hasattr(cls, "read_capability"):
        return having(cls.read_capability if method in SAFE_METHODS else cls.write_capability)
    return None


def _body(response) -> str:
    content = b"".join(response.streaming_content) if response.streaming else response.content
    return content.decode("utf-8", errors="replace")


def _markers(victims, victim_town) -> set[str]:
    owner = victims[apps.get_model("assets", "Owner")]
    return {
        victim_town.name_th,
        victim_town.name_en,
        owner.first_name,
        owner.national_id,
        owner.formatted_id,
        "VICTIM-DEED-4471",
        "VICTIM-SHOP",
        "VICTIM-ROAD",
        "VICTIM-ZONE",
        "VICTIM-TASK",
        "victim-user",
        "VICTIM-EXPORT",
    }


def _make_victims(victim_town):
    overrides = {
        "assets.Owner": {"first_name": "ลับเฉพาะVICTIM"},
        "assets.Parcel": {"deed_number": "VICTIM-DEED-4471"},
        "assets.Signboard": {"business_name": "VICTIM-SHOP"},
        "assets.InfrastructureAsset": {"name": "VICTIM-ROAD"},
        "municipalities.Zone": {"name": "VICTIM-ZONE"},
        "municipalities.Membership": {"user__username": "victim-user"},
        "jobs.BackgroundTask": {"title": "VICTIM-TASK"},
        "audit.AuthEvent": {"username": "victim-user"},
        "audit.PersonalDataAccess": {"detail": "VICTIM-EXPORT"},
    }
    victims = {
        model: factory(municipality=victim_town, **overrides.get(model._meta.label, {}))
        for model, factory in FACTORIES.items()
    }
    for model in victims:
        assert issubclass(model, MunicipalModel)
    victims[type(victim_town)] = victim_town
    victims[get_user_model()] = victims[apps.get_model("municipalities", "Membership")].user
    return victims


def _snapshot(victims) -> dict:
    with platform_scope():
        return {
            model: model_to_dict(model._base_manager.get(pk=obj.pk), exclude=["password", "last_login"])
            for model, obj in victims.items()
        }


def _check(failures, who, method, url, response, markers, must_deny, allowed_redirects):
    body = _body(response)
    leaked = sorted(m for m in markers if m and m in body)
    if leaked:
        failures.append(f"{who} {method} {url} → {response.status_code} shows {leaked}")
    if not must_deny:
        return
    if response.status_code in (301, 302):
        target = response["Location"].split("?")[0]
        if target not in allowed_redirects:
            failures.append(f"{who} {method} {url} → redirect to {target}, not denied")
    elif response.status_code not in DENIED:
        failures.append(f"{who} {method} {url} → {response.status_code}, not denied")


def _request(client, method, url):
    """The answer to `method url`, following redirects within the site (as a browser would)."""
    response = client.generic(method, url)
    for _ in range(3):
        target = response.get("Location", "") if response.status_code in (301, 302) else ""
        if not target.startswith("/") or target.split("?")[0] in ("/login/", "/admin/login/", "/admin/"):
            break
        response = client.get(target)
    return response


def _methods(route: Route) -> list[str]:
    actions = getattr(route.callback, "actions", None)
    return sorted({"GET", "POST", *(m.upper() for m in (actions or {}))})


@pytest.mark.django_db
def test_every_url_denies_outsiders_and_roles_without_the_capability_and_shows_them_nothing():
    victim_town = MunicipalityFactory(name_th="ลับแลVICTIMTOWN", name_en="VICTIMTOWN")
    victims = _make_victims(victim_town)
    markers = _markers(victims, victim_town)
    before = _snapshot(victims)
    outsider = MembershipFactory(role=Role.ADMIN, user__username="outsider-admin").user
    members = {role: MembershipFactory(municipality=victim_town, role=role).user for role in Role}
    clients = {"anonymous": Client()}
    for who, user in [("outsider", outsider), *members.items()]:
        clients[who] = Client()
        clients[who].force_login(user)
    allowed_redirects = {"/login/", "/admin/login/", "/admin/"}

    failures = []
    for route in ROUTES:
        public, any_member = route.name in PUBLIC, route.name in ANY_MEMBER
        if not public and not any_member and _allowed_roles(route, "GET") is None:
            failures.append(f"{route.pattern} ({route.name}) is not gated by a capability nor listed with a reason")
            continue
        try:
            urls = _urls(route, victims)
        except LookupError as missing:
            failures.append(f"{route.pattern}: no filler for parameter {missing} in PARAMETERS")
            continue
        if not urls:
            failures.append(f"{route.pattern}: could not be filled with a victim record")
        for url in urls:
            for method in _methods(route):
                if public and method == "POST":
                    continue
                names_record = bool(route.parameters) and route.name != "admin:app_list"
                # The public pages list the municipalities served: their names are public facts.
                secret = markers - {victim_town.name_th, victim_town.name_en} if public else markers
                for who in ("anonymous", "outsider"):
                    response = _request(clients[who], method, url)
                    must_deny = not public and (who == "anonymous" or names_record)
                    _check(failures, who, method, url, response, secret, must_deny, allowed_redirects)
                allowed = set(Role) if (public or any_member) else _allowed_roles(route, method)
                for role in members:
                    if role not in allowed:
                        response = _request(clients[role], method, url)
                        _check(failures, f"{role} of the town", method, url, response, set(), True, allowed_redirects)

    assert _snapshot(victims) == before, "a request changed the victim's records"
    assert failures == [], "\n".join(failures)


def test_the_allow_lists_name_only_existing_routes():
    names = {r.name for r in ROUTES}
    assert set(PUBLIC) - names == set()
    assert set(ANY_MEMBER) - names == set()
