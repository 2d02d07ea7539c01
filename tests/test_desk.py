"""The control desk: every button changes the hall and leaves a history row; live counts."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from meetings import live
from meetings.models import EventAction, Meeting, MeetingEvent, ScoringState, Stage
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

SCORES = {"ZZ": "18", "ZD": "25", "ZF": "40"}


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Live reads are cached for a second per meeting id; ids repeat from test to test."""
    cache.clear()
    yield
    cache.clear()


def make_hall(committee, anonymous=True, live_stage=True):
    """A meeting with a practice reporter and two reporters; five seats, one from org A."""
    meeting = make_meeting(committee, anonymous=anonymous)
    practice = make_reporter(
        meeting, make_org(committee, code="SP", name="试评党支部"), rehearsal=True
    )
    org_a = make_org(committee, code="A", name="东城街道党工委")
    a = make_reporter(meeting, org_a, secretary_name="王珺")
    b = make_reporter(meeting, make_org(committee, code="B", name="和平社区党委"))
    seats = [
        make_seat(meeting, "LD", code="LD001", holder="刘一"),
        make_seat(meeting, "LD", code="LD002", holder="陈二"),
        make_seat(meeting, "BM", code="BM001", holder="张三", organization=org_a),
        make_seat(meeting, "BM", code="BM002", holder="李四"),
        make_seat(meeting, "DB", code="DB001", holder="王五"),
    ]
    if live_stage:
        meeting.advance(Stage.REPORTS)
        meeting.advance(Stage.LIVE)
    return meeting, practice, a, b, seats


def act(client, meeting, action, **data):
    """POST one desk button, following the redirect; messages in English."""
    url = reverse("desk_action", args=[meeting.pk, action])
    return client.post(url, data, follow=True, HTTP_ACCEPT_LANGUAGE="en")


