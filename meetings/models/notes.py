"""What a meeting says about each organization: duty reports, comments, questions, items."""

from __future__ import annotations

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.utils.translation import gettext_lazy as _

from meetings.models.core import Meeting, Reporter
from meetings.tokens import new_token, token_hash


class PrivateStorage(FileSystemStorage):
    """Files under settings.PRIVATE_ROOT, read when used (not at import), so tests can move it."""

    @property
    def base_location(self):
        return settings.PRIVATE_ROOT

    @property
    def location(self):
        return os.path.abspath(self.base_location)


def private_storage() -> FileSystemStorage:
    """Uploaded files live outside every served URL; views hand them out as attachments."""
    return PrivateStorage(base_url=None)


class DutyReport(models.Model):
    """A secretary's written duty report (述职报告) for one meeting: a file and its parts."""

    reporter = models.OneToOneField(Reporter, on_delete=models.CASCADE, related_name="report")
    file = models.FileField(
        _("report file"), storage=private_storage, upload_to="reports/%Y/", blank=True
    )
    file_name = models.CharField(_("file name"), max_length=200, blank=True)
    achievements = models.TextField(_("achievements (成绩)"), blank=True)
    problems = models.TextField(_("problems (问题)"), blank=True)
    causes = models.TextField(_("causes (原因)"), blank=True)
    plans = models.TextField(_("plans (打算)"), blank=True)
    self_examination = models.TextField(
        _("problems found by self-examination (自己查摆)"),
        blank=True,
        help_text=_("One problem per line."),
    )
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("duty report")
        verbose_name_plural = _("duty reports")

    def __str__(self) -> str:
        return str(self.reporter)

    def self_examination_lines(self) -> list[str]:
        return [line.strip() for line in self.self_examination.splitlines() if line.strip()]


class CommenterLink(models.Model):
    """A link for a commenting leader (点评人): it allows recording comments, nothing else."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="commenter_links")
    name = models.CharField(_("commenting leader"), max_length=100)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("commenter link")
        verbose_name_plural = _("commenter links")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(cls, meeting: Meeting, name: str) -> tuple[CommenterLink, str]:
        """A new link for a leader; the token is returned once and only its hash is kept."""
        token = new_token()
        return cls.objects.create(meeting=meeting, name=name, token_hash=token_hash(token)), token


class Comment(models.Model):
    """A commenting leader's comment (点评) on one reporter."""

    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name="comments")
    author = models.CharField(_("author"), max_length=100)
    text = models.TextField(_("text"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("comment")
        verbose_name_plural = _("comments")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:20]}"


class Question(models.Model):
    """A question (询问) put to a reporter at the meeting, with the answer given."""

    reporter = models.ForeignKey(Reporter, on_delete=models.CASCADE, related_name="questions")
    asker = models.CharField(_("asked by"), max_length=100)
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"), blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.question[:40]
