"""Delivery of committed replies, after commit, by each channel's sender.

A reply is sent at most once by one worker (a row is claimed by compare-and-set, with a lease),
retried with back-off when the channel fails, and kept in order within its conversation: a
reply waits while an earlier one of its conversation is unsent. A sender raises
:class:`RetryLater` when the channel asks to wait (rate limits) and :class:`Undeliverable`
when it never will take the reply.

A claim whose worker died (a crashed process) is taken back when its lease has expired. A
channel that can tell whether a message arrived registers a :data:`DeliveryCheck`; such a
reply is then marked sent instead of being sent a second time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.messages import ConversationRef, Reply
from bot.store.models import Conversation, Message, OutboxItem, utcnow
from bot.store.repo import to_reply

log = logging.getLogger(__name__)

Sender = Callable[[ConversationRef, int, Reply], Awaitable[None]]
Notify = Callable[[int], None]
DeliveryCheck = Callable[[ConversationRef, Reply], Awaitable[bool]]
MAX_ATTEMPTS = 8
BATCH = 100
# Longer than any send may take (the channel clients time out well before): only then is a
# claimed reply taken back from a worker that has gone quiet.
CLAIM_LEASE = timedelta(seconds=60)
UNSENT = ("pending", "sending")


class RetryLater(Exception):
    """The channel asked to wait (a rate limit): try again after ``seconds``, without
    counting a failed attempt and without holding up other conversations."""

    def __init__(self, seconds: float, reason: str = "rate limited") -> None:
        super().__init__(f"{reason}, retry in {seconds:g} s")
        self.seconds = max(0.0, seconds)
        self.reason = reason


class Undeliverable(Exception):
    """The channel will never take this reply (the person blocked the bot, the chat is
    gone): it is marked failed at once instead of being retried."""


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(300, 2 ** max(0, attempts - 1)))


class Outbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._senders: dict[str, Sender] = {}
        self._checks: dict[str, DeliveryCheck] = {}
        self._direct: dict[str, Notify] = {}
        self._wake = asyncio.Event()
        self._drain_lock = asyncio.Lock()

    def register(
        self, channel: str, sender: Sender, *, delivered: DeliveryCheck | None = None
    ) -> None:
        """``delivered`` answers, after a crash, whether a claimed reply reached the channel."""
        self._senders[channel] = sender
        if delivered is not None:
            self._checks[channel] = delivered

    def register_direct(self, channel: str, notify: Notify) -> None:
        """A channel whose transcript is the delivery (the web chat reads it from the
        database, resuming by message id): nothing is queued for it; ``notify`` wakes its
        readers with the conversation's id after each commit."""
        self._direct[channel] = notify

    def queues(self, channel: str) -> bool:
        """Whether replies on ``channel`` go through the queue (all but direct channels)."""
        return channel not in self._direct

    def committed(self, channel: str, conversation_id: int) -> None:
        """A transaction that added messages to a conversation has committed."""
        if (notify := self._direct.get(channel)) is not None:
            notify(conversation_id)
        else:
            self._wake.set()

    def wake(self) -> None:
        self._wake.set()

    async def recover(self) -> int:
        """Claims whose lease expired (their worker died) go back to the queue, or count as
        sent when the channel's delivery check finds the message; returns how many."""
        async with self._sessions() as session:
            statement = (
                select(OutboxItem, Message, Conversation)
                .join(Message, Message.id == OutboxItem.message_id)
                .join(Conversation, Conversation.id == OutboxItem.conversation_id)
                .where(OutboxItem.status == "sending", OutboxItem.next_attempt_at <= utcnow())
                .order_by(OutboxItem.id)
                .limit(BATCH)
            )
            rows = (await session.execute(statement)).all()
        for item, message, conversation in rows:
            ref = ConversationRef(conversation.channel, conversation.channel_key)
            arrived = await self._arrived(item, ref, to_reply(message))
            async with self._sessions() as session, session.begin():
                await session.execute(
                    update(OutboxItem)
                    .where(OutboxItem.id == item.id, OutboxItem.status == "sending")
                    .values(
                        status="sent" if arrived else "pending",
                        sent_at=utcnow() if arrived else None,
                    )
                )
        return len(rows)

    async def _arrived(self, item: OutboxItem, ref: ConversationRef, reply: Reply) -> bool:
        check = self._checks.get(item.channel)
        if check is None:
            return False
        try:
            return await check(ref, reply)
        except Exception as error:  # unknown: sending again is better than never
            log.warning(
                "outbox item %s: delivery check on %s failed (%s); sending again",
                item.id,
                item.channel,
                type(error).__name__,
            )
            return False

    async def drain(self) -> int:
        """Deliver every due reply once; returns how many were sent."""
        async with self._drain_lock:
            return await self._drain()

    async def _drain(self) -> int:
        if not self._senders:
            return 0
        async with self._sessions() as session:
            statement = (
                select(OutboxItem, Message, Conversation)
                .join(Message, Message.id == OutboxItem.message_id)
                .join(Conversation, Conversation.id == OutboxItem.conversation_id)
                .where(
                    OutboxItem.status == "pending",
                    OutboxItem.next_attempt_at <= utcnow(),
                    OutboxItem.channel.in_(list(self._senders)),
                )
                .order_by(OutboxItem.id)
                .limit(BATCH)
            )
            rows = (await session.execute(statement)).all()
            unsent = await self._unsent(session, {row[2].id for row in rows})
        sent = 0
        held_back: set[int] = set()  # a conversation waits behind its earliest unsent reply
        for item, message, conversation in rows:
            queue = unsent[conversation.id]
            if (
                conversation.id in held_back
                or not queue
                or queue[0] != item.id
                or not await self._claim(item.id)
            ):
                held_back.add(conversation.id)
                continue
            ref = ConversationRef(conversation.channel, conversation.channel_key)
            try:
                await self._senders[item.channel](ref, conversation.id, to_reply(message))
            except RetryLater as later:
                held_back.add(conversation.id)
                await self._postpone(item, later)
            except Undeliverable as error:
                queue.popleft()
                await self._failed(item, error, give_up=True)
            except Exception as error:  # any channel failure: retry later, never lose it
                held_back.add(conversation.id)
                await self._failed(item, error)
            else:
                queue.popleft()
                sent += 1
                await self._finish(item.id)
        return sent

    async def _unsent(
        self, session: AsyncSession, conversation_ids: Iterable[int]
    ) -> dict[int, deque[int]]:
        """Ids of every unsent reply of these conversations, oldest first."""
        ids = list(conversation_ids)
        unsent: dict[int, deque[int]] = {conversation_id: deque() for conversation_id in ids}
        if ids:
            statement = (
                select(OutboxItem.id, OutboxItem.conversation_id)
                .where(OutboxItem.conversation_id.in_(ids), OutboxItem.status.in_(UNSENT))
                .order_by(OutboxItem.id)
            )
            for item_id, conversation_id in (await session.execute(statement)).all():
                unsent[conversation_id].append(item_id)
        return unsent

    async def _claim(self, item_id: int) -> bool:
        now = utcnow()
        async with self._sessions() as session, session.begin():
            result = await session.execute(
                update(OutboxItem)
                .where(
                    OutboxItem.id == item_id,
                    OutboxItem.status == "pending",
                    OutboxItem.next_attempt_at <= now,
                )
                .values(status="sending", next_attempt_at=now + CLAIM_LEASE)
            )
            return bool(result.rowcount)  # type: ignore[attr-defined]

    async def _finish(self, item_id: int) -> None:
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == item_id)
                .values(status="sent", sent_at=utcnow())
            )

    async def _postpone(self, item: OutboxItem, later: RetryLater) -> None:
        log.info(
            "outbox item %s to %s waits %.1f s (%s)",
            item.id,
            item.channel,
            later.seconds,
            later.reason,
        )
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == item.id)
                .values(
                    status="pending",
                    next_attempt_at=utcnow() + timedelta(seconds=later.seconds),
                    last_error=f"RetryLater: {later.reason}"[:500],
                )
            )
        # Woken when it is due, not at the next poll: a short wait stays short.
        asyncio.get_running_loop().call_later(later.seconds, self.wake)

    async def _failed(self, item: OutboxItem, error: Exception, *, give_up: bool = False) -> None:
        attempts = item.attempts + 1
        gave_up = give_up or attempts >= MAX_ATTEMPTS
        log.warning(
            "outbox item %s to %s failed (attempt %s%s): %s",
            item.id,
            item.channel,
            attempts,
            ", giving up" if gave_up else "",
            type(error).__name__,
            exc_info=error,
        )
        async with self._sessions() as session, session.begin():
            await session.execute(
                update(OutboxItem)
                .where(OutboxItem.id == item.id)
                .values(
                    status="failed" if gave_up else "pending",
                    attempts=attempts,
                    next_attempt_at=utcnow() + backoff(attempts),
                    last_error=type(error).__name__,
                )
            )
        if not gave_up:
            asyncio.get_running_loop().call_later(backoff(attempts).total_seconds(), self.wake)

    async def run(self, poll_seconds: float = 2.0) -> None:
        """Deliver forever: on every wake-up, and every ``poll_seconds`` for retries and for
        claims a crashed worker left behind."""
        while True:
            try:
                await self.recover()
                await self.drain()
            except Exception:  # the loop must survive a database hiccup
                log.exception("outbox delivery pass failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(poll_seconds):
                    await self._wake.wait()
            self._wake.clear()
