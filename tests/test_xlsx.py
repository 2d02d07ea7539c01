"""The results workbook, read back with openpyxl: sheets, numbers, text that stays text."""

import random
import zipfile
from decimal import Decimal
from io import BytesIO

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils.encoding import escape_uri_path
from openpyxl import Workbook, load_workbook

from meetings.exports import rows, xlsx
from meetings.models import RectificationItem
from tests.factories import (
    make_ballot,
    make_committee,
    make_meeting,
    make_org,
    make_reporter,
    make_seat,
    make_staff,
)

D = Decimal
LINK = '=HYPERLINK("http://x","点我")'
RISKY = [LINK, "+1", "-2", "@SUM(1)", "=1+1"]


def scores(zz, zd, zf):
    return {"ZZ": str(zz), "ZD": str(zd), "ZF": str(zf)}


@pytest.fixture
def meeting(committee):
    """Two reporters (one named like a formula), a practice reporter, three seats, opinions
    that start with + - @ and an item whose problem is a formula."""
    # Named: its groups are too small to be broken down in an anonymous meeting.
    meeting = make_meeting(committee, title="2025年度述职评议会", anonymous=False)
    first = make_reporter(
        meeting, make_org(committee, code="A01", name=LINK), secretary_name="张明", daily=D(90)
    )
    second = make_reporter(
        meeting, make_org(committee, code="A02", name="景山街道党工委"), daily=D("88.5")
    )
    practice = make_reporter(meeting, make_org(committee, code="P01"), rehearsal=True)
    seats = [make_seat(meeting, g, code=f"{g}001") for g in ("LD", "BM", "DB")]
    opinions = ["+1", "-2", "@SUM(1)"]
    for seat, opinion, points in zip(seats, opinions, (91, 83, 77), strict=True):
        make_ballot(seat, first, scores(18, 27, points - 45), "好", opinion=opinion)
        make_ballot(seat, second, scores(15, 25, points - 45 - 6), "较好", opinion="")
        make_ballot(seat, practice, scores(1, 1, 1), "差", opinion="试评")
    RectificationItem.objects.create(
        organization=first.organization, meeting=meeting, problem="=1+1", source="领导点评"
    )
    return meeting


def read(data: bytes):
    return load_workbook(BytesIO(data))


def values(sheet):
    return [[c.value for c in row] for row in sheet.iter_rows()]


def test_the_workbook_has_the_four_sheets_and_an_overview(meeting):
    book = read(xlsx.meeting_xlsx(meeting))
    assert len(book.worksheets) == 5
    summary, indicators, ballots, items, overview = book.worksheets
    assert summary.max_row == 3 and indicators.max_row == 3  # header + two reporters
    assert ballots.max_row == 7  # header + 2 × 3 ballots, practice left out
    assert items.max_row == 2
    assert overview["A2"].value and overview["B2"].value == meeting.title


def test_every_sheet_has_a_frozen_header_an_auto_filter_and_fitted_widths(meeting):
    book = read(xlsx.meeting_xlsx(meeting))
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref == sheet.dimensions
        assert all(c.font.b for c in sheet[1])
    summary = book.worksheets[0]
    # The organization column fits the longest name; CJK characters count double.
    assert summary.column_dimensions["C"].width >= xlsx.display_width(LINK)
    assert xlsx.display_width("党组织") == 6 and xlsx.display_width("A01") == 3


def test_text_from_users_stays_text_whatever_it_starts_with(meeting):
    data = xlsx.meeting_xlsx(meeting)
    book = read(data)
    found = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if cell.value in RISKY:
                    assert cell.data_type == "s", (sheet.title, cell.coordinate)
                    found.append(cell.value)
    assert set(found) == set(RISKY)
    with zipfile.ZipFile(BytesIO(data)) as archive:
        sheets = [n for n in archive.namelist() if n.startswith("xl/worksheets/")]
        assert all(b"<f>" not in archive.read(n) for n in sheets)


def test_put_text_writes_a_formula_looking_string_as_a_string():
    sheet = Workbook().active
    cell = xlsx.put_text(sheet["A1"], "=SUM(A2:A9)")
    assert (cell.data_type, cell.value) == ("s", "=SUM(A2:A9)")
    # Characters Excel forbids are dropped rather than breaking the whole file.
    assert xlsx.put_text(sheet["A2"], "a\x0bb").value == "ab"


