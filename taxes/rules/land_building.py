"""Land and building tax (ภาษีที่ดินและสิ่งปลูกสร้าง), Land and Building Tax Act B.E. 2562 (LBTA).

For one taxpayer's holding (land and/or buildings, or the taxpayer's share of them):

1. value (s.35): land = appraisal per square wah × area; building = price per m² × floor area
   less depreciation by structure and age (Treasury table, caps 76 / 85 / 93 %); × the owner's share;
2. apportion the values by use (s.38) into agriculture, main residence (land + building), main
   residence (building only), other residential, other, vacant;
3. exemptions before the rates (s.95): main residence 50 M, building-only main residence 10 M
   (s.41), individual farmer 50 M in aggregate per municipality (s.40), individual farmers fully
   exempt 2020-2022 (s.96);
4. rates by use, applied to the net base by brackets, slice by slice (the method is a dated
   parameter, §1.3 UNCONFIRMED); vacant land +0.3 percentage point for every full 3 consecutive
   years vacant before the tax year, capped at 3 % (s.43);
5. the 2020-2022 transitional relief when the prior year's tax is given (s.97), then the Royal
   Decree reduction of the year (s.55); rounded once to the satang.
"""

from dataclasses import dataclass, field
from decimal import Decimal

from taxes.rules.money import ONE, ZERO, plain, round_baht
from taxes.rules.params import YearParameters

USES = (
    "agriculture",
    "residential_main",
    "residential_main_building_only",
    "residential_other",
    "other",
    "vacant",
)
LAND_USES = tuple(u for u in USES if u != "residential_main_building_only")
STRUCTURES = ("masonry", "half_masonry", "wood")
OWNER_KINDS = ("individual", "juristic")
INDIVIDUAL_ONLY = ("residential_main", "residential_main_building_only")  # s.41 and s.94(2)-(3): persons only


@dataclass(frozen=True, slots=True)
class UseShare:
    use: str
    share: Decimal


@dataclass(frozen=True, slots=True)
class Land:
    area_sq_wah: Decimal
    price_per_sq_wah: Decimal
    uses: tuple[UseShare, ...]
    vacant_years: int = 0
    share: Decimal = ONE  # the taxpayer's share of the land (co-owners are taxed by share)


@dataclass(frozen=True, slots=True)
class Building:
    floor_area_m2: Decimal
    price_per_m2: Decimal
    structure: str
    age_years: int
    uses: tuple[UseShare, ...]
    share: Decimal = ONE


@dataclass(frozen=True, slots=True)
class LandBuildingCase:
    """The facts of one holding: what the calculator takes as JSON and an assessment stores."""

    tax_year: int
    owner_kind: str
    land: Land | None = None
    buildings: tuple[Building, ...] = ()
    prior_year_tax: Decimal | None = None
    municipality: str | None = None
    # Of the individual farmer's 50 M (s.40), what the taxpayer's other holdings in this
    # municipality already used: the exemption is one aggregate per taxpayer and municipality.
    agriculture_exemption_used: Decimal = ZERO


