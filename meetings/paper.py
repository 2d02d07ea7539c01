"""Paper ballots typed in by staff: checked like online ballots, typed twice when anonymous,
and never replacing a stored ballot without a recorded decision.

A *case* is the set of typings (PaperEntry rows) of one paper ballot: one seat, one reporter.
Open typings have no decision yet; when the case is settled every typing in it gets the
decision, so the rows keep the whole story (who typed what, who settled it).

The rules, in the order they apply:
- Named meeting: one valid typing is enough.
- Anonymous meeting: a paper ballot counts once two typings by two different staff members
  agree (same scores, grade and opinion). The same person may not type a case twice in a row.
  When typings differ they are all shown side by side; the next typing (by anyone but the
  last typist) is compared with every earlier one, and the first agreement settles the case.
- Settled, and no ballot stored for that seat and reporter: the paper ballot is stored.
  Settled while a ballot is stored (online, or an earlier paper one): staff decide which
  counts; nothing is replaced until they do.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from meetings.ballots import BallotInput, build_ballot, keep_receipt
from meetings.models import (
    Ballot,
    EventAction,
    Meeting,
    MeetingEvent,
    PaperDecision,
    PaperEntry,
    Reporter,
    Seat,
    Stage,
    new_receipt,
)


class PaperStatus(models.TextChoices):
    """Where a case stands; derived from its typings, never stored."""

    CHECK = "check", gettext_lazy("Awaiting a second typing")
    MISMATCH = "mismatch", gettext_lazy("Typings differ")
    DECIDE = "decide", gettext_lazy("Awaiting a decision")
    COUNTED = "counted", gettext_lazy("Settled")


class PaperRefused(Exception):
    """A paper entry or decision that is not allowed now; the message says why and what to do."""


def content_key(entry: PaperEntry) -> tuple:
    """What two typings must share to agree: scores compared as numbers ("18.5" = "18.50")."""
    scores = tuple(sorted((code, Decimal(value)) for code, value in entry.scores.items()))
    return scores, entry.grade, " ".join(entry.opinion.split())


@dataclass
class PaperCase:
    """The typings of one paper ballot (one seat, one reporter) and the ballot stored for it."""

    seat: Seat
    reporter: Reporter
    anonymous: bool
    entries: list[PaperEntry] = field(default_factory=list)  # oldest first
    ballot: Ballot | None = None

    @property
    def first(self) -> PaperEntry:
        return self.entries[0]

    @property
    def last(self) -> PaperEntry:
        return self.entries[-1]

    @property
    def is_open(self) -> bool:
        return not self.last.decision

    def agreed(self) -> PaperEntry | None:
        """The typing that settles the case, or None while typings disagree or await a check."""
        if not self.anonymous:
            return self.last
        for i, later in enumerate(self.entries):
            for earlier in self.entries[:i]:
                if earlier.entered_by_id != later.entered_by_id and content_key(
                    earlier
                ) == content_key(later):
                    return later
        return None

    @property
    def status(self) -> PaperStatus:
        if not self.is_open:
            return PaperStatus.COUNTED
        if self.agreed() is not None:
            return PaperStatus.DECIDE
        typists = {e.entered_by_id for e in self.entries}
        return PaperStatus.MISMATCH if len(typists) > 1 else PaperStatus.CHECK

    def differing(self) -> set[str]:
        """The fields whose typed values are not all the same: indicator codes, grade, opinion."""
        keys = {code for e in self.entries for code in e.scores} | {"grade", "opinion"}
        return {key for key in keys if len({typed_value(e, key) for e in self.entries}) > 1}


def typed_value(entry: PaperEntry, key: str):
    """One field of a typing as compared: a score as a number, text without spare spaces."""
    if key == "grade":
        return entry.grade
    if key == "opinion":
        return " ".join(entry.opinion.split())
    value = entry.scores.get(key)
    return None if value is None else Decimal(value)


def _entries(meeting: Meeting):
    return (
        PaperEntry.objects.filter(reporter__meeting=meeting)
        .select_related("seat", "reporter__organization", "entered_by", "decided_by")
        .order_by("entered_at", "id")
    )


def paper_cases(meeting: Meeting, *, seat_code: str = "") -> list[PaperCase]:
    """Every case of a meeting, by seat code and agenda order; settled typings of one seat and
    reporter form one case, open typings another."""
    entries = _entries(meeting)
    if seat_code:
        entries = entries.filter(seat__code__icontains=seat_code)
    cases: dict[tuple, PaperCase] = {}
    for entry in entries:
        key = (entry.seat_id, entry.reporter_id, not entry.decision)
        case = cases.setdefault(key, PaperCase(entry.seat, entry.reporter, meeting.anonymous))
        case.entries.append(entry)
    open_cases = [c for c in cases.values() if c.is_open]
    ballots = Ballot.objects.filter(
        reporter__meeting=meeting, seat_id__in={c.seat.pk for c in open_cases}
    )
    stored = {(b.seat_id, b.reporter_id): b for b in ballots}
    for case in open_cases:
        case.ballot = stored.get((case.seat.pk, case.reporter.pk))
    return sorted(cases.values(), key=lambda c: (c.seat.code, c.reporter.order, c.is_open))


def open_case(meeting: Meeting, seat: Seat, reporter: Reporter) -> PaperCase | None:
    """The typings of this seat and reporter that are not settled yet, or None."""
    entries = list(_entries(meeting).filter(seat=seat, reporter=reporter, decision=""))
    if not entries:
        return None
    return PaperCase(
        seat,
        reporter,
        meeting.anonymous,
        entries,
        Ballot.objects.filter(seat=seat, reporter=reporter).first(),
    )


def _check_not_published(meeting: Meeting) -> None:
    if Meeting.objects.filter(pk=meeting.pk, stage=Stage.PUBLISHED).exists():
        raise PaperRefused(
            _("Results are published: paper ballots can no longer be entered or decided.")
        )


def enter_paper(
    meeting: Meeting, seat: Seat, reporter: Reporter, data: BallotInput, *, by
) -> PaperCase:
    """Store one typing of a paper ballot and settle its case if the rules allow.

    Raises BallotRejected (the online input rules) or PaperRefused; either way nothing is stored.
    """
    if reporter.meeting_id != meeting.pk:
        raise PaperRefused(_("This reporter is not on this meeting’s agenda."))
    typed = build_ballot(seat, reporter, data)
    with transaction.atomic():
        # The same lock as an online ballot takes: a paper and an online ballot for one
        # reporter never pass each other.
        Reporter.objects.select_for_update().get(pk=reporter.pk)
        _check_not_published(meeting)
        case = open_case(meeting, seat, reporter)
        if case is not None and case.status == PaperStatus.DECIDE:
            raise PaperRefused(
                _(
                    "Seat %(seat)s already has a paper ballot for %(org)s waiting for a "
                    "decision: decide which ballot counts first, then type again if needed."
                )
                % {"seat": seat.code, "org": reporter.organization}
            )
        if meeting.anonymous and case is not None and case.last.entered_by_id == by.pk:
            raise PaperRefused(
                _(
                    "You typed the paper ballot of seat %(seat)s for %(org)s last: a different "
                    "colleague must type it again from the paper form."
                )
                % {"seat": seat.code, "org": reporter.organization}
            )
        PaperEntry.objects.create(
            seat=seat,
            reporter=reporter,
            scores=typed.scores,
            grade=typed.grade,
            opinion=typed.opinion,
            entered_by=by,
        )
        MeetingEvent.record(
            meeting,
            EventAction.PAPER_ENTERED,
            by=by,
            note=f"{seat.code} → {reporter.organization.code}",
        )
        case = open_case(meeting, seat, reporter)
        if case.status == PaperStatus.DECIDE and case.ballot is None:
            _settle(meeting, case, PaperDecision.PAPER, by=by)
    return case


def decide_paper(meeting: Meeting, seat: Seat, reporter: Reporter, choice: str, *, by) -> str:
    """Staff decide whether the paper ballot or the stored ballot counts; returns the choice."""
    if choice not in (PaperDecision.PAPER, PaperDecision.ONLINE):
        raise PaperRefused(_("Choose which ballot counts: the paper one or the stored one."))
    with transaction.atomic():
        Reporter.objects.select_for_update().get(pk=reporter.pk)
        _check_not_published(meeting)
        case = open_case(meeting, seat, reporter)
        if case is None or case.status != PaperStatus.DECIDE:
            raise PaperRefused(_("This paper ballot is not waiting for a decision."))
        _settle(meeting, case, choice, by=by)
    return choice


def _settle(meeting: Meeting, case: PaperCase, choice: str, *, by) -> None:
    """Count the agreed typing (or keep the stored ballot), close the case, log it."""
    if choice == PaperDecision.PAPER:
        agreed = case.agreed()
        counted = {
            "scores": agreed.scores,
            "grade": agreed.grade,
            "opinion": agreed.opinion,
            "paper": True,
            # A new ballot id and receipt: the seat's earlier receipt no longer names
            # the ballot that counts.
            "ballot_id": uuid.uuid4(),
            "receipt": new_receipt(),
            "submitted_at": Ballot.stamp(meeting),
        }
        if case.ballot is not None:
            # The replaced ballot's id keeps its receipt: a late retry of it changes nothing.
            keep_receipt(case.seat.pk, case.reporter.pk, case.ballot.ballot_id, case.ballot.receipt)
        Ballot.objects.update_or_create(seat=case.seat, reporter=case.reporter, defaults=counted)
        meeting.scheme.freeze()
    PaperEntry.objects.filter(pk__in=[e.pk for e in case.entries]).update(
        decision=choice, decided_by=by
    )
    for entry in case.entries:
        entry.decision, entry.decided_by = choice, by
    MeetingEvent.record(meeting, EventAction.PAPER_DECIDED, by=by, note=decision_note(case, choice))


def decision_note(case: PaperCase, choice: str) -> str:
    """The history line of a decision. Anonymous meetings name the seat by its code only,
    and no note ever carries scores."""
    seat = case.seat.code
    if not case.anonymous and case.seat.holder:
        seat = f"{seat} {case.seat.holder}"
    return f"{seat} → {case.reporter.organization.code}: {PaperDecision(choice).label}"
