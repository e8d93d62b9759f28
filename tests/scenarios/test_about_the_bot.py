"""A person asking who they are talking to gets an honest answer: a program, not a person,
what it can do, and how to reach a person. Replies name the desk's hours in the person's
language."""

from __future__ import annotations

import httpx
import pytest

from bot.config import Settings
from tests.support.chat import ChatPerson, events_of


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"desk_open_hours": "mon-fri 08:00-17:00"})


@pytest.mark.parametrize(
    ("locale", "question", "honest"),
    [
        ("sv", "vem är du?", "ett datorprogram, inte en människa"),
        ("sv", "är du en människa?", "ett datorprogram, inte en människa"),
        ("sv", "vad kan du hjälpa till med?", "ett datorprogram, inte en människa"),
        ("en", "are you a bot", "a computer program, not a person"),
        ("en", "what can you do?", "a computer program, not a person"),
    ],
)
async def test_who_am_i_talking_to_is_answered_honestly(
    client: httpx.AsyncClient, locale: str, question: str, honest: str
) -> None:
    person = await ChatPerson.start(client, locale)
    (reply,) = await person.say(question)
    assert honest in reply["text"]
    assert ("prata med en person" if locale == "sv" else "talk to a person") in reply["text"]
    # What it can do, and the way on: the menu, with a person among the choices.
    assert "menu:incident" in person.offered()
    assert "menu:human" in person.offered()
    events = await events_of(client)
    assert events["asked_about_bot"] == 1
    assert "escalated" not in events  # asking what the bot is, is not asking for a person
    assert "misunderstood" not in events


async def test_the_question_in_the_middle_of_a_report_keeps_the_report_going(
    client: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(client, "en")
    await person.say("the vpn keeps dropping")
    await person.press("incident:helped:no")  # the guide to a VPN that drops did not help
    await person.say("since this morning")
    asked = person.transcript[-1]["text"]
    assert "How many people are affected?" in asked
    replies = await person.say("am I talking to a human?")
    assert "a computer program, not a person" in replies[0]["text"]
    assert replies[-1]["text"] == asked  # the open question again
    await person.press("incident:impact:1")
    assert "incident:urgency:1" in person.offered()  # the report goes on where it was


async def test_a_question_that_names_a_service_is_about_the_service(
    client: httpx.AsyncClient,
) -> None:
    person = await ChatPerson.start(client)
    replies = await person.say("vad kan du om vpn?")
    assert all("datorprogram" not in reply["text"] for reply in replies)
    assert "asked_about_bot" not in await events_of(client)


async def test_english_replies_give_the_desks_hours_in_english(
    client: httpx.AsyncClient,
) -> None:
    settings = client.app.state.spoc.settings  # type: ignore[attr-defined]
    assert settings.service_desk_hours is None  # described from the desk's own hours
    person = await ChatPerson.start(client, "en")
    greeting = person.transcript[0]["text"]
    assert "weekdays 08:00–17:00" in greeting
    assert "vardagar" not in greeting
    swedish = await ChatPerson.start(client, "sv")
    assert "vardagar 08.00–17.00" in swedish.transcript[0]["text"]
