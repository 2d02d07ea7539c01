"""The leadership report and the feedback letters (反馈意见书) as PDF.

Rows first (`meetings.exports.rows`), then HTML (templates/exports/), then WeasyPrint. Every
number and list comes from the row builders, so the PDF agrees with the pages and the Excel
workbook. Charts are plain SVG strings built here (no JavaScript), the same for the same rows.
"""

from __future__ import annotations

import io
import re
import zipfile
from collections import Counter
from dataclasses import dataclass
from decimal import Decimal
from html import escape
from pathlib import Path

from django.conf import settings
from django.template.loader import render_to_string
from django.utils.translation import gettext as _

from meetings.exports import rows as R
from meetings.models import ItemStatus, Meeting, Reporter
from meetings.results import meeting_results

# Named on <html>, in every @page margin box and in every SVG: without an explicit SC face
# Pango picks the Japanese glyph forms, and a generic fallback would pull in DejaVu.
FONT = "Noto Sans CJK SC"
GRADES = ("好", "较好", "一般", "差")
NO_GRADE = "无"
GRADE_COLOURS = {"好": "#2e7d32", "较好": "#1565c0", "一般": "#ef8f00", "差": "#c62828"}
OTHER_COLOUR = "#9e9e9e"
BARS_PER_CHART = 30  # one chart must fit on a page; longer rankings continue in a second one
# A fixed time for the zip entries, so the same letters always give the same zip bytes.
ZIP_TIME = (2000, 1, 1, 0, 0, 0)


# --- WeasyPrint plumbing --------------------------------------------------------------------


def static_root() -> Path:
    return Path(settings.BASE_DIR, "static").resolve()


def allowed_url(url: str) -> bool:
    """Only data: URLs and files under the app's own static folder may be fetched."""
    if url.startswith("data:"):
        return True
    if not url.startswith("file:"):
        return False
    from urllib.request import url2pathname

    path = Path(url2pathname(url.split("?")[0].removeprefix("file:"))).resolve()
    return path.is_relative_to(static_root())


def url_fetcher():
    """A WeasyPrint fetcher that refuses every URL `allowed_url` does not allow."""
    from weasyprint.urls import URLFetcher

    class StaticOnlyFetcher(URLFetcher):
        def fetch(self, url, headers=None):
            if not allowed_url(url):
                raise ValueError(f"URL not allowed in a PDF: {url[:80]}")
            return super().fetch(url, headers)

    return StaticOnlyFetcher(allowed_protocols={"data", "file"}, allow_redirects=False)


def render_pdf(template: str, context: dict, *, header: str) -> bytes:
    """Render a template of templates/exports/ to PDF bytes (no dates: same input, same bytes).

    `header` runs at the top of every page but the first."""
    from weasyprint import HTML

    context = {
        **context,
        "font": FONT,
        "header_content": css_string(header),
        "footer_content": counter_content(),
    }
    html = render_to_string(template, context)
    base_url = static_root().as_uri() + "/"
    return HTML(string=html, base_url=base_url, url_fetcher=url_fetcher()).write_pdf()


def css_string(text: str) -> str:
    """A CSS string literal that cannot end the string or the <style> element."""
    text = text.replace("\\", "\\\\").replace('"', '\\"').replace("<", "\\3c ")
    text = text.replace("\n", " ").replace("\r", " ")
    return f'"{text}"'


def counter_content() -> str:
    """CSS `content` for the footer: the translated "Page x of y" with page counters."""
    text = _("Page %(page)s of %(pages)s")
    parts = re.split(r"(%\(page\)s|%\(pages\)s)", text)
    counters = {"%(page)s": "counter(page)", "%(pages)s": "counter(pages)"}
    return " ".join(counters.get(part) or css_string(part) for part in parts if part)


# --- charts -----------------------------------------------------------------------------------


def shorten(text: str, length: int) -> str:
    return text if len(text) <= length else text[: length - 1] + "…"


