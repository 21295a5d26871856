"""Parameters are dated data with a legal reference per value, read through one lookup (no database)."""

import datetime
from decimal import Decimal

import pytest

from taxes import calculator
from taxes.parameters import ORDINANCES, OrdinanceRefused, ParameterError, ParameterTree, lookup, value_at

D = datetime.date


def test_a_value_is_read_as_of_a_date():
    assert value_at("land_building.relief.reduction", on=D(2020, 6, 1)) == Decimal("0.9")
    assert value_at("land_building.relief.reduction", on=D(2022, 1, 1)) == Decimal(0)
    assert value_at("land_building.relief.reduction", on=D(2023, 12, 31)) == Decimal("0.15")


def test_a_year_after_the_last_known_decree_keeps_its_rates():
    assert value_at("land_building.rates.other", on=D(2031, 1, 1)) == value_at(
        "land_building.rates.other", on=D(2024, 1, 1)
    )


def test_a_year_before_the_act_has_no_rates():
    with pytest.raises(ParameterError):
        value_at("land_building.rates.other", on=D(2019, 1, 1))


def test_a_null_value_ends_a_parameter():
    assert value_at("land_building.relief.transitional_relief", on=D(2022, 1, 1)) == Decimal("0.75")
    with pytest.raises(ParameterError):
        value_at("land_building.relief.transitional_relief", on=D(2023, 1, 1))


def test_every_value_carries_its_legal_reference_and_unconfirmed_ones_say_so():
    tree = ParameterTree()
    for path in tree.paths():
        for entry in tree.national[path]:
            assert entry.reference, path
            if entry.unconfirmed:
                assert "UNCONFIRMED" in entry.reference or "DEFAULT" in entry.reference, path


def test_the_unconfirmed_defaults_named_in_the_issue_are_dated_parameters():
    on = D(2026, 1, 1)
    assert value_at("land_building.method.bracket_method", on=on) == "marginal"
    assert lookup("land_building.method.bracket_method", on=on).unconfirmed
    assert lookup("land_building.depreciation.masonry", on=on).value["cap"] == Decimal("0.76")
    assert value_at("land_building.collection.instalment_minimum", on=on) == Decimal(3000)


def test_the_building_price_table_has_every_building_type_of_the_register():
    from assets.choices import BuildingType

    prices = value_at("land_building.building_prices", on=D(2026, 1, 1))
    assert set(prices) == set(BuildingType.values)
    assert prices["100"] == Decimal(7250)
    assert "DEFAULT" in lookup("land_building.building_prices", on=D(2026, 1, 1)).reference


def _ordinance(tmp_path, text):
    (tmp_path / "999777.yaml").write_text(text, encoding="utf-8")
    return ParameterTree(ordinance_dirs=(ORDINANCES, tmp_path))


def test_an_ordinance_above_the_acts_ceiling_is_refused(tmp_path):
    tree = _ordinance(
        tmp_path,
        """
municipality: "999777"
overrides:
  land_building.rates.residential_other:
    2026-01-01:
      value: [[0, 0.002], [50000000, 0.0035]]
      reference: เทศบัญญัติทดสอบ ข้อ 1
""",
    )
    with pytest.raises(OrdinanceRefused, match=r"เกินเพดาน 0\.003"):
        tree.lookup("land_building.rates.residential_other", on=D(2026, 1, 1), municipality="999777")


def test_the_calculator_names_the_municipality_when_its_ordinance_is_refused(tmp_path):
    tree = _ordinance(
        tmp_path,
        """
municipality: "999777"
overrides:
  land_building.rates.other:
    2026-01-01: {value: [[0, 0.013]], reference: เทศบัญญัติทดสอบ}
""",
    )
    land = {"area_sq_wah": "1", "price_per_sq_wah": "1", "uses": [{"use": "other", "share": "1"}]}
    case = {"tax_year": 2026, "owner_kind": "juristic", "municipality": "999777", "land": land}
    with pytest.raises(calculator.CaseError) as error:
        calculator.land_building(case, tree=tree)
    assert error.value.field == "municipality"


def test_an_ordinance_may_change_only_rates(tmp_path):
    tree = _ordinance(
        tmp_path,
        """
municipality: "999777"
overrides:
  land_building.exemptions.residential_main:
    2026-01-01: {value: 1, reference: เทศบัญญัติทดสอบ}
""",
    )
    with pytest.raises(OrdinanceRefused, match="มาตรา 37"):
        tree.ordinance("999777")


def test_an_ordinance_within_the_ceiling_applies_from_its_date(tmp_path):
    tree = _ordinance(
        tmp_path,
        """
municipality: "999777"
overrides:
  land_building.rates.other:
    2026-01-01: {value: [[0, 0.012]], reference: เทศบัญญัติทดสอบ ข้อ 2}
""",
    )
    entry = tree.lookup("land_building.rates.other", on=D(2026, 1, 1), municipality="999777")
    assert (entry.value, entry.source) == ([[Decimal(0), Decimal("0.012")]], "999777")
    assert tree.lookup("land_building.rates.other", on=D(2025, 1, 1), municipality="999777").source == "national"


def test_a_value_without_a_reference_is_refused(tmp_path):
    (tmp_path / "bad.yaml").write_text("x:\n  values:\n    2020-01-01: {value: 1}\n", encoding="utf-8")
    with pytest.raises(ParameterError, match="แหล่งอ้างอิง"):
        ParameterTree(root=tmp_path, ordinance_dirs=())
