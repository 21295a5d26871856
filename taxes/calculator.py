"""The public tax calculator: JSON facts in, the tax and its breakdown out (a stable contract).

Used by `manage.py taxcalc`, by `POST /api/v1/tax/calculate/…/`, and by the assessment runs, which
store the same JSON as an assessment's facts. Bad input raises `CaseError` naming the field, in
Thai; nothing here touches the database.
"""

import datetime
from decimal import Decimal, InvalidOperation

from taxes.parameters import OrdinanceRefused, ParameterError, ParameterTree
from taxes.rules import land_building as lb
from taxes.rules import signboard as sb
from taxes.rules.money import ONE, ZERO, plain
from taxes.rules.params import YearParameters

LAND_BUILDING_KEYS = {
    "tax_year",
    "owner_kind",
    "land",
    "buildings",
    "prior_year_tax",
    "municipality",
    "agriculture_exemption_used",
}
LAND_KEYS = {"area_sq_wah", "price_per_sq_wah", "vacant_years", "uses", "share"}
BUILDING_KEYS = {"floor_area_m2", "price_per_m2", "structure", "age_years", "uses", "share"}
SIGNBOARD_KEYS = {
    "tax_year",
    "width_cm",
    "height_cm",
    "sign_type",
    "moving",
    "installed_on",
    "faces",
    "replaces",
    "filing",
}
SIGN_KEYS = {"width_cm", "height_cm", "sign_type", "moving"}


class CaseError(ValueError):
    """Bad calculator input: `field` is the path of the field at fault, `message` says why in Thai."""

    def __init__(self, field: str, message: str):
        super().__init__(f"{field}: {message}")
        self.field = field
        self.message = message

    def as_dict(self) -> dict:
        return {"error": self.message, "field": self.field}


# Reading fields ------------------------------------------------------------------------------------


def _object(data, field: str, keys: set[str]) -> dict:
    if not isinstance(data, dict):
        raise CaseError(field or "(root)", "ต้องเป็นออบเจกต์ JSON")
    unknown = sorted(set(data) - keys)
    if unknown:
        raise CaseError(f"{field}.{unknown[0]}" if field else unknown[0], "ไม่รู้จักช่องข้อมูลนี้")
    return data


def _required(data: dict, key: str, field: str):
    if key not in data or data[key] is None:
        raise CaseError(field, "ต้องระบุ")
    return data[key]


# No area, price or value of a Thai municipality comes near this (a trillion baht or square wah); above it
# the Decimal arithmetic of the rules would overflow its 28 digits instead of answering.
LARGEST = 10**12


def _decimal(value, field: str, *, positive: bool = False) -> Decimal:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise CaseError(field, 'ต้องเป็นตัวเลข (เช่น "100" หรือ "0.5")')
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise CaseError(field, f"ต้องเป็นตัวเลข ไม่ใช่ {value!r}") from None
    if not number.is_finite():
        raise CaseError(field, "ต้องเป็นตัวเลข")
    if abs(number) > LARGEST:
        raise CaseError(field, f"ต้องไม่เกิน {LARGEST:,}")
    if number < 0:
        raise CaseError(field, "ต้องไม่ติดลบ")
    if positive and number == 0:
        raise CaseError(field, "ต้องมากกว่าศูนย์")
    return number


