"""Paper ballots: typed with the online rules, typed twice when anonymous, never replacing
a stored ballot without a recorded decision."""

import pytest
from django.urls import reverse

from appraisal.models import Scheme
from meetings import paper
from meetings.ballots import BallotInput, BallotRejected
from meetings.models import (
    Ballot,
    BallotReceipt,
    EventAction,
    Meeting,
    MeetingEvent,
    PaperDecision,
    PaperEntry,
    ScoringState,
    Stage,
)
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

FULL = {"ZZ": "18", "ZD": "25", "ZF": "40"}


def make_paper_meeting(committee, anonymous=True):
    meeting = make_meeting(committee, anonymous=anonymous)
    first = make_reporter(meeting, make_org(committee, code="JD01", name="东城街道党工委"))
    second = make_reporter(meeting, make_org(committee, code="JD02", name="西城街道党工委"))
    make_seat(meeting, code="LD001", holder="王五")
    make_seat(meeting, code="BM001", organization=second.organization)
    return meeting, first, second


def form_data(reporter, seat="LD001", scores=FULL, grade="好", opinion=""):
    data = {"seat": seat, "reporter": reporter.pk, "grade": grade, "opinion": opinion}
    data.update({f"score_{code}": value for code, value in scores.items()})
    return data


def post_paper(client, meeting, data):
    return client.post(reverse("paper_new", args=[meeting.pk]), data)


def type_paper(meeting, reporter, user, scores=FULL, grade="好", seat="LD001"):
    return paper.enter_paper(
        meeting,
        meeting.seats.get(code=seat),
        reporter,
        BallotInput(scores=scores, grade=grade),
        by=user,
    )


@pytest.fixture
def colleague(committee):
    return make_staff(committee, username="dc_colleague")


@pytest.fixture
def third(committee):
    return make_staff(committee, username="dc_third")


# Validation: the online rules, on the fields, nothing stored


@pytest.mark.parametrize(
    ("change", "field", "words"),
    [
        ({"score_ZF": ""}, "score_ZF", "Missing the score"),
        ({"score_ZF": "50.01"}, "score_ZF", "from 0 to 50"),
        ({"score_ZZ": "-1"}, "score_ZZ", "from 0 to 20"),
        ({"score_ZD": "abc"}, "score_ZD", "at most two decimals"),
        ({"score_ZD": "10.005"}, "score_ZD", "at most two decimals"),
        ({"seat": "XX999"}, "seat", "no seat “XX999”"),
        ({"seat": "BM001"}, "reporter", "own organization"),
        ({"opinion": "意" * 501}, "opinion", "500"),
        ({"reporter": ""}, "reporter", "Choose the reporter"),
    ],
)
def test_a_paper_ballot_breaking_a_rule_shows_the_error_on_its_field_and_stores_nothing(
    staff_client, committee, change, field, words, settings
):
    settings.LANGUAGE_CODE = "en"
    meeting, first, second = make_paper_meeting(committee)
    reporter = second if change.get("seat") == "BM001" else first
    data = {**form_data(reporter), **change}
    response = post_paper(staff_client, meeting, data)
    assert response.status_code == 400
    form = response.context["form"]
    assert any(words in error for error in form.errors[field]), form.errors
    assert not PaperEntry.objects.exists() and not Ballot.objects.exists()
    html = response.content.decode()
    typed = [v for k, v in data.items() if k.startswith("score_") and v]
    assert all(f'value="{v}"' in html for v in typed)  # the typed input is kept


def test_an_empty_paper_ballot_is_refused_as_a_whole(staff_client, committee):
    meeting, first, _ = make_paper_meeting(committee)
    response = post_paper(staff_client, meeting, form_data(first, scores={}, grade=""))
    assert response.status_code == 400
    assert response.context["form"].non_field_errors()
    assert not PaperEntry.objects.exists()


def test_the_seat_code_is_found_whatever_its_case(staff_client, committee):
    meeting, first, _ = make_paper_meeting(committee, anonymous=False)
    post_paper(staff_client, meeting, form_data(first, seat="ld001"))
    assert Ballot.objects.get().seat.code == "LD001"


# Named meetings


