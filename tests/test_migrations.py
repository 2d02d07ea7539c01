"""Upgrading a database that already holds meetings. Migration 0005 keeps every ballot, gives
it a random key, keeps named meetings' times, and gives every history row its committee;
0006 makes the key SQLite's rowid and keeps receipts only for ballot ids replaced since."""

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


def committee_with_scheme(apps):
    """A committee, its scheme and one evaluator group, in the models of an older state."""
    committee = apps.get_model("appraisal", "Committee").objects.create(code="DC", name="区委")
    scheme = apps.get_model("appraisal", "Scheme").objects.create(committee=committee, name="方案")
    group = apps.get_model("appraisal", "EvaluatorGroup").objects.create(
        scheme=scheme, code="LD", name="领导", weight=1, order=1
    )
    return committee, scheme, group


def test_0005_upgrades_a_database_with_ballots_and_history():
    old = migrate(BEFORE)
    try:
        committee, scheme, group = committee_with_scheme(old)
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


def test_0006_keeps_every_ballot_and_only_the_receipts_of_replaced_ballot_ids():
    old = migrate([("meetings", "0005_audit_and_anonymity")])
    try:
        committee, scheme, group = committee_with_scheme(old)
        meeting = old.get_model("meetings", "Meeting").objects.create(
            committee=committee, scheme=scheme, title="m", year=2025, anonymous=True
        )
        org = old.get_model("appraisal", "Organization").objects.create(
            committee=committee, code="O1", name="组织", kind="社区"
        )
        reporter = old.get_model("meetings", "Reporter").objects.create(
            meeting=meeting, organization=org, order=1
        )
        Receipt = old.get_model("meetings", "BallotReceipt")
        counted, replaced = {}, {}
        for n in range(3):
            seat = old.get_model("meetings", "Seat").objects.create(
                meeting=meeting, code=f"LD{n}", group=group
            )
            ballot = old.get_model("meetings", "Ballot").objects.create(
                seat=seat, reporter=reporter, ballot_id=uuid.uuid4(), receipt=f"N{n}", grade="好"
            )
            counted[ballot.pk] = ballot.ballot_id
            earlier = uuid.uuid4()  # an id the seat sent before this ballot replaced it
            replaced[earlier] = f"E{n}"
            for ballot_id, receipt in ((ballot.ballot_id, f"N{n}"), (earlier, f"E{n}")):
                Receipt.objects.create(
                    ballot_id=ballot_id, seat=seat, reporter=reporter, receipt=receipt
                )

        new = migrate([("meetings", "0006_random_keys_as_rowid")])
        # On SQLite the table rebuild drops the guard triggers; `migrate` puts them back
        # after every run (post_migrate), which running the executor directly does not.
        dbguard.ensure_triggers(using=connection.alias)
        Ballot = new.get_model("meetings", "Ballot")
        assert dict(Ballot.objects.values_list("pk", "ballot_id")) == counted
        Receipt = new.get_model("meetings", "BallotReceipt")
        assert dict(Receipt.objects.values_list("ballot_id", "receipt")) == replaced
        if connection.vendor == "sqlite":  # the random key is the rowid: no hidden counter
            with connection.cursor() as cursor:
                cursor.execute("SELECT rowid, id FROM meetings_ballot")
                assert all(rowid == key for rowid, key in cursor.fetchall())
        assert dbguard.installed_triggers(connection) >= dbguard.expected_triggers(connection)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
