"""The roster as an Excel workbook: the template, the export, and the import that reads it back.

One sheet "名册", one row per organization with its roster secretary. The import checks
every row first and stores nothing unless all rows are valid; importing the same file
again changes nothing, and the export is in exactly the format the import accepts.
"""

from __future__ import annotations

import re
import zipfile
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime
from io import BytesIO
from typing import IO, Any

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Submit
from django import forms
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from appraisal.models import Committee, Organization, OrgKind, Secretary

SHEET = "名册"
HELP_SHEET = "说明"
ACTIVE, INACTIVE = "启用", "停用"
MAX_ROWS = 5000
XLSX_MAGIC = b"PK\x03\x04"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A roster of MAX_ROWS rows unpacks to a few MB; far more means a zip bomb, not a roster.
MAX_UNPACKED_BYTES = 100 * 1024 * 1024
DATE_FORMAT = "yyyy-mm-dd"
DATE_RE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?")


@dataclass(frozen=True)
class Column:
    header: str
    field: str
    width: int
    max_length: int | None = None
    required: bool = False


COLUMNS = (
    Column("代码", "code", 12, 30, required=True),
    Column("名称", "name", 32, 100, required=True),
    Column("类型", "kind", 12, required=True),
    Column("上级组织", "parent", 24),
    Column("状态", "status", 8),
    Column("书记姓名", "secretary", 12, 50),
    Column("书记职务", "title", 20, 100),
    Column("联系电话", "phone", 16, 30),
    Column("任职开始", "term_start", 14),
)
HEADERS = [c.header for c in COLUMNS]
BY_HEADER = {c.header: c for c in COLUMNS}
TEXT_FIELDS = {"code", "name", "kind", "parent", "secretary", "title", "phone"}
EXAMPLE_ROW = ["1001", "东城街道党工委", OrgKind.SUBDISTRICT.value, "", ACTIVE,
               "张明", "党工委书记", "010-12345678", date(2026, 1, 15)]  # fmt: skip

COLUMN_HELP = {
    "代码": gettext_lazy(
        "Required. The organization's code, unique in the roster; an organization already in "
        "the roster with this code is updated, otherwise a new one is added."
    ),
    "名称": gettext_lazy("Required. The organization's full name."),
    "类型": gettext_lazy("Required. One of: %(kinds)s."),
    "上级组织": gettext_lazy(
        "The code or exact name of the parent organization: one already in the roster or "
        "another row of this file. Leave empty for a top-level organization."
    ),
    "状态": gettext_lazy("启用 (active) or 停用 (deactivated); empty means 启用."),
    "书记姓名": gettext_lazy(
        "The current secretary. Empty leaves the secretaries as they are. A different name "
        "ends the current secretary's term and records the new one."
    ),
    "书记职务": gettext_lazy("The secretary's title."),
    "联系电话": gettext_lazy("The secretary's phone number."),
    "任职开始": gettext_lazy(
        "The day the secretary took office, e.g. 2026-01-15, 2026/1/15 or 2026年1月15日. For a "
        "new secretary who succeeds another, empty means today."
    ),
}