def test_numbers_are_numbers_with_two_decimal_and_percent_formats(meeting):
    ranking = rows.ranking_rows(meeting)
    summary = read(xlsx.meeting_xlsx(meeting)).worksheets[0]
    for number, row in enumerate(ranking, start=2):
        line = summary[number]
        assert (line[0].value, line[1].value, line[2].value) == (
            row.rank,
            row.org_code,
            row.org_name,
        )
        for cell, value in zip(
            line[4:8], (row.indicators, row.grades, row.daily, row.composite), strict=True
        ):
            assert cell.data_type == "n" and cell.number_format == "0.00"
            assert D(str(cell.value)) == value
        assert line[8].value == row.grade
        assert (line[9].number_format, line[10].number_format) == ("0.00%", "0.00%")
        assert D(str(line[9].value)) == row.good_rate
        assert D(str(line[10].value)) == row.bad_share


def test_indicator_sheet_headers_give_the_most_points_and_cells_the_means(meeting):
    sheet = read(xlsx.meeting_xlsx(meeting)).worksheets[1]
    header = [c.value for c in sheet[1]]
    assert "20" in header[2] and "政治建设" in header[2]
    assert "50" in header[4] and "作风建设" in header[4]
    first = rows.indicator_rows(meeting)[0]
    assert [D(str(c.value)) for c in sheet[2][2:]] == list(first.averages.values())


def test_the_ballot_sheet_is_anonymous_and_its_order_seedable(meeting):
    one = read(xlsx.meeting_xlsx(meeting, shuffle=random.Random(1))).worksheets[2]
    two = read(xlsx.meeting_xlsx(meeting, shuffle=random.Random(1))).worksheets[2]
    assert values(one) == values(two)
    header = [c.value for c in one[1]]
    assert len(header) == 4 + 3 + 3  # seat, group, org code, org; indicators; total, grade, opinion
    seats = {row[0] for row in values(one)[1:]}
    assert seats == {"LD001", "BM001", "DB001"}
    expected = rows.ballot_rows(meeting, shuffle=random.Random(1))
    assert [row[0] for row in values(one)[1:]] == [b.seat for b in expected]


def test_the_same_data_gives_the_same_bytes(meeting):
    assert xlsx.meeting_xlsx(meeting) == xlsx.meeting_xlsx(meeting)


def test_the_file_carries_the_meetings_time_not_the_clocks(meeting):
    when = xlsx.stamp(meeting)
    with zipfile.ZipFile(BytesIO(xlsx.meeting_xlsx(meeting))) as archive:
        # Zip times count in steps of two seconds.
        even = when.replace(second=when.second - when.second % 2)
        assert {i.date_time for i in archive.infolist()} == {even.timetuple()[:6]}
        core = archive.read("docProps/core.xml").decode()
    assert core.count(when.strftime("%Y-%m-%dT%H:%M:%SZ")) == 2  # created and modified


def test_staff_download_the_workbook_with_its_name_in_the_header(staff_client, meeting):
    response = staff_client.get(reverse("meeting_export_xlsx", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == xlsx.CONTENT_TYPE
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment; filename=")
    assert f"filename*=UTF-8''{escape_uri_path(xlsx.filename(meeting))}" in disposition
    assert xlsx.filename(meeting).endswith("-2025年度述职评议会.xlsx")
    assert read(response.content).worksheets[0]["B2"].value == "A01"


def test_staff_of_another_committee_cannot_download_the_workbook(client, meeting):
    client.force_login(make_staff(make_committee()))
    assert client.get(reverse("meeting_export_xlsx", args=[meeting.pk])).status_code == 404


def test_the_download_needs_a_sign_in(client, meeting):
    response = client.get(reverse("meeting_export_xlsx", args=[meeting.pk]))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_command_writes_the_same_file_as_the_download(staff_client, meeting, tmp_path):
    target = tmp_path / "results.xlsx"
    call_command("export_meeting", str(meeting.pk), "--format", "xlsx", "--output", str(target))
    download = staff_client.get(reverse("meeting_export_xlsx", args=[meeting.pk])).content
    from_command = target.read_bytes()
    assert [values(s) for s in read(from_command)] == [values(s) for s in read(download)]
    assert from_command == download
