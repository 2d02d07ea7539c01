"""Sign-in throttling per account: after repeated wrong passwords a user name is locked a while.

Counted per user name, never per address: a hall of 300 laptops shares one address, and seat
links need no sign-in at all. The failures live in the database, which every server process
sees (a per-process cache would let each worker count on its own).
"""

from __future__ import annotations

import math
import unicodedata
from datetime import datetime, timedelta

from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal.models import SignInFailure

LIMIT = 5  # wrong passwords …
WINDOW = timedelta(minutes=15)  # … within this time lock the user name …
LOCK = timedelta(minutes=15)  # … for this long after the last of them


def normalized(username: str) -> str:
    """The user name as the throttle counts it: "Admin ", "admin" and "ａｄｍｉｎ" are one."""
    return unicodedata.normalize("NFKC", username).strip().casefold()[:150]


def locked_until(username: str, now: datetime | None = None) -> datetime | None:
    """When the lock on this user name ends, or None if it may try now.

    Locked when its last LIMIT failures fell within WINDOW, until LOCK after the last one;
    tries while locked are not counted, so the lock ends when it says."""
    now = now or timezone.now()
    recent = list(
        SignInFailure.objects.filter(username=normalized(username), at__gt=now - WINDOW - LOCK)
        .order_by("-at")
        .values_list("at", flat=True)[:LIMIT]
    )
    if len(recent) < LIMIT or recent[0] - recent[-1] > WINDOW:
        return None
    until = recent[0] + LOCK
    return until if until > now else None


def record_failure(username: str, now: datetime | None = None) -> None:
    """Count one wrong password for this user name; forget failures too old to matter."""
    now = now or timezone.now()
    SignInFailure.objects.create(username=normalized(username), at=now)
    SignInFailure.objects.filter(at__lte=now - WINDOW - LOCK).delete()


def forget_failures(username: str) -> None:
    """A successful sign-in starts the count afresh."""
    SignInFailure.objects.filter(username=normalized(username)).delete()


def lock_message(until: datetime, now: datetime | None = None) -> str:
    minutes = max(1, math.ceil((until - (now or timezone.now())).total_seconds() / 60))
    return _("Too many failed sign-ins: try again in %(minutes)d minutes.") % {"minutes": minutes}


class ThrottleMixin:
    """For an authentication form: refuse a locked user name before its password is checked,
    count each wrong password, and start afresh after a right one."""

    locked = False

    def clean(self):
        username = self.cleaned_data.get("username")
        if username and (until := locked_until(username)):
            self.refuse(until)
        try:
            cleaned = super().clean()
        except forms.ValidationError as error:
            if username and error.code == "invalid_login":
                record_failure(username)
                if until := locked_until(username):
                    self.refuse(until)
            raise
        if username and self.get_user() is not None:
            forget_failures(username)
        return cleaned

    def refuse(self, until: datetime):
        self.locked = True
        raise forms.ValidationError(lock_message(until), code="locked")


class ThrottledAuthenticationForm(ThrottleMixin, AuthenticationForm):
    """The sign-in page's form."""


class ThrottledAdminAuthenticationForm(ThrottleMixin, AdminAuthenticationForm):
    """The admin's sign-in form: the same count, so the admin is no way around the lock."""
