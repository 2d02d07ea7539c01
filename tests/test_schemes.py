"""The scheme editor: presets, validation in words, editing rows, frozen schemes, scoping."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils.translation import gettext as _

from appraisal.models import Scheme
from appraisal.presets import PRESETS, create_from_preset
from appraisal.scheme_forms import SchemeEditor, SchemeForm
from tests.factories import (
    make_committee,
    make_meeting,
    make_scheme,
    make_seat,
    make_staff,
    make_user,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def fast_test_settings(settings):
    # Pages link static files; the manifest storage would need collectstatic before tests.
    # Real password hashing costs ~0.5 s per staff account and proves nothing here.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def scheme(committee):
    return create_from_preset(committee, "hundred")


# --- helpers: the POST a browser sends from the edit page ------------------------------------


def rows_of(items, value_field):
    return [
        {
            "id": item.pk,
            "code": item.code,
            "name": item.name,
            value_field: getattr(item, value_field),
        }
        for item in items
    ]


def formset_data(prefix, rows):
    data = {
        f"{prefix}-TOTAL_FORMS": str(len(rows)),
        f"{prefix}-INITIAL_FORMS": str(sum(1 for r in rows if r.get("id"))),
        f"{prefix}-MIN_NUM_FORMS": "0",
        f"{prefix}-MAX_NUM_FORMS": "1000",
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            if key == "DELETE":
                if value:
                    data[f"{prefix}-{i}-DELETE"] = "on"
            else:
                data[f"{prefix}-{i}-{key}"] = "" if value is None else str(value)
        data.setdefault(f"{prefix}-{i}-ORDER", str(i + 1))
    return data


def payload(scheme, *, indicators=None, groups=None, **fields):
    """The edit form as shown for the stored scheme, with some fields or rows changed."""
    data = {}
    for name in SchemeForm.Meta.fields:
        value = getattr(scheme, name)
        data[name] = "" if value is None else str(value)
    data.update({k: str(v) for k, v in fields.items()})
    if indicators is None:
        indicators = rows_of(scheme.indicators.all(), "max_points")
    if groups is None:
        groups = rows_of(scheme.groups.all(), "weight")
    return data | formset_data("indicators", indicators) | formset_data("groups", groups)


def snapshot(scheme):
    """Everything the editor may store, to show that a rejected edit stored nothing."""
    stored = Scheme.objects.get(pk=scheme.pk)
    return (
        [getattr(stored, name) for name in SchemeForm.Meta.fields],
        list(stored.indicators.values_list("code", "name", "max_points", "order")),
        list(stored.groups.values_list("code", "name", "weight", "order")),
    )


def edit(client, scheme, data):
    return client.post(reverse("scheme_edit", args=[scheme.pk]), data)


# --- presets --------------------------------------------------------------------------------


def test_the_hundred_point_preset_has_seven_indicators_worth_100_points(committee):
    scheme = create_from_preset(committee, "hundred")

    names = list(scheme.indicators.values_list("name", flat=True))
    assert names == [
        "重大专项",
        "思想建设",
        "组织建设",
        "作风建设",
        "反腐倡廉建设",
        "制度建设",
        "提高从严管党治党水平",
    ]
    assert sum(i.max_points for i in scheme.indicators.all()) == Decimal(100)
    assert (scheme.part_indicators, scheme.part_grades, scheme.part_daily) == (
        Decimal("0.6"),
        Decimal("0.2"),
        Decimal("0.2"),
    )
    assert list(scheme.groups.values_list("code", "weight")) == [
        ("LD", Decimal("0.4")),
        ("BM", Decimal("0.3")),
        ("DB", Decimal("0.3")),
    ]
    assert scheme.good_quota == Decimal("0.3")
    assert scheme.trim_min_ballots == 5
    assert scheme.committee == committee and not scheme.is_frozen


def test_the_four_grades_preset_scores_grades_only(committee):
    scheme = create_from_preset(committee, "grades")

    assert not scheme.indicators.exists()
    assert (scheme.part_indicators, scheme.part_grades, scheme.part_daily) == (0, 1, 0)
    assert scheme.groups.count() == 2
    assert scheme.good_quota is None


@pytest.mark.parametrize("key", ["hundred", "grades"])
def test_each_preset_passes_the_editor_and_gives_a_scoring_definition(committee, key):
    scheme = create_from_preset(committee, key)

    editor = SchemeEditor(scheme, payload(scheme))
    assert editor.is_valid(), editor.error_summary()
    definition = scheme.to_def()
    assert len(definition.indicators) == scheme.indicators.count()
    assert [g.code for g in definition.groups] == list(scheme.groups.values_list("code", flat=True))
    assert definition.bad_share_limit == scheme.effective_bad_share_limit()


def test_a_preset_can_be_given_another_name(committee):
    assert create_from_preset(committee, "grades", name="2025年民主测评").name == "2025年民主测评"


def test_the_blank_preset_starts_with_no_rows_and_asks_for_a_group(committee):
    scheme = create_from_preset(committee, "blank")

    assert not scheme.indicators.exists() and not scheme.groups.exists()
    editor = SchemeEditor(scheme, payload(scheme, part_indicators="0", part_grades="1"))
    assert not editor.is_valid()
    assert _("Add at least one evaluator group: every seat belongs to a group.") in (
        editor.groups.non_form_errors()
    )


# --- creating -------------------------------------------------------------------------------


def test_staff_create_a_scheme_from_a_preset_in_their_own_committee(staff_client, committee):
    response = staff_client.post(reverse("scheme_create"), {"preset": "hundred"})

    scheme = Scheme.objects.get()
    assert response.status_code == 302
    assert response.url == reverse("scheme_edit", args=[scheme.pk])
    assert scheme.committee == committee
    assert scheme.indicators.count() == 7


def test_creating_needs_a_known_preset_and_a_post(staff_client):
    assert staff_client.get(reverse("scheme_create")).status_code == 405
    response = staff_client.post(reverse("scheme_create"), {"preset": "nonsense"}, follow=True)

    assert not Scheme.objects.exists()
    assert _("Choose one of the schemes to start from.") in response.content.decode()


def test_the_list_offers_every_preset(staff_client):
    page = staff_client.get(reverse("scheme_list")).content.decode()

    for preset in PRESETS.values():
        assert f'value="{preset.key}"' in page


def test_people_who_are_not_staff_cannot_reach_the_schemes(client, committee, scheme):
    assert client.get(reverse("scheme_list")).status_code == 302  # to the login page
    client.force_login(make_user())
    assert client.get(reverse("scheme_list")).status_code == 403
    assert client.post(reverse("scheme_create"), {"preset": "hundred"}).status_code == 403


# --- validation: each rule gives its message where the mistake is and stores nothing -------

PARTS_MSG = (
    "At least one of the three parts (indicator scoring, grade appraisal, daily assessment) "
    "must have a weight above 0."
)
PART_MSG = (
    "Enter a weight from 0 to 1000 with at most 4 decimals, e.g. 0.6; 0 means this part is not "
    "used."
)
NEED_INDICATOR_MSG = (
    "Indicator scoring has a weight above 0, so add at least one indicator below, or set this "
    "weight to 0."
)
MAX_POINTS_MSG = (
    "Enter maximum points above 0 and at most 1000, with at most 2 decimals, e.g. 20 or 12.5."
)
WEIGHT_MSG = (
    "Enter a weight above 0 and at most 1000, with at most 4 decimals, e.g. 0.4; weights are "
    "relative and need not add up to 1."
)
NEED_GROUP_MSG = "Add at least one evaluator group: every seat belongs to a group."
CODE_MSG = (
    "Use only the letters A–Z, digits, “_” and “-” in a code, without spaces or Chinese "
    "characters, e.g. ZZ or LD1: codes are keys in exported files."
)
DUP_INDICATOR_MSG = (
    "Code “%(code)s” is already used in row %(row)s: give each indicator its own code (capital "
    "and small letters count as the same)."
)
DUP_GROUP_MSG = (
    "Code “%(code)s” is already used in row %(row)s: give each evaluator group its own code "
    "(capital and small letters count as the same)."
)
POINTS_RANGE_MSG = "Enter a number from 0 to 100 with at most 2 decimals, e.g. 80 or 87.5."
POINTS_ORDER_MSG = (
    "Points for %(lower)s (%(low)s) cannot be above points for %(higher)s (%(high)s): lower this "
    "value or raise the one for %(higher)s."
)
BAND_STRICT_MSG = (
    "The lowest composite for %(lower)s (%(low)s) must be below the one for %(higher)s "
    "(%(high)s): bands go down from 好 to 差."
)
BAND_MSG = (
    "The lowest composite for %(lower)s (%(low)s) cannot be above the one for %(higher)s "
    "(%(high)s): bands go down from 好 to 差."
)
TRIM_MSG = (
    "Enter 0 (never drop any total) or a number of 3 or more: with only 1 or 2 ballots, dropping "
    "the highest and the lowest total would leave nothing to average."
)
QUOTA_MSG = (
    "Enter a fraction above 0 and at most 1 with at most 4 decimals, e.g. 0.3 for three in "
    "ten; leave it empty for no quota."
)
BAD_SHARE_MSG = "Enter a fraction above 0 and at most 1, e.g. 0.3; leave it empty for exactly 1/3."


def errors_at(editor, where):
    """The errors at one place: a scheme field, a table's row field, or a table as a whole."""
    if where[0] == "form":
        return editor.form.errors.get(where[1], [])
    formset = getattr(editor, where[0])
    if len(where) == 1:
        return list(formset.non_form_errors())
    return formset.forms[where[1] - 1].errors.get(where[2], [])


