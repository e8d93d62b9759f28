"""Approvals nobody answers: one reminder to the approver by the route the question took, then
expiry to the service desk, with the requester told where they asked. Through the real app
(Slack via bolt and slack_sdk against the fake Slack API, mail through the real mailer to
aiosmtpd, links over HTTP); time moves on through the app's own clock (``services.now``)."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import Spoc
from bot.approvals.timeouts import Swept
from bot.config import Settings
from bot.mail import development_outbox
from bot.store.accounts import MailItem
from bot.store.models import Event, utcnow
from tests.support import approvals as story
from tests.support.app import app_client
from tests.support.approvals import Desk
from tests.support.chat import ChatPerson, events_of, tickets_of
from tests.support.smtp import body_of

KARIN = "karin.karlsson@exempelby.se"


def clock_at(spoc: Spoc, hours: float) -> None:
    """The approvals' clock ``hours`` from now (the app's own clock, ``services.now``)."""
    assert spoc.approvals is not None
    later = utcnow() + timedelta(hours=hours)
    spoc.approvals.services = dataclasses.replace(spoc.approvals.services, now=lambda: later)


async def sweep_at(spoc: Spoc, hours: float) -> Swept:
    clock_at(spoc, hours)
    assert spoc.timeouts is not None
    return await spoc.timeouts.sweep()


async def sweep_together(spocs: tuple[Spoc, ...], hours: float) -> list[Swept]:
    """Every process sweeps twice, all at the same moment."""
    for spoc in spocs:
        clock_at(spoc, hours)
    workers = [spoc.timeouts for spoc in spocs * 2 if spoc.timeouts is not None]
    return list(await asyncio.gather(*(worker.sweep() for worker in workers)))


def spoc_of(http: httpx.AsyncClient) -> Spoc:
    spoc: Spoc = http.app.state.spoc  # type: ignore[attr-defined]
    return spoc


@pytest.fixture
async def desk(settings: Settings) -> AsyncIterator[Desk]:
    async with story.open_desk(settings) as opened:
        yield opened


async def order_mailbox_access(desk: Desk) -> str:
    """Anna asks for access to a shared mailbox; Karin, her manager, is to approve."""
    await desk.say(desk.anna, "Jag behöver behörighet till funktionsbrevlådan för bygglov")
    await desk.say(desk.anna, "bygglov@exempelby.se")
    await desk.press(desk.anna, "request:opt:send")
    await desk.press(desk.anna, "request:confirm")
    number = story.REQ.search(desk.last("D0ANNA", 2))
    assert number is not None
    return number.group(0)


ORDERS = {
    "sv": ("jag vill beställa ett gästkonto till wifi", "Ola Olsson, Konsultbolaget AB", "week"),
    "en": ("I need access to a shared folder", r"G:\Ekonomi\Budget", "write"),
}


async def order_in_the_web_chat(http: httpx.AsyncClient, locale: str) -> tuple[ChatPerson, str]:
    """A request from the web chat: no manager is known, so the owner is asked by e-mail."""
    person = await ChatPerson.start(http, locale)
    asked, answer, option = ORDERS[locale]
    await person.say(asked)
    await person.say(answer)
    await person.press(f"request:opt:{option}")
    await person.press("request:confirm")
    number = story.REQ.search(person.last_text())
    assert number is not None
    return person, number.group(0)


async def history(person: ChatPerson) -> list[str]:
    """Everything the bot has said in the person's web chat, pushed messages included."""
    response = await person.http.get(
        f"/api/chat/sessions/{person.session_id}/messages", headers=person.headers
    )
    return [m["text"] for m in response.json()["messages"] if m["author"] == "bot"]


# -- reminders -------------------------------------------------------------------------------


