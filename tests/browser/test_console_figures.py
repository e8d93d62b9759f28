"""The managers' pages in the browser: reached from the console's navigation by keyboard,
free of axe violations (WCAG 2.1 AA), and the unanswered questions downloadable."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from bot.agents.accounts import create_agent
from bot.messages import ConversationRef, Inbound
from tests.browser.conftest import Console
from tests.browser.test_agent_console import AgentConsole
from tests.browser.test_widget_accessibility import audit, describe
from tests.support.agents import PASSWORD
from tests.support.server import LiveServer

CONVERSATIONS = {
    "solved": [
        ("text", "outlook kraschar hela tiden när jag öppnar kalendern"),
        ("action", "incident:helped:yes"),
        ("action", "feedback:rate:4"),
    ],
    "ticket": [
        ("text", "skrivaren på plan 3 skriver inte ut, bara jag, det kan vänta"),
        ("action", "incident:helped:no"),
        ("text", "sedan igår"),
        ("action", "incident:confirm"),
    ],
    "unanswered": [("text", "=1+1 <b>Lönesystemet</b> kraschar när jag attesterar")],
    "human": [("text", "jag vill prata med en människa")],
}


def seed(live_server: LiveServer) -> None:
    """The conversations, through spoc's router as a channel would hand them over."""
    spoc = live_server.app.state.spoc
    live_server.call(create_agent(spoc.sessions, username="kim", password=PASSWORD))
    for name, steps in CONVERSATIONS.items():
        ref = ConversationRef("terminal", name)
        for number, (kind, value) in enumerate(steps):
            inbound = Inbound(ref=ref, idempotency_key=f"{name}-{number}", **{kind: value})  # type: ignore[arg-type]
            live_server.call(spoc.router.handle(inbound))


def focused(page: Page) -> str:
    return str(page.evaluate("() => document.activeElement.textContent.trim()"))


def tab_to(page: Page, text: str, limit: int = 30) -> None:
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page) == text:
            return
    raise AssertionError(f"{text!r} cannot be reached with Tab")


def test_the_report_and_the_knowledge_page_are_reached_by_keyboard_and_pass_axe(
    page: Page, live_server: LiveServer, console: Console
) -> None:
    seed(live_server)
    AgentConsole(page).sign_in("kim")
    navigation = page.get_by_role("navigation", name="Konsolen")

    tab_to(page, "Rapport")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Rapport", level=1)).to_be_visible()
    expect(navigation.get_by_role("link", name="Rapport")).to_have_attribute(
        "aria-current", "page"
    )
    shift_left = page.get_by_role("table", name=re.compile("Artiklar som boten föreslog"))
    expect(
        shift_left.get_by_role("row", name=re.compile("Andel lösta av en artikel"))
    ).to_contain_text("50 %")
    violations = audit(page, console)
    assert not violations, describe(violations)

    # The period is chosen with the keyboard too.
    page.get_by_label("Period").select_option("7")
    page.get_by_role("button", name="Visa").press("Enter")
    expect(page).to_have_url(re.compile(r"/agent/report\?days=7$"))
    expect(page.get_by_text("De senaste 7 dagarna, från och med")).to_be_visible()

    tab_to(page, "Kunskapsbank")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Kunskapsbank", level=1)).to_be_visible()
    questions = page.get_by_role("table", name=re.compile("Frågor utan artikel"))
    # Markup a person typed is shown as the text it was.
    expect(questions).to_contain_text("=1+1 <b>Lönesystemet</b> kraschar när jag attesterar")
    expect(page.get_by_role("table", name=re.compile("inte hjälpte"))).to_contain_text("100 %")
    violations = audit(page, console)
    assert not violations, describe(violations)
    expect(page.get_by_label("Period")).to_have_value("30")
    page.get_by_label("Period").select_option(label="Allt som finns sparat")
    page.get_by_role("button", name="Visa").press("Enter")
    expect(page).to_have_url(re.compile(r"/agent/knowledge\?days=alla$"))
    expect(page.get_by_text("räknat på alla konversationer som finns sparade")).to_be_visible()

    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("som CSV-fil")).click()
    assert download.value.suggested_filename == "fragor-utan-artikel.csv"
    saved = download.value.path()
    text = saved.read_text(encoding="utf-8-sig")
    assert "'=1+1 <b>Lönesystemet</b> kraschar när jag attesterar;1" in text

    tab_to(page, "Kö")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Kö", exact=True)).to_be_visible()
