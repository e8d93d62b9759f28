"""The command line against a real database file: tickets and knowledge statistics."""

from __future__ import annotations

import asyncio
import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml

from bot.app import Spoc
from bot.cli import main
from bot.config import Settings
from bot.knowledge import KnowledgeBase
from bot.knowledge.memory import FILE_NAME
from bot.messages import ConversationRef, Inbound

STEPS = [
    # "fungerar inte" is turned down since the example memory: its nearest off-topic example
    # is "kaffemaskinen på plan 3 funkar inte igen" (see docs/benchmarks.md, round 15)
    ("text", "skrivaren på plan 3 skriver inte ut, bara jag, det kan vänta"),
    ("action", "incident:helped:no"),
    ("text", "sedan igår"),
    ("action", "incident:confirm"),
]


async def _report_incident_and_a_miss(settings: Settings) -> None:
    spoc = Spoc.build(settings)
    await spoc.start()
    try:
        ref = ConversationRef("terminal", "cli-test")
        for number, (kind, value) in enumerate(STEPS):
            await spoc.router.handle(
                Inbound(ref=ref, idempotency_key=f"k{number}", **{kind: value})
            )
        other = ConversationRef("terminal", "cli-test-2")
        await spoc.router.handle(Inbound(other, "m1", "Lönesystemet kraschar när jag attesterar"))
    finally:
        await spoc.close()


