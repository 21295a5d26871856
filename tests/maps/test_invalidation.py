"""The tile cache drops exactly the tiles a committed change touches, whatever made the change.

These tests commit (transactional, so they run last): PostgreSQL delivers the triggers' notifications
only on commit, and `CACHE.sync()` waits until this process's listener has applied every one of them.
"""

import datetime
import json
from decimal import Decimal

import psycopg
import pytest
from django.contrib.gis.geos import MultiPolygon
from django.db import connection
from django.test import Client
from django.utils import timezone

from assets.models import Parcel
from assets.services import parcel_update
from catalogue.services import profile_update
from maps.cache import CACHE, TileKey
from maps.triggers import BULK_ROWS, TAX_LAYERS
from municipalities.choices import Role
from municipalities.tenancy import platform_scope, scoped_to
from taxes.models import Assessment, TaxStatus
from taxes.services import assessment_run, notices_issue, payment_record
from tests.factories import AssessmentRunFactory, BlockFactory, InfrastructureAssetFactory, MembershipFactory, _inside
from tests.maps.conftest import features, tile_away_from, tile_of, tile_url
from tests.taxes import scenario

pytestmark = pytest.mark.django_db(transaction=True)
D = datetime.date


@pytest.fixture
def town():
    m, _, parcels, _ = scenario.build()
    officer = MembershipFactory(municipality=m, role=Role.TAX_OFFICER).user
    with scoped_to(m):
        run = assessment_run(municipality=m, tax_year=2026)
    client = Client()
    client.force_login(officer)
    CACHE.sync()
    return {"m": m, "parcels": parcels, "officer": officer, "client": client, "run": run}


def cached(town, layer, zxy) -> bool:
    key = TileKey(
        town["m"].pk, "personal", layer, *zxy, 2026, timezone.localdate().isoformat() if layer != "buildings" else ""
    )
    return key in CACHE


def warm(town, layer, zxy):
    response = town["client"].get(tile_url(layer, *zxy))
    assert response.status_code in (200, 204)
    assert cached(town, layer, zxy)


def test_an_edit_to_a_parcel_drops_the_tiles_it_touches_and_no_others(town):
    house = town["parcels"]["01A002"]
    near = tile_of(house.geom.centroid, 18)
    far = tile_away_from(house.geom, [p.geom for p in town["parcels"].values()], 18)
    for zxy in (near, far):
        warm(town, "parcels", zxy)
        warm(town, "buildings", zxy)
    moved = MultiPolygon(house.geom[0].buffer(-0.00002), srid=4326)
    with scoped_to(town["m"]):
        parcel_update(parcel=house, acting_user=town["officer"], geom=moved)
    CACHE.sync()
    assert not cached(town, "parcels", near)  # the parcel's own tile at z18 …
    assert cached(town, "parcels", far)  # … not another parcel's
    assert cached(town, "buildings", near) and cached(town, "buildings", far)  # nor another layer's
    assert town["client"].get(tile_url("parcels", *near))["X-Tile-Cache"] == "miss"
    assert town["client"].get(tile_url("parcels", *far))["X-Tile-Cache"] == "hit"


def test_a_payment_drops_its_parcels_tiles_and_its_blocks_revenue_but_not_its_neighbours(town):
    house = town["parcels"]["01A002"]
    near = tile_of(house.geom.centroid, 18)
    far = tile_away_from(house.geom, [p.geom for p in town["parcels"].values()], 18)
    block_tile = tile_of(house.geom.centroid, 13)
    with scoped_to(town["m"]):
        assessment = Assessment.objects.get(run=town["run"], parcel=house)
        notices_issue(assessments=[assessment], issued_on=D(2026, 2, 15), acting_user=town["officer"])
    CACHE.sync()
    for zxy in (near, far):
        warm(town, "parcels", zxy)
    warm(town, "blocks", block_tile)
    with scoped_to(town["m"]):
        payment_record(
            assessment=assessment, receipt_number="R-9", amount=Decimal("100.00"), paid_on=D(2026, 3, 1),
            acting_user=town["officer"],
        )  # fmt: skip
    CACHE.sync()
    assert not cached(town, "parcels", near)
    assert cached(town, "parcels", far)
    assert not cached(town, "blocks", block_tile)


def test_a_new_assessment_run_drops_every_tax_tile_of_its_municipality_only(town):
    house = town["parcels"]["01A002"]
    zxy = tile_of(house.geom.centroid, 18)
    warm(town, "parcels", zxy)
    warm(town, "buildings", zxy)
    other, _, other_parcels, _ = scenario.build()
    other_officer = MembershipFactory(municipality=other, role=Role.TAX_OFFICER).user
    other_client = Client()
    other_client.force_login(other_officer)
    other_zxy = tile_of(other_parcels["01A002"].geom.centroid, 18)
    assert other_client.get(tile_url("parcels", *other_zxy)).status_code == 200
    other_key = TileKey(other.pk, "personal", "parcels", *other_zxy, 2026, timezone.localdate().isoformat())
    assert other_key in CACHE
    with scoped_to(town["m"]):
        assessment_run(municipality=town["m"], tax_year=2026)
    CACHE.sync()
    assert not cached(town, "parcels", zxy)
    assert cached(town, "buildings", zxy)  # no tax on buildings' tiles
    assert other_key in CACHE  # another municipality's tiles stay


