"""The results page and its drill-down: every number comes from the shared export rows and
leads to the ballots behind it."""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.http import Http404
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from appraisal.permissions import staff_required
from meetings.exports import rows as export_rows
from meetings.exports.rows import BallotRow, RankingRow
from meetings.permissions import get_meeting_or_404, get_reporter_or_404
from meetings.results import meeting_results

# Sortable columns: key → (label, first direction); 1 = lowest first, -1 = highest first.
SORTS = {
    "rank": (_("Rank"), 1),
    "org": (_("Reporter"), 1),
    "indicators": (_("Indicator part"), -1),
    "grades": (_("Grade part"), -1),
    "daily": (_("Daily part"), -1),
    "composite": (_("Composite"), -1),
    "grade": (_("Grade"), 0),
    "good_rate": (_("Good rate"), -1),
    "bad_share": (_("差 share"), -1),
    "stdev": (_("Std. dev."), -1),
    "spread": (_("Max − min"), -1),
    "rank_change": (_("Since last year"), -1),
    "ballots": (_("Ballots"), 0),
    "flags": (_("Flags"), 0),
}
NUMERIC = {"indicators", "grades", "daily", "composite", "good_rate", "bad_share", "stdev"}
NUMERIC |= {"spread", "ballots", "rank_change"}

# Download buttons, each shown only once its URL name exists.
DOWNLOADS = (
    ("meeting_export_xlsx", _("Export Excel"), "bi-file-earmark-spreadsheet"),
    ("meeting_report_pdf", _("Leadership report PDF"), "bi-file-earmark-pdf"),
    ("meeting_letters_zip", _("Feedback letters (all, zip)"), "bi-file-earmark-zip"),
    ("meeting_export_json", _("Download the meeting bundle"), "bi-filetype-json"),
)


@dataclass(frozen=True)
class Line:
    """A ranking row with where its numbers lead and whether its ballots disagree most."""

    row: RankingRow
    url: str
    disputed: bool


@staff_required
def meeting_results_view(request, pk):
    meeting = get_meeting_or_404(request.user, pk)
    results = meeting_results(meeting)  # computed once; every builder below reuses it
    rows = export_rows.ranking_rows(meeting, results=results)
    sort = request.GET.get("sort", "rank")
    if sort.lstrip("-") not in SORTS or not SORTS[sort.lstrip("-")][1]:
        sort = "rank"
    urls = reporter_urls(meeting)
    disputed = disputed_codes(rows)
    lines = [Line(r, urls.get(r.org_code, ""), r.org_code in disputed) for r in rows]
    overview = export_rows.overview(meeting, results=results)
    columns = export_rows.indicator_columns(meeting)
    context = {
        "meeting": meeting,
        "overview": overview,
        "lines": sort_lines(lines, sort),
        "headers": sort_headers(sort),
        "sort": sort,
        "columns": columns,
        "indicator_lines": [
            (r, urls.get(r.org_code), [r.averages.get(c) for c, _n, _m in columns])
            for r in export_rows.indicator_rows(meeting, results=results)
        ],
        "careless": careless_lines(meeting, export_rows.careless_seats(meeting)),
        "movers": movers(rows),
        "downloads": download_links(meeting),
        "charts": results_charts(rows, overview),
    }
    return render(request, "meetings/meeting_results.html", context)


@staff_required
def reporter_results(request, pk, reporter_pk):
    meeting = get_meeting_or_404(request.user, pk)
    reporter = get_reporter_or_404(meeting, reporter_pk)
    if reporter.rehearsal:
        raise Http404
    code = reporter.organization.code
    results = meeting_results(meeting)
    row = next(r for r in export_rows.ranking_rows(meeting, results=results) if r.org_code == code)
    result = next(r.result for r in results if r.reporter.pk == reporter.pk)
    averages = next(
        r for r in export_rows.indicator_rows(meeting, results=results) if r.org_code == code
    )
    columns = export_rows.indicator_columns(meeting)
    ballots = [b for b in export_rows.ballot_rows(meeting) if b.org_code == code]
    history = export_rows.org_history(reporter.organization)
    context = {
        "meeting": meeting,
        "reporter": reporter,
        "row": row,
        "official": export_rows.overview(meeting, results=results).official,
        "profile": [(c, n, m, averages.averages.get(c)) for c, n, m in columns],
        "columns": columns,
        "groups": ballot_groups(meeting, result.groups, ballots, columns),
        "history": history,
        "charts": reporter_charts(row, columns, averages.averages, history),
    }
    return render(request, "meetings/results_reporter.html", context)