@pytest.fixture
def reported(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPOC_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    asyncio.run(_report_incident_and_a_miss(settings))
    return settings


def test_tickets_list_and_show_as_json(
    reported: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tickets", "list", "--json"]) == 0
    tickets = json.loads(capsys.readouterr().out)
    assert len(tickets) == 1
    assert tickets[0]["number"] == "INC0000001"
    assert tickets[0]["owner_group"] == "Servicedesk"
    assert main(["tickets", "show", "inc0000001", "--json"]) == 0
    detail = json.loads(capsys.readouterr().out)
    assert detail["events"][0]["kind"] == "opened"
    assert detail["priority"] == 5


def test_tickets_show_unknown_number_fails_clearly(
    reported: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["tickets", "show", "INC9999999"]) == 1
    assert "No ticket INC9999999" in capsys.readouterr().err


def test_tickets_list_as_text(reported: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["tickets", "list"]) == 0
    assert "INC0000001  P5" in capsys.readouterr().out


def test_kb_stats_lists_failed_articles_and_unanswered_questions(
    reported: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kb", "stats", "--json"]) == 0
    stats = json.loads(capsys.readouterr().out)
    [failing] = stats["failing_articles"]  # the printer article suggested, then "no"
    assert (failing["suggested"], failing["not_helped"], failing["failure_rate"]) == (1, 1, 1.0)
    assert failing["title"]  # named as the knowledge base names it
    # Shown as the person wrote it (masked), not in the folded form it is counted by.
    assert stats["unanswered_queries"] == [
        {"query": "Lönesystemet kraschar när jag attesterar", "count": 1}
    ]
    assert main(["kb", "stats"]) == 0
    text = capsys.readouterr().out
    assert f"(100%)  {failing['title']}" in text
    assert "   1  Lönesystemet kraschar när jag attesterar" in text


@pytest.mark.parametrize("days", ["0", "-3", "99999999", "abc", "1e3"])
def test_a_report_period_out_of_range_is_refused_clearly(
    days: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as ended:
        main(["report", "--days", days])
    assert ended.value.code == 2  # argparse's usage error, not a traceback
    assert "--days" in capsys.readouterr().err


def test_kb_stats_counts_only_the_last_days_when_asked(
    reported: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    database = reported.database_url.removeprefix("sqlite+aiosqlite:///")
    with sqlite3.connect(database) as connection:  # the miss happened three days ago
        connection.execute(
            "UPDATE events SET created_at = datetime(created_at, '-3 days')"
            " WHERE kind = 'kb_no_match'"
        )
    assert main(["kb", "stats", "--json", "--days", "2"]) == 0
    recent = json.loads(capsys.readouterr().out)
    assert recent["unanswered_queries"] == []
    assert len(recent["failing_articles"]) == 1  # the printer article, today
    assert main(["kb", "stats", "--json", "--days", "7"]) == 0
    week = json.loads(capsys.readouterr().out)
    assert [row["count"] for row in week["unanswered_queries"]] == [1]
    assert main(["kb", "stats", "--days", "7"]) == 0
    assert capsys.readouterr().out.startswith("Since ")
    assert main(["kb", "stats", "--json"]) == 0  # without --days: all that is stored
    assert json.loads(capsys.readouterr().out)["since"] is None


@pytest.mark.parametrize(
    "argv",
    [
        ["kb", "stats", "--days", "0"],
        ["kb", "stats", "--limit", "-5"],
        ["kb", "stats", "--limit", "many"],
        ["kb", "examples", "--days", "-1"],
        ["kb", "examples", "--limit", "0"],
        ["tickets", "list", "--limit", "0"],
        ["tickets", "list", "--limit", "10000000"],
    ],
)
def test_kb_stats_and_ticket_list_refuse_absurd_numbers_clearly(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as ended:
        main(argv)
    assert ended.value.code == 2
    assert argv[-2] in capsys.readouterr().err


# Not among the shipped examples (checked below), with a personal identity number in it.
ASKED = "Outlook kraschar för mig 19121212-1212 varje gång jag öppnar kalendern, tredje gången"


SHIPPED_KB = Path(__file__).resolve().parents[2] / "knowledge_base"


def _answered(path: Path) -> int:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    return sum(len(found) for section in data.values() for found in section["answered"].values())


async def _guides_answered(settings: Settings, answers: list[tuple[str, str]]) -> None:
    spoc = Spoc.build(settings)
    await spoc.start()
    try:
        for number, (text, answer) in enumerate(answers):
            ref = ConversationRef("terminal", f"guide-{number}")
            await spoc.router.handle(Inbound(ref, f"g{number}-1", text))
            await spoc.router.handle(
                Inbound(
                    ref=ref, idempotency_key=f"g{number}-2", action=f"incident:helped:{answer}"
                )
            )
    finally:
        await spoc.close()


@pytest.fixture
def answered(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    kb = tmp_path / "kb"
    shutil.copytree(SHIPPED_KB, kb)
    assert not KnowledgeBase.from_directory(kb).has_example("sv", "outlook-crash", ASKED)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("SPOC_DATABASE_URL", f"sqlite+aiosqlite:///{tmp_path / 'cli.db'}")
    monkeypatch.setenv("SPOC_KB_DIR", str(kb))
    settings = Settings(_env_file=None)  # type: ignore[call-arg]
    answers = [(ASKED, "yes"), (ASKED.lower(), "yes"), ("Outlook kraschar hela tiden", "no")]
    asyncio.run(_guides_answered(settings, answers))
    return kb


def test_questions_a_guide_answered_grow_its_examples(
    answered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["kb", "examples", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)  # not the one that did not help
    assert (row["lang"], row["article_id"], row["title"]) == (
        "sv",
        "outlook-crash",
        "Outlook kraschar eller startar inte",
    )
    # counted together however they were typed, masked, and never the identity number
    [question] = row["questions"]
    assert question["count"] == 2
    assert "kalendern, tredje gången" in question["query"]
    assert "1212" not in question["query"]
    header = (answered / FILE_NAME).read_text(encoding="utf-8").splitlines()[0]

    assert main(["kb", "examples", "--add"]) == 0
    assert "Added 1 question(s)" in capsys.readouterr().err
    written = (answered / FILE_NAME).read_text(encoding="utf-8")
    assert written.splitlines()[0] == header  # the file's own comment is kept
    assert question["query"] in written and "1212" not in written
    base = KnowledgeBase.from_directory(answered)
    assert base.has_example("sv", "outlook-crash", question["query"])
    assert not base.problems
    # the shipped examples are all still there, and one more
    assert _answered(answered / FILE_NAME) == _answered(SHIPPED_KB / FILE_NAME) + 1

    assert main(["kb", "examples"]) == 0
    assert capsys.readouterr().out.startswith("No new questions")
    assert main(["kb", "examples", "--add"]) == 0
    assert "Added 0 question(s)" in capsys.readouterr().err


def test_an_unreadable_examples_file_is_left_as_it_is(
    answered: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    broken = "sv: [this is: not, {valid\n"
    (answered / FILE_NAME).write_text(broken, encoding="utf-8")
    assert main(["kb", "examples", "--add"]) == 1
    assert "Nothing added" in capsys.readouterr().err
    assert (answered / FILE_NAME).read_text(encoding="utf-8") == broken
