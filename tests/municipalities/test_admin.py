"""The admin is scoped like everything else: by municipality through tenancy, by role through capabilities."""

import pytest
from django.contrib import admin
from django.test import Client, TestCase
from django.urls import reverse

from assets.models import Owner, Parcel
from municipalities.choices import Role
from municipalities.tenancy import MunicipalModel
from tests.factories import (
    FACTORIES,
    TEST_PASSWORD,
    MembershipFactory,
    MunicipalityFactory,
    OwnerFactory,
    ParcelFactory,
)

MUNICIPAL_ADMINS = sorted(
    (m for m in admin.site._registry if issubclass(m, MunicipalModel)), key=lambda m: m._meta.label
)


def client_for(user) -> Client:
    client = Client()
    assert client.login(username=user.username, password=TEST_PASSWORD)
    return client


def admin_url(obj, view="change"):
    return reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_{view}", args=[obj.pk])


@pytest.mark.django_db
@pytest.mark.parametrize("model", MUNICIPAL_ADMINS, ids=lambda m: m._meta.label)
def test_an_admin_of_one_municipality_never_sees_another_ones_records_in_the_admin(model):
    lam_phaya, takhli = MunicipalityFactory(), MunicipalityFactory()
    admin_of_lam_phaya = MembershipFactory(municipality=lam_phaya, role=Role.ADMIN, user__username="admin-lp").user
    ours = FACTORIES[model](municipality=lam_phaya)
    theirs = FACTORIES[model](municipality=takhli)
    client = client_for(admin_of_lam_phaya)

    changelist = client.get(reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"))
    assert changelist.status_code == 200
    assert admin_url(ours).encode() in changelist.content
    assert admin_url(theirs).encode() not in changelist.content

    assert client.get(admin_url(ours)).status_code == 200
    for view in ("change", "delete", "history"):
        response = client.get(admin_url(theirs, view))
        assert response.status_code in (302, 403, 404), view
        assert str(theirs).encode() not in response.content
    assert client.post(admin_url(theirs, "delete"), {"post": "yes"}).status_code in (302, 403, 404)
    assert FACTORIES[model]._meta.model._base_manager.filter(pk=theirs.pk).exists()


class RoleGatesInTheAdminTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory()
        cls.parcel = ParcelFactory(municipality=cls.lam_phaya)
        cls.owner = OwnerFactory(municipality=cls.lam_phaya, first_name="ประเสริฐ")
        people = {}
        for role in Role:
            people[role] = MembershipFactory(municipality=cls.lam_phaya, role=role, user__username=f"lp-{role}").user
        cls.people = people
        cls.outsider = MembershipFactory(role=Role.ADMIN, user__username="outsider").user

    def test_an_engineer_reads_parcels_but_never_owners(self):
        client = client_for(self.people[Role.ENGINEER])
        assert client.get(reverse("admin:assets_parcel_changelist")).status_code == 200
        assert client.get(reverse("admin:assets_owner_changelist")).status_code == 403
        page = client.get(admin_url(self.parcel))
        assert page.status_code == 200
        assert "ประเสริฐ".encode() not in page.content
        assert b"ownerships-TOTAL_FORMS" not in page.content

    def test_an_executive_cannot_add_or_change_a_parcel(self):
        client = client_for(self.people[Role.EXECUTIVE])
        assert client.get(reverse("admin:assets_parcel_add")).status_code == 403
        response = client.post(admin_url(self.parcel), {"deed_number": "1"})
        assert response.status_code == 403

    def test_an_auditor_sees_owners_and_history_but_changes_nothing(self):
        client = client_for(self.people[Role.AUDITOR])
        assert client.get(reverse("admin:assets_owner_changelist")).status_code == 200
        assert client.get(admin_url(self.parcel, "history")).status_code == 200
        assert client.get(reverse("admin:assets_parcel_add")).status_code == 403
        assert client.post(admin_url(self.owner), {"first_name": "x"}).status_code == 403

    def test_only_the_municipal_admin_manages_members(self):
        assert (
            client_for(self.people[Role.ADMIN]).get(reverse("admin:municipalities_membership_changelist")).status_code
            == 200
        )
        assert (
            client_for(self.people[Role.TAX_OFFICER])
            .get(reverse("admin:municipalities_membership_changelist"))
            .status_code
            == 403
        )

    def test_the_owner_list_masks_national_ids(self):
        page = client_for(self.people[Role.TAX_OFFICER]).get(reverse("admin:assets_owner_changelist"))
        assert self.owner.masked_id.encode() in page.content
        assert self.owner.national_id.encode() not in page.content

    def test_a_tax_officer_adds_a_parcel_to_their_own_municipality_only(self):
        client = client_for(self.people[Role.TAX_OFFICER])
        other = MunicipalityFactory()
        geom = ParcelFactory.build(municipality=self.lam_phaya).geom
        response = client.post(
            reverse("admin:assets_parcel_add"),
            {
                "municipality": other.pk,  # ignored: the municipality is pinned to the user's own
                "parcel_code": "01A777",
                "geom": geom.ewkt,
                "area_sq_wah": "100",
                "deed_type": "chanote",
                "land_uses-TOTAL_FORMS": "1",
                "land_uses-INITIAL_FORMS": "0",
                "land_uses-0-use": "residential_other",
                "land_uses-0-area_sq_wah": "100",
                "ownerships-TOTAL_FORMS": "0",
                "ownerships-INITIAL_FORMS": "0",
                "buildings-TOTAL_FORMS": "0",
                "buildings-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 302, response.content.decode()[:3000]
        created = Parcel._base_manager.get(parcel_code="01A777")
        assert created.municipality_id == self.lam_phaya.pk
        assert created.land_uses.model._base_manager.filter(parcel=created).count() == 1

    def test_land_uses_that_do_not_add_up_are_refused_in_the_admin(self):
        client = client_for(self.people[Role.TAX_OFFICER])
        geom = ParcelFactory.build(municipality=self.lam_phaya).geom
        response = client.post(
            reverse("admin:assets_parcel_add"),
            {
                "parcel_code": "01A778",
                "geom": geom.ewkt,
                "area_sq_wah": "100",
                "deed_type": "chanote",
                "land_uses-TOTAL_FORMS": "1",
                "land_uses-INITIAL_FORMS": "0",
                "land_uses-0-use": "residential_other",
                "land_uses-0-area_sq_wah": "90",
                "ownerships-TOTAL_FORMS": "0",
                "ownerships-INITIAL_FORMS": "0",
                "buildings-TOTAL_FORMS": "0",
                "buildings-INITIAL_FORMS": "0",
            },
        )
        assert response.status_code == 200
        assert "ผลรวมพื้นที่การใช้ประโยชน์ที่ดิน (90) ต้องเท่ากับพื้นที่ทั้งหมด (100)" in response.content.decode()
        assert not Parcel._base_manager.filter(parcel_code="01A778").exists()

    def test_a_user_of_another_municipality_finds_nothing_here(self):
        client = client_for(self.outsider)
        assert client.get(admin_url(self.parcel)).status_code == 302
        assert str(self.owner).encode() not in client.get(reverse("admin:assets_owner_changelist")).content
        assert Owner._base_manager.filter(pk=self.owner.pk).exists()
