"""Signboard tax (ภาษีป้าย), Signboard Tax Act B.E. 2510 (STA), rates of B.E. 2563 from 2021.

area = width × height (schedule (6)); units of 500 cm², a remainder over 250 cm² counting as one
unit and a smaller one dropped (schedule (7)(ก)); rate by type and moving flag; at least 200 baht
a sign (schedule (7)(ข)); in the year of installation, the share of the year from its quarter
(s.7: 100 / 75 / 50 / 25 %); a replacement pays only the increase over the sign it replaces
(s.14 bis, schedule (5)); a late return adds 10 % (5 % if filed before being notified, s.25(1)).
A sign with several faces is taxed face by face, each as a sign.
"""

import datetime
from dataclasses import dataclass
from decimal import Decimal

from taxes.rules.money import ONE, ZERO, plain, round_baht
from taxes.rules.params import YearParameters

SIGN_TYPES = ("thai_only", "thai_mixed", "non_thai")
FILINGS = ("on_time", "late_self_reported", "late")


@dataclass(frozen=True, slots=True)
class SignFacts:
    width_cm: int
    height_cm: int
    sign_type: str
    moving: bool = False


@dataclass(frozen=True, slots=True)
class SignboardCase:
    tax_year: int
    sign: SignFacts
    installed_on: datetime.date | None = None  # absent: liable for the full year
    faces: int = 1
    replaces: SignFacts | None = None  # the sign taxed earlier this year that this one replaced
    filing: str = "on_time"


@dataclass(frozen=True, slots=True)
class SignboardParameters:
    rates: dict
    unit_cm2: int
    remainder_above_cm2: int
    minimum: Decimal
    minimum_after_share: bool
    quarter_shares: tuple[Decimal, ...]
    late_filing: Decimal
    late_filing_self_reported: Decimal
    used: dict

    @classmethod
    def resolve(cls, params: YearParameters) -> "SignboardParameters":
        return cls(
            rates=params("signboard.rates"),
            unit_cm2=int(params("signboard.rules.unit_cm2")),
            remainder_above_cm2=int(params("signboard.rules.remainder_counted_above_cm2")),
            minimum=params("signboard.rules.minimum_tax"),
            minimum_after_share=bool(params("signboard.rules.minimum_after_first_year_share")),
            quarter_shares=tuple(params("signboard.rules.first_year_quarter_shares")),
            late_filing=params("signboard.rules.late_filing_surcharge"),
            late_filing_self_reported=params("signboard.rules.late_filing_surcharge_self_reported"),
            used=params.used,
        )


@dataclass(slots=True)
class SignboardResult:
    tax: Decimal
    units: int
    rate: Decimal
    lines: list[dict]


def sign_units(area_cm2: int, params: SignboardParameters) -> int:
    whole, remainder = divmod(area_cm2, params.unit_cm2)
    return whole + (1 if remainder > params.remainder_above_cm2 else 0)  # schedule (7)(ก)


def _one_sign(sign: SignFacts, share: Decimal, params: SignboardParameters) -> tuple[Decimal, int, Decimal]:
    units = sign_units(sign.width_cm * sign.height_cm, params)
    rate = params.rates[sign.sign_type]["moving" if sign.moving else "static"]
    tax = units * rate
    if params.minimum_after_share:
        return max(tax * share, params.minimum), units, rate
    return max(tax, params.minimum) * share, units, rate


def signboard_tax(case: SignboardCase, params: SignboardParameters, *, explain: bool = True) -> SignboardResult:
    lines: list[dict] = []
    line = lines.append if explain else _ignore  # a run computes without lines (see land_building_tax)
    share = ONE
    if case.installed_on is not None and case.installed_on.year == case.tax_year:
        quarter = (case.installed_on.month - 1) // 3 + 1
        share = params.quarter_shares[quarter - 1]  # s.7: from the quarter of installation
        line({"code": "first_year", "installed_on": case.installed_on.isoformat(), "quarter": quarter})
    sign = case.sign
    per_face, units, rate = _one_sign(sign, share, params)
    line(
        {
            "code": "sign",
            "width_cm": sign.width_cm,
            "height_cm": sign.height_cm,
            "area_cm2": sign.width_cm * sign.height_cm,
            "units": units,
            "sign_type": sign.sign_type,
            "moving": sign.moving,
            "rate": plain(rate),
            "share": plain(share),
            "minimum": plain(params.minimum),
            "amount": plain(per_face),
        }
    )
    tax = per_face * case.faces
    if case.faces != 1:
        line({"code": "faces", "faces": case.faces, "amount": plain(tax)})
    if case.replaces is not None:
        before, _, _ = _one_sign(case.replaces, share, params)
        before *= case.faces
        line(
            {
                "code": "replaces",
                "width_cm": case.replaces.width_cm,
                "height_cm": case.replaces.height_cm,
                "sign_type": case.replaces.sign_type,
                "moving": case.replaces.moving,
                "amount": plain(before),
            }
        )
        tax = max(tax - before, ZERO)  # s.14 bis and schedule (5): only the increase
    if case.filing != "on_time":
        rate_added = params.late_filing if case.filing == "late" else params.late_filing_self_reported
        added = tax * rate_added  # s.25(1)
        line({"code": "late_filing", "filing": case.filing, "rate": plain(rate_added), "amount": plain(added)})
        tax += added
    tax = round_baht(tax)
    line({"code": "tax", "amount": plain(tax)})
    return SignboardResult(tax=tax, units=units, rate=rate, lines=lines)


def _ignore(_line):
    pass
