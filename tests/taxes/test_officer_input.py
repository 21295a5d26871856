"""What an officer can type or click wrongly in the tax pages, as review found it: each gets a clear
Thai answer and nothing recorded; and what the pages show of money, dates and owners."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse

from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from taxes.models import Assessment, Payment
from taxes.services import assessment_run, notices_issue, payment_record, warning_issue
from tests.factories import MembershipFactory, SignboardFactory
from tests.taxes import scenario

D = datetime.date


class PaymentInputTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.m, cls.people, cls.parcels, cls.sign = scenario.build()
        members = {role: MembershipFactory(municipality=cls.m, role=role).user for role in Role}
        cls.officer, cls.executive = members[Role.TAX_OFFICER], members[Role.EXECUTIVE]
        with scoped_to(cls.m):
            cls.first_run = assessment_run(municipality=cls.m, tax_year=2026)
            cls.house = Assessment.objects.get(
                run=cls.first_run, owner=cls.people["somchai"], parcel__parcel_code="01A002"
            )
            notices_issue(assessments=[cls.house], issued_on=D(2026, 2, 15), acting_user=cls.officer)
        cls.house.refresh_from_db()

    def setUp(self):
        self.client.force_login(self.officer)

    def post_payment(self, amount, paid_on="2026-03-01", receipt="R-1"):
        return self.client.post(
            reverse("taxes:payment-record", args=[self.house.pk]),
            {"receipt_number": receipt, "amount": amount, "paid_on": paid_on},
            follow=True,
        )

    def test_an_amount_that_is_not_a_number_is_a_thai_message(self):
        for amount in ("NaN", "Infinity", "-Infinity", "sNaN"):
            page = self.post_payment(amount).content.decode()
            assert "โปรดระบุจำนวนเงินและวันที่ชำระให้ถูกต้อง" in page, amount
        assert not Payment._base_manager.exists()

    def test_an_amount_finer_than_a_satang_is_refused(self):
        page = self.post_payment("100.005").content.decode()
        assert "ทศนิยมได้ไม่เกิน 2 ตำแหน่ง" in page
        assert not Payment._base_manager.exists()

    def test_a_payment_dated_after_today_is_refused_naming_the_be_date(self):
        with scoped_to(self.m), pytest.raises(ValidationError) as error:
            payment_record(
                assessment=self.house,
                receipt_number="R-1",
                amount=Decimal("552.00"),
                paid_on=D(2569, 3, 1),  # the B.E. year typed where the C.E. one belongs
                acting_user=self.officer,
            )
        assert "3112" in error.value.message_dict["paid_on"][0]  # 2569 + 543: the date as the officer reads it
        assert not Payment._base_manager.exists()

    def test_the_page_shows_the_penalty_and_surcharge_paid_to_the_satang(self):
        with scoped_to(self.m):
            payment, _ = payment_record(
                assessment=self.house,
                receipt_number="R-1",
                amount=Decimal("612.72"),
                paid_on=D(2026, 7, 15),
                acting_user=self.officer,
            )
        assert (payment.penalty, payment.surcharge) == (Decimal("55.20"), Decimal("5.52"))
        page = self.client.get(reverse("taxes:assessment", args=[self.house.pk])).content.decode()
        row = page[page.index("เบี้ยปรับและเงินเพิ่มที่ชำระแล้ว") :][:200]
        assert "60.72" in row

    def test_a_warning_before_the_due_date_names_it_in_be(self):
        with scoped_to(self.m), pytest.raises(ValidationError) as error:
            warning_issue(assessment=self.house, issued_on=D(2026, 6, 1), acting_user=self.officer)
        message = error.value.message_dict["issued_on"][0]
        assert "2569" in message and "2026" not in message

    def test_an_executive_sees_no_owner_in_the_admin(self):
        self.client.force_login(self.executive)
        page = self.client.get(reverse("admin:taxes_assessment_change", args=[self.house.pk])).content.decode()
        assert str(self.house.tax) in page.replace(",", "")  # the page itself is shown
        assert self.people["somchai"].full_name not in page
        self.client.force_login(self.officer)  # who may see personal data sees the taxpayer
        page = self.client.get(reverse("admin:taxes_assessment_change", args=[self.house.pk])).content.decode()
        assert self.people["somchai"].full_name in page


class ZoneIssueTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.m, cls.people, cls.parcels, cls.sign = scenario.build()
        cls.loose_sign = SignboardFactory(
            municipality=cls.m,
            parcel=None,
            owner=cls.people["company"],
            signboard_code="X-P001",
            location=cls.sign.location,
            width_cm=100,
            height_cm=100,
            installed_on=D(2020, 3, 1),
        )
        cls.officer = MembershipFactory(municipality=cls.m, role=Role.TAX_OFFICER).user
        with scoped_to(cls.m):
            cls.first_run = assessment_run(municipality=cls.m, tax_year=2026)

    def issue(self, zone):
        self.client.force_login(self.officer)
        return self.client.post(reverse("taxes:zone-issue", args=[self.first_run.pk]), {"zone": zone}, follow=True)

    def issued(self):
        with scoped_to(self.m):
            return set(Assessment.objects.filter(run=self.first_run, status="issued").values_list("id", flat=True))

    def test_a_zone_that_is_not_the_runs_issues_nothing(self):
        for zone in ("", "0", "01A", "99"):
            page = self.issue(zone).content.decode()
            assert "ไม่มีเขต" in page, zone
        assert self.issued() == set()

    def test_the_signs_on_no_parcel_are_issued_as_their_zone(self):
        self.issue("-")
        with scoped_to(self.m):
            loose = Assessment.objects.get(run=self.first_run, signboard=self.loose_sign)
            assert self.issued() == {loose.pk}

    def test_a_zone_issues_its_own_parcels_and_signs_only(self):
        self.issue("01")
        with scoped_to(self.m):
            expected = set(
                Assessment.objects.filter(run=self.first_run)
                .exclude(signboard=self.loose_sign)
                .filter(parcel__parcel_code__startswith="01")
                .values_list("id", flat=True)
            ) | set(
                Assessment.objects.filter(
                    run=self.first_run, signboard__parcel__parcel_code__startswith="01"
                ).values_list("id", flat=True)
            )
        assert expected and self.issued() == expected
