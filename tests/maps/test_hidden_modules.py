"""The maps of a module a municipality hides close with it (municipalities/modules.py): the tile layers
only its maps draw answer 404 to every member, layers another open map draws stay, another
municipality's tiles are unaffected, a hidden rasters module takes its orthophotos off the maps, and a
hidden taxes module takes the tax and revenue maps with it and every tax figure off the map left open."""

import re
import tempfile
from pathlib import Path

import pytest
from django.test import TestCase
from django.urls import reverse

from catalogue.services import profile_update
from maps import builders
from maps.offline import render
from municipalities.choices import Role
from municipalities.menus import MENU, menu_for
from municipalities.tenancy import scoped_to
from rasters.models import RasterKind
from tests.factories import (
    InfrastructureAssetFactory,
    MembershipFactory,
    MunicipalityFactory,
    RasterFactory,
)
from tests.maps.conftest import features, tile_of, tile_url
from tests.taxes import scenario
from tests.taxes.test_notices import pdf_text

pytestmark = pytest.mark.django_db
MAPS = ("maps-tax", "maps-engineer", "maps-revenue")


class HiddenMapTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town, _people, cls.parcels, _sign = scenario.build(MunicipalityFactory(name_th="ลำพญาปิดแผนที่"))
        cls.other, _people, cls.their_parcels, _sign = scenario.build(MunicipalityFactory(name_th="ดอนตูมเปิดแผนที่"))
        for m, parcels in ((cls.town, cls.parcels), (cls.other, cls.their_parcels)):
            InfrastructureAssetFactory(municipality=m, geom=parcels["01A004"].geom.centroid)
        cls.members = {role: MembershipFactory(municipality=cls.town, role=role).user for role in Role}
        cls.their_admin = MembershipFactory(municipality=cls.other, role=Role.ADMIN).user

    def hide(self, *keys):
        with scoped_to(self.town):
            profile_update(municipality=self.town, acting_user=self.members[Role.ADMIN], hidden_modules=list(keys))

    def status(self, user, layer, parcels) -> int:
        self.client.logout()  # force_login alone keeps the session of a user already logged in
        self.client.force_login(user)  # a new session: its tile permission is worked out afresh
        return self.client.get(tile_url(layer, *tile_of(parcels["01A004"].geom.centroid, 16))).status_code

    def test_the_layer_only_the_hidden_engineers_map_draws_is_closed_to_every_member(self):
        self.hide("maps-engineer")
        for role, user in self.members.items():
            assert self.status(user, "infrastructure", self.parcels) == 404, role
        assert self.status(self.members[Role.ENGINEER], "parcels", self.parcels) in (200, 204)  # the tax map's too
        assert self.status(self.their_admin, "infrastructure", self.their_parcels) == 200

    def test_with_every_map_hidden_no_layer_is_served_but_another_towns_are(self):
        self.hide(*MAPS)
        for layer in ("zones", "parcels", "buildings", "signboards", "blocks", "missed", "infrastructure"):
            assert self.status(self.members[Role.ADMIN], layer, self.parcels) == 404, layer
            assert self.status(self.their_admin, layer, self.their_parcels) in (200, 204), layer
        self.client.force_login(self.members[Role.TAX_OFFICER])
        assert self.client.get("/maps/tax/").status_code == 404
        assert self.client.get(f"/maps/parcels/{self.parcels['01A002'].pk}.json").status_code == 404

    def test_the_parcel_panel_stays_open_while_one_map_that_uses_it_is(self):
        self.hide("maps-tax", "maps-revenue")
        self.client.force_login(self.members[Role.TAX_OFFICER])
        assert self.client.get("/maps/tax/").status_code == 404
        assert self.client.get("/maps/engineer/").status_code == 200
        assert self.client.get(f"/maps/parcels/{self.parcels['01A002'].pk}.json").status_code == 200

    def test_a_hidden_taxes_module_closes_the_tax_and_revenue_maps_and_leaves_no_tax_on_the_others(self):
        officer, parcel = self.members[Role.TAX_OFFICER], self.parcels["01A002"]
        panel, parcel_tile = f"/maps/parcels/{parcel.pk}.json", tile_url("parcels", *tile_of(parcel.geom.centroid, 16))
        printout = f"/maps/parcels/{parcel.pk}/map.pdf"

        def seen():
            self.client.logout()  # force_login alone keeps the session of a user already logged in
            self.client.force_login(officer)  # a new session: its tile permission is worked out afresh
            drawn = features(self.client.get(parcel_tile), "parcels")
            with tempfile.TemporaryDirectory() as tmp:
                printed = pdf_text(self.client.get(printout).content, Path(tmp))
            return self.client.get(panel).json(), drawn, printed

        shown, drawn, printed = seen()
        assert "tax" in shown and drawn and all("tax_status" in f["properties"] for f in drawn)
        assert "สถานะภาษีปี 2569" in printed
        self.hide("taxes")
        shown, drawn, printed = seen()
        assert "tax" not in shown and all("tax_status" not in s for s in shown["signboards"])
        assert drawn and not any({"tax_status", "tax_due"} & set(f["properties"]) for f in drawn)
        assert "สถานะภาษีปี" not in printed  # nor its colours and legend by tax status
        for url, status in (("/maps/tax/", 404), ("/maps/revenue/", 404), ("/maps/engineer/", 200)):
            assert self.client.get(url).status_code == status, url
        for layer in ("blocks", "missed"):  # drawn only by the two closed maps
            assert self.client.get(tile_url(layer, *tile_of(parcel.geom.centroid, 16))).status_code == 404, layer
        request = self.client.get("/").wsgi_request
        assert not {"taxes", "maps-tax", "maps-revenue"} & {item.key for item in menu_for(request)}
        self.client.force_login(self.their_admin)  # another municipality keeps both maps
        assert self.client.get("/maps/tax/").status_code == 200
        settings_page = self.client.get(reverse("catalogue:settings")).content.decode()
        assert "แผนที่ภาษี (ปิดไปด้วยเมื่อปิด “ภาษี”)" in settings_page  # the admin is told before hiding taxes

    def test_a_hidden_rasters_module_takes_its_orthophotos_and_their_tiles_off_the_maps(self):
        photo = RasterFactory(municipality=self.town, kind=RasterKind.ORTHOPHOTO, name="ภาพถ่ายลำพญา")
        self.client.force_login(self.members[Role.TAX_OFFICER])
        raster_tiles = f"/rasters/{photo.pk}/tiles/"
        for url in ("/maps/tax/", "/maps/engineer/"):
            assert raster_tiles in self.client.get(url).content.decode(), url
        self.hide("rasters")
        for url in ("/maps/tax/", "/maps/engineer/"):
            page = self.client.get(url)
            assert page.status_code == 200 and raster_tiles not in page.content.decode(), url
        closed = self.client.get(f"{raster_tiles}16/0/0.png")
        assert closed.status_code == 404 and 'data-closed-module="rasters"' in closed.content.decode()


def test_each_map_declares_exactly_the_tile_layers_it_draws():
    """MenuItem.tiles (what a hidden map closes) against what maps/builders.py draws."""
    town = MunicipalityFactory()
    with scoped_to(town):
        drawn = {
            "maps-tax": builders.tax_map(town, year=2026, rasters=False),
            "maps-engineer": builders.engineer_map(town, year=2026, rasters=False),
            "maps-revenue": builders.revenue_map(town, year=2026),
        }
        for key, m in drawn.items():
            layers = set(re.findall(r"/tiles/([a-z]+)/\{z\}", render(m).script))
            assert layers == set(MENU[key].tiles), key
