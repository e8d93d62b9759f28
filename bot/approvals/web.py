"""The pages behind the approve/deny links of approval e-mails.

``GET /approvals/{token}`` shows what is asked and a one-button form; only ``POST`` decides,
so a mail scanner or link preview that follows the link changes nothing. The form carries a
CSRF token bound to a cookie set with the page (SameSite=Strict) and to the link itself. An
expired, forged, used or CSRF-less request gets a page that says so, never a 5xx.
"""

from __future__ import annotations

import secrets
from typing import Any
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import HTMLResponse

from bot.agents.hours import phone_hours
from bot.approvals.desk import Approvals
from bot.approvals.links import LinkClaim, LinkExpired, LinkInvalid
from bot.approvals.port import Decision
from bot.approvals.store import APPROVED, EXPIRED
from bot.config import Settings
from bot.web.pages import LINKS, page_environment

COOKIE = "spoc_approval_csrf"
PATH = "/approvals"
STATUS = {"confirm": 200, "done": 200, "already": 409, "expired": 410, "csrf": 403}
MAX_TOKEN_CHARS = 400


def create_router(settings: Settings) -> APIRouter:
    environment = page_environment()
    router = APIRouter(include_in_schema=False)

    def page(view: str, locale: str | None, **context: Any) -> HTMLResponse:
        lang = locale if locale in ("sv", "en") else settings.default_locale
        html = environment.get_template(f"{lang}/approval.html").render(
            lang=lang,
            path=PATH,
            other=LINKS["en" if lang == "sv" else "sv"]["home"],
            links=LINKS[lang],
            org=settings.organisation_name,
            phone=settings.service_desk_phone,
            hours=phone_hours(settings, lang),
            view=view,
            **context,
        )
        return HTMLResponse(html, status_code=STATUS.get(view, 404))

    def already(claim: LinkClaim, decision: Decision) -> HTMLResponse:
        """A used link, or one whose question has expired: it cannot be used again."""
        return page(
            "already",
            claim.locale,
            approved=decision.state == APPROVED,
            expired=decision.state == EXPIRED,
            number=decision.ticket_number,
            item=decision.item,
        )

    def read(approvals: Approvals, token: str) -> LinkClaim | HTMLResponse:
        if len(token) > MAX_TOKEN_CHARS:
            return page("invalid", None)
        try:
            return approvals.links.read(token)
        except LinkExpired as expired:
            return page("expired", expired.locale)
        except LinkInvalid:
            return page("invalid", None)

    @router.get(f"{PATH}/{{token}}")
    async def show(token: str, request: Request) -> HTMLResponse:
        approvals: Approvals = request.app.state.spoc.approvals
        claim = read(approvals, token)
        if isinstance(claim, HTMLResponse):
            return claim
        view = await approvals.look_up(claim)
        if view is None:
            return page("invalid", claim.locale)
        decision = view.decision
        about = {"number": decision.ticket_number, "item": decision.item}
        if decision.outcome == "already_decided":
            return already(claim, decision)
        cookie = request.cookies.get(COOKIE) or secrets.token_urlsafe(32)
        response = page(
            "confirm",
            claim.locale,
            approve=claim.approve,
            requester=decision.requester,
            answers=view.answers,
            token=token,
            csrf=approvals.links.csrf_token(link=token, cookie=cookie),
            **about,
        )
        response.set_cookie(
            COOKIE,
            cookie,
            path=PATH,
            httponly=True,
            samesite="strict",
            secure=settings.public_base_url.startswith("https://"),
        )
        return response

    @router.post(f"{PATH}/{{token}}")
    async def decide(token: str, request: Request) -> HTMLResponse:
        approvals: Approvals = request.app.state.spoc.approvals
        claim = read(approvals, token)
        if isinstance(claim, HTMLResponse):
            return claim
        if not approvals.links.csrf_ok(
            link=token, cookie=request.cookies.get(COOKIE), given=await _csrf_field(request)
        ):
            return page("csrf", claim.locale)
        decision = await approvals.decide_by_link(claim)
        about = {"number": decision.ticket_number, "item": decision.item}
        if decision.is_new:
            return page(
                "done",
                claim.locale,
                approved=decision.outcome == "approved",
                requester=decision.requester,
                **about,
            )
        if decision.outcome == "already_decided":
            return already(claim, decision)
        return page("invalid", claim.locale)

    return router


async def _csrf_field(request: Request) -> str | None:
    try:
        form = parse_qs((await request.body()).decode("utf-8", "replace"), max_num_fields=5)
    except ValueError:  # more fields than the form has: not our form
        return None
    values = form.get("csrf") or []
    return values[0] if values else None


def install(app: FastAPI, settings: Settings) -> None:
    app.include_router(create_router(settings))
