"""The rectification loop (整改清单): every change to an item in one place.

Each change is one function in one transaction: it takes the acting user, locks the item,
checks the move, saves and writes an `ItemEvent` row (who, when, what). Views and the Excel
import call these functions and never assign a status themselves.

Who moves what:

- the secretary of the organization (or staff acting for them) writes progress notes and
  marks an item done (未开始/整改中 → 已完成); a first progress note starts it (→ 整改中);
- staff of the committee verify a done item and close it (已完成 → 已销号) with a note, or
  send it back (已完成/已销号 → 整改中) with a note saying what is missing. Staff cannot
  close an item nobody has marked done: closing is the check of a reported result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from appraisal.models import Organization
from appraisal.permissions import committee_ids
from meetings.models import (
    EventAction,
    ItemEvent,
    ItemProgress,
    ItemStatus,
    MeetingEvent,
    ProblemSource,
    RectificationItem,
)
from meetings.permissions_reports import user_secretary
from meetings.uploads import Document, stored_name

OPEN_STATUSES = (ItemStatus.NOT_STARTED, ItemStatus.IN_PROGRESS)
FINISHED_STATUSES = (ItemStatus.DONE, ItemStatus.CLOSED)
DUE_SOON_DAYS = 7
# The fields staff may edit; the status moves only through the functions below.
EDITABLE_FIELDS = ("problem", "source", "measures", "owner", "owner_email", "deadline")


class ItemAction:
    """The kinds of history rows, with their labels."""

    CREATED = "created"
    EDITED = "edited"
    PROGRESS = "progress"
    STARTED = "started"
    DONE = "done"
    CLOSED = "closed"
    SENT_BACK = "sent_back"
    LINKED = "linked"
    UNLINKED = "unlinked"

    LABELS = {
        CREATED: gettext_lazy("created"),
        EDITED: gettext_lazy("edited"),
        PROGRESS: gettext_lazy("progress reported"),
        STARTED: gettext_lazy("rectification started"),
        DONE: gettext_lazy("marked done"),
        CLOSED: gettext_lazy("verified and closed"),
        SENT_BACK: gettext_lazy("sent back"),
        LINKED: gettext_lazy("linked to an earlier item"),
        UNLINKED: gettext_lazy("link to an earlier item removed"),
    }


class ItemError(Exception):
    """A change that is not allowed now; the message says why, in words for the user."""


@dataclass(frozen=True)
class Move:
    sources: tuple[str, ...]
    target: str
    staff_only: bool
    action: str


MOVES = {
    "start": Move((ItemStatus.NOT_STARTED,), ItemStatus.IN_PROGRESS, False, ItemAction.STARTED),
    "done": Move(OPEN_STATUSES, ItemStatus.DONE, False, ItemAction.DONE),
    "close": Move((ItemStatus.DONE,), ItemStatus.CLOSED, True, ItemAction.CLOSED),
    "send_back": Move(FINISHED_STATUSES, ItemStatus.IN_PROGRESS, True, ItemAction.SENT_BACK),
}


# Who may


def is_item_staff(user, item: RectificationItem) -> bool:
    """Staff of the committee the item's organization belongs to."""
    return item.organization.committee_id in committee_ids(user)


def is_item_secretary(user, item: RectificationItem) -> bool:
    """The secretary in office of the item's organization."""
    secretary = user_secretary(user)
    return secretary is not None and secretary.organization_id == item.organization_id


def staff_items(user) -> QuerySet[RectificationItem]:
    """The items a staff member may see: those of their committees' organizations."""
    return RectificationItem.objects.filter(organization__committee_id__in=committee_ids(user))


def secretary_items(secretary) -> QuerySet[RectificationItem]:
    return RectificationItem.objects.filter(organization_id=secretary.organization_id)


def can_move(user, item: RectificationItem, name: str) -> bool:
    move = MOVES[name]
    if item.status not in move.sources:
        return False
    return is_item_staff(user, item) or (not move.staff_only and is_item_secretary(user, item))


# Reading


def due_state(item: RectificationItem, today: date | None = None) -> str:
    """Deadline colour: "overdue" (red), "due_soon" within 7 days (amber), "ok" (green),
    "finished", or "" for an open item without a deadline."""
    today = today or timezone.localdate()
    if item.status in FINISHED_STATUSES:
        return "finished"
    if item.deadline is None:
        return ""
    if item.is_overdue(today):
        return "overdue"
    if item.deadline is not None and item.deadline <= today + timedelta(days=DUE_SOON_DAYS):
        return "due_soon"
    return "ok"


def overdue_q(today: date) -> Q:
    return Q(deadline__lt=today, status__in=OPEN_STATUSES)


def due_soon_q(today: date) -> Q:
    return Q(
        deadline__gte=today,
        deadline__lte=today + timedelta(days=DUE_SOON_DAYS),
        status__in=OPEN_STATUSES,
    )


