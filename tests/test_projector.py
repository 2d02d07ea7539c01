"""The projector link: read-only, no account, and never a score before staff show results."""

import pytest
from django.core.cache import cache
from django.urls import reverse

from meetings import live
from meetings.models import Meeting, ScoringState, Stage
from meetings.results import meeting_results
from tests.factories import make_ballot, make_meeting, make_org, make_reporter, make_seat

pytestmark = pytest.mark.django_db

HIGH = {"ZZ": "19.5", "ZD": "28", "ZF": "47"}
LOW = {"ZZ": "14", "ZD": "21.5", "ZF": "38"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Live reads are cached for a second per meeting id; ids repeat from test to test."""
    cache.clear()
    yield
    cache.clear()


def make_scored_hall(committee):
    """A meeting in session with two reporters, six seats and a ballot from every seat."""
    meeting = make_meeting(committee, title="2025年度东城区述职评议会")
    a = make_reporter(meeting, make_org(committee, code="A", name="东城街道党工委"), daily=90)
    b = make_reporter(
        meeting, make_org(committee, code="B", name="和平社区党委"), daily=85, secretary_name="李赟"
    )
    for n in range(6):
        seat = make_seat(meeting, ["LD", "BM", "DB"][n % 3], code=f"S{n:03d}")
        make_ballot(seat, a, scores=HIGH, grade="好")
        make_ballot(seat, b, scores=LOW, grade="较好" if n % 2 else "一般")
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    return meeting, a, b


def state_of(client, token):
    return client.get(reverse("projector_state", args=[token]))


def score_texts(meeting) -> set[str]:
    """Every way a composite of the meeting could be written."""
    texts = set()
    for row in meeting_results(meeting):
        if row.result.composite is not None:
            texts |= {f"{row.result.composite:.2f}", str(row.result.composite)}
    assert texts
    return texts


def close_scoring(meeting):
    meeting.set_scoring(ScoringState.CLOSED)
    meeting.advance(Stage.CLOSED)


def test_an_unknown_or_empty_token_is_not_found(client, committee):
    meeting, *_ = make_scored_hall(committee)
    meeting.issue_projector_link()
    for token in ["nonsense", "x" * 32]:
        assert client.get(reverse("projector", args=[token])).status_code == 404
        assert state_of(client, token).status_code == 404


def test_the_projector_page_opens_without_an_account(client, committee):
    meeting, *_ = make_scored_hall(committee)
    token = meeting.issue_projector_link()
    response = client.get(reverse("projector", args=[token]))
    html = response.content.decode()
    assert response.status_code == 200 and "2025年度东城区述职评议会" in html
    assert f'data-state-url="/p/{token}/state"' in html and "js/projector.js" in html
    assert "no-cache" in response["Cache-Control"]


def test_the_state_says_who_reports_the_countdown_and_the_ballots_in(client, committee):
    meeting, _a, b = make_scored_hall(committee)
    token = meeting.issue_projector_link()
    live.call_reporter(meeting, b, None)
    live.countdown_start(meeting, None)
    response = state_of(client, token)
    state = response.json()
    assert response["Content-Type"] == "application/json"
    assert set(state) == {"meeting", "current", "countdown", "results", "now"}
    assert state["meeting"] == {"title": "2025年度东城区述职评议会", "stage": "live"}
    assert state["current"] == {
        "org": "B",
        "organization": "和平社区党委",
        "secretary": "李赟",
        "rehearsal": False,
        "scoring": "pending",
        "in": 6,
        "eligible": 6,
    }
    assert state["countdown"]["running"] is True and state["countdown"]["limit"] == 360
    assert 358 <= state["countdown"]["remaining"] <= 360
    assert state["results"] is None and isinstance(state["now"], int)
    assert "和平社区党委" in response.content.decode()  # Chinese as is, not \\u escapes


def test_before_anyone_is_called_the_state_has_no_current_reporter(client, committee):
    meeting, *_ = make_scored_hall(committee)
    token = meeting.issue_projector_link()
    state = state_of(client, token).json()
    assert state["current"] is None and state["countdown"]["running"] is False


def test_a_reporter_called_at_the_desk_shows_at_once_despite_the_cache(client, committee):
    meeting, a, b = make_scored_hall(committee)
    token = meeting.issue_projector_link()
    live.call_reporter(meeting, a, None)
    assert state_of(client, token).json()["current"]["org"] == "A"
    live.call_reporter(meeting, b, None)
    assert state_of(client, token).json()["current"]["org"] == "B"


def test_no_score_reaches_the_projector_before_results_are_shown(client, committee):
    meeting, a, _b = make_scored_hall(committee)
    token = meeting.issue_projector_link()
    live.call_reporter(meeting, a, None)
    scores = score_texts(meeting)

    def assert_no_score():
        cache.clear()
        text = state_of(client, token).content.decode()
        page = client.get(reverse("projector", args=[token])).content.decode()
        assert "composite" not in text.lower() and '"results": null' in text
        for score in scores:
            assert score not in text and score not in page, score

    assert_no_score()
    # Even a flag set while the meeting is still in session shows nothing.
    Meeting.objects.filter(pk=meeting.pk).update(results_shown=True)
    assert_no_score()
    close_scoring(meeting)
    # Nor once scoring is closed: results reach the hall only once published.
    assert_no_score()
    Meeting.objects.filter(pk=meeting.pk).update(results_shown=False)
    with pytest.raises(live.LiveError):
        live.show_results(meeting, True, None)
    assert_no_score()


def test_results_reach_the_projector_once_shown_and_leave_when_hidden(client, committee):
    meeting, *_ = make_scored_hall(committee)
    token = meeting.issue_projector_link()
    close_scoring(meeting)
    meeting.advance(Stage.PUBLISHED)
    live.show_results(meeting, True, None)
    results = state_of(client, token).json()["results"]
    expected = [
        {
            "rank": row.result.rank,
            "organization": row.reporter.organization.name,
            "secretary": row.reporter.secretary_name,
            "composite": f"{row.result.composite:.2f}",
            "grade": row.result.grade,
        }
        for row in meeting_results(meeting)
    ]
    assert results == expected
    assert [r["organization"] for r in results] == ["东城街道党工委", "和平社区党委"]
    assert results[0]["rank"] == 1 and results[0]["grade"]
    live.show_results(meeting, False, None)
    text = state_of(client, token).content.decode()
    assert "composite" not in text and all(s not in text for s in score_texts(meeting))


def test_a_reissued_link_stops_the_old_one(client, committee):
    meeting, *_ = make_scored_hall(committee)
    old = meeting.issue_projector_link()
    assert state_of(client, old).status_code == 200
    new = live.issue_projector_link(meeting, None)
    assert state_of(client, old).status_code == 404
    assert client.get(reverse("projector", args=[old])).status_code == 404
    assert state_of(client, new).status_code == 200


def test_the_projector_only_reads(client, committee):
    meeting, *_ = make_scored_hall(committee)
    token = meeting.issue_projector_link()
    assert client.post(reverse("projector_state", args=[token])).status_code == 405
    assert client.post(reverse("projector", args=[token])).status_code == 405
