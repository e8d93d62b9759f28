"""Stopping background tasks for good.

On Python 3.11 a cancellation can be lost: ``asyncio.wait_for`` (used inside asyncpg,
SQLAlchemy and aiosmtplib) returns its result instead of raising when the awaited work
finishes in the same moment the task is cancelled. A worker loop that lost its cancellation
carries on, and the next ``asyncio.timeout`` around its idle wait even turns the pending
cancellation into a TimeoutError it suppresses, so a single ``cancel()`` followed by a wait
can wait forever (seen as a hang at shutdown, about one run in four of a test that sends
mail). So cancellation is repeated until the tasks have really ended.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable

RECANCEL_SECONDS = 0.5


async def stop(tasks: Iterable[asyncio.Task[object]]) -> None:
    """Cancel ``tasks`` and wait until every one has ended, cancelling again while any runs."""
    pending = {task for task in tasks if not task.done()}
    while pending:
        for task in pending:
            task.cancel()
        _, pending = await asyncio.wait(pending, timeout=RECANCEL_SECONDS)


async def finish(
    tasks: Iterable[asyncio.Task[object]], seconds: float
) -> set[asyncio.Task[object]]:
    """Let ``tasks`` run for up to ``seconds``, then stop those still running (at shutdown:
    finish what was started, but not forever); returns the ones that had to be stopped."""
    pending = {task for task in tasks if not task.done()}
    if not pending:
        return set()
    _, late = await asyncio.wait(pending, timeout=seconds)
    await stop(late)
    return late
