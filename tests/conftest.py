import os

import pytest

# Playwright's sync API runs an event loop in the test thread; the ORM calls in the same
# thread (fixtures, assertions) are safe because the live server runs in its own thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Debian's Chromium, never a downloaded browser (there is no network to download from)."""
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
        ],
    }


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    return {**browser_context_args, "locale": "zh-CN", "viewport": {"width": 1366, "height": 768}}


@pytest.fixture
def committee(db):
    from tests.factories import make_committee

    return make_committee(code="DC", name="东城区委")


@pytest.fixture
def staff(committee):
    from tests.factories import make_staff

    return make_staff(committee, username="dc_staff")


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


@pytest.fixture(scope="session", autouse=True)
def _test_settings():
    """Pages render without a collectstatic run, and test passwords hash quickly.

    Set once for the session, before any fixture creates a user or renders a page.
    """
    from django.conf import settings

    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    settings.STATIC_ROOT = None  # nothing collected: WhiteNoise need not look for it
    settings.WHITENOISE_USE_FINDERS = True
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _flush_under_maintenance():
    """Emptying the database between transactional tests rewrites history wholesale.

    Django's flush on SQLite deletes row by row, which the append-only and closed-ballot
    triggers refuse (PostgreSQL truncates, which they do not see); the test runner's flush is
    the one place that lifts them, through appraisal.dbguard.maintenance.
    """
    from django.db import connection

    from appraisal.dbguard import maintenance

    if connection.vendor != "sqlite":
        yield
        return
    from django.db.backends.sqlite3.base import DatabaseOperations

    flush = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        with maintenance(self.connection.alias):
            flush(self, sql_list)

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = flush
