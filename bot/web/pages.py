"""spoc's own web pages and the chat widget's files.

- ``/`` and ``/en``: a demo municipality website with the widget embedded, so a newcomer sees
  the product at once;
- ``/tillganglighet`` and ``/en/accessibility``: the accessibility statement
  (tillgänglighetsredogörelse) template;
- ``/integritet`` and ``/en/privacy``: the chat's privacy notice, linked from the widget;
- ``/static/*``: the widget (``spoc-widget.js``, ``spoc-widget.css``) and the pages' CSS;
- ``GET /api/chat/config``: what the widget needs to know before a session exists.

Pages are Jinja2 HTML templates with autoescaping on; no page holds an inline script or style,
so the strict Content-Security-Policy of :mod:`bot.web.security` applies unchanged.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from fastapi import APIRouter, FastAPI
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from pydantic import BaseModel, Field
from starlette.responses import Response
from starlette.staticfiles import StaticFiles

from bot.agents.hours import phone_hours
from bot.config import Settings

HERE = Path(__file__).resolve().parent
# Short enough that a fix reaches every kommun's site within minutes, long enough that a
# page view does not revalidate the widget each time.
STATIC_MAX_AGE = 300
# Timing adjustable (WCAG 2.2.1): warn long enough ahead to read and react, at least 20 s.
MAX_WARNING_SECONDS = 120
MIN_WARNING_SECONDS = 20
DEMO_COLOR = "#005a9c"
_HEX_COLOR = re.compile(r"[0-9a-fA-F]{6}|[0-9a-fA-F]{3}")

# path -> (template, language, the same page in the other language)
PAGES: dict[str, tuple[str, str, str]] = {
    "/": ("demo.html", "sv", "/en"),
    "/en": ("demo.html", "en", "/"),
    "/tillganglighet": ("accessibility.html", "sv", "/en/accessibility"),
    "/en/accessibility": ("accessibility.html", "en", "/tillganglighet"),
    "/integritet": ("privacy.html", "sv", "/en/privacy"),
    "/en/privacy": ("privacy.html", "en", "/integritet"),
}
LINKS = {
    "sv": {"home": "/", "accessibility": "/tillganglighet", "privacy": "/integritet"},
    "en": {"home": "/en", "accessibility": "/en/accessibility", "privacy": "/en/privacy"},
}


class WidgetConfig(BaseModel):
    organisation: str
    service_desk_phone: str
    service_desk_hours: str
    session_ttl_seconds: int = Field(description="A session ends after this long unused.")
    session_warning_seconds: int = Field(
        description="How long before the end the widget warns and offers to continue."
    )
    max_message_chars: int


def warning_seconds(ttl_seconds: int) -> int:
    return max(MIN_WARNING_SECONDS, min(MAX_WARNING_SECONDS, ttl_seconds // 2))


class WidgetFiles(StaticFiles):
    """Static files with a short public cache lifetime (ETag revalidation after that)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers.setdefault("Cache-Control", f"public, max-age={STATIC_MAX_AGE}")
        return response


def demo_color(value: str | None) -> str:
    """The demo page's brand colour: ``?color=ffcc00`` shows the widget in a kommun's own
    colour; anything but a hex colour gives the default."""
    candidate = (value or "").removeprefix("#")
    return f"#{candidate}" if _HEX_COLOR.fullmatch(candidate) else DEMO_COLOR


def page_environment() -> Environment:
    return Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def create_router(settings: Settings) -> APIRouter:
    environment = page_environment()
    router = APIRouter()

    def render(path: str, color: str | None) -> HTMLResponse:
        template, lang, other = PAGES[path]
        ttl = settings.session_ttl_minutes
        context = {
            "lang": lang,
            "path": path,
            "other": other,
            "links": LINKS[lang],
            "org": settings.organisation_name,
            "phone": settings.service_desk_phone,
            "hours": phone_hours(settings, lang),
            "base_url": settings.public_base_url.rstrip("/"),
            "ttl_minutes": ttl,
            "retention_days": settings.chat_retention_days,
            "color": demo_color(color),
        }
        return HTMLResponse(environment.get_template(f"{lang}/{template}").render(context))

    for path in PAGES:
        router.add_api_route(
            path,
            _page_handler(render, path),
            methods=["GET"],
            include_in_schema=False,
            response_class=HTMLResponse,
        )

    @router.get("/api/chat/config", tags=["web chat"], response_model=WidgetConfig)
    async def widget_config() -> WidgetConfig:
        """What the chat widget needs before a session exists: names, limits and timing."""
        ttl = settings.session_ttl_minutes * 60
        return WidgetConfig(
            organisation=settings.organisation_name,
            service_desk_phone=settings.service_desk_phone,
            service_desk_hours=phone_hours(settings, settings.default_locale),
            session_ttl_seconds=ttl,
            session_warning_seconds=warning_seconds(ttl),
            max_message_chars=settings.max_message_chars,
        )

    return router


def _page_handler(
    render: Callable[[str, str | None], HTMLResponse], path: str
) -> Callable[..., Awaitable[HTMLResponse]]:
    async def page(color: str | None = None) -> HTMLResponse:
        return render(path, color)

    page.__name__ = f"page_{path.strip('/').replace('/', '_') or 'index'}"
    return page


def install(app: FastAPI, settings: Settings) -> None:
    app.include_router(create_router(settings))
    app.mount("/static", WidgetFiles(directory=HERE / "static"), name="static")