@dataclass(frozen=True, slots=True)
class LandBuildingParameters:
    """The parameters of one tax year and municipality, resolved once."""

    rates: dict[str, tuple[tuple[Decimal, Decimal], ...]]
    method: str
    exemption_main: Decimal
    exemption_building_only: Decimal
    exemption_farmer: Decimal
    farmer_fully_exempt: bool
    vacant_step_years: int
    vacant_step_rate: Decimal
    vacant_max_rate: Decimal
    reduction: Decimal
    relief: Decimal | None
    depreciation: dict[str, tuple[tuple[tuple[int, Decimal], ...], Decimal]]
    used: dict = field(default_factory=dict, compare=False)

    @classmethod
    def resolve(cls, params: YearParameters) -> "LandBuildingParameters":
        rates = {use: tuple((t, r) for t, r in params(f"land_building.rates.{use}")) for use in USES}
        reduction = params("land_building.relief.reduction")
        cap = params("land_building.relief.reduction_cap")
        depreciation = {}
        for structure in STRUCTURES:
            table = params(f"land_building.depreciation.{structure}")
            segments = tuple((int(start), Decimal(rate)) for start, rate in table["segments"])
            depreciation[structure] = (segments, table["cap"])
        return cls(
            rates=rates,
            method=params("land_building.method.bracket_method"),
            exemption_main=params("land_building.exemptions.residential_main"),
            exemption_building_only=params("land_building.exemptions.residential_main_building_only"),
            exemption_farmer=params("land_building.exemptions.individual_farmer"),
            farmer_fully_exempt=bool(params("land_building.exemptions.individual_farmer_fully_exempt")),
            vacant_step_years=int(params("land_building.vacant_increase.step_years")),
            vacant_step_rate=params("land_building.vacant_increase.step_rate"),
            vacant_max_rate=params("land_building.vacant_increase.max_rate"),
            reduction=min(reduction, cap),  # s.55: a decree may reduce the tax by 90 % at most
            relief=params.optional("land_building.relief.transitional_relief"),
            depreciation=depreciation,
            used=params.used,
        )


@dataclass(slots=True)
class LandBuildingResult:
    tax: Decimal
    values: dict[str, Decimal]  # value of the holding by use, after depreciation and shares
    exemptions: dict[str, Decimal]
    taxes: dict[str, Decimal]  # tax by use, before relief and reduction
    agriculture_exemption_applied: Decimal
    lines: list[dict]


def depreciation_rate(structure: str, age_years: int, params: LandBuildingParameters) -> Decimal:
    """The share of a building's price written off at `age_years` (Treasury table, capped)."""
    segments, cap = params.depreciation[structure]
    total = ZERO
    for index, (start, rate) in enumerate(segments):
        end = segments[index + 1][0] - 1 if index + 1 < len(segments) else age_years
        years = min(age_years, end) - start + 1
        if years > 0:
            total += rate * years
    return min(total, cap)


def bracket_tax(base: Decimal, brackets, method: str, add_rate: Decimal = ZERO, max_rate: Decimal | None = None):
    """Tax on `base` by brackets [(threshold, rate), ...]; returns (tax, [(from, to, rate, slice tax)])."""
    slices = []
    if base <= 0:
        return ZERO, slices
    if method == "flat":
        # The whole base at the rate of the bracket it falls in ("ไม่เกิน" includes the upper edge).
        rate = next(r for t, r in reversed(brackets) if base > t or t == 0)
        rate = _capped(rate + add_rate, max_rate)
        tax = base * rate
        return tax, [(ZERO, base, rate, tax)]
    total = ZERO
    for index, (threshold, rate) in enumerate(brackets):
        upper = brackets[index + 1][0] if index + 1 < len(brackets) else None
        if base <= threshold:
            break
        top = base if upper is None else min(base, upper)
        rate = _capped(rate + add_rate, max_rate)
        tax = (top - threshold) * rate
        total += tax
        slices.append((threshold, top, rate, tax))
    return total, slices


def _capped(rate: Decimal, cap: Decimal | None) -> Decimal:
    return rate if cap is None else min(rate, cap)


