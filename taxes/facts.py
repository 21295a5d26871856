"""The stored form of an assessment's facts: compact JSON arrays, one line per case.

A run writes a million of these with COPY, so they are positional (about 80 bytes against about 350
for the calculator's keyed JSON, which took most of a 1M-parcel run's database time). They hold
exactly the facts of a calculator case and decode to it, so `taxes.calculator` recomputes any
assessment from what it stored.

    land and building: [tax_year, owner_kind, land | null, [building, …], prior_year_tax | null,
                        agriculture_exemption_used, municipality | null]
        land:     [area_sq_wah, price_per_sq_wah, vacant_years, share, [[use, share], …]]
        building: [floor_area_m2, price_per_m2, structure, age_years, share, [[use, share], …]]
    signboard:  [tax_year, width_cm, height_cm, sign_type, moving, installed_on | null, faces,
                 replaced sign [width_cm, height_cm, sign_type, moving] | null, filing]

Codes are indexes into the rules' tuples (USES, STRUCTURES, OWNER_KINDS, SIGN_TYPES, FILINGS);
numbers are written exactly as the Decimals they are (their own text, e.g. "9400.00").
"""

import datetime
import json
from decimal import Decimal

from taxes.rules import land_building as lb
from taxes.rules import signboard as sb

# A Decimal's own text is always a valid JSON number ("9400.00", "0.3333333333", "5E+7") and reads
# back as the same Decimal: no reformatting on the way out.
plain = str

USE = {use: i for i, use in enumerate(lb.USES)}
STRUCTURE = {s: i for i, s in enumerate(lb.STRUCTURES)}
OWNER_KIND = {k: i for i, k in enumerate(lb.OWNER_KINDS)}
SIGN_TYPE = {t: i for i, t in enumerate(sb.SIGN_TYPES)}
FILING = {f: i for i, f in enumerate(sb.FILINGS)}


def _uses(uses) -> str:
    return "[" + ",".join(f"[{USE[u.use]},{plain(u.share)}]" for u in uses) + "]"


def encode_land_building(case: lb.LandBuildingCase) -> str:
    land = "null"
    if case.land is not None:
        a = case.land
        land = f"[{plain(a.area_sq_wah)},{plain(a.price_per_sq_wah)},{a.vacant_years},{plain(a.share)},{_uses(a.uses)}]"
    buildings = ",".join(
        f"[{plain(b.floor_area_m2)},{plain(b.price_per_m2)},{STRUCTURE[b.structure]},{b.age_years},"
        f"{plain(b.share)},{_uses(b.uses)}]"
        for b in case.buildings
    )
    prior = "null" if case.prior_year_tax is None else plain(case.prior_year_tax)
    municipality = "null" if case.municipality is None else json.dumps(case.municipality)
    return (
        f"[{case.tax_year},{OWNER_KIND[case.owner_kind]},{land},[{buildings}],{prior},"
        f"{plain(case.agriculture_exemption_used)},{municipality}]"
    )


def _d(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value)


def _decode_uses(items) -> tuple[lb.UseShare, ...]:
    return tuple(lb.UseShare(lb.USES[use], _d(share)) for use, share in items)


def decode_land_building(text: str) -> lb.LandBuildingCase:
    year, kind, land, buildings, prior, used, municipality = json.loads(text, parse_float=Decimal)
    return lb.LandBuildingCase(
        tax_year=year,
        owner_kind=lb.OWNER_KINDS[kind],
        land=None
        if land is None
        else lb.Land(
            area_sq_wah=_d(land[0]),
            price_per_sq_wah=_d(land[1]),
            vacant_years=land[2],
            share=_d(land[3]),
            uses=_decode_uses(land[4]),
        ),
        buildings=tuple(
            lb.Building(
                floor_area_m2=_d(b[0]),
                price_per_m2=_d(b[1]),
                structure=lb.STRUCTURES[b[2]],
                age_years=b[3],
                share=_d(b[4]),
                uses=_decode_uses(b[5]),
            )
            for b in buildings
        ),
        prior_year_tax=None if prior is None else _d(prior),
        agriculture_exemption_used=_d(used),
        municipality=municipality,
    )


def _sign(sign: sb.SignFacts) -> str:
    return f"{sign.width_cm},{sign.height_cm},{SIGN_TYPE[sign.sign_type]},{int(sign.moving)}"


def encode_signboard(case: sb.SignboardCase) -> str:
    installed = "null" if case.installed_on is None else f'"{case.installed_on.isoformat()}"'
    replaces = "null" if case.replaces is None else f"[{_sign(case.replaces)}]"
    return f"[{case.tax_year},{_sign(case.sign)},{installed},{case.faces},{replaces},{FILING[case.filing]}]"


def decode_signboard(text: str) -> sb.SignboardCase:
    year, width, height, sign_type, moving, installed, faces, replaces, filing = json.loads(text)
    return sb.SignboardCase(
        tax_year=year,
        sign=sb.SignFacts(width, height, sb.SIGN_TYPES[sign_type], bool(moving)),
        installed_on=None if installed is None else datetime.date.fromisoformat(installed),
        faces=faces,
        replaces=None
        if replaces is None
        else sb.SignFacts(replaces[0], replaces[1], sb.SIGN_TYPES[replaces[2]], bool(replaces[3])),
        filing=sb.FILINGS[filing],
    )
