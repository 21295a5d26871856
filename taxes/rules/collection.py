"""Collection: due dates, instalments, and the penalty and surcharge owed as of a payment date.

Land and building tax: due by the payment date of the year (s.46, moved by decree in some years);
3 equal instalments when the tax is at least 3,000 baht (s.52); a missed instalment loses the right
to the later ones, which fall due with it (s.52). Paid late: a penalty of 10 % if paid before the
warning letter (s.68), 20 % within the period the letter gives (s.69), 40 % after it (s.68), plus a
surcharge of 1 % a month, a part month counting as a month, not on the penalty, not compounded,
capped at the tax (s.70). A correction keeps what was notified and adds an increase on its own date
(s.53, `corrected_plan`).

Signboard tax: due within 15 days of the notice (s.19); 3 instalments from 3,000 baht (s.19 bis);
2 % a month on the tax paid late, a part month counting as a month, not on the late-filing
surcharge (s.25(3)).
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_DOWN, Decimal

from dateutil.relativedelta import relativedelta

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
    while due_on + relativedelta(months=months) < paid_on:  # the same day, or the month's last
        months += 1
    return months


def instalment_plan(tax: Decimal, first_due: datetime.date, params: CollectionParameters):
    """[(number, due_on, amount)]: equal monthly instalments, the last taking the satang left over."""
    count = params.instalment_count if tax >= params.instalment_minimum else 1
    each = (tax / count).quantize(SATANG, rounding=ROUND_DOWN)
    plan = [(n, first_due + relativedelta(months=n - 1), each) for n in range(1, count)]
    plan.append((count, first_due + relativedelta(months=count - 1), tax - each * (count - 1)))
    return plan


def plan_rows(plan) -> list[tuple[int, datetime.date, Decimal, bool]]:
    """A plan's rows as (number, due_on, amount, additional): `instalment_plan` gives no `additional`."""
    return [(number, due_on, amount, bool(rest and rest[0])) for number, due_on, amount, *rest in plan]


def corrected_plan(plan, tax: Decimal, increase_due_on: datetime.date, increase_number: int):
    """[(number, due_on, amount, additional)]: the plan of a corrected tax, from the plan it corrects.

    The reading of the Act implemented here (the Act does not say how a correction changes what was
    notified; this reading keeps the municipality's notices in force and never makes a taxpayer late
    because the municipality corrected itself):

    - Up to the tax last notified, what was notified stands: the same amounts on the same dates. Tax
      that was late stays late from its own date, with the penalty and surcharge of s.68-70, and an
      instalment missed before the correction has already brought the later ones due (s.52).
    - A reduction comes off the last rows first, back to the first. A taxpayer who follows the notice
      they hold still owes, by every date, no more than it said, so is never late through the
      correction; what was due at a date already passed stays due at it; and payments recorded
      against the first instalments (their receipts name them) keep covering them.
    - An increase is a new amount owed, an additional assessment (s.53): one row of its own, due on
      `increase_due_on` (`CollectionParameters.due_on` of the correction's notice: 30 days after it,
      or the year's payment date when later, s.46/s.53; 15 days for a signboard, STA s.19). It is
      not an instalment of s.52: missing it does not bring the instalments due, nor does a missed
      instalment bring it due (`outstanding_instalments`). It is not split: s.53 gives one period to
      pay it, and the ministerial regulation on instalments was not read (thai-taxes.md, section 5).

    "The tax last notified" is the tax of the assessment corrected, itself perhaps a correction: an
    increase after a reduction is counted from the reduced tax, whose notice the taxpayer relied on.
    Rows keep their numbers (receipts name them); the increase takes `increase_number`.
    """
    rows = plan_rows(plan)
    notified = sum((amount for _, _, amount, _ in rows), ZERO)
    if tax >= notified:
        if tax > notified:
            rows.append((increase_number, increase_due_on, tax - notified, True))
        return rows
    cut = notified - tax
    reduced = []
    for number, due_on, amount, additional in reversed(rows):
        taken = min(amount, cut)
        cut -= taken
        reduced.append((number, due_on, amount - taken, additional))
    reduced.reverse()
    return [row for row in reduced if row[2] > 0] or reduced[:1]


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
    """The unpaid part of one instalment (or increase), with the date from which it is late."""

    number: int
    due_on: datetime.date
    principal: Decimal
    additional: bool = False


def outstanding_instalments(plan, payments: list[tuple[datetime.date, Decimal]], on: datetime.date) -> list[Due]:
    """The rows of `plan` still unpaid on `on`, in the order a payment made on `on` settles them.

    An instalment not paid in full by its due date loses the right to the later ones (s.52): they
    fall due on that date. An increase (`additional`, see `corrected_plan`) is outside this: it keeps
    its own date and its being unpaid brings nothing due.

    The Acts do not say which row a payment settles. Payments are taken in date order, each settling
    rows as the Civil and Commercial Code settles a payment its debtor did not assign (s.328 para 2):
    rows already due before rows not yet due; among those due, the instalments before the increases
    (an unpaid instalment is the heavier debt: it costs the right to the later ones, s.52; and it is
    the older), then the earliest; among those not yet due, the earliest. So an increase falling due
    before the next instalment is settled by a payment made for it, and a payment made on an
    instalment's day settles that instalment even while an increase is unpaid.
    """
    rows = plan_rows(plan)
    left = {number: amount for number, _, amount, _ in rows}
    due = {number: due_on for number, due_on, _, _ in rows}  # moved forward when the instalments fall due
    additional = {number: flag for number, _, _, flag in rows}

    def settling_order(day: datetime.date) -> list[int]:
        def key(number):
            if due[number] <= day:
                return (0, additional[number], due[number], number)
            return (1, due[number], additional[number], number)

        return sorted(left, key=key)

    def pay(day: datetime.date, amount: Decimal) -> None:
        for number in settling_order(day):
            taken = min(left[number], amount)
            left[number] -= taken
            amount -= taken

    payments = sorted(payments, key=lambda payment: payment[0])
    paid = 0
    accelerated = False
    for number, due_on, _, flag in rows:
        if flag or due_on >= on:
            continue
        while paid < len(payments) and payments[paid][0] <= due_on:
            pay(*payments[paid])
            paid += 1
        if not accelerated and left[number] > 0:  # s.52: missed, the later instalments fall due with it
            accelerated = True
            for later, later_due, _, later_flag in rows:
                if not later_flag:
                    due[later] = min(later_due, due_on)
    for payment in payments[paid:]:
        pay(*payment)
    return [
        Due(number, due[number], left[number], additional[number]) for number in settling_order(on) if left[number] > 0
    ]


def warning_for(due_on: datetime.date, warnings: list[tuple[datetime.date, datetime.date]]):
    """(sent on, pay by) of the warning letter that counts for tax due on `due_on`, or (None, None).

    A warning letter (LBTA s.61) is about tax already in arrears when it is sent: it sets the 20 % and
    40 % stages (s.68-69) for what was late then, not for tax falling due after it (an increase
    notified later, an instalment not yet due). The first such letter counts. `warnings` are (sent
    on, pay by) in the order sent, from every assessment of the chain: a correction does not undo a
    letter sent on the assessment it corrects.
    """
    return next(((sent, by) for sent, by in warnings if sent > due_on), (None, None))


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