def test_a_tile_permission_is_forgotten_when_the_session_ends(town):
    zxy = tile_of(town["parcels"]["01A002"].geom.centroid, 16)
    assert town["client"].get(tile_url("parcels", *zxy)).status_code == 200
    session_key = town["client"].cookies["sessionid"].value
    assert CACHE.access_get(session_key) is not None
    stolen = Client()
    stolen.cookies["sessionid"] = session_key
    town["client"].logout()
    CACHE.sync()
    assert CACHE.access_get(session_key) is None
    assert stolen.get(tile_url("parcels", *zxy)).status_code == 403


@pytest.mark.parametrize("rows, whole", [(BULK_ROWS, False), (BULK_ROWS + 1, True)])
def test_a_statement_of_more_than_bulk_rows_invalidates_its_municipality_as_a_whole(rows, whole):
    """Up to BULK_ROWS changed rows are told by their boxes; one more and the layers of the whole
    municipality are dropped (maps/triggers.py), whatever the size of the statement."""
    block = BlockFactory()
    m = block.municipality
    run = AssessmentRunFactory(municipality=m)
    with platform_scope():
        lots = Parcel.objects.bulk_create(
            Parcel(
                municipality=m, block=block, parcel_code=f"01A{n:03d}", area_sq_wah=Decimal(100),
                geom=MultiPolygon(_inside(m, n), srid=4326),
            )
            for n in range(rows)
        )  # fmt: skip
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as listener:
        listener.execute("LISTEN maps_tiles")
        with platform_scope():
            TaxStatus.objects.bulk_create(
                TaxStatus(municipality=m, run=run, tax_year=2026, parcel=lot, tax_due=Decimal("1.00"), tax_paid=0)
                for lot in lots
            )
        told = [json.loads(n.payload) for n in listener.notifies(timeout=2, stop_after=1)]
    assert told and told[0]["m"] == m.pk
    if whole:
        assert told[0] == {"m": m.pk, "l": TAX_LAYERS, "b": None}
    else:
        assert told[0]["l"] == "parcels,missed" and told[0]["b"]


def test_a_tile_permission_is_forgotten_when_the_municipality_hides_a_map(town):
    """The modules a municipality hides close tile layers (municipalities/modules.py): every process
    forgets the permissions it remembers as soon as the settings change is committed."""
    zxy = tile_of(town["parcels"]["01A002"].geom.centroid, 16)
    assert town["client"].get(tile_url("signboards", *zxy)).status_code in (200, 204)
    with scoped_to(town["m"]):
        profile_update(municipality=town["m"], acting_user=None, hidden_modules=["maps-tax"])
    CACHE.sync()
    assert town["client"].get(tile_url("signboards", *zxy)).status_code == 404
    assert town["client"].get(tile_url("parcels", *zxy)).status_code == 200  # the revenue map draws them too
    with scoped_to(town["m"]):
        profile_update(municipality=town["m"], acting_user=None, hidden_modules=[])
    CACHE.sync()
    assert town["client"].get(tile_url("signboards", *zxy)).status_code in (200, 204)


def test_a_tile_permission_is_forgotten_when_the_municipality_hides_a_layer(town):
    """A hidden layer (`hidden_layers`) closes its tiles or leaves its kind out of them: the same session
    gets the change as soon as it is committed, and gets the layer back when it is shown again."""
    camera = InfrastructureAssetFactory(
        municipality=town["m"], kind="cctv", geom=town["parcels"]["01A002"].geom.centroid
    )
    zxy = tile_of(camera.geom, 16)

    def drawn():
        return [
            f["properties"]["kind"]
            for f in features(town["client"].get(tile_url("infrastructure", *zxy)), "infrastructure")
        ]

    CACHE.sync()
    assert drawn() == ["cctv"] and town["client"].get(tile_url("signboards", *zxy)).status_code in (200, 204)
    with scoped_to(town["m"]):
        profile_update(municipality=town["m"], acting_user=None, hidden_layers=["infrastructure-cctv", "signboards"])
    CACHE.sync()
    assert drawn() == [] and town["client"].get(tile_url("signboards", *zxy)).status_code == 404
    with scoped_to(town["m"]):
        profile_update(municipality=town["m"], acting_user=None, hidden_layers=[])
    CACHE.sync()
    assert drawn() == ["cctv"] and town["client"].get(tile_url("signboards", *zxy)).status_code in (200, 204)
