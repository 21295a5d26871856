"""An attacker's probes of the open data and the OGC API: other municipalities' ids and tokens, roles
without the right to a dataset, edge values of every parameter, hidden and withdrawn datasets.

Each promise of issues 5 and 8 is tried from the outside with the Django test client on PostGIS:
(a) no municipality sees another's data, (b) no personal data leaves, (c) internal datasets need a
token of the municipality's member with the right role, (d) hidden layers stay hidden.
"""

import io
import random

import pandas as pd
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import TestCase
from rest_framework.authtoken.models import Token

from catalogue import services
from catalogue.choices import Classification, Licence
from catalogue.models import Dataset
from fixtures.demo import national_id
from municipalities.choices import Role
from municipalities.models import Membership
from municipalities.tenancy import scoped_to
from tests.factories import (
    TEST_PASSWORD,
    InfrastructureAssetFactory,
    MembershipFactory,
    MunicipalityFactory,
    ParcelFactory,
    point_in,
)


def _auth(token) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {token.key}"}


class OpenDataAttackTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town = MunicipalityFactory(name_th="บางเลนเจาะ")
        cls.other = MunicipalityFactory(name_th="ดอนตูมเจาะ")
        for n in range(3):
            InfrastructureAssetFactory(municipality=cls.town, geom=point_in(cls.town, n))
        InfrastructureAssetFactory(municipality=cls.town, kind="cctv", asset_code="CCTV-01", geom=point_in(cls.town, 5))
        cls.parcel = ParcelFactory(municipality=cls.town, parcel_code="01A001", deed_number="44401")
        cls.retired = ParcelFactory(municipality=cls.town, parcel_code="01A002", deed_number="44402")
        cls.theirs = ParcelFactory(municipality=cls.other, parcel_code="01A001", deed_number="88801")
        cls.admin = MembershipFactory(municipality=cls.town, role=Role.ADMIN).user
        cls.engineer = MembershipFactory(municipality=cls.town, role=Role.ENGINEER).user
        cls.executive = MembershipFactory(municipality=cls.town, role=Role.EXECUTIVE).user
        cls.outsider = MembershipFactory(municipality=cls.other, role=Role.ADMIN).user
        cls.tokens = {
            name: Token.objects.create(user=user)
            for name, user in (
                ("admin", cls.admin),
                ("engineer", cls.engineer),
                ("executive", cls.executive),
                ("outsider", cls.outsider),
            )
        }
        for m in (cls.town, cls.other):
            with scoped_to(m):
                services.catalogue_publish(municipality=m, acting_user=None)
        with scoped_to(cls.town):
            services.catalogue_publish(municipality=cls.town, acting_user=None, sources=["parcels"])
        cls.town_parcels = f"{cls.town.code}-parcels"
        cls.other_parcels = f"{cls.other.code}-parcels"

    # (a) Another municipality -------------------------------------------------------------------------

    def test_another_towns_token_reaches_none_of_this_towns_internal_data(self):
        auth = _auth(self.tokens["outsider"])
        internal = f"{self.town.code}-buildings"
        for url in (
            f"/ogc/collections/{internal}",
            f"/ogc/collections/{internal}/items",
            f"/ogc/collections/{self.town.code}-signboards/items",
        ):
            assert self.client.get(url, **auth).status_code == 404, url
            # naming the town in the header does not make a stranger its member
            assert self.client.get(url, HTTP_X_MUNICIPALITY=self.town.code, **auth).status_code == 404, url
        mine = {c["id"] for c in self.client.get("/ogc/collections", **auth).json()["collections"]}
        assert internal not in mine and f"{self.other.code}-buildings" in mine

    def test_a_feature_of_one_town_is_not_found_under_another_towns_collection(self):
        mine = _auth(self.tokens["admin"])
        url = f"/ogc/collections/{self.town_parcels}/items/{self.theirs.pk}"
        assert self.client.get(url, **mine).status_code == 404
        assert self.client.get(url).status_code == 404
        assert self.client.get(f"/ogc/collections/{self.town_parcels}/items/{self.parcel.pk}").status_code == 200

    def test_a_deactivated_members_token_sees_only_what_the_public_sees(self):
        auth = _auth(self.tokens["engineer"])
        assert self.client.get(f"/ogc/collections/{self.town.code}-buildings/items", **auth).status_code == 200
        Membership._base_manager.filter(user=self.engineer).update(is_active=False)
        assert self.client.get(f"/ogc/collections/{self.town.code}-buildings/items", **auth).status_code == 404
        public = self.client.get(f"/ogc/collections/{self.town_parcels}/items", **auth).json()
        assert "deed_number" not in public["features"][0]["properties"]

    def test_ckan_filters_reach_only_public_datasets_of_the_named_town(self):
        names = self.client.get("/api/3/action/package_list").json()["result"]
        assert self.town_parcels in names and self.other_parcels not in names
        found = self.client.get(
            "/api/3/action/package_search", {"fq": f"organization:lgo-{self.other.code}", "rows": 1000}
        ).json()["result"]
        ids = {p["id"] for p in found["results"]}
        assert ids and all(i.startswith(self.other.code + "-") for i in ids)
        assert self.other_parcels not in ids  # internal there
        for identifier in (self.other_parcels, f"{self.town.code}-owners", f"{self.town.code}-buildings"):
            response = self.client.get("/api/3/action/package_show", {"id": identifier})
            assert response.status_code == 404 and response.json()["success"] is False, identifier
        words = self.client.get("/api/3/action/package_search", {"q": "แปลงที่ดิน", "rows": 1000}).json()["result"]
        assert {p["id"] for p in words["results"]} & {self.town_parcels, self.other_parcels} == {self.town_parcels}

    # (b) Personal data ---------------------------------------------------------------------------------

    def test_personal_datasets_are_served_to_no_role(self):
        for name in ("admin", "engineer", "executive"):
            auth = _auth(self.tokens[name])
            ids = {c["id"] for c in self.client.get("/ogc/collections", **auth).json()["collections"]}
            assert f"{self.town.code}-owners" not in ids
            assert self.client.get(f"/ogc/collections/{self.town.code}-owners/items", **auth).status_code == 404
        for user in (self.admin, self.executive):
            self.client.login(username=user.username, password=TEST_PASSWORD)
            assert self.client.get("/catalogue/owners/download.csv").status_code == 403
        assert self.client.get(f"/open/{self.town.code}/owners/download.csv").status_code == 404

    def test_a_custom_field_cannot_take_the_name_of_an_owners_column_on_any_layer(self):
        for layer in ("parcels", "buildings", "signboards", "infrastructure"):
            for key in ("owner_national_id", "owner_names", "owner_ids", "owner_addresses", "owner_id"):
                with scoped_to(self.town), self.assertRaises(ValidationError, msg=f"{layer}.{key}") as caught:
                    services.custom_field_create(
                        municipality=self.town,
                        acting_user=self.admin,
                        layer=layer,
                        key=key,
                        label_th="ช่องทดสอบ",
                        field_type="text",
                    )
                assert "key" in caught.exception.message_dict

    # (c) Roles ---------------------------------------------------------------------------------------------

    def test_an_engineer_reads_no_tax_figures_and_an_executive_does(self):
        key = "assessments"
        engineer, executive = _auth(self.tokens["engineer"]), _auth(self.tokens["executive"])
        url = f"/ogc/collections/{self.town.code}-{key}/items"
        assert self.client.get(url, **engineer).status_code == 404
        assert key not in {
            c["id"].removeprefix(f"{self.town.code}-")
            for c in self.client.get("/ogc/collections", **engineer).json()["collections"]
        }
        assert self.client.get(url, **executive).status_code == 200
        self.client.login(username=self.engineer.username, password=TEST_PASSWORD)
        assert self.client.get(f"/catalogue/{key}/").status_code == 404
        assert self.client.get(f"/catalogue/{key}/download.csv").status_code == 404
        assert f'data-dataset="{key}"' not in self.client.get("/catalogue/").content.decode()
        self.client.login(username=self.executive.username, password=TEST_PASSWORD)
        assert self.client.get(f"/catalogue/{key}/download.csv").status_code == 200

    # (d) Hidden and withdrawn datasets -------------------------------------------------------------------

    def test_a_hidden_layer_is_served_nowhere_except_to_the_admin_managing_it(self):
        cctv = f"{self.town.code}-infrastructure-cctv"
        assert self.client.get(f"/ogc/collections/{cctv}/items").status_code == 200  # public until hidden
        with scoped_to(self.town):
            services.profile_update(
                municipality=self.town, acting_user=self.admin, hidden_layers=["infrastructure-cctv"]
            )
        for auth in ({}, _auth(self.tokens["engineer"]), _auth(self.tokens["executive"])):
            assert self.client.get(f"/ogc/collections/{cctv}/items", **auth).status_code == 404
            assert self.client.get(f"/ogc/collections/{cctv}", **auth).status_code == 404
            ids = {c["id"] for c in self.client.get("/ogc/collections", **auth).json()["collections"]}
            assert cctv not in ids and f"{self.town.code}-infrastructure-road" in ids
        assert cctv not in self.client.get("/api/3/action/package_list").json()["result"]
        assert self.client.get("/api/3/action/package_show", {"id": cctv}).status_code == 404
        assert (
            "infrastructure-cctv"
            not in self.client.get("/catalog.json", {"municipality": self.town.code}).content.decode()
        )
        assert self.client.get(f"/open/{self.town.code}/infrastructure-cctv/").status_code == 404
        assert self.client.get(f"/open/{self.town.code}/infrastructure-cctv/download.csv").status_code == 404
        self.client.login(username=self.engineer.username, password=TEST_PASSWORD)
        assert self.client.get("/catalogue/infrastructure-cctv/download.csv").status_code == 404
        self.client.login(username=self.admin.username, password=TEST_PASSWORD)
        assert self.client.get("/catalogue/infrastructure-cctv/").status_code == 200

    def test_a_dataset_withdrawn_from_the_public_is_gone_from_every_public_surface_at_once(self):
        key, identifier = "parcels", self.town_parcels
        urls = [
            f"/open/{self.town.code}/{key}/",
            f"/open/{self.town.code}/{key}/download.geojson",
            f"/ogc/collections/{identifier}",
            f"/ogc/collections/{identifier}/items",
            f"/ogc/collections/{identifier}/items/{self.parcel.pk}",
        ]
        assert all(self.client.get(url).status_code == 200 for url in urls)
        assert identifier in self.client.get("/catalog.json").content.decode()
        with scoped_to(self.town):
            dataset = Dataset.objects.get(key=key)
            services.dataset_update(dataset=dataset, acting_user=self.admin, classification=Classification.INTERNAL)
        for url in urls:
            assert self.client.get(url).status_code == 404, url
        assert identifier not in self.client.get("/catalog.json").content.decode()
        assert identifier not in self.client.get("/api/3/action/package_list").json()["result"]
        assert self.client.get("/api/3/action/package_show", {"id": identifier}).status_code == 404
        search = self.client.get("/api/3/action/package_search", {"rows": 1000}).json()["result"]
        assert identifier not in {p["id"] for p in search["results"]}

    def test_a_retired_parcel_is_in_no_public_output(self):
        from assets.models import Parcel

        Parcel._base_manager.filter(pk=self.retired.pk).update(retired_on="2025-01-01")
        items = self.client.get(f"/ogc/collections/{self.town_parcels}/items").json()
        codes = {f["properties"]["parcel_code"] for f in items["features"]}
        assert "01A001" in codes and "01A002" not in codes
        assert self.client.get(f"/ogc/collections/{self.town_parcels}/items/{self.retired.pk}").status_code == 404
        csv = self.client.get(f"/open/{self.town.code}/parcels/download.csv")
        table = pd.read_csv(io.BytesIO(b"".join(csv.streaming_content) if csv.streaming else csv.content), dtype=str)
        assert list(table["parcel_code"]) == ["01A001"]

    # Edge values ---------------------------------------------------------------------------------------------

    def test_edge_values_of_ogc_parameters_are_a_clean_400_never_a_500(self):
        base = f"/ogc/collections/{self.town_parcels}/items"
        for query in (
            "limit=-5",
            "limit=1e3",
            "limit=%20",
            "offset=abc",
            f"offset={10**30}",
            "bbox=nan,nan,nan,nan",
            "bbox=-inf,-90,inf,90",
            "bbox=1,2,3,abc",
            "bbox=1,2,3,4,5",
            "bbox=200,0,201,1",
        ):
            response = self.client.get(f"{base}?{query}")
            assert response.status_code == 400, query
            assert response.json()["code"] == "InvalidParameterValue", query
        huge = self.client.get(f"{base}?limit={10**30}").json()
        assert huge["numberReturned"] == huge["numberMatched"] == 2 and "limit=1000" in huge["links"][0]["href"]
        assert self.client.get(f"{base}/{10**30}").status_code == 404
        assert self.client.get(f"{base}?offset={2**62}").json()["features"] == []

    def test_edge_values_of_ckan_parameters_are_a_validation_error_never_a_500(self):
        for query in (
            {"rows": "-1"},
            {"start": "-1"},
            {"rows": "many"},
            {"start": str(10**30)},
            {"fq": "metadata_modified:[yesterday TO *]"},
            {"fq": "owner_national_id:1234"},
            {"fq": f"organization:lgo-{self.town.code} OR metadata_modified:[2020-01-01 TO *]"},
        ):
            response = self.client.get("/api/3/action/package_search", query)
            assert response.status_code == 409, query
            assert response.json() == {
                "help": response.json()["help"],
                "success": False,
                "error": response.json()["error"],
            }

    def test_a_nul_character_in_any_parameter_is_a_clean_400_in_thai_or_english(self):
        for url, query in (
            ("/api/3/action/package_search", {"q": "ตลาด\x00"}),
            ("/api/3/action/package_search", {"fq": "organization:lgo-\x00"}),
            ("/api/3/action/package_show", {"id": f"{self.town.code}-parcels\x00"}),
            ("/catalog.json", {"municipality": "\x00"}),
            ("/open/", {"municipality": "\x00"}),
            (f"/ogc/collections/{self.town_parcels}/items", {"bbox": "1,2,3,4\x00"}),
        ):
            response = self.client.get(url, query)
            assert response.status_code == 400 and "NUL" in response.content.decode(), (url, query)
        for url in (
            f"/ogc/collections/{self.town.code}-par%00cels/items",
            f"/ogc/collections/{self.town.code}-par%00cels",
            f"/open/{self.town.code}/par%00cels/",
            f"/open/{self.town.code}/par%00cels/download.csv",
        ):
            assert self.client.get(url).status_code == 400, url
        self.client.login(username=self.engineer.username, password=TEST_PASSWORD)
        thai = self.client.get("/catalogue/par%00cels/")
        assert thai.status_code == 400 and "อักขระ NUL" in thai.content.decode()
        english = self.client.get("/catalogue/par%00cels/", HTTP_ACCEPT_LANGUAGE="en")
        assert "The request contains a NUL character" in english.content.decode()

    def test_content_negotiation_gives_no_other_renderer_and_no_data_in_html(self):
        base = f"/ogc/collections/{self.town.code}-buildings/items"
        for query in ("?format=api", "?format=html", "?format=xml", "?format=csv"):
            assert self.client.get(base + query).status_code == 404, query
        refused = self.client.get(f"/ogc/collections/{self.town_parcels}/items", HTTP_ACCEPT="text/html")
        assert refused.status_code == 406 and "01A001" not in refused.content.decode()
        negotiated = self.client.get(f"/ogc/collections/{self.town_parcels}/items", HTTP_ACCEPT="application/json")
        assert negotiated.status_code == 200 and "deed_number" not in negotiated.content.decode()


