"""spoc's real app, lifespan included, behind an in-process httpx client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx

from bot.config import Settings
from bot.web.app import create_app
from tests.fakes.api_server import FakeApi


@asynccontextmanager
async def app_client(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app is reachable as ``client.app`` (its state: spoc, hub, channels)."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://spoc.test") as http:
            http.app = app  # type: ignore[attr-defined]
            yield http


def texts(messages: list[dict[str, object]]) -> str:
    return "\n".join(str(m["text"]) for m in messages)


def pointed_at(settings: Settings, fake: FakeApi, **changes: object) -> Settings:
    """``settings`` with spoc's Slack or Telegram talking to the local fake API."""
    return settings.model_copy(update={**fake.spoc_settings(), **changes})