def scale_max(values: list[Decimal]) -> Decimal:
    """The axis end: 100 for scores out of 100, else the next multiple of 10 above the top."""
    top = max(values, default=Decimal(0))
    if top <= 100:
        return Decimal(100)
    return Decimal((int(top) // 10 + 1) * 10)


def ranking_chart_svg(rows: list[R.RankingRow], axis_max: Decimal | None = None) -> str:
    """The composite scores as horizontal bars, one per reporter, coloured by grade."""
    axis_max = axis_max or scale_max([r.composite for r in rows if r.composite is not None])
    label_w, bar_w, row_h, top = 190, 400, 18, 6
    height = top + row_h * len(rows) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 660 {height}" '
        f'width="660" height="{height}" font-family="{FONT}" font-size="10">'
    ]
    for i, row in enumerate(rows):
        y = top + i * row_h
        rank = str(row.rank) if row.rank is not None else "—"
        name = escape(shorten(row.org_name, 14))
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 12}" text-anchor="end">{rank}. {name}</text>'
        )
        if row.composite is None:
            parts.append(f'<text x="{label_w + 4}" y="{y + 12}" fill="#666">—</text>')
            continue
        width = (row.composite / axis_max * bar_w).quantize(Decimal("0.1"))
        colour = GRADE_COLOURS.get(row.grade or "", OTHER_COLOUR)
        parts.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{width}" height="{row_h - 6}" '
            f'fill="{colour}"/>'
        )
        parts.append(f'<text x="{label_w + width + 4}" y="{y + 12}">{row.composite:.2f}</text>')
    parts.append(
        f'<line x1="{label_w}" y1="{top}" x2="{label_w}" y2="{height - 6}" stroke="#444" '
        'stroke-width="0.8"/></svg>'
    )
    return "".join(parts)


def ranking_charts(rows: list[R.RankingRow]) -> list[str]:
    """The ranking chart in pieces of BARS_PER_CHART bars, all on the same scale."""
    axis_max = scale_max([r.composite for r in rows if r.composite is not None])
    return [
        ranking_chart_svg(rows[start : start + BARS_PER_CHART], axis_max)
        for start in range(0, len(rows), BARS_PER_CHART)
    ]


def grade_chart_svg(counts: dict[str, int]) -> str:
    """How many reporters got each grade, as vertical bars with the number above each."""
    labels = list(GRADES) + ([NO_GRADE] if counts.get(NO_GRADE) else [])
    top = max([counts.get(g, 0) for g in labels] + [1])
    slot, bar, base, plot_h = 90, 50, 170, 140
    width = 40 + slot * len(labels)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} 200" '
        f'width="{width}" height="200" font-family="{FONT}" font-size="12">'
    ]
    for i, grade in enumerate(labels):
        n = counts.get(grade, 0)
        h = round(plot_h * n / top, 1)
        x = 40 + i * slot
        colour = GRADE_COLOURS.get(grade, OTHER_COLOUR)
        parts.append(
            f'<rect x="{x}" y="{base - h}" width="{bar}" height="{h}" fill="{colour}"/>'
            f'<text x="{x + bar / 2}" y="{base - h - 5}" text-anchor="middle">{n}</text>'
            f'<text x="{x + bar / 2}" y="{base + 18}" text-anchor="middle">{escape(grade)}</text>'
        )
    parts.append(
        f'<line x1="30" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#444" '
        'stroke-width="0.8"/></svg>'
    )
    return "".join(parts)


# --- what the documents say -------------------------------------------------------------------


def rank_change_label(row: R.RankingRow) -> str:
    """Since the committee's previous meeting: moved up, down, unchanged, or no earlier rank."""
    if row.rank_change is None:
        return "—"
    if row.rank_change > 0:
        return _("up %(n)d") % {"n": row.rank_change}
    if row.rank_change < 0:
        return _("down %(n)d") % {"n": -row.rank_change}
    return _("unchanged")


def status_label(status: str) -> str:
    """An item status as its label, whether the row carries the stored value or the label."""
    return ItemStatus(status).label if status in ItemStatus.values else status


@dataclass(frozen=True)
class ItemSummary:
    total: int
    by_status: list[tuple[str, int]]  # (label, count) in the order of the status list
    finished: int  # done or closed
    overdue: int
    came_back: int
    finished_rate: Decimal | None  # 4 dp, like the other rates
    by_org: list[tuple[str, str, int, int, int]]  # (code, name, items, finished, overdue)


def item_summary(items: list[R.ItemRow]) -> ItemSummary:
    """Counts of the rectification list: by status, finished, overdue, came back, per org."""
    labels = [str(label) for label in ItemStatus.labels]
    finished_labels = {str(ItemStatus.DONE.label), str(ItemStatus.CLOSED.label)}
    statuses = Counter(status_label(i.status) for i in items)
    order = labels + sorted(set(statuses) - set(labels))
    finished = sum(statuses[s] for s in finished_labels)
    by_org: dict[str, list] = {}
    for item in items:
        entry = by_org.setdefault(item.org_code, [item.org_code, item.org_name, 0, 0, 0])
        entry[2] += 1
        entry[3] += status_label(item.status) in finished_labels
        entry[4] += item.overdue
    rate = (Decimal(finished) / len(items)).quantize(Decimal("0.0001")) if items else None
    return ItemSummary(
        total=len(items),
        by_status=[(s, statuses[s]) for s in order if statuses[s] or s in labels],
        finished=finished,
        overdue=sum(i.overdue for i in items),
        came_back=sum(i.came_back for i in items),
        finished_rate=rate,
        by_org=[tuple(v) for v in by_org.values()],
    )


