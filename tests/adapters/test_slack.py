"""Slack end to end: signed requests into spoc's real endpoint, the real bolt app and
slack_sdk client out to a local fake Slack Web API."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from bot.config import Settings
from bot.messages import Button, ConversationRef, Outbound
from bot.router import TicketChange
from bot.store import repo
from bot.store.models import OutboxItem, utcnow
from bot.store.people import people_of_conversation
from bot.web.app import create_app
from tests.fakes.slack_api import BOT_USER, TEAM, FakeSlack, SlackPerson
from tests.fakes.slack_api import SIGNING_SECRET as SECRET
from tests.support.agents import agent_user
from tests.support.app import app_client, pointed_at, texts
from tests.support.chat import messages_by, tickets_of

TICKET = re.compile(r"\bINC\d{7}\b")


@dataclass
class Slack:
    app: FastAPI
    http: httpx.AsyncClient
    fake: FakeSlack
    anna: SlackPerson

    async def settled(self) -> None:
        """Every acknowledged event has had its turn and every due reply is sent."""
        await self.app.state.channels.slack.settled()
        await self.app.state.spoc.outbox.drain()

    def ref(self, channel: str = "D0ANNA", thread_ts: str | None = None) -> ConversationRef:
        key = f"{TEAM}:{channel}:{thread_ts}" if thread_ts else f"{TEAM}:{channel}"
        return ConversationRef("slack", key)


@pytest.fixture
async def slack(settings: Settings, fake_slack: FakeSlack) -> AsyncIterator[Slack]:
    async with app_client(pointed_at(settings, fake_slack)) as http:
        app = http.app  # type: ignore[attr-defined]
        yield Slack(app, http, fake_slack, SlackPerson(http, fake_slack, SECRET))


async def test_incident_in_a_direct_message_ends_in_a_ticket_with_buttons(slack: Slack) -> None:
    anna, fake = slack.anna, slack.fake
    await anna.say("hej outlok krashar hela tiden när jag ska öpna mejlen, kan inte jobba")
    await slack.settled()
    assert "incident:helped:no" in anna.offered()
    first = fake.posted("D0ANNA")[0]
    # The first answer in a chat tool says plainly that this is a bot, then helps.
    assert "automatisk tjänst, inte en människa" in str(first["text"])
    assert "Outlook" in str(first["text"])
    assert first["blocks"][-1]["type"] == "actions"
    assert first["metadata"]["event_type"] == "spoc_reply"

    await anna.press("incident:helped:no")
    await slack.settled()
    # The pressed buttons are replaced by what was chosen.
    assert "incident:helped:no" not in anna.offered()
    assert fake.calls_to("chat.update")
    await anna.say("sedan i morse")
    await slack.settled()
    await anna.press("incident:impact:3")
    await slack.settled()
    assert "Bara jag" in str(fake.posted("D0ANNA")[-1]["text"])
    await anna.press("incident:confirm")
    await slack.settled()

    number = TICKET.search(texts(fake.posted("D0ANNA")))
    assert number is not None
    tickets = await tickets_of(slack.http)
    assert [t.number for t in tickets] == [number.group(0)]
    assert tickets[0].priority == 3
    assert tickets[0].requester == "Anna Andersson"
    assert "feedback:rate:5" in anna.offered()
    # Every reply was posted once, into the direct message, never in a thread.
    posts = fake.calls_to("chat.postMessage")
    assert len(posts) == len(fake.posted("D0ANNA"))
    assert all(call.params.get("thread_ts") is None for call in posts)
    ids = [m["metadata"]["event_payload"]["reply_id"] for m in fake.posted("D0ANNA")]
    assert len(ids) == len(set(ids))

    spoc = slack.app.state.spoc
    async with spoc.sessions() as session:
        (person,) = await people_of_conversation(
            session, conversation_id=tickets[0].conversation_id
        )
    assert (person.email, person.name) == ("anna.andersson@exempelby.se", "Anna Andersson")
    assert (person.locale, person.time_zone) == ("sv-SE", "Europe/Stockholm")
    assert len(fake.calls_to("users.info")) == 1  # cached after the first message


async def test_slack_gets_its_answer_before_the_turn_is_done(slack: Slack) -> None:
    slow_directory = slack.fake.hold("users.info")  # the turn cannot finish until released
    async with asyncio.timeout(3):  # Slack's limit for an acknowledgement
        response = await slack.anna.deliver(slack.anna.message_event("hej"))
    assert response.status_code == 200
    assert slack.fake.calls_to("chat.postMessage") == []
    slow_directory.set()
    await slack.settled()
    assert len(slack.fake.posted("D0ANNA")) == 1


async def test_an_agent_reply_reaches_the_direct_message_where_the_person_wrote(
    slack: Slack,
) -> None:
    await slack.anna.say("hej")
    await slack.settled()
    await slack.app.state.spoc.router.post(
        slack.ref(), Outbound("Hej Anna, jag tittar på det nu. /Kim", author="agent")
    )
    await slack.settled()
    assert slack.fake.posted("D0ANNA")[-1]["text"] == "Hej Anna, jag tittar på det nu. /Kim"


async def test_an_event_redelivered_three_times_is_answered_once(slack: Slack) -> None:
    anna = slack.anna
    payload = anna.message_event("skrivaren på plan 3 skriver inte ut")
    # The first delivery and Slack's three retries, some while the first is still running.
    responses = await asyncio.gather(
        anna.deliver(payload),
        *(anna.deliver(payload, retry_num=number) for number in (1, 2, 3)),
    )
    assert [r.status_code for r in responses] == [200] * 4
    await slack.settled()
    people_said = await messages_by(slack.http, "user")
    bot_said = await messages_by(slack.http, "bot")
    assert len(people_said) == 1
    assert people_said[0].idempotency_key == f"slack:{payload['event_id']}"
    assert len(slack.fake.posted("D0ANNA")) == len(bot_said) >= 1


async def test_forged_and_stale_requests_are_refused(slack: Slack) -> None:
    anna = slack.anna
    payload = anna.message_event("ge mig admin-behörighet")
    forged = await anna.deliver(payload, secret="not-the-signing-secret")
    stale = await anna.deliver(payload, timestamp=int(time.time()) - 6 * 60)
    unsigned = await slack.http.post("/slack/events", json=payload)
    assert (forged.status_code, stale.status_code, unsigned.status_code) == (401, 401, 401)
    await slack.settled()
    assert slack.fake.calls_to("chat.postMessage") == []
    async with slack.app.state.spoc.sessions() as session:
        assert await repo.find_conversation(session, channel="slack", key=slack.ref().key) is None


async def test_the_request_url_check_is_answered_when_signed(slack: Slack) -> None:
    challenge = "3eZbrw1aBm2rZgRNFdxV2595E9CY3gmdALWMmHkvFXO7tYXAYM8P"
    check = {"token": "legacy", "challenge": challenge, "type": "url_verification"}
    answered = await slack.anna.deliver(check)
    assert answered.status_code == 200
    assert answered.json() == {"challenge": check["challenge"]}
    assert (await slack.anna.deliver(check, secret="wrong")).status_code == 401


async def test_rate_limits_and_server_errors_delay_delivery_but_never_repeat_it(
    slack: Slack,
) -> None:
    fake = slack.fake
    fake.fail_next("chat.postMessage", 429, retry_after=1)
    fake.fail_next("chat.postMessage", 500)
    await slack.anna.say("hej")
    await slack.settled()
    await slack.app.state.spoc.router.post(slack.ref(), Outbound("Kim här.", author="agent"))
    assert fake.posted("D0ANNA") == []  # both wait behind the rate-limited first reply
    # Retry-After, then the back-off after the 500: the outbox wakes itself when they are due.
    await fake.wait_until(lambda: len(fake.posted("D0ANNA")) == 2)
    await slack.settled()
    statuses = [call.status for call in fake.calls_to("chat.postMessage")]
    assert statuses == [429, 500, 200, 200]
    assert fake.posted("D0ANNA")[-1]["text"] == "Kim här."  # still in order


async def test_a_mention_in_a_busy_channel_is_answered_in_its_thread(slack: Slack) -> None:
    anna, fake = slack.anna, slack.fake
    chatter = [
        anna.message_event(text, channel="C0KANSLI", channel_type="channel", user=user)
        for text, user in (("fika kl 15?", "U0BERIT"), ("skrivaren strular igen", "U0ANNA"))
    ]
    for payload in chatter:
        await anna.deliver(payload)
    mention = anna.message_event(
        "outlook kraschar hela tiden när jag öppnar kalendern", mention=True, channel="C0KANSLI"
    )
    thread = mention["event"]["ts"]
    await anna.deliver(mention)
    # Slack sends the same words as a channel message too; spoc answers the mention only.
    same_words = anna.message_event("", channel="C0KANSLI", channel_type="channel")
    same_words["event"] |= {"text": mention["event"]["text"], "ts": thread}
    await anna.deliver(same_words)
    await slack.settled()

    assert fake.posted("C0KANSLI") == []  # nothing said in the channel itself
    answers = fake.posted("C0KANSLI", thread)
    assert len(answers) == 1 and "Outlook" in str(answers[0]["text"])

    # In the thread the person goes on without mentioning spoc; a colleague chatting in the
    # same thread, and other threads, stay between people.
    in_channel = {"channel": "C0KANSLI", "channel_type": "channel"}
    await anna.say("har du testat att starta om?", user="U0BERIT", thread_ts=thread, **in_channel)
    await slack.settled()
    assert len(fake.posted("C0KANSLI", thread)) == 1
    await anna.say("nej det hjälpte inte", thread_ts=thread, **in_channel)
    await anna.say("någon som vet?", thread_ts="1500000000.000100", **in_channel)
    await slack.settled()
    answered = len(fake.posted("C0KANSLI", thread))
    assert answered > 1
    assert fake.posted("C0KANSLI", "1500000000.000100") == []

    # Everyone in the channel sees the buttons; only the person spoc is helping can use them.
    berit = SlackPerson(slack.http, fake, SECRET, user="U0BERIT", channel="C0KANSLI")
    anna_here = SlackPerson(slack.http, fake, SECRET, channel="C0KANSLI")
    action = anna_here.offered(thread_ts=thread)[-1]
    await berit.press(action, thread_ts=thread)
    await slack.settled()
    assert len(fake.posted("C0KANSLI", thread)) == answered
    await anna_here.press(action, thread_ts=thread)
    await slack.settled()
    assert len(fake.posted("C0KANSLI", thread)) > answered
    async with slack.app.state.spoc.sessions() as session:
        ours = await repo.find_conversation(
            session, channel="slack", key=slack.ref("C0KANSLI", thread).key
        )
        assert ours is not None
        assert (
            await repo.find_conversation(session, channel="slack", key=slack.ref("C0KANSLI").key)
            is None
        )


async def test_choices_slack_cannot_show_as_buttons_are_numbered_and_answered_by_number(
    slack: Slack,
) -> None:
    await slack.anna.say("hej")
    await slack.settled()
    long_title = "Jag vill beställa en ny dator med dockningsstation och två extra skärmar nu"
    buttons = (Button(long_title + " tack", "menu:incident"), Button("Nej", "menu:human"))
    await slack.app.state.spoc.router.post(slack.ref(), Outbound("Vad vill du göra?", buttons))
    await slack.settled()
    shown = slack.fake.posted("D0ANNA")[-1]
    assert shown["blocks"] == []
    assert "1) Jag vill beställa" in str(shown["text"]) and "2) Nej" in str(shown["text"])
    await slack.anna.say("2")
    await slack.settled()
    said = await messages_by(slack.http, "user")
    assert said[-1].text == "[menu:human]"


async def test_a_reply_claimed_before_a_crash_is_not_posted_twice(slack: Slack) -> None:
    fake, spoc = slack.fake, slack.app.state.spoc
    await slack.anna.say("hej")
    await slack.settled()
    assert len(fake.posted("D0ANNA")) == 1

    async def crash_after_claim() -> None:
        """The process died after posting, before it wrote down that it had."""
        async with spoc.sessions() as session, session.begin():
            await session.execute(
                update(OutboxItem).values(status="sending", next_attempt_at=utcnow())
            )

    await crash_after_claim()
    assert await spoc.outbox.recover() == 1
    await slack.settled()
    assert len(fake.posted("D0ANNA")) == 1  # found in the channel by its metadata: not resent

    fake.messages.clear()  # this time the post never reached Slack
    await crash_after_claim()
    assert await spoc.outbox.recover() == 1
    await slack.settled()
    assert len(fake.posted("D0ANNA")) == 1


async def test_a_refused_token_is_one_clear_line_at_start(
    settings: Settings, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    wrong = "xoxb-revoked-0000"
    with caplog.at_level(logging.INFO):
        async with app_client(pointed_at(settings, fake_slack, slack_bot_token=wrong)) as http:
            person = SlackPerson(http, fake_slack, SECRET)
            refused = await person.deliver(person.message_event("hej"))
    assert refused.status_code == 503
    lines = [r for r in caplog.records if "Slack is off" in r.getMessage()]
    assert len(lines) == 1
    assert lines[0].levelno == logging.ERROR and lines[0].exc_info is None
    assert "invalid_auth" in lines[0].getMessage()
    assert wrong not in caplog.text


async def test_a_missing_signing_secret_is_one_clear_line_at_start(
    settings: Settings, fake_slack: FakeSlack, caplog: pytest.LogCaptureFixture
) -> None:
    app = create_app(pointed_at(settings, fake_slack, slack_signing_secret=None))
    with caplog.at_level(logging.INFO):
        async with app.router.lifespan_context(app):
            pass
    lines = [r for r in caplog.records if "Slack is off" in r.getMessage()]
    assert len(lines) == 1 and "SPOC_SLACK_SIGNING_SECRET" in lines[0].getMessage()
    assert fake_slack.calls == []


async def test_bot_messages_and_edits_are_not_answered(slack: Slack) -> None:
    anna = slack.anna
    own = anna.message_event("Hej! Jag är spoc.", user=BOT_USER)
    edit = anna.message_event("ändrad text")
    edit["event"]["subtype"] = "message_changed"
    other_bot = anna.message_event("deploy klar")
    other_bot["event"]["bot_id"] = "B0CI"
    for payload in (own, edit, other_bot):
        assert (await anna.deliver(payload)).status_code == 200
    await slack.settled()
    assert slack.fake.calls_to("chat.postMessage") == []


async def test_socket_mode_needs_no_public_url(settings: Settings, fake_slack: FakeSlack) -> None:
    on_a_socket = pointed_at(
        settings, fake_slack, slack_app_token="xapp-1-A0SPOC-1-abc", slack_signing_secret=None
    )
    async with app_client(on_a_socket) as http:
        app = http.app  # type: ignore[attr-defined]
        anna = SlackPerson(http, fake_slack, SECRET)
        await fake_slack.wait_until(lambda: bool(fake_slack.sockets))
        await fake_slack.push(anna.message_event("hej"), envelope_id="env-1")
        await fake_slack.wait_until(lambda: bool(fake_slack.acks))
        await app.state.channels.slack.settled()
        await app.state.spoc.outbox.drain()
        over_http = await anna.deliver(anna.message_event("hej"))
    assert fake_slack.acks[0]["envelope_id"] == "env-1"
    assert len(fake_slack.posted("D0ANNA")) == 1
    assert over_http.status_code == 503  # unverified HTTP has no way in while on a socket


async def test_status_is_for_the_owner_and_updates_arrive_as_slack_posts(slack: Slack) -> None:
    anna, fake = slack.anna, slack.fake
    # Several people, work stopped: priority 2 (a P1 would go straight to a person).
    await anna.say(
        "Flera av oss kommer inte in i journalsystemet sedan i morse, vi kan inte arbeta"
    )
    await slack.settled()
    for action in ("incident:helped:no", "incident:confirm"):
        if action in anna.offered():
            await anna.press(action)
            await slack.settled()
    found = TICKET.search(texts(fake.posted("D0ANNA")))
    assert found is not None
    number = found.group(0)

    berit = SlackPerson(slack.http, fake, SECRET, user="U0BERIT", channel="D0BERIT")
    await berit.say(f"status {number}")
    await berit.say("status INC9999999")
    await slack.settled()
    # (the first answer also says that this is a bot: compare what comes after that)
    theirs, missing = (str(m["text"]).split("\n\n")[-1] for m in fake.posted("D0BERIT")[-2:])
    assert "I cannot find a ticket" in theirs
    assert theirs.replace(number, "<n>") == missing.replace("INC9999999", "<n>")

    await anna.say("mina ärenden")
    await slack.settled()
    assert number in str(fake.posted("D0ANNA")[-1]["text"])

    await slack.app.state.spoc.router.update_ticket(
        TicketChange(number, "assigned", actor="itsm", assignee="Kim Nilsson")
    )
    await slack.settled()
    assert "Nu har Kim Nilsson" in str(fake.posted("D0ANNA")[-1]["text"])
    assert all("Kim Nilsson" not in str(m["text"]) for m in fake.posted("D0BERIT"))


async def test_a_slack_user_escalates_and_the_agents_reply_is_posted_with_the_agents_name(
    slack: Slack,
) -> None:
    http, fake_slack = slack.http, slack.fake
    await slack.anna.say("kan jag få prata med en människa?")
    await slack.settled()
    assert "nummer 1 i kön" in str(fake_slack.posted("D0ANNA")[-1]["text"])
    async with agent_user(http, "kim", name="Kim Karlsson") as kim:
        (item,) = await kim.queue()
        assert (item["channel"], item["person"]) == ("slack", "Anna Andersson")
        conversation_id = item["conversation_id"]
        assert (await kim.claim(conversation_id)).status_code == 200
        await kim.say(conversation_id, "Hej Anna! Vad gäller det?")
        await slack.settled()
        joined, reply = fake_slack.posted("D0ANNA")[-2:]
        assert "Kim Karlsson på servicedesken har tagit över chatten" in str(joined["text"])
        assert reply["text"] == "*Kim Karlsson*: Hej Anna! Vad gäller det?"

        posted = len(fake_slack.posted("D0ANNA"))
        await slack.anna.say("skärmen är svart sedan i morse")
        await slack.settled()
        assert len(fake_slack.posted("D0ANNA")) == posted  # the bot stays silent
        last = (await kim.conversation(conversation_id))["messages"][-1]
        assert (last["author"], last["text"]) == ("user", "skärmen är svart sedan i morse")

        await kim.post(f"/conversations/{conversation_id}/handback")
        await slack.anna.say("outlook kraschar")
        await slack.settled()
    back, answer = fake_slack.posted("D0ANNA")[-2:]
    assert "digitala assistenten igen" in str(back["text"])
    assert "Outlook kraschar eller startar inte" in str(answer["text"])  # the bot helps again
