"""The tile cache's own bookkeeping, apart from the database that invalidates it (test_invalidation.py)."""

import pytest

from maps.cache import TileCache, TileKey

pytestmark = pytest.mark.django_db  # the suite's fixtures seed the test database for every test


def key(x: int) -> TileKey:
    return TileKey(municipality_id=1, access="officer", layer="parcels", z=16, x=x, y=7, year=2026, day="")


def live_cache(max_bytes: int) -> TileCache:
    cache = TileCache(max_bytes=max_bytes)
    cache.live = True  # as the listener sets it once connected
    return cache


def test_a_cache_of_no_bytes_keeps_nothing_not_even_an_empty_tile():
    cache = live_cache(0)
    assert not cache.put(key(1), b"", '"e"', cache.epoch(1))
    assert cache.get(key(1)) is None


def test_a_cache_keeps_tiles_up_to_an_eighth_of_its_size_and_drops_the_least_recent_first():
    cache = live_cache(800)
    assert not cache.put(key(1), b"x" * 101, '"a"', cache.epoch(1))  # over an eighth
    for x in range(2, 10):
        assert cache.put(key(x), b"x" * 100, f'"{x}"', cache.epoch(1))
    assert cache.get(key(2)) is not None  # now the most recent
    assert cache.put(key(10), b"x" * 100, '"10"', cache.epoch(1))
    assert cache.get(key(3)) is None  # the least recent went to make room
    assert cache.get(key(2)) == (b"x" * 100, '"2"')
