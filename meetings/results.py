"""A meeting's results: stored ballots handed to the pure scoring rules, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from appraisal import scoring
from meetings.models import Ballot, Meeting, Reporter


@dataclass(frozen=True)
class ResultRow:
    """One reporter's result with the reporter it belongs to."""

    reporter: Reporter
    result: scoring.Result


def scoring_inputs(meeting: Meeting) -> tuple[list[scoring.ReporterIn], list[scoring.BallotIn]]:
    """The meeting's reporters and ballots in the shape the scoring rules take.

    Practice reporters (试评) and their ballots never count."""
    reporters = [
        scoring.ReporterIn(key=str(r.pk), daily=r.daily, vetoed=r.vetoed)
        for r in meeting.reporters.real()
    ]
    rows = Ballot.objects.for_meeting(meeting).filter(reporter__rehearsal=False)
    rows = rows.values_list("reporter_id", "seat__group__code", "seat__code", "scores", "grade")
    ballots = [
        scoring.BallotIn(
            reporter=str(reporter_id),
            group=group,
            seat=seat,
            scores={code: Decimal(value) for code, value in scores.items()} or None,
            grade=grade or None,
        )
        for reporter_id, group, seat, scores, grade in rows.iterator(chunk_size=2000)
    ]
    return reporters, ballots


def meeting_results(meeting: Meeting) -> list[ResultRow]:
    """Every reporter's result, in display order (ranked first), from every stored ballot."""
    reporters, ballots = scoring_inputs(meeting)
    real = meeting.reporters.real().select_related("organization", "secretary")
    by_key = {str(r.pk): r for r in real}
    results = scoring.compute_results(meeting.scheme.to_def(), reporters, ballots)
    return [ResultRow(reporter=by_key[r.key], result=r) for r in results]
