"""The intended permission matrix: for every URL name, what each actor gets, per stage.

tests/test_permission_matrix.py walks the URL resolver, visits every URL as every actor in
every stage of a meeting and compares what happened with this table. A URL name that is in
the resolver but not here (or here but no longer in the resolver) fails the test: add it here.

Outcomes (the class of the response, not the exact code):

    ok      200, or a redirect that does not lead to a sign-in page (a 302 within the app)
    login   a redirect to the sign-in page (the site's, or the admin's for admin URLs)
    deny    403 or 404: an account that may not see or change this, or another's object
    gone    404 exactly: a link token that is unknown here, revoked or of another kind
    method  405: the view does not take this method (POST-only actions opened with GET)

GET is visited by every actor. POST is sent by every actor whose POST outcome is not "ok"
(with data that would change something if it were accepted), and the test checks that the
database did not change at all. "ok" POSTs are the permitted ones; other tests exercise them.

Actors (tests/test_permission_matrix.py builds them):

    anonymous     no session
    seat          a seat of this meeting, through its own token link (no session)
    seat_other    a seat of another committee's meeting, through its own token link
    seat_revoked  a seat of this meeting whose link was revoked, through that old token
    projector     this meeting's projector link (no session)
    secretary_a   the signed-in secretary of organization A, a reporter of this meeting
    secretary_b   the signed-in secretary of organization B, another reporter
    staff         staff of this meeting's committee
    staff_other   staff of another committee (not above this one)
    superuser     a superuser (no committee of their own)

Kwargs: `pk` is this meeting (or, on roster and scheme URLs, organization A, secretary A,
this meeting's scheme); `reporter_pk` reporter A; `item_pk` an item of organization A with
a progress note and an evidence file; `org` organization A's code. `token` is the
credential of a link URL: seat actors put their own seat token into every token URL, the
projector actor its projector token; every other actor holds the URL's own kind of token of
this meeting (a seat token for /s/, the projector token for /p/, a commenter token for
/c/), so that a session never adds to (nor takes from) what a token opens. A token link is
the whole credential by design (SCORING.md): whoever holds it is that seat.

Results before publication: nobody but staff sees them, the projector included: staff may
switch "results on the projector" on only once the meeting is published (meetings/live.py
RESULT_STAGES), and a flag set earlier shows nothing.

Left out of the walk: none of the project's URLs. Static files are served by WhiteNoise's
middleware, not by a URL pattern, so they are not in the resolver. The Django admin is in
the walk as one namespace rule (ADMIN below), visited in one stage only: its gate is
AdminSite.has_permission (an active account with is_staff), the same in every stage of a
meeting, and its per-model scoping for staff accounts is tested in tests/test_scope.py.
Unnamed admin patterns (its redirect to a change page and its catch-all) are Django's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field

OK, LOGIN, DENY, GONE, METHOD = "ok", "login", "deny", "gone", "method"
OUTCOMES = (OK, LOGIN, DENY, GONE, METHOD)

ACTORS = (
    "anonymous",
    "seat",
    "seat_other",
    "seat_revoked",
    "projector",
    "secretary_a",
    "secretary_b",
    "staff",
    "staff_other",
    "superuser",
)
STAGES = ("draft", "reports", "live", "closed", "published")
# Actors without any session: for account pages they are all anonymous visitors.
NO_SESSION = ("anonymous", "seat", "seat_other", "seat_revoked", "projector")
SECRETARIES = ("secretary_a", "secretary_b")
EDITORS = ("staff", "superuser")  # staff who may change this meeting


def row(default: str | None = None, **outcomes: str) -> dict[str, str]:
    """Outcome per actor: the named ones, the rest `default`."""
    unknown = set(outcomes) - set(ACTORS)
    assert not unknown, f"unknown actors {unknown}"
    return {actor: outcomes.get(actor, default) for actor in ACTORS}


def without_session(outcome: str) -> dict[str, str]:
    return dict.fromkeys(NO_SESSION, outcome)


# Account pages -------------------------------------------------------------------------------

# Staff pages of one meeting (or of one of its objects): staff of the committee, superusers.
STAFF_OF_MEETING = row(
    **without_session(LOGIN), secretary_a=DENY, secretary_b=DENY, staff=OK, staff_other=DENY,
    superuser=OK,
)  # fmt: skip
# Staff pages across the staff member's own committee (lists): every staff.
STAFF_ANY = {**STAFF_OF_MEETING, "staff_other": OK}
# New objects and the roster file go to the account's own committee: a superuser has none.
STAFF_OWN_COMMITTEE = {**STAFF_ANY, "superuser": DENY}
# POST-only staff actions: GET is 405 once the account is staff (the committee is checked after).
STAFF_POST_ONLY_GET = {**STAFF_OF_MEETING, "staff": METHOD, "staff_other": METHOD,
                       "superuser": METHOD}  # fmt: skip
# A secretary's own pages that name no object: every secretary in office.
SECRETARY_ANY = row(**without_session(LOGIN), secretary_a=OK, secretary_b=OK, staff=DENY,
                    staff_other=DENY, superuser=DENY)  # fmt: skip
# A secretary's page of reporter A or of an item of organization A: secretary A only.
SECRETARY_A = {**SECRETARY_ANY, "secretary_b": DENY}
SECRETARY_A_POST_ONLY_GET = {**SECRETARY_ANY, "secretary_a": METHOD, "secretary_b": METHOD}
# Any signed-in account.
SIGNED_IN = row(OK, **without_session(LOGIN))
EVERYONE = row(OK)

# Link pages ----------------------------------------------------------------------------------

# /s/<token>/: the seat's own link; seat_other opens its own meeting's page.
SEAT_LINK = row(OK, seat_revoked=GONE, projector=GONE)
# /s/<token>/reports/<org>/: organization A's report, only for seats of this meeting.
SEAT_REPORT = {**SEAT_LINK, "seat_other": GONE}
# /p/<token>/: the projector token; a seat token is no projector token.
PROJECTOR_LINK = row(OK, seat=GONE, seat_other=GONE, seat_revoked=GONE)
# /c/<token>/: a commenter token; seat and projector tokens are none.
COMMENTER_LINK = row(OK, seat=GONE, seat_other=GONE, seat_revoked=GONE, projector=GONE)
ALL_METHOD = row(METHOD)

# Stages in which changes stop (meetings/permissions_reports.py).
AFTER_SCORING = ("closed", "published")  # staff and commenters: comments, questions, reports
AFTER_REPORTS = ("live", "closed", "published")  # secretaries: the duty report


@dataclass(frozen=True)
class Entry:
    """What every actor gets from one URL name on GET and on POST, with stage exceptions.

    `post` None means: as for GET (a view that takes both). `stages` maps a stage to
    {"get": {actor: outcome}, "post": {actor: outcome}} that replace the defaults there."""

    get: dict[str, str]
    post: dict[str, str] | None = None
    stages: dict[str, dict[str, dict[str, str]]] = field(default_factory=dict)
    note: str = ""

    def expected(self, stage: str, method: str, actor: str) -> str:
        base = self.get if method == "get" or self.post is None else self.post
        override = self.stages.get(stage, {}).get(method, {})
        return override.get(actor, base[actor])


def after(stages, method: str = "post", **outcomes: str) -> dict:
    return {stage: {method: outcomes} for stage in stages}


def after_both(stages, **outcomes: str) -> dict:
    return {stage: {"get": outcomes, "post": outcomes} for stage in stages}


def post_only(post: dict[str, str], get: dict[str, str] = STAFF_POST_ONLY_GET, **kw) -> Entry:
    return Entry(get=get, post=post, **kw)


LOCKED_FOR_EDITORS = dict.fromkeys(EDITORS, DENY)

TABLE: dict[str, Entry] = {
    # Accounts and the start page
    "home": Entry(
        get=row(OK, **without_session(LOGIN)),
        note="signed-in accounts are sent on: staff to meetings, secretaries to their reports",
    ),
    "login": Entry(get=EVERYONE),
    "logout": Entry(get=ALL_METHOD, post=EVERYONE, note="Django 5: sign out by POST only"),
    "password_change": Entry(get=SIGNED_IN),
    "password_change_done": Entry(get=SIGNED_IN),
    "set_language": Entry(get=EVERYONE),
    # Roster (organization A, secretary A) and schemes (this meeting's scheme)
    "org_list": Entry(get=STAFF_ANY),
    "org_create": Entry(get=STAFF_OWN_COMMITTEE),
    "org_detail": Entry(get=STAFF_OF_MEETING),
    "org_edit": Entry(get=STAFF_OF_MEETING),
    "org_set_active": post_only(STAFF_OF_MEETING),
    "secretary_create": Entry(get=STAFF_OF_MEETING),
    "secretary_edit": Entry(get=STAFF_OF_MEETING),
    "roster_import": Entry(get=STAFF_OWN_COMMITTEE),
    "roster_template": Entry(get=STAFF_ANY),
    "roster_export": Entry(
        get=STAFF_OWN_COMMITTEE, note="staff_other gets its own committee's roster"
    ),
    "scheme_list": Entry(get=STAFF_ANY),
    "scheme_create": post_only(STAFF_ANY),
    "scheme_detail": Entry(get=STAFF_OF_MEETING),
    "scheme_edit": Entry(get=STAFF_OF_MEETING),
    "scheme_copy": post_only(STAFF_OF_MEETING),
    # Meetings: set-up, agenda, stage
    "meeting_list": Entry(get=STAFF_ANY),
    "meeting_create": Entry(get=STAFF_OWN_COMMITTEE),
    "meeting_detail": Entry(get=STAFF_OF_MEETING),
    "meeting_edit": Entry(get=STAFF_OF_MEETING),
    "reporter_add": post_only(STAFF_OF_MEETING),
    "reporter_daily": post_only(STAFF_OF_MEETING),
    "reporter_move": post_only(STAFF_OF_MEETING),
    "reporter_remove": post_only(STAFF_OF_MEETING),
    "meeting_advance": post_only(STAFF_OF_MEETING),
    # The audit trail
    "committee_audit": Entry(get=STAFF_ANY),
    "meeting_audit": Entry(get=STAFF_OF_MEETING),
    # Results and downloads: staff of the committee only, in every stage (staff may look
    # before publication; nobody else ever reaches them).
    "meeting_results": Entry(get=STAFF_OF_MEETING),
    "meeting_results_reporter": Entry(get=STAFF_OF_MEETING),
    "meeting_export_json": Entry(get=STAFF_OF_MEETING),
    "meeting_export_xlsx": Entry(get=STAFF_OF_MEETING),
    "meeting_report_pdf": Entry(get=STAFF_OF_MEETING),
    "meeting_letters_zip": Entry(get=STAFF_OF_MEETING),
    "meeting_letter_pdf": Entry(get=STAFF_OF_MEETING),
    # The control desk
    "desk": Entry(get=STAFF_OF_MEETING),
    "desk_panel": Entry(get=STAFF_OF_MEETING),
    "desk_time_limit": post_only(STAFF_OF_MEETING),
    "desk_projector_link": post_only(STAFF_OF_MEETING),
    "desk_action": post_only(STAFF_OF_MEETING),
    # Seats and their links
    "seat_list": Entry(get=STAFF_OF_MEETING),
    "seat_create": post_only(STAFF_OF_MEETING),
    "seat_links": post_only(STAFF_OF_MEETING),
    "seat_cards": post_only(STAFF_OF_MEETING),
    "seat_revoke": post_only(STAFF_OF_MEETING),
    "seat_remove": post_only(STAFF_OF_MEETING),
    # Duty reports, comments, questions (staff); changes stop once scoring is closed
    "report_list": Entry(get=STAFF_OF_MEETING),
    "report_edit": Entry(get=STAFF_OF_MEETING, stages=after(AFTER_SCORING, **LOCKED_FOR_EDITORS)),
    "report_download": Entry(get=STAFF_OF_MEETING),
    "report_self_items": post_only(STAFF_OF_MEETING),
    "secretary_account": Entry(get=STAFF_OF_MEETING),
    "comment_list": Entry(get=STAFF_OF_MEETING),
    "comment_add": post_only(STAFF_OF_MEETING, stages=after(AFTER_SCORING, **LOCKED_FOR_EDITORS)),
    "comment_edit": Entry(
        get=STAFF_OF_MEETING, stages=after_both(AFTER_SCORING, **LOCKED_FOR_EDITORS)
    ),
    "comment_delete": post_only(
        STAFF_OF_MEETING, stages=after(AFTER_SCORING, **LOCKED_FOR_EDITORS)
    ),
    "comment_problems": Entry(get=STAFF_OF_MEETING),
    "question_add": post_only(STAFF_OF_MEETING, stages=after(AFTER_SCORING, **LOCKED_FOR_EDITORS)),
    "question_edit": Entry(
        get=STAFF_OF_MEETING, stages=after_both(AFTER_SCORING, **LOCKED_FOR_EDITORS)
    ),
    "question_delete": post_only(
        STAFF_OF_MEETING, stages=after(AFTER_SCORING, **LOCKED_FOR_EDITORS)
    ),
    "reporter_opinions": Entry(get=STAFF_OF_MEETING),
    "commenter_links": Entry(get=STAFF_OF_MEETING),
    "commenter_link_revoke": post_only(STAFF_OF_MEETING),
    # Paper ballots and the practice round
    "paper_list": Entry(get=STAFF_OF_MEETING),
    "paper_new": Entry(get=STAFF_OF_MEETING),
    "paper_decide": Entry(get=STAFF_OF_MEETING),
    "rehearsal": Entry(get=STAFF_OF_MEETING),
    "rehearsal_purge": Entry(get=STAFF_OF_MEETING),
    # The rectification list (staff): an item of organization A
    "item_dashboard": Entry(get=STAFF_ANY),
    "item_create": Entry(get=STAFF_ANY),
    "items_excel": Entry(get=STAFF_ANY),
    "items_excel_template": Entry(get=STAFF_ANY, note="staff_other gets its own items"),
    "meeting_items": Entry(get=STAFF_OF_MEETING),
    "item_detail": Entry(get=STAFF_OF_MEETING),
    "item_edit": Entry(get=STAFF_OF_MEETING),
    "item_progress": post_only(STAFF_OF_MEETING),
    "item_done": post_only(STAFF_OF_MEETING),
    "item_close": post_only(STAFF_OF_MEETING),
    "item_send_back": post_only(STAFF_OF_MEETING),
    "item_link": post_only(STAFF_OF_MEETING),
    "item_evidence": Entry(get=STAFF_OF_MEETING),
    # The secretary's own pages: reporter A and organization A's item belong to secretary A
    "my_reports": Entry(get=SECRETARY_ANY),
    "my_report": Entry(
        get=SECRETARY_A,
        stages=after(AFTER_REPORTS, secretary_a=DENY),
        note="secretaries hand in the report while the meeting is prepared",
    ),
    "my_report_download": Entry(get=SECRETARY_A),
    "my_items": Entry(get=SECRETARY_ANY),
    "my_items_excel": Entry(get=SECRETARY_ANY),
    "my_items_excel_template": Entry(get=SECRETARY_ANY),
    "my_item": Entry(get=SECRETARY_A),
    "my_item_progress": post_only(SECRETARY_A, get=SECRETARY_A_POST_ONLY_GET),
    "my_item_done": post_only(SECRETARY_A, get=SECRETARY_A_POST_ONLY_GET),
    "my_item_evidence": Entry(get=SECRETARY_A),
    # Evaluators' links (SCORING.md): the token is the credential; no session is read
    "evaluator": Entry(get=SEAT_LINK, post=ALL_METHOD),
    "evaluator_state": Entry(get=SEAT_LINK, post=ALL_METHOD),
    "evaluator_ballot": Entry(
        get=ALL_METHOD,
        post=SEAT_LINK,
        note="a revoked or foreign token stores nothing; scoring rules are tested elsewhere",
    ),
    "evaluator_report": Entry(get=SEAT_REPORT, post=ALL_METHOD),
    # The projector: read-only
    "projector": Entry(get=PROJECTOR_LINK, post=ALL_METHOD),
    "projector_state": Entry(get=PROJECTOR_LINK, post=ALL_METHOD),
    # Commenting leaders' links: comments until scoring closes
    "commenter_home": Entry(get=COMMENTER_LINK),
    "commenter_reporter": Entry(
        get=COMMENTER_LINK,
        stages=after(
            AFTER_SCORING, **dict.fromkeys([a for a in ACTORS if COMMENTER_LINK[a] == OK], DENY)
        ),
    ),  # fmt: skip
    "commenter_comment_edit": Entry(
        get=COMMENTER_LINK,
        stages=after(
            AFTER_SCORING, **dict.fromkeys([a for a in ACTORS if COMMENTER_LINK[a] == OK], DENY)
        ),
    ),  # fmt: skip
}

# Building a PDF takes about a second: the permitted downloads of these are fetched in one
# stage only (their access rule does not depend on the stage); refusals in every stage.
# POSTs accepted without a CSRF token: the seat token in the URL is the whole credential and
# no cookie or session is read (meetings/views_evaluator.py), so a forged request carries
# nothing the forger does not already know. Every other accepted POST needs the token.
CSRF_EXEMPT = {"evaluator_ballot"}

HEAVY = {"meeting_report_pdf", "meeting_letters_zip", "meeting_letter_pdf"}
HEAVY_STAGE = "published"

# The Django admin: one rule for the whole namespace (see the module docstring). Only the
# superuser has is_staff among the actors; everyone else is sent to the admin's sign-in.
ADMIN_NAMESPACE = "admin"
ADMIN_STAGE = "live"
ADMIN = Entry(get=row(LOGIN, superuser=OK), post=row(LOGIN, superuser=OK))
ADMIN_EXCEPTIONS: dict[str, Entry] = {
    "admin:login": Entry(get=EVERYONE, post=EVERYONE),
    "admin:logout": Entry(
        get=row(OK, superuser=METHOD),
        post=EVERYONE,
        note="POST only (405); without admin access GET is sent to the admin index",
    ),
    "admin:autocomplete": Entry(
        get=row(LOGIN, superuser=DENY),
        post=row(LOGIN, superuser=METHOD),
        note="403 without its query parameters; GET only",
    ),
    "admin:meetings_ballot_add": Entry(
        get=row(LOGIN, superuser=DENY), note="ballots enter only through meetings/ballots.py"
    ),
    "admin:meetings_ballot_delete": Entry(
        get=row(LOGIN, superuser=DENY), note="ballots are never deleted in the admin"
    ),
    "admin:view_on_site": Entry(
        get=row(LOGIN, superuser=DENY), note="404: the sample object has no page on the site"
    ),
}


def expected(name: str, stage: str, method: str, actor: str) -> str:
    """The intended outcome of one request; KeyError for a URL name not in the table."""
    if name.startswith(ADMIN_NAMESPACE + ":"):
        return ADMIN_EXCEPTIONS.get(name, ADMIN).expected(stage, method, actor)
    return TABLE[name].expected(stage, method, actor)
