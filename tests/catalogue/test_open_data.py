"""The open-data portal, /catalog.json (DCAT-AP JSON-LD) and CKAN's action API: public datasets only,
in the shapes harvesters expect (validated with JSON Schema, and as RDF with rdflib)."""

import io
import json
import random
from pathlib import Path

import geopandas as gpd
import jsonschema
import pandas as pd
import rdflib
from django.core.exceptions import ValidationError
from django.test import TestCase
from rdflib import namespace as rdf_terms  # (module-level DCAT names upset pytest's collection)

from catalogue import services
from catalogue.choices import Classification, Licence
from catalogue.models import Dataset
from fixtures.demo import national_id
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from tests.factories import (
    TEST_PASSWORD,
    BlockFactory,
    DatasetFactory,
    DatasetRecordFactory,
    InfrastructureAssetFactory,
    MembershipFactory,
    MunicipalityFactory,
    OwnerFactory,
    OwnershipFactory,
    ParcelFactory,
    ZoneFactory,
    point_in,
)

SCHEMAS = Path(__file__).resolve().parent / "schemas"


def schema(name: str) -> dict:
    return json.loads((SCHEMAS / name).read_text(encoding="utf-8"))


class OpenDataTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town = MunicipalityFactory(name_th="บ้านโป่งเปิด", name_en="Ban Pong Open")
        zone = ZoneFactory(municipality=cls.town, code="01")
        BlockFactory(zone=zone, code="01A")
        for n in range(3):
            InfrastructureAssetFactory(municipality=cls.town, geom=point_in(cls.town, n))
        cls.parcel = ParcelFactory(municipality=cls.town, parcel_code="01A001", deed_number="98765")
        cls.owner = OwnerFactory(
            municipality=cls.town, first_name="สมหญิงเปิด", last_name="ลับเฉพาะ", address="77 ถนนส่วนตัว"
        )
        OwnershipFactory(parcel=cls.parcel, owner=cls.owner)
        cls.markets = DatasetFactory(
            municipality=cls.town, key="markets", classification=Classification.PUBLIC, licence=Licence.CC_BY,
            keywords=["ตลาด"],
        )  # fmt: skip
        DatasetRecordFactory(dataset=cls.markets)
        cls.secret = DatasetFactory(municipality=cls.town, key="informants", classification=Classification.INTERNAL)
        with scoped_to(cls.town):
            services.catalogue_publish(municipality=cls.town, acting_user=None)  # zones, blocks, infrastructure

    def test_catalog_json_is_dcat_json_ld_with_only_public_datasets(self):
        response = self.client.get("/catalog.json", {"municipality": self.town.code})
        assert response.status_code == 200 and response["Content-Type"].startswith("application/ld+json")
        data = response.json()
        jsonschema.validate(data, schema("dcat-catalog.schema.json"))
        identifiers = {d["dct:identifier"] for d in data["dcat:dataset"]}
        assert f"{self.town.code}-markets" in identifiers
        assert (
            f"{self.town.code}-zones" in identifiers and f"{self.town.code}-infrastructure-streetlight" in identifiers
        )
        assert (
            not {f"{self.town.code}-informants", f"{self.town.code}-parcels", f"{self.town.code}-owners"} & identifiers
        )
        graph = rdflib.Graph().parse(data=response.content, format="json-ld")
        datasets = set(graph.subjects(rdf_terms.RDF.type, rdf_terms.DCAT.Dataset))
        assert len(datasets) == len(identifiers)
        for node in datasets:
            assert graph.value(node, rdf_terms.DCTERMS.title) is not None
            distributions = list(graph.objects(node, rdf_terms.DCAT.distribution))
            assert any(graph.value(d, rdf_terms.DCAT.downloadURL) for d in distributions)
        markets = next(d for d in data["dcat:dataset"] if d["dct:identifier"].endswith("-markets"))
        assert markets["dct:license"]["@id"] == "https://creativecommons.org/licenses/by/4.0/"
        assert {"@value": "ตลาดสด", "@language": "th"} in markets["dct:title"]

    def test_ckan_package_list_and_package_show_have_ckans_shapes(self):
        listing = self.client.get("/api/3/action/package_list").json()
        jsonschema.validate(listing, schema("ckan-package-list.schema.json"))
        assert f"{self.town.code}-markets" in listing["result"]
        assert f"{self.town.code}-informants" not in listing["result"]
        shown = self.client.get("/api/3/action/package_show", {"id": f"{self.town.code}-markets"}).json()
        jsonschema.validate(shown, schema("ckan-package-show.schema.json"))
        result = shown["result"]
        assert result["organization"]["title"].endswith("บ้านโป่งเปิด")
        assert {r["format"] for r in result["resources"]} == {"GeoJSON", "GeoPackage", "CSV", "OGC API - Features"}
        assert result["license_id"] == "cc-by" and result["tags"][0]["name"] == "ตลาด"
        missing = self.client.get("/api/3/action/package_show", {"id": f"{self.town.code}-informants"})
        assert missing.status_code == 404 and missing.json()["success"] is False

    def test_a_ckan_harvester_pages_through_package_search_and_gets_every_public_dataset_once(self):
        listed = set(self.client.get("/api/3/action/package_list").json()["result"])
        seen, start = [], 0
        while True:  # as ckanext-harvest's CKANHarvester._search_for_datasets does
            page = self.client.get("/api/3/action/package_search", {"rows": 2, "start": start, "sort": "id asc"})
            jsonschema.validate(page.json(), schema("ckan-package-search.schema.json"))
            results = page.json()["result"]["results"]
            if not results:
                break
            seen += [p["id"] for p in results]
            start += 2
        assert len(seen) == len(set(seen)) == page.json()["result"]["count"] and set(seen) == listed
        assert f"{self.town.code}-informants" not in seen and f"{self.town.code}-parcels" not in seen
        ours = self.client.get(
            "/api/3/action/package_search", {"fq": f"organization:lgo-{self.town.code}", "rows": 100}
        ).json()["result"]
        assert {p["owner_org"] for p in ours["results"]} == {self.town.code} and ours["count"] >= 5
        markets = self.client.get("/api/3/action/package_search", {"q": "ตลาด", "rows": 100}).json()["result"]
        assert f"{self.town.code}-markets" in {p["id"] for p in markets["results"]}
        later = self.client.get(
            "/api/3/action/package_search", {"fq": "metadata_modified:[2100-01-01T00:00:00Z TO *]"}
        ).json()["result"]
        assert later["count"] == 0
        refused = self.client.get("/api/3/action/package_search", {"fq": "groups:anything"})
        assert refused.status_code == 409 and refused.json()["success"] is False

    def test_the_portal_lists_public_datasets_and_hides_the_others(self):
        page = self.client.get("/open/", {"municipality": self.town.code}).content.decode()
        assert "ตลาดสด" in page and "informants" not in page
        assert self.client.get(f"/open/{self.town.code}/informants/").status_code == 404
        assert self.client.get(f"/open/{self.town.code}/parcels/").status_code == 404
        assert self.client.get(f"/open/{self.town.code}/owners/download.csv").status_code == 404
        detail = self.client.get(f"/open/{self.town.code}/markets/")
        assert detail.status_code == 200 and "leaflet" in detail.content.decode()

    def test_downloads_of_a_published_parcel_layer_carry_no_personal_data(self):
        with scoped_to(self.town):
            parcels = Dataset.objects.get(source="parcels")
            services.dataset_update(
                dataset=parcels, acting_user=None, classification=Classification.PUBLIC, licence=Licence.CC_BY
            )
        base = f"/open/{self.town.code}/parcels/download"
        geojson = self.client.get(f"{base}.geojson")
        csv = self.client.get(f"{base}.csv")
        gpkg = self.client.get(f"{base}.gpkg")
        assert geojson.status_code == csv.status_code == gpkg.status_code == 200
        table = pd.read_csv(io.BytesIO(csv.content))
        assert list(table["parcel_code"]) == ["01A001"]
        assert "deed_number" not in table.columns  # internal column: the municipality's users only
        frame = gpd.read_file(io.BytesIO(gpkg.content))
        assert len(frame) == 1 and frame.crs.to_epsg() == 4326
        for content in (geojson.content, csv.content, gpkg.content):
            text = content.decode("utf-8", "replace")
            for secret in (
                self.owner.first_name,
                self.owner.last_name,
                self.owner.national_id,
                self.owner.address,
                "98765",
            ):
                assert secret not in text

    def test_personal_data_can_never_be_published(self):
        with scoped_to(self.town):
            owners = Dataset.objects.get(source="owners")
            with self.assertRaises(ValidationError):
                services.dataset_update(
                    dataset=owners, acting_user=None, classification=Classification.PUBLIC, licence=Licence.CC_BY
                )
            markets = Dataset.objects.get(key="markets")
            with self.assertRaises(ValidationError):
                services.dataset_update(dataset=markets, acting_user=None, licence=Licence.NOT_OPEN)

    def test_every_layer_starts_internal_until_the_municipality_publishes_it(self):
        fresh = MunicipalityFactory()
        with scoped_to(fresh):
            assert set(Dataset.objects.values_list("classification", flat=True)) == {"internal", "personal"}
        assert f"{fresh.code}-zones" not in self.client.get("/api/3/action/package_list").json()["result"]


class CataloguePageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.town = MunicipalityFactory(name_th="หนองแคแคต")
        cls.admin = MembershipFactory(municipality=cls.town, role=Role.ADMIN).user
        cls.engineer = MembershipFactory(municipality=cls.town, role=Role.ENGINEER).user
        cls.ours = DatasetFactory(municipality=cls.town, key="schools")
        cls.outsider = MembershipFactory(municipality=MunicipalityFactory(), role=Role.ADMIN).user

    def test_an_engineer_sees_the_catalogue_with_counts_but_not_its_settings(self):
        self.client.login(username=self.engineer.username, password=TEST_PASSWORD)
        page = self.client.get("/catalogue/").content.decode()
        assert 'data-dataset="schools"' in page and 'data-dataset="parcels"' in page
        assert self.client.get("/catalogue/settings/").status_code == 403
        assert self.client.get("/catalogue/fields/").status_code == 403

    def test_an_outsider_gets_no_dataset_of_another_municipality(self):
        self.client.login(username=self.outsider.username, password=TEST_PASSWORD)
        assert self.client.get("/catalogue/schools/").status_code == 404
        assert self.client.get("/catalogue/schools/download.csv").status_code == 404

    def test_an_uploaded_table_without_coordinates_becomes_a_typed_dataset(self):
        self.client.login(username=self.admin.username, password=TEST_PASSWORD)
        csv = "ชื่อโรงเรียน,นักเรียน,เปิดสอน,ก่อตั้ง\nวัดลำพญา,320,true,1950-05-01\nบ้านหนองแค,85,false,1978-06-12\n"
        from django.core.files.uploadedfile import SimpleUploadedFile

        response = self.client.post(
            "/catalogue/upload/",
            {
                "title_th": "โรงเรียนในเขตเทศบาล",
                "owner_department": "กองการศึกษา",
                "update_frequency": "annual",
                "classification": "internal",
                "licence": "other-closed",
                "file": SimpleUploadedFile("schools-2569.csv", csv.encode("utf-8")),
            },
        )
        assert response.status_code == 302
        with scoped_to(self.town):
            dataset = Dataset.objects.get(title_th="โรงเรียนในเขตเทศบาล")
        assert dataset.record_count == 2 and dataset.geometry_type == ""
        assert dataset.columns == [
            {"name": "ชื่อโรงเรียน", "type": "text"},
            {"name": "นักเรียน", "type": "integer"},
            {"name": "เปิดสอน", "type": "boolean"},
            {"name": "ก่อตั้ง", "type": "date"},
        ]
        table = pd.read_csv(io.BytesIO(self.client.get(f"/catalogue/{dataset.key}/download.csv").content))
        assert list(table["นักเรียน"]) == [320, 85]

    def test_an_upload_named_like_a_catalogue_page_gets_a_key_of_its_own(self):
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.client.login(username=self.admin.username, password=TEST_PASSWORD)
        response = self.client.post(
            "/catalogue/upload/",
            {
                "title_th": "การตั้งค่าเครื่องสูบน้ำ",
                "owner_department": "กองช่าง",
                "update_frequency": "annual",
                "classification": "internal",
                "licence": "other-closed",
                "file": SimpleUploadedFile("settings.csv", "เครื่อง,แรงม้า\nสถานี 1,40\n".encode()),
            },
        )
        assert response.status_code == 302 and response["Location"] == "/catalogue/settings-data/"
        assert "การตั้งค่าเครื่องสูบน้ำ" in self.client.get("/catalogue/settings-data/").content.decode()


