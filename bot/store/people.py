"""The people behind chat accounts: who wrote, as their chat tool knows them.

A person is one account in one channel (a Slack user, a Telegram user) with what that channel
tells about them: e-mail, name, locale and time zone. Each conversation they write in is
linked to them, so a ticket's conversation leads to the person and their e-mail.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from bot.store.models import Base, Conversation, utcnow


class Person(Base):
    __tablename__ = "people"
    __table_args__ = (UniqueConstraint("channel", "external_id", name="uq_people_account"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    channel: Mapped[str] = mapped_column(String(32))
    external_id: Mapped[str] = mapped_column(String(100))
    email: Mapped[str | None] = mapped_column(String(254), index=True)
    name: Mapped[str | None] = mapped_column(String(200))
    locale: Mapped[str | None] = mapped_column(String(16))
    time_zone: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ConversationPerson(Base):
    __tablename__ = "conversation_people"

    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("people.id"), primary_key=True)


@dataclass(frozen=True, slots=True)
class Identity:
    """What a channel says about the account that wrote."""

    channel: str
    external_id: str
    email: str | None = None
    name: str | None = None
    locale: str | None = None
    time_zone: str | None = None


def _insert(session: AsyncSession) -> type[sqlite.Insert] | type[postgresql.Insert]:
    dialect = session.get_bind().dialect.name
    return postgresql.Insert if dialect == "postgresql" else sqlite.Insert


async def remember_person(
    session: AsyncSession, *, identity: Identity, conversation_id: int
) -> int:
    """Create or refresh the person behind ``identity`` and link the conversation to them;
    returns the person's id. Safe when two turns of the same person race."""
    values = {
        "email": identity.email,
        "name": identity.name,
        "locale": identity.locale,
        "time_zone": identity.time_zone,
        "updated_at": utcnow(),
    }
    insert = _insert(session)
    upsert = (
        insert(Person)
        .values(channel=identity.channel, external_id=identity.external_id, **values)
        .on_conflict_do_update(index_elements=["channel", "external_id"], set_=values)
        .returning(Person.id)
    )
    person_id = (await session.execute(upsert)).scalar_one()
    link = (
        insert(ConversationPerson)
        .values(conversation_id=conversation_id, person_id=person_id)
        .on_conflict_do_nothing()
    )
    await session.execute(link)
    return int(person_id)


async def people_of_conversation(session: AsyncSession, *, conversation_id: int) -> list[Person]:
    statement = (
        select(Person)
        .join(ConversationPerson, ConversationPerson.person_id == Person.id)
        .where(ConversationPerson.conversation_id == conversation_id)
        .order_by(Person.id)
    )
    return list((await session.execute(statement)).scalars())


async def takes_part(
    session: AsyncSession, *, channel: str, external_id: str, conversation_key: str
) -> bool:
    """Whether this account has written in that conversation of the channel."""
    statement = (
        select(ConversationPerson.person_id)
        .join(Person, Person.id == ConversationPerson.person_id)
        .join(Conversation, Conversation.id == ConversationPerson.conversation_id)
        .where(
            Person.channel == channel,
            Person.external_id == external_id,
            Conversation.channel == channel,
            Conversation.channel_key == conversation_key,
        )
        .limit(1)
    )
    return (await session.execute(statement)).first() is not None
