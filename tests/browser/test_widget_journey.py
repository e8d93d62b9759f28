"""A citizen's whole errand in the widget, by keyboard only, and the conversation surviving a
reload."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.browser.conftest import Chat

TICKET = re.compile(r"INC\d{7}")
ARTICLE_TITLE = "Det går inte att skicka in formuläret i e-tjänsten"


def test_keyboard_only_citizen_gets_an_article_then_a_ticket_and_keeps_it_after_reload(
    page: Page, chat: Chat
) -> None:
    page.goto("/")
    chat.tab_to("Chatta med oss")
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")
    page.keyboard.press("Enter")

    expect(chat.panel).to_be_visible()
    expect(chat.launcher).to_have_attribute("aria-expanded", "true")
    expect(chat.input).to_be_focused()
    expect(chat.log).to_contain_text("automatisk tjänst, inte en människa")

    page.keyboard.type("Jag kan inte skicka in formuläret i e-tjänsten för bygglov")
    page.keyboard.press("Enter")
    expect(chat.log).to_contain_text(ARTICLE_TITLE)
    expect(chat.input).to_be_focused()  # focus stays where the person writes

    for choice in (
        "Nej, det hjälpte inte",
        "Idag",
        "Bara jag",
        "Det går trögt men jag kan arbeta",
        "Ja, skapa ärende",
    ):
        expect(chat.choice(choice)).to_be_visible()
        chat.tab_to(choice, backwards=True, limit=12)
        page.keyboard.press("Enter")
        expect(chat.input).to_be_focused()

    expect(chat.log).to_contain_text(TICKET)
    expect(chat.messages("bot").filter(has_text=TICKET)).to_be_in_viewport()  # scrolled to
    ticket = TICKET.search(chat.log.inner_text())
    assert ticket
    texts_before = chat.messages().all_inner_texts()

    page.reload()
    expect(chat.panel).to_be_visible()  # it was open, so it opens again
    expect(chat.log).to_contain_text(ticket.group(0))
    expect(chat.log).to_contain_text(ARTICLE_TITLE)
    expect(chat.messages()).to_have_count(len(texts_before))
    assert chat.messages().all_inner_texts() == texts_before
    # The button the person pressed shows as its title, not as the action behind it.
    expect(chat.messages("user").filter(has_text="Nej, det hjälpte inte")).to_have_count(1)
    expect(chat.log).not_to_contain_text("incident:")


def test_escape_closes_the_panel_and_returns_focus_to_the_launcher(page: Page, chat: Chat) -> None:
    page.goto("/")
    chat.open()
    expect(chat.input).to_be_focused()
    page.keyboard.press("Escape")
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()
    expect(chat.launcher).to_have_attribute("aria-expanded", "false")

    page.keyboard.press("Enter")  # and it opens again from the keyboard, same conversation
    expect(chat.input).to_be_focused()
    expect(chat.messages("bot")).to_have_count(1)


def test_closing_with_the_close_button_keeps_the_conversation(page: Page, chat: Chat) -> None:
    page.goto("/")
    chat.open()
    chat.say("hej")
    expect(chat.messages("user")).to_have_count(1)
    page.get_by_role("button", name="Stäng chatten").click()
    expect(chat.panel).to_be_hidden()
    expect(chat.launcher).to_be_focused()
    chat.launcher.click()
    expect(chat.messages("user")).to_have_text(["Du: hej"])


def test_shift_enter_writes_a_new_line_and_enter_sends(page: Page, chat: Chat) -> None:
    page.goto("/")
    chat.open()
    chat.input.press_sequentially("skrivaren")
    chat.input.press("Shift+Enter")
    chat.input.press_sequentially("fungerar inte")
    expect(chat.input).to_have_value("skrivaren\nfungerar inte")
    chat.input.press("Enter")
    expect(chat.messages("user")).to_have_count(1)
    expect(chat.messages("user").first).to_contain_text("skrivaren\nfungerar inte")
    expect(chat.input).to_have_value("")


def test_typing_indicator_shows_while_the_bot_works(page: Page, chat: Chat) -> None:
    page.goto("/")
    chat.open()
    status = page.get_by_role("status").filter(has=page.locator(".spoc-typing__text"))
    release: list[object] = []

    def hold(route: object) -> None:
        release.append(route)

    page.route("**/api/chat/sessions/*/messages", hold)
    chat.say("outlook kraschar")
    expect(status).to_have_text("Assistenten skriver…")
    expect(page.locator(".spoc-typing .spoc-dots")).to_be_visible()
    release[0].continue_()  # type: ignore[attr-defined]
    page.unroute("**/api/chat/sessions/*/messages")
    expect(status).to_have_text("")
    expect(page.locator(".spoc-typing .spoc-dots")).to_be_hidden()
