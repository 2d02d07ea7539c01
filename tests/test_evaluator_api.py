"""The evaluator's interface (SCORING.md): every answer of the contract, from a seat link."""

from __future__ import annotations

import json
import uuid
from types import SimpleNamespace

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from meetings.models import (
    Ballot,
    BallotReceipt,
    DutyReport,
    ScoringState,
    Stage,
)
from meetings.views_evaluator import forget_shared_state
from tests.factories import make_ballot, make_meeting, make_org, make_reporter, make_seat

pytestmark = pytest.mark.django_db

FULL = {"ZZ": "18.5", "ZD": "27", "ZF": "45"}


@pytest.fixture
def hall(committee):
    """A meeting in session: two reporters, scoring open for JD01, one seat with a link."""
    meeting = make_meeting(committee, title="2025年度东城区述职评议会")
    jd01 = make_reporter(meeting, make_org(committee, code="JD01", name="东城街道党工委"))
    jd02 = make_reporter(meeting, make_org(committee, code="JD02", name="和平社区党委"))
    seat = make_seat(meeting, "LD", code="LD001")
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    meeting.current_reporter = jd01
    meeting.save()
    meeting.set_scoring(ScoringState.OPEN, reporter=jd01)
    url = f"/s/{seat.issue_link()}/"
    return SimpleNamespace(meeting=meeting, jd01=jd01, jd02=jd02, seat=seat, url=url)


def ballot(org="JD01", ballot_id=None, **fields) -> dict:
    body = {"ballot_id": ballot_id or str(uuid.uuid4()), "org": org, "scores": FULL, "grade": "好"}
    return {**body, **fields}


def post(client, url: str, body) -> object:
    data = body if isinstance(body, str | bytes) else json.dumps(body, ensure_ascii=False)
    return client.post(url + "ballots", data=data, content_type="application/json")


def nothing_stored() -> bool:
    return not Ballot.objects.exists() and not BallotReceipt.objects.exists()


# 200: stored, and idempotent ------------------------------------------------------------------


def test_a_valid_ballot_is_stored_and_answered_with_its_id_and_receipt(client, hall):
    body = ballot(opinion="建议加强软弱涣散党组织整顿。")
    response = post(client, hall.url, body)
    assert response.status_code == 200
    stored = Ballot.objects.get()
    assert response.json() == {"ballot_id": body["ballot_id"], "receipt": stored.receipt}
    assert stored.scores == FULL and stored.grade == "好"
    assert stored.opinion == "建议加强软弱涣散党组织整顿。"
    assert (stored.seat, stored.reporter) == (hall.seat, hall.jd01)


def test_the_same_ballot_id_sent_again_gets_the_same_receipt_and_stores_nothing_new(client, hall):
    body = ballot()
    answers = [post(client, hall.url, body).json() for _ in range(4)]
    assert all(answer == answers[0] for answer in answers)
    # The ballot that counts carries its id and receipt; no receipt row repeats them.
    assert Ballot.objects.count() == 1 and not BallotReceipt.objects.exists()


def test_a_retry_is_answered_even_after_scoring_closed(client, hall):
    body = ballot()
    first = post(client, hall.url, body).json()
    hall.meeting.set_scoring(ScoringState.CLOSED)
    again = post(client, hall.url, body)
    assert again.status_code == 200 and again.json() == first


def test_scores_sent_as_json_numbers_are_taken_exactly(client, hall):
    body = '{"ballot_id": "%s", "org": "JD01", "scores": {"ZZ": 18.5, "ZD": 27, "ZF": 44.05}}'
    response = post(client, hall.url, body % uuid.uuid4())
    assert response.status_code == 200
    assert Ballot.objects.get().scores == {"ZZ": "18.5", "ZD": "27", "ZF": "44.05"}


def test_a_new_ballot_id_replaces_the_seats_earlier_ballot_for_that_reporter(client, hall):
    first = post(client, hall.url, ballot(grade="好")).json()
    second_body = ballot(grade="一般")
    second = post(client, hall.url, second_body).json()
    stored = Ballot.objects.get()
    assert stored.grade == "一般" and str(stored.ballot_id) == second_body["ballot_id"]
    assert stored.receipt == second["receipt"] != first["receipt"]


