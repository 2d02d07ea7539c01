"""Bulk progress update from Excel: the download, every row checked, all or nothing, and the
same file uploaded twice changes nothing."""

from datetime import date, timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from meetings import items_excel
from meetings import rectification as rect
from meetings.models import ItemEvent, ItemProgress, ItemStatus, ProblemSource
from tests.factories import make_committee, make_org, make_secretary, make_staff, make_user

TODAY = timezone.localdate()
YESTERDAY = TODAY - timedelta(days=1)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@pytest.fixture
def org(committee):
    return make_org(committee, name="和平社区党委")


@pytest.fixture
def items(staff, org):
    made = [
        rect.create_item(
            by=staff, organization=org, problem=p, source=ProblemSource.COMMENT, deadline=d
        )
        for p, d in (("三会一课记录不规范", date(2026, 6, 30)), ("党费收缴不及时", None))
    ]
    rect.add_progress(made[0], by=staff, day=YESTERDAY, note="已开始整理记录")
    return made


def download(client, name="items_excel_template", **params):
    response = client.get(reverse(name), params)
    assert response.status_code == 200 and response["Content-Type"] == XLSX
    return load_workbook(BytesIO(b"".join(response.streaming_content)))


def as_upload(workbook) -> SimpleUploadedFile:
    buffer = BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("整改进展.xlsx", buffer.getvalue(), content_type=XLSX)


def rows_of(workbook):
    return list(workbook[items_excel.SHEET].iter_rows(min_row=2, values_only=True))


def write(workbook, row: int, **cells):
    sheet = workbook[items_excel.SHEET]
    for header, value in cells.items():
        sheet.cell(row=row, column=items_excel.HEADERS.index(header) + 1, value=value)


def upload(client, workbook, name="items_excel"):
    return client.post(reverse(name), {"file": as_upload(workbook)})


def state():
    """Everything an upload could change."""
    return (
        ItemEvent.objects.count(),
        ItemProgress.objects.count(),
        sorted(ItemEvent.objects.values_list("item__status", flat=True).distinct()),
    )


def test_the_download_lists_the_items_with_status_and_latest_note(staff_client, items):
    foreign = make_org(make_committee())
    rect.create_item(by=None, organization=foreign, problem="别人的问题", source="其他")
    workbook = download(staff_client)
    header = next(workbook[items_excel.SHEET].iter_rows(max_row=1, values_only=True))
    assert header == items_excel.HEADERS
    rows = rows_of(workbook)
    assert [r[0] for r in rows] == [items[0].pk, items[1].pk]  # deadline first, none last
    assert rows[0][1:5] == ("和平社区党委", "三会一课记录不规范", rows[0][3], "整改中")
    assert rows[0][3].date() == date(2026, 6, 30)
    assert rows[0][5] == "已开始整理记录" and rows[0][6].date() == YESTERDAY
    assert rows[1][4] == "未开始" and rows[1][5] is None
    assert workbook[items_excel.SHEET].freeze_panes == "A2"
    assert "说明" in workbook.sheetnames


def test_uploading_the_download_unchanged_changes_nothing(staff_client, items):
    before = state()
    response = upload(staff_client, download(staff_client))
    assert response.status_code == 302
    assert state() == before


def test_notes_and_statuses_are_stored_and_the_same_file_twice_changes_nothing(
    staff_client, staff, items
):
    workbook = download(staff_client)
    write(workbook, 2, 状态="已完成", 进展情况="全年记录已补齐", 日期=TODAY.isoformat())
    write(workbook, 3, 状态="整改中")
    response = upload(staff_client, workbook)
    assert response.status_code == 302
    first, second = (item.__class__.objects.get(pk=item.pk) for item in items)
    assert first.status == ItemStatus.DONE and second.status == ItemStatus.IN_PROGRESS
    assert first.progress.last().note == "全年记录已补齐" and first.progress.last().by == staff
    assert list(second.events.values_list("action", "by")) == [
        ("created", staff.pk),
        ("started", staff.pk),
    ]
    before = state()
    assert upload(staff_client, workbook).status_code == 302
    assert state() == before


