"""The meetings app's models, one module per concern."""

from meetings.models.core import (
    STAGE_MOVES,
    Ballot,
    BallotReceipt,
    EventAction,
    Meeting,
    MeetingEvent,
    Reporter,
    ScoringState,
    Seat,
    Stage,
    StageError,
    new_receipt,
)
from meetings.models.items import (
    ItemEvent,
    ItemProgress,
    ItemStatus,
    ProblemSource,
    RectificationItem,
    ReminderKind,
    ReminderSent,
)
from meetings.models.notes import (
    Comment,
    CommenterLink,
    DutyReport,
    Question,
    private_storage,
)
from meetings.models.paper import PaperDecision, PaperEntry

__all__ = [
    "STAGE_MOVES",
    "Ballot",
    "BallotReceipt",
    "Comment",
    "CommenterLink",
    "DutyReport",
    "EventAction",
    "ItemEvent",
    "ItemProgress",
    "ItemStatus",
    "Meeting",
    "MeetingEvent",
    "PaperDecision",
    "PaperEntry",
    "ProblemSource",
    "Question",
    "RectificationItem",
    "ReminderKind",
    "ReminderSent",
    "Reporter",
    "ScoringState",
    "Seat",
    "Stage",
    "StageError",
    "new_receipt",
    "private_storage",
]
