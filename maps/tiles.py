"""Rendering a tile: one round trip to PostgreSQL, a statement prepared once per connection (as Martin does).

Django binds parameters on the client, so it never prepares statements by itself; each layer and
access level's SQL (maps/layers.py) is therefore `PREPARE`d by name the first time a database
connection needs it, and every tile is one `EXECUTE name(z, x, y, municipality, year)`: no parse and,
after the first few executions, no planning either. The names prepared on a connection are
remembered on the connection object itself, so a reconnection prepares them again.
"""

import hashlib

from django.db import connection

from maps.cache import CACHE, TileKey
from maps.layers import LAYERS

MAX_TILE_BYTES = 500 * 1024  # docs/performance-anchors.md §1: no tile over 500 KB
_PREPARED = "_maps_prepared"


def statement_name(layer: str, access: str) -> str:
    return f"maps_tile_{layer}_{access}"


def _execute(layer: str, access: str, params: list) -> bytes:
    name = statement_name(layer, access)
    with connection.cursor() as cursor:
        raw = connection.connection
        prepared = getattr(raw, _PREPARED, None)
        if prepared is None:
            prepared = set()
            setattr(raw, _PREPARED, prepared)
        if name not in prepared:
            cursor.execute(f"PREPARE {name}(int, int, int, bigint, int) AS {LAYERS[layer].sql(access)}")
            prepared.add(name)
        cursor.execute(f"EXECUTE {name}(%s, %s, %s, %s, %s)", params)
        return bytes(cursor.fetchone()[0] or b"")


def render(key: TileKey) -> bytes:
    """The tile's Mapbox Vector Tile bytes (empty below the layer's first zoom)."""
    if key.z < LAYERS[key.layer].min_zoom:
        return b""
    return _execute(key.layer, key.access, [key.z, key.x, key.y, key.municipality_id, key.year])


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
