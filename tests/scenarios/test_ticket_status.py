"""Ticket status and proactive updates: a person sees only their own tickets, hears where they
reported a problem when it is assigned, needs their answer or is solved, and rates the help."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from pydantic import SecretStr

from bot.config import Settings
from tests.support.agents import agent_user
from tests.support.app import app_client
from tests.support.chat import ChatPerson, events_of, tickets_of
from tests.support.smtp import MailCatcher, body_of, smtp_server

TICKET = re.compile(r"\b(?:INC|REQ)\d{7}\b")
TOKEN = "itsm-token-for-tests-0123456789"
# Several people, work stopped: priority 2 (a P1 would go straight to a person).
PROBLEM = "Flera av oss kommer inte in i journalsystemet sedan i morse och vi kan inte arbeta"


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    with_token = settings.model_copy(update={"itsm_api_token": SecretStr(TOKEN)})
    async with app_client(with_token) as http:
        yield http


async def report(person: ChatPerson, text: str = PROBLEM) -> str:
    """Report a problem and answer what the bot asks until the ticket is opened."""
    await person.say(text)
    answers = {
        "incident:helped:no": None,
        "incident:impact:2": None,
        "incident:urgency:1": None,
        "incident:confirm": None,
    }
    for _ in range(8):
        offered = person.offered()
        action = next((a for a in answers if a in offered), None)
        if action is None:
            await person.say("sedan i morse")
            continue
        replies = await person.press(action)
        if action == "incident:confirm":
            found = TICKET.search(replies[0]["text"])
            assert found is not None
            return found.group(0)
    raise AssertionError(f"no ticket after {person.transcript}")


async def change(
    http: httpx.AsyncClient, number: str, token: str = TOKEN, **body: object
) -> httpx.Response:
    return await http.post(
        f"/api/tickets/{number}/state",
        json={"actor": "itsm", **body},
        headers={"Authorization": f"Bearer {token}"},
    )


async def new_messages(http: httpx.AsyncClient, person: ChatPerson) -> list[dict[str, object]]:
    """What reached the person's session since they last read it (as the widget fetches)."""
    after = max((int(m["id"]) for m in person.transcript if "id" in m), default=0)
    response = await http.get(
        f"/api/chat/sessions/{person.session_id}/messages",
        params={"after": after},
        headers=person.headers,
    )
    assert response.status_code == 200, response.text
    messages: list[dict[str, object]] = response.json()["messages"]
    person.transcript.extend(messages)
    return messages


