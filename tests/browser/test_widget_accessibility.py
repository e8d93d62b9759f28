"""WCAG 2.1 AA in the browser: axe-core audits with the panel open, visible focus, reduced
motion, text at 200 %, both languages, readable text on any brand colour."""

from __future__ import annotations

from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from tests.browser.conftest import Chat, Console, push
from tests.support.server import LiveServer

WCAG_AA = {
    "runOnly": {
        "type": "tag",
        "values": [
            "wcag2a",
            "wcag2aa",
            "wcag21a",
            "wcag21aa",
            "best-practice",
        ],
    }
}
BLOCKING = {"serious", "critical"}


def audit(page: Page, console: Console) -> list[dict[str, Any]]:
    """axe's violations on the page as it is now, widget shadow root included."""
    before = len(console.problems)
    violations: list[dict[str, Any]] = Axe().run(page, options=WCAG_AA).response["violations"]
    # axe-core measures contrast with inline styles, which spoc's CSP rightly blocks; those
    # console messages are the audit's own, not the page's.
    console.problems[before:] = [
        p for p in console.problems[before:] if not p.startswith("Applying inline style")
    ]
    return violations


def describe(violations: list[dict[str, Any]]) -> str:
    return "\n".join(
        f"{v['impact']}: {v['id']} – {v['help']} at {[n['target'] for n in v['nodes']]}"
        for v in violations
    )


def open_with_choices_and_a_link(page: Page, chat: Chat, live_server: LiveServer) -> None:
    """The panel in a realistic state: greeting, an article with choices, an agent's link."""
    chat.open()
    chat.say("Jag kan inte skicka in formuläret i e-tjänsten")
    expect(chat.log.get_by_role("button").first).to_be_visible()
    push(live_server, chat.session_id(), "Mer hjälp finns på https://www.exempelby.se/e-tjanster")
    expect(chat.messages("agent")).to_have_count(1)


@pytest.mark.parametrize("path", ["/", "/en", "/?color=ffdd00"])
def test_axe_finds_no_serious_or_critical_violations_with_the_panel_open(
    page: Page, console: Console, live_server: LiveServer, path: str
) -> None:
    page.goto(path)
    chat = Chat(page, "en" if path == "/en" else "sv")
    open_with_choices_and_a_link(page, chat, live_server)
    violations = audit(page, console)
    assert not [v for v in violations if v["impact"] in BLOCKING], describe(violations)


@pytest.mark.parametrize(
    "path", ["/tillganglighet", "/integritet", "/en/accessibility", "/en/privacy"]
)
def test_axe_finds_no_serious_or_critical_violations_on_the_statement_pages(
    page: Page, console: Console, path: str
) -> None:
    page.goto(path)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    violations = audit(page, console)
    assert not [v for v in violations if v["impact"] in BLOCKING], describe(violations)


def test_focus_is_visible_on_the_launcher_and_the_choices(page: Page, chat: Chat) -> None:
    page.goto("/")
    chat.tab_to("Chatta med oss")
    assert outline(page) >= 2
    page.keyboard.press("Enter")
    chat.say("skrivaren fungerar inte")
    expect(chat.log.get_by_role("button").first).to_be_visible()
    newest = chat.log.get_by_role("button").all_inner_texts()
    assert "Nej, det hjälpte inte" in newest
    page.keyboard.press("Shift+Tab")  # from the message box back to the newest choice
    assert chat.focused_text() == newest[-1]
    assert outline(page) >= 2


def outline(page: Page) -> float:
    """Outline width in px of the element focused inside the widget."""
    width = page.evaluate(
        "() => { const a = document.activeElement.shadowRoot.activeElement;"
        " const s = getComputedStyle(a);"
        " return s.outlineStyle === 'none' ? 0 : parseFloat(s.outlineWidth); }"
    )
    return float(width)


def test_the_typing_dots_stand_still_when_reduced_motion_is_asked_for(
    page: Page, chat: Chat
) -> None:
    page.goto("/")
    chat.open()
    dot = page.locator(".spoc-dots span").first
    page.emulate_media(reduced_motion="reduce")
    assert dot.evaluate("d => getComputedStyle(d).animationName") == "none"
    page.emulate_media(reduced_motion="no-preference")
    assert dot.evaluate("d => getComputedStyle(d).animationName") == "spoc-blink"


def test_at_200_percent_the_panel_fills_the_window_without_sideways_scrolling(
    page: Page, chat: Chat
) -> None:
    page.set_viewport_size({"width": 640, "height": 400})  # 1280 x 800 at 200 % zoom
    page.goto("/")
    chat.open()
    chat.say("Jag kan inte skicka in formuläret i e-tjänsten")
    expect(chat.choice("Nej, det hjälpte inte")).to_be_visible()
    box = chat.panel.bounding_box()
    assert box and box["width"] <= 640 and box["height"] <= 400
    overflow = chat.panel.evaluate(
        "p => [p.scrollWidth - p.clientWidth, "
        "p.querySelector('.spoc-log').scrollWidth - "
        "p.querySelector('.spoc-log').clientWidth]"
    )
    assert overflow == [0, 0]
    expect(chat.input).to_be_in_viewport()
    expect(page.get_by_role("button", name="Skicka")).to_be_in_viewport()


def test_text_enlarged_to_200_percent_grows_the_widget_text(page: Page, chat: Chat) -> None:
    """Browsers' text-only zoom changes the root font size; the widget is sized in rem."""
    page.goto("/")
    chat.open()
    text = chat.messages("bot").first.locator(".spoc-text")
    before = float(text.evaluate("t => parseFloat(getComputedStyle(t).fontSize)"))
    page.evaluate("() => document.documentElement.style.fontSize = '200%'")
    after = float(text.evaluate("t => parseFloat(getComputedStyle(t).fontSize)"))
    assert after == 2 * before
    expect(chat.input).to_be_in_viewport()


def test_english_by_data_attribute(page: Page) -> None:
    page.goto("/en")
    chat = Chat(page, "en")
    chat.open()
    expect(page.get_by_role("heading", name="Chat with Exempelby kommun")).to_be_visible()
    expect(chat.log).to_contain_text("an automated service, not a person")
    expect(page.get_by_role("link", name="How we handle your data")).to_have_attribute(
        "href", f"{page.url.split('/en')[0]}/en/privacy"
    )
    assert page.locator("aside.spoc").get_attribute("lang") == "en"


def test_the_bots_language_button_switches_the_widget_to_english(page: Page, chat: Chat) -> None:
    page.goto("/")
    chat.open()
    chat.choice("In English").click()
    english = Chat(page, "en")
    expect(english.input).to_be_focused()
    expect(page.get_by_role("button", name="Send", exact=True)).to_be_visible()
    expect(page.get_by_role("heading", name="Chat with Exempelby kommun")).to_be_visible()
    page.reload()
    expect(english.input).to_be_visible()  # the choice is remembered


def test_a_light_brand_colour_gets_dark_text_and_a_dark_accent(page: Page, chat: Chat) -> None:
    page.goto("/?color=ffdd00")
    expect(chat.launcher).to_have_css("background-color", "rgb(255, 221, 0)")
    expect(chat.launcher).to_have_css("color", "rgb(0, 0, 0)")
    chat.open()
    chat.say("skrivaren fungerar inte")
    choice = chat.log.get_by_role("button").first
    expect(choice).to_be_visible()
    colour = choice.evaluate("b => getComputedStyle(b).color")
    assert colour != "rgb(255, 221, 0)"  # darkened until it reads on the light surfaces
