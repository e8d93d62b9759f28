"""A real uvicorn server on an ephemeral port, run in a thread for one test."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Coroutine, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

import uvicorn
from fastapi import FastAPI

STARTUP_TIMEOUT = 30.0
T = TypeVar("T")


@dataclass(frozen=True)
class LiveServer:
    app: FastAPI
    url: str
    loop: asyncio.AbstractEventLoop

    def call(self, coroutine: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        """Run a coroutine on the server's own event loop (where its engine lives)."""
        return asyncio.run_coroutine_threadsafe(coroutine, self.loop).result(timeout)


@contextlib.contextmanager
def serve(app: FastAPI) -> Iterator[LiveServer]:
    config = uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on")
    server = uvicorn.Server(config)
    started = threading.Event()
    loops: list[asyncio.AbstractEventLoop] = []

    def run() -> None:
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        loops.append(loop)

        async def main() -> None:
            task = asyncio.create_task(server.serve())
            while not server.started and not task.done():  # noqa: ASYNC110 - uvicorn sets a bool
                await asyncio.sleep(0.01)
            started.set()
            await task

        loop.run_until_complete(main())
        # Library background tasks (sse-starlette's shutdown watcher) outlive the server;
        # end them so the loop closes cleanly.
        leftovers = asyncio.all_tasks(loop)
        for task in leftovers:
            task.cancel()
        loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
        loop.close()

    thread = threading.Thread(target=run, name="uvicorn", daemon=True)
    thread.start()
    if not started.wait(STARTUP_TIMEOUT) or not server.started:
        raise RuntimeError("uvicorn did not start")
    port = server.servers[0].sockets[0].getsockname()[1]
    try:
        yield LiveServer(app, f"http://127.0.0.1:{port}", loops[0])
    finally:
        server.should_exit = True
        thread.join(STARTUP_TIMEOUT)