# What can be wrong, in the words the user reads; each says what to do about it.
REQUIRED = gettext_lazy("required, please fill it in")
TOO_LONG = gettext_lazy("too long: at most %(max)s characters, this one has %(length)s")
BAD_KIND = gettext_lazy("“%(value)s” is not a known kind; use one of: %(allowed)s")
BAD_STATUS = gettext_lazy("“%(value)s” is not a status; use 启用 or 停用 (empty means 启用)")
BAD_DATE = gettext_lazy(
    "“%(value)s” is not a date; write it like 2026-01-15, 2026/1/15 or 2026年1月15日"
)
NAME_NEEDED = gettext_lazy("needed when the secretary's title, phone or term start is filled in")
DUPLICATE_CODE = gettext_lazy(
    "“%(value)s” is also used in row %(other)s; every organization needs its own code"
)
PARENT_AMBIGUOUS = gettext_lazy(
    "“%(value)s” matches several organizations by name (%(codes)s); give its code instead"
)
PARENT_NOT_FOUND = gettext_lazy(
    "cannot find “%(value)s”; give the code or exact name of an organization in the roster "
    "or in this file"
)
PARENT_LOOP = gettext_lazy(
    "“%(value)s” would make a loop (%(path)s); an organization cannot sit below itself or "
    "its own branches"
)
START_TOO_EARLY = gettext_lazy(
    "the new secretary must start after %(name)s, in office since %(date)s"
)
START_AFTER_END = gettext_lazy("%(name)s's term ends on %(date)s; the term cannot start after that")
NO_SHEET = gettext_lazy("The workbook has no worksheet; use the template.")
DUPLICATE_HEADER = gettext_lazy(
    "The column “%(header)s” appears more than once in the first row; keep only one."
)
MISSING_HEADERS = gettext_lazy(
    "The first row must hold the column headers; missing: %(missing)s. Download the template "
    "to see them."
)
TOO_MANY_ROWS = gettext_lazy(
    "The sheet has more than %(max)s organizations; split it into files of at most %(max)s rows."
)
NO_ROWS = gettext_lazy("The sheet has no organizations below the header row.")


@dataclass(frozen=True)
class RowError:
    """One problem of the file; row 0 means the file as a whole."""

    row: int
    column: str
    problem: str

    def __str__(self) -> str:
        if not self.row:
            return self.problem
        return _("Row %(row)s %(column)s: %(problem)s") % {
            "row": self.row,
            "column": self.column,
            "problem": self.problem,
        }


def row_error(row: int, column: str, message, **params) -> RowError:
    return RowError(row, column, str(message) % params if params else str(message))


def file_error(message, **params) -> RowError:
    return row_error(0, "", message, **params)


@dataclass
class ImportResult:
    errors: list[RowError] = field(default_factory=list)
    orgs_created: int = 0
    orgs_updated: int = 0
    secretaries_created: int = 0
    secretaries_updated: int = 0

    def summary(self) -> str:
        return _(
            "Organizations: %(orgs_created)s added, %(orgs_updated)s updated; "
            "secretaries: %(secretaries_created)s added, %(secretaries_updated)s updated"
        ) % vars(self)


@dataclass
class RosterRow:
    """One parsed row; None means the column is not in the file (keep what is stored)."""

    row: int
    code: str = ""
    name: str = ""
    kind: str = ""
    parent: str | None = None
    active: bool | None = None
    secretary: str = ""
    title: str | None = None
    phone: str | None = None
    term_start: date | None = None


# Reading cells


def cell_text(value: Any) -> str:
    """A cell as trimmed text; a whole Excel number reads as "1001", not "1001.0"."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    return str(value).strip()


def cell_date(value: Any) -> date | None:
    """An Excel date or text such as 2026-01-15, 2026/1/15, 2026年1月15日; ValueError if neither."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = cell_text(value)
    if not text:
        return None
    match = DATE_RE.fullmatch(text)
    if not match:
        raise ValueError(text)
    return date(*(int(part) for part in match.groups()))


def kinds_text() -> str:
    return "、".join(OrgKind.values)


def parse_row(number: int, cells: dict[str, Any]) -> tuple[RosterRow, list[RowError]]:
    """Reads one row's cells (by header) into a RosterRow; bad cells become errors."""
    row, errors = RosterRow(number), []
    texts = {h: cell_text(v) for h, v in cells.items()}
    for header, text in texts.items():
        column = BY_HEADER[header]
        if column.required and not text:
            errors.append(row_error(number, header, REQUIRED))
        elif column.max_length and len(text) > column.max_length:
            errors.append(
                row_error(number, header, TOO_LONG, max=column.max_length, length=len(text))
            )
        elif column.field in TEXT_FIELDS:
            setattr(row, column.field, text)
    if row.kind and row.kind not in OrgKind.values:
        errors.append(row_error(number, "类型", BAD_KIND, value=row.kind, allowed=kinds_text()))
    if texts.get("状态") in ("", ACTIVE, INACTIVE):
        row.active = texts["状态"] != INACTIVE
    elif "状态" in texts:
        errors.append(row_error(number, "状态", BAD_STATUS, value=texts["状态"]))
    if "任职开始" in cells:
        try:
            row.term_start = cell_date(cells["任职开始"])
        except ValueError:
            errors.append(row_error(number, "任职开始", BAD_DATE, value=texts["任职开始"]))
    if not row.secretary and (row.title or row.phone or texts.get("任职开始")):
        errors.append(row_error(number, "书记姓名", NAME_NEEDED))
    return row, errors