async def test_an_approver_asked_in_slack_is_reminded_once_there_with_the_same_buttons(
    desk: Desk,
) -> None:
    await desk.say(desk.karin, "hej")  # Karin has written to spoc: her direct message is known
    number = await order_mailbox_access(desk)
    (approval,) = await story.approvals_of(desk.http)
    assert approval.via == "chat"
    asked = len(desk.fake.posted("D0KARIN"))
    heard = len(desk.fake.posted("D0ANNA"))
    spoc = spoc_of(desk.http)

    assert await sweep_at(spoc, 23) == Swept(0, 0)  # not yet
    assert await sweep_at(spoc, 25) == Swept(reminded=1)
    await desk.settled()
    reminder = desk.last("D0KARIN")
    assert len(desk.fake.posted("D0KARIN")) == asked + 1
    assert "En vänlig påminnelse: Anna Andersson väntar fortfarande" in reminder
    assert number in reminder and "Behörighet till en funktionsbrevlåda" in reminder
    assert "- Brevlåda: bygglov@exempelby.se" in reminder  # what the question showed, no more
    assert "Har ingen svarat inom 4 dagar lämnar jag över beställningen" in reminder
    assert desk.karin.offered()[-2:] == [
        f"approval:approve:{approval.id}",
        f"approval:deny:{approval.id}",
    ]
    assert len(desk.fake.posted("D0ANNA")) == heard  # the requester is not bothered
    assert desk.inbox.messages == []  # asked in chat, reminded in chat

    assert await sweep_at(spoc, 30) == Swept(0, 0)  # one reminder, not one per sweep
    await desk.press(desk.karin, f"approval:approve:{approval.id}")  # the reminder's button
    assert "Goda nyheter" in desk.last("D0ANNA")
    state, events = await story.ticket_story(desk.http, number)
    assert state == "approved"
    assert [kind for kind, _ in events] == [
        "opened",
        "approval_requested",
        "approval_reminded",
        "approved",
    ]
    assert (await events_of(desk.http)).get("approval_reminded") == 1
    assert await sweep_at(spoc, 200) == Swept(0, 0)  # decided: never expires


async def test_an_approver_asked_by_email_gets_a_new_mail_and_the_first_mails_links_work(
    desk: Desk,
) -> None:
    number = await order_mailbox_access(desk)
    first = body_of(await desk.inbox.message_to(KARIN))
    spoc = spoc_of(desk.http)

    assert await sweep_at(spoc, 24.5) == Swept(reminded=1)
    mail = await desk.inbox.message_to(KARIN, count=2)
    assert mail["Subject"].startswith("Påminnelse: Godkännande behövs:")
    assert "Anna Andersson" in mail["Subject"] and number in mail["Subject"]
    body = body_of(mail)
    assert "En vänlig påminnelse: Anna Andersson har beställt" in body
    assert "- Brevlåda: bygglov@exempelby.se" in body
    assert "Länkarna i det första mejlet går också bra att använda" in body
    assert "inom 4 dagar" in body
    fresh, old = story.links_in(body), story.links_in(first)

    assert await sweep_at(spoc, 48) == Swept(0, 0)
    await spoc.mailer.deliver()
    assert len(desk.inbox.to(KARIN)) == 2

    # The first mail's links still work beside the new ones, until one of them decides.
    await story.open_link(desk.http, old[0])
    _, csrf = await story.open_link(desk.http, fresh[1])
    assert (await desk.http.post(fresh[1], data={"csrf": csrf})).status_code == 200
    await desk.settled()
    assert "inte godkänt" in desk.last("D0ANNA")
    for path in old:
        used = await desk.http.get(path)
        assert used.status_code == 409 and "redan nekad" in used.text
    _, events = await story.ticket_story(desk.http, number)
    assert [kind for kind, _ in events][-2:] == ["approval_reminded", "denied"]


