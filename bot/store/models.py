"""SQLAlchemy 2.0 typed models. Migrations in ``bot/store/migrations`` mirror these."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any, ClassVar

from sqlalchemy import (
    JSON,
    DateTime,
    Dialect,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


def utcnow() -> datetime:
    return datetime.now(UTC)


class UtcDateTime(TypeDecorator[datetime]):
    """Aware UTC datetimes on every backend (SQLite hands back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and dialect.name == "sqlite":
            return value.astimezone(UTC).replace(tzinfo=None)
        return value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[Any, Any]] = {dict[str, Any]: JSON, datetime: UtcDateTime()}


class Conversation(Base):
    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("channel", "channel_key", name="uq_conversation_channel"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    channel_key: Mapped[str] = mapped_column(String(200))
    locale: Mapped[str] = mapped_column(String(8))
    locale_fixed: Mapped[bool] = mapped_column(default=False)
    flow: Mapped[str] = mapped_column(String(40), default="greeting")
    step: Mapped[str] = mapped_column(String(40), default="start")
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    owner: Mapped[str] = mapped_column(String(80), default="bot")
    status: Mapped[str] = mapped_column(String(20), default="open")
    token_hash: Mapped[str | None] = mapped_column(String(64))
    user_name: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    last_activity_at: Mapped[datetime] = mapped_column(default=utcnow)


class Message(Base):
    """The transcript. A person's message carries the idempotency key of its delivery."""

    __tablename__ = "messages"
    __table_args__ = (Index("ix_messages_conversation", "conversation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    author: Mapped[str] = mapped_column(String(10))
    text: Mapped[str] = mapped_column(Text)
    buttons: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    reply_to: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    # An agent's display name on the agent's messages (channels label them with it).
    author_name: Mapped[str | None] = mapped_column(String(120))


class Deliverable:
    """The columns of a row a worker sends after commit (:mod:`bot.delivery`): the chat
    outbox's and the mail outbox's. Each table adds its own ``last_error`` and content."""

    id: Mapped[int] = mapped_column(primary_key=True, sort_order=-1)  # first, as in the migrations
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column()


class OutboxItem(Deliverable, Base):
    """A reply to deliver after commit; delivered by the channel's sender, retried on failure."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "status", "next_attempt_at"),)

    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"))
    channel: Mapped[str] = mapped_column(String(32))
    last_error: Mapped[str | None] = mapped_column(String(500))


class NumberSequence(Base):
    """Ticket number counters: only ever incremented, so a number is never issued twice."""

    __tablename__ = "number_sequences"

    prefix: Mapped[str] = mapped_column(String(3), primary_key=True)
    last_value: Mapped[int] = mapped_column(default=0)


class Ticket(Base):
    __tablename__ = "tickets"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(10), unique=True)
    kind: Mapped[str] = mapped_column(String(10))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text)
    service_id: Mapped[str | None] = mapped_column(String(60))
    owner_group: Mapped[str] = mapped_column(String(80))
    impact: Mapped[int] = mapped_column()
    urgency: Mapped[int] = mapped_column()
    priority: Mapped[int] = mapped_column()
    state: Mapped[str] = mapped_column(String(20), default="new")
    locale: Mapped[str] = mapped_column(String(8))
    requester: Mapped[str | None] = mapped_column(String(200))
    # The account that asked ("slack:U123", "telegram:42", "conversation:7" for a web chat
    # session): the only one, with the same person's other accounts, who may see the ticket.
    requester_account: Mapped[str | None] = mapped_column(String(140), index=True)
    assignee: Mapped[str | None] = mapped_column(String(80))
    details: Mapped[dict[str, Any]] = mapped_column(default=dict)
    response_due_at: Mapped[datetime] = mapped_column()
    resolve_due_at: Mapped[datetime] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class TicketEvent(Base):
    __tablename__ = "ticket_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket_id: Mapped[int] = mapped_column(ForeignKey("tickets.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    actor: Mapped[str] = mapped_column(String(80))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class Event(Base):
    """A measurable step of a conversation (deflection, ticket opened, CSAT, ...)."""

    __tablename__ = "events"
    __table_args__ = (Index("ix_events_kind_time", "kind", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    kind: Mapped[str] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