class PersonalDataNeverPublishedTests(TestCase):
    """An officer uploads a survey: the national IDs or owners' names in it keep it off the portal."""

    @classmethod
    def setUpTestData(cls):
        cls.town = MunicipalityFactory(name_th="หนองส่วนตัว")
        cls.admin = MembershipFactory(municipality=cls.town, role=Role.ADMIN).user
        cls.owner = OwnerFactory(municipality=cls.town, title="นาง", first_name="มาลีลับ", last_name="ศรีสุข")

    def upload(self, rows: str, classification: str):
        from django.core.files.uploadedfile import SimpleUploadedFile

        self.client.login(username=self.admin.username, password=TEST_PASSWORD)
        return self.client.post(
            "/catalogue/upload/",
            {
                "title_th": "สำรวจร้านค้า",
                "owner_department": "กองสาธารณสุข",
                "update_frequency": "annual",
                "classification": classification,
                "licence": "cc-by" if classification == "public" else "other-closed",
                "file": SimpleUploadedFile("shops.csv", ("ร้าน,ผู้ติดต่อ,ลูกจ้าง\n" + rows).encode("utf-8")),
            },
        )

    def test_a_public_upload_with_a_national_id_is_refused_and_nothing_is_kept(self):
        pid = national_id(random.Random(8))
        grouped = f"{pid[0]}-{pid[1:5]}-{pid[5:10]}-{pid[10:12]}-{pid[12]}"
        response = self.upload(f"ร้านข้าวแกง,เลขบัตร {grouped},3\nร้านกาแฟ,-,1\n", "public")
        assert response.status_code == 200
        errors = response.context["form"].errors["classification"][0]
        assert "แถว 1 คอลัมน์ ผู้ติดต่อ" in errors
        with scoped_to(self.town):
            assert not Dataset.objects.filter(title_th="สำรวจร้านค้า").exists()

    def test_an_upload_naming_an_owner_is_personal_and_cannot_be_opened_later(self):
        assert self.upload("ร้านข้าวแกง,นางมาลีลับ ศรีสุข,3\nร้านกาแฟ,-,1\n", "internal").status_code == 200
        assert self.upload("ร้านข้าวแกง,นางมาลีลับ ศรีสุข,3\nร้านกาแฟ,-,1\n", "personal").status_code == 302
        with scoped_to(self.town):
            dataset = Dataset.objects.get(title_th="สำรวจร้านค้า")
            opened = ((Classification.PUBLIC, Licence.CC_BY), (Classification.INTERNAL, Licence.NOT_OPEN))
            for classification, licence in opened:
                with self.assertRaises(ValidationError) as caught:
                    services.dataset_update(
                        dataset=dataset, acting_user=self.admin, classification=classification, licence=licence
                    )
                assert "classification" in caught.exception.message_dict
            dataset.refresh_from_db()
            assert dataset.classification == Classification.PERSONAL

    def test_numbers_that_are_not_national_ids_do_not_stop_publishing(self):
        # 13 digits with a wrong check digit (a meter number), a juristic ID (starts with 0): not personal
        response = self.upload("ร้านข้าวแกง,1234567890123,3\nบริษัท ก จำกัด,0105551234567,12\n", "public")
        assert response.status_code == 302
        assert "สำรวจร้านค้า" in self.client.get("/open/", {"municipality": self.town.code}).content.decode()
