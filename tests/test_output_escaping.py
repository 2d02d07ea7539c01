"""Every text a user can enter comes out as text: escaped in pages, fragments and JSON, literal
in PDFs, a string cell (never a formula) in Excel, neutralised in CSV, exact in the bundle.

One scenario puts a payload in every text field of every model of `appraisal` and `meetings`
(found by introspection: a new text field fails `test_every_text_field_has_a_plan` until it is
given a payload or a reason). Each payload carries a marker 标NN, so the crawl can tell that
each field really reached some output: a payload that never shows proves nothing.
"""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import zipfile
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import unquote

import pytest
from django.apps import apps
from django.contrib import admin
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse
from openpyxl import load_workbook

from appraisal.scheme_forms import GroupForm, IndicatorForm
from meetings.bundle import export_bundle, import_bundle
from tests.escaping_scenario import (
    CHOICES,
    MARKER,
    PLAN,
    RAW,
    SHOWN_NOWHERE,
    Scenario,
    Trap,
    build_scenario,
    publish,
    text_fields,
)
from tests.factories import (
    make_committee,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def trap():
    server = Trap()
    yield server
    server.close()


@pytest.fixture
def scenario(db, trap, settings, tmp_path):
    settings.PRIVATE_ROOT = tmp_path / "private"
    return build_scenario(trap.url)


# --- the URLs ---------------------------------------------------------------------------------


def url_names() -> list[tuple[str, list[str]]]:
    """Every named URL outside the admin, with the keyword arguments its pattern takes."""
    found = []

    def walk(patterns):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                if pattern.namespace == "admin":
                    continue
                walk(pattern.url_patterns)
            elif isinstance(pattern, URLPattern) and pattern.name:
                found.append((pattern.name, list(pattern.pattern.regex.groupindex)))

    walk(get_resolver().url_patterns)
    return sorted({(name, tuple(kw)) for name, kw in found})


def kwargs_for(name: str, keys, s: Scenario) -> dict:
    """The scenario's object for each argument; an argument not known here fails the test."""
    values = {}
    for key in keys:
        if key == "pk":
            if name.startswith("org_") or name == "secretary_create":
                values[key] = s.org.pk
            elif name == "secretary_edit":
                values[key] = s.secretary.pk
            elif name.startswith("scheme_"):
                values[key] = s.scheme.pk
            else:
                values[key] = s.meeting.pk
        elif key == "token":
            values[key] = {
                "evaluator": s.seat_token,
                "projector": s.projector_token,
                "commenter": s.commenter_token,
            }[name.split("_")[0]]
        else:
            values[key] = {
                "reporter_pk": s.reporter.pk,
                "comment_pk": s.comment.pk,
                "question_pk": s.question.pk,
                "item_pk": s.item.pk,
                "progress_pk": s.progress.pk,
                "seat_pk": s.seat.pk,
                "entry_pk": s.entry.pk,
                "link_pk": s.commenter_link.pk,
                "org": s.org.code,
                "action": "next",
            }[key]
    return values


def admin_urls(s: Scenario) -> list[str]:
    urls = []
    for model in admin.site._registry:
        info = (model._meta.app_label, model._meta.model_name)
        urls.append(reverse("admin:{}_{}_changelist".format(*info)))
        for pk in model.objects.order_by("pk").values_list("pk", flat=True)[:20]:
            urls.append(reverse("admin:{}_{}_change".format(*info), args=[pk]))
    return urls


# --- what an output may contain ---------------------------------------------------------------

JSON_SCRIPT = re.compile(r'<script[^>]*type="application/json"[^>]*>(.*?)</script>', re.S)


def html_problems(text: str) -> list[str]:
    """Raw markup in a page; json_script blocks may hold quotes but never a "<"."""
    problems = [f"'<' inside json_script: {b[:80]}" for b in JSON_SCRIPT.findall(text) if "<" in b]
    outside = JSON_SCRIPT.sub("", text)
    for raw in RAW:
        for match in raw.finditer(outside):
            problems.append(
                f"raw {raw.pattern!r}: …{outside[max(0, match.start() - 60) : match.end() + 20]}…"
            )
    return problems


def pdf_text(data: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"],
        input=data,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode()


def squeeze(text: str) -> str:
    return re.sub(r"\s+", "", text)


def by_marker(p: dict[str, str]) -> dict[str, tuple[str, str]]:
    return {MARKER.search(value).group(): (key, value) for key, value in p.items()}


@dataclass
class Findings:
    p: dict[str, str]
    problems: list[str] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)  # markers seen anywhere
    template_text_seen: bool = False
    kinds: Counter = field(default_factory=Counter)  # outputs checked, by kind
    shown_in: dict[str, set[str]] = field(default_factory=dict)  # url name → fields seen
    name: str = ""  # the URL name of the response being checked

    def note(self, where: str, text: str) -> None:
        found = set(MARKER.findall(text))
        self.seen |= found
        markers = by_marker(self.p)
        self.shown_in.setdefault(self.name, set()).update(markers[m][0] for m in found)
        self.template_text_seen |= "{{7*7}}" in text

    def check_html(self, where: str, text: str) -> None:
        self.note(where, text)
        self.problems += [f"{where}: {problem}" for problem in html_problems(text)]

    def check_json(self, where: str, response, body: bytes) -> None:
        if response.get("X-Content-Type-Options") != "nosniff":
            self.problems.append(f"{where}: JSON without nosniff")
        data = json.loads(body)
        self.note(where, json.dumps(data, ensure_ascii=False))

    def check_pdf(self, where: str, data: bytes) -> None:
        flat = squeeze(pdf_text(data))  # lines wrap anywhere, even inside a marker
        self.note(where, flat)
        markers = by_marker(self.p)
        for marker in set(MARKER.findall(flat)):
            key, value = markers[marker]
            if squeeze(value) not in flat:
                self.problems.append(f"{where}: {key} is not shown literally and whole")

    def check_xlsx(self, where: str, data: bytes) -> None:
        markers = by_marker(self.p)
        workbook = load_workbook(io.BytesIO(data))
        for sheet in workbook.worksheets:
            for row in sheet.iter_rows():
                for cell in row:
                    at = f"{where} {sheet.title}!{cell.coordinate}"
                    if cell.data_type == "f":
                        self.problems.append(f"{at}: a formula {cell.value!r}")
                    if not isinstance(cell.value, str):
                        continue
                    self.note(at, cell.value)
                    for marker in MARKER.findall(cell.value):
                        key, value = markers[marker]
                        if value not in cell.value:
                            self.problems.append(f"{at}: {key} lost text: {cell.value!r}")
                        if cell.data_type != "s":
                            self.problems.append(f"{at}: {key} is not a string cell")

    def check_response(self, name: str, where: str, response) -> None:
        kind = response.get("Content-Type", "").split(";")[0]
        self.name = name
        self.kinds[kind if response.status_code == 200 else response.status_code] += 1
        # A streamed response is closed by the test client once it is read to the end.
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if name in UPLOADS and response.status_code == 200:
            self.check_download(where, response)
        elif kind == "text/html":
            self.check_html(where, body.decode())
        elif kind == "application/json":
            self.check_json(where, response, body)
        elif kind == "application/pdf":
            self.check_pdf(where, body)
        elif kind == "application/zip":
            with zipfile.ZipFile(io.BytesIO(body)) as archive:
                for entry in archive.namelist():
                    self.check_pdf(f"{where}/{entry}", archive.read(entry))
        elif kind.endswith("spreadsheetml.sheet"):
            self.check_xlsx(where, body)
        elif kind == "text/csv":
            self.check_csv(where, body.decode("utf-8-sig"))
        elif response.status_code not in (301, 302, 304, 405) and body:
            self.problems.append(f"{where}: unexpected content type {kind!r}")

    def check_download(self, where: str, response) -> None:
        disposition = response.get("Content-Disposition", "")
        if (
            not disposition.startswith("attachment")
            or response.get("X-Content-Type-Options") != "nosniff"
        ):
            self.problems.append(f"{where}: an upload not served as a nosniff attachment")
        self.note(where, unquote(disposition))

    def check_csv(self, where: str, text: str) -> None:
        import csv

        markers = by_marker(self.p)
        for row in csv.reader(io.StringIO(text)):
            for cell in row:
                self.note(where, cell)
                for marker in MARKER.findall(cell):
                    key, value = markers[marker]
                    if cell != "'" + value:
                        self.problems.append(f"{where}: {key} is not neutralised: {cell!r}")


# Uploaded files, handed back as they came: only their headers are ours.
UPLOADS = {
    "report_download",
    "my_report_download",
    "item_evidence",
    "my_item_evidence",
    "evaluator_report",
}
# Downloads that take a while to make: fetched once, by staff, after publication.
HEAVY = {"meeting_report_pdf", "meeting_letters_zip", "meeting_letter_pdf", "meeting_export_xlsx"}


# What each export must carry, whole: a payload that vanished from it would not be caught above.
LETTER = (
    "appraisal.Committee.name",
    "appraisal.Organization.code",
    "appraisal.Organization.name",
    "meetings.Meeting.title",
    "meetings.Reporter.secretary_name",
    "meetings.Comment.author",
    "meetings.Comment.text",
    "meetings.RectificationItem.problem",
    "meetings.RectificationItem.measures",
    "meetings.RectificationItem.owner",
)
EXPECTED_IN = {
    "meeting_report_pdf": (
        *LETTER,
        "appraisal.Indicator.name",
        "appraisal.Scheme.name",
        "meetings.Meeting.venue",
    ),
    "meeting_letter_pdf": LETTER,
    "meeting_letters_zip": LETTER,
    "seat_cards": (
        "meetings.Meeting.title",
        "appraisal.EvaluatorGroup.name",
        "meetings.Seat.holder",
    ),
    "seat_links_csv": ("appraisal.EvaluatorGroup.name", "meetings.Seat.holder"),
    "meeting_export_xlsx": (
        "appraisal.Organization.code",
        "appraisal.Organization.name",
        "appraisal.Indicator.name",
        "meetings.Meeting.title",
        "meetings.Reporter.secretary_name",
        "meetings.Ballot.opinion",
        "meetings.RectificationItem.problem",
        "meetings.RectificationItem.measures",
        "meetings.RectificationItem.owner",
        "meetings.ItemProgress.note",
    ),
    "roster_export": (
        "appraisal.Organization.code",
        "appraisal.Organization.name",
        "appraisal.Secretary.name",
        "appraisal.Secretary.title",
        "appraisal.Secretary.phone",
    ),
    "items_excel_template": (
        "appraisal.Organization.name",
        "meetings.RectificationItem.problem",
        "meetings.ItemProgress.note",
    ),
    "my_items_excel_template": ("meetings.RectificationItem.problem",),
    "evaluator_state": (
        "appraisal.Organization.name",
        "meetings.Reporter.secretary_name",
        "meetings.DutyReport.achievements",
        "meetings.Ballot.opinion",
    ),
    "projector_state": ("appraisal.Organization.name", "meetings.Reporter.secretary_name"),
}


def crawl(s: Scenario, findings: Findings, clients: dict[str, Client], *, heavy: bool) -> int:
    count = 0
    for name, keys in url_names():
        url = reverse(name, kwargs=kwargs_for(name, keys, s))
        for actor, client in clients.items():
            if name in HEAVY and (not heavy or actor != "staff"):
                continue
            findings.check_response(name, f"{actor} GET {url}", client.get(url))
            count += 1
    return count


def client_for(user=None) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


# --- the tests --------------------------------------------------------------------------------


def test_every_text_field_has_a_plan():
    fields = text_fields()
    assert set(fields) - set(PLAN) == set(), "give each new text field a payload or a reason"
    assert set(PLAN) - set(fields) == set(), "the plan names fields that no longer exist"
    for key, kind in PLAN.items():
        if kind == CHOICES:
            assert fields[key].choices, key


def test_the_scenario_holds_a_payload_in_every_payload_field(scenario):
    for key, value in scenario.p.items():
        app, model_name, field_name = key.split(".")
        model = apps.get_model(app, model_name)
        assert model.objects.filter(**{field_name: value}).exists(), key
    assert any('"><img' in v for v in scenario.p.values())
    assert all(MARKER.search(v) for v in scenario.p.values())
    assert all(v.lstrip('"')[0] in "=+-@" for v in scenario.p.values())


def test_every_page_and_export_shows_each_payload_as_text(scenario, trap):
    s = scenario
    findings = Findings(s.p)
    clients = {
        "staff": client_for(s.staff),
        "superuser": client_for(s.superuser),
        "secretary": client_for(s.secretary_user),
        "anonymous": client_for(),  # the seat, projector and commenter links
    }
    count = crawl(s, findings, clients, heavy=False)
    publish(s)
    count += crawl(s, findings, clients, heavy=True)
    for url in admin_urls(s):
        findings.check_response("admin", f"superuser GET {url}", clients["superuser"].get(url))
        count += 1
    staff = clients["staff"]
    for name, data in (
        ("seat_links", {"scope": "all"}),
        ("seat_links", {"scope": "all", "csv": "on"}),
        ("seat_cards", {"scope": "all"}),
    ):
        url = reverse(name, kwargs={"pk": s.meeting.pk})
        label = "seat_links_csv" if "csv" in data else name
        findings.check_response(label, f"staff POST {url} {data}", staff.post(url, data))
        count += 1
    assert count > 300
    assert findings.problems == [], "\n".join(findings.problems)
    markers = by_marker(s.p)
    unseen = {markers[m][0] for m in set(markers) - findings.seen}
    assert unseen == set(SHOWN_NOWHERE)
    assert findings.template_text_seen, "{{7*7}} never shown: was it evaluated?"
    assert trap.requests == []
    for kind in ("application/pdf", "application/zip", "text/csv", "application/json"):
        assert findings.kinds[kind], f"no {kind} output was checked"
    assert findings.kinds["application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"] >= 5
    for name, keys in EXPECTED_IN.items():
        assert set(keys) <= findings.shown_in.get(name, set()), name


def test_the_bundle_gives_back_every_payload_exactly(scenario):
    s = scenario
    publish(s)
    response = client_for(s.staff).get(reverse("meeting_export_json", kwargs={"pk": s.meeting.pk}))
    assert response["Content-Type"].startswith("application/json")
    doc = json.loads(response.content)
    assert doc["meeting"]["title"] == s.p["meetings.Meeting.title"]
    assert doc["meeting"]["venue"] == s.p["meetings.Meeting.venue"]
    assert doc["comments"][0] == {
        "org": s.p["appraisal.Organization.code"],
        "author": s.p["meetings.Comment.author"],
        "text": s.p["meetings.Comment.text"],
    }
    copy = import_bundle(doc, make_committee(code="XC"))
    again = export_bundle(copy)
    assert again == doc
    assert copy.rectification_items.get().owner == s.p["meetings.RectificationItem.owner"]
    assert (
        copy.seats.get(holder=s.p["meetings.Seat.holder"]).group.name
        == (s.p["appraisal.EvaluatorGroup.name"])
    )


def test_a_pdf_fetches_nothing_outside_the_apps_static_files(trap, tmp_path):
    from weasyprint import HTML

    from meetings.exports.pdf import allowed_url, static_root, url_fetcher

    outside = tmp_path / "secret.css"
    outside.write_text("body { color: red }")
    html = (
        f'<link rel="stylesheet" href="{outside.as_uri()}">'
        f'<img src="{trap.url}"><p style="background: url({trap.url}2)">x</p>'
    )
    HTML(string=html, base_url=static_root().as_uri() + "/", url_fetcher=url_fetcher()).write_pdf()
    assert trap.requests == []
    HTML(string=html).write_pdf()  # WeasyPrint's own fetcher does ask: the trap catches it
    assert trap.requests
    assert not allowed_url(trap.url)
    assert not allowed_url(outside.as_uri())
    assert not allowed_url((static_root() / ".." / "appraisal" / "settings.py").as_uri())
    assert allowed_url((static_root() / "css" / "app.css").as_uri())


@pytest.mark.parametrize("form_class", [IndicatorForm, GroupForm])
@pytest.mark.parametrize("code", ['"><img', "<b>", "=1+1", "@SUM(A1)"])
def test_a_scheme_code_with_markup_or_a_formula_is_refused_with_a_message(form_class, code):
    form = form_class(data={"code": code, "name": "x", "max_points": "10", "weight": "1"})
    assert not form.is_valid()
    assert "A–Z" in str(form.errors["code"]) or "A-Z" in str(form.errors["code"])


# Our scripts put server data into the page as text only; the one HTML they write is the empty
# form row the server rendered (formset.js).
HTML_SINKS = re.compile(r"innerHTML|outerHTML|insertAdjacentHTML|document\.write|\.html\(")


def test_our_scripts_write_no_html_but_the_servers_empty_form_row():
    from django.conf import settings

    scripts = sorted((settings.BASE_DIR / "static" / "js").glob("*.js"))
    assert scripts
    sinks = [
        (path.name, line.strip())
        for path in scripts
        for line in path.read_text().splitlines()
        if HTML_SINKS.search(line)
    ]
    assert sinks == [
        ("formset.js", "var html = template.innerHTML.replace(/__prefix__/g, String(index));"),
        ("formset.js", 'body.insertAdjacentHTML("beforeend", html);'),
    ]


# Runs results.js in node with a stand-in page and ECharts, then calls every tooltip formatter
# with the page's own chart data: the HTML they return must carry names as text.
TOOLTIPS_JS = """
const fs = require("fs");
const [script, dataFile] = process.argv.slice(2);
const text = fs.readFileSync(dataFile, "utf8");
const charts = ["ranking", "grades", "dispersion", "profile", "votes", "history"];
const options = [];
global.window = {
  echarts: { init: () => ({ setOption: (o) => options.push(o), resize() {} }) },
  addEventListener() {},
};
global.document = {
  getElementById: () => ({ textContent: text }),
  querySelectorAll: () => charts.map((c) => ({ dataset: { chart: c }, style: {} })),
};
eval(fs.readFileSync(script, "utf8"));
const data = JSON.parse(text);
const out = [];
options.forEach((o, i) => {
  const f = o.tooltip && o.tooltip.formatter;
  if (typeof f !== "function") return;
  const rows = data[charts[i]] || [];
  rows.forEach((r, n) => {
    const p = { name: r.name, value: [1, 2], dataIndex: n, data: r };
    out.push(f(charts[i] === "history" ? [p] : p));
  });
});
console.log(JSON.stringify(out));
"""


def tooltips(data: dict, tmp_path) -> list[str]:
    from django.conf import settings

    (tmp_path / "data.json").write_text(json.dumps(data))
    (tmp_path / "run.js").write_text(TOOLTIPS_JS)
    script = settings.BASE_DIR / "static" / "js" / "results.js"
    done = subprocess.run(
        ["node", tmp_path / "run.js", script, tmp_path / "data.json"],
        capture_output=True,
        check=True,
    )
    return json.loads(done.stdout)


def chart_data(client, url: str) -> dict:
    page = client.get(url).content.decode()
    found = re.search(r'<script id="results-data" type="application/json">(.*?)</script>', page)
    return json.loads(found.group(1))


@pytest.mark.skipif(not shutil.which("node"), reason="node runs the chart script")
def test_chart_tooltips_show_names_and_titles_as_text(scenario, tmp_path):
    s = scenario
    publish(s)
    client = client_for(s.staff)
    kwargs = {"pk": s.meeting.pk, "reporter_pk": s.reporter.pk}
    shown = tooltips(chart_data(client, reverse("meeting_results", args=[s.meeting.pk])), tmp_path)
    shown += tooltips(
        chart_data(client, reverse("meeting_results_reporter", kwargs=kwargs)), tmp_path
    )
    joined = "\n".join(shown)
    assert "标" in joined, "no tooltip showed a payload: the test would prove nothing"
    assert html_problems(joined) == []
    assert "&#60;script&#62;" in joined
