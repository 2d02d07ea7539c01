"""Load the demo district 青禾区 into an empty database and make sure the demo logins exist."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils.translation import gettext as _

from appraisal.models import Committee, Organization, Secretary, StaffProfile
from appraisal.presets import create_from_preset
from meetings.bundle import import_bundle
from meetings.models import Ballot, Comment, Meeting, ProblemSource, Stage

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
PRESET_KEYS = ("hundred", "grades")
# (username, password, superuser, what the account is for)
LOGINS = (
    ("demo", "demo12345", False, "staff"),
    ("admin", "admin12345", True, "admin"),
)


def read_json(name: str) -> dict:
    return json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))


def parse_day(value: str | None) -> date | None:
    return date.fromisoformat(value) if value else None


def load_roster(data: dict) -> Committee:
    """The committee, its organizations (parents listed first) and every secretary's term."""
    committee = Committee.objects.create(**data["committee"])
    orgs: dict[str, Organization] = {}
    for row in data["organizations"]:
        orgs[row["code"]] = Organization.objects.create(
            committee=committee,
            code=row["code"],
            name=row["name"],
            kind=row["kind"],
            parent=orgs[row["parent"]] if row["parent"] else None,
            active=row["active"],
        )
        Secretary.objects.bulk_create(
            Secretary(
                organization=orgs[row["code"]],
                name=s["name"],
                title=s["title"],
                phone=s["phone"],
                term_start=parse_day(s["term_start"]),
                term_end=parse_day(s["term_end"]),
            )
            for s in row["secretaries"]
        )
    return committee


def link_items_to_comments(meeting: Meeting) -> None:
    """Tie each item named in a leader's comment to that comment (bundles carry no such link)."""
    comments = Comment.objects.filter(reporter__meeting=meeting).select_related("reporter")
    for item in meeting.rectification_items.filter(source=ProblemSource.COMMENT, comment=None):
        item.comment = next(
            (
                c
                for c in comments
                if c.reporter.organization_id == item.organization_id and item.problem in c.text
            ),
            None,
        )
        item.save(update_fields=["comment"])


@transaction.atomic
def load_district() -> tuple[Committee, list[Meeting]]:
    """Roster first, so that the bundles find their organizations; then schemes and meetings."""
    committee = load_roster(read_json("roster.json"))
    for key in PRESET_KEYS:
        create_from_preset(committee, key)
    last_year = import_bundle(read_json("meeting-2025.json"), committee, by=None)
    link_items_to_comments(last_year)
    # A bundle with ballots comes in closed; last year's results have long been published.
    last_year.advance(Stage.PUBLISHED, by=None, note=_("Demo data: results published."))
    this_year = import_bundle(read_json("meeting-2026.json"), committee, by=None)
    return committee, [last_year, this_year]


class Command(BaseCommand):
    help = "Load the demo district into an empty database and create the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--reset-password",
            action="store_true",
            help="Set the demo logins' passwords back to the documented ones.",
        )

    def handle(self, *args, reset_password: bool = False, **options):
        if Committee.objects.exists():
            self.stdout.write(_("The database already has data; the demo data was not loaded."))
        else:
            committee, meetings = load_district()
            self.stdout.write(self.style.SUCCESS(summary(committee, meetings)))
        committee = demo_committee()
        for username, password, superuser, role in LOGINS:
            ensure_login(committee, username, password, superuser, reset_password)
            self.stdout.write(login_line(username, password, role))


def summary(committee: Committee, meetings: list[Meeting]) -> str:
    return _(
        "Loaded the demo district %(committee)s: %(orgs)d organizations, %(secretaries)d "
        "secretaries, %(schemes)d schemes, %(meetings)d meetings with %(ballots)d ballots."
    ) % {
        "committee": committee.name,
        "orgs": committee.orgs.count(),
        "secretaries": Secretary.objects.filter(organization__committee=committee).count(),
        "schemes": committee.schemes.count(),
        "meetings": len(meetings),
        "ballots": Ballot.objects.filter(reporter__meeting__in=meetings).count(),
    }


def demo_committee() -> Committee:
    """The demo committee; a bare one when another district's data is already there."""
    committee, _created = Committee.objects.get_or_create(
        code="QH", defaults={"name": read_json("roster.json")["committee"]["name"]}
    )
    return committee


def ensure_login(
    committee: Committee, username: str, password: str, superuser: bool, reset: bool
) -> None:
    """Create the login once; later runs keep its password unless asked to reset it."""
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_superuser": superuser, "is_staff": True}
    )
    if created or reset:
        user.set_password(password)
        user.save(update_fields=["password"])
    StaffProfile.objects.get_or_create(user=user, defaults={"committee": committee})


def login_line(username: str, password: str, role: str) -> str:
    if role == "admin":
        return _("Demo login: %(username)s / %(password)s (administrator)") % {
            "username": username,
            "password": password,
        }
    return _("Demo login: %(username)s / %(password)s (organization department staff)") % {
        "username": username,
        "password": password,
    }
