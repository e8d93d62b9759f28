"""SQLite statements run on the event loop's thread, yet waiting for a lock never blocks it."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import text

from bot.store import db


async def test_a_write_waits_for_another_process_lock_without_blocking_the_loop(
    tmp_path: Path,
) -> None:
    path = tmp_path / "spoc.db"
    engine = db.create_engine(f"sqlite+aiosqlite:///{path}")
    try:
        async with engine.begin() as connection:
            await connection.execute(text("CREATE TABLE notes (body TEXT)"))
        # Another process (here: a plain sqlite3 connection) holds the write lock for 0.5 s.
        other = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        other.execute("BEGIN IMMEDIATE")
        other.execute("INSERT INTO notes VALUES ('theirs')")
        release = threading.Timer(0.5, lambda: other.execute("COMMIT"))
        release.start()

        ticks = 0

        async def ticker() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.01)
                ticks += 1

        beat = asyncio.create_task(ticker())
        started = time.monotonic()
        async with engine.begin() as connection:
            await connection.execute(text("INSERT INTO notes VALUES ('ours')"))
        waited = time.monotonic() - started
        beat.cancel()
        release.join()
        other.close()

        async with engine.connect() as connection:
            bodies = (await connection.execute(text("SELECT body FROM notes"))).scalars().all()
        assert bodies == ["theirs", "ours"]  # it waited for the lock and then wrote
        assert waited >= 0.4
        # The loop kept running while the write waited: about 50 ticks of 10 ms in 0.5 s.
        assert ticks >= 20
    finally:
        await engine.dispose()


async def test_errors_that_are_not_lock_waits_are_raised_at_once(tmp_path: Path) -> None:
    engine = db.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'spoc.db'}")
    try:
        with pytest.raises(Exception, match="no such table"):
            async with engine.connect() as connection:
                await connection.execute(text("SELECT * FROM missing"))
        async with engine.connect() as connection:  # the connection still works afterwards
            assert (await connection.execute(text("SELECT 41 + 1"))).scalar_one() == 42
    finally:
        await engine.dispose()
