"""The results workbook (结果汇总, 指标得分, 测评明细, 整改清单, 概况), built from the shared rows.

Every text cell is written as text, whatever it starts with: openpyxl would otherwise store
"=HYPERLINK(…)" from a user as a live formula. Numbers stay numbers (exact Decimals) with
two-decimal formats. The same data gives the same bytes: the ballot order is shuffled with a
key only the server knows, and the zip's timestamps are taken from the meeting.
"""

from __future__ import annotations

import hashlib
import hmac
import random
import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from io import BytesIO
from pathlib import Path
from typing import Any
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from django.conf import settings
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from meetings.exports import rows as R
from meetings.models import Meeting
from meetings.results import meeting_results

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SCORE = "0.00"
RATE = "0.00%"
INTEGER = "0"
DATE = "yyyy-mm-dd"
MIN_WIDTH, MAX_WIDTH = 6, 60
HEADER_FILL = PatternFill("solid", fgColor="F2DCDB")


def put_text(cell: Cell, value: str) -> Cell:
    """Write text that stays text: never a formula, whatever it starts with (= + - @)."""
    cell.value = ILLEGAL_CHARACTERS_RE.sub("", value)
    cell.data_type = "s"
    return cell


def put(cell: Cell, value: Any, number_format: str | None = None) -> Cell:
    """Write one value: text as text, numbers as numbers in `number_format`, None as empty."""
    if value is None:
        return cell
    if isinstance(value, str):
        return put_text(cell, value)
    if isinstance(value, bool):
        return put_text(cell, _("yes") if value else _("no"))
    cell.value = value
    if isinstance(value, date):
        cell.number_format = DATE
    elif number_format:
        cell.number_format = number_format
    return cell


def display_width(value: Any, number_format: str | None = None) -> int:
    """Characters a value takes on screen; CJK and other wide characters count double."""
    if value is None:
        return 0
    if isinstance(value, Decimal | float | int) and not isinstance(value, bool):
        return len(f"{value:.2f}") + (1 if number_format == RATE else 0)
    text = value.isoformat() if isinstance(value, date) else str(value)
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


class Column:
    """A column of a sheet: its header and the number format of its values."""

    def __init__(self, header: str, number_format: str | None = None):
        self.header = header
        self.number_format = number_format


def write_sheet(
    sheet: Worksheet, columns: Sequence[Column], values: Iterable[Sequence[Any]]
) -> Worksheet:
    """Header row (bold, frozen, filtered), then one row per item; widths fit the content."""
    widths = [display_width(c.header) for c in columns]
    for index, column in enumerate(columns, start=1):
        cell = put_text(sheet.cell(row=1, column=index), column.header)
        cell.font, cell.fill = Font(bold=True), HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=False)
    number = 1
    for number, row in enumerate(values, start=2):
        for index, (column, value) in enumerate(zip(columns, row, strict=True), start=1):
            put(sheet.cell(row=number, column=index), value, column.number_format)
            widths[index - 1] = max(widths[index - 1], display_width(value, column.number_format))
    for index, width in enumerate(widths, start=1):
        letter = get_column_letter(index)
        sheet.column_dimensions[letter].width = min(MAX_WIDTH, max(MIN_WIDTH, width + 2))
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(columns))}{number}"
    return sheet


def _indicator_header(name: str, points: Decimal) -> str:
    return _("%(name)s (%(points)s points)") % {"name": name, "points": f"{points.normalize():f}"}


