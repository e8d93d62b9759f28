"""Browser tests: Debian's chromium through Playwright's sync API, against spoc on a real
uvicorn server. One browser for all browser tests, a fresh context (storage) per test.

Playwright's sync API marks its own event loop as running in the main thread between calls,
so nothing asyncio may run in this thread while it lives: the fixtures here are all sync
(SQLite only; the API scenarios cover PostgreSQL), and the browser is package-scoped so it
is gone before the async suites in the other directories start.
"""

from __future__ import annotations

import contextlib
import re
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, BrowserContext, Locator, Page, expect, sync_playwright

from bot.messages import ConversationRef, Outbound
from tests.support.server import LiveServer

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Pages may log these on purpose (a test that makes a request fail); anything else in the
# console that looks like an error fails the test, CSP violations above all.
EXPECTED_CONSOLE = re.compile(r"Failed to load resource|net::ERR_FAILED")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.path).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture
def database(tmp_path: Path) -> tuple[str, str | None]:
    """A SQLite file per test, without the async setup the root fixture needs for
    PostgreSQL; the server migrates it on start."""
    return f"sqlite+aiosqlite:///{tmp_path / 'spoc.db'}", None


@pytest.fixture(scope="package")
def browser() -> Iterator[Browser]:
    executable = shutil.which("chromium")
    assert executable, "Debian's chromium is required (apt-get install chromium)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@dataclass
class Console:
    problems: list[str] = field(default_factory=list)

    def watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("console", self._message)

    def _message(self, message: Any) -> None:
        text = message.text
        unexpected = message.type == "error" and not EXPECTED_CONSOLE.search(text)
        if unexpected or "Content Security Policy" in text:
            self.problems.append(text)


@pytest.fixture
def context_options() -> dict[str, Any]:
    return {"viewport": {"width": 1280, "height": 800}, "locale": "sv-SE"}


@contextlib.contextmanager
def browser_context(
    browser: Browser, live_server: LiveServer, options: dict[str, Any]
) -> Iterator[BrowserContext]:
    """A fresh context (storage of its own, like another person's browser) on spoc's server."""
    context = browser.new_context(base_url=live_server.url, **options)
    context.set_default_timeout(15_000)
    try:
        yield context
    finally:
        context.close()


@pytest.fixture
def context(
    browser: Browser, live_server: LiveServer, context_options: dict[str, Any]
) -> Iterator[BrowserContext]:
    # Depends on live_server so it is closed first: an open event stream would otherwise
    # hold the server's graceful shutdown.
    with browser_context(browser, live_server, context_options) as context:
        yield context


@pytest.fixture
def console() -> Console:
    return Console()


@pytest.fixture
def page(context: BrowserContext, console: Console) -> Iterator[Page]:
    page = context.new_page()
    console.watch(page)
    yield page
    assert not console.problems, console.problems


class Chat:
    """The widget as a person meets it, found by role and name like assistive technology."""

    def __init__(self, page: Page, locale: str = "sv") -> None:
        self.page = page
        sv = locale == "sv"
        self.launcher = page.get_by_role("button", name="Chatta med oss" if sv else "Chat with us")
        self.panel = page.get_by_role("dialog")
        self.log = page.get_by_role("log")
        self.input = page.get_by_role(
            "textbox", name="Skriv ditt meddelande" if sv else "Write your message"
        )

    def open(self) -> None:
        self.launcher.click()
        expect(self.panel).to_be_visible()
        expect(self.log.locator(".spoc-msg--bot").first).to_be_visible()

    def say(self, text: str) -> None:
        self.input.fill(text)
        self.input.press("Enter")

    def choice(self, title: str) -> Locator:
        return self.log.get_by_role("button", name=title, exact=True)

    def messages(self, author: str | None = None) -> Locator:
        return self.log.locator(f".spoc-msg--{author}" if author else ".spoc-msg")

    def session_id(self) -> str:
        expect(self.log.locator(".spoc-msg--bot").first).to_be_visible()
        state = self.page.evaluate(
            "() => JSON.parse(sessionStorage.getItem(Object.keys(sessionStorage)"
            ".find(k => k.startsWith('spoc:'))))"
        )
        return str(state["sessionId"])

    def focused_text(self) -> str:
        """Text of the element focused inside the widget (through its shadow root)."""
        return str(
            self.page.evaluate(
                "() => { let a = document.activeElement;"
                " while (a && a.shadowRoot && a.shadowRoot.activeElement)"
                "   a = a.shadowRoot.activeElement;"
                " return a ? (a.innerText || a.getAttribute('aria-label') || '') : ''; }"
            )
        )

    def tab_to(self, text: str, *, backwards: bool = False, limit: int = 60) -> None:
        """Press Tab (or Shift+Tab) until the focused element's text is ``text``."""
        key = "Shift+Tab" if backwards else "Tab"
        for _ in range(limit):
            self.page.keyboard.press(key)
            if self.focused_text().strip() == text:
                return
        raise AssertionError(f"{text!r} cannot be reached with {key}")


@pytest.fixture
def chat(page: Page) -> Chat:
    return Chat(page)


def push(live_server: LiveServer, session_id: str, text: str, author: str = "agent") -> None:
    """An agent-side message, added to the conversation the way the agent console does."""
    router = live_server.app.state.spoc.router
    live_server.call(
        router.post(ConversationRef("webchat", session_id), Outbound(text, author=author))  # type: ignore[arg-type]
    )