# Reading the workbook


def open_workbook(file: IO[bytes]):
    file.seek(0)
    return load_workbook(file, read_only=True, data_only=True)


@dataclass(frozen=True)
class TableSpec:
    """What a sheet of an uploaded workbook must look like (shared by every Excel upload)."""

    sheet: str
    known: frozenset[str]  # headers whose columns are read
    required: tuple[str, ...]  # headers that must be there
    max_rows: int
    too_many_rows: Any  # message with %(max)s
    no_rows: Any


def read_sheet(
    workbook, spec: TableSpec
) -> tuple[list[tuple[int, dict[str, Any]]], list[RowError]]:
    """The data rows as (Excel row number, {header: value}), or the file's problems."""
    if not workbook.worksheets:
        return [], [file_error(NO_SHEET)]
    sheet = workbook[spec.sheet] if spec.sheet in workbook.sheetnames else workbook.worksheets[0]
    lines = sheet.iter_rows(values_only=True)
    positions: dict[str, int] = {}
    errors = []
    for index, value in enumerate(next(lines, None) or ()):
        header = cell_text(value)
        if header in positions:
            errors.append(file_error(DUPLICATE_HEADER, header=header))
        elif header in spec.known:
            positions[header] = index
    if missing := [h for h in spec.required if h not in positions]:
        errors.append(file_error(MISSING_HEADERS, missing="、".join(missing)))
    if errors:
        return [], errors
    table = []
    for number, values in enumerate(lines, start=2):
        if all(cell_text(v) == "" for v in values):
            continue
        if len(table) == spec.max_rows:
            return [], [file_error(spec.too_many_rows, max=spec.max_rows)]
        table.append(
            (number, {h: values[i] if i < len(values) else None for h, i in positions.items()})
        )
    return (table, []) if table else ([], [file_error(spec.no_rows)])


ROSTER_TABLE = TableSpec(
    sheet=SHEET,
    known=frozenset(BY_HEADER),
    required=tuple(c.header for c in COLUMNS if c.required),
    max_rows=MAX_ROWS,
    too_many_rows=TOO_MANY_ROWS,
    no_rows=NO_ROWS,
)


# Checking the rows against each other and the stored roster


def roster_secretaries(committee: Committee, today: date) -> dict[int, Secretary]:
    """Per organization, the secretary the roster shows: the latest whose term has not ended.

    Not `current_secretary()`: a successor recorded with a start in the future must already
    count, or importing the same file again would record them a second time.
    """
    open_terms = Secretary.objects.filter(organization__committee=committee).filter(
        Q(term_end__isnull=True) | Q(term_end__gte=today)
    )
    latest: dict[int, Secretary] = {}
    for secretary in open_terms.order_by(F("term_start").asc(nulls_first=True), "id"):
        latest[secretary.organization_id] = secretary
    return latest