async def test_two_workers_at_once_send_one_reminder_and_expire_once(desk: Desk) -> None:
    """Two processes (two engines on one database) sweep at the same moment."""
    number = await order_mailbox_access(desk)
    await desk.inbox.message_to(KARIN)
    first = spoc_of(desk.http)
    second = Spoc.build(first.settings)
    try:
        reminded = await sweep_together((first, second), 25)
        assert sum(swept.reminded for swept in reminded) == 1
        expired = await sweep_together((first, second), 121)
        assert sum(swept.expired for swept in expired) == 1
        assert sum(swept.reminded for swept in expired) == 0
    finally:
        await second.close()

    first.mailer.wake()
    await desk.inbox.message_to(KARIN, count=2)
    await first.mailer.deliver()
    async with first.sessions() as session:
        queued = await session.scalar(
            select(func.count()).select_from(MailItem).where(MailItem.recipient == KARIN)
        )
        measured = await session.scalar(
            select(func.count()).select_from(Event).where(Event.kind == "approval_expired")
        )
    assert queued == 2 and len(desk.inbox.to(KARIN)) == 2  # the question and one reminder
    assert measured == 1
    await desk.settled()
    told = [m for m in desk.fake.posted("D0ANNA") if "servicedesken" in str(m["text"])]
    assert len(told) == 1 and number in str(told[0]["text"])
    state, events = await story.ticket_story(desk.http, number)
    assert state == "approval_expired"
    assert [kind for kind, _ in events].count("approval_reminded") == 1
    assert [kind for kind, _ in events].count("approval_expired") == 1


# -- expiry ----------------------------------------------------------------------------------


