"""The YAML cases of tests/taxes/cases, each run through the public calculator, with no database.

A case names its `calculator` (land-building or signboard), gives the calculator's JSON `input`, an
optional `reform` (parameter values replaced, as OpenFisca reforms do), and the expected `output`:
every key given must equal the calculator's answer.
"""

from pathlib import Path

import pytest
import yaml

from taxes import calculator
from taxes.parameters import ORDINANCES, ParameterTree

CASES_DIR = Path(__file__).resolve().parent / "cases"
TEST_ORDINANCES = Path(__file__).resolve().parent / "ordinances"
TREE = ParameterTree(ordinance_dirs=(ORDINANCES, TEST_ORDINANCES))


def _cases():
    for file in sorted(CASES_DIR.glob("*.yaml")):
        for case in yaml.safe_load(file.read_text(encoding="utf-8")):
            yield pytest.param(case, id=f"{file.stem}: {case['name']}")


CASES = list(_cases())


def test_there_are_at_least_forty_cases():
    assert len(CASES) >= 40


@pytest.mark.parametrize("case", CASES)
def test_case(case):
    compute = calculator.CALCULATORS[case["calculator"]]
    result = compute(case["input"], tree=TREE, overrides=case.get("reform"))
    for key, expected in case["output"].items():
        assert result[key] == expected, key