def resolve_parents(
    rows: list[RosterRow], existing: dict[str, Organization]
) -> tuple[dict[str, str | None], list[RowError]]:
    """The parent code of each row that has a 上级组织 column, with duplicate codes, unknown or
    ambiguous parents and loops as errors. A name matches after the file's renames."""
    errors: list[RowError] = []
    first: dict[str, RosterRow] = {}
    names = {code: org.name for code, org in existing.items()}
    for row in rows:
        if row.code in first:
            other = first[row.code].row
            errors.append(row_error(row.row, "代码", DUPLICATE_CODE, value=row.code, other=other))
        elif row.code:
            first[row.code] = row
            names[row.code] = row.name or names.get(row.code, "")
    codes_by_name = defaultdict(list)
    for code, name in names.items():
        codes_by_name[name].append(code)
    code_of_id = {org.pk: code for code, org in existing.items()}
    parents = {code: code_of_id.get(org.parent_id) for code, org in existing.items()}
    resolved: dict[str, str | None] = {}
    for code, row in first.items():
        if row.parent is None:
            continue
        found = [row.parent] if row.parent in names else codes_by_name.get(row.parent, [])
        if not row.parent or len(found) == 1:
            resolved[code] = parents[code] = found[0] if row.parent else None
        elif found:
            codes = "、".join(sorted(found))
            errors.append(
                row_error(row.row, "上级组织", PARENT_AMBIGUOUS, value=row.parent, codes=codes)
            )
        else:
            errors.append(row_error(row.row, "上级组织", PARENT_NOT_FOUND, value=row.parent))
    for code, row in first.items():
        if resolved.get(code) and (loop := find_loop(code, parents)):
            path = " → ".join(loop)
            errors.append(row_error(row.row, "上级组织", PARENT_LOOP, value=row.parent, path=path))
    return resolved, errors


def find_loop(code: str, parents: dict[str, str | None]) -> list[str]:
    """The chain code → parent → … → code if climbing from code comes back to it, else []."""
    path, seen, node = [code], {code}, parents.get(code)
    while node is not None and node not in seen:
        path.append(node)
        seen.add(node)
        node = parents.get(node)
    return [*path, code] if node == code else []


def check_terms(
    rows: list[RosterRow], existing: dict[str, Organization], current: dict[int, Secretary],
    today: date,
) -> list[RowError]:  # fmt: skip
    """A successor starts after the one they succeed; a term cannot start after its end."""
    errors = []
    for row in rows:
        org = existing.get(row.code)
        secretary = current.get(org.pk) if org else None
        if not row.secretary or secretary is None:
            continue
        name, start, end = secretary.name, secretary.term_start, secretary.term_end
        if row.secretary != name and start and (row.term_start or today) <= start:
            errors.append(
                row_error(row.row, "任职开始", START_TOO_EARLY, name=name, date=start.isoformat())
            )
        elif row.secretary == name and row.term_start and end and row.term_start > end:
            errors.append(
                row_error(row.row, "任职开始", START_AFTER_END, name=name, date=end.isoformat())
            )
    return errors


# Storing


def import_roster(file: IO[bytes], committee: Committee, today: date) -> ImportResult:
    """Checks every row of the workbook, then stores all of them or, on any problem, nothing."""
    workbook = open_workbook(file)
    try:
        table, errors = read_sheet(workbook, ROSTER_TABLE)
    finally:
        workbook.close()
    if errors:
        return ImportResult(errors=errors)
    rows = []
    for number, cells in table:
        row, row_errors = parse_row(number, cells)
        rows.append(row)
        errors += row_errors
    with transaction.atomic():
        existing = {o.code: o for o in Organization.objects.filter(committee=committee)}
        current = roster_secretaries(committee, today)
        parents, parent_errors = resolve_parents(rows, existing)
        errors += parent_errors + check_terms(rows, existing, current, today)
        if errors:
            order = {h: i for i, h in enumerate(HEADERS)}
            return ImportResult(errors=sorted(errors, key=lambda e: (e.row, order[e.column])))
        result = ImportResult()
        store_organizations(rows, parents, existing, committee, result)
        store_secretaries(rows, existing, current, today, result)
        return result


def store_organizations(rows, parents, orgs, committee, result: ImportResult) -> None:
    """Creates or updates the rows' organizations; `orgs` gains the new ones by code."""
    changed: dict[str, list[str]] = {}
    created: set[str] = set()
    for row in rows:
        org = orgs.get(row.code)
        if org is None:
            active = True if row.active is None else row.active
            orgs[row.code] = Organization.objects.create(
                committee=committee, code=row.code, name=row.name, kind=row.kind, active=active
            )
            created.add(row.code)
            changed[row.code] = []
            continue
        wanted = {"name": row.name, "kind": row.kind}
        if row.active is not None:
            wanted["active"] = row.active
        changed[row.code] = [f for f, v in wanted.items() if getattr(org, f) != v]
        for name in changed[row.code]:
            setattr(org, name, wanted[name])
    # Second pass: a parent may be a row further down the file, created only just now.
    for code, parent_code in parents.items():
        org, parent_id = orgs[code], orgs[parent_code].pk if parent_code else None
        if org.parent_id != parent_id:
            org.parent_id = parent_id
            changed[code].append("parent")
    for code, fields in changed.items():
        if fields:
            orgs[code].save(update_fields=[*fields, "updated_at"])
    result.orgs_created = len(created)
    result.orgs_updated = sum(1 for c, f in changed.items() if f and c not in created)


