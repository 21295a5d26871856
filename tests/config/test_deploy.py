"""Production settings pass Django's deployment checklist and send the security headers."""

import os
import re
import subprocess
import sys
from pathlib import Path

from django.test import TestCase, override_settings
from django.urls import reverse

from municipalities.choices import Role
from tests.factories import MembershipFactory

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "k3y-" + "0123456789abcdefghijklmnopqrstuvwxyz!@#$%^&*(-_=+)" * 2,
    "ALLOWED_HOSTS": "tax.lamphaya.go.th",
    "CSRF_TRUSTED_ORIGINS": "https://tax.lamphaya.go.th",
}


def _policy(response) -> dict[str, str]:
    return dict(d.strip().split(" ", 1) for d in response["Content-Security-Policy"].split(";") if d.strip())


def manage(*args, **env) -> subprocess.CompletedProcess:
    # DJANGO_ALLOW_ASYNC_UNSAFE is set by the browser tests' Playwright fixture, never in a deployment.
    unset = {"DEBUG", "SECRET_KEY", "SECRET_KEY_FILE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in unset}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_deployment_checklist_is_clean_with_production_settings():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_with_debug_settings_the_checklist_does_complain():
    # The test above can fail: development settings are not fit to deploy.
    result = manage("check", "--deploy", "--fail-level", "WARNING", DEBUG="true")
    assert result.returncode != 0
    assert "security.W018" in result.stdout + result.stderr  # DEBUG on


def test_production_cookies_are_secure_and_http_only():
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print(s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SESSION_COOKIE_HTTPONLY, "
            "s.SECURE_SSL_REDIRECT, s.SECURE_HSTS_SECONDS > 0)",
        ],
        cwd=ROOT,
        env={**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", **PRODUCTION},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.stdout.split() == ["True"] * 5, result.stderr


class SecurityHeaderTests(TestCase):
    @override_settings(SECURE_SSL_REDIRECT=False)
    def test_every_page_sends_a_strict_content_security_policy_and_the_other_headers(self):
        response = self.client.get(reverse("login"))
        policy = _policy(response)
        assert policy["default-src"] == "'self'"
        assert policy["script-src"] == "'self'"  # no inline script (no map here, so no nonce), no other origin
        assert policy["frame-ancestors"] == "'none'"
        assert policy["object-src"] == "'none'"
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Referrer-Policy"] == "same-origin"
        assert response["Cross-Origin-Opener-Policy"] == "same-origin"

    @override_settings(SECURE_SSL_REDIRECT=False)
    def test_a_map_page_runs_only_the_map_script_that_carries_this_responses_nonce(self):
        engineer = MembershipFactory(role=Role.ENGINEER).user
        self.client.force_login(engineer)
        first, second = (self.client.get(reverse("works:work-orders")) for _ in range(2))
        nonces = []
        for response in (first, second):
            script_src = _policy(response)["script-src"].split()
            assert script_src[0] == "'self'" and len(script_src) == 2, script_src
            nonce = re.fullmatch(r"'nonce-([\w+/=-]{16,})'", script_src[1])[1]
            inline = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", response.content.decode())
            assert inline == [f' nonce="{nonce}"'], inline  # the map's script, and nothing else inline
            nonces.append(nonce)
        assert nonces[0] != nonces[1]  # a new nonce for every response

    def test_no_page_template_carries_an_inline_script_but_the_maps_nonced_one(self):
        templates = [*ROOT.glob("templates/**/*.html"), *ROOT.glob("*/templates/**/*.html")]
        inline, handlers = {}, []
        for path in templates:
            if ".venv" in path.parts:
                continue
            text = path.read_text()
            name = str(path.relative_to(ROOT))
            found = re.findall(r"<script(?![^>]*\b(?:src|type=\"application/json\")\b)([^>]*)>", text)
            if found:
                inline[name] = found
            if re.search(r"\son[a-z]+\s*=", text):
                handlers.append(name)
        assert inline == {"maps/templates/maps/_map.html": [' nonce="{{ request.csp_nonce }}"']}
        assert handlers == []  # inline event handlers cannot carry a nonce: script files only
