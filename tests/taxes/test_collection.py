"""Instalments, penalties and surcharges as of a payment date, as pure functions (no database)."""

import datetime
from decimal import Decimal

from taxes.rules import collection
from taxes.rules.money import round_baht
from taxes.rules.params import YearParameters

D = datetime.date
LB = collection.CollectionParameters.land_building(YearParameters(2026))
SB = collection.CollectionParameters.signboard(YearParameters(2026))


def test_a_part_month_counts_as_a_month():
    due = D(2026, 6, 30)
    assert collection.months_late(due, D(2026, 6, 30)) == 0
    assert collection.months_late(due, D(2026, 7, 1)) == 1
    assert collection.months_late(due, D(2026, 7, 30)) == 1
    assert collection.months_late(due, D(2026, 8, 1)) == 2
    assert collection.months_late(due, D(2027, 1, 1)) == 7
    assert collection.months_late(D(2026, 1, 31), D(2026, 2, 28)) == 1
    assert collection.months_late(D(2026, 1, 31), D(2026, 3, 1)) == 2


def test_months_are_counted_as_the_civil_code_counts_a_period():
    """CCC s.193/5: from the first of a month, calendar months; from any other day, to the day before
    the same day of a later month, or that month's last day when it has none."""
    assert collection.months_late(D(2026, 6, 30), D(2026, 7, 31)) == 1  # 1-31 July
    assert collection.months_late(D(2023, 4, 30), D(2023, 5, 31)) == 1  # the 2023 due date
    assert collection.months_late(D(2026, 2, 28), D(2026, 3, 31)) == 1  # 1-31 March
    assert collection.months_late(D(2026, 3, 15), D(2026, 4, 15)) == 1  # 16 March-15 April
    assert collection.months_late(D(2026, 3, 15), D(2026, 4, 16)) == 2
    assert collection.months_late(D(2026, 1, 30), D(2026, 2, 28)) == 1  # 31 January-28 February
    assert collection.months_late(D(2026, 1, 30), D(2026, 3, 1)) == 2


def test_tax_of_3000_baht_or_more_is_split_into_three_equal_instalments():
    plan = collection.instalment_plan(Decimal("3000.01"), D(2026, 6, 30), LB)
    assert plan == [
        (1, D(2026, 6, 30), Decimal("1000.00")),
        (2, D(2026, 7, 30), Decimal("1000.00")),
        (3, D(2026, 8, 30), Decimal("1000.01")),
    ]
    assert collection.instalment_plan(Decimal("2999.99"), D(2026, 6, 30), LB) == [
        (1, D(2026, 6, 30), Decimal("2999.99"))
    ]


def test_a_notice_sent_after_the_deadline_leaves_thirty_days_to_pay():
    assert LB.due_on(2026, D(2026, 2, 10)) == D(2026, 6, 30)
    assert LB.due_on(2026, D(2026, 11, 21)) == D(2026, 12, 21)
    assert SB.due_on(2026, D(2026, 3, 1)) == D(2026, 3, 16)


def charge(paid_on, warning=None):
    sent, due = warning or (None, None)
    return collection.charge_as_of(
        due_on=D(2026, 6, 30), paid_on=paid_on, params=LB, warning_sent_on=sent, warning_due_on=due
    )


def test_land_and_building_penalty_stages():
    assert charge(D(2026, 6, 30)) == collection.Charge("on_time", 0, Decimal(0), Decimal(0))
    before = charge(D(2026, 7, 15))
    assert (before.stage, before.penalty_rate, before.surcharge_rate) == (
        "before_warning",
        Decimal("0.1"),
        Decimal("0.01"),
    )
    warning = (D(2026, 8, 1), D(2026, 8, 31))
    within = charge(D(2026, 8, 20), warning)
    assert (within.stage, within.penalty_rate, within.months) == ("within_warning", Decimal("0.2"), 2)
    after = charge(D(2026, 9, 1), warning)
    assert (after.stage, after.penalty_rate, after.months) == ("after_warning", Decimal("0.4"), 3)
    assert after.amounts(Decimal("552.00")) == (Decimal("220.80"), Decimal("16.56"))


def test_the_surcharge_never_exceeds_the_tax():
    late = charge(D(2036, 7, 1))
    assert late.surcharge_rate == Decimal(1)
    assert late.amounts(Decimal("100.00"))[1] == Decimal("100.00")


def test_signboard_tax_paid_late_adds_two_percent_a_month_and_no_penalty():
    late = collection.charge_as_of(due_on=D(2026, 3, 16), paid_on=D(2026, 5, 1), params=SB)
    assert (late.stage, late.months, late.penalty_rate, late.surcharge_rate) == ("late", 2, Decimal(0), Decimal("0.04"))


def test_a_missed_instalment_makes_the_later_ones_due_with_it():
    plan = collection.instalment_plan(Decimal("3000.00"), D(2026, 6, 30), LB)
    dues = collection.outstanding_instalments(plan, [], D(2026, 7, 5))
    assert [(d.number, d.due_on, d.principal) for d in dues] == [
        (1, D(2026, 6, 30), Decimal("1000.00")),
        (2, D(2026, 6, 30), Decimal("1000.00")),
        (3, D(2026, 6, 30), Decimal("1000.00")),
    ]
    paid_first = collection.outstanding_instalments(plan, [(D(2026, 6, 1), Decimal("1000.00"))], D(2026, 7, 5))
    assert [(d.number, d.due_on) for d in paid_first] == [(2, D(2026, 7, 30)), (3, D(2026, 8, 30))]


