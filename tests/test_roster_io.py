"""The roster as Excel: template, export, and the import that checks every row first."""

import zipfile
from datetime import date, datetime, timedelta
from io import BytesIO
from urllib.parse import quote

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook

from appraisal.models import Organization, OrgKind, Secretary
from appraisal.roster_io import ImportResult, import_roster
from tests.factories import make_committee, make_org, make_secretary, make_staff, make_user

HEADERS = ["代码", "名称", "类型", "上级组织", "状态",
           "书记姓名", "书记职务", "联系电话", "任职开始"]  # fmt: skip
TODAY = date(2026, 11, 25)


def line(code, name, kind="社区", parent="", status="", sec="", title="", phone="", start=None):
    return [code, name, kind, parent, status, sec, title, phone, start]


def xlsx_bytes(rows, headers=HEADERS, sheet="名册") -> bytes:
    workbook = Workbook()
    ws = workbook.active
    ws.title = sheet
    ws.append(headers)
    for values in rows:
        ws.append(values)
    # Typed text, as Excel stores it; openpyxl would otherwise turn "=…" into a formula.
    for row in ws.iter_rows():
        for cell in row:
            if isinstance(cell.value, str):
                cell.data_type = "s"
    buffer = BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def run(committee, rows, headers=HEADERS, today=TODAY) -> ImportResult:
    return import_roster(BytesIO(xlsx_bytes(rows, headers)), committee, today)


def post(client, data: bytes, name="名册.xlsx"):
    return client.post(reverse("roster_import"), {"file": SimpleUploadedFile(name, data)})


def dump():
    """Every stored organization and secretary, every field, to compare before and after."""
    return (
        list(Organization.objects.order_by("pk").values()),
        list(Secretary.objects.order_by("pk").values()),
    )


def summary(**counts) -> str:
    with translation.override("zh-hans"):
        return ImportResult(**counts).summary()


def problems(result: ImportResult) -> list[tuple[int, str]]:
    return [(e.row, e.column) for e in result.errors]


def sheet_rows(response, sheet="名册") -> list[tuple]:
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    return list(workbook[sheet].iter_rows(values_only=True))


# The template


