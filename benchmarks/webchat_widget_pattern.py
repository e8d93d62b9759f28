"""The chat widget's real request pattern at 64 concurrent conversations, beside a bare JSON
echo on the same server in the same run.

Builds on ``webchat_load.py`` (same server start, same incident script, same echo baseline).
Where that benchmark sends bare turns, this one does what ``spoc-widget.js`` does:

- page load: the widget's script and stylesheet and ``GET /api/chat/config``;
- opening the panel: ``POST /api/chat/sessions``, then an event stream
  (``GET …/events?after=<id>``) held open for the whole conversation;
- each turn: ``POST …/messages`` with a ``client_message_id``, then ``GET …/messages?after=``
  for the stored (masked) copy of the message and the replies, in order.

A *widget turn* is that POST and GET together (the GET is skipped, as in the widget, when
the stream has already brought the turn's last reply): the time from pressing Enter until the
transcript is complete in the panel. *Stream lag* is the time from pressing Enter until the
turn's last reply has also arrived on the event stream. At the end every stream is checked
against the stored transcript: each message exactly once, in order.

    .venv/bin/python benchmarks/webchat_widget_pattern.py [--conversations 64] [--turns 40]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchmarks.webchat_load import (  # noqa: E402
    SCRIPT,
    free_port,
    run_echo,
    start_server,
    summary,
    wait_ready,
)

PAGE_ASSETS = ("/static/spoc-widget.js", "/static/spoc-widget.css", "/api/chat/config")


@dataclass
class Conversation:
    session_id: str
    token: str
    synced: int  # the last id the widget has from an ordered source (history or stream)
    start: int = 0  # the stream was opened after this id
    arrivals: dict[int, float] = field(default_factory=dict)
    streamed: list[int] = field(default_factory=list)
    lags: list[tuple[float, int]] = field(default_factory=list)  # (turn start, last reply id)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    fetches: int = 0  # turns that needed the history GET

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def path(self, tail: str) -> str:
        return f"/api/chat/sessions/{self.session_id}/{tail}"


async def listen(streams: httpx.AsyncClient, chat: Conversation) -> None:
    """The widget's event stream: records when each message id arrives."""
    async with streams.stream(
        "GET", chat.path("events"), params={"after": str(chat.synced)}, headers=chat.headers
    ) as response:
        response.raise_for_status()
        async for line in response.aiter_lines():
            if line.startswith("data:"):
                message_id = json.loads(line[5:])["id"]
                chat.streamed.append(message_id)
                chat.arrivals[message_id] = time.perf_counter()
                chat.arrived.set()


async def run_widget(url: str, workers: int, per_worker: int) -> dict[str, object]:
    turns: list[float] = []
    conversations: list[Conversation] = []
    limits = httpx.Limits(max_connections=workers * 2, max_keepalive_connections=workers * 2)
    timeout = httpx.Timeout(30, read=None)
    async with (
        httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as http,
        httpx.AsyncClient(base_url=url, limits=limits, timeout=timeout) as streams,
    ):

        async def worker() -> None:
            done = 0
            while done < per_worker:
                for asset in PAGE_ASSETS:
                    (await http.get(asset)).raise_for_status()
                created = (await http.post("/api/chat/sessions", json={"locale": "sv"})).json()
                greeted = created["messages"][-1]["id"]
                chat = Conversation(created["session_id"], created["token"], greeted, greeted)
                conversations.append(chat)
                listener = asyncio.create_task(listen(streams, chat))
                for body in SCRIPT[: per_worker - done]:
                    started = time.perf_counter()
                    sent = await http.post(
                        chat.path("messages"),
                        headers=chat.headers,
                        json={**body, "client_message_id": uuid.uuid4().hex},
                    )
                    sent.raise_for_status()
                    replies = [m["id"] for m in sent.json()["messages"]]
                    # As the widget: fetch unless the stream already brought the last reply.
                    if not replies or max(replies) not in chat.arrivals:
                        history = await http.get(
                            chat.path("messages"),
                            params={"after": str(chat.synced)},
                            headers=chat.headers,
                        )
                        history.raise_for_status()
                        stored = history.json()["messages"]
                        chat.synced = max([chat.synced, *(m["id"] for m in stored)])
                        chat.fetches += 1
                    else:
                        chat.synced = max(chat.synced, *replies)
                    turns.append(time.perf_counter() - started)
                    if replies:
                        chat.lags.append((started, max(replies)))
                    done += 1
                await settle(chat)
                listener.cancel()
                await asyncio.gather(listener, return_exceptions=True)

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(workers)))
        elapsed = time.perf_counter() - started
        problems = await check_streams(http, conversations)
    lags = [c.arrivals[i] - t for c in conversations for t, i in c.lags]
    return {
        "turn": summary("widget turn (POST[+GET])", turns, elapsed),
        "lag": summary("stream lag", lags, elapsed),
        "requests": (
            len(turns)
            + sum(c.fetches for c in conversations)
            + len(conversations) * (len(PAGE_ASSETS) + 2)
        )
        / elapsed,
        "fetched": sum(c.fetches for c in conversations) / max(1, len(turns)),
        "problems": problems,
    }


async def settle(chat: Conversation, seconds: float = 10.0) -> None:
    """Wait (bounded) for the stream to bring the last stored message of the conversation."""
    try:
        async with asyncio.timeout(seconds):
            while chat.synced not in chat.arrivals:
                chat.arrived.clear()
                await chat.arrived.wait()
    except TimeoutError:
        pass  # counted by check_streams as a lost message


async def check_streams(http: httpx.AsyncClient, conversations: list[Conversation]) -> int:
    """Messages lost, repeated or out of order on the streams, against the transcripts."""
    problems = 0
    for chat in conversations:
        history = (await http.get(chat.path("messages"), headers=chat.headers)).json()
        expected = [m["id"] for m in history["messages"] if m["id"] > chat.start]
        problems += chat.streamed != expected
    return problems


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--conversations", type=int, default=64)
    parser.add_argument("--turns", type=int, default=40, help="turns per conversation")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as workdir:
        port = free_port()
        server = start_server(Path(workdir), port)
        url = f"http://127.0.0.1:{port}"
        try:
            await wait_ready(url)
            await run_widget(url, 8, 8)  # warm-up: imports, caches, SQLite pages
            await run_echo(url, 8, 8)
            echo = await run_echo(url, args.conversations, args.turns)
            widget = await run_widget(url, args.conversations, args.turns)
        finally:
            server.terminate()
            server.wait(timeout=30)
    print(
        f"{args.conversations} concurrent conversations, {args.turns} turns each, "
        f"1 server process, SQLite, widget request pattern"
    )
    print(f"{'':<26}{'per s':>10}{'p50 ms':>10}{'p99 ms':>10}{'n':>8}")
    for row in (echo, widget["turn"], widget["lag"]):
        assert isinstance(row, dict)
        print(
            f"{row['name']:<26}{row['rps']:>10.0f}{row['p50']:>10.1f}{row['p99']:>10.1f}"
            f"{row['n']:>8}"
        )
    print(
        f"HTTP requests/s in the widget pattern (streams not counted): {widget['requests']:.0f};"
        f" turns that needed the history GET: {widget['fetched']:.0%}"
    )
    print(
        f"conversations whose stream lost, repeated or reordered a message: {widget['problems']}"
    )


if __name__ == "__main__":
    asyncio.run(main())