def store_secretaries(rows, orgs, current, today: date, result: ImportResult) -> None:
    """Records a named secretary: new, successor of the current one, or the same one updated."""
    for row in rows:
        if not row.secretary:
            continue
        org = orgs[row.code]
        secretary = current.get(org.pk)
        if secretary is None:
            Secretary.objects.create(
                organization=org,
                name=row.secretary,
                title=row.title or "",
                phone=row.phone or "",
                term_start=row.term_start,
            )
            result.secretaries_created += 1
        elif secretary.name != row.secretary:
            secretary.succeed(
                name=row.secretary,
                title=row.title or "",
                phone=row.phone or "",
                start=row.term_start or today,
            )
            result.secretaries_created += 1
        else:
            wanted = {"title": row.title, "phone": row.phone, "term_start": row.term_start}
            fields = [f for f, v in wanted.items() if v is not None and getattr(secretary, f) != v]
            for name in fields:
                setattr(secretary, name, wanted[name])
            if fields:
                secretary.save(update_fields=fields)
                result.secretaries_updated += 1


# Writing workbooks


def text_cell(sheet, row: int, column: int, value: Any):
    """Writes a value; text stays text even when it starts with "=" (never a formula)."""
    cell = sheet.cell(row=row, column=column, value=value)
    if isinstance(value, str):
        cell.data_type = "s"
    elif isinstance(value, date):
        cell.number_format = DATE_FORMAT
    return cell


