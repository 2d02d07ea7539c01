"""The demo district: it loads into an empty database, its results compute, it loads once."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from appraisal.models import Committee, Organization, Scheme, Secretary
from appraisal.presets import PRESETS
from meetings.models import Ballot, ItemStatus, Meeting, RectificationItem, Stage
from meetings.results import meeting_results
from tests.factories import make_committee

DEMO_DIR = Path(settings.BASE_DIR) / "fixtures" / "demo"
GENERATOR = Path(settings.BASE_DIR) / "fixtures" / "make_demo.py"
FILES = ("roster.json", "meeting-2025.json", "meeting-2026.json")


def load_demo(*args) -> str:
    out = StringIO()
    call_command("load_demo", *args, stdout=out)
    return out.getvalue()


@pytest.fixture(scope="class")
def loaded_once(django_db_setup, django_db_blocker):
    """Load the demo once for a class of tests, inside a transaction that is rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        load_demo()
        yield
        transaction.set_rollback(True)


@pytest.fixture
def demo(db) -> Committee:
    return Committee.objects.get(code="QH")


@pytest.fixture
def last_year(demo) -> Meeting:
    return Meeting.objects.get(committee=demo, year=2025)


@pytest.fixture
def this_year(demo) -> Meeting:
    return Meeting.objects.get(committee=demo, year=2026)


def depth(org: Organization) -> int:
    return 1 + len(org.ancestors())


def counts() -> dict[str, int]:
    user_model = get_user_model()
    models = (Committee, Organization, Secretary, Scheme, Meeting, Ballot, user_model)
    return {model.__name__: model.objects.count() for model in models}


