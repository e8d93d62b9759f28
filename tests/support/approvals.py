"""Requests and their approvals through the real app: Anna asks in Slack, her manager Karin
answers in Slack or by e-mail (the real mailer to a real aiosmtpd server), links are
followed over HTTP. Shared by the approval scenarios."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import FastAPI
from pydantic import SecretStr
from sqlalchemy import select

from bot.approvals.store import Approval
from bot.config import Settings
from bot.store import repo
from tests.fakes.slack_api import SIGNING_SECRET as SECRET
from tests.fakes.slack_api import FakeSlack, SlackPerson
from tests.support.app import app_client, pointed_at, texts
from tests.support.smtp import MailCatcher, smtp_server

LINK_SECRET = "approval-links-in-tests-0123456789abcdef"
REQ = re.compile(r"\bREQ\d{7}\b")
LINK = re.compile(r"https?://[^/\s]+(/approvals/[A-Za-z0-9_.\-]+)")
CSRF = re.compile(r'name="csrf" value="([0-9a-f]+)"')


def with_links(settings: Settings, **changes: Any) -> Settings:
    return settings.model_copy(update={"approval_secret": SecretStr(LINK_SECRET), **changes})


async def ticket_story(http: httpx.AsyncClient, number: str) -> tuple[str, list[tuple[str, str]]]:
    """The ticket's state and its events as (kind, actor)."""
    spoc = http.app.state.spoc  # type: ignore[attr-defined]
    async with spoc.sessions() as session:
        ticket = await repo.get_ticket(session, number=number)
        assert ticket is not None
        events = await repo.ticket_events(session, ticket_id=ticket.id)
    return ticket.state, [(event.kind, event.actor) for event in events]


async def approvals_of(http: httpx.AsyncClient) -> list[Approval]:
    spoc = http.app.state.spoc  # type: ignore[attr-defined]
    async with spoc.sessions() as session:
        return list((await session.execute(select(Approval).order_by(Approval.id))).scalars())


def links_in(body: str) -> tuple[str, str]:
    """(approve path, deny path) of an approval e-mail."""
    approve, deny = LINK.findall(body)
    return approve, deny


async def open_link(http: httpx.AsyncClient, path: str) -> tuple[httpx.Response, str]:
    page = await http.get(path)
    assert page.status_code == 200, page.text
    found = CSRF.search(page.text)
    assert found is not None
    return page, found.group(1)


@dataclass
class Desk:
    app: FastAPI
    http: httpx.AsyncClient
    fake: FakeSlack
    anna: SlackPerson
    karin: SlackPerson
    inbox: MailCatcher

    async def settled(self) -> None:
        await self.app.state.channels.slack.settled()
        await self.app.state.spoc.outbox.drain()

    async def say(self, person: SlackPerson, text: str) -> None:
        await person.say(text)
        await self.settled()

    async def press(self, person: SlackPerson, action: str) -> None:
        await person.press(action)
        await self.settled()

    def last(self, channel: str, count: int = 1) -> str:
        """The newest ``count`` messages posted in the channel."""
        return texts(self.fake.posted(channel)[-count:])


@asynccontextmanager
async def open_desk(settings: Settings, **changes: Any) -> AsyncIterator[Desk]:
    """The app with Slack (Anna and Karin known to the fake) and a mail server."""
    fake = await FakeSlack().start()
    fake.add_user("U0ANNA", name="Anna Andersson", email="anna.andersson@exempelby.se")
    fake.add_user("U0KARIN", name="Karin Karlsson", email="karin.karlsson@exempelby.se")
    try:
        async with smtp_server() as inbox:
            configured = with_links(
                pointed_at(settings, fake),
                smtp_host=inbox.host,
                smtp_port=inbox.port,
                smtp_security="none",
                **changes,
            )
            async with app_client(configured) as http:
                app = http.app  # type: ignore[attr-defined]
                anna = SlackPerson(http, fake, SECRET)
                karin = SlackPerson(http, fake, SECRET, user="U0KARIN", channel="D0KARIN")
                yield Desk(app, http, fake, anna, karin, inbox)
    finally:
        await fake.stop()