def result_sort_key(row: RankingRow, key: str):
    """The value a column sorts on (None sorts last whatever the direction)."""
    return row.org_name if key == "org" else getattr(row, key)


def sort_lines(lines: list[Line], sort: str) -> list[Line]:
    """Lines sorted by one column; ties keep the agenda order, rows without a value go last."""
    key = sort.lstrip("-")
    if sort == "rank":
        return lines  # the display order of the results: ranked first
    descending = (SORTS[key][1] == -1) != sort.startswith("-")
    by_order = sorted(lines, key=lambda line: line.row.order)
    present = [x for x in by_order if result_sort_key(x.row, key) is not None]
    missing = [x for x in by_order if result_sort_key(x.row, key) is None]
    present.sort(key=lambda x: result_sort_key(x.row, key), reverse=descending)
    return present + missing


def sort_headers(sort: str) -> list[dict]:
    """Column headers: a link that sorts by the column, or reverses the current sort."""
    active = sort.lstrip("-")
    headers = []
    for key, (label, first) in SORTS.items():
        header = {"key": key, "label": label, "num": key in NUMERIC, "href": "", "arrow": ""}
        if first:
            header["href"] = f"?sort={'' if sort.startswith('-') else '-'}{key}"
            if key != active:
                header["href"] = f"?sort={key}"
            else:
                descending = (first == -1) != sort.startswith("-")
                header["arrow"] = "▼" if descending else "▲"
        headers.append(header)
    return headers


def disputed_codes(rows: list[RankingRow]) -> set[str]:
    """Organizations whose ballot totals disagree most: the top quartile of standard deviation."""
    values = sorted((r.stdev for r in rows if r.stdev), reverse=True)
    if len(set(values)) < 2:
        return set()  # nothing stands out when every reporter's ballots disagree alike
    cut = values[math.ceil(len(values) / 4) - 1]
    return {r.org_code for r in rows if r.stdev and r.stdev >= cut}


def movers(rows: list[RankingRow], n: int = 3) -> dict[str, list[RankingRow]]:
    """Who moved up and down most since the committee's previous meeting."""
    changed = [r for r in rows if r.rank_change]
    up = sorted((r for r in changed if r.rank_change > 0), key=lambda r: (-r.rank_change, r.order))
    down = sorted((r for r in changed if r.rank_change < 0), key=lambda r: (r.rank_change, r.order))
    return {"up": up[:n], "down": down[:n]}


def reporter_urls(meeting) -> dict[str, str]:
    """Organization code → its drill-down page, for the meeting's real reporters."""
    pairs = meeting.reporters.real().values_list("organization__code", "pk")
    return {code: reverse("meeting_results_reporter", args=[meeting.pk, pk]) for code, pk in pairs}


def seat_holders(meeting) -> dict[str, str]:
    """Seat code → holder, for named meetings only: an anonymous meeting never shows holders."""
    if meeting.anonymous:
        return {}
    return {code: holder for code, holder in meeting.seats.values_list("code", "holder") if holder}


def download_links(meeting) -> list[tuple[str, str, str]]:
    """(label, url, icon) of every download whose view exists in this installation."""
    links = []
    for name, label, icon in DOWNLOADS:
        try:
            links.append((label, reverse(name, args=[meeting.pk]), icon))
        except NoReverseMatch:
            continue
    return links


