"""Notices, instalments and payments: penalties and surcharges as of the payment date, exact money."""

import datetime
import threading
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import TestCase

from municipalities.tenancy import scoped_to
from taxes.choices import AssessmentStatus
from taxes.models import Assessment, Payment
from taxes.selectors import parcel_tax_status
from taxes.services import (
    assessment_correct,
    assessment_run,
    balance,
    notices_issue,
    payment_record,
    warning_issue,
)
from tests.factories import UserFactory
from tests.taxes import scenario

D = datetime.date


def assessment_of(run, people, who, code):
    return Assessment.objects.get(run=run, owner=people[who], parcel__parcel_code=code)


class PaymentTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.m, cls.people, cls.parcels, cls.sign = scenario.build()
        cls.officer = UserFactory(username="officer-lamphaya")
        with scoped_to(cls.m):
            cls.first_run = assessment_run(municipality=cls.m, tax_year=2026)
            cls.second_house = assessment_of(cls.first_run, cls.people, "somchai", "01A002")  # 552.00
            (cls.notice,) = notices_issue(
                assessments=[cls.second_house], issued_on=D(2026, 2, 15), acting_user=cls.officer
            )
        cls.second_house.refresh_from_db()

    def setUp(self):
        self.scope = scoped_to(self.m)
        self.scope.__enter__()
        self.addCleanup(self.scope.__exit__, None, None, None)

    def pay(self, amount, paid_on, receipt="R-0001", assessment=None):
        return payment_record(
            assessment=assessment or self.second_house,
            receipt_number=receipt,
            amount=Decimal(amount),
            paid_on=paid_on,
            acting_user=self.officer,
        )

    def test_issuing_fixes_the_due_date_the_breakdown_and_one_instalment_under_3000(self):
        a = self.second_house
        assert (a.status, a.issued_on, self.notice.due_on) == (AssessmentStatus.ISSUED, D(2026, 2, 15), D(2026, 6, 30))
        assert self.notice.number == "2569/000001"
        assert [line["code"] for line in a.breakdown][-1] == "tax"
        assert list(a.instalments.values_list("number", "due_on", "amount")) == [(1, D(2026, 6, 30), Decimal("552.00"))]
        assert a.history.filter(history_user=self.officer, status=AssessmentStatus.ISSUED).exists()

    def test_paid_on_time_there_is_nothing_more_to_pay(self):
        payment, created = self.pay("552.00", D(2026, 6, 30))
        assert created
        assert (payment.principal, payment.penalty, payment.surcharge) == (Decimal("552.00"), 0, 0)
        assert balance(self.second_house, on=D(2026, 12, 31))["outstanding"] == 0
        assert parcel_tax_status(tax_year=2026)[self.second_house.parcel_id].status == "paid"

    def test_paid_late_before_the_warning_letter_10_percent_and_1_percent_a_month(self):
        payment, _ = self.pay("612.72", D(2026, 7, 15))
        assert (payment.principal, payment.penalty, payment.surcharge) == (
            Decimal("552.00"),
            Decimal("55.20"),
            Decimal("5.52"),
        )
        assert payment.allocation[0]["stage"] == "before_warning"

    def test_paid_within_the_warning_letters_period_20_percent(self):
        warning = warning_issue(assessment=self.second_house, issued_on=D(2026, 8, 1), acting_user=self.officer)
        assert warning.due_on == D(2026, 8, 31)
        payment, _ = self.pay("673.44", D(2026, 8, 20))
        assert (payment.penalty, payment.surcharge) == (Decimal("110.40"), Decimal("11.04"))
        assert payment.allocation[0] | {"principal": None} == {
            "instalment": 1,
            "stage": "within_warning",
            "months_late": 2,
            "principal": None,
            "penalty": "110.40",
            "surcharge": "11.04",
        }

    def test_paid_after_the_warning_letters_period_40_percent(self):
        warning_issue(assessment=self.second_house, issued_on=D(2026, 8, 1), acting_user=self.officer)
        payment, _ = self.pay("789.36", D(2026, 9, 15))
        assert (payment.penalty, payment.surcharge, payment.allocation[0]["stage"]) == (
            Decimal("220.80"),
            Decimal("16.56"),
            "after_warning",
        )

    def test_a_warning_before_the_due_date_is_refused(self):
        with pytest.raises(ValidationError) as error:
            warning_issue(assessment=self.second_house, issued_on=D(2026, 6, 1), acting_user=self.officer)
        assert "issued_on" in error.value.message_dict

    def test_part_payments_keep_the_money_exact(self):
        self.pay("300.00", D(2026, 7, 15), receipt="R-1")
        state = balance(self.second_house, on=D(2026, 7, 20))
        assert state["paid_total"] + state["outstanding"] == state["tax"] + state["penalties"]
        assert state["paid"]["principal"] == Decimal("270.27")
        assert parcel_tax_status(tax_year=2026)[self.second_house.parcel_id].status == "overdue"
        rest = state["outstanding"]
        self.pay(rest, D(2026, 7, 20), receipt="R-2")
        after = balance(self.second_house, on=D(2026, 12, 31))
        assert after["outstanding"] == 0
        assert after["paid"]["principal"] == Decimal("552.00")
        assert after["paid_total"] == Decimal("300.00") + rest == after["tax"] + after["penalties"]
        assert parcel_tax_status(tax_year=2026)[self.second_house.parcel_id].tax_paid == Decimal("552.00")

    def test_more_than_is_owed_is_refused_and_nothing_is_saved(self):
        with pytest.raises(ValidationError) as error:
            self.pay("600.00", D(2026, 6, 1))
        assert "ชำระเกินยอดค้าง 552.00 บาท" in error.value.message_dict["amount"][0]
        assert not Payment.objects.exists()

    def test_the_same_receipt_twice_is_recorded_once(self):
        first, created = self.pay("552.00", D(2026, 6, 1))
        again, created_again = self.pay("552.00", D(2026, 6, 1))
        assert (created, created_again, again.pk) == (True, False, first.pk)
        assert Payment.objects.count() == 1
        with pytest.raises(ValidationError) as error:
            self.pay("100.00", D(2026, 6, 1))
        assert "บันทึกไว้แล้ว" in error.value.message_dict["receipt_number"][0]

    def test_a_draft_cannot_be_paid(self):
        draft = assessment_of(self.first_run, self.people, "malee", "01A003")
        with pytest.raises(ValidationError):
            self.pay("276.00", D(2026, 6, 1), assessment=draft)

    def test_a_tax_of_3000_or_more_is_paid_in_instalments_and_a_missed_one_brings_the_rest_due(self):
        big = Assessment.objects.create(
            municipality=self.m,
            run=self.first_run,
            tax_year=2026,
            kind="land_building",
            owner=self.people["company"],
            parcel=self.parcels["01A008"],
            facts="[2026,1,[1000,10000,0,1,[[4,1]]],[],null,0,null]",
            tax=Decimal("30000.00"),
        )
        notices_issue(assessments=[big], issued_on=D(2026, 2, 15), acting_user=self.officer)
        assert list(big.instalments.values_list("due_on", "amount")) == [
            (D(2026, 6, 30), Decimal("10000.00")),
            (D(2026, 7, 30), Decimal("10000.00")),
            (D(2026, 8, 30), Decimal("10000.00")),
        ]
        self.pay("10000.00", D(2026, 6, 30), receipt="I-1", assessment=big)
        # The second instalment was missed: on 5 August both remaining instalments are a month late.
        state = balance(big, on=D(2026, 8, 5))
        assert [(line["due"].due_on, line["charge"].months) for line in state["dues"]] == [
            (D(2026, 7, 30), 1),
            (D(2026, 7, 30), 1),
        ]
        assert state["outstanding"] == Decimal("22200.00")
        payment, _ = self.pay("22200.00", D(2026, 8, 5), receipt="I-2", assessment=big)
        assert (payment.principal, payment.penalty, payment.surcharge) == (
            Decimal("20000.00"),
            Decimal("2000.00"),
            Decimal("200.00"),
        )
        assert balance(big, on=D(2026, 12, 31))["outstanding"] == 0

    def test_a_correction_supersedes_the_issued_assessment_and_keeps_its_payments(self):
        self.pay("100.00", D(2026, 6, 1))
        assessment_run(municipality=self.m, tax_year=2026)  # a later run: the issued one stays in force
        facts = self.second_house.calculator_input
        facts["land"]["area_sq_wah"] = "40"  # the deed was for 40 square wah, not 80
        corrected = assessment_correct(
            assessment=self.second_house,
            facts=facts,
            reason="เนื้อที่ตามโฉนดเป็น 40 ตารางวา",
            issued_on=D(2026, 3, 1),
            acting_user=self.officer,
        )
        self.second_house.refresh_from_db()
        assert self.second_house.status == AssessmentStatus.SUPERSEDED
        assert (corrected.status, corrected.tax, corrected.supersedes_id) == (
            AssessmentStatus.ISSUED,
            Decimal("312.00"),
            self.second_house.pk,
        )
        audit = self.second_house.history.filter(status=AssessmentStatus.SUPERSEDED).get()
        assert audit.history_user == self.officer
        assert balance(corrected, on=D(2026, 6, 1))["outstanding"] == Decimal("212.00")
        assert parcel_tax_status(tax_year=2026)[corrected.parcel_id].tax_due == Decimal("312.00")
        with pytest.raises(ValidationError):
            assessment_correct(
                assessment=self.second_house,
                facts=facts,
                reason="อีกครั้ง",
                issued_on=D(2026, 3, 2),
                acting_user=self.officer,
            )

    def test_a_rerun_keeps_issued_assessments_and_proposes_corrections_for_changed_ones(self):
        rerun = assessment_run(municipality=self.m, tax_year=2026)
        assert rerun.stats["unchanged"] == 1
        assert not Assessment.objects.filter(
            run=rerun, parcel=self.second_house.parcel, owner=self.people["somchai"]
        ).exists()
        parcel = self.parcels["01A002"]
        parcel.price_per_sq_wah = Decimal(40000)
        parcel.save()
        third = assessment_run(municipality=self.m, tax_year=2026)
        proposal = Assessment.objects.get(run=third, parcel=parcel, owner=self.people["somchai"])
        assert (proposal.status, proposal.supersedes_id, proposal.tax) == (
            AssessmentStatus.DRAFT,
            self.second_house.pk,
            Decimal("712.00"),
        )
        assert parcel_tax_status(tax_year=2026)[parcel.pk].tax_due == Decimal("552.00")  # until it is issued
        notices_issue(assessments=[proposal], issued_on=D(2026, 3, 1), acting_user=self.officer)
        self.second_house.refresh_from_db()
        assert self.second_house.status == AssessmentStatus.SUPERSEDED
        assert parcel_tax_status(tax_year=2026)[parcel.pk].tax_due == Decimal("712.00")

    def test_a_signboards_monthly_surcharge_is_not_charged_on_its_late_filing_surcharge(self):
        """STA s.25(3): 2 % a month of the tax, not of the 10 % added for not filing (s.25(1))."""
        sign = Assessment.objects.get(run=self.first_run, signboard=self.sign)
        notices_issue(assessments=[sign], issued_on=D(2026, 3, 1), acting_user=self.officer)
        sign.refresh_from_db()
        facts = sign.calculator_input
        facts["filing"] = "late"
        late = assessment_correct(
            assessment=sign, facts=facts, reason="ไม่ยื่นแบบ ภ.ป.1", issued_on=D(2026, 3, 1), acting_user=self.officer
        )
        assert late.tax == Decimal("543.40")  # 494.00 and its 10 %
        state = balance(late, on=D(2026, 4, 10))  # due 16 March: one month late
        assert sum(line["surcharge"] for line in state["dues"]) == Decimal("9.88")  # 2 % of 494.00
        payment, _ = self.pay("553.28", D(2026, 4, 10), receipt="S-LATE", assessment=late)
        assert (payment.principal, payment.penalty, payment.surcharge) == (
            Decimal("543.40"),
            Decimal("0.00"),
            Decimal("9.88"),
        )
        assert balance(late, on=D(2026, 4, 10))["outstanding"] == 0


class TaxStatusForTheMapsTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.m, cls.people, cls.parcels, _ = scenario.build()
        cls.officer = UserFactory(username="officer-status")
        with scoped_to(cls.m):
            run = assessment_run(municipality=cls.m, tax_year=2027)
            cls.house = assessment_of(run, cls.people, "somchai", "01A002")
            notices_issue(assessments=[cls.house], issued_on=D(2027, 2, 15), acting_user=cls.officer)

    def test_the_status_follows_the_notice_and_the_payments(self):
        # The payments are dated in March 2027, before the due date the statuses are read against; the
        # service refuses a payment dated after today, so today is that March for it.
        with scoped_to(self.m), mock.patch("taxes.services.timezone.localdate", return_value=D(2027, 3, 2)):
            parcel = self.house.parcel_id
            assert parcel_tax_status(tax_year=2027)[parcel].status == "notice_sent"  # due 30 June 2027
            assert parcel_tax_status(tax_year=2027)[self.parcels["01A001"].pk].status == "assessed"
            payment_record(
                assessment=self.house,
                receipt_number="S-1",
                amount=Decimal(100),
                paid_on=D(2027, 3, 1),
                acting_user=self.officer,
            )
            row = parcel_tax_status(tax_year=2027)[parcel]
            assert (row.status, row.tax_due, row.tax_paid, row.due_on) == (
                "part_paid",
                Decimal("546.00"),  # the wooden house is a year older: 45 % written off
                Decimal("100.00"),
                D(2027, 6, 30),
            )
            payment_record(
                assessment=self.house,
                receipt_number="S-2",
                amount=Decimal(446),
                paid_on=D(2027, 3, 2),
                acting_user=self.officer,
            )
            assert parcel_tax_status(tax_year=2027)[parcel].status == "paid"
            assert parcel_tax_status(tax_year=2027, parcel_ids=[parcel]).keys() == {parcel}