def indicator_rows(scheme, **changes_by_row):
    rows = rows_of(scheme.indicators.all(), "max_points")
    for key, change in changes_by_row.items():
        rows[int(key.removeprefix("row")) - 1].update(change)
    return rows


def group_rows(scheme, **changes_by_row):
    rows = rows_of(scheme.groups.all(), "weight")
    for key, change in changes_by_row.items():
        rows[int(key.removeprefix("row")) - 1].update(change)
    return rows


def everything_deleted(rows):
    return [{**row, "DELETE": True} for row in rows]


CASES = {
    "no part used": (
        lambda s: payload(s, part_indicators=0, part_grades=0, part_daily=0),
        ("form", "__all__"),
        PARTS_MSG,
        {},
    ),
    "negative part weight": (
        lambda s: payload(s, part_daily="-0.2"),
        ("form", "part_daily"),
        PART_MSG,
        {},
    ),
    "indicator part without indicators": (
        lambda s: payload(s, indicators=everything_deleted(indicator_rows(s))),
        ("form", "part_indicators"),
        NEED_INDICATOR_MSG,
        {},
    ),
    "indicator worth 0 points": (
        lambda s: payload(s, indicators=indicator_rows(s, row3={"max_points": "0"})),
        ("indicators", 3, "max_points"),
        MAX_POINTS_MSG,
        {},
    ),
    "indicator points with 3 decimals": (
        lambda s: payload(s, indicators=indicator_rows(s, row2={"max_points": "15.125"})),
        ("indicators", 2, "max_points"),
        MAX_POINTS_MSG,
        {},
    ),
    "group weight 0": (
        lambda s: payload(s, groups=group_rows(s, row2={"weight": "0"})),
        ("groups", 2, "weight"),
        WEIGHT_MSG,
        {},
    ),
    "no group": (
        lambda s: payload(s, groups=everything_deleted(group_rows(s))),
        ("groups",),
        NEED_GROUP_MSG,
        {},
    ),
    "indicator code in Chinese": (
        lambda s: payload(s, indicators=indicator_rows(s, row1={"code": "专项"})),
        ("indicators", 1, "code"),
        CODE_MSG,
        {},
    ),
    "group code with a space": (
        lambda s: payload(s, groups=group_rows(s, row1={"code": "L D"})),
        ("groups", 1, "code"),
        CODE_MSG,
        {},
    ),
    "indicator code twice, in other case and with spaces": (
        lambda s: payload(s, indicators=indicator_rows(s, row4={"code": " zx "})),
        ("indicators", 4, "code"),
        DUP_INDICATOR_MSG,
        {"code": "zx", "row": 1},
    ),
    "group code twice": (
        lambda s: payload(
            s, groups=[*group_rows(s), {"code": "bm", "name": "新组", "weight": "1"}]
        ),
        ("groups", 4, "code"),
        DUP_GROUP_MSG,
        {"code": "bm", "row": 2},
    ),
    "grade points above 100": (
        lambda s: payload(s, points_good="120"),
        ("form", "points_good"),
        POINTS_RANGE_MSG,
        {},
    ),
    "grade points going up": (
        lambda s: payload(s, points_average="90"),
        ("form", "points_average"),
        POINTS_ORDER_MSG,
        {"lower": "一般", "low": Decimal("90"), "higher": "较好", "high": Decimal("80")},
    ),
    "band above 100": (
        lambda s: payload(s, band_good="100.5"),
        ("form", "band_good"),
        POINTS_RANGE_MSG,
        {},
    ),
    "band for 较好 equal to 好": (
        lambda s: payload(s, band_fairly_good="90"),
        ("form", "band_fairly_good"),
        BAND_STRICT_MSG,
        {"lower": "较好", "low": Decimal("90"), "higher": "好", "high": Decimal("90")},
    ),
    "band for 一般 above 较好": (
        lambda s: payload(s, band_average="85"),
        ("form", "band_average"),
        BAND_STRICT_MSG,
        {"lower": "一般", "low": Decimal("85"), "higher": "较好", "high": Decimal("80")},
    ),
    "band for 差 above 一般": (
        lambda s: payload(s, band_poor="75"),
        ("form", "band_poor"),
        BAND_MSG,
        {"lower": "差", "low": Decimal("75"), "higher": "一般", "high": Decimal("70")},
    ),
    "negative band": (
        lambda s: payload(s, band_poor="-1"),
        ("form", "band_poor"),
        POINTS_RANGE_MSG,
        {},
    ),
    "trimming from 1 ballot": (
        lambda s: payload(s, trim_min_ballots=1),
        ("form", "trim_min_ballots"),
        TRIM_MSG,
        {},
    ),
    "trimming from 2 ballots": (
        lambda s: payload(s, trim_min_ballots=2),
        ("form", "trim_min_ballots"),
        TRIM_MSG,
        {},
    ),
    "good quota 0": (
        lambda s: payload(s, good_quota="0"),
        ("form", "good_quota"),
        QUOTA_MSG,
        {},
    ),
    "good quota above 1": (
        lambda s: payload(s, good_quota="1.5"),
        ("form", "good_quota"),
        QUOTA_MSG,
        {},
    ),
    "bad share limit 0": (
        lambda s: payload(s, bad_share_limit="0"),
        ("form", "bad_share_limit"),
        BAD_SHARE_MSG,
        {},
    ),
    "bad share limit above 1": (
        lambda s: payload(s, bad_share_limit="1.2"),
        ("form", "bad_share_limit"),
        BAD_SHARE_MSG,
        {},
    ),
}


