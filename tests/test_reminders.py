"""send_reminders: which items, one mail per recipient, nothing twice on the same day."""

from datetime import date, timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import CommandError, call_command

from meetings import rectification as rect
from meetings.models import ProblemSource, ReminderSent
from tests.factories import make_org, make_secretary, make_user

TODAY = date(2026, 3, 10)


@pytest.fixture
def org(committee):
    return make_org(committee, name="和平社区党委")


@pytest.fixture
def secretary_email(org):
    user = make_user(email="lihong@example.cn")
    make_secretary(org, name="李红", user=user)
    return user.email


def item(org, days, email="", **fields):
    return rect.create_item(
        by=None,
        organization=org,
        problem=fields.pop("problem", f"到期{days}天的问题"),
        source=ProblemSource.COMMENT,
        deadline=TODAY + timedelta(days=days) if days is not None else None,
        owner_email=email,
        **fields,
    )


def run(django_capture_on_commit_callbacks, today=TODAY) -> str:
    out = StringIO()
    with django_capture_on_commit_callbacks(execute=True):
        call_command("send_reminders", "--today", today.isoformat(), stdout=out)
    return out.getvalue()


def test_items_due_in_7_days_tomorrow_or_overdue_are_reminded(
    org, secretary_email, staff, django_capture_on_commit_callbacks
):
    due7, due1, late = item(org, 7), item(org, 1), item(org, -3)
    for days in (6, 2, 0, 8, None):
        item(org, days)
    done = item(org, -5)
    rect.mark_done(done, by=staff)
    output = run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [secretary_email]
    for reminded in (due7, due1, late):
        assert reminded.problem in message.body
    assert done.problem not in message.body and "到期6天" not in message.body
    kinds = dict(ReminderSent.objects.values_list("item_id", "kind"))
    assert kinds == {due7.pk: "due7", due1.pk: "due1", late.pk: "overdue"}
    assert secretary_email in output


def test_one_mail_per_recipient_listing_their_items(
    org, secretary_email, django_capture_on_commit_callbacks
):
    item(org, 1, email="zhang@example.cn", problem="张的第一件")
    item(org, -1, email="zhang@example.cn", problem="张的第二件")
    item(org, 7, problem="书记的一件")
    run(django_capture_on_commit_callbacks)
    by_recipient = {tuple(m.to): m.body for m in mail.outbox}
    assert set(by_recipient) == {("zhang@example.cn",), (secretary_email,)}
    assert "张的第一件" in by_recipient[("zhang@example.cn",)]
    assert "张的第二件" in by_recipient[("zhang@example.cn",)]
    assert "书记的一件" not in by_recipient[("zhang@example.cn",)]


def test_a_second_run_the_same_day_sends_nothing(org, django_capture_on_commit_callbacks):
    item(org, 1, email="zhang@example.cn")
    run(django_capture_on_commit_callbacks)
    output = run(django_capture_on_commit_callbacks)
    assert len(mail.outbox) == 1 and ReminderSent.objects.count() == 1
    assert "no reminders" in output


def test_the_next_day_an_overdue_item_is_reminded_again(org, django_capture_on_commit_callbacks):
    item(org, -1, email="zhang@example.cn")
    run(django_capture_on_commit_callbacks)
    run(django_capture_on_commit_callbacks, TODAY + timedelta(days=1))
    assert len(mail.outbox) == 2
    assert ReminderSent.objects.count() == 2


def test_today_decides_what_is_due(org, django_capture_on_commit_callbacks):
    soon = item(org, 8, email="zhang@example.cn")
    run(django_capture_on_commit_callbacks)
    assert mail.outbox == []
    run(django_capture_on_commit_callbacks, TODAY + timedelta(days=1))
    assert len(mail.outbox) == 1 and soon.problem in mail.outbox[0].body


def test_items_without_any_address_are_skipped_and_said_so(org, django_capture_on_commit_callbacks):
    lost = item(org, 1)
    output = run(django_capture_on_commit_callbacks)
    assert mail.outbox == [] and not ReminderSent.objects.exists()
    assert f"item {lost.pk}" in output


def test_a_bad_today_is_refused():
    with pytest.raises(CommandError):
        call_command("send_reminders", "--today", "next tuesday")
