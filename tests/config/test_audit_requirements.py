"""`make audit` runs pip-audit over requirements.txt and fails on a known vulnerability."""

import importlib.util
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
spec = importlib.util.spec_from_file_location("audit_requirements", ROOT / "scripts" / "audit_requirements.py")
audit_requirements = importlib.util.module_from_spec(spec)
spec.loader.exec_module(audit_requirements)

# A report in pip-audit's JSON format, as it writes one for a vulnerable pin (Django 3.2.0).
VULNERABLE = {
    "dependencies": [
        {"name": "django", "version": "3.2.0", "vulns": [{"id": "PYSEC-2021-98", "fix_versions": ["3.2.1"]}]},
        {"name": "pyyaml", "version": "6.0.3", "vulns": []},
    ],
    "fixes": [],
}


def test_a_known_vulnerability_fails_the_audit_and_names_the_advisory():
    code, lines = audit_requirements.verdict(VULNERABLE, strict=False)
    assert code == 1
    assert "VULNERABLE django==3.2.0: PYSEC-2021-98 (fixed in 3.2.1)" in lines


def test_pins_without_vulnerabilities_pass():
    clean = {"dependencies": [VULNERABLE["dependencies"][1]], "fixes": []}
    assert audit_requirements.verdict(clean, strict=False) == (0, ["1 pins checked against PyPI's vulnerability data"])


def test_pins_the_service_cannot_answer_for_are_reported_and_fail_only_when_strict(tmp_path):
    requirements = tmp_path / "requirements.txt"
    requirements.write_text("not-a-package-thesaban-xyz==0.0.1\n")
    report = audit_requirements.audit(requirements)  # a real pip-audit run
    (dep,) = report["dependencies"]
    assert dep["name"] == "not-a-package-thesaban-xyz" and dep["skip_reason"]
    assert audit_requirements.verdict(report, strict=False)[0] == 0
    code, lines = audit_requirements.verdict(report, strict=True)
    assert code == 1
    assert "warning: 1 of 1 pins could not be checked:" in lines