class InternalUploadAttackTests(TestCase):
    """An uploaded internal table stays within its municipality's members."""

    @classmethod
    def setUpTestData(cls):
        from tests.factories import DatasetFactory, DatasetRecordFactory

        cls.town = MunicipalityFactory(name_th="สามพรานเจาะ")
        cls.other = MunicipalityFactory(name_th="นครชัยศรีเจาะ")
        cls.survey = DatasetFactory(
            municipality=cls.town, key="survey", classification=Classification.INTERNAL, licence=Licence.NOT_OPEN
        )
        DatasetRecordFactory(dataset=cls.survey, attributes={"name": "แผงลอย", "stalls": 3})
        cls.outsider = MembershipFactory(municipality=cls.other, role=Role.ADMIN).user
        cls.member = MembershipFactory(municipality=cls.town, role=Role.ENGINEER).user

    def test_another_towns_admin_gets_neither_the_page_nor_the_file_nor_the_features(self):
        self.client.login(username=self.outsider.username, password=TEST_PASSWORD)
        for url in ("/catalogue/survey/", "/catalogue/survey/download.csv", "/catalogue/survey/download.gpkg"):
            assert self.client.get(url).status_code == 404, url
        assert self.client.post("/catalogue/survey/delete/").status_code in (403, 404)
        token = Token.objects.create(user=self.outsider)
        assert self.client.get(f"/ogc/collections/{self.town.code}-survey/items", **_auth(token)).status_code == 404
        assert self.client.get(f"/open/{self.town.code}/survey/download.csv").status_code == 404
        member = Token.objects.create(user=self.member)
        items = self.client.get(f"/ogc/collections/{self.town.code}-survey/items", **_auth(member)).json()
        assert items["features"][0]["properties"]["name"] == "แผงลอย"