@pytest.mark.parametrize("case", CASES)
def test_each_rule_rejects_the_edit_with_its_message_and_stores_nothing(staff_client, scheme, case):
    make_data, where, msgid, values = CASES[case]
    before = snapshot(scheme)
    data = make_data(scheme)
    data["name"] = "改过的名字"

    response = edit(staff_client, scheme, data)

    assert response.status_code == 200
    expected = _(msgid) % values if values else _(msgid)
    editor = response.context["editor"]
    assert expected in errors_at(editor, where)
    assert any(expected in line for line in editor.error_summary())
    assert snapshot(scheme) == before


def test_a_rejected_edit_shows_every_input_again_with_a_summary(staff_client, scheme):
    rows = [*indicator_rows(scheme), {"code": "XZ", "name": "新增指标", "max_points": "5"}]
    data = payload(scheme, indicators=rows, name="草稿方案", trim_min_ballots=2, good_quota="0.25")

    page = edit(staff_client, scheme, data).content.decode()

    assert 'id="error-summary"' in page
    assert 'value="草稿方案"' in page
    assert 'value="新增指标"' in page and 'value="XZ"' in page
    assert 'value="0.25"' in page
    assert "is-invalid" in page
    assert not scheme.indicators.filter(code="XZ").exists()


def test_every_problem_is_reported_at_once(staff_client, scheme):
    rows = indicator_rows(scheme, row5={"max_points": "-1"})
    data = payload(scheme, indicators=rows, part_indicators=0, part_grades=0, part_daily=0)
    data |= {"band_poor": "75", "trim_min_ballots": "1"}

    summary = edit(staff_client, scheme, data).context["editor"].error_summary()

    assert len(summary) == 4
    assert summary[0] == _(PARTS_MSG)