def department_line(meeting: Meeting) -> str:
    """The issuing department: "中共……组织部" in Chinese."""
    name = meeting.committee.name.removeprefix("中共")
    return _("Organization Department of the CPC %(committee)s") % {"committee": name}


def by_org(rows) -> dict[str, list]:
    grouped: dict[str, list] = {}
    for row in rows:
        grouped.setdefault(row.org_code, []).append(row)
    return grouped


def org_sections(
    meeting: Meeting, ranking: list[R.RankingRow], comments, items, results=None
) -> list[dict]:
    """One section per reporter: its result, indicator averages, comments and items."""
    columns = R.indicator_columns(meeting)
    averages = {row.org_code: row.averages for row in R.indicator_rows(meeting, results=results)}
    comments, items = by_org(comments), by_org(items)
    return [
        {
            "row": row,
            "change": rank_change_label(row),
            "averages": [
                (name, points, averages.get(row.org_code, {}).get(code))
                for code, name, points in columns
            ],
            "comments": comments.get(row.org_code, []),
            "items": items.get(row.org_code, []),
        }
        for row in ranking
    ]


# --- the documents ----------------------------------------------------------------------------


def leadership_report_pdf(meeting: Meeting) -> bytes:
    """The leadership report: cover, overview, ranking, charts, one section per reporter and
    the rectification summary; A4, Simplified Chinese, "第 x 页 / 共 y 页"."""
    results = meeting_results(meeting)  # computed once for every section of the report
    overview = R.overview(meeting, results=results)
    ranking = R.ranking_rows(meeting, results=results)
    items = R.item_rows(meeting)
    context = {
        "meeting": meeting,
        "overview": overview,
        "department": department_line(meeting),
        "ranking": ranking,
        "ranking_charts": ranking_charts(ranking),
        "grade_chart": grade_chart_svg(overview.grade_counts),
        "grade_counts": [(g, overview.grade_counts.get(g, 0)) for g in (*GRADES, NO_GRADE)],
        "sections": org_sections(meeting, ranking, R.comment_rows(meeting), items, results),
        "items": items,
        "summary": item_summary(items),
    }
    return render_pdf("exports/report.html", context, header=overview.title)


def feedback_letter_pdf(
    meeting: Meeting,
    reporter_row: R.RankingRow,
    *,
    comments: list[R.CommentRow] | None = None,
    items: list[R.ItemRow] | None = None,
    overview: R.Overview | None = None,
) -> bytes:
    """One organization's feedback letter: its result, the comments on it and its items.

    The keyword arguments let the zip build the meeting's rows once for all letters."""
    code = reporter_row.org_code
    comments = R.comment_rows(meeting) if comments is None else comments
    items = R.item_rows(meeting) if items is None else items
    context = {
        "meeting": meeting,
        "overview": overview or R.overview(meeting),
        "department": department_line(meeting),
        "row": reporter_row,
        "change": rank_change_label(reporter_row),
        "comments": [c for c in comments if c.org_code == code],
        "items": [i for i in items if i.org_code == code],
    }
    header = f"{context['overview'].title} · {_('Feedback letter')}"
    return render_pdf("exports/letter.html", context, header=header)


def letter_filename(row: R.RankingRow) -> str:
    """反馈意见书-<org code>-<org name>.pdf, with nothing a file system would refuse."""
    name = _("Feedback-%(code)s-%(name)s.pdf") % {"code": row.org_code, "name": row.org_name}
    return re.sub(r'[\\/:*?"<>|\x00-\x1f]', "_", name)


def feedback_letters_zip(meeting: Meeting) -> bytes:
    """All of a meeting's feedback letters in one zip (fixed times: same rows, same bytes)."""
    results = meeting_results(meeting)
    overview = R.overview(meeting, results=results)
    comments, items = R.comment_rows(meeting), R.item_rows(meeting)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for row in R.ranking_rows(meeting, results=results):
            pdf = feedback_letter_pdf(
                meeting, row, comments=comments, items=items, overview=overview
            )
            info = zipfile.ZipInfo(letter_filename(row), date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, pdf)
    return buffer.getvalue()


def ranking_row_for(meeting: Meeting, reporter: Reporter) -> R.RankingRow | None:
    """The ranking row of one reporter (None for a practice reporter: it has no result)."""
    code = reporter.organization.code
    return next((row for row in R.ranking_rows(meeting) if row.org_code == code), None)
