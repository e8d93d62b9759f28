"""Never lose what a person wrote: failed sends keep their text and retry safely, unsent
messages survive a reload, and a session that ends warns first and starts afresh kindly."""

from __future__ import annotations

from datetime import timedelta

from playwright.sync_api import Page, Route, expect
from sqlalchemy import update

from bot.messages import Reply
from bot.store import repo
from bot.store.models import Conversation, utcnow
from tests.browser.conftest import Chat
from tests.support.server import LiveServer

MESSAGES = "**/api/chat/sessions/*/messages"
EVENTS = "**/api/chat/sessions/*/events*"


def transcript(live_server: LiveServer, session_id: str) -> list[Reply]:
    spoc = live_server.app.state.spoc

    async def read() -> list[Reply]:
        async with spoc.sessions() as session:
            conversation = await repo.find_conversation(session, channel="webchat", key=session_id)
            assert conversation is not None
            return await repo.messages_after(session, conversation_id=conversation.id)

    return live_server.call(read())


def lose_the_answer(route: Route) -> None:
    """The request reaches spoc and is processed; its answer never reaches the browser."""
    if route.request.method == "POST":
        route.fetch()
        route.abort("connectionreset")
    else:
        route.continue_()


def test_a_send_whose_answer_is_lost_keeps_the_text_and_a_retry_is_processed_once(
    page: Page, chat: Chat, live_server: LiveServer
) -> None:
    page.route(EVENTS, lambda route: route.abort())  # no stream to bring the copy meanwhile
    page.goto("/")
    chat.open()
    session_id = chat.session_id()
    page.route(MESSAGES, lose_the_answer)

    chat.say("Min skrivare på plan 3 skriver ut tomma papper")
    failed = chat.messages("user")
    expect(failed).to_contain_text("Inte skickat – kontrollera anslutningen.")
    expect(failed).to_contain_text("Min skrivare på plan 3 skriver ut tomma papper")
    retry = failed.get_by_role("button", name="Försök igen")

    page.unroute(MESSAGES)
    page.unroute(EVENTS)
    retry.click()
    expect(chat.messages("user")).to_have_count(1)
    expect(chat.messages("user")).not_to_contain_text("Inte skickat")
    expect(chat.messages("bot")).to_have_count(2)
    people = [m for m in transcript(live_server, session_id) if m.author == "user"]
    assert [m.text for m in people] == ["Min skrivare på plan 3 skriver ut tomma papper"]


def test_a_lost_answer_whose_copy_comes_on_the_stream_shows_the_message_once(
    page: Page, chat: Chat, live_server: LiveServer
) -> None:
    page.goto("/")
    chat.open()
    session_id = chat.session_id()
    page.route(MESSAGES, lose_the_answer)  # the open stream still brings the stored copy
    chat.say("Teams startar inte på min dator")
    expect(chat.messages("bot")).to_have_count(2)
    expect(chat.messages("user")).to_have_text(["Du: Teams startar inte på min dator"])
    page.unroute(MESSAGES)
    chat.say("det hjälpte inte")  # and the queue goes on
    expect(chat.messages("user")).to_have_count(2)
    expect(chat.messages("bot").nth(2)).to_be_visible()  # answered: the message is stored
    expect(chat.messages("user").filter(has_text="Inte skickat")).to_have_count(0)
    people = [m for m in transcript(live_server, session_id) if m.author == "user"]
    assert len(people) == 2


def test_an_unsent_message_survives_a_reload_and_is_then_sent_once(
    page: Page, chat: Chat, live_server: LiveServer
) -> None:
    page.route(EVENTS, lambda route: route.abort())
    page.goto("/")
    chat.open()
    session_id = chat.session_id()
    page.route(MESSAGES, lose_the_answer)
    chat.say("outlook kraschar när jag öppnar kalendern")
    expect(chat.messages("user")).to_contain_text("Inte skickat")
    chat.input.fill("och det här har jag inte skickat än")

    page.unroute(MESSAGES)
    page.unroute(EVENTS)
    page.reload()
    expect(chat.messages("user")).to_have_count(1)
    expect(chat.messages("user")).to_contain_text("outlook kraschar när jag öppnar kalendern")
    expect(chat.messages("user")).not_to_contain_text("Inte skickat")
    expect(chat.input).to_have_value("och det här har jag inte skickat än")  # the draft too
    people = [m for m in transcript(live_server, session_id) if m.author == "user"]
    assert len(people) == 1


