"""Agent takeover through the real front doors: a person in the web chat API, agents in the
console's JSON API, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import re

import httpx

from bot.config import Settings
from bot.router import TicketChange
from bot.store import repo
from tests.support.agents import agent_user
from tests.support.app import texts
from tests.support.chat import ChatPerson, events_of, tickets_of


async def history(person: ChatPerson, after: int = 0) -> list[dict[str, object]]:
    response = await person.http.get(
        f"/api/chat/sessions/{person.session_id}/messages",
        params={"after": after},
        headers=person.headers,
    )
    assert response.status_code == 200, response.text
    messages: list[dict[str, object]] = response.json()["messages"]
    return messages


async def escalated(client: httpx.AsyncClient, text: str = "kan jag få prata med en människa?"):
    person = await ChatPerson.start(client)
    replies = await person.say(text)
    return person, replies


async def test_a_person_asks_for_a_human_waits_talks_to_an_agent_and_gets_the_bot_back(
    client: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(client)
    await person.say("Outlook kraschar när jag öppnar kalendern")
    replies = await person.say("kan jag få prata med en människa?")
    assert "nummer 1 i kön" in replies[-1]["text"]
    assert "öppet alla dagar dygnet runt" in replies[-1]["text"]  # the desk's opening hours
    assert person.offered() == ["handoff:leave"]

    async with agent_user(client, "kim", name="Kim Karlsson") as kim:
        (item,) = await kim.queue()
        assert item["state"] == "waiting"
        assert (item["channel"], item["locale"], item["reason"]) == ("webchat", "sv", "asked")
        assert "Outlook kraschar" in item["summary"]["problem"]
        assert item["summary"]["service"] == "E-post och kalender"
        conversation_id = item["conversation_id"]

        # Waiting: the bot is silent, the message is kept for the agent.
        assert await person.say("hallå? är det någon där?") == []
        assert (await kim.claim(conversation_id)).status_code == 200
        joined = (await history(person))[-1]
        assert joined["author"] == "system"
        assert "Kim Karlsson på servicedesken har tagit över chatten" in str(joined["text"])

        sent = await kim.say(conversation_id, "Hej! Jag tittar på det nu.")
        assert sent.status_code == 200, sent.text
        last = (await history(person))[-1]
        assert (last["author"], last["text"]) == ("agent", "Hej! Jag tittar på det nu.")
        assert await person.say("tack, det gäller kalendern") == []

        transcript = (await kim.conversation(conversation_id))["messages"]
        assert [m["author"] for m in transcript[-4:]] == ["user", "system", "agent", "user"]
        assert transcript[-2]["name"] == "Kim Karlsson"
        assert transcript[-1]["text"] == "tack, det gäller kalendern"

        assert (await kim.post(f"/conversations/{conversation_id}/handback")).status_code == 200
        back = (await history(person))[-1]
        assert "digitala assistenten igen" in str(back["text"])
        assert await kim.queue() == []

    replies = await person.say("teams kraschar hela tiden")
    assert replies and all(r["author"] == "bot" for r in replies)
    events = await events_of(client)
    assert (events["escalated"], events["agent_claimed"], events["handed_back"]) == (1, 1, 1)


async def test_two_agents_claim_at_once_and_exactly_one_wins(client: httpx.AsyncClient) -> None:
    person, _ = await escalated(client)
    async with (
        agent_user(client, "kim", name="Kim") as kim,
        agent_user(client, "lo", name="Lo") as lo,
    ):
        (item,) = await kim.queue()
        first, second = await asyncio.gather(
            kim.claim(item["conversation_id"]), lo.claim(item["conversation_id"])
        )
        statuses = sorted([first.status_code, second.status_code])
        assert statuses == [200, 409]
        loser = second if second.status_code == 409 else first
        assert loser.json()["error"]["code"] == "conflict"
        assert "has already taken" in loser.json()["error"]["message"]
        winner = "kim" if first.status_code == 200 else "lo"
        (taken,) = await lo.queue()
        assert (taken["state"], taken["agent"]) == ("agent", winner)
        joined = [m for m in await history(person) if m["author"] == "system"]
        assert len(joined) == 1  # one hand-over said once
        # The one who lost cannot speak in it either.
        other = lo if winner == "kim" else kim
        refused = await other.say(item["conversation_id"], "Hej")
        assert refused.status_code == 409


async def test_closing_with_a_resolution_resolves_the_ticket(client: httpx.AsyncClient) -> None:
    person, _ = await escalated(client, "jag vill prata med en människa om min skrivare")
    async with agent_user(client, "kim", name="Kim") as kim:
        (item,) = await kim.queue()
        conversation_id = item["conversation_id"]
        await kim.claim(conversation_id)
        note = await kim.post(f"/conversations/{conversation_id}/notes", {"text": "Ringt henne"})
        assert note.status_code == 200
        empty = await kim.post(f"/conversations/{conversation_id}/close", {"resolution": "  "})
        assert empty.status_code == 400
        assert "empty" in empty.json()["error"]["message"]
        closed = await kim.post(
            f"/conversations/{conversation_id}/close", {"resolution": "Ny drivrutin installerad"}
        )
        assert closed.status_code == 200, closed.text
        number = closed.json()["ticket"]
        assert re.fullmatch(r"INC\d{7}", number)
        (closed_item,) = await kim.queue(state="closed")
        assert closed_item["state"] == "closed"
        view = await kim.conversation(conversation_id)
        assert view["resolution"] == "Ny drivrutin installerad"
        assert [n["text"] for n in view["notes"]] == ["Ringt henne"]
        console = await kim.http.get("/agent")
        assert f"Avslutad, {number}" in console.text  # under "Senast avslutade"
    (ticket,) = await tickets_of(client)
    assert (ticket.number, ticket.state) == (number, "resolved")
    assert ticket.details["resolution"] == "Ny drivrutin installerad"
    spoc = client.app.state.spoc  # type: ignore[attr-defined]
    async with spoc.sessions() as session:
        kinds = [e.kind for e in await repo.ticket_events(session, ticket_id=ticket.id)]
    assert kinds == ["opened", "resolved"]
    told = texts(await history(person))
    assert f"Ärende {number} är markerat som löst" in told
    assert "Ringt henne" not in told  # notes are internal


async def test_a_person_can_leave_the_queue(client: httpx.AsyncClient) -> None:
    person, _ = await escalated(client)
    replies = await person.press("handoff:leave")
    assert "lämnat kön" in replies[0]["text"]
    async with agent_user(client, "kim") as kim:
        assert await kim.queue() == []
    replies = await person.say("outlook kraschar")
    assert replies and replies[0]["author"] == "bot"


async def test_frustration_goes_to_a_person_at_once(client: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(client)
    replies = await person.say("det här är helt värdelöst, du förstår ingenting")
    assert "frustrerande" in replies[0]["text"]
    assert "nummer 1 i kön" in replies[0]["text"]
    async with agent_user(client, "kim") as kim:
        (item,) = await kim.queue()
        assert item["reason"] == "frustrated"


async def test_two_misunderstandings_in_a_row_go_to_a_person(client: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(client)
    await person.say("blärg")
    assert "förstod jag inte" in person.transcript[-1]["text"]
    replies = await person.say("flörp")
    assert "nummer 1 i kön" in replies[-1]["text"]
    async with agent_user(client, "kim") as kim:
        (item,) = await kim.queue()
        assert item["reason"] == "misunderstood"
        assert item["summary"]["problem"] == "blärg / flörp"
    events = await events_of(client)
    assert (events["misunderstood"], events["escalated"]) == (2, 1)


async def test_a_p1_incident_goes_straight_to_a_person(client: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(client)
    await person.say("nätverket är nere, ingen på hela kontoret kan jobba sedan i morse")
    for _ in range(6):
        if "incident:confirm" in person.offered():
            break
        offered = person.offered()
        if "incident:helped:no" in offered:
            await person.press("incident:helped:no")
        elif "incident:urgency:1" in offered:
            await person.press("incident:urgency:1")
        elif "incident:impact:1" in offered:
            await person.press("incident:impact:1")
        else:
            await person.say("allt står still")
    replies = await person.press("incident:confirm")
    said = texts(replies)
    assert re.search(r"INC\d{7}", said)
    assert "kopplar jag dig direkt till servicedesken" in said
    async with agent_user(client, "kim") as kim:
        (item,) = await kim.queue()
        assert item["reason"] == "p1"
        assert item["summary"]["ticket"] == (await tickets_of(client))[0].number


async def test_retention_deletes_agents_notes_and_the_gathered_summary(
    client: httpx.AsyncClient,
) -> None:
    from datetime import timedelta

    from sqlalchemy import select, update

    from bot.retention import cutoff, purge
    from bot.store.agents import AgentNote, Escalation
    from bot.store.models import Conversation, utcnow

    await escalated(client, "jag vill prata med en människa om min lönespecifikation")
    async with agent_user(client, "kim") as kim:
        (item,) = await kim.queue()
        await kim.claim(item["conversation_id"])
        await kim.post(f"/conversations/{item['conversation_id']}/notes", {"text": "Anna, lön"})
        await kim.post(f"/conversations/{item['conversation_id']}/close", {"resolution": "Klart"})
    spoc = client.app.state.spoc  # type: ignore[attr-defined]
    async with spoc.sessions() as session, session.begin():
        await session.execute(
            update(Conversation).values(last_activity_at=utcnow() - timedelta(days=91))
        )
    assert await purge(spoc.sessions, older_than=cutoff(utcnow(), 90)) == 1
    async with spoc.sessions() as session:
        assert (await session.execute(select(AgentNote))).scalars().all() == []
        (kept,) = (await session.execute(select(Escalation))).scalars().all()
    assert kept.summary == {} and kept.state == "closed"  # the figures stay, the words go


async def test_a_conversation_transferred_to_a_colleague_is_theirs_alone(
    client: httpx.AsyncClient,
) -> None:
    person, _ = await escalated(client)
    async with (
        agent_user(client, "kim", name="Kim") as kim,
        agent_user(client, "lo", name="Lo Lind") as lo,
    ):
        (item,) = await kim.queue()
        conversation_id = item["conversation_id"]
        await kim.claim(conversation_id)
        itself = await kim.post(f"/conversations/{conversation_id}/transfer", {"agent": "kim"})
        assert itself.status_code == 400
        moved = await kim.post(f"/conversations/{conversation_id}/transfer", {"agent": "lo"})
        assert moved.status_code == 200, moved.text
        (taken,) = await kim.queue()
        assert (taken["agent"], taken["agent_name"]) == ("lo", "Lo Lind")
        assert (await kim.say(conversation_id, "Hej")).status_code == 409
        assert (await lo.say(conversation_id, "Hej, Lo här.")).status_code == 200
        said = [(m["author"], m["text"]) for m in (await history(person))[-2:]]
        assert said == [
            ("system", "Du kopplas vidare till Lo Lind på servicedesken."),
            ("agent", "Hej, Lo här."),
        ]


async def test_signing_out_ends_the_session_on_the_server(client: httpx.AsyncClient) -> None:
    async with agent_user(client, "kim") as kim:
        cookie = kim.http.cookies["spoc_agent"]
        assert (await kim.post("/session/end")).status_code == 200
        assert (await kim.get("/conversations")).status_code == 401
        # The old cookie, replayed, opens nothing either.
        replayed = await kim.http.get(
            "/api/agent/conversations", headers={"Cookie": f"spoc_agent={cookie}"}
        )
        assert replayed.status_code == 401


async def test_a_stale_queue_page_says_who_was_first(client: httpx.AsyncClient) -> None:
    await escalated(client)
    async with (
        agent_user(client, "kim", name="Kim") as kim,
        agent_user(client, "lo", name="Lo Lind") as lo,
    ):
        page = await kim.http.get("/agent")
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
        assert token is not None
        (item,) = await lo.queue()
        await lo.claim(item["conversation_id"])
        late = await kim.http.post(
            f"/agent/conversations/{item['conversation_id']}/claim",
            data={"csrf_token": token.group(1)},
        )
        assert late.status_code == 303
        notice = await kim.http.get(late.headers["location"])
        assert "Lo Lind hann före och har tagit konversationen." in notice.text


async def test_the_report_counts_take_overs_and_the_time_to_an_agent(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    from bot.report import render, service_report
    from bot.store.models import utcnow

    await escalated(client)
    await escalated(client, "jag är så trött på det här, ge mig en människa")
    async with agent_user(client, "kim") as kim:
        first, _second = await kim.queue()
        await kim.claim(first["conversation_id"])
    report = await service_report(settings, days=1, now=utcnow())
    assert report["escalations"] == 2
    assert report["taken_over_by_agents"] == 1
    assert report["time_to_agent_seconds"]["median"] >= 0
    assert "taken over by agents      1" in render(report)


async def test_a_ticket_update_while_an_agent_has_the_conversation_leaves_the_bot_silent(
    client: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(client)
    await person.say("Flera av oss kommer inte in i journalsystemet sedan i morse")
    for action in ("incident:helped:no", "incident:impact:2", "incident:urgency:1"):
        if action in person.offered():
            await person.press(action)
    replies = await person.press("incident:confirm")
    number = re.search(r"INC\d{7}", str(replies[0]["text"]))
    assert number is not None
    await person.say("kan jag få prata med en människa?")
    async with agent_user(client, "kim", name="Kim") as kim:
        (item,) = await kim.queue()
        await kim.claim(item["conversation_id"])
        before = await history(person)
        spoc = client.app.state.spoc  # type: ignore[attr-defined]
        result = await spoc.router.update_ticket(
            TicketChange(number.group(0), "assigned", actor="itsm", assignee="Lo")
        )
        assert result.notified is False
        assert await history(person) == before
        (ticket,) = await tickets_of(client)
        assert (ticket.state, ticket.assignee) == ("assigned", "Lo")
