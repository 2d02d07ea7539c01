"""The meeting bundle of SCORING.md: import, validation with JSON paths, export, round trips."""

from __future__ import annotations

import copy
import json
import os
import sqlite3
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from appraisal.models import Committee, Organization, Scheme
from meetings.bundle import BundleInvalid, export_bundle, import_bundle, validate_bundle
from meetings.models import Comment, Meeting, MeetingEvent, RectificationItem, ScoringState, Stage
from tests.factories import make_committee, make_org, make_secretary

ROOT = Path(__file__).resolve().parent.parent
SMALL = Path(__file__).parent / "data" / "bundles" / "small.json"


def small() -> dict:
    return json.loads(SMALL.read_text(encoding="utf-8"))


def write(tmp_path, data, name="bundle.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return str(path)


def run_import(path, *args) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("import_meeting", path, *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def import_fails(path, *args) -> list[str]:
    """The stderr lines of an import that must fail."""
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import_meeting", path, *args, stdout=StringIO(), stderr=err)
    return err.getvalue().splitlines()


def export_text(meeting_id: int, tmp_path, name="out.json") -> str:
    target = tmp_path / name
    call_command(
        "export_meeting",
        str(meeting_id),
        "--format",
        "json",
        "--output",
        str(target),
        stdout=StringIO(),
    )
    return target.read_text(encoding="utf-8")


def counts() -> tuple[int, ...]:
    return tuple(m.objects.count() for m in (Meeting, Organization, Scheme, Committee))


def by_org(results: list[dict]) -> dict[str, dict]:
    return {row["org"]: row for row in results}


# ---------------------------------------------------------------- importing


def test_a_hand_made_bundle_imports_with_the_results_worked_out_by_hand(committee, tmp_path):
    out, err = run_import(write(tmp_path, small()))
    meeting = Meeting.objects.get(pk=int(out.splitlines()[-1]))
    results = by_org(export_bundle(meeting)["results"])
    # JD01. LD totals 90, 95, 80: three ballots reach trim_min_ballots 3, so 95 and 80 go,
    # M_LD = 90; DB totals 85 and 87.5 (seat D1 is JD01's own), M_DB = 86.25;
    # I = (0.6·90 + 0.4·86.25) / 1 = 88.5. D: LD (100+100+80)/3, DB (100+60)/2 = 80,
    # D = 0.6·280/3 + 0.4·80 = 88. C = 0.6·88.5 + 0.2·88 + 0.2·90 = 88.7 → 较好.
    assert results["JD01"] == {
        "org": "JD01",
        "indicators": "88.50",
        "grades": "88.00",
        "daily": "90.00",
        "composite": "88.70",
        "good_rate": "0.8000",
        "bad_share": "0.0000",
        "grade": "较好",
        "rank": 2,
        "flags": [],
    }
    # SQ01. LD 98, 96.5, 92 → 96.5; DB 94, 90.5 → 92.25; I = 57.9 + 36.9 = 94.8.
    # D = 0.6·100 + 0.4·90 = 96. C = 56.88 + 19.2 + 17.1 = 93.18 → 好; the quota 0.5 of
    # 3 scored reporters allows floor(1.5) = 1 好, and SQ01 is the only one.
    assert results["SQ01"] == {
        "org": "SQ01",
        "indicators": "94.80",
        "grades": "96.00",
        "daily": "85.50",
        "composite": "93.18",
        "good_rate": "1.0000",
        "bad_share": "0.0000",
        "grade": "好",
        "rank": 1,
        "flags": [],
    }
    # XX01, vetoed. LD 50, 60, 70.25 → 60; DB 70, 66, 76 → 70 (both groups trimmed);
    # I = 36 + 28 = 64. D: LD (0+60+0)/3 = 20, DB (80+0+60)/3 = 140/3,
    # D = 12 + 56/3 = 30.666… → 30.67. C = 38.4 + 0.2·92/3 + 19 = 63.5333… → 63.53.
    # 差 for the veto, no rank; 3 of 6 votes are 差 = 0.5 > 1/3 → flag bad_share.
    assert results["XX01"] == {
        "org": "XX01",
        "indicators": "64.00",
        "grades": "30.67",
        "daily": "95.00",
        "composite": "63.53",
        "good_rate": "0.1667",
        "bad_share": "0.5000",
        "grade": "差",
        "rank": None,
        "flags": ["vetoed", "bad_share"],
    }
    assert err == ""


def test_the_new_meeting_id_is_alone_on_the_last_line_of_stdout(committee, tmp_path):
    out, _err = run_import(write(tmp_path, small()))
    last = out.splitlines()[-1]
    assert last.isdigit()
    assert Meeting.objects.get(pk=int(last)).committee == committee


def test_a_bundle_with_ballots_becomes_a_finished_meeting(committee, tmp_path):
    out, _err = run_import(write(tmp_path, small()))
    meeting = Meeting.objects.get(pk=int(out.splitlines()[-1]))
    assert meeting.stage == Stage.CLOSED
    assert set(meeting.reporters.values_list("scoring", flat=True)) == {ScoringState.CLOSED}
    assert meeting.scheme.is_frozen
    moves = list(meeting.events.filter(action="stage").values_list("from_stage", "to_stage"))
    assert moves == [("draft", "reports"), ("reports", "live"), ("live", "closed")]
    assert all(e.note for e in MeetingEvent.objects.filter(meeting=meeting))


def test_the_scheme_is_stored_as_a_new_scheme_of_the_committee_in_bundle_order(committee):
    meeting = import_bundle(small(), committee)
    scheme = meeting.scheme
    assert scheme.committee == committee
    assert meeting.title in scheme.name
    assert [i.code for i in scheme.indicators.all()] == ["ZZ", "ZD"]
    assert [g.code for g in scheme.groups.all()] == ["LD", "DB"]
    assert scheme.trim_min_ballots == 3
    assert scheme.bad_share_limit is None  # absent: exactly 1/3


def test_a_bundle_without_ballots_stays_a_draft(committee):
    data = small()
    data.pop("ballots")
    meeting = import_bundle(data, committee)
    assert meeting.stage == Stage.DRAFT
    assert not meeting.scheme.is_frozen
    assert set(meeting.reporters.values_list("scoring", flat=True)) == {ScoringState.PENDING}


def test_absent_scheme_defaults_are_those_of_scoring_md(committee):
    data = small()
    for key in ("grade_points", "bands", "trim_min_ballots", "good_quota"):
        data["scheme"].pop(key)
    scheme = import_bundle(data, committee).scheme
    assert scheme.trim_min_ballots == 5
    assert scheme.good_quota is None
    scheme.refresh_from_db()
    assert list(scheme.grade_points().values()) == [100, 80, 60, 0]
    assert [m for _g, m in scheme.bands()] == [90, 80, 70, 0]


def test_organizations_are_matched_to_the_roster_by_code_and_left_as_they_are(committee):
    roster_jd = make_org(committee, code="JD01", name="东城街道党工委（名册）", kind="街道")
    secretary = make_secretary(roster_jd, name="张明")
    meeting = import_bundle(small(), committee)
    assert Organization.objects.filter(committee=committee, code="JD01").count() == 1
    roster_jd.refresh_from_db()
    assert roster_jd.name == "东城街道党工委（名册）"
    assert roster_jd.parent is None  # the roster is not overwritten
    reporter = meeting.reporters.get(organization=roster_jd)
    assert reporter.secretary == secretary
    assert reporter.secretary_name == "张明"
    created = Organization.objects.get(committee=committee, code="SQ01")
    assert created.name == "东城街道和平社区党委"
    assert created.parent == roster_jd


def test_a_parent_may_be_an_organization_of_the_committees_roster(committee):
    make_org(committee, code="QW2", name="区直机关工委", kind="机关")
    data = small()
    data["organizations"][3]["parent"] = "QW2"
    meeting = import_bundle(data, committee)
    assert meeting.reporters.get(order=3).organization.parent.code == "QW2"


def test_the_same_organization_codes_in_another_committee_are_not_used(committee):
    other = make_committee(code="XC")
    make_org(other, code="JD01")
    import_bundle(small(), committee)
    assert Organization.objects.filter(code="JD01").count() == 2


def test_an_empty_installation_gets_one_committee(db, tmp_path):
    out, _err = run_import(write(tmp_path, small()))
    committee = Committee.objects.get()
    assert (committee.code, committee.name) == ("DEFAULT", "本级党委")
    assert Meeting.objects.get(pk=int(out.splitlines()[-1])).committee == committee


def test_with_several_committees_the_committee_must_be_named(committee, tmp_path):
    make_committee(code="XC")
    before = counts()
    with pytest.raises(CommandError, match="--committee") as excinfo:
        run_import(write(tmp_path, small()))
    assert "DC" in str(excinfo.value) and "XC" in str(excinfo.value)
    assert counts() == before
    out, _err = run_import(write(tmp_path, small()), "--committee", "XC")
    assert Meeting.objects.get(pk=int(out.splitlines()[-1])).committee.code == "XC"


def test_an_unknown_committee_code_is_refused(committee, tmp_path):
    with pytest.raises(CommandError, match="NOPE"):
        run_import(write(tmp_path, small()), "--committee", "NOPE")
    assert Meeting.objects.count() == 0


# ---------------------------------------------------------------- validation


def setter(path: str, value):
    """A change to the bundle: set the value at a dotted path (list indices as numbers)."""

    def change(data):
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return change


def remover(path: str):
    def change(data):
        *parents, last = path.split(".")
        node = data
        for key in parents:
            node = node[int(key)] if isinstance(node, list) else node[key]
        del node[last]

    return change


def appender(path: str, value):
    def change(data):
        node = data
        for key in path.split("."):
            node = node[int(key)] if isinstance(node, list) else node[key]
        node.append(copy.deepcopy(value))

    return change


BAD_BUNDLES = {
    "wrong format": (setter("format", "appraisal-meeting/2"), "format"),
    "no format": (remover("format"), "format"),
    "no meeting title": (remover("meeting.title"), "meeting.title"),
    "year as text": (setter("meeting.year", "2025"), "meeting.year"),
    "date not ISO": (setter("meeting.date", "2026/01/15"), "meeting.date"),
    "anonymous as text": (setter("meeting.anonymous", "yes"), "meeting.anonymous"),
    "scheme not an object": (setter("scheme", []), "scheme"),
    "duplicate indicator code": (
        setter("scheme.indicators.1.code", "ZZ"),
        "scheme.indicators[1].code",
    ),
    "max points zero": (
        setter("scheme.indicators.0.max_points", "0"),
        "scheme.indicators[0].max_points",
    ),
    "max points three decimals": (
        setter("scheme.indicators.0.max_points", "20.125"),
        "scheme.indicators[0].max_points",
    ),
    "max points as a float": (
        setter("scheme.indicators.0.max_points", 20.5),
        "scheme.indicators[0].max_points",
    ),
    "decimal not a number": (setter("scheme.parts.daily", "abc"), "scheme.parts.daily"),
    "duplicate group code": (setter("scheme.groups.1.code", "LD"), "scheme.groups[1].code"),
    "group weight zero": (setter("scheme.groups.0.weight", "0"), "scheme.groups[0].weight"),
    "negative part": (setter("scheme.parts.grades", "-0.2"), "scheme.parts.grades"),
    "all parts zero": (
        setter("scheme.parts", {"indicators": "0", "grades": "0", "daily": "0"}),
        "scheme.parts",
    ),
    "indicator part without indicators": (setter("scheme.indicators", []), "scheme.indicators"),
    "unknown band grade": (setter("scheme.bands.1.grade", "优秀"), "scheme.bands[1].grade"),
    "bands not descending": (setter("scheme.bands.1.min", "95"), "scheme.bands[1].min"),
    "unknown grade_points key": (
        setter("scheme.grade_points.优秀", "90"),
        "scheme.grade_points.优秀",
    ),
    "missing grade_points key": (remover("scheme.grade_points.差"), "scheme.grade_points.差"),
    "trim of two": (setter("scheme.trim_min_ballots", 2), "scheme.trim_min_ballots"),
    "good quota above one": (setter("scheme.good_quota", "1.5"), "scheme.good_quota"),
    "bad share limit zero": (setter("scheme.bad_share_limit", "0"), "scheme.bad_share_limit"),
    "duplicate organization code": (
        setter("organizations.2.code", "JD01"),
        "organizations[2].code",
    ),
    "unknown organization kind": (setter("organizations.0.kind", "公司"), "organizations[0].kind"),
    "unknown parent": (setter("organizations.1.parent", "NOPE"), "organizations[1].parent"),
    "parent cycle": (setter("organizations.0.parent", "SQ01"), "organizations[0].parent"),
    "reporter of an unknown organization": (setter("reporters.0.org", "NOPE"), "reporters[0].org"),
    "two reporters for one organization": (setter("reporters.1.org", "JD01"), "reporters[1].org"),
    "duplicate order": (setter("reporters.2.order", 1), "reporters[2].order"),
    "order as text": (setter("reporters.0.order", "1"), "reporters[0].order"),
    "daily above 100": (setter("reporters.0.daily", "100.5"), "reporters[0].daily"),
    "daily with three decimals": (setter("reporters.1.daily", "85.555"), "reporters[1].daily"),
    "vetoed as text": (setter("reporters.0.vetoed", "false"), "reporters[0].vetoed"),
    "duplicate seat code": (setter("seats.1.code", "D1"), "seats[1].code"),
    "seat of an unknown group": (setter("seats.0.group", "ZZ"), "seats[0].group"),
    "seat of an unknown organization": (setter("seats.2.org", "NOPE"), "seats[2].org"),
    "ballot of an unknown seat": (setter("ballots.3.seat", "X9"), "ballots[3].seat"),
    "ballot for an organization that does not report": (
        setter("ballots.3.org", "QW"),
        "ballots[3].org",
    ),
    "second ballot of a seat for a reporter": (setter("ballots.1.seat", "L1"), "ballots[1]"),
    "seat scoring its own organization": (setter("ballots.3.seat", "D1"), "ballots[3].org"),
    "score above the maximum": (setter("ballots.3.scores.ZZ", "40.01"), "ballots[3].scores.ZZ"),
    "negative score": (setter("ballots.3.scores.ZD", "-1"), "ballots[3].scores.ZD"),
    "score with three decimals": (setter("ballots.3.scores.ZZ", "18.125"), "ballots[3].scores.ZZ"),
    "score as a float": (setter("ballots.3.scores.ZZ", 18.5), "ballots[3].scores.ZZ"),
    "missing indicator score": (remover("ballots.3.scores.ZD"), "ballots[3].scores.ZD"),
    "unknown indicator score": (setter("ballots.3.scores.XX", "1"), "ballots[3].scores.XX"),
    "unknown grade": (setter("ballots.3.grade", "优"), "ballots[3].grade"),
    "ballot with neither scores nor grade": (
        setter("ballots.3", {"seat": "D2", "org": "JD01"}),
        "ballots[3]",
    ),
    "opinion too long": (setter("ballots.3.opinion", "很" * 501), "ballots[3].opinion"),
    "comment on an organization that does not report": (
        setter("comments.0.org", "QW"),
        "comments[0].org",
    ),
    "rectification of an unknown organization": (
        setter("rectifications.0.org", "NOPE"),
        "rectifications[0].org",
    ),
    "unknown problem source": (
        setter("rectifications.0.source", "群众"),
        "rectifications[0].source",
    ),
    "unknown item status": (setter("rectifications.0.status", "完成"), "rectifications[0].status"),
    "deadline not a date": (
        setter("rectifications.0.deadline", "六月底"),
        "rectifications[0].deadline",
    ),
    "reporters not a list": (setter("reporters", {}), "reporters"),
    "a reporter not an object": (appender("reporters", "JD02"), "reporters[3]"),
}


@pytest.mark.parametrize("change,path", BAD_BUNDLES.values(), ids=BAD_BUNDLES.keys())
def test_each_broken_rule_is_reported_at_its_json_path_and_nothing_is_stored(
    committee, tmp_path, change, path
):
    data = small()
    change(data)
    before = counts()
    lines = import_fails(write(tmp_path, data))
    assert lines, "the problems go to stderr"
    assert any(line.startswith(f"{path}:") for line in lines), lines
    assert counts() == before


def test_a_valid_bundle_has_no_problems(committee):
    assert validate_bundle(small()) == []
    assert validate_bundle(small(), committee) == []


def test_every_problem_is_reported_at_once(committee, tmp_path):
    data = small()
    data["reporters"][0]["daily"] = "101"
    data["ballots"][3]["scores"]["ZZ"] = "99"
    data["seats"][0]["group"] = "XX"
    data["meeting"]["year"] = 1999
    lines = import_fails(write(tmp_path, data))
    assert [line.split(":")[0] for line in lines] == [
        "meeting.year",
        "reporters[0].daily",
        "seats[0].group",
        "ballots[3].scores.ZZ",
    ]
    assert Meeting.objects.count() == 0


def test_import_bundle_raises_with_the_problems_and_stores_nothing(committee):
    data = small()
    data["ballots"][0]["grade"] = "优"
    with pytest.raises(BundleInvalid) as excinfo:
        import_bundle(data, committee)
    assert excinfo.value.problems[0].startswith("ballots[0].grade:")
    assert Scheme.objects.count() == 0


def test_whole_numbers_may_come_without_quotes(committee):
    data = small()
    data["ballots"][0]["scores"] = {"ZZ": 36, "ZD": 54}
    data["reporters"][0]["daily"] = 90
    assert validate_bundle(data) == []


def test_a_file_that_is_not_json_is_reported_with_line_and_column(committee, tmp_path):
    path = tmp_path / "broken.json"
    path.write_text('{"format": "appraisal-meeting/1",\n  "meeting": {,}}', encoding="utf-8")
    lines = import_fails(str(path))
    assert len(lines) == 1
    assert lines[0].startswith("$:")
    assert "2" in lines[0] and "15" in lines[0]  # line 2, column 15


def test_a_json_document_that_is_not_an_object_is_refused(committee, tmp_path):
    lines = import_fails(write(tmp_path, [1, 2]))
    assert lines[0].startswith("$:")


def test_a_missing_file_is_a_clear_error(committee, tmp_path):
    with pytest.raises(CommandError, match="nothing-here.json"):
        run_import(str(tmp_path / "nothing-here.json"))


def test_a_roster_parent_is_unknown_when_validated_without_a_committee(committee):
    make_org(committee, code="QW2", kind="机关")
    data = small()
    data["organizations"][3]["parent"] = "QW2"
    assert validate_bundle(data, committee) == []
    assert validate_bundle(data)[0].startswith("organizations[3].parent:")


# ---------------------------------------------------------------- exporting and round trips


def test_export_import_export_gives_byte_identical_json(committee, tmp_path):
    out, _err = run_import(write(tmp_path, small()))
    first = export_text(int(out.splitlines()[-1]), tmp_path, "a.json")
    out, _err = run_import(str(tmp_path / "a.json"))
    second = export_text(int(out.splitlines()[-1]), tmp_path, "b.json")
    assert first == second
    assert json.loads(first)["results"] == json.loads(second)["results"]


def test_a_round_trip_into_a_fresh_committee_rebuilds_the_organization_tree(committee, tmp_path):
    out, _err = run_import(write(tmp_path, small()))
    first = export_text(int(out.splitlines()[-1]), tmp_path, "a.json")
    make_committee(code="XC")
    out, _err = run_import(str(tmp_path / "a.json"), "--committee", "XC")
    second = export_text(int(out.splitlines()[-1]), tmp_path, "b.json")
    assert first == second
    sq = Organization.objects.get(committee__code="XC", code="SQ01")
    assert [o.code for o in sq.ancestors()] == ["JD01", "QW"]


def test_the_exported_document_keeps_the_bundle_and_adds_results(committee):
    meeting = import_bundle(small(), committee)
    doc = export_bundle(meeting)
    assert list(doc) == [
        "format",
        "meeting",
        "scheme",
        "organizations",
        "reporters",
        "seats",
        "ballots",
        "comments",
        "rectifications",
        "results",
    ]
    assert doc["format"] == "appraisal-meeting/1"
    assert doc["scheme"]["indicators"][0] == {"code": "ZZ", "name": "政治建设", "max_points": "40"}
    assert doc["scheme"]["bad_share_limit"] is None
    assert doc["reporters"][1] == {
        "org": "SQ01",
        "secretary": "李华",
        "order": 2,
        "daily": "85.5",
        "vetoed": False,
    }
    assert doc["ballots"][0] == {
        "seat": "D1",
        "org": "SQ01",
        "scores": {"ZZ": "38", "ZD": "56"},
        "grade": "好",
        "opinion": "",
    }
    assert [r["org"] for r in doc["results"]] == ["JD01", "SQ01", "XX01"]
    assert validate_bundle(doc) == []


def test_anonymity_and_a_veto_survive_the_round_trip(committee, tmp_path):
    data = small()
    data["meeting"]["anonymous"] = False
    out, _err = run_import(write(tmp_path, data))
    text = export_text(int(out.splitlines()[-1]), tmp_path, "a.json")
    out, _err = run_import(str(tmp_path / "a.json"))
    meeting = Meeting.objects.get(pk=int(out.splitlines()[-1]))
    assert meeting.anonymous is False
    assert meeting.reporters.get(organization__code="XX01").vetoed is True
    assert json.loads(text)["meeting"]["anonymous"] is False
    assert by_org(json.loads(text)["results"])["XX01"]["grade"] == "差"


def test_comments_and_rectification_items_survive_the_round_trip(committee, tmp_path):
    out, _err = run_import(write(tmp_path, small()))
    export_text(int(out.splitlines()[-1]), tmp_path, "a.json")
    out, _err = run_import(str(tmp_path / "a.json"))
    meeting = Meeting.objects.get(pk=int(out.splitlines()[-1]))
    comments = Comment.objects.filter(reporter__meeting=meeting).order_by("id")
    assert [(c.reporter.organization.code, c.author) for c in comments] == [
        ("JD01", "区委书记"),
        ("XX01", "组织部部长"),
    ]
    items = RectificationItem.objects.filter(meeting=meeting).order_by("id")
    assert [(i.organization.code, i.source, i.status, str(i.deadline)) for i in items] == [
        ("JD01", "领导点评", "整改中", "2026-06-30"),
        ("XX01", "巡察", "未开始", "None"),
    ]
    assert items[0].owner == "张明"
    assert items[0].measures == "开展软弱涣散党组织整顿"


def test_export_can_write_to_stdout(committee):
    meeting = import_bundle(small(), committee)
    out = StringIO()
    call_command("export_meeting", str(meeting.pk), "--output", "-", stdout=out)
    assert json.loads(out.getvalue())["meeting"]["title"] == meeting.title


@pytest.mark.parametrize(("fmt", "magic"), [("xlsx", b"PK"), ("pdf", b"%PDF")])
def test_export_writes_the_workbook_and_the_report(committee, tmp_path, fmt, magic):
    meeting = import_bundle(small(), committee)
    call_command(
        "export_meeting",
        str(meeting.pk),
        "--format",
        fmt,
        "--output",
        str(tmp_path / "x"),
        stdout=StringIO(),
    )
    assert (tmp_path / "x").read_bytes().startswith(magic)


def test_export_of_an_unknown_meeting_is_a_clear_error(db, tmp_path):
    with pytest.raises(CommandError, match="424242"):
        call_command("export_meeting", "424242", "--output", str(tmp_path / "x.json"))


# ---------------------------------------------------------------- from a real shell


def manage(*args, database: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{database}"}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_the_commands_from_a_shell_print_the_id_last_and_only_problems_on_stderr(tmp_path):
    database = tmp_path / "shell.sqlite3"
    assert manage("migrate", "--no-input", database=database).returncode == 0

    done = manage("import_meeting", write(tmp_path, small()), database=database)
    assert done.returncode == 0, done.stderr
    meeting_id = done.stdout.splitlines()[-1]
    assert meeting_id.isdigit()

    data = small()
    data["ballots"][3]["scores"]["ZZ"] = "45"
    data["reporters"][0]["daily"] = "abc"
    failed = manage("import_meeting", write(tmp_path, data, "bad.json"), database=database)
    assert failed.returncode != 0
    assert failed.stderr.splitlines()[0].startswith("reporters[0].daily")
    assert failed.stderr.splitlines()[1].startswith("ballots[3].scores.ZZ")
    assert len(failed.stderr.splitlines()) == 2
    with sqlite3.connect(database) as db:
        assert db.execute("select count(*) from meetings_meeting").fetchone() == (1,)

    exported = manage(
        "export_meeting", meeting_id, "--format", "json", "--output", "-", database=database
    )
    assert exported.returncode == 0, exported.stderr
    assert by_org(json.loads(exported.stdout)["results"])["SQ01"]["composite"] == "93.18"


def test_the_acting_user_is_recorded_on_every_stage_move(committee, staff):
    meeting = import_bundle(small(), committee, by=staff)
    assert {e.by for e in meeting.events.filter(action="stage")} == {staff}


def test_a_seat_holder_of_a_named_meeting_survives_the_round_trip(committee):
    data = small()
    data["meeting"]["anonymous"] = False
    data["seats"][3]["holder"] = "赵书记"
    doc = export_bundle(import_bundle(data, committee))
    assert doc["seats"][3] == {"code": "L1", "group": "LD", "org": None, "holder": "赵书记"}
    assert export_bundle(import_bundle(doc, committee))["seats"] == doc["seats"]


def test_grade_points_go_down_from_good_to_poor_and_the_lowest_band_may_equal_the_one_above(
    committee,
):
    data = small()
    data["scheme"]["grade_points"]["一般"] = "85"
    data["scheme"]["bands"][3]["min"] = "70"
    assert [line.split(":")[0] for line in validate_bundle(data)] == ["scheme.grade_points.一般"]