@pytest.mark.parametrize(
    "fields",
    [
        {"trim_min_ballots": 0},
        {"trim_min_ballots": 3},
        {"good_quota": "1", "bad_share_limit": "1"},
        {"good_quota": "", "bad_share_limit": ""},
        {"points_good": "80", "points_fairly_good": "80", "points_average": "60"},
        {"band_average": "70", "band_poor": "70"},
        {"part_indicators": "0", "part_grades": "0", "part_daily": "1"},
    ],
)
def test_values_at_the_edge_of_each_rule_are_accepted(staff_client, scheme, fields):
    response = edit(staff_client, scheme, payload(scheme, **fields))

    assert response.status_code == 302, response.context["editor"].error_summary()


def test_an_empty_bad_share_limit_means_exactly_one_third(staff_client, scheme):
    edit(staff_client, scheme, payload(scheme, bad_share_limit=""))

    scheme.refresh_from_db()
    assert scheme.bad_share_limit is None
    page = staff_client.get(reverse("scheme_detail", args=[scheme.pk])).content.decode()
    assert '<td id="bad-share-limit">1/3</td>' in page


def test_a_group_with_seats_cannot_be_deleted(staff_client, committee, scheme):
    meeting = make_meeting(committee, scheme=scheme)
    make_seat(meeting, "BM")
    before = snapshot(scheme)

    response = edit(
        staff_client, scheme, payload(scheme, groups=group_rows(scheme, row2={"DELETE": True}))
    )

    message = _(
        "Row %(row)s: evaluator group “%(name)s” has seats in a meeting, so it cannot be "
        "deleted; move those seats to another group first, or keep the row."
    ) % {"row": 2, "name": "部门负责人"}
    assert message in response.context["editor"].groups.non_form_errors()
    assert snapshot(scheme) == before