@dataclass(frozen=True)
class BallotLine:
    """A ballot on the drill-down page; `dropped` is "high" or "low" for a trimmed total."""

    ballot: BallotRow
    holder: str
    dropped: str
    scores: tuple  # in the scheme's indicator order


def group_codes(meeting) -> dict[str, tuple[str, str]]:
    """Group code or name → (code, name): rows may carry either."""
    groups = list(meeting.scheme.groups.all())
    return {
        **{g.name: (g.code, g.name) for g in groups},
        **{g.code: (g.code, g.name) for g in groups},
    }


def careless_lines(meeting, seats) -> list[tuple]:
    """(careless seat, group name, holder): holders only for named meetings."""
    holders, groups = seat_holders(meeting), group_codes(meeting)
    return [(s, groups.get(s.group, ("", s.group))[1], holders.get(s.seat, "")) for s in seats]


def ballot_groups(meeting, details, ballots: list[BallotRow], columns) -> list[dict]:
    """Each evaluator group's share in one reporter's result, with its ballots, best first.

    In an anonymous meeting a group with fewer than SMALL_GROUP ballots for this reporter is
    `hidden`: its mean, grade votes and ballots would come too close to single persons."""
    holders, groups = seat_holders(meeting), group_codes(meeting)
    out = []
    for detail in details:
        size = max(len(detail.totals), sum(detail.grade_counts.values()))
        if meeting.anonymous and 0 < size < export_rows.SMALL_GROUP:
            name = groups.get(detail.code, ("", detail.code))[1]
            out.append({"detail": detail, "name": name, "lines": [], "hidden": True})
            continue
        mine = [b for b in ballots if groups.get(b.group, (b.group,))[0] == detail.code]
        mine.sort(key=lambda b: (b.total is None, -(b.total or 0), b.seat))
        scored = [b for b in mine if b.total is not None]
        high = scored[0].seat if detail.trimmed and scored else None
        low = scored[-1].seat if detail.trimmed and scored else None
        lines = [
            BallotLine(
                b,
                holders.get(b.seat, ""),
                dropped_mark(b.seat, high, low),
                tuple(b.scores.get(code) for code, _n, _m in columns),
            )
            for b in mine
        ]
        name = groups.get(detail.code, ("", detail.code))[1]
        kept = len(detail.totals) - 2 if detail.trimmed else len(detail.totals)
        out.append({"detail": detail, "name": name, "lines": lines, "kept": kept})
    return out


def dropped_mark(seat: str, high: str | None, low: str | None) -> str:
    return "high" if seat == high else "low" if seat == low else ""


def results_charts(rows: list[RankingRow], overview) -> dict:
    """Data for the page's charts: the ranking, the grade distribution and the dispersion."""
    ranked = [r for r in rows if r.composite is not None]
    return {
        "ranking": [{"name": r.org_name, "value": r.composite, "grade": r.grade} for r in ranked],
        "grades": [{"name": g, "value": n} for g, n in overview.grade_counts.items()],
        "dispersion": [
            {"name": r.org_name, "value": [r.composite, r.stdev]}
            for r in ranked
            if r.stdev is not None
        ],
        "labels": {
            "composite": str(_("Composite")),
            "reporters": str(_("Reporters")),
            "stdev": str(_("Std. dev.")),
        },
    }


def reporter_charts(row: RankingRow, columns, averages, history) -> dict:
    """Data for a reporter's charts: indicator profile, grade votes and earlier meetings."""
    return {
        "profile": [
            {"name": name, "max": points, "value": averages.get(code)}
            for code, name, points in columns
        ],
        "votes": [{"name": g, "value": n} for g, n in row.grade_counts.items()],
        "history": [
            {"year": year, "title": title, "rank": rank, "grade": grade, "composite": composite}
            for year, title, rank, grade, composite in history
        ],
        "labels": {
            "average": str(_("Average score")),
            "votes": str(_("Votes")),
            "composite": str(_("Composite")),
            "rank": str(_("Rank")),
        },
    }