def test_a_named_meeting_counts_one_typing_at_once(staff_client, staff, committee):
    meeting, first, second = make_paper_meeting(committee, anonymous=False)
    response = post_paper(staff_client, meeting, form_data(first, opinion="建议加强"))
    ballot = Ballot.objects.get()
    assert ballot.paper and ballot.scores == FULL and ballot.grade == "好"
    assert ballot.opinion == "建议加强" and ballot.receipt
    entry = PaperEntry.objects.get()
    assert entry.decision == PaperDecision.PAPER and entry.decided_by == staff
    assert Scheme.objects.get(pk=meeting.scheme_id).is_frozen
    event = MeetingEvent.objects.get(action=EventAction.PAPER_DECIDED)
    assert event.by == staff and "LD001 王五" in event.note and "JD01" in event.note
    # on to the next reporter of the same paper form
    assert response.url.endswith(f"?seat=LD001&reporter={second.pk}")


def test_paper_entry_is_allowed_whatever_the_scoring_state(staff_client, committee):
    meeting, first, second = make_paper_meeting(committee, anonymous=False)
    meeting.set_scoring(ScoringState.CLOSED, reporter=first)
    Meeting.objects.filter(pk=meeting.pk).update(stage=Stage.CLOSED)
    post_paper(staff_client, meeting, form_data(first))
    post_paper(staff_client, meeting, form_data(second, seat="LD001"))
    assert Ballot.objects.filter(paper=True).count() == 2


# Anonymous meetings: two typings by two people


def test_an_anonymous_paper_ballot_waits_for_a_second_typing(staff_client, committee):
    meeting, first, _ = make_paper_meeting(committee)
    post_paper(staff_client, meeting, form_data(first))
    assert not Ballot.objects.exists()
    (case,) = paper.paper_cases(meeting)
    assert case.status == paper.PaperStatus.CHECK


def test_the_same_person_cannot_type_an_anonymous_ballot_twice(staff_client, committee, settings):
    settings.LANGUAGE_CODE = "en"
    meeting, first, _ = make_paper_meeting(committee)
    post_paper(staff_client, meeting, form_data(first))
    response = post_paper(staff_client, meeting, form_data(first))
    assert response.status_code == 400
    assert "different colleague" in response.content.decode()
    assert PaperEntry.objects.count() == 1 and not Ballot.objects.exists()


def test_two_agreeing_typings_by_different_people_count(staff, colleague, committee):
    meeting, first, _ = make_paper_meeting(committee)
    type_paper(meeting, first, staff)
    case = type_paper(meeting, first, colleague, scores={**FULL, "ZD": "25.00"})
    assert case.status == paper.PaperStatus.COUNTED
    ballot = Ballot.objects.get()
    assert ballot.paper and ballot.grade == "好"
    assert set(PaperEntry.objects.values_list("decision", flat=True)) == {PaperDecision.PAPER}
    note = MeetingEvent.objects.get(action=EventAction.PAPER_DECIDED).note
    assert "LD001" in note and "王五" not in note and "25" not in note


def test_differing_typings_are_shown_side_by_side_and_count_nothing(
    client, staff, colleague, committee
):
    meeting, first, _ = make_paper_meeting(committee)
    type_paper(meeting, first, staff)
    case = type_paper(meeting, first, colleague, scores={**FULL, "ZF": "45"})
    assert case.status == paper.PaperStatus.MISMATCH and case.differing() == {"ZF"}
    assert not Ballot.objects.exists()
    client.force_login(staff)
    page = client.get(reverse("paper_list", args=[meeting.pk]), {"status": "mismatch"})
    html = page.content.decode()
    assert 'table-danger fw-semibold">45<' in html and 'table-danger fw-semibold">40<' in html
    assert 'num ">18<' in html  # agreeing fields are shown plainly


def test_a_third_typing_that_agrees_with_one_earlier_typing_settles_a_mismatch(
    staff, colleague, third, committee
):
    meeting, first, _ = make_paper_meeting(committee)
    type_paper(meeting, first, staff)
    type_paper(meeting, first, colleague, scores={**FULL, "ZF": "45"})
    case = type_paper(meeting, first, third, scores={**FULL, "ZF": "45"})
    assert case.status == paper.PaperStatus.COUNTED
    assert Ballot.objects.get().scores["ZF"] == "45"
    assert PaperEntry.objects.filter(decision=PaperDecision.PAPER).count() == 3


def test_a_third_typing_by_the_first_typist_counts_when_it_agrees_with_the_second(
    staff, colleague, committee
):
    meeting, first, _ = make_paper_meeting(committee)
    type_paper(meeting, first, staff)
    type_paper(meeting, first, colleague, scores={**FULL, "ZF": "45"})
    case = type_paper(meeting, first, staff, scores={**FULL, "ZF": "45"})
    assert case.status == paper.PaperStatus.COUNTED


