"""The rectification list (整改清单): items, their progress, their history and reminders."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from appraisal.models import Organization
from meetings.models.core import Meeting
from meetings.models.notes import Comment, private_storage


class ProblemSource(models.TextChoices):
    COMMENT = "领导点评", _("Leader's comment")
    SELF = "自己查摆", _("Self-examination")
    APPRAISAL = "民主评议", _("Democratic appraisal")
    INSPECTION = "巡察", _("Inspection")
    OTHER = "其他", _("Other")


class ItemStatus(models.TextChoices):
    NOT_STARTED = "未开始", _("Not started")
    IN_PROGRESS = "整改中", _("In progress")
    DONE = "已完成", _("Done")
    CLOSED = "已销号", _("Verified and closed")


class RectificationItem(models.Model):
    """A problem to rectify (整改清单 item), tracked until staff verify and close it."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="rectification_items",
    )
    meeting = models.ForeignKey(
        Meeting,
        verbose_name=_("meeting"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rectification_items",
    )
    comment = models.ForeignKey(
        Comment, null=True, blank=True, on_delete=models.SET_NULL, related_name="items"
    )
    problem = models.TextField(_("problem"))
    source = models.CharField(_("source"), max_length=10, choices=ProblemSource.choices)
    measures = models.TextField(_("rectification measures"), blank=True)
    owner = models.CharField(_("person responsible"), max_length=50, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=ItemStatus.choices, default=ItemStatus.NOT_STARTED
    )
    owner_email = models.EmailField(
        _("e-mail of the person responsible"),
        blank=True,
        help_text=_("Reminders go here when an item is due or overdue."),
    )
    # The same problem named again: the item of an earlier year it came back from.
    previous_item = models.ForeignKey(
        "self",
        verbose_name=_("same problem last time"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="recurrences",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("rectification item")
        verbose_name_plural = _("rectification items")
        ordering = ["deadline", "id"]

    def __str__(self) -> str:
        return self.problem[:40]

    def is_overdue(self, today=None) -> bool:
        """Past its deadline and not yet done or closed."""
        today = today or timezone.localdate()
        open_statuses = (ItemStatus.NOT_STARTED, ItemStatus.IN_PROGRESS)
        return self.deadline is not None and self.deadline < today and self.status in open_statuses


class ItemProgress(models.Model):
    """A progress note on an item, with its date and an optional evidence file."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="progress")
    day = models.DateField(_("date"), default=timezone.localdate)
    note = models.TextField(_("progress"))
    evidence = models.FileField(
        _("evidence file"), storage=private_storage, upload_to="evidence/%Y/", blank=True
    )
    evidence_name = models.CharField(_("file name"), max_length=200, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("progress note")
        verbose_name_plural = _("progress notes")
        ordering = ["day", "id"]

    def __str__(self) -> str:
        return self.note[:40]


class ItemEvent(models.Model):
    """One row of an item's history: who changed what, and when. Append-only (triggers)."""

    item = models.ForeignKey(RectificationItem, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(_("at"), default=timezone.now)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    action = models.CharField(_("action"), max_length=30)
    note = models.TextField(_("note"), blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)

    class Meta:
        verbose_name = _("item event")
        verbose_name_plural = _("item events")
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.item_id} {self.action}"


class ReminderKind(models.TextChoices):
    DUE_IN_7 = "due7", _("Due in 7 days")
    DUE_TOMORROW = "due1", _("Due tomorrow")
    OVERDUE = "overdue", _("Overdue")


class ReminderSent(models.Model):
    """A reminder mailed for an item on a day: at most one per item and day."""

    item = models.ForeignKey(RectificationItem, on_delete=models.CASCADE, related_name="reminders")
    day = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=ReminderKind.choices)
    to = models.EmailField(_("sent to"))

    class Meta:
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(fields=["item", "day"], name="one_reminder_per_item_and_day")
        ]

    def __str__(self) -> str:
        return f"{self.item_id} {self.day} {self.kind}"
