"""The leadership report and the feedback letters: real PDFs read back with poppler-utils."""

from __future__ import annotations

import io
import logging
import re
import shutil
import subprocess
import zipfile
from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext

from meetings.exports import pdf, rows
from meetings.models import Comment, ItemStatus, ProblemSource, RectificationItem
from tests.factories import (
    make_ballot,
    make_committee,
    make_meeting,
    make_org,
    make_reporter,
    make_seat,
    make_staff,
)

pytestmark = pytest.mark.skipif(
    not all(shutil.which(tool) for tool in ("pdftotext", "pdffonts", "pdfinfo")),
    reason="poppler-utils (pdftotext, pdffonts, pdfinfo) is not installed",
)

TITLE = "2025年度东城区党组织书记抓基层党建工作述职评议会"
# Name characters outside GB2312: a font subset that lacks them shows boxes.
RARE_NAMES = ("王堃", "李喆", "赵玥珺", "孙昇赟")
ORG_NAMES = ("东华门街道党工委", "景山街道党工委", "交道口街道党工委", "安定门街道党工委")
PRACTICE_ORG = "试评演练单位"


def poppler(tool: str, data: bytes, *args: str) -> str:
    """Run a poppler tool on PDF bytes and return what it prints."""
    done = subprocess.run(
        [tool, *args, "-", "-"] if tool == "pdftotext" else [tool, *args, "-"],
        input=data,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode()


def page_count(data: bytes) -> int:
    return int(re.search(r"^Pages:\s+(\d+)", poppler("pdfinfo", data), re.M).group(1))


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def text_of(data: bytes) -> str:
    return poppler("pdftotext", data, "-layout")


def font_names(data: bytes) -> list[tuple[str, str]]:
    """(font name without the subset prefix, embedded yes/no) of every font in the PDF."""
    fonts = []
    for line in poppler("pdffonts", data).splitlines()[2:]:
        tokens = line.split()  # name, type (may have spaces), encoding, emb, sub, uni, object ID
        fonts.append((tokens[0].split("+")[-1], tokens[-5]))
    return fonts


def is_sc_font(name: str) -> bool:
    """Noto Sans CJK SC in any spelling (Noto-Sans-CJK-SC-Bold, NotoSansCJKsc-Regular)."""
    plain = name.replace("-", "").lower()
    return plain.startswith("notosanscjksc") and not re.search(r"jp|kr|tc|hk|dejavu", plain)


def build_meeting(committee):
    """Four reporters with rare-character secretaries, three seats, comments and items, and a
    practice reporter that must appear nowhere. Top composite: 0.6×95 + 0.2×100 + 0.2×94.2."""
    meeting = make_meeting(committee, title=TITLE, date=date(2026, 1, 15), venue="区委礼堂")
    reporters = []
    for n, (org_name, secretary) in enumerate(zip(ORG_NAMES, RARE_NAMES, strict=True)):
        org = make_org(committee, code=f"DC{n + 1:02d}", name=org_name)
        daily = Decimal("94.2") - 8 * n
        reporters.append(make_reporter(meeting, org, secretary_name=secretary, daily=daily))
    practice = make_reporter(
        meeting, make_org(committee, code="PRAC", name=PRACTICE_ORG), rehearsal=True
    )
    for s in range(3):
        seat = make_seat(meeting, "LD")
        for n, reporter in enumerate(reporters):
            zf = 45 - 6 * n + s
            scores = {"ZZ": "20", "ZD": "30", "ZF": str(min(zf, 50) if n else 45)}
            make_ballot(seat, reporter, scores=scores, grade="好" if n < 2 else "一般")
    for n, reporter in enumerate(reporters):
        Comment.objects.create(
            reporter=reporter,
            author="区委书记",
            text=f"点评{n + 1}：一是基础工作扎实；二是创新不足。",
        )
    Comment.objects.create(reporter=practice, author="区委书记", text="试评点评不应出现")
    today = timezone.localdate()
    for n, reporter in enumerate(reporters):
        RectificationItem.objects.create(
            organization=reporter.organization,
            meeting=meeting,
            problem=f"问题{n + 1}：党员教育管理不够规范",
            source=ProblemSource.COMMENT,
            measures=f"措施{n + 1}：建立台账，按月检查",
            owner=RARE_NAMES[n],
            deadline=today + timedelta(days=30) if n else today - timedelta(days=3),
            status=ItemStatus.IN_PROGRESS if n % 2 == 0 else ItemStatus.CLOSED,
        )
    return meeting, reporters, practice


@pytest.fixture
def meeting_data(committee):
    return build_meeting(committee)


@pytest.fixture
def report(meeting_data, caplog):
    """The report of the test meeting, with WeasyPrint's warnings captured while rendering."""
    caplog.set_level(logging.WARNING, logger="weasyprint")
    return pdf.leadership_report_pdf(meeting_data[0])


def test_the_report_has_the_title_every_organization_and_the_ranking_numbers(meeting_data, report):
    meeting = meeting_data[0]
    text = text_of(report)
    ranking = rows.ranking_rows(meeting)
    assert ranking[0].composite == Decimal("95.84")
    assert TITLE in squeeze(text)
    for name in ORG_NAMES:
        assert name in text
    for row in ranking:
        assert f"{row.composite:.2f}" in text
    assert "95.84" in text
    assert "区委礼堂" in text


def test_the_report_numbers_its_pages_first_to_last(report):
    n = page_count(report)
    assert n >= 4 + len(ORG_NAMES)
    text = squeeze(text_of(report))  # pdftotext may drop the spaces between Han characters
    footer = gettext("Page %(page)s of %(pages)s")
    assert squeeze(footer % {"page": 1, "pages": n}) in text
    assert squeeze(footer % {"page": n, "pages": n}) in text
    if footer.startswith("第"):  # the Chinese catalogue is in place
        assert squeeze(f"第 1 页 / 共 {n} 页") in text


def test_the_report_embeds_only_the_simplified_chinese_font(report):
    fonts = font_names(report)
    assert fonts, "no font in the PDF"
    for name, embedded in fonts:
        assert is_sc_font(name), f"unexpected font {name}"
        assert embedded == "yes"


def test_rare_name_characters_come_out_of_the_report(report):
    text = text_of(report)
    for name in RARE_NAMES:
        assert name in text


def test_rendering_the_report_logs_no_missing_glyph_or_fallback_warning(report, caplog):
    problems = [
        r.getMessage()
        for r in caplog.records
        if r.name.startswith("weasyprint") and r.levelno >= logging.WARNING
    ]
    assert not [m for m in problems if "notdef" in m.lower() or "fallback" in m.lower()]
    assert not problems


def test_the_missing_glyph_check_would_catch_a_character_no_font_has(caplog):
    """The warning the test above looks for is real: a private-use character has no glyph."""
    from weasyprint import HTML

    caplog.set_level(logging.WARNING, logger="weasyprint")
    html = '<html lang="zh-CN"><body style="font-family: \'Noto Sans CJK SC\'">\U000f0000</body>'
    HTML(string=html).write_pdf()
    assert any("notdef" in r.getMessage().lower() for r in caplog.records)


def test_the_same_meeting_gives_the_same_report_bytes(meeting_data, report):
    again = pdf.leadership_report_pdf(meeting_data[0])
    assert again == report
    assert b"/CreationDate" not in report and b"/ModDate" not in report


def test_practice_reporters_appear_nowhere_in_the_report_or_the_letters(meeting_data, report):
    meeting = meeting_data[0]
    assert PRACTICE_ORG not in text_of(report)
    assert "试评点评" not in text_of(report)
    with zipfile.ZipFile(io.BytesIO(pdf.feedback_letters_zip(meeting))) as archive:
        assert not [n for n in archive.namelist() if PRACTICE_ORG in n]


def test_the_report_has_each_organizations_comments_and_items_and_the_summary(report):
    text = text_of(report)
    for n in range(1, 5):
        assert f"点评{n}" in text
        assert f"问题{n}" in text
        assert f"措施{n}" in text
    assert "试评点评不应出现" not in text


def test_the_letters_zip_has_one_letter_per_reporter_with_its_own_items(meeting_data):
    meeting, reporters, _practice = meeting_data
    data = pdf.feedback_letters_zip(meeting)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert len(names) == len(reporters)
        for n, reporter in enumerate(reporters):
            org = reporter.organization
            expected = gettext("Feedback-%(code)s-%(name)s.pdf") % {
                "code": org.code,
                "name": org.name,
            }
            assert expected in names
            info = archive.getinfo(expected)
            assert info.date_time == pdf.ZIP_TIME
            text = text_of(archive.read(expected))
            assert org.name in text and RARE_NAMES[n] in text
            assert f"问题{n + 1}" in text and f"措施{n + 1}" in text
            others = {f"问题{m + 1}" for m in range(len(reporters)) if m != n}
            assert not [o for o in others if o in text]
    assert pdf.feedback_letters_zip(meeting) == data


def test_a_letter_shows_the_result_the_comments_and_the_deadline(meeting_data):
    meeting, reporters, _practice = meeting_data
    row = rows.ranking_rows(meeting)[0]
    text = text_of(pdf.feedback_letter_pdf(meeting, row))
    assert "95.84" in text and row.grade in text
    assert "点评1" in text
    deadline = timezone.localdate() - timedelta(days=3)
    assert deadline.strftime("%Y-%m-%d") in text
    fonts = font_names(pdf.feedback_letter_pdf(meeting, row))
    assert fonts and all(is_sc_font(name) and emb == "yes" for name, emb in fonts)


def test_the_report_downloads_as_an_attachment_for_staff(staff_client, meeting_data):
    meeting = meeting_data[0]
    response = staff_client.get(reverse("meeting_report_pdf", args=[meeting.pk]))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment; filename*=UTF-8''")
    assert response.content.startswith(b"%PDF-")


def test_the_letters_download_as_a_zip_and_one_by_one(staff_client, meeting_data):
    meeting, reporters, _practice = meeting_data
    response = staff_client.get(reverse("meeting_letters_zip", args=[meeting.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert len(zipfile.ZipFile(io.BytesIO(response.content)).namelist()) == len(reporters)
    url = reverse("meeting_letter_pdf", args=[meeting.pk, reporters[1].pk])
    response = staff_client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert "UTF-8''" in response["Content-Disposition"]
    assert ORG_NAMES[1] in text_of(response.content)


def test_a_practice_reporter_has_no_letter(staff_client, meeting_data):
    meeting, _reporters, practice = meeting_data
    url = reverse("meeting_letter_pdf", args=[meeting.pk, practice.pk])
    assert staff_client.get(url).status_code == 404


def test_staff_of_another_committee_get_404_for_every_download(client, meeting_data):
    meeting, reporters, _practice = meeting_data
    client.force_login(make_staff(make_committee()))
    for url in (
        reverse("meeting_report_pdf", args=[meeting.pk]),
        reverse("meeting_letters_zip", args=[meeting.pk]),
        reverse("meeting_letter_pdf", args=[meeting.pk, reporters[0].pk]),
    ):
        assert client.get(url).status_code == 404


def test_anonymous_visitors_are_sent_to_sign_in(client, meeting_data):
    meeting = meeting_data[0]
    response = client.get(reverse("meeting_report_pdf", args=[meeting.pk]))
    assert response.status_code == 302


def test_the_pdf_may_fetch_only_data_urls_and_the_apps_static_files(settings):
    static = pdf.static_root()
    assert pdf.allowed_url("data:image/png;base64,AAAA")
    assert pdf.allowed_url((static / "css" / "app.css").as_uri())
    assert not pdf.allowed_url((static / ".." / "db.sqlite3").resolve().as_uri())
    assert not pdf.allowed_url("file:///etc/passwd")
    assert not pdf.allowed_url("http://example.com/x.png")
    assert not pdf.allowed_url("https://127.0.0.1/")


def test_the_charts_are_plain_svg_that_escapes_names():
    row = rows.RankingRow(
        order=1, org_code="X", org_name="<b>&党委", org_kind="", secretary="", indicators=None,
        grades=None, daily=None, composite=Decimal("88.50"), grade="较好", rank=1,
        good_rate=None, bad_share=None, flags=(), flag_labels=(), indicator_ballots=0,
        grade_ballots=0, grade_counts={}, stdev=None, spread=None, previous_rank=None,
        previous_grade=None, rank_change=None,
    )  # fmt: skip
    svg = pdf.ranking_chart_svg([row])
    assert svg.startswith("<svg") and "&lt;b&gt;&amp;党委" in svg and "88.50" in svg
    assert pdf.ranking_chart_svg([row]) == svg
    grades = pdf.grade_chart_svg({"好": 2, "较好": 1, "一般": 0, "差": 0, "无": 0})
    assert grades.count("<rect") == 4


def test_the_item_summary_counts_by_status_overdue_and_per_organization(meeting_data):
    meeting = meeting_data[0]
    summary = pdf.item_summary(rows.item_rows(meeting))
    assert summary.total == 4 and summary.overdue == 1 and summary.finished == 2
    assert summary.finished_rate == Decimal("0.5000")
    assert dict(summary.by_status)[str(ItemStatus.IN_PROGRESS.label)] == 2
    assert len(summary.by_org) == 4


def test_the_page_header_string_cannot_end_the_css_string_or_the_style_element():
    # The header is inserted with |safe into @page's `content:`, so css_string alone guards it.
    text = 'a"; } body { display: none } </style><script>x</script>\\'
    quoted = pdf.css_string(text)
    inner = quoted[1:-1]
    assert quoted[0] == quoted[-1] == '"'
    assert "<" not in quoted and not re.search(r'(?<!\\)"', inner.replace("\\\\", ""))
