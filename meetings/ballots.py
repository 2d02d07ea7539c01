"""Where ballots enter: every input rule of SCORING.md, checked in one place."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from appraisal.models import Grade
from meetings.models import Ballot, Reporter, ScoringState, Seat

OPINION_MAX = 500


class BallotRejected(Exception):
    """A ballot that breaks an input rule; `errors` maps each field to a message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class ScoringNotOpen(Exception):
    """A ballot for a reporter whose scoring is not open."""


def parse_score(raw) -> Decimal | None:
    """A score as an exact Decimal with at most two decimals, or None if it is not one."""
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        return None
    try:
        value = Decimal(str(raw).strip())
    except InvalidOperation:
        return None
    if not value.is_finite() or value.as_tuple().exponent < -2:
        return None
    return value


def check_scores(indicators, scores) -> tuple[dict[str, Decimal], dict[str, str]]:
    """Parse and range-check one ballot's indicator scores against the scheme's indicators."""
    if not isinstance(scores, dict):
        return {}, {"scores": _("Scores must be an object of indicator codes and scores.")}
    known = {i.code: i for i in indicators}
    errors = {
        f"scores.{code}": _("Unknown indicator “%(code)s”.") % {"code": code}
        for code in scores
        if code not in known
    }
    parsed = {}
    for code, indicator in known.items():
        if code not in scores:
            errors[f"scores.{code}"] = _("Missing the score for “%(name)s”.") % {
                "name": indicator.name
            }
            continue
        value = parse_score(scores[code])
        if value is None or not 0 <= value <= indicator.max_points:
            errors[f"scores.{code}"] = _(
                "“%(name)s” takes a number from 0 to %(max)s with at most two decimals."
            ) % {"name": indicator.name, "max": indicator.max_points}
        else:
            parsed[code] = value
    return parsed, errors


@dataclass(frozen=True)
class BallotInput:
    """A ballot as it arrives, from a page, the evaluator interface or a bundle."""

    scores: dict | None = None
    grade: str | None = None
    opinion: str = ""


def validate_ballot(seat: Seat, reporter: Reporter, data: BallotInput) -> dict[str, Decimal]:
    """Check every input rule; return the parsed scores or raise BallotRejected."""
    scheme = reporter.meeting.scheme
    errors: dict[str, str] = {}
    if seat.meeting_id != reporter.meeting_id:
        errors["seat"] = _("This seat belongs to another meeting.")
    if seat.organization_id and seat.organization_id == reporter.organization_id:
        errors["org"] = _("A seat never scores its own organization’s reporter.")
    parsed: dict[str, Decimal] = {}
    if data.scores:
        parsed, score_errors = check_scores(list(scheme.indicators.all()), data.scores)
        errors.update(score_errors)
    if data.grade and data.grade not in Grade.values:
        errors["grade"] = _("Unknown grade “%(grade)s”; use 好, 较好, 一般 or 差.") % {
            "grade": data.grade
        }
    if not data.scores and not data.grade:
        errors["ballot"] = _("A ballot needs indicator scores, a grade, or both.")
    if len(data.opinion or "") > OPINION_MAX:
        errors["opinion"] = _("The opinion may have at most %(n)d characters.") % {"n": OPINION_MAX}
    if errors:
        raise BallotRejected(errors)
    return parsed


def build_ballot(seat: Seat, reporter: Reporter, data: BallotInput, ballot_id=None) -> Ballot:
    """A validated, unsaved ballot (for bulk storage by the bundle import)."""
    parsed = validate_ballot(seat, reporter, data)
    return Ballot(
        seat=seat,
        reporter=reporter,
        ballot_id=ballot_id or uuid.uuid4(),
        scores={code: str(value) for code, value in parsed.items()},
        grade=data.grade or "",
        opinion=(data.opinion or "").strip(),
    )


def cast_ballot(seat: Seat, reporter: Reporter, data: BallotInput, ballot_id=None) -> Ballot:
    """Store a seat's ballot for a reporter whose scoring is open, replacing its earlier one."""
    candidate = build_ballot(seat, reporter, data, ballot_id)
    with transaction.atomic():
        current = Reporter.objects.select_for_update().get(pk=reporter.pk)
        if current.scoring != ScoringState.OPEN:
            raise ScoringNotOpen(_("Scoring for %(org)s is not open.") % {"org": reporter})
        fields = {
            f: getattr(candidate, f) for f in ("ballot_id", "receipt", "scores", "grade", "opinion")
        }
        try:
            ballot, _created = Ballot.objects.update_or_create(
                seat=seat, reporter=reporter, defaults=fields
            )
        except IntegrityError as exc:  # a ballot_id reused for another seat or reporter
            raise BallotRejected({"ballot_id": _("This ballot id is already used.")}) from exc
        reporter.meeting.scheme.freeze()
    return ballot
