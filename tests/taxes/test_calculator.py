"""The public calculator contract: `manage.py taxcalc` and POST /api/v1/tax/calculate/…, the same JSON."""

import json

import pytest
from django.core.management import call_command
from django.test import TestCase

from municipalities.choices import Role
from tests.factories import MembershipFactory

E2 = {
    "tax_year": 2026,
    "owner_kind": "individual",
    "land": {
        "area_sq_wah": "80",
        "price_per_sq_wah": "30000",
        "vacant_years": 0,
        "uses": [{"use": "residential_other", "share": "1"}],
    },
    "buildings": [
        {
            "floor_area_m2": "80",
            "price_per_m2": "7500",
            "structure": "wood",
            "age_years": 10,
            "uses": [{"use": "residential_other", "share": "1"}],
        }
    ],
    "prior_year_tax": None,
    "municipality": None,
}
SIGN = {"tax_year": 2026, "width_cm": 123, "height_cm": 77, "sign_type": "thai_mixed", "moving": False}


def _with(path: str, value, base=E2):
    case = json.loads(json.dumps(base))
    *parents, last = path.split(".")
    target = case
    for key in parents:
        target = target[int(key)] if key.isdigit() else target[key]
    if value is _DELETE:
        del target[int(last) if last.isdigit() else last]
    else:
        target[int(last) if last.isdigit() else last] = value
    return case


_DELETE = object()
BAD_LAND_BUILDING = [
    ("a missing field", _with("owner_kind", _DELETE), "owner_kind"),
    ("a missing price", _with("land.price_per_sq_wah", _DELETE), "land.price_per_sq_wah"),
    (
        "shares that do not sum to 1",
        _with("land.uses", [{"use": "residential_other", "share": "0.5"}, {"use": "other", "share": "0.4"}]),
        "land.uses",
    ),
    ("a negative area", _with("land.area_sq_wah", "-80"), "land.area_sq_wah"),
    ("an unknown use", _with("buildings.0.uses.0.use", "shop"), "buildings[0].uses[0].use"),
    ("a year with no rates", _with("tax_year", 2019), "tax_year"),
    ("an unknown structure", _with("buildings.0.structure", "steel"), "buildings[0].structure"),
    ("a number that is not one", _with("land.area_sq_wah", "eighty"), "land.area_sq_wah"),
    (
        "a company's main residence",
        _with("land.uses.0.use", "residential_main", _with("owner_kind", "juristic")),
        "land.uses[0].use",
    ),
    ("an unknown field", _with("colour", "blue"), "colour"),
    ("a number too large for any town", _with("land.area_sq_wah", "1e30"), "land.area_sq_wah"),
    ("a price too large for any town", _with("land.price_per_sq_wah", "1e13"), "land.price_per_sq_wah"),
]
BAD_SIGNBOARD = [
    ("a missing width", _with("width_cm", _DELETE, SIGN), "width_cm"),
    ("an unknown sign type", _with("sign_type", "neon", SIGN), "sign_type"),
    ("a negative height", _with("height_cm", -5, SIGN), "height_cm"),
    ("a year with no rates", _with("tax_year", 1980, SIGN), "tax_year"),
    ("installed after the tax year", _with("installed_on", "2027-01-01", SIGN), "installed_on"),
]


def taxcalc(tmp_path, kind, case, capsys):
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case, ensure_ascii=False), encoding="utf-8")
    call_command("taxcalc", kind, str(path))
    return json.loads(capsys.readouterr().out)


def test_taxcalc_prints_the_tax_with_two_decimals_and_its_breakdown(tmp_path, capsys):
    result = taxcalc(tmp_path, "land-building", E2, capsys)
    assert result["tax"] == "552.00"
    assert [line["code"] for line in result["breakdown"]] == [
        "land_value",
        "building_value",
        "depreciation",
        "use_value",
        "bracket",
        "computed_tax",
        "tax",
    ]
    assert result["parameters"]["land_building.rates.residential_other"]["reference"]
    assert taxcalc(tmp_path, "signboard", SIGN, capsys)["tax"] == "494.00"


@pytest.mark.parametrize(("what", "case", "field"), BAD_LAND_BUILDING, ids=[b[0] for b in BAD_LAND_BUILDING])
def test_taxcalc_refuses_bad_land_building_input_with_exit_code_2_naming_the_field(tmp_path, capsys, what, case, field):
    with pytest.raises(SystemExit) as exit_:
        taxcalc(tmp_path, "land-building", case, capsys)
    assert exit_.value.code == 2
    captured = capsys.readouterr()
    assert json.loads(captured.err)["field"] == field
    assert "Traceback" not in captured.err and captured.out == ""


@pytest.mark.parametrize(("what", "case", "field"), BAD_SIGNBOARD, ids=[b[0] for b in BAD_SIGNBOARD])
def test_taxcalc_refuses_bad_signboard_input(tmp_path, capsys, what, case, field):
    with pytest.raises(SystemExit) as exit_:
        taxcalc(tmp_path, "signboard", case, capsys)
    assert exit_.value.code == 2
    assert json.loads(capsys.readouterr().err)["field"] == field


def test_taxcalc_refuses_a_file_that_is_not_json(tmp_path, capsys):
    path = tmp_path / "case.json"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(SystemExit) as exit_:
        call_command("taxcalc", "land-building", str(path))
    assert exit_.value.code == 2
    assert json.loads(capsys.readouterr().err)["field"] == "case"


class CalculatorAPITests(TestCase):
    @classmethod
    def setUpTestData(cls):
        cls.officer = MembershipFactory(role=Role.TAX_OFFICER).user
        cls.engineer = MembershipFactory(role=Role.ENGINEER).user

    def post(self, kind, case):
        return self.client.post(f"/api/v1/tax/calculate/{kind}/", case, content_type="application/json")

    def test_the_api_answers_what_the_command_prints(self):
        from taxes import calculator

        self.client.force_login(self.officer)
        answer = self.post("land-building", E2)
        assert answer.status_code == 200
        assert answer.json() == json.loads(json.dumps(calculator.land_building(E2)))
        assert self.post("signboard", SIGN).json()["tax"] == "494.00"

    def test_every_bad_input_is_a_400_naming_the_field(self):
        self.client.force_login(self.officer)
        for what, case, field in BAD_LAND_BUILDING:
            answer = self.post("land-building", case)
            assert (answer.status_code, answer.json()["field"]) == (400, field), what
        for what, case, field in BAD_SIGNBOARD:
            answer = self.post("signboard", case)
            assert (answer.status_code, answer.json()["field"]) == (400, field), what
        answer = self.client.post("/api/v1/tax/calculate/signboard/", "[1, 2", content_type="application/json")
        assert (answer.status_code, answer.json()["field"]) == (400, "case")  # not JSON: as `taxcalc` says

    def test_only_roles_that_see_taxes_may_use_it(self):
        assert self.post("land-building", E2).status_code == 403
        self.client.force_login(self.engineer)
        assert self.post("land-building", E2).status_code == 403
