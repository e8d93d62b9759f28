"""``spoc chat`` in a terminal, taken over by an agent working in another process: the
agent's words reach the terminal between the person's turns, named."""

from __future__ import annotations

import asyncio
import contextlib
import os
import sys
from pathlib import Path

from bot.agents.accounts import create_agent
from bot.agents.takeover import Takeover
from bot.app import Spoc
from bot.config import Settings
from tests.support.agents import PASSWORD

ROOT = Path(__file__).resolve().parents[2]


async def read_until(stream: asyncio.StreamReader, text: str, seconds: float = 20) -> str:
    seen = ""
    async with asyncio.timeout(seconds):
        while text not in seen:
            chunk = await stream.read(4096)
            if not chunk:
                raise AssertionError(f"the terminal chat ended before {text!r}: {seen}")
            seen += chunk.decode()
    return seen


async def test_an_agent_answers_a_person_in_the_terminal(tmp_path: Path) -> None:
    url = f"sqlite+aiosqlite:///{tmp_path / 'terminal.db'}"
    env = {
        **os.environ,
        "SPOC_DATABASE_URL": url,
        "SPOC_DESK_OPEN_HOURS": "mon-sun 00:00-24:00",
        "SPOC_DESK_HOLIDAYS_OPEN": "true",
    }
    chat = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot.cli",
        "chat",
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        cwd=tmp_path,
        env={**env, "PYTHONPATH": str(ROOT)},
    )
    assert chat.stdin is not None and chat.stdout is not None
    settings = Settings(_env_file=None, database_url=url)  # type: ignore[call-arg]
    spoc = Spoc.build(settings)
    try:
        await read_until(chat.stdout, "du>")
        chat.stdin.write("jag vill prata med en människa\n".encode())
        await chat.stdin.drain()
        await read_until(chat.stdout, "nummer 1 i kön")

        await spoc.start()
        agent = await create_agent(
            spoc.sessions, username="kim", password=PASSWORD, display_name="Kim"
        )
        takeover = Takeover(
            sessions=spoc.sessions,
            reads=spoc.reads,
            services=spoc.router.services,
            outbox=spoc.outbox,
            wake=lambda _topic: None,
        )
        (row,) = await takeover.queue(agent)
        await takeover.claim(agent, row.conversation.id)
        await takeover.send(agent, row.conversation.id, "Hej, jag hjälper dig.")
        # No turn of the person's in between: the terminal's own outbox delivers it.
        await read_until(chat.stdout, "spoc> Kim: Hej, jag hjälper dig.")
    finally:
        with contextlib.suppress(ProcessLookupError):
            chat.stdin.close()
        async with asyncio.timeout(20):
            await chat.wait()
        await spoc.close()
