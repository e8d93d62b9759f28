"""Nothing lost, nothing twice: duplicate deliveries, concurrent turns, a killed process."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from pathlib import Path

import httpx

from bot.app import Spoc
from bot.config import Settings
from bot.messages import ConversationRef, Inbound
from bot.store import repo
from tests.conftest import ROOT

STARTUP_SECONDS = 60.0


@asynccontextmanager
async def two_workers(settings: Settings) -> AsyncIterator[tuple[Spoc, Spoc]]:
    """Two engines with their own pools stand in for two processes: only the database
    serialises what they do (row lock on PostgreSQL, writer lock on SQLite)."""
    first, second = Spoc.build(settings), Spoc.build(settings)
    await first.start()
    await second.start()
    try:
        yield first, second
    finally:
        await first.close()
        await second.close()


async def test_concurrent_duplicate_deliveries_are_processed_once(settings: Settings) -> None:
    spoc = Spoc.build(settings)
    await spoc.start()
    try:
        ref = ConversationRef("test", "dup")
        inbound = Inbound(ref=ref, idempotency_key="evt-1", text="skrivaren fungerar inte")
        results = await asyncio.gather(*(spoc.router.handle(inbound) for _ in range(5)))
        assert sum(not result.duplicate for result in results) == 1
        assert len({result.replies for result in results}) == 1
        async with spoc.sessions() as session:
            transcript = await repo.messages_after(
                session, conversation_id=results[0].conversation_id
            )
        assert [m.author for m in transcript].count("user") == 1
    finally:
        await spoc.close()


async def test_two_workers_keep_each_conversation_in_order(settings: Settings) -> None:
    async with two_workers(settings) as (first, second):
        for round_ in range(8):
            ref = ConversationRef("webchat", f"race-{round_}")
            started = await first.router.start_conversation(ref, locale="sv")
            await asyncio.gather(
                first.router.handle(Inbound(ref, f"a-{round_}", "outlook kraschar hela tiden")),
                second.router.handle(Inbound(ref, f"b-{round_}", "nej det hjälpte inte")),
            )
            async with first.sessions() as session:
                transcript = await repo.messages_after(
                    session, conversation_id=started.conversation_id
                )
                conversation = await repo.find_conversation(
                    session, channel=ref.channel, key=ref.key
                )
            authors = [m.author for m in transcript]
            # greeting, then each person message directly followed by its own replies
            assert authors[0] == "bot"
            user_positions = [i for i, author in enumerate(authors) if author == "user"]
            assert len(user_positions) == 2
            assert authors[user_positions[0] + 1] == "bot"
            assert user_positions[1] > user_positions[0] + 1
            assert all(a == "bot" for a in authors[user_positions[1] + 1 :])
            assert conversation is not None
            order = [transcript[i].text for i in user_positions]
            if order[0].startswith("outlook"):
                # The "no" was handled as the answer to the suggested article.
                assert conversation.step in {"since", "impact", "urgency", "confirm"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def spoc_process(settings: Settings, workdir: Path) -> Iterator[str]:
    port = _free_port()
    env = {
        **os.environ,
        "SPOC_DATABASE_URL": settings.database_url,
        "SPOC_DATABASE_SCHEMA": settings.database_schema or "",
        "SPOC_KB_DIR": str(settings.kb_dir),
        "SPOC_CATALOG_DIR": str(settings.catalog_dir),
        "PYTHONPATH": str(ROOT),
    }
    if not settings.database_schema:
        env.pop("SPOC_DATABASE_SCHEMA")
    process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
        [sys.executable, "-m", "bot.cli", "serve", "--port", str(port)],
        cwd=workdir,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise RuntimeError(process.stderr.read().decode() if process.stderr else "died")
            try:
                if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)  # waiting for another process to bind its port
        yield url
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGKILL)  # a crash, not a graceful stop
        process.wait(timeout=10)
        if process.stderr:
            process.stderr.close()


def test_a_killed_process_resumes_the_conversation_where_it_was(
    settings: Settings, tmp_path: Path
) -> None:
    with spoc_process(settings, tmp_path) as url:
        session = httpx.post(f"{url}/api/chat/sessions", json={"locale": "sv"}).json()
        headers = {"Authorization": f"Bearer {session['token']}"}
        messages = f"{url}/api/chat/sessions/{session['session_id']}/messages"
        first = httpx.post(
            messages, json={"text": "outlook kraschar när jag startar"}, headers=headers
        ).json()["messages"]
        assert any(b["action"] == "incident:helped:no" for m in first for b in m["buttons"])
    # The process was killed with SIGKILL. A new one takes over the same database.
    with spoc_process(settings, tmp_path) as url:
        messages = f"{url}/api/chat/sessions/{session['session_id']}/messages"
        second = httpx.post(
            messages, json={"action": "incident:helped:no"}, headers=headers
        ).json()["messages"]
        assert "Sedan när" in second[-1]["text"]
        history = httpx.get(messages, headers=headers).json()["messages"]
        assert [m["author"] for m in history].count("user") == 2


async def test_two_workers_given_the_same_delivery_process_it_once(settings: Settings) -> None:
    """A channel that redelivers (Slack retries after 3 s) may hand the copy to another
    process while the first is still working on it."""
    async with two_workers(settings) as (first, second):
        for round_ in range(6):
            ref = ConversationRef("test", f"redelivered-{round_}")
            inbound = Inbound(ref, f"evt-{round_}", "skrivaren fungerar inte")
            results = await asyncio.gather(
                first.router.handle(inbound), second.router.handle(inbound)
            )
            assert sorted(result.duplicate for result in results) == [False, True]
            assert results[0].replies == results[1].replies
            async with first.sessions() as session:
                transcript = await repo.messages_after(
                    session, conversation_id=results[0].conversation_id
                )
            assert [m.author for m in transcript].count("user") == 1


async def test_two_workers_opening_one_conversation_at_once_both_get_answers(
    settings: Settings,
) -> None:
    """The first two messages of a new chat (no session step, as in Slack or Telegram) reach
    two processes at the same moment: one opens the conversation, the other joins it."""
    async with two_workers(settings) as (first, second):
        for round_ in range(6):
            ref = ConversationRef("test", f"opened-twice-{round_}")
            results = await asyncio.gather(
                first.router.handle(Inbound(ref, f"a-{round_}", "hej")),
                second.router.handle(Inbound(ref, f"b-{round_}", "outlook kraschar")),
            )
            assert not any(result.duplicate for result in results)
            assert all(result.replies for result in results)
            assert results[0].conversation_id == results[1].conversation_id
            async with first.sessions() as session:
                transcript = await repo.messages_after(
                    session, conversation_id=results[0].conversation_id
                )
            texts = [m.text for m in transcript if m.author == "user"]
            assert sorted(texts) == ["hej", "outlook kraschar"]
            # Nobody got the apology for a failed turn.
            apology = first.router.services.replies.render("sv", "apology").text
            assert apology not in [m.text for m in transcript]
