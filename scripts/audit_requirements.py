#!/usr/bin/env python3
"""Check requirements.txt for known vulnerabilities (pip-audit, PyPI's vulnerability service).

Exits 1 naming each vulnerable pin and its advisories. Pins the service could not answer for (it
serves no data for them, or cannot be reached) are listed as a warning: they are not known to be
vulnerable, but not known to be safe either; set AUDIT_STRICT=1 to fail on them too.
"""

import json
import os
import subprocess
import sys
from pathlib import Path


def audit(requirements: Path) -> dict:
    result = subprocess.run(
        [
            str(Path(sys.executable).with_name("pip-audit")),
            "--requirement",
            str(requirements),
            "--no-deps",  # every pin is exact; the transitive ones come from these
            "--disable-pip",
            "--vulnerability-service",
            "pypi",
            "--format",
            "json",
            "--progress-spinner",
            "off",
        ],
        capture_output=True,
        text=True,
        timeout=600,
    )
    if not result.stdout.strip():
        raise SystemExit(f"pip-audit gave no report: {result.stderr.strip()[-2000:]}")
    return json.loads(result.stdout)


def verdict(report: dict, *, strict: bool) -> tuple[int, list[str]]:
    lines, failed = [], False
    for dep in report["dependencies"]:
        for vuln in dep.get("vulns", []):
            failed = True
            fixed = ", ".join(vuln.get("fix_versions", [])) or "no fixed version"
            lines.append(f"VULNERABLE {dep['name']}=={dep['version']}: {vuln['id']} (fixed in {fixed})")
    skipped = [dep for dep in report["dependencies"] if dep.get("skip_reason")]
    if skipped:
        failed = failed or strict
        lines.append(f"warning: {len(skipped)} of {len(report['dependencies'])} pins could not be checked:")
        lines += [f"  {dep['name']}: {dep['skip_reason']}" for dep in skipped]
    checked = len(report["dependencies"]) - len(skipped)
    lines.append(f"{checked} pins checked against PyPI's vulnerability data")
    return (1 if failed else 0), lines


def main() -> int:
    requirements = Path(sys.argv[1] if len(sys.argv) > 1 else "requirements.txt")
    code, lines = verdict(audit(requirements), strict=os.environ.get("AUDIT_STRICT") == "1")
    print("\n".join(lines))
    return code


if __name__ == "__main__":
    sys.exit(main())
