"""The scenario of tests/test_output_escaping.py: a payload in every text field.

What each text field of `appraisal` and `meetings` holds (PLAN, checked against the models by
introspection), the payloads with their markers 标NN, a local HTTP server that must never be
asked anything (Trap), and the meeting that holds them all (build_scenario).
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from django.apps import apps
from django.core.files.base import ContentFile
from django.db import models

from appraisal.models import Committee, SignInFailure
from meetings.models import (
    Comment,
    CommenterLink,
    DutyReport,
    EventAction,
    ItemEvent,
    ItemProgress,
    MeetingEvent,
    PaperEntry,
    ProblemSource,
    Question,
    RectificationItem,
    ScoringState,
    Stage,
)
from tests.factories import (
    make_ballot,
    make_meeting,
    make_org,
    make_reporter,
    make_scheme,
    make_seat,
    make_secretary,
    make_staff,
    make_user,
)

PDF_BYTES = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"

# --- what each text field holds ---------------------------------------------------------------

PAYLOAD = "payload"  # holds a payload in the scenario and must show up in some output
CHOICES = "choices"  # a fixed set of values: nobody types it
SYSTEM = "system"  # written by the application (hashes, receipts, storage names, actions)
REFUSED = "refused"  # a form refuses markup here: see test_a_scheme_code_with_markup_…

PLAN = {
    "appraisal.Committee.name": PAYLOAD,
    "appraisal.Committee.code": PAYLOAD,
    "appraisal.Organization.name": PAYLOAD,
    "appraisal.Organization.code": PAYLOAD,
    "appraisal.Organization.kind": CHOICES,
    "appraisal.Secretary.name": PAYLOAD,
    "appraisal.Secretary.title": PAYLOAD,
    "appraisal.Secretary.phone": PAYLOAD,
    "appraisal.Scheme.name": PAYLOAD,
    "appraisal.Scheme.description": PAYLOAD,
    "appraisal.Indicator.code": REFUSED,
    "appraisal.Indicator.name": PAYLOAD,
    "appraisal.EvaluatorGroup.code": REFUSED,
    "appraisal.EvaluatorGroup.name": PAYLOAD,
    "appraisal.SignInFailure.username": PAYLOAD,
    "meetings.Meeting.title": PAYLOAD,
    "meetings.Meeting.venue": PAYLOAD,
    "meetings.Meeting.stage": CHOICES,
    "meetings.Meeting.projector_token_hash": SYSTEM,
    "meetings.MeetingEvent.action": CHOICES,
    "meetings.MeetingEvent.from_stage": CHOICES,
    "meetings.MeetingEvent.to_stage": CHOICES,
    "meetings.MeetingEvent.note": PAYLOAD,
    "meetings.Reporter.secretary_name": PAYLOAD,
    "meetings.Reporter.scoring": CHOICES,
    "meetings.Seat.code": SYSTEM,  # group code (refused markup) + a running number
    "meetings.Seat.holder": PAYLOAD,
    "meetings.Seat.token_hash": SYSTEM,
    "meetings.Ballot.receipt": SYSTEM,
    "meetings.Ballot.grade": CHOICES,
    "meetings.Ballot.opinion": PAYLOAD,
    "meetings.BallotReceipt.receipt": SYSTEM,
    "meetings.DutyReport.file": SYSTEM,
    "meetings.DutyReport.file_name": PAYLOAD,
    "meetings.DutyReport.achievements": PAYLOAD,
    "meetings.DutyReport.problems": PAYLOAD,
    "meetings.DutyReport.causes": PAYLOAD,
    "meetings.DutyReport.plans": PAYLOAD,
    "meetings.DutyReport.self_examination": PAYLOAD,
    "meetings.CommenterLink.name": PAYLOAD,
    "meetings.CommenterLink.token_hash": SYSTEM,
    "meetings.Comment.author": PAYLOAD,
    "meetings.Comment.text": PAYLOAD,
    "meetings.Question.asker": PAYLOAD,
    "meetings.Question.question": PAYLOAD,
    "meetings.Question.answer": PAYLOAD,
    "meetings.RectificationItem.problem": PAYLOAD,
    "meetings.RectificationItem.source": CHOICES,
    "meetings.RectificationItem.measures": PAYLOAD,
    "meetings.RectificationItem.owner": PAYLOAD,
    "meetings.RectificationItem.status": CHOICES,
    "meetings.RectificationItem.owner_email": PAYLOAD,  # a quoted local part takes markup
    "meetings.ItemProgress.note": PAYLOAD,
    "meetings.ItemProgress.evidence": SYSTEM,
    "meetings.ItemProgress.evidence_name": PAYLOAD,
    "meetings.ItemEvent.action": SYSTEM,
    "meetings.ItemEvent.note": PAYLOAD,
    "meetings.ReminderSent.kind": CHOICES,
    "meetings.ReminderSent.to": SYSTEM,  # copied from owner_email, which refuses markup
    "meetings.PaperEntry.grade": CHOICES,
    "meetings.PaperEntry.opinion": PAYLOAD,
    "meetings.PaperEntry.decision": CHOICES,
}
# Payload fields that no page, export or admin screen shows, and why.
SHOWN_NOWHERE = {
    "appraisal.SignInFailure.username": "kept for the sign-in throttle only",
}


def text_fields() -> dict[str, models.Field]:
    found = {}
    for label in ("appraisal", "meetings"):
        for model in apps.get_app_config(label).get_models():
            for f in model._meta.get_fields():
                if isinstance(f, models.CharField | models.TextField | models.FileField):
                    found[f"{label}.{model.__name__}.{f.name}"] = f
    return found


# --- payloads ---------------------------------------------------------------------------------

FORMULAS = ('=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "=cmd|' /C calc'!A0")
HTML_PARTS = (
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "'onmouseover='x",
    "{{7*7}}",
)
SHORT_HTML = "<img src=x onerror=1>"
MARKER = re.compile(r"标\d\d")
# What must never reach a page unescaped.
RAW = (
    re.compile(r"<script>alert"),
    re.compile(r"<img[ /]src=x"),
    re.compile(r'"><img src=x'),  # the attribute-breaking payload
    re.compile(r"'onmouseover='"),
    re.compile(r'<img src="http'),
)


def make_payload(index: int, limit: int | None, fetch_url: str) -> str:
    """A formula start, the marker 标NN, then as much markup as the field's length allows."""
    marker = f"标{index:02d}"
    formula = FORMULAS[index % len(FORMULAS)]
    long = formula + marker + "".join(HTML_PARTS)
    if limit is None or limit >= 200:
        return f'{long}<img src="{fetch_url}">'
    for k in range(len(HTML_PARTS), 0, -1):
        text = formula + marker + "".join(HTML_PARTS[:k])
        if len(text) <= limit:
            return text
    for start in (formula, "+1+1", "=1"):
        text = start + marker + SHORT_HTML
        if len(text) <= limit:
            return text
    raise AssertionError(f"no payload fits in {limit} characters")


