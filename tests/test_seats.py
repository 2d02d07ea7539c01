"""The seats page: seats by count and by a named list, links shown once, QR cards as a PDF."""

import csv
import io
import random
import re
import shutil
import subprocess

import pytest
from django.urls import reverse
from django.utils import translation

from meetings import cards
from meetings.models import EventAction, MeetingEvent, Seat, Stage
from meetings.tokens import token_hash
from tests.factories import (
    make_ballot,
    make_committee,
    make_meeting,
    make_org,
    make_reporter,
    make_seat,
    make_staff,
)

pytestmark = pytest.mark.django_db

TOKEN = re.compile(r"/s/([A-Za-z0-9_-]{20,})/")
POPPLER = shutil.which("pdftotext") and shutil.which("pdffonts") and shutil.which("pdfinfo")
needs_poppler = pytest.mark.skipif(
    not POPPLER, reason="poppler-utils (pdftotext, pdffonts, pdfinfo) is not installed"
)


def url(name, meeting, *args):
    return reverse(name, args=[meeting.pk, *args])


def group(meeting, code="LD"):
    return meeting.scheme.groups.get(code=code)


def seats_of(meeting, n, code="LD", **fields):
    return meeting.add_seats(group(meeting, code), n, **fields)


def tokens_in(text: str) -> list[str]:
    return TOKEN.findall(text)


def seat_of(token: str) -> Seat:
    return Seat.objects.get(token_hash=token_hash(token))


def pdf_tool(tool, pdf: bytes, tmp_path, *args) -> str:
    path = tmp_path / "cards.pdf"
    path.write_bytes(pdf)
    command = [tool, *args, str(path)] + (["-"] if tool == "pdftotext" else [])
    return subprocess.run(command, capture_output=True, check=True, text=True).stdout


def pages_of(pdf: bytes, tmp_path) -> int:
    info = pdf_tool("pdfinfo", pdf, tmp_path)
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def print_cards(client, meeting, **data):
    response = client.post(url("seat_cards", meeting), {"scope": "all", **data})
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"] == "application/pdf"
    return response.content


# Creating and removing seats


def test_staff_add_seats_to_a_group_by_count(staff_client, committee):
    meeting = make_meeting(committee)
    response = staff_client.post(
        url("seat_create", meeting), {"kind": "count", "group": group(meeting).pk, "count": 12}
    )
    assert response.status_code == 302
    codes = list(meeting.seats.values_list("code", flat=True))
    assert len(codes) == 12 and codes[0] == "LD001" and codes[-1] == "LD012"


def test_a_named_list_makes_one_seat_per_holder_with_the_organization_by_code_or_name(
    staff_client, committee
):
    meeting = make_meeting(committee, anonymous=False)
    make_org(committee, code="JD01", name="和平里街道党工委")
    make_org(committee, code="SQ02", name="青年湖社区党委")
    text = "王芳,jd01\n\n李强，青年湖社区党委\n赵敏\t SQ02 \n陈红\n"
    response = staff_client.post(
        url("seat_create", meeting), {"kind": "named", "group": group(meeting).pk, "holders": text}
    )
    assert response.status_code == 302
    seats = [
        (s.code, s.holder, s.organization and s.organization.code) for s in meeting.seats.all()
    ]
    assert seats == [
        ("LD001", "王芳", "JD01"),
        ("LD002", "李强", "SQ02"),
        ("LD003", "赵敏", "SQ02"),
        ("LD004", "陈红", None),
    ]


@pytest.mark.parametrize(
    ("line3", "message"),
    [
        (
            "刘洋,不存在的单位",
            "Line %(line)d: no organization “%(org)s” found; write a code "
            "or a name from the roster.",
        ),
        (
            "刘洋,重名党委",
            "Line %(line)d: several organizations are called “%(org)s”; write its code instead.",
        ),
        (",JD01", "Line %(line)d: the name is missing; write “name,organization”."),
        ("刘洋,JD01,多余", "Line %(line)d: write at most two parts, “name,organization”."),
    ],
)
def test_a_bad_line_of_a_named_list_is_named_by_its_row_and_nothing_is_stored(
    staff_client, committee, line3, message
):
    meeting = make_meeting(committee, anonymous=False)
    make_org(committee, code="JD01")
    make_org(committee, code="A1", name="重名党委")
    make_org(committee, code="A2", name="重名党委")
    text = f"王芳,JD01\n李强\n{line3}\n赵敏,JD01"
    response = staff_client.post(
        url("seat_create", meeting), {"kind": "named", "group": group(meeting).pk, "holders": text}
    )
    assert response.status_code == 400
    assert not meeting.seats.exists()
    org = line3.split(",")[1] if "," in line3 else ""
    with translation.override("zh-hans"):
        expected = translation.gettext(message) % {"line": 3, "org": org}
    assert expected in response.content.decode()
    assert text in response.context["named_form"]["holders"].value()  # the input is kept