async def test_my_tickets_are_listed_and_shown_with_what_happens_next(
    client: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(client)
    number = await report(person)
    replies = await person.say("mina ärenden")
    assert number in replies[0]["text"]
    assert "väntar på en handläggare" in replies[0]["text"]
    assert "mål: löst senast" in replies[0]["text"]

    # Asking when what was reported or ordered comes is asking for one's tickets too.
    replies = await person.say("när får jag besked om behörigheten?")
    assert number in replies[0]["text"]

    replies = await person.say(f"hur går det med {number.lower()}?")
    text = replies[0]["text"]
    assert text.startswith(number)
    assert "Prioritet 2 av 5" in text
    assert "Målet är att någon börjar arbeta med det senast" in text
    assert re.search(r"kl\. \d\d\.\d\d", text)


async def test_someone_elses_ticket_gets_the_answer_of_a_ticket_that_does_not_exist(
    client: httpx.AsyncClient,
) -> None:
    owner = await ChatPerson.start(client)
    number = await report(owner)
    stranger = await ChatPerson.start(client)
    theirs = (await stranger.say(f"status {number}"))[0]["text"]
    missing_number = "INC9999999"
    missing = (await stranger.say(f"status {missing_number}"))[0]["text"]
    assert theirs.replace(number, "<n>") == missing.replace(missing_number, "<n>")
    assert "Jag hittar inget ärende" in theirs
    listed = (await stranger.say("mina ärenden"))[0]["text"]
    assert number not in listed
    assert "Jag hittar inga öppna ärenden" in listed


async def test_status_in_english(client: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(client, locale="en")
    number = await report(
        person,
        "Several of us cannot log in to the care journal system since this morning, "
        "we cannot work",
    )
    text = (await person.say("how is my ticket doing?"))[0]["text"]
    assert "These are your open tickets" in text
    assert number in text


async def test_updates_reach_the_person_and_solving_asks_for_a_rating(
    client: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(client)
    number = await report(person)

    response = await change(client, number, state="assigned", assignee="Kim Nilsson")
    assert response.json() == {"number": number, "state": "assigned", "notified": True}
    (assigned,) = await new_messages(client, person)
    assert "Nu har Kim Nilsson på" in str(assigned["text"])
    assert number in str(assigned["text"])
    # The same change again (an ITSM retry) changes and sends nothing.
    again = await change(client, number, state="assigned", assignee="Kim Nilsson")
    assert again.json()["notified"] is False
    assert await new_messages(client, person) == []

    await change(client, number, state="waiting", note="Vilken avdelning arbetar du på?")
    (waiting,) = await new_messages(client, person)
    assert "Fråga: Vilken avdelning arbetar du på?" in str(waiting["text"])
    replies = await person.say("Avdelning 12 på lasarettet")
    assert f"lagt till ditt svar i ärende {number}" in replies[0]["text"]
    (ticket,) = await tickets_of(client)
    assert ticket.state == "assigned"

    await change(client, number, state="resolved", note="Vi startade om inloggningstjänsten.")
    solved = await new_messages(client, person)
    assert "är löst" in str(solved[0]["text"])
    assert "Vi startade om inloggningstjänsten." in str(solved[0]["text"])
    assert "feedback:rate:5" in person.offered()
    await person.press("feedback:rate:4")
    events = await events_of(client)
    assert events["csat_given"] == 1
    assert events["ticket_update_sent"] == 3


async def test_a_problem_that_is_back_opens_the_ticket_again(client: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(client)
    number = await report(person)
    await change(client, number, state="resolved")
    await new_messages(client, person)
    replies = await person.say("det funkar fortfarande inte")
    assert f"öppnat ärende {number} igen" in replies[0]["text"]
    (ticket,) = await tickets_of(client)
    assert ticket.state == "new"


async def test_the_integration_api_refuses_a_wrong_token_and_bad_input(
    client: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(client)
    number = await report(person)
    assert (await change(client, number, token="wrong", state="resolved")).status_code == 401
    assert (await change(client, "INC0000000", state="resolved")).status_code == 404
    bad = await change(client, number, state="exploded")
    assert bad.status_code == 422
    assert bad.json()["error"]["code"] == "invalid_request"
    (ticket,) = await tickets_of(client)
    assert ticket.state == "new"


async def test_the_integration_api_is_off_without_a_token(settings: Settings) -> None:
    async with app_client(settings.model_copy(update={"itsm_api_token": SecretStr("")})) as http:
        response = await change(http, "INC0000001", token="", state="resolved")
    assert response.status_code == 404


@pytest.fixture
async def mail_client(settings: Settings) -> AsyncIterator[tuple[httpx.AsyncClient, MailCatcher]]:
    async with smtp_server() as smtp:
        with_mail = settings.model_copy(
            update={
                "itsm_api_token": SecretStr(TOKEN),
                "smtp_host": smtp.host,
                "smtp_port": smtp.port,
                "smtp_security": "none",
            }
        )
        async with app_client(with_mail) as http:
            yield http, smtp


async def test_a_citizen_gets_news_by_e_mail_and_proves_the_ticket_in_a_new_chat(
    mail_client: tuple[httpx.AsyncClient, MailCatcher],
) -> None:
    client, smtp = mail_client
    citizen = await ChatPerson.start(client)
    number = await report(citizen)
    assert "Skriv då din e-postadress här" in citizen.transcript[-2]["text"]
    replies = await citizen.say("Det är kalle.karlsson@example.com")
    assert f"besked om ärende {number} till kalle.karlsson@example.com" in replies[0]["text"]
    assert "feedback:rate:5" in citizen.offered()

    await change(client, number, state="resolved", note="Tjänsten är omstartad.")
    news = await smtp.message_to("kalle.karlsson@example.com")
    assert news["Subject"] == f"Ärende {number}: löst"
    assert "journalsystemet" not in body_of(news)  # no ticket content in an e-mail

    later = await ChatPerson.start(client)  # the first session is long gone
    asked = (await later.say(f"status {number}"))[0]["text"]
    assert "Jag hittar inget ärende" in asked
    assert "Skriv den här, så skickar jag en kod" in asked
    sent = (await later.say("kalle.karlsson@example.com"))[0]["text"]
    code = await smtp.code_for("kalle.karlsson@example.com")  # the news held none
    shown = (await later.say(code))[0]["text"]
    assert shown.startswith(number)
    assert "Ärendet är löst" in shown

    stranger = await ChatPerson.start(client)
    await stranger.say(f"status {number}")
    guessed = (await stranger.say("eve@example.com"))[0]["text"]
    assert guessed == sent  # the same answer whether or not the address is the ticket's
    for _ in range(2):
        assert "försök kvar" in (await stranger.say("123456"))[0]["text"]
    stopped = (await stranger.say("654321"))[0]["text"]
    assert "kan inte visa ärendet" in stopped
    assert number not in stopped
    assert smtp.to("eve@example.com") == []


async def test_an_agent_closing_the_conversation_tells_the_citizen_by_e_mail(
    mail_client: tuple[httpx.AsyncClient, MailCatcher],
) -> None:
    client, smtp = mail_client
    citizen = await ChatPerson.start(client)
    number = await report(citizen)
    await citizen.say("sara@example.com")
    await citizen.say("kan jag få prata med en människa?")
    async with agent_user(client, "kim", name="Kim Karlsson") as kim:
        (item,) = await kim.queue()
        assert item["summary"]["ticket"] == number
        await kim.claim(item["conversation_id"])
        closed = await kim.post(
            f"/conversations/{item['conversation_id']}/close", {"resolution": "Behörighet fixad"}
        )
        assert closed.status_code == 200, closed.text
    news = await smtp.message_to("sara@example.com")
    assert news["Subject"] == f"Ärende {number}: löst"


async def test_only_the_answer_to_the_question_gives_the_ticket_an_address(
    client: httpx.AsyncClient,
) -> None:
    citizen = await ChatPerson.start(client)
    await report(citizen)
    await citizen.say("jag återkommer senare")  # not an address: the question has passed
    replies = await citizen.say("mejlen till anna@example.com studsar")
    assert all("besked om ärende" not in r["text"] for r in replies)
    (ticket,) = await tickets_of(client)
    assert "contact_email" not in ticket.details