def test_the_last_typist_cannot_resolve_their_own_mismatch(staff, colleague, committee):
    meeting, first, _ = make_paper_meeting(committee)
    type_paper(meeting, first, staff)
    type_paper(meeting, first, colleague, scores={**FULL, "ZF": "45"})
    with pytest.raises(paper.PaperRefused):
        type_paper(meeting, first, colleague, scores={**FULL, "ZF": "45"})


def test_a_typing_agreeing_only_with_its_own_typist_settles_nothing(
    staff, colleague, third, committee
):
    meeting, first, _ = make_paper_meeting(committee)
    type_paper(meeting, first, staff)
    type_paper(meeting, first, colleague, scores={**FULL, "ZF": "45"})
    case = type_paper(meeting, first, staff)  # agrees with staff's own first typing only
    assert case.status == paper.PaperStatus.MISMATCH and not Ballot.objects.exists()
    case = type_paper(meeting, first, third, scores={**FULL, "ZF": "44"})
    assert case.status == paper.PaperStatus.MISMATCH


def test_the_list_hides_the_values_of_a_ballot_awaiting_its_second_typing(staff_client, committee):
    meeting, first, _ = make_paper_meeting(committee)
    post_paper(staff_client, meeting, form_data(first, scores={**FULL, "ZF": "37.25"}))
    html = staff_client.get(reverse("paper_list", args=[meeting.pk])).content.decode()
    assert "LD001" in html and "37.25" not in html


def test_the_list_searches_by_seat_code_and_counts_each_status(
    staff_client, staff, colleague, committee
):
    meeting, first, second = make_paper_meeting(committee)
    make_seat(meeting, code="DB007")
    type_paper(meeting, first, staff)
    type_paper(meeting, second, staff, seat="DB007")
    response = staff_client.get(reverse("paper_list", args=[meeting.pk]), {"q": "db0"})
    assert [row["case"].seat.code for row in response.context["rows"]] == ["DB007"]
    tabs = dict(response.context["tabs"])
    assert tabs[paper.PaperStatus.CHECK] == 1 and tabs[paper.PaperStatus.COUNTED] == 0


# A stored ballot exists: the desk decides


@pytest.fixture
def online_case(committee, staff_client):
    meeting, first, _ = make_paper_meeting(committee, anonymous=False)
    online = make_ballot(meeting.seats.get(code="LD001"), first, scores=FULL, grade="较好")
    response = post_paper(staff_client, meeting, form_data(first, grade="一般"))
    return meeting, online, response


def test_a_paper_ballot_never_silently_replaces_an_online_one(online_case):
    meeting, online, response = online_case
    entry = PaperEntry.objects.get()
    assert response.url == reverse("paper_decide", args=[meeting.pk, entry.pk])
    assert Ballot.objects.get() == online and Ballot.objects.get().grade == "较好"
    assert entry.decision == PaperDecision.PENDING
    assert not MeetingEvent.objects.filter(action=EventAction.PAPER_DECIDED).exists()


def test_the_decision_page_shows_both_ballots_with_the_difference_marked(staff_client, online_case):
    meeting, _, response = online_case
    page = staff_client.get(response.url)
    rows = {row["label"]: row for row in page.context["rows"]}
    grade = next(row for row in page.context["rows"] if row["paper"] == "一般")
    assert grade["stored"] == "较好" and grade["differs"]
    assert not rows["政治建设"]["differs"]
    assert "table-warning" in page.content.decode()


def test_choosing_the_paper_ballot_replaces_the_online_one_and_is_recorded(
    staff_client, staff, online_case
):
    meeting, online, response = online_case
    staff_client.post(response.url, {"choice": "paper"})
    ballot = Ballot.objects.get()
    assert ballot.pk == online.pk and ballot.grade == "一般" and ballot.paper
    assert ballot.receipt != online.receipt and ballot.ballot_id != online.ballot_id
    # The online ballot's id keeps its receipt: a late retry of it changes nothing.
    kept = BallotReceipt.objects.get()
    assert (kept.ballot_id, kept.receipt) == (online.ballot_id, online.receipt)
    entry = PaperEntry.objects.get()
    assert entry.decision == PaperDecision.PAPER and entry.decided_by == staff
    assert MeetingEvent.objects.get(action=EventAction.PAPER_DECIDED).by == staff


