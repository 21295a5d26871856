"""The layers a municipality hides in its settings (`hidden_layers`, catalogue) are off its maps too: a
hidden layer of the register closes its tiles (404, as a hidden module's), a hidden infrastructure kind
is left out of the infrastructure tiles, the engineer's filters and the asset panel, hidden parcels,
buildings or signs out of the missed-revenue tiles; the map pages, the parcel panel and the printed
maps leave them out as well. Another municipality's maps keep everything."""

import re
from unittest import mock

import pytest
from django.db import connection
from django.test import TestCase
from django.urls import reverse

from catalogue.services import profile_update
from maps import printing
from maps.layers import ACCESS_LEVELS, LAYERS
from maps.tiles import statement_name
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from tests.factories import BuildingFactory, InfrastructureAssetFactory, MembershipFactory, MunicipalityFactory
from tests.maps.conftest import features, tile_of, tile_url
from tests.taxes import scenario

pytestmark = pytest.mark.django_db
REGISTER_LAYERS = ("zones", "blocks", "parcels", "buildings", "signboards")


class HiddenLayerTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town, _people, cls.parcels, cls.sign = scenario.build(MunicipalityFactory(name_th="ลำพญาซ่อนชั้นข้อมูล"))
        cls.other, _people, cls.their_parcels, _sign = scenario.build(MunicipalityFactory(name_th="ดอนตูมไม่ซ่อน"))
        cls.shop = BuildingFactory(parcel=cls.parcels["01A006"])  # beside the sign on the company's land
        spot = cls.parcels["01A004"].geom.centroid
        cls.camera = InfrastructureAssetFactory(municipality=cls.town, kind="cctv", asset_code="CCTV-01", geom=spot)
        cls.light = InfrastructureAssetFactory(municipality=cls.town, kind="streetlight", asset_code="SL-01", geom=spot)
        cls.their_camera = InfrastructureAssetFactory(
            municipality=cls.other, kind="cctv", geom=cls.their_parcels["01A004"].geom.centroid
        )
        cls.admin = MembershipFactory(municipality=cls.town, role=Role.ADMIN).user
        cls.engineer = MembershipFactory(municipality=cls.town, role=Role.ENGINEER).user
        cls.officer = MembershipFactory(municipality=cls.town, role=Role.TAX_OFFICER).user
        cls.executive = MembershipFactory(municipality=cls.town, role=Role.EXECUTIVE).user
        cls.their_engineer = MembershipFactory(municipality=cls.other, role=Role.ENGINEER).user

    def hide(self, *keys):
        with scoped_to(self.town):
            profile_update(municipality=self.town, acting_user=self.admin, hidden_layers=list(keys))

    def login(self, user):
        """A new session, whose tile permission is worked out afresh: the triggers that make the processes
        forget remembered ones fire on commit, which a TestCase never does (tests/maps/test_invalidation.py)."""
        self.client.logout()
        self.client.force_login(user)

    def tile(self, user, layer, point, z=16):
        self.login(user)
        return self.client.get(tile_url(layer, *tile_of(point, z)))

    def kinds(self, user, layer, point):
        return sorted(f["properties"]["kind"] for f in features(self.tile(user, layer, point), layer))

    def test_an_engineer_no_longer_sees_the_cameras_the_municipality_hides(self):
        spot = self.camera.geom
        assert self.kinds(self.engineer, "infrastructure", spot) == ["cctv", "streetlight"]
        self.hide("infrastructure-cctv")
        assert self.client.get("/catalogue/infrastructure-cctv/").status_code == 404  # as the catalogue does
        assert self.kinds(self.engineer, "infrastructure", spot) == ["streetlight"]
        page = self.client.get(reverse("maps:engineer")).content.decode()
        assert 'value="cctv"' not in page and 'value="streetlight"' in page
        assert self.client.get(reverse("maps:asset-panel", args=[self.camera.pk])).status_code == 404
        assert self.client.get(reverse("maps:asset-panel", args=[self.light.pk])).json()["code"] == "SL-01"
        # Another municipality hides nothing: its engineer still sees its cameras.
        assert self.kinds(self.their_engineer, "infrastructure", self.their_camera.geom) == ["cctv"]
        assert 'value="cctv"' in self.client.get(reverse("maps:engineer")).content.decode()

    def test_each_hidden_layer_of_the_register_closes_its_tiles_and_leaves_the_others_open(self):
        spot = self.parcels["01A006"].geom.centroid
        for hidden in REGISTER_LAYERS:
            self.hide(hidden)
            for layer in REGISTER_LAYERS:
                status = self.tile(self.officer, layer, spot).status_code
                assert (status == 404) == (layer == hidden), (hidden, layer, status)
            assert self.tile(self.their_engineer, hidden, self.their_parcels["01A006"].geom.centroid).status_code in (
                200,
                204,
            )

    def test_hidden_signs_are_left_out_of_the_missed_revenue_and_its_legend(self):
        spot = self.sign.location
        before = self.kinds(self.executive, "missed", spot)
        assert "signboard" in before and "building" in before  # nothing is assessed yet
        self.hide("signboards")
        after = self.kinds(self.executive, "missed", spot)
        assert after == [kind for kind in before if kind != "signboard"]
        page = self.client.get(reverse("maps:revenue")).content.decode()
        assert "ป้ายที่ไม่ได้ประเมินปีนี้" not in page and "สิ่งปลูกสร้างที่ไม่ได้ประเมินปีนี้" in page

    def test_the_map_pages_do_not_draw_a_hidden_layer(self):
        def drawn(user, url):
            self.login(user)
            return set(re.findall(r"/tiles/([a-z]+)/\{z\}", self.client.get(url).content.decode()))

        assert drawn(self.officer, reverse("maps:tax")) == {"zones", "blocks", "parcels", "buildings", "signboards"}
        self.hide("signboards", "blocks")
        assert drawn(self.officer, reverse("maps:tax")) == {"zones", "parcels", "buildings"}
        assert drawn(self.executive, reverse("maps:revenue")) == {"zones", "missed", "parcels"}
        self.hide("buildings")
        assert drawn(self.engineer, reverse("maps:engineer")) == {"zones", "parcels", "infrastructure"}

    def test_the_parcel_panel_leaves_out_hidden_buildings_and_signs(self):
        url = reverse("maps:parcel-panel", args=[self.parcels["01A006"].pk])
        self.login(self.officer)
        shown = self.client.get(url, {"year": 2026}).json()
        assert [b["code"] for b in shown["buildings"]] == [self.shop.building_code]
        assert [s["code"] for s in shown["signboards"]] == [self.sign.signboard_code]
        self.hide("buildings", "signboards")
        shown = self.client.get(url, {"year": 2026}).json()
        assert shown["buildings"] == [] and shown["signboards"] == []
        assert shown["code"] == "01A006"  # the parcel itself is still shown

    def test_a_printed_map_leaves_out_hidden_buildings(self):
        parcel = self.parcels["01A006"]
        self.login(self.officer)
        for hidden, drawn in (([], True), (["buildings"], False)):
            self.hide(*hidden)
            with mock.patch.object(printing, "_map_svg", wraps=printing._map_svg) as draw:
                response = self.client.get(reverse("maps:print-parcel", args=[parcel.pk]), {"year": 2026})
            assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
            assert draw.call_args.kwargs["buildings"] is drawn
        with scoped_to(self.town):
            svg, _facts = printing._map_svg(
                self.town, parcel.geom, year=2026, taxes=False, highlight_ids={parcel.pk}, buildings=False
            )
            with_buildings, _facts = printing._map_svg(
                self.town, parcel.geom, year=2026, taxes=False, highlight_ids={parcel.pk}
            )
        building_fill = 'fill="#8a8478"'
        assert building_fill in with_buildings and building_fill not in svg

    def test_the_statement_that_leaves_kinds_out_is_prepared_for_every_access_level_and_zone_limit(self):
        z, x, y = tile_of(self.camera.geom, 16)
        with connection.cursor() as cursor:
            for layer in (spec for spec in LAYERS.values() if spec.by_kind):
                for access in ACCESS_LEVELS:
                    for zoned in (False, True):
                        name = "check_" + statement_name(layer.name, access, zoned, hiding=True)
                        sql = layer.sql(access, zoned, hiding=True)
                        cursor.execute(f"PREPARE {name}({layer.parameters(zoned, hiding=True)}) AS {sql}")
                        zones = [[self.parcels["01A004"].block.zone_id]] if zoned else []
                        cursor.execute(
                            f"EXECUTE {name}(%s, %s, %s, %s, 2026{', %s' if zoned else ''}, %s)",
                            [z, x, y, self.town.pk, *zones, ["cctv", "signboard"]],
                        )
                        assert isinstance(cursor.fetchone()[0], bytes | memoryview | None)
                        cursor.execute(f"DEALLOCATE {name}")

    def test_hidden_parcels_are_neither_found_nor_opened_nor_printed(self):
        parcel = self.parcels["01A002"]
        self.login(self.officer)
        assert self.client.get(reverse("maps:search"), {"q": "01A002"}).json()["results"]
        self.hide("parcels")
        self.login(self.officer)
        assert self.client.get(reverse("maps:search"), {"q": "01A002"}).json() == {"results": []}
        assert self.client.get(reverse("maps:parcel-panel", args=[parcel.pk])).status_code == 404
        assert self.client.get(reverse("maps:print-parcel", args=[parcel.pk])).status_code == 404
        assert self.client.get(reverse("maps:print-block", args=[parcel.block_id])).status_code == 200
        self.hide("blocks")
        assert self.client.get(reverse("maps:print-block", args=[parcel.block_id])).status_code == 404
        assert self.client.get(reverse("maps:parcel-panel", args=[parcel.pk])).status_code == 200
