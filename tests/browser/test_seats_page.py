"""In a real browser: staff tick a group of seats and print its QR cards; links shown once."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from meetings.models import EventAction, MeetingEvent
from tests.browser.conftest import sign_in
from tests.factories import make_committee, make_meeting, make_org, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_staff_tick_a_group_print_its_cards_and_issue_links_shown_once(page, live_server):
    committee = make_committee(code="DC", name="东城区委")
    make_staff(committee, username="dc_staff")
    meeting = make_meeting(committee, anonymous=False)
    org = make_org(committee, code="JD01", name="和平里街道党工委")
    groups = {g.code: g for g in meeting.scheme.groups.all()}
    meeting.add_seats(groups["LD"], 100)
    meeting.add_seats(groups["BM"], 150, organization=org)
    meeting.add_seats(groups["DB"], 50)
    sign_in(page, live_server, "dc_staff")
    page.goto(live_server.url + reverse("seat_list", args=[meeting.pk]))
    page.screenshot(path="/tmp/seats-page.png")

    page.locator(f"[data-check-group='{groups['LD'].pk}']").check()
    expect(page.locator("#scope-selected")).to_be_checked()
    expect(page.locator("[data-ticked-count]")).to_have_text("100")
    page.once("dialog", lambda dialog: dialog.accept())
    with page.expect_download() as download:
        page.locator("button[formaction$='cards.pdf']").click()
    assert download.value.suggested_filename.endswith(".pdf")
    assert meeting.seats.filter(token_hash__isnull=False).count() == 100

    page.once("dialog", lambda dialog: dialog.accept())
    page.locator("#seat-form button[data-confirm]:not([formaction])").click()
    # Only the ticked seats: the scope stayed "ticked seats" after the download.
    expect(page.locator("tbody tr")).to_have_count(100)
    expect(page.locator(".alert-warning")).to_be_visible()
    page.screenshot(path="/tmp/seats-links.png")
    assert MeetingEvent.objects.filter(action=EventAction.LINKS_ISSUED).count() == 2
