"""The conversations approvals touch: the approver's one-to-one chat, the requester's
conversation, and posting into either inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.approvals.port import Requester
from bot.messages import Outbound
from bot.outbox import Outbox
from bot.store import repo
from bot.store.models import Conversation
from bot.store.people import ConversationPerson, Person

CHAT_TOOLS = ("slack", "telegram")


def is_direct(channel: str, key: str, external_id: str) -> bool:
    """Whether a conversation is a one-to-one chat with the account: Slack direct message
    channels have ids starting with D (and no thread); a Telegram private chat's id is the
    user's id. Buttons in a shared channel could be pressed by anyone there."""
    if channel == "slack":
        parts = key.split(":")
        return len(parts) == 2 and parts[1].startswith("D")
    if channel == "telegram":
        return key == external_id
    return False


async def post(
    outbox: Outbox, session: AsyncSession, conversation: Conversation, reply: Outbound
) -> None:
    """A message nobody's turn produced (the question to an approver, the decision to the
    requester), in this transaction; the outbox delivers it after commit."""
    ids = await repo.add_messages(
        session, conversation_id=conversation.id, author="bot", outbound=[reply]
    )
    if outbox.queues(conversation.channel):
        await repo.queue_outbox(
            session,
            conversation_id=conversation.id,
            channel=conversation.channel,
            message_ids=ids,
        )
    channel, conversation_id = conversation.channel, conversation.id

    def delivered_after_commit(_session: Any) -> None:
        outbox.committed(channel, conversation_id)

    event.listen(session.sync_session, "after_commit", delivered_after_commit, once=True)


async def kept_conversation(
    session: AsyncSession, conversation_id: int | None
) -> Conversation | None:
    """A conversation to post into (the requester's, the approver's chat), unless retention
    has emptied it since."""
    if conversation_id is None:
        return None
    conversation = await session.get(Conversation, conversation_id)
    return None if conversation is None or conversation.status == "purged" else conversation


async def requester_of(session: AsyncSession, conversation: Conversation) -> Requester:
    statement = (
        select(Person.email)
        .join(ConversationPerson, ConversationPerson.person_id == Person.id)
        .where(ConversationPerson.conversation_id == conversation.id, Person.email.is_not(None))
        .limit(1)
    )
    email = (await session.execute(statement)).scalar_one_or_none()
    return Requester(conversation.user_name, email)


async def direct_conversation(session: AsyncSession, *, email: str) -> Conversation | None:
    """The newest one-to-one chat conversation of someone with this e-mail, if any."""
    statement = (
        select(Conversation, Person.external_id)
        .join(ConversationPerson, ConversationPerson.conversation_id == Conversation.id)
        .join(Person, Person.id == ConversationPerson.person_id)
        .where(
            func.lower(Person.email) == email.strip().lower(),
            Conversation.channel.in_(CHAT_TOOLS),
            Conversation.status != "purged",
        )
        .order_by(Conversation.last_activity_at.desc())
        .limit(20)
    )
    for conversation, external_id in (await session.execute(statement)).all():
        if is_direct(conversation.channel, conversation.channel_key, external_id):
            return conversation
    return None
