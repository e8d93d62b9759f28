"""``/dev/outbox``: the mail and text messages spoc kept instead of sending, because no mail
server is configured. Development only: in production the route does not exist (404), and
even in development it answers only on the machine itself: the page shows one-time codes."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from bot.agents.hours import phone_hours
from bot.app import Spoc
from bot.config import Settings
from bot.errors import NotFound
from bot.mail import development_outbox
from bot.web.pages import LINKS, page_environment

LOOPBACK = frozenset({"127.0.0.1", "::1"})


def install(app: FastAPI, settings: Settings) -> None:
    if settings.is_production:
        return
    environment = page_environment()

    @app.get("/dev/outbox", include_in_schema=False, response_class=HTMLResponse)
    async def dev_outbox(request: Request) -> HTMLResponse:
        if request.client is None or request.client.host not in LOOPBACK:
            raise NotFound("Not found.")
        spoc: Spoc = request.app.state.spoc
        items = await development_outbox(spoc.sessions)
        html = environment.get_template("dev_outbox.html").render(
            lang="sv",
            path="/dev/outbox",
            other="/dev/outbox",
            links=LINKS["sv"],
            org=settings.organisation_name,
            phone=settings.service_desk_phone,
            hours=phone_hours(settings, "sv"),
            items=items,
        )
        return HTMLResponse(html)