def test_choosing_the_online_ballot_keeps_it_and_is_recorded(staff_client, staff, online_case):
    meeting, online, response = online_case
    staff_client.post(response.url, {"choice": "online"})
    ballot = Ballot.objects.get()
    assert (ballot.grade, ballot.paper, ballot.receipt) == ("较好", False, online.receipt)
    assert PaperEntry.objects.get().decision == PaperDecision.ONLINE
    event = MeetingEvent.objects.get(action=EventAction.PAPER_DECIDED)
    assert event.by == staff and "LD001" in event.note


def test_a_case_waiting_for_a_decision_takes_no_further_typing(staff_client, online_case):
    meeting, _, _ = online_case
    first = meeting.reporters.get(organization__code="JD01")
    response = post_paper(staff_client, meeting, form_data(first, grade="好"))
    assert response.status_code == 400
    assert PaperEntry.objects.count() == 1


def test_a_decided_case_cannot_be_decided_again(staff_client, online_case):
    _, _, response = online_case
    staff_client.post(response.url, {"choice": "online"})
    again = staff_client.post(response.url, {"choice": "paper"})
    assert again.status_code == 302 and Ballot.objects.get().grade == "较好"
    assert MeetingEvent.objects.filter(action=EventAction.PAPER_DECIDED).count() == 1


def test_an_anonymous_decision_names_the_seat_by_its_code_only(staff, colleague, committee):
    meeting, first, _ = make_paper_meeting(committee)
    make_ballot(meeting.seats.get(code="LD001"), first, grade="较好")
    type_paper(meeting, first, staff)
    case = type_paper(meeting, first, colleague)
    assert case.status == paper.PaperStatus.DECIDE
    paper.decide_paper(meeting, case.seat, first, PaperDecision.PAPER, by=colleague)
    note = MeetingEvent.objects.get(action=EventAction.PAPER_DECIDED).note
    assert "LD001" in note and "王五" not in note and "18" not in note
    assert Ballot.objects.get().scores == FULL


# Published meetings and other committees


def test_a_published_meeting_takes_no_paper_ballot(staff_client, staff, committee):
    meeting, first, _ = make_paper_meeting(committee, anonymous=False)
    Meeting.objects.filter(pk=meeting.pk).update(stage=Stage.PUBLISHED)
    response = post_paper(staff_client, meeting, form_data(first))
    assert response.status_code == 400 and not PaperEntry.objects.exists()
    meeting.refresh_from_db()
    with pytest.raises(paper.PaperRefused):
        type_paper(meeting, first, staff)


def test_a_published_meeting_takes_no_decision(staff_client, online_case):
    meeting, online, response = online_case
    Meeting.objects.filter(pk=meeting.pk).update(stage=Stage.PUBLISHED)
    staff_client.post(response.url, {"choice": "paper"})
    assert Ballot.objects.get().grade == "较好"
    assert PaperEntry.objects.get().decision == PaperDecision.PENDING


def test_the_logic_refuses_what_the_form_would(staff, committee):
    meeting, first, second = make_paper_meeting(committee)
    with pytest.raises(BallotRejected):
        type_paper(meeting, second, staff, seat="BM001")
    assert not PaperEntry.objects.exists()


def test_staff_of_another_committee_see_and_change_nothing(client, committee, online_case):
    meeting, _, response = online_case
    client.force_login(make_staff(make_committee()))
    first = meeting.reporters.first()
    assert client.get(reverse("paper_list", args=[meeting.pk])).status_code == 404
    assert client.get(reverse("paper_new", args=[meeting.pk])).status_code == 404
    assert post_paper(client, meeting, form_data(first)).status_code == 404
    assert client.post(response.url, {"choice": "paper"}).status_code == 404
    assert Ballot.objects.get().grade == "较好"


def test_anonymous_visitors_are_sent_to_log_in(client, committee):
    meeting, _, _ = make_paper_meeting(committee)
    response = client.get(reverse("paper_list", args=[meeting.pk]))
    assert response.status_code == 302 and "/accounts/login/" in response.url


def test_the_pages_render(staff_client, committee):
    meeting, _, _ = make_paper_meeting(committee)
    assert staff_client.get(reverse("paper_new", args=[meeting.pk])).status_code == 200
    assert staff_client.get(reverse("paper_list", args=[meeting.pk])).status_code == 200
