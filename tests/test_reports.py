"""Duty reports: checked uploads stored privately, secretaries' own pages, staff acting for
them, downloads as attachments, and self-examination lines as rectification items."""

import io
import zipfile
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from meetings.models import DutyReport, ProblemSource, RectificationItem, Stage
from meetings.uploads import DOCX, PDF, check_document
from tests.factories import (
    make_committee,
    make_meeting,
    make_org,
    make_reporter,
    make_seat,
    make_secretary,
    make_staff,
    make_user,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
TEXT_PARTS = {
    "achievements": "全年召开党建专题会议6次，新建党群服务站2个。",
    "problems": "组织生活质量不高。",
    "causes": "学习抓得不紧。",
    "plans": "推行“主题党日+”。",
    "self_examination": "1. 三会一课记录不规范；\n\n（二）发展党员程序有缺项。\n  党费收缴不及时  ",
}


def docx_bytes(extra: dict[str, bytes] | None = None, *, word: bool = True) -> bytes:
    """A minimal but real Word document (Office Open XML), built with zipfile."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("_rels/.rels", '<?xml version="1.0"?><Relationships/>')
        if word:
            archive.writestr(
                "word/document.xml",
                '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                'wordprocessingml/2006/main"><w:body><w:p><w:r><w:t>述职报告</w:t></w:r></w:p>'
                "</w:body></w:document>",
            )
        for name, content in (extra or {}).items():
            archive.writestr(name, content)
    return buffer.getvalue()


def upload(name: str, content: bytes, content_type: str = "application/octet-stream"):
    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.fixture
def private_root(settings, tmp_path) -> Path:
    settings.PRIVATE_ROOT = tmp_path / "private"
    return settings.PRIVATE_ROOT


@pytest.fixture
def meeting(committee):
    return make_meeting(committee)


@pytest.fixture
def reporter(meeting):
    org = make_org(meeting.committee, name="和平社区党委")
    return make_reporter(meeting, org, secretary=make_secretary(org, name="李红"))


@pytest.fixture
def secretary_client(client, reporter):
    user = make_user("lihong")
    reporter.secretary.user = user
    reporter.secretary.save()
    client.force_login(user)
    return client


def report_url(reporter):
    return reverse("report_edit", args=[reporter.meeting_id, reporter.pk])


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


# --- checking files by their content -------------------------------------------------------


def test_a_real_pdf_and_a_real_docx_are_accepted_by_content():
    assert check_document(upload("述职报告.pdf", PDF_BYTES)).content_type == PDF
    document = check_document(upload("述职报告.DOCX", docx_bytes()))
    assert document.content_type == DOCX
    assert document.original_name == "述职报告.DOCX"


@pytest.mark.parametrize(
    ("name", "content", "what"),
    [
        ("report.pdf", "这是一份纯文本的述职报告。".encode(), "plain text"),
        ("report.pdf", b"<!DOCTYPE html><html><script>alert(1)</script></html>", "web page"),
        ("report.pdf", b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"/>', "SVG"),
        ("report.docx", b"MZ\x90\x00\x03" + b"\x00" * 60, "program"),
        ("report.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100, "Office 97"),
    ],
)
def test_other_content_is_refused_saying_what_it_is_and_what_is_accepted(name, content, what):
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_document(upload(name, content, "application/pdf"))
    message = refused.value.messages[0]
    assert what in message and name in message and "PDF" in message and ".docx" in message


def test_a_pdf_renamed_to_docx_is_refused():
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        check_document(upload("report.docx", PDF_BYTES))
    assert refused.value.code == "file_renamed"
    assert "renamed" in refused.value.messages[0]


def test_a_zip_that_is_not_a_word_document_is_refused():
    with pytest.raises(ValidationError):
        check_document(upload("report.docx", docx_bytes(word=False)))


def test_a_docx_hiding_another_archive_is_refused():
    nested = docx_bytes({"word/media/payload.zip": docx_bytes()})
    with pytest.raises(ValidationError, match="archive"), translation.override("en"):
        check_document(upload("report.docx", nested))


def test_a_zip_bomb_is_refused_before_anything_is_unpacked():
    bomb = docx_bytes({"word/media/zeros.bin": b"\x00" * (8 * 1024 * 1024)})
    assert len(bomb) < 100 * 1024
    with translation.override("en"), pytest.raises(ValidationError, match="unsafe size"):
        check_document(upload("report.docx", bomb))


def test_a_docx_with_too_many_entries_is_refused():
    many = docx_bytes({f"word/media/{i}.xml": b"<a/>" for i in range(2001)})
    with translation.override("en"), pytest.raises(ValidationError, match="too many"):
        check_document(upload("report.docx", many))


def test_a_file_over_20_mb_is_refused_by_its_size():
    big = upload("big.pdf", PDF_BYTES + b"\x00" * (21 * 1024 * 1024))
    with pytest.raises(ValidationError) as refused:
        check_document(big)
    assert refused.value.code == "file_size"


# --- staff pages ---------------------------------------------------------------------------


def test_staff_upload_a_pdf_stored_privately_under_a_name_of_our_choosing(
    staff_client, reporter, private_root
):
    data = {**TEXT_PARTS, "upload": upload("和平社区述职报告.pdf", PDF_BYTES)}
    response = staff_client.post(report_url(reporter), data)
    assert response.status_code == 302
    report = DutyReport.objects.get(reporter=reporter)
    assert report.file_name == "和平社区述职报告.pdf"
    path = Path(report.file.path)
    assert path.is_relative_to(private_root) and path.read_bytes() == PDF_BYTES
    assert "和平" not in path.name and path.suffix == ".pdf"
    assert report.achievements == TEXT_PARTS["achievements"]
    assert report.self_examination_lines() == [
        "1. 三会一课记录不规范；",
        "（二）发展党员程序有缺项。",
        "党费收缴不及时",
    ]


def test_the_download_is_an_attachment_with_nosniff_and_the_right_type(
    staff_client, reporter, private_root
):
    content = docx_bytes()
    staff_client.post(report_url(reporter), {"upload": upload("述职报告.docx", content)})
    response = staff_client.get(reverse("report_download", args=[reporter.meeting_id, reporter.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == DOCX
    assert response["Content-Disposition"].startswith("attachment;")
    assert (
        "filename*=utf-8''%E8%BF%B0%E8%81%8C%E6%8A%A5%E5%91%8A.docx"
        in (response["Content-Disposition"])
    )
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == content


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("report.pdf", "纯文本".encode()),
        ("report.html", b"<html><body>hi</body></html>"),
        ("logo.svg", b"<svg xmlns='http://www.w3.org/2000/svg'></svg>"),
        ("report.docx", b"PK\x03\x04 broken"),
    ],
)
def test_a_bad_upload_keeps_the_typed_text_and_stores_nothing(
    staff_client, reporter, private_root, name, content
):
    data = {**TEXT_PARTS, "upload": upload(name, content)}
    response = staff_client.post(report_url(reporter), data)
    assert response.status_code == 200
    errors = response.context["form"].errors.as_data()["upload"]
    assert name in errors[0].messages[0]
    html = response.content.decode()
    assert TEXT_PARTS["achievements"] in html and "主题党日+" in html
    assert response.context["form"]["causes"].value() == TEXT_PARTS["causes"]
    assert not DutyReport.objects.exists()
    assert stored_files(private_root) == []


def test_an_oversized_upload_says_so_and_stores_nothing(staff_client, reporter, private_root):
    big = upload("big.pdf", PDF_BYTES + b"\x00" * (21 * 1024 * 1024))
    response = staff_client.post(report_url(reporter), {**TEXT_PARTS, "upload": big})
    assert response.context["form"].errors.as_data()["upload"][0].code == "file_size"
    assert stored_files(private_root) == []


def test_replacing_the_file_deletes_the_old_one_once_committed(
    staff_client, reporter, private_root, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        staff_client.post(report_url(reporter), {"upload": upload("a.pdf", PDF_BYTES)})
    old = Path(DutyReport.objects.get().file.path)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        staff_client.post(report_url(reporter), {"upload": upload("b.docx", docx_bytes())})
    assert len(callbacks) == 1
    report = DutyReport.objects.get()
    assert report.file_name == "b.docx" and Path(report.file.path).exists()
    assert not old.exists()
    assert stored_files(private_root) == [Path(report.file.path)]


def test_saving_the_text_alone_keeps_the_file(staff_client, reporter, private_root):
    staff_client.post(report_url(reporter), {"upload": upload("a.pdf", PDF_BYTES)})
    staff_client.post(report_url(reporter), {**TEXT_PARTS})
    report = DutyReport.objects.get()
    assert report.file_name == "a.pdf" and Path(report.file.path).exists()
    assert report.plans == TEXT_PARTS["plans"]


def test_staff_of_another_committee_see_nothing(client, reporter, private_root):
    client.force_login(make_staff(make_committee(code="XC"), username="xc_staff"))
    meeting_id = reporter.meeting_id
    assert client.get(report_url(reporter)).status_code == 404
    assert client.get(reverse("report_list", args=[meeting_id])).status_code == 404
    download = reverse("report_download", args=[meeting_id, reporter.pk])
    assert client.get(download).status_code == 404
    assert client.post(report_url(reporter), TEXT_PARTS).status_code == 404
    assert not DutyReport.objects.exists()


def test_staff_may_act_for_the_secretary_during_the_session_but_not_after_scoring_closes(
    staff_client, reporter, private_root
):
    meeting = reporter.meeting
    make_seat(meeting)
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    assert staff_client.post(report_url(reporter), TEXT_PARTS).status_code == 302
    meeting.set_scoring("closed")
    meeting.advance(Stage.CLOSED)
    response = staff_client.get(report_url(reporter))
    assert response.context["editable"] is False
    assert staff_client.post(report_url(reporter), {"plans": "x"}).status_code == 403
    assert DutyReport.objects.get().plans == TEXT_PARTS["plans"]


def test_the_report_list_shows_every_reporter_with_its_state(staff_client, reporter, meeting):
    make_reporter(meeting, make_org(meeting.committee, name="幸福社区党委"))
    response = staff_client.get(reverse("report_list", args=[meeting.pk]))
    html = response.content.decode()
    assert "和平社区党委" in html and "幸福社区党委" in html
    assert reverse("secretary_account", args=[meeting.pk, reporter.pk]) in html


def test_self_examination_lines_become_items_once(staff_client, reporter, private_root):
    staff_client.post(report_url(reporter), TEXT_PARTS)
    url = reverse("report_self_items", args=[reporter.meeting_id, reporter.pk])
    staff_client.post(url)
    staff_client.post(url)
    items = RectificationItem.objects.filter(source=ProblemSource.SELF).order_by("id")
    assert [i.problem for i in items] == [
        "三会一课记录不规范",
        "发展党员程序有缺项",
        "党费收缴不及时",
    ]
    assert {(i.organization_id, i.meeting_id) for i in items} == {
        (reporter.organization_id, reporter.meeting_id)
    }


def test_self_examination_items_need_a_post(staff_client, reporter):
    url = reverse("report_self_items", args=[reporter.meeting_id, reporter.pk])
    assert staff_client.get(url).status_code == 405


# --- secretaries ---------------------------------------------------------------------------


def test_staff_open_an_account_and_the_secretary_signs_in_to_their_reports(
    staff_client, client, reporter
):
    url = reverse("secretary_account", args=[reporter.meeting_id, reporter.pk])
    response = staff_client.post(url, {"username": "hp_lihong", "password": "Dangjian-2025!"})
    assert response.status_code == 302
    reporter.secretary.refresh_from_db()
    assert reporter.secretary.user.username == "hp_lihong"
    staff_client.logout()
    assert client.login(username="hp_lihong", password="Dangjian-2025!")
    home = client.get(reverse("home"))
    assert home.status_code == 302 and home["Location"] == reverse("my_reports")
    page = client.get(reverse("my_reports")).content.decode()
    assert reporter.meeting.title in page


def test_an_account_needs_a_free_user_name_and_a_sound_password(staff_client, reporter):
    make_user("taken")
    url = reverse("secretary_account", args=[reporter.meeting_id, reporter.pk])
    response = staff_client.post(url, {"username": "TAKEN", "password": "123"})
    errors = response.context["form"].errors
    assert "username" in errors and "password" in errors
    reporter.secretary.refresh_from_db()
    assert reporter.secretary.user is None


def test_a_secretary_edits_their_own_report_before_the_meeting(
    secretary_client, reporter, private_root
):
    url = reverse("my_report", args=[reporter.pk])
    data = {**TEXT_PARTS, "upload": upload("报告.pdf", PDF_BYTES)}
    assert secretary_client.post(url, data).status_code == 302
    report = DutyReport.objects.get(reporter=reporter)
    assert report.updated_by.username == "lihong" and report.file_name == "报告.pdf"
    download = secretary_client.get(reverse("my_report_download", args=[reporter.pk]))
    assert download["Content-Type"] == PDF
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["X-Content-Type-Options"] == "nosniff"


def test_a_secretary_sees_no_other_organization(secretary_client, reporter, meeting):
    other = make_reporter(meeting, make_org(meeting.committee))
    assert secretary_client.get(reverse("my_report", args=[other.pk])).status_code == 404
    assert (
        secretary_client.post(reverse("my_report", args=[other.pk]), TEXT_PARTS).status_code == 404
    )
    assert secretary_client.get(reverse("my_report_download", args=[other.pk])).status_code == 404
    page = secretary_client.get(reverse("my_reports")).content.decode()
    assert other.organization.name not in page


def test_another_secretary_gets_404_on_this_report(client, reporter, meeting):
    org = make_org(meeting.committee)
    make_reporter(meeting, org)
    user = make_user("other_secretary")
    make_secretary(org, name="王刚", user=user)
    client.force_login(user)
    assert client.get(reverse("my_report", args=[reporter.pk])).status_code == 404


def test_a_secretary_cannot_use_staff_pages(secretary_client, reporter):
    assert secretary_client.get(report_url(reporter)).status_code == 403
    assert secretary_client.get(reverse("meeting_list")).status_code == 403


def test_from_the_session_on_the_secretary_only_reads(secretary_client, reporter, private_root):
    meeting = reporter.meeting
    url = reverse("my_report", args=[reporter.pk])
    secretary_client.post(url, TEXT_PARTS)
    make_seat(meeting)
    meeting.advance(Stage.REPORTS)
    assert secretary_client.post(url, {**TEXT_PARTS, "plans": "改"}).status_code == 302
    meeting.advance(Stage.LIVE)
    response = secretary_client.get(url)
    assert response.status_code == 200 and response.context["editable"] is False
    html = response.content.decode()
    assert "主题党日+" not in html and "学习抓得不紧" in html and "<textarea" not in html
    assert secretary_client.post(url, {**TEXT_PARTS, "plans": "再改"}).status_code == 403
    assert DutyReport.objects.get().plans == "改"


def test_a_former_secretary_no_longer_gets_in(client, reporter):
    from datetime import date

    user = make_user("former")
    make_secretary(
        reporter.organization,
        name="赵前",
        user=user,
        term_start=date(2018, 1, 1),
        term_end=date(2020, 12, 31),
    )
    client.force_login(user)
    assert client.get(reverse("my_reports")).status_code == 403
    assert client.get(reverse("my_report", args=[reporter.pk])).status_code == 403


def test_an_anonymous_visitor_is_sent_to_sign_in(client, reporter):
    response = client.get(reverse("my_report", args=[reporter.pk]))
    assert response.status_code == 302 and reverse("login") in response["Location"]
