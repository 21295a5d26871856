"""The tile cache: tiles kept in each server process's memory, dropped exactly when a commit changes them.

Design
------
- **In-process, per worker** (like Martin's in-memory cache): a hit is a dictionary lookup and a copy
  of bytes, with no network hop and no query, which is what makes cached tiles cost microseconds.
  A shared cache (Redis, memcached) would add a round trip per tile and a service to run; with two
  workers each warms its own copy, and memory is bounded per process (`MAPS_TILE_CACHE_MB`, LRU).
- **Invalidation comes from PostgreSQL.** Triggers on every table a tile reads (maps/triggers.py)
  send `NOTIFY maps_tiles` with the municipality, the layers and the bounding boxes of the rows a
  statement changed. A notification is delivered only when its transaction commits, in commit
  order, and never for a rollback, so whatever wrote the change (a service, the admin, an import's
  COPY, an assessment run, a payment) every process learns about it the same way.
- **Multi-process consistency.** Each process runs one listener thread on its own connection
  (`LISTEN maps_tiles, maps_access`). A tile is dropped when its buffered envelope (the 16/1024
  margin the SQL reads) meets a changed box at its zoom, in its layer and municipality. Between a
  commit and its delivery (milliseconds) another process may still serve the old tile once; no
  process can keep it: a tile rendered from a snapshot older than an invalidation that arrived
  while it was being rendered is not stored (per-municipality epochs).
- **Fails closed.** Until the listener is connected, and whenever its connection drops, nothing is
  served from or stored in the cache (notifications may have been missed): tiles are rendered from
  the database, and the cache starts empty once the listener is back.
- **Time.** The tax status turns overdue at midnight without any write, so tiles that carry tax
  data are keyed by today's date (Asia/Bangkok) as well as the year.
- Cached tile permissions (maps/access.py) are kept and invalidated the same way, on `maps_access`.
"""

import json
import logging
import threading
import time
import uuid
from collections import OrderedDict, defaultdict
from typing import NamedTuple

import psycopg
from django.conf import settings
from django.db import connections

from maps.layers import BUFFER, EXTENT

log = logging.getLogger(__name__)

ORIGIN = 20037508.342789244  # half the width of the Web Mercator world, metres
CHANNELS = ("maps_tiles", "maps_access")


class TileKey(NamedTuple):
    municipality_id: int
    access: str
    layer: str
    z: int
    x: int
    y: int
    year: int
    day: str  # today's date for layers that carry the tax status, else ""
    zones: tuple[int, ...] = ()  # the zones a zone-limited member sees; () for the whole municipality
    hidden_kinds: tuple[str, ...] = ()  # the kinds of the layer's features the municipality hides (maps/access.py)


def tile_bounds(z: int, x: int, y: int, *, buffered: bool = True) -> tuple[float, float, float, float]:
    """The tile's envelope in EPSG:3857, with the margin the tile SQL reads (ST_TileEnvelope(…, margin))."""
    size = 2 * ORIGIN / 2**z
    margin = size * BUFFER / EXTENT if buffered else 0.0
    xmin, ymax = -ORIGIN + x * size, ORIGIN - y * size
    return xmin - margin, ymax - size - margin, xmin + size + margin, ymax + margin


def meets(bounds, box) -> bool:
    """Whether two boxes (xmin, ymin, xmax, ymax) share any point."""
    return bounds[0] <= box[2] and box[0] <= bounds[2] and bounds[1] <= box[3] and box[1] <= bounds[3]


