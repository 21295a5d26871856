"""Collection: due dates, instalments, and the penalty and surcharge owed as of a payment date.

Land and building tax: due by the payment date of the year (s.46, moved by decree in some years);
3 equal instalments when the tax is at least 3,000 baht (s.52); a missed instalment loses the right
to the later ones, which fall due with it (s.52). Paid late: a penalty of 10 % if paid before the
warning letter (s.68), 20 % within the period the letter gives (s.69), 40 % after it (s.68), plus a
surcharge of 1 % a month, a part month counting as a month, not on the penalty, not compounded,
capped at the tax (s.70).

Signboard tax: due within 15 days of the notice (s.19); 3 instalments from 3,000 baht (s.19 bis);
2 % a month on the tax paid late, a part month counting as a month, not on the late-filing
surcharge (s.25(3)).
"""

import calendar
import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from taxes.rules.money import ONE, SATANG, ZERO, round_baht
from taxes.rules.params import YearParameters


@dataclass(frozen=True, slots=True)
class CollectionParameters:
    kind: str  # "land_building" | "signboard"
    payment_due: tuple[int, int] | None  # (month, day) of the tax year; land and building tax
    payment_days: int | None  # days after the notice: signboard tax; land and building tax notified late
    instalment_minimum: Decimal
    instalment_count: int
    penalty_before_warning: Decimal
    penalty_within_warning: Decimal
    penalty_after_warning: Decimal
    surcharge_per_month: Decimal
    surcharge_capped_at_tax: bool
    warning_period_days: int
    used: dict

    @classmethod
    def land_building(cls, params: YearParameters) -> "CollectionParameters":
        month, day = (int(x) for x in params("land_building.collection.payment_due").split("-"))
        return cls(
            kind="land_building",
            payment_due=(month, day),
            payment_days=int(params("land_building.collection.days_after_late_notice")),
            instalment_minimum=params("land_building.collection.instalment_minimum"),
            instalment_count=int(params("land_building.collection.instalment_count")),
            penalty_before_warning=params("land_building.collection.penalty_before_warning"),
            penalty_within_warning=params("land_building.collection.penalty_within_warning"),
            penalty_after_warning=params("land_building.collection.penalty_after_warning"),
            surcharge_per_month=params("land_building.collection.surcharge_per_month"),
            surcharge_capped_at_tax=True,  # s.70
            warning_period_days=int(params("land_building.collection.warning_period_days")),
            used=params.used,
        )

    @classmethod
    def signboard(cls, params: YearParameters) -> "CollectionParameters":
        return cls(
            kind="signboard",
            payment_due=None,
            payment_days=int(params("signboard.rules.payment_days")),
            instalment_minimum=params("signboard.rules.instalment_minimum"),
            instalment_count=int(params("signboard.rules.instalment_count")),
            penalty_before_warning=ZERO,
            penalty_within_warning=ZERO,
            penalty_after_warning=ZERO,
            surcharge_per_month=params("signboard.rules.late_payment_surcharge_per_month"),
            surcharge_capped_at_tax=False,
            warning_period_days=0,
            used=params.used,
        )

    def due_on(self, tax_year: int, notified_on: datetime.date) -> datetime.date:
        """The last day to pay without penalty for a notice dated `notified_on`."""
        after_notice = notified_on + datetime.timedelta(days=self.payment_days)
        if self.payment_due is not None:
            month, day = self.payment_due
            return max(datetime.date(tax_year, month, day), after_notice)
        return after_notice


