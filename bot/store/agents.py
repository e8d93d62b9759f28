"""Agents, their sign-in sessions, escalations and internal notes.

Who owns a conversation is one column, ``conversations.owner``: ``"bot"``, ``"waiting"``
(escalated, in the queue) or ``"agent:<username>"``. It only ever changes by compare-and-set
(:func:`change_owner`), so of two agents claiming at once exactly one wins. The escalation
row beside it describes the hand-over for the console (why, what the bot gathered, who took
it, how it ended) and is updated in the same transaction.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    String,
    Text,
    delete,
    func,
    select,
    text,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, Conversation, utcnow

# What an agent's username may be (checked when an account is made). Text that cannot be one,
# such as a NUL byte PostgreSQL would refuse, is never sent to the database.
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,63}$")

BOT = "bot"
WAITING = "waiting"
AGENT_PREFIX = "agent:"
# Escalation states; "waiting" and "agent" are the active ones.
ACTIVE = ("waiting", "agent")
LIVE_CHANNEL = "spoc_live"


def agent_owner(username: str) -> str:
    return f"{AGENT_PREFIX}{username}"


def owner_username(owner: str) -> str | None:
    return owner.removeprefix(AGENT_PREFIX) if owner.startswith(AGENT_PREFIX) else None


class Agent(Base):
    __tablename__ = "agents"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str] = mapped_column(String(200))
    groups: Mapped[list[str]] = mapped_column(JSON, default=list)
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    def may_see(self, group: str | None) -> bool:
        """An agent without groups sees every escalation; one with groups, only theirs."""
        return not self.groups or group in self.groups


class AgentSession(Base):
    __tablename__ = "agent_sessions"

    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    agent_id: Mapped[int] = mapped_column(ForeignKey("agents.id"), index=True)
    csrf_token: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    expires_at: Mapped[datetime] = mapped_column()


class Escalation(Base):
    __tablename__ = "escalations"
    __table_args__ = (Index("ix_escalations_state", "state", "created_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    state: Mapped[str] = mapped_column(String(12))  # waiting, agent, bot, closed, ticket
    reason: Mapped[str] = mapped_column(String(20))
    group_name: Mapped[str] = mapped_column(String(80))
    agent: Mapped[str | None] = mapped_column(String(64))
    channel: Mapped[str] = mapped_column(String(32))
    locale: Mapped[str] = mapped_column(String(8))
    summary: Mapped[dict[str, Any]] = mapped_column(default=dict)
    ticket_number: Mapped[str | None] = mapped_column(String(10))
    resolution: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    claimed_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()


class AgentNote(Base):
    """An internal note: for agents only, never part of what the person sees."""

    __tablename__ = "agent_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    agent: Mapped[str] = mapped_column(String(64))
    text: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


# -- agents ------------------------------------------------------------------------------


async def add_agent(
    session: AsyncSession,
    *,
    username: str,
    display_name: str,
    password_hash: str,
    groups: list[str],
) -> Agent:
    agent = Agent(
        username=username,
        display_name=display_name,
        password_hash=password_hash,
        groups=groups,
        failed_logins=0,
        created_at=utcnow(),
    )
    session.add(agent)
    await session.flush()
    return agent


async def find_agent(session: AsyncSession, *, username: str) -> Agent | None:
    if not USERNAME.fullmatch(username):  # no account has such a name: nothing to look up
        return None
    statement = select(Agent).where(Agent.username == username)
    return (await session.execute(statement)).scalar_one_or_none()


async def list_agents(session: AsyncSession) -> list[Agent]:
    return list((await session.execute(select(Agent).order_by(Agent.username))).scalars())


async def count_failed_login(
    session: AsyncSession, *, agent_id: int, limit: int, lock_until: datetime
) -> bool:
    """One more failed sign-in, counted atomically; returns whether the account is now
    locked (the count reached ``limit``)."""
    statement = (
        update(Agent)
        .where(Agent.id == agent_id)
        .values(failed_logins=Agent.failed_logins + 1)
        .returning(Agent.failed_logins)
    )
    failed = int((await session.execute(statement)).scalar_one())
    if failed >= limit:
        await session.execute(
            update(Agent)
            .where(Agent.id == agent_id)
            .values(locked_until=lock_until, failed_logins=0)
        )
        return True
    return False


async def reset_failed_logins(session: AsyncSession, *, agent_id: int) -> None:
    await session.execute(
        update(Agent).where(Agent.id == agent_id).values(failed_logins=0, locked_until=None)
    )


async def add_session(
    session: AsyncSession, *, token_hash: str, agent_id: int, csrf_token: str, expires_at: datetime
) -> None:
    session.add(
        AgentSession(
            token_hash=token_hash,
            agent_id=agent_id,
            csrf_token=csrf_token,
            created_at=utcnow(),
            expires_at=expires_at,
        )
    )


async def agent_of_session(
    session: AsyncSession, *, token_hash: str
) -> tuple[Agent, AgentSession] | None:
    statement = (
        select(Agent, AgentSession)
        .join(AgentSession, AgentSession.agent_id == Agent.id)
        .where(AgentSession.token_hash == token_hash, AgentSession.expires_at > utcnow())
    )
    row = (await session.execute(statement)).first()
    return (row[0], row[1]) if row else None


async def end_session(session: AsyncSession, *, token_hash: str) -> None:
    await session.execute(delete(AgentSession).where(AgentSession.token_hash == token_hash))


# -- ownership and escalations --------------------------------------------------------------


async def change_owner(
    session: AsyncSession, *, conversation_id: int, expected: str, new: str
) -> bool:
    """Compare-and-set of the conversation's owner; True when this call changed it."""
    result = await session.execute(
        update(Conversation)
        .where(Conversation.id == conversation_id, Conversation.owner == expected)
        .values(owner=new)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


async def owner_of(session: AsyncSession, *, conversation_id: int) -> str:
    statement = select(Conversation.owner).where(Conversation.id == conversation_id)
    return str((await session.execute(statement)).scalar_one())


async def add_escalation(session: AsyncSession, *, escalation: Escalation) -> Escalation:
    session.add(escalation)
    await session.flush()
    return escalation


async def active_escalation(session: AsyncSession, *, conversation_id: int) -> Escalation | None:
    statement = (
        select(Escalation)
        .where(Escalation.conversation_id == conversation_id, Escalation.state.in_(ACTIVE))
        .order_by(Escalation.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def latest_escalation(session: AsyncSession, *, conversation_id: int) -> Escalation | None:
    statement = (
        select(Escalation)
        .where(Escalation.conversation_id == conversation_id)
        .order_by(Escalation.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def queue_position(session: AsyncSession, *, escalation: Escalation) -> int:
    """1 for the first in the queue of the escalation's group."""
    statement = select(func.count()).where(
        Escalation.state == WAITING,
        Escalation.group_name == escalation.group_name,
        Escalation.id <= escalation.id,
    )
    return int((await session.execute(statement)).scalar_one())


@dataclass(frozen=True, slots=True)
class QueueRow:
    escalation: Escalation
    conversation: Conversation
    agent_name: str | None = None  # display name of the agent the escalation names


async def list_escalations(
    session: AsyncSession, *, states: tuple[str, ...], limit: int = 200
) -> list[QueueRow]:
    statement = (
        select(Escalation, Conversation, Agent.display_name)
        .join(Conversation, Conversation.id == Escalation.conversation_id)
        .outerjoin(Agent, Agent.username == Escalation.agent)
        .where(Escalation.state.in_(states))
        .order_by(Escalation.created_at, Escalation.id)
        .limit(limit)
    )
    return [QueueRow(e, c, name) for e, c, name in (await session.execute(statement)).all()]


async def add_note(session: AsyncSession, *, conversation_id: int, agent: str, text: str) -> int:
    note = AgentNote(conversation_id=conversation_id, agent=agent, text=text, created_at=utcnow())
    session.add(note)
    await session.flush()
    return note.id


async def notes_of(
    session: AsyncSession, *, conversation_id: int, after: int = 0
) -> list[AgentNote]:
    statement = (
        select(AgentNote)
        .where(AgentNote.conversation_id == conversation_id, AgentNote.id > after)
        .order_by(AgentNote.id)
    )
    return list((await session.execute(statement)).scalars())


def live_channel(schema: str | None) -> str:
    """The NOTIFY channel of a database schema: NOTIFY is database-wide, schemas are not."""
    return f"{LIVE_CHANNEL}_{schema}" if schema else LIVE_CHANNEL


async def notify(session: AsyncSession, *, channel: str, topics: list[str]) -> None:
    """Wake every worker's live streams on ``topics`` when this transaction commits
    (PostgreSQL NOTIFY is delivered at commit, and not at all on rollback). SQLite runs in
    one process, whose streams the caller wakes itself after commit."""
    if session.get_bind().dialect.name != "postgresql":
        return
    for topic in dict.fromkeys(topics):
        await session.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": channel, "payload": topic}
        )
