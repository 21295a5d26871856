"""Straight-line depreciation and the replacement year of an asset: pure functions of plain facts.

Thai public-sector accounting depreciates property, plant and equipment on a straight line over its
useful life (มาตรฐานการบัญชีภาครัฐ ฉบับที่ 17 ที่ดิน อาคาร และอุปกรณ์). Here the depreciable amount is
the replacement cost and the residual value is nil; the age counts in days so that a value changes
every day, not only on anniversaries.
"""

import datetime
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

DAYS_PER_YEAR = Decimal("365.25")
SATANG = Decimal("0.01")


@dataclass(frozen=True)
class Depreciation:
    age_years: Decimal
    annual: Decimal
    accumulated: Decimal
    book_value: Decimal
    remaining_life_years: Decimal
    end_of_life_year: int


def depreciation(
    *, replacement_cost: Decimal, useful_life_years: int, installed_on: datetime.date, on: datetime.date
) -> Depreciation:
    """Straight line: cost / life a year, never below nil; rounded once, to the satang, at the end."""
    cost = Decimal(replacement_cost)
    life = Decimal(useful_life_years)
    age = max(Decimal((on - installed_on).days), Decimal(0)) / DAYS_PER_YEAR
    used = min(age, life)
    accumulated = cost * used / life
    return Depreciation(
        age_years=age.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        annual=(cost / life).quantize(SATANG, rounding=ROUND_HALF_UP),
        accumulated=accumulated.quantize(SATANG, rounding=ROUND_HALF_UP),
        book_value=(cost - accumulated).quantize(SATANG, rounding=ROUND_HALF_UP),
        remaining_life_years=(life - used).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP),
        end_of_life_year=installed_on.year + useful_life_years,
    )


def replacement_year(
    *, installed_on: datetime.date | None, useful_life_years: int | None, condition: int | None, this_year: int
) -> int | None:
    """The year an asset is planned for replacement: at the end of its useful life, never in the past;
    this year when an inspection found it beyond repair (condition 5). None when nothing is known."""
    if condition == 5:
        return this_year
    if installed_on is None or not useful_life_years:
        return None
    return max(installed_on.year + useful_life_years, this_year)
