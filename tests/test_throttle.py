"""Sign-in throttling: wrong passwords lock that account a while, and nothing else."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from appraisal.models import SignInFailure
from appraisal.throttle import LIMIT, locked_until, record_failure
from meetings.models import Stage
from tests.factories import PASSWORD, make_meeting, make_reporter, make_seat, make_staff

pytestmark = pytest.mark.django_db

HALL_ADDRESS = "10.8.0.1"  # every laptop of the hall behind one address


@pytest.fixture(autouse=True)
def english(settings):
    settings.LANGUAGE_CODE = "en"


def sign_in(client: Client, username: str, password: str = PASSWORD, url: str | None = None):
    return client.post(
        url or reverse("login"),
        {"username": username, "password": password},
        REMOTE_ADDR=HALL_ADDRESS,
    )


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.client.session


def fail(client: Client, username: str, times: int = LIMIT):
    for _ in range(times):
        response = sign_in(client, username, "wrong-password")
        assert response.status_code == 200
    return response


def test_four_wrong_passwords_do_not_lock_and_the_right_one_then_signs_in(client, staff):
    response = fail(client, "dc_staff", LIMIT - 1)
    assert "sign-in-locked" not in response.content.decode()
    assert signed_in(sign_in(client, "dc_staff"))
    assert not SignInFailure.objects.exists()  # a right password starts the count afresh


def test_five_wrong_passwords_lock_the_account_even_against_the_right_one(client, staff):
    response = fail(client, "dc_staff")
    page = response.content.decode()
    assert "sign-in-locked" in page
    assert "Too many failed sign-ins: try again in 15 minutes." in page
    response = sign_in(client, "dc_staff")
    assert not signed_in(response)
    assert "Too many failed sign-ins: try again in 15 minutes." in response.content.decode()


def test_the_lock_message_is_chinese_on_the_chinese_site(client, staff, settings):
    settings.LANGUAGE_CODE = "zh-hans"
    fail(client, "dc_staff")
    page = sign_in(client, "dc_staff").content.decode()
    assert 'id="sign-in-locked"' in page


def test_the_lock_counts_the_name_however_it_is_typed(client, staff):
    fail(client, " DC_Staff ", LIMIT)
    assert not signed_in(sign_in(client, "dc_staff"))


def test_another_account_from_the_same_address_still_signs_in(client, staff):
    other = make_staff(username="xc_staff")
    fail(client, "dc_staff")
    assert signed_in(sign_in(Client(), other.username))


def test_wrong_passwords_for_unknown_names_lock_nobody_else(client, staff):
    for n in range(30):
        sign_in(client, f"guess{n}", "wrong-password")
    assert signed_in(sign_in(Client(), "dc_staff"))


def test_the_admin_sign_in_counts_and_obeys_the_same_lock(client, staff):
    staff.is_staff = True
    staff.save()
    fail(client, "dc_staff", LIMIT - 1)
    sign_in(client, "dc_staff", "wrong-password", url=reverse("admin:login"))
    response = sign_in(client, "dc_staff", url=reverse("admin:login"))
    assert not signed_in(response)
    assert "Too many failed sign-ins" in response.content.decode()


def test_the_lock_ends_fifteen_minutes_after_the_last_failure(client, staff):
    fail(client, "dc_staff")
    assert locked_until("dc_staff") is not None
    later = timezone.now() + timedelta(minutes=15, seconds=1)
    assert locked_until("dc_staff", now=later) is None
    # The same, as the sign-in page sees it: move the failures back in time.
    SignInFailure.objects.update(at=timezone.now() - timedelta(minutes=15, seconds=1))
    assert signed_in(sign_in(client, "dc_staff"))


def test_failures_spread_over_more_than_the_window_do_not_lock(db):
    start = timezone.now() - timedelta(minutes=29)
    for n in range(LIMIT):
        record_failure("dc_staff", now=start + timedelta(minutes=4 * n))  # over 16 minutes
    assert locked_until("dc_staff") is None


def test_tries_while_locked_do_not_prolong_the_lock(client, staff):
    fail(client, "dc_staff")
    fail(client, "dc_staff", 3)
    assert SignInFailure.objects.count() == LIMIT


def test_three_hundred_seat_links_from_one_address_all_open(client, committee, staff):
    meeting = make_meeting(committee)
    make_reporter(meeting)
    meeting_seats = [make_seat(meeting, code=f"LD{n:03d}") for n in range(300)]
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    fail(client, "dc_staff")  # an account locked from the same address changes nothing
    links = [f"/s/{seat.issue_link()}/" for seat in meeting_seats]
    laptop = Client(REMOTE_ADDR=HALL_ADDRESS)
    assert [laptop.get(link).status_code for link in links] == [200] * 300
    assert [laptop.get(link + "state").status_code for link in links] == [200] * 300
    other = make_staff(committee, username="dc_staff2")
    assert signed_in(sign_in(Client(), other.username))