class TileCache:
    """Tiles and tile permissions of one process; every method is safe across threads."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self._lock = threading.Lock()
        self._tiles: OrderedDict[TileKey, tuple[bytes, str]] = OrderedDict()
        self._bytes = 0
        self._by_layer: dict[tuple[int, str], set[TileKey]] = defaultdict(set)
        self._epochs: dict[int, int] = defaultdict(int)
        self._access: dict[str, tuple] = {}
        self.live = False  # the listener is connected: the cache may be used
        self._listener = None
        self._synced: dict[str, threading.Event] = {}

    # Tiles -------------------------------------------------------------------------------------

    def get(self, key: TileKey):
        if not self.live:
            return None
        with self._lock:
            entry = self._tiles.get(key)
            if entry is not None:
                self._tiles.move_to_end(key)
            return entry

    def epoch(self, municipality_id: int) -> int:
        return self._epochs[municipality_id]

    def put(self, key: TileKey, body: bytes, etag: str, epoch: int) -> bool:
        """Keep a rendered tile, unless an invalidation of its municipality arrived while it was rendered.

        A tile over an eighth of the cache is not kept; with no room at all (MAPS_TILE_CACHE_MB=0) nothing
        is, not even an empty tile.
        """
        if not self.live or not self.max_bytes or len(body) > self.max_bytes // 8:
            return False
        with self._lock:
            if self._epochs[key.municipality_id] != epoch:
                return False
            old = self._tiles.pop(key, None)
            if old is not None:
                self._bytes -= len(old[0])
            self._tiles[key] = (body, etag)
            self._by_layer[key.municipality_id, key.layer].add(key)
            self._bytes += len(body)
            while self._bytes > self.max_bytes:
                evicted, (evicted_body, _) = self._tiles.popitem(last=False)
                self._by_layer[evicted.municipality_id, evicted.layer].discard(evicted)
                self._bytes -= len(evicted_body)
        return True

    def invalidate(self, municipality_id: int, layers, boxes=None) -> int:
        """Drop the tiles of these layers that meet any of `boxes` (EPSG:3857), or all of them when None."""
        dropped = 0
        with self._lock:
            self._epochs[municipality_id] += 1
            for layer in layers:
                keys = self._by_layer.get((municipality_id, layer))
                if not keys:
                    continue
                stale = [k for k in keys if boxes is None or any(meets(tile_bounds(k.z, k.x, k.y), b) for b in boxes)]
                for key in stale:
                    keys.discard(key)
                    body, _ = self._tiles.pop(key)
                    self._bytes -= len(body)
                dropped += len(stale)
        return dropped

    def clear(self) -> None:
        with self._lock:
            for municipality_id in list(self._epochs):
                self._epochs[municipality_id] += 1
            self._tiles.clear()
            self._by_layer.clear()
            self._bytes = 0
            self._access.clear()

    def __len__(self):
        return len(self._tiles)

    def __contains__(self, key):
        return key in self._tiles

    # Tile permissions (maps/access.py) ----------------------------------------------------------

    def access_get(self, session_key: str):
        if not self.live:
            return None
        entry = self._access.get(session_key)
        if entry is None or entry[2] < time.time():
            return None
        return entry

    def access_put(self, session_key: str, access, user_id, expires_at: float) -> None:
        if self.live:
            self._access[session_key] = (access, user_id, expires_at)

    def _forget_access(self, payload: dict) -> None:
        with self._lock:
            if payload.get("all"):
                self._access.clear()
                return
            for key in payload.get("s") or ():
                self._access.pop(key, None)
            users = set(payload.get("u") or ())
            if users:
                for key in [k for k, v in self._access.items() if v[1] in users]:
                    self._access.pop(key, None)

    # Notifications -----------------------------------------------------------------------------

    def apply(self, channel: str, payload: str) -> None:
        data = json.loads(payload)
        if "sync" in data:
            event = self._synced.get(data["sync"])
            if event is not None:
                event.set()
        elif channel == "maps_access":
            self._forget_access(data)
        elif data.get("all"):
            self.clear()
        else:
            self.invalidate(data["m"], data["l"].split(","), data["b"])

    def ensure_listening(self) -> None:
        """Start this process's listener thread (once; again in a forked worker)."""
        listener = self._listener
        if listener is not None and listener.is_alive():
            return
        with self._lock:
            if self._listener is None or not self._listener.is_alive():
                self._listener = Listener(self)
                self._listener.start()

    def stop_listening(self) -> None:
        """Stop the listener and close its connection (the cache is off until it starts again)."""
        listener = self._listener
        if listener is not None:
            listener.stopping.set()
            listener.join(timeout=5)
            self._listener = None

    def sync(self, timeout: float = 10.0) -> None:
        """Wait until every notification committed before this call has been applied (for tests and tools)."""
        self.ensure_listening()
        deadline = time.monotonic() + timeout
        while not self.live:
            if time.monotonic() > deadline:
                raise TimeoutError("the tile cache listener did not connect")
            time.sleep(0.01)
        token = uuid.uuid4().hex
        event = self._synced[token] = threading.Event()
        try:
            with psycopg.connect(**_conninfo(), autocommit=True) as conn:
                conn.execute("SELECT pg_notify('maps_tiles', %s)", [json.dumps({"sync": token})])
            if not event.wait(max(deadline - time.monotonic(), 0.1)):
                raise TimeoutError("the tile cache did not catch up with the database")
        finally:
            self._synced.pop(token, None)


def _conninfo() -> dict:
    db = connections["default"].settings_dict
    info = {"dbname": db["NAME"], "user": db["USER"], "password": db["PASSWORD"]}
    if db.get("HOST"):
        info["host"] = db["HOST"]
    if db.get("PORT"):
        info["port"] = db["PORT"]
    return info


class Listener(threading.Thread):
    """LISTENs on the cache's channels and applies each notification; reconnects after a failure."""

    HEALTH_CHECK_SECONDS = 30.0

    def __init__(self, cache: TileCache):
        super().__init__(name="maps-tile-cache-listener", daemon=True)
        self.cache = cache
        self.stopping = threading.Event()

    def run(self):
        backoff = 0.5
        while not self.stopping.is_set():
            try:
                with psycopg.connect(**_conninfo(), autocommit=True) as conn:
                    for channel in CHANNELS:
                        conn.execute(f"LISTEN {channel}")
                    self.cache.clear()  # anything cached before this point may have missed notifications
                    self.cache.live = True
                    backoff = 0.5
                    checked = time.monotonic()
                    while not self.stopping.is_set():
                        for notify in conn.notifies(timeout=1.0):
                            self.cache.apply(notify.channel, notify.payload)
                        if time.monotonic() - checked > self.HEALTH_CHECK_SECONDS:
                            conn.execute("SELECT 1")  # notice a dead connection even when all is quiet
                            checked = time.monotonic()
            except Exception:  # the cache stays off until the listener is back
                log.warning("tile cache listener lost its connection; tiles are served uncached", exc_info=True)
                self.cache.live = False
                self.cache.clear()
                self.stopping.wait(backoff)
                backoff = min(backoff * 2, 30.0)
        self.cache.live = False
        self.cache.clear()


CACHE = TileCache(max_bytes=settings.MAPS_TILE_CACHE_MB * 1024 * 1024)
