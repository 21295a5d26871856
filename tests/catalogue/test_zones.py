"""A member limited to zone 01 reads only zone 01 through the catalogue: its downloads, its map
preview and the OGC API with their token, as the register's own pages would show them."""

import io

import pandas as pd
from django.test import TestCase
from rest_framework.authtoken.models import Token

from municipalities.choices import Role
from tests.factories import (
    TEST_PASSWORD,
    BlockFactory,
    BuildingFactory,
    MembershipFactory,
    MunicipalityFactory,
    ParcelFactory,
    SignboardFactory,
    ZoneFactory,
)


class ZoneLimitedCatalogueTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town = MunicipalityFactory(name_th="ห้วยเขตจำกัด")
        zone1, zone2 = ZoneFactory(municipality=cls.town, code="01"), ZoneFactory(municipality=cls.town, code="02")
        cls.mine = ParcelFactory(
            municipality=cls.town, block=BlockFactory(zone=zone1, code="01A"), parcel_code="01A001"
        )
        cls.theirs = ParcelFactory(
            municipality=cls.town, block=BlockFactory(zone=zone2, code="02A"), parcel_code="02A001"
        )
        for parcel in (cls.mine, cls.theirs):
            BuildingFactory(parcel=parcel)
            SignboardFactory(parcel=parcel)
        limited = MembershipFactory(municipality=cls.town, role=Role.TAX_OFFICER)
        limited.zones.set([zone1])
        cls.officer = limited.user
        cls.colleague = MembershipFactory(municipality=cls.town, role=Role.TAX_OFFICER).user

    def download(self, user, key: str) -> pd.DataFrame:
        self.client.login(username=user.username, password=TEST_PASSWORD)
        response = self.client.get(f"/catalogue/{key}/download.csv")
        assert response.status_code == 200
        return pd.read_csv(io.BytesIO(response.content), dtype=str)

    def test_a_zone_limited_officer_downloads_only_the_parcels_buildings_and_signboards_of_their_zone(self):
        assert list(self.download(self.officer, "parcels")["parcel_code"]) == ["01A001"]
        assert len(self.download(self.officer, "buildings")) == 1
        assert len(self.download(self.officer, "signboards")) == 1
        assert list(self.download(self.officer, "zones")["zone_code"]) == ["01"]
        assert sorted(self.download(self.colleague, "parcels")["parcel_code"]) == ["01A001", "02A001"]

    def test_their_token_reads_only_their_zone_from_the_ogc_api(self):
        token = Token.objects.create(user=self.officer)
        items = self.client.get(
            f"/ogc/collections/{self.town.code}-parcels/items", HTTP_AUTHORIZATION=f"Token {token.key}"
        ).json()
        assert items["numberMatched"] == 1 and items["features"][0]["properties"]["parcel_code"] == "01A001"
        assert (
            self.client.get(
                f"/ogc/collections/{self.town.code}-parcels/items/{self.theirs.pk}",
                HTTP_AUTHORIZATION=f"Token {token.key}",
            ).status_code
            == 404
        )

    def test_their_preview_map_draws_only_their_zone(self):
        self.client.login(username=self.officer.username, password=TEST_PASSWORD)
        page = self.client.get("/catalogue/parcels/")
        assert page.status_code == 200 and page.context["shown"] == 1
