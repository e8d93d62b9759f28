"""The reset page in a real browser: the form posts with its cookie and Origin as Chromium
sends them, explains a rejected password accessibly, and sets the new one."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import Console
from tests.browser.test_widget_accessibility import BLOCKING, audit, describe
from tests.support.server import LiveServer

NEW_PASSWORD = "Fyra hästar på en grusväg"


def issue_link(live_server: LiveServer, locale: str = "sv") -> str:
    spoc = live_server.app.state.spoc
    token = live_server.call(spoc.resets.issue(username="anna.andersson", locale=locale))
    return f"/reset/{token}"


@pytest.mark.parametrize("locale", ["sv", "en"])
def test_choosing_a_new_password_in_the_browser(
    page: Page, console: Console, live_server: LiveServer, locale: str
) -> None:
    link = issue_link(live_server, locale)
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert not [v for v in audit(page, console) if v["impact"] in BLOCKING]
    sv = locale == "sv"
    password = page.get_by_label("Nytt lösenord" if sv else "New password")
    again = page.get_by_label("Skriv lösenordet igen" if sv else "Type the password again")
    save = page.get_by_role("button", name="Spara nytt lösenord" if sv else "Save new password")

    password.fill("Sommar2026!!!!")
    again.fill("Sommar2026!!!!")
    save.click()
    expect(page.get_by_role("alert")).to_contain_text("vanligt" if sv else "common")
    expect(password).to_have_value("")  # never sent back to the page
    violations = audit(page, console)
    assert not [v for v in violations if v["impact"] in BLOCKING], describe(violations)

    page.get_by_label("Nytt lösenord" if sv else "New password").fill(NEW_PASSWORD)
    page.get_by_label("Skriv lösenordet igen" if sv else "Type the password again").fill(
        NEW_PASSWORD
    )
    save.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Klart – lösenordet är bytt" if sv else "Done – your password is changed"
    )
    directory = live_server.app.state.spoc.directory
    assert live_server.call(directory.check_password("anna.andersson", NEW_PASSWORD))
    page.goto(link)
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Länken fungerar inte längre" if sv else "This link no longer works"
    )