def at_once(municipality, *calls):
    """Run the calls in threads released together, each on its own database connection, as two
    officers' requests would be; returns (results, errors) in the order they finished."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            with scoped_to(municipality):
                barrier.wait(timeout=10)
                results.append(call())
        except Exception as error:  # collected and asserted by the caller
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return results, errors


@pytest.mark.django_db(transaction=True)
def test_two_officers_submitting_the_same_receipt_at_once_record_it_once():
    m, people, _, _ = scenario.build()
    officer = UserFactory(username="officer-race")
    with scoped_to(m):
        run = assessment_run(municipality=m, tax_year=2026)
        house = assessment_of(run, people, "somchai", "01A002")
        notices_issue(assessments=[house], issued_on=D(2026, 2, 15), acting_user=officer)

    def submit():
        return payment_record(
            assessment=house,
            receipt_number="R-RACE",
            amount=Decimal("552.00"),
            paid_on=D(2026, 6, 1),
            acting_user=officer,
        )

    results, errors = at_once(m, submit, submit)
    assert errors == []
    assert sorted(created for _, created in results) == [False, True]
    assert len({payment.pk for payment, _ in results}) == 1
    assert Payment._base_manager.filter(receipt_number="R-RACE").count() == 1


@pytest.mark.django_db(transaction=True)
def test_two_payments_on_one_notice_at_once_neither_over_collect_nor_lose_one():
    m, people, _, _ = scenario.build()
    officer = UserFactory(username="officer-counter-2")
    with scoped_to(m):
        run = assessment_run(municipality=m, tax_year=2026)
        house = assessment_of(run, people, "somchai", "01A002")  # 552.00
        share = assessment_of(run, people, "malee", "01A003")  # 276.00
        notices_issue(assessments=[house, share], issued_on=D(2026, 2, 15), acting_user=officer)

    def pay(assessment, receipt, amount):
        return lambda: payment_record(
            assessment=assessment,
            receipt_number=receipt,
            amount=Decimal(amount),
            paid_on=D(2026, 3, 1),
            acting_user=officer,
        )

    # Two halves at two counters: both are kept, and the bill and its map status are paid in full.
    results, errors = at_once(m, pay(house, "H-1", "276.00"), pay(house, "H-2", "276.00"))
    assert (errors, sorted(created for _, created in results)) == ([], [True, True])
    with scoped_to(m):
        assert balance(house, on=D(2026, 3, 1))["outstanding"] == 0
        row = parcel_tax_status(tax_year=2026)[house.parcel_id]
        assert (row.status, row.tax_paid) == ("paid", Decimal("552.00"))
    # Two payments that together exceed the bill: the first is kept, the second refused, nothing more.
    results, errors = at_once(m, pay(share, "S-1", "200.00"), pay(share, "S-2", "200.00"))
    assert len(results) == 1 and len(errors) == 1
    assert isinstance(errors[0], ValidationError) and "ชำระเกินยอดค้าง 76.00 บาท" in errors[0].message_dict["amount"][0]
    assert Payment._base_manager.filter(assessment=share).values_list("amount", flat=True).get() == Decimal("200.00")
