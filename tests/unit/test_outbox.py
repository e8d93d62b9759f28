"""Outbox delivery: once, in order per conversation, retried after failures."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select, update

from bot.app import Spoc
from bot.config import Settings
from bot.messages import ConversationRef, Inbound, Outbound, Reply
from bot.store.models import OutboxItem, utcnow


@pytest.fixture
async def spoc(settings: Settings) -> AsyncIterator[Spoc]:
    spoc = Spoc.build(settings)
    await spoc.start()
    yield spoc
    await spoc.close()


async def _make_due(spoc: Spoc) -> None:
    """Time passes: every waiting retry becomes due."""
    async with spoc.sessions() as session, session.begin():
        await session.execute(update(OutboxItem).values(next_attempt_at=utcnow()))


async def _statuses(spoc: Spoc) -> list[tuple[str, int]]:
    async with spoc.sessions() as session:
        rows = await session.execute(
            select(OutboxItem.status, OutboxItem.attempts).order_by(OutboxItem.id)
        )
        return [(status, attempts) for status, attempts in rows.all()]


async def test_failed_sends_are_retried_and_delivered_once_in_order(spoc: Spoc) -> None:
    delivered: list[int] = []
    failures = {"left": 2}

    async def flaky(_ref: ConversationRef, _conversation_id: int, reply: Reply) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionError("channel down")
        delivered.append(reply.id)

    spoc.outbox.register("test", flaky)
    ref = ConversationRef("test", "flaky")
    await spoc.router.handle(Inbound(ref, "1", "hej"))
    await spoc.router.post(ref, Outbound("En handläggare tittar på det", author="agent"))

    assert await spoc.outbox.drain() == 0  # first reply fails; the next one waits behind it
    assert delivered == []
    await _make_due(spoc)
    assert await spoc.outbox.drain() == 0
    await _make_due(spoc)
    assert await spoc.outbox.drain() == 2
    assert delivered == sorted(delivered) and len(delivered) == 2
    assert await spoc.outbox.drain() == 0  # nothing twice
    assert await _statuses(spoc) == [("sent", 2), ("sent", 0)]


async def test_a_reply_left_claimed_by_a_crash_is_sent_after_restart(spoc: Spoc) -> None:
    ref = ConversationRef("test", "crash")
    await spoc.router.handle(Inbound(ref, "1", "hej"))
    async with spoc.sessions() as session, session.begin():
        await session.execute(update(OutboxItem).values(status="sending"))
    sent: list[str] = []

    async def record(_ref: ConversationRef, _conversation_id: int, reply: Reply) -> None:
        sent.append(reply.text)

    spoc.outbox.register("test", record)
    assert await spoc.outbox.drain() == 0
    await spoc.outbox.recover()
    assert await spoc.outbox.drain() == 1
    assert len(sent) == 1


async def test_channels_without_a_sender_keep_their_replies_waiting(spoc: Spoc) -> None:
    await spoc.router.handle(Inbound(ConversationRef("nowhere", "x"), "1", "hej"))
    assert await spoc.outbox.drain() == 0
    assert await _statuses(spoc) == [("pending", 0)]
