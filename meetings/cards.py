"""Seat links and printable QR cards: rows first (one dict per seat), then a CSV or a PDF."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Callable, Iterable

import segno
from django.db import transaction
from django.template.loader import render_to_string
from django.utils.translation import gettext

from meetings.models import EventAction, Meeting, MeetingEvent, Seat

CARDS_PER_PAGE = 8  # 2 × 4 on an A4 sheet
# Anonymous cards are printed in a random order, so no stack of cards follows a list of
# people; tests may replace this with a seeded `random.Random`.
shuffle_rng = secrets.SystemRandom()


def issue_links(
    meeting: Meeting, seats: Iterable[Seat], *, by, url_for: Callable[[str], str], note: str = ""
) -> list[dict]:
    """Issue a fresh link for each seat (earlier links stop working), log it once; card rows."""
    with transaction.atomic():
        rows = [card_row(meeting, seat, url_for(seat.issue_link())) for seat in seats]
        if rows:
            codes = ", ".join(row["code"] for row in rows)
            summary = gettext("%(n)d seat(s): %(codes)s") % {"n": len(rows), "codes": codes}
            MeetingEvent.record(
                meeting, EventAction.LINKS_ISSUED, by=by, note=f"{note} {summary}".strip()
            )
    return rows


def card_row(meeting: Meeting, seat: Seat, url: str) -> dict:
    """What a card or a line of the link list says about one seat; anonymous: no holder."""
    return {
        "code": seat.code,
        "group": seat.group.name,
        "holder": "" if meeting.anonymous else seat.holder,
        "organization": seat.organization.name if seat.organization_id else "",
        "url": url,
    }


def links_csv(meeting: Meeting, rows: list[dict]) -> str:
    """The link list as CSV (with a BOM so Excel reads the Chinese): seat, group, …, url."""
    buffer = io.StringIO()
    buffer.write("\ufeff")
    columns = ["code", "group", *([] if meeting.anonymous else ["holder"]), "organization", "url"]
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["seat" if c == "code" else c for c in columns])
    for row in rows:
        writer.writerow([csv_text(row[c]) for c in columns])
    return buffer.getvalue()


def csv_text(value: str) -> str:
    """A cell Excel shows as text: one starting with = + - @ (a formula) gets a leading '."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def print_order(meeting: Meeting, rows: list[dict]) -> list[dict]:
    """Named meetings keep seat order; anonymous ones are shuffled and never name a holder."""
    rows = [dict(row) for row in rows]
    if meeting.anonymous:
        shuffle_rng.shuffle(rows)
        for row in rows:
            row["holder"] = ""
    return rows


def qr_svg(url: str) -> str:
    """The link as an inline SVG QR code (vector, so it prints crisp at any size)."""
    return segno.make(url, error="m", micro=False).svg_inline(scale=1, border=2, omitsize=True)


def card_pages(rows: list[dict]) -> list[list[dict | None]]:
    """Cards in sheets of 8 (row by row, 2 across); the last sheet padded with blanks."""
    cards = [{**row, "qr": qr_svg(row["url"])} for row in rows]
    pages = []
    for start in range(0, len(cards), CARDS_PER_PAGE):
        sheet: list[dict | None] = cards[start : start + CARDS_PER_PAGE]
        pages.append(sheet + [None] * (CARDS_PER_PAGE - len(sheet)))
    return pages


def cards_pdf(meeting: Meeting, rows: list[dict]) -> bytes:
    """The QR cards as a PDF: 8 cards per A4 sheet with cutting lines."""
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html = render_to_string(
        "meetings/cards_pdf.html",
        {"meeting": meeting, "pages": card_pages(print_order(meeting, rows))},
    )
    # Everything is inline: the fetcher refuses any URL that is not a data: URL.
    fetcher = URLFetcher(allowed_protocols={"data"})
    return HTML(string=html, url_fetcher=fetcher).write_pdf()