def test_an_old_ballot_id_retried_after_a_newer_one_does_not_overwrite_it(client, hall):
    old = ballot(grade="好")
    old_answer = post(client, hall.url, old).json()
    post(client, hall.url, ballot(grade="差"))
    retried = post(client, hall.url, old)
    assert retried.status_code == 200 and retried.json() == old_answer
    assert list(Ballot.objects.values_list("grade", flat=True)) == ["差"]
    kept = BallotReceipt.objects.get()
    assert (str(kept.ballot_id), kept.receipt) == (old["ballot_id"], old_answer["receipt"])


def test_a_replaced_ballot_id_sent_for_another_reporter_stores_nothing(client, hall):
    old = ballot(grade="好")
    old_answer = post(client, hall.url, old).json()
    post(client, hall.url, ballot(grade="差"))
    hall.meeting.set_scoring(ScoringState.OPEN, reporter=hall.jd02)
    reused = post(client, hall.url, {**old, "org": "JD02"})
    assert reused.status_code == 200 and reused.json() == old_answer
    assert not Ballot.objects.filter(reporter=hall.jd02).exists()


# 400: invalid, nothing stored ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "field"),
    [
        (ballot(scores={**FULL, "ZF": "50.01"}), "scores.ZF"),
        (ballot(scores={**FULL, "ZZ": "-1"}), "scores.ZZ"),
        (ballot(scores={**FULL, "ZD": "12.345"}), "scores.ZD"),
        (ballot(scores={"ZZ": "18", "ZD": "27"}), "scores.ZF"),
        (ballot(scores={**FULL, "XX": "1"}), "scores.XX"),
        (ballot(grade="优秀"), "grade"),
        (ballot(org="NOPE"), "org"),
        (ballot(org=None), "org"),
        (ballot(ballot_id="not-a-uuid"), "ballot_id"),
        ({k: v for k, v in ballot().items() if k != "ballot_id"}, "ballot_id"),
        (ballot(opinion="意" * 501), "opinion"),
        (ballot(scores=None, grade=None), "ballot"),
        (ballot(scores=["18"]), "scores"),
        ("{not json", "json"),
        ("[1, 2]", "json"),
        ("null", "json"),
    ],
)
def test_an_invalid_ballot_is_refused_with_the_field_and_nothing_is_stored(
    client, hall, body, field
):
    response = post(client, hall.url, body)
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert field in errors and errors[field]
    assert nothing_stored()


def test_a_seat_never_scores_its_own_organization(client, hall):
    own = make_seat(hall.meeting, "BM", code="BM001", organization=hall.jd01.organization)
    response = post(client, f"/s/{own.issue_link()}/", ballot())
    assert response.status_code == 400 and "org" in response.json()["errors"]
    assert nothing_stored()


def test_a_ballot_id_already_used_by_another_seat_is_refused(client, hall):
    other = make_seat(hall.meeting, "BM", code="BM001")
    body = ballot()
    assert post(client, f"/s/{other.issue_link()}/", body).status_code == 200
    response = post(client, hall.url, body)
    assert response.status_code == 400 and "ballot_id" in response.json()["errors"]
    assert Ballot.objects.get().seat == other


# 409: scoring not open, nothing stored -------------------------------------------------------


def test_a_ballot_for_a_reporter_whose_scoring_has_not_opened_is_refused(client, hall):
    response = post(client, hall.url, ballot(org="JD02"))
    assert response.status_code == 409
    assert "和平社区党委" in response.json()["error"]
    assert nothing_stored()


def test_a_ballot_arriving_after_scoring_closed_is_refused_and_not_stored(client, hall):
    hall.meeting.set_scoring(ScoringState.CLOSED, reporter=hall.jd01)
    response = post(client, hall.url, ballot())
    assert response.status_code == 409 and response.json()["error"]
    assert nothing_stored()


