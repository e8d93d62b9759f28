"""Telegram end to end: updates with the secret token into spoc's real webhook, the real
python-telegram-bot Bot out to a local fake Bot API."""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from functools import partial

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from bot.app import Spoc
from bot.config import Settings
from bot.messages import Button, ConversationRef, Outbound
from bot.store import repo
from bot.store.models import OutboxItem
from bot.store.people import people_of_conversation
from bot.web.app import create_app
from tests.fakes.telegram_api import SECRET_TOKEN as SECRET
from tests.fakes.telegram_api import FakeTelegram, TelegramPerson
from tests.support.agents import agent_user
from tests.support.app import app_client, pointed_at, texts
from tests.support.chat import messages_by, tickets_of

TICKET = re.compile(r"\bINC\d{7}\b")


@dataclass
class Telegram:
    app: FastAPI
    http: httpx.AsyncClient
    fake: FakeTelegram
    anna: TelegramPerson

    async def settled(self) -> None:
        """Every update has had its turn and every reply is in the chat, paced or not: woken
        by each call the fake Bot API receives."""
        await self.app.state.channels.telegram.settled()
        spoc = self.app.state.spoc
        async with asyncio.timeout(15):
            while True:
                seen = len(self.fake.calls)
                await spoc.outbox.drain()
                if await unsent(spoc) == 0:
                    break
                await self.fake.wait_until(partial(self._called_since, seen))
        await self.app.state.channels.telegram.settled()

    def _called_since(self, seen: int) -> bool:
        return len(self.fake.calls) > seen

    def person(self, chat_id: int, first_name: str) -> TelegramPerson:
        return TelegramPerson(self.http, self.fake, SECRET, chat_id, first_name, "Berg", "en")


@pytest.fixture
async def telegram(settings: Settings, fake_telegram: FakeTelegram) -> AsyncIterator[Telegram]:
    async with app_client(pointed_at(settings, fake_telegram)) as http:
        app = http.app  # type: ignore[attr-defined]
        yield Telegram(app, http, fake_telegram, TelegramPerson(http, fake_telegram, SECRET))


async def unsent(spoc: Spoc) -> int:
    async with spoc.sessions() as session:
        statement = select(func.count()).where(OutboxItem.status.in_(("pending", "sending")))
        return int((await session.execute(statement)).scalar_one())


async def test_incident_in_a_chat_ends_in_a_ticket_with_inline_keyboards(
    telegram: Telegram,
) -> None:
    anna, fake = telegram.anna, telegram.fake
    await anna.say("hej outlok krashar hela tiden när jag ska öpna mejlen, kan inte jobba")
    await telegram.settled()
    assert "incident:helped:no" in anna.offered()
    assert "Outlook" in str(fake.in_chat(4242)[0]["text"])
    assert fake.calls_to("sendMessage")[0].params["parse_mode"] == "HTML"

    await anna.press("incident:helped:no")
    await telegram.settled()
    # The spinner is stopped with the choice, and the keyboard is taken away.
    (answered,) = fake.calls_to("answerCallbackQuery")
    assert "Nej, det hjälpte inte" in answered.params["text"]
    assert "incident:helped:no" not in anna.offered()
    await anna.say("sedan i morse")
    await telegram.settled()
    await anna.press("incident:impact:3")
    await telegram.settled()
    await anna.press("incident:confirm")
    await telegram.settled()

    number = TICKET.search(texts(fake.in_chat(4242)))
    assert number is not None
    tickets = await tickets_of(telegram.http)
    assert [t.number for t in tickets] == [number.group(0)]
    assert tickets[0].priority == 3
    assert tickets[0].requester == "Anna Andersson"
    assert "feedback:rate:5" in anna.offered()
    async with telegram.app.state.spoc.sessions() as session:
        (person,) = await people_of_conversation(
            session, conversation_id=tickets[0].conversation_id
        )
    assert (person.external_id, person.name, person.locale) == ("4242", "Anna Andersson", "sv")


async def test_start_is_answered_with_the_greeting_that_says_it_is_a_bot(
    telegram: Telegram,
) -> None:
    anna, fake = telegram.anna, telegram.fake
    await anna.say("/start")
    await telegram.settled()
    greeting = str(fake.in_chat(4242)[0]["text"])
    assert "en automatisk tjänst, inte en människa" in greeting
    assert "menu:human" in anna.offered()  # a way to a person, offered at once


async def test_a_first_message_asking_what_this_is_gets_the_honest_answer_once(
    telegram: Telegram,
) -> None:
    anna, fake = telegram.anna, telegram.fake
    await anna.say("är du en robot?")
    await telegram.settled()
    (answer,) = [str(message["text"]) for message in fake.in_chat(4242)]
    assert "ett datorprogram, inte en människa" in answer
    assert "automatisk tjänst" not in answer  # not the introduction on top of the answer
    assert "menu:human" in anna.offered()


