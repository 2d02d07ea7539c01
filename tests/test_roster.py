"""The roster pages: list with search, filter, sorting and paging; create, edit, deactivate."""

from datetime import date

import pytest
from django.urls import reverse

from appraisal.models import Organization, Secretary
from meetings.models import Reporter
from tests.factories import make_meeting, make_org, make_reporter, make_secretary

pytestmark = pytest.mark.django_db


def test_the_list_searches_by_name_code_and_secretary(staff_client, committee):
    a = make_org(committee, code="JD01", name="东城街道党工委", kind="街道")
    make_secretary(a, name="王建国")
    make_org(committee, code="SQ01", name="和平社区党委")
    by_name = staff_client.get(reverse("org_list"), {"q": "和平"}).content.decode()
    assert "和平社区党委" in by_name and "东城街道党工委" not in by_name
    by_secretary = staff_client.get(reverse("org_list"), {"q": "王建国"}).content.decode()
    assert "东城街道党工委" in by_secretary and "和平社区党委" not in by_secretary


def test_the_list_filters_by_kind_and_status(staff_client, committee):
    make_org(committee, code="JD01", name="东城街道党工委", kind="街道")
    make_org(committee, code="XX01", name="实验小学党支部", kind="学校", active=False)
    streets = staff_client.get(reverse("org_list"), {"kind": "街道"}).content.decode()
    assert "东城街道党工委" in streets and "实验小学党支部" not in streets
    inactive = staff_client.get(reverse("org_list"), {"status": "inactive"}).content.decode()
    assert "实验小学党支部" in inactive and "东城街道党工委" not in inactive


def test_the_tree_lists_children_under_their_parent(staff_client, committee):
    parent = make_org(committee, code="B", name="东城街道党工委", kind="街道")
    make_org(committee, code="A", name="和平社区党委", parent=parent)
    make_org(committee, code="C", name="城南街道党工委", kind="街道")
    html = staff_client.get(reverse("org_list")).content.decode()
    assert html.index("东城街道党工委") < html.index("和平社区党委") < html.index("城南街道党工委")
    by_code = staff_client.get(reverse("org_list"), {"sort": "code"}).content.decode()
    assert by_code.index("和平社区党委") < by_code.index("东城街道党工委")


def test_the_list_pages_by_fifty(staff_client, committee):
    for n in range(55):
        make_org(committee, code=f"O{n:03d}", name=f"第{n:03d}党支部")
    first = staff_client.get(reverse("org_list"), {"sort": "code"}).content.decode()
    second = staff_client.get(reverse("org_list"), {"sort": "code", "page": 2}).content.decode()
    assert "第000党支部" in first and "第054党支部" not in first
    assert "第054党支部" in second and "sort=code&amp;page=1" in second


def test_staff_create_an_organization_in_their_committee(staff_client, committee):
    response = staff_client.post(
        reverse("org_create"), {"name": "新华社区党委", "code": "SQ09", "kind": "社区"}
    )
    org = Organization.objects.get(code="SQ09")
    assert response.status_code == 302 and org.committee == committee


def test_a_duplicate_code_is_refused_and_the_input_kept(staff_client, committee):
    make_org(committee, code="SQ09")
    response = staff_client.post(
        reverse("org_create"), {"name": "新华社区党委", "code": "SQ09", "kind": "社区"}
    )
    html = response.content.decode()
    assert response.status_code == 200 and "新华社区党委" in html
    assert Organization.objects.filter(code="SQ09").count() == 1


def test_an_organization_cannot_move_below_its_own_child(staff_client, committee):
    parent = make_org(committee, code="P")
    child = make_org(committee, code="C", parent=parent)
    staff_client.post(
        reverse("org_edit", args=[parent.pk]),
        {"name": parent.name, "code": "P", "kind": "社区", "parent": child.pk},
    )
    parent.refresh_from_db()
    assert parent.parent is None


def test_deactivating_keeps_the_organization_and_its_meetings(staff_client, committee):
    org = make_org(committee)
    make_reporter(make_meeting(committee), org)
    staff_client.post(reverse("org_set_active", args=[org.pk]), {"active": "0"})
    org.refresh_from_db()
    assert not org.active and Reporter.objects.filter(organization=org).exists()


def test_a_new_secretary_succeeds_the_current_one_who_stays_on_record(staff_client, committee):
    org = make_org(committee)
    old = make_secretary(org, name="张明", term_start=date(2021, 3, 1))
    staff_client.post(
        reverse("secretary_create", args=[org.pk]),
        {"name": "刘玥", "title": "书记", "phone": "", "term_start": "2026-05-01", "replaces": "1"},
    )
    old.refresh_from_db()
    assert old.term_end == date(2026, 4, 30)
    assert org.current_secretary(date(2026, 6, 1)).name == "刘玥"
    assert org.current_secretary(date(2025, 6, 1)).name == "张明"
    assert Secretary.objects.filter(organization=org).count() == 2


def test_a_meeting_remembers_who_reported_after_the_secretary_changes(committee):
    org = make_org(committee)
    old = make_secretary(org, name="张明", term_start=date(2021, 3, 1))
    meeting = make_meeting(committee, date=date(2026, 1, 15))
    [reporter] = meeting.add_reporters([org])
    old.succeed(name="刘玥", start=date(2026, 5, 1))
    reporter.refresh_from_db()
    assert reporter.secretary == old and reporter.secretary_name == "张明"


def test_a_term_cannot_end_before_it_starts(staff_client, committee):
    org = make_org(committee)
    response = staff_client.post(
        reverse("secretary_create", args=[org.pk]),
        {"name": "刘玥", "term_start": "2026-05-01", "term_end": "2026-01-01"},
    )
    assert response.status_code == 200 and not Secretary.objects.exists()
