"""The widget on a kommun's own website, another origin than spoc's: one script tag works
where the origin is configured, and nowhere else."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from bot.config import Settings
from tests.browser.conftest import Chat, Console
from tests.support.server import LiveServer

KOMMUN = "http://kommun.localhost"
ELSEWHERE = "http://annan.localhost"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """spoc as a kommun configures it for its own website."""
    return settings.model_copy(update={"allowed_origins": [KOMMUN]})


def kommun_page(live_server: LiveServer) -> str:
    return f"""<!doctype html><html lang="sv"><head><meta charset="utf-8">
<title>Testby kommun</title></head><body><main><h1>Testby kommun</h1></main>
<script src="{live_server.url}/static/spoc-widget.js" data-spoc-org="Testby kommun"
 data-spoc-color="#7a1f5c" defer></script></body></html>"""


def serve_site(page: Page, origin: str, live_server: LiveServer) -> None:
    def fulfil(route: Route) -> None:
        route.fulfill(status=200, content_type="text/html", body=kommun_page(live_server))

    # A page fulfilled by the test has no address, so Chromium counts it as public and asks
    # before it reaches spoc on loopback; on the web both sides are public and nobody asks.
    page.context.grant_permissions(["local-network-access"])
    page.route(f"{origin}/**", fulfil)


def test_the_widget_embedded_on_a_configured_kommun_site_works(
    page: Page, chat: Chat, live_server: LiveServer
) -> None:
    serve_site(page, KOMMUN, live_server)
    page.goto(f"{KOMMUN}/")
    expect(chat.launcher).to_have_css("background-color", "rgb(122, 31, 92)")
    chat.open()
    expect(page.get_by_role("heading", name="Chatt med Testby kommun")).to_be_visible()
    chat.say("skrivaren fungerar inte")
    expect(chat.messages("user")).to_have_text(["Du: skrivaren fungerar inte"])
    expect(chat.messages("bot")).not_to_have_count(1)
    privacy = page.get_by_role("link", name="Så hanterar vi dina uppgifter")
    expect(privacy).to_have_attribute("href", f"{live_server.url}/integritet")
    page.reload()  # the conversation is kept per site and tab
    expect(chat.messages("user")).to_have_count(1)


def test_on_a_site_that_is_not_configured_the_chat_cannot_start(
    page: Page, chat: Chat, console: Console, live_server: LiveServer
) -> None:
    serve_site(page, ELSEWHERE, live_server)
    page.goto(f"{ELSEWHERE}/")
    chat.launcher.click()
    expect(page.get_by_role("alert")).to_have_text("Chatten kunde inte startas just nu.")
    expect(chat.messages()).to_have_count(0)
    # The browser reports the refused cross-origin requests; that is the point here.
    console.problems[:] = [p for p in console.problems if "CORS policy" not in p]