def test_a_part_payment_covers_principal_with_its_own_charges_exactly():
    dues = [collection.Due(1, D(2026, 6, 30), Decimal("552.00"))]
    late = charge(D(2026, 7, 15))
    allocations, left = collection.allocate_payment(Decimal("300.00"), dues, lambda due: late)
    (part,) = allocations
    assert left == 0
    assert part.principal + part.penalty + part.surcharge == Decimal("300.00")
    assert part.principal == Decimal("270.27")  # 300 / 1.11, rounded down to the satang
    full, left = collection.allocate_payment(Decimal("700.00"), dues, lambda due: late)
    assert (full[0].principal, full[0].penalty, full[0].surcharge, left) == (
        Decimal("552.00"),
        Decimal("55.20"),
        Decimal("5.52"),
        Decimal("87.28"),
    )


def test_the_surcharge_share_leaves_out_a_signboards_late_filing_surcharge():
    """STA s.25(3): the 2 % a month is not charged on the surcharges of s.25(1)-(2)."""
    late = [{"code": "sign", "amount": "494"}, {"code": "late_filing", "rate": "0.10", "amount": "49.4"}]
    share = collection.surcharge_share_of(late)
    assert collection.surcharge_share_of([{"code": "sign", "amount": "494"}]) == 1
    charge = collection.Charge("late", 1, Decimal(0), Decimal("0.02"), share)
    assert charge.amounts(Decimal("543.40")) == (Decimal("0.00"), Decimal("9.88"))
    (part,), left = collection.allocate_payment(
        Decimal("100.00"), [collection.Due(1, datetime.date(2026, 3, 16), Decimal("543.40"))], lambda due: charge
    )
    assert left == 0 and part.principal + part.penalty + part.surcharge == Decimal("100.00")
    assert part.surcharge == round_baht(part.principal * share * Decimal("0.02"))


def test_a_correction_keeps_what_was_notified_takes_a_reduction_off_the_last_rows_and_adds_an_increase():
    """LBTA s.52-53: the rows notified stand; an increase is a row of its own, due on its own date."""
    plan = collection.instalment_plan(Decimal("30000.00"), D(2026, 6, 30), LB)
    up = collection.corrected_plan(plan, Decimal("33000.00"), D(2026, 9, 9), 4)
    assert up == [*collection.plan_rows(plan), (4, D(2026, 9, 9), Decimal("3000.00"), True)]
    assert collection.corrected_plan(plan, Decimal("30000.00"), D(2026, 9, 9), 4) == collection.plan_rows(plan)
    assert collection.corrected_plan(up, Decimal("25000.50"), D(2026, 10, 1), 5) == [
        (1, D(2026, 6, 30), Decimal("10000.00"), False),
        (2, D(2026, 7, 30), Decimal("10000.00"), False),
        (3, D(2026, 8, 30), Decimal("5000.50"), False),
    ]
    assert collection.corrected_plan(plan, Decimal("0.00"), D(2026, 10, 1), 4) == [
        (1, D(2026, 6, 30), Decimal("0.00"), False)
    ]


def test_an_unpaid_increase_brings_no_instalment_due_nor_does_a_missed_instalment_bring_the_increase_due():
    plan = [
        (1, D(2026, 6, 30), Decimal("1000.00"), False),
        (2, D(2026, 7, 30), Decimal("1000.00"), False),
        (3, D(2026, 8, 30), Decimal("1000.00"), False),
        (4, D(2026, 7, 15), Decimal("300.00"), True),
    ]
    on_time = [(D(2026, 6, 30), Decimal("1000.00")), (D(2026, 7, 30), Decimal("1000.00"))]
    dues = collection.outstanding_instalments(plan, on_time, D(2026, 8, 5))
    # The payment of 30 July settles the instalment due that day, not the increase unpaid since 15 July.
    assert [(d.number, d.due_on, d.principal, d.additional) for d in dues] == [
        (4, D(2026, 7, 15), Decimal("300.00"), True),
        (3, D(2026, 8, 30), Decimal("1000.00"), False),
    ]
    later = [*plan[:3], (4, D(2026, 9, 9), Decimal("300.00"), True)]  # the increase due after the instalments
    missed = collection.outstanding_instalments(later, on_time[:1], D(2026, 8, 5))
    assert [(d.number, d.due_on) for d in missed] == [(2, D(2026, 7, 30)), (3, D(2026, 7, 30)), (4, D(2026, 9, 9))]
    # A payment made for the increase on its day settles it, though an instalment falls due after it.
    paid_for_it = collection.outstanding_instalments(
        plan, [*on_time[:1], (D(2026, 7, 15), Decimal("300.00"))], D(2026, 7, 20)
    )
    assert [(d.number, d.principal) for d in paid_for_it] == [(2, Decimal("1000.00")), (3, Decimal("1000.00"))]


def test_a_warning_letter_counts_for_tax_already_late_when_it_was_sent():
    """LBTA s.61, s.68-69: the first letter sent after the tax fell due sets its stages."""
    letters = [(D(2026, 8, 1), D(2026, 8, 31)), (D(2026, 10, 1), D(2026, 10, 31))]
    assert collection.warning_for(D(2026, 6, 30), letters) == (D(2026, 8, 1), D(2026, 8, 31))
    assert collection.warning_for(D(2026, 8, 1), letters) == (D(2026, 10, 1), D(2026, 10, 31))
    assert collection.warning_for(D(2026, 10, 15), letters) == (None, None)
