"""`spoc report`: the service-desk manager's figures from real conversations."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import Spoc
from bot.cli import main
from bot.config import Settings
from bot.messages import ConversationRef, Inbound
from bot.report import render, summarize

TICKET = [
    # "fungerar inte" is turned down since the example memory (see tests/unit/test_cli.py)
    ("text", "skrivaren på plan 3 skriver inte ut, bara jag, det kan vänta"),
    ("action", "incident:helped:no"),
    ("text", "sedan igår"),
    ("action", "incident:confirm"),
    ("action", "feedback:rate:2"),
    ("text", "tog för lång tid, mitt personnummer är 19121212-1212"),
]
SOLVED = [
    ("text", "outlook kraschar hela tiden när jag öppnar kalendern"),
    ("action", "incident:helped:yes"),
    ("action", "feedback:rate:5"),
]
HUMAN = [("text", "jag vill prata med en människa")]


async def _conversations(settings: Settings) -> None:
    spoc = Spoc.build(settings)
    await spoc.start()
    try:
        for name, steps in (("ticket", TICKET), ("solved", SOLVED), ("human", HUMAN)):
            ref = ConversationRef("terminal", name)
            for number, (kind, value) in enumerate(steps):
                key = f"{name}-{number}"
                await spoc.router.handle(Inbound(ref=ref, idempotency_key=key, **{kind: value}))
    finally:
        await spoc.close()


@pytest.fixture
def conversations(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPOC_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'report.db'}")
    # The desk is open, whatever the time: asking for a person queues, it opens no ticket.
    monkeypatch.setenv("SPOC_DESK_OPEN_HOURS", "mon-sun 00:00-24:00")
    monkeypatch.setenv("SPOC_DESK_HOLIDAYS_OPEN", "true")
    asyncio.run(_conversations(Settings(_env_file=None)))  # type: ignore[call-arg]


@pytest.mark.usefixtures("conversations")
def test_report_counts_deflection_tickets_escalations_and_csat(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["report", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["conversations"] == 3 and report["by_channel"] == {"terminal": 3}
    assert report["articles_suggested_in"] == 2
    assert report["deflected"] == 1 and report["tickets"] == 1
    assert report["deflection_rate"] == 0.5
    assert report["by_priority"] == {"P5": 1}
    assert report["by_kind"] == {"incidents": 1, "requests": 0}
    assert report["time_to_ticket_seconds"]["median"] >= 0
    assert report["escalations"] == 1
    csat = report["csat"]
    assert (csat["answers"], csat["mean"], csat["satisfied_share"]) == (2, 3.5, 0.5)
    assert csat["by_rating"] == {"1": 0, "2": 1, "3": 0, "4": 0, "5": 1}
    (comment,) = csat["comments"]
    assert comment["rating"] == 2
    assert comment["text"] == "tog för lång tid, mitt personnummer är ******-****"  # masked
    assert report["case_questions"] == 0 and report["other_questions"] == 0

    assert main(["report"]) == 0
    text = capsys.readouterr().out
    assert "deflection rate 50 %" in text and "CSAT" in text and "P5 1" in text
    assert "incidents 1, requests 0; P5 1" in text
    assert "(1: 0, 2: 1, 3: 0, 4: 0, 5: 1)" in text
    assert "CSAT comments, the newest 1:" in text
    assert "  2  tog för lång tid, mitt personnummer är ******-****" in text
    assert "1212" not in text


def test_maybe_guides_count_offers_yeses_and_the_ones_that_helped() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    rows = [
        (1, "article_maybe_offered", {"article_id": "softphone"}, at),
        (1, "article_suggested", {"article_id": "softphone", "maybe": True}, at),
        (1, "article_helped", {"article_id": "softphone"}, at),
        (2, "article_maybe_offered", {"article_id": "outlook-crash"}, at),  # no, thanks
        (3, "article_maybe_offered", {"article_id": "vpn-slow"}, at),
        (3, "article_suggested", {"article_id": "vpn-slow", "maybe": True}, at),
        (4, "article_suggested", {"article_id": "vpn-connect"}, at),  # the search was sure
        (4, "article_helped", {"article_id": "vpn-connect"}, at),
    ]
    report = summarize(rows)
    assert report["maybe"] == {"offered": 3, "shown": 2, "helped": 1}
    assert report["deflected"] == 2 and report["articles_suggested_in"] == 3


def test_case_questions_count_conversations_not_messages() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    case = {"topic": "case"}
    rows = [
        (1, "out_of_scope", case, at),
        (1, "out_of_scope", case, at),  # asked twice in one conversation
        (2, "out_of_scope", case, at),
        (3, "out_of_scope", {"topic": "something else"}, at),
        (4, "out_of_scope", {"topic": "other"}, at),  # the heating: not IT at all
    ]
    assert summarize(rows)["case_questions"] == 2
    assert summarize(rows)["other_questions"] == 1


def test_approvals_count_how_requests_ended_and_how_long_a_yes_took() -> None:
    start = datetime(2026, 11, 2, 8, 0, tzinfo=UTC)
    rows = [
        (1, "request_opened", {"approval": "manager"}, start),
        (2, "request_opened", {"approval": "owner"}, start),
        (3, "request_opened", {"approval": "pre-approved"}, start),  # nobody is asked
        (4, "request_opened", {"approval": "manager"}, start),
        (5, "request_opened", {"approval": "manager"}, start),  # still waiting
        (1, "request_decided", {"outcome": "approved", "via": "chat"}, start + timedelta(hours=2)),
        (2, "approval_reminded", {"via": "email"}, start + timedelta(hours=24)),
        (2, "request_decided", {"outcome": "denied", "via": "email"}, start + timedelta(hours=30)),
        (4, "approval_reminded", {"via": "chat"}, start + timedelta(hours=24)),
        (4, "approval_expired", {"hours": 120}, start + timedelta(hours=120)),
    ]
    approvals = summarize(rows)["approvals"]
    assert approvals == {
        "asked": 4,
        "approved": 1,
        "denied": 1,
        "expired": 1,
        "reminders": 2,
        "time_to_decision_seconds": {"median": 16 * 3600.0, "p90": 30 * 3600.0},
    }
    text = render({"days": 30, "since": start.isoformat(), **summarize(rows)})
    assert "approvals asked           4   (approved 1, denied 1, expired to the desk 1;" in text
    assert "time to a decision   median 16.0 h, 90 % within 30.0 h" in text


def test_tickets_are_counted_as_incidents_and_requests() -> None:
    at = datetime(2026, 12, 1, tzinfo=UTC)
    rows = [
        (1, "ticket_opened", {"number": "INC0000001", "priority": 3}, at),
        (2, "ticket_opened", {"number": "REQ0000001", "priority": 4}, at),
        (3, "ticket_opened", {"number": "REQ0000002", "priority": 4}, at),
    ]
    report = summarize(rows)
    assert report["tickets"] == 3
    assert report["by_kind"] == {"incidents": 1, "requests": 2}
    assert report["by_priority"] == {"P3": 1, "P4": 2}
