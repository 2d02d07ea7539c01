"""The rows every after-meeting format is built from: pages, PDF and Excel read the same rows.

Rows are frozen dataclasses of plain values (str, int, Decimal, date, None), never model
instances, so every format shows the same thing. Results come from `meeting_results` only;
practice reporters (试评) never appear.
"""

from __future__ import annotations

import random
import secrets
from collections import Counter
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext as _

from appraisal import scoring
from meetings.models import Ballot, Comment, Meeting, RectificationItem, Reporter, Stage
from meetings.results import ResultRow, meeting_results

NO_GRADE = "无"  # grade_counts key for reporters without a grade
# In an anonymous meeting no breakdown shows a group with fewer ballots than this.
SMALL_GROUP = 5
SAME_SCORES, SAME_GRADE = "same_scores", "same_grade"
SAME_SCORES_FROM = 2  # indicator ballots from one seat before its scores may look careless
SAME_GRADE_FROM = 3  # grades from one seat before they may look careless


@dataclass(frozen=True)
class Overview:
    title: str
    year: int
    date: date | None
    venue: str
    anonymous: bool
    stage: str
    scheme_name: str
    parts: tuple[Decimal, Decimal, Decimal]
    reporters: int
    seats: int
    ballots: int
    grade_counts: dict[str, int]
    official: bool


@dataclass(frozen=True)
class RankingRow:
    order: int
    org_code: str
    org_name: str
    org_kind: str
    secretary: str
    indicators: Decimal | None
    grades: Decimal | None
    daily: Decimal | None
    composite: Decimal | None
    grade: str | None
    rank: int | None
    good_rate: Decimal | None
    bad_share: Decimal | None
    flags: tuple[str, ...]
    flag_labels: tuple[str, ...]
    indicator_ballots: int
    grade_ballots: int
    grade_counts: dict[str, int]
    stdev: Decimal | None
    spread: Decimal | None
    previous_rank: int | None
    previous_grade: str | None
    rank_change: int | None


@dataclass(frozen=True)
class IndicatorRow:
    org_code: str
    org_name: str
    averages: dict[str, Decimal | None]


@dataclass(frozen=True)
class BallotRow:
    seat: str
    group: str
    org_code: str
    org_name: str
    scores: dict[str, Decimal]
    total: Decimal | None
    grade: str | None
    opinion: str


@dataclass(frozen=True)
class CarelessSeat:
    seat: str
    group: str
    kind: str
    label: str


@dataclass(frozen=True)
class ItemRow:
    id: int
    org_code: str
    org_name: str
    problem: str
    source: str
    measures: str
    owner: str
    deadline: date | None
    status: str
    overdue: bool
    progress: str
    came_back: bool


@dataclass(frozen=True)
class CommentRow:
    org_code: str
    author: str
    text: str


def _stage_official(stage: str) -> bool:
    return stage in (Stage.CLOSED, Stage.PUBLISHED)


def overview(meeting: Meeting, *, results: list[ResultRow] | None = None) -> Overview:
    """The meeting at a glance: what, when, how many, and how the grades fell.

    `results` (here and below) may pass `meeting_results(meeting)` computed once already."""
    results = meeting_results(meeting) if results is None else results
    counts = dict.fromkeys((*scoring.GRADES, NO_GRADE), 0)
    for row in results:
        counts[row.result.grade or NO_GRADE] += 1
    scheme = meeting.scheme
    ballots = Ballot.objects.for_meeting(meeting).filter(reporter__rehearsal=False)
    return Overview(
        title=meeting.title,
        year=meeting.year,
        date=meeting.date,
        venue=meeting.venue,
        anonymous=meeting.anonymous,
        stage=str(Stage(meeting.stage).label),
        scheme_name=scheme.name,
        parts=(scheme.part_indicators, scheme.part_grades, scheme.part_daily),
        reporters=len(results),
        seats=meeting.seats.count(),
        ballots=ballots.count(),
        grade_counts=counts,
        official=_stage_official(meeting.stage),
    )


def flag_label(flag: str) -> str:
    """A scoring flag in words."""
    labels = {
        scoring.FLAG_INCOMPLETE: _("incomplete"),
        scoring.FLAG_VETOED: _("vetoed"),
        scoring.FLAG_BAD_SHARE: _("many 差 votes"),
        scoring.FLAG_FEW_BALLOTS: _("few ballots"),
    }
    return labels.get(flag, flag)


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The committee's latest meeting with official results in an earlier year."""
    earlier = Meeting.objects.filter(
        committee_id=meeting.committee_id,
        stage__in=(Stage.CLOSED, Stage.PUBLISHED),
        year__lt=meeting.year,
    )
    return earlier.select_related("scheme").order_by("-year", "-date", "-id").first()


