"""Wakes live streams when something they show has changed: a conversation's transcript (the
web chat's stream, the agent console's conversation view) or the agents' queue.

Topics are a conversation's id or :data:`QUEUE`. Within a process, whoever commits calls
:meth:`Hub.publish`. Across worker processes on PostgreSQL, the committing transaction also
sends a NOTIFY (``bot.store.agents.notify``) and each process's :class:`PgListener` turns it
into a publish on its own hub. Streams always re-read the database and also poll, so a
missed wake-up only delays a message, never loses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Hashable, Iterator
from contextlib import contextmanager
from typing import Any

from bot import tasks

log = logging.getLogger(__name__)

Topic = Hashable
QUEUE = "queue"
_CONVERSATION = "c:"
RECONNECT_SECONDS = 2.0


def payload_of(topic: Topic) -> str:
    """A topic as NOTIFY payload text."""
    return QUEUE if topic == QUEUE else f"{_CONVERSATION}{topic}"


def topic_of(payload: str) -> Topic | None:
    if payload == QUEUE:
        return QUEUE
    number = payload.removeprefix(_CONVERSATION)
    return int(number) if payload.startswith(_CONVERSATION) and number.isdigit() else None


class Hub:
    def __init__(self) -> None:
        self._waiters: dict[Topic, set[asyncio.Event]] = defaultdict(set)

    @contextmanager
    def subscribe(self, *topics: Topic) -> Iterator[asyncio.Event]:
        """One event, set when any of ``topics`` is published."""
        event = asyncio.Event()
        for topic in topics:
            self._waiters[topic].add(event)
        try:
            yield event
        finally:
            for topic in topics:
                waiters = self._waiters[topic]
                waiters.discard(event)
                if not waiters:
                    del self._waiters[topic]

    def publish(self, topic: Topic) -> None:
        for event in self._waiters.get(topic, ()):
            event.set()

    def publish_all(self) -> None:
        """Wake every stream (after a gap in which wake-ups may have been missed)."""
        for topic in list(self._waiters):
            self.publish(topic)


class PgListener:
    """LISTEN on the schema's channel with a connection of its own (asyncpg), publishing
    every notification on the hub; reconnects after a lost connection."""

    def __init__(self, dsn: str, channel: str, hub: Hub) -> None:
        self._dsn = dsn.replace("postgresql+asyncpg://", "postgresql://", 1)
        self._channel = channel
        self._hub = hub
        self._task: asyncio.Task[None] | None = None
        self.listening = asyncio.Event()

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="pg-listen")

    async def stop(self) -> None:
        if self._task is not None:
            await tasks.stop([self._task])

    def _notified(self, _connection: Any, _pid: int, _channel: str, payload: str) -> None:
        topic = topic_of(payload)
        if topic is not None:
            self._hub.publish(topic)

    async def _run(self) -> None:
        import asyncpg  # type: ignore[import-untyped]

        while True:
            lost = asyncio.Event()
            try:
                connection = await asyncpg.connect(self._dsn)
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("live updates: LISTEN connection failed (%s)", type(error).__name__)
                await asyncio.sleep(RECONNECT_SECONDS)
                continue
            try:
                connection.add_termination_listener(lambda _c, ended=lost: ended.set())
                await connection.add_listener(self._channel, self._notified)
                self.listening.set()
                # Streams may have missed something while the connection was down.
                self._hub.publish_all()
                await lost.wait()
                log.warning("live updates: LISTEN connection lost; reconnecting")
            finally:
                self.listening.clear()
                with contextlib.suppress(Exception):
                    await connection.close(timeout=2)