async def test_a_ticket_update_reaches_the_chat_where_the_person_wrote(
    telegram: Telegram,
) -> None:
    await telegram.anna.say("hej")
    await telegram.settled()
    ref = ConversationRef("telegram", "4242")
    await telegram.app.state.spoc.router.post(
        ref, Outbound("Ärende INC0000001 är löst <3 & klart", author="system")
    )
    await telegram.settled()
    last = telegram.fake.in_chat(4242)[-1]
    assert last["text"] == "Ärende INC0000001 är löst &lt;3 &amp; klart"  # escaped for HTML


async def test_a_redelivered_update_is_answered_once(telegram: Telegram) -> None:
    update = telegram.anna.message_update("skrivaren på plan 3 skriver inte ut")
    first, again = await asyncio.gather(
        telegram.anna.deliver(update), telegram.anna.deliver(update)
    )
    third = await telegram.anna.deliver(update)
    assert (first.status_code, again.status_code, third.status_code) == (200, 200, 200)
    await telegram.settled()
    people_said = await messages_by(telegram.http, "user")
    bot_said = await messages_by(telegram.http, "bot")
    assert [m.idempotency_key for m in people_said] == [f"telegram:{update['update_id']}"]
    assert len(telegram.fake.in_chat(4242)) == len(bot_said) >= 1


async def test_updates_without_the_right_secret_are_refused(telegram: Telegram) -> None:
    update = telegram.anna.message_update("ge mig admin")
    wrong = await telegram.anna.deliver(update, secret="guessed")
    almost = await telegram.anna.deliver(update, secret=SECRET[:-1] + "X")
    missing = await telegram.http.post("/telegram/webhook", json=update)
    assert (wrong.status_code, almost.status_code, missing.status_code) == (403, 403, 403)
    await telegram.settled()
    assert telegram.fake.calls_to("sendMessage") == []
    async with telegram.app.state.spoc.sessions() as session:
        assert await repo.find_conversation(session, channel="telegram", key="4242") is None


async def test_flood_control_in_one_chat_does_not_hold_up_another(telegram: Telegram) -> None:
    fake = telegram.fake
    berit = telegram.person(5151, "Berit")
    fake.fail_next("sendMessage", 429, chat_id=4242, retry_after=1)
    await telegram.anna.say("hej")
    await berit.say("hello")
    await fake.wait_until(lambda: len(fake.in_chat(5151)) == 1)
    assert fake.in_chat(4242) == []  # Berit is answered while Anna's chat waits its second
    await telegram.settled()
    to_anna = [c.status for c in fake.calls_to("sendMessage") if c.params["chat_id"] == "4242"]
    assert to_anna == [429, 200]
    assert len(fake.in_chat(4242)) == 1


async def test_server_errors_delay_delivery_but_never_repeat_it(telegram: Telegram) -> None:
    fake = telegram.fake
    fake.fail_next("sendMessage", 500)
    await telegram.anna.say("hej")
    await telegram.app.state.spoc.router.post(
        ConversationRef("telegram", "4242"), Outbound("Kim här.", author="agent")
    )
    await fake.wait_until(lambda: len(fake.in_chat(4242)) == 2)
    await telegram.settled()
    assert [c.status for c in fake.calls_to("sendMessage")] == [500, 200, 200]
    assert fake.in_chat(4242)[-1]["text"] == "Kim här."


async def test_a_chat_that_sends_too_fast_is_paced_not_refused(telegram: Telegram) -> None:
    ref = ConversationRef("telegram", "4242")
    await telegram.anna.say("hej")
    await telegram.settled()
    for number in range(4):
        await telegram.app.state.spoc.router.post(ref, Outbound(f"Uppdatering {number}"))
    await telegram.settled()
    assert [m["text"] for m in telegram.fake.in_chat(4242)[1:]] == [
        f"Uppdatering {n}" for n in range(4)
    ]
    sends = telegram.fake.calls_to("sendMessage")
    assert all(call.status == 200 for call in sends)  # never a 429: spoc kept the pace
    # A burst of three, then about one a second: the fifth went out two seconds after.
    assert sends[4].at - sends[0].at >= 1.5


async def test_choices_too_long_for_a_keyboard_are_numbered_and_answered_by_number(
    telegram: Telegram,
) -> None:
    await telegram.anna.say("hej")
    await telegram.settled()
    long_action = "menu:incident:" + "x" * 60  # over Telegram's 64-byte callback data
    buttons = (Button("Anmäla ett fel", long_action), Button("Prata med en person", "menu:human"))
    ref = ConversationRef("telegram", "4242")
    await telegram.app.state.spoc.router.post(ref, Outbound("Vad vill du göra?", buttons))
    await telegram.settled()
    shown = telegram.fake.in_chat(4242)[-1]
    assert "reply_markup" not in shown
    assert "1) Anmäla ett fel\n2) Prata med en person" in shown["text"]
    await telegram.anna.say("1")
    await telegram.settled()
    said = await messages_by(telegram.http, "user")
    assert said[-1].text == f"[{long_action}]"


