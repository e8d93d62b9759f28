"""Outside the service desk's opening hours nobody can take a chat over: the person gets a
ticket and honest times instead of a queue that nobody watches."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime

import httpx
import pytest

from bot.agents.hours import DeskHours
from bot.config import Settings
from bot.errors import ConfigError
from tests.support.agents import agent_user
from tests.support.chat import ChatPerson, events_of, tickets_of

SATURDAY_NOON = datetime(2026, 12, 5, 11, 0, tzinfo=UTC)


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"desk_open_hours": "mon-fri 08:00-17:00", "desk_holidays_open": False}
    )


async def on_saturday(client: httpx.AsyncClient, locale: str | None = None) -> ChatPerson:
    """A person chatting on Saturday at noon (UTC), when the desk is closed."""
    at(client, SATURDAY_NOON)
    return await ChatPerson.start(client, locale=locale)


def at(client: httpx.AsyncClient, moment: datetime) -> None:
    """The engine's clock (an injected service) set to ``moment``."""
    router = client.app.state.spoc.router  # type: ignore[attr-defined]
    router.services = dataclasses.replace(router.services, now=lambda: moment)


async def test_outside_opening_hours_a_request_for_a_human_opens_a_ticket_with_honest_times(
    client: httpx.AsyncClient,
) -> None:
    person = await on_saturday(client)
    await person.say("Min skrivare på plan 3 skriver inte ut")
    replies = await person.say("jag vill prata med en människa")
    said = replies[-1]["text"]
    number = re.search(r"INC\d{7}", said)
    assert number is not None
    assert "Servicedesken har stängt just nu (öppet vardagar 08.00–17.00 utom helgdagar)" in said
    assert "måndag 7 december kl. 08.00" in said  # when somebody can take over
    assert "svar senast måndag 7 december kl. 17.00" in said  # P4: one working day
    # Its targets count the desk's hours: call when it opens, if it cannot wait.
    assert "hanteras även när servicedesken har stängt" not in said
    assert "Är det akut når du servicedesken på 0123-45 67 00 när den öppnar." in said
    (ticket,) = await tickets_of(client)
    assert ticket.number == number.group(0)
    assert ticket.details["escalation"] == "asked"
    async with agent_user(client, "kim") as kim:
        assert await kim.queue() == []  # nobody is there to take it
        (record,) = await kim.queue(state="closed")
        assert (record["state"], record["summary"]["ticket"]) == ("ticket", ticket.number)
    # The bot goes on helping.
    assert (await person.say("outlook kraschar"))[0]["author"] == "bot"
    assert (await events_of(client))["escalated"] == 1


@pytest.mark.parametrize(
    ("locale", "outage", "handled", "by", "call_later"),
    [
        (
            "sv",
            "Ingen på hela enheten kommer in i journalsystemet sedan kl 8, vi kan inte arbeta",
            "hanteras även när servicedesken har stängt",
            "någon börjar arbeta med det senast lördag 5 december kl. 12.15",
            "när den öppnar",
        ),
        (
            "en",
            "Nobody in the whole unit can log in to the patient records since 8, we cannot work",
            "handled while the service desk is closed",
            "somebody will start working on it by Saturday 5 December at 12:15",
            "when it opens",
        ),
    ],
)
async def test_outside_hours_a_p1_is_promised_what_its_round_the_clock_target_says(
    client: httpx.AsyncClient, locale: str, outage: str, handled: str, by: str, call_later: str
) -> None:
    """P1 has a 15-minute response target on the calendar clock (catalog/sla.yaml): telling
    the person to call when the desk opens on Monday would contradict the ticket's own
    promise a message earlier."""
    person = await on_saturday(client, locale)  # 12.00 in Stockholm
    await person.say(outage)
    replies = await person.press("incident:confirm")
    (ticket,) = await tickets_of(client)
    assert ticket.priority == 1
    closed = replies[-1]["text"]
    assert ticket.number in closed
    assert "skapat ärende" not in closed and "opened ticket" not in closed  # said just before
    assert handled in closed
    assert by in closed  # the ticket's response target, not the desk's next opening
    assert call_later not in closed


async def test_outside_hours_an_account_someone_may_be_in_is_handled_within_the_hour(
    client: httpx.AsyncClient,
) -> None:
    """A P2 on the calendar clock, like a P1: handled while the desk is closed."""
    person = await on_saturday(client)  # 12.00 in Stockholm
    await person.say("jag klickade på en länk i ett sms och skrev in mitt lösenord på sidan")
    replies = await person.press("incident:confirm")
    (ticket,) = await tickets_of(client)
    assert (ticket.priority, ticket.details["compromise"]) == (2, True)
    closed = replies[-1]["text"]
    assert f"Ditt ärende {ticket.number} är registrerat" in closed
    assert "någon börjar arbeta med det senast lördag 5 december kl. 13.00" in closed
    assert "när den öppnar" not in closed


