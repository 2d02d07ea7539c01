"""Staff of one committee can neither read nor change another committee's data."""

import pytest
from django.urls import reverse

from appraisal.models import Organization
from tests.factories import (
    make_committee,
    make_meeting,
    make_org,
    make_reporter,
    make_scheme,
    make_secretary,
    make_staff,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def other():
    """Another district's committee with an organization, a secretary, a scheme, a meeting."""
    committee = make_committee(code="XC", name="西城区委")
    org = make_org(committee, code="XC01", name="西城街道党工委")
    secretary = make_secretary(org, name="李红")
    scheme = make_scheme(committee, name="西城方案")
    meeting = make_meeting(committee, scheme, title="西城区述职评议会")
    make_reporter(meeting, org)
    return {"org": org, "secretary": secretary, "scheme": scheme, "meeting": meeting}


@pytest.fixture
def own_client(client, committee):
    client.force_login(make_staff(committee, is_staff=True))
    return client


def test_anonymous_visitors_are_sent_to_the_login_page(client, other):
    for url in [reverse("org_list"), reverse("meeting_detail", args=[other["meeting"].pk])]:
        response = client.get(url)
        assert response.status_code == 302
        assert response.url.startswith(reverse("login"))


def test_a_signed_in_user_without_a_committee_is_refused(client, other):
    from tests.factories import make_user

    client.force_login(make_user())
    assert client.get(reverse("org_list")).status_code == 403
    assert client.get(reverse("meeting_list")).status_code == 403


def test_lists_show_only_the_own_committee(own_client, committee, other):
    make_org(committee, code="DC01", name="东城街道党工委")
    roster = own_client.get(reverse("org_list"), {"status": "all"}).content.decode()
    assert "东城街道党工委" in roster and "西城街道党工委" not in roster
    meetings = own_client.get(reverse("meeting_list")).content.decode()
    assert "西城区述职评议会" not in meetings
    schemes = own_client.get(reverse("scheme_list")).content.decode()
    assert "西城方案" not in schemes


@pytest.mark.parametrize(
    "name,key",
    [
        ("org_detail", "org"),
        ("org_edit", "org"),
        ("secretary_create", "org"),
        ("secretary_edit", "secretary"),
        ("scheme_detail", "scheme"),
        ("scheme_edit", "scheme"),
        ("meeting_detail", "meeting"),
        ("meeting_edit", "meeting"),
        ("meeting_results", "meeting"),
        ("meeting_export_json", "meeting"),
    ],
)
def test_pages_and_exports_of_another_committee_are_not_found(own_client, other, name, key):
    assert own_client.get(reverse(name, args=[other[key].pk])).status_code == 404


def test_changes_to_another_committees_data_are_refused(own_client, other):
    org, meeting = other["org"], other["meeting"]
    responses = [
        own_client.post(
            reverse("org_edit", args=[org.pk]), {"name": "改名", "code": "X", "kind": "社区"}
        ),
        own_client.post(reverse("org_set_active", args=[org.pk]), {"active": "0"}),
        own_client.post(reverse("meeting_advance", args=[meeting.pk]), {"to": "reports"}),
        own_client.post(reverse("reporter_daily", args=[meeting.pk]), {}),
        own_client.post(reverse("scheme_copy", args=[other["scheme"].pk])),
    ]
    assert {r.status_code for r in responses} == {404}
    org.refresh_from_db()
    meeting.refresh_from_db()
    assert org.name == "西城街道党工委" and org.active
    assert meeting.stage == "draft"


def test_the_roster_export_holds_only_the_own_committee(own_client, committee, other):
    import io

    import openpyxl

    make_org(committee, code="DC01", name="东城街道党工委")
    response = own_client.get(reverse("roster_export"))
    book = openpyxl.load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    text = " ".join(str(c.value) for row in book.worksheets[0].iter_rows() for c in row)
    assert "东城街道党工委" in text and "西城街道党工委" not in text


def test_the_admin_lists_and_opens_only_the_own_committees_rows(own_client, committee, other):
    make_org(committee, code="DC01", name="东城街道党工委")
    changelist = own_client.get(reverse("admin:appraisal_organization_changelist"))
    assert changelist.status_code == 200
    assert "东城街道党工委" in changelist.content.decode()
    assert "西城街道党工委" not in changelist.content.decode()
    change = own_client.get(reverse("admin:appraisal_organization_change", args=[other["org"].pk]))
    assert change.status_code in (302, 404)
    meeting_change = own_client.get(
        reverse("admin:meetings_meeting_change", args=[other["meeting"].pk])
    )
    assert meeting_change.status_code in (302, 404)


def test_the_admin_refuses_a_post_to_another_committees_row(own_client, other):
    org = other["org"]
    own_client.post(
        reverse("admin:appraisal_organization_change", args=[org.pk]),
        {"name": "改名", "code": org.code, "kind": "社区", "committee": org.committee_id},
    )
    assert Organization.objects.get(pk=org.pk).name == "西城街道党工委"


def test_committees_and_staff_accounts_are_for_superusers_only(own_client):
    assert own_client.get(reverse("admin:appraisal_committee_changelist")).status_code == 403


def test_a_city_committee_sees_its_districts(client, other):
    city = make_committee(code="CITY", name="市委")
    district = other["org"].committee
    district.parent = city
    district.save()
    client.force_login(make_staff(city))
    assert client.get(reverse("org_detail", args=[other["org"].pk])).status_code == 200


def test_only_superusers_manage_accounts_and_attach_them_to_a_committee(client, own_client):
    from tests.factories import make_user

    assert own_client.get(reverse("admin:auth_user_changelist")).status_code == 403
    client.force_login(make_user(is_superuser=True, is_staff=True))
    add_page = client.get(reverse("admin:auth_user_add")).content.decode()
    assert "staff_profile-0-committee" in add_page
