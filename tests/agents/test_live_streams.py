"""The console's live streams over real HTTP, with two spoc servers (as two worker processes
would be) on one PostgreSQL database: what one worker commits reaches the other's streams
through LISTEN/NOTIFY, well before the streams' own fallback poll."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from bot.agents.accounts import create_agent
from bot.agents.streams import POLL_SECONDS
from bot.config import Settings
from bot.web.app import create_app
from tests.support.agents import PASSWORD
from tests.support.server import LiveServer, serve

# Well under the poll: an event this fast was woken by NOTIFY, not found by polling.
FASTER_THAN_POLL = POLL_SECONDS * 0.7

pytestmark = [
    pytest.mark.postgres,
    pytest.mark.parametrize("backend", ["postgres"], indirect=True),
]


@pytest.fixture
def workers(settings: Settings) -> Iterator[tuple[LiveServer, LiveServer]]:
    with serve(create_app(settings)) as first, serve(create_app(settings)) as second:
        yield first, second


class Events:
    def __init__(self, lines: AsyncIterator[str]) -> None:
        self._lines = lines

    async def next(self, kind: str, seconds: float) -> dict[str, Any]:
        """The next event of ``kind``, within ``seconds``."""
        async with asyncio.timeout(seconds):
            event, data = "message", []
            async for line in self._lines:
                if line.startswith("event:"):
                    event = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif line == "" and data:
                    if event == kind:
                        found: dict[str, Any] = json.loads("\n".join(data))
                        return found
                    event, data = "message", []
        raise AssertionError("the stream ended")


@asynccontextmanager
async def events(http: httpx.AsyncClient, path: str) -> AsyncIterator[Events]:
    async with http.stream("GET", path) as response:
        assert response.status_code == 200, await response.aread()
        yield Events(response.aiter_lines())


async def test_a_worker_streams_what_another_worker_committed(
    workers: tuple[LiveServer, LiveServer],
) -> None:
    first, second = workers
    second.call(
        create_agent(
            second.app.state.spoc.sessions, username="kim", password=PASSWORD, display_name="Kim"
        )
    )
    listener = second.app.state.live.listener
    second.call(asyncio.wait_for(listener.listening.wait(), 10))
    async with (
        httpx.AsyncClient(base_url=first.url) as citizen,
        httpx.AsyncClient(base_url=second.url) as agent,
    ):
        signed = await agent.post(
            "/api/agent/session", json={"username": "kim", "password": PASSWORD}
        )
        csrf = {"X-CSRF-Token": signed.json()["csrf_token"]}
        chat = (await citizen.post("/api/chat/sessions", json={})).json()
        bearer = {"Authorization": f"Bearer {chat['token']}"}
        say = f"/api/chat/sessions/{chat['session_id']}/messages"

        async with events(agent, "/api/agent/events") as queue:
            assert (await queue.next("queue", 10))["conversations"] == []
            await citizen.post(say, json={"text": "prata med en människa"}, headers=bearer)
            (item,) = (await queue.next("queue", FASTER_THAN_POLL))["conversations"]
            assert item["state"] == "waiting"

        conversation_id = item["conversation_id"]
        claimed = await agent.post(
            f"/api/agent/conversations/{conversation_id}/claim", headers=csrf
        )
        assert claimed.status_code == 200
        path = f"/api/agent/conversations/{conversation_id}/events"
        async with events(agent, path) as conversation:
            assert (await conversation.next("state", 10))["state"] == "agent"
            await citizen.post(say, json={"text": "Är du där?"}, headers=bearer)
            while (message := await conversation.next("message", FASTER_THAN_POLL))[
                "author"
            ] != "user" or message["text"] != "Är du där?":
                pass
            await agent.post(
                f"/api/agent/conversations/{conversation_id}/notes",
                json={"text": "Ringde upp"},
                headers=csrf,
            )
            assert (await conversation.next("note", FASTER_THAN_POLL))["text"] == "Ringde upp"