def test_template_has_the_headers_an_example_row_dropdowns_and_an_explanation_sheet(staff_client):
    response = staff_client.get(reverse("roster_template"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    workbook = load_workbook(BytesIO(b"".join(response.streaming_content)))
    assert workbook.sheetnames == ["名册", "说明"]
    ws = workbook["名册"]
    assert [c.value for c in ws[1]] == HEADERS
    assert all(c.font.bold for c in ws[1])
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["B"].width > 20
    example = [c.value for c in ws[2]]
    assert example[:3] == ["1001", "东城街道党工委", "街道"] and example[5] == "张明"
    assert ws.max_row == 2
    lists = {str(v.sqref).split(":")[0]: v.formula1 for v in ws.data_validations.dataValidation}
    assert lists["C2"] == '"' + ",".join(OrgKind.values) + '"'
    assert lists["E2"] == '"启用,停用"'
    explained = [r[0] for r in workbook["说明"].iter_rows(min_row=2, values_only=True)]
    assert set(HEADERS) <= set(explained)


def test_template_downloads_under_a_chinese_file_name(staff_client):
    response = staff_client.get(reverse("roster_template"))
    assert f"filename*=utf-8''{quote('名册导入模板.xlsx')}" in response["Content-Disposition"]
    assert response["Content-Disposition"].startswith("attachment")


def test_the_downloaded_template_imports_its_example_row(staff_client, committee):
    template = b"".join(staff_client.get(reverse("roster_template")).streaming_content)
    response = post(staff_client, template)
    assert response.status_code == 302
    org = Organization.objects.get(committee=committee, code="1001")
    assert (org.name, org.kind, org.active) == ("东城街道党工委", "街道", True)
    secretary = org.secretaries.get()
    assert (secretary.name, secretary.phone, secretary.term_start) == (
        "张明",
        "010-12345678",
        date(2026, 1, 15),
    )


# Importing


def test_import_creates_organizations_and_secretaries_even_when_parents_come_later(
    staff_client, committee
):
    rows = [
        line("1101", "和平里社区党委", parent="东城街道党工委", sec="李华", start="2025-03-01"),
        line("1102", "青年湖社区党委", parent="1001"),
        line("1001", "东城街道党工委", kind="街道", sec="张明", title="党工委书记"),
    ]
    response = post(staff_client, xlsx_bytes(rows))
    assert response.status_code == 302 and response["Location"] == reverse("org_list")
    page = staff_client.get(response["Location"])
    assert summary(orgs_created=3, secretaries_created=2) in page.content.decode()
    orgs = {o.code: o for o in Organization.objects.filter(committee=committee)}
    assert orgs["1101"].parent == orgs["1001"] and orgs["1102"].parent == orgs["1001"]
    assert orgs["1001"].parent is None
    assert orgs["1101"].current_secretary().term_start == date(2025, 3, 1)
    assert orgs["1001"].current_secretary().title == "党工委书记"


def test_importing_the_same_file_twice_changes_nothing_the_second_time(committee):
    rows = [
        line("1001", "东城街道党工委", kind="街道", sec="张明", phone="13800138000"),
        line("1101", "和平里社区党委", parent="1001", status="停用", sec="李华", start="2026/1/5"),
        line("1102", "青年湖社区党委", parent="东城街道党工委"),
    ]
    first = run(committee, rows)
    assert (first.orgs_created, first.secretaries_created) == (3, 2)
    before = dump()
    second = run(committee, rows)
    assert not second.errors
    assert (second.orgs_created, second.orgs_updated) == (0, 0)
    assert (second.secretaries_created, second.secretaries_updated) == (0, 0)
    assert dump() == before


def test_a_changed_name_kind_status_or_parent_counts_as_one_update(committee):
    top = make_org(committee, code="1001", name="东城街道党工委", kind=OrgKind.SUBDISTRICT)
    make_org(committee, code="1101", name="和平里社区党委")
    make_org(committee, code="1102", name="青年湖社区党委")
    result = run(
        committee,
        [
            line("1101", "和平里社区党委（新）", kind="两新组织", parent="1001", status="停用"),
            line("1102", "青年湖社区党委"),
        ],
    )
    assert (result.orgs_created, result.orgs_updated) == (0, 1)
    org = Organization.objects.get(code="1101")
    assert (org.name, org.kind, org.active, org.parent) == (
        "和平里社区党委（新）",
        "两新组织",
        False,
        top,
    )


def test_parent_may_be_an_existing_organization_by_code_or_by_exact_name(committee):
    top = make_org(committee, code="1001", name="东城街道党工委", kind=OrgKind.SUBDISTRICT)
    run(
        committee,
        [
            line("1101", "和平里社区党委", parent="1001"),
            line("1102", "青年湖", parent="东城街道党工委"),
        ],
    )
    assert set(top.children.values_list("code", flat=True)) == {"1101", "1102"}


def test_excel_numbers_in_code_and_phone_read_as_text(committee):
    run(committee, [[1001, "东城街道党工委", "街道", None, None, "张明", None, 13800138000.0, None],
                    [1101.0, "和平里社区党委", "社区", 1001]])  # fmt: skip
    assert set(Organization.objects.values_list("code", flat=True)) == {"1001", "1101"}
    assert Organization.objects.get(code="1101").parent.code == "1001"
    assert Secretary.objects.get().phone == "13800138000"


def test_headers_are_matched_by_name_in_any_order_and_unknown_columns_are_ignored(committee):
    headers = ["备注", " 名称 ", "类型", "代码"]
    rows = [["随便写", "  和平里社区党委 ", "社区", " 1101 "], [None, None, None, None],
            ["", "青年湖社区党委", "社区", "1102"]]  # fmt: skip
    result = run(committee, rows, headers=headers)
    assert not result.errors and result.orgs_created == 2
    assert Organization.objects.get(code="1101").name == "和平里社区党委"


def test_missing_optional_columns_keep_what_is_stored(committee):
    top = make_org(committee, code="1001", kind=OrgKind.SUBDISTRICT)
    org = make_org(committee, code="1101", name="旧名", parent=top, active=False)
    make_secretary(org, name="李华", phone="123")
    result = run(committee, [["1101", "新名", "社区"]], headers=["代码", "名称", "类型"])
    org.refresh_from_db()
    assert (org.name, org.parent, org.active) == ("新名", top, False)
    assert org.secretaries.get().phone == "123"
    assert result.orgs_updated == 1


def test_term_start_may_be_an_excel_date_or_text_in_three_forms(committee):
    rows = [
        line("1", "甲", sec="甲书记", start=datetime(2026, 1, 15)),
        line("2", "乙", sec="乙书记", start="2026-01-15"),
        line("3", "丙", sec="丙书记", start="2026/1/15"),
        line("4", "丁", sec="丁书记", start="2026年1月15日"),
    ]
    assert not run(committee, rows).errors
    assert set(Secretary.objects.values_list("term_start", flat=True)) == {date(2026, 1, 15)}


def test_a_different_secretary_name_ends_the_current_term_and_records_the_successor(committee):
    org = make_org(committee, code="1101")
    old = make_secretary(org, name="李华", term_start=date(2023, 1, 1))
    result = run(committee, [line("1101", org.name, sec="王芳", title="书记", start="2026-03-01")])
    assert (result.secretaries_created, result.secretaries_updated) == (1, 0)
    old.refresh_from_db()
    assert old.term_end == date(2026, 2, 28)
    new = org.secretaries.get(name="王芳")
    assert (new.term_start, new.title) == (date(2026, 3, 1), "书记")
    assert org.current_secretary(TODAY) == new


def test_a_successor_without_a_start_date_takes_office_on_the_import_day(committee):
    org = make_org(committee, code="1101")
    old = make_secretary(org, name="李华")
    run(committee, [line("1101", org.name, sec="王芳")])
    old.refresh_from_db()
    assert old.term_end == TODAY - timedelta(days=1)
    assert org.secretaries.get(name="王芳").term_start == TODAY


def test_a_successor_recorded_for_a_future_day_is_not_recorded_again(committee):
    org = make_org(committee, code="1101")
    make_secretary(org, name="李华", term_start=date(2020, 1, 1))
    rows = [line("1101", org.name, sec="王芳", start=TODAY + timedelta(days=30))]
    run(committee, rows)
    before = dump()
    again = run(committee, rows)
    assert (again.secretaries_created, again.secretaries_updated) == (0, 0)
    assert dump() == before


def test_the_same_secretary_with_a_new_phone_is_updated_not_replaced(committee):
    org = make_org(committee, code="1101")
    secretary = make_secretary(org, name="李华", phone="111", term_start=date(2024, 5, 1))
    result = run(committee, [line("1101", org.name, sec="李华", phone="222")])
    assert (result.secretaries_created, result.secretaries_updated) == (0, 1)
    secretary.refresh_from_db()
    assert (secretary.phone, secretary.term_start) == ("222", date(2024, 5, 1))
    assert org.secretaries.count() == 1


def test_an_empty_secretary_name_leaves_the_secretaries_alone(committee):
    org = make_org(committee, code="1101")
    make_secretary(org, name="李华", phone="111")
    before = dump()
    result = run(committee, [line("1101", org.name)])
    assert (result.orgs_updated, result.secretaries_created) == (0, 0)
    assert dump() == before


def test_an_organization_named_like_a_formula_round_trips_as_text(staff_client, committee):
    name = '=HYPERLINK("http://x","点我")'
    post(staff_client, xlsx_bytes([line("1001", name, kind="其他", sec="+张明", phone="-1")]))
    org = Organization.objects.get(committee=committee, code="1001")
    assert org.name == name and org.secretaries.get().name == "+张明"
    exported = b"".join(staff_client.get(reverse("roster_export")).streaming_content)
    cell = load_workbook(BytesIO(exported))["名册"]["B2"]
    assert (cell.value, cell.data_type) == (name, "s")
    before = dump()
    assert post(staff_client, exported).status_code == 302
    assert dump() == before


# Problems in the rows


def test_an_unknown_parent_is_reported_with_its_row_and_column_and_nothing_is_stored(
    staff_client, committee
):
    rows = [line("1101", "和平里社区党委"), line("1102", "青年湖社区党委"), [],
            line("1103", "安定门社区党委", parent="东城街道")]  # fmt: skip
    response = post(staff_client, xlsx_bytes(rows))
    assert response.status_code == 200
    assert [(e.row, e.column) for e in response.context["errors"]] == [(5, "上级组织")]
    text = str(response.context["errors"][0])
    assert "5" in text and "上级组织" in text and "东城街道" in text
    assert "东城街道" in response.content.decode()
    assert response.context["form"].fields["file"]
    assert not Organization.objects.exists()


def test_the_page_lists_the_first_300_problems_and_counts_the_rest(staff_client):
    rows = [line(str(n), f"组织{n}", kind="农场") for n in range(302)]
    response = post(staff_client, xlsx_bytes(rows))
    assert len(response.context["errors"]) == 302
    box = response.content.decode().split('id="import-errors"')[1].split("</div>")[0]
    shown, rest = box.split("<ul")[1].split("</ul>")
    assert shown.count("<li>") == 300
    assert "301" in shown and "302" not in shown and "2" in rest


def test_every_row_problem_is_collected_before_anything_is_stored(committee):
    make_org(committee, code="9999", name="已有组织")
    before = dump()
    rows = [
        line("1001", "东城街道党工委", kind="街道"),
        line("", "没有代码"),
        line("1002", ""),
        line("1003", "错类型", kind="农场"),
        line("1001", "重复代码"),
        line("1005", "错状态", status="暂停"),
        line("1006", "错日期", sec="张明", start="2026-13-40"),
        line("1007", "长姓名", sec="张" * 51),
        line("1008", "长电话", sec="张明", phone="1" * 31),
        line("1009", "名" * 101),
        line("1010", "只有电话", phone="123"),
        line("X" * 31, "长代码"),
    ]
    result = run(committee, rows)
    assert problems(result) == [
        (3, "代码"), (4, "名称"), (5, "类型"), (6, "代码"), (7, "状态"), (8, "任职开始"),
        (9, "书记姓名"), (10, "联系电话"), (11, "名称"), (12, "书记姓名"), (13, "代码"),
    ]  # fmt: skip
    kind_error = str(result.errors[2])
    assert "农场" in kind_error and all(kind in kind_error for kind in OrgKind.values)
    assert "2" in str(result.errors[3])  # the duplicate names the row it repeats
    assert dump() == before


def test_a_parent_loop_is_refused(committee):
    rows = [line("1", "甲", parent="2"), line("2", "乙", parent="3"), line("3", "丙", parent="1"),
            line("4", "丁", parent="4")]  # fmt: skip
    result = run(committee, rows)
    assert problems(result) == [(2, "上级组织"), (3, "上级组织"), (4, "上级组织"), (5, "上级组织")]
    assert "1 → 2 → 3 → 1" in str(result.errors[0])
    assert not Organization.objects.exists()


def test_a_loop_through_an_existing_organization_is_refused(committee):
    top = make_org(committee, code="1", name="甲")
    make_org(committee, code="2", name="乙", parent=top)
    result = run(committee, [line("1", "甲", parent="2")])
    assert problems(result) == [(2, "上级组织")]
    top.refresh_from_db()
    assert top.parent is None


def test_an_ambiguous_parent_name_asks_for_the_code(committee):
    make_org(committee, code="A", name="第一党支部")
    make_org(committee, code="B", name="第一党支部")
    result = run(committee, [line("1101", "和平里社区党委", parent="第一党支部")])
    assert problems(result) == [(2, "上级组织")]
    assert "A" in str(result.errors[0]) and "B" in str(result.errors[0])


def test_a_missing_required_header_gives_one_clear_error(committee):
    result = run(committee, [["1101", "和平里社区党委"]], headers=["代码", "名称", "上级"])
    assert len(result.errors) == 1
    assert result.errors[0].row == 0 and "类型" in str(result.errors[0])


def test_a_successor_cannot_start_before_the_current_secretary(committee):
    org = make_org(committee, code="1101")
    make_secretary(org, name="李华", term_start=date(2026, 6, 1))
    result = run(committee, [line("1101", org.name, sec="王芳", start="2026-05-01")])
    assert problems(result) == [(2, "任职开始")]
    assert "李华" in str(result.errors[0]) and "2026-06-01" in str(result.errors[0])
    assert org.secretaries.count() == 1


def test_more_than_5000_organizations_are_refused(committee):
    rows = [line(str(n), f"组织{n}") for n in range(5001)]
    result = run(committee, rows)
    assert len(result.errors) == 1 and "5000" in str(result.errors[0])
    assert not Organization.objects.exists()


def test_a_sheet_with_headers_only_is_refused(committee):
    result = run(committee, [])
    assert len(result.errors) == 1 and result.errors[0].row == 0


# The uploaded file


@pytest.mark.parametrize(
    "data, name",
    [
        ("代码,名称\n1001,东城".encode(), "名册.xlsx"),  # a renamed text file
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "名册.xlsx"),  # an old .xls
    ],
)
def test_a_file_that_is_not_xlsx_is_refused(staff_client, data, name):
    response = post(staff_client, data, name)
    assert response.status_code == 200
    assert response.context["form"].has_error("file", "not_xlsx")
    assert not Organization.objects.exists()


def test_a_zip_that_is_not_a_workbook_is_refused_as_not_xlsx(staff_client):
    buffer = BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("word/document.xml", "<w/>")
    response = post(staff_client, buffer.getvalue())
    assert response.context["form"].has_error("file", "not_xlsx")


def test_a_damaged_xlsx_is_refused(staff_client):
    data = xlsx_bytes([line("1001", "东城")])
    response = post(staff_client, data[: len(data) // 2])
    assert response.context["form"].has_error("file", "damaged")
    assert not Organization.objects.exists()


def test_a_file_over_the_size_limit_is_refused(staff_client, settings):
    settings.ROSTER_UPLOAD_MAX_BYTES = 1024
    data = xlsx_bytes([line(str(n), f"组织{n}") for n in range(300)])
    response = post(staff_client, data)
    assert response.context["form"].has_error("file", "too_large")
    assert not Organization.objects.exists()


def test_the_import_page_shows_the_form_and_the_template_link(staff_client):
    response = staff_client.get(reverse("roster_import"))
    assert response.status_code == 200
    content = response.content.decode()
    assert 'type="file"' in content and 'accept=".xlsx' in content
    assert 'enctype="multipart/form-data"' in content
    assert reverse("roster_template") in content and reverse("roster_export") in content


# Export


def make_roster(committee):
    top = make_org(committee, code="1001", name="东城街道党工委", kind=OrgKind.SUBDISTRICT)
    community = make_org(committee, code="1101", name="和平里社区党委", parent=top)
    make_org(committee, code="1102", name="青年湖社区党委", parent=top, active=False)
    make_org(committee, code="1201", name="无书记的党支部", parent=community)
    old = make_secretary(top, name="刘强", term_start=date(2020, 1, 1))
    old.succeed(name="张明", title="党工委书记", phone="010-1", start=date(2025, 1, 1))
    make_secretary(community, name="李华")  # no term start known
    return top


def test_export_holds_every_organization_of_the_committee_with_its_current_secretary(
    staff_client, committee
):
    make_roster(committee)
    response = staff_client.get(reverse("roster_export"))
    rows = sheet_rows(response)
    assert list(rows[0]) == HEADERS
    assert rows[1] == ("1001", "东城街道党工委", "街道", None, "启用", "张明", "党工委书记",
                       "010-1", datetime(2025, 1, 1))  # fmt: skip
    assert rows[2][:6] == ("1101", "和平里社区党委", "社区", "1001", "启用", "李华")
    assert rows[3][:5] == ("1102", "青年湖社区党委", "社区", "1001", "停用")
    assert rows[4][3] == "1101" and rows[4][5] is None
    assert len(rows) == 5


def test_export_file_name_names_the_committee_and_the_day(staff_client):
    response = staff_client.get(reverse("roster_export"))
    name = f"名册-东城区委-{timezone.localdate():%Y%m%d}.xlsx"
    assert f"filename*=utf-8''{quote(name)}" in response["Content-Disposition"]


def test_importing_the_export_changes_nothing(staff_client, committee):
    make_roster(committee)
    exported = b"".join(staff_client.get(reverse("roster_export")).streaming_content)
    before = dump()
    response = post(staff_client, exported)
    assert response.status_code == 302
    assert summary() in staff_client.get(response["Location"]).content.decode()
    assert dump() == before


def test_export_shows_only_the_users_own_committee(staff_client, committee):
    make_org(committee, code="1001", name="本区组织")
    other = make_committee(code="XC", name="西城区委")
    make_org(other, code="2001", name="外区组织")
    codes = [r[0] for r in sheet_rows(staff_client.get(reverse("roster_export")))[1:]]
    assert codes == ["1001"]


# Committees and access


def test_import_in_another_committee_creates_its_own_and_leaves_the_first_untouched(
    client, committee
):
    make_roster(committee)
    exported = xlsx_bytes([line("1001", "西城街道党工委", kind="街道", sec="赵敏"),
                           line("1101", "西城社区", parent="1001", status="停用")])  # fmt: skip
    before = dump()
    other = make_committee(code="XC", name="西城区委")
    client.force_login(make_staff(other))
    assert post(client, exported).status_code == 302
    assert Organization.objects.filter(committee=other).count() == 2
    assert Organization.objects.get(committee=other, code="1101").parent.committee == other
    orgs, secretaries = dump()
    assert [o for o in orgs if o["committee_id"] == committee.pk] == before[0]
    assert secretaries[: len(before[1])] == before[1]


def test_a_parent_in_another_committee_cannot_be_found(committee):
    other = make_committee(code="XC")
    make_org(other, code="2001", name="外区街道")
    result = run(
        committee, [line("1101", "社区", parent="2001"), line("1102", "社区二", parent="外区街道")]
    )
    assert problems(result) == [(2, "上级组织"), (3, "上级组织")]


@pytest.mark.parametrize("name", ["roster_import", "roster_template", "roster_export"])
def test_anonymous_visitors_are_sent_to_sign_in(client, db, name):
    response = client.get(reverse(name))
    assert response.status_code == 302 and reverse("login") in response["Location"]


@pytest.mark.parametrize("name", ["roster_import", "roster_template", "roster_export"])
def test_accounts_without_a_committee_are_refused(client, db, name):
    client.force_login(make_user())
    assert client.get(reverse(name)).status_code == 403
    assert client.post(reverse("roster_import")).status_code == 403
