"""The rectification loop: who sees which items, every change in the history with its actor,
the allowed moves, evidence files, overdue at the boundary, the dashboard and recurrences."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from meetings import rectification as rect
from meetings.models import (
    Comment,
    ItemEvent,
    ItemProgress,
    ItemStatus,
    ProblemSource,
    RectificationItem,
)
from tests.factories import (
    make_committee,
    make_meeting,
    make_org,
    make_reporter,
    make_secretary,
    make_staff,
    make_user,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"
TODAY = timezone.localdate()


@pytest.fixture
def private_root(settings, tmp_path) -> Path:
    settings.PRIVATE_ROOT = tmp_path / "private"
    return settings.PRIVATE_ROOT


@pytest.fixture
def org_a(committee):
    return make_org(committee, name="和平社区党委")


@pytest.fixture
def org_b(committee):
    return make_org(committee, name="安定门街道党工委")


def secretary_user(org, name):
    user = make_user(first_name=name)
    make_secretary(org, name=name, user=user)
    return user


@pytest.fixture
def sec_a(org_a):
    return secretary_user(org_a, "李红")


@pytest.fixture
def sec_b(org_b):
    return secretary_user(org_b, "王刚")


@pytest.fixture
def meeting(committee):
    return make_meeting(committee)


def make_item(org, by, **fields):
    fields.setdefault("problem", "三会一课记录不规范")
    fields.setdefault("source", ProblemSource.COMMENT)
    return rect.create_item(by=by, organization=org, **fields)


@pytest.fixture
def item(org_a, staff, meeting):
    return make_item(org_a, staff, meeting=meeting, deadline=TODAY + timedelta(days=30))


def signed_in(client, user):
    client.force_login(user)
    return client


def pdf(name="整改台账.pdf"):
    return SimpleUploadedFile(name, PDF_BYTES, content_type="application/pdf")


def actions(item):
    return list(item.events.values_list("action", "by__username"))


# Scope


def test_staff_of_another_committee_get_404_and_do_not_see_the_item(client, item):
    other = make_staff(make_committee(), username="xc_staff")
    signed_in(client, other)
    assert client.get(reverse("item_detail", args=[item.pk])).status_code == 404
    assert client.post(reverse("item_close", args=[item.pk]), {"note": "x"}).status_code == 404
    dashboard = client.get(reverse("item_dashboard"))
    assert item.problem not in dashboard.content.decode()
    assert dashboard.context["summary"]["total"] == 0


def test_a_secretary_sees_only_their_own_organizations_items(client, item, org_b, sec_a, sec_b):
    other = make_item(org_b, None, problem="发展党员程序有缺项")
    signed_in(client, sec_a)
    page = client.get(reverse("my_items")).content.decode()
    assert item.problem in page and other.problem not in page
    assert client.get(reverse("my_item", args=[other.pk])).status_code == 404


def test_the_secretary_of_another_organization_gets_404_on_every_item_page(
    client, staff, item, sec_b, private_root
):
    rect.add_progress(item, by=staff, day=TODAY, note="x")
    progress = item.progress.get()
    signed_in(client, sec_b)
    assert client.get(reverse("my_item", args=[item.pk])).status_code == 404
    url = reverse("my_item_progress", args=[item.pk])
    assert client.post(url, {"day": TODAY, "note": "我来写"}).status_code == 404
    assert client.post(reverse("my_item_done", args=[item.pk])).status_code == 404
    evidence = reverse("my_item_evidence", args=[item.pk, progress.pk])
    assert client.get(evidence).status_code == 404
    assert item.progress.count() == 1


def test_a_secretary_cannot_use_the_staff_pages(client, item, sec_a):
    signed_in(client, sec_a)
    assert client.get(reverse("item_dashboard")).status_code == 403
    assert client.post(reverse("item_close", args=[item.pk]), {"note": "好"}).status_code == 403


def test_a_meetings_items_page_is_the_dashboard_filtered_to_it(staff_client, meeting):
    response = staff_client.get(reverse("meeting_items", args=[meeting.pk]))
    assert response.status_code == 302 and response["Location"].endswith(f"?meeting={meeting.pk}")
    client = signed_in(Client(), make_staff(make_committee()))
    assert client.get(reverse("meeting_items", args=[meeting.pk])).status_code == 404


# History and moves


def test_the_whole_loop_writes_a_history_row_per_change_with_its_actor(
    client, staff, item, sec_a, private_root
):
    signed_in(client, sec_a)
    client.post(
        reverse("my_item_progress", args=[item.pk]),
        {"day": TODAY.isoformat(), "note": "已补齐全年会议记录", "evidence": pdf()},
    )
    client.post(reverse("my_item_done", args=[item.pk]))
    signed_in(client, staff)
    client.post(reverse("item_close", args=[item.pk]), {"note": "已核查台账，同意销号"})
    item.refresh_from_db()
    assert item.status == ItemStatus.CLOSED
    secretary, clerk = sec_a.username, staff.username
    assert actions(item) == [
        ("created", clerk),
        ("progress", secretary),
        ("started", secretary),
        ("done", secretary),
        ("closed", clerk),
    ]
    closed = item.events.get(action="closed")
    assert closed.note == "已核查台账，同意销号"
    assert closed.changes == {"status": ["已完成", "已销号"]}
    page = client.get(reverse("item_detail", args=[item.pk])).content.decode()
    assert "已核查台账，同意销号" in page and "已补齐全年会议记录" in page and "李红" in page


def test_a_secretary_cannot_close_an_item(item, sec_a):
    rect.mark_done(item, by=sec_a)
    with pytest.raises(rect.ItemError):
        rect.close_item(item, by=sec_a, note="自己销号")
    item.refresh_from_db()
    assert item.status == ItemStatus.DONE


def test_staff_cannot_close_an_item_nobody_marked_done(staff_client, item):
    response = staff_client.post(
        reverse("item_close", args=[item.pk]), {"note": "核查"}, follow=True
    )
    item.refresh_from_db()
    assert item.status == ItemStatus.NOT_STARTED
    assert "未开始" in str(list(response.context["messages"])[0])
    assert not item.events.filter(action="closed").exists()


def test_closing_and_sending_back_need_a_note(staff, item):
    rect.mark_done(item, by=staff)
    with pytest.raises(rect.ItemError):
        rect.close_item(item, by=staff, note="  ")
    with pytest.raises(rect.ItemError):
        rect.send_back(item, by=staff, note="")
    assert RectificationItem.objects.get(pk=item.pk).status == ItemStatus.DONE


def test_staff_send_a_done_item_back_with_a_note(staff_client, staff, item):
    rect.mark_done(item, by=staff)
    staff_client.post(reverse("item_send_back", args=[item.pk]), {"note": "缺少佐证材料"})
    item.refresh_from_db()
    assert item.status == ItemStatus.IN_PROGRESS
    event = item.events.get(action="sent_back")
    assert event.by == staff and event.note == "缺少佐证材料"
    assert event.changes == {"status": ["已完成", "整改中"]}


def test_a_secretary_cannot_send_back(item, sec_a):
    rect.mark_done(item, by=sec_a)
    with pytest.raises(rect.ItemError):
        rect.send_back(item, by=sec_a, note="撤回")


def test_a_closed_item_takes_no_more_progress(staff, item):
    rect.mark_done(item, by=staff)
    rect.close_item(item, by=staff, note="核查通过")
    with pytest.raises(rect.ItemError):
        rect.add_progress(item, by=staff, day=TODAY, note="又做了一些")
    assert not item.progress.exists()


def test_moves_need_a_post(staff_client, item):
    assert staff_client.get(reverse("item_done", args=[item.pk])).status_code == 405


def test_editing_records_each_changed_field_as_old_and_new(staff_client, staff, item):
    data = {
        "problem": item.problem,
        "source": item.source,
        "measures": "每月检查一次记录",
        "owner": "李红",
        "owner_email": "",
        "deadline": "2026-06-30",
    }
    staff_client.post(reverse("item_edit", args=[item.pk]), data)
    event = item.events.get(action="edited")
    assert event.by == staff
    assert event.changes == {
        "measures": ["", "每月检查一次记录"],
        "owner": ["", "李红"],
        "deadline": [item.deadline.isoformat(), "2026-06-30"],
    }
    staff_client.post(reverse("item_edit", args=[item.pk]), data)
    assert item.events.filter(action="edited").count() == 1


def test_staff_create_an_item_only_for_their_own_organizations(staff_client, staff, org_a):
    foreign = make_org(make_committee())
    data = {"organization": foreign.pk, "problem": "问题", "source": ProblemSource.INSPECTION}
    response = staff_client.post(reverse("item_create"), data)
    assert response.status_code == 200 and not RectificationItem.objects.exists()
    response = staff_client.post(reverse("item_create"), {**data, "organization": org_a.pk})
    item = RectificationItem.objects.get()
    assert response["Location"] == reverse("item_detail", args=[item.pk])
    assert actions(item) == [("created", staff.username)]
    assert item.status == ItemStatus.NOT_STARTED


# Where the problem came from


def test_the_item_page_links_to_the_comment_or_duty_report_it_came_from(
    staff_client, staff, meeting, org_a, sec_a
):
    reporter = make_reporter(meeting, org_a)
    comment = Comment.objects.create(reporter=reporter, author="区委书记", text="问题：一是……")
    from_comment = make_item(org_a, staff, meeting=meeting, comment=comment)
    from_report = make_item(org_a, staff, meeting=meeting, source=ProblemSource.SELF)
    page = staff_client.get(reverse("item_detail", args=[from_comment.pk])).content.decode()
    assert reverse("comment_list", args=[meeting.pk, reporter.pk]) in page
    page = staff_client.get(reverse("item_detail", args=[from_report.pk])).content.decode()
    assert reverse("report_edit", args=[meeting.pk, reporter.pk]) in page
    page = signed_in(Client(), sec_a).get(reverse("my_item", args=[from_report.pk]))
    page = page.content.decode()
    assert reverse("my_report", args=[reporter.pk]) in page


# Evidence files


def test_evidence_is_stored_privately_and_downloaded_as_an_attachment(
    staff_client, item, sec_a, private_root
):
    client = signed_in(Client(), sec_a)  # staff_client is the default client: keep them apart
    client.post(
        reverse("my_item_progress", args=[item.pk]),
        {"day": TODAY.isoformat(), "note": "整改台账", "evidence": pdf("整改台账.pdf")},
    )
    progress = ItemProgress.objects.get()
    path = Path(progress.evidence.path)
    assert path.is_relative_to(private_root) and path.read_bytes() == PDF_BYTES
    assert progress.evidence_name == "整改台账.pdf" and "整改台账" not in path.name
    for who, name in ((client, "my_item_evidence"), (staff_client, "item_evidence")):
        response = who.get(reverse(name, args=[item.pk, progress.pk]))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Type"] == "application/pdf"
        assert b"".join(response.streaming_content) == PDF_BYTES


@pytest.mark.parametrize(
    "name, content",
    [
        ("evil.pdf", b"<html><script>alert(1)</script></html>"),
        ("tool.exe", b"MZ\x90\x00"),
        ("renamed.docx", PDF_BYTES),
    ],
)
def test_a_bad_evidence_file_stores_nothing_and_keeps_the_typed_text(
    client, item, sec_a, private_root, name, content
):
    signed_in(client, sec_a)
    response = client.post(
        reverse("my_item_progress", args=[item.pk]),
        {
            "day": TODAY.isoformat(),
            "note": "补齐了会议记录",
            "evidence": SimpleUploadedFile(name, content),
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "补齐了会议记录" in page and name in page
    assert not ItemProgress.objects.exists()
    assert not private_root.exists() or not any(p.is_file() for p in private_root.rglob("*"))
    assert list(item.events.values_list("action", flat=True)) == ["created"]


def test_a_progress_date_in_the_future_is_refused(client, item, sec_a):
    signed_in(client, sec_a)
    tomorrow = (TODAY + timedelta(days=1)).isoformat()
    response = client.post(
        reverse("my_item_progress", args=[item.pk]), {"day": tomorrow, "note": "明天的事"}
    )
    assert response.status_code == 400 and not ItemProgress.objects.exists()


# Overdue and due soon


def test_an_item_is_overdue_from_the_day_after_its_deadline(item):
    day = item.deadline
    assert not item.is_overdue(day)
    assert item.is_overdue(day + timedelta(days=1))
    assert rect.due_state(item, day) == "due_soon"
    assert rect.due_state(item, day - timedelta(days=7)) == "due_soon"
    assert rect.due_state(item, day - timedelta(days=8)) == "ok"
    assert rect.due_state(item, day + timedelta(days=1)) == "overdue"


def test_a_done_item_is_never_overdue(staff, item):
    rect.mark_done(item, by=staff)
    assert not item.is_overdue(item.deadline + timedelta(days=100))
    assert rect.due_state(item, item.deadline + timedelta(days=100)) == "finished"


# Dashboard


@pytest.fixture
def spread(staff, org_a, org_b, meeting):
    """Six items: two not started (one overdue), one in progress due in 3 days, two done
    (one of them closed), and one of org B done."""
    late = make_item(org_a, staff, meeting=meeting, deadline=TODAY - timedelta(days=1))
    make_item(org_a, staff, meeting=meeting, deadline=TODAY + timedelta(days=60))
    soon = make_item(org_a, staff, meeting=meeting, deadline=TODAY + timedelta(days=3))
    rect.start_item(soon, by=staff)
    done = make_item(org_a, staff, meeting=meeting, problem="党费收缴不及时")
    rect.mark_done(done, by=staff)
    closed = make_item(org_a, staff, meeting=meeting, deadline=TODAY - timedelta(days=9))
    rect.mark_done(closed, by=staff)
    rect.close_item(closed, by=staff, note="核查通过")
    rect.mark_done(make_item(org_b, staff, meeting=meeting), by=staff)
    return {"late": late, "soon": soon}


def test_the_dashboard_counts_items_by_status_and_deadline(staff_client, spread, org_a):
    summary = staff_client.get(reverse("item_dashboard")).context["summary"]
    assert summary["total"] == 6
    assert [n for _label, n in summary["statuses"]] == [2, 1, 2, 1]
    assert summary["overdue"] == 1 and summary["due_soon"] == 1
    assert summary["completion"] == pytest.approx(50.0)
    assert summary["closing"] == pytest.approx(100 / 6)
    by_org = {row["organization_id"]: row for row in summary["orgs"]}
    assert by_org[org_a.pk]["total"] == 5 and by_org[org_a.pk]["overdue"] == 1
    assert by_org[org_a.pk]["rate"] == pytest.approx(40.0)


def test_the_dashboard_marks_overdue_red_and_due_soon_amber(staff_client, spread):
    page = staff_client.get(reverse("item_dashboard")).content.decode()
    assert page.count('class="table-danger"') == 1 and page.count('class="table-warning"') == 1


def test_the_dashboard_filters_and_counts_what_it_shows(staff_client, spread, org_b, meeting):
    response = staff_client.get(reverse("item_dashboard"), {"due": "overdue"})
    assert [item for item, _state in response.context["rows"]] == [spread["late"]]
    response = staff_client.get(reverse("item_dashboard"), {"organization": org_b.pk})
    assert response.context["summary"]["total"] == 1
    response = staff_client.get(reverse("item_dashboard"), {"q": "党费", "meeting": meeting.pk})
    assert response.context["summary"]["total"] == 1
    response = staff_client.get(reverse("item_dashboard"), {"status": ItemStatus.DONE})
    assert response.context["summary"]["total"] == 2


def test_the_dashboard_sorts_and_pages(staff_client, spread):
    response = staff_client.get(reverse("item_dashboard"), {"sort": "-deadline"})
    deadlines = [item.deadline for item, _state in response.context["rows"] if item.deadline]
    assert deadlines == sorted(deadlines, reverse=True)
    assert staff_client.get(reverse("item_dashboard"), {"page": 99}).status_code == 200


# Problems that came back


def test_an_item_links_to_last_years_item_and_the_dashboard_shows_it_came_back(
    staff_client, staff, committee, org_a, org_b
):
    last_year = make_meeting(committee, year=2024)
    this_year = make_meeting(committee, year=2025)
    old = make_item(org_a, staff, meeting=last_year, problem="三会一课记录不规范，台账不全")
    unrelated = make_item(org_a, staff, meeting=last_year, problem="党费收缴不及时")
    foreign = make_item(org_b, staff, meeting=last_year, problem="三会一课记录不规范")
    new = make_item(org_a, staff, meeting=this_year, problem="三会一课记录仍不规范")
    page = staff_client.get(reverse("item_detail", args=[new.pk]))
    suggestions = [other for other, _percent in page.context["suggestions"]]
    assert suggestions[0] == old and foreign not in suggestions and unrelated not in suggestions
    choices = list(page.context["link_form"].fields["previous"].queryset)
    assert old in choices and unrelated in choices and foreign not in choices

    staff_client.post(reverse("item_link", args=[new.pk]), {"previous": foreign.pk})
    new.refresh_from_db()
    assert new.previous_item is None
    staff_client.post(reverse("item_link", args=[new.pk]), {"previous": old.pk})
    new.refresh_from_db()
    assert new.previous_item == old
    event = new.events.get(action="linked")
    assert event.by == staff and event.changes == {"previous_item": ["", str(old.pk)]}

    dashboard = staff_client.get(reverse("item_dashboard"))
    assert list(dashboard.context["came_back"]) == [new]
    assert dashboard.context["summary"]["came_back"] == 1
    came_back = staff_client.get(reverse("item_dashboard"), {"due": "came_back"})
    assert [item for item, _state in came_back.context["rows"]] == [new]
    # The earlier item cannot in turn point to the later one.
    assert new not in rect.earlier_items(old)


def test_similarity_counts_shared_character_pairs():
    assert rect.similarity("三会一课记录不规范", "三会一课记录不规范") == 1
    assert rect.similarity("三会一课记录不规范", "党费收缴不及时") == 0
    assert 0.5 < rect.similarity("三会一课记录不规范", "三会一课记录仍不规范") < 1


def test_every_history_row_names_its_actor(staff, item, sec_a):
    rect.add_progress(item, by=sec_a, day=TODAY, note="开始整改")
    rect.mark_done(item, by=sec_a)
    rect.send_back(item, by=staff, note="不够")
    who = dict(ItemEvent.objects.filter(item=item).values_list("action", "by_id"))
    assert who == {
        "created": staff.pk,
        "progress": sec_a.pk,
        "started": sec_a.pk,
        "done": sec_a.pk,
        "sent_back": staff.pk,
    }
