"""Pushed messages on the Server-Sent Events stream, against a real uvicorn server (the ASGI
test transport buffers whole responses): live delivery, and resuming after a dropped
connection with nothing lost and nothing repeated."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx

from bot.messages import ConversationRef, Outbound
from tests.support.server import LiveServer

EVENT_TIMEOUT = 10.0


class Stream:
    """One open event stream: ``next()`` returns the next ``message`` event."""

    def __init__(self, lines: AsyncIterator[str]) -> None:
        self._lines = lines

    async def next(self) -> tuple[int, dict[str, Any]]:
        async with asyncio.timeout(EVENT_TIMEOUT):
            event_id, kind, data = None, "message", []
            async for line in self._lines:
                if line.startswith("id:"):
                    event_id = int(line[3:].strip())
                elif line.startswith("event:"):
                    kind = line[6:].strip()
                elif line.startswith("data:"):
                    data.append(line[5:].strip())
                elif line == "" and data:
                    if kind == "message" and event_id is not None:
                        return event_id, json.loads("\n".join(data))
                    event_id, kind, data = None, "message", []
        raise AssertionError("the stream ended")

    async def take(self, count: int) -> list[tuple[int, dict[str, Any]]]:
        return [await self.next() for _ in range(count)]


@asynccontextmanager
async def stream(
    http: httpx.AsyncClient,
    session: dict[str, Any],
    headers: dict[str, str] | None = None,
    params: dict[str, str] | None = None,
) -> AsyncIterator[Stream]:
    path = f"/api/chat/sessions/{session['session_id']}/events"
    auth = {"Authorization": f"Bearer {session['token']}", **(headers or {})}
    async with http.stream("GET", path, headers=auth, params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        yield Stream(response.aiter_lines())


def push(live_server: LiveServer, session_id: str, text: str) -> int:
    router = live_server.app.state.spoc.router
    reply = live_server.call(
        router.post(ConversationRef("webchat", session_id), Outbound(text, author="agent"))
    )
    return int(reply.id)


async def test_an_agent_message_arrives_on_the_open_stream(live_server: LiveServer) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=EVENT_TIMEOUT) as http:
        session = (await http.post("/api/chat/sessions", json={"locale": "sv"})).json()
        async with stream(http, session) as events:
            greeting_id, greeting = await events.next()
            assert greeting["author"] == "bot" and greeting_id == session["messages"][0]["id"]
            pushed = await asyncio.to_thread(push, live_server, session["session_id"], "Hej!")
            event_id, message = await events.next()
    assert event_id == pushed
    assert message == {"id": pushed, "author": "agent", "text": "Hej!", "buttons": []}


async def test_resuming_with_last_event_id_loses_nothing_and_repeats_nothing(
    live_server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=EVENT_TIMEOUT) as http:
        session = (await http.post("/api/chat/sessions", json={"locale": "sv"})).json()
        headers = {"Authorization": f"Bearer {session['token']}"}
        messages = f"/api/chat/sessions/{session['session_id']}/messages"
        async with stream(http, session) as events:
            seen = await events.take(1)
            await asyncio.to_thread(push, live_server, session["session_id"], "Första")
            seen += await events.take(1)
        # The connection is gone. Meanwhile an agent writes and the person takes a turn.
        await asyncio.to_thread(push, live_server, session["session_id"], "Andra")
        await http.post(messages, json={"text": "outlook kraschar"}, headers=headers)
        await asyncio.to_thread(push, live_server, session["session_id"], "Tredje")
        history = (await http.get(messages, headers=headers)).json()["messages"]
        missed = [m["id"] for m in history if m["id"] > seen[-1][0]]
        assert len(missed) >= 4  # Andra, the person's message, the bot's reply, Tredje

        last = {"Last-Event-ID": str(seen[-1][0])}
        async with stream(http, session, headers=last) as events:
            resumed = await events.take(len(missed))
            extra = await asyncio.to_thread(push, live_server, session["session_id"], "Fjärde")
            after = await events.next()
    assert [event_id for event_id, _ in resumed] == missed
    assert after[0] == extra  # nothing repeated before the next new message
    texts = [m["text"] for _, m in resumed]
    assert texts[0] == "Andra" and texts[-1] == "Tredje"


async def test_the_newer_of_after_and_last_event_id_wins(live_server: LiveServer) -> None:
    """A browser's EventSource reconnects to the same URL (with its old ``after``) and adds
    Last-Event-ID: the header is where it really is."""
    async with httpx.AsyncClient(base_url=live_server.url, timeout=EVENT_TIMEOUT) as http:
        session = (await http.post("/api/chat/sessions", json={"locale": "sv"})).json()
        first = await asyncio.to_thread(push, live_server, session["session_id"], "ett")
        second = await asyncio.to_thread(push, live_server, session["session_id"], "två")
        async with stream(
            http, session, headers={"Last-Event-ID": str(first)}, params={"after": "0"}
        ) as events:
            event_id, _ = await events.next()
    assert event_id == second


async def test_the_stream_accepts_the_token_as_a_query_parameter_for_eventsource(
    live_server: LiveServer,
) -> None:
    async with httpx.AsyncClient(base_url=live_server.url, timeout=EVENT_TIMEOUT) as http:
        session = (await http.post("/api/chat/sessions", json={"locale": "en"})).json()
        path = f"/api/chat/sessions/{session['session_id']}/events"
        async with http.stream("GET", path, params={"access_token": session["token"]}) as ok:
            assert ok.status_code == 200
            event_id, _ = await Stream(ok.aiter_lines()).next()
        assert event_id == session["messages"][0]["id"]
        wrong = await http.get(path, params={"access_token": "x" * 43})
        assert wrong.status_code == 404
        assert wrong.json()["error"]["code"] == "not_found"
