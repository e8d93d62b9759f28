"""Repository functions: keyword-only, and the caller owns the transaction."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, insert, select, text, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from bot.messages import Button, Outbound, Reply
from bot.store.models import (
    Conversation,
    Event,
    Message,
    NumberSequence,
    OutboxItem,
    Ticket,
    TicketEvent,
    utcnow,
)

# Statements every turn runs, built once: building a statement costs more CPU than SQLite
# takes to run it (compiled forms are cached by SQLAlchemy either way). Core inserts on the
# tables skip the ORM's bulk machinery, which the turn does not need.
_MESSAGES = cast(Table, Message.__table__)
_ADD_MESSAGES = insert(_MESSAGES).returning(_MESSAGES.c.id)
# A repeated delivery inserts nothing and returns no id; the database logs no error for it.
_ADD_PERSON_MESSAGE = {
    backend.dialect.name: backend.insert(_MESSAGES)
    .on_conflict_do_nothing(index_elements=[_MESSAGES.c.idempotency_key])
    .returning(_MESSAGES.c.id)
    for backend in (postgresql, sqlite)
}
_ADD_EVENTS = insert(cast(Table, Event.__table__))
_CONVERSATIONS = cast(Table, Conversation.__table__)
_SAVE_CONVERSATION = update(_CONVERSATIONS).where(
    _CONVERSATIONS.c.id == bindparam("conversation_id")
)
_LOCK_CONVERSATION = (
    select(Conversation)
    .where(
        Conversation.channel == bindparam("channel"),
        Conversation.channel_key == bindparam("key"),
    )
    .with_for_update()
    .execution_options(populate_existing=True)
)


async def create_conversation(
    session: AsyncSession,
    *,
    channel: str,
    key: str,
    locale: str,
    token_hash: str | None = None,
    user_name: str | None = None,
) -> Conversation:
    conversation = Conversation(
        channel=channel,
        channel_key=key,
        locale=locale,
        locale_fixed=False,
        flow="greeting",
        step="start",
        data={},
        owner="bot",
        status="open",
        token_hash=token_hash,
        user_name=user_name,
    )
    session.add(conversation)
    await session.flush()
    return conversation


async def lock_conversation(
    session: AsyncSession, *, channel: str, key: str
) -> Conversation | None:
    """The conversation, row-locked until the transaction ends (PostgreSQL; SQLite's writer
    lock is taken at BEGIN IMMEDIATE)."""
    result = await session.execute(_LOCK_CONVERSATION, {"channel": channel, "key": key})
    return result.scalar_one_or_none()


async def save_conversation(
    session: AsyncSession, conversation: Conversation, changes: dict[str, Any]
) -> None:
    """Write a turn's changes to the conversation's row in one statement, and take them into
    the loaded object as stored. Left to the ORM's unit of work, finding and writing the same
    few columns cost every turn more CPU than all its other statements together."""
    await session.execute(_SAVE_CONVERSATION, {"conversation_id": conversation.id, **changes})
    for name, value in changes.items():
        set_committed_value(conversation, name, value)


async def find_conversation(
    session: AsyncSession, *, channel: str, key: str
) -> Conversation | None:
    statement = select(Conversation).where(
        Conversation.channel == channel, Conversation.channel_key == key
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def add_messages(
    session: AsyncSession,
    *,
    conversation_id: int,
    author: str,
    outbound: Sequence[Outbound],
    reply_to: int | None = None,
) -> list[int]:
    """Store replies in the transcript; returns their ids in order."""
    if not outbound:
        return []
    now = utcnow()
    rows = [
        {
            "conversation_id": conversation_id,
            "author": author,
            "text": item.text,
            "buttons": [{"title": b.title, "action": b.action} for b in item.buttons],
            "reply_to": reply_to,
            "created_at": now,
            "author_name": item.author_name,
        }
        for item in outbound
    ]
    result = await session.execute(_ADD_MESSAGES, rows)
    return sorted(result.scalars().all())


async def add_person_message(
    session: AsyncSession, *, conversation_id: int, text: str, key: str
) -> int | None:
    """Store a person's message; None when its delivery key is stored already (a repeated
    delivery). The insert itself decides, so two processes given the same delivery at once
    cannot both store it, and nobody pays a read first."""
    row = {
        "conversation_id": conversation_id,
        "author": "user",
        "text": text,
        "buttons": [],
        "idempotency_key": key,
        "created_at": utcnow(),
    }
    statement = _ADD_PERSON_MESSAGE[session.get_bind().dialect.name]
    return (await session.execute(statement, row)).scalar_one_or_none()


async def replies_to_delivery(
    session: AsyncSession, *, conversation_id: int, key: str
) -> list[Reply]:
    """What the bot answered the first time this delivery came, in this conversation only."""
    first = (
        select(Message.id)
        .where(Message.idempotency_key == key, Message.conversation_id == conversation_id)
        .scalar_subquery()
    )
    statement = select(Message).where(Message.reply_to == first).order_by(Message.id)
    return [to_reply(message) for message in (await session.execute(statement)).scalars()]


async def queue_outbox(
    session: AsyncSession, *, conversation_id: int, channel: str, message_ids: Sequence[int]
) -> None:
    if not message_ids:
        return
    now = utcnow()
    await session.execute(
        insert(OutboxItem),
        [
            {
                "message_id": message_id,
                "conversation_id": conversation_id,
                "channel": channel,
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
            }
            for message_id in message_ids
        ],
    )


async def record_events(
    session: AsyncSession,
    *,
    conversation_id: int | None,
    events: Sequence[tuple[str, dict[str, Any]]],
) -> None:
    if not events:
        return
    now = utcnow()
    await session.execute(
        _ADD_EVENTS,
        [
            {"conversation_id": conversation_id, "kind": kind, "data": data, "created_at": now}
            for kind, data in events
        ],
    )


def to_reply(message: Message) -> Reply:
    buttons = tuple(Button(b["title"], b["action"]) for b in message.buttons or ())
    return Reply(
        message.id,
        message.author,  # type: ignore[arg-type]
        message.text,
        buttons,
        message.author_name,
    )


async def messages_after(
    session: AsyncSession, *, conversation_id: int, after: int = 0, limit: int = 200
) -> list[Reply]:
    statement = (
        select(Message)
        .where(Message.conversation_id == conversation_id, Message.id > after)
        .order_by(Message.id)
        .limit(limit)
    )
    return [to_reply(message) for message in (await session.execute(statement)).scalars()]


_NEXTVAL = text("SELECT nextval(CAST(:sequence AS regclass))")


async def next_number(session: AsyncSession, *, prefix: str) -> str:
    """The next ticket number, unique and never reused.

    PostgreSQL takes it from the prefix's sequence (migration 0004), which holds no lock, so
    turns opening tickets at the same time do not wait for each other; the number of a turn
    that rolls back is skipped. SQLite counts in a row, under the writer lock the turn holds
    anyway."""
    if session.get_bind().dialect.name == "postgresql":
        sequence = f"ticket_number_{prefix.lower()}"
        value = (await session.execute(_NEXTVAL, {"sequence": sequence})).scalar_one()
    else:
        statement = (
            update(NumberSequence)
            .where(NumberSequence.prefix == prefix)
            .values(last_value=NumberSequence.last_value + 1)
            .returning(NumberSequence.last_value)
        )
        value = (await session.execute(statement)).scalar_one()
    return f"{prefix}{value:07d}"


async def add_ticket(session: AsyncSession, *, ticket: Ticket, actor: str) -> Ticket:
    session.add(ticket)
    await session.flush()
    session.add(
        TicketEvent(
            ticket_id=ticket.id,
            kind="opened",
            actor=actor,
            detail={"priority": ticket.priority, "owner_group": ticket.owner_group},
            created_at=ticket.created_at,
        )
    )
    return ticket


async def list_tickets(session: AsyncSession, *, limit: int = 100) -> list[Ticket]:
    statement = select(Ticket).order_by(Ticket.id.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())


async def get_ticket(session: AsyncSession, *, number: str) -> Ticket | None:
    statement = select(Ticket).where(Ticket.number == number.upper())
    return (await session.execute(statement)).scalar_one_or_none()


async def add_ticket_event(
    session: AsyncSession, *, ticket_id: int, kind: str, actor: str, detail: dict[str, Any]
) -> None:
    session.add(TicketEvent(ticket_id=ticket_id, kind=kind, actor=actor, detail=detail))


async def lock_ticket(session: AsyncSession, *, number: str) -> Ticket | None:
    statement = (
        select(Ticket)
        .where(Ticket.number == number.upper())
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def ticket_events(session: AsyncSession, *, ticket_id: int) -> list[TicketEvent]:
    statement = (
        select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.id)
    )
    return list((await session.execute(statement)).scalars())


async def count_events(session: AsyncSession, *, since: datetime | None = None) -> dict[str, int]:
    statement = select(Event.kind, func.count()).group_by(Event.kind)
    if since is not None:
        statement = statement.where(Event.created_at >= since)
    return {kind: count for kind, count in (await session.execute(statement)).all()}