def write_ranking(sheet: Worksheet, ranking: list[R.RankingRow]) -> None:
    """结果汇总: one row per reporter in display order."""
    grades = ("好", "较好", "一般", "差")
    columns = [
        Column(_("Rank"), INTEGER),
        Column(_("Organization code")),
        Column(_("Party organization")),
        Column(_("Secretary")),
        Column(_("Indicator scoring"), SCORE),
        Column(_("Grade appraisal"), SCORE),
        Column(_("Daily assessment"), SCORE),
        Column(_("Composite score"), SCORE),
        Column(_("Grade")),
        Column(_("Good rate"), RATE),
        Column(_("Share of 差 votes"), RATE),
        Column(_("Notes")),
        Column(_("Kind")),
        Column(_("Indicator ballots"), INTEGER),
        Column(_("Grade ballots"), INTEGER),
        *[Column(_("%(grade)s votes") % {"grade": g}, INTEGER) for g in grades],
        Column(_("Standard deviation of ballot totals"), SCORE),
        Column(_("Max − min of ballot totals"), SCORE),
        Column(_("Previous rank"), INTEGER),
        Column(_("Previous grade")),
        Column(_("Rank change"), INTEGER),
    ]
    values = [
        [
            r.rank,
            r.org_code,
            r.org_name,
            r.secretary,
            r.indicators,
            r.grades,
            r.daily,
            r.composite,
            r.grade,
            r.good_rate,
            r.bad_share,
            "、".join(r.flag_labels),
            r.org_kind,
            r.indicator_ballots,
            r.grade_ballots,
            *[r.grade_counts.get(g, 0) for g in grades],
            r.stdev,
            r.spread,
            r.previous_rank,
            r.previous_grade,
            r.rank_change,
        ]
        for r in ranking
    ]
    write_sheet(sheet, columns, values)


def write_indicators(
    sheet: Worksheet, indicators: list[tuple[str, str, Decimal]], rows: list[R.IndicatorRow]
) -> None:
    """指标得分: each reporter's mean score per indicator, the header giving the most points."""
    columns = [Column(_("Organization code")), Column(_("Party organization"))]
    columns += [Column(_indicator_header(name, points), SCORE) for _c, name, points in indicators]
    values = [
        [r.org_code, r.org_name, *[r.averages.get(code) for code, _n, _p in indicators]]
        for r in rows
    ]
    write_sheet(sheet, columns, values)


def write_ballots(
    sheet: Worksheet, indicators: list[tuple[str, str, Decimal]], rows: list[R.BallotRow]
) -> None:
    """测评明细: every ballot, anonymised (seat codes only, random order, no times)."""
    columns = [
        Column(_("Seat")),
        Column(_("Evaluator group")),
        Column(_("Organization code")),
        Column(_("Party organization")),
        *[Column(_indicator_header(name, points), SCORE) for _c, name, points in indicators],
        Column(_("Ballot total"), SCORE),
        Column(_("Grade")),
        Column(_("Opinion")),
    ]
    values = [
        [
            r.seat,
            r.group,
            r.org_code,
            r.org_name,
            *[r.scores.get(code) for code, _n, _p in indicators],
            r.total,
            r.grade,
            r.opinion,
        ]
        for r in rows
    ]
    write_sheet(sheet, columns, values)


def write_items(sheet: Worksheet, rows: list[R.ItemRow]) -> None:
    """整改清单: the meeting's rectification items."""
    columns = [
        Column(_("No."), INTEGER),
        Column(_("Organization code")),
        Column(_("Party organization")),
        Column(_("Problem")),
        Column(_("Source")),
        Column(_("Rectification measures")),
        Column(_("Person responsible")),
        Column(_("Deadline")),
        Column(_("Status")),
        Column(_("Overdue")),
        Column(_("Latest progress")),
        Column(_("Came back from an earlier item")),
    ]
    values = [
        [
            r.id,
            r.org_code,
            r.org_name,
            r.problem,
            r.source,
            r.measures,
            r.owner,
            r.deadline,
            r.status,
            r.overdue,
            r.progress,
            r.came_back,
        ]
        for r in rows
    ]
    write_sheet(sheet, columns, values)


def grade_count_label(grade: str) -> str:
    if grade == R.NO_GRADE:
        return _("Reporters without a grade")
    return _("Reporters graded %(grade)s") % {"grade": grade}


