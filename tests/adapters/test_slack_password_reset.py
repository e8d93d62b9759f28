"""A password reset in a Slack direct message: real slack-bolt against the fake Slack Web
API, a real slapd, and the code read from a real SMTP server."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from bot.config import Settings
from tests.fakes.slack_api import SIGNING_SECRET as SECRET
from tests.fakes.slack_api import FakeSlack, SlackPerson
from tests.support.accounts import choose_password, heading, link_in, with_ldap, with_mail
from tests.support.app import app_client, pointed_at, texts
from tests.support.slapd import Slapd
from tests.support.smtp import MailCatcher

NEW_PASSWORD = "Slack-och-sju-sorters-kakor"


@pytest.fixture
async def slack_http(
    settings: Settings, fake_slack: FakeSlack, slapd: Slapd, smtp: MailCatcher
) -> AsyncIterator[httpx.AsyncClient]:
    configured = pointed_at(with_mail(with_ldap(settings, slapd), smtp), fake_slack)
    async with app_client(configured) as http:
        yield http


async def settled(app: FastAPI) -> None:
    await app.state.channels.slack.settled()
    await app.state.spoc.outbox.drain()


async def test_reset_in_a_slack_direct_message_sets_a_password_that_binds(
    slack_http: httpx.AsyncClient, fake_slack: FakeSlack, slapd: Slapd, smtp: MailCatcher
) -> None:
    app: FastAPI = slack_http.app  # type: ignore[attr-defined]
    anna = SlackPerson(slack_http, fake_slack, SECRET)
    await anna.say("jag har glömt mitt lösenord")
    await settled(app)
    assert "användarnamn eller din jobbmejl" in str(fake_slack.posted("D0ANNA")[-1]["text"])
    await anna.say("anna.andersson")
    await settled(app)
    assert "Om kontot finns" in str(fake_slack.posted("D0ANNA")[-1]["text"])
    code = await smtp.code_for("anna.privat@example.com")
    await anna.say(code)
    await settled(app)
    link = link_in(str(fake_slack.posted("D0ANNA")[-1]["text"]))
    # The code and the password never pass through Slack from the bot's side.
    assert code not in texts(fake_slack.posted("D0ANNA"))

    done = await choose_password(slack_http, link, NEW_PASSWORD)
    assert (done.status_code, heading(done)) == (200, "Klart – lösenordet är bytt")
    assert slapd.can_bind("anna.andersson", NEW_PASSWORD)
    assert NEW_PASSWORD not in texts(fake_slack.posted("D0ANNA"))
