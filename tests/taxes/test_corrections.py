"""A correction of an issued assessment keeps what was already owed, and late, on its original dates.

Worked examples on Somchai's second house (552.00, notified 15 February 2026, due 30 June 2026) and on
a company's land taxed 30,000.00 in three instalments (30 June, 30 July, 30 August 2026). A correction
(LBTA s.53) keeps the part of the tax up to the tax last notified on the dates already notified, takes a
reduction off the last instalments first, and gives an increase its own date, 30 days after the
correction's notice (or the year's payment date, if later); warning letters (s.61) sent on any
assessment of the chain count for what was already late when they were sent.
"""

import datetime
import pathlib
import tempfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from municipalities.choices import Role
from municipalities.tenancy import scoped_to
from taxes.choices import AssessmentStatus
from taxes.models import Assessment
from taxes.selectors import parcel_tax_status
from taxes.services import (
    assessment_correct,
    assessment_run,
    balance,
    notice_print,
    notices_issue,
    payment_record,
    warning_issue,
)
from tests.factories import MembershipFactory
from tests.taxes import scenario
from tests.taxes.test_notices import pdf_text

D = datetime.date
BIG_FACTS = "[2026,1,[1000,10000,0,1,[[4,1]]],[],null,0,null]"  # 1,000 sq wah at 10,000, other use: 30,000.00


def plan_of(assessment):
    return [(i.number, i.due_on, i.amount, i.additional) for i in assessment.instalments.order_by("number")]


def dues_of(state):
    return [
        (line["due"].number, line["due"].due_on, line["due"].principal, line["charge"].months) for line in state["dues"]
    ]


def exact(state):
    """The money is exact (services.balance): what is paid and what is owed make the tax, its penalties and
    any overpayment, to the satang, however the tax was corrected."""
    return state["paid_total"] + state["outstanding"] == state["tax"] + state["penalties"] + state["overpaid"]


class CorrectionTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.m, cls.people, cls.parcels, _ = scenario.build()
        members = {role: MembershipFactory(municipality=cls.m, role=role).user for role in Role}
        cls.officer, cls.auditor = members[Role.TAX_OFFICER], members[Role.AUDITOR]
        with scoped_to(cls.m):
            cls.first_run = assessment_run(municipality=cls.m, tax_year=2026)
            cls.house = Assessment.objects.get(
                run=cls.first_run, owner=cls.people["somchai"], parcel__parcel_code="01A002"
            )
            cls.big = Assessment.objects.create(
                municipality=cls.m,
                run=cls.first_run,
                tax_year=2026,
                kind="land_building",
                owner=cls.people["company"],
                parcel=cls.parcels["01A008"],
                facts=BIG_FACTS,
                tax=Decimal("30000.00"),
            )
            notices_issue(assessments=[cls.house, cls.big], issued_on=D(2026, 2, 15), acting_user=cls.officer)
        cls.house.refresh_from_db()
        cls.big.refresh_from_db()

    def setUp(self):
        self.scope = scoped_to(self.m)
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)

    def correct(self, assessment, issued_on, *, area=None, price=None):
        facts = assessment.calculator_input
        if area is not None:
            facts["land"]["area_sq_wah"] = area
        if price is not None:
            facts["land"]["price_per_sq_wah"] = price
        return assessment_correct(
            assessment=assessment, facts=facts, reason="แก้ไขตามโฉนด", issued_on=issued_on, acting_user=self.officer
        )

    def pay(self, assessment, amount, paid_on, receipt):
        payment, _ = payment_record(
            assessment=assessment,
            receipt_number=receipt,
            amount=Decimal(amount),
            paid_on=paid_on,
            acting_user=self.officer,
        )
        return payment

    def test_a_correction_up_after_the_due_date_leaves_the_late_tax_late_and_gives_the_increase_30_days(self):
        corrected = self.correct(self.house, D(2026, 9, 15), price="40000")  # 552.00 -> 712.00
        assert corrected.tax == Decimal("712.00")
        assert plan_of(corrected) == [
            (1, D(2026, 6, 30), Decimal("552.00"), False),  # as notified on 15 February
            (2, D(2026, 10, 15), Decimal("160.00"), True),  # s.53: 30 days from the correction's notice
        ]
        assert corrected.notices.get().due_on == D(2026, 10, 15)
        state = balance(corrected, on=D(2026, 9, 20))
        assert dues_of(state) == [
            (1, D(2026, 6, 30), Decimal("552.00"), 3),  # July, August, September: 10 % and 3 %
            (2, D(2026, 10, 15), Decimal("160.00"), 0),
        ]
        assert state["outstanding"] == Decimal("783.76")  # 552.00 + 55.20 + 16.56 + 160.00
        assert exact(state)
        payment = self.pay(corrected, "783.76", D(2026, 9, 20), "C-UP")
        assert (payment.principal, payment.penalty, payment.surcharge) == (
            Decimal("712.00"),
            Decimal("55.20"),
            Decimal("16.56"),
        )
        after = balance(corrected, on=D(2026, 12, 31))
        assert after["outstanding"] == 0 and exact(after)
        row = parcel_tax_status(tax_year=2026)[corrected.parcel_id]
        assert (row.tax_due, row.due_on) == (Decimal("712.00"), D(2026, 6, 30))  # the maps keep the first due date

    def test_the_increase_paid_late_bears_its_own_penalty_and_surcharge_from_its_own_date(self):
        corrected = self.correct(self.house, D(2026, 9, 15), price="40000")
        self.pay(corrected, "623.76", D(2026, 9, 20), "C-OLD")  # 552.00 with 10 % and 3 months at 1 %
        state = balance(corrected, on=D(2026, 10, 20))
        assert dues_of(state) == [(2, D(2026, 10, 15), Decimal("160.00"), 1)]
        assert state["outstanding"] == Decimal("177.60")  # 160.00 + 16.00 + 1.60
        assert exact(state)

    def test_a_correction_down_after_the_due_date_leaves_the_reduced_tax_late_from_the_original_date(self):
        corrected = self.correct(self.house, D(2026, 9, 15), area="40")  # 552.00 -> 312.00
        assert plan_of(corrected) == [(1, D(2026, 6, 30), Decimal("312.00"), False)]
        assert corrected.notices.get().due_on == D(2026, 9, 15)  # nothing new to wait for: already due
        state = balance(corrected, on=D(2026, 9, 20))
        assert dues_of(state) == [(1, D(2026, 6, 30), Decimal("312.00"), 3)]
        assert state["outstanding"] == Decimal("352.56")  # 312.00 + 31.20 + 9.36
        assert exact(state)

    def test_a_correction_below_what_was_paid_leaves_an_overpayment_and_the_money_exact(self):
        self.pay(self.house, "552.00", D(2026, 6, 1), "C-PAID")
        corrected = self.correct(self.house, D(2026, 9, 15), area="40")
        state = balance(corrected, on=D(2026, 9, 20))
        assert (state["dues"], state["outstanding"], state["overpaid"]) == ([], 0, Decimal("240.00"))
        assert exact(state)
        with pytest.raises(ValidationError) as error:
            self.pay(corrected, "1.00", D(2026, 9, 20), "C-MORE")
        assert "ชำระครบแล้ว" in error.value.message_dict["amount"][0]

    def test_a_correction_before_the_due_date_keeps_the_instalments_and_adds_the_increase_on_the_payment_date(self):
        corrected = self.correct(self.big, D(2026, 3, 1), area="1100")  # 30,000.00 -> 33,000.00
        assert plan_of(corrected) == [
            (1, D(2026, 6, 30), Decimal("10000.00"), False),
            (2, D(2026, 7, 30), Decimal("10000.00"), False),
            (3, D(2026, 8, 30), Decimal("10000.00"), False),
            (4, D(2026, 6, 30), Decimal("3000.00"), True),  # s.46/s.53: the year's date, later than 31 March
        ]
        assert corrected.notices.get().due_on == D(2026, 6, 30)
        self.pay(corrected, "13000.00", D(2026, 6, 30), "B-1")
        state = balance(corrected, on=D(2026, 7, 5))  # on time: the instalment right stands
        assert dues_of(state) == [
            (2, D(2026, 7, 30), Decimal("10000.00"), 0),
            (3, D(2026, 8, 30), Decimal("10000.00"), 0),
        ]
        assert state["outstanding"] == Decimal("20000.00") and exact(state)

    def test_a_correction_down_takes_the_reduction_off_the_last_instalments_first(self):
        corrected = self.correct(self.big, D(2026, 3, 1), area="500")  # 30,000.00 -> 15,000.00
        assert plan_of(corrected) == [
            (1, D(2026, 6, 30), Decimal("10000.00"), False),
            (2, D(2026, 7, 30), Decimal("5000.00"), False),
        ]
        assert corrected.notices.get().due_on == D(2026, 6, 30)

    def test_an_increase_falling_due_between_instalments_neither_triggers_nor_joins_their_acceleration(self):
        corrected = self.correct(self.big, D(2026, 6, 15), area="1100")  # the increase is due 15 July
        assert plan_of(corrected)[-1] == (4, D(2026, 7, 15), Decimal("3000.00"), True)
        self.pay(corrected, "10000.00", D(2026, 6, 30), "A-1")
        self.pay(corrected, "10000.00", D(2026, 7, 30), "A-2")  # the second instalment, on its day
        state = balance(corrected, on=D(2026, 8, 5))
        # The increase, unpaid since 15 July, is late on its own; the third instalment keeps 30 August.
        assert dues_of(state) == [
            (4, D(2026, 7, 15), Decimal("3000.00"), 1),
            (3, D(2026, 8, 30), Decimal("10000.00"), 0),
        ]
        assert state["outstanding"] == Decimal("13330.00")  # 3,000.00 + 300.00 + 30.00 + 10,000.00
        assert exact(state)

    def test_a_missed_instalment_then_a_correction_up_keeps_the_acceleration_and_gives_the_increase_its_own_date(self):
        self.pay(self.big, "10000.00", D(2026, 6, 30), "M-1")  # the second instalment (30 July) is missed
        corrected = self.correct(self.big, D(2026, 8, 10), area="1100")
        assert plan_of(corrected)[-1] == (4, D(2026, 9, 9), Decimal("3000.00"), True)
        state = balance(corrected, on=D(2026, 8, 20))
        assert dues_of(state) == [
            (2, D(2026, 7, 30), Decimal("10000.00"), 1),
            (3, D(2026, 7, 30), Decimal("10000.00"), 1),  # s.52: due with the missed one
            (4, D(2026, 9, 9), Decimal("3000.00"), 0),  # not swept in: its own date
        ]
        assert state["outstanding"] == Decimal("25200.00") and exact(state)
        payment = self.pay(corrected, "22200.00", D(2026, 8, 20), "M-2")
        assert (payment.principal, payment.penalty, payment.surcharge) == (
            Decimal("20000.00"),
            Decimal("2000.00"),
            Decimal("200.00"),
        )
        assert balance(corrected, on=D(2026, 9, 9))["outstanding"] == Decimal("3000.00")
        late = balance(corrected, on=D(2026, 9, 20))
        assert late["outstanding"] == Decimal("3330.00") and exact(late)

    def test_a_missed_instalment_then_a_correction_down_keeps_the_acceleration_on_the_reduced_tax(self):
        self.pay(self.big, "10000.00", D(2026, 6, 30), "D-1")
        corrected = self.correct(self.big, D(2026, 8, 10), area="900")  # 30,000.00 -> 27,000.00
        state = balance(corrected, on=D(2026, 8, 20))
        assert dues_of(state) == [
            (2, D(2026, 7, 30), Decimal("10000.00"), 1),
            (3, D(2026, 7, 30), Decimal("7000.00"), 1),
        ]
        assert state["outstanding"] == Decimal("18870.00") and exact(state)  # 17,000.00 + 1,700.00 + 170.00

    def test_a_warning_sent_before_a_correction_counts_for_the_tax_already_late_and_not_for_the_increase(self):
        warning_issue(assessment=self.house, issued_on=D(2026, 8, 1), acting_user=self.officer)  # pay by 31 August
        corrected = self.correct(self.house, D(2026, 8, 10), price="40000")  # +160.00 due 9 September
        within = balance(corrected, on=D(2026, 8, 20))
        assert [line["charge"].stage for line in within["dues"]] == ["within_warning", "on_time"]
        assert within["outstanding"] == Decimal("833.44")  # 552.00 + 20 % 110.40 + 2 months 11.04 + 160.00
        after = balance(corrected, on=D(2026, 10, 5))
        assert [line["charge"].stage for line in after["dues"]] == ["after_warning", "before_warning"]
        # 552.00 + 40 % 220.80 + 4 months 22.08; 160.00 + 10 % 16.00 + 1 month 1.60
        assert after["outstanding"] == Decimal("972.48") and exact(after)
        payment = self.pay(corrected, "972.48", D(2026, 10, 5), "W-1")
        assert [(a["instalment"], a["stage"]) for a in payment.allocation] == [
            (1, "after_warning"),
            (2, "before_warning"),
        ]

    def test_a_warning_can_be_sent_on_a_correction_for_the_tax_late_since_the_original_due_date(self):
        corrected = self.correct(self.house, D(2026, 7, 10), price="40000")  # +160.00 due 9 August
        warning = warning_issue(assessment=corrected, issued_on=D(2026, 7, 20), acting_user=self.officer)
        assert warning.due_on == D(2026, 8, 19)
        state = balance(corrected, on=D(2026, 7, 25))
        assert [line["charge"].stage for line in state["dues"]] == ["within_warning", "on_time"]
        assert state["outstanding"] == Decimal("827.92")  # 552.00 + 110.40 + 5.52 + 160.00

    def test_a_reruns_correction_issued_after_the_due_date_keeps_the_original_due_date(self):
        parcel = self.parcels["01A002"]
        parcel.price_per_sq_wah = Decimal(40000)
        parcel.save()
        rerun = assessment_run(municipality=self.m, tax_year=2026)
        proposal = Assessment.objects.get(run=rerun, parcel=parcel, owner=self.people["somchai"])
        notices_issue(assessments=[proposal], issued_on=D(2026, 9, 15), acting_user=self.officer)
        proposal.refresh_from_db()
        assert plan_of(proposal) == [
            (1, D(2026, 6, 30), Decimal("552.00"), False),
            (2, D(2026, 10, 15), Decimal("160.00"), True),
        ]
        assert balance(proposal, on=D(2026, 9, 20))["outstanding"] == Decimal("783.76")

    def test_a_correction_twice_measures_each_increase_against_the_tax_it_corrects(self):
        lower = self.correct(self.big, D(2026, 3, 1), area="500")  # 15,000.00: 10,000 + 5,000
        higher = self.correct(lower, D(2026, 9, 1), area="600")  # 18,000.00: +3,000 from 1 October
        assert plan_of(higher) == [
            (1, D(2026, 6, 30), Decimal("10000.00"), False),
            (2, D(2026, 7, 30), Decimal("5000.00"), False),
            (4, D(2026, 10, 1), Decimal("3000.00"), True),
        ]
        assert higher.chain_id == self.big.pk and higher.supersedes_id == lower.pk

    def test_the_page_the_api_and_the_notice_show_the_corrected_dates_and_amounts(self):
        corrected = self.correct(self.house, D(2026, 9, 15), price="40000")
        notice = corrected.notices.get()
        self.client.force_login(self.officer)
        page = self.client.get(reverse("taxes:assessment", args=[corrected.pk])).content.decode()
        assert "30 มิ.ย. 2569" in page and "15 ต.ค. 2569" in page  # the original date and the increase's
        assert "ประเมินเพิ่มเติม" in page and "160.00" in page and "552.00" in page
        self.client.force_login(self.auditor)
        detail = self.client.get(f"/api/v1/tax/assessments/{corrected.pk}/").json()
        assert (detail["tax"], detail["notices"][0]["due_on"]) == ("712.00", "2026-10-15")
        assert detail["instalments"] == [
            {"number": 1, "due_on": "2026-06-30", "amount": "552.00", "additional": False},
            {"number": 2, "due_on": "2026-10-15", "amount": "160.00", "additional": True},
        ]
        text = pdf_text(notice_print(notices=[notice], acting_user=self.officer), pathlib.Path(tempfile.mkdtemp()))
        for expected in (
            "712.00",
            "552.00",
            "160.00",
            "30 มิถุนายน พ.ศ. 2569",
            "15 ตุลาคม พ.ศ. 2569",
            "มาตรา 53",
        ):
            assert expected in text, expected

    def test_a_reruns_draft_over_an_assessment_corrected_since_is_refused_and_nothing_is_issued(self):
        """The rerun compared the register with the tax then issued; a correction since has replaced it.
        Issued, the draft would be a second tax bill beside the correction (both counted on the maps)."""
        parcel = self.parcels["01A002"]
        parcel.price_per_sq_wah = Decimal(40000)
        parcel.save()
        rerun = assessment_run(municipality=self.m, tax_year=2026)
        proposal = Assessment.objects.get(run=rerun, parcel=parcel, owner=self.people["somchai"])
        corrected = self.correct(self.house, D(2026, 9, 1), price="45000")  # 792.00, after the rerun
        with pytest.raises(ValidationError) as error:
            notices_issue(assessments=[proposal], issued_on=D(2026, 9, 15), acting_user=self.officer)
        assert "01A002" in error.value.message_dict["assessment"][0]
        proposal.refresh_from_db()
        assert (proposal.status, proposal.notices.count(), proposal.instalments.count()) == (
            AssessmentStatus.DRAFT,
            0,
            0,
        )
        issued = Assessment.objects.filter(parcel=parcel, owner=self.people["somchai"], status=AssessmentStatus.ISSUED)
        assert list(issued) == [corrected]
        assert parcel_tax_status(tax_year=2026)[parcel.pk].tax_due == Decimal("792.00")

    def test_the_maps_show_no_arrears_while_only_an_increase_not_yet_due_is_unpaid(self):
        """Somchai paid what he was notified in June; a correction today adds 160.00 due in 30 days (s.53).
        He is not late: his parcel is part paid until then, not overdue since 30 June. A co-owner who paid
        in full makes no one late either."""
        co_owner = Assessment.objects.create(
            municipality=self.m,
            run=self.first_run,
            tax_year=2026,
            kind="land_building",
            owner=self.people["company"],
            parcel=self.house.parcel,
            facts=BIG_FACTS,
            tax=Decimal("30000.00"),
        )
        notices_issue(assessments=[co_owner], issued_on=D(2026, 2, 15), acting_user=self.officer)
        self.pay(co_owner, "30000.00", D(2026, 6, 1), "S-CO")
        self.pay(self.house, "552.00", D(2026, 6, 1), "S-PAID")
        today = timezone.localdate()
        corrected = self.correct(self.house, today, price="40000")
        increase_due = today + datetime.timedelta(days=30)
        assert dues_of(balance(corrected, on=today)) == [(2, increase_due, Decimal("160.00"), 0)]
        row = parcel_tax_status(tax_year=2026)[corrected.parcel_id]
        assert (row.status, row.tax_due, row.tax_paid, row.due_on) == (
            "part_paid",
            Decimal("30712.00"),
            Decimal("30552.00"),
            increase_due,
        )

    def test_no_warning_letter_while_nothing_is_late(self):
        """s.61: a warning letter is for tax in arrears. After a correction the plan's first date has passed,
        but with the tax notified paid, only the increase is owed, and it is not due before 1 October."""
        self.pay(self.house, "552.00", D(2026, 6, 1), "N-PAID")
        corrected = self.correct(self.house, D(2026, 9, 1), price="40000")  # +160.00 due 1 October
        with pytest.raises(ValidationError) as error:
            warning_issue(assessment=corrected, issued_on=D(2026, 9, 10), acting_user=self.officer)
        assert "1 ต.ค. 2569" in error.value.message_dict["issued_on"][0]
        assert not corrected.notices.filter(kind="warning").exists()
        warning = warning_issue(assessment=corrected, issued_on=D(2026, 10, 5), acting_user=self.officer)
        assert warning.due_on == D(2026, 11, 4)
        self.pay(corrected, "193.60", D(2026, 10, 6), "N-INC")  # 160.00 + 20 % 32.00 + 1 month 1.60
        with pytest.raises(ValidationError) as error:
            warning_issue(assessment=corrected, issued_on=D(2026, 11, 10), acting_user=self.officer)
        assert "ชำระครบแล้ว" in error.value.message_dict["assessment"][0]
