"""Rendering a tile: one round trip to PostgreSQL, a statement prepared once per connection (as Martin does).

Django binds parameters on the client, so it never prepares statements by itself; each layer and
access level's SQL (maps/layers.py) is therefore `PREPARE`d by name the first time a database
connection needs it. The names prepared on a connection are remembered on the connection object
itself, so a reconnection prepares them again.

Every tile after that is one protocol-level execution of the prepared statement on this thread's
Django connection (libpq's `PQexecPrepared`, as `pgbench -M prepared` runs it), with the tile returned
in binary: no `EXECUTE …` text to parse, no hex encoding of a 100-300 KB bytea on the server and no
decoding here. Django's cursor is bypassed for that one call, and with it Django's health check, which
costs a `SELECT 1` round trip on the first query of every request (CONN_HEALTH_CHECKS); its purpose is
kept: when the connection turns out to be dead (the server restarted, a proxy dropped it while idle)
the tile is rendered once more on a new one. The execution is still logged where Django logs queries
(DEBUG, assertNumQueries), and errors are raised as Django's database errors.

The first tile on a connection also turns PostgreSQL's JIT compilation off for it: a z14 tile's plan
is costed above `jit_above_cost`, and compiling its expressions took 40-50 ms on every execution for
a query that runs in about as much (docs/BENCHMARKS.md). Short OLTP queries lose nothing by it.
"""

import hashlib
import time

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from psycopg import pq

from maps.cache import CACHE, TileKey
from maps.layers import LAYERS

MAX_TILE_BYTES = 500 * 1024  # docs/performance-anchors.md §1: no tile over 500 KB
_PREPARED = "_maps_prepared"


def statement_name(layer: str, access: str, zoned: bool = False, hiding: bool = False) -> str:
    return f"maps_tile_{layer}_{access}" + ("_zoned" if zoned else "") + ("_hiding" if hiding else "")


def _connection(db):
    """The psycopg connection under Django's `db`, with JIT off and the set of statements prepared on it."""
    db.ensure_connection()
    raw = db.connection
    if getattr(raw, _PREPARED, None) is None:
        with db.cursor() as cursor:
            cursor.execute("SET jit = off")
        setattr(raw, _PREPARED, set())
    return raw


def _text(value) -> bytes:
    """A parameter in PostgreSQL's text format (a member's zones are a bigint[], hidden kinds a text[] of
    identifiers such as `cctv`, which need no quoting)."""
    if isinstance(value, list):
        value = "{" + ",".join(map(str, value)) + "}"
    return str(value).encode()


def _run(db, raw, name: str, params: list):
    """One execution of a prepared statement, logged where Django logs queries."""
    values = [_text(p) for p in params]
    started = time.monotonic()
    result = raw.pgconn.exec_prepared(name.encode(), values, result_format=pq.Format.BINARY)
    if db.queries_logged:
        sql = f"EXECUTE {name}({', '.join(v.decode() for v in values)})"
        db.queries_log.append({"sql": sql, "time": f"{time.monotonic() - started:.3f}"})
    return result


def _execute(layer: str, access: str, params: list, zoned: bool, hiding: bool, retry: bool = True) -> bytes:
    name = statement_name(layer, access, zoned, hiding)
    db = connections[DEFAULT_DB_ALIAS]  # this thread's, looked up once: `connection.x` looks it up at each use
    with db.wrap_database_errors:
        raw = _connection(db)
        prepared = getattr(raw, _PREPARED)
        if name not in prepared:
            spec = LAYERS[layer]
            with db.cursor() as cursor:
                cursor.execute(f"PREPARE {name}({spec.parameters(zoned, hiding)}) AS {spec.sql(access, zoned, hiding)}")
            prepared.add(name)
        result = _run(db, raw, name, params)
        if result.status == pq.ExecStatus.TUPLES_OK:
            return result.get_value(0, 0) or b""
        if raw.broken and retry and not db.in_atomic_block:
            db.close()  # died while idle: once more on a new connection (what the health check is for)
            return _execute(layer, access, params, zoned, hiding, retry=False)
        raise psycopg.errors.error_from_result(result, encoding=raw.info.encoding)


def render(key: TileKey) -> bytes:
    """The tile's Mapbox Vector Tile bytes (empty below the layer's first zoom)."""
    if key.z < LAYERS[key.layer].min_zoom:
        return b""
    params = [key.z, key.x, key.y, key.municipality_id, key.year]
    if key.zones:
        params.append(list(key.zones))
    if key.hidden_kinds:
        params.append(list(key.hidden_kinds))
    return _execute(key.layer, key.access, params, zoned=bool(key.zones), hiding=bool(key.hidden_kinds))


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