def test_a_too_long_name_and_an_empty_list_are_refused(staff_client, committee):
    meeting = make_meeting(committee, anonymous=False)
    long_name = "长" * 51
    cases = [
        (
            "王芳\n" + long_name,
            "Line %(line)d: the name “%(name)s” is longer than %(max)d characters.",
            {"line": 2, "name": long_name, "max": 50},
        ),
        ("   \n  ", "Write at least one holder, one per line.", {}),  # % {} leaves it as is
    ]
    for text, message, values in cases:
        response = staff_client.post(
            url("seat_create", meeting),
            {"kind": "named", "group": group(meeting).pk, "holders": text},
        )
        assert response.status_code == 400
        with translation.override("zh-hans"):
            expected = translation.gettext(message) % values
        assert response.context["named_form"].errors["holders"] == [expected]
    assert not meeting.seats.exists()


def test_an_anonymous_meeting_takes_no_named_list(staff_client, committee):
    meeting = make_meeting(committee, anonymous=True)
    response = staff_client.post(
        url("seat_create", meeting),
        {"kind": "named", "group": group(meeting).pk, "holders": "王芳"},
    )
    assert response.status_code == 400 and not meeting.seats.exists()
    assert 'name="holders"' not in staff_client.get(url("seat_list", meeting)).content.decode()


def test_seats_are_added_and_removed_until_scoring_is_closed(staff_client, committee):
    meeting = make_meeting(committee)
    seats_of(meeting, 1)
    make_reporter(meeting)
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    data = {"kind": "count", "group": group(meeting).pk, "count": 2}
    staff_client.post(url("seat_create", meeting), data)
    assert meeting.seats.count() == 3
    meeting.set_scoring("closed")
    meeting.advance(Stage.CLOSED)
    staff_client.post(url("seat_create", meeting), data)
    staff_client.post(url("seat_remove", meeting, meeting.seats.last().pk))
    assert meeting.seats.count() == 3


def test_a_seat_with_ballots_stays_and_one_without_is_removed(staff_client, committee):
    meeting = make_meeting(committee)
    reporter = make_reporter(meeting)
    used, unused = seats_of(meeting, 2)
    make_ballot(used, reporter, grade="好")
    staff_client.post(url("seat_remove", meeting, used.pk))
    staff_client.post(url("seat_remove", meeting, unused.pk))
    assert list(meeting.seats.all()) == [used]


def test_the_seats_page_groups_seats_with_counts_holders_and_link_status(staff_client, committee):
    meeting = make_meeting(committee, anonymous=False)
    org = make_org(committee, name="和平里街道党工委")
    seats_of(meeting, 3)
    seats_of(meeting, 2, code="BM", organization=org)
    Seat.objects.filter(code="LD002").update(holder="王芳")
    meeting.seats.get(code="LD001").issue_link()
    response = staff_client.get(url("seat_list", meeting))
    page = response.content.decode()
    assert response.status_code == 200
    assert all(code in page for code in ["LD001", "LD003", "BM001", "BM002"])
    assert "王芳" in page and "和平里街道党工委" in page
    groups = {row["group"].code: row for row in response.context["groups"]}
    assert (len(groups["LD"]["seats"]), groups["LD"]["n_links"]) == (3, 1)
    assert (len(groups["BM"]["seats"]), groups["BM"]["n_links"]) == (2, 0)


# Links


