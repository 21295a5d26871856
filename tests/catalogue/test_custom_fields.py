"""A municipality adds a flood-prone flag and a risk level to its parcels, and sees them everywhere:
validated, in the admin form and the record page, in the API, in exports and imports, and in the
OGC API items the map reads."""

import json
import tempfile
from decimal import Decimal
from pathlib import Path

from django.contrib.gis.geos import GEOSGeometry, MultiPolygon
from django.core.exceptions import ValidationError
from django.test import TestCase
from rest_framework.authtoken.models import Token

from catalogue import services
from catalogue.choices import Classification, Licence
from catalogue.models import CustomField, Dataset
from dataio.exporter import export
from dataio.services import ImportOptions, import_file
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from tests.dataio.files import lots, municipality_on_real_boundary, parcels_frame, write
from tests.factories import (
    TEST_PASSWORD,
    BlockFactory,
    MembershipFactory,
    MunicipalityFactory,
    OwnerFactory,
    OwnershipFactory,
    ParcelFactory,
    ZoneFactory,
)


class CustomFieldEndToEndTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = municipality_on_real_boundary(name_th="ลำพญาฟิลด์")
        cls.admin = MembershipFactory(municipality=cls.lam_phaya, role=Role.ADMIN).user
        cls.executive = MembershipFactory(municipality=cls.lam_phaya, role=Role.EXECUTIVE).user
        block = BlockFactory(zone=ZoneFactory(municipality=cls.lam_phaya, code="01"), code="01A")
        cls.parcel = ParcelFactory(
            municipality=cls.lam_phaya,
            block=block,
            parcel_code="01A001",
            geom=MultiPolygon(GEOSGeometry(lots(1, first=30)[0].wkt)),
        )
        with scoped_to(cls.lam_phaya):
            cls.flood = services.custom_field_create(
                municipality=cls.lam_phaya,
                acting_user=cls.admin,
                layer="parcels",
                key="flood_prone",
                label_th="พื้นที่เสี่ยงน้ำท่วม",
                label_en="Flood-prone",
                field_type="boolean",
            )
            cls.risk = services.custom_field_create(
                municipality=cls.lam_phaya,
                acting_user=cls.admin,
                layer="parcels",
                key="flood_risk",
                label_th="ระดับความเสี่ยง",
                field_type="choice",
                choices=[["low", "ต่ำ"], ["high", "สูง"]],
            )
            cls.depth = services.custom_field_create(
                municipality=cls.lam_phaya,
                acting_user=cls.admin,
                layer="parcels",
                key="flood_depth_m",
                label_th="ความลึกน้ำท่วมปี 2554 (เมตร)",
                field_type="decimal",
                minimum=Decimal("0"),
                maximum=Decimal("5"),
            )
            cls.caretaker = services.custom_field_create(
                municipality=cls.lam_phaya,
                acting_user=cls.admin,
                layer="parcels",
                key="caretaker_phone",
                label_th="โทรศัพท์ผู้ดูแล",
                field_type="text",
                personal=True,
            )

    def test_a_definition_cannot_reuse_a_register_column_or_miss_its_choices(self):
        with scoped_to(self.lam_phaya):
            with self.assertRaises(ValidationError) as caught:
                services.custom_field_create(
                    municipality=self.lam_phaya, acting_user=self.admin, layer="parcels", key="deed_number",
                    label_th="ซ้ำ", field_type="text",
                )  # fmt: skip
            assert "key" in caught.exception.message_dict
            with self.assertRaises(ValidationError) as caught:
                services.custom_field_create(
                    municipality=self.lam_phaya, acting_user=self.admin, layer="parcels", key="zoning",
                    label_th="ผังเมือง", field_type="choice",
                )  # fmt: skip
            assert "choices" in caught.exception.message_dict

    def test_values_are_validated_against_the_definitions_and_nothing_half_saved(self):
        with scoped_to(self.lam_phaya):
            for bad in ({"flood_prone": "yes"}, {"flood_risk": "extreme"}, {"flood_depth_m": 7}, {"colour": "red"}):
                with self.assertRaises(ValidationError):
                    services.record_custom_set(record=self.parcel, acting_user=self.admin, values=bad)
            self.parcel.refresh_from_db()
            assert self.parcel.custom == {}
            services.record_custom_set(
                record=self.parcel, acting_user=self.admin, values={"flood_prone": True, "flood_depth_m": "1.25"}
            )
            self.parcel.refresh_from_db()
            assert self.parcel.custom == {"flood_prone": True, "flood_depth_m": 1.25}
            assert self.parcel.history.first().custom == {"flood_prone": True, "flood_depth_m": 1.25}

    def test_the_admin_form_shows_the_fields_and_refuses_a_value_out_of_range(self):
        self.client.login(username=self.admin.username, password=TEST_PASSWORD)
        url = f"/admin/assets/parcel/{self.parcel.pk}/change/"
        page = self.client.get(url)
        assert page.status_code == 200
        assert "พื้นที่เสี่ยงน้ำท่วม" in page.content.decode()
        assert 'name="custom__flood_risk"' in page.content.decode()
        form = page.context["adminform"].form
        data = {k: v for k, v in form.initial.items() if v is not None and not hasattr(v, "pk")}
        data.update(
            {
                "municipality": self.lam_phaya.pk,
                "parcel_code": "01A001",
                "block": self.parcel.block_id,
                "geom": self.parcel.geom.ewkt,
                "area_sq_wah": "100.00",
                "price_per_sq_wah": "30000.00",
                "deed_type": "chanote",
                "custom__flood_prone": "true",
                "custom__flood_risk": "high",
                "custom__flood_depth_m": "9",
            }
        )
        for prefix in ("land_uses", "ownerships", "buildings"):
            data.update({f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"})
        refused = self.client.post(url, data)
        assert refused.status_code == 200
        assert refused.context["adminform"].form.errors["custom__flood_depth_m"]
        data["custom__flood_depth_m"] = "0.8"
        saved = self.client.post(url, data)
        assert saved.status_code == 302, saved.context["adminform"].form.errors if saved.context else saved
        self.parcel.refresh_from_db()
        assert self.parcel.custom == {"flood_prone": True, "flood_risk": "high", "flood_depth_m": 0.8}

    def test_the_record_page_shows_and_edits_the_values(self):
        with scoped_to(self.lam_phaya):
            services.record_custom_set(record=self.parcel, acting_user=self.admin, values={"flood_risk": "high"})
        self.client.login(username=self.admin.username, password=TEST_PASSWORD)
        url = f"/catalogue/records/parcels/{self.parcel.pk}/"
        page = self.client.get(url).content.decode()
        assert 'data-custom="flood_risk">สูง<' in page
        response = self.client.post(
            url, {"custom__flood_prone": "true", "custom__flood_risk": "", "custom__flood_depth_m": "2"}
        )
        assert response.status_code == 302
        self.parcel.refresh_from_db()
        assert self.parcel.custom == {"flood_prone": True, "flood_depth_m": 2.0}

    def test_an_executive_sees_the_values_without_the_personal_field_and_cannot_edit(self):
        with scoped_to(self.lam_phaya):
            services.record_custom_set(
                record=self.parcel,
                acting_user=self.admin,
                values={"flood_prone": False, "caretaker_phone": "0812345678"},
            )
        self.client.login(username=self.executive.username, password=TEST_PASSWORD)
        page = self.client.get(f"/catalogue/records/parcels/{self.parcel.pk}/").content.decode()
        assert "ไม่ใช่" in page and "0812345678" not in page
        assert self.client.post(f"/catalogue/records/parcels/{self.parcel.pk}/", {}).status_code == 403

    def test_the_api_reads_and_patches_values_with_the_same_validation(self):
        token = Token.objects.create(user=self.admin)
        auth = {"HTTP_AUTHORIZATION": f"Token {token.key}"}
        url = f"/api/v1/catalogue/records/parcels/{self.parcel.pk}/"
        bad = self.client.patch(url, {"custom": {"flood_risk": "extreme"}}, content_type="application/json", **auth)
        assert bad.status_code == 400 and "flood_risk" not in json.dumps(self.parcel.custom)
        good = self.client.patch(url, {"custom": {"flood_risk": "low"}}, content_type="application/json", **auth)
        assert good.status_code == 200
        assert good.json()["custom"]["flood_risk"] == "low"
        assert {"key": "flood_risk", "label": "ระดับความเสี่ยง", "text": "ต่ำ"} in good.json()["display"]
        fields = self.client.get("/api/v1/catalogue/fields/", **auth).json()
        assert {f["key"] for f in fields["results"]} == {
            "flood_prone",
            "flood_risk",
            "flood_depth_m",
            "caretaker_phone",
        }

    def test_an_outsider_reaches_neither_the_record_nor_its_values(self):
        outsider = MembershipFactory(municipality=MunicipalityFactory(), role=Role.ADMIN).user
        self.client.login(username=outsider.username, password=TEST_PASSWORD)
        assert self.client.get(f"/catalogue/records/parcels/{self.parcel.pk}/").status_code == 404
        assert self.client.get(f"/api/v1/catalogue/records/parcels/{self.parcel.pk}/").status_code == 404

    def test_exports_carry_the_fields_and_leave_the_personal_one_out_without_personal_data(self):
        with scoped_to(self.lam_phaya):
            OwnershipFactory(parcel=self.parcel, owner=OwnerFactory(municipality=self.lam_phaya))
            services.record_custom_set(
                record=self.parcel,
                acting_user=self.admin,
                values={"flood_prone": True, "flood_risk": "high", "caretaker_phone": "0812345678"},
            )
            plain = json.loads(
                export(self.lam_phaya, layer="parcels", fmt="geojson", encoding="utf-8", personal_data=False).content
            )
            full = json.loads(
                export(self.lam_phaya, layer="parcels", fmt="geojson", encoding="utf-8", personal_data=True).content
            )
        properties = plain["features"][0]["properties"]
        assert properties["flood_prone"] is True and properties["flood_risk"] == "high"
        assert "caretaker_phone" not in properties
        assert full["features"][0]["properties"]["caretaker_phone"] == "0812345678"

    def test_an_import_fills_the_fields_by_their_labels_and_refuses_a_bad_value(self):
        frame = parcels_frame(3, first=20)
        frame["พื้นที่เสี่ยงน้ำท่วม"] = ["ใช่", "ไม่ใช่", None]
        frame["flood_risk"] = ["สูง", "low", "high"]
        with tempfile.TemporaryDirectory() as folder, scoped_to(self.lam_phaya):
            report = import_file(
                municipality=self.lam_phaya,
                acting_user=self.admin,
                path=write(frame, Path(folder), "gpkg"),
                options=ImportOptions(layer="parcels"),
            )
            assert report["result"] == {"new": 3, "changed": 0}
            from assets.models import Parcel

            stored = dict(
                Parcel.objects.filter(parcel_code__in=["01A020", "01A021", "01A022"]).values_list(
                    "parcel_code", "custom"
                )
            )
            assert stored == {
                "01A020": {"flood_prone": True, "flood_risk": "high"},
                "01A021": {"flood_prone": False, "flood_risk": "low"},
                "01A022": {"flood_risk": "high"},
            }
            frame["flood_risk"] = ["extreme", "low", "high"]
            with self.assertRaises(ValidationError):
                import_file(
                    municipality=self.lam_phaya,
                    acting_user=self.admin,
                    path=write(frame, Path(folder), "geojson"),
                    options=ImportOptions(layer="parcels"),
                )
            # a file without the custom columns updates the parcels and keeps their values
            frame2 = parcels_frame(3, first=20)
            frame2["area_sq_wah"] = ["500.00"] * 3
            path = Path(folder) / "again.gpkg"
            frame2.to_file(path, driver="GPKG", engine="pyogrio")
            import_file(
                municipality=self.lam_phaya, acting_user=self.admin, path=path, options=ImportOptions(layer="parcels")
            )
            assert Parcel.objects.get(parcel_code="01A020").custom == {"flood_prone": True, "flood_risk": "high"}

    def test_the_map_reads_the_fields_from_the_ogc_api_and_deleting_a_field_clears_its_values(self):
        with scoped_to(self.lam_phaya):
            services.record_custom_set(
                record=self.parcel,
                acting_user=self.admin,
                values={"flood_prone": True, "caretaker_phone": "0812345678"},
            )
            parcels = (
                Dataset.objects.get(source="parcels") if Dataset.objects.filter(source="parcels").exists() else None
            )
            if parcels is None:
                services.catalogue_sync(self.lam_phaya)
                parcels = Dataset.objects.get(source="parcels")
            services.dataset_update(
                dataset=parcels, acting_user=self.admin, classification=Classification.PUBLIC, licence=Licence.CC_BY
            )
        item = self.client.get(f"/ogc/collections/{self.lam_phaya.code}-parcels/items/{self.parcel.pk}").json()
        assert item["properties"]["flood_prone"] is True
        assert "caretaker_phone" not in item["properties"]  # personal fields never leave through the catalogue
        with scoped_to(self.lam_phaya):
            cleared = services.custom_field_delete(
                field=CustomField.objects.get(key="flood_prone"), acting_user=self.admin
            )
            self.parcel.refresh_from_db()
        assert cleared == 1 and "flood_prone" not in self.parcel.custom
