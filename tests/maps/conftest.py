import math

import mapbox_vector_tile
import pytest

from maps.cache import CACHE, meets, tile_bounds


@pytest.fixture(autouse=True, scope="session")
def _tile_cache_listener(django_db_setup):
    """The listener (started by the first tile) holds a connection: close it before the test database goes."""
    yield
    CACHE.stop_listening()


@pytest.fixture(autouse=True)
def empty_tile_cache():
    """Each test starts with no cached tiles or tile permissions in this process."""
    CACHE.clear()
    yield
    CACHE.clear()


def tile_of(point, z: int) -> tuple[int, int, int]:
    """The z/x/y of the Web Mercator tile holding a lon/lat point."""
    n = 2**z
    x = int((point.x + 180) / 360 * n)
    y = int((1 - math.asinh(math.tan(math.radians(point.y))) / math.pi) / 2 * n)
    return z, x, y


def tile_away_from(geom, candidates, z: int) -> tuple[int, int, int]:
    """The tile, at zoom z, of the first candidate geometry whose tile (with the margin its SQL reads)
    does not meet `geom` at all: a change to `geom` must leave that tile alone."""
    box = geom.transform(3857, clone=True).extent
    for candidate in candidates:
        zxy = tile_of(candidate.centroid, z)
        if not meets(tile_bounds(*zxy), box):
            return zxy
    raise AssertionError("every candidate's tile meets the geometry")


def tile_url(layer: str, z: int, x: int, y: int, year: int = 2026) -> str:
    return f"/tiles/{layer}/{z}/{x}/{y}.pbf?year={year}"


def features(response, layer: str) -> list[dict]:
    """The decoded features of one layer of a tile response (empty for 204)."""
    if response.status_code == 204 or not response.content:
        return []
    return mapbox_vector_tile.decode(response.content).get(layer, {}).get("features", [])
