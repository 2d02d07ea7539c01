"""In a real browser: a staff member signs in, uploads a roster workbook, sees it in the roster."""

from io import BytesIO

import pytest
from django.urls import reverse
from django.utils import translation
from openpyxl import Workbook
from playwright.sync_api import expect

from appraisal.roster_io import XLSX_CONTENT_TYPE, ImportResult
from tests.factories import PASSWORD, make_committee, make_staff

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def roster_file() -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "名册"
    sheet.append(["代码", "名称", "类型", "上级组织", "状态", "书记姓名"])
    sheet.append(["1101", "和平里社区党委", "社区", "东城街道党工委", "", "李华"])
    sheet.append(["1001", "东城街道党工委", "街道", "", "启用", "张明"])
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def test_staff_member_imports_a_roster_workbook_and_finds_it_in_the_roster(page, live_server):
    make_staff(make_committee(code="DC", name="东城区委"), username="dc_staff")
    page.goto(live_server.url + reverse("login"))
    page.fill("#id_username", "dc_staff")
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(lambda url: "/accounts/login/" not in url)

    page.goto(live_server.url + reverse("roster_import"))
    page.set_input_files(
        "input[type=file]",
        files=[{"name": "名册.xlsx", "mimeType": XLSX_CONTENT_TYPE, "buffer": roster_file()}],
    )
    page.click("form [type=submit][name=submit]")

    page.wait_for_url(live_server.url + reverse("org_list"))
    with translation.override("zh-hans"):
        message = ImportResult(orgs_created=2, secretaries_created=2).summary()
    expect(page.locator(".alert-success")).to_contain_text(message)
    table = page.locator("table")
    expect(table).to_contain_text("和平里社区党委")
    expect(table).to_contain_text("东城街道党工委")
    expect(table).to_contain_text("李华")