# --- editing --------------------------------------------------------------------------------


def test_editing_adds_changes_reorders_and_deletes_rows(staff_client, scheme):
    indicators = indicator_rows(scheme, row1={"max_points": "25"}, row2={"name": "思想政治建设"})
    indicators[6]["DELETE"] = True  # 提高从严管党治党水平 (10 points) goes
    indicators[0]["ORDER"] = "9"  # 重大专项 moves behind the others
    indicators.append({"code": "JC", "name": "基层治理", "max_points": "5", "ORDER": "8"})
    groups = group_rows(scheme, row3={"DELETE": True}, row1={"weight": "0.5"})
    groups.append({"code": "QZ", "name": "群众代表", "weight": "0.2"})

    response = edit(
        staff_client,
        scheme,
        payload(scheme, indicators=indicators, groups=groups, name="2025年度考核方案"),
    )

    assert response.status_code == 302
    assert response.url == reverse("scheme_detail", args=[scheme.pk])
    scheme.refresh_from_db()
    assert scheme.name == "2025年度考核方案"
    assert list(scheme.indicators.values_list("code", "name", "max_points", "order")) == [
        ("SX", "思想政治建设", Decimal("15.00"), 1),
        ("ZZ", "组织建设", Decimal("20.00"), 2),
        ("ZF", "作风建设", Decimal("15.00"), 3),
        ("FF", "反腐倡廉建设", Decimal("10.00"), 4),
        ("ZD", "制度建设", Decimal("10.00"), 5),
        ("JC", "基层治理", Decimal("5.00"), 6),
        ("ZX", "重大专项", Decimal("25.00"), 7),
    ]
    assert list(scheme.groups.values_list("code", "weight")) == [
        ("LD", Decimal("0.5000")),
        ("BM", Decimal("0.3000")),
        ("QZ", Decimal("0.2000")),
    ]
    assert scheme.to_def().indicators[0].code == "SX"


