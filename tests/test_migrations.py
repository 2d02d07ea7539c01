"""Upgrading a database that already holds meetings: migration 0005 keeps every ballot, gives
it a random key, keeps named meetings' times, and gives every history row its committee."""

from __future__ import annotations

import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from appraisal import dbguard

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("meetings", "0004_rectification_loop")]
AFTER = [("meetings", "0005_audit_and_anonymity")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_0005_upgrades_a_database_with_ballots_and_history():
    old = migrate(BEFORE)
    try:
        committee = old.get_model("appraisal", "Committee").objects.create(code="DC", name="区委")
        scheme = old.get_model("appraisal", "Scheme").objects.create(
            committee=committee, name="方案"
        )
        group = old.get_model("appraisal", "EvaluatorGroup").objects.create(
            scheme=scheme, code="LD", name="领导", weight=1, order=1
        )
        Org = old.get_model("appraisal", "Organization")
        Meeting = old.get_model("meetings", "Meeting")
        ids, times = [], {}
        for anonymous in (False, True):
            meeting = Meeting.objects.create(
                committee=committee, scheme=scheme, title=f"m{anonymous}", year=2025,
                anonymous=anonymous,
            )  # fmt: skip
            org = Org.objects.create(
                committee=committee, code=f"O{anonymous:d}", name="组织", kind="社区"
            )
            reporter = old.get_model("meetings", "Reporter").objects.create(
                meeting=meeting, organization=org, order=1
            )
            old.get_model("meetings", "MeetingEvent").objects.create(meeting=meeting, note="x")
            for n in range(3):
                seat = old.get_model("meetings", "Seat").objects.create(
                    meeting=meeting, code=f"LD{n}", group=group
                )
                ballot = old.get_model("meetings", "Ballot").objects.create(
                    seat=seat, reporter=reporter, ballot_id=uuid.uuid4(), receipt="R", grade="好"
                )
                ids.append(ballot.pk)
                times[ballot.ballot_id] = (anonymous, ballot.updated_at)

        new = migrate(AFTER)
        Ballot = new.get_model("meetings", "Ballot")
        assert Ballot.objects.count() == 6
        assert not set(Ballot.objects.values_list("pk", flat=True)) & set(ids)
        for ballot_id, submitted in Ballot.objects.values_list("ballot_id", "submitted_at"):
            anonymous, updated = times[ballot_id]
            assert submitted == (None if anonymous else updated)
        events = new.get_model("meetings", "MeetingEvent").objects.all()
        assert {e.committee_id for e in events} == {committee.pk}
        assert dbguard.installed_triggers(connection) >= dbguard.expected_triggers(connection)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
