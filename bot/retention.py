"""Conversations are kept for ``SPOC_CHAT_RETENTION_DAYS`` after their last message, as the
privacy notice promises, and then deleted.

What goes: the transcript, the replies still queued for it, the link to the person behind
a chat account, agents' notes and the summary the bot gathered for them, the conversation's
own state and the words kept in its events (questions with no article or that a guide
answered, CSAT comments).
What stays: an empty shell of the conversation with its channel and dates, and events
without words, so the service desk's figures (deflection,
CSAT, tickets per channel) still add up. Tickets are records of the organisation with
their own retention and are not touched here.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import String, cast, delete, literal, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from bot.store.agents import AgentNote, Escalation
from bot.store.models import Conversation, Event, Message, OutboxItem
from bot.store.people import ConversationPerson

log = logging.getLogger(__name__)

PURGED = "purged"
# Event fields that hold what a person wrote.
WORDS = ("query", "text", "comment")
BATCH = 500


def cutoff(now: datetime, retention_days: int) -> datetime:
    return now - timedelta(days=retention_days)


async def purge(sessions: async_sessionmaker[AsyncSession], *, older_than: datetime) -> int:
    """Delete conversations whose last activity is before ``older_than``; returns how many."""
    total = 0
    while True:
        async with sessions() as session, session.begin():
            done = await _purge_batch(session, older_than)
        total += done
        if done < BATCH:
            break
    if total:
        log.info("retention: %d conversations deleted", total)
    return total


async def _purge_batch(session: AsyncSession, older_than: datetime) -> int:
    ids = list(
        (
            await session.execute(
                select(Conversation.id)
                .where(Conversation.last_activity_at < older_than, Conversation.status != PURGED)
                .order_by(Conversation.id)
                .limit(BATCH)
            )
        ).scalars()
    )
    if not ids:
        return 0
    await session.execute(delete(OutboxItem).where(OutboxItem.conversation_id.in_(ids)))
    await session.execute(delete(Message).where(Message.conversation_id.in_(ids)))
    await session.execute(
        delete(ConversationPerson).where(ConversationPerson.conversation_id.in_(ids))
    )
    # Agents' notes and what the bot gathered for them hold the person's words too.
    await session.execute(delete(AgentNote).where(AgentNote.conversation_id.in_(ids)))
    await session.execute(
        update(Escalation).where(Escalation.conversation_id.in_(ids)).values(summary={})
    )
    events = await session.execute(
        select(Event).where(Event.conversation_id.in_(ids), Event.data.is_not(None))
    )
    for event in events.scalars():
        if any(key in (event.data or {}) for key in WORDS):
            event.data = {k: v for k, v in event.data.items() if k not in WORDS}
    await session.execute(
        update(Conversation)
        .where(Conversation.id.in_(ids))
        .values(
            status=PURGED,
            data={},
            user_name=None,
            token_hash=None,
            # The channel's key names the person (a Slack or Telegram id): replaced.
            channel_key=literal("purged-").concat(cast(Conversation.id, String)),
        )
    )
    return len(ids)