def roster_workbook(rows: list[list[Any]]) -> Workbook:
    """The roster sheet with the given rows, dropdowns for 类型 and 状态, and the help sheet."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = SHEET
    write_header(sheet, [(c.header, c.width) for c in COLUMNS])
    for index, column in enumerate(COLUMNS, start=1):
        if column.field in ("code", "phone"):
            sheet.column_dimensions[get_column_letter(index)].number_format = "@"
    for number, values in enumerate(rows, start=2):
        for index, value in enumerate(values, start=1):
            if value not in (None, ""):
                text_cell(sheet, number, index, value)
    for field_name, choices in (("kind", OrgKind.values), ("status", [ACTIVE, INACTIVE])):
        letter = get_column_letter(
            next(i for i, c in enumerate(COLUMNS, 1) if c.field == field_name)
        )
        validation = DataValidation(
            type="list", formula1=f'"{",".join(choices)}"', allow_blank=True
        )
        validation.error = _("Choose a value from the list.")
        validation.showErrorMessage = True
        validation.add(f"{letter}2:{letter}{MAX_ROWS + 1}")
        sheet.add_data_validation(validation)
    write_help_sheet(workbook.create_sheet(HELP_SHEET))
    return workbook


def write_header(sheet, columns: list[tuple[str, float]]) -> None:
    """A bold, shaded, frozen header row with the given column widths."""
    fill = PatternFill("solid", fgColor="F2DCDB")
    for index, (header, width) in enumerate(columns, start=1):
        cell = text_cell(sheet, 1, index, header)
        cell.font, cell.fill = Font(bold=True), fill
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"


def write_help(sheet, explanations: list[tuple[str, str]], notes: list[str]) -> None:
    """The 说明 sheet of an upload template: each column explained, then general notes."""
    rows = [[_("Column"), _("Explanation")], *[list(pair) for pair in explanations]]
    rows += [[], *[["", note] for note in notes]]
    for number, values in enumerate(rows, start=1):
        for index, value in enumerate(values, start=1):
            text_cell(sheet, number, index, value)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.column_dimensions["A"].width = 12
    sheet.column_dimensions["B"].width = 90


def write_help_sheet(sheet) -> None:
    notes = [
        _("One row per organization, below the header row; keep the headers as they are."),
        _("Organizations are matched by code: an existing code updates that organization."),
        _(
            "Every row is checked before anything is stored; if any row has a problem, nothing "
            "is imported and each problem is listed with its row and column."
        ),
        _("Importing the same file again changes nothing."),
        _("Delete the example row before importing your own roster."),
    ]
    explanations = [(h, str(COLUMN_HELP[h]) % {"kinds": kinds_text()}) for h in HEADERS]
    write_help(sheet, explanations, notes)


def roster_rows(committee: Committee, today: date) -> list[list[Any]]:
    """Every organization of the committee, active or not, with its roster secretary."""
    orgs = list(Organization.objects.filter(committee=committee).select_related("parent"))
    secretaries = roster_secretaries(committee, today)
    rows = []
    for org in sorted(orgs, key=lambda o: o.code):
        secretary = secretaries.get(org.pk)
        rows.append(
            [
                org.code,
                org.name,
                org.kind,
                org.parent.code if org.parent else "",
                ACTIVE if org.active else INACTIVE,
                *(
                    [secretary.name, secretary.title, secretary.phone, secretary.term_start]
                    if secretary
                    else ["", "", "", None]
                ),
            ]
        )
    return rows


def workbook_bytes(workbook: Workbook) -> bytes:
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def template_workbook() -> Workbook:
    workbook = roster_workbook([EXAMPLE_ROW])
    for cell in workbook[SHEET][2]:
        cell.font = Font(italic=True, color="808080")
    return workbook


def export_workbook(committee: Committee, today: date) -> Workbook:
    return roster_workbook(roster_rows(committee, today))


# The upload form


def not_xlsx_error() -> forms.ValidationError:
    return forms.ValidationError(
        _("Please upload an .xlsx Excel file (in Excel: File › Save As › Excel Workbook)."),
        code="not_xlsx",
    )


class XlsxUploadForm(forms.Form):
    """An .xlsx upload, checked for size first, then by content (a zip openpyxl can open)."""

    too_large = gettext_lazy(
        "The file is %(size)s MB; the limit is %(max)s MB. Split the roster into smaller files."
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.add_input(Submit("submit", _("Check and import")))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        limit = settings.ROSTER_UPLOAD_MAX_BYTES
        if upload.size > limit:
            raise forms.ValidationError(
                self.too_large
                % {"size": f"{upload.size / 1024 / 1024:.1f}", "max": f"{limit / 1024 / 1024:g}"},
                code="too_large",
            )
        upload.seek(0)
        if upload.read(4) != XLSX_MAGIC:
            raise not_xlsx_error()
        check_package(upload)
        upload.seek(0)
        return upload


class RosterUploadForm(XlsxUploadForm):
    file = forms.FileField(
        label=gettext_lazy("Roster workbook (.xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": f".xlsx,{XLSX_CONTENT_TYPE}"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _(
            "In the template's format, at most %(max)s MB and %(rows)s organizations."
        ) % {"max": settings.ROSTER_UPLOAD_MAX_BYTES // (1024 * 1024), "rows": MAX_ROWS}


def check_package(upload) -> None:
    """Raises a ValidationError unless the zip is an intact, reasonably sized workbook."""
    damaged = forms.ValidationError(
        _(
            "The file cannot be read as an Excel workbook; it may be damaged. Open it in Excel, "
            "save it again and retry."
        ),
        code="damaged",
    )
    try:
        upload.seek(0)
        with zipfile.ZipFile(upload) as package:
            members = package.infolist()
    except zipfile.BadZipFile:
        raise damaged from None
    if "xl/workbook.xml" not in {m.filename for m in members}:
        raise not_xlsx_error()
    if sum(m.file_size for m in members) > MAX_UNPACKED_BYTES:
        raise damaged
    try:
        open_workbook(upload).close()
    except Exception:  # openpyxl raises many kinds of errors on a broken package
        raise damaged from None
