"""Every URL of the project, visited as every actor in every stage of a meeting, against the
intended table in tests/permission_table.py; and no result reaches anyone but staff early.

The crawl runs once per class (setUpTestData): one meeting per stage, each reached through
Meeting.advance(), all with reporters, seats, ballots, comments, a duty report with its file,
a rectification item with an evidence file, a paper entry and a commenter link, so every URL
kwarg names a real object. The tests then read what the crawl saw.
"""

from __future__ import annotations

import io
import json
import logging
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal

import openpyxl
from django.apps import apps
from django.core.files.base import ContentFile
from django.db import transaction
from django.test import Client, TestCase, override_settings
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from django.utils import timezone

from meetings.models import (
    STAGE_MOVES,
    Comment,
    CommenterLink,
    DutyReport,
    ItemProgress,
    PaperEntry,
    ProblemSource,
    Question,
    RectificationItem,
    ScoringState,
    Stage,
)
from meetings.results import meeting_results
from tests import permission_table as table
from tests.factories import (
    make_ballot,
    make_committee,
    make_meeting,
    make_org,
    make_reporter,
    make_scheme,
    make_seat,
    make_secretary,
    make_staff,
    make_user,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
# Downloads of files people uploaded (duty reports, evidence): they hold no result.
UPLOADS = {"evaluator_report", "report_download", "my_report_download", "item_evidence",
           "my_item_evidence"}  # fmt: skip
# Actors who must never see a result of this meeting before publication.
NOT_STAFF_OF_MEETING = tuple(a for a in table.ACTORS if a not in ("staff", "superuser"))

# Ballots (ZZ of 20, ZD of 30, ZF of 50) per seat code, for reporters A and B. Every total
# and every part comes out with odd cents, so a composite is a string found nowhere else.
BALLOTS = {
    "LD001": (("17.3", "26.1", "41.7", "较好"), ("12.4", "21.9", "33.3", "一般")),
    "LD002": (("18.9", "24.4", "38.2", "好"), ("13.1", "20.7", "35.6", "较好")),
    "BM001": (("16.2", "27.3", "43.9", "好"), ("14.6", "19.8", "31.1", "一般")),
    "DB001": (("15.8", "22.6", "36.1", "一般"), ("11.9", "23.2", "30.4", "差")),
}
DAILY = (Decimal("71.37"), Decimal("64.93"))
GROUPS = (("LD", "区委领导", "0.37"), ("BM", "部门负责人", "0.33"), ("DB", "代表", "0.29"))


# The URL resolver -----------------------------------------------------------------------


@dataclass(frozen=True)
class Url:
    name: str | None
    route: str
    kwargs: tuple[str, ...]


def walk(patterns, prefix: str = "", namespace: str = "") -> Iterator[Url]:
    for pattern in patterns:
        if isinstance(pattern, URLResolver):
            inner = pattern.namespace or namespace
            yield from walk(pattern.url_patterns, prefix + str(pattern.pattern), inner)
        elif isinstance(pattern, URLPattern):
            name = pattern.name and (f"{namespace}:{pattern.name}" if namespace else pattern.name)
            kwargs = tuple(pattern.pattern.regex.groupindex)
            yield Url(name, prefix + str(pattern.pattern), kwargs)


def project_urls() -> list[Url]:
    return list(walk(get_resolver().url_patterns))


def is_admin(name: str | None) -> bool:
    return bool(name) and name.startswith(table.ADMIN_NAMESPACE + ":")


# The scenario ---------------------------------------------------------------------------


@dataclass
class StageWorld:
    """One meeting in one stage and the objects its URLs name."""

    stage: str
    meeting: object
    reporter_a: object
    reporter_b: object
    seat_token: str
    revoked_token: str
    projector_token: str
    commenter_token: str
    seat_pk: int
    spare_seat_pk: int
    comment_pk: int
    question_pk: int
    link_pk: int
    entry_pk: int
    item_pk: int
    progress_pk: int
    # The results of this meeting as pages show them: composite and parts, two decimals.
    figures: set[str] = field(default_factory=set)


def upload(instance, field_name: str, name: str) -> None:
    getattr(instance, field_name).save(name, ContentFile(PDF_BYTES), save=True)


def build_stage(stage: str, ctx: dict) -> StageWorld:
    """A meeting of committee A moved through Meeting.advance() to `stage`."""
    meeting = make_meeting(ctx["committee"], ctx["scheme"], title=f"述职评议会 {stage}")
    staff = ctx["users"]["staff"]
    reporter_a = make_reporter(meeting, ctx["org_a"], secretary=ctx["sec_a"], daily=DAILY[0])
    reporter_b = make_reporter(meeting, ctx["org_b"], secretary=ctx["sec_b"], daily=DAILY[1])
    seats = {code: make_seat(meeting, code[:2], code=code) for code in BALLOTS}
    spare = make_seat(meeting, "DB", code="DB002")
    seat, revoked = seats["LD001"], seats["LD002"]
    seat_token, revoked_token = seat.issue_link(), revoked.issue_link()
    revoked.revoke_link()
    for code, (for_a, for_b) in BALLOTS.items():
        for reporter, (zz, zd, zf, grade) in ((reporter_a, for_a), (reporter_b, for_b)):
            scores = {"ZZ": Decimal(zz), "ZD": Decimal(zd), "ZF": Decimal(zf)}
            make_ballot(seats[code], reporter, scores=scores, grade=grade, opinion="加强学习")
    report = DutyReport.objects.create(reporter=reporter_a, achievements="成绩", plans="打算")
    upload(report, "file", "report.pdf")
    report.file_name = "述职报告.pdf"
    report.save(update_fields=["file_name"])
    link, commenter_token = CommenterLink.issue(meeting, "区委书记")
    comment = Comment.objects.create(reporter=reporter_a, author=link.name, text="一是学习不够。")
    question = Question.objects.create(reporter=reporter_a, asker="部长", question="怎么改？")
    item = RectificationItem.objects.create(
        organization=ctx["org_a"], meeting=meeting, comment=comment, problem="学习不够",
        source=ProblemSource.COMMENT, owner="张明",
    )  # fmt: skip
    progress = ItemProgress.objects.create(item=item, note="已开展学习", by=staff)
    upload(progress, "evidence", "evidence.pdf")
    entry = PaperEntry.objects.create(
        seat=spare, reporter=reporter_a, scores={"ZZ": "10", "ZD": "10", "ZF": "10"},
        grade="一般", entered_by=staff,
    )  # fmt: skip
    projector_token = meeting.issue_projector_link()
    path = {
        "draft": [],
        "reports": ["reports"],
        "live": ["reports", "live"],
        "closed": ["reports", "live", "closed"],
        "published": ["reports", "live", "closed", "published"],
    }[stage]
    for to in path:
        if to == "closed":
            meeting.set_scoring(ScoringState.CLOSED, by=staff)
        meeting.advance(to, by=staff)
    if stage == "live":
        meeting.set_scoring(ScoringState.OPEN, reporter=reporter_a, by=staff)
        meeting.current_reporter = reporter_a
        meeting.save(update_fields=["current_reporter", "updated_at"])
    world = StageWorld(
        stage, meeting, reporter_a, reporter_b, seat_token, revoked_token, projector_token,
        commenter_token, seat.pk, spare.pk, comment.pk, question.pk, link.pk, entry.pk, item.pk,
        progress.pk,
    )  # fmt: skip
    for row in meeting_results(meeting):
        r = row.result
        world.figures |= {f"{v:.2f}" for v in (r.composite, r.indicators, r.grades) if v}
    return world


def build_other_meeting() -> dict:
    """Committee B with its own staff, organization, meeting and seat (in session)."""
    committee = make_committee(code="XC", name="西城区委")
    scheme = make_scheme(committee)
    meeting = make_meeting(committee, scheme, title="西城区述职评议会")
    reporter = make_reporter(meeting, make_org(committee, code="XC01"))
    seat = make_seat(meeting, "LD", code="LD001")
    token = seat.issue_link()
    meeting.advance(Stage.REPORTS)
    meeting.advance(Stage.LIVE)
    make_ballot(seat, reporter, scores={"ZZ": "19.99", "ZD": "29.99", "ZF": "49.99"}, grade="好")
    return {"committee": committee, "token": token, "staff": make_staff(committee)}


def build_users(committee, other) -> tuple[dict, dict]:
    """The signed-in actors, and organizations A and B with their secretaries."""
    org_a = make_org(committee, code="DC01", name="东城街道党工委")
    org_b = make_org(committee, code="DC02", name="北城街道党工委")
    org_c = make_org(committee, code="DC03", name="南城社区党委")  # on no agenda
    users = {
        "secretary_a": make_user("sec_a"),
        "secretary_b": make_user("sec_b"),
        "staff": make_staff(committee, username="dc_staff"),
        "staff_other": other["staff"],
        "superuser": make_user("root", is_superuser=True, is_staff=True),
    }
    sec_a = make_secretary(org_a, name="张明", user=users["secretary_a"])
    sec_b = make_secretary(org_b, name="李红", user=users["secretary_b"])
    return users, {"org_a": org_a, "org_b": org_b, "org_c": org_c, "sec_a": sec_a, "sec_b": sec_b}


# Filling the kwargs of a URL --------------------------------------------------------------


def token_for(name: str, actor: str, w: StageWorld, other_token: str) -> str:
    """The actor's own link token (seat actors, projector); others hold the URL's kind."""
    own = {
        "seat": w.seat_token,
        "seat_other": other_token,
        "seat_revoked": w.revoked_token,
        "projector": w.projector_token,
    }
    if actor in own:
        return own[actor]
    if name.startswith("evaluator"):
        return w.seat_token
    if name.startswith("projector"):
        return w.projector_token
    return w.commenter_token


def kwargs_for(url: Url, actor: str, w: StageWorld, ctx: dict) -> dict:
    name = url.name
    values = {
        "reporter_pk": w.reporter_a.pk,
        "comment_pk": w.comment_pk,
        "question_pk": w.question_pk,
        "link_pk": w.link_pk,
        "entry_pk": w.entry_pk,
        "item_pk": w.item_pk,
        "progress_pk": w.progress_pk,
        "seat_pk": w.spare_seat_pk if name == "seat_remove" else w.seat_pk,
        "org": ctx["org_a"].code,
        "action": "stage",
    }
    if name.startswith(("org_", "secretary_create")):
        values["pk"] = ctx["org_a"].pk
    elif name == "secretary_edit":
        values["pk"] = ctx["sec_a"].pk
    elif name.startswith("scheme_"):
        values["pk"] = ctx["scheme"].pk
    else:
        values["pk"] = w.meeting.pk
    if is_admin(name):
        values.update(admin_values(name, ctx))
    out = {}
    for kwarg in url.kwargs:
        if kwarg == "token":
            out[kwarg] = token_for(name, actor, w, ctx["other"]["token"])
        else:
            out[kwarg] = values[kwarg]
    return out


def admin_values(name: str, ctx: dict) -> dict:
    """object_id: the first row of the admin's model (the meeting of the stage for meetings)."""
    url_name = name.split(":", 1)[1]
    for model in apps.get_models():
        if url_name.startswith(f"{model._meta.app_label}_{model._meta.model_name}_"):
            first = model.objects.order_by("pk").first()
            pk = first.pk if first else 1
            return {"object_id": pk, "id": pk}
    return {"object_id": ctx["org_a"].pk, "content_type_id": 1, "app_label": "meetings"}


def attack(name: str, w: StageWorld, ctx: dict) -> tuple[dict | str, str | None]:
    """Data a refused POST sends: what would change something if it were accepted."""
    moves = STAGE_MOVES.get(w.stage, ())
    text = {"text": "伪造的点评", "author": "伪造", "achievements": "伪造", "problems": "伪造"}
    data = {
        "meeting_advance": {"to": moves[0] if moves else ""},
        "desk_action": {"to": moves[0] if moves else ""},
        "desk_time_limit": {"limit": "9:00"},
        "reporter_add": {"organizations": [ctx["org_c"].pk]},
        "reporter_move": {"direction": "down"},
        "org_set_active": {"active": "0"},
        "comment_add": text,
        "comment_edit": text,
        "commenter_reporter": text,
        "commenter_comment_edit": text,
        "question_add": {"asker": "伪造", "question": "伪造"},
        "question_edit": {"asker": "伪造", "question": "伪造", "answer": "伪造"},
        "report_edit": text,
        "my_report": text,
        "item_progress": {"day": timezone.localdate().isoformat(), "note": "伪造"},
        "my_item_progress": {"day": timezone.localdate().isoformat(), "note": "伪造"},
        "commenter_links": {"name": "伪造的点评人"},
        "meeting_create": {"title": "伪造", "year": "2025", "scheme": ctx["scheme"].pk},
        "seat_create": {"kind": "count", "group": ctx["scheme"].groups.first().pk, "count": "3"},
    }.get(name, {})
    if name == "evaluator_ballot":
        ballot = {
            "ballot_id": str(uuid.uuid4()),
            "org": ctx["org_a"].code,
            "scores": {"ZZ": "1", "ZD": "1", "ZF": "1"},
            "grade": "差",
        }
        return json.dumps(ballot), "application/json"
    return data, None


# What a response was ----------------------------------------------------------------------


def outcome(response) -> str:
    code = response.status_code
    if code in (200, 201, 204):
        return table.OK
    if code in (301, 302, 303, 307, 308):
        location = response["Location"].split("?")[0]
        logins = (reverse("login"), reverse("admin:login"))
        return table.LOGIN if location.endswith(logins) else table.OK
    return {403: "403", 404: "404", 405: table.METHOD, 410: table.GONE}.get(code, f"HTTP {code}")


def matches(expected: str, actual: str) -> bool:
    if expected == table.DENY:
        return actual in ("403", "404")
    if expected == table.GONE:
        return actual in ("404", table.GONE)
    return expected == actual


def body_text(response) -> tuple[str, str]:
    """(kind, text): the decoded text of a page, JSON or workbook; the kind of a binary."""
    if getattr(response, "streaming", False):
        # Reading it to the end closes it (the test client's wrapper); closing it again here
        # would send request_finished, which closes the connection inside the test's atomic.
        content = b"".join(response.streaming_content)
    else:
        content = response.content
    kind = response.get("Content-Type", "").split(";")[0]
    if kind.endswith("spreadsheetml.sheet"):
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        cells = (c for ws in book.worksheets for r in ws.iter_rows(values_only=True) for c in r)
        return "xlsx", " ".join(str(c) for c in cells if c is not None)
    if kind.startswith("text/") or "json" in kind or kind.endswith("javascript"):
        return "text", content.decode("utf-8", "replace")
    return kind or "binary", content.decode("latin-1")


RESULT_KEYS = {"composite", "rank", "good_rate", "bad_share", "results"}


def result_keys(value, path: str = "") -> list[str]:
    """Paths of result-like keys with a value in a JSON document."""
    found = []
    if isinstance(value, dict):
        for key, item in value.items():
            if key in RESULT_KEYS and item not in (None, [], {}, ""):
                found.append(f"{path}.{key}")
            found += result_keys(item, f"{path}.{key}")
    elif isinstance(value, list):
        for i, item in enumerate(value):
            found += result_keys(item, f"{path}[{i}]")
    return found


def leaks(name: str, response, figures: set[str]) -> list[str]:
    """What of the meeting's results a response carries (empty when nothing)."""
    kind, text = body_text(response)
    found = [f"shows {figure}" for figure in sorted(figures) if figure in text]
    if kind not in ("text", "xlsx") and response.status_code == 200 and name not in UPLOADS:
        found.append(f"a {kind} download")
    if kind == "text" and response.get("Content-Type", "").startswith("application/json"):
        found += [f"JSON {key}" for key in result_keys(json.loads(text))]
    return found


# The database, to see that a refused request changed nothing ------------------------------


def fingerprint() -> dict[str, int]:
    """A hash of every row of every table the app keeps (sessions left out)."""
    prints = {}
    for model in apps.get_models():
        if model._meta.app_label in ("sessions",) or not model._meta.managed:
            continue
        rows = model._base_manager.order_by("pk").values_list()
        prints[model._meta.label] = hash(repr(list(rows)))
    return prints


def changed(before: dict, after: dict) -> list[str]:
    return sorted(label for label in after if before.get(label) != after[label])


# The crawl --------------------------------------------------------------------------------


@dataclass
class Crawl:
    mismatches: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    leaks: list[str] = field(default_factory=list)
    published_secretary_leaks: list[str] = field(default_factory=list)
    staff_saw: dict[str, set[str]] = field(default_factory=dict)  # stage → figures seen
    requests: int = 0
    csrf_checked: int = 0
    csrf_missing: list[str] = field(default_factory=list)


def request(client: Client, method: str, path: str, data, content_type):
    if method == "get":
        return client.get(path)
    if content_type:
        return client.post(path, data, content_type=content_type)
    return client.post(path, data)


def crawl_url(url: Url, method: str, w: StageWorld, ctx: dict, clients, crawl: Crawl) -> None:
    """Every actor's request to one URL; actors without a session who would send the very
    same request (same path, no cookie that matters) share one response."""
    shared: dict[str, tuple] = {}
    for actor in table.ACTORS:
        expected = table.expected(url.name, w.stage, method, actor)
        if method == "post" and expected == table.OK:
            continue  # a permitted change: exercised by the tests of that page
        if skipped_heavy(url.name, w.stage, method, expected):
            continue
        path = reverse(url.name, kwargs=kwargs_for(url, actor, w, ctx))
        if actor in table.NO_SESSION and path in shared:
            actual, status = shared[path]
        else:
            data, content_type = attack(url.name, w, ctx) if method == "post" else ({}, None)
            response = request(clients[actor], method, path, data, content_type)
            crawl.requests += 1
            actual, status = outcome(response), response.status_code
            if getattr(response, "exc_info", None):
                actual += f" ({response.exc_info[1]!r})"
            if actor in table.NO_SESSION:
                shared[path] = (actual, status)
            check_leaks(url.name, actor, w, response, crawl)
        if not matches(expected, actual):
            crawl.mismatches.append(
                f"{w.stage:9} {method.upper():4} {url.name:26} {actor:12} "
                f"expected {expected}, got {actual}  ({path})"
            )


def skipped_heavy(name: str, stage: str, method: str, expected: str) -> bool:
    """PDF builds take a second each: permitted ones run in one stage, refusals in all."""
    return name in table.HEAVY and expected == table.OK and stage != table.HEAVY_STAGE


def crawl_phase(urls, method: str, w: StageWorld, ctx: dict, clients, crawl: Crawl) -> None:
    """All requests of one method in one stage; the database must be as it was after them.

    The phase runs in a savepoint that is rolled back, so one wrongly accepted request cannot
    change what the next ones see; if the database changed, the phase runs again URL by URL
    to name the culprit."""
    urls = [u for u in urls if not is_admin(u.name) or w.stage == table.ADMIN_STAGE]
    sid = transaction.savepoint()
    before = fingerprint()
    for url in urls:
        crawl_url(url, method, w, ctx, clients, crawl)
    if changed(before, fingerprint()):
        transaction.savepoint_rollback(sid)
        sid = transaction.savepoint()
        for url in urls:
            start = fingerprint()
            crawl_url(url, method, w, ctx, clients, Crawl())
            if tables := changed(start, fingerprint()):
                crawl.changes.append(
                    f"{w.stage} {method.upper()} {url.name} changed {', '.join(tables)}"
                )
    transaction.savepoint_rollback(sid)


def csrf_phase(urls, w: StageWorld, ctx: dict, strict, crawl: Crawl) -> None:
    """Every POST the table permits, sent again without a CSRF token: 403, or listed in
    table.CSRF_EXEMPT. Run in a savepoint that is rolled back, like the crawl."""
    sid = transaction.savepoint()
    for url in urls:
        if is_admin(url.name) and w.stage != table.ADMIN_STAGE:
            continue
        for actor in table.ACTORS:
            if table.expected(url.name, w.stage, "post", actor) != table.OK:
                continue
            if skipped_heavy(url.name, w.stage, "post", table.OK):
                continue
            path = reverse(url.name, kwargs=kwargs_for(url, actor, w, ctx))
            data, content_type = attack(url.name, w, ctx)
            status = request(strict[actor], "post", path, data, content_type).status_code
            crawl.csrf_checked += 1
            if (status == 403) == (url.name in table.CSRF_EXEMPT):
                crawl.csrf_missing.append(f"{w.stage:9} {url.name:26} {actor:12} got {status}")
    transaction.savepoint_rollback(sid)


def check_leaks(name: str, actor: str, w: StageWorld, response, crawl: Crawl) -> None:
    if actor in ("staff", "superuser"):
        if name == "meeting_results":
            crawl.staff_saw[w.stage] = {f for f in w.figures if f in body_text(response)[1]}
        return
    found = leaks(name, response, w.figures)
    if not found:
        return
    line = f"{w.stage} {name} as {actor} ({response.status_code}): {', '.join(found)}"
    if w.stage != Stage.PUBLISHED:
        crawl.leaks.append(line)
    elif actor in table.SECRETARIES:
        crawl.published_secretary_leaks.append(line)


class PermissionMatrixTests(TestCase):
    """One crawl of every URL × actor × stage; each test reads one aspect of it."""

    @classmethod
    def setUpClass(cls):
        # Uploaded files of the scenario go to a directory of their own, removed afterwards.
        cls.private_root = tempfile.mkdtemp(prefix="permission-matrix-")
        cls.enterClassContext(override_settings(PRIVATE_ROOT=cls.private_root))
        cls.addClassCleanup(shutil.rmtree, cls.private_root, ignore_errors=True)
        super().setUpClass()

    @classmethod
    def setUpTestData(cls):
        committee = make_committee(code="DC", name="东城区委")
        other = build_other_meeting()
        users, orgs = build_users(committee, other)
        ctx = {
            "committee": committee,
            "scheme": make_scheme(committee, groups=GROUPS, part_indicators=Decimal("0.5"),
                                  part_grades=Decimal("0.3"), part_daily=Decimal("0.2")),
            "users": users,
            "other": other,
            **orgs,
        }  # fmt: skip
        cls.worlds = [build_stage(stage, ctx) for stage in table.STAGES]
        cls.urls = project_urls()
        cls.crawl = Crawl()
        clients = {actor: Client(raise_request_exception=False) for actor in table.ACTORS}
        strict = {
            actor: Client(raise_request_exception=False, enforce_csrf_checks=True)
            for actor in table.ACTORS
        }
        for actor, user in users.items():
            clients[actor].force_login(user)
            strict[actor].force_login(user)
        urls = [u for u in cls.urls if u.name and has_entry(u.name)]
        request_log = logging.getLogger("django.request")
        level, request_log.level = request_log.level, logging.CRITICAL  # 8000 refusals
        try:
            for w in cls.worlds:
                for method in ("get", "post"):
                    crawl_phase(urls, method, w, ctx, clients, cls.crawl)
                csrf_phase(urls, w, ctx, strict, cls.crawl)
        finally:
            request_log.level = level

    def test_every_url_name_of_the_resolver_is_in_the_table(self):
        names = {u.name for u in self.urls if u.name}
        missing = sorted(n for n in names if not has_entry(n))
        self.assertEqual(
            missing,
            [],
            "These URL names have no entry in tests/permission_table.py: add one to TABLE "
            "saying what every actor gets (GET and POST, per stage where it differs).",
        )

    def test_every_name_in_the_table_is_still_a_url(self):
        names = {u.name for u in self.urls if u.name}
        stale = sorted(
            set(table.TABLE) - names | {n for n in table.ADMIN_EXCEPTIONS if n not in names}
        )
        self.assertEqual(
            stale,
            [],
            "tests/permission_table.py lists URL names that no longer exist: remove them.",
        )

    def test_the_table_knows_every_stage_of_a_meeting(self):
        self.assertEqual(table.STAGES, tuple(Stage.values))

    def test_every_url_pattern_of_the_project_has_a_name(self):
        unnamed = [
            u.route for u in self.urls if u.name is None and not u.route.startswith("admin/")
        ]
        self.assertEqual(unnamed, [], "Name these URL patterns and add them to the table.")

    def test_every_actor_gets_what_the_table_says_on_every_url_in_every_stage(self):
        self.assertGreater(self.crawl.requests, 5000)
        self.assertEqual(self.crawl.mismatches, [], "\n" + "\n".join(self.crawl.mismatches))

    def test_every_permitted_post_without_a_csrf_token_is_refused_unless_exempt(self):
        self.assertGreater(self.crawl.csrf_checked, 100)
        lines = self.crawl.csrf_missing
        self.assertEqual(lines, [], "\n" + "\n".join(lines))

    def test_refused_posts_and_all_gets_change_nothing_in_the_database(self):
        self.assertEqual(self.crawl.changes, [], "\n" + "\n".join(self.crawl.changes))

    def test_the_meetings_results_are_unusual_figures_that_staff_see_on_the_results_page(self):
        for w in self.worlds:
            own = {v for ballots in BALLOTS.values() for b in ballots for v in b}
            own |= {f"{sum(Decimal(v) for v in b[:3]):.1f}" for bs in BALLOTS.values() for b in bs}
            self.assertGreaterEqual(len(w.figures), 6, w.stage)
            self.assertFalse(w.figures & own, "a seat's own scores must differ from results")
            self.assertTrue(all(not f.endswith("0") for f in w.figures), w.figures)
            self.assertEqual(self.crawl.staff_saw[w.stage], w.figures, w.stage)

    def test_no_score_rank_or_grade_reaches_anyone_but_staff_before_publication(self):
        self.assertEqual(self.crawl.leaks, [], "\n" + "\n".join(self.crawl.leaks))

    def test_secretaries_see_no_results_after_publication_either(self):
        # The app has no results page for secretaries: results reach organizations as the
        # feedback letters staff hand out (meeting_letter_pdf, staff only).
        lines = self.crawl.published_secretary_leaks
        self.assertEqual(lines, [], "\n" + "\n".join(lines))


def has_entry(name: str) -> bool:
    return is_admin(name) or name in table.TABLE