def make_payloads(fetch_url: str) -> dict[str, str]:
    fields = text_fields()
    keys = [key for key, kind in PLAN.items() if kind == PAYLOAD]
    return {
        key: email_payload(i)
        if isinstance(fields[key], models.EmailField)
        else make_payload(i, fields[key].max_length, fetch_url)
        for i, key in enumerate(keys, 1)
    }


def email_payload(index: int) -> str:
    """An address Django's validator takes: markup in a quoted local part, the marker in an
    internationalised domain (a quoted local part allows neither spaces nor CJK)."""
    return f'"=1+1<script>alert(1)</script>\\"><img/src=x/onerror=alert(1)>"@标{index:02d}.org'


# --- a server that must never be asked anything -----------------------------------------------


class Trap:
    """An HTTP server on 127.0.0.2 that records every request made to it."""

    def __init__(self):
        self.requests: list[str] = []
        trap = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (the name http.server calls)
                trap.requests.append(self.path)
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
        self.url = f"http://127.0.0.2:{self.server.server_address[1]}/x"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


# --- the scenario -----------------------------------------------------------------------------


@dataclass
class Scenario:
    p: dict[str, str]
    staff: object
    superuser: object
    secretary_user: object
    committee: object
    org: object
    secretary: object
    scheme: object
    meeting: object
    reporter: object
    seat: object
    seat_token: str
    projector_token: str
    commenter_token: str
    commenter_link: object
    comment: object
    question: object
    item: object
    progress: object
    entry: object


def cleaned(obj):
    """Saves an object after the model's own checks: payloads respect every length limit."""
    obj.full_clean()
    obj.save()
    return obj


