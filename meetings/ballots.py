"""Where ballots enter: every input rule of SCORING.md, checked in one place."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from appraisal.models import Grade
from meetings.models import Ballot, BallotReceipt, Reporter, ScoringState, Seat

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


class AlreadyReceived(Exception):
    """A ballot id this seat sent before: the answer is the receipt it got then."""

    def __init__(self, receipt: BallotReceipt):
        super().__init__(receipt.receipt)
        self.receipt = receipt


def cast_ballot(seat: Seat, reporter: Reporter, data: BallotInput, ballot_id=None) -> Ballot:
    """Store a seat's ballot for a reporter whose scoring is open, replacing its earlier one.

    Every ballot id gets a BallotReceipt row in the same transaction, so a retried request is
    answered from it and never stores anything twice (AlreadyReceived).
    """
    candidate = build_ballot(seat, reporter, data, ballot_id)
    with transaction.atomic():
        # The check that scoring is open happens under the reporter's lock, in the transaction
        # that stores: closing scoring and a late ballot never pass each other.
        current = Reporter.objects.select_for_update().get(pk=reporter.pk)
        if current.scoring != ScoringState.OPEN:
            raise ScoringNotOpen(_("Scoring for %(org)s is not open.") % {"org": reporter})
        # A paper ballot staff typed in is replaced only by their decision, never silently.
        if Ballot.objects.filter(seat=seat, reporter=reporter, paper=True).exists():
            raise ScoringNotOpen(
                _("A paper ballot of this seat for %(org)s counts already; ask the staff.")
                % {"org": reporter}
            )
        try:
            with transaction.atomic():
                BallotReceipt.objects.create(
                    ballot_id=candidate.ballot_id,
                    seat=seat,
                    reporter=reporter,
                    receipt=candidate.receipt,
                )
        except IntegrityError as exc:  # the same id arrived meanwhile
            earlier = BallotReceipt.objects.filter(ballot_id=candidate.ballot_id).first()
            if earlier is not None and earlier.seat_id == seat.pk:
                raise AlreadyReceived(earlier) from exc
            raise BallotRejected({"ballot_id": _("This ballot id is already used.")}) from exc
        fields = {
            f: getattr(candidate, f) for f in ("ballot_id", "receipt", "scores", "grade", "opinion")
        }
        try:
            ballot, _created = Ballot.objects.update_or_create(
                seat=seat, reporter=reporter, defaults={**fields, "paper": False}
            )
        except IntegrityError as exc:  # a ballot_id reused for another seat or reporter
            raise BallotRejected({"ballot_id": _("This ballot id is already used.")}) from exc
        reporter.meeting.scheme.freeze()
    return ballot


# The evaluator's interface (SCORING.md): one JSON ballot from a seat link -----------------


@dataclass(frozen=True)
class Received:
    """The answer to a ballot sent through the evaluator's interface."""

    ballot_id: str
    receipt: str


def parse_ballot_id(raw) -> uuid.UUID:
    """The client's ballot id as a UUID, or BallotRejected."""
    try:
        if not isinstance(raw, str):
            raise ValueError
        return uuid.UUID(raw.strip())
    except ValueError:
        raise BallotRejected(
            {
                "ballot_id": _("Send a ballot id made by the client, a UUID such as %(example)s.")
                % {"example": "0b8e6a7e-2f4b-4c1e-9a55-3f2d6a1c9e20"}
            }
        ) from None


def earlier_receipt(seat: Seat, ballot_id: uuid.UUID) -> Received | None:
    """The receipt this seat got for `ballot_id` before; BallotRejected if another seat used it."""
    known = BallotReceipt.objects.filter(ballot_id=ballot_id).first()
    if known is None:
        # Ballots stored without a receipt row (bundle import, paper) keep their ids too.
        stored = (
            Ballot.objects.filter(ballot_id=ballot_id)
            .order_by("pk")  # not Meta.ordering: that joins seat and reporter on a hot path
            .only("seat_id", "receipt")
            .first()
        )
        if stored is None:
            return None
        known = stored
    if known.seat_id != seat.pk:
        raise BallotRejected({"ballot_id": _("This ballot id is already used.")})
    return Received(str(ballot_id), known.receipt)


def ballot_input(payload: dict) -> BallotInput:
    """The ballot's fields as BallotInput; BallotRejected for fields of the wrong type."""
    scores, grade, opinion = payload.get("scores"), payload.get("grade"), payload.get("opinion")
    errors = {}
    if scores is not None and not isinstance(scores, dict):
        errors["scores"] = _("Scores must be an object of indicator codes and scores.")
    if grade is not None and not isinstance(grade, str):
        errors["grade"] = _("Unknown grade “%(grade)s”; use 好, 较好, 一般 or 差.") % {
            "grade": grade
        }
    if opinion is not None and not isinstance(opinion, str):
        errors["opinion"] = _("The opinion must be text.")
    if errors:
        raise BallotRejected(errors)
    return BallotInput(scores=scores or None, grade=grade or None, opinion=opinion or "")


def receive_ballot(seat: Seat, payload) -> Received:
    """One ballot of the evaluator's interface, checked in the contract's order.

    The id first (a retry gets its first answer, whatever changed since), then the reporter,
    then whether scoring is open (ScoringNotOpen), then every input rule (BallotRejected).
    """
    if not isinstance(payload, dict):
        raise BallotRejected({"json": _("Send the ballot as one JSON object.")})
    ballot_id = parse_ballot_id(payload.get("ballot_id"))
    earlier = earlier_receipt(seat, ballot_id)
    if earlier is not None:
        return earlier
    org = payload.get("org")
    reporter = (
        Reporter.objects.filter(meeting_id=seat.meeting_id, organization__code=org)
        .select_related("organization", "meeting__scheme")
        .first()
        if isinstance(org, str)
        else None
    )
    if reporter is None:
        raise BallotRejected(
            {"org": _("“%(org)s” is not a reporter of this meeting.") % {"org": org}}
        )
    if reporter.scoring != ScoringState.OPEN:
        raise ScoringNotOpen(not_open_message(reporter))
    try:
        ballot = cast_ballot(seat, reporter, ballot_input(payload), ballot_id)
    except AlreadyReceived as replay:
        return Received(str(ballot_id), replay.receipt.receipt)
    except ScoringNotOpen:
        raise ScoringNotOpen(not_open_message(reporter)) from None
    return Received(str(ballot.ballot_id), ballot.receipt)


def not_open_message(reporter: Reporter) -> str:
    """Why a ballot for `reporter` is refused, in words the evaluator understands."""
    reporter.refresh_from_db(fields=["scoring"])
    if reporter.scoring == ScoringState.CLOSED:
        return _("Scoring for %(org)s has closed: this ballot was not counted.") % {
            "org": reporter.organization.name
        }
    return _("Scoring for %(org)s has not opened yet: this ballot was not counted.") % {
        "org": reporter.organization.name
    }