def similarity(a: str, b: str) -> float:
    """Share of characters in common (Dice coefficient on character bigrams, 0 to 1)."""
    pairs_a = {a[i : i + 2] for i in range(len(a) - 1)} or set(a)
    pairs_b = {b[i : i + 2] for i in range(len(b) - 1)} or set(b)
    if not pairs_a or not pairs_b:
        return 0.0
    return 2 * len(pairs_a & pairs_b) / (len(pairs_a) + len(pairs_b))


def earlier_items(item: RectificationItem) -> QuerySet[RectificationItem]:
    """Items of the same organization from an earlier meeting (or created before this one)."""
    items = RectificationItem.objects.filter(organization_id=item.organization_id).exclude(
        pk=item.pk
    )
    earlier = Q(created_at__lt=item.created_at)
    if item.meeting_id:
        year = item.meeting.year
        earlier = Q(meeting__year__lt=year) | (
            (Q(meeting__isnull=True) | Q(meeting__year=year)) & earlier
        )
    return items.filter(earlier).exclude(pk__in=later_links(item)).select_related("meeting")


def later_links(item: RectificationItem) -> set[int]:
    """Items that already point back to this one, directly or through others (no loops)."""
    found, frontier = set(), [item.pk]
    while frontier:
        frontier = list(
            RectificationItem.objects.filter(previous_item_id__in=frontier)
            .exclude(pk__in=found)
            .values_list("pk", flat=True)
        )
        found.update(frontier)
    return found


def suggest_previous(
    item: RectificationItem, limit: int = 5
) -> list[tuple[RectificationItem, int]]:
    """Earlier items most alike in text, as (item, percent similar), most alike first."""
    scored = [(other, similarity(item.problem, other.problem)) for other in earlier_items(item)]
    scored = [(other, score) for other, score in scored if score >= 0.2]
    scored.sort(key=lambda pair: (-pair[1], -pair[0].pk))
    return [(other, round(score * 100)) for other, score in scored[:limit]]


# Changing


def _locked(item: RectificationItem) -> RectificationItem:
    """The item read again under a row lock (a no-op on SQLite, whose writes are serial)."""
    return (
        RectificationItem.objects.select_for_update().select_related("organization").get(pk=item.pk)
    )


def _log(item, by, action: str, note: str = "", changes: dict | None = None) -> ItemEvent:
    return ItemEvent.objects.create(
        item=item, by=by, action=action, note=note, changes=changes or {}, at=timezone.now()
    )


def _shown(value) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


@transaction.atomic
def create_item(*, by, organization: Organization, meeting=None, comment=None, **fields):
    """A new item (未开始) with its "created" history row."""
    fields.setdefault("source", ProblemSource.OTHER)
    item = RectificationItem.objects.create(
        organization=organization, meeting=meeting, comment=comment, **fields
    )
    _log(item, by, ItemAction.CREATED)
    return item


@transaction.atomic
def edit_item(item: RectificationItem, *, by, **fields) -> dict[str, list[str]]:
    """Change the editable fields; the history row lists each field as [old, new]."""
    locked = _locked(item)
    changes = {}
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise ValueError(name)
        if getattr(locked, name) != value:
            changes[name] = [_shown(getattr(locked, name)), _shown(value)]
            setattr(locked, name, value)
    if changes:
        locked.save(update_fields=[*changes, "updated_at"])
        _log(locked, by, ItemAction.EDITED, changes=changes)
    _refresh(item, locked)
    return changes


def _move(item: RectificationItem, name: str, *, by, note: str = "") -> RectificationItem:
    """Apply one of MOVES to the locked item, or raise ItemError saying why not."""
    move = MOVES[name]
    if item.status not in move.sources:
        raise ItemError(
            _("This cannot be done while the item is “%(status)s”.")
            % {"status": item.get_status_display()}
        )
    if move.staff_only and not is_item_staff(by, item):
        raise ItemError(_("Only staff of the organization department can do this."))
    if not (is_item_staff(by, item) or is_item_secretary(by, item)):
        raise ItemError(_("You may not change this item."))
    old = item.status
    item.status = move.target
    item.save(update_fields=["status", "updated_at"])
    _log(item, by, move.action, note=note, changes={"status": [old, item.status]})
    MeetingEvent.objects.create(
        committee_id=item.organization.committee_id,
        meeting_id=item.meeting_id,
        action=EventAction.ITEM_STATUS,
        by=by,
        note=f"{item.organization.code} #{item.pk}: "
        f"{ItemStatus(old).label} → {item.get_status_display()}"[:200],
    )
    return item


def _refresh(item: RectificationItem, locked: RectificationItem) -> None:
    """Let the caller's instance see what was stored."""
    for name in (*EDITABLE_FIELDS, "status", "previous_item_id", "updated_at"):
        setattr(item, name, getattr(locked, name))


