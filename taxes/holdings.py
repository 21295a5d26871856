"""From register rows to the facts of each taxpayer's holding: who pays what, on which part.

Plain rows in (tuples and small dataclasses, read with COPY or the ORM alike), calculator cases
out; no ORM, no geometry. The rules of the mapping are documented on
`taxes.services.assessment_run`.
"""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal

from taxes.rules import land_building as lb
from taxes.rules.money import ONE, ZERO

SHARE_QUANTUM = Decimal("1e-10")


@dataclass(slots=True)
class OwnershipRow:
    owner_id: int
    share: Decimal
    in_house_registration: bool


@dataclass(slots=True)
class BuildingRow:
    id: int
    building_type: str
    structure: str
    floor_area_m2: Decimal
    year_built: int
    price_per_m2: Decimal | None
    uses: list[tuple[str, Decimal]] = field(default_factory=list)  # (use, floor area m²)
    owners: list[OwnershipRow] = field(default_factory=list)


@dataclass(slots=True)
class ParcelRow:
    id: int
    code: str
    area_sq_wah: Decimal
    price_per_sq_wah: Decimal | None
    uses: list[tuple[str, Decimal, int | None]] = field(default_factory=list)  # (use, sq wah, vacant since)
    owners: list[OwnershipRow] = field(default_factory=list)
    buildings: list[BuildingRow] = field(default_factory=list)


@dataclass(slots=True)
class Holding:
    owner_id: int
    case: lb.LandBuildingCase


_WHOLE = {use: (lb.UseShare(use, ONE),) for use in lb.USES}  # most parcels and buildings have one use


def use_shares(parts, mapping=None) -> tuple[lb.UseShare, ...]:
    """Areas by use → shares summing to exactly 1 (the last share takes the rounding remainder)."""
    if len(parts) == 1:
        use = parts[0][0]
        return _WHOLE[mapping.get(use, use) if mapping else use]
    merged: dict[str, Decimal] = {}
    for use, area, *_ in parts:
        use = mapping.get(use, use) if mapping else use
        merged[use] = merged.get(use, ZERO) + area
    total = sum(merged.values(), ZERO)
    items = list(merged.items())
    if len(items) == 1:
        return (lb.UseShare(items[0][0], ONE),)
    shares, running = [], ZERO
    for use, area in items[:-1]:
        share = (area / total).quantize(SHARE_QUANTUM, rounding=ROUND_HALF_EVEN)
        shares.append(lb.UseShare(use, share))
        running += share
    shares.append(lb.UseShare(items[-1][0], ONE - running))
    return tuple(shares)


class HoldingMapper:
    """Turns parcels (with their uses, owners and buildings) into one case per taxpayer and parcel.

    Keeps, across the parcels of one run, which taxpayers already had their one main residence
    and how much of the farmer's aggregate exemption each has used; parcels must therefore come
    in a stable order (by parcel code), so that a rerun allocates them the same way.
    """

    def __init__(self, *, tax_year: int, municipality: str | None, owner_kinds: dict[int, str], building_prices: dict):
        self.tax_year = tax_year
        self.municipality = municipality
        self.owner_kinds = owner_kinds
        self.building_prices = building_prices
        self.main_residence_of: dict[int, int] = {}  # owner → the parcel holding their main residence
        self.farm_exemption_used: dict[int, Decimal] = {}
        self.problems: dict[str, list[str]] = {}

    def problem(self, kind: str, code: str) -> None:
        self.problems.setdefault(kind, []).append(code)

    def holdings(self, parcel: ParcelRow, only=None) -> list[Holding]:
        """One holding per taxpayer of the parcel (`only`: a filter on taxpayer ids, for a part of a run)."""
        land_share = {o.owner_id: o for o in parcel.owners}
        taxpayers = list(land_share)
        for building in parcel.buildings:
            taxpayers += [o.owner_id for o in building.owners if o.owner_id not in taxpayers]
        if not taxpayers:
            self.problem("no_owner", parcel.code)
            return []
        if not parcel.uses:
            self.problem("no_land_use", parcel.code)
            return []
        if parcel.price_per_sq_wah is None:
            self.problem("no_land_price", parcel.code)
        if only is not None:
            taxpayers = [owner_id for owner_id in taxpayers if only(owner_id)]
        holdings = [self._holding(parcel, owner_id, land_share.get(owner_id)) for owner_id in taxpayers]
        return [h for h in holdings if h.case.land is not None or h.case.buildings]

    def _holding(self, parcel: ParcelRow, owner_id: int, land: OwnershipRow | None) -> Holding:
        individual = self.owner_kinds.get(owner_id) == "person"
        flagged = (land is not None and land.in_house_registration) or any(
            o.in_house_registration for b in parcel.buildings for o in b.owners if o.owner_id == owner_id
        )
        # s.41: one main residence per person, registered there on 1 January; the first parcel
        # (by code) that qualifies keeps it on a rerun too.
        main = individual and flagged and self.main_residence_of.setdefault(owner_id, parcel.id) == parcel.id
        land_mapping = {"residential_main": "residential_main" if main else "residential_other"}
        if main and land is not None:
            building_main = "residential_main"
        elif main:
            building_main = "residential_main_building_only"  # owns the house, not the land (s.41 para 2)
        else:
            building_main = "residential_other"
        building_mapping = {"residential_main": building_main, "residential_main_building_only": building_main}

        case_land = None
        if land is not None:
            vacant = [self.tax_year - since for use, _, since in parcel.uses if use == "vacant" and since]
            case_land = lb.Land(
                area_sq_wah=parcel.area_sq_wah,
                price_per_sq_wah=parcel.price_per_sq_wah or ZERO,
                uses=use_shares(parcel.uses, land_mapping),
                vacant_years=max(min(vacant), 0) if vacant else 0,
                share=land.share,
            )
        buildings = []
        for building in parcel.buildings:
            mine = next((o for o in building.owners if o.owner_id == owner_id), None)
            if mine is None:
                continue
            if not building.uses:
                self.problem("no_building_use", f"{parcel.code}#{building.id}")
                continue
            price = building.price_per_m2
            if price is None:
                price = self.building_prices.get(building.building_type)
                if price is None:
                    self.problem("no_building_price", f"{parcel.code}#{building.id}")
                    price = ZERO
            buildings.append(
                lb.Building(
                    floor_area_m2=building.floor_area_m2,
                    price_per_m2=price,
                    structure=building.structure,
                    age_years=max(self.tax_year - building.year_built, 0),
                    uses=use_shares(building.uses, building_mapping),
                    share=mine.share,
                )
            )
        case = lb.LandBuildingCase(
            tax_year=self.tax_year,
            owner_kind="individual" if individual else "juristic",
            land=case_land,
            buildings=tuple(buildings),
            municipality=self.municipality,
            agriculture_exemption_used=self.farm_exemption_used.get(owner_id, ZERO),
        )
        return Holding(owner_id, case)

    def record(self, holding: Holding, result: lb.LandBuildingResult) -> None:
        """Count the farmer's exemption this holding used against the taxpayer's 50 M (s.40)."""
        if result.agriculture_exemption_applied:
            self.farm_exemption_used[holding.owner_id] = (
                self.farm_exemption_used.get(holding.owner_id, ZERO) + result.agriculture_exemption_applied
            )
