"""Bulk progress update of rectification items through an Excel workbook.

One sheet "整改进展", one row per item: its number (编号), organization, problem and deadline
for reading, then the columns to fill in: 状态, 进展情况 and 日期. The download is prefilled
with each item's status and latest progress note, so uploading it unchanged changes nothing.
The upload checks every row first and stores all rows or, on any problem, nothing; a row
that says what is already stored changes nothing, so the same file can be uploaded twice.
Closing (销号) and sending back stay on the item page, where staff write why.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import IO, Any

from django import forms
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from appraisal.roster_io import (
    BAD_DATE,
    TOO_LONG,
    XLSX_CONTENT_TYPE,
    RowError,
    TableSpec,
    XlsxUploadForm,
    cell_date,
    cell_text,
    open_workbook,
    read_sheet,
    row_error,
    text_cell,
    write_header,
    write_help,
)
from meetings import rectification as rect
from meetings.models import ItemProgress, ItemStatus, RectificationItem

SHEET = "整改进展"
HELP_SHEET = "说明"
MAX_ROWS = 5000
MAX_NOTE = 4000
ID, ORG, PROBLEM, DEADLINE, STATUS, NOTE, DAY = (
    "编号", "组织", "问题", "完成时限", "状态", "进展情况", "日期"
)  # fmt: skip
HEADERS = (ID, ORG, PROBLEM, DEADLINE, STATUS, NOTE, DAY)
READ = {ID, STATUS, NOTE, DAY}  # the other columns are there to read, and are not checked
WIDTHS = {ID: 8, ORG: 24, PROBLEM: 50, DEADLINE: 12, STATUS: 10, NOTE: 50, DAY: 12}

REQUIRED_ID = gettext_lazy("required: the item's number from the downloaded file")
BAD_ID = gettext_lazy("“%(value)s” is not an item number; keep the numbers of the downloaded file")
UNKNOWN_ID = gettext_lazy(
    "there is no item number %(value)s among your items; download the file again"
)
DUPLICATE_ID = gettext_lazy("item %(value)s is also in row %(other)s; keep one row per item")
BAD_STATUS = gettext_lazy("“%(value)s” is not a status; use one of: %(allowed)s")
NO_BACK_TO_START = gettext_lazy(
    "the item is “%(current)s” and cannot go back to “%(value)s”; keep “%(current)s”"
)
CLOSE_ON_PAGE = gettext_lazy(
    "“%(value)s” is set by staff on the item's page after checking the result; keep "
    "“%(current)s” or write 已完成"
)
BACK_ON_PAGE = gettext_lazy(
    "the item is “%(current)s”; sending it back is done by staff on the item's page; keep "
    "“%(current)s”"
)
CLOSED_NO_NOTE = gettext_lazy(
    "the item is verified and closed (已销号) and takes no more progress notes; clear the cell"
)
DATE_NEEDED = gettext_lazy("give the date of the progress, e.g. 2026-03-15")
NOTE_NEEDED = gettext_lazy("a date without a progress note; write the note or clear the date")
FUTURE_DATE = gettext_lazy("%(value)s lies in the future; give the day the work was done")
TOO_MANY_ROWS = gettext_lazy(
    "The sheet has more than %(max)s items; split it into files of at most %(max)s rows."
)
NO_ROWS = gettext_lazy("The sheet has no items below the header row.")

COLUMN_HELP = {
    ID: gettext_lazy("The item's number. Do not change it; it says which item the row updates."),
    ORG: gettext_lazy("For reading only; changes here are ignored."),
    PROBLEM: gettext_lazy("For reading only; changes here are ignored."),
    DEADLINE: gettext_lazy("For reading only; changes here are ignored."),
    STATUS: gettext_lazy(
        "未开始, 整改中 or 已完成. Write 已完成 when the rectification is finished; staff then "
        "verify it and close it (已销号). Empty keeps the status."
    ),
    NOTE: gettext_lazy(
        "What was done. A new note is added to the item's progress; the note already shown "
        "(the latest one) is not added twice."
    ),
    DAY: gettext_lazy("The day of the progress, e.g. 2026-03-15; needed with a note."),
}


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    notes_added: int = 0
    statuses_changed: int = 0
    unchanged: int = 0

    def summary(self) -> str:
        return _(
            "Progress notes added: %(notes_added)s; statuses changed: %(statuses_changed)s; "
            "rows without changes: %(unchanged)s."
        ) % vars(self)


@dataclass
class ProgressRow:
    """One checked row: the item and what to do to it."""

    row: int
    item: RectificationItem
    status: str | None = None  # the new status, None to keep it
    note: str = ""
    day: date | None = None

    @property
    def changes(self) -> bool:
        return bool(self.note) or self.status is not None


# Reading


ITEMS_TABLE = TableSpec(
    sheet=SHEET,
    known=frozenset(READ),
    required=tuple(h for h in HEADERS if h in READ),
    max_rows=MAX_ROWS,
    too_many_rows=TOO_MANY_ROWS,
    no_rows=NO_ROWS,
)


def parse_id(number: int, value: Any) -> tuple[int | None, list[RowError]]:
    text = cell_text(value).lstrip("#")
    if not text:
        return None, [row_error(number, ID, REQUIRED_ID)]
    if not text.isdigit():
        return None, [row_error(number, ID, BAD_ID, value=text)]
    return int(text), []


def target_status(number: int, item: RectificationItem, text: str) -> tuple[str | None, list]:
    """The status to move to (None: keep it), or the reason the move belongs elsewhere."""
    if not text or text == item.status:
        return None, []
    current = item.status
    if text not in ItemStatus.values:
        allowed = "、".join(ItemStatus.values)
        return None, [row_error(number, STATUS, BAD_STATUS, value=text, allowed=allowed)]
    if text == ItemStatus.CLOSED:
        return None, [row_error(number, STATUS, CLOSE_ON_PAGE, value=text, current=current)]
    if text == ItemStatus.NOT_STARTED:
        return None, [row_error(number, STATUS, NO_BACK_TO_START, value=text, current=current)]
    if item.status in rect.FINISHED_STATUSES:
        return None, [row_error(number, STATUS, BACK_ON_PAGE, current=current)]
    return text, []


def parse_row(number: int, cells: dict[str, Any], item: RectificationItem, today: date):
    """Checks one row against its item; returns the row (with what changes) and its errors."""
    row, errors = ProgressRow(number, item), []
    row.status, status_errors = target_status(number, item, cell_text(cells[STATUS]))
    errors += status_errors
    note = cell_text(cells[NOTE])
    try:
        day = cell_date(cells[DAY])
    except ValueError:
        day = None
        errors.append(row_error(number, DAY, BAD_DATE, value=cell_text(cells[DAY])))
    else:
        if day and day > today:
            errors.append(row_error(number, DAY, FUTURE_DATE, value=day.isoformat()))
        elif day and not note:
            errors.append(row_error(number, NOTE, NOTE_NEEDED))
    if note and len(note) > MAX_NOTE:
        errors.append(row_error(number, NOTE, TOO_LONG, max=MAX_NOTE, length=len(note)))
    elif note and day is None and not any(e.column == DAY for e in errors):
        errors.append(row_error(number, DAY, DATE_NEEDED))
    elif note and day and not item.progress.filter(day=day, note=note).exists():
        if item.status == ItemStatus.CLOSED:
            errors.append(row_error(number, NOTE, CLOSED_NO_NOTE))
        row.note, row.day = note, day
    return row, errors


# Storing


def import_progress(
    file: IO[bytes], scope: QuerySet[RectificationItem], *, by, today: date | None = None
) -> ImportResult:
    """Checks every row of the workbook, then applies all of them or, on any problem, none."""
    today = today or timezone.localdate()
    workbook = open_workbook(file)
    try:
        table, errors = read_sheet(workbook, ITEMS_TABLE)
    finally:
        workbook.close()
    if errors:
        return ImportResult(errors=errors)
    with transaction.atomic():
        rows, errors = check_rows(table, scope, today)
        if errors:
            order = {h: i for i, h in enumerate(HEADERS)}
            return ImportResult(errors=sorted(errors, key=lambda e: (e.row, order[e.column])))
        return apply_rows(rows, by)


def check_rows(table, scope, today: date) -> tuple[list[ProgressRow], list[RowError]]:
    ids = {}
    errors: list[RowError] = []
    for number, cells in table:
        pk, id_errors = parse_id(number, cells[ID])
        errors += id_errors
        if pk is not None and pk in ids:
            errors.append(row_error(number, ID, DUPLICATE_ID, value=pk, other=ids[pk]))
        elif pk is not None:
            ids[pk] = number
    items = scope.select_related("organization").in_bulk(list(ids))
    rows = []
    for number, cells in table:
        pk, _errors = parse_id(number, cells[ID])
        if pk is None or ids.get(pk) != number:
            continue
        if pk not in items:
            errors.append(row_error(number, ID, UNKNOWN_ID, value=pk))
            continue
        row, row_errors = parse_row(number, cells, items[pk], today)
        rows.append(row)
        errors += row_errors
    return rows, errors


def apply_rows(rows: list[ProgressRow], by) -> ImportResult:
    result = ImportResult()
    for row in rows:
        if not row.changes:
            result.unchanged += 1
            continue
        status_before = row.item.status
        if row.note:
            rect.add_progress(row.item, by=by, day=row.day, note=row.note)
            result.notes_added += 1
        if row.status == ItemStatus.DONE:
            rect.mark_done(row.item, by=by)
        elif row.status == ItemStatus.IN_PROGRESS and row.item.status == ItemStatus.NOT_STARTED:
            rect.start_item(row.item, by=by)
        if row.item.status != status_before:
            result.statuses_changed += 1
    return result


# Writing


def latest_notes(items: list[RectificationItem]) -> dict[int, ItemProgress]:
    latest: dict[int, ItemProgress] = {}
    progress = ItemProgress.objects.filter(item__in=items).order_by("day", "id")
    for note in progress:
        latest[note.item_id] = note
    return latest


def progress_workbook(items: QuerySet[RectificationItem]) -> Workbook:
    """The items with their status and latest note, in the format the upload reads back."""
    items = list(items.select_related("organization"))
    latest = latest_notes(items)
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    write_header(sheet, [(h, WIDTHS[h]) for h in HEADERS])
    for number, item in enumerate(items, start=2):
        note = latest.get(item.pk)
        values = [
            item.pk, item.organization.name, item.problem, item.deadline, item.status,
            note.note if note else "", note.day if note else None,
        ]  # fmt: skip
        for index, value in enumerate(values, start=1):
            if value not in (None, ""):
                text_cell(sheet, number, index, value)
    status_letter = get_column_letter(HEADERS.index(STATUS) + 1)
    validation = DataValidation(
        type="list", formula1=f'"{",".join(ItemStatus.values)}"', allow_blank=True
    )
    validation.add(f"{status_letter}2:{status_letter}{max(len(items), 1) + 1}")
    sheet.add_data_validation(validation)
    write_help_sheet(workbook.create_sheet(HELP_SHEET))
    return workbook


def write_help_sheet(sheet) -> None:
    notes = [
        _("One row per item; keep the headers and the numbers (编号) as they are."),
        _(
            "Every row is checked before anything is stored; if any row has a problem, nothing "
            "is stored and each problem is listed with its row and column."
        ),
        _("Uploading the same file again changes nothing."),
    ]
    write_help(sheet, [(h, str(COLUMN_HELP[h])) for h in HEADERS], notes)


# The upload form


class ItemsUploadForm(XlsxUploadForm):
    too_large = gettext_lazy(
        "The file is %(size)s MB; the limit is %(max)s MB. Split it into smaller files."
    )
    file = forms.FileField(
        label=gettext_lazy("Progress workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )
