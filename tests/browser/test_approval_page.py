"""The approval link in a real browser: the confirm page passes axe (WCAG 2.1 AA), works
under spoc's Content-Security-Policy, and its form (cookie + CSRF token) decides once."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import Page, expect
from pydantic import SecretStr

from bot.config import Settings
from bot.mail import development_outbox
from bot.messages import ConversationRef, Inbound
from tests.browser.conftest import Console
from tests.browser.test_widget_accessibility import BLOCKING, audit, describe
from tests.support.server import LiveServer

LINK = re.compile(r"https?://[^/\s]+(/approvals/[A-Za-z0-9_.\-]+)")


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"approval_secret": SecretStr("browser-test-secret-0123")})


def guest_wifi_request(live_server: LiveServer) -> tuple[str, str]:
    """A guest Wi-Fi request made through spoc's engine; the (approve, deny) link paths of
    the e-mail it sent to the owner."""
    spoc = live_server.app.state.spoc
    ref = ConversationRef("webchat", uuid.uuid4().hex)
    live_server.call(spoc.router.start_conversation(ref, locale="sv"))
    for step in (
        {"text": "jag vill beställa ett gästkonto till wifi"},
        {"text": "Ola Olsson, Konsultbolaget AB"},
        {"action": "request:opt:day"},
        {"action": "request:confirm"},
    ):
        live_server.call(spoc.router.handle(Inbound(ref, uuid.uuid4().hex, **step)))
    (mail,) = live_server.call(development_outbox(spoc.sessions))
    approve, deny = LINK.findall(mail.body)
    return approve, deny


def test_the_owner_approves_in_the_browser_and_the_link_is_then_used(
    page: Page, console: Console, live_server: LiveServer
) -> None:
    approve, _ = guest_wifi_request(live_server)
    page.goto(approve)
    expect(page.get_by_role("heading", level=1)).to_have_text("Godkänna beställningen?")
    violations = audit(page, console)
    assert not [v for v in violations if v["impact"] in BLOCKING], describe(violations)

    page.get_by_role("button", name="Ja, jag godkänner beställningen").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tack, ditt beslut är registrerat")
    violations = audit(page, console)
    assert not [v for v in violations if v["impact"] in BLOCKING], describe(violations)

    page.goto(approve)
    expect(page.get_by_role("heading", level=1)).to_have_text("Beställningen är redan avgjord")
