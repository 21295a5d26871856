"""English is the second language of every screen: no message of the catalogue is left untranslated or fuzzy."""

import re
import subprocess
from pathlib import Path

CATALOGUE = Path(__file__).resolve().parents[2] / "locale/en/LC_MESSAGES/django.po"


def messages(*flags) -> list[str]:
    found = subprocess.run(["msgattrib", *flags, "--no-obsolete", str(CATALOGUE)], check=True, capture_output=True)
    return [m for m in re.findall(r'^msgid "(.*)"$', found.stdout.decode(), re.M) if m]  # "" is the header


def test_every_message_has_an_english_translation():
    assert messages("--untranslated") == []


def test_no_translation_is_a_fuzzy_guess():
    assert messages("--only-fuzzy") == []
