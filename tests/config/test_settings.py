"""Settings come from the environment only, and a bad value stops the process with a clear message."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def load_settings(**env) -> subprocess.CompletedProcess:
    base = {
        k: v
        for k, v in os.environ.items()
        if k not in {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "ALLOWED_HOSTS", "DATABASE_URL", "THESABAN_DB_NAME"}
    }
    return subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.DEBUG, s.DATABASES['default']['NAME'], s.SECRET_KEY[:6])",
        ],
        cwd=ROOT,
        env={**base, "DJANGO_SETTINGS_MODULE": "config.settings", **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_nothing_set_is_a_working_development_configuration():
    result = load_settings()
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "thesaban", "thesab"]


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"DEBUG": "maybe"}, "DEBUG='maybe' is not a boolean"),
        (
            {"DEBUG": "false", "ALLOWED_HOSTS": "tax.example"},
            "SECRET_KEY (or SECRET_KEY_FILE) must be set when DEBUG is false",
        ),
        ({"DEBUG": "false", "SECRET_KEY": "x" * 50}, "ALLOWED_HOSTS must be set when DEBUG is false"),
        ({"DATABASE_URL": "mysql://u:p@h/db"}, "DATABASE_URL must point to PostgreSQL with PostGIS"),
        ({"DATABASE_URL": "not a url"}, "DATABASE_URL"),
        ({"DATABASE_CONN_MAX_AGE": "soon"}, "DATABASE_CONN_MAX_AGE='soon' is not an integer"),
        ({"SECRET_KEY_FILE": "/nonexistent/secret"}, "SECRET_KEY_FILE='/nonexistent/secret' cannot be read"),
    ],
)
def test_a_bad_value_fails_loudly_naming_the_variable(env, message):
    result = load_settings(**env)
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert message in result.stderr


def test_the_secret_key_can_come_from_a_file(tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("s3cret-from-a-file-" + "x" * 40 + "\n")
    result = load_settings(DEBUG="false", ALLOWED_HOSTS="tax.example", SECRET_KEY_FILE=str(secret))
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[2] == "s3cret"


def test_the_database_url_is_read_from_the_environment():
    result = load_settings(DATABASE_URL="postgres://someone:pw@db.internal:5433/city")
    assert result.returncode == 0, result.stderr
    assert result.stdout.split()[1] == "city"
