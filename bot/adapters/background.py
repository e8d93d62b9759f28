"""Work an adapter does after it has answered the channel, kept track of.

Slack wants its acknowledgement within three seconds, so the turn runs after the answer. The
tasks are held here (an untracked task can be collected mid-flight) and waited for at
shutdown, so a restart finishes what was acknowledged instead of dropping it.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any

from bot import tasks

log = logging.getLogger(__name__)


class Background:
    def __init__(self, name: str) -> None:
        self._name = name
        self._tasks: set[asyncio.Task[None]] = set()

    def spawn(self, work: Coroutine[Any, Any, None], what: str) -> None:
        task = asyncio.get_running_loop().create_task(work, name=f"{self._name}:{what}")
        self._tasks.add(task)
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.error("%s failed", task.get_name(), exc_info=error)

    @property
    def pending(self) -> int:
        return len(self._tasks)

    async def join(self) -> None:
        """Until the work running now (and what it starts) is done."""
        while self._tasks:
            await asyncio.gather(*set(self._tasks), return_exceptions=True)

    async def wait(self, seconds: float) -> None:
        """Let running work finish (at shutdown); what is still running after ``seconds``
        is cancelled."""
        late = await tasks.finish(set(self._tasks), seconds)
        if late:
            log.warning("%s: %d tasks cancelled at shutdown", self._name, len(late))
