"""An auditor opens any record as it was on a past date and reads its full history, before and after."""

import datetime
from decimal import Decimal

from django.test import Client, TestCase
from django.urls import reverse
from django.utils import timezone

from assets import services
from assets.models import Parcel
from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from tests.factories import TEST_PASSWORD, MembershipFactory, MunicipalityFactory, OwnerFactory, ParcelFactory


def backdate(model, pk, days):
    """Move every history row of a record `days` into the past, as if it had been made then."""
    with scoped_to(model.objects.model._base_manager.get(pk=pk).municipality_id):
        for row in model.history.filter(id=pk):
            row.history_date -= datetime.timedelta(days=days)
            row.save()


class AsOfDateTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory()
        cls.officer = MembershipFactory(municipality=cls.lam_phaya, role=Role.TAX_OFFICER, user__username="somsri").user
        cls.auditor = MembershipFactory(municipality=cls.lam_phaya, role=Role.AUDITOR, user__username="auditor").user
        cls.executive = MembershipFactory(municipality=cls.lam_phaya, role=Role.EXECUTIVE, user__username="exec").user
        with scoped_to(cls.lam_phaya):
            cls.parcel = services.parcel_create(
                municipality=cls.lam_phaya,
                acting_user=cls.officer,
                parcel_code="01A001",
                geom=ParcelFactory.build(municipality=cls.lam_phaya).geom,
                area_sq_wah=Decimal("100"),
                price_per_sq_wah=Decimal("30000"),
                deed_number="1111",
            )
        backdate(Parcel, cls.parcel.pk, days=60)
        with scoped_to(cls.lam_phaya):
            services.parcel_update(parcel=cls.parcel, acting_user=cls.officer, price_per_sq_wah=Decimal("45000"))
        cls.auditor_client = Client()
        cls.auditor_client.login(username="auditor", password=TEST_PASSWORD)

    def url(self, obj=None, **query):
        obj = obj or self.parcel
        return reverse("audit:history", args=[obj._meta.label_lower, obj.pk]), query

    def test_the_auditor_sees_the_parcel_as_it_was_a_month_ago(self):
        path, _ = self.url()
        month_ago = timezone.localdate() - datetime.timedelta(days=30)
        page = self.auditor_client.get(path, {"as_of": month_ago.isoformat()})
        assert page.status_code == 200
        snapshot = dict(page.context["snapshot"][0])
        assert snapshot["ราคาประเมินต่อตารางวา (บาท)"] == "30000.00"
        today = self.auditor_client.get(path, {"as_of": timezone.localdate().isoformat()})
        assert dict(today.context["snapshot"][0])["ราคาประเมินต่อตารางวา (บาท)"] == "45000.00"

    def test_before_the_parcel_existed_the_page_says_so(self):
        path, _ = self.url()
        page = self.auditor_client.get(path, {"as_of": "2000-01-01"})
        assert page.context["snapshot"] is None
        assert "ระเบียนนี้ยังไม่มีอยู่" in page.content.decode()

    def test_the_full_history_names_who_changed_what_from_what_to_what(self):
        path, _ = self.url()
        page = self.auditor_client.get(path)
        entries = page.context["entries"]
        assert [(e.record.history_type, e.record.history_user.username) for e in entries] == [
            ("+", "somsri"),
            ("~", "somsri"),
        ]
        changes = {(c.label, c.before, c.after) for c in entries[1].changes}
        assert ("ราคาประเมินต่อตารางวา (บาท)", "30000.00", "45000.00") in changes
        assert "45000.00" in page.content.decode()

    def test_the_lookup_form_finds_a_parcel_by_its_code(self):
        response = self.auditor_client.get(reverse("audit:index"), {"model": "assets.parcel", "reference": "01A001"})
        assert response.status_code == 302
        assert response["Location"] == self.url()[0]

    def test_an_owner_history_shows_national_ids_masked(self):
        owner = OwnerFactory(municipality=self.lam_phaya)
        with scoped_to(self.lam_phaya):
            services.owner_update(owner=owner, acting_user=self.officer, address="1 ถนนใหม่")
        page = self.auditor_client.get(self.url(owner)[0]).content.decode()
        assert owner.national_id not in page
        assert owner.masked_id in page
        assert "1 ถนนใหม่" in page

    def test_an_executive_and_an_outsider_cannot_open_histories(self):
        executive = Client()
        executive.login(username="exec", password=TEST_PASSWORD)
        assert executive.get(self.url()[0]).status_code == 403
        outsider = MembershipFactory(role=Role.AUDITOR, user__username="outside-auditor").user
        client = Client()
        client.force_login(outsider)
        assert client.get(self.url()[0]).status_code == 404


class AdminVersionPageTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.lam_phaya = MunicipalityFactory()
        cls.parcel = ParcelFactory(municipality=cls.lam_phaya, deed_number="OLD")
        with scoped_to(cls.lam_phaya):
            cls.first_version = cls.parcel.history.get().history_id
            services.parcel_update(parcel=cls.parcel, acting_user=None, deed_number="NEW")
        MembershipFactory(municipality=cls.lam_phaya, role=Role.TAX_OFFICER, user__username="officer")

    def test_a_past_version_can_be_read_but_not_restored_over_the_services(self):
        client = Client()
        client.login(username="officer", password=TEST_PASSWORD)
        url = reverse("admin:assets_parcel_simple_history", args=[self.parcel.pk, self.first_version])
        assert client.get(url).status_code == 200
        assert client.post(url, {"deed_number": "OLD"}).status_code == 403
        assert Parcel._base_manager.get(pk=self.parcel.pk).deed_number == "NEW"
