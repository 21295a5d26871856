"""Whose tiles a request may read, and how much of them: the one place that decides it for maps/.

Tile requests skip the session, locale, CSRF and municipality middlewares (maps/middleware.py), so
that a cached tile costs no query at all. `tile_access(request)` gives the same answer those would:
the user's active membership (municipalities.selectors.active_membership) in the session's chosen
municipality, and its role's capabilities, as a `TileAccess`. The answer is remembered per session
cookie in the process (maps/cache.py) for `ACCESS_TTL` seconds at most, and forgotten as soon as the
session changes or ends (logout, a switch of municipality) or the user or a membership changes:
triggers on those tables notify every process (maps/triggers.py).

A membership limited to some zones (municipalities/tenancy.py) narrows `TileAccess` and the tile key
by those zones, and the tile SQL keeps to them (maps/layers.py). The layers drawn only by maps the
municipality hides (municipalities/modules.py) are closed: 404 for every member. So are the layers
of the datasets it hides (its settings' `hidden_layers`, as the catalogue does): a hidden layer of
the register closes its tile layer, a hidden infrastructure kind is left out of the infrastructure
tiles, hidden parcels, buildings or signs out of the missed-revenue tiles (`Hidden`; the map pages,
their panels and printouts leave them out as well, maps/views.py). A change of its settings makes
every process forget the permissions it remembers (maps/triggers.py SETTINGS_ACCESS).

The municipality's extent is kept too: a tile wholly outside it is answered 404 without a query, so
another town's tiles (an outsider asking for our parcels' addresses) are refused outright.
"""

import time
from dataclasses import dataclass, field
from importlib import import_module

from django.conf import settings
from django.contrib.auth import get_user
from django.utils.functional import SimpleLazyObject

from catalogue.selectors import hidden_sources, profile_for_request, profile_of
from maps.cache import CACHE, meets, tile_bounds
from maps.layers import PERSONAL, REGISTER, TAXES
from municipalities.modules import closed_tiles, hidden_modules
from municipalities.permissions import Capability, capabilities_of
from municipalities.selectors import active_membership, zone_ids_of

ACCESS_TTL = 300  # seconds; triggers make it shorter whenever something changes

# The register datasets (catalogue/sources.py) drawn by the tile layer of the same name, closed when the
# dataset is hidden, and the features the missed-revenue layer then leaves out (its `kind`).
# Infrastructure has a dataset per kind (`infrastructure:<kind>`): a hidden one leaves that kind out.
REGISTER_LAYERS = ("zones", "blocks", "parcels", "buildings", "signboards")
MISSED_KINDS = {"parcels": "parcel_no_owner", "buildings": "building", "signboards": "signboard"}
INFRASTRUCTURE = "infrastructure:"


@dataclass(frozen=True)
class Hidden:
    """What the datasets a municipality hides take off its maps."""

    layers: frozenset[str] = frozenset()  # tile layers closed
    kinds: dict[str, tuple[str, ...]] = field(default_factory=dict)  # tile layer → the kinds it leaves out

    def kinds_of(self, layer: str) -> tuple[str, ...]:
        return self.kinds.get(layer, ())


def hidden_of(profile) -> Hidden:
    """The tile layers and kinds hidden by a municipality's settings (`catalogue.selectors.profile_of`)."""
    sources = hidden_sources(profile)
    kinds = {
        "infrastructure": tuple(
            sorted(s.removeprefix(INFRASTRUCTURE) for s in sources if s.startswith(INFRASTRUCTURE))
        ),
        "missed": tuple(sorted(MISSED_KINDS[s] for s in sources if s in MISSED_KINDS)),
    }
    return Hidden(
        layers=frozenset(s for s in sources if s in REGISTER_LAYERS),
        kinds={layer: found for layer, found in kinds.items() if found},
    )


def hidden_for(request) -> Hidden:
    """`hidden_of` the request's municipality (its settings are read once per request)."""
    return hidden_of(profile_for_request(request))


@dataclass(frozen=True)
class TileAccess:
    municipality_id: int
    level: str  # layers.PERSONAL, TAXES or REGISTER: which columns the tiles carry
    bounds: tuple[float, float, float, float]  # the municipality's extent in EPSG:3857
    zones: tuple[int, ...] = ()  # the zones of a zone-limited member, else ()
    closed: frozenset[str] = frozenset()  # layers only the modules it hides draw, or of datasets it hides
    hidden: Hidden = Hidden()  # the kinds each layer leaves out

    def may_read(self, layer) -> bool:
        return not layer.needs_taxes or self.level != REGISTER

    def covers(self, z: int, x: int, y: int) -> bool:
        """Whether the tile (with the margin its SQL reads) meets the municipality at all."""
        return meets(tile_bounds(z, x, y), self.bounds)


def access_level(capabilities, taxes_open: bool = True) -> str | None:
    """Tax amounts of single parcels need personal data; the tax status needs taxes, and a municipality
    that keeps the taxes module open (municipalities/modules.py); else the register."""
    if Capability.VIEW_REGISTER not in capabilities:
        return None
    if Capability.VIEW_TAXES in capabilities and taxes_open:
        return PERSONAL if Capability.VIEW_PERSONAL_DATA in capabilities else TAXES
    return REGISTER


def tile_access(request) -> TileAccess | None:
    """The municipality and access level of the request's user, or None (no tiles at all)."""
    session_key = request.COOKIES.get(settings.SESSION_COOKIE_NAME)
    if not session_key:
        return None
    cached = CACHE.access_get(session_key)
    if cached is not None:
        return cached[0]
    if not hasattr(request, "session"):  # the fast path runs before SessionMiddleware
        request.session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    if not hasattr(request, "user"):
        request.user = SimpleLazyObject(lambda: get_user(request))
    membership = active_membership(request)
    access = None
    if membership is not None:
        profile = profile_of(membership.municipality)
        hidden = hidden_modules(profile)
        level = access_level(capabilities_of(membership.role), taxes_open="taxes" not in hidden)
        if level is not None:
            datasets = hidden_of(profile)
            access = TileAccess(
                municipality_id=membership.municipality_id,
                level=level,
                bounds=membership.municipality.boundary.transform(3857, clone=True).extent,
                zones=tuple(sorted(zone_ids_of(membership) or ())),
                closed=closed_tiles(hidden) | datasets.layers,
                hidden=datasets,
            )
    expiry = request.session.get_expiry_date().timestamp() if request.user.is_authenticated else 0
    CACHE.access_put(session_key, access, request.user.pk, min(time.time() + ACCESS_TTL, expiry))
    return access