def message_texts(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def last_event(meeting) -> MeetingEvent:
    return meeting.events.order_by("-id").first()


def reload(meeting) -> Meeting:
    return Meeting.objects.get(pk=meeting.pk)


def test_the_desk_shows_the_agenda_with_the_current_reporter_highlighted(staff_client, committee):
    meeting, _practice, a, _b, _seats = make_hall(committee)
    live.call_reporter(meeting, a, None)
    html = staff_client.get(reverse("desk", args=[meeting.pk])).content.decode()
    assert 'class="table-danger fw-semibold" aria-current="true" data-reporter="A"' in html
    assert html.count('aria-current="true"') == 1
    assert 'id="desk-panel"' in html and 'hx-trigger="every 2s"' in html


def test_calling_a_reporter_makes_it_current_resets_the_countdown_and_is_logged(
    staff_client, committee, staff
):
    meeting, _practice, a, b, _seats = make_hall(committee)
    Meeting.objects.filter(pk=meeting.pk).update(
        current_reporter=a, countdown_started_at=timezone.now(), countdown_elapsed=40
    )
    response = act(staff_client, meeting, "call", reporter=b.pk)
    meeting = reload(meeting)
    assert response.status_code == 200 and meeting.current_reporter == b
    assert meeting.countdown_started_at is None and meeting.countdown_elapsed == 0
    event = last_event(meeting)
    assert (event.action, event.note, event.by) == (EventAction.REPORTER_STARTED, "B", staff)
    assert any("Now reporting" in m for m in message_texts(response))


def test_next_reporter_follows_the_agenda_and_says_so_at_its_end(staff_client, committee):
    meeting, practice, a, b, _seats = make_hall(committee)
    called = []
    for _ in range(3):
        act(staff_client, meeting, "next")
        called.append(reload(meeting).current_reporter)
    assert called == [practice, a, b]
    response = act(staff_client, meeting, "next")
    assert reload(meeting).current_reporter == b
    assert message_texts(response) == ["The last reporter on the agenda has been called already."]


def test_reporters_are_called_only_while_the_meeting_is_in_session(staff_client, committee):
    meeting, _practice, a, _b, _seats = make_hall(committee, live_stage=False)
    response = act(staff_client, meeting, "call", reporter=a.pk)
    assert reload(meeting).current_reporter is None
    assert "In session" in message_texts(response)[0]
    assert not meeting.events.exists()


def test_the_countdown_starts_pauses_and_resets_and_each_press_is_logged(staff_client, committee):
    meeting, _practice, a, _b, _seats = make_hall(committee)
    live.call_reporter(meeting, a, None)
    act(staff_client, meeting, "countdown-start")
    meeting = reload(meeting)
    assert meeting.countdown_running and last_event(meeting).note == "start"
    # Pretend the report has run for 30 seconds, then pause.
    Meeting.objects.filter(pk=meeting.pk).update(
        countdown_started_at=timezone.now() - timedelta(seconds=30)
    )
    act(staff_client, meeting, "countdown-pause")
    meeting = reload(meeting)
    assert not meeting.countdown_running and 30 <= meeting.countdown_elapsed <= 31
    assert meeting.countdown_remaining() == meeting.report_seconds - meeting.countdown_elapsed
    act(staff_client, meeting, "countdown-reset")
    meeting = reload(meeting)
    assert meeting.countdown_elapsed == 0 and not meeting.countdown_running
    notes = list(meeting.events.filter(action=EventAction.COUNTDOWN).values_list("note", flat=True))
    assert notes == ["start", "pause", "reset"]


def test_the_countdown_needs_a_current_reporter(staff_client, committee):
    meeting, *_ = make_hall(committee)
    response = act(staff_client, meeting, "countdown-start")
    assert not reload(meeting).countdown_running
    assert "Call a reporter first" in message_texts(response)[0]


def test_the_desk_clock_shows_mm_ss_and_turns_red_when_over(staff_client, committee):
    meeting, _practice, a, _b, _seats = make_hall(committee)
    live.call_reporter(meeting, a, None)
    Meeting.objects.filter(pk=meeting.pk).update(report_seconds=300, countdown_elapsed=342)
    html = staff_client.get(reverse("desk_panel", args=[meeting.pk])).content.decode()
    assert 'text-danger" id="desk-clock"' in html and 'data-remaining="-42"' in html
    assert ">-00:42<" in html and "05:00" in html


def test_the_time_limit_is_set_as_minutes_and_seconds(staff_client, committee):
    meeting, *_ = make_hall(committee)
    url = reverse("desk_time_limit", args=[meeting.pk])
    staff_client.post(url, {"limit": "7:30"})
    assert reload(meeting).report_seconds == 450
    assert last_event(meeting).action == EventAction.TIME_LIMIT
    assert last_event(meeting).note == "07:30"
    staff_client.post(url, {"limit": "8"})
    assert reload(meeting).report_seconds == 480
    html = staff_client.get(reverse("desk", args=[meeting.pk])).content.decode()
    assert 'value="08:00"' in html


@pytest.mark.parametrize("typed", ["0:10", "61:00", "6:75", "six", ""])
def test_a_time_limit_out_of_range_or_unreadable_is_refused(staff_client, committee, typed):
    meeting, *_ = make_hall(committee)
    response = staff_client.post(
        reverse("desk_time_limit", args=[meeting.pk]), {"limit": typed}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400 and reload(meeting).report_seconds == 360
    assert not typed or f'value="{typed}"' in response.content.decode()  # kept to correct


def test_scoring_opens_and_closes_for_the_current_reporter(staff_client, committee):
    meeting, _practice, a, b, _seats = make_hall(committee)
    live.call_reporter(meeting, a, None)
    act(staff_client, meeting, "scoring-open")
    a.refresh_from_db()
    b.refresh_from_db()
    assert (a.scoring, b.scoring) == (ScoringState.OPEN, ScoringState.PENDING)
    assert (last_event(meeting).action, last_event(meeting).note) == (
        EventAction.SCORING_OPENED,
        "A",
    )
    act(staff_client, meeting, "scoring-close", reporter=a.pk)
    a.refresh_from_db()
    assert a.scoring == ScoringState.CLOSED
    assert last_event(meeting).action == EventAction.SCORING_CLOSED


def test_scoring_opens_and_closes_for_all_reporters_at_once(staff_client, committee):
    meeting, *_ = make_hall(committee)
    act(staff_client, meeting, "scoring-open", reporter="all")
    assert set(meeting.reporters.values_list("scoring", flat=True)) == {ScoringState.OPEN}
    assert last_event(meeting).note == "all reporters"
    act(staff_client, meeting, "scoring-close", reporter="all")
    assert set(meeting.reporters.values_list("scoring", flat=True)) == {ScoringState.CLOSED}
    assert meeting.events.filter(action=EventAction.SCORING_CLOSED).count() == 1


def test_scoring_opens_only_while_the_meeting_is_in_session(staff_client, committee):
    meeting, *_ = make_hall(committee, live_stage=False)
    response = act(staff_client, meeting, "scoring-open", reporter="all")
    assert set(meeting.reporters.values_list("scoring", flat=True)) == {ScoringState.PENDING}
    assert "In session" in message_texts(response)[0]


def test_results_cannot_be_shown_before_they_are_published(staff_client, committee):
    meeting, practice, *_ = make_hall(committee)
    response = act(staff_client, meeting, "results-show")
    assert not reload(meeting).results_shown
    assert "only once they are published" in message_texts(response)[0]
    practice.delete()
    meeting.set_scoring(ScoringState.CLOSED)
    act(staff_client, meeting, "stage", to=Stage.CLOSED)
    response = act(staff_client, meeting, "results-show")
    assert not reload(meeting).results_shown
    assert "only once they are published" in message_texts(response)[0]
    assert not meeting.events.filter(action=EventAction.RESULTS_SHOWN).exists()


def test_results_are_shown_and_hidden_once_published(staff_client, committee, staff):
    meeting, practice, *_ = make_hall(committee)
    practice.delete()  # the practice round is purged before scoring closes
    meeting.set_scoring(ScoringState.CLOSED)
    act(staff_client, meeting, "stage", to=Stage.CLOSED)
    act(staff_client, meeting, "stage", to=Stage.PUBLISHED)
    assert reload(meeting).stage == Stage.PUBLISHED
    act(staff_client, meeting, "results-show")
    assert reload(meeting).results_shown
    assert (last_event(meeting).action, last_event(meeting).by) == (
        EventAction.RESULTS_SHOWN,
        staff,
    )
    act(staff_client, meeting, "results-hide")
    assert not reload(meeting).results_shown
    assert last_event(meeting).action == EventAction.RESULTS_HIDDEN


def test_the_stage_moves_through_advance_and_a_refusal_says_why(staff_client, committee, staff):
    meeting, practice, a, _b, _seats = make_hall(committee)
    meeting.set_scoring(ScoringState.OPEN, reporter=a)
    response = act(staff_client, meeting, "stage", to=Stage.CLOSED)
    assert reload(meeting).stage == Stage.LIVE
    refusal = message_texts(response)[0]
    assert refusal.startswith("Scoring is not closed for 2 reporter(s); close it first.")
    desk = staff_client.get(reverse("desk", args=[meeting.pk]), HTTP_ACCEPT_LANGUAGE="en")
    assert "Scoring is not closed for 2 reporter(s); close it first." in desk.content.decode()
    practice.delete()
    meeting.set_scoring(ScoringState.CLOSED)
    act(staff_client, meeting, "stage", to=Stage.CLOSED)
    event = last_event(meeting)
    assert (event.from_stage, event.to_stage, event.by) == (Stage.LIVE, Stage.CLOSED, staff)
    response = act(staff_client, meeting, "stage", to="nonsense")
    assert reload(meeting).stage == Stage.CLOSED
    assert message_texts(response) == ["Choose a stage to move to."]


def test_counts_exclude_seats_of_the_reporters_own_organization(committee):
    meeting, practice, a, b, seats = make_hall(committee)
    for seat in seats[:3]:
        make_ballot(seat, b, scores=SCORES, grade="好")
    make_ballot(seats[0], a, scores=SCORES, grade="好")
    make_ballot(seats[1], practice, grade="较好")
    counts = live.ballot_counts(meeting)
    assert counts[a.pk] == (1, 4)  # BM001 belongs to A's organization
    assert counts[b.pk] == (3, 5)
    assert counts[practice.pk] == (1, 5)


def test_the_panel_shows_counts_per_reporter_and_per_group_and_marks_the_practice_round(
    staff_client, committee
):
    meeting, practice, a, _b, seats = make_hall(committee)
    live.call_reporter(meeting, a, None)
    make_ballot(seats[0], a, scores=SCORES, grade="好")
    make_ballot(seats[3], a, scores=SCORES, grade="好")
    response = staff_client.get(reverse("desk_panel", args=[meeting.pk]))
    counts = response.context["counts"]
    rows = {r["org"]: r for r in counts["reporters"]}
    assert list(rows) == ["SP", "A", "B"] and rows["SP"]["rehearsal"]
    assert (rows["A"]["in"], rows["A"]["eligible"]) == (2, 4)
    assert [(g["name"], g["in"], g["eligible"]) for g in counts["groups"]] == [
        ("区委领导", 1, 2),
        ("部门负责人", 1, 1),
        ("代表", 0, 1),
    ]
    html = response.content.decode()
    assert "2/4" in html and 'data-reporter="SP"' in html
    sp_row = html.split('data-reporter="SP"')[1].split("</tr>")[0]
    assert "badge text-bg-warning" in sp_row


def test_a_named_meeting_lists_who_has_not_submitted(staff_client, committee):
    meeting, _practice, a, _b, seats = make_hall(committee, anonymous=False)
    live.call_reporter(meeting, a, None)
    make_ballot(seats[0], a, scores=SCORES, grade="好")
    response = staff_client.get(reverse("desk_panel", args=[meeting.pk]))
    assert [s["code"] for s in response.context["counts"]["missing"]] == [
        "BM002",
        "DB001",
        "LD002",
    ]
    html = response.content.decode()
    missing = html.split('id="desk-missing"')[1].split("</div>")[0]
    assert "陈二" in missing and "李四" in missing and "王五" in missing
    assert "刘一" not in missing and "张三" not in missing  # submitted; own organization


def test_an_anonymous_meeting_shows_counts_only(staff_client, committee):
    meeting, _practice, a, _b, seats = make_hall(committee, anonymous=True)
    live.call_reporter(meeting, a, None)
    make_ballot(seats[0], a, scores=SCORES, grade="好")
    response = staff_client.get(reverse("desk_panel", args=[meeting.pk]))
    assert response.context["counts"]["missing"] == []
    html = response.content.decode()
    for holder_or_code in ["陈二", "李四", "王五", "LD002", "BM002", "DB001"]:
        assert holder_or_code not in html
    assert "1/4" in html


def test_the_panel_takes_the_same_few_queries_however_many_seats(
    staff_client, committee, django_assert_max_num_queries
):
    meeting, _practice, a, _b, _seats = make_hall(committee, anonymous=False)
    live.call_reporter(meeting, a, None)
    url = reverse("desk_panel", args=[meeting.pk])
    staff_client.get(url)  # the session and user are loaded once
    cache.clear()
    for _ in range(40):
        make_ballot(make_seat(meeting, "DB"), a, scores=SCORES, grade="好")
    with django_assert_max_num_queries(16):
        staff_client.get(url)
    with django_assert_max_num_queries(6):  # cached for a second: no count query again
        staff_client.get(url)


def test_the_projector_link_is_shown_once_and_logged(staff_client, committee, staff):
    meeting, *_ = make_hall(committee)
    response = staff_client.post(reverse("desk_projector_link", args=[meeting.pk]))
    url = response.context["url"]
    token = url.rstrip("/").rsplit("/", 1)[1]
    meeting = reload(meeting)
    assert url.startswith("http://testserver/p/") and token not in meeting.projector_token_hash
    assert meeting.projector_token_hash and len(token) >= 32
    assert (last_event(meeting).action, last_event(meeting).by) == (
        EventAction.PROJECTOR_LINK,
        staff,
    )
    desk_html = staff_client.get(reverse("desk", args=[meeting.pk])).content.decode()
    assert token not in desk_html


DESK_POSTS = [
    ("desk_action", "call"),
    ("desk_action", "next"),
    ("desk_action", "countdown-start"),
    ("desk_action", "countdown-pause"),
    ("desk_action", "countdown-reset"),
    ("desk_action", "scoring-open"),
    ("desk_action", "scoring-close"),
    ("desk_action", "results-show"),
    ("desk_action", "results-hide"),
    ("desk_action", "stage"),
    ("desk_time_limit", None),
    ("desk_projector_link", None),
]


def desk_url(name, meeting, action):
    return reverse(name, args=[meeting.pk, action] if action else [meeting.pk])


def test_staff_of_another_committee_get_404_on_every_desk_url(client, committee):
    meeting, _practice, a, _b, _seats = make_hall(committee)
    client.force_login(make_staff(make_committee(code="XC", name="西城区委")))
    for name in ["desk", "desk_panel"]:
        assert client.get(reverse(name, args=[meeting.pk])).status_code == 404
    for name, action in DESK_POSTS:
        data = {"reporter": a.pk, "to": Stage.CLOSED, "limit": "5:00"}
        assert client.post(desk_url(name, meeting, action), data).status_code == 404, action
    meeting = reload(meeting)
    assert meeting.current_reporter is None and meeting.projector_token_hash == ""
    assert meeting.report_seconds == 360 and not meeting.events.exclude(action="stage").exists()


def test_people_who_are_not_staff_are_sent_to_sign_in_or_refused(client, committee):
    meeting, *_ = make_hall(committee)
    assert client.get(reverse("desk", args=[meeting.pk])).status_code == 302
    assert client.post(desk_url("desk_action", meeting, "next")).status_code == 302
    from tests.factories import make_user

    client.force_login(make_user())
    assert client.get(reverse("desk_panel", args=[meeting.pk])).status_code == 403


def test_get_on_a_desk_action_is_refused(staff_client, committee):
    meeting, *_ = make_hall(committee)
    for name, action in DESK_POSTS:
        assert staff_client.get(desk_url(name, meeting, action)).status_code == 405, action
    assert reload(meeting).current_reporter is None


def test_an_unknown_desk_action_is_not_found(staff_client, committee):
    meeting, *_ = make_hall(committee)
    assert staff_client.post(desk_url("desk_action", meeting, "explode")).status_code == 404
