"""The embedded default: spoc's own directory, no mail server. Codes wait in the
development outbox (/dev/outbox), which production does not have; text messages go through
an HTTP SMS gateway when one is configured."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest
from aiohttp import web
from pydantic import SecretStr
from sqlalchemy import select

from bot.config import Settings
from bot.store.accounts import MailItem
from tests.support.accounts import choose_password, link_in
from tests.support.app import app_client
from tests.support.chat import ChatPerson

CODE = re.compile(r"\b(\d{6})\b")
NEW_PASSWORD = "Grusvägen slingrar sig mot sjön"


def code_in_outbox(page: str, recipient: str) -> str:
    """The code in the newest outbox entry to ``recipient``."""
    entry = page.split(recipient, 1)[1]
    match = CODE.search(entry)
    assert match is not None, entry
    return match.group(1)


async def test_reset_with_the_builtin_directory_and_the_development_outbox(
    client: httpx.AsyncClient,
) -> None:
    spoc = client.app.state.spoc  # type: ignore[attr-defined]
    person = await ChatPerson.start(client)
    await person.say("jag har glömt mitt lösenord")
    await person.say("Anna.Andersson@exempelby.se")

    outbox = await client.get("/dev/outbox")
    assert outbox.status_code == 200
    assert "Utveckling – inte skickat" in outbox.text
    assert "development – not sent" in outbox.text.lower()
    code = code_in_outbox(outbox.text, "anna.privat@example.com")

    replies = await person.say(code)
    link = link_in(replies[0]["text"])
    assert (await choose_password(client, link, NEW_PASSWORD)).status_code == 200
    assert await spoc.directory.check_password("anna.andersson", NEW_PASSWORD)
    assert not await spoc.directory.check_password("anna.andersson", "fel lösenord här")
    async with spoc.sessions() as session:
        kept = (await session.execute(select(MailItem.subject, MailItem.status))).all()
    assert [tuple(row) for row in kept] == [  # kept, never sent
        ("Din engångskod från servicedesken", "dev"),
        ("Ditt lösenord har bytts", "dev"),
    ]


async def test_unlock_with_the_builtin_directory(client: httpx.AsyncClient) -> None:
    directory = client.app.state.spoc.directory  # type: ignore[attr-defined]
    assert (await directory.find("berit.berg")).locked
    person = await ChatPerson.start(client, locale="en")
    replies = await person.say("my account is locked")
    assert "unlock your account" in replies[0]["text"]
    await person.say("berit.berg")
    code = code_in_outbox((await client.get("/dev/outbox")).text, "berit.privat@example.com")
    replies = await person.say(code)
    assert "unlocked" in replies[0]["text"]
    assert not (await directory.find("berit.berg")).locked


async def test_the_manager_of_a_person_is_found_for_approvals(client: httpx.AsyncClient) -> None:
    directory = client.app.state.spoc.directory  # type: ignore[attr-defined]
    manager = await directory.manager_of("anna.andersson")
    assert manager is not None
    assert (manager.username, manager.email) == ("karin.karlsson", "karin.karlsson@exempelby.se")
    assert await directory.manager_of("karin.karlsson") is None
    assert await directory.manager_of("nobody") is None


async def test_the_development_outbox_does_not_exist_in_production(settings: Settings) -> None:
    production = settings.model_copy(update={"environment": "production"})
    async with app_client(production) as http:
        assert (await http.get("/dev/outbox")).status_code == 404
        # Neither a mail server nor an SMS gateway: no code could ever arrive, so spoc does
        # not offer resets, and says where help is instead of promising a code.
        person = await ChatPerson.start(http)
        assert "menu:account" not in person.offered()
        replies = await person.say("jag har glömt mitt lösenord")
        assert replies[0]["text"].startswith("Lösenord och låsta konton kan jag inte hjälpa")
        assert production.service_desk_phone in replies[0]["text"]
        await person.say("anna.andersson")  # taken as a new message, not as the account
        async with http.app.state.spoc.sessions() as session:  # type: ignore[attr-defined]
            queued = (await session.execute(select(MailItem.status))).scalars().all()
        assert queued == []


async def test_a_mail_server_alone_is_enough_for_resets_in_production(
    settings: Settings,
) -> None:
    production = settings.model_copy(
        update={"environment": "production", "smtp_host": "127.0.0.1", "smtp_port": 9}
    )
    async with app_client(production) as http:
        person = await ChatPerson.start(http)
        assert "menu:account" in person.offered()
        replies = await person.say("jag har glömt mitt lösenord")
        assert "vilket konto det gäller" in replies[0]["text"]


@dataclass
class SmsGateway:
    received: list[dict[str, Any]] = field(default_factory=list)
    headers: list[str] = field(default_factory=list)
    url: str = ""
    arrived: asyncio.Event = field(default_factory=asyncio.Event)

    async def handle(self, request: web.Request) -> web.Response:
        self.received.append(await request.json())
        self.headers.append(request.headers.get("Authorization", ""))
        self.arrived.set()
        return web.json_response({"status": "queued"}, status=202)


@pytest.fixture
async def sms_gateway() -> AsyncIterator[SmsGateway]:
    gateway = SmsGateway()
    app = web.Application()
    app.router.add_post("/send", gateway.handle)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    gateway.url = f"http://127.0.0.1:{runner.addresses[0][1]}/send"
    yield gateway
    await runner.cleanup()


async def test_a_person_with_only_a_mobile_gets_the_code_by_text_message(
    settings: Settings, sms_gateway: SmsGateway
) -> None:
    configured = settings.model_copy(
        update={"sms_gateway_url": sms_gateway.url, "sms_gateway_token": SecretStr("gw-token")}
    )
    async with app_client(configured) as http:
        person = await ChatPerson.start(http)
        await person.say("jag har glömt mitt lösenord")
        await person.say("david.dahl")
        async with asyncio.timeout(10):
            await sms_gateway.arrived.wait()
        (sms,) = sms_gateway.received
        assert sms["to"] == "+46701000004"
        assert sms_gateway.headers == ["Bearer gw-token"]
        code = CODE.search(sms["message"])
        assert code is not None
        replies = await person.say(code.group(1))
        assert "/reset/" in replies[0]["text"]


async def test_the_development_outbox_answers_only_on_the_machine_itself(
    client: httpx.AsyncClient,
) -> None:
    """It shows one-time codes: a development server reachable from the network must not."""
    app = client.app  # type: ignore[attr-defined]
    transport = httpx.ASGITransport(app=app, client=("203.0.113.9", 50_000))
    async with httpx.AsyncClient(transport=transport, base_url="http://spoc.test") as remote:
        refused = await remote.get("/dev/outbox")
    assert refused.status_code == 404
    assert refused.json()["error"]["code"] == "not_found"
    assert (await client.get("/dev/outbox")).status_code == 200  # 127.0.0.1


async def test_the_menu_leads_to_unlock_without_typing_what_it_is(
    client: httpx.AsyncClient,
) -> None:
    directory = client.app.state.spoc.directory  # type: ignore[attr-defined]
    person = await ChatPerson.start(client, locale="sv")
    assert person.offered()[:2] == ["menu:incident", "menu:account"]
    replies = await person.press("menu:account")
    assert "glömt lösenord eller ett konto som är låst" in replies[0]["text"]
    assert "aldrig efter ditt lösenord" in replies[0]["text"]
    assert [b["title"] for b in replies[0]["buttons"]] == [
        "Jag har glömt lösenordet",
        "Kontot är låst",
    ]
    await person.press("password_reset:locked")
    await person.say("berit.berg")
    code = code_in_outbox((await client.get("/dev/outbox")).text, "berit.privat@example.com")
    replies = await person.say(code)
    assert "Nu är ditt konto upplåst" in replies[0]["text"]
    assert not (await directory.find("berit.berg")).locked


async def test_the_menu_leads_to_a_new_password_in_english(client: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(client, locale="en")
    await person.press("menu:account")
    replies = await person.press("password_reset:forgot")
    assert "set a new password" in replies[0]["text"]
    assert "never ask for your password" in replies[0]["text"]


async def test_words_instead_of_a_button_still_find_the_way(client: httpx.AsyncClient) -> None:
    person = await ChatPerson.start(client, locale="sv")
    await person.press("menu:account")
    replies = await person.say("mitt konto är låst")
    assert replies[0]["text"].startswith("Jag hjälper dig att låsa upp ditt konto.")