def test_closing_after_a_ballot_keeps_it_and_refuses_its_replacement(client, hall):
    post(client, hall.url, ballot(grade="好"))
    hall.meeting.set_scoring(ScoringState.CLOSED)
    assert post(client, hall.url, ballot(grade="差")).status_code == 409
    assert list(Ballot.objects.values_list("grade", flat=True)) == ["好"]


# 404: unknown, revoked and reissued links ----------------------------------------------------


def link_answers(client, url: str) -> list[int]:
    return [
        client.get(url).status_code,
        client.get(url + "state").status_code,
        post(client, url, ballot()).status_code,
        client.get(url + "reports/JD01").status_code,
    ]


def test_an_unknown_link_answers_404_everywhere_and_tells_nothing(client, hall):
    assert link_answers(client, "/s/unknown-token/") == [404, 404, 404, 404]
    response = client.get("/s/unknown-token/state")
    assert set(response.json()) == {"error"}
    assert nothing_stored()


def test_a_revoked_link_stops_working(client, hall):
    hall.seat.revoke_link()
    assert link_answers(client, hall.url) == [404, 404, 404, 404]
    assert nothing_stored()


def test_a_reissued_link_replaces_the_old_one(client, hall):
    new_url = f"/s/{hall.seat.issue_link()}/"
    assert link_answers(client, hall.url) == [404, 404, 404, 404]
    assert client.get(new_url + "state").status_code == 200


# The state -----------------------------------------------------------------------------------


def test_the_state_has_the_contracts_shape(client, hall):
    state = client.get(hall.url + "state").json()
    assert set(state) >= {"meeting", "current", "open", "ballots"}
    assert state["current"] == "JD01" and state["open"] == ["JD01"] and state["ballots"] == {}
    meeting = state["meeting"]
    assert meeting["title"] == "2025年度东城区述职评议会" and meeting["stage"] == Stage.LIVE
    assert meeting["indicators"][0] == {"code": "ZZ", "name": "政治建设", "max_points": "20"}
    assert meeting["grades"] == ["好", "较好", "一般", "差"]
    assert [r["org"] for r in meeting["reporters"]] == ["JD01", "JD02"]
    assert meeting["reporters"][0]["scoring"] == "open"
    assert meeting["seat"] == {
        "code": "LD001",
        "group": "LD",
        "group_name": "区委领导",
        "org": None,
    }


def test_the_state_carries_this_seats_own_ballots_and_never_another_seats(client, hall):
    other = make_seat(hall.meeting, "BM", code="BM001")
    theirs = make_ballot(other, hall.jd01, scores={"ZZ": "17.25", "ZD": "21.75", "ZF": "33.5"})
    body = ballot()
    receipt = post(client, hall.url, body).json()["receipt"]
    response = client.get(hall.url + "state")
    assert response.json()["ballots"] == {
        "JD01": {
            "ballot_id": body["ballot_id"],
            "scores": FULL,
            "grade": "好",
            "opinion": "",
            "receipt": receipt,
        }
    }
    text = response.content.decode()
    assert "17.25" not in text and "33.5" not in text
    assert theirs.receipt not in text and str(theirs.ballot_id) not in text
    assert "BM001" not in text


def test_the_state_shows_the_current_reporters_structured_report(client, hall):
    DutyReport.objects.create(
        reporter=hall.jd01, achievements="完成12个社区党群服务中心建设", self_examination="一\n\n二"
    )
    forget_shared_state(hall.meeting)
    report = client.get(hall.url + "state").json()["meeting"]["report"]
    assert report["achievements"] == "完成12个社区党群服务中心建设"
    assert report["self_examination"] == ["一", "二"] and report["file"] is False