def _ballot_totals(meeting: Meeting) -> dict[int, list]:
    """Exact T_b of every indicator ballot, per reporter id (practice reporters left out)."""
    scheme = meeting.scheme.to_def()
    rows = Ballot.objects.for_meeting(meeting).filter(reporter__rehearsal=False)
    totals: dict[int, list] = {}
    for reporter_id, scores in rows.values_list("reporter_id", "scores").iterator(2000):
        if scores:
            parsed = {code: Decimal(value) for code, value in scores.items()}
            totals.setdefault(reporter_id, []).append(scoring.ballot_total(scheme, parsed))
    return totals


def ranking_rows(meeting: Meeting, *, results: list[ResultRow] | None = None) -> list[RankingRow]:
    """The ranking table in display order (ranked first), with dispersion and last time's rank."""
    totals = _ballot_totals(meeting)
    before = previous_meeting(meeting)
    earlier = {}
    if before is not None:
        earlier = {
            r.reporter.organization_id: (r.result.rank, r.result.grade)
            for r in meeting_results(before)
        }
    rows = []
    for row in meeting_results(meeting) if results is None else results:
        reporter, result = row.reporter, row.result
        stdev, spread = scoring.dispersion(totals.get(reporter.pk, ()))
        previous_rank, previous_grade = earlier.get(reporter.organization_id, (None, None))
        change = None
        if previous_rank is not None and result.rank is not None:
            change = previous_rank - result.rank
        rows.append(
            RankingRow(
                order=reporter.order,
                org_code=reporter.organization.code,
                org_name=reporter.organization.name,
                org_kind=str(reporter.organization.get_kind_display()),
                secretary=_secretary(reporter),
                indicators=result.indicators,
                grades=result.grades,
                daily=result.daily,
                composite=result.composite,
                grade=result.grade,
                rank=result.rank,
                good_rate=result.good_rate,
                bad_share=result.bad_share,
                flags=tuple(result.flags),
                flag_labels=tuple(flag_label(f) for f in result.flags),
                indicator_ballots=result.indicator_ballots,
                grade_ballots=result.grade_ballots,
                grade_counts=dict(result.grade_counts),
                stdev=stdev,
                spread=spread,
                previous_rank=previous_rank,
                previous_grade=previous_grade,
                rank_change=change,
            )
        )
    return rows


def _secretary(reporter: Reporter) -> str:
    """The name as it was at the meeting, else the roster's."""
    if reporter.secretary_name:
        return reporter.secretary_name
    return reporter.secretary.name if reporter.secretary else ""


def indicator_columns(meeting: Meeting) -> list[tuple[str, str, Decimal]]:
    """(code, name, max points) of each indicator, in scheme order."""
    return [(i.code, i.name, i.max_points) for i in meeting.scheme.indicators.all()]


def indicator_rows(
    meeting: Meeting, *, results: list[ResultRow] | None = None
) -> list[IndicatorRow]:
    """Each reporter's plain mean per indicator (2 dp; None without indicator ballots)."""
    codes = [code for code, _name, _max in indicator_columns(meeting)]
    return [
        IndicatorRow(
            org_code=row.reporter.organization.code,
            org_name=row.reporter.organization.name,
            averages={code: row.result.indicator_averages.get(code) for code in codes},
        )
        for row in (meeting_results(meeting) if results is None else results)
    ]


def ballot_rows(meeting: Meeting, *, shuffle: random.Random | None = None) -> list[BallotRow]:
    """Every ballot, anonymised: seat codes only, no times or ids, rows in random order.

    `shuffle` is the random source (a seeded `random.Random` in tests); by default the
    system's, so the order says nothing about who voted when."""
    scheme = meeting.scheme.to_def()
    codes = [i.code for i in scheme.indicators]
    ballots = Ballot.objects.for_meeting(meeting).filter(reporter__rehearsal=False)
    fields = ("seat__code", "seat__group__code", "reporter__organization__code")
    fields += ("reporter__organization__name", "scores", "grade", "opinion")
    rows = []
    for seat, group, org_code, org_name, raw, grade, opinion in (
        ballots.order_by("reporter__order", "seat__code").values_list(*fields).iterator(2000)
    ):
        scores = {c: Decimal(raw[c]) for c in codes if c in raw}
        total = scoring.round_score(scoring.ballot_total(scheme, scores)) if scores else None
        rows.append(
            BallotRow(seat, group, org_code, org_name, scores, total, grade or None, opinion)
        )
    if meeting.anonymous:
        rows = without_small_groups(rows)
    (shuffle or secrets.SystemRandom()).shuffle(rows)
    return rows


