"""A small municipality whose taxpayers cover each rule of the mapping from register to holdings.

01A001  Somchai's home: land + house, name in the house registration      → main residence, 0.00
01A002  Somchai's second house, also marked registered                    → one main residence only: E2, 552.00
01A003  Somchai and Malee, half each, let for residence                   → 276.00 each
01A004  Prasert's farm, 60 M                                               → 50 M exempt, 1,000.00
01A005  Prasert's second farm, 10 M                                        → exemption used up, 1,000.00
01A006  a company's land used as a home                                    → other residential, 200.00
01A007  the company's land, Malee's house on it, her registered home       → company 100.00; Malee 0.00 (10 M)
01A008  nobody's                                                            → not assessed, reported
sign    on 01A006, owner unknown                                            → the company pays 494.00
"""

import datetime
from decimal import Decimal

from assets.choices import OwnerKind
from tests.factories import (
    BlockFactory,
    BuildingFactory,
    BuildingUseFactory,
    LandUseFactory,
    MunicipalityFactory,
    OwnerFactory,
    OwnershipFactory,
    ParcelFactory,
    SignboardFactory,
    ZoneFactory,
)

EXPECTED = {
    ("somchai", "01A001"): Decimal("0.00"),
    ("somchai", "01A002"): Decimal("552.00"),
    ("somchai", "01A003"): Decimal("276.00"),
    ("malee", "01A003"): Decimal("276.00"),
    ("prasert", "01A004"): Decimal("1000.00"),
    ("prasert", "01A005"): Decimal("1000.00"),
    ("company", "01A006"): Decimal("200.00"),
    ("company", "01A007"): Decimal("100.00"),
    ("malee", "01A007"): Decimal("0.00"),
}
SIGN_TAX = Decimal("494.00")


def build(municipality=None):
    m = municipality or MunicipalityFactory()
    people = {
        "somchai": OwnerFactory(municipality=m, first_name="สมชาย"),
        "malee": OwnerFactory(municipality=m, title="นาง", first_name="มาลี"),
        "prasert": OwnerFactory(municipality=m, first_name="ประเสริฐ"),
        "company": OwnerFactory(
            municipality=m, kind=OwnerKind.JURISTIC, title="บริษัท", first_name="ทดสอบ จำกัด", last_name=""
        ),
    }
    parcels = {}
    block = BlockFactory(zone=ZoneFactory(municipality=m, code="01"), code="01A")

    def parcel(code, area, price, uses, owners, buildings=()):
        p = ParcelFactory(
            municipality=m, block=block, parcel_code=code, area_sq_wah=Decimal(area), price_per_sq_wah=Decimal(price)
        )
        for use, use_area in uses:
            LandUseFactory(parcel=p, use=use, area_sq_wah=Decimal(use_area))
        for who, share, registered in owners:
            OwnershipFactory(parcel=p, owner=people[who], share=Decimal(share), in_house_registration=registered)
        for number, (fields, building_uses, building_owners) in enumerate(buildings, 1):
            b = BuildingFactory(parcel=p, building_code=f"{code}-B{number:03d}", **fields)
            for use, use_area in building_uses:
                BuildingUseFactory(building=b, use=use, floor_area_m2=Decimal(use_area))
            for who, share, registered in building_owners:
                OwnershipFactory(
                    municipality=m,
                    parcel=None,
                    building=b,
                    owner=people[who],
                    share=Decimal(share),
                    in_house_registration=registered,
                )
        parcels[code] = p
        return p

    house = {"floor_area_m2": Decimal(80), "price_per_m2": Decimal(7500), "structure": "wood", "year_built": 2016}
    parcel(
        "01A001", 100, 30000, [("residential_main", 100)], [("somchai", 1, True)],
        [(house, [("residential_main", 80)], [("somchai", 1, True)])],
    )  # fmt: skip
    parcel(
        "01A002", 80, 30000, [("residential_main", 80)], [("somchai", 1, True)],
        [(house, [("residential_main", 80)], [("somchai", 1, True)])],
    )  # fmt: skip
    parcel(
        "01A003", 80, 30000, [("residential_other", 80)], [("somchai", "0.5", False), ("malee", "0.5", False)],
        [(house, [("residential_other", 80)], [("somchai", "0.5", False), ("malee", "0.5", False)])],
    )  # fmt: skip
    parcel("01A004", 12000, 5000, [("agriculture", 12000)], [("prasert", 1, False)])
    parcel("01A005", 2000, 5000, [("agriculture", 2000)], [("prasert", 1, False)])
    company_home = parcel("01A006", 100, 10000, [("residential_main", 100)], [("company", 1, False)])
    new_house = {"floor_area_m2": Decimal(100), "price_per_m2": None, "structure": "masonry", "year_built": 2026}
    parcel(
        "01A007", 50, 10000, [("residential_main", 50)], [("company", 1, False)],
        [(new_house, [("residential_main", 100)], [("malee", 1, True)])],
    )  # fmt: skip
    parcel("01A008", 100, 10000, [("residential_other", 100)], [])
    sign = SignboardFactory(
        parcel=company_home,
        signboard_code="01A006-P001",
        owner=None,
        width_cm=123,
        height_cm=77,
        sign_type="thai_mixed",
        installed_on=datetime.date(2020, 3, 1),
    )
    return m, people, parcels, sign
