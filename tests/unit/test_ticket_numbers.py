"""Ticket numbers: unique, never reused, and on PostgreSQL handed out without a lock."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.config import Settings
from bot.store import repo
from bot.store.db import create_engine, migrate, session_factory


@pytest.fixture
async def sessions(settings: Settings) -> AsyncIterator[async_sessionmaker[AsyncSession]]:
    engine = create_engine(settings.database_url, schema=settings.database_schema)
    await migrate(engine)
    try:
        yield session_factory(engine)
    finally:
        await engine.dispose()


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)])
async def test_turns_opening_tickets_at_once_do_not_wait_for_each_other(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as first, first.begin():
        opened_first = await repo.next_number(first, prefix="INC")
        # While the first turn is still open, a second one gets its number at once (a
        # counter row would make it wait for the first turn's commit: lock_timeout).
        async with sessions() as second, second.begin():
            await second.execute(text("SET LOCAL lock_timeout = '2s'"))
            opened_second = await repo.next_number(second, prefix="INC")
    assert opened_first != opened_second
    assert {opened_first, opened_second} == {"INC0000001", "INC0000002"}


async def test_a_number_whose_turn_rolled_back_is_never_used_again(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        kept = await repo.next_number(session, prefix="REQ")
    async with sessions() as session:
        await session.begin()
        await repo.next_number(session, prefix="REQ")
        await session.rollback()
    async with sessions() as session, session.begin():
        after = await repo.next_number(session, prefix="REQ")
    assert kept == "REQ0000001"
    # PostgreSQL skips the rolled-back number; SQLite's counter rolled back with it. Either
    # way no number that reached a ticket is handed out twice.
    assert after > kept
