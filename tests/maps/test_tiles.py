"""Vector tiles: what each role gets, scoping, low zooms, the size cap and what a cached tile costs."""

import datetime
from decimal import Decimal

import psycopg
import pytest
from django.contrib.gis.geos import MultiPolygon, Polygon
from django.db import connection
from django.test import TestCase
from django.utils import timezone

from assets.models import LandUse, Parcel
from assets.services import parcel_set_land_uses
from maps.cache import CACHE, _conninfo
from maps.layers import ACCESS_LEVELS, LAYERS
from maps.tiles import MAX_TILE_BYTES, statement_name
from municipalities.choices import Role
from municipalities.models import Zone
from municipalities.tenancy import platform_scope, scoped_to
from taxes.models import Assessment, TaxStatus
from taxes.selectors import parcel_tax_status
from taxes.services import assessment_run, notices_issue, payment_record
from tests.factories import (
    AssessmentRunFactory,
    BlockFactory,
    BuildingFactory,
    InfrastructureAssetFactory,
    LandUseFactory,
    MembershipFactory,
    MunicipalityFactory,
    ParcelFactory,
    SignboardFactory,
    WorkOrderFactory,
    ZoneFactory,
)
from tests.maps.conftest import features, tile_of, tile_url
from tests.taxes import scenario

D = datetime.date
pytestmark = pytest.mark.django_db


class TileTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.m, cls.people, cls.parcels, cls.sign = scenario.build()
        cls.members = {role: MembershipFactory(municipality=cls.m, role=role).user for role in Role}
        outsider = MembershipFactory(role=Role.TAX_OFFICER)
        cls.outsider = outsider.user
        cls.outsiders_zone = ZoneFactory(municipality=outsider.municipality, code="01")
        cls.officer = cls.members[Role.TAX_OFFICER]
        with scoped_to(cls.m):
            run = assessment_run(municipality=cls.m, tax_year=2026)
            house = Assessment.objects.get(run=run, parcel=cls.parcels["01A002"])
            (notice,) = notices_issue(assessments=[house], issued_on=D(2026, 2, 15), acting_user=cls.officer)
            payment_record(
                assessment=house, receipt_number="R1", amount=house.tax / 2, paid_on=D(2026, 3, 1), acting_user=None
            )
        cls.asset = InfrastructureAssetFactory(municipality=cls.m, geom=cls.parcels["01A004"].geom.centroid)
        WorkOrderFactory(municipality=cls.m, asset=cls.asset)
        cls.z16 = tile_of(cls.parcels["01A002"].geom.centroid, 16)
        # Half paid: part paid until the due date, overdue after it (the status follows today's date).
        cls.house_status = "overdue" if timezone.localdate() > notice.due_on else "part_paid"

    def get(self, user, layer, zxy=None):
        self.client.force_login(user)
        return self.client.get(tile_url(layer, *(zxy or self.z16)))

    def parcels_by_id(self, response):
        return {f["id"]: f["properties"] for f in features(response, "parcels")}

    def test_an_officer_sees_each_parcels_land_use_tax_status_and_amounts(self):
        tile = self.get(self.officer, "parcels")
        assert tile.status_code == 200 and tile["Content-Type"] == "application/vnd.mapbox-vector-tile"
        house = self.parcels_by_id(tile)[self.parcels["01A002"].pk]
        assert house == {
            "land_use": "residential_main",
            "tax_status": self.house_status,
            "tax_due": 552.0,
            "tax_paid": 276.0,
        }
        nobody_tile = self.get(self.officer, "parcels", tile_of(self.parcels["01A008"].geom.centroid, 16))
        nobody = self.parcels_by_id(nobody_tile)[self.parcels["01A008"].pk]
        assert nobody["tax_status"] == "not_assessed" and "tax_due" not in nobody

    def test_a_z14_tile_draws_every_parcel_with_its_status_and_land_use_and_the_amounts_come_at_z15(self):
        """maps/layers.py: the overview tile carries what the map draws by; a parcel of 3 m by 3 m (a third
        of a screen pixel at z14) is still in it on the 1024-unit grid; one zoom in, the amounts too."""
        house = self.parcels["01A002"]
        lon, lat = house.geom.extent[2:]
        side = 3 / 111_320
        tiny = ParcelFactory(
            municipality=self.m,
            parcel_code="09Z001",
            geom=MultiPolygon(Polygon.from_bbox((lon, lat, lon + side, lat + side)), srid=4326),
        )
        with scoped_to(self.m):
            every = set(Parcel.objects.values_list("pk", flat=True))
        overview = {}
        for zxy in {tile_of(p.geom.centroid, 14) for p in [*self.parcels.values(), tiny]}:
            overview |= self.parcels_by_id(self.get(self.officer, "parcels", zxy))
        assert set(overview) == every and tiny.pk in overview
        assert overview[house.pk] == {"land_use": "residential_main", "tax_status": self.house_status}
        closer = self.parcels_by_id(self.get(self.officer, "parcels", tile_of(house.geom.centroid, 15)))
        assert closer[house.pk] == overview[house.pk] | {"tax_due": 552.0, "tax_paid": 276.0}

    def test_the_tiles_tax_status_and_land_use_are_the_registers_for_every_status(self):
        """The tile SQL derives the status itself (maps/layers.py): it agrees with the view taxes_tax_status
        for each status, and a parcel's land use is its largest use (the lower id on a tie)."""
        today = timezone.localdate()
        states = [  # notice sent, due, paid, due on
            (True, "100.00", "100.00", today),  # paid
            (False, "100.00", "0.00", None),  # assessed
            (True, "100.00", "40.00", today - datetime.timedelta(days=1)),  # overdue
            (True, "100.00", "40.00", today),  # part paid (due today)
            (True, "100.00", "0.00", today + datetime.timedelta(days=1)),  # notice sent
        ]
        with scoped_to(self.m):
            rows = list(TaxStatus.objects.filter(run__is_current=True, parcel__isnull=False).order_by("parcel_id"))
            assert len(rows) >= len(states)
            for row, (sent, due, paid, due_on) in zip(rows, states, strict=False):
                row.notice_sent, row.tax_due, row.tax_paid, row.due_on = sent, Decimal(due), Decimal(paid), due_on
                row.save()
            tied = rows[0].parcel
            first = LandUseFactory(parcel=tied, use="other", area_sq_wah=Decimal("5000"))
            LandUseFactory(parcel=tied, use="agriculture", area_sq_wah=Decimal("5000"))
            register = parcel_tax_status(tax_year=2026)
            parcels = list(Parcel.objects.filter(block__code="01A"))
            largest = {p.pk: p.land_uses.order_by("-area_sq_wah", "pk").first() for p in parcels}
        assert {register[r.parcel_id].status for r in rows[: len(states)]} == {
            "paid", "assessed", "overdue", "part_paid", "notice_sent",
        }  # fmt: skip
        assert any(p.pk not in register for p in parcels)  # and parcels not assessed
        seen = {}
        for zxy in {tile_of(p.geom.centroid, 16) for p in parcels}:
            seen |= self.parcels_by_id(self.get(self.officer, "parcels", zxy))
        for parcel in parcels:
            status = register.get(parcel.pk)
            expected = {"land_use": largest[parcel.pk].use} if largest[parcel.pk] else {}
            if status is None:
                expected["tax_status"] = "not_assessed"
            else:
                expected |= {
                    "tax_status": status.status,
                    "tax_due": float(status.tax_due),
                    "tax_paid": float(status.tax_paid),
                }
            assert seen[parcel.pk] == expected, parcel.parcel_code
        assert seen[tied.pk]["land_use"] == first.use

    def test_the_tiles_land_use_follows_every_change_of_the_land_uses(self):
        """The largest use is kept on the parcel by a trigger (maps/triggers.py MAIN_USE): a replacement
        through the service, an update and a delete outside it, each seen by the next tile."""
        house = self.parcels["01A002"]  # residential_main, its whole area

        def land_use():
            CACHE.clear()  # tests never commit, so the cache never hears of the change
            return self.parcels_by_id(self.get(self.officer, "parcels")).get(house.pk, {}).get("land_use")

        with scoped_to(self.m):
            half = house.area_sq_wah / 2
            parcel_set_land_uses(
                parcel=house,
                uses=[
                    {"use": "agriculture", "area_sq_wah": half - 1},
                    {"use": "residential_other", "area_sq_wah": half + 1},
                ],
                acting_user=self.officer,
            )
            assert land_use() == "residential_other"
            LandUse.objects.filter(parcel=house, use="agriculture").update(area_sq_wah=half + 2)
            assert land_use() == "agriculture"
            LandUse.objects.filter(parcel=house).delete()
            assert land_use() is None

    def test_an_executives_tiles_carry_the_tax_status_but_nothing_about_a_taxpayer(self):
        tile = self.get(self.members[Role.EXECUTIVE], "parcels")
        house = self.parcels_by_id(tile)[self.parcels["01A002"].pk]
        assert house == {"land_use": "residential_main", "tax_status": self.house_status}
        assert "สมชาย".encode() not in tile.content
        # the sign's own tile: the factories lay parcels out in sequence, so it may not share the house's
        signs = features(
            self.get(self.members[Role.EXECUTIVE], "signboards", tile_of(self.sign.location, 16)), "signboards"
        )
        assert [s["properties"] for s in signs] == [{"sign_type": "thai_mixed", "tax_status": "assessed"}]

    def test_an_engineer_gets_the_register_and_infrastructure_but_no_tax(self):
        engineer = self.members[Role.ENGINEER]
        house = self.parcels_by_id(self.get(engineer, "parcels"))[self.parcels["01A002"].pk]
        assert house == {"land_use": "residential_main"}
        assert self.get(engineer, "missed").status_code == 403
        assets = features(self.get(engineer, "infrastructure", tile_of(self.asset.geom, 16)), "infrastructure")
        assert [(a["id"], a["properties"]["kind"], a["properties"]["open_orders"]) for a in assets] == [
            (self.asset.pk, "streetlight", 1)
        ]

    def test_zones_and_blocks_carry_the_years_revenue(self):
        z13 = tile_of(self.parcels["01A002"].geom.centroid, 13)
        tile = self.get(self.officer, "blocks", z13)
        (block,) = features(tile, "blocks")
        expected = sum(scenario.EXPECTED.values()) + scenario.SIGN_TAX
        assert block["properties"]["code"] == "01A"
        assert block["properties"]["expected"] == pytest.approx(float(expected))
        assert block["properties"]["collected"] == pytest.approx(276.0)
        assert block["properties"]["rate"] == pytest.approx(round(276 / float(expected), 4))
        (engineer_block,) = features(self.get(self.members[Role.ENGINEER], "blocks", z13), "blocks")
        assert engineer_block["properties"] == {"code": "01A"}

    def test_an_outsider_gets_nothing_of_this_municipality(self):
        assert self.get(self.outsider, "parcels").status_code == 404  # a tile outside their own municipality
        # A low-zoom tile over both towns carries the outsider's own zone and none of ours.
        z8 = tile_of(self.parcels["01A002"].geom.centroid, 8)
        theirs = {f["id"] for f in features(self.get(self.outsider, "zones", z8), "zones")}
        with scoped_to(self.m):
            ours = set(Zone.objects.values_list("pk", flat=True))
        assert theirs == {self.outsiders_zone.pk} and not ours & theirs
        self.client.logout()
        assert self.client.get(tile_url("parcels", *self.z16)).status_code == 403
        assert self.client.get(tile_url("nothing", *self.z16)).status_code == 404
        self.client.force_login(self.officer)
        assert self.client.post(tile_url("parcels", *self.z16)).status_code == 405

    def test_low_zooms_never_carry_parcels(self):
        z, x, y = tile_of(self.parcels["01A002"].geom.centroid, 13)
        assert self.get(self.officer, "parcels", (z, x, y)).status_code == 204
        assert features(self.get(self.officer, "zones", (z, x, y)), "zones")

    def test_a_cached_tile_costs_no_query_at_all(self):
        CACHE.sync()
        self.client.force_login(self.officer)
        url = tile_url("parcels", *self.z16)
        # The first tile of a session: session, user, membership, its zones, the modules its municipality
        # hides (catalogue.MunicipalProfile); then, the first on this database connection, JIT off and
        # PREPARE of the statement; EXECUTE.
        with self.assertNumQueries(8):
            first = self.client.get(url)
        assert first["X-Tile-Cache"] == "miss"
        with self.assertNumQueries(0):
            again = self.client.get(url)
        assert again["X-Tile-Cache"] == "hit" and again.content == first.content
        with self.assertNumQueries(0):
            unchanged = self.client.get(url, HTTP_IF_NONE_MATCH=first["ETag"])
        assert unchanged.status_code == 304
        # Another tile of the same layer: one EXECUTE of the statement already prepared on this connection.
        z, x, y = self.z16
        with self.assertNumQueries(1):
            self.client.get(tile_url("parcels", z, x + 1, y))

    def test_every_layer_renders_for_every_access_level(self):
        z, x, y = self.z16
        with connection.cursor() as cursor:
            for layer in LAYERS.values():
                for access in ACCESS_LEVELS:
                    name = "check_" + statement_name(layer.name, access)
                    cursor.execute(f"PREPARE {name}(int, int, int, bigint, int) AS {layer.sql(access)}")
                    cursor.execute(f"EXECUTE {name}(%s, %s, %s, %s, 2026)", [z, x, y, self.m.pk])
                    assert isinstance(cursor.fetchone()[0], bytes | memoryview | None)
                    cursor.execute(f"DEALLOCATE {name}")


