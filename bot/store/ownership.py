"""Whose ticket is it: a ticket is seen only by the account that asked for it, and by the same
person's other chat accounts (the same e-mail address, as the chat tools report it).

An account is ``"<channel>:<id>"`` (``slack:U0ANNA``) or, where the conversation itself is
the account (a web chat session, the terminal), ``"conversation:<id>"``.
"""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.store.models import Ticket
from bot.store.people import Person, people_of_conversation

STATES = ("new", "assigned", "waiting", "resolved", "closed")
# Requests waiting for approval, approved and waiting for fulfilment, or (nobody approved in
# time) with the service desk to follow up, are open too.
OPEN_STATES = ("new", "assigned", "waiting", "awaiting_approval", "approved", "approval_expired")


def account_of(channel: str, sender: str | None, conversation_id: int) -> str:
    return f"{channel}:{sender}" if sender else f"conversation:{conversation_id}"


async def account_of_conversation(session: AsyncSession, conversation_id: int) -> str:
    """The account behind a conversation when one person wrote in it (a direct message),
    else the conversation itself."""
    people = await people_of_conversation(session, conversation_id=conversation_id)
    if len(people) == 1:
        return f"{people[0].channel}:{people[0].external_id}"
    return f"conversation:{conversation_id}"


async def accounts_of(session: AsyncSession, account: str) -> list[str]:
    """The account and the same person's accounts in other channels (matched on e-mail)."""
    channel, _, external_id = account.partition(":")
    if channel == "conversation":
        return [account]
    email = (
        await session.execute(
            select(Person.email).where(
                Person.channel == channel, Person.external_id == external_id
            )
        )
    ).scalar_one_or_none()
    if not email:
        return [account]
    same = select(Person.channel, Person.external_id).where(
        func.lower(Person.email) == email.lower()
    )
    others = {f"{c}:{e}" for c, e in (await session.execute(same)).all()}
    return sorted(others | {account})


async def tickets_of(
    session: AsyncSession, account: str, *, open_only: bool = True, limit: int = 10
) -> list[Ticket]:
    statement = (
        select(Ticket)
        .where(Ticket.requester_account.in_(await accounts_of(session, account)))
        .order_by(Ticket.id.desc())
        .limit(limit)
    )
    if open_only:
        statement = statement.where(Ticket.state.in_(OPEN_STATES))
    return list((await session.execute(statement)).scalars())


async def ticket_of(session: AsyncSession, account: str, number: str) -> Ticket | None:
    """The ticket when it is this person's; ``None`` alike for someone else's and for none."""
    statement = select(Ticket).where(
        Ticket.number == number.upper(),
        Ticket.requester_account.in_(await accounts_of(session, account)),
    )
    return (await session.execute(statement)).scalar_one_or_none()
