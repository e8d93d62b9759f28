"""Conversations are deleted after the retention the privacy notice states; the figures a
service-desk manager reads, and the tickets, survive without the conversation's words."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlalchemy import func, select, update

from bot.retention import cutoff, purge
from bot.store.models import Conversation, Event, Message, utcnow
from tests.support.chat import ChatPerson, events_of, tickets_of


async def _age(http: httpx.AsyncClient, person: ChatPerson, days: int) -> None:
    spoc = http.app.state.spoc  # type: ignore[attr-defined]
    async with spoc.sessions() as session, session.begin():
        await session.execute(
            update(Conversation)
            .where(Conversation.channel_key == person.session_id)
            .values(last_activity_at=utcnow() - timedelta(days=days))
        )


async def _messages_of(http: httpx.AsyncClient, person: ChatPerson) -> int:
    spoc = http.app.state.spoc  # type: ignore[attr-defined]
    async with spoc.sessions() as session:
        ids = select(Conversation.id).where(Conversation.channel_key == person.session_id)
        count = await session.scalar(select(func.count()).where(Message.conversation_id.in_(ids)))
    return int(count or 0)


async def _words_in_events(http: httpx.AsyncClient) -> int:
    spoc = http.app.state.spoc  # type: ignore[attr-defined]
    async with spoc.sessions() as session:
        events = (await session.execute(select(Event))).scalars().all()
    return sum(1 for event in events if "text" in event.data or "query" in event.data)


async def _report_incident(person: ChatPerson) -> None:
    await person.say("outlook kraschar hela tiden när jag öppnar kalendern")
    await person.press("incident:helped:no")
    await person.say("sedan i morse")
    await person.press("incident:impact:3")
    await person.press("incident:urgency:2")
    await person.press("incident:confirm")


async def test_old_conversations_lose_their_words_and_keep_their_figures(
    client: httpx.AsyncClient,
) -> None:
    spoc = client.app.state.spoc  # type: ignore[attr-defined]
    old = await ChatPerson.start(client)
    await _report_incident(old)
    await old.press("feedback:rate:4")
    await old.say("Anna Andersson tyckte att det gick bra")  # a CSAT comment: words in an event
    helped = await ChatPerson.start(client)  # the question a guide answered is kept with it
    await helped.say("outlook kraschar när jag öppnar kalendern, Anna Andersson här")
    await helped.press("incident:helped:yes")
    recent = await ChatPerson.start(client)
    await recent.say("vpn fungerar inte hemifrån")
    recent_messages = await _messages_of(client, recent)
    figures = await events_of(client)
    tickets = await tickets_of(client)
    assert await _words_in_events(client) == 2  # the comment and the question, before
    await _age(client, old, days=91)
    await _age(client, helped, days=91)

    assert await purge(spoc.sessions, older_than=cutoff(utcnow(), 90)) == 2

    # The old transcript is gone and its session token no longer opens anything.
    assert await _messages_of(client, old) == 0
    history = await client.get(
        f"/api/chat/sessions/{old.session_id}/messages", headers=old.headers
    )
    assert history.status_code == 404
    async with spoc.sessions() as session:
        shells = (
            (await session.execute(select(Conversation).where(Conversation.status == "purged")))
            .scalars()
            .all()
        )
        kept = [
            event.data
            for event in (
                await session.execute(
                    select(Event).where(Event.conversation_id.in_([s.id for s in shells]))
                )
            ).scalars()
        ]
    assert len(shells) == 2
    for shell in shells:
        assert shell.channel_key == f"purged-{shell.id}"
        assert shell.data == {} and shell.token_hash is None and shell.user_name is None
    assert kept and await _words_in_events(client) == 0
    # What a service-desk manager counts still adds up, and the ticket is a record of its own.
    assert await events_of(client) == figures
    assert [t.number for t in await tickets_of(client)] == [t.number for t in tickets]
    # The recent conversation is untouched and goes on.
    assert await _messages_of(client, recent) == recent_messages
    assert await recent.say("det hjälpte inte")
    # A second round finds nothing more to do.
    assert await purge(spoc.sessions, older_than=cutoff(utcnow(), 90)) == 0
