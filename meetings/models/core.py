"""A meeting, its stages and live state, its reporters, seats and ballots."""

from __future__ import annotations

import secrets
import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from appraisal.models import Committee, EvaluatorGroup, Grade, Organization, Scheme, Secretary
from meetings.tokens import new_token, token_hash


class Stage(models.TextChoices):
    DRAFT = "draft", _("Preparing")
    REPORTS = "reports", _("Collecting duty reports")
    LIVE = "live", _("In session")
    CLOSED = "closed", _("Scoring closed")
    PUBLISHED = "published", _("Results published")


# The only moves a meeting may make; `Meeting.advance()` is the one place that makes them.
STAGE_MOVES: dict[str, tuple[str, ...]] = {
    Stage.DRAFT: (Stage.REPORTS,),
    Stage.REPORTS: (Stage.LIVE, Stage.DRAFT),
    Stage.LIVE: (Stage.CLOSED,),
    Stage.CLOSED: (Stage.PUBLISHED, Stage.LIVE),
    Stage.PUBLISHED: (Stage.CLOSED,),
}


class StageError(Exception):
    """A stage move that is not allowed now; `reasons` say why, in words for the user."""

    def __init__(self, reasons: list[str]):
        super().__init__("; ".join(reasons))
        self.reasons = reasons


class MeetingQuerySet(models.QuerySet):
    def for_committees(self, committee_ids) -> MeetingQuerySet:
        return self.filter(committee_id__in=committee_ids)


