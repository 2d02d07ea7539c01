"""Plain factories for tests: each makes one object with sensible defaults."""

from __future__ import annotations

import itertools
from decimal import Decimal

from django.contrib.auth import get_user_model

from appraisal.models import (
    Committee,
    EvaluatorGroup,
    Indicator,
    Organization,
    OrgKind,
    Scheme,
    Secretary,
    StaffProfile,
)
from meetings.ballots import BallotInput, build_ballot
from meetings.models import Ballot, Meeting, Reporter, Seat

_seq = itertools.count(1)
PASSWORD = "correct-horse-battery"


def make_committee(code: str | None = None, name: str | None = None, parent=None) -> Committee:
    n = next(_seq)
    return Committee.objects.create(
        code=code or f"C{n}", name=name or f"测试区委{n}", parent=parent
    )


def make_staff(committee: Committee | None = None, username: str | None = None, **extra):
    committee = committee or make_committee()
    user = get_user_model().objects.create_user(
        username=username or f"staff{next(_seq)}", password=PASSWORD, **extra
    )
    StaffProfile.objects.create(user=user, committee=committee)
    return user


def make_user(username: str | None = None, **extra):
    return get_user_model().objects.create_user(
        username=username or f"user{next(_seq)}", password=PASSWORD, **extra
    )


def make_org(committee: Committee, code: str | None = None, name: str | None = None, **extra):
    n = next(_seq)
    extra.setdefault("kind", OrgKind.COMMUNITY)
    return Organization.objects.create(
        committee=committee, code=code or f"O{n}", name=name or f"测试社区党委{n}", **extra
    )


def make_secretary(org: Organization, name: str = "张明", **extra) -> Secretary:
    return Secretary.objects.create(organization=org, name=name, **extra)


def make_scheme(
    committee: Committee,
    indicators=(("ZZ", "政治建设", "20"), ("ZD", "组织建设", "30"), ("ZF", "作风建设", "50")),
    groups=(("LD", "区委领导", "0.4"), ("BM", "部门负责人", "0.3"), ("DB", "代表", "0.3")),
    **fields,
) -> Scheme:
    scheme = Scheme.objects.create(
        committee=committee, name=fields.pop("name", "测试方案"), **fields
    )
    for order, (code, name, points) in enumerate(indicators):
        Indicator.objects.create(
            scheme=scheme, code=code, name=name, max_points=Decimal(points), order=order
        )
    for order, (code, name, weight) in enumerate(groups):
        EvaluatorGroup.objects.create(
            scheme=scheme, code=code, name=name, weight=Decimal(weight), order=order
        )
    return scheme


def make_meeting(committee: Committee, scheme: Scheme | None = None, **fields) -> Meeting:
    fields.setdefault("title", "2025年度党组织书记抓基层党建工作述职评议会")
    fields.setdefault("year", 2025)
    return Meeting.objects.create(
        committee=committee, scheme=scheme or make_scheme(committee), **fields
    )


def make_reporter(meeting: Meeting, org: Organization | None = None, **fields) -> Reporter:
    org = org or make_org(meeting.committee)
    fields.setdefault("order", meeting.reporters.count() + 1)
    fields.setdefault("secretary_name", "张明")
    return Reporter.objects.create(meeting=meeting, organization=org, **fields)


def make_seat(meeting: Meeting, group_code: str | None = None, **fields) -> Seat:
    groups = meeting.scheme.groups.all()
    group = groups.get(code=group_code) if group_code else groups.first()
    fields.setdefault("code", f"S{next(_seq):04d}")
    return Seat.objects.create(meeting=meeting, group=group, **fields)


def make_ballot(seat: Seat, reporter: Reporter, scores=None, grade=None, opinion="") -> Ballot:
    """Stores a valid ballot directly (scoring need not be open), after every input check."""
    ballot = build_ballot(seat, reporter, BallotInput(scores=scores, grade=grade, opinion=opinion))
    ballot.submitted_at = Ballot.stamp(reporter.meeting)
    ballot.save()
    return ballot