def build_scenario(fetch_url: str) -> Scenario:
    p = make_payloads(fetch_url)
    committee = cleaned(
        Committee(code=p["appraisal.Committee.code"], name=p["appraisal.Committee.name"])
    )
    staff = make_staff(committee)
    superuser = make_user(is_superuser=True, is_staff=True)
    org = make_org(
        committee, code=p["appraisal.Organization.code"], name=p["appraisal.Organization.name"]
    )
    org.full_clean()
    other = make_org(committee, code="SQ02", name="第二社区党委")
    secretary_user = make_user()
    secretary = make_secretary(
        org,
        name=p["appraisal.Secretary.name"],
        title=p["appraisal.Secretary.title"],
        phone=p["appraisal.Secretary.phone"],
        user=secretary_user,
    )
    secretary.full_clean()
    scheme = make_scheme(
        committee,
        indicators=(("ZZ", p["appraisal.Indicator.name"], "40"), ("ZD", "组织建设", "60")),
        groups=(("LD", p["appraisal.EvaluatorGroup.name"], "0.5"), ("BM", "部门", "0.5")),
        name=p["appraisal.Scheme.name"],
        description=p["appraisal.Scheme.description"],
    )
    scheme.full_clean()
    meeting = make_meeting(
        committee,
        scheme,
        title=p["meetings.Meeting.title"],
        venue=p["meetings.Meeting.venue"],
        anonymous=False,
        date=date(2026, 1, 15),
    )
    meeting.full_clean()
    reporter = make_reporter(
        meeting, org, secretary=secretary, secretary_name=p["meetings.Reporter.secretary_name"]
    )
    reporter.daily = Decimal("90")
    cleaned(reporter)
    plain = make_reporter(meeting, other, daily=Decimal("85"))
    seat = make_seat(meeting, "LD", holder=p["meetings.Seat.holder"], organization=other)
    seat.full_clean()
    second_seat = make_seat(meeting, "BM", holder="李四")
    third_seat = make_seat(meeting, "BM", holder="王五")
    scores = {"ZZ": "36", "ZD": "55"}
    make_ballot(seat, reporter, scores, "好", opinion=p["meetings.Ballot.opinion"]).full_clean()
    make_ballot(second_seat, reporter, {"ZZ": "30", "ZD": "50"}, "较好")
    for s in (second_seat, third_seat):
        make_ballot(s, plain, {"ZZ": "32", "ZD": "52"}, "较好")
    entry = cleaned(
        PaperEntry(
            seat=third_seat,
            reporter=reporter,
            scores=scores,
            grade="好",
            opinion=p["meetings.PaperEntry.opinion"],
            entered_by=staff,
        )
    )
    report = DutyReport(
        reporter=reporter,
        file_name=p["meetings.DutyReport.file_name"],
        **{
            name: p[f"meetings.DutyReport.{name}"]
            for name in ("achievements", "problems", "causes", "plans", "self_examination")
        },
    )
    report.file.save("report.pdf", ContentFile(PDF_BYTES), save=False)
    cleaned(report)
    commenter_link, commenter_token = CommenterLink.issue(meeting, p["meetings.CommenterLink.name"])
    commenter_link.full_clean()
    comment = cleaned(
        Comment(
            reporter=reporter,
            author=p["meetings.Comment.author"],
            text=p["meetings.Comment.text"],
        )
    )
    question = cleaned(
        Question(
            reporter=reporter,
            asker=p["meetings.Question.asker"],
            question=p["meetings.Question.question"],
            answer=p["meetings.Question.answer"],
        )
    )
    item = cleaned(
        RectificationItem(
            organization=org,
            meeting=meeting,
            comment=comment,
            problem=p["meetings.RectificationItem.problem"],
            source=ProblemSource.COMMENT,
            measures=p["meetings.RectificationItem.measures"],
            owner=p["meetings.RectificationItem.owner"],
            owner_email=p["meetings.RectificationItem.owner_email"],
            deadline=date(2026, 6, 30),
        )
    )
    progress = ItemProgress(
        item=item,
        note=p["meetings.ItemProgress.note"],
        evidence_name=p["meetings.ItemProgress.evidence_name"],
        by=secretary_user,
        day=date(2026, 2, 1),
    )
    progress.evidence.save("evidence.pdf", ContentFile(PDF_BYTES), save=False)
    cleaned(progress)
    cleaned(ItemEvent(item=item, action="progress", note=p["meetings.ItemEvent.note"], by=staff))
    cleaned(SignInFailure(username=p["appraisal.SignInFailure.username"]))
    meeting.advance(Stage.REPORTS, by=staff)
    meeting.advance(Stage.LIVE, by=staff)
    note = p["meetings.MeetingEvent.note"]  # record() keeps 200 characters: the payload fits
    MeetingEvent.record(meeting, EventAction.COUNTDOWN, by=staff, note=note)
    meeting.set_scoring(ScoringState.OPEN, reporter=reporter, by=staff)
    meeting.current_reporter = reporter
    meeting.save(update_fields=["current_reporter"])
    return Scenario(
        p=p,
        staff=staff,
        superuser=superuser,
        secretary_user=secretary_user,
        committee=committee,
        org=org,
        secretary=secretary,
        scheme=scheme,
        meeting=meeting,
        reporter=reporter,
        seat=seat,
        seat_token=seat.issue_link(),
        projector_token=meeting.issue_projector_link(),
        commenter_token=commenter_token,
        commenter_link=commenter_link,
        comment=comment,
        question=question,
        item=item,
        progress=progress,
        entry=entry,
    )


def publish(s: Scenario) -> None:
    s.meeting.set_scoring(ScoringState.CLOSED, by=s.staff)
    s.meeting.advance(Stage.CLOSED, by=s.staff)
    s.meeting.advance(Stage.PUBLISHED, by=s.staff)
    s.meeting.results_shown = True
    s.meeting.save(update_fields=["results_shown"])
