"""Screenshots for the README: the chat widget in Swedish and English, and the agent console.

Starts spoc on a temporary SQLite database (loopback, ephemeral port), opens the demo page in
Debian's chromium, reports a problem through the widget until a ticket is opened, and saves
the page with the panel open. Then a citizen asks for a person, and an agent's console is
saved with the queue (``agent-queue.png``) and with the conversation taken over
(``agent-conversation.png``):

    .venv/bin/python scripts/widget_screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
from pathlib import Path

from playwright.sync_api import Browser, Page, expect, sync_playwright

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bot.agents.accounts import create_agent  # noqa: E402
from bot.config import Settings  # noqa: E402
from bot.web.app import create_app  # noqa: E402
from tests.browser.conftest import CHROMIUM_ARGS  # noqa: E402
from tests.support.server import LiveServer, serve  # noqa: E402

# page, launcher, what the person writes, the buttons they press
CONVERSATIONS = {
    "sv": (
        "/",
        "Chatta med oss",
        "Jag kan inte skicka in formuläret i e-tjänsten för bygglov",
        [
            "Nej, det hjälpte inte",
            "Idag",
            "Bara jag",
            "Det går trögt men jag kan arbeta",
            "Ja, skapa ärende",
        ],
    ),
    "en": (
        "/en",
        "Chat with us",
        "Outlook crashes every time I open the calendar",
        [
            "No, it didn't help",
            "Today",
            "Only me",
            "It's slow but I can work",
            "Yes, open a ticket",
        ],
    ),
}


def converse(page: Page, path: str, launcher: str, text: str, choices: list[str]) -> None:
    page.goto(path)
    page.get_by_role("button", name=launcher).click()
    log = page.get_by_role("log")
    expect(log.locator(".spoc-msg--bot").first).to_be_visible()
    page.get_by_role("textbox").fill(text)
    page.keyboard.press("Enter")
    for choice in choices:
        log.get_by_role("button", name=choice, exact=True).click()
    ticket = log.locator(".spoc-msg--bot", has_text=re.compile(r"INC\d{7}"))
    expect(ticket).to_be_in_viewport(ratio=0.5)
    expect(page.locator(".spoc-typing.is-active")).to_have_count(0)
    page.get_by_role("textbox").focus()
    page.mouse.move(0, 0)


AGENT_PASSWORD = "screenshots only, never used"  # noqa: S105 - a throwaway database


def console_shots(server: LiveServer, browser: Browser, out: Path) -> None:
    server.call(
        create_agent(
            server.app.state.spoc.sessions,
            username="kim",
            password=AGENT_PASSWORD,
            display_name="Kim Karlsson",
            groups=["Servicedesk"],
        )
    )
    citizen = browser.new_context(base_url=server.url, viewport={"width": 1280, "height": 800})
    agent = browser.new_context(
        base_url=server.url, viewport={"width": 1440, "height": 900}, reduced_motion="reduce"
    )
    page, console = citizen.new_page(), agent.new_page()
    console.goto("/agent")
    console.get_by_label("Användarnamn").fill("kim")
    console.get_by_label("Lösenord").fill(AGENT_PASSWORD)
    console.get_by_role("button", name="Logga in").click()
    page.goto("/")
    page.get_by_role("button", name="Chatta med oss").click()
    log = page.get_by_role("log")
    expect(log.locator(".spoc-msg--bot").first).to_be_visible()
    for text in ("Outlook kraschar när jag öppnar kalendern", "kan jag få prata med en människa?"):
        page.get_by_role("textbox").fill(text)
        page.keyboard.press("Enter")
    expect(log.locator(".spoc-msg--bot").last).to_contain_text("i kön")
    expect(console.locator(".queue-row")).to_have_count(1)
    console.mouse.move(0, 0)
    console.screenshot(path=str(out / "agent-queue.png"))
    sys.stdout.write(f"{out / 'agent-queue.png'}\n")
    console.get_by_role("button", name=re.compile("^Ta konversation")).click()
    console.get_by_role("button", name="Hälsa").click()
    console.get_by_role("button", name="Skicka").click()
    expect(log.locator(".spoc-msg--agent")).to_have_count(1)
    page.get_by_role("textbox").fill("Tack! Det händer varje gång jag öppnar kalendern.")
    page.keyboard.press("Enter")
    expect(console.locator(".msg--user").last).to_contain_text("varje gång")
    console.get_by_label("Meddelande till personen").fill("Jag förstår. Jag tittar på det nu.")
    console.evaluate("window.scrollTo(0, 0)")
    console.screenshot(path=str(out / "agent-conversation.png"))
    sys.stdout.write(f"{out / 'agent-conversation.png'}\n")
    citizen.close()
    agent.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "screenshots")
    parser.add_argument("--color", default="", help="brand colour, e.g. ffdd00")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as workdir:
        settings = Settings(
            _env_file=None,  # type: ignore[call-arg]
            database_url=f"sqlite+aiosqlite:///{Path(workdir) / 'shots.db'}",
            kb_dir=ROOT / "knowledge_base",
            catalog_dir=ROOT / "catalog",
            desk_open_hours="mon-sun 00:00-24:00",  # an agent can take over whenever it runs
            desk_holidays_open=True,
        )
        with serve(create_app(settings)) as server, sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS
            )
            for locale, (path, launcher, text, choices) in CONVERSATIONS.items():
                context = browser.new_context(
                    base_url=server.url,
                    viewport={"width": 1280, "height": 800},
                    reduced_motion="reduce",
                )
                page = context.new_page()
                query = f"?color={args.color}" if args.color else ""
                converse(page, path + query, launcher, text, choices)
                target = args.out / f"widget-{locale}.png"
                page.screenshot(path=str(target))
                sys.stdout.write(f"{target}\n")
                context.close()
            console_shots(server, browser, args.out)
            browser.close()


if __name__ == "__main__":
    main()
