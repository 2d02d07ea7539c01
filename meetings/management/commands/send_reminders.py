"""Mail the people responsible for items due in 7 days, due tomorrow or overdue.

Safe to run daily (e.g. from cron): an item is reminded at most once a day, guarded by the
unique (item, day) row of ReminderSent; the mails go out only once those rows are committed.
One mail per recipient lists all their items. The recipient is the item's owner_email, else
the e-mail of the login of the organization's current secretary; items with neither are
listed as skipped.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from functools import partial

from django.conf import settings
from django.core.mail import send_mail
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from meetings.models import RectificationItem, ReminderKind, ReminderSent
from meetings.rectification import OPEN_STATUSES


def kind_of(item: RectificationItem, today: date) -> str | None:
    if item.deadline < today:
        return ReminderKind.OVERDUE
    if item.deadline == today + timedelta(days=1):
        return ReminderKind.DUE_TOMORROW
    if item.deadline == today + timedelta(days=7):
        return ReminderKind.DUE_IN_7
    return None


def recipient(item: RectificationItem, today: date) -> str:
    if item.owner_email:
        return item.owner_email
    secretary = item.organization.current_secretary(today)
    if secretary is not None and secretary.user_id and secretary.user.email:
        return secretary.user.email
    return ""


def due_items(today: date):
    """Open items due in 7 days, due tomorrow or overdue."""
    due = Q(deadline__lt=today) | Q(
        deadline__in=[today + timedelta(days=1), today + timedelta(days=7)]
    )
    return (
        RectificationItem.objects.filter(due, status__in=OPEN_STATUSES)
        .select_related("organization")
        .order_by("deadline", "id")
    )


def mail_text(items: list[tuple[RectificationItem, str]], today: date) -> str:
    lines = [_("Rectification items that need your attention (as of %(day)s):") % {"day": today}]
    for item, kind in items:
        lines.append(
            _("- [%(kind)s] No. %(id)s %(org)s: %(problem)s (deadline %(deadline)s, %(status)s)")
            % {
                "kind": ReminderKind(kind).label,
                "id": item.pk,
                "org": item.organization.name,
                "problem": item.problem,
                "deadline": item.deadline,
                "status": item.status,
            }
        )
    lines.append(_("Please report the progress in the appraisal system."))
    return "\n".join(lines)


class Command(BaseCommand):
    help = "Mail reminders for rectification items due in 7 days, tomorrow, or overdue."

    def add_arguments(self, parser):
        parser.add_argument("--today", help="the day to act as today, YYYY-MM-DD")

    def handle(self, *args, **options):
        today = timezone.localdate()
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError("--today must be a date like 2026-03-15") from None
        with translation.override(settings.LANGUAGE_CODE):
            self.remind(today)

    def remind(self, today: date) -> None:
        outbox: dict[str, list[tuple[RectificationItem, str]]] = defaultdict(list)
        with transaction.atomic():
            for item in due_items(today):
                kind, to = kind_of(item, today), recipient(item, today)
                if kind is None:
                    continue
                if not to:
                    self.stdout.write(f"skipped item {item.pk}: no e-mail address")
                    continue
                _row, created = ReminderSent.objects.get_or_create(
                    item=item, day=today, defaults={"kind": kind, "to": to}
                )
                if created:
                    outbox[to].append((item, kind))
            for to, items in outbox.items():
                transaction.on_commit(partial(self.send, to, items, today))
        if not outbox:
            self.stdout.write(f"no reminders to send on {today}")

    def send(self, to: str, items: list[tuple[RectificationItem, str]], today: date) -> None:
        subject = _("Rectification reminder: %(n)s item(s)") % {"n": len(items)}
        send_mail(subject, mail_text(items, today), settings.DEFAULT_FROM_EMAIL, [to])
        ids = ", ".join(str(item.pk) for item, _kind in items)
        self.stdout.write(f"sent to {to}: items {ids}")
