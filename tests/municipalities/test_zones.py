"""A member limited to some zones sees and changes only the tax map of those zones, everywhere."""

from decimal import Decimal

import pytest
from django.test import Client, TestCase
from django.urls import reverse

from assets import services
from assets.models import Building, InfrastructureAsset, LandUse, Owner, Ownership, Parcel, Signboard
from municipalities.choices import Role
from municipalities.models import Block, Zone
from municipalities.tenancy import OutOfZone, scoped_to
from tests.factories import (
    TEST_PASSWORD,
    BlockFactory,
    BuildingFactory,
    InfrastructureAssetFactory,
    LandUseFactory,
    MembershipFactory,
    MunicipalityFactory,
    OwnerFactory,
    OwnershipFactory,
    ParcelFactory,
    SignboardFactory,
    ZoneFactory,
)


class ZoneLimitTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory()
        cls.zone1 = ZoneFactory(municipality=cls.lam_phaya, code="01")
        cls.zone2 = ZoneFactory(municipality=cls.lam_phaya, code="02")
        cls.block1 = BlockFactory(zone=cls.zone1, code="01A")
        cls.block2 = BlockFactory(zone=cls.zone2, code="02A")
        cls.mine = ParcelFactory(municipality=cls.lam_phaya, block=cls.block1, parcel_code="01A001")
        cls.theirs = ParcelFactory(municipality=cls.lam_phaya, block=cls.block2, parcel_code="02A001")
        cls.unplaced = ParcelFactory(municipality=cls.lam_phaya, parcel_code="03A001")
        for parcel in (cls.mine, cls.theirs):
            LandUseFactory(parcel=parcel)
            BuildingFactory(parcel=parcel)
            SignboardFactory(parcel=parcel)
        cls.my_owner = OwnershipFactory(parcel=cls.mine).owner
        cls.their_owner = OwnershipFactory(parcel=cls.theirs).owner
        cls.new_owner = OwnerFactory(municipality=cls.lam_phaya)
        cls.streetlight = InfrastructureAssetFactory(municipality=cls.lam_phaya)
        membership = MembershipFactory(
            municipality=cls.lam_phaya, role=Role.TAX_OFFICER, user__username="zone1-officer"
        )
        membership.zones.set([cls.zone1])
        cls.officer = membership.user
        cls.everywhere = MembershipFactory(
            municipality=cls.lam_phaya, role=Role.TAX_OFFICER, user__username="town-officer"
        ).user

    def test_an_officer_limited_to_zone_01_sees_only_its_tax_map(self):
        with scoped_to(self.lam_phaya, zones=[self.zone1.pk]):
            assert list(Parcel.objects.values_list("parcel_code", flat=True)) == ["01A001"]
            assert set(LandUse.objects.values_list("parcel_id", flat=True)) == {self.mine.pk}
            assert set(Building.objects.values_list("parcel_id", flat=True)) == {self.mine.pk}
            assert set(Signboard.objects.values_list("parcel_id", flat=True)) == {self.mine.pk}
            assert set(Ownership.objects.values_list("parcel_id", flat=True)) == {self.mine.pk}
            assert list(Zone.objects.all()) == [self.zone1]
            assert list(Block.objects.all()) == [self.block1]
            # owners of holdings in the zone, and owners not yet linked to any holding
            assert set(Owner.objects.all()) == {self.my_owner, self.new_owner}
            # infrastructure has no zone: the whole town's
            assert list(InfrastructureAsset.objects.all()) == [self.streetlight]

    def test_without_a_zone_limit_the_whole_municipality_is_seen(self):
        with scoped_to(self.lam_phaya):
            assert Parcel.objects.count() == 3
            assert Owner.objects.count() == 3

    def test_a_zone_limited_officer_cannot_move_a_parcel_out_of_their_zone_and_nothing_is_saved(self):
        with scoped_to(self.lam_phaya, zones=[self.zone1.pk]):
            parcel = Parcel.objects.get(pk=self.mine.pk)
            with pytest.raises(OutOfZone):
                services.parcel_update(parcel=parcel, acting_user=self.officer, block=self.block2, parcel_code="02A009")
        assert Parcel._base_manager.get(pk=self.mine.pk).parcel_code == "01A001"

    def test_a_zone_limited_officer_cannot_create_a_parcel_outside_their_zones(self):
        with scoped_to(self.lam_phaya, zones=[self.zone1.pk]), pytest.raises(OutOfZone):
            services.parcel_create(
                municipality=self.lam_phaya,
                acting_user=self.officer,
                parcel_code="02A050",
                block=self.block2,
                geom=ParcelFactory.build(municipality=self.lam_phaya).geom,
                area_sq_wah=Decimal("100"),
            )
        assert not Parcel._base_manager.filter(parcel_code="02A050").exists()

    def test_a_zone_limited_officer_creates_parcels_in_their_zone(self):
        with scoped_to(self.lam_phaya, zones=[self.zone1.pk]):
            parcel = services.parcel_create(
                municipality=self.lam_phaya,
                acting_user=self.officer,
                parcel_code="01A050",
                block=self.block1,
                geom=ParcelFactory.build(municipality=self.lam_phaya).geom,
                area_sq_wah=Decimal("100"),
            )
        assert parcel.pk

    def test_the_zone_limit_applies_in_the_admin_and_the_api(self):
        client = Client()
        client.login(username="zone1-officer", password=TEST_PASSWORD)
        changelist = client.get(reverse("admin:assets_parcel_changelist")).content.decode()
        assert "01A001" in changelist
        assert "02A001" not in changelist
        assert client.get(reverse("admin:assets_parcel_change", args=[self.theirs.pk])).status_code == 302
        api = client.get(reverse("parcel-list")).json()
        assert [f["properties"]["parcel_code"] for f in api["features"]] == ["01A001"]
        assert client.get(reverse("parcel-detail", args=[self.theirs.pk])).status_code == 404
        client.login(username="town-officer", password=TEST_PASSWORD)
        assert client.get(reverse("parcel-list")).json()["count"] == 3