def write_overview(sheet: Worksheet, info: R.Overview) -> None:
    """概况: what the workbook is about, and whether its results are final."""
    status = _("final results") if info.official else _("provisional: scoring is not closed yet")
    pairs: list[tuple[str, Any]] = [
        (_("Meeting"), info.title),
        (_("Year"), info.year),
        (_("Date"), info.date),
        (_("Venue"), info.venue),
        (_("Stage"), info.stage),
        (_("Results"), status),
        (_("Scheme"), info.scheme_name),
        (_("Reporters"), info.reporters),
        (_("Seats"), info.seats),
        (_("Ballots"), info.ballots),
        *[(grade_count_label(g), n) for g, n in info.grade_counts.items()],
    ]
    write_sheet(sheet, [Column(_("Item")), Column(_("Value"), INTEGER)], pairs)


def ballot_order(meeting: Meeting) -> random.Random:
    """The shuffle of the ballot sheet: fixed per meeting, unpredictable without the secret key,
    so the download and the command give the same file and the order reveals nothing."""
    key = hmac.new(
        settings.SECRET_KEY.encode(), f"ballot-order:{meeting.pk}".encode(), hashlib.sha256
    )
    return random.Random(key.digest())


def meeting_workbook(meeting: Meeting, *, shuffle: random.Random | None = None) -> Workbook:
    """The results workbook of a meeting, every sheet from the shared row builders."""
    indicators = R.indicator_columns(meeting)
    results = meeting_results(meeting)
    workbook = Workbook()
    write_ranking(workbook.active, R.ranking_rows(meeting, results=results))
    workbook.active.title = _("Results summary")
    write_indicators(
        workbook.create_sheet(_("Indicator scores")),
        indicators,
        R.indicator_rows(meeting, results=results),
    )
    ballots = R.ballot_rows(meeting, shuffle=shuffle or ballot_order(meeting))
    write_ballots(workbook.create_sheet(_("Ballot details")), indicators, ballots)
    write_items(workbook.create_sheet(_("Rectification list")), R.item_rows(meeting))
    write_overview(workbook.create_sheet(_("Overview")), R.overview(meeting, results=results))
    workbook.properties.title = meeting.title
    workbook.properties.creator = ""
    return workbook


def stamp(meeting: Meeting) -> datetime:
    """The time written into the file: the meeting's last change, in UTC, whole seconds."""
    return meeting.updated_at.astimezone(UTC).replace(tzinfo=None, microsecond=0)


class StampedZip(ZipFile):
    """A zip being written whose every entry carries the same time, not the clock's."""

    def __init__(self, file: BytesIO, when: datetime):
        super().__init__(file, "w", ZIP_DEFLATED, allowZip64=True)
        self.when = when.timetuple()[:6]

    def writestr(self, zinfo_or_arcname, data, compress_type=None, compresslevel=None):
        if not isinstance(zinfo_or_arcname, ZipInfo):
            zinfo_or_arcname = ZipInfo(zinfo_or_arcname, date_time=self.when)
            zinfo_or_arcname.compress_type = ZIP_DEFLATED
            zinfo_or_arcname.external_attr = 0o600 << 16
        super().writestr(zinfo_or_arcname, data, compress_type, compresslevel)

    def write(self, filename, arcname=None, compress_type=None, compresslevel=None):
        with open(filename, "rb") as file:
            self.writestr(arcname or Path(filename).name, file.read())


def workbook_bytes(workbook: Workbook, when: datetime) -> bytes:
    """The saved workbook with every timestamp set to `when`: the same workbook, the same bytes.

    What `openpyxl.save_workbook` does, except that it would stamp the file with "now"."""
    workbook.properties.created = workbook.properties.modified = when
    buffer = BytesIO()
    ExcelWriter(workbook, StampedZip(buffer, when)).save()
    return buffer.getvalue()


def meeting_xlsx(meeting: Meeting, *, shuffle: random.Random | None = None) -> bytes:
    """The workbook's bytes, as the download button and `export_meeting --format xlsx` give."""
    return workbook_bytes(meeting_workbook(meeting, shuffle=shuffle), stamp(meeting))


def filename(meeting: Meeting) -> str:
    """述职评议结果-<title>.xlsx, without characters a file system refuses."""
    title = re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", meeting.title).strip(" .") or str(meeting.pk)
    return f"{_('Appraisal results')}-{title}.xlsx"
