"""The ASGI application of ``spoc serve``: web chat API, pages and health."""

from __future__ import annotations

import functools
import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from bot.adapters import channels as chat_tools
from bot.agents import web as agent_console
from bot.app import Spoc
from bot.approvals import web as approval_pages
from bot.config import Settings
from bot.store.db import is_reachable
from bot.web import chat, dev_outbox, errors, pages, reset, security, tickets
from bot.web.hub import Hub
from bot.web.limits import BodyLimit


@functools.cache  # once per process, by the first app to start
def _settle_heap() -> None:
    """Take what start-up built out of the garbage collector's way.

    The imported libraries, the knowledge base with its example memory, the catalog and the
    templates are about 220,000 objects that live as long as the process. Every full pass of
    Python's cycle collector went through all of them with the event loop stopped: 50 to 120 ms
    a pass, several a minute under load, and with 3,000 people chatting at once that was the
    whole tail of the answer times (p99 750 ms; docs/benchmarks.md). ``gc.freeze`` moves the
    objects alive now to a generation the collector never visits; what later turns create
    and drop is collected as before."""
    gc.collect()
    gc.freeze()


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or Settings()
    spoc = Spoc.build(settings)
    hub = Hub()

    # The web chat's streams read the transcript itself: a commit only has to wake them.
    spoc.outbox.register_direct(chat.CHANNEL, hub.publish)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        async with spoc.running(), app.state.channels.running(), app.state.live.running():
            _settle_heap()
            yield

    app = FastAPI(
        title="spoc",
        summary="The service desk's single point of contact: web chat API and agent console.",
        version="0.1.0",
        lifespan=lifespan,
        # Swagger UI needs a CDN and an inline script, so it is a development aid only;
        # /openapi.json is always published. ReDoc would need more exceptions: off.
        docs_url="/docs" if settings.environment == "development" else None,
        redoc_url=None,
    )
    app.state.spoc = spoc
    app.state.hub = hub
    app.state.channels = chat_tools.install(app, spoc)  # Slack, Telegram: when configured
    errors.install(app)
    app.include_router(chat.create_router())
    app.include_router(tickets.create_router())
    app.state.live = agent_console.install(app, spoc, hub)  # /agent and /api/agent

    @app.get("/healthz", tags=["operations"])
    async def healthz(request: Request) -> JSONResponse:
        """200 when spoc can take messages (the database answers), else 503."""
        if await is_reachable(request.app.state.spoc.engine):
            return JSONResponse({"status": "ok"})
        return errors.error_response(503, "unavailable", "The database cannot be reached.")

    pages.install(app, settings)
    approval_pages.install(app, settings)
    reset.install(app, settings)
    dev_outbox.install(app, settings)

    app.add_middleware(BodyLimit, max_bytes=settings.max_request_bytes)
    security.install(app, settings)  # last: its middleware must be the outermost
    return app