async def test_outside_hours_a_wish_the_catalogue_lacks_becomes_a_request_ticket(
    client: httpx.AsyncClient,
) -> None:
    """An order is a request (REQ), not a fault (INC): the desk counts them apart."""
    person = await on_saturday(client)
    await person.say("jag behöver tillgång till ekonomisystemet")
    assert "Jag hittar inte det i listan" in person.last_text()
    closed = (await person.press("request:other"))[-1]["text"]
    (ticket,) = await tickets_of(client)
    assert ticket.number.startswith("REQ")
    assert ticket.number in closed
    assert (
        ticket.title == "Beställning utanför katalogen: jag behöver tillgång till ekonomisystemet"
    )
    assert ticket.details["escalation"] == "not_in_catalog"


async def test_outside_hours_a_bot_that_does_not_understand_offers_a_ticket(
    client: httpx.AsyncClient,
) -> None:
    at(client, datetime(2026, 12, 25, 9, 0, tzinfo=UTC))  # juldagen, a Friday
    person = await ChatPerson.start(client)
    await person.say("blärg")
    replies = await person.say("flörp")
    assert "Servicedesken har stängt" in replies[-1]["text"]
    assert "måndag 28 december kl. 08.00" in replies[-1]["text"]
    assert person.offered() == ["handoff:ticket", "handoff:back"]
    assert await tickets_of(client) == []  # no ticket made of words nobody understood
    await person.press("handoff:ticket")
    assert "Berätta med egna ord" in person.transcript[-1]["text"]


@pytest.mark.parametrize(
    "said",
    [
        ["hej", "vem är du?", "kan jag prata med en människa"],
        ["vad kan du hjälpa till med?", "ok", "du är värdelös"],
    ],
)
async def test_outside_hours_no_ticket_is_made_of_words_that_say_nothing(
    client: httpx.AsyncClient, said: list[str]
) -> None:
    person = await on_saturday(client)
    for text in said:
        replies = await person.say(text)
    assert "Servicedesken har stängt" in replies[-1]["text"]
    assert "Vill du att jag skapar ett ärende" in replies[-1]["text"]
    assert person.offered() == ["handoff:ticket", "handoff:back"]
    assert await tickets_of(client) == []  # a ticket reading "hej / vem är du?" helps nobody
    await person.press("handoff:ticket")
    assert "Berätta med egna ord" in person.last_text()  # the way to a ticket stays open


async def test_outside_hours_the_words_that_say_something_make_the_ticket(
    client: httpx.AsyncClient,
) -> None:
    person = await on_saturday(client)
    await person.say("hej")
    await person.say("lönen syns inte i självservice")
    await person.say("kan jag prata med en människa")
    (ticket,) = await tickets_of(client)
    assert ticket.description == "lönen syns inte i självservice"


def test_desk_hours_know_swedish_public_holidays() -> None:
    desk = DeskHours.parse("mon-fri 08:00-17:00")
    good_friday = datetime(2027, 3, 26, 10, 0, tzinfo=UTC)
    assert not desk.is_open(good_friday)
    # Easter Monday is closed too: the next opening is Tuesday.
    assert desk.describe(desk.next_opening(good_friday), "sv") == "tisdag 30 mars kl. 08.00"
    assert desk.describe(desk.next_opening(good_friday), "en") == "Tuesday 30 March at 08:00"
    midsummer_eve = datetime(2027, 6, 25, 10, 0, tzinfo=UTC)
    assert not desk.is_open(midsummer_eve)
    assert desk.is_open(datetime(2026, 11, 30, 7, 0, tzinfo=UTC))  # Monday 08.00 in Stockholm
    assert not desk.is_open(datetime(2026, 11, 30, 16, 0, tzinfo=UTC))  # 17.00: closed
    always = DeskHours.parse("mon-sun 00:00-24:00", holidays_open=True)
    assert always.is_open(datetime(2026, 12, 25, 23, 59, tzinfo=UTC))
    assert desk.summary("en") == "weekdays 08:00–17:00 except public holidays"
    assert always.summary("en") == "every day around the clock"
    assert DeskHours.parse("mon-sat 07:30-18:00").summary("sv") == (
        "måndag–lördag 07.30–18.00 utom helgdagar"
    )


@pytest.mark.parametrize("spec", ["weekdays 8-17", "mon-fri 17:00-08:00", "fun-fri 08:00-17:00"])
def test_desk_hours_that_cannot_be_read_say_how_to_write_them(spec: str) -> None:
    with pytest.raises(ConfigError, match=r"SPOC_DESK_OPEN_HOURS|unknown day"):
        DeskHours.parse(spec)