def test_one_bad_row_stores_nothing_and_every_problem_names_its_row_and_column(staff_client, items):
    foreign = rect.create_item(
        by=None, organization=make_org(make_committee()), problem="别人的", source="其他"
    )
    workbook = download(staff_client)
    write(workbook, 2, 状态="已完成", 进展情况="这一行本身没问题", 日期=TODAY.isoformat())
    write(workbook, 3, 状态="已销号")
    sheet = workbook[items_excel.SHEET]
    sheet.append([foreign.pk, "", "", None, "整改中"])
    sheet.append(["abc"])
    sheet.append([items[0].pk])
    sheet.append([items[1].pk, "", "", None, "做完了"])
    write(workbook, 8, 编号=items[1].pk, 进展情况="没写日期")
    before = state()
    response = upload(staff_client, workbook)
    assert response.status_code == 200 and state() == before
    errors = [(e.row, e.column) for e in response.context["errors"]]
    assert errors == [
        (3, "状态"),
        (4, "编号"),
        (5, "编号"),
        (6, "编号"),
        (7, "编号"),
        (8, "编号"),
    ]
    text = str(response.context["errors"][1])
    assert text.startswith(("Row 4 编号", "第4行 编号")) and str(foreign.pk) in text


def test_each_cell_is_checked(staff_client, items, staff):
    rect.mark_done(items[1], by=staff)
    workbook = download(staff_client)
    write(workbook, 2, 状态="做完了", 进展情况="新进展", 日期="明天")
    write(workbook, 3, 状态="整改中", 进展情况="新进展", 日期=TODAY + timedelta(days=1))
    response = upload(staff_client, workbook)
    errors = [(e.row, e.column) for e in response.context["errors"]]
    assert errors == [(2, "状态"), (2, "日期"), (3, "状态"), (3, "日期")]


def test_a_note_needs_a_date_and_a_date_needs_a_note(staff_client, items):
    workbook = download(staff_client)
    write(workbook, 2, 进展情况="新的进展", 日期="")
    write(workbook, 3, 日期=TODAY)
    errors = upload(staff_client, workbook).context["errors"]
    assert [(e.row, e.column) for e in errors] == [(2, "日期"), (3, "进展情况")]


def test_a_closed_item_takes_no_new_note_from_excel(staff_client, items, staff):
    rect.mark_done(items[1], by=staff)
    rect.close_item(items[1], by=staff, note="核查通过")
    workbook = download(staff_client)
    write(workbook, 3, 进展情况="又一条", 日期=TODAY)
    errors = upload(staff_client, workbook).context["errors"]
    assert [(e.row, e.column) for e in errors] == [(3, "进展情况")]


def test_a_file_without_the_columns_or_not_a_workbook_is_refused(staff_client, items):
    workbook = Workbook()
    workbook.active.append(["代码", "名称"])
    errors = upload(staff_client, workbook).context["errors"]
    assert len(errors) == 1 and "编号" in str(errors[0])
    fake = SimpleUploadedFile("x.xlsx", b"not a workbook", content_type=XLSX)
    response = staff_client.post(reverse("items_excel"), {"file": fake})
    assert response.status_code == 200 and response.context["form"].errors


def test_a_secretary_updates_only_their_own_items(client, items, org, committee):
    user = make_user(first_name="李红")
    make_secretary(org, name="李红", user=user)
    other_org = make_org(committee)
    other = rect.create_item(by=None, organization=other_org, problem="邻居的", source="其他")
    client.force_login(user)
    workbook = download(client, "my_items_excel_template")
    assert [r[0] for r in rows_of(workbook)] == [items[0].pk, items[1].pk]
    write(workbook, 3, 状态="已完成")
    assert upload(client, workbook, "my_items_excel").status_code == 302
    items[1].refresh_from_db()
    assert items[1].status == ItemStatus.DONE
    assert items[1].events.last().by == user
    workbook[items_excel.SHEET].append([other.pk, "", "", None, "已完成"])
    errors = upload(client, workbook, "my_items_excel").context["errors"]
    assert [(e.row, e.column) for e in errors] == [(4, "编号")]


def test_staff_of_another_committee_cannot_update_these_items(items):
    client = Client()
    client.force_login(make_staff(make_committee()))
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(list(items_excel.HEADERS))
    sheet.append([items[1].pk, "", "", None, "已完成"])
    errors = upload(client, workbook).context["errors"]
    assert [(e.row, e.column) for e in errors] == [(2, "编号")]