def test_a_seats_first_ballot_is_one_read_and_one_insert(client, hall):
    for code in ("LD002", "LD003"):  # the first freezes the scheme; this process then keeps
        other = make_seat(hall.meeting, "LD", code=code)  # the frozen scheme's indicators
        post(client, f"/s/{other.issue_link()}/", ballot())
    with CaptureQueriesContext(connection) as queries:
        answer = post(client, hall.url, ballot())
    assert answer.status_code == 200
    statements = [q["sql"].split()[0] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert statements == ["SELECT", "INSERT"]
    assert Ballot.objects.get(seat=hall.seat).receipt == answer.json()["receipt"]


def test_the_state_comes_from_a_cache_and_the_seats_own_ballots(
    client, hall, django_assert_max_num_queries
):
    client.get(hall.url + "state")
    with django_assert_max_num_queries(2):  # the seat by its token hash, its own ballots
        assert client.get(hall.url + "state").status_code == 200


def test_the_state_follows_the_desk_at_once_when_the_current_reporter_changes(client, hall):
    client.get(hall.url + "state")
    hall.meeting.current_reporter = hall.jd02
    hall.meeting.save()
    assert client.get(hall.url + "state").json()["current"] == "JD02"


# No CSRF token, no cookie --------------------------------------------------------------------


def test_a_ballot_needs_no_csrf_token_and_no_response_sets_a_cookie(hall):
    client = Client(enforce_csrf_checks=True)
    response = post(client, hall.url, ballot())
    assert response.status_code == 200
    for answer in (response, client.get(hall.url), client.get(hall.url + "state")):
        assert not answer.cookies


# The page and the written report -------------------------------------------------------------


def test_the_page_shows_the_meeting_and_carries_the_state(client, hall):
    response = client.get(hall.url)
    assert response.status_code == 200
    page = response.content.decode()
    assert "2025年度东城区述职评议会" in page and 'id="ev-state"' in page
    assert "js/evaluator.js" in page and "LD001" in page


@pytest.fixture
def private_root(settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    return settings.PRIVATE_ROOT


def test_the_written_report_downloads_as_an_attachment(client, hall, private_root):
    report = DutyReport.objects.create(reporter=hall.jd01, file_name="东城街道述职报告.pdf")
    report.file.save("report.pdf", ContentFile(b"%PDF-1.4 report"))
    try:
        response = client.get(hall.url + "reports/JD01")
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert b"".join(response.streaming_content) == b"%PDF-1.4 report"
        forget_shared_state(hall.meeting)
        state = client.get(hall.url + "state").json()["meeting"]
        assert state["report"]["file_url"] == hall.url + "reports/JD01"
        assert state["reporters"][0]["report_file"] is True
    finally:
        report.file.delete(save=False)


def test_a_report_downloads_even_when_the_org_code_holds_a_slash(client, committee, private_root):
    meeting = make_meeting(committee)
    reporter = make_reporter(meeting, make_org(committee, code="JD/01"))
    url = f"/s/{make_seat(meeting, 'LD', code='LD001').issue_link()}/"
    report = DutyReport.objects.create(reporter=reporter, file_name="述职报告.pdf")
    report.file.save("report.pdf", ContentFile(b"%PDF-1.4 report"))
    try:
        response = client.get(url + "reports/JD/01")
        assert response.status_code == 200
        assert b"".join(response.streaming_content) == b"%PDF-1.4 report"
    finally:
        report.file.delete(save=False)


def test_a_report_without_a_file_or_of_another_meeting_is_not_found(client, hall, committee):
    DutyReport.objects.create(reporter=hall.jd02, achievements="……")
    stranger = make_reporter(make_meeting(committee), make_org(committee, code="X1"))
    DutyReport.objects.create(reporter=stranger, file="reports/x.pdf")
    assert client.get(hall.url + "reports/JD02").status_code == 404
    assert client.get(hall.url + "reports/X1").status_code == 404
    assert client.get(hall.url + "reports/NOPE").status_code == 404


def test_an_online_ballot_never_silently_replaces_a_counted_paper_ballot(client):
    from meetings.ballots import BallotInput, ScoringNotOpen, cast_ballot
    from meetings.models import Ballot
    from tests.factories import make_committee, make_meeting, make_reporter, make_seat

    committee = make_committee()
    meeting = make_meeting(committee)
    reporter, seat = make_reporter(meeting), make_seat(meeting)
    Ballot.objects.create(seat=seat, reporter=reporter, grade="好", paper=True)
    meeting.set_scoring("open")
    with pytest.raises(ScoringNotOpen):
        cast_ballot(seat, reporter, BallotInput(grade="差"))
    assert list(Ballot.objects.values_list("grade", "paper")) == [("好", True)]
