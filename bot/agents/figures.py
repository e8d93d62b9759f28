"""The managers' pages of the agent console: ``/agent/report`` (what ``spoc report`` prints)
and ``/agent/knowledge`` with its CSV download (what ``spoc kb stats`` and ``spoc kb
examples`` print).

The figures come from :mod:`bot.report` and :mod:`bot.kb_stats`, read through the running
service's own connections; this module only chooses the period and presents them. Questions
people asked are shown as stored (already masked), autoescaped in HTML and defused for
spreadsheets in the CSV.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from starlette.responses import Response

from bot.agents import auth
from bot.agents.auth import spoc_of
from bot.app import utc_now
from bot.kb_stats import read_helped, read_stats
from bot.report import read_report

DAYS = (7, 30, 90)
DEFAULT_DAYS = 30
EVERYTHING = "alla"  # the knowledge page's period for all feedback that is stored
PAGE_ROWS = 20
CSV_ROWS = 1000
CSV_NAME = "fragor-utan-artikel.csv"
# A cell starting with one of these is a formula to Excel, LibreOffice and Google Sheets
# (CSV injection): a leading apostrophe makes it text.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Page = Callable[..., HTMLResponse]


def create_router(page: Page) -> APIRouter:
    """The pages, rendered with the console's own ``page(template, status, **context)``."""
    router = APIRouter()

    @router.get("/report", response_class=HTMLResponse)
    async def report(request: Request, days: str = str(DEFAULT_DAYS)) -> Response:
        me = await auth.signed_in(request)
        if me is None:
            return auth.login_redirect(request)
        chosen = period(days)
        shown = {"me": me, "current": "report", "choices": DAYS}
        if chosen is None:
            return page("report.html", 400, selected=DEFAULT_DAYS, report=None, **shown)
        async with spoc_of(request).reads() as session:
            figures = await read_report(session, days=chosen, now=utc_now())
        return page("report.html", selected=chosen, report=figures, **shown)

    @router.get("/knowledge", response_class=HTMLResponse)
    async def knowledge(request: Request, days: str = str(DEFAULT_DAYS)) -> Response:
        me = await auth.signed_in(request)
        if me is None:
            return auth.login_redirect(request)
        shown = {
            "me": me,
            "current": "knowledge",
            "choices": DAYS,
            "everything": EVERYTHING,
            "csv_rows": CSV_ROWS,
        }
        chosen = knowledge_period(days)
        if chosen is None:
            return page("knowledge.html", 400, selected=str(DEFAULT_DAYS), stats=None, **shown)
        spoc, since = spoc_of(request), _since(chosen)
        async with spoc.reads() as session:
            stats = await read_stats(
                session, limit=PAGE_ROWS, knowledge=spoc.knowledge, since=since
            )
            listed = await read_helped(session, spoc.knowledge, limit=PAGE_ROWS, since=since)
        helped = _by_count(listed)
        return page("knowledge.html", selected=chosen, stats=stats, helped=helped, **shown)

    @router.get("/knowledge.csv")
    async def knowledge_csv(request: Request, days: str = str(DEFAULT_DAYS)) -> Response:
        if await auth.signed_in(request) is None:
            return auth.login_redirect(request)
        chosen = knowledge_period(days)
        if chosen is None:
            return Response(
                f"Välj en period: {', '.join(map(str, DAYS))} dagar eller {EVERYTHING}.",
                status_code=400,
                media_type="text/plain; charset=utf-8",
            )
        stats = await _stats(request, CSV_ROWS, chosen)
        return Response(
            unanswered_csv(stats["unanswered_queries"]),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{CSV_NAME}"'},
        )

    return router


async def _stats(request: Request, limit: int, chosen: str) -> dict[str, Any]:
    spoc = spoc_of(request)
    async with spoc.reads() as session:
        return await read_stats(
            session, limit=limit, knowledge=spoc.knowledge, since=_since(chosen)
        )


def _since(chosen: str) -> datetime | None:
    """The start of the chosen period, or None for everything stored."""
    return None if chosen == EVERYTHING else utc_now() - timedelta(days=int(chosen))


def _by_count(listed: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The questions a guide answered that are not yet among its examples, the most common
    first, as one list: (question, guide, language, count)."""
    rows = [
        {**item, "title": row["title"] or row["article_id"], "lang": row["lang"]}
        for row in listed
        for item in row["questions"]
    ]
    return sorted(rows, key=lambda row: -row["count"])[:PAGE_ROWS]


def period(days: str) -> int | None:
    """One of the offered periods, or None for anything else (text, negative, huge)."""
    value = days.strip()
    return int(value) if value in {str(choice) for choice in DAYS} else None


def knowledge_period(days: str) -> str | None:
    """The knowledge page's period as its form sends it ("30", or "alla" for everything
    stored), or None for anything else."""
    value = days.strip()
    return value if value == EVERYTHING or period(value) is not None else None


def spreadsheet_cell(text: str) -> str:
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def unanswered_csv(rows: Iterable[dict[str, Any]]) -> str:
    """Question and count per line, separated by semicolons as Swedish Excel expects (the
    comma is its decimal sign), quoted as RFC 4180 says, with a byte order mark so that Excel
    reads å, ä and ö as UTF-8."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";")
    writer.writerow(["Fråga", "Antal"])
    writer.writerows([spreadsheet_cell(str(row["query"])), row["count"]] for row in rows)
    return "\ufeff" + out.getvalue()


# Figures as Swedish readers write them; None (no data yet) stays None for the template.


def number(value: int) -> str:
    return f"{value:,}".replace(",", "\u00a0")


def share(value: float | None) -> str | None:
    return None if value is None else f"{value * 100:.0f}\u00a0%"


def decimal(value: float | None, digits: int = 2) -> str | None:
    return None if value is None else f"{value:.{digits}f}".replace(".", ",")


def duration(seconds: float | None) -> str | None:
    if seconds is None:
        return None
    if seconds < 60:
        return f"{max(0, round(seconds))}\u00a0s"
    minutes = round(seconds / 60)
    if minutes < 120:
        return f"{minutes}\u00a0min"
    if minutes < 48 * 60:
        return f"{minutes // 60}\u00a0h {minutes % 60}\u00a0min"
    return f"{minutes // (24 * 60)}\u00a0dygn {minutes % (24 * 60) // 60}\u00a0h"


FILTERS: dict[str, Callable[..., Any]] = {
    "number": number,
    "share": share,
    "decimal": decimal,
    "duration": duration,
}
