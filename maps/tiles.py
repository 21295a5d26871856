"""Rendering a tile: one round trip to PostgreSQL, a statement prepared once per connection (as Martin does).

Django binds parameters on the client, so it never prepares statements by itself; each layer and
access level's SQL (maps/layers.py) is therefore `PREPARE`d by name the first time a database
connection needs it, and every tile is one `EXECUTE name(z, x, y, municipality, year)`: no parse and,
after the first few executions, no planning either. The names prepared on a connection are
remembered on the connection object itself, so a reconnection prepares them again.

The first tile on a connection also turns PostgreSQL's JIT compilation off for it: a z14 tile's plan
is costed above `jit_above_cost`, and compiling its expressions took 40-50 ms on every execution for
a query that runs in about as much (docs/BENCHMARKS.md). Short OLTP queries lose nothing by it.
"""

import hashlib

from django.db import connection

from maps.cache import CACHE, TileKey
from maps.layers import LAYERS

MAX_TILE_BYTES = 500 * 1024  # docs/performance-anchors.md §1: no tile over 500 KB
_PREPARED = "_maps_prepared"


def statement_name(layer: str, access: str, zoned: bool = False) -> str:
    return f"maps_tile_{layer}_{access}" + ("_zoned" if zoned else "")


def _execute(layer: str, access: str, params: list, zoned: bool) -> bytes:
    name = statement_name(layer, access, zoned)
    with connection.cursor() as cursor:
        raw = connection.connection
        prepared = getattr(raw, _PREPARED, None)
        if prepared is None:
            cursor.execute("SET jit = off")
            prepared = set()
            setattr(raw, _PREPARED, prepared)
        if name not in prepared:
            spec = LAYERS[layer]
            cursor.execute(f"PREPARE {name}({spec.parameters(zoned)}) AS {spec.sql(access, zoned)}")
            prepared.add(name)
        cursor.execute(f"EXECUTE {name}({', '.join(['%s'] * len(params))})", params)
        return bytes(cursor.fetchone()[0] or b"")


def render(key: TileKey) -> bytes:
    """The tile's Mapbox Vector Tile bytes (empty below the layer's first zoom)."""
    if key.z < LAYERS[key.layer].min_zoom:
        return b""
    params = [key.z, key.x, key.y, key.municipality_id, key.year]
    if key.zones:
        params.append(list(key.zones))
    return _execute(key.layer, key.access, params, zoned=bool(key.zones))


def etag_of(body: bytes) -> str:
    return '"' + hashlib.blake2b(body, digest_size=12).hexdigest() + '"'


def tile(key: TileKey) -> tuple[bytes, str, bool]:
    """(body, etag, from cache) for a tile, through the process's cache."""
    CACHE.ensure_listening()
    hit = CACHE.get(key)
    if hit is not None:
        return hit[0], hit[1], True
    epoch = CACHE.epoch(key.municipality_id)
    body = render(key)
    etag = etag_of(body)
    CACHE.put(key, body, etag, epoch)
    return body, etag, False
