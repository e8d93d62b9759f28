"""Mounts the agent console (``/agent``) and its API (``/api/agent``) on spoc's app, and keeps
live updates flowing between worker processes (PostgreSQL LISTEN/NOTIFY)."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from bot.agents import api, console
from bot.agents.auth import SIGN_INS_PER_MINUTE
from bot.agents.takeover import Takeover
from bot.app import Spoc
from bot.store.agents import live_channel
from bot.web.hub import Hub, PgListener
from bot.web.security import TokenBuckets


class LiveUpdates:
    """On PostgreSQL, a LISTEN connection that brings other workers' changes to this
    process's hub; on SQLite (one process) the hub alone is enough."""

    def __init__(self, spoc: Spoc, hub: Hub) -> None:
        settings = spoc.settings
        self.listener = (
            None
            if settings.is_sqlite
            else PgListener(settings.database_url, live_channel(settings.database_schema), hub)
        )

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[LiveUpdates]:
        if self.listener is not None:
            self.listener.start()
        try:
            yield self
        finally:
            if self.listener is not None:
                await self.listener.stop()


def install(app: FastAPI, spoc: Spoc, hub: Hub) -> LiveUpdates:
    spoc.router.wake = hub.publish
    app.state.takeover = Takeover(
        sessions=spoc.sessions,
        reads=spoc.reads,
        services=spoc.router.services,
        outbox=spoc.outbox,
        wake=hub.publish,
    )
    app.state.sign_in_buckets = TokenBuckets(SIGN_INS_PER_MINUTE)
    app.include_router(api.create_router())
    app.include_router(console.create_router())
    return LiveUpdates(spoc, hub)
