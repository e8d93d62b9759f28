"""Pushed messages arrive without a reload and once only; what anyone writes is shown as
text, never as markup; personal identity numbers come back masked."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.browser.conftest import Chat, push
from tests.support.server import LiveServer


def test_an_agent_message_pushed_to_the_session_appears_without_reload(
    page: Page, chat: Chat, live_server: LiveServer
) -> None:
    page.goto("/")
    chat.open()
    session_id = chat.session_id()

    push(live_server, session_id, "Hej, jag heter Anna och jobbar på servicedesken.")
    agent = chat.messages("agent")
    expect(agent).to_have_count(1)
    expect(agent).to_contain_text("Handläggare på servicedesken")
    expect(agent).to_contain_text("Hej, jag heter Anna")

    push(live_server, session_id, "Ärendet INC0000042 är nu löst.", author="system")
    expect(chat.messages("system")).to_contain_text("INC0000042")
    expect(chat.messages("agent")).to_have_count(1)  # nothing shown twice

    page.reload()
    expect(chat.messages("agent")).to_have_count(1)
    expect(chat.messages("system")).to_have_count(1)
    push(live_server, session_id, "Finns det något mer jag kan hjälpa till med?")
    expect(chat.messages("agent")).to_have_count(2)  # the stream resumed after the reload


def test_a_message_pushed_while_the_panel_is_closed_is_flagged_on_the_launcher(
    page: Page, chat: Chat, live_server: LiveServer
) -> None:
    page.goto("/")
    chat.open()
    session_id = chat.session_id()
    page.keyboard.press("Escape")
    push(live_server, session_id, "Jag har tittat på ditt ärende.")
    expect(chat.launcher).to_contain_text("nytt meddelande")
    chat.launcher.click()
    expect(chat.messages("agent")).to_contain_text("Jag har tittat på ditt ärende.")
    expect(page.locator(".spoc-unread")).to_be_hidden()


def test_injected_script_and_image_markup_show_as_text(page: Page, chat: Chat) -> None:
    page.goto("/")
    chat.open()
    hostile = [
        "<script>window.__pwned = 1</script>",
        '<img src=x onerror="window.__pwned = 2">',
        '<a href="javascript:window.__pwned=3">klicka</a>',
    ]
    for text in hostile:
        chat.say(text)
        expect(chat.messages("user").last).to_have_text(f"Du: {text}")
    assert page.evaluate("() => window.__pwned") is None
    assert chat.log.locator("script, img, a[href^='javascript']").count() == 0


def test_markup_and_links_from_the_service_desk_are_safe(
    page: Page, chat: Chat, live_server: LiveServer
) -> None:
    page.goto("/")
    chat.open()
    push(
        live_server,
        chat.session_id(),
        "Läs **mer** på https://www.exempelby.se/e-tjanster. <img src=x onerror=alert(1)> "
        "javascript:alert(1) och data:text/html,<b>x</b>",
    )
    agent = chat.messages("agent")
    expect(agent).to_contain_text("<img src=x onerror=alert(1)>")
    links = agent.get_by_role("link")
    expect(links).to_have_count(1)
    link = links.first
    expect(link).to_have_attribute("href", "https://www.exempelby.se/e-tjanster")
    expect(link).to_have_attribute("rel", "noopener noreferrer")
    expect(link).to_have_attribute("target", "_blank")
    expect(link).to_contain_text("öppnas i nytt fönster")  # said to screen readers
    expect(agent.locator("strong")).to_have_text("mer")
    assert agent.locator("img").count() == 0


def test_a_personal_identity_number_is_masked_in_what_is_shown_back(
    page: Page, chat: Chat
) -> None:
    page.goto("/")
    chat.open()
    chat.say("Mitt personnummer är 19121212-1212 och e-tjänsten fungerar inte")
    expect(chat.messages("user")).to_have_count(1)
    expect(chat.messages("user")).to_contain_text("Mitt personnummer är ******-**** och")
    expect(chat.log).not_to_contain_text("1212-1212")
    page.reload()
    expect(chat.messages("user")).to_contain_text("******-****")
    stored = page.evaluate("() => JSON.stringify(sessionStorage)")
    assert "1212-1212" not in stored  # sent messages leave no copy in the browser