@pytest.fixture
async def chat(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    async with app_client(story.with_links(settings)) as http:
        yield http


EXPIRED_WORDS = {
    "sv": (
        "Frågan om godkännande har inte fått något svar på 5 dagar",
        "har jag lämnat över den till servicedesken",
        "De följer upp den och hör av sig till dig",
        "du behöver inte göra något",
        "Förlåt att det dröjer",
    ),
    "en": (
        "the question about approval has not had an answer in 5 days",
        "I have passed it to the service desk",
        "They will follow it up and get back to you",
        "there is nothing you need to do",
        "I am sorry for the wait",
    ),
}
STATUS_WORDS = {
    "sv": "hos servicedesken för uppföljning",
    "en": "with the service desk for follow-up",
}
# The owner is mailed in the default language (sv), whoever asked: the page is Swedish.
EXPIRED_PAGE = "väntar inte längre på ditt beslut"


@pytest.mark.parametrize("locale", ["sv", "en"])
async def test_an_expired_approval_goes_to_the_service_desk_and_the_requester_is_told(
    chat: httpx.AsyncClient, locale: str
) -> None:
    person, number = await order_in_the_web_chat(chat, locale)
    spoc = spoc_of(chat)
    (mail,) = await development_outbox(spoc.sessions)
    approve, deny = story.links_in(mail.body)
    _, csrf = await story.open_link(chat, approve)  # opened, but not confirmed in time

    assert await sweep_at(spoc, 25) == Swept(reminded=1)
    assert await sweep_at(spoc, 119) == Swept(0, 0)
    assert await sweep_at(spoc, 120.5) == Swept(expired=1)
    assert await sweep_at(spoc, 200) == Swept(0, 0)

    said = (await history(person))[-1]
    assert number in said
    for words in EXPIRED_WORDS[locale]:
        assert words in said, words
    (approval,) = await story.approvals_of(chat)
    assert approval.approver_name and approval.approver_name not in said  # nobody is blamed
    assert (approval.state, approval.decided_via) == ("expired", "expiry")
    state, events = await story.ticket_story(chat, number)
    assert state == "approval_expired"
    assert events[-1] == ("approval_expired", "bot")
    (ticket,) = [t for t in await tickets_of(chat) if t.number == number]
    assert ticket.owner_group == "Servicedesk"  # in the desk's queue to follow up
    assert (await events_of(chat)).get("approval_expired") == 1

    await person.say(f"status {number}")
    assert STATUS_WORDS[locale] in person.last_text()

    # Every link is refused like a used one (409, no form, nothing decided), even the form of
    # a page opened before the expiry.
    for path in (approve, deny):
        page = await chat.get(path)
        assert page.status_code == 409 and 'name="csrf"' not in page.text
        assert EXPIRED_PAGE in page.text
    late = await chat.post(approve, data={"csrf": csrf})
    assert late.status_code == 409 and EXPIRED_PAGE in late.text
    assert (await story.approvals_of(chat))[0].state == "expired"


async def test_an_approvers_button_after_expiry_says_the_desk_follows_up(desk: Desk) -> None:
    await desk.say(desk.karin, "hej")
    number = await order_mailbox_access(desk)
    (approval,) = await story.approvals_of(desk.http)
    assert await sweep_at(spoc_of(desk.http), 121) == Swept(expired=1)  # no reminder first
    await desk.press(desk.karin, f"approval:approve:{approval.id}")
    assert "väntar inte längre på ditt beslut" in desk.last("D0KARIN")
    await desk.settled()
    told = desk.last("D0ANNA")
    assert "lämnat över den till servicedesken" in told and number in told
    state, events = await story.ticket_story(desk.http, number)
    assert state == "approval_expired"
    assert "approved" not in [kind for kind, _ in events]


async def test_a_decision_racing_the_expiry_counts_once(chat: httpx.AsyncClient) -> None:
    person, number = await order_in_the_web_chat(chat, "sv")
    spoc = spoc_of(chat)
    (mail,) = await development_outbox(spoc.sessions)
    approve, _ = story.links_in(mail.body)
    _, csrf = await story.open_link(chat, approve)
    clock_at(spoc, 121)
    assert spoc.timeouts is not None

    answer, swept = await asyncio.gather(
        chat.post(approve, data={"csrf": csrf}), spoc.timeouts.sweep()
    )
    (approval,) = await story.approvals_of(chat)
    state, events = await story.ticket_story(chat, number)
    kinds = [kind for kind, _ in events]
    if approval.state == "approved":
        assert answer.status_code == 200 and swept.expired == 0
        assert state == "approved" and "approval_expired" not in kinds
    else:
        assert approval.state == "expired" and swept.expired == 1
        assert answer.status_code == 409 and state == "approval_expired"
        assert "approved" not in kinds
    outcomes = [
        text
        for text in await history(person)
        if number in text and ("har godkänt" in text or "servicedesken" in text)
    ]
    assert len(outcomes) == 1  # told once, of the outcome that counted


# -- settings --------------------------------------------------------------------------------


@pytest.mark.parametrize(("reminder", "expiry"), [(0, 0), (0, 120), (24, 0)])
async def test_zero_hours_turn_reminders_or_expiry_off(
    settings: Settings, reminder: int, expiry: int
) -> None:
    changes = {"approval_reminder_hours": reminder, "approval_expiry_hours": expiry}
    async with app_client(story.with_links(settings, **changes)) as http:
        spoc = spoc_of(http)
        assert spoc.timeouts is not None
        running = {task.get_name() for task in asyncio.all_tasks()}
        assert ("approval-timeouts" in running) == bool(reminder or expiry)
        _, number = await order_in_the_web_chat(http, "en")

        assert await sweep_at(spoc, 100) == Swept(reminded=int(bool(reminder)))
        if reminder:
            reminder_mail, _ = await development_outbox(spoc.sessions)  # newest first
            assert reminder_mail.subject.startswith("Påminnelse:")  # the default language
            assert "Har ingen svarat inom" not in reminder_mail.body  # it never expires
        assert await sweep_at(spoc, 10_000) == Swept(expired=int(bool(expiry)))
        assert len(await development_outbox(spoc.sessions)) == 1 + bool(reminder)
        state, _ = await story.ticket_story(http, number)
        assert state == ("approval_expired" if expiry else "awaiting_approval")
