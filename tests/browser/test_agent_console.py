"""The agent console in the browser, beside a citizen in the web chat: escalation, the queue
updating live, claiming, messages both ways, handing back, and the bot answering again."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser, Page, expect

from bot.agents.accounts import create_agent
from bot.config import Settings
from tests.browser.conftest import Chat, Console, browser_context
from tests.browser.test_widget_accessibility import audit, describe
from tests.support.agents import PASSWORD
from tests.support.server import LiveServer


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(
        update={"desk_open_hours": "mon-sun 00:00-24:00", "desk_holidays_open": True}
    )


def add_agent(live_server: LiveServer, username: str, name: str) -> None:
    sessions = live_server.app.state.spoc.sessions
    live_server.call(
        create_agent(sessions, username=username, password=PASSWORD, display_name=name)
    )


class AgentConsole:
    """The console as an agent meets it, found by role and name."""

    def __init__(self, page: Page) -> None:
        self.page = page

    def sign_in(self, username: str) -> None:
        self.page.goto("/agent")
        expect(self.page.get_by_role("heading", name="Logga in")).to_be_visible()
        self.page.get_by_label("Användarnamn").fill(username)
        self.page.get_by_label("Lösenord").fill(PASSWORD)
        self.page.get_by_role("button", name="Logga in").click()
        expect(self.page.get_by_role("heading", name="Kö", exact=True)).to_be_visible()

    def waiting(self) -> Any:
        return self.page.locator(".queue-row")

    def transcript(self) -> Any:
        return self.page.get_by_role("log", name=re.compile("Samtalet"))


@pytest.fixture
def agent_page(
    browser: Browser, live_server: LiveServer, context_options: dict[str, Any], console: Console
) -> Iterator[Page]:
    """The agent's own browser; like ``context``, closed before the server stops."""
    with browser_context(browser, live_server, context_options) as context:
        page = context.new_page()
        console.watch(page)
        yield page


def test_a_citizen_is_taken_over_by_an_agent_and_handed_back_to_the_bot(
    page: Page, chat: Chat, agent_page: Page, live_server: LiveServer, console: Console
) -> None:
    add_agent(live_server, "kim", "Kim Karlsson")
    agent = AgentConsole(agent_page)
    agent.sign_in("kim")
    expect(agent_page.get_by_text("Ingen väntar just nu.")).to_be_visible()
    # The sound cue is on until the agent turns it off, and stays off.
    sound = agent_page.get_by_label("Ljudsignal när någon hamnar i kön")
    expect(sound).to_be_checked()
    sound.uncheck()
    agent_page.reload()
    expect(sound).not_to_be_checked()

    page.goto("/")
    chat.open()
    chat.say("Outlook kraschar när jag öppnar kalendern")
    expect(chat.messages("bot")).to_have_count(2)
    chat.say("kan jag få prata med en människa?")
    expect(chat.messages("bot").last).to_contain_text("nummer 1 i kön")
    leave = chat.messages("bot").get_by_role("button", name="Lämna kön")
    expect(leave).to_have_count(1)

    # The queue updates without a reload: visual cue, announcement, summary of the case.
    row = agent.waiting()
    expect(row).to_have_count(1)
    expect(row).to_have_class(re.compile("is-new"))
    expect(row).to_contain_text("Webbchatt")
    expect(row).to_contain_text("svenska")
    expect(row).to_contain_text("E-post och kalender")
    expect(agent_page.get_by_role("status")).to_have_text("En ny konversation väntar i kön.")

    agent_page.get_by_role("button", name=re.compile("^Ta konversation")).click()
    expect(agent_page.get_by_role("heading", name=re.compile("Konversation"))).to_be_visible()
    expect(chat.messages("system").last).to_contain_text("Kim Karlsson på servicedesken")
    expect(leave).to_have_count(0)  # the queue is over: its button goes

    agent_page.get_by_role("button", name="Visa förståelse").click()
    box = agent_page.get_by_label("Meddelande till personen")
    expect(box).to_have_value(re.compile("^Jag förstår att det här är besvärligt"))
    box.fill("Hej! Jag heter Kim. Jag tittar på kalendern nu.")
    box.press("Control+Enter")
    expect(box).to_have_value("")
    expect(chat.messages("agent")).to_contain_text("Jag tittar på kalendern nu.")

    chat.say("Tack! Det händer varje gång.")
    expect(agent.transcript().locator(".msg--user").last).to_have_text(
        re.compile("Det händer varje gång")
    )
    expect(chat.messages("bot")).to_have_count(3)  # the bot said nothing meanwhile

    agent_page.get_by_role("button", name="Lämna tillbaka till boten").click()
    expect(chat.messages("system").last).to_contain_text("digitala assistenten igen")
    chat.say("teams kraschar hela tiden")
    expect(chat.messages("bot")).to_have_count(4)


def test_an_agent_sees_a_colleague_take_a_conversation_live(
    browser: Browser,
    page: Page,
    chat: Chat,
    agent_page: Page,
    live_server: LiveServer,
    context_options: dict[str, Any],
) -> None:
    add_agent(live_server, "kim", "Kim Karlsson")
    add_agent(live_server, "lo", "Lo Lind")
    page.goto("/")
    chat.open()
    chat.say("jag vill prata med en människa")
    expect(chat.messages("bot").last).to_contain_text("i kön")

    kim = AgentConsole(agent_page)
    kim.sign_in("kim")
    expect(kim.waiting()).to_have_count(1)
    with browser_context(browser, live_server, context_options) as other:
        lo = AgentConsole(other.new_page())
        lo.sign_in("lo")
        lo.page.get_by_role("button", name=re.compile("^Ta konversation")).click()
        expect(lo.page.get_by_role("heading", name=re.compile("Konversation"))).to_be_visible()
    # Kim's queue moves it to the colleagues' list without a reload; taking it now fails kindly.
    expect(kim.waiting()).to_have_count(0)
    expect(agent_page.locator(".taken")).to_contain_text("tagen av Lo Lind")


def test_the_console_pages_pass_axe(
    agent_page: Page, live_server: LiveServer, console: Console, page: Page, chat: Chat
) -> None:
    add_agent(live_server, "kim", "Kim Karlsson")
    agent_page.goto("/agent/login")
    violations = audit(agent_page, console)
    assert not [v for v in violations if v["impact"] in {"serious", "critical"}], describe(
        violations
    )
    page.goto("/")
    chat.open()
    chat.say("jag vill prata med en människa")
    AgentConsole(agent_page).sign_in("kim")
    expect(AgentConsole(agent_page).waiting()).to_have_count(1)
    for step in ("queue", "conversation"):
        if step == "conversation":
            agent_page.get_by_role("button", name=re.compile("^Ta konversation")).click()
            expect(agent_page.get_by_label("Meddelande till personen")).to_be_visible()
        violations = audit(agent_page, console)
        serious = [v for v in violations if v["impact"] in {"serious", "critical"}]
        assert not serious, describe(serious)
