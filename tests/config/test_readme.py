"""The README's configuration table names every environment variable the settings read."""

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
READ = re.compile(r"""env_(?:str|bool|int|list|secret)\(\s*["']([A-Z][A-Z0-9_]*)["']""")


def test_every_setting_from_the_environment_is_documented():
    names = set(READ.findall((ROOT / "config" / "settings.py").read_text(encoding="utf-8")))
    assert {"DEBUG", "DATABASE_URL", "SECRET_KEY", "MAPS_TILE_CACHE_MB"} <= names  # the pattern still finds them
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    configuration = readme.split("## Configuration", 1)[1].split("\n## ", 1)[0]
    documented = set(re.findall(r"`([A-Z][A-Z0-9_]*)`", configuration))
    assert names - documented == set()