def add_months(day: datetime.date, months: int) -> datetime.date:
    """The same day `months` later, or the month's last day when it has no such day."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return datetime.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def months_late(due_on: datetime.date, paid_on: datetime.date) -> int:
    """Months late, a part month counting as one (LBTA s.70, STA s.25(3)), from the day after `due_on`.

    Counted as the Civil and Commercial Code counts a period of months (s.193/5): one that starts on
    the first of a month runs by calendar months (due 30 June: 1-31 July is the first month, August
    the second); any other ends on the day before the same day of a later month, or on that month's
    last day when it has no such day (due 15 March: 16 March-15 April; due 30 January: to 28 February).
    """
    if paid_on <= due_on:
        return 0
    start = due_on + datetime.timedelta(days=1)
    if start.day == 1:
        return (paid_on.year - start.year) * 12 + paid_on.month - start.month + 1
    months = 1
    while add_months(due_on, months) < paid_on:
        months += 1
    return months


def instalment_plan(tax: Decimal, first_due: datetime.date, params: CollectionParameters):
    """[(number, due_on, amount)]: equal monthly instalments, the last taking the satang left over."""
    count = params.instalment_count if tax >= params.instalment_minimum else 1
    each = (tax / count).quantize(SATANG, rounding=ROUND_DOWN)
    plan = [(n, add_months(first_due, n - 1), each) for n in range(1, count)]
    plan.append((count, add_months(first_due, count - 1), tax - each * (count - 1)))
    return plan


@dataclass(frozen=True, slots=True)
class Charge:
    """What is owed on top of a principal paid on a date: the penalty and surcharge rates."""

    stage: str  # on_time | before_warning | within_warning | after_warning | late
    months: int
    penalty_rate: Decimal
    surcharge_rate: Decimal
    surcharge_share: Decimal = ONE  # the part of a principal the surcharge is charged on (see charge_as_of)

    def amounts(self, principal: Decimal) -> tuple[Decimal, Decimal]:
        return (
            round_baht(principal * self.penalty_rate),
            round_baht(principal * self.surcharge_share * self.surcharge_rate),
        )


def charge_as_of(
    *,
    due_on: datetime.date,
    paid_on: datetime.date,
    params: CollectionParameters,
    warning_sent_on: datetime.date | None = None,
    warning_due_on: datetime.date | None = None,
    surcharge_share: Decimal = ONE,
) -> Charge:
    """The rates owed on a principal due on `due_on` and paid on `paid_on`.

    `surcharge_share` is the part of the tax that bears the monthly surcharge: all of it, but for a
    signboard's tax that includes the late-filing surcharge of s.25(1)-(2), which the 2 % of s.25(3)
    is not charged on (`surcharge_share_of`).
    """
    months = months_late(due_on, paid_on)
    if months == 0:
        return Charge("on_time", 0, ZERO, ZERO)
    surcharge = params.surcharge_per_month * months
    if params.surcharge_capped_at_tax:
        surcharge = min(surcharge, ONE)  # s.70: the surcharge never exceeds the tax
    if params.kind == "signboard":
        return Charge("late", months, ZERO, surcharge, surcharge_share)
    if warning_sent_on is None or paid_on < warning_sent_on:
        return Charge("before_warning", months, params.penalty_before_warning, surcharge)  # s.68 para 2
    if warning_due_on is not None and paid_on <= warning_due_on:
        return Charge("within_warning", months, params.penalty_within_warning, surcharge)  # s.69
    return Charge("after_warning", months, params.penalty_after_warning, surcharge)  # s.68 para 1


def surcharge_share_of(breakdown: list[dict]) -> Decimal:
    """The part of an assessed tax that bears the monthly surcharge, from its breakdown.

    A signboard's tax with the late-filing surcharge (STA s.25(1): 10 %, s.25(2): 5 %) is the tax times
    (1 + that rate); the 2 % a month of s.25(3) is charged on the tax without it, so on 1 / (1 + rate)
    of every baht due, a payment of part of it included (the Act does not say which part a part
    payment settles first: each baht is taken as the tax is made up). Any other tax: all of it.
    """
    for line in breakdown:
        if line.get("code") == "late_filing":
            return ONE / (ONE + Decimal(line["rate"]))
    return ONE


@dataclass(frozen=True, slots=True)
class Due:
    """The unpaid part of one instalment, with the date from which it is late."""

    number: int
    due_on: datetime.date
    principal: Decimal


def outstanding_instalments(
    plan: list[tuple[int, datetime.date, Decimal]],
    payments: list[tuple[datetime.date, Decimal]],
    on: datetime.date,
) -> list[Due]:
    """The instalments still unpaid on `on`, principal paid being applied to the earliest first.

    An instalment not paid in full by its due date loses the right to the later ones (s.52): they
    fall due on that date.
    """
    accelerated_from = None
    cumulative = ZERO
    paid_total = sum((amount for _, amount in payments), ZERO)
    dues = []
    for number, due_on, amount in plan:
        cumulative += amount
        paid_by_due = sum((a for d, a in payments if d <= due_on), ZERO)
        if accelerated_from is None and due_on < on and paid_by_due < cumulative:
            accelerated_from = due_on
        effective = due_on if accelerated_from is None else min(due_on, accelerated_from)
        unpaid = min(amount, max(cumulative - paid_total, ZERO))
        if unpaid > 0:
            dues.append(Due(number, effective, unpaid))
    return dues


@dataclass(frozen=True, slots=True)
class Allocation:
    number: int
    charge: Charge
    principal: Decimal
    penalty: Decimal
    surcharge: Decimal


def allocate_payment(amount: Decimal, dues: list[Due], charge_for) -> tuple[list[Allocation], Decimal]:
    """Apply `amount` to the dues in order, each principal with its own penalty and surcharge.

    A part payment covers the principal that, with its penalty and surcharge, it pays for; the
    remainder of the penalty and surcharge stays owed on the principal still unpaid. Returns the
    allocations and what is left over (an overpayment).
    """
    allocations = []
    left = amount
    for due in dues:
        if left <= 0:
            break
        charge = charge_for(due)
        penalty, surcharge = charge.amounts(due.principal)
        full = due.principal + penalty + surcharge
        if left >= full:
            allocations.append(Allocation(due.number, charge, due.principal, penalty, surcharge))
            left -= full
            continue
        rates = ONE + charge.penalty_rate + charge.surcharge_share * charge.surcharge_rate
        principal = (left / rates).quantize(SATANG, rounding=ROUND_DOWN)
        penalty = round_baht(principal * charge.penalty_rate)
        surcharge = left - principal - penalty
        allocations.append(Allocation(due.number, charge, principal, penalty, surcharge))
        left = ZERO
    return allocations, left