@pytest.mark.django_db
def test_parcels_at_the_benchmark_towns_density_stay_under_500_kb_at_their_first_zoom(client):
    """Lots of 29.8 m as in the 1M-parcel town (fixtures/bulk.py), each with a land use and a distinct
    tax due and paid, as an officer gets them: the bytes per parcel times the parcels of a z14 tile
    (2,446 m a side) stay under the cap, and below z14 there are no parcels at all."""
    town = MunicipalityFactory()
    lon0, lat0, _, _ = town.boundary.extent
    step = 29.8 / 111_320
    with platform_scope():
        parcels = Parcel.objects.bulk_create(
            Parcel(
                municipality=town,
                parcel_code=f"01A{n:03d}",
                area_sq_wah=Decimal(222),
                geom=MultiPolygon(
                    Polygon.from_bbox(
                        (lon0 + 0.001 + (n % 30) * step, lat0 + 0.001 + (n // 30) * step,
                         lon0 + 0.001 + (n % 30 + 1) * step, lat0 + 0.001 + (n // 30 + 1) * step)
                    ),
                    srid=4326,
                ),
            )
            for n in range(900)
        )  # fmt: skip
        LandUse.objects.bulk_create(
            LandUse(municipality=town, parcel=p, use="residential_other", area_sq_wah=Decimal(222)) for p in parcels
        )
        run = AssessmentRunFactory(municipality=town, is_current=True)
        TaxStatus.objects.bulk_create(
            TaxStatus(
                municipality=town, run=run, tax_year=2026, parcel=p, notice_sent=True, due_on=D(2026, 4, 30),
                tax_due=Decimal(1000 + n * 7.31).quantize(Decimal("0.01")),
                tax_paid=Decimal(n * 3.17).quantize(Decimal("0.01")),
            )
            for n, p in enumerate(parcels)
        )  # fmt: skip
    client.force_login(MembershipFactory(municipality=town, role=Role.TAX_OFFICER).user)
    z, x, y = tile_of(parcels[465].geom.centroid, 17)
    tile = client.get(tile_url("parcels", z, x, y))
    drawn = features(tile, "parcels")
    assert len(drawn) > 100 and all("tax_due" in f["properties"] for f in drawn)
    parcels_in_z14_tile = (2446 / 29.8) ** 2
    assert len(tile.content) / len(drawn) * parcels_in_z14_tile < MAX_TILE_BYTES
    assert client.get(tile_url("parcels", *tile_of(parcels[465].geom.centroid, 13))).status_code == 204


@pytest.mark.django_db(transaction=True)
def test_a_tile_is_rendered_on_a_new_connection_when_the_database_dropped_the_idle_one(client):
    """A tile runs no health-check query first (maps/tiles.py): a connection that died while idle is
    found by the tile's own statement, which runs once more on a new connection."""
    m, _people, parcels, _sign = scenario.build()
    CACHE.sync()  # the listener is up: the session's permission is remembered after the first tile
    client.force_login(MembershipFactory(municipality=m, role=Role.TAX_OFFICER).user)
    url = tile_url("parcels", *tile_of(parcels["01A002"].geom.centroid, 16))
    first = client.get(url)
    assert first.status_code == 200
    dead = connection.connection.info.backend_pid
    with psycopg.connect(**_conninfo(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [dead])
    CACHE.invalidate(m.pk, ["parcels"])  # the tile again, the permission still remembered: no other query first
    again = client.get(url)
    assert again["X-Tile-Cache"] == "miss" and again.content == first.content
    assert connection.connection.info.backend_pid != dead


class ZoneLimitedTileTests(TestCase):
    """A member limited to zone 01 gets the tiles of zone 01 only; the town's infrastructure is everyone's."""

    @classmethod
    def setUpTestData(cls):
        cls.m = MunicipalityFactory()
        cls.zone1, cls.zone2 = ZoneFactory(municipality=cls.m, code="01"), ZoneFactory(municipality=cls.m, code="02")
        cls.block1, cls.block2 = BlockFactory(zone=cls.zone1, code="01A"), BlockFactory(zone=cls.zone2, code="02A")
        cls.mine = ParcelFactory(municipality=cls.m, block=cls.block1, parcel_code="01A001")
        cls.theirs = ParcelFactory(municipality=cls.m, block=cls.block2, parcel_code="02A001")
        cls.things = {}
        for parcel in (cls.mine, cls.theirs):
            LandUseFactory(parcel=parcel)
            cls.things[parcel.pk] = {
                "parcels": parcel.pk,
                "buildings": BuildingFactory(parcel=parcel).pk,
                "signboards": SignboardFactory(parcel=parcel).pk,
            }
        cls.streetlight = InfrastructureAssetFactory(municipality=cls.m, geom=cls.theirs.geom.centroid)
        limited = MembershipFactory(municipality=cls.m, role=Role.TAX_OFFICER)
        limited.zones.set([cls.zone1])
        cls.limited = limited.user
        cls.everywhere = MembershipFactory(municipality=cls.m, role=Role.TAX_OFFICER).user

    def ids(self, user, layer, z=16):
        """The ids of a layer's features in the tiles over both parcels, as `user` gets them."""
        self.client.force_login(user)
        tiles = {tile_of(p.geom.centroid, z) for p in (self.mine, self.theirs)}
        return {f["id"] for zxy in tiles for f in features(self.client.get(tile_url(layer, *zxy)), layer)}

    def test_a_member_limited_to_zone_01_gets_its_parcels_buildings_signs_and_missed_revenue_only(self):
        for layer in ("parcels", "buildings", "signboards"):
            both = {self.things[p.pk][layer] for p in (self.mine, self.theirs)}
            assert self.ids(self.everywhere, layer) == both  # the tiles hold both …
            assert self.ids(self.limited, layer) == {self.things[self.mine.pk][layer]}  # … the limited get one
        missed_everywhere, missed_limited = self.ids(self.everywhere, "missed"), self.ids(self.limited, "missed")
        assert self.things[self.theirs.pk]["buildings"] in missed_everywhere - missed_limited
        assert self.things[self.mine.pk]["buildings"] in missed_limited

    def test_a_member_limited_to_zone_01_gets_its_zone_and_block_but_every_streetlight(self):
        assert self.ids(self.everywhere, "zones", 12) == {self.zone1.pk, self.zone2.pk}
        assert self.ids(self.limited, "zones", 12) == {self.zone1.pk}
        assert self.ids(self.limited, "blocks", 12) == {self.block1.pk}
        assert self.ids(self.limited, "infrastructure") == {self.streetlight.pk}

    def test_a_limited_member_never_gets_a_tile_cached_for_the_whole_town(self):
        CACHE.sync()
        zxy = tile_of(self.theirs.geom.centroid, 16)
        self.client.force_login(self.everywhere)
        assert self.client.get(tile_url("parcels", *zxy))["X-Tile-Cache"] == "miss"
        self.client.force_login(self.limited)
        response = self.client.get(tile_url("parcels", *zxy))
        assert response["X-Tile-Cache"] == "miss"
        assert self.theirs.pk not in {f["id"] for f in features(response, "parcels")}
