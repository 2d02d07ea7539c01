"""Paper ballots typed in by staff, checked twice for anonymous meetings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from appraisal.models import Grade
from meetings.models.core import Reporter, Seat


class PaperDecision(models.TextChoices):
    PENDING = "", _("Not decided")
    PAPER = "paper", _("The paper ballot counts")
    ONLINE = "online", _("The online ballot counts")


class PaperEntry(models.Model):
    """One typing of a paper ballot; for anonymous meetings two typings must agree."""

    seat = models.ForeignKey(Seat, on_delete=models.PROTECT, related_name="paper_entries")
    reporter = models.ForeignKey(Reporter, on_delete=models.PROTECT, related_name="paper_entries")
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    grade = models.CharField(_("grade"), max_length=4, choices=Grade.choices, blank=True)
    opinion = models.TextField(_("opinion"), max_length=500, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    entered_at = models.DateTimeField(_("entered at"), auto_now_add=True)
    decision = models.CharField(
        _("decision"), max_length=10, choices=PaperDecision.choices, blank=True
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("paper ballot entry")
        verbose_name_plural = _("paper ballot entries")
        ordering = ["entered_at", "id"]

    def __str__(self) -> str:
        return f"{self.seat} → {self.reporter}"