def test_two_rows_can_swap_their_codes_and_a_deleted_code_can_be_reused(staff_client, scheme):
    rows = indicator_rows(scheme, row1={"code": "SX"}, row2={"code": "ZX"}, row7={"DELETE": True})
    rows.append({"code": "tg", "name": "新的提高", "max_points": "10"})

    response = edit(staff_client, scheme, payload(scheme, indicators=rows))

    assert response.status_code == 302
    assert list(scheme.indicators.values_list("code", "name")[:2]) == [
        ("SX", "重大专项"),
        ("ZX", "思想建设"),
    ]
    assert scheme.indicators.get(code="tg").name == "新的提高"
    assert not scheme.indicators.filter(name="提高从严管党治党水平").exists()


def test_a_blank_row_left_empty_is_ignored(staff_client, scheme):
    rows = [*indicator_rows(scheme), {"code": "", "name": "", "max_points": "", "ORDER": ""}]

    response = edit(staff_client, scheme, payload(scheme, indicators=rows))

    assert response.status_code == 302
    assert scheme.indicators.count() == 7


def test_the_edit_page_shows_the_rows_and_the_add_row_template(staff_client, scheme):
    page = staff_client.get(reverse("scheme_edit", args=[scheme.pk])).content.decode()

    assert 'value="提高从严管党治党水平"' in page
    assert 'data-formset-template="indicators"' in page
    assert 'name="indicators-__prefix__-code"' in page
    assert 'data-formset-add="groups"' in page
    assert "js/formset.js" in page
    assert "onclick" not in page


def test_the_detail_page_shows_the_sum_of_points_and_the_groups(staff_client, scheme):
    page = staff_client.get(reverse("scheme_detail", args=[scheme.pk])).content.decode()

    assert '<th class="text-end" id="total-points">100.00</th>' in page
    assert "党代表及群众代表" in page
    assert "1/3" in page


# --- frozen schemes -------------------------------------------------------------------------


def test_a_frozen_scheme_cannot_be_edited(staff_client, scheme):
    scheme.freeze()
    before = snapshot(scheme)

    response = staff_client.get(reverse("scheme_edit", args=[scheme.pk]), follow=True)
    assert response.redirect_chain[-1][0] == reverse("scheme_detail", args=[scheme.pk])
    page = response.content.decode()
    assert (
        _(
            "This scheme is used by a meeting that has ballots, so it can no longer be changed: "
            "copy it as a new scheme and change the copy."
        )
        in page
    )
    assert reverse("scheme_copy", args=[scheme.pk]) in page

    response = edit(staff_client, scheme, payload(scheme, name="偷偷改名", band_good="95"))
    assert response.status_code == 302
    assert snapshot(scheme) == before


