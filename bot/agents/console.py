"""The agent console at ``/agent``: server-rendered pages (Jinja2, autoescaped) whose forms
work without JavaScript; ``/static/agent/console.js`` adds live updates (the queue and the
conversation over Server-Sent Events), sending without a reload, canned replies and the
sound cue. No inline script or style: the site's strict Content-Security-Policy applies.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

import yaml
from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.responses import Response

from bot.agents import auth, figures
from bot.agents.accounts import sign_in
from bot.agents.auth import SignedInAgent, signed_in, spoc_of
from bot.agents.schemas import item_out, message_out, takeover_of
from bot.agents.takeover import Takeover
from bot.errors import (
    BadInput,
    Conflict,
    Forbidden,
    NotFound,
    RateLimited,
    SpocError,
    Unauthorized,
)
from bot.store import agents as store
from bot.store.agents import Agent
from bot.store.models import utcnow
from bot.web.params import MaybeRowId, RowId

HERE = Path(__file__).resolve().parent
CHANNELS = {
    "webchat": "Webbchatt",
    "slack": "Slack",
    "telegram": "Telegram",
    "terminal": "Terminal",
}
REASONS = {
    "asked": "Bad om en person",
    "misunderstood": "Boten förstod inte",
    "frustrated": "Frustration",
    "p1": "P1-incident",
    "security": "Någon kan ha kommit åt ett konto",
}
LANGUAGES = {"sv": "svenska", "en": "engelska"}
STATES = {
    "waiting": "Väntar",
    "agent": "Pågår",
    "closed": "Avslutad",
    "bot": "Tillbaka hos boten",
    "left": "Lämnade kön",
    "ticket": "Ärende (stängt)",
}
AUTHORS = {"user": "Personen", "bot": "Boten", "agent": "Handläggare", "system": "System"}
ERRORS = {
    "conflict": "Du har inte den här konversationen längre – den kan ha flyttats eller "
    "tagits av någon annan.",
    "bad_request": "Kontrollera det du fyllde i: fältet får inte vara tomt eller för långt, "
    "och mottagaren måste finnas.",
    "not_found": "Konversationen finns inte i dina köer.",
}
LOGIN_ERRORS: dict[type[SpocError], str] = {
    Unauthorized: "Fel användarnamn eller lösenord.",
    RateLimited: "För många misslyckade inloggningsförsök: kontot eller din adress är spärrad "
    "en stund. Försök igen senare.",
    Forbidden: "Inloggningsformuläret hade gått ut. Försök igen.",
}
Field = Annotated[str, Form(max_length=20_000)]
RECENTLY_ENDED = 10


def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["waited"] = waited
    env.filters.update(figures.FILTERS)
    env.globals.update(
        channels=CHANNELS, reasons=REASONS, languages=LANGUAGES, states=STATES, authors=AUTHORS
    )
    return env


def waited(since: datetime) -> str:
    minutes = max(0, int((utcnow() - since).total_seconds() // 60))
    return f"{minutes} min" if minutes < 120 else f"{minutes // 60} h {minutes % 60} min"


@cache
def canned() -> dict[str, list[dict[str, str]]]:
    raw = yaml.safe_load((HERE / "canned.yaml").read_text(encoding="utf-8"))
    return {lang: [dict(item) for item in items] for lang, items in raw.items()}


def canned_for(locale: str, name: str) -> list[dict[str, str]]:
    replies = canned().get(locale) or canned()["sv"]
    return [{**item, "text": item["text"].replace("{name}", name)} for item in replies]


def _back(path: str, **query: str) -> RedirectResponse:
    suffix = "&".join(f"{k}={quote(v)}" for k, v in query.items())
    return RedirectResponse(f"{path}?{suffix}" if suffix else path, status_code=303)


def create_router() -> APIRouter:
    env = environment()
    router = APIRouter(prefix="/agent", include_in_schema=False)

    def page(name: str, status: int = 200, **context: Any) -> HTMLResponse:
        return HTMLResponse(env.get_template(name).render(**context), status_code=status)

    async def rows(request: Request, me: SignedInAgent) -> dict[str, Any]:
        takeover = takeover_of(request)
        items = [item_out(request, r) for r in await takeover.queue(me.agent)]
        ended = await takeover.queue(me.agent, state="closed")
        return {
            "ended": [item_out(request, r) for r in reversed(ended[-RECENTLY_ENDED:])],
            "waiting": [i for i in items if i.state == "waiting"],
            "mine": [i for i in items if i.state == "agent" and i.agent == me.agent.username],
            "others": [i for i in items if i.state == "agent" and i.agent != me.agent.username],
        }

    def login_page(
        request: Request,
        next: str,
        *,
        error: str | None = None,
        username: str = "",
        status: int = 200,
    ) -> Response:
        token = auth.login_token(request)
        response = page(
            "login.html", status, error=error, username=username, next=_safe_next(next), csrf=token
        )
        auth.set_login_cookie(request, response, token)
        return response

    @router.get("/login", response_class=HTMLResponse)
    async def login_form(request: Request, next: str = "/agent") -> Response:
        return login_page(request, next)

    @router.post("/login", response_class=HTMLResponse)
    async def login(
        request: Request,
        username: Annotated[str, Form(max_length=64)] = "",
        password: Annotated[str, Form(max_length=1024)] = "",
        csrf_token: Annotated[str, Form(max_length=200)] = "",
        next: Annotated[str, Form(max_length=300)] = "/agent",
    ) -> Response:
        spoc = spoc_of(request)
        try:
            auth.check_login_token(request, csrf_token)
            auth.throttle_sign_in(request)
            done = await sign_in(
                spoc.sessions, spoc.settings, username=username, password=password
            )
        except (Unauthorized, RateLimited, Forbidden) as error:
            return login_page(
                request,
                next,
                error=LOGIN_ERRORS[type(error)],
                username=username,
                status=error.status,
            )
        response = RedirectResponse(_safe_next(next), status_code=303)
        auth.set_session_cookie(request, response, done.token)
        return response

    @router.post("/logout")
    async def logout(
        request: Request, csrf_token: Annotated[str, Form(max_length=200)] = ""
    ) -> Response:
        me = await signed_in(request)
        if me is not None:
            auth.check_csrf(me, csrf_token)
            async with spoc_of(request).sessions() as session, session.begin():
                await store.end_session(session, token_hash=me.token_hash)
        response = RedirectResponse("/agent/login", status_code=303)
        auth.clear_session_cookie(response)
        return response

    @router.get("", response_class=HTMLResponse)
    async def queue(request: Request, taken: MaybeRowId = None) -> Response:
        me = await signed_in(request)
        if me is None:
            return auth.login_redirect(request)
        notice = await _taken_notice(request, me, taken) if taken else None
        return page("queue.html", me=me, current="queue", notice=notice, **await rows(request, me))

    @router.get("/queue/rows", response_class=HTMLResponse)
    async def queue_rows(request: Request) -> Response:
        me = await signed_in(request)
        if me is None:
            return Response(status_code=401)
        return page("_rows.html", me=me, **await rows(request, me))

    @router.post("/conversations/{conversation_id}/claim")
    async def claim(
        request: Request,
        conversation_id: RowId,
        csrf_token: Annotated[str, Form(max_length=200)] = "",
    ) -> Response:
        me = await signed_in(request)
        if me is None:
            return auth.login_redirect(request)
        auth.check_csrf(me, csrf_token)
        try:
            await takeover_of(request).claim(me.agent, conversation_id)
        except Conflict:
            return _back("/agent", taken=str(conversation_id))
        return RedirectResponse(f"/agent/conversations/{conversation_id}", status_code=303)

    @router.get("/conversations/{conversation_id}", response_class=HTMLResponse)
    async def conversation(
        request: Request, conversation_id: RowId, error: str | None = None
    ) -> Response:
        me = await signed_in(request)
        if me is None:
            return auth.login_redirect(request)
        takeover = takeover_of(request)
        try:
            view = await takeover.view(me.agent, conversation_id)
        except NotFound:
            return page("not_found.html", 404, me=me)
        item = item_out(request, view.row)
        async with spoc_of(request).reads() as session:
            agents = await store.list_agents(session)
        return page(
            "conversation.html",
            me=me,
            item=item,
            owner=view.conversation.owner,
            mine=view.conversation.owner == store.agent_owner(me.agent.username),
            resolution=view.escalation.resolution,
            messages=[message_out(m) for m in view.messages],
            notes=view.notes,
            canned=canned_for(view.conversation.locale, me.agent.display_name),
            agents=[a for a in agents if a.username != me.agent.username],
            groups=sorted(takeover.groups(agents)),
            error=ERRORS.get(error or ""),
        )

    async def act(
        request: Request,
        conversation_id: RowId,
        csrf_token: str,
        action: Callable[..., Awaitable[object]],
        *args: str,
    ) -> Response:
        """``action(takeover, agent, conversation_id, *args)`` for the signed-in agent, then
        back to the conversation: with the error's code when the action was refused."""
        me = await signed_in(request)
        if me is None:
            return auth.login_redirect(request)
        auth.check_csrf(me, csrf_token)
        path = f"/agent/conversations/{conversation_id}"
        try:
            await action(takeover_of(request), me.agent, conversation_id, *args)
        except (BadInput, Conflict, NotFound) as error:
            return _back(path, error=error.code)
        return RedirectResponse(path, status_code=303)

    @router.post("/conversations/{conversation_id}/messages")
    async def send(
        request: Request, conversation_id: RowId, text: Field = "", csrf_token: Field = ""
    ) -> Response:
        return await act(request, conversation_id, csrf_token, Takeover.send, text)

    @router.post("/conversations/{conversation_id}/notes")
    async def note(
        request: Request, conversation_id: RowId, text: Field = "", csrf_token: Field = ""
    ) -> Response:
        return await act(request, conversation_id, csrf_token, Takeover.note, text)

    @router.post("/conversations/{conversation_id}/handback")
    async def hand_back(
        request: Request, conversation_id: RowId, csrf_token: Field = ""
    ) -> Response:
        return await act(request, conversation_id, csrf_token, Takeover.hand_back)

    @router.post("/conversations/{conversation_id}/close")
    async def close(
        request: Request, conversation_id: RowId, resolution: Field = "", csrf_token: Field = ""
    ) -> Response:
        return await act(request, conversation_id, csrf_token, Takeover.close, resolution)

    @router.post("/conversations/{conversation_id}/transfer")
    async def transfer(
        request: Request, conversation_id: RowId, target: Field = "", csrf_token: Field = ""
    ) -> Response:
        return await act(request, conversation_id, csrf_token, _transfer, target)

    router.include_router(figures.create_router(page))
    return router


def _safe_next(value: str) -> str:
    """Only a path inside the console: never an open redirect."""
    return (
        value
        if value.startswith("/agent") and "//" not in value and "\\" not in value
        else "/agent"
    )


async def _transfer(takeover: Takeover, agent: Agent, conversation_id: int, target: str) -> None:
    """The transfer form's choice: ``agent:<username>`` or ``group:<name>``."""
    kind, _, name = target.partition(":")
    if kind not in ("agent", "group") or not name:
        raise BadInput("choose an agent or a group")
    await takeover.transfer(
        agent,
        conversation_id,
        to_agent=name if kind == "agent" else None,
        to_group=name if kind == "group" else None,
    )


async def _taken_notice(request: Request, me: SignedInAgent, conversation_id: int) -> str:
    try:
        view = await takeover_of(request).view(me.agent, conversation_id)
    except SpocError:
        return "Konversationen finns inte längre i kön."
    username = store.owner_username(view.conversation.owner)
    if username is None:
        return "Konversationen väntar inte längre på en handläggare."
    async with spoc_of(request).reads() as session:
        other = await store.find_agent(session, username=username)
    return f"{other.display_name if other else username} hann före och har tagit konversationen."
