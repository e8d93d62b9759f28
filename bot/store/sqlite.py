"""SQLite through aiosqlite's API, executed on the event loop's own thread.

aiosqlite runs every call on a worker thread: a statement through SQLAlchemy is four
hand-offs (open a cursor, execute, fetch, close), each a queue put, a thread wake-up and a
hand-back of the GIL. Measured on this project's 2-vCPU machine a hand-off costs about
30 microseconds of CPU and a statement on a local SQLite file about 8, and under 64
concurrent web chats the event loop spent most of its time handing the GIL back and forth
(docs/benchmarks.md). So this connection runs statements inline.

Blocking the loop is only acceptable for work that never waits. So the connection's busy
timeout is zero: a statement that would have to wait for another process's lock (in WAL mode
that is only a writer's ``BEGIN IMMEDIATE`` while another process writes) fails at once
without having done anything, and is then run again on a thread under the real busy timeout.
The connection is used by one task at a time (the pool hands it out), never by two threads
at once.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from functools import partial
from typing import Any

import aiosqlite
from sqlalchemy.engine import make_url

_BUSY, _LOCKED = sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED


def _had_to_wait(error: sqlite3.OperationalError) -> bool:
    return getattr(error, "sqlite_errorcode", 0) & 0xFF in (_BUSY, _LOCKED)


class _RunNow:
    """Stands in for aiosqlite's queue to its worker thread: runs the job at once. (SQLAlchemy's
    dialect puts its isolation-level change on that queue directly.)"""

    def put_nowait(self, job: tuple[asyncio.Future[Any] | None, Callable[[], Any]]) -> None:
        future, function = job
        try:
            result = function()
        except Exception as error:
            if future is None:
                raise
            future.set_exception(error)
        else:
            if future is not None:
                future.set_result(result)


class InlineConnection(aiosqlite.Connection):
    """An aiosqlite connection without its worker thread (see the module's docstring)."""

    def __init__(
        self,
        connector: Callable[[], sqlite3.Connection],
        iter_chunk_size: int,
        *,
        busy_timeout_ms: int,
    ) -> None:
        super().__init__(connector, iter_chunk_size)
        self._tx = _RunNow()  # type: ignore[assignment]
        self._busy_timeout_ms = busy_timeout_ms

    def __await__(self) -> Any:
        return self._open().__await__()

    async def _open(self) -> InlineConnection:
        if self._connection is None:
            self._connection = await asyncio.to_thread(self._connector)
            self._connection.execute("PRAGMA busy_timeout = 0")
        return self

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if not self._running or self._connection is None:
            raise ValueError("Connection closed")
        try:
            return fn(*args, **kwargs)
        except sqlite3.OperationalError as error:
            if not _had_to_wait(error):
                raise
        return await asyncio.to_thread(self._waiting, fn, *args, **kwargs)

    def _waiting(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """``fn`` on a worker thread, allowed to wait for a lock as long as the timeout."""
        connection = self._conn
        connection.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms}")
        try:
            return fn(*args, **kwargs)
        finally:
            connection.execute("PRAGMA busy_timeout = 0")

    def stop(self) -> None:  # no thread to stop
        self._running = False
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    async def close(self) -> None:
        self.stop()


def inline_connector(url: str, *, timeout: float) -> Callable[[], InlineConnection]:
    """``async_creator`` for ``create_async_engine``: the file and options SQLAlchemy's own
    aiosqlite dialect would use, with SQLite's busy timeout of ``timeout`` seconds."""
    parsed = make_url(url)
    args, options = parsed.get_dialect()().create_connect_args(parsed)
    options = {**options, "check_same_thread": False}

    def create() -> InlineConnection:
        return InlineConnection(
            partial(sqlite3.connect, *args, **options),
            iter_chunk_size=64,
            busy_timeout_ms=int(timeout * 1000),
        )

    return create
