"""Wakes the event streams of a conversation when something new is in its transcript.

In-process only: each worker process wakes its own streams, and streams re-read the
transcript from the database, so a missed wake-up only delays a message, never loses it.
"""

from __future__ import annotations

import asyncio
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager


class Hub:
    def __init__(self) -> None:
        self._waiters: dict[int, set[asyncio.Event]] = defaultdict(set)

    @contextmanager
    def subscribe(self, conversation_id: int) -> Iterator[asyncio.Event]:
        event = asyncio.Event()
        self._waiters[conversation_id].add(event)
        try:
            yield event
        finally:
            waiters = self._waiters[conversation_id]
            waiters.discard(event)
            if not waiters:
                del self._waiters[conversation_id]

    def publish(self, conversation_id: int) -> None:
        for event in self._waiters.get(conversation_id, ()):
            event.set()
