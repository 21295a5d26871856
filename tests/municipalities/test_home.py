"""The home page's cards: the year's tax and the open work orders, each for the roles that open its
module, counted in the member's scope, at a fixed number of queries."""

import datetime
from decimal import Decimal

from django.db import connection
from django.test import TestCase
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from taxes.models import Assessment
from taxes.services import assessment_run, notices_issue, payment_record
from tests.factories import InfrastructureAssetFactory, MembershipFactory, MunicipalProfileFactory, WorkOrderFactory
from tests.taxes import scenario

D = datetime.date


class HomeCardsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.m, _people, cls.parcels, _sign = scenario.build()
        cls.members = {role: MembershipFactory(municipality=cls.m, role=role).user for role in Role}
        with scoped_to(cls.m):
            run = assessment_run(municipality=cls.m, tax_year=2026)
            house = Assessment.objects.get(run=run, parcel=cls.parcels["01A002"])
            notices_issue(assessments=[house], issued_on=D(2026, 2, 15), acting_user=cls.members[Role.TAX_OFFICER])
            payment_record(
                assessment=house, receipt_number="R-1", amount=Decimal("276.00"), paid_on=D(2026, 3, 1),
                acting_user=cls.members[Role.TAX_OFFICER],
            )  # fmt: skip
        light = InfrastructureAssetFactory(municipality=cls.m, geom=cls.parcels["01A004"].geom.centroid)
        today = timezone.localdate()
        engineer = cls.members[Role.ENGINEER]
        WorkOrderFactory(municipality=cls.m, asset=light, due_on=today - datetime.timedelta(days=3))
        WorkOrderFactory(
            municipality=cls.m, asset=light, due_on=today + datetime.timedelta(days=9), status="assigned",
            assignee=engineer,
        )  # fmt: skip
        WorkOrderFactory(
            municipality=cls.m, asset=light, due_on=today - datetime.timedelta(days=30), status="cancelled"
        )
        WorkOrderFactory(due_on=today - datetime.timedelta(days=1))  # another town's

    def cards(self, role) -> dict[str, dict[str, str]]:
        self.client.force_login(self.members[role])
        page = self.client.get(reverse("home"))
        return {card.title: {f.label: f.value for f in card.figures} for card in page.context["cards"]}

    def test_a_tax_officer_reads_the_latest_years_tax_due_collected_rate_and_overdue(self):
        due = sum(scenario.EXPECTED.values()) + scenario.SIGN_TAX  # every draft and the issued notice
        tax = self.cards(Role.TAX_OFFICER)["ภาษีปี 2569"]
        assert tax == {
            "ภาษีที่ต้องจัดเก็บ (บาท)": f"{due:,.2f}",
            "จัดเก็บแล้ว (บาท)": "276.00",
            "อัตราการจัดเก็บ": f"{Decimal('276') / due:.1%}",
            "ค้างชำระเกินกำหนด (บาท)": "276.00",  # the house's second half, due in April
        }

    def test_an_engineer_reads_the_open_orders_but_no_tax(self):
        cards = self.cards(Role.ENGINEER)
        assert not any(title.startswith("ภาษี") for title in cards)
        assert cards["งานช่าง"] == {"ใบสั่งงานที่ยังไม่เสร็จ": "2", "เกินกำหนดเสร็จ": "1", "มอบหมายให้ฉัน": "1"}

    def test_a_module_the_municipality_hides_shows_no_card(self):
        MunicipalProfileFactory(municipality=self.m, hidden_modules=["works"])
        assert list(self.cards(Role.EXECUTIVE)) == ["ภาษีปี 2569"]

    def test_the_home_page_costs_a_fixed_number_of_queries(self):
        self.client.force_login(self.members[Role.ADMIN])
        self.client.get(reverse("home"))
        with CaptureQueriesContext(connection) as captured:
            assert self.client.get(reverse("home")).status_code == 200
        assert len(captured) == 14, "\n".join(q["sql"][:120] for q in captured.captured_queries)


class HomeBeforeAnyRunTests(TestCase):
    def test_a_town_not_yet_assessed_is_told_where_to_start_not_shown_zeros(self):
        officer = MembershipFactory(role=Role.TAX_OFFICER).user
        self.client.force_login(officer)
        (tax,) = [c for c in self.client.get(reverse("home")).context["cards"] if c.url == reverse("taxes:index")]
        assert tax.figures == [] and "ยังไม่มีการประเมินภาษี" in tax.note