def test_the_list_marks_a_frozen_scheme(staff_client, scheme):
    scheme.freeze()

    page = staff_client.get(reverse("scheme_list")).content.decode()

    assert _("Used by a meeting with ballots: copy it to make changes") in page
    assert reverse("scheme_copy", args=[scheme.pk]) in page


def test_a_frozen_scheme_can_be_copied_and_the_copy_edited_on_its_own(staff_client, scheme):
    scheme.freeze()
    before = snapshot(scheme)

    assert staff_client.get(reverse("scheme_copy", args=[scheme.pk])).status_code == 405
    response = staff_client.post(reverse("scheme_copy", args=[scheme.pk]))

    copy = Scheme.objects.exclude(pk=scheme.pk).get()
    assert response.url == reverse("scheme_edit", args=[copy.pk])
    assert copy.name == _("%(name)s (copy)") % {"name": scheme.name}
    assert not copy.is_frozen and copy.committee == scheme.committee
    assert staff_client.get(response.url).status_code == 200

    rows = indicator_rows(copy, row1={"max_points": "30"}, row7={"DELETE": True})
    assert (
        edit(staff_client, copy, payload(copy, indicators=rows, band_good="92")).status_code == 302
    )
    copy.refresh_from_db()
    assert copy.band_good == Decimal("92") and copy.indicators.count() == 6
    assert snapshot(scheme) == before


def test_copying_a_long_name_still_fits(staff_client, committee):
    scheme = make_scheme(committee, name="方" * 100)

    staff_client.post(reverse("scheme_copy", args=[scheme.pk]))

    copy = Scheme.objects.exclude(pk=scheme.pk).get()
    assert len(copy.name) <= 100


# --- other committees -----------------------------------------------------------------------


def test_staff_of_another_committee_neither_see_nor_change_the_scheme(client, scheme):
    client.force_login(make_staff(make_committee(code="XC", name="西城区委")))
    before = snapshot(scheme)

    assert client.get(reverse("scheme_detail", args=[scheme.pk])).status_code == 404
    assert client.get(reverse("scheme_edit", args=[scheme.pk])).status_code == 404
    assert edit(client, scheme, payload(scheme, name="别人的")).status_code == 404
    assert client.post(reverse("scheme_copy", args=[scheme.pk])).status_code == 404
    listed = client.get(reverse("scheme_list")).content.decode()
    assert reverse("scheme_detail", args=[scheme.pk]) not in listed
    assert Scheme.objects.count() == 1 and snapshot(scheme) == before


def test_a_new_scheme_from_another_committee_goes_to_that_committee(client, committee):
    other = make_committee(code="XC", name="西城区委")
    client.force_login(make_staff(other))

    client.post(reverse("scheme_create"), {"preset": "grades"})

    assert Scheme.objects.get().committee == other


# --- the list -------------------------------------------------------------------------------


def test_the_list_searches_by_name_and_pages_by_twenty(staff_client, committee):
    for n in range(23):
        make_scheme(committee, name=f"2025-{n:02d} 方案")
    make_scheme(committee, name="2026 民主测评专用")

    first = staff_client.get(reverse("scheme_list"), {"sort": "name"})
    assert len(first.context["page"].object_list) == 20
    assert first.context["page"].paginator.count == 24
    second = staff_client.get(reverse("scheme_list"), {"sort": "name", "page": 2})
    assert [s.name for s in second.context["page"]] == [
        "2025-20 方案",
        "2025-21 方案",
        "2025-22 方案",
        "2026 民主测评专用",
    ]
    assert "sort=name&amp;page=1" in second.content.decode()

    found = staff_client.get(reverse("scheme_list"), {"q": "民主"})
    assert [s.name for s in found.context["page"]] == ["2026 民主测评专用"]


def test_the_list_shows_counts_points_and_parts(staff_client, scheme):
    page = staff_client.get(reverse("scheme_list"))

    row = page.context["page"].object_list[0]
    assert (row.indicator_count, row.total_points) == (7, Decimal(100))
    assert "0.6 / 0.2 / 0.2" in page.content.decode()