class Meeting(models.Model):
    """An appraisal meeting (述职评议会) of one committee for one year."""

    committee = models.ForeignKey(
        Committee, verbose_name=_("committee"), on_delete=models.PROTECT, related_name="meetings"
    )
    title = models.CharField(_("title"), max_length=200)
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    date = models.DateField(_("date"), null=True, blank=True)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    scheme = models.ForeignKey(
        Scheme, verbose_name=_("scheme"), on_delete=models.PROTECT, related_name="meetings"
    )
    anonymous = models.BooleanField(
        _("anonymous scoring"),
        default=True,
        help_text=_("Anonymous (无记名) meetings never tie a ballot to a person."),
    )
    stage = models.CharField(
        _("stage"), max_length=20, choices=Stage.choices, default=Stage.DRAFT, editable=False
    )
    report_seconds = models.PositiveIntegerField(
        _("time limit per report (seconds)"),
        default=360,
        validators=[MinValueValidator(30), MaxValueValidator(3600)],
    )
    # The live state of the hall lives here, in the database, so every server process and the
    # projector after a restart see the same thing.
    current_reporter = models.ForeignKey(
        "Reporter",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        editable=False,
    )
    countdown_started_at = models.DateTimeField(null=True, blank=True, editable=False)
    countdown_elapsed = models.PositiveIntegerField(default=0, editable=False)
    results_shown = models.BooleanField(
        _("results on the projector"), default=False, editable=False
    )
    projector_token_hash = models.CharField(max_length=64, blank=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("appraisal meeting")
        verbose_name_plural = _("appraisal meetings")
        ordering = ["-year", "-date", "-id"]

    def __str__(self) -> str:
        return self.title

    @property
    def has_ballots(self) -> bool:
        return Ballot.objects.filter(reporter__meeting=self).exists()

    def blockers(self, to: str) -> list[str]:
        """Why the meeting cannot move to stage `to` now, in words; empty when it can."""
        if to not in STAGE_MOVES.get(self.stage, ()):
            return [
                gettext("A meeting cannot go from “%(from)s” to “%(to)s”.")
                % {"from": Stage(self.stage).label, "to": Stage(to).label}
            ]
        reasons = []
        # A practice reporter (试评) is no reporter of the meeting: it counts for nothing here.
        reporters = self.reporters.real()
        if to in (Stage.REPORTS, Stage.LIVE) and not reporters.exists():
            reasons.append(gettext("Add at least one reporter to the agenda first."))
        if to == Stage.LIVE and not self.seats.exists():
            reasons.append(gettext("Create the evaluators’ seats first."))
        if to in (Stage.CLOSED, Stage.PUBLISHED):
            still_open = reporters.exclude(scoring=ScoringState.CLOSED).count()
            if still_open:
                reasons.append(
                    gettext("Scoring is not closed for %(n)d reporter(s); close it first.")
                    % {"n": still_open}
                )
        if to == Stage.CLOSED and self.reporters.filter(rehearsal=True).exists():
            reasons.append(gettext("Purge the practice round (试评) first."))
        return reasons

    def advance(self, to: str, *, by=None, note: str = "") -> MeetingEvent:
        """Move to stage `to` if allowed: lock the row, check, save the stage, log the move."""
        with transaction.atomic():
            locked = Meeting.objects.select_for_update().get(pk=self.pk)
            reasons = locked.blockers(to)
            if reasons:
                raise StageError(reasons)
            event = MeetingEvent.objects.create(
                committee_id=locked.committee_id,
                meeting=locked,
                from_stage=locked.stage,
                to_stage=to,
                by=by,
                note=note,
            )
            locked.stage = to
            locked.save(update_fields=["stage", "updated_at"])
        self.stage = to
        return event

    @property
    def countdown_running(self) -> bool:
        return self.countdown_started_at is not None

    def countdown_remaining(self, now=None) -> int:
        """Seconds left of the current report; negative once it runs over."""
        elapsed = self.countdown_elapsed
        if self.countdown_started_at is not None:
            elapsed += int(((now or timezone.now()) - self.countdown_started_at).total_seconds())
        return self.report_seconds - elapsed

    def issue_projector_link(self) -> str:
        """A new projector link token (shown once); the earlier link stops working."""
        token = new_token()
        self.projector_token_hash = token_hash(token)
        self.save(update_fields=["projector_token_hash", "updated_at"])
        return token

    def next_stages(self) -> list[tuple[str, list[str]]]:
        """Each stage the meeting may move to, with what blocks that move now."""
        return [(to, self.blockers(to)) for to in STAGE_MOVES.get(self.stage, ())]

    @transaction.atomic
    def add_reporters(self, organizations) -> list[Reporter]:
        """Append organizations to the agenda with the secretary in office on the meeting day."""
        start = (self.reporters.aggregate(m=models.Max("order"))["m"] or 0) + 1
        on = self.date or timezone.localdate()
        added = []
        for order, org in enumerate(organizations, start=start):
            secretary = org.current_secretary(on)
            added.append(
                Reporter.objects.create(
                    meeting=self,
                    organization=org,
                    secretary=secretary,
                    secretary_name=secretary.name if secretary else "",
                    order=order,
                )
            )
        return added

    @transaction.atomic
    def move_reporter(self, reporter: Reporter, step: int) -> bool:
        """Swap a reporter with its neighbour above (step −1) or below (+1); False at an end."""
        neighbours = self.reporters.filter(
            order__lt=reporter.order if step < 0 else 32767,
            order__gt=reporter.order if step > 0 else -1,
        ).order_by("-order" if step < 0 else "order")
        other = neighbours.first()
        if other is None:
            return False
        mine, theirs = reporter.order, other.order
        # Orders are unique: park one reporter on a free number while they swap.
        Reporter.objects.filter(pk=reporter.pk).update(order=32767)
        Reporter.objects.filter(pk=other.pk).update(order=mine)
        Reporter.objects.filter(pk=reporter.pk).update(order=theirs)
        return True

    @transaction.atomic
    def add_seats(self, group, count: int, organization=None) -> list[Seat]:
        """Create `count` seats in a group, coded by the group code and a running number."""
        codes = set(self.seats.values_list("code", flat=True))
        seats, n = [], 0
        while len(seats) < count:
            n += 1
            code = f"{group.code}{n:03d}"
            if code not in codes:
                seats.append(Seat(meeting=self, code=code, group=group, organization=organization))
        return Seat.objects.bulk_create(seats)

    @transaction.atomic
    def set_scoring(self, state: str, *, reporter: Reporter | None = None, by=None) -> int:
        """Open or close scoring for one reporter or all; returns how many changed (idempotent)."""
        reporters = (
            self.reporters.all() if reporter is None else self.reporters.filter(pk=reporter.pk)
        )
        changed = reporters.exclude(scoring=state).update(scoring=state)
        if changed and state in (ScoringState.OPEN, ScoringState.CLOSED):
            action = (
                EventAction.SCORING_OPENED
                if state == ScoringState.OPEN
                else EventAction.SCORING_CLOSED
            )
            note = reporter.organization.code if reporter is not None else gettext("all reporters")
            MeetingEvent.record(self, action, by=by, note=note)
        return changed


class EventAction(models.TextChoices):
    STAGE = "stage", _("Stage moved")
    SCORING_OPENED = "scoring_opened", _("Scoring opened")
    SCORING_CLOSED = "scoring_closed", _("Scoring closed")
    REPORTER_STARTED = "reporter_started", _("Reporter called")
    RESULTS_SHOWN = "results_shown", _("Results shown on the projector")
    RESULTS_HIDDEN = "results_hidden", _("Results hidden from the projector")
    LINKS_ISSUED = "links_issued", _("Seat links issued")
    LINK_REVOKED = "link_revoked", _("Seat link revoked")
    BALLOT_REPLACED = "ballot_replaced", _("Ballot replaced")
    PAPER_ENTERED = "paper_entered", _("Paper ballot typed")
    PAPER_DECIDED = "paper_decided", _("Paper ballot decided")
    REHEARSAL_PURGED = "rehearsal_purged", _("Rehearsal ballots purged")
    COUNTDOWN = "countdown", _("Countdown")
    TIME_LIMIT = "time_limit", _("Time limit changed")
    PROJECTOR_LINK = "projector_link", _("Projector link issued")
    ITEM_STATUS = "item_status", _("Rectification item status changed")
    ROSTER_IMPORTED = "roster_imported", _("Roster imported")
    MEETING_IMPORTED = "meeting_imported", _("Meeting imported from a bundle")


class MeetingEvent(models.Model):
    """The audit trail: one row per consequential action, appended and never changed.

    Triggers refuse UPDATE and DELETE on this table (appraisal/dbguard.py). Rows belong to a
    committee and usually to one of its meetings; roster imports belong to the committee only.
    """

    committee = models.ForeignKey(Committee, on_delete=models.PROTECT, related_name="+")
    meeting = models.ForeignKey(
        Meeting, null=True, blank=True, on_delete=models.PROTECT, related_name="events"
    )
    action = models.CharField(
        _("action"), max_length=20, choices=EventAction.choices, default=EventAction.STAGE
    )
    from_stage = models.CharField(_("from stage"), max_length=20, choices=Stage.choices, blank=True)
    to_stage = models.CharField(_("to stage"), max_length=20, choices=Stage.choices, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit trail")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.meeting or self.committee}: {self.get_action_display()} {self.note}".strip()

    @classmethod
    def record(cls, meeting: Meeting, action: str, *, by=None, note: str = "") -> MeetingEvent:
        """Append one row to the meeting's history."""
        return cls.objects.create(
            committee_id=meeting.committee_id,
            meeting=meeting,
            action=action,
            by=by,
            note=note[:200],
        )

    @classmethod
    def record_committee(
        cls, committee: Committee, action: str, *, by=None, note: str = ""
    ) -> MeetingEvent:
        """Append one row to a committee's history that concerns no single meeting."""
        return cls.objects.create(committee=committee, action=action, by=by, note=note[:200])


class ScoringState(models.TextChoices):
    PENDING = "pending", _("Not yet open")
    OPEN = "open", _("Open")
    CLOSED = "closed", _("Closed")


class ReporterQuerySet(models.QuerySet):
    def real(self) -> ReporterQuerySet:
        """Reporters of the meeting proper: a practice reporter (试评) counts for nothing."""
        return self.filter(rehearsal=False)


class Reporter(models.Model):
    """An organization's secretary reporting at a meeting, with the daily score staff enter."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="reporters")
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="reports",
    )
    secretary = models.ForeignKey(
        Secretary,
        verbose_name=_("secretary"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="reports",
    )
    # The name as it was at the meeting: it stays even if the roster changes later.
    secretary_name = models.CharField(_("secretary"), max_length=50, blank=True)
    order = models.PositiveSmallIntegerField(_("order"))
    daily = models.DecimalField(
        _("daily assessment score"),
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(0), MaxValueValidator(100)],
    )
    vetoed = models.BooleanField(_("vetoed (一票否决)"), default=False)
    scoring = models.CharField(
        _("scoring"), max_length=10, choices=ScoringState.choices, default=ScoringState.PENDING
    )
    rehearsal = models.BooleanField(
        _("practice reporter (试评)"),
        default=False,
        help_text=_("A practice round before the meeting; its ballots are purged afterwards."),
    )

    objects = ReporterQuerySet.as_manager()

    class Meta:
        verbose_name = _("reporter")
        verbose_name_plural = _("reporters")
        ordering = ["order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "organization"], name="reporter_org_once"),
            models.UniqueConstraint(fields=["meeting", "order"], name="reporter_order_unique"),
            models.CheckConstraint(
                condition=Q(daily__isnull=True) | Q(daily__gte=0, daily__lte=100),
                name="reporter_daily_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.secretary_name}".strip()


class Seat(models.Model):
    """One ballot paper (席位) of a meeting, in one evaluator group."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="seats")
    code = models.CharField(_("seat code"), max_length=20)
    group = models.ForeignKey(
        EvaluatorGroup,
        verbose_name=_("evaluator group"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("holder's organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    holder = models.CharField(_("holder"), max_length=50, blank=True)
    # Only a hash of the link's token is kept: links are shown once, when issued.
    token_hash = models.CharField(max_length=64, null=True, blank=True, unique=True, editable=False)
    link_issued_at = models.DateTimeField(
        _("link issued at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("seat")
        verbose_name_plural = _("seats")
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "code"], name="seat_code_unique"),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def has_link(self) -> bool:
        return self.token_hash is not None

    def issue_link(self) -> str:
        """A fresh link token for this seat (returned once); the earlier link stops working."""
        token = new_token()
        self.token_hash, self.link_issued_at = token_hash(token), timezone.now()
        self.save(update_fields=["token_hash", "link_issued_at"])
        return token

    def revoke_link(self) -> None:
        self.token_hash, self.link_issued_at = None, None
        self.save(update_fields=["token_hash", "link_issued_at"])


class BallotQuerySet(models.QuerySet):
    def for_meeting(self, meeting: Meeting) -> BallotQuerySet:
        return self.filter(reporter__meeting=meeting)

    def counts_by_reporter(self) -> dict[int, int]:
        return dict(self.values_list("reporter_id").annotate(n=Count("id")))


def new_receipt() -> str:
    return secrets.token_hex(4).upper()


def random_id() -> int:
    """A primary key that says nothing about the order rows arrived in (62 random bits)."""
    return secrets.randbits(62) + 1


class RandomKeyField(models.BigIntegerField):
    """A random 62-bit primary key (`random_id`) that is the row's only key.

    On SQLite a column is the table's rowid only when declared exactly `INTEGER PRIMARY KEY`;
    Django's `bigint` is not, so the row would also get a hidden rowid counting 1, 2, 3… in
    the order rows arrived (readable by anyone with the database file), plus an index for
    the key. Declared `integer` there (64 bits in SQLite), the random key is the rowid: rows
    are stored in key order and each insert updates one index fewer. `bigint` elsewhere."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("default", random_id)
        kwargs["primary_key"] = True
        kwargs["editable"] = False
        super().__init__(*args, **kwargs)

    def deconstruct(self):
        name, path, args, kwargs = super().deconstruct()
        for key in ("primary_key", "editable"):
            kwargs.pop(key, None)
        if kwargs.get("default") is random_id:
            del kwargs["default"]
        return name, path, args, kwargs

    def db_type(self, connection):
        if connection.vendor == "sqlite":
            return "integer"
        return super().db_type(connection)


class Ballot(models.Model):
    """One seat's ballot for one reporter: indicator scores, a grade, or both.

    Its key is random and, for an anonymous meeting, it carries no time (`submitted_at` stays
    empty): nothing in the row tells who voted or in which order ballots arrived."""

    id = RandomKeyField()
    # No index of its own: the unique (seat, reporter) constraint's index starts with it.
    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="ballots", db_index=False)
    reporter = models.ForeignKey(Reporter, on_delete=models.PROTECT, related_name="ballots")
    ballot_id = models.UUIDField(_("ballot id"), default=uuid.uuid4, unique=True)
    receipt = models.CharField(_("receipt"), max_length=12, default=new_receipt)
    # Indicator code → score as a decimal string ("18.5"): strings keep the value exact.
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    grade = models.CharField(_("grade"), max_length=4, choices=Grade.choices, blank=True)
    opinion = models.TextField(_("opinion"), max_length=500, blank=True)
    paper = models.BooleanField(_("entered from paper"), default=False)
    # When the ballot counting now was stored; None for anonymous meetings and bundle imports.
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)

    objects = BallotQuerySet.as_manager()

    class Meta:
        verbose_name = _("ballot")
        verbose_name_plural = _("ballots")
        ordering = ["reporter__order", "seat__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["seat", "reporter"], name="one_ballot_per_seat_reporter"
            ),
            models.CheckConstraint(
                condition=Q(grade__in=["", *Grade.values]), name="ballot_grade_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seat} → {self.reporter}"

    @staticmethod
    def stamp(meeting: Meeting):
        """The time a ballot stored now carries: none at all for an anonymous meeting."""
        return None if meeting.anonymous else timezone.now()


class BallotReceipt(models.Model):
    """A ballot id whose ballot no longer counts (the seat sent a newer one, or staff decided
    for its paper ballot) with its receipt: a late retry of it gets the same answer and stores
    nothing. The ballot that counts carries its own id and receipt."""

    id = RandomKeyField()
    ballot_id = models.UUIDField(_("ballot id"), unique=True)
    # Read by ballot id only. Deleting a seat (cascading here) is rare and the table small: one
    # index fewer to update per ballot on the hot path.
    seat = models.ForeignKey(Seat, on_delete=models.CASCADE, related_name="+", db_index=False)
    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name="+")
    receipt = models.CharField(_("receipt"), max_length=12)

    class Meta:
        verbose_name = _("ballot receipt")
        verbose_name_plural = _("ballot receipts")

    def __str__(self) -> str:
        return self.receipt