def test_a_send_that_never_arrived_is_sent_when_the_person_retries(
    page: Page, chat: Chat, live_server: LiveServer
) -> None:
    page.goto("/")
    chat.open()
    page.route(MESSAGES, lambda route: route.abort("internetdisconnected"))
    chat.say("vpn fungerar inte hemifrån")
    expect(chat.messages("user")).to_contain_text("Inte skickat")
    assert [m.author for m in transcript(live_server, chat.session_id())] == ["bot"]
    page.unroute(MESSAGES)
    chat.messages("user").get_by_role("button", name="Försök igen").click()
    expect(chat.messages("user")).to_have_text(["Du: vpn fungerar inte hemifrån"])


def test_the_session_warns_before_it_ends_and_can_be_extended(
    page: Page, chat: Chat, live_server: LiveServer
) -> None:
    page.clock.install()
    page.goto("/")
    chat.open()
    session_id = chat.session_id()
    before = last_activity(live_server, session_id)

    page.clock.fast_forward("58:01")  # the default session lasts 60 minutes
    warning = page.get_by_role("alert")
    expect(warning).to_contain_text("Chatten avslutas om 2 minuter")
    page.get_by_role("button", name="Fortsätt chatten").click()
    expect(warning).to_have_count(0)
    expect(chat.input).to_be_focused()
    assert last_activity(live_server, session_id) > before

    page.clock.fast_forward("30:00")  # the new deadline is 60 minutes after extending
    expect(page.get_by_role("alert")).to_have_count(0)


def last_activity(live_server: LiveServer, session_id: str) -> object:
    spoc = live_server.app.state.spoc

    async def read() -> object:
        async with spoc.sessions() as session:
            conversation = await repo.find_conversation(session, channel="webchat", key=session_id)
            assert conversation is not None
            return conversation.last_activity_at

    return live_server.call(read())


def test_an_ended_session_keeps_what_was_written_and_starts_afresh(
    page: Page, chat: Chat, live_server: LiveServer
) -> None:
    page.goto("/")
    chat.open()
    old_session = chat.session_id()
    expire(live_server, old_session)

    chat.say("lösenordet fungerar inte längre")
    expect(page.get_by_role("alert")).to_contain_text("Chatten har avslutats")
    page.get_by_role("button", name="Starta en ny chatt").click()

    expect(chat.input).to_have_value("lösenordet fungerar inte längre")
    expect(chat.input).to_be_focused()
    expect(chat.messages("bot")).to_have_count(1)  # a new greeting, the old chat cleared
    assert chat.session_id() != old_session
    chat.input.press("Enter")
    expect(chat.messages("user")).to_have_text(["Du: lösenordet fungerar inte längre"])


def expire(live_server: LiveServer, session_id: str) -> None:
    """Age the session past its lifetime, as two idle hours would."""
    spoc = live_server.app.state.spoc

    async def age() -> None:
        async with spoc.sessions() as session, session.begin():
            await session.execute(
                update(Conversation)
                .where(Conversation.channel_key == session_id)
                .values(last_activity_at=utcnow() - timedelta(hours=2))
            )

    live_server.call(age())


def test_an_overlong_message_is_not_sent_and_stays_in_the_input(page: Page, chat: Chat) -> None:
    page.goto("/")
    chat.open()
    text = "skrivaren " * 250  # 2500 characters, the limit is 2000
    chat.input.fill(text)
    chat.input.press("Enter")
    expect(page.locator("#spoc-counter")).to_contain_text("korta ner texten")
    expect(chat.input).to_have_attribute("aria-invalid", "true")
    expect(chat.input).to_have_value(text)
    expect(chat.messages("user")).to_have_count(0)
