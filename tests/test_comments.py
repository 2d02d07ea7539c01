"""Comments and questions per reporter, the problems they name as items, evaluators'
opinions as items, and the commenting leaders' own links."""

import re

import pytest
from django.urls import reverse

from meetings.models import (
    Comment,
    CommenterLink,
    Meeting,
    ProblemSource,
    Question,
    RectificationItem,
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

COMMENT = (
    "和平社区党委抓基层党建思路清晰，网格党建有特色。但也要看到，还存在一些问题：一是“三会一课”"
    "记录不规范；二是发展党员把关不严；三是党员志愿服务活动形式单一。希望认真整改。"
)


@pytest.fixture
def meeting(committee):
    return make_meeting(committee)


@pytest.fixture
def reporter(meeting):
    return make_reporter(meeting, make_org(meeting.committee, name="和平社区党委"))


def url(name, reporter, *more):
    return reverse(name, args=[reporter.meeting_id, reporter.pk, *more])


def rows_post(rows, action="accept"):
    """A POST of the proposals formset: rows of (text, merge, drop)."""
    data = {
        "form-TOTAL_FORMS": str(len(rows)),
        "form-INITIAL_FORMS": str(len(rows)),
        "form-MIN_NUM_FORMS": "0",
        "form-MAX_NUM_FORMS": "1000",
        action: "1",
    }
    for i, (text, merge, drop) in enumerate(rows):
        data[f"form-{i}-text"] = text
        if merge:
            data[f"form-{i}-merge"] = "on"
        if drop:
            data[f"form-{i}-drop"] = "on"
    return data


def close_scoring(meeting: Meeting) -> None:
    make_seat(meeting)
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    meeting.set_scoring("closed")
    meeting.advance(Stage.CLOSED)


# --- comments and questions by staff -------------------------------------------------------


def test_staff_record_a_comment_and_are_shown_the_problems_it_names(staff_client, reporter):
    response = staff_client.post(
        url("comment_add", reporter), {"author": "王书记", "text": COMMENT}
    )
    comment = Comment.objects.get()
    assert response["Location"] == url("comment_problems", reporter, comment.pk)
    page = staff_client.get(response["Location"])
    proposals = [form["text"].value() for form in page.context["formset"]]
    assert proposals == [
        "“三会一课”记录不规范",
        "发展党员把关不严",
        "党员志愿服务活动形式单一",
        None,
    ]
    listing = staff_client.get(url("comment_list", reporter)).content.decode()
    assert "王书记" in listing and "网格党建有特色" in listing


def test_an_empty_comment_is_refused_and_nothing_stored(staff_client, reporter):
    response = staff_client.post(url("comment_add", reporter), {"author": "王书记", "text": ""})
    assert response.status_code == 200 and "text" in response.context["form"].errors
    assert not Comment.objects.exists()


def test_staff_edit_and_delete_a_comment(staff_client, reporter):
    comment = Comment.objects.create(reporter=reporter, author="王书记", text="初稿")
    staff_client.post(
        url("comment_edit", reporter, comment.pk), {"author": "王书记", "text": "定稿"}
    )
    comment.refresh_from_db()
    assert comment.text == "定稿"
    staff_client.post(url("comment_delete", reporter, comment.pk))
    assert not Comment.objects.exists()


def test_questions_are_recorded_with_their_answers(staff_client, reporter):
    staff_client.post(
        url("question_add", reporter),
        {"asker": "组织部长", "question": "软弱涣散党组织整顿进度如何？", "answer": ""},
    )
    question = Question.objects.get()
    staff_client.post(
        url("question_edit", reporter, question.pk),
        {"asker": "组织部长", "question": question.question, "answer": "年底前全部完成。"},
    )
    page = staff_client.get(url("comment_list", reporter)).content.decode()
    assert "软弱涣散党组织整顿进度如何" in page and "年底前全部完成" in page


def test_after_scoring_closes_comments_and_questions_are_read_only(staff_client, reporter):
    comment = Comment.objects.create(reporter=reporter, author="王书记", text=COMMENT)
    close_scoring(reporter.meeting)
    assert staff_client.get(url("comment_list", reporter)).context["editable"] is False
    add = staff_client.post(url("comment_add", reporter), {"author": "x", "text": "y"})
    assert add.status_code == 403
    assert staff_client.post(url("comment_delete", reporter, comment.pk)).status_code == 403
    assert staff_client.post(url("question_add", reporter), {"asker": "x"}).status_code == 403
    assert Comment.objects.count() == 1 and not Question.objects.exists()


def test_staff_of_another_committee_cannot_reach_the_comments(client, reporter):
    comment = Comment.objects.create(reporter=reporter, author="王书记", text=COMMENT)
    client.force_login(make_staff(make_committee(code="XC"), username="xc_staff"))
    assert client.get(url("comment_list", reporter)).status_code == 404
    assert client.get(url("comment_problems", reporter, comment.pk)).status_code == 404
    assert client.post(url("comment_delete", reporter, comment.pk)).status_code == 404
    assert client.get(reverse("commenter_links", args=[reporter.meeting_id])).status_code == 404
    assert Comment.objects.count() == 1


# --- proposals → rectification items -------------------------------------------------------


def test_rows_are_edited_merged_dropped_and_accepted_once(staff_client, reporter):
    comment = Comment.objects.create(reporter=reporter, author="王书记", text=COMMENT)
    data = rows_post(
        [
            ("“三会一课”记录不规范", False, False),
            ("会议记录缺少签到", True, False),
            ("发展党员把关不严格", False, False),
            ("党员志愿服务活动形式单一", False, True),
            ("", False, False),
        ]
    )
    target = url("comment_problems", reporter, comment.pk)
    assert staff_client.post(target, data).status_code == 302
    staff_client.post(target, data)
    items = RectificationItem.objects.order_by("id")
    assert [i.problem for i in items] == [
        "“三会一课”记录不规范；会议记录缺少签到",
        "发展党员把关不严格",
    ]
    item = items[0]
    assert (item.source, item.comment, item.organization, item.meeting) == (
        ProblemSource.COMMENT,
        comment,
        reporter.organization,
        reporter.meeting,
    )


def test_applying_merges_shows_the_merged_rows_before_anything_is_stored(staff_client, reporter):
    comment = Comment.objects.create(reporter=reporter, author="王书记", text=COMMENT)
    data = rows_post(
        [("甲问题", False, False), ("乙问题", True, False), ("丙", False, True)], "preview"
    )
    page = staff_client.post(url("comment_problems", reporter, comment.pk), data)
    assert page.status_code == 200
    assert [f["text"].value() for f in page.context["formset"]] == ["甲问题；乙问题", None]
    assert not RectificationItem.objects.exists()


def test_evaluators_opinions_become_items_without_naming_seats_when_anonymous(
    staff_client, reporter, meeting
):
    assert meeting.anonymous
    seat_a, seat_b, seat_c = make_seat(meeting), make_seat(meeting), make_seat(meeting)
    first = make_ballot(seat_a, reporter, grade="较好", opinion="党员活动阵地开放时间太短")
    make_ballot(seat_b, reporter, grade="好", opinion="")
    make_ballot(seat_c, reporter, grade="一般", opinion="联系群众不够紧密")
    target = url("reporter_opinions", reporter)
    page = staff_client.get(target).content.decode()
    assert "党员活动阵地开放时间太短" in page and "联系群众不够紧密" in page
    assert seat_a.code not in page and seat_c.code not in page
    staff_client.post(target, {"opinions": [str(first.pk)]})
    staff_client.post(target, {"opinions": [str(first.pk)]})
    items = RectificationItem.objects.filter(source=ProblemSource.APPRAISAL)
    assert [i.problem for i in items] == ["党员活动阵地开放时间太短"]
    assert items[0].organization == reporter.organization


def test_named_meetings_show_the_seat_of_each_opinion(staff_client, committee):
    meeting = make_meeting(committee, anonymous=False)
    reporter = make_reporter(meeting)
    seat = make_seat(meeting, holder="刘委员")
    make_ballot(seat, reporter, grade="好", opinion="建议加强阵地建设")
    page = staff_client.get(url("reporter_opinions", reporter)).content.decode()
    assert f"{seat.code}：建议加强阵地建设" in page


# --- commenter links -----------------------------------------------------------------------


def issue_link(staff_client, meeting, name="王书记") -> str:
    response = staff_client.post(reverse("commenter_links", args=[meeting.pk]), {"name": name})
    match = re.search(r'value="(http://testserver/c/[^"]+/)"', response.content.decode())
    assert match, "the new link is shown on the response"
    return match.group(1).removeprefix("http://testserver")


def test_a_commenter_link_is_shown_once_and_stored_as_a_hash(staff_client, meeting):
    path = issue_link(staff_client, meeting)
    token = path.split("/")[2]
    link = CommenterLink.objects.get()
    assert token not in link.token_hash and len(token) >= 22
    later = staff_client.get(reverse("commenter_links", args=[meeting.pk])).content.decode()
    assert token not in later and "王书记" in later


def test_a_second_live_link_with_the_same_name_is_refused(staff_client, meeting):
    issue_link(staff_client, meeting)
    response = staff_client.post(reverse("commenter_links", args=[meeting.pk]), {"name": "王书记"})
    assert "name" in response.context["form"].errors
    assert CommenterLink.objects.count() == 1


def test_the_leader_sees_the_reporters_with_the_current_one_first(client, staff_client, meeting):
    first = make_reporter(meeting, make_org(meeting.committee, name="和平社区党委"))
    second = make_reporter(meeting, make_org(meeting.committee, name="幸福社区党委"))
    Meeting.objects.filter(pk=meeting.pk).update(current_reporter=second)
    path = issue_link(staff_client, meeting)
    staff_client.logout()
    response = client.get(path)
    assert response.status_code == 200
    assert [r.pk for r in response.context["reporters"]] == [second.pk, first.pk]


def test_the_leader_writes_and_edits_only_their_own_comments(client, staff_client, reporter):
    meeting = reporter.meeting
    others = Comment.objects.create(reporter=reporter, author="张部长", text="张部长的点评内容")
    path = issue_link(staff_client, meeting)
    staff_client.logout()
    page = path + f"{reporter.pk}/"
    assert client.post(page, {"text": COMMENT, "author": "冒名"}).status_code == 302
    mine = Comment.objects.get(author="王书记")
    assert mine.text == COMMENT and mine.reporter == reporter
    html = client.get(page).content.decode()
    assert "网格党建有特色" in html and "张部长的点评内容" not in html
    edit = path + f"comments/{mine.pk}/"
    client.post(edit, {"text": "修改后的点评"})
    mine.refresh_from_db()
    assert mine.text == "修改后的点评"
    assert client.get(path + f"comments/{others.pk}/").status_code == 404
    assert client.post(path + f"comments/{others.pk}/", {"text": "篡改"}).status_code == 404
    others.refresh_from_db()
    assert others.text == "张部长的点评内容"


def test_a_link_reaches_no_reporter_of_another_meeting(client, staff_client, reporter, committee):
    other = make_reporter(make_meeting(committee))
    path = issue_link(staff_client, reporter.meeting)
    staff_client.logout()
    assert client.get(path + f"{other.pk}/").status_code == 404
    assert client.post(path + f"{other.pk}/", {"text": COMMENT}).status_code == 404
    assert not Comment.objects.exists()


def test_a_revoked_or_unknown_link_is_404(client, staff_client, reporter):
    path = issue_link(staff_client, reporter.meeting)
    link = CommenterLink.objects.get()
    staff_client.post(reverse("commenter_link_revoke", args=[reporter.meeting_id, link.pk]))
    staff_client.logout()
    assert client.get(path).status_code == 404
    assert client.post(path + f"{reporter.pk}/", {"text": COMMENT}).status_code == 404
    assert client.get("/c/not-a-real-token/").status_code == 404
    assert not Comment.objects.exists()


def test_the_leader_cannot_comment_once_scoring_is_closed(client, staff_client, reporter):
    path = issue_link(staff_client, reporter.meeting)
    close_scoring(reporter.meeting)
    staff_client.logout()
    assert client.get(path + f"{reporter.pk}/").context["editable"] is False
    assert client.post(path + f"{reporter.pk}/", {"text": COMMENT}).status_code == 403


def test_the_commenter_form_keeps_csrf_protection(staff_client, reporter):
    from django.test import Client

    path = issue_link(staff_client, reporter.meeting)
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(path + f"{reporter.pk}/", {"text": COMMENT}).status_code == 403
    page = strict.get(path + f"{reporter.pk}/")
    token = page.cookies["csrftoken"].value
    response = strict.post(
        path + f"{reporter.pk}/", {"text": COMMENT, "csrfmiddlewaretoken": token}
    )
    assert response.status_code == 302 and Comment.objects.count() == 1
