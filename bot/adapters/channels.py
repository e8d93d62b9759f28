"""The chat tools spoc serves besides its own web chat: each on when its token is set.

:func:`install` builds the configured channels, mounts their endpoints (``POST /slack/events``,
``POST /telegram/webhook``) and registers their outbox senders; :meth:`Channels.running`
starts and stops them with the app. A channel's library is imported only when the channel
is configured: slack-bolt and python-telegram-bot add a second to every start-up otherwise.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response

from bot.app import Spoc

if TYPE_CHECKING:
    from bot.adapters.slack import SlackChannel
    from bot.adapters.telegram import TelegramChannel

log = logging.getLogger(__name__)

Endpoint = Callable[[Request], Awaitable[Response]]


@dataclass
class Channels:
    slack: SlackChannel | None = None
    telegram: TelegramChannel | None = None
    _started: list[SlackChannel | TelegramChannel] = field(default_factory=list)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[Channels]:
        try:
            for channel in (self.slack, self.telegram):
                if channel is not None:
                    self._started.append(channel)
                    await channel.start()
            yield self
        finally:
            while self._started:
                await self._started.pop().stop()


def install(app: FastAPI, spoc: Spoc) -> Channels:
    settings = spoc.settings
    channels = Channels()
    if settings.slack_bot_token:
        from bot.adapters import slack

        channels.slack = slack.SlackChannel(settings, router=spoc.router, sessions=spoc.sessions)
        spoc.outbox.register(
            slack.CHANNEL, channels.slack.send, delivered=channels.slack.was_delivered
        )
        _mount(app, "/slack/events", channels.slack.handle_http, "Slack Events API")
    else:
        log.info("Slack is off (SPOC_SLACK_BOT_TOKEN is not set)")
    if settings.telegram_bot_token:
        from bot.adapters import telegram

        channels.telegram = telegram.TelegramChannel(
            settings, router=spoc.router, sessions=spoc.sessions
        )
        spoc.outbox.register(telegram.CHANNEL, channels.telegram.send)
        _mount(app, telegram.WEBHOOK_PATH, channels.telegram.handle_http, "Telegram webhook")
    else:
        log.info("Telegram is off (SPOC_TELEGRAM_BOT_TOKEN is not set)")
    return channels


def _mount(app: FastAPI, path: str, endpoint: Endpoint, summary: str) -> None:
    async def receive(request: Request) -> Response:
        return await endpoint(request)

    app.add_api_route(
        path,
        receive,
        methods=["POST"],
        summary=summary,
        tags=["channels"],
        include_in_schema=False,
    )