def _integer(value, field: str, *, minimum: int = 0, maximum: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise CaseError(field, "ต้องเป็นจำนวนเต็ม")
    if value < minimum:
        raise CaseError(field, "ต้องไม่ติดลบ" if minimum == 0 else f"ต้องไม่น้อยกว่า {minimum}")
    if maximum is not None and value > maximum:
        raise CaseError(field, f"ต้องไม่เกิน {maximum}")
    return value


def _choice(value, field: str, choices: tuple[str, ...]) -> str:
    if value not in choices:
        raise CaseError(field, f"ไม่รู้จักค่า {value!r} (ใช้ได้: {', '.join(choices)})")
    return value


def _share(data: dict, field: str) -> Decimal:
    if data.get("share") is None:
        return ONE
    share = _decimal(data["share"], f"{field}.share", positive=True)
    if share > 1:
        raise CaseError(f"{field}.share", "สัดส่วนกรรมสิทธิ์ต้องไม่เกิน 1")
    return share


def _uses(data: dict, field: str, allowed: tuple[str, ...], owner_kind: str) -> tuple[lb.UseShare, ...]:
    uses = _required(data, "uses", f"{field}.uses")
    if not isinstance(uses, list) or not uses:
        raise CaseError(f"{field}.uses", "ต้องเป็นรายการการใช้ประโยชน์อย่างน้อยหนึ่งรายการ")
    parsed = []
    for index, item in enumerate(uses):
        where = f"{field}.uses[{index}]"
        item = _object(item, where, {"use", "share"})
        use = _choice(_required(item, "use", f"{where}.use"), f"{where}.use", allowed)
        if use in lb.INDIVIDUAL_ONLY and owner_kind != "individual":
            raise CaseError(f"{where}.use", "บ้านหลังหลักยกเว้นได้เฉพาะบุคคลธรรมดา (มาตรา 41) นิติบุคคลใช้ residential_other")
        parsed.append(lb.UseShare(use, _decimal(_required(item, "share", f"{where}.share"), f"{where}.share")))
    total = sum((u.share for u in parsed), ZERO)
    if total != ONE:
        raise CaseError(f"{field}.uses", f"สัดส่วนการใช้ประโยชน์รวมกันต้องเท่ากับ 1 (ได้ {plain(total)})")
    return tuple(parsed)


def _year(data: dict) -> int:
    return _integer(_required(data, "tax_year", "tax_year"), "tax_year", minimum=1900, maximum=2200)


# Land and building tax -----------------------------------------------------------------------------


def parse_land_building(data) -> lb.LandBuildingCase:
    data = _object(data, "", LAND_BUILDING_KEYS)
    tax_year = _year(data)
    owner_kind = _choice(_required(data, "owner_kind", "owner_kind"), "owner_kind", lb.OWNER_KINDS)
    land = None
    if data.get("land") is not None:
        raw = _object(data["land"], "land", LAND_KEYS)
        land = lb.Land(
            area_sq_wah=_decimal(_required(raw, "area_sq_wah", "land.area_sq_wah"), "land.area_sq_wah"),
            price_per_sq_wah=_decimal(
                _required(raw, "price_per_sq_wah", "land.price_per_sq_wah"), "land.price_per_sq_wah"
            ),
            vacant_years=_integer(raw.get("vacant_years") or 0, "land.vacant_years", maximum=200),
            uses=_uses(raw, "land", lb.LAND_USES, owner_kind),
            share=_share(raw, "land"),
        )
    buildings = []
    raw_buildings = data.get("buildings")
    if raw_buildings is not None and not isinstance(raw_buildings, list):
        raise CaseError("buildings", "ต้องเป็นรายการสิ่งปลูกสร้าง")
    for index, raw in enumerate(raw_buildings or []):
        where = f"buildings[{index}]"
        raw = _object(raw, where, BUILDING_KEYS)
        buildings.append(
            lb.Building(
                floor_area_m2=_decimal(
                    _required(raw, "floor_area_m2", f"{where}.floor_area_m2"), f"{where}.floor_area_m2"
                ),
                price_per_m2=_decimal(_required(raw, "price_per_m2", f"{where}.price_per_m2"), f"{where}.price_per_m2"),
                structure=_choice(
                    _required(raw, "structure", f"{where}.structure"), f"{where}.structure", lb.STRUCTURES
                ),
                age_years=_integer(
                    _required(raw, "age_years", f"{where}.age_years"), f"{where}.age_years", maximum=500
                ),
                uses=_uses(raw, where, lb.USES, owner_kind),
                share=_share(raw, where),
            )
        )
    if land is None and not buildings:
        raise CaseError("land", "ต้องมีที่ดิน (land) หรือสิ่งปลูกสร้าง (buildings) อย่างน้อยหนึ่งอย่าง")
    prior = data.get("prior_year_tax")
    municipality = data.get("municipality")
    if municipality is not None and not isinstance(municipality, str):
        raise CaseError("municipality", "ต้องเป็นรหัสเทศบาล 6 หลักในรูปข้อความ")
    used = data.get("agriculture_exemption_used")
    return lb.LandBuildingCase(
        tax_year=tax_year,
        owner_kind=owner_kind,
        land=land,
        buildings=tuple(buildings),
        prior_year_tax=None if prior is None else _decimal(prior, "prior_year_tax"),
        municipality=municipality or None,
        agriculture_exemption_used=ZERO if used is None else _decimal(used, "agriculture_exemption_used"),
    )


def land_building_case_json(case: lb.LandBuildingCase) -> dict:
    """The facts of a case as calculator JSON (what an assessment stores)."""

    def uses(parts):
        return [{"use": u.use, "share": plain(u.share)} for u in parts]

    data = {"tax_year": case.tax_year, "owner_kind": case.owner_kind}
    if case.land is not None:
        data["land"] = {
            "area_sq_wah": plain(case.land.area_sq_wah),
            "price_per_sq_wah": plain(case.land.price_per_sq_wah),
            "vacant_years": case.land.vacant_years,
            "uses": uses(case.land.uses),
        }
        if case.land.share != ONE:
            data["land"]["share"] = plain(case.land.share)
    if case.buildings:
        data["buildings"] = []
        for b in case.buildings:
            item = {
                "floor_area_m2": plain(b.floor_area_m2),
                "price_per_m2": plain(b.price_per_m2),
                "structure": b.structure,
                "age_years": b.age_years,
                "uses": uses(b.uses),
            }
            if b.share != ONE:
                item["share"] = plain(b.share)
            data["buildings"].append(item)
    data["prior_year_tax"] = None if case.prior_year_tax is None else plain(case.prior_year_tax)
    data["municipality"] = case.municipality
    if case.agriculture_exemption_used:
        data["agriculture_exemption_used"] = plain(case.agriculture_exemption_used)
    return data


def land_building_parameters(
    tax_year: int, municipality: str | None = None, *, tree: ParameterTree | None = None, overrides=None
) -> lb.LandBuildingParameters:
    """The resolved parameters of a year; a year without rates or a refused ordinance names its field."""
    params = YearParameters(tax_year, municipality, tree=tree, overrides=overrides)
    try:
        return lb.LandBuildingParameters.resolve(params)
    except OrdinanceRefused as error:
        raise CaseError("municipality", str(error)) from None
    except ParameterError as error:
        raise CaseError("tax_year", f"ไม่มีอัตราภาษีสำหรับปี {tax_year}: {error}") from None


def land_building(data, *, tree: ParameterTree | None = None, overrides=None) -> dict:
    """Calculate one land-and-building case from calculator JSON."""
    case = parse_land_building(data)
    params = land_building_parameters(case.tax_year, case.municipality, tree=tree, overrides=overrides)
    result = lb.land_building_tax(case, params)
    return {
        "kind": "land_building",
        "tax_year": case.tax_year,
        "tax": format(result.tax, "f"),
        "values": {use: plain(v) for use, v in result.values.items() if v},
        "exemptions": {use: plain(v) for use, v in result.exemptions.items() if v},
        "taxes_by_use": {use: plain(v) for use, v in result.taxes.items() if v},
        "breakdown": result.lines,
        "parameters": params.used,
    }


# Signboard tax -------------------------------------------------------------------------------------


def _sign(raw: dict, field: str) -> sb.SignFacts:
    prefix = f"{field}." if field else ""
    moving = raw.get("moving", False)
    if not isinstance(moving, bool):
        raise CaseError(f"{prefix}moving", "ต้องเป็น true หรือ false")
    return sb.SignFacts(
        width_cm=_integer(_required(raw, "width_cm", f"{prefix}width_cm"), f"{prefix}width_cm", minimum=1),
        height_cm=_integer(_required(raw, "height_cm", f"{prefix}height_cm"), f"{prefix}height_cm", minimum=1),
        sign_type=_choice(_required(raw, "sign_type", f"{prefix}sign_type"), f"{prefix}sign_type", sb.SIGN_TYPES),
        moving=moving,
    )


def parse_signboard(data) -> sb.SignboardCase:
    data = _object(data, "", SIGNBOARD_KEYS)
    tax_year = _year(data)
    installed_on = None
    if data.get("installed_on") is not None:
        try:
            installed_on = datetime.date.fromisoformat(str(data["installed_on"]))
        except ValueError:
            raise CaseError("installed_on", "ต้องเป็นวันที่ในรูป YYYY-MM-DD (ค.ศ.)") from None
        if installed_on.year > tax_year:
            raise CaseError("installed_on", f"ป้ายติดตั้งหลังปีภาษี {tax_year}")
    replaces = None
    if data.get("replaces") is not None:
        replaces = _sign(_object(data["replaces"], "replaces", SIGN_KEYS), "replaces")
    return sb.SignboardCase(
        tax_year=tax_year,
        sign=_sign(data, ""),
        installed_on=installed_on,
        faces=_integer(data.get("faces", 1), "faces", minimum=1, maximum=4),
        replaces=replaces,
        filing=_choice(data.get("filing", "on_time"), "filing", sb.FILINGS),
    )


def signboard_case_json(case: sb.SignboardCase) -> dict:
    data = {
        "tax_year": case.tax_year,
        "width_cm": case.sign.width_cm,
        "height_cm": case.sign.height_cm,
        "sign_type": case.sign.sign_type,
        "moving": case.sign.moving,
    }
    if case.installed_on is not None:
        data["installed_on"] = case.installed_on.isoformat()
    if case.faces != 1:
        data["faces"] = case.faces
    if case.replaces is not None:
        r = case.replaces
        data["replaces"] = {
            "width_cm": r.width_cm,
            "height_cm": r.height_cm,
            "sign_type": r.sign_type,
            "moving": r.moving,
        }
    if case.filing != "on_time":
        data["filing"] = case.filing
    return data


def signboard_parameters(tax_year: int, *, tree: ParameterTree | None = None, overrides=None) -> sb.SignboardParameters:
    params = YearParameters(tax_year, tree=tree, overrides=overrides)
    try:
        return sb.SignboardParameters.resolve(params)
    except ParameterError as error:
        raise CaseError("tax_year", f"ไม่มีอัตราภาษีป้ายสำหรับปี {tax_year}: {error}") from None


def signboard(data, *, tree: ParameterTree | None = None, overrides=None) -> dict:
    """Calculate one signboard case from calculator JSON."""
    case = parse_signboard(data)
    params = signboard_parameters(case.tax_year, tree=tree, overrides=overrides)
    result = sb.signboard_tax(case, params)
    return {
        "kind": "signboard",
        "tax_year": case.tax_year,
        "tax": format(result.tax, "f"),
        "area_cm2": case.sign.width_cm * case.sign.height_cm,
        "units": result.units,
        "rate_per_unit": plain(result.rate),
        "breakdown": result.lines,
        "parameters": params.used,
    }


CALCULATORS = {"land-building": land_building, "signboard": signboard}
