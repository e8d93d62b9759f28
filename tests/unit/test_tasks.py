"""Background tasks stop at shutdown even when a cancellation was lost on the way."""

from __future__ import annotations

import asyncio
import contextlib

from bot import tasks


async def test_a_worker_that_lost_its_cancellation_still_stops() -> None:
    async def worker() -> None:
        """The shape of spoc's delivery loops, with the first cancellation swallowed the way
        Python 3.11's wait_for can lose one inside a library call."""
        swallowed = False
        while True:
            try:
                await asyncio.sleep(0.01)  # a delivery pass
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed = True  # lost: the task stays "cancelling" and carries on
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.05):
                    await asyncio.Event().wait()  # idle until woken or the poll is due

    task = asyncio.create_task(worker())
    await asyncio.sleep(0.005)
    task.cancel()  # what shutdown used to do: one cancellation, then wait
    await asyncio.sleep(0.2)
    assert not task.done()  # lost: the worker carries on

    await asyncio.wait_for(tasks.stop([task]), timeout=10)  # a guard, not a measurement
    assert task.cancelled()


async def test_stopping_finished_and_running_tasks_together() -> None:
    done = asyncio.create_task(asyncio.sleep(0))
    await done
    running = asyncio.create_task(asyncio.sleep(3600))
    await tasks.stop([done, running])
    assert running.cancelled()
    assert done.done() and not done.cancelled()


async def test_finishing_lets_quick_work_end_and_stops_the_rest() -> None:
    quick = asyncio.create_task(asyncio.sleep(0.01, result="done"))
    slow = asyncio.create_task(asyncio.sleep(3600))
    stopped = await tasks.finish([quick, slow], seconds=0.5)
    assert stopped == {slow}
    assert slow.cancelled()
    assert quick.result() == "done"
