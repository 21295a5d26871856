"""Bad input to the register is refused with a message naming the field, and nothing is half-saved."""

from decimal import Decimal

import pytest
from django.contrib.gis.geos import LineString, MultiPolygon, Point, Polygon
from django.core.exceptions import ValidationError
from django.test import TestCase

from assets import services
from assets.choices import InfrastructureKind, OwnerKind, UseCategory
from assets.models import Building, InfrastructureAsset, LandUse, Owner, Parcel
from assets.validators import ParcelCode, validate_national_id
from municipalities.tenancy import scoped_to
from tests.factories import (
    BlockFactory,
    MunicipalityFactory,
    ParcelFactory,
    UserFactory,
    _inside,
)

BOWTIE = "POLYGON((100.5 13.5, 100.501 13.501, 100.501 13.5, 100.5 13.501, 100.5 13.5))"


def errors_of(raised) -> dict:
    return raised.exception.message_dict if hasattr(raised, "exception") else raised.value.message_dict


class ParcelValidationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory(name_th="ลำพญา")
        cls.takhli = MunicipalityFactory(name_th="ตาคลี")
        cls.officer = UserFactory(username="officer-of-lam-phaya")
        cls.block = BlockFactory(zone__municipality=cls.lam_phaya, zone__code="03", code="03I")

    def create(self, **overrides):
        fields = {
            "parcel_code": "03I002",
            "block": self.block,
            "geom": MultiPolygon(_inside(self.lam_phaya, 7), srid=4326),
            "area_sq_wah": Decimal("100"),
            "price_per_sq_wah": Decimal("30000"),
        }
        fields.update(overrides)
        with scoped_to(self.lam_phaya):
            return services.parcel_create(municipality=self.lam_phaya, acting_user=self.officer, **fields)

    def count(self):
        with scoped_to(self.lam_phaya):
            return Parcel.objects.count(), LandUse.objects.count()

    def test_a_valid_parcel_is_saved_with_its_land_uses(self):
        parcel = self.create(
            land_uses=[
                {"use": UseCategory.RESIDENTIAL_MAIN, "area_sq_wah": Decimal("60")},
                {"use": UseCategory.OTHER, "area_sq_wah": Decimal("40")},
            ]
        )
        assert parcel.code == ParcelCode(zone="03", block="03I", lot="002", sub=None)
        assert self.count() == (1, 2)

    def test_it_rejects_an_invalid_geometry_and_says_why(self):
        with self.assertRaises(ValidationError) as raised:
            self.create(geom=MultiPolygon(Polygon.from_ewkt(f"SRID=4326;{BOWTIE}")))
        assert "รูปเรขาคณิตไม่ถูกต้อง" in errors_of(raised)["geom"][0]
        assert "Self-intersection" in errors_of(raised)["geom"][0]
        assert self.count() == (0, 0)

    def test_it_rejects_a_parcel_outside_the_municipality(self):
        with self.assertRaises(ValidationError) as raised:
            self.create(geom=MultiPolygon(_inside(self.takhli, 3), srid=4326))
        assert errors_of(raised)["geom"] == ["อยู่นอกเขตเทศบาลตำบลลำพญา"]
        assert self.count() == (0, 0)

    def test_it_rejects_an_empty_geometry(self):
        with self.assertRaises(ValidationError) as raised:
            self.create(geom=MultiPolygon(srid=4326))
        assert "geom" in errors_of(raised)

    def test_it_rejects_a_duplicate_parcel_code_in_the_same_municipality(self):
        self.create()
        with self.assertRaises(ValidationError) as raised:
            self.create(geom=MultiPolygon(_inside(self.lam_phaya, 8), srid=4326))
        assert errors_of(raised) == {"parcel_code": ["รหัสแปลงที่ดิน 03I002 มีอยู่แล้วในเทศบาลนี้"]}
        assert self.count() == (1, 0)

    def test_the_same_parcel_code_is_allowed_in_another_municipality(self):
        self.create()
        block = BlockFactory(zone__municipality=self.takhli, zone__code="03", code="03I")
        with scoped_to(self.takhli):
            services.parcel_create(
                municipality=self.takhli,
                acting_user=self.officer,
                parcel_code="03I002",
                block=block,
                geom=MultiPolygon(_inside(self.takhli, 1), srid=4326),
                area_sq_wah=Decimal("50"),
            )
            assert Parcel.objects.get().parcel_code == "03I002"

    def test_it_rejects_a_malformed_parcel_code(self):
        with self.assertRaises(ValidationError) as raised:
            self.create(parcel_code="3I2", block=None)
        assert "ไม่ถูกรูปแบบ" in errors_of(raised)["parcel_code"][0]

    def test_it_rejects_a_parcel_code_outside_its_block(self):
        with self.assertRaises(ValidationError) as raised:
            self.create(parcel_code="04A001")
        assert errors_of(raised)["parcel_code"] == ["รหัสแปลง 04A001 ไม่อยู่ในเขตย่อย 03I"]

    def test_it_rejects_land_uses_that_do_not_sum_to_the_parcel_area_and_saves_nothing(self):
        with self.assertRaises(ValidationError) as raised:
            self.create(
                land_uses=[
                    {"use": UseCategory.RESIDENTIAL_MAIN, "area_sq_wah": Decimal("60")},
                    {"use": UseCategory.OTHER, "area_sq_wah": Decimal("30")},
                ]
            )
        assert errors_of(raised)["land_uses"] == ["ผลรวมพื้นที่การใช้ประโยชน์ที่ดิน (90) ต้องเท่ากับพื้นที่ทั้งหมด (100)"]
        assert self.count() == (0, 0)

    def test_changing_the_area_without_the_land_uses_is_refused(self):
        parcel = self.create(land_uses=[{"use": UseCategory.RESIDENTIAL_MAIN, "area_sq_wah": Decimal("100")}])
        with scoped_to(self.lam_phaya), self.assertRaises(ValidationError) as raised:
            services.parcel_update(parcel=parcel, acting_user=self.officer, area_sq_wah=Decimal("120"))
        assert "area_sq_wah" in errors_of(raised)
        with scoped_to(self.lam_phaya):
            assert Parcel.objects.get().area_sq_wah == Decimal("100")

    def test_the_database_refuses_an_invalid_geometry_even_without_the_service(self):
        from django.db import IntegrityError, transaction

        with scoped_to(self.lam_phaya), self.assertRaises(IntegrityError), transaction.atomic():
            Parcel(
                municipality=self.lam_phaya,
                parcel_code="03I009",
                area_sq_wah=1,
                geom=MultiPolygon(Polygon.from_ewkt(f"SRID=4326;{BOWTIE}")),
            ).save()


class BuildingValidationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory()
        cls.takhli = MunicipalityFactory()
        cls.officer = UserFactory(username="officer")
        cls.our_parcel = ParcelFactory(municipality=cls.lam_phaya, parcel_code="50A001")
        cls.their_parcel = ParcelFactory(municipality=cls.takhli, parcel_code="50A002")

    def build(self, parcel, **overrides):
        fields = {
            "building_code": f"{parcel.parcel_code}-B001",
            "footprint": parcel.geom[0].buffer(-0.00005),
            "building_type": "100",
            "structure": "wood",
            "floors": 1,
            "floor_area_m2": Decimal("80"),
            "year_built": 2016,
            "municipality": self.lam_phaya,
        }
        fields.update(overrides)
        with scoped_to(self.lam_phaya):
            return services.building_create(parcel=parcel, acting_user=self.officer, **fields)

    def test_a_building_on_its_parcel_is_saved_with_its_uses(self):
        building = self.build(
            self.our_parcel, uses=[{"use": UseCategory.RESIDENTIAL_OTHER, "floor_area_m2": Decimal("80")}]
        )
        with scoped_to(self.lam_phaya):
            assert building.uses.get().floor_area_m2 == Decimal("80")

    def test_it_rejects_a_building_whose_parcel_belongs_to_another_municipality(self):
        with self.assertRaises(ValidationError) as raised:
            self.build(self.their_parcel)
        assert errors_of(raised)["parcel"] == ["แปลงที่ดิน 50A002 เป็นของเทศบาลอื่น"]
        with scoped_to(self.lam_phaya):
            assert not Building.objects.exists()

    def test_it_rejects_a_building_code_that_is_not_its_parcels(self):
        with self.assertRaises(ValidationError) as raised:
            self.build(self.our_parcel, building_code="50A009-B001")
        assert errors_of(raised)["building_code"] == ["รหัสสิ่งปลูกสร้างต้องขึ้นต้นด้วยรหัสแปลง 50A001"]

    def test_it_rejects_a_footprint_off_its_parcel(self):
        with self.assertRaises(ValidationError) as raised:
            self.build(self.our_parcel, footprint=_inside(self.lam_phaya, 5000))
        assert errors_of(raised)["footprint"] == ["รูปอาคารไม่อยู่บนแปลงที่ดิน 50A001"]

    def test_it_rejects_building_uses_that_do_not_sum_to_the_floor_area(self):
        with self.assertRaises(ValidationError) as raised:
            self.build(self.our_parcel, uses=[{"use": UseCategory.OTHER, "floor_area_m2": Decimal("50")}])
        assert "uses" in errors_of(raised)
        with scoped_to(self.lam_phaya):
            assert not Building.objects.exists()


class OwnerValidationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory()
        cls.officer = UserFactory(username="officer")

    def create(self, **fields):
        with scoped_to(self.lam_phaya):
            return services.owner_create(
                municipality=self.lam_phaya, acting_user=self.officer, first_name="สมชาย", **fields
            )

    def test_it_accepts_a_valid_national_id(self):
        assert self.create(national_id="3100600445635").masked_id == "3-xxxx-xxxxx-xx-5"

    def test_it_rejects_a_national_id_with_a_wrong_check_digit(self):
        with self.assertRaises(ValidationError) as raised:
            self.create(national_id="1101700230705")
        assert errors_of(raised)["national_id"] == ["เลขประจำตัวประชาชน 1101700230705 มีเลขตรวจสอบ (หลักที่ 13) ไม่ถูกต้อง"]
        with scoped_to(self.lam_phaya):
            assert not Owner.objects.exists()

    def test_it_rejects_an_id_that_is_not_13_digits(self):
        with self.assertRaises(ValidationError) as raised:
            self.create(national_id="12345")
        assert errors_of(raised)["national_id"] == ["เลขประจำตัวประชาชน ต้องเป็นตัวเลข 13 หลัก"]

    def test_a_juristic_person_has_a_registration_number_starting_with_zero(self):
        assert self.create(kind=OwnerKind.JURISTIC, national_id="0105536112014").kind == OwnerKind.JURISTIC
        with self.assertRaises(ValidationError):
            self.create(kind=OwnerKind.JURISTIC, national_id="3100600445635")

    def test_it_rejects_the_same_id_twice_in_one_municipality(self):
        self.create(national_id="3100600445635")
        with self.assertRaises(ValidationError) as raised:
            self.create(national_id="3100600445635")
        assert errors_of(raised) == {
            "national_id": ["เลขประจำตัวประชาชน / เลขทะเบียนนิติบุคคล 3100600445635 มีอยู่แล้วในเทศบาลนี้"]
        }


class InfrastructureValidationTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory()
        cls.engineer = UserFactory(username="engineer")

    def create(self, **fields):
        with scoped_to(self.lam_phaya):
            return services.infrastructure_asset_create(
                municipality=self.lam_phaya, acting_user=self.engineer, **fields
            )

    def test_a_streetlight_is_a_point(self):
        light = self.create(
            asset_code="SL-1", kind=InfrastructureKind.STREETLIGHT, geom=_inside(self.lam_phaya, 1).centroid
        )
        assert light.geom.geom_type == "Point"

    def test_it_rejects_a_road_drawn_as_a_point(self):
        with self.assertRaises(ValidationError) as raised:
            self.create(asset_code="RD-1", kind=InfrastructureKind.ROAD, geom=_inside(self.lam_phaya, 1).centroid)
        assert errors_of(raised)["geom"] == ["ชนิดรูปเรขาคณิต Point ใช้ไม่ได้ ต้องเป็น LineString หรือ MultiLineString"]

    def test_the_database_also_refuses_a_geometry_that_does_not_fit_the_kind(self):
        from django.db import IntegrityError, transaction

        with scoped_to(self.lam_phaya), self.assertRaises(IntegrityError), transaction.atomic():
            InfrastructureAsset(
                municipality=self.lam_phaya, asset_code="RD-2", kind="road", geom=Point(99.001, 15.001, srid=4326)
            ).save()

    def test_it_rejects_unknown_or_mistyped_attributes_of_a_kind(self):
        road = LineString((99.001, 15.001), (99.002, 15.001), srid=4326)
        with self.assertRaises(ValidationError) as raised:
            self.create(asset_code="RD-3", kind="road", geom=road, attributes={"lanes": "two"})
        assert errors_of(raised)["attributes"] == ["คุณลักษณะ lanes ต้องเป็นจำนวนเต็ม"]
        with self.assertRaises(ValidationError) as raised:
            self.create(asset_code="RD-3", kind="road", geom=road, attributes={"colour": "red"})
        assert "ไม่รู้จักคุณลักษณะ colour" in errors_of(raised)["attributes"][0]


@pytest.mark.parametrize(
    ("value", "valid"),
    [("3100600445635", True), ("1234545678781", True), ("1112034563562", True), ("1101700230705", False)],
)
def test_the_national_id_check_digit(value, valid):
    # Values from docs/thai-taxes.md §3.1 (recomputed there with weights 13…2).
    if valid:
        validate_national_id(value)
    else:
        with pytest.raises(ValidationError):
            validate_national_id(value)
