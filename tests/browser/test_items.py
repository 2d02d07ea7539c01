"""In a real browser: a secretary reports progress with an evidence PDF and marks the item
done; staff verify and close it; the item's history shows both."""

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from meetings import rectification as rect
from meetings.models import ItemStatus, ProblemSource, RectificationItem
from tests.browser.conftest import sign_in
from tests.factories import make_committee, make_org, make_secretary, make_staff, make_user

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"


def test_a_secretary_reports_progress_and_staff_close_the_item(
    page, live_server, settings, tmp_path
):
    settings.PRIVATE_ROOT = tmp_path / "private"
    committee = make_committee(code="DC", name="东城区委")
    staff = make_staff(committee, username="dc_staff", first_name="组织部小王")
    org = make_org(committee, name="和平社区党委")
    make_secretary(org, name="李红", user=make_user(username="lihong", first_name="李红"))
    item = rect.create_item(
        by=staff,
        organization=org,
        problem="三会一课记录不规范",
        source=ProblemSource.COMMENT,
        deadline=timezone.localdate(),
    )

    sign_in(page, live_server, "lihong")
    page.goto(live_server.url + reverse("my_items"))
    page.click(f"a[href='{reverse('my_item', args=[item.pk])}']")
    page.fill("#id_note", "已补齐全年三会一课记录并建立台账")
    page.set_input_files(
        "#id_evidence",
        files=[{"name": "台账.pdf", "mimeType": "application/pdf", "buffer": PDF_BYTES}],
    )
    page.click("#progress-form button[type=submit]")
    expect(page.locator("#progress-list")).to_contain_text("已补齐全年三会一课记录并建立台账")
    expect(page.locator("#progress-list")).to_contain_text("台账.pdf")
    page.click("#done-form button[type=submit]")
    expect(page.locator("#item-status")).to_contain_text("已完成")
    page.context.clear_cookies()  # sign out

    sign_in(page, live_server, "dc_staff")
    page.goto(live_server.url + reverse("item_detail", args=[item.pk]))
    with page.expect_download() as download:
        page.click("#progress-list a")
    assert download.value.suggested_filename == "台账.pdf"
    page.fill("#verify-form textarea[name=note]", "已核查台账原件，同意销号")
    page.click("#verify-form button[formaction$='/close/']")
    expect(page.locator("#item-status")).to_contain_text("已销号")
    history = page.locator("#item-history")
    expect(history).to_contain_text("李红")
    expect(history).to_contain_text("组织部小王")
    expect(history).to_contain_text("已核查台账原件，同意销号")
    expect(history.locator("li")).to_have_count(5)
    assert RectificationItem.objects.get(pk=item.pk).status == ItemStatus.CLOSED