def without_small_groups(rows: list[BallotRow]) -> list[BallotRow]:
    """Rows whose group gave a reporter fewer than SMALL_GROUP ballots lose the group and the
    seat code (which may name the group): a handful of ballots from one small group comes too
    close to single persons."""
    sizes = Counter((row.org_code, row.group) for row in rows)
    return [
        row if sizes[row.org_code, row.group] >= SMALL_GROUP else replace(row, group="", seat="")
        for row in rows
    ]


def careless_seats(meeting: Meeting) -> list[CarelessSeat]:
    """Seats whose answers do not vary: the same score everywhere for ≥ 2 reporters, or the
    same grade for everyone (≥ 3 grades), in seat-code order."""
    maxima = {code: points for code, _name, points in indicator_columns(meeting)}
    ballots = Ballot.objects.for_meeting(meeting).filter(reporter__rehearsal=False)
    by_seat: dict[tuple[str, str], tuple[list, list]] = {}
    rows = ballots.values_list("seat__code", "seat__group__code", "scores", "grade")
    for seat, group, scores, grade in rows.order_by("seat__code").iterator(2000):
        scored, graded = by_seat.setdefault((seat, group), ([], []))
        if scores:
            scored.append({code: Decimal(value) for code, value in scores.items()})
        if grade:
            graded.append(grade)
    found = []
    for (seat, group), (scored, graded) in by_seat.items():
        if scoring.straight_lined(scored, at_least=SAME_SCORES_FROM, maxima=maxima):
            label = _("The same score on every indicator for all %(n)d reporters it scored.")
            found.append(CarelessSeat(seat, group, SAME_SCORES, label % {"n": len(scored)}))
        if scoring.straight_lined(graded, at_least=SAME_GRADE_FROM):
            label = _("The same grade “%(grade)s” for all %(n)d reporters.")
            text = label % {"grade": graded[0], "n": len(graded)}
            found.append(CarelessSeat(seat, group, SAME_GRADE, text))
    return found


def item_rows(meeting=None, *, organization=None, items=None) -> list[ItemRow]:
    """Rectification items as rows: a meeting's, an organization's, or the given queryset's."""
    if items is None:
        items = RectificationItem.objects.all()
        if meeting is not None:
            items = items.filter(meeting=meeting)
        if organization is not None:
            items = items.filter(organization=organization)
    items = items.select_related("organization").prefetch_related("progress")
    today = timezone.localdate()
    rows = []
    for item in items:
        notes = list(item.progress.all())
        rows.append(
            ItemRow(
                id=item.pk,
                org_code=item.organization.code,
                org_name=item.organization.name,
                problem=item.problem,
                source=str(item.get_source_display()),
                measures=item.measures,
                owner=item.owner,
                deadline=item.deadline,
                status=str(item.get_status_display()),
                overdue=item.is_overdue(today),
                progress=notes[-1].note if notes else "",
                came_back=item.previous_item_id is not None,
            )
        )
    return rows


def comment_rows(meeting: Meeting) -> list[CommentRow]:
    """Leaders' comments on the meeting's reporters, in agenda order."""
    comments = Comment.objects.filter(reporter__meeting=meeting, reporter__rehearsal=False)
    comments = comments.order_by("reporter__order", "created_at", "id")
    return [
        CommentRow(org_code=code, author=author, text=text)
        for code, author, text in comments.values_list(
            "reporter__organization__code", "author", "text"
        )
    ]


def org_history(organization) -> list[tuple[int, str, int | None, str | None, Decimal | None]]:
    """(year, meeting title, rank, grade, composite) in each of the committee's meetings with
    official results where the organization reported, oldest first."""
    meetings = Meeting.objects.filter(
        committee_id=organization.committee_id,
        stage__in=(Stage.CLOSED, Stage.PUBLISHED),
        reporters__organization=organization,
        reporters__rehearsal=False,
    )
    history = []
    for meeting in meetings.select_related("scheme").order_by("year", "date", "id").distinct():
        for row in meeting_results(meeting):
            if row.reporter.organization_id == organization.pk:
                result = row.result
                history.append(
                    (meeting.year, meeting.title, result.rank, result.grade, result.composite)
                )
    return history
