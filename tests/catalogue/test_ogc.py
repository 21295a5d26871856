"""OGC API – Features: landing, conformance, collections, items with bbox and paging, tokens."""

from urllib.parse import parse_qs, urlparse

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token

from catalogue import services
from catalogue.models import Dataset
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from tests.factories import InfrastructureAssetFactory, MembershipFactory, MunicipalityFactory, ParcelFactory, point_in


class OGCAPITests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town = MunicipalityFactory(name_th="โพธารามโอจีซี")
        cls.other = MunicipalityFactory(name_th="ท่าม่วงโอจีซี")
        # 25 streetlights on a 100 × 100 grid: n = 0…24 lie on the first row of the grid (west to east)
        cls.lights = [InfrastructureAssetFactory(municipality=cls.town, geom=point_in(cls.town, n)) for n in range(25)]
        cls.parcel = ParcelFactory(municipality=cls.town, parcel_code="01A001", deed_number="55501")
        ParcelFactory(municipality=cls.other, parcel_code="01A001")
        cls.engineer = MembershipFactory(municipality=cls.town, role=Role.ENGINEER).user
        cls.token = Token.objects.create(user=cls.engineer)
        for m in (cls.town, cls.other):
            with scoped_to(m):
                services.catalogue_publish(municipality=m, acting_user=None)
        cls.lights_id = f"{cls.town.code}-infrastructure-streetlight"

    def test_landing_and_conformance_point_to_the_collections(self):
        landing = self.client.get("/ogc/").json()
        assert {link["rel"] for link in landing["links"]} >= {"self", "conformance", "data"}
        conformance = self.client.get("/ogc/conformance").json()["conformsTo"]
        assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core" in conformance
        assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conformance

    def test_anyone_sees_public_collections_and_a_token_adds_its_own_municipalitys_internal_ones(self):
        public = {c["id"] for c in self.client.get("/ogc/collections").json()["collections"]}
        assert self.lights_id in public and f"{self.town.code}-parcels" not in public
        assert f"{self.town.code}-owners" not in public
        auth = {"HTTP_AUTHORIZATION": f"Token {self.token.key}"}
        mine = {c["id"] for c in self.client.get("/ogc/collections", **auth).json()["collections"]}
        assert f"{self.town.code}-parcels" in mine and f"{self.other.code}-parcels" not in mine
        assert f"{self.town.code}-owners" not in mine
        assert self.client.get(f"/ogc/collections/{self.town.code}-parcels/items").status_code == 404
        items = self.client.get(f"/ogc/collections/{self.town.code}-parcels/items", **auth).json()
        assert items["features"][0]["properties"]["deed_number"] == "55501"  # an internal column, for its own staff
        assert self.client.get(f"/ogc/collections/{self.other.code}-parcels/items", **auth).status_code == 404
        assert self.client.get("/ogc/collections", HTTP_AUTHORIZATION="Token wrong").status_code == 401

    def test_items_are_paged_with_next_links_until_every_feature_was_returned(self):
        url = f"/ogc/collections/{self.lights_id}/items?limit=10"
        seen, pages = [], 0
        while url:
            response = self.client.get(url)
            assert response["Content-Type"].startswith("application/geo+json")
            page = response.json()
            assert page["type"] == "FeatureCollection" and page["numberMatched"] == 25
            assert page["numberReturned"] == len(page["features"]) <= 10
            seen += [f["id"] for f in page["features"]]
            pages += 1
            following = next((link["href"] for link in page["links"] if link["rel"] == "next"), None)
            url = following and (urlparse(following).path + "?" + urlparse(following).query)
        assert pages == 3 and sorted(seen) == sorted(light.pk for light in self.lights) and len(set(seen)) == 25
        last = self.client.get(f"/ogc/collections/{self.lights_id}/items?limit=10&offset=20").json()
        prev = next(link["href"] for link in last["links"] if link["rel"] == "prev")
        assert parse_qs(urlparse(prev).query)["offset"] == ["10"]

    def test_a_bbox_keeps_only_the_features_inside_it(self):
        west = [light for light in self.lights if light.geom.x < self.lights[10].geom.x]
        x0, y0 = self.lights[0].geom.x - 0.0001, self.lights[0].geom.y - 0.0001
        x1, y1 = self.lights[10].geom.x - 0.00001, self.lights[0].geom.y + 0.0001
        page = self.client.get(f"/ogc/collections/{self.lights_id}/items", {"bbox": f"{x0},{y0},{x1},{y1}"}).json()
        assert page["numberMatched"] == len(west) == 10
        assert {f["id"] for f in page["features"]} == {light.pk for light in west}
        assert all("bbox=" in link["href"] for link in page["links"] if link["rel"] == "self")

    def test_bad_parameters_are_refused_with_a_400(self):
        base = f"/ogc/collections/{self.lights_id}/items"
        for query in ("limit=0", "limit=abc", "offset=-1", "bbox=1,2,3", "bbox=10,10,5,5"):
            assert self.client.get(f"{base}?{query}").status_code == 400, query

    def test_one_feature_and_a_collection_description(self):
        light = self.lights[3]
        item = self.client.get(f"/ogc/collections/{self.lights_id}/items/{light.pk}").json()
        assert item["id"] == light.pk and item["geometry"]["type"] == "Point"
        assert item["properties"]["asset_code"] == light.asset_code
        assert "replacement_cost" not in item["properties"]
        described = self.client.get(f"/ogc/collections/{self.lights_id}").json()
        assert described["extent"]["spatial"]["bbox"][0][0] <= light.geom.x
        with scoped_to(self.town):
            assert Dataset.objects.get(source="infrastructure:streetlight").is_public

    def test_the_collection_list_and_the_catalogue_cost_the_same_queries_however_many_towns_publish(self):
        def queries(url):
            self.client.get(url)  # recounts what changed since the last read
            with CaptureQueriesContext(connection) as captured:
                assert self.client.get(url).status_code == 200
            return len(captured)

        before = {url: queries(url) for url in ("/ogc/collections", "/catalog.json", "/open/")}
        third = MunicipalityFactory(name_th="บ้านเพิ่มโอจีซี")
        with scoped_to(third):
            services.catalogue_publish(municipality=third, acting_user=None)
        assert {url: queries(url) for url in before} == before