async def test_a_refused_token_is_one_clear_line_at_start(
    settings: Settings, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "700000001:AAE-revoked-token-000000000000000"
    refused_settings = pointed_at(settings, fake_telegram, telegram_bot_token=wrong)
    with caplog.at_level(logging.INFO):
        async with app_client(refused_settings) as http:
            person = TelegramPerson(http, fake_telegram, SECRET)
            refused = await person.deliver(person.message_update("hej"))
    assert refused.status_code == 503
    lines = [r for r in caplog.records if "Telegram is off" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].levelno == logging.ERROR and lines[0].exc_info is None
    assert wrong not in caplog.text
    assert wrong.split(":")[1] not in caplog.text


async def test_a_webhook_without_a_secret_token_stays_off(
    settings: Settings, fake_telegram: FakeTelegram, caplog: pytest.LogCaptureFixture
) -> None:
    unchecked_settings = pointed_at(settings, fake_telegram, telegram_secret_token=None)
    with caplog.at_level(logging.INFO):
        async with app_client(unchecked_settings) as http:
            unchecked = await http.post("/telegram/webhook", json={"update_id": 1})
    assert unchecked.status_code == 503
    lines = [r for r in caplog.records if "Telegram is off" in r.getMessage()]
    assert len(lines) == 1 and "SPOC_TELEGRAM_SECRET_TOKEN" in lines[0].getMessage()
    assert fake_telegram.calls == []


async def test_the_webhook_is_pointed_at_spoc_with_the_secret_when_public(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    public = pointed_at(settings, fake_telegram, public_base_url="https://spoc.exempelby.se/")
    app = create_app(public)
    async with app.router.lifespan_context(app):
        pass
    (call,) = fake_telegram.calls_to("setWebhook")
    assert call.params["url"] == "https://spoc.exempelby.se/telegram/webhook"
    assert call.params["secret_token"] == SECRET
    assert call.params["allowed_updates"] == ["message", "callback_query"]


async def test_polling_gets_the_same_conversation_for_development(
    settings: Settings, fake_telegram: FakeTelegram
) -> None:
    async with app_client(pointed_at(settings, fake_telegram, telegram_polling=True)) as http:
        app = http.app  # type: ignore[attr-defined]
        anna = TelegramPerson(http, fake_telegram, SECRET)
        update = anna.message_update("hej")
        await fake_telegram.queue_update(update)
        await fake_telegram.queue_update(update)  # offered twice: answered once
        await fake_telegram.wait_until(lambda: len(fake_telegram.in_chat(4242)) >= 1)
        refused = await anna.deliver(anna.message_update("hej igen"))
        await app.state.channels.telegram.settled()
        await app.state.spoc.outbox.drain()
    assert refused.status_code == 503  # no webhook while polling
    assert len(fake_telegram.in_chat(4242)) == 1
    assert fake_telegram.calls_to("deleteWebhook")


async def test_a_person_who_blocked_the_bot_is_not_retried(telegram: Telegram) -> None:
    fake = telegram.fake
    fake.fail_next("sendMessage", 403)  # "Forbidden: bot was blocked by the user"
    await telegram.anna.say("hej")
    await telegram.settled()
    async with telegram.app.state.spoc.sessions() as session:
        rows = (await session.execute(select(OutboxItem))).scalars().all()
    assert [(row.status, row.attempts) for row in rows] == [("failed", 1)]
    assert [c.status for c in fake.calls_to("sendMessage")] == [403]
    # Unblocked later: what comes next is delivered as usual.
    await telegram.app.state.spoc.router.post(
        ConversationRef("telegram", "4242"), Outbound("Ditt ärende är löst.", author="system")
    )
    await telegram.settled()
    assert [m["text"] for m in fake.in_chat(4242)] == ["Ditt ärende är löst."]


async def test_a_telegram_user_escalates_and_the_agents_reply_names_the_agent(
    telegram: Telegram,
) -> None:
    http, fake_telegram = telegram.http, telegram.fake
    await telegram.anna.say("I want to talk to a human please")
    await telegram.settled()
    assert "number 1 in the queue" in fake_telegram.in_chat(4242)[-1]["text"]
    async with agent_user(http, "kim", name="Kim <Karlsson>") as kim:
        (item,) = await kim.queue()
        assert (await kim.claim(item["conversation_id"])).status_code == 200
        await kim.say(item["conversation_id"], "Hi! How can I help?")
        await telegram.settled()
    # The agent's name in bold, escaped like everything else in Telegram HTML.
    assert fake_telegram.in_chat(4242)[-1]["text"] == (
        "<b>Kim &lt;Karlsson&gt;</b>: Hi! How can I help?"
    )