class PersonalUploadAttackTests(TestCase):
    """A table holding national IDs or owners' names reaches no role without the right to personal data."""

    @classmethod
    def setUpTestData(cls):
        cls.town = MunicipalityFactory(name_th="กำแพงแสนเจาะ")
        cls.officer = MembershipFactory(municipality=cls.town, role=Role.TAX_OFFICER).user
        cls.executive = MembershipFactory(municipality=cls.town, role=Role.EXECUTIVE).user
        cls.engineer = MembershipFactory(municipality=cls.town, role=Role.ENGINEER).user
        cls.pid = national_id(random.Random(11))

    def upload(self, classification: str):
        self.client.login(username=self.officer.username, password=TEST_PASSWORD)
        return self.client.post(
            "/catalogue/upload/",
            {
                "title_th": "ผู้ค้าแผงลอย",
                "owner_department": "กองสาธารณสุข",
                "update_frequency": "annual",
                "classification": classification,
                "licence": "other-closed",
                "file": SimpleUploadedFile("vendors.csv", f"แผง,เลขบัตร\nA1,{self.pid}\n".encode()),
            },
        )

    def test_an_upload_with_national_ids_must_be_classified_personal_and_then_nobody_reads_it(self):
        refused = self.upload("internal")
        assert refused.status_code == 200 and "classification" in refused.context["form"].errors
        with scoped_to(self.town):
            assert not Dataset.objects.filter(title_th="ผู้ค้าแผงลอย").exists()
        assert self.upload("personal").status_code == 302
        with scoped_to(self.town):
            dataset = Dataset.objects.get(title_th="ผู้ค้าแผงลอย")
            with self.assertRaises(ValidationError):
                services.dataset_update(dataset=dataset, acting_user=self.officer, classification="internal")
        for user in (self.executive, self.engineer, self.officer):
            self.client.login(username=user.username, password=TEST_PASSWORD)
            assert self.client.get(f"/catalogue/{dataset.key}/download.csv").status_code == 403
            page = self.client.get(f"/catalogue/{dataset.key}/").content.decode()
            assert self.pid not in page
            token = Token.objects.get_or_create(user=user)[0]
            response = self.client.get(f"/ogc/collections/{dataset.identifier}/items", **_auth(token))
            assert response.status_code == 404 and self.pid not in response.content.decode()
