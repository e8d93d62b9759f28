"""Delivery of committed replies, after commit, by each channel's sender.

A reply is sent at most once by one worker (a row is claimed by compare-and-set, with a lease),
retried with back-off when the channel fails, and kept in order within its conversation: a
reply waits while an earlier one of its conversation is unsent. A sender raises
:class:`bot.delivery.RetryLater` when the channel asks to wait (rate limits) and
:class:`bot.delivery.Undeliverable` when it never will take the reply. The claim, the retries
and the wake-ups are :class:`bot.delivery.LeasedQueue`'s, as for the mailer.

A claim whose worker died (a crashed process) is taken back when its lease has expired. A
channel that can tell whether a message arrived registers a :data:`DeliveryCheck`; such a
reply is then marked sent instead of being sent a second time.
"""

from __future__ import annotations

import asyncio
import logging
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from datetime import timedelta
from functools import partial

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.delivery import LeasedQueue, Outcome
from bot.messages import ConversationRef, Reply
from bot.store.models import Conversation, Message, OutboxItem, utcnow
from bot.store.repo import to_reply

log = logging.getLogger(__name__)

Sender = Callable[[ConversationRef, int, Reply], Awaitable[None]]
Notify = Callable[[int], None]
DeliveryCheck = Callable[[ConversationRef, Reply], Awaitable[bool]]
BATCH = 100
# Longer than any send may take (the channel clients time out well before): only then is a
# claimed reply taken back from a worker that has gone quiet.
CLAIM_LEASE = timedelta(seconds=60)
LONGEST_BACKOFF = timedelta(seconds=300)
UNSENT = ("pending", "sending")


class Outbox:
    def __init__(self, sessions: async_sessionmaker[AsyncSession]) -> None:
        self._sessions = sessions
        self._senders: dict[str, Sender] = {}
        self._checks: dict[str, DeliveryCheck] = {}
        self._direct: dict[str, Notify] = {}
        self._delivery = LeasedQueue(
            sessions,
            OutboxItem,
            name="outbox",
            log=log,
            lease=CLAIM_LEASE,
            longest_backoff=LONGEST_BACKOFF,
        )
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
            self._delivery.wake()

    def wake(self) -> None:
        self._delivery.wake()

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
                or not await self._delivery.claim(item.id)
            ):
                held_back.add(conversation.id)
                continue
            send = partial(self._send, item, message, conversation)
            outcome = await self._delivery.attempt(
                item, send, f"outbox item {item.id} to {item.channel}"
            )
            if outcome in (Outcome.SENT, Outcome.REFUSED):
                queue.popleft()  # done with: the conversation's next reply may go
            else:
                held_back.add(conversation.id)  # tried again before any later reply
            if outcome is Outcome.SENT:
                sent += 1
        return sent

    async def _send(self, item: OutboxItem, message: Message, conversation: Conversation) -> None:
        ref = ConversationRef(conversation.channel, conversation.channel_key)
        await self._senders[item.channel](ref, conversation.id, to_reply(message))

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

    async def run(self, poll_seconds: float = 2.0) -> None:
        """Deliver forever: on every wake-up, and every ``poll_seconds`` for retries and for
        claims a crashed worker left behind."""
        await self._delivery.run(self._deliver, poll_seconds)

    async def _deliver(self) -> None:
        await self.recover()
        await self.drain()
