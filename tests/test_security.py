"""Web security settings: the Content-Security-Policy, framing, cookies, HSTS, --deploy."""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

from appraisal.security import CONTENT_SECURITY_POLICY
from meetings.models import Stage
from tests.factories import make_meeting, make_reporter, make_seat

ROOT = Path(settings.BASE_DIR)
PRODUCTION = {
    "DEBUG": "0",
    "SECURE_COOKIES": "1",
    "SECRET_KEY": secrets.token_urlsafe(45)[:50],
    "ALLOWED_HOSTS": "appraisal.example.org",
}


def directives(policy: str) -> dict[str, list[str]]:
    return {d.split()[0]: d.split()[1:] for d in policy.split("; ")}


def test_the_policy_allows_only_our_own_scripts_and_no_framing():
    policy = directives(CONTENT_SECURITY_POLICY)
    assert policy["script-src"] == ["'self'"]
    assert policy["default-src"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'none'"]
    assert policy["object-src"] == ["'none'"]
    assert "'unsafe-eval'" not in CONTENT_SECURITY_POLICY


@pytest.mark.django_db
def test_every_html_page_carries_the_policy_and_refuses_framing(staff_client, committee):
    for url in (reverse("login"), reverse("meeting_list"), reverse("org_list")):
        response = staff_client.get(url)
        assert response.status_code == 200, url
        assert response["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, url
        assert response["X-Frame-Options"] == "DENY"
        assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.django_db
def test_the_evaluator_page_carries_the_policy_and_its_json_does_not_need_it(client, committee):
    meeting = make_meeting(committee)
    make_reporter(meeting)
    seat = make_seat(meeting)
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    url = f"/s/{seat.issue_link()}/"
    assert client.get(url)["Content-Security-Policy"] == CONTENT_SECURITY_POLICY
    state = client.get(url + "state")
    assert state["Content-Type"].startswith("application/json")
    assert "Content-Security-Policy" not in state


INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
INLINE_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)


def test_no_template_has_an_inline_script_an_event_handler_or_hx_on():
    templates = sorted((ROOT / "templates").rglob("*.html"))
    assert templates
    for path in templates:
        text = path.read_text()
        assert not INLINE_SCRIPT.search(text), path
        assert not INLINE_HANDLER.search(text), path
        assert "hx-on" not in text, path
        assert "javascript:" not in text, path


def production_settings(**extra) -> dict:
    """Settings as `manage.py` sees them with the production environment (a fresh process)."""
    code = (
        "import json; from django.conf import settings as s;"
        "print(json.dumps({k: getattr(s, k, None) for k in ["
        "'DEBUG','SESSION_COOKIE_SECURE','SESSION_COOKIE_HTTPONLY','CSRF_COOKIE_SECURE',"
        "'SECURE_SSL_REDIRECT','SECURE_HSTS_SECONDS','SECURE_HSTS_INCLUDE_SUBDOMAINS',"
        "'SECURE_HSTS_PRELOAD','SECURE_PROXY_SSL_HEADER','SILENCED_SYSTEM_CHECKS',"
        "'X_FRAME_OPTIONS']}))"
    )
    result = run_manage("shell", "--no-imports", "-c", code, **extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])


def run_manage(*args, **extra) -> subprocess.CompletedProcess:
    # A clean environment: the test run's own variables (DJANGO_ALLOW_ASYNC_UNSAFE) stay out.
    kept = {k: os.environ[k] for k in ("PATH", "HOME", "LANG", "DATABASE_URL") if k in os.environ}
    env = {**kept, **PRODUCTION, **extra}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_check_deploy_passes_with_production_settings():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_fails_without_https():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", SECURE_COOKIES="0")
    assert result.returncode != 0
    assert "security.W004" in result.stderr + result.stdout


def test_over_https_cookies_are_secure_and_httponly_and_hsts_is_on():
    s = production_settings()
    assert s["DEBUG"] is False
    assert s["SESSION_COOKIE_SECURE"] and s["SESSION_COOKIE_HTTPONLY"] and s["CSRF_COOKIE_SECURE"]
    assert s["SECURE_SSL_REDIRECT"] is True
    assert s["SECURE_HSTS_SECONDS"] >= 31536000
    assert s["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert s["SECURE_HSTS_PRELOAD"] is False
    assert s["SECURE_PROXY_SSL_HEADER"] is None  # trusted only when the environment says so
    assert s["X_FRAME_OPTIONS"] == "DENY"


def test_preload_and_the_proxy_header_come_only_from_the_environment():
    s = production_settings(
        SECURE_HSTS_PRELOAD="1", SECURE_PROXY_SSL_HEADER="HTTP_X_FORWARDED_PROTO"
    )
    assert s["SECURE_HSTS_PRELOAD"] is True
    assert s["SILENCED_SYSTEM_CHECKS"] == []
    assert s["SECURE_PROXY_SSL_HEADER"] == ["HTTP_X_FORWARDED_PROTO", "https"]


def test_plain_http_serves_no_hsts_and_no_secure_cookies():
    s = production_settings(SECURE_COOKIES="0")
    assert s["SECURE_HSTS_SECONDS"] == 0
    assert not s["SESSION_COOKIE_SECURE"] and not s["CSRF_COOKIE_SECURE"]
    assert s["SECURE_SSL_REDIRECT"] is False


@pytest.mark.django_db
def test_a_secure_request_gets_the_hsts_header(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    response = client.get(reverse("login"), secure=True)
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