@transaction.atomic
def add_progress(
    item: RectificationItem,
    *,
    by,
    day: date,
    note: str,
    evidence: UploadedFile | None = None,
    document: Document | None = None,
) -> ItemProgress:
    """A progress note with its date and an optional checked evidence file; a first note on
    an item not started moves it to 整改中. Closed items take no more notes."""
    locked = _locked(item)
    if locked.status == ItemStatus.CLOSED:
        raise ItemError(_("The item is verified and closed; it takes no more progress notes."))
    if not (is_item_staff(by, locked) or is_item_secretary(by, locked)):
        raise ItemError(_("You may not change this item."))
    progress = ItemProgress(item=locked, day=day, note=note, by=by)
    if evidence is not None and document is not None:
        evidence.name = stored_name(document)
        progress.evidence = evidence
        progress.evidence_name = document.original_name[:200]
    progress.save()
    _log(locked, by, ItemAction.PROGRESS, note=note, changes={"day": day.isoformat()})
    if locked.status == ItemStatus.NOT_STARTED:
        _move(locked, "start", by=by)
    _refresh(item, locked)
    return progress


@transaction.atomic
def start_item(item: RectificationItem, *, by, note: str = "") -> RectificationItem:
    """未开始 → 整改中 without a progress note (a note starts the item by itself)."""
    locked = _move(_locked(item), "start", by=by, note=note)
    _refresh(item, locked)
    return item


@transaction.atomic
def mark_done(item: RectificationItem, *, by, note: str = "") -> RectificationItem:
    """The secretary (or staff for them) reports the item done: 已完成, awaiting verification."""
    locked = _move(_locked(item), "done", by=by, note=note)
    _refresh(item, locked)
    return item


@transaction.atomic
def close_item(item: RectificationItem, *, by, note: str) -> RectificationItem:
    """Staff verify a done item and close it (销号) with a note on what they checked."""
    if not note.strip():
        raise ItemError(_("Say what was checked before closing the item."))
    locked = _move(_locked(item), "close", by=by, note=note.strip())
    _refresh(item, locked)
    return item


@transaction.atomic
def send_back(item: RectificationItem, *, by, note: str) -> RectificationItem:
    """Staff send a done or closed item back to 整改中 with a note on what is missing."""
    if not note.strip():
        raise ItemError(_("Say what is still missing before sending the item back."))
    locked = _move(_locked(item), "send_back", by=by, note=note.strip())
    _refresh(item, locked)
    return item


@transaction.atomic
def link_previous(item: RectificationItem, previous: RectificationItem | None, *, by) -> None:
    """Mark the item as the same problem as an earlier item (it came back), or unlink it."""
    locked = _locked(item)
    if not is_item_staff(by, locked):
        raise ItemError(_("Only staff of the organization department can do this."))
    if previous is not None and not earlier_items(locked).filter(pk=previous.pk).exists():
        raise ItemError(_("Choose an earlier item of the same organization."))
    old = locked.previous_item
    if (old and old.pk) == (previous and previous.pk):
        return
    locked.previous_item = previous
    locked.save(update_fields=["previous_item", "updated_at"])
    changes = {"previous_item": [_shown(old and old.pk), _shown(previous and previous.pk)]}
    action = ItemAction.LINKED if previous else ItemAction.UNLINKED
    note = previous.problem[:200] if previous else ""
    _log(locked, by, action, note=note, changes=changes)
    _refresh(item, locked)


# Loading for a page


def get_item_or_404(user, pk) -> RectificationItem:
    """An item of the staff member's committees; any other is 404."""
    items = staff_items(user).select_related("organization", "meeting", "previous_item", "comment")
    return get_object_or_404(items, pk=pk)


def get_own_item_or_404(user, pk) -> RectificationItem:
    """An item of the signed-in secretary's organization; any other is 404."""
    secretary = user_secretary(user)
    if secretary is None:
        raise Http404
    items = secretary_items(secretary).select_related("organization", "meeting", "previous_item")
    return get_object_or_404(items, pk=pk)


def history(item: RectificationItem) -> list[tuple[ItemEvent, str, str, list[str]]]:
    """(event, what happened, who, changed fields as "field: old → new") in order."""
    rows = []
    for event in item.events.select_related("by"):
        who = (event.by.get_full_name() or event.by.username) if event.by else ""
        lines = []
        for name, value in event.changes.items():
            if not isinstance(value, list):
                continue
            old, new = value
            label = FIELD_LABELS.get(name) or name
            lines.append(f"{label}: {old or '—'} → {new or '—'}")
        rows.append((event, str(ItemAction.LABELS.get(event.action, event.action)), who, lines))
    return rows


FIELD_LABELS = {
    "problem": gettext_lazy("problem"),
    "source": gettext_lazy("source"),
    "measures": gettext_lazy("rectification measures"),
    "owner": gettext_lazy("person responsible"),
    "owner_email": gettext_lazy("e-mail of the person responsible"),
    "deadline": gettext_lazy("deadline"),
    "status": gettext_lazy("status"),
    "previous_item": gettext_lazy("same problem last time"),
}