def test_the_generator_reproduces_the_committed_files_byte_for_byte(tmp_path):
    subprocess.run(
        [sys.executable, str(GENERATOR), "--output-dir", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    for name in FILES:
        assert (tmp_path / name).read_bytes() == (DEMO_DIR / name).read_bytes(), name


@pytest.mark.usefixtures("loaded_once")
class TestTheLoadedDemo:
    """Read against one load per class; each test's changes roll back with its savepoint."""

    def test_the_district_has_twenty_organizations_of_mixed_kinds_in_a_shallow_tree(self, demo):
        orgs = list(demo.orgs.all())
        assert len(orgs) >= 20
        assert len({org.kind for org in orgs}) >= 5
        assert {depth(org) for org in orgs} <= {1, 2, 3}
        assert max(depth(org) for org in orgs) >= 2
        assert all(org.secretaries.exists() for org in orgs)

    def test_every_active_organization_has_a_secretary_in_office_today(self, demo):
        for org in demo.orgs.active():
            secretary = org.current_secretary()
            assert secretary is not None, org.code
            assert secretary.phone.startswith("138") and len(secretary.phone) == 11

    def test_names_with_rare_characters_are_on_the_roster(self, demo):
        names = "".join(Secretary.objects.values_list("name", flat=True))
        assert all(char in names for char in "堃喆玥珺昇赟")

    def test_a_meeting_remembers_who_reported_after_the_secretary_changed(
        self, last_year, this_year
    ):
        changed = Secretary.objects.filter(
            organization__committee=last_year.committee, term_end__year=2026
        ).exclude(organization__active=False)
        assert changed.count() >= 2
        for earlier in changed:
            reported = last_year.reporters.get(organization=earlier.organization)
            assert reported.secretary == earlier
            assert reported.secretary_name == earlier.name
            successor = earlier.organization.current_secretary()
            assert successor != earlier
            assert this_year.reporters.get(organization=earlier.organization).secretary == successor

    def test_a_deactivated_organization_reported_last_year(self, last_year):
        gone = last_year.reporters.filter(organization__active=False)
        assert gone.count() == 1
        assert (
            not last_year.committee.meetings.get(year=2026)
            .reporters.filter(organization=gone.get().organization)
            .exists()
        )

    def test_both_presets_and_the_meetings_schemes_are_there(self, demo, last_year, this_year):
        names = set(demo.schemes.values_list("name", flat=True))
        assert {PRESETS["hundred"].scheme_name, PRESETS["grades"].scheme_name} <= names
        assert demo.schemes.count() == 4
        hundred = PRESETS["hundred"]
        for meeting in (last_year, this_year):
            indicators = meeting.scheme.indicators.values_list("code", "name", "max_points")
            expected = [(code, name, Decimal(points)) for code, name, points in hundred.indicators]
            assert list(indicators) == expected
            assert list(meeting.scheme.groups.values_list("code", flat=True)) == ["LD", "BM", "DB"]
            assert meeting.scheme.good_quota == hundred.fields["good_quota"]

    def test_last_years_meeting_is_published_with_forty_seats_and_their_ballots(self, last_year):
        assert last_year.stage == Stage.PUBLISHED
        assert last_year.title == "2025年度党组织书记抓基层党建工作述职评议会"
        assert str(last_year.date) == "2026-01-15"
        assert last_year.reporters.count() >= 12
        assert last_year.seats.count() >= 40
        ballots = Ballot.objects.for_meeting(last_year)
        assert ballots.count() >= 40 * 12 * 0.9
        assert ballots.exclude(grade="").count() == ballots.count()
        assert ballots.exclude(opinion="").exists()

    def test_no_seat_scored_its_own_organization(self, last_year):
        seats_with_org = last_year.seats.exclude(organization=None)
        assert seats_with_org.filter(organization__reports__meeting=last_year).exists()
        for seat in seats_with_org:
            assert not seat.ballots.filter(reporter__organization=seat.organization).exists()

    def test_results_compute_for_every_reporter_with_competition_ranks(self, last_year):
        rows = meeting_results(last_year)
        assert len(rows) == last_year.reporters.count()
        assert all(row.result.composite is not None and row.result.grade for row in rows)
        ranked = [row.result for row in rows if row.result.rank is not None]
        for result in ranked:
            assert result.rank == 1 + sum(
                1 for other in ranked if other.composite > result.composite
            )
        assert sorted(r.rank for r in ranked)[0] == 1
        assert {r.grade for r in (row.result for row in rows)} == {"好", "较好", "一般", "差"}

    def test_the_quota_of_good_grades_holds_and_moves_some_down(self, last_year):
        results = [row.result for row in meeting_results(last_year)]
        limit = math.floor(last_year.scheme.good_quota * len(results))
        good = [r for r in results if r.grade == "好"]
        assert 0 < len(good) <= limit
        assert any(r.grade == "较好" and r.composite >= 90 for r in results)

    def test_the_vetoed_reporter_is_poor_without_a_rank(self, last_year):
        vetoed = [row.result for row in meeting_results(last_year) if row.reporter.vetoed]
        assert len(vetoed) == 1
        assert vetoed[0].grade == "差" and vetoed[0].rank is None and "vetoed" in vetoed[0].flags

    def test_one_reporter_is_flagged_for_a_high_share_of_poor_votes(self, last_year):
        flagged = [row for row in meeting_results(last_year) if "bad_share" in row.result.flags]
        assert len(flagged) == 1
        assert flagged[0].reporter.organization.active is False

    def test_every_group_drops_its_highest_and_lowest_total(self, last_year):
        for row in meeting_results(last_year):
            assert all(group.trimmed for group in row.result.groups)

    def test_every_reporter_was_commented_on_and_items_follow_from_the_comments(self, last_year):
        for reporter in last_year.reporters.all():
            comment = reporter.comments.get()
            assert comment.author in ("区委书记", "组织部部长")
            assert "一是" in comment.text and "二是" in comment.text
            items = RectificationItem.objects.filter(
                meeting=last_year, organization=reporter.organization
            )
            assert 2 <= items.count() <= 4
            assert all(item.comment == comment for item in items)
            assert all(item.problem in comment.text for item in items)

    def test_the_rectification_list_mixes_closed_open_and_overdue_items(self, last_year):
        items = RectificationItem.objects.filter(meeting=last_year)
        statuses = set(items.values_list("status", flat=True))
        assert {ItemStatus.CLOSED, ItemStatus.IN_PROGRESS, ItemStatus.NOT_STARTED} <= statuses
        assert all(item.deadline.year == 2026 and item.measures and item.owner for item in items)
        overdue = items.filter(deadline__lt=timezone.localdate(), status=ItemStatus.NOT_STARTED)
        assert overdue.exists()

    def test_this_years_meeting_is_a_draft_ready_to_run(self, this_year):
        assert this_year.stage == Stage.DRAFT
        assert str(this_year.date) == "2026-12-18"
        reporters = this_year.reporters.all()
        assert reporters.count() >= 12
        assert all(r.daily is not None and r.secretary is not None for r in reporters)
        assert [r.order for r in reporters] == list(range(1, reporters.count() + 1))
        assert this_year.seats.count() >= 40
        assert not Ballot.objects.for_meeting(this_year).exists()

    def test_loading_twice_changes_nothing(self, demo):
        before = counts()
        output = load_demo()
        assert counts() == before
        assert "demo12345" in output
        assert get_user_model().objects.filter(username__in=["demo", "admin"]).count() == 2

    def test_the_demo_logins_work_and_belong_to_the_district(self, demo, client):
        assert client.login(username="demo", password="demo12345")
        assert client.login(username="admin", password="admin12345")
        users = get_user_model().objects
        assert users.get(username="admin").is_superuser
        assert not users.get(username="demo").is_superuser
        for name in ("demo", "admin"):
            assert users.get(username=name).staff_profile.committee == demo

    def test_a_changed_password_stays_unless_reset_is_asked_for(self, demo, client):
        user = get_user_model().objects.get(username="demo")
        user.set_password("my-own-secret")
        user.save()
        load_demo()
        assert client.login(username="demo", password="my-own-secret")
        load_demo("--reset-password")
        assert client.login(username="demo", password="demo12345")


def test_a_database_with_data_gets_only_the_logins(db, client):
    make_committee(code="DC", name="东城区委")
    output = load_demo()
    assert not Organization.objects.exists() and not Meeting.objects.exists()
    assert "demo12345" in output
    assert client.login(username="demo", password="demo12345")


def test_the_committed_bundles_name_only_organizations_of_the_roster():
    roster = json.loads((DEMO_DIR / "roster.json").read_text(encoding="utf-8"))
    codes = {org["code"] for org in roster["organizations"]}
    for name in FILES[1:]:
        bundle = json.loads((DEMO_DIR / name).read_text(encoding="utf-8"))
        assert {org["code"] for org in bundle["organizations"]} <= codes