def test_issuing_links_shows_each_link_once_and_stores_only_its_hash(staff_client, committee):
    meeting = make_meeting(committee)
    seats_of(meeting, 3)
    response = staff_client.post(url("seat_links", meeting), {"scope": "all"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    tokens = sorted(set(tokens_in(response.content.decode())))
    assert len(tokens) == 3
    assert sorted(seat_of(t).code for t in tokens) == ["LD001", "LD002", "LD003"]
    for seat in meeting.seats.all():
        assert seat.link_issued_at is not None
        assert all(t not in str(vars(seat)) for t in tokens)  # the token itself is not stored
    event = MeetingEvent.objects.get(meeting=meeting, action=EventAction.LINKS_ISSUED)
    assert "LD001" in event.note
    assert all(t not in event.note for t in tokens)
    page = staff_client.get(url("seat_list", meeting)).content.decode()
    assert not tokens_in(page)  # never shown again


def test_reissuing_a_link_kills_the_old_token(staff_client, committee):
    meeting = make_meeting(committee)
    seat = seats_of(meeting, 1)[0]
    first = tokens_in(
        staff_client.post(url("seat_links", meeting), {"scope": "all"}).content.decode()
    )
    second = tokens_in(
        staff_client.post(url("seat_links", meeting), {"scope": "all"}).content.decode()
    )
    assert first[0] != second[0]
    assert seat_of(second[0]) == seat
    assert not Seat.objects.filter(token_hash=token_hash(first[0])).exists()


def test_links_go_to_one_group_or_to_the_ticked_seats_only(staff_client, committee):
    meeting = make_meeting(committee)
    ld = seats_of(meeting, 2)
    bm = seats_of(meeting, 3, code="BM")
    body = staff_client.post(
        url("seat_links", meeting), {"scope": "group", "group": group(meeting, "BM").pk}
    ).content.decode()
    assert sorted(seat_of(t).code for t in set(tokens_in(body))) == ["BM001", "BM002", "BM003"]
    body = staff_client.post(
        url("seat_links", meeting), {"scope": "selected", "seats": [ld[1].pk, bm[0].pk]}
    ).content.decode()
    assert sorted(seat_of(t).code for t in set(tokens_in(body))) == ["BM001", "LD002"]
    response = staff_client.post(url("seat_links", meeting), {"scope": "selected"})
    assert response.status_code == 400


def test_the_link_list_can_come_as_a_csv_file(staff_client, committee):
    meeting = make_meeting(committee, anonymous=False)
    seats = seats_of(meeting, 2)
    Seat.objects.filter(pk=seats[0].pk).update(holder="王芳")
    response = staff_client.post(url("seat_links", meeting), {"scope": "all", "csv": "on"})
    assert response["Content-Type"].startswith("text/csv")
    assert response["Content-Disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [(r["seat"], r["holder"]) for r in rows] == [("LD001", "王芳"), ("LD002", "")]
    assert all(seat_of(tokens_in(r["url"])[0]).code == r["seat"] for r in rows)
    assert rows[0]["url"].startswith("http://testserver/s/")


def test_revoking_a_link_stops_it_and_is_recorded(staff_client, committee):
    meeting = make_meeting(committee)
    seat = seats_of(meeting, 1)[0]
    token = seat.issue_link()
    response = staff_client.post(url("seat_revoke", meeting, seat.pk))
    assert response.status_code == 302
    seat.refresh_from_db()
    assert seat.token_hash is None and seat.link_issued_at is None
    assert not Seat.objects.filter(token_hash=token_hash(token)).exists()
    event = MeetingEvent.objects.get(meeting=meeting, action=EventAction.LINK_REVOKED)
    assert event.note == "LD001" and event.by is not None


# QR cards


@needs_poppler
def test_cards_come_8_to_an_a4_sheet_with_the_title_codes_and_a_cjk_sc_font(
    staff_client, committee, tmp_path
):
    meeting = make_meeting(committee, anonymous=False, title="2025年度东城区述职评议会")
    seats_of(meeting, 10)
    response = staff_client.post(url("seat_cards", meeting), {"scope": "all"})
    assert response["Content-Disposition"].startswith("attachment;")
    pdf = response.content
    assert pages_of(pdf, tmp_path) == 2
    text = pdf_tool("pdftotext", pdf, tmp_path, "-layout")
    assert text.count("2025年度东城区述职评议会") == 10
    assert all(f"LD{n:03d}" in text for n in range(1, 11))
    first_page = text.split("\f")[0]
    assert sorted(re.findall(r"LD\d{3}", first_page)) == [f"LD{n:03d}" for n in range(1, 9)]
    fonts = pdf_tool("pdffonts", pdf, tmp_path).splitlines()[2:]
    assert fonts and all("CJK-SC" in line or "CJKsc" in line for line in fonts), fonts


@needs_poppler
def test_the_url_under_each_qr_code_is_the_seats_fresh_link(staff_client, committee, tmp_path):
    meeting = make_meeting(committee, anonymous=False)
    seats = seats_of(meeting, 3)
    old = seats[0].issue_link()
    text = pdf_tool("pdftotext", print_cards(staff_client, meeting), tmp_path, "-layout")
    tokens = tokens_in(text)
    assert len(tokens) == 3
    assert [seat_of(t).code for t in tokens] == ["LD001", "LD002", "LD003"]  # seat order
    assert old not in tokens and not Seat.objects.filter(token_hash=token_hash(old)).exists()
    assert MeetingEvent.objects.filter(meeting=meeting, action=EventAction.LINKS_ISSUED).exists()


@needs_poppler
def test_named_cards_show_the_holder(staff_client, committee, tmp_path):
    meeting = make_meeting(committee, anonymous=False)
    seats = seats_of(meeting, 2)
    Seat.objects.filter(pk=seats[0].pk).update(holder="王芳")
    text = pdf_tool("pdftotext", print_cards(staff_client, meeting), tmp_path, "-layout")
    assert "王芳" in text


@needs_poppler
def test_anonymous_cards_come_shuffled_and_name_no_holder(
    staff_client, committee, tmp_path, monkeypatch
):
    monkeypatch.setattr(cards, "shuffle_rng", random.Random(1))
    meeting = make_meeting(committee, anonymous=True)
    seats_of(meeting, 40)
    Seat.objects.filter(code="LD007").update(holder="王芳")  # a holder left from earlier
    pdf = print_cards(staff_client, meeting)
    text = pdf_tool("pdftotext", pdf, tmp_path, "-layout")
    codes = re.findall(r"LD\d{3}", text)
    assert sorted(codes) == [f"LD{n:03d}" for n in range(1, 41)]
    assert codes != sorted(codes)
    assert "王芳" not in text
    assert pages_of(pdf, tmp_path) == 5
    assert sorted(seat_of(t).code for t in tokens_in(text)) == sorted(codes)


def test_printing_cards_of_no_seats_says_so(staff_client, committee):
    meeting = make_meeting(committee)
    response = staff_client.post(url("seat_cards", meeting), {"scope": "all"})
    assert response.status_code == 302


# Who may


def test_staff_of_another_committee_get_404_everywhere(client, committee):
    meeting = make_meeting(committee)
    seat = make_seat(meeting)
    token = seat.issue_link()
    client.force_login(make_staff(make_committee()))
    assert client.get(url("seat_list", meeting)).status_code == 404
    for name, args in [
        ("seat_create", ()),
        ("seat_links", ()),
        ("seat_cards", ()),
        ("seat_revoke", (seat.pk,)),
        ("seat_remove", (seat.pk,)),
    ]:
        response = client.post(url(name, meeting, *args), {"scope": "all", "count": 1})
        assert response.status_code == 404, name
    seat.refresh_from_db()
    assert seat.token_hash == token_hash(token) and meeting.seats.count() == 1


def test_a_seat_of_another_meeting_is_not_found(staff_client, committee):
    meeting, other = make_meeting(committee), make_meeting(committee)
    seat = make_seat(other)
    assert staff_client.post(url("seat_revoke", meeting, seat.pk)).status_code == 404
    assert staff_client.post(url("seat_remove", meeting, seat.pk)).status_code == 404


def test_a_seat_of_another_meeting_cannot_be_ticked_for_a_link(staff_client, committee):
    meeting, other = make_meeting(committee), make_meeting(committee)
    mine, theirs = make_seat(meeting), make_seat(other)
    response = staff_client.post(
        url("seat_links", meeting), {"scope": "selected", "seats": [mine.pk, theirs.pk]}
    )
    assert response.status_code == 400
    assert not Seat.objects.filter(token_hash__isnull=False).exists()


def test_post_only_urls_refuse_get(staff_client, committee):
    meeting = make_meeting(committee)
    seat = make_seat(meeting)
    for name, args in [
        ("seat_create", ()),
        ("seat_links", ()),
        ("seat_cards", ()),
        ("seat_revoke", (seat.pk,)),
        ("seat_remove", (seat.pk,)),
    ]:
        assert staff_client.get(url(name, meeting, *args)).status_code == 405, name


def test_anonymous_visitors_are_sent_to_log_in(client, committee):
    meeting = make_meeting(committee)
    response = client.get(url("seat_list", meeting))
    assert response.status_code == 302 and "login" in response["Location"]