def land_building_tax(
    case: LandBuildingCase, params: LandBuildingParameters, *, explain: bool = True
) -> LandBuildingResult:
    # Lines are built only when asked for: a run computes a million holdings without them, and the
    # breakdown of an assessment is rebuilt from its stored facts by this same function.
    lines: list[dict] = []
    line = lines.append
    values = dict.fromkeys(USES, ZERO)

    land = case.land
    if land is not None:
        land_value = land.area_sq_wah * land.price_per_sq_wah * land.share
        explain and line(
            {
                "code": "land_value",
                "area_sq_wah": plain(land.area_sq_wah),
                "price_per_sq_wah": plain(land.price_per_sq_wah),
                "share": plain(land.share),
                "amount": plain(land_value),
            }
        )
        for part in land.uses:
            values[part.use] += land_value * part.share
    for number, building in enumerate(case.buildings, 1):
        gross = building.floor_area_m2 * building.price_per_m2 * building.share
        rate = depreciation_rate(building.structure, building.age_years, params)
        written_off = gross * rate
        net = gross - written_off
        explain and line(
            {
                "code": "building_value",
                "number": number,
                "floor_area_m2": plain(building.floor_area_m2),
                "price_per_m2": plain(building.price_per_m2),
                "share": plain(building.share),
                "amount": plain(gross),
            }
        )
        explain and line(
            {
                "code": "depreciation",
                "number": number,
                "structure": building.structure,
                "age_years": building.age_years,
                "rate": plain(rate),
                "amount": plain(written_off),
                "net": plain(net),
            }
        )
        for part in building.uses:
            values[part.use] += net * part.share

    individual = case.owner_kind == "individual"
    exemptions = dict.fromkeys(USES, ZERO)
    farmer_applied = ZERO
    exemptions["residential_main"] = min(values["residential_main"], params.exemption_main)  # s.41 para 1
    exemptions["residential_main_building_only"] = min(
        values["residential_main_building_only"], params.exemption_building_only
    )  # s.41 para 2
    if individual and values["agriculture"] > 0:
        if params.farmer_fully_exempt:  # s.96
            exemptions["agriculture"] = values["agriculture"]
        else:  # s.40: 50 M in aggregate for the taxpayer in this municipality
            left = max(params.exemption_farmer - case.agriculture_exemption_used, ZERO)
            farmer_applied = exemptions["agriculture"] = min(values["agriculture"], left)

    vacant_steps = (land.vacant_years // params.vacant_step_years) if land is not None else 0
    vacant_add = params.vacant_step_rate * vacant_steps  # s.43: +0.3 pp for every full 3 years
    taxes = dict.fromkeys(USES, ZERO)
    for use in USES:
        if values[use] == 0:
            continue
        net = values[use] - exemptions[use]
        explain and line(
            {
                "code": "use_value",
                "use": use,
                "amount": plain(values[use]),
                "exemption": plain(exemptions[use]),
                "net": plain(net),
            }
        )
        if use == "vacant" and vacant_add:
            explain and line(
                {
                    "code": "vacant_increase",
                    "vacant_years": land.vacant_years,
                    "rate": plain(vacant_add),
                    "max_rate": plain(params.vacant_max_rate),
                }
            )
            tax, slices = bracket_tax(net, params.rates[use], params.method, vacant_add, params.vacant_max_rate)
        else:
            tax, slices = bracket_tax(net, params.rates[use], params.method)
        taxes[use] = tax
        if explain:
            for low, high, rate, amount in slices:
                line(
                    {
                        "code": "bracket",
                        "use": use,
                        "method": params.method,
                        "from": plain(low),
                        "to": plain(high),
                        "rate": plain(rate),
                        "amount": plain(amount),
                    }
                )

    tax = sum(taxes.values(), ZERO)
    explain and line({"code": "computed_tax", "amount": plain(tax)})
    if params.relief is not None and case.prior_year_tax is not None and tax > case.prior_year_tax:
        relieved = case.prior_year_tax + (tax - case.prior_year_tax) * params.relief  # s.97
        explain and line(
            {
                "code": "transitional_relief",
                "prior_year_tax": plain(case.prior_year_tax),
                "rate": plain(params.relief),
                "amount": plain(tax - relieved),
            }
        )
        tax = relieved
    if params.reduction:
        reduced = tax * params.reduction  # Royal Decree of the year, s.55
        explain and line({"code": "reduction", "rate": plain(params.reduction), "amount": plain(reduced)})
        tax -= reduced
    tax = round_baht(tax)
    explain and line({"code": "tax", "amount": plain(tax)})
    return LandBuildingResult(
        tax=tax,
        values=values,
        exemptions=exemptions,
        taxes=taxes,
        agriculture_exemption_applied=farmer_applied,
        lines=lines,
    )
